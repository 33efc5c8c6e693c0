package mongodb_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/mongodb"
	"github.com/kconnect-go/kconnect/internal/testenv"
	"github.com/kconnect-go/kconnect/sink"
	sinkmongodb "github.com/kconnect-go/kconnect/sink/mongodb"
)

// servers are the MongoDB wire-protocol servers the integration tests
// write to, each named by the variable holding its URI. Neither is MongoDB;
// the package documentation lists what each lacks.
var servers = []struct{ name, env string }{
	{"mongo-java-server", "KCONNECT_MONGODB_URI"},
	{"ferretdb", "KCONNECT_FERRETDB_URI"},
}

// onServers runs test once on each server, as a subtest named after it,
// skipped when the server's variable is unset.
func onServers(t *testing.T, test func(t *testing.T, uri string, client *mongo.Client, db string)) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			uri, client, db := serverAt(t, s.env)
			test(t, uri, client, db)
		})
	}
}

const uriEnv = "KCONNECT_MONGODB_URI"

// server returns the URI of mongo-java-server, a client on it and a fresh
// database name, dropped at the end of the test.
func server(t testing.TB) (string, *mongo.Client, string) {
	t.Helper()
	return serverAt(t, uriEnv)
}

// serverAt is server for the server whose URI is in the variable env.
func serverAt(t testing.TB, env string) (string, *mongo.Client, string) {
	t.Helper()
	uri := testenv.Integration(t, env)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err := mongodb.Connect(ctx, uri, "test", "0")
	require.NoError(t, err)
	var b [6]byte
	_, _ = rand.Read(b[:])
	db := "kc_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Database(db).Drop(ctx)
		_ = client.Disconnect(ctx)
	})
	return uri, client, db
}

// find returns a collection's documents, sorted by sort (nil: by _id).
func find(t testing.TB, client *mongo.Client, db, coll string, sort bson.D) []bson.D {
	t.Helper()
	if sort == nil {
		sort = bson.D{{Key: "_id", Value: 1}}
	}
	ctx := context.Background()
	cur, err := client.Database(db).Collection(coll).Find(ctx, bson.D{}, options.Find().SetSort(sort))
	require.NoError(t, err)
	var out []bson.D
	require.NoError(t, cur.All(ctx, &out))
	// MongoDB stores _id first; mongo-java-server keeps an inserted
	// document's order. Compare as MongoDB would return them.
	for i, d := range out {
		if j := mongodb.Index(d, "_id"); j > 0 {
			id := d[j]
			copy(d[1:j+1], d[:j])
			out[i][0] = id
		}
	}
	return out
}

var rowSchema = connect.StructOf(connect.F("p", connect.Int32Schema), connect.F("o", connect.Int64Schema), connect.F("name", connect.StringSchema))

func TestConformance(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) { conformance(t, s.env) })
	}
}

func conformance(t *testing.T, env string) {
	uri := testenv.Integration(t, env)
	var client *mongo.Client
	connecttest.Sink(t, connecttest.SinkSpec{
		Plugin: sinkmongodb.Plugin(),
		Config: func(t testing.TB) map[string]string {
			var db string
			_, client, db = serverAt(t, env)
			return map[string]string{"connection.uri": uri, "database": db, "collection": "c", "topics": connecttest.DefaultTopic}
		},
		Records: func(t testing.TB, n int) []connect.Record {
			out := make([]connect.Record, n)
			for i := range out {
				p, o := int32(i%2), int64(i/2)
				v := connect.NewStruct(rowSchema)
				require.NoError(t, v.Put("p", p))
				require.NoError(t, v.Put("o", o))
				require.NoError(t, v.Put("name", "value-"+strconv.Itoa(i)))
				out[i] = connect.Record{Topic: connecttest.DefaultTopic, ValueSchema: rowSchema, Value: v}
				out[i].SetPartition(p)
				out[i].SetOrigin(connect.KafkaPosition{Topic: connecttest.DefaultTopic, Partition: p, Offset: o})
			}
			return out
		},
		Expect: func(r connect.Record) any { return r.Value.(*connect.Struct).Get("name") },
		ReadBack: func(t testing.TB, config map[string]string) []any {
			var out []any
			for _, d := range find(t, client, config["database"], "c", bson.D{{Key: "p", Value: 1}, {Key: "o", Value: 1}}) {
				v, _ := mongodb.Get(d, "name")
				out = append(out, v)
			}
			return out
		},
		RequiredKeys: []string{"database"},
	})
}

