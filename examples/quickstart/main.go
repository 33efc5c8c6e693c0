// Command quickstart runs a whole kconnect pipeline on embedded defaults:
// kafka-connect-spooldir's SpoolDirCsvSourceConnector reads a directory of
// generated CSV files, a transform chain masks a column, adds a field and
// renames the topic, the records go through Kafka (an in-process broker,
// embedded.Broker(), or a real one with -brokers) as JSON, and
// FileStreamSink writes them to a file, one JSON object a line. Both
// connectors are created from the same string configs a Kafka Connect
// worker accepts. It shows progress (records/s, files done), then checks
// that every row arrived, transformed, and exits 1 if one did not.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -brokers localhost:9092 -files 20 -rows 50000
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
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
	"github.com/kconnect-go/kconnect/source/spooldir"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.brokers, "brokers", "", "Kafka bootstrap servers, comma-separated; empty runs an in-process broker")
	flag.IntVar(&cfg.files, "files", 10, "CSV files to generate")
	flag.IntVar(&cfg.rows, "rows", 10000, "rows in each CSV file")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

type config struct {
	brokers     string
	files, rows int
}

// The connectors' configurations, as a Kafka Connect worker takes them.
const (
	keySchema   = `{"name":"com.example.OrderKey","type":"STRUCT","fieldSchemas":{"id":{"type":"INT64"}}}`
	valueSchema = `{"name":"com.example.Order","type":"STRUCT","fieldSchemas":{` +
		`"id":{"type":"INT64"},"customer":{"type":"STRING"},"email":{"type":"STRING"},"amount":{"type":"FLOAT64"}}}`
)

func run(ctx context.Context, stdout io.Writer, cfg config) error {
	dir, err := os.MkdirTemp("", "kconnect-quickstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	in, finished, failed := filepath.Join(dir, "in"), filepath.Join(dir, "finished"), filepath.Join(dir, "error")
	out := filepath.Join(dir, "orders.jsonl")
	for _, d := range []string{in, finished, failed} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return err
		}
	}
	n := cfg.files * cfg.rows
	if err := writeOrders(in, cfg.files, cfg.rows); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d CSV files of %d rows to %s\n", cfg.files, cfg.rows, in)

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	opts := []worker.Opt{
		worker.Plugins(spooldir.CsvPlugin(), sinkfile.Plugin()),
		// Offsets are committed, and so files moved to finished.path,
		// every 200 ms rather than Kafka Connect's default minute.
		worker.OffsetFlushInterval(200 * time.Millisecond),
		worker.Logger(log),
	}
	if cfg.brokers != "" {
		opts = append(opts, worker.Brokers(strings.Split(cfg.brokers, ",")...))
	} else {
		opts = append(opts, embedded.Broker()) // in memory, gone when the program exits
	}
	w, err := worker.New(opts...)
	if err != nil {
		return err
	}
	defer w.Close()
	fmt.Fprintf(stdout, "Kafka at %s\n", strings.Join(w.Brokers(), ","))

	suffix := fmt.Sprint(time.Now().UnixNano()) // new topics on a real broker at each run
	start := time.Now()
	err = w.CreateConnector(ctx, "orders-in", map[string]string{
		"connector.class":                "com.github.jcustenborder.kafka.connect.spooldir.SpoolDirCsvSourceConnector",
		"tasks.max":                      "2", // the files are shared between two tasks by name
		"topic":                          "raw-orders-" + suffix,
		"input.path":                     in,
		"finished.path":                  finished,
		"error.path":                     failed,
		"input.file.pattern":             `orders-\d+\.csv`,
		"csv.first.row.as.header":        "true",
		"key.schema":                     keySchema,
		"value.schema":                   valueSchema,
		"empty.poll.wait.ms":             "100",
		"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":   "false",
		"value.converter.schemas.enable": "false",
		"transforms":                     "mask,stamp,route",
		// Blank the email column before it leaves the process.
		"transforms.mask.type":   "org.apache.kafka.connect.transforms.MaskField$Value",
		"transforms.mask.fields": "email",
		// Add a field naming the pipeline.
		"transforms.stamp.type":         "org.apache.kafka.connect.transforms.InsertField$Value",
		"transforms.stamp.static.field": "pipeline",
		"transforms.stamp.static.value": "quickstart",
		// Rename the topic, as RegexRouter does in Kafka Connect.
		"transforms.route.type":        "org.apache.kafka.connect.transforms.RegexRouter",
		"transforms.route.regex":       "raw-(.*)",
		"transforms.route.replacement": "$1",
	})
	if err != nil {
		return err
	}
	// The sink writes each value's JSON text as it is in Kafka.
	err = w.CreateConnector(ctx, "orders-out", map[string]string{
		"connector.class": "FileStreamSink",
		"file":            out,
		"topics":          "orders-" + suffix,
		"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter": "org.apache.kafka.connect.storage.StringConverter",
	})
	if err != nil {
		return err
	}

	// Progress: count the sink's lines and the files moved to
	// finished.path (once their offsets are committed) until all are
	// there, printing twice a second and at the end.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	lines := &lineCounter{path: out}
	defer lines.close()
	printed := start
	for done, filesDone := 0, 0; done < n || filesDone < cfg.files; {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case now := <-tick.C:
			if done, err = lines.count(); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			moved, err := os.ReadDir(finished)
			if err != nil {
				return err
			}
			filesDone = len(moved)
			if (done < n || filesDone < cfg.files) && now.Sub(printed) < 500*time.Millisecond {
				continue
			}
			printed = now
			fmt.Fprintf(stdout, "  %7d / %d records in the sink's file, %d / %d files done (%.0f records/s so far)\n",
				done, n, filesDone, cfg.files, float64(done)/now.Sub(start).Seconds())
			if err := checkRunning(w, "orders-in", "orders-out"); err != nil {
				return err
			}
		}
	}
	elapsed := time.Since(start)
	if err := w.Close(); err != nil {
		return err
	}
	sum, err := verify(out, cfg.files*cfg.rows)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "done: %d CSV rows in %d files -> spooldir -> transforms -> Kafka -> file in %v, %.0f records/s\n",
		n, cfg.files, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
	fmt.Fprintf(stdout, "checked: all %d rows arrived, emails masked and pipeline field added (%d lines, %d repeated)\n",
		n, sum.lines, sum.repeated)
	return nil
}

