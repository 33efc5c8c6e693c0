package postgrescdc_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
)

// TestSlotWALLost: while the connector is stopped, the server removes WAL
// its slot still needs (max_slot_wal_keep_size), which invalidates the
// slot (wal_status lost). The next start fails, naming the slot, why and
// the committed LSN, rather than streaming from a later point; with
// snapshot.mode=when_needed the slot is created anew and a snapshot taken
// that has every row, and streaming goes on. A server of the test's own,
// as the setting and the WAL it removes are the server's.
func TestSlotWALLost(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server of its own")
	}
	srv := jdbctest.PrivatePostgresWith(t, append(jdbctest.LogicalReplication, "max_slot_wal_keep_size=1MB")...)
	ctx := context.Background()
	c, err := pgx.Connect(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	host, port, _ := net.SplitHostPort(srv.Addr)
	p := &pg{name: "postgres", host: host, port: port, user: "postgres", conn: c}
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY, pad text)`)
	cfg := p.config("snapshot.mode", "no_data")
	offsets := connecttest.NewOffsets()
	committed := streamAndCommit(t, p, cfg, offsets, 3)
	slot := cfg["slot.name"]

	// WAL segments written and recycled until a checkpoint invalidates
	// the slot.
	deadline := time.Now().Add(60 * time.Second)
	for id := 4; ; id++ {
		var status string
		if err := c.QueryRow(ctx, `SELECT coalesce(wal_status, '') FROM pg_replication_slots WHERE slot_name = $1`,
			slot).Scan(&status); err != nil {
			t.Fatal(err)
		}
		if status == "lost" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot %s: wal_status %q after 60s of WAL", slot, status)
		}
		p.exec(t, `INSERT INTO public.t VALUES ($1, repeat('x', 1000))`, id)
		p.exec(t, `SELECT pg_switch_wal()`)
		p.exec(t, `CHECKPOINT`)
	}
	var rows int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM public.t`).Scan(&rows); err != nil {
		t.Fatal(err)
	}

	for _, mode := range []string{"no_data", "initial"} {
		cfg["snapshot.mode"] = mode
		_, err := tryStart(t, cfg, offsets)
		if err == nil {
			t.Fatalf("snapshot.mode=%s: the start with the slot's WAL lost succeeded", mode)
		}
		for _, want := range []string{slot, "wal_status lost", lsnText(committed), "when_needed"} {
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("snapshot.mode=%s: the error %q does not say %q", mode, err, want)
			}
		}
	}

	cfg["snapshot.mode"] = "when_needed"
	r := start(t, cfg, offsets)
	if ids := snapshotIDs(t, r.until(rows)); len(ids) != rows {
		t.Fatalf("when_needed's snapshot has %d ids, want %d", len(ids), rows)
	}
	var status string
	if err := c.QueryRow(ctx, `SELECT coalesce(wal_status, '') FROM pg_replication_slots WHERE slot_name = $1`,
		slot).Scan(&status); err != nil || status == "lost" {
		t.Fatalf("after when_needed the slot's wal_status is %q (%v)", status, err)
	}
	p.exec(t, `INSERT INTO public.t VALUES (0, 'after')`)
	if rec := r.until(1)[0]; field(t, rec.Value, "op") != "c" || field(t, rec.Key, "id") != int32(0) {
		t.Fatalf("after the snapshot %v", rec.Value)
	}
}
