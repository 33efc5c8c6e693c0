package worker

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/stretchr/testify/require"
)

type countingMetrics struct {
	mu    sync.Mutex
	tasks map[TaskID]*countingTask
}

type countingTask struct {
	noMetrics
	polled, written, commits, errors, skipped atomic.Int64
}

func (m *countingMetrics) Task(id TaskID, _ string) TaskMetrics {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := &countingTask{}
	m.tasks[id] = t
	return t
}
func (t *countingTask) RecordsPolled(n int)                   { t.polled.Add(int64(n)) }
func (t *countingTask) RecordsWritten(n int)                  { t.written.Add(int64(n)) }
func (t *countingTask) OffsetCommit(ok bool, _ time.Duration) { t.commits.Add(1) }
func (t *countingTask) RecordErrors(_ string, n int)          { t.errors.Add(int64(n)) }
func (t *countingTask) RecordsSkipped(n int)                  { t.skipped.Add(int64(n)) }

func TestTaskMetrics(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "metrics")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	m := &countingMetrics{tasks: map[TaskID]*countingTask{}}
	cs := &counterSource{}
	w, err := New(Brokers(brokers...), Plugins(cs.plugin()), WithMetrics(m),
		OffsetFlushInterval(20*time.Millisecond), Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	require.NoError(t, w.CreateConnector(context.Background(), "m", map[string]string{
		"connector.class": "test.CounterSource", "topic": topic, "limit": "40", "bad.every": "10",
		"transforms": "cast", "transforms.cast.type": "Cast$Value", "transforms.cast.spec": "int64",
		"errors.tolerance": "all"}))
	consumeValues(t, brokers, topic, 36)
	require.NoError(t, w.Close())
	tm := m.tasks[TaskID{Connector: "m", Task: 0}]
	require.NotNil(t, tm)
	require.Equal(t, int64(40), tm.polled.Load())
	require.Equal(t, int64(36), tm.written.Load())
	require.Equal(t, int64(4), tm.errors.Load())
	require.Equal(t, int64(4), tm.skipped.Load())
	require.Positive(t, tm.commits.Load())
}
