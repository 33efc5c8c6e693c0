package jsonconv

import (
	"context"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Records converted to JSON travel through a broker (the real one in CI,
// kfake otherwise) and read back to the same schemas and values, with
// tombstones staying tombstones.
func TestKafkaRoundTrip(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "jsonconv")
	testkafka.CreateTopic(t, brokers, topic, 3, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conv := New()
	keyConv := New(SchemasEnable(false))
	cases := goldenCases()
	names := []string{"bench10", "struct_nested", "struct_logical", "struct_all_defaults", "map_int32_string",
		"decimal_big", "string_unicode", "float64_nan", "schemaless_list", "optional_null"}

	producer := testkafka.Client(t, brokers, kgo.DefaultProduceTopic(topic))
	var want []goldenCase
	var buf []byte
	for i, name := range names {
		c := cases[name]
		key, err := keyConv.FromConnect(nil, topic, connect.Headers{}, connect.Int32Schema, int32(i))
		require.NoError(t, err)
		value, err := conv.FromConnect(buf[:0], topic, connect.Headers{}, c.schema, c.value)
		require.NoError(t, err)
		// The producer keeps the slice until the record is acknowledged, so
		// reuse the buffer only after ProduceSync returns.
		require.NoError(t, producer.ProduceSync(ctx, &kgo.Record{Key: key, Value: value}).FirstErr())
		buf = value
		want = append(want, c)
	}
	tombKey, err := keyConv.FromConnect(nil, topic, connect.Headers{}, connect.Int32Schema, int32(len(names)))
	require.NoError(t, err)
	tomb, err := conv.FromConnect(nil, topic, connect.Headers{}, nil, nil)
	require.NoError(t, err)
	require.Nil(t, tomb)
	require.NoError(t, producer.ProduceSync(ctx, &kgo.Record{Key: tombKey, Value: tomb}).FirstErr())

	consumer := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	got := map[int32]*kgo.Record{}
	for len(got) < len(names)+1 {
		fetches := consumer.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "timed out with %d of %d records", len(got), len(names)+1)
		fetches.EachError(func(_ string, _ int32, err error) { require.NoError(t, err) })
		fetches.EachRecord(func(r *kgo.Record) {
			_, k, err := keyConv.ToConnect(topic, connect.Headers{}, r.Key)
			require.NoError(t, err)
			got[int32(k.(int64))] = r
		})
	}
	for i, c := range want {
		s, v, err := conv.ToConnect(topic, connect.Headers{}, got[int32(i)].Value)
		require.NoError(t, err, names[i])
		require.True(t, c.schema.Equal(s), names[i])
		require.True(t, connect.ValuesEqual(c.value, v), "%s: %v", names[i], v)
	}
	s, v, err := conv.ToConnect(topic, connect.Headers{}, got[int32(len(names))].Value)
	require.NoError(t, err)
	require.Nil(t, s)
	require.Nil(t, v)
}
