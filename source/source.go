// Package source is the contract between kconnect's runtime and a source
// connector, which reads from an outside system and produces records to
// Kafka: Kafka Connect's SourceConnector and SourceTask.
//
// A connector author writes a Connector, which splits the work into task
// configurations, and a Task, which polls records. Records carry a
// connect.SourcePartition (what part of the source they come from) and a
// connect.Offset (where in it); the runtime writes each record to Kafka,
// and commits the offset of the last record of each partition whose
// predecessors are all written, so that a restarted task resumes after the
// last record that is safely in Kafka. Delivery is at least once: records
// polled after the last commit may be produced again after a crash (or
// exactly once, with exactly.once.source.support and a connector that
// supports it).
//
// The smallest source is a TaskFunc wrapped by SimpleConnector:
//
//	source.SimpleConnector(func() source.Task {
//		return source.TaskFunc(func(ctx context.Context) ([]connect.Record, error) { ... })
//	})
//
// Extra capabilities are small interfaces a Connector or Task may also
// implement, found by type assertion as database/sql finds driver
// capabilities: Committer, RecordCommitter, OffsetUpdater,
// ExactlyOnceConnector, BoundaryDefiner, OffsetAlterer.
//
// A connector logs through the logger its context gives it,
// ConnectorContext.Logger or TaskContext.Logger, typically kept in Start:
//
//	func (t *task) Start(ctx context.Context, config map[string]string, tc source.TaskContext) error {
//		t.log = tc.Logger() // the runtime's logger, naming the connector and task
//		...
//		t.log.Warn("table dropped; waiting for it", "table", name)
//
// so that its lines go where the runtime's go, say which connector and task
// wrote them, and need no global logger.
package source

