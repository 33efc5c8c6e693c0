package spooldir_test

// Benchmarks of SpoolDirCsvSourceConnector run by a worker: a generated
// CSV file of 5 columns (about 75 bytes a row) into Kafka with
// JsonConverter values (schemas.enable=false), against a hand-written Go
// program doing the same work without kconnect, and against encoding/csv
// parsing alone.
//
// They run against kfake by default and against a real broker when
// KCONNECT_KAFKA_BROKERS is set. With kfake the broker lives in this process,
// so the RSS figures include it; with a real broker they are the worker's.
//
//	go test -run XXX -bench 'SpoolDirCsvToKafka$' -benchtime 1000000x ./source/spooldir
//	KCONNECT_BENCH_BIG=1 go test -run XXX -bench SpoolDirCsvToKafkaBig -benchtime 1x ./source/spooldir
//
// See BENCHMARKS.md for figures.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/procstat"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/source/spooldir"
)

// benchCSVPartitions is the partition count of the benchmark topics; both
// producers spread the rows by key.
const benchCSVPartitions = 4

const benchCSVTimeout = 20 * time.Minute

// benchKeySchema and benchValueSchema are the key.schema and value.schema
// of the benchmark's rows, in spooldir's JSON: the key is the id.
const benchKeySchema = `{"name":"com.example.OrderKey","type":"STRUCT","isOptional":false,"fieldSchemas":{"id":{"type":"INT64","isOptional":false}}}`

const benchValueSchema = `{"name":"com.example.Order","type":"STRUCT","isOptional":false,"fieldSchemas":{` +
	`"id":{"type":"INT64","isOptional":false},` +
	`"customer":{"type":"STRING","isOptional":false},` +
	`"email":{"type":"STRING","isOptional":false},` +
	`"amount":{"type":"FLOAT64","isOptional":false},` +
	`"active":{"type":"BOOLEAN","isOptional":false}}}`

// writeBenchCSV writes a CSV file of rows rows and a header row to path
// and returns its size.
func writeBenchCSV(tb testing.TB, path string, rows int) int64 {
	tb.Helper()
	f, err := os.Create(path)
	require.NoError(tb, err)
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("id,customer,email,amount,active\n")
	var line []byte
	for i := range rows {
		// Cents are never 0, so that an amount is never a whole number,
		// which Java's Double.toString and Go's shortest formatting write
		// differently (1.0 and 1).
		line = fmt.Appendf(line[:0], "%d,Customer Number %07d,customer.%07d@example.com,%d.%02d,%t\n",
			i+1, i%9999991, i%9999991, i%100000, 1+i%99, i%3 == 0)
		_, err := w.Write(line)
		require.NoError(tb, err)
	}
	require.NoError(tb, w.Flush())
	fi, err := f.Stat()
	require.NoError(tb, err)
	require.NoError(tb, f.Close())
	return fi.Size()
}

// spoolCSVRun is one run of the connector: the file's rows, a count of
// the rows Kafka acknowledged, and the RSS as a quarter, half and all of
// them were.
type spoolCSVRun struct {
	rows    int64
	rss     *procstat.Sampler
	settled atomic.Int64
	failed  atomic.Int64
	done    chan struct{}

	mu    sync.Mutex
	marks [3]float64
	next  int
}

// Task makes the run the worker's metrics (worker.WithMetrics): the
// runtime counts each record Kafka acknowledged in RecordsWritten, a call
// it makes per record with or without a recorder.
func (r *spoolCSVRun) Task(worker.TaskID, string) worker.TaskMetrics { return benchMetrics{r} }

// benchMetrics counts what Kafka acknowledged and the records that failed.
type benchMetrics struct{ run *spoolCSVRun }

