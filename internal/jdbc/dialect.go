// Package jdbc is what kconnect's JDBC source and sink share: the SQL
// dialects of SQLite, PostgreSQL and MySQL/MariaDB, each a Dialect value
// (quoting, placeholders, Connect → SQL types, upserts, DDL, introspection,
// binding values), and the translation of a JDBC connection.url to a Go
// driver's connector (Open).
//
// Identifiers are always quoted by the dialect (or, with Never, refused
// unless they are plain identifiers), and values are always bound as
// parameters, never written into SQL text, so no table, column or topic
// name, nor any value, can change the meaning of a statement.
package jdbc

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// Quoting says how identifiers are written, as Confluent's
// quote.sql.identifiers.
type Quoting int

const (
	// Always quotes every identifier (the default).
	Always Quoting = iota
	// Never writes plain identifiers (letters, digits, _ and $, not
	// starting with a digit) unquoted, so the database folds their case,
	// and refuses any other.
	Never
)

// TableID names a table, optionally in a schema (PostgreSQL), database
// (MySQL) or attached database (SQLite).
type TableID struct {
	Schema string
	Name   string
}

// ParseTableID splits a table name as Confluent's dialects do, at dots:
// "table", "schema.table" or "catalog.schema.table", whose catalog (the
// database the connection is to) is dropped. A name without a dot, or
// with one at either end, is a table of the connection's default schema.
func ParseTableID(s string) TableID {
	i := strings.LastIndexByte(s, '.')
	if i <= 0 || i == len(s)-1 {
		return TableID{Name: s}
	}
	schema := s[:i]
	if j := strings.LastIndexByte(schema, '.'); j >= 0 {
		schema = schema[j+1:]
	}
	if schema == "" {
		return TableID{Name: s}
	}
	return TableID{Schema: schema, Name: s[i+1:]}
}

// String returns the table's name unquoted, as errors show it.
func (t TableID) String() string {
	if t.Schema == "" {
		return t.Name
	}
	return t.Schema + "." + t.Name
}

// Column is a column to create or add: its name and the Connect schema of
// the values it holds.
type Column struct {
	Name   string
	Schema *connect.Schema
	// Key marks a primary key column.
	Key bool
}

// ColumnInfo is a column of an existing table.
type ColumnInfo struct {
	Name     string
	Type     string // as the database names it
	Nullable bool
}

// Querier is what introspection needs of a *sql.DB or *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Dialect is one database's SQL. The dialects are the package's values
// SQLite, PostgreSQL and MySQL; their methods are safe for concurrent use.
type Dialect struct {
	// Name is Confluent's dialect.name of the database
	// (PostgreSqlDatabaseDialect, ...).
	Name string

	quote        byte
	placeholder  func(i int) string // i counts from 1
	columnType   func(s *connect.Schema, key bool) (string, bool)
	upsert       func(d *Dialect, table string, keys, cols []string, rows int) string
	addColumn    string // the ALTER TABLE clause before a new column
	columnsQuery string // arguments: schema ("" for the default), table
	tablesQuery  string // arguments: schema, table; returns a row if the table exists
	bind         func(v any, s *connect.Schema, loc *time.Location) (any, error)
	transient    func(err error) bool
	// nativeArray says a column type names an array of the database's
	// own (nil: the database has none).
	nativeArray func(colType string) bool
	// foldBare is the name the database gives a bare (unquoted)
	// identifier; nil when the server decides (MySQL) or matches names
	// without regard to case (SQLite).
	foldBare func(string) string
	// copyFrom bulk-loads rows on a driver connection (nil: no bulk load).
	copyFrom func(ctx context.Context, driverConn any, t TableID, cols []string, rows [][]any) error
	// maxOpen bounds the connection pool (0: database/sql's default).
	maxOpen int
	// src is what a source reads with (source.go).
	src sourceSide
}

// String returns the dialect's name.
func (d *Dialect) String() string { return d.Name }

// Ident quotes an identifier, doubling the quote character inside it.
func (d *Dialect) Ident(name string, q Quoting) (string, error) {
	if name == "" {
		return "", fmt.Errorf("an empty identifier")
	}
	if strings.IndexByte(name, 0) >= 0 {
		return "", fmt.Errorf("identifier %q holds a NUL character", name)
	}
	if q == Never {
		if !plainIdent(name) {
			return "", fmt.Errorf("identifier %q cannot be written unquoted (quote.sql.identifiers=never)", name)
		}
		return name, nil
	}
	qs := string(d.quote)
	return qs + strings.ReplaceAll(name, qs, qs+qs) + qs, nil
}

