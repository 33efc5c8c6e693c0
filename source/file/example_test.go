package file_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kconnect-go/kconnect/source/file"
)

// Tail a file as a runtime would: start the connector, take its one task
// configuration, start a task and poll it. Each line is a STRING record with
// Kafka's source partition and offset; the last of a poll also carries a
// fingerprint of the file's first bytes, which Kafka ignores.
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "access.log")
	_ = os.WriteFile(path, []byte("GET /\r\nGET /about\nPOST /login\n"), 0o644)

	ctx := context.Background()
	conn := file.NewSource(file.SourceConfig{File: path, Topic: "access"})
	if err := conn.Start(ctx, nil, nil); err != nil {
		fmt.Println(err)
		return
	}
	configs, _ := conn.TaskConfigs(4) // always one task
	task := conn.NewTask()
	if err := task.Start(ctx, configs[0], nil); err != nil { // nil: no committed offsets
		fmt.Println(err)
		return
	}
	defer task.Stop(ctx)

	records, err := task.Poll(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range records {
		fmt.Printf("%s %q %s\n", r.Topic, r.Value, r.SourceOffset)
	}
	fmt.Println(len(configs), "task;", records[0].SourcePartition.Map()["filename"] == path)
	// Output:
	// access "GET /" {"position":7}
	// access "GET /about" {"position":18}
	// access "POST /login" {"head.hash":"55dc09080be9c72a","tail.bytes":30,"tail.hash":"55dc09080be9c72a","position":30,"head.bytes":30}
	// 1 task; true
}
