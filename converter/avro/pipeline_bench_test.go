package avro_test

// The source pipeline through the worker with AvroConverter against the same
// with JsonConverter. It lives here, not in runtime/worker, so that the core
// never links the Avro converter.
//
//	source /path/to/kafka.env   # else kfake runs in-process
//	go test -c -o avro.test ./converter/avro
//	for i in 1 2 3 4 5 6; do
//	  ./avro.test -test.run XXX -test.bench '^BenchmarkSourcePipeline$' -test.benchtime 300000x >> pipe.txt
//	done
//	go run ./internal/tools/benchratio -base SourcePipeline/json pipe.txt

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/avro"
	"github.com/kconnect-go/kconnect/converter/jsonconv"
	"github.com/kconnect-go/kconnect/internal/procstat"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/source"
)

// pipeOrderSchema is the bench10 struct of converter/jsonconv/testdata/CASES.md,
// the record runtime/worker's BenchmarkSourceToKafka sends.
var pipeOrderSchema = connect.StructOf(
	connect.F("id", connect.Int64Schema), connect.F("customer", connect.StringSchema),
	connect.F("email", connect.OptionalStringSchema), connect.F("amount", connect.Float64Schema),
	connect.F("quantity", connect.Int32Schema), connect.F("active", connect.BooleanSchema),
	connect.F("created", connect.TimestampSchema), connect.F("tags", connect.ArrayOf(connect.StringSchema)),
	connect.F("note", connect.OptionalStringSchema), connect.F("score", connect.Float32Schema),
).WithName("com.example.Order")

func pipeOrder(b *testing.B) *connect.Struct {
	b.Helper()
	st := connect.NewStruct(pipeOrderSchema)
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

// pipeSource emits n bench10 records with a fixed string key, 1000 per
// Poll, each with a source partition and an increasing offset. Its task is
// a source.RecordCommitter: done is closed once every record is settled.
type pipeSource struct {
	n       int64
	value   *connect.Struct
	settled atomic.Int64
	failed  atomic.Int64 // settled without metadata: dropped or tolerated
	done    chan struct{}
}

func (s *pipeSource) plugin() source.Plugin {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "topic", Type: connect.ConfigString, Required: true, Importance: connect.High})
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "bench.OrderSource", Kind: connect.SourcePlugin, Config: def},
		New: func() source.Connector {
			return source.SimpleConnector(func() source.Task { return &pipeTask{s: s} })
		},
	}
}

type pipeTask struct {
	s         *pipeSource
	topic     string
	partition connect.SourcePartition
	next      int64
}

func (t *pipeTask) Start(_ context.Context, cfg map[string]string, _ source.TaskContext) error {
	t.topic = cfg["topic"]
	t.partition = connect.NewSourcePartition("bench", "orders")
	return nil
}

func (t *pipeTask) Poll(ctx context.Context) ([]connect.Record, error) {
	if t.next >= t.s.n {
		<-ctx.Done()
		return nil, nil
	}
	out := make([]connect.Record, 0, min(1000, t.s.n-t.next))
	for ; t.next < t.s.n && len(out) < cap(out); t.next++ {
		out = append(out, connect.Record{
			Topic:     t.topic,
			KeySchema: connect.StringSchema, Key: "order-42",
			ValueSchema: pipeOrderSchema, Value: t.s.value,
			SourcePartition: t.partition, SourceOffset: connect.Int64Offset("n", t.next),
		})
	}
	return out, nil
}

func (t *pipeTask) CommitRecord(_ *connect.Record, md *source.RecordMetadata) error {
	if md == nil {
		t.s.failed.Add(1)
	}
	if t.s.settled.Add(1) == t.s.n {
		close(t.s.done)
	}
	return nil
}

func (t *pipeTask) Stop(context.Context) error { return nil }

// BenchmarkSourcePipeline is the source pipeline benchmark with
// AvroConverter against the same with JsonConverter: the synthetic bench10
// source run by the Worker into Kafka (a real broker when
// KCONNECT_KAFKA_BROKERS is set, else kfake), timed from CreateConnector
// until the task's CommitRecord has seen every record. One op is one
// record. The key is the same in both (JsonConverter, no schema); the value
// is written by
//
//   - avro: AvroConverter, its registry srfake served over HTTP on
//     127.0.0.1 (one registration, then the id is cached);
//   - json: JsonConverter with schemas.enable=true, the schema written
//     into every record as Kafka Connect does.
//
// Each reports records/s, cpu-ns/record (the process's CPU time, all
// goroutines, registry included, per record) and allocs/op.
func BenchmarkSourcePipeline(b *testing.B) {
	b.Run("avro", func(b *testing.B) { benchPipeline(b, true) })
	b.Run("json", func(b *testing.B) { benchPipeline(b, false) })
}

func benchPipeline(b *testing.B, useAvro bool) {
	brokers := testkafka.Brokers(b)
	topic := testkafka.Topic(b, "bench")
	testkafka.CreateTopic(b, brokers, topic, 4, nil)
	cfg := map[string]string{
		"connector.class": "bench.OrderSource", "topic": topic, "tasks.max": "1",
		"key.converter": jsonconv.Class, "key.converter.schemas.enable": "false",
	}
	var reg *srfake.Registry
	if useAvro {
		reg = srfake.New()
		b.Cleanup(reg.Close)
		cfg["value.converter"] = avro.Class
		cfg["value.converter.schema.registry.url"] = reg.URL()
	} else {
		cfg["value.converter"] = jsonconv.Class
		cfg["value.converter.schemas.enable"] = "true"
	}
	src := &pipeSource{n: int64(b.N), value: pipeOrder(b), done: make(chan struct{})}
	store := offset.NewMemory()
	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(src.plugin(), avro.Plugin()),
		worker.OffsetStore(store), worker.Logger(slog.New(slog.DiscardHandler)), worker.ID("bench-worker"))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	stat := procstat.Start()
	b.ReportAllocs()
	b.ResetTimer()
	if err := w.CreateConnector(ctx, "bench", cfg); err != nil {
		b.Fatal(err)
	}
	select {
	case <-src.done:
	case <-ctx.Done():
		st, _ := w.Status("bench")
		b.Fatalf("%d of %d records acknowledged before the timeout; status %+v", src.settled.Load(), b.N, st)
	}
	b.StopTimer()
	stat.Stop()
	cpu := stat.CPU()
	elapsed := b.Elapsed()

	if n := src.failed.Load(); n > 0 {
		b.Fatalf("%d records settled without being written", n)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	// Close committed the last record's offset: every record went through.
	p := connect.NewSourcePartition("bench", "orders")
	offs, err := store.Get(context.Background(), "bench", []connect.SourcePartition{p})
	if err != nil {
		b.Fatal(err)
	}
	if got, _ := offs[p].Int64("n"); got != int64(b.N-1) {
		b.Fatalf("committed offset %s, want {\"n\":%d}", offs[p], b.N-1)
	}
	if reg != nil {
		if _, ok := reg.GetSchema(topic+"-value", 1); !ok {
			b.Fatalf("no schema registered under %s-value", topic)
		}
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/record")
}
