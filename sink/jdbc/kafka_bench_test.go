package jdbc_test

// BenchmarkKafkaToJDBC: records in Kafka written to database tables by the
// sink in a worker, against a hand-written franz-go program writing the
// same rows with the same driver. See BENCHMARKS.md for figures.

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/jsonconv"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
	"github.com/kconnect-go/kconnect/internal/procstat"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/sink"
	sinkjdbc "github.com/kconnect-go/kconnect/sink/jdbc"
)

// benchRowsEnv sets the number of records of BenchmarkKafkaToJDBC
// (default benchRowsDefault); BENCHMARKS.md's figures are of 1,000,000.
const benchRowsEnv = "KCONNECT_BENCH_ROWS"

const benchRowsDefault = 100_000

// benchTopicEnv names a topic for BenchmarkKafkaToJDBC to read instead of
// one of its own: filled with the benchmark's records unless it holds
// them already, and kept afterwards, so that another worker (the JVM's, in
// testdata/jvm/measure.sh) reads the very same records.
const benchTopicEnv = "KCONNECT_BENCH_JDBC_TOPIC"

// benchRowSchema is the records' value: four fields, id unique per record.
var benchRowSchema = connect.StructOf(
	connect.F("id", connect.Int64Schema),
	connect.F("name", connect.StringSchema),
	connect.F("amount", connect.Float64Schema),
	connect.F("active", connect.BooleanSchema),
)

// benchRows returns the record count of the run.
func benchRows(b *testing.B) int {
	s := os.Getenv(benchRowsEnv)
	if s == "" {
		return benchRowsDefault
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive number", benchRowsEnv, s)
	}
	return n
}

// benchJDBCTopic returns a topic of 4 partitions holding n records, null
// keys and benchRowSchema values as JsonConverter with schemas writes them
// ({"schema":…,"payload":…}), ids 0 to n-1.
func benchJDBCTopic(b *testing.B, brokers []string, n int) string {
	b.Helper()
	topic := os.Getenv(benchTopicEnv)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if topic != "" {
		adm := kadm.NewClient(testkafka.Client(b, brokers))
		ends, err := adm.ListEndOffsets(ctx, topic)
		if err == nil && ends.Error() == nil {
			var total int64
			ends.Each(func(o kadm.ListedOffset) { total += o.Offset })
			if total == int64(n) {
				return topic
			}
			if total != 0 {
				b.Fatalf("%s=%s holds %d records, want %d (or a new topic)", benchTopicEnv, topic, total, n)
			}
		} else {
			if _, err := adm.CreateTopic(ctx, 4, -1, nil, topic); err != nil {
				b.Fatalf("creating %s: %v", topic, err)
			}
		}
	} else {
		topic = testkafka.Topic(b, "bench-jdbc")
		testkafka.CreateTopic(b, brokers, topic, 4, nil)
	}
	conv := jsonconv.New(jsonconv.SchemasEnable(true))
	cl := testkafka.Client(b, brokers, kgo.DefaultProduceTopic(topic))
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range n {
		st := connect.NewStruct(benchRowSchema)
		_ = st.PutInt64("id", int64(i))
		_ = st.PutString("name", "customer "+strconv.Itoa(i))
		_ = st.PutFloat64("amount", float64(i%100000)/100)
		_ = st.PutBool("active", i%3 != 0)
		value, err := conv.FromConnect(nil, topic, connect.Headers{}, benchRowSchema, st)
		if err != nil {
			b.Fatal(err)
		}
		cl.Produce(ctx, &kgo.Record{Value: value}, func(_ *kgo.Record, err error) {
			if err != nil {
				failed.CompareAndSwap(nil, &err)
			}
			wg.Done()
		})
	}
	wg.Wait()
	if p := failed.Load(); p != nil {
		b.Fatalf("filling %s: %v", topic, *p)
	}
	return topic
}

