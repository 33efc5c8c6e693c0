package jdbc

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// NumericMapping is Confluent's numeric.mapping: how NUMERIC and DECIMAL
// columns are read.
type NumericMapping int

const (
	// NumericNone reads every NUMERIC and DECIMAL column as a Decimal.
	NumericNone NumericMapping = iota
	// NumericPrecisionOnly reads one of scale 0 and known precision below
	// 19 as the smallest integer type that holds it.
	NumericPrecisionOnly
	// NumericBestFit also reads one of positive scale and precision below
	// 19 as a FLOAT64.
	NumericBestFit
	// NumericBestFitEagerDouble reads every one of positive scale as a
	// FLOAT64.
	NumericBestFitEagerDouble
)

// SourceTable is a table a source may read: its ID, and its name as
// Confluent's connector writes it in source partitions (catalog, schema and
// table as the JDBC driver reports them, unquoted and dot separated:
// "db.public.t" on PostgreSQL, "db.t" on MySQL, "t" on SQLite).
type SourceTable struct {
	ID        TableID
	Name      string // the table's own name
	Qualified string
}

// sourceSide is what a source needs of a dialect beyond what the sink
// needs; each Dialect value holds its own.
type sourceSide struct {
	// listTables returns catalog, schema, table name and type (TABLE or
	// VIEW) of every user table; arguments: schema pattern ("" for any).
	listTables string
	// now returns the database's current time.
	now func(ctx context.Context, q Querier, loc *time.Location) (time.Time, error)
	// bindTime is how a time compared with a timestamp column is bound.
	bindTime func(t time.Time, loc *time.Location) any
	// typeName normalises the driver's type name of a result column.
	typeName func(ct *sql.ColumnType) string
	// settled is a condition true of the rows of a table written by
	// transactions older than every one still in flight ("" when the
	// database cannot tell).
	settled string
	// autoIncrement returns the name of a table's auto-increment column,
	// if it has one; arguments: schema ("" for the default), table.
	autoIncrement string
	// primaryKey returns the names of a table's primary key columns, in
	// key order; arguments: schema ("" for the default), table.
	primaryKey string
	// bitLengths returns name and declared length of a table's BIT
	// columns; arguments: schema ("" for the default), table ("" when the
	// dialect has no BIT type).
	bitLengths string
	// typeByOID returns typtype and typname of a type the driver names
	// only by its number (PostgreSQL's); argument: the number.
	typeByOID string
}

// BitLengths returns the declared lengths of table t's BIT columns, by
// column name, which the drivers do not report of result columns.
func (d *Dialect) BitLengths(ctx context.Context, db Querier, t TableID) (map[string]int64, error) {
	out := map[string]int64{}
	if d.src.bitLengths == "" {
		return out, nil
	}
	rows, err := db.QueryContext(ctx, d.src.bitLengths, t.Schema, t.Name)
	if err != nil {
		return nil, fmt.Errorf("reading the BIT columns of table %s: %w", t, err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var n sql.NullInt64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, fmt.Errorf("reading the BIT columns of table %s: %w", t, err)
		}
		out[name] = n.Int64
	}
	return out, rows.Err()
}

// SourceType returns the type name of a result column that SourceColumn
// maps: the driver's, upper case and without size, or, for a PostgreSQL
// type pgx knows only by its number, "ENUM" for an enum type, "DOMAIN"
// or "COMPOSITE" for those, or else the type's name from pg_type.
func (d *Dialect) SourceType(ctx context.Context, db Querier, ct *sql.ColumnType) (string, error) {
	typ := d.src.typeName(ct)
	if d.src.typeByOID == "" || typ == "" || strings.Trim(typ, "0123456789") != "" {
		return typ, nil
	}
	rows, err := db.QueryContext(ctx, d.src.typeByOID, typ)
	if err != nil {
		return "", fmt.Errorf("looking up the type of column %s: %w", ct.Name(), err)
	}
	defer rows.Close()
	if !rows.Next() {
		return typ, rows.Err()
	}
	var kind, name string
	if err := rows.Scan(&kind, &name); err != nil {
		return "", fmt.Errorf("looking up the type of column %s: %w", ct.Name(), err)
	}
	switch kind {
	case "e":
		return "ENUM", nil
	case "d":
		return "DOMAIN", nil
	case "c":
		return "COMPOSITE", nil
	}
	return strings.ToUpper(name), nil
}

