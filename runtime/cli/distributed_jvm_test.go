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
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/jvmworker"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

// TestDistributedTakeoverFromJVM hands a running pipeline from a JVM Kafka
// Connect 4.4 cluster to kconnect workers and back, on one group.id and
// one set of internal topics, while lines are appended to the source's
// file: FileStreamSource reads a file of numbered lines into a topic and
// FileStreamSink writes that topic to another file. Each side is stopped
// as a service manager stops it (SIGTERM), so its offsets are committed;
// the next side reads the connectors' configurations, target states and
// offsets from the topics the other wrote and goes on from there. Every
// number reaches the topic once and the sink's file once: none lost, none
// repeated.
func TestDistributedTakeoverFromJVM(t *testing.T) {
	cp := jvmworker.Classpath(t) // skips without KCONNECT_CONNECT_CLASSPATH or KCONNECT_KAFKA_BROKERS
	began := time.Now()
	brokers := testkafka.Brokers(t)
	dir := t.TempDir()
	lines := testkafka.Topic(t, "lines")
	testkafka.CreateTopic(t, brokers, lines, 1, nil)
	group := testkafka.Group(t, "takeover")
	topics := map[string]string{"group.id": group,
		"config.storage.topic": group + "-configs", "offset.storage.topic": group + "-offsets", "status.storage.topic": group + "-status"}
	for _, topic := range []string{group + "-configs", group + "-offsets", group + "-status"} {
		testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	}
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	require.NoError(t, os.WriteFile(in, nil, 0o644))

	topic := collectNumbers(t, brokers, lines)
	app := appendNumbers(t, in)

	// The JVM cluster creates both connectors.
	jvm := jvmworker.Start(t, cp, brokers, topics)
	jvm.WaitReady(t, 120*time.Second)
	// The sink's name, and so its consumer group (connect-<name>), is the
	// test's own: another package's tests on the same broker run a
	// connector called "sink" too.
	sinkName := testkafka.Group(t, "sink")
	stringConverters := `"key.converter":"org.apache.kafka.connect.storage.StringConverter",` +
		`"value.converter":"org.apache.kafka.connect.storage.StringConverter"`
	for _, c := range []string{
		`{"name":"src","config":{"connector.class":"FileStreamSource","tasks.max":"1","file":"` + in + `","topic":"` + lines + `",` + stringConverters + `}}`,
		`{"name":"` + sinkName + `","config":{"connector.class":"FileStreamSink","tasks.max":"1","file":"` + out + `","topics":"` + lines + `",` + stringConverters + `}}`,
	} {
		code, body := jvm.Do(t, http.MethodPost, "/connectors", c)
		require.Equal(t, http.StatusCreated, code, body)
	}
	jvmID := strings.TrimPrefix(jvm.URL, "http://")
	runningOn := func(get func(path string) (int, string), ids ...string) func() bool {
		return func() bool {
			for _, name := range []string{"src", sinkName} {
				code, body := get("/connectors/" + name + "/status")
				var st connectorStatus
				if code != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil || st.Connector.State != "RUNNING" ||
					!slices.Contains(ids, st.Connector.WorkerID) || len(st.Tasks) != 1 || st.Tasks[0].State != "RUNNING" ||
					!slices.Contains(ids, st.Tasks[0].WorkerID) {
					return false
				}
			}
			return true
		}
	}
	jvmGet := func(j *jvmworker.Worker) func(string) (int, string) {
		return func(path string) (int, string) { return j.Do(t, http.MethodGet, path, "") }
	}
	jvmworker.Poll(t, 60*time.Second, runningOn(jvmGet(jvm), jvmID), "src and sink RUNNING on the JVM worker")
	progress := func(who string, more int) {
		t.Helper()
		from := topic.distinct()
		jvmworker.Poll(t, 60*time.Second, func() bool { return topic.distinct() >= from+more && countLines(t, out) >= from+more },
			fmt.Sprintf("%d more numbers through %s (from %d; the topic has %d, the sink's file %d)", more, who, from,
				topic.distinct(), countLines(t, out)))
	}
	progress("the JVM cluster", 300)
	jvm.Stop(t, 60*time.Second)
	t.Logf("the JVM cluster stopped after %d numbers, %v in", topic.distinct(), time.Since(began).Round(time.Millisecond))

	// kconnect workers take over the JVM cluster's topics.
	var workers []*running
	var ids []string
	for i := range 2 {
		file := writeFile(t, filepath.Join(dir, fmt.Sprintf("kconnect%d.properties", i)), strings.Join([]string{
			"bootstrap.servers=" + strings.Join(brokers, ","),
			"group.id=" + group,
			"config.storage.topic=" + topics["config.storage.topic"], "config.storage.replication.factor=1",
			"offset.storage.topic=" + topics["offset.storage.topic"], "offset.storage.replication.factor=1",
			"status.storage.topic=" + topics["status.storage.topic"], "status.storage.replication.factor=1",
			"heartbeat.interval.ms=300", "session.timeout.ms=6000", "rebalance.timeout.ms=10000",
			"offset.flush.interval.ms=1000",
			"listeners=http://127.0.0.1:0", "rest.advertised.host.name=127.0.0.1",
			"key.converter=org.apache.kafka.connect.json.JsonConverter",
			"value.converter=org.apache.kafka.connect.json.JsonConverter",
		}, "\n")+"\n")
		w := start(t, []string{"distributed", file})
		workers = append(workers, w)
		ids = append(ids, w.ready.WorkerID)
	}
	kGet := func(path string) (int, string) {
		return doJSON(t, http.MethodGet, workers[0].ready.Listeners[0]+path[1:], "")
	}
	require.Eventually(t, runningOn(kGet, ids...), 60*time.Second, 200*time.Millisecond,
		"src and sink RUNNING on the kconnect workers; logs:\n%s\n%s", workers[0].logs, workers[1].logs)
	t.Logf("the kconnect workers run both connectors %v in", time.Since(began).Round(time.Millisecond))
	progress("the kconnect workers", 1500)
	for _, w := range workers {
		require.NoError(t, w.stop(t))
	}
	t.Logf("the kconnect workers stopped after %d numbers, %v in", topic.distinct(), time.Since(began).Round(time.Millisecond))

	// And back: a JVM cluster takes over kconnect's.
	jvm = jvmworker.Start(t, cp, brokers, topics)
	jvm.WaitReady(t, 120*time.Second)
	jvmID = strings.TrimPrefix(jvm.URL, "http://")
	jvmworker.Poll(t, 60*time.Second, runningOn(jvmGet(jvm), jvmID), "src and sink RUNNING on the JVM worker again")
	progress("the JVM cluster again", 300)

	total := app.stop()
	jvmworker.Poll(t, 60*time.Second, func() bool { return topic.distinct() >= total && countLines(t, out) >= total },
		fmt.Sprintf("all %d numbers through", total))
	jvm.Stop(t, 60*time.Second)
	requireOnce(t, "the topic", topic.all(), total)
	requireOnce(t, "the sink's file", readNumbers(t, out), total)
	t.Logf("%d numbers, each once in the topic and in the sink's file; took %v", total, time.Since(began).Round(time.Millisecond))
}

