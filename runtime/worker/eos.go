package worker

// Exactly-once source delivery (Kafka Connect's KIP-618), in standalone mode
// too.
//
// With ExactlyOnceSource(true), each source task writes through a
// transactional producer whose transactional id is
// <group.id>-<connector>-<task>, as Kafka Connect names it. A task's records
// and the source offsets they reach are written in the same Kafka
// transaction: the offsets go to the offsets topic (the connector's
// offsets.storage.topic, or the worker's offset.Kafka store's topic) as
// records built by offset.Kafka.Records, byte for byte what a JVM worker
// writes. A consumer with isolation.level=read_committed therefore sees a
// record exactly when its offset is committed, and a task restarted after
// any failure resumes from the offsets of the last committed transaction,
// with no record missing or written twice.
//
// Transactions end where transaction.boundary says: after every batch Poll
// returns (poll, the default), every transaction.boundary.interval.ms
// (interval; default the worker's offset flush interval), or where the task
// asks through source.TaskContext.Transaction (connector).
//
// The transactional delivery is a strategy (delivery.go) of the source
// task's one loop (sourceTask.run), which polls, transforms, converts and
// sends for both deliveries.
//
// Zombie fencing: before a task starts, its producer initializes its
// transactional id, which bumps the id's epoch. That aborts any transaction
// an earlier instance of the task left open (a crashed process) and fences
// a still-running earlier instance (another worker with the same group id
// running the same connector): its next write or commit fails, and that
// task fails with an error wrapping ErrFenced, without having committed
// anything more.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/source"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Worker-level configuration keys for exactly-once source support, as Kafka
// Connect names them (for messages; the worker is configured with options).
const (
	// ExactlyOnceSourceSupportConfig is Kafka Connect's worker key for
	// ExactlyOnceSource.
	ExactlyOnceSourceSupportConfig = "exactly.once.source.support"
	// GroupIDConfig is Kafka Connect's worker key for WorkerGroupID.
	GroupIDConfig = "group.id"
)

// DefaultGroupID is the group id of a worker built without WorkerGroupID.
const DefaultGroupID = "kconnect"

// ExactlyOnceSource turns exactly-once delivery on or off for every source
// connector of the worker (Kafka Connect's worker setting
// exactly.once.source.support=enabled). Default off.
//
// With it on, CreateConnector fails for a source connector unless the
// worker's offset store is an *offset.Kafka (see OffsetStore and
// offset.NewKafka), since offsets must be written in the same Kafka
// transactions as the records. Connectors may set exactly.once.support,
// transaction.boundary, transaction.boundary.interval.ms and
// offsets.storage.topic. Unlike Kafka Connect, kconnect supports this in
// standalone mode. See WorkerGroupID for how tasks fence earlier instances.
func ExactlyOnceSource(enabled bool) Opt { return func(o *options) { o.eos = enabled } }

// BeforeTransactions has each exactly-once source task call check just
// before its transactional producer initialises, which fences the task's
// earlier instances: an error fails the task's start, and it produces
// nothing. A distributed herder checks there that the task is still its
// own, as Kafka Connect's verifyTaskGenerationAndOwnership: a task whose
// assignment or configuration moved on while it was starting must not
// fence the instance that replaced it.
func BeforeTransactions(check func(ctx context.Context, id TaskID) error) Opt {
	return func(o *options) { o.beforeTxns = check }
}

// WorkerGroupID sets the worker's group id (Kafka Connect's group.id; default
// DefaultGroupID). With ExactlyOnceSource, each source task's transactional
// id is <group id>-<connector>-<task>, so that a task started on any worker
// of the group fences the earlier instances of the same task. Workers that
// run unrelated connectors under the same names must have different group
// ids, or they fence each other's tasks.
func WorkerGroupID(id string) Opt { return func(o *options) { o.groupID = id } }

// ErrFenced is wrapped by the error that fails an exactly-once source task
// whose transactional producer was fenced: another instance of the same task
// (same group id, connector and task number) started since, or the task's
// transaction outlived the transaction timeout and the broker aborted it.
// The fenced task committed nothing after the fencing.
var ErrFenced = errors.New("producer fenced")

