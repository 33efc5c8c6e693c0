package kafkalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The Reader sends plain Fetch requests through the shared client rather
// than consuming with it, so that many readers (and the runtime) can share
// one client. kgo.ProcessFetchPartition decodes the batches and drops
// aborted transactions and control records.
const (
	fetchMaxWait       = 500 * time.Millisecond
	fetchMaxBytes      = 50 << 20
	fetchPartitionSize = 1 << 20
)

// Batch is what one fetch read from one partition: its committed records
// in offset order (records of aborted transactions and transaction markers
// left out), and Next, the offset reading goes on from, past every record
// and marker read. Records may be empty when only Next moved: past
// transaction markers or aborted records, or to the log start offset
// when the records before it were deleted.
type Batch struct {
	Partition int32
	Records   []*kgo.Record
	Next      int64
}

// Reader reads a topic to its end, as Kafka Connect's
// KafkaBasedLog.readToEnd: each ReadToEnd lists every partition's last
// stable offset and fetches, with read_committed isolation, until it has
// read up to them, handing each fetched batch to the apply function given
// to NewReader. A later ReadToEnd goes on from where the last one
// stopped. A Reader is safe for concurrent use; reads run one at a time,
// and apply is called by one read at a time, in offset order within a
// partition.
type Reader struct {
	cl     *kgo.Client
	adm    *kadm.Client
	topic  string
	apply  func(Batch) error
	decomp kgo.Decompressor

	nparts atomic.Int32 // the most partitions seen

	mu      sync.Mutex // one read at a time; guards the fields below
	pos     map[int32]int64
	leaders map[int32]int32
	topicID [16]byte
	loaded  bool // metadata was loaded once
}

// NewReader returns a Reader of topic through client, which it does not
// own. Reading starts at the offsets in from (copied), and at the log
// start of every other partition. apply receives what each fetch read;
// the Reader moves past a batch only once apply returns nil, and an error
// from apply ends the read with that error, so a store can apply a batch
// and record where it has read up to under its own lock, and stop
// reading once it is closed.
func NewReader(client *kgo.Client, topic string, from map[int32]int64, apply func(Batch) error) *Reader {
	pos := make(map[int32]int64, len(from))
	for p, o := range from {
		pos[p] = o
	}
	return &Reader{
		cl:      client,
		adm:     kadm.NewClient(client),
		topic:   topic,
		apply:   apply,
		decomp:  kgo.DefaultDecompressor(),
		pos:     pos,
		leaders: make(map[int32]int32),
	}
}

// Partitions returns the most partitions the topic was seen with; 0
// before the first ReadToEnd. A successful ReadToEnd has seen at least
// one.
func (r *Reader) Partitions() int32 { return r.nparts.Load() }

// ReadToEnd reads every partition up to its last stable offset as of the
// call, handing what it reads to apply. So it reads every record
// committed before it was called, except records behind a transaction
// still open or whose markers are not yet written, which are read once it
// ends. It retries what Kafka says is worth retrying (a topic not yet
// served, a leader moving) until ctx ends, and then returns ctx's error;
// other errors, and apply's, end it at once. A topic that does not exist
// is waited for.
func (r *Reader) ReadToEnd(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.loaded {
		if err := r.loadMetadata(ctx); err != nil && !retriable(err) {
			return err
		}
	}
	ends, err := r.endOffsets(ctx)
	if err != nil {
		return err
	}
	var b backoff
	for {
		byLeader := make(map[int32][]int32)
		needMeta := false
		for p, end := range ends {
			if r.pos[p] >= end {
				continue
			}
			leader, ok := r.leaders[p]
			if !ok || leader < 0 {
				needMeta = true
				continue
			}
			byLeader[leader] = append(byLeader[leader], p)
		}
		if len(byLeader) == 0 && !needMeta {
			return nil
		}
		progress := false
		for leader, parts := range byLeader {
			prog, retry, err := r.fetchFrom(ctx, leader, parts)
			if err != nil {
				return err
			}
			progress = progress || prog
			needMeta = needMeta || retry
		}
		if progress && !needMeta {
			b = backoff{}
			continue
		}
		if err := b.wait(ctx); err != nil {
			return err
		}
		if needMeta || !progress {
			if err := r.loadMetadata(ctx); err != nil && !retriable(err) {
				return err
			}
		}
	}
}

// loadMetadata refreshes the topic's ID, partition leaders and partition
// count, keeping what it knew when the broker does not know the topic.
// It holds mu.
func (r *Reader) loadMetadata(ctx context.Context) error {
	t, err := topicMetadata(ctx, r.cl, r.topic)
	if err != nil || t == nil {
		return err
	}
	r.loaded = true
	r.topicID = t.TopicID
	clear(r.leaders)
	for _, p := range t.Partitions {
		r.leaders[p.Partition] = p.Leader
	}
	if n := int32(len(t.Partitions)); n > r.nparts.Load() {
		r.nparts.Store(n)
	}
	return nil
}

