package elasticsearch_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
	"weak"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/esttest"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/kconnect-go/kconnect/sink/elasticsearch"
)

// fakeServer answers index checks with "exists" and hands each _bulk
// request to bulk, which returns the status and the per-item statuses.
type fakeServer struct {
	mu     sync.Mutex
	bodies []string
	auth   []string
	bulk   func(call int, lines []string) (int, []int)
}

func (f *fakeServer) start(t *testing.T) esttest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/_mapping") && r.Method == http.MethodGet {
			w.Write([]byte(`{"i":{"mappings":{"properties":{}}}}`)) // mapped already
			return
		}
		if r.URL.Path != "/_bulk" {
			return // HEAD /index: 200, it exists
		}
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		call := len(f.bodies)
		f.bodies = append(f.bodies, string(body))
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		f.mu.Unlock()
		lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
		status, items := f.bulk(call, lines)
		if status != 200 {
			http.Error(w, `{"error":"busy"}`, status)
			return
		}
		var b bytes.Buffer
		b.WriteString(`{"errors":true,"items":[`)
		for i, st := range items {
			if i > 0 {
				b.WriteByte(',')
			}
			if st >= 300 {
				fmt.Fprintf(&b, `{"index":{"status":%d,"error":{"type":"es_rejected_execution_exception","reason":"busy"}}}`, st)
			} else {
				fmt.Fprintf(&b, `{"index":{"status":%d}}`, st)
			}
		}
		b.WriteString("]}")
		w.Write(b.Bytes())
	}))
	t.Cleanup(srv.Close)
	return esttest.Server{Name: "fake", URL: srv.URL}
}

func (f *fakeServer) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.bodies...)
}

func docs(t testing.TB, topic string, n int) []connect.Record {
	out := make([]connect.Record, n)
	for i := range out {
		out[i] = record(topic, 0, int64(i), nil, nil, map[string]any{"i": int64(i)})
	}
	return out
}

func TestRetriesBusyItemsAlone(t *testing.T) {
	f := &fakeServer{bulk: func(call int, lines []string) (int, []int) {
		items := make([]int, len(lines)/2)
		for i := range items {
			items[i] = 201
		}
		switch call {
		case 0:
			return 503, nil // the whole request fails: sent again
		case 1:
			items[1] = 429 // one item is refused as busy: sent again alone
		}
		return 200, items
	}}
	srv := f.start(t)
	r := start(t, srv, map[string]string{"key.ignore": "true", "schema.ignore": "true", "retry.backoff.ms": "1", "linger.ms": "60000"})
	r.write(docs(t, "t", 3)...)
	calls := f.calls()
	if len(calls) != 3 {
		t.Fatalf("%d requests, want 3", len(calls))
	}
	if calls[0] != calls[1] || strings.Count(calls[2], "\n") != 2 || !strings.Contains(calls[2], `"_id":"t+0+1"`) {
		t.Fatalf("requests:\n%s", strings.Join(calls, "----\n"))
	}
}

