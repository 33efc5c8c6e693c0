package mongodb_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sourcemongodb "github.com/kconnect-go/kconnect/source/mongodb"
)

// consume reads at least n records of topic from its start.
func consume(t *testing.T, brokers []string, topic string, n int) []*kgo.Record {
	t.Helper()
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for len(recs) < n && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { recs = append(recs, r) })
	}
	require.GreaterOrEqual(t, len(recs), n, "records of %s", topic)
	return recs
}

// TestWorker streams inserts, an update and a delete into Kafka through
// the worker, once with output.format.value json (StringConverter: the
// official connector's JSON text) and once with schema (JsonConverter with
// schemas: the official ChangeStream schema), and sends heartbeats whose
// offsets the worker commits.
func TestWorker(t *testing.T) {
	uri, client, db := server(t)
	brokers := testkafka.Brokers(t)
	coll := client.Database(db).Collection("users")
	ctx := context.Background()
	_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 0}})
	require.NoError(t, err)

	store := offset.NewMemory()
	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(sourcemongodb.Plugin()), worker.OffsetStore(store),
		worker.OffsetFlushInterval(20*time.Millisecond), worker.Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(func() { w.Close() })

	jsonPrefix, schemaPrefix := testkafka.Topic(t, "mjson"), testkafka.Topic(t, "mschema")
	hbTopic := testkafka.Topic(t, "mhb")
	for _, topic := range []string{jsonPrefix + "." + db + ".users", schemaPrefix + "." + db + ".users", hbTopic} {
		testkafka.CreateTopic(t, brokers, topic, 1, nil)
	}
	jsonName, schemaName := testkafka.Group(t, "mongo-json"), testkafka.Group(t, "mongo-schema")
	jsonCfg := config(uri, db, "users", "connector.class", sourcemongodb.Class, "topic.prefix", jsonPrefix,
		"key.converter", "org.apache.kafka.connect.storage.StringConverter",
		"value.converter", "org.apache.kafka.connect.storage.StringConverter",
		"heartbeat.interval.ms", "100", "heartbeat.topic.name", hbTopic)
	schemaCfg := config(uri, db, "users", "connector.class", "MongoSourceConnector", "topic.prefix", schemaPrefix,
		"output.format.value", "schema", "output.format.key", "schema",
		"key.converter", "org.apache.kafka.connect.json.JsonConverter",
		"value.converter", "org.apache.kafka.connect.json.JsonConverter")
	require.NoError(t, w.CreateConnector(ctx, jsonName, jsonCfg))
	require.NoError(t, w.CreateConnector(ctx, schemaName, schemaCfg))

	// The streams are open once a probe insert reaches both topics.
	require.Eventually(t, func() bool {
		_, err := coll.InsertOne(ctx, bson.D{{Key: "probe", Value: true}})
		require.NoError(t, err)
		return len(consumeAvailable(t, brokers, jsonPrefix+"."+db+".users")) > 0 &&
			len(consumeAvailable(t, brokers, schemaPrefix+"."+db+".users")) > 0
	}, 30*time.Second, time.Millisecond)

	_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "name", Value: "ann"}})
	require.NoError(t, err)
	_, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "$set", Value: bson.D{{Key: "name", Value: "bob"}}}})
	require.NoError(t, err)
	_, err = coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: 1}})
	require.NoError(t, err)

	// json: the change events' text, from the first probe on.
	var jsonRecs []*kgo.Record
	require.Eventually(t, func() bool {
		jsonRecs = consumeAvailable(t, brokers, jsonPrefix+"."+db+".users")
		return len(jsonRecs) > 0 && strings.Contains(string(jsonRecs[len(jsonRecs)-1].Value), `"operationType": "delete"`)
	}, 30*time.Second, 10*time.Millisecond)
	tail := jsonRecs[len(jsonRecs)-3:]
	require.Equal(t, `{"_id": 1}`, string(tail[0].Key))
	require.Contains(t, string(tail[0].Value), `"fullDocument": {"_id": 1, "name": "ann"}`)
	require.Contains(t, string(tail[0].Value), `"ns": {"db": "`+db+`", "coll": "users"}`)
	require.Contains(t, string(tail[1].Value), `"operationType": "update"`)
	require.Contains(t, string(tail[2].Value), `"documentKey": {"_id": 1}`)

	// schema: JsonConverter's envelope of the ChangeStream struct.
	var schemaRecs []*kgo.Record
	require.Eventually(t, func() bool {
		schemaRecs = consumeAvailable(t, brokers, schemaPrefix+"."+db+".users")
		return len(schemaRecs) > 0 && strings.Contains(string(schemaRecs[len(schemaRecs)-1].Value), `"operationType":"delete"`)
	}, 30*time.Second, 10*time.Millisecond)
	var env struct {
		Schema struct {
			Name string `json:"name"`
		} `json:"schema"`
		Payload map[string]any `json:"payload"`
	}
	insert := schemaRecs[len(schemaRecs)-3]
	require.NoError(t, json.Unmarshal(insert.Value, &env))
	require.Equal(t, "ChangeStream", env.Schema.Name)
	require.Equal(t, "insert", env.Payload["operationType"])
	require.Equal(t, `{"_id": 1, "name": "ann"}`, env.Payload["fullDocument"])
	require.Equal(t, map[string]any{"db": db, "coll": "users"}, env.Payload["ns"])
	var key struct {
		Schema struct {
			Name string `json:"name"`
		} `json:"schema"`
		Payload map[string]any `json:"payload"`
	}
	require.NoError(t, json.Unmarshal(insert.Key, &key))
	require.Equal(t, "keySchema", key.Schema.Name)
	require.Equal(t, env.Payload["_id"], key.Payload["_id"], "the schema key is the resume token")

	// A heartbeat follows the events (mongo-java-server gives no
	// postBatchResumeToken, so it carries the last event's token): its key
	// is the token, its value null.
	hb := consume(t, brokers, hbTopic, 1)[0]
	require.True(t, strings.HasPrefix(string(hb.Key), `{"_data": "`), string(hb.Key))
	require.Nil(t, hb.Value)

	// The committed offset is the official one: the last event's token,
	// or a later heartbeat's.
	part := connect.NewSourcePartition("ns", uri+db+".users")
	require.Eventually(t, func() bool {
		offs, err := store.Get(ctx, jsonName, []connect.SourcePartition{part})
		require.NoError(t, err)
		id, _ := offs[part].Get("_id")
		s, _ := id.(string)
		// Tokens sort as their positions in the oplog.
		return s >= lastToken(t, tail[2].Value)
	}, 30*time.Second, 10*time.Millisecond)
}

// lastToken returns the resume token of a change event in DefaultJson,
// as the official offsets hold it.
func lastToken(t *testing.T, value []byte) string {
	t.Helper()
	var ev bson.D
	require.NoError(t, bson.UnmarshalExtJSON(value, false, &ev))
	id, _ := valueOf(ev, "_id").(bson.D)
	data, _ := valueOf(id, "_data").(string)
	require.NotEmpty(t, data)
	return `{"_data": "` + data + `"}`
}

// consumeAvailable reads what topic holds now.
func consumeAvailable(t *testing.T, brokers []string, topic string) []*kgo.Record {
	t.Helper()
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	var recs []*kgo.Record
	for ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { recs = append(recs, r) })
	}
	return recs
}
