package postgrescdc_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

func fieldNames(s *connect.Schema) string {
	var n []string
	for _, f := range s.Fields {
		n = append(n, f.Name)
	}
	return strings.Join(n, ",")
}

// TestStreamShapes checks the records of an insert, an update and a delete
// against Debezium's: topic, key and envelope schemas, the source block,
// the before images of REPLICA IDENTITY DEFAULT and FULL, and the
// tombstone after a delete.
func TestStreamShapes(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.items (id int PRIMARY KEY, name text NOT NULL, note varchar(20))`)
	cfg := p.config("snapshot.mode", "no_data")
	prefix := cfg["topic.prefix"]
	r := start(t, cfg, nil)

	p.exec(t, `INSERT INTO public.items VALUES (1, 'one', NULL)`)
	p.exec(t, `UPDATE public.items SET name = 'uno' WHERE id = 1`)
	p.exec(t, `DELETE FROM public.items WHERE id = 1`)
	recs := r.until(4)

	c, u, d, tomb := recs[0], recs[1], recs[2], recs[3]
	topic := prefix + ".public.items"
	for _, rec := range recs {
		if rec.Topic != topic {
			t.Fatalf("topic %q, want %q", rec.Topic, topic)
		}
		if got, _ := rec.SourcePartition.Get("server"); got != prefix {
			t.Fatalf("partition %v, want server=%s", rec.SourcePartition, prefix)
		}
	}
	if c.KeySchema.Name != topic+".Key" || fieldNames(c.KeySchema) != "id" || c.KeySchema.Optional {
		t.Fatalf("key schema %v", c.KeySchema)
	}
	env := c.ValueSchema
	if env.Name != topic+".Envelope" || env.Version != 2 {
		t.Fatalf("envelope schema %s v%d", env.Name, env.Version)
	}
	if got := fieldNames(env); got != "before,after,source,transaction,op,ts_ms,ts_us,ts_ns" {
		t.Fatalf("envelope fields %s", got)
	}
	val := env.Fields[0].Schema
	if val.Name != topic+".Value" || !val.Optional || fieldNames(val) != "id,name,note" {
		t.Fatalf("value schema %v", val)
	}
	if val.Fields[1].Schema.Optional || !val.Fields[2].Schema.Optional {
		t.Fatal("NOT NULL must make a field required, NULL optional")
	}
	src := env.Fields[2].Schema
	if src.Name != "io.debezium.connector.postgresql.Source" ||
		fieldNames(src) != "version,connector,name,ts_ms,snapshot,db,sequence,ts_us,ts_ns,schema,table,txId,lsn,xmin,origin,origin_lsn" {
		t.Fatalf("source schema %s: %s", src.Name, fieldNames(src))
	}
	if field(t, c.Value, "op") != "c" || field(t, c.Value, "before") != nil || field(t, c.Value, "after", "name") != "one" {
		t.Fatalf("insert %v", c.Value)
	}
	if field(t, c.Key, "id") != int32(1) {
		t.Fatalf("key %v", c.Key)
	}
	for k, want := range map[string]any{"connector": "postgresql", "name": prefix, "db": p.name, "schema": "public",
		"table": "items", "snapshot": "false"} {
		if got := field(t, c.Value, "source", k); got != want {
			t.Fatalf("source.%s = %v, want %v", k, got, want)
		}
	}
	lsn, _ := field(t, c.Value, "source", "lsn").(int64)
	if lsn == 0 || field(t, c.Value, "source", "txId") == nil {
		t.Fatalf("source without lsn or txId: %v", field(t, c.Value, "source"))
	}
	if off, _ := c.SourceOffset.Int64("lsn"); off != lsn {
		t.Fatalf("offset lsn %d, source lsn %d", off, lsn)
	}
	if mt, _ := c.SourceOffset.Get("messageType"); mt != "INSERT" {
		t.Fatalf("offset %v", c.SourceOffset)
	}
	// DEFAULT replica identity: no before image on update, the key only
	// on delete.
	if field(t, u.Value, "op") != "u" || field(t, u.Value, "before") != nil || field(t, u.Value, "after", "name") != "uno" {
		t.Fatalf("update %v", u.Value)
	}
	if field(t, d.Value, "op") != "d" || field(t, d.Value, "after") != nil || field(t, d.Value, "before", "id") != int32(1) ||
		field(t, d.Value, "before", "note") != nil {
		t.Fatalf("delete %v", d.Value)
	}
	if tomb.Value != nil || tomb.ValueSchema != nil || !tomb.Key.(*connect.Struct).Equal(d.Key.(*connect.Struct)) {
		t.Fatalf("tombstone %v", tomb)
	}

	// FULL: whole before images.
	p.exec(t, `ALTER TABLE public.items REPLICA IDENTITY FULL`)
	p.exec(t, `INSERT INTO public.items VALUES (2, 'two', 'n')`)
	p.exec(t, `UPDATE public.items SET name = 'dos' WHERE id = 2`)
	p.exec(t, `DELETE FROM public.items WHERE id = 2`)
	recs = r.until(4)
	if field(t, recs[1].Value, "before", "name") != "two" || field(t, recs[1].Value, "after", "name") != "dos" {
		t.Fatalf("FULL update %v", recs[1].Value)
	}
	if field(t, recs[2].Value, "before", "note") != "n" {
		t.Fatalf("FULL delete %v", recs[2].Value)
	}
}

// TestFilteredPublicationAndTruncate: a filtered publication lists the
// captured tables only; a truncate is an op "t" record once
// skipped.operations no longer names it, and updates are skipped when it
// names u; slot.drop.on.stop drops the slot at Stop.
func TestFilteredPublicationAndTruncate(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.kept (id int PRIMARY KEY)`)
	p.exec(t, `CREATE TABLE public.other (id int PRIMARY KEY)`)
	cfg := p.config("snapshot.mode", "no_data", "publication.autocreate.mode", "filtered",
		"table.include.list", `public\.kept`, "skipped.operations", "u", "slot.drop.on.stop", "true")
	r := start(t, cfg, nil)
	var tables []string
	rows, err := p.conn.Query(context.Background(), `SELECT tablename FROM pg_publication_tables WHERE pubname = $1`, cfg["publication.name"])
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		tables = append(tables, n)
	}
	if strings.Join(tables, ",") != "kept" {
		t.Fatalf("publication tables %v", tables)
	}
	p.exec(t, `INSERT INTO public.other VALUES (1)`)
	p.exec(t, `INSERT INTO public.kept VALUES (1)`)
	p.exec(t, `UPDATE public.kept SET id = id`)
	p.exec(t, `TRUNCATE public.kept`)
	recs := r.until(2)
	if field(t, recs[0].Value, "op") != "c" || field(t, recs[1].Value, "op") != "t" || recs[1].Key != nil {
		t.Fatalf("records %v", recs)
	}
	if field(t, recs[1].Value, "source", "table") != "kept" {
		t.Fatalf("truncate %v", recs[1].Value)
	}
	r.quiet(200 * time.Millisecond)
	r.stop()
	var n int
	if err := p.conn.QueryRow(context.Background(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1",
		cfg["slot.name"]).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d slots named %s after Stop with slot.drop.on.stop (%v)", n, cfg["slot.name"], err)
	}
}