// BenchmarkKafkaToJDBC reads a topic of KCONNECT_BENCH_ROWS records
// (100,000 unless set) into a table, per database (SQLite, and PostgreSQL
// and MariaDB when configured) and mode, by:
//
//   - worker: the sink (JdbcSinkConnector, one task) in a Worker, key and
//     value through JsonConverter with schemas, into a table made before
//     (no PRIMARY KEY in insert mode; id in upsert mode, pk.mode=record_value),
//     timed from CreateConnector until Put has returned for every record;
//   - handwritten: a franz-go group consumer polling up to 500 records (the
//     worker's max.poll.records), decoding each value with the same
//     JsonConverter and writing each poll's rows in one transaction with
//     the same driver: multi-row INSERTs (or upserts) of up to 500 rows on
//     PostgreSQL (pgx) and MariaDB, a prepared single-row statement in
//     transactions of 10,000 rows on SQLite, timed from the client's start
//     until the last transaction is committed;
//   - handwritten/copy (PostgreSQL, insert mode): the same with each poll's
//     rows written by pgx's CopyFrom;
//   - handwritten/tx-per-poll (SQLite): the same with a transaction per
//     poll of up to 500 records, as the sink commits each Put, instead of
//     per 10,000 rows.
//
// One op is one pass over the topic, in a new consumer group into a new
// table, which is checked to hold every row and then dropped; run it with
// -benchtime 1x. Each reports rows/s, cpu-ns/row (the process's CPU time,
// not the database server's nor, with a real broker, Kafka's) and
// peak-RSS-MiB.
func BenchmarkKafkaToJDBC(b *testing.B) {
	rows := benchRows(b)
	brokers := testkafka.Brokers(b)
	topic := benchJDBCTopic(b, brokers, rows) // the parent's: deleted at its end
	for _, o := range jdbctest.All {
		b.Run(o.Name, func(b *testing.B) {
			db := o.Open(b)
			for _, mode := range []string{"insert", "upsert"} {
				r := &jdbcBench{db: db, brokers: brokers, topic: topic, rows: rows, upsert: mode == "upsert"}
				b.Run(mode+"/worker", func(b *testing.B) { r.run(b, r.worker) })
				b.Run(mode+"/handwritten", func(b *testing.B) { r.run(b, r.handwritten) })
				if db.Dialect == jdbc.PostgreSQL && mode == "insert" {
					r.copy = true
					b.Run(mode+"/handwritten/copy", func(b *testing.B) { r.run(b, r.handwritten) })
					r.copy = false
				}
				if db.Dialect == jdbc.SQLite {
					// The sink commits once per Put: with Puts of up to
					// 10,000 records, as many rows as the hand-written
					// program's transactions hold.
					r.maxPoll = "10000"
					b.Run(mode+"/worker/max-poll-10000", func(b *testing.B) { r.run(b, r.worker) })
					r.maxPoll = ""
					r.txRows = 1
					b.Run(mode+"/handwritten/tx-per-poll", func(b *testing.B) { r.run(b, r.handwritten) })
					r.txRows = 0
				}
			}
		})
	}
}

type jdbcBench struct {
	db      *jdbctest.DB
	brokers []string
	topic   string
	rows    int
	upsert  bool
	copy    bool
	txRows  int            // SQLite: 0 commits every 10,000 rows, 1 every poll
	maxPoll string         // the worker's consumer.override.max.poll.records, if set
	n       int            // tables made so far
	stmts   map[int]string // multi-row statements by row count, per table
}

// run times pass once per op, each into a new table, and reports the
// figures.
func (r *jdbcBench) run(b *testing.B, pass func(b *testing.B, table string)) {
	var cpu time.Duration
	var peak float64
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		r.n++
		table := fmt.Sprintf("bench_%s_%d", map[bool]string{false: "insert", true: "upsert"}[r.upsert], r.n)
		r.exec(b, r.createTable(table))
		rss := procstat.Start()
		b.StartTimer()
		pass(b, table)
		b.StopTimer()
		peak = max(peak, rss.Stop())
		cpu += rss.CPU()
		var got int
		if err := r.db.DB.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&got); err != nil {
			b.Fatal(err)
		}
		if got != r.rows {
			b.Fatalf("%s holds %d rows, want %d", table, got, r.rows)
		}
		r.exec(b, "DROP TABLE "+table)
	}
	total := float64(b.N * r.rows)
	b.ReportMetric(total/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/total, "cpu-ns/row")
	b.ReportMetric(peak, "peak-RSS-MiB")
}

func (r *jdbcBench) exec(b *testing.B, stmt string) {
	if _, err := r.db.DB.ExecContext(context.Background(), stmt); err != nil {
		b.Fatalf("%s: %v", stmt, err)
	}
}

