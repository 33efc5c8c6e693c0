package mongodb

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/mongodb"
)

func baseConfig(kv ...string) map[string]string {
	c := map[string]string{"database": "db", "topics": "t"}
	for i := 0; i+1 < len(kv); i += 2 {
		c[kv[i]] = kv[i+1]
	}
	return c
}

// prepared builds the write of one record of topic t under config.
func prepared(t *testing.T, config map[string]string, r connect.Record) (namespace, mongo.WriteModel, error) {
	t.Helper()
	s, err := parseTopicSettings(config, r.Topic)
	require.NoError(t, err)
	ns, model, _, err := (&task{}).prepare(s, &r)
	return ns, model, err
}

func record(key, value any) connect.Record {
	r := connect.Record{Topic: "t", Key: key, Value: value, Timestamp: time.UnixMilli(1000), TimestampType: connect.CreateTime}
	r.SetPartition(3)
	r.SetOrigin(connect.KafkaPosition{Topic: "t", Partition: 3, Offset: 42})
	return r
}

func doc(kv ...any) bson.D {
	d := bson.D{}
	for i := 0; i+1 < len(kv); i += 2 {
		d = append(d, bson.E{Key: kv[i].(string), Value: kv[i+1]})
	}
	return d
}

func TestIDStrategies(t *testing.T) {
	key := `{"_id": "k1", "a": {"b": 1, "c": 2}}`
	value := `{"_id": "v1", "n": "x", "m": {"p": 1, "q": 2}}`
	cases := []struct {
		strategy string
		extra    []string
		check    func(t *testing.T, id any)
	}{
		{"BsonOidStrategy", nil, func(t *testing.T, id any) { require.IsType(t, bson.ObjectID{}, id) }},
		{"ProvidedInKeyStrategy", nil, func(t *testing.T, id any) { require.Equal(t, "k1", id) }},
		{"ProvidedInValueStrategy", []string{"document.id.strategy.overwrite.existing", "true"}, func(t *testing.T, id any) { require.Equal(t, "v1", id) }},
		{"FullKeyStrategy", nil, func(t *testing.T, id any) {
			require.Equal(t, doc("_id", "k1", "a", doc("b", int32(1), "c", int32(2))), id)
		}},
		{"KafkaMetaDataStrategy", nil, func(t *testing.T, id any) { require.Equal(t, "t#3#42", id) }},
		{"UuidStrategy", nil, func(t *testing.T, id any) {
			s, ok := id.(string)
			require.True(t, ok)
			_, ok = parseUUID(s)
			require.True(t, ok, s)
			require.Equal(t, byte('4'), s[14])
		}},
		{"UuidStrategy", []string{"document.id.strategy.uuid.format", "binary"}, func(t *testing.T, id any) {
			b, ok := id.(bson.Binary)
			require.True(t, ok)
			require.Equal(t, bson.TypeBinaryUUID, b.Subtype)
			require.Len(t, b.Data, 16)
		}},
		{"PartialKeyStrategy", []string{"document.id.strategy.partial.key.projection.type", "AllowList",
			"document.id.strategy.partial.key.projection.list", "a.b"}, func(t *testing.T, id any) {
			require.Equal(t, doc("a", doc("b", int32(1))), id)
		}},
		{"PartialValueStrategy", []string{"value.projection.type", "BlockList", "value.projection.list", "_id,m.q"}, func(t *testing.T, id any) {
			require.Equal(t, doc("n", "x", "m", doc("p", int32(1))), id)
		}},
	}
	for _, c := range cases {
		t.Run(c.strategy, func(t *testing.T) {
			cfg := baseConfig(append([]string{"document.id.strategy", idPackage + c.strategy,
				"document.id.strategy.overwrite.existing", "true"}, c.extra...)...)
			_, m, err := prepared(t, cfg, record(key, value))
			require.NoError(t, err)
			r := m.(*mongo.ReplaceOneModel)
			require.Equal(t, idField, r.Filter.(bson.D)[0].Key)
			id := r.Filter.(bson.D)[0].Value
			c.check(t, id)
			got, _ := mongodb.Get(r.Replacement.(bson.D), idField)
			require.Equal(t, id, got, "the document's _id is the filter's")
		})
	}
}

