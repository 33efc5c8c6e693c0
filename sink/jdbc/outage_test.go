package jdbc_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sinkjdbc "github.com/kconnect-go/kconnect/sink/jdbc"
)

// privateServers are the databases a test may stop: servers of its own.
var privateServers = []struct {
	name string
	open func(testing.TB) *jdbctest.Server
}{{"postgres", jdbctest.PrivatePostgres}, {"mariadb", jdbctest.PrivateMariaDB}}

const outagePassword = "outage-secret-pw"

// outage is a sink connector in a worker on Kafka, writing a topic of one
// partition to table kc_outage of a private server, keyed by the Kafka
// coordinates and inserted, so that a record written twice fails.
type outage struct {
	t       *testing.T
	srv     *jdbctest.Server
	admin   *sql.DB
	dialect *jdbc.Dialect
	w       *worker.Worker
	name    string
	produce func(from, to int)
}

func startOutage(t *testing.T, srv *jdbctest.Server, maxRetries string) *outage {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "outage")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	cl := testkafka.Client(t, brokers)
	const valueSchema = `{"type":"struct","fields":[{"field":"id","type":"int64","optional":false}],"optional":false}`
	o := &outage{t: t, srv: srv, name: testkafka.Group(t, "jdbc-outage")}
	o.produce = func(from, to int) {
		var recs []*kgo.Record
		for i := from; i < to; i++ {
			recs = append(recs, &kgo.Record{Topic: topic, Value: fmt.Appendf(nil, `{"schema":%s,"payload":{"id":%d}}`, valueSchema, i)})
		}
		require.NoError(t, cl.ProduceSync(context.Background(), recs...).FirstErr())
	}
	target, err := jdbc.ParseURL(srv.URL)
	require.NoError(t, err)
	o.dialect = target.Dialect
	o.admin, err = target.Open(context.Background(), "", "", nil)
	require.NoError(t, err)
	t.Cleanup(func() { o.admin.Close() })
	user := "postgres" // trusted, whatever the password
	if o.dialect == jdbc.MySQL {
		user = "outage"
		for _, q := range []string{"CREATE USER 'outage'@'127.0.0.1' IDENTIFIED BY '" + outagePassword + "'",
			"GRANT ALL ON kconnect.* TO 'outage'@'127.0.0.1'"} {
			_, err := o.admin.Exec(q)
			require.NoError(t, err)
		}
	}
	o.w, err = worker.New(worker.Brokers(brokers...), worker.Plugins(sinkjdbc.Plugin()),
		worker.OffsetFlushInterval(50*time.Millisecond), worker.Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(func() { o.w.Close() })
	require.NoError(t, o.w.CreateConnector(context.Background(), o.name, map[string]string{
		"connector.class": "JdbcSinkConnector", "topics": topic, "connection.url": srv.URL,
		"connection.user": user, "connection.password": outagePassword, "value.converter": "org.apache.kafka.connect.json.JsonConverter",
		"auto.create": "true", "pk.mode": "kafka", "table.name.format": "kc_outage",
		"max.retries": maxRetries, "retry.backoff.ms": "100",
	}))
	return o
}

func (o *outage) q(q string) string {
	if o.dialect == jdbc.MySQL {
		return strings.ReplaceAll(q, `"`, "`")
	}
	return q
}

// rows returns the table's row count and its distinct offsets, or -1
// while the table cannot be read.
func (o *outage) rows() (int, int) {
	var n, distinct int
	if err := o.admin.QueryRow(o.q(`SELECT COUNT(*), COUNT(DISTINCT "__connect_offset") FROM "kc_outage"`)).Scan(&n, &distinct); err != nil {
		return -1, -1
	}
	return n, distinct
}

// committed returns the connector's committed offset of the partition, 0
// before any.
func (o *outage) committed() int64 {
	offs, err := o.w.ConnectorOffsets(context.Background(), o.name)
	require.NoError(o.t, err)
	if len(offs.Offsets) == 0 {
		return 0
	}
	n, _ := offs.Offsets[0].Offset.Int64("kafka_offset")
	return n
}

