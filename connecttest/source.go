package connecttest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/source"
)

// SourceSpec describes a source connector to Source: the plugin, and how to
// make a fresh configuration and records for it to read.
type SourceSpec struct {
	// Plugin is the connector under test (required).
	Plugin source.Plugin
	// Config returns a fresh, valid connector configuration: every call a
	// new, empty source (a new temporary file, table or queue), so that
	// checks do not see each other's records. Required.
	Config func(t testing.TB) map[string]string
	// Produce makes n more records available in the source that config
	// reads, such that a connector reading it produces exactly n records.
	// Required by ReadAll, Resume and NoGoroutineLeak.
	Produce func(t testing.TB, config map[string]string, n int)
	// RequiredKeys are keys whose absence must fail, with an error naming
	// the key, in ConfigDef.Parse, the connector's Start or the task's
	// Start. Keys the ConfigDef marks Required are always checked.
	RequiredKeys []string
	// N is how many records the read checks produce (default DefaultN;
	// at least 2).
	N int
	// MaxTasks is the tasks.max the read checks run with (default 1). Each
	// task configuration gets its own task, polled in its own goroutine.
	MaxTasks int
	// Timeout bounds how long a check waits for records, and a Stop outside
	// PromptStop (default DefaultTimeout).
	Timeout time.Duration
	// StopTimeout bounds how long Poll may take to return once its context
	// is cancelled, and Stop in PromptStop (default DefaultStopTimeout).
	// Goroutines must exit within max(2s, 4*StopTimeout) of Stop.
	StopTimeout time.Duration
	// Skip names checks not to run: a check ("Resume", "Spec/Validate") or
	// a group ("Spec"). An entry naming no check fails the test.
	Skip []string
}

// Source runs the source conformance checks on spec.Plugin, each as a
// sub-test of t:
//
//   - Spec/Info: PluginInfo has a Class, Kind connect.SourcePlugin, a
//     ConfigDef, and the plugin a constructor.
//   - Spec/Parse: the ConfigDef parses Config's config.
//   - Spec/RequiredKeys: without each required key, Parse or Start fails
//     with an error naming the key.
//   - Spec/Validate: ConfigDef.Validate returns one entry per defined key,
//     without errors for Config's config.
//   - TaskConfigs: with tasks.max 1 and 3, the started connector returns at
//     least one and at most tasks.max task configurations.
//   - ReadAll: after Produce(N), tasks started with no committed offsets
//     return exactly N records within Timeout, each with a topic, a source
//     partition and a source offset.
//   - Resume: after reading all N records, the offsets of the first N/2 are
//     committed (the last per partition) and new tasks of a new connector
//     are started: they return exactly the records after those offsets,
//     compared by value per partition, with none lost or repeated.
//   - PromptStop: Poll, waiting on an empty source, returns within
//     StopTimeout of its context being cancelled, with nil or the context's
//     error; Stop then returns within StopTimeout.
//   - NoGoroutineLeak: every goroutine started by a read-all run has exited
//     shortly after Stop.
//
// Each check calls Config for a fresh configuration. The connector raising
// an error through its ConnectorContext fails the check. Connectors and
// tasks are started and stopped as a runtime does, one method at a time,
// except that each task is polled in its own goroutine. Do not run Source
// in parallel with tests that start goroutines (see NoGoroutineLeak).
func Source(t *testing.T, spec SourceSpec) {
	t.Helper()
	k := newSourceKit(spec)
	run(t, "SourceSpec", spec.Skip, k.checks())
}

// sourceKit holds a normalized SourceSpec.
type sourceKit struct {
	spec SourceSpec
}

func newSourceKit(spec SourceSpec) *sourceKit {
	spec.N = max(cmpOr(spec.N, DefaultN), 2)
	spec.MaxTasks = max(spec.MaxTasks, 1)
	spec.Timeout = defaultDuration(spec.Timeout, DefaultTimeout)
	spec.StopTimeout = defaultDuration(spec.StopTimeout, DefaultStopTimeout)
	return &sourceKit{spec: spec}
}

