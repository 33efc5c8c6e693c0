package elasticsearch_test

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/esttest"
	"github.com/kconnect-go/kconnect/sink"
)

// TestTopicKeyIgnore: the topics of topic.key.ignore take ids made of
// their Kafka positions, the others their keys.
func TestTopicKeyIgnore(t *testing.T) {
	f, srv := okServer(t)
	r := start(t, srv, map[string]string{"topics": "a,b", "topic.key.ignore": "a", "schema.ignore": "true", "linger.ms": "60000"})
	r.write(record("a", 0, 7, "ka", nil, map[string]any{"i": int64(1)}), record("b", 0, 8, "kb", nil, map[string]any{"i": int64(2)}))
	body := strings.Join(f.calls(), "")
	if !strings.Contains(body, `"_id":"a+0+7"`) || !strings.Contains(body, `"_id":"kb"`) {
		t.Fatalf("requests:\n%s", body)
	}
}

// TestTopicSchemaIgnore: the topics of topic.schema.ignore are mapped by
// the server, the others from their schemas (a Timestamp is a date).
func TestTopicSchemaIgnore(t *testing.T) {
	ts := connect.PrimitiveSchema(connect.Int64Type, false).WithName(connect.TimestampName)
	schema := connect.StructOf(connect.F("at", ts))
	v := connect.NewStruct(schema)
	if err := v.Put("at", time.UnixMilli(1_700_000_000_000).UTC()); err != nil {
		t.Fatal(err)
	}
	esttest.Each(t, func(t *testing.T, srv esttest.Server) {
		ignored, mapped := srv.Index(t, "esfix-ign"), srv.Index(t, "esfix-map")
		r := start(t, srv, map[string]string{"topics": ignored + "," + mapped, "topic.schema.ignore": ignored, "key.ignore": "true"})
		r.write(record(ignored, 0, 0, nil, schema, v), record(mapped, 0, 0, nil, schema, v))
		for index, want := range map[string]string{ignored: "long", mapped: "date"} {
			var m map[string]struct {
				Mappings struct {
					Properties map[string]map[string]any `json:"properties"`
				} `json:"mappings"`
			}
			srv.MustDo(t, http.MethodGet, "/"+index+"/_mapping", nil, &m)
			if got := m[index].Mappings.Properties["at"]["type"]; got != want {
				t.Errorf("%s: at mapped as %v, want %s", index, got, want)
			}
		}
	})
}

// TestBulkSizeBytes: a batch goes once its request reaches
// bulk.size.bytes, before batch.size.
func TestBulkSizeBytes(t *testing.T) {
	f, srv := okServer(t)
	r := start(t, srv, map[string]string{"key.ignore": "true", "schema.ignore": "true", "linger.ms": "60000", "bulk.size.bytes": "1"})
	r.write(docs(t, "t", 3)...)
	if n := len(f.calls()); n != 3 {
		t.Fatalf("%d requests, want one per record with bulk.size.bytes=1", n)
	}
}

// TestFlushSynchronously: with flush.synchronously, PreCommit waits for
// the requests in flight; without, it returns what is done already.
func TestFlushSynchronously(t *testing.T) {
	for _, synchronous := range []string{"true", "false"} {
		t.Run(synchronous, func(t *testing.T) {
			// The server answers only when released, so the request is in
			// flight when PreCommit runs, however slow the machine.
			release := make(chan struct{})
			var once sync.Once
			free := func() { once.Do(func() { close(release) }) }
			t.Cleanup(free)
			f := &fakeServer{bulk: func(_ int, lines []string) (int, []int) {
				<-release
				return 200, allCreated(lines)
			}}
			srv := f.start(t)
			r := start(t, srv, map[string]string{"key.ignore": "true", "schema.ignore": "true", "linger.ms": "0", "flush.synchronously": synchronous})
			if err := r.task.Put(context.Background(), docs(t, "t", 1)); err != nil {
				t.Fatal(err)
			}
			tp := sink.TopicPartition{Topic: "t"}
			type result struct {
				got map[sink.TopicPartition]int64
				err error
			}
			done := make(chan result, 1)
			go func() {
				got, err := r.task.(sink.PreCommitter).PreCommit(context.Background(), map[sink.TopicPartition]int64{tp: 1})
				done <- result{got, err}
			}()
			var res result
			if synchronous == "true" {
				select {
				case res = <-done:
					t.Fatalf("PreCommit returned %v, %v before its request was answered", res.got, res.err)
				case <-time.After(200 * time.Millisecond):
				}
				free()
				res = <-done
			} else {
				select {
				case res = <-done:
				case <-time.After(10 * time.Second):
					t.Fatal("PreCommit waited for the request with flush.synchronously=false")
				}
				free()
			}
			if res.err != nil {
				t.Fatal(res.err)
			}
			want := map[string]int64{"true": 1, "false": 0}[synchronous]
			if res.got[tp] != want {
				t.Fatalf("PreCommit offset %d, want %d", res.got[tp], want)
			}
		})
	}
}

