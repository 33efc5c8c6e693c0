package worker

import (
	"context"
	"fmt"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/source"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ownOffsets is a source connector's own offsets topic (offsets.storage.topic
// on the connector), outside exactly-once delivery, which keeps its own in
// eosConnector. As Kafka Connect's ConnectorOffsetBackingStore does, tasks
// read a partition's offset from it first and from the worker's store when it
// has none (so a connector given its own topic later resumes where it was),
// and commits go to it and then, best-effort, to the worker's store (so it can
// be run without its own topic again).
type ownOffsets struct {
	store  *offset.Kafka
	client *kgo.Client
}

// openOwnOffsets opens c's own offsets topic, creating it when missing, if
// c is a source connector with offsets.storage.topic set to a topic other
// than the worker's.
func (w *engine) openOwnOffsets(ctx context.Context, c *connectorRun) error {
	topic := strings.TrimSpace(c.cfg.String(OffsetsStorageTopicConfig))
	if c.kind != connect.SourcePlugin || topic == "" {
		return nil
	}
	if global, ok := w.store.(*offset.Kafka); ok && global.Topic() == topic {
		return nil
	}
	store, cl, err := w.openOffsetsTopic(ctx, c, topic)
	if err != nil {
		return err
	}
	c.own = &ownOffsets{store: store, client: cl}
	return nil
}

// openOffsetsTopic opens a connector's own offsets topic, with a client of
// its own, for exactly-once delivery or without.
func (w *engine) openOffsetsTopic(ctx context.Context, c *connectorRun, topic string) (*offset.Kafka, *kgo.Client, error) {
	cl, err := kgo.NewClient(w.clientOpts(kgo.ClientID("kconnect-offsets-" + c.name))...)
	if err != nil {
		return nil, nil, fmt.Errorf("worker: connector %s: %s %s: %w", c.name, OffsetsStorageTopicConfig, topic, err)
	}
	store, err := offset.NewKafka(ctx, cl, topic, offset.WithLogger(c.log))
	if err != nil {
		cl.Close()
		return nil, nil, fmt.Errorf("worker: connector %s: %s %s: %w", c.name, OffsetsStorageTopicConfig, topic, err)
	}
	return store, cl, nil
}

// close closes the store and its client; o may be nil.
func (o *ownOffsets) close() {
	if o == nil {
		return
	}
	_ = o.store.Close()
	o.client.Close()
}

// offsetReader is what c's connector and tasks read committed offsets with.
func (c *connectorRun) offsetReader() source.OffsetReader {
	if c.own != nil {
		return fallbackReader{primary: c.own.store, secondary: c.w.store, connector: c.name}
	}
	return storeReader{store: c.w.store, connector: c.name}
}

// putOffsets commits a source task's offsets: to the connector's own topic
// and then the worker's store when it has one (a failure of that second
// write is logged, not returned: the connector's own topic is the one
// read first), else to the worker's store.
func (st *sourceTask) putOffsets(ctx context.Context, entries []offset.Entry) error {
	own := st.conn.own
	if own == nil {
		return st.w.store.Put(ctx, st.id.Connector, entries)
	}
	if err := own.store.Put(ctx, st.id.Connector, entries); err != nil {
		return err
	}
	if err := st.w.store.Put(ctx, st.id.Connector, entries); err != nil {
		st.log.Warn("committing source offsets to the worker's offset store (after the connector's own topic) failed", "err", err)
	}
	return nil
}
