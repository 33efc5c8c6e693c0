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
	"maps"
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

// txnSettings reads c's transaction settings (prepareExactlyOnce has
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

// prepareExactlyOnce readies a new source connector's delivery: it checks
// the connector's exactly-once settings, as Kafka Connect's validation does
// (the error names every key at fault), and opens the connector's offsets
// (openSourceOffsets), with exactly-once delivery or without.
// releaseExactlyOnce undoes it.
func (w *engine) prepareExactlyOnce(ctx context.Context, c *connectorRun) error {
	if c.kind != connect.SourcePlugin {
		return nil
	}
	boundary := txnBoundary(strings.ToLower(strings.TrimSpace(c.cfg.String(TransactionBoundaryConfig))))
	required := strings.EqualFold(strings.TrimSpace(c.cfg.String(ExactlyOnceSupportConfig)), "required")
	var problems []string
	if required || boundary == boundaryConnector {
		problems = append(problems, w.checkConnectorEOS(c, required, boundary == boundaryConnector)...)
	}
	if v, ok := c.cfg.Get(TransactionBoundaryIntervalConfig).(int64); ok && v < 0 {
		problems = append(problems, fmt.Sprintf("%s: must be at least 0, got %d", TransactionBoundaryIntervalConfig, v))
	}
	if w.opts.eos {
		problems = append(problems, eosProducerConflicts(c.raw)...)
	}
	if len(problems) > 0 {
		return invalidConfig(fmt.Errorf("worker: connector %s: %s", c.name, strings.Join(problems, "; ")))
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

// checkConnectorEOS asks a fresh instance of the connector whether it
// supports exactly-once delivery and can define transaction boundaries, as
// the configuration requires.
func (w *engine) checkConnectorEOS(c *connectorRun, required, defines bool) []string {
	p, ok := c.plugin.(source.Plugin)
	if !ok || p.New == nil {
		return nil // starting it fails with a clearer error
	}
	var problems []string
	var inst source.Connector
	if err := safeCall(func() error { inst = p.New(); return nil }); err != nil {
		return []string{fmt.Sprintf("creating the connector to check its exactly-once support: %v", err)}
	}
	cfg := c.cfg.Originals()
	if required {
		if !w.opts.eos {
			problems = append(problems, fmt.Sprintf("%s=required: this worker does not have exactly-once source support enabled (%s=enabled; worker.ExactlyOnceSource(true))",
				ExactlyOnceSupportConfig, ExactlyOnceSourceSupportConfig))
		}
		eoc, ok := inst.(source.ExactlyOnceConnector)
		var support source.ExactlyOnceSupport
		var err error
		if ok {
			err = safeCall(func() error { support = eoc.ExactlyOnceSupport(cfg); return nil })
		}
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s=required: the connector does not implement source.ExactlyOnceConnector, the API that says whether it supports exactly-once semantics; "+
				"check its documentation and, if it does, set %s=requested", ExactlyOnceSupportConfig, ExactlyOnceSupportConfig))
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s=required: checking the connector's exactly-once support failed: %v", ExactlyOnceSupportConfig, err))
		case support != source.ExactlyOnceSupported:
			problems = append(problems, fmt.Sprintf("%s=required: the connector does not support exactly-once semantics with this configuration", ExactlyOnceSupportConfig))
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
			problems = append(problems, fmt.Sprintf("%s=%s: checking whether the connector can define transaction boundaries failed: %v", TransactionBoundaryConfig, boundaryConnector, err))
		case !can:
			problems = append(problems, fmt.Sprintf("%s=%s: the connector cannot define its own transaction boundaries with this configuration (source.BoundaryDefiner); use %s or %s",
				TransactionBoundaryConfig, boundaryConnector, boundaryPoll, boundaryInterval))
		}
	}
	return problems
}

