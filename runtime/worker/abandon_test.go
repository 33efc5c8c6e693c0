package worker

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/goroutines"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/kconnect-go/kconnect/source"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Tasks that ignore cancellation: the stopping call returns within the
// task shutdown timeout plus the offset flush timeout plus the grace for
// closing plus this margin.
const (
	stuckShutdown = 500 * time.Millisecond
	stuckFlush    = 500 * time.Millisecond
	stuckBound    = stuckShutdown + stuckFlush + abandonGrace + 3*time.Second
)

// stuckSource is a source connector some of whose task instances ignore
// cancellation: such an instance returns one batch, then blocks in its next
// Poll, whatever its context, until release is closed, and then returns
// records (values "zombie-…") that must never reach Kafka. The other
// instances poll 30 records and then wait for their context. Values and
// offsets ("pos") are "i<instance>-<k>", so a commit says which instance
// made it.
type stuckSource struct {
	stuckNext     atomic.Int32 // how many of the next instances to start get stuck
	instances     atomic.Int32
	release       chan struct{}
	releaseOnce   sync.Once
	stuck         chan int32 // an instance that blocks, as it blocks
	zombieStopped chan int32 // a stuck instance, once its Stop was called

	inPoll, maxInPoll atomic.Int32 // Polls running at once, the stuck ones aside
	afterRelease      atomic.Int32 // Polls by a stuck instance after its stuck one
}

func newStuckSource(stuck int32) *stuckSource {
	s := &stuckSource{release: make(chan struct{}), stuck: make(chan int32, 16), zombieStopped: make(chan int32, 16)}
	s.stuckNext.Store(stuck)
	return s
}

// free releases every stuck Poll.
func (s *stuckSource) free() { s.releaseOnce.Do(func() { close(s.release) }) }

func (s *stuckSource) plugin() source.Plugin {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "topic", Type: connect.ConfigString, Required: true, Importance: connect.High})
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.StuckSource", Kind: connect.SourcePlugin, Config: def},
		New: func() source.Connector {
			return source.SimpleConnector(func() source.Task { return &stuckSourceTask{s: s} })
		},
	}
}

type stuckSourceTask struct {
	s           *stuckSource
	n           int32 // instance number, from 1
	stuck       bool
	topic       string
	partition   connect.SourcePartition
	polls, next int
}

func (t *stuckSourceTask) Start(_ context.Context, cfg map[string]string, _ source.TaskContext) error {
	t.n = t.s.instances.Add(1)
	t.stuck = t.s.stuckNext.Add(-1) >= 0
	t.topic = cfg["topic"]
	t.partition = connect.NewSourcePartition("stuck", cfg["name"])
	return nil
}

func (t *stuckSourceTask) records(prefix string, n int) []connect.Record {
	var out []connect.Record
	for range n {
		v := fmt.Sprintf("%s-%d", prefix, t.next)
		t.next++
		out = append(out, connect.Record{Topic: t.topic, ValueSchema: connect.StringSchema, Value: v,
			SourcePartition: t.partition, SourceOffset: connect.StringOffset("pos", v)})
	}
	return out
}

func (t *stuckSourceTask) Poll(ctx context.Context) ([]connect.Record, error) {
	t.polls++
	if t.stuck && t.polls == 2 {
		t.s.stuck <- t.n
		<-t.s.release // ignores ctx on purpose
		return t.records("zombie", 5), nil
	}
	if t.stuck && t.polls > 2 {
		t.s.afterRelease.Add(1)
	}
	in := t.s.inPoll.Add(1)
	defer t.s.inPoll.Add(-1)
	for m := t.s.maxInPoll.Load(); in > m && !t.s.maxInPoll.CompareAndSwap(m, in); m = t.s.maxInPoll.Load() {
	}
	if t.next >= 30 || t.stuck && t.polls > 2 {
		<-ctx.Done()
		return nil, nil
	}
	return t.records("i"+strconv.Itoa(int(t.n)), 10), nil
}

