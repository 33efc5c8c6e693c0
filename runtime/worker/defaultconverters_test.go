package worker

import (
	"context"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
)

// A worker's key and value converters each have their own settings, as a
// Kafka Connect worker's key.converter.* and value.converter.* keys, and
// its header converter is the connectors' default too.
func TestDefaultConvertersHaveTheirOwnSettings(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "defconv")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	cs := &counterSource{}
	w := newTestWorkerWith(t, brokers, offset.NewMemory(), []Opt{
		DefaultKeyConverter("JsonConverter", map[string]string{"schemas.enable": "true"}),
		DefaultValueConverter("JsonConverter", map[string]string{"schemas.enable": "false"}),
	}, cs.plugin())
	defer w.Close()
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "defconv", map[string]string{
		"connector.class": "test.CounterSource", "topic": topic, "limit": "1"}))

	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var got *kgo.Record
	for got == nil {
		fs := cl.PollFetches(pctx)
		require.NoError(t, pctx.Err())
		fs.EachRecord(func(r *kgo.Record) { got = r })
	}
	require.JSONEq(t, `{"schema":{"type":"int64","optional":false},"payload":0}`, string(got.Key))
	require.Equal(t, `"record-0"`, string(got.Value))

}

// A default converter that names no plugin fails New, before anything
// starts, naming its key.
func TestDefaultConverterMustExist(t *testing.T) {
	for key, opt := range map[string]Opt{
		"default key.converter":    DefaultKeyConverter("NoSuchConverter", nil),
		"default value.converter":  DefaultConverters("JsonConverter", "NoSuchConverter", nil),
		"default header.converter": DefaultHeaderConverter("NoSuchConverter", nil),
	} {
		w, err := New(Brokers("localhost:1"), opt)
		require.Nil(t, w)
		require.ErrorContains(t, err, key)
		require.ErrorContains(t, err, "NoSuchConverter")
	}
	w, err := New(Brokers("localhost:1"), DefaultHeaderConverter("StringConverter", nil))
	require.NoError(t, err)
	require.NoError(t, w.Close())
}