func TestIDStrategyKeepsExistingID(t *testing.T) {
	_, m, err := prepared(t, baseConfig(), record(nil, `{"_id": 5, "a": 1}`))
	require.NoError(t, err)
	require.Equal(t, doc("_id", int32(5)), m.(*mongo.ReplaceOneModel).Filter)
}

func TestProvidedIDMissingIsARecordError(t *testing.T) {
	cfg := baseConfig("document.id.strategy", idPackage+"ProvidedInKeyStrategy")
	_, _, err := prepared(t, cfg, record(`{"no_id": 1}`, `{"a": 1}`))
	require.ErrorContains(t, err, "no _id field")
	_, _, err = prepared(t, cfg, record(`{"_id": null}`, `{"a": 1}`))
	require.ErrorContains(t, err, "BsonNull")
}

func TestWriteModelStrategies(t *testing.T) {
	now = func() time.Time { return time.UnixMilli(5000) }
	t.Cleanup(func() { now = time.Now })
	ts := bson.DateTime(5000)
	value := `{"_id": {"a": 1, "b": {"c": 2}}, "x": "y"}`
	partialKey := []string{"document.id.strategy", idPackage + "PartialValueStrategy",
		"document.id.strategy.partial.value.projection.type", "AllowList",
		"document.id.strategy.partial.value.projection.list", "k1,k2.k3"}
	cases := []struct {
		strategy string
		extra    []string
		value    string
		want     mongo.WriteModel
	}{
		{"ReplaceOneDefaultStrategy", nil, value,
			mongo.NewReplaceOneModel().SetFilter(doc("_id", doc("a", int32(1), "b", doc("c", int32(2))))).
				SetReplacement(doc("_id", doc("a", int32(1), "b", doc("c", int32(2))), "x", "y")).SetUpsert(true)},
		{"DefaultWriteModelStrategy", nil, `{"_id": 1}`,
			mongo.NewReplaceOneModel().SetFilter(doc("_id", int32(1))).SetReplacement(doc("_id", int32(1))).SetUpsert(true)},
		{"ReplaceOneBusinessKeyStrategy", nil, value,
			mongo.NewReplaceOneModel().SetFilter(doc("a", int32(1), "b", doc("c", int32(2)))).SetReplacement(doc("x", "y")).SetUpsert(true)},
		{"ReplaceOneBusinessKeyStrategy", partialKey, `{"k1": 1, "k2": {"k3": 2, "k4": 3}, "v": "w"}`,
			mongo.NewReplaceOneModel().SetFilter(doc("k1", int32(1), "k2.k3", int32(2))).
				SetReplacement(doc("k1", int32(1), "k2", doc("k3", int32(2), "k4", int32(3)), "v", "w")).SetUpsert(true)},
		{"UpdateOneDefaultStrategy", nil, `{"_id": 1, "x": "y"}`,
			mongo.NewUpdateOneModel().SetFilter(doc("_id", int32(1))).SetUpdate(doc("$set", doc("x", "y"))).SetUpsert(true)},
		{"UpdateOneTimestampsStrategy", nil, `{"_id": 1, "x": "y"}`,
			mongo.NewUpdateOneModel().SetFilter(doc("_id", int32(1))).
				SetUpdate(doc("$set", doc("_id", int32(1), "x", "y", "_modifiedTS", ts), "$setOnInsert", doc("_insertedTS", ts))).SetUpsert(true)},
		{"UpdateOneBusinessKeyTimestampStrategy", nil, value,
			mongo.NewUpdateOneModel().SetFilter(doc("a", int32(1), "b", doc("c", int32(2)))).
				SetUpdate(doc("$set", doc("x", "y", "_modifiedTS", ts), "$setOnInsert", doc("_insertedTS", ts))).SetUpsert(true)},
		{"InsertOneDefaultStrategy", nil, `{"_id": 1, "x": "y"}`, mongo.NewInsertOneModel().SetDocument(doc("_id", int32(1), "x", "y"))},
		// The Java driver writes an inserted document's _id first.
		{"InsertOneDefaultStrategy", nil, `{"x": "y", "_id": 1}`, mongo.NewInsertOneModel().SetDocument(doc("_id", int32(1), "x", "y"))},
		{"DeleteOneDefaultStrategy", nil, `{"x": 1}`, mongo.NewDeleteOneModel().SetFilter(doc("_id", doc("id", int32(7))))},
		{"DeleteOneBusinessKeyStrategy", nil, value, mongo.NewDeleteOneModel().SetFilter(doc("a", int32(1), "b", doc("c", int32(2))))},
	}
	for _, c := range cases {
		t.Run(c.strategy, func(t *testing.T) {
			cfg := baseConfig(append([]string{"writemodel.strategy", writeModelPkg + c.strategy}, c.extra...)...)
			_, m, err := prepared(t, cfg, record(`{"id": 7}`, c.value))
			require.NoError(t, err)
			require.Equal(t, c.want, m)
		})
	}
	// A business key strategy needs the _id to be a document.
	cfg := baseConfig("writemodel.strategy", writeModelPkg+"ReplaceOneBusinessKeyStrategy")
	_, _, err := prepared(t, cfg, record(nil, `{"_id": 1}`))
	require.ErrorContains(t, err, "business key")
}

