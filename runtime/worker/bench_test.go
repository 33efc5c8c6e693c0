package worker

// Benchmarks of the source path: records from a source task through the
// worker (convert, produce, acknowledge) into Kafka, against the raw franz-go
// client producing the same bytes, plus the worker's resident memory.
//
// They run against kfake by default and against a real broker when
// KCONNECT_KAFKA_BROKERS is set. With kfake the broker lives in this process,
// so the RSS figures include it; with a real broker they are the worker's.
//
//	go test -run XXX -bench SourceToKafka -benchtime 1000000x -count 6 ./runtime/worker
//	KCONNECT_BENCH_BIG=1 go test -run XXX -bench FileSourceToKafka -benchtime 1x ./runtime/worker
//
// See BENCHMARKS.md for figures.

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/procstat"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/bytesconv"
	"github.com/kconnect-go/kconnect/converter/jsonconv"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/source"
	"github.com/kconnect-go/kconnect/source/file"
	"github.com/twmb/franz-go/pkg/kgo"
)

// benchPartitions is the partition count of the benchmark topics. The
// synthetic records share one key, so they all go to one partition (in both
// the worker and the raw client); the file's unkeyed lines spread over all.
const benchPartitions = 4

// benchTimeout bounds one benchmark run, so a stuck task fails the benchmark
// instead of hanging it.
const benchTimeout = 10 * time.Minute

// benchOrderSchema is the 10-field struct of bench10 in
// converter/jsonconv/testdata/CASES.md.
var benchOrderSchema = connect.StructOf(
	connect.F("id", connect.Int64Schema),
	connect.F("customer", connect.StringSchema),
	connect.F("email", connect.OptionalStringSchema),
	connect.F("amount", connect.Float64Schema),
	connect.F("quantity", connect.Int32Schema),
	connect.F("active", connect.BooleanSchema),
	connect.F("created", connect.TimestampSchema),
	connect.F("tags", connect.ArrayOf(connect.StringSchema)),
	connect.F("note", connect.OptionalStringSchema),
	connect.F("score", connect.Float32Schema),
).WithName("com.example.Order")

const benchKey = "order-42"

func benchOrder(b *testing.B) *connect.Struct {
	b.Helper()
	st := connect.NewStruct(benchOrderSchema)
	kv := []any{"id", int64(1234567890123), "customer", "Ada Lovelace", "email", "ada@example.com",
		"amount", 199.99, "quantity", int32(3), "active", true, "created", connect.MillisToTimestamp(1700000000123),
		"tags", []any{"a", "b"}, "score", float32(4.5)}
	for i := 0; i < len(kv); i += 2 {
		if err := st.Put(kv[i].(string), kv[i+1]); err != nil {
			b.Fatal(err)
		}
	}
	return st
}

// structSource emits n records with the bench10 struct as value and a fixed
// string key, 1000 per Poll, with a source partition and an increasing
// offset as a real source has. Its task is a source.RecordCommitter: done is
// closed once every record is settled, which is when the benchmark stops
// its timer.
type structSource struct {
	n       int64
	value   *connect.Struct
	raw     [2]any // key and value pre-encoded ([]byte, boxed once): emitted as BYTES when set
	settled atomic.Int64
	failed  atomic.Int64 // settled without metadata: dropped or tolerated
	done    chan struct{}
}

func newStructSource(b *testing.B, n int) *structSource {
	return &structSource{n: int64(n), value: benchOrder(b), done: make(chan struct{})}
}

func (s *structSource) plugin() source.Plugin {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "topic", Type: connect.ConfigString, Required: true, Importance: connect.High})
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "bench.StructSource", Kind: connect.SourcePlugin, Config: def},
		New: func() source.Connector {
			return source.SimpleConnector(func() source.Task { return &structTask{s: s} })
		},
	}
}

type structTask struct {
	s         *structSource
	topic     string
	partition connect.SourcePartition
	next      int64
}

func (t *structTask) Start(_ context.Context, cfg map[string]string, _ source.TaskContext) error {
	t.topic = cfg["topic"]
	t.partition = connect.NewSourcePartition("bench", "orders")
	return nil
}

