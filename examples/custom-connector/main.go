// Command custom-connector runs a source connector written in Go, the
// com.example.EventsSource of connector.go, in a worker: it copies the
// streams of an HTTP events API (a stand-in served by the program itself,
// api.go) into Kafka, with two tasks sharing three streams. The worker
// keeps its embedded broker in a directory, so the program then stops it,
// adds events, starts a new worker on the same directory, and shows that
// the connector resumes after the last event committed: every event is in
// the topic once, none lost, none repeated.
//
//	go run ./examples/custom-connector
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/runtime/embedded"
	"github.com/kconnect-go/kconnect/runtime/worker"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := run(ctx, os.Stdout, log); err != nil {
		fmt.Fprintln(os.Stderr, "custom-connector:", err)
		os.Exit(1)
	}
}

var streams = []string{"orders", "payments", "refunds"}

const topic = "events"

func run(ctx context.Context, stdout io.Writer, log *slog.Logger) error {
	api := newEventsAPI()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: api}
	go srv.Serve(ln)
	defer srv.Close()
	dir, err := os.MkdirTemp("", "kconnect-custom-connector-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	config := map[string]string{
		"connector.class":                "com.example.EventsSource",
		"tasks.max":                      "2",
		"events.url":                     "http://" + ln.Addr().String(),
		"streams":                        "orders,payments,refunds",
		"topic":                          topic,
		"poll.interval.ms":               "50",
		"key.converter":                  "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable": "false",
	}
	total := 0
	for round, perStream := range []int{1000, 500} {
		for _, s := range streams {
			api.add(s, perStream)
		}
		total += perStream * len(streams)
		// A new worker on the same directory each round: the broker's
		// records and the connector's committed offsets are still there.
		w, err := worker.New(worker.Plugins(EventsSource()), embedded.Broker(embedded.Dir(dir)),
			worker.OffsetFlushInterval(100*time.Millisecond), worker.Logger(log))
		if err != nil {
			return err
		}
		if err := w.CreateConnector(ctx, "events", config); err != nil {
			w.Close()
			return err
		}
		seen, err := readTopic(ctx, w.Brokers(), total)
		if err != nil {
			st, _ := w.Status("events")
			w.Close()
			return fmt.Errorf("%w; connector status %+v", err, st)
		}
		st, err := w.Status("events")
		if err != nil {
			w.Close()
			return err
		}
		if err := w.Close(); err != nil { // commits the offsets of everything read
			return err
		}
		fmt.Fprintf(stdout, "round %d: %d events in the topic from %d tasks, each once: %v\n",
			round+1, total, len(st.Tasks), seen)
	}
	fmt.Fprintln(stdout, "the second worker resumed after the events committed by the first: none lost, none repeated")
	return nil
}

// readTopic reads the whole topic until it holds want records, and checks
// that each stream's events are there once each, in order: ids 1, 2, ….
// It returns how many each stream has.
func readTopic(ctx context.Context, brokers []string, want int) (map[string]int, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	seen := map[string]int{}
	for n := 0; n < want; {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return seen, fmt.Errorf("%d of %d events in the topic: %w", n, want, ctx.Err())
		}
		var bad error
		fs.EachError(func(_ string, _ int32, err error) { bad = errors.Join(bad, err) })
		if bad != nil {
			return seen, bad
		}
		for _, r := range fs.Records() {
			stream, id := string(r.Key), seen[string(r.Key)]+1
			if want := fmt.Sprintf(`{"id":%d,"stream":%q,`, id, stream); len(r.Value) < len(want) || string(r.Value[:len(want)]) != want {
				return seen, fmt.Errorf("stream %s: event %d expected, got %s", stream, id, r.Value)
			}
			seen[stream] = id
			n++
		}
	}
	return seen, nil
}
