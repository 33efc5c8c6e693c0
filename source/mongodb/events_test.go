package mongodb

import (
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/jsonconv"
)

// The change events of MongoDB's documentation (Change Events reference),
// as a server sends them, in Extended JSON.
var documentedEvents = map[string]string{
	"insert": `{"_id": {"_data": "82635019A0000000012B042C0100296E5A1004AB1154ACACD849A48C61756D70D3B21F463C6F7065726174696F6E54797065003C696E736572740046646F63756D656E744B65790046645F69640064635019A078BE67426D7CF4D2000004"},
		"operationType": "insert", "clusterTime": {"$timestamp": {"t": 1666193824, "i": 1}}, "wallTime": {"$date": "2022-10-19T15:37:04.604Z"},
		"fullDocument": {"_id": {"$oid": "635019a078be67426d7cf4d2"}, "name": "Alice", "userName": "alice123"},
		"ns": {"db": "engineering", "coll": "users"},
		"documentKey": {"userName": "alice123", "_id": {"$oid": "635019a078be67426d7cf4d2"}}}`,
	"update": `{"_id": {"_data": "82635019B0000000022B"}, "operationType": "update",
		"clusterTime": {"$timestamp": {"t": 1666193840, "i": 2}}, "wallTime": {"$date": "2022-10-19T15:37:20.000Z"},
		"ns": {"db": "engineering", "coll": "users"},
		"documentKey": {"_id": {"$oid": "635019a078be67426d7cf4d2"}},
		"updateDescription": {"updatedFields": {"email": "alice@10gen.com"}, "removedFields": ["phoneNumber"],
			"truncatedArrays": [{"field": "vacation_time", "newSize": 36}]}}`,
	"replace": `{"_id": {"_data": "82635019C0000000032B"}, "operationType": "replace",
		"clusterTime": {"$timestamp": {"t": 1666193856, "i": 3}}, "wallTime": {"$date": "2022-10-19T15:37:36.000Z"},
		"ns": {"db": "engineering", "coll": "users"},
		"documentKey": {"_id": {"$oid": "635019a078be67426d7cf4d2"}},
		"fullDocument": {"_id": {"$oid": "635019a078be67426d7cf4d2"}, "name": "Alice", "userName": "alice999"}}`,
	"delete": `{"_id": {"_data": "82635019D0000000042B"}, "operationType": "delete",
		"clusterTime": {"$timestamp": {"t": 1666193872, "i": 4}}, "wallTime": {"$date": "2022-10-19T15:37:52.000Z"},
		"ns": {"db": "engineering", "coll": "users"},
		"documentKey": {"_id": {"$oid": "635019a078be67426d7cf4d2"}}}`,
	"drop": `{"_id": {"_data": "82635019E0000000052B"}, "operationType": "drop",
		"clusterTime": {"$timestamp": {"t": 1666193888, "i": 5}}, "wallTime": {"$date": "2022-10-19T15:38:08.000Z"},
		"ns": {"db": "engineering", "coll": "users"}}`,
	"rename": `{"_id": {"_data": "82635019F0000000062B"}, "operationType": "rename",
		"clusterTime": {"$timestamp": {"t": 1666193904, "i": 6}}, "wallTime": {"$date": "2022-10-19T15:38:24.000Z"},
		"ns": {"db": "engineering", "coll": "users"}, "to": {"db": "engineering", "coll": "people"}}`,
	"dropDatabase": `{"_id": {"_data": "8263501A00000000072B"}, "operationType": "dropDatabase",
		"clusterTime": {"$timestamp": {"t": 1666193920, "i": 7}}, "wallTime": {"$date": "2022-10-19T15:38:40.000Z"},
		"ns": {"db": "engineering"}}`,
	"invalidate": `{"_id": {"_data": "8263501A10000000082B"}, "operationType": "invalidate",
		"clusterTime": {"$timestamp": {"t": 1666193936, "i": 8}}, "wallTime": {"$date": "2022-10-19T15:38:56.000Z"}}`,
}

