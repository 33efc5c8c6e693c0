package jdbc_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sinkjdbc "github.com/kconnect-go/kconnect/sink/jdbc"
)

// idempotentConfig is the sink's idempotent mode: each row keyed by its
// record's topic, partition and offset, upserted.
var idempotentConfig = map[string]string{"auto.create": "true", "insert.mode": "upsert", "pk.mode": "kafka"}

// TestIdempotentRedelivery delivers a batch, then, as after a crash
// before the offsets were committed, the same batch again with more: in
// the idempotent mode each record is one row.
func TestIdempotentRedelivery(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		s := start(t, db, idempotentConfig)
		var batch []connect.Record
		for i := range 40 {
			r := named(t, "events", int64(i/2), int64(i), fmt.Sprint("v", i))
			r.SetPartition(int32(i % 2))
			r.SetOrigin(connect.KafkaPosition{Topic: "events", Partition: int32(i % 2), Offset: int64(i / 2)})
			batch = append(batch, r)
		}
		s.put(batch[:30]...)
		s.put(batch...) // redelivered from the start, and the rest
		if got, want := s.rows(`SELECT COUNT(*), COUNT(DISTINCT "id") FROM "events"`), "[[40 40]]"; got != want {
			t.Errorf("rows, distinct records: %s, want %s", got, want)
		}
		if rep := s.tc.Reported(); len(rep) != 0 {
			t.Errorf("reported %v", rep[0].Err)
		}
	})
}

// TestWorkerIdempotentRedelivery runs the idempotent mode in a worker on
// Kafka, then has every record delivered again, as after a crash before
// any offset was committed (the connector stopped, its consumer group
// deleted), with more records: the table holds each record once.
func TestWorkerIdempotentRedelivery(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		brokers := testkafka.Brokers(t)
		topic := testkafka.Topic(t, "events")
		testkafka.CreateTopic(t, brokers, topic, 2, nil)
		const valueSchema = `{"type":"struct","fields":[{"field":"id","type":"int64","optional":false}],"optional":false}`
		produce := func(from, to int) {
			var recs []*kgo.Record
			for i := from; i < to; i++ {
				recs = append(recs, &kgo.Record{Topic: topic, Partition: int32(i % 2),
					Value: fmt.Appendf(nil, `{"schema":%s,"payload":{"id":%d}}`, valueSchema, i)})
			}
			require.NoError(t, testkafka.Client(t, brokers, kgo.RecordPartitioner(kgo.ManualPartitioner())).ProduceSync(context.Background(), recs...).FirstErr())
		}
		produce(0, 50)
		w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(sinkjdbc.Plugin()),
			worker.OffsetFlushInterval(50*time.Millisecond), worker.Logger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err)
		t.Cleanup(func() { w.Close() })
		ctx := context.Background()
		name := testkafka.Group(t, "jdbc-idempotent")
		config := map[string]string{"connector.class": "JdbcSinkConnector", "topics": topic, "connection.url": db.URL,
			"value.converter": "org.apache.kafka.connect.json.JsonConverter", "table.name.format": "kc_events"}
		for k, v := range idempotentConfig {
			config[k] = v
		}
		require.NoError(t, w.CreateConnector(ctx, name, config))
		q := `SELECT COUNT(*), COUNT(DISTINCT "id") FROM "kc_events"`
		if db.Dialect == jdbc.MySQL {
			q = strings.ReplaceAll(q, `"`, "`")
		}
		count := func() string {
			var n, distinct int
			if err := db.DB.QueryRowContext(ctx, q).Scan(&n, &distinct); err != nil {
				return err.Error()
			}
			return fmt.Sprint(n, " rows of ", distinct, " records")
		}
		waitCount := func(want string) {
			t.Helper()
			var last string
			for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
				if last = count(); last == want {
					return
				}
			}
			st, _ := w.Status(name)
			t.Fatalf("the table holds %s, want %s (task %+v)", last, want, st.Tasks)
		}
		waitCount("50 rows of 50 records")
		require.NoError(t, w.StopConnector(ctx, name))
		require.Eventually(t, func() bool {
			_, err := w.ResetConnectorOffsets(ctx, name)
			return err == nil
		}, 30*time.Second, 50*time.Millisecond, "resetting the offsets of the stopped connector")
		produce(50, 60)
		require.NoError(t, w.ResumeConnector(ctx, name))
		require.Eventually(t, func() bool {
			offs, err := w.ConnectorOffsets(ctx, name)
			if err != nil || len(offs.Offsets) != 2 {
				return false
			}
			for _, o := range offs.Offsets {
				if n, _ := o.Offset.Int64("kafka_offset"); n != 30 {
					return false
				}
			}
			return true
		}, 30*time.Second, 50*time.Millisecond, "the records delivered again were never committed")
		require.Equal(t, "60 rows of 60 records", count())
	})
}
