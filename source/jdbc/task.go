package jdbc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/source"
)

type task struct {
	s      *settings
	d      *jdbc.Dialect
	db     *sql.DB
	log    *slog.Logger
	tables []*querier
	now    func() time.Time
	failed int // queries failed in a row
	// types caches the column type names SourceType looked up.
	types map[string]string
}

// querier reads one table (or the query): Confluent's TableQuerier.
type querier struct {
	name      string // the table's qualified name, or "" for the query
	id        jdbc.TableID
	topic     string
	partition connect.SourcePartition
	base      string // SELECT * FROM t, or the query
	schemaNm  string
	incCol    string   // the incrementing column, in the incremental modes
	tsCols    []string // the timestamp columns, in the timestamp modes
	// ready is set once the table is found and its columns checked;
	// missing while it does not exist (dropped, or not created yet).
	ready, missing bool

	inc  int64     // the last incrementing value read; -1 for none
	ts   time.Time // the last timestamp whose rows are all read
	next time.Time // when the next query is due
	rows *sql.Rows
	tx   *sql.Tx // the result's, with transaction.isolation.mode
	cols []string
	// asGranularity marks the TIMESTAMP columns written as
	// timestamp.granularity says.
	asGranularity []bool
	// raw and ptrs are what a row is scanned into, bufs the rows read
	// (which the last), reused row after row.
	raw, ptrs []any
	rawBytes  []sql.RawBytes
	bufs      [2][]any
	which     int
	field     []int // each column's field in the schema; -1 when left out
	columns   []jdbc.SourceColumn
	warned    map[string]bool  // the columns left out, logged
	bits      map[string]int64 // the declared lengths of BIT columns
	schema    *connect.Schema
	schemas   []*connect.Schema
	pending   []any // a row read ahead, in timestamp mode
	// notNull holds the table's NOT NULL columns, whose fields are
	// required (the drivers do not say so of result columns); nil until
	// read, and read again when a result has a column it lacks.
	notNull map[string]bool
	// pk holds the table's primary key columns, in key order, with
	// kconnect.key.from.primary.key; keySchema is the records' key
	// schema (nil: a null key), keyCols the key's columns in the result.
	pk        []string
	keySchema *connect.Schema
	keyCols   []int
	// keyless is set once a table without a usable key is logged.
	keyless bool
}

func (t *task) Start(ctx context.Context, config map[string]string, tc source.TaskContext) error {
	s, err := parseSettings(config)
	if err != nil {
		return fmt.Errorf("JdbcSourceConnector: %w", err)
	}
	t.s, t.d, t.now, t.log = s, s.target.Dialect, time.Now, slog.New(slog.DiscardHandler)
	if tc != nil {
		t.log = tc.Logger()
	}
	if t.db, err = open(ctx, s, t.log); err != nil {
		return fmt.Errorf("JdbcSourceConnector: %w", err)
	}
	if err := t.setup(ctx, tc); err != nil {
		t.db.Close()
		return fmt.Errorf("JdbcSourceConnector: %w", err)
	}
	return nil
}

