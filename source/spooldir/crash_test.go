package spooldir_test

// Crash tests: a worker process reading a directory of CSV files is killed
// with SIGKILL at random points and restarted, again and again. The
// random points come from a seeded generator; the seed is logged and
// KCONNECT_CRASH_SEED replays a run.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testchild"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/source/spooldir"
)

const (
	crashChildEnv = "KCONNECT_SPOOLDIR_CRASH_CHILD"
	crashFiles    = 100
	crashRows     = 300
	crashKills    = 10
	crashConn     = "spool"
)

// crashParams is what the parent hands its child workers, through the
// environment.
type crashParams struct {
	Brokers      []string
	Topic        string
	In, Finished string
	Errors       string
	OffsetsFile  string // the file offset store, or
	OffsetsTopic string // the Kafka one, with exactly-once delivery
	Group        string
	Batch        int // batch.size
}

func (p crashParams) env() []string {
	b, _ := json.Marshal(p)
	return []string{crashChildEnv + "=" + string(b)}
}

// crashStore opens the offset store the parameters name.
func crashStore(t testing.TB, p crashParams) offset.Store {
	t.Helper()
	if p.OffsetsTopic == "" {
		s, err := offset.OpenFile(p.OffsetsFile)
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := offset.NewKafka(ctx, testkafka.Client(t, p.Brokers), p.OffsetsTopic)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func runCrashWorker(t testing.TB, p crashParams, store offset.Store, log *slog.Logger) *worker.Worker {
	t.Helper()
	opts := []worker.Opt{worker.Brokers(p.Brokers...), worker.Plugins(spooldir.CsvPlugin()), worker.OffsetStore(store),
		worker.OffsetFlushInterval(25 * time.Millisecond), worker.Logger(log), worker.ID("spooldir-crash")}
	if p.OffsetsTopic != "" {
		opts = append(opts, worker.ExactlyOnceSource(true), worker.WorkerGroupID(p.Group))
	}
	w, err := worker.New(opts...)
	require.NoError(t, err)
	require.NoError(t, w.CreateConnector(context.Background(), crashConn, map[string]string{
		"connector.class": "SpoolDirCsvSourceConnector", "topic": p.Topic,
		"input.path": p.In, "finished.path": p.Finished, "error.path": p.Errors, "input.file.pattern": `^f\d+\.csv$`,
		"csv.first.row.as.header": "true", "batch.size": fmt.Sprint(p.Batch), "empty.poll.wait.ms": "10",
		"key.schema":    `{"type":"STRUCT","fieldSchemas":{"file":{"type":"INT64"}}}`,
		"value.schema":  `{"type":"STRUCT","fieldSchemas":{"file":{"type":"INT64"},"row":{"type":"INT64"}}}`,
		"key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
	}))
	return w
}

// TestWorkerKilledChild is the worker process the crash tests kill; it does
// nothing in a normal test run.
func TestWorkerKilledChild(t *testing.T) {
	env := os.Getenv(crashChildEnv)
	if env == "" {
		t.Skip("the child process of TestWorkerKilledRepeatedly")
	}
	var p crashParams
	require.NoError(t, json.Unmarshal([]byte(env), &p))
	store := crashStore(t, p)
	w := runCrashWorker(t, p, store, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	t.Log("worker running until killed")
	// The parent kills this process; should the parent die instead, its
	// end of stdin closes and the child stops.
	_, _ = io.Copy(io.Discard, os.Stdin)
	require.NoError(t, w.Close())
}

// crashRow is a row of the crash tests' files.
type crashRow struct{ File, Row int64 }

// rowTracker counts the rows in the topic as a consumer reads them.
type rowTracker struct {
	mu     sync.Mutex
	counts map[crashRow]int
	total  int
	err    error
}

func trackRows(t *testing.T, brokers []string, topic string, opts ...kgo.Opt) *rowTracker {
	tr := &rowTracker{counts: map[crashRow]int{}}
	cl := testkafka.Client(t, brokers, append(opts, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100*time.Millisecond))...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) {
				var row crashRow
				err := json.Unmarshal(r.Value, &row)
				tr.mu.Lock()
				defer tr.mu.Unlock()
				if err != nil && tr.err == nil {
					tr.err = fmt.Errorf("record %q: %w", r.Value, err)
				}
				tr.counts[row]++
				tr.total++
			})
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return tr
}

func (tr *rowTracker) distinct() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.counts)
}