func event(t *testing.T, name string) bson.D {
	t.Helper()
	var d bson.D
	require.NoError(t, bson.UnmarshalExtJSON([]byte(documentedEvents[name]), false, &d))
	return d
}

func testTask(t *testing.T, config map[string]string) *task {
	t.Helper()
	cfg := map[string]string{"connection.uri": "mongodb://user:secret@h1:27017,h2/?replicaSet=rs", "database": "engineering", "collection": "users"}
	for k, v := range config {
		cfg[k] = v
	}
	s, err := parseSettings(cfg)
	require.NoError(t, err)
	return &task{s: s, log: slog.New(slog.DiscardHandler), partition: connect.NewSourcePartition(nsKey, s.partitionName)}
}

func records(t *testing.T, tk *task, names ...string) []connect.Record {
	t.Helper()
	var out []connect.Record
	for _, n := range names {
		r, ok, err := tk.record(item{event: event(t, n)}, false)
		require.NoError(t, err, n)
		if ok {
			out = append(out, r)
		}
	}
	return out
}

// TestDocumentedEventsJSON turns MongoDB's documented change events into
// records with the default output (json, DefaultJson): the key is the
// document key (or the resume token when there is none), the value the
// event, the topic db.coll; the invalidate event, with no namespace, has
// no topic and no record.
func TestDocumentedEventsJSON(t *testing.T) {
	tk := testTask(t, nil)
	recs := records(t, tk, "insert", "update", "replace", "delete", "drop", "rename", "dropDatabase", "invalidate")
	require.Len(t, recs, 7)
	for _, r := range recs[:6] {
		require.Equal(t, "engineering.users", r.Topic)
		require.Equal(t, connect.StringSchema, r.ValueSchema)
		require.Equal(t, `{"ns":"mongodb://h1:27017,h2/engineering.users"}`, r.SourcePartition.String())
	}
	require.Equal(t, "engineering", recs[6].Topic)
	require.Equal(t, `{"userName": "alice123", "_id": {"$oid": "635019a078be67426d7cf4d2"}}`, recs[0].Key)
	require.Equal(t, `{"_id": {"$oid": "635019a078be67426d7cf4d2"}}`, recs[1].Key)
	require.Equal(t, `{"_id": {"_data": "82635019E0000000052B"}}`, recs[4].Key, "drop has no documentKey")
	require.Equal(t, `{"_id": {"_data": "82635019B0000000022B"}, "operationType": "update", `+
		`"clusterTime": {"$timestamp": {"t": 1666193840, "i": 2}}, "wallTime": {"$date": 1666193840000}, `+
		`"ns": {"db": "engineering", "coll": "users"}, "documentKey": {"_id": {"$oid": "635019a078be67426d7cf4d2"}}, `+
		`"updateDescription": {"updatedFields": {"email": "alice@10gen.com"}, "removedFields": ["phoneNumber"], `+
		`"truncatedArrays": [{"field": "vacation_time", "newSize": 36}]}}`, recs[1].Value)
	id, _ := recs[1].SourceOffset.Get("_id")
	require.Equal(t, `{"_data": "82635019B0000000022B"}`, id)
	require.Equal(t, 1, recs[1].SourceOffset.Len())

	tk = testTask(t, map[string]string{DocumentKeyAsKeyConfig: "false", OutputFormatKeyConfig: "bson"})
	r := records(t, tk, "insert")[0]
	var key bson.D
	require.NoError(t, bson.Unmarshal(r.Key.([]byte), &key))
	require.Equal(t, bson.D{{Key: "_id", Value: bson.D{{Key: "_data", Value: get(get(event(t, "insert"), "_id").(bson.D), "_data")}}}}, key)
}

