// Command ferretdb runs FerretDB v1's embeddable package with its SQLite
// backend on 127.0.0.1, as a second MongoDB wire-protocol server for the
// MongoDB sink's integration tests. It lives in a module of its own because
// FerretDB pins older versions of the SQLite, pgx and MongoDB driver modules
// than kconnect uses; `go install …/cmd/ferretdb` is not used because that
// program panics at start when built outside FerretDB's repository (its
// version file is generated there).
//
// Usage: ferretdb -dir DATADIR [-listen 127.0.0.1:0]
//
// Once it listens it prints "port <n>" on standard output; it runs until
// SIGTERM or SIGINT.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	dir := flag.String("dir", "", "directory for the SQLite databases (required)")
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on; port 0 picks a free one")
	flag.Parse()
	if err := run(*dir, *listen); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
}

func run(dir, listen string) error {
	if dir == "" {
		return fmt.Errorf("-dir is required")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
	})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	// MongoDBURI waits until the listener is bound, so the port printed is
	// the one it holds and no other process can take it in between.
	u, err := url.Parse(f.MongoDBURI())
	if err != nil {
		return err
	}
	_, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return err
	}
	fmt.Printf("port %s\n", port)
	return <-done
}
