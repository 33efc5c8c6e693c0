package postgrescdc_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

// describeRecord is a record as "<schema.table> <op> <image>[<fields>]"
// for each of its before and after images, or "<schema.table> tombstone".
func describeRecord(t *testing.T, prefix string, rec connect.Record) string {
	t.Helper()
	table := strings.TrimPrefix(rec.Topic, prefix+".")
	if rec.Value == nil {
		return table + " tombstone"
	}
	out := fmt.Sprint(table, " ", field(t, rec.Value, "op"))
	for _, image := range []string{"before", "after"} {
		if s, ok := field(t, rec.Value, image).(*connect.Struct); ok && s != nil {
			var names []string
			for _, f := range s.Schema().Fields {
				names = append(names, f.Name)
			}
			out += " " + image + "[" + strings.Join(names, ",") + "]"
		}
	}
	return out
}

// describeRecords describes each of recs, in order.
func describeRecords(t *testing.T, prefix string, recs []connect.Record) []string {
	t.Helper()
	out := make([]string, len(recs))
	for i, rec := range recs {
		out[i] = describeRecord(t, prefix, rec)
	}
	return out
}

// TestStreamFilters: the schema, table and column filters apply to the
// streamed changes as they do to the snapshot (TestOptionKeys), tables
// created while streaming included: changes of a table left out make no
// record, and the columns left out are in neither the before nor the
// after image. Each case's changes end with one of a captured table, so
// a record of a table left out would come before it.
func TestStreamFilters(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE SCHEMA s1`)
	p.exec(t, `CREATE SCHEMA s2`)
	for _, tb := range []string{"s1.a", "s1.b", "s2.c", "public.d"} {
		p.exec(t, `CREATE TABLE `+tb+` (id int PRIMARY KEY, x text, y text)`)
		p.exec(t, `ALTER TABLE `+tb+` REPLICA IDENTITY FULL`)
		p.exec(t, `INSERT INTO `+tb+` VALUES (1, 'x', 'y')`)
	}
	// Each case writes, once its task streams: a row in a table created
	// then (s1.late), an update of s2.c and of public.d, and last an
	// update of s1.a.
	for i, tc := range []struct {
		kv   []string
		want []string
	}{
		{[]string{"schema.include.list", "s1"}, []string{
			"s1.late c after[id,x,y]", "s1.a u before[id,x,y] after[id,x,y]"}},
		{[]string{"schema.exclude.list", "s2,public"}, []string{
			"s1.late c after[id,x,y]", "s1.a u before[id,x,y] after[id,x,y]"}},
		{[]string{"table.include.list", `s1\.a,public\..*`}, []string{
			"public.d u before[id,x,y] after[id,x,y]", "s1.a u before[id,x,y] after[id,x,y]"}},
		{[]string{"table.exclude.list", `s1\.l.*,s2\.c`}, []string{
			"public.d u before[id,x,y] after[id,x,y]", "s1.a u before[id,x,y] after[id,x,y]"}},
		{[]string{"schema.include.list", "s1", "column.include.list", `s1\.a\.(id|y),s1\.late\.x`}, []string{
			"s1.late c after[x]", "s1.a u before[id,y] after[id,y]"}},
		{[]string{"schema.include.list", "s1", "column.exclude.list", `s1\..*\.x`}, []string{
			"s1.late c after[id,y]", "s1.a u before[id,y] after[id,y]"}},
	} {
		t.Run(fmt.Sprint(tc.kv), func(t *testing.T) {
			cfg := p.config(append([]string{"snapshot.mode", "no_data"}, tc.kv...)...)
			cfg["slot.name"] += fmt.Sprint("_", i)
			cfg["publication.name"] += fmt.Sprint("_", i)
			r := start(t, cfg, nil)
			p.exec(t, `DROP TABLE IF EXISTS s1.late`)
			p.exec(t, `CREATE TABLE s1.late (id int PRIMARY KEY, x text, y text)`)
			p.exec(t, `INSERT INTO s1.late VALUES (1, 'x', 'y')`)
			p.exec(t, `UPDATE s2.c SET x = $1`, fmt.Sprint(i))
			p.exec(t, `UPDATE public.d SET x = $1`, fmt.Sprint(i))
			p.exec(t, `UPDATE s1.a SET x = $1`, fmt.Sprint(i))
			require.Equal(t, tc.want, describeRecords(t, cfg["topic.prefix"], r.until(len(tc.want))))
			r.quiet(200 * time.Millisecond)
		})
	}
}

// TestSkippedOperations: skipped.operations leaves out each operation it
// names (c, u, d, t; "none" none; its default t), and a delete left out
// takes its tombstone with it. The changes are an insert, an update, a
// delete and a truncate of one table, in that order.
func TestSkippedOperations(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY, v text)`)
	for i, tc := range []struct {
		skipped string // "-" leaves the key out
		want    []string
	}{
		{"-", []string{"public.t c after[id,v]", "public.t u after[id,v]", "public.t d before[id,v]", "public.t tombstone"}},
		{"none", []string{"public.t c after[id,v]", "public.t u after[id,v]", "public.t d before[id,v]", "public.t tombstone", "public.t t"}},
		{"c", []string{"public.t u after[id,v]", "public.t d before[id,v]", "public.t tombstone", "public.t t"}},
		{"u,t", []string{"public.t c after[id,v]", "public.t d before[id,v]", "public.t tombstone"}},
		{"d", []string{"public.t c after[id,v]", "public.t u after[id,v]", "public.t t"}},
		{"c,d", []string{"public.t u after[id,v]", "public.t t"}},
	} {
		t.Run(tc.skipped, func(t *testing.T) {
			cfg := p.config("snapshot.mode", "no_data")
			if tc.skipped != "-" {
				cfg["skipped.operations"] = tc.skipped
			}
			cfg["slot.name"] += fmt.Sprint("_", i)
			cfg["publication.name"] += fmt.Sprint("_", i)
			r := start(t, cfg, nil)
			p.exec(t, `INSERT INTO public.t VALUES (1, 'a')`)
			p.exec(t, `UPDATE public.t SET v = 'b'`)
			p.exec(t, `DELETE FROM public.t`)
			p.exec(t, `TRUNCATE public.t`)
			require.Equal(t, tc.want, describeRecords(t, cfg["topic.prefix"], r.until(len(tc.want))))
			r.quiet(300 * time.Millisecond)
		})
	}
}