func plainIdent(s string) bool {
	for i, r := range s {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case i > 0 && (r == '$' || r >= '0' && r <= '9'):
		default:
			return false
		}
	}
	return s != ""
}

// Table returns t quoted, with its schema if it has one.
func (d *Dialect) Table(t TableID, q Quoting) (string, error) {
	name, err := d.Ident(t.Name, q)
	if err != nil {
		return "", err
	}
	if t.Schema == "" {
		return name, nil
	}
	schema, err := d.Ident(t.Schema, q)
	if err != nil {
		return "", err
	}
	return schema + "." + name, nil
}

// Bare returns t as the database names a table written bare, as Never
// writes it (PostgreSQL folds plain names to lower case), so that it is
// looked up under that name; with Always, t itself.
func (d *Dialect) Bare(t TableID, q Quoting) TableID {
	if q != Never || d.foldBare == nil {
		return t
	}
	if plainIdent(t.Name) {
		t.Name = d.foldBare(t.Name)
	}
	if plainIdent(t.Schema) {
		t.Schema = d.foldBare(t.Schema)
	}
	return t
}

// Placeholder returns the i-th bind parameter (from 1).
func (d *Dialect) Placeholder(i int) string { return d.placeholder(i) }

// idents quotes names.
func (d *Dialect) idents(names []string, q Quoting) ([]string, error) {
	out := make([]string, len(names))
	for i, n := range names {
		var err error
		if out[i], err = d.Ident(n, q); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// placeholders returns n placeholders from the first, comma separated.
func (d *Dialect) placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(d.placeholder(from + i))
	}
	return b.String()
}

// Insert returns INSERT INTO table (cols) VALUES (…), binding the columns in
// order.
func (d *Dialect) Insert(t TableID, cols []string, q Quoting) (string, error) {
	table, err := d.Table(t, q)
	if err != nil {
		return "", err
	}
	qc, err := d.idents(cols, q)
	if err != nil {
		return "", err
	}
	return "INSERT INTO " + table + " (" + strings.Join(qc, ",") + ") VALUES (" + d.placeholders(1, len(cols)) + ")", nil
}

// MaxParams is how many bind parameters one statement may have in every
// dialect: SQLite's limit (32766 since 3.32; PostgreSQL and MySQL take
// 65535).
const MaxParams = 32766

// valuesRows returns the VALUES rows of a statement binding width
// columns per row: (…),(…).
func (d *Dialect) valuesRows(width, rows int) string {
	var b strings.Builder
	for r := range rows {
		if r > 0 {
			b.WriteString(",")
		}
		b.WriteString("(" + d.placeholders(1+r*width, width) + ")")
	}
	return b.String()
}

// InsertRows returns INSERT INTO table (cols) VALUES (…), (…) with rows
// rows, binding the columns of each row in order, row after row. rows ×
// len(cols) must not exceed MaxParams.
func (d *Dialect) InsertRows(t TableID, cols []string, rows int, q Quoting) (string, error) {
	if rows < 1 || rows*len(cols) > MaxParams {
		return "", fmt.Errorf("an insert of %d rows of %d columns into %s", rows, len(cols), t)
	}
	first, err := d.Insert(t, cols, q)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(first)
	for r := 1; r < rows; r++ {
		b.WriteString(",(" + d.placeholders(1+r*len(cols), len(cols)) + ")")
	}
	return b.String(), nil
}

// Upsert returns the dialect's insert-or-update of keys then cols, binding
// the keys, then the other columns, in order: a row whose keys exist gets
// the other columns' values.
func (d *Dialect) Upsert(t TableID, keys, cols []string, q Quoting) (string, error) {
	return d.UpsertRows(t, keys, cols, 1, q)
}

// UpsertRows is Upsert of rows rows in one statement, binding each row's
// keys and other columns, row after row. rows × (len(keys)+len(cols))
// must not exceed MaxParams. Two rows of one key in one statement are
// refused by PostgreSQL (a row cannot be changed twice by one ON
// CONFLICT DO UPDATE): the caller keeps the last of them.
func (d *Dialect) UpsertRows(t TableID, keys, cols []string, rows int, q Quoting) (string, error) {
	if len(keys) == 0 {
		return "", fmt.Errorf("an upsert into %s needs primary key columns", t)
	}
	if rows < 1 || rows*(len(keys)+len(cols)) > MaxParams {
		return "", fmt.Errorf("an upsert of %d rows of %d columns into %s", rows, len(keys)+len(cols), t)
	}
	table, err := d.Table(t, q)
	if err != nil {
		return "", err
	}
	qk, err := d.idents(keys, q)
	if err != nil {
		return "", err
	}
	qc, err := d.idents(cols, q)
	if err != nil {
		return "", err
	}
	return d.upsert(d, table, qk, qc, rows), nil
}

