package connect

import (
	"fmt"
	"time"
)

// TimestampType says what a sink record's Kafka timestamp means.
type TimestampType int8

// The Kafka timestamp types.
const (
	NoTimestampType TimestampType = iota
	CreateTime
	LogAppendTime
)

// String returns Kafka's name for t ("CreateTime").
func (t TimestampType) String() string {
	switch t {
	case CreateTime:
		return "CreateTime"
	case LogAppendTime:
		return "LogAppendTime"
	}
	return "NoTimestampType"
}

// Record is one message moving through kconnect: from a source task to
// Kafka, or from Kafka to a sink task, through transforms and converters. It
// is Kafka Connect's SourceRecord and SinkRecord in one type.
//
// Records are passed by value: a transform takes a Record and returns a
// modified copy. Headers are copy-on-write, so the copy never disturbs the
// original's headers; keys and values (maps, structs) are shared, so build
// new ones rather than modifying them.
type Record struct {
	// Topic is the Kafka topic the record goes to (source) or came from, as
	// transforms may have renamed it (sink).
	Topic string

	KeySchema   *Schema
	Key         any
	ValueSchema *Schema
	Value       any

	// Timestamp is the record's time; the zero time means none (the producer
	// then sets the time it sends the record).
	Timestamp     time.Time
	TimestampType TimestampType

	// haveOrigin says whether origin is set. It and partition sit next to
	// TimestampType, in the same eight bytes: a Record is copied through
	// every transform and allocated for every record read by a sink.
	haveOrigin bool
	// partition is the Kafka partition plus one, so that the zero Record
	// leaves the choice to the producer's partitioner.
	partition int32

	Headers Headers

	// SourcePartition and SourceOffset say where a source record comes from;
	// the runtime commits SourceOffset once the record is in Kafka.
	SourcePartition SourcePartition
	SourceOffset    Offset

	// origin is where a sink record was read from; it survives transforms.
	origin KafkaPosition
}

// KafkaPosition is a record's place in Kafka.
type KafkaPosition struct {
	Topic     string
	Partition int32
	Offset    int64
}

// Partition returns the record's Kafka partition, and false when none is set
// (the partitioner decides).
func (r *Record) Partition() (int32, bool) { return r.partition - 1, r.partition > 0 }

// SetPartition sets the Kafka partition. A negative p clears it.
func (r *Record) SetPartition(p int32) {
	if p < 0 {
		r.partition = 0
		return
	}
	r.partition = p + 1
}

// WithPartition returns a copy of r with the Kafka partition set (or cleared,
// for a negative p).
func (r Record) WithPartition(p int32) Record { r.SetPartition(p); return r }

// Origin returns where a sink record was read from in Kafka, before any
// transform renamed its topic or changed its partition, and false for a
// record that has not come from Kafka. Kafka Connect calls these the
// original topic, partition and offset.
func (r *Record) Origin() (KafkaPosition, bool) { return r.origin, r.haveOrigin }

// SetOrigin records where a record was read from in Kafka; the runtime calls
// it when it turns a consumed message into a Record. Transforms must not.
func (r *Record) SetOrigin(p KafkaPosition) { r.origin, r.haveOrigin = p, true }

// Position returns the record's position for errors and logs: its Kafka
// origin if it has one, and its source partition and offset.
func (r *Record) Position() Position {
	p := Position{Offset: -1, SourcePartition: r.SourcePartition, SourceOffset: r.SourceOffset}
	if r.haveOrigin {
		p.Topic, p.Partition, p.Offset = r.origin.Topic, r.origin.Partition, r.origin.Offset
	}
	return p
}

// String describes the record briefly, for logs and tests.
func (r Record) String() string {
	p, ok := r.Partition()
	part := "any"
	if ok {
		part = fmt.Sprint(p)
	}
	return fmt.Sprintf("Record{topic=%s partition=%s key=%v value=%v timestamp=%v headers=%d}",
		r.Topic, part, r.Key, r.Value, r.Timestamp, r.Headers.Len())
}
