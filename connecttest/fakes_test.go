package connecttest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/kconnect-go/kconnect/source"
)

// recTB is a testing.TB that records failures instead of failing the test,
// so that tests can check that the kit catches bad connectors. Run checks
// with runCheck, which runs them in their own goroutine so that FailNow can
// end them.
type recTB struct {
	testing.TB
	mu       sync.Mutex
	failed   bool
	skipped  bool
	errs     []string
	logs     []string
	cleanups []func()
}

func (r *recTB) Helper() {}

// Log records what the kit and the connectors it runs log, and logs it.
func (r *recTB) Log(args ...any) {
	r.mu.Lock()
	r.logs = append(r.logs, fmt.Sprint(args...))
	r.mu.Unlock()
	r.TB.Log(args...)
}

// logText returns every line logged, one a line.
func (r *recTB) logText() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.logs, "\n")
}

func (r *recTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recTB) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }
func (r *recTB) Fail()             { r.Errorf("Fail") }
func (r *recTB) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}
func (r *recTB) FailNow()                          { r.Fail(); runtime.Goexit() }
func (r *recTB) Fatalf(format string, args ...any) { r.Errorf(format, args...); runtime.Goexit() }
func (r *recTB) Fatal(args ...any)                 { r.Error(args...); runtime.Goexit() }
func (r *recTB) SkipNow() {
	r.mu.Lock()
	r.skipped = true
	r.mu.Unlock()
	runtime.Goexit()
}
func (r *recTB) Skip(args ...any)                 { r.TB.Log(args...); r.SkipNow() }
func (r *recTB) Skipf(format string, args ...any) { r.TB.Logf(format, args...); r.SkipNow() }
func (r *recTB) Skipped() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.skipped
}
func (r *recTB) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}

// text returns every failure message, one a line.
func (r *recTB) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errs, "\n")
}

// runCheck runs fn with a recTB in a new goroutine, then its cleanups, and
// returns the recTB.
func runCheck(t *testing.T, fn func(testing.TB)) *recTB {
	t.Helper()
	r := &recTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			for {
				r.mu.Lock()
				if len(r.cleanups) == 0 {
					r.mu.Unlock()
					return
				}
				f := r.cleanups[len(r.cleanups)-1]
				r.cleanups = r.cleanups[:len(r.cleanups)-1]
				r.mu.Unlock()
				f()
			}
		}()
		fn(r)
	}()
	<-done
	return r
}

// findCheck returns the check called name.
func findCheck(t *testing.T, checks []check, name string) func(testing.TB) {
	t.Helper()
	for _, c := range checks {
		if c.name == name {
			return c.fn
		}
	}
	t.Fatalf("no check %q", name)
	return nil
}

// ---------------------------------------------------------------------------
// A memory source: named stores of partitions of string values, appended
// by produce. Its bugs are switched on by memSourceBugs.

type memStore struct {
	mu      sync.Mutex
	parts   [][]string
	changed chan struct{} // closed and replaced on every append
}

var (
	storesMu sync.Mutex
	stores   = map[string]*memStore{}
	storeSeq atomic.Int64
)

func store(name string) *memStore {
	storesMu.Lock()
	defer storesMu.Unlock()
	s, ok := stores[name]
	if !ok {
		s = &memStore{changed: make(chan struct{})}
		stores[name] = s
	}
	return s
}

func newStoreName() string { return "store-" + strconv.FormatInt(storeSeq.Add(1), 10) }