func (t *stuckSourceTask) Stop(context.Context) error {
	if t.stuck {
		t.s.zombieStopped <- t.n
	}
	return nil
}

// stuckSink is a sink connector some of whose task instances ignore
// cancellation: such an instance blocks in its first Put with records
// until release is closed. The other instances collect what they are
// given.
type stuckSink struct {
	stuckNext     atomic.Int32
	instances     atomic.Int32
	release       chan struct{}
	releaseOnce   sync.Once
	stuck         chan int32
	zombieStopped chan int32
	afterRelease  atomic.Int32 // Puts by a stuck instance after its stuck one

	mu   sync.Mutex
	got  map[string]int32 // value → live instance that was given it
	want int
	all  chan struct{} // closed once want values were given
}

func newStuckSink(stuck int32, want int) *stuckSink {
	s := &stuckSink{release: make(chan struct{}), stuck: make(chan int32, 16), zombieStopped: make(chan int32, 16),
		got: map[string]int32{}, want: want, all: make(chan struct{})}
	s.stuckNext.Store(stuck)
	return s
}

func (s *stuckSink) free() { s.releaseOnce.Do(func() { close(s.release) }) }

func (s *stuckSink) plugin() sink.Plugin {
	return sink.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.StuckSink", Kind: connect.SinkPlugin},
		New: func() sink.Connector {
			return sink.SimpleConnector(func() sink.Task { return &stuckSinkTask{s: s} })
		},
	}
}

type stuckSinkTask struct {
	s     *stuckSink
	n     int32
	stuck bool
	puts  int
}

func (t *stuckSinkTask) Start(context.Context, map[string]string, sink.TaskContext) error {
	t.n = t.s.instances.Add(1)
	t.stuck = t.s.stuckNext.Add(-1) >= 0
	return nil
}

func (t *stuckSinkTask) Put(_ context.Context, rs []connect.Record) error {
	if len(rs) == 0 {
		return nil
	}
	t.puts++
	if t.stuck {
		if t.puts == 1 {
			t.s.stuck <- t.n
			<-t.s.release // ignores ctx on purpose
		} else {
			t.s.afterRelease.Add(1)
		}
		return nil
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	for _, r := range rs {
		t.s.got[r.Value.(string)] = t.n
	}
	if len(t.s.got) >= t.s.want {
		select {
		case <-t.s.all:
		default:
			close(t.s.all)
		}
	}
	return nil
}

func (t *stuckSinkTask) Stop(context.Context) error {
	if t.stuck {
		t.s.zombieStopped <- t.n
	}
	return nil
}

// recordingStore keeps every offset committed to it, in order.
type recordingStore struct {
	offset.Store
	mu   sync.Mutex
	puts []string
}

func (s *recordingStore) Put(ctx context.Context, connector string, entries []offset.Entry) error {
	s.mu.Lock()
	for _, e := range entries {
		s.puts = append(s.puts, e.Offset.String())
	}
	s.mu.Unlock()
	return s.Store.Put(ctx, connector, entries)
}

func (s *recordingStore) committed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.puts)
}

// newStuckWorker returns a worker with the short shutdown timeout of these
// tests.
func newStuckWorker(t *testing.T, brokers []string, store offset.Store, flush time.Duration, plugins ...connect.Plugin) *Worker {
	t.Helper()
	w, err := New(Brokers(brokers...), Plugins(plugins...), OffsetStore(store), OffsetFlushInterval(flush),
		TaskShutdownTimeout(stuckShutdown), OffsetFlushTimeout(stuckFlush), Logger(slog.New(slog.DiscardHandler)), ID("test-worker"))
	require.NoError(t, err)
	return w
}

// within runs f, failing the test unless it returns within d.
func within(t *testing.T, d time.Duration, what string, f func() error) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- f() }()
	select {
	case err := <-errc:
		return err
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
		return nil
	}
}

