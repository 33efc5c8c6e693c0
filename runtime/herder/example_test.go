package herder_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/runtime/embedded"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/kconnect-go/kconnect/source"
)

var numbers = connect.NewSourcePartition("counter", "numbers")

// countTask emits the numbers after its committed offset up to its "limit"
// setting, then waits to be stopped.
type countTask struct{ next, limit int64 }

func (t *countTask) Start(ctx context.Context, cfg map[string]string, tc source.TaskContext) error {
	t.limit, _ = strconv.ParseInt(cfg["limit"], 10, 64)
	committed, err := tc.Offsets().Offset(ctx, numbers)
	if err != nil {
		return err
	}
	if n, ok := committed.Int64("n"); ok {
		t.next = n + 1
	}
	return nil
}

func (t *countTask) Poll(ctx context.Context) ([]connect.Record, error) {
	if t.next > t.limit {
		<-ctx.Done()
		return nil, nil
	}
	r := connect.Record{Topic: "numbers", ValueSchema: connect.Int64Schema, Value: t.next,
		SourcePartition: numbers, SourceOffset: connect.Int64Offset("n", t.next)}
	t.next++
	return []connect.Record{r}, nil
}

func (t *countTask) Stop(context.Context) error { return nil }

// A standalone worker driven through the Herder interface, as a REST API
// drives it: a source connector is created STOPPED (KIP-980), its offset is
// set before it ever runs (KIP-875), and once resumed it counts on from
// there; stopped again, its committed offset is read back in Kafka
// Connect's JSON.
func Example() {
	ctx := context.Background()
	counter := source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "example.Counter", Kind: connect.SourcePlugin},
		New: func() source.Connector {
			return source.SimpleConnector(func() source.Task { return &countTask{} })
		},
	}
	got := make(chan connect.Record, 10)
	printer := sink.Plugin{
		PluginInfo: connect.PluginInfo{Class: "example.Printer", Kind: connect.SinkPlugin},
		New: func() sink.Connector {
			return sink.SimpleConnector(func() sink.Task {
				return sink.PutFunc(func(_ context.Context, rs []connect.Record) error {
					for _, r := range rs {
						got <- r
					}
					return nil
				})
			})
		},
	}
	w, err := worker.New(embedded.Broker(), worker.Plugins(counter, printer), worker.Logger(slog.New(slog.DiscardHandler)))
	if err != nil {
		panic(err)
	}
	defer w.Close()
	var h herder.Herder = w

	info, created, err := h.PutConnectorConfig(ctx, "counter", map[string]string{
		"connector.class": "example.Counter", "limit": "9",
		"topic.creation.default.partitions": "1",
	}, herder.PutOptions{CreateOnly: true, InitialState: herder.TargetStopped})
	if err != nil {
		panic(err)
	}
	st, err := h.ConnectorStatus(ctx, "counter")
	if err != nil {
		panic(err)
	}
	fmt.Println("created:", created, info.Type, "connector", st.Connector.State, "with", len(st.Tasks), "tasks")

	msg, err := h.AlterConnectorOffsets(ctx, "counter", herder.ConnectorOffsets{Offsets: []herder.ConnectorOffset{
		{Partition: numbers, Offset: connect.Int64Offset("n", 6)},
	}})
	if err != nil {
		panic(err)
	}
	fmt.Println(msg.Message)

	if err := h.ResumeConnector(ctx, "counter"); err != nil {
		panic(err)
	}
	st, _ = h.ConnectorStatus(ctx, "counter")
	fmt.Println("resumed:", st.Connector.State)
	if _, _, err := h.PutConnectorConfig(ctx, "printer", map[string]string{
		"connector.class": "example.Printer", "topics": "numbers",
	}, herder.PutOptions{}); err != nil {
		panic(err)
	}
	for range 3 {
		select {
		case r := <-got:
			fmt.Println(r.Topic, r.Value)
		case <-time.After(30 * time.Second):
			panic("no record")
		}
	}

	if err := h.StopConnector(ctx, "counter"); err != nil {
		panic(err)
	}
	offsets, err := h.ConnectorOffsets(ctx, "counter")
	if err != nil {
		panic(err)
	}
	b, _ := json.Marshal(offsets)
	fmt.Println(string(b))
	// Output:
	// created: true source connector STOPPED with 0 tasks
	// The Connect framework-managed offsets for this connector have been altered successfully. However, if this connector manages offsets externally, they will need to be manually altered in the system that the connector uses.
	// resumed: RUNNING
	// numbers 7
	// numbers 8
	// numbers 9
	// {"offsets":[{"partition":{"counter":"numbers"},"offset":{"n":9}}]}
}
