package connecttest

import (
	"cmp"
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/kconnect-go/kconnect/source"
)

// Offsets is an in-memory committed-offset store: a source.OffsetReader a
// test fills with Commit or CommitRecords before it starts a task. Partitions
// are compared by their JSON (connect.SourcePartition.Equal), so a partition
// rebuilt from the same keys and values finds its offset. It is safe for
// concurrent use; the zero Offsets is empty and ready to use.
type Offsets struct {
	mu sync.Mutex
	m  map[string]committed // by partition JSON
}

type committed struct {
	p connect.SourcePartition
	o connect.Offset
}

var _ source.OffsetReader = (*Offsets)(nil)

// NewOffsets returns an empty Offsets.
func NewOffsets() *Offsets { return &Offsets{} }

// Commit sets the committed offset of p; the zero Offset forgets it, as a
// tombstone does in an offsets topic.
func (o *Offsets) Commit(p connect.SourcePartition, off connect.Offset) {
	o.mu.Lock()
	defer o.mu.Unlock()
	key := p.String()
	if off.IsZero() {
		delete(o.m, key)
		return
	}
	if o.m == nil {
		o.m = make(map[string]committed)
	}
	o.m[key] = committed{p, off}
}

// CommitRecords commits the offsets of records in order, so that each
// partition ends at the offset of its last record, as a runtime commits
// once every record is in Kafka. Records without a source partition are
// ignored.
func (o *Offsets) CommitRecords(records []connect.Record) {
	for i := range records {
		if !records[i].SourcePartition.IsZero() {
			o.Commit(records[i].SourcePartition, records[i].SourceOffset)
		}
	}
}

// Len returns the number of partitions with a committed offset.
func (o *Offsets) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.m)
}

// Offset returns the committed offset of partition, or the zero Offset. It
// fails only when ctx is already done.
func (o *Offsets) Offset(ctx context.Context, partition connect.SourcePartition) (connect.Offset, error) {
	if err := ctxErr(ctx); err != nil {
		return connect.Offset{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.m[partition.String()].o, nil
}

// Offsets returns the committed offsets of partitions, keyed by the values
// passed in; partitions without one are absent. It fails only when ctx is
// already done.
func (o *Offsets) Offsets(ctx context.Context, partitions []connect.SourcePartition) (map[connect.SourcePartition]connect.Offset, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make(map[connect.SourcePartition]connect.Offset, len(partitions))
	for _, p := range partitions {
		if c, ok := o.m[p.String()]; ok {
			out[p] = c.o
		}
	}
	return out, nil
}

func ctxErr(ctx context.Context) error {
	if ctx == nil {
		return nil
	}
	return ctx.Err()
}

// ConnectorContext is a fake runtime for a connector: it implements
// source.ConnectorContext (and so connect.ConnectorContext, for sink
// connectors) and records what the connector asked for. Its Logger
// discards; the kit's own checks give connectors one that writes to the
// test's log instead. It is safe for concurrent use, as the contract
// requires.
type ConnectorContext struct {
	offsets  *Offsets
	log      *slog.Logger
	mu       sync.Mutex
	reconfig int
	errs     []error
}

var _ source.ConnectorContext = (*ConnectorContext)(nil)

// NewConnectorContext returns a ConnectorContext whose Offsets reads
// offsets; nil means an empty store.
func NewConnectorContext(offsets *Offsets) *ConnectorContext {
	if offsets == nil {
		offsets = NewOffsets()
	}
	return &ConnectorContext{offsets: offsets}
}

// RequestTaskReconfiguration counts the request; see Reconfigurations.
func (c *ConnectorContext) RequestTaskReconfiguration() {
	c.mu.Lock()
	c.reconfig++
	c.mu.Unlock()
}

// RaiseError records err; see Errors.
func (c *ConnectorContext) RaiseError(err error) {
	c.mu.Lock()
	c.errs = append(c.errs, err)
	c.mu.Unlock()
}

// Offsets returns the store given to NewConnectorContext.
func (c *ConnectorContext) Offsets() source.OffsetReader { return c.offsets }

// Logger returns a logger that discards, or, in the kit's checks, one that
// writes to the test's log.
func (c *ConnectorContext) Logger() *slog.Logger { return orDiscard(c.log) }

// Reconfigurations returns how many times RequestTaskReconfiguration was
// called.
func (c *ConnectorContext) Reconfigurations() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reconfig
}

// Errors returns the errors passed to RaiseError, in order.
func (c *ConnectorContext) Errors() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.errs)
}

// SourceTaskContext returns a source.TaskContext whose Config is config and
// whose Offsets reads offsets (nil means none committed). Its Transaction is
// nil: the kit does not exercise connector-defined transactions. Its Logger
// discards; the kit's own checks give tasks one that writes to the test's
// log instead.
func SourceTaskContext(config map[string]string, offsets *Offsets) source.TaskContext {
	return newSourceTaskContext(config, offsets, nil)
}