// numberTopic collects the numbers a topic holds, in the order read.
type numberTopic struct {
	mu  sync.Mutex
	got []int
	set map[int]bool
}

func (n *numberTopic) distinct() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.set)
}

func (n *numberTopic) all() []int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.got)
}

// collectNumbers reads topic from its start until the test ends; a value
// that is not a number is recorded as -1.
func collectNumbers(t *testing.T, brokers []string, topic string) *numberTopic {
	n := &numberTopic{set: map[int]bool{}}
	consumer := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			consumer.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
				v, err := strconv.Atoi(string(r.Value))
				if err != nil {
					v = -1
				}
				n.mu.Lock()
				n.got = append(n.got, v)
				n.set[v] = true
				n.mu.Unlock()
			})
		}
	}()
	return n
}

// appender appends numbered lines to a file, a few every few
// milliseconds, as a log is written, until stopped.
type appender struct {
	cancel context.CancelFunc
	done   chan struct{}
	n      int
}

func appendNumbers(t *testing.T, file string) *appender {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	a := &appender{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(a.done)
		defer f.Close()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			var b []byte
			for range 5 {
				b = strconv.AppendInt(b, int64(a.n), 10)
				b = append(b, '\n')
				a.n++
			}
			if _, err := f.Write(b); err != nil {
				panic(err)
			}
		}
	}()
	t.Cleanup(func() { a.stop() })
	return a
}