// started returns a started task and its context.
func started(t *testing.T, config map[string]string) (sink.Task, *connecttest.SinkTaskContext) {
	t.Helper()
	task := sinkmongodb.Plugin().New().NewTask()
	tc := connecttest.NewSinkTaskContext(config)
	require.NoError(t, task.Start(context.Background(), config, tc))
	t.Cleanup(func() { _ = task.Stop(context.Background()) })
	return task, tc
}

func rec(topic string, offset int64, key, value any) connect.Record {
	r := connect.Record{Topic: topic, Key: key, Value: value}
	r.SetPartition(0)
	r.SetOrigin(connect.KafkaPosition{Topic: topic, Partition: 0, Offset: offset})
	return r
}

// TestWriteModelsOnServer writes with each write model strategy and reads
// the collection back.
func TestWriteModelsOnServer(t *testing.T) { onServers(t, testWriteModelsOnServer) }

func testWriteModelsOnServer(t *testing.T, uri string, client *mongo.Client, db string) {
	ctx := context.Background()
	const pkg = "com.mongodb.kafka.connect.sink.writemodel.strategy."
	cfg := func(strategy string, kv ...string) map[string]string {
		c := map[string]string{"connection.uri": uri, "database": db, "collection": strategy, "topics": "t",
			"writemodel.strategy":  pkg + strategy,
			"document.id.strategy": "com.mongodb.kafka.connect.sink.processor.id.strategy.ProvidedInKeyStrategy"}
		for i := 0; i+1 < len(kv); i += 2 {
			c[kv[i]] = kv[i+1]
		}
		return c
	}
	put := func(config map[string]string, recs ...connect.Record) *connecttest.SinkTaskContext {
		task, tc := started(t, config)
		require.NoError(t, task.Put(ctx, recs))
		require.Empty(t, tc.Reported())
		return tc
	}
	strip := func(docs []bson.D, fields ...string) []bson.D {
		for i := range docs {
			for _, f := range fields {
				docs[i] = mongodb.Remove(docs[i], f)
			}
		}
		return docs
	}

	put(cfg("ReplaceOneDefaultStrategy"), rec("t", 0, `{"_id": 1}`, `{"a": 1, "b": 1}`),
		rec("t", 1, `{"_id": 2}`, `{"a": 2}`), rec("t", 2, `{"_id": 1}`, `{"a": 3}`))
	require.Equal(t, []bson.D{{{Key: "_id", Value: int32(1)}, {Key: "a", Value: int32(3)}}, {{Key: "_id", Value: int32(2)}, {Key: "a", Value: int32(2)}}},
		find(t, client, db, "ReplaceOneDefaultStrategy", nil))

	put(cfg("UpdateOneDefaultStrategy"), rec("t", 0, `{"_id": 1}`, `{"a": 1, "b": 1}`), rec("t", 1, `{"_id": 1}`, `{"a": 2}`))
	require.Equal(t, []bson.D{{{Key: "_id", Value: int32(1)}, {Key: "a", Value: int32(2)}, {Key: "b", Value: int32(1)}}},
		find(t, client, db, "UpdateOneDefaultStrategy", nil))

	put(cfg("UpdateOneTimestampsStrategy"), rec("t", 0, `{"_id": 1}`, `{"a": 1}`))
	first := find(t, client, db, "UpdateOneTimestampsStrategy", nil)
	put(cfg("UpdateOneTimestampsStrategy"), rec("t", 1, `{"_id": 1}`, `{"a": 2}`))
	second := find(t, client, db, "UpdateOneTimestampsStrategy", nil)
	require.Len(t, second, 1)
	ins1, _ := mongodb.Get(first[0], "_insertedTS")
	ins2, _ := mongodb.Get(second[0], "_insertedTS")
	require.IsType(t, bson.DateTime(0), ins2)
	require.Equal(t, ins1, ins2, "_insertedTS is set on insert only")
	_, ok := mongodb.Get(second[0], "_modifiedTS")
	require.True(t, ok)
	require.Equal(t, []bson.D{{{Key: "_id", Value: int32(1)}, {Key: "a", Value: int32(2)}}}, strip(second, "_insertedTS", "_modifiedTS"))

	bk := cfg("ReplaceOneBusinessKeyStrategy", "document.id.strategy", "com.mongodb.kafka.connect.sink.processor.id.strategy.PartialValueStrategy",
		"document.id.strategy.partial.value.projection.type", "AllowList", "document.id.strategy.partial.value.projection.list", "sku")
	put(bk, rec("t", 0, nil, `{"sku": "a", "n": 1}`), rec("t", 1, nil, `{"sku": "b", "n": 1}`), rec("t", 2, nil, `{"sku": "a", "n": 2}`))
	got := strip(find(t, client, db, "ReplaceOneBusinessKeyStrategy", bson.D{{Key: "sku", Value: 1}}), "_id")
	require.Equal(t, []bson.D{{{Key: "sku", Value: "a"}, {Key: "n", Value: int32(2)}}, {{Key: "sku", Value: "b"}, {Key: "n", Value: int32(1)}}}, got)

	bkts := cfg("UpdateOneBusinessKeyTimestampStrategy", "document.id.strategy", "com.mongodb.kafka.connect.sink.processor.id.strategy.PartialValueStrategy",
		"document.id.strategy.partial.value.projection.type", "AllowList", "document.id.strategy.partial.value.projection.list", "sku")
	put(bkts, rec("t", 0, nil, `{"sku": "a", "n": 1}`), rec("t", 1, nil, `{"sku": "a", "m": 2}`))
	got = strip(find(t, client, db, "UpdateOneBusinessKeyTimestampStrategy", nil), "_id", "_insertedTS", "_modifiedTS")
	require.Equal(t, []bson.D{{{Key: "sku", Value: "a"}, {Key: "n", Value: int32(1)}, {Key: "m", Value: int32(2)}}}, got)

	put(cfg("InsertOneDefaultStrategy"), rec("t", 0, `{"_id": 1}`, `{"a": 1}`), rec("t", 1, `{"_id": 2}`, `{"a": 2}`))
	require.Len(t, find(t, client, db, "InsertOneDefaultStrategy", nil), 2)

	put(cfg("DeleteOneDefaultStrategy", "collection", "InsertOneDefaultStrategy"), rec("t", 2, `{"_id": 1}`, `{"ignored": true}`))
	require.Equal(t, []bson.D{{{Key: "_id", Value: int32(2)}, {Key: "a", Value: int32(2)}}}, find(t, client, db, "InsertOneDefaultStrategy", nil))
}

