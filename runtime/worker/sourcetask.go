package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/source"
	"github.com/twmb/franz-go/pkg/kgo"
)

// sourceTask moves records from a source task to Kafka: poll, transform,
// convert, produce, and commit each partition's offset once every record
// before it is in Kafka.
type sourceTask struct {
	active topicNoter // the active topics (activetopics.go)
	w      *engine
	id     TaskID
	conn   *connectorRun
	task   source.Task
	config map[string]string
	log    *slog.Logger
	// tr is the task's entry in its connector, which says whether it was
	// abandoned: then it commits nothing.
	tr *taskRun

	// The task's converters and chain: its goroutine closes them when it
	// returns (startTask).
	*taskPlugins
	errs *errorPolicy

	// delivery is how records reach Kafka and offsets are committed
	// (delivery.go).
	delivery delivery
	producer *kgo.Client
	sub      *submitted
	metrics  TaskMetrics
	// recordCommitter is the task's RecordCommitter, if it has one.
	recordCommitter source.RecordCommitter
	// offsetUpdater is the task's OffsetUpdater, if it has one.
	offsetUpdater source.OffsetUpdater
	topics        topicCreator
	// offsets is where the task reads and commits offsets: its
	// connector's (sourceOffsets), which the task does not close.
	offsets *sourceOffsets

	// failure holds the first error from a producer callback, which fails
	// the task; failCtx is cancelled with it.
	failure atomic.Pointer[error]
	failNow context.CancelFunc
	// produceCtx outlives polling: records in flight when the task stops
	// still get written and their offsets committed, until it is
	// cancelled the shutdown timeout after stopping began (run).
	produceCtx    context.Context
	cancelProduce context.CancelFunc
	// silenceProducer cancels the producer client's own context: closing
	// it then waits for no broker.
	silenceProducer context.CancelFunc
	// stopBy is when a stopping task must be done, the shutdown and flush
	// timeouts after stopping began; set before the delivery's finish.
	stopBy time.Time

	bufs sync.Pool // *[]byte, key and value of one record

	// parallelism bounds the goroutines that transform and convert a poll
	// batch (sendBatch; BatchGoroutines); prep is sendBatch's scratch space,
	// reused per poll.
	parallelism int
	prep        []prepared
}

// newSourceTask builds a source task with its own converters and chain,
// which its caller closes (taskPlugins.close) once the task has run; when
// it fails, it closes them itself.
func (w *engine) newSourceTask(id TaskID, c *connectorRun, conn source.Connector, taskConfig map[string]string, log *slog.Logger) (*sourceTask, error) {
	plugins, err := w.newTaskPlugins(c.cfg, c.resolved)
	if err != nil {
		return nil, err
	}
	tm := w.opts.metrics.Task(id, "source")
	st := &sourceTask{
		w: w, id: id, conn: c, task: conn.NewTask(), config: taskConfig, log: log,
		taskPlugins: plugins,
		errs:        newErrorPolicy(c.cfg, log, tm),
		metrics:     tm,
		sub:         newSubmitted(),
		offsets:     c.offsetReader(),

		parallelism: batchParallelism(w.opts.batchGoroutines),
	}
	groups := c.topicGroups
	if groups == nil && w.cluster != nil {
		groups = embeddedTopicGroups()
	}
	st.topics = topicCreator{client: w.admin, groups: groups, log: log, known: map[string]*string{}}
	if st.delivery, err = w.newDelivery(st); err != nil {
		closeTaskMetrics(tm)
		return nil, errors.Join(err, plugins.close())
	}
	return st, nil
}

// taskContext is what a source task sees of the runtime.
type sourceTaskContext struct{ st *sourceTask }

func (tc sourceTaskContext) Config() map[string]string    { return maps.Clone(tc.st.config) }
func (tc sourceTaskContext) Offsets() source.OffsetReader { return tc.st.offsets }
func (tc sourceTaskContext) Transaction() source.TransactionContext {
	if d, ok := tc.st.delivery.(*transactional); ok && d.tc != nil {
		return d.tc
	}
	return nil
}

// Logger is the task's own: the worker's logger with connector and task.
func (tc sourceTaskContext) Logger() *slog.Logger { return tc.st.log }

