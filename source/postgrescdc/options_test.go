package postgrescdc_test

import (
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
)

// snapshotOnly starts a task with snapshot.mode=initial_only and the
// keys and values kv, and returns the records of its snapshot, up to the
// one marked last, which must end them.
func snapshotOnly(t *testing.T, p *pg, kv ...string) []connect.Record {
	t.Helper()
	r := start(t, p.config(append([]string{"snapshot.mode", "initial_only"}, kv...)...), nil)
	for {
		// A poll returns every record queued: the last one can come in
		// the same batch as those before it, anywhere but first.
		recs := r.until(1)
		for i, rec := range recs {
			if field(t, rec.Value, "source", "snapshot") == "last" {
				if i != len(recs)-1 {
					t.Fatalf("records after the snapshot's last: %v", recs[i+1:])
				}
				r.stop()
				return r.got
			}
		}
	}
}

// TestOptionKeys takes a snapshot of the same tables under each option
// and checks what it changes, so that an option read but not applied
// fails: the schema, table and column filters, decimal.handling.mode
// double, binary.handling.mode base64 and base64-url-safe, and
// time.precision.mode adaptive_time_microseconds against adaptive.
func TestOptionKeys(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE SCHEMA s1`)
	p.exec(t, `CREATE SCHEMA s2`)
	p.exec(t, `CREATE TABLE s1.a (id int PRIMARY KEY, x text, y text)`)
	p.exec(t, `CREATE TABLE s1.b (id int PRIMARY KEY)`)
	p.exec(t, `CREATE TABLE s2.c (id int PRIMARY KEY)`)
	p.exec(t, `CREATE TABLE public.v (id int PRIMARY KEY, n numeric(10,2), bin bytea, tm time(3))`)
	p.exec(t, `INSERT INTO s1.a VALUES (1, 'x', 'y')`)
	p.exec(t, `INSERT INTO s1.b VALUES (1)`)
	p.exec(t, `INSERT INTO s2.c VALUES (1)`)
	p.exec(t, `INSERT INTO public.v VALUES (1, 1.25, '\x01fbff', '01:02:03.456')`)

	tables := func(recs []connect.Record) string {
		var out []string
		for _, r := range recs {
			out = append(out, fmt.Sprint(field(t, r.Value, "source", "schema"), ".", field(t, r.Value, "source", "table")))
		}
		sort.Strings(out)
		return fmt.Sprint(out)
	}
	// after returns the after-image of the snapshot's row of table tb.
	after := func(recs []connect.Record, tb string) *connect.Struct {
		for _, r := range recs {
			if r.Topic == p.config()["topic.prefix"]+"."+tb {
				return field(t, r.Value, "after").(*connect.Struct)
			}
		}
		t.Fatalf("no record of %s", tb)
		return nil
	}
	fields := func(s *connect.Struct) string {
		var out []string
		for _, f := range s.Schema().Fields {
			out = append(out, f.Name)
		}
		return fmt.Sprint(out)
	}
	for _, tc := range []struct {
		kv    []string
		check func(t *testing.T, recs []connect.Record) (got, want any)
	}{
		{[]string{"schema.include.list", "s1"}, func(t *testing.T, recs []connect.Record) (any, any) {
			return tables(recs), "[s1.a s1.b]"
		}},
		{[]string{"schema.exclude.list", "s1,public"}, func(t *testing.T, recs []connect.Record) (any, any) {
			return tables(recs), "[s2.c]"
		}},
		{[]string{"table.exclude.list", `s1\.a,public\..*`}, func(t *testing.T, recs []connect.Record) (any, any) {
			return tables(recs), "[s1.b s2.c]"
		}},
		{[]string{"table.include.list", "s1.a", "column.include.list", `s1\.a\.(id|y)`}, func(t *testing.T, recs []connect.Record) (any, any) {
			return fields(after(recs, "s1.a")), "[id y]"
		}},
		{[]string{"table.include.list", "s1.a", "column.exclude.list", `s1\.a\.y`}, func(t *testing.T, recs []connect.Record) (any, any) {
			return fields(after(recs, "s1.a")), "[id x]"
		}},
		{[]string{"table.include.list", "public.v", "decimal.handling.mode", "double"}, func(t *testing.T, recs []connect.Record) (any, any) {
			return after(recs, "public.v").Get("n"), 1.25
		}},
		{[]string{"table.include.list", "public.v", "binary.handling.mode", "base64"}, func(t *testing.T, recs []connect.Record) (any, any) {
			return after(recs, "public.v").Get("bin"), "Afv/"
		}},
		{[]string{"table.include.list", "public.v", "binary.handling.mode", "base64-url-safe"}, func(t *testing.T, recs []connect.Record) (any, any) {
			return after(recs, "public.v").Get("bin"), "Afv_"
		}},
		{[]string{"table.include.list", "public.v", "time.precision.mode", "adaptive"}, func(t *testing.T, recs []connect.Record) (any, any) {
			return after(recs, "public.v").Get("tm"), int32(3723456)
		}},
		{[]string{"table.include.list", "public.v", "time.precision.mode", "adaptive_time_microseconds"}, func(t *testing.T, recs []connect.Record) (any, any) {
			v := after(recs, "public.v")
			f, _ := v.Schema().Field("tm")
			return fmt.Sprint(v.Get("tm"), " ", f.Schema.Name), "3723456000 io.debezium.time.MicroTime"
		}},
	} {
		t.Run(fmt.Sprint(tc.kv), func(t *testing.T) {
			got, want := tc.check(t, snapshotOnly(t, p, tc.kv...))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%v: got %#v, want %#v", tc.kv, got, want)
			}
		})
	}
}

// TestHeartbeatTopicPrefix: topic.heartbeat.prefix names the heartbeat
// topic, <prefix>.<topic.prefix>.
func TestHeartbeatTopicPrefix(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY)`)
	cfg := p.config("snapshot.mode", "no_data", "heartbeat.interval.ms", "100", "topic.heartbeat.prefix", "beats")
	r := start(t, cfg, nil)
	if rec := r.until(1)[0]; rec.Topic != "beats."+cfg["topic.prefix"] {
		t.Fatalf("heartbeat topic %q, want beats.%s", rec.Topic, cfg["topic.prefix"])
	}
}
