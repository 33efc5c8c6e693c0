package worker

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/sink"
	sinkfile "github.com/kconnect-go/kconnect/sink/file"
	sourcefile "github.com/kconnect-go/kconnect/source/file"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// collector is a sink whose Put records what it receives, optionally
// failing with a retriable error a given number of times first.
type collector struct {
	mu        sync.Mutex
	records   []connect.Record
	retriable atomic.Int32
	want      int
	done      chan struct{}
	once      sync.Once
}

func newCollector(want int) *collector { return &collector{want: want, done: make(chan struct{})} }

func (c *collector) plugin() sink.Plugin {
	return sink.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.CollectorSink", Kind: connect.SinkPlugin},
		New: func() sink.Connector {
			return sink.SimpleConnector(func() sink.Task {
				return sink.PutFunc(func(ctx context.Context, rs []connect.Record) error {
					if len(rs) > 0 && c.retriable.Load() > 0 {
						c.retriable.Add(-1)
						return connect.Retriable(fmt.Errorf("downstream busy"))
					}
					c.mu.Lock()
					defer c.mu.Unlock()
					c.records = append(c.records, rs...)
					if len(c.records) >= c.want {
						c.once.Do(func() { close(c.done) })
					}
					return nil
				})
			})
		},
	}
}

func produceStrings(t *testing.T, brokers []string, topic string, n int) {
	t.Helper()
	cl := testkafka.Client(t, brokers, kgo.DefaultProduceTopic(topic))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for i := range n {
		recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprintf(`"v-%d"`, i))})
	}
	require.NoError(t, cl.ProduceSync(ctx, recs...).FirstErr())
}

func TestSinkTaskPutsAndCommits(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "sink")
	testkafka.CreateTopic(t, brokers, topic, 3, nil)
	produceStrings(t, brokers, topic, 200)

	c := newCollector(200)
	c.retriable.Store(2) // the first two batches are refused and must come again
	w := newTestWorker(t, brokers, offset.NewMemory(), c.plugin())
	name := testkafka.Group(t, "collector")
	require.NoError(t, w.CreateConnector(context.Background(), name, map[string]string{
		"connector.class": "test.CollectorSink", "topics": topic,
		"key.converter": "StringConverter", "value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
	}))
	waitOrFail(t, c.done)
	st, err := w.Status(name)
	require.NoError(t, err)
	require.Equal(t, "sink", st.Type)
	require.Equal(t, Running, st.Tasks[0].State)
	require.NoError(t, w.Close())

	c.mu.Lock()
	seen := map[string]bool{}
	for _, r := range c.records {
		o, ok := r.Origin()
		require.True(t, ok)
		require.Equal(t, topic, o.Topic)
		seen[r.Value.(string)] = true
	}
	c.mu.Unlock()
	require.Len(t, seen, 200)

	// The group connect-<name> committed everything Put.
	adm := kadm.NewClient(testkafka.Client(t, brokers))
	offs, err := adm.FetchOffsets(context.Background(), GroupID(name))
	require.NoError(t, err)
	total := int64(0)
	offs.Each(func(o kadm.OffsetResponse) { total += o.At })
	require.Equal(t, int64(200), total)
}

func waitOrFail(t *testing.T, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("timed out")
	}
}

// FileStreamSource → Kafka → FileStreamSink through one worker, by Kafka
// Connect configs: every line arrives, in order.
func TestFileStreamPipeline(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "lines")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	var lines []string
	for i := range 500 {
		lines = append(lines, fmt.Sprintf("line %d with some text", i))
	}
	require.NoError(t, os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644))

	store := offset.NewMemory()
	w := newTestWorker(t, brokers, store, sourcefile.Plugin(), sinkfile.Plugin())
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "file-in", map[string]string{
		"connector.class": "FileStreamSource", "file": in, "topic": topic,
		"value.converter": "org.apache.kafka.connect.storage.StringConverter",
	}))
	sinkName := testkafka.Group(t, "file-out")
	require.NoError(t, w.CreateConnector(ctx, sinkName, map[string]string{
		"connector.class": "FileStreamSink", "file": out, "topics": topic,
		"value.converter": "StringConverter",
	}))
	// The sink writes its lines out at the end of each Put.
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(out)
		return strings.Count(string(b), "\n") >= len(lines)
	}, 30*time.Second, 20*time.Millisecond)
	require.NoError(t, w.Close())
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, strings.Join(lines, "\n")+"\n", string(b))

	o, err := store.Get(ctx, "file-in", []connect.SourcePartition{connect.NewSourcePartition("filename", in)})
	require.NoError(t, err)
	for _, off := range o {
		n, _ := off.Int64("position")
		require.Equal(t, int64(len(strings.Join(lines, "\n"))+1), n)
	}
}

