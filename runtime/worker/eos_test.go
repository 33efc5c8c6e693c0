package worker

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/source"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// eosCounter is a counting source for the exactly-once tests: numbers from
// the committed offset + 1 up to "limit"-1, "batch" per poll, at most one
// poll per "interval.ms". Each record's value is the number as JSON and its
// offset {"n": number}; its partition is {"counter": <connector name>}.
type eosCounter struct {
	class string
	// implements makes the connector a source.ExactlyOnceConnector
	// answering support, and a source.BoundaryDefiner answering defines.
	implements bool
	support    source.ExactlyOnceSupport
	defines    bool
	// bad is the number whose record, the first time it is polled, has a
	// value the JSON converter rejects; -1 for none.
	bad atomic.Int64
	// boundaries, when set, is called by each Poll with the task's
	// TransactionContext (nil unless transaction.boundary=connector) and
	// the batch it returns.
	boundaries func(tc source.TransactionContext, batch []connect.Record)

	written, unwritten atomic.Int64 // CommitRecord calls with and without metadata
	sawTxn             atomic.Bool  // a task's Transaction() was not nil
}

func newEOSCounter(class string) *eosCounter {
	c := &eosCounter{class: class, implements: true, support: source.ExactlyOnceSupported, defines: true}
	c.bad.Store(-1)
	return c
}

type eosCounterConnector struct {
	source.Connector
	c *eosCounter
}

func (e eosCounterConnector) ExactlyOnceSupport(map[string]string) source.ExactlyOnceSupport {
	return e.c.support
}

func (e eosCounterConnector) CanDefineTransactionBoundaries(map[string]string) bool {
	return e.c.defines
}

func (c *eosCounter) plugin() source.Plugin {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "topic", Type: connect.ConfigString, Required: true, Importance: connect.High}).
		Define(connect.ConfigKey{Name: "limit", Type: connect.ConfigLong, Default: int64(100), Importance: connect.High}).
		Define(connect.ConfigKey{Name: "batch", Type: connect.ConfigLong, Default: int64(10), Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "interval.ms", Type: connect.ConfigLong, Default: int64(0), Importance: connect.Low})
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: c.class, Kind: connect.SourcePlugin, Config: def},
		New: func() source.Connector {
			conn := source.SimpleConnector(func() source.Task { return &eosCounterTask{c: c} })
			if c.implements {
				return eosCounterConnector{Connector: conn, c: c}
			}
			return conn
		},
	}
}

// config is the connector config writing numbers 0..limit-1 to topic.
func (c *eosCounter) config(topic string, limit, batch int, extra ...string) map[string]string {
	cfg := map[string]string{
		"connector.class": c.class, "topic": topic,
		"limit": strconv.Itoa(limit), "batch": strconv.Itoa(batch),
		"value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		cfg[extra[i]] = extra[i+1]
	}
	return cfg
}

type eosCounterTask struct {
	c         *eosCounter
	tc        source.TaskContext
	topic     string
	limit     int64
	batch     int64
	next      int64
	partition connect.SourcePartition
	tick      *time.Ticker
}

func (t *eosCounterTask) Start(ctx context.Context, cfg map[string]string, tc source.TaskContext) error {
	t.tc = tc
	t.topic = cfg["topic"]
	t.limit, _ = strconv.ParseInt(cfg["limit"], 10, 64)
	t.batch, _ = strconv.ParseInt(cfg["batch"], 10, 64)
	t.batch = max(t.batch, 1)
	if ms, _ := strconv.ParseInt(cfg["interval.ms"], 10, 64); ms > 0 {
		t.tick = time.NewTicker(time.Duration(ms) * time.Millisecond)
	}
	if tc.Transaction() != nil {
		t.c.sawTxn.Store(true)
	}
	t.partition = connect.NewSourcePartition("counter", cfg["name"])
	o, err := tc.Offsets().Offset(ctx, t.partition)
	if err != nil {
		return err
	}
	if n, ok := o.Int64("n"); ok {
		t.next = n + 1
	}
	return nil
}

