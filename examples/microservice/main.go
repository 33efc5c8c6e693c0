// Command microservice is a kconnect pipeline embedded in an HTTP service,
// the shape of a Go service that owns its data flow instead of deploying
// it to a Connect cluster:
//
//   - the pipeline: kafka-connect-spooldir's line connector reads the text
//     files dropped into <data>/inbox, one record a line, and FileStreamSink
//     appends them to <data>/out.txt, through a Kafka broker embedded in the
//     process that keeps its data in <data>/kafka (embedded.Dir), so that a
//     restart resumes where the last run stopped;
//
//   - GET /healthz: 200 while every connector and task is running, 503 with
//     the failed ones named when one is FAILED, from the worker's status;
//
//   - /connect/: Kafka Connect's REST API (runtime/rest), to see the
//     connectors' status, pause them, or add connectors;
//
//   - SIGINT or SIGTERM: the service stops taking requests, finishes those
//     in flight, then closes the worker, which commits its offsets and lets
//     the sink catch up.
//
//     go run ./examples/microservice -addr 127.0.0.1:8080
//     curl localhost:8080/healthz
//     curl localhost:8080/connect/connectors?expand=status
//     echo hello > "$TMPDIR/kconnect-microservice/inbox/greeting.txt"
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/runtime/embedded"
	"github.com/kconnect-go/kconnect/runtime/rest"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sinkfile "github.com/kconnect-go/kconnect/sink/file"
	"github.com/kconnect-go/kconnect/source/spooldir"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "the address to serve HTTP on")
	data := flag.String("data", filepath.Join(os.TempDir(), "kconnect-microservice"), "the directory of the service's data")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ln, err := net.Listen("tcp", *addr)
	if err == nil {
		err = run(ctx, ln, *data, log)
	}
	if err != nil {
		log.Error("microservice stopped", "err", err)
		os.Exit(1)
	}
}

// shutdownTimeout bounds how long requests in flight may take to finish
// once the service is asked to stop.
const shutdownTimeout = 10 * time.Second

// run serves on ln until ctx is cancelled, then shuts down gracefully.
func run(ctx context.Context, ln net.Listener, data string, log *slog.Logger) error {
	defer ln.Close()
	inbox, finished, failed := filepath.Join(data, "inbox"), filepath.Join(data, "finished"), filepath.Join(data, "error")
	for _, d := range []string{inbox, finished, failed} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	plugins := []connect.Plugin{sinkfile.Plugin()}
	for _, p := range spooldir.Plugins() { // every spooldir connector, for the REST API too
		plugins = append(plugins, p)
	}
	w, err := worker.New(
		worker.Plugins(plugins...),
		embedded.Broker(embedded.Dir(filepath.Join(data, "kafka"))), // one process at a time: the directory is locked
		worker.Logger(log),
		worker.OffsetFlushInterval(time.Second),
		// Each change of state in the log, as it happens (quick, and
		// without calling the worker, as OnStateChange requires).
		worker.OnStateChange(func(c worker.StateChange) {
			log.Info("state change", "connector", c.Connector, "task", c.Task, "state", c.State)
		}),
	)
	if err != nil {
		return err
	}
	defer w.Close() // on an early return; the shutdown below closes it first

	// The worker keeps no connector configurations between runs (the
	// broker keeps the records, offsets and the sink's position): the
	// service creates its pipeline at each start.
	for name, config := range pipeline(data) {
		if err := w.CreateConnector(ctx, name, config); err != nil {
			return fmt.Errorf("creating connector %s: %w", name, err)
		}
	}

	mux := http.NewServeMux()
	mux.Handle("GET /healthz", health(w))
	mux.Handle("/connect/", http.StripPrefix("/connect", rest.NewHandler(w, rest.Logger(log))))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String(), "data", data)

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	serr := srv.Shutdown(sctx) // no new requests; those in flight finish
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		serr = errors.Join(serr, err)
	}
	return errors.Join(serr, w.Close())
}

// pipeline is the service's own connectors, as a Kafka Connect worker takes
// them.
func pipeline(data string) map[string]map[string]string {
	return map[string]map[string]string{
		"inbox": {
			"connector.class":    "com.github.jcustenborder.kafka.connect.spooldir.SpoolDirLineDelimitedSourceConnector",
			"topic":              "lines",
			"input.path":         filepath.Join(data, "inbox"),
			"finished.path":      filepath.Join(data, "finished"),
			"error.path":         filepath.Join(data, "error"),
			"input.file.pattern": `.*\.txt`,
			"empty.poll.wait.ms": "200",
			// One partition keeps the lines in order on their way to out.txt.
			"topic.creation.default.partitions":         "1",
			"topic.creation.default.replication.factor": "1",
			"value.converter":                           "org.apache.kafka.connect.storage.StringConverter",
		},
		"out": {
			"connector.class": "FileStreamSink",
			"topics":          "lines",
			"file":            filepath.Join(data, "out.txt"),
			"value.converter": "org.apache.kafka.connect.storage.StringConverter",
		},
	}
}

// healthReport is GET /healthz's body.
type healthReport struct {
	Status string   `json:"status"` // "ok" or "failed"
	Failed []string `json:"failed,omitempty"`
}

// health answers 200 while no connector or task is FAILED, and 503
// naming those that are (their traces are in the REST API's status).
func health(w *worker.Worker) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		report := healthReport{Status: "ok"}
		for _, name := range w.Connectors() {
			st, err := w.Status(name)
			if err != nil {
				continue // deleted since Connectors
			}
			if st.Connector.State == worker.Failed {
				report.Failed = append(report.Failed, fmt.Sprintf("connector %s", name))
			}
			for _, t := range st.Tasks {
				if t.State == worker.Failed {
					report.Failed = append(report.Failed, fmt.Sprintf("connector %s task %d", name, t.ID))
				}
			}
		}
		code := http.StatusOK
		if len(report.Failed) > 0 {
			report.Status, code = "failed", http.StatusServiceUnavailable
		}
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(code)
		json.NewEncoder(rw).Encode(report)
	})
}
