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
	"github.com/kconnect-go/kconnect/internal/testenv"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/cli/all"
)

// spoolDirPluginEnv names a directory holding kafka-connect-spooldir's jar
// and its dependencies, as testdata/jvm/spooldir-build.sh builds it.
const spoolDirPluginEnv = "KCONNECT_SPOOLDIR_PLUGIN_PATH"

// TestDistributedSpoolDirTakeoverFromJVM hands a SpoolDirCsvSourceConnector
// from a JVM Kafka Connect 4.4 cluster running jcustenborder's
// kafka-connect-spooldir to kconnect workers and back, on one group.id and
// one set of internal topics. The JVM cluster reads a first batch of CSV
// files of numbered rows and is stopped (SIGTERM, so its offsets are
// committed) partway through one of them; kconnect reads on from the
// JVM's offset of that file ({"fileName"} partitions) and reads the rest;
// then a JVM cluster takes the connector back and reads a second batch.
// Every number reaches the topic once, every record has the key, value
// schema and file.* headers of its file and row whichever side wrote it,
// and every file ends in finished.path.
//
// The JVM's source producers send one record per request (worker-level
// producer settings, which kconnect's workers do not share), so that it is
// still inside the first batch when it is stopped.
//
// spooldir's jars are on no public Maven repository: the test runs with
// KCONNECT_SPOOLDIR_PLUGIN_PATH naming the directory
// testdata/jvm/spooldir-build.sh builds from a checkout of
// github.com/jcustenborder/kafka-connect-spooldir, besides
// KCONNECT_CONNECT_CLASSPATH and KCONNECT_KAFKA_BROKERS. CI has no such
// checkout and skips it.
func TestDistributedSpoolDirTakeoverFromJVM(t *testing.T) {
	plugin := os.Getenv(spoolDirPluginEnv)
	if plugin == "" {
		testenv.Record(t, testenv.Skip)
		t.Skipf("integration test: set %s to a directory of kafka-connect-spooldir's jars, built with "+
			"runtime/cli/testdata/jvm/spooldir-build.sh <checkout of github.com/jcustenborder/kafka-connect-spooldir> <out> "+
			"(it prints the directory)", spoolDirPluginEnv)
	}
	_, err := os.Stat(plugin)
	require.NoError(t, err, "%s", spoolDirPluginEnv)
	cp := jvmworker.Classpath(t) // skips without KCONNECT_CONNECT_CLASSPATH or KCONNECT_KAFKA_BROKERS
	began := time.Now()
	brokers := testkafka.Brokers(t)
	dir := t.TempDir()
	// plugin.path takes directories of plugins, each a directory of jars.
	plugins := filepath.Join(dir, "plugins")
	require.NoError(t, os.Mkdir(plugins, 0o755))
	abs, err := filepath.Abs(plugin)
	require.NoError(t, err)
	require.NoError(t, os.Symlink(abs, filepath.Join(plugins, "spooldir")))
	input, finished, errs := filepath.Join(dir, "input"), filepath.Join(dir, "finished"), filepath.Join(dir, "error")
	for _, d := range []string{input, finished, errs} {
		require.NoError(t, os.Mkdir(d, 0o755))
	}
	rows := testkafka.Topic(t, "rows")
	testkafka.CreateTopic(t, brokers, rows, 1, nil)
	group := testkafka.Group(t, "spooltakeover")
	topics := map[string]string{"group.id": group,
		"config.storage.topic": group + "-configs", "offset.storage.topic": group + "-offsets", "status.storage.topic": group + "-status"}
	for _, topic := range []string{group + "-configs", group + "-offsets", group + "-status"} {
		testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	}
	jvmProps := map[string]string{"plugin.path": plugins,
		"producer.batch.size": "1", "producer.max.in.flight.requests.per.connection": "1", "producer.buffer.memory": "16384"}
	for k, v := range topics {
		jvmProps[k] = v
	}

	const files, perFile = 4, 5000
	batch1 := writeCSVBatch(t, input, "first", 0, files, perFile)
	topic := collectSpoolRecords(t, brokers, rows)

	jvm := jvmworker.Start(t, cp, brokers, jvmProps)
	jvm.WaitReady(t, 120*time.Second)
	config := map[string]string{
		"connector.class":         "com.github.jcustenborder.kafka.connect.spooldir.SpoolDirCsvSourceConnector",
		"tasks.max":               "1",
		"topic":                   rows,
		"input.path":              input,
		"finished.path":           finished,
		"error.path":              errs,
		"input.file.pattern":      `^.*\.csv$`,
		"csv.first.row.as.header": "true",
		"halt.on.error":           "true",
		"batch.size":              "100", // so that the JVM stops soon after it is told to
		"key.schema":              `{"name":"com.example.RowKey","type":"STRUCT","isOptional":false,"fieldSchemas":{"n":{"type":"INT64","isOptional":false}}}`,
		"value.schema": `{"name":"com.example.Row","type":"STRUCT","isOptional":false,"fieldSchemas":{` +
			`"n":{"type":"INT64","isOptional":false},"text":{"type":"STRING","isOptional":true}}}`,
	}
	body, err := json.Marshal(map[string]any{"name": "spool", "config": config})
	require.NoError(t, err)
	code, resp := jvm.Do(t, http.MethodPost, "/connectors", string(body))
	require.Equal(t, http.StatusCreated, code, resp)
	runningOn := func(get func(path string) (int, string), ids ...string) func() bool {
		return func() bool {
			code, body := get("/connectors/spool/status")
			var st connectorStatus
			return code == http.StatusOK && json.Unmarshal([]byte(body), &st) == nil && st.Connector.State == "RUNNING" &&
				slices.Contains(ids, st.Connector.WorkerID) && len(st.Tasks) == 1 && st.Tasks[0].State == "RUNNING" &&
				slices.Contains(ids, st.Tasks[0].WorkerID)
		}
	}
	jvmGet := func(j *jvmworker.Worker) func(string) (int, string) {
		return func(path string) (int, string) { return j.Do(t, http.MethodGet, path, "") }
	}
	jvmworker.Poll(t, 60*time.Second, runningOn(jvmGet(jvm), strings.TrimPrefix(jvm.URL, "http://")), "spool RUNNING on the JVM worker")
	jvmworker.Poll(t, 120*time.Second, func() bool { return topic.count() >= perFile/2 },
		fmt.Sprintf("%d rows through the JVM cluster", perFile/2))
	jvm.Stop(t, 60*time.Second)
	jvmEnd := topic.caughtUp(t, brokers)
	t.Logf("the JVM cluster stopped after %d rows, %v in", jvmEnd, time.Since(began).Round(time.Millisecond))
	require.Less(t, jvmEnd, int64(files*perFile), "the JVM cluster read the whole first batch before it was stopped")
	require.NotZero(t, jvmEnd%perFile, "the JVM cluster stopped at the end of a file, not partway through one")
	partway := batch1[jvmEnd/perFile]
	require.FileExists(t, filepath.Join(input, partway), "the file the JVM cluster was reading when it stopped")

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
		w := start(t, []string{"distributed", file}, all.Options()...)
		workers = append(workers, w)
		ids = append(ids, w.ready.WorkerID)
	}
	kGet := func(path string) (int, string) {
		return doJSON(t, http.MethodGet, workers[0].ready.Listeners[0]+path[1:], "")
	}
	require.Eventually(t, runningOn(kGet, ids...), 60*time.Second, 200*time.Millisecond,
		"spool RUNNING on the kconnect workers; logs:\n%s\n%s", workers[0].logs, workers[1].logs)
	// spooldir 2.0.63 to 2.0.65 take a file's path below input.path, its
	// name included, for the sub-directory it was found in, and move it to
	// finished.path/<name>/<name>; kconnect moves it to
	// finished.path/<name>, as spooldir before them.
	finishedAll := func(names []string) func() bool {
		return func() bool {
			for _, name := range names {
				at := filepath.Join(finished, name)
				if st, err := os.Stat(at); err == nil && st.IsDir() {
					at = filepath.Join(at, name)
				}
				if st, err := os.Stat(at); err != nil || !st.Mode().IsRegular() {
					return false
				}
			}
			return true
		}
	}
	require.Eventually(t, func() bool { return topic.count() >= files*perFile && finishedAll(batch1)() },
		120*time.Second, 200*time.Millisecond, "the first batch through the kconnect workers and in %s; logs:\n%s\n%s",
		finished, workers[0].logs, workers[1].logs)
	for _, w := range workers {
		require.NoError(t, w.stop(t))
	}
	kEnd := topic.caughtUp(t, brokers)
	t.Logf("the kconnect workers stopped after %d rows, %v in", kEnd, time.Since(began).Round(time.Millisecond))

	// And back: a JVM cluster takes over kconnect's, for a second batch.
	batch2 := writeCSVBatch(t, input, "second", files*perFile, files/2, perFile)
	jvm = jvmworker.Start(t, cp, brokers, jvmProps)
	jvm.WaitReady(t, 120*time.Second)
	jvmworker.Poll(t, 60*time.Second, runningOn(jvmGet(jvm), strings.TrimPrefix(jvm.URL, "http://")), "spool RUNNING on the JVM worker again")
	total := (files + files/2) * perFile
	jvmworker.Poll(t, 120*time.Second, func() bool { return topic.count() >= total && finishedAll(batch2)() },
		fmt.Sprintf("the second batch through the JVM cluster and in %s (%d rows of %d)", finished, topic.count(), total))
	jvm.Stop(t, 60*time.Second)
	end := topic.caughtUp(t, brokers)

	got := topic.all()
	ns := make([]int, len(got))
	for i, r := range got {
		ns[i] = r.n
	}
	requireOnce(t, "the topic", ns, total)
	entries, err := os.ReadDir(input)
	require.NoError(t, err)
	require.Empty(t, entries, "%s after every file was read", input)
	names := append(append([]string{}, batch1...), batch2...)
	require.True(t, finishedAll(names)(), "every file in %s", finished)

	// Whoever wrote it, a record is its row's: the same key and value
	// schemas throughout, file.offset its row's number in its file (1 for
	// the first row after the header), and the other file.* headers those
	// of its file, the same in the JVM's records of the file read partway
	// as in kconnect's. But for file.relative.path: spooldir 2.0.63 to
	// 2.0.65 give it the file's name for a file directly in input.path
	// (the same mistake as above), where kconnect, as spooldir before
	// them, writes it for a file in a sub-directory only.
	first := got[0]
	fileHeaders := map[string]map[string]string{}
	for _, r := range got {
		who := "kconnect"
		if r.offset < jvmEnd || r.offset >= kEnd {
			who = "the JVM"
		}
		require.JSONEq(t, string(first.keySchema), string(r.keySchema), "key schema of row %d (written by %s)", r.n, who)
		require.JSONEq(t, string(first.valueSchema), string(r.valueSchema), "value schema of row %d (written by %s)", r.n, who)
		require.Equal(t, int64(r.n), r.key, "key of row %d (written by %s)", r.n, who)
		require.Equal(t, "row "+strconv.Itoa(r.n), r.text, "text of row %d (written by %s)", r.n, who)
		name := names[r.n/perFile]
		require.Equal(t, strconv.Itoa(r.n%perFile+1), r.headers["file.offset"], "file.offset of row %d (written by %s)", r.n, who)
		require.Equal(t, name, r.headers["file.name"], "file.name of row %d (written by %s)", r.n, who)
		if who == "the JVM" {
			require.Equal(t, name, r.headers["file.relative.path"], "file.relative.path of row %d (written by %s)", r.n, who)
		} else {
			require.NotContains(t, r.headers, "file.relative.path", "row %d (written by %s)", r.n, who)
		}
		rest := map[string]string{}
		for k, v := range r.headers {
			if k != "file.offset" && k != "file.relative.path" {
				rest[k] = v
			}
		}
		if fileHeaders[name] == nil {
			fileHeaders[name] = rest
		}
		require.Equal(t, fileHeaders[name], rest, "file.* headers of row %d (written by %s)", r.n, who)
	}
	t.Logf("%d rows (JVM %d, kconnect %d, JVM %d), each once; headers of %s: %v; took %v", total, jvmEnd, kEnd-jvmEnd, end-kEnd,
		partway, fileHeaders[partway], time.Since(began).Round(time.Millisecond))
}

