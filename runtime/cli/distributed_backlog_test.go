package cli_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/testenv"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

// backlogLinesEnv sets the lines of each of TestDistributedBacklogMemory's
// two files; the default keeps the test near 12 s (35 s under the race
// detector, whose workers are several times slower), the cost of the one
// test that a rebalance cannot make a worker hold a backlog in memory.
const backlogLinesEnv = "KCONNECT_TEST_BACKLOG_LINES"

// backlogGrowthMiB bounds how far a worker's peak RSS may rise above its
// RSS before the takeover while it works through the backlog: a task's
// producer holds at most 10,000 records, whatever the file holds.
const backlogGrowthMiB = 96

// TestDistributedBacklogMemory kills -9 one of two worker processes, each
// running a FileStreamSource, and appends a backlog to both files while
// the group has not yet noticed: the survivor takes over the dead
// worker's task and works through both backlogs, and its peak RSS (VmHWM,
// reset before the kill) stays within backlogGrowthMiB of where it was
// (three times that in the race detector's build),
// however many lines there are. Every line arrives. Each file gets 100,000
// lines of 100 bytes (20 MB in all) by default, enough that a worker
// holding what it has read but not yet sent would go past the bound;
// KCONNECT_TEST_BACKLOG_LINES=500000 is the million lines after which a
// JVM worker with a 512 MB heap died of OutOfMemoryError.
func TestDistributedBacklogMemory(t *testing.T) {
	if !testkafka.Real() {
		testenv.Record(t, testenv.Skip)
		t.Skipf("integration test: set %s to run worker processes against a real broker", testkafka.BrokersEnv)
	}
	lines := 100_000
	if v := os.Getenv(backlogLinesEnv); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, backlogLinesEnv)
		lines = n
	}
	brokers := testkafka.Brokers(t)
	dir := t.TempDir()
	group, configs, status, offsets := testkafka.Group(t, "connect"), testkafka.Topic(t, "configs"),
		testkafka.Topic(t, "status"), testkafka.Topic(t, "offsets")
	for _, topic := range []string{configs, status, offsets} {
		testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	}
	// Eager: the dead worker's tasks move once the group drops it, with
	// no scheduled.rebalance.max.delay.ms to wait.
	startWorker := workerStarter(t, brokers, dir, group, configs, status, offsets, "connect.protocol=eager")
	workers := []*workerProcess{startWorker(0, 0), startWorker(1, 0)}

	topic := testkafka.Topic(t, "backlog")
	testkafka.CreateTopic(t, brokers, topic, 3, nil)
	// seen[f][n] is how often line n of file f arrived.
	var mu sync.Mutex
	seen := [2][]int{make([]int, lines+1), make([]int, lines+1)}
	arrived := 0
	consumer := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithCancel(context.Background())
	consumed := make(chan struct{})
	t.Cleanup(func() { cancel(); <-consumed })
	go func() {
		defer close(consumed)
		for ctx.Err() == nil {
			consumer.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
				f, n, err := parseBacklogLine(string(r.Value))
				mu.Lock()
				defer mu.Unlock()
				if err != nil || n > lines {
					t.Errorf("record %q: not a line the test wrote", r.Value)
					return
				}
				if seen[f][n] == 0 {
					arrived++
				}
				seen[f][n]++
			})
		}
	}()

	// Line 0 of each file is there from the start, so each task is seen running.
	files := [2]string{}
	for f := range files {
		files[f] = writeFile(t, filepath.Join(dir, fmt.Sprintf("in%d.txt", f)), backlogLine(f, 0)+"\n")
		config := `{"connector.class":"FileStreamSource","topic":"` + topic + `","file":"` + files[f] + `","name":"backlog` + strconv.Itoa(f) + `"}`
		require.Eventually(t, func() bool {
			code, body := doJSON(t, http.MethodPut, workers[f].url("connectors/backlog"+strconv.Itoa(f)+"/config"), config)
			require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, code, body)
			return code == http.StatusCreated
		}, 60*time.Second, 200*time.Millisecond)
	}
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return arrived == 2
	}, 60*time.Second, 50*time.Millisecond, "line 0 of each file")
	// The eager assignor spreads two connectors' tasks one per worker.
	victim := -1
	var st connectorStatus
	require.Eventually(t, func() bool {
		st = connectorStatus{}
		code, body := doJSON(t, http.MethodGet, workers[0].url("connectors/backlog0/status"), "")
		if code != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil || len(st.Tasks) != 1 || st.Tasks[0].State != "RUNNING" {
			return false
		}
		victim = slices.IndexFunc(workers, func(w *workerProcess) bool { return w.ready.WorkerID == st.Tasks[0].WorkerID })
		return victim >= 0
	}, 30*time.Second, 100*time.Millisecond, "status: %+v", st)
	survivor := workers[1-victim]
	pid := survivor.child.Pid()
	require.NoError(t, os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0), "resetting VmHWM")
	before := procStatusKiB(t, pid, "VmRSS")

	// The backlog is built first, so that both files have all of it well
	// before the group drops the dead worker (session.timeout.ms=6000).
	var backlog [2][]byte
	for f := range backlog {
		b := make([]byte, 0, lines*101)
		for n := 1; n <= lines; n++ {
			b = append(append(b, backlogLine(f, n)...), '\n')
		}
		backlog[f] = b
	}
	workers[victim].child.Kill(t)
	began := time.Now()
	for f, path := range files {
		out, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		require.NoError(t, err)
		_, err = out.Write(backlog[f])
		require.NoError(t, errors.Join(err, out.Close()))
	}
	backlog = [2][]byte{}
	t.Logf("killed worker %d; %d lines appended to each file in %v", victim, lines, time.Since(began).Round(time.Millisecond))

	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return arrived == 2*(lines+1)
	}, 5*time.Minute, 200*time.Millisecond, "every line of both files")
	peak := procStatusKiB(t, pid, "VmHWM")
	t.Logf("survivor: RSS %.1f MiB before the takeover, peak %.1f MiB while it sent %d lines in %v",
		float64(before)/1024, float64(peak)/1024, 2*lines, time.Since(began).Round(time.Millisecond))
	require.Less(t, float64(peak-before)/1024, float64(backlogGrowthMiB*raceMemory),
		"the survivor's peak RSS rose %.1f MiB above its %.1f MiB while it worked through the backlog", float64(peak-before)/1024, float64(before)/1024)
}

// backlogLine is line n of file f: its file and number, padded to 100 bytes.
func backlogLine(f, n int) string {
	s := fmt.Sprintf("file%d line %09d ", f, n)
	return s + strings.Repeat("x", 100-len(s))
}

func parseBacklogLine(s string) (f, n int, err error) {
	if _, err := fmt.Sscanf(s, "file%d line %d ", &f, &n); err != nil {
		return 0, 0, err
	}
	if f != 0 && f != 1 || n < 0 {
		return 0, 0, fmt.Errorf("file %d line %d", f, n)
	}
	return f, n, nil
}

// procStatusKiB reads a field, in kB, of /proc/<pid>/status.
func procStatusKiB(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			require.NoError(t, err, line)
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
