package embedded_test

// Tests of the embedded broker: a Dir across restarts and kill -9 (with
// child processes), the options worker.New refuses with it, and topic
// creation on first use. The worker's own tests cover what it does with
// any embedded broker (draining sinks on Close, among others).

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/testchild"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/embedded"
	"github.com/kconnect-go/kconnect/runtime/worker"
)

// The child process of the kill tests is this test binary running
// TestChild with these variables set.
const (
	childEnv = "KCONNECT_EMBEDDED_CHILD" // "pipeline" or "commits" in the child
	dirEnv   = "KCONNECT_EMBEDDED_DIR"
	outEnv   = "KCONNECT_EMBEDDED_OUT"
	limitEnv = "KCONNECT_EMBEDDED_LIMIT"
)

func (p pipeline) env(mode string) []string {
	return []string{childEnv + "=" + mode, dirEnv + "=" + p.dir, outEnv + "=" + p.out, limitEnv + "=" + strconv.Itoa(p.limit)}
}

// committedMark is what the "commits" child prints once everything is
// committed.
const committedMark = "EMBEDDED-ALL-COMMITTED"

// TestChild is the process the kill tests kill; it does nothing in a
// normal test run. "pipeline" runs the pipeline until killed; "commits"
// runs it until the source and the sink have committed every number, says
// so on its output, and waits to be killed.
func TestChild(t *testing.T) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		t.Skip("the child process of the kill tests")
	}
	limit, err := strconv.Atoi(os.Getenv(limitEnv))
	require.NoError(t, err)
	p := pipeline{dir: os.Getenv(dirEnv), out: os.Getenv(outEnv), limit: limit,
		batch: 5, interval: 2 * time.Millisecond, flush: flushInterval}
	if mode == "commits" {
		p.batch, p.interval = 10, 0
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w, err := p.run(log)
	require.NoError(t, err)
	if mode == "commits" {
		waitCommitted(t, w.Brokers(), int64(limit-1))
		fmt.Println(committedMark)
	}
	t.Log("worker running until killed")
	// The parent kills this process; should the parent die instead, its
	// end of stdin closes and the child stops.
	_, _ = io.Copy(io.Discard, os.Stdin)
	require.NoError(t, w.Close())
}

// requireKept opens a worker on p.dir, with no connectors, and checks that
// its broker holds what the "commits" run left: the numbers 0..limit-1 in
// the topic, the sink's group at the end of it, the source's offset at the
// last number in the offsets topic.
func requireKept(t *testing.T, p pipeline) {
	t.Helper()
	w, err := worker.New(embedded.Broker(embedded.Dir(p.dir)), worker.Logger(discardLog))
	require.NoError(t, err)
	defer func() { require.NoError(t, w.Close()) }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	require.Equal(t, int64(p.limit-1), sourceOffset(t, offsetsReader(t, w.Brokers())),
		"the source offset kept in the offsets topic")

	offs, err := kadm.NewClient(testkafka.Client(t, w.Brokers())).FetchOffsets(ctx, worker.GroupID(sinkName))
	require.NoError(t, err)
	o, ok := offs.Lookup(pipelineTopic, 0)
	require.True(t, ok, "no committed offset kept for the sink's group")
	require.NoError(t, o.Err)
	require.Equal(t, int64(p.limit), o.At, "the sink group's committed offset")

	numbers := topicNumbers(t, w.Brokers(), pipelineTopic)
	require.Len(t, numbers, p.limit)
	for i, n := range numbers {
		require.Equal(t, int64(i), n, "record %d of the topic", i)
	}
}