// groupID returns the worker's group id.
func (w *engine) groupID() string {
	if w.opts.groupID == "" {
		return DefaultGroupID
	}
	return w.opts.groupID
}

// taskTransactionalID is Kafka Connect's Worker.taskTransactionalId.
func taskTransactionalID(groupID string, id TaskID) string {
	return fmt.Sprintf("%s-%s-%d", groupID, id.Connector, id.Task)
}

// txnBoundary is a transaction.boundary value.
type txnBoundary string

const (
	boundaryPoll      txnBoundary = "poll"
	boundaryInterval  txnBoundary = "interval"
	boundaryConnector txnBoundary = "connector"
)

// Transaction timeouts: Kafka's producer default, stretched for long
// boundary intervals up to Kafka's default transaction.max.timeout.ms.
const (
	defaultTxnTimeout = 60 * time.Second
	maxTxnTimeout     = 15 * time.Minute
)

// txnSettings are a connector's transaction settings.
type txnSettings struct {
	boundary txnBoundary
	interval time.Duration // boundaryInterval only
	timeout  time.Duration
}

// txnSettings reads c's transaction settings (prepareSourceDelivery has
// checked them).
func (w *engine) txnSettings(c *connectorRun) txnSettings {
	ts := txnSettings{boundary: txnBoundary(strings.ToLower(strings.TrimSpace(c.cfg.String(TransactionBoundaryConfig)))), timeout: defaultTxnTimeout}
	if ts.boundary == boundaryInterval {
		ts.interval = w.opts.flushInterval
		if v, ok := c.cfg.Get(TransactionBoundaryIntervalConfig).(int64); ok {
			ts.interval = time.Duration(v) * time.Millisecond
		}
		ts.timeout = min(max(defaultTxnTimeout, 2*ts.interval), maxTxnTimeout)
	}
	return ts
}

// prepareSourceDelivery readies a new source connector's delivery: it checks
// the connector's exactly-once settings, as Kafka Connect's validation does
// (the error names every key at fault), and opens the connector's offsets
// (openSourceOffsets), with exactly-once delivery or without.
// releaseSourceOffsets undoes it.
func (w *engine) prepareSourceDelivery(ctx context.Context, c *connectorRun) error {
	if c.kind != connect.SourcePlugin {
		return nil
	}
	if err := w.eosConfigError(c); err != nil {
		return err
	}
	if _, ok := w.store.(transactionalStore); w.opts.eos && !ok {
		return fmt.Errorf("worker: connector %s: %s=enabled needs an *offset.Kafka offset store "+
			"(worker.OffsetStore(offset.NewKafka(...))), because offsets are written in the tasks' Kafka transactions; the worker's store is a %T",
			c.name, ExactlyOnceSourceSupportConfig, w.store)
	}
	offsets, err := w.openSourceOffsets(ctx, c)
	if err != nil {
		return err
	}
	c.offsets = offsets
	return nil
}

// eosConfigError is eosConfigErrors of connector c as one error, which
// names every key at fault; nil for a sink connector or none.
func (w *engine) eosConfigError(c *connectorRun) error {
	if c.kind != connect.SourcePlugin {
		return nil
	}
	problems := w.eosConfigErrors(c.plugin, c.cfg, c.resolved)
	if len(problems) == 0 {
		return nil
	}
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.Message
	}
	return invalidConfig(fmt.Errorf("worker: connector %s: %s", c.name, strings.Join(msgs, "; ")))
}

