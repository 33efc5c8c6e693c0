package worker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// EmbeddedBroker keeps the in-process Kafka broker that a worker without
// Brokers starts in dir (created if missing), so that a pipeline run by one
// Go program survives restarts, and crashes of the process, with nothing
// lost. A worker started again on the same dir finds the broker's topics,
// its records, its consumer groups' committed offsets and the source
// offsets as they were.
//
// Guarantees:
//
//   - The broker writes every record batch and every group offset commit to
//     dir and fsyncs it before it answers, so whatever it acknowledged
//     survives the process being killed (kill -9), and a machine crash as
//     far as the file system keeps fsynced files (new directory entries are
//     not synced).
//   - Unless OffsetStore is given, source offsets are kept in the broker
//     too, in the compacted topic "connect-offsets" (an offset.Kafka store,
//     with Kafka Connect's records). A source commits an offset only once
//     the broker has acknowledged its records, so after a crash no record
//     whose offset was committed is missing; records written after the last
//     commit are written again. Sinks resume from their group's committed
//     offsets and may see records again that they had been given after
//     their last commit. Delivery is at least once, in order per partition.
//   - One process at a time: New locks dir (the file kconnect.lock in it)
//     until Close, and fails, naming dir, while another worker, in this
//     process or another, holds it. The operating system drops the lock of
//     a process that dies, so a restart after a crash is never blocked. On
//     systems without flock (Windows) dir is not locked.
//   - The broker does not create topics on first use (a client's Metadata
//     request): it would forget such a topic after a crash. Topics are
//     created explicitly; the worker creates those its source connectors
//     write to (topic.creation.*), its dead-letter topics and the offsets
//     topic. A client of your own creates its topics with CreateTopics.
//
// ExactlyOnceSource works with it: its default offset store is an
// offset.Kafka. It is one broker, with no replication: the data is as safe
// as dir's disk. Every produce and commit costs an fsync. Combining it with Brokers
// is an error.
func EmbeddedBroker(dir string) Opt {
	return func(o *options) { o.embeddedDir, o.embeddedDirSet = dir, true }
}

// embeddedOffsetsTopic is the source offsets topic of a durable embedded
// broker, named as Kafka Connect's sample distributed worker config names
// offset.storage.topic.
const embeddedOffsetsTopic = "connect-offsets"

// embeddedLockFile is the lock file in an EmbeddedBroker directory.
const embeddedLockFile = "kconnect.lock"

// embeddedStartTimeout bounds opening the offsets topic of a durable
// embedded broker in New, which has no context: the broker is in this
// process, so this is only reached if something is badly wrong.
const embeddedStartTimeout = 30 * time.Second

// checkEmbedded rejects option combinations that lose records or make no
// sense with the embedded broker.
func checkEmbedded(o *options) error {
	if o.embeddedDirSet {
		if len(o.seeds) > 0 {
			return errors.New("worker: EmbeddedBroker and Brokers both given: the worker uses either an embedded broker or a Kafka cluster")
		}
		if o.embeddedDir == "" {
			return errors.New("worker: EmbeddedBroker: empty directory")
		}
		return nil
	}
	if len(o.seeds) > 0 {
		return nil
	}
	var durable string
	switch s := o.store.(type) {
	case *offset.File:
		durable = fmt.Sprintf("the offset file %s", s.Path())
	case *offset.Kafka:
		durable = fmt.Sprintf("the offsets topic %s", s.Topic())
	default:
		return nil
	}
	return fmt.Errorf("worker: OffsetStore keeps source offsets in %s, but without Brokers the records go to an "+
		"in-memory embedded broker: they vanish when the process exits while the offsets survive, so a restarted "+
		"source would resume past records no sink has read; use EmbeddedBroker(dir) to keep the broker's records "+
		"on disk (and its offsets with them), or Brokers(...) for a Kafka cluster", durable)
}

// startEmbedded starts the embedded broker: in memory, or kept in the
// EmbeddedBroker directory, which it then locks.
func (w *engine) startEmbedded() error {
	o := &w.opts
	if !o.embeddedDirSet {
		cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation())
		if err != nil {
			return fmt.Errorf("worker: starting the embedded Kafka broker: %w", err)
		}
		w.cluster = cluster
		return nil
	}
	dir := o.embeddedDir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("worker: EmbeddedBroker %s: %w", dir, err)
	}
	unlock, err := lockFile(filepath.Join(dir, embeddedLockFile))
	if err != nil {
		return fmt.Errorf("worker: EmbeddedBroker %s: %w", dir, err)
	}
	// No AllowAutoTopicCreation: kfake keeps a topic created by a Metadata
	// request in memory only, so after a crash its records would be orphaned.
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DataDir(dir), kfake.SyncWrites())
	if err != nil {
		_ = unlock()
		return fmt.Errorf("worker: EmbeddedBroker %s: starting the broker: %w", dir, err)
	}
	w.cluster, w.unlockDir = cluster, unlock
	return nil
}

