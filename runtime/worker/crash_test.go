package worker

// Reliability tests of the source path: a worker stopped or killed at a
// random point, and a broker that fails produce requests, must never lose a
// record nor commit an offset past a record that is not in Kafka; records
// are written again only above the last committed offset.
//
// The random points come from a seeded generator; the seed is logged and
// KCONNECT_CRASH_SEED replays a run.

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kconnect-go/kconnect/internal/testchild"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
)

var discardLog = slog.New(slog.DiscardHandler)

// requireDeliveredOnce checks the whole topic after the last run: every
// number 0..limit-1 is there, none outside, and a number appears more than
// once only if it was above the committed offset of some crash (each such
// crash may add one copy).
func requireDeliveredOnce(t *testing.T, tr *topicTracker, limit int, commits []int64) {
	t.Helper()
	dups := 0
	for n, count := range tr.counts {
		require.True(t, n >= 0 && n < int64(limit), "number %d was never produced by the source", n)
		allowed := 1
		for _, c := range commits {
			if n > c {
				allowed++
			}
		}
		require.LessOrEqual(t, count, allowed,
			"number %d is in the topic %d times, but only %d crash(es) had committed offsets %v below it",
			n, count, allowed-1, commits)
		dups += count - 1
	}
	tr.requireAllBelow(int64(limit-1), "lost after the restarts")
	t.Logf("%d records for %d numbers: %d re-sent above committed offsets %v", len(tr.order), limit, dups, commits)
}

// TestCrashGracefulClose closes the worker at random points (a graceful
// stop) and restarts it from its offset file: a closed worker has committed
// the offset of every record it wrote, so nothing is written twice, and
// nothing is lost.
func TestCrashGracefulClose(t *testing.T) {
	rng := testchild.Rand(t)
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "close")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	p := crashParams{brokers: brokers, topic: topic, file: filepath.Join(t.TempDir(), "offsets.json"),
		limit: 1000, batch: 10, interval: time.Millisecond}
	tr := newTopicTracker(t, brokers, topic)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	const rounds = 4
	for round := range rounds {
		file, err := offset.OpenFile(p.file)
		require.NoError(t, err)
		store := newWatchedStore(t, file)
		w, err := runCrashWorker(p, store, discardLog)
		require.NoError(t, err)
		target := p.limit
		if round < rounds-1 {
			target = tr.distinct() + 1 + rng.IntN(max((p.limit-tr.distinct())/3, 1))
		}
		require.NoError(t, tr.waitFor(ctx, func() bool { return tr.distinct() >= target }))
		if round == rounds-1 {
			require.NoError(t, store.waitCommitted(ctx, int64(p.limit-1)))
		}
		require.NoError(t, w.Close())
		require.NoError(t, file.Close())
		store.requireForwardOnly(t)

		c := committedIn(t, p.file)
		tr.catchUp(ctx)
		t.Logf("round %d: closed after %d numbers seen; %d in the topic, committed %d", round, target, tr.distinct(), c)
		require.Equal(t, tr.max, c, "round %d: a graceful close commits the offset of every record written", round)
		require.Len(t, tr.order, tr.distinct(), "round %d: records written twice", round)
		tr.requireAllBelow(c, "round ", round)
	}
	require.Equal(t, p.limit, tr.distinct())
	requireDeliveredOnce(t, tr, p.limit, nil)
}

