package mongodb_test

// A worker process streaming a collection is killed with SIGKILL while
// documents are being inserted, and restarted, a few times: every document
// reaches Kafka (some twice, at least once), as each restart resumes from
// the last committed resume token.

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kconnect-go/kconnect/internal/testchild"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sourcemongodb "github.com/kconnect-go/kconnect/source/mongodb"
)

const crashChildEnv = "KCONNECT_MONGOSRC_CRASH_CHILD"

// crashParams is what the parent hands its child workers.
type crashParams struct {
	Brokers         []string
	URI, DB, Prefix string
	OffsetsFile     string
}

// TestWorkerKilledChild is the worker process TestWorkerKilled kills; it
// does nothing in a normal test run.
func TestWorkerKilledChild(t *testing.T) {
	env := os.Getenv(crashChildEnv)
	if env == "" {
		t.Skip("the child process of TestWorkerKilled")
	}
	var p crashParams
	require.NoError(t, json.Unmarshal([]byte(env), &p))
	store, err := offset.OpenFile(p.OffsetsFile)
	require.NoError(t, err)
	w, err := worker.New(worker.Brokers(p.Brokers...), worker.Plugins(sourcemongodb.Plugin()), worker.OffsetStore(store),
		worker.OffsetFlushInterval(25*time.Millisecond), worker.ID("mongo-crash"),
		worker.Logger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	require.NoError(t, err)
	require.NoError(t, w.CreateConnector(context.Background(), "mongo", config(p.URI, p.DB, "items",
		"connector.class", "MongoSourceConnector", "topic.prefix", p.Prefix,
		"key.converter", "org.apache.kafka.connect.storage.StringConverter",
		"value.converter", "org.apache.kafka.connect.storage.StringConverter")))
	t.Log("worker running until killed")
	_, _ = io.Copy(io.Discard, os.Stdin)
	require.NoError(t, w.Close())
}

func TestWorkerKilled(t *testing.T) {
	uri, client, db := server(t)
	if testing.Short() {
		t.Skip("kills and restarts worker processes (about 10 s)")
	}
	brokers := testkafka.Brokers(t)
	prefix := testkafka.Topic(t, "mcrash")
	topic := prefix + "." + db + ".items"
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	p := crashParams{Brokers: brokers, URI: uri, DB: db, Prefix: prefix,
		OffsetsFile: filepath.Join(t.TempDir(), "offsets")}
	b, err := json.Marshal(p)
	require.NoError(t, err)
	env := []string{crashChildEnv + "=" + string(b)}

	// Count the documents that reach Kafka, by _id.
	var mu sync.Mutex
	seen := map[int32]int{}
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100*time.Millisecond))
	cctx, cancel := context.WithCancel(context.Background())
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		for cctx.Err() == nil {
			cl.PollFetches(cctx).EachRecord(func(r *kgo.Record) {
				var ev bson.D
				if err := bson.UnmarshalExtJSON(r.Value, false, &ev); err != nil {
					t.Errorf("record %q: %v", r.Value, err)
					return
				}
				full, _ := valueOf(ev, "fullDocument").(bson.D)
				id, _ := valueOf(full, "_id").(int32)
				mu.Lock()
				seen[id]++
				mu.Unlock()
			})
		}
	}()
	t.Cleanup(func() { cancel(); <-consumed })
	distinct := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(seen)
	}

	// The first worker streams from now (startup.mode latest): it is
	// streaming once a probe document reaches Kafka. The others resume
	// from the committed token, or lose what was inserted while no worker
	// ran.
	const docs = 2000
	coll := client.Database(db).Collection("items")
	child := testchild.Start(t, "TestWorkerKilledChild", env, 0)
	probe := int32(-1)
	require.Eventually(t, func() bool {
		_, err := coll.InsertOne(context.Background(), bson.D{{Key: "_id", Value: probe}})
		require.NoError(t, err)
		probe--
		return distinct() > 0
	}, 60*time.Second, 50*time.Millisecond)
	inserted := make(chan struct{})
	go func() {
		defer close(inserted)
		for i := 0; i < docs; i++ {
			if _, err := coll.InsertOne(context.Background(), bson.D{{Key: "_id", Value: int32(i)}}); err != nil {
				t.Errorf("insert %d: %v", i, err)
				return
			}
		}
	}()

	rnd := testchild.Rand(t)
	const kills = 4
	for round := 0; round < kills; round++ {
		if round > 0 {
			child = testchild.Start(t, "TestWorkerKilledChild", env, round)
		}
		// Kill it once it has published something more, at a random point.
		before := distinct()
		require.Eventually(t, func() bool { return distinct() > before }, 60*time.Second, 5*time.Millisecond,
			"round %d: nothing published", round)
		time.Sleep(time.Duration(rnd.IntN(300)) * time.Millisecond) // a random point to kill at, not a wait for an event
		child.Kill(t)
		t.Logf("round %d: killed with %d documents published", round, distinct())
	}
	<-inserted
	testchild.Start(t, "TestWorkerKilledChild", env, kills)
	docsSeen := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for id := range seen {
			if id >= 0 {
				n++
			}
		}
		return n
	}
	require.Eventually(t, func() bool { return docsSeen() == docs }, 60*time.Second, 10*time.Millisecond,
		"documents lost across kills")
	mu.Lock()
	defer mu.Unlock()
	for i := int32(0); i < docs; i++ {
		require.GreaterOrEqual(t, seen[i], 1, "document %d", i)
	}
}
