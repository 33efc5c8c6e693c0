package worker

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/converter/stringconv"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
)

// flakyConverter is a StringConverter whose first failures calls fail
// with a retriable error, as a schema-registry converter does while its
// registry is unreachable.
type flakyConverter struct {
	converter.Converter
	failures *atomic.Int64
}

var errRegistryDown = errors.New("registry unreachable")

func (c flakyConverter) fail() error {
	if c.failures.Add(-1) >= 0 {
		return connect.Retriable(errRegistryDown)
	}
	return nil
}

func (c flakyConverter) FromConnect(dst []byte, topic string, h connect.Headers, s *connect.Schema, v any) ([]byte, error) {
	if err := c.fail(); err != nil {
		return nil, err
	}
	return c.Converter.FromConnect(dst, topic, h, s, v)
}

func (c flakyConverter) ToConnect(topic string, h connect.Headers, data []byte) (*connect.Schema, any, error) {
	if err := c.fail(); err != nil {
		return nil, nil, err
	}
	return c.Converter.ToConnect(topic, h, data)
}

func flakyConverterPlugin(failures *atomic.Int64) converter.Plugin {
	return converter.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.FlakyConverter", Kind: connect.ConverterPlugin},
		New: func(map[string]string, bool) (converter.Converter, error) {
			return flakyConverter{stringconv.New(), failures}, nil
		},
	}
}

// retryConfig is errors.retry.timeout as given, with short back-offs.
func retryConfig(timeout string, cfg map[string]string) map[string]string {
	cfg["errors.retry.timeout"] = timeout
	cfg["errors.retry.delay.max.ms"] = "20"
	cfg["errors.tolerance"] = "all"
	cfg["errors.log.enable"] = "true"
	return cfg
}

// A value converter that fails with a retriable error is retried within
// errors.retry.timeout, as Kafka Connect retries every stage: no record is
// skipped while the retries last. With errors.retry.timeout=0 the first
// failure is tolerated at once (the record skipped).
func TestSourceConverterRetriedWithinTimeout(t *testing.T) {
	for _, tc := range []struct {
		timeout string
		want    []string
	}{
		{"30000", []string{"record-0", "record-1", "record-2", "record-3"}},
		{"0", []string{"record-3"}},
	} {
		t.Run("timeout="+tc.timeout, func(t *testing.T) {
			brokers := testkafka.Brokers(t)
			topic := testkafka.Topic(t, "retry-src")
			testkafka.CreateTopic(t, brokers, topic, 1, nil)
			var failures atomic.Int64
			failures.Store(3)
			cs := &counterSource{}
			w := newTestWorker(t, brokers, offset.NewMemory(), cs.plugin(), flakyConverterPlugin(&failures))
			require.NoError(t, w.CreateConnector(context.Background(), "retry-src", retryConfig(tc.timeout, map[string]string{
				"connector.class": "test.CounterSource", "topic": topic, "limit": "4", "batch": "1",
				"key.converter": "StringConverter", "value.converter": "test.FlakyConverter",
			})))
			got := consumeValues(t, brokers, topic, len(tc.want))
			require.NoError(t, w.Close())
			require.Equal(t, tc.want, got)
		})
	}
}

// The same on the sink side, for the value converter's ToConnect.
func TestSinkConverterRetriedWithinTimeout(t *testing.T) {
	for _, tc := range []struct {
		timeout string
		want    []any
	}{
		{"30000", []any{`"v-0"`, `"v-1"`, `"v-2"`, `"v-3"`}},
		{"0", []any{`"v-3"`}},
	} {
		t.Run("timeout="+tc.timeout, func(t *testing.T) {
			brokers := testkafka.Brokers(t)
			topic := testkafka.Topic(t, "retry-sink")
			testkafka.CreateTopic(t, brokers, topic, 1, nil)
			produceStrings(t, brokers, topic, 4)
			var failures atomic.Int64
			failures.Store(3)
			c := newCollector(len(tc.want))
			w := newTestWorker(t, brokers, offset.NewMemory(), c.plugin(), flakyConverterPlugin(&failures))
			name := testkafka.Group(t, "retry-sink")
			require.NoError(t, w.CreateConnector(context.Background(), name, retryConfig(tc.timeout, map[string]string{
				"connector.class": "test.CollectorSink", "topics": topic,
				"key.converter": "StringConverter", "value.converter": "test.FlakyConverter",
			})))
			select {
			case <-c.done:
			case <-time.After(30 * time.Second):
				t.Fatal("the sink got too few records")
			}
			require.NoError(t, w.Close())
			c.mu.Lock()
			defer c.mu.Unlock()
			var got []any
			for _, r := range c.records {
				got = append(got, r.Value)
			}
			require.Equal(t, tc.want, got)
		})
	}
}
