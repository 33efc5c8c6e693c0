package postgrescdc_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/source/postgrescdc"
)

// tryStart starts a task as start does, returning its start's error.
func tryStart(t testing.TB, cfg map[string]string, offsets *connecttest.Offsets) (*running, error) {
	t.Helper()
	c := postgrescdc.Plugin().New()
	ctx := context.Background()
	if err := c.Start(ctx, cfg, connecttest.NewConnectorContext(offsets)); err != nil {
		t.Fatal(err)
	}
	tcs, err := c.TaskConfigs(1)
	if err != nil || len(tcs) != 1 {
		t.Fatalf("TaskConfigs: %v %v", tcs, err)
	}
	task := c.NewTask()
	if err := task.Start(ctx, tcs[0], connecttest.SourceTaskContext(tcs[0], offsets)); err != nil {
		return nil, err
	}
	r := &running{t: t, task: task, offsets: offsets}
	t.Cleanup(func() { r.stop() })
	return r, nil
}

// streamAndCommit starts a task that streams, reads n changes and
// commits their offsets, and stops it; it returns the committed
// offset's LSN.
func streamAndCommit(t *testing.T, p *pg, cfg map[string]string, offsets *connecttest.Offsets, n int) int64 {
	t.Helper()
	r := start(t, cfg, offsets)
	p.exec(t, `INSERT INTO public.t SELECT generate_series(1, $1::int)`, n)
	recs := r.until(n)
	offsets.CommitRecords(recs)
	if err := r.task.(interface{ Commit(context.Context) error }).Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.stop()
	// As Debezium reads it: lsn_commit, or lsn_proc without one.
	if lsn, ok := recs[n-1].SourceOffset.Int64("lsn_commit"); ok {
		return lsn
	}
	lsn, _ := recs[n-1].SourceOffset.Int64("lsn_proc")
	return lsn
}

func lsnText(v int64) string { return pglogrepl.LSN(v).String() }

// whenReleased runs sql on the slot once the stopped task's connection
// has released it.
func whenReleased(t *testing.T, p *pg, sql, slot string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := p.conn.Exec(context.Background(), sql, slot)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", sql, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSlotDropped: the slot is dropped while the connector is stopped,
// and changes are made meanwhile. The next start fails, naming the slot
// and the committed LSN, rather than creating a slot that would never
// send those changes; with snapshot.mode=when_needed it takes a snapshot
// that has them, and streams on.
func TestSlotDropped(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY)`)
	cfg := p.config("snapshot.mode", "no_data")
	offsets := connecttest.NewOffsets()
	committed := streamAndCommit(t, p, cfg, offsets, 3)
	whenReleased(t, p, `SELECT pg_drop_replication_slot($1)`, cfg["slot.name"])
	p.exec(t, `INSERT INTO public.t VALUES (4), (5)`)

	for _, mode := range []string{"no_data", "initial"} {
		cfg["snapshot.mode"] = mode
		_, err := tryStart(t, cfg, offsets)
		if err == nil {
			t.Fatalf("snapshot.mode=%s: the start with the slot dropped succeeded", mode)
		}
		for _, want := range []string{cfg["slot.name"], lsnText(committed), "when_needed"} {
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("snapshot.mode=%s: the error %q does not say %q", mode, err, want)
			}
		}
	}
	var n int
	if err := p.conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1`,
		cfg["slot.name"]).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a failed start left %d slots (%v)", n, err)
	}

	cfg["snapshot.mode"] = "when_needed"
	r := start(t, cfg, offsets)
	ids := snapshotIDs(t, r.until(5))
	if len(ids) != 5 {
		t.Fatalf("when_needed's snapshot has ids %v, want 1 to 5", ids)
	}
	p.exec(t, `INSERT INTO public.t VALUES (6)`)
	if rec := r.until(1)[0]; field(t, rec.Value, "op") != "c" || field(t, rec.Key, "id") != int32(6) {
		t.Fatalf("after the snapshot %v", rec.Value)
	}
}

func snapshotIDs(t *testing.T, recs []connect.Record) map[int32]bool {
	t.Helper()
	ids := map[int32]bool{}
	for _, rec := range recs {
		if op := field(t, rec.Value, "op"); op != "r" {
			t.Fatalf("op %v in the snapshot", op)
		}
		ids[field(t, rec.Key, "id").(int32)] = true
	}
	return ids
}