// writeCSVBatch writes n CSV files named prefix-<i>.csv into dir, each of
// a header and perFile rows "<number>,row <number>" numbered on from
// from, and returns their names. Each is written under another name and
// renamed, so that no connector sees it half written.
func writeCSVBatch(t *testing.T, dir, prefix string, from, n, perFile int) []string {
	t.Helper()
	var names []string
	for i := range n {
		var b strings.Builder
		b.WriteString("n,text\n")
		for r := range perFile {
			num := from + i*perFile + r
			fmt.Fprintf(&b, "%d,row %d\n", num, num)
		}
		name := fmt.Sprintf("%s-%d.csv", prefix, i)
		tmp := filepath.Join(dir, "."+name+".tmp")
		require.NoError(t, os.WriteFile(tmp, []byte(b.String()), 0o644))
		require.NoError(t, os.Rename(tmp, filepath.Join(dir, name)))
		names = append(names, name)
	}
	return names
}

// spoolRecord is one record of a CSV row, as JsonConverter with schemas
// and the default SimpleHeaderConverter wrote it.
type spoolRecord struct {
	offset                 int64
	n                      int // -1 for a value that is not a row's
	key                    int64
	text                   string
	keySchema, valueSchema json.RawMessage
	headers                map[string]string
}

type spoolTopic struct {
	name string
	mu   sync.Mutex
	got  []spoolRecord
	next int64 // the offset after the last record read
}

