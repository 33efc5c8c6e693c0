package postgrescdc_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
)

// TestSnapshotThenStream writes rows while the snapshot is being read
// (from before the slot is created; the queue is small, so the snapshot
// waits on the test's polls): every
// row comes exactly once, either read by the snapshot (op r) or streamed
// (op c), and the snapshot's records carry Debezium's markers and
// offsets.
func TestSnapshotThenStream(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.a (id int PRIMARY KEY, v text)`)
	p.exec(t, `CREATE TABLE public.b (id int PRIMARY KEY, v text)`)
	p.exec(t, `INSERT INTO public.a SELECT g, 'a' || g FROM generate_series(1, 150) g`)
	p.exec(t, `INSERT INTO public.b SELECT g, 'b' || g FROM generate_series(1, 50) g`)
	cfg := p.config("snapshot.fetch.size", "7", "max.batch.size", "5", "max.queue.size", "10")

	// Concurrent writes, from before the slot is created until well
	// into the snapshot (the small queue holds the snapshot back until
	// the test polls).
	var wg sync.WaitGroup
	wg.Add(1)
	started := make(chan struct{})
	go func() {
		defer wg.Done()
		for i := 151; i <= 400; i++ {
			if _, err := p.conn.Exec(context.Background(), `INSERT INTO public.a VALUES ($1, $2)`, i, fmt.Sprint("a", i)); err != nil {
				t.Error(err)
				return
			}
			if i == 160 {
				close(started)
			}
		}
	}()
	<-started
	r := start(t, cfg, nil)
	r.until(20)
	wg.Wait()

	seen := map[string]int{}
	var snap []connect.Record
	collect := func(recs []connect.Record) {
		for _, rec := range recs {
			op := field(t, rec.Value, "op").(string)
			id := field(t, rec.Key, "id").(int32)
			seen[fmt.Sprintf("%s/%d", rec.Topic[len(rec.Topic)-1:], id)]++
			if op == "r" {
				snap = append(snap, rec)
			} else if op != "c" {
				t.Fatalf("op %q", op)
			}
		}
	}
	collect(r.got)
	for len(seen) < 450 {
		collect(r.until(1))
	}
	r.quiet(300 * time.Millisecond)
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("%s came %d times", k, n)
		}
	}
	if len(seen) != 450 {
		t.Fatalf("%d rows, want 450", len(seen))
	}
	if len(snap) < 200 {
		t.Fatalf("%d snapshot records, want at least the 200 rows there before the start", len(snap))
	}
	markers := func(i int) any { return field(t, snap[i].Value, "source", "snapshot") }
	if markers(0) != "first" || markers(len(snap)-1) != "last" {
		t.Fatalf("snapshot markers %v ... %v", markers(0), markers(len(snap)-1))
	}
	for i := range snap[:len(snap)-1] {
		if snap[i].Topic != snap[i+1].Topic && markers(i) != "last_in_data_collection" {
			t.Fatalf("record %d, the last of %s, is marked %v", i, snap[i].Topic, markers(i))
		}
		if i > 0 && snap[i].Topic != snap[i-1].Topic && markers(i) != "first_in_data_collection" {
			t.Fatalf("record %d, the first of %s, is marked %v", i, snap[i].Topic, markers(i))
		}
	}
	off := snap[len(snap)-1].SourceOffset
	for k, want := range map[string]any{"snapshot": "INITIAL", "last_snapshot_record": true, "snapshot_completed": true} {
		if got, _ := off.Get(k); got != want {
			t.Fatalf("last snapshot offset %s = %v, want %v (%v)", k, got, want, off)
		}
	}
	if got, _ := snap[0].SourceOffset.Get("last_snapshot_record"); got != false {
		t.Fatalf("first snapshot offset %v", snap[0].SourceOffset)
	}
}

// TestResumeFromCommittedOffsets stops a task after committing the offset
// of a record in the middle of a transaction, and starts another: it
// reads from the next change on, none lost, none repeated. The slot's
// confirmed flush LSN follows the committed offsets only.
func TestResumeFromCommittedOffsets(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY)`)
	cfg := p.config("snapshot.mode", "no_data")
	offsets := connecttest.NewOffsets()
	r := start(t, cfg, offsets)
	before := p.confirmedFlush(t, cfg["slot.name"])
	p.exec(t, `INSERT INTO public.t SELECT generate_series(1, 5)`)
	p.exec(t, `INSERT INTO public.t SELECT generate_series(6, 10)`)
	p.exec(t, `INSERT INTO public.t SELECT generate_series(11, 15)`)
	recs := r.until(15)
	if got := p.confirmedFlush(t, cfg["slot.name"]); got != before {
		t.Fatalf("the slot confirmed %X before any commit (was %X)", got, before)
	}
	// Commit up to id 8: the middle of the second transaction.
	offsets.CommitRecords(recs[:8])
	if err := r.task.(interface{ Commit(context.Context) error }).Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	want, _ := recs[7].SourceOffset.Int64("lsn_commit")
	deadline := time.Now().Add(10 * time.Second)
	for p.confirmedFlush(t, cfg["slot.name"]) != uint64(want) {
		if time.Now().After(deadline) {
			t.Fatalf("confirmed flush %X, want the committed lsn_commit %X", p.confirmedFlush(t, cfg["slot.name"]), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.stop()

	r2 := start(t, cfg, offsets)
	got := r2.until(7)
	for i, rec := range got {
		if id := field(t, rec.Key, "id"); id != int32(9+i) {
			t.Fatalf("after the restart record %d has id %v, want %d", i, id, 9+i)
		}
	}
	r2.quiet(300 * time.Millisecond)
}

// TestAlterTableMidStream: columns added and dropped while streaming
// change the value schema from the next change on.
func TestAlterTableMidStream(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY, a text)`)
	r := start(t, p.config("snapshot.mode", "no_data"), nil)
	p.exec(t, `INSERT INTO public.t VALUES (1, 'x')`)
	p.exec(t, `ALTER TABLE public.t ADD COLUMN b int NOT NULL DEFAULT 7`)
	p.exec(t, `INSERT INTO public.t VALUES (2, 'y', 8)`)
	p.exec(t, `ALTER TABLE public.t DROP COLUMN a`)
	p.exec(t, `UPDATE public.t SET b = 9 WHERE id = 1`)
	recs := r.until(3)
	after := func(i int) *connect.Schema { return recs[i].ValueSchema.Fields[1].Schema }
	if fieldNames(after(0)) != "id,a" || fieldNames(after(1)) != "id,a,b" || fieldNames(after(2)) != "id,b" {
		t.Fatalf("value fields %s, %s, %s", fieldNames(after(0)), fieldNames(after(1)), fieldNames(after(2)))
	}
	if field(t, recs[1].Value, "after", "b") != int32(8) || field(t, recs[2].Value, "after", "b") != int32(9) {
		t.Fatalf("values %v %v", recs[1].Value, recs[2].Value)
	}
}

// TestTableWithoutPrimaryKey: records without a key, deletes with the
// whole row under REPLICA IDENTITY FULL, and a tombstone with a null key.
func TestTableWithoutPrimaryKey(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (a int, b text)`)
	p.exec(t, `ALTER TABLE public.t REPLICA IDENTITY FULL`)
	r := start(t, p.config("snapshot.mode", "no_data"), nil)
	p.exec(t, `INSERT INTO public.t VALUES (1, 'x')`)
	p.exec(t, `DELETE FROM public.t`)
	recs := r.until(3)
	for _, rec := range recs {
		if rec.Key != nil || rec.KeySchema != nil {
			t.Fatalf("a key %v for a table without one", rec.Key)
		}
	}
	if field(t, recs[1].Value, "before", "b") != "x" || recs[2].Value != nil {
		t.Fatalf("delete %v, tombstone %v", recs[1].Value, recs[2].Value)
	}
}