// Update returns UPDATE table SET col=? … WHERE key=? …, binding the
// columns, then the keys.
func (d *Dialect) Update(t TableID, keys, cols []string, q Quoting) (string, error) {
	if len(keys) == 0 || len(cols) == 0 {
		return "", fmt.Errorf("an update of %s needs primary key columns and other columns", t)
	}
	table, err := d.Table(t, q)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("UPDATE " + table + " SET ")
	n := 1
	for i, c := range cols {
		qc, err := d.Ident(c, q)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(qc + "=" + d.placeholder(n))
		n++
	}
	where, err := d.where(keys, n, q)
	if err != nil {
		return "", err
	}
	return b.String() + where, nil
}

// Delete returns DELETE FROM table WHERE key=? …, binding the keys.
func (d *Dialect) Delete(t TableID, keys []string, q Quoting) (string, error) {
	if len(keys) == 0 {
		return "", fmt.Errorf("a delete from %s needs primary key columns", t)
	}
	table, err := d.Table(t, q)
	if err != nil {
		return "", err
	}
	where, err := d.where(keys, 1, q)
	if err != nil {
		return "", err
	}
	return "DELETE FROM " + table + where, nil
}

func (d *Dialect) where(keys []string, from int, q Quoting) (string, error) {
	var b strings.Builder
	b.WriteString(" WHERE ")
	for i, k := range keys {
		qk, err := d.Ident(k, q)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(qk + "=" + d.placeholder(from+i))
	}
	return b.String(), nil
}

// ColumnType returns the SQL type of a column holding values of s
// (Confluent's mapping, auto.create and auto.evolve), or an error naming
// the schema when the dialect cannot store it. key says the column is part
// of the primary key (MySQL cannot index TEXT: a STRING key is a VARCHAR).
func (d *Dialect) ColumnType(s *connect.Schema, key bool) (string, error) {
	if t, ok := d.columnType(s, key); ok {
		return t, nil
	}
	name := s.Type.String()
	if s.Name != "" {
		name += " (" + s.Name + ")"
	}
	return "", fmt.Errorf("%s cannot store %s values", d.Name, name)
}

// JSON reports whether a value of schema s is written to a column of type
// colType (as Columns or ColumnType name it) as JSON text: a STRUCT or a
// MAP always, an ARRAY unless the column is an array of the database's
// own (PostgreSQL's). The columns auto.create makes for them are
// PostgreSQL's JSONB, MySQL's JSON (on MariaDB a LONGTEXT checked to hold
// JSON) and SQLite's TEXT.
func (d *Dialect) JSON(s *connect.Schema, colType string) bool {
	switch s.Type {
	case connect.StructType, connect.MapType:
		return true
	case connect.ArrayType:
		return d.nativeArray == nil || !d.nativeArray(colType)
	}
	return false
}

// TextColumn reports whether a column type (as Columns names it) holds
// text: CHAR, VARCHAR, TEXT and their kinds, not an array of them.
func (d *Dialect) TextColumn(colType string) bool {
	t := strings.ToLower(colType)
	if strings.HasSuffix(t, "[]") {
		return false
	}
	return strings.Contains(t, "char") || strings.Contains(t, "text") || strings.Contains(t, "clob")
}

// columnDef returns "name TYPE [NOT NULL] [DEFAULT x]". Only numbers and
// booleans are written as defaults, by strconv: no other value is ever
// written into SQL text, so a column whose default is of another type is
// created without one, and nullable when added to an existing table.
func (d *Dialect) columnDef(c Column, q Quoting, adding bool) (string, error) {
	name, err := d.Ident(c.Name, q)
	if err != nil {
		return "", err
	}
	typ, err := d.ColumnType(c.Schema, c.Key)
	if err != nil {
		return "", fmt.Errorf("column %s: %w", c.Name, err)
	}
	def := name + " " + typ
	lit, hasLit := defaultLiteral(c.Schema)
	switch {
	case c.Key || !c.Schema.Optional && !adding:
		def += " NOT NULL"
	case !c.Schema.Optional && hasLit:
		def += " NOT NULL"
	case !c.Schema.Optional && c.Schema.Default == nil:
		return "", fmt.Errorf("column %s cannot be added: its field is required and has no default", c.Name)
	}
	if hasLit && !c.Key {
		def += " DEFAULT " + lit
	}
	return def, nil
}

