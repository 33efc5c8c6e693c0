package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/source"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
)

// committingTask is a counterTask that keeps a copy of every CommitRecord
// call, by the record's number.
type committingTask struct {
	counterTask
	mu   sync.Mutex
	got  map[int64]*source.RecordMetadata // nil: settled unwritten
	want int
	done chan struct{}
}

// Poll gives odd records a timestamp of their own.
func (t *committingTask) Poll(ctx context.Context) ([]connect.Record, error) {
	recs, err := t.counterTask.Poll(ctx)
	for i := range recs {
		if n := recs[i].Key.(int64); n%2 == 1 {
			recs[i].Timestamp = ownTimestamp(n)
		}
	}
	return recs, err
}

func ownTimestamp(n int64) time.Time { return time.UnixMilli(1_600_000_000_000 + n) }

func (t *committingTask) CommitRecord(r *connect.Record, md *source.RecordMetadata) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var kept *source.RecordMetadata
	if md != nil {
		c := *md // md is the runtime's: copy it
		kept = &c
	}
	t.got[r.Key.(int64)] = kept
	if len(t.got) == t.want {
		close(t.done)
	}
	return nil
}

// CommitRecord tells the task where each record was written (its topic,
// partition and offset, which hold that very record) and its timestamp: its
// own, or for a record without one, a time while the worker ran. It gives
// nil for a record whose failure was tolerated.
func TestSourceCommitRecordMetadata(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "commitrecord")
	testkafka.CreateTopic(t, brokers, topic, 3, nil)
	const n, badEvery = 300, 7
	cs := &counterSource{}
	task := &committingTask{counterTask: counterTask{cs: cs}, got: map[int64]*source.RecordMetadata{}, want: n, done: make(chan struct{})}
	def := cs.plugin().Config
	plugin := source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.CommittingSource", Kind: connect.SourcePlugin, Config: def},
		New:        func() source.Connector { return source.SimpleConnector(func() source.Task { return task }) },
	}
	w := newTestWorker(t, brokers, offset.NewMemory(), plugin)
	before := time.Now().Truncate(time.Millisecond)
	require.NoError(t, w.CreateConnector(context.Background(), "committing", map[string]string{
		"connector.class": "test.CommittingSource", "topic": topic,
		"limit": fmt.Sprint(n), "bad.every": fmt.Sprint(badEvery), "batch": "40",
		"key.converter": "StringConverter", "value.converter": "StringConverter",
		"transforms": "cast", "transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value", "transforms.cast.spec": "int64",
		"errors.tolerance": "all",
	}))
	waitOrFail(t, task.done)
	after := time.Now()
	require.NoError(t, w.Close())

	// Every written record, by its place in Kafka.
	written := n - (n+badEvery-1)/badEvery
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	at := map[[2]int64]string{}
	for len(at) < written {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "read %d of %d records", len(at), written)
		fs.EachRecord(func(r *kgo.Record) { at[[2]int64{int64(r.Partition), r.Offset}] = string(r.Key) })
	}

	task.mu.Lock()
	defer task.mu.Unlock()
	for i := range int64(n) {
		md, ok := task.got[i]
		require.True(t, ok, "no CommitRecord for record %d", i)
		if i%badEvery == 0 {
			require.Nil(t, md, "record %d failed its transform", i)
			continue
		}
		require.NotNil(t, md, "record %d was written", i)
		require.Equal(t, topic, md.Topic)
		require.Equal(t, fmt.Sprint(i), at[[2]int64{int64(md.Partition), md.Offset}], "record %d's metadata %+v", i, *md)
		if i%2 == 1 {
			require.Equal(t, ownTimestamp(i), md.Timestamp, "record %d", i)
		} else {
			require.False(t, md.Timestamp.Before(before), "record %d: %v before the worker started at %v", i, md.Timestamp, before)
			require.False(t, md.Timestamp.After(after), "record %d: %v after it was acknowledged at %v", i, md.Timestamp, after)
		}
	}
}

type commitRecordFunc func(*connect.Record, *source.RecordMetadata) error

func (f commitRecordFunc) CommitRecord(r *connect.Record, md *source.RecordMetadata) error {
	return f(r, md)
}

// A CommitRecord that fails or panics is logged, naming the record, and
// is not the task's failure: the next record's CommitRecord is called.
func TestCommitRecordFailureLogged(t *testing.T) {
	var logged strings.Builder
	calls := 0
	st := &sourceTask{log: slog.New(slog.NewTextHandler(&logged, nil))}
	st.recordCommitter = commitRecordFunc(func(r *connect.Record, _ *source.RecordMetadata) error {
		calls++
		switch r.Key {
		case "panics":
			panic("boom")
		case "fails":
			return errors.New("no room")
		}
		return nil
	})
	part := connect.NewSourcePartition("file", "a")
	for _, key := range []string{"panics", "fails", "fine"} {
		st.commitRecord(&connect.Record{Key: key, SourcePartition: part, SourceOffset: connect.Int64Offset("line", 3)}, nil)
	}
	require.Equal(t, 3, calls)
	out := logged.String()
	require.Equal(t, 2, strings.Count(out, "CommitRecord failed"), out)
	require.Contains(t, out, "panic: boom")
	require.Contains(t, out, "no room")
	require.Contains(t, out, `line`)
}
