package worker

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/source"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
)

// counterSource emits records numbered from the committed offset on, up to
// "limit", then waits. Its partition is {"counter": <name>}.
type counterSource struct {
	started atomic.Int32
	// failStarts makes the first task starts fail.
	failStarts int32
}

func (cs *counterSource) plugin() source.Plugin {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "topic", Type: connect.ConfigString, Required: true, Importance: connect.High}).
		Define(connect.ConfigKey{Name: "limit", Type: connect.ConfigLong, Default: int64(100), Importance: connect.High}).
		Define(connect.ConfigKey{Name: "bad.every", Type: connect.ConfigLong, Default: int64(0), Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "batch", Type: connect.ConfigLong, Default: int64(50), Importance: connect.Low})
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.CounterSource", Kind: connect.SourcePlugin, Config: def},
		New: func() source.Connector {
			return source.SimpleConnector(func() source.Task { return &counterTask{cs: cs} })
		},
	}
}

type counterTask struct {
	cs        *counterSource
	topic     string
	limit     int64
	badEvery  int64
	batch     int
	next      int64
	partition connect.SourcePartition
}

func (t *counterTask) Start(ctx context.Context, cfg map[string]string, tc source.TaskContext) error {
	if n := t.cs.started.Add(1); n <= t.cs.failStarts {
		return fmt.Errorf("start %d fails on purpose", n)
	}
	t.topic = cfg["topic"]
	t.limit, _ = strconv.ParseInt(cfg["limit"], 10, 64)
	if t.limit == 0 {
		t.limit = 100
	}
	t.badEvery, _ = strconv.ParseInt(cfg["bad.every"], 10, 64)
	t.batch = 50
	if b, err := strconv.Atoi(cfg["batch"]); err == nil && b > 0 {
		t.batch = b
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

func (t *counterTask) Poll(ctx context.Context) ([]connect.Record, error) {
	if t.next >= t.limit {
		<-ctx.Done()
		return nil, nil
	}
	var out []connect.Record
	for ; t.next < t.limit && len(out) < t.batch; t.next++ {
		value := fmt.Sprintf("record-%d", t.next)
		if t.badEvery > 0 {
			value = strconv.FormatInt(t.next, 10)
			if t.next%t.badEvery == 0 {
				value = "bad-" + value
			}
		}
		out = append(out, connect.Record{
			Topic: t.topic, KeySchema: connect.Int64Schema, Key: t.next,
			ValueSchema: connect.StringSchema, Value: value,
			SourcePartition: t.partition, SourceOffset: connect.Int64Offset("n", t.next),
		})
	}
	return out, nil
}

func (t *counterTask) Stop(context.Context) error { return nil }

func newTestWorker(t *testing.T, brokers []string, store offset.Store, plugins ...connect.Plugin) *Worker {
	t.Helper()
	return newTestWorkerWith(t, brokers, store, nil, plugins...)
}

// newSplittingWorker is newTestWorker with every batch of 256 records or
// more transformed and converted on several goroutines (BatchGoroutines),
// however cheap: for the tests of that path.
func newSplittingWorker(t *testing.T, brokers []string, store offset.Store, plugins ...connect.Plugin) *Worker {
	t.Helper()
	return newTestWorkerWith(t, brokers, store, []Opt{BatchGoroutines(4)}, plugins...)
}

func newTestWorkerWith(t *testing.T, brokers []string, store offset.Store, opts []Opt, plugins ...connect.Plugin) *Worker {
	t.Helper()
	w, err := New(append([]Opt{Brokers(brokers...), Plugins(plugins...), OffsetStore(store),
		OffsetFlushInterval(50 * time.Millisecond), Logger(slog.New(slog.DiscardHandler)), ID("test-worker")}, opts...)...)
	require.NoError(t, err)
	return w
}

// consumeValues reads n records from topic and returns their values.
func consumeValues(t *testing.T, brokers []string, topic string, n int) []string {
	t.Helper()
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []string
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "got %d of %d records", len(out), n)
		fs.EachRecord(func(r *kgo.Record) { out = append(out, string(r.Value)) })
	}
	return out
}

