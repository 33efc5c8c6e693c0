package worker

import (
	"context"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/stretchr/testify/require"
)

func TestClientOverrides(t *testing.T) {
	c := newCollector(1)
	cs := &counterSource{}
	brokers := testkafka.Brokers(t)
	w := newTestWorker(t, brokers, offset.NewMemory(), c.plugin(), cs.plugin())
	defer w.Close()
	ctx := context.Background()
	err := w.CreateConnector(ctx, "bad-overrides", map[string]string{
		"connector.class": "test.CollectorSink", "topics": "t",
		"consumer.override.auto.offset.reset":          "sideways",
		"consumer.override.sasl.kerberos.service.name": "kafka",
		"consumer.override.fetch.max.wait.ms":          "250",
	})
	require.Error(t, err)
	require.Contains(t, err.Error(), "consumer.override.auto.offset.reset: want earliest")
	require.Contains(t, err.Error(), "consumer.override.sasl.kerberos.service.name: not supported")
	require.NotContains(t, err.Error(), "fetch.max.wait.ms")

	err = w.CreateConnector(ctx, "bad-producer", map[string]string{
		"connector.class": "test.CounterSource", "topic": "t", "producer.override.compression.type": "brotli"})
	require.ErrorContains(t, err, "producer.override.compression.type: unknown compression type")

	topic := testkafka.Topic(t, "latest")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	require.NoError(t, w.CreateConnector(ctx, testkafka.Group(t, "ok"), map[string]string{
		"connector.class": "test.CollectorSink", "topics": topic,
		"consumer.override.auto.offset.reset": "latest", "consumer.override.fetch.max.wait.ms": "100",
		"consumer.override.isolation.level": "read_committed",
	}))
}

// default.api.timeout.ms bounds the worker's admin calls: admin.'s value
// over the one without prefix, Java's 60 s without either, and a bad value
// is an error naming the key.
func TestDefaultAPITimeout(t *testing.T) {
	for _, tc := range []struct {
		props map[string]string
		want  time.Duration
	}{
		{nil, time.Minute},
		{map[string]string{"default.api.timeout.ms": "1500"}, 1500 * time.Millisecond},
		{map[string]string{"default.api.timeout.ms": "1500", "admin.default.api.timeout.ms": "700"}, 700 * time.Millisecond},
		{map[string]string{"consumer.default.api.timeout.ms": "700"}, time.Minute},
	} {
		cs, err := parseClientConfig(tc.props)
		require.NoError(t, err, tc.props)
		require.Equal(t, tc.want, cs.apiTimeout, tc.props)
	}
	_, err := parseClientConfig(map[string]string{"admin.default.api.timeout.ms": "soon"})
	require.ErrorContains(t, err, "admin.default.api.timeout.ms: want a non-negative number of milliseconds")
}
