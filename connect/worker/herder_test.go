package worker

import (
	"context"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect/herder"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/stretchr/testify/require"
)

// counterConfig is a counterSource configuration writing to topic.
func counterConfig(topic string, more ...string) map[string]string {
	cfg := map[string]string{"connector.class": "test.CounterSource", "topic": topic, "limit": "5"}
	for i := 0; i+1 < len(more); i += 2 {
		cfg[more[i]] = more[i+1]
	}
	return cfg
}

// PutConnectorConfig validates in full before it changes anything: an
// invalid configuration creates no connector and leaves an existing one
// as it was; CreateOnly refuses an existing connector; otherwise it says
// whether it created or replaced.
func TestHerderPutConnectorConfig(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "put")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	cs := &counterSource{}
	w := newTestWorker(t, brokers, offset.NewMemory(), cs.plugin())
	defer w.Close()
	h := w
	ctx := context.Background()

	for _, bad := range []map[string]string{
		{"connector.class": "test.CounterSource", "tasks.max": "0", "limit": "x"}, // and no topic
		{"connector.class": "NoSuchConnector", "topic": topic},
		counterConfig(topic, "value.converter", "NoSuchConverter"),
		counterConfig(topic, "exactly.once.support", "required"),
	} {
		_, _, err := h.PutConnectorConfig(ctx, "c", bad, herder.PutOptions{})
		require.ErrorIs(t, err, herder.ErrInvalidConfig, "%v", bad)
	}
	names, err := h.ListConnectors(ctx)
	require.NoError(t, err)
	require.Empty(t, names)
	_, err = h.ConnectorInfo(ctx, "c")
	require.ErrorIs(t, err, herder.ErrNotFound)
	require.Zero(t, cs.started.Load())

	_, _, err = h.PutConnectorConfig(ctx, "c", counterConfig(topic, "name", "other"), herder.PutOptions{})
	require.ErrorIs(t, err, herder.ErrBadRequest)
	_, _, err = h.PutConnectorConfig(ctx, "c", counterConfig(topic), herder.PutOptions{InitialState: "RUNNING"})
	require.ErrorIs(t, err, herder.ErrBadRequest, "RUNNING is an initial_state, not a target state")
	names, _ = h.ListConnectors(ctx)
	require.Empty(t, names)

	info, created, err := h.PutConnectorConfig(ctx, "c", counterConfig(topic), herder.PutOptions{CreateOnly: true})
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, herder.ConnectorInfo{
		Name: "c", Config: counterConfig(topic, "name", "c"), Tasks: []TaskID{{Connector: "c", Task: 0}}, Type: "source",
	}, info)

	_, _, err = h.PutConnectorConfig(ctx, "c", counterConfig(topic, "limit", "9"), herder.PutOptions{CreateOnly: true})
	require.ErrorIs(t, err, herder.ErrAlreadyExists)
	require.ErrorContains(t, err, "connector c already exists")

	// A bad replacement leaves the connector running as it was.
	_, _, err = h.PutConnectorConfig(ctx, "c", counterConfig(topic, "limit", "x"), herder.PutOptions{})
	require.ErrorIs(t, err, herder.ErrInvalidConfig)
	require.ErrorContains(t, err, "limit")
	got, err := h.ConnectorConfig(ctx, "c")
	require.NoError(t, err)
	require.Equal(t, counterConfig(topic, "name", "c"), got)
	require.Equal(t, Running, connectorState(t, w, "c").State)
	require.Equal(t, int32(1), cs.started.Load())

	info, created, err = h.PutConnectorConfig(ctx, "c", counterConfig(topic, "limit", "9"), herder.PutOptions{})
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, "9", info.Config["limit"])
	got, _ = h.ConnectorConfig(ctx, "c")
	require.Equal(t, "9", got["limit"])
	got["limit"] = "changed by the caller"
	got, _ = h.ConnectorConfig(ctx, "c")
	require.Equal(t, "9", got["limit"], "the map returned is the caller's")

	names, _ = h.ListConnectors(ctx)
	require.Equal(t, []string{"c"}, names)
	require.NoError(t, h.DeleteConnector(ctx, "c"))
	require.ErrorIs(t, h.DeleteConnector(ctx, "c"), herder.ErrNotFound)
	names, _ = h.ListConnectors(ctx)
	require.Empty(t, names)
}

