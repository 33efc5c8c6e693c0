package spooldir_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	hamba "github.com/hamba/avro/v2"
	"github.com/hamba/avro/v2/ocf"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/syncbuf"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/source/spooldir"
)

// gatedStore is an offset store whose commits fail while closed.
type gatedStore struct {
	offset.Store
	closed   atomic.Bool
	attempts atomic.Int64
}

func (s *gatedStore) Put(ctx context.Context, connector string, entries []offset.Entry) error {
	s.attempts.Add(1)
	if s.closed.Load() {
		return errors.New("offset store unavailable")
	}
	return s.Store.Put(ctx, connector, entries)
}

func consume(t *testing.T, brokers []string, topic string, n int) []*kgo.Record {
	t.Helper()
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "got %d of %d records", len(out), n)
		fs.EachRecord(func(r *kgo.Record) { out = append(out, r) })
	}
	return out
}

func mkdirs(t *testing.T) (in, finished, errs string) {
	root := t.TempDir()
	in, finished, errs = filepath.Join(root, "in"), filepath.Join(root, "finished"), filepath.Join(root, "error")
	for _, d := range []string{in, finished, errs} {
		require.NoError(t, os.Mkdir(d, 0o755))
	}
	return in, finished, errs
}

// TestWorkerMovesFileOnlyAfterCommit runs the line connector in a worker
// whose offset commits fail: every record reaches Kafka, but the file
// stays in input.path until its last offset is committed, then moves.
func TestWorkerMovesFileOnlyAfterCommit(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "spool")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	in, finished, errs := mkdirs(t)
	path := filepath.Join(in, "a.txt")
	require.NoError(t, os.WriteFile(path, []byte("1\n2\n3\n4\n5\n"), 0o644))

	store := &gatedStore{Store: offset.NewMemory()}
	store.closed.Store(true)
	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(spooldir.LineDelimitedPlugin()), worker.OffsetStore(store),
		worker.OffsetFlushInterval(20*time.Millisecond), worker.Logger(slog.New(slog.DiscardHandler)), worker.ID("spooldir-test"))
	require.NoError(t, err)
	t.Cleanup(func() { w.Close() })
	require.NoError(t, w.CreateConnector(context.Background(), "spool", map[string]string{
		"connector.class": "SpoolDirLineDelimitedSource", "topic": topic,
		"input.path": in, "finished.path": finished, "error.path": errs, "input.file.pattern": `.*\.txt`,
		"value.converter": "StringConverter", "empty.poll.wait.ms": "10",
	}))
	recs := consume(t, brokers, topic, 5)
	var got []string
	for _, r := range recs {
		got = append(got, string(r.Value))
	}
	require.Equal(t, []string{"1", "2", "3", "4", "5"}, got)
	hdr := map[string]string{}
	for _, h := range recs[4].Headers {
		hdr[h.Key] = string(h.Value)
	}
	require.Equal(t, "a.txt", hdr["file.name"])
	require.Equal(t, "5", hdr["file.offset"])

	seen := store.attempts.Load()
	require.Eventually(t, func() bool { return store.attempts.Load() >= seen+5 }, 10*time.Second, 5*time.Millisecond)
	require.True(t, exists(path), "the file moved while its offsets could not be committed")
	require.False(t, exists(filepath.Join(finished, "a.txt")))

	store.closed.Store(false)
	// The flag goes after the file is moved: both are awaited.
	require.Eventually(t, func() bool {
		return exists(filepath.Join(finished, "a.txt")) && !exists(path+".PROCESSING")
	}, 10*time.Second, 5*time.Millisecond)
	require.False(t, exists(path))
	fi, err := os.Stat(filepath.Join(finished, "a.txt"))
	require.NoError(t, err)
	part := connect.NewSourcePartition(spooldir.FileNameField, "a.txt", spooldir.FileLengthField, int64(10),
		spooldir.FileModifiedField, fi.ModTime().UnixMilli())
	offs, err := store.Get(context.Background(), "spool", []connect.SourcePartition{part})
	require.NoError(t, err)
	p, _ := offs[part].Int64(spooldir.PositionField)
	require.Equal(t, int64(10), p, "the last record's offset is committed")
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// TestWorkerCSV runs the CSV connector with two tasks in a worker: every
// row of every file reaches Kafka once, as JSON, and every file moves to
// finished.path.
func TestWorkerCSV(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "spoolcsv")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	in, finished, errs := mkdirs(t)
	const files, rows = 6, 3
	for f := range files {
		var b strings.Builder
		b.WriteString("id,name\n")
		for r := range rows {
			fmt.Fprintf(&b, "%d,n%d\n", f*rows+r, f*rows+r)
		}
		require.NoError(t, os.WriteFile(filepath.Join(in, fmt.Sprintf("f%d.csv", f)), []byte(b.String()), 0o644))
	}
	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(spooldir.CsvPlugin()), worker.OffsetStore(offset.NewMemory()),
		worker.OffsetFlushInterval(20*time.Millisecond), worker.Logger(slog.New(slog.DiscardHandler)), worker.ID("spooldir-test"))
	require.NoError(t, err)
	t.Cleanup(func() { w.Close() })
	require.NoError(t, w.CreateConnector(context.Background(), "csv", map[string]string{
		"connector.class": "com.github.jcustenborder.kafka.connect.spooldir.SpoolDirCsvSourceConnector", "tasks.max": "2",
		"topic": topic, "input.path": in, "finished.path": finished, "error.path": errs, "input.file.pattern": `^f\d+\.csv$`,
		"csv.first.row.as.header": "true", "empty.poll.wait.ms": "10",
		"key.schema":    `{"type":"STRUCT","isOptional":false,"fieldSchemas":{"id":{"type":"INT64","isOptional":false}}}`,
		"value.schema":  `{"name":"com.example.Row","type":"STRUCT","isOptional":false,"fieldSchemas":{"id":{"type":"INT64","isOptional":false},"name":{"type":"STRING","isOptional":true}}}`,
		"key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
	}))
	recs := consume(t, brokers, topic, files*rows)
	seen := map[string]bool{}
	for _, r := range recs {
		require.False(t, seen[string(r.Value)], "%s twice", r.Value)
		seen[string(r.Value)] = true
	}
	require.True(t, seen[`{"id":4,"name":"n4"}`], "values: %v", seen)
	require.Eventually(t, func() bool {
		left, _ := os.ReadDir(in)
		done, _ := os.ReadDir(finished)
		return len(left) == 0 && len(done) == files
	}, 20*time.Second, 10*time.Millisecond)
	st, err := w.Status("csv")
	require.NoError(t, err)
	require.Len(t, st.Tasks, 2)
}

