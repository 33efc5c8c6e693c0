package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/jsonconv"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// dlqConfig returns the errors.* keys that send failures to dlqTopic with
// context headers.
func dlqConfig(dlqTopic string, cfg map[string]string) map[string]string {
	cfg["errors.tolerance"] = "all"
	cfg["errors.deadletterqueue.topic.name"] = dlqTopic
	cfg["errors.deadletterqueue.topic.replication.factor"] = "1"
	cfg["errors.deadletterqueue.context.headers.enable"] = "true"
	return cfg
}

// consumeRecords reads n records from topic, from the start.
func consumeRecords(t *testing.T, brokers []string, topic string, n int) []*kgo.Record {
	t.Helper()
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "got %d of %d records", len(out), n)
		fs.EachRecord(func(r *kgo.Record) { out = append(out, r) })
	}
	return out
}

// contextHeaders returns the __connect.errors.* headers of r, in order, and
// the other headers before them.
func contextHeaders(r *kgo.Record) (other []kgo.RecordHeader, ctx map[string]string, keys []string) {
	ctx = map[string]string{}
	for _, h := range r.Headers {
		if strings.HasPrefix(h.Key, DLQHeaderPrefix) {
			ctx[h.Key] = string(h.Value)
			keys = append(keys, h.Key)
		} else {
			other = append(other, h)
		}
	}
	return other, ctx, keys
}

// committedTotal returns the sum of the offsets the group committed.
func committedTotal(t *testing.T, brokers []string, group string) int64 {
	t.Helper()
	offs, err := kadm.NewClient(testkafka.Client(t, brokers)).FetchOffsets(context.Background(), group)
	require.NoError(t, err)
	total := int64(0)
	offs.Each(func(o kadm.OffsetResponse) {
		if o.At > 0 {
			total += o.At
		}
	})
	return total
}

