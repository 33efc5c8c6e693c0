package postgrescdc_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"

	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/source"
	"github.com/kconnect-go/kconnect/source/postgrescdc"
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
			// As Debezium's: the incremental snapshot's kind, not the
			// initial snapshot's.
			if k, _ := rec.SourceOffset.Get("snapshot"); k != "INCREMENTAL" {
				t.Fatalf("an incremental snapshot record's offset %v has snapshot %v", rec.SourceOffset, k)
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
// After an initial snapshot too: the committed offset (snapshot
// INCREMENTAL, as Debezium writes it) is a streamed position, from which
// no initial snapshot is taken again, and which the slot confirms.
func TestIncrementalSnapshotResumes(t *testing.T) {
	for _, mode := range []string{"no_data", "initial"} {
		t.Run(mode, func(t *testing.T) {
			p := newPG(t)
			const n = 300
			cfg := incrementalTable(t, p, n, 50)
			cfg["snapshot.mode"] = mode
			offsets := connecttest.NewOffsets()
			r := start(t, cfg, offsets)
			initial := 0
			if mode == "initial" {
				initial = n
				r.until(n)
			}
			executeSnapshot(t, p, "s1")
			for len(r.got) < initial+120 {
				r.until(1)
			}
			offsets.CommitRecords(r.got)
			last := r.got[len(r.got)-1].SourceOffset
			if k, _ := last.Get("snapshot"); k != "INCREMENTAL" {
				t.Fatalf("the last record's offset %v", last)
			}
			after, err := postgrescdc.JavaKey(fmt.Sprint(must(last.Get("incremental_snapshot_primary_key"))))
			if err != nil || len(after) != 1 {
				t.Fatalf("incremental_snapshot_primary_key of %v: %v", last, err)
			}
			from, _ := strconv.Atoi(after[0])
			writeIncrementalOffsets(t, last)
			// The slot confirms the committed offset's lsn_commit.
			commit, _ := last.Int64("lsn_commit")
			if err := r.task.(source.Committer).Commit(context.Background()); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(10 * time.Second); p.confirmedFlush(t, cfg["slot.name"]) < uint64(commit); {
				if time.Now().After(deadline) {
					t.Fatalf("the slot confirmed %d after a commit of lsn_commit %d", p.confirmedFlush(t, cfg["slot.name"]), commit)
				}
				r.until(0)
			}
			r.stop()

			r2 := start(t, cfg, offsets)
			last2, reads := map[int32]any{}, map[int32]int{}
			for len(reads) < n-from {
				lastValues(t, r2.until(1), last2, reads)
			}
			r2.quiet(500 * time.Millisecond)
			for id, c := range reads {
				if int(id) <= from || c != 1 {
					t.Fatalf("after a restart past row %d, row %d read %d times", from, id, c)
				}
			}
		})
	}
}

func must(v any, ok bool) any {
	if !ok {
		panic("missing")
	}
	return v
}

// writeIncrementalOffsets appends the incremental_snapshot_* entries of off
// to the file KCONNECT_INCREMENTAL_OFFSETS names, when it is set, as lines
// testdata/incremental/gen.sh hands to Debezium's context to read and
// store again.
func writeIncrementalOffsets(t *testing.T, off connect.Offset) {
	path := os.Getenv("KCONNECT_INCREMENTAL_OFFSETS")
	if path == "" {
		return
	}
	m := map[string]any{}
	for k, v := range off.All() {
		if strings.HasPrefix(k, "incremental_snapshot_") {
			m[k] = v
		}
	}
	b, err := json.Marshal(m) // sorted keys, as DebeziumOffsets.java writes them
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "%s\t%s\n", t.Name(), b); err != nil {
		t.Fatal(err)
	}
}

// signal inserts a row into the signal table.
func signal(t *testing.T, p *pg, id, typ, data string) {
	p.exec(t, `INSERT INTO public.dbz_signal VALUES ($1, $2, $3)`, id, typ, data)
}

