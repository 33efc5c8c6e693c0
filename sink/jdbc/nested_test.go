package jdbc_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
)

var addressSchema = connect.StructOf(
	connect.Field{Name: "street", Schema: connect.StringSchema},
	connect.Field{Name: "zip", Schema: connect.OptionalInt32Schema},
	connect.Field{Name: "price", Schema: connect.DecimalSchema(2).AsOptional()},
	connect.Field{Name: "at", Schema: connect.OptionalTimestampSchema},
	connect.Field{Name: "raw", Schema: connect.OptionalBytesSchema},
)

var optionalAddress = addressSchema.AsOptional()

var nestedSchema = connect.StructOf(
	connect.Field{Name: "id", Schema: connect.Int64Schema},
	connect.Field{Name: "address", Schema: optionalAddress},
	connect.Field{Name: "counts", Schema: connect.MapOf(connect.StringSchema, connect.Int64Schema).AsOptional()},
	connect.Field{Name: "names", Schema: connect.MapOf(connect.Int32Schema, connect.StringSchema).AsOptional()},
	connect.Field{Name: "lines", Schema: connect.ArrayOf(addressSchema).AsOptional()},
	connect.Field{Name: "tags", Schema: connect.ArrayOf(connect.StringSchema).AsOptional()},
	connect.Field{Name: "matrix", Schema: connect.ArrayOf(connect.ArrayOf(connect.Int32Schema)).AsOptional()},
)

// TestNestedFieldsAsJSON writes STRUCT, MAP and ARRAY fields, which
// Confluent's sink refuses, into the JSON columns auto.create makes for
// them (JSONB, JSON, TEXT; PostgreSQL keeps an ARRAY of a primitive an
// array column), and reads back the JSON JsonConverter writes without a
// schema; a null nested field is NULL.
func TestNestedFieldsAsJSON(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		s := start(t, db, map[string]string{"auto.create": "true"})
		address := func(s *connect.Schema) *connect.Struct {
			return value(t, s, "street", `Main "1"`, "zip", int32(1234), "price", connect.NewDecimal(1999, 2),
				"at", time.UnixMilli(1700000000123).UTC(), "raw", []byte{1, 2})
		}
		addr := address(addressSchema)
		v := value(t, nestedSchema, "id", int64(1), "address", address(optionalAddress), "counts", map[string]any{"a": int64(1), "b": int64(2)},
			"names", map[any]any{int32(7): "seven"}, "lines", []any{addr, value(t, addressSchema, "street", "Side")},
			"tags", []any{"x", "y"}, "matrix", []any{[]any{int32(1), int32(2)}, []any{}})
		s.put(rec(t, "nested", 0, 1, nestedSchema, v),
			rec(t, "nested", 1, 2, nestedSchema, value(t, nestedSchema, "id", int64(2))))
		if rep := s.tc.Reported(); len(rep) != 0 {
			t.Fatalf("reported %v", rep[0].Err)
		}
		rows := query(t, db.URL, `SELECT "address", "counts", "names", "lines", "matrix" FROM "nested" ORDER BY "id"`)
		want := []string{
			`{"street":"Main \"1\"","zip":1234,"price":19.99,"at":1700000000123,"raw":"AQI="}`,
			`{"a":1,"b":2}`,
			`[[7,"seven"]]`,
			`[{"street":"Main \"1\"","zip":1234,"price":19.99,"at":1700000000123,"raw":"AQI="},{"street":"Side","zip":null,"price":null,"at":null,"raw":null}]`,
			`[[1,2],[]]`,
		}
		for i, w := range want {
			var got, exp any
			if err := json.Unmarshal([]byte(rows[0][i]), &got); err != nil {
				t.Fatalf("column %d holds %q: %v", i, rows[0][i], err)
			}
			_ = json.Unmarshal([]byte(w), &exp)
			if !reflect.DeepEqual(got, exp) {
				t.Errorf("column %d holds %s, want %s", i, rows[0][i], w)
			}
			if rows[1][i] != "NULL" {
				t.Errorf("column %d of the second row holds %s, want NULL", i, rows[1][i])
			}
		}
		tags := query(t, db.URL, `SELECT "tags" FROM "nested" WHERE "id" = 1`)[0][0]
		if want := map[string]string{"postgres": "{x,y}"}[db.Name]; want != "" && tags != want {
			t.Errorf("tags %s, want the array %s", tags, want)
		} else if want == "" && strings.ReplaceAll(tags, " ", "") != `["x","y"]` {
			t.Errorf("tags %s, want JSON", tags)
		}
		if db.Dialect != jdbc.SQLite {
			types := query(t, db.URL, `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'nested' AND column_name IN ('address', 'counts') AND table_schema = `+
				map[bool]string{true: "current_schema()", false: "DATABASE()"}[db.Dialect == jdbc.PostgreSQL]+` ORDER BY 1`)
			want := map[string]string{"postgres": "[[address jsonb] [counts jsonb]]", "mariadb": "[[address longtext] [counts longtext]]"}[db.Name]
			if got := fmtRows(types); got != want {
				t.Errorf("column types %s, want %s", got, want)
			}
		}
	})
}

// TestPostgresArrayIntoJSONColumn writes an ARRAY of a primitive into an
// existing jsonb column: as JSON, since the column is not an array.
func TestPostgresArrayIntoJSONColumn(t *testing.T) {
	db := jdbctest.Postgres(t)
	if _, err := db.DB.Exec(`CREATE TABLE docs (id bigint PRIMARY KEY, tags jsonb, address text)`); err != nil {
		t.Fatal(err)
	}
	schema := connect.StructOf(connect.Field{Name: "id", Schema: connect.Int64Schema},
		connect.Field{Name: "tags", Schema: connect.ArrayOf(connect.StringSchema)},
		connect.Field{Name: "address", Schema: addressSchema})
	s := start(t, db, map[string]string{})
	s.put(rec(t, "docs", 0, 1, schema, value(t, schema, "id", int64(1), "tags", []any{"a", "b"}, "address", value(t, addressSchema, "street", "x"))))
	if got, want := s.rows(`SELECT tags::text, address FROM docs`), `[[["a", "b"] {"street":"x","zip":null,"price":null,"at":null,"raw":null}]]`; got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
}

func fmtRows(rows [][]string) string { return fmt.Sprint(rows) }