// TestWorkerRecoversCrashedFile: a file left with its processing flag and
// a committed offset mid-file, as a worker killed while reading it leaves
// it, is read on from that offset when the connector starts again, then
// moved.
func TestWorkerRecoversCrashedFile(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "spoolcrash")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	in, finished, errs := mkdirs(t)
	path := filepath.Join(in, "a.txt")
	require.NoError(t, os.WriteFile(path, []byte("1\n2\n3\n4\n5\n"), 0o644))
	require.NoError(t, os.WriteFile(path+".PROCESSING", nil, 0o644))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	store := offset.NewMemory()
	part := connect.NewSourcePartition(spooldir.FileNameField, "a.txt", spooldir.FileLengthField, int64(10),
		spooldir.FileModifiedField, fi.ModTime().UnixMilli())
	require.NoError(t, store.Put(context.Background(), "spool", []offset.Entry{{Partition: part,
		Offset: connect.NewOffset(spooldir.OffsetField, int64(2), spooldir.PositionField, int64(4), spooldir.LineField, int64(2))}}))

	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(spooldir.LineDelimitedPlugin()), worker.OffsetStore(store),
		worker.OffsetFlushInterval(20*time.Millisecond), worker.Logger(slog.New(slog.DiscardHandler)), worker.ID("spooldir-test"))
	require.NoError(t, err)
	t.Cleanup(func() { w.Close() })
	require.NoError(t, w.CreateConnector(context.Background(), "spool", map[string]string{
		"connector.class": "SpoolDirLineDelimitedSourceConnector", "topic": topic,
		"input.path": in, "finished.path": finished, "error.path": errs, "input.file.pattern": `.*\.txt`,
		"value.converter": "StringConverter", "empty.poll.wait.ms": "10",
	}))
	var got []string
	for _, r := range consume(t, brokers, topic, 3) {
		got = append(got, string(r.Value))
	}
	require.Equal(t, []string{"3", "4", "5"}, got)
	// The flag goes after the file is moved (it keeps other tasks off the
	// file until then), so both are awaited.
	require.Eventually(t, func() bool {
		return exists(filepath.Join(finished, "a.txt")) && !exists(path+".PROCESSING")
	}, 10*time.Second, 5*time.Millisecond)
	require.False(t, exists(path), "the file is moved, not copied")
}

