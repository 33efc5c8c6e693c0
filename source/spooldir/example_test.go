package spooldir_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/source/spooldir"
)

// A spooldir connector takes spooldir's configuration unchanged. Here its
// task is driven by hand, as a runtime would (worker.Plugins(spooldir.Plugins()...)
// gives a worker every connector of the package).
func Example() {
	root, _ := os.MkdirTemp("", "spool")
	defer os.RemoveAll(root)
	for _, d := range []string{"in", "finished", "error"} {
		os.Mkdir(filepath.Join(root, d), 0o755)
	}
	os.WriteFile(filepath.Join(root, "in", "orders.txt"), []byte("first\nsecond\n"), 0o644)

	config := map[string]string{
		"connector.class":    "com.github.jcustenborder.kafka.connect.spooldir.SpoolDirLineDelimitedSourceConnector",
		"topic":              "orders",
		"input.path":         filepath.Join(root, "in"),
		"finished.path":      filepath.Join(root, "finished"),
		"error.path":         filepath.Join(root, "error"),
		"input.file.pattern": `.*\.txt`,
	}
	ctx := context.Background()
	offsets := connecttest.NewOffsets()
	c := spooldir.LineDelimitedPlugin().New()
	if err := c.Start(ctx, config, connecttest.NewConnectorContext(offsets)); err != nil {
		fmt.Println(err)
		return
	}
	taskConfigs, _ := c.TaskConfigs(1)
	task := c.NewTask()
	if err := task.Start(ctx, taskConfigs[0], connecttest.SourceTaskContext(taskConfigs[0], offsets)); err != nil {
		fmt.Println(err)
		return
	}
	defer task.Stop(ctx)
	records, _ := task.Poll(ctx)
	for _, r := range records {
		name, _ := r.Headers.Last("file.name")
		fmt.Println(r.Value, name.Value, r.SourceOffset)
	}
	// Output:
	// first orders.txt {"offset":1,"line":1,"position":6}
	// second orders.txt {"offset":2,"line":2,"position":13}
}

// GenerateSchemas prints the schemas schema.generation.enabled would
// infer, in spooldir's JSON shape, to paste into key.schema and
// value.schema. Files with different columns give the union of their
// columns, each optional.
func ExampleGenerateSchemas() {
	dir, _ := os.MkdirTemp("", "spool")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "a.csv"), []byte("id,name\n1,ann\n2,bob\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.csv"), []byte("id,score\n3,4.5\n"), 0o644)

	key, value, err := spooldir.GenerateSchemas(spooldir.CsvClass, map[string]string{
		"input.path":                   dir,
		"input.file.pattern":           `.*\.csv`,
		"csv.first.row.as.header":      "true",
		"schema.generation.key.fields": "id",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("key.schema=%s\nvalue.schema=%s\n", key, value)
	// Output:
	// key.schema={"name":"com.github.jcustenborder.kafka.connect.model.Key","type":"STRUCT","isOptional":false,"fieldSchemas":{"id":{"type":"INT64","isOptional":true}}}
	// value.schema={"name":"com.github.jcustenborder.kafka.connect.model.Value","type":"STRUCT","isOptional":false,"fieldSchemas":{"id":{"type":"INT64","isOptional":true},"name":{"type":"STRING","isOptional":true},"score":{"type":"FLOAT64","isOptional":true}}}
}
