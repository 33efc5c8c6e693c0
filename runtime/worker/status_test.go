package worker

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/stretchr/testify/require"
)

// stateLog records what OnStateChange reports, as "<connector>/<task>=<state>".
type stateLog struct {
	mu      sync.Mutex
	changes []string
}

func (l *stateLog) record(c StateChange) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.changes = append(l.changes, fmt.Sprintf("%s/%d=%s", c.Connector, c.Task, c.State))
}

// of returns the changes reported for one connector or task, in order.
func (l *stateLog) of(prefix string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, c := range l.changes {
		if len(c) > len(prefix) && c[:len(prefix)] == prefix {
			out = append(out, c[len(prefix):])
		}
	}
	return out
}

// Every state a connector and its task go through is reported once, in
// order, as it happens: a failed start, a restart, pause, resume, stop.
func TestOnStateChangeReportsEveryState(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "states")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	var log stateLog
	cs := &counterSource{failStarts: 1}
	w := newTestWorkerWith(t, brokers, offset.NewMemory(), []Opt{OnStateChange(log.record)}, cs.plugin())
	defer w.Close()
	ctx := context.Background()

	require.NoError(t, w.CreateConnector(ctx, "states", map[string]string{
		"connector.class": "test.CounterSource", "topic": topic, "limit": "10"}))
	require.Eventually(t, func() bool { return slices.Contains(log.of("states/0="), "FAILED") }, 10*time.Second, 5*time.Millisecond)
	require.Equal(t, []string{"RUNNING"}, log.of("states/-1="))
	require.Equal(t, []string{"UNASSIGNED", "FAILED"}, log.of("states/0="))

	require.NoError(t, w.RestartTask(ctx, "states", 0))
	require.Eventually(t, func() bool { return len(log.of("states/0=")) == 4 }, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, w.PauseConnector(ctx, "states"))
	require.NoError(t, w.ResumeConnector(ctx, "states"))
	require.Eventually(t, func() bool { return len(log.of("states/0=")) >= 8 }, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, w.StopConnector(ctx, "states"))

	require.Equal(t, []string{"RUNNING", "PAUSED", "RUNNING", "STOPPED"}, log.of("states/-1="))
	// Each instance of the task from its first state: the restarted one,
	// stopped by the pause; the PAUSED placeholder; the resumed one,
	// stopped by the stop.
	require.Equal(t, []string{"UNASSIGNED", "FAILED", "UNASSIGNED", "RUNNING", "UNASSIGNED",
		"PAUSED", "UNASSIGNED", "RUNNING", "UNASSIGNED"}, log.of("states/0="))
}