// eosProducerConflicts reports producer overrides that a transactional
// producer cannot honour.
func eosProducerConflicts(raw map[string]string) []string {
	var problems []string
	if v, ok := raw[ProducerOverridePrefix+"acks"]; ok {
		if s := strings.TrimSpace(v); s != "all" && s != "-1" {
			problems = append(problems, fmt.Sprintf("%sacks=%s: exactly-once source support (%s=enabled) writes with acks=all", ProducerOverridePrefix, v, ExactlyOnceSourceSupportConfig))
		}
	}
	if v, ok := raw[ProducerOverridePrefix+"enable.idempotence"]; ok && strings.EqualFold(strings.TrimSpace(v), "false") {
		problems = append(problems, fmt.Sprintf("%senable.idempotence=false: exactly-once source support (%s=enabled) needs an idempotent producer", ProducerOverridePrefix, ExactlyOnceSourceSupportConfig))
	}
	return problems
}

// releaseExactlyOnce closes the offsets of connectors that are forgotten
// (sourceOffsets.close).
func (w *engine) releaseExactlyOnce(runs ...*connectorRun) {
	for _, c := range runs {
		c.offsets.close() // left in place: a task that outlived its stop timeout gets errors, not a race
	}
}

// newEOSTask returns st's exactly-once machinery, or nil when the worker
// runs without exactly-once support.
func (w *engine) newEOSTask(st *sourceTask) (*eosTask, error) {
	if !w.opts.eos {
		return nil, nil
	}
	store, ok := st.offsets.transactional()
	if !ok {
		return nil, fmt.Errorf("exactly-once source: the offset store is a %T, not an *offset.Kafka", st.offsets.worker)
	}
	ts := w.txnSettings(st.conn)
	e := &eosTask{st: st, txn: ts, store: store, txnID: taskTransactionalID(w.groupID(), st.id), offsetIdx: make(map[string]int)}
	if ts.boundary == boundaryConnector {
		e.tc = &txnContext{}
	}
	return e, nil
}

// eosTask runs a source task with exactly-once delivery. Its transaction
// state belongs to the task's poll goroutine; only sendErr and aborting
// are shared with the producer's callbacks.
type eosTask struct {
	st    *sourceTask
	txn   txnSettings
	store transactionalStore // receives the offsets in the transactions (sourceOffsets.transactional)
	txnID string
	tc    *txnContext // transaction.boundary=connector only

	open       bool // a producer transaction is open
	lastCommit time.Time
	produced   int            // records produced in the transaction
	settled    []eosSettled   // the transaction's records, for a RecordCommitter only
	offsetIdx  map[string]int // partition JSON → index in entries
	entries    []offset.Entry // the latest offset of each partition in the transaction

	// sendErr is the first failed write of the transaction.
	sendErr atomic.Pointer[error]
	// aborting is set while the task's own abort fails buffered records.
	aborting atomic.Bool
}

// eosSettled is a record of the transaction: produced (written) or
// dropped by a transform or an error tolerance.
type eosSettled struct {
	inf     *inflight
	written bool
}

func (e *eosTask) producerOpts() []kgo.Opt {
	return append(e.st.producerOpts(),
		kgo.TransactionalID(e.txnID),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.TransactionTimeout(e.txn.timeout),
	)
}