// TestCrashChild is the process TestCrashKillResume kills; it does nothing
// in a normal test run.
func TestCrashChild(t *testing.T) {
	if os.Getenv(crashChildEnv) != "1" {
		t.Skip("the child process of TestCrashKillResume")
	}
	p, err := crashParamsFromEnv()
	require.NoError(t, err)
	var store offset.Store
	if p.eosOffsetsTopic != "" {
		store = eosOpenStore(t, p.brokers, p.eosOffsetsTopic)
	} else {
		store, err = offset.OpenFile(p.file)
		require.NoError(t, err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w, err := runCrashWorker(p, store, log)
	require.NoError(t, err)
	t.Log("worker running until killed")
	// The parent kills this process; should the parent die instead, its
	// end of stdin closes and the child stops.
	_, _ = io.Copy(io.Discard, os.Stdin)
	require.NoError(t, w.Close())
	require.NoError(t, store.Close())
}

// TestCrashKillResume kills a worker process with SIGKILL at random points
// (after a random number of records, or a random time after it started),
// checks that the offset the file holds right after each kill is covered by
// records in Kafka, restarts from that file, and finally checks that every
// record arrived, and that records were written twice only above a
// committed offset.
func TestCrashKillResume(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills worker processes")
	}
	rng := testchild.Rand(t)
	brokers := testkafka.Brokers(t) // on kfake, the child reaches it over TCP
	topic := testkafka.Topic(t, "kill")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	p := crashParams{brokers: brokers, topic: topic, file: filepath.Join(t.TempDir(), "offsets.json"),
		limit: 3000, batch: 5, interval: 2 * time.Millisecond}
	tr := newTopicTracker(t, brokers, topic)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	const kills = 5
	var commits []int64
	for round := range kills {
		killChildAtRandom(ctx, t, rng, tr, p, round)

		c := committedIn(t, p.file)
		tr.catchUp(ctx)
		t.Logf("round %d: killed with %d records in the topic (%d numbers, max %d); committed offset %d",
			round, len(tr.order), tr.distinct(), tr.max, c)
		if len(commits) > 0 {
			require.GreaterOrEqual(t, c, commits[len(commits)-1], "round %d: the committed offset moved back", round)
		}
		tr.requireAllBelow(c, "round ", round, ": an offset was committed past a record not in Kafka")
		commits = append(commits, c)
	}

	// The last run, in this process, completes the sequence.
	file, err := offset.OpenFile(p.file)
	require.NoError(t, err)
	store := newWatchedStore(t, file)
	w, err := runCrashWorker(p, store, discardLog)
	require.NoError(t, err)
	require.NoError(t, tr.waitFor(ctx, func() bool { return tr.distinct() >= p.limit }))
	require.NoError(t, store.waitCommitted(ctx, int64(p.limit-1)))
	require.NoError(t, w.Close())
	require.NoError(t, file.Close())
	store.requireForwardOnly(t)
	require.Equal(t, int64(p.limit-1), committedIn(t, p.file))
	tr.catchUp(ctx)
	requireDeliveredOnce(t, tr, p.limit, commits)
	// Reopening the file removed the temporary files of Puts cut short.
	entries, err := os.ReadDir(filepath.Dir(p.file))
	require.NoError(t, err)
	require.Len(t, entries, 1, "files left next to the offsets file: %v", entries)
}

// killChildAtRandom starts a child worker and kills it with SIGKILL at a
// random point: once a random number of further numbers are in the topic,
// or a random time after its start.
func killChildAtRandom(ctx context.Context, t *testing.T, rng *rand.Rand, tr *topicTracker, p crashParams, round int) {
	t.Helper()
	child := startCrashChild(t, p, round)
	if left := p.limit - tr.distinct(); left > 0 && rng.IntN(2) == 0 {
		target := tr.distinct() + 1 + rng.IntN(max(left/3, 1))
		t.Logf("round %d: killing once %d numbers are in the topic", round, target)
		require.NoError(t, tr.waitFor(ctx, func() bool { return tr.distinct() >= target }))
	} else {
		d := time.Duration(rng.Int64N(int64(500 * time.Millisecond)))
		t.Logf("round %d: killing %v after the start", round, d)
		select {
		case <-time.After(d): // the random crash point, not a synchronisation
		case <-child.Exited(): // kill reports it
		}
	}
	child.Kill(t)
}

// TestEOSCrashKillResume is TestCrashKillResume with exactly-once
// delivery: worker processes are killed with SIGKILL at random points, each
// with a transaction possibly open, and restarted; the next one fences the
// dead one's producer, which aborts its open transaction. A read_committed
// consumer must then see every number exactly once, in order.
func TestEOSCrashKillResume(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills worker processes")
	}
	rng := testchild.Rand(t)
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "eoskill")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	store, offsetsTopic := eosKafkaStore(t, brokers)
	p := crashParams{brokers: brokers, topic: topic, limit: 2000, batch: 5, interval: 2 * time.Millisecond,
		eosOffsetsTopic: offsetsTopic, eosGroup: testkafka.Group(t, "eoskill")}
	tr := newTopicTracker(t, brokers, topic) // read_uncommitted: sees aborted records too
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	for round := range 4 {
		killChildAtRandom(ctx, t, rng, tr, p, round)
		tr.catchUp(ctx)
		t.Logf("round %d: killed with %d records in the topic, committed or not", round, len(tr.order))
	}

	// The last run, in this process, completes the sequence.
	w, err := runCrashWorker(p, store, discardLog)
	require.NoError(t, err)
	require.NoError(t, tr.waitFor(ctx, func() bool { return tr.distinct() >= p.limit }))
	waitOffset(t, store, pacedConnector, int64(p.limit-1))
	require.NoError(t, w.Close())

	numbers := committedNumbers(t, brokers, topic)
	require.Len(t, numbers, p.limit, "read_committed sees each number once")
	for i, n := range numbers {
		require.Equal(t, int64(i), n, "read_committed sees the numbers in order, once each")
	}
	t.Logf("%d records written in all, %d committed", len(tr.order), len(numbers))
}

