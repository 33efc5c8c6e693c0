package jdbc_test

import (
	"context"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
)

var docSchema = connect.StructOf(
	connect.Field{Name: "id", Schema: connect.StringSchema},
	connect.Field{Name: "doc", Schema: connect.OptionalStringSchema},
	connect.Field{Name: "docb", Schema: connect.OptionalStringSchema},
)

// TestPostgresUUIDAndJSONColumns writes STRING fields into uuid, json and
// jsonb columns, keyed, updated and deleted by a uuid (a tombstone whose
// STRING key is the uuid): pgx sends the
// parameters with the types the server inferred from the columns, so no
// cast is needed where Confluent's sink had to add ?::uuid.
func TestPostgresUUIDAndJSONColumns(t *testing.T) {
	db := jdbctest.Postgres(t)
	if _, err := db.DB.ExecContext(context.Background(),
		`CREATE TABLE docs (id uuid PRIMARY KEY, doc json, docb jsonb)`); err != nil {
		t.Fatal(err)
	}
	s := start(t, db, map[string]string{"insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "id", "delete.enabled": "false"})
	const id = "6f1c2b7e-6a0e-4c1e-9a59-3a2f7b1e0c11"
	r := rec(t, "docs", 0, 1, docSchema, value(t, docSchema, "id", id, "doc", `{"a": 1}`, "docb", `{"b": [1, 2]}`))
	s.put(r)
	r2 := rec(t, "docs", 1, 1, docSchema, value(t, docSchema, "id", id, "doc", `{"a": 2}`, "docb", `{"b": []}`))
	s.put(r2)
	if got, want := s.rows(`SELECT id::text, doc::text, docb::text FROM docs`), `[[`+id+` {"a": 2} {"b": []}]]`; got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
	u := start(t, db, map[string]string{"insert.mode": "update", "pk.mode": "record_value", "pk.fields": "id"})
	u.put(rec(t, "docs", 2, 1, docSchema, value(t, docSchema, "id", id, "doc", `[]`, "docb", `null`)))
	if got, want := u.rows(`SELECT doc::text, docb::text FROM docs`), `[[[] null]]`; got != want {
		t.Errorf("rows after the update %s, want %s", got, want)
	}
	d := start(t, db, map[string]string{"insert.mode": "upsert", "pk.mode": "record_key", "pk.fields": "id", "delete.enabled": "true"})
	tomb := connect.Record{Topic: "docs", KeySchema: connect.StringSchema, Key: id}
	tomb.SetOrigin(connect.KafkaPosition{Topic: "docs", Offset: 3})
	d.put(tomb)
	if got := d.rows(`SELECT id::text FROM docs`); got != "[]" {
		t.Errorf("rows %s after a tombstone keyed by the uuid, want none", got)
	}
}

var arraySchema = connect.StructOf(
	connect.Field{Name: "id", Schema: connect.Int64Schema},
	connect.Field{Name: "nums", Schema: connect.ArrayOf(connect.Int32Schema)},
	connect.Field{Name: "tags", Schema: connect.ArrayOf(connect.OptionalStringSchema).AsOptional()},
	connect.Field{Name: "flags", Schema: connect.ArrayOf(connect.BooleanSchema)},
)

// TestPostgresArrays creates array columns for ARRAY fields, as
// Confluent's PostgreSQL dialect does, and writes them, null elements and
// a null array included.
func TestPostgresArrays(t *testing.T) {
	db := jdbctest.Postgres(t)
	s := start(t, db, map[string]string{"auto.create": "true"})
	s.put(rec(t, "arrays", 0, 1, arraySchema, value(t, arraySchema, "id", int64(1), "nums", []any{int32(1), int32(-2)},
		"tags", []any{"a", nil, `b"c`}, "flags", []any{true, false})))
	s.put(rec(t, "arrays", 1, 2, arraySchema, value(t, arraySchema, "id", int64(2), "nums", []any{}, "flags", []any{})))
	if got, want := s.rows(`SELECT id, nums::text, tags::text, flags::text FROM arrays ORDER BY id`),
		`[[1 {1,-2} {a,NULL,"b\"c"} {t,f}] [2 {} NULL {}]]`; got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
	if got, want := s.rows(`SELECT data_type FROM information_schema.columns WHERE table_name = 'arrays' AND column_name = 'nums' AND table_schema = current_schema()`), "[[ARRAY]]"; got != want {
		t.Errorf("nums is %s, want %s", got, want)
	}
}