func (t *structTask) Poll(ctx context.Context) ([]connect.Record, error) {
	if t.next >= t.s.n {
		<-ctx.Done()
		return nil, nil
	}
	out := make([]connect.Record, 0, min(1000, t.s.n-t.next))
	for ; t.next < t.s.n && len(out) < cap(out); t.next++ {
		if t.s.raw[1] != nil {
			out = append(out, connect.Record{
				Topic:     t.topic,
				KeySchema: connect.BytesSchema, Key: t.s.raw[0],
				ValueSchema: connect.BytesSchema, Value: t.s.raw[1],
				SourcePartition: t.partition, SourceOffset: connect.Int64Offset("n", t.next),
			})
			continue
		}
		out = append(out, connect.Record{
			Topic:     t.topic,
			KeySchema: connect.StringSchema, Key: benchKey,
			ValueSchema: benchOrderSchema, Value: t.s.value,
			SourcePartition: t.partition, SourceOffset: connect.Int64Offset("n", t.next),
		})
	}
	return out, nil
}

func (t *structTask) CommitRecord(_ *connect.Record, md *source.RecordMetadata) error {
	if md == nil {
		t.s.failed.Add(1)
	}
	if t.s.settled.Add(1) == t.s.n {
		close(t.s.done)
	}
	return nil
}

func (t *structTask) Stop(context.Context) error { return nil }

// benchEncoded returns the bytes the worker's JsonConverter
// (schemas.enable=false) writes for the benchmark's key and value: what the
// raw client produces.
func benchEncoded(b *testing.B) (key, value []byte) {
	b.Helper()
	conv := jsonconv.New(jsonconv.SchemasEnable(false))
	key, err := conv.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, benchKey)
	if err != nil {
		b.Fatal(err)
	}
	value, err = conv.FromConnect(nil, "t", connect.Headers{}, benchOrderSchema, benchOrder(b))
	if err != nil {
		b.Fatal(err)
	}
	return key, value
}

// BenchmarkSourceToKafka measures records per second from a source task to
// acknowledged Kafka writes. One op is one record: run it with
// -benchtime 1000000x for a million records per run.
//
//   - worker: a synthetic source of bench10 structs (JsonConverter,
//     schemas.enable=false, fixed key) run by the Worker, timed from
//     CreateConnector until the task's CommitRecord has seen every record;
//   - kgo: a franz-go client with the worker producer's settings (acks=all,
//     5ms linger, idempotent, sticky key partitioner) producing the same
//     pre-encoded bytes, timed from NewClient until every promise has run;
//   - worker/bytes: the same source and worker, but the source emits the
//     pre-encoded bytes (ByteArrayConverter): the runtime's own cost,
//     without conversion, against the raw client below;
//   - kgo+encode: the same client, encoding each record's struct with the
//     JsonConverter into a new buffer before producing it, as a hand-written
//     producer would: the gap between it and worker is the runtime's own
//     cost (offset tracking, callbacks, pooling), without conversion.
//
// Each reports records/s; peak-RSS-MiB, the process's peak resident set
// during the run (VmHWM, reset at the start of the run); and cpu-ns/record,
// the process's CPU time (user+system, all goroutines) per record. With
// kfake both include the in-process broker.
func BenchmarkSourceToKafka(b *testing.B) {
	b.Run("worker", func(b *testing.B) { benchWorkerSource(b, false) })
	b.Run("worker/bytes", func(b *testing.B) { benchWorkerSource(b, true) })
	b.Run("kgo", func(b *testing.B) { benchRawProduce(b, false) })
	b.Run("kgo+encode", func(b *testing.B) { benchRawProduce(b, true) })
}