// A sink record whose value is not JSON goes to the dead-letter topic with
// its original key, value, headers and timestamp and every context header;
// the good records reach the task and the offsets move past the bad ones.
func TestSinkDeadLetterQueue(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "sink")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	dlqTopic := testkafka.Topic(t, "dlq")
	testkafka.DeleteTopicAtCleanup(t, brokers, dlqTopic)

	ts := time.UnixMilli(1700000000123)
	hdrs := []kgo.RecordHeader{{Key: "h", Value: []byte("x")}, {Key: "h", Value: []byte("y")}}
	in := []*kgo.Record{
		{Key: []byte("k0"), Value: []byte(`"v-0"`)},
		{Key: []byte("k1"), Value: []byte("not json"), Timestamp: ts, Headers: hdrs},
		{Key: []byte("k2"), Value: []byte(`"v-2"`)},
		{Key: nil, Value: []byte("{broken")},
		{Key: []byte("k4"), Value: []byte(`"v-4"`)},
	}
	cl := testkafka.Client(t, brokers, kgo.DefaultProduceTopic(topic))
	require.NoError(t, cl.ProduceSync(context.Background(), in...).FirstErr())

	c := newCollector(3)
	w := newTestWorker(t, brokers, offset.NewMemory(), c.plugin())
	name := testkafka.Group(t, "dlq-sink")
	require.NoError(t, w.CreateConnector(context.Background(), name, dlqConfig(dlqTopic, map[string]string{
		"connector.class": "test.CollectorSink", "topics": topic,
		"key.converter": "StringConverter", "value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
	})))
	waitOrFail(t, c.done)
	dead := consumeRecords(t, brokers, dlqTopic, 2)
	require.NoError(t, w.Close())

	c.mu.Lock()
	var got []any
	for _, r := range c.records {
		got = append(got, r.Value)
	}
	c.mu.Unlock()
	require.Equal(t, []any{"v-0", "v-2", "v-4"}, got)

	conv, err := jsonconv.Plugin().New(map[string]string{"schemas.enable": "false"}, false)
	require.NoError(t, err)
	wantKeys := []string{DLQHeaderTopic, DLQHeaderPartition, DLQHeaderOffset, DLQHeaderConnectorName, DLQHeaderTaskID,
		DLQHeaderStage, DLQHeaderClassName, DLQHeaderExceptionClassName, DLQHeaderExceptionMessage, DLQHeaderExceptionStacktrace}
	for i, tc := range []struct {
		src     *kgo.Record
		offset  string
		headers []kgo.RecordHeader
	}{
		{src: in[1], offset: "1", headers: hdrs},
		{src: in[3], offset: "3"},
	} {
		d := dead[i]
		require.Equal(t, tc.src.Key, d.Key, "record %d", i)
		require.Equal(t, tc.src.Value, d.Value, "record %d", i)
		if !tc.src.Timestamp.IsZero() {
			require.Equal(t, tc.src.Timestamp.UnixMilli(), d.Timestamp.UnixMilli())
		}
		other, hs, keys := contextHeaders(d)
		require.Equal(t, tc.headers, other)
		require.Equal(t, wantKeys, keys)
		_, _, convErr := conv.ToConnect(topic, connect.Headers{}, tc.src.Value)
		require.Error(t, convErr)
		require.Equal(t, map[string]string{
			DLQHeaderTopic:               topic,
			DLQHeaderPartition:           "0",
			DLQHeaderOffset:              tc.offset,
			DLQHeaderConnectorName:       name,
			DLQHeaderTaskID:              "0",
			DLQHeaderStage:               "VALUE_CONVERTER",
			DLQHeaderClassName:           "org.apache.kafka.connect.json.JsonConverter",
			DLQHeaderExceptionClassName:  fmt.Sprintf("%T", convErr),
			DLQHeaderExceptionMessage:    convErr.Error(),
			DLQHeaderExceptionStacktrace: string(appendErrorChain(nil, convErr)),
		}, hs)
		require.True(t, strings.HasPrefix(hs[DLQHeaderExceptionStacktrace], fmt.Sprintf("%T: %s\nCaused by: ", convErr, convErr)))
	}

	// The final commit moved past every record, the bad ones included.
	require.Equal(t, int64(len(in)), committedTotal(t, brokers, GroupID(name)))
}

// signalHandler is a slog handler that closes seen at the first record
// with message msg.
type signalHandler struct {
	msg  string
	seen chan struct{}
	once *sync.Once
}

func (h signalHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h signalHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.once.Do(func() { close(h.seen) })
	}
	return nil
}
func (h signalHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h signalHandler) WithGroup(string) slog.Handler      { return h }

