package elasticsearch_test

// BenchmarkKafkaToElasticsearch: JSON records in Kafka indexed by the sink
// in a worker, against a hand-written franz-go program sending the same
// _bulk requests (batch size and concurrency), on each server. See
// BENCHMARKS.md for figures.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"reflect"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/esttest"
	"github.com/kconnect-go/kconnect/internal/procstat"
	"github.com/kconnect-go/kconnect/internal/testenv"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/sink/elasticsearch"
)

// benchDocsEnv sets the number of records (default 100,000); BENCHMARKS.md's
// figures are of 1,000,000.
const benchDocsEnv = "KCONNECT_BENCH_ROWS"

// benchConfigEnv adds connector settings to the worker's, as
// key=value,key=value, for experiments.
const benchConfigEnv = "KCONNECT_BENCH_ES_CONFIG"

// benchHeapProfileEnv names a file the worker's pass writes a heap profile
// to once half the records are committed: what holds the worker's memory
// in the middle of a run.
const benchHeapProfileEnv = "KCONNECT_BENCH_HEAPPROFILE"

// benchDefaultsEnv, set to 1, gives the records string keys and their
// values a schema (JsonConverter's envelope), and leaves key.ignore and
// schema.ignore at their defaults: document ids from the keys with the
// offset as external version, and the index's mapping made from the
// schema. The hand-written program then sends the same ids and versions
// into an index with the same mapping.
const benchDefaultsEnv = "KCONNECT_BENCH_ES_DEFAULTS"

// benchEnvelope is the JsonConverter envelope of the keyed records'
// values, before their payload; benchMapping is the mapping the sink
// makes of its schema.
const (
	benchEnvelope = `{"schema":{"type":"struct","optional":false,"fields":[` +
		`{"field":"id","type":"int64"},{"field":"name","type":"string"},{"field":"email","type":"string"},` +
		`{"field":"amount","type":"double"},{"field":"qty","type":"int32"},{"field":"active","type":"boolean"},` +
		`{"field":"ts","type":"int64"},{"field":"city","type":"string"},{"field":"tag","type":"string"},` +
		`{"field":"note","type":"string"}]},"payload":`
	benchText    = `{"type":"text","fields":{"keyword":{"type":"keyword","ignore_above":256}}}`
	benchMapping = `{"properties":{"id":{"type":"long"},"name":` + benchText + `,"email":` + benchText +
		`,"amount":{"type":"double"},"qty":{"type":"integer"},"active":{"type":"boolean"},"ts":{"type":"long"},` +
		`"city":` + benchText + `,"tag":` + benchText + `,"note":` + benchText + `}}`
)

// benchRoundsEnv sets how many times (default 1) each server is written
// by each program in turn.
const benchRoundsEnv = "KCONNECT_BENCH_ROUNDS"

const (
	benchBatch    = 2000 // batch.size's default
	benchInFlight = 5    // max.in.flight.requests' default
)

