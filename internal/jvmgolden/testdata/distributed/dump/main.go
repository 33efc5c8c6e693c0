// Command dump writes every record of a topic, read_committed, as JSON
// lines {"partition","offset","key","value"} (key and value base64, null
// for none), in partition then offset order, for the goldens of the
// config and status topics.
//
// Usage: go run ./internal/jvmgolden/testdata/distributed/dump -brokers HOST:PORT -topic T -out FILE
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log"
	"os"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/kafkalog"
)

type line struct {
	Partition int32   `json:"partition"`
	Offset    int64   `json:"offset"`
	Key       *[]byte `json:"key"`
	Value     *[]byte `json:"value"`
}

func main() {
	brokers := flag.String("brokers", "", "bootstrap servers")
	topic := flag.String("topic", "", "topic to dump")
	out := flag.String("out", "", "output file")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(*brokers))
	if err != nil {
		log.Fatal(err)
	}
	defer cl.Close()
	var lines []line
	r := kafkalog.NewReader(cl, *topic, nil, func(b kafkalog.Batch) error {
		for _, r := range b.Records {
			l := line{Partition: r.Partition, Offset: r.Offset}
			if r.Key != nil {
				l.Key = &r.Key
			}
			if r.Value != nil {
				l.Value = &r.Value
			}
			lines = append(lines, l)
		}
		return nil
	})
	if err := r.ReadToEnd(ctx); err != nil {
		log.Fatalf("reading %s: %v", *topic, err)
	}
	sort.Slice(lines, func(i, j int) bool {
		if lines[i].Partition != lines[j].Partition {
			return lines[i].Partition < lines[j].Partition
		}
		return lines[i].Offset < lines[j].Offset
	})
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	enc := json.NewEncoder(f)
	for _, l := range lines {
		if err := enc.Encode(l); err != nil {
			log.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