// produce appends n values round-robin over partitions.
func (s *memStore) produce(partitions, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.parts) < partitions {
		s.parts = append(s.parts, nil)
	}
	for i := range n {
		p := i % partitions
		s.parts[p] = append(s.parts[p], fmt.Sprintf("p%d-%d", p, len(s.parts[p])))
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

type memSourceBugs struct {
	ignoreCtx     bool // Poll waits without watching ctx
	ignoreOffsets bool // tasks start from the beginning whatever is committed
	offByOne      bool // tasks resume one record early
	noOffset      bool // records have no source offset
	leak          bool // a task starts a goroutine Stop does not end
	tooManyTasks  bool // TaskConfigs returns tasks.max+1 configs
	noRequired    bool // topic is not required, and not checked
	raise         bool // the connector raises an error
	pollErr       bool // Poll fails
}

var memSourceDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: "name", Type: connect.ConfigString, Required: true, Importance: connect.High}).
	Define(connect.ConfigKey{Name: "topic", Type: connect.ConfigString, Required: true, Importance: connect.High}).
	Define(connect.ConfigKey{Name: "partitions", Type: connect.ConfigInt, Default: 1, Importance: connect.Low})

var memSourceLaxDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: "name", Type: connect.ConfigString, Required: true, Importance: connect.High}).
	Define(connect.ConfigKey{Name: "topic", Type: connect.ConfigString, Importance: connect.High}).
	Define(connect.ConfigKey{Name: "partitions", Type: connect.ConfigInt, Default: 1, Importance: connect.Low})

func memSourcePlugin(bugs memSourceBugs, release <-chan struct{}) source.Plugin {
	def := memSourceDef
	if bugs.noRequired {
		def = memSourceLaxDef
	}
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.MemorySourceConnector", Kind: connect.SourcePlugin, Config: def},
		New:        func() source.Connector { return &memSource{bugs: bugs, def: def, release: release} },
	}
}

func memSourceSpec(partitions int) SourceSpec {
	return SourceSpec{
		Config: func(testing.TB) map[string]string {
			return map[string]string{"name": newStoreName(), "topic": "mem", "partitions": strconv.Itoa(partitions)}
		},
		Produce: func(_ testing.TB, cfg map[string]string, n int) {
			p, _ := strconv.Atoi(cfg["partitions"])
			store(cfg["name"]).produce(max(p, 1), n)
		},
		StopTimeout: 300 * time.Millisecond,
		Timeout:     5 * time.Second,
	}
}

type memSource struct {
	bugs    memSourceBugs
	def     *connect.ConfigDef
	release <-chan struct{}
	config  map[string]string
	parts   int
}

func (c *memSource) Start(_ context.Context, config map[string]string, cc source.ConnectorContext) error {
	cfg, err := c.def.Parse(config)
	if err != nil {
		return err
	}
	if c.bugs.raise {
		cc.RaiseError(errors.New("memory source: lost the store"))
	}
	c.config, c.parts = config, cfg.Int("partitions")
	cc.Logger().Info("memory source started", "partitions", c.parts)
	return nil
}

func (c *memSource) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	n := min(maxTasks, c.parts)
	if c.bugs.tooManyTasks {
		n = maxTasks + 1
	}
	out := make([]map[string]string, n)
	for i := range out {
		out[i] = maps.Clone(c.config)
		var ps []string
		for p := i; p < c.parts; p += max(min(maxTasks, c.parts), 1) {
			ps = append(ps, strconv.Itoa(p))
		}
		out[i]["task.partitions"] = strings.Join(ps, ",")
	}
	return out, nil
}

func (c *memSource) NewTask() source.Task { return &memSourceTask{bugs: c.bugs, release: c.release} }

func (c *memSource) Stop(context.Context) error { return nil }

type memSourceTask struct {
	bugs    memSourceBugs
	release <-chan struct{}
	store   *memStore
	topic   string
	parts   []int
	sps     []connect.SourcePartition
	next    []int
}

func (t *memSourceTask) Start(ctx context.Context, config map[string]string, tc source.TaskContext) error {
	t.store, t.topic = store(config["name"]), config["topic"]
	for f := range strings.SplitSeq(config["task.partitions"], ",") {
		if f == "" {
			continue
		}
		p, err := strconv.Atoi(f)
		if err != nil {
			return err
		}
		sp := connect.NewSourcePartition("store", config["name"], "partition", p)
		next := 0
		off, err := tc.Offsets().Offset(ctx, sp)
		if err != nil {
			return err
		}
		if n, ok := off.Int64("next"); ok && !t.bugs.ignoreOffsets {
			next = int(n)
			if t.bugs.offByOne {
				next--
			}
		}
		t.parts, t.sps, t.next = append(t.parts, p), append(t.sps, sp), append(t.next, next)
	}
	if t.bugs.leak {
		go func() { <-t.release }()
	}
	tc.Logger().Debug("memory source task started", "partitions", config["task.partitions"])
	return nil
}

