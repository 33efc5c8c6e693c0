package mongodb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/testenv"
)

// TestBatchSplitAndRegexOverrides watches the commands the task sends:
// max.batch.size splits a run of records for one collection into bulk
// writes of at most that many, and topics matched by topics.regex take
// their topic.override.<topic>.* settings (collection, max.batch.size).
func TestBatchSplitAndRegexOverrides(t *testing.T) {
	for _, s := range []struct{ name, env string }{{"mongo-java-server", "KCONNECT_MONGODB_URI"}, {"ferretdb", "KCONNECT_FERRETDB_URI"}} {
		t.Run(s.name, func(t *testing.T) {
			uri := testenv.Integration(t, s.env)
			var b [6]byte
			_, _ = rand.Read(b[:])
			db := "kc_" + hex.EncodeToString(b[:])
			log := &commandLog{}
			newClient := func(ctx context.Context, uri string) (*mongo.Client, error) {
				monitor := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
					log.mu.Lock()
					log.commands = append(log.commands, append(bson.Raw(nil), e.Command...))
					log.mu.Unlock()
				}}
				return mongo.Connect(options.Client().ApplyURI(uri).SetMonitor(monitor))
			}
			config := map[string]string{"connection.uri": uri, "database": db, "collection": "main",
				"topics.regex": "rx-.*", "max.batch.size": "2",
				"topic.override.rx-b.collection": "other", "topic.override.rx-b.max.batch.size": "3"}
			ctx := context.Background()
			tk := &task{newClient: newClient}
			tc := connecttest.NewSinkTaskContext(config)
			require.NoError(t, tk.Start(ctx, config, tc))
			t.Cleanup(func() {
				_ = tk.client.Database(db).Drop(ctx)
				_ = tk.Stop(ctx)
			})
			var batch []connect.Record
			for i := range 5 {
				batch = append(batch, topicRecord("rx-a", i, `{"n": 1}`))
			}
			for i := range 4 {
				batch = append(batch, topicRecord("rx-b", i, `{"n": 2}`))
			}
			require.NoError(t, tk.Put(ctx, batch))
			require.Empty(t, tc.Reported())

			// The default write model is a replace with upsert: an
			// update command per bulk write.
			var sizes []string
			for _, c := range log.named("update") {
				coll := c.Lookup("update").StringValue()
				n := 0
				if arr, ok := c.Lookup("updates").ArrayOK(); ok {
					vals, _ := arr.Values()
					n = len(vals)
				}
				sizes = append(sizes, fmt.Sprintf("%s:%d", coll, n))
			}
			require.Equal(t, []string{"main:2", "main:2", "main:1", "other:3", "other:1"}, sizes)
			count := func(coll string) int64 {
				n, err := tk.client.Database(db).Collection(coll).CountDocuments(ctx, bson.D{})
				require.NoError(t, err)
				return n
			}
			require.Equal(t, int64(5), count("main"))
			require.Equal(t, int64(4), count("other"))
		})
	}
}

func topicRecord(topic string, offset int, value string) connect.Record {
	r := connect.Record{Topic: topic, Value: value}
	r.SetOrigin(connect.KafkaPosition{Topic: topic, Offset: int64(offset)})
	return r
}
