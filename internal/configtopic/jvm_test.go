package configtopic

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/jvmworker"
	"github.com/kconnect-go/kconnect/internal/statustopic"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

// TestJVMWorkerFollowsStore has a live JVM Kafka Connect 4.4 worker run
// what this store writes to its config topic, and reads back what the
// JVM worker writes: the connector it creates, pauses and deletes here
// runs there; the task configurations it generates, and the statuses it
// reports (through statustopic), are read here.
func TestJVMWorkerFollowsStore(t *testing.T) {
	cp := jvmworker.Classpath(t)
	brokers := testkafka.Brokers(t)
	group := testkafka.Group(t, "jvm")
	ctx := bounded(t)
	configs, statuses := group+"-configs", group+"-status"
	// Made by the stores here and the JVM worker, deleted after both
	// have stopped (their cleanups run first).
	for _, topic := range []string{configs, statuses, group + "-offsets", group + "-lines"} {
		testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	}
	cs := open(t, testkafka.Client(t, brokers), Options{Topic: configs, ReplicationFactor: 1, TailInterval: 50 * time.Millisecond})
	ss, err := statustopic.Open(ctx, testkafka.Client(t, brokers), statustopic.Options{Topic: statuses, ReplicationFactor: 1, TailInterval: 50 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ss.Close() })

	jvm := jvmworker.Start(t, cp, brokers, map[string]string{"group.id": group,
		"offset.storage.topic": group + "-offsets", "config.storage.topic": configs, "status.storage.topic": statuses})
	jvm.WaitReady(t, 120*time.Second)
	workerID := strings.TrimPrefix(jvm.URL, "http://")

	file := filepath.Join(t.TempDir(), "in.txt")
	require.NoError(t, os.WriteFile(file, []byte("a\n"), 0o644))
	require.NoError(t, cs.PutConnectorConfig(ctx, "src", map[string]string{
		"name": "src", "connector.class": "FileStreamSource", "file": file, "topic": group + "-lines", "tasks.max": "1",
		"topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "1",
	}, ""))

	// The JVM leader starts the connector and writes its task
	// configurations, which this store reads.
	jvmworker.Poll(t, 60*time.Second, func() bool { return len(cs.Snapshot().Tasks("src")) == 1 }, "the JVM worker's task configurations")
	snap := cs.Snapshot()
	require.Equal(t, "org.apache.kafka.connect.file.FileStreamSourceTask", snap.TaskConfigs[TaskID{"src", 0}]["task.class"])
	require.Equal(t, file, snap.TaskConfigs[TaskID{"src", 0}]["file"])
	running := func(want statustopic.State) func() bool {
		return func() bool {
			c, ok := ss.Connector("src")
			tk, tok := ss.Task(statustopic.TaskID{Connector: "src", Task: 0})
			return ok && tok && c.State == want && tk.State == want && c.WorkerID == workerID
		}
	}
	jvmworker.Poll(t, 60*time.Second, running(statustopic.Running), "the JVM worker reports src RUNNING")
	c, _ := ss.Connector("src")
	require.Equal(t, "4.4.0", c.Version)
	require.Positive(t, c.Generation)

	// Paused here, paused there.
	require.NoError(t, cs.PutTargetState(ctx, "src", Paused))
	jvmworker.Poll(t, 60*time.Second, running(statustopic.Paused), "the JVM worker reports src PAUSED")
	code, body := jvm.Do(t, http.MethodGet, "/connectors/src/status", "")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, `"state":"PAUSED"`)

	// Deleted here, gone there.
	require.NoError(t, cs.RemoveConnectorConfig(ctx, "src"))
	jvmworker.Poll(t, 60*time.Second, func() bool {
		_, body := jvm.Do(t, http.MethodGet, "/connectors", "")
		return body == "[]"
	}, "the JVM worker forgets src")
	jvmworker.Poll(t, 60*time.Second, func() bool { _, ok := ss.Connector("src"); return !ok }, "src's status tombstone")
}