func (s *spoolTopic) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.got)
}

func (s *spoolTopic) all() []spoolRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]spoolRecord(nil), s.got...)
}

// caughtUp waits until every record the topic holds has been read, and
// returns its end offset.
func (s *spoolTopic) caughtUp(t *testing.T, brokers []string) int64 {
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

// collectSpoolRecords reads topic (one partition) from its start until the
// test ends.
func collectSpoolRecords(t *testing.T, brokers []string, topic string) *spoolTopic {
	s := &spoolTopic{name: topic}
	consumer := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			consumer.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
				rec := spoolRecord{offset: r.Offset, n: -1, headers: map[string]string{}}
				var key struct {
					Schema  json.RawMessage `json:"schema"`
					Payload struct {
						N int64 `json:"n"`
					} `json:"payload"`
				}
				var value struct {
					Schema  json.RawMessage `json:"schema"`
					Payload struct {
						N    *int   `json:"n"`
						Text string `json:"text"`
					} `json:"payload"`
				}
				if json.Unmarshal(r.Value, &value) == nil && value.Payload.N != nil {
					rec.n, rec.text, rec.valueSchema = *value.Payload.N, value.Payload.Text, value.Schema
				}
				if json.Unmarshal(r.Key, &key) == nil {
					rec.key, rec.keySchema = key.Payload.N, key.Schema
				}
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
