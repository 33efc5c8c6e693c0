package worker

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/source"
)

// stuckStopConnector is a source connector whose Stop ignores its context
// and blocks until release is closed.
type stuckStopConnector struct {
	source.Connector
	stopping chan struct{} // closed as Stop is called
	release  chan struct{}
}

func (c *stuckStopConnector) Stop(context.Context) error {
	close(c.stopping)
	<-c.release
	return nil
}

// idleSourceTask polls nothing until it is stopped.
type idleSourceTask struct{}

func (idleSourceTask) Start(context.Context, map[string]string, source.TaskContext) error {
	return nil
}
func (idleSourceTask) Poll(ctx context.Context) ([]connect.Record, error) {
	<-ctx.Done()
	return nil, nil
}
func (idleSourceTask) Stop(context.Context) error { return nil }

// Close returns within the task shutdown timeout (and a margin) even
// though a connector's Stop ignores its context and never returns, with
// an error naming the connector.
func TestCloseAbandonsConnectorStuckInStop(t *testing.T) {
	brokers := testkafka.Brokers(t)
	c := &stuckStopConnector{
		Connector: source.SimpleConnector(func() source.Task { return idleSourceTask{} }),
		stopping:  make(chan struct{}), release: make(chan struct{}),
	}
	defer close(c.release)
	plugin := source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.StuckStopSource", Kind: connect.SourcePlugin, Config: connect.NewConfigDef()},
		New:        func() source.Connector { return c },
	}
	w := newStuckWorker(t, brokers, offset.NewMemory(), stuckFlush, plugin)
	require.NoError(t, w.CreateConnector(context.Background(), "stuck-stop", map[string]string{
		"connector.class": "test.StuckStopSource",
		"key.converter":   "StringConverter", "value.converter": "StringConverter"}))

	err := within(t, stuckBound, "Close", w.Close)
	receive(t, c.stopping, "the connector's Stop to be called")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorContains(t, err, "connector stuck-stop: ")
	require.ErrorContains(t, err, "Stop did not return")
}