// TestDirKeepsCommits runs a pipeline on a Dir until the source and the
// sink have committed everything, then stops it (by Close, or by SIGKILL)
// and opens the directory again: the records, the sink group's committed
// offsets and the source offsets (in the offsets topic) are all there.
// kfake keeps a group's commits in its directory as it keeps records, each
// fsynced before it answers. After a Close, the pipeline then runs on from
// where it stopped.
func TestDirKeepsCommits(t *testing.T) {
	t.Run("Close", func(t *testing.T) {
		dir := t.TempDir()
		p := pipeline{dir: filepath.Join(dir, "kafka"), out: filepath.Join(dir, "out.txt"),
			limit: 100, batch: 10, flush: flushInterval}
		w, err := p.run(discardLog)
		require.NoError(t, err)
		waitCommitted(t, w.Brokers(), int64(p.limit-1))
		require.NoError(t, w.Close())
		requireKept(t, p)

		// Run on: the source resumes after its offset, the sink after its
		// group's, and after a Close nothing is delivered twice.
		p.limit = 200
		w, err = p.run(discardLog)
		require.NoError(t, err)
		out := newOutputTracker(t, p.out)
		out.waitDistinct(p.limit, 30*time.Second)
		require.NoError(t, w.Close())
		out.update()
		require.Len(t, out.order, p.limit, "numbers written twice after a Close")
		out.requireInOrder()
	})
	t.Run("Kill", func(t *testing.T) {
		if testing.Short() {
			t.Skip("starts and kills a worker process")
		}
		dir := t.TempDir()
		p := pipeline{dir: filepath.Join(dir, "kafka"), out: filepath.Join(dir, "out.txt"), limit: 100}
		c := testchild.Start(t, "TestChild", p.env("commits"), 0)
		require.Eventually(t, func() bool {
			return strings.Contains(c.Output(), committedMark+"\n")
		}, 60*time.Second, 5*time.Millisecond, "the child never committed everything")
		c.Kill(t)
		requireKept(t, p)
	})
}

// TestDirKillRestart runs a pipeline (a source → a topic → FileStreamSink)
// in a child process on a Dir, kills it with SIGKILL at random points and
// starts it again on the same directory, several times; a last run in this
// process finishes it. Every number must be in the output, in order, some
// repeated after a restart, none lost: the source's offsets are in the
// same broker as its records, so a restarted source never resumes past a
// record the sink did not get. An in-memory broker with an offset file
// would lose the records the source had committed and the sink had not
// read.
func TestDirKillRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills worker processes")
	}
	rng := testchild.Rand(t)
	dir := t.TempDir()
	p := pipeline{dir: filepath.Join(dir, "kafka"), out: filepath.Join(dir, "out.txt"),
		limit: 3000, batch: 5, interval: 2 * time.Millisecond, flush: flushInterval}
	out := newOutputTracker(t, p.out)

	const kills = 5
	for round := range kills {
		c := testchild.Start(t, "TestChild", p.env("pipeline"), round)
		if left := p.limit - len(out.counts); left > 0 && rng.IntN(2) == 0 {
			target := len(out.counts) + 1 + rng.IntN(max(left/3, 1))
			t.Logf("round %d: killing once %d numbers are in the output", round, target)
			out.waitDistinct(target, 60*time.Second)
		} else {
			d := time.Duration(rng.Int64N(int64(800 * time.Millisecond)))
			t.Logf("round %d: killing %v after the start", round, d)
			select {
			case <-time.After(d): // the random crash point, not a synchronisation
			case <-c.Exited(): // kill reports it
			}
		}
		c.Kill(t)
		out.update()
		t.Logf("round %d: killed with %d lines in the output (%d numbers)", round, len(out.order), len(out.counts))
		out.requireInOrder("round ", round)
	}

	// The last run, in this process, completes the sequence.
	w, err := p.run(discardLog)
	require.NoError(t, err)
	out.waitDistinct(p.limit, 60*time.Second)
	require.NoError(t, w.Close())
	out.update()
	out.requireInOrder("after the last run")
	for n := range int64(p.limit) {
		require.Positive(t, out.counts[n], "number %d is missing from the output", n)
	}
	require.Len(t, out.counts, p.limit, "numbers in the output that the source never wrote")
	t.Logf("%d lines for %d numbers", len(out.order), p.limit)
}