func (t *task) setup(ctx context.Context, tc source.TaskContext) error {
	s := t.s
	if s.query != "" {
		t.tables = []*querier{{topic: s.prefix, partition: connect.NewSourcePartition("query", "query"), base: s.query,
			incCol: s.incrementing, tsCols: s.timestamps, ready: true}}
	} else {
		pattern := s.schema
		if t.d == jdbc.MySQL {
			pattern = s.catalog
		}
		all, err := t.d.Tables(ctx, t.db, pattern, s.types)
		if err != nil {
			return err
		}
		byName := map[string]jdbc.SourceTable{}
		for _, tb := range all {
			byName[tb.Qualified] = tb
		}
		for _, name := range s.tables {
			tb, ok := byName[name]
			if !ok {
				// Dropped since the connector listed it: the querier waits
				// for it (prepare).
				tb = jdbc.SourceTable{ID: jdbc.ParseTableID(name), Qualified: name}
				tb.Name = tb.ID.Name
			}
			from, err := t.d.Table(tb.ID, s.quoting)
			if err != nil {
				return fmt.Errorf("table %s: %w", name, err)
			}
			q := &querier{name: name, id: tb.ID, topic: s.prefix + tb.Name, schemaNm: tb.Name, incCol: s.incrementing,
				tsCols: s.timestamps, partition: connect.NewSourcePartition("protocol", "1", "table", name),
				base: "SELECT * FROM " + from}
			if usesInc(s.mode) && len(s.incMapping) > 0 {
				cols, err := mapped(s.incMapping, "incrementing column mappings", name)
				if err != nil {
					return err
				}
				q.incCol = cols[0]
			}
			if usesTS(s.mode) && len(s.tsMapping) > 0 {
				if q.tsCols, err = mapped(s.tsMapping, "timestamp column mappings", name); err != nil {
					return err
				}
			}
			if _, err := t.prepare(ctx, q); err != nil {
				return err
			}
			t.tables = append(t.tables, q)
		}
	}
	for _, q := range t.tables {
		q.inc = -1
		q.ts = time.UnixMilli(0).UTC()
		off, err := t.offset(ctx, tc, q)
		if err != nil {
			return err
		}
		if off.IsZero() {
			if s.initial != nil && s.mode != ModeBulk && s.mode != ModeIncrementing {
				if *s.initial == -1 {
					if q.ts, err = t.d.Now(ctx, t.db, s.loc); err != nil {
						return err
					}
				} else {
					q.ts = time.UnixMilli(*s.initial).UTC()
				}
			}
			continue
		}
		if n, ok := off.Int64("incrementing"); ok {
			q.inc = n
		}
		if ms, ok := off.Int64("timestamp"); ok {
			nanos, _ := off.Int64("timestamp_nanos")
			sec := ms / 1000
			if ms%1000 < 0 {
				sec--
			}
			q.ts = time.Unix(sec, nanos).UTC()
		}
	}
	return nil
}

// offset reads a table's committed offset, under Confluent's partition of
// protocol 1 or, failing that, its older {"table": name}.
func (t *task) offset(ctx context.Context, tc source.TaskContext, q *querier) (connect.Offset, error) {
	if tc == nil || tc.Offsets() == nil {
		return connect.Offset{}, nil
	}
	off, err := tc.Offsets().Offset(ctx, q.partition)
	if err != nil || !off.IsZero() || q.name == "" {
		return off, err
	}
	return tc.Offsets().Offset(ctx, connect.NewSourcePartition("table", q.id.Name))
}

func usesInc(mode string) bool { return mode == ModeIncrementing || mode == ModeTimestampIncrementing }
func usesTS(mode string) bool  { return mode == ModeTimestamp || mode == ModeTimestampIncrementing }

// prepare finds q's table and checks its columns, returning false while
// the table does not exist: a table dropped, or not created yet, is
// waited for (logged once) rather than failing the task, and read once it
// exists again.
func (t *task) prepare(ctx context.Context, q *querier) (bool, error) {
	cols, exists, err := t.d.Columns(ctx, t.db, q.id)
	if err != nil {
		return false, err
	}
	if !exists {
		t.wait(q)
		return false, nil
	}
	if q.missing {
		t.log.Info("the table exists again; reading it", "table", q.name)
		q.missing = false
	}
	if q.incCol == "" && usesInc(t.s.mode) {
		col, ok, err := t.d.AutoIncrement(ctx, t.db, q.id)
		if err != nil {
			return false, err
		}
		if !ok {
			return false, fmt.Errorf("table %s has no auto-increment column: set %s", q.name, IncrementingColumnConfig)
		}
		q.incCol = col
	}
	var pk []string
	if t.s.keyByPK || t.s.validateNonNull && (usesInc(t.s.mode) || usesTS(t.s.mode)) {
		if pk, err = t.d.PrimaryKey(ctx, t.db, q.id); err != nil {
			return false, err
		}
	}
	if err := t.checkColumns(q, cols, pk); err != nil {
		return false, err
	}
	if q.bits, err = t.d.BitLengths(ctx, t.db, q.id); err != nil {
		return false, err
	}
	if t.s.keyByPK {
		q.pk = pk
		if len(q.pk) == 0 {
			t.noKey(q, "the table has no primary key")
		}
	}
	q.notNull = map[string]bool{}
	for _, c := range cols {
		q.notNull[c.Name] = !c.Nullable
	}
	q.ready = true
	return true, nil
}