// SourceColumn is how a source reads a result column.
type SourceColumn struct {
	// Schema is the Connect schema of its values; nil when the column is
	// left out, its type being one Confluent's connector does not read
	// either (it leaves such a column out of the record with a warning,
	// "JDBC type … not currently supported").
	Schema *connect.Schema
	// Type is the column's type name (SourceType's).
	Type string
	// conv converts a driver value where SourceValue's conversion by
	// schema is not the type's (BIT strings, MySQL's YEAR, money, ...).
	conv func(v any) (any, error)
}

// SourceColumn returns how to read a result column of type typ
// (SourceType's): its schema as Confluent's dialects map the JDBC type
// their drivers report for it. bits is the declared length of a BIT
// column (0 when unknown, as of a query's columns).
func (d *Dialect) SourceColumn(ct *sql.ColumnType, typ string, bits int64, numeric NumericMapping) (SourceColumn, error) {
	c := SourceColumn{Type: typ}
	switch {
	case typ == "BIT" && d == PostgreSQL:
		// pgJDBC reports bit(n) as BIT of precision n: BOOLEAN for 1,
		// INT8 up to 8, BYTES beyond (a bit without length is bit(1)).
		switch {
		case bits == 1:
			c.Schema, c.conv = connect.BooleanSchema, func(v any) (any, error) { return bitString(v, 1) }
		case bits > 1 && bits <= 8:
			c.Schema, c.conv = connect.Int8Schema, func(v any) (any, error) { return bitString(v, 8) }
		default:
			c.Schema, c.conv = connect.BytesSchema, func(v any) (any, error) { return bitString(v, 0) }
		}
	case typ == "BIT" && d == MySQL:
		// Connector/J reports every BIT(n) as BIT, which Confluent reads
		// as an INT8; beyond 8 bits it would fail, here it is an INT64.
		c.Schema = connect.Int8Schema
		if bits > 8 {
			c.Schema = connect.Int64Schema
		}
		c.conv = func(v any) (any, error) { return bitBytes(v, c.Schema.Type) }
	case typ == "YEAR":
		// Connector/J's yearIsDateType: a Date, January 1st of the year.
		c.Schema = connect.DateSchema
		c.conv = func(v any) (any, error) {
			y, err := strconv.Atoi(fmt.Sprint(text(v)))
			if err != nil {
				return nil, fmt.Errorf("%v is not a year", v)
			}
			return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), nil
		}
	case typ == "MONEY":
		// pgJDBC reports money as DOUBLE; the server writes it with its
		// currency symbol and group separators.
		c.Schema = connect.Float64Schema
		c.conv = func(v any) (any, error) {
			s := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' || r == '.' || r == '-' {
					return r
				}
				return -1
			}, fmt.Sprint(text(v)))
			if strings.HasPrefix(fmt.Sprint(text(v)), "(") { // a negative amount in some locales
				s = "-" + s
			}
			return strconv.ParseFloat(s, 64)
		}
	case typ == "TIMETZ":
		// pgJDBC's TIME: the time of day in UTC.
		c.Schema = connect.TimeSchema
		c.conv = func(v any) (any, error) {
			s := fmt.Sprint(text(v))
			for _, layout := range []string{"15:04:05.999999999Z07:00", "15:04:05.999999999Z07", "15:04:05.999999999Z07:00:00"} {
				if t, err := time.Parse(layout, s); err == nil {
					u := t.UTC()
					return time.Date(1970, 1, 1, u.Hour(), u.Minute(), u.Second(), u.Nanosecond(), time.UTC), nil
				}
			}
			return nil, fmt.Errorf("%q is not a time with time zone", s)
		}
	case typ == "UNSIGNED BIGINT":
		// Connector/J reports BIGINT UNSIGNED as BIGINT, an INT64;
		// getLong fails beyond its range, as this does.
		c.Schema = connect.Int64Schema
		c.conv = func(v any) (any, error) {
			switch x := v.(type) {
			case uint64:
				if x > math.MaxInt64 {
					return nil, fmt.Errorf("%d does not fit the INT64 a BIGINT UNSIGNED is read as", x)
				}
				return int64(x), nil
			case int64:
				return x, nil
			}
			n, err := strconv.ParseInt(fmt.Sprint(text(v)), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%v does not fit the INT64 a BIGINT UNSIGNED is read as", text(v))
			}
			return n, nil
		}
	case d == PostgreSQL && (strings.HasPrefix(typ, "_") || unreadPG[typ] || strings.Trim(typ, "0123456789") == ""):
		// pgJDBC's ARRAY, OTHER, DISTINCT and STRUCT, which Confluent
		// leaves out.
		return c, nil
	default:
		s, err := d.sourceSchema(ct, typ, numeric)
		if err != nil {
			return c, err
		}
		c.Schema = s
	}
	if n, ok := ct.Nullable(); !ok || n {
		c.Schema = c.Schema.AsOptional()
	}
	return c, nil
}

