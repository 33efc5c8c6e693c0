package worker

// Tests of the embedded broker: EmbeddedBroker's directory across restarts
// and kill -9 (with child processes, as crash_test.go), the refusal of a
// durable offset store with the in-memory broker, and Close letting sinks
// drain an embedded pipeline.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/sink"
	sinkfile "github.com/kconnect-go/kconnect/sink/file"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The child process of the embedded kill tests is this test binary running
// TestEmbeddedChild with these variables set.
const (
	embeddedChildEnv = "KCONNECT_EMBEDDED_CHILD" // "pipeline" or "commits" in the child
	embeddedDirEnv   = "KCONNECT_EMBEDDED_DIR"
	embeddedOutEnv   = "KCONNECT_EMBEDDED_OUT"
	embeddedLimitEnv = "KCONNECT_EMBEDDED_LIMIT"
)

// embeddedTopic is the topic the embedded pipeline's source writes and its
// sink reads.
const embeddedTopic = "numbers"

// embeddedSinkConnector is the name of the embedded pipeline's sink.
const embeddedSinkConnector = "out"

// embeddedParams is what an embedded pipeline runs: the paced source
// writing 0..limit-1 to embeddedTopic (one partition), FileStreamSink
// writing them to out, on a broker kept in dir.
type embeddedParams struct {
	dir, out        string
	limit, batch    int
	interval, flush time.Duration
}

func (p embeddedParams) env(mode string) []string {
	return []string{
		embeddedChildEnv + "=" + mode,
		embeddedDirEnv + "=" + p.dir,
		embeddedOutEnv + "=" + p.out,
		embeddedLimitEnv + "=" + strconv.Itoa(p.limit),
	}
}

// runEmbeddedPipeline starts a worker with a broker kept in p.dir and the
// pipeline's two connectors. The caller closes the worker.
func runEmbeddedPipeline(p embeddedParams, log *slog.Logger) (*Worker, error) {
	w, err := New(EmbeddedBroker(p.dir), Plugins(pacedPlugin(), sinkfile.Plugin()),
		OffsetFlushInterval(p.flush), Logger(log), ID("embedded-worker"))
	if err != nil {
		return nil, err
	}
	src := pacedConfig(embeddedTopic, p.limit, p.batch, p.interval)
	src["topic.creation.default.partitions"] = "1" // one partition: the numbers stay in order
	err = w.CreateConnector(context.Background(), pacedConnector, src)
	if err == nil {
		err = w.CreateConnector(context.Background(), embeddedSinkConnector, map[string]string{
			"connector.class": "FileStreamSink", "file": p.out, "topics": embeddedTopic,
			"key.converter": "StringConverter", "value.converter": "StringConverter",
		})
	}
	if err != nil {
		return nil, errors.Join(err, w.Close())
	}
	return w, nil
}

