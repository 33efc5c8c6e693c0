// Command custom-worker is the kconnect worker program with a connector of
// its own compiled in: what a JVM worker gets from a jar dropped into
// plugin.path. It takes the same commands and files as kconnect, and its
// connector configurations can name com.example.GreetingSource (or
// Greeting) beside the built-in connectors:
//
//	go run ./examples/custom-worker standalone worker.properties greeting.properties
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
