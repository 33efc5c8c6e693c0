package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// sinkTask moves records from Kafka to a sink task: consume in the group
// connect-<connector>, convert, transform, Put, and commit consumer offsets
// only as far as the task says its writes are durable.
//
// Every sink.Task method is called with taskMu held, from the task loop or
// from the consumer's rebalance callbacks, which franz-go runs only while
// the loop is blocked in PollRecords (BlockRebalanceOnPoll), so the task never
// sees concurrent calls.
type sinkTask struct {
	active topicNoter // the active topics (activetopics.go)
	w      *engine
	id     TaskID
	conn   *connectorRun
	task   sink.Task
	config map[string]string
	log    *slog.Logger
	// tr is the task's entry in its connector, which says whether it was
	// abandoned: then it commits nothing, and the consumer's callbacks
	// leave the task alone (it may be stuck holding taskMu).
	tr            *taskRun
	closeConsumer func() // once: when the task stops or is abandoned

	// The task's converters and chain: its goroutine closes them when it
	// returns (startTask).
	*taskPlugins
	errs *errorPolicy

	consumer *kgo.Client
	taskMu   sync.Mutex
	metrics  TaskMetrics

	// Guarded by taskMu.
	assigned map[sink.TopicPartition]bool
	current  map[sink.TopicPartition]int64 // next offset after the last record Put
	// committed is Kafka Connect's lastCommittedOffsets: per assigned
	// partition, the offset last committed, or else where consuming it
	// started, so that a failed flush always has a position to rewind to
	// (rewindLocked).
	committed     map[sink.TopicPartition]int64
	paused        map[sink.TopicPartition]bool // paused by the task
	resets        map[sink.TopicPartition]int64
	backoff       time.Duration
	commitRequest bool
	nextCommit    time.Time
	failure       error

	// parallelism bounds the goroutines that convert a fetched batch
	// (convertAll; BatchGoroutines).
	parallelism int
	// deliver's scratch space, reused batch after batch and cleared after
	// each, so it keeps no record alive. (Not the batch given to Put: that
	// is the task's own, as in Kafka Connect, and it may keep it.)
	kept    []*kgo.Record
	results []converted
	// borrowed is the batch given to Put, reused only for a task that
	// says it borrows it (sink.BatchBorrower). Its records keep the last
	// batch's values alive until the next batch overwrites them, which
	// bounds what it holds to one batch.
	borrowed []connect.Record

	// lastBatch is the batch last handed to Put, kept (only with a
	// dead-letter queue) so that records the task reports go to it in
	// their consumed form (errantRaw, dlq.go).
	lastBatch atomic.Pointer[[]*kgo.Record]
}

// newSinkTask builds a sink task with its own converters and chain, which
// its caller closes (taskPlugins.close) once the task has run; when it
// fails, it closes them itself.
func (w *engine) newSinkTask(id TaskID, c *connectorRun, conn sink.Connector, taskConfig map[string]string, log *slog.Logger) (*sinkTask, error) {
	plugins, err := w.newTaskPlugins(c.cfg, c.resolved)
	if err != nil {
		return nil, err
	}
	tm := w.opts.metrics.Task(id, "sink")
	return &sinkTask{
		w: w, id: id, conn: c, task: conn.NewTask(), config: taskConfig, log: log,
		taskPlugins: plugins,
		errs:        newErrorPolicy(c.cfg, log, tm),
		metrics:     tm,
		assigned:    map[sink.TopicPartition]bool{},
		parallelism: batchParallelism(w.opts.batchGoroutines),
		current:     map[sink.TopicPartition]int64{},
		committed:   map[sink.TopicPartition]int64{},
		paused:      map[sink.TopicPartition]bool{},
		resets:      map[sink.TopicPartition]int64{},
		backoff:     time.Second,
	}, nil
}

// GroupID returns the consumer group of a sink connector, as Kafka Connect
// names it.
func GroupID(connector string) string { return "connect-" + connector }