// TestEmbeddedChild is the process the embedded kill tests kill; it does
// nothing in a normal test run. "pipeline" runs the pipeline until killed;
// "commits" runs it until the source and the sink have committed every
// number, says so on its output, and waits to be killed.
func TestEmbeddedChild(t *testing.T) {
	mode := os.Getenv(embeddedChildEnv)
	if mode == "" {
		t.Skip("the child process of the embedded kill tests")
	}
	limit, err := strconv.Atoi(os.Getenv(embeddedLimitEnv))
	require.NoError(t, err)
	p := embeddedParams{dir: os.Getenv(embeddedDirEnv), out: os.Getenv(embeddedOutEnv), limit: limit,
		batch: 5, interval: 2 * time.Millisecond, flush: crashFlushInterval}
	if mode == "commits" {
		p.batch, p.interval = 10, 0
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w, err := runEmbeddedPipeline(p, log)
	require.NoError(t, err)
	if mode == "commits" {
		waitOffset(t, w.store, pacedConnector, int64(limit-1))
		waitGroupCommitted(t, w.Brokers(), int64(limit))
		fmt.Println(embeddedCommittedMark)
	}
	t.Log("worker running until killed")
	// The parent kills this process; should the parent die instead, its
	// end of stdin closes and the child stops.
	_, _ = io.Copy(io.Discard, os.Stdin)
	require.NoError(t, w.Close())
}

// embeddedCommittedMark is what the "commits" child prints once everything
// is committed.
const embeddedCommittedMark = "EMBEDDED-ALL-COMMITTED"

// waitGroupCommitted waits until the sink's group has committed offset n
// of embeddedTopic's partition 0.
func waitGroupCommitted(t *testing.T, brokers []string, n int64) {
	t.Helper()
	adm := kadm.NewClient(testkafka.Client(t, brokers))
	var last int64 = -1
	require.Eventually(t, func() bool {
		offs, err := adm.FetchOffsets(context.Background(), GroupID(embeddedSinkConnector))
		if err != nil {
			return false
		}
		if o, ok := offs.Lookup(embeddedTopic, 0); ok && o.Err == nil {
			last = o.At
		}
		return last >= n
	}, 60*time.Second, 5*time.Millisecond, "the sink's group never committed %d; last %d", n, last)
}

// requireKept opens a worker on p.dir, with no connectors, and checks that
// its broker holds what the "commits" run left: the numbers 0..limit-1 in
// the topic, the sink's group at the end of it, the source's offset at the
// last number.
func requireKept(t *testing.T, p embeddedParams) {
	t.Helper()
	w, err := New(EmbeddedBroker(p.dir), Logger(discardLog))
	require.NoError(t, err)
	defer func() { require.NoError(t, w.Close()) }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	m, err := w.store.Get(ctx, pacedConnector, []connect.SourcePartition{pacedPartition})
	require.NoError(t, err)
	n, ok := m[pacedPartition].Int64("n")
	require.True(t, ok, "no source offset kept in the offsets topic")
	require.Equal(t, int64(p.limit-1), n, "the source offset kept in the offsets topic")

	adm := kadm.NewClient(w.admin)
	offs, err := adm.FetchOffsets(ctx, GroupID(embeddedSinkConnector))
	require.NoError(t, err)
	o, ok := offs.Lookup(embeddedTopic, 0)
	require.True(t, ok, "no committed offset kept for the sink's group")
	require.NoError(t, o.Err)
	require.Equal(t, int64(p.limit), o.At, "the sink group's committed offset")

	tr := newTopicTracker(t, w.Brokers(), embeddedTopic)
	tr.catchUp(ctx)
	require.Len(t, tr.order, p.limit)
	for i, n := range tr.order {
		require.Equal(t, int64(i), n, "record %d of the topic", i)
	}
}

// TestEmbeddedBrokerKeepsCommits runs a pipeline on an EmbeddedBroker
// directory until the source and the sink have committed everything, then
// stops it (by Close, or by SIGKILL) and opens the directory again: the
// records, the sink group's committed offsets and the source offsets (in
// the offsets topic) are all there. kfake keeps a group's commits in its
// directory as it keeps records, each fsynced before it answers. After a
// Close, the pipeline then runs on from where it stopped.
func TestEmbeddedBrokerKeepsCommits(t *testing.T) {
	t.Run("Close", func(t *testing.T) {
		dir := t.TempDir()
		p := embeddedParams{dir: filepath.Join(dir, "kafka"), out: filepath.Join(dir, "out.txt"),
			limit: 100, batch: 10, flush: crashFlushInterval}
		w, err := runEmbeddedPipeline(p, discardLog)
		require.NoError(t, err)
		waitOffset(t, w.store, pacedConnector, int64(p.limit-1))
		waitGroupCommitted(t, w.Brokers(), int64(p.limit))
		require.NoError(t, w.Close())
		requireKept(t, p)

		// Run on: the source resumes after its offset, the sink after its
		// group's, and after a Close nothing is delivered twice.
		p.limit = 200
		w, err = runEmbeddedPipeline(p, discardLog)
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
		p := embeddedParams{dir: filepath.Join(dir, "kafka"), out: filepath.Join(dir, "out.txt"), limit: 100}
		child := startChildTest(t, "TestEmbeddedChild", p.env("commits"), 0)
		require.Eventually(t, func() bool {
			b, _ := os.ReadFile(child.out)
			return strings.Contains(string(b), embeddedCommittedMark+"\n")
		}, 60*time.Second, 5*time.Millisecond, "the child never committed everything")
		child.kill(t)
		requireKept(t, p)
	})
}

// outputTracker reads the numbers FileStreamSink appends to a file.
type outputTracker struct {
	t      *testing.T
	path   string
	read   int64 // bytes read so far, up to the last whole line
	order  []int64
	counts map[int64]int
}

func newOutputTracker(t *testing.T, path string) *outputTracker {
	return &outputTracker{t: t, path: path, counts: map[int64]int{}}
}

// update reads the lines added since the last call.
func (o *outputTracker) update() {
	o.t.Helper()
	f, err := os.Open(o.path)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	require.NoError(o.t, err)
	defer f.Close()
	_, err = f.Seek(o.read, io.SeekStart)
	require.NoError(o.t, err)
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadString('\n')
		if err != nil { // io.EOF: a line not yet whole is read next time
			return
		}
		o.read += int64(len(line))
		n, err := strconv.ParseInt(strings.TrimSuffix(line, "\n"), 10, 64)
		require.NoError(o.t, err, "output line %q", line)
		o.order = append(o.order, n)
		o.counts[n]++
	}
}