// TestDocumentedEventsFullDocumentOnly: with publish.full.document.only the
// value is the full document; events without one give no record, or a
// tombstone for a delete with tombstone.on.delete.
func TestDocumentedEventsFullDocumentOnly(t *testing.T) {
	tk := testTask(t, map[string]string{PublishFullDocumentOnlyConfig: "true", OutputJSONFormatterConfig: "SimplifiedJson"})
	recs := records(t, tk, "insert", "update", "replace", "delete")
	require.Len(t, recs, 2)
	require.Equal(t, `{"_id": "635019a078be67426d7cf4d2", "name": "Alice", "userName": "alice123"}`, recs[0].Value)
	require.Equal(t, `{"_id": "635019a078be67426d7cf4d2", "name": "Alice", "userName": "alice999"}`, recs[1].Value)

	tk = testTask(t, map[string]string{PublishFullDocumentOnlyConfig: "true", TombstoneOnDeleteConfig: "true"})
	recs = records(t, tk, "delete")
	require.Len(t, recs, 1)
	require.Nil(t, recs[0].Value)
	require.Nil(t, recs[0].ValueSchema)
	require.Equal(t, `{"_id": {"$oid": "635019a078be67426d7cf4d2"}}`, recs[0].Key)
}

// TestDocumentedEventsSchema converts documented events with the default
// output.schema.value: nested documents as JSON strings, ns, to and
// updateDescription as structs, wallTime as epoch milliseconds.
func TestDocumentedEventsSchema(t *testing.T) {
	tk := testTask(t, map[string]string{OutputFormatValueConfig: "schema", OutputFormatKeyConfig: "schema"})
	recs := records(t, tk, "update", "rename", "insert")
	up := recs[0].Value.(*connect.Struct)
	require.Equal(t, "ChangeStream", up.Schema().Name)
	require.Equal(t, `{"_data": "82635019B0000000022B"}`, up.Get("_id"))
	require.Equal(t, "update", up.Get("operationType"))
	require.Equal(t, `{"_id": {"$oid": "635019a078be67426d7cf4d2"}}`, up.Get("documentKey"))
	require.Equal(t, `{"$timestamp": {"t": 1666193840, "i": 2}}`, up.Get("clusterTime"))
	require.Equal(t, int64(1666193840000), up.Get("wallTime"))
	require.Nil(t, up.Get("fullDocument"))
	ns := up.Get("ns").(*connect.Struct)
	require.Equal(t, "engineering", ns.Get("db"))
	require.Equal(t, "users", ns.Get("coll"))
	ud := up.Get("updateDescription").(*connect.Struct)
	require.Equal(t, `{"email": "alice@10gen.com"}`, ud.Get("updatedFields"))
	require.Equal(t, []any{"phoneNumber"}, ud.Get("removedFields"))
	ta := ud.Get("truncatedArrays").([]any)[0].(*connect.Struct)
	require.Equal(t, "vacation_time", ta.Get("field"))
	require.Equal(t, int32(36), ta.Get("newSize"))
	require.NoError(t, up.Validate())

	to := recs[1].Value.(*connect.Struct).Get("to").(*connect.Struct)
	require.Equal(t, "people", to.Get("coll"))

	// The schema key is built from the whole event, so it is the resume
	// token.
	key := recs[2].Key.(*connect.Struct)
	require.Equal(t, "keySchema", key.Schema().Name)
	require.Equal(t, `{"_data": "82635019A0000000012B042C0100296E5A1004AB1154ACACD849A48C61756D70D3B21F463C6F7065726174696F6E54797065003C696E736572740046646F63756D656E744B65790046645F69640064635019A078BE67426D7CF4D2000004"}`, key.Get("_id"))
	require.Equal(t, `{"_id": {"$oid": "635019a078be67426d7cf4d2"}, "name": "Alice", "userName": "alice123"}`,
		recs[2].Value.(*connect.Struct).Get("fullDocument"))
}

