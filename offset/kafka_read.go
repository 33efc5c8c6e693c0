package offset

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// This file reads the offsets topic with plain Fetch requests sent through
// the shared client, rather than with the client's consumer, so that many
// stores (and the runtime) can share one client. kgo.ProcessFetchPartition
// decodes the batches and drops aborted transactions and control records.

const (
	fetchMaxWait       = 500 * time.Millisecond
	fetchMaxBytes      = 50 << 20
	fetchPartitionSize = 1 << 20
	maxBackoff         = time.Second
)

// backoff waits between retries: 10ms doubling to maxBackoff.
type backoff struct{ d time.Duration }

func (b *backoff) wait(ctx context.Context) error {
	b.d = min(max(2*b.d, 10*time.Millisecond), maxBackoff)
	t := time.NewTimer(b.d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retriable reports errors worth another try after a metadata refresh.
func retriable(err error) bool {
	return kerr.IsRetriable(err) || errors.Is(err, kerr.UnknownTopicOrPartition) ||
		errors.Is(err, kerr.UnknownTopicID) || errors.Is(err, kerr.InconsistentTopicID)
}

// loadMetadata refreshes the topic's ID, partition leaders and partition
// count. exists is false when the broker does not know the topic. It
// holds readMu or runs before the store is shared.
func (k *Kafka) loadMetadata(ctx context.Context) (exists bool, err error) {
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(k.topic)
	req.Topics = append(req.Topics, rt)
	req.AllowAutoTopicCreation = false
	resp, err := req.RequestWith(ctx, k.cl)
	if err != nil {
		return false, err
	}
	for _, t := range resp.Topics {
		if t.Topic == nil || *t.Topic != k.topic {
			continue
		}
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			if errors.Is(err, kerr.UnknownTopicOrPartition) {
				return false, nil
			}
			return false, err
		}
		k.topicID = t.TopicID
		clear(k.leaders)
		for _, p := range t.Partitions {
			k.leaders[p.Partition] = p.Leader
		}
		if n := int32(len(t.Partitions)); n > k.nparts.Load() {
			k.nparts.Store(n)
		}
		return true, nil
	}
	return false, nil
}

// ensureTopic creates the topic when missing and checks its cleanup policy.
func (k *Kafka) ensureTopic(ctx context.Context) error {
	exists, err := k.loadMetadata(ctx)
	if err != nil {
		return err
	}
	if !exists {
		configs := make(map[string]*string, len(k.cfg.topicConfigs)+1)
		for name, v := range k.cfg.topicConfigs {
			configs[name] = &v
		}
		compact := "compact"
		configs["cleanup.policy"] = &compact
		want := 1
		_, err := k.adm.CreateTopic(ctx, k.cfg.partitions, k.cfg.replication, configs, k.topic)
		switch {
		case err == nil:
			k.log.Info("created offsets topic", "partitions", k.cfg.partitions, "replication_factor", k.cfg.replication)
			want = int(k.cfg.partitions)
		case errors.Is(err, kerr.TopicAlreadyExists):
			// Another worker created it first.
		default:
			return fmt.Errorf("creating the topic: %w", err)
		}
		// Wait until the brokers serve it.
		var b backoff
		for {
			exists, err := k.loadMetadata(ctx)
			if err != nil && !retriable(err) {
				return err
			}
			if exists && len(k.leaders) >= want && k.allLeadersKnown() {
				break
			}
			if err := b.wait(ctx); err != nil {
				return fmt.Errorf("waiting for the new topic: %w", err)
			}
		}
	}
	return k.verifyCompacted(ctx)
}

func (k *Kafka) allLeadersKnown() bool {
	for _, l := range k.leaders {
		if l < 0 {
			return false
		}
	}
	return true
}

// verifyCompacted fails unless cleanup.policy is exactly "compact", as
// Kafka Connect's TopicAdmin.verifyTopicCleanupPolicyOnlyCompact. Without
// permission to describe configs it logs and goes on, as Kafka Connect does.
func (k *Kafka) verifyCompacted(ctx context.Context) error {
	rcs, err := k.adm.DescribeTopicConfigs(ctx, k.topic)
	if err == nil && len(rcs) == 1 {
		err = rcs[0].Err
	}
	if err != nil {
		if isAuthErr(err) {
			k.log.Warn("cannot check the offsets topic's cleanup.policy; make sure it is compact", "error", err)
			return nil
		}
		return fmt.Errorf("describing the topic's configs: %w", err)
	}
	for _, rc := range rcs {
		for _, c := range rc.Configs {
			if c.Key != "cleanup.policy" {
				continue
			}
			policies := cleanupPolicies(c.MaybeValue())
			if !slices.Equal(policies, []string{"compact"}) {
				return fmt.Errorf("cleanup.policy is %q, but the offsets topic must use only %q, or Kafka deletes offsets: "+
					"set cleanup.policy=compact on the topic, or use another topic", c.MaybeValue(), "compact")
			}
			return nil
		}
	}
	k.log.Warn("the offsets topic reports no cleanup.policy; make sure it is compact")
	return nil
}

// readToEnd reads every partition up to its last stable offset as of the
// call, applying the records.
func (k *Kafka) readToEnd(ctx context.Context) error {
	k.readMu.Lock()
	defer k.readMu.Unlock()
	ends, err := k.endOffsets(ctx)
	if err != nil {
		return err
	}
	var b backoff
	for {
		byLeader := make(map[int32][]int32)
		needMeta := false
		for p, end := range ends {
			if k.pos[p] >= end {
				continue
			}
			leader, ok := k.leaders[p]
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
			prog, retry, err := k.fetchFrom(ctx, leader, parts)
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
			if _, err := k.loadMetadata(ctx); err != nil && !retriable(err) {
				return err
			}
		}
	}
}

// endOffsets lists the last stable offset of every partition, retrying
// while some partition is not yet served.
func (k *Kafka) endOffsets(ctx context.Context) (map[int32]int64, error) {
	var b backoff
	for {
		ends, err := k.tryEndOffsets(ctx)
		if err == nil {
			return ends, nil
		}
		if !retriable(err) {
			return nil, err
		}
		if werr := b.wait(ctx); werr != nil {
			return nil, fmt.Errorf("listing end offsets: %w (last error: %v)", werr, err)
		}
		if _, err := k.loadMetadata(ctx); err != nil && !retriable(err) {
			return nil, err
		}
	}
}

func (k *Kafka) tryEndOffsets(ctx context.Context) (map[int32]int64, error) {
	listed, err := k.adm.ListCommittedOffsets(ctx, k.topic)
	if err != nil {
		return nil, err
	}
	ps := listed[k.topic]
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
	if n := int32(len(ends)); n < k.nparts.Load() {
		return nil, fmt.Errorf("%d of %d partitions listed: %w", n, k.nparts.Load(), kerr.LeaderNotAvailable)
	} else if n > k.nparts.Load() {
		k.nparts.Store(n)
	}
	return ends, nil
}

// fetchFrom sends one Fetch to leader for parts and applies what comes
// back. progress says a position moved; retry that metadata may be stale.
func (k *Kafka) fetchFrom(ctx context.Context, leader int32, parts []int32) (progress, retry bool, err error) {
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = int32(fetchMaxWait / time.Millisecond)
	req.MinBytes = 1
	req.MaxBytes = fetchMaxBytes
	req.IsolationLevel = 1 // read_committed
	req.SessionID = 0
	req.SessionEpoch = -1 // no fetch session
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = k.topic
	rt.TopicID = k.topicID
	for _, p := range parts {
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition = p
		rp.FetchOffset = k.pos[p]
		rp.PartitionMaxBytes = fetchPartitionSize
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)

	kresp, err := k.cl.Broker(int(leader)).RetriableRequest(ctx, req)
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
		if t.Topic != k.topic && t.TopicID != k.topicID {
			continue
		}
		for pi := range t.Partitions {
			rp := &t.Partitions[pi]
			if !slices.Contains(parts, rp.Partition) {
				continue
			}
			start := k.pos[rp.Partition]
			fp, next := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
				Offset:         start,
				IsolationLevel: kgo.ReadCommitted(),
				Topic:          k.topic,
				Partition:      rp.Partition,
			}, rp, k.decomp, nil)
			if fp.Err != nil {
				switch {
				case errors.Is(fp.Err, kerr.OffsetOutOfRange):
					// Records before the log start were deleted
					// (DeleteRecords); go on from the start.
					if rp.LogStartOffset > start {
						k.mu.Lock()
						k.pos[rp.Partition] = rp.LogStartOffset
						k.mu.Unlock()
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
			k.mu.Lock()
			if k.closed {
				k.mu.Unlock()
				return false, false, ErrClosed
			}
			for _, r := range fp.Records {
				k.applyRecordLocked(r)
			}
			if next > start {
				k.pos[rp.Partition] = next
				progress = true
			}
			k.mu.Unlock()
		}
	}
	return progress, retry, nil
}