// defaultLiteral returns s's default as an SQL literal when it is a number
// or a boolean.
func defaultLiteral(s *connect.Schema) (string, bool) {
	if s.Logical() != connect.NotLogical {
		return "", false
	}
	switch v := s.Default.(type) {
	case int8:
		return strconv.FormatInt(int64(v), 10), true
	case int16:
		return strconv.FormatInt(int64(v), 10), true
	case int32:
		return strconv.FormatInt(int64(v), 10), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case float32:
		if f := float64(v); !isNaNOrInf(f) {
			return strconv.FormatFloat(f, 'g', -1, 32), true
		}
	case float64:
		if !isNaNOrInf(v) {
			return strconv.FormatFloat(v, 'g', -1, 64), true
		}
	case bool:
		if v {
			return "1", true // TRUE is not a literal of SQLite before 3.23; 1 is one of every dialect's boolean column
		}
		return "0", true
	}
	return "", false
}

func isNaNOrInf(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }

// CreateTable returns CREATE TABLE table (columns, PRIMARY KEY(keys)).
func (d *Dialect) CreateTable(t TableID, cols []Column, q Quoting) (string, error) {
	table, err := d.Table(t, q)
	if err != nil {
		return "", err
	}
	var defs, keys []string
	for _, c := range cols {
		def, err := d.columnDef(c, q, false)
		if err != nil {
			return "", err
		}
		defs = append(defs, def)
		if c.Key {
			k, _ := d.Ident(c.Name, q)
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		defs = append(defs, "PRIMARY KEY("+strings.Join(keys, ",")+")")
	}
	return "CREATE TABLE " + table + " (\n" + strings.Join(defs, ",\n") + ")", nil
}

// AddColumn returns ALTER TABLE table ADD COLUMN c: nullable unless its
// field is required with a default written as a literal (see columnDef);
// a required field without a default is an error, as in Confluent's
// auto.evolve.
func (d *Dialect) AddColumn(t TableID, c Column, q Quoting) (string, error) {
	table, err := d.Table(t, q)
	if err != nil {
		return "", err
	}
	c.Key = false
	def, err := d.columnDef(c, q, true)
	if err != nil {
		return "", err
	}
	return "ALTER TABLE " + table + " " + d.addColumn + " " + def, nil
}

// Columns returns the columns of table t in order, and false when it does
// not exist.
func (d *Dialect) Columns(ctx context.Context, db Querier, t TableID) ([]ColumnInfo, bool, error) {
	rows, err := db.QueryContext(ctx, d.tablesQuery, t.Schema, t.Name)
	if err != nil {
		return nil, false, fmt.Errorf("looking up table %s: %w", t, err)
	}
	exists := rows.Next()
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("looking up table %s: %w", t, err)
	}
	if !exists {
		return nil, false, nil
	}
	rows, err = db.QueryContext(ctx, d.columnsQuery, t.Schema, t.Name)
	if err != nil {
		return nil, false, fmt.Errorf("reading the columns of table %s: %w", t, err)
	}
	defer rows.Close()
	var cols []ColumnInfo
	for rows.Next() {
		var c ColumnInfo
		var nullable any
		if err := rows.Scan(&c.Name, &c.Type, &nullable); err != nil {
			return nil, false, fmt.Errorf("reading the columns of table %s: %w", t, err)
		}
		c.Nullable = truthy(nullable)
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("reading the columns of table %s: %w", t, err)
	}
	return cols, true, nil
}

func truthy(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case int64:
		return v != 0
	case string:
		return v == "YES" || v == "1" || v == "true"
	case []byte:
		return string(v) == "YES" || string(v) == "1"
	}
	return false
}

// Bind returns the driver value of a Connect value of schema s: times in
// loc where the dialect stores them as wall clock times.
func (d *Dialect) Bind(v any, s *connect.Schema, loc *time.Location) (any, error) {
	if v == nil {
		return nil, nil
	}
	return d.bind(v, s, loc)
}

// Transient reports whether err is a failure of the connection or of
// concurrency (a lost connection, a deadlock, a serialization failure, a
// busy database) after which the same statements may succeed, rather than
// one of the data.
func (d *Dialect) Transient(err error) bool {
	if err == nil {
		return false
	}
	if isConnErr(err) {
		return true
	}
	return d.transient(err)
}

// bindCommon converts what every dialect binds alike.
func bindCommon(v any) (any, bool) {
	switch v := v.(type) {
	case int8:
		return int64(v), true
	case int16:
		return int64(v), true
	case int32:
		return int64(v), true
	case int64, float64, string, []byte:
		return v, true
	case float32:
		return float64(v), true
	case connect.Decimal:
		return v.String(), true
	}
	return nil, false
}
