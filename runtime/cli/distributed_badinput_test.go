package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/cli"
)

// distributedProps writes a distributed worker's properties on the given
// topics.
func distributedProps(t *testing.T, dir, name string, brokers []string, group, configs string) string {
	t.Helper()
	return writeFile(t, filepath.Join(dir, name), strings.Join([]string{
		"bootstrap.servers=" + strings.Join(brokers, ","),
		"group.id=" + group,
		"config.storage.topic=" + configs, "config.storage.replication.factor=1",
		"offset.storage.topic=" + group + "-offsets", "offset.storage.replication.factor=1", "offset.storage.partitions=1",
		"status.storage.topic=" + group + "-status", "status.storage.replication.factor=1", "status.storage.partitions=1",
		"heartbeat.interval.ms=300", "session.timeout.ms=6000", "rebalance.timeout.ms=10000",
		"listeners=http://127.0.0.1:0", "rest.advertised.host.name=127.0.0.1",
		"key.converter=org.apache.kafka.connect.storage.StringConverter",
		"value.converter=org.apache.kafka.connect.storage.StringConverter",
	}, "\n")+"\n")
}

// A distributed worker refuses, at start and with an error naming the
// topic and the key that names it, a config topic Kafka Connect refuses:
// more than one partition (the records' order would be lost), or a
// cleanup.policy that is not compact (connectors would disappear).
func TestDistributedRefusesConfigTopics(t *testing.T) {
	brokers := testkafka.Brokers(t)
	dir := t.TempDir()
	compact, del := "compact", "delete"
	for _, c := range []struct {
		name       string
		partitions int32
		policy     *string
		want       []string
	}{
		{"partitions", 2, &compact, []string{`"config.storage.topic" property is required to have a single partition`, "found 2 partitions"}},
		{"policy", 1, &del, []string{"config.storage.topic", "cleanup.policy"}},
	} {
		configs := testkafka.Topic(t, "configs-"+c.name)
		testkafka.CreateTopic(t, brokers, configs, c.partitions, map[string]*string{"cleanup.policy": c.policy})
		group := testkafka.Group(t, c.name)
		// The worker makes these before it reads the config topic.
		for _, topic := range []string{group + "-offsets", group + "-status"} {
			testkafka.DeleteTopicAtCleanup(t, brokers, topic)
		}
		props := distributedProps(t, dir, c.name+".properties", brokers, group, configs)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		var logs strings.Builder
		err := cli.Run(ctx, []string{"distributed", props}, cli.Output(strings.NewReader(""), &strings.Builder{}, &logs),
			cli.OnReady(func(cli.Ready) { t.Errorf("%s: the worker started on %s", c.name, configs) }))
		require.NoError(t, ctx.Err(), "%s: the worker did not give up by itself", c.name)
		cancel()
		require.Error(t, err, c.name)
		require.ErrorContains(t, err, configs, c.name)
		for _, want := range c.want {
			require.ErrorContains(t, err, want, c.name)
		}
	}
}

// Records in the config topic that are not Kafka Connect's (not JSON, an
// unknown key, a connector whose value has no properties) are logged with
// their offset and skipped by a running worker, which goes on serving and
// running connectors, and by a worker that starts on the topic later.
func TestDistributedSkipsCorruptConfigRecords(t *testing.T) {
	brokers := testkafka.Brokers(t)
	dir := t.TempDir()
	group, configs := testkafka.Group(t, "corrupt"), testkafka.Topic(t, "configs")
	for _, topic := range []string{configs, group + "-offsets", group + "-status"} {
		testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	}
	topic := testkafka.Topic(t, "lines")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	in := writeFile(t, filepath.Join(dir, "in.txt"), "a\nb\n")
	first := start(t, []string{"distributed", distributedProps(t, dir, "w0.properties", brokers, group, configs)})

	create := func(w *running, name string) {
		t.Helper()
		body := `{"name":"` + name + `","config":{"connector.class":"FileStreamSource","file":"` + in + `","topic":"` + topic + `","tasks.max":"1"}}`
		require.Eventually(t, func() bool {
			code, resp := doJSON(t, http.MethodPost, w.ready.Listeners[0]+"connectors", body)
			require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, code, resp)
			return code == http.StatusCreated
		}, 30*time.Second, 200*time.Millisecond)
	}
	isRunning := func(w *running, name string) func() bool {
		return func() bool {
			var st connectorStatus
			code, body := doJSON(t, http.MethodGet, w.ready.Listeners[0]+"connectors/"+name+"/status", "")
			return code == http.StatusOK && jsonInto(body, &st) && st.Connector.State == "RUNNING" &&
				len(st.Tasks) == 1 && st.Tasks[0].State == "RUNNING"
		}
	}
	create(first, "before")
	require.Eventually(t, isRunning(first, "before"), 30*time.Second, 100*time.Millisecond, "log:\n%s", first.logs)

	cl := testkafka.Client(t, brokers)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var offsets []int64
	for _, kv := range [][2]string{
		{"connector-broken", `{"properties":{"connector.class":`},
		{"connector-binary", "\xff\xfe"},
		{"unknown-type-x", `{"properties":{}}`},
		{"connector-noprops", `{"config":{"a":"b"}}`},
	} {
		res := cl.ProduceSync(ctx, &kgo.Record{Topic: configs, Key: []byte(kv[0]), Value: []byte(kv[1])})
		require.NoError(t, res.FirstErr())
		offsets = append(offsets, res[0].Record.Offset)
	}
	logged := func(w *running) func() bool {
		return func() bool {
			for i, key := range []string{"connector-broken", "connector-binary", "unknown-type-x", "connector-noprops"} {
				if !strings.Contains(w.logs.String(), fmt.Sprintf("offset=%d key=%s", offsets[i], key)) {
					return false
				}
			}
			return true
		}
	}
	require.Eventually(t, logged(first), 30*time.Second, 100*time.Millisecond, "log:\n%s", first.logs)

	// The worker goes on: it serves, and runs what is created next.
	create(first, "after")
	require.Eventually(t, isRunning(first, "after"), 30*time.Second, 100*time.Millisecond, "log:\n%s", first.logs)
	require.True(t, isRunning(first, "before")())
	code, body := doJSON(t, http.MethodGet, first.ready.Listeners[0]+"connectors", "")
	require.Equal(t, http.StatusOK, code)
	require.JSONEq(t, `["after","before"]`, body)

	// A worker that starts on the topic reads past them too, and joins.
	second := start(t, []string{"distributed", distributedProps(t, dir, "w1.properties", brokers, group, configs)})
	require.Eventually(t, logged(second), 30*time.Second, 100*time.Millisecond, "log:\n%s", second.logs)
	require.Eventually(t, func() bool { return isRunning(second, "before")() && isRunning(second, "after")() },
		30*time.Second, 100*time.Millisecond, "log:\n%s", second.logs)
}

func jsonInto(body string, v any) bool { return json.Unmarshal([]byte(body), v) == nil }