// TestInferSchema infers a full document's schema as the official
// connector does: _id first, the other fields sorted, nested documents
// named by path, every field optional.
func TestInferSchema(t *testing.T) {
	tk := testTask(t, map[string]string{OutputFormatValueConfig: "schema", OutputSchemaInferValueConfig: "true", PublishFullDocumentOnlyConfig: "true"})
	var ev bson.D
	require.NoError(t, bson.UnmarshalExtJSON([]byte(`{"_id": {"_data": "01"}, "operationType": "insert", "ns": {"db": "d", "coll": "c"},
		"fullDocument": {"_id": 1, "z": "s", "a": {"y": 1.5, "b": {"$date": "2024-01-01T00:00:00Z"}}, "arr": [1, null, 2], "mixed": [1, "x"]}}`), false, &ev))
	r, ok, err := tk.record(item{event: ev}, false)
	require.NoError(t, err)
	require.True(t, ok)
	s := r.ValueSchema
	require.Equal(t, "default", s.Name)
	require.False(t, s.Optional)
	var names []string
	for _, f := range s.Fields {
		names = append(names, f.Name)
		require.True(t, f.Schema.Optional, f.Name)
	}
	require.Equal(t, []string{"_id", "a", "arr", "mixed", "z"}, names)
	a, _ := s.Field("a")
	require.Equal(t, "a", a.Schema.Name)
	b, _ := a.Schema.Field("b")
	require.Equal(t, connect.TimestampName, b.Schema.Name)
	arr, _ := s.Field("arr")
	require.Equal(t, connect.Int32Type, arr.Schema.Elem.Type)
	mixed, _ := s.Field("mixed")
	require.Equal(t, connect.StringType, mixed.Schema.Elem.Type)
	v := r.Value.(*connect.Struct)
	require.NoError(t, v.Validate())
	require.Equal(t, []any{"1", "x"}, v.Get("mixed"))
	require.Equal(t, []any{int32(1), nil, int32(2)}, v.Get("arr"))
}

// TestTopicMapping follows the official DefaultTopicMapper: exact
// namespace, then database, then regex, then wildcard, with prefix and
// suffix.
func TestTopicMapping(t *testing.T) {
	m, err := newTopicMapper("-", "pre", "suf", `{"db1.c1": "one", "db2": "two", "/db3\\..*": "re{sep}{db}{sep_coll}", "*": "all"}`)
	require.NoError(t, err)
	ns := func(db, coll string) bson.D {
		n := bson.D{{Key: "db", Value: db}}
		if coll != "" {
			n = append(n, bson.E{Key: "coll", Value: coll})
		}
		return bson.D{{Key: "ns", Value: n}}
	}
	require.Equal(t, "pre-one-suf", m.topic(ns("db1", "c1")))
	require.Equal(t, "pre-all-suf", m.topic(ns("db1", "c2")))
	require.Equal(t, "pre-two-c-suf", m.topic(ns("db2", "c")))
	require.Equal(t, "pre-two-suf", m.topic(ns("db2", "")))
	require.Equal(t, "pre-re-db3-x-suf", m.topic(ns("db3", "x")))
	require.Equal(t, "", m.topic(bson.D{}))

	m, err = newTopicMapper(".", "", "", "")
	require.NoError(t, err)
	require.Equal(t, "d.c", m.topic(ns("d", "c")))

	for _, bad := range []string{`{"a": 1}`, `{"a/b": "x"}`, `{"/a": "{nope}"}`, `{"/a": "{db"}`, `not json`} {
		_, err := newTopicMapper(".", "", "", bad)
		require.ErrorContains(t, err, TopicNamespaceMapConfig, bad)
	}
}

