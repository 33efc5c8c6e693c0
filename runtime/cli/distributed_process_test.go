package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
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

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testchild"
	"github.com/kconnect-go/kconnect/internal/testenv"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/cli"
	"github.com/kconnect-go/kconnect/source"
)

// The worker process TestDistributedProcesses starts is this test binary
// running TestDistributedWorkerChild: the worker program's Main with a
// counting source compiled in, as a program embedding kconnect builds it.
const (
	workerPropsEnv = "KCONNECT_TEST_WORKER_PROPERTIES"
	workerReadyEnv = "KCONNECT_TEST_WORKER_READY"
)

// countClass is a source with one counter per task: task i writes "i:n"
// for n from its committed offset + 1 up to limit-1, at a pace, so a test
// can tell from a topic which numbers of which task were lost or repeated.
const countClass = "test.TaskCounterSource"

func countPlugin() source.Plugin {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "topic", Type: connect.ConfigString, Required: true, Importance: connect.High}).
		Define(connect.ConfigKey{Name: "limit", Type: connect.ConfigLong, Default: int64(0), Importance: connect.High}).
		Define(connect.ConfigKey{Name: "batch", Type: connect.ConfigLong, Default: int64(5), Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "interval.ms", Type: connect.ConfigLong, Default: int64(20), Importance: connect.Low})
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: countClass, Kind: connect.SourcePlugin, Config: def},
		New:        func() source.Connector { return &countConnector{} },
	}
}

type countConnector struct{ config map[string]string }

func (c *countConnector) Start(_ context.Context, config map[string]string, _ source.ConnectorContext) error {
	c.config = maps.Clone(config)
	return nil
}

func (c *countConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	var out []map[string]string
	for i := range maxTasks {
		cfg := maps.Clone(c.config)
		cfg["task.index"] = strconv.Itoa(i)
		out = append(out, cfg)
	}
	return out, nil
}

func (c *countConnector) NewTask() source.Task       { return &countTask{} }
func (c *countConnector) Stop(context.Context) error { return nil }

type countTask struct {
	topic, index string
	next, limit  int64
	batch        int64
	interval     time.Duration
	partition    connect.SourcePartition
}

func (t *countTask) Start(ctx context.Context, cfg map[string]string, tc source.TaskContext) error {
	t.topic, t.index = cfg["topic"], cfg["task.index"]
	t.limit, _ = strconv.ParseInt(cfg["limit"], 10, 64)
	t.batch, _ = strconv.ParseInt(cfg["batch"], 10, 64)
	t.batch = max(t.batch, 1)
	ms, _ := strconv.ParseInt(cfg["interval.ms"], 10, 64)
	t.interval = time.Duration(ms) * time.Millisecond
	t.partition = connect.NewSourcePartition("task", cfg["name"]+"/"+t.index)
	o, err := tc.Offsets().Offset(ctx, t.partition)
	if err != nil {
		return err
	}
	if n, ok := o.Int64("n"); ok {
		t.next = n + 1
	}
	return nil
}

func (t *countTask) Poll(ctx context.Context) ([]connect.Record, error) {
	if t.next >= t.limit {
		<-ctx.Done()
		return nil, nil
	}
	// The pace keeps the run long enough to be interrupted in the middle.
	select {
	case <-ctx.Done():
		return nil, nil
	case <-time.After(t.interval):
	}
	out := make([]connect.Record, 0, t.batch)
	for ; t.next < t.limit && int64(len(out)) < t.batch; t.next++ {
		out = append(out, connect.Record{
			Topic: t.topic, ValueSchema: connect.StringSchema, Value: t.index + ":" + strconv.FormatInt(t.next, 10),
			SourcePartition: t.partition, SourceOffset: connect.Int64Offset("n", t.next),
		})
	}
	return out, nil
}

func (t *countTask) Stop(context.Context) error { return nil }

// TestDistributedWorkerChild is the worker process TestDistributedProcesses
// starts; it does nothing when run by itself. It runs until killed or until
// its stdin closes (the parent test is gone).
func TestDistributedWorkerChild(t *testing.T) {
	props := os.Getenv(workerPropsEnv)
	if props == "" {
		t.Skip("run by TestDistributedProcesses")
	}
	readyFile := os.Getenv(workerReadyEnv)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	code := cli.Main(ctx, []string{"distributed", props},
		cli.Output(strings.NewReader(""), nil, nil),
		cli.Plugins(countPlugin()),
		cli.OnReady(func(r cli.Ready) {
			b, err := json.Marshal(r)
			if err == nil {
				// Written whole, then renamed: the parent never reads half.
				err = os.WriteFile(readyFile+".tmp", b, 0o644)
			}
			if err == nil {
				err = os.Rename(readyFile+".tmp", readyFile)
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "writing %s: %v\n", readyFile, err)
			}
		}))
	if ctx.Err() == nil {
		t.Fatalf("the worker exited with %d", code)
	}
}