// receive waits for a value from ch.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// requireAbandoned checks that err reports exactly the given tasks of
// connector as abandoned.
func requireAbandoned(t *testing.T, err error, connector string, tasks ...int) {
	t.Helper()
	require.ErrorIs(t, err, ErrTaskAbandoned)
	for _, task := range tasks {
		require.ErrorContains(t, err, fmt.Sprintf("connector %s task %d: ", connector, task))
	}
	require.Equal(t, len(tasks), strings.Count(err.Error(), ErrTaskAbandoned.Error()), "%v", err)
}

// readValues reads the first n values of topic.
func readValues(t *testing.T, brokers []string, topic string, n int) []string {
	t.Helper()
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	defer cl.Close() // now: the goroutine checks count Kafka clients
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []string
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "got %d of %d records", len(out), n)
		fs.EachRecord(func(r *kgo.Record) { out = append(out, string(r.Value)) })
	}
	return out
}

// groupCommitted returns the sum of the offsets group committed.
func groupCommitted(t *testing.T, brokers []string, group string) int64 {
	t.Helper()
	cl := testkafka.Client(t, brokers)
	defer cl.Close()
	offs, err := kadm.NewClient(cl).FetchOffsets(context.Background(), group)
	require.NoError(t, err)
	total := int64(0)
	offs.Each(func(o kadm.OffsetResponse) { total += max(o.At, 0) })
	return total
}

// topicValues returns the values of every record in topic.
func topicValues(t *testing.T, brokers []string, topic string) []string {
	t.Helper()
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	require.NoError(t, err)
	var want int64
	ends.Each(func(o kadm.ListedOffset) { want += o.Offset })
	var out []string
	for int64(len(out)) < want {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "got %d of %d records", len(out), want)
		fs.EachRecord(func(r *kgo.Record) { out = append(out, string(r.Value)) })
	}
	return out
}

// requireGoroutines waits until the goroutines of the runtime and of Kafka
// clients started since before are exactly those whose stacks contain
// each of stuck, one apiece (the deliberately stuck task goroutines).
func requireGoroutines(t *testing.T, before map[uint64]string, stuck ...string) {
	t.Helper()
	var started []string
	ok := func() bool {
		started = started[:0]
		for id, st := range goroutines.Snapshot() {
			if _, old := before[id]; old || strings.Contains(st, "testing.tRunner") {
				continue
			}
			if strings.Contains(st, "kconnect/runtime/worker.") || strings.Contains(st, "franz-go/pkg/kgo.") {
				started = append(started, st)
			}
		}
		if len(started) != len(stuck) {
			return false
		}
		for _, want := range stuck {
			if !slices.ContainsFunc(started, func(st string) bool { return strings.Contains(st, want) }) {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("want only %d stuck goroutine(s) (%v) left, got %d:\n\n%s", len(stuck), stuck, len(started), strings.Join(started, "\n\n"))
		}
		// No event says a goroutine has exited: poll, within the deadline.
		time.Sleep(10 * time.Millisecond)
	}
}

// Close returns within the shutdown timeout even though a source task's
// Poll ignores cancellation, with an error naming the task. The abandoned
// task, once its Poll returns, produces nothing of what it returned and
// commits no offset (a newer instance may have committed later ones), and
// no goroutine is left but the stuck one, until it is released.
func TestCloseAbandonsStuckSourceTask(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "stuck")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	before := goroutines.Snapshot()
	ss := newStuckSource(1)
	defer ss.free()
	store := &recordingStore{Store: offset.NewMemory()}
	// No periodic commit: anything committed is the abandoned task's final commit.
	w := newStuckWorker(t, brokers, store, time.Hour, ss.plugin())
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "stuck-src", map[string]string{
		"connector.class": "test.StuckSource", "topic": topic,
		"key.converter": "StringConverter", "value.converter": "StringConverter"}))
	receive(t, ss.stuck, "the task to get stuck")
	require.Len(t, readValues(t, brokers, topic, 10), 10) // its first batch is written

	err := within(t, stuckBound, "Close", w.Close)
	requireAbandoned(t, err, "stuck-src", 0)
	requireGoroutines(t, before, "stuckSourceTask).Poll")

	ss.free()
	receive(t, ss.zombieStopped, "the abandoned task to stop")
	requireGoroutines(t, before)
	require.Empty(t, store.committed(), "the abandoned task committed offsets")
	values := topicValues(t, brokers, topic)
	require.Len(t, values, 10)
	require.Equal(t, "i1-0", values[0])
	require.Equal(t, "i1-9", values[9])
	require.Zero(t, ss.afterRelease.Load(), "the abandoned task polled again")
}

