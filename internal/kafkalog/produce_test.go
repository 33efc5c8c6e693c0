package kafkalog

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/testkafka"
)

// TestProduceReturnsWhenContextEnds freezes the broker: Produce returns
// with ctx's error where ProduceSync would wait for the broker, and the
// record it sent is written, if at all, before a later one.
func TestProduceReturnsWhenContextEnds(t *testing.T) {
	f := testkafka.Freezable(t)
	topic := testkafka.Topic(t, "produce")
	testkafka.CreateTopic(t, f.Brokers, topic, 1, nil)
	cl := testkafka.Client(t, f.Brokers)
	ctx := bounded(t)
	first := &kgo.Record{Topic: topic, Value: []byte("first")}
	require.NoError(t, Produce(ctx, cl, first))
	require.EqualValues(t, 0, first.Offset)

	f.Freeze()
	short, cancel := context.WithTimeout(ctx, time.Second)
	err := Produce(short, cl, &kgo.Record{Topic: topic, Value: []byte("frozen")})
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded)
	f.Resume()

	last := &kgo.Record{Topic: topic, Value: []byte("last")}
	require.NoError(t, Produce(ctx, cl, last))
	var values []string
	r := NewReader(cl, topic, nil, func(b Batch) error {
		for _, rec := range b.Records {
			values = append(values, string(rec.Value))
		}
		return nil
	})
	require.NoError(t, r.ReadToEnd(ctx))
	// "frozen" was sent before its context ended, and is written in its
	// place when the broker answers; had it not left yet, it would be
	// failed and not written at all.
	if len(values) == 2 {
		require.Equal(t, []string{"first", "last"}, values)
	} else {
		require.Equal(t, []string{"first", "frozen", "last"}, values)
	}
}
