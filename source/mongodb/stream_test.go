package mongodb_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/mongodb"
	"github.com/kconnect-go/kconnect/internal/testenv"
	"github.com/kconnect-go/kconnect/source"
	sourcemongodb "github.com/kconnect-go/kconnect/source/mongodb"
)

const uriEnv = "KCONNECT_MONGODB_URI"

// server returns the test server's URI, a client and a fresh database
// name, dropped at the end of the test.
func server(t testing.TB) (string, *mongo.Client, string) {
	t.Helper()
	uri := testenv.Integration(t, uriEnv)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err := mongodb.Connect(ctx, uri, "test", "0")
	require.NoError(t, err)
	var b [6]byte
	_, _ = rand.Read(b[:])
	db := "kcs_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Database(db).Drop(ctx)
		_ = client.Disconnect(ctx)
	})
	return uri, client, db
}

// nsPipeline is the pipeline stage that gives mongo-java-server's change
// events the ns field MongoDB's have (and the topic is named from).
func nsPipeline(db, coll string) string {
	return fmt.Sprintf(`[{"$addFields": {"ns": {"db": %q, "coll": %q}}}]`, db, coll)
}

func config(uri, db, coll string, kv ...string) map[string]string {
	cfg := map[string]string{"connection.uri": uri, "database": db, "collection": coll,
		"pipeline": nsPipeline(db, coll), "poll.await.time.ms": "200"}
	for i := 0; i < len(kv); i += 2 {
		cfg[kv[i]] = kv[i+1]
	}
	return cfg
}

// startTask starts a task of the connector with cfg and the given
// committed offsets.
func startTask(t testing.TB, cfg map[string]string, offsets *connecttest.Offsets) source.Task {
	t.Helper()
	c := sourcemongodb.Plugin().New()
	ctx := context.Background()
	require.NoError(t, c.Start(ctx, cfg, connecttest.NewConnectorContext(offsets)))
	tcs, err := c.TaskConfigs(1)
	require.NoError(t, err)
	require.Len(t, tcs, 1)
	task := c.NewTask()
	require.NoError(t, task.Start(ctx, tcs[0], connecttest.SourceTaskContext(tcs[0], offsets)))
	t.Cleanup(func() { _ = task.Stop(context.Background()) })
	return task
}

// pollN polls until n records have come, failing after timeout.
func pollN(t testing.TB, task source.Task, n int, timeout time.Duration) []connect.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var out []connect.Record
	for len(out) < n {
		recs, err := task.Poll(ctx)
		require.NoError(t, err)
		out = append(out, recs...)
		if ctx.Err() != nil {
			t.Fatalf("got %d records of %d within %v", len(out), n, timeout)
		}
	}
	return out
}

func offsetID(r connect.Record) string {
	v, _ := r.SourceOffset.Get("_id")
	s, _ := v.(string)
	return s
}

// TestConformance runs the source conformance kit: each configuration
// watches a fresh collection from its operation time, so that exactly the
// documents produced afterwards are streamed.
func TestConformance(t *testing.T) {
	uri, client, db := server(t)
	var mu sync.Mutex
	n := 0
	next := map[string]int{}
	connecttest.Source(t, connecttest.SourceSpec{
		Plugin: sourcemongodb.Plugin(),
		Config: func(tb testing.TB) map[string]string {
			mu.Lock()
			n++
			coll := fmt.Sprintf("c%d", n)
			mu.Unlock()
			// The server's clock is this machine's: start a second back.
			at := time.Now().Add(-time.Second).Unix()
			return config(uri, db, coll, "startup.mode", "timestamp",
				"startup.mode.timestamp.start.at.operation.time", fmt.Sprint(at))
		},
		Produce: func(tb testing.TB, cfg map[string]string, k int) {
			mu.Lock()
			from := next[cfg["collection"]]
			next[cfg["collection"]] = from + k
			mu.Unlock()
			docs := make([]any, k)
			for i := range docs {
				docs[i] = bson.D{{Key: "_id", Value: from + i}, {Key: "v", Value: "x"}}
			}
			_, err := client.Database(db).Collection(cfg["collection"]).InsertMany(context.Background(), docs)
			if err != nil {
				tb.Fatal(err)
			}
		},
		StopTimeout: 2 * time.Second,
	})
}

