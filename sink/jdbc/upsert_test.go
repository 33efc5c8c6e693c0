package jdbc_test

import (
	"strconv"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
	sinkjdbc "github.com/kconnect-go/kconnect/sink/jdbc"
)

// TestUpsertBatch upserts a batch whose keys repeat, keyed by the record
// key and by two value fields: it is one statement, and each key's row
// holds its last record's values, as one statement per record would
// leave it (PostgreSQL refuses one statement changing a row twice).
func TestUpsertBatch(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		s := start(t, db, map[string]string{"auto.create": "true", "insert.mode": "upsert", "pk.mode": "record_key"})
		s.put(named(t, "users", 0, 1, "ann"), named(t, "users", 1, 2, "bob"))
		before := sinkjdbc.Statements(s.task)
		s.put(named(t, "users", 2, 1, "a2"), named(t, "users", 3, 3, "cy"), named(t, "users", 4, 2, "b2"),
			named(t, "users", 5, 1, "a3"), named(t, "users", 6, 4, "di"), named(t, "users", 7, 3, "c2"))
		if got, want := s.rows(`SELECT "id", "name" FROM "users" ORDER BY "id"`), "[[1 a3] [2 b2] [3 c2] [4 di]]"; got != want {
			t.Errorf("rows %s, want %s", got, want)
		}
		if n := sinkjdbc.Statements(s.task) - before; n != 1 {
			t.Errorf("the batch took %d statements, want 1", n)
		}
		if rep := s.tc.Reported(); len(rep) != 0 {
			t.Errorf("reported %v", rep[0].Err)
		}

		pair := connect.StructOf(
			connect.Field{Name: "a", Schema: connect.StringSchema},
			connect.Field{Name: "b", Schema: connect.Int32Schema},
			connect.Field{Name: "v", Schema: connect.OptionalStringSchema},
		)
		v := start(t, db, map[string]string{"auto.create": "true", "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "a,b"})
		var batch []connect.Record
		for i := range 30 {
			batch = append(batch, rec(t, "pairs", int64(i), 0, pair, value(t, pair, "a", "k"+strconv.Itoa(i%3), "b", int32(i%2), "v", "v"+strconv.Itoa(i))))
		}
		v.put(batch...)
		if got, want := v.rows(`SELECT "a", "b", "v" FROM "pairs" ORDER BY "a", "b"`),
			"[[k0 0 v24] [k0 1 v27] [k1 0 v28] [k1 1 v25] [k2 0 v26] [k2 1 v29]]"; got != want {
			t.Errorf("rows %s, want %s", got, want)
		}
		if n := sinkjdbc.Statements(v.task); n != 1 {
			t.Errorf("the batch took %d statements, want 1", n)
		}
	})
}

// TestUpsertBatchBadRecord upserts a batch in which one record breaks a
// NOT NULL column (a null name): the statement fails, the records are written one at a
// time, the bad one is reported and the last value of each key stays.
func TestUpsertBatchBadRecord(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		q, err := db.Dialect.CreateTable(jdbc.TableID{Name: "strict"}, []jdbc.Column{
			{Name: "id", Schema: connect.Int64Schema, Key: true}, {Name: "name", Schema: connect.StringSchema}}, jdbc.Always)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
		s := start(t, db, map[string]string{"insert.mode": "upsert", "pk.mode": "record_key", "table.name.format": "strict"})
		s.put(named(t, "users", 0, 1, "ann"))
		null := rec(t, "users", 3, 2, valueSchema, value(t, valueSchema, "id", int64(2)))
		s.put(named(t, "users", 1, 1, "a2"), named(t, "users", 2, 2, "bob"), null, named(t, "users", 4, 1, "a3"))
		if got, want := s.rows(`SELECT "id", "name" FROM "strict" ORDER BY "id"`), "[[1 a3] [2 bob]]"; got != want {
			t.Errorf("rows %s, want %s", got, want)
		}
		if rep := s.tc.Reported(); len(rep) != 1 || rep[0].Record.Position() != null.Position() {
			t.Errorf("reported %v, want the record of offset 3", rep)
		}
	})
}
