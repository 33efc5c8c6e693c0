package jdbc_test

// Benchmarks of JdbcSourceConnector run by a worker: a table of 5 columns
// read in incrementing mode into Kafka with JsonConverter values
// (schemas.enable=false), against a hand-written Go program doing the
// same SELECT with the same driver and producing with franz-go, on
// SQLite always and on PostgreSQL and MariaDB when KCONNECT_POSTGRES_URL
// and KCONNECT_MARIADB_URL name servers.
//
//	go test -run XXX -bench JdbcSourceToKafka -benchtime 1000000x ./source/jdbc
//
// They run against kfake by default and a real broker when
// KCONNECT_KAFKA_BROKERS is set. See BENCHMARKS.md for figures.

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
	"github.com/kconnect-go/kconnect/internal/procstat"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/source"
	srcjdbc "github.com/kconnect-go/kconnect/source/jdbc"
)

const (
	benchPartitions = 4
	benchTimeout    = 20 * time.Minute
)

// benchTable creates table name holding rows rows: id 1..rows, a name, an
// email, an amount and a flag, all NOT NULL.
func benchTable(b *testing.B, db *jdbctest.DB, name string, rows int) {
	b.Helper()
	ctx := context.Background()
	d := db.Dialect
	qt, err := d.Ident(name, jdbc.Always)
	require.NoError(b, err)
	double := "DOUBLE PRECISION"
	if d == jdbc.MySQL {
		double = "DOUBLE"
	}
	q := func(s string) string {
		if d == jdbc.MySQL {
			return strings.ReplaceAll(s, `"`, "`")
		}
		return s
	}
	_, err = db.DB.ExecContext(ctx, q(`CREATE TABLE `+qt+` ("id" BIGINT NOT NULL PRIMARY KEY, "name" VARCHAR(40) NOT NULL, `+
		`"email" VARCHAR(60) NOT NULL, "amount" `+double+` NOT NULL, "active" BOOLEAN NOT NULL)`))
	require.NoError(b, err)
	tx, err := db.DB.BeginTx(ctx, nil)
	require.NoError(b, err)
	const per = 1000
	var args []any
	for first := 1; first <= rows; first += per {
		n := min(per, rows-first+1)
		stmt, err := d.InsertRows(jdbc.TableID{Name: name}, []string{"id", "name", "email", "amount", "active"}, n, jdbc.Always)
		require.NoError(b, err)
		args = args[:0]
		for i := first; i < first+n; i++ {
			args = append(args, int64(i), fmt.Sprintf("Customer Number %07d", i), fmt.Sprintf("customer.%07d@example.com", i),
				float64(i%100000)+float64(1+i%99)/100, i%3 == 0)
		}
		_, err = tx.ExecContext(ctx, stmt, args...)
		require.NoError(b, err)
	}
	require.NoError(b, tx.Commit())
}

// jdbcRun counts the records Kafka acknowledged.
type jdbcRun struct {
	rows    int64
	settled atomic.Int64
	failed  atomic.Int64
	done    chan struct{}
}

func (r *jdbcRun) plugin() source.Plugin {
	p := srcjdbc.Plugin()
	return source.Plugin{PluginInfo: p.PluginInfo, New: func() source.Connector {
		return benchConnector{Connector: p.New(), run: r}
	}}
}

type benchConnector struct {
	source.Connector
	run *jdbcRun
}

func (c benchConnector) NewTask() source.Task {
	return benchTask{Task: c.Connector.NewTask(), run: c.run}
}

// benchTask counts CommitRecord calls; the connector's task has none of
// its own.
type benchTask struct {
	source.Task
	run *jdbcRun
}

func (t benchTask) CommitRecord(_ *connect.Record, md *source.RecordMetadata) error {
	if md == nil {
		t.run.failed.Add(1)
	}
	if t.run.settled.Add(1) == t.run.rows {
		close(t.run.done)
	}
	return nil
}

// BenchmarkJdbcSourceToKafka measures rows per second from a table to
// acknowledged Kafka writes, per database. One op is one row: run it
// with -benchtime 1000000x for a table of a million rows (created once per
// database and run, untimed).
//
//   - worker: JdbcSourceConnector in a Worker, one task, mode
//     incrementing on the id, batch.max.rows at its default, JsonConverter
//     with schemas.enable=false, timed from CreateConnector until Kafka
//     has acknowledged every row;
//   - handwritten: a Go program doing the same without kconnect: one
//     SELECT … WHERE id > ? ORDER BY id through the same database/sql
//     driver, each row scanned into typed variables and its JSON appended
//     by hand, produced by a franz-go client with the worker producer's
//     settings, timed from the query until every promise has run.
//
// Each reports records/s, cpu-ns/record (the process's CPU time, all
// goroutines, the database's own not counted unless it is SQLite) and
// peak-RSS-MiB.
func BenchmarkJdbcSourceToKafka(b *testing.B) {
	for _, o := range jdbctest.All {
		b.Run(o.Name, func(b *testing.B) {
			db := o.Open(b)
			made := map[int]string{}
			table := func(b *testing.B, rows int) string {
				if name, ok := made[rows]; ok {
					return name
				}
				name := fmt.Sprintf("bench_%d", rows)
				benchTable(b, db, name, rows)
				made[rows] = name
				return name
			}
			b.Run("worker", func(b *testing.B) { runJdbcWorker(b, db, table(b, b.N), b.N) })
			b.Run("handwritten", func(b *testing.B) {
				name := table(b, b.N)
				brokers := testkafka.Brokers(b)
				topic := testkafka.Topic(b, "bench-jdbc")
				testkafka.CreateTopic(b, brokers, topic, benchPartitions, nil)
				ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
				defer cancel()
				target, err := jdbc.ParseURL(db.URL)
				require.NoError(b, err)
				sdb, err := target.Open(ctx, "", "", nil)
				require.NoError(b, err)
				defer sdb.Close()
				rss := procstat.Start()
				b.ReportAllocs()
				b.ResetTimer()
				n, err := handwrittenTableToKafka(ctx, brokers, sdb, db.Dialect, name, topic)
				b.StopTimer()
				peak, cpu := rss.Stop(), rss.CPU()
				require.NoError(b, err)
				require.Equal(b, b.N, n)
				b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/record")
				b.ReportMetric(peak, "peak-RSS-MiB")
			})
		})
	}
}

