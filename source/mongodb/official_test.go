package mongodb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/converter/jsonconv"
	"github.com/kconnect-go/kconnect/converter/stringconv"
	"github.com/kconnect-go/kconnect/internal/mongodb"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	sourcemongodb "github.com/kconnect-go/kconnect/source/mongodb"
)

// officialToolEnv makes TestOfficialSourceGoldens the helper of
// testdata/official/compare.sh (see officialSourceTool).
const officialToolEnv = "KCONNECT_MONGO_SOURCE_OFFICIAL_TOOL"

const (
	stringConverter = "org.apache.kafka.connect.storage.StringConverter"
	jsonConverter   = "org.apache.kafka.connect.json.JsonConverter"
)

// sourceCase is one connector of the side-by-side run: a collection of its
// own, seeded with seedDocs, copied (startup.mode=copy_existing), then
// changed by applyChanges while streaming.
type sourceCase struct {
	Name string
	// Config is the connector's settings beyond those every case has,
	// including key.converter and value.converter.
	Config []string
	// Want is how many records the seed and the changes should give: how
	// long compare.sh waits for the official connector's (the goldens
	// hold however many it wrote).
	Want int
}

var sourceCases = []sourceCase{
	{Name: "json", Want: 6, Config: []string{"key.converter", stringConverter, "value.converter", stringConverter}},
	{Name: "extended_json", Want: 6, Config: []string{"key.converter", stringConverter, "value.converter", stringConverter,
		"output.json.formatter", "com.mongodb.kafka.connect.source.json.formatter.ExtendedJson"}},
	// output.schema.value is 1.13.0's default: kconnect's is a later
	// release's, with more fields (doc.go).
	{Name: "schema", Want: 6, Config: []string{"key.converter", jsonConverter, "value.converter", jsonConverter,
		"output.format.key", "schema", "output.format.value", "schema", "output.schema.value", changeStreamSchema1_13}},
	{Name: "full_document_json", Want: 5, Config: []string{"key.converter", stringConverter, "value.converter", stringConverter,
		"publish.full.document.only", "true"}},
	{Name: "full_document_tombstone", Want: 6, Config: []string{"key.converter", stringConverter, "value.converter", stringConverter,
		"publish.full.document.only", "true", "publish.full.document.only.tombstone.on.delete", "true"}},
	{Name: "full_document_schema_infer", Want: 5, Config: []string{"key.converter", stringConverter, "value.converter", jsonConverter,
		"publish.full.document.only", "true", "output.format.value", "schema", "output.schema.infer.value", "true"}},
}

// changeStreamSchema1_13 is mongo-kafka-connect 1.13.0's default
// output.schema.value (AvroSchemaDefaults.DEFAULT_AVRO_VALUE_SCHEMA).
const changeStreamSchema1_13 = `{"name": "ChangeStream", "type": "record", "fields": [
  {"name": "_id", "type": "string"},
  {"name": "operationType", "type": ["string", "null"]},
  {"name": "fullDocumentBeforeChange", "type": ["string", "null"]},
  {"name": "fullDocument", "type": ["string", "null"]},
  {"name": "ns", "type": [{"name": "ns", "type": "record", "fields": [
    {"name": "db", "type": "string"}, {"name": "coll", "type": ["string", "null"]}]}, "null"]},
  {"name": "to", "type": [{"name": "to", "type": "record", "fields": [
    {"name": "db", "type": "string"}, {"name": "coll", "type": ["string", "null"]}]}, "null"]},
  {"name": "documentKey", "type": ["string", "null"]},
  {"name": "updateDescription", "type": [{"name": "updateDescription", "type": "record", "fields": [
    {"name": "updatedFields", "type": ["string", "null"]},
    {"name": "removedFields", "type": [{"type": "array", "items": "string"}, "null"]}]}, "null"]},
  {"name": "clusterTime", "type": ["string", "null"]},
  {"name": "txnNumber", "type": ["long", "null"]},
  {"name": "lsid", "type": [{"name": "lsid", "type": "record", "fields": [
    {"name": "id", "type": "string"}, {"name": "uid", "type": "string"}]}, "null"]}]}`

// config is the case's connector configuration on db's collection named
// after the case, its topic prefix.<db>.<case>.
func (c sourceCase) config(uri, db, prefix string) map[string]string {
	cfg := map[string]string{
		"connection.uri": uri, "database": db, "collection": c.Name,
		"pipeline": nsPipeline(db, c.Name), "startup.mode": "copy_existing",
		"topic.prefix": prefix, "poll.await.time.ms": "200",
	}
	for i := 0; i < len(c.Config); i += 2 {
		cfg[c.Config[i]] = c.Config[i+1]
	}
	return cfg
}

