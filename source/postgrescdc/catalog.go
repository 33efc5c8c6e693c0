package postgrescdc

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kconnect-go/kconnect/connect"
)

// catalog reads table and type definitions from the database, caching
// types by OID.
type catalog struct {
	conn  *pgx.Conn
	s     *settings
	log   *slog.Logger
	types map[uint32]typeInfo
}

// typeOf returns what the catalog says of a type; a domain is its base
// type.
func (c *catalog) typeOf(ctx context.Context, oid uint32, typmod int32) (typeInfo, error) {
	if t, ok := c.types[oid]; ok {
		if t.typmod == -1 {
			t.typmod = typmod
		}
		return t, nil
	}
	var (
		name, kind string
		elem, base uint32
		baseMod    int32
		labels     []string
	)
	err := c.conn.QueryRow(ctx, `SELECT t.typname, t.typtype::text, CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE 0 END,
		t.typbasetype, t.typtypmod,
		CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END
		FROM pg_type t WHERE t.oid = $1`, oid).Scan(&name, &kind, &elem, &base, &baseMod, &labels)
	if err != nil {
		return typeInfo{}, fmt.Errorf("reading type %d: %w", oid, err)
	}
	if kind == "d" {
		t, err := c.typeOf(ctx, base, baseMod)
		if err != nil {
			return t, err
		}
		c.types[oid] = t
		return t, nil
	}
	t := typeInfo{oid: oid, typmod: -1, elem: elem, name: name}
	if kind == "e" {
		t.enum = labels
		if t.enum == nil {
			t.enum = []string{}
		}
	}
	c.types[oid] = t
	t.typmod = typmod
	return t, nil
}

// relColumn is one column as a Relation message or the catalog lists it.
type relColumn struct {
	name   string
	oid    uint32
	typmod int32
}

// describe builds table oid from its columns: nullability and primary
// key come from the catalog, read now (as Debezium reads them when a
// Relation message arrives). cols nil reads the columns from the catalog
// too.
func (c *catalog) describe(ctx context.Context, oid uint32, schema, name string, cols []relColumn) (*table, error) {
	rows, err := c.conn.Query(ctx, `SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull,
			coalesce(pg_get_expr(d.adbin, d.adrelid), '') FROM pg_attribute a
		LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum`, oid)
	if err != nil {
		return nil, fmt.Errorf("reading the columns of %s.%s: %w", schema, name, err)
	}
	notNull := map[string]bool{}
	defaults := map[string]string{}
	var catalogCols []relColumn
	for rows.Next() {
		var rc relColumn
		var nn bool
		var def string
		if err := rows.Scan(&rc.name, &rc.oid, &rc.typmod, &nn, &def); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading the columns of %s.%s: %w", schema, name, err)
		}
		notNull[rc.name] = nn
		if def != "" {
			defaults[rc.name] = def
		}
		catalogCols = append(catalogCols, rc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the columns of %s.%s: %w", schema, name, err)
	}
	if cols == nil {
		cols = catalogCols
	}
	keys, err := c.keyNames(ctx, oid)
	if err != nil {
		return nil, fmt.Errorf("reading the primary key of %s.%s: %w", schema, name, err)
	}
	t := &table{oid: oid, schema: schema, name: name}
	present := map[string]bool{}
	for _, rc := range cols {
		ti, err := c.typeOf(ctx, rc.oid, rc.typmod)
		if err != nil {
			return nil, err
		}
		var elem *typeInfo
		if ti.elem != 0 {
			e, err := c.typeOf(ctx, ti.elem, rc.typmod)
			if err != nil {
				return nil, err
			}
			elem = &e
		}
		col := column{name: rc.name, typ: ti, optional: !notNull[rc.name]}
		var unmapped error
		col.m, unmapped = c.s.mapType(ti, elem)
		col.mapped = unmapped == nil
		if unmapped != nil && c.s.columnWanted(schema, name, rc.name) {
			// Debezium leaves such a column out without a word; a
			// column missing from every event is easily missed.
			return nil, fmt.Errorf("table %s.%s column %s: %w", schema, name, rc.name, unmapped)
		}
		if col.mapped {
			col.schema = col.m.schema
			if col.optional {
				col.schema = col.schema.AsOptional()
			}
			if v, ok := columnDefault(ti, col.m, defaults[rc.name]); ok {
				sc := *col.schema
				sc.Default = v
				col.schema = &sc
			}
		}
		t.columns = append(t.columns, col)
		present[rc.name] = true
	}
	// Keys read now may name columns a later ALTER TABLE added: keep
	// those the columns have.
	var kept []string
	for _, k := range keys {
		if present[k] {
			kept = append(kept, k)
		}
	}
	c.s.build(t, kept)
	return t, nil
}

