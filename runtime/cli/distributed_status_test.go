package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/statustopic"
	"github.com/kconnect-go/kconnect/internal/testenv"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

// statusRecord is one record of a status topic, as a worker wrote it.
type statusRecord struct {
	Key        string // status-connector-<name> or status-task-<name>-<n>
	State      string // "" for a tombstone
	WorkerID   string
	Generation int32
	Time       time.Time // the record's timestamp: when its writer wrote it
}

func (r statusRecord) String() string {
	return fmt.Sprintf("%s %s on %s (generation %d, %s)", r.Key, r.State, r.WorkerID, r.Generation, r.Time.Format("15:04:05.000"))
}

// readStatusTopic reads a status topic up to its end, and returns the
// connector and task status records of each key in the order they were
// written (one key's records share a partition).
func readStatusTopic(t *testing.T, brokers []string, topic string) map[string][]statusRecord {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(testkafka.Client(t, brokers)).ListEndOffsets(ctx, topic)
	require.NoError(t, err)
	require.NoError(t, ends.Error())
	left := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			left[o.Partition] = o.Offset
		}
	})
	consumer := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	out := map[string][]statusRecord{}
	for len(left) > 0 {
		fetches := consumer.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "reading %s: partitions not read to their end: %v", topic, left)
		fetches.EachRecord(func(r *kgo.Record) {
			if end, ok := left[r.Partition]; ok && r.Offset+1 >= end {
				delete(left, r.Partition)
			}
			key := string(r.Key)
			if !strings.HasPrefix(key, statustopic.ConnectorPrefix) && !strings.HasPrefix(key, statustopic.TaskPrefix) {
				return
			}
			rec := statusRecord{Key: key, Time: r.Timestamp}
			if r.Value != nil {
				var v struct {
					State      string `json:"state"`
					WorkerID   string `json:"worker_id"`
					Generation int32  `json:"generation"`
				}
				require.NoError(t, json.Unmarshal(r.Value, &v), "%s at %d/%d: %s", key, r.Partition, r.Offset, r.Value)
				rec.State, rec.WorkerID, rec.Generation = v.State, v.WorkerID, v.Generation
			}
			out[key] = append(out[key], rec)
		})
	}
	return out
}

// runningTwice returns the places where a status topic's records show a
// connector or task RUNNING on two workers at once. A worker hands work
// on only through a rebalance, so a RUNNING written by another worker than
// the one that last wrote RUNNING must come with a higher generation than
// that one's, and be written after it; a RUNNING from an older generation
// than one already written is a zombie's, still running what the group
// gave to another.
func runningTwice(records map[string][]statusRecord) []string {
	var out []string
	for key, recs := range records {
		var holder *statusRecord // the last RUNNING not since stopped by its writer
		var newest int32 = -1
		for i := range recs {
			r := &recs[i]
			switch {
			case r.State == "":
				holder = nil
			case r.State != "RUNNING":
				if holder != nil && holder.WorkerID == r.WorkerID {
					holder = nil
				}
			case r.Generation < newest:
				out = append(out, fmt.Sprintf("%s: %v after generation %d was written", key, r, newest))
			case holder != nil && holder.WorkerID != r.WorkerID && r.Generation <= holder.Generation:
				out = append(out, fmt.Sprintf("%s: %v while %v", key, r, holder))
			case holder != nil && holder.WorkerID != r.WorkerID && r.Time.Before(holder.Time):
				out = append(out, fmt.Sprintf("%s: %v written before %v", key, r, holder))
			default:
				holder = r
			}
			if r.State != "" {
				newest = max(newest, r.Generation)
			}
		}
	}
	return out
}

func TestRunningTwiceFindsOverlaps(t *testing.T) {
	at := func(ms int) time.Time { return time.UnixMilli(int64(1_700_000_000_000 + ms)) }
	rec := func(state, worker string, gen int32, ms int) statusRecord {
		return statusRecord{Key: "status-task-c-0", State: state, WorkerID: worker, Generation: gen, Time: at(ms)}
	}
	for _, c := range []struct {
		name  string
		recs  []statusRecord
		twice bool
	}{
		{"handed over", []statusRecord{rec("RUNNING", "a", 1, 0), rec("UNASSIGNED", "a", 1, 10), rec("RUNNING", "b", 2, 20)}, false},
		{"taken from a dead worker", []statusRecord{rec("RUNNING", "a", 1, 0), rec("RUNNING", "b", 3, 20)}, false},
		{"restarted in place", []statusRecord{rec("RUNNING", "a", 1, 0), rec("RUNNING", "a", 1, 20)}, false},
		{"deleted and created again", []statusRecord{rec("RUNNING", "a", 4, 0), {Key: "status-task-c-0"}, rec("RUNNING", "b", 4, 20)}, false},
		{"two in one generation", []statusRecord{rec("RUNNING", "a", 2, 0), rec("RUNNING", "b", 2, 20)}, true},
		{"a zombie's", []statusRecord{rec("RUNNING", "a", 2, 0), rec("UNASSIGNED", "a", 2, 10), rec("RUNNING", "b", 3, 20), rec("RUNNING", "a", 2, 30)}, true},
		{"written before the holder's", []statusRecord{rec("RUNNING", "a", 2, 50), rec("RUNNING", "b", 3, 20)}, true},
	} {
		got := runningTwice(map[string][]statusRecord{"status-task-c-0": c.recs})
		require.Equal(t, c.twice, len(got) > 0, "%s: %v", c.name, got)
	}
}