func (t *memSourceTask) Poll(ctx context.Context) ([]connect.Record, error) {
	if t.bugs.pollErr {
		return nil, errors.New("memory source: broken")
	}
	timer := time.NewTimer(time.Second)
	defer timer.Stop()
	for {
		t.store.mu.Lock()
		var recs []connect.Record
		for i, p := range t.parts {
			for p < len(t.store.parts) && t.next[i] < len(t.store.parts[p]) {
				r := connect.Record{Topic: t.topic, ValueSchema: connect.StringSchema, Value: t.store.parts[p][t.next[i]], SourcePartition: t.sps[i]}
				t.next[i]++
				if !t.bugs.noOffset {
					r.SourceOffset = connect.Int64Offset("next", int64(t.next[i]))
				}
				recs = append(recs, r)
			}
		}
		changed := t.store.changed
		t.store.mu.Unlock()
		if len(recs) > 0 {
			return recs, nil
		}
		if t.bugs.ignoreCtx {
			<-timer.C
			return nil, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C:
			return nil, nil
		case <-changed:
		}
	}
}

func (t *memSourceTask) Stop(context.Context) error { return nil }

// ---------------------------------------------------------------------------
// A memory sink: named lists of written values.

var (
	sinkOutMu sync.Mutex
	sinkOut   = map[string][]any{}
)

func sinkWrite(name string, vs ...any) {
	sinkOutMu.Lock()
	defer sinkOutMu.Unlock()
	sinkOut[name] = append(sinkOut[name], vs...)
}

func sinkRead(name string) []any {
	sinkOutMu.Lock()
	defer sinkOutMu.Unlock()
	return slices.Clone(sinkOut[name])
}

type memSinkMode int

const (
	syncWrites memSinkMode = iota // writes in Put
	flushed                       // buffers records, writes on Flush
	keepsSlice                    // keeps the batch slices, writes them on Flush
	async                         // PreCommitter: first reports nothing durable, then all
	tooFar                        // PreCommitter returning offsets beyond those given
	strangers                     // PreCommitter returning a partition it was not given
	neverDone                     // PreCommitter never reporting anything durable
)

type memSinkBugs struct {
	mode    memSinkMode
	reverse bool // writes each batch backwards
	drop    bool // drops the last record of each batch
	dup     bool // writes the first record of each batch twice
	report  bool // reports the first record as errant
	hangPut bool // Put waits for release without watching ctx
	leak    bool
	handler bool // implements PartitionHandler, and fails Put on partitions not opened
	borrows bool // says it borrows its batches (sink.BatchBorrower)
}

func memSinkPlugin(bugs memSinkBugs, release <-chan struct{}) sink.Plugin {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "name", Type: connect.ConfigString, Required: true, Importance: connect.High})
	return sink.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.MemorySinkConnector", Kind: connect.SinkPlugin, Config: def},
		New: func() sink.Connector {
			return sink.SimpleConnector(func() sink.Task {
				base := &memSinkTask{bugs: bugs, release: release}
				switch {
				case bugs.handler:
					return &memSinkHandler{base}
				case bugs.mode == flushed || bugs.mode == keepsSlice:
					return &memSinkFlusher{base}
				case bugs.mode >= async:
					return &memSinkPreCommitter{memSinkTask: base}
				}
				return base
			})
		},
	}
}

func memSinkSpec() SinkSpec {
	return SinkSpec{
		Config:      func(testing.TB) map[string]string { return map[string]string{"name": newStoreName()} },
		ReadBack:    func(_ testing.TB, cfg map[string]string) []any { return sinkRead(cfg["name"]) },
		StopTimeout: 300 * time.Millisecond,
		Timeout:     2 * time.Second,
	}
}