func (c sourceCase) topic(db, prefix string) string { return prefix + "." + db + "." + c.Name }

// seedDocs are the documents each case's collection holds before its
// connector starts.
func seedDocs() []any {
	at := time.Date(2024, 1, 2, 3, 4, 5, 6e6, time.UTC)
	return []any{
		bson.D{{Key: "_id", Value: 1}, {Key: "name", Value: "ann"}, {Key: "n", Value: int64(7)},
			{Key: "score", Value: 1.5}, {Key: "tags", Value: bson.A{"a", "b"}}, {Key: "at", Value: bson.NewDateTimeFromTime(at)}},
		bson.D{{Key: "_id", Value: 2}, {Key: "name", Value: "bob"},
			{Key: "nested", Value: bson.D{{Key: "x", Value: int32(1)}, {Key: "ok", Value: true}}}, {Key: "none", Value: nil}},
	}
}

// applyChanges inserts, updates, replaces and deletes, in that order.
func applyChanges(ctx context.Context, coll *mongo.Collection) error {
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 3}, {Key: "name", Value: "cy"}}); err != nil {
		return err
	}
	if _, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: 1}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "name", Value: "ann2"}}}, {Key: "$unset", Value: bson.D{{Key: "score", Value: ""}}}}); err != nil {
		return err
	}
	if _, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: 2}}, bson.D{{Key: "_id", Value: 2}, {Key: "name", Value: "bo"}}); err != nil {
		return err
	}
	_, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: 3}})
	return err
}

// goldenRecord is one record as the goldens hold it: the Kafka record's
// topic, key and value (as the case's converters write them, text), its
// headers, and the source partition and offset (JSON objects, keys sorted).
type goldenRecord struct {
	Topic     string         `json:"topic"`
	Key       *string        `json:"key"`
	Value     *string        `json:"value"`
	Headers   []goldenHeader `json:"headers"`
	Partition string         `json:"partition"`
	Offset    string         `json:"offset"`
}

type goldenHeader struct {
	Key   string  `json:"key"`
	Value *string `json:"value"`
}

var (
	tokenRE     = regexp.MustCompile(`(_data\\*"\s*:\s*\\*")([^"\\]+)`)
	timestampRE = regexp.MustCompile(`(\$timestamp\\*"\s*:\s*\{\s*\\*"t\\*"\s*:\s*)(\d+)(\s*,\s*\\*"i\\*"\s*:\s*)(\d+)`)
	hostRE      = regexp.MustCompile(`mongodb://[^/"\\]*/`)
)

// normalize makes one case's records comparable across runs: the database
// and topic prefix become DB and PREFIX, the server's address HOST, and
// resume tokens and cluster times, which differ on every run, are numbered
// in the order they first appear (the same token keeps its number, so a
// record's offset still points at its own or an earlier event's token).
func normalize(recs []goldenRecord, db, prefix string) []string {
	tokens, times := map[string]string{}, map[string]string{}
	fix := func(s string) string {
		s = strings.ReplaceAll(s, db, "DB")
		s = strings.ReplaceAll(s, prefix, "PREFIX")
		s = hostRE.ReplaceAllString(s, "mongodb://HOST/")
		s = tokenRE.ReplaceAllStringFunc(s, func(m string) string {
			sub := tokenRE.FindStringSubmatch(m)
			n, ok := tokens[sub[2]]
			if !ok {
				n = "TOKEN" + strconv.Itoa(len(tokens)+1)
				tokens[sub[2]] = n
			}
			return sub[1] + n
		})
		return timestampRE.ReplaceAllStringFunc(s, func(m string) string {
			sub := timestampRE.FindStringSubmatch(m)
			k := sub[2] + "/" + sub[4]
			n, ok := times[k]
			if !ok {
				n = strconv.Itoa(len(times) + 1)
				times[k] = n
			}
			return sub[1] + n + sub[3] + "0"
		})
	}
	fixp := func(s *string) *string {
		if s == nil {
			return nil
		}
		v := fix(*s)
		return &v
	}
	var lines []string
	for _, r := range recs {
		r.Topic = fix(r.Topic)
		r.Key, r.Value = fixp(r.Key), fixp(r.Value)
		for i := range r.Headers {
			r.Headers[i].Value = fixp(r.Headers[i].Value)
		}
		r.Partition, r.Offset = fix(r.Partition), fix(r.Offset)
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			panic(err) // strings and slices of them always encode
		}
		lines = append(lines, strings.TrimSuffix(b.String(), "\n"))
	}
	return lines
}