import (
	"context"
	"log/slog"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// Connector is a source connector. The runtime creates one per configured
// connector and calls its methods from one goroutine at a time: Start, then
// TaskConfigs as often as task configurations are needed, then Stop.
type Connector interface {
	// Start starts the connector with its configuration, already checked
	// against the plugin's ConfigDef. ctx is cancelled when the connector
	// is stopped; a connector that watches its source (for new tables,
	// files) may run goroutines until then and call
	// cc.RequestTaskReconfiguration when the work changes.
	Start(ctx context.Context, config map[string]string, cc ConnectorContext) error
	// TaskConfigs splits the work into at most maxTasks task
	// configurations, one per task to run. Each map is passed to a Task's
	// Start. Returning fewer is fine (one table, one task).
	TaskConfigs(maxTasks int) ([]map[string]string, error)
	// NewTask returns a new, unstarted Task.
	NewTask() Task
	// Stop releases what Start acquired. ctx bounds how long it may take.
	Stop(ctx context.Context) error
}

// ConnectorContext is the runtime as a source connector sees it.
type ConnectorContext interface {
	connect.ConnectorContext
	// Offsets reads the committed offsets of the connector's partitions.
	Offsets() OffsetReader
}

// Task reads records from the source. The runtime calls its methods from one
// goroutine: Start, then Poll repeatedly, then Stop once Poll has returned
// for the last time. Only the optional Committer, RecordCommitter and
// OffsetUpdater methods may run concurrently with Poll.
type Task interface {
	// Start prepares the task with its configuration (one of the
	// connector's TaskConfigs). Read committed offsets here, from
	// tc.Offsets(), to resume where the last run stopped. An error fails
	// the task.
	Start(ctx context.Context, config map[string]string, tc TaskContext) error
	// Poll returns the next records, or none when none are ready. It should
	// wait for data for a short while (up to about a second) rather than
	// return empty at once, and it must return promptly, with whatever it
	// has or with ctx.Err(), when ctx is cancelled: cancellation is how the
	// runtime stops or pauses a task, so a Poll that ignores ctx delays
	// shutdown.
	//
	// The runtime owns the returned slice and records. An error wrapping
	// connect.ErrRetriable makes the runtime call Poll again after a
	// back-off; any other error fails the task.
	Poll(ctx context.Context) ([]connect.Record, error)
	// Stop releases the task's resources. It is called once, after the last
	// Poll has returned; ctx bounds it.
	Stop(ctx context.Context) error
}

// TaskContext is the runtime as a source task sees it.
type TaskContext interface {
	// Config returns the task's current configuration.
	Config() map[string]string
	// Offsets reads committed offsets.
	Offsets() OffsetReader
	// Transaction returns the task's transaction control when the
	// connector defines its own transaction boundaries
	// (transaction.boundary=connector), and nil otherwise.
	Transaction() TransactionContext
	// Logger returns the logger the task logs through: the runtime's own,
	// with attributes naming the connector and the task (kconnect's worker
	// adds connector=<name> and task=<number> to its Logger). It is never
	// nil, may be called from any goroutine, and the logger is safe for
	// concurrent use; keep it for as long as the task runs.
	Logger() *slog.Logger
}

// OffsetReader reads committed source offsets. It is safe for concurrent
// use.
type OffsetReader interface {
	// Offset returns the last committed offset of partition, or the zero
	// Offset when there is none.
	Offset(ctx context.Context, partition connect.SourcePartition) (connect.Offset, error)
	// Offsets returns the committed offsets of several partitions, keyed by
	// the SourcePartition values passed in; partitions without a committed
	// offset are absent.
	Offsets(ctx context.Context, partitions []connect.SourcePartition) (map[connect.SourcePartition]connect.Offset, error)
}

// TransactionContext lets a task that defines its own transaction boundaries
// say where they fall. Records are identified by their address in the slice
// Poll returned.
type TransactionContext interface {
	// Commit commits the transaction after the records polled so far.
	Commit()
	// CommitAfter commits the transaction after record r.
	CommitAfter(r *connect.Record)
	// Abort aborts the transaction holding the records polled so far;
	// their offsets are still committed, as in Kafka Connect.
	Abort()
	// AbortAfter aborts the transaction after record r.
	AbortAfter(r *connect.Record)
}

// RecordMetadata says where Kafka stored a produced record.
type RecordMetadata struct {
	Topic     string
	Partition int32
	Offset    int64
	Timestamp time.Time
}

// Committer is an optional Task capability: Commit is called after the
// runtime has committed offsets, so a task can acknowledge its source up
// to them (for example a message queue). Committed offsets may lag what
// Poll returned. It may run concurrently with Poll.
type Committer interface {
	Commit(ctx context.Context) error
}

// RecordCommitter is an optional Task capability: CommitRecord is called
// for each record once Kafka has acknowledged it (or once it is settled
// otherwise: md is nil when a transform dropped the record or an error was
// tolerated). It may run concurrently with Poll, and must be quick.
//
// md is valid only until CommitRecord returns, as the runtime reuses it
// (it is called for every record): copy *md to keep it. r is the record Poll
// returned, in the task's own slice.
type RecordCommitter interface {
	CommitRecord(r *connect.Record, md *RecordMetadata) error
}

// OffsetUpdater is an optional Task capability, kconnect's own (KIP-910
// proposed it for Kafka Connect as SourceTask.updateOffsets; Kafka has not
// adopted it, so a JVM worker never calls it): UpdateOffsets is called at every
// offset commit, before the offsets are written, with the partitions and
// offsets about to be committed (none when the task has nothing new to
// commit: it is called on an idle task's commits too), and returns offsets
// of other partitions to commit with them, in the same write (the same
// transaction, with exactly-once delivery). It lets a task record progress
// that no record carries, or keep a second partition in step with one
// being committed.
//
// As KIP-910 has it, only partitions not among committing are added: an
// offset returned for one of them is ignored, as is one with a zero
// Partition or Offset (UpdateOffsets cannot delete an offset). A nil
// result adds nothing. An error or a panic is logged and the commit goes
// on without the added offsets. committing is the runtime's, valid only
// until UpdateOffsets returns. It may run concurrently with Poll, and
// should be quick: the commit waits for it.
type OffsetUpdater interface {
	UpdateOffsets(ctx context.Context, committing []OffsetChange) ([]OffsetChange, error)
}

// ExactlyOnceSupport says whether a connector can run with exactly-once
// delivery.
type ExactlyOnceSupport uint8

// The answers of ExactlyOnceConnector.
const (
	ExactlyOnceUnsupported ExactlyOnceSupport = iota
	ExactlyOnceSupported
)

// ExactlyOnceConnector is an optional Connector capability: whether, with
// this configuration, the connector's tasks can resume exactly from the
// committed offsets so that exactly-once delivery holds. It may be called
// before Start. Connectors without it are treated as unsupported.
type ExactlyOnceConnector interface {
	ExactlyOnceSupport(config map[string]string) ExactlyOnceSupport
}

// BoundaryDefiner is an optional Connector capability, required for
// transaction.boundary=connector: whether the tasks will define their own
// transaction boundaries through TaskContext.Transaction.
type BoundaryDefiner interface {
	CanDefineTransactionBoundaries(config map[string]string) bool
}

// OffsetChange is one partition's new offset: in an offset alteration,
// where the zero Offset means reset (forget the partition's offset), or
// in an offset commit (OffsetUpdater).
type OffsetChange struct {
	Partition connect.SourcePartition
	Offset    connect.Offset
}

// OffsetAlterer is an optional Connector capability for connectors that
// keep offsets outside Kafka too: it is told of offsets being altered or
// reset through the runtime (for example by the REST API) and may reject
// them. It must be idempotent and may be called before Start. It returns
// true when it has handled offsets kept elsewhere.
type OffsetAlterer interface {
	AlterOffsets(ctx context.Context, config map[string]string, changes []OffsetChange) (bool, error)
}

// Plugin describes a source connector to a runtime.
type Plugin struct {
	connect.PluginInfo
	New func() Connector
}

// Info returns the plugin's description.
func (p Plugin) Info() connect.PluginInfo { return p.PluginInfo }