// eosConfigErrors checks a source connector configuration's exactly-once
// settings, as Kafka Connect's validation does, each problem on the key at
// fault; none for a sink connector. cfg is the configuration parsed with
// at least the source connector keys.
func (w *engine) eosConfigErrors(plugin connect.Plugin, cfg *connect.Config, raw map[string]string) []*connect.ConfigKeyError {
	if plugin.Info().Kind != connect.SourcePlugin {
		return nil
	}
	boundary := txnBoundary(strings.ToLower(strings.TrimSpace(cfg.String(TransactionBoundaryConfig))))
	required := strings.EqualFold(strings.TrimSpace(cfg.String(ExactlyOnceSupportConfig)), "required")
	var problems []*connect.ConfigKeyError
	if required || boundary == boundaryConnector {
		problems = append(problems, w.checkConnectorEOS(plugin, cfg, required, boundary == boundaryConnector)...)
	}
	if v, ok := cfg.Get(TransactionBoundaryIntervalConfig).(int64); ok && v < 0 {
		problems = append(problems, &connect.ConfigKeyError{Key: TransactionBoundaryIntervalConfig,
			Message: fmt.Sprintf("%s: must be at least 0, got %d", TransactionBoundaryIntervalConfig, v)})
	}
	if w.opts.eos {
		problems = append(problems, eosProducerConflicts(raw)...)
	}
	return problems
}

// checkConnectorEOS asks a fresh instance of the connector whether it
// supports exactly-once delivery and can define transaction boundaries, as
// the configuration requires.
func (w *engine) checkConnectorEOS(plugin connect.Plugin, parsed *connect.Config, required, defines bool) []*connect.ConfigKeyError {
	p, ok := plugin.(source.Plugin)
	if !ok || p.New == nil {
		return nil // starting it fails with a clearer error
	}
	var problems []*connect.ConfigKeyError
	add := func(key, format string, args ...any) {
		problems = append(problems, &connect.ConfigKeyError{Key: key, Message: fmt.Sprintf(format, args...)})
	}
	var inst source.Connector
	if err := safeCall(func() error { inst = p.New(); return nil }); err != nil {
		key := ExactlyOnceSupportConfig
		if !required {
			key = TransactionBoundaryConfig
		}
		add(key, "creating the connector to check its exactly-once support: %v", err)
		return problems
	}
	cfg := parsed.Originals()
	if required {
		if !w.opts.eos {
			add(ExactlyOnceSupportConfig, "%s=required: this worker does not have exactly-once source support enabled (%s=enabled; worker.ExactlyOnceSource(true))",
				ExactlyOnceSupportConfig, ExactlyOnceSourceSupportConfig)
		}
		eoc, ok := inst.(source.ExactlyOnceConnector)
		var support source.ExactlyOnceSupport
		var err error
		if ok {
			err = safeCall(func() error { support = eoc.ExactlyOnceSupport(cfg); return nil })
		}
		switch {
		case !ok:
			add(ExactlyOnceSupportConfig, "%s=required: the connector does not implement source.ExactlyOnceConnector, the API that says whether it supports exactly-once semantics; "+
				"check its documentation and, if it does, set %s=requested", ExactlyOnceSupportConfig, ExactlyOnceSupportConfig)
		case err != nil:
			add(ExactlyOnceSupportConfig, "%s=required: checking the connector's exactly-once support failed: %v", ExactlyOnceSupportConfig, err)
		case support != source.ExactlyOnceSupported:
			add(ExactlyOnceSupportConfig, "%s=required: the connector does not support exactly-once semantics with this configuration", ExactlyOnceSupportConfig)
		}
	}
	if defines {
		bd, ok := inst.(source.BoundaryDefiner)
		var can bool
		var err error
		if ok {
			err = safeCall(func() error { can = bd.CanDefineTransactionBoundaries(cfg); return nil })
		}
		switch {
		case err != nil:
			add(TransactionBoundaryConfig, "%s=%s: checking whether the connector can define transaction boundaries failed: %v", TransactionBoundaryConfig, boundaryConnector, err)
		case !can:
			add(TransactionBoundaryConfig, "%s=%s: the connector cannot define its own transaction boundaries with this configuration (source.BoundaryDefiner); use %s or %s",
				TransactionBoundaryConfig, boundaryConnector, boundaryPoll, boundaryInterval)
		}
	}
	return problems
}