// The sink commit waits for pending dead-letter writes: while the
// dead-letter topic does not acknowledge (kfake holds its produce requests),
// no offset past the bad record is committed; once it does, the commit goes
// through.
func TestSinkCommitWaitsForDeadLetters(t *testing.T) {
	if testkafka.Real() {
		t.Skip("needs a kfake cluster to hold dead letter writes back")
	}
	open := make(chan struct{})
	var opened sync.Once
	defer opened.Do(func() { close(open) })
	topic := testkafka.Topic(t, "sink")
	brokers, cluster := gatedCluster(t, topic, open)
	cl := testkafka.Client(t, brokers, kgo.DefaultProduceTopic(topic))
	require.NoError(t, cl.ProduceSync(context.Background(),
		&kgo.Record{Value: []byte(`"v-0"`)}, &kgo.Record{Value: []byte("not json")}, &kgo.Record{Value: []byte(`"v-2"`)},
	).FirstErr())

	// Watch offset commits: one past the bad record (offset 1) while the
	// dead-letter write cannot have been acknowledged is a violation.
	var mu sync.Mutex
	gateOpen := false
	violated, committedAll := make(chan int64, 100), make(chan struct{})
	var committedOnce sync.Once
	cluster.ControlKey(int16(kmsg.OffsetCommit), func(req kmsg.Request) (kmsg.Response, error, bool) {
		cluster.KeepControl()
		mu.Lock()
		defer mu.Unlock()
		for _, tp := range req.(*kmsg.OffsetCommitRequest).Topics {
			for _, p := range tp.Partitions {
				if p.Offset > 1 && !gateOpen {
					violated <- p.Offset
				}
				if p.Offset == 3 {
					committedOnce.Do(func() { close(committedAll) })
				}
			}
		}
		return nil, nil, false
	})

	skipped := signalHandler{msg: "dead letter queue writes not acknowledged; not committing offsets",
		seen: make(chan struct{}), once: &sync.Once{}}
	c := newCollector(2)
	w, err := New(Brokers(brokers...), Plugins(c.plugin()), OffsetStore(offset.NewMemory()), ID("test-worker"),
		OffsetFlushInterval(20*time.Millisecond), OffsetFlushTimeout(50*time.Millisecond), Logger(slog.New(skipped)))
	require.NoError(t, err)
	defer w.Close()
	dlqTopic := testkafka.Topic(t, "dlq")
	name := testkafka.Group(t, "dlq-wait")
	require.NoError(t, w.CreateConnector(context.Background(), name, dlqConfig(dlqTopic, map[string]string{
		"connector.class": "test.CollectorSink", "topics": topic,
		"value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
	})))
	waitOrFail(t, c.done)
	// A commit comes due while the dead-letter write is held back.
	select {
	case <-skipped.seen:
	case off := <-violated:
		t.Fatalf("committed offset %d while the dead letter write was pending", off)
	case <-time.After(30 * time.Second):
		t.Fatal("timed out")
	}
	mu.Lock()
	gateOpen = true
	mu.Unlock()
	opened.Do(func() { close(open) })
	waitOrFail(t, committedAll)
	require.Empty(t, violated)
	dead := consumeRecords(t, brokers, dlqTopic, 1)
	require.Equal(t, "not json", string(dead[0].Value))
	require.NoError(t, w.Close())
}

// reportingSink reports records whose value starts with "bad" through the
// ErrantRecordReporter; for "bad-built" it reports a record it built
// itself, which has no consumed form.
type reportingSink struct {
	mu      sync.Mutex
	written []string
	errs    []error
	done    chan struct{}
	want    int
	once    sync.Once
}

var errRefused = errors.New("refused by the store")

func (rs *reportingSink) plugin() sink.Plugin {
	return sink.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.ReportingSink", Kind: connect.SinkPlugin},
		New: func() sink.Connector {
			return sink.SimpleConnector(func() sink.Task { return &reportingTask{rs: rs} })
		},
	}
}

type reportingTask struct {
	rs *reportingSink
	tc sink.TaskContext
}

func (t *reportingTask) Start(_ context.Context, _ map[string]string, tc sink.TaskContext) error {
	t.tc = tc
	return nil
}

func (t *reportingTask) Put(ctx context.Context, records []connect.Record) error {
	t.rs.mu.Lock()
	defer t.rs.mu.Unlock()
	for _, r := range records {
		v, _ := r.Value.(string)
		switch {
		case v == "bad-built":
			built := connect.Record{Topic: "made-up", KeySchema: connect.StringSchema, Key: "mk", Value: "rebuilt"}
			built.Headers = built.Headers.AddString("hb", "vb")
			if err := t.tc.Reporter().Report(ctx, built, fmt.Errorf("cannot store %s: %w", v, errRefused)); err != nil {
				t.rs.errs = append(t.rs.errs, err)
			}
		case strings.HasPrefix(v, "bad"):
			if err := t.tc.Reporter().Report(ctx, r, fmt.Errorf("cannot store %s: %w", v, errRefused)); err != nil {
				t.rs.errs = append(t.rs.errs, err)
			}
		default:
			t.rs.written = append(t.rs.written, v)
		}
	}
	if len(t.rs.written) >= t.rs.want {
		t.rs.once.Do(func() { close(t.rs.done) })
	}
	return nil
}