// run runs the task until ctx is cancelled or it fails: it fences earlier
// instances, starts the task, polls and writes in transactions, and at the
// end commits the last transaction (or aborts it when failing).
func (e *eosTask) run(ctx context.Context, t *taskRun) error {
	st := e.st
	st.recordCommitter, _ = st.task.(source.RecordCommitter)
	producer, err := kgo.NewClient(e.producerOpts()...)
	if err != nil {
		return fmt.Errorf("creating the transactional producer: %w", err)
	}
	st.producer = producer
	closeProducer := sync.OnceFunc(producer.Close)
	defer closeProducer()
	t.onAbandon(closeProducer) // its open transaction can then never commit
	// Zombie fencing, as Kafka's initTransactions: initializing the
	// transactional id bumps its epoch, which fences every earlier
	// producer with the id and aborts a transaction one left open. It
	// happens before the task reads its offsets, so those include every
	// transaction an earlier instance committed.
	if _, _, err := producer.ProducerID(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped before starting
		}
		return fmt.Errorf("initializing transactional id %s (fencing earlier instances of the task): %w", e.txnID, err)
	}
	if err := st.errs.openDeadLetters(ctx, st.w, st.id, st.conn, true); err != nil {
		return fmt.Errorf("starting task: %w", err)
	}
	defer st.errs.closeDeadLetters()

	pollCtx, failNow := context.WithCancel(ctx)
	st.failNow = failNow
	defer failNow()
	st.produceCtx, st.cancelProduce = context.WithCancel(context.Background())
	defer st.cancelProduce()
	// A stopping task has the shutdown timeout to finish its transaction;
	// then its writes are cancelled and the transaction aborted.
	var timerMu sync.Mutex
	var timer *time.Timer
	finished := false
	stopWatch := context.AfterFunc(ctx, func() {
		timerMu.Lock()
		defer timerMu.Unlock()
		if !finished {
			timer = time.AfterFunc(st.w.opts.shutdownTimeout, st.cancelProduce)
		}
	})
	defer func() {
		stopWatch()
		timerMu.Lock()
		finished = true
		if timer != nil {
			timer.Stop()
		}
		timerMu.Unlock()
	}()

	if err := safeCall(func() error { return st.task.Start(ctx, maps.Clone(st.config), sourceTaskContext{st}) }); err != nil {
		return fmt.Errorf("starting task: %w", err)
	}
	t.setState(Running, "", st.w.opts.id)
	st.log.Info("source task started", "transactional_id", e.txnID, "transaction_boundary", string(e.txn.boundary))

	err = e.pollLoop(pollCtx)
	failNow()
	if err == nil {
		if p := st.failure.Load(); p != nil {
			err = *p
		}
	}
	if err != nil && ctx.Err() != nil && st.failure.Load() == nil && st.produceCtx.Err() != nil {
		// Stopping, and the transaction did not end within the shutdown
		// timeout: not a failure of the task.
		st.log.Warn("the transaction did not finish before the shutdown timeout; aborting it, its records will be polled again", "err", err)
		e.abandon(err)
		err = nil
	} else if err != nil {
		e.abandon(err)
	} else {
		e.finish()
	}
	sctx, cancel := context.WithTimeout(context.Background(), st.w.opts.shutdownTimeout)
	defer cancel()
	if serr := safeCall(func() error { return st.task.Stop(sctx) }); serr != nil {
		st.log.Error("stopping task", "err", serr)
	}
	st.log.Info("source task stopped")
	if err != nil {
		t.setState(Failed, err.Error(), st.w.opts.id)
		return err
	}
	return nil
}

// pollLoop polls, writes each batch in the open transaction and ends
// transactions at the configured boundaries, until ctx is done.
func (e *eosTask) pollLoop(ctx context.Context) error {
	st := e.st
	e.lastCommit = time.Now()
	for ctx.Err() == nil {
		var records []connect.Record
		err := st.errs.retry(ctx, stagePoll, func() error {
			return safeCall(func() error {
				var err error
				records, err = st.task.Poll(ctx)
				return err
			})
		})
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			return &stageError{stage: stagePoll, err: err}
		}
		st.metrics.RecordsPolled(len(records))
		// Transform and convert the batch on up to st.parallelism goroutines,
		// then send in poll order, as the non-transactional path does.
		prep := e.prepareAll(records)
		unsent := func(i int) { // returns the buffers of records after i
			for _, p := range prep[i+1:] {
				st.releaseBuf(p.inf)
			}
			clear(prep)
		}
		for i := range records {
			r := &records[i]
			if err := e.send(ctx, &prep[i]); err != nil {
				unsent(i)
				if ctx.Err() != nil {
					return nil // stopping: the final commit covers what was sent
				}
				return err
			}
			if e.tc != nil {
				if err := e.recordBoundary(r); err != nil {
					unsent(i)
					return err
				}
			}
		}
		clear(prep)
		st.metrics.ActiveRecords(e.produced)
		if err := e.batchBoundary(); err != nil {
			return err
		}
	}
	return nil
}

