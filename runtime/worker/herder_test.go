package worker

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/version"

	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/herder"
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
	var h herder.Herder = w
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
		ConfigOrder: []string{"connector.class", "limit", "name", "topic"}, // no KeyOrder: sorted
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
	require.Eventually(t, func() bool { return cs.started.Load() == 1 }, 10*time.Second, 5*time.Millisecond)

	// The keys are answered in the order given, the name key added last,
	// as Kafka Connect echoes a configuration.
	info, created, err = h.PutConnectorConfig(ctx, "c", counterConfig(topic, "limit", "9"),
		herder.PutOptions{KeyOrder: []string{"topic", "limit", "connector.class"}})
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, "9", info.Config["limit"])
	require.Equal(t, []string{"topic", "limit", "connector.class", "name"}, info.ConfigOrder)
	again, err := h.ConnectorInfo(ctx, "c")
	require.NoError(t, err)
	require.Equal(t, info.ConfigOrder, again.ConfigOrder)
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
	var h herder.Herder = w
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
	// Kafka Connect patches a HashMap copy, and answers in its order.
	wantOrder := slices.Sorted(maps.Keys(want))
	connect.JavaHashMapOrder(wantOrder)
	require.Equal(t, wantOrder, info.ConfigOrder)
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
	var h herder.Herder = w
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

// RestartConnectorAndTasks answers with the status as it was, what it
// restarts shown RESTARTING, as Kafka Connect's 202 body does, and
// restarts just that; a connector that is not running has nothing to
// restart.
func TestHerderRestart(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "restart")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	cs := &counterSource{failStarts: 1}
	w := newTestWorker(t, brokers, offset.NewMemory(), cs.plugin())
	defer w.Close()
	var h herder.Herder = w
	ctx := context.Background()
	_, _, err := h.PutConnectorConfig(ctx, "r", counterConfig(topic), herder.PutOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		st, err := h.TaskStatus(ctx, "r", 0)
		return err == nil && st.State == Failed
	}, 10*time.Second, 5*time.Millisecond)

	running := StateInfo{State: Running, WorkerID: "test-worker"}
	st, err := h.RestartConnectorAndTasks(ctx, "r", herder.RestartOptions{IncludeTasks: true, OnlyFailed: true})
	require.NoError(t, err)
	require.Equal(t, "r", st.Name)
	require.Equal(t, "source", st.Type)
	require.Equal(t, running, st.Connector, "a RUNNING connector is not restarted with onlyFailed")
	require.Len(t, st.Tasks, 1)
	require.Equal(t, Restarting, st.Tasks[0].State)
	require.Contains(t, st.Tasks[0].Trace, "start 1 fails on purpose", "the trace of what is restarted is kept")
	require.Eventually(t, func() bool {
		st, err := h.TaskStatus(ctx, "r", 0)
		return err == nil && st.State == Running
	}, 10*time.Second, 5*time.Millisecond)
	require.Equal(t, int32(2), cs.started.Load())

	// Nothing failed: nothing to restart.
	st, err = h.RestartConnectorAndTasks(ctx, "r", herder.RestartOptions{IncludeTasks: true, OnlyFailed: true})
	require.NoError(t, err)
	require.Equal(t, ConnectorStatus{Name: "r", Connector: running, Tasks: []TaskState{{ID: 0, StateInfo: running}}, Type: "source"}, st)

	// The connector alone: its task, whose configuration did not change,
	// keeps running.
	st, err = h.RestartConnectorAndTasks(ctx, "r", herder.RestartOptions{})
	require.NoError(t, err)
	require.Equal(t, Restarting, st.Connector.State)
	require.Equal(t, []TaskState{{ID: 0, StateInfo: running}}, st.Tasks)
	require.Equal(t, int32(2), cs.started.Load())

	st, err = h.RestartConnectorAndTasks(ctx, "r", herder.RestartOptions{IncludeTasks: true})
	require.NoError(t, err)
	require.Equal(t, Restarting, st.Connector.State)
	require.Equal(t, Restarting, st.Tasks[0].State)
	require.Eventually(t, func() bool { return cs.started.Load() == 3 }, 10*time.Second, 5*time.Millisecond)

	require.ErrorIs(t, h.RestartTask(ctx, "r", 1), herder.ErrNotFound)
	_, err = h.RestartConnectorAndTasks(ctx, "nope", herder.RestartOptions{})
	require.ErrorIs(t, err, herder.ErrNotFound)
}