func TestDeleteOnNullValues(t *testing.T) {
	// Off: a tombstone has no write, an error for the reporter, as the
	// official connector's.
	_, _, err := prepared(t, baseConfig(), record(`{"id": 1}`, nil))
	require.ErrorContains(t, err, "delete.on.null.values is false")

	_, err = parseTopicSettings(baseConfig("delete.on.null.values", "true"), "t")
	require.ErrorContains(t, err, "delete.on.null.values: DeleteOneDefaultStrategy can only be applied")

	cfg := baseConfig("delete.on.null.values", "true", "document.id.strategy", idPackage+"ProvidedInKeyStrategy")
	_, m, err := prepared(t, cfg, record(`{"_id": 1}`, nil))
	require.NoError(t, err)
	require.Equal(t, mongo.NewDeleteOneModel().SetFilter(doc("_id", int32(1))), m)

	cfg = baseConfig("delete.on.null.values", "true", "document.id.strategy", idPackage+"FullKeyStrategy")
	_, m, err = prepared(t, cfg, record(`{"a": 1}`, nil))
	require.NoError(t, err)
	require.Equal(t, mongo.NewDeleteOneModel().SetFilter(doc("_id", doc("a", int32(1)))), m)

	_, _, err = prepared(t, cfg, record(nil, nil))
	require.ErrorContains(t, err, "both are null")
}

