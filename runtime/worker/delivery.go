package worker

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/source"
	"github.com/twmb/franz-go/pkg/kgo"
)

// delivery is how a source task's records reach Kafka and its offsets are
// committed. sourceTask.run is the one loop of both deliveries: poll,
// transform and convert in parallel (prepare), register the batch for
// offset tracking, then in poll order apply the error policy and send
// each record (dispatch), and commit as the delivery does. The delivery
// decides what the loop cannot: how a record is sent and settled, where
// transactions end, and how offsets are committed.
//
// Its methods are called on the task's goroutine, in this order: start
// once; then per batch newInflights, then per record in poll order refuse,
// skip or send, and endRecord, then endBatch; commitLoop runs beside the poll loop, on its
// own goroutine, until the poll loop ends; finish once at the end.
type delivery interface {
	// producerOpts returns the task producer's options, given the common
	// ones.
	producerOpts(common []kgo.Opt) []kgo.Opt
	// start runs once the producer exists (st.producer), before the task
	// starts; an error fails the task.
	start(ctx context.Context) error
	// describe returns attributes for the task's "started" log line.
	describe() []any
	// newInflights sets the inflight of each of a poll batch's records
	// (prep[i].inf), the runtime state prepare fills in.
	newInflights(prep []prepared)
	// refuse returns the error that fails the task for a record the
	// transforms kept but that the delivery cannot write, before its
	// conversion is looked at; nil for the others.
	refuse(p *prepared) error
	// skip settles a record that is not written: dropped by a transform
	// or tolerated by the error policy.
	skip(inf *inflight)
	// send writes a converted record. An error fails the task.
	send(ctx context.Context, inf *inflight) error
	// endRecord and endBatch end a transaction where its boundary says,
	// after r, a record Poll returned, or after a batch. An error fails
	// the task.
	endRecord(ctx context.Context, r *connect.Record) error
	endBatch(ctx context.Context) error
	// commitLoop commits offsets as the delivery does between batches,
	// until ctx ends.
	commitLoop(ctx context.Context)
	// finish ends delivery once the poll loop has returned, with err, the
	// task's failure so far (nil when it is stopping; ctx, the task's, is
	// done then): it waits for the records in flight until producing is
	// cancelled (the shutdown timeout after stopping began), makes the
	// final commit and returns the task's error. It may close the
	// producer with closeProducer, which the caller calls after it anyway.
	finish(ctx context.Context, err error, closeProducer func()) error
}

// atLeastOnce delivers with the task's idempotent producer: records are
// produced as they come, tracked from poll to acknowledgement (submitted),
// and the offsets of every record acknowledged are committed through the
// connector's offsets (sourceOffsets) every OffsetFlushInterval and at the
// end, each commit bounded by OffsetFlushTimeout. The runtime state of
// records (inflights) is allocated in arrays of up to inflightBatchMax
// consecutive records of a poll batch, each reused once every record in it
// is settled, so that the path allocates nothing per record.
type atLeastOnce struct {
	st *sourceTask
	// ack is the one produce callback of every record (see inflight).
	ack      func(*kgo.Record, error)
	batches  sync.Pool  // *inflightBatch
	commitMu sync.Mutex // one offset commit at a time
}

// inflightBatch holds the inflights of consecutive records of a poll batch
// in one array, handed out and taken back whole: a pool operation per
// array instead of per record, and the records next to each other in
// memory.
type inflightBatch struct {
	infs []inflight
	// pending counts the records handed out and not yet released; the
	// release that ends it returns the batch to the pool. A record given
	// up (never written) is never released, so its batch is left to the
	// garbage collector.
	pending atomic.Int32
}

// inflightBatchMax bounds an inflightBatch: a record in flight keeps its
// whole array from reuse (one waiting for a partition whose leader is
// away, say), so a larger one would hold more memory per such record, for
// no measurable saving.
const inflightBatchMax = 64

// inflightBatchSize is the length of the inflightBatch for n records, at
// most inflightBatchMax: the power of two at or above n, so that an array
// serves the next polls however their sizes vary a little, and holds at
// most twice the inflights its records need, whatever the polls before
// returned.
func inflightBatchSize(n int) int {
	size := 1
	for size < n {
		size *= 2
	}
	return size
}

