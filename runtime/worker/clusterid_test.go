package worker

import (
	"context"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
)

// ClusterID is the id the cluster reports to any client, and an
// unreachable cluster an error naming its servers.
func TestClusterID(t *testing.T) {
	brokers := testkafka.Brokers(t)
	w, err := New(Brokers(brokers...))
	require.NoError(t, err)
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := w.ClusterID(ctx)
	require.NoError(t, err)
	m, err := kadm.NewClient(testkafka.Client(t, brokers)).BrokerMetadata(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, got)
	require.Equal(t, m.Cluster, got)

	down, err := New(Brokers("127.0.0.1:1"))
	require.NoError(t, err)
	defer down.Close()
	short, cancelShort := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancelShort()
	_, err = down.ClusterID(short)
	require.ErrorContains(t, err, "describing the Kafka cluster at 127.0.0.1:1")
}
