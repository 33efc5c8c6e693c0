package worker

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/source"
	"github.com/stretchr/testify/require"
)

// flakySource is counterSource behind a connector whose Start fails the
// first failStarts times (and always with refuse=true), and whose
// TaskConfigs fails the first failConfigs times.
type flakySource struct {
	cs                      counterSource
	failStarts, failConfigs atomic.Int32
	starts, stops           atomic.Int32
	badStops                atomic.Int32 // Stop of an instance whose Start failed
}

func (f *flakySource) plugin() source.Plugin {
	p := f.cs.plugin()
	def := p.Config.Define(connect.ConfigKey{Name: "refuse", Type: connect.ConfigBoolean, Default: false, Importance: connect.Low})
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.FlakySource", Kind: connect.SourcePlugin, Config: def},
		New:        func() source.Connector { return &flakyConnector{Connector: p.New(), f: f} },
	}
}

type flakyConnector struct {
	source.Connector
	f       *flakySource
	started bool
}

func (c *flakyConnector) Start(ctx context.Context, cfg map[string]string, cc source.ConnectorContext) error {
	n := c.f.starts.Add(1)
	if cfg["refuse"] == "true" {
		return fmt.Errorf("connector start %d refused: refuse=true", n)
	}
	if c.f.failStarts.Add(-1) >= 0 {
		return fmt.Errorf("connector start %d fails on purpose", n)
	}
	c.started = true
	return c.Connector.Start(ctx, cfg, cc)
}

func (c *flakyConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	if c.f.failConfigs.Add(-1) >= 0 {
		return nil, errors.New("task configs fail on purpose")
	}
	return c.Connector.TaskConfigs(maxTasks)
}

func (c *flakyConnector) Stop(ctx context.Context) error {
	c.f.stops.Add(1)
	if !c.started {
		c.f.badStops.Add(1)
	}
	return c.Connector.Stop(ctx)
}

// connectorState returns a connector's state, checking that a RUNNING
// connector has the one task it asks for.
func connectorState(t *testing.T, w *Worker, name string) StateInfo {
	t.Helper()
	st, err := w.Status(name)
	require.NoError(t, err)
	if st.Connector.State == Running {
		require.Len(t, st.Tasks, 1, "RUNNING without its task")
	}
	return st.Connector
}

// A connector whose Start fails is created FAILED, its configuration kept:
// CreateConnector says so with ErrConnectorFailed, creating it again says
// it exists, RestartTask says it has no task, ResumeConnector leaves it
// FAILED, and RestartConnector runs Start again and then its tasks, which
// deliver.
func TestCreateConnectorStartFails(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "flaky")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	f := &flakySource{}
	f.failStarts.Store(2)
	w := newTestWorker(t, brokers, offset.NewMemory(), f.plugin())
	defer w.Close()
	ctx := context.Background()

	// A configuration error creates nothing.
	err := w.CreateConnector(ctx, "flaky", map[string]string{"connector.class": "test.FlakySource", "topic": topic, "limit": "x"})
	require.ErrorContains(t, err, "limit")
	require.NotErrorIs(t, err, ErrConnectorFailed)
	require.Empty(t, w.Connectors())

	cfg := map[string]string{"connector.class": "test.FlakySource", "topic": topic, "limit": "20"}
	err = w.CreateConnector(ctx, "flaky", cfg)
	require.ErrorIs(t, err, ErrConnectorFailed)
	require.ErrorContains(t, err, "connector flaky")
	require.ErrorContains(t, err, "connector start 1 fails on purpose")
	require.Equal(t, []string{"flaky"}, w.Connectors())
	st := connectorState(t, w, "flaky")
	require.Equal(t, Failed, st.State)
	require.Contains(t, st.Trace, "connector start 1 fails on purpose")

	err = w.CreateConnector(ctx, "flaky", cfg)
	require.ErrorContains(t, err, "already exists")
	require.NotErrorIs(t, err, ErrConnectorFailed)

	err = w.RestartTask(ctx, "flaky", 0)
	require.ErrorIs(t, err, ErrNotFound)
	require.ErrorContains(t, err, "FAILED")

	// Resuming changes the target state only, as in Kafka Connect: a
	// FAILED connector stays so until restarted.
	require.NoError(t, w.ResumeConnector(ctx, "flaky"))
	require.Equal(t, Failed, connectorState(t, w, "flaky").State)

	err = w.RestartConnector(ctx, "flaky", true, false)
	require.ErrorIs(t, err, ErrConnectorFailed)
	require.ErrorContains(t, err, "connector start 2 fails on purpose")
	st = connectorState(t, w, "flaky")
	require.Equal(t, Failed, st.State)
	require.Contains(t, st.Trace, "connector start 2 fails on purpose")

	// The cause is gone: the restart starts the connector and its task.
	require.NoError(t, w.RestartConnector(ctx, "flaky", true, true))
	require.Equal(t, Running, connectorState(t, w, "flaky").State)
	require.Len(t, consumeValues(t, brokers, topic, 20), 20)
	require.Eventually(t, func() bool { return taskStates(t, w, "flaky")[0] == Running }, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, w.RestartTask(ctx, "flaky", 0))

	require.NoError(t, w.DeleteConnector(ctx, "flaky"))
	require.Equal(t, int32(3), f.starts.Load())
	require.Equal(t, int32(1), f.stops.Load())
	require.Zero(t, f.badStops.Load(), "Stop called on a connector whose Start failed")
}