// TestStreamAndResume streams an insert, an update, a replace and a delete
// with the official connector's record shapes, then stops the task with
// only the first two offsets committed, changes the collection while it
// is stopped, and restarts it: it resumes after the last committed token,
// with no change lost or repeated.
func TestStreamAndResume(t *testing.T) {
	uri, client, db := server(t)
	coll := client.Database(db).Collection("users")
	ctx := context.Background()
	_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 0}})
	require.NoError(t, err) // the collection exists
	cfg := config(uri, db, "users")
	offsets := connecttest.NewOffsets()
	task := startTask(t, cfg, offsets)
	recs, err := task.Poll(ctx) // opens the change stream
	require.NoError(t, err)
	require.Empty(t, recs)

	_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "name", Value: "ann"}, {Key: "n", Value: int64(5)}})
	require.NoError(t, err)
	_, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "$set", Value: bson.D{{Key: "name", Value: "bob"}}}})
	require.NoError(t, err)
	_, err = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "name", Value: "cy"}})
	require.NoError(t, err)
	_, err = coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: 1}})
	require.NoError(t, err)
	recs = pollN(t, task, 4, 20*time.Second)
	require.Len(t, recs, 4)
	for _, r := range recs {
		require.Equal(t, db+".users", r.Topic)
		// The official partition: the URI's scheme and hosts, the namespace.
		require.Equal(t, fmt.Sprintf(`{"ns":"%s/%s.users"}`, strings.TrimSuffix(uri, "/"), db), r.SourcePartition.String())
		require.True(t, strings.HasPrefix(offsetID(r), `{"_data": "`), offsetID(r))
		require.Equal(t, connect.StringSchema, r.ValueSchema)
	}
	require.Equal(t, `{"_id": 1}`, recs[0].Key)
	// mongo-java-server's insert event, in DefaultJson: its fields in the
	// server's order, ns added by the pipeline.
	var ev bson.D
	require.NoError(t, bson.UnmarshalExtJSON([]byte(recs[0].Value.(string)), false, &ev))
	require.Equal(t, "insert", valueOf(ev, "operationType"))
	require.Contains(t, recs[0].Value, `"fullDocument": {"_id": 1, "name": "ann", "n": {"$numberLong": "5"}}`)
	require.Contains(t, recs[0].Value, fmt.Sprintf(`"ns": {"db": "%s", "coll": "users"}`, db))
	require.Contains(t, recs[3].Value, `"operationType": "delete"`)

	// Only the first two are committed when the task stops.
	offsets.CommitRecords(recs[:2])
	require.NoError(t, task.Stop(ctx))
	_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 2}})
	require.NoError(t, err)

	task = startTask(t, cfg, offsets)
	again := pollN(t, task, 3, 20*time.Second)
	require.Len(t, again, 3)
	require.Equal(t, recs[2].Value, again[0].Value)
	require.Equal(t, recs[3].Value, again[1].Value)
	require.Contains(t, again[2].Value, `"fullDocument": {"_id": 2}`)
	more, err := task.Poll(ctx)
	require.NoError(t, err)
	require.Empty(t, more, "a change was repeated")
}

func valueOf(d bson.D, key string) any {
	for _, e := range d {
		if e.Key == key {
			return e.Value
		}
	}
	return nil
}

// TestCopyExistingThenStream copies a collection's documents while more are
// inserted, then streams: every document, old and new, arrives as an insert
// (some new ones twice, as with the official connector); copied records
// carry the copy marker but the last, which carries the resume point; and
// a task restarted from the committed offsets does not copy again.
func TestCopyExistingThenStream(t *testing.T) {
	uri, client, db := server(t)
	coll := client.Database(db).Collection("items")
	ctx := context.Background()
	const old = 300
	docs := make([]any, old)
	for i := range docs {
		docs[i] = bson.D{{Key: "_id", Value: i}, {Key: "v", Value: "old"}}
	}
	_, err := coll.InsertMany(ctx, docs)
	require.NoError(t, err)
	cfg := config(uri, db, "items", "startup.mode", "copy_existing", "poll.max.batch.size", "25",
		"startup.mode.copy.existing.queue.size", "10")
	offsets := connecttest.NewOffsets()
	task := startTask(t, cfg, offsets)

	// Inserts while the copy runs.
	const added = 100
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < added; i++ {
			if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1000 + i}, {Key: "v", Value: "new"}}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	seen := map[int32]bool{}
	var all []connect.Record
	deadline := time.Now().Add(60 * time.Second)
	for len(seen) < old+added && time.Now().Before(deadline) {
		recs, err := task.Poll(ctx)
		require.NoError(t, err)
		for _, r := range recs {
			var ev bson.D
			require.NoError(t, bson.UnmarshalExtJSON([]byte(r.Value.(string)), false, &ev))
			require.Equal(t, "insert", valueOf(ev, "operationType"))
			full := valueOf(ev, "fullDocument").(bson.D)
			seen[valueOf(full, "_id").(int32)] = true
		}
		all = append(all, recs...)
	}
	wg.Wait()
	require.Len(t, seen, old+added, "documents missing")

	// The copy's records come first, marked, but for the last, which
	// carries the resume point when the server gave one before the copy
	// (mongo-java-server gives none: streaming then starts at the time
	// noted before the copy, and the last copied record keeps the marker).
	copied := 0
	for copied < len(all) && strings.Contains(offsetID(all[copied]), "copyingData") {
		copied++
	}
	require.GreaterOrEqual(t, copied, old-1)
	for i, r := range all[:copied] {
		c, _ := r.SourceOffset.Get("copy")
		require.Equal(t, "true", c, "copied record %d", i)
	}
	if copied == old-1 {
		last := all[copied]
		require.Contains(t, last.Value, `"copyingData": true`, "the last copied record")
		_, marked := last.SourceOffset.Get("copy")
		require.False(t, marked, "the last copied record carries the resume point")
		require.True(t, strings.HasPrefix(offsetID(last), `{"_data": `), offsetID(last))
		copied++
	}
	for _, r := range all[copied:] {
		_, marked := r.SourceOffset.Get("copy")
		require.False(t, marked)
		require.NotContains(t, r.Value, "copyingData")
	}
	// The copied event's shape: ns last, as the official connector's.
	require.Regexp(t, `^\{"_id": \{"_id": \d+, "copyingData": true\}, "operationType": "insert", "documentKey": \{"_id": \d+\}, `+
		`"fullDocument": \{"_id": \d+, "v": "(old|new)"\}, "ns": \{"db": "`+db+`", "coll": "items"\}\}$`, all[0].Value)

	offsets.CommitRecords(all)
	require.NoError(t, task.Stop(ctx))
	task = startTask(t, cfg, offsets)
	_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 5000}})
	require.NoError(t, err)
	var after []connect.Record
	require.Eventually(t, func() bool {
		recs, err := task.Poll(ctx)
		require.NoError(t, err)
		after = append(after, recs...)
		for _, r := range after {
			if strings.Contains(r.Value.(string), `"fullDocument": {"_id": 5000}`) {
				return true
			}
		}
		return false
	}, 30*time.Second, time.Millisecond)
	for _, r := range after {
		require.NotContains(t, r.Value, "copyingData", "copied again after a restart")
	}
}

