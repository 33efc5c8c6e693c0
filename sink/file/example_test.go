package file_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/kconnect-go/kconnect/sink/file"
)

// Append records to a file as a runtime would: Put buffers one line per
// record, Flush (before the runtime commits offsets) writes them out, Stop
// flushes and closes. Values print as Java prints them.
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "out.txt")

	ctx := context.Background()
	conn := file.NewSink(file.SinkConfig{File: path, Fsync: true})
	if err := conn.Start(ctx, map[string]string{"topics": "orders"}, nil); err != nil {
		fmt.Println(err)
		return
	}
	configs, _ := conn.TaskConfigs(1)
	task := conn.NewTask()
	if err := task.Start(ctx, configs[0], nil); err != nil {
		fmt.Println(err)
		return
	}

	point := connect.StructOf(connect.F("x", connect.Int32Schema), connect.F("label", connect.OptionalStringSchema))
	p := connect.NewStruct(point)
	_ = p.PutInt32("x", 7)
	records := []connect.Record{
		{Topic: "orders", Value: "plain text"},
		{Topic: "orders", Value: 2.0},
		{Topic: "orders", Value: []any{int64(1), "two", nil}},
		{Topic: "orders", Value: p},
		{Topic: "orders", Value: nil},
	}
	if err := task.Put(ctx, records); err != nil {
		fmt.Println(err)
		return
	}
	if err := task.(sink.Flusher).Flush(ctx, nil); err != nil { // writes and, with Fsync, syncs
		fmt.Println(err)
		return
	}
	_ = task.Stop(ctx)

	out, _ := os.ReadFile(path)
	fmt.Print(string(out))
	// Output:
	// plain text
	// 2.0
	// [1, two, null]
	// Struct{x=7}
	// null
}