func benchWorkerSource(b *testing.B, preEncoded bool) {
	brokers := testkafka.Brokers(b)
	topic := testkafka.Topic(b, "bench")
	testkafka.CreateTopic(b, brokers, topic, benchPartitions, nil)
	src := newStructSource(b, b.N)
	conv := jsonconv.Class
	if preEncoded {
		key, value := benchEncoded(b)
		src.raw = [2]any{key, value}
		conv = bytesconv.Class
	}
	store := offset.NewMemory()
	w, err := New(Brokers(brokers...), Plugins(src.plugin()), OffsetStore(store),
		Logger(slog.New(slog.DiscardHandler)), ID("bench-worker"))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()

	rss := procstat.Start()
	b.ReportAllocs()
	b.ResetTimer()
	err = w.CreateConnector(ctx, "bench", map[string]string{
		"connector.class": "bench.StructSource", "topic": topic, "tasks.max": "1",
		"key.converter": conv, "key.converter.schemas.enable": "false",
		"value.converter": conv, "value.converter.schemas.enable": "false",
	})
	if err != nil {
		b.Fatal(err)
	}
	select {
	case <-src.done:
	case <-ctx.Done():
		st, _ := w.Status("bench")
		b.Fatalf("%d of %d records acknowledged before the timeout; status %+v", src.settled.Load(), b.N, st)
	}
	b.StopTimer()
	peak := rss.Stop()
	cpu := rss.CPU()
	elapsed := b.Elapsed()

	if n := src.failed.Load(); n > 0 {
		b.Fatalf("%d records settled without being written", n)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	// Close committed the offset of the last record.
	p := connect.NewSourcePartition("bench", "orders")
	offs, err := store.Get(context.Background(), "bench", []connect.SourcePartition{p})
	if err != nil {
		b.Fatal(err)
	}
	if got, _ := offs[p].Int64("n"); got != int64(b.N-1) {
		b.Fatalf("committed offset %s, want {\"n\":%d}", offs[p], b.N-1)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
	b.ReportMetric(peak, "peak-RSS-MiB")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/record")
}

func benchRawProduce(b *testing.B, encode bool) {
	brokers := testkafka.Brokers(b)
	topic := testkafka.Topic(b, "bench")
	testkafka.CreateTopic(b, brokers, topic, benchPartitions, nil)
	key, value := benchEncoded(b)
	conv := jsonconv.New(jsonconv.SchemasEnable(false))
	order := benchOrder(b)
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()

	var settled, failed atomic.Int64
	var firstErr atomic.Pointer[error]
	done := make(chan struct{})
	n := int64(b.N)
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			failed.Add(1)
			firstErr.CompareAndSwap(nil, &err)
		}
		if settled.Add(1) == n {
			close(done)
		}
	}

	rss := procstat.Start()
	b.ReportAllocs()
	b.ResetTimer()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.ClientID("bench-raw-producer"),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(5*time.Millisecond),
		kgo.RecordDeliveryTimeout(0),
	)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	for range b.N {
		r := &kgo.Record{Topic: topic, Key: key, Value: value}
		if encode {
			if r.Value, err = conv.FromConnect(nil, topic, connect.Headers{}, benchOrderSchema, order); err != nil {
				b.Fatal(err)
			}
		}
		cl.Produce(ctx, r, promise)
	}
	select {
	case <-done:
	case <-ctx.Done():
		b.Fatalf("%d of %d records acknowledged before the timeout", settled.Load(), b.N)
	}
	b.StopTimer()
	peak := rss.Stop()
	cpu := rss.CPU()
	if p := firstErr.Load(); p != nil {
		b.Fatalf("%d records failed; first: %v", failed.Load(), *p)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(peak, "peak-RSS-MiB")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/record")
}