// keyNames returns a table's primary key columns in key order, or those
// of its first unique index when it has no primary key (as Debezium
// falls back to unique indexes).
func (c *catalog) keyNames(ctx context.Context, oid uint32) ([]string, error) {
	rows, err := c.conn.Query(ctx, `SELECT a.attname FROM (
			SELECT i.indkey, i.indisprimary, ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
			WHERE i.indrelid = $1 AND (i.indisprimary OR (i.indisunique AND i.indexprs IS NULL AND i.indpred IS NULL))
			ORDER BY i.indisprimary DESC, ic.relname LIMIT 1) k
		CROSS JOIN LATERAL unnest(k.indkey::int2[]) WITH ORDINALITY AS u(attnum, ord)
		JOIN pg_attribute a ON a.attrelid = $1 AND a.attnum = u.attnum
		ORDER BY u.ord`, oid)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// capturedTables lists the captured tables (ordinary and partitioned) by
// schema and name.
func (c *catalog) capturedTables(ctx context.Context) ([]relColumnTable, error) {
	rows, err := c.conn.Query(ctx, `SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
		ORDER BY n.nspname, c.relname`)
	if err != nil {
		return nil, fmt.Errorf("listing the tables: %w", err)
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (relColumnTable, error) {
		var t relColumnTable
		err := r.Scan(&t.oid, &t.schema, &t.name)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing the tables: %w", err)
	}
	var out []relColumnTable
	for _, t := range all {
		if c.s.captured(t.schema, t.name) {
			out = append(out, t)
		}
	}
	return out, nil
}

// relColumnTable names a table.
type relColumnTable struct {
	oid          uint32
	schema, name string
}

// defaultPlaceholders are the types whose column defaults the schemas
// carry, as Debezium's PostgresDefaultValueConverter has a mapper for them,
// with the value it gives a default computed by a function (nextval,
// now(), gen_random_uuid()), in the text form the column's mapper reads.
var defaultPlaceholders = map[uint32]string{
	oidBool: "false", oidBpchar: "", oidVarchar: "", oidText: "",
	oidNumeric: "0.0", oidFloat4: "0.0", oidFloat8: "0.0", oidInt2: "0", oidInt4: "0", oidInt8: "0",
	oidJSON: "{}", oidJSONB: "{}", oidXML: "", oidUUID: "00000000-0000-0000-0000-000000000000",
	oidDate: "1970-01-01", oidTime: "00:00:00", oidTimestamp: "1970-01-01 00:00:00",
	oidTimestamptz: "1970-01-01 00:00:00+00", oidInterval: "PT0S",
}

// defaultFunction is Debezium's pattern of a default computed by a
// function; currentDateTimes its other computed defaults.
var (
	defaultFunction  = regexp.MustCompile(`^[(]?[A-Za-z0-9_.]+\((?:.+(?:, ?.+)*)?\)`)
	currentDateTimes = map[string]bool{"current_timestamp": true, "current_time": true, "current_date": true,
		"localtime": true, "localtimestamp": true}
)

// columnDefault reads a column's default expression (pg_get_expr of
// pg_attrdef, which writes constants in the session's DateStyle and
// IntervalStyle) as Debezium 3.x's PostgresDefaultValueConverter does:
// the text between the expression's first two single quotes, or the whole
// expression without quotes (so 'it”s'::text gives "it"); a function or
// CURRENT_TIMESTAMP the type's placeholder (0 for a serial column); an
// enum's label only from '<label>'::<enum>; no default for NULL::, for
// the types it has no mapper for (arrays, bytea, timetz, money, network
// types), for values it cannot parse, and for struct values
// (VariableScaleDecimal).
func columnDefault(ti typeInfo, m mapper, expr string) (any, bool) {
	if expr == "" || ti.elem != 0 {
		return nil, false
	}
	var text string
	if ti.enum != nil {
		body, ok := strings.CutSuffix(expr, "::"+ti.name)
		if !ok || len(body) < 2 || body[0] != '\'' || body[len(body)-1] != '\'' {
			return nil, false
		}
		text = body[1 : len(body)-1]
	} else {
		placeholder, ok := defaultPlaceholders[ti.oid]
		if !ok {
			return nil, false
		}
		expr = strings.TrimSpace(expr)
		switch {
		case defaultFunction.MatchString(expr) || currentDateTimes[strings.ToLower(expr)]:
			text = placeholder
		case !strings.Contains(expr, "'"):
			if strings.HasPrefix(expr, "NULL::") {
				return nil, false
			}
			text = expr
		default:
			open := strings.IndexByte(expr, '\'')
			end := strings.IndexByte(expr[open+1:], '\'')
			if end < 0 {
				return nil, false
			}
			text = expr[open+1 : open+1+end]
		}
	}
	switch ti.oid {
	case oidBool:
		// Boolean.parseBoolean: anything but "true" is false.
		if strings.EqualFold(text, "true") {
			text = "t"
		} else {
			text = "f"
		}
	case oidNumeric:
		// The value converter rescales to the column's scale, in every
		// decimal.handling.mode.
		if ti.typmod >= 4 {
			d, err := connect.ParseDecimal(text)
			if err != nil {
				return nil, false
			}
			if d, err = d.Rescale((ti.typmod - 4) & 0xffff); err != nil {
				return nil, false
			}
			text = d.String()
		}
	}
	v, err := m.parse(text)
	if err != nil || v == nil {
		return nil, false
	}
	if _, isStruct := v.(*connect.Struct); isStruct {
		return nil, false
	}
	return v, true
}