// producerMaxBufferedRecords bounds the records a task's producer holds
// unacknowledged (franz-go's default is 50,000): when it is full, sending
// waits and the task is not polled. Each record in flight keeps its polled
// connect.Record (a Struct, headers, offset) and runtime state alive, a
// few KB, so the bound is the task's memory when polling outruns Kafka, as
// at start-up while the first produce requests are answered. The worker's
// KafkaOpts may set another.
const producerMaxBufferedRecords = 10000

// producerOpts are the task producer's options: the worker's, kconnect's
// defaults, then the worker's producer.* and the connector's
// producer.override.* settings.
func (st *sourceTask) producerOpts() []kgo.Opt {
	opts := st.w.clientOptsWith(st.conn.clients.producerSec,
		kgo.ClientID(fmt.Sprintf("connector-producer-%s", st.id)),
		kgo.RecordPartitioner(newRecordPartitioner()),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(5*time.Millisecond),
		kgo.RecordDeliveryTimeout(0), // retry until the context ends, as Kafka Connect's producer does
		// After a NOT_LEADER or similar error the client refreshes metadata;
		// franz-go's 5s default minimum age would stall the partition that
		// long (Java's producer retries after 100ms).
		kgo.MetadataMinAge(250*time.Millisecond),
		// Java's producer default (allow.auto.create.topics): a topic the
		// runtime does not create (topiccreation.go) is the broker's to
		// create, if its auto.create.topics.enable allows.
		kgo.AllowAutoTopicCreation(),
	)
	// Before the worker's KafkaOpts, which may set another bound.
	opts = append([]kgo.Opt{kgo.MaxBufferedRecords(producerMaxBufferedRecords)}, opts...)
	return append(opts, st.conn.clients.producer...)
}

// run runs the task until ctx is cancelled or it fails: one loop for
// both deliveries (delivery.go). It builds the producer, lets the delivery
// start (fencing, for the transactional one), starts the task, polls,
// transforms, converts and sends each batch (pollLoop), commits as the
// delivery does, and when stopping gives the records in flight the
// shutdown timeout, finishes the delivery (its final commit), closes the
// producer and stops the task.
func (st *sourceTask) run(ctx context.Context, t *taskRun) (err error) {
	d := st.delivery
	st.recordCommitter, _ = st.task.(source.RecordCommitter)
	st.offsetUpdater, _ = st.task.(source.OffsetUpdater)
	// The producer's own context is cancelled only when the brokers are
	// known not to answer (silenceProducer), so that closing it then does
	// not wait a second for its last client-metrics push.
	producerCtx, silence := context.WithCancel(context.Background())
	defer silence()
	st.silenceProducer = silence
	producer, err := kgo.NewClient(append(d.producerOpts(st.producerOpts()), kgo.WithContext(producerCtx))...)
	if err != nil {
		return fmt.Errorf("creating producer: %w", err)
	}
	st.producer = producer
	closeProducer := sync.OnceFunc(producer.Close)
	defer closeProducer()
	st.produceCtx, st.cancelProduce = context.WithCancel(context.Background())
	defer st.cancelProduce()
	cancelProduce := st.cancelProduce
	t.onAbandon(func() { cancelProduce(); closeProducer() }) // records in flight are given up, not settled
	if len(st.topics.groups) > 0 {
		admin, closeAdmin, err := st.w.connectorAdmin(st.conn, "connector-adminclient-"+st.id.String())
		if err != nil {
			return fmt.Errorf("creating the admin client for topic creation: %w", err)
		}
		defer closeAdmin()
		st.topics.client = admin
	}
	if err := d.start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped before starting
		}
		return err
	}
	// Dead-letter queue (dlq.go): writes are synchronous, so a record that
	// went to it is settled, and its offset committable, only once acked.
	if err := st.errs.openDeadLetters(ctx, st.w, st.id, st.conn, true); err != nil {
		return fmt.Errorf("starting task: %w", err)
	}
	defer st.errs.closeDeadLetters()

	pollCtx, failNow := context.WithCancel(ctx)
	st.failNow = failNow
	defer failNow()
	// A stopping (or failing) task has the shutdown timeout to get its
	// records written; then producing is cancelled. That ends a Produce
	// blocked on a full buffer while the brokers do not answer, which
	// would otherwise hold the poll loop, and with it the stop, for as
	// long as they stay silent.
	stopping := make(chan time.Time, 1)
	stopWatch := context.AfterFunc(pollCtx, func() {
		stopping <- time.Now()
		timer := time.NewTimer(st.w.opts.shutdownTimeout)
		defer timer.Stop()
		select {
		case <-timer.C:
			st.cancelProduce()
		case <-st.produceCtx.Done():
		}
	})
	defer stopWatch()

	if err := safeCall(func() error { return st.task.Start(ctx, maps.Clone(st.config), sourceTaskContext{st}) }); err != nil {
		return fmt.Errorf("starting task: %w", err)
	}
	t.setState(Running, "", st.w.opts.id)
	st.log.Info("source task started", d.describe()...)

	commitDone := make(chan struct{})
	go func() {
		defer close(commitDone)
		d.commitLoop(pollCtx)
	}()

	err = st.pollLoop(pollCtx)
	failNow()
	<-commitDone
	if err == nil {
		if p := st.failure.Load(); p != nil {
			err = *p
		}
	}
	began := <-stopping
	st.stopBy = began.Add(st.w.opts.shutdownTimeout + st.w.opts.flushTimeout)
	err = d.finish(ctx, err, closeProducer)
	closeProducer() // before Stop: no CommitRecord runs after Stop has begun
	st.stop()
	if err != nil {
		t.setState(Failed, err.Error(), st.w.opts.id)
		return err
	}
	return nil
}

