package worker

// Helpers for the reliability tests in crash_test.go: a paced counting
// source, a tracker that reads the numbered records back from the topic, a
// store wrapper that reports commits as events, and the child process that
// TestCrashKillResume kills with SIGKILL.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/pacedsource"
	"github.com/kconnect-go/kconnect/internal/testchild"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
)

// pacedClass is the class of the paced counting source.
const pacedClass = pacedsource.Class

// pacedConnector is the connector name every crash test uses; the source
// partition is {"counter": pacedConnector}.
const pacedConnector = "crash"

var (
	pacedPartition = pacedsource.Partition(pacedConnector)
	pacedPlugin    = pacedsource.Plugin
	pacedConfig    = pacedsource.Config
)

// topicTracker reads a single-partition topic of numbered records from the
// start and counts how often each number appears.
type topicTracker struct {
	t      *testing.T
	cl     *kgo.Client
	adm    *kadm.Client
	topic  string
	counts map[int64]int
	order  []int64 // numbers in topic order
	next   int64   // the Kafka offset after the last record read
	max    int64   // the largest number read, -1 before any
}

func newTopicTracker(t *testing.T, brokers []string, topic string) *topicTracker {
	t.Helper()
	// Control records (transaction markers) are kept so that catching up
	// to the end offset works when the last entry is one.
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200*time.Millisecond), kgo.KeepControlRecords())
	return &topicTracker{t: t, cl: cl, adm: kadm.NewClient(cl), topic: topic, counts: map[int64]int{}, max: -1}
}

// poll reads one batch of fetches (waiting for records) and records them.
func (tr *topicTracker) poll(ctx context.Context) error {
	fs := tr.cl.PollFetches(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("topic %s: read %d records (%d distinct, max %d): %w",
			tr.topic, len(tr.order), len(tr.counts), tr.max, err)
	}
	var bad error
	fs.EachError(func(topic string, p int32, err error) {
		if bad == nil {
			bad = fmt.Errorf("fetching %s[%d]: %w", topic, p, err)
		}
	})
	if bad != nil {
		return bad
	}
	fs.EachRecord(func(r *kgo.Record) {
		tr.next = r.Offset + 1
		if r.Attrs.IsControl() {
			return // a transaction marker: it has an offset, not a number
		}
		n, err := strconv.ParseInt(string(r.Value), 10, 64)
		if err != nil && bad == nil {
			bad = fmt.Errorf("record at offset %d has value %q, not a number", r.Offset, r.Value)
			return
		}
		tr.counts[n]++
		tr.order = append(tr.order, n)
		tr.max = max(tr.max, n)
	})
	return bad
}

// distinct is how many different numbers were read.
func (tr *topicTracker) distinct() int { return len(tr.counts) }

// waitFor reads records until cond holds.
func (tr *topicTracker) waitFor(ctx context.Context, cond func() bool) error {
	for !cond() {
		if err := tr.poll(ctx); err != nil {
			return err
		}
	}
	return nil
}

// catchUp reads every record up to the topic's end offset as of now.
func (tr *topicTracker) catchUp(ctx context.Context) {
	tr.t.Helper()
	ends, err := tr.adm.ListEndOffsets(ctx, tr.topic)
	require.NoError(tr.t, err)
	require.NoError(tr.t, ends.Error())
	o, ok := ends.Lookup(tr.topic, 0)
	require.True(tr.t, ok, "no end offset for %s[0]", tr.topic)
	require.NoError(tr.t, tr.waitFor(ctx, func() bool { return tr.next >= o.Offset }))
}

// requireAllBelow fails unless every number 0..n is in the topic.
func (tr *topicTracker) requireAllBelow(n int64, msgAndArgs ...any) {
	tr.t.Helper()
	for i := int64(0); i <= n; i++ {
		if tr.counts[i] == 0 {
			tr.t.Fatalf("number %d (<= %d) is missing from the topic (%d records, max %d): %s",
				i, n, len(tr.order), tr.max, fmt.Sprint(msgAndArgs...))
		}
	}
}

// watchedStore wraps a Store, reports each successful commit of pacedPartition
// as an event, and checks that its committed offset never moves backwards.
type watchedStore struct {
	offset.Store
	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every commit
	last      int64         // the last committed n, -1 before any
	backwards []string      // commits that moved the offset back
}

// newWatchedStore wraps s, starting from the offset s already holds.
func newWatchedStore(t *testing.T, s offset.Store) *watchedStore {
	t.Helper()
	ws := &watchedStore{Store: s, changed: make(chan struct{}), last: -1}
	m, err := s.Get(context.Background(), pacedConnector, []connect.SourcePartition{pacedPartition})
	require.NoError(t, err)
	if o, ok := m[pacedPartition]; ok {
		n, ok := o.Int64("n")
		require.True(t, ok, "committed offset %s has no n", o)
		ws.last = n
	}
	return ws
}

func (s *watchedStore) Put(ctx context.Context, connector string, entries []offset.Entry) error {
	if err := s.Store.Put(ctx, connector, entries); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range entries {
		if connector != pacedConnector || e.Partition.String() != pacedPartition.String() {
			continue
		}
		n, ok := e.Offset.Int64("n")
		if !ok {
			s.backwards = append(s.backwards, fmt.Sprintf("offset %s has no n", e.Offset))
			continue
		}
		if n < s.last {
			s.backwards = append(s.backwards, fmt.Sprintf("%d after %d", n, s.last))
		}
		s.last = n
	}
	close(s.changed)
	s.changed = make(chan struct{})
	return nil
}

