package postgrescdc_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/source/postgrescdc"
)

// TestMoreTypes reads bit strings, a point, ranges, hstore (as JSON and as
// a map) and a box (include.unknown.datatypes), by the snapshot and
// streamed, as Debezium maps them.
func TestMoreTypes(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE EXTENSION hstore`)
	p.exec(t, `CREATE TABLE public.ty (id int PRIMARY KEY, b1 bit(1), b bit(10), vb bit varying(20), pt point,
		r int4range, tr tstzrange, h hstore, bx box)`)
	row := `INSERT INTO public.ty VALUES (%s, B'1', B'1000000011', B'101', '(1.5,-2)', '[1,5)',
		'[2024-01-01 10:00+02,)', 'b=>NULL, a=>"x\"y"', '((1,2),(3,4))')`
	p.exec(t, strings.Replace(row, "%s", "1", 1))
	wkb := make([]byte, 21)
	wkb[0], wkb[1] = 1, 1
	binary.LittleEndian.PutUint64(wkb[5:], math.Float64bits(1.5))
	binary.LittleEndian.PutUint64(wkb[13:], math.Float64bits(-2))
	for _, mode := range []string{"json", "map"} {
		cfg := p.config("include.unknown.datatypes", "true", "hstore.handling.mode", mode)
		for _, k := range []string{"slot.name", "publication.name", "topic.prefix"} {
			cfg[k] += "_" + mode
		}
		r := start(t, cfg, nil)
		snap := r.until(1)[0]
		p.exec(t, strings.Replace(row, "%s", map[string]string{"json": "2", "map": "3"}[mode], 1))
		streamed := r.until(1)[0]
		r.stop()
		for _, rec := range []connect.Record{snap, streamed} {
			after := field(t, rec.Value, "after").(*connect.Struct)
			sc := after.Schema()
			check := func(col, name string, params string, want any) {
				t.Helper()
				f, ok := sc.Field(col)
				if !ok {
					t.Errorf("%s %s: no field", mode, col)
					return
				}
				var ps []string
				for _, p := range f.Schema.Parameters {
					ps = append(ps, p.Key+"="+p.Value)
				}
				if f.Schema.Name != name || strings.Join(ps, ";") != params {
					t.Errorf("%s %s (op %v): schema %q %v, want %q %s", mode, col, field(t, rec.Value, "op"), f.Schema.Name, ps, name, params)
				}
				if got := after.Get(col); !reflect.DeepEqual(got, want) {
					t.Errorf("%s %s (op %v): %#v, want %#v", mode, col, field(t, rec.Value, "op"), got, want)
				}
			}
			check("b1", "", "", true)
			check("b", "io.debezium.data.Bits", "length=10", []byte{0x03, 0x02})
			check("vb", "io.debezium.data.Bits", "length=20", []byte{0x05})
			check("r", "", "", "[1,5)")
			check("tr", "", "", `["2024-01-01 08:00:00+00",)`)
			check("bx", "", "", []byte("(3.0,4.0),(1.0,2.0)"))
			if mode == "json" {
				check("h", "io.debezium.data.Json", "", `{"a":"x\"y","b":null}`)
			} else {
				check("h", "", "", []connect.MapEntry{{Key: "a", Value: `x"y`}, {Key: "b", Value: nil}})
			}
			pt, _ := after.Get("pt").(*connect.Struct)
			if pt == nil || pt.Schema().Name != "io.debezium.data.geometry.Point" || pt.Get("x") != 1.5 || pt.Get("y") != -2.0 ||
				!bytes.Equal(pt.Get("wkb").([]byte), wkb) || pt.Get("srid") != nil {
				t.Errorf("%s pt: %v", mode, pt)
			}
		}
	}
}

