package postgrescdc_test

// A worker process streaming a database is killed with SIGKILL in the
// middle of the snapshot and in the middle of the stream, and started
// again: every row reaches Kafka.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/testchild"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/source/postgrescdc"
)

const crashChildEnv = "KCONNECT_POSTGRESCDC_CRASH_CHILD"

// crashParams is what the parent hands its child workers.
type crashParams struct {
	Brokers      []string
	Config       map[string]string
	OffsetsFile  string // the file offset store, or
	OffsetsTopic string // the Kafka one, with exactly-once delivery
	Group        string
}

// TestWorkerKilledChild is the worker process TestWorkerKilled kills; it
// does nothing in a normal test run.
func TestWorkerKilledChild(t *testing.T) {
	env := os.Getenv(crashChildEnv)
	if env == "" {
		t.Skip("the child process of TestWorkerKilled")
	}
	var p crashParams
	require.NoError(t, json.Unmarshal([]byte(env), &p))
	var store offset.Store
	var err error
	opts := []worker.Opt{worker.Brokers(p.Brokers...), worker.Plugins(postgrescdc.Plugin()),
		worker.OffsetFlushInterval(25 * time.Millisecond), worker.ID("postgrescdc-crash"),
		worker.Logger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))}
	if p.OffsetsTopic == "" {
		store, err = offset.OpenFile(p.OffsetsFile)
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		store, err = offset.NewKafka(ctx, testkafka.Client(t, p.Brokers), p.OffsetsTopic)
		opts = append(opts, worker.ExactlyOnceSource(true), worker.WorkerGroupID(p.Group))
	}
	require.NoError(t, err)
	w, err := worker.New(append(opts, worker.OffsetStore(store))...)
	require.NoError(t, err)
	require.NoError(t, w.CreateConnector(context.Background(), "cdc", p.Config))
	t.Log("worker running until killed")
	_, _ = io.Copy(io.Discard, os.Stdin)
	require.NoError(t, w.Close())
}

// idTracker counts, by id, the rows a consumer reads from the topic (op
// r or c), the updates by the value they set, the deletes by id, and
// notes whether the snapshot's last record has come; table is the one
// the records make when applied in order.
type idTracker struct {
	mu       sync.Mutex
	counts   map[int]int
	streams  map[int]int // of op c records
	updates  map[int]int // op u records, by the v they set
	updIDs   map[int]int // op u records, by id
	deletes  map[int]int // op d records, by id
	table    map[int]int // id to v
	streamed int
	snapDone bool
}

func (tr *idTracker) state() (distinct, streamed int, snapDone bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.counts), tr.streamed, tr.snapDone
}

func trackIDs(t *testing.T, brokers []string, topic string) *idTracker {
	tr := &idTracker{counts: map[int]int{}, streams: map[int]int{}, updates: map[int]int{}, updIDs: map[int]int{},
		deletes: map[int]int{}, table: map[int]int{}}
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100*time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
				if r.Value == nil {
					return // a delete's tombstone
				}
				type row struct{ ID, V int }
				var v struct {
					Before, After row
					Op            string
					Source        struct{ Snapshot string }
				}
				if err := json.Unmarshal(r.Value, &v); err != nil {
					t.Errorf("record %q: %v", r.Value, err)
					return
				}
				tr.mu.Lock()
				defer tr.mu.Unlock()
				switch v.Op {
				case "u":
					tr.updates[v.After.V]++
					tr.updIDs[v.After.ID]++
					tr.table[v.After.ID] = v.After.V
					return
				case "d":
					tr.deletes[v.Before.ID]++
					delete(tr.table, v.Before.ID)
					return
				case "c":
					tr.streams[v.After.ID]++
					tr.streamed++
				}
				tr.counts[v.After.ID]++
				tr.table[v.After.ID] = v.After.V
				if v.Source.Snapshot == "last" {
					tr.snapDone = true
				}
			})
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return tr
}

