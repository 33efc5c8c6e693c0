package postgrescdc_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kconnect-go/kconnect/connecttest"
)

// TestSlotLostAfterSnapshot: snapshot.mode=initial takes its snapshot,
// whose last record's offset is committed, and the connector stops
// before any streamed offset is. The slot is then dropped, or advanced
// past the snapshot, while a row is inserted: the next start fails as
// it does after a streamed offset, rather than creating a slot (or
// streaming from one) that would never send the row; when_needed takes
// a new snapshot that has it. With the slot left alone the start
// streams the row.
func TestSlotLostAfterSnapshot(t *testing.T) {
	for _, how := range []string{"kept", "dropped", "advanced"} {
		t.Run(how, func(t *testing.T) {
			p := newPG(t)
			// The insert's WAL flushed at its commit, whatever the
			// server's setting, for the slot to be advanced past it.
			p.exec(t, `SET synchronous_commit = on`)
			p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY)`)
			p.exec(t, `INSERT INTO public.t VALUES (1), (2)`)
			cfg := p.config("snapshot.mode", "initial")
			offsets := connecttest.NewOffsets()
			r := start(t, cfg, offsets)
			recs := r.until(2)
			if field(t, recs[1].Value, "source", "snapshot") != "last" {
				t.Fatalf("the second record is not the snapshot's last: %v", recs[1].Value)
			}
			offsets.CommitRecords(recs)
			r.stop()
			p.exec(t, `INSERT INTO public.t VALUES (3)`)
			switch how {
			case "dropped":
				whenReleased(t, p, `SELECT pg_drop_replication_slot($1)`, cfg["slot.name"])
			case "advanced":
				whenReleased(t, p, `SELECT pg_replication_slot_advance($1, pg_current_wal_lsn())`, cfg["slot.name"])
			case "kept":
				r := start(t, cfg, offsets)
				if rec := r.until(1)[0]; field(t, rec.Value, "op") != "c" || field(t, rec.Key, "id") != int32(3) {
					t.Fatalf("after the snapshot: %v", rec.Value)
				}
				return
			}
			_, err := tryStart(t, cfg, offsets)
			if err == nil {
				t.Fatal("the start with the slot " + how + " after the snapshot succeeded")
			}
			for _, want := range []string{cfg["slot.name"], "when_needed"} {
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("the error %q does not say %q", err, want)
				}
			}
			if how == "dropped" {
				var n int
				if err := p.conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1`,
					cfg["slot.name"]).Scan(&n); err != nil || n != 0 {
					t.Fatalf("a failed start left %d slots (%v)", n, err)
				}
			}
			cfg["snapshot.mode"] = "when_needed"
			r = start(t, cfg, offsets)
			if ids := snapshotIDs(t, r.until(3)); len(ids) != 3 {
				t.Fatalf("when_needed's snapshot has ids %v, want 1 to 3", ids)
			}
		})
	}
}
