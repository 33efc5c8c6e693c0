package worker

import (
	"context"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/source"
	"github.com/stretchr/testify/require"
)

// offsetReadingConnector is a source connector that reads, as it starts,
// the committed offset of one partition through its context.
type offsetReadingConnector struct {
	source.Connector
	partition connect.SourcePartition
	read      chan<- connect.Offset
}

func (c offsetReadingConnector) Start(ctx context.Context, cfg map[string]string, cc source.ConnectorContext) error {
	o, err := cc.Offsets().Offset(ctx, c.partition)
	if err != nil {
		return err
	}
	c.read <- o
	return c.Connector.Start(ctx, cfg, cc)
}

// With exactly-once delivery and offsets.storage.topic, the connector reads
// its offsets as its tasks do: from its own topic first, the worker's topic
// only for partitions its own does not have.
func TestEOSConnectorReadsOwnOffsetsTopic(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "eos")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	global, _ := eosKafkaStore(t, brokers)
	ownTopic := testkafka.Topic(t, "own-offsets")
	compact := "compact"
	testkafka.CreateTopic(t, brokers, ownTopic, 1, map[string]*string{"cleanup.policy": &compact})
	own := eosOpenStore(t, brokers, ownTopic)
	ctx := context.Background()
	p := connect.NewSourcePartition("counter", "reader")
	require.NoError(t, global.Put(ctx, "reader", []offset.Entry{{Partition: p, Offset: connect.Int64Offset("n", 9)}}))
	require.NoError(t, own.Put(ctx, "reader", []offset.Entry{{Partition: p, Offset: connect.Int64Offset("n", 19)}}))

	src := newEOSCounter("test.EOSCounter")
	read := make(chan connect.Offset, 1)
	plugin := src.plugin()
	counter := plugin.New
	plugin.New = func() source.Connector {
		return offsetReadingConnector{Connector: counter(), partition: p, read: read}
	}
	w := newEOSWorker(t, brokers, global, testkafka.Group(t, "eos"), plugin)
	require.NoError(t, w.CreateConnector(ctx, "reader", src.config(topic, 30, 5, "offsets.storage.topic", ownTopic)))
	o := receive(t, read, "the connector's offset read")
	require.Equal(t, `{"n":19}`, o.String(), "the connector did not read its own offsets topic first")
	waitOffset(t, own, "reader", 29)
	require.NoError(t, w.Close())
	numbers := committedNumbers(t, brokers, topic)
	require.Equal(t, int64(20), numbers[0], "the task resumes after its own topic's offset")
}
