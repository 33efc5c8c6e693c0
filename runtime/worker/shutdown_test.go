package worker

// Stopping is bounded whatever the brokers do: these tests freeze a broker
// (testkafka.Freezable: it stops answering, its sockets stay open) and
// check that closing, pausing or deleting a connector ends within the task
// shutdown timeout plus the offset flush timeout, and that a commit that
// times out is a failed commit, made good by the next one.

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Short timeouts for the frozen-broker tests, and what a stop may take
// beyond their sum on a loaded two-core machine (closing clients, the
// scheduler), far below any network timeout (tens of seconds).
const (
	frozenShutdownTimeout = time.Second
	frozenFlushTimeout    = time.Second
	frozenMargin          = 3 * time.Second
)

// shutdownMetrics counts what the frozen-broker tests watch, for every task.
type shutdownMetrics struct {
	noMetrics
	polled, written atomic.Int64
	okCommits       atomic.Int64
	failedCommits   atomic.Int64
	mu              sync.Mutex
	lastFailedTook  time.Duration
}

func (m *shutdownMetrics) Task(TaskID, string) TaskMetrics { return m }
func (m *shutdownMetrics) RecordsPolled(n int)             { m.polled.Add(int64(n)) }
func (m *shutdownMetrics) RecordsWritten(n int)            { m.written.Add(int64(n)) }
func (m *shutdownMetrics) OffsetCommit(ok bool, took time.Duration) {
	if ok {
		m.okCommits.Add(1)
		return
	}
	m.mu.Lock()
	m.lastFailedTook = took
	m.mu.Unlock()
	m.failedCommits.Add(1)
}

// bufferCount is a kgo hook counting the records its clients hold in their
// produce buffers, with the one a Produce waiting for room holds: franz-go
// reports a record buffered before it waits.
type bufferCount struct{ buffered, unbuffered atomic.Int64 }

func (b *bufferCount) OnProduceRecordBuffered(*kgo.Record)          { b.buffered.Add(1) }
func (b *bufferCount) OnProduceRecordUnbuffered(*kgo.Record, error) { b.unbuffered.Add(1) }
func (b *bufferCount) held() int64                                  { return b.buffered.Load() - b.unbuffered.Load() }

// waitProduceBlocked waits until a task's producer, bounded to bound
// buffered records, is full and the task waits in Produce with one record
// more: held is then bound+1. Only the task's goroutine produces, one
// record at a time, so held exceeds bound only then. Comparing the records
// polled with those buffered does not tell: when the record that waits is
// the last of its poll, they are equal.
func waitProduceBlocked(t *testing.T, bc *bufferCount, m *shutdownMetrics, bound int64) {
	t.Helper()
	if !assert.Eventually(t, func() bool { return bc.held() > bound }, 30*time.Second, 5*time.Millisecond) {
		t.Fatalf("the producer buffer never filled with the task waiting in Produce: %d records held (bound %d), %d polled, %d written",
			bc.held(), bound, m.polled.Load(), m.written.Load())
	}
}

// stopWithin runs stop and fails the test when it takes longer than limit;
// it then resumes the broker so that stop returns and the test ends rather
// than hangs.
func stopWithin(t *testing.T, f *testkafka.Frozen, limit time.Duration, what string, stop func() error) {
	t.Helper()
	done := make(chan error, 1)
	began := time.Now()
	go func() { done <- stop() }()
	select {
	case err := <-done:
		require.NoError(t, err, what)
		t.Logf("%s took %v on a frozen broker", what, time.Since(began))
	case <-time.After(limit):
		f.Resume()
		err := <-done
		t.Errorf("%s took %v on a frozen broker, more than %v (it returned %v once the broker resumed)", what, time.Since(began), limit, err)
	}
}

// TestSourceStopBoundedWhileBrokerFrozen: a source task blocked producing
// into a full producer buffer while the broker does not answer stops, on
// Close, Pause or Delete, within the shutdown timeout plus the flush
// timeout, and commits no offset past a record the topic does not hold.
func TestSourceStopBoundedWhileBrokerFrozen(t *testing.T) {
	for _, how := range []string{"close", "pause", "delete"} {
		t.Run(how, func(t *testing.T) { testSourceStopFrozen(t, how, false) })
	}
}

// TestSourceStopBoundedWhileBrokerFrozenBeforeMetadata: the same when the
// broker froze before it answered the task's producer anything, not even
// the topic's metadata, so the buffer fills with records that have no
// partition yet; the task commits no offset.
func TestSourceStopBoundedWhileBrokerFrozenBeforeMetadata(t *testing.T) {
	for _, how := range []string{"close", "pause", "delete"} {
		t.Run(how, func(t *testing.T) { testSourceStopFrozen(t, how, true) })
	}
}

