package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/kconnect-go/kconnect/source"
)

// The engine's part of KIP-875: reading, altering and resetting a
// connector's committed offsets. A source connector's are in its offset
// stores, a sink connector's in its consumer group. The herder checks first
// that the connector is STOPPED, so no task of it commits meanwhile.

// offsetsMessage is Kafka Connect's answer to an offsets change that
// succeeded; handled says whether the connector said it handled offsets it
// keeps outside Kafka (source.OffsetAlterer, sink.OffsetAlterer).
func offsetsMessage(handled, reset bool) herder.Message {
	done := "altered"
	if reset {
		done = "reset"
	}
	if handled {
		return herder.Message{Message: "The offsets for this connector have been " + done + " successfully"}
	}
	return herder.Message{Message: "The Connect framework-managed offsets for this connector have been " + done +
		" successfully. However, if this connector manages offsets externally, they will need to be manually " + done +
		" in the system that the connector uses."}
}

// connectorOffsets returns c's committed offsets, sorted by partition.
func (w *engine) connectorOffsets(ctx context.Context, c *connectorRun) (herder.ConnectorOffsets, error) {
	if c.kind == connect.SinkPlugin {
		return w.sinkOffsets(ctx, c)
	}
	entries, err := c.offsetReader().list(ctx)
	if err != nil {
		return herder.ConnectorOffsets{}, err
	}
	out := herder.ConnectorOffsets{Offsets: make([]herder.ConnectorOffset, len(entries))}
	for i, e := range entries {
		out.Offsets[i] = herder.ConnectorOffset{Partition: e.Partition, Offset: e.Offset}
	}
	return out, nil
}

// alterOffsets writes offsets for c, a zero Offset resetting its
// partition, once every one of them is checked and the connector, if it is
// a source.OffsetAlterer, has accepted them.
func (w *engine) alterOffsets(ctx context.Context, c *connectorRun, offsets []herder.ConnectorOffset) (herder.Message, error) {
	if c.kind == connect.SinkPlugin {
		return w.alterSinkOffsets(ctx, c, offsets)
	}
	entries := make([]offset.Entry, 0, len(offsets))
	at := map[string]int{} // a partition given twice gets its last offset, as in Kafka Connect
	for _, o := range offsets {
		// A null partition is written as Kafka Connect writes it, under
		// the key ["<connector>",null]: its Worker checks only a sink's
		// partitions. Listing offsets skips such a partition, as Kafka
		// Connect's does (sourceOffsets.list).
		if j, ok := at[o.Partition.String()]; ok {
			entries[j].Offset = o.Offset
			continue
		}
		at[o.Partition.String()] = len(entries)
		entries = append(entries, offset.Entry{Partition: o.Partition, Offset: o.Offset})
	}
	return w.modifySourceOffsets(ctx, c, entries, false)
}

// resetOffsets forgets every committed offset of c.
func (w *engine) resetOffsets(ctx context.Context, c *connectorRun) (herder.Message, error) {
	if c.kind == connect.SinkPlugin {
		return w.resetSinkOffsets(ctx, c)
	}
	entries, err := c.offsetReader().list(ctx)
	if err != nil {
		return herder.Message{}, err
	}
	for i := range entries {
		entries[i].Offset = connect.Offset{}
	}
	return w.modifySourceOffsets(ctx, c, entries, true)
}

// modifySourceOffsets asks source connector c whether it accepts entries
// (source.OffsetAlterer, on a new instance as Kafka Connect does), then
// writes them (sourceOffsets.alter).
func (w *engine) modifySourceOffsets(ctx context.Context, c *connectorRun, entries []offset.Entry, reset bool) (herder.Message, error) {
	handled, err := w.askOffsetAlterer(ctx, c, entries)
	if err != nil {
		return herder.Message{}, err
	}
	if err := c.offsetReader().alter(ctx, entries, c.log); err != nil {
		return herder.Message{}, err
	}
	c.log.Info("offsets changed", "partitions", len(entries), "reset", reset)
	return offsetsMessage(handled, reset), nil
}