// waitDistinct waits until the output holds n different numbers.
func (o *outputTracker) waitDistinct(n int, within time.Duration) {
	o.t.Helper()
	require.Eventually(o.t, func() bool { o.update(); return len(o.counts) >= n },
		within, 5*time.Millisecond, "the output never held %d numbers", n)
}

// requireInOrder fails unless every number the output holds is preceded
// by every smaller one: it is 0, 1, 2, ... with at most some numbers
// repeated after a restart (a run starting again below where the previous
// one stopped), never one skipped.
func (o *outputTracker) requireInOrder(msgAndArgs ...any) {
	o.t.Helper()
	top := int64(-1)
	for i, n := range o.order {
		if n > top+1 {
			o.t.Fatalf("output line %d is %d, but the output held only 0..%d before it: %d..%d were lost; %s",
				i, n, top, top+1, n-1, fmt.Sprint(msgAndArgs...))
		}
		top = max(top, n)
	}
}

// TestEmbeddedBrokerKillRestart runs a pipeline (a source → a topic →
// FileStreamSink) in a child process on an EmbeddedBroker directory, kills
// it with SIGKILL at random points and starts it again on the same
// directory, several times; a last run in this process finishes it. Every
// number must be in the output, in order, some repeated after a restart,
// none lost: the source's offsets are in the same broker as its records,
// so a restarted source never resumes past a record the sink did not get.
// An in-memory broker with an offset file would lose the records the
// source had committed and the sink had not read.
func TestEmbeddedBrokerKillRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills worker processes")
	}
	rng := crashRand(t)
	dir := t.TempDir()
	p := embeddedParams{dir: filepath.Join(dir, "kafka"), out: filepath.Join(dir, "out.txt"),
		limit: 3000, batch: 5, interval: 2 * time.Millisecond, flush: crashFlushInterval}
	out := newOutputTracker(t, p.out)

	const kills = 5
	for round := range kills {
		child := startChildTest(t, "TestEmbeddedChild", p.env("pipeline"), round)
		if left := p.limit - len(out.counts); left > 0 && rng.IntN(2) == 0 {
			target := len(out.counts) + 1 + rng.IntN(max(left/3, 1))
			t.Logf("round %d: killing once %d numbers are in the output", round, target)
			out.waitDistinct(target, 60*time.Second)
		} else {
			d := time.Duration(rng.Int64N(int64(800 * time.Millisecond)))
			t.Logf("round %d: killing %v after the start", round, d)
			select {
			case <-time.After(d): // the random crash point, not a synchronisation
			case <-child.exited: // kill reports it
			}
		}
		child.kill(t)
		out.update()
		t.Logf("round %d: killed with %d lines in the output (%d numbers)", round, len(out.order), len(out.counts))
		out.requireInOrder("round ", round)
	}

	// The last run, in this process, completes the sequence.
	w, err := runEmbeddedPipeline(p, discardLog)
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