// TestIDStrategiesOnServer writes one record with each id strategy.
func TestIDStrategiesOnServer(t *testing.T) { onServers(t, testIDStrategiesOnServer) }

func testIDStrategiesOnServer(t *testing.T, uri string, client *mongo.Client, db string) {
	const pkg = "com.mongodb.kafka.connect.sink.processor.id.strategy."
	for strategy, check := range map[string]func(id any){
		"BsonOidStrategy":         func(id any) { require.IsType(t, bson.ObjectID{}, id) },
		"ProvidedInKeyStrategy":   func(id any) { require.Equal(t, "k", id) },
		"ProvidedInValueStrategy": func(id any) { require.Equal(t, "v", id) },
		"PartialKeyStrategy":      func(id any) { require.Equal(t, bson.D{{Key: "_id", Value: "k"}}, id) },
		"PartialValueStrategy":    func(id any) { require.Equal(t, bson.D{{Key: "n", Value: int32(1)}}, id) },
		"UuidStrategy":            func(id any) { require.Len(t, id, 36) },
		"KafkaMetaDataStrategy":   func(id any) { require.Equal(t, "t#0#7", id) },
	} {
		t.Run(strategy, func(t *testing.T) {
			config := map[string]string{"connection.uri": uri, "database": db, "collection": strategy, "topics": "t",
				"document.id.strategy": pkg + strategy, "document.id.strategy.overwrite.existing": "true",
				"key.projection.type": "AllowList", "key.projection.list": "_id",
				"value.projection.type": "AllowList", "value.projection.list": "n"}
			task, tc := started(t, config)
			require.NoError(t, task.Put(context.Background(), []connect.Record{rec("t", 7, `{"_id": "k", "x": 1}`, `{"_id": "v", "n": 1}`)}))
			require.Empty(t, tc.Reported())
			docs := find(t, client, db, strategy, nil)
			require.Len(t, docs, 1)
			id, _ := mongodb.Get(docs[0], "_id")
			check(id)
		})
	}
}

