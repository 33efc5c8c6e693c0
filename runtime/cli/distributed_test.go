package cli_test

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/testkafka"
)

// Two workers started from properties files share one group: a connector
// created through the one that accepts the write runs, and the other
// reports its status from the status topic.
func TestDistributedWorkersShareConnectors(t *testing.T) {
	brokers := testkafka.Brokers(t)
	dir := t.TempDir()
	topic := testkafka.Topic(t, "lines")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	in := writeFile(t, filepath.Join(dir, "in.txt"), "a\nb\n")
	group, configs, status, offsets := testkafka.Group(t, "connect"), testkafka.Topic(t, "configs"),
		testkafka.Topic(t, "status"), testkafka.Topic(t, "offsets")
	for _, topic := range []string{configs, status, offsets} {
		testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	}
	var workers []*running
	for i := range 2 {
		file := writeFile(t, filepath.Join(dir, "worker"+string(rune('0'+i))+".properties"), strings.Join([]string{
			"bootstrap.servers=" + strings.Join(brokers, ","),
			"group.id=" + group,
			"config.storage.topic=" + configs, "config.storage.replication.factor=1",
			"offset.storage.topic=" + offsets, "offset.storage.replication.factor=1", "offset.storage.partitions=3",
			"status.storage.topic=" + status, "status.storage.replication.factor=1", "status.storage.partitions=3",
			"heartbeat.interval.ms=300", "session.timeout.ms=6000", "rebalance.timeout.ms=10000",
			"offset.flush.interval.ms=200",
			"listeners=http://127.0.0.1:0", "rest.advertised.host.name=127.0.0.1",
			"key.converter=org.apache.kafka.connect.storage.StringConverter",
			"value.converter=org.apache.kafka.connect.storage.StringConverter",
		}, "\n")+"\n")
		workers = append(workers, start(t, []string{"distributed", file}))
	}
	require.NotEqual(t, workers[0].ready.WorkerID, workers[1].ready.WorkerID)

	// Each worker is asked to create a connector: the follower forwards
	// its request to the leader, as only the leader writes. Until the
	// group has a leader both answer 409.
	post := func(w *running, path, body string) (int, string) {
		resp, err := http.Post(w.ready.Listeners[0]+path, "application/json", strings.NewReader(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	config := func(name string) string {
		return `{"connector.class":"FileStreamSource","file":"` + in + `","topic":"` + topic + `","tasks.max":"1","name":"` + name + `"}`
	}
	for i, name := range []string{"lines", "more"} {
		require.Eventually(t, func() bool {
			code, body := post(workers[i], "connectors", `{"name":"`+name+`","config":`+config(name)+`}`)
			require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, code, body)
			return code == http.StatusCreated
		}, 30*time.Second, 200*time.Millisecond)
	}
	// forward=false is a request already forwarded once: a follower
	// answers it 409 instead of forwarding it again.
	require.Eventually(t, func() bool {
		var codes []int
		for _, w := range workers {
			req, err := http.NewRequest(http.MethodPut, w.ready.Listeners[0]+"connectors/more/config?forward=false", strings.NewReader(config("more")))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusConflict {
				require.Contains(t, string(b), "Cannot complete request because of a conflicting operation (e.g. worker rebalance)")
			}
			codes = append(codes, resp.StatusCode)
		}
		slices.Sort(codes)
		return slices.Equal(codes, []int{http.StatusOK, http.StatusConflict})
	}, 30*time.Second, 200*time.Millisecond)

	created := 0
	other := workers[1-created]
	var st struct {
		Connector struct {
			State    string `json:"state"`
			WorkerID string `json:"worker_id"`
		} `json:"connector"`
		Tasks []struct{ State string } `json:"tasks"`
	}
	require.Eventually(t, func() bool {
		resp, err := http.Get(other.ready.Listeners[0] + "connectors/lines/status")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&st) != nil {
			return false
		}
		return st.Connector.State == "RUNNING" && len(st.Tasks) == 1 && st.Tasks[0].State == "RUNNING"
	}, 60*time.Second, 200*time.Millisecond, "status through %s: %+v\nlogs:\n%s\n%s", other.ready.URL, st, workers[0].logs, workers[1].logs)
	require.Contains(t, []string{workers[0].ready.WorkerID, workers[1].ready.WorkerID}, st.Connector.WorkerID)

	// Restarts asked of either worker are served: a connector's by the
	// leader, a task's by the worker that runs it, the request forwarded
	// there as Kafka Connect forwards it.
	// A rebalance under way answers 409, for the client to try again.
	served := func(w *running, path string, want int) string {
		var body string
		require.Eventually(t, func() bool {
			var code int
			code, body = post(w, path, "")
			require.Contains(t, []int{want, http.StatusConflict}, code, body)
			return code == want
		}, 30*time.Second, 200*time.Millisecond)
		return body
	}
	for _, w := range workers {
		require.Contains(t, served(w, "connectors/lines/restart?includeTasks=true", http.StatusAccepted), `"RESTARTING"`)
		served(w, "connectors/lines/tasks/0/restart", http.StatusNoContent)
	}
}
