package worker_test

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connect/worker"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/kconnect-go/kconnect/source"
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

	// No Brokers option: an in-process Kafka broker.
	w, err := worker.New(worker.Plugins(counter, printer), worker.Logger(slog.New(slog.DiscardHandler)))
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
