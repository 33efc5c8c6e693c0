// Package sink is the contract between kconnect's runtime and a sink
// connector, which consumes records from Kafka and writes them to an outside
// system: Kafka Connect's SinkConnector and SinkTask.
//
// The runtime consumes a connector's topics in the consumer group
// connect-<connector name>, converts and transforms each record, and hands
// batches to Task.Put. It commits consumer offsets only up to what the task
// says is safely written: by default, everything Put has returned for once
// Flush has returned; a task that buffers or writes asynchronously
// implements PreCommitter and returns exactly the offsets that are durable.
// Delivery is at least once: after a crash or rebalance, records after the
// last commit are delivered again, so writes should be idempotent (upserts,
// or deduplication by Kafka position; see connect.Record.Origin).
//
// The smallest sink is a PutFunc:
//
//	sink.SimpleConnector(func() sink.Task {
//		return sink.PutFunc(func(ctx context.Context, records []connect.Record) error { ... })
//	})
//
// Extra capabilities are small interfaces a Task may also implement, found
// by type assertion: PartitionHandler, Flusher, PreCommitter, BatchBorrower.
//
// A connector logs through the logger its context gives it,
// connect.ConnectorContext.Logger or TaskContext.Logger, typically kept in
// Start (t.log = tc.Logger()): the runtime's logger, naming the connector
// and task, so that its lines go where the runtime's go without a global
// logger.
package sink

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// Connector is a sink connector. The runtime creates one per configured
// connector and calls its methods from one goroutine at a time: Start, then
// TaskConfigs as often as task configurations are needed, then Stop.
type Connector interface {
	// Start starts the connector with its configuration, already checked
	// against the plugin's ConfigDef (including topics or topics.regex).
	// ctx is cancelled when the connector is stopped.
	Start(ctx context.Context, config map[string]string, cc connect.ConnectorContext) error
	// TaskConfigs returns at most maxTasks task configurations. The runtime
	// gives every task the connector's topics; Kafka's group protocol
	// spreads the partitions among them.
	TaskConfigs(maxTasks int) ([]map[string]string, error)
	// NewTask returns a new, unstarted Task.
	NewTask() Task
	// Stop releases what Start acquired; ctx bounds it.
	Stop(ctx context.Context) error
}

// TopicPartition names a partition of a topic.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// String returns "topic-partition", as Kafka prints partitions.
func (tp TopicPartition) String() string { return fmt.Sprintf("%s-%d", tp.Topic, tp.Partition) }

// OffsetChange is one partition's new consumer offset in an offset
// alteration or reset.
type OffsetChange struct {
	TopicPartition
	// Offset is the next offset to consume; unused when Reset.
	Offset int64
	// Reset is true when the partition's committed offset is removed.
	Reset bool
}

// OffsetAlterer is an optional Connector capability, like Kafka's
// SinkConnector.alterOffsets: a connector is told of its consumer offsets
// being altered or reset through the runtime (for example by the REST
// API), before they change, and may refuse them with an error (nothing
// changes then). It must be idempotent and may be called on an instance
// that was never started. It returns true when it has handled the
// offsets: those it keeps outside Kafka too, if any, are changed, so the
// runtime's answer need not tell the user to change them by hand.
type OffsetAlterer interface {
	AlterOffsets(ctx context.Context, config map[string]string, changes []OffsetChange) (bool, error)
}

// Task writes records to the outside system. The runtime calls its methods
// from one goroutine, never concurrently: Start, then Put, Flush or
// PreCommit, Open and Close as records arrive, commits come due and
// partitions are assigned and revoked, then Stop.
type Task interface {
	// Start prepares the task with its configuration.
	Start(ctx context.Context, config map[string]string, tc TaskContext) error
	// Put writes a batch of records, in Kafka order within each partition.
	// Records whose key or value conversion or transformation failed and
	// was tolerated are not included. It may write synchronously or buffer
	// (then implement PreCommitter or Flusher).
	//
	// An error wrapping connect.ErrRetriable asks the runtime to deliver the
	// same batch again after TaskContext.SetRetryBackoff's delay; other
	// errors fail the task unless the task reported the bad records through
	// TaskContext.Reporter instead. ctx is cancelled when the task stops.
	Put(ctx context.Context, records []connect.Record) error
	// Stop releases the task's resources; ctx bounds it.
	Stop(ctx context.Context) error
}