func (t *reportingTask) Stop(context.Context) error { return nil }

// Records a sink task reports go to the dead-letter topic at stage
// TASK_PUT: in their consumed form when they came from Kafka, converted
// again with the connector's converters when the task built them.
func TestSinkErrantRecordReporterDeadLetterQueue(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "sink")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	dlqTopic := testkafka.Topic(t, "dlq")
	testkafka.DeleteTopicAtCleanup(t, brokers, dlqTopic)
	in := []*kgo.Record{
		{Key: []byte("k0"), Value: []byte(`"ok-0"`)},
		{Key: []byte("k1"), Value: []byte(`  "bad-1"`), Headers: []kgo.RecordHeader{{Key: "trace", Value: []byte("abc")}}},
		{Key: []byte("k2"), Value: []byte(`"ok-2"`)},
		{Key: []byte("k3"), Value: []byte(`"bad-built"`)},
		{Key: []byte("k4"), Value: []byte(`"ok-4"`)},
	}
	cl := testkafka.Client(t, brokers, kgo.DefaultProduceTopic(topic))
	require.NoError(t, cl.ProduceSync(context.Background(), in...).FirstErr())

	rs := &reportingSink{done: make(chan struct{}), want: 3}
	w := newTestWorker(t, brokers, offset.NewMemory(), rs.plugin())
	name := testkafka.Group(t, "dlq-reporter")
	require.NoError(t, w.CreateConnector(context.Background(), name, dlqConfig(dlqTopic, map[string]string{
		"connector.class": "test.ReportingSink", "topics": topic,
		"key.converter": "StringConverter", "value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
	})))
	waitOrFail(t, rs.done)
	dead := consumeRecords(t, brokers, dlqTopic, 2)
	require.NoError(t, w.Close())
	rs.mu.Lock()
	require.Empty(t, rs.errs)
	require.Equal(t, []string{"ok-0", "ok-2", "ok-4"}, rs.written)
	rs.mu.Unlock()

	// The consumed record, byte for byte (the leading spaces included).
	require.Equal(t, "k1", string(dead[0].Key))
	require.Equal(t, `  "bad-1"`, string(dead[0].Value))
	other, hs, _ := contextHeaders(dead[0])
	require.Equal(t, []kgo.RecordHeader{{Key: "trace", Value: []byte("abc")}}, other)
	require.Equal(t, map[string]string{
		DLQHeaderTopic: topic, DLQHeaderPartition: "0", DLQHeaderOffset: "1",
		DLQHeaderConnectorName: name, DLQHeaderTaskID: "0", DLQHeaderStage: "TASK_PUT",
		DLQHeaderClassName:           "org.apache.kafka.connect.sink.SinkTask",
		DLQHeaderExceptionClassName:  "*fmt.wrapError",
		DLQHeaderExceptionMessage:    "cannot store bad-1: refused by the store",
		DLQHeaderExceptionStacktrace: "*fmt.wrapError: cannot store bad-1: refused by the store\nCaused by: *errors.errorString: refused by the store",
	}, hs)

	// The record the task built, through the key, value and header converters.
	require.Equal(t, "mk", string(dead[1].Key))
	require.Equal(t, `"rebuilt"`, string(dead[1].Value))
	other, hs, _ = contextHeaders(dead[1])
	require.Equal(t, []kgo.RecordHeader{{Key: "hb", Value: []byte("vb")}}, other)
	require.Equal(t, "made-up", hs[DLQHeaderTopic])
	require.NotContains(t, hs, DLQHeaderPartition)
	require.NotContains(t, hs, DLQHeaderOffset)
	require.Equal(t, "TASK_PUT", hs[DLQHeaderStage])

	require.Equal(t, int64(len(in)), committedTotal(t, brokers, GroupID(name)))
}