// rollingRestart restarts the three workers one after another, as a
// deployment does (each stopped cleanly, then started again and ready,
// before the next), while a counting source writes; the killed one is
// only started again. Every number arrives once, as each stop commits its
// tasks' offsets, and the status topic never shows a task RUNNING on two
// workers at once.
//
// cooperative: the workers run an incremental cooperative protocol, under
// which the connector and each task are RUNNING throughout but for their
// own moves: none is stopped and started again on the same worker.
func rollingRestart(t *testing.T, brokers []string, workers []*workerProcess,
	startWorker func(i, round int) *workerProcess, statusTopic string, cooperative bool) {
	const tasks, limit = 3, 4000
	topic := testkafka.Topic(t, "rolling")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	numbers := collectTaskNumbers(t, brokers, topic)
	alive := func(w *workerProcess) bool {
		select {
		case <-w.child.Exited():
			return false
		default:
			return true
		}
	}
	var via *workerProcess
	for _, w := range workers {
		if alive(w) {
			via = w
		}
	}
	config := `{"connector.class":"` + countClass + `","topic":"` + topic + `","tasks.max":"` + strconv.Itoa(tasks) +
		`","limit":"` + strconv.Itoa(limit) + `","batch":"5","interval.ms":"50","name":"rolling"}`
	require.Eventually(t, func() bool {
		code, body := doJSON(t, http.MethodPut, via.url("connectors/rolling/config"), config)
		require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, code, body)
		return code == http.StatusCreated
	}, 30*time.Second, 200*time.Millisecond)
	// allRunning: the connector and its tasks RUNNING, on workers that are
	// up (a restarted worker has a new port, so a new id).
	allRunning := func(w *workerProcess) func() bool {
		return func() bool {
			var up []string
			for _, other := range workers {
				if alive(other) {
					up = append(up, other.ready.WorkerID)
				}
			}
			var st connectorStatus
			code, body := doJSON(t, http.MethodGet, w.url("connectors/rolling/status"), "")
			if code != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil || st.Connector.State != "RUNNING" ||
				!slices.Contains(up, st.Connector.WorkerID) || len(st.Tasks) != tasks {
				return false
			}
			for _, task := range st.Tasks {
				if task.State != "RUNNING" || !slices.Contains(up, task.WorkerID) {
					return false
				}
			}
			return true
		}
	}
	require.Eventually(t, allRunning(via), 30*time.Second, 100*time.Millisecond)
	require.Eventually(t, func() bool {
		seen := numbers()
		return len(seen[0]) >= 200 && len(seen[1]) >= 200 && len(seen[2]) >= 200
	}, 30*time.Second, 50*time.Millisecond)

	began := time.Now()
	for i, w := range workers {
		if alive(w) {
			w.child.Stop(t, 60*time.Second)
		}
		stopped := time.Now()
		workers[i] = startWorker(i, 1)
		require.Eventually(t, allRunning(workers[i]), 60*time.Second, 100*time.Millisecond, "after restarting worker %d", i)
		t.Logf("worker %d restarted; all of rolling RUNNING again %v after its stop", i, time.Since(stopped).Round(time.Millisecond))
	}
	ended := time.Now()
	seen := numbers()
	t.Logf("rolling restart took %v; the tasks had written %d, %d, %d of %d numbers by its end",
		ended.Sub(began).Round(time.Millisecond), len(seen[0]), len(seen[1]), len(seen[2]), limit)

	require.Eventually(t, func() bool {
		seen := numbers()
		for i := range tasks {
			if len(distinct(seen[i])) < limit {
				return false
			}
		}
		return true
	}, 90*time.Second, 100*time.Millisecond)
	seen = numbers()
	require.Empty(t, seen[-1], "records that are not task:number")
	for i := range tasks {
		// Each stop commits what its task wrote, also one that comes in
		// the middle of a rebalance's, so nothing is repeated, as in
		// Kafka Connect.
		requireOnce(t, fmt.Sprintf("task %d", i), seen[i], limit)
	}

	records := readStatusTopic(t, brokers, statusTopic)
	require.Empty(t, runningTwice(records))
	if cooperative {
		for _, key := range []string{"status-connector-rolling", "status-task-rolling-0", "status-task-rolling-1", "status-task-rolling-2"} {
			require.Empty(t, restartedInPlace(records[key], began, ended), "%s", key)
		}
	}
	// How long each was not RUNNING during the restarts: the eager
	// protocol stops everything on every rebalance.
	for _, key := range []string{"status-connector-rolling", "status-task-rolling-0", "status-task-rolling-1", "status-task-rolling-2"} {
		var down, longest time.Duration
		var since time.Time
		for _, r := range records[key] {
			if r.Time.Before(began) || r.Time.After(ended) {
				continue
			}
			if r.State != "RUNNING" && since.IsZero() {
				since = r.Time
			} else if r.State == "RUNNING" && !since.IsZero() {
				d := r.Time.Sub(since)
				down += d
				longest = max(longest, d)
				since = time.Time{}
			}
		}
		t.Logf("%s: not RUNNING for %v in all, %v at the longest, during the restarts", key, down.Round(time.Millisecond), longest.Round(time.Millisecond))
	}
}

