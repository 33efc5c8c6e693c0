package worker

import (
	"context"
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
)

// ClusterID asks the worker's Kafka cluster for its id, as a Kafka Connect
// worker does at start to report it at GET /, with the worker's client
// settings (TLS, SASL). It waits for an answer until ctx ends or the
// worker's default.api.timeout.ms (ClientConfig; 60 s by default) passes,
// and then returns an error naming the bootstrap servers. A broker that reports no
// id (before Kafka 0.10.1) gives "" and no error.
func (w *Worker) ClusterID(ctx context.Context) (string, error) {
	// A metadata request for no topics: the cluster id without the
	// cluster's topics.
	ctx, cancel := w.apiContext(ctx)
	defer cancel()
	m, err := kadm.NewClient(w.admin).BrokerMetadata(ctx)
	if err != nil {
		return "", fmt.Errorf("worker: describing the Kafka cluster at %s: %w", strings.Join(w.seeds, ","), err)
	}
	return m.Cluster, nil
}

// apiContext bounds one of the worker's admin calls by
// default.api.timeout.ms, as Java's admin client bounds each call.
func (w *engine) apiContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, w.clients.apiTimeout)
}
