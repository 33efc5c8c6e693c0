package connecttest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/sink"
)

// DefaultTopic is the topic of the records Sink writes when SinkSpec.Records
// is nil.
const DefaultTopic = "connecttest"

// SinkSpec describes a sink connector to Sink: the plugin, how to make a
// fresh configuration, and how to read back what it wrote.
type SinkSpec struct {
	// Plugin is the connector under test (required).
	Plugin sink.Plugin
	// Config returns a fresh, valid connector configuration: every call a
	// new, empty destination (a new temporary file, table or bucket), so
	// that checks do not see each other's records. Include topics if the
	// connector checks it; the default records are on DefaultTopic.
	// Required.
	Config func(t testing.TB) map[string]string
	// ReadBack returns what the connector wrote to the destination config
	// names, in the order it was written, one value per record, as Expect
	// makes them. It is called after the task is stopped. Required by
	// WriteReadBack.
	ReadBack func(t testing.TB, config map[string]string) []any
	// Records returns n records to write. They must have an Origin (the
	// Kafka position they were read from), offsets increasing within each
	// partition, and values that differ, so that ReadBack's values tell the
	// records apart. nil means records of DefaultTopic spread over two
	// partitions, with STRING keys "key-<i>" and STRING values "value-<i>".
	Records func(t testing.TB, n int) []connect.Record
	// Expect returns what ReadBack returns for a record written (nil means
	// the record's Value). Values are compared with connect.ValuesEqual.
	Expect func(r connect.Record) any
	// RequiredKeys are keys whose absence must fail, with an error naming
	// the key, in ConfigDef.Parse, the connector's Start or the task's
	// Start. Keys the ConfigDef marks Required are always checked.
	RequiredKeys []string
	// N is how many records the write checks use (default DefaultN; at
	// least 2).
	N int
	// Timeout bounds Stop outside PromptStop, and how long PreCommit may
	// take to report every record durable (default DefaultTimeout).
	Timeout time.Duration
	// StopTimeout bounds how long Put may take to return when called with
	// a cancelled context, and Stop in PromptStop (default
	// DefaultStopTimeout). Goroutines must exit within max(2s,
	// 4*StopTimeout) of Stop.
	StopTimeout time.Duration
	// Skip names checks not to run: a check ("WriteReadBack") or a group
	// ("Spec"). An entry naming no check fails the test.
	Skip []string
}

// Sink runs the sink conformance checks on spec.Plugin, each as a sub-test
// of t:
//
//   - Spec/Info, Spec/Parse, Spec/RequiredKeys, Spec/Validate: as for
//     Source, with Kind sink.
//   - TaskConfigs: with tasks.max 1 and 3, the started connector returns at
//     least one and at most tasks.max task configurations.
//   - WriteReadBack: a task is started with the records' partitions
//     assigned, opened (PartitionHandler), given the records in two Put
//     batches, asked to make them durable with the offset after each
//     partition's last record (PreCommit, repeated until it returns every
//     offset, or else Flush), closed and stopped; ReadBack must then return
//     every record once, in order within each partition, and the task must
//     have reported none to its ErrantRecordReporter. PreCommit must never
//     return a partition it was not given or an offset beyond the one given.
//     A task that borrows its batches (sink.BatchBorrower) finds each batch
//     overwritten once Put returns, so keeping it shows in the read-back.
//   - PromptStop: Put with a cancelled context returns within StopTimeout
//     (with any result); Stop then returns within StopTimeout.
//   - NoGoroutineLeak: every goroutine started by a WriteReadBack run has
//     exited shortly after Stop.
//
// Each check calls Config for a fresh configuration. The connector raising
// an error through its ConnectorContext fails the check. Do not run Sink in
// parallel with tests that start goroutines (see NoGoroutineLeak).
func Sink(t *testing.T, spec SinkSpec) {
	t.Helper()
	k := newSinkKit(spec)
	run(t, "SinkSpec", spec.Skip, k.checks())
}

type sinkKit struct {
	spec SinkSpec
}

func newSinkKit(spec SinkSpec) *sinkKit {
	spec.N = max(cmpOr(spec.N, DefaultN), 2)
	spec.Timeout = defaultDuration(spec.Timeout, DefaultTimeout)
	spec.StopTimeout = defaultDuration(spec.StopTimeout, DefaultStopTimeout)
	if spec.Expect == nil {
		spec.Expect = func(r connect.Record) any { return r.Value }
	}
	return &sinkKit{spec: spec}
}