// openEmbeddedOffsets makes the durable embedded broker's offsets topic the
// worker's offset store, unless the user gave one.
func (w *engine) openEmbeddedOffsets() error {
	if !w.opts.embeddedDirSet || w.store != nil {
		return nil
	}
	cl, err := kgo.NewClient(w.clientOpts(kgo.ClientID("kconnect-offsets-" + w.opts.id))...)
	if err != nil {
		return fmt.Errorf("worker: EmbeddedBroker %s: offsets client: %w", w.opts.embeddedDir, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), embeddedStartTimeout)
	defer cancel()
	// One partition: the topic lives on one broker, and every Get reads
	// each partition to its end.
	store, err := offset.NewKafka(ctx, cl, embeddedOffsetsTopic, offset.TopicPartitions(1), offset.WithLogger(w.opts.log))
	if err != nil {
		cl.Close()
		return fmt.Errorf("worker: EmbeddedBroker %s: %w", w.opts.embeddedDir, err)
	}
	w.store, w.offsetsClient = store, cl
	return nil
}

// closeCluster stops the embedded broker, when there is one, after the
// client of its offsets topic, and releases its directory.
func (w *engine) closeCluster() {
	if w.offsetsClient != nil {
		w.offsetsClient.Close()
	}
	if w.cluster != nil {
		w.cluster.Close() // with a directory, writes its state out first
	}
	if w.unlockDir != nil {
		if err := w.unlockDir(); err != nil {
			w.opts.log.Warn("releasing the embedded broker's directory", "dir", w.opts.embeddedDir, "err", err)
		}
	}
}

// drainPoll is how often Close looks at the sinks' progress while they
// drain an embedded broker.
const drainPoll = 10 * time.Millisecond

// stopSourcesAndDrain is the first part of closing a worker with an
// embedded broker. Its records live in this process: in memory they vanish
// with it, and on disk they wait for a restart that may never come. So the
// source connectors stop first (committing their offsets), then sinks get
// up to the task shutdown timeout to Put every record that was in their
// topics when the sources had stopped. It returns the runs still running
// (every one but the sources) and the errors of stopping the sources.
func (w *engine) stopSourcesAndDrain(runs []*connectorRun) (rest []*connectorRun, errs []error) {
	var sources []*connectorRun
	for _, c := range runs {
		if c.kind == connect.SourcePlugin {
			sources = append(sources, c)
		} else {
			rest = append(rest, c)
		}
	}
	if len(rest) == 0 {
		return runs, nil // no sink to wait for: stop everything together
	}
	errs = w.stopAll(sources)

	ctx, cancel := context.WithTimeout(context.Background(), w.opts.shutdownTimeout)
	defer cancel()
	for _, c := range rest {
		if err := w.drainSink(ctx, c); err != nil {
			c.log.Warn("the sink did not catch up with the embedded broker before stopping", "err", err)
		}
	}
	return rest, errs
}