// prepareAll transforms and converts a poll batch (sourceTask.prepare)
// into inflights of their own: a transaction keeps its records until it
// commits, so they are not pooled; their buffers are.
func (e *eosTask) prepareAll(records []connect.Record) []prepared {
	st := e.st
	prep := st.scratch(len(records))
	now := time.Now()
	inParallel(len(records), st.parallelism, func(i int) {
		prep[i] = st.prepare(&inflight{Context: st.produceCtx, r: &records[i]}, now)
	})
	return prep
}

// send produces one prepared record in the open transaction (beginning one
// if needed) and takes its offset into the transaction. A record dropped by
// a transform, or failed and tolerated by errors.tolerance=all, is settled:
// its offset is committed with the transaction. Any other error is
// returned: the task fails and the transaction is aborted. The checks run
// in the order of Kafka Connect's: the transforms' failure, the
// transformed record's topic, then its conversion.
func (e *eosTask) send(ctx context.Context, p *prepared) error {
	st := e.st
	inf := p.inf
	r := inf.r
	switch {
	case p.panicked:
		return &stageError{stage: p.stage, err: p.err}
	case p.err != nil && p.stage == stageTransformation:
		if err := st.errs.tolerate(ctx, stageTransformation, r, nil, p.err); err != nil {
			return err
		}
		e.settle(inf, false)
		return nil
	case p.err == nil && !p.keep:
		e.settle(inf, false) // dropped by a transform
		return nil
	}
	if p.topic == e.store.Topic() {
		// As Kafka Connect: the task would read its offsets (to the last
		// stable offset) behind its own open transaction.
		st.releaseBuf(inf)
		return connect.WithPosition(fmt.Errorf("source tasks may not write to their own offsets topic %s with exactly-once support (%s=enabled)",
			p.topic, ExactlyOnceSourceSupportConfig), r.Position())
	}
	if err := st.topics.ensure(ctx, p.topic); err != nil {
		st.releaseBuf(inf)
		return err
	}
	if p.err != nil { // a converter failed
		if err := st.errs.tolerate(ctx, p.stage, r, nil, p.err); err != nil {
			return err
		}
		e.settle(inf, false)
		return nil
	}
	if !e.open {
		if err := e.begin(); err != nil {
			st.releaseBuf(inf)
			return err
		}
	}
	inf.kr.Context = inf
	st.producer.Produce(inf, &inf.kr, e.onAck)
	e.produced++
	e.settle(inf, true)
	return nil
}

// settle takes a sent or dropped record's offset into the transaction.
func (e *eosTask) settle(inf *inflight, written bool) {
	r := inf.r
	if !r.SourcePartition.IsZero() && !r.SourceOffset.IsZero() {
		key := r.SourcePartition.String()
		if i, ok := e.offsetIdx[key]; ok {
			e.entries[i].Offset = r.SourceOffset
		} else {
			e.offsetIdx[key] = len(e.entries)
			e.entries = append(e.entries, offset.Entry{Partition: r.SourcePartition, Offset: r.SourceOffset})
		}
	}
	if e.st.recordCommitter != nil {
		e.settled = append(e.settled, eosSettled{inf: inf, written: written})
	}
}

// onAck is the produce callback of every record. A failed write dooms the
// transaction, and fails the task: a Kafka transaction cannot commit
// without one of its records, so errors.tolerance does not apply here (as
// in Kafka Connect, whose commitTransaction fails).
func (e *eosTask) onAck(kr *kgo.Record, err error) {
	inf := kr.Context.(*inflight)
	e.st.releaseBuf(inf)
	if err == nil || e.aborting.Load() {
		return
	}
	werr := &stageError{stage: stageProduce, err: e.txnErr("writing a record", connect.WithPosition(err, inf.r.Position()))}
	var failed error = werr
	if !e.sendErr.CompareAndSwap(nil, &failed) {
		return
	}
	e.st.metrics.RecordErrors(string(stageProduce), 1)
	if e.st.produceCtx.Err() == nil { // else: stopping, and the commit will not happen
		e.st.fail(werr)
	}
}