// PartitionHandler is an optional Task capability: Open is called when
// partitions are assigned to the task, before their records are Put, and
// Close when they are revoked, after a final commit attempt, so the task
// can open and close writers per partition (Kafka Connect's open and close).
type PartitionHandler interface {
	Open(ctx context.Context, partitions []TopicPartition) error
	Close(ctx context.Context, partitions []TopicPartition) error
}

// Flusher is an optional Task capability: Flush makes everything Put so far
// durable before the runtime commits offsets. offsets holds, per partition,
// the offset after the last record Put (the next offset to consume), which
// the runtime commits once Flush returns nil.
type Flusher interface {
	Flush(ctx context.Context, offsets map[TopicPartition]int64) error
}

// PreCommitter is an optional Task capability for tasks that write
// asynchronously: PreCommit receives, per partition, the offset after the
// last record Put, and returns the offsets that are safe to commit (the
// next offset to consume for each partition whose records are durable).
// Partitions it leaves out are not committed this time; an empty result
// skips the commit. It takes precedence over Flusher.
type PreCommitter interface {
	PreCommit(ctx context.Context, offsets map[TopicPartition]int64) (map[TopicPartition]int64, error)
}

// BatchBorrower is an optional Task capability for tasks that only borrow
// the slice given to Put: when BorrowsBatch returns true, the task promises
// to keep neither the slice nor pointers to its elements once Put returns,
// and the runtime reuses the slice's memory for later batches instead of
// allocating and clearing a connect.Record for every record consumed.
//
// Only the slice is reused. What its records refer to (keys, values,
// headers, schemas) is never written again, so a task may keep those, or
// copies of the records (connect.Record is a value). A task that holds on to
// the slice itself until Flush, as Kafka Connect allows, must not implement
// BatchBorrower or must return false: by default Put's slice is the task's
// own. connecttest overwrites a borrowed batch after Put returns,
// so a task that keeps it after all fails the kit's read-back checks.
type BatchBorrower interface {
	BorrowsBatch() bool
}

// TaskContext is the runtime as a sink task sees it. Its methods are safe
// to call from the task's goroutine during any Task method; Logger, from
// any goroutine at any time.
type TaskContext interface {
	// Config returns the task's current configuration.
	Config() map[string]string
	// Assignment returns the partitions currently assigned to the task.
	Assignment() []TopicPartition
	// Pause stops fetching records from the partitions until Resume, for
	// back-pressure; records already fetched may still arrive.
	Pause(partitions ...TopicPartition)
	// Resume resumes fetching paused partitions.
	Resume(partitions ...TopicPartition)
	// ResetOffsets makes the consumer continue from the given offsets (the
	// next offset to read) for the given partitions, to rewind or skip.
	ResetOffsets(offsets map[TopicPartition]int64)
	// SetRetryBackoff sets how long the runtime waits before delivering a
	// batch again after Put returned a retriable error.
	SetRetryBackoff(d time.Duration)
	// RequestCommit asks the runtime to commit offsets as soon as it can.
	RequestCommit()
	// Reporter returns the errant record reporter, which sends records the
	// task cannot write to the dead letter queue or log, as the
	// connector's errors.* settings say.
	Reporter() ErrantRecordReporter
	// Logger returns the logger the task logs through: the runtime's own,
	// with attributes naming the connector and the task (kconnect's worker
	// adds connector=<name> and task=<number> to its Logger). It is never
	// nil and is safe for concurrent use; keep it for as long as the task
	// runs.
	Logger() *slog.Logger
}

// ErrantRecordReporter takes records a sink task cannot write. Report does
// not wait for the record to reach the dead letter queue: the runtime waits
// for every reported record before it commits the offsets past it, so none
// is lost. Report returns an error when errors.tolerance does not allow the
// failure (the task should then return that error), or when the reporter
// has failed.
type ErrantRecordReporter interface {
	Report(ctx context.Context, r connect.Record, cause error) error
}

// Plugin describes a sink connector to a runtime.
type Plugin struct {
	connect.PluginInfo
	New func() Connector
}

// Info returns the plugin's description.
func (p Plugin) Info() connect.PluginInfo { return p.PluginInfo }
