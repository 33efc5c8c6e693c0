package jdbc_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
	sinkjdbc "github.com/kconnect-go/kconnect/sink/jdbc"
)

var everyType = connect.StructOf(
	connect.Field{Name: "id", Schema: connect.Int64Schema},
	connect.Field{Name: "i8", Schema: connect.Int8Schema},
	connect.Field{Name: "i16", Schema: connect.OptionalInt16Schema},
	connect.Field{Name: "i32", Schema: connect.OptionalInt32Schema},
	connect.Field{Name: "f32", Schema: connect.OptionalFloat32Schema},
	connect.Field{Name: "f64", Schema: connect.OptionalFloat64Schema},
	connect.Field{Name: "b", Schema: connect.OptionalBooleanSchema},
	connect.Field{Name: "s", Schema: connect.OptionalStringSchema},
	connect.Field{Name: "raw", Schema: connect.OptionalBytesSchema},
	connect.Field{Name: "dec", Schema: connect.DecimalSchema(2).AsOptional()},
	connect.Field{Name: "day", Schema: connect.OptionalDateSchema},
	connect.Field{Name: "at", Schema: connect.OptionalTimeSchema},
	connect.Field{Name: "ts", Schema: connect.OptionalTimestampSchema},
	connect.Field{Name: "nums", Schema: connect.ArrayOf(connect.OptionalInt32Schema).AsOptional()},
)

// everyTypeRecords are n records of every type COPY writes, every other
// one with its optional fields null.
func everyTypeRecords(t *testing.T, topic string, n int) []connect.Record {
	out := make([]connect.Record, n)
	for i := range out {
		v := value(t, everyType, "id", int64(i), "i8", int8(i%100-50))
		if i%2 == 0 {
			ts := time.Date(2024, 2, 29, 13, 14, 15, 678e6, time.UTC).Add(time.Duration(i) * time.Hour)
			for k, x := range map[string]any{"i16": int16(-i), "i32": int32(i * 1000), "f32": float32(i) / 4, "f64": float64(i) / 3,
				"b": i%4 == 0, "s": fmt.Sprintf(`s "%d" ü`, i), "raw": []byte{0, byte(i), 255}, "dec": connect.NewDecimal(int64(i)*1234-5, 2),
				"day": ts.Truncate(24 * time.Hour), "at": time.Date(1970, 1, 1, 13, 14, 15, 678e6, time.UTC), "ts": ts,
				"nums": []any{int32(i), nil, int32(-1)}} {
				if err := v.Put(k, x); err != nil {
					t.Fatal(err)
				}
			}
		}
		out[i] = rec(t, topic, int64(i), int64(i), everyType, v)
	}
	return out
}

// TestPostgresCopy writes a batch of inserts of every type by COPY, and
// the same records into another table one INSERT per record: the tables
// hold the same rows, and the rows of the first were copied.
func TestPostgresCopy(t *testing.T) {
	db := jdbctest.Postgres(t)
	c := start(t, db, map[string]string{"auto.create": "true", "table.name.format": "copied"})
	c.put(everyTypeRecords(t, "x", 50)...)
	if got := sinkjdbc.CopiedRows(c.task); got != 50 {
		t.Fatalf("%d rows copied, want 50", got)
	}
	one := start(t, db, map[string]string{"auto.create": "true", "table.name.format": "inserted", "batch.size": "1"})
	one.put(everyTypeRecords(t, "x", 50)...)
	if got := sinkjdbc.CopiedRows(one.task); got != 0 {
		t.Fatalf("%d rows copied with batch.size=1, want none", got)
	}
	cols := `id, i8, i16, i32, f32, f64, b, s, encode(raw, 'hex'), dec::text, day::text, at::text, ts::text, nums::text`
	copied := c.rows(`SELECT ` + cols + ` FROM copied ORDER BY id`)
	inserted := c.rows(`SELECT ` + cols + ` FROM inserted ORDER BY id`)
	if copied != inserted {
		t.Errorf("copied rows differ from inserted ones:\n%s\n%s", copied, inserted)
	}
	if want := `[0 -50 0 0 0 0 true s "0" ü 0000ff -0.05 2024-02-29 13:14:15.678 2024-02-29 13:14:15.678 {0,NULL,-1}]`; !strings.HasPrefix(copied, "["+want) {
		t.Errorf("first row %.200s, want %s", copied, want)
	}
}

// TestPostgresCopyAlone checks that a batch that is one COPY is written
// without a transaction around it (a COPY is atomic on its own), and
// that a batch of more than one statement still is one transaction.
func TestPostgresCopyAlone(t *testing.T) {
	db := jdbctest.Postgres(t)
	s := start(t, db, map[string]string{"auto.create": "true"})
	s.put(named(t, "a", 0, 1, "ann"), named(t, "a", 1, 2, "bob"), named(t, "a", 2, 3, "cy"))
	if got, copied := sinkjdbc.Transactions(s.task), sinkjdbc.CopiedRows(s.task); got != 0 || copied != 3 {
		t.Errorf("one COPY of 3 rows: %d transactions, %d rows copied; want none and 3", got, copied)
	}
	s.put(named(t, "a", 3, 4, "di"), named(t, "a", 4, 5, "ed"), named(t, "b", 0, 6, "flo"), named(t, "b", 1, 7, "gus"))
	if got, copied := sinkjdbc.Transactions(s.task), sinkjdbc.CopiedRows(s.task); got != 1 || copied != 7 {
		t.Errorf("two COPYs: %d transactions, %d rows copied; want 1 and 7", got, copied)
	}
	if got, want := s.rows(`SELECT id, name FROM a ORDER BY id`)+s.rows(`SELECT id, name FROM b ORDER BY id`),
		"[[1 ann] [2 bob] [3 cy] [4 di] [5 ed]][[6 flo] [7 gus]]"; got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
}