// stop stops the task, with what is left of the shutdown and flush
// timeouts (stopBy).
func (st *sourceTask) stop() {
	ctx, cancel := context.WithDeadline(context.Background(), st.stopBy)
	defer cancel()
	if err := safeCall(func() error { return st.task.Stop(ctx) }); err != nil {
		st.log.Error("stopping task", "err", err)
	}
	st.log.Info("source task stopped")
}

func (st *sourceTask) fail(err error) {
	if st.failure.CompareAndSwap(nil, &err) {
		st.failNow()
	}
}

// pollLoop polls until ctx is done, and sends each batch (sendBatch).
func (st *sourceTask) pollLoop(ctx context.Context) error {
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
		if err := st.sendBatch(ctx, records); err != nil {
			return err
		}
		if err := st.delivery.endBatch(ctx); err != nil {
			return err
		}
	}
	return nil
}

// inflight is one record on its way to Kafka, allocated with the records
// next to it in its poll batch (newInflights): the Kafka record, its place in the offset
// tracking, the buffer holding its key and value, and the record the task
// polled. It is the Kafka record's
// Context (embedding the produce context), so the one shared callback finds
// it again.
type inflight struct {
	context.Context
	kr  kgo.Record
	sub submission
	// buf is the key and value's buffer: own, for a pooled inflight (one
	// with a batch, which keeps its buffer from record to record), or one
	// from the task's buffer pool (transactional delivery).
	buf *[]byte
	own []byte
	// hdrs is a pooled inflight's own array for its Kafka headers, kept
	// from record to record as own is.
	hdrs []kgo.RecordHeader
	r    *connect.Record
	// md is given to the task's CommitRecord, which may not keep it.
	md source.RecordMetadata
	// batch is the pooled array inf belongs to (at least once), nil for
	// one not pooled.
	batch *inflightBatch
}

// metadata returns where kr, inf's record, was written, for CommitRecord:
// in inf, which the task may not keep.
func (inf *inflight) metadata(kr *kgo.Record) *source.RecordMetadata {
	inf.md = source.RecordMetadata{Topic: kr.Topic, Partition: kr.Partition, Offset: kr.Offset, Timestamp: kr.Timestamp}
	return &inf.md
}

// prepared is one polled record transformed and converted (prepare), kept
// until it is submitted in poll order.
type prepared struct {
	inf      *inflight
	keep     bool   // false: a transform dropped it
	topic    string // the topic the transforms chose, once they kept it
	err      error  // the failure of stage
	stage    stage
	panicked bool // err is a panic, which fails the task whatever the tolerance
}

