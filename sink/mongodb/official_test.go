package mongodb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
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
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kconnect-go/kconnect/internal/mongodb"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sinkmongodb "github.com/kconnect-go/kconnect/sink/mongodb"
)

// officialCase is one connector of testdata/official/cases.json: the
// records of its topic, as JsonConverter bytes, and its settings beyond
// the common ones. The official connector's documents for it are
// testdata/official/<name>.jsonl (compare.sh records them).
type officialCase struct {
	Name    string            `json:"name"`
	Schemas bool              `json:"schemas"`
	Config  map[string]string `json:"config"`
	// Sort is the field the documents are read back in order of, when
	// their _id is not stable from run to run.
	Sort    string `json:"sort"`
	Records []struct {
		Key   json.RawMessage `json:"key"`
		Value json.RawMessage `json:"value"`
	} `json:"records"`
}

const officialDir = "testdata/official"

func officialCases(t testing.TB) []officialCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(officialDir, "cases.json"))
	require.NoError(t, err)
	var cases []officialCase
	require.NoError(t, json.Unmarshal(b, &cases))
	return cases
}

// config is the case's connector configuration, the same for the official
// connector and kconnect's.
func (c officialCase) config(uri, db, topic string) map[string]string {
	schemas := fmt.Sprint(c.Schemas)
	m := map[string]string{
		"connector.class": "com.mongodb.kafka.connect.MongoSinkConnector", "tasks.max": "1",
		"topics": topic, "connection.uri": uri, "database": db, "collection": c.Name,
		"key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": schemas,
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": schemas,
	}
	for k, v := range c.Config {
		m[k] = v
	}
	return m
}

// produceCases writes every case's records to topic prefix+name, made by
// create.
func produceCases(t testing.TB, brokers []string, prefix string, cases []officialCase, create func(topic string)) {
	t.Helper()
	cl := testkafka.Client(t, brokers)
	for _, c := range cases {
		topic := prefix + c.Name
		create(topic)
		var recs []*kgo.Record
		for _, r := range c.Records {
			rec := &kgo.Record{Topic: topic}
			if s := bytes.TrimSpace(r.Key); len(s) > 0 && string(s) != "null" {
				rec.Key = s
			}
			if s := bytes.TrimSpace(r.Value); len(s) > 0 && string(s) != "null" {
				rec.Value = s
			}
			recs = append(recs, rec)
		}
		require.NoError(t, cl.ProduceSync(context.Background(), recs...).FirstErr(), "producing to %s", topic)
	}
}

// dumpCase returns the case's collection as canonical Extended JSON, one
// document a line, with what differs from run to run by nature replaced:
// generated ObjectIds and UUIDs, the timestamps of
// UpdateOneTimestampsStrategy, and the run's topic prefix (in
// KafkaMetaDataStrategy's ids) removed. Field order is kept: both connectors write
// to mongo-java-server, which keeps it.
func dumpCase(t testing.TB, client *mongo.Client, db, prefix string, c officialCase) []string {
	t.Helper()
	sort := bson.D{{Key: "_id", Value: 1}}
	if c.Sort != "" {
		sort = bson.D{{Key: c.Sort, Value: 1}}
	}
	ctx := context.Background()
	cur, err := client.Database(db).Collection(c.Name).Find(ctx, bson.D{}, options.Find().SetSort(sort))
	require.NoError(t, err)
	var docs []bson.D
	require.NoError(t, cur.All(ctx, &docs))
	out := []string{}
	for _, d := range docs {
		b, err := bson.MarshalExtJSON(normalise(d, "", prefix), true, false)
		require.NoError(t, err)
		out = append(out, string(b))
	}
	return out
}

func normalise(v any, key, prefix string) any {
	switch v := v.(type) {
	case bson.D:
		out := make(bson.D, len(v))
		for i, e := range v {
			out[i] = bson.E{Key: e.Key, Value: normalise(e.Value, e.Key, prefix)}
		}
		return out
	case bson.A:
		out := make(bson.A, len(v))
		for i, e := range v {
			out[i] = normalise(e, "", prefix)
		}
		return out
	case bson.ObjectID:
		return "<ObjectId>"
	case bson.Binary:
		if v.Subtype == 4 {
			return "<UUID binary>"
		}
	case string:
		if key == "_id" && len(v) == 36 && strings.Count(v, "-") == 4 {
			return "<UUID>"
		}
		return strings.ReplaceAll(v, prefix, "")
	case bson.DateTime:
		if key == "_insertedTS" || key == "_modifiedTS" {
			return "<now>"
		}
	}
	return v
}