// canonicalJSON re-encodes a JSON object with its keys sorted.
func canonicalJSON(t testing.TB, s string) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m), "%s", s)
	return mapJSON(t, m)
}

func mapJSON(t testing.TB, m map[string]any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(m))
	return strings.TrimSuffix(b.String(), "\n")
}

func goldenPath(name string) string { return filepath.Join("testdata", "official", name+".jsonl") }

// TestOfficialSourceGoldens runs kconnect's source on the inputs
// testdata/official/compare.sh gave the official MongoSourceConnector
// (mongo-kafka-connect 1.13.0 in JVM Kafka Connect 4.4, against
// mongo-java-server) and checks its records, converted by the same
// converters, against the official connector's (testdata/official/<case>.jsonl):
// topic, key, value, headers, source partition and offset, with run-specific
// names, tokens and times normalized. Of the documented differences
// (doc.go), two touch these inputs: the default value schema (the schema
// case names 1.13.0's, and schema_default_value checks that kconnect's
// default adds only the later release's fields), and the stream after a
// copy starting a second early on this server (the seed precedes the
// tasks by more than that, as it precedes the JVM connectors).
func TestOfficialSourceGoldens(t *testing.T) {
	if args := os.Getenv(officialToolEnv); args != "" {
		officialSourceTool(t, strings.Fields(args))
		return
	}
	uri, client, db := server(t)
	// The default-schema run's database, with its own "schema" collection.
	_, _, dbDefault := server(t)
	ctx := context.Background()
	prefix := "kcsrc"
	for _, c := range sourceCases {
		_, err := client.Database(db).Collection(c.Name).InsertMany(ctx, seedDocs())
		require.NoError(t, err)
	}
	_, err := client.Database(dbDefault).Collection("schema").InsertMany(ctx, seedDocs())
	require.NoError(t, err)
	// Not synchronisation: the inputs' timing. mongo-java-server reports no
	// operation time, so a copy streams from a second before the local
	// clock's (whole) second, and documents inserted within that would be
	// streamed again after being copied (doc.go); compare.sh's seed
	// precedes its connectors by the JVM worker's start-up, many seconds.
	time.Sleep(2500 * time.Millisecond)
	for _, c := range sourceCases {
		t.Run(c.Name, func(t *testing.T) {
			want := readGolden(t, c.Name)
			got := runSourceCase(t, client, c.config(uri, db, prefix), len(want))
			require.Equal(t, want, normalize(got, db, prefix), "kconnect's records differ from the official connector's")
		})
	}

	// kconnect's default output.schema.value is a later release's (doc.go):
	// its records are 1.13.0's but for that release's added fields.
	t.Run("schema_default_value", func(t *testing.T) {
		want := readGolden(t, "schema")
		var c sourceCase
		for _, sc := range sourceCases {
			if sc.Name == "schema" {
				c = sc
			}
		}
		cfg := c.config(uri, dbDefault, prefix)
		delete(cfg, "output.schema.value")
		got := normalize(runSourceCase(t, client, cfg, len(want)), dbDefault, prefix)
		require.Len(t, got, len(want))
		for i := range want {
			var w, g goldenRecord
			require.NoError(t, json.Unmarshal([]byte(want[i]), &w))
			require.NoError(t, json.Unmarshal([]byte(got[i]), &g))
			require.NotNil(t, g.Value)
			require.Contains(t, *g.Value, `"field":"wallTime"`, "record %d: the later schema", i)
			require.Equal(t, jsonValue(t, *w.Value), withoutLaterFields(t, *g.Value), "record %d: the value", i)
			w.Value, g.Value = nil, nil
			require.Equal(t, w, g, "record %d", i)
		}
	})
}

func readGolden(t *testing.T, name string) []string {
	t.Helper()
	golden, err := os.ReadFile(goldenPath(name))
	require.NoError(t, err)
	return strings.Split(strings.TrimSuffix(string(golden), "\n"), "\n")
}

