package jdbc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/version"
	"github.com/kconnect-go/kconnect/sink"
)

// Class is the Kafka Connect class name of the connector, Confluent's.
const Class = "io.confluent.connect.jdbc.JdbcSinkConnector"

// Plugin describes the connector to a runtime.
func Plugin() sink.Plugin {
	return sink.Plugin{
		PluginInfo: connect.PluginInfo{
			Class:   Class,
			Aliases: []string{"JdbcSinkConnector"},
			Kind:    connect.SinkPlugin,
			Version: version.Kconnect(),
			Doc:     "Writes records to tables of PostgreSQL, MySQL, MariaDB or SQLite, as Confluent's JDBC sink.",
			Config:  configDef,
		},
		New: func() sink.Connector {
			// Start checks the configuration without connecting: each
			// task connects on its own.
			check := func(config map[string]string) error { _, err := parseSettings(config); return err }
			return sink.CheckedConnector("JdbcSinkConnector", check, func() sink.Task { return &task{} })
		},
	}
}

// task writes each Put in one transaction.
type task struct {
	s       *settings
	db      *sql.DB
	d       *jdbc.Dialect
	host    string
	tc      sink.TaskContext
	log     *slog.Logger
	retries int // transient failures of the batch in a row
	// rows written by bulk load, statements (COPY included) and explicit
	// transactions of committed writes, for tests
	copied, statements, transactions int64
	tables                           map[jdbc.TableID]*tableState
	// noCopy are the tables the database takes no COPY into.
	noCopy map[jdbc.TableID]bool
	// scratch space of schemaless records' plan lookups
	fields, keyFields []mapField
	sig               []byte
}

// tableState is what the task knows of a table: its columns (as the
// database names them) and the statements built for record shapes.
type tableState struct {
	cols  map[string]string // exact name → name; lower-cased name → name
	types map[string]string // name → type, as the database names it
	plans map[planKey]*plan
	// byShape holds the plans of records with a schemaless value or
	// key, by their schemas (one may have one) and their signature.
	byShape map[planKey]map[string]*plan
}

type planKey struct {
	key, value *connect.Schema
	delete     bool
}

func (t *task) Start(ctx context.Context, config map[string]string, tc sink.TaskContext) error {
	s, err := parseSettings(config)
	if err != nil {
		return fmt.Errorf("JdbcSinkConnector: %w", err)
	}
	target := s.conn.Target
	t.tc, t.log = tc, slog.New(slog.DiscardHandler)
	if tc != nil {
		t.log = tc.Logger()
	}
	db, err := s.conn.Open(ctx, s.loc, t.log)
	if err != nil {
		return fmt.Errorf("JdbcSinkConnector: %w", err)
	}
	t.s, t.db, t.d, t.host = s, db, target.Dialect, target.Host
	t.tables = make(map[jdbc.TableID]*tableState)
	t.noCopy = make(map[jdbc.TableID]bool)
	t.log.Info("JDBC sink task started", "database", target.Host, "dialect", target.Dialect.Name)
	return nil
}

