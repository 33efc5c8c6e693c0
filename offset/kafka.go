package offset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/kafkalog"
)

// Kafka is a Store backed by a compacted Kafka topic, as Kafka Connect's
// KafkaOffsetBackingStore (offset.storage.topic, or a connector's own
// offsets.storage.topic). Records are byte-identical to a JVM worker's: the
// key is Key's ["<connector>",<partition>], the value Value's offset JSON or
// null (a tombstone), and each record goes to the partition Java's default
// partitioner picks, murmur2(key) mod partitions. A JVM worker and kconnect
// can therefore take turns on the same topic.
//
// NewKafka reads the whole topic into memory. Get and List first read the
// topic to its end again, as Kafka Connect's readToEnd: up to each
// partition's last stable offset, with read_committed isolation (Kafka
// Connect reads uncommitted unless exactly-once source is enabled; without
// transactions the two are the same). So they see every offset committed
// before they were called, by this worker or any other, with one exception
// shared with Kafka Connect: records behind a transaction that is still open,
// or whose commit markers are not yet written, are read only once it ends.
// A store's own Puts (and records passed to ApplyProduced) are seen at once
// regardless. Concurrent calls share one read. Put produces with acks=all
// and returns once every record is acknowledged, or with an error when its
// context ends first.
//
// Records whose key is not a Kafka Connect offset key, or whose value is not
// a JSON object of primitives, are skipped and logged (see WithLogger), as
// Kafka Connect skips them.
//
// A key whose partition JSON is not in the order kconnect writes (a JVM
// connector that built its partition with a LinkedHashMap, TreeMap or
// Map.of rather than a HashMap, or a hand-written key) is still found: keys
// are matched by connector and partition content. Put then writes the offset
// under kconnect's key and under every other form of the same key found in
// the topic, so that a JVM worker reading its own form sees the new offset.
// When forms disagree, the newest record (by timestamp) wins.
//
// Several Kafka stores (per-connector offsets topics) can share one client:
// a store only produces, lists offsets and sends its own fetch requests
// through it, and never consumes through the client's consumer. Close the
// stores before the client.
type Kafka struct {
	cl     *kgo.Client
	topic  string
	cfg    kafkaConfig
	log    *slog.Logger
	reader *kafkalog.Reader

	// pos is the reader's next offset per partition, written with the
	// records it read (applyBatch), under mu.
	pos map[int32]int64

	syncMu  sync.Mutex // read coalescing
	running *readCall
	queued  *readCall
	life    context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu     sync.RWMutex
	conns  map[string]map[string]*slot // connector → canonical key → slot
	closed bool
}

// readCall is one read to the end of the topic that callers wait for.
type readCall struct {
	done chan struct{}
	err  error
}

// slot holds what the topic says about one connector partition: usually one
// key form (kconnect's, which is a JVM HashMap's), occasionally others.
type slot struct {
	partition connect.SourcePartition
	forms     []form
}

// form is the latest record read or written for one key's exact bytes.
type form struct {
	key    string
	offset connect.Offset // zero: a tombstone
	kpart  int32          // Kafka partition and offset of the record
	koff   int64
	ts     int64 // record timestamp, milliseconds
}

// current returns the slot's offset: the newest form's, preferring the
// canonical key on a tie. Zero when deleted.
func (s *slot) current(canon string) connect.Offset {
	best := -1
	for i := range s.forms {
		f := &s.forms[i]
		if best < 0 || f.ts > s.forms[best].ts || (f.ts == s.forms[best].ts && f.key == canon) {
			best = i
		}
	}
	if best < 0 {
		return connect.Offset{}
	}
	return s.forms[best].offset
}

// KafkaOpt configures NewKafka.
type KafkaOpt interface{ apply(*kafkaConfig) }

type kafkaOptFunc func(*kafkaConfig)

func (f kafkaOptFunc) apply(c *kafkaConfig) { f(c) }

type kafkaConfig struct {
	partitions   int32
	replication  int16
	topicConfigs map[string]string
	logger       *slog.Logger
}

// DefaultTopicPartitions is the partition count of an offsets topic created
// by NewKafka, as Kafka Connect's offset.storage.partitions default.
const DefaultTopicPartitions = 25