// TestDeleteOnNullValuesOnServer deletes by the key on a tombstone.
func TestDeleteOnNullValuesOnServer(t *testing.T) { onServers(t, testDeleteOnNullValuesOnServer) }

func testDeleteOnNullValuesOnServer(t *testing.T, uri string, client *mongo.Client, db string) {
	config := map[string]string{"connection.uri": uri, "database": db, "collection": "c", "topics": "t",
		"delete.on.null.values": "true",
		"document.id.strategy":  "com.mongodb.kafka.connect.sink.processor.id.strategy.ProvidedInKeyStrategy"}
	task, tc := started(t, config)
	require.NoError(t, task.Put(context.Background(), []connect.Record{
		rec("t", 0, `{"_id": 1}`, `{"a": 1}`), rec("t", 1, `{"_id": 2}`, `{"a": 2}`), rec("t", 2, `{"_id": 1}`, nil),
	}))
	require.Empty(t, tc.Reported())
	require.Equal(t, []bson.D{{{Key: "_id", Value: int32(2)}, {Key: "a", Value: int32(2)}}}, find(t, client, db, "c", nil))
}

// TestBadRecords puts records that cannot be written among good ones: each
// bad one is reported with an error naming it, the good ones are written.
func TestBadRecords(t *testing.T) { onServers(t, testBadRecords) }

func testBadRecords(t *testing.T, uri string, client *mongo.Client, db string) {
	config := map[string]string{"connection.uri": uri, "database": db, "collection": "c", "topics": "t",
		"document.id.strategy": "com.mongodb.kafka.connect.sink.processor.id.strategy.ProvidedInKeyStrategy",
		"writemodel.strategy":  "com.mongodb.kafka.connect.sink.writemodel.strategy.InsertOneDefaultStrategy",
		"bulk.write.ordered":   "false"}
	task, tc := started(t, config)
	require.NoError(t, task.Put(context.Background(), []connect.Record{
		rec("t", 0, `{"_id": 1}`, `{"a": 1}`),
		rec("t", 1, `{"_id": 2}`, int64(5)), // a value that is not a document
		rec("t", 2, `{"_id": 3}`, `{"a": 3}`),
		rec("t", 3, `{"no_id": 4}`, `{"a": 4}`),   // a key without the _id the strategy needs
		rec("t", 4, `{"_id": 1}`, `{"a": "dup"}`), // refused by the server: a duplicate _id
		rec("t", 5, `{"_id": 6}`, `{"a": 6}`),
	}))
	rep := tc.Reported()
	require.Len(t, rep, 3)
	for i, want := range []string{"record topic t partition 0 offset 1: value: a value of type int64", "record topic t partition 0 offset 3",
		"record topic t partition 0 offset 4: writing to " + db + ".c: write error 11000"} {
		require.ErrorContains(t, rep[i].Err, want)
	}
	require.ErrorContains(t, rep[1].Err, "no _id field")
	o, _ := rep[2].Record.Origin()
	require.Equal(t, int64(4), o.Offset)
	var ids []any
	for _, d := range find(t, client, db, "c", nil) {
		id, _ := mongodb.Get(d, "_id")
		ids = append(ids, id)
	}
	require.Equal(t, []any{int32(1), int32(3), int32(6)}, ids)
}