// TestPostgresCopyBadRow puts a batch whose middle record repeats a key:
// the COPY fails as a whole, the batch is written again one record at a
// time, and the bad record alone is reported.
func TestPostgresCopyBadRow(t *testing.T) {
	db := jdbctest.Postgres(t)
	s := start(t, db, map[string]string{"auto.create": "true", "pk.mode": "record_key"})
	s.put(named(t, "users", 0, 1, "ann"), named(t, "users", 1, 2, "bob"))
	s.put(named(t, "users", 2, 3, "cy"), named(t, "users", 3, 1, "duplicate"), named(t, "users", 4, 4, "di"))
	if got, want := s.rows(`SELECT id, name FROM users ORDER BY id`), "[[1 ann] [2 bob] [3 cy] [4 di]]"; got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
	rep := s.tc.Reported()
	if len(rep) != 1 || !strings.Contains(rep[0].Err.Error(), "table users, record topic users partition 0 offset 3") {
		t.Fatalf("reported %v; want the duplicate alone, naming its table and position", rep)
	}
	if got := sinkjdbc.CopiedRows(s.task); got != 2 {
		t.Errorf("%d rows copied, want the first batch's 2", got)
	}
}

// TestPostgresCopyNames copies into tables and columns of hostile names.
func TestPostgresCopyNames(t *testing.T) {
	db := jdbctest.Postgres(t)
	for _, name := range hostile {
		schema := connect.StructOf(connect.Field{Name: name, Schema: connect.Int64Schema}, connect.Field{Name: "v " + name, Schema: connect.StringSchema})
		s := start(t, db, map[string]string{"auto.create": "true"})
		s.put(rec(t, name, 0, 1, schema, value(t, schema, name, int64(1), "v "+name, name)),
			rec(t, name, 1, 2, schema, value(t, schema, name, int64(2), "v "+name, "x")))
		if got := sinkjdbc.CopiedRows(s.task); got != 2 {
			t.Errorf("name %q: %d rows copied, want 2", name, got)
		}
		q := func(id string) string { s, _ := db.Dialect.Ident(id, jdbc.Always); return s }
		if got, want := fmt.Sprint(queryAsIs(t, db.URL, "SELECT "+q(name)+", "+q("v "+name)+" FROM "+q(name)+" ORDER BY 1")), fmt.Sprint([][]string{{"1", name}, {"2", "x"}}); got != want {
			t.Errorf("name %q: rows %s, want %s", name, got, want)
		}
	}
}

// TestPostgresNeverQuotedMixedCase writes, with quote.sql.identifiers=never,
// to a topic named in mixed case: PostgreSQL folds the bare name the
// table is created under, and the task finds it, and copies into it, by
// that name.
func TestPostgresNeverQuotedMixedCase(t *testing.T) {
	db := jdbctest.Postgres(t)
	n := start(t, db, map[string]string{"auto.create": "true", "quote.sql.identifiers": "never"})
	n.put(named(t, "Mixed_Case", 0, 1, "a"), named(t, "Mixed_Case", 1, 2, "b"))
	if got, want := n.rows(`SELECT id, name FROM mixed_case ORDER BY id`), "[[1 a] [2 b]]"; got != want || sinkjdbc.CopiedRows(n.task) != 2 {
		t.Errorf("rows %s (%d copied), want %s copied", got, sinkjdbc.CopiedRows(n.task), want)
	}
	n.put(named(t, "Mixed_Case", 2, 3, "c"))
	if got, want := n.rows(`SELECT id, name FROM mixed_case ORDER BY id`), "[[1 a] [2 b] [3 c]]"; got != want || len(n.tc.Reported()) != 0 {
		t.Errorf("rows %s, reported %v; want %s", got, n.tc.Reported(), want)
	}
}

// TestPostgresCopyIntoView writes to a view, which takes no COPY: the
// first batch is written again one row at a time, none reported, and the
// next by one multi-row INSERT.
func TestPostgresCopyIntoView(t *testing.T) {
	db := jdbctest.Postgres(t)
	if _, err := db.DB.Exec(`CREATE TABLE base (id bigint PRIMARY KEY, name text); CREATE VIEW v AS SELECT id, name FROM base`); err != nil {
		t.Fatal(err)
	}
	s := start(t, db, map[string]string{"table.name.format": "v"})
	s.put(named(t, "x", 0, 1, "a"), named(t, "x", 1, 2, "b"))
	before := sinkjdbc.Statements(s.task)
	s.put(named(t, "x", 2, 3, "c"), named(t, "x", 3, 4, "d"), named(t, "x", 4, 5, "e"))
	if got, want := s.rows(`SELECT id, name FROM base ORDER BY id`), "[[1 a] [2 b] [3 c] [4 d] [5 e]]"; got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
	if rep := s.tc.Reported(); len(rep) != 0 {
		t.Errorf("reported %v", rep[0].Err)
	}
	if n := sinkjdbc.Statements(s.task) - before; n != 1 || sinkjdbc.CopiedRows(s.task) != 0 {
		t.Errorf("the second batch took %d statements and %d rows were copied; want one INSERT", n, sinkjdbc.CopiedRows(s.task))
	}
}