func (t *eosCounterTask) Poll(ctx context.Context) ([]connect.Record, error) {
	if t.next >= t.limit {
		<-ctx.Done()
		return nil, nil
	}
	if t.tick != nil {
		select {
		case <-ctx.Done():
			return nil, nil
		case <-t.tick.C:
		}
	}
	out := make([]connect.Record, 0, t.batch)
	for ; t.next < t.limit && int64(len(out)) < t.batch; t.next++ {
		var v any = t.next
		if t.c.bad.CompareAndSwap(t.next, -1) {
			v = "not a number"
		}
		out = append(out, connect.Record{
			Topic: t.topic, ValueSchema: connect.Int64Schema, Value: v,
			SourcePartition: t.partition, SourceOffset: connect.Int64Offset("n", t.next),
		})
	}
	if t.c.boundaries != nil {
		t.c.boundaries(t.tc.Transaction(), out)
	}
	return out, nil
}

func (t *eosCounterTask) CommitRecord(_ *connect.Record, md *source.RecordMetadata) error {
	if md != nil {
		t.c.written.Add(1)
	} else {
		t.c.unwritten.Add(1)
	}
	return nil
}

func (t *eosCounterTask) Stop(context.Context) error {
	if t.tick != nil {
		t.tick.Stop()
	}
	return nil
}

// eosKafkaStore opens a Kafka offset store on a new compacted topic with
// its own client, closed when the test ends.
func eosKafkaStore(t *testing.T, brokers []string) (*offset.Kafka, string) {
	t.Helper()
	topic := testkafka.Topic(t, "offsets")
	compact := "compact"
	testkafka.CreateTopic(t, brokers, topic, 3, map[string]*string{"cleanup.policy": &compact})
	return eosOpenStore(t, brokers, topic), topic
}

// eosOpenStore opens another Kafka offset store on an existing topic, as
// another worker (or a restarted one) would.
func eosOpenStore(t *testing.T, brokers []string, topic string) *offset.Kafka {
	t.Helper()
	cl := testkafka.Client(t, brokers)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, err := offset.NewKafka(ctx, cl, topic)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	return store
}

func newEOSWorker(t *testing.T, brokers []string, store offset.Store, group string, plugins ...connect.Plugin) *Worker {
	t.Helper()
	return newEOSWorkerWith(t, brokers, store, group, nil, plugins...)
}

func newEOSWorkerWith(t *testing.T, brokers []string, store offset.Store, group string, opts []Opt, plugins ...connect.Plugin) *Worker {
	t.Helper()
	w, err := New(append([]Opt{Brokers(brokers...), Plugins(plugins...), OffsetStore(store), ExactlyOnceSource(true), WorkerGroupID(group),
		OffsetFlushInterval(50 * time.Millisecond), Logger(slog.New(slog.DiscardHandler)), ID("eos-worker")}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	return w
}

// markers numbers the end markers of committedNumbers.
var markers atomic.Int64

// committedNumbers writes an end marker (outside any transaction) to the
// single-partition topic, then reads it from the start with read_committed
// isolation up to the marker: the numbers of every committed record, in
// order, skipping earlier markers. Call it once no transaction is open.
func committedNumbers(t *testing.T, brokers []string, topic string) []int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	marker := testkafka.Client(t, brokers)
	end := fmt.Sprintf("end-%d", markers.Add(1))
	require.NoError(t, marker.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(end)}).FirstErr())
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxWait(200*time.Millisecond))
	var out []int64
	for {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "read %d committed records, no end marker yet", len(out))
		var done bool
		var bad error
		fs.EachRecord(func(r *kgo.Record) {
			if done {
				return
			}
			if string(r.Value) == end {
				done = true
				return
			}
			if strings.HasPrefix(string(r.Value), "end-") {
				return
			}
			if !r.Attrs.IsTransactional() && bad == nil {
				bad = fmt.Errorf("record at offset %d (%s) was not written in a transaction", r.Offset, r.Value)
			}
			n, err := strconv.ParseInt(string(r.Value), 10, 64)
			if err != nil && bad == nil {
				bad = fmt.Errorf("record at offset %d: %w", r.Offset, err)
			}
			out = append(out, n)
		})
		require.NoError(t, bad)
		if done {
			return out
		}
	}
}

// requireExactlyOnce fails unless numbers is 0..len-1 in order, each once.
func requireExactlyOnce(t *testing.T, numbers []int64, want int) {
	t.Helper()
	require.Len(t, numbers, want, "committed records: %v", numbers)
	for i, n := range numbers {
		require.Equal(t, int64(i), n, "committed record %d is %d: %v", i, n, numbers)
	}
}

