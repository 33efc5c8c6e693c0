// Command quickstart runs a small pipeline on embedded defaults: an
// in-process Kafka broker (or a real one with -brokers), a source that
// generates orders, Kafka Connect's JsonConverter, and a consumer that reads
// the records back and checks them.
//
// Until kconnect's worker lands, the pipeline is wired by hand here, which
// shows the pieces a worker drives: a source task's Poll, the converter,
// the producer, and the source offsets the worker will commit.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -brokers localhost:9092 -records 100000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/jsonconv"
	"github.com/kconnect-go/kconnect/source"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func main() {
	brokers := flag.String("brokers", "", "Kafka bootstrap servers, comma-separated; empty starts an in-process broker")
	records := flag.Int("records", 20000, "how many records to move")
	topic := flag.String("topic", fmt.Sprintf("kconnect-quickstart-%d", time.Now().Unix()), "topic to write to (created if missing)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *brokers, *topic, *records); err != nil {
		slog.Error("quickstart failed", "err", err)
		os.Exit(1)
	}
}

var orderSchema = connect.StructOf(
	connect.F("id", connect.Int64Schema),
	connect.F("customer", connect.StringSchema),
	connect.F("amount", connect.DecimalSchema(2)),
	connect.F("created", connect.TimestampSchema),
).WithName("com.example.Order")

// ordersTask is a source task: each Poll returns a batch of generated
// orders, each carrying its number as the source offset.
func ordersTask(topic string, total int) source.Task {
	partition := connect.NewSourcePartition("generator", "orders")
	next := 0
	return source.TaskFunc(func(ctx context.Context) ([]connect.Record, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		batch := make([]connect.Record, 0, 500)
		for ; next < total && len(batch) < cap(batch); next++ {
			order := connect.NewStruct(orderSchema)
			err := errors.Join(
				order.PutInt64("id", int64(next)),
				order.PutString("customer", fmt.Sprintf("customer-%d", next%100)),
				order.Set("amount", connect.DecimalValue(connect.NewDecimal(int64(100+next%9900), 2))),
				order.PutTime("created", time.UnixMilli(1700000000000+int64(next)).UTC()),
			)
			if err != nil {
				return nil, err
			}
			batch = append(batch, connect.Record{
				Topic: topic, KeySchema: connect.Int64Schema, Key: int64(next),
				ValueSchema: orderSchema, Value: order,
				SourcePartition: partition, SourceOffset: connect.Int64Offset("position", int64(next)),
			})
		}
		return batch, nil
	})
}

func run(ctx context.Context, brokerList, topic string, total int) error {
	var seeds []string
	if brokerList == "" {
		cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
		if err != nil {
			return fmt.Errorf("starting the in-process broker: %w", err)
		}
		defer cluster.Close()
		seeds = cluster.ListenAddrs()
		fmt.Printf("started an in-process Kafka broker at %s\n", strings.Join(seeds, ","))
	} else {
		seeds = strings.Split(brokerList, ",")
	}
	client, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.DefaultProduceTopic(topic))
	if err != nil {
		return err
	}
	defer client.Close()
	if _, err := kadm.NewClient(client).CreateTopic(ctx, 3, -1, nil, topic); err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("creating topic %s: %w", topic, err)
	}

	keys, values := jsonconv.New(jsonconv.SchemasEnable(false)), jsonconv.New()
	task := ordersTask(topic, total)
	if err := task.Start(ctx, nil, nil); err != nil {
		return err
	}
	defer task.Stop(ctx)

	// Source side: poll, convert, produce; remember the last offset Kafka
	// acknowledged, which is what the worker will commit.
	start := time.Now()
	produced, bytes := 0, 0
	var lastOffset connect.Offset
	for produced < total {
		batch, err := task.Poll(ctx)
		if err != nil {
			return err
		}
		recs := make([]*kgo.Record, 0, len(batch))
		for i := range batch {
			r := &batch[i]
			k, err := keys.FromConnect(nil, r.Topic, r.Headers, r.KeySchema, r.Key)
			if err != nil {
				return connect.WithPosition(err, r.Position())
			}
			v, err := values.FromConnect(nil, r.Topic, r.Headers, r.ValueSchema, r.Value)
			if err != nil {
				return connect.WithPosition(err, r.Position())
			}
			bytes += len(v)
			recs = append(recs, &kgo.Record{Key: k, Value: v})
		}
		if err := client.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			return err
		}
		produced += len(batch)
		lastOffset = batch[len(batch)-1].SourceOffset
	}
	elapsed := time.Since(start)
	fmt.Printf("produced %d records (%.1f MB of JSON) in %v: %.0f records/s; offset to commit: %s\n",
		produced, float64(bytes)/1e6, elapsed.Round(time.Millisecond), float64(produced)/elapsed.Seconds(), lastOffset)

	// Sink side: consume, convert back and check every order arrived once.
	consumer, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return err
	}
	defer consumer.Close()
	seen := make(map[int64]bool, total)
	start = time.Now()
	for len(seen) < total {
		fetches := consumer.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fetches.Err(); err != nil {
			return err
		}
		for it := fetches.RecordIter(); !it.Done(); {
			rec := it.Next()
			_, v, err := values.ToConnect(rec.Topic, connect.Headers{}, rec.Value)
			if err != nil {
				return fmt.Errorf("record at %s/%d@%d: %w", rec.Topic, rec.Partition, rec.Offset, err)
			}
			id, err := v.(*connect.Struct).Int64("id")
			if err != nil {
				return err
			}
			seen[id] = true
		}
	}
	elapsed = time.Since(start)
	fmt.Printf("consumed and decoded %d records in %v: %.0f records/s; every order arrived\n",
		len(seen), elapsed.Round(time.Millisecond), float64(len(seen))/elapsed.Seconds())
	return nil
}
