// Command custom-worker is the kconnect worker program with a connector of
// its own compiled in: what a JVM worker gets from a jar dropped into
// plugin.path. It takes the same commands and files as kconnect, and its
// connector configurations can name com.example.GreetingSource (or
// Greeting) beside the built-in FileStream connectors:
//
//	go run ./examples/custom-worker standalone worker.properties greeting.properties
//
// It links no other plugin, so it stays as small as the worker can be (a
// distributed worker of it idles at about 20 MiB). kconnect's own
// connectors and converters are added the same way, each with its
// libraries: cli.Plugins(GreetingSource(), sinkjdbc.Plugin()) for the
// JDBC sink, or all.Options() (package runtime/cli/all) for every one of
// them, as cmd/kconnect has.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/kconnect-go/kconnect/runtime/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Main(ctx, os.Args[1:], cli.Plugins(GreetingSource())))
}