// waitCommitted waits until n is committed.
func (s *watchedStore) waitCommitted(ctx context.Context, n int64) error {
	for {
		s.mu.Lock()
		last, ch := s.last, s.changed
		s.mu.Unlock()
		if last >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("waiting for offset %d to be committed (last %d): %w", n, last, ctx.Err())
		}
	}
}

func (s *watchedStore) requireForwardOnly(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	require.Empty(t, s.backwards, "committed offsets moved backwards")
}

// committedIn opens the offsets file as a restarted worker would and returns
// the committed n of pacedPartition, or -1 when there is none.
func committedIn(t *testing.T, path string) int64 {
	t.Helper()
	f, err := offset.OpenFile(path)
	require.NoError(t, err)
	defer func() { require.NoError(t, f.Close()) }()
	m, err := f.Get(context.Background(), pacedConnector, []connect.SourcePartition{pacedPartition})
	require.NoError(t, err)
	o, ok := m[pacedPartition]
	if !ok {
		return -1
	}
	n, ok := o.Int64("n")
	require.True(t, ok, "committed offset %s has no n", o)
	return n
}

// The child process of TestCrashKillResume is this test binary running
// TestCrashChild with these variables set.
const (
	crashChildEnv    = "KCONNECT_CRASH_CHILD" // "1" in the child
	crashBrokersEnv  = "KCONNECT_CRASH_BROKERS"
	crashTopicEnv    = "KCONNECT_CRASH_TOPIC"
	crashFileEnv     = "KCONNECT_CRASH_OFFSETS"
	crashLimitEnv    = "KCONNECT_CRASH_LIMIT"
	crashBatchEnv    = "KCONNECT_CRASH_BATCH"
	crashIntervalEnv = "KCONNECT_CRASH_INTERVAL"
	crashEOSTopicEnv = "KCONNECT_CRASH_EOS_OFFSETS_TOPIC"
	crashEOSGroupEnv = "KCONNECT_CRASH_EOS_GROUP"
)

// crashParams is what the child runs: the worker with the paced source and
// a File offset store, committing every flush interval; or, with
// eosOffsetsTopic set, with exactly-once delivery, its offsets in that
// Kafka topic, in the worker group eosGroup.
type crashParams struct {
	brokers  []string
	topic    string
	file     string
	limit    int
	batch    int
	interval time.Duration

	eosOffsetsTopic, eosGroup string
}

func (p crashParams) env() []string {
	return []string{
		crashChildEnv + "=1",
		crashBrokersEnv + "=" + strings.Join(p.brokers, ","),
		crashTopicEnv + "=" + p.topic,
		crashFileEnv + "=" + p.file,
		crashLimitEnv + "=" + strconv.Itoa(p.limit),
		crashBatchEnv + "=" + strconv.Itoa(p.batch),
		crashIntervalEnv + "=" + p.interval.String(),
		crashEOSTopicEnv + "=" + p.eosOffsetsTopic,
		crashEOSGroupEnv + "=" + p.eosGroup,
	}
}

func crashParamsFromEnv() (crashParams, error) {
	p := crashParams{
		brokers:         strings.Split(os.Getenv(crashBrokersEnv), ","),
		topic:           os.Getenv(crashTopicEnv),
		file:            os.Getenv(crashFileEnv),
		eosOffsetsTopic: os.Getenv(crashEOSTopicEnv),
		eosGroup:        os.Getenv(crashEOSGroupEnv),
	}
	var err1, err2, err3 error
	p.limit, err1 = strconv.Atoi(os.Getenv(crashLimitEnv))
	p.batch, err2 = strconv.Atoi(os.Getenv(crashBatchEnv))
	p.interval, err3 = time.ParseDuration(os.Getenv(crashIntervalEnv))
	if err := errors.Join(err1, err2, err3); err != nil {
		return p, err
	}
	if p.topic == "" || (p.file == "" && p.eosOffsetsTopic == "") || p.brokers[0] == "" {
		return p, fmt.Errorf("%s, %s and %s must be set", crashBrokersEnv, crashTopicEnv, crashFileEnv)
	}
	return p, nil
}

// crashFlushInterval is the offset flush interval in the crash tests: short,
// so that kills land between commits as well as during them.
const crashFlushInterval = 15 * time.Millisecond

// runCrashWorker starts a worker running the paced source with the offsets
// in store. The caller closes the worker.
func runCrashWorker(p crashParams, store offset.Store, log *slog.Logger, extra ...Opt) (*Worker, error) {
	opts := []Opt{Brokers(p.brokers...), Plugins(pacedPlugin()), OffsetStore(store),
		OffsetFlushInterval(crashFlushInterval), Logger(log), ID("crash-worker")}
	if p.eosOffsetsTopic != "" {
		opts = append(opts, ExactlyOnceSource(true), WorkerGroupID(p.eosGroup))
	}
	w, err := New(append(opts, extra...)...)
	if err != nil {
		return nil, err
	}
	if err := w.CreateConnector(context.Background(), pacedConnector,
		pacedConfig(p.topic, p.limit, p.batch, p.interval)); err != nil {
		return nil, errors.Join(err, w.Close())
	}
	return w, nil
}

// startCrashChild starts the child worker. It stays up until killed, or
// until its stdin closes (the parent is gone).
func startCrashChild(t *testing.T, p crashParams, round int) *testchild.Child {
	t.Helper()
	return testchild.Start(t, "TestCrashChild", p.env(), round)
}
