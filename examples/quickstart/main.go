// Command quickstart runs a whole kconnect pipeline on embedded defaults:
// Kafka Connect's FileStreamSource reads a sample file, a transform chain
// renames the topic and stamps a header, the records go through Kafka (an
// in-process broker, or a real one with -brokers), and FileStreamSink writes
// them to another file. Both connectors are created from the same string
// configs a Kafka Connect worker accepts. It shows progress, checks that the
// output equals the input, and exits 0.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -brokers localhost:9092 -lines 1000000
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect/worker"
	sinkfile "github.com/kconnect-go/kconnect/sink/file"
	sourcefile "github.com/kconnect-go/kconnect/source/file"
)

func main() {
	brokers := flag.String("brokers", "", "Kafka bootstrap servers, comma-separated; empty runs an in-process broker")
	lines := flag.Int("lines", 200000, "lines in the sample file")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *brokers, *lines); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, brokers string, n int) error {
	dir, err := os.MkdirTemp("", "kconnect-quickstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "orders.csv"), filepath.Join(dir, "orders-out.csv")
	if err := writeSample(in, n); err != nil {
		return err
	}
	fmt.Printf("wrote %d lines to %s\n", n, in)

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	opts := []worker.Opt{
		worker.Plugins(sourcefile.Plugin(sourcefile.Logger(log)), sinkfile.Plugin(sinkfile.Logger(log))),
		worker.OffsetFlushInterval(200 * time.Millisecond),
		worker.Logger(log),
	}
	if brokers != "" {
		opts = append(opts, worker.Brokers(strings.Split(brokers, ",")...))
	}
	w, err := worker.New(opts...)
	if err != nil {
		return err
	}
	defer w.Close()
	fmt.Printf("Kafka at %s\n", strings.Join(w.Brokers(), ","))

	suffix := fmt.Sprint(time.Now().UnixNano())
	start := time.Now()
	err = w.CreateConnector(ctx, "orders-in", map[string]string{
		"connector.class": "FileStreamSource",
		"file":            in,
		"topic":           "raw-orders-" + suffix,
		"value.converter": "org.apache.kafka.connect.storage.StringConverter",
		"transforms":      "route,stamp",
		// Rename the topic, as RegexRouter does in Kafka Connect.
		"transforms.route.type":        "org.apache.kafka.connect.transforms.RegexRouter",
		"transforms.route.regex":       "raw-(.*)",
		"transforms.route.replacement": "$1",
		// Stamp every record with a header.
		"transforms.stamp.type":             "InsertHeader",
		"transforms.stamp.header":           "pipeline",
		"transforms.stamp.value.literal":    "quickstart",
		"topic.creation.default.partitions": "1", // one partition keeps the lines in order
	})
	if err != nil {
		return err
	}
	err = w.CreateConnector(ctx, "orders-out", map[string]string{
		"connector.class": "FileStreamSink",
		"file":            out,
		"topics":          "orders-" + suffix,
		"value.converter": "StringConverter",
	})
	if err != nil {
		return err
	}

	// Progress: count the sink's output lines until they are all there.
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	last, lastAt := 0, start
	for done := 0; done < n; {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case now := <-tick.C:
			if done, err = countLines(out); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			rate := float64(done-last) / now.Sub(lastAt).Seconds()
			fmt.Printf("  %7d / %d lines through Kafka (%.0f records/s)\n", done, n, rate)
			last, lastAt = done, now
			for _, name := range []string{"orders-in", "orders-out"} {
				st, err := w.Status(name)
				if err != nil {
					return err
				}
				for _, t := range st.Tasks {
					if t.State == worker.Failed {
						return fmt.Errorf("%s task %d failed: %s", name, t.ID, t.Trace)
					}
				}
			}
		}
	}
	elapsed := time.Since(start)
	if err := w.Close(); err != nil {
		return err
	}
	a, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	if !bytes.Equal(a, b) {
		return fmt.Errorf("output differs from input (%d vs %d bytes)", len(b), len(a))
	}
	fmt.Printf("done: %d lines (%.1f MB) file -> Kafka -> file in %v, %.0f records/s; output equals input\n",
		n, float64(len(a))/1e6, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
	return nil
}

func writeSample(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	for i := range n {
		fmt.Fprintf(bw, "order-%d,customer-%d,%d.%02d\n", i, i%977, 10+i%990, i%100)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func countLines(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return bytes.Count(b, []byte{'\n'}), nil
}
