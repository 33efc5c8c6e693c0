package configtopic

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/testkafka"
)

// TestBrokerStall freezes the broker during a write: the write fails when
// its context ends, naming the connector; once the broker resumes, writes
// go through again and another store, whose reading of the topic's end
// stalled too, catches up by itself.
func TestBrokerStall(t *testing.T) {
	f := testkafka.Freezable(t)
	topic := testkafka.Topic(t, "configs")
	testkafka.DeleteTopicAtCleanup(t, f.Brokers, topic)
	ctx := bounded(t)
	s1 := open(t, testkafka.Client(t, f.Brokers, kgo.RequestTimeoutOverhead(time.Second)), Options{Topic: topic, ReplicationFactor: 1})
	s2 := open(t, testkafka.Client(t, f.Brokers, kgo.RequestTimeoutOverhead(time.Second)), Options{Topic: topic, TailInterval: 20 * time.Millisecond})
	require.NoError(t, s1.PutConnectorConfig(ctx, "before", map[string]string{"k": "v"}, ""))

	f.Freeze()
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	err := s1.PutConnectorConfig(short, "during", map[string]string{"k": "v"}, "")
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorContains(t, err, `connector "during"`)
	f.Resume()

	require.NoError(t, s1.PutConnectorConfig(ctx, "after", map[string]string{"k": "v"}, ""))
	require.True(t, s1.Snapshot().Contains("after"))
	require.Eventually(t, func() bool { return s2.Snapshot().Contains("after") }, 30*time.Second, 20*time.Millisecond)
	require.Equal(t, s1.Snapshot().Offset, s2.Snapshot().Offset)
}
