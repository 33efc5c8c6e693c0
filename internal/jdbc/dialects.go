package jdbc

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/kconnect-go/kconnect/connect"
)

// SQLite is the dialect of SQLite (modernc.org/sqlite, pure Go).
// Booleans are 0 and 1; dates, times and timestamps are stored as
// milliseconds since the epoch in NUMERIC columns, as Confluent's sink
// writes them through the SQLite JDBC driver.
var SQLite = &Dialect{
	Name:        "SqliteDatabaseDialect",
	quote:       '"',
	placeholder: func(int) string { return "?" },
	columnType: func(s *connect.Schema, _ bool) (string, bool) {
		switch s.Logical() {
		case connect.LogicalDecimal, connect.LogicalDate, connect.LogicalTime, connect.LogicalTimestamp:
			return "NUMERIC", true
		}
		switch s.Type {
		case connect.Int8Type, connect.Int16Type, connect.Int32Type, connect.Int64Type, connect.BooleanType:
			return "INTEGER", true
		case connect.Float32Type, connect.Float64Type:
			return "REAL", true
		case connect.StringType:
			return "TEXT", true
		case connect.BytesType:
			return "BLOB", true
		case connect.StructType, connect.MapType, connect.ArrayType:
			return "TEXT", true // JSON
		}
		return "", false
	},
	upsert:    onConflict("excluded"),
	addColumn: "ADD COLUMN",
	tablesQuery: `SELECT 1 FROM pragma_table_list WHERE schema = COALESCE(NULLIF(?1, ''), 'main') ` +
		`AND name = ?2 COLLATE NOCASE AND type IN ('table', 'view')`,
	columnsQuery: `SELECT name, type, NOT "notnull" FROM pragma_table_info(?2, COALESCE(NULLIF(?1, ''), 'main')) ORDER BY cid`,
	bind: func(v any, s *connect.Schema, _ *time.Location) (any, error) {
		if b, ok := bindCommon(v); ok {
			return b, nil
		}
		switch v := v.(type) {
		case bool:
			if v {
				return int64(1), nil
			}
			return int64(0), nil
		case time.Time:
			return v.UnixMilli(), nil
		}
		return nil, unsupported(v, s)
	},
	transient: func(err error) bool {
		var c interface{ Code() int }
		if errors.As(err, &c) {
			switch c.Code() & 0xff {
			case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
				return true
			}
		}
		return false
	},
	// One connection: writes to one file take turns anyway, and an
	// in-memory database exists only in its connection.
	maxOpen: 1,
	src: sourceSide{
		listTables: `SELECT NULL, NULL, name, CASE type WHEN 'table' THEN 'TABLE' ELSE 'VIEW' END FROM pragma_table_list ` +
			`WHERE schema = 'main' AND type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND ?1 = ?1 ORDER BY name`,
		now: func(ctx context.Context, q Querier, _ *time.Location) (time.Time, error) {
			var ms int64
			err := scanOne(ctx, q, `SELECT CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)`, &ms)
			return time.UnixMilli(ms).UTC(), err
		},
		bindTime: func(t time.Time, _ *time.Location) any { return t.UnixMilli() },
		typeName: declaredType,
		autoIncrement: `SELECT name FROM pragma_table_info(?2, COALESCE(NULLIF(?1, ''), 'main')) WHERE pk = 1 AND upper(type) = 'INTEGER' ` +
			`AND (SELECT count(*) FROM pragma_table_info(?2, COALESCE(NULLIF(?1, ''), 'main')) WHERE pk > 0) = 1`,
		primaryKey: `SELECT name FROM pragma_table_info(?2, COALESCE(NULLIF(?1, ''), 'main')) WHERE pk > 0 ORDER BY pk`,
	},
}