// TopicPartitions sets the partition count used when NewKafka creates the
// topic (Kafka Connect's offset.storage.partitions; default 25). It has no
// effect on an existing topic.
func TopicPartitions(n int32) KafkaOpt {
	return kafkaOptFunc(func(c *kafkaConfig) { c.partitions = n })
}

// ReplicationFactor sets the replication factor used when NewKafka creates
// the topic (Kafka Connect's offset.storage.replication.factor). The default
// is -1, the broker's default.replication.factor, unlike Kafka Connect's 3:
// it works on a single-broker development cluster and gives production
// clusters their configured durability. Set 3 to fail on a cluster too small
// for it, as Kafka Connect does.
func ReplicationFactor(n int16) KafkaOpt {
	return kafkaOptFunc(func(c *kafkaConfig) { c.replication = n })
}

// TopicConfigs sets topic configs used when NewKafka creates the topic
// (Kafka Connect's offset.storage.<config>, e.g. min.insync.replicas).
// cleanup.policy is always compact.
func TopicConfigs(configs map[string]string) KafkaOpt {
	return kafkaOptFunc(func(c *kafkaConfig) { c.topicConfigs = configs })
}

// WithLogger sets the logger for topic creation and skipped records; the
// default discards.
func WithLogger(l *slog.Logger) KafkaOpt {
	return kafkaOptFunc(func(c *kafkaConfig) { c.logger = l })
}

var _ Store = (*Kafka)(nil)

// NewKafka opens the offsets store on topic through client, creating the
// topic (compacted, with TopicPartitions and ReplicationFactor) when it does
// not exist, and reads it to its end.
//
// It fails when an existing topic's cleanup.policy is not exactly compact
// (as Kafka Connect does; a deleting policy would lose offsets), when ctx
// ends before the topic is read, and when client cannot write offsets
// records as Kafka Connect does: client must not be transactional, must use
// acks=all (kgo's default) and must partition keyed records with murmur2 as
// Java does (kgo's default partitioner, kgo.StickyKeyPartitioner(nil) or
// kgo.ManualPartitioner; NewKafka checks). Keep kgo's default idempotent
// producer: with kgo.DisableIdempotentWrite or
// kgo.AllowIdempotentProduceCancellation, a record of a Put that timed out
// may be given up after it was sent and still be written after the records
// of a later Put, leaving an older offset last in the topic.
//
// The store does not own client: Close the store, then the client.
func NewKafka(ctx context.Context, client *kgo.Client, topic string, opts ...KafkaOpt) (*Kafka, error) {
	cfg := kafkaConfig{partitions: DefaultTopicPartitions, replication: -1}
	for _, o := range opts {
		o.apply(&cfg)
	}
	switch {
	case client == nil:
		return nil, errors.New("offset: NewKafka: nil client")
	case topic == "":
		return nil, errors.New("offset: NewKafka: empty topic name")
	case cfg.partitions < 1:
		return nil, fmt.Errorf("offset: NewKafka: TopicPartitions(%d): must be at least 1", cfg.partitions)
	case cfg.replication < 1 && cfg.replication != -1:
		return nil, fmt.Errorf("offset: NewKafka: ReplicationFactor(%d): must be at least 1, or -1 for the broker default", cfg.replication)
	}
	if err := checkClient(client, topic); err != nil {
		return nil, err
	}
	logger := cfg.logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	k := &Kafka{
		cl:    client,
		topic: topic,
		cfg:   cfg,
		log:   logger.With("topic", topic),
		pos:   make(map[int32]int64),
		conns: make(map[string]map[string]*slot),
	}
	k.reader = kafkalog.NewReader(client, topic, nil, k.applyBatch)
	if err := k.ensureTopic(ctx); err != nil {
		return nil, fmt.Errorf("offset: offsets topic %q: %w", topic, err)
	}
	if err := k.reader.ReadToEnd(ctx); err != nil {
		return nil, fmt.Errorf("offset: reading offsets topic %q: %w", topic, err)
	}
	k.life, k.cancel = context.WithCancel(context.Background())
	return k, nil
}