// committedOffset reads a connector's committed {"n": ...} as a restarted
// worker would, from a fresh store on topic; -1 when none.
func committedOffset(t *testing.T, brokers []string, topic, connector string) int64 {
	t.Helper()
	store := eosOpenStore(t, brokers, topic)
	p := connect.NewSourcePartition("counter", connector)
	m, err := store.Get(context.Background(), connector, []connect.SourcePartition{p})
	require.NoError(t, err)
	o, ok := m[p]
	if !ok {
		return -1
	}
	n, ok := o.Int64("n")
	require.True(t, ok, "offset %s", o)
	return n
}

func waitTaskState(t *testing.T, w *Worker, connector string, state State) TaskState {
	t.Helper()
	var st ConnectorStatus
	require.Eventually(t, func() bool {
		st, _ = w.Status(connector)
		return len(st.Tasks) == 1 && st.Tasks[0].State == state
	}, 60*time.Second, 5*time.Millisecond, "task of %s never %s: %+v", connector, state, st)
	return st.Tasks[0]
}

// waitOffset waits until store has committed n or more for connector.
func waitOffset(t *testing.T, store offset.Store, connector string, n int64) {
	t.Helper()
	p := connect.NewSourcePartition("counter", connector)
	var last connect.Offset
	require.Eventually(t, func() bool {
		m, err := store.Get(context.Background(), connector, []connect.SourcePartition{p})
		if err != nil {
			return false
		}
		last = m[p]
		got, ok := last.Int64("n")
		return ok && got >= n
	}, 60*time.Second, 5*time.Millisecond, "offset %d never committed; last %s", n, last)
}

// CreateConnector refuses exactly-once setups that cannot work, naming the
// key at fault.
func TestEOSCreateConnectorChecks(t *testing.T) {
	brokers := testkafka.Brokers(t)
	kafkaStore, _ := eosKafkaStore(t, brokers)
	topic := testkafka.Topic(t, "eos")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	plain := newEOSCounter("test.Plain")
	plain.implements = false
	unsupported := newEOSCounter("test.Unsupported")
	unsupported.support, unsupported.defines = source.ExactlyOnceUnsupported, false
	supported := newEOSCounter("test.Supported")
	plugins := []connect.Plugin{plain.plugin(), unsupported.plugin(), supported.plugin()}

	for _, tc := range []struct {
		name    string
		eos     bool
		store   offset.Store
		config  map[string]string
		wantErr []string // empty: the connector is created
	}{
		{"memory store", true, offset.NewMemory(), supported.config(topic, 1, 1),
			[]string{"exactly.once.source.support=enabled", "*offset.Kafka", "*offset.Memory"}},
		{"required, no API", true, kafkaStore, plain.config(topic, 1, 1, "exactly.once.support", "required"),
			[]string{"exactly.once.support=required", "does not implement source.ExactlyOnceConnector"}},
		{"required, unsupported", true, kafkaStore, unsupported.config(topic, 1, 1, "exactly.once.support", "required"),
			[]string{"exactly.once.support=required", "does not support exactly-once semantics"}},
		{"required, worker without EOS", false, offset.NewMemory(), supported.config(topic, 1, 1, "exactly.once.support", "REQUIRED"),
			[]string{"exactly.once.support=required", "does not have exactly-once source support enabled"}},
		{"connector boundary, no API", true, kafkaStore, plain.config(topic, 1, 1, "transaction.boundary", "connector"),
			[]string{"transaction.boundary=connector", "cannot define its own transaction boundaries"}},
		{"connector boundary, refused", false, offset.NewMemory(), unsupported.config(topic, 1, 1, "transaction.boundary", "Connector"),
			[]string{"transaction.boundary=connector"}},
		{"negative interval", true, kafkaStore, supported.config(topic, 1, 1, "transaction.boundary.interval.ms", "-1"),
			[]string{"transaction.boundary.interval.ms: must be at least 0"}},
		{"acks override", true, kafkaStore, supported.config(topic, 1, 1, "producer.override.acks", "1"),
			[]string{"producer.override.acks=1"}},
		{"idempotence override", true, kafkaStore, supported.config(topic, 1, 1, "producer.override.enable.idempotence", "false"),
			[]string{"producer.override.enable.idempotence=false"}},
		{"all at once", true, kafkaStore, unsupported.config(topic, 1, 1, "exactly.once.support", "required", "transaction.boundary", "connector"),
			[]string{"exactly.once.support=required", "transaction.boundary=connector"}},
		{"required, supported", true, kafkaStore, supported.config(topic, 1, 1, "exactly.once.support", "required", "transaction.boundary", "connector"), nil},
		{"requested, unsupported", true, kafkaStore, unsupported.config(topic, 1, 1), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := []Opt{Brokers(brokers...), Plugins(plugins...), OffsetStore(tc.store),
				Logger(slog.New(slog.DiscardHandler)), WorkerGroupID(testkafka.Group(t, "eos"))}
			if tc.eos {
				opts = append(opts, ExactlyOnceSource(true))
			}
			w, err := New(opts...)
			require.NoError(t, err)
			defer w.Close()
			err = w.CreateConnector(context.Background(), "c", tc.config)
			if len(tc.wantErr) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, want := range tc.wantErr {
				require.ErrorContains(t, err, want)
			}
			require.ErrorContains(t, err, "connector c")
			_, err = w.Status("c")
			require.ErrorIs(t, err, ErrNotFound)
		})
	}
}