// sendBatch transforms, converts and sends a poll batch. Transforming and
// converting (most of a record's CPU time) run on up to st.parallelism
// goroutines (BatchGoroutines), which the contracts allow: chains and
// converters are safe for concurrent use. Then, on the task's goroutine
// and in poll order, the batch is registered for offset tracking, and each
// record's failure is handled by the error policy and it is sent
// (dispatch), so Kafka receives a partition's records in the order the
// task returned them and offsets are committed as without the parallel
// step. A failure when stopping is not the task's: what was sent is
// committed at the end as usual.
func (st *sourceTask) sendBatch(ctx context.Context, records []connect.Record) error {
	d := st.delivery
	prep := st.scratch(len(records))
	defer clear(prep) // keep no polled record alive until the next poll
	now := time.Now() // one clock read per batch, not per record (see convert)
	d.newInflights(prep)
	inParallelRanges(len(records), st.parallelism, func(lo, hi int) { st.prepareAll(prep[lo:hi], records[lo:hi], now) })
	st.sub.addEach(len(prep), func(i int) (*submission, connect.SourcePartition, *connect.Offset) {
		inf := prep[i].inf
		return &inf.sub, inf.r.SourcePartition, &inf.r.SourceOffset
	})
	for i := range prep {
		st.retryPrepare(ctx, prep[i:i+1], records[i:i+1], now)
		err := st.dispatch(ctx, &prep[i])
		if err == nil {
			// The record's inflight may be settled and reused by now: the
			// delivery gets the polled record's own address.
			if err = d.endRecord(ctx, &records[i]); err == nil {
				continue
			}
		} else if ctx.Err() != nil {
			err = nil
		}
		for j := range prep[i+1:] { // never sent: their offsets stay uncommitted
			st.giveUp(prep[i+1+j].inf)
		}
		return err
	}
	return nil
}

// scratch returns the reused space for preparing a poll batch of n records;
// the caller clears it when done with the batch.
func (st *sourceTask) scratch(n int) []prepared { return reuse(&st.prep, n) }

// prepareAll transforms and converts each polled record into its inflight
// (prep[i].inf, newInflights), with its result in prep[i]; polled is when
// their poll returned. It may run on any goroutine; a panic in a transform
// or converter is caught and reported in that record's result, as it
// would be on the task's goroutine, and the records after it are prepared
// still.
func (st *sourceTask) prepareAll(prep []prepared, records []connect.Record, polled time.Time) {
	hc := st.newHeaderCache()
	for i := 0; i < len(prep); {
		i = st.prepareFrom(prep, records, i, polled, hc)
	}
}

// prepareFrom prepares records from i on until one panics, and returns the
// index after the last record prepared. Recovering once per run of
// records, not once per record, keeps a deferred call off the per-record
// path.
func (st *sourceTask) prepareFrom(prep []prepared, records []connect.Record, i int, polled time.Time, hc *headerCache) (next int) {
	defer func() {
		if v := recover(); v != nil {
			p := &prep[i]
			p.keep, p.panicked, p.err = false, true, panicError(v)
			next = i + 1
		}
	}()
	for ; i < len(prep); i++ {
		inf := prep[i].inf
		inf.r = &records[i]
		st.prepare(&prep[i], inf, polled, hc)
	}
	return i
}

// retryPrepare prepares again, within errors.retry.timeout, a record
// (prep[0] for records[0]) whose transforms or converters failed with a
// retriable error: a schema registry that is briefly down, say. Records
// are retried one at a time, in poll order, on the task's goroutine.
func (st *sourceTask) retryPrepare(ctx context.Context, prep []prepared, records []connect.Record, polled time.Time) {
	p := &prep[0]
	if p.panicked || !st.errs.retried(p.err) {
		return
	}
	st.errs.retryAfter(ctx, p.stage, p.err, func() error {
		st.prepareFrom(prep, records, 0, polled, nil)
		if p.panicked {
			return nil // not retried: dispatch fails the task
		}
		return p.err
	})
}

// prepare transforms and converts inf's polled record into inf, and sets
// p to the result. A panic is the caller's to recover (prepareFrom). hc,
// if not nil, is the calling goroutine's header cache.
func (st *sourceTask) prepare(p *prepared, inf *inflight, polled time.Time, hc *headerCache) {
	*p = prepared{inf: inf, stage: stageTransformation}
	rec := inf.r // an empty chain would only copy the record in and out
	if st.chain.Len() > 0 {
		out, keep, err := st.chain.Apply(*rec)
		if err != nil || !keep {
			p.err = err
			return
		}
		rec = &out
	}
	p.topic = rec.Topic
	if stg, err := st.convert(rec, inf, polled, hc); err != nil {
		p.stage, p.err = stg, err
		return
	}
	p.keep = true
}