// TestRefusals checks the option combinations worker.New refuses: a
// durable offset store with the in-memory broker (records would vanish and
// offsets survive), Broker with worker.Brokers or twice, an empty Dir, and
// a second worker on a directory another worker uses.
func TestRefusals(t *testing.T) {
	t.Run("FileStoreInMemory", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "offsets.json")
		f, err := offset.OpenFile(path)
		require.NoError(t, err)
		defer f.Close()
		_, err = worker.New(embedded.Broker(), worker.OffsetStore(f), worker.Logger(discardLog))
		require.Error(t, err)
		for _, want := range []string{path, "embedded.Broker()", "vanish", "embedded.Broker(embedded.Dir(dir))", "Brokers("} {
			require.Contains(t, err.Error(), want)
		}
	})
	t.Run("KafkaStoreInMemory", func(t *testing.T) {
		brokers := testkafka.Brokers(t)
		topic := testkafka.Topic(t, "offsets")
		compact := "compact"
		testkafka.CreateTopic(t, brokers, topic, 1, map[string]*string{"cleanup.policy": &compact})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		store, err := offset.NewKafka(ctx, testkafka.Client(t, brokers), topic)
		require.NoError(t, err)
		defer store.Close()
		_, err = worker.New(embedded.Broker(), worker.OffsetStore(store), worker.Logger(discardLog))
		require.Error(t, err)
		require.Contains(t, err.Error(), topic)
		require.Contains(t, err.Error(), "embedded.Broker(embedded.Dir(dir))")
	})
	t.Run("MemoryStoreInMemory", func(t *testing.T) {
		w, err := worker.New(embedded.Broker(), worker.OffsetStore(offset.NewMemory()), worker.Logger(discardLog))
		require.NoError(t, err)
		require.NoError(t, w.Close())
	})
	t.Run("FileStoreInDir", func(t *testing.T) {
		f, err := offset.OpenFile(filepath.Join(t.TempDir(), "offsets.json"))
		require.NoError(t, err)
		defer f.Close()
		w, err := worker.New(embedded.Broker(embedded.Dir(t.TempDir())), worker.OffsetStore(f), worker.Logger(discardLog))
		require.NoError(t, err, "records and offsets both survive")
		require.NoError(t, w.Close())
	})
	t.Run("WithBrokers", func(t *testing.T) {
		dir := t.TempDir()
		_, err := worker.New(embedded.Broker(embedded.Dir(dir)), worker.Brokers("localhost:9092"), worker.Logger(discardLog))
		require.ErrorContains(t, err, fmt.Sprintf("embedded.Broker(embedded.Dir(%q)) and Brokers both given", dir))
		_, err = worker.New(embedded.Broker(), embedded.Broker(), worker.Logger(discardLog))
		require.ErrorContains(t, err, "two embedded brokers")
	})
	t.Run("EmptyDir", func(t *testing.T) {
		_, err := worker.New(embedded.Broker(embedded.Dir("")), worker.Logger(discardLog))
		require.ErrorContains(t, err, "embedded.Dir: empty directory")
	})
	t.Run("Locked", func(t *testing.T) {
		dir := t.TempDir()
		w, err := worker.New(embedded.Broker(embedded.Dir(dir)), worker.Logger(discardLog))
		require.NoError(t, err)
		_, err = worker.New(embedded.Broker(embedded.Dir(dir)), worker.Logger(discardLog))
		require.Error(t, err, "a second worker on the same directory")
		require.Contains(t, err.Error(), dir)
		require.Contains(t, err.Error(), "another worker")
		require.NoError(t, w.Close())
		w, err = worker.New(embedded.Broker(embedded.Dir(dir)), worker.Logger(discardLog))
		require.NoError(t, err, "the directory is free once the first worker closed")
		require.NoError(t, w.Close())
	})
}

// TestDirNoAutoCreate: a topic kfake creates for a Metadata request is
// kept in memory only, and its records would be orphaned after a crash, so
// the broker kept in a directory creates no topic on first use; the
// in-memory one still does.
func TestDirNoAutoCreate(t *testing.T) {
	produce := func(t *testing.T, w *worker.Worker) error {
		cl := testkafka.Client(t, w.Brokers(), kgo.AllowAutoTopicCreation(), kgo.UnknownTopicRetries(1))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return cl.ProduceSync(ctx, &kgo.Record{Topic: "first-use", Value: []byte("x")}).FirstErr()
	}
	w, err := worker.New(embedded.Broker(embedded.Dir(t.TempDir())), worker.Logger(discardLog))
	require.NoError(t, err)
	defer w.Close()
	require.ErrorIs(t, produce(t, w), kerr.UnknownTopicOrPartition)

	mem, err := worker.New(embedded.Broker(), worker.Logger(discardLog))
	require.NoError(t, err)
	defer mem.Close()
	require.NoError(t, produce(t, mem))
}