func TestPostProcessors(t *testing.T) {
	value := `{"_id": 1, "name": "n", "secret": "s", "nested": {"keep": 1, "drop": 2, "deep": {"x": 1}}, "list": [{"keep": 1, "drop": 2}], "prefix_a": 1, "prefix_b": 2}`
	cases := []struct {
		name  string
		extra []string
		want  bson.D
	}{
		{"BlockListValueProjector", []string{"value.projection.list", "secret, nested.drop, list.drop, prefix_*"},
			doc("_id", int32(1), "name", "n", "nested", doc("keep", int32(1), "deep", doc("x", int32(1))), "list", bson.A{doc("keep", int32(1))})},
		{"AllowListValueProjector", []string{"value.projection.list", "_id,name,nested.keep,list.keep"},
			doc("_id", int32(1), "name", "n", "nested", doc("keep", int32(1)), "list", bson.A{doc("keep", int32(1))})},
		{"AllowListValueProjector", []string{"value.projection.list", "_id,nested.**,prefix*"},
			doc("_id", int32(1), "nested", doc("keep", int32(1), "drop", int32(2), "deep", doc("x", int32(1))), "prefix_a", int32(1), "prefix_b", int32(2))},
		// A nested document all of whose fields are projected out stays, empty.
		{"AllowListValueProjector", []string{"value.projection.list", "_id,nested.*"},
			doc("_id", int32(1), "nested", doc("keep", int32(1), "drop", int32(2), "deep", doc()))},
		{"BlockListValueProjector", []string{"value.projection.list", "nested.*"},
			doc("_id", int32(1), "name", "n", "secret", "s", "nested", doc("deep", doc("x", int32(1))),
				"list", bson.A{doc("keep", int32(1), "drop", int32(2))}, "prefix_a", int32(1), "prefix_b", int32(2))},
		{"field.renaming.RenameByMapping", []string{"field.renamer.mapping", `[{"oldName": "value.name", "newName": "title"}, {"oldName": "value.nested.deep", "newName": "shallow"}, {"oldName": "value.secret", "newName": "name"}]`},
			doc("_id", int32(1), "nested", doc("keep", int32(1), "drop", int32(2), "shallow", doc("x", int32(1))),
				"list", bson.A{doc("keep", int32(1), "drop", int32(2))}, "prefix_a", int32(1), "prefix_b", int32(2), "title", "n", "name", "s")},
		{"field.renaming.RenameByRegExp", []string{"field.renamer.regexp", `[{"regexp": "^value\\.prefix_.*$", "pattern": "prefix_", "replace": "p."}, {"regexp": "^value\\.nested\\..*$", "pattern": "^(.)", "replace": "$1$1"}]`},
			doc("_id", int32(1), "name", "n", "secret", "s", "nested", doc("kkeep", int32(1), "ddrop", int32(2), "ddeep", doc("xx", int32(1))),
				"list", bson.A{doc("keep", int32(1), "drop", int32(2))}, "p.a", int32(1), "p.b", int32(2))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := baseConfig(append([]string{"post.processor.chain", processorPackage + c.name}, c.extra...)...)
			_, m, err := prepared(t, cfg, record(nil, value))
			require.NoError(t, err)
			require.Equal(t, c.want, m.(*mongo.ReplaceOneModel).Replacement)
		})
	}

	// A renamer keeps an empty document a document, not null.
	cfg := baseConfig("post.processor.chain", processorPackage+"field.renaming.RenameByMapping", "field.renamer.mapping", `[{"oldName": "value.a", "newName": "b"}]`)
	_, m, err := prepared(t, cfg, record(nil, `{"_id": 1, "a": {}, "c": {"d": {}}}`))
	require.NoError(t, err)
	require.Equal(t, doc("_id", int32(1), "c", doc("d", doc()), "b", doc()), m.(*mongo.ReplaceOneModel).Replacement)

	cfg = baseConfig("post.processor.chain", processorPackage+"NullFieldValueRemover")
	_, m, err = prepared(t, cfg, record(nil, `{"_id": 1, "a": null, "b": {"c": null, "d": 1}, "e": [{"f": null}, null]}`))
	require.NoError(t, err)
	require.Equal(t, doc("_id", int32(1), "b", doc("d", int32(1)), "e", bson.A{doc(), nil}), m.(*mongo.ReplaceOneModel).Replacement)

	// KafkaMetaAdder, after the DocumentIdAdder put first in the chain.
	cfg = baseConfig("post.processor.chain", processorPackage+"KafkaMetaAdder")
	_, m, err = prepared(t, cfg, record(nil, `{"a": 1}`))
	require.NoError(t, err)
	got := m.(*mongo.ReplaceOneModel).Replacement.(bson.D)
	require.Equal(t, []string{"a", "_id", "topic-partition-offset", "CREATE_TIME"}, []string{got[0].Key, got[1].Key, got[2].Key, got[3].Key})
	require.Equal(t, "t-3-42", got[2].Value)
	require.Equal(t, int64(1000), got[3].Value)
}