// TestUnmappedTypeFails: a column of a type without a mapping fails the
// start, naming the table, the column and the type, rather than being
// left out of every event; column.exclude.list leaves it out.
func TestUnmappedTypeFails(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.shapes (id int PRIMARY KEY, c circle)`)
	p.exec(t, `INSERT INTO public.shapes VALUES (1, '<(0,0),1>')`)
	cfg := p.config()
	c := postgrescdc.Plugin().New()
	ctx := context.Background()
	offsets := connecttest.NewOffsets()
	if err := c.Start(ctx, cfg, connecttest.NewConnectorContext(offsets)); err != nil {
		t.Fatal(err)
	}
	tcs, err := c.TaskConfigs(1)
	if err != nil {
		t.Fatal(err)
	}
	task := c.NewTask()
	err = task.Start(ctx, tcs[0], connecttest.SourceTaskContext(tcs[0], offsets))
	deadline := time.Now().Add(30 * time.Second)
	for err == nil && time.Now().Before(deadline) {
		// The snapshot may run after the start: the error then comes
		// from a poll.
		_, err = task.Poll(ctx)
	}
	_ = task.Stop(ctx)
	if err == nil {
		t.Fatal("a table with a circle column was captured without an error")
	}
	for _, want := range []string{"public.shapes", "column c", "circle", "include.unknown.datatypes", "column.exclude.list"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("the error %q does not say %q", err, want)
		}
	}

	cfg["column.exclude.list"] = `public\.shapes\.c`
	r := start(t, cfg, nil)
	after := field(t, r.until(1)[0].Value, "after").(*connect.Struct)
	if _, ok := after.Schema().Field("c"); ok || after.Get("id") != int32(1) {
		t.Fatalf("with the column excluded: %v", after)
	}
}

// TestUnchangedToast: an update that leaves alone values TOAST keeps out of
// line gets them as unchanged from pgoutput. Under REPLICA IDENTITY
// DEFAULT the event carries Debezium's placeholder in each column's form;
// under FULL the old row holds them, and the event has the values.
func TestUnchangedToast(t *testing.T) {
	p := newPG(t)
	for _, tb := range []string{"dflt", "full"} {
		p.exec(t, `CREATE TABLE public.`+tb+` (id int PRIMARY KEY, n int, body text, blob bytea, doc jsonb, tags text[],
			nums int[]) WITH (toast_tuple_target = 128)`)
		for _, c := range []string{"body", "blob", "doc", "tags", "nums"} {
			p.exec(t, `ALTER TABLE public.`+tb+` ALTER COLUMN `+c+` SET STORAGE EXTERNAL`)
		}
	}
	p.exec(t, `ALTER TABLE public.full REPLICA IDENTITY FULL`)
	r := start(t, p.config("snapshot.mode", "no_data"), nil)
	body, blob := strings.Repeat("text ", 200), bytes.Repeat([]byte{0, 0xff}, 500)
	doc := `{"k": "` + strings.Repeat("j", 1000) + `"}`
	tags := []any{strings.Repeat("t", 1000), "short"}
	nums := make([]any, 300)
	for i := range nums {
		nums[i] = int32(i)
	}
	for _, tb := range []string{"dflt", "full"} {
		p.exec(t, `INSERT INTO public.`+tb+` SELECT 1, 1, $1, $2, $3::jsonb, ARRAY[repeat('t', 1000), 'short'],
			ARRAY(SELECT generate_series(0, 299))`, body, blob, doc)
		// Every value out of line: the TOAST table holds one value per
		// column.
		var values int
		var toast string
		if err := p.conn.QueryRow(context.Background(), `SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = 'public.`+
			tb+`'::regclass`).Scan(&toast); err != nil {
			t.Fatal(err)
		}
		if err := p.conn.QueryRow(context.Background(), `SELECT count(DISTINCT chunk_id) FROM `+toast).Scan(&values); err != nil || values != 5 {
			t.Fatalf("%s: %d values out of line (%v), want 5", tb, values, err)
		}
		p.exec(t, `UPDATE public.`+tb+` SET n = 2 WHERE id = 1`)
	}
	recs := r.until(4)
	const ph = "__debezium_unavailable_value"
	phInts := make([]any, len(ph))
	for i := range len(ph) {
		phInts[i] = int32(ph[i])
	}
	for i, want := range []map[string]any{
		{"n": int32(2), "body": ph, "blob": []byte(ph), "doc": ph, "tags": []any{ph}, "nums": phInts},
		{"n": int32(2), "body": body, "blob": blob, "doc": doc, "tags": tags, "nums": nums},
	} {
		rec := recs[1+2*i]
		if op := field(t, rec.Value, "op"); op != "u" {
			t.Fatalf("%s: op %v", []string{"dflt", "full"}[i], op)
		}
		after := field(t, rec.Value, "after").(*connect.Struct)
		for col, w := range want {
			if got := after.Get(col); !reflect.DeepEqual(got, w) {
				t.Errorf("%s: after.%s = %.80s, want %.80s", []string{"dflt", "full"}[i], col, fmt.Sprint(got), fmt.Sprint(w))
			}
		}
	}
	if before := field(t, recs[1].Value, "before"); before != nil {
		t.Errorf("DEFAULT: before %v", before)
	}
	if before := field(t, recs[3].Value, "before").(*connect.Struct); before.Get("body") != body || before.Get("n") != int32(1) {
		t.Errorf("FULL: before %.100v", before)
	}
}