// When the dead-letter write fails (the topic refuses the record), the sink
// task fails, as in Kafka Connect, and no offset is committed past the
// record.
func TestSinkDeadLetterWriteFailureFailsTask(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "sink")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	dlqTopic := testkafka.Topic(t, "dlq")
	tiny := "1"
	testkafka.CreateTopic(t, brokers, dlqTopic, 1, map[string]*string{"max.message.bytes": &tiny})
	cl := testkafka.Client(t, brokers, kgo.DefaultProduceTopic(topic))
	require.NoError(t, cl.ProduceSync(context.Background(),
		&kgo.Record{Value: []byte(`"v-0"`)}, &kgo.Record{Value: []byte("not json")}, &kgo.Record{Value: []byte(`"v-2"`)},
	).FirstErr())

	c := newCollector(1)
	w := newTestWorker(t, brokers, offset.NewMemory(), c.plugin())
	defer w.Close()
	name := testkafka.Group(t, "dlq-fail")
	require.NoError(t, w.CreateConnector(context.Background(), name, dlqConfig(dlqTopic, map[string]string{
		"connector.class": "test.CollectorSink", "topics": topic,
		"value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
	})))
	var st ConnectorStatus
	require.Eventually(t, func() bool {
		st, _ = w.Status(name)
		return len(st.Tasks) == 1 && st.Tasks[0].State == Failed
	}, 30*time.Second, 10*time.Millisecond)
	require.Contains(t, st.Tasks[0].Trace, "dead letter queue topic "+dlqTopic)
	require.Contains(t, st.Tasks[0].Trace, "offset 1")
	require.NoError(t, w.Close())
	require.LessOrEqual(t, committedTotal(t, brokers, GroupID(name)), int64(1), "committed past the record that is not in the dead letter queue")
}

// checkingStore checks, at every commit of a counter offset n, that every
// bad record from first up to n is already in the dead-letter topic.
type checkingStore struct {
	offset.Store
	brokers   []string
	dlqTopic  string
	first     int64 // the first bad record
	badEvery  int64
	committed chan struct{} // closed at the first commit

	mu         sync.Mutex
	checks     int
	violations []string
}

func (s *checkingStore) Put(ctx context.Context, connector string, entries []offset.Entry) error {
	for _, e := range entries {
		n, ok := e.Offset.Int64("n")
		if !ok {
			continue
		}
		inDLQ, err := s.deadKeys(ctx)
		if err != nil {
			return err
		}
		s.mu.Lock()
		if s.checks == 0 {
			close(s.committed)
		}
		s.checks++
		for k := s.first; k <= n; k += s.badEvery {
			if !inDLQ[strconv.FormatInt(k, 10)] {
				s.violations = append(s.violations, fmt.Sprintf("offset n=%d committed before bad record %d was in the DLQ", n, k))
			}
		}
		s.mu.Unlock()
	}
	return s.Store.Put(ctx, connector, entries)
}

// deadKeys reads the dead-letter topic up to its end and returns its keys.
func (s *checkingStore) deadKeys(ctx context.Context) (map[string]bool, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.brokers...), kgo.ConsumeTopics(s.dlqTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, s.dlqTopic)
	if err != nil {
		return nil, err
	}
	end := int64(0)
	ends.Each(func(o kadm.ListedOffset) { end += o.Offset })
	keys := map[string]bool{}
	for read := int64(0); read < end; {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fs.EachRecord(func(r *kgo.Record) {
			keys[string(r.Key)] = true
			read++
		})
	}
	return keys, nil
}

// gatedBrokers returns brokers with openTopic created whose writes to any
// other topic wait until open is closed (see gatedCluster), or, against a
// real broker (which cannot be gated), the shared one.
func gatedBrokers(t *testing.T, openTopic string, open <-chan struct{}) []string {
	t.Helper()
	if testkafka.Real() {
		brokers := testkafka.Brokers(t)
		testkafka.CreateTopic(t, brokers, openTopic, 1, nil)
		return brokers
	}
	brokers, _ := gatedCluster(t, openTopic, open)
	return brokers
}

