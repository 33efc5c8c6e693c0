package worker

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/stretchr/testify/require"
)

func taskStates(t *testing.T, w *Worker, name string) []State {
	t.Helper()
	st, err := w.Status(name)
	require.NoError(t, err)
	var out []State
	for _, ts := range st.Tasks {
		out = append(out, ts.State)
	}
	return out
}

func TestPauseResumeStop(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "life")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	store := offset.NewMemory()
	cs := &counterSource{}
	w := newTestWorker(t, brokers, store, cs.plugin())
	defer w.Close()
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "life", map[string]string{
		"connector.class": "test.CounterSource", "topic": topic, "limit": "100", "tasks.max": "2"}))
	consumeValues(t, brokers, topic, 100)

	require.NoError(t, w.PauseConnector(ctx, "life"))
	st, err := w.Status("life")
	require.NoError(t, err)
	require.Equal(t, Paused, st.Connector.State)
	require.Equal(t, []State{Paused}, taskStates(t, w, "life")) // SimpleConnector: one task
	// Pausing committed the offsets.
	o, err := store.Get(ctx, "life", []connect.SourcePartition{connect.NewSourcePartition("counter", "life")})
	require.NoError(t, err)
	require.Len(t, o, 1)

	require.NoError(t, w.ResumeConnector(ctx, "life"))
	require.Eventually(t, func() bool { return taskStates(t, w, "life")[0] == Running }, 10*time.Second, 5*time.Millisecond)
	require.Equal(t, int32(2), cs.started.Load())

	require.NoError(t, w.StopConnector(ctx, "life"))
	st, _ = w.Status("life")
	require.Equal(t, Stopped, st.Connector.State)
	require.Empty(t, st.Tasks)
	require.Error(t, w.RestartTask(ctx, "life", 0))
	require.NoError(t, w.ResumeConnector(ctx, "life"))
	st, _ = w.Status("life")
	require.Equal(t, Running, st.Connector.State)

	require.NoError(t, w.RestartConnector(ctx, "life", true, false))
	require.Eventually(t, func() bool { return taskStates(t, w, "life")[0] == Running }, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, w.DeleteConnector(ctx, "life"))
	_, err = w.Status("life")
	require.ErrorIs(t, err, ErrNotFound)
}

// A task that fails to start is restarted with back-off when the worker is
// asked to, and then delivers everything; without the option it stays FAILED
// until restarted by hand.
func TestFailedTaskRestarts(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "restart")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	cs := &counterSource{failStarts: 2}
	w, err := New(Brokers(brokers...), Plugins(cs.plugin()), OffsetFlushInterval(50*time.Millisecond),
		RestartFailedTasks(10*time.Millisecond, 100*time.Millisecond), Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	defer w.Close()
	require.NoError(t, w.CreateConnector(context.Background(), "auto", map[string]string{
		"connector.class": "test.CounterSource", "topic": topic, "limit": "20"}))
	require.Len(t, consumeValues(t, brokers, topic, 20), 20)
	require.Equal(t, int32(3), cs.started.Load())
	require.Equal(t, []State{Running}, taskStates(t, w, "auto"))

	cs2 := &counterSource{failStarts: 1}
	topic2 := testkafka.Topic(t, "manual")
	testkafka.CreateTopic(t, brokers, topic2, 1, nil)
	w2 := newTestWorker(t, brokers, offset.NewMemory(), cs2.plugin())
	defer w2.Close()
	ctx := context.Background()
	require.NoError(t, w2.CreateConnector(ctx, "manual", map[string]string{
		"connector.class": "test.CounterSource", "topic": topic2, "limit": "5"}))
	require.Eventually(t, func() bool { return taskStates(t, w2, "manual")[0] == Failed }, 10*time.Second, 5*time.Millisecond)
	st, _ := w2.Status("manual")
	require.Contains(t, st.Tasks[0].Trace, "fails on purpose")
	require.NoError(t, w2.RestartConnector(ctx, "manual", true, true))
	require.Len(t, consumeValues(t, brokers, topic2, 5), 5)
}