// askOffsetAlterer tells source connector c of the offsets about to be
// written, when it implements source.OffsetAlterer, and reports whether it
// said it handled offsets it keeps elsewhere. Its refusal or panic is an
// error naming the connector and the cause, which wraps no herder sentinel:
// Kafka Connect answers a connector's failed alterOffsets with a 500 (a
// ConnectException), keeping 400 for its own checks.
func (w *engine) askOffsetAlterer(ctx context.Context, c *connectorRun, entries []offset.Entry) (bool, error) {
	p, ok := c.plugin.(source.Plugin)
	if !ok || p.New == nil {
		return false, nil
	}
	var inst source.Connector
	if err := safeCall(func() error { inst = p.New(); return nil }); err != nil {
		return false, fmt.Errorf("worker: connector %s: creating it to alter its offsets: %w", c.name, err)
	}
	alterer, ok := inst.(source.OffsetAlterer)
	if !ok {
		return false, nil
	}
	changes := make([]source.OffsetChange, len(entries))
	for i, e := range entries {
		changes[i] = source.OffsetChange{Partition: e.Partition, Offset: e.Offset}
	}
	var handled bool
	var refused error
	if err := safeCall(func() error {
		handled, refused = alterer.AlterOffsets(ctx, maps.Clone(c.resolved), changes)
		return nil
	}); err != nil {
		return false, fmt.Errorf("worker: connector %s: AlterOffsets: %w", c.name, err)
	}
	if refused != nil {
		return false, fmt.Errorf("worker: connector %s refused the offsets: %w", c.name, refused)
	}
	return handled, nil
}

// sinkOffsets returns sink connector c's consumer group offsets, sorted by
// topic and partition.
func (w *engine) sinkOffsets(ctx context.Context, c *connectorRun) (herder.ConnectorOffsets, error) {
	group := GroupID(c.name)
	actx, cancel := w.apiContext(ctx)
	resp, err := kadm.NewClient(w.admin).FetchOffsets(actx, group)
	cancel()
	if errors.Is(err, kerr.GroupIDNotFound) {
		return herder.ConnectorOffsets{Offsets: []herder.ConnectorOffset{}}, nil
	}
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		return herder.ConnectorOffsets{}, fmt.Errorf("worker: connector %s: reading the offsets of its consumer group %s: %w", c.name, group, err)
	}
	var offs []kadm.OffsetResponse
	resp.Each(func(o kadm.OffsetResponse) {
		if o.At >= 0 {
			offs = append(offs, o)
		}
	})
	slices.SortFunc(offs, func(a, b kadm.OffsetResponse) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	out := herder.ConnectorOffsets{Offsets: make([]herder.ConnectorOffset, len(offs))}
	for i, o := range offs {
		out.Offsets[i] = herder.ConnectorOffset{Partition: herder.SinkPartition(o.Topic, o.Partition), Offset: herder.SinkOffset(o.At)}
	}
	return out, nil
}