// TestTombstonesOnDeleteFalse: with tombstones.on.delete=false a delete,
// and the delete an update of the key makes, has no tombstone after it.
func TestTombstonesOnDeleteFalse(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY, v text)`)
	cfg := p.config("snapshot.mode", "no_data", "tombstones.on.delete", "false")
	r := start(t, cfg, nil)
	p.exec(t, `INSERT INTO public.t VALUES (1, 'a')`)
	p.exec(t, `UPDATE public.t SET id = 2`)
	p.exec(t, `DELETE FROM public.t`)
	p.exec(t, `INSERT INTO public.t VALUES (3, 'c')`)
	require.Equal(t, []string{"public.t c after[id,v]", "public.t d before[id,v]", "public.t c after[id,v]",
		"public.t d before[id,v]", "public.t c after[id,v]"}, describeRecords(t, cfg["topic.prefix"], r.until(5)))
}

// TestSnapshotModeNever: never, no_data's older name, takes no snapshot
// and streams from the slot's creation.
func TestSnapshotModeNever(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY)`)
	p.exec(t, `INSERT INTO public.t VALUES (1)`)
	r := start(t, p.config("snapshot.mode", "never"), nil)
	p.exec(t, `INSERT INTO public.t VALUES (2)`)
	rec := r.until(1)[0]
	require.Equal(t, "c", field(t, rec.Value, "op"))
	require.Equal(t, int32(2), field(t, rec.Key, "id"))
	r.quiet(300 * time.Millisecond)
}

