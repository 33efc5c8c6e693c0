package worker

// Benchmarks of the sink path: records already in Kafka through the worker
// (consume, convert, Put) into a sink that keeps nothing, against a raw
// franz-go consumer group reading the same records.
//
//	go test -run XXX -bench KafkaToSink -benchtime 1000000x -count 6 ./runtime/worker
//
// See BENCHMARKS.md for figures.

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kconnect-go/kconnect/internal/procstat"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/bytesconv"
	"github.com/kconnect-go/kconnect/converter/jsonconv"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/twmb/franz-go/pkg/kgo"
)

// sinkBenchTopics hands the sub-benchmarks of BenchmarkKafkaToSink, per
// record count, a topic already filled with that many bench10 records, so
// they all read the same data and filling it stays out of every timing.
// The topics belong to the parent benchmark, which deletes them at its end.
type sinkBenchTopics struct {
	parent  *testing.B
	brokers []string
	topics  map[int]string
}

// get returns a topic of benchPartitions partitions holding n records: the
// bench10 struct as JsonConverter (schemas.enable=false) writes it, keyed
// by the record's number as a JSON integer, so they spread over the
// partitions.
func (s *sinkBenchTopics) get(b *testing.B, n int) string {
	b.Helper()
	if t, ok := s.topics[n]; ok {
		return t
	}
	brokers := s.brokers
	topic := testkafka.Topic(s.parent, "bench-sink")
	testkafka.CreateTopic(s.parent, brokers, topic, benchPartitions, nil)
	_, value := benchEncoded(b)
	cl := testkafka.Client(b, brokers, kgo.DefaultProduceTopic(topic), kgo.ProducerLinger(0))
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range n {
		key := strconv.AppendInt(nil, int64(i), 10) // JSON for an int64 key
		cl.Produce(ctx, &kgo.Record{Key: key, Value: value}, func(_ *kgo.Record, err error) {
			if err != nil {
				failed.CompareAndSwap(nil, &err)
			}
			wg.Done()
		})
	}
	wg.Wait()
	if p := failed.Load(); p != nil {
		b.Fatalf("filling %s: %v", topic, *p)
	}
	s.topics[n] = topic
	return topic
}

// countingSink is a sink that keeps nothing: Put counts the records and
// closes done once it has seen want of them. With borrows, its task says so
// (sink.BatchBorrower).
type countingSink struct {
	want    int64
	borrows bool
	seen    atomic.Int64
	done    chan struct{}
	once    sync.Once
}

func (c *countingSink) plugin() sink.Plugin {
	return sink.Plugin{
		PluginInfo: connect.PluginInfo{Class: "bench.CountingSink", Kind: connect.SinkPlugin},
		New: func() sink.Connector {
			return sink.SimpleConnector(func() sink.Task {
				return countingSinkTask{c: c, PutFunc: func(_ context.Context, rs []connect.Record) error {
					if c.seen.Add(int64(len(rs))) >= c.want {
						c.once.Do(func() { close(c.done) })
					}
					return nil
				}}
			})
		},
	}
}

type countingSinkTask struct {
	sink.PutFunc
	c *countingSink
}

func (t countingSinkTask) BorrowsBatch() bool { return t.c.borrows }