// With the poll boundary, every batch is one transaction holding its
// records and their offsets: read_committed consumers see every record
// once, both topics hold only transactional records, the task hears of
// each record after its commit, and a new worker resumes after the last
// committed offset.
func TestEOSPollBoundary(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "eos")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	store, offsetsTopic := eosKafkaStore(t, brokers)
	group := testkafka.Group(t, "eos")
	src := newEOSCounter("test.EOSCounter")

	w := newEOSWorker(t, brokers, store, group, src.plugin())
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "poll", src.config(topic, 100, 7, "exactly.once.support", "required")))
	waitOffset(t, store, "poll", 99)
	require.False(t, src.sawTxn.Load(), "Transaction() must be nil unless transaction.boundary=connector")
	require.NoError(t, w.Close())
	require.Equal(t, int64(100), src.written.Load())
	require.Zero(t, src.unwritten.Load())
	require.Equal(t, int64(99), committedOffset(t, brokers, offsetsTopic, "poll"))

	// Offsets records are transactional too.
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(offsetsTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var offsetRecords int
	for offsetRecords < 15 { // one per batch: ceil(100/7)
		fs := cl.PollFetches(rctx)
		require.NoError(t, rctx.Err(), "read %d offsets records", offsetRecords)
		fs.EachRecord(func(r *kgo.Record) {
			require.True(t, r.Attrs.IsTransactional(), "offsets record %s not transactional", r.Value)
			offsetRecords++
		})
	}

	w2 := newEOSWorker(t, brokers, eosOpenStore(t, brokers, offsetsTopic), group, src.plugin())
	require.NoError(t, w2.CreateConnector(ctx, "poll", src.config(topic, 130, 7)))
	waitOffset(t, store, "poll", 129)
	require.NoError(t, w2.Close())
	requireExactlyOnce(t, committedNumbers(t, brokers, topic), 130)
}

// A task that fails halfway through a batch leaves its transaction
// aborted: read_committed consumers see none of the batch, no offset of it
// is committed, and the restarted task resumes from the last committed
// offset with no record missing or repeated.
func TestEOSFailedBatchIsAborted(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "eos")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	store, offsetsTopic := eosKafkaStore(t, brokers)
	src := newEOSCounter("test.EOSCounter")
	src.bad.Store(25) // batches of 10: 20..24 are written, then 25 fails

	w := newEOSWorker(t, brokers, store, testkafka.Group(t, "eos"), src.plugin())
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "fails", src.config(topic, 60, 10)))
	ts := waitTaskState(t, w, "fails", Failed)
	require.Contains(t, ts.Trace, "VALUE_CONVERTER")
	require.Contains(t, ts.Trace, `offset {"n":25}`)
	require.Equal(t, int64(19), committedOffset(t, brokers, offsetsTopic, "fails"))
	requireExactlyOnce(t, committedNumbers(t, brokers, topic), 20)

	require.NoError(t, w.RestartTask(ctx, "fails", 0))
	waitOffset(t, store, "fails", 59)
	require.NoError(t, w.Close())
	requireExactlyOnce(t, committedNumbers(t, brokers, topic), 60)
}