// stop stops appending and returns how many lines were written.
func (a *appender) stop() int {
	a.cancel()
	<-a.done
	return a.n
}

// readNumbers returns the numbers of a file's complete lines.
func readNumbers(t *testing.T, file string) []int {
	b, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	var ns []int
	for len(b) > 0 {
		i := slices.Index(b, '\n')
		if i < 0 {
			break
		}
		v, err := strconv.Atoi(string(b[:i]))
		if err != nil {
			v = -1
		}
		ns = append(ns, v)
		b = b[i+1:]
	}
	return ns
}

func countLines(t *testing.T, file string) int { return len(readNumbers(t, file)) }

// requireOnce checks that got holds 0..total-1, each once.
func requireOnce(t *testing.T, where string, got []int, total int) {
	t.Helper()
	requireNoneLost(t, where, got, total)
	count := make([]int, total)
	var twice []int
	for _, v := range got {
		if count[v]++; count[v] == 2 {
			twice = append(twice, v)
		}
	}
	require.Zerof(t, len(twice), "%s: %d numbers repeated, first %v", where, len(twice), twice[:min(len(twice), 20)])
}

// requireNoneLost checks that got holds 0..total-1 and nothing else.
func requireNoneLost(t *testing.T, where string, got []int, total int) {
	t.Helper()
	count := make([]int, total)
	var other []int
	for _, v := range got {
		if v < 0 || v >= total {
			other = append(other, v)
			continue
		}
		count[v]++
	}
	var lost []int
	for v, c := range count {
		if c == 0 {
			lost = append(lost, v)
		}
	}
	first := func(ns []int) []int { return ns[:min(len(ns), 20)] }
	require.Zerof(t, len(other), "%s: %d values that are not the numbers written, first %v", where, len(other), first(other))
	require.Zerof(t, len(lost), "%s: %d numbers lost, first %v", where, len(lost), first(lost))
}