func (o *outage) waitWritten(n int) {
	o.t.Helper()
	require.Eventually(o.t, func() bool {
		rows, distinct := o.rows()
		return rows == n && distinct == n && o.committed() == int64(n)
	}, 60*time.Second, 50*time.Millisecond, "the %d records were never all written once and committed", n)
}

// TestWorkerDatabaseGoesAway stops the database (a private PostgreSQL or
// MariaDB server) while the sink is writing a batch: the batch's
// transaction is lost with the server, the committed offsets never pass
// the rows in the table, the task asks the batch again every
// retry.backoff.ms, and once the server is back every record is in the
// table once and committed.
func TestWorkerDatabaseGoesAway(t *testing.T) {
	for _, private := range privateServers {
		t.Run(private.name, func(t *testing.T) {
			srv := private.open(t)
			o := startOutage(t, srv, "1000")
			o.produce(0, 20)
			o.waitWritten(20)

			// Hold the sink's next batch in the middle of its
			// transaction: a lock on its table makes it wait there.
			ctx := context.Background()
			lock, err := o.admin.Conn(ctx)
			require.NoError(t, err)
			defer lock.Close()
			waiting := `SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'`
			if o.dialect == jdbc.MySQL {
				_, err = lock.ExecContext(ctx, "LOCK TABLES `kc_outage` WRITE")
				waiting = `SELECT COUNT(*) FROM information_schema.processlist WHERE state LIKE 'Waiting for%lock%'`
			} else {
				_, err = lock.ExecContext(ctx, `BEGIN; LOCK TABLE "kc_outage" IN ACCESS EXCLUSIVE MODE`)
			}
			require.NoError(t, err)
			o.produce(20, 40)
			require.Eventually(t, func() bool {
				var n int
				return o.admin.QueryRow(waiting).Scan(&n) == nil && n > 0
			}, 30*time.Second, 20*time.Millisecond, "the sink never waited on the lock")

			srv.Stop()
			// While the server is down, the offsets committed stay
			// those of the 20 rows written.
			for end := time.Now().Add(2 * time.Second); time.Now().Before(end); {
				require.LessOrEqual(t, o.committed(), int64(20), "an offset was committed past the rows in the table")
				time.Sleep(50 * time.Millisecond) // observing, not synchronising
			}
			st, err := o.w.Status(o.name)
			require.NoError(t, err)
			require.Equal(t, "RUNNING", fmt.Sprint(st.Tasks[0].State), "the task failed while retries remained: %s", st.Tasks[0].Trace)

			srv.Start()
			o.waitWritten(40)
			st, err = o.w.Status(o.name)
			require.NoError(t, err)
			require.Equal(t, "RUNNING", fmt.Sprint(st.Tasks[0].State), st.Tasks[0].Trace)
		})
	}
}

// TestWorkerDatabaseStaysAway stops the database and keeps it stopped:
// after max.retries deliveries the task fails with an error naming the
// server, never the password, and the offsets committed are still those
// of the rows written.
func TestWorkerDatabaseStaysAway(t *testing.T) {
	for _, private := range privateServers {
		t.Run(private.name, func(t *testing.T) {
			srv := private.open(t)
			o := startOutage(t, srv, "2")
			o.produce(0, 10)
			o.waitWritten(10)
			srv.Stop()
			o.produce(10, 15)
			var trace string
			require.Eventually(t, func() bool {
				st, err := o.w.Status(o.name)
				if err != nil || len(st.Tasks) == 0 {
					return false
				}
				trace = st.Tasks[0].Trace
				return fmt.Sprint(st.Tasks[0].State) == "FAILED"
			}, 60*time.Second, 50*time.Millisecond, "the task never failed")
			require.Contains(t, trace, srv.Addr)
			require.Contains(t, trace, "max.retries is 2")
			require.NotContains(t, trace, outagePassword)
			require.Equal(t, int64(10), o.committed())
		})
	}
}