// runSourceCase runs a task with cfg on its seeded collection until the
// copy's records have come, applies the changes, and returns the n records
// expected and any that follow within two seconds, converted by cfg's
// converters.
func runSourceCase(t *testing.T, client *mongo.Client, cfg map[string]string, n int) []goldenRecord {
	t.Helper()
	ctx := context.Background()
	task := startTask(t, cfg, connecttest.NewOffsets())
	recs := pollN(t, task, len(seedDocs()), 30*time.Second)
	require.NoError(t, applyChanges(ctx, client.Database(cfg["database"]).Collection(cfg["collection"])))
	recs = append(recs, pollN(t, task, n-len(recs), 30*time.Second)...)
	// Anything more would be a record the official connector does not
	// write.
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	for pctx.Err() == nil {
		more, err := task.Poll(pctx)
		if errors.Is(err, context.DeadlineExceeded) {
			break // a read cut by (or too close to) the deadline
		}
		require.NoError(t, err)
		recs = append(recs, more...)
	}
	keyConv, valueConv := converterFor(t, cfg["key.converter"]), converterFor(t, cfg["value.converter"])
	var got []goldenRecord
	for _, r := range recs {
		got = append(got, kconnectRecord(t, r, keyConv, valueConv))
	}
	return got
}

func jsonValue(t *testing.T, s string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v), "%s", s)
	return v
}

// withoutLaterFields decodes a JsonConverter envelope of the ChangeStream
// schema without the fields releases after 1.13.0 added: wallTime, and
// updateDescription's truncatedArrays and disambiguatedPaths.
func withoutLaterFields(t *testing.T, s string) any {
	t.Helper()
	v, ok := jsonValue(t, s).(map[string]any)
	require.True(t, ok, "%s", s)
	drop := func(fields []any, names ...string) []any {
		var out []any
		for _, f := range fields {
			if m, ok := f.(map[string]any); ok && slices.Contains(names, fmt.Sprint(m["field"])) {
				continue
			}
			out = append(out, f)
		}
		return out
	}
	schema := v["schema"].(map[string]any)
	fields := drop(schema["fields"].([]any), "wallTime")
	for _, f := range fields {
		if m := f.(map[string]any); m["field"] == "updateDescription" {
			m["fields"] = drop(m["fields"].([]any), "truncatedArrays", "disambiguatedPaths")
		}
	}
	schema["fields"] = fields
	payload := v["payload"].(map[string]any)
	delete(payload, "wallTime")
	if ud, ok := payload["updateDescription"].(map[string]any); ok {
		delete(ud, "truncatedArrays")
		delete(ud, "disambiguatedPaths")
	}
	return v
}

func converterFor(t testing.TB, class string) converter.Converter {
	t.Helper()
	switch class {
	case stringConverter:
		return stringconv.New()
	case jsonConverter:
		return jsonconv.New()
	}
	t.Fatalf("no converter for %q", class)
	return nil
}

// kconnectRecord converts r as the worker would write it.
func kconnectRecord(t testing.TB, r connect.Record, keyConv, valueConv converter.Converter) goldenRecord {
	t.Helper()
	text := func(b []byte, err error) *string {
		require.NoError(t, err)
		if b == nil {
			return nil
		}
		s := string(b)
		return &s
	}
	g := goldenRecord{Topic: r.Topic, Headers: []goldenHeader{},
		Key:   text(keyConv.FromConnect(nil, r.Topic, r.Headers, r.KeySchema, r.Key)),
		Value: text(valueConv.FromConnect(nil, r.Topic, r.Headers, r.ValueSchema, r.Value)),
	}
	for h := range r.Headers.All() {
		v := fmt.Sprint(h.Value)
		g.Headers = append(g.Headers, goldenHeader{Key: h.Key, Value: &v})
	}
	g.Partition = mapJSON(t, r.SourcePartition.Map())
	off := map[string]any{}
	for k, v := range r.SourceOffset.All() {
		off[k] = v
	}
	g.Offset = mapJSON(t, off)
	return g
}