// Fetches of up to 500 records converted on several goroutines
// (BatchGoroutines): the task must still get every good record in offset order, the bad ones
// (not JSON) must be skipped under errors.tolerance=all, and the committed
// offset must cover every record.
func TestSinkParallelConversionKeepsOrder(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "sink")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	const n = 3000
	cl := testkafka.Client(t, brokers, kgo.DefaultProduceTopic(topic))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var recs []*kgo.Record
	var want []any
	for i := range n {
		v := fmt.Sprintf(`{"n":%d}`, i)
		if i%11 == 5 {
			v = fmt.Sprintf("not json %d", i)
		} else {
			want = append(want, []connect.MapEntry{{Key: "n", Value: int64(i)}})
		}
		recs = append(recs, &kgo.Record{Value: []byte(v)})
	}
	require.NoError(t, cl.ProduceSync(ctx, recs...).FirstErr())

	c := newCollector(len(want))
	w := newSplittingWorker(t, brokers, offset.NewMemory(), c.plugin())
	name := testkafka.Group(t, "parallel")
	require.NoError(t, w.CreateConnector(context.Background(), name, map[string]string{
		"connector.class": "test.CollectorSink", "topics": topic, "errors.tolerance": "all",
		"key.converter": "StringConverter", "value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
	}))
	waitOrFail(t, c.done)
	require.NoError(t, w.Close())
	c.mu.Lock()
	var got []any
	for _, r := range c.records {
		got = append(got, r.Value)
	}
	c.mu.Unlock()
	require.Equal(t, want, got)
	require.Equal(t, int64(n), committedTotal(t, brokers, GroupID(name)))
}

// borrowingTask is a sink task that copies every record Put and notes the
// batch's backing array; borrows is its answer to BorrowsBatch.
type borrowingTask struct {
	borrows bool
	mu      sync.Mutex
	records []connect.Record
	arrays  []*connect.Record // each Put's &records[0]
	want    int
	done    chan struct{}
}

func (t *borrowingTask) plugin() sink.Plugin {
	return sink.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.BorrowingSink", Kind: connect.SinkPlugin},
		New:        func() sink.Connector { return sink.SimpleConnector(func() sink.Task { return t }) },
	}
}

func (t *borrowingTask) Start(context.Context, map[string]string, sink.TaskContext) error { return nil }
func (t *borrowingTask) Stop(context.Context) error                                       { return nil }
func (t *borrowingTask) BorrowsBatch() bool                                               { return t.borrows }

func (t *borrowingTask) Put(_ context.Context, rs []connect.Record) error {
	if len(rs) == 0 {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.arrays = append(t.arrays, &rs[0])
	t.records = append(t.records, rs...)
	if len(t.records) == t.want {
		close(t.done)
	}
	return nil
}

// A task that borrows its batches gets one slice again and again, each
// record in it written whole (no headers left over from the record that
// was there before); one that does not gets a new slice every time.
func TestSinkBorrowedBatchReused(t *testing.T) {
	brokers := testkafka.Brokers(t)
	for _, borrows := range []bool{true, false} {
		t.Run(fmt.Sprintf("borrows=%v", borrows), func(t *testing.T) {
			topic := testkafka.Topic(t, "borrow")
			testkafka.CreateTopic(t, brokers, topic, 1, nil)
			const n = 3000 // several batches of at most max.poll.records
			cl := testkafka.Client(t, brokers, kgo.DefaultProduceTopic(topic))
			var recs []*kgo.Record
			for i := range n {
				r := &kgo.Record{Key: []byte(fmt.Sprint("k-", i)), Value: []byte(fmt.Sprintf(`"v-%d"`, i))}
				if i%3 == 0 {
					r.Headers = []kgo.RecordHeader{{Key: "h", Value: []byte(fmt.Sprint(i))}}
				}
				recs = append(recs, r)
			}
			require.NoError(t, cl.ProduceSync(context.Background(), recs...).FirstErr())

			task := &borrowingTask{borrows: borrows, want: n, done: make(chan struct{})}
			w := newTestWorker(t, brokers, offset.NewMemory(), task.plugin())
			name := testkafka.Group(t, "borrow")
			require.NoError(t, w.CreateConnector(context.Background(), name, map[string]string{
				"connector.class": "test.BorrowingSink", "topics": topic,
				"key.converter": "StringConverter", "value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
				"header.converter": "StringConverter",
			}))
			waitOrFail(t, task.done)
			require.NoError(t, w.Close())

			task.mu.Lock()
			defer task.mu.Unlock()
			for i, r := range task.records {
				o, ok := r.Origin()
				require.True(t, ok)
				require.Equal(t, int64(i), o.Offset)
				require.Equal(t, fmt.Sprint("k-", i), r.Key)
				require.Equal(t, fmt.Sprint("v-", i), r.Value)
				if i%3 == 0 {
					require.Equal(t, 1, r.Headers.Len(), "record %d", i)
					require.Equal(t, fmt.Sprint(i), r.Headers.At(0).Value, "record %d", i)
				} else {
					require.Zero(t, r.Headers.Len(), "record %d", i)
				}
			}
			require.Greater(t, len(task.arrays), 1, "one batch only")
			distinct := map[*connect.Record]bool{}
			for _, a := range task.arrays {
				distinct[a] = true
			}
			if borrows {
				require.Less(t, len(distinct), len(task.arrays), "a borrowed batch was never reused")
			} else {
				require.Len(t, distinct, len(task.arrays), "a batch the task owns was reused")
			}
		})
	}
}