// ensureTopic creates the topic, compacted, when it is missing, and checks
// that an existing one is compacted. Without permission to describe its
// configs it logs and goes on, as Kafka Connect does.
func (k *Kafka) ensureTopic(ctx context.Context) error {
	configs := make(map[string]string, len(k.cfg.topicConfigs)+1)
	maps.Copy(configs, k.cfg.topicConfigs)
	configs["cleanup.policy"] = "compact"
	created, err := kafkalog.EnsureTopic(ctx, k.cl, kafkalog.TopicSpec{Name: k.topic,
		Partitions: k.cfg.partitions, ReplicationFactor: k.cfg.replication, Configs: configs})
	if err != nil {
		return err
	}
	if created {
		k.log.Info("created offsets topic", "partitions", k.cfg.partitions, "replication_factor", k.cfg.replication)
	}
	err = kafkalog.CheckCompacted(ctx, k.cl, k.topic)
	if errors.Is(err, kafkalog.ErrUnverified) {
		k.log.Warn("cannot check the offsets topic's cleanup.policy; make sure it is compact", "error", err)
		return nil
	}
	return err
}

// applyBatch applies records the reader read, and moves its position past
// them in the same hold of mu, so that Put's acknowledgements, which
// apply records the reader has not passed, see both or neither.
func (k *Kafka) applyBatch(b kafkalog.Batch) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return ErrClosed
	}
	for _, r := range b.Records {
		k.applyRecordLocked(r)
	}
	k.pos[b.Partition] = b.Next
	return nil
}

// checkClient rejects clients that would write offsets where or how Kafka
// Connect would not.
func checkClient(cl *kgo.Client, topic string) error {
	if v := cl.OptValues(kgo.TransactionalID); len(v) == 2 && v[1] == true {
		return errors.New("offset: NewKafka: the client is transactional; use a non-transactional client, and Kafka.Records to write offsets in a transaction")
	}
	if acks, ok := cl.OptValue(kgo.RequiredAcks).(kgo.Acks); ok && acks != kgo.AllISRAcks() {
		return errors.New("offset: NewKafka: the client must use kgo.RequiredAcks(kgo.AllISRAcks()), as Kafka Connect writes offsets with acks=all")
	}
	if p, ok := cl.OptValue(kgo.RecordPartitioner).(kgo.Partitioner); ok && p != nil && !partitionerMatches(p, topic) {
		return errors.New("offset: NewKafka: the client's partitioner does not place keyed records as Java's default partitioner (murmur2); use kgo's default partitioner, kgo.StickyKeyPartitioner(nil) or kgo.ManualPartitioner")
	}
	return nil
}

// partitionerMatches reports whether p sends keyed records where Java's
// default partitioner does (or, for kgo.ManualPartitioner, where Records
// says).
func partitionerMatches(p kgo.Partitioner, topic string) bool {
	tp := p.ForTopic(topic)
	probes := []string{`["c",{"filename":"test.txt"}]`, `["jdbc",{"protocol":"1","table":"users"}]`, "x", ""}
	for _, key := range probes {
		for _, n := range []int{1, 7, 25, 50} {
			want := javaPartition([]byte(key), n)
			r := &kgo.Record{Topic: topic, Key: []byte(key), Partition: int32(want)}
			if !tp.RequiresConsistency(r) {
				return false
			}
			var got int
			if bp, ok := tp.(kgo.TopicBackupPartitioner); ok {
				got = bp.PartitionByBackup(r, n, &idleBackup{n: n})
			} else {
				got = tp.Partition(r, n)
			}
			if got != want {
				return false
			}
		}
	}
	return true
}

// idleBackup is a kgo.TopicBackupIter over n partitions with nothing
// buffered.
type idleBackup struct{ n, i int }

func (b *idleBackup) Next() (int, int64) { i := b.i; b.i++; return i, 0 }
func (b *idleBackup) Rem() int           { return b.n - b.i }

// javaPartition is Kafka's default partition for a keyed record:
// Utils.toPositive(Utils.murmur2(key)) % n.
func javaPartition(key []byte, n int) int {
	return int(murmur2(key)&0x7fffffff) % n
}

