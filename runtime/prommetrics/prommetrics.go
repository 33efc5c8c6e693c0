// Package prommetrics exposes the worker's task metrics to Prometheus, with
// Kafka Connect's metric names turned into Prometheus names
// (source-record-poll-total → kconnect_source_record_poll_total,
// total-record-errors → kconnect_total_record_errors) and the connector and
// task as labels. Where Kafka Connect reports a ratio or an average over a
// window (offset-commit-success-percentage, offset-commit-avg-time-ms),
// kconnect exports what Prometheus derives it from: the counter
// kconnect_offset_commit_total with an outcome label and the histogram
// kconnect_offset_commit_seconds. A task's series are removed when the
// worker lets go of it (it is stopped, restarted, deleted with its connector,
// or moves to another worker; a FAILED task keeps them until then), as Kafka
// Connect removes a task's metrics, so that a scrape shows only this
// worker's tasks; a task started again starts its series from zero.
//
//	reg := prometheus.NewRegistry()
//	w, err := worker.New(worker.Brokers("localhost:9092"), worker.WithMetrics(prommetrics.New(reg)))
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
package prommetrics

import (
	"strconv"
	"sync"
	"time"

	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics implements worker.Metrics with Prometheus collectors registered
// on one registerer.
type Metrics struct {
	polled, written, read, put *prometheus.CounterVec
	sourceActive, sinkActive   *prometheus.GaugeVec
	commits                    *prometheus.CounterVec
	commitTime                 *prometheus.HistogramVec
	errors                     *prometheus.CounterVec
	skipped, retries, dlq      *prometheus.CounterVec

	mu sync.Mutex
	// running counts the recorders of each task not yet closed: a task
	// abandoned for not stopping may still run beside its restarted
	// instance, whose series must outlive the old one's Close.
	running map[worker.TaskID]int
}

// New creates the collectors and registers them on reg. It panics if they
// are already registered there, as prometheus.MustRegister does.
func New(reg prometheus.Registerer) *Metrics {
	labels := []string{"connector", "task"}
	counter := func(name, help string, extra ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "kconnect", Name: name, Help: help},
			append(append([]string{}, labels...), extra...))
	}
	m := &Metrics{
		polled:  counter("source_record_poll_total", "Records polled from source tasks."),
		written: counter("source_record_write_total", "Source records acknowledged by Kafka."),
		read:    counter("sink_record_read_total", "Records consumed by sink tasks."),
		put:     counter("sink_record_send_total", "Records handed to sink tasks' Put."),
		sourceActive: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "kconnect", Name: "source_record_active_count",
			Help: "Records polled from a source task but not yet acknowledged by Kafka."}, labels),
		sinkActive: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "kconnect", Name: "sink_record_active_count",
			Help: "Records consumed by a sink task but not yet committed."}, labels),
		commits: counter("offset_commit_total", "Offset commit attempts.", "outcome"),
		commitTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "kconnect", Name: "offset_commit_seconds",
			Help: "Time taken by offset commits.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 8)}, labels),
		errors:  counter("total_record_errors", "Records that failed, by stage.", "stage"),
		skipped: counter("total_records_skipped", "Records skipped by errors.tolerance=all."),
		retries: counter("total_retries", "Retries of retriable errors."),
		dlq:     counter("deadletterqueue_produce_requests", "Records written to the dead-letter topic."),
		running: map[worker.TaskID]int{},
	}
	reg.MustRegister(m.polled, m.written, m.read, m.put, m.sourceActive, m.sinkActive, m.commits, m.commitTime, m.errors, m.skipped, m.retries, m.dlq)
	return m
}

// Task returns the recorder for one task, with its label values bound once.
// Its Close removes the task's series.
func (m *Metrics) Task(id worker.TaskID, kind string) worker.TaskMetrics {
	m.mu.Lock()
	m.running[id]++
	m.mu.Unlock()
	l := prometheus.Labels{"connector": id.Connector, "task": strconv.Itoa(id.Task)}
	active := m.sourceActive
	if kind == "sink" {
		active = m.sinkActive
	}
	return &task{
		m: m, id: id, labels: l,
		polled: m.polled.With(l), written: m.written.With(l), read: m.read.With(l), put: m.put.With(l),
		active: active.With(l), ok: m.commits.MustCurryWith(l).WithLabelValues("success"),
		failed: m.commits.MustCurryWith(l).WithLabelValues("failure"), commitTime: m.commitTime.With(l),
		skipped: m.skipped.With(l), retries: m.retries.With(l), dlq: m.dlq.With(l),
	}
}

type task struct {
	m                                      *Metrics
	id                                     worker.TaskID
	closeOnce                              sync.Once
	labels                                 prometheus.Labels
	polled, written, read, put, ok, failed prometheus.Counter
	skipped, retries, dlq                  prometheus.Counter
	active                                 prometheus.Gauge
	commitTime                             prometheus.Observer
}

func (t *task) RecordsPolled(n int)  { t.polled.Add(float64(n)) }
func (t *task) RecordsWritten(n int) { t.written.Add(float64(n)) }
func (t *task) RecordsRead(n int)    { t.read.Add(float64(n)) }
func (t *task) RecordsPut(n int)     { t.put.Add(float64(n)) }
func (t *task) ActiveRecords(n int)  { t.active.Set(float64(n)) }
func (t *task) OffsetCommit(ok bool, took time.Duration) {
	if ok {
		t.ok.Inc()
	} else {
		t.failed.Inc()
	}
	t.commitTime.Observe(took.Seconds())
}
func (t *task) RecordErrors(stage string, n int) {
	t.m.errors.MustCurryWith(t.labels).WithLabelValues(stage).Add(float64(n))
}
func (t *task) RecordsSkipped(n int) { t.skipped.Add(float64(n)) }
func (t *task) Retries(n int)        { t.retries.Add(float64(n)) }
func (t *task) DeadLettered(n int)   { t.dlq.Add(float64(n)) }

// Close removes the task's series once no recorder of the task is left
// open; it is for the worker to call when the task has stopped.
func (t *task) Close() {
	t.closeOnce.Do(func() {
		m := t.m
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.running[t.id]--; m.running[t.id] > 0 {
			return
		}
		delete(m.running, t.id)
		for _, v := range []interface{ DeletePartialMatch(prometheus.Labels) int }{
			m.polled, m.written, m.read, m.put, m.sourceActive, m.sinkActive, m.commits, m.commitTime,
			m.errors, m.skipped, m.retries, m.dlq,
		} {
			v.DeletePartialMatch(t.labels)
		}
	})
}