// wait marks q's table missing, logging it the first time, and polls
// for it again after poll.interval.ms.
func (t *task) wait(q *querier) {
	if !q.missing {
		t.log.Warn("the table does not exist; waiting for it to be created", "table", q.name,
			PollIntervalConfig, t.s.poll.Milliseconds())
		q.missing = true
	}
	q.ready = false
	q.next = time.Now().Add(t.s.poll)
}

// noKey logs, once per table, that its records have a null key although
// kconnect.key.from.primary.key is set.
func (t *task) noKey(q *querier, why string) {
	if !q.keyless {
		t.log.Warn(why+"; its records' keys are null", "table", q.name, KeyFromPrimaryKeyConfig, true)
		q.keyless = true
	}
}

// checkColumns fails when one of the incrementing and timestamp columns
// is missing or, with validate.non.null, as Confluent checks, when the
// incrementing column is nullable or every timestamp column is (the
// COALESCE of several is null only when all are). A column of the primary
// key pk is not nullable, whatever the catalog says, as in Confluent's
// dialects: SQLite's says a key column without NOT NULL may be null, even
// an INTEGER PRIMARY KEY, which cannot be.
func (t *task) checkColumns(q *querier, cols []jdbc.ColumnInfo, pk []string) error {
	find := func(name string) (jdbc.ColumnInfo, error) {
		for _, c := range cols {
			if strings.EqualFold(c.Name, name) {
				if slices.ContainsFunc(pk, func(k string) bool { return strings.EqualFold(k, c.Name) }) {
					c.Nullable = false
				}
				return c, nil
			}
		}
		return jdbc.ColumnInfo{}, fmt.Errorf("table %s has no column %s", q.name, name)
	}
	if usesInc(t.s.mode) {
		c, err := find(q.incCol)
		if err != nil {
			return err
		}
		if c.Nullable && t.s.validateNonNull {
			return fmt.Errorf("table %s: column %s is nullable; it must be NOT NULL (or set %s=false)", q.name, q.incCol, ValidateNonNullConfig)
		}
	}
	if usesTS(t.s.mode) {
		notNull := false
		for _, name := range q.tsCols {
			c, err := find(name)
			if err != nil {
				return err
			}
			notNull = notNull || !c.Nullable
		}
		if !notNull && t.s.validateNonNull {
			return fmt.Errorf("table %s: the timestamp columns %s are all nullable; one must be NOT NULL (or set %s=false)",
				q.name, strings.Join(q.tsCols, ","), ValidateNonNullConfig)
		}
	}
	return nil
}