func (m benchMetrics) RecordsWritten(n int) {
	r := m.run
	total := r.settled.Add(int64(n))
	if total*4 >= r.rows*int64(r.next+1) || total == r.rows {
		r.mu.Lock()
		for r.next < len(r.marks) && total*4 >= r.rows*int64(r.next+1) {
			r.marks[r.next] = r.rss.Current()
			r.next++
		}
		r.mu.Unlock()
	}
	if total == r.rows {
		close(r.done)
	}
}

func (m benchMetrics) RecordErrors(_ string, n int)   { m.run.failed.Add(int64(n)) }
func (benchMetrics) RecordsPolled(int)                {}
func (benchMetrics) RecordsRead(int)                  {}
func (benchMetrics) RecordsPut(int)                   {}
func (benchMetrics) ActiveRecords(int)                {}
func (benchMetrics) OffsetCommit(bool, time.Duration) {}
func (benchMetrics) RecordsSkipped(int)               {}
func (benchMetrics) Retries(int)                      {}
func (benchMetrics) DeadLettered(int)                 {}

// benchSpoolDirs makes the connector's directories under a temporary
// directory, the input directory holding a file of rows rows.
func benchSpoolDirs(b *testing.B, rows int) (in, finished, errs string) {
	root := b.TempDir()
	in, finished, errs = filepath.Join(root, "in"), filepath.Join(root, "finished"), filepath.Join(root, "error")
	for _, d := range []string{in, finished, errs} {
		require.NoError(b, os.Mkdir(d, 0o755))
	}
	writeBenchCSV(b, filepath.Join(in, "orders.csv"), rows)
	return in, finished, errs
}

// runSpoolWorker runs a file of rows rows through the connector in a
// worker, timed from CreateConnector until Kafka has acknowledged every
// row, and reports records/s, CPU per record, the peak RSS and the RSS at a
// quarter, half and all of the rows.
func runSpoolWorker(b *testing.B, rows int) {
	in, finished, errs := benchSpoolDirs(b, rows)
	brokers := testkafka.Brokers(b)
	topic := testkafka.Topic(b, "bench-spool")
	testkafka.CreateTopic(b, brokers, topic, benchCSVPartitions, nil)
	run := &spoolCSVRun{rows: int64(rows), done: make(chan struct{})}
	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(spooldir.CsvPlugin()), worker.OffsetStore(offset.NewMemory()),
		worker.Logger(slog.New(slog.DiscardHandler)), worker.ID("bench-worker"), worker.WithMetrics(run))
	require.NoError(b, err)
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), benchCSVTimeout)
	defer cancel()

	run.rss = procstat.Start()
	b.ReportAllocs()
	b.ResetTimer()
	err = w.CreateConnector(ctx, "bench", map[string]string{
		"connector.class": "SpoolDirCsvSourceConnector", "topic": topic, "tasks.max": "1",
		"input.path": in, "finished.path": finished, "error.path": errs, "input.file.pattern": `.*\.csv`,
		"csv.first.row.as.header": "true", "key.schema": benchKeySchema, "value.schema": benchValueSchema,
		"key.converter": "JsonConverter", "key.converter.schemas.enable": "false",
		"value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
	})
	require.NoError(b, err)
	select {
	case <-run.done:
	case <-ctx.Done():
		st, _ := w.Status("bench")
		if n := run.failed.Load(); n > 0 {
			b.Fatalf("%d rows failed; status %+v", n, st)
		}
		b.Fatalf("%d of %d rows acknowledged before the timeout; status %+v", run.settled.Load(), rows, st)
	}
	b.StopTimer()
	peak, cpu := run.rss.Stop(), run.rss.CPU()
	elapsed := b.Elapsed()
	if n := run.failed.Load(); n > 0 {
		b.Fatalf("%d rows failed", n)
	}
	require.NoError(b, w.Close())
	b.ReportMetric(float64(rows)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(rows), "cpu-ns/record")
	b.ReportMetric(peak, "peak-RSS-MiB")
	run.mu.Lock()
	for j, q := range []string{"25%", "50%", "100%"} {
		b.ReportMetric(run.marks[j], "RSS-MiB@"+q)
	}
	run.mu.Unlock()
}

