package worker

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/source"
)

// sourceOffsets is where a source connector's offsets are read and
// committed, with exactly-once delivery or without: the worker's store,
// or the connector's own offsets topic (offsets.storage.topic on the
// connector) when it names one other than the worker's. As Kafka Connect's
// ConnectorOffsetBackingStore does, a connector with its own topic reads a
// partition's offset from it first and from the worker's store when it
// has none (so a connector given its own topic later resumes where it
// was), and its commits go to its own topic and then, best-effort, to the
// worker's store (so it can be run without its own topic again).
//
// Each source connector has one, opened by openSourceOffsets when the
// connector is created and closed by close when it is forgotten; the
// connector's context and every task of it read through it, and its tasks
// commit through it. A value not opened (zero own) reads and writes the
// worker's store only and owns nothing.
type sourceOffsets struct {
	connector string
	worker    offset.Store
	// own is the connector's own offsets topic, with its client; nil
	// without one.
	own    *offset.Kafka
	client *kgo.Client
}

var _ source.OffsetReader = (*sourceOffsets)(nil)

// transactionalStore is an offset store whose records can be written in a
// producer transaction: *offset.Kafka, or a type embedding it.
type transactionalStore interface {
	offset.Store
	Topic() string
	Records(connector string, entries []offset.Entry) ([]*kgo.Record, error)
	ApplyProduced(records []*kgo.Record)
}

// ownOffsetsTopic returns the offsets topic a source connector asks for
// that is not the worker's, or "".
func (w *engine) ownOffsetsTopic(c *connectorRun) string {
	topic := strings.TrimSpace(c.cfg.String(OffsetsStorageTopicConfig))
	if c.kind != connect.SourcePlugin || topic == "" {
		return ""
	}
	if global, ok := w.store.(interface{ Topic() string }); ok && global.Topic() == topic {
		return ""
	}
	return topic
}

// openSourceOffsets opens c's offsets: the connector's own topic, with a
// client of its own, created when missing, if it names one (ownOffsetsTopic);
// else a view of the worker's store. Nil for a sink connector.
func (w *engine) openSourceOffsets(ctx context.Context, c *connectorRun) (*sourceOffsets, error) {
	if c.kind != connect.SourcePlugin {
		return nil, nil
	}
	o := &sourceOffsets{connector: c.name, worker: w.store}
	topic := w.ownOffsetsTopic(c)
	if topic == "" {
		return o, nil
	}
	// The connector's principal, as Kafka Connect writes a connector's own
	// offsets with its producer.
	cl, err := kgo.NewClient(w.clientOptsWith(c.clients.producerSec, kgo.ClientID("kconnect-offsets-"+c.name))...)
	if err != nil {
		return nil, fmt.Errorf("worker: connector %s: %s %s: %w", c.name, OffsetsStorageTopicConfig, topic, err)
	}
	store, err := offset.NewKafka(ctx, cl, topic, offset.WithLogger(c.log))
	if err != nil {
		cl.Close()
		return nil, fmt.Errorf("worker: connector %s: %s %s: %w", c.name, OffsetsStorageTopicConfig, topic, err)
	}
	o.own, o.client = store, cl
	return o, nil
}

// close closes the connector's own topic and its client, if it has them;
// o may be nil. A task abandoned for ignoring its context that still uses
// them gets errors, and commits nothing anyway.
func (o *sourceOffsets) close() {
	if o == nil || o.own == nil {
		return
	}
	_ = o.own.Close()
	o.client.Close()
}

// offsetReader is what c's connector and tasks read committed offsets
// with: the connector's offsets, or a view of the worker's store for a
// connector that has none (a sink connector).
func (c *connectorRun) offsetReader() *sourceOffsets {
	if c.offsets != nil {
		return c.offsets
	}
	return &sourceOffsets{connector: c.name, worker: c.w.store}
}

// Offset implements source.OffsetReader.
func (o *sourceOffsets) Offset(ctx context.Context, p connect.SourcePartition) (connect.Offset, error) {
	m, err := o.Offsets(ctx, []connect.SourcePartition{p})
	if err != nil {
		return connect.Offset{}, err
	}
	return m[p], nil
}

// Offsets implements source.OffsetReader: the connector's own topic first,
// then the worker's store for the partitions it lacks.
func (o *sourceOffsets) Offsets(ctx context.Context, ps []connect.SourcePartition) (map[connect.SourcePartition]connect.Offset, error) {
	if o.own == nil {
		return o.worker.Get(ctx, o.connector, ps)
	}
	m, err := o.own.Get(ctx, o.connector, ps)
	if err != nil || len(m) >= len(ps) {
		return m, err
	}
	missing := make([]connect.SourcePartition, 0, len(ps)-len(m))
	for _, p := range ps {
		if _, ok := m[p]; !ok {
			missing = append(missing, p)
		}
	}
	more, err := o.worker.Get(ctx, o.connector, missing)
	if err != nil {
		return nil, err
	}
	for p, off := range more {
		m[p] = off
	}
	return m, nil
}