func newSourceTaskContext(config map[string]string, offsets *Offsets, log *slog.Logger) *sourceTaskContext {
	if offsets == nil {
		offsets = NewOffsets()
	}
	return &sourceTaskContext{config: config, offsets: offsets, log: log}
}

type sourceTaskContext struct {
	config  map[string]string
	offsets *Offsets
	log     *slog.Logger
}

func (c *sourceTaskContext) Config() map[string]string              { return c.config }
func (c *sourceTaskContext) Offsets() source.OffsetReader           { return c.offsets }
func (c *sourceTaskContext) Transaction() source.TransactionContext { return nil }
func (c *sourceTaskContext) Logger() *slog.Logger                   { return orDiscard(c.log) }

// Reported is one record a sink task gave to its ErrantRecordReporter.
type Reported struct {
	Record connect.Record
	Err    error
}

// SinkTaskContext is a fake runtime for a sink task: it implements
// sink.TaskContext and records what the task asked for. Its reporter
// tolerates every record (Report returns nil) and keeps it; see Reported.
// Its Logger discards; the kit's own checks give tasks one that writes to
// the test's log instead. It is safe for concurrent use.
type SinkTaskContext struct {
	log        *slog.Logger // set before the task starts, then only read
	mu         sync.Mutex
	config     map[string]string
	assignment []sink.TopicPartition
	paused     map[sink.TopicPartition]bool
	resets     map[sink.TopicPartition]int64
	backoff    time.Duration
	commits    int
	reported   []Reported
}

var _ sink.TaskContext = (*SinkTaskContext)(nil)

// NewSinkTaskContext returns a SinkTaskContext with the task's config and
// the partitions assigned to it.
func NewSinkTaskContext(config map[string]string, assignment ...sink.TopicPartition) *SinkTaskContext {
	return &SinkTaskContext{config: config, assignment: slices.Clone(assignment)}
}

// Config returns the config given to NewSinkTaskContext.
func (c *SinkTaskContext) Config() map[string]string { return c.config }

// Assignment returns a copy of the assigned partitions.
func (c *SinkTaskContext) Assignment() []sink.TopicPartition {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.assignment)
}

// Pause marks the partitions paused; see Paused.
func (c *SinkTaskContext) Pause(partitions ...sink.TopicPartition) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused == nil {
		c.paused = make(map[sink.TopicPartition]bool)
	}
	for _, p := range partitions {
		c.paused[p] = true
	}
}

// Resume unmarks paused partitions.
func (c *SinkTaskContext) Resume(partitions ...sink.TopicPartition) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range partitions {
		delete(c.paused, p)
	}
}

// Paused returns the partitions paused and not resumed, sorted.
func (c *SinkTaskContext) Paused() []sink.TopicPartition {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Collect(maps.Keys(c.paused))
	slices.SortFunc(out, compareTP)
	return out
}

// ResetOffsets records the offsets; see Resets.
func (c *SinkTaskContext) ResetOffsets(offsets map[sink.TopicPartition]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.resets == nil {
		c.resets = make(map[sink.TopicPartition]int64)
	}
	maps.Copy(c.resets, offsets)
}

// Resets returns every offset passed to ResetOffsets, the last per
// partition.
func (c *SinkTaskContext) Resets() map[sink.TopicPartition]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.resets)
}

// SetRetryBackoff records d; see RetryBackoff.
func (c *SinkTaskContext) SetRetryBackoff(d time.Duration) {
	c.mu.Lock()
	c.backoff = d
	c.mu.Unlock()
}

// RetryBackoff returns the last value passed to SetRetryBackoff.
func (c *SinkTaskContext) RetryBackoff() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.backoff
}

// RequestCommit counts the request; see CommitRequests.
func (c *SinkTaskContext) RequestCommit() {
	c.mu.Lock()
	c.commits++
	c.mu.Unlock()
}

// CommitRequests returns how many times RequestCommit was called.
func (c *SinkTaskContext) CommitRequests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.commits
}

// Reporter returns a reporter that keeps every record it is given and
// returns nil (errors.tolerance=all).
func (c *SinkTaskContext) Reporter() sink.ErrantRecordReporter { return reporter{c} }

// Logger returns a logger that discards, or, in the kit's checks, one that
// writes to the test's log.
func (c *SinkTaskContext) Logger() *slog.Logger { return orDiscard(c.log) }

// Reported returns the records given to the reporter, in order.
func (c *SinkTaskContext) Reported() []Reported {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.reported)
}

type reporter struct{ c *SinkTaskContext }

func (r reporter) Report(_ context.Context, rec connect.Record, cause error) error {
	r.c.mu.Lock()
	r.c.reported = append(r.c.reported, Reported{rec, cause})
	r.c.mu.Unlock()
	return nil
}

func compareTP(a, b sink.TopicPartition) int {
	if c := cmp.Compare(a.Topic, b.Topic); c != 0 {
		return c
	}
	return cmp.Compare(a.Partition, b.Partition)
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return discard
	}
	return l
}
