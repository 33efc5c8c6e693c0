package worker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// EmbeddedBroker describes a Kafka broker that runs in the worker's own
// process: New starts it and Close stops it. Package
// github.com/kconnect-go/kconnect/runtime/embedded provides one,
// in memory or kept in a directory (embedded.Broker), which is what most
// programs use; this package does not link it, so that a program that
// only uses Brokers carries no broker of its own.
//
// The worker treats the records of an embedded broker as living and dying
// with the process: Close stops the source connectors first and gives the
// sinks up to the task shutdown timeout to Put what is in their topics, and
// a source connector without topic.creation keys has its missing topics
// created with the broker's defaults, as a broker that creates topics on
// first use would (the broker itself need not, and a durable one should
// not).
type EmbeddedBroker struct {
	// Name names the broker in errors and logs, as the option that made
	// it is written, such as embedded.Broker().
	Name string

	// Start starts the broker. It returns the broker's addresses and the
	// function that stops it and releases what it holds, which Close calls
	// once, after closing every client of the worker. New calls Start once,
	// and returns its error.
	Start func() (seeds []string, stop func() error, err error)

	// Durable says that the broker keeps what it acknowledged (topics,
	// records, consumer group offsets) across restarts and crashes of the
	// process. New refuses an OffsetStore that keeps source offsets
	// (offset.File, offset.Kafka) with a broker that is not durable: its
	// records would vanish while the offsets survive, so a restarted source
	// would resume past records no sink has read.
	Durable bool

	// OffsetsTopic, if not empty, is the compacted topic on the broker
	// where the worker keeps source offsets unless OffsetStore is given: an
	// offset.Kafka with one partition, created if missing. Offsets kept
	// beside the records survive exactly when the records do, and
	// ExactlyOnceSource, which needs offset.Kafka, works with the broker.
	OffsetsTopic string
}

// Embedded makes the worker start b, in its own process, and use it as its
// Kafka cluster, instead of connecting to Brokers; giving both, or two
// embedded brokers, is an error. Most programs get this option from
// embedded.Broker (package runtime/embedded).
func Embedded(b EmbeddedBroker) Opt {
	return func(o *options) { o.embedded = append(o.embedded, b) }
}

// embeddedStartTimeout bounds opening the offsets topic of an embedded
// broker in New, which has no context: the broker is in this process, so
// this is only reached if something is badly wrong.
const embeddedStartTimeout = 30 * time.Second

// embeddedRun is a started embedded broker.
type embeddedRun struct {
	broker        EmbeddedBroker
	stop          func() error
	offsetsClient *kgo.Client // the client of the offset store on OffsetsTopic
}

// checkCluster rejects option combinations with no cluster, two, or one
// that would lose records.
func checkCluster(o *options) error {
	switch {
	case len(o.embedded) == 0 && len(o.seeds) == 0:
		return errors.New("worker: no Kafka cluster: give Brokers(...) to connect to one, or embedded.Broker() " +
			"(package github.com/kconnect-go/kconnect/runtime/embedded) to start one in this process")
	case len(o.embedded) == 0:
		return nil
	case len(o.seeds) > 0:
		return fmt.Errorf("worker: %s and Brokers both given: the worker uses either an embedded broker or a Kafka cluster", o.embedded[0].Name)
	case len(o.embedded) > 1:
		return fmt.Errorf("worker: two embedded brokers given, %s and %s: the worker uses one", o.embedded[0].Name, o.embedded[1].Name)
	}
	b := o.embedded[0]
	if b.Start == nil {
		return fmt.Errorf("worker: embedded broker %s has no Start", b.Name)
	}
	if b.Durable {
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
	return fmt.Errorf("worker: OffsetStore keeps source offsets in %s, but the records go to %s, which keeps them "+
		"in memory: they vanish when the process exits while the offsets survive, so a restarted source would "+
		"resume past records no sink has read; use embedded.Broker(embedded.Dir(dir)) to keep the broker's records "+
		"on disk (and its offsets with them), or Brokers(...) for a Kafka cluster", durable, b.Name)
}

// startEmbedded starts the embedded broker the options name and returns
// its addresses.
func (w *engine) startEmbedded() ([]string, error) {
	b := w.opts.embedded[0]
	seeds, stop, err := b.Start()
	if err != nil {
		return nil, fmt.Errorf("worker: starting %s: %w", b.Name, err)
	}
	if stop == nil {
		stop = func() error { return nil }
	}
	w.cluster = &embeddedRun{broker: b, stop: stop}
	return seeds, nil
}

// openEmbeddedOffsets makes the embedded broker's offsets topic the
// worker's offset store, when it has one and the user gave no store.
func (w *engine) openEmbeddedOffsets() error {
	if w.cluster == nil || w.cluster.broker.OffsetsTopic == "" || w.store != nil {
		return nil
	}
	b := w.cluster.broker
	cl, err := kgo.NewClient(w.clientOpts(kgo.ClientID("kconnect-offsets-" + w.opts.id))...)
	if err != nil {
		return fmt.Errorf("worker: %s: offsets client: %w", b.Name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), embeddedStartTimeout)
	defer cancel()
	// One partition: the topic lives on one broker, and every Get reads
	// each partition to its end.
	store, err := offset.NewKafka(ctx, cl, b.OffsetsTopic, offset.TopicPartitions(1), offset.WithLogger(w.opts.log))
	if err != nil {
		cl.Close()
		return fmt.Errorf("worker: %s: %w", b.Name, err)
	}
	w.store, w.cluster.offsetsClient = store, cl
	return nil
}

// closeCluster stops the embedded broker, when there is one, after the
// client of its offsets topic.
func (w *engine) closeCluster() error {
	if w.cluster == nil {
		return nil
	}
	if w.cluster.offsetsClient != nil {
		w.cluster.offsetsClient.Close()
	}
	if err := w.cluster.stop(); err != nil {
		return fmt.Errorf("worker: stopping %s: %w", w.cluster.broker.Name, err)
	}
	return nil
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
	leaders := map[sink.TopicPartition]int32{}
	for _, d := range resp.Topics {
		if d.Topic != nil && d.ErrorCode == 0 && (c.topicsRegex == nil || c.topicsRegex.MatchString(*d.Topic)) {
			ids[*d.Topic] = d.TopicID
			for _, p := range d.Partitions {
				leaders[sink.TopicPartition{Topic: *d.Topic, Partition: p.Partition}] = p.Leader
			}
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
			if pos >= end || (seen && prev == pos && w.onlyMarkersBetween(ctx, tp, ids[tp.Topic], leaders[tp], pos, end)) {
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
// that read everything before them has read the partition to its end. It
// asks leader, tp's leader when the drain began; should leadership have
// moved since, it answers false and the drain waits for the sink.
func (w *engine) onlyMarkersBetween(ctx context.Context, tp sink.TopicPartition, id [16]byte, leader int32, from, end int64) bool {
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
	resp, err := w.admin.Broker(int(leader)).Request(ctx, req)
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