// put commits offsets outside a transaction: to the connector's own topic
// and then the worker's store when it has one (a failure of that second
// write is logged, not returned: the connector's own topic is the one read
// first), else to the worker's store.
func (o *sourceOffsets) put(ctx context.Context, entries []offset.Entry, log *slog.Logger) error {
	if o.own == nil {
		return o.worker.Put(ctx, o.connector, entries)
	}
	if err := o.own.Put(ctx, o.connector, entries); err != nil {
		return err
	}
	if err := o.worker.Put(ctx, o.connector, entries); err != nil {
		log.Warn("committing source offsets to the worker's offset store (after the connector's own topic) failed", "err", err)
	}
	return nil
}

// list returns the connector's committed offsets, sorted by partition:
// its own topic's, and the worker's store's for partitions the topic has
// none for, which is what its tasks read. An offset of the null partition
// (written by an alteration that gave none) is left out, as Kafka
// Connect's list of a connector's partitions leaves it out, so neither
// GET offsets nor a reset sees it.
func (o *sourceOffsets) list(ctx context.Context) ([]offset.Entry, error) {
	primary := o.worker
	if o.own != nil {
		primary = o.own
	}
	entries, err := primary.List(ctx, o.connector)
	if err != nil {
		return nil, fmt.Errorf("worker: connector %s: reading its offsets: %w", o.connector, err)
	}
	if o.own != nil {
		more, err := o.worker.List(ctx, o.connector)
		if err != nil {
			return nil, fmt.Errorf("worker: connector %s: reading its offsets from the worker's offset store: %w", o.connector, err)
		}
		have := make(map[string]bool, len(entries))
		for _, e := range entries {
			have[e.Partition.String()] = true
		}
		for _, e := range more {
			if !have[e.Partition.String()] {
				entries = append(entries, e)
			}
		}
	}
	entries = slices.DeleteFunc(entries, func(e offset.Entry) bool { return e.Partition.IsZero() })
	slices.SortFunc(entries, func(a, b offset.Entry) int { return strings.Compare(a.Partition.String(), b.Partition.String()) })
	return entries, nil
}

// alter writes offsets an operator set (a zero Offset resets its
// partition). With an own topic, resets go to the worker's store first, so
// that a partition reset in the own topic cannot be read back from the
// worker's store; then everything goes to the own topic, then the other
// offsets to the worker's store, where a failure is only logged, as for
// the tasks' commits.
func (o *sourceOffsets) alter(ctx context.Context, entries []offset.Entry, log *slog.Logger) error {
	if len(entries) == 0 {
		return nil
	}
	if o.own == nil {
		if err := o.worker.Put(ctx, o.connector, entries); err != nil {
			return fmt.Errorf("worker: connector %s: writing its offsets: %w", o.connector, err)
		}
		return nil
	}
	var resets, others []offset.Entry
	for _, e := range entries {
		if e.Offset.IsZero() {
			resets = append(resets, e)
		} else {
			others = append(others, e)
		}
	}
	if len(resets) > 0 {
		if err := o.worker.Put(ctx, o.connector, resets); err != nil {
			return fmt.Errorf("worker: connector %s: resetting offsets in the worker's offset store: %w", o.connector, err)
		}
	}
	if err := o.own.Put(ctx, o.connector, entries); err != nil {
		return fmt.Errorf("worker: connector %s: writing its offsets: %w", o.connector, err)
	}
	if len(others) > 0 {
		if err := o.worker.Put(ctx, o.connector, others); err != nil {
			log.Warn("writing altered offsets to the worker's offset store (after the connector's own topic) failed", "err", err)
		}
	}
	return nil
}

// transactional returns the store whose records exactly-once tasks write
// in their transactions: the connector's own topic, else the worker's
// store, if it is a Kafka one (prepareSourceDelivery checks that it is).
func (o *sourceOffsets) transactional() (transactionalStore, bool) {
	if o.own != nil {
		return o.own, true
	}
	ts, ok := o.worker.(transactionalStore)
	return ts, ok
}

// committed copies offsets committed in a transaction to the connector's
// own topic into the worker's store, as Kafka Connect writes its
// secondary copy; the connector's own topic stays the truth, so a failure
// is logged only. Nothing to do without an own topic.
func (o *sourceOffsets) committed(ctx context.Context, entries []offset.Entry, log *slog.Logger) {
	if o.own == nil || len(entries) == 0 {
		return
	}
	if err := o.worker.Put(ctx, o.connector, entries); err != nil {
		log.Warn("copying committed offsets to the worker's offsets topic failed", "err", err)
	}
}