// TestOrderedBulkWriteReportsSkipped: after a refused write of an ordered
// bulk write, the records that were not attempted are reported too.
func TestOrderedBulkWriteReportsSkipped(t *testing.T) {
	onServers(t, testOrderedBulkWriteReportsSkipped)
}

func testOrderedBulkWriteReportsSkipped(t *testing.T, uri string, client *mongo.Client, db string) {
	config := map[string]string{"connection.uri": uri, "database": db, "collection": "c", "topics": "t",
		"document.id.strategy": "com.mongodb.kafka.connect.sink.processor.id.strategy.ProvidedInKeyStrategy",
		"writemodel.strategy":  "com.mongodb.kafka.connect.sink.writemodel.strategy.InsertOneDefaultStrategy"}
	task, tc := started(t, config)
	require.NoError(t, task.Put(context.Background(), []connect.Record{
		rec("t", 0, `{"_id": 1}`, `{"a": 1}`), rec("t", 1, `{"_id": 1}`, `{"a": 2}`), rec("t", 2, `{"_id": 3}`, `{"a": 3}`),
	}))
	rep := tc.Reported()
	require.Len(t, rep, 2)
	require.ErrorContains(t, rep[0].Err, "offset 1: writing to "+db+".c: write error 11000")
	require.ErrorContains(t, rep[1].Err, "offset 2: writing to "+db+".c: not written: the ordered bulk write stopped at the failed write of record topic t partition 0 offset 1")
	require.Len(t, find(t, client, db, "c", nil), 1)
}

type strictContext struct{ *connecttest.SinkTaskContext }

type strictReporter struct{}

func (strictReporter) Report(_ context.Context, _ connect.Record, cause error) error {
	return fmt.Errorf("tolerance exceeded: %w", cause)
}

func (strictContext) Reporter() sink.ErrantRecordReporter { return strictReporter{} }

// TestBadRecordFailsWithoutTolerance: with errors.tolerance=none, Put fails
// naming the record, before writing any of the batch.
func TestBadRecordFailsWithoutTolerance(t *testing.T) {
	onServers(t, testBadRecordFailsWithoutTolerance)
}

func testBadRecordFailsWithoutTolerance(t *testing.T, uri string, client *mongo.Client, db string) {
	config := map[string]string{"connection.uri": uri, "database": db, "collection": "c", "topics": "t"}
	task := sinkmongodb.Plugin().New().NewTask()
	ctx := context.Background()
	require.NoError(t, task.Start(ctx, config, strictContext{connecttest.NewSinkTaskContext(config)}))
	defer task.Stop(ctx)
	err := task.Put(ctx, []connect.Record{rec("t", 0, nil, `{"a": 1}`), rec("t", 1, nil, `[1, 2]`)})
	require.Error(t, err)
	require.False(t, errors.Is(err, connect.ErrRetriable))
	require.ErrorContains(t, err, "record topic t partition 0 offset 1: value: a string that is not a JSON document")
	require.Empty(t, find(t, client, db, "c", nil))
}

// TestCredentialsNotInErrors: a task that cannot reach its server fails to
// start with an error that names the server but not the password.
func TestCredentialsNotInErrors(t *testing.T) {
	config := map[string]string{"connection.uri": "mongodb://kc:hunter2secret@127.0.0.1:1/?serverSelectionTimeoutMS=200",
		"database": "d", "topics": "t"}
	task := sinkmongodb.Plugin().New().NewTask()
	err := task.Start(context.Background(), config, connecttest.NewSinkTaskContext(config))
	require.Error(t, err)
	require.NotContains(t, err.Error(), "hunter2secret")
	require.True(t, strings.Contains(err.Error(), "127.0.0.1:1"), err.Error())
}