// TestBadConfig: a pipeline that is not JSON, an unknown output format or
// formatter fail with errors naming the key; the URI's password never
// shows.
func TestBadConfig(t *testing.T) {
	base := map[string]string{"connection.uri": "mongodb://user:s3cretpw@h1/", "database": "d"}
	for key, val := range map[string]string{
		PipelineConfig:             `{"$match": {}}`,
		OutputFormatValueConfig:    "avro",
		OutputFormatKeyConfig:      "xml",
		OutputJSONFormatterConfig:  "com.example.MyJson",
		StartupModeConfig:          "earliest",
		StartAtOperationTimeConfig: "yesterday",
		OutputSchemaValueConfig:    `{"type": "record"}`,
		CollationConfig:            "[",
		FullDocumentConfig:         "everything",
	} {
		cfg := map[string]string{key: val}
		for k, v := range base {
			cfg[k] = v
		}
		if key == StartAtOperationTimeConfig {
			cfg[StartupModeConfig] = "timestamp"
		}
		_, err := parseSettings(cfg)
		require.ErrorContains(t, err, key, key)
		require.NotContains(t, err.Error(), "s3cretpw")
	}
	_, err := parseSettings(map[string]string{"connection.uri": "mongodb://user:s3cretpw@h1/?badopt=&&", "database": "d",
		ConnectionURIConfig + "x": ""})
	if err != nil {
		require.NotContains(t, err.Error(), "s3cretpw")
	}
	_, err = parseSettings(map[string]string{"connection.uri": "mongo://user:s3cretpw@h1/"})
	require.ErrorContains(t, err, ConnectionURIConfig)
	require.NotContains(t, err.Error(), "s3cretpw")
}

// TestStartupSettings: startup.mode wins over the deprecated copy.existing,
// and the startup.mode.copy.existing keys over the copy.existing ones.
func TestStartupSettings(t *testing.T) {
	s, err := parseSettings(map[string]string{"copy.existing": "true", "copy.existing.pipeline": `[{"$match": {"a": 1}}]`})
	require.NoError(t, err)
	require.Equal(t, startCopyExisting, s.startup)
	require.Len(t, s.copyPipeline, 1)
	s, err = parseSettings(map[string]string{"copy.existing": "true", "startup.mode": "latest"})
	require.NoError(t, err)
	require.Equal(t, startLatest, s.startup)
	s, err = parseSettings(map[string]string{"startup.mode": "copy_existing", "copy.existing.pipeline": `[{"$match": {"a": 1}}]`,
		"startup.mode.copy.existing.pipeline": `[]`, "copy.existing.queue.size": "7"})
	require.NoError(t, err)
	require.Empty(t, s.copyPipeline)
	require.Equal(t, 7, s.copyQueueSize)
	s, err = parseSettings(map[string]string{"startup.mode": "timestamp", StartAtOperationTimeConfig: `{"$timestamp": {"t": 5, "i": 6}}`})
	require.NoError(t, err)
	require.Equal(t, &bson.Timestamp{T: 5, I: 6}, s.startAtOperationTime)
	s, err = parseSettings(map[string]string{"startup.mode": "timestamp", StartAtOperationTimeConfig: "2024-01-01T00:00:00Z"})
	require.NoError(t, err)
	require.Equal(t, &bson.Timestamp{T: 1704067200}, s.startAtOperationTime)
	s, err = parseSettings(map[string]string{"offset.partition.name": "mine", "errors.tolerance": "all", "mongo.errors.tolerance": "none"})
	require.NoError(t, err)
	require.Equal(t, "mine", s.partitionName)
	require.False(t, s.tolerateErrors)
	s, err = parseSettings(map[string]string{"connection.uri": "mongodb+srv://u:p@cluster0.example.com/admin?retryWrites=true"})
	require.NoError(t, err)
	require.Equal(t, "mongodb+srv://cluster0.example.com/", s.partitionName)
	// The Java driver sorts the hosts.
	s, err = parseSettings(map[string]string{"connection.uri": "mongodb://u:p@db2.example.com:27018,db1.example.com/?replicaSet=rs",
		"database": "shop", "collection": "orders"})
	require.NoError(t, err)
	require.Equal(t, "mongodb://db1.example.com,db2.example.com:27018/shop.orders", s.partitionName)
}

