package kafkalog

import (
	"context"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Produce writes recs through client and returns once all are
// acknowledged, with the first error, or when ctx ends, with ctx's error.
// Unlike kgo's ProduceSync it returns when ctx ends even if records were
// already sent: an idempotent producer cannot give those up (kgo waits
// for the broker to answer), so they may still be written afterwards,
// before any record produced later to the same partition, as when a Kafka
// Connect worker's send times out. Records not yet sent when ctx ends are
// failed and not written. Each record holds its offset once acknowledged.
func Produce(ctx context.Context, client *kgo.Client, recs ...*kgo.Record) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	wg.Add(len(recs))
	for _, r := range recs {
		client.Produce(ctx, r, func(_ *kgo.Record, err error) {
			if err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
			wg.Done()
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		mu.Lock()
		defer mu.Unlock()
		return first
	case <-ctx.Done():
		return ctx.Err()
	}
}