// Poll reads up to batch.max.rows rows of the table due first, waiting
// (for at most a second) until one is.
func (t *task) Poll(ctx context.Context) ([]connect.Record, error) {
	if len(t.tables) == 0 {
		timer := time.NewTimer(time.Second)
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C:
			return nil, nil
		}
	}
	q := t.tables[0]
	for _, o := range t.tables[1:] {
		if o.rows != nil || q.rows == nil && o.next.Before(q.next) {
			// A result being read comes first: SQLite's one connection
			// is its until it ends.
			q = o
		}
	}
	if wait := time.Until(q.next); wait > 0 && q.rows == nil {
		timer := time.NewTimer(min(wait, time.Second))
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C:
		}
		if time.Until(q.next) > 0 {
			return nil, nil
		}
	}
	recs, err := t.read(ctx, q)
	if err != nil {
		t.closeRows(q)
		q.next = time.Now().Add(t.s.poll)
		if q.name != "" && ctx.Err() == nil {
			if _, exists, cerr := t.d.Columns(ctx, t.db, q.id); cerr == nil && !exists {
				// Dropped while read: waited for, not a failure.
				t.wait(q)
				return nil, nil
			}
		}
		name := q.name
		if name == "" {
			name = "the query"
		}
		t.failed++
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if t.s.queryRetries < 0 || t.failed <= t.s.queryRetries {
			t.log.Warn("reading failed; trying again", "table", name, "attempt", t.failed,
				QueryRetryConfig, t.s.queryRetries, "error", err)
			return nil, fmt.Errorf("JdbcSourceConnector: reading %s: %w: %w", name, err, connect.ErrRetriable)
		}
		return nil, fmt.Errorf("JdbcSourceConnector: reading %s failed %d times in a row (%s=%d): %w",
			name, t.failed, QueryRetryConfig, t.s.queryRetries, err)
	}
	t.failed = 0
	return recs, nil
}

func (t *task) closeRows(q *querier) {
	if q.rows != nil {
		q.rows.Close()
		q.rows, q.pending = nil, nil
	}
	if q.tx != nil {
		// Read only: committing or rolling back is the same.
		_ = q.tx.Rollback()
		q.tx = nil
	}
}

// statement returns the mode's query of q and its arguments, in
// Confluent's shapes.
func (t *task) statement(ctx context.Context, q *querier) (string, []any, error) {
	s, d := t.s, t.d
	var inc, ts string
	var err error
	if s.mode == ModeIncrementing || s.mode == ModeTimestampIncrementing {
		if inc, err = d.Ident(q.incCol, s.quoting); err != nil {
			return "", nil, err
		}
	}
	if usesTS(s.mode) {
		cols := make([]string, len(q.tsCols))
		for i, c := range q.tsCols {
			if cols[i], err = d.Ident(c, s.quoting); err != nil {
				return "", nil, err
			}
		}
		ts = cols[0]
		if len(cols) > 1 {
			ts = "COALESCE(" + strings.Join(cols, ",") + ")"
		}
	}
	var where string
	var args []any
	p := d.Placeholder
	var upper time.Time
	if ts != "" {
		now, err := d.Now(ctx, t.db, s.loc)
		if err != nil {
			return "", nil, err
		}
		upper = now.Add(-s.delay)
	}
	var guard string
	if settled := d.Settled(); settled != "" && q.name != "" {
		// Rows of transactions newer than the oldest still open wait for
		// it, so that one committed out of order is not skipped.
		guard = settled + " AND "
	}
	switch s.mode {
	case ModeIncrementing:
		where = " WHERE " + guard + inc + " > " + p(1) + " ORDER BY " + inc + " ASC"
		args = []any{q.inc}
	case ModeTimestamp:
		where = " WHERE " + guard + ts + " > " + p(1) + " AND " + ts + " < " + p(2) + " ORDER BY " + ts + " ASC"
		args = []any{d.BindTime(q.ts, s.loc), d.BindTime(upper, s.loc)}
	case ModeTimestampIncrementing:
		where = " WHERE " + guard + ts + " < " + p(1) + " AND ((" + ts + " = " + p(2) + " AND " + inc + " > " + p(3) + ") OR " +
			ts + " > " + p(4) + ") ORDER BY " + ts + "," + inc + " ASC"
		args = []any{d.BindTime(upper, s.loc), d.BindTime(q.ts, s.loc), q.inc, d.BindTime(q.ts, s.loc)}
	}
	stmt := q.base + where
	if s.suffix != "" {
		stmt += " " + s.suffix
	}
	return stmt, args, nil
}