// workerProcess is a worker running in a child process.
type workerProcess struct {
	child *testchild.Child
	ready cli.Ready
}

func (w *workerProcess) url(path string) string { return w.ready.Listeners[0] + path }

// TestDistributedProcesses runs three worker processes in one group on a
// real broker: a connector's tasks spread over all three, each reports
// every task RUNNING, and a config written through one is served by all;
// then one is killed while counting, and all are restarted in turn. It
// runs under the program's default protocol, sessioned (with a short
// scheduled.rebalance.max.delay.ms, which holds a killed worker's tasks
// back), and under eager.
func TestDistributedProcesses(t *testing.T) {
	if !testkafka.Real() {
		testenv.Record(t, testenv.Skip)
		t.Skipf("integration test: set %s to run worker processes against a real broker", testkafka.BrokersEnv)
	}
	for _, p := range []struct {
		name        string
		delay       time.Duration
		extra       []string
		cooperative bool
	}{
		{"sessioned", 2 * time.Second, []string{"scheduled.rebalance.max.delay.ms=2000"}, true},
		{"eager", 0, []string{"connect.protocol=eager"}, false},
	} {
		t.Run(p.name, func(t *testing.T) { runProcesses(t, p.delay, p.cooperative, p.extra...) })
	}
}

// runProcesses is TestDistributedProcesses under one protocol: extra are
// its worker properties, delay its scheduled.rebalance.max.delay.ms.
func runProcesses(t *testing.T, delay time.Duration, cooperative bool, extra ...string) {
	began := time.Now()
	brokers := testkafka.Brokers(t)
	dir := t.TempDir()
	topic := testkafka.Topic(t, "counts")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	group, configs, status, offsets := testkafka.Group(t, "connect"), testkafka.Topic(t, "configs"),
		testkafka.Topic(t, "status"), testkafka.Topic(t, "offsets")
	for _, topic := range []string{configs, status, offsets} {
		testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	}

	startWorker := workerStarter(t, brokers, dir, group, configs, status, offsets, extra...)
	workers := make([]*workerProcess, 3)
	for i := range workers {
		workers[i] = startWorker(i, 0)
	}
	t.Logf("three workers ready after %v", time.Since(began).Round(time.Millisecond))

	config := func(limit int) string {
		return `{"connector.class":"` + countClass + `","topic":"` + topic + `","tasks.max":"6","limit":"` +
			strconv.Itoa(limit) + `","name":"spread"}`
	}
	// Any worker takes the write (a follower forwards it to the leader);
	// until the group has a leader it answers 409.
	require.Eventually(t, func() bool {
		code, body := doJSON(t, http.MethodPost, workers[1].url("connectors"), `{"name":"spread","config":`+config(0)+`}`)
		require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, code, body)
		return code == http.StatusCreated
	}, 60*time.Second, 200*time.Millisecond)

	// Every worker reports all six tasks RUNNING, two on each worker.
	for i, w := range workers {
		var st connectorStatus
		require.Eventually(t, func() bool {
			st = connectorStatus{}
			code, body := doJSON(t, http.MethodGet, w.url("connectors/spread/status"), "")
			if code != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil || st.Connector.State != "RUNNING" || len(st.Tasks) != 6 {
				return false
			}
			perWorker := map[string]int{}
			for _, task := range st.Tasks {
				if task.State != "RUNNING" {
					return false
				}
				perWorker[task.WorkerID]++
			}
			for _, other := range workers {
				if perWorker[other.ready.WorkerID] != 2 {
					return false
				}
			}
			return true
		}, 60*time.Second, 200*time.Millisecond, "status through worker %d: %+v", i, st)
	}
	t.Logf("tasks spread 2/2/2 and RUNNING on every worker after %v", time.Since(began).Round(time.Millisecond))

	// A config written through one worker is served by all three.
	require.Eventually(t, func() bool {
		code, body := doJSON(t, http.MethodPut, workers[2].url("connectors/spread/config"), config(1))
		require.Contains(t, []int{http.StatusOK, http.StatusConflict}, code, body)
		return code == http.StatusOK
	}, 30*time.Second, 200*time.Millisecond)
	for i, w := range workers {
		var got map[string]string
		require.Eventually(t, func() bool {
			code, body := doJSON(t, http.MethodGet, w.url("connectors/spread/config"), "")
			return code == http.StatusOK && json.Unmarshal([]byte(body), &got) == nil && got["limit"] == "1"
		}, 30*time.Second, 200*time.Millisecond, "config through worker %d: %v", i, got)
		require.Equal(t, countClass, got["connector.class"])
		require.Equal(t, "6", got["tasks.max"])
	}

	killWorkerWhileCounting(t, brokers, workers, status, delay)
	rollingRestart(t, brokers, workers, startWorker, status, cooperative)
	t.Logf("took %v", time.Since(began).Round(time.Millisecond))
}

