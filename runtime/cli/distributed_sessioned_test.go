package cli_test

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/testkafka"
)

// Two workers with connect.protocol=sessioned: a connector on each, so
// the follower's task configurations reach the leader over HTTP, signed;
// the internal endpoint refuses a request unsigned (400) or signed with
// another key (403).
func TestDistributedSessionedWorkersSignTheirRequests(t *testing.T) {
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
			"group.id=" + group, "connect.protocol=sessioned", "scheduled.rebalance.max.delay.ms=60000",
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
	post := func(w *running, path, body string, header http.Header) (int, string) {
		req, err := http.NewRequest(http.MethodPost, w.ready.Listeners[0]+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for i, name := range []string{"lines", "more"} {
		config := `{"connector.class":"FileStreamSource","file":"` + in + `","topic":"` + topic + `","tasks.max":"1","name":"` + name + `"}`
		require.Eventually(t, func() bool {
			code, body := post(workers[i], "connectors", `{"name":"`+name+`","config":`+config+`}`, nil)
			require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, code, body)
			return code == http.StatusCreated
		}, 30*time.Second, 200*time.Millisecond)
	}
	type state struct {
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
	}
	var st struct {
		Connector state   `json:"connector"`
		Tasks     []state `json:"tasks"`
	}
	require.Eventually(t, func() bool {
		owners := map[string]bool{}
		for _, name := range []string{"lines", "more"} {
			resp, err := http.Get(workers[0].ready.Listeners[0] + "connectors/" + name + "/status")
			if err != nil {
				return false
			}
			err = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if err != nil || st.Connector.State != "RUNNING" || len(st.Tasks) != 1 || st.Tasks[0].State != "RUNNING" {
				return false
			}
			owners[st.Connector.WorkerID] = true
		}
		return len(owners) == 2
	}, 60*time.Second, 200*time.Millisecond, "a RUNNING connector with its RUNNING task on each worker\nlogs:\n%s\n%s", workers[0].logs, workers[1].logs)

	body := `[{"topic":"x","file":"/etc/passwd","task.class":"org.apache.kafka.connect.file.FileStreamSourceTask"}]`
	for _, w := range workers {
		code, msg := post(w, "connectors/lines/tasks?forward=false", body, nil)
		require.Equal(t, http.StatusBadRequest, code, msg)
		require.Contains(t, msg, "Internal request missing required signature")
		code, msg = post(w, "connectors/lines/tasks?forward=false", body, http.Header{
			"X-Connect-Authorization":               {"bm90IGEgc2lnbmF0dXJl"},
			"X-Connect-Request-Signature-Algorithm": {"HmacSHA256"},
		})
		require.Equal(t, http.StatusForbidden, code, msg)
		require.Contains(t, msg, "Internal request contained invalid signature.")
	}
}
