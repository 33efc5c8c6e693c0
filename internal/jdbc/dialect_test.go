package jdbc_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
)

// hostile are table, column and topic names that would break, or change
// the meaning of, a statement they were spliced into unquoted or quoted
// naively. No two are equal ignoring case (SQLite compares names so).
var hostile = []string{
	`plain`,
	`CamelCase`,
	`select`,
	`a b`,
	`a"b`,
	`"`,
	`""`,
	"a`b",
	"`",
	`a'b`,
	`'; DROP TABLE sentinel; --`,
	`x"; DROP TABLE sentinel; --`,
	"x`; DROP TABLE sentinel; --",
	`a\b`,
	`\`,
	`?`,
	`$1`,
	`%s%d`,
	`/* c */`,
	`--`,
	`a.b`,
	`[x]`,
	`topic-with-dashes.and.dots_01`,
	`Ünïcödé`,
	`表`,
	`🙂`,
	`tab	x`,
	strings.Repeat("n", 60),
}

func TestIdentQuoting(t *testing.T) {
	for _, tc := range []struct {
		d    *jdbc.Dialect
		in   string
		want string
	}{
		{jdbc.SQLite, `a"b`, `"a""b"`},
		{jdbc.PostgreSQL, `""`, `""""""`},
		{jdbc.MySQL, "a`b", "`a``b`"},
		{jdbc.MySQL, `a"b`, "`a\"b`"},
	} {
		got, err := tc.d.Ident(tc.in, jdbc.Always)
		if err != nil || got != tc.want {
			t.Errorf("%s.Ident(%q) = %q, %v; want %q", tc.d, tc.in, got, err, tc.want)
		}
	}
	for _, d := range jdbc.Dialects {
		if got, err := d.Ident("plain_Name1$", jdbc.Never); err != nil || got != "plain_Name1$" {
			t.Errorf("%s.Ident(plain, Never) = %q, %v", d, got, err)
		}
		for _, h := range hostile[3 : len(hostile)-1] {
			if got, err := d.Ident(h, jdbc.Never); err == nil {
				t.Errorf("%s.Ident(%q, Never) = %q: a name that is not a plain identifier must be refused unquoted", d, h, got)
			}
		}
		if _, err := d.Ident("a\x00b", jdbc.Always); err == nil {
			t.Errorf("%s.Ident accepts a NUL character", d)
		}
		if _, err := d.Ident("", jdbc.Always); err == nil {
			t.Errorf("%s.Ident accepts an empty name", d)
		}
	}
}