func TestRetriesExhaustedFailWithoutCommitting(t *testing.T) {
	f := &fakeServer{bulk: func(int, []string) (int, []int) { return 503, nil }}
	srv := f.start(t)
	r := start(t, srv, map[string]string{"key.ignore": "true", "schema.ignore": "true", "retry.backoff.ms": "1", "max.retries": "2",
		"connection.url": strings.Replace(srv.URL, "http://", "http://elastic:hunter2@", 1)})
	err := r.try(docs(t, "t", 2)...)
	if err == nil || !strings.Contains(err.Error(), "HTTP 503") || !strings.Contains(err.Error(), "max.retries") {
		t.Fatalf("err %v", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("the error shows the password: %v", err)
	}
	if n := len(f.calls()); n != 3 {
		t.Fatalf("%d requests, want 1 + max.retries", n)
	}
	if got := f.auth[0]; got != "Basic "+base64.StdEncoding.EncodeToString([]byte("elastic:hunter2")) {
		t.Fatalf("Authorization %q", got)
	}
	got, err := r.task.(sink.PreCommitter).PreCommit(context.Background(), r.put)
	if err == nil && got[sink.TopicPartition{Topic: "t"}] > 0 {
		t.Fatalf("offsets %v committed past records never written", got)
	}
}

func TestPutBlocksAtMaxBufferedRecords(t *testing.T) {
	release := make(chan struct{})
	f := &fakeServer{bulk: func(_ int, lines []string) (int, []int) {
		<-release
		items := make([]int, len(lines)/2)
		for i := range items {
			items[i] = 201
		}
		return 200, items
	}}
	srv := f.start(t)
	r := start(t, srv, map[string]string{"key.ignore": "true", "schema.ignore": "true", "batch.size": "2", "max.buffered.records": "4", "linger.ms": "0"})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock) // before the task stops and the server closes
	done := make(chan error, 1)
	go func() { done <- r.task.Put(context.Background(), docs(t, "t", 10)) }()
	select {
	case err := <-done:
		t.Fatalf("Put returned (%v) with 10 records buffered beyond max.buffered.records=4", err)
	case <-time.After(300 * time.Millisecond): // nothing to await: Put must not return
	}
	unblock()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Put still blocked once the server answered")
	}
}

func TestFailoverToTheNextURL(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close() // refuses connections from now on
	f := &fakeServer{bulk: func(_ int, lines []string) (int, []int) {
		items := make([]int, len(lines)/2)
		for i := range items {
			items[i] = 201
		}
		return 200, items
	}}
	live := f.start(t)
	r := start(t, live, map[string]string{"connection.url": dead.URL + "," + live.URL, "key.ignore": "true", "schema.ignore": "true",
		"retry.backoff.ms": "1", "max.retries": "1", "linger.ms": "0"})
	for i := range 4 {
		r.write(docs(t, "t", 4)[i])
	}
	if n := len(f.calls()); n != 4 {
		t.Fatalf("%d requests reached the live server, want every batch's", n)
	}
}

// TestPutIsNotCutByLinger: the records of one Put go out in batch.size
// requests even when converting them takes longer than linger.ms.
func TestPutIsNotCutByLinger(t *testing.T) {
	f := &fakeServer{bulk: func(_ int, lines []string) (int, []int) {
		items := make([]int, len(lines)/2)
		for i := range items {
			items[i] = 201
		}
		return 200, items
	}}
	srv := f.start(t)
	r := start(t, srv, map[string]string{"key.ignore": "true", "schema.ignore": "true", "linger.ms": "0", "batch.size": "1500"})
	r.write(docs(t, "t", 2000)...)
	calls := f.calls()
	var sizes []int
	for _, c := range calls {
		sizes = append(sizes, strings.Count(c, "\n")/2)
	}
	// The two requests are in flight together (max.in.flight.requests),
	// so they may arrive in either order.
	slices.Sort(sizes)
	if !slices.Equal(sizes, []int{500, 1500}) {
		t.Fatalf("requests of %v items, want one of 1500 and one of 500", sizes)
	}
}

// TestUnreachableServerFailsRatherThanReports: when the index cannot be
// checked, Put fails (the worker retries the task) and no record goes to
// the errant record reporter, which is for records the server refused.
func TestUnreachableServerFailsRatherThanReports(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close() // refuses connections from now on
	r := start(t, esttest.Server{URL: dead.URL}, map[string]string{"key.ignore": "true", "schema.ignore": "true",
		"max.retries": "0", "linger.ms": "0"})
	err := r.task.Put(context.Background(), docs(t, "t", 2))
	if err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("Put: %v, want the failed index check", err)
	}
	if rep := r.tc.Reported(); len(rep) != 0 {
		t.Fatalf("%d records reported as errant for an unreachable server", len(rep))
	}
}