// TestWorkerBadInput runs the CSV connector with halt.on.error=false in a
// worker over files with bad rows and awkward encodings: every good row
// reaches Kafka, every bad one is logged with its file and line, and every
// file is moved to finished.path.
func TestWorkerBadInput(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "spoolbad")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	in, finished, errs := mkdirs(t)
	files := map[string]string{
		"a-bom.csv":      "\uFEFFid,name\n1,a\n",
		"b-ragged.csv":   "id,name\n2,b,surplus\n3\n",
		"c-type.csv":     "id,name\nx,c\n4,d\n",
		"d-utf8.csv":     "id,name\n5,e\xfff\n",
		"e-unclosed.csv": "id,name\n6,f\n7,\"g\n8,h\n",
		"f-empty.csv":    "",
		"g-header.csv":   "id,name\n",
	}
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(in, name), []byte(content), 0o644))
	}
	var logs syncbuf.Buffer
	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(spooldir.CsvPlugin()), worker.OffsetStore(offset.NewMemory()),
		worker.OffsetFlushInterval(20*time.Millisecond), worker.Logger(slog.New(slog.NewTextHandler(&logs, nil))), worker.ID("spooldir-test"))
	require.NoError(t, err)
	t.Cleanup(func() { w.Close() })
	require.NoError(t, w.CreateConnector(context.Background(), "csv", map[string]string{
		"connector.class": "SpoolDirCsvSourceConnector", "topic": topic, "halt.on.error": "false",
		"input.path": in, "finished.path": finished, "error.path": errs, "input.file.pattern": `.*\.csv`,
		"csv.first.row.as.header": "true", "empty.poll.wait.ms": "10",
		"key.schema":      `{"type":"STRUCT","fieldSchemas":{"id":{"type":"INT64"}}}`,
		"value.schema":    `{"type":"STRUCT","fieldSchemas":{"id":{"type":"INT64"},"name":{"type":"STRING","isOptional":true}}}`,
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
	}))
	var got []string
	for _, r := range consume(t, brokers, topic, 5) {
		got = append(got, string(r.Value))
	}
	require.ElementsMatch(t, []string{`{"id":1,"name":"a"}`, `{"id":3,"name":null}`, `{"id":4,"name":"d"}`,
		"{\"id\":5,\"name\":\"e\uFFFDf\"}", `{"id":6,"name":"f"}`}, got)
	require.Eventually(t, func() bool {
		done, _ := os.ReadDir(finished)
		return len(done) == len(files)
	}, 10*time.Second, 10*time.Millisecond)
	left, _ := os.ReadDir(in)
	require.Empty(t, left)
	log := logs.String()
	for _, bad := range []string{filepath.Join(in, "b-ragged.csv") + " line=2", filepath.Join(in, "c-type.csv") + " line=2",
		filepath.Join(in, "e-unclosed.csv") + " line=3"} {
		file, line, _ := strings.Cut(bad, " ")
		require.Regexp(t, `msg="skipping a record that cannot be read".*file=`+regexp.QuoteMeta(file)+` `+line, log)
	}
}

// TestWorkerCSVRecordBytes pins what a worker writes to Kafka for CSV
// rows: each record's key, value and headers, byte for byte and in order,
// with a key whose fields are in another order than the value's and one
// of them in no value field, optional fields left empty, a value field no
// column names, and the key converter writing its schema.
func TestWorkerCSVRecordBytes(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "spoolbytes")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	in, finished, errs := mkdirs(t)
	path := filepath.Join(in, "rows.csv")
	content := "id,customer,email,amount,active,region\n" +
		"1,\"Ann \"\"A\"\" Smith\",ann@example.com,0.01,true,north\n" +
		"2,Bo\u00e9,,12.5,,\n" +
		"300000,Cy,c@x,-1000.25,false,south\n"
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	mod := time.Date(2026, 3, 4, 5, 6, 7, 890_000_000, time.UTC)
	require.NoError(t, os.Chtimes(path, mod, mod))

	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(spooldir.CsvPlugin()), worker.OffsetStore(offset.NewMemory()),
		worker.Logger(slog.New(slog.DiscardHandler)), worker.ID("spooldir-test"))
	require.NoError(t, err)
	t.Cleanup(func() { w.Close() })
	require.NoError(t, w.CreateConnector(context.Background(), "csv", map[string]string{
		"connector.class": "SpoolDirCsvSourceConnector", "topic": topic,
		"input.path": in, "finished.path": finished, "error.path": errs, "input.file.pattern": `.*\.csv`,
		"csv.first.row.as.header": "true",
		"key.schema": `{"name":"com.example.Key","type":"STRUCT","isOptional":false,"fieldSchemas":{` +
			`"email":{"type":"STRING","isOptional":true},"id":{"type":"INT64","isOptional":false},` +
			`"region":{"type":"STRING","isOptional":true}}}`,
		"value.schema": `{"name":"com.example.Order","type":"STRUCT","isOptional":false,"fieldSchemas":{` +
			`"id":{"type":"INT64","isOptional":false},` +
			`"customer":{"type":"STRING","isOptional":false},` +
			`"email":{"type":"STRING","isOptional":true},` +
			`"amount":{"type":"FLOAT64","isOptional":false},` +
			`"active":{"type":"BOOLEAN","isOptional":true},` +
			`"note":{"type":"STRING","isOptional":true}}}`,
		"key.converter": "JsonConverter", "key.converter.schemas.enable": "true",
		"value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
	}))
	keySchema := `{"type":"struct","fields":[{"type":"string","optional":true,"field":"email"},` +
		`{"type":"int64","optional":false,"field":"id"},{"type":"string","optional":true,"field":"region"}],` +
		`"optional":false,"name":"com.example.Key"}`
	want := []struct{ key, value string }{
		{`{"schema":` + keySchema + `,"payload":{"email":"ann@example.com","id":1,"region":"north"}}`,
			`{"id":1,"customer":"Ann \"A\" Smith","email":"ann@example.com","amount":0.01,"active":true,"note":null}`},
		{`{"schema":` + keySchema + `,"payload":{"email":"","id":2,"region":""}}`,
			"{\"id\":2,\"customer\":\"Bo\u00e9\",\"email\":\"\",\"amount\":12.5,\"active\":null,\"note\":null}"},
		{`{"schema":` + keySchema + `,"payload":{"email":"c@x","id":300000,"region":"south"}}`,
			`{"id":300000,"customer":"Cy","email":"c@x","amount":-1000.25,"active":false,"note":null}`},
	}
	recs := consume(t, brokers, topic, len(want))
	for i, r := range recs {
		require.Equal(t, want[i].key, string(r.Key), "row %d key", i+1)
		require.Equal(t, want[i].value, string(r.Value), "row %d value", i+1)
		var hs []string
		for _, h := range r.Headers {
			hs = append(hs, h.Key+"="+string(h.Value))
		}
		require.Equal(t, []string{
			"file.name=rows.csv", "file.name.without.extension=rows", "file.path=" + path, "file.parent.dir.name=in",
			fmt.Sprintf("file.length=%d", len(content)), "file.last.modified=" + mod.Format("2006-01-02T15:04:05.000Z"),
			fmt.Sprintf("file.offset=%d", i+1),
		}, hs, "row %d headers", i+1)
	}
}