// createTable is the table both writers fill, as the sink's auto.create
// would make it.
func (r *jdbcBench) createTable(table string) string {
	key := ""
	if r.upsert {
		key = ", PRIMARY KEY (id)"
	}
	switch r.db.Dialect {
	case jdbc.PostgreSQL:
		return "CREATE TABLE " + table + " (id BIGINT NOT NULL, name TEXT NOT NULL, amount DOUBLE PRECISION NOT NULL, active BOOLEAN NOT NULL" + key + ")"
	case jdbc.MySQL:
		return "CREATE TABLE " + table + " (id BIGINT NOT NULL, name TEXT NOT NULL, amount DOUBLE NOT NULL, active TINYINT(1) NOT NULL" + key + ")"
	default:
		return "CREATE TABLE " + table + " (id INTEGER NOT NULL, name TEXT NOT NULL, amount REAL NOT NULL, active INTEGER NOT NULL" + key + ")"
	}
}

// worker runs the sink in a Worker until Put has returned for every record.
func (r *jdbcBench) worker(b *testing.B, table string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	done := &putCounter{want: int64(r.rows), done: make(chan struct{})}
	w, err := worker.New(worker.Brokers(r.brokers...), worker.Plugins(done.wrap(sinkjdbc.Plugin())),
		worker.Logger(slog.New(slog.DiscardHandler)), worker.ID("bench-jdbc"))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	name := testkafka.Group(b, "bench-jdbc")
	config := map[string]string{
		"connector.class": sinkjdbc.Class, "topics": r.topic, "tasks.max": "1",
		"connection.url": r.db.URL, "table.name.format": table,
		"key.converter":   "org.apache.kafka.connect.json.JsonConverter",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter",
	}
	if r.upsert {
		config["insert.mode"], config["pk.mode"], config["pk.fields"] = "upsert", "record_value", "id"
	}
	if r.maxPoll != "" {
		config["consumer.override.max.poll.records"] = r.maxPoll
	}
	if err := w.CreateConnector(ctx, name, config); err != nil {
		b.Fatal(err)
	}
	select {
	case <-done.done:
	case <-ctx.Done():
		st, _ := w.Status(name)
		b.Fatalf("%d of %d records written before the timeout; status %+v", done.seen.Load(), r.rows, st)
	}
}

// putCounter wraps a sink plugin so that its tasks count the records of
// every Put that returned nil, closing done once want were.
type putCounter struct {
	want int64
	seen atomic.Int64
	done chan struct{}
	once sync.Once
}

func (c *putCounter) wrap(p sink.Plugin) sink.Plugin {
	inner := p.New
	p.New = func() sink.Connector { return countingConnector{inner(), c} }
	return p
}

type countingConnector struct {
	sink.Connector
	c *putCounter
}

func (cc countingConnector) NewTask() sink.Task {
	return countingTask{cc.Connector.NewTask(), cc.c}
}

type countingTask struct {
	sink.Task
	c *putCounter
}

func (t countingTask) Put(ctx context.Context, records []connect.Record) error {
	if err := t.Task.Put(ctx, records); err != nil {
		return err
	}
	if t.c.seen.Add(int64(len(records))) >= t.c.want {
		t.c.once.Do(func() { close(t.c.done) })
	}
	return nil
}

// BorrowsBatch passes on the sink task's answer.
func (t countingTask) BorrowsBatch() bool {
	bb, ok := t.Task.(sink.BatchBorrower)
	return ok && bb.BorrowsBatch()
}

// handwritten is what a Go programmer would write without kconnect:
// consume, decode, write each poll's rows in a transaction, commit the
// offsets at the end.
func (r *jdbcBench) handwritten(b *testing.B, table string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(r.brokers...),
		kgo.ConsumerGroup(testkafka.Group(b, "bench-jdbc-hand")),
		kgo.ConsumeTopics(r.topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
	)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	write, closeWriter := r.writer(b, ctx, table)
	conv := jsonconv.New(jsonconv.SchemasEnable(true))
	batch := make([]benchRow, 0, 500)
	for seen := 0; seen < r.rows; {
		fetches := cl.PollRecords(ctx, 500)
		if ctx.Err() != nil {
			b.Fatalf("%d of %d records consumed before the timeout", seen, r.rows)
		}
		fetches.EachError(func(t string, p int32, err error) { b.Fatalf("fetching %s[%d]: %v", t, p, err) })
		batch = batch[:0]
		for _, kr := range fetches.Records() {
			_, v, err := conv.ToConnect(kr.Topic, connect.Headers{}, kr.Value)
			if err != nil {
				b.Fatal(err)
			}
			st := v.(*connect.Struct)
			batch = append(batch, benchRow{st.At(0).Int64(), st.At(1).Str(), st.At(2).Float64(), st.At(3).Bool()})
		}
		if err := write(batch); err != nil {
			b.Fatalf("writing %d rows to %s: %v", len(batch), table, err)
		}
		seen += len(batch)
	}
	if err := closeWriter(); err != nil {
		b.Fatal(err)
	}
	if err := cl.CommitUncommittedOffsets(ctx); err != nil {
		b.Fatal(err)
	}
}

