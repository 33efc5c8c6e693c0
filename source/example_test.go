package source_test

import (
	"context"
	"fmt"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/source"
)

// A source that counts: each record carries its number as the offset, so a
// restarted task continues after the last committed one.
func Example() {
	partition := connect.NewSourcePartition("counter", "demo")
	newTask := func() source.Task {
		var next int64
		return source.TaskFunc(func(ctx context.Context) ([]connect.Record, error) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			next++
			return []connect.Record{{
				Topic:           "numbers",
				ValueSchema:     connect.Int64Schema,
				Value:           next,
				SourcePartition: partition,
				SourceOffset:    connect.Int64Offset("n", next),
			}}, nil
		})
	}
	plugin := source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "com.example.CounterSource", Kind: connect.SourcePlugin},
		New:        func() source.Connector { return source.SimpleConnector(newTask) },
	}

	// What a runtime does with it, by hand:
	ctx := context.Background()
	conn := plugin.New()
	_ = conn.Start(ctx, map[string]string{"name": "counter"}, nil)
	configs, _ := conn.TaskConfigs(4)
	task := conn.NewTask()
	_ = task.Start(ctx, configs[0], nil)
	for range 3 {
		records, _ := task.Poll(ctx)
		r := records[0]
		fmt.Println(r.Topic, r.Value, r.SourcePartition, r.SourceOffset)
	}
	fmt.Println(len(configs), "task config(s)")
	// Output:
	// numbers 1 {"counter":"demo"} {"n":1}
	// numbers 2 {"counter":"demo"} {"n":2}
	// numbers 3 {"counter":"demo"} {"n":3}
	// 1 task config(s)
}