// collectTaskNumbers reads a counting source's topic until the test ends;
// the function it returns gives each task's numbers in the order they
// arrived (task -1: records that are not "task:number").
func collectTaskNumbers(t *testing.T, brokers []string, topic string) func() map[int][]int {
	var mu sync.Mutex
	seen := map[int][]int{}
	consumer := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithCancel(context.Background())
	consumed := make(chan struct{})
	t.Cleanup(func() { cancel(); <-consumed })
	go func() {
		defer close(consumed)
		for ctx.Err() == nil {
			consumer.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
				task, n, ok := strings.Cut(string(r.Value), ":")
				i, err1 := strconv.Atoi(task)
				v, err2 := strconv.Atoi(n)
				mu.Lock()
				defer mu.Unlock()
				if !ok || err1 != nil || err2 != nil {
					seen[-1] = append(seen[-1], len(seen[-1]))
					return
				}
				seen[i] = append(seen[i], v)
			})
		}
	}()
	return func() map[int][]int {
		mu.Lock()
		defer mu.Unlock()
		out := make(map[int][]int, len(seen))
		for k, v := range seen {
			out[k] = slices.Clone(v)
		}
		return out
	}
}

// restartedInPlace returns the records, written between began and ended,
// by which a worker reported a connector or task it ran not RUNNING and
// then RUNNING again itself: stopped and started again where it was,
// rather than moved.
func restartedInPlace(records []statusRecord, began, ended time.Time) []statusRecord {
	var out []statusRecord
	var down *statusRecord
	for i, r := range records {
		if r.Time.Before(began) || r.Time.After(ended) {
			continue
		}
		switch {
		case r.State != "RUNNING" && down == nil:
			down = &records[i]
		case r.State == "RUNNING" && down != nil:
			if r.WorkerID == down.WorkerID {
				out = append(out, *down, r)
			}
			down = nil
		}
	}
	return out
}

// TestDistributedRollingRestartSessioned restarts three worker processes
// of the sessioned protocol one by one, as TestDistributedProcesses does
// under the eager one: every number once, and, the protocol being
// cooperative, the connector and its tasks RUNNING throughout but for
// their own moves. It takes about 45 s (4000 numbers a task), the cooperative
// protocol's rolling restart being what most clusters run.
func TestDistributedRollingRestartSessioned(t *testing.T) {
	if !testkafka.Real() {
		testenv.Record(t, testenv.Skip)
		t.Skipf("integration test: set %s to run worker processes against a real broker", testkafka.BrokersEnv)
	}
	brokers := testkafka.Brokers(t)
	group, configs, status, offsets := testkafka.Group(t, "connect"), testkafka.Topic(t, "configs"),
		testkafka.Topic(t, "status"), testkafka.Topic(t, "offsets")
	for _, topic := range []string{configs, status, offsets} {
		testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	}
	startWorker := workerStarter(t, brokers, t.TempDir(), group, configs, status, offsets,
		"connect.protocol=sessioned", "scheduled.rebalance.max.delay.ms=60000")
	workers := make([]*workerProcess, 3)
	for i := range workers {
		workers[i] = startWorker(i, 0)
	}
	rollingRestart(t, brokers, workers, startWorker, status, true)
}