// Put writes records in one transaction, committed before it returns, so
// the offsets the runtime then commits are those of written rows. A
// transient failure (a lost connection, a deadlock) is retried by the
// runtime up to max.retries times, retry.backoff.ms apart; any other
// failure, or the last transient one, makes the task write the batch
// again one record per transaction, giving those that still fail to the
// errant record reporter (with their table and the reason) or, when
// errors are not tolerated, failing with an error naming the table and
// the record's position. Records written before it stay written. A
// record that fails transiently then fails the task: the database is
// failing, not the record.
func (t *task) Put(ctx context.Context, records []connect.Record) error {
	if t.db == nil {
		return errors.New("JdbcSinkConnector: Put called on a task that is not started")
	}
	if len(records) == 0 {
		return nil
	}
	err := t.writeTx(ctx, records)
	if err == nil {
		t.retries = 0
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var we *writeError
	transient := t.d.Transient(err)
	if errors.As(err, &we) {
		transient = t.d.Transient(we.err)
	}
	if transient && t.retries < t.s.maxRetries {
		t.retries++
		t.tc.SetRetryBackoff(t.s.backoff)
		t.log.Warn("writing a batch failed; it is delivered again", "attempt", t.retries, "max.retries", t.s.maxRetries, "error", err)
		return fmt.Errorf("JdbcSinkConnector: %w (%w)", err, connect.ErrRetriable)
	}
	t.retries = 0
	return t.writeEach(ctx, records)
}

// writeEach writes records one per transaction, reporting those that fail.
func (t *task) writeEach(ctx context.Context, records []connect.Record) error {
	for i := range records {
		err := t.writeTx(ctx, records[i:i+1])
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var we *writeError
		if !errors.As(err, &we) {
			if t.d.Transient(err) {
				return fmt.Errorf("JdbcSinkConnector: %w (failed %d times in a row; max.retries is %d)", err, t.s.maxRetries+1, t.s.maxRetries)
			}
			return fmt.Errorf("JdbcSinkConnector: %w", err)
		}
		if t.d.Transient(we.err) {
			// The database, not the record, failed, and max.retries is
			// spent: fail rather than send good records to the dead
			// letter queue.
			return fmt.Errorf("JdbcSinkConnector: %w (failed %d times in a row; max.retries is %d)", err, t.s.maxRetries+1, t.s.maxRetries)
		}
		rep := t.tc.Reporter()
		if rep == nil {
			return fmt.Errorf("JdbcSinkConnector: %w", err)
		}
		if rerr := rep.Report(ctx, records[i], err); rerr != nil {
			return fmt.Errorf("JdbcSinkConnector: %w", err)
		}
	}
	return nil
}

// copyMinRows is the fewest rows of a run written by bulk load: a COPY
// costs two round trips (the table's column types, then the rows), a
// statement of one row one.
const copyMinRows = 2

// writeError is a record that could not be written.
type writeError struct {
	table jdbc.TableID
	pos   connect.Position
	err   error
}

func (e *writeError) Error() string {
	return fmt.Sprintf("table %s, record %s: %v", e.table, e.pos, e.err)
}

func (e *writeError) Unwrap() error { return e.err }

// writeTx writes records in one transaction. The tables are created and
// evolved first, each statement committed on its own: MySQL commits a
// transaction at any DDL statement, which would commit part of a batch.
func (t *task) writeTx(ctx context.Context, records []connect.Record) (err error) {
	plans := make([]*plan, len(records))
	for i := range records {
		r := &records[i]
		table := t.s.table(r.Topic)
		if plans[i], err = t.plan(ctx, t.db, table, r); err != nil {
			// The table may have changed under the task: read it again.
			clear(t.tables)
			return &writeError{table, r.Position(), err}
		}
	}
	// The transaction is on a connection of its own so that a bulk load
	// (COPY) can reach the driver's connection it runs on.
	conn, err := t.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("beginning a transaction on %s: %w", t.host, err)
	}
	defer conn.Close()
	// A batch that is one COPY is atomic on its own: without BEGIN and
	// COMMIT it costs two round trips to the server fewer.
	var tx *sql.Tx
	if !t.oneCopy(records, plans) {
		if tx, err = conn.BeginTx(ctx, nil); err != nil {
			return fmt.Errorf("beginning a transaction on %s: %w", t.host, err)
		}
	}
	stmts := make(map[string]*sql.Stmt)
	var copied, statements int64
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
		if err != nil {
			if tx != nil {
				tx.Rollback()
			}
			clear(t.tables)
		} else {
			t.copied += copied
			t.statements += statements
			if tx != nil {
				t.transactions++
			}
		}
	}()
	args := make([]any, 0, 16)
	for i := 0; i < len(records); {
		r := &records[i]
		table := t.s.table(r.Topic)
		p := plans[i]
		// A run of inserts of one plan is one statement of up to
		// batch.size rows: one round trip instead of one per record. An
		// error names the run's first record; the split that follows
		// finds the bad one.
		n := 1
		copyable := p.keys == 0 && t.d.CanCopy() && !t.noCopy[table]
		if p.rows != nil {
			limit := max(t.s.batchSize, 1)
			if !copyable {
				limit = min(limit, jdbc.MaxParams/max(len(p.order), 1))
			}
			for i+n < len(records) && n < limit && plans[i+n] == p {
				n++
			}
		}
		args = args[:0]
		for j := i; j < i+n; j++ {
			if args, err = p.args(args, &records[j], t.d, t.s); err != nil {
				return &writeError{table, records[j].Position(), err}
			}
		}
		if n >= copyMinRows && copyable {
			// PostgreSQL's COPY: no statement to parse or plan, rows
			// streamed in its binary format, no bound on parameters.
			w := len(p.order)
			rows := make([][]any, n)
			for j := range rows {
				rows[j] = args[j*w : (j+1)*w : (j+1)*w]
			}
			if err := t.d.CopyFrom(ctx, conn, table, p.cols, rows, t.s.quoting); err != nil {
				if errors.Is(err, jdbc.ErrNoCopy) {
					// A view: its rows go by INSERT from now on.
					t.noCopy[table] = true
				}
				return &writeError{table, r.Position(), err}
			}
			copied += int64(n)
			statements++
			i += n
			continue
		}
		q, rows := p.sql, n
		if p.keys > 0 && n > 1 {
			rows = lastOfEachKey(args, len(p.order), p.keys, n)
			args = args[:rows*len(p.order)]
		}
		if rows > 1 {
			if q, err = p.multiRows(t.d, table, rows, t.s.quoting); err != nil {
				return &writeError{table, r.Position(), err}
			}
		}
		st := stmts[q]
		if st == nil {
			if st, err = tx.PrepareContext(ctx, q); err != nil {
				return &writeError{table, r.Position(), err}
			}
			stmts[q] = st
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return &writeError{table, r.Position(), err}
		}
		statements++
		i += n
	}
	if tx == nil {
		return nil
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing the transaction on %s: %w", t.host, err)
	}
	return nil
}