func (e *eosTask) begin() error {
	if err := e.st.producer.BeginTransaction(); err != nil {
		return e.txnErr("beginning a transaction", err)
	}
	e.open = true
	return nil
}

// commit ends the transaction: it waits for the records to be written,
// writes the offsets they reached into the same transaction and commits
// it; then it tells the offset store and the task. An aborted transaction
// leaves offsets to commit in a new one. On error nothing is committed and
// the caller must fail the task.
func (e *eosTask) commit(ctx context.Context) (err error) {
	if !e.open && len(e.entries) == 0 {
		return nil
	}
	st := e.st
	began := time.Now()
	defer func() {
		if err != nil {
			st.metrics.OffsetCommit(false, time.Since(began))
		}
	}()
	if !e.open {
		if err := e.begin(); err != nil {
			return err
		}
	}
	if err := st.producer.Flush(ctx); err != nil {
		return e.txnErr("flushing the transaction's records", err)
	}
	if p := e.sendErr.Load(); p != nil {
		return *p
	}
	var offsetRecords []*kgo.Record
	if len(e.entries) > 0 {
		recs, err := e.store.Records(st.id.Connector, e.entries)
		if err != nil {
			return fmt.Errorf("serializing source offsets: %w", err)
		}
		if err := st.producer.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			return e.txnErr("writing source offsets to "+e.store.Topic(), err)
		}
		offsetRecords = recs
	}
	if err := st.producer.EndTransaction(ctx, kgo.TryCommit); err != nil {
		if errors.Is(err, kerr.InvalidTxnState) {
			// The broker ended the transaction already: under Kafka's
			// transactions v2, that is what a fenced producer whose
			// transaction was aborted for the new instance may hear.
			return e.fencedErr("committing the transaction", err)
		}
		return e.txnErr("committing the transaction", err)
	}
	e.open = false
	st.metrics.OffsetCommit(true, time.Since(began))
	st.metrics.RecordsWritten(e.produced)
	e.store.ApplyProduced(offsetRecords)
	st.log.Debug("committed a transaction", "records", e.produced, "partitions", len(e.entries))

	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), st.w.opts.flushTimeout)
	defer cancel()
	st.offsets.committed(cctx, e.entries, st.log)
	for _, s := range e.settled {
		var md *source.RecordMetadata
		if s.written {
			md = s.inf.metadata(&s.inf.kr)
		}
		st.commitRecord(s.inf.r, md)
	}
	e.reset()
	if c, ok := st.task.(source.Committer); ok {
		if err := safeCall(func() error { return c.Commit(cctx) }); err != nil {
			st.log.Warn("task Commit failed", "err", err)
		}
	}
	return nil
}

// reset forgets the ended transaction.
func (e *eosTask) reset() {
	e.produced = 0
	clear(e.settled)
	e.settled = e.settled[:0]
	clear(e.offsetIdx)
	clear(e.entries)
	e.entries = e.entries[:0]
	e.sendErr.Store(nil)
	e.lastCommit = time.Now()
}

// abort aborts the open transaction at the task's request: its records
// are discarded, while their offsets stay to be committed (Kafka Connect's
// semantics, so that the task does not see the records again).
func (e *eosTask) abort(ctx context.Context) error {
	if !e.open {
		e.st.log.Warn("ignoring the task's request to abort the transaction: it is empty")
		return nil
	}
	e.aborting.Store(true)
	defer e.aborting.Store(false)
	if err := e.st.producer.AbortBufferedRecords(ctx); err != nil {
		return e.txnErr("aborting the transaction's buffered records", err)
	}
	if err := e.st.producer.EndTransaction(ctx, kgo.TryAbort); err != nil {
		return e.txnErr("aborting the transaction", err)
	}
	e.open = false
	e.produced = 0
	e.sendErr.Store(nil)
	for i := range e.settled {
		e.settled[i].written = false // discarded: the task's CommitRecord gets no metadata
	}
	return nil
}

