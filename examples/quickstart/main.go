// Command quickstart runs a whole kconnect pipeline on embedded defaults:
// Kafka Connect's FileStreamSource reads a sample file, a transform chain
// renames the topic and stamps a header, the records go through Kafka (an
// in-process broker, embedded.Broker(), or a real one with -brokers), and
// FileStreamSink writes them to another file. Both connectors are created
// from the same string configs a Kafka Connect worker accepts. It shows
// progress, checks that the output equals the input, and exits 0.
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
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/runtime/embedded"
	"github.com/kconnect-go/kconnect/runtime/worker"
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
		worker.Plugins(sourcefile.Plugin(), sinkfile.Plugin()),
		worker.OffsetFlushInterval(200 * time.Millisecond),
		worker.Logger(log),
	}
	if brokers != "" {
		opts = append(opts, worker.Brokers(strings.Split(brokers, ",")...))
	} else {
		opts = append(opts, embedded.Broker()) // in memory, gone when the program exits
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

	// Progress: count the sink's output lines until they are all there,
	// often enough that the time taken is close to the truth, printing
	// twice a second and at the end.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	lines := &lineCounter{path: out}
	defer lines.close()
	printed := start
	for done := 0; done < n; {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case now := <-tick.C:
			if done, err = lines.count(); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			if done < n && now.Sub(printed) < 500*time.Millisecond {
				continue
			}
			printed = now
			rate := float64(done) / now.Sub(start).Seconds()
			fmt.Printf("  %7d / %d lines through Kafka (%.0f records/s so far)\n", done, n, rate)
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

// lineCounter counts the lines of a file that grows, reading each byte
// once.
type lineCounter struct {
	path string
	f    *os.File
	buf  []byte
	n    int
}

// count returns the number of lines in the file so far; os.ErrNotExist
// until the file exists.
func (c *lineCounter) count() (int, error) {
	if c.f == nil {
		f, err := os.Open(c.path)
		if err != nil {
			return 0, err
		}
		c.f, c.buf = f, make([]byte, 64<<10)
	}
	for {
		k, err := c.f.Read(c.buf)
		c.n += bytes.Count(c.buf[:k], []byte{'\n'})
		if errors.Is(err, io.EOF) || (err == nil && k == 0) {
			return c.n, nil
		}
		if err != nil {
			return c.n, err
		}
	}
}

func (c *lineCounter) close() {
	if c.f != nil {
		c.f.Close()
	}
}
