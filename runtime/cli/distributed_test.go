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

	create := `{"name":"lines","config":{"connector.class":"FileStreamSource","file":"` + in + `","topic":"` + topic + `","tasks.max":"1"}}`
	// Only the leader writes; during the first rebalances nobody does.
	created := -1
	require.Eventually(t, func() bool {
		for i, w := range workers {
			resp, err := http.Post(w.ready.Listeners[0]+"connectors", "application/json", strings.NewReader(create))
			if err != nil {
				continue
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusCreated {
				created = i
				return true
			}
		}
		return false
	}, 30*time.Second, 200*time.Millisecond)

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
}