// eosProducerConflicts reports producer overrides that a transactional
// producer cannot honour.
func eosProducerConflicts(raw map[string]string) []*connect.ConfigKeyError {
	var problems []*connect.ConfigKeyError
	if v, ok := raw[ProducerOverridePrefix+"acks"]; ok {
		if s := strings.TrimSpace(v); s != "all" && s != "-1" {
			problems = append(problems, &connect.ConfigKeyError{Key: ProducerOverridePrefix + "acks",
				Message: fmt.Sprintf("%sacks=%s: exactly-once source support (%s=enabled) writes with acks=all", ProducerOverridePrefix, v, ExactlyOnceSourceSupportConfig)})
		}
	}
	if v, ok := raw[ProducerOverridePrefix+"enable.idempotence"]; ok && strings.EqualFold(strings.TrimSpace(v), "false") {
		problems = append(problems, &connect.ConfigKeyError{Key: ProducerOverridePrefix + "enable.idempotence",
			Message: fmt.Sprintf("%senable.idempotence=false: exactly-once source support (%s=enabled) needs an idempotent producer", ProducerOverridePrefix, ExactlyOnceSourceSupportConfig)})
	}
	return problems
}

// releaseSourceOffsets closes the offsets of connectors that are forgotten
// (sourceOffsets.close).
func (w *engine) releaseSourceOffsets(runs ...*connectorRun) {
	for _, c := range runs {
		c.offsets.close() // left in place: a task that outlived its stop timeout gets errors, not a race
	}
}

// newDelivery returns st's delivery: transactional with exactly-once
// support, at least once without.
func (w *engine) newDelivery(st *sourceTask) (delivery, error) {
	if !w.opts.eos {
		return newAtLeastOnce(st), nil
	}
	store, ok := st.offsets.transactional()
	if !ok {
		return nil, fmt.Errorf("exactly-once source: the offset store is a %T, not an *offset.Kafka", st.offsets.worker)
	}
	ts := w.txnSettings(st.conn)
	d := &transactional{st: st, txn: ts, store: store, txnID: taskTransactionalID(w.groupID(), st.id)}
	if ts.boundary == boundaryConnector {
		d.tc = &txnContext{}
	}
	return d, nil
}

// transactional delivers with exactly-once semantics: a transactional
// producer per task, and each transaction holds records and the offset
// records they reach, committed where the boundary says. Offsets are
// tracked as at least once (submitted), but a record is settled as it is
// sent: its offset is committed with its transaction, which commits only
// if every record in it was written. Its transaction state belongs to the
// task's goroutine; only sendErr and aborting are shared with the
// producer's callbacks.
type transactional struct {
	st    *sourceTask
	txn   txnSettings
	store transactionalStore // receives the offsets in the transactions (sourceOffsets.transactional)
	txnID string
	tc    *txnContext // transaction.boundary=connector only

	open       bool // a producer transaction is open
	lastCommit time.Time
	produced   int            // records produced in the transaction
	settled    []txnSettled   // the transaction's records, for a RecordCommitter only
	entries    []offset.Entry // scratch for commit

	// sendErr is the first failed write of the transaction.
	sendErr atomic.Pointer[error]
	// aborting is set while the task's own abort fails buffered records.
	aborting atomic.Bool
}

// txnSettled is a record of the transaction: produced (written) or
// dropped by a transform or an error tolerance.
type txnSettled struct {
	inf     *inflight
	written bool
}

func (d *transactional) producerOpts(common []kgo.Opt) []kgo.Opt {
	return append(common,
		kgo.TransactionalID(d.txnID),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.TransactionTimeout(d.txn.timeout),
	)
}

// start fences earlier instances, as Kafka's initTransactions:
// initializing the transactional id bumps its epoch, which fences every
// earlier producer with the id and aborts a transaction one left open. It
// happens before the task reads its offsets, so those include every
// transaction an earlier instance committed.
func (d *transactional) start(ctx context.Context) error {
	if check := d.st.w.opts.beforeTxns; check != nil {
		if err := check(ctx, d.st.id); err != nil {
			return fmt.Errorf("before initializing transactional id %s: %w", d.txnID, err)
		}
	}
	if _, _, err := d.st.producer.ProducerID(ctx); err != nil {
		return fmt.Errorf("initializing transactional id %s (fencing earlier instances of the task): %w", d.txnID, err)
	}
	d.lastCommit = time.Now()
	return nil
}

