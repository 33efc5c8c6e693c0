package jdbc_test

import (
	"fmt"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
)

// hostile are topic and field names that would break, or change the
// meaning of, a statement they were spliced into. A topic renamed by a
// transform may hold anything; Kafka's own allow letters, digits, '.',
// '_' and '-'. A dot separates a schema from a table, so none is here.
var hostile = []string{
	`select`, `a b`, `a"b`, `"`, "a`b", "`", `a'b`, `'; DROP TABLE sentinel; --`,
	`x"); DROP TABLE sentinel; --`, `a\b`, `?`, `$1`, `%s`, `/* c */`, `Ünïcödé`, `表`, `🙂`,
	`topic-with-dashes_01`,
}

// TestHostileNames writes through the sink, in upsert mode keyed by a
// value field, to tables named by hostile topics, with columns named by
// hostile fields, and reads every row back; a sentinel table survives.
func TestHostileNames(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		sentinel := start(t, db, map[string]string{"auto.create": "true"})
		sentinel.put(named(t, "sentinel", 0, 1, "here"))
		for i, name := range hostile {
			if db.Dialect == jdbc.MySQL && name == "🙂" {
				continue // MariaDB and MySQL keep identifiers in utf8mb3
			}
			schema := connect.StructOf(
				connect.Field{Name: name, Schema: connect.Int64Schema},
				connect.Field{Name: "v " + name, Schema: connect.OptionalStringSchema},
			)
			s := start(t, db, map[string]string{"auto.create": "true", "auto.evolve": "true", "insert.mode": "upsert",
				"pk.mode": "record_value", "pk.fields": name})
			s.put(rec(t, name, 0, 1, schema, value(t, schema, name, int64(1), "v "+name, name)),
				rec(t, name, 1, 2, schema, value(t, schema, name, int64(2), "v "+name, "x")),
				rec(t, name, 2, 1, schema, value(t, schema, name, int64(1), "v "+name, "again "+name)))
			if rep := s.tc.Reported(); len(rep) > 0 {
				t.Fatalf("name %q: reported %v", name, rep[0].Err)
			}
			q := func(id string) string { s, _ := db.Dialect.Ident(id, jdbc.Always); return s }
			got := queryAsIs(t, db.URL, "SELECT "+q(name)+", "+q("v "+name)+" FROM "+q(name)+" ORDER BY "+q(name))
			if want := [][]string{{"1", "again " + name}, {"2", "x"}}; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("name %d %q: rows %q, want %q", i, name, got, want)
			}
		}
		if got := sentinel.rows(`SELECT "name" FROM "sentinel"`); got != "[[here]]" {
			t.Errorf("the sentinel table holds %s", got)
		}
	})
}
