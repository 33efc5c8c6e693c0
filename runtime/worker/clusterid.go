package worker

import (
	"context"
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
)

// ClusterID asks the worker's Kafka cluster for its id, as a Kafka Connect
// worker does at start to report it at GET /, with the worker's client
// settings (TLS, SASL). It waits for an answer until ctx ends, and then
// returns an error naming the bootstrap servers. A broker that reports no
// id (before Kafka 0.10.1) gives "" and no error.
func (w *Worker) ClusterID(ctx context.Context) (string, error) {
	// A metadata request for no topics: the cluster id without the
	// cluster's topics.
	m, err := kadm.NewClient(w.admin).BrokerMetadata(ctx)
	if err != nil {
		return "", fmt.Errorf("worker: describing the Kafka cluster at %s: %w", strings.Join(w.seeds, ","), err)
	}
	return m.Cluster, nil
}
