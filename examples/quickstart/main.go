// Command quickstart runs a whole kconnect pipeline on embedded defaults:
// kafka-connect-spooldir's SpoolDirCsvSourceConnector reads a directory of
// generated CSV files, a transform chain masks a column, adds a field and
// renames the topic, the records go through Kafka (an in-process broker,
// embedded.Broker(), or a real one with -brokers) as JSON with their
// schemas, and Confluent's JdbcSinkConnector upserts them by their key
// into a table it creates in a SQLite database file. Both connectors are
// created from the same string configs a Kafka Connect worker accepts. It
// shows progress (rows in the table, files done, records/s), then reads
// the table back, checks that every row is there once, transformed, and
// exits 1 if one is not.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -brokers localhost:9092 -files 20 -rows 50000
package main

import (
	"bufio"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the driver the JDBC sink writes SQLite with

	"github.com/kconnect-go/kconnect/runtime/embedded"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sinkjdbc "github.com/kconnect-go/kconnect/sink/jdbc"
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
	dbPath := filepath.Join(dir, "orders.db")
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
		worker.Plugins(spooldir.CsvPlugin(), sinkjdbc.Plugin()),
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
		"key.converter.schemas.enable":   "true", // the JDBC sink needs the schemas,
		"value.converter.schemas.enable": "true", // to create the table and bind the values
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
		// The worker creates the topic (KIP-158), as a broker given with
		// -brokers may not; -1 is the broker's default replication.
		"topic.creation.default.partitions":         "1",
		"topic.creation.default.replication.factor": "-1",
	})
	if err != nil {
		return err
	}
	// The database is made ahead of the sink, in WAL mode, which stays
	// the file's: the sink's commits then append to the log instead of
	// rewriting pages through a rollback journal, about twice as fast,
	// and the progress reads below never hold up a commit.
	db, err := openDB(dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		return fmt.Errorf("%s: %w", dbPath, err)
	}
	// The sink upserts each row by the key's id, so a record delivered
	// twice leaves one row.
	err = w.CreateConnector(ctx, "orders-out", map[string]string{
		"connector.class":                "io.confluent.connect.jdbc.JdbcSinkConnector",
		"topics":                         "orders-" + suffix,
		"connection.url":                 "jdbc:sqlite:" + dbPath,
		"table.name.format":              table,
		"insert.mode":                    "upsert",
		"pk.mode":                        "record_key",
		"pk.fields":                      "id",
		"auto.create":                    "true",
		"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":   "true",
		"value.converter.schemas.enable": "true",
	})
	if err != nil {
		return err
	}

	// Progress: count the table's rows and the files moved to
	// finished.path (once their offsets are committed) until all are
	// there, printing twice a second and at the end.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	printed := start
	for done, filesDone := 0, 0; done < n || filesDone < cfg.files; {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case now := <-tick.C:
			if done, err = countRows(ctx, db); err != nil {
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
			fmt.Fprintf(stdout, "  %7d / %d rows in the table, %d / %d files done (%.0f records/s so far)\n",
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
	if err := verify(ctx, db, n); err != nil {
		return fmt.Errorf("table %s in %s: %w", table, dbPath, err)
	}
	fmt.Fprintf(stdout, "done: %d CSV rows in %d files -> spooldir -> transforms -> Kafka -> SQLite in %v, %.0f records/s\n",
		n, cfg.files, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
	fmt.Fprintf(stdout, "checked: all %d rows in table %s once each, emails masked and pipeline field added\n",
		n, table)
	return nil
}

// table is the table the sink creates and writes.
const table = "orders"

// openDB opens the SQLite database file at path with the sink's driver.
// The busy timeout makes a read that meets the sink's write lock wait for
// it instead of failing with SQLITE_BUSY.
func openDB(path string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=busy_timeout(10000)")
}

// countRows returns the number of rows in the table, 0 until the sink
// has created it.
func countRows(ctx context.Context, db *sql.DB) (int, error) {
	var exists int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&exists)
	if err != nil || exists == 0 {
		return 0, err
	}
	var n int
	err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+table+`"`).Scan(&n)
	return n, err
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

// verify checks that the table holds one row for every id from 1 to n,
// each with its CSV row's values, email masked and the pipeline field
// added. A missing, repeated, unknown or wrong row is an error naming it.
func verify(ctx context.Context, db *sql.DB, n int) error {
	rows, err := db.QueryContext(ctx, `SELECT "id", "customer", "email", "amount", "pipeline" FROM "`+table+`" ORDER BY "id"`)
	if err != nil {
		return err
	}
	defer rows.Close()
	seen := make([]bool, n+1)
	for rows.Next() {
		var (
			id                int
			cust, email, pipe sql.NullString
			amt               sql.NullFloat64
		)
		if err := rows.Scan(&id, &cust, &email, &amt, &pipe); err != nil {
			return err
		}
		if id < 1 || id > n {
			return fmt.Errorf("id %d was never written", id)
		}
		if seen[id] {
			return fmt.Errorf("row %d is there more than once", id)
		}
		seen[id] = true
		if cust.String != customer(id) || !amt.Valid || fmt.Sprintf("%.2f", amt.Float64) != amount(id) ||
			!email.Valid || email.String != "" || pipe.String != "quickstart" {
			return fmt.Errorf("row %d arrived as customer %s, email %s, amount %s, pipeline %s",
				id, show(cust), show(email), showFloat(amt), show(pipe))
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var missing []int
	for id := 1; id <= n; id++ {
		if !seen[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%d of %d rows did not arrive, the first: id %d", len(missing), n, missing[0])
	}
	return nil
}

func show(s sql.NullString) string {
	if !s.Valid {
		return "NULL"
	}
	return fmt.Sprintf("%q", s.String)
}

func showFloat(f sql.NullFloat64) string {
	if !f.Valid {
		return "NULL"
	}
	return fmt.Sprint(f.Float64)
}