// TestKeyUpdate: an update that changes the primary key is a delete of
// the old key, its tombstone and a create of the new one, as in Debezium.
func TestKeyUpdate(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY, v text)`)
	r := start(t, p.config("snapshot.mode", "no_data"), nil)
	p.exec(t, `INSERT INTO public.t VALUES (1, 'x')`)
	p.exec(t, `UPDATE public.t SET id = 2 WHERE id = 1`)
	recs := r.until(4)[1:]
	if field(t, recs[0].Value, "op") != "d" || field(t, recs[0].Key, "id") != int32(1) ||
		field(t, recs[0].Value, "before", "id") != int32(1) {
		t.Fatalf("delete %v %v", recs[0].Key, recs[0].Value)
	}
	if recs[1].Value != nil || field(t, recs[1].Key, "id") != int32(1) {
		t.Fatalf("tombstone %v %v", recs[1].Key, recs[1].Value)
	}
	if field(t, recs[2].Value, "op") != "c" || field(t, recs[2].Key, "id") != int32(2) ||
		field(t, recs[2].Value, "after", "v") != "x" {
		t.Fatalf("create %v %v", recs[2].Key, recs[2].Value)
	}
}

// TestReconnect: when the server ends the task's connections in the
// middle of the stream, the task connects again by itself and goes on
// from the last record it queued: nothing lost, nothing repeated.
func TestReconnect(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY)`)
	r := start(t, p.config("snapshot.mode", "no_data"), nil)
	p.exec(t, `INSERT INTO public.t SELECT generate_series(1, 5)`)
	got := r.until(5)
	p.exec(t, `BEGIN; INSERT INTO public.t SELECT generate_series(6, 10); COMMIT`)
	p.exec(t, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1
		AND application_name = 'kconnect-postgrescdc'`, p.name)
	p.exec(t, `INSERT INTO public.t SELECT generate_series(11, 15)`)
	got = append(got, r.until(10)...)
	for i, rec := range got[:15] {
		if id := field(t, rec.Key, "id"); id != int32(i+1) {
			t.Fatalf("record %d has id %v, want %d", i, id, i+1)
		}
	}
	r.quiet(500 * time.Millisecond)
}