// TestWorkerKilled kills the worker once in the middle of the snapshot
// of 8,000 rows and once in the middle of the stream of inserts, updates
// and deletes written meanwhile, then lets a third run: every row and
// every update and delete comes at least once, the records applied in
// order make the table as it is, and with exactly-once delivery every
// snapshot row, every row written after the first kill, every update and
// every delete exactly once (the snapshot cut by the kill goes on after
// its last committed row, as an incremental snapshot whose watermarks
// are the server's, or rows of a signal table when there is one). 5 to
// 20 s each with -race (the most with exactly-once on a real broker);
// worth it as the only test of a worker that dies without Stop, with the
// slot, the offsets and the snapshot half done.
func TestWorkerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a worker process three times")
	}
	t.Run("at least once", func(t *testing.T) { testWorkerKilled(t, false, false) })
	t.Run("exactly once", func(t *testing.T) { testWorkerKilled(t, true, false) })
	t.Run("exactly once with a signal table", func(t *testing.T) { testWorkerKilled(t, true, true) })
}

func testWorkerKilled(t *testing.T, eos, signalTable bool) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY, v int NOT NULL DEFAULT 0)`)
	const snapRows = 8000
	p.exec(t, `INSERT INTO public.t SELECT generate_series(1, $1::int)`, snapRows)
	brokers := testkafka.Brokers(t)
	prefix := testkafka.Topic(t, "cdccrash")
	topic := prefix + ".public.t"
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	cfg := p.config("topic.prefix", prefix, "table.include.list", "public.t",
		"incremental.snapshot.chunk.size", "500", "snapshot.fetch.size", "100", "max.batch.size", "100", "max.queue.size", "200",
		"key.converter", "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable", "false",
		"value.converter", "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable", "false")
	if signalTable {
		p.exec(t, `CREATE TABLE public.dbz_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))`)
		cfg["signal.data.collection"] = "public.dbz_signal"
	}
	params := crashParams{Brokers: brokers, Config: cfg, OffsetsFile: filepath.Join(t.TempDir(), "offsets")}
	if eos {
		cfg["exactly.once.support"] = "required"
		params.OffsetsTopic = testkafka.Topic(t, "cdccrash-offsets")
		// The child workers create it; registered before they start, the
		// deletion runs after their cleanup has killed the last of them.
		testkafka.DeleteTopicAtCleanup(t, brokers, params.OffsetsTopic)
		params.Group = testkafka.Group(t, "cdccrash")
	}
	b, _ := json.Marshal(params)
	env := []string{crashChildEnv + "=" + string(b)}
	tr := trackIDs(t, brokers, topic)
	wait := func(what string, cond func() bool) {
		t.Helper()
		if !assert.Eventually(t, cond, 60*time.Second, 5*time.Millisecond, what) {
			tr.mu.Lock()
			defer tr.mu.Unlock()
			var missing []int
			for id := 1; id <= snapRows+5000 && len(missing) < 20; id++ {
				if tr.counts[id] == 0 && tr.deletes[id] == 0 && (id > snapRows || tr.updIDs[id] == 0) {
					missing = append(missing, id)
				}
			}
			t.Fatalf("%d rows, %d streamed, %d updates, %d deletes in Kafka; the first ids that have not come "+
				"(written or not) %v",
				len(tr.counts), tr.streamed, len(tr.updates), len(tr.deletes), missing)
		}
	}

	child := testchild.Start(t, "TestWorkerKilledChild", env, 1)
	wait("the snapshot's first rows", func() bool { n, _, _ := tr.state(); return n >= 500 })
	child.Kill(t)
	killedAt, _, snapDone := tr.state()
	t.Logf("killed with %d rows in Kafka, the snapshot done: %v", killedAt, snapDone)

	// Rows are written from now until the second kill, so that some
	// are streamed whichever way the second run's snapshot and the
	// writes interleave; once the stream has begun (so that no snapshot
	// folds them in) rows are also updated, each update setting v to a
	// number of its own, and deleted.
	var changing atomic.Bool
	updated := map[int]int{} // v to the id it was set on
	deleted := map[int]bool{}
	stop, written := make(chan struct{}), make(chan int)
	rng := testchild.Rand(t)
	go func() {
		id, n := snapRows, 0
		defer func() { written <- id }()
		exec := func(sql string, args ...any) bool {
			tag, err := p.conn.Exec(context.Background(), sql, args...)
			if err != nil {
				t.Error(err)
			}
			return err == nil && tag.RowsAffected() == 1
		}
		for {
			select {
			case <-stop:
				return
			default:
			}
			// A bounded lead over what Kafka has, so that the catching up
			// after the kills stays short on a slow broker.
			if n, _, _ := tr.state(); (id-snapRows)-(n-killedAt) > 1000 {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			if !exec(`INSERT INTO public.t VALUES ($1)`, id+1) {
				return
			}
			id++
			if !changing.Load() {
				continue
			}
			n++
			if target := 1 + rng.IntN(id); exec(`UPDATE public.t SET v = $1 WHERE id = $2`, n, target) {
				updated[n] = target
			}
			if target := 1 + rng.IntN(id); n%4 == 0 && exec(`DELETE FROM public.t WHERE id = $1`, target) {
				deleted[target] = true
			}
		}
	}()
	child = testchild.Start(t, "TestWorkerKilledChild", env, 2)
	wait("streamed rows", func() bool { _, s, _ := tr.state(); return s >= 1 })
	changing.Store(true)
	wait("streamed rows and updates", func() bool {
		_, s, _ := tr.state()
		tr.mu.Lock()
		defer tr.mu.Unlock()
		return s >= 100 && len(tr.updates) >= 50
	})
	if !eos {
		// The stream's offset stored, so that the third run does not take
		// the snapshot again, which would fold in the changes written
		// between the kill and it rather than stream them.
		wait("a streaming offset", func() bool {
			b, _ := os.ReadFile(params.OffsetsFile)
			return bytes.Contains(b, []byte(`"lsn_proc"`))
		})
	}
	child.Kill(t)
	close(stop)
	total := <-written
	testchild.Start(t, "TestWorkerKilledChild", env, 3)
	wait("every row, update and delete", func() bool {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		n := len(tr.counts)
		for id := 1; id <= snapRows; id++ {
			if tr.counts[id] == 0 && (tr.deletes[id] > 0 || tr.updIDs[id] > 0) {
				n++ // deleted before the snapshot reached it, or updated while its chunk was read
			}
		}
		return n >= total && len(tr.updates) >= len(updated) && len(tr.deletes) >= len(deleted)
	})
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for id := 1; id <= total; id++ {
		// A row the snapshot had not reached when it was deleted comes
		// only as its delete, and one updated by a transaction streamed
		// while the chunk that read it was in flight only as its update
		// (the chunk drops it, as the update carries the newer row).
		if tr.counts[id] == 0 && (id > snapRows || tr.deletes[id] == 0 && tr.updIDs[id] == 0) {
			t.Fatalf("row %d never came", id)
		}
		if !eos {
			continue
		}
		// The snapshot's rows are read once: a snapshot cut short goes
		// on after its last committed row. Rows written after the first
		// kill are streamed once, and may besides be read once by the
		// rest of the snapshot, taken as an incremental one.
		if id <= snapRows && tr.counts[id] > 1 {
			t.Fatalf("snapshot row %d came %d times with exactly-once delivery", id, tr.counts[id])
		}
		if id > snapRows && (tr.streams[id] != 1 || tr.counts[id] > 2) {
			t.Fatalf("row %d came %d times (%d streamed) with exactly-once delivery", id, tr.counts[id], tr.streams[id])
		}
	}
	require.LessOrEqual(t, len(tr.counts), total, "rows other than those written came")
	for id := range tr.counts {
		require.True(t, id >= 1 && id <= total, "row %d, not written, came", id)
	}
	for v, id := range updated {
		if c := tr.updates[v]; c == 0 || (eos && c != 1) {
			t.Fatalf("the update of row %d to v=%d came %d times", id, v, c)
		}
	}
	require.Len(t, tr.updates, len(updated), "updates other than those written came")
	for id := range deleted {
		if c := tr.deletes[id]; c == 0 || (eos && c != 1) {
			t.Fatalf("the delete of row %d came %d times", id, c)
		}
	}
	require.Len(t, tr.deletes, len(deleted), "deletes other than those written came")
	rows, err := p.conn.Query(context.Background(), `SELECT id, v FROM public.t`)
	require.NoError(t, err)
	table := map[int]int{}
	for rows.Next() {
		var id, v int
		require.NoError(t, rows.Scan(&id, &v))
		table[id] = v
	}
	require.NoError(t, rows.Err())
	require.Equal(t, table, tr.table, "the records applied in order do not make the table")
	t.Logf("%d rows streamed, %d updates, %d deletes", len(tr.streams), len(updated), len(deleted))
}
