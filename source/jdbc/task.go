package jdbc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
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
}

// querier reads one table (or the query): Confluent's TableQuerier.
type querier struct {
	name      string // the table's qualified name, or "" for the query
	id        jdbc.TableID
	topic     string
	partition connect.SourcePartition
	base      string // SELECT * FROM t, or the query
	schemaNm  string
	incCol    string // the incrementing column, in the incremental modes

	inc     int64     // the last incrementing value read; -1 for none
	ts      time.Time // the last timestamp whose rows are all read
	next    time.Time // when the next query is due
	rows    *sql.Rows
	cols    []string
	schema  *connect.Schema
	schemas []*connect.Schema
	pending []any // a row read ahead, in timestamp mode
	// notNull holds the table's NOT NULL columns, whose fields are
	// required (the drivers do not say so of result columns); nil until
	// read, and read again when a result has a column it lacks.
	notNull map[string]bool
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
			incCol: s.incrementing}}
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
				return fmt.Errorf("table %s no longer exists", name)
			}
			from, err := t.d.Table(tb.ID, s.quoting)
			if err != nil {
				return fmt.Errorf("table %s: %w", name, err)
			}
			q := &querier{name: name, id: tb.ID, topic: s.prefix + tb.Name, schemaNm: tb.Name, incCol: s.incrementing,
				partition: connect.NewSourcePartition("protocol", "1", "table", name), base: "SELECT * FROM " + from}
			if q.incCol == "" && (s.mode == ModeIncrementing || s.mode == ModeTimestampIncrementing) {
				col, ok, err := t.d.AutoIncrement(ctx, t.db, tb.ID)
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("table %s has no auto-increment column: set %s", name, IncrementingColumnConfig)
				}
				q.incCol = col
			}
			if err := t.checkColumns(ctx, tb, q.incCol); err != nil {
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

// checkColumns fails when validate.non.null is set and the incrementing
// or a timestamp column of the table is nullable or missing.
func (t *task) checkColumns(ctx context.Context, tb jdbc.SourceTable, incCol string) error {
	var want []string
	if t.s.mode == ModeIncrementing || t.s.mode == ModeTimestampIncrementing {
		want = append(want, incCol)
	}
	if t.s.mode == ModeTimestamp || t.s.mode == ModeTimestampIncrementing {
		want = append(want, t.s.timestamps...)
	}
	if len(want) == 0 {
		return nil
	}
	cols, _, err := t.d.Columns(ctx, t.db, tb.ID)
	if err != nil {
		return err
	}
	for _, w := range want {
		found := false
		for _, c := range cols {
			if strings.EqualFold(c.Name, w) {
				found = true
				if c.Nullable && t.s.validateNonNull {
					return fmt.Errorf("table %s: column %s is nullable; it must be NOT NULL (or set %s=false)", tb.Qualified, w, ValidateNonNullConfig)
				}
			}
		}
		if !found {
			return fmt.Errorf("table %s has no column %s", tb.Qualified, w)
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
	if s.mode == ModeTimestamp || s.mode == ModeTimestampIncrementing {
		cols := make([]string, len(s.timestamps))
		for i, c := range s.timestamps {
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
		if q.name != "" && q.notNull == nil {
			// Before the query: SQLite's one connection is the result's
			// until it ends.
			cols, _, err := t.d.Columns(ctx, t.db, q.id)
			if err != nil {
				return nil, err
			}
			q.notNull = map[string]bool{}
			for _, c := range cols {
				q.notNull[c.Name] = !c.Nullable
			}
		}
		stmt, args, err := t.statement(ctx, q)
		if err != nil {
			return nil, err
		}
		rows, err := t.db.QueryContext(ctx, stmt, args...)
		if err != nil {
			return nil, err
		}
		q.rows = rows
		if err := t.describe(q); err != nil {
			return nil, err
		}
	}
	var out []connect.Record
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
	raw := make([]any, len(q.cols))
	ptrs := make([]any, len(raw))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if err := q.rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	vals := make([]any, len(raw))
	for i, v := range raw {
		var err error
		if vals[i], err = t.d.SourceValue(v, q.schemas[i], t.s.loc); err != nil {
			return nil, fmt.Errorf("column %s: %w", q.cols[i], err)
		}
	}
	return vals, nil
}

func (t *task) describe(q *querier) error {
	cts, err := q.rows.ColumnTypes()
	if err != nil {
		return err
	}
	q.cols, q.schemas = make([]string, len(cts)), make([]*connect.Schema, len(cts))
	fields := make([]connect.Field, len(cts))
	for i, ct := range cts {
		q.cols[i] = ct.Name()
		if q.schemas[i], err = t.d.SourceSchema(ct, t.s.numeric); err != nil {
			return err
		}
		if nn, ok := q.notNull[ct.Name()]; ok && nn {
			q.schemas[i] = q.schemas[i].AsRequired()
		} else if !ok && q.name != "" {
			q.notNull = nil // a column added since: read them again
		}
		fields[i] = connect.Field{Name: ct.Name(), Schema: q.schemas[i]}
	}
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
	return nil
}

func (t *task) column(q *querier, row []any, name string) any {
	for i, c := range q.cols {
		if strings.EqualFold(c, name) {
			return row[i]
		}
	}
	return nil
}

func (t *task) rowTime(q *querier, row []any) (time.Time, error) {
	for _, c := range t.s.timestamps {
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
	return time.Time{}, fmt.Errorf("the timestamp columns %s are all null", strings.Join(t.s.timestamps, ","))
}

func (t *task) record(q *querier, row []any) (connect.Record, error) {
	st := connect.NewStruct(q.schema)
	for i, c := range q.cols {
		if err := st.Put(c, row[i]); err != nil {
			return connect.Record{}, fmt.Errorf("column %s: %w", c, err)
		}
	}
	rec := connect.Record{Topic: q.topic, ValueSchema: q.schema, Value: st, SourcePartition: q.partition}
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