// alterSinkOffsets commits offsets to sink connector c's consumer group, and
// deletes the group's offsets of the partitions whose Offset is zero, once
// every one is checked as Kafka Connect checks them (SinkUtils).
func (w *engine) alterSinkOffsets(ctx context.Context, c *connectorRun, offsets []herder.ConnectorOffset) (herder.Message, error) {
	commit := kadm.Offsets{}
	deletes := kadm.TopicsSet{}
	for i, o := range offsets {
		topic, partition, err := sinkPartition(o.Partition)
		if err != nil {
			return herder.Message{}, badRequest("worker: connector %s: offset %d: %w", c.name, i, err)
		}
		// A partition given twice gets its last offset, as in Kafka Connect.
		commit.Delete(topic, partition)
		if ps := deletes[topic]; ps != nil {
			delete(ps, partition)
		}
		if o.Offset.IsZero() {
			deletes.Add(topic, partition)
			continue
		}
		at, err := sinkOffset(o.Offset)
		if err != nil {
			return herder.Message{}, badRequest("worker: connector %s: offset %d: %w", c.name, i, err)
		}
		commit.Add(kadm.Offset{Topic: topic, Partition: partition, At: at, LeaderEpoch: -1})
	}
	var changes []sink.OffsetChange
	commit.Each(func(o kadm.Offset) {
		changes = append(changes, sink.OffsetChange{TopicPartition: sink.TopicPartition{Topic: o.Topic, Partition: o.Partition}, Offset: o.At})
	})
	deletes.Each(func(topic string, partition int32) {
		changes = append(changes, sink.OffsetChange{TopicPartition: sink.TopicPartition{Topic: topic, Partition: partition}, Reset: true})
	})
	slices.SortFunc(changes, func(a, b sink.OffsetChange) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	handled, err := w.askSinkOffsetAlterer(ctx, c, changes)
	if err != nil {
		return herder.Message{}, err
	}
	adm := kadm.NewClient(w.admin)
	group := GroupID(c.name)
	if len(commit) > 0 {
		actx, cancel := w.apiContext(ctx)
		resp, err := adm.CommitOffsets(actx, group, commit)
		cancel()
		if err == nil {
			err = resp.Error()
		}
		if err != nil {
			return herder.Message{}, sinkOffsetsError(c.name, group, "alter", err)
		}
	}
	if len(deletes) > 0 {
		actx, cancel := w.apiContext(ctx)
		resp, err := adm.DeleteOffsets(actx, group, deletes)
		cancel()
		if err == nil {
			err = resp.Error()
		}
		if err != nil {
			return herder.Message{}, sinkOffsetsError(c.name, group, "alter", err)
		}
	}
	c.log.Info("consumer group offsets changed", "group", group, "committed", len(commit), "deleted", len(deletes))
	return offsetsMessage(handled, false), nil
}

// resetSinkOffsets deletes sink connector c's consumer group, as Kafka
// Connect does; a group that does not exist is already reset.
func (w *engine) resetSinkOffsets(ctx context.Context, c *connectorRun) (herder.Message, error) {
	group := GroupID(c.name)
	// The connector is told of each partition the group has an offset
	// for, as Kafka Connect tells it.
	current, err := w.sinkOffsets(ctx, c)
	if err != nil {
		return herder.Message{}, err
	}
	changes := make([]sink.OffsetChange, 0, len(current.Offsets))
	for _, o := range current.Offsets {
		topic, partition, err := sinkPartition(o.Partition)
		if err != nil {
			return herder.Message{}, err
		}
		changes = append(changes, sink.OffsetChange{TopicPartition: sink.TopicPartition{Topic: topic, Partition: partition}, Reset: true})
	}
	handled, err := w.askSinkOffsetAlterer(ctx, c, changes)
	if err != nil {
		return herder.Message{}, err
	}
	actx, cancel := w.apiContext(ctx)
	_, err = kadm.NewClient(w.admin).DeleteGroup(actx, group)
	cancel()
	if err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
		return herder.Message{}, sinkOffsetsError(c.name, group, "reset", err)
	}
	c.log.Info("consumer group deleted: offsets reset", "group", group)
	return offsetsMessage(handled, true), nil
}