// BenchmarkSpoolDirCsvToKafka measures rows per second from a CSV file to
// acknowledged Kafka writes. One op is one row: run it with -benchtime
// 1000000x for a file of a million rows (about 75 MB).
//
//   - worker: SpoolDirCsvSourceConnector (csv.first.row.as.header,
//     key.schema of the id, value.schema of 5 typed fields) in a Worker, JsonConverter
//     with schemas.enable=false, timed from CreateConnector until Kafka
//     has acknowledged every row;
//   - handwritten: a Go program doing the same without kconnect:
//     encoding/csv, each cell parsed to its type, the same JSON bytes and
//     the same file.* headers appended by hand, produced by a franz-go
//     client with the worker producer's settings, timed from opening the
//     file until every promise has run;
//   - csv: encoding/csv reading every row of the same file, nothing else.
//
// Each reports records/s, cpu-ns/record (the process's CPU time, all
// goroutines) and peak-RSS-MiB (VmHWM, reset at the start of the run).
func BenchmarkSpoolDirCsvToKafka(b *testing.B) {
	b.Run("worker", func(b *testing.B) { runSpoolWorker(b, b.N) })
	b.Run("handwritten", func(b *testing.B) {
		in, _, _ := benchSpoolDirs(b, b.N)
		brokers := testkafka.Brokers(b)
		topic := testkafka.Topic(b, "bench-spool")
		testkafka.CreateTopic(b, brokers, topic, benchCSVPartitions, nil)
		ctx, cancel := context.WithTimeout(context.Background(), benchCSVTimeout)
		defer cancel()
		rss := procstat.Start()
		b.ReportAllocs()
		b.ResetTimer()
		n, err := handwrittenCSVToKafka(ctx, brokers, filepath.Join(in, "orders.csv"), topic)
		b.StopTimer()
		peak, cpu := rss.Stop(), rss.CPU()
		require.NoError(b, err)
		require.Equal(b, b.N, n)
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/record")
		b.ReportMetric(peak, "peak-RSS-MiB")
	})
	b.Run("csv", func(b *testing.B) {
		in, _, _ := benchSpoolDirs(b, b.N)
		rss := procstat.Start()
		b.ReportAllocs()
		b.ResetTimer()
		f, err := os.Open(filepath.Join(in, "orders.csv"))
		require.NoError(b, err)
		defer f.Close()
		r := csv.NewReader(bufio.NewReaderSize(f, 128<<10))
		r.ReuseRecord = true
		n := -1 // the header row
		for {
			if _, err := r.Read(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			n++
		}
		b.StopTimer()
		peak, cpu := rss.Stop(), rss.CPU()
		require.Equal(b, b.N, n)
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/record")
		b.ReportMetric(peak, "peak-RSS-MiB")
	})
}

// BenchmarkSpoolDirCsvToKafkaBig is the worker case of
// BenchmarkSpoolDirCsvToKafka on a file of 10,000,000 rows (about 750 MB;
// KCONNECT_BENCH_ROWS sets the count), to show that memory does not grow
// with the file. One op is the whole file. It is opt-in
// (KCONNECT_BENCH_BIG=1): the file takes a while to write, and a real
// broker keeps a copy.
func BenchmarkSpoolDirCsvToKafkaBig(b *testing.B) {
	if os.Getenv("KCONNECT_BENCH_BIG") != "1" {
		b.Skip("set KCONNECT_BENCH_BIG=1 to run (writes a 750 MB file)")
	}
	rows := 10_000_000
	if s := os.Getenv("KCONNECT_BENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("KCONNECT_BENCH_ROWS=%q: want a positive integer", s)
		}
		rows = n
	}
	for range b.N {
		b.Run("worker", func(b *testing.B) { runSpoolWorker(b, rows) })
	}
}