// gatedCluster starts a kfake cluster of the test's own with openTopic
// created, whose produce requests to any other topic wait until open is
// closed.
func gatedCluster(t *testing.T, openTopic string, open <-chan struct{}) ([]string, *kfake.Cluster) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(1))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	brokers := c.ListenAddrs()
	testkafka.CreateTopic(t, brokers, openTopic, 1, nil)
	tds, err := kadm.NewClient(testkafka.Client(t, brokers)).ListTopics(context.Background(), openTopic)
	require.NoError(t, err)
	openID := tds[openTopic].ID
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		for _, tp := range req.(*kmsg.ProduceRequest).Topics {
			// Produce v13+ names topics by ID only.
			if tp.Topic != openTopic && tp.TopicID != openID {
				c.SleepControl(func() { <-open })
				break
			}
		}
		return nil, nil, false // then handled as usual
	})
	return brokers, c
}

// A source record that fails in a transform goes to the dead-letter topic
// as schemaless JSON with the context headers and its source partition and
// offset; its offset is committed only once the dead-letter topic has it.
//
// On kfake, writes to the dead-letter topic are held back until a first
// offset commit has happened, so that a commit racing ahead of a pending
// dead-letter write would be seen.
func TestSourceDeadLetterQueue(t *testing.T) {
	dlqTopic := testkafka.Topic(t, "dlq")
	open := make(chan struct{})
	var opened sync.Once
	defer opened.Do(func() { close(open) })
	topic := testkafka.Topic(t, "src")
	brokers := gatedBrokers(t, topic, open)
	testkafka.DeleteTopicAtCleanup(t, brokers, dlqTopic)
	const name = "dlq-source"
	ctx := context.Background()
	mem := offset.NewMemory()
	part := connect.NewSourcePartition("counter", name)
	// Resume after record 0, so that good records 1-3 come before the
	// first bad one, 4.
	require.NoError(t, mem.Put(ctx, name, []offset.Entry{{Partition: part, Offset: connect.Int64Offset("n", 0)}}))
	store := &checkingStore{Store: mem, brokers: brokers, dlqTopic: dlqTopic, first: 4, badEvery: 4, committed: make(chan struct{})}
	cs := &counterSource{}
	w := newTestWorker(t, brokers, store, cs.plugin())
	require.NoError(t, w.CreateConnector(ctx, name, dlqConfig(dlqTopic, map[string]string{
		"connector.class": "test.CounterSource", "topic": topic, "limit": "41", "bad.every": "4",
		"key.converter.schemas.enable": "false", "value.converter.schemas.enable": "false",
		"transforms": "cast", "transforms.cast.type": "Cast$Value", "transforms.cast.spec": "int64",
	})))
	waitOrFail(t, store.committed)
	opened.Do(func() { close(open) })
	values := consumeValues(t, brokers, topic, 30)
	dead := consumeRecords(t, brokers, dlqTopic, 10)
	require.NoError(t, w.Close())
	require.Len(t, values, 30)
	require.Contains(t, values, "1")
	require.NotContains(t, values, "4")
	require.Contains(t, values, "39")

	for i, d := range dead {
		n := int64(4 + i*4)
		require.Equal(t, strconv.FormatInt(n, 10), string(d.Key))
		require.Equal(t, fmt.Sprintf(`"bad-%d"`, n), string(d.Value))
		other, hs, keys := contextHeaders(d)
		require.Empty(t, other)
		require.Equal(t, []string{DLQHeaderTopic, DLQHeaderConnectorName, DLQHeaderTaskID, DLQHeaderStage, DLQHeaderClassName,
			DLQHeaderExceptionClassName, DLQHeaderExceptionMessage, DLQHeaderExceptionStacktrace,
			DLQHeaderSourcePartition, DLQHeaderSourceOffset}, keys)
		require.Equal(t, topic, hs[DLQHeaderTopic])
		require.Equal(t, name, hs[DLQHeaderConnectorName])
		require.Equal(t, "0", hs[DLQHeaderTaskID])
		require.Equal(t, "TRANSFORMATION", hs[DLQHeaderStage])
		require.Equal(t, "org.apache.kafka.connect.transforms.Cast$Value", hs[DLQHeaderClassName])
		require.Equal(t, "*connect.DataError", hs[DLQHeaderExceptionClassName])
		require.Contains(t, hs[DLQHeaderExceptionMessage], "transform cast: ")
		require.True(t, strings.HasPrefix(hs[DLQHeaderExceptionStacktrace], "*connect.DataError: "+hs[DLQHeaderExceptionMessage]+"\nCaused by: "))
		require.Equal(t, `{"counter":"`+name+`"}`, hs[DLQHeaderSourcePartition])
		require.Equal(t, fmt.Sprintf(`{"n":%d}`, n), hs[DLQHeaderSourceOffset])
	}

	store.mu.Lock()
	defer store.mu.Unlock()
	require.Empty(t, store.violations)
	require.Positive(t, store.checks)
	o, err := store.Get(ctx, name, []connect.SourcePartition{part})
	require.NoError(t, err)
	require.Equal(t, `{"n":40}`, o[part].String())
}