// TestEmbeddedBrokerRefusals checks the option combinations New refuses:
// a durable offset store with the in-memory broker (records would vanish
// and offsets survive), EmbeddedBroker with Brokers, and a second worker on
// a directory another worker uses.
func TestEmbeddedBrokerRefusals(t *testing.T) {
	t.Run("FileStoreInMemory", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "offsets.json")
		f, err := offset.OpenFile(path)
		require.NoError(t, err)
		defer f.Close()
		_, err = New(OffsetStore(f), Logger(discardLog))
		require.Error(t, err)
		for _, want := range []string{path, "vanish", "EmbeddedBroker(dir)", "Brokers("} {
			require.Contains(t, err.Error(), want)
		}
	})
	t.Run("KafkaStoreInMemory", func(t *testing.T) {
		brokers := testkafka.Brokers(t)
		store, topic := eosKafkaStore(t, brokers)
		_, err := New(OffsetStore(store), Logger(discardLog))
		require.Error(t, err)
		require.Contains(t, err.Error(), topic)
		require.Contains(t, err.Error(), "EmbeddedBroker(dir)")
	})
	t.Run("MemoryStoreInMemory", func(t *testing.T) {
		w, err := New(OffsetStore(offset.NewMemory()), Logger(discardLog))
		require.NoError(t, err)
		require.NoError(t, w.Close())
	})
	t.Run("WithBrokers", func(t *testing.T) {
		_, err := New(EmbeddedBroker(t.TempDir()), Brokers("localhost:9092"), Logger(discardLog))
		require.ErrorContains(t, err, "EmbeddedBroker and Brokers")
		_, err = New(EmbeddedBroker(""), Logger(discardLog))
		require.ErrorContains(t, err, "EmbeddedBroker: empty directory")
	})
	t.Run("Locked", func(t *testing.T) {
		dir := t.TempDir()
		w, err := New(EmbeddedBroker(dir), Logger(discardLog))
		require.NoError(t, err)
		_, err = New(EmbeddedBroker(dir), Logger(discardLog))
		require.Error(t, err, "a second worker on the same directory")
		require.Contains(t, err.Error(), dir)
		require.Contains(t, err.Error(), "another worker")
		require.NoError(t, w.Close())
		w, err = New(EmbeddedBroker(dir), Logger(discardLog))
		require.NoError(t, err, "the directory is free once the first worker closed")
		require.NoError(t, w.Close())
	})
}

// slowSink records the numbers it is given, taking perRecord for each, so
// that it falls behind a fast source. A Put stops when its context ends.
type slowSink struct {
	perRecord time.Duration
	mu        sync.Mutex
	got       []int64
}

func (s *slowSink) plugin() sink.Plugin {
	return sink.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.SlowSink", Kind: connect.SinkPlugin},
		New: func() sink.Connector {
			return sink.SimpleConnector(func() sink.Task {
				return sink.PutFunc(func(ctx context.Context, rs []connect.Record) error {
					for _, r := range rs {
						select { // the sink's own slowness
						case <-ctx.Done():
							return ctx.Err()
						case <-time.After(s.perRecord):
						}
						n, err := strconv.ParseInt(r.Value.(string), 10, 64)
						if err != nil {
							return err
						}
						s.mu.Lock()
						s.got = append(s.got, n)
						s.mu.Unlock()
					}
					return nil
				})
			})
		},
	}
}

func (s *slowSink) numbers() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.got...)
}

// TestEmbeddedCloseDrainsSinks closes a worker running a fast source and a
// slow sink on the (in-memory) embedded broker once the source has
// committed every record, while the sink is far behind: Close stops the
// source first and lets the sink Put everything before stopping it, so
// every committed record is in the sink's output, in order.
func TestEmbeddedCloseDrainsSinks(t *testing.T) {
	const limit = 1000
	s := &slowSink{perRecord: 300 * time.Microsecond}
	store := newWatchedStore(t, offset.NewMemory())
	w, err := New(Plugins(pacedPlugin(), s.plugin()), OffsetStore(store), OffsetFlushInterval(20*time.Millisecond),
		TaskShutdownTimeout(30*time.Second), Logger(discardLog))
	require.NoError(t, err)
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	src := pacedConfig("drain", limit, 100, 0)
	src["topic.creation.default.partitions"] = "1"
	require.NoError(t, w.CreateConnector(ctx, pacedConnector, src))
	require.NoError(t, w.CreateConnector(ctx, "slow", map[string]string{
		"connector.class": "test.SlowSink", "topics": "drain",
		"key.converter": "StringConverter", "value.converter": "StringConverter",
	}))
	require.NoError(t, store.waitCommitted(ctx, limit-1))
	before := len(s.numbers())
	require.Less(t, before, limit/2, "the sink is meant to be far behind when the worker closes")

	began := time.Now()
	require.NoError(t, w.Close())
	got := s.numbers()
	t.Logf("the sink had %d numbers at Close, %d after it, which took %v", before, len(got), time.Since(began))
	require.Len(t, got, limit, "every committed record is Put before Close returns")
	for i, n := range got {
		require.Equal(t, int64(i), n, "record %d the sink got", i)
	}
}

