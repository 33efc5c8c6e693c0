package elasticsearch_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/esttest"
)

func allCreated(lines []string) []int {
	items := make([]int, len(lines)/2)
	for i := range items {
		items[i] = 201
	}
	return items
}

// TestMaxRetriesBoundsAllAttempts: max.retries bounds a batch's retries
// in all, whether the whole request failed (503) or its items were busy
// (429), as in Confluent's connector.
func TestMaxRetriesBoundsAllAttempts(t *testing.T) {
	f := &fakeServer{bulk: func(call int, lines []string) (int, []int) {
		if call%2 == 0 {
			return 503, nil
		}
		items := allCreated(lines)
		for i := range items {
			items[i] = 429
		}
		return 200, items
	}}
	srv := f.start(t)
	r := start(t, srv, map[string]string{"key.ignore": "true", "schema.ignore": "true", "retry.backoff.ms": "1", "max.retries": "3", "linger.ms": "0"})
	if err := r.try(docs(t, "t", 2)...); err == nil {
		t.Fatal("records written by a server that never took them")
	}
	if n := len(f.calls()); n != 4 {
		t.Fatalf("%d requests, want 1 + max.retries=3", n)
	}
}

// refusingListener accepts connections and closes them at once, counting
// them: a server that cannot be talked to.
func refusingListener(t *testing.T) (string, *atomic.Int32) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	return "http://" + ln.Addr().String(), &n
}

// TestDeadURLSkippedWithoutRetries: a server of connection.url that
// cannot be reached costs no retry (max.retries=0): the request goes to
// the next server, and the dead one is skipped afterwards.
func TestDeadURLSkippedWithoutRetries(t *testing.T) {
	esttest.Each(t, func(t *testing.T, srv esttest.Server) {
		for _, kind := range []string{"closes", "silent"} {
			t.Run(kind, func(t *testing.T) {
				var dead string
				var tries *atomic.Int32
				if kind == "closes" {
					dead, tries = refusingListener(t)
				} else {
					dead = "http://" + fullBacklog(t) // costs connection.timeout.ms
				}
				index := srv.Index(t, "esfix-dead")
				r := start(t, srv, map[string]string{"connection.url": dead + "," + srv.URL, "key.ignore": "true", "schema.ignore": "true",
					"max.retries": "0", "linger.ms": "0", "topics": index, "connection.timeout.ms": "200"})
				for i := range 4 {
					r.write(docs(t, index, 4)[i])
				}
				srv.Do(t, http.MethodPost, "/"+index+"/_refresh", nil)
				if n := srv.Count(t, index); n != 4 {
					t.Fatalf("%d documents, want 4", n)
				}
				if tries != nil && tries.Load() != 1 {
					t.Fatalf("%d connections to the dead server, want 1 (then skipped)", tries.Load())
				}
			})
		}
	})
}

// TestRoundRobin: requests are spread over the servers of connection.url.
func TestRoundRobin(t *testing.T) {
	a := &fakeServer{bulk: func(_ int, lines []string) (int, []int) { return 200, allCreated(lines) }}
	b := &fakeServer{bulk: func(_ int, lines []string) (int, []int) { return 200, allCreated(lines) }}
	sa, sb := a.start(t), b.start(t)
	r := start(t, sa, map[string]string{"connection.url": sa.URL + "," + sb.URL, "key.ignore": "true", "schema.ignore": "true", "linger.ms": "0"})
	for i := range 6 {
		r.write(docs(t, "t", 6)[i])
	}
	if na, nb := len(a.calls()), len(b.calls()); na < 2 || nb < 2 || na+nb != 6 {
		t.Fatalf("%d and %d requests, want 6 spread over both", na, nb)
	}
}

// TestReadTimeoutCoversTheBody: a server that sends its headers and then
// stalls fails the request after read.timeout.ms.
func TestReadTimeoutCoversTheBody(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/_bulk" {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"errors":false,`))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	r := start(t, esttest.Server{URL: srv.URL}, map[string]string{"key.ignore": "true", "schema.ignore": "true", "max.retries": "0",
		"linger.ms": "0", "read.timeout.ms": "200"})
	done := make(chan error, 1)
	go func() { done <- r.try(docs(t, "t", 1)...) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "read.timeout.ms") {
			t.Fatalf("err %v, want the read timeout", err)
		}
	case <-time.After(10 * time.Second):
		_ = r.task.Stop(context.Background())
		t.Fatal("a stalled response body is still awaited after 10 s with read.timeout.ms=200")
	}
}