func cmpOr(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

func (k *sourceKit) checks() []check {
	sc := &specChecks{
		spec:     "SourceSpec",
		kind:     connect.SourcePlugin,
		info:     k.spec.Plugin.Info(),
		hasNew:   k.spec.Plugin.New != nil,
		config:   k.config,
		required: k.spec.RequiredKeys,
		tryStart: k.tryStart,
	}
	return append(sc.checks(),
		check{"TaskConfigs", k.checkTaskConfigs},
		check{"ReadAll", k.checkReadAll},
		check{"Resume", k.checkResume},
		check{"PromptStop", k.checkPromptStop},
		check{"NoGoroutineLeak", k.checkNoLeak},
	)
}

func (k *sourceKit) config(tb testing.TB) map[string]string {
	tb.Helper()
	if k.spec.Config == nil {
		tb.Fatal("connecttest: SourceSpec.Config is nil")
	}
	cfg := k.spec.Config(tb)
	if cfg == nil {
		tb.Fatal("connecttest: SourceSpec.Config returned nil")
	}
	return cfg
}

func (k *sourceKit) produce(tb testing.TB, config map[string]string, n int) {
	tb.Helper()
	if k.spec.Produce == nil {
		tb.Fatal(`connecttest: SourceSpec.Produce is nil; set it, or Skip "ReadAll", "Resume" and "NoGoroutineLeak"`)
	}
	k.spec.Produce(tb, maps.Clone(config), n)
}

func (k *sourceKit) newConnector(tb testing.TB) source.Connector {
	tb.Helper()
	if k.spec.Plugin.New == nil {
		tb.Fatal("connecttest: SourceSpec.Plugin.New is nil")
	}
	conn := k.spec.Plugin.New()
	if conn == nil {
		tb.Fatal("Plugin.New returned a nil Connector")
	}
	return conn
}

// sourceRun is a started connector and its started tasks.
type sourceRun struct {
	tb      testing.TB
	k       *sourceKit
	conn    source.Connector
	cc      *ConnectorContext
	cancel  context.CancelFunc // the connector's and tasks' Start context
	tasks   []*sourceTask
	stopped bool
}

type sourceTask struct {
	i       int
	task    source.Task
	config  map[string]string
	started bool
	hung    bool // a Poll did not return after cancellation: never Stop it
}

// start starts a connector with config, and one task per task
// configuration for maxTasks, reading offsets. It fails tb on any error;
// the run is stopped when the test ends, if not before.
func (k *sourceKit) start(tb testing.TB, config map[string]string, offsets *Offsets, maxTasks int) *sourceRun {
	tb.Helper()
	r, err := k.tryStartRun(tb, config, offsets, maxTasks)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// tryStartRun is start returning the first error instead of failing tb. On
// error what started is stopped.
func (k *sourceKit) tryStartRun(tb testing.TB, config map[string]string, offsets *Offsets, maxTasks int) (*sourceRun, error) {
	tb.Helper()
	log := testLogger(tb) // first, so that it outlives the run's cleanup
	ctx, cancel := context.WithCancel(context.Background())
	r := &sourceRun{tb: tb, k: k, conn: k.newConnector(tb), cc: NewConnectorContext(offsets), cancel: cancel}
	r.cc.log = log
	if err := r.conn.Start(ctx, maps.Clone(config), r.cc); err != nil {
		cancel()
		return nil, fmt.Errorf("connector Start: %w", err)
	}
	tb.Cleanup(r.stop)
	configs, err := r.conn.TaskConfigs(maxTasks)
	if err == nil && len(configs) == 0 {
		err = errors.New("returned no task configurations")
	}
	if err != nil {
		r.stop()
		return nil, fmt.Errorf("connector TaskConfigs(%d): %w", maxTasks, err)
	}
	for i, tc := range configs {
		task := r.conn.NewTask()
		if task == nil {
			r.stop()
			return nil, errors.New("connector NewTask returned a nil Task")
		}
		st := &sourceTask{i: i, task: task, config: tc}
		r.tasks = append(r.tasks, st)
		if err := task.Start(ctx, maps.Clone(tc), newSourceTaskContext(maps.Clone(tc), offsets, log.With("task", i))); err != nil {
			r.stop()
			return nil, fmt.Errorf("task %d Start: %w", i, err)
		}
		st.started = true
	}
	return r, nil
}

// stop stops the started tasks (not those whose Poll hung) and the
// connector, each within Timeout, and fails tb for their errors and for
// errors the connector raised.
func (r *sourceRun) stop() { r.stopWithin(r.k.spec.Timeout) }

func (r *sourceRun) stopWithin(d time.Duration) {
	r.tb.Helper()
	if r.stopped {
		return
	}
	r.stopped = true
	for _, st := range r.tasks {
		if !st.started || st.hung {
			continue
		}
		if err := call(r.tb, fmt.Sprintf("task %d Stop", st.i), d, st.task.Stop); err != nil && err != errNoReturn {
			r.tb.Errorf("task %d Stop: %v", st.i, err)
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

// poll polls every task, each in its own goroutine, until want records
// have arrived in all, a task fails, or Timeout passes; then it cancels the
// polls and waits StopTimeout for them to return. Records come in the
// order each task returned them.
func (r *sourceRun) poll(want int) []connect.Record {
	r.tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu     sync.Mutex
		got    []connect.Record
		enough = make(chan struct{})
		closed bool
		failed = make(chan struct{}, len(r.tasks))
	)
	add := func(recs []connect.Record) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, recs...)
		if len(got) >= want && !closed {
			closed = true
			close(enough)
		}
	}
	dones := make([]chan struct{}, len(r.tasks))
	for i, st := range r.tasks {
		dones[i] = make(chan struct{})
		go func() {
			defer close(dones[i])
			if !r.pollLoop(ctx, st, add) {
				failed <- struct{}{}
			}
		}()
	}
	timer := time.NewTimer(r.k.spec.Timeout)
	defer timer.Stop()
	select {
	case <-enough:
	case <-failed:
	case <-timer.C:
	}
	cancel()
	deadline := time.NewTimer(r.k.spec.StopTimeout)
	defer deadline.Stop()
	for i, st := range r.tasks {
		select {
		case <-dones[i]:
		case <-deadline.C:
			// Every later task is checked against the same expired deadline.
			deadline.Reset(0)
			st.hung = true
			r.tb.Errorf("task %d: Poll did not return within %v of its context being cancelled; it must select on ctx.Done() while it waits for data",
				st.i, r.k.spec.StopTimeout)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return slices.Clone(got)
}

// pollLoop calls Poll until ctx is cancelled, passing records to add. It
// retries retriable errors after a short back-off and reports false after
// any other error, which fails tb.
func (r *sourceRun) pollLoop(ctx context.Context, st *sourceTask, add func([]connect.Record)) bool {
	for ctx.Err() == nil {
		recs, err := st.task.Poll(ctx)
		if len(recs) > 0 {
			add(recs)
		}
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return true // returned because it was cancelled
		case connect.IsRetriable(err):
			wait(ctx, 10*time.Millisecond)
		default:
			r.tb.Errorf("task %d: Poll failed: %v", st.i, err)
			return false
		}
	}
	return true
}

// tryStart is specChecks.tryStart.
func (k *sourceKit) tryStart(tb testing.TB, config map[string]string) error {
	tb.Helper()
	r, err := k.tryStartRun(tb, config, NewOffsets(), 1)
	if err != nil {
		return err
	}
	r.stop()
	return nil
}

func (k *sourceKit) checkTaskConfigs(tb testing.TB) {
	cfg := k.config(tb)
	conn := k.newConnector(tb)
	cc := NewConnectorContext(nil)
	cc.log = testLogger(tb)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
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

// checkTaskConfigs checks a started connector's TaskConfigs for tasks.max
// 1 and 3.
func checkTaskConfigs(tb testing.TB, taskConfigs func(int) ([]map[string]string, error)) {
	tb.Helper()
	for _, maxTasks := range []int{1, 3} {
		configs, err := taskConfigs(maxTasks)
		switch {
		case err != nil:
			tb.Errorf("TaskConfigs(%d): %v", maxTasks, err)
		case len(configs) > maxTasks:
			tb.Errorf("TaskConfigs(%d) returned %d task configurations, more than tasks.max", maxTasks, len(configs))
		case len(configs) == 0:
			tb.Errorf("TaskConfigs(%d) returned no task configurations; a started connector with a valid config should run at least one task", maxTasks)
		}
		for i, c := range configs {
			if c == nil {
				tb.Errorf("TaskConfigs(%d) returned a nil configuration at %d", maxTasks, i)
			}
		}
	}
}

func (k *sourceKit) checkReadAll(tb testing.TB) {
	n := k.spec.N
	cfg := k.config(tb)
	k.produce(tb, cfg, n)
	r := k.start(tb, cfg, NewOffsets(), k.spec.MaxTasks)
	recs := r.poll(n)
	r.stop()
	k.checkRecords(tb, recs, n)
}

// checkRecords checks that recs are the n records produced, each with a
// topic, a source partition and a source offset.
func (k *sourceKit) checkRecords(tb testing.TB, recs []connect.Record, n int) {
	tb.Helper()
	switch {
	case len(recs) < n:
		tb.Errorf("read %d of the %d records produced within %v", len(recs), n, k.spec.Timeout)
	case len(recs) > n:
		tb.Errorf("read %d records, but %d were produced: records are repeated or invented; values: %s", len(recs), n, summary(values(recs)))
	}
	var bad int
	for i := range recs {
		rec := &recs[i]
		var problems []string
		if rec.Topic == "" {
			problems = append(problems, "no topic")
		}
		if rec.SourcePartition.IsZero() {
			problems = append(problems, "no source partition")
		}
		if rec.SourceOffset.IsZero() {
			problems = append(problems, "no source offset")
		}
		if len(problems) == 0 {
			continue
		}
		if bad++; bad <= limit {
			tb.Errorf("record %d (%s; %v) has %v: a runtime could not write it, or not resume after it", i, rec.Position(), rec, problems)
		}
	}
	if bad > limit {
		tb.Errorf("... and %d more records with problems", bad-limit)
	}
}

func (k *sourceKit) checkResume(tb testing.TB) {
	n := k.spec.N
	cfg := k.config(tb)
	k.produce(tb, cfg, n)
	first := k.start(tb, cfg, NewOffsets(), k.spec.MaxTasks)
	all := first.poll(n)
	first.stop()
	if len(all) != n {
		tb.Fatalf("the first run read %d of the %d records produced (see ReadAll)", len(all), n)
	}
	half := n / 2
	offsets := NewOffsets()
	offsets.CommitRecords(all[:half])
	want := byPartition(all[half:])
	tb.Logf("committed the offsets of the first %d records in %d partition(s); expecting the other %d", half, offsets.Len(), n-half)

	second := k.start(tb, cfg, offsets, k.spec.MaxTasks)
	resumed := second.poll(n - half)
	second.stop()
	got := byPartition(resumed)

	keys := slices.Sorted(maps.Keys(want))
	for _, p := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[p]; !ok {
			keys = append(keys, p)
		}
	}
	for _, p := range keys {
		w, g := want[p], got[p]
		if !slices.EqualFunc(w, g, connect.ValuesEqual) {
			tb.Errorf("partition %s: after resuming from offset %s the tasks returned %d records %s, want the %d records after it %s",
				p, committedOffset(offsets, all[:half], p), len(g), summary(g), len(w), summary(w))
		}
	}
}

// byPartition returns the values of records by source partition JSON, in
// order.
func byPartition(records []connect.Record) map[string][]any {
	out := make(map[string][]any)
	for i := range records {
		p := records[i].SourcePartition.String()
		out[p] = append(out[p], records[i].Value)
	}
	return out
}

// committedOffset returns the offset committed for the partition whose
// JSON is p, for messages.
func committedOffset(offsets *Offsets, records []connect.Record, p string) string {
	for i := range records {
		if records[i].SourcePartition.String() == p {
			off, _ := offsets.Offset(context.Background(), records[i].SourcePartition)
			return off.String()
		}
	}
	return "null (none committed)"
}

func values(records []connect.Record) []any {
	out := make([]any, len(records))
	for i := range records {
		out[i] = records[i].Value
	}
	return out
}

// cancelAfter is how long PromptStop lets Poll wait before it cancels it.
const cancelAfter = 100 * time.Millisecond

func (k *sourceKit) checkPromptStop(tb testing.TB) {
	cfg := k.config(tb)
	r := k.start(tb, cfg, NewOffsets(), 1)
	st := r.tasks[0]
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		lastErr  error
		returned time.Time
		failed   bool
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, err := st.task.Poll(ctx)
			returned = time.Now()
			if ctx.Err() != nil {
				lastErr = err
				return
			}
			if err != nil && !connect.IsRetriable(err) {
				lastErr, failed = err, true
				return
			}
		}
	}()
	// No event says Poll is now waiting for data: give it a moment.
	wait(ctx, cancelAfter)
	cancelled := time.Now()
	cancel()
	timer := time.NewTimer(k.spec.StopTimeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		st.hung = true
		tb.Errorf("Poll did not return within %v of its context being cancelled; it must select on ctx.Done() while it waits for data", k.spec.StopTimeout)
		r.stopWithin(k.spec.StopTimeout)
		return
	}
	switch {
	case failed:
		tb.Errorf("Poll on an empty source failed: %v", lastErr)
	case lastErr != nil && !errors.Is(lastErr, context.Canceled):
		tb.Errorf("Poll returned %v after its context was cancelled; want nil or the context's error", lastErr)
	default:
		tb.Logf("Poll returned %v after its context was cancelled", max(returned.Sub(cancelled), 0))
	}
	r.stopWithin(k.spec.StopTimeout)
}

func (k *sourceKit) checkNoLeak(tb testing.TB) {
	n := k.spec.N
	cfg := k.config(tb)
	k.produce(tb, cfg, n)
	before := snapshot()
	r := k.start(tb, cfg, NewOffsets(), k.spec.MaxTasks)
	if recs := r.poll(n); len(recs) != n {
		tb.Errorf("read %d of the %d records produced (see ReadAll)", len(recs), n)
	}
	r.stop()
	checkNoLeak(tb, before, k.leakBound())
}

func (k *sourceKit) leakBound() time.Duration { return max(2*time.Second, 4*k.spec.StopTimeout) }
