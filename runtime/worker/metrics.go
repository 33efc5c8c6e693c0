package worker

import "time"

// Metrics receives the runtime's task metrics: Kafka Connect's main
// source-task, sink-task and task-error metrics (the
// source-task-metrics, sink-task-metrics and task-error-metrics groups), as
// counts to add and gauges to set. Implementations must be safe for
// concurrent use and fast: they are called on the record path.
// The prommetrics package adapts it to Prometheus.
type Metrics interface {
	// Task returns the recorder for one task. It is called once per task
	// start. A recorder that has a Close() method is closed once the
	// worker has let go of its task (stopped, restarted, deleted with its
	// connector, moved to another worker; a FAILED task only then) and the
	// task's code has returned, so that an exporter can drop the task's
	// series, as Kafka Connect removes a task's metrics. A task abandoned
	// for not stopping is closed when its code returns at last, which may
	// be after its next instance got its own recorder.
	Task(id TaskID, kind string) TaskMetrics
}

// closeTaskMetrics closes tm if it can be closed (Metrics).
func closeTaskMetrics(tm TaskMetrics) {
	if c, ok := tm.(interface{ Close() }); ok {
		c.Close()
	}
}

// TaskMetrics records one task's metrics.
type TaskMetrics interface {
	// RecordsPolled counts records a source task's Poll returned
	// (source-record-poll-total).
	RecordsPolled(n int)
	// RecordsWritten counts source records Kafka acknowledged
	// (source-record-write-total).
	RecordsWritten(n int)
	// RecordsRead counts records a sink task consumed
	// (sink-record-read-total).
	RecordsRead(n int)
	// RecordsPut counts records handed to a sink task's Put
	// (sink-record-send-total).
	RecordsPut(n int)
	// ActiveRecords sets the records in flight: polled but not yet
	// acknowledged (source-record-active-count), or consumed but not yet
	// committed (sink-record-active-count).
	ActiveRecords(n int)
	// OffsetCommit records one offset commit attempt and how long it took
	// (offset-commit-success-percentage, offset-commit-avg-time-ms).
	OffsetCommit(ok bool, took time.Duration)
	// RecordErrors counts records that failed at a stage
	// (total-record-errors), whether tolerated or not.
	RecordErrors(stage string, n int)
	// RecordsSkipped counts records skipped by errors.tolerance=all
	// (total-records-skipped).
	RecordsSkipped(n int)
	// Retries counts retries of retriable errors (total-retries).
	Retries(n int)
	// DeadLettered counts records written to the dead-letter topic
	// (deadletterqueue-produce-requests).
	DeadLettered(n int)
}

// WithMetrics sets where task metrics go. Default: nowhere.
func WithMetrics(m Metrics) Opt { return func(o *options) { o.metrics = m } }

// noMetrics discards everything.
type noMetrics struct{}

func (noMetrics) Task(TaskID, string) TaskMetrics  { return noMetrics{} }
func (noMetrics) RecordsPolled(int)                {}
func (noMetrics) RecordsWritten(int)               {}
func (noMetrics) RecordsRead(int)                  {}
func (noMetrics) RecordsPut(int)                   {}
func (noMetrics) ActiveRecords(int)                {}
func (noMetrics) OffsetCommit(bool, time.Duration) {}
func (noMetrics) RecordErrors(string, int)         {}
func (noMetrics) RecordsSkipped(int)               {}
func (noMetrics) Retries(int)                      {}
func (noMetrics) DeadLettered(int)                 {}