func (d *transactional) describe() []any {
	return []any{"transactional_id", d.txnID, "transaction_boundary", string(d.txn.boundary)}
}

// newInflights gives a poll batch's records new inflights, in one
// allocation: a transaction keeps its records until it commits, so they
// are not pooled; their buffers are, released once written.
func (d *transactional) newInflights(prep []prepared) {
	infs := make([]inflight, len(prep))
	for i := range infs {
		infs[i].Context = d.st.produceCtx
		prep[i].inf = &infs[i]
	}
}

// refuse refuses records for the offsets topic, as Kafka Connect does: the
// task would read its offsets (to the last stable offset) behind its own
// open transaction.
func (d *transactional) refuse(p *prepared) error {
	if p.topic != d.store.Topic() {
		return nil
	}
	return connect.WithPosition(fmt.Errorf("source tasks may not write to their own offsets topic %s with exactly-once support (%s=enabled)",
		p.topic, ExactlyOnceSourceSupportConfig), p.inf.r.Position())
}

// skip takes a dropped or tolerated record's offset into the transaction.
func (d *transactional) skip(inf *inflight) { d.settle(inf, false) }

// send produces a record in the open transaction, beginning one if
// needed, and takes its offset into the transaction.
func (d *transactional) send(_ context.Context, inf *inflight) error {
	if !d.open {
		if err := d.begin(); err != nil {
			return err
		}
	}
	inf.kr.Context = inf
	d.st.producer.Produce(inf, &inf.kr, d.onAck)
	d.produced++
	d.settle(inf, true)
	return nil
}

func (d *transactional) settle(inf *inflight, written bool) {
	d.st.sub.settle(&inf.sub)
	if d.st.recordCommitter != nil {
		d.settled = append(d.settled, txnSettled{inf: inf, written: written})
	}
}

// onAck is the produce callback of every record. A failed write dooms the
// transaction, and fails the task: a Kafka transaction cannot commit
// without one of its records, so errors.tolerance does not apply here (as
// in Kafka Connect, whose commitTransaction fails).
func (d *transactional) onAck(kr *kgo.Record, err error) {
	st := d.st
	inf := kr.Context.(*inflight)
	st.releaseBuf(inf)
	if err == nil || d.aborting.Load() {
		return
	}
	werr := &stageError{stage: stageProduce, err: d.txnErr("writing a record", connect.WithPosition(err, inf.r.Position()))}
	var failed error = werr
	if !d.sendErr.CompareAndSwap(nil, &failed) {
		return
	}
	st.metrics.RecordErrors(string(stageProduce), 1)
	if st.produceCtx.Err() == nil { // else: stopping, and the commit will not happen
		st.fail(werr)
	}
}

// commitLoop has nothing to do: transactions end on the task's goroutine,
// at the boundaries.
func (d *transactional) commitLoop(context.Context) {}

func (d *transactional) begin() error {
	if err := d.st.producer.BeginTransaction(); err != nil {
		return d.txnErr("beginning a transaction", err)
	}
	d.open = true
	return nil
}