// workerStarter returns a function that starts worker i's process of a
// group (again, for a later round), with extra properties, and waits
// until it is ready.
func workerStarter(t *testing.T, brokers []string, dir, group, configs, status, offsets string, extra ...string) func(i, round int) *workerProcess {
	return func(i, round int) *workerProcess {
		props := writeFile(t, filepath.Join(dir, fmt.Sprintf("worker%d.properties", i)), strings.Join(append([]string{
			"bootstrap.servers=" + strings.Join(brokers, ","),
			"group.id=" + group,
			"config.storage.topic=" + configs, "config.storage.replication.factor=1",
			"offset.storage.topic=" + offsets, "offset.storage.replication.factor=1", "offset.storage.partitions=3",
			"status.storage.topic=" + status, "status.storage.replication.factor=1", "status.storage.partitions=3",
			// The broker's smallest session timeout by default: a killed
			// worker's tasks move after 6s plus the rebalance.
			"heartbeat.interval.ms=300", "session.timeout.ms=6000", "rebalance.timeout.ms=10000",
			"offset.flush.interval.ms=200",
			"listeners=http://127.0.0.1:0", "rest.advertised.host.name=127.0.0.1",
			"key.converter=org.apache.kafka.connect.storage.StringConverter",
			"value.converter=org.apache.kafka.connect.storage.StringConverter",
		}, extra...), "\n")+"\n")
		readyFile := filepath.Join(dir, fmt.Sprintf("worker%d-%d.ready", i, round))
		w := &workerProcess{child: testchild.Start(t, "TestDistributedWorkerChild",
			[]string{workerPropsEnv + "=" + props, workerReadyEnv + "=" + readyFile}, 10*round+i)}
		require.Eventually(t, func() bool {
			b, err := os.ReadFile(readyFile)
			return err == nil && json.Unmarshal(b, &w.ready) == nil
		}, 60*time.Second, 50*time.Millisecond, "worker %d was not ready:\n%s", i, w.child.Output())
		return w
	}
}

