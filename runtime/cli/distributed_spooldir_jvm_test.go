package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/jvmworker"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

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
// spooldir's jars are on no public Maven repository: the test runs with
// KCONNECT_SPOOLDIR_PLUGIN_PATH naming the directory
// testdata/jvm/spooldir-build.sh builds from a checkout of
// github.com/jcustenborder/kafka-connect-spooldir, besides
// KCONNECT_CONNECT_CLASSPATH and KCONNECT_KAFKA_BROKERS. CI has no such
// checkout and skips it.
func TestDistributedSpoolDirTakeoverFromJVM(t *testing.T) {
	p, input, finished, errs, rows := newSpoolDirTakeover(t)
	began := time.Now()

	const files, perFile = 4, 5000
	batch1 := writeCSVBatch(t, input, "first", 0, files, perFile)
	topic := collectRecords(t, p.brokers, rows)

	jvm := p.startJVM(t)
	config := spoolConfig(rows, input, finished, errs)
	body, err := json.Marshal(map[string]any{"name": "spool", "config": config})
	require.NoError(t, err)
	code, resp := jvm.Do(t, http.MethodPost, "/connectors", string(body))
	require.Equal(t, http.StatusCreated, code, resp)
	runningOnJVM(t, jvm, "spool")
	jvmworker.Poll(t, 120*time.Second, func() bool { return topic.count() >= perFile/2 },
		fmt.Sprintf("%d rows through the JVM cluster", perFile/2))
	jvm.Stop(t, 60*time.Second)
	jvmEnd := topic.caughtUp(t, p.brokers)
	t.Logf("the JVM cluster stopped after %d rows, %v in", jvmEnd, time.Since(began).Round(time.Millisecond))
	require.Less(t, jvmEnd, int64(files*perFile), "the JVM cluster read the whole first batch before it was stopped")
	require.NotZero(t, jvmEnd%perFile, "the JVM cluster stopped at the end of a file, not partway through one")
	partway := batch1[jvmEnd/perFile]
	require.FileExists(t, filepath.Join(input, partway), "the file the JVM cluster was reading when it stopped")

	// kconnect workers take over the JVM cluster's topics.
	workers, ids := p.startKconnect(t, 2)
	runningOnKconnect(t, workers, ids, "spool")
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
	kEnd := topic.caughtUp(t, p.brokers)
	t.Logf("the kconnect workers stopped after %d rows, %v in", kEnd, time.Since(began).Round(time.Millisecond))

	// And back: a JVM cluster takes over kconnect's, for a second batch.
	batch2 := writeCSVBatch(t, input, "second", files*perFile, files/2, perFile)
	jvm = p.startJVM(t)
	runningOnJVM(t, jvm, "spool")
	total := (files + files/2) * perFile
	jvmworker.Poll(t, 120*time.Second, func() bool { return topic.count() >= total && finishedAll(batch2)() },
		fmt.Sprintf("the second batch through the JVM cluster and in %s (%d rows of %d)", finished, topic.count(), total))
	jvm.Stop(t, 60*time.Second)
	end := topic.caughtUp(t, p.brokers)

	got := topic.all()
	ns := payloadNumbers(got)
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
	var firstKey, firstValue jsonRecord
	fileHeaders := map[string]map[string]string{}
	for i, r := range got {
		n := ns[i]
		who := "kconnect"
		if r.offset < jvmEnd || r.offset >= kEnd {
			who = "the JVM"
		}
		var key, value jsonRecord
		require.NoError(t, json.Unmarshal(r.key, &key), "key of row %d (written by %s)", n, who)
		require.NoError(t, json.Unmarshal(r.value, &value), "value of row %d (written by %s)", n, who)
		if i == 0 {
			firstKey, firstValue = key, value
		}
		require.JSONEq(t, string(firstKey.Schema), string(key.Schema), "key schema of row %d (written by %s)", n, who)
		require.JSONEq(t, string(firstValue.Schema), string(value.Schema), "value schema of row %d (written by %s)", n, who)
		require.JSONEq(t, fmt.Sprintf(`{"n":%d}`, n), string(key.Payload), "key of row %d (written by %s)", n, who)
		require.JSONEq(t, fmt.Sprintf(`{"n":%d,"text":"row %d"}`, n, n), string(value.Payload), "value of row %d (written by %s)", n, who)
		name := names[n/perFile]
		require.Equal(t, strconv.Itoa(n%perFile+1), r.headers["file.offset"], "file.offset of row %d (written by %s)", n, who)
		require.Equal(t, name, r.headers["file.name"], "file.name of row %d (written by %s)", n, who)
		if who == "the JVM" {
			require.Equal(t, name, r.headers["file.relative.path"], "file.relative.path of row %d (written by %s)", n, who)
		} else {
			require.NotContains(t, r.headers, "file.relative.path", "row %d (written by %s)", n, who)
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
		require.Equal(t, fileHeaders[name], rest, "file.* headers of row %d (written by %s)", n, who)
	}
	t.Logf("%d rows (JVM %d, kconnect %d, JVM %d), each once; headers of %s: %v; took %v", total, jvmEnd, kEnd-jvmEnd, end-kEnd,
		partway, fileHeaders[partway], time.Since(began).Round(time.Millisecond))
}

// TestDistributedSpoolDirHandBackToJVM hands a SpoolDirCsvSourceConnector
// that a kconnect worker created, and that stopped partway through a file,
// to a JVM Kafka Connect 4.4 cluster running kafka-connect-spooldir, on
// the same group.id and internal topics: kconnect's commits carry, under
// spooldir's {"fileName"} partition, the offset spooldir resumes from, so
// the JVM reads on after kconnect's last record instead of reading the
// file again from its top. The kconnect task stops at a row it cannot
// parse (halt.on.error), at the same place every run however fast it
// reads, and the row is mended in place (same length and modification
// time, so the same file) before the JVM takes over. Every number reaches
// the topic once, and file.offset is each record's row in its file,
// whoever wrote it. It needs what TestDistributedSpoolDirTakeoverFromJVM
// needs.
func TestDistributedSpoolDirHandBackToJVM(t *testing.T) {
	p, input, finished, errs, rows := newSpoolDirTakeover(t)
	began := time.Now()
	const files, perFile = 2, 5000
	names := writeCSVBatch(t, input, "back", 0, files, perFile)
	const stopAt = perFile / 2
	partway := filepath.Join(input, names[0])
	good, err := os.ReadFile(partway)
	require.NoError(t, err)
	row := fmt.Sprintf("\n%d,row %d\n", stopAt, stopAt)
	bad := strings.Replace(string(good), row, fmt.Sprintf("\n%dx,row %d\n", stopAt/10, stopAt), 1)
	require.Len(t, bad, len(good))
	require.NoError(t, os.WriteFile(partway, []byte(bad), 0o644))
	fi, err := os.Stat(partway)
	require.NoError(t, err)
	topic := collectRecords(t, p.brokers, rows)

	workers, _ := p.startKconnect(t, 1)
	body, err := json.Marshal(map[string]any{"name": "spool", "config": spoolConfig(rows, input, finished, errs)})
	require.NoError(t, err)
	// 409 until the worker has joined its group.
	jvmworker.Poll(t, 60*time.Second, func() bool {
		code, _ := doJSON(t, http.MethodPost, workers[0].ready.Listeners[0]+"connectors", string(body))
		return code == http.StatusCreated
	}, "the connector created through the kconnect worker")
	jvmworker.Poll(t, 120*time.Second, func() bool {
		code, body := doJSON(t, http.MethodGet, workers[0].ready.Listeners[0]+"connectors/spool/status", "")
		var st connectorStatus
		return code == http.StatusOK && json.Unmarshal([]byte(body), &st) == nil && len(st.Tasks) == 1 && st.Tasks[0].State == "FAILED"
	}, "the kconnect task failed at row "+strconv.Itoa(stopAt))
	require.NoError(t, workers[0].stop(t))
	kEnd := topic.caughtUp(t, p.brokers)
	t.Logf("the kconnect worker stopped after %d rows, %v in", kEnd, time.Since(began).Round(time.Millisecond))
	require.Equal(t, int64(stopAt), kEnd, "the rows before the one the kconnect task could not parse")
	require.NoError(t, os.WriteFile(partway, good, 0o644))
	require.NoError(t, os.Chtimes(partway, fi.ModTime(), fi.ModTime()))

	jvm := p.startJVM(t)
	runningOnJVM(t, jvm, "spool")
	total := files * perFile
	// The JVM's records of the file read partway come after kconnect's:
	// waiting for all of them is waiting for the topic to hold total, or
	// more when the JVM read the file again from its top.
	jvmworker.Poll(t, 180*time.Second, func() bool {
		for _, name := range names {
			if _, err := os.Stat(filepath.Join(input, name)); err == nil {
				return false
			}
		}
		return topic.count() >= total
	}, fmt.Sprintf("every file through the JVM cluster (%d rows of %d)", topic.count(), total))
	jvm.Stop(t, 60*time.Second)
	end := topic.caughtUp(t, p.brokers)

	got := topic.all()
	ns := payloadNumbers(got)
	requireOnce(t, "the topic", ns, total)
	for i, r := range got {
		who := "kconnect"
		if r.offset >= kEnd {
			who = "the JVM"
		}
		require.Equal(t, strconv.Itoa(ns[i]%perFile+1), r.headers["file.offset"], "file.offset of row %d (written by %s)", ns[i], who)
	}
	t.Logf("%d rows (kconnect %d, JVM %d), each once; took %v", total, kEnd, end-kEnd, time.Since(began).Round(time.Millisecond))
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

// newSpoolDirTakeover skips as newJVMPluginTakeover does, else makes the
// connector's input, finished and error directories and its topic.
func newSpoolDirTakeover(t *testing.T) (p *jvmPluginTakeover, input, finished, errs, rows string) {
	t.Helper()
	p = newJVMPluginTakeover(t, "KCONNECT_SPOOLDIR_PLUGIN_PATH",
		"runtime/cli/testdata/jvm/spooldir-build.sh <checkout of github.com/jcustenborder/kafka-connect-spooldir> <out>")
	input, finished, errs = filepath.Join(p.dir, "input"), filepath.Join(p.dir, "finished"), filepath.Join(p.dir, "error")
	for _, d := range []string{input, finished, errs} {
		require.NoError(t, os.Mkdir(d, 0o755))
	}
	rows = testkafka.Topic(t, "rows")
	testkafka.CreateTopic(t, p.brokers, rows, 1, nil)
	return p, input, finished, errs, rows
}

// spoolConfig is the CSV connector both sides run: numbered rows, a
// stop at the first bad one, small batches so that a worker stops soon
// after it is told to.
func spoolConfig(rows, input, finished, errs string) map[string]string {
	return map[string]string{
		"connector.class":         "com.github.jcustenborder.kafka.connect.spooldir.SpoolDirCsvSourceConnector",
		"tasks.max":               "1",
		"topic":                   rows,
		"input.path":              input,
		"finished.path":           finished,
		"error.path":              errs,
		"input.file.pattern":      `^.*\.csv$`,
		"csv.first.row.as.header": "true",
		"halt.on.error":           "true",
		"batch.size":              "100",
		"key.schema":              `{"name":"com.example.RowKey","type":"STRUCT","isOptional":false,"fieldSchemas":{"n":{"type":"INT64","isOptional":false}}}`,
		"value.schema": `{"name":"com.example.Row","type":"STRUCT","isOptional":false,"fieldSchemas":{` +
			`"n":{"type":"INT64","isOptional":false},"text":{"type":"STRING","isOptional":true}}}`,
	}
}
