package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/jvmworker"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/cli/all"
)

// What the takeover tests of connectors built from source share: a JVM
// cluster with the connector's jars on its plugin.path, kconnect workers
// with every plugin of kconnect on the same group and topics, and a
// reader of the connector's topic.

// jvmPluginTakeover is one takeover test's cluster: its group and topics,
// and the JVM workers' settings.
type jvmPluginTakeover struct {
	cp       string // JVM Kafka Connect's classpath
	brokers  []string
	dir      string
	group    string
	topics   map[string]string // group.id and the three internal topics
	jvmProps map[string]string
}

// newJVMPluginTakeover skips the test unless env names a directory of the
// connector's jars (build says how to build them), KCONNECT_CONNECT_CLASSPATH
// JVM Kafka Connect's and KCONNECT_KAFKA_BROKERS a real broker.
//
// The JVM's source producers send one record per request (worker-level
// producer settings, which kconnect's workers do not share), so that a
// test can stop it partway through its input.
func newJVMPluginTakeover(t *testing.T, env, build string) *jvmPluginTakeover {
	t.Helper()
	jars := os.Getenv(env)
	if jars == "" {
		// Not an integration test CI skips: the jars are on no public
		// Maven repository, so it is run by hand, as the benchmarks are.
		t.Skipf("run by hand: set %s to a directory of the connector's jars, built with %s (it prints the directory)", env, build)
	}
	cp := jvmworker.Classpath(t) // skips without KCONNECT_CONNECT_CLASSPATH or KCONNECT_KAFKA_BROKERS
	abs, err := filepath.Abs(jars)
	require.NoError(t, err)
	_, err = os.Stat(abs)
	require.NoError(t, err, "%s", env)
	p := &jvmPluginTakeover{cp: cp, brokers: testkafka.Brokers(t), dir: t.TempDir()}
	// plugin.path takes directories of plugins, each a directory of jars.
	plugins := filepath.Join(p.dir, "plugins")
	require.NoError(t, os.Mkdir(plugins, 0o755))
	require.NoError(t, os.Symlink(abs, filepath.Join(plugins, "connector")))
	p.group = testkafka.Group(t, "plugintakeover")
	p.topics = map[string]string{"group.id": p.group, "config.storage.topic": p.group + "-configs",
		"offset.storage.topic": p.group + "-offsets", "status.storage.topic": p.group + "-status"}
	for _, topic := range []string{p.group + "-configs", p.group + "-offsets", p.group + "-status"} {
		testkafka.DeleteTopicAtCleanup(t, p.brokers, topic)
	}
	p.jvmProps = map[string]string{"plugin.path": plugins,
		"producer.batch.size": "1", "producer.max.in.flight.requests.per.connection": "1", "producer.buffer.memory": "16384"}
	for k, v := range p.topics {
		p.jvmProps[k] = v
	}
	return p
}

// startJVM starts a JVM worker and waits until it answers.
func (p *jvmPluginTakeover) startJVM(t *testing.T) *jvmworker.Worker {
	t.Helper()
	jvm := jvmworker.Start(t, p.cp, p.brokers, p.jvmProps)
	jvm.WaitReady(t, 120*time.Second)
	return jvm
}

// startKconnect starts n kconnect workers on the cluster's group and
// topics.
func (p *jvmPluginTakeover) startKconnect(t *testing.T, n int) (workers []*running, ids []string) {
	t.Helper()
	for i := range n {
		file := writeFile(t, filepath.Join(p.dir, fmt.Sprintf("kconnect%d.properties", i)), strings.Join([]string{
			"bootstrap.servers=" + strings.Join(p.brokers, ","),
			"group.id=" + p.group,
			"config.storage.topic=" + p.topics["config.storage.topic"], "config.storage.replication.factor=1",
			"offset.storage.topic=" + p.topics["offset.storage.topic"], "offset.storage.replication.factor=1",
			"status.storage.topic=" + p.topics["status.storage.topic"], "status.storage.replication.factor=1",
			"heartbeat.interval.ms=300", "session.timeout.ms=6000", "rebalance.timeout.ms=10000",
			"offset.flush.interval.ms=1000",
			"listeners=http://127.0.0.1:0", "rest.advertised.host.name=127.0.0.1",
			"key.converter=org.apache.kafka.connect.json.JsonConverter",
			"value.converter=org.apache.kafka.connect.json.JsonConverter",
		}, "\n")+"\n")
		w := start(t, []string{"distributed", file}, all.Options()...)
		workers = append(workers, w)
		ids = append(ids, w.ready.WorkerID)
	}
	return workers, ids
}