func (k *sinkKit) checks() []check {
	sc := &specChecks{
		spec:     "SinkSpec",
		kind:     connect.SinkPlugin,
		info:     k.spec.Plugin.Info(),
		hasNew:   k.spec.Plugin.New != nil,
		config:   k.config,
		required: k.spec.RequiredKeys,
		tryStart: k.tryStart,
	}
	return append(sc.checks(),
		check{"TaskConfigs", k.checkTaskConfigs},
		check{"WriteReadBack", k.checkWriteReadBack},
		check{"PromptStop", k.checkPromptStop},
		check{"NoGoroutineLeak", k.checkNoLeak},
	)
}

func (k *sinkKit) config(tb testing.TB) map[string]string {
	tb.Helper()
	if k.spec.Config == nil {
		tb.Fatal("connecttest: SinkSpec.Config is nil")
	}
	cfg := k.spec.Config(tb)
	if cfg == nil {
		tb.Fatal("connecttest: SinkSpec.Config returned nil")
	}
	return cfg
}

func (k *sinkKit) newConnector(tb testing.TB) sink.Connector {
	tb.Helper()
	if k.spec.Plugin.New == nil {
		tb.Fatal("connecttest: SinkSpec.Plugin.New is nil")
	}
	conn := k.spec.Plugin.New()
	if conn == nil {
		tb.Fatal("Plugin.New returned a nil Connector")
	}
	return conn
}

// records returns the records to write and their partitions, in order of
// first appearance, and checks that each has an Origin.
func (k *sinkKit) records(tb testing.TB) ([]connect.Record, []sink.TopicPartition) {
	tb.Helper()
	var recs []connect.Record
	if k.spec.Records == nil {
		recs = defaultRecords(k.spec.N)
	} else {
		recs = k.spec.Records(tb, k.spec.N)
	}
	if len(recs) == 0 {
		tb.Fatal("connecttest: SinkSpec.Records returned no records")
	}
	var parts []sink.TopicPartition
	for i := range recs {
		o, ok := recs[i].Origin()
		if !ok {
			tb.Fatalf("connecttest: SinkSpec.Records' record %d has no Origin; set it with SetOrigin, as a runtime does", i)
		}
		tp := sink.TopicPartition{Topic: o.Topic, Partition: o.Partition}
		if !slices.Contains(parts, tp) {
			parts = append(parts, tp)
		}
	}
	return recs, parts
}

// defaultRecords returns n records of DefaultTopic, alternating between
// partitions 0 and 1, with offsets from 0 in each.
func defaultRecords(n int) []connect.Record {
	ts := time.Date(2024, 3, 15, 12, 0, 0, 0, time.UTC)
	recs := make([]connect.Record, n)
	for i := range recs {
		p := int32(i % 2)
		r := &recs[i]
		r.Topic = DefaultTopic
		r.SetPartition(p)
		r.KeySchema, r.Key = connect.StringSchema, "key-"+strconv.Itoa(i)
		r.ValueSchema, r.Value = connect.StringSchema, "value-"+strconv.Itoa(i)
		r.Timestamp, r.TimestampType = ts.Add(time.Duration(i)*time.Millisecond), connect.CreateTime
		r.SetOrigin(connect.KafkaPosition{Topic: DefaultTopic, Partition: p, Offset: int64(i / 2)})
	}
	return recs
}

// nextOffsets returns, per partition, the offset after its last record.
func nextOffsets(recs []connect.Record) map[sink.TopicPartition]int64 {
	out := make(map[sink.TopicPartition]int64)
	for i := range recs {
		o, _ := recs[i].Origin()
		tp := sink.TopicPartition{Topic: o.Topic, Partition: o.Partition}
		out[tp] = max(out[tp], o.Offset+1)
	}
	return out
}

// sinkRun is a started connector and one started task.
type sinkRun struct {
	tb      testing.TB
	k       *sinkKit
	conn    sink.Connector
	cc      *ConnectorContext
	cancel  context.CancelFunc
	ctx     context.Context // Start's, cancelled by stop
	task    sink.Task
	tc      *SinkTaskContext
	parts   []sink.TopicPartition
	started bool // the task
	opened  bool
	stopped bool
}