func TestSourceTaskProducesAndCommits(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "src")
	testkafka.CreateTopic(t, brokers, topic, 3, nil)
	store := offset.NewMemory()
	cs := &counterSource{}

	w := newTestWorker(t, brokers, store, cs.plugin())
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "counter", map[string]string{
		"connector.class": "test.CounterSource", "topic": topic, "limit": "100",
		"key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
		"value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
	}))
	values := consumeValues(t, brokers, topic, 100)
	require.Len(t, values, 100)
	require.Contains(t, values, `"record-0"`)
	require.Contains(t, values, `"record-99"`)

	st, err := w.Status("counter")
	require.NoError(t, err)
	require.Equal(t, Running, st.Connector.State)
	require.Len(t, st.Tasks, 1)
	require.Equal(t, Running, st.Tasks[0].State)
	require.Equal(t, "source", st.Type)

	require.NoError(t, w.Close())
	// Close committed the last offset.
	o, err := store.Get(ctx, "counter", []connect.SourcePartition{connect.NewSourcePartition("counter", "counter")})
	require.NoError(t, err)
	require.Len(t, o, 1)
	for _, off := range o {
		require.Equal(t, `{"n":99}`, off.String())
	}

	// A new worker with the same store resumes after the committed offset.
	w2 := newTestWorker(t, brokers, store, cs.plugin())
	require.NoError(t, w2.CreateConnector(ctx, "counter", map[string]string{
		"connector.class": "test.CounterSource", "topic": topic, "limit": "150",
		"value.converter.schemas.enable": "false", "key.converter.schemas.enable": "false",
	}))
	values = consumeValues(t, brokers, topic, 150)
	require.NoError(t, w2.Close())
	seen := map[string]int{}
	for _, v := range values {
		seen[v]++
	}
	require.Len(t, seen, 150)
	for v, n := range seen {
		require.Equal(t, 1, n, "%s delivered %d times", v, n)
	}
}

func TestCreateConnectorConfigErrors(t *testing.T) {
	cs := &counterSource{}
	w := newTestWorker(t, testkafka.Brokers(t), offset.NewMemory(), cs.plugin())
	defer w.Close()
	ctx := context.Background()
	err := w.CreateConnector(ctx, "bad", map[string]string{"connector.class": "test.CounterSource", "tasks.max": "0", "limit": "x"})
	require.Error(t, err)
	for _, key := range []string{"tasks.max", "limit", "topic"} {
		require.Contains(t, err.Error(), key)
	}
	err = w.CreateConnector(ctx, "bad", map[string]string{"connector.class": "NoSuchConnector"})
	require.ErrorContains(t, err, "NoSuchConnector")
	require.ErrorContains(t, err, "test.CounterSource")
	err = w.CreateConnector(ctx, "bad", map[string]string{"connector.class": "test.CounterSource", "topic": "t",
		"value.converter": "NoSuchConverter"})
	require.ErrorContains(t, err, "value.converter")
	_, err = w.Status("bad")
	require.ErrorIs(t, err, ErrNotFound)
}

// A transform chain from a Kafka Connect config runs on every record; with
// errors.tolerance=all the records Cast cannot convert are skipped and the
// offsets still move past them.
func TestSourceTransformsAndTolerance(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "src")
	routed := topic + "-routed"
	testkafka.CreateTopic(t, brokers, routed, 1, nil)
	store := offset.NewMemory()
	cs := &counterSource{}
	w := newTestWorker(t, brokers, store, cs.plugin())
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "tolerant", map[string]string{
		"connector.class": "test.CounterSource", "topic": topic, "limit": "40", "bad.every": "4",
		"value.converter.schemas.enable": "false",
		"transforms":                     "route,cast", "transforms.route.type": "RegexRouter",
		"transforms.route.regex": "(.*)", "transforms.route.replacement": "$1-routed",
		"transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value", "transforms.cast.spec": "int64",
		"errors.tolerance": "all", "errors.log.enable": "true",
	}))
	values := consumeValues(t, brokers, routed, 30)
	require.NoError(t, w.Close())
	require.Len(t, values, 30)
	require.NotContains(t, values, "0")
	require.Contains(t, values, "1")
	require.Contains(t, values, "39")
	o, err := store.Get(ctx, "tolerant", []connect.SourcePartition{connect.NewSourcePartition("counter", "tolerant")})
	require.NoError(t, err)
	for _, off := range o {
		require.Equal(t, `{"n":39}`, off.String())
	}
}

// With errors.tolerance=none (the default) the first bad record fails the
// task, its status says why, and no offset moves past the bad record.
func TestSourceFailsWithoutTolerance(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "src")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	store := offset.NewMemory()
	cs := &counterSource{}
	w := newTestWorker(t, brokers, store, cs.plugin())
	defer w.Close()
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "strict", map[string]string{
		"connector.class": "test.CounterSource", "topic": topic, "limit": "40", "bad.every": "7",
		"transforms": "cast", "transforms.cast.type": "Cast$Value", "transforms.cast.spec": "int64",
	}))
	var st ConnectorStatus
	require.Eventually(t, func() bool {
		st, _ = w.Status("strict")
		return len(st.Tasks) == 1 && st.Tasks[0].State == Failed
	}, 20*time.Second, 10*time.Millisecond)
	require.Contains(t, st.Tasks[0].Trace, "TRANSFORMATION")
	require.Contains(t, st.Tasks[0].Trace, `source partition {"counter":"strict"} offset {"n":0}`)
	o, err := store.Get(ctx, "strict", []connect.SourcePartition{connect.NewSourcePartition("counter", "strict")})
	require.NoError(t, err)
	require.Empty(t, o)
}