// oneCopy reports whether writeTx writes records by one COPY: all of one
// plan of inserts, into a table that takes COPY, at least copyMinRows and
// at most batch.size of them.
func (t *task) oneCopy(records []connect.Record, plans []*plan) bool {
	p := plans[0]
	if len(records) < copyMinRows || len(records) > max(t.s.batchSize, 1) || p.rows == nil || p.keys != 0 ||
		!t.d.CanCopy() || t.noCopy[t.s.table(records[0].Topic)] {
		return false
	}
	for _, q := range plans[1:] {
		if q != p {
			return false
		}
	}
	return true
}

func (t *task) Stop(context.Context) error {
	if t.db == nil {
		return nil
	}
	err := t.db.Close()
	t.db = nil
	return err
}

// BorrowsBatch reports that Put writes its records before it returns and
// keeps nothing of the batch (sink.BatchBorrower).
func (t *task) BorrowsBatch() bool { return true }

// state returns what the task knows of table, reading its columns when it
// knows nothing yet; nil when the table does not exist.
func (t *task) state(ctx context.Context, q jdbc.Querier, table jdbc.TableID) (*tableState, error) {
	if st, ok := t.tables[table]; ok {
		return st, nil
	}
	cols, ok, err := t.d.Columns(ctx, q, t.d.Bare(table, t.s.quoting))
	if err != nil || !ok {
		return nil, err
	}
	st := &tableState{cols: make(map[string]string), types: make(map[string]string), plans: make(map[planKey]*plan),
		byShape: make(map[planKey]map[string]*plan)}
	for _, c := range cols {
		st.cols[c.Name] = c.Name
		st.types[c.Name] = c.Type
		if _, dup := st.cols[strings.ToLower(c.Name)]; !dup {
			st.cols[strings.ToLower(c.Name)] = c.Name
		}
	}
	t.tables[table] = st
	return st, nil
}

// has returns the table's column for name: the same name, or one equal
// ignoring case (a database that folds unquoted names).
func (st *tableState) has(name string) (string, bool) {
	if c, ok := st.cols[name]; ok {
		return c, true
	}
	c, ok := st.cols[strings.ToLower(name)]
	return c, ok
}