func (k *sinkKit) start(tb testing.TB, config map[string]string, parts []sink.TopicPartition) *sinkRun {
	tb.Helper()
	r, err := k.tryStartRun(tb, config, parts)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// tryStartRun starts a connector with config and a task with the first
// task configuration and parts assigned, and opens them. On error what
// started is stopped.
func (k *sinkKit) tryStartRun(tb testing.TB, config map[string]string, parts []sink.TopicPartition) (*sinkRun, error) {
	tb.Helper()
	log := testLogger(tb) // first, so that it outlives the run's cleanup
	ctx, cancel := context.WithCancel(context.Background())
	r := &sinkRun{tb: tb, k: k, conn: k.newConnector(tb), cc: NewConnectorContext(nil), cancel: cancel, ctx: ctx, parts: parts}
	r.cc.log = log
	if err := r.conn.Start(ctx, maps.Clone(config), r.cc); err != nil {
		cancel()
		return nil, fmt.Errorf("connector Start: %w", err)
	}
	tb.Cleanup(r.stop)
	configs, err := r.conn.TaskConfigs(1)
	if err == nil && len(configs) == 0 {
		err = errors.New("returned no task configurations")
	}
	if err != nil {
		r.stop()
		return nil, fmt.Errorf("connector TaskConfigs(1): %w", err)
	}
	if r.task = r.conn.NewTask(); r.task == nil {
		r.stop()
		return nil, errors.New("connector NewTask returned a nil Task")
	}
	r.tc = NewSinkTaskContext(maps.Clone(configs[0]), parts...)
	r.tc.log = log.With("task", 0)
	if err := r.task.Start(ctx, maps.Clone(configs[0]), r.tc); err != nil {
		r.stop()
		return nil, fmt.Errorf("task Start: %w", err)
	}
	r.started = true
	if ph, ok := r.task.(sink.PartitionHandler); ok && len(parts) > 0 {
		if err := ph.Open(ctx, slices.Clone(parts)); err != nil {
			r.stop()
			return nil, fmt.Errorf("task Open(%v): %w", parts, err)
		}
		r.opened = true
	}
	return r, nil
}

// put gives the task recs in two batches, each a slice of its own (as
// Kafka's runtime gives the task its own copy of its batch), and fails tb on
// an error. A task that borrows its batches (sink.BatchBorrower) finds each
// one overwritten once Put returns, as the runtime's reuse would, so one that
// keeps it after all writes the overwritten records and fails read-back.
func (r *sinkRun) put(recs []connect.Record) {
	r.tb.Helper()
	b, ok := r.task.(sink.BatchBorrower)
	borrows := ok && b.BorrowsBatch()
	h := len(recs) / 2
	for _, part := range [][]connect.Record{recs[:h], recs[h:]} {
		if len(part) == 0 {
			continue
		}
		batch := slices.Clone(part)
		if err := r.task.Put(r.ctx, batch); err != nil {
			r.tb.Fatalf("task Put of %d records: %v", len(part), err)
		}
		if borrows {
			for i := range batch {
				batch[i] = reusedRecord()
			}
		}
	}
}

// reusedRecord overwrites a borrowed batch after Put, as the runtime's next
// batch would; a task that wrongly kept the batch writes it.
func reusedRecord() connect.Record {
	return connect.Record{
		Topic: "connecttest-reused-batch",
		Value: "connecttest: this record overwrote a batch after Put returned, and the task claimed to borrow its batches (sink.BatchBorrower)",
	}
}

// commit makes the records durable as a runtime does before it commits
// offsets: PreCommit, repeated until it returns every offset (an
// asynchronous task), or Flush.
func (r *sinkRun) commit(offsets map[sink.TopicPartition]int64) {
	r.tb.Helper()
	switch t := r.task.(type) {
	case sink.PreCommitter:
		deadline := time.Now().Add(r.k.spec.Timeout)
		for {
			got, err := t.PreCommit(r.ctx, maps.Clone(offsets))
			if err != nil {
				r.tb.Fatalf("task PreCommit(%v): %v", offsets, err)
			}
			if !checkPreCommit(r.tb, offsets, got) {
				return
			}
			if maps.Equal(got, offsets) {
				return
			}
			if !time.Now().Before(deadline) {
				r.tb.Fatalf("task PreCommit(%v) still returned %v after %v: the records Put never became durable", offsets, got, r.k.spec.Timeout)
			}
			// An asynchronous task: no event says its writes completed.
			wait(r.ctx, 10*time.Millisecond)
		}
	case sink.Flusher:
		if err := t.Flush(r.ctx, maps.Clone(offsets)); err != nil {
			r.tb.Fatalf("task Flush(%v): %v", offsets, err)
		}
	}
}

// checkPreCommit checks that PreCommit returned only partitions it was
// given, with offsets no greater than given; false after a problem.
func checkPreCommit(tb testing.TB, given, got map[sink.TopicPartition]int64) bool {
	tb.Helper()
	ok := true
	for _, tp := range slices.SortedFunc(maps.Keys(got), compareTP) {
		off := got[tp]
		want, known := given[tp]
		switch {
		case !known:
			tb.Errorf("PreCommit returned an offset for partition %s, which it was not given", tp)
			ok = false
		case off > want:
			tb.Errorf("PreCommit returned offset %d for partition %s, beyond the %d given: the runtime would skip records never written", off, tp, want)
			ok = false
		case off < 0:
			tb.Errorf("PreCommit returned the negative offset %d for partition %s", off, tp)
			ok = false
		}
	}
	return ok
}

// stop closes the partitions and stops the task and the connector, each
// within Timeout, and fails tb for their errors and for errors the
// connector raised.
func (r *sinkRun) stop() { r.stopWithin(r.k.spec.Timeout) }

func (r *sinkRun) stopWithin(d time.Duration) {
	r.tb.Helper()
	if r.stopped {
		return
	}
	r.stopped = true
	if r.opened {
		ph := r.task.(sink.PartitionHandler)
		err := call(r.tb, "task Close", d, func(ctx context.Context) error { return ph.Close(ctx, slices.Clone(r.parts)) })
		if err != nil && err != errNoReturn {
			r.tb.Errorf("task Close(%v): %v", r.parts, err)
		}
	}
	if r.started {
		if err := call(r.tb, "task Stop", d, r.task.Stop); err != nil && err != errNoReturn {
			r.tb.Errorf("task Stop: %v", err)
		}
	}
	if err := call(r.tb, "connector Stop", d, r.conn.Stop); err != nil && err != errNoReturn {
		r.tb.Errorf("connector Stop: %v", err)
	}
	r.cancel()
	for _, err := range r.cc.Errors() {
		r.tb.Errorf("the connector raised an error through its ConnectorContext: %v", err)
	}
}

// tryStart is specChecks.tryStart.
func (k *sinkKit) tryStart(tb testing.TB, config map[string]string) error {
	tb.Helper()
	r, err := k.tryStartRun(tb, config, nil)
	if err != nil {
		return err
	}
	r.stop()
	return nil
}

func (k *sinkKit) checkTaskConfigs(tb testing.TB) {
	cfg := k.config(tb)
	conn := k.newConnector(tb)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cc := NewConnectorContext(nil)
	cc.log = testLogger(tb)
	if err := conn.Start(ctx, cfg, cc); err != nil {
		tb.Fatalf("connector Start: %v", err)
	}
	defer func() {
		if err := call(tb, "connector Stop", k.spec.Timeout, conn.Stop); err != nil && err != errNoReturn {
			tb.Errorf("connector Stop: %v", err)
		}
		for _, err := range cc.Errors() {
			tb.Errorf("the connector raised an error through its ConnectorContext: %v", err)
		}
	}()
	checkTaskConfigs(tb, conn.TaskConfigs)
}

// write runs a task through the whole write path with the spec's records,
// and returns them.
func (k *sinkKit) write(tb testing.TB, cfg map[string]string) []connect.Record {
	tb.Helper()
	recs, parts := k.records(tb)
	r := k.start(tb, cfg, parts)
	r.put(recs)
	r.commit(nextOffsets(recs))
	r.stop()
	for i, rep := range r.tc.Reported() {
		if i == limit {
			tb.Errorf("... and %d more", len(r.tc.Reported())-limit)
			break
		}
		tb.Errorf("the task reported record %s (%v) as errant: %v", rep.Record.Position(), rep.Record, rep.Err)
	}
	return recs
}

func (k *sinkKit) checkWriteReadBack(tb testing.TB) {
	if k.spec.ReadBack == nil {
		tb.Fatal(`connecttest: SinkSpec.ReadBack is nil; set it, or Skip "WriteReadBack"`)
	}
	cfg := k.config(tb)
	recs := k.write(tb, cfg)
	got := k.spec.ReadBack(tb, maps.Clone(cfg))
	k.compare(tb, recs, got)
}

// compare checks that got holds the expected value of every record once,
// in order within each partition: got must be an interleaving of the
// partitions' sequences. A value read back ahead of others of its partition
// passes over them; those read later are out of order, and those never read
// are lost. Values are told apart by connect.ValuesEqual, so they should
// differ.
func (k *sinkKit) compare(tb testing.TB, recs []connect.Record, got []any) {
	tb.Helper()
	type queue struct {
		tp      sink.TopicPartition
		want    []any // not yet read back, in order
		skipped []any // passed over by a later value, not yet read back
		done    []any // read back
	}
	var queues []*queue
	for i := range recs {
		o, _ := recs[i].Origin()
		tp := sink.TopicPartition{Topic: o.Topic, Partition: o.Partition}
		j := slices.IndexFunc(queues, func(q *queue) bool { return q.tp == tp })
		if j < 0 {
			j = len(queues)
			queues = append(queues, &queue{tp: tp})
		}
		queues[j].want = append(queues[j].want, k.spec.Expect(recs[i]))
	}
	equal := func(v any) func(any) bool { return func(w any) bool { return connect.ValuesEqual(v, w) } }
	bad := 0
	report := func(format string, args ...any) {
		if bad++; bad <= limit {
			tb.Errorf(format, args...)
		}
	}
	for i, v := range got {
		matched := false
		for _, q := range queues {
			if j := slices.IndexFunc(q.want, equal(v)); j >= 0 {
				q.skipped = append(q.skipped, q.want[:j]...)
				q.done = append(q.done, v)
				q.want = q.want[j+1:]
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		for _, q := range queues {
			if j := slices.IndexFunc(q.skipped, equal(v)); j >= 0 {
				report("read back value %d, %v, of partition %s, after later records of that partition: out of order", i, v, q.tp)
				q.skipped = slices.Delete(q.skipped, j, j+1)
				q.done = append(q.done, v)
				matched = true
				break
			}
			if slices.ContainsFunc(q.done, equal(v)) {
				report("read back value %d, %v, of partition %s, again: repeated", i, v, q.tp)
				matched = true
				break
			}
		}
		if !matched {
			report("read back value %d, %v, which was never written", i, v)
		}
	}
	if bad > limit {
		tb.Errorf("... and %d more values read back out of order, repeated or unknown", bad-limit)
	}
	for _, q := range queues {
		if lost := append(q.skipped, q.want...); len(lost) > 0 {
			tb.Errorf("partition %s: %d record(s) written were not read back: %s", q.tp, len(lost), summary(lost))
		}
	}
	if len(got) != len(recs) {
		tb.Logf("wrote %d records, read back %d values", len(recs), len(got))
	}
}

func (k *sinkKit) checkPromptStop(tb testing.TB) {
	cfg := k.config(tb)
	recs, parts := k.records(tb)
	r := k.start(tb, cfg, parts)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	batch := slices.Clone(recs)
	var err error
	if !within(k.spec.StopTimeout, func() { err = r.task.Put(ctx, batch) }) {
		tb.Errorf("Put with a cancelled context did not return within %v", k.spec.StopTimeout)
		r.stopped = true // Put is still running: calling Stop now would break the contract
		r.cancel()
		return
	}
	tb.Logf("Put with a cancelled context returned %v", err)
	r.stopWithin(k.spec.StopTimeout)
}

func (k *sinkKit) checkNoLeak(tb testing.TB) {
	cfg := k.config(tb)
	before := snapshot()
	k.write(tb, cfg)
	checkNoLeak(tb, before, k.leakBound())
}

func (k *sinkKit) leakBound() time.Duration { return max(2*time.Second, 4*k.spec.StopTimeout) }