// injectCluster starts a kfake cluster of its own (the test needs its
// handle) with one partition per topic, and creates topic.
func injectCluster(t *testing.T, topic string) (*kfake.Cluster, []string) {
	t.Helper()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(1))
	require.NoError(t, err)
	t.Cleanup(cluster.Close)
	brokers := cluster.ListenAddrs()
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	return cluster, brokers
}

// fastMetadata lets the producer refresh its metadata after a failed
// produce request within 50ms rather than kgo's default MetadataMinAge of
// 5s, which would stall every retry of NOT_LEADER_FOR_PARTITION and the like
// for seconds and make these tests slow.
var fastMetadata = KafkaOpts(kgo.MetadataMinAge(50 * time.Millisecond))

// failSchedule picks which produce requests fail: the first three, then
// every sixth up to the 30th. A request is decided once, however often the
// broker asks.
func failSchedule() func(kmsg.Request) bool {
	var mu sync.Mutex
	decided := map[kmsg.Request]bool{}
	n := 0
	return func(r kmsg.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		if fail, ok := decided[r]; ok {
			return fail
		}
		fail := n < 3 || (n%6 == 0 && n <= 30)
		n++
		decided[r] = fail
		return fail
	}
}

// TestInjectProduceErrors fails produce requests with retriable errors
// (kfake only): every record still arrives exactly once and in order (the
// producer is idempotent and retries until the task stops), and the offsets
// are committed up to the last one. REQUEST_TIMED_OUT and
// NOT_ENOUGH_REPLICAS_AFTER_APPEND are the ambiguous ones: kfake appends
// the records and then answers with the error, and the idempotent producer's
// retry must not write them twice. A dropped connection loses the request
// before the broker reads it.
func TestInjectProduceErrors(t *testing.T) {
	if testkafka.Real() {
		t.Skip("injects broker errors with kfake")
	}
	for _, tc := range []struct {
		name string
		err  *kerr.Error // nil: drop the connection instead
	}{
		{"NotLeaderForPartition", kerr.NotLeaderForPartition},
		{"NotEnoughReplicas", kerr.NotEnoughReplicas},
		{"LeaderNotAvailable", kerr.LeaderNotAvailable},
		{"RequestTimedOutAfterAppend", kerr.RequestTimedOut},
		{"NotEnoughReplicasAfterAppend", kerr.NotEnoughReplicasAfterAppend},
		{"ConnectionDropped", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topic := testkafka.Topic(t, "inject")
			cluster, brokers := injectCluster(t, topic)
			schedule := failSchedule()
			var failed func() int
			if tc.err != nil {
				h := cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: topic, Err: tc.err,
					Count: -1, When: schedule})
				failed = h.Hits
			} else {
				var mu sync.Mutex
				drops := 0
				cluster.ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
					cluster.KeepControl()
					if !schedule(r) {
						return nil, nil, false
					}
					mu.Lock()
					drops++
					mu.Unlock()
					return nil, errors.New("injected: connection dropped"), true
				})
				failed = func() int { mu.Lock(); defer mu.Unlock(); return drops }
			}

			const limit = 1000
			p := crashParams{brokers: brokers, topic: topic, limit: limit, batch: 5, interval: 2 * time.Millisecond}
			store := newWatchedStore(t, offset.NewMemory())
			start := time.Now()
			w, err := runCrashWorker(p, store, discardLog, fastMetadata)
			require.NoError(t, err)
			defer w.Close()
			tr := newTopicTracker(t, brokers, topic)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			require.NoError(t, tr.waitFor(ctx, func() bool { return tr.distinct() >= limit }))
			require.NoError(t, store.waitCommitted(ctx, limit-1))
			t.Logf("all written and committed after %v", time.Since(start))
			st, err := w.Status(pacedConnector)
			require.NoError(t, err)
			require.Len(t, st.Tasks, 1)
			require.Equal(t, Running, st.Tasks[0].State)
			require.NoError(t, w.Close())
			store.requireForwardOnly(t)
			tr.catchUp(ctx)

			require.GreaterOrEqual(t, failed(), 3, "produce requests failed on purpose")
			t.Logf("%d produce requests failed on purpose", failed())
			require.Len(t, tr.order, limit, "records written twice")
			for i, n := range tr.order {
				require.Equal(t, int64(i), n, "record %d of the topic out of order", i)
			}
		})
	}
}

