package postgrescdc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
)

// incrementalTable makes public.t with rows 1 to n and Debezium's signal
// table, and returns a configuration that streams t, reading chunks of
// chunk rows.
func incrementalTable(t *testing.T, p *pg, n, chunk int) map[string]string {
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY, v text)`)
	p.exec(t, `CREATE TABLE public.dbz_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))`)
	p.exec(t, `INSERT INTO public.t SELECT g, 'v' || g FROM generate_series(1, $1::int) g`, n)
	return p.config("snapshot.mode", "no_data", "table.include.list", "public.t",
		"signal.data.collection", "public.dbz_signal", "incremental.snapshot.chunk.size", fmt.Sprint(chunk),
		"max.queue.size", "100", "max.batch.size", "20")
}

func executeSnapshot(t *testing.T, p *pg, id string) {
	p.exec(t, `INSERT INTO public.dbz_signal VALUES ($1, 'execute-snapshot', '{"data-collections": ["public.t"], "type": "incremental"}')`, id)
}

// lastValues reads records until every id of 1..n has come and the
// incremental snapshot is over (a record without its offset keys after
// its last chunk), and returns each id's last value and the number of
// op "r" records.
func lastValues(t *testing.T, recs []connect.Record, last map[int32]any, reads map[int32]int) {
	for _, rec := range recs {
		id := field(t, rec.Key, "id").(int32)
		op := field(t, rec.Value, "op")
		switch op {
		case "r":
			reads[id]++
			if m := field(t, rec.Value, "source", "snapshot"); m != "incremental" {
				t.Fatalf("an incremental snapshot record's source.snapshot is %v", m)
			}
			if _, ok := rec.SourceOffset.Get("snapshot"); ok {
				t.Fatalf("an incremental snapshot record's offset %v has the initial snapshot's keys", rec.SourceOffset)
			}
		case "c", "u":
		default:
			t.Fatalf("op %v", op)
		}
		last[id] = field(t, rec.Value, "after", "v")
	}
}

// TestIncrementalSnapshot asks for an incremental snapshot of a table of
// 1,000 rows through the signal table while other transactions update
// and insert rows of it: the stream goes on, every row comes, and the
// last event of each row has its value in the table, so no chunk row
// read before an update is sent after it (the watermarks deduplicate).
func TestIncrementalSnapshot(t *testing.T) {
	p := newPG(t)
	const n = 1000
	r := start(t, incrementalTable(t, p, n, 50), nil)
	// A window closes 30ms after its chunk is read, so that updates of
	// rows of the chunk commit in between: their streamed events are
	// newer than the rows read, which must then not be sent.
	p.exec(t, `CREATE FUNCTION slow_close() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.type = 'snapshot-window-close' THEN PERFORM pg_sleep(0.03); END IF; RETURN NEW; END $$`)
	p.exec(t, `CREATE TRIGGER slow_close BEFORE INSERT ON public.dbz_signal FOR EACH ROW EXECUTE FUNCTION slow_close()`)
	// A writer updates and inserts rows as fast as it can, on a
	// connection of its own, until the snapshot is over, so that some
	// updates fall between a chunk's read and its window's close.
	writer, err := pgx.Connect(context.Background(), p.conn.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		defer writer.Close(context.Background())
		rng := rand.New(rand.NewPCG(1, 2))
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			q, arg := `UPDATE public.t SET v = v || '+' WHERE id = $1`, rng.IntN(n)+1
			if i%10 == 0 {
				q, arg = `INSERT INTO public.t VALUES ($1, 'new')`, n+1+i/10
			}
			if _, err := writer.Exec(context.Background(), q, arg); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	executeSnapshot(t, p, "s1")
	last, reads := map[int32]any{}, map[int32]int{}
	// The end of the snapshot: a record past its last chunk.
	for done := false; !done; {
		recs := r.until(1)
		lastValues(t, recs, last, reads)
		_, inProgress := recs[len(recs)-1].SourceOffset.Get("incremental_snapshot_collections")
		done = len(reads) > 0 && !inProgress
	}
	close(stop)
	<-stopped
	// The writer's last changes: until none comes for a while.
	for quietSince := time.Now(); time.Since(quietSince) < 500*time.Millisecond; {
		recs, err := r.task.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) > 0 {
			lastValues(t, recs, last, reads)
			quietSince = time.Now()
		}
	}
	rows, err := p.conn.Query(context.Background(), `SELECT id, v FROM public.t`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32]any{}
	for rows.Next() {
		var id int32
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		want[id] = v
	}
	for id, v := range want {
		if last[id] != v {
			t.Fatalf("row %d: the last event has %v, the table %v", id, last[id], v)
		}
	}
	if len(reads) < n/2 {
		t.Fatalf("%d rows read by the incremental snapshot", len(reads))
	}
	for id, c := range reads {
		if c != 1 {
			t.Fatalf("row %d read %d times", id, c)
		}
	}
}

// TestIncrementalSnapshotResumes stops the task in the middle of an
// incremental snapshot, its offsets committed: the next task goes on
// from the last chunk the offsets have, reading no row before it again.
func TestIncrementalSnapshotResumes(t *testing.T) {
	p := newPG(t)
	const n = 300
	cfg := incrementalTable(t, p, n, 50)
	offsets := connecttest.NewOffsets()
	r := start(t, cfg, offsets)
	executeSnapshot(t, p, "s1")
	for len(r.got) < 120 {
		r.until(1)
	}
	offsets.CommitRecords(r.got)
	var after []string
	if v, ok := r.got[len(r.got)-1].SourceOffset.Get("incremental_snapshot_primary_key"); !ok {
		t.Fatalf("no incremental_snapshot_primary_key in %v", r.got[len(r.got)-1].SourceOffset)
	} else if err := json.Unmarshal([]byte(v.(string)), &after); err != nil || len(after) != 1 {
		t.Fatalf("incremental_snapshot_primary_key %v: %v", v, err)
	}
	from, _ := strconv.Atoi(after[0])
	r.stop()

	r2 := start(t, cfg, offsets)
	last, reads := map[int32]any{}, map[int32]int{}
	for len(reads) < n-from {
		lastValues(t, r2.until(1), last, reads)
	}
	r2.quiet(500 * time.Millisecond)
	for id, c := range reads {
		if int(id) <= from || c != 1 {
			t.Fatalf("after a restart past row %d, row %d read %d times", from, id, c)
		}
	}
}