func readGolden(t testing.TB, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(officialDir, name+".jsonl"))
	require.NoError(t, err)
	out := []string{}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// TestOfficialGoldens runs every case of testdata/official through
// kconnect's worker into mongo-java-server and compares the documents with
// those the official connector wrote for the same records
// (testdata/official/*.jsonl, recorded by compare.sh).
func TestOfficialGoldens(t *testing.T) {
	if os.Getenv("KCONNECT_MONGO_OFFICIAL_TOOL") != "" {
		officialTool(t, strings.Fields(os.Getenv("KCONNECT_MONGO_OFFICIAL_TOOL")))
		return
	}
	uri, client, db := server(t)
	cases := officialCases(t)
	brokers := testkafka.Brokers(t)
	prefix := testkafka.Topic(t, "official") + "."
	produceCases(t, brokers, prefix, cases, func(topic string) { testkafka.CreateTopic(t, brokers, topic, 1, nil) })

	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(sinkmongodb.Plugin()),
		worker.OffsetFlushInterval(50*time.Millisecond), worker.Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(func() { w.Close() })
	ctx := context.Background()
	for _, c := range cases {
		name := testkafka.Group(t, "official-"+c.Name)
		require.NoError(t, w.CreateConnector(ctx, name, c.config(uri, db, prefix+c.Name)), c.Name)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			want := readGolden(t, c.Name)
			// The last record of every case changes the collection, so
			// the documents match only once all are written.
			deadline := time.Now().Add(30 * time.Second)
			got := dumpCase(t, client, db, prefix, c)
			for !slices.Equal(got, want) && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond) // polling the collection: no event to await
				got = dumpCase(t, client, db, prefix, c)
			}
			require.Equal(t, want, got, "documents differ from the official connector's")
		})
	}
}