// A task whose process died mid-transaction left it open; the next
// instance's producer fences the transactional id, which aborts it, before
// the task reads its offsets.
func TestEOSAbandonedTransactionIsAborted(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "eos")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	store, offsetsTopic := eosKafkaStore(t, brokers)
	group := testkafka.Group(t, "eos")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// The crashed instance: records 0..4 and offset 4, never committed.
	zombie, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.TransactionalID(group+"-crashed-0"))
	require.NoError(t, err)
	require.NoError(t, zombie.BeginTransaction())
	var recs []*kgo.Record
	for n := range 5 {
		recs = append(recs, &kgo.Record{Topic: topic, Value: []byte(strconv.Itoa(n))})
	}
	offsets, err := store.Records("crashed", []offset.Entry{{
		Partition: connect.NewSourcePartition("counter", "crashed"), Offset: connect.Int64Offset("n", 4)}})
	require.NoError(t, err)
	require.NoError(t, zombie.ProduceSync(ctx, append(recs, offsets...)...).FirstErr())
	zombie.Close() // no EndTransaction: the transaction stays open on the broker

	src := newEOSCounter("test.EOSCounter")
	w := newEOSWorker(t, brokers, store, group, src.plugin())
	require.NoError(t, w.CreateConnector(ctx, "crashed", src.config(topic, 30, 4)))
	waitOffset(t, store, "crashed", 29)
	require.NoError(t, w.Close())
	requireExactlyOnce(t, committedNumbers(t, brokers, topic), 30)
	require.Equal(t, int64(29), committedOffset(t, brokers, offsetsTopic, "crashed"))
}

// Two workers with the same group id running the same connector: the
// second one's task fences the first one's, which fails with a fencing
// error having committed nothing more; no record is lost or repeated.
func TestEOSFencesEarlierInstance(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "eos")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	storeA, offsetsTopic := eosKafkaStore(t, brokers)
	group := testkafka.Group(t, "eos")
	src := newEOSCounter("test.EOSCounter")
	ctx := context.Background()

	// A writes without end, 5 numbers every 2ms, until fenced.
	a := newEOSWorker(t, brokers, storeA, group, src.plugin())
	require.NoError(t, a.CreateConnector(ctx, "twice", src.config(topic, 1<<40, 5, "interval.ms", "2")))
	waitOffset(t, storeA, "twice", 20)

	storeB := eosOpenStore(t, brokers, offsetsTopic)
	b := newEOSWorker(t, brokers, storeB, group, src.plugin())
	require.NoError(t, b.CreateConnector(ctx, "twice", src.config(topic, 300, 5)))
	ts := waitTaskState(t, a, "twice", Failed)
	require.Contains(t, ts.Trace, "producer fenced")
	require.Contains(t, ts.Trace, group+"-twice-0")
	require.Equal(t, Running, waitTaskState(t, b, "twice", Running).State)

	waitOffset(t, storeB, "twice", 299)
	require.NoError(t, a.Close())
	require.NoError(t, b.Close())
	last := committedOffset(t, brokers, offsetsTopic, "twice")
	require.GreaterOrEqual(t, last, int64(299))
	requireExactlyOnce(t, committedNumbers(t, brokers, topic), int(last)+1)
}

// With transaction.boundary=connector the task says where transactions
// end; an aborted transaction's records are discarded but its offsets
// committed, so the task does not see them again.
func TestEOSConnectorBoundary(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "eos")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	store, offsetsTopic := eosKafkaStore(t, brokers)
	src := newEOSCounter("test.EOSCounter")
	// Batches of 7. Commit after each number ending in 9, but abort after
	// 29 and 59 (so 20..29 and 50..59 are discarded), and commit the batch
	// holding 99 as a whole.
	src.boundaries = func(tc source.TransactionContext, batch []connect.Record) {
		for i := range batch {
			v, _ := batch[i].SourceOffset.Int64("n")
			switch {
			case v == 29 || v == 59:
				tc.AbortAfter(&batch[i])
			case v%10 == 9 && v < 90:
				tc.CommitAfter(&batch[i])
			case v == 99:
				tc.Commit()
			}
		}
	}
	w := newEOSWorker(t, brokers, store, testkafka.Group(t, "eos"), src.plugin())
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "bounded", src.config(topic, 100, 7, "transaction.boundary", "connector")))
	waitOffset(t, store, "bounded", 99)
	require.NoError(t, w.Close())
	require.True(t, src.sawTxn.Load())
	require.Equal(t, int64(99), committedOffset(t, brokers, offsetsTopic, "bounded"))
	require.Equal(t, int64(80), src.written.Load())
	require.Equal(t, int64(20), src.unwritten.Load())

	var want []int64
	for n := range int64(100) {
		if n/10 != 2 && n/10 != 5 {
			want = append(want, n)
		}
	}
	require.Equal(t, want, committedNumbers(t, brokers, topic))
}

