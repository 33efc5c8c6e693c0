package elasticsearch_test

import (
	"context"
	"maps"
	"strconv"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/esttest"
	"github.com/kconnect-go/kconnect/sink"
)

// TestServerKilledMidRun kills a private server (SIGKILL) while batches
// are in flight and starts it again: the task retries until it is back,
// nothing is lost, and with key ids every key has one document, its newest
// record's.
func TestServerKilledMidRun(t *testing.T) {
	esttest.Each(t, func(t *testing.T, shared esttest.Server) {
		if testing.Short() {
			t.Skip("starts a private server twice (about a minute)")
		}
		p := esttest.StartPrivate(t, shared.Name)
		const keys, n = 300, 1200
		topic := "outage"
		recs := make([]connect.Record, n)
		for i := range recs {
			recs[i] = record(topic, 0, int64(i), "k"+strconv.Itoa(i%keys), valueSchema, value(t, i, "v"))
		}
		r := start(t, p.Server, map[string]string{"max.retries": "20", "retry.backoff.ms": "10", "batch.size": "100",
			"connection.timeout.ms": "1000"})
		r.write(recs[:n/2]...)

		p.Kill()
		down := time.Now()
		put := map[sink.TopicPartition]int64{{Topic: topic}: n}
		for i := n / 2; i < n; i += 100 {
			if err := r.task.Put(context.Background(), recs[i:i+100]); err != nil {
				t.Fatal(err)
			}
		}
		got, err := r.task.(sink.PreCommitter).PreCommit(context.Background(), maps.Clone(put))
		if err != nil {
			t.Fatal(err)
		}
		if off := got[sink.TopicPartition{Topic: topic}]; off > int64(n/2) {
			t.Fatalf("offset %d committed while the server is down", off)
		}
		p.Restart()
		// The retries back off exponentially with jitter, as Confluent's
		// do: the longer the server took to come back (minutes on a busy
		// machine), the longer the wait before the retry that finds it.
		deadline := time.Now().Add(3*time.Minute + 2*time.Since(down))
		for {
			got, err := r.task.(sink.PreCommitter).PreCommit(context.Background(), maps.Clone(put))
			if err != nil {
				t.Fatal(err)
			}
			if maps.Equal(got, put) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("PreCommit returned %v after the restart, want %v", got, put)
			}
			time.Sleep(100 * time.Millisecond) // polling the retries in flight
		}
		if c := p.Count(t, topic); c != keys {
			t.Fatalf("%d documents, want one per key (%d)", c, keys)
		}
		for _, k := range []int{0, keys - 1} {
			h, ok := p.Doc(t, topic, "k"+strconv.Itoa(k))
			want := int64(n - keys + k)
			if !ok || h.Version != want || h.Source["n"] != float64(want) {
				t.Fatalf("k%d: %v %+v, want the record at offset %d", k, ok, h, want)
			}
		}
	})
}