// TestBadConfigErrors: a pipeline that is not JSON and an unknown output
// format fail the connector's Start with errors naming the key, and
// without the URI's password.
func TestBadConfigErrors(t *testing.T) {
	c := sourcemongodb.Plugin().New()
	err := c.Start(context.Background(), map[string]string{"connection.uri": "mongodb://u:hunter22@localhost/", "pipeline": "{not json"},
		connecttest.NewConnectorContext(connecttest.NewOffsets()))
	require.ErrorContains(t, err, "pipeline")
	require.NotContains(t, err.Error(), "hunter22")
	err = c.Start(context.Background(), map[string]string{"output.format.value": "avro"}, connecttest.NewConnectorContext(connecttest.NewOffsets()))
	require.ErrorContains(t, err, "output.format.value")
}

// TestCopyNamespaceRegex copies, from a watched database, only the
// collections whose namespace startup.mode.copy.existing.namespace.regex
// matches, each to its own topic.
func TestCopyNamespaceRegex(t *testing.T) {
	uri, client, db := server(t)
	ctx := context.Background()
	for _, c := range []string{"keep1", "skip", "keep2"} {
		_, err := client.Database(db).Collection(c).InsertOne(ctx, bson.D{{Key: "_id", Value: c}})
		require.NoError(t, err)
	}
	cfg := config(uri, db, "", "pipeline", "[]", "startup.mode", "copy_existing",
		"startup.mode.copy.existing.namespace.regex", `\.keep`)
	task := startTask(t, cfg, connecttest.NewOffsets())
	recs := pollN(t, task, 2, 20*time.Second)
	topics := []string{recs[0].Topic, recs[1].Topic}
	require.ElementsMatch(t, []string{db + ".keep1", db + ".keep2"}, topics)
	more, err := task.Poll(ctx)
	require.NoError(t, err)
	require.Empty(t, more, "a collection the regex does not match was copied")
}

// TestUnusableResumeToken: a committed token the server cannot read (here
// not hex, which mongo-java-server refuses without saying the token is
// lost) fails the task with an error naming the token and the partition,
// errors.tolerance=all or not: only an error saying the token is gone
// restarts the stream without it. (The official connector logs such an
// error and tries again at every poll, for good.)
func TestUnusableResumeToken(t *testing.T) {
	uri, client, db := server(t)
	_, err := client.Database(db).Collection("items").InsertOne(context.Background(), bson.D{{Key: "_id", Value: 0}})
	require.NoError(t, err)
	for _, tolerance := range []string{"none", "all"} {
		cfg := config(uri, db, "items", "errors.tolerance", tolerance)
		offsets := connecttest.NewOffsets()
		part := connect.NewSourcePartition("ns", strings.TrimSuffix(uri, "/")+"/"+db+".items")
		offsets.Commit(part, connect.NewOffset("_id", `{"_data": "not a token"}`))
		task := startTask(t, cfg, offsets)
		_, err = task.Poll(context.Background())
		require.Error(t, err, tolerance)
		require.False(t, errors.Is(err, connect.ErrRetriable), "%v", err)
		require.ErrorContains(t, err, `after the resume token {"_data": "not a token"} of partition {"ns":"`+strings.TrimSuffix(uri, "/")+"/"+db+`.items"}`)
	}
}