// A PAUSED or STOPPED connector is restarted as Kafka Connect's standalone
// herder restarts it: in its target state, which the restart keeps. The
// answer is the restart plan, as for a running connector.
func TestHerderRestartKeepsTargetState(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "restart-paused")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	cs := &counterSource{}
	w := newTestWorker(t, brokers, offset.NewMemory(), cs.plugin())
	defer w.Close()
	var h herder.Herder = w
	ctx := context.Background()
	_, _, err := h.PutConnectorConfig(ctx, "r", counterConfig(topic), herder.PutOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		st, err := h.TaskStatus(ctx, "r", 0)
		return err == nil && st.State == Running
	}, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, h.PauseConnector(ctx, "r"))

	paused := StateInfo{State: Paused, WorkerID: "test-worker"}
	restarting := StateInfo{State: Restarting, WorkerID: "test-worker"}
	st, err := h.RestartConnectorAndTasks(ctx, "r", herder.RestartOptions{IncludeTasks: true})
	require.NoError(t, err)
	require.Equal(t, ConnectorStatus{Name: "r", Connector: restarting, Tasks: []TaskState{{ID: 0, StateInfo: restarting}}, Type: "source"}, st)
	pausedStatus := ConnectorStatus{Name: "r", Connector: paused, Tasks: []TaskState{{ID: 0, StateInfo: paused}}, Type: "source"}
	st, err = h.ConnectorStatus(ctx, "r")
	require.NoError(t, err)
	require.Equal(t, pausedStatus, st, "restarted PAUSED")
	require.NoError(t, h.RestartTask(ctx, "r", 0))
	require.ErrorIs(t, h.RestartTask(ctx, "r", 1), herder.ErrNotFound)
	require.NoError(t, w.RestartConnector(ctx, "r", false, false))
	st, _ = h.ConnectorStatus(ctx, "r")
	require.Equal(t, pausedStatus, st)
	st, err = h.RestartConnectorAndTasks(ctx, "r", herder.RestartOptions{IncludeTasks: true, OnlyFailed: true})
	require.NoError(t, err)
	require.Equal(t, pausedStatus, st, "nothing failed: nothing restarted")
	require.Equal(t, int32(1), cs.started.Load(), "no task ran while PAUSED")

	require.NoError(t, h.StopConnector(ctx, "r"))
	st, err = h.RestartConnectorAndTasks(ctx, "r", herder.RestartOptions{IncludeTasks: true})
	require.NoError(t, err)
	require.Equal(t, ConnectorStatus{Name: "r", Connector: restarting, Tasks: []TaskState{}, Type: "source"}, st)
	stopped := ConnectorStatus{Name: "r", Connector: StateInfo{State: Stopped, WorkerID: "test-worker"}, Tasks: []TaskState{}, Type: "source"}
	st, _ = h.ConnectorStatus(ctx, "r")
	require.Equal(t, stopped, st, "restarted STOPPED")
	require.NoError(t, w.RestartConnector(ctx, "r", false, false))
	st, _ = h.ConnectorStatus(ctx, "r")
	require.Equal(t, stopped, st)
	require.ErrorIs(t, h.RestartTask(ctx, "r", 0), herder.ErrNotFound, "a STOPPED connector has no tasks")

	require.NoError(t, h.ResumeConnector(ctx, "r"))
	require.Eventually(t, func() bool {
		st, err := h.TaskStatus(ctx, "r", 0)
		return err == nil && st.State == Running
	}, 10*time.Second, 5*time.Millisecond)
	require.Equal(t, int32(2), cs.started.Load())

	// A connector FAILED while PAUSED: restarting the failed ones clears
	// the failure and keeps it PAUSED.
	f := &flakySource{}
	f.failStarts.Store(1)
	w2 := newTestWorker(t, brokers, offset.NewMemory(), f.plugin())
	defer w2.Close()
	cfg := counterConfig(topic, "connector.class", "test.FlakySource")
	_, _, err = w2.PutConnectorConfig(ctx, "f", cfg, herder.PutOptions{InitialState: herder.TargetPaused})
	require.ErrorIs(t, err, herder.ErrConnectorFailed)
	st, err = w2.RestartConnectorAndTasks(ctx, "f", herder.RestartOptions{IncludeTasks: true, OnlyFailed: true})
	require.NoError(t, err)
	require.Equal(t, Restarting, st.Connector.State)
	require.Contains(t, st.Connector.Trace, "fails on purpose", "the plan keeps the trace")
	st, _ = w2.ConnectorStatus(ctx, "f")
	require.Equal(t, ConnectorStatus{Name: "f", Connector: paused, Tasks: []TaskState{{ID: 0, StateInfo: paused}}, Type: "source"}, st)
	require.Zero(t, f.cs.started.Load(), "no task ran")
}