// With errors.tolerance=none the first failure fails the task, and nothing
// is written to the dead-letter topic.
func TestDeadLetterQueueToleranceNone(t *testing.T) {
	for _, kind := range []string{"source", "sink"} {
		t.Run(kind, func(t *testing.T) {
			brokers := testkafka.Brokers(t)
			topic := testkafka.Topic(t, kind)
			testkafka.CreateTopic(t, brokers, topic, 1, nil)
			dlqTopic := testkafka.Topic(t, "dlq")
			testkafka.DeleteTopicAtCleanup(t, brokers, dlqTopic)
			cs, c := &counterSource{}, newCollector(1)
			w := newTestWorker(t, brokers, offset.NewMemory(), cs.plugin(), c.plugin())
			defer w.Close()
			name := testkafka.Group(t, "strict")
			cfg := dlqConfig(dlqTopic, map[string]string{"value.converter.schemas.enable": "false"})
			cfg["errors.tolerance"] = "none"
			if kind == "source" {
				cfg["connector.class"], cfg["topic"], cfg["bad.every"] = "test.CounterSource", topic, "3"
				cfg["transforms"], cfg["transforms.cast.type"], cfg["transforms.cast.spec"] = "cast", "Cast$Value", "int64"
			} else {
				cfg["connector.class"], cfg["topics"] = "test.CollectorSink", topic
				cl := testkafka.Client(t, brokers, kgo.DefaultProduceTopic(topic))
				require.NoError(t, cl.ProduceSync(context.Background(), &kgo.Record{Value: []byte("not json")}).FirstErr())
			}
			require.NoError(t, w.CreateConnector(context.Background(), name, cfg))
			var st ConnectorStatus
			require.Eventually(t, func() bool {
				st, _ = w.Status(name)
				return len(st.Tasks) == 1 && st.Tasks[0].State == Failed
			}, 30*time.Second, 10*time.Millisecond)
			require.NotContains(t, st.Tasks[0].Trace, "dead letter")
			require.NoError(t, w.Close())

			ends, err := kadm.NewClient(testkafka.Client(t, brokers)).ListEndOffsets(context.Background(), dlqTopic)
			require.NoError(t, err)
			ends.Each(func(o kadm.ListedOffset) {
				if o.Err == nil {
					require.Zero(t, o.Offset, "records in the dead letter queue")
				}
			})
		})
	}
}

