package jdbc_test

import (
	"strings"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
)

// schemaless returns a record of topic at offset whose value (and key,
// when not nil) are as JsonConverter reads JSON with schemas.enable=false.
func schemaless(topic string, offset int64, key, v any) connect.Record {
	r := connect.Record{Topic: topic, Key: key, Value: v}
	r.SetPartition(0)
	r.SetOrigin(connect.KafkaPosition{Topic: topic, Partition: 0, Offset: offset})
	return r
}

// columnTypes returns table's columns and their types as the database
// names them, in order.
func columnTypes(t *testing.T, db *jdbctest.DB, table string) string {
	t.Helper()
	cols, _, err := db.Dialect.Columns(t.Context(), db.DB, jdbc.TableID{Name: table})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, c := range cols {
		b.WriteString(c.Name + " " + strings.ToLower(c.Type) + "; ")
	}
	return b.String()
}

// TestSchemalessAutoCreate writes schemaless values (a Go map and, as
// JsonConverter gives them, []connect.MapEntry) to a table auto.create
// makes from their members' types, which auto.evolve then widens; a null
// member names no column until a value of it comes, and an update of the
// key takes the last values.
func TestSchemalessAutoCreate(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		s := start(t, db, map[string]string{"auto.create": "true", "auto.evolve": "true", "insert.mode": "upsert",
			"pk.mode": "record_value", "pk.fields": "id"})
		s.put(schemaless("docs", 0, nil, map[string]any{"id": int64(1), "name": "ann", "score": 1.5, "ok": true,
			"tags": []any{"a", int64(2)}, "meta": map[string]any{"k": "v"}, "gone": nil}),
			schemaless("docs", 1, nil, []connect.MapEntry{{Key: "id", Value: int64(2)}, {Key: "name", Value: "bob"}, {Key: "gone", Value: nil}}))
		if rep := s.tc.Reported(); len(rep) != 0 {
			t.Fatalf("reported %v", rep[0].Err)
		}
		want := map[string]string{
			"sqlite":   "id integer; meta text; name text; ok integer; score real; tags text; ",
			"postgres": "id bigint; meta jsonb; name text; ok boolean; score double precision; tags jsonb; ",
			"mariadb":  "id bigint; meta longtext; name text; ok tinyint; score double; tags longtext; ",
		}[db.Name]
		if got := columnTypes(t, db, "docs"); got != want {
			t.Errorf("columns %s, want %s", got, want)
		}
		s.put(schemaless("docs", 2, nil, []connect.MapEntry{{Key: "id", Value: int64(1)}, {Key: "name", Value: "ann2"}, {Key: "gone", Value: "here"}}))
		got := s.rows(`SELECT "id", "name", "score", "ok", "tags", "meta", "gone" FROM "docs" ORDER BY "id"`)
		tagsMeta := map[string]string{"postgres": `["a", 2] {"k": "v"}`}[db.Name]
		if tagsMeta == "" {
			tagsMeta = `["a",2] {"k":"v"}`
		}
		okTrue := map[string]string{"postgres": "true"}[db.Name]
		if okTrue == "" {
			okTrue = "1"
		}
		if want := "[[1 ann2 1.5 " + okTrue + " " + tagsMeta + " here] [2 bob NULL NULL NULL NULL NULL]]"; got != want {
			t.Errorf("rows %s, want %s", got, want)
		}
	})
}

