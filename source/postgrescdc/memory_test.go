package postgrescdc_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/source/postgrescdc"
)

// TestLargeTransactionBoundedMemory streams one transaction of 100,000
// rows (about 100MB as records) through a queue of 100 polled slowly:
// the records queued never outnumber max.queue.size, the heap does not
// grow with the transaction while the queue is full, and every row comes
// once. 5s to 20s (with -race, on a busy machine): the only check that a large transaction is not held in
// memory anywhere between the socket and Poll.
func TestLargeTransactionBoundedMemory(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY, v text)`)
	const rows, maxQueue = 100_000, 100
	r := start(t, p.config("snapshot.mode", "no_data", "max.queue.size", "100", "max.batch.size", "50"), nil)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	p.exec(t, `INSERT INTO public.t SELECT g, repeat('x', 800) FROM generate_series(1, $1::int) g`, rows)

	seen := make([]bool, rows+1)
	count := func(n int) {
		for _, rec := range r.until(n) {
			id := field(t, rec.Key, "id").(int32)
			if seen[id] {
				t.Fatalf("id %d came twice", id)
			}
			seen[id] = true
		}
		if q := postgrescdc.Queued(r.task); q > maxQueue {
			t.Fatalf("%d records queued, more than max.queue.size %d", q, maxQueue)
		}
	}
	count(1)
	// The queue fills while the test does not poll; the reader then
	// waits, the rest of the transaction in the server or the socket.
	// Once the queue stops growing, the heap holds whatever the task
	// buffers.
	deadline := time.Now().Add(30 * time.Second)
	for last := -1; ; {
		time.Sleep(300 * time.Millisecond)
		q := postgrescdc.Queued(r.task)
		if q == last && q > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the queue still grows after 30s: %d records", q)
		}
		last = q
	}
	if q := postgrescdc.Queued(r.task); q > maxQueue {
		t.Fatalf("%d records queued, more than max.queue.size %d", q, maxQueue)
	}
	runtime.GC()
	var full runtime.MemStats
	runtime.ReadMemStats(&full)
	if grown := int64(full.HeapAlloc) - int64(before.HeapAlloc); grown > 32<<20 {
		t.Fatalf("the heap grew by %dMB with the queue full of %d records", grown>>20, maxQueue)
	}
	for len(r.got) < rows {
		count(1)
	}
	if len(r.got) != rows {
		t.Fatalf("%d records, want %d", len(r.got), rows)
	}
	r.quiet(200 * time.Millisecond)
}