// TestCopyEndOffset: the last record of the copy carries the resume token
// noted before copying, without the copy marker, so that a restart streams
// from there rather than copying again; the others carry the marker.
func TestCopyEndOffset(t *testing.T) {
	tk := testTask(t, nil)
	tk.copying, tk.copyFinished = true, true
	tok, err := bson.Marshal(bson.D{{Key: "_data", Value: "826AB"}})
	require.NoError(t, err)
	tk.cachedToken = tok
	ev := bson.D{{Key: "_id", Value: bson.D{{Key: "_id", Value: int32(7)}, {Key: "copyingData", Value: true}}},
		{Key: "operationType", Value: "insert"}, {Key: "documentKey", Value: bson.D{{Key: "_id", Value: int32(7)}}},
		{Key: "fullDocument", Value: bson.D{{Key: "_id", Value: int32(7)}}}, {Key: "ns", Value: bson.D{{Key: "db", Value: "d"}, {Key: "coll", Value: "c"}}}}
	r, ok, err := tk.record(item{event: ev, copied: true}, false)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, `{"_id":"{\"_id\": 7, \"copyingData\": true}","copy":"true"}`, r.SourceOffset.String())
	r, _, err = tk.record(item{event: ev, copied: true}, true)
	require.NoError(t, err)
	require.Equal(t, `{"_id":"{\"_data\": \"826AB\"}"}`, r.SourceOffset.String())
	require.Equal(t, "d.c", r.Topic)
}

// TestPartitionNamesJVM compares the default offset partition names with
// the official connector's (testdata/jvm_partitions.txt, made by
// testdata/PartitionGolden.java.txt), on which resuming a JVM
// deployment's offsets depends.
func TestPartitionNamesJVM(t *testing.T) {
	golden, err := os.ReadFile("testdata/jvm_partitions.txt")
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(golden)), "\n") {
		f := strings.Split(line, "\t")
		require.Len(t, f, 4, line)
		s, err := parseSettings(map[string]string{"connection.uri": f[0], "database": f[1], "collection": f[2]})
		require.NoError(t, err, line)
		require.Equal(t, f[3], s.partitionName, line)
	}
}

// TestSchemaOutputJVM converts MongoDB's documented change events
// (testdata/events.tsv) with the default key and value schemas and with
// the inferred schema, and compares what JsonConverter writes of them with
// what the official conversion gives (testdata/jvm_schema.tsv, made by
// testdata/SchemaGolden.java.txt): schema names, optionality, field
// order and values.
func TestSchemaOutputJVM(t *testing.T) {
	events, err := os.ReadFile("testdata/events.tsv")
	require.NoError(t, err)
	golden, err := os.ReadFile("testdata/jvm_schema.tsv")
	require.NoError(t, err)
	want := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(golden)), "\n") {
		f := strings.Split(line, "\t")
		require.Len(t, f, 4)
		want[f[0]] = f[1:]
	}
	tk := testTask(t, nil)
	conv := jsonconv.New()
	write := func(s *connect.Schema, v any) string {
		b, err := conv.FromConnect(nil, "t", connect.Headers{}, s, v)
		require.NoError(t, err)
		return string(b)
	}
	lines := strings.Split(strings.TrimSpace(string(events)), "\n")
	require.Len(t, lines, len(want))
	for _, line := range lines {
		name, text, _ := strings.Cut(line, "\t")
		var ev bson.D
		require.NoError(t, bson.UnmarshalExtJSON([]byte(text), false, &ev))
		ks, k, err := tk.produce(ev, "schema", tk.s.keySchema, false)
		require.NoError(t, err, name)
		vs, v, err := tk.produce(ev, "schema", tk.s.valueSchema, false)
		require.NoError(t, err, name)
		is, iv, err := tk.produce(ev, "schema", nil, true)
		require.NoError(t, err, name)
		require.Equal(t, want[name][0], write(ks, k), name+" key")
		require.Equal(t, want[name][1], write(vs, v), name+" value")
		require.Equal(t, want[name][2], write(is, iv), name+" inferred value")
	}
}