func newAtLeastOnce(st *sourceTask) *atLeastOnce {
	d := &atLeastOnce{st: st}
	d.ack = d.onAck
	return d
}

func (d *atLeastOnce) producerOpts(common []kgo.Opt) []kgo.Opt { return common }
func (d *atLeastOnce) start(context.Context) error             { return nil }
func (d *atLeastOnce) describe() []any                         { return nil }
func (d *atLeastOnce) refuse(*prepared) error                  { return nil }

func (d *atLeastOnce) endRecord(context.Context, *connect.Record) error { return nil }
func (d *atLeastOnce) endBatch(context.Context) error                   { return nil }

// newInflights gives a poll batch's records pooled inflights, from an
// inflightBatch per inflightBatchMax records. Pooling them saves the
// largest allocation of a record's way through the runtime.
func (d *atLeastOnce) newInflights(prep []prepared) {
	for lo := 0; lo < len(prep); lo += inflightBatchMax {
		run := prep[lo:min(lo+inflightBatchMax, len(prep))]
		b := d.inflightBatch(len(run))
		for i := range run {
			run[i].inf = &b.infs[i]
		}
	}
}

// inflightBatch returns a pooled inflightBatch for n records, at most
// inflightBatchMax.
func (d *atLeastOnce) inflightBatch(n int) *inflightBatch {
	size := inflightBatchSize(n)
	b, _ := d.batches.Get().(*inflightBatch)
	if b == nil || len(b.infs) != size { // one of another size is left to the collector
		b = &inflightBatch{infs: make([]inflight, size)}
		for i := range b.infs {
			b.infs[i].Context, b.infs[i].batch = d.st.produceCtx, b
		}
	}
	b.pending.Store(int32(n))
	return b
}

// releaseInflight returns a settled record's buffer and inflight to their
// pools (its batch goes back with the last of its records); the offset
// tracking keeps no reference to inf. Its Context is never written again:
// franz-go may still read a record's context after the promise (a
// goroutine waiting for a new topic's metadata does), and it stays the
// task's produce context, pooled or not.
//
// The polled record and anything not inf's own are let go of, but the
// header values in inf.hdrs are left for the next record's convert to
// write over: clearing them here touched that array a second time, long
// after convert, out of the CPU's caches, on every record. A pooled
// inflight thus keeps at most one record's converted header values
// alive, as it keeps its key and value buffer (own), and sync.Pool lets
// a batch no poll takes again go at the collector's next cycles.
func (d *atLeastOnce) releaseInflight(inf *inflight) {
	d.st.releaseBuf(inf)
	if cap(inf.own) > maxPooledBuf {
		inf.own = nil
	}
	if cap(inf.hdrs) > maxPooledHeaders {
		inf.hdrs = nil
	}
	// Field by field, not kr = kgo.Record{}: a whole-struct clear takes
	// the collector's bulk write barrier over every pointer of it.
	kr := &inf.kr
	kr.Key, kr.Value, kr.Headers = nil, nil, nil
	kr.Attrs, kr.ProducerEpoch, kr.ProducerID, kr.LeaderEpoch, kr.Offset = kgo.RecordAttrs{}, 0, 0, 0, 0
	inf.sub, inf.r, inf.md = submission{}, nil, source.RecordMetadata{}
	if b := inf.batch; b.pending.Add(-1) == 0 {
		d.batches.Put(b)
	}
}

func (d *atLeastOnce) skip(inf *inflight) {
	d.settle(inf, nil)
	d.releaseInflight(inf)
}

func (d *atLeastOnce) send(_ context.Context, inf *inflight) error {
	inf.kr.Context = inf
	d.st.producer.Produce(inf, &inf.kr, d.ack)
	return nil
}

// settle marks a record done and tells the task, with the Kafka metadata
// when it was written.
func (d *atLeastOnce) settle(inf *inflight, kr *kgo.Record) {
	st := d.st
	st.sub.settle(&inf.sub)
	if kr != nil {
		st.metrics.RecordsWritten(1)
		st.active.note(st.w, st.id.Connector, kr.Topic)
	}
	if st.recordCommitter == nil {
		return
	}
	var md *source.RecordMetadata
	if kr != nil {
		md = inf.metadata(kr)
	}
	st.commitRecord(inf.r, md)
}

