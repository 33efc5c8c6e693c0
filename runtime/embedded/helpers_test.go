package embedded_test

// Helpers of the embedded broker's tests: a paced counting source, a
// tracker of the numbers FileStreamSink writes, readers of what the broker
// keeps, and the child process the kill tests kill with SIGKILL.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/pacedsource"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/embedded"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sinkfile "github.com/kconnect-go/kconnect/sink/file"
)

var discardLog = slog.New(slog.DiscardHandler)

// The pipeline every test runs: the paced source connector "numbers"
// writing 0..limit-1 to the topic "numbers" (one partition), FileStreamSink
// "out" writing them to a file.
const (
	sourceName    = "numbers"
	pipelineTopic = "numbers"
	sinkName      = "out"
)

// pacedPartition is the paced source's one source partition.
var pacedPartition = pacedsource.Partition(sourceName)

// pipeline is what a pipeline run does: the paced source writing
// 0..limit-1, batch records per poll every interval, FileStreamSink
// writing them to out, on a broker kept in dir.
type pipeline struct {
	dir, out        string
	limit, batch    int
	interval, flush time.Duration
}

// flushInterval is the offset flush interval of the pipelines: short, so
// that kills land between commits as well as during them.
const flushInterval = 15 * time.Millisecond

// run starts a worker with a broker kept in p.dir and the pipeline's two
// connectors. The caller closes the worker.
func (p pipeline) run(log *slog.Logger) (*worker.Worker, error) {
	w, err := worker.New(embedded.Broker(embedded.Dir(p.dir)), worker.Plugins(pacedsource.Plugin(), sinkfile.Plugin()),
		worker.OffsetFlushInterval(p.flush), worker.Logger(log), worker.ID("embedded-worker"))
	if err != nil {
		return nil, err
	}
	cfg := pacedsource.Config(pipelineTopic, p.limit, p.batch, p.interval)
	cfg["topic.creation.default.partitions"] = "1" // one partition: the numbers stay in order
	err = w.CreateConnector(context.Background(), sourceName, cfg)
	if err == nil {
		err = w.CreateConnector(context.Background(), sinkName, map[string]string{
			"connector.class": "FileStreamSink", "file": p.out, "topics": pipelineTopic,
			"key.converter": "StringConverter", "value.converter": "StringConverter",
		})
	}
	if err != nil {
		return nil, errors.Join(err, w.Close())
	}
	return w, nil
}

// offsetsReader opens the broker's offsets topic as a restarted worker
// would, to read the source offsets kept there.
func offsetsReader(t *testing.T, brokers []string) *offset.Kafka {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, err := offset.NewKafka(ctx, testkafka.Client(t, brokers), embedded.OffsetsTopic, offset.TopicPartitions(1))
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	return store
}

// sourceOffset returns the committed n of the paced source in store, or
// -1 when there is none.
func sourceOffset(t *testing.T, store offset.Store) int64 {
	t.Helper()
	m, err := store.Get(context.Background(), sourceName, []connect.SourcePartition{pacedPartition})
	require.NoError(t, err)
	n, ok := m[pacedPartition].Int64("n")
	if !ok {
		return -1
	}
	return n
}

// waitCommitted waits until the paced source has committed n in the
// broker's offsets topic and the sink's group offset n+1 of the topic.
func waitCommitted(t *testing.T, brokers []string, n int64) {
	t.Helper()
	store := offsetsReader(t, brokers)
	var got int64 = -1
	require.Eventually(t, func() bool { got = sourceOffset(t, store); return got >= n },
		60*time.Second, 5*time.Millisecond, "the source never committed %d; last %d", n, got)
	adm := kadm.NewClient(testkafka.Client(t, brokers))
	got = -1
	require.Eventually(t, func() bool {
		offs, err := adm.FetchOffsets(context.Background(), worker.GroupID(sinkName))
		if err != nil {
			return false
		}
		if o, ok := offs.Lookup(pipelineTopic, 0); ok && o.Err == nil {
			got = o.At
		}
		return got > n
	}, 60*time.Second, 5*time.Millisecond, "the sink's group never committed %d; last %d", n+1, got)
}

// topicNumbers reads the topic to its end and returns its numbers in order.
func topicNumbers(t *testing.T, brokers []string, topic string) []int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.KeepControlRecords())
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	require.NoError(t, err)
	end, ok := ends.Lookup(topic, 0)
	require.True(t, ok, "no end offset for %s[0]", topic)
	require.NoError(t, end.Err)
	var out []int64
	for next := int64(0); next < end.Offset; {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "reading %s: %d of %d", topic, next, end.Offset)
		require.NoError(t, fs.Err0())
		fs.EachRecord(func(r *kgo.Record) {
			next = r.Offset + 1
			if r.Attrs.IsControl() {
				return
			}
			n, err := strconv.ParseInt(string(r.Value), 10, 64)
			require.NoError(t, err, "record at offset %d", r.Offset)
			out = append(out, n)
		})
	}
	return out
}

// outputTracker reads the numbers FileStreamSink appends to a file.
type outputTracker struct {
	t      *testing.T
	path   string
	read   int64 // bytes read so far, up to the last whole line
	order  []int64
	counts map[int64]int
}

func newOutputTracker(t *testing.T, path string) *outputTracker {
	return &outputTracker{t: t, path: path, counts: map[int64]int{}}
}

// update reads the lines added since the last call.
func (o *outputTracker) update() {
	o.t.Helper()
	f, err := os.Open(o.path)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	require.NoError(o.t, err)
	defer f.Close()
	_, err = f.Seek(o.read, io.SeekStart)
	require.NoError(o.t, err)
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadString('\n')
		if err != nil { // io.EOF: a line not yet whole is read next time
			return
		}
		o.read += int64(len(line))
		n, err := strconv.ParseInt(strings.TrimSuffix(line, "\n"), 10, 64)
		require.NoError(o.t, err, "output line %q", line)
		o.order = append(o.order, n)
		o.counts[n]++
	}
}

// waitDistinct waits until the output holds n different numbers.
func (o *outputTracker) waitDistinct(n int, within time.Duration) {
	o.t.Helper()
	require.Eventually(o.t, func() bool { o.update(); return len(o.counts) >= n },
		within, 5*time.Millisecond, "the output never held %d numbers", n)
}

// requireInOrder fails unless every number the output holds is preceded
// by every smaller one: it is 0, 1, 2, ... with at most some numbers
// repeated after a restart (a run starting again below where the previous
// one stopped), never one skipped.
func (o *outputTracker) requireInOrder(msgAndArgs ...any) {
	o.t.Helper()
	top := int64(-1)
	for i, n := range o.order {
		if n > top+1 {
			o.t.Fatalf("output line %d is %d, but the output held only 0..%d before it: %d..%d were lost; %s",
				i, n, top, top+1, n-1, fmt.Sprint(msgAndArgs...))
		}
		top = max(top, n)
	}
}
