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
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
// every task RUNNING, and a config written through one is served by all.
func TestDistributedProcesses(t *testing.T) {
	if !testkafka.Real() {
		testenv.Record(t, testenv.Skip)
		t.Skipf("integration test: set %s to run worker processes against a real broker", testkafka.BrokersEnv)
	}
	began := time.Now()
	brokers := testkafka.Brokers(t)
	dir := t.TempDir()
	topic := testkafka.Topic(t, "counts")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	group, configs, status, offsets := testkafka.Group(t, "connect"), testkafka.Topic(t, "configs"),
		testkafka.Topic(t, "status"), testkafka.Topic(t, "offsets")

	workers := make([]*workerProcess, 3)
	for i := range workers {
		props := writeFile(t, filepath.Join(dir, fmt.Sprintf("worker%d.properties", i)), strings.Join([]string{
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
		}, "\n")+"\n")
		readyFile := filepath.Join(dir, fmt.Sprintf("worker%d.ready", i))
		w := &workerProcess{child: testchild.Start(t, "TestDistributedWorkerChild",
			[]string{workerPropsEnv + "=" + props, workerReadyEnv + "=" + readyFile}, i)}
		require.Eventually(t, func() bool {
			b, err := os.ReadFile(readyFile)
			return err == nil && json.Unmarshal(b, &w.ready) == nil
		}, 60*time.Second, 50*time.Millisecond, "worker %d was not ready:\n%s", i, w.child.Output())
		workers[i] = w
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
	t.Logf("took %v", time.Since(began).Round(time.Millisecond))
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
