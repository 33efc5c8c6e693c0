// Command kconnect is Kafka Connect's worker in Go: a drop-in for Kafka's
// connect-standalone and connect-distributed that runs the same worker and
// connector properties files unchanged. Run "kconnect help" for its commands and worker keys.
//
//	go install github.com/kconnect-go/kconnect/cmd/kconnect@latest
//	kconnect standalone worker.properties connector.properties
//
// It comes with every connector and converter of kconnect (package
// runtime/cli/all). To add connectors, converters or transforms of your
// own, or to link only the plugins your connectors use (a worker with
// FileStream alone idles at about 20 MiB, with all of them 35 MiB), build
// your own main over package runtime/cli (see examples/custom-worker).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/kconnect-go/kconnect/runtime/cli"
	"github.com/kconnect-go/kconnect/runtime/cli/all"
)

func main() {
	// SIGINT or SIGTERM cancels ctx: the worker stops its connectors within
	// its shutdown timeouts and Main returns.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Main(ctx, os.Args[1:], all.Options()...))
}
