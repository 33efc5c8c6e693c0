package cli_test

import (
	"context"
	"encoding/json"
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

	"github.com/kconnect-go/kconnect/internal/testchild"
	"github.com/kconnect-go/kconnect/internal/testenv"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

// TestDistributedProcessesExactlyOnce runs two worker processes with
// exactly.once.source.support=enabled on a real broker, kills -9 the one
// running task 0 of a counting source in the middle, and reads the topic
// with read_committed: every number of every task exactly once.
func TestDistributedProcessesExactlyOnce(t *testing.T) {
	if !testkafka.Real() {
		testenv.Record(t, testenv.Skip)
		t.Skipf("integration test: set %s to run worker processes against a real broker", testkafka.BrokersEnv)
	}
	brokers := testkafka.Brokers(t)
	dir := t.TempDir()
	group, configs, status, offsets := testkafka.Group(t, "connect"), testkafka.Topic(t, "configs"),
		testkafka.Topic(t, "status"), testkafka.Topic(t, "offsets")
	for _, topic := range []string{configs, status, offsets} {
		testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	}
	start := func(i int) *workerProcess {
		props := writeFile(t, filepath.Join(dir, fmt.Sprintf("worker%d.properties", i)), strings.Join([]string{
			"bootstrap.servers=" + strings.Join(brokers, ","),
			"group.id=" + group, "exactly.once.source.support=enabled", "connect.protocol=sessioned",
			"config.storage.topic=" + configs, "config.storage.replication.factor=1",
			"offset.storage.topic=" + offsets, "offset.storage.replication.factor=1", "offset.storage.partitions=3",
			"status.storage.topic=" + status, "status.storage.replication.factor=1", "status.storage.partitions=3",
			"heartbeat.interval.ms=300", "session.timeout.ms=6000", "rebalance.timeout.ms=10000",
			"scheduled.rebalance.max.delay.ms=0",
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
		return w
	}
	workers := []*workerProcess{start(0), start(1)}

	const tasks, limit = 2, 400
	topic := testkafka.Topic(t, "eos")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	var mu sync.Mutex
	seen := map[string]int{}
	consumer := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	ctx, cancel := context.WithCancel(context.Background())
	consumed := make(chan struct{})
	t.Cleanup(func() { cancel(); <-consumed })
	go func() {
		defer close(consumed)
		for ctx.Err() == nil {
			consumer.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
				mu.Lock()
				seen[string(r.Value)]++
				mu.Unlock()
			})
		}
	}()
	count := func(task int) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for v := range seen {
			if strings.HasPrefix(v, strconv.Itoa(task)+":") {
				n++
			}
		}
		return n
	}

	config := `{"connector.class":"` + countClass + `","topic":"` + topic + `","tasks.max":"` + strconv.Itoa(tasks) +
		`","limit":"` + strconv.Itoa(limit) + `","batch":"5","interval.ms":"20","name":"eos"}`
	require.Eventually(t, func() bool {
		code, body := doJSON(t, http.MethodPut, workers[1].url("connectors/eos/config"), config)
		require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, code, body)
		return code == http.StatusCreated
	}, 60*time.Second, 200*time.Millisecond)

	var st connectorStatus
	require.Eventually(t, func() bool {
		st = connectorStatus{}
		code, body := doJSON(t, http.MethodGet, workers[0].url("connectors/eos/status"), "")
		return code == http.StatusOK && json.Unmarshal([]byte(body), &st) == nil && len(st.Tasks) == tasks &&
			st.Tasks[0].State == "RUNNING"
	}, 60*time.Second, 100*time.Millisecond, "status: %+v", st)
	victim := slices.IndexFunc(workers, func(w *workerProcess) bool { return w.ready.WorkerID == st.Tasks[0].WorkerID })
	require.GreaterOrEqual(t, victim, 0, "task 0 on an unknown worker: %+v", st)
	require.Eventually(t, func() bool { return count(0) >= limit/3 }, 30*time.Second, 10*time.Millisecond)
	workers[victim].child.Kill(t)
	t.Logf("killed worker %d with %d numbers of task 0 read", victim, count(0))

	require.Eventually(t, func() bool { return count(0) == limit && count(1) == limit }, 90*time.Second, 100*time.Millisecond,
		"every number of both tasks read")
	mu.Lock()
	defer mu.Unlock()
	for v, n := range seen {
		require.Equal(t, 1, n, "%s read %d times", v, n)
	}
	require.Len(t, seen, tasks*limit)
}