// Close returns within the shutdown timeout even though a sink task's Put
// ignores cancellation; once Put returns, the abandoned task commits no
// consumer offset.
func TestCloseAbandonsStuckSinkTask(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "stuck-sink")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	produceValues(t, brokers, topic, 20)
	before := goroutines.Snapshot()
	ss := newStuckSink(1, 20)
	defer ss.free()
	w := newStuckWorker(t, brokers, offset.NewMemory(), time.Hour, ss.plugin())
	name := testkafka.Group(t, "stuck-sink")
	require.NoError(t, w.CreateConnector(context.Background(), name, map[string]string{
		"connector.class": "test.StuckSink", "topics": topic,
		"key.converter": "StringConverter", "value.converter": "StringConverter"}))
	receive(t, ss.stuck, "the task to get stuck")

	err := within(t, stuckBound, "Close", w.Close)
	requireAbandoned(t, err, name, 0)
	requireGoroutines(t, before, "stuckSinkTask).Put")

	ss.free()
	receive(t, ss.zombieStopped, "the abandoned task to stop")
	requireGoroutines(t, before)
	require.Zero(t, ss.afterRelease.Load(), "the abandoned task was given more records")
	require.Zero(t, groupCommitted(t, brokers, GroupID(name)), "the abandoned task committed offsets")
}

// Pausing a connector whose task ignores cancellation returns within the
// shutdown timeout, naming the task; resuming it runs exactly one live
// instance, and the abandoned one, released, neither polls again nor
// produces nor commits.
func TestPauseResumeStuckSourceTask(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "stuck")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	before := goroutines.Snapshot()
	ss := newStuckSource(1)
	store := &recordingStore{Store: offset.NewMemory()}
	w := newStuckWorker(t, brokers, store, time.Hour, ss.plugin())
	defer func() { ss.free(); _ = w.Close() }()
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "stuck-pause", map[string]string{
		"connector.class": "test.StuckSource", "topic": topic,
		"key.converter": "StringConverter", "value.converter": "StringConverter"}))
	receive(t, ss.stuck, "the task to get stuck")

	err := within(t, stuckBound, "PauseConnector", func() error { return w.PauseConnector(ctx, "stuck-pause") })
	requireAbandoned(t, err, "stuck-pause", 0)
	st, err := w.Status("stuck-pause")
	require.NoError(t, err)
	require.Equal(t, Paused, st.Connector.State)
	require.Equal(t, []State{Paused}, taskStates(t, w, "stuck-pause"))

	require.NoError(t, w.ResumeConnector(ctx, "stuck-pause"))
	values := readValues(t, brokers, topic, 40) // i1-0…9, then the new instance's 30
	require.Equal(t, "i2-29", values[39])
	require.Eventually(t, func() bool { return taskStates(t, w, "stuck-pause")[0] == Running }, 10*time.Second, 5*time.Millisecond)

	ss.free()
	receive(t, ss.zombieStopped, "the abandoned task to stop")
	require.Equal(t, int32(2), ss.instances.Load())
	require.Equal(t, int32(1), ss.maxInPoll.Load(), "two instances polled at once")
	require.Zero(t, ss.afterRelease.Load(), "the abandoned task polled again")
	require.Equal(t, []State{Running}, taskStates(t, w, "stuck-pause"))

	require.NoError(t, within(t, stuckBound, "Close", w.Close))
	require.Equal(t, []string{`{"pos":"i2-29"}`}, store.committed(), "only the live instance commits")
	values = topicValues(t, brokers, topic)
	require.Len(t, values, 40)
	for _, v := range values {
		require.NotContains(t, v, "zombie")
	}
	requireGoroutines(t, before)
}