func (tr *rowTracker) count(r crashRow) int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.counts[r]
}

// crashDir writes the crash tests' files: crashFiles files of crashRows
// rows, each a (file, row) pair, and returns their source partitions.
func crashDir(t *testing.T, in string) []connect.SourcePartition {
	mod := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	var parts []connect.SourcePartition
	for f := range crashFiles {
		var b strings.Builder
		b.WriteString("file,row\n")
		for r := range crashRows {
			fmt.Fprintf(&b, "%d,%d\n", f, r)
		}
		name := fmt.Sprintf("f%03d.csv", f)
		path := filepath.Join(in, name)
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
		require.NoError(t, os.Chtimes(path, mod, mod))
		parts = append(parts, connect.NewSourcePartition(spooldir.FileNameField, name, spooldir.FileLengthField, int64(b.Len()),
			spooldir.FileModifiedField, mod.UnixMilli()))
	}
	return parts
}

// committedRows reads the committed offset of every file: the rows of
// each that were committed.
func committedRows(t *testing.T, p crashParams, parts []connect.SourcePartition) []int64 {
	t.Helper()
	store := crashStore(t, p)
	offs, err := store.Get(context.Background(), crashConn, parts)
	require.NoError(t, err)
	require.NoError(t, store.Close())
	out := make([]int64, len(parts))
	for i, part := range parts {
		out[i], _ = offs[part].Int64(spooldir.OffsetField)
	}
	return out
}

// checkAfterKill checks the directories of a killed worker: every file in
// finished.path has all its rows committed and in Kafka, none is in
// error.path.
func checkAfterKill(t *testing.T, p crashParams, tr *rowTracker, committed []int64, round int) {
	t.Helper()
	errs, err := os.ReadDir(p.Errors)
	require.NoError(t, err)
	require.Empty(t, errs, "round %d: files in error.path", round)
	done, err := os.ReadDir(p.Finished)
	require.NoError(t, err)
	for _, e := range done {
		var f int
		_, err := fmt.Sscanf(e.Name(), "f%03d.csv", &f)
		require.NoError(t, err, "round %d: %s in finished.path", round, e.Name())
		require.Equal(t, int64(crashRows), committed[f], "round %d: %s was moved before its rows were committed", round, e.Name())
		require.Eventually(t, func() bool {
			for r := range crashRows {
				if tr.count(crashRow{int64(f), int64(r)}) == 0 {
					return false
				}
			}
			return true
		}, 10*time.Second, 5*time.Millisecond, "round %d: %s was moved but not all its rows are in Kafka", round, e.Name())
	}
}

// TestWorkerKilledRepeatedly kills a worker process reading 100 CSV files
// (of 300 rows)
// with SIGKILL at random points, ten times, restarting it each time, then
// lets a last one finish: every row reaches Kafka, a row more than once
// only when a kill found it above its file's committed offset (once per
// such kill), no file is moved before its rows are committed, and no
// processing flag is left behind.
func TestWorkerKilledRepeatedly(t *testing.T) {
	runKilledRepeatedly(t, false)
}

// TestWorkerKilledRepeatedlyExactlyOnce is TestWorkerKilledRepeatedly with
// exactly-once delivery and the Kafka offset store: a read_committed
// consumer sees every row exactly once.
func TestWorkerKilledRepeatedlyExactlyOnce(t *testing.T) {
	runKilledRepeatedly(t, true)
}