// execQuerier is what plan needs of a *sql.DB.
type execQuerier interface {
	jdbc.Querier
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (t *task) plan(ctx context.Context, tx execQuerier, table jdbc.TableID, r *connect.Record) (*plan, error) {
	del := r.Value == nil
	key := planKey{key: r.KeySchema, value: r.ValueSchema, delete: del}
	var (
		shape *shape
		sig   []byte
		err   error
	)
	schemalessKey := t.s.pk == pkRecordKey && isSchemaless(r.KeySchema, r.Key)
	if isSchemaless(r.ValueSchema, r.Value) || schemalessKey {
		var value, keys []mapField
		if isSchemaless(r.ValueSchema, r.Value) {
			if value, err = mapFields(r.Value, t.fields[:0]); err != nil {
				return nil, err
			}
			t.fields = value
		}
		var primitive any
		if schemalessKey {
			if keys, err = mapFields(r.Key, t.keyFields[:0]); err != nil {
				if r.KeySchema != nil {
					return nil, fmt.Errorf("the key: %w", err)
				}
				keys, primitive = nil, r.Key // a primitive without a schema
			} else {
				t.keyFields = keys
			}
		}
		t.sig = signature(t.sig[:0], del, value, keys, primitive)
		sig = t.sig
		if st, ok := t.tables[table]; ok {
			if p := st.byShape[key][string(sig)]; p != nil {
				return p, nil
			}
		}
		if shape, err = t.schemalessShape(r, value, keys); err != nil {
			return nil, err
		}
	} else {
		if st, ok := t.tables[table]; ok {
			if p := st.plans[key]; p != nil {
				return p, nil
			}
		}
		if shape, err = t.shapeOf(r); err != nil {
			return nil, err
		}
	}
	st, err := t.state(ctx, tx, table)
	if err != nil {
		return nil, err
	}
	if sig != nil {
		// A null member names a column only if the table has it: its
		// type cannot be inferred, and leaving it out writes NULL.
		shape.value = slices.DeleteFunc(shape.value, func(f field) bool {
			if f.schema != nil {
				return false
			}
			if st == nil {
				return true
			}
			_, ok := st.has(f.name)
			return !ok
		})
		for i := range shape.value {
			if shape.value[i].schema == nil {
				shape.value[i].schema = connect.OptionalStringSchema // bound as NULL
			}
		}
		if len(shape.keys) == 0 && len(shape.value) == 0 {
			return nil, errors.New("the record has no member to write")
		}
	}
	if st == nil {
		if !t.s.autoCreate {
			return nil, fmt.Errorf("table %s does not exist and auto.create is disabled", table)
		}
		if del {
			return nil, fmt.Errorf("table %s does not exist: a tombstone cannot create it", table)
		}
		q, err := t.d.CreateTable(table, shape.columns(), t.s.quoting)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("creating table %s: %w", table, err)
		}
		t.log.Info("created table", "table", table.String())
		if st, err = t.state(ctx, tx, table); err != nil {
			return nil, err
		}
		if st == nil {
			return nil, fmt.Errorf("table %s was created but is not found", table)
		}
	}
	var missing []jdbc.Column
	for _, c := range shape.columns() {
		if del && !c.Key {
			continue
		}
		if _, ok := st.has(c.Name); !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		names := make([]string, len(missing))
		for i, c := range missing {
			names[i] = c.Name
		}
		if !t.s.autoEvolve {
			return nil, fmt.Errorf("table %s has no column %s and auto.evolve is disabled", table, strings.Join(names, ", "))
		}
		for _, c := range missing {
			if c.Key {
				return nil, fmt.Errorf("table %s has no primary key column %s, which auto.evolve cannot add", table, c.Name)
			}
			q, err := t.d.AddColumn(table, c, t.s.quoting)
			if err != nil {
				return nil, fmt.Errorf("table %s: %w", table, err)
			}
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return nil, fmt.Errorf("adding column %s to table %s: %w", c.Name, table, err)
			}
			st.cols[c.Name] = c.Name
			st.cols[strings.ToLower(c.Name)] = c.Name
			st.types[c.Name], _ = t.d.ColumnType(c.Schema, false)
		}
		t.log.Info("added columns", "table", table.String(), "columns", names)
	}
	p, err := shape.plan(t.d, table, st, t.s, del)
	if err != nil {
		return nil, err
	}
	if sig != nil {
		if st.byShape[key] == nil {
			st.byShape[key] = make(map[string]*plan)
		}
		st.byShape[key][string(sig)] = p
	} else {
		st.plans[key] = p
	}
	return p, nil
}

