package distributed

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/source"
)

// deafSource's first task instance ignores its stop: its Poll blocks,
// whatever its context, until release is closed. Later instances poll
// nothing until they are stopped.
type deafSource struct {
	instances   atomic.Int32
	polling     chan int32 // each instance as it first polls
	release     chan struct{}
	releaseOnce sync.Once
}

func (d *deafSource) free() { d.releaseOnce.Do(func() { close(d.release) }) }

func (d *deafSource) plugin() source.Plugin {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "round", Type: connect.ConfigString, Default: "1", Importance: connect.Low})
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.DeafSource", Kind: connect.SourcePlugin, Config: def, Version: "1"},
		New: func() source.Connector {
			return source.SimpleConnector(func() source.Task { return &deafTask{d: d} })
		},
	}
}

type deafTask struct {
	d      *deafSource
	n      int32
	polled bool
}

func (t *deafTask) Start(context.Context, map[string]string, source.TaskContext) error {
	t.n = t.d.instances.Add(1)
	return nil
}

func (t *deafTask) Poll(ctx context.Context) ([]connect.Record, error) {
	if !t.polled {
		t.polled = true
		t.d.polling <- t.n
	}
	if t.n == 1 {
		<-t.d.release
		return nil, nil
	}
	<-ctx.Done()
	return nil, nil
}

func (t *deafTask) Stop(context.Context) error { return nil }

// A task the worker abandoned while it ran, here when a configuration
// change stopped it for a rebalance, is reported by Close, as one Close
// itself abandons is: its goroutine may outlive the worker.
func TestCloseReportsTasksAbandonedForARebalance(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topics := internalTopics(t, brokers)
	d := &deafSource{polling: make(chan int32, 8), release: make(chan struct{})}
	defer d.free()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h, err := New(ctx, Config{
		GroupID: testkafka.Group(t, "connect"), URL: "http://worker-0.test:8083", Brokers: brokers,
		ConfigTopic: topics[0], StatusTopic: topics[1], OffsetTopic: topics[2],
		ReplicationFactor: 1, OffsetPartitions: 1, StatusPartitions: 1,
		HeartbeatInterval: 200 * time.Millisecond, SessionTimeout: 6 * time.Second, RebalanceTimeout: 10 * time.Second,
		Logger: testLogger(),
		WorkerOpts: []worker.Opt{worker.Plugins(d.plugin()),
			worker.TaskShutdownTimeout(200 * time.Millisecond), worker.OffsetFlushTimeout(200 * time.Millisecond)},
	})
	require.NoError(t, err)
	closed := false
	t.Cleanup(func() {
		if !closed {
			_ = h.Close()
		}
	})
	put := func(round string) {
		require.Eventually(t, func() bool {
			_, _, err := h.PutConnectorConfig(ctx, "deaf", map[string]string{"connector.class": "test.DeafSource",
				"round": round, "tasks.max": "1"}, herder.PutOptions{})
			require.True(t, err == nil || errors.Is(err, herder.ErrRebalancing), "%v", err)
			return err == nil
		}, 30*time.Second, 50*time.Millisecond)
	}
	await := func(want int32) {
		select {
		case n := <-d.polling:
			require.Equal(t, want, n)
		case <-ctx.Done():
			t.Fatalf("task instance %d did not poll", want)
		}
	}
	put("1")
	await(1)
	// The changed configuration stops the deaf instance, which is
	// abandoned, and starts the next.
	put("2")
	await(2)

	err = h.Close()
	closed = true
	require.ErrorIs(t, err, worker.ErrTaskAbandoned)
	require.ErrorContains(t, err, "connector deaf task 0: ")
}