// unreadPG are the PostgreSQL types pgJDBC reports as OTHER (or
// DISTINCT, STRUCT), other than json, jsonb and uuid, which Confluent's
// dialect does not read.
var unreadPG = map[string]bool{
	"INTERVAL": true, "INET": true, "CIDR": true, "MACADDR": true, "MACADDR8": true, "VARBIT": true,
	"TSVECTOR": true, "TSQUERY": true, "POINT": true, "LINE": true, "LSEG": true, "BOX": true, "PATH": true,
	"POLYGON": true, "CIRCLE": true, "DOMAIN": true, "COMPOSITE": true, "INT4RANGE": true, "INT8RANGE": true,
	"NUMRANGE": true, "TSRANGE": true, "TSTZRANGE": true, "DATERANGE": true, "PG_LSN": true, "TXID_SNAPSHOT": true,
	"HSTORE": true,
}

// Read converts a value scanned from the column into the Go value of its
// schema.
func (d *Dialect) Read(c SourceColumn, v any, loc *time.Location) (any, error) {
	if v == nil {
		return nil, nil
	}
	if c.conv != nil {
		return c.conv(v)
	}
	return d.SourceValue(v, c.Schema, loc)
}

func text(v any) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}

// bitString reads PostgreSQL's text of a bit string ("0101"): as a
// boolean (width 1), as the number its bits write (width 8), or packed
// into bytes, the first bit the highest of the first byte (width 0).
func bitString(v any, width int) (any, error) {
	s := fmt.Sprint(text(v))
	if strings.Trim(s, "01") != "" {
		return nil, fmt.Errorf("%q is not a bit string", s)
	}
	switch width {
	case 1:
		return s == "1", nil
	case 8:
		n, err := strconv.ParseUint(s, 2, 8)
		return int8(n), err
	}
	out := make([]byte, (len(s)+7)/8)
	for i := range len(s) {
		if s[i] == '1' {
			out[i/8] |= 0x80 >> (i % 8)
		}
	}
	return out, nil
}

// bitBytes reads MySQL's BIT value, its bytes big-endian, as an INT8 or
// an INT64 holding those bits.
func bitBytes(v any, t connect.Type) (any, error) {
	b, ok := v.([]byte)
	if !ok {
		if n, ok := v.(int64); ok {
			b = big.NewInt(n).Bytes()
		} else {
			return nil, fmt.Errorf("%T is not a BIT value", v)
		}
	}
	var n uint64
	for _, c := range b {
		n = n<<8 | uint64(c)
	}
	if t == connect.Int8Type {
		return int8(n), nil
	}
	return int64(n), nil
}