func BenchmarkKafkaToElasticsearch(b *testing.B) {
	n := 100_000
	if s := os.Getenv(benchDocsEnv); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			b.Fatalf("%s=%q: want a positive number", benchDocsEnv, s)
		}
	}
	brokers := testkafka.Brokers(b)
	topic := testkafka.Topic(b, "es-bench")
	testkafka.CreateTopic(b, brokers, topic, 4, nil)
	keyed := os.Getenv(benchDefaultsEnv) == "1"
	cl := testkafka.Client(b, brokers, kgo.ProducerLinger(5*time.Millisecond))
	ctx := context.Background()
	var wg sync.WaitGroup
	var perr error
	var mu sync.Mutex
	for i := range n {
		v := fmt.Appendf(nil, `{"id":%d,"name":"customer-%d","email":"c%d@example.com","amount":%d.25,"qty":%d,"active":%t,"ts":%d,"city":"Zürich","tag":"t%d","note":"a note of some length"}`,
			i, i, i, i%1000, i%17, i%2 == 0, 1_700_000_000_000+int64(i), i%10)
		rec := &kgo.Record{Topic: topic, Value: v}
		if keyed {
			rec.Key = strconv.AppendInt(nil, int64(i), 10)
			rec.Value = append(append([]byte(benchEnvelope), v...), '}')
		}
		wg.Add(1)
		cl.Produce(ctx, rec, func(_ *kgo.Record, err error) {
			if err != nil {
				mu.Lock()
				perr = err
				mu.Unlock()
			}
			wg.Done()
		})
	}
	wg.Wait()
	if perr != nil {
		b.Fatal(perr)
	}
	rounds := 1
	if s := os.Getenv(benchRoundsEnv); s != "" {
		var err error
		if rounds, err = strconv.Atoi(s); err != nil || rounds <= 0 {
			b.Fatalf("%s=%q: want a positive number", benchRoundsEnv, s)
		}
	}
	// Rounds alternate the programs and the servers, so that the
	// machine's changing load weighs on each alike.
	for r := range rounds {
		for _, f := range esttest.Flavours {
			b.Run(f.Name, func(b *testing.B) {
				u := testenv.Integration(b, f.Env)
				srv := esttest.Server{Name: f.Name, URL: u}
				worker := func() {
					b.Run("worker", func(b *testing.B) {
						benchRun(b, srv, topic, n, "", func(index string) { benchWorker(b, srv, brokers, topic, index, n, keyed, nil) })
					})
					// The sink keeps a record's value until its item is
					// answered only for a reporter that reads it: here, one
					// logging the content of the records it is given.
					b.Run("worker-values-kept", func(b *testing.B) {
						benchRun(b, srv, topic, n, "", func(index string) {
							benchWorker(b, srv, brokers, topic, index, n, keyed, map[string]string{"errors.tolerance": "all", "errors.log.include.messages": "true"})
						})
					})
				}
				handwritten := func() {
					b.Run("handwritten", func(b *testing.B) {
						// The sink makes its mapping while timed, but at
						// once, in one request.
						mapping := ""
						if keyed {
							mapping = `,"mappings":` + benchMapping
						}
						benchRun(b, srv, topic, n, mapping, func(index string) { benchHandwritten(b, srv, brokers, topic, index, n, keyed) })
					})
				}
				// Odd rounds run the hand-written program first, so that
				// neither always follows the other on a server still
				// busy with the last pass's index (merges, its deletion).
				if r%2 == 0 {
					worker()
					handwritten()
				} else {
					handwritten()
					worker()
				}
			})
		}
	}
}

func benchRun(b *testing.B, srv esttest.Server, topic string, n int, mapping string, pass func(index string)) {
	var peak float64
	var cpu time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		// Named after the run's own topic, so that runs sharing a server
		// never meet, and deleted even when the run fails.
		index := fmt.Sprintf("%s-%d-%d", strings.ToLower(topic), time.Now().UnixNano(), i)
		b.Cleanup(func() { srv.Do(b, http.MethodDelete, "/"+index, nil) })
		// The same index settings for both: no replicas, refreshed once a
		// second.
		srv.MustDo(b, http.MethodPut, "/"+index, `{"settings":{"number_of_replicas":0}`+mapping+`}`, nil)
		rss := procstat.Start()
		cpu0 := cpuTime()
		b.StartTimer()
		pass(index)
		b.StopTimer()
		cpu += cpuTime() - cpu0
		peak = max(peak, rss.Stop())
		if got := srv.Count(b, index); got != n {
			b.Fatalf("%s holds %d documents, want %d", index, got, n)
		}
		if mapping == "" && strings.Contains(b.Name(), "/worker") && os.Getenv(benchDefaultsEnv) == "1" {
			checkMapping(b, srv, index)
		}
		srv.Do(b, http.MethodDelete, "/"+index, nil)
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(peak, "peak-RSS-MiB")
	// The process's CPU time (user and system) per document: steadier
	// than wall time on a loaded machine, where the server sets the pace.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*n), "cpu-µs/doc")
}