// PostgreSQL is the dialect of PostgreSQL (pgx's database/sql driver).
// An ARRAY of a primitive or logical type is an array column of the
// element's type, as in Confluent's dialect.
var PostgreSQL = &Dialect{
	Name:        "PostgreSqlDatabaseDialect",
	quote:       '"',
	placeholder: func(i int) string { return "$" + strconv.Itoa(i) },
	columnType:  pgColumnType,
	upsert:      onConflict("EXCLUDED"),
	addColumn:   "ADD COLUMN",
	tablesQuery: `SELECT 1 FROM information_schema.tables ` +
		`WHERE table_schema = COALESCE(NULLIF($1, ''), current_schema()) AND table_name = $2`,
	columnsQuery: `SELECT column_name::text, data_type::text, is_nullable::text FROM information_schema.columns ` +
		`WHERE table_schema = COALESCE(NULLIF($1, ''), current_schema()) AND table_name = $2 ORDER BY ordinal_position`,
	bind:        pgBind,
	transient:   pgTransient,
	copyFrom:    pgCopyFrom,
	foldBare:    strings.ToLower,
	nativeArray: pgNativeArray,
	src: sourceSide{
		listTables: `SELECT current_database()::text, table_schema::text, table_name::text, ` +
			`CASE table_type WHEN 'BASE TABLE' THEN 'TABLE' ELSE table_type::text END FROM information_schema.tables ` +
			`WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND ($1::text = '' OR table_schema LIKE $1::text) ORDER BY 2, 3`,
		now:      nowQuery(`SELECT CURRENT_TIMESTAMP`),
		bindTime: func(t time.Time, loc *time.Location) any { return t.In(loc) },
		typeName: declaredType,
		// A row's xmin (32 bits) precedes the statement's snapshot's
		// oldest running transaction in PostgreSQL's modulo-2^32 order;
		// xids below 3 are frozen or bootstrap, older than any.
		settled: `(xmin::text::bigint < 3 OR ((xmin::text::bigint - ` +
			`(SELECT txid_snapshot_xmin(txid_current_snapshot()) % 4294967296)) % 4294967296 + 4294967296) % 4294967296 >= 2147483648)`,
		autoIncrement: `SELECT column_name::text FROM information_schema.columns ` +
			`WHERE table_schema = COALESCE(NULLIF($1, ''), current_schema()) AND table_name = $2 ` +
			`AND (column_default LIKE 'nextval(%' OR is_identity = 'YES') ORDER BY ordinal_position LIMIT 1`,
		// pg_index rather than information_schema, which shows only the
		// constraints of tables the user owns.
		primaryKey: `SELECT a.attname::text FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid ` +
			`JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ` +
			`JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey) ` +
			`WHERE i.indisprimary AND n.nspname = COALESCE(NULLIF($1, ''), current_schema()) AND c.relname = $2 ` +
			`ORDER BY array_position(i.indkey::int2[], a.attnum)`,
		bitLengths: `SELECT column_name::text, character_maximum_length::bigint FROM information_schema.columns ` +
			`WHERE table_schema = COALESCE(NULLIF($1, ''), current_schema()) AND table_name = $2 AND data_type = 'bit'`,
		typeByOID: `SELECT typtype::text, typname::text FROM pg_catalog.pg_type WHERE oid = $1::text::oid`,
	},
}

func pgColumnType(s *connect.Schema, _ bool) (string, bool) {
	switch s.Type {
	case connect.ArrayType:
		if s.Elem != nil {
			if t, ok := pgScalarType(s.Elem); ok {
				return t + "[]", true
			}
		}
		return "JSONB", true
	case connect.StructType, connect.MapType:
		return "JSONB", true
	}
	return pgScalarType(s)
}

func pgNativeArray(colType string) bool {
	return strings.EqualFold(colType, "ARRAY") || strings.HasSuffix(colType, "[]")
}

func pgScalarType(s *connect.Schema) (string, bool) {
	switch s.Logical() {
	case connect.LogicalDecimal:
		return "DECIMAL", true
	case connect.LogicalDate:
		return "DATE", true
	case connect.LogicalTime:
		return "TIME", true
	case connect.LogicalTimestamp:
		return "TIMESTAMP", true
	}
	switch s.Type {
	case connect.Int8Type, connect.Int16Type:
		return "SMALLINT", true
	case connect.Int32Type:
		return "INT", true
	case connect.Int64Type:
		return "BIGINT", true
	case connect.Float32Type:
		return "REAL", true
	case connect.Float64Type:
		return "DOUBLE PRECISION", true
	case connect.BooleanType:
		return "BOOLEAN", true
	case connect.StringType:
		return "TEXT", true
	case connect.BytesType:
		return "BYTEA", true
	}
	return "", false
}