type memSinkTask struct {
	bugs    memSinkBugs
	release <-chan struct{}
	name    string
	tc      sink.TaskContext
	pending []connect.Record
	batches [][]connect.Record
	opened  map[sink.TopicPartition]bool
}

func (t *memSinkTask) Start(_ context.Context, config map[string]string, tc sink.TaskContext) error {
	if config["name"] == "" {
		return errors.New("memory sink: missing name")
	}
	t.name, t.tc = config["name"], tc
	if t.bugs.leak {
		go func() { <-t.release }()
	}
	tc.Logger().Debug("memory sink task started", "store", t.name)
	return nil
}

func (t *memSinkTask) Put(ctx context.Context, records []connect.Record) error {
	if t.bugs.hangPut {
		<-t.release
	}
	if t.bugs.handler {
		for i := range records {
			o, _ := records[i].Origin()
			if !t.opened[sink.TopicPartition{Topic: o.Topic, Partition: o.Partition}] {
				return fmt.Errorf("memory sink: partition %s-%d not opened", o.Topic, o.Partition)
			}
		}
	}
	recs := slices.Clone(records)
	if t.bugs.report && len(recs) > 0 {
		if err := t.tc.Reporter().Report(ctx, recs[0], errors.New("memory sink: bad record")); err != nil {
			return err
		}
		recs = recs[1:]
	}
	if t.bugs.reverse {
		slices.Reverse(recs)
	}
	if t.bugs.drop && len(recs) > 0 {
		recs = recs[:len(recs)-1]
	}
	if t.bugs.dup && len(recs) > 0 {
		recs = append([]connect.Record{recs[0]}, recs...)
	}
	switch t.bugs.mode {
	case syncWrites:
		t.write(recs)
	case keepsSlice:
		t.batches = append(t.batches, records)
	default:
		t.pending = append(t.pending, recs...)
	}
	return nil
}

func (t *memSinkTask) BorrowsBatch() bool { return t.bugs.borrows }

func (t *memSinkTask) write(recs []connect.Record) {
	for i := range recs {
		sinkWrite(t.name, recs[i].Value)
	}
}

func (t *memSinkTask) flush() {
	t.write(t.pending)
	t.pending = nil
	for _, b := range t.batches {
		t.write(b)
	}
	t.batches = nil
}

func (t *memSinkTask) Stop(context.Context) error { return nil }

type memSinkFlusher struct{ *memSinkTask }

func (t *memSinkFlusher) Flush(context.Context, map[sink.TopicPartition]int64) error {
	t.flush()
	return nil
}

type memSinkHandler struct{ *memSinkTask }

func (t *memSinkHandler) Open(_ context.Context, partitions []sink.TopicPartition) error {
	if t.opened == nil {
		t.opened = map[sink.TopicPartition]bool{}
	}
	for _, p := range partitions {
		t.opened[p] = true
	}
	return nil
}

func (t *memSinkHandler) Close(_ context.Context, partitions []sink.TopicPartition) error {
	for _, p := range partitions {
		if !t.opened[p] {
			return fmt.Errorf("memory sink: closing %s, which is not open", p)
		}
		delete(t.opened, p)
	}
	return nil
}

type memSinkPreCommitter struct {
	*memSinkTask
	calls int
}

func (t *memSinkPreCommitter) PreCommit(_ context.Context, offsets map[sink.TopicPartition]int64) (map[sink.TopicPartition]int64, error) {
	t.calls++
	switch t.bugs.mode {
	case tooFar:
		t.flush()
		out := map[sink.TopicPartition]int64{}
		for tp, o := range offsets {
			out[tp] = o + 1
		}
		return out, nil
	case strangers:
		t.flush()
		out := maps.Clone(offsets)
		out[sink.TopicPartition{Topic: "elsewhere"}] = 1
		return out, nil
	case neverDone:
		return nil, nil
	}
	if t.calls == 1 { // the writes are still in flight
		return nil, nil
	}
	t.flush()
	return maps.Clone(offsets), nil
}
