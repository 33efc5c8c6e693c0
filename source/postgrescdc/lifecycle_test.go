package postgrescdc_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/source"
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

// slotAndPublication says whether the configuration's slot and
// publication exist.
func slotAndPublication(t *testing.T, p *pg, cfg map[string]string) (slot, pub bool) {
	t.Helper()
	if err := p.conn.QueryRow(context.Background(), `SELECT
		EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1),
		EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $2)`, cfg["slot.name"], cfg["publication.name"]).Scan(&slot, &pub); err != nil {
		t.Fatal(err)
	}
	return slot, pub
}

// TestSnapshotInitialOnly: initial_only, which never streams, takes the
// snapshot without creating a slot, which would hold WAL for ever, or a
// publication, as Debezium; later changes are not read, and a restart
// after the completed snapshot takes none.
func TestSnapshotInitialOnly(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY)`)
	p.exec(t, `INSERT INTO public.t VALUES (1), (2)`)
	cfg := p.config("snapshot.mode", "initial_only")
	offsets := connecttest.NewOffsets()
	r := start(t, cfg, offsets)
	recs := r.until(2)
	if ids := snapshotIDs(t, recs); len(ids) != 2 {
		t.Fatalf("snapshot ids %v", ids)
	}
	if slot, pub := slotAndPublication(t, p, cfg); slot || pub {
		t.Fatalf("initial_only made a slot (%v) or a publication (%v)", slot, pub)
	}
	offsets.CommitRecords(recs)
	p.exec(t, `INSERT INTO public.t VALUES (3)`)
	r.quiet(300 * time.Millisecond)
	r.stop()
	r = start(t, cfg, offsets)
	r.quiet(300 * time.Millisecond)
	if slot, pub := slotAndPublication(t, p, cfg); slot || pub {
		t.Fatalf("initial_only's restart made a slot (%v) or a publication (%v)", slot, pub)
	}
}

// TestSnapshotAlways: always takes a snapshot at every start and streams
// after it, through a slot kept between starts; a slot dropped while
// the connector is stopped is created anew for the next snapshot rather
// than failing the start.
func TestSnapshotAlways(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY)`)
	p.exec(t, `INSERT INTO public.t VALUES (1)`)
	cfg := p.config("snapshot.mode", "always")
	offsets := connecttest.NewOffsets()
	for run, want := range []int{1, 2, 3} {
		if run == 2 {
			whenReleased(t, p, `SELECT pg_drop_replication_slot($1)`, cfg["slot.name"])
		}
		r := start(t, cfg, offsets)
		if ids := snapshotIDs(t, r.until(want)); len(ids) != want {
			t.Fatalf("start %d: snapshot ids %v, want 1 to %d", run+1, ids, want)
		}
		p.exec(t, `INSERT INTO public.t VALUES ($1)`, want+1)
		rec := r.until(1)[0]
		if field(t, rec.Value, "op") != "c" || field(t, rec.Key, "id") != int32(want+1) {
			t.Fatalf("start %d: after the snapshot %v", run+1, rec.Value)
		}
		offsets.CommitRecords(r.got)
		if err := r.task.(interface{ Commit(context.Context) error }).Commit(context.Background()); err != nil {
			t.Fatal(err)
		}
		if slot, _ := slotAndPublication(t, p, cfg); !slot {
			t.Fatalf("start %d: no slot while streaming", run+1)
		}
		r.stop()
	}
}

// publicationTables lists the tables the configuration's publication
// publishes, sorted.
func publicationTables(t *testing.T, p *pg, cfg map[string]string) string {
	t.Helper()
	var s string
	if err := p.conn.QueryRow(context.Background(), `SELECT coalesce(string_agg(schemaname || '.' || tablename, ',' ORDER BY 1), '')
		FROM pg_publication_tables WHERE pubname = $1`, cfg["publication.name"]).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestFilteredPublicationExisting: with publication.autocreate.mode
// filtered, an existing publication is altered to publish exactly the
// captured tables (one it lacks added, one not captured removed), as
// Debezium does, and the added table's changes are streamed; an existing
// publication FOR ALL TABLES, which cannot be altered so, fails the
// start, naming it and the key.
func TestFilteredPublicationExisting(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.a (id int PRIMARY KEY)`)
	p.exec(t, `CREATE TABLE public.b (id int PRIMARY KEY)`)
	p.exec(t, `CREATE TABLE public.c (id int PRIMARY KEY)`)
	cfg := p.config("snapshot.mode", "no_data", "publication.autocreate.mode", "filtered",
		"table.include.list", "public.a,public.b")
	p.exec(t, `CREATE PUBLICATION `+cfg["publication.name"]+` FOR ALL TABLES`)
	_, err := tryStart(t, cfg, connecttest.NewOffsets())
	if err == nil || !strings.Contains(err.Error(), cfg["publication.name"]) || !strings.Contains(err.Error(), "publication.autocreate.mode") {
		t.Fatalf("the start with a publication FOR ALL TABLES in filtered mode: %v", err)
	}
	p.exec(t, `DROP PUBLICATION `+cfg["publication.name"])
	p.exec(t, `CREATE PUBLICATION `+cfg["publication.name"]+` FOR TABLE public.a, public.c`)
	r := start(t, cfg, nil)
	if got := publicationTables(t, p, cfg); got != "public.a,public.b" {
		t.Fatalf("the publication publishes %s, want public.a,public.b", got)
	}
	p.exec(t, `INSERT INTO public.b VALUES (1)`)
	if rec := r.until(1)[0]; rec.Topic != cfg["topic.prefix"]+".public.b" {
		t.Fatalf("record of %s, want public.b's", rec.Topic)
	}
}

// TestPublicationLacksTableNotFiltered: with publication.autocreate.mode all_tables
// or disabled an existing publication is used as it is, as Debezium
// does; one that does not publish a table table.include.list names fails
// the start, naming the table, where Debezium would stream on without
// its changes.
func TestPublicationLacksTableNotFiltered(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.a (id int PRIMARY KEY)`)
	p.exec(t, `CREATE TABLE public.b (id int PRIMARY KEY)`)
	for _, mode := range []string{"all_tables", "disabled"} {
		cfg := p.config("snapshot.mode", "no_data", "publication.autocreate.mode", mode,
			"table.include.list", "public.a,public.b", "publication.name", "pub_lacks_"+mode)
		p.exec(t, `CREATE PUBLICATION `+cfg["publication.name"]+` FOR TABLE public.a`)
		_, err := tryStart(t, cfg, connecttest.NewOffsets())
		if err == nil || !strings.Contains(err.Error(), "public.b") || !strings.Contains(err.Error(), cfg["publication.name"]) {
			t.Fatalf("%s: the start with a publication lacking public.b: %v", mode, err)
		}
		if got := publicationTables(t, p, cfg); got != "public.a" {
			t.Fatalf("%s: the publication was changed to %s", mode, got)
		}
	}
}

// logBuffer collects a task's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// loggingContext gives a task a logger of the test's.
type loggingContext struct {
	source.TaskContext
	log *slog.Logger
}

func (c loggingContext) Logger() *slog.Logger { return c.log }