// A bad replication factor fails the task at start, naming the key.
func TestDeadLetterQueueBadReplicationFactor(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "sink")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	c := newCollector(1)
	w := newTestWorker(t, brokers, offset.NewMemory(), c.plugin())
	defer w.Close()
	name := testkafka.Group(t, "bad-rf")
	cfg := dlqConfig(testkafka.Topic(t, "dlq"), map[string]string{"connector.class": "test.CollectorSink", "topics": topic})
	cfg[DLQTopicReplicationFactorConfig] = "0"
	require.NoError(t, w.CreateConnector(context.Background(), name, cfg))
	var st ConnectorStatus
	require.Eventually(t, func() bool {
		st, _ = w.Status(name)
		return len(st.Tasks) == 1 && st.Tasks[0].State == Failed
	}, 30*time.Second, 10*time.Millisecond)
	require.Contains(t, st.Tasks[0].Trace, DLQTopicReplicationFactorConfig)
}

func TestAppendErrorChain(t *testing.T) {
	base := errors.New("base")
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"single", base, "*errors.errorString: base"},
		{"wrapped", fmt.Errorf("outer: %w", base), "*fmt.wrapError: outer: base\nCaused by: *errors.errorString: base"},
		{"data error", &connect.DataError{Path: "f", Err: base},
			"*connect.DataError: connect: f: base\nCaused by: *errors.errorString: base"},
		{"joined", errors.Join(base, errors.New("other")),
			"*errors.joinError: base\nother\nCaused by: *errors.errorString: base\nCaused by: *errors.errorString: other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, string(appendErrorChain(nil, tc.err)))
		})
	}
}

func TestExecutingClassNames(t *testing.T) {
	w := newTestWorker(t, testkafka.Brokers(t), offset.NewMemory())
	defer w.Close()
	raw := map[string]string{
		"name": "x", "connector.class": "test.CounterSource", "topic": "t",
		"key.converter": "StringConverter", "header.converter": "org.apache.kafka.connect.storage.SimpleHeaderConverter",
		"transforms": "a,a: b", "transforms.a.type": "Cast$Value", "transforms.a.spec": "int64",
		"transforms.a: b.type": "org.apache.kafka.connect.transforms.InsertField$Value", "transforms.a: b.static.field": "f",
	}
	cfg, err := sourceConfigDef().Parse(raw)
	require.NoError(t, err)
	cn := newClassNames(w.engine, &connectorRun{cfg: cfg, raw: raw, resolved: raw})
	dataErr := func(alias string) error {
		return &connect.DataError{Err: fmt.Errorf("transform %s: %w", alias, errors.New("boom"))}
	}
	for _, tc := range []struct {
		stage stage
		cause error
		want  string
	}{
		{stageKeyConverter, errors.New("x"), "org.apache.kafka.connect.storage.StringConverter"},
		{stageValueConverter, errors.New("x"), "org.apache.kafka.connect.json.JsonConverter"},
		{stageHeaderConverter, errors.New("x"), "org.apache.kafka.connect.storage.SimpleHeaderConverter"},
		{stageTransformation, dataErr("a"), "org.apache.kafka.connect.transforms.Cast$Value"},
		{stageTransformation, dataErr("a: b"), "org.apache.kafka.connect.transforms.InsertField$Value"},
		{stageTransformation, errors.New("transform a: panic: oops"), "org.apache.kafka.connect.transforms.Cast$Value"},
		{stageTransformation, errors.New("something else"), "*transform.Chain"},
		{stagePut, errors.New("x"), "org.apache.kafka.connect.sink.SinkTask"},
		{stageProduce, errors.New("x"), "org.apache.kafka.connect.runtime.WorkerSourceTask"},
	} {
		require.Equal(t, tc.want, cn.of(tc.stage, tc.cause), "%s %v", tc.stage, tc.cause)
	}
}

func TestJSONBytes(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want []byte
	}{
		{nil, nil},
		{"s", []byte(`"s"`)},
		{int64(7), []byte(`7`)},
		{map[string]any{"a": []any{true}}, []byte(`{"a":[true]}`)},
		{struct{ X int }{1}, []byte(`"{1}"`)}, // outside the data model: its Go form, as a string
	} {
		require.Equal(t, tc.want, jsonBytes(tc.v), "%#v", tc.v)
	}
}