func (st *sinkTask) consumerOpts() []kgo.Opt {
	opts := []kgo.Opt{
		kgo.ClientID(fmt.Sprintf("connector-consumer-%s", st.id)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	}
	// consumer.override.* may change the defaults above, not what the
	// runtime depends on below.
	opts = append(opts, st.conn.clients.consumer...)
	opts = append(opts,
		kgo.ConsumerGroup(GroupID(st.id.Connector)),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.Balancers(kgo.CooperativeStickyBalancer()),
		kgo.OnPartitionsAssigned(st.onAssigned),
		kgo.OnPartitionsRevoked(st.onRevoked),
		kgo.OnPartitionsLost(st.onLost),
	)
	if re := st.conn.topicsRegex; re != nil {
		// Anchored at both ends: Kafka matches the whole topic name
		// (Matcher.matches), franz-go any part of it.
		opts = append(opts, kgo.ConsumeRegex(), kgo.ConsumeTopics(re.String()))
	} else {
		opts = append(opts, kgo.ConsumeTopics(st.conn.cfg.List(TopicsConfig)...))
	}
	return st.w.clientOptsWith(st.conn.clients.consumerSec, opts...)
}

func toTPs(m map[string][]int32) []sink.TopicPartition {
	var out []sink.TopicPartition
	for topic, ps := range m {
		for _, p := range ps {
			out = append(out, sink.TopicPartition{Topic: topic, Partition: p})
		}
	}
	slices.SortFunc(out, func(a, b sink.TopicPartition) int {
		if a.Topic != b.Topic {
			if a.Topic < b.Topic {
				return -1
			}
			return 1
		}
		return int(a.Partition - b.Partition)
	})
	return out
}

func (st *sinkTask) onAssigned(ctx context.Context, _ *kgo.Client, m map[string][]int32) {
	if st.tr.isAbandoned() {
		return
	}
	tps := toTPs(m)
	st.taskMu.Lock()
	defer st.taskMu.Unlock()
	for _, tp := range tps {
		st.assigned[tp] = true
	}
	if ph, ok := st.task.(sink.PartitionHandler); ok {
		if err := safeCall(func() error { return ph.Open(ctx, tps) }); err != nil && st.failure == nil {
			st.failure = fmt.Errorf("opening partitions %v: %w", tps, err)
		}
	}
	st.log.Info("partitions assigned", "partitions", fmt.Sprint(tps))
}

// onRevoked commits what the task has made durable for the revoked
// partitions, then closes them in the task.
func (st *sinkTask) onRevoked(ctx context.Context, _ *kgo.Client, m map[string][]int32) {
	if !st.tr.isAbandoned() {
		st.revoke(ctx, toTPs(m), true)
	}
}

// onLost closes partitions that were lost without a chance to commit.
func (st *sinkTask) onLost(ctx context.Context, _ *kgo.Client, m map[string][]int32) {
	if !st.tr.isAbandoned() {
		st.revoke(ctx, toTPs(m), false)
	}
}

func (st *sinkTask) revoke(ctx context.Context, all []sink.TopicPartition, commit bool) {
	st.taskMu.Lock()
	defer st.taskMu.Unlock()
	var tps []sink.TopicPartition // those not closed yet
	for _, tp := range all {
		if st.assigned[tp] {
			tps = append(tps, tp)
		}
	}
	if len(tps) == 0 {
		return
	}
	if commit {
		st.commitLocked(ctx, tps)
	}
	if ph, ok := st.task.(sink.PartitionHandler); ok {
		if err := safeCall(func() error { return ph.Close(ctx, tps) }); err != nil {
			st.log.Error("closing partitions", "partitions", fmt.Sprint(tps), "err", err)
		}
	}
	for _, tp := range tps {
		delete(st.assigned, tp)
		delete(st.current, tp)
		delete(st.committed, tp)
		delete(st.paused, tp)
	}
}

// sinkTaskContext is what a sink task sees of the runtime. Its methods are
// called from within Task methods, when taskMu is already held, so they take
// no lock of their own on the fields they touch... except through the
// consumer, which is safe for concurrent use.
type sinkTaskContext struct{ st *sinkTask }

func (tc sinkTaskContext) Config() map[string]string { return maps.Clone(tc.st.config) }
func (tc sinkTaskContext) Assignment() []sink.TopicPartition {
	return slices.Collect(maps.Keys(tc.st.assigned))
}
func (tc sinkTaskContext) Pause(tps ...sink.TopicPartition) {
	for _, tp := range tps {
		tc.st.paused[tp] = true
	}
	tc.st.consumer.PauseFetchPartitions(fromTPs(tps))
}
func (tc sinkTaskContext) Resume(tps ...sink.TopicPartition) {
	for _, tp := range tps {
		delete(tc.st.paused, tp)
	}
	tc.st.consumer.ResumeFetchPartitions(fromTPs(tps))
}
func (tc sinkTaskContext) ResetOffsets(offsets map[sink.TopicPartition]int64) {
	maps.Copy(tc.st.resets, offsets)
}
func (tc sinkTaskContext) SetRetryBackoff(d time.Duration) { tc.st.backoff = d }
func (tc sinkTaskContext) RequestCommit()                  { tc.st.commitRequest = true }
func (tc sinkTaskContext) Reporter() sink.ErrantRecordReporter {
	return errantReporter{tc.st}
}

// Logger is the task's own: the worker's logger with connector and task.
// st.log is set before the task starts and never changes, so any
// goroutine may read it.
func (tc sinkTaskContext) Logger() *slog.Logger { return tc.st.log }

// errantReporter applies the connector's errors.* settings to records the
// task reports.
type errantReporter struct{ st *sinkTask }

func (r errantReporter) Report(ctx context.Context, rec connect.Record, cause error) error {
	return r.st.errs.reported(ctx, stagePut, &rec, r.st.errantRaw(&rec), cause)
}

func fromTPs(tps []sink.TopicPartition) map[string][]int32 {
	m := map[string][]int32{}
	for _, tp := range tps {
		m[tp.Topic] = append(m[tp.Topic], tp.Partition)
	}
	return m
}

func (st *sinkTask) run(ctx context.Context, t *taskRun) error {
	// Dead-letter queue (dlq.go): set up before the task starts, closed
	// after the final commit.
	if err := st.errs.openDeadLetters(ctx, st.w, st.id, st.conn, false); err != nil {
		return fmt.Errorf("starting task: %w", err)
	}
	defer st.errs.closeDeadLetters()
	st.taskMu.Lock()
	err := safeCall(func() error { return st.task.Start(ctx, maps.Clone(st.config), sinkTaskContext{st}) })
	st.taskMu.Unlock()
	if err != nil {
		return fmt.Errorf("starting task: %w", err)
	}
	// The consumer's context is cancelled at shutdown when leaving the
	// group did not work in time (shutdown), so that closing the consumer
	// never waits on a broker that does not answer.
	consumerCtx, abortConsumer := context.WithCancel(context.Background())
	defer abortConsumer()
	consumer, err := kgo.NewClient(append(st.consumerOpts(), kgo.WithContext(consumerCtx))...)
	if err != nil {
		return fmt.Errorf("creating consumer: %w", err)
	}
	st.consumer = consumer
	st.closeConsumer = sync.OnceFunc(consumer.CloseAllowingRebalance)
	// Abandoned, the task leaves the group, so that its partitions go to
	// the other members, or a new instance, at once; on a goroutine, with
	// the flush timeout to do it, as the brokers may not be answering.
	t.onAbandon(func() {
		giveUp := time.AfterFunc(st.w.opts.flushTimeout, abortConsumer)
		go func() {
			st.closeConsumer()
			giveUp.Stop()
		}()
	})
	t.setState(Running, "", st.w.opts.id)
	st.log.Info("sink task started", "group", GroupID(st.id.Connector))
	st.nextCommit = time.Now().Add(st.w.opts.flushInterval)

	err = st.loop(ctx)
	st.shutdown(abortConsumer)
	if err != nil {
		t.setState(Failed, err.Error(), st.w.opts.id)
	}
	return err
}

func (st *sinkTask) loop(ctx context.Context) error {
	for ctx.Err() == nil {
		st.taskMu.Lock()
		if err := st.errs.deadLetterFailure(); err != nil && st.failure == nil {
			st.failure = err // a dead-letter write failed: fail before committing past it
		}
		if st.failure != nil {
			err := st.failure
			st.taskMu.Unlock()
			return err
		}
		if st.commitRequest || !time.Now().Before(st.nextCommit) {
			st.commitLocked(ctx, nil)
			st.commitRequest = false
			st.nextCommit = time.Now().Add(st.w.opts.flushInterval)
		}
		st.applyResetsLocked()
		wait := time.Until(st.nextCommit)
		st.taskMu.Unlock()

		pctx, cancel := context.WithTimeout(ctx, max(wait, time.Millisecond))
		fetches := st.consumer.PollRecords(pctx, cmp.Or(st.conn.clients.maxPollRecords, defaultMaxPollRecords))
		cancel()
		if ctx.Err() != nil {
			st.consumer.AllowRebalance()
			return nil
		}
		var fetchErr error
		fetches.EachError(func(topic string, p int32, err error) {
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				return
			}
			st.log.Warn("fetch error", "topic", topic, "partition", p, "err", err)
			if errors.Is(err, kgo.ErrClientClosed) {
				fetchErr = err
			}
		})
		if fetchErr != nil {
			st.consumer.AllowRebalance()
			return &stageError{stage: stageConsume, err: fetchErr}
		}
		err := st.deliver(ctx, fetches.Records())
		st.consumer.AllowRebalance()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
	return nil
}

// deliver converts and transforms consumed records and Puts them, retrying
// the same batch after a retriable error.
func (st *sinkTask) deliver(ctx context.Context, recs []*kgo.Record) error {
	if len(recs) == 0 {
		return nil
	}
	st.metrics.RecordsRead(len(recs))
	st.taskMu.Lock()
	defer st.taskMu.Unlock()
	if st.errs.dlq != nil {
		st.lastBatch.Store(&recs)
	}
	// Only records of partitions still assigned (not revoked while
	// buffered) are delivered; each partition's next offset is the one after
	// its last consumed record, delivered or skipped.
	// A fetch comes partition by partition: look each one up once.
	next := map[sink.TopicPartition]int64{}
	kept := st.kept[:0]
	defer func() { clear(kept); st.kept = kept[:0] }()
	var tp sink.TopicPartition
	assigned := false
	for i, kr := range recs {
		if i == 0 || kr.Partition != tp.Partition || kr.Topic != tp.Topic {
			tp = sink.TopicPartition{Topic: kr.Topic, Partition: kr.Partition}
			assigned = st.assigned[tp]
			if _, ok := st.committed[tp]; assigned && !ok {
				// The partition's first record since it was assigned.
				// Kafka Connect seeds lastCommittedOffsets with
				// consumer.position() as partitions are assigned;
				// franz-go calls OnPartitionsAssigned before it fetches
				// the group's offsets or resolves the reset offset, so
				// the position shows first here: this record is at it,
				// or at the first offset after it that holds a record,
				// which is the same place to rewind to.
				st.committed[tp] = kr.Offset
			}
		}
		if !assigned {
			continue // revoked while buffered
		}
		if i+1 == len(recs) || recs[i+1].Partition != tp.Partition || recs[i+1].Topic != tp.Topic {
			next[tp] = kr.Offset + 1 // the partition's last record of the fetch
		}
		kept = append(kept, kr)
	}
	batch := st.batch(len(kept))
	results := reuse(&st.results, len(kept))
	defer clear(results)
	st.convertAll(kept, batch, results)
	n := 0 // batch[:n] holds the records to Put
	for i := range results {
		c := &results[i]
		if !c.panicked && st.errs.retried(c.err) {
			// As Kafka Connect retries each converter and transform,
			// within errors.retry.timeout.
			st.errs.retryAfter(ctx, c.stage, c.err, func() error {
				if *c = st.convert(kept[i], &batch[i]); c.panicked {
					return nil
				}
				return c.err
			})
		}
		if c.err != nil {
			if c.panicked {
				return &stageError{stage: c.stage, err: c.err}
			}
			if err := st.tolerate(ctx, c.stage, batch[i], kept[i], c.err); err != nil {
				return err
			}
			continue
		}
		if c.keep {
			if n != i {
				batch[n] = batch[i]
			}
			n++
		}
	}
	clear(batch[n:])
	batch = batch[:n]
	for i := range batch {
		st.active.note(st.w, st.id.Connector, batch[i].Topic)
	}
	for {
		err := safeCall(func() error { return st.task.Put(ctx, batch) })
		if err == nil {
			st.metrics.RecordsPut(len(batch))
			break
		}
		if !connect.IsRetriable(err) || errors.Is(err, connect.ErrFatal) {
			return &stageError{stage: stagePut, err: err}
		}
		st.errs.retries.Add(1)
		st.metrics.Retries(1)
		st.log.Warn("Put failed with a retriable error; delivering the batch again", "backoff", st.backoff, "err", err)
		tps := slices.Collect(maps.Keys(st.assigned))
		st.consumer.PauseFetchPartitions(fromTPs(tps))
		t := time.NewTimer(st.backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		var resume []sink.TopicPartition
		for _, tp := range tps {
			if !st.paused[tp] {
				resume = append(resume, tp)
			}
		}
		st.consumer.ResumeFetchPartitions(fromTPs(resume))
	}
	maps.Copy(st.current, next)
	return nil
}

// batch returns a batch of n records for Put: new memory, which the task
// may keep, unless the task borrows its batches (sink.BatchBorrower), which
// then share one slice. It may hold the last batch's records: convert
// overwrites each one whole.
func (st *sinkTask) batch(n int) []connect.Record {
	if b, ok := st.task.(sink.BatchBorrower); !ok || !b.BorrowsBatch() {
		st.borrowed = nil
		return make([]connect.Record, n)
	}
	return reuse(&st.borrowed, n)
}

// converted says how converting and transforming one consumed record
// (convert) went.
type converted struct {
	keep     bool // false: a transform dropped it
	err      error
	stage    stage // the stage that failed
	panicked bool  // err is a panic, which fails the task whatever the tolerance
}

// convertAll converts and transforms recs into out and results (of the
// same length), on up to st.parallelism goroutines (BatchGoroutines) when
// there are enough of them: converting (JSON decoding in particular) is
// most of a sink record's CPU time, and chains and converters are safe for
// concurrent use. The results are in the records' order, for the caller to
// apply the error policy and Put in that order.
func (st *sinkTask) convertAll(recs []*kgo.Record, out []connect.Record, results []converted) {
	inParallel(len(recs), st.parallelism, func(i int) { results[i] = st.convert(recs[i], &out[i]) })
}

// convert converts and transforms one consumed record into *r; on failure
// *r is the record as far as it got, for the error policy. It may run on
// any goroutine; a panic in a converter is caught and reported.
//
// The headers are converted first, so that the key and value converters
// get them (converted, or as consumed for a converter.HeadersToConnect),
// as Kafka Connect's get the consumed record's; a failure is still
// reported at the first stage that failed in Kafka Connect's order: key,
// value, headers.
func (st *sinkTask) convert(kr *kgo.Record, r *connect.Record) (c converted) {
	*r = connect.Record{Topic: kr.Topic, Timestamp: kr.Timestamp, TimestampType: connect.CreateTime}
	if kr.Attrs.TimestampType() == 1 {
		r.TimestampType = connect.LogAppendTime
	}
	r.SetPartition(kr.Partition)
	r.SetOrigin(connect.KafkaPosition{Topic: kr.Topic, Partition: kr.Partition, Offset: kr.Offset})
	c.stage = stageHeaderConverter // where a panic is reported
	defer func() {
		if v := recover(); v != nil {
			c.keep, c.panicked, c.err = false, true, panicError(v)
		}
	}()
	var headerErr error
	for _, h := range kr.Headers {
		s, v, err := st.headers.ToConnectHeader(kr.Topic, h.Key, h.Value)
		if err != nil {
			headerErr = fmt.Errorf("header %s: %w", h.Key, err)
			break
		}
		r.Headers = r.Headers.Add(h.Key, s, v)
	}
	c.stage = stageKeyConverter
	var err error
	if r.KeySchema, r.Key, err = st.keys.toConnect(kr.Topic, r.Headers, kr.Headers, kr.Key); err != nil {
		c.err = err
		return c
	}
	c.stage = stageValueConverter
	if r.ValueSchema, r.Value, err = st.values.toConnect(kr.Topic, r.Headers, kr.Headers, kr.Value); err != nil {
		c.err = err
		return c
	}
	c.stage = stageHeaderConverter
	if headerErr != nil {
		c.err = headerErr
		return c
	}
	c.stage = stageTransformation
	if st.chain.Len() == 0 {
		c.keep = true // no copy of the record in and out of an empty chain
		return c
	}
	out, keep, err := st.chain.Apply(*r)
	if err != nil {
		c.err = err
		return c
	}
	*r, c.keep = out, keep
	return c
}

// tolerate applies the error policy to a record that failed in stage.
func (st *sinkTask) tolerate(ctx context.Context, stg stage, r connect.Record, kr *kgo.Record, err error) error {
	return st.errs.tolerate(ctx, stg, &r, rawFromKgo(kr), err)
}

// applyResetsLocked seeks partitions the task asked to rewind or skip.
func (st *sinkTask) applyResetsLocked() {
	if len(st.resets) == 0 {
		return
	}
	set := map[string]map[int32]kgo.EpochOffset{}
	for tp, off := range st.resets {
		if set[tp.Topic] == nil {
			set[tp.Topic] = map[int32]kgo.EpochOffset{}
		}
		set[tp.Topic][tp.Partition] = kgo.EpochOffset{Epoch: -1, Offset: off}
		st.current[tp] = off
	}
	st.consumer.SetOffsets(set)
	clear(st.resets)
}

// commitLocked asks the task which offsets are durable (PreCommit, or Flush
// then everything Put) and commits them to the consumer group. With only
// non-nil, only those partitions are considered.
func (st *sinkTask) commitLocked(ctx context.Context, only []sink.TopicPartition) {
	if st.tr.isAbandoned() { // its partitions may belong to another member by now
		return
	}
	current := maps.Clone(st.current)
	if only != nil {
		current = map[sink.TopicPartition]int64{}
		for _, tp := range only {
			if off, ok := st.current[tp]; ok {
				current[tp] = off
			}
		}
	}
	if len(current) == 0 {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), st.w.opts.flushTimeout)
	defer cancel()
	// Records skipped into the dead-letter queue must be there before the
	// offsets move past them (dlq.go); a failed write fails the task.
	if err := st.errs.awaitDeadLetters(cctx); err != nil {
		var dlqErr *deadLetterError
		if errors.As(err, &dlqErr) && st.failure == nil {
			st.failure = err
		}
		st.log.Error("dead letter queue writes not acknowledged; not committing offsets", "err", err)
		return
	}
	safe := current
	var err error
	switch t := st.task.(type) {
	case sink.PreCommitter:
		err = safeCall(func() error {
			var err error
			safe, err = t.PreCommit(cctx, maps.Clone(current))
			return err
		})
	case sink.Flusher:
		err = safeCall(func() error { return t.Flush(cctx, maps.Clone(current)) })
	}
	if err != nil {
		st.log.Error("flushing before an offset commit failed; rewinding to the last committed offsets", "err", err)
		st.rewindLocked(current)
		return
	}
	commit := map[string]map[int32]kgo.EpochOffset{}
	for tp, off := range safe {
		// Accept only assigned partitions, and never past what was Put.
		if cur, ok := current[tp]; !ok || off > cur || !st.assigned[tp] {
			continue
		}
		if prev, ok := st.committed[tp]; ok && prev == off {
			continue
		}
		if commit[tp.Topic] == nil {
			commit[tp.Topic] = map[int32]kgo.EpochOffset{}
		}
		commit[tp.Topic][tp.Partition] = kgo.EpochOffset{Epoch: -1, Offset: off}
	}
	if len(commit) == 0 {
		return
	}
	var commitErr error
	began := time.Now()
	defer func() { st.metrics.OffsetCommit(commitErr == nil, time.Since(began)) }()
	st.consumer.CommitOffsetsSync(cctx, commit, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		commitErr = err
		if err == nil {
			commitErr = commitResponseErr(resp)
		}
	})
	if commitErr != nil {
		st.log.Error("committing consumer offsets failed; will retry", "err", commitErr)
		return
	}
	for topic, ps := range commit {
		for p, eo := range ps {
			st.committed[sink.TopicPartition{Topic: topic, Partition: p}] = eo.Offset
		}
	}
	st.log.Debug("committed consumer offsets", "partitions", len(commit))
}

