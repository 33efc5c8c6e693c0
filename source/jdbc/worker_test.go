package jdbc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/worker"
	srcjdbc "github.com/kconnect-go/kconnect/source/jdbc"
)

// TestWorkerRestart runs the source in a worker on Kafka in
// timestamp+incrementing mode, stops the worker, inserts more rows and
// starts another on the same offset store: each row reaches the topic
// once, in order, and the committed offset is Confluent's.
func TestWorkerRestart(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		f := newFixture(t, db, "items")
		for i := int64(1); i <= 3; i++ {
			f.insert("items", i, fmt.Sprint("n", i), 1000*i)
		}
		brokers := testkafka.Brokers(t)
		prefix := testkafka.Topic(t, "jdbc") + "-"
		topic := prefix + "items"
		testkafka.CreateTopic(t, brokers, topic, 1, nil)
		store := offset.NewMemory()
		cfg := config(db, "connector.class", "JdbcSourceConnector", "mode", "timestamp+incrementing",
			"incrementing.column.name", "id", "timestamp.column.name", "ts", "topic.prefix", prefix,
			"value.converter", "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable", "false")
		name := testkafka.Group(t, "jdbc-source")
		part := connect.NewSourcePartition("protocol", "1", "table", qualified(t, db, "items"))
		ctx := context.Background()
		startWorker := func() *worker.Worker {
			w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(srcjdbc.Plugin()), worker.OffsetStore(store),
				worker.OffsetFlushInterval(20*time.Millisecond), worker.Logger(slog.New(slog.DiscardHandler)))
			require.NoError(t, err)
			require.NoError(t, w.CreateConnector(ctx, name, cfg))
			return w
		}
		committed := func(id int64) func() bool {
			return func() bool {
				offs, err := store.Get(ctx, name, []connect.SourcePartition{part})
				if err != nil {
					return false
				}
				n, _ := offs[part].Int64("incrementing")
				return n == id
			}
		}
		w := startWorker()
		require.Eventually(t, committed(3), 30*time.Second, 10*time.Millisecond)
		require.NoError(t, w.Close())

		f.insert("items", 4, "n4", 4000)
		f.insert("items", 5, "n5", 4000)
		w = startWorker()
		t.Cleanup(func() { w.Close() })
		require.Eventually(t, committed(5), 30*time.Second, 10*time.Millisecond)
		offs, err := store.Get(ctx, name, []connect.SourcePartition{part})
		require.NoError(t, err)
		require.Equal(t, map[string]any{"timestamp": int64(4000), "timestamp_nanos": int64(0), "incrementing": int64(5)},
			offs[part].Map())

		cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		var got []string
		fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		for len(got) < 5 && fctx.Err() == nil {
			cl.PollFetches(fctx).EachRecord(func(r *kgo.Record) {
				var v struct {
					ID   int64  `json:"id"`
					Name string `json:"name"`
				}
				require.NoError(t, json.Unmarshal(r.Value, &v), string(r.Value))
				got = append(got, fmt.Sprintf("%d:%s", v.ID, v.Name))
			})
		}
		// Anything produced twice would follow within the poll interval.
		pctx, pcancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer pcancel()
		cl.PollFetches(pctx).EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
		require.Equal(t, []string{"1:n1", "2:n2", "3:n3", "4:n4", "5:n5"}, got)
	})
}