// murmur2 is the 32-bit MurmurHash2 with Kafka's seed, as Kafka's
// Utils.murmur2.
func murmur2(data []byte) uint32 {
	const (
		seed = 0x9747b28c
		m    = 0x5bd1e995
		r    = 24
	)
	h := uint32(seed) ^ uint32(len(data))
	for len(data) >= 4 {
		k := uint32(data[0]) | uint32(data[1])<<8 | uint32(data[2])<<16 | uint32(data[3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
		data = data[4:]
	}
	switch len(data) {
	case 3:
		h ^= uint32(data[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}

// Topic returns the offsets topic's name.
func (k *Kafka) Topic() string { return k.topic }

// Get implements Store. It first reads the topic to its end, failing with
// ctx's error if ctx ends first.
func (k *Kafka) Get(ctx context.Context, connector string, partitions []connect.SourcePartition) (map[connect.SourcePartition]connect.Offset, error) {
	if err := k.sync(ctx); err != nil {
		return nil, err
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.closed {
		return nil, ErrClosed
	}
	out := make(map[connect.SourcePartition]connect.Offset, len(partitions))
	parts := k.conns[connector]
	var buf [256]byte
	for _, p := range partitions {
		key := Key(buf[:0], connector, p)
		s := parts[string(key)]
		if s == nil {
			continue
		}
		if o := s.current(string(key)); !o.IsZero() {
			out[p] = o
		}
	}
	return out, nil
}

// List implements Store. It first reads the topic to its end.
func (k *Kafka) List(ctx context.Context, connector string) ([]Entry, error) {
	if err := k.sync(ctx); err != nil {
		return nil, err
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.closed {
		return nil, ErrClosed
	}
	parts := k.conns[connector]
	out := make([]Entry, 0, len(parts))
	for canon, s := range parts {
		if o := s.current(canon); !o.IsZero() {
			out = append(out, Entry{Partition: s.partition, Offset: o})
		}
	}
	return out, nil
}

// Put implements Store: it produces one record per entry (and per other
// key form of its partition, see Kafka) and waits for every
// acknowledgement, or for ctx to end: then it returns an error wrapping
// ctx's, as Kafka Connect's offset flush fails when it times out, and the
// caller keeps the offsets to commit again later. On error some records may
// have been written, or may still be written after Put returns (a producer
// cannot take back a request the broker may have received); those are
// visible to Get once acknowledged. That is harmless: they carry offsets
// the caller committed or will commit again, and they never land after the
// records of a later Put, because a key always goes to the same partition
// and the client's producer keeps a partition's records in order (kgo's
// default idempotent producer does, even across retries).
func (k *Kafka) Put(ctx context.Context, connector string, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	recs, entryOf, err := k.records(connector, entries)
	if err != nil {
		return err
	}
	// Produced with ctx, so records not yet sent when it ends are dropped
	// rather than written late; the acknowledgements are awaited apart
	// from it, because a record already sent to an idempotent producer's
	// broker is neither failed nor given up by kgo until the broker
	// answers, however long that takes.
	w := &putWait{left: len(recs), done: make(chan struct{})}
	for i, r := range recs {
		e := entries[entryOf[i]]
		k.cl.Produce(ctx, r, func(r *kgo.Record, err error) {
			if err == nil {
				k.mu.Lock()
				if !k.closed {
					k.applyLocked(r, connector, e.Partition, e.Offset, false)
				}
				k.mu.Unlock()
			}
			w.finish(err)
		})
	}
	select {
	case <-w.done:
	case <-ctx.Done():
		select {
		case <-w.done: // acknowledged as ctx ended
		default:
			return fmt.Errorf("offset: writing offsets of connector %q to topic %q: not acknowledged in time: %w", connector, k.topic, context.Cause(ctx))
		}
	}
	if w.err != nil {
		return fmt.Errorf("offset: writing offsets of connector %q to topic %q: %w", connector, k.topic, w.err)
	}
	return nil
}

// putWait collects the acknowledgements of one Put's records.
type putWait struct {
	mu   sync.Mutex
	left int
	err  error // the first failure; read once done is closed
	done chan struct{}
}

func (w *putWait) finish(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil && w.err == nil {
		w.err = err
	}
	if w.left--; w.left == 0 {
		close(w.done)
	}
}

// Records returns the records that commit entries for connector, for a
// caller that produces them itself: the exactly-once source runtime, which
// writes them in the task's producer transaction with the task's records
// (Kafka Connect's KIP-618 flow). There is one record per entry (key Key,
// value Value, nil for a zero Offset), plus one per other key form of the
// same partition found in the topic (see Kafka). Each record's Topic is the
// offsets topic and its Partition the one Java's default partitioner picks,
// so a producer with kgo's default partitioner or kgo.ManualPartitioner
// sends it where a JVM worker would.
//
// Once the transaction has committed, pass the records, now carrying the
// partition and offset they were written at, to ApplyProduced. If it
// aborts, drop them. It fails only when an offset cannot be encoded, or
// with ErrClosed.
func (k *Kafka) Records(connector string, entries []Entry) ([]*kgo.Record, error) {
	recs, _, err := k.records(connector, entries)
	return recs, err
}

// records is Records, also returning the index in entries of each record.
func (k *Kafka) records(connector string, entries []Entry) ([]*kgo.Record, []int, error) {
	n := int(k.reader.Partitions())
	if n < 1 { // not reachable once NewKafka has returned
		return nil, nil, fmt.Errorf("offset: topic %q has no partitions", k.topic)
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.closed {
		return nil, nil, ErrClosed
	}
	parts := k.conns[connector]
	recs := make([]*kgo.Record, 0, len(entries))
	entryOf := make([]int, 0, len(entries))
	for i, e := range entries {
		key := Key(nil, connector, e.Partition)
		val, err := Value(nil, e.Offset)
		if err != nil {
			return nil, nil, fmt.Errorf("offset: connector %q partition %s: %w", connector, e.Partition, err)
		}
		recs = append(recs, &kgo.Record{Topic: k.topic, Key: key, Value: val, Partition: int32(javaPartition(key, n))})
		entryOf = append(entryOf, i)
		if s := parts[string(key)]; s != nil {
			for _, f := range s.forms {
				if f.key != string(key) {
					alias := []byte(f.key)
					recs = append(recs, &kgo.Record{Topic: k.topic, Key: alias, Value: val, Partition: int32(javaPartition(alias, n))})
					entryOf = append(entryOf, i)
				}
			}
		}
	}
	return recs, entryOf, nil
}

// ApplyProduced tells the store that records (from Records, possibly with
// other records of the same transaction, which are ignored) are committed
// to the topic, so that Get and List see them at once. Get would otherwise
// see them only when the topic's last stable offset passes them, after the
// transaction's commit markers are written. Each record must carry the
// partition and offset it was written at, as kgo sets them when the
// produce succeeds. Calling it for records already read from the topic is
// harmless.
func (k *Kafka) ApplyProduced(records []*kgo.Record) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return
	}
	for _, r := range records {
		if r != nil && r.Topic == k.topic {
			k.applyProducedLocked(r)
		}
	}
}

func (k *Kafka) applyProducedLocked(r *kgo.Record) {
	conn, p, err := ParseKey(r.Key)
	if err != nil {
		return // not ours
	}
	o, err := ParseValue(r.Value)
	if err != nil {
		return
	}
	k.applyLocked(r, conn, p, o, false)
}

// applyRecordLocked applies a record read from the topic, skipping
// malformed ones with a log line.
func (k *Kafka) applyRecordLocked(r *kgo.Record) {
	if r.Key == nil {
		k.log.Warn("skipping offsets record with a null key", "partition", r.Partition, "offset", r.Offset)
		return
	}
	conn, p, err := ParseKey(r.Key)
	if err != nil {
		k.log.Warn("skipping offsets record with a malformed key", "partition", r.Partition, "offset", r.Offset, "key", string(r.Key), "error", err)
		return
	}
	o, err := ParseValue(r.Value)
	if err != nil {
		k.log.Warn("skipping offsets record with a malformed value", "partition", r.Partition, "offset", r.Offset, "key", string(r.Key), "error", err)
		return
	}
	k.applyLocked(r, conn, p, o, true)
}

// applyLocked records that r (key parsed into conn and p, value into o) is
// in the topic. fromLog says r was read from the topic, in order, rather
// than reported by a producer, possibly ahead of the reader.
func (k *Kafka) applyLocked(r *kgo.Record, conn string, p connect.SourcePartition, o connect.Offset, fromLog bool) {
	if !fromLog && r.Offset < k.pos[r.Partition] {
		return // the reader has passed it: applied already, or overtaken
	}
	var buf [256]byte
	canonBytes := Key(buf[:0], conn, p)
	parts := k.conns[conn]
	s := parts[string(canonBytes)]
	tombstone := o.IsZero()
	if s == nil {
		if tombstone && fromLog {
			return
		}
		s = &slot{partition: p}
		if parts == nil {
			parts = make(map[string]*slot)
			k.conns[conn] = parts
		}
		parts[string(canonBytes)] = s
	}
	i := -1
	for j := range s.forms {
		if s.forms[j].key == string(r.Key) {
			i = j
			break
		}
	}
	ts := r.Timestamp.UnixMilli()
	if i >= 0 {
		f := &s.forms[i]
		if f.kpart == r.Partition {
			if r.Offset < f.koff || (r.Offset == f.koff && !(fromLog && tombstone)) {
				return // older than, or the same as, what we have
			}
		} else if ts < f.ts {
			return // the topic's partition count changed; the newer record wins
		}
	}
	if tombstone && fromLog {
		// The reader passed the delete; forget the form.
		if i >= 0 {
			s.forms = append(s.forms[:i], s.forms[i+1:]...)
		}
		if len(s.forms) == 0 {
			delete(parts, string(canonBytes))
			if len(parts) == 0 {
				delete(k.conns, conn)
			}
		}
		return
	}
	f := form{key: string(r.Key), offset: o, kpart: r.Partition, koff: r.Offset, ts: ts}
	if i >= 0 {
		s.forms[i] = f
		return
	}
	if f.key != string(canonBytes) {
		k.log.Info("offsets record key is not in the form kconnect writes; matching it by content and writing later offsets under both forms",
			"partition", r.Partition, "offset", r.Offset, "key", f.key, "kconnect_key", string(canonBytes))
	}
	s.forms = append(s.forms, f)
}

// Close stops the store's reads; it does not close the client. Later calls
// return ErrClosed. It is safe to call more than once.
func (k *Kafka) Close() error {
	k.mu.Lock()
	k.closed = true
	k.conns = nil
	k.mu.Unlock()
	k.cancel()
	k.wg.Wait()
	return nil
}

// sync waits for a read to the end of the topic that started after sync was
// called. Concurrent callers share reads: while one runs, later callers
// wait for the next, which starts when it ends.
func (k *Kafka) sync(ctx context.Context) error {
	k.syncMu.Lock()
	if k.life.Err() != nil {
		k.syncMu.Unlock()
		return ErrClosed
	}
	var c *readCall
	if k.running == nil {
		c = &readCall{done: make(chan struct{})}
		k.running = c
		k.wg.Add(1)
		go k.runReads(c)
	} else {
		if k.queued == nil {
			k.queued = &readCall{done: make(chan struct{})}
		}
		c = k.queued
	}
	k.syncMu.Unlock()
	select {
	case <-c.done:
		if c.err != nil {
			if errors.Is(c.err, context.Canceled) && k.life.Err() != nil {
				return ErrClosed
			}
			return fmt.Errorf("offset: reading offsets topic %q: %w", k.topic, c.err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// runReads runs c, then any read queued meanwhile, until none is queued.
// Reads use the store's lifetime context, so one caller giving up does not
// fail the others; Close cancels them.
func (k *Kafka) runReads(c *readCall) {
	defer k.wg.Done()
	for c != nil {
		c.err = k.reader.ReadToEnd(k.life)
		k.syncMu.Lock()
		close(c.done)
		c = k.queued
		k.queued = nil
		k.running = c
		k.syncMu.Unlock()
	}
}