// TestInjectFatalProduceError fails one produce request with a
// non-retriable error (kfake only): with errors.tolerance=none the task
// fails, and the offset it committed is below every record that is not in
// Kafka; restarted, it writes the rest, repeating records only above that
// offset.
func TestInjectFatalProduceError(t *testing.T) {
	if testkafka.Real() {
		t.Skip("injects broker errors with kfake")
	}
	rng := testchild.Rand(t)
	topic := testkafka.Topic(t, "fatal")
	cluster, brokers := injectCluster(t, topic)
	failAt := 1 + rng.IntN(10)
	t.Logf("failing produce request %d", failAt)
	var mu sync.Mutex
	decided := map[kmsg.Request]bool{}
	n := 0
	h := cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: topic, Err: kerr.InvalidRecord,
		When: func(r kmsg.Request) bool {
			mu.Lock()
			defer mu.Unlock()
			if fail, ok := decided[r]; ok {
				return fail
			}
			fail := n == failAt
			n++
			decided[r] = fail
			return fail
		}})

	const limit = 1000
	p := crashParams{brokers: brokers, topic: topic, limit: limit, batch: 5, interval: 2 * time.Millisecond}
	store := newWatchedStore(t, offset.NewMemory())
	w, err := runCrashWorker(p, store, discardLog, fastMetadata)
	require.NoError(t, err)
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, h.Wait(ctx, 1))
	require.Eventually(t, func() bool {
		st, err := w.Status(pacedConnector)
		return err == nil && len(st.Tasks) == 1 && st.Tasks[0].State == Failed
	}, 30*time.Second, 5*time.Millisecond, "the task fails on a non-retriable produce error")
	st, err := w.Status(pacedConnector)
	require.NoError(t, err)
	require.Contains(t, st.Tasks[0].Trace, "INVALID_RECORD")

	tr := newTopicTracker(t, brokers, topic)
	tr.catchUp(ctx)
	store.mu.Lock()
	c := store.last
	store.mu.Unlock()
	missing := int64(-1)
	for i := int64(0); i <= tr.max; i++ {
		if tr.counts[i] == 0 {
			missing = i
			break
		}
	}
	t.Logf("failed with %d records in the topic (max %d, first missing %d); committed %d", len(tr.order), tr.max, missing, c)
	tr.requireAllBelow(c, "an offset was committed past a record not in Kafka")

	require.NoError(t, w.RestartTask(ctx, pacedConnector, 0))
	require.NoError(t, tr.waitFor(ctx, func() bool { return tr.distinct() >= limit }))
	require.NoError(t, store.waitCommitted(ctx, limit-1))
	require.NoError(t, w.Close())
	store.requireForwardOnly(t)
	tr.catchUp(ctx)
	requireDeliveredOnce(t, tr, limit, []int64{c})
}