func TestNamespaceMappers(t *testing.T) {
	ns, _, err := prepared(t, baseConfig(), record(nil, `{"a": 1}`))
	require.NoError(t, err)
	require.Equal(t, namespace{"db", "t"}, ns)
	ns, _, err = prepared(t, baseConfig("collection", "c", "topic.override.t.database", "other"), record(nil, `{"a": 1}`))
	require.NoError(t, err)
	require.Equal(t, namespace{"other", "c"}, ns)

	cfg := baseConfig("namespace.mapper", FieldPathNamespaceMapper, "namespace.mapper.value.collection.field", "meta.coll",
		"namespace.mapper.key.database.field", "db")
	ns, _, err = prepared(t, cfg, record(`{"db": "kdb"}`, `{"meta": {"coll": "vc"}}`))
	require.NoError(t, err)
	require.Equal(t, namespace{"kdb", "vc"}, ns)
	ns, _, err = prepared(t, cfg, record(`{"db": 5}`, `{"x": 1}`))
	require.NoError(t, err)
	require.Equal(t, namespace{"db", "t"}, ns, "invalid fields fall back to the defaults")

	cfg["namespace.mapper.error.if.invalid"] = "true"
	_, _, err = prepared(t, cfg, record(`{"db": 5}`, `{"x": 1}`))
	require.ErrorContains(t, err, "expected a String")

	_, err = parseTopicSettings(baseConfig("namespace.mapper", FieldPathNamespaceMapper), "t")
	require.ErrorContains(t, err, "missing configuration for the FieldPathNamespaceMapper")
}

func TestConfigClassNames(t *testing.T) {
	_, err := checkConfig(baseConfig("document.id.strategy", "com.example.MyStrategy"))
	require.ErrorContains(t, err, "document.id.strategy")
	_, err = checkConfig(baseConfig("document.id.strategy", "UuidStrategy", "writemodel.strategy", "InsertOneDefaultStrategy"))
	require.NoError(t, err, "simple class names are taken too")
	_, err = checkConfig(baseConfig("post.processor.chain", "com.mongodb.kafka.connect.sink.processor.Nope"))
	require.ErrorContains(t, err, "post.processor.chain")
	// A per-topic override is checked at start, with the topic named.
	_, err = checkConfig(baseConfig("topic.override.a.b.writemodel.strategy", "Nope"))
	require.ErrorContains(t, err, "topic a.b")
}

func TestRdbmsHandler(t *testing.T) {
	cfg := baseConfig("change.data.capture.handler", "com.mongodb.kafka.connect.sink.cdc.debezium.rdbms.postgres.PostgresHandler",
		"writemodel.strategy", writeModelPkg+"InsertOneDefaultStrategy") // ignored with a handler
	key := `{"id": 1}`
	event := func(op, before, after string) string {
		return `{"before": ` + before + `, "after": ` + after + `, "source": {"db": "shop"}, "op": "` + op + `", "ts_ms": 1}`
	}
	want := mongo.NewReplaceOneModel().SetFilter(doc("_id", doc("id", int32(1)))).
		SetReplacement(doc("_id", doc("id", int32(1)), "name", "ann")).SetUpsert(true)
	for _, op := range []string{"c", "r", "u"} {
		_, m, err := prepared(t, cfg, record(key, event(op, `null`, `{"id": 1, "name": "ann"}`)))
		require.NoError(t, err, op)
		require.Equal(t, want, m, op)
	}
	_, m, err := prepared(t, cfg, record(key, event("d", `{"id": 1, "name": "ann"}`, `null`)))
	require.NoError(t, err)
	require.Equal(t, mongo.NewDeleteOneModel().SetFilter(doc("_id", doc("id", int32(1)))), m)

	// Without a key, an update matches the before image.
	_, m, err = prepared(t, cfg, record(nil, event("u", `{"id": 1, "name": "ann"}`, `{"id": 1, "name": "bob"}`)))
	require.NoError(t, err)
	require.Equal(t, mongo.NewReplaceOneModel().SetFilter(doc("id", int32(1), "name", "ann")).
		SetReplacement(doc("id", int32(1), "name", "bob")).SetUpsert(true), m)

	// Tombstones and schema changes need no write.
	for _, v := range []any{nil, `{"ddl": "CREATE TABLE t (id int)"}`} {
		_, m, err = prepared(t, cfg, record(key, v))
		require.NoError(t, err)
		require.Nil(t, m)
	}
	_, _, err = prepared(t, cfg, record(key, event("t", `null`, `null`)))
	require.ErrorContains(t, err, "unknown operation type t")
	_, _, err = prepared(t, cfg, record(key, event("u", `null`, `null`)))
	require.ErrorContains(t, err, "non-empty 'after'")
	_, _, err = prepared(t, cfg, record(nil, event("d", `null`, `null`)))
	require.ErrorContains(t, err, "'before' field is empty")

	_, err = checkConfig(baseConfig("change.data.capture.handler", "com.mongodb.kafka.connect.sink.cdc.debezium.mongodb.NoSuchHandler"))
	require.ErrorContains(t, err, "change.data.capture.handler")
}