// UpdateConnector, RestartTask, RestartConnector and DeleteConnector
// return within the shutdown timeout when a task ignores cancellation,
// naming it; a new instance runs at once and the abandoned ones commit
// nothing.
func TestStuckSourceTaskUpdateRestartDelete(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "stuck")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	before := goroutines.Snapshot()
	ss := newStuckSource(1)
	store := &recordingStore{Store: offset.NewMemory()}
	w := newStuckWorker(t, brokers, store, time.Hour, ss.plugin())
	defer func() { ss.free(); _ = w.Close() }()
	ctx := context.Background()
	const name = "stuck-ops"
	cfg := map[string]string{"connector.class": "test.StuckSource", "topic": topic,
		"key.converter": "StringConverter", "value.converter": "StringConverter"}
	require.NoError(t, w.CreateConnector(ctx, name, cfg))
	require.Equal(t, int32(1), receive(t, ss.stuck, "instance 1 to get stuck"))

	cfg["tasks.max"] = "1"
	err := within(t, stuckBound, "UpdateConnector", func() error { return w.UpdateConnector(ctx, name, cfg) })
	requireAbandoned(t, err, name, 0)
	require.Equal(t, "i2-29", readValues(t, brokers, topic, 40)[39])

	ss.stuckNext.Store(1)
	require.NoError(t, w.RestartTask(ctx, name, 0)) // instance 2 stops in time
	require.Equal(t, int32(3), receive(t, ss.stuck, "instance 3 to get stuck"))
	err = within(t, stuckBound, "RestartTask", func() error { return w.RestartTask(ctx, name, 0) })
	requireAbandoned(t, err, name, 0)
	require.Equal(t, "i4-29", readValues(t, brokers, topic, 80)[79])

	ss.stuckNext.Store(1)
	require.NoError(t, w.RestartConnector(ctx, name, true, false))
	require.Equal(t, int32(5), receive(t, ss.stuck, "instance 5 to get stuck"))
	err = within(t, stuckBound, "RestartConnector", func() error { return w.RestartConnector(ctx, name, true, false) })
	requireAbandoned(t, err, name, 0)
	require.Equal(t, "i6-29", readValues(t, brokers, topic, 120)[119])

	ss.stuckNext.Store(1)
	require.NoError(t, w.RestartTask(ctx, name, 0))
	require.Equal(t, int32(7), receive(t, ss.stuck, "instance 7 to get stuck"))
	err = within(t, stuckBound, "DeleteConnector", func() error { return w.DeleteConnector(ctx, name) })
	requireAbandoned(t, err, name, 0)
	require.NoError(t, w.Close()) // the abandoned tasks are not waited for
	requireGoroutines(t, before, "stuckSourceTask).Poll", "stuckSourceTask).Poll", "stuckSourceTask).Poll", "stuckSourceTask).Poll")

	ss.free()
	for range 4 {
		receive(t, ss.zombieStopped, "an abandoned task to stop")
	}
	require.Equal(t, int32(1), ss.maxInPoll.Load(), "two instances polled at once")
	require.Zero(t, ss.afterRelease.Load(), "an abandoned task polled again")
	// Instances 2, 4 and 6 stopped in time and committed; 1, 3, 5 and 7 did not.
	require.Equal(t, []string{`{"pos":"i2-29"}`, `{"pos":"i4-29"}`, `{"pos":"i6-29"}`}, store.committed())
	requireGoroutines(t, before)
}

