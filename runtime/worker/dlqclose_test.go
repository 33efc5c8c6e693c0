package worker

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
)

// openTestDeadLetters opens the dead-letter queue a task of a sink
// connector configured with one on dlqTopic would.
func openTestDeadLetters(t *testing.T, brokers []string, dlqTopic string) *errorPolicy {
	t.Helper()
	topic := testkafka.Topic(t, "sink")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	testkafka.DeleteTopicAtCleanup(t, brokers, dlqTopic)
	w := newTestWorker(t, brokers, offset.NewMemory(), newCollector(1).plugin())
	t.Cleanup(func() { _ = w.Close() })
	name := testkafka.Group(t, "dlq-close")
	require.NoError(t, w.CreateConnector(context.Background(), name, dlqConfig(dlqTopic, map[string]string{
		"connector.class": "test.CollectorSink", "topics": topic,
		"key.converter": "StringConverter", "value.converter": "StringConverter",
	})))
	c, err := w.connector(name)
	require.NoError(t, err)
	p := newErrorPolicy(c.cfg, slog.New(slog.DiscardHandler), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, p.openDeadLetters(ctx, w.engine, TaskID{Connector: name, Task: 7}, c, false))
	require.NotNil(t, p.dlq)
	return p
}

// Closing a dead-letter queue is prompt even when its broker has gone
// silent, once its writes are acknowledged: a task's stop does not wait
// on the producer's last client-metrics push, which a silent broker
// never answers.
func TestDeadLetterQueueClosesPromptlyOnASilentBroker(t *testing.T) {
	f := testkafka.Freezable(t)
	p := openTestDeadLetters(t, f.Brokers, testkafka.Topic(t, "dlq"))
	r := &connect.Record{Topic: "in", Value: "bad"}
	raw := &rawRecord{key: []byte("k"), value: []byte("bad")}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, p.dlq.send(ctx, stageValueConverter, r, raw, errors.New("not a number")))
	require.NoError(t, p.awaitDeadLetters(ctx))

	f.Freeze()
	defer f.Resume()
	began := time.Now()
	p.closeDeadLetters()
	took := time.Since(began)
	require.Less(t, took, 300*time.Millisecond, "closing the dead letter queue's producer")
}