func (t *task) read(ctx context.Context, q *querier) ([]connect.Record, error) {
	if q.rows == nil {
		if q.name != "" && (!q.ready || q.notNull == nil) {
			// Before the query: SQLite's one connection is the result's
			// until it ends.
			if ok, err := t.prepare(ctx, q); !ok || err != nil {
				return nil, err
			}
		}
		stmt, args, err := t.statement(ctx, q)
		if err != nil {
			return nil, err
		}
		if err := t.query(ctx, q, stmt, args); err != nil {
			return nil, err
		}
		if err := t.describe(ctx, q); err != nil {
			return nil, err
		}
	}
	out := make([]connect.Record, 0, min(t.s.batch, 4096))
	for len(out) < t.s.batch {
		row := q.pending
		q.pending = nil
		if row == nil {
			var err error
			if row, err = t.scan(q); err != nil || row == nil {
				if err != nil {
					return nil, err
				}
				break
			}
		}
		rec, err := t.record(q, row)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	if len(out) < t.s.batch || q.rows == nil {
		t.closeRows(q)
		q.next = time.Now().Add(t.s.poll)
	}
	return out, nil
}

// scan returns the next row, or nil at the end of the result.
func (t *task) scan(q *querier) ([]any, error) {
	if q.rows == nil || !q.rows.Next() {
		if q.rows != nil {
			if err := q.rows.Err(); err != nil {
				return nil, err
			}
			t.closeRows(q)
		}
		return nil, nil
	}
	raw := q.raw
	clear(raw)
	if err := q.rows.Scan(q.ptrs...); err != nil {
		return nil, err
	}
	for i, b := range q.rawBytes {
		if q.ptrs[i] == &q.rawBytes[i] && b != nil {
			// Valid until the next row: SourceValue copies it.
			raw[i] = []byte(b)
		}
	}
	// Two rows at most are alive: the one made a record and the one read
	// ahead (timestamp mode); their values are kept in the record's
	// Struct, not in the buffer.
	q.which ^= 1
	vals := q.bufs[q.which]
	clear(vals)
	for i, v := range raw {
		if q.schemas[i] == nil {
			continue // left out
		}
		var err error
		if vals[i], err = t.d.Read(q.columns[i], v, t.s.loc); err != nil {
			return nil, fmt.Errorf("column %s: %w", q.cols[i], err)
		}
		if q.asGranularity[i] && vals[i] != nil {
			vals[i] = t.s.granularity.from(vals[i].(time.Time), t.s.loc)
		}
	}
	return vals, nil
}

// query runs q's statement, in a read-only transaction of
// transaction.isolation.mode's level unless it is DEFAULT.
func (t *task) query(ctx context.Context, q *querier, stmt string, args []any) error {
	if t.s.isolation == sql.LevelDefault {
		rows, err := t.db.QueryContext(ctx, stmt, args...)
		if err != nil {
			return err
		}
		q.rows = rows
		return nil
	}
	tx, err := t.db.BeginTx(ctx, &sql.TxOptions{Isolation: t.s.isolation, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("beginning a transaction (%s): %w", IsolationModeConfig, err)
	}
	rows, err := tx.QueryContext(ctx, stmt, args...)
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	q.rows, q.tx = rows, tx
	return nil
}

// describe reads the result's columns: their schemas (nil for a column
// left out, of a type Confluent's connector does not read, warned of
// once) and the record's.
func (t *task) describe(ctx context.Context, q *querier) error {
	cts, err := q.rows.ColumnTypes()
	if err != nil {
		return err
	}
	q.cols, q.schemas = make([]string, len(cts)), make([]*connect.Schema, len(cts))
	q.columns = make([]jdbc.SourceColumn, len(cts))
	q.asGranularity = make([]bool, len(cts))
	q.field = make([]int, len(cts))
	fields := make([]connect.Field, 0, len(cts))
	if t.types == nil {
		t.types = map[string]string{}
	}
	for i, ct := range cts {
		q.cols[i] = ct.Name()
		typ, ok := t.types[ct.DatabaseTypeName()]
		if !ok {
			if typ, err = t.d.SourceType(ctx, t.db, ct); err != nil {
				return err
			}
			t.types[ct.DatabaseTypeName()] = typ
		}
		if q.columns[i], err = t.d.SourceColumn(ct, typ, q.bits[ct.Name()], t.s.numeric); err != nil {
			return err
		}
		q.field[i] = -1
		if q.schemas[i] = q.columns[i].Schema; q.schemas[i] == nil {
			if !q.warned[ct.Name()] {
				if q.warned == nil {
					q.warned = map[string]bool{}
				}
				q.warned[ct.Name()] = true
				t.log.Warn("a column's type is not supported, as in Confluent's connector (\"JDBC type not currently "+
					"supported\"); its values are left out of the records", "table", q.name, "column", ct.Name(), "type", typ)
			}
			continue
		}
		if nn, ok := q.notNull[ct.Name()]; ok && nn {
			q.schemas[i] = q.schemas[i].AsRequired()
		} else if !ok && q.name != "" {
			q.notNull = nil // a column added since: read them again
		}
		if q.schemas[i].Logical() == connect.LogicalTimestamp && t.s.granularity != connectLogical {
			q.asGranularity[i] = true
			q.schemas[i] = t.s.granularity.schema(q.schemas[i].Optional)
		}
		q.field[i] = len(fields)
		fields = append(fields, connect.Field{Name: ct.Name(), Schema: q.schemas[i]})
	}
	q.raw, q.ptrs, q.rawBytes = make([]any, len(cts)), make([]any, len(cts)), make([]sql.RawBytes, len(cts))
	for i := range q.raw {
		q.ptrs[i] = &q.raw[i]
		if t.d == jdbc.MySQL && q.schemas[i] != nil && (q.schemas[i].Type == connect.StringType ||
			q.schemas[i].Type == connect.BytesType) && !q.asGranularity[i] {
			// The MySQL driver hands text, binary and DECIMAL values as
			// bytes, which database/sql copies into an any: read in place
			// instead, and copied once, into the value.
			q.ptrs[i] = &q.rawBytes[i]
		}
	}
	q.bufs = [2][]any{make([]any, len(cts)), make([]any, len(cts))}
	schema := connect.StructOf(fields...)
	if q.schemaNm != "" {
		schema = schema.WithName(q.schemaNm)
	}
	if err := schema.Validate(); err != nil {
		return err
	}
	if q.schema == nil || !q.schema.Equal(schema) {
		// The same *Schema while the table is unchanged, which
		// converters cache by.
		q.schema = schema
	}
	return t.describeKey(q)
}

// describeKey finds the primary key's columns in the result and makes the
// key's schema: a Struct named after the table with ".Key", of those
// columns, in key order, each with its value field's schema.
func (t *task) describeKey(q *querier) error {
	if len(q.pk) == 0 {
		q.keySchema, q.keyCols = nil, nil
		return nil
	}
	fields := make([]connect.Field, len(q.pk))
	q.keyCols = make([]int, len(q.pk))
	for j, name := range q.pk {
		i := t.index(q, name)
		if i < 0 || q.field[i] < 0 {
			// Left out of the value (a type Confluent does not read).
			t.noKey(q, "the primary key column "+name+" is not read")
			q.keySchema, q.keyCols = nil, nil
			return nil
		}
		q.keyCols[j] = i
		fields[j] = connect.Field{Name: q.cols[i], Schema: q.schemas[i]}
	}
	schema := connect.StructOf(fields...).WithName(q.schemaNm + ".Key")
	if err := schema.Validate(); err != nil {
		return err
	}
	if q.keySchema == nil || !q.keySchema.Equal(schema) {
		q.keySchema = schema
	}
	return nil
}

func (t *task) column(q *querier, row []any, name string) any {
	if i := t.index(q, name); i >= 0 {
		return row[i]
	}
	return nil
}

func (t *task) index(q *querier, name string) int {
	for i, c := range q.cols {
		if strings.EqualFold(c, name) {
			return i
		}
	}
	return -1
}

func (t *task) rowTime(q *querier, row []any) (time.Time, error) {
	for _, c := range q.tsCols {
		i := t.index(q, c)
		if i >= 0 && q.asGranularity[i] && row[i] != nil {
			// The offset is the timestamp of the value written, as
			// Confluent reads it back.
			return t.s.granularity.to(row[i], t.s.loc)
		}
		switch v := t.column(q, row, c).(type) {
		case time.Time:
			return v, nil
		case int64:
			return time.UnixMilli(v).UTC(), nil
		case nil:
			continue
		default:
			return time.Time{}, fmt.Errorf("timestamp column %s holds a %T", c, v)
		}
	}
	return time.Time{}, fmt.Errorf("the timestamp columns %s are all null", strings.Join(q.tsCols, ","))
}

func (t *task) record(q *querier, row []any) (connect.Record, error) {
	st := connect.NewStruct(q.schema)
	for i, c := range q.cols {
		if q.field[i] < 0 {
			continue
		}
		if err := st.SetAt(q.field[i], connect.AnyValue(row[i])); err != nil {
			return connect.Record{}, fmt.Errorf("column %s: %w", c, err)
		}
	}
	rec := connect.Record{Topic: q.topic, ValueSchema: q.schema, Value: st, SourcePartition: q.partition}
	if q.keySchema != nil {
		key := connect.NewStruct(q.keySchema)
		for j, i := range q.keyCols {
			if err := key.SetAt(j, connect.AnyValue(row[i])); err != nil {
				return connect.Record{}, fmt.Errorf("primary key column %s: %w", q.cols[i], err)
			}
		}
		rec.KeySchema, rec.Key = q.keySchema, key
	}
	s := t.s
	if s.mode == ModeIncrementing || s.mode == ModeTimestampIncrementing {
		switch v := t.column(q, row, q.incCol).(type) {
		case int64:
			q.inc = v
		case int32:
			q.inc = int64(v)
		case int16:
			q.inc = int64(v)
		case int8:
			q.inc = int64(v)
		case connect.Decimal:
			if v.Unscaled == nil || !v.Unscaled.IsInt64() || v.Scale != 0 {
				return connect.Record{}, fmt.Errorf("incrementing column %s: %s is not an integer of 64 bits", q.incCol, v)
			}
			q.inc = v.Unscaled.Int64()
		default:
			return connect.Record{}, fmt.Errorf("incrementing column %s holds a %T, not an integer", q.incCol, v)
		}
	}
	if s.mode == ModeTimestamp || s.mode == ModeTimestampIncrementing {
		ts, err := t.rowTime(q, row)
		if err != nil {
			return connect.Record{}, err
		}
		done := true
		if s.mode == ModeTimestamp {
			// A row's timestamp becomes the offset only once the last row
			// of that timestamp is read, so that a restart reads again the
			// rows sharing it rather than skip them.
			next, err := t.scan(q)
			if err != nil {
				return connect.Record{}, err
			}
			if next != nil {
				q.pending = next
				nts, err := t.rowTime(q, next)
				if err != nil {
					return connect.Record{}, err
				}
				done = !nts.Equal(ts)
			}
		}
		if done {
			q.ts = ts
		}
	}
	switch s.mode {
	case ModeIncrementing:
		rec.SourceOffset = connect.NewOffset("incrementing", q.inc)
	case ModeTimestamp:
		rec.SourceOffset = tsOffset(q.ts)
	case ModeTimestampIncrementing:
		rec.SourceOffset = connect.NewOffset("timestamp", q.ts.UnixMilli(), "timestamp_nanos", int64(q.ts.Nanosecond()),
			"incrementing", q.inc)
	}
	return rec, nil
}

func tsOffset(ts time.Time) connect.Offset {
	return connect.NewOffset("timestamp", ts.UnixMilli(), "timestamp_nanos", int64(ts.Nanosecond()))
}

func (t *task) Stop(context.Context) error {
	var errs []error
	for _, q := range t.tables {
		t.closeRows(q)
	}
	if t.db != nil {
		errs = append(errs, t.db.Close())
	}
	return errors.Join(errs...)
}