// runningOn returns whether connector name and its one task are RUNNING
// on workers of ids, as get (a worker's REST API) reports them.
func runningOn(name string, get func(path string) (int, string), ids ...string) func() bool {
	return func() bool {
		code, body := get("/connectors/" + name + "/status")
		var st connectorStatus
		return code == http.StatusOK && json.Unmarshal([]byte(body), &st) == nil && st.Connector.State == "RUNNING" &&
			slices.Contains(ids, st.Connector.WorkerID) && len(st.Tasks) == 1 && st.Tasks[0].State == "RUNNING" &&
			slices.Contains(ids, st.Tasks[0].WorkerID)
	}
}

// runningOnJVM waits until connector name runs on jvm.
func runningOnJVM(t *testing.T, jvm *jvmworker.Worker, name string) {
	t.Helper()
	get := func(path string) (int, string) { return jvm.Do(t, http.MethodGet, path, "") }
	jvmworker.Poll(t, 60*time.Second, runningOn(name, get, strings.TrimPrefix(jvm.URL, "http://")),
		name+" RUNNING on the JVM worker")
}

// runningOnKconnect waits until connector name runs on workers.
func runningOnKconnect(t *testing.T, workers []*running, ids []string, name string) {
	t.Helper()
	var last string // the last status read
	get := func(path string) (int, string) {
		code, body := doJSON(t, http.MethodGet, workers[0].ready.Listeners[0]+path[1:], "")
		last = body
		return code, body
	}
	if !assert.Eventually(t, runningOn(name, get, ids...), 60*time.Second, 200*time.Millisecond) {
		var logs []string
		for _, w := range workers {
			logs = append(logs, w.logs.String())
		}
		t.Fatalf("%s not RUNNING on the kconnect workers; its status: %s; logs:\n%s", name, last, strings.Join(logs, "\n"))
	}
}

// topicRecord is a record read back, with the topic offset it has.
type topicRecord struct {
	offset     int64
	key, value []byte
	headers    map[string]string
}

// recordTopic collects the records of a one-partition topic.
type recordTopic struct {
	name string
	mu   sync.Mutex
	got  []topicRecord
	next int64 // the offset after the last record read
}

// collectRecords reads topic (one partition) from its start until the
// test ends.
func collectRecords(t *testing.T, brokers []string, topic string) *recordTopic {
	s := &recordTopic{name: topic}
	consumer := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			consumer.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
				rec := topicRecord{offset: r.Offset, key: r.Key, value: r.Value, headers: map[string]string{}}
				for _, h := range r.Headers {
					rec.headers[h.Key] = string(h.Value)
				}
				s.mu.Lock()
				s.got = append(s.got, rec)
				s.next = r.Offset + 1
				s.mu.Unlock()
			})
		}
	}()
	return s
}

func (s *recordTopic) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.got)
}

func (s *recordTopic) all() []topicRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

// payloadNumbers returns the "n" field of each record's JsonConverter
// payload, -1 for a record without one.
func payloadNumbers(got []topicRecord) []int {
	ns := make([]int, len(got))
	for i, r := range got {
		ns[i] = -1
		var v struct {
			Payload struct {
				N *int `json:"n"`
			} `json:"payload"`
		}
		if json.Unmarshal(r.value, &v) == nil && v.Payload.N != nil {
			ns[i] = *v.Payload.N
		}
	}
	return ns
}

// caughtUp waits until every record the topic holds has been read, and
// returns its end offset.
func (s *recordTopic) caughtUp(t *testing.T, brokers []string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(testkafka.Client(t, brokers)).ListEndOffsets(ctx, s.name)
	require.NoError(t, err)
	o, _ := ends.Lookup(s.name, 0)
	require.NoError(t, o.Err)
	jvmworker.Poll(t, 30*time.Second, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.next >= o.Offset
	}, fmt.Sprintf("the topic read to its end, %d", o.Offset))
	return o.Offset
}

// jsonRecord is a JsonConverter (schemas.enable) record's schema and
// payload.
type jsonRecord struct {
	Schema  json.RawMessage `json:"schema"`
	Payload json.RawMessage `json:"payload"`
}
