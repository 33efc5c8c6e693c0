package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/sink"
)

// batchSizes is a sink task that notes the size of every batch Put.
type batchSizes struct {
	mu    sync.Mutex
	sizes []int
	total int
	want  int
	done  chan struct{}
}

func (t *batchSizes) plugin() sink.Plugin {
	return sink.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.BatchSizes", Kind: connect.SinkPlugin},
		New:        func() sink.Connector { return sink.SimpleConnector(func() sink.Task { return t }) },
	}
}

func (t *batchSizes) Start(context.Context, map[string]string, sink.TaskContext) error { return nil }
func (t *batchSizes) Stop(context.Context) error                                       { return nil }

func (t *batchSizes) Put(_ context.Context, rs []connect.Record) error {
	if len(rs) == 0 {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sizes = append(t.sizes, len(rs))
	t.total += len(rs)
	if t.total == t.want {
		close(t.done)
	}
	return nil
}

// max.poll.records bounds the batches a sink task's Put gets, as the Java
// consumer's poll bounds them in Kafka Connect: the worker's
// consumer.max.poll.records, over it a connector's
// consumer.override.max.poll.records, and 500 without either.
func TestSinkMaxPollRecords(t *testing.T) {
	brokers := testkafka.Brokers(t)
	const n = 1200
	topic := testkafka.Topic(t, "maxpoll")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	cl := testkafka.Client(t, brokers, kgo.DefaultProduceTopic(topic))
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Value: []byte(fmt.Sprint(i))}
	}
	require.NoError(t, cl.ProduceSync(context.Background(), recs...).FirstErr())

	for _, tc := range []struct {
		name     string
		worker   map[string]string
		override string
		max      int
	}{
		{name: "default", max: 500},
		{name: "worker", worker: map[string]string{"consumer.max.poll.records": "70"}, max: 70},
		{name: "override", worker: map[string]string{"consumer.max.poll.records": "70"}, override: "1000", max: 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			task := &batchSizes{want: n, done: make(chan struct{})}
			w := newTestWorkerWith(t, brokers, offset.NewMemory(), []Opt{ClientConfig(tc.worker)}, task.plugin())
			cfg := map[string]string{
				"connector.class": "test.BatchSizes", "topics": topic,
				"key.converter": "StringConverter", "value.converter": "StringConverter",
			}
			if tc.override != "" {
				cfg["consumer.override.max.poll.records"] = tc.override
			}
			require.NoError(t, w.CreateConnector(context.Background(), testkafka.Group(t, "maxpoll"), cfg))
			waitOrFail(t, task.done)
			require.NoError(t, w.Close())
			task.mu.Lock()
			defer task.mu.Unlock()
			for _, s := range task.sizes {
				require.LessOrEqual(t, s, tc.max, "batches %v", task.sizes)
			}
			// The records are all in the topic before the task starts, so
			// the bound is reached, not merely respected.
			require.Contains(t, task.sizes, min(tc.max, n), "batches %v", task.sizes)
		})
	}
}

func TestMaxPollRecordsRefused(t *testing.T) {
	_, err := New(Brokers("127.0.0.1:1"), ClientConfig(map[string]string{"consumer.max.poll.records": "0"}))
	var ce *connect.ConfigError
	require.True(t, errors.As(err, &ce), "%v", err)
	require.Contains(t, err.Error(), "consumer.max.poll.records: want a positive integer")

	w := newTestWorker(t, testkafka.Brokers(t), offset.NewMemory(), (&batchSizes{}).plugin())
	err = w.CreateConnector(context.Background(), "bad-max-poll", map[string]string{
		"connector.class": "test.BatchSizes", "topics": "t", "consumer.override.max.poll.records": "lots",
	})
	require.ErrorContains(t, err, "consumer.override.max.poll.records: want a positive integer")
}