// TestEmbeddedCloseDrainIsBounded closes an embedded pipeline whose sink
// cannot keep up at all: Close waits for it no longer than the task
// shutdown timeout, and the sink still commits what it Put.
func TestEmbeddedCloseDrainIsBounded(t *testing.T) {
	const limit = 1000
	s := &slowSink{perRecord: 20 * time.Millisecond}
	store := newWatchedStore(t, offset.NewMemory())
	const shutdown = 300 * time.Millisecond
	w, err := New(Plugins(pacedPlugin(), s.plugin()), OffsetStore(store), OffsetFlushInterval(20*time.Millisecond),
		TaskShutdownTimeout(shutdown), Logger(discardLog))
	require.NoError(t, err)
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, w.CreateConnector(ctx, pacedConnector, pacedConfig("bounded", limit, 100, 0)))
	require.NoError(t, w.CreateConnector(ctx, "slow", map[string]string{
		"connector.class": "test.SlowSink", "topics": "bounded",
		"key.converter": "StringConverter", "value.converter": "StringConverter",
	}))
	require.NoError(t, store.waitCommitted(ctx, limit-1))
	require.Eventually(t, func() bool { return len(s.numbers()) > 0 }, 30*time.Second, 5*time.Millisecond)

	began := time.Now()
	require.NoError(t, w.Close())
	took := time.Since(began)
	t.Logf("Close took %v with %d of %d numbers Put", took, len(s.numbers()), limit)
	require.Less(t, len(s.numbers()), limit, "the sink is meant not to keep up")
	// The source's stop, the drain, and the sink's stop.
	require.Less(t, took, 3*shutdown+5*time.Second, "Close waits for a sink that cannot keep up no longer than its bounds")
}

// TestEmbeddedCloseAfterTransactions closes an exactly-once pipeline on an
// EmbeddedBroker directory once its sink has every record: each of the
// source's transactions ends with a commit marker, which no consumer is
// given, so the sink's position stays below the end offset; Close must see
// that only markers are left rather than wait out the shutdown timeout.
func TestEmbeddedCloseAfterTransactions(t *testing.T) {
	const limit = 200
	c := newCollector(limit)
	const shutdown = 20 * time.Second
	w, err := New(EmbeddedBroker(t.TempDir()), Plugins(pacedPlugin(), c.plugin()), ExactlyOnceSource(true),
		OffsetFlushInterval(20*time.Millisecond), TaskShutdownTimeout(shutdown), Logger(discardLog))
	require.NoError(t, err)
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, w.CreateConnector(ctx, pacedConnector, pacedConfig("txns", limit, 10, 0)))
	require.NoError(t, w.CreateConnector(ctx, "collect", map[string]string{
		"connector.class": "test.CollectorSink", "topics": "txns",
		"key.converter": "StringConverter", "value.converter": "StringConverter",
	}))
	select {
	case <-c.done:
	case <-ctx.Done():
		t.Fatal("the sink never got every record")
	}

	began := time.Now()
	require.NoError(t, w.Close())
	took := time.Since(began)
	t.Logf("Close took %v", took)
	require.Less(t, took, shutdown/2, "Close waited for records that are transaction markers")
	c.mu.Lock()
	defer c.mu.Unlock()
	require.Len(t, c.records, limit)
}

// TestEmbeddedBrokerNoAutoCreate: a topic kfake creates for a Metadata
// request is kept in memory only, and its records would be orphaned after
// a crash, so the broker kept in a directory creates no topic on first use;
// the in-memory one still does.
func TestEmbeddedBrokerNoAutoCreate(t *testing.T) {
	produce := func(t *testing.T, w *Worker) error {
		cl := testkafka.Client(t, w.Brokers(), kgo.AllowAutoTopicCreation(), kgo.UnknownTopicRetries(1))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return cl.ProduceSync(ctx, &kgo.Record{Topic: "first-use", Value: []byte("x")}).FirstErr()
	}
	w, err := New(EmbeddedBroker(t.TempDir()), Logger(discardLog))
	require.NoError(t, err)
	defer w.Close()
	require.ErrorIs(t, produce(t, w), kerr.UnknownTopicOrPartition)

	mem, err := New(Logger(discardLog))
	require.NoError(t, err)
	defer mem.Close()
	require.NoError(t, produce(t, mem))
}