// officialTool serves compare.sh, which runs the official connector and
// kconnect's worker program side by side on the same records:
//
//	produce BROKERS PREFIX   writes every case's records to PREFIX<name>
//	delete BROKERS PREFIX    deletes those topics
//	dump URI DB DIR PREFIX   writes DB's collections as DIR/<name>.jsonl
//	config URI DB PREFIX DIR writes each case's connector as DIR/<name>.json
//
// and bench.sh, which measures both on many records:
//
//	bench-produce BROKERS TOPIC N  writes N bench10 records (JsonConverter
//	                               with schemas) to TOPIC
//	delete-topic BROKERS TOPIC     deletes TOPIC
//	bench-wait URI DB COLL N FILE  waits until COLL holds N documents and
//	                               writes to FILE the documents it saw
//	                               first and the seconds from then to N
//	                               (FILE.ready once it is watching)
//	drop URI DB COLL               drops COLL, whose documents the memory
//	                               backend would otherwise keep on its heap
func officialTool(t *testing.T, args []string) {
	require.NotEmpty(t, args)
	cases := officialCases(t)
	switch args[0] {
	case "produce", "delete":
		require.Len(t, args, 3)
		brokers := strings.Split(args[1], ",")
		// Not testkafka.CreateTopic: the topics outlive this process.
		adm := kadm.NewClient(testkafka.Client(t, brokers))
		ctx := context.Background()
		if args[0] == "delete" {
			for _, c := range cases {
				_, _ = adm.DeleteTopic(ctx, args[2]+c.Name)
			}
			return
		}
		produceCases(t, brokers, args[2], cases, func(topic string) {
			_, err := adm.CreateTopic(ctx, 1, 1, nil, topic)
			require.NoError(t, err, "creating %s", topic)
		})
	case "dump":
		require.Len(t, args, 5)
		client, err := mongodb.Connect(context.Background(), args[1], "compare", "0")
		require.NoError(t, err)
		defer client.Disconnect(context.Background())
		for _, c := range cases {
			lines := dumpCase(t, client, args[2], args[4], c)
			require.NoError(t, os.WriteFile(filepath.Join(args[3], c.Name+".jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
		}
	case "config":
		require.Len(t, args, 5)
		for _, c := range cases {
			b, err := json.MarshalIndent(c.config(args[1], args[2], args[3]+c.Name), "", " ")
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(args[4], c.Name+".json"), b, 0o644))
		}
	case "delete-topic":
		require.Len(t, args, 3)
		_, _ = kadm.NewClient(testkafka.Client(t, strings.Split(args[1], ","))).DeleteTopic(context.Background(), args[2])
	case "bench-produce":
		require.Len(t, args, 4)
		n, err := strconv.Atoi(args[3])
		require.NoError(t, err)
		benchProduce(t, strings.Split(args[1], ","), args[2], n)
	case "bench-wait":
		require.Len(t, args, 6)
		n, err := strconv.ParseInt(args[4], 10, 64)
		require.NoError(t, err)
		client, err := mongodb.Connect(context.Background(), args[1], "compare", "0")
		require.NoError(t, err)
		defer client.Disconnect(context.Background())
		coll := client.Database(args[2]).Collection(args[3])
		_, err = coll.EstimatedDocumentCount(context.Background())
		require.NoError(t, err)
		// Ready: bench.sh creates the connector only now, so the first
		// document is never missed.
		require.NoError(t, os.WriteFile(args[5]+".ready", nil, 0o644))
		var first int64
		var start time.Time
		for {
			c, err := coll.EstimatedDocumentCount(context.Background())
			require.NoError(t, err)
			if c > 0 && start.IsZero() {
				first, start = c, time.Now()
			}
			if c >= n {
				break
			}
			time.Sleep(20 * time.Millisecond) // polling the collection: no event to await
		}
		out := fmt.Sprintf("%d %.3f\n", first, time.Since(start).Seconds())
		require.NoError(t, os.WriteFile(args[5], []byte(out), 0o644))
	case "drop":
		require.Len(t, args, 4)
		client, err := mongodb.Connect(context.Background(), args[1], "compare", "0")
		require.NoError(t, err)
		defer client.Disconnect(context.Background())
		require.NoError(t, client.Database(args[2]).Collection(args[3]).Drop(context.Background()), "dropping %s.%s", args[2], args[3])
	default:
		t.Fatalf("KCONNECT_MONGO_OFFICIAL_TOOL: unknown command %q", args[0])
	}
}

// benchProduce writes n records of bench10's 10 fields as JsonConverter
// writes them with schemas.enable=true.
func benchProduce(t *testing.T, brokers []string, topic string, n int) {
	const schema = `{"type":"struct","optional":false,"fields":[{"field":"id","type":"int64","optional":false},` +
		`{"field":"name","type":"string","optional":false},{"field":"email","type":"string","optional":true},` +
		`{"field":"score","type":"double","optional":false},{"field":"age","type":"int32","optional":false},` +
		`{"field":"active","type":"boolean","optional":false},` +
		`{"field":"created","type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},` +
		`{"field":"tags","type":"array","optional":false,"items":{"type":"string","optional":false}},` +
		`{"field":"note","type":"string","optional":true},{"field":"ratio","type":"float","optional":false}]}`
	adm := kadm.NewClient(testkafka.Client(t, brokers))
	_, err := adm.CreateTopic(context.Background(), 1, 1, nil, topic)
	require.NoError(t, err, "creating %s", topic)
	cl := testkafka.Client(t, brokers, kgo.ProducerBatchMaxBytes(1<<20))
	rows := benchRows(n)
	errs := make(chan error, 1)
	for _, r := range rows {
		v := fmt.Appendf(nil, `{"schema":%s,"payload":{"id":%d,"name":%q,"email":%q,"score":%v,"age":%d,"active":%v,"created":%d,"tags":[%q,%q],"note":null,"ratio":%v}}`,
			schema, r.id, r.name, r.email, r.score, r.age, r.ok, r.at.UnixMilli(), r.tags[0], r.tags[1], r.f)
		cl.Produce(context.Background(), &kgo.Record{Topic: topic, Value: v}, func(_ *kgo.Record, err error) {
			if err != nil {
				select {
				case errs <- err:
				default:
				}
			}
		})
	}
	require.NoError(t, cl.Flush(context.Background()))
	select {
	case err := <-errs:
		t.Fatalf("producing to %s: %v", topic, err)
	default:
	}
}
