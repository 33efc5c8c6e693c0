package all_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kconnect-go/kconnect/runtime/cli"
	"github.com/kconnect-go/kconnect/runtime/cli/all"
)

// The program with every plugin that comes with kconnect, as cmd/kconnect
// is, here running its spooldir-schema command on a directory of CSV
// files. A real main passes os.Args[1:] and exits with Main's code.
func ExampleOptions() {
	dir, err := os.MkdirTemp("", "spool")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "orders.csv"), []byte("id,item\n1,apples\n"), 0o644); err != nil {
		panic(err)
	}
	code := cli.Main(context.Background(), []string{"spooldir-schema", "-key", "id", dir},
		append(all.Options(), cli.Output(nil, os.Stdout, os.Stdout))...)
	fmt.Println("exit", code)
	// Output:
	// key.schema={"name":"com.github.jcustenborder.kafka.connect.model.Key","type":"STRUCT","isOptional":false,"fieldSchemas":{"id":{"type":"INT64","isOptional":true}}}
	// value.schema={"name":"com.github.jcustenborder.kafka.connect.model.Value","type":"STRUCT","isOptional":false,"fieldSchemas":{"id":{"type":"INT64","isOptional":true},"item":{"type":"STRING","isOptional":true}}}
	// exit 0
}