// askSinkOffsetAlterer tells sink connector c of the consumer offsets about
// to change, when it implements sink.OffsetAlterer (on a new instance, as
// Kafka Connect does), and reports whether it said it handled them. Its
// refusal or panic is an error naming the connector and the cause, which
// wraps no herder sentinel (a 500, as Kafka Connect answers it).
func (w *engine) askSinkOffsetAlterer(ctx context.Context, c *connectorRun, changes []sink.OffsetChange) (bool, error) {
	p, ok := c.plugin.(sink.Plugin)
	if !ok || p.New == nil {
		return false, nil
	}
	var inst sink.Connector
	if err := safeCall(func() error { inst = p.New(); return nil }); err != nil {
		return false, fmt.Errorf("worker: connector %s: creating it to alter its offsets: %w", c.name, err)
	}
	alterer, ok := inst.(sink.OffsetAlterer)
	if !ok {
		return false, nil
	}
	var handled bool
	var refused error
	if err := safeCall(func() error {
		handled, refused = alterer.AlterOffsets(ctx, maps.Clone(c.resolved), slices.Clone(changes))
		return nil
	}); err != nil {
		return false, fmt.Errorf("worker: connector %s: AlterOffsets: %w", c.name, err)
	}
	if refused != nil {
		return false, fmt.Errorf("worker: connector %s refused the offsets: %w", c.name, refused)
	}
	return handled, nil
}

// sinkOffsetsError is the error of a failed change of a sink connector's
// group offsets, with Kafka Connect's explanation when the group still has
// members.
func sinkOffsetsError(connector, group, change string, err error) error {
	switch {
	case errors.Is(err, kerr.UnknownMemberID), errors.Is(err, kerr.IllegalGeneration), errors.Is(err, kerr.RebalanceInProgress),
		errors.Is(err, kerr.GroupSubscribedToTopic), errors.Is(err, kerr.NonEmptyGroup):
		return fmt.Errorf("worker: connector %s: failed to %s the offsets of its consumer group %s, either because its tasks haven't "+
			"stopped completely yet or the connector was resumed before the request to %s its offsets could be successfully completed. "+
			"If the connector is in a stopped state, this operation can be safely retried: %w", connector, change, group, change, err)
	}
	return fmt.Errorf("worker: connector %s: failed to %s the offsets of its consumer group %s: %w", connector, change, group, err)
}

// sinkPartition reads a sink connector offset's partition, as Kafka
// Connect's SinkUtils does: a topic, and a partition number given as a
// number or a string.
func sinkPartition(p connect.SourcePartition) (string, int32, error) {
	if p.IsZero() {
		return "", 0, errors.New("the partition for a sink connector offset cannot be null or missing")
	}
	t, okT := p.Get(herder.KafkaTopicKey)
	n, okN := p.Get(herder.KafkaPartitionKey)
	switch {
	case !okT || !okN:
		return "", 0, fmt.Errorf("the partition for a sink connector offset must contain the keys '%s' and '%s'", herder.KafkaTopicKey, herder.KafkaPartitionKey)
	case t == nil:
		return "", 0, errors.New("Kafka topic names must be valid strings and may not be null")
	case n == nil:
		return "", 0, errors.New("Kafka partitions must be valid numbers and may not be null")
	}
	partition, err := strconv.ParseInt(javaString(n), 10, 32)
	if err != nil {
		return "", 0, fmt.Errorf("failed to parse the following Kafka partition value in the provided offsets: '%s'. Partition values for sink connectors need to be integers", javaString(n))
	}
	return javaString(t), int32(partition), nil
}

// sinkOffset reads a sink connector offset: a kafka_offset given as a
// number or a string, not negative.
func sinkOffset(o connect.Offset) (int64, error) {
	v, ok := o.Get(herder.KafkaOffsetKey)
	if !ok {
		return 0, fmt.Errorf("the offset for a sink connector should either be null or contain the key '%s'", herder.KafkaOffsetKey)
	}
	at, err := strconv.ParseInt(javaString(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("failed to parse the following Kafka offset value in the provided offsets: '%s'. Offset values for sink connectors need to be integers", javaString(v))
	}
	if at < 0 {
		return 0, fmt.Errorf("invalid negative offset %d", at)
	}
	return at, nil
}

// javaString is String.valueOf of a primitive offset or partition value,
// which Kafka Connect parses sink partitions and offsets from.
func javaString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := connect.AppendJavaString(nil, v, nil)
	if err != nil {
		return fmt.Sprint(v) // bytes: no number either way
	}
	return string(b)
}
