package worker

// Tests of what the worker does with an embedded broker (Embedded): the
// options New refuses, stopping the broker, and Close letting sinks drain
// an embedded pipeline. Package embedded tests its broker.

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// testBroker is the Embedded option of this package's tests, which cannot
// import package embedded (it imports this one): a kfake cluster of one
// broker started with opts, whose offsets topic, if any, is offsetsTopic.
// stopped counts the calls of its stop function.
func testBroker(offsetsTopic string, stopped *atomic.Int32, opts ...kfake.Opt) Opt {
	return Embedded(EmbeddedBroker{
		Name: "testBroker",
		Start: func() ([]string, func() error, error) {
			c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1)}, opts...)...)
			if err != nil {
				return nil, nil, err
			}
			return c.ListenAddrs(), func() error {
				if stopped != nil {
					stopped.Add(1)
				}
				c.Close()
				return nil
			}, nil
		},
		OffsetsTopic: offsetsTopic,
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
	w, err := New(testBroker("", nil, kfake.AllowAutoTopicCreation()), Plugins(pacedPlugin(), s.plugin()), OffsetStore(store),
		OffsetFlushInterval(20*time.Millisecond), TaskShutdownTimeout(30*time.Second), Logger(discardLog))
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
	w, err := New(testBroker("", nil, kfake.AllowAutoTopicCreation()), Plugins(pacedPlugin(), s.plugin()), OffsetStore(store),
		OffsetFlushInterval(20*time.Millisecond), TaskShutdownTimeout(shutdown), Logger(discardLog))
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
// embedded broker that creates no topics on first use, as a durable one,
// once its sink has every record: each of the source's transactions ends
// with a commit marker, which no consumer is given, so the sink's position
// stays below the end offset; Close must see that only markers are left
// rather than wait out the shutdown timeout. The source, with no
// topic.creation keys, has its topic created with the broker's defaults,
// and its offsets go to the broker's offsets topic, as exactly-once needs.
func TestEmbeddedCloseAfterTransactions(t *testing.T) {
	const limit = 200
	c := newCollector(limit)
	const shutdown = 20 * time.Second
	w, err := New(testBroker("connect-offsets", nil), Plugins(pacedPlugin(), c.plugin()), ExactlyOnceSource(true),
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

// TestNewNeedsACluster: a worker given neither Brokers nor an embedded
// broker is an error that names both ways to give one.
func TestNewNeedsACluster(t *testing.T) {
	w, err := New(Logger(discardLog))
	if err == nil {
		require.NoError(t, w.Close())
	}
	require.Error(t, err)
	require.Contains(t, err.Error(), "Brokers(")
	require.Contains(t, err.Error(), "embedded.Broker()")
}

// TestEmbeddedOptions checks the options New refuses with an embedded
// broker, and that the broker it started stops once, on Close or when New
// fails after starting it.
func TestEmbeddedOptions(t *testing.T) {
	t.Run("WithBrokers", func(t *testing.T) {
		_, err := New(testBroker("", nil), Brokers("localhost:9092"), Logger(discardLog))
		require.ErrorContains(t, err, "testBroker and Brokers both given")
	})
	t.Run("Twice", func(t *testing.T) {
		_, err := New(testBroker("", nil), testBroker("", nil), Logger(discardLog))
		require.ErrorContains(t, err, "two embedded brokers")
	})
	t.Run("DurableStoreNotDurableBroker", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "offsets.json")
		f, err := offset.OpenFile(path)
		require.NoError(t, err)
		defer f.Close()
		var stopped atomic.Int32
		_, err = New(testBroker("", &stopped), OffsetStore(f), Logger(discardLog))
		require.Error(t, err)
		for _, want := range []string{path, "testBroker", "vanish", "embedded.Broker(embedded.Dir(dir))", "Brokers("} {
			require.Contains(t, err.Error(), want)
		}
		require.Zero(t, stopped.Load(), "refused before starting")
	})
	t.Run("DurableStoreDurableBroker", func(t *testing.T) {
		f, err := offset.OpenFile(filepath.Join(t.TempDir(), "offsets.json"))
		require.NoError(t, err)
		defer f.Close()
		b := EmbeddedBroker{Name: "durable", Durable: true, Start: func() ([]string, func() error, error) {
			c, err := kfake.NewCluster(kfake.NumBrokers(1))
			if err != nil {
				return nil, nil, err
			}
			return c.ListenAddrs(), func() error { c.Close(); return nil }, nil
		}}
		w, err := New(Embedded(b), OffsetStore(f), Logger(discardLog))
		require.NoError(t, err)
		require.NoError(t, w.Close())
	})
	t.Run("StartFails", func(t *testing.T) {
		b := EmbeddedBroker{Name: "broken", Start: func() ([]string, func() error, error) {
			return nil, nil, errors.New("no room")
		}}
		_, err := New(Embedded(b), Logger(discardLog))
		require.ErrorContains(t, err, "starting broken: no room")
	})
	t.Run("StoppedOnce", func(t *testing.T) {
		var stopped atomic.Int32
		w, err := New(testBroker("", &stopped), Logger(discardLog))
		require.NoError(t, err)
		require.NoError(t, w.Close())
		require.NoError(t, w.Close())
		require.EqualValues(t, 1, stopped.Load())
	})
	t.Run("StoppedWhenNewFails", func(t *testing.T) {
		// The worker's clients cannot be built: New fails after starting
		// the broker, and stops it.
		var stopped atomic.Int32
		_, err := New(testBroker("connect-offsets", &stopped), KafkaOpts(kgo.MaxBufferedRecords(0)), Logger(discardLog))
		require.ErrorContains(t, err, "max buffered records")
		require.EqualValues(t, 1, stopped.Load())
	})
	t.Run("StopError", func(t *testing.T) {
		b := EmbeddedBroker{Name: "leaky", Start: func() ([]string, func() error, error) {
			c, err := kfake.NewCluster(kfake.NumBrokers(1))
			if err != nil {
				return nil, nil, err
			}
			return c.ListenAddrs(), func() error { c.Close(); return errors.New("lock not released") }, nil
		}}
		w, err := New(Embedded(b), Logger(discardLog))
		require.NoError(t, err)
		require.ErrorContains(t, w.Close(), "stopping leaky: lock not released")
	})
}