// Debezium MongoDB change events, in the shapes Debezium's documentation
// gives them: the key {"id": <_id as Extended JSON text>}, after and patch
// as Extended JSON text.
const (
	dbzMongoKey    = `{"id": "{\"$numberLong\": \"1004\"}"}`
	dbzMongoOIDKey = `{"id": "{\"$oid\": \"596e275826f08b2730779e1f\"}"}`
	dbzMongoAfter  = `"{\"_id\": {\"$numberLong\": \"1004\"},\"first_name\": \"Anne\",\"email\": \"annek@noanswer.org\"}"`
)

func dbzMongoEvent(op, fields string) string {
	return `{` + fields + `, "source": {"connector": "mongodb", "name": "fulfillment", "rs": "rs0", "db": "inventory", "collection": "customers"}, "op": "` + op + `", "ts_ms": 1558965515240}`
}

// TestDebeziumMongoDbHandler replays Debezium's MongoDB events in the
// oplog format (updates as a patch), as the official MongoDbHandler does.
func TestDebeziumMongoDbHandler(t *testing.T) {
	cfg := baseConfig("change.data.capture.handler", "com.mongodb.kafka.connect.sink.cdc.debezium.mongodb.MongoDbHandler",
		"writemodel.strategy", writeModelPkg+"InsertOneDefaultStrategy") // ignored with a handler
	id := doc("_id", int64(1004))
	full := doc("_id", int64(1004), "first_name", "Anne", "email", "annek@noanswer.org")
	cases := []struct {
		name, key, value string
		want             mongo.WriteModel
	}{
		{"create", dbzMongoKey, dbzMongoEvent("c", `"after": `+dbzMongoAfter+`, "patch": null, "filter": null`),
			mongo.NewReplaceOneModel().SetFilter(id).SetReplacement(full).SetUpsert(true)},
		{"read", dbzMongoKey, dbzMongoEvent("r", `"after": `+dbzMongoAfter),
			mongo.NewReplaceOneModel().SetFilter(id).SetReplacement(full).SetUpsert(true)},
		{"update with $set", dbzMongoKey,
			dbzMongoEvent("u", `"after": null, "patch": "{\"$v\" : 1,\"$set\" : {\"first_name\" : \"Anne Marie\"}}", "filter": "{\"_id\" : {\"$numberLong\" : \"1004\"}}"`),
			mongo.NewUpdateOneModel().SetFilter(id).SetUpdate(doc("$set", doc("first_name", "Anne Marie")))},
		{"update by an ObjectId", dbzMongoOIDKey, dbzMongoEvent("u", `"patch": "{\"$unset\": {\"email\": true}}"`),
			mongo.NewUpdateOneModel().SetFilter(doc("_id", mustOID(t, "596e275826f08b2730779e1f"))).SetUpdate(doc("$unset", doc("email", true)))},
		{"update replacing the document", dbzMongoKey,
			dbzMongoEvent("u", `"patch": "{\"_id\": {\"$numberLong\": \"1004\"}, \"$v\": 1, \"first_name\": \"Anne\", \"email\": \"annek@noanswer.org\"}"`),
			mongo.NewReplaceOneModel().SetFilter(id).SetReplacement(full).SetUpsert(true)},
		{"delete", dbzMongoKey, dbzMongoEvent("d", `"after": null, "patch": null, "filter": "{\"_id\" : {\"$numberLong\" : \"1004\"}}"`),
			mongo.NewDeleteOneModel().SetFilter(id)},
		{"tombstone", dbzMongoKey, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v any
			if c.value != "" {
				v = c.value
			}
			_, m, err := prepared(t, cfg, record(c.key, v))
			require.NoError(t, err)
			if c.want == nil {
				require.Nil(t, m)
				return
			}
			require.Equal(t, c.want, m)
		})
	}
	for _, c := range []struct {
		key, value any
		err        string
	}{
		{nil, dbzMongoEvent("c", `"after": `+dbzMongoAfter), "key document must not be missing"},
		{`{"other": 1}`, nil, "CDC operation is not a string"},
		{dbzMongoKey, `{"op": 1}`, "CDC operation is not a string"},
		{dbzMongoKey, dbzMongoEvent("x", `"after": `+dbzMongoAfter), "unknown operation type x"},
		{dbzMongoKey, dbzMongoEvent("c", `"before": null`), "insert document missing `after` field"},
		{dbzMongoKey, dbzMongoEvent("c", `"after": null`), "after is null, not a document"},
		{dbzMongoKey, dbzMongoEvent("c", `"after": "{not json"`), "not a document as Extended JSON"},
		{dbzMongoKey, dbzMongoEvent("c", `"after": "{\"a\": 1}"`), "has no _id"},
		{dbzMongoKey, dbzMongoEvent("u", `"after": `+dbzMongoAfter), "update document missing `patch` field"},
		{`{"_id": "1004"}`, dbzMongoEvent("u", `"patch": "{\"$set\": {\"a\": 1}}"`), "update document missing `id` field"},
		{`{"id": 1004}`, dbzMongoEvent("d", `"after": null`), "key id is a int32, not an _id"},
		{`{"id": "ObjectId(\"596e275826f08b2730779e1f\")"}`, dbzMongoEvent("d", `"after": null`), "is not a value as Extended JSON"},
	} {
		_, _, err := prepared(t, cfg, record(c.key, c.value))
		require.ErrorContains(t, err, c.err, "%v %v", c.key, c.value)
	}
}