// onAck is the produce callback of every record.
func (d *atLeastOnce) onAck(kr *kgo.Record, err error) {
	st := d.st
	inf := kr.Context.(*inflight)
	defer d.releaseInflight(inf)
	if err == nil {
		d.settle(inf, kr)
		return
	}
	if st.produceCtx.Err() != nil {
		// Stopping: the record was never written, so its offset and every
		// later one of its partition stay uncommitted.
		st.sub.abandon(&inf.sub)
		return
	}
	// The client's errors (TOPIC_AUTHORIZATION_FAILED, UNKNOWN_TOPIC_OR_PARTITION)
	// do not say which topic.
	err = fmt.Errorf("writing to topic %s: %w", kr.Topic, err)
	if terr := st.errs.tolerate(st.produceCtx, stageProduce, inf.r, nil, err); terr != nil {
		st.sub.abandon(&inf.sub)
		if st.produceCtx.Err() == nil { // else: stopping while writing to the dead-letter queue
			st.fail(terr)
		}
		return
	}
	d.settle(inf, nil)
}

// commitLoop commits offsets every flush interval until ctx is done.
func (d *atLeastOnce) commitLoop(ctx context.Context) {
	t := time.NewTicker(d.st.w.opts.flushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.commit(ctx)
		}
	}
}

// commit writes the offsets that are committable now to the connector's
// offsets, within the flush timeout, then tells the task. A failed write
// is retried at the next commit.
func (d *atLeastOnce) commit(ctx context.Context) bool {
	st := d.st
	d.commitMu.Lock()
	defer d.commitMu.Unlock()
	if st.tr.isAbandoned() { // a newer instance may have committed later offsets
		return false
	}
	offs := st.sub.committable()
	if len(offs) == 0 && st.offsetUpdater == nil {
		return true
	}
	entries := make([]offset.Entry, len(offs))
	for i, po := range offs {
		entries[i] = offset.Entry{Partition: po.partition, Offset: po.offset}
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), st.w.opts.flushTimeout)
	defer cancel()
	// Called on idle commits too, as KIP-910 has it:
	// the task may have progress to record that no record carries.
	if entries = st.updateOffsets(cctx, entries); len(entries) == 0 {
		return true
	}
	began := time.Now()
	err := st.offsets.put(cctx, entries, st.log)
	st.metrics.OffsetCommit(err == nil, time.Since(began))
	st.metrics.ActiveRecords(st.sub.active())
	if err != nil {
		st.sub.restore(offs)
		// A write not acknowledged within the flush timeout fails too (as
		// Kafka Connect's "Timed out waiting to flush offsets"): the
		// offsets are kept and the next commit writes them or later ones.
		st.log.Error("committing source offsets failed; will retry", "partitions", len(entries),
			"timeout", st.w.opts.flushTimeout, "err", err)
		return false
	}
	st.log.Debug("committed source offsets", "partitions", len(entries))
	st.taskCommit(cctx)
	return true
}

// finish waits for in-flight records until producing is cancelled (the
// shutdown timeout after stopping began), closes the producer and commits
// the final offsets within the flush timeout. Records not acknowledged by
// then are given up: they hold back their partitions' offsets, so those
// stay at the last record written before them and the records are polled
// again on restart.
func (d *atLeastOnce) finish(_ context.Context, err error, closeProducer func()) error {
	st := d.st
	select {
	case <-st.sub.waitDrained():
	case <-st.produceCtx.Done():
		st.log.Warn("in-flight records not acknowledged before the shutdown timeout; their offsets are not committed",
			"records", st.sub.active(), "timeout", st.w.opts.shutdownTimeout)
	}
	st.cancelProduce()
	// Closing fails the records the producer still holds and, on brokers
	// that do not answer, can take a while of its own (kgo waits up to a
	// second for a last client-metrics push), so it runs beside the
	// commit, which counts only records acknowledged. The task's Stop
	// waits for it: no CommitRecord runs after Stop has begun.
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		closeProducer()
	}()
	d.commit(context.Background())
	<-closed
	return err
}