// BenchmarkKafkaToSink measures records per second from Kafka into a sink
// task. One op is one record: run it with -benchtime 1000000x for a million
// records per run. Every sub-benchmark reads the same filled topic (4
// partitions, bench10 values as schemaless JSON, JSON integer keys) from the
// start, in a new consumer group, timed from the start of the consumer
// until the last record is in hand:
//
//   - worker/json: a sink connector with JsonConverter
//     (schemas.enable=false) for key and value, so Put gets Go maps, as a
//     sink of JSON data does;
//   - worker/bytes: the same with ByteArrayConverter: the runtime's own cost
//     without conversion;
//   - worker/json/borrowed and worker/bytes/borrowed: the same with a sink
//     task that borrows its batches (sink.BatchBorrower), so the runtime
//     reuses them;
//   - kgo: a raw franz-go group consumer (cooperative-sticky, no
//     auto-commit, committing once at the end) polling the records;
//   - kgo+decode: the same, decoding each key and value with the
//     JsonConverter, as a hand-written consumer of JSON would.
//
// Each reports records/s and cpu-ns/record (the process's CPU time, which
// with kfake includes the broker).
func BenchmarkKafkaToSink(b *testing.B) {
	topics := &sinkBenchTopics{parent: b, brokers: testkafka.Brokers(b), topics: map[int]string{}}
	b.Run("worker/json", func(b *testing.B) { benchWorkerSink(b, topics, jsonconv.Class, false) })
	b.Run("worker/bytes", func(b *testing.B) { benchWorkerSink(b, topics, bytesconv.Class, false) })
	b.Run("worker/json/borrowed", func(b *testing.B) { benchWorkerSink(b, topics, jsonconv.Class, true) })
	b.Run("worker/bytes/borrowed", func(b *testing.B) { benchWorkerSink(b, topics, bytesconv.Class, true) })
	b.Run("kgo", func(b *testing.B) { benchRawConsume(b, topics, false) })
	b.Run("kgo+decode", func(b *testing.B) { benchRawConsume(b, topics, true) })
}

func benchWorkerSink(b *testing.B, topics *sinkBenchTopics, converterClass string, borrows bool) {
	brokers := topics.brokers
	topic := topics.get(b, b.N)
	sk := &countingSink{want: int64(b.N), borrows: borrows, done: make(chan struct{})}
	w, err := New(Brokers(brokers...), Plugins(sk.plugin()), Logger(slog.New(slog.DiscardHandler)), ID("bench-worker"))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()
	name := testkafka.Group(b, "bench")

	rss := procstat.Start()
	b.ReportAllocs()
	b.ResetTimer()
	err = w.CreateConnector(ctx, name, map[string]string{
		"connector.class": "bench.CountingSink", "topics": topic, "tasks.max": "1",
		"key.converter": converterClass, "key.converter.schemas.enable": "false",
		"value.converter": converterClass, "value.converter.schemas.enable": "false",
	})
	if err != nil {
		b.Fatal(err)
	}
	select {
	case <-sk.done:
	case <-ctx.Done():
		st, _ := w.Status(name)
		b.Fatalf("%d of %d records Put before the timeout; status %+v", sk.seen.Load(), b.N, st)
	}
	b.StopTimer()
	peak := rss.Stop()
	cpu := rss.CPU()
	if got := sk.seen.Load(); got != int64(b.N) {
		b.Fatalf("Put saw %d records, want %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(peak, "peak-RSS-MiB")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/record")
}

func benchRawConsume(b *testing.B, topics *sinkBenchTopics, decode bool) {
	brokers := topics.brokers
	topic := topics.get(b, b.N)
	group := testkafka.Group(b, "bench-raw")
	conv := jsonconv.New(jsonconv.SchemasEnable(false))
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()

	rss := procstat.Start()
	b.ReportAllocs()
	b.ResetTimer()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.ClientID("bench-raw-consumer"),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		kgo.Balancers(kgo.CooperativeStickyBalancer()),
	)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	seen := 0
	for seen < b.N {
		fetches := cl.PollRecords(ctx, defaultMaxPollRecords)
		if ctx.Err() != nil {
			b.Fatalf("%d of %d records consumed before the timeout", seen, b.N)
		}
		fetches.EachError(func(t string, p int32, err error) { b.Fatalf("fetching %s[%d]: %v", t, p, err) })
		for _, kr := range fetches.Records() {
			if decode {
				if _, _, err := conv.ToConnect(kr.Topic, connect.Headers{}, kr.Key); err != nil {
					b.Fatal(err)
				}
				if _, _, err := conv.ToConnect(kr.Topic, connect.Headers{}, kr.Value); err != nil {
					b.Fatal(err)
				}
			}
			seen++
		}
	}
	if err := cl.CommitUncommittedOffsets(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	peak := rss.Stop()
	cpu := rss.CPU()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(peak, "peak-RSS-MiB")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/record")
}