// TestDebeziumMongoChangeStreamHandler replays Debezium's MongoDB events in
// the change stream format (updates with the full document after), as the
// official debezium.mongodb.ChangeStreamHandler does.
func TestDebeziumMongoChangeStreamHandler(t *testing.T) {
	cfg := baseConfig("change.data.capture.handler", "com.mongodb.kafka.connect.sink.cdc.debezium.mongodb.ChangeStreamHandler")
	id := doc("_id", int64(1004))
	full := doc("_id", int64(1004), "first_name", "Anne", "email", "annek@noanswer.org")
	update := dbzMongoEvent("u", `"before": null, "after": `+dbzMongoAfter+`,
		"updateDescription": {"removedFields": null, "updatedFields": "{\"first_name\": \"Anne\"}", "truncatedArrays": null}`)
	for _, c := range []struct {
		name, value string
		want        mongo.WriteModel
	}{
		{"create", dbzMongoEvent("c", `"before": null, "after": `+dbzMongoAfter), mongo.NewReplaceOneModel().SetFilter(id).SetReplacement(full).SetUpsert(true)},
		{"update", update, mongo.NewReplaceOneModel().SetFilter(id).SetReplacement(full).SetUpsert(true)},
		{"delete", dbzMongoEvent("d", `"before": null, "after": null, "updateDescription": null`), mongo.NewDeleteOneModel().SetFilter(id)},
	} {
		_, m, err := prepared(t, cfg, record(dbzMongoKey, c.value))
		require.NoError(t, err, c.name)
		require.Equal(t, c.want, m, c.name)
	}
	// Without the full document (capture.mode=change_streams), an update
	// cannot be replayed.
	_, _, err := prepared(t, cfg, record(dbzMongoKey, dbzMongoEvent("u", `"after": null, "updateDescription": {"updatedFields": "{}"}`)))
	require.ErrorContains(t, err, "update event's after is null")
	_, _, err = prepared(t, cfg, record(dbzMongoKey, dbzMongoEvent("u", `"patch": "{\"$set\": {\"a\": 1}}"`)))
	require.ErrorContains(t, err, "update document missing `after` field")
}

func mustOID(t *testing.T, hex string) bson.ObjectID {
	t.Helper()
	id, err := bson.ObjectIDFromHex(hex)
	require.NoError(t, err)
	return id
}