// checkMapping fails unless the sink gave index the mapping the
// hand-written program's index is created with.
func checkMapping(b *testing.B, srv esttest.Server, index string) {
	var got map[string]struct {
		Mappings any `json:"mappings"`
	}
	srv.MustDo(b, http.MethodGet, "/"+index+"/_mapping", nil, &got)
	var want any
	if err := json.Unmarshal([]byte(benchMapping), &want); err != nil {
		b.Fatal(err)
	}
	if !reflect.DeepEqual(got[index].Mappings, want) {
		b.Fatalf("the sink mapped %s as %v, the hand-written program as %v", index, got[index].Mappings, want)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchWorker runs the sink in a worker, with Confluent's defaults but
// key.ignore and schema.ignore unless keyed (and extra), until every
// offset is committed.
func benchWorker(b *testing.B, srv esttest.Server, brokers []string, topic, index string, n int, keyed bool, extra map[string]string) {
	ctx := context.Background()
	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(elasticsearch.Plugin()),
		worker.OffsetFlushInterval(100*time.Millisecond), worker.Logger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	name := testkafka.Group(b, "es-bench")
	config := map[string]string{
		"connector.class": "ElasticsearchSinkConnector", "topics": topic, "connection.url": srv.URL,
		"key.converter": "org.apache.kafka.connect.storage.StringConverter", "value.converter": "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable": "false", "key.ignore": "true", "schema.ignore": "true",
		"transforms": "index", "transforms.index.type": "org.apache.kafka.connect.transforms.RegexRouter",
		"transforms.index.regex": ".*", "transforms.index.replacement": index,
	}
	if keyed {
		delete(config, "key.ignore")
		delete(config, "schema.ignore")
		delete(config, "value.converter.schemas.enable")
	}
	maps.Copy(config, extra)
	for _, kv := range strings.Split(os.Getenv(benchConfigEnv), ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			config[k] = v
		}
	}
	if err := w.CreateConnector(ctx, name, config); err != nil {
		b.Fatal(err)
	}
	heapProfile := os.Getenv(benchHeapProfileEnv)
	deadline := time.Now().Add(30 * time.Minute)
	for time.Now().Before(deadline) {
		offs, err := w.ConnectorOffsets(ctx, name)
		if err == nil {
			var total int64
			for _, o := range offs.Offsets {
				v, _ := o.Offset.Int64("kafka_offset")
				total += v
			}
			if total == int64(n) {
				return
			}
			if total >= int64(n/2) && heapProfile != "" {
				writeHeapProfile(b, heapProfile)
				heapProfile = ""
			}
		}
		if st, err := w.Status(name); err == nil {
			for _, ts := range st.Tasks {
				if fmt.Sprint(ts.State) == "FAILED" {
					b.Fatalf("the task failed: %s", ts.Trace)
				}
			}
		}
		time.Sleep(20 * time.Millisecond) // polling the committed offsets
	}
	b.Fatal("the sink never committed every record")
}

func writeHeapProfile(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

// benchHandwritten is a program without kconnect: a franz-go group
// consumer whose records' values go, as they are, into _bulk index items
// with the same ids (topic+partition+offset, or when keyed the key with
// the offset as external version and the payload out of the envelope),
// benchBatch to a request, at most benchInFlight requests at once.
func benchHandwritten(b *testing.B, srv esttest.Server, brokers []string, topic, index string, n int, keyed bool) {
	cl := testkafka.Client(b, brokers, kgo.ConsumerGroup(testkafka.Group(b, "es-hand")), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	defer cl.Close()
	ctx := context.Background()
	slots := make(chan struct{}, benchInFlight)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ferr error
	send := func(body []byte) {
		defer wg.Done()
		defer func() { <-slots }()
		resp, err := http.Post(srv.URL+"/_bulk", "application/x-ndjson", bytes.NewReader(body))
		if err == nil {
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || bytes.Contains(data[:min(len(data), 40)], []byte(`"errors":true`)) {
				err = fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, data)
			}
		}
		if err != nil {
			mu.Lock()
			ferr = err
			mu.Unlock()
		}
	}
	var buf []byte
	items, seen := 0, 0
	flush := func() {
		slots <- struct{}{}
		wg.Add(1)
		go send(buf)
		buf, items = nil, 0
	}
	for seen < n {
		fs := cl.PollRecords(ctx, 500)
		// As the worker does, only a closed client ends the run: the
		// client retries the rest (a group coordinator moving, say) itself.
		fs.EachError(func(_ string, _ int32, err error) {
			if errors.Is(err, kgo.ErrClientClosed) {
				b.Fatal(err)
			}
		})
		fs.EachRecord(func(r *kgo.Record) {
			if keyed {
				buf = fmt.Appendf(buf, `{"index":{"_index":%q,"_id":%q,"version":%d,"version_type":"external"}}`+"\n", index, r.Key, r.Offset)
				buf = append(append(buf, r.Value[len(benchEnvelope):len(r.Value)-1]...), '\n')
			} else {
				buf = fmt.Appendf(buf, `{"index":{"_index":%q,"_id":"%s+%d+%d"}}`+"\n", index, r.Topic, r.Partition, r.Offset)
				buf = append(append(buf, r.Value...), '\n')
			}
			items++
			seen++
			if items == benchBatch {
				flush()
			}
		})
		if items > 0 {
			flush() // as linger.ms=1 sends what a poll gave
		}
	}
	wg.Wait()
	if ferr != nil {
		b.Fatal(ferr)
	}
}