// The plugin list is Kafka Connect's: connectors first, then
// transformations, predicates, converters and header converters, each
// sorted by class; each plugin's keys come from its ConfigDef.
func TestHerderPlugins(t *testing.T) {
	w := newTestWorker(t, testkafka.Brokers(t), offset.NewMemory(), (&counterSource{}).plugin(), newCollector(0).plugin())
	defer w.Close()
	var h herder.Herder = w
	ctx := context.Background()

	ps, err := h.ConnectorPlugins(ctx, true)
	require.NoError(t, err)
	require.Equal(t, []herder.PluginInfo{{Class: "test.CollectorSink", Type: "sink"}, {Class: "test.CounterSource", Type: "source"}}, ps)

	ps, err = h.ConnectorPlugins(ctx, false)
	require.NoError(t, err)
	rank := map[string]int{"sink": 0, "source": 1, "transformation": 2, "predicate": 3, "converter": 4, "header_converter": 5}
	seen := map[string]bool{}
	for i, p := range ps {
		r, ok := rank[p.Type]
		require.True(t, ok, "type %q", p.Type)
		seen[p.Type] = true
		if i > 0 {
			prev := ps[i-1]
			require.True(t, rank[prev.Type] < r || rank[prev.Type] == r && prev.Class < p.Class, "%v before %v", prev, p)
		}
	}
	require.Len(t, seen, len(rank))
	require.Contains(t, ps, herder.PluginInfo{Class: "org.apache.kafka.connect.json.JsonConverter", Type: "converter", Version: version.Kconnect()})
	require.Contains(t, ps, herder.PluginInfo{Class: "org.apache.kafka.connect.transforms.Cast$Value", Type: "transformation", Version: version.Kconnect()})

	keys, err := h.ConnectorPluginConfig(ctx, "CounterSource") // the simple name without its suffix
	require.NoError(t, err)
	var names []string
	for _, k := range keys {
		names = append(names, k.Name)
	}
	// The connector's keys, then the common source connector keys.
	want := []string{"topic", "limit", "bad.every", "batch"}
	for _, k := range sourceConfigDef().Keys() {
		want = append(want, k.Name)
	}
	require.Equal(t, want, names)
	require.Equal(t, "LONG", keys[1].Type)
	require.Equal(t, "100", *keys[1].DefaultValue)

	keys, err = h.ConnectorPluginConfig(ctx, "org.apache.kafka.connect.transforms.Cast$Value")
	require.NoError(t, err)
	require.Equal(t, "spec", keys[0].Name)
	keys, err = h.ConnectorPluginConfig(ctx, "test.CollectorSink")
	require.NoError(t, err)
	names = nil
	for _, k := range keys {
		names = append(names, k.Name)
	}
	want = nil
	for _, k := range sinkConfigDef().Keys() {
		want = append(want, k.Name)
	}
	require.Equal(t, want, names, "no ConfigDef: the common sink connector keys only")
	_, err = h.ConnectorPluginConfig(ctx, "NoSuchPlugin")
	require.ErrorIs(t, err, herder.ErrNotFound)

	infos, err := h.ValidateConfig(ctx, counterConfig("t", "name", "v"))
	require.NoError(t, err)
	require.Zero(t, infos.ErrorCount)
	require.Equal(t, "test.CounterSource", infos.Name)
	infos, err = h.ValidateConfig(ctx, counterConfig("t", "limit", "x", "tasks.max", "0"))
	require.NoError(t, err)
	require.Equal(t, 3, infos.ErrorCount, "limit, tasks.max and the missing name")
	for _, bad := range []map[string]string{{"topic": "t"}, {"connector.class": "NoSuchConnector"}} {
		_, err = h.ValidateConfig(ctx, bad)
		require.ErrorIs(t, err, herder.ErrBadRequest)
	}
	names, _ = h.ListConnectors(ctx)
	require.Empty(t, names, "validating creates nothing")
}

// Calls that change one connector take turns: a second waits for the
// first, or gives up when its context ends; another connector's does not
// wait; and a name nobody holds or waits for is forgotten.
func TestSerialTurns(t *testing.T) {
	var s serial
	ctx := context.Background()
	unlock, err := s.lock(ctx, "a")
	require.NoError(t, err)
	other, err := s.lock(ctx, "b")
	require.NoError(t, err, "another connector's turn")
	other()

	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	_, err = s.lock(short, "a")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorContains(t, err, "connector a")

	next := make(chan func())
	go func() {
		u, err := s.lock(ctx, "a")
		if err == nil {
			next <- u
		}
	}()
	select {
	case <-next:
		t.Fatal("two turns at once")
	case <-time.After(20 * time.Millisecond):
	}
	unlock()
	(<-next)()
	s.mu.Lock()
	defer s.mu.Unlock()
	require.Empty(t, s.turns)
}