// PatchConnectorConfig sets the keys it is given, removes those given as
// nil, and changes nothing when the result is invalid.
func TestHerderPatchConnectorConfig(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "patch")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	w := newTestWorker(t, brokers, offset.NewMemory(), (&counterSource{}).plugin())
	defer w.Close()
	h := w
	ctx := context.Background()

	_, err := h.PatchConnectorConfig(ctx, "p", map[string]*string{"limit": new("7")})
	require.ErrorIs(t, err, herder.ErrNotFound)
	names, _ := h.ListConnectors(ctx)
	require.Empty(t, names, "a patch creates nothing")

	_, _, err = h.PutConnectorConfig(ctx, "p", counterConfig(topic, "batch", "2"), herder.PutOptions{})
	require.NoError(t, err)
	require.NoError(t, h.PauseConnector(ctx, "p"))

	info, err := h.PatchConnectorConfig(ctx, "p", map[string]*string{"limit": new("7"), "batch": nil, "tasks.max": new("1")})
	require.NoError(t, err)
	want := map[string]string{"name": "p", "connector.class": "test.CounterSource", "topic": topic, "limit": "7", "tasks.max": "1"}
	require.Equal(t, want, info.Config)
	got, _ := h.ConnectorConfig(ctx, "p")
	require.Equal(t, want, got)
	require.Equal(t, Paused, connectorState(t, w, "p").State, "a patched connector keeps its target state")

	for _, bad := range []map[string]*string{
		{"limit": new("x")},
		{"topic": nil}, // required
		{"tasks.max": new("0"), "limit": new("8")},
	} {
		_, err = h.PatchConnectorConfig(ctx, "p", bad)
		require.ErrorIs(t, err, herder.ErrInvalidConfig)
		got, _ = h.ConnectorConfig(ctx, "p")
		require.Equal(t, want, got, "an invalid patch changes nothing")
	}
	_, err = h.PatchConnectorConfig(ctx, "p", map[string]*string{"name": new("q")})
	require.ErrorIs(t, err, herder.ErrBadRequest)

	// Removing the name key keeps the connector's name.
	info, err = h.PatchConnectorConfig(ctx, "p", map[string]*string{"name": nil})
	require.NoError(t, err)
	require.Equal(t, want, info.Config)
}

// A connector created with an initial state starts in it (KIP-980): PAUSED
// has task configurations but runs no task, STOPPED has neither; resuming
// runs them.
func TestHerderInitialState(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "initial")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	cs := &counterSource{}
	w := newTestWorker(t, brokers, offset.NewMemory(), cs.plugin())
	defer w.Close()
	h := w
	ctx := context.Background()

	for _, s := range []herder.InitialState{herder.InitialPaused, herder.InitialStopped} {
		target, err := s.TargetState()
		require.NoError(t, err)
		_, _, err = h.PutConnectorConfig(ctx, string(s), counterConfig(topic), herder.PutOptions{CreateOnly: true, InitialState: target})
		require.NoError(t, err)
	}
	st, err := h.ConnectorStatus(ctx, "PAUSED")
	require.NoError(t, err)
	require.Equal(t, Paused, st.Connector.State)
	require.Equal(t, []TaskState{{ID: 0, StateInfo: StateInfo{State: Paused, WorkerID: "test-worker"}}}, st.Tasks)
	tasks, err := h.TaskConfigs(ctx, "PAUSED")
	require.NoError(t, err)
	require.Len(t, tasks, 1)
	require.Equal(t, TaskID{Connector: "PAUSED", Task: 0}, tasks[0].ID)
	require.Equal(t, topic, tasks[0].Config["topic"])

	st, err = h.ConnectorStatus(ctx, "STOPPED")
	require.NoError(t, err)
	require.Equal(t, Stopped, st.Connector.State)
	require.Empty(t, st.Tasks)
	tasks, err = h.TaskConfigs(ctx, "STOPPED")
	require.NoError(t, err)
	require.Empty(t, tasks)
	info, err := h.ConnectorInfo(ctx, "STOPPED")
	require.NoError(t, err)
	require.Equal(t, []TaskID{}, info.Tasks)
	require.Zero(t, cs.started.Load(), "no task ran")

	for _, name := range []string{"PAUSED", "STOPPED"} {
		require.NoError(t, h.ResumeConnector(ctx, name))
		require.Eventually(t, func() bool {
			st, err := h.TaskStatus(ctx, name, 0)
			return err == nil && st.State == Running
		}, 10*time.Second, 5*time.Millisecond)
		require.Equal(t, Running, connectorState(t, w, name).State)
	}
	require.Equal(t, int32(2), cs.started.Load())
	_, err = h.TaskStatus(ctx, "PAUSED", 1)
	require.ErrorIs(t, err, herder.ErrNotFound)
}