func runKilledRepeatedly(t *testing.T, eos bool) {
	if testing.Short() {
		t.Skip("starts and kills worker processes")
	}
	rng := testchild.Rand(t)
	brokers := testkafka.Brokers(t) // on kfake, the children reach it over TCP
	topic := testkafka.Topic(t, "spoolkill")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	in, finished, errs := mkdirs(t)
	p := crashParams{Brokers: brokers, Topic: topic, In: in, Finished: finished, Errors: errs,
		OffsetsFile: filepath.Join(t.TempDir(), "offsets.json"), Batch: 7}
	if eos {
		p.OffsetsFile = ""
		p.OffsetsTopic = testkafka.Topic(t, "spoolkill-offsets")
		compact := "compact"
		testkafka.CreateTopic(t, brokers, p.OffsetsTopic, 1, map[string]*string{"cleanup.policy": &compact})
		p.Group = testkafka.Group(t, "spoolkill")
		// A transaction per batch: on a real broker small ones take most
		// of the test's time.
		p.Batch = 100
	}
	parts := crashDir(t, in)
	tr := trackRows(t, brokers, topic) // read_uncommitted: aborted records too
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()

	var kills [][]int64 // the committed rows of each file at each kill
	for round := range crashKills {
		child := testchild.Start(t, "TestWorkerKilledChild", p.env(), round)
		if left := crashFiles*crashRows - tr.distinct(); left > 0 && rng.IntN(3) > 0 {
			// Spread over the rounds left, so that most kills find a file
			// being read.
			target := tr.distinct() + 1 + rng.IntN(max(left/(crashKills-round), 1))
			t.Logf("round %d: killing once %d rows are in the topic", round, target)
			for tr.distinct() < target && ctx.Err() == nil {
				select {
				case <-child.Exited():
					t.Fatalf("round %d: the child exited:\n%s", round, child.Output())
				case <-time.After(2 * time.Millisecond): // polling the consumer's count
				}
			}
			require.NoError(t, ctx.Err(), "round %d: waiting for %d rows, %d in the topic", round, target, tr.distinct())
		} else {
			d := time.Duration(rng.Int64N(int64(150 * time.Millisecond)))
			t.Logf("round %d: killing %v after the start", round, d)
			select {
			case <-time.After(d): // the random crash point, not a synchronisation
			case <-child.Exited(): // Kill reports it
			}
		}
		child.Kill(t)
		committed := committedRows(t, p, parts)
		checkAfterKill(t, p, tr, committed, round)
		kills = append(kills, committed)
		left, _ := os.ReadDir(in)
		tr.mu.Lock()
		total, distinct := tr.total, len(tr.counts)
		tr.mu.Unlock()
		t.Logf("round %d: %d rows in the topic (%d distinct), %d entries left in input.path", round, total, distinct, len(left))
	}

	// The last run, in this process, reads what is left.
	store := crashStore(t, p)
	w := runCrashWorker(t, p, store, slog.New(slog.DiscardHandler))
	require.Eventually(t, func() bool {
		left, _ := os.ReadDir(in)
		return len(left) == 0
	}, 30*time.Second, 10*time.Millisecond, "input.path never emptied")
	require.NoError(t, w.Close())
	done, err := os.ReadDir(finished)
	require.NoError(t, err)
	require.Len(t, done, crashFiles)

	require.Eventually(t, func() bool { return tr.distinct() == crashFiles*crashRows }, 20*time.Second, 10*time.Millisecond,
		"rows in the topic: %d of %d", tr.distinct(), crashFiles*crashRows)
	tr.mu.Lock()
	require.NoError(t, tr.err)
	dups := 0
	for row, n := range tr.counts {
		require.True(t, row.File >= 0 && row.File < crashFiles && row.Row >= 0 && row.Row < crashRows, "row %v was never written", row)
		allowed := 1
		for _, c := range kills {
			if row.Row >= c[row.File] {
				allowed++ // a kill found it above its file's committed offset
			}
		}
		require.LessOrEqual(t, n, allowed, "row %v is in the topic %d times, but only %d kill(s) found it uncommitted", row, n, allowed-1)
		dups += n - 1
	}
	tr.mu.Unlock()
	t.Logf("%d rows, %d written again after kills", crashFiles*crashRows, dups)

	if eos {
		committedOnce(t, brokers, topic)
	}
}

// committedOnce reads the topic with read_committed isolation: every row
// exactly once.
func committedOnce(t *testing.T, brokers []string, topic string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	end := "end-" + topic
	marker := testkafka.Client(t, brokers)
	require.NoError(t, marker.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(end)}).FirstErr())
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxWait(100*time.Millisecond))
	seen := map[crashRow]int{}
	for done := false; !done; {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "read %d committed rows, no end marker yet", len(seen))
		fs.EachRecord(func(r *kgo.Record) {
			if done || string(r.Value) == end {
				done = true
				return
			}
			var row crashRow
			require.NoError(t, json.Unmarshal(r.Value, &row))
			seen[row]++
		})
	}
	require.Len(t, seen, crashFiles*crashRows)
	for row, n := range seen {
		require.Equal(t, 1, n, "read_committed sees row %v %d times", row, n)
	}
}