// TestWorkerAvroResumesInsideBlock: an Avro file left with its processing
// flag and a committed offset inside its second block, as a worker killed
// while reading it leaves it, is read on from the record after that
// offset, with no record before it written again, then moved.
func TestWorkerAvroResumesInsideBlock(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "spoolavro")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	in, finished, errs := mkdirs(t)
	var buf bytes.Buffer
	enc, err := ocf.NewEncoder(`{"type":"record","name":"R","fields":[{"name":"id","type":"long"}]}`, &buf,
		ocf.WithCodec(ocf.Deflate), ocf.WithBlockLength(3), ocf.WithEncoderSchemaCache(&hamba.SchemaCache{}))
	require.NoError(t, err)
	for id := range 9 {
		require.NoError(t, enc.Encode(map[string]any{"id": int64(id)}))
	}
	require.NoError(t, enc.Close())
	data := buf.Bytes()
	sync := data[len(data)-16:]
	headerEnd := bytes.Index(data, sync) + 16
	block2 := headerEnd + bytes.Index(data[headerEnd:], sync) + 16
	path := filepath.Join(in, "a.avro")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	require.NoError(t, os.WriteFile(path+".PROCESSING", nil, 0o644))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	store := offset.NewMemory()
	part := connect.NewSourcePartition(spooldir.FileNameField, "a.avro", spooldir.FileLengthField, fi.Size(),
		spooldir.FileModifiedField, fi.ModTime().UnixMilli())
	// Four records read: the second block's first is committed.
	require.NoError(t, store.Put(context.Background(), "spool", []offset.Entry{{Partition: part,
		Offset: connect.NewOffset(spooldir.OffsetField, int64(4), spooldir.PositionField, int64(block2), spooldir.LineField, int64(1))}}))

	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(spooldir.AvroPlugin()), worker.OffsetStore(store),
		worker.OffsetFlushInterval(20*time.Millisecond), worker.Logger(slog.New(slog.DiscardHandler)), worker.ID("spooldir-test"))
	require.NoError(t, err)
	t.Cleanup(func() { w.Close() })
	require.NoError(t, w.CreateConnector(context.Background(), "spool", map[string]string{
		"connector.class": "SpoolDirAvroSourceConnector", "topic": topic,
		"input.path": in, "finished.path": finished, "error.path": errs, "input.file.pattern": `.*\.avro`,
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
		"empty.poll.wait.ms": "10",
	}))
	var got []string
	for _, r := range consume(t, brokers, topic, 5) {
		got = append(got, string(r.Value))
	}
	require.Equal(t, []string{`{"id":4}`, `{"id":5}`, `{"id":6}`, `{"id":7}`, `{"id":8}`}, got)
	require.Eventually(t, func() bool { return exists(filepath.Join(finished, "a.avro")) }, 10*time.Second, 5*time.Millisecond)
	require.False(t, exists(path+".PROCESSING"))
}