// abandon aborts the open transaction, if any, of a failing or stopping
// task, so that read_committed consumers need not wait for the transaction
// timeout. A fenced producer (cause wraps ErrFenced) leaves it alone: its transaction was aborted by the
// fencing, and the producer must not touch the transactional id again.
func (e *eosTask) abandon(cause error) {
	if !e.open || errors.Is(cause, ErrFenced) {
		e.open = false
		return
	}
	e.open = false
	ctx, cancel := context.WithTimeout(context.Background(), e.st.w.opts.flushTimeout)
	defer cancel()
	e.aborting.Store(true)
	defer e.aborting.Store(false)
	err := e.st.producer.AbortBufferedRecords(ctx)
	if err == nil {
		err = e.st.producer.EndTransaction(ctx, kgo.TryAbort)
	}
	if err != nil {
		e.st.log.Error("aborting the failed task's transaction failed; the broker aborts it when the task restarts or the transaction times out",
			"transactional_id", e.txnID, "err", err)
	}
}

// finish ends a stopping task's last transaction: committed with the poll
// and interval boundaries (as Kafka Connect's final offset commit), and
// with the connector boundary only if the task asked for a commit, else
// aborted.
func (e *eosTask) finish() {
	var err error
	if e.tc == nil {
		err = e.commit(e.st.produceCtx)
	} else {
		switch act, _, terr := e.tc.batchAction(); {
		case terr != nil:
			err = terr
		case act == txnCommit:
			err = e.commit(e.st.produceCtx)
		case act == txnAbort:
			if err = e.abort(e.st.produceCtx); err == nil {
				err = e.commit(e.st.produceCtx)
			}
		default:
			if e.open {
				e.st.log.Info("stopping with a transaction the task did not commit: aborting it")
			}
		}
	}
	if err != nil {
		e.st.log.Error("committing the final transaction failed; its records will be polled again", "err", err)
	}
	e.abandon(err)
}

// batchBoundary ends the transaction after a batch if the boundary says so.
func (e *eosTask) batchBoundary() error {
	ctx := e.st.produceCtx
	switch e.txn.boundary {
	case boundaryInterval:
		if time.Since(e.lastCommit) < e.txn.interval {
			return nil
		}
		e.lastCommit = time.Now()
		return e.commit(ctx)
	case boundaryConnector:
		act, stale, err := e.tc.batchAction()
		if err != nil {
			return err
		}
		if stale > 0 {
			e.st.log.Warn("ignoring TransactionContext.CommitAfter/AbortAfter requests for records that are not in the batch Poll returned "+
				"(pass the address of an element of the returned slice, once the slice is final)", "requests", stale)
		}
		return e.act(ctx, act)
	default:
		return e.commit(ctx)
	}
}

// recordBoundary ends the transaction after r if the task asked for it.
func (e *eosTask) recordBoundary(r *connect.Record) error {
	act, err := e.tc.recordAction(r)
	if err != nil {
		return err
	}
	return e.act(e.st.produceCtx, act)
}

func (e *eosTask) act(ctx context.Context, act txnAction) error {
	switch act {
	case txnCommit:
		return e.commit(ctx)
	case txnAbort:
		if err := e.abort(ctx); err != nil {
			return err
		}
		return e.commit(ctx) // the aborted records' offsets
	}
	return nil
}

// txnErr describes a failed transactional operation, wrapping ErrFenced
// when the producer was fenced.
func (e *eosTask) txnErr(op string, err error) error {
	if errors.Is(err, kerr.ProducerFenced) || errors.Is(err, kerr.InvalidProducerEpoch) {
		return e.fencedErr(op, err)
	}
	return fmt.Errorf("exactly-once source: %s (transactional id %s): %w", op, e.txnID, err)
}

func (e *eosTask) fencedErr(op string, err error) error {
	return fmt.Errorf("%w: %s (transactional id %s): %w; another instance of task %s started since "+
		"(another worker with group id %q running connector %s), or the transaction outlived its timeout (%s) and the broker aborted it",
		ErrFenced, op, e.txnID, err, e.st.id, e.st.w.groupID(), e.st.id.Connector, e.txn.timeout)
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