// AutoIncrement returns the name of table t's auto-increment column (a
// serial or identity column on PostgreSQL, AUTO_INCREMENT on MySQL, the
// INTEGER PRIMARY KEY on SQLite), and false when it has none.
func (d *Dialect) AutoIncrement(ctx context.Context, db Querier, t TableID) (string, bool, error) {
	rows, err := db.QueryContext(ctx, d.src.autoIncrement, t.Schema, t.Name)
	if err != nil {
		return "", false, fmt.Errorf("looking up the auto-increment column of table %s: %w", t, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return "", false, rows.Err()
	}
	var name string
	if err := rows.Scan(&name); err != nil {
		return "", false, fmt.Errorf("looking up the auto-increment column of table %s: %w", t, err)
	}
	return name, true, rows.Close()
}

// PrimaryKey returns the names of table t's primary key columns, in the
// key's order, read from the database's catalog; none for a table (or a
// view) without one.
func (d *Dialect) PrimaryKey(ctx context.Context, db Querier, t TableID) ([]string, error) {
	rows, err := db.QueryContext(ctx, d.src.primaryKey, t.Schema, t.Name)
	if err != nil {
		return nil, fmt.Errorf("reading the primary key of table %s: %w", t, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("reading the primary key of table %s: %w", t, err)
		}
		out = append(out, name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the primary key of table %s: %w", t, err)
	}
	return out, nil
}

// Settled returns a WHERE condition on a table's rows (of a SELECT … FROM
// the table alone) that holds only for rows written by transactions
// older than the oldest transaction still in flight when the statement
// runs, and "" when the dialect cannot tell. An incremental query that
// adds it does not read a row of a higher id or timestamp, committed
// first, ahead of a lower one of a transaction still open, and so does
// not move its offset past the lower one for ever.
func (d *Dialect) Settled() string { return d.src.settled }

// Tables lists the tables (and views) of the database whose schema matches
// schemaPattern (an SQL LIKE pattern; "" for any) and whose type is one of
// types (TABLE, VIEW).
func (d *Dialect) Tables(ctx context.Context, db Querier, schemaPattern string, types []string) ([]SourceTable, error) {
	rows, err := db.QueryContext(ctx, d.src.listTables, schemaPattern)
	if err != nil {
		return nil, fmt.Errorf("listing the tables: %w", err)
	}
	defer rows.Close()
	var out []SourceTable
	for rows.Next() {
		var cat, schema sql.NullString
		var name, typ string
		if err := rows.Scan(&cat, &schema, &name, &typ); err != nil {
			return nil, fmt.Errorf("listing the tables: %w", err)
		}
		want := false
		for _, t := range types {
			want = want || strings.EqualFold(t, typ)
		}
		if !want {
			continue
		}
		var parts []string
		for _, p := range []sql.NullString{cat, schema} {
			if p.Valid && p.String != "" {
				parts = append(parts, p.String)
			}
		}
		id := TableID{Name: name}
		if d != SQLite {
			id.Schema = schema.String
			if d == MySQL {
				id.Schema = cat.String
			}
		}
		out = append(out, SourceTable{ID: id, Name: name, Qualified: strings.Join(append(parts, name), ".")})
	}
	return out, rows.Err()
}

// Now returns the database's current time, which bounds the rows a
// timestamp query reads.
func (d *Dialect) Now(ctx context.Context, q Querier, loc *time.Location) (time.Time, error) {
	t, err := d.src.now(ctx, q, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading the database's current time: %w", err)
	}
	return t, nil
}

// BindTime returns the value to compare with a timestamp column for t, in
// loc (db.timezone) where the database stores wall clock times.
func (d *Dialect) BindTime(t time.Time, loc *time.Location) any { return d.src.bindTime(t, loc) }

// SourceSchema returns the Connect schema of the values of a result
// column, as Confluent's dialects map JDBC types, or an error naming the
// column when its type has no mapping.
func (d *Dialect) SourceSchema(ct *sql.ColumnType, numeric NumericMapping) (*connect.Schema, error) {
	s, err := d.sourceSchema(ct, d.src.typeName(ct), numeric)
	if err != nil {
		return nil, err
	}
	if n, ok := ct.Nullable(); !ok || n {
		s = s.AsOptional()
	}
	return s, nil
}

func (d *Dialect) sourceSchema(ct *sql.ColumnType, typ string, numeric NumericMapping) (*connect.Schema, error) {
	var s *connect.Schema
	switch typ {
	case "BOOL", "BOOLEAN", "BIT":
		s = connect.BooleanSchema
	case "TINYINT":
		s = connect.Int8Schema
	case "INT2", "SMALLINT", "UNSIGNED TINYINT":
		s = connect.Int16Schema
	case "INT4", "INT", "INTEGER", "MEDIUMINT", "UNSIGNED SMALLINT", "SERIAL":
		s = connect.Int32Schema
		if d == SQLite { // every SQLite integer is 64 bits
			s = connect.Int64Schema
		}
	case "INT8", "BIGINT", "UNSIGNED INT", "UNSIGNED MEDIUMINT", "BIGSERIAL":
		s = connect.Int64Schema
	case "FLOAT4", "REAL", "FLOAT":
		s = connect.Float32Schema
		if d == SQLite {
			s = connect.Float64Schema
		}
	case "FLOAT8", "DOUBLE", "DOUBLE PRECISION":
		s = connect.Float64Schema
	case "NUMERIC", "DECIMAL":
		s = numericSchema(ct, numeric)
	case "DATE":
		s = connect.DateSchema
	case "TIME", "TIMETZ":
		s = connect.TimeSchema
	case "TIMESTAMP", "TIMESTAMPTZ", "DATETIME":
		s = connect.TimestampSchema
	case "BYTEA", "BLOB", "BINARY", "VARBINARY", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB":
		s = connect.BytesSchema
	case "", "TEXT", "VARCHAR", "CHAR", "BPCHAR", "NAME", "UUID", "JSON", "JSONB", "XML", "ENUM", "SET",
		"TINYTEXT", "MEDIUMTEXT", "LONGTEXT", "NVARCHAR", "NCHAR", "CLOB", "CITEXT":
		s = connect.StringSchema
	case "OID":
		s = connect.Int64Schema
	default:
		return nil, fmt.Errorf("column %s: %s cannot read values of type %s", ct.Name(), d.Name, typ)
	}
	return s, nil
}

// decimalSize returns a NUMERIC column's precision and scale, from the
// driver or, when it does not say (SQLite), from the declared type.
func decimalSize(ct *sql.ColumnType) (p, scale int64, ok bool) {
	if p, scale, ok = ct.DecimalSize(); ok {
		return p, scale, ok
	}
	t := ct.DatabaseTypeName()
	i, j := strings.IndexByte(t, '('), strings.LastIndexByte(t, ')')
	if i < 0 || j < i {
		return 0, 0, false
	}
	ps, ss, _ := strings.Cut(t[i+1:j], ",")
	p, err := strconv.ParseInt(strings.TrimSpace(ps), 10, 32)
	if err != nil {
		return 0, 0, false
	}
	if ss = strings.TrimSpace(ss); ss != "" {
		if scale, err = strconv.ParseInt(ss, 10, 32); err != nil {
			return 0, 0, false
		}
	}
	return p, scale, true
}

func numericSchema(ct *sql.ColumnType, m NumericMapping) *connect.Schema {
	p, scale, ok := decimalSize(ct)
	if ok && m != NumericNone && p > 0 && p < 19 && scale == 0 {
		switch {
		case p > 9:
			return connect.Int64Schema
		case p > 4:
			return connect.Int32Schema
		case p > 2:
			return connect.Int16Schema
		}
		return connect.Int8Schema
	}
	if ok && scale > 0 && (m == NumericBestFitEagerDouble || m == NumericBestFit && p > 0 && p < 19) {
		return connect.Float64Schema
	}
	if !ok || p <= 0 { // a NUMERIC of no declared precision: its scale varies by row
		return connect.DecimalSchema(0).WithParameter("connect.decimal.precision", "0")
	}
	return connect.DecimalSchema(int32(scale))
}

// SourceValue converts a value scanned from a result column into the Go
// value of its Connect schema s (SourceSchema's).
func (d *Dialect) SourceValue(v any, s *connect.Schema, loc *time.Location) (any, error) {
	if v == nil {
		return nil, nil
	}
	// Drivers (MySQL's) hand numbers and text as bytes; a DECIMAL is a
	// BYTES schema too, but its bytes here are its digits.
	if b, ok := v.([]byte); ok && (s.Type != connect.BytesType || s.Logical() == connect.LogicalDecimal) {
		v = string(b)
	}
	switch s.Logical() {
	case connect.LogicalDecimal:
		var dec connect.Decimal
		var err error
		switch x := v.(type) {
		case string:
			dec, err = connect.ParseDecimal(x)
		case int64:
			dec = connect.NewDecimal(x, 0)
		case float64:
			dec, err = connect.ParseDecimal(strconv.FormatFloat(x, 'f', -1, 64))
		default:
			dec, err = connect.ParseDecimal(fmt.Sprint(x))
		}
		if err != nil {
			return nil, err
		}
		if scale, _ := s.DecimalScale(); scale != 0 || dec.Scale < 0 {
			return dec.Rescale(scale)
		} else if p, _ := s.Parameter("connect.decimal.precision"); p == "0" {
			// A NUMERIC of no declared scale: keep the row's digits,
			// which a Decimal of scale 0 holds only when it is whole.
			if r, err := dec.Rescale(0); err == nil {
				return r, nil
			}
			return nil, fmt.Errorf("the value %s has digits after the point, which a NUMERIC column without a declared scale cannot be read with; declare its scale or cast it", dec)
		}
		return dec.Rescale(0)
	case connect.LogicalDate, connect.LogicalTime, connect.LogicalTimestamp:
		switch x := v.(type) {
		case time.Time:
			if x.Location() == time.UTC && loc != nil && loc != time.UTC && s.Logical() == connect.LogicalTimestamp && d != SQLite {
				// the driver read a wall clock without zone as UTC
				x = time.Date(x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second(), x.Nanosecond(), loc)
			}
			return x, nil
		case int64: // SQLite stores times as milliseconds since the epoch
			return time.UnixMilli(x).UTC(), nil
		case float64:
			return time.UnixMilli(int64(x)).UTC(), nil
		case string:
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02", "15:04:05.999999999"} {
				if t, err := time.ParseInLocation(layout, x, loc); err == nil {
					if layout == "15:04:05.999999999" {
						t = time.Date(1970, 1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
					}
					return t, nil
				}
			}
			return nil, fmt.Errorf("%q is not a time", x)
		}
	}
	switch s.Type {
	case connect.BooleanType:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		case string:
			return strconv.ParseBool(x)
		}
	case connect.Int8Type, connect.Int16Type, connect.Int32Type, connect.Int64Type:
		var n int64
		switch x := v.(type) {
		case int64:
			n = x
		case int32:
			n = int64(x)
		case float64:
			n = int64(x)
		case string:
			bi, ok := new(big.Int).SetString(x, 10)
			if !ok || !bi.IsInt64() {
				return nil, fmt.Errorf("%q is not an integer of 64 bits", x)
			}
			n = bi.Int64()
		default:
			return nil, fmt.Errorf("%T is not an integer", v)
		}
		switch s.Type {
		case connect.Int8Type:
			return int8(n), nil
		case connect.Int16Type:
			return int16(n), nil
		case connect.Int32Type:
			return int32(n), nil
		}
		return n, nil
	case connect.Float32Type, connect.Float64Type:
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case float32:
			f = float64(x)
		case int64:
			f = float64(x)
		case string:
			var err error
			if f, err = strconv.ParseFloat(x, 64); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("%T is not a number", v)
		}
		if s.Type == connect.Float32Type {
			return float32(f), nil
		}
		return f, nil
	case connect.StringType:
		switch x := v.(type) {
		case string:
			return x, nil
		case time.Time:
			return x.Format(time.RFC3339Nano), nil
		}
		return fmt.Sprint(v), nil
	case connect.BytesType:
		switch x := v.(type) {
		case []byte:
			return append([]byte(nil), x...), nil
		case string:
			return []byte(x), nil
		}
	}
	return nil, fmt.Errorf("a %T cannot be read as %s", v, s.Type)
}
