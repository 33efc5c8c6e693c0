package worker_test

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/runtime/embedded"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/kconnect-go/kconnect/source"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// countTask emits the numbers after its committed offset up to its "limit"
// setting, then waits to be stopped.
type countTask struct {
	next, limit int64
	partition   connect.SourcePartition
}

func (t *countTask) Start(ctx context.Context, cfg map[string]string, tc source.TaskContext) error {
	t.limit, _ = strconv.ParseInt(cfg["limit"], 10, 64)
	t.partition = connect.NewSourcePartition("counter", cfg["name"])
	committed, err := tc.Offsets().Offset(ctx, t.partition)
	if err != nil {
		return err
	}
	if n, ok := committed.Int64("n"); ok {
		t.next = n + 1 // resume after the last record Kafka has
	}
	return nil
}

func (t *countTask) Poll(ctx context.Context) ([]connect.Record, error) {
	if t.next >= t.limit {
		<-ctx.Done()
		return nil, nil
	}
	r := connect.Record{Topic: "numbers", ValueSchema: connect.Int64Schema, Value: t.next,
		SourcePartition: t.partition, SourceOffset: connect.Int64Offset("n", t.next)}
	t.next++
	return []connect.Record{r}, nil
}

func (t *countTask) Stop(context.Context) error { return nil }

// A whole pipeline in a Go program: a source connector, a sink written with
// sink.PutFunc, and a worker on an embedded Kafka broker, configured with
// Kafka Connect's keys. UpdateConnector then gives the source a new limit
// and a transform that tags its records; it resumes after the offset it had
// committed.
func Example() {
	ctx := context.Background()
	counter := source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "example.Counter", Kind: connect.SourcePlugin},
		New: func() source.Connector {
			return source.SimpleConnector(func() source.Task { return &countTask{} })
		},
	}
	got := make(chan connect.Record, 10)
	printer := sink.Plugin{
		PluginInfo: connect.PluginInfo{Class: "example.Printer", Kind: connect.SinkPlugin},
		New: func() sink.Connector {
			return sink.SimpleConnector(func() sink.Task {
				return sink.PutFunc(func(_ context.Context, rs []connect.Record) error {
					for _, r := range rs {
						got <- r
					}
					return nil
				})
			})
		},
	}

	// An in-process Kafka broker; worker.Brokers(...) for a Kafka cluster.
	w, err := worker.New(embedded.Broker(), worker.Plugins(counter, printer), worker.Logger(slog.New(slog.DiscardHandler)))
	if err != nil {
		panic(err)
	}
	defer w.Close()
	err = w.CreateConnector(ctx, "counter", map[string]string{
		"connector.class": "example.Counter", "limit": "3",
		"value.converter":                   "org.apache.kafka.connect.json.JsonConverter",
		"topic.creation.default.partitions": "1", // one partition: one order
	})
	if err != nil {
		panic(err)
	}
	err = w.CreateConnector(ctx, "printer", map[string]string{
		"connector.class": "example.Printer", "topics": "numbers",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter",
	})
	if err != nil {
		panic(err)
	}
	next := func() connect.Record {
		select {
		case r := <-got:
			return r
		case <-time.After(30 * time.Second):
			panic("no record")
		}
	}
	show := func(r connect.Record) {
		config := "v1"
		if h, ok := r.Headers.Last("config"); ok {
			config = fmt.Sprint(h.Value)
		}
		fmt.Println(r.Topic, r.Value, config)
	}
	for range 3 {
		show(next())
	}

	err = w.UpdateConnector(ctx, "counter", map[string]string{
		"connector.class": "example.Counter", "limit": "5",
		"value.converter":                   "org.apache.kafka.connect.json.JsonConverter",
		"topic.creation.default.partitions": "1",
		"transforms":                        "tag", "transforms.tag.type": "InsertHeader",
		"transforms.tag.header": "config", "transforms.tag.value.literal": "v2",
	})
	if err != nil {
		panic(err)
	}
	for range 2 {
		show(next())
	}
	// Output:
	// numbers 0 v1
	// numbers 1 v1
	// numbers 2 v1
	// numbers 3 v2
	// numbers 4 v2
}

// Example_deadLetterQueue runs a sink connector whose value converter
// cannot read one record: the record goes, as it was, to the dead letter
// queue topic, with headers saying why.
func Example_deadLetterQueue() {
	ctx := context.Background()
	var mu sync.Mutex
	var written []any
	store := sink.Plugin{
		PluginInfo: connect.PluginInfo{Class: "example.Store", Kind: connect.SinkPlugin},
		New: func() sink.Connector {
			return sink.SimpleConnector(func() sink.Task {
				return sink.PutFunc(func(_ context.Context, rs []connect.Record) error {
					mu.Lock()
					defer mu.Unlock()
					for _, r := range rs {
						written = append(written, r.Value)
					}
					return nil
				})
			})
		},
	}
	// An embedded Kafka broker, for the example; worker.Brokers(...) for a
	// Kafka cluster.
	w, err := worker.New(embedded.Broker(), worker.Plugins(store), worker.Logger(slog.New(slog.DiscardHandler)))
	if err != nil {
		panic(err)
	}
	defer w.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(w.Brokers()...), kgo.ConsumeTopics("orders-dlq"))
	if err != nil {
		panic(err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopics(ctx, 1, 1, nil, "orders", "orders-dlq"); err != nil {
		panic(err)
	}

	err = w.CreateConnector(ctx, "orders-store", map[string]string{
		"connector.class":                   "example.Store",
		"topics":                            "orders",
		"value.converter":                   "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable":    "false",
		"errors.tolerance":                  "all",
		"errors.deadletterqueue.topic.name": "orders-dlq",
		"errors.deadletterqueue.topic.replication.factor": "1",
		"errors.deadletterqueue.context.headers.enable":   "true",
	})
	if err != nil {
		panic(err)
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "orders", Value: []byte("not json")}).FirstErr(); err != nil {
		panic(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		fs := cl.PollFetches(wctx)
		if wctx.Err() != nil {
			panic("no dead letter")
		}
		if fs.NumRecords() == 0 {
			continue
		}
		r := fs.Records()[0]
		fmt.Printf("value: %s\n", r.Value)
		for _, h := range r.Headers {
			switch h.Key {
			case worker.DLQHeaderTopic, worker.DLQHeaderOffset, worker.DLQHeaderStage, worker.DLQHeaderClassName:
				fmt.Printf("%s: %s\n", h.Key, h.Value)
			}
		}
		return
	}
	// Output:
	// value: not json
	// __connect.errors.topic: orders
	// __connect.errors.offset: 0
	// __connect.errors.stage: VALUE_CONVERTER
	// __connect.errors.class.name: org.apache.kafka.connect.json.JsonConverter
}