// TestDebeziumReplay replays Debezium PostgreSQL change events (insert,
// update, delete, the delete's tombstone) into a collection.
func TestDebeziumReplay(t *testing.T) { onServers(t, testDebeziumReplay) }

func testDebeziumReplay(t *testing.T, uri string, client *mongo.Client, db string) {
	config := map[string]string{"connection.uri": uri, "database": db, "collection": "c", "topics": "t",
		"change.data.capture.handler": "com.mongodb.kafka.connect.sink.cdc.debezium.rdbms.postgres.PostgresHandler"}
	task, tc := started(t, config)
	event := func(op, before, after string) string {
		return `{"before": ` + before + `, "after": ` + after + `, "source": {"connector": "postgresql"}, "op": "` + op + `", "ts_ms": 1}`
	}
	require.NoError(t, task.Put(context.Background(), []connect.Record{
		rec("t", 0, `{"id": 1}`, event("r", `null`, `{"id": 1, "name": "ann"}`)),
		rec("t", 1, `{"id": 2}`, event("c", `null`, `{"id": 2, "name": "bob"}`)),
		rec("t", 2, `{"id": 1}`, event("u", `{"id": 1, "name": "ann"}`, `{"id": 1, "name": "ann2"}`)),
		rec("t", 3, `{"id": 2}`, event("d", `{"id": 2, "name": "bob"}`, `null`)),
		rec("t", 4, `{"id": 2}`, nil),
	}))
	require.Empty(t, tc.Reported())
	require.Equal(t, []bson.D{{{Key: "_id", Value: bson.D{{Key: "id", Value: int32(1)}}}, {Key: "name", Value: "ann2"}}},
		find(t, client, db, "c", nil))
}

// TestChangeStreamReplay replays MongoDB change events (insert, update by
// its description, replace, delete) into a collection.
func TestChangeStreamReplay(t *testing.T) { onServers(t, testChangeStreamReplay) }

func testChangeStreamReplay(t *testing.T, uri string, client *mongo.Client, db string) {
	config := map[string]string{"connection.uri": uri, "database": db, "collection": "c", "topics": "t",
		"change.data.capture.handler": "com.mongodb.kafka.connect.sink.cdc.mongodb.ChangeStreamHandler"}
	task, tc := started(t, config)
	event := func(op string, id int, rest string) string {
		return fmt.Sprintf(`{"_id": {"_data": "82%02d"}, "operationType": %q, "ns": {"db": "shop", "coll": "users"}, "documentKey": {"_id": %d}%s}`, id, op, id, rest)
	}
	require.NoError(t, task.Put(context.Background(), []connect.Record{
		rec("t", 0, nil, event("insert", 1, `, "fullDocument": {"_id": 1, "name": "ann", "old": true, "n": {"a": 1}}`)),
		rec("t", 1, nil, event("insert", 2, `, "fullDocument": {"_id": 2, "name": "bob"}`)),
		rec("t", 2, nil, event("update", 1, `, "updateDescription": {"updatedFields": {"name": "ann2", "n.b": 2}, "removedFields": ["old"], "truncatedArrays": []}`)),
		rec("t", 3, nil, event("replace", 2, `, "fullDocument": {"_id": 2, "name": "bob2"}`)),
		rec("t", 4, nil, event("insert", 3, `, "fullDocument": {"_id": 3, "name": "cy"}`)),
		rec("t", 5, nil, event("delete", 3, "")),
	}))
	require.Empty(t, tc.Reported())
	require.Equal(t, []bson.D{
		{{Key: "_id", Value: int32(1)}, {Key: "name", Value: "ann2"}, {Key: "n", Value: bson.D{{Key: "a", Value: int32(1)}, {Key: "b", Value: int32(2)}}}},
		{{Key: "_id", Value: int32(2)}, {Key: "name", Value: "bob2"}},
	}, find(t, client, db, "c", nil))
}

