package herder

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jsonparse"
)

// ConnectorOffsets are a connector's offsets, shaped as Kafka Connect's
// GET and PATCH /connectors/{name}/offsets bodies:
// {"offsets":[{"partition":{...},"offset":{...}}]}.
type ConnectorOffsets struct {
	Offsets []ConnectorOffset
}

// ConnectorOffset is one partition's offset. A source connector's
// partitions and offsets are its own source partitions and offsets; a sink
// connector's are Kafka topic partitions and consumer offsets, built with
// SinkPartition and SinkOffset. In an alteration, a zero Offset (JSON null)
// resets the partition: its committed offset is forgotten.
type ConnectorOffset struct {
	Partition connect.SourcePartition
	Offset    connect.Offset
}

// The keys of a sink connector's partitions and offsets, as Kafka Connect
// names them.
const (
	KafkaTopicKey     = "kafka_topic"
	KafkaPartitionKey = "kafka_partition"
	KafkaOffsetKey    = "kafka_offset"
)

// SinkPartition returns the partition of a sink connector's offset:
// {"kafka_topic": topic, "kafka_partition": partition}.
func SinkPartition(topic string, partition int32) connect.SourcePartition {
	return connect.NewSourcePartition(KafkaTopicKey, topic, KafkaPartitionKey, partition)
}

// SinkOffset returns a sink connector's offset, the next offset its
// consumer group reads: {"kafka_offset": offset}.
func SinkOffset(offset int64) connect.Offset { return connect.Int64Offset(KafkaOffsetKey, offset) }

// MarshalJSON writes the offsets as Kafka Connect does, each map's keys in
// the order of the java.util.HashMap Kafka Connect holds it in, so the bytes
// are a JVM worker's; no offsets is [].
func (o ConnectorOffsets) MarshalJSON() ([]byte, error) {
	b := append([]byte(nil), `{"offsets":[`...)
	for i, off := range o.Offsets {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = off.appendJSON(b); err != nil {
			return nil, err
		}
	}
	return append(b, "]}"...), nil
}

// MarshalJSON writes {"partition":{...},"offset":{...}}, a zero Offset as
// null.
func (o ConnectorOffset) MarshalJSON() ([]byte, error) { return o.appendJSON(nil) }

func (o ConnectorOffset) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"partition":`...)
	b = o.Partition.AppendJSON(b)
	b = append(b, `,"offset":`...)
	b, err := o.Offset.AppendJSON(b)
	if err != nil {
		return nil, fmt.Errorf("herder: offset of partition %s: %w", o.Partition, err)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads {"offsets":[...]}. A missing or null list reads as no
// offsets.
func (o *ConnectorOffsets) UnmarshalJSON(data []byte) error {
	var body struct {
		Offsets []ConnectorOffset `json:"offsets"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return err
	}
	o.Offsets = body.Offsets
	return nil
}

// UnmarshalJSON reads {"partition":{...},"offset":{...}}: numbers become
// int64 when integral, else float64, as Kafka Connect reads them; values
// must be primitives. A missing or null partition reads as the zero
// SourcePartition, a missing or null offset as the zero Offset.
func (o *ConnectorOffset) UnmarshalJSON(data []byte) error {
	var raw struct {
		Partition json.RawMessage `json:"partition"`
		Offset    json.RawMessage `json:"offset"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	pe, err := jsonMap(raw.Partition, "partition")
	if err != nil {
		return err
	}
	oe, err := jsonMap(raw.Offset, "offset")
	if err != nil {
		return err
	}
	var p connect.SourcePartition
	if pe != nil {
		if p, err = connect.SourcePartitionFromEntries(pe); err != nil {
			return fmt.Errorf("herder: partition: %w", err)
		}
	}
	off, err := connect.OffsetFromEntries(oe)
	if err != nil {
		return fmt.Errorf("herder: offset of partition %s: %w", p, err)
	}
	*o = ConnectorOffset{Partition: p, Offset: off}
	return nil
}

// jsonMap reads a JSON object, or nil for null or nothing, keeping Kafka
// Connect's key order.
func jsonMap(raw json.RawMessage, what string) ([]connect.MapEntry, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	v, err := jsonparse.ParseAny(raw, connect.JSONNumber)
	if err != nil {
		return nil, fmt.Errorf("herder: %s: %w", what, err)
	}
	switch m := v.(type) {
	case nil:
		return nil, nil
	case []connect.MapEntry:
		if m == nil {
			m = []connect.MapEntry{}
		}
		return m, nil
	}
	return nil, fmt.Errorf("herder: %s: %w", what, errNotObject)
}

var errNotObject = errors.New("not a JSON object")