// commit ends the transaction: it waits for the records to be written,
// writes the offsets they reached into the same transaction and commits
// it; then it tells the offset store and the task. An aborted transaction
// leaves offsets to commit in a new one. On error nothing is committed and
// the caller must fail the task.
func (d *transactional) commit(ctx context.Context) (err error) {
	st := d.st
	entries := d.entries[:0]
	for _, po := range st.sub.committable() {
		if !po.partition.IsZero() {
			entries = append(entries, offset.Entry{Partition: po.partition, Offset: po.offset})
		}
	}
	// Before the transaction is known to be needed: the offsets the task
	// adds are committed even by an idle task (without records, in a
	// transaction of their own), as KIP-910 has it.
	entries = st.updateOffsets(ctx, entries)
	d.entries = entries
	defer clear(d.entries)
	if !d.open && len(entries) == 0 {
		return nil
	}
	began := time.Now()
	defer func() {
		if err != nil {
			st.metrics.OffsetCommit(false, time.Since(began))
		}
	}()
	if !d.open {
		if err := d.begin(); err != nil {
			return err
		}
	}
	if err := st.producer.Flush(ctx); err != nil {
		return d.txnErr("flushing the transaction's records", err)
	}
	if p := d.sendErr.Load(); p != nil {
		return *p
	}
	var offsetRecords []*kgo.Record
	if len(entries) > 0 {
		recs, err := d.store.Records(st.id.Connector, entries)
		if err != nil {
			return fmt.Errorf("serializing source offsets: %w", err)
		}
		if err := st.producer.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			return d.txnErr("writing source offsets to "+d.store.Topic(), err)
		}
		offsetRecords = recs
	}
	if err := st.producer.EndTransaction(ctx, kgo.TryCommit); err != nil {
		if errors.Is(err, kerr.InvalidTxnState) {
			// The broker ended the transaction already: under Kafka's
			// transactions v2, that is what a fenced producer whose
			// transaction was aborted for the new instance may hear.
			return d.fencedErr("committing the transaction", err)
		}
		return d.txnErr("committing the transaction", err)
	}
	d.open = false
	st.metrics.OffsetCommit(true, time.Since(began))
	st.metrics.RecordsWritten(d.produced)
	d.store.ApplyProduced(offsetRecords)
	st.log.Debug("committed a transaction", "records", d.produced, "partitions", len(entries))

	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), st.w.opts.flushTimeout)
	defer cancel()
	st.offsets.committed(cctx, entries, st.log)
	for _, s := range d.settled {
		var md *source.RecordMetadata
		if s.written {
			md = s.inf.metadata(&s.inf.kr)
			st.active.note(st.w, st.id.Connector, s.inf.kr.Topic)
		}
		st.commitRecord(s.inf.r, md)
	}
	d.reset()
	st.taskCommit(cctx)
	return nil
}

// reset forgets the ended transaction.
func (d *transactional) reset() {
	d.produced = 0
	clear(d.settled)
	d.settled = d.settled[:0]
	d.sendErr.Store(nil)
	d.lastCommit = time.Now()
}

// abort aborts the open transaction at the task's request: its records
// are discarded, while their offsets stay to be committed (Kafka Connect's
// semantics, so that the task does not see the records again).
func (d *transactional) abort(ctx context.Context) error {
	if !d.open {
		d.st.log.Warn("ignoring the task's request to abort the transaction: it is empty")
		return nil
	}
	d.aborting.Store(true)
	defer d.aborting.Store(false)
	if err := d.st.producer.AbortBufferedRecords(ctx); err != nil {
		return d.txnErr("aborting the transaction's buffered records", err)
	}
	if err := d.st.producer.EndTransaction(ctx, kgo.TryAbort); err != nil {
		return d.txnErr("aborting the transaction", err)
	}
	d.open = false
	d.produced = 0
	d.sendErr.Store(nil)
	for i := range d.settled {
		d.settled[i].written = false // discarded: the task's CommitRecord gets no metadata
	}
	return nil
}