// With transaction.boundary=connector, records after the last requested
// commit are not committed when the task stops: they are polled again.
func TestEOSConnectorBoundaryUncommittedTail(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "eos")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	store, offsetsTopic := eosKafkaStore(t, brokers)
	src := newEOSCounter("test.EOSCounter")
	src.boundaries = func(tc source.TransactionContext, batch []connect.Record) {
		for i := range batch {
			if v, _ := batch[i].SourceOffset.Int64("n"); v == 14 {
				tc.CommitAfter(&batch[i])
			}
		}
	}
	group := testkafka.Group(t, "eos")
	w := newEOSWorker(t, brokers, store, group, src.plugin())
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "tail", src.config(topic, 20, 4, "transaction.boundary", "connector")))
	waitOffset(t, store, "tail", 14)
	require.NoError(t, w.Close())
	require.Equal(t, int64(14), committedOffset(t, brokers, offsetsTopic, "tail"))

	src.boundaries = nil // poll boundary now: 15..19 again, once
	w2 := newEOSWorker(t, brokers, eosOpenStore(t, brokers, offsetsTopic), group, src.plugin())
	require.NoError(t, w2.CreateConnector(ctx, "tail", src.config(topic, 20, 4)))
	waitOffset(t, store, "tail", 19)
	require.NoError(t, w2.Close())
	requireExactlyOnce(t, committedNumbers(t, brokers, topic), 20)
}

// With transaction.boundary=interval, transactions span batches and commit
// every interval; the last one commits when the task stops.
func TestEOSIntervalBoundary(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "eos")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	store, offsetsTopic := eosKafkaStore(t, brokers)
	src := newEOSCounter("test.EOSCounter")
	w := newEOSWorker(t, brokers, store, testkafka.Group(t, "eos"), src.plugin())
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "interval", src.config(topic, 200, 3, "interval.ms", "1",
		"transaction.boundary", "interval", "transaction.boundary.interval.ms", "20")))
	waitOffset(t, store, "interval", 100)
	require.NoError(t, w.Close())
	last := committedOffset(t, brokers, offsetsTopic, "interval")
	require.GreaterOrEqual(t, last, int64(100))
	requireExactlyOnce(t, committedNumbers(t, brokers, topic), int(last)+1)
	require.Equal(t, last+1, src.written.Load())
}

// A connector's offsets.storage.topic receives its offsets in the
// transactions; the worker's topic gets a copy, and is read when the
// connector's topic has nothing.
func TestEOSConnectorOffsetsTopic(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "eos")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	global, globalTopic := eosKafkaStore(t, brokers)
	own := testkafka.Topic(t, "own-offsets")
	compact := "compact"
	testkafka.CreateTopic(t, brokers, own, 2, map[string]*string{"cleanup.policy": &compact})
	group := testkafka.Group(t, "eos")
	src := newEOSCounter("test.EOSCounter")
	ctx := context.Background()

	// The worker's topic says 9 was committed, from before the connector
	// had a topic of its own.
	p := connect.NewSourcePartition("counter", "own")
	require.NoError(t, global.Put(ctx, "own", []offset.Entry{{Partition: p, Offset: connect.Int64Offset("n", 9)}}))

	w := newEOSWorker(t, brokers, global, group, src.plugin())
	require.NoError(t, w.CreateConnector(ctx, "own", src.config(topic, 50, 8, "offsets.storage.topic", own)))
	waitOffset(t, global, "own", 49) // the copy
	require.NoError(t, w.Close())
	require.Equal(t, int64(49), committedOffset(t, brokers, own, "own"))
	require.Equal(t, int64(49), committedOffset(t, brokers, globalTopic, "own"))
	numbers := committedNumbers(t, brokers, topic)
	require.Len(t, numbers, 40)
	require.Equal(t, int64(10), numbers[0])
	require.Equal(t, int64(49), numbers[39])
}