// endOffsets lists the last stable offset of every partition, retrying
// while some partition is not yet served.
func (r *Reader) endOffsets(ctx context.Context) (map[int32]int64, error) {
	var b backoff
	for {
		ends, err := r.tryEndOffsets(ctx)
		if err == nil {
			return ends, nil
		}
		if !retriable(err) {
			return nil, err
		}
		if werr := b.wait(ctx); werr != nil {
			return nil, fmt.Errorf("listing end offsets: %w (last error: %v)", werr, err)
		}
		if err := r.loadMetadata(ctx); err != nil && !retriable(err) {
			return nil, err
		}
	}
}

func (r *Reader) tryEndOffsets(ctx context.Context) (map[int32]int64, error) {
	listed, err := r.adm.ListCommittedOffsets(ctx, r.topic)
	if err != nil {
		return nil, err
	}
	ps := listed[r.topic]
	if len(ps) == 0 {
		return nil, kerr.UnknownTopicOrPartition
	}
	ends := make(map[int32]int64, len(ps))
	for p, lo := range ps {
		if lo.Err != nil {
			return nil, fmt.Errorf("partition %d: %w", p, lo.Err)
		}
		ends[p] = lo.Offset
	}
	if n := int32(len(ends)); n < r.nparts.Load() {
		return nil, fmt.Errorf("%d of %d partitions listed: %w", n, r.nparts.Load(), kerr.LeaderNotAvailable)
	} else if n > r.nparts.Load() {
		r.nparts.Store(n)
	}
	return ends, nil
}

// fetchFrom sends one Fetch to leader for parts and applies what comes
// back. progress says a position moved; retry that metadata may be stale.
func (r *Reader) fetchFrom(ctx context.Context, leader int32, parts []int32) (progress, retry bool, err error) {
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = int32(fetchMaxWait / time.Millisecond)
	req.MinBytes = 1
	req.MaxBytes = fetchMaxBytes
	req.IsolationLevel = 1 // read_committed
	req.SessionID = 0
	req.SessionEpoch = -1 // no fetch session
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = r.topic
	rt.TopicID = r.topicID
	for _, p := range parts {
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition = p
		rp.FetchOffset = r.pos[p]
		rp.PartitionMaxBytes = fetchPartitionSize
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)

	kresp, err := r.cl.Broker(int(leader)).RetriableRequest(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return false, false, ctx.Err()
		}
		return false, true, nil // broker gone or moved; refresh metadata
	}
	resp := kresp.(*kmsg.FetchResponse)
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		if retriable(err) {
			return false, true, nil
		}
		return false, false, fmt.Errorf("fetch from broker %d: %w", leader, err)
	}
	for ti := range resp.Topics {
		t := &resp.Topics[ti]
		if t.Topic != r.topic && t.TopicID != r.topicID {
			continue
		}
		for pi := range t.Partitions {
			rp := &t.Partitions[pi]
			if !slices.Contains(parts, rp.Partition) {
				continue
			}
			start := r.pos[rp.Partition]
			fp, next := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
				Offset:         start,
				IsolationLevel: kgo.ReadCommitted(),
				Topic:          r.topic,
				Partition:      rp.Partition,
			}, rp, r.decomp, nil)
			if fp.Err != nil {
				switch {
				case errors.Is(fp.Err, kerr.OffsetOutOfRange):
					// Records before the log start were deleted
					// (DeleteRecords, or retention on a topic that
					// also deletes); go on from the start.
					logStart := rp.LogStartOffset
					if logStart < 0 { // Kafka answers the error without it
						var err error
						if logStart, err = r.logStartOffset(ctx, rp.Partition); err != nil {
							if ctx.Err() != nil {
								return false, false, ctx.Err()
							}
							if !retriable(err) {
								return false, false, fmt.Errorf("partition %d: offset %d is out of range, and listing its log start offset failed: %w", rp.Partition, start, err)
							}
						}
					}
					if logStart > start {
						if err := r.advance(Batch{Partition: rp.Partition, Next: logStart}); err != nil {
							return false, false, err
						}
						progress = true
					} else {
						retry = true
					}
				case retriable(fp.Err):
					retry = true
				default:
					return false, false, fmt.Errorf("partition %d at offset %d: %w", rp.Partition, start, fp.Err)
				}
				continue
			}
			if next <= start && len(fp.Records) == 0 {
				continue
			}
			if err := r.advance(Batch{Partition: rp.Partition, Records: fp.Records, Next: max(next, start)}); err != nil {
				return false, false, err
			}
			if next > start {
				progress = true
			}
		}
	}
	return progress, retry, nil
}

// logStartOffset lists partition's log start offset.
func (r *Reader) logStartOffset(ctx context.Context, partition int32) (int64, error) {
	listed, err := r.adm.ListStartOffsets(ctx, r.topic)
	if err != nil {
		return -1, err
	}
	lo, ok := listed.Lookup(r.topic, partition)
	if !ok {
		return -1, kerr.UnknownTopicOrPartition
	}
	return lo.Offset, lo.Err
}

// advance hands b to apply and, once it took it, moves past it.
func (r *Reader) advance(b Batch) error {
	if err := r.apply(b); err != nil {
		return err
	}
	r.pos[b.Partition] = b.Next
	return nil
}