// TestChangeStreamHandler replays MongoDB change events in the shapes
// MongoDB documents (clusterTime, wallTime, ns, a resume token _id).
func TestChangeStreamHandler(t *testing.T) {
	cfg := baseConfig("change.data.capture.handler", "com.mongodb.kafka.connect.sink.cdc.mongodb.ChangeStreamHandler")
	event := func(op, rest string) string {
		return `{"_id": {"_data": "8263A1B2C3000000012B022C0100296E5A1004"}, "operationType": "` + op + `",
			"clusterTime": {"$timestamp": {"t": 1700000000, "i": 1}}, "wallTime": {"$date": "2023-11-14T22:13:20Z"},
			"ns": {"db": "shop", "coll": "users"}, "documentKey": {"_id": 1}` + rest + `}`
	}
	key := `{"_id": {"_data": "8263A1B2C3000000012B022C0100296E5A1004"}}`
	full := `, "fullDocument": {"_id": 1, "name": "ann", "tags": ["a"]}`
	replace := mongo.NewReplaceOneModel().SetFilter(doc("_id", int32(1))).
		SetReplacement(doc("_id", int32(1), "name", "ann", "tags", bson.A{"a"}))
	cases := []struct {
		name, value string
		want        mongo.WriteModel
	}{
		{"insert", event("insert", full), replace.SetUpsert(true)},
		{"replace", event("replace", full), replace.SetUpsert(true)},
		{"update", event("update", `, "updateDescription": {"updatedFields": {"name": "bob", "a.b": 2}, "removedFields": ["old", "x.y"], "truncatedArrays": []}`),
			mongo.NewUpdateOneModel().SetFilter(doc("_id", int32(1))).
				SetUpdate(doc("$set", doc("name", "bob", "a.b", int32(2)), "$unset", doc("old", "", "x.y", "")))},
		{"update without removed fields", event("update", `, "updateDescription": {"updatedFields": {"name": "bob"}, "removedFields": []}`),
			mongo.NewUpdateOneModel().SetFilter(doc("_id", int32(1))).SetUpdate(doc("$set", doc("name", "bob")))},
		// With fullDocument: updateLookup the update replaces, without upsert.
		{"update with full document", event("update", full+`, "updateDescription": {"updatedFields": {"name": "ann"}, "removedFields": []}`),
			mongo.NewReplaceOneModel().SetFilter(doc("_id", int32(1))).SetReplacement(doc("_id", int32(1), "name", "ann", "tags", bson.A{"a"}))},
		{"delete", event("delete", ""), mongo.NewDeleteOneModel().SetFilter(doc("_id", int32(1)))},
		{"drop", `{"_id": {"_data": "82"}, "operationType": "drop", "ns": {"db": "shop", "coll": "users"}}`, nil},
		{"invalidate", `{"_id": {"_data": "82"}, "operationType": "invalidate"}`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, m, err := prepared(t, cfg, record(key, c.value))
			require.NoError(t, err)
			if c.want == nil {
				require.Nil(t, m)
				return
			}
			require.Equal(t, c.want, m)
		})
	}
	for _, c := range []struct{ value, err string }{
		{`{"documentKey": {"_id": 1}}`, "no operationType"},
		{`{"operationType": 1, "documentKey": {"_id": 1}}`, "operationType is a int32, not a string"},
		{event("insert", ""), "no fullDocument"},
		{`{"operationType": "delete", "documentKey": 1}`, "documentKey is a int32, not a document"},
		{event("update", `, "updateDescription": {"updatedFields": {"a": 1}, "removedFields": [], "truncatedArrays": [{"field": "arr", "newSize": 1}]}`), "truncatedArrays is not empty"},
		{event("update", `, "updateDescription": {"updatedFields": {"a": 1}, "removedFields": [], "novel": 1}`), `unexpected field "novel"`},
		{event("update", `, "updateDescription": {"removedFields": []}`), "no updatedFields"},
		{event("update", `, "updateDescription": {"updatedFields": {}, "removedFields": [1]}`), "removedFields holds a int32"},
	} {
		_, _, err := prepared(t, cfg, record(key, c.value))
		require.ErrorContains(t, err, c.err, c.value)
	}
	// A tombstone is not a change event.
	_, _, err := prepared(t, cfg, record(key, nil))
	require.ErrorContains(t, err, "no operationType")
}
