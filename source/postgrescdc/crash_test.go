package postgrescdc_test

// A worker process streaming a database is killed with SIGKILL in the
// middle of the snapshot and in the middle of the stream, and started
// again: every row reaches Kafka.

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

	"github.com/kconnect-go/kconnect/internal/testchild"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/source/postgrescdc"
)

const crashChildEnv = "KCONNECT_POSTGRESCDC_CRASH_CHILD"

// crashParams is what the parent hands its child workers.
type crashParams struct {
	Brokers      []string
	Config       map[string]string
	OffsetsFile  string // the file offset store, or
	OffsetsTopic string // the Kafka one, with exactly-once delivery
	Group        string
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
	var store offset.Store
	var err error
	opts := []worker.Opt{worker.Brokers(p.Brokers...), worker.Plugins(postgrescdc.Plugin()),
		worker.OffsetFlushInterval(25 * time.Millisecond), worker.ID("postgrescdc-crash"),
		worker.Logger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))}
	if p.OffsetsTopic == "" {
		store, err = offset.OpenFile(p.OffsetsFile)
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		store, err = offset.NewKafka(ctx, testkafka.Client(t, p.Brokers), p.OffsetsTopic)
		opts = append(opts, worker.ExactlyOnceSource(true), worker.WorkerGroupID(p.Group))
	}
	require.NoError(t, err)
	w, err := worker.New(append(opts, worker.OffsetStore(store))...)
	require.NoError(t, err)
	require.NoError(t, w.CreateConnector(context.Background(), "cdc", p.Config))
	t.Log("worker running until killed")
	_, _ = io.Copy(io.Discard, os.Stdin)
	require.NoError(t, w.Close())
}

// idTracker counts, by id, the rows a consumer reads from the topic, and
// notes whether the snapshot's last record has come.
type idTracker struct {
	mu       sync.Mutex
	counts   map[int]int
	streams  map[int]int // of op c records
	streamed int
	snapDone bool
}

func (tr *idTracker) state() (distinct, streamed int, snapDone bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.counts), tr.streamed, tr.snapDone
}

func trackIDs(t *testing.T, brokers []string, topic string) *idTracker {
	tr := &idTracker{counts: map[int]int{}, streams: map[int]int{}}
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100*time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
				var v struct {
					After  struct{ ID int }
					Op     string
					Source struct{ Snapshot string }
				}
				if err := json.Unmarshal(r.Value, &v); err != nil {
					t.Errorf("record %q: %v", r.Value, err)
					return
				}
				tr.mu.Lock()
				defer tr.mu.Unlock()
				tr.counts[v.After.ID]++
				if v.Op == "c" {
					tr.streams[v.After.ID]++
					tr.streamed++
				}
				if v.Source.Snapshot == "last" {
					tr.snapDone = true
				}
			})
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return tr
}

// TestWorkerKilled kills the worker once in the middle of the snapshot
// of 8,000 rows and once in the middle of the stream of rows written
// meanwhile, then lets a third run: every row comes at least
// once, and with exactly-once delivery every row written after the
// first kill exactly once (the snapshot, taken again from its start,
// repeats the rows committed before the kill). About 10s each with -race; worth it as the only test
// of a worker that dies without Stop, with the slot, the offsets and the
// snapshot half done.
func TestWorkerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a worker process three times")
	}
	t.Run("at least once", func(t *testing.T) { testWorkerKilled(t, false) })
	t.Run("exactly once", func(t *testing.T) { testWorkerKilled(t, true) })
}

func testWorkerKilled(t *testing.T, eos bool) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY)`)
	const snapRows = 8000
	p.exec(t, `INSERT INTO public.t SELECT generate_series(1, $1::int)`, snapRows)
	brokers := testkafka.Brokers(t)
	prefix := testkafka.Topic(t, "cdccrash")
	topic := prefix + ".public.t"
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	cfg := p.config("topic.prefix", prefix, "snapshot.fetch.size", "100", "max.batch.size", "100", "max.queue.size", "200",
		"key.converter", "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable", "false",
		"value.converter", "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable", "false")
	params := crashParams{Brokers: brokers, Config: cfg, OffsetsFile: filepath.Join(t.TempDir(), "offsets")}
	if eos {
		cfg["exactly.once.support"] = "required"
		params.OffsetsTopic = testkafka.Topic(t, "cdccrash-offsets")
		params.Group = testkafka.Group(t, "cdccrash")
	}
	b, _ := json.Marshal(params)
	env := []string{crashChildEnv + "=" + string(b)}
	tr := trackIDs(t, brokers, topic)
	wait := func(what string, cond func() bool) {
		t.Helper()
		require.Eventually(t, cond, 60*time.Second, 5*time.Millisecond, what)
	}

	child := testchild.Start(t, "TestWorkerKilledChild", env, 1)
	wait("the snapshot's first rows", func() bool { n, _, _ := tr.state(); return n >= 500 })
	child.Kill(t)
	n, _, snapDone := tr.state()
	t.Logf("killed with %d rows in Kafka, the snapshot done: %v", n, snapDone)

	// Rows are written from now until the second kill, so that some
	// are streamed whichever way the second run's snapshot and the
	// writes interleave.
	stop, written := make(chan struct{}), make(chan int)
	go func() {
		id := snapRows
		defer func() { written <- id }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := p.conn.Exec(context.Background(), `INSERT INTO public.t VALUES ($1)`, id+1); err != nil {
				t.Error(err)
				return
			}
			id++
		}
	}()
	child = testchild.Start(t, "TestWorkerKilledChild", env, 2)
	wait("streamed rows", func() bool { _, s, _ := tr.state(); return s >= 100 })
	child.Kill(t)
	close(stop)
	total := <-written
	testchild.Start(t, "TestWorkerKilledChild", env, 3)
	wait("every row", func() bool { n, _, _ := tr.state(); return n >= total })
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for id := 1; id <= total; id++ {
		if tr.counts[id] == 0 {
			t.Fatalf("row %d never came", id)
		}
		// Rows written after the first kill are read once, by the
		// second snapshot or streamed after it.
		if eos && id > snapRows && tr.counts[id] != 1 {
			t.Fatalf("row %d came %d times (%d streamed) with exactly-once delivery", id, tr.counts[id], tr.streams[id])
		}
	}
	require.Len(t, tr.counts, total, "rows other than those written came")
	t.Logf("%d rows streamed", len(tr.streams))
}