// Restarting a sink task whose Put ignores cancellation returns within the
// shutdown timeout; the abandoned task's consumer leaves the group, so the
// new instance gets the partitions at once rather than after the stuck
// member's rebalance timeout.
func TestRestartStuckSinkTask(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "stuck-sink")
	testkafka.CreateTopic(t, brokers, topic, 2, nil)
	produceValues(t, brokers, topic, 20)
	before := goroutines.Snapshot()
	ss := newStuckSink(1, 20)
	w := newStuckWorker(t, brokers, offset.NewMemory(), 50*time.Millisecond, ss.plugin())
	defer func() { ss.free(); _ = w.Close() }()
	name := testkafka.Group(t, "stuck-sink")
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, name, map[string]string{
		"connector.class": "test.StuckSink", "topics": topic,
		"key.converter": "StringConverter", "value.converter": "StringConverter"}))
	receive(t, ss.stuck, "the task to get stuck")

	err := within(t, stuckBound, "RestartTask", func() error { return w.RestartTask(ctx, name, 0) })
	requireAbandoned(t, err, name, 0)
	select {
	case <-ss.all:
	case <-time.After(20 * time.Second):
		t.Fatal("the new instance was not given every record")
	}
	require.Eventually(t, func() bool { return groupCommitted(t, brokers, GroupID(name)) == 20 }, 20*time.Second, 10*time.Millisecond)

	ss.free()
	receive(t, ss.zombieStopped, "the abandoned task to stop")
	require.Zero(t, ss.afterRelease.Load(), "the abandoned task was given more records")
	require.Equal(t, int32(2), ss.instances.Load())
	require.Equal(t, []State{Running}, taskStates(t, w, name))
	require.NoError(t, within(t, stuckBound, "Close", w.Close))
	requireGoroutines(t, before)
}

// produceValues writes the values v-0 to v-(n-1) to topic.
func produceValues(t *testing.T, brokers []string, topic string, n int) {
	t.Helper()
	cl := testkafka.Client(t, brokers, kgo.DefaultProduceTopic(topic))
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for i := range n {
		recs = append(recs, &kgo.Record{Value: []byte(fmt.Sprintf("v-%d", i))})
	}
	require.NoError(t, cl.ProduceSync(ctx, recs...).FirstErr())
}

// With exactly-once delivery, Close abandons a source task whose Poll
// ignores cancellation as well: its transactional producer is closed, so
// what it returns once released is never committed, while the transaction
// it committed before stays.
func TestCloseAbandonsStuckEOSSourceTask(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "stuck-eos")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	store, _ := eosKafkaStore(t, brokers)
	ss := newStuckSource(1)
	defer ss.free()
	w := newEOSWorkerWith(t, brokers, store, testkafka.Group(t, "stuck-eos"), []Opt{TaskShutdownTimeout(stuckShutdown), OffsetFlushTimeout(stuckFlush)}, ss.plugin())
	require.NoError(t, w.CreateConnector(context.Background(), "stuck-eos", map[string]string{
		"connector.class": "test.StuckSource", "topic": topic,
		"key.converter": "StringConverter", "value.converter": "StringConverter"}))
	receive(t, ss.stuck, "the task to get stuck")

	err := within(t, stuckBound, "Close", w.Close)
	requireAbandoned(t, err, "stuck-eos", 0)
	ss.free()
	receive(t, ss.zombieStopped, "the abandoned task to stop")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	marker := testkafka.Client(t, brokers)
	require.NoError(t, marker.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("end")}).FirstErr())
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	var values []string
	for !slices.Contains(values, "end") {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "no end marker after %v", values)
		fs.EachRecord(func(r *kgo.Record) { values = append(values, string(r.Value)) })
	}
	require.Len(t, values, 11, "%v", values)
	require.Equal(t, "i1-9", values[9])
	o, err := store.Get(ctx, "stuck-eos", []connect.SourcePartition{connect.NewSourcePartition("stuck", "stuck-eos")})
	require.NoError(t, err)
	require.Len(t, o, 1)
	for _, off := range o {
		require.Equal(t, `{"pos":"i1-9"}`, off.String())
	}
}