// officialSourceTool serves compare.sh, which runs the official connector
// in a JVM worker on the same inputs:
//
//	seed URI DB                     writes seedDocs into each case's collection
//	topics BROKERS DB PREFIX        creates each case's topic
//	config URI DB PREFIX DIR SIDE   writes each case's connector as
//	                                DIR/<name>.json (SIDE official: with
//	                                the OffsetHeaders transform)
//	wait BROKERS DB PREFIX          waits until each topic holds the seed's
//	                                records
//	change URI DB                   applies applyChanges to each collection
//	dump BROKERS DB PREFIX DIR SIDE waits for each case's records and writes
//	                                them, normalized, as DIR/<name>.jsonl
//	                                (SIDE kconnect: without partition and
//	                                offset, which only the transform gives)
//	delete BROKERS DB PREFIX        deletes the topics
func officialSourceTool(t *testing.T, args []string) {
	require.NotEmpty(t, args)
	ctx := context.Background()
	connectTo := func(uri string) *mongo.Client {
		client, err := mongodb.Connect(ctx, uri, "compare", "0")
		require.NoError(t, err)
		t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
		return client
	}
	switch args[0] {
	case "seed", "change":
		require.Len(t, args, 3)
		db := connectTo(args[1]).Database(args[2])
		for _, c := range sourceCases {
			if args[0] == "seed" {
				_, err := db.Collection(c.Name).InsertMany(ctx, seedDocs())
				require.NoError(t, err, "seeding %s", c.Name)
			} else {
				require.NoError(t, applyChanges(ctx, db.Collection(c.Name)), "changing %s", c.Name)
			}
		}
	case "topics", "delete":
		require.Len(t, args, 4)
		adm := kadm.NewClient(testkafka.Client(t, strings.Split(args[1], ",")))
		for _, c := range sourceCases {
			// Not testkafka.CreateTopic: the topics outlive this process.
			if args[0] == "delete" {
				_, _ = adm.DeleteTopic(ctx, c.topic(args[2], args[3]))
				continue
			}
			_, err := adm.CreateTopic(ctx, 1, 1, nil, c.topic(args[2], args[3]))
			require.NoError(t, err, "creating the topic of %s", c.Name)
		}
	case "config":
		require.Len(t, args, 6)
		for _, c := range sourceCases {
			cfg := c.config(args[1], args[2], args[3])
			cfg["connector.class"] = sourcemongodb.Class
			cfg["tasks.max"] = "1"
			if args[5] == "official" {
				cfg["transforms"] = "golden"
				cfg["transforms.golden.type"] = "kconnect.golden.OffsetHeaders"
			}
			b, err := json.MarshalIndent(cfg, "", " ")
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(args[4], c.Name+".json"), b, 0o644))
		}
	case "wait", "dump":
		if args[0] == "wait" {
			require.Len(t, args, 4)
		} else {
			require.Len(t, args, 6)
		}
		brokers := strings.Split(args[1], ",")
		for _, c := range sourceCases {
			if args[0] == "wait" {
				readTopic(t, brokers, c.topic(args[2], args[3]), len(seedDocs()), len(seedDocs()), 2*time.Minute)
				continue
			}
			recs := readTopic(t, brokers, c.topic(args[2], args[3]), c.Want, len(seedDocs()), time.Minute)
			var got []goldenRecord
			for _, r := range recs {
				got = append(got, officialRecord(t, r, args[5] == "official"))
			}
			lines := normalize(got, args[2], args[3])
			require.NoError(t, os.WriteFile(filepath.Join(args[4], c.Name+".jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
		}
	default:
		t.Fatalf("%s: unknown command %q", officialToolEnv, args[0])
	}
}

// readTopic reads topic from its start until it holds at least n records,
// then for two more seconds, so that a record beyond n is seen too. Short
// of n after wait, it returns what there is if that is at least least (the
// official connector's records are the goldens, however many they are),
// else fails.
func readTopic(t *testing.T, brokers []string, topic string, n, least int, wait time.Duration) []*kgo.Record {
	t.Helper()
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	deadline := time.Now().Add(wait)
	var recs []*kgo.Record
	var extra time.Time
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { recs = append(recs, r) })
		cancel()
		if len(recs) >= n && extra.IsZero() {
			extra = time.Now().Add(2 * time.Second)
		}
		if !extra.IsZero() && time.Now().After(extra) {
			return recs
		}
		if time.Now().After(deadline) {
			require.GreaterOrEqual(t, len(recs), least, "%s: records within %v", topic, wait)
			t.Logf("%s: %d records of the %d expected within %v", topic, len(recs), n, wait)
			return recs
		}
	}
}

// officialRecord is r as a worker wrote it, with OffsetHeaders' headers
// taken out as the source partition and offset (which must be there if
// withOffsets).
func officialRecord(t *testing.T, r *kgo.Record, withOffsets bool) goldenRecord {
	t.Helper()
	text := func(b []byte) *string {
		if b == nil {
			return nil
		}
		s := string(b)
		return &s
	}
	g := goldenRecord{Topic: r.Topic, Key: text(r.Key), Value: text(r.Value), Headers: []goldenHeader{}}
	for _, h := range r.Headers {
		switch h.Key {
		case "golden.partition":
			g.Partition = canonicalJSON(t, string(h.Value))
		case "golden.offset":
			g.Offset = canonicalJSON(t, string(h.Value))
		default:
			g.Headers = append(g.Headers, goldenHeader{Key: h.Key, Value: text(h.Value)})
		}
	}
	if withOffsets {
		require.NotEmpty(t, g.Partition, "%s: a record without OffsetHeaders' headers", r.Topic)
	}
	return g
}