func TestStatements(t *testing.T) {
	tb := jdbc.TableID{Name: "t"}
	keys, cols := []string{"k1", "k2"}, []string{"a", "b"}
	for _, tc := range []struct {
		d                              *jdbc.Dialect
		insert, upsert, update, delete string
		insertRows                     string
		upsertKeysOnly, upsertRows     string
	}{
		{
			d:              jdbc.SQLite,
			insert:         `INSERT INTO "t" ("a","b") VALUES (?,?)`,
			insertRows:     `INSERT INTO "t" ("a","b") VALUES (?,?),(?,?),(?,?)`,
			upsert:         `INSERT INTO "t" ("k1","k2","a","b") VALUES (?,?,?,?) ON CONFLICT ("k1","k2") DO UPDATE SET "a"=excluded."a","b"=excluded."b"`,
			upsertKeysOnly: `INSERT INTO "t" ("k1","k2") VALUES (?,?) ON CONFLICT ("k1","k2") DO NOTHING`,
			upsertRows:     `INSERT INTO "t" ("k1","k2","a","b") VALUES (?,?,?,?),(?,?,?,?) ON CONFLICT ("k1","k2") DO UPDATE SET "a"=excluded."a","b"=excluded."b"`,
			update:         `UPDATE "t" SET "a"=?,"b"=? WHERE "k1"=? AND "k2"=?`,
			delete:         `DELETE FROM "t" WHERE "k1"=? AND "k2"=?`,
		},
		{
			d:              jdbc.PostgreSQL,
			insert:         `INSERT INTO "t" ("a","b") VALUES ($1,$2)`,
			insertRows:     `INSERT INTO "t" ("a","b") VALUES ($1,$2),($3,$4),($5,$6)`,
			upsert:         `INSERT INTO "t" ("k1","k2","a","b") VALUES ($1,$2,$3,$4) ON CONFLICT ("k1","k2") DO UPDATE SET "a"=EXCLUDED."a","b"=EXCLUDED."b"`,
			upsertKeysOnly: `INSERT INTO "t" ("k1","k2") VALUES ($1,$2) ON CONFLICT ("k1","k2") DO NOTHING`,
			upsertRows:     `INSERT INTO "t" ("k1","k2","a","b") VALUES ($1,$2,$3,$4),($5,$6,$7,$8) ON CONFLICT ("k1","k2") DO UPDATE SET "a"=EXCLUDED."a","b"=EXCLUDED."b"`,
			update:         `UPDATE "t" SET "a"=$1,"b"=$2 WHERE "k1"=$3 AND "k2"=$4`,
			delete:         `DELETE FROM "t" WHERE "k1"=$1 AND "k2"=$2`,
		},
		{
			d:              jdbc.MySQL,
			insert:         "INSERT INTO `t` (`a`,`b`) VALUES (?,?)",
			insertRows:     "INSERT INTO `t` (`a`,`b`) VALUES (?,?),(?,?),(?,?)",
			upsert:         "INSERT INTO `t` (`k1`,`k2`,`a`,`b`) VALUES (?,?,?,?) ON DUPLICATE KEY UPDATE `a`=VALUES(`a`),`b`=VALUES(`b`)",
			upsertKeysOnly: "INSERT INTO `t` (`k1`,`k2`) VALUES (?,?) ON DUPLICATE KEY UPDATE `k1`=VALUES(`k1`),`k2`=VALUES(`k2`)",
			upsertRows:     "INSERT INTO `t` (`k1`,`k2`,`a`,`b`) VALUES (?,?,?,?),(?,?,?,?) ON DUPLICATE KEY UPDATE `a`=VALUES(`a`),`b`=VALUES(`b`)",
			update:         "UPDATE `t` SET `a`=?,`b`=? WHERE `k1`=? AND `k2`=?",
			delete:         "DELETE FROM `t` WHERE `k1`=? AND `k2`=?",
		},
	} {
		check := func(what, want string, got string, err error) {
			t.Helper()
			if err != nil || got != want {
				t.Errorf("%s %s:\n got %s (%v)\nwant %s", tc.d, what, got, err, want)
			}
		}
		got, err := tc.d.Insert(tb, cols, jdbc.Always)
		check("insert", tc.insert, got, err)
		got, err = tc.d.Upsert(tb, keys, cols, jdbc.Always)
		check("upsert", tc.upsert, got, err)
		got, err = tc.d.InsertRows(tb, cols, 3, jdbc.Always)
		check("insert of rows", tc.insertRows, got, err)
		got, err = tc.d.Upsert(tb, keys, nil, jdbc.Always)
		check("upsert of keys only", tc.upsertKeysOnly, got, err)
		got, err = tc.d.UpsertRows(tb, keys, cols, 2, jdbc.Always)
		check("upsert of rows", tc.upsertRows, got, err)
		got, err = tc.d.Update(tb, keys, cols, jdbc.Always)
		check("update", tc.update, got, err)
		got, err = tc.d.Delete(tb, keys, jdbc.Always)
		check("delete", tc.delete, got, err)
	}
}

func TestColumnTypes(t *testing.T) {
	schemas := []*connect.Schema{
		connect.Int8Schema, connect.Int16Schema, connect.Int32Schema, connect.Int64Schema,
		connect.Float32Schema, connect.Float64Schema, connect.BooleanSchema, connect.StringSchema, connect.BytesSchema,
		connect.DecimalSchema(2), connect.DateSchema, connect.TimeSchema, connect.TimestampSchema,
	}
	want := map[*jdbc.Dialect][]string{
		jdbc.SQLite:     {"INTEGER", "INTEGER", "INTEGER", "INTEGER", "REAL", "REAL", "INTEGER", "TEXT", "BLOB", "NUMERIC", "NUMERIC", "NUMERIC", "NUMERIC"},
		jdbc.PostgreSQL: {"SMALLINT", "SMALLINT", "INT", "BIGINT", "REAL", "DOUBLE PRECISION", "BOOLEAN", "TEXT", "BYTEA", "DECIMAL", "DATE", "TIME", "TIMESTAMP"},
		jdbc.MySQL:      {"TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE", "TINYINT", "TEXT", "VARBINARY(1024)", "DECIMAL(65,2)", "DATE", "TIME(3)", "DATETIME(3)"},
	}
	for d, types := range want {
		for i, s := range schemas {
			if got, err := d.ColumnType(s, false); err != nil || got != types[i] {
				t.Errorf("%s.ColumnType(%v) = %q, %v; want %q", d, s, got, err, types[i])
			}
		}
		json := map[*jdbc.Dialect]string{jdbc.SQLite: "TEXT", jdbc.PostgreSQL: "JSONB", jdbc.MySQL: "JSON"}[d]
		nested := []*connect.Schema{connect.StructOf(connect.Field{Name: "a", Schema: connect.Int32Schema}),
			connect.MapOf(connect.StringSchema, connect.StringSchema), connect.ArrayOf(connect.ArrayOf(connect.Int32Schema)),
			connect.ArrayOf(connect.StructOf(connect.Field{Name: "a", Schema: connect.Int32Schema}))}
		if d != jdbc.PostgreSQL {
			nested = append(nested, connect.ArrayOf(connect.Int32Schema))
		}
		for _, s := range nested {
			if got, err := d.ColumnType(s, false); err != nil || got != json {
				t.Errorf("%s.ColumnType(%v) = %q, %v; want %s", d, s, got, err, json)
			}
			if !d.JSON(s, json) {
				t.Errorf("%s.JSON(%v, %s) = false", d, s, json)
			}
		}
		if d.JSON(connect.StringSchema, json) {
			t.Errorf("%s.JSON(STRING) = true", d)
		}
	}
	if jdbc.PostgreSQL.JSON(connect.ArrayOf(connect.Int32Schema), "ARRAY") || !jdbc.PostgreSQL.JSON(connect.ArrayOf(connect.Int32Schema), "jsonb") {
		t.Errorf("PostgreSQL writes an ARRAY to an array column as JSON, or to a jsonb one as an array")
	}
	for s, want := range map[*connect.Schema]string{
		connect.ArrayOf(connect.Int32Schema): "INT[]", connect.ArrayOf(connect.OptionalStringSchema): "TEXT[]",
		connect.ArrayOf(connect.TimestampSchema): "TIMESTAMP[]",
	} {
		if got, err := jdbc.PostgreSQL.ColumnType(s, false); err != nil || got != want {
			t.Errorf("PostgreSQL.ColumnType(%v) = %q, %v; want %q", s, got, err, want)
		}
	}
	if got, _ := jdbc.MySQL.ColumnType(connect.StringSchema, true); got != "VARCHAR(256)" {
		t.Errorf("MySQL's STRING key column is %q, want VARCHAR(256): MySQL cannot index TEXT", got)
	}
}

