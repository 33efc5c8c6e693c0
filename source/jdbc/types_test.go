package jdbc_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
)

type typeCase struct {
	col   string
	typ   connect.Type
	log   string // the logical type's name, if any
	value any    // nil: the column is left out of the record
}

// readTypes reads the one row of table "types" in bulk mode and checks
// each column's field schema and value, and that the columns left out
// have no field.
func readTypes(t *testing.T, db *jdbctest.DB, cases []typeCase) {
	t.Helper()
	offsets := connecttest.NewOffsets()
	r := start(t, config(db, "mode", "bulk", "table.whitelist", "types"), offsets, 1)
	recs, err := r.tasks[0].Poll(context.Background())
	for err == nil && len(recs) == 0 {
		recs, err = r.tasks[0].Poll(context.Background())
	}
	require.NoError(t, err)
	st := recs[0].Value.(*connect.Struct)
	for _, c := range cases {
		f, ok := recs[0].ValueSchema.Field(c.col)
		if c.value == nil {
			require.False(t, ok, "%s is left out, as Confluent leaves it out", c.col)
			continue
		}
		require.True(t, ok, c.col)
		require.Equal(t, c.typ, f.Schema.Type, c.col)
		require.Equal(t, c.log, f.Schema.Name, c.col)
		require.True(t, f.Schema.Optional, c.col)
		got := st.Get(c.col)
		switch want := c.value.(type) {
		case time.Time:
			require.True(t, want.Equal(got.(time.Time)), "%s: %v", c.col, got)
		case connect.Decimal:
			require.Equal(t, want.String(), got.(connect.Decimal).String(), c.col)
		default:
			require.Equal(t, want, got, c.col)
		}
	}
}

// TestPostgresTypes reads a column of each PostgreSQL type beyond the
// common ones, mapped as Confluent's PostgreSqlDatabaseDialect maps the
// JDBC types pgJDBC reports, or left out where it leaves them out.
func TestPostgresTypes(t *testing.T) {
	db := jdbctest.Postgres(t)
	for _, q := range []string{
		`CREATE TYPE mood AS ENUM ('sad', 'ok')`,
		`CREATE TABLE types (id int, iv interval, ip inet, net cidr, mac macaddr, cash money, b1 bit(1), b5 bit(5),
			b12 bit(12), vb varbit(7), x xml, m mood, ttz timetz, n numeric, ba bytea, o oid, ia int4[], ta text[],
			j json, jb jsonb, u uuid)`,
		`INSERT INTO types VALUES (1, '1 day 02:03:04.5', '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', 1234.56,
			B'1', B'10101', B'101010101011', B'101', '<a>x</a>', 'ok', '04:05:06.789+02', 12345, '\xdeadbeef', 42,
			'{1,2}', '{"a","b c"}', '{"k": 1}', '{"k": 2}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')`,
	} {
		_, err := db.DB.Exec(q)
		require.NoError(t, err, q)
	}
	readTypes(t, db, []typeCase{
		{"id", connect.Int32Type, "", int32(1)},
		{"iv", 0, "", nil}, {"ip", 0, "", nil}, {"net", 0, "", nil}, {"mac", 0, "", nil}, {"vb", 0, "", nil},
		{"ia", 0, "", nil}, {"ta", 0, "", nil},
		{"cash", connect.Float64Type, "", 1234.56},
		{"b1", connect.BooleanType, "", true},
		{"b5", connect.Int8Type, "", int8(21)},
		{"b12", connect.BytesType, "", []byte{0xaa, 0xb0}},
		{"x", connect.StringType, "", "<a>x</a>"},
		{"m", connect.StringType, "", "ok"},
		{"ttz", connect.Int32Type, "org.apache.kafka.connect.data.Time", time.Date(1970, 1, 1, 2, 5, 6, 789000000, time.UTC)},
		{"n", connect.BytesType, "org.apache.kafka.connect.data.Decimal", connect.NewDecimal(12345, 0)},
		{"ba", connect.BytesType, "", []byte{0xde, 0xad, 0xbe, 0xef}},
		{"o", connect.Int64Type, "", int64(42)},
		{"j", connect.StringType, "", `{"k": 1}`},
		{"jb", connect.StringType, "", `{"k": 2}`},
		{"u", connect.StringType, "", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
	})
}

// TestMariaDBTypes reads a column of each MariaDB type beyond the common
// ones, as Confluent's MySqlDatabaseDialect maps what Connector/J
// reports: YEAR a Date, BIT an INT8, TINYINT(1) an INT8, BIGINT UNSIGNED
// an INT64 (a value beyond it fails, naming the column).
func TestMariaDBTypes(t *testing.T) {
	db := jdbctest.MariaDB(t)
	for _, q := range []string{
		"CREATE TABLE types (id int, y year, b1 bit(1), b5 bit(5), b12 bit(12), e enum('x','y'), s set('p','q'), j json, " +
			"ub bigint unsigned, t1 tinyint(1), ui int unsigned, us smallint unsigned, ut tinyint unsigned, um mediumint unsigned)",
		"INSERT INTO types VALUES (1, 2024, b'1', b'10101', b'101010101011', 'y', 'p,q', '{\"k\":1}', 9223372036854775807, 1, " +
			"4294967295, 65535, 255, 16777215)",
	} {
		_, err := db.DB.Exec(q)
		require.NoError(t, err, q)
	}
	readTypes(t, db, []typeCase{
		{"y", connect.Int32Type, "org.apache.kafka.connect.data.Date", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"b1", connect.Int8Type, "", int8(1)},
		{"b5", connect.Int8Type, "", int8(21)},
		{"b12", connect.Int64Type, "", int64(0xaab)},
		{"e", connect.StringType, "", "y"},
		{"s", connect.StringType, "", "p,q"},
		{"j", connect.StringType, "", `{"k":1}`},
		{"ub", connect.Int64Type, "", int64(9223372036854775807)},
		{"t1", connect.Int8Type, "", int8(1)},
		{"ui", connect.Int64Type, "", int64(4294967295)},
		{"us", connect.Int32Type, "", int32(65535)},
		{"ut", connect.Int16Type, "", int16(255)},
		{"um", connect.Int64Type, "", int64(16777215)},
	})

	_, err := db.DB.Exec("UPDATE types SET ub = 18446744073709551615")
	require.NoError(t, err)
	offsets := connecttest.NewOffsets()
	r := start(t, config(db, "mode", "bulk", "table.whitelist", "types", "query.retry.attempts", "0"), offsets, 1)
	var perr error
	for perr == nil {
		_, perr = r.tasks[0].Poll(context.Background())
	}
	require.ErrorContains(t, perr, "column ub: 18446744073709551615 does not fit the INT64 a BIGINT UNSIGNED is read as")
}