// TestDistributedMixedJVMGroup has a JVM Kafka Connect 4.4 worker and a
// kconnect worker in one group at once. The JVM worker offers the sessioned,
// compatible and eager protocols, kconnect only eager, so the group runs
// eager, which both implement. The JVM worker starts first and leads: it
// assigns the kconnect worker part of four FileStreamSource connectors,
// kconnect forwards the connectors' creation to it and runs what it is
// given, and both REST APIs report every connector and task RUNNING on the
// two workers. Then the JVM worker stops and kconnect runs all four from
// where the JVM worker left them: every line once.
func TestDistributedMixedJVMGroup(t *testing.T) {
	cp := jvmworker.Classpath(t) // skips without KCONNECT_CONNECT_CLASSPATH or KCONNECT_KAFKA_BROKERS
	brokers := testkafka.Brokers(t)
	dir := t.TempDir()
	lines := testkafka.Topic(t, "lines")
	testkafka.CreateTopic(t, brokers, lines, 1, nil)
	group := testkafka.Group(t, "mixed")
	topics := map[string]string{"group.id": group,
		"config.storage.topic": group + "-configs", "offset.storage.topic": group + "-offsets", "status.storage.topic": group + "-status"}
	for _, topic := range []string{group + "-configs", group + "-offsets", group + "-status"} {
		testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	}
	topic := collectNumbers(t, brokers, lines)

	jvm := jvmworker.Start(t, cp, brokers, topics)
	jvm.WaitReady(t, 120*time.Second)
	jvmID := strings.TrimPrefix(jvm.URL, "http://")
	file := writeFile(t, filepath.Join(dir, "kconnect.properties"), strings.Join([]string{
		"bootstrap.servers=" + strings.Join(brokers, ","),
		"group.id=" + group,
		"config.storage.topic=" + topics["config.storage.topic"], "config.storage.replication.factor=1",
		"offset.storage.topic=" + topics["offset.storage.topic"], "offset.storage.replication.factor=1",
		"status.storage.topic=" + topics["status.storage.topic"], "status.storage.replication.factor=1",
		"heartbeat.interval.ms=300", "session.timeout.ms=6000", "rebalance.timeout.ms=10000",
		"offset.flush.interval.ms=1000",
		"listeners=http://127.0.0.1:0", "rest.advertised.host.name=127.0.0.1",
		"key.converter=org.apache.kafka.connect.json.JsonConverter",
		"value.converter=org.apache.kafka.connect.json.JsonConverter",
	}, "\n")+"\n")
	k := start(t, []string{"distributed", file})
	kID := k.ready.WorkerID

	// Four connectors, each over its own file of 100 numbers, created
	// through kconnect; until the group has settled it answers 409.
	const connectors, per = 4, 100
	for c := range connectors {
		var b strings.Builder
		for n := c * per; n < (c+1)*per; n++ {
			b.WriteString(strconv.Itoa(n) + "\n")
		}
		in := writeFile(t, filepath.Join(dir, fmt.Sprintf("in%d.txt", c)), b.String())
		body := fmt.Sprintf(`{"name":"src%d","config":{"connector.class":"FileStreamSource","tasks.max":"1","file":%q,"topic":%q,`+
			`"value.converter":"org.apache.kafka.connect.storage.StringConverter"}}`, c, in, lines)
		require.Eventually(t, func() bool {
			code, resp := doJSON(t, http.MethodPost, k.ready.Listeners[0]+"connectors", body)
			require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, code, resp)
			return code == http.StatusCreated
		}, 60*time.Second, 200*time.Millisecond, "log:\n%s", k.logs)
	}
	spread := func(get func(string) (int, string), ids ...string) func() bool {
		return func() bool {
			held := map[string]int{}
			for c := range connectors {
				var st connectorStatus
				code, body := get(fmt.Sprintf("/connectors/src%d/status", c))
				if code != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil || st.Connector.State != "RUNNING" ||
					len(st.Tasks) != 1 || st.Tasks[0].State != "RUNNING" {
					return false
				}
				held[st.Connector.WorkerID]++
				held[st.Tasks[0].WorkerID]++
			}
			if len(held) != len(ids) {
				return false
			}
			for _, id := range ids {
				if held[id] == 0 {
					return false
				}
			}
			return true
		}
	}
	kGet := func(path string) (int, string) {
		return doJSON(t, http.MethodGet, k.ready.Listeners[0]+path[1:], "")
	}
	jGet := func(path string) (int, string) { return jvm.Do(t, http.MethodGet, path, "") }
	require.Eventually(t, spread(kGet, jvmID, kID), 60*time.Second, 200*time.Millisecond,
		"the connectors RUNNING on both workers, through kconnect; log:\n%s", k.logs)
	jvmworker.Poll(t, 30*time.Second, spread(jGet, jvmID, kID), "the connectors RUNNING on both workers, through the JVM worker")
	jvmworker.Poll(t, 60*time.Second, func() bool { return topic.distinct() == connectors*per }, "every line in the topic")
	// Then the group is quiet: no worker writes task configurations the
	// config topic has already (each write would rebalance the group,
	// restarting everything under the eager protocol, for ever).
	configEnd := func() int64 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ends, err := kadm.NewClient(testkafka.Client(t, brokers)).ListEndOffsets(ctx, topics["config.storage.topic"])
		require.NoError(t, err)
		o, _ := ends.Lookup(topics["config.storage.topic"], 0)
		require.NoError(t, o.Err)
		return o.Offset
	}
	settled := configEnd()
	require.Never(t, func() bool { return configEnd() > settled }, 5*time.Second, 250*time.Millisecond,
		"the config topic grows past %d with the group settled", settled)
	b, _ := os.ReadFile(jvm.Log)
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.Contains(line, "Joined group at generation") {
			t.Logf("JVM worker: %s", line)
		}
	}

	// The JVM worker leaves; kconnect runs all four, from their offsets.
	jvm.Stop(t, 60*time.Second)
	require.Eventually(t, spread(kGet, kID), 60*time.Second, 200*time.Millisecond, "all on kconnect; log:\n%s", k.logs)
	for c := range connectors {
		f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("in%d.txt", c)), os.O_WRONLY|os.O_APPEND, 0)
		require.NoError(t, err)
		_, err = fmt.Fprintf(f, "%d\n", connectors*per+c)
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
	total := connectors*per + connectors
	require.Eventually(t, func() bool { return topic.distinct() == total }, 30*time.Second, 100*time.Millisecond)
	requireOnce(t, "the topic", topic.all(), total)
}
