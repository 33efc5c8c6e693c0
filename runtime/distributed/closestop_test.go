package distributed

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/source"
)

// holdingSource's task (config hold=true) writes one batch, then, told to
// stop, holds its last Poll until released: a task still stopping when
// its worker is asked to shut down.
type holding struct {
	acked    atomic.Int32
	stopping chan struct{} // closed when the holding task sees its stop
	release  chan struct{}
}

func holdingPlugin(hd *holding) source.Plugin {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "topic", Type: connect.ConfigString, Required: true, Importance: connect.High}).
		Define(connect.ConfigKey{Name: "hold", Type: connect.ConfigString, Default: "false", Importance: connect.High})
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.HoldingSource", Kind: connect.SourcePlugin, Config: def, Version: "1"},
		New:        func() source.Connector { return &holdingConnector{hd: hd} },
	}
}

type holdingConnector struct {
	hd     *holding
	config map[string]string
}

func (c *holdingConnector) Start(_ context.Context, config map[string]string, _ source.ConnectorContext) error {
	c.config = config
	return nil
}
func (c *holdingConnector) TaskConfigs(int) ([]map[string]string, error) {
	return []map[string]string{{"topic": c.config["topic"], "hold": c.config["hold"]}}, nil
}
func (c *holdingConnector) NewTask() source.Task       { return &holdingTask{hd: c.hd} }
func (c *holdingConnector) Stop(context.Context) error { return nil }

type holdingTask struct {
	hd          *holding
	topic, hold string
	written     bool
}

func (t *holdingTask) Start(_ context.Context, config map[string]string, _ source.TaskContext) error {
	t.topic, t.hold = config["topic"], config["hold"]
	return nil
}

func (t *holdingTask) Poll(ctx context.Context) ([]connect.Record, error) {
	if t.hold == "true" && !t.written {
		t.written = true
		var out []connect.Record
		for n := range 5 {
			out = append(out, connect.Record{Topic: t.topic, ValueSchema: connect.StringSchema, Value: "v",
				SourcePartition: connect.NewSourcePartition("p", "held"), SourceOffset: connect.Int64Offset("n", int64(n))})
		}
		return out, nil
	}
	<-ctx.Done()
	if t.hold == "true" {
		close(t.hd.stopping)
		<-t.hd.release
	}
	return nil, nil
}

func (t *holdingTask) CommitRecord(*connect.Record, *source.RecordMetadata) error {
	t.hd.acked.Add(1)
	return nil
}

func (t *holdingTask) Stop(context.Context) error { return nil }

// A worker shut down while a rebalance is stopping its tasks lets them
// finish stopping with their final offset commit, as a shutdown that
// comes between rebalances does: the records they wrote are not written
// again by their next owner.
func TestCloseDuringARebalanceStopCommitsOffsets(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "held")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	topics := internalTopics(t, brokers)
	offsetTopic := topics[2]
	hd := &holding{stopping: make(chan struct{}), release: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h, err := New(ctx, Config{
		GroupID: testkafka.Group(t, "connect"), URL: "http://worker-0.test:8083", Brokers: brokers,
		ConfigTopic: topics[0], StatusTopic: topics[1], OffsetTopic: offsetTopic,
		ReplicationFactor: 1, OffsetPartitions: 1, StatusPartitions: 1,
		HeartbeatInterval: 200 * time.Millisecond, SessionTimeout: 6 * time.Second, RebalanceTimeout: 10 * time.Second,
		Logger: testLogger(),
		// Offsets are committed only when the task stops.
		WorkerOpts: []worker.Opt{worker.Plugins(holdingPlugin(hd)), worker.OffsetFlushInterval(time.Hour),
			worker.TaskShutdownTimeout(20 * time.Second)},
	})
	require.NoError(t, err)
	closed := false
	t.Cleanup(func() {
		if !closed {
			_ = h.Close()
		}
	})
	put := func(name string, config map[string]string) {
		require.Eventually(t, func() bool {
			_, _, err := h.PutConnectorConfig(ctx, name, config, herder.PutOptions{})
			require.True(t, err == nil || errors.Is(err, herder.ErrRebalancing), "%v", err)
			return err == nil
		}, 30*time.Second, 50*time.Millisecond)
	}
	put("held", map[string]string{"connector.class": "test.HoldingSource", "topic": topic, "hold": "true",
		"value.converter": "StringConverter", "tasks.max": "1"})
	require.Eventually(t, func() bool { return hd.acked.Load() == 5 }, 30*time.Second, 20*time.Millisecond, "the batch written")

	// A new connector: the eager rebalance stops everything first.
	put("other", map[string]string{"connector.class": "test.HoldingSource", "topic": topic,
		"value.converter": "StringConverter", "tasks.max": "1"})
	select {
	case <-hd.stopping:
	case <-ctx.Done():
		t.Fatal("the rebalance did not stop the task")
	}
	// The worker is shut down meanwhile; the task stops once it has.
	cancelled := make(chan struct{})
	herderCancel := h.cancel
	h.cancel = func() { herderCancel(); close(cancelled) }
	closeErr := make(chan error, 1)
	go func() { closeErr <- h.Close() }()
	<-cancelled
	close(hd.release)
	select {
	case err = <-closeErr:
		closed = true
	case <-ctx.Done():
		t.Fatal("Close did not return")
	}
	require.NoError(t, err, "no task abandoned")

	offs, err := offset.NewKafka(ctx, testkafka.Client(t, brokers, kgo.RequiredAcks(kgo.AllISRAcks())), offsetTopic)
	require.NoError(t, err)
	defer offs.Close()
	part := connect.NewSourcePartition("p", "held")
	got, err := offs.Get(ctx, "held", []connect.SourcePartition{part})
	require.NoError(t, err)
	n, ok := got[part].Int64("n")
	require.True(t, ok, "the final commit wrote the task's offsets: %v", got)
	require.Equal(t, int64(4), n)
}