// TestIncrementalSnapshotRegex takes data-collections as Debezium does:
// regular expressions matched against the whole schema.table of each
// captured table, so public\.t\d* snapshots t and t2 but neither other
// nor a table whose name only starts alike.
func TestIncrementalSnapshotRegex(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.dbz_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))`)
	for _, name := range []string{"t", "t2", "other", "t3x"} {
		p.exec(t, `CREATE TABLE public.`+name+` (id int PRIMARY KEY, v text)`)
		p.exec(t, `INSERT INTO public.`+name+` SELECT g, 'v' || g FROM generate_series(1, 20) g`)
	}
	r := start(t, p.config("snapshot.mode", "no_data", "table.include.list", "public.t,public.t2,public.other,public.t3x",
		"signal.data.collection", "public.dbz_signal", "incremental.snapshot.chunk.size", "7"), nil)
	signal(t, p, "re-1", "execute-snapshot", `{"data-collections": ["public\\.t\\d*"], "type": "incremental"}`)
	reads := map[string]int{}
	var collections any
	for reads["t"]+reads["t2"] < 40 {
		for _, rec := range r.until(1) {
			if field(t, rec.Value, "op") != "r" {
				t.Fatalf("a %v record", field(t, rec.Value, "op"))
			}
			reads[field(t, rec.Value, "source", "table").(string)]++
			if collections == nil {
				collections, _ = rec.SourceOffset.Get("incremental_snapshot_collections")
				if c, _ := rec.SourceOffset.Get("incremental_snapshot_correlation_id"); c != "re-1" {
					t.Fatalf("incremental_snapshot_correlation_id %v, want the signal's id", c)
				}
			}
		}
	}
	r.quiet(500 * time.Millisecond)
	if len(reads) != 2 || reads["t"] != 20 || reads["t2"] != 20 {
		t.Fatalf("rows read by table: %v", reads)
	}
	want := `[{"incremental_snapshot_collections_id":"public.t","incremental_snapshot_collections_additional_condition":null,` +
		`"incremental_snapshot_collections_surrogate_key":null},{"incremental_snapshot_collections_id":"public.t2",` +
		`"incremental_snapshot_collections_additional_condition":null,"incremental_snapshot_collections_surrogate_key":null}]`
	if collections != want {
		t.Fatalf("incremental_snapshot_collections %v, want %s", collections, want)
	}
}

// TestIncrementalSnapshotPauseResumeStop pauses an incremental snapshot
// (no row is read while it is paused, while the stream goes on), resumes
// it, pauses it again and stops it: once stopped, the offsets no longer
// carry it and no more of its rows come, even after a resume.
func TestIncrementalSnapshotPauseResumeStop(t *testing.T) {
	p := newPG(t)
	const n = 3000
	r := start(t, incrementalTable(t, p, n, 50), nil)
	// Chunks take a while each, so that the snapshot is not over before
	// the second pause.
	p.exec(t, `CREATE FUNCTION slow_close() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.type = 'snapshot-window-close' THEN PERFORM pg_sleep(0.03); END IF; RETURN NEW; END $$`)
	p.exec(t, `CREATE TRIGGER slow_close BEFORE INSERT ON public.dbz_signal FOR EACH ROW EXECUTE FUNCTION slow_close()`)
	// Asked for and paused in one transaction: no chunk is read.
	p.exec(t, `INSERT INTO public.dbz_signal VALUES ('s1', 'execute-snapshot', '{"data-collections": ["public.t"]}'),
		('p1', 'pause-snapshot', NULL)`)
	reads := 0
	count := func(recs []connect.Record) (last connect.Record) {
		for _, rec := range recs {
			if field(t, rec.Value, "op") == "r" {
				reads++
			}
		}
		return recs[len(recs)-1]
	}
	update := func(id int) connect.Record {
		p.exec(t, `UPDATE public.t SET v = v || '+' WHERE id = $1`, id)
		for {
			for _, rec := range r.until(1) {
				if field(t, rec.Value, "op") == "u" {
					return rec
				}
				count([]connect.Record{rec})
			}
		}
	}
	rec := update(1)
	if reads != 0 {
		t.Fatalf("%d rows read while paused", reads)
	}
	if c, ok := rec.SourceOffset.Get("incremental_snapshot_collections"); !ok || c == nil {
		t.Fatalf("a paused snapshot is not in the offsets %v", rec.SourceOffset)
	}
	r.quiet(300 * time.Millisecond)

	signal(t, p, "r1", "resume-snapshot", "")
	for reads < 100 {
		count(r.until(1))
	}
	signal(t, p, "p2", "pause-snapshot", "{}")
	// The chunk in flight at the pause still comes; then nothing.
	for quietSince := time.Now(); time.Since(quietSince) < 500*time.Millisecond; {
		recs, err := r.task.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) > 0 {
			count(recs)
			quietSince = time.Now()
		}
	}
	paused := reads
	if paused >= n {
		t.Fatalf("every row read before the pause")
	}
	r.quiet(300 * time.Millisecond)

	signal(t, p, "x1", "stop-snapshot", `{"data-collections": ["public\\.t"], "type": "incremental"}`)
	signal(t, p, "r2", "resume-snapshot", "")
	rec = update(2)
	if c, ok := rec.SourceOffset.Get("incremental_snapshot_collections"); ok {
		t.Fatalf("a stopped snapshot is still in the offsets: %v", c)
	}
	r.quiet(500 * time.Millisecond)
	if reads != paused {
		t.Fatalf("%d rows read after the stop", reads-paused)
	}
}

// TestIncrementalSnapshotFromDebezium is the kconnect half of
// testdata/incremental/sidebyside.sh, which sets KCONNECT_DEBEZIUM_INCREMENTAL
// to a directory holding the connector's configuration (config.json) and
// the offset Debezium committed mid-way through an incremental snapshot of
// public.t (debezium-offset.json, as GET /connectors/x/offsets gives it).
// The task started on that offset must read the rows after its key, each
// once, and none before; stopped again mid-way, it writes its committed
// offset (kconnect-offset.json) and key (kconnect-key.txt) for Debezium
// to go on from.
func TestIncrementalSnapshotFromDebezium(t *testing.T) {
	dir := os.Getenv("KCONNECT_DEBEZIUM_INCREMENTAL")
	if dir == "" {
		t.Skip("KCONNECT_DEBEZIUM_INCREMENTAL is not set: run testdata/incremental/sidebyside.sh")
	}
	var cfg map[string]string
	readJSON(t, dir+"/config.json", &cfg)
	var got struct {
		Offsets []struct {
			Partition map[string]any `json:"partition"`
			Offset    map[string]any `json:"offset"`
		} `json:"offsets"`
	}
	readJSON(t, dir+"/debezium-offset.json", &got)
	if len(got.Offsets) != 1 {
		t.Fatalf("debezium-offset.json: %+v", got)
	}
	// JSON numbers as Connect's JsonConverter reads them: integers as
	// longs.
	for k, v := range got.Offsets[0].Offset {
		if num, ok := v.(json.Number); ok {
			if i, err := num.Int64(); err == nil {
				got.Offsets[0].Offset[k] = i
			} else {
				got.Offsets[0].Offset[k], _ = num.Float64()
			}
		}
	}
	off, err := connect.OffsetFromMap(got.Offsets[0].Offset)
	if err != nil {
		t.Fatal(err)
	}
	pk, _ := off.Get("incremental_snapshot_primary_key")
	key, err := postgrescdc.JavaKey(fmt.Sprint(pk))
	if err != nil || len(key) != 1 {
		t.Fatalf("Debezium's incremental_snapshot_primary_key %v: %v %v", pk, key, err)
	}
	from, _ := strconv.Atoi(key[0])
	conn, err := pgx.Connect(context.Background(), fmt.Sprintf("postgres://%s:%s@%s:%s/%s?sslmode=disable",
		cfg["database.user"], cfg["database.password"], cfg["database.hostname"], cfg["database.port"], cfg["database.dbname"]))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM public.t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	conn.Close(context.Background())
	t.Logf("Debezium stopped after row %d of %d", from, n)

	offsets := connecttest.NewOffsets()
	offsets.Commit(connect.NewSourcePartition("server", cfg["topic.prefix"]), off)
	r := start(t, cfg, offsets)
	reads := map[int32]int{}
	stopAt := from + (n-from)/2
	for len(reads) < stopAt-from {
		for _, rec := range r.until(1) {
			if rec.Topic != cfg["topic.prefix"]+".public.t" {
				continue
			}
			if op := field(t, rec.Value, "op"); op != "r" {
				t.Fatalf("a %v record", op)
			}
			id := field(t, rec.Key, "id").(int32)
			if int(id) <= from {
				t.Fatalf("row %d read, at or before Debezium's key %d", id, from)
			}
			reads[id]++
		}
	}
	for id, c := range reads {
		if c != 1 {
			t.Fatalf("row %d read %d times", id, c)
		}
	}
	last := r.got[len(r.got)-1].SourceOffset
	offsets.CommitRecords(r.got)
	r.stop()
	pk, _ = last.Get("incremental_snapshot_primary_key")
	key, err = postgrescdc.JavaKey(fmt.Sprint(pk))
	if err != nil || len(key) != 1 {
		t.Fatalf("incremental_snapshot_primary_key %v: %v %v", pk, key, err)
	}
	m := map[string]any{}
	for k, v := range last.All() {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/kconnect-offset.json", b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/kconnect-key.txt", []byte(key[0]), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("kconnect read rows %d to %s, each once, and stopped", from+1, key[0])
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
