package mongodb_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sinkmongodb "github.com/kconnect-go/kconnect/sink/mongodb"
)

// TestWorkerPipeline runs the sink in a worker on Kafka with JsonConverter,
// configured as the official connector is: JSON records with schemas are
// replaced by the _id of their key, a tombstone deletes its document, a
// schemaless value is written too, and the consumer offsets committed
// cover every record once the documents are written.
func TestWorkerPipeline(t *testing.T) { onServers(t, testWorkerPipeline) }

func testWorkerPipeline(t *testing.T, uri string, client *mongo.Client, db string) {
	if strings.HasSuffix(t.Name(), "/ferretdb") {
		t.Skip("FerretDB v1 has no Decimal128: a decimal field drops the connection")
	}
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "users")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)

	const keySchema = `{"type":"struct","fields":[{"field":"_id","type":"int64","optional":false}],"optional":false}`
	const valueSchema = `{"type":"struct","fields":[{"field":"name","type":"string","optional":true},` +
		`{"field":"balance","type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},` +
		`{"field":"at","type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1}],"optional":false}`
	record := func(id int, name string) *kgo.Record {
		r := &kgo.Record{Topic: topic, Key: fmt.Appendf(nil, `{"schema":%s,"payload":{"_id":%d}}`, keySchema, id)}
		if name != "" {
			// 12345 × 10^-2 is "MDk=" in base64; the timestamp is 2024-01-01.
			r.Value = fmt.Appendf(nil, `{"schema":%s,"payload":{"name":%q,"balance":"MDk=","at":1704067200000}}`, valueSchema, name)
		}
		return r
	}
	cl := testkafka.Client(t, brokers)
	ctx := context.Background()
	recs := []*kgo.Record{record(1, "ann"), record(2, "bob"), record(3, "cy"), record(2, "bob2"), record(3, "")}
	require.NoError(t, cl.ProduceSync(ctx, recs...).FirstErr())

	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(sinkmongodb.Plugin()),
		worker.OffsetFlushInterval(50*time.Millisecond), worker.Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(func() { w.Close() })
	name := testkafka.Group(t, "mongo-sink")
	require.NoError(t, w.CreateConnector(ctx, name, map[string]string{
		"connector.class": "com.mongodb.kafka.connect.MongoSinkConnector", "topics": topic,
		"connection.uri": uri, "database": db, "collection": "users",
		"key.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter": "org.apache.kafka.connect.json.JsonConverter",
		"document.id.strategy":  "com.mongodb.kafka.connect.sink.processor.id.strategy.ProvidedInKeyStrategy",
		"delete.on.null.values": "true",
	}))
	dec, err := bson.ParseDecimal128("123.45")
	require.NoError(t, err)
	at := bson.DateTime(1704067200000)
	want := fmt.Sprint([]bson.D{
		{{Key: "_id", Value: int64(1)}, {Key: "name", Value: "ann"}, {Key: "balance", Value: dec}, {Key: "at", Value: at}},
		{{Key: "_id", Value: int64(2)}, {Key: "name", Value: "bob2"}, {Key: "balance", Value: dec}, {Key: "at", Value: at}},
	})
	var got string
	require.Eventually(t, func() bool {
		got = fmt.Sprint(find(t, client, db, "users", nil))
		return got == want
	}, 30*time.Second, 50*time.Millisecond, "documents %s, want %s", got, want)

	require.Eventually(t, func() bool {
		offs, err := w.ConnectorOffsets(ctx, name)
		if err != nil || len(offs.Offsets) != 1 {
			return false
		}
		n, _ := offs.Offsets[0].Offset.Int64("kafka_offset")
		return n == int64(len(recs))
	}, 30*time.Second, 50*time.Millisecond, "the committed offset never covered the %d records", len(recs))
	st, err := w.Status(name)
	require.NoError(t, err)
	require.Equal(t, "RUNNING", fmt.Sprint(st.Tasks[0].State))
}

// TestWorkerDeadLetterQueue sends records the sink cannot write (a JSON
// string that is not a document, a key without the _id the id strategy
// needs) among good schemaless ones, with errors.tolerance=all and a dead
// letter queue: the good records are written, the bad ones are in the
// queue with the reason naming them in their headers, and the task runs on.
func TestWorkerDeadLetterQueue(t *testing.T) { onServers(t, testWorkerDeadLetterQueue) }

func testWorkerDeadLetterQueue(t *testing.T, uri string, client *mongo.Client, db string) {
	brokers := testkafka.Brokers(t)
	topic, dlq := testkafka.Topic(t, "docs"), testkafka.Topic(t, "dlq")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	testkafka.CreateTopic(t, brokers, dlq, 1, nil)
	rec := func(key, value string) *kgo.Record {
		return &kgo.Record{Topic: topic, Key: []byte(key), Value: []byte(value)}
	}
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(dlq), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx := context.Background()
	require.NoError(t, cl.ProduceSync(ctx,
		rec(`{"_id":1}`, `{"n":1}`), rec(`{"_id":2}`, `"not a document"`), rec(`{"id":3}`, `{"n":3}`), rec(`{"_id":4}`, `{"n":4}`),
	).FirstErr())

	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(sinkmongodb.Plugin()),
		worker.OffsetFlushInterval(50*time.Millisecond), worker.Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(func() { w.Close() })
	name := testkafka.Group(t, "mongo-dlq")
	require.NoError(t, w.CreateConnector(ctx, name, map[string]string{
		"connector.class": "MongoSinkConnector", "topics": topic, "connection.uri": uri, "database": db, "collection": "docs",
		"key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
		"document.id.strategy": "com.mongodb.kafka.connect.sink.processor.id.strategy.ProvidedInKeyStrategy",
		"errors.tolerance":     "all", "errors.deadletterqueue.topic.name": dlq, "errors.deadletterqueue.context.headers.enable": "true",
		"errors.deadletterqueue.topic.replication.factor": "1",
	}))
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var dead []*kgo.Record
	for len(dead) < 2 && fctx.Err() == nil {
		dead = append(dead, cl.PollFetches(fctx).Records()...)
	}
	require.Len(t, dead, 2, "the dead letter queue")
	message := func(r *kgo.Record) string {
		for _, h := range r.Headers {
			if h.Key == worker.DLQHeaderExceptionMessage {
				return string(h.Value)
			}
		}
		return ""
	}
	require.Equal(t, `"not a document"`, string(dead[0].Value))
	require.Contains(t, message(dead[0]), "record topic "+topic+" partition 0 offset 1: value: a string that is not a JSON document")
	require.Equal(t, `{"id":3}`, string(dead[1].Key))
	require.Contains(t, message(dead[1]), "record topic "+topic+" partition 0 offset 2: provided id strategy is used but the document structure either contained no _id field")
	require.Eventually(t, func() bool {
		return fmt.Sprint(find(t, client, db, "docs", nil)) == fmt.Sprint([]bson.D{
			{{Key: "_id", Value: int64(1)}, {Key: "n", Value: int64(1)}}, {{Key: "_id", Value: int64(4)}, {Key: "n", Value: int64(4)}},
		})
	}, 30*time.Second, 50*time.Millisecond)
	st, err := w.Status(name)
	require.NoError(t, err)
	require.Equal(t, "RUNNING", fmt.Sprint(st.Tasks[0].State))
}