// drainSink waits until the running tasks of sink connector c have Put
// every record in its topics as of now, or ctx ends.
func (w *engine) drainSink(ctx context.Context, c *connectorRun) error {
	if c.kind != connect.SinkPlugin || len(c.sinkTasks()) == 0 {
		return nil
	}
	adm := kadm.NewClient(w.admin)
	// A Metadata request of its own, not kadm's ListTopics, which may answer
	// from the client's cache: a source's check that its topic exists,
	// made before creating it, may have left "unknown topic" there.
	req := kmsg.NewPtrMetadataRequest()
	if c.topicsRegex == nil {
		for _, topic := range c.cfg.List(TopicsConfig) {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(topic)
			req.Topics = append(req.Topics, rt)
		}
	}
	resp, err := req.RequestWith(ctx, w.admin)
	if err != nil {
		return err
	}
	ids := map[string][16]byte{}
	for _, d := range resp.Topics {
		if d.Topic != nil && d.ErrorCode == 0 && (c.topicsRegex == nil || c.topicsRegex.MatchString(*d.Topic)) {
			ids[*d.Topic] = d.TopicID
		}
	}
	if len(ids) == 0 {
		return nil
	}
	topics := slices.Collect(maps.Keys(ids))
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return err
	}
	starts, err := adm.ListStartOffsets(ctx, topics...)
	if err != nil {
		return err
	}
	// pending: each non-empty partition's end offset, until reached.
	pending := map[sink.TopicPartition]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		s, ok := starts.Lookup(o.Topic, o.Partition)
		if o.Err == nil && ok && s.Err == nil && o.Offset > s.Offset {
			pending[sink.TopicPartition{Topic: o.Topic, Partition: o.Partition}] = o.Offset
		}
	})
	// last: each partition's position at the previous look. Only a
	// partition whose sink made no progress since is checked for markers,
	// so a sink that is reading costs no extra fetches.
	last := map[sink.TopicPartition]int64{}
	tick := time.NewTicker(drainPoll)
	defer tick.Stop()
	for {
		tasks := c.sinkTasks()
		if len(tasks) == 0 {
			return nil // its tasks failed or ended: nothing reads on
		}
		committed, _ := adm.FetchOffsets(ctx, GroupID(c.name))
		positions := map[sink.TopicPartition]int64{}
		for _, st := range tasks {
			for tp, off := range st.putPositions() {
				positions[tp] = max(positions[tp], off)
			}
		}
		for tp, end := range pending {
			pos, known := positions[tp]
			if o, ok := committed.Lookup(tp.Topic, tp.Partition); ok && o.Err == nil && o.At >= 0 && (!known || o.At > pos) {
				pos, known = o.At, true
			}
			if !known {
				continue
			}
			prev, seen := last[tp]
			last[tp] = pos
			if pos >= end || (seen && prev == pos && w.onlyMarkersBetween(ctx, tp, ids[tp.Topic], pos, end)) {
				delete(pending, tp)
			}
		}
		if len(pending) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d partitions not read to their end, such as %v", len(pending), slices.Collect(maps.Keys(pending))[0])
		case <-tick.C:
		}
	}
}

// onlyMarkersBetween reports whether the records of tp from from to end
// are all transaction markers, which a consumer never returns: a sink
// that read everything before them has read the partition to its end.
func (w *engine) onlyMarkersBetween(ctx context.Context, tp sink.TopicPartition, id [16]byte, from, end int64) bool {
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = 0
	req.MaxBytes = 64 << 10 // the broker returns the first batch whatever its size
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic, rt.TopicID = tp.Topic, id // the name up to version 12, the id from 13
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = tp.Partition, from, req.MaxBytes
	rp.CurrentLeaderEpoch, rp.LogStartOffset = -1, -1
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	// The embedded broker is the only one, node 0.
	resp, err := w.admin.Broker(0).Request(ctx, req)
	if err != nil {
		return false
	}
	fr := resp.(*kmsg.FetchResponse)
	if len(fr.Topics) != 1 || len(fr.Topics[0].Partitions) != 1 || fr.Topics[0].Partitions[0].ErrorCode != 0 {
		return false
	}
	raw := fr.Topics[0].Partitions[0].RecordBatches
	next := from
	for len(raw) > 0 && next < end {
		var b kmsg.RecordBatch
		if err := b.ReadFrom(raw); err != nil {
			return false
		}
		last := b.FirstOffset + int64(b.LastOffsetDelta)
		if last >= from && b.Attributes&0x20 == 0 { // 0x20: a control batch
			return false
		}
		next = last + 1
		n := 12 + int(b.Length) // the batch's offset and length, then the rest
		if n > len(raw) {
			return false
		}
		raw = raw[n:]
	}
	return next >= end
}

// sinkTasks returns c's sink tasks that are starting or running, not
// those that failed or ended.
func (c *connectorRun) sinkTasks() []*sinkTask {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*sinkTask
	for _, t := range c.tasks {
		select {
		case <-t.done:
			continue
		default:
		}
		if t.sink != nil && t.getState().State != Failed {
			out = append(out, t.sink)
		}
	}
	return out
}

// putPositions returns the offset after the last record Put of each
// partition the task has Put records of, or nothing while a task method
// (a Put, say) holds its lock: the caller asks again later rather than
// wait on a slow sink.
func (st *sinkTask) putPositions() map[sink.TopicPartition]int64 {
	if !st.taskMu.TryLock() {
		return nil
	}
	defer st.taskMu.Unlock()
	return maps.Clone(st.current)
}
