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

// UpdateConnector rejects a bad configuration and leaves the connector
// running; a good one restarts it with the new settings, resuming from the
// committed offsets, in the target state it had.
func TestUpdateConnector(t *testing.T) {
	brokers := testkafka.Brokers(t)
	first := testkafka.Topic(t, "update")
	second := first + "-v2"
	testkafka.CreateTopic(t, brokers, first, 1, nil)
	testkafka.CreateTopic(t, brokers, second, 1, nil)
	store := offset.NewMemory()
	cs := &counterSource{}
	w := newTestWorker(t, brokers, store, cs.plugin())
	defer w.Close()
	ctx := context.Background()
	cfg := map[string]string{"connector.class": "test.CounterSource", "topic": first, "limit": "20"}
	require.NoError(t, w.CreateConnector(ctx, "upd", cfg))
	require.Len(t, consumeValues(t, brokers, first, 20), 20)

	require.ErrorIs(t, w.UpdateConnector(ctx, "nope", cfg), ErrNotFound)
	err := w.UpdateConnector(ctx, "upd", map[string]string{
		"connector.class": "test.CounterSource", "topic": second, "limit": "forty", "tasks.max": "0"})
	require.ErrorContains(t, err, "limit")
	require.ErrorContains(t, err, "tasks.max")
	require.Equal(t, []State{Running}, taskStates(t, w, "upd"))
	require.Equal(t, int32(1), cs.started.Load(), "a rejected update restarted the task")

	// Paused, then updated: it stays paused and runs nothing until resumed.
	require.NoError(t, w.PauseConnector(ctx, "upd"))
	require.NoError(t, w.UpdateConnector(ctx, "upd", map[string]string{
		"connector.class": "test.CounterSource", "topic": second, "limit": "40", "value.converter": "StringConverter"}))
	st, err := w.Status("upd")
	require.NoError(t, err)
	require.Equal(t, Paused, st.Connector.State)
	require.Equal(t, []State{Paused}, taskStates(t, w, "upd"))
	require.Equal(t, int32(1), cs.started.Load(), "a task of the paused connector started")

	// Resumed: the new topic gets exactly the records after the committed
	// offset of the old configuration, through the new converter.
	require.NoError(t, w.ResumeConnector(ctx, "upd"))
	values := consumeValues(t, brokers, second, 20)
	require.Equal(t, "record-20", values[0])
	require.Equal(t, "record-39", values[19])
	require.NoError(t, w.Close())
	require.Len(t, consumeValues(t, brokers, first, 20), 20, "the old topic got more records")

	// A stopped connector stays stopped through an update.
	w2 := newTestWorker(t, brokers, store, cs.plugin())
	defer w2.Close()
	require.NoError(t, w2.CreateConnector(ctx, "upd", map[string]string{
		"connector.class": "test.CounterSource", "topic": second, "limit": "40", "value.converter": "StringConverter"}))
	require.NoError(t, w2.StopConnector(ctx, "upd"))
	require.NoError(t, w2.UpdateConnector(ctx, "upd", map[string]string{
		"connector.class": "test.CounterSource", "topic": second, "limit": "50", "value.converter": "StringConverter"}))
	st, err = w2.Status("upd")
	require.NoError(t, err)
	require.Equal(t, Stopped, st.Connector.State)
	require.Empty(t, st.Tasks)
	require.NoError(t, w2.ResumeConnector(ctx, "upd"))
	values = consumeValues(t, brokers, second, 30)
	require.Equal(t, "record-40", values[20])
	require.Equal(t, "record-49", values[29])
	require.NoError(t, w2.DeleteConnector(ctx, "upd"))
}