// TestMessageKeyColumns keys a table by message.key.columns instead of
// its primary key.
func TestMessageKeyColumns(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY, code text NOT NULL)`)
	// Deletes then carry the key's column (see TestKeyOutsideIdentity).
	p.exec(t, `ALTER TABLE public.t REPLICA IDENTITY FULL`)
	r := start(t, p.config("snapshot.mode", "no_data", "message.key.columns", "public\\.t:code"), nil)
	p.exec(t, `INSERT INTO public.t VALUES (1, 'k')`)
	rec := r.until(1)[0]
	if fieldNames(rec.KeySchema) != "code" || field(t, rec.Key, "code") != "k" {
		t.Fatalf("key %v", rec.Key)
	}
}

// TestRestartAfterSnapshot: a task stopped in the middle of the snapshot
// goes on after its last committed row at the next start, and one
// stopped after the snapshot's last record is committed streams on from
// the snapshot's point, without taking it again and without losing the
// changes made meanwhile.
func TestRestartAfterSnapshot(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY)`)
	p.exec(t, `INSERT INTO public.t SELECT generate_series(1, 20)`)
	cfg := p.config("max.batch.size", "5", "max.queue.size", "6")
	offsets := connecttest.NewOffsets()
	r := start(t, cfg, offsets)
	recs := r.until(5)
	offsets.CommitRecords(recs[:5])
	r.stop()

	r = start(t, cfg, offsets)
	recs = r.until(15)
	for i, rec := range recs {
		if field(t, rec.Value, "op") != "r" || field(t, rec.Key, "id") != int32(i+6) {
			t.Fatalf("record %d after a restart mid-snapshot: %v", i, rec.Value)
		}
	}
	r.quiet(300 * time.Millisecond)
	offsets.CommitRecords(recs)
	r.stop()

	p.exec(t, `INSERT INTO public.t VALUES (21)`)
	r = start(t, cfg, offsets)
	rec := r.until(1)[0]
	if field(t, rec.Value, "op") != "c" || field(t, rec.Key, "id") != int32(21) {
		t.Fatalf("after the snapshot: %v", rec.Value)
	}
	r.quiet(300 * time.Millisecond)
}

// TestDropSlotOnStopMidSnapshot: slot.drop.on.stop drops the slot even
// when the task is stopped in the middle of a snapshot.
func TestDropSlotOnStopMidSnapshot(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY)`)
	p.exec(t, `INSERT INTO public.t SELECT generate_series(1, 5000)`)
	cfg := p.config("slot.drop.on.stop", "true", "snapshot.fetch.size", "100", "max.batch.size", "10", "max.queue.size", "20")
	r := start(t, cfg, nil)
	r.until(10)
	r.stop()
	var n int
	if err := p.conn.QueryRow(context.Background(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1",
		cfg["slot.name"]).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d slots named %s after Stop (%v)", n, cfg["slot.name"], err)
	}
}