// testSourceStopFrozen runs a paced source task, freezes the broker once
// offsets are committed (or, with beforeMetadata, before the task starts),
// waits for the task to be blocked in Produce, and stops it as how says.
func testSourceStopFrozen(t *testing.T, how string, beforeMetadata bool) {
	f := testkafka.Freezable(t)
	topic := testkafka.Topic(t, "frozen")
	testkafka.CreateTopic(t, f.Brokers, topic, 1, nil)
	store := newWatchedStore(t, offset.NewMemory())
	m := &shutdownMetrics{}
	bc := &bufferCount{}
	const maxBuffered = 200
	w, err := New(Brokers(f.Brokers...), Plugins(pacedPlugin()), OffsetStore(store),
		KafkaOpts(kgo.MaxBufferedRecords(maxBuffered), kgo.WithHooks(bc)), WithMetrics(m),
		OffsetFlushInterval(50*time.Millisecond), OffsetFlushTimeout(frozenFlushTimeout),
		TaskShutdownTimeout(frozenShutdownTimeout), Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Resumed before the cleanups that delete the topic, however the test
	// ends.
	defer f.Resume()
	if beforeMetadata {
		f.Freeze()
	}
	require.NoError(t, w.CreateConnector(ctx, pacedConnector, pacedConfig(topic, 1<<40, 50, 0)))
	if !beforeMetadata {
		require.NoError(t, store.waitCommitted(ctx, 500), "offsets committed before the freeze")
		f.Freeze()
	}
	waitProduceBlocked(t, bc, m, maxBuffered)

	limit := frozenShutdownTimeout + frozenFlushTimeout + frozenMargin
	switch how {
	case "close":
		stopWithin(t, f, limit, "Close", w.Close)
	case "pause":
		stopWithin(t, f, limit, "PauseConnector", func() error { return w.PauseConnector(context.Background(), pacedConnector) })
	case "delete":
		stopWithin(t, f, limit, "DeleteConnector", func() error { return w.DeleteConnector(context.Background(), pacedConnector) })
	}

	f.Resume()
	store.requireForwardOnly(t)
	if beforeMetadata {
		got, err := store.Get(ctx, pacedConnector, []connect.SourcePartition{pacedPartition})
		require.NoError(t, err)
		require.Empty(t, got, "an offset was committed though the broker acknowledged no record")
		return
	}
	committed := committedNumber(t, store)
	tr := newTopicTracker(t, f.Brokers, topic)
	tr.catchUp(ctx)
	tr.requireAllBelow(committed, "the committed offset is past a record the topic does not hold")
}

// committedNumber is the n of pacedPartition committed in store.
func committedNumber(t *testing.T, store offset.Store) int64 {
	t.Helper()
	got, err := store.Get(context.Background(), pacedConnector, []connect.SourcePartition{pacedPartition})
	require.NoError(t, err)
	n, ok := got[pacedPartition].Int64("n")
	require.True(t, ok, "no offset committed")
	return n
}

// TestSourceCommitTimesOutWhileOffsetsBrokerFrozen: while the offsets
// topic's broker does not answer, each commit fails after the flush
// timeout (reported as a failed commit) instead of waiting for the broker,
// and the offsets are committed by the first commit after it answers again.
func TestSourceCommitTimesOutWhileOffsetsBrokerFrozen(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "data")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	f := testkafka.Freezable(t)
	kafkaStore, _ := eosKafkaStore(t, f.Brokers)
	store := newWatchedStore(t, kafkaStore) // sees the Puts that succeed
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	const flushTimeout = 500 * time.Millisecond
	m := &shutdownMetrics{}
	w, err := New(Brokers(brokers...), Plugins(pacedPlugin()), OffsetStore(store), WithMetrics(m),
		OffsetFlushInterval(100*time.Millisecond), OffsetFlushTimeout(flushTimeout),
		Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	defer w.Close()
	require.NoError(t, w.CreateConnector(ctx, pacedConnector, pacedConfig(topic, 1<<40, 10, 20*time.Millisecond)))
	require.Eventually(t, func() bool { return m.okCommits.Load() > 0 }, 30*time.Second, 5*time.Millisecond, "no commit before the freeze")

	f.Freeze()
	require.Eventually(t, func() bool { return m.failedCommits.Load() > 0 }, 10*flushTimeout, 5*time.Millisecond,
		"no commit failed while the offsets broker was frozen")
	m.mu.Lock()
	took := m.lastFailedTook
	m.mu.Unlock()
	require.Less(t, took, flushTimeout+frozenMargin, "a failed commit outlived the flush timeout")
	// Every record acknowledged by now (one partition, acknowledged in
	// order) is committable, and must be committed after the broker resumes.
	written := m.written.Load()
	okWhileFrozen := m.okCommits.Load()
	require.Eventually(t, func() bool { return m.failedCommits.Load() > 1 }, 10*flushTimeout, 5*time.Millisecond,
		"commits stopped being attempted")
	require.Equal(t, okWhileFrozen, m.okCommits.Load(), "a commit succeeded while the offsets broker was frozen")

	f.Resume()
	// A timed-out Put may still be written once the broker answers; only
	// a Put that succeeds counts.
	require.NoError(t, store.waitCommitted(ctx, written-1),
		"offsets acknowledged while the offsets broker was frozen were not committed after it resumed")
	// The store sees the Put succeed just before the commit reports it.
	require.Eventually(t, func() bool { return m.okCommits.Load() > okWhileFrozen }, 10*time.Second, 5*time.Millisecond,
		"no commit reported succeeding after the offsets broker resumed")
	require.GreaterOrEqual(t, committedNumber(t, kafkaStore), written-1)
	store.requireForwardOnly(t)
}

// TestSinkCloseBoundedWhileBrokerFrozen: a sink task whose broker stops
// answering stops within the shutdown timeout plus the flush timeout: its
// final commit and leaving the group give up rather than wait.
func TestSinkCloseBoundedWhileBrokerFrozen(t *testing.T) {
	f := testkafka.Freezable(t)
	topic := testkafka.Topic(t, "frozen")
	testkafka.CreateTopic(t, f.Brokers, topic, 1, nil)
	produceStrings(t, f.Brokers, topic, 100)
	c := newCollector(100)
	w, err := New(Brokers(f.Brokers...), Plugins(c.plugin()), OffsetStore(offset.NewMemory()),
		OffsetFlushInterval(time.Hour), OffsetFlushTimeout(frozenFlushTimeout),
		TaskShutdownTimeout(frozenShutdownTimeout), Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	defer w.Close()
	name := testkafka.Group(t, "frozen")
	require.NoError(t, w.CreateConnector(context.Background(), name, map[string]string{
		"connector.class": "test.CollectorSink", "topics": topic,
		"key.converter": "StringConverter", "value.converter": "StringConverter",
	}))
	waitOrFail(t, c.done) // everything Put, nothing committed yet

	f.Freeze()
	stopWithin(t, f, frozenShutdownTimeout+frozenFlushTimeout+frozenMargin, "Close", w.Close)
	f.Resume() // before the cleanups that delete the topic
}

// TestSourceProducerBufferBounded: a source task's producer holds at most
// producerMaxBufferedRecords records while the broker does not answer (not
// franz-go's 50,000), the task's memory while polling outruns Kafka; the
// worker's KafkaOpts may set another bound.
func TestSourceProducerBufferBounded(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []kgo.Opt
		want int64
	}{
		{"default", nil, producerMaxBufferedRecords},
		{"KafkaOpts", []kgo.Opt{kgo.MaxBufferedRecords(300)}, 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := testkafka.Freezable(t)
			topic := testkafka.Topic(t, "frozen-buffer")
			testkafka.CreateTopic(t, f.Brokers, topic, 1, nil)
			m := &shutdownMetrics{}
			bc := &bufferCount{}
			w, err := New(Brokers(f.Brokers...), Plugins(pacedPlugin()), OffsetStore(offset.NewMemory()),
				KafkaOpts(append(tc.opts, kgo.WithHooks(bc))...), WithMetrics(m),
				OffsetFlushTimeout(frozenFlushTimeout), TaskShutdownTimeout(frozenShutdownTimeout),
				Logger(slog.New(slog.DiscardHandler)))
			require.NoError(t, err)
			defer w.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			f.Freeze()
			defer f.Resume() // before the cleanups that delete the topic
			require.NoError(t, w.CreateConnector(ctx, pacedConnector, pacedConfig(topic, 1<<40, 500, 0)))
			waitProduceBlocked(t, bc, m, tc.want)
			// The buffer's tc.want and the one record Produce waits with.
			require.Equal(t, tc.want+1, bc.held(), "records buffered")
			stopWithin(t, f, frozenShutdownTimeout+frozenFlushTimeout+frozenMargin, "Close", w.Close)
		})
	}
}