type benchRow struct {
	id     int64
	name   string
	amount float64
	active bool
}

// writer returns the hand-written program's write of one poll's rows, and
// what ends its writing.
func (r *jdbcBench) writer(b *testing.B, ctx context.Context, table string) (write func([]benchRow) error, closeWriter func() error) {
	switch r.db.Dialect {
	case jdbc.PostgreSQL:
		conn, err := pgx.Connect(ctx, r.db.URL)
		if err != nil {
			b.Fatal(err)
		}
		closeWriter = func() error { return conn.Close(ctx) }
		if r.copy {
			cols := []string{"id", "name", "amount", "active"}
			return func(rows []benchRow) error {
				_, err := conn.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
					return []any{rows[i].id, rows[i].name, rows[i].amount, rows[i].active}, nil
				}))
				return err
			}, closeWriter
		}
		return func(rows []benchRow) error {
			tx, err := conn.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx)
			stmt, args := r.multiRow(table, rows, "$")
			if _, err := tx.Exec(ctx, stmt, args...); err != nil {
				return err
			}
			return tx.Commit(ctx)
		}, closeWriter
	case jdbc.MySQL:
		return func(rows []benchRow) error {
			tx, err := r.db.DB.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			stmt, args := r.multiRow(table, rows, "?")
			if _, err := tx.ExecContext(ctx, stmt, args...); err != nil {
				return err
			}
			return tx.Commit()
		}, func() error { return nil }
	default:
		// SQLite: a prepared statement, a transaction per 10,000 rows.
		stmt := "INSERT INTO " + table + " (id, name, amount, active) VALUES (?, ?, ?, ?)"
		if r.upsert {
			stmt += " ON CONFLICT (id) DO UPDATE SET name = excluded.name, amount = excluded.amount, active = excluded.active"
		}
		var tx *sql.Tx
		var ins *sql.Stmt
		inTx := 0
		commit := func() error {
			if tx == nil {
				return nil
			}
			err := tx.Commit()
			tx, inTx = nil, 0
			return err
		}
		return func(rows []benchRow) error {
			for _, row := range rows {
				if tx == nil {
					var err error
					if tx, err = r.db.DB.BeginTx(ctx, nil); err != nil {
						return err
					}
					if ins, err = tx.PrepareContext(ctx, stmt); err != nil {
						return err
					}
				}
				if _, err := ins.ExecContext(ctx, row.id, row.name, row.amount, row.active); err != nil {
					return err
				}
				if inTx++; inTx == 10_000 {
					if err := commit(); err != nil {
						return err
					}
				}
			}
			if r.txRows == 1 {
				return commit()
			}
			return nil
		}, commit
	}
}

// multiRow returns one INSERT (or upsert) of rows, with placeholders "$n"
// (PostgreSQL) or "?" (MariaDB); its text is built once per row count and
// table, as a careful program would keep it.
func (r *jdbcBench) multiRow(table string, rows []benchRow, placeholder string) (string, []any) {
	args := make([]any, 0, 4*len(rows))
	for _, row := range rows {
		args = append(args, row.id, row.name, row.amount, row.active)
	}
	if r.stmts == nil || r.stmts[-1] != table {
		r.stmts = map[int]string{-1: table}
	}
	if stmt, ok := r.stmts[len(rows)]; ok {
		return stmt, args
	}
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + table + " (id, name, amount, active) VALUES ")
	for i := range rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		if placeholder == "$" {
			n := 4 * i
			fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4)
		} else {
			sb.WriteString("(?, ?, ?, ?)")
		}
	}
	if r.upsert {
		if placeholder == "$" {
			sb.WriteString(" ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, amount = EXCLUDED.amount, active = EXCLUDED.active")
		} else {
			sb.WriteString(" ON DUPLICATE KEY UPDATE name = VALUES(name), amount = VALUES(amount), active = VALUES(active)")
		}
	}
	r.stmts[len(rows)] = sb.String()
	return sb.String(), args
}