// shapeOf works out a record's key and value columns from its schemas and
// pk.mode, as Confluent's FieldsMetadata does.
func (t *task) shapeOf(r *connect.Record) (*shape, error) {
	s := t.s
	sh := &shape{mode: s.pk}
	if r.Value != nil {
		vs := r.ValueSchema
		if vs == nil || vs.Type != connect.StructType {
			return nil, errors.New("the value is not a Struct with a schema, which the JDBC sink needs (use a converter with schemas, such as JsonConverter with schemas.enable=true)")
		}
		if _, ok := r.Value.(*connect.Struct); !ok {
			return nil, errors.New("the value is not a Struct")
		}
		for _, f := range vs.Fields {
			if len(s.whitelist) > 0 && !slices.Contains(s.whitelist, f.Name) {
				continue
			}
			sh.value = append(sh.value, field{name: f.Name, schema: f.Schema})
		}
	} else if !s.deletes {
		return nil, errors.New("the value is null (a tombstone) and delete.enabled is false")
	}
	switch s.pk {
	case pkKafka:
		names := kafkaPKNames
		if len(s.pkFields) == 3 {
			names = s.pkFields
		}
		sh.keys = []field{{name: names[0], schema: connect.StringSchema}, {name: names[1], schema: connect.Int32Schema}, {name: names[2], schema: connect.Int64Schema}}
	case pkRecordKey:
		ks := r.KeySchema
		switch {
		case ks == nil || r.Key == nil:
			return nil, errors.New("pk.mode=record_key needs a key with a schema; the key or its schema is null")
		case ks.Type.Primitive():
			if len(s.pkFields) != 1 {
				return nil, fmt.Errorf("the key is a primitive (%s): pk.fields must name exactly one column for it, not %q", ks.Type, s.pkFields)
			}
			sh.keys = []field{{name: s.pkFields[0], schema: ks}}
			sh.primitiveKey = true
		case ks.Type == connect.StructType:
			for _, f := range ks.Fields {
				if len(s.pkFields) == 0 || slices.Contains(s.pkFields, f.Name) {
					sh.keys = append(sh.keys, field{name: f.Name, schema: f.Schema})
				}
			}
			for _, n := range s.pkFields {
				if _, ok := ks.Field(n); !ok {
					return nil, fmt.Errorf("pk.fields names %q, which the key's schema has no field of", n)
				}
			}
		default:
			return nil, fmt.Errorf("pk.mode=record_key cannot use a key of type %s", ks.Type)
		}
		sh.fromKey = true
	case pkRecordValue:
		if r.Value == nil {
			return nil, errors.New("pk.mode=record_value needs a value")
		}
		for _, f := range r.ValueSchema.Fields {
			if len(s.pkFields) == 0 || slices.Contains(s.pkFields, f.Name) {
				sh.keys = append(sh.keys, field{name: f.Name, schema: f.Schema})
			}
		}
		for _, n := range s.pkFields {
			if _, ok := r.ValueSchema.Field(n); !ok {
				return nil, fmt.Errorf("pk.fields names %q, which the value's schema has no field of", n)
			}
		}
	}
	// A key column is not written again as a value column.
	sh.value = slices.DeleteFunc(sh.value, func(f field) bool {
		return slices.ContainsFunc(sh.keys, func(k field) bool { return k.name == f.name })
	})
	if len(sh.keys) == 0 && len(sh.value) == 0 {
		return nil, errors.New("the record has no field to write")
	}
	return sh, nil
}