// handwrittenCSVToKafka is the baseline program: it reads path with
// encoding/csv, writes each row as the JSON JsonConverter writes for it
// (schemas.enable=false) with the file.* headers spooldir adds (as
// SimpleHeaderConverter writes them), and produces it to topic with the
// worker producer's settings. It returns the rows acknowledged.
func handwrittenCSVToKafka(ctx context.Context, brokers []string, path, topic string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	fixed := handwrittenHeaders(path, fi)

	var sent, settled, failed atomic.Int64
	var firstErr atomic.Pointer[error]
	var readAll atomic.Bool
	done := make(chan struct{})
	var once sync.Once
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			failed.Add(1)
			firstErr.CompareAndSwap(nil, &err)
		}
		if settled.Add(1) == sent.Load() && readAll.Load() {
			once.Do(func() { close(done) })
		}
	}
	// The options runtime/worker's sourceTask.producerOpts gives a task's
	// producer when the worker and connector set none: its 10,000
	// buffered records (not franz-go's 50,000), acks=all, 5 ms linger,
	// delivery retried without a deadline, 250 ms metadata age, topic
	// auto-creation, and the sticky key partitioner its partitioner falls
	// back to for a record without a partition. Everything else (batch
	// size, compression, idempotence, requests in flight) is franz-go's
	// default in both.
	cl, err := kgo.NewClient(
		kgo.MaxBufferedRecords(10000),
		kgo.SeedBrokers(brokers...),
		kgo.ClientID("bench-handwritten"),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(5*time.Millisecond),
		kgo.RecordDeliveryTimeout(0),
		kgo.MetadataMinAge(250*time.Millisecond),
		kgo.AllowAutoTopicCreation(),
	)
	if err != nil {
		return 0, err
	}
	defer cl.Close()

	r := csv.NewReader(bufio.NewReaderSize(f, 128<<10))
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil { // the header row
		return 0, err
	}
	var n int64
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return int(n), err
		}
		key, value, err := handwrittenJSON(row)
		if err != nil {
			return int(n), fmt.Errorf("%s row %d: %w", path, n+1, err)
		}
		n++
		headers := make([]kgo.RecordHeader, len(fixed)+1)
		copy(headers, fixed)
		headers[len(fixed)] = kgo.RecordHeader{Key: "file.offset", Value: strconv.AppendInt(nil, n, 10)}
		sent.Add(1)
		cl.Produce(ctx, &kgo.Record{Topic: topic, Key: key, Value: value, Headers: headers}, promise)
	}
	readAll.Store(true)
	if settled.Load() == sent.Load() {
		once.Do(func() { close(done) })
	}
	select {
	case <-done:
	case <-ctx.Done():
		return int(settled.Load()), ctx.Err()
	}
	if p := firstErr.Load(); p != nil {
		return int(n - failed.Load()), *p
	}
	return int(n), nil
}

// handwrittenHeaders are the headers every record of a file gets but
// file.offset.
func handwrittenHeaders(path string, fi os.FileInfo) []kgo.RecordHeader {
	name := filepath.Base(path)
	noExt := name
	if i := bytes.LastIndexByte([]byte(name), '.'); i >= 0 {
		noExt = name[:i]
	}
	h := func(k, v string) kgo.RecordHeader { return kgo.RecordHeader{Key: k, Value: []byte(v)} }
	return []kgo.RecordHeader{
		h("file.name", name),
		h("file.name.without.extension", noExt),
		h("file.path", path),
		h("file.parent.dir.name", filepath.Base(filepath.Dir(path))),
		h("file.length", strconv.FormatInt(fi.Size(), 10)),
		h("file.last.modified", fi.ModTime().UTC().Format("2006-01-02T15:04:05.000Z")),
	}
}