// dispatch applies the error policy to a failed record and sends the
// rest; each is registered for offset tracking already. Called on the
// task's goroutine, in poll order. The checks run in the order of Kafka
// Connect's: the transforms' failure (or drop), the delivery's check of
// the transformed record (refuse), the conversion's failure, then the
// record's topic, which may be created.
func (st *sourceTask) dispatch(ctx context.Context, p *prepared) error {
	inf := p.inf
	switch {
	case p.panicked:
		st.giveUp(inf)
		return &stageError{stage: p.stage, err: p.err}
	case p.err != nil && p.stage == stageTransformation, p.err == nil && !p.keep:
		return st.skip(ctx, p)
	}
	if err := st.delivery.refuse(p); err != nil {
		st.giveUp(inf)
		return err
	}
	if p.err != nil { // a converter failed
		return st.skip(ctx, p)
	}
	if err := st.topics.ensure(ctx, p.topic); err != nil {
		st.giveUp(inf)
		return err
	}
	if err := st.delivery.send(ctx, inf); err != nil {
		st.giveUp(inf)
		return err
	}
	return nil
}

// skip settles a record that is not written: dropped by a transform, or
// failed and tolerated by the error policy. A failure the policy does not
// tolerate is returned.
func (st *sourceTask) skip(ctx context.Context, p *prepared) error {
	if p.err != nil {
		if err := st.errs.tolerate(ctx, p.stage, p.inf.r, nil, p.err); err != nil {
			st.giveUp(p.inf)
			return err
		}
	}
	st.delivery.skip(p.inf)
	return nil
}

// giveUp abandons a record that will never be written (the task is
// failing or stopping): no offset of its partition from it on is
// committed.
func (st *sourceTask) giveUp(inf *inflight) {
	st.sub.abandon(&inf.sub)
	st.releaseBuf(inf)
}

// taskCommit tells the task that its offsets were committed
// (source.Committer).
func (st *sourceTask) taskCommit(ctx context.Context) {
	if c, ok := st.task.(source.Committer); ok {
		if err := safeCall(func() error { return c.Commit(ctx) }); err != nil {
			st.log.Warn("task Commit failed", "err", err)
		}
	}
}

// updateOffsets returns entries, the offsets about to be committed, with
// the offsets the task's OffsetUpdater adds to them appended: those of
// partitions not among entries, as KIP-910 takes them. A
// failure or panic of UpdateOffsets is logged, not the task's, and adds
// nothing, so that the commit of the task's own offsets goes on.
func (st *sourceTask) updateOffsets(ctx context.Context, entries []offset.Entry) []offset.Entry {
	if st.offsetUpdater == nil {
		return entries
	}
	committing := make([]source.OffsetChange, len(entries))
	for i, e := range entries {
		committing[i] = source.OffsetChange{Partition: e.Partition, Offset: e.Offset}
	}
	var added []source.OffsetChange
	err := safeCall(func() (err error) {
		added, err = st.offsetUpdater.UpdateOffsets(ctx, committing)
		return err
	})
	if err != nil {
		st.log.Warn("task UpdateOffsets failed; committing its records' offsets alone", "partitions", len(entries), "err", err)
		return entries
	}
	if len(added) == 0 {
		return entries
	}
	// Partitions are compared by value, as the offsets topic keys them.
	seen := make(map[string]bool, len(entries)+len(added))
	for _, e := range entries {
		seen[string(e.Partition.AppendJSON(nil))] = true
	}
	for _, c := range added {
		if c.Partition.IsZero() || c.Offset.IsZero() {
			continue
		}
		key := string(c.Partition.AppendJSON(nil))
		if seen[key] {
			continue
		}
		seen[key] = true
		entries = append(entries, offset.Entry{Partition: c.Partition, Offset: c.Offset})
	}
	return entries
}

// commitRecord calls the task's CommitRecord, a failure or panic of which
// is logged, not the task's. It recovers by itself rather than through
// safeCall: it runs once per record, and a closure and an indirect call
// per record cost more than the call they wrap.
func (st *sourceTask) commitRecord(r *connect.Record, md *source.RecordMetadata) {
	var err error
	defer func() {
		if v := recover(); v != nil {
			err = panicError(v)
		}
		if err != nil {
			st.log.Warn("CommitRecord failed", "err", err, "position", r.Position().String())
		}
	}()
	err = st.recordCommitter.CommitRecord(r, md)
}