// TestHostileNames creates, evolves, writes, upserts, updates, reads and
// deletes in tables and columns named by every hostile name, and checks
// that a sentinel table survives and every value is read back as bound.
func TestHostileNames(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		ctx := context.Background()
		d := db.Dialect
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.DB.ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		must := func(q string, err error) string {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return q
		}
		sentinel := jdbc.TableID{Name: "sentinel"}
		exec(must(d.CreateTable(sentinel, []jdbc.Column{{Name: "id", Schema: connect.Int64Schema, Key: true}}, jdbc.Always)))
		for i, name := range hostile {
			if d == jdbc.MySQL && name == "🙂" {
				continue // MariaDB and MySQL keep identifiers in utf8mb3: no character beyond the BMP
			}
			table := jdbc.TableID{Name: name}
			cols := []jdbc.Column{
				{Name: name, Schema: connect.Int64Schema, Key: true},
				{Name: "v " + name, Schema: connect.OptionalStringSchema},
			}
			exec(must(d.CreateTable(table, cols, jdbc.Always)))
			got, ok, err := d.Columns(ctx, db.DB, table)
			if err != nil || !ok || len(got) != 2 || got[0].Name != name || got[1].Name != "v "+name || got[0].Nullable || !got[1].Nullable {
				t.Fatalf("Columns(%q) = %+v, %v, %v", name, got, ok, err)
			}
			added := jdbc.Column{Name: "w " + name, Schema: connect.OptionalInt32Schema}
			exec(must(d.AddColumn(table, added, jdbc.Always)))
			exec(must(d.Insert(table, []string{name, "v " + name, "w " + name}, jdbc.Always)), int64(1), name, int64(i))
			exec(must(d.Upsert(table, []string{name}, []string{"v " + name}, jdbc.Always)), int64(2), "two "+name)
			exec(must(d.Upsert(table, []string{name}, []string{"v " + name}, jdbc.Always)), int64(1), "upserted "+name)
			exec(must(d.Update(table, []string{name}, []string{"w " + name}, jdbc.Always)), int64(-i), int64(2))
			rows := readAll(t, db, table, name, "v "+name)
			want := [][2]string{{"1", "upserted " + name}, {"2", "two " + name}}
			if fmt.Sprint(rows) != fmt.Sprint(want) {
				t.Errorf("table %q holds %q, want %q", name, rows, want)
			}
			exec(must(d.Delete(table, []string{name}, jdbc.Always)), int64(1))
			if rows := readAll(t, db, table, name, "v "+name); len(rows) != 1 {
				t.Errorf("table %q holds %q after the delete of key 1", name, rows)
			}
		}
		if _, ok, err := d.Columns(ctx, db.DB, sentinel); !ok || err != nil {
			t.Fatalf("the sentinel table is gone (%v)", err)
		}
		if _, ok, err := d.Columns(ctx, db.DB, jdbc.TableID{Name: "never created"}); ok || err != nil {
			t.Errorf("Columns of a missing table = %v, %v; want false, nil", ok, err)
		}
	})
}

func readAll(t *testing.T, db *jdbctest.DB, table jdbc.TableID, key, col string) [][2]string {
	t.Helper()
	tq, _ := db.Dialect.Table(table, jdbc.Always)
	kq, _ := db.Dialect.Ident(key, jdbc.Always)
	cq, _ := db.Dialect.Ident(col, jdbc.Always)
	rows, err := db.DB.QueryContext(context.Background(), "SELECT "+kq+", "+cq+" FROM "+tq+" ORDER BY "+kq)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var k int64
		var v sql.NullString
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, [2]string{fmt.Sprint(k), v.String})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
