package sink_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/sink"
)

// A sink that prints what it receives. PutFunc writes synchronously, so
// every record Put returns for may be committed.
func Example() {
	plugin := sink.Plugin{
		PluginInfo: connect.PluginInfo{Class: "com.example.PrintSink", Kind: connect.SinkPlugin},
		New: func() sink.Connector {
			return sink.SimpleConnector(func() sink.Task {
				return sink.PutFunc(func(ctx context.Context, records []connect.Record) error {
					for _, r := range records {
						o, _ := r.Origin()
						fmt.Printf("%s/%d@%d: %v\n", o.Topic, o.Partition, o.Offset, r.Value)
					}
					return nil
				})
			})
		},
	}

	ctx := context.Background()
	conn := plugin.New()
	_ = conn.Start(ctx, map[string]string{"topics": "orders"}, nil)
	configs, _ := conn.TaskConfigs(2)
	task := conn.NewTask()
	_ = task.Start(ctx, configs[0], nil)
	r := connect.Record{Topic: "orders", Value: "hello"}
	r.SetOrigin(connect.KafkaPosition{Topic: "orders", Partition: 0, Offset: 41})
	_ = task.Put(ctx, []connect.Record{r})
	fmt.Println(len(configs), "task configs,", sink.TopicPartition{Topic: "orders", Partition: 3})
	// Output:
	// orders/0@41: hello
	// 2 task configs, orders-3
}

// totalTask sums the values it is given. Put keeps nothing of its batch once
// it returns, so the task says it only borrows it: the runtime then reuses
// the batch's memory instead of allocating a record for every record read.
type totalTask struct {
	sink.PutFunc
	total int64
}

func (*totalTask) BorrowsBatch() bool { return true }

func ExampleBatchBorrower() {
	t := &totalTask{}
	t.PutFunc = func(_ context.Context, records []connect.Record) error {
		for _, r := range records {
			n, _ := r.Value.(int64)
			t.total += n // keeps a sum, never the records
		}
		return nil
	}
	var task sink.Task = t
	ctx := context.Background()
	batch := []connect.Record{{Value: int64(40)}, {Value: int64(2)}}
	_ = task.Put(ctx, batch)
	clear(batch) // what a runtime reusing the batch may do now
	b, ok := task.(sink.BatchBorrower)
	fmt.Println(t.total, ok && b.BorrowsBatch())
	// Output: 42 true
}

func ExampleCheckedConnector() {
	check := func(config map[string]string) error {
		if config["url"] == "" {
			return errors.New("url is required")
		}
		return nil
	}
	newTask := func() sink.Task {
		return sink.PutFunc(func(context.Context, []connect.Record) error { return nil })
	}
	ctx := context.Background()
	conn := sink.CheckedConnector("HTTPSink", check, newTask)
	fmt.Println(conn.Start(ctx, map[string]string{"topics": "orders"}, nil))
	_, err := conn.TaskConfigs(1)
	fmt.Println(err)

	_ = conn.Start(ctx, map[string]string{"topics": "orders", "url": "http://127.0.0.1:8080"}, nil)
	configs, _ := conn.TaskConfigs(2)
	handled, _ := conn.(sink.OffsetAlterer).AlterOffsets(ctx, configs[0], nil)
	fmt.Println(len(configs), configs[1]["url"], handled)
	// Output:
	// HTTPSink: url is required
	// HTTPSink: TaskConfigs called before Start
	// 2 http://127.0.0.1:8080 true
}