// TestMessageKeyColumnsEntries: message.key.columns with several entries
// (';'), each a regular expression over schema.table with one or more
// columns, keys the snapshot's records and the streamed ones, deletes and
// their tombstones included (under REPLICA IDENTITY FULL, whose old row
// has the key columns), in the order the table has the columns; a table
// no entry names keeps its primary key.
func TestMessageKeyColumnsEntries(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE SCHEMA s1`)
	p.exec(t, `CREATE TABLE public.a (id int PRIMARY KEY, code text NOT NULL)`)
	p.exec(t, `CREATE TABLE public.b (id int PRIMARY KEY, code text NOT NULL)`)
	p.exec(t, `CREATE TABLE s1.c (id int PRIMARY KEY, x int NOT NULL, y int NOT NULL)`)
	p.exec(t, `CREATE TABLE public.d (id int PRIMARY KEY, code text)`)
	for _, tb := range []string{"public.a", "public.b", "s1.c", "public.d"} {
		p.exec(t, `ALTER TABLE `+tb+` REPLICA IDENTITY FULL`)
	}
	p.exec(t, `INSERT INTO public.a VALUES (1, 'a1')`)
	cfg := p.config("message.key.columns", `public\.(a|b):code; s1\..*:y,x`)
	r := start(t, cfg, nil)
	keyOf := func(rec connect.Record) string {
		t.Helper()
		k, ok := rec.Key.(*connect.Struct)
		require.True(t, ok, "record %v has key %v", rec.Value, rec.Key)
		var parts []string
		for _, f := range k.Schema().Fields {
			parts = append(parts, fmt.Sprint(f.Name, "=", k.Get(f.Name)))
		}
		return strings.TrimPrefix(rec.Topic, cfg["topic.prefix"]+".") + " " + strings.Join(parts, ",")
	}
	require.Equal(t, "public.a code=a1", keyOf(r.until(1)[0]))
	p.exec(t, `INSERT INTO public.b VALUES (2, 'b2')`)
	p.exec(t, `INSERT INTO s1.c VALUES (3, 30, 31)`)
	p.exec(t, `INSERT INTO public.d VALUES (4, 'd4')`)
	p.exec(t, `DELETE FROM public.b`)
	var got []string
	for _, rec := range r.until(5) {
		got = append(got, keyOf(rec))
	}
	require.Equal(t, []string{"public.b code=b2", "s1.c x=30,y=31", "public.d id=4", "public.b code=b2", "public.b code=b2"}, got)
}

// TestColumnFiltersKeepKey: column.exclude.list and column.include.list
// shape the values only, as in Debezium: a primary key column they leave
// out of the value is still in the key, of snapshot and streamed records.
func TestColumnFiltersKeepKey(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY, x text)`)
	p.exec(t, `INSERT INTO public.t VALUES (1, 'a')`)
	for i, kv := range [][]string{{"column.exclude.list", `public\.t\.id`}, {"column.include.list", `public\.t\.x`}} {
		t.Run(kv[0], func(t *testing.T) {
			cfg := p.config(kv...)
			cfg["slot.name"] += fmt.Sprint("_", i)
			cfg["publication.name"] += fmt.Sprint("_", i)
			r := start(t, cfg, nil)
			r.until(1)
			p.exec(t, `UPDATE public.t SET x = $1`, kv[0])
			recs := r.until(1)
			for _, rec := range r.got {
				require.Equal(t, int32(1), field(t, rec.Key, "id"))
				require.Equal(t, "public.t "+fmt.Sprint(field(t, rec.Value, "op"))+" after[x]",
					describeRecord(t, cfg["topic.prefix"], rec))
			}
			require.Equal(t, kv[0], field(t, recs[0].Value, "after", "x"))
		})
	}
}

// TestSnapshotModesFreshStart: with no offsets, initial, always and
// when_needed read the table and then stream; no_data and never only
// stream; initial_only only reads.
func TestSnapshotModesFreshStart(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY)`)
	p.exec(t, `INSERT INTO public.t VALUES (1)`)
	for i, tc := range []struct {
		mode string
		want []string
	}{
		{"initial", []string{"r 1", "c 2"}},
		{"always", []string{"r 1", "c 2"}},
		{"when_needed", []string{"r 1", "c 2"}},
		{"no_data", []string{"c 2"}},
		{"never", []string{"c 2"}},
		{"initial_only", []string{"r 1"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			cfg := p.config("snapshot.mode", tc.mode)
			cfg["slot.name"] += fmt.Sprint("_", i)
			cfg["publication.name"] += fmt.Sprint("_", i)
			r := start(t, cfg, nil)
			if tc.want[0] == "r 1" {
				r.until(1) // the snapshot before the insert, so it cannot read row 2
			}
			p.exec(t, `INSERT INTO public.t VALUES (2)`)
			if len(tc.want) > 1 || tc.want[0] != "r 1" {
				r.until(len(tc.want) - len(r.got))
			}
			var got []string
			for _, rec := range r.got {
				got = append(got, fmt.Sprint(field(t, rec.Value, "op"), " ", field(t, rec.Key, "id")))
			}
			require.Equal(t, tc.want, got)
			r.quiet(300 * time.Millisecond)
			p.exec(t, `DELETE FROM public.t WHERE id = 2`)
		})
	}
}