func pgBind(v any, s *connect.Schema, loc *time.Location) (any, error) {
	if b, ok := bindCommon(v); ok {
		return b, nil
	}
	switch v := v.(type) {
	case bool:
		return v, nil
	case time.Time:
		switch s.Logical() {
		case connect.LogicalTime:
			return v.UTC().Format("15:04:05.000000"), nil
		case connect.LogicalDate:
			return v.UTC(), nil
		}
		// pgx writes a TIMESTAMP's wall clock in the time's location.
		return v.In(loc), nil
	case []any:
		if s == nil || s.Type != connect.ArrayType || s.Elem == nil || s.Elem.Type == connect.ArrayType {
			break
		}
		// pgx encodes a slice as the array the server expects; each
		// element is bound as a value of its own.
		out := make([]any, len(v))
		for i, e := range v {
			if e == nil {
				continue
			}
			b, err := pgBind(e, s.Elem, loc)
			if err != nil {
				return nil, err
			}
			out[i] = b
		}
		return out, nil
	}
	return nil, unsupported(v, s)
}

func pgTransient(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		c := pe.Code
		return strings.HasPrefix(c, "08") || strings.HasPrefix(c, "40") || strings.HasPrefix(c, "53") ||
			strings.HasPrefix(c, "57P") || c == "55P03"
	}
	return pgconn.SafeToRetry(err) || pgconn.Timeout(err)
}

// MySQL is the dialect of MySQL and MariaDB (go-sql-driver/mysql).
// A STRING primary key column is a VARCHAR(256), since MySQL cannot index
// a TEXT column without a prefix length.
var MySQL = &Dialect{
	Name:        "MySqlDatabaseDialect",
	quote:       '`',
	placeholder: func(int) string { return "?" },
	columnType: func(s *connect.Schema, key bool) (string, bool) {
		switch s.Logical() {
		case connect.LogicalDecimal:
			scale, err := s.DecimalScale()
			if err != nil || scale < 0 || scale > 30 {
				return "", false
			}
			return "DECIMAL(65," + strconv.Itoa(int(scale)) + ")", true
		case connect.LogicalDate:
			return "DATE", true
		case connect.LogicalTime:
			return "TIME(3)", true
		case connect.LogicalTimestamp:
			return "DATETIME(3)", true
		}
		switch s.Type {
		case connect.Int8Type:
			return "TINYINT", true
		case connect.Int16Type:
			return "SMALLINT", true
		case connect.Int32Type:
			return "INT", true
		case connect.Int64Type:
			return "BIGINT", true
		case connect.Float32Type:
			return "FLOAT", true
		case connect.Float64Type:
			return "DOUBLE", true
		case connect.BooleanType:
			return "TINYINT", true
		case connect.StringType:
			if key {
				return "VARCHAR(256)", true
			}
			return "TEXT", true
		case connect.BytesType:
			return "VARBINARY(1024)", true
		case connect.StructType, connect.MapType, connect.ArrayType:
			return "JSON", true
		}
		return "", false
	},
	upsert: func(d *Dialect, table string, keys, cols []string, rows int) string {
		all := append(append([]string(nil), keys...), cols...)
		set := cols
		if len(set) == 0 {
			set = keys
		}
		var b strings.Builder
		// Rows of one key in one statement are applied in turn, so the
		// last one's values stay.
		b.WriteString("INSERT INTO " + table + " (" + strings.Join(all, ",") + ") VALUES " +
			d.valuesRows(len(all), rows) + " ON DUPLICATE KEY UPDATE ")
		for i, c := range set {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(c + "=VALUES(" + c + ")")
		}
		return b.String()
	},
	addColumn: "ADD COLUMN",
	tablesQuery: `SELECT 1 FROM information_schema.tables ` +
		`WHERE table_schema = COALESCE(NULLIF(?, ''), DATABASE()) AND table_name = ?`,
	columnsQuery: `SELECT column_name, data_type, is_nullable FROM information_schema.columns ` +
		`WHERE table_schema = COALESCE(NULLIF(?, ''), DATABASE()) AND table_name = ? ORDER BY ordinal_position`,
	bind: func(v any, s *connect.Schema, loc *time.Location) (any, error) {
		if b, ok := bindCommon(v); ok {
			return b, nil
		}
		switch v := v.(type) {
		case bool:
			return v, nil
		case time.Time:
			switch s.Logical() {
			case connect.LogicalTime:
				return v.UTC().Format("15:04:05.000"), nil
			case connect.LogicalDate:
				return v.UTC().Format("2006-01-02"), nil
			}
			// The driver writes a DATETIME's wall clock in its Loc, which
			// Open sets to db.timezone.
			return v.In(loc), nil
		}
		return nil, unsupported(v, s)
	},
	transient: func(err error) bool {
		var me *mysql.MySQLError
		if errors.As(err, &me) {
			switch me.Number {
			case 1040, 1053, 1205, 1213, 2006, 2013:
				return true
			}
			return false
		}
		return errors.Is(err, mysql.ErrInvalidConn)
	},
	src: sourceSide{
		listTables: `SELECT table_schema, NULL, table_name, CASE table_type WHEN 'BASE TABLE' THEN 'TABLE' ELSE table_type END ` +
			`FROM information_schema.tables WHERE table_schema = COALESCE(NULLIF(?, ''), DATABASE()) ORDER BY table_name`,
		now:      nowQuery(`SELECT CURRENT_TIMESTAMP(6)`),
		bindTime: func(t time.Time, loc *time.Location) any { return t.In(loc) },
		typeName: declaredType,
		autoIncrement: `SELECT column_name FROM information_schema.columns ` +
			`WHERE table_schema = COALESCE(NULLIF(?, ''), DATABASE()) AND table_name = ? AND extra LIKE '%auto_increment%' LIMIT 1`,
		bitLengths: `SELECT column_name, numeric_precision FROM information_schema.columns ` +
			`WHERE table_schema = COALESCE(NULLIF(?, ''), DATABASE()) AND table_name = ? AND data_type = 'bit'`,
		primaryKey: `SELECT column_name FROM information_schema.key_column_usage ` +
			`WHERE table_schema = COALESCE(NULLIF(?, ''), DATABASE()) AND table_name = ? AND constraint_name = 'PRIMARY' ` +
			`ORDER BY ordinal_position`,
	},
}