// Debezium's MongoDB connector's key and value schemas (the oplog format's
// fields and the change stream format's, all optional strings but op).
var (
	dbzMongoKeySchema   = connect.StructOf(connect.F("id", connect.StringSchema))
	dbzMongoValueSchema = connect.StructOf(
		connect.F("after", connect.OptionalStringSchema), connect.F("patch", connect.OptionalStringSchema),
		connect.F("filter", connect.OptionalStringSchema), connect.F("op", connect.OptionalStringSchema),
		connect.F("ts_ms", connect.OptionalInt64Schema))
)

func dbzMongoRecord(t *testing.T, offset int64, id string, fields ...any) connect.Record {
	t.Helper()
	r := rec("t", offset, connect.NewStruct(dbzMongoKeySchema), nil)
	r.KeySchema = dbzMongoKeySchema
	require.NoError(t, r.Key.(*connect.Struct).Put("id", id))
	if len(fields) == 0 {
		return r // a tombstone
	}
	v := connect.NewStruct(dbzMongoValueSchema)
	for i := 0; i+1 < len(fields); i += 2 {
		require.NoError(t, v.Put(fields[i].(string), fields[i+1]))
	}
	r.Value, r.ValueSchema = v, dbzMongoValueSchema
	return r
}

// TestDebeziumMongoReplay replays Debezium MongoDB change events (insert,
// read, update, delete, the delete's tombstone) in both of its formats,
// with the key and value schemas Debezium gives them.
func TestDebeziumMongoReplay(t *testing.T) { onServers(t, testDebeziumMongoReplay) }

func testDebeziumMongoReplay(t *testing.T, uri string, client *mongo.Client, db string) {
	for _, handler := range []string{"MongoDbHandler", "ChangeStreamHandler"} {
		t.Run(handler, func(t *testing.T) {
			config := map[string]string{"connection.uri": uri, "database": db, "collection": handler, "topics": "t",
				"change.data.capture.handler": "com.mongodb.kafka.connect.sink.cdc.debezium.mongodb." + handler}
			task, tc := started(t, config)
			update := []any{"op", "u", "after", `{"_id": {"$numberLong": "1004"}, "name": "Anne Marie", "n": 2}`}
			if handler == "MongoDbHandler" {
				update = []any{"op", "u", "patch", `{"$v": 1, "$set": {"name": "Anne Marie", "n": 2}}`,
					"filter", `{"_id": {"$numberLong": "1004"}}`}
			}
			require.NoError(t, task.Put(context.Background(), []connect.Record{
				dbzMongoRecord(t, 0, `{"$numberLong": "1004"}`, "op", "r", "after", `{"_id": {"$numberLong": "1004"}, "name": "Anne", "n": 1}`),
				dbzMongoRecord(t, 1, `{"$oid": "596e275826f08b2730779e1f"}`, "op", "c",
					"after", `{"_id": {"$oid": "596e275826f08b2730779e1f"}, "name": "Bob", "at": {"$date": "2024-01-02T03:04:05Z"}}`),
				dbzMongoRecord(t, 2, `{"$numberLong": "1004"}`, update...),
				dbzMongoRecord(t, 3, `{"$oid": "596e275826f08b2730779e1f"}`, "op", "d"),
				dbzMongoRecord(t, 4, `{"$oid": "596e275826f08b2730779e1f"}`),
				dbzMongoRecord(t, 5, `"s1"`, "op", "c", "after", `{"_id": "s1", "name": "Cy"}`),
			}))
			require.Empty(t, tc.Reported())
			got := find(t, client, db, handler, bson.D{{Key: "name", Value: 1}})
			require.Equal(t, []bson.D{
				{{Key: "_id", Value: int64(1004)}, {Key: "name", Value: "Anne Marie"}, {Key: "n", Value: int32(2)}},
				{{Key: "_id", Value: "s1"}, {Key: "name", Value: "Cy"}},
			}, got)
		})
	}
}