// Poll batches of 1000 records transformed and converted on several
// goroutines (BatchGoroutines): Kafka must still get every good record in poll order, the
// tolerated bad ones must still be skipped, and the committed offset must be
// the last record's.
func TestSourceParallelBatchKeepsOrder(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "src")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	store := offset.NewMemory()
	cs := &counterSource{}
	w := newSplittingWorker(t, brokers, store, cs.plugin())
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "parallel", map[string]string{
		"connector.class": "test.CounterSource", "topic": topic, "limit": "3000", "batch": "1000", "bad.every": "7",
		"value.converter.schemas.enable": "false",
		"transforms":                     "cast", "transforms.cast.type": "Cast$Value", "transforms.cast.spec": "int64",
		"errors.tolerance": "all",
	}))
	var want []string
	for n := range 3000 {
		if n%7 != 0 {
			want = append(want, strconv.Itoa(n))
		}
	}
	values := consumeValues(t, brokers, topic, len(want))
	require.NoError(t, w.Close())
	require.Equal(t, want, values)
	p := connect.NewSourcePartition("counter", "parallel")
	o, err := store.Get(ctx, "parallel", []connect.SourcePartition{p})
	require.NoError(t, err)
	require.Equal(t, `{"n":2999}`, o[p].String())
}

// A converter that panics on a goroutine converting part of a poll batch
// fails the task with the panic in its trace, rather than the process, and
// no offset moves past the record it panicked on.
func TestSourceConverterPanicFailsTask(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "src")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	store := offset.NewMemory()
	cs := &counterSource{}
	panicky := converter.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.PanickyConverter", Kind: connect.ConverterPlugin},
		New: func(map[string]string, bool) (converter.Converter, error) {
			return converter.Funcs{
				From: func(dst []byte, _ string, _ connect.Headers, _ *connect.Schema, v any) ([]byte, error) {
					if v == "record-1500" {
						panic("converter bug")
					}
					return append(dst, fmt.Sprint(v)...), nil
				},
			}, nil
		},
	}
	w := newSplittingWorker(t, brokers, store, cs.plugin(), panicky)
	defer w.Close()
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "panicky", map[string]string{
		"connector.class": "test.CounterSource", "topic": topic, "limit": "3000", "batch": "1000",
		"value.converter": "test.PanickyConverter", "errors.tolerance": "all",
	}))
	require.Contains(t, waitTaskState(t, w, "panicky", Failed).Trace, "converter bug")
	require.NoError(t, w.Close())
	p := connect.NewSourcePartition("counter", "panicky")
	o, err := store.Get(ctx, "panicky", []connect.SourcePartition{p})
	require.NoError(t, err)
	if n, ok := o[p].Int64("n"); ok {
		require.Less(t, n, int64(1500), "committed past the record the converter panicked on")
	}
}

// offsets.storage.topic on a source connector, without exactly-once
// delivery: offsets are read from the connector's own topic first, then
// from the worker's store; commits go to both, as in Kafka Connect.
func TestSourceConnectorOffsetsTopic(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "src")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	own := testkafka.Topic(t, "own-offsets")
	testkafka.DeleteTopicAtCleanup(t, brokers, own)
	ctx := context.Background()
	p := connect.NewSourcePartition("counter", "own")

	// The worker's store says 9 was committed, from before the connector
	// had a topic of its own: the task resumes at 10.
	global := offset.NewMemory()
	require.NoError(t, global.Put(ctx, "own", []offset.Entry{{Partition: p, Offset: connect.Int64Offset("n", 9)}}))
	cs := &counterSource{}
	w := newTestWorker(t, brokers, global, cs.plugin())
	require.NoError(t, w.CreateConnector(ctx, "own", map[string]string{
		"connector.class": "test.CounterSource", "topic": topic, "limit": "30",
		"value.converter": "StringConverter", "offsets.storage.topic": own,
	}))
	values := consumeValues(t, brokers, topic, 20)
	require.NoError(t, w.Close())
	require.Equal(t, "record-10", values[0])
	require.Equal(t, "record-29", values[19])
	require.Equal(t, int64(29), committedOffset(t, brokers, own, "own"))
	o, err := global.Get(ctx, "own", []connect.SourcePartition{p})
	require.NoError(t, err)
	require.Equal(t, `{"n":29}`, o[p].String(), "the secondary write to the worker's store")

	// The connector's own topic wins over the worker's store.
	require.NoError(t, global.Put(ctx, "own", []offset.Entry{{Partition: p, Offset: connect.Int64Offset("n", 4)}}))
	w2 := newTestWorker(t, brokers, global, cs.plugin())
	defer w2.Close()
	require.NoError(t, w2.CreateConnector(ctx, "own", map[string]string{
		"connector.class": "test.CounterSource", "topic": topic, "limit": "35",
		"value.converter": "StringConverter", "offsets.storage.topic": own,
	}))
	values = consumeValues(t, brokers, topic, 25)
	require.Equal(t, "record-30", values[20])
	require.Equal(t, "record-34", values[24])
}