// abandon aborts the open transaction, if any, of a failing or stopping
// task, so that read_committed consumers need not wait for the transaction
// timeout. It has the flush timeout, and a stopping task no more than what
// is left of its shutdown and flush timeouts: on a silent broker the
// transaction is then left to the fencing by the task's next instance, or
// to the transaction timeout, and commits nothing either way. A fenced producer (cause wraps ErrFenced) leaves it alone: its transaction was aborted by the
// fencing, and the producer must not touch the transactional id again.
func (d *transactional) abandon(cause error) {
	if !d.open || errors.Is(cause, ErrFenced) {
		d.open = false
		return
	}
	d.open = false
	deadline := time.Now().Add(d.st.w.opts.flushTimeout)
	if stopBy := d.st.stopBy; !stopBy.IsZero() && stopBy.Before(deadline) {
		deadline = stopBy
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	d.aborting.Store(true)
	defer d.aborting.Store(false)
	err := d.st.producer.AbortBufferedRecords(ctx)
	if err == nil {
		err = d.st.producer.EndTransaction(ctx, kgo.TryAbort)
	}
	if err != nil {
		d.st.log.Error("aborting the failed task's transaction failed; the broker aborts it when the task restarts or the transaction times out",
			"transactional_id", d.txnID, "err", err)
		d.st.silenceProducer()
	}
}

// finish ends the last transaction. A failing task's is aborted. A
// stopping task's is committed with the poll and interval boundaries (as
// Kafka Connect's final offset commit), and with the connector boundary
// only if the task asked for a commit, else aborted; its writes are
// cancelled the shutdown timeout after stopping began, and a transaction
// that did not end by then is aborted, not a failure of the task.
func (d *transactional) finish(ctx context.Context, err error, _ func()) error {
	st := d.st
	switch {
	case err != nil && ctx.Err() != nil && st.failure.Load() == nil && st.produceCtx.Err() != nil:
		st.log.Warn("the transaction did not finish before the shutdown timeout; aborting it, its records will be polled again", "err", err)
		d.abandon(err)
		return nil
	case err != nil:
		d.abandon(err)
		return err
	}
	pctx := st.produceCtx
	if d.tc == nil {
		err = d.commit(pctx)
	} else {
		switch act, _, terr := d.tc.batchAction(); {
		case terr != nil:
			err = terr
		case act == txnCommit:
			err = d.commit(pctx)
		case act == txnAbort:
			if err = d.abort(pctx); err == nil {
				err = d.commit(pctx)
			}
		default:
			if d.open {
				st.log.Info("stopping with a transaction the task did not commit: aborting it")
			}
		}
	}
	if err != nil {
		st.log.Error("committing the final transaction failed; its records will be polled again", "err", err)
	}
	d.abandon(err)
	return nil
}

// endRecord ends the transaction after r if the task asked for it.
func (d *transactional) endRecord(_ context.Context, r *connect.Record) error {
	if d.tc == nil {
		return nil
	}
	act, err := d.tc.recordAction(r)
	if err != nil {
		return err
	}
	return d.act(d.st.produceCtx, act)
}

// endBatch ends the transaction after a batch if the boundary says so.
func (d *transactional) endBatch(context.Context) error {
	st := d.st
	st.metrics.ActiveRecords(d.produced)
	ctx := st.produceCtx
	switch d.txn.boundary {
	case boundaryInterval:
		if time.Since(d.lastCommit) < d.txn.interval {
			return nil
		}
		d.lastCommit = time.Now()
		return d.commit(ctx)
	case boundaryConnector:
		act, stale, err := d.tc.batchAction()
		if err != nil {
			return err
		}
		if stale > 0 {
			st.log.Warn("ignoring TransactionContext.CommitAfter/AbortAfter requests for records that are not in the batch Poll returned "+
				"(pass the address of an element of the returned slice, once the slice is final)", "requests", stale)
		}
		return d.act(ctx, act)
	default:
		return d.commit(ctx)
	}
}

func (d *transactional) act(ctx context.Context, act txnAction) error {
	switch act {
	case txnCommit:
		return d.commit(ctx)
	case txnAbort:
		if err := d.abort(ctx); err != nil {
			return err
		}
		return d.commit(ctx) // the aborted records' offsets
	}
	return nil
}

// txnErr describes a failed transactional operation, wrapping ErrFenced
// when the producer was fenced.
func (d *transactional) txnErr(op string, err error) error {
	if errors.Is(err, kerr.ProducerFenced) || errors.Is(err, kerr.InvalidProducerEpoch) {
		return d.fencedErr(op, err)
	}
	return fmt.Errorf("exactly-once source: %s (transactional id %s): %w", op, d.txnID, err)
}

func (d *transactional) fencedErr(op string, err error) error {
	return fmt.Errorf("%w: %s (transactional id %s): %w; another instance of task %s started since "+
		"(another worker with group id %q running connector %s), or the transaction outlived its timeout (%s) and the broker aborted it",
		ErrFenced, op, d.txnID, err, d.st.id, d.st.w.groupID(), d.st.id.Connector, d.txn.timeout)
}

// txnAction is what the task asked to do with the transaction.
type txnAction uint8

const (
	txnNone txnAction = iota
	txnCommit
	txnAbort
)

// txnContext is the source.TransactionContext of a task with
// transaction.boundary=connector (Kafka Connect's
// WorkerTransactionContext). Records are named by their address in the
// slice Poll returned; requests for a record the batch does not hold are
// dropped, with a warning, once the batch is written. It is safe for
// concurrent use.
type txnContext struct {
	mu          sync.Mutex
	pending     atomic.Int32 // len(commitOn)+len(abortOn), read without mu
	commitBatch bool
	abortBatch  bool
	commitOn    map[*connect.Record]struct{}
	abortOn     map[*connect.Record]struct{}
	misuse      error // sticky: fails the task at the next boundary check
}

var _ source.TransactionContext = (*txnContext)(nil)

// Commit implements source.TransactionContext.
func (c *txnContext) Commit() {
	c.mu.Lock()
	c.commitBatch = true
	c.mu.Unlock()
}

// Abort implements source.TransactionContext.
func (c *txnContext) Abort() {
	c.mu.Lock()
	c.abortBatch = true
	c.mu.Unlock()
}

// CommitAfter implements source.TransactionContext.
func (c *txnContext) CommitAfter(r *connect.Record) { c.after(r, "CommitAfter", &c.commitOn) }

// AbortAfter implements source.TransactionContext.
func (c *txnContext) AbortAfter(r *connect.Record) { c.after(r, "AbortAfter", &c.abortOn) }

func (c *txnContext) after(r *connect.Record, method string, set *map[*connect.Record]struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r == nil {
		if c.misuse == nil {
			c.misuse = fmt.Errorf("the task called TransactionContext.%s with a nil record", method)
		}
		return
	}
	if *set == nil {
		*set = make(map[*connect.Record]struct{})
	}
	if _, dup := (*set)[r]; !dup {
		(*set)[r] = struct{}{}
		c.pending.Add(1)
	}
}

// recordAction returns and forgets the request for r; asking both to
// commit and to abort after r is an error that fails the task, as in
// Kafka Connect.
func (c *txnContext) recordAction(r *connect.Record) (txnAction, error) {
	if c.pending.Load() == 0 {
		return txnNone, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.misuse != nil {
		return txnNone, c.misuse
	}
	_, commit := c.commitOn[r]
	_, abort := c.abortOn[r]
	if commit && abort {
		return txnNone, connect.WithPosition(errors.New("the task asked both to commit and to abort the transaction after the same record"), r.Position())
	}
	switch {
	case commit:
		delete(c.commitOn, r)
		c.pending.Add(-1)
		return txnCommit, nil
	case abort:
		delete(c.abortOn, r)
		c.pending.Add(-1)
		return txnAbort, nil
	}
	return txnNone, nil
}

// batchAction returns and forgets the batch request, and drops (and
// counts) the record requests the batch did not match.
func (c *txnContext) batchAction() (act txnAction, stale int, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.misuse != nil {
		return txnNone, 0, c.misuse
	}
	if c.commitBatch && c.abortBatch {
		return txnNone, 0, errors.New("the task asked both to commit and to abort the same transaction")
	}
	stale = len(c.commitOn) + len(c.abortOn)
	if stale > 0 {
		clear(c.commitOn)
		clear(c.abortOn)
		c.pending.Store(0)
	}
	switch {
	case c.commitBatch:
		act = txnCommit
	case c.abortBatch:
		act = txnAbort
	}
	c.commitBatch, c.abortBatch = false, false
	return act, stale, nil
}