// TestFlushTimeout: a request that takes longer than flush.timeout.ms
// fails the task.
func TestFlushTimeout(t *testing.T) {
	release := make(chan struct{})
	f := &fakeServer{bulk: func(_ int, lines []string) (int, []int) {
		<-release
		return 200, allCreated(lines)
	}}
	srv := f.start(t)
	t.Cleanup(func() { close(release) })
	r := start(t, srv, map[string]string{"key.ignore": "true", "schema.ignore": "true", "linger.ms": "0", "flush.synchronously": "true", "flush.timeout.ms": "1000"})
	if err := r.task.Put(context.Background(), docs(t, "t", 1)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := r.task.(sink.PreCommitter).PreCommit(context.Background(), map[sink.TopicPartition]int64{{Topic: "t"}: 1})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "flush.timeout.ms") {
			t.Fatalf("PreCommit: %v, want the flush timeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("PreCommit still waiting after 10 s with flush.timeout.ms=1000")
	}
}

// TestDataStreamNamespaceAndTimestampField: records go to the data stream
// <type>-<dataset>-<namespace>, with @timestamp taken from the first of
// data.stream.timestamp.field the document has.
func TestDataStreamNamespaceAndTimestampField(t *testing.T) {
	f, srv := okServer(t)
	r := start(t, srv, map[string]string{"data.stream.type": "logs", "data.stream.dataset": "ds", "data.stream.namespace": "ns-${topic}",
		"data.stream.timestamp.field": "missing,when", "schema.ignore": "true", "key.ignore": "true", "linger.ms": "0"})
	r.write(record("t", 0, 0, nil, nil, map[string]any{"when": "2026-12-07T00:00:00Z"}))
	body := strings.Join(f.calls(), "")
	if !strings.Contains(body, `"_index":"logs-ds-ns-t"`) || !strings.Contains(body, `"@timestamp":"2026-12-07T00:00:00Z"`) {
		t.Fatalf("request:\n%s", body)
	}
}

// TestMaxInFlightRequests: a sixth request waits while the default five
// are in flight.
func TestMaxInFlightRequests(t *testing.T) {
	var mu sync.Mutex
	arrived := 0
	release := make(chan struct{})
	f := &fakeServer{bulk: func(_ int, lines []string) (int, []int) {
		mu.Lock()
		arrived++
		mu.Unlock()
		<-release
		return 200, allCreated(lines)
	}}
	srv := f.start(t)
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock)
	r := start(t, srv, map[string]string{"key.ignore": "true", "schema.ignore": "true", "linger.ms": "0", "batch.size": "1"})
	if err := r.task.Put(context.Background(), docs(t, "t", 6)); err != nil {
		t.Fatal(err)
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return arrived }
	require.Eventually(t, func() bool { return count() == 5 }, 10*time.Second, 5*time.Millisecond)
	time.Sleep(200 * time.Millisecond) // a window in which a sixth request must not arrive
	if n := count(); n != 5 {
		t.Fatalf("%d requests in flight, want max.in.flight.requests=5", n)
	}
	unblock()
	require.Eventually(t, func() bool { return count() == 6 }, 10*time.Second, 5*time.Millisecond)
}

// TestConnectionTimeout: connecting to a server that takes no connection
// gives up after connection.timeout.ms.
func TestConnectionTimeout(t *testing.T) {
	addr := fullBacklog(t)
	r := start(t, esttest.Server{URL: "http://" + addr}, map[string]string{"key.ignore": "true", "schema.ignore": "true",
		"max.retries": "0", "connection.timeout.ms": "100"})
	begin := time.Now()
	err := r.task.Put(context.Background(), docs(t, "t", 1))
	if err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("Put: %v, want a connection timeout", err)
	}
	// The default, 1000 ms, would be taken were the key ignored.
	if took := time.Since(begin); took > 900*time.Millisecond {
		t.Fatalf("gave up after %s with connection.timeout.ms=100 (%v)", took, err)
	}
}

// fullBacklog returns the address of a socket that listens but whose
// queue of connections waiting to be accepted is full: a connection
// attempt gets no answer, as from a host that drops packets.
func fullBacklog(t *testing.T) string {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := sa.(*syscall.SockaddrInet4)
	hostport := "127.0.0.1:" + strconv.Itoa(addr.Port)
	// Fill the queue: these connections are never accepted.
	for range 4 {
		c, err := net.DialTimeout("tcp", hostport, 200*time.Millisecond)
		if err != nil {
			break // full already
		}
		t.Cleanup(func() { c.Close() })
	}
	return hostport
}