// convert turns a transformed record into inf's Kafka record, with key and
// value in one buffer (inf's own, or a pooled one), and returns the stage
// that failed, if any. As in Kafka Connect, the headers are converted
// first, then the key and the value, whose converters may add Kafka
// headers to the record (converter.HeadersFromConnect). A record without a
// timestamp gets polled, the time
// its poll returned, where Kafka Connect's producer would read the clock
// as it takes the record: the same moment to the millisecond unless the
// producer's buffer is full, for one clock read per poll instead of one per
// record (franz-go's), which shows in profiles on virtual machines whose
// clock is slow to read. Header values equal to the previous record's
// are taken from hc, when not nil, instead of converted again.
func (st *sourceTask) convert(r *connect.Record, inf *inflight, polled time.Time, hc *headerCache) (stage, error) {
	kr := &inf.kr
	kr.Headers = nil
	if n := r.Headers.Len(); n > 0 {
		if inf.batch != nil && cap(inf.hdrs) >= n {
			kr.Headers = inf.hdrs[:0]
		} else {
			kr.Headers = make([]kgo.RecordHeader, 0, n)
		}
		from := 0
		if hc != nil {
			shared := hc.shared(r.Headers)
			kr.Headers = append(kr.Headers, shared...)
			from = len(shared)
		}
		for i := from; i < n; i++ {
			h := r.Headers.At(i)
			hv, ok := []byte(nil), false
			if hc != nil {
				hv, ok = hc.lookup(i, h)
			}
			if !ok {
				var err error
				if hc != nil {
					hv, err = hc.convert(st.headers, r.Topic, h)
				} else {
					hv, err = st.headers.FromConnectHeader(nil, r.Topic, h.Key, h.Schema, h.Value)
				}
				if err != nil {
					st.releaseBuf(inf)
					return stageHeaderConverter, fmt.Errorf("header %s: %w", h.Key, err)
				}
			}
			kr.Headers = append(kr.Headers, kgo.RecordHeader{Key: h.Key, Value: hv})
		}
		if hc != nil {
			hc.store(r.Headers, kr.Headers, from)
		}
	}
	switch {
	case inf.buf != nil:
	case inf.batch != nil:
		inf.buf = &inf.own
	default:
		inf.buf = st.getBuf()
	}
	buf := inf.buf
	b := (*buf)[:0]
	key, err := st.keys.fromConnect(b, r.Topic, r.Headers, &kr.Headers, r.KeySchema, r.Key)
	if err != nil {
		st.releaseBuf(inf)
		return stageKeyConverter, err
	}
	vdst := b // a null key leaves the buffer to the value
	if key != nil {
		vdst = key[len(key):] // the value follows the key in the same array
	}
	value, err := st.values.fromConnect(vdst, r.Topic, r.Headers, &kr.Headers, r.ValueSchema, r.Value)
	if err != nil {
		st.releaseBuf(inf)
		return stageValueConverter, err
	}
	if key != nil {
		key = key[:len(key):len(key)]
	}
	if inf.batch != nil && cap(kr.Headers) > cap(inf.hdrs) {
		inf.hdrs = kr.Headers[:0] // keep the larger array next time
	}
	switch {
	case value != nil && cap(value) > cap(b):
		*buf = value[:0] // grew: keep the larger array next time
	case key != nil && cap(key) > cap(b):
		*buf = key[:0]
	}
	kr.Topic, kr.Key, kr.Value, kr.Partition = r.Topic, key, value, noPartition
	if p, ok := r.Partition(); ok {
		kr.Partition = p
	}
	kr.Timestamp = r.Timestamp
	if kr.Timestamp.IsZero() {
		kr.Timestamp = polled
	}
	return "", nil
}

// releaseBuf gives up inf's buffer: a pooled one goes back to the pool, an
// inflight's own stays with it.
func (st *sourceTask) releaseBuf(inf *inflight) {
	if inf.buf != nil && inf.buf != &inf.own {
		st.putBuf(inf.buf)
	}
	inf.buf = nil
}

// maxPooledBuf bounds the buffers kept for reuse.
const maxPooledBuf = 1 << 20

// maxPooledHeaders bounds the header arrays kept for reuse (inflight.hdrs).
const maxPooledHeaders = 64

func (st *sourceTask) getBuf() *[]byte {
	if b, ok := st.bufs.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 0, 512)
	return &b
}

func (st *sourceTask) putBuf(b *[]byte) {
	if cap(*b) <= maxPooledBuf {
		st.bufs.Put(b)
	}
}