// BenchmarkFileSourceToKafka runs a generated line file (1 GiB by default;
// KCONNECT_BENCH_FILE_MB sets the size) through the file source
// (FileStreamSource, StringConverter) and the Worker into Kafka. One op is
// the whole file, timed from CreateConnector until every line is
// acknowledged; it reports MB/s, the peak RSS, and the RSS when a quarter,
// half and all of the file had been acknowledged, to show that memory does
// not grow with the amount of data. It is opt-in (KCONNECT_BENCH_BIG=1):
// the file takes a minute to write and the run needs the disk space twice
// with a real broker.
//
//	KCONNECT_BENCH_BIG=1 go test -run XXX -bench FileSourceToKafka -benchtime 1x ./runtime/worker
func BenchmarkFileSourceToKafka(b *testing.B) {
	if os.Getenv("KCONNECT_BENCH_BIG") != "1" {
		b.Skip("set KCONNECT_BENCH_BIG=1 to run (writes a 1 GiB file)")
	}
	sizeMB := 1024
	if s := os.Getenv("KCONNECT_BENCH_FILE_MB"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("KCONNECT_BENCH_FILE_MB=%q: want a positive integer", s)
		}
		sizeMB = n
	}
	path := filepath.Join(b.TempDir(), "big.log") // removed when the benchmark ends
	size, lines := writeLineFile(b, path, int64(sizeMB)<<20)
	brokers := testkafka.Brokers(b)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		topic := testkafka.Topic(b, "bench-file")
		testkafka.CreateTopic(b, brokers, topic, benchPartitions, nil)
		src := &ackedFile{lines: int64(lines), size: size, done: make(chan struct{})}
		w, err := New(Brokers(brokers...), Plugins(src.plugin()), Logger(slog.New(slog.DiscardHandler)), ID("bench-worker"))
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
		src.rss = procstat.Start()
		b.StartTimer()
		err = w.CreateConnector(ctx, fmt.Sprintf("file-%d", i), map[string]string{
			"connector.class": "FileStreamSource", "file": path, "topic": topic,
			"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
			"value.converter": "org.apache.kafka.connect.storage.StringConverter",
		})
		if err != nil {
			b.Fatal(err)
		}
		select {
		case <-src.done:
		case <-ctx.Done():
			b.Fatalf("%d of %d lines acknowledged before the timeout", src.settled.Load(), lines)
		}
		b.StopTimer()
		peak := src.rss.Stop()
		cancel()
		if n := src.failed.Load(); n > 0 {
			b.Fatalf("%d lines settled without being written", n)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(peak, "peak-RSS-MiB")
		src.mu.Lock()
		for j, q := range []string{"25%", "50%", "100%"} {
			b.ReportMetric(src.marks[j], "RSS-MiB@"+q)
		}
		src.mu.Unlock()
		b.StartTimer()
	}
}

// ackedFile wraps file.Plugin so that its task is a RecordCommitter: it
// counts acknowledged lines, closes done after the last one, and samples
// the RSS when the acknowledged position passes a quarter, half and all of
// the file.
type ackedFile struct {
	lines, size int64
	rss         *procstat.Sampler
	settled     atomic.Int64
	failed      atomic.Int64
	done        chan struct{}

	mu       sync.Mutex
	maxPos   int64
	nextMark int
	marks    [3]float64
}

func (a *ackedFile) plugin() source.Plugin {
	p := file.Plugin()
	return source.Plugin{PluginInfo: p.PluginInfo, New: func() source.Connector {
		return ackedConnector{Connector: p.New(), a: a}
	}}
}

type ackedConnector struct {
	source.Connector
	a *ackedFile
}

func (c ackedConnector) NewTask() source.Task { return ackedTask{Task: c.Connector.NewTask(), a: c.a} }

type ackedTask struct {
	source.Task
	a *ackedFile
}

func (t ackedTask) CommitRecord(r *connect.Record, md *source.RecordMetadata) error {
	a := t.a
	if md == nil {
		a.failed.Add(1)
	}
	if pos, ok := r.SourceOffset.Int64("position"); ok {
		a.mu.Lock()
		if pos > a.maxPos {
			a.maxPos = pos
			// A line's position is the byte just after it: the last line's
			// is the file size.
			thresholds := [len(a.marks)]int64{a.size / 4, a.size / 2, a.size}
			for a.nextMark < len(a.marks) && pos >= thresholds[a.nextMark] {
				a.marks[a.nextMark] = a.rss.Current()
				a.nextMark++
			}
		}
		a.mu.Unlock()
	}
	if a.settled.Add(1) == a.lines {
		close(a.done)
	}
	return nil
}

// writeLineFile writes log-like lines (about 95 bytes each) to path until
// it holds at least size bytes, and returns its size and line count.
func writeLineFile(b *testing.B, path string, size int64) (int64, int) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var n int64
	lines := 0
	var line []byte
	for n < size {
		line = fmt.Appendf(line[:0], "2024-03-15T12:%02d:%02d.%03dZ INFO http request id=%08d path=/api/v1/items/%d status=200 bytes=%d\n",
			lines/60000%60, lines/1000%60, lines%1000, lines, lines%9973, lines%65536)
		k, err := w.Write(line)
		if err != nil {
			b.Fatal(err)
		}
		n += int64(k)
		lines++
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return n, lines
}