// rewindLocked seeks back to the last committed offsets after a failed
// flush, so records the task may not have written are delivered again. A
// partition never committed since it was assigned goes back to where
// consuming it started (committed is seeded then, in deliver).
func (st *sinkTask) rewindLocked(current map[sink.TopicPartition]int64) {
	set := map[string]map[int32]kgo.EpochOffset{}
	for tp := range current {
		off, ok := st.committed[tp]
		if !ok {
			continue // nothing delivered since it was assigned, only reset
		}
		if set[tp.Topic] == nil {
			set[tp.Topic] = map[int32]kgo.EpochOffset{}
		}
		set[tp.Topic][tp.Partition] = kgo.EpochOffset{Epoch: -1, Offset: off}
		st.current[tp] = off
	}
	if len(set) > 0 {
		st.consumer.SetOffsets(set)
	}
}

// shutdown commits, closes every partition in the task, leaves the group and
// stops the task, within the shutdown timeout plus the flush timeout
// whatever the brokers do: the final commit has the flush timeout
// (commitLocked), leaving the group what is left, and the task's Stop what
// is left of both. When leaving fails, abortConsumer cancels the
// consumer's context, so that closing it waits for nothing. A member that
// could not leave is
// dropped by the group after its session timeout, and what it did not
// commit is delivered again.
func (st *sinkTask) shutdown(abortConsumer context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), st.w.opts.shutdownTimeout+st.w.opts.flushTimeout)
	defer cancel()
	if st.consumer != nil {
		st.taskMu.Lock()
		tps := slices.Collect(maps.Keys(st.assigned))
		st.taskMu.Unlock()
		st.revoke(ctx, tps, true)
		st.consumer.AllowRebalance()
		// Close alone would leave the group on the consumer's context,
		// with no deadline, and may still do so after this leave has
		// given up (franz-go runs each leave on a goroutine of its own,
		// in no set order): then aborting the consumer's context ends
		// Close's requests too. After a leave that worked, Close is left
		// its own short, bounded goodbyes (fetch sessions, metrics).
		if err := st.consumer.LeaveGroupContext(ctx); err != nil {
			st.log.Warn("leaving the consumer group failed; the group drops the task after its session timeout",
				"group", GroupID(st.id.Connector), "err", err)
			abortConsumer()
		}
		st.closeConsumer()
	}
	st.taskMu.Lock()
	defer st.taskMu.Unlock()
	if err := safeCall(func() error { return st.task.Stop(ctx) }); err != nil {
		st.log.Error("stopping task", "err", err)
	}
	st.log.Info("sink task stopped")
}

func commitResponseErr(resp *kmsg.OffsetCommitResponse) error {
	if resp == nil {
		return nil
	}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return fmt.Errorf("%s-%d: %w", t.Topic, p.Partition, err)
			}
		}
	}
	return nil
}