func TestTxnContext(t *testing.T) {
	recs := make([]connect.Record, 3)
	for _, tc := range []struct {
		name       string
		do         func(c *txnContext)
		wantRecord []txnAction // for recs[0..2], in order
		wantBatch  txnAction
		wantStale  int
		wantErr    string
	}{
		{name: "nothing", do: func(*txnContext) {},
			wantRecord: []txnAction{txnNone, txnNone, txnNone}},
		{name: "commit after", do: func(c *txnContext) { c.CommitAfter(&recs[1]) },
			wantRecord: []txnAction{txnNone, txnCommit, txnNone}},
		{name: "abort after", do: func(c *txnContext) { c.AbortAfter(&recs[2]); c.AbortAfter(&recs[2]) },
			wantRecord: []txnAction{txnNone, txnNone, txnAbort}},
		{name: "record wins over batch", do: func(c *txnContext) { c.Commit(); c.AbortAfter(&recs[0]) },
			wantRecord: []txnAction{txnAbort, txnNone, txnNone}, wantBatch: txnCommit},
		{name: "batch abort", do: func(c *txnContext) { c.Abort() },
			wantRecord: []txnAction{txnNone, txnNone, txnNone}, wantBatch: txnAbort},
		{name: "record of another batch", do: func(c *txnContext) { c.CommitAfter(&connect.Record{}) },
			wantRecord: []txnAction{txnNone, txnNone, txnNone}, wantStale: 1},
		{name: "both after one record", do: func(c *txnContext) { c.CommitAfter(&recs[0]); c.AbortAfter(&recs[0]) },
			wantErr: "both to commit and to abort the transaction after the same record"},
		{name: "both for the batch", do: func(c *txnContext) { c.Commit(); c.Abort() },
			wantRecord: []txnAction{txnNone, txnNone, txnNone}, wantErr: "both to commit and to abort the same transaction"},
		{name: "nil record", do: func(c *txnContext) { c.CommitAfter(nil); c.CommitAfter(&recs[1]) },
			wantErr: "TransactionContext.CommitAfter with a nil record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &txnContext{}
			tc.do(c)
			for i := range recs {
				act, err := c.recordAction(&recs[i])
				if err != nil {
					require.NotEmpty(t, tc.wantErr, "record %d: %v", i, err)
					require.ErrorContains(t, err, tc.wantErr)
					return
				}
				require.Equal(t, tc.wantRecord[i], act, "record %d", i)
			}
			act, stale, err := c.batchAction()
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantBatch, act)
			require.Equal(t, tc.wantStale, stale)
			// Requests are consumed.
			act, stale, err = c.batchAction()
			require.NoError(t, err)
			require.Equal(t, txnNone, act)
			require.Zero(t, stale)
		})
	}
}

func TestTaskTransactionalID(t *testing.T) {
	require.Equal(t, "kconnect-orders-3", taskTransactionalID(DefaultGroupID, TaskID{Connector: "orders", Task: 3}))
	require.Equal(t, "connect-cluster-a-b-0", taskTransactionalID("connect-cluster", TaskID{Connector: "a-b", Task: 0}))
}

// ExampleExactlyOnceSource runs a source connector with exactly-once
// delivery: each batch and its offsets are written in one transaction, so
// a read_committed consumer sees each record once, even across failures.
func ExampleExactlyOnceSource() {
	ctx := context.Background()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation())
	if err != nil {
		panic(err)
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()

	// Exactly-once needs offsets in Kafka.
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		panic(err)
	}
	defer cl.Close()
	store, err := offset.NewKafka(ctx, cl, "connect-offsets", offset.TopicPartitions(1))
	if err != nil {
		panic(err)
	}
	defer store.Close()

	var mu sync.Mutex
	next := int64(0)
	numbers := source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "example.Numbers", Kind: connect.SourcePlugin},
		New: func() source.Connector {
			return source.SimpleConnector(func() source.Task {
				return source.TaskFunc(func(ctx context.Context) ([]connect.Record, error) {
					mu.Lock()
					defer mu.Unlock()
					if next == 5 {
						<-ctx.Done()
						return nil, nil
					}
					next++
					return []connect.Record{{Topic: "numbers", ValueSchema: connect.Int64Schema, Value: next,
						SourcePartition: connect.NewSourcePartition("source", "numbers"),
						SourceOffset:    connect.Int64Offset("n", next)}}, nil
				})
			})
		},
	}
	w, err := New(Brokers(brokers...), Plugins(numbers), OffsetStore(store), ExactlyOnceSource(true),
		Logger(slog.New(slog.DiscardHandler)))
	if err != nil {
		panic(err)
	}
	defer w.Close()
	err = w.CreateConnector(ctx, "numbers", map[string]string{
		"connector.class": "example.Numbers", "value.converter": "JsonConverter",
		"value.converter.schemas.enable": "false", "topic.creation.default.partitions": "1",
	})
	if err != nil {
		panic(err)
	}

	consumer, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics("numbers"),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		panic(err)
	}
	defer consumer.Close()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for seen := 0; seen < 5; {
		fs := consumer.PollFetches(wctx)
		if wctx.Err() != nil {
			panic("records missing")
		}
		fs.EachRecord(func(r *kgo.Record) {
			fmt.Printf("%s transactional=%v\n", r.Value, r.Attrs.IsTransactional())
			seen++
		})
	}
	// Output:
	// 1 transactional=true
	// 2 transactional=true
	// 3 transactional=true
	// 4 transactional=true
	// 5 transactional=true
}