// killWorkerWhileCounting kills -9 a worker running a task of a counting
// source, and checks that its tasks run on the others within the session
// timeout plus delay (the group's scheduled.rebalance.max.delay.ms, 0
// under eager) plus a rebalance, that every number arrives, that numbers
// arrive twice only as a replay from the last committed offset, and that
// the status topic never shows a task RUNNING on two workers at once.
func killWorkerWhileCounting(t *testing.T, brokers []string, workers []*workerProcess, statusTopic string, delay time.Duration) {
	const tasks, limit = 3, 300
	topic := testkafka.Topic(t, "killed")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)

	var mu sync.Mutex
	seen := map[int][]int{} // task → numbers in the order they arrived
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

	config := `{"connector.class":"` + countClass + `","topic":"` + topic + `","tasks.max":"` + strconv.Itoa(tasks) +
		`","limit":"` + strconv.Itoa(limit) + `","batch":"5","interval.ms":"20","name":"count"}`
	// The previous write's rebalance may still be under way: 409 until
	// it is done.
	require.Eventually(t, func() bool {
		code, body := doJSON(t, http.MethodPut, workers[0].url("connectors/count/config"), config)
		require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, code, body)
		return code == http.StatusCreated
	}, 30*time.Second, 200*time.Millisecond)

	// The victim is the worker running task 0; it is killed once task 0
	// has written some numbers and has more to write.
	var st connectorStatus
	require.Eventually(t, func() bool {
		st = connectorStatus{}
		code, body := doJSON(t, http.MethodGet, workers[0].url("connectors/count/status"), "")
		return code == http.StatusOK && json.Unmarshal([]byte(body), &st) == nil && len(st.Tasks) == tasks &&
			st.Tasks[0].State == "RUNNING"
	}, 30*time.Second, 100*time.Millisecond, "status: %+v", st)
	victim := slices.IndexFunc(workers, func(w *workerProcess) bool { return w.ready.WorkerID == st.Tasks[0].WorkerID })
	require.GreaterOrEqual(t, victim, 0, "task 0 on an unknown worker: %+v", st)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		// A third of the way: past the first offset flushes (every
		// 200ms, at 5 numbers per 20ms), with more to write.
		return len(seen[0]) >= limit/3
	}, 30*time.Second, 10*time.Millisecond)
	var victimTasks []int
	for _, task := range st.Tasks {
		if task.WorkerID == workers[victim].ready.WorkerID {
			victimTasks = append(victimTasks, task.ID)
		}
	}
	workers[victim].child.Kill(t)
	killed := time.Now()
	mu.Lock()
	atKill := len(seen[0])
	mu.Unlock()
	t.Logf("killed worker %d (tasks %v) with %d numbers of task 0 written", victim, victimTasks, atKill)
	survivor := workers[(victim+1)%len(workers)]

	// Its tasks run elsewhere within session.timeout.ms, plus
	// scheduled.rebalance.max.delay.ms under the cooperative protocols,
	// plus a rebalance (rebalance.timeout.ms bounds the rebalance).
	require.Eventually(t, func() bool {
		st = connectorStatus{}
		code, body := doJSON(t, http.MethodGet, survivor.url("connectors/count/status"), "")
		if code != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil || len(st.Tasks) != tasks {
			return false
		}
		for _, task := range st.Tasks {
			if task.State != "RUNNING" || task.WorkerID == workers[victim].ready.WorkerID {
				return false
			}
		}
		return true
	}, 6*time.Second+delay+10*time.Second, 100*time.Millisecond, "status after the kill: %+v", st)
	t.Logf("tasks running on the other workers %v after the kill", time.Since(killed).Round(time.Millisecond))

	// Every number of every task arrives.
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for i := range tasks {
			if len(distinct(seen[i])) < limit {
				return false
			}
		}
		return true
	}, 60*time.Second, 100*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	require.Empty(t, seen[-1], "records that are not task:number")
	for i := range tasks {
		got := seen[i]
		require.Equal(t, limit, len(distinct(got)), "task %d", i)
		for n := range distinct(got) {
			require.True(t, n >= 0 && n < limit, "task %d wrote %d", i, n)
		}
		// A task restarted elsewhere resumes after its last committed
		// offset: what it repeats is one run of numbers it wrote before,
		// no more than the flush interval's worth (200ms at 5 numbers
		// per 20ms is 50; slack for a slow machine).
		dups := len(got) - limit
		if dups > 0 {
			require.True(t, slices.Contains(victimTasks, i), "task %d did not move but repeated %d numbers: %v", i, dups, got)
			require.LessOrEqual(t, dups, 150, "task %d repeated %d numbers", i, dups)
			first := slices.IndexFunc(got, func(n int) bool { return n == 0 })
			for k := first + 1; k < len(got); k++ {
				if got[k] != got[k-1]+1 {
					// The one replay: back to a number already written,
					// then counting on without a gap.
					require.Less(t, got[k], got[k-1], "task %d skipped from %d to %d", i, got[k-1], got[k])
					require.Positive(t, got[k], "task %d started over instead of resuming after its committed offset", i)
					for m := k + 1; m < len(got); m++ {
						require.Equal(t, got[m-1]+1, got[m], "task %d: a second replay or a gap at %d: %v", i, m, got)
					}
					break
				}
			}
		}
		t.Logf("task %d: %d numbers, %d repeated", i, limit, max(dups, 0))
	}

	// The status topic: no task RUNNING on two workers at once, nothing
	// written by the killed worker after its death, and its tasks RUNNING
	// elsewhere only after it.
	records := readStatusTopic(t, brokers, statusTopic)
	require.Empty(t, runningTwice(records))
	dead := workers[victim].ready.WorkerID
	for key, recs := range records {
		for _, r := range recs {
			require.False(t, r.WorkerID == dead && r.Time.After(killed), "%s: written by the killed worker: %v", key, r)
		}
	}
	for _, task := range victimTasks {
		recs := records[fmt.Sprintf("status-task-count-%d", task)]
		require.NotEmpty(t, recs)
		last := recs[len(recs)-1]
		require.True(t, last.State == "RUNNING" && last.WorkerID != dead && !last.Time.Before(killed),
			"task %d's last status: %v (killed at %s)", task, last, killed.Format("15:04:05.000"))
	}
}

// distinct returns the set of ns.
func distinct(ns []int) map[int]bool {
	set := make(map[int]bool, len(ns))
	for _, n := range ns {
		set[n] = true
	}
	return set
}

type connectorStatus struct {
	Connector struct {
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
	} `json:"connector"`
	Tasks []struct {
		ID       int    `json:"id"`
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
	} `json:"tasks"`
}

// doJSON sends body (if any) as JSON and returns the status code and the
// answer.
func doJSON(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}