// TestMapEntries: with the schema used, maps are written as Confluent's
// connector writes them: string-keyed maps as objects with
// compact.map.entries=true (the default), every other map as an array of
// {"key","value"} objects.
func TestMapEntries(t *testing.T) {
	inner := connect.StructOf(connect.F("tags", connect.MapOf(connect.StringSchema, connect.Int64Schema)))
	vs := connect.StructOf(
		connect.F("byName", connect.MapOf(connect.StringSchema, connect.Int64Schema)),
		connect.F("byNumber", connect.MapOf(connect.Int32Schema, connect.StringSchema)),
		connect.F("list", connect.ArrayOf(inner)),
		connect.F("n", connect.Int32Schema),
	)
	in := connect.NewStruct(inner)
	must(t, in.Put("tags", map[string]any{"y": int64(2), "x": int64(1)}))
	v := connect.NewStruct(vs)
	must(t, v.Put("byName", map[string]any{"b": int64(2), "a": int64(1)}))
	must(t, v.Put("byNumber", map[any]any{int32(2): "two", int32(1): "one"}))
	must(t, v.Put("list", []any{in}))
	must(t, v.Put("n", int32(7)))
	for compact, want := range map[string]string{
		"true": `{"byName":{"a":1,"b":2},"byNumber":[{"key":1,"value":"one"},{"key":2,"value":"two"}],"list":[{"tags":{"x":1,"y":2}}],"n":7}`,
		"false": `{"byName":[{"key":"a","value":1},{"key":"b","value":2}],"byNumber":[{"key":1,"value":"one"},{"key":2,"value":"two"}],` +
			`"list":[{"tags":[{"key":"x","value":1},{"key":"y","value":2}]}],"n":7}`,
	} {
		t.Run("compact.map.entries="+compact, func(t *testing.T) {
			f, srv := okServer(t)
			r := start(t, srv, map[string]string{"key.ignore": "true", "linger.ms": "0", "compact.map.entries": compact})
			r.write(record("t", 0, 0, nil, vs, v))
			lines := strings.Split(strings.TrimSpace(f.calls()[0]), "\n")
			var got, exp any
			must(t, json.Unmarshal([]byte(lines[1]), &got))
			must(t, json.Unmarshal([]byte(want), &exp))
			if !reflect.DeepEqual(got, exp) {
				t.Fatalf("document\n%s\nwant\n%s", lines[1], want)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestDropInvalidMessage: a record that cannot be converted goes to the
// errant record reporter and fails the task, unless drop.invalid.message
// is true: then the rest are written and its offset committed.
func TestDropInvalidMessage(t *testing.T) {
	for _, drop := range []bool{false, true} {
		t.Run(fmt.Sprint("drop.invalid.message=", drop), func(t *testing.T) {
			f, srv := okServer(t)
			r := start(t, srv, map[string]string{"key.ignore": "true", "schema.ignore": "true", "linger.ms": "0",
				"drop.invalid.message": fmt.Sprint(drop)})
			recs := docs(t, "t", 3)
			recs[1].Value = nil // behavior.on.null.values=FAIL
			err := r.try(recs...)
			if rep := r.tc.Reported(); len(rep) != 1 || !strings.Contains(rep[0].Err.Error(), "null value") {
				t.Fatalf("reported %v", rep)
			}
			if !drop {
				if err == nil || !strings.Contains(err.Error(), "drop.invalid.message") {
					t.Fatalf("Put: %v, want the task failed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if body := strings.Join(f.calls(), ""); strings.Count(body, "\n") != 4 || strings.Contains(body, "t+0+1") {
				t.Fatalf("requests:\n%s", body)
			}
		})
	}
}

// TestAutogeneratedIDs: with use.autogenerated.ids, index items carry no
// id and no version, whatever the key.
func TestAutogeneratedIDs(t *testing.T) {
	f, srv := okServer(t)
	r := start(t, srv, map[string]string{"schema.ignore": "true", "linger.ms": "0", "use.autogenerated.ids": "true"})
	rec := docs(t, "t", 1)[0]
	rec.Key = "k1"
	r.write(rec)
	action := strings.SplitN(f.calls()[0], "\n", 2)[0]
	if action != `{"index":{"_index":"t"}}` {
		t.Fatalf("action %s", action)
	}
}

// TestExternalVersionHeader: the external version comes from the named
// header; a record without it, or with a value that is not an integer,
// cannot be converted, and the error does not quote the value.
func TestExternalVersionHeader(t *testing.T) {
	f, srv := okServer(t)
	r := start(t, srv, map[string]string{"schema.ignore": "true", "linger.ms": "0", "external.version.header": "ver",
		"drop.invalid.message": "true"})
	recs := docs(t, "t", 4)
	for i := range recs {
		recs[i].Key = fmt.Sprint("k", i)
	}
	recs[0].Headers = recs[0].Headers.Add("ver", connect.Int64Schema, int64(42))
	recs[1].Headers = recs[1].Headers.AddString("ver", "43")
	recs[2].Headers = recs[2].Headers.AddString("ver", "s3cret-not-a-number")
	r.write(recs...)
	body := strings.Join(f.calls(), "")
	for _, want := range []string{`"_id":"k0","version":42,"version_type":"external"`, `"_id":"k1","version":43,"version_type":"external"`} {
		if !strings.Contains(body, want) {
			t.Errorf("no %s in\n%s", want, body)
		}
	}
	if strings.Contains(body, "k2") || strings.Contains(body, "k3") {
		t.Errorf("records without a version were sent:\n%s", body)
	}
	rep := r.tc.Reported()
	if len(rep) != 2 || !strings.Contains(rep[0].Err.Error(), "integer") || !strings.Contains(rep[1].Err.Error(), "no header ver") {
		t.Fatalf("reported %v", rep)
	}
	if strings.Contains(rep[0].Err.Error(), "s3cret") {
		t.Fatalf("the error quotes the header: %v", rep[0].Err)
	}
}

// TestRequestsInFlightHoldNoValues: once a record's document is in a
// request, the task lets go of its converted value unless the errant record
// reporter reads it (a dead letter queue, or errors.log.include.messages),
// so max.buffered.records records in flight cost their encoded documents,
// not their values too.
func TestRequestsInFlightHoldNoValues(t *testing.T) {
	for _, c := range []struct {
		name  string
		extra map[string]string
		kept  bool
	}{
		{"no reporter reads them", nil, false},
		{"tolerated, logged without content", map[string]string{"errors.tolerance": "all", "errors.log.enable": "true"}, false},
		{"dead letter queue", map[string]string{"errors.tolerance": "all", "errors.deadletterqueue.topic.name": "dlq"}, true},
		{"content logged", map[string]string{"errors.tolerance": "ALL", "errors.log.include.messages": "true"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			release := make(chan struct{})
			f := &fakeServer{bulk: func(_ int, lines []string) (int, []int) {
				<-release
				items := make([]int, len(lines)/2)
				for i := range items {
					items[i] = 201
				}
				return 200, items
			}}
			srv := f.start(t)
			cfg := map[string]string{"key.ignore": "true", "schema.ignore": "true", "batch.size": "2", "linger.ms": "0"}
			maps.Copy(cfg, c.extra)
			r := start(t, srv, cfg)
			var once sync.Once
			unblock := func() { once.Do(func() { close(release) }) }
			t.Cleanup(unblock) // before the task stops and the server closes
			values := putLargeValues(t, r, 4)
			require.Eventually(t, func() bool { return len(f.calls()) == 2 }, 10*time.Second, 5*time.Millisecond)
			// Both requests are in flight, unanswered.
			runtime.GC()
			runtime.GC()
			held := 0
			for _, v := range values {
				if v.Value() != nil {
					held++
				}
			}
			if want := map[bool]int{true: 4, false: 0}[c.kept]; held != want {
				t.Fatalf("%d of 4 values held while their requests are in flight, want %d", held, want)
			}
			unblock()
			if err := r.try(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// putLargeValues puts n records, each with a value holding a string of its
// own of 1 MiB, and returns weak pointers to those strings.
func putLargeValues(t *testing.T, r *run, n int) []weak.Pointer[byte] {
	t.Helper()
	var out []weak.Pointer[byte]
	recs := make([]connect.Record, n)
	for i := range recs {
		s := strings.Repeat(strconv.Itoa(i), 1<<20)
		out = append(out, weak.Make(unsafe.StringData(s)))
		recs[i] = record("t", 0, int64(i), nil, nil, map[string]any{"s": s})
	}
	if err := r.task.Put(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		p, _ := recs[i].Origin()
		r.put[sink.TopicPartition{Topic: p.Topic, Partition: p.Partition}] = p.Offset + 1
	}
	return out
}

// BenchmarkHeapInFlight: the live heap of a task holding
// max.buffered.records (20,000) records in unanswered requests, values as
// JsonConverter gives the benchmark's 10-field JSON objects, with and
// without a reporter that reads their content. One op is one such task.
func BenchmarkHeapInFlight(b *testing.B) {
	for _, c := range []struct {
		name  string
		extra map[string]string
	}{
		{"values-dropped", nil},
		{"values-kept", map[string]string{"errors.tolerance": "all", "errors.log.include.messages": "true"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var heap float64
			for range b.N {
				heap += heapInFlight(b, c.extra)
			}
			b.ReportMetric(heap/float64(b.N)/(1<<20), "heap-MiB")
		})
	}
}

func heapInFlight(b *testing.B, extra map[string]string) float64 {
	const n = 20_000
	// A server that keeps nothing of the requests: only the task's heap
	// is counted. It answers every index check, and no _bulk request
	// until the end.
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_bulk" {
			io.Copy(io.Discard, r.Body)
			<-release
			http.Error(w, "gone", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	cfg := map[string]string{"connection.url": srv.URL, "topics": "t", "key.ignore": "true", "schema.ignore": "true",
		"max.buffered.records": strconv.Itoa(n + 1)}
	maps.Copy(cfg, extra)
	task := elasticsearch.Plugin().New().NewTask()
	if err := task.Start(context.Background(), cfg, connecttest.NewSinkTaskContext(cfg)); err != nil {
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < n; i += 500 { // as the worker's polls give them
		recs := make([]connect.Record, 500)
		for j := range recs {
			k := int64(i + j)
			recs[j] = record("t", 0, k, nil, nil, map[string]any{"id": k, "name": fmt.Sprintf("customer-%d", k),
				"email": fmt.Sprintf("c%d@example.com", k), "amount": float64(k%1000) + 0.25, "qty": k % 17, "active": k%2 == 0,
				"ts": 1_700_000_000_000 + k, "city": "Zürich", "tag": fmt.Sprintf("t%d", k%10), "note": "a note of some length"})
		}
		if err := task.Put(context.Background(), recs); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	close(release)
	_ = task.Stop(context.Background())
	srv.CloseClientConnections()
	return float64(after.HeapAlloc) - float64(before.HeapAlloc)
}

// TestBackPressureKeepsBatchesWhole: Puts arriving faster than the server
// answers each go out as one request, however max.buffered.records cuts
// across them: a batch cut to the room a finished request left would make
// ever smaller requests.
func TestBackPressureKeepsBatchesWhole(t *testing.T) {
	var mu sync.Mutex
	sizes := map[int]int{} // items per request: how many requests
	f := &fakeServer{bulk: func(_ int, lines []string) (int, []int) {
		time.Sleep(5 * time.Millisecond) // the server's latency, slower than Put
		items := make([]int, len(lines)/2)
		for i := range items {
			items[i] = 201
		}
		mu.Lock()
		sizes[len(items)]++
		mu.Unlock()
		return 200, items
	}}
	srv := f.start(t)
	r := start(t, srv, map[string]string{"key.ignore": "true", "schema.ignore": "true", "linger.ms": "0",
		"max.buffered.records": "1000", "max.in.flight.requests": "2"})
	const puts, size = 20, 300
	all := docs(t, "t", puts*size)
	for i := range puts {
		// Put after Put, as a worker polling a backlog does.
		if err := r.task.Put(context.Background(), all[i*size:(i+1)*size]); err != nil {
			t.Fatal(err)
		}
	}
	r.put[sink.TopicPartition{Topic: "t", Partition: 0}] = puts * size
	if err := r.try(); err != nil { // until every record is done
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sizes) != 1 || sizes[size] != puts {
		t.Fatalf("requests by number of items: %v, want %d of %d", sizes, puts, size)
	}
}
