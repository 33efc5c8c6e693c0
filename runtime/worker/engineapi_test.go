package worker_test

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/source"
)

// splitSource makes tasks.max tasks; task i writes "<i>" records.
type splitSource struct{ config map[string]string }

func (c *splitSource) Start(_ context.Context, config map[string]string, _ source.ConnectorContext) error {
	c.config = config
	return nil
}

func (c *splitSource) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	out := make([]map[string]string, maxTasks)
	for i := range out {
		out[i] = map[string]string{"topic": c.config["topic"], "task": strconv.Itoa(i)}
	}
	return out, nil
}

func (c *splitSource) NewTask() source.Task       { return &splitTask{} }
func (c *splitSource) Stop(context.Context) error { return nil }

type splitTask struct{ topic, id string }

func (t *splitTask) Start(_ context.Context, config map[string]string, _ source.TaskContext) error {
	t.topic, t.id = config["topic"], config["task"]
	return nil
}

func (t *splitTask) Poll(ctx context.Context) ([]connect.Record, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(20 * time.Millisecond):
	}
	return []connect.Record{{Topic: t.topic, ValueSchema: connect.StringSchema, Value: t.id}}, nil
}

func (t *splitTask) Stop(context.Context) error { return nil }

func TestEngineRunsAConnectorAndTasksApart(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "engine")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	var mu sync.Mutex
	var changes []worker.StateChange
	plugin := source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.SplitSource", Kind: connect.SourcePlugin, Config: connect.NewConfigDef()},
		New:        func() source.Connector { return &splitSource{} },
	}
	e, err := worker.NewEngine(worker.Brokers(brokers...), worker.Plugins(plugin), worker.Logger(slog.New(slog.DiscardHandler)),
		worker.OnStateChange(func(c worker.StateChange) { mu.Lock(); changes = append(changes, c); mu.Unlock() }))
	require.NoError(t, err)
	config := map[string]string{"name": "split", "connector.class": "test.SplitSource", "tasks.max": "3", "topic": topic,
		"value.converter": "StringConverter"}
	kind, err := e.CheckConfig(context.Background(), "split", config)
	require.NoError(t, err)
	require.Equal(t, "source", kind)

	// The connector's task configs go to the herder; no task runs.
	conn, err := e.Prepare(context.Background(), "split", config)
	require.NoError(t, err)
	published := make(chan []map[string]string, 1)
	require.NoError(t, conn.StartConnector(context.Background(), worker.TargetStarted, func(c []map[string]string) { published <- c }))
	configs := <-published
	require.Len(t, configs, 3)
	st := conn.Status()
	require.Equal(t, worker.Running, st.Connector.State)
	require.Empty(t, st.Tasks)

	// A task runs from its config alone, its connector not started here.
	tasks, err := e.Prepare(context.Background(), "split", config)
	require.NoError(t, err)
	require.NoError(t, tasks.StartTask(context.Background(), 2, configs[2], worker.TargetStarted))
	require.NoError(t, tasks.StartTask(context.Background(), 1, configs[1], worker.TargetPaused))
	consumer := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fs := consumer.PollFetches(ctx)
	require.NoError(t, fs.Err())
	fs.EachRecord(func(r *kgo.Record) { require.Equal(t, "2", string(r.Value)) })
	st = tasks.Status()
	require.Equal(t, worker.Unassigned, st.Connector.State, "the connector does not run here")
	require.Len(t, st.Tasks, 2)
	require.Equal(t, worker.Paused, st.Tasks[0].State)
	require.Equal(t, worker.Running, st.Tasks[1].State)

	require.NoError(t, tasks.Stop(context.Background()))
	require.NoError(t, conn.Stop(context.Background()))
	require.NoError(t, e.Close())
	mu.Lock()
	defer mu.Unlock()
	var connectorStates []worker.State
	for _, c := range changes {
		if c.Task < 0 {
			connectorStates = append(connectorStates, c.State)
		}
	}
	require.Equal(t, []worker.State{worker.Running, worker.Stopped}, connectorStates,
		"only the run that started the connector reports its states")
	require.Contains(t, changes, worker.StateChange{Connector: "split", Task: 2, StateInfo: worker.StateInfo{State: worker.Unassigned, WorkerID: e.ID()}},
		"a stopped task reports UNASSIGNED")
}