// TestSlotPastOffset: the slot has confirmed past the committed offset
// (here advanced by hand, as a slot dropped and created again would
// be): the changes between are gone, and the start fails; when_needed
// creates the slot anew and takes a snapshot.
func TestSlotPastOffset(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY)`)
	cfg := p.config("snapshot.mode", "no_data")
	offsets := connecttest.NewOffsets()
	committed := streamAndCommit(t, p, cfg, offsets, 2)
	p.exec(t, `INSERT INTO public.t VALUES (3)`)
	whenReleased(t, p, `SELECT pg_replication_slot_advance($1, pg_current_wal_lsn())`, cfg["slot.name"])
	_, err := tryStart(t, cfg, offsets)
	if err == nil || !strings.Contains(err.Error(), cfg["slot.name"]) || !strings.Contains(err.Error(), lsnText(committed)) {
		t.Fatalf("the start with the slot past the offset: %v", err)
	}
	cfg["snapshot.mode"] = "when_needed"
	r := start(t, cfg, offsets)
	if ids := snapshotIDs(t, r.until(3)); len(ids) != 3 {
		t.Fatalf("when_needed's snapshot has ids %v", ids)
	}
}

// TestSlotDroppedWhileStreaming: the slot is dropped under a streaming
// task (its connection ended first, as the server requires): the task
// fails, naming the slot and the committed LSN, rather than connecting
// again forever.
func TestSlotDroppedWhileStreaming(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY)`)
	cfg := p.config("snapshot.mode", "no_data")
	r := start(t, cfg, nil)
	p.exec(t, `INSERT INTO public.t VALUES (1)`)
	r.until(1)
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := p.conn.Exec(context.Background(), `SELECT pg_terminate_backend(active_pid), pg_drop_replication_slot($1)
			FROM pg_replication_slots WHERE slot_name = $1`, cfg["slot.name"])
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		recs, err := r.task.Poll(context.Background())
		if err != nil {
			if !strings.Contains(err.Error(), cfg["slot.name"]) || !strings.Contains(err.Error(), "when_needed") {
				t.Fatalf("the task's failure %q names neither the slot nor the recovery", err)
			}
			return
		}
		if len(recs) > 0 {
			t.Fatalf("records after the slot was dropped: %v", recs)
		}
		if time.Now().After(deadline) {
			t.Fatal("the task has not failed 30s after its slot was dropped")
		}
	}
}

// TestSnapshotConnectionLost ends the task's connections in the middle
// of its snapshot: the task connects again and takes the snapshot again
// from its start (its slot created anew, so that the stream after it
// still starts where the snapshot ends), rather than failing; every row
// comes, some twice, and changes made after the snapshot are streamed.
func TestSnapshotConnectionLost(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY)`)
	p.exec(t, `INSERT INTO public.t SELECT generate_series(1, 2000)`)
	r := start(t, p.config("snapshot.fetch.size", "10", "max.queue.size", "20", "max.batch.size", "10"), nil)
	r.until(100)
	p.exec(t, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1
		AND application_name = 'kconnect-postgrescdc'`, p.name)
	p.exec(t, `INSERT INTO public.t VALUES (2001)`)
	// Row 2001 comes in the new snapshot, or streamed after it.
	seen := map[int32]bool{}
	inserted := false
	for !seen[2002] {
		for _, rec := range r.until(1) {
			id := field(t, rec.Key, "id").(int32)
			op := field(t, rec.Value, "op")
			switch {
			case !inserted && op == "r":
				if field(t, rec.Value, "source", "snapshot") == "last" {
					p.exec(t, `INSERT INTO public.t VALUES (2002)`)
					inserted = true
				}
			case inserted && op == "c" && id >= 2001 && !seen[id]:
			default:
				t.Fatalf("op %v id %d (after the snapshot: %v)", op, id, inserted)
			}
			seen[id] = true
		}
	}
	if len(seen) != 2002 {
		t.Fatalf("%d rows seen, want 2002", len(seen))
	}
}

// TestSlotHeldByAnother: the slot is still held by another connection
// (as a killed worker's, which the server has not yet seen gone) when
// the task starts: the task waits for it rather than failing.
func TestSlotHeldByAnother(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY)`)
	cfg := p.config("snapshot.mode", "no_data")
	offsets := connecttest.NewOffsets()
	streamAndCommit(t, p, cfg, offsets, 1)
	ctx := context.Background()
	other, err := pgconn.Connect(ctx, fmt.Sprintf("host=%s port=%s user=%s password='%s' dbname=%s sslmode=disable replication=database",
		p.host, p.port, p.user, p.password, p.name))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := pglogrepl.StartReplication(ctx, other, cfg["slot.name"], 0, pglogrepl.StartReplicationOptions{
			PluginArgs: []string{"proto_version '1'", "publication_names '" + cfg["publication.name"] + "'"}})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	r := start(t, cfg, offsets)
	p.exec(t, `INSERT INTO public.t VALUES (2)`)
	r.quiet(300 * time.Millisecond)
	other.Close(ctx)
	if id := field(t, r.until(1)[0].Key, "id"); id != int32(2) {
		t.Fatalf("id %v", id)
	}
}