// handwrittenJSON writes a row's key as {"id":…} and its value as
// {"id":…,"customer":…,"email":…,"amount":…,"active":…}.
func handwrittenJSON(row []string) (key, value []byte, err error) {
	if len(row) != 5 {
		return nil, nil, fmt.Errorf("%d columns, want 5", len(row))
	}
	id, err := strconv.ParseInt(row[0], 10, 64)
	if err != nil {
		return nil, nil, err
	}
	amount, err := strconv.ParseFloat(row[3], 64)
	if err != nil {
		return nil, nil, err
	}
	active, err := strconv.ParseBool(row[4])
	if err != nil {
		return nil, nil, err
	}
	key = strconv.AppendInt(append(make([]byte, 0, 32), `{"id":`...), id, 10)
	key = append(key, '}')
	v := make([]byte, 0, 128)
	v = append(v, `{"id":`...)
	v = strconv.AppendInt(v, id, 10)
	v = append(v, `,"customer":`...)
	v = appendBenchJSONString(v, row[1])
	v = append(v, `,"email":`...)
	v = appendBenchJSONString(v, row[2])
	v = append(v, `,"amount":`...)
	v = strconv.AppendFloat(v, amount, 'f', -1, 64)
	v = append(v, `,"active":`...)
	v = strconv.AppendBool(v, active)
	return key, append(v, '}'), nil
}

func appendBenchJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = fmt.Appendf(b, `\u%04x`, c)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// TestBenchHandwrittenMatchesWorker checks the benchmark's baseline: the
// hand-written program writes to Kafka the same values and headers as the
// connector in a worker, for the same file.
func TestBenchHandwrittenMatchesWorker(t *testing.T) {
	const rows = 500
	root := t.TempDir()
	in, finished, errs := filepath.Join(root, "in"), filepath.Join(root, "finished"), filepath.Join(root, "error")
	for _, d := range []string{in, finished, errs} {
		require.NoError(t, os.Mkdir(d, 0o755))
	}
	path := filepath.Join(in, "orders.csv")
	writeBenchCSV(t, path, rows)
	brokers := testkafka.Brokers(t)
	byHand, byWorker := testkafka.Topic(t, "bench-hand"), testkafka.Topic(t, "bench-worker")
	testkafka.CreateTopic(t, brokers, byHand, 1, nil)
	testkafka.CreateTopic(t, brokers, byWorker, 1, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := handwrittenCSVToKafka(ctx, brokers, path, byHand)
	require.NoError(t, err)
	require.Equal(t, rows, n)

	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(spooldir.CsvPlugin()),
		worker.Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	defer w.Close()
	require.NoError(t, w.CreateConnector(ctx, "bench", map[string]string{
		"connector.class": "SpoolDirCsvSourceConnector", "topic": byWorker,
		"input.path": in, "finished.path": finished, "error.path": errs, "input.file.pattern": `.*\.csv`,
		"csv.first.row.as.header": "true", "key.schema": benchKeySchema, "value.schema": benchValueSchema,
		"key.converter": "JsonConverter", "key.converter.schemas.enable": "false",
		"value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
	}))
	want, got := benchConsume(t, brokers, byHand, rows), benchConsume(t, brokers, byWorker, rows)
	for i := range rows {
		require.Equal(t, string(want[i].Value), string(got[i].Value), "row %d", i+1)
		require.Equal(t, string(want[i].Key), string(got[i].Key), "row %d", i+1)
		require.Equal(t, benchHeaders(want[i]), benchHeaders(got[i]), "row %d", i+1)
	}
	require.Contains(t, string(got[0].Value), `"amount":0.01`)
}

func benchHeaders(r *kgo.Record) map[string]string {
	m := map[string]string{}
	for _, h := range r.Headers {
		m[h.Key] = string(h.Value)
	}
	return m
}

func benchConsume(t *testing.T, brokers []string, topic string, n int) []*kgo.Record {
	t.Helper()
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "got %d of %d records from %s", len(out), n, topic)
		fs.EachRecord(func(r *kgo.Record) { out = append(out, r) })
	}
	return out
}