// A connector that started but could not generate its task configs is
// FAILED, not RUNNING without tasks; restarting it generates them and runs
// its tasks.
func TestTaskConfigsFailureFailsConnector(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "flaky")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	f := &flakySource{}
	f.failConfigs.Store(1)
	w := newTestWorker(t, brokers, offset.NewMemory(), f.plugin())
	defer w.Close()
	ctx := context.Background()

	err := w.CreateConnector(ctx, "configs", map[string]string{"connector.class": "test.FlakySource", "topic": topic, "limit": "20"})
	require.ErrorIs(t, err, ErrConnectorFailed)
	st := connectorState(t, w, "configs")
	require.Equal(t, Failed, st.State)
	require.Contains(t, st.Trace, "task configs fail on purpose")

	require.NoError(t, w.RestartConnector(ctx, "configs", false, false))
	require.Equal(t, Running, connectorState(t, w, "configs").State)
	require.Len(t, consumeValues(t, brokers, topic, 20), 20)
	require.Equal(t, int32(1), f.stops.Load(), "the instance that failed after its Start was not stopped")
}

// An update to a configuration whose Start fails keeps that configuration
// and leaves the connector FAILED, saying so with ErrConnectorFailed; a
// later good update runs it again from its committed offsets.
func TestUpdateConnectorStartFails(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "flaky")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	f := &flakySource{}
	w := newTestWorker(t, brokers, offset.NewMemory(), f.plugin())
	defer w.Close()
	ctx := context.Background()
	cfg := map[string]string{"connector.class": "test.FlakySource", "topic": topic, "limit": "20", "value.converter": "StringConverter"}
	require.NoError(t, w.CreateConnector(ctx, "upd", cfg))
	require.Len(t, consumeValues(t, brokers, topic, 20), 20)

	cfg["refuse"] = "true"
	err := w.UpdateConnector(ctx, "upd", cfg)
	require.ErrorIs(t, err, ErrConnectorFailed)
	require.ErrorContains(t, err, "refused")
	st, err := w.Status("upd")
	require.NoError(t, err)
	require.Equal(t, Failed, st.Connector.State)
	require.Empty(t, st.Tasks)
	require.ErrorIs(t, w.RestartConnector(ctx, "upd", true, false), ErrConnectorFailed) // still refused

	cfg["refuse"], cfg["limit"] = "false", "40"
	require.NoError(t, w.UpdateConnector(ctx, "upd", cfg))
	require.Equal(t, Running, connectorState(t, w, "upd").State)
	values := consumeValues(t, brokers, topic, 40)
	require.Equal(t, "record-39", values[39])
	require.Zero(t, f.badStops.Load(), "Stop called on a connector whose Start failed")
}