// Dialects are the dialects kconnect has, by Confluent's dialect.name.
var Dialects = []*Dialect{SQLite, PostgreSQL, MySQL}

// DialectNamed returns the dialect of a dialect.name, case ignored; nil
// for a name kconnect has none of.
func DialectNamed(name string) *Dialect {
	for _, d := range Dialects {
		if strings.EqualFold(d.Name, name) {
			return d
		}
	}
	return nil
}

// DialectNames lists the dialects' names, for an error about an unknown
// one.
func DialectNames() string {
	names := make([]string, len(Dialects))
	for i, d := range Dialects {
		names[i] = d.Name
	}
	return strings.Join(names, ", ")
}

// onConflict is the upsert of SQLite and PostgreSQL: INSERT … ON CONFLICT
// (keys) DO UPDATE SET col = <excluded>.col, or DO NOTHING without other
// columns.
func onConflict(excluded string) func(d *Dialect, table string, keys, cols []string, rows int) string {
	return func(d *Dialect, table string, keys, cols []string, rows int) string {
		all := append(append([]string(nil), keys...), cols...)
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + strings.Join(all, ",") + ") VALUES " +
			d.valuesRows(len(all), rows) + " ON CONFLICT (" + strings.Join(keys, ",") + ") DO ")
		if len(cols) == 0 {
			b.WriteString("NOTHING")
			return b.String()
		}
		b.WriteString("UPDATE SET ")
		for i, c := range cols {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(c + "=" + excluded + "." + c)
		}
		return b.String()
	}
}

func unsupported(v any, s *connect.Schema) error {
	if s != nil {
		return &UnsupportedError{Type: s.Type.String(), Name: s.Name}
	}
	return &UnsupportedError{Type: typeName(v)}
}

func typeName(v any) string {
	switch v.(type) {
	case []any:
		return "ARRAY"
	case *connect.Struct:
		return "STRUCT"
	}
	return "a Go value of another type"
}

// UnsupportedError is a value a dialect cannot bind.
type UnsupportedError struct {
	Type string // the Connect type
	Name string // the schema's name, if any
}

func (e *UnsupportedError) Error() string {
	if e.Name != "" {
		return "values of type " + e.Type + " (" + e.Name + ") cannot be written"
	}
	return "values of type " + e.Type + " cannot be written"
}

// declaredType is a result column's type as its driver names it, upper
// case, without a size ("VARCHAR(20)" is VARCHAR).
func declaredType(ct *sql.ColumnType) string {
	t := strings.ToUpper(strings.TrimSpace(ct.DatabaseTypeName()))
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	return t
}

func scanOne(ctx context.Context, q Querier, query string, dst any) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dst); err != nil {
		return err
	}
	return rows.Close()
}

// nowQuery reads the time with query, a SELECT of one timestamp.
func nowQuery(query string) func(ctx context.Context, q Querier, loc *time.Location) (time.Time, error) {
	return func(ctx context.Context, q Querier, _ *time.Location) (time.Time, error) {
		var t time.Time
		err := scanOne(ctx, q, query, &t)
		return t, err
	}
}