// TestSchemalessIntoExistingTable writes schemaless values into a table
// of other types: the database converts the values bound (a string to a
// timestamp, a number to a decimal; a number or boolean to a text column
// is its JSON text), keyed by a schemaless record key and deleted by a
// tombstone of that key.
func TestSchemalessIntoExistingTable(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		ts := map[string]string{"sqlite": "TEXT", "postgres": "TIMESTAMP", "mariadb": "DATETIME"}[db.Name]
		create := `CREATE TABLE "orders" ("id" BIGINT PRIMARY KEY, "at" ` + ts + `, "amount" DECIMAL(10,2), "note" VARCHAR(20), "flag" BOOLEAN)`
		if db.Dialect == jdbc.MySQL {
			create = strings.ReplaceAll(create, `"`, "`")
		}
		if _, err := db.DB.Exec(create); err != nil {
			t.Fatal(err)
		}
		s := start(t, db, map[string]string{"insert.mode": "upsert", "pk.mode": "record_key", "delete.enabled": "true"})
		s.put(schemaless("orders", 0, map[string]any{"id": int64(1)}, map[string]any{"at": "2024-01-02 03:04:05", "amount": 12.5, "note": "first", "flag": true}),
			schemaless("orders", 4, map[string]any{"id": int64(4)}, map[string]any{"note": int64(5)}),
			schemaless("orders", 5, map[string]any{"id": int64(5)}, map[string]any{"note": 2.5}),
			schemaless("orders", 6, map[string]any{"id": int64(6)}, map[string]any{"note": false}),
			schemaless("orders", 1, map[string]any{"id": int64(2)}, map[string]any{"amount": int64(7), "note": nil}),
			schemaless("orders", 2, map[string]any{"id": int64(3)}, map[string]any{"note": "gone soon"}),
			schemaless("orders", 3, map[string]any{"id": int64(3)}, nil))
		if rep := s.tc.Reported(); len(rep) != 0 {
			t.Fatalf("reported %v", rep[0].Err)
		}
		want := map[string]string{
			"sqlite":   "[[1 2024-01-02 03:04:05 12.5 first 1] [2 NULL 7 NULL NULL] [4 NULL NULL 5 NULL] [5 NULL NULL 2.5 NULL] [6 NULL NULL false NULL]]",
			"postgres": "[[1 2024-01-02 03:04:05 12.50 first true] [2 NULL 7.00 NULL NULL] [4 NULL NULL 5 NULL] [5 NULL NULL 2.5 NULL] [6 NULL NULL false NULL]]",
			"mariadb":  "[[1 2024-01-02 03:04:05 12.50 first 1] [2 NULL 7.00 NULL NULL] [4 NULL NULL 5 NULL] [5 NULL NULL 2.5 NULL] [6 NULL NULL false NULL]]",
		}[db.Name]
		q := `SELECT "id", "at", "amount", "note", "flag" FROM "orders" ORDER BY "id"`
		switch db.Dialect {
		case jdbc.PostgreSQL:
			q = `SELECT id, to_char(at, 'YYYY-MM-DD HH24:MI:SS'), amount, note, flag FROM orders ORDER BY id`
		case jdbc.MySQL:
			q = `SELECT id, DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s'), amount, note, flag FROM orders ORDER BY id`
		}
		if got := s.rows(q); got != want {
			t.Errorf("rows %s, want %s", got, want)
		}
	})
}

// TestSchemalessNotAnObject puts values that are not JSON objects, nor
// Structs: each is reported, naming what it is.
func TestSchemalessNotAnObject(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		s := start(t, db, map[string]string{"auto.create": "true"})
		s.put(schemaless("t", 0, nil, "a string"), schemaless("t", 1, nil, []any{int64(1)}),
			schemaless("t", 2, nil, []connect.MapEntry{{Key: int64(1), Value: "x"}}), schemaless("t", 3, nil, map[string]any{"a": nil}))
		rep := s.tc.Reported()
		if len(rep) != 4 {
			t.Fatalf("reported %d records, want 4: %v", len(rep), rep)
		}
		for i, want := range []string{"but a string", "but an array", "not a string, so it names no column", "no member to write"} {
			if !strings.Contains(rep[i].Err.Error(), want) || !strings.Contains(rep[i].Err.Error(), "table t") {
				t.Errorf("record %d: %v; want an error naming table t and saying %q", i, rep[i].Err, want)
			}
		}
	})
}

// TestMapSchemaValues writes a value and a key with MAP schemas (as a
// converter reading JSON objects with a map schema gives them) as it
// writes schemaless ones: columns from their keys.
func TestMapSchemaValues(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		s := start(t, db, map[string]string{"auto.create": "true", "insert.mode": "upsert", "pk.mode": "record_key"})
		r := schemaless("maps", 0, map[string]any{"id": int64(1)}, map[string]any{"name": "ann", "city": "Oslo"})
		r.KeySchema = connect.MapOf(connect.StringSchema, connect.Int64Schema)
		r.ValueSchema = connect.MapOf(connect.StringSchema, connect.OptionalStringSchema)
		s.put(r)
		if got, want := s.rows(`SELECT "id", "name", "city" FROM "maps"`), "[[1 ann Oslo]]"; got != want {
			t.Errorf("rows %s, want %s (reported %v)", got, want, s.tc.Reported())
		}
	})
}

// TestSchemalessValueBesideKeys writes schemaless values of one shape
// keyed by a Struct key, then by a primitive key with a schema, then by
// a schemaless one: each is its own plan.
func TestSchemalessValueBesideKeys(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		s := start(t, db, map[string]string{"auto.create": "true", "insert.mode": "upsert", "pk.mode": "record_key", "pk.fields": "id"})
		byStruct := schemaless("mixed", 0, value(t, keySchema, "id", int64(1)), map[string]any{"name": "struct"})
		byStruct.KeySchema = keySchema
		byInt := schemaless("mixed", 1, int64(2), map[string]any{"name": "int"})
		byInt.KeySchema = connect.Int64Schema
		s.put(byStruct, byInt, schemaless("mixed", 2, int64(3), map[string]any{"name": "schemaless"}))
		if got, want := s.rows(`SELECT "id", "name" FROM "mixed" ORDER BY "id"`), "[[1 struct] [2 int] [3 schemaless]]"; got != want {
			t.Errorf("rows %s, want %s (reported %v)", got, want, s.tc.Reported())
		}
	})
}