// BenchmarkSourceToKafkaEOS is BenchmarkSourceToKafka's worker case with
// exactly-once delivery: one transaction per 1000-record poll batch, with
// its offsets in a Kafka offsets topic.
func BenchmarkSourceToKafkaEOS(b *testing.B) {
	brokers := testkafka.Brokers(b)
	topic := testkafka.Topic(b, "bench")
	testkafka.CreateTopic(b, brokers, topic, benchPartitions, nil)
	offsetsTopic := testkafka.Topic(b, "offsets")
	compact := "compact"
	testkafka.CreateTopic(b, brokers, offsetsTopic, 1, map[string]*string{"cleanup.policy": &compact})
	cl := testkafka.Client(b, brokers)
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()
	store, err := offset.NewKafka(ctx, cl, offsetsTopic)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	src := newStructSource(b, b.N)
	w, err := New(Brokers(brokers...), Plugins(src.plugin()), OffsetStore(store), ExactlyOnceSource(true),
		WorkerGroupID(testkafka.Group(b, "bench")), Logger(slog.New(slog.DiscardHandler)), ID("bench-worker"))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()

	b.ReportAllocs()
	b.ResetTimer()
	err = w.CreateConnector(ctx, "bench", map[string]string{
		"connector.class": "bench.StructSource", "topic": topic,
		"key.converter": "JsonConverter", "key.converter.schemas.enable": "false",
		"value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
	})
	if err != nil {
		b.Fatal(err)
	}
	select {
	case <-src.done:
	case <-ctx.Done():
		st, _ := w.Status("bench")
		b.Fatalf("%d of %d records committed before the timeout; status %+v", src.settled.Load(), b.N, st)
	}
	b.StopTimer()
	if n := src.failed.Load(); n > 0 {
		b.Fatalf("%d records settled without being written", n)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// With errors.tolerance=all a record whose conversion fails is skipped
// inside the transaction: its offset is committed with the records around
// it, the task's CommitRecord hears of it without metadata, and
// read_committed consumers see every other record once. Batches of 300
// take the parallel conversion path (BatchGoroutines).
func TestEOSToleratedRecords(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "eos")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	store, offsetsTopic := eosKafkaStore(t, brokers)
	src := newEOSCounter("test.EOSCounter")
	src.bad.Store(310)

	w := newEOSWorkerWith(t, brokers, store, testkafka.Group(t, "eos"), []Opt{BatchGoroutines(2)}, src.plugin())
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "tolerant", src.config(topic, 900, 300, "errors.tolerance", "all")))
	waitOffset(t, store, "tolerant", 899)
	require.NoError(t, w.Close())
	require.Equal(t, int64(899), committedOffset(t, brokers, offsetsTopic, "tolerant"))
	numbers := committedNumbers(t, brokers, topic)
	require.Len(t, numbers, 899)
	for i, n := range numbers {
		want := int64(i)
		if i >= 310 {
			want++ // 310 was skipped
		}
		require.Equal(t, want, n, "committed record %d", i)
	}
	require.Equal(t, int64(899), src.written.Load())
	require.Equal(t, int64(1), src.unwritten.Load())
}

// Records for the worker's own offsets topic fail the task, as in Kafka
// Connect, before their conversion is looked at: a record whose conversion
// failed fails it too, tolerance or not, and nothing is committed.
func TestEOSRefusesOwnOffsetsTopic(t *testing.T) {
	brokers := testkafka.Brokers(t)
	store, offsetsTopic := eosKafkaStore(t, brokers)
	src := newEOSCounter("test.EOSCounter")
	src.bad.Store(0) // the first record does not convert

	w := newEOSWorker(t, brokers, store, testkafka.Group(t, "eos"), src.plugin())
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "own", src.config(offsetsTopic, 10, 5, "errors.tolerance", "all")))
	ts := waitTaskState(t, w, "own", Failed)
	require.Contains(t, ts.Trace, "may not write to their own offsets topic "+offsetsTopic)
	require.Contains(t, ts.Trace, `offset {"n":0}`)
	require.Equal(t, int64(-1), committedOffset(t, brokers, offsetsTopic, "own"))
}