func runJdbcWorker(b *testing.B, db *jdbctest.DB, table string, rows int) {
	brokers := testkafka.Brokers(b)
	prefix := testkafka.Topic(b, "bench-jdbc") + "."
	testkafka.CreateTopic(b, brokers, prefix+table, benchPartitions, nil)
	run := &jdbcRun{rows: int64(rows), done: make(chan struct{})}
	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(run.plugin()), worker.OffsetStore(offset.NewMemory()),
		worker.Logger(slog.New(slog.DiscardHandler)), worker.ID("bench-worker"))
	require.NoError(b, err)
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()
	cfg := map[string]string{
		"connector.class": "JdbcSourceConnector", "tasks.max": "1", "connection.url": db.URL,
		"mode": "incrementing", "incrementing.column.name": "id", "table.whitelist": table, "topic.prefix": prefix,
		"value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
		"key.converter": "JsonConverter", "key.converter.schemas.enable": "false",
	}
	if db.Dialect == jdbc.PostgreSQL {
		var schema string
		require.NoError(b, db.DB.QueryRow("SELECT current_schema()").Scan(&schema))
		cfg["schema.pattern"] = schema
	}
	rss := procstat.Start()
	b.ReportAllocs()
	b.ResetTimer()
	require.NoError(b, w.CreateConnector(ctx, "bench", cfg))
	select {
	case <-run.done:
	case <-ctx.Done():
		st, _ := w.Status("bench")
		b.Fatalf("%d of %d rows acknowledged before the timeout; status %+v", run.settled.Load(), rows, st)
	}
	b.StopTimer()
	peak, cpu := rss.Stop(), rss.CPU()
	elapsed := b.Elapsed()
	if n := run.failed.Load(); n > 0 {
		b.Fatalf("%d rows settled without being written", n)
	}
	require.NoError(b, w.Close())
	b.ReportMetric(float64(rows)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(rows), "cpu-ns/record")
	b.ReportMetric(peak, "peak-RSS-MiB")
}

// handwrittenTableToKafka is the baseline program: one query of every
// row after id 0 in id order, each row scanned into typed variables and
// written as the JSON JsonConverter writes for it (schemas.enable=false),
// produced to topic with the worker producer's settings and no key. It
// returns the rows acknowledged.
func handwrittenTableToKafka(ctx context.Context, brokers []string, db *sql.DB, d *jdbc.Dialect, table, topic string) (int, error) {
	var sent, settled, failed atomic.Int64
	var firstErr atomic.Pointer[error]
	var readAll atomic.Bool
	done := make(chan struct{})
	var once sync.Once
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			failed.Add(1)
			firstErr.CompareAndSwap(nil, &err)
		}
		if settled.Add(1) == sent.Load() && readAll.Load() {
			once.Do(func() { close(done) })
		}
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.ClientID("bench-handwritten"),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(5*time.Millisecond),
		kgo.RecordDeliveryTimeout(0),
		kgo.MaxBufferedRecords(10_000),
	)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	qt, err := d.Ident(table, jdbc.Always)
	if err != nil {
		return 0, err
	}
	id, err := d.Ident("id", jdbc.Always)
	if err != nil {
		return 0, err
	}
	rows, err := db.QueryContext(ctx, "SELECT * FROM "+qt+" WHERE "+id+" > "+d.Placeholder(1)+" ORDER BY "+id+" ASC", int64(0))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	var (
		rid          int64
		name, email  string
		amount       float64
		active       bool
		activeNumber int64
	)
	dests := []any{&rid, &name, &email, &amount, &active}
	if d == jdbc.MySQL || d == jdbc.SQLite { // BOOLEAN is a number there, an INT8 or INT64 in the record
		dests[4] = &activeNumber
	}
	for rows.Next() {
		if err := rows.Scan(dests...); err != nil {
			return int(n), err
		}
		v := make([]byte, 0, 128)
		v = append(v, `{"id":`...)
		v = strconv.AppendInt(v, rid, 10)
		v = append(v, `,"name":`...)
		v = strconv.AppendQuote(v, name)
		v = append(v, `,"email":`...)
		v = strconv.AppendQuote(v, email)
		v = append(v, `,"amount":`...)
		v = strconv.AppendFloat(v, amount, 'g', -1, 64)
		v = append(v, `,"active":`...)
		if dests[4] == &active {
			v = strconv.AppendBool(v, active)
		} else {
			v = strconv.AppendInt(v, activeNumber, 10)
		}
		v = append(v, '}')
		n++
		sent.Add(1)
		cl.Produce(ctx, &kgo.Record{Topic: topic, Value: v}, promise)
	}
	if err := rows.Err(); err != nil {
		return int(n), err
	}
	readAll.Store(true)
	if settled.Load() == sent.Load() {
		once.Do(func() { close(done) })
	}
	select {
	case <-done:
	case <-ctx.Done():
		return int(settled.Load()), ctx.Err()
	}
	if p := firstErr.Load(); p != nil {
		return int(n - failed.Load()), *p
	}
	return int(n), nil
}