// checkRunning returns an error naming the first connector or task that
// failed.
func checkRunning(w *worker.Worker, names ...string) error {
	for _, name := range names {
		st, err := w.Status(name)
		if err != nil {
			return err
		}
		if st.Connector.State == worker.Failed {
			return fmt.Errorf("connector %s failed: %s", name, st.Connector.Trace)
		}
		for _, t := range st.Tasks {
			if t.State == worker.Failed {
				return fmt.Errorf("connector %s task %d failed: %s", name, t.ID, t.Trace)
			}
		}
	}
	return nil
}

// writeOrders writes files CSV files of rows rows each to dir, with the
// ids 1 to files*rows.
func writeOrders(dir string, files, rows int) error {
	for f := range files {
		path := filepath.Join(dir, fmt.Sprintf("orders-%03d.csv", f))
		if err := writeCSV(path, f*rows+1, rows); err != nil {
			return err
		}
	}
	return nil
}

func writeCSV(path string, first, rows int) error {
	// Written under another name and renamed, so that the connector never
	// sees a file half-written.
	tmp := path + ".tmp"
	fh, err := os.Create(tmp)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(fh)
	bw.WriteString("id,customer,email,amount\n")
	for id := first; id < first+rows; id++ {
		fmt.Fprintf(bw, "%d,%s,customer%d@example.com,%s\n", id, customer(id), id, amount(id))
	}
	if err := bw.Flush(); err != nil {
		fh.Close()
		return err
	}
	if err := fh.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func customer(id int) string { return fmt.Sprintf("Customer %d", id%977) }
func amount(id int) string   { return fmt.Sprintf("%d.%02d", 10+id%990, 1+id%99) }

// summary is what verify found.
type summary struct{ lines, repeated int }

// verify checks that the file at path holds a JSON line for every id from
// 1 to n, each with its row's values, email masked and the pipeline field
// added. At-least-once delivery allows a line to be repeated; a missing or
// wrong one is an error naming it.
func verify(path string, n int) (summary, error) {
	var sum summary
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	seen := make([]bool, n+1)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum.lines++
		var o struct {
			ID       int     `json:"id"`
			Customer string  `json:"customer"`
			Email    *string `json:"email"`
			Amount   float64 `json:"amount"`
			Pipeline string  `json:"pipeline"`
		}
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o); err != nil {
			return sum, fmt.Errorf("%s line %d: %w: %s", path, sum.lines, err, sc.Bytes())
		}
		if o.ID < 1 || o.ID > n {
			return sum, fmt.Errorf("%s line %d: id %d was never written", path, sum.lines, o.ID)
		}
		if o.Customer != customer(o.ID) || fmt.Sprintf("%.2f", o.Amount) != amount(o.ID) ||
			o.Email == nil || *o.Email != "" || o.Pipeline != "quickstart" {
			return sum, fmt.Errorf("%s line %d: row %d arrived as %s", path, sum.lines, o.ID, sc.Bytes())
		}
		if seen[o.ID] {
			sum.repeated++
		}
		seen[o.ID] = true
	}
	if err := sc.Err(); err != nil {
		return sum, err
	}
	var missing []int
	for id := 1; id <= n; id++ {
		if !seen[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return sum, fmt.Errorf("%d of %d rows did not arrive in %s, the first: id %d", len(missing), n, path, missing[0])
	}
	return sum, nil
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
