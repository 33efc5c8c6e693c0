package postgrescdc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kconnect-go/kconnect/connect"
)

// Debezium's offset keys of an incremental snapshot in progress.
const (
	incrCollectionsKey = "incremental_snapshot_collections"
	incrPrimaryKey     = "incremental_snapshot_primary_key"
	incrMaximumKey     = "incremental_snapshot_maximum_key"
)

// incremental is the state of the incremental snapshots asked for through
// the signal table, read a chunk at a time by primary key while the stream
// goes on, with Debezium's watermarks: a window is opened by a row written
// to the signal table, the chunk read, the window closed by another row;
// changes the stream brings between the two for keys of the chunk drop
// those rows from it, as the stream has newer values; the rest are sent,
// op "r", when the close comes through the stream.
type incremental struct {
	collections []string // schema.table; the first is being read
	lastKey     []string // the key of the last row read, as text; nil: from the start
	maxKey      []string // the table's largest key when its snapshot began; nil: not read yet

	// The chunk in flight; window is "" when there is none.
	window string
	open   bool
	tb     *table
	rows   []chunkRow
	index  map[string]int
	full   bool
}

type chunkRow struct {
	key   []string
	cells []cell
	drop  bool
}

// entries are the offset entries of the state, none when no incremental
// snapshot is in progress.
func (in *incremental) entries() []connect.MapEntry {
	if in == nil || len(in.collections) == 0 {
		return nil
	}
	type coll struct {
		ID        string  `json:"incremental_snapshot_collections_id"`
		Condition *string `json:"incremental_snapshot_collections_additional_condition"`
		Surrogate *string `json:"incremental_snapshot_collections_surrogate_key"`
	}
	cs := make([]coll, len(in.collections))
	for i, c := range in.collections {
		cs[i].ID = c
	}
	b, _ := json.Marshal(cs)
	e := []connect.MapEntry{{Key: incrCollectionsKey, Value: string(b)}}
	if in.lastKey != nil {
		k, _ := json.Marshal(in.lastKey)
		e = append(e, connect.MapEntry{Key: incrPrimaryKey, Value: string(k)})
	}
	if in.maxKey != nil {
		k, _ := json.Marshal(in.maxKey)
		e = append(e, connect.MapEntry{Key: incrMaximumKey, Value: string(k)})
	}
	return e
}

// readIncremental restores an incremental snapshot in progress from a
// committed offset.
func readIncremental(off connect.Offset) (*incremental, error) {
	in := &incremental{}
	v, ok := off.Get(incrCollectionsKey)
	if !ok {
		return in, nil
	}
	str, _ := v.(string)
	var cs []struct {
		ID string `json:"incremental_snapshot_collections_id"`
	}
	if err := json.Unmarshal([]byte(str), &cs); err != nil {
		return nil, fmt.Errorf("the committed offset's %s %q: %w", incrCollectionsKey, str, err)
	}
	for _, c := range cs {
		in.collections = append(in.collections, c.ID)
	}
	for k, dst := range map[string]*[]string{incrPrimaryKey: &in.lastKey, incrMaximumKey: &in.maxKey} {
		if v, ok := off.Get(k); ok {
			s, _ := v.(string)
			if err := json.Unmarshal([]byte(s), dst); err != nil {
				return nil, fmt.Errorf("the committed offset's %s %q (not a key this connector wrote): %w", k, s, err)
			}
		}
	}
	return in, nil
}

func keyText(k []string) string { return strings.Join(k, "\x00") }

// keyOf is the text of the key columns of a row's cells.
func keyOf(tb *table, cells []cell) []string {
	k := make([]string, len(tb.keyIdx))
	for i, ci := range tb.keyIdx {
		k[i] = cells[ci].text
	}
	return k
}

// signalColumns are the positions of id, type and data in the signal
// table's relation.
type signalColumns struct{ id, typ, data int }

// isSignal says whether schema.name is the signal table.
func (s *settings) isSignal(schema, name string) bool {
	return s.signalTable != "" && s.signalTable == schema+"."+name
}

// signal handles a row inserted into the signal table: Debezium's
// execute-snapshot, and the windows of the chunk in flight.
func (st *streamState) signal(ctx context.Context, cols signalColumns, td []cell) error {
	t := st.t
	get := func(i int) string {
		if i < 0 || i >= len(td) {
			return ""
		}
		return td[i].text
	}
	id, typ, data := get(cols.id), get(cols.typ), get(cols.data)
	in := t.incr
	switch typ {
	case "execute-snapshot":
		var d struct {
			Collections []string `json:"data-collections"`
			Type        string   `json:"type"`
		}
		if err := json.Unmarshal([]byte(data), &d); err != nil {
			t.log.Warn("an execute-snapshot signal whose data is not JSON is ignored", "id", id, "data", data, "error", err)
			return nil
		}
		if d.Type != "" && !strings.EqualFold(d.Type, "incremental") {
			t.log.Warn("only incremental snapshots are taken on a signal; the signal is ignored", "id", id, "type", d.Type)
			return nil
		}
		for _, c := range d.Collections {
			if !strings.Contains(c, ".") {
				c = "public." + c
			}
			known := false
			for _, have := range in.collections {
				known = known || have == c
			}
			if !known {
				in.collections = append(in.collections, c)
			}
		}
		t.log.Info("an incremental snapshot is asked for", "id", id, "collections", d.Collections)
		st.pos.incremental = in.entries()
	case "snapshot-window-open":
		if in.window != "" && id == in.window+"-open" {
			in.open = true
		}
	case "snapshot-window-close":
		if in.window != "" && id == in.window+"-close" {
			return st.closeWindow(ctx)
		}
	}
	return nil
}

// seen drops from the chunk in flight the rows of keys the stream changes
// while its window is open.
func (st *streamState) seen(tb *table, cells ...[]cell) {
	in := st.t.incr
	if !in.open || in.tb == nil || in.tb.oid != tb.oid || tb.key == nil {
		return
	}
	for _, c := range cells {
		if c == nil {
			continue
		}
		if i, ok := in.index[keyText(keyOf(tb, c))]; ok {
			in.rows[i].drop = true
		}
	}
}

// closeWindow sends the rows of the chunk the stream has not changed, as
// op "r" records, and moves the snapshot past the chunk.
func (st *streamState) closeWindow(ctx context.Context) error {
	t, in := st.t, st.t.incr
	tb, rows := in.tb, in.rows
	if len(rows) > 0 {
		in.lastKey = rows[len(rows)-1].key
	}
	if !in.full {
		t.log.Info("incremental snapshot of a table read", "table", in.collections[0])
		in.collections, in.lastKey, in.maxKey = in.collections[1:], nil, nil
	}
	in.window, in.open, in.tb, in.rows, in.index = "", false, nil, nil, nil
	var send []chunkRow
	for _, r := range rows {
		if !r.drop {
			send = append(send, r)
		}
	}
	before := st.pos.incremental
	for i, r := range send {
		// The last row carries the state past the chunk: should the
		// task stop before it is committed, the chunk is read again.
		p := st.pos
		p.snapshot = "incremental"
		if i == len(send)-1 {
			p.incremental = in.entries()
		} else {
			p.incremental = before
		}
		after, err := tb.row(tb.value, tb.valIdx, r.cells)
		if err != nil {
			return fmt.Errorf("incremental snapshot of %s.%s: %w", tb.schema, tb.name, err)
		}
		key, err := tb.row(tb.key, tb.keyIdx, r.cells)
		if err != nil {
			return fmt.Errorf("incremental snapshot of %s.%s: %w", tb.schema, tb.name, err)
		}
		if err := st.emit(ctx, t.changeRecord(tb, "r", nil, after, key, &p)); err != nil {
			return err
		}
	}
	st.pos.incremental = in.entries()
	return nil
}

func literal(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }

func rowOf(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = literal(v)
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// nextChunk reads the next chunk of the incremental snapshot between the
// open and close windows it writes to the signal table, when one is due
// and none is in flight. It runs between transactions of the stream.
func (st *streamState) nextChunk(ctx context.Context) error {
	t, in := st.t, st.t.incr
	for in.window == "" && len(in.collections) > 0 {
		name := in.collections[0]
		schema, rel, _ := strings.Cut(name, ".")
		var oid uint32
		err := t.conn.QueryRow(ctx, `SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relname = $2`, schema, rel).Scan(&oid)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && !t.s.captured(schema, rel) {
			t.log.Warn("an incremental snapshot names a table that does not exist or is not captured; it is skipped", "table", name)
			in.collections, in.lastKey, in.maxKey = in.collections[1:], nil, nil
			st.pos.incremental = in.entries()
			continue
		}
		if err != nil {
			return fmt.Errorf("incremental snapshot of %s: %w", name, err)
		}
		tb, err := t.cat.describe(ctx, oid, schema, rel, nil)
		if err != nil {
			return fmt.Errorf("incremental snapshot of %s: %w", name, err)
		}
		if tb.key == nil || len(tb.keyIdx) == 0 {
			t.log.Warn("an incremental snapshot names a table without a primary key; it is skipped", "table", name)
			in.collections, in.lastKey, in.maxKey = in.collections[1:], nil, nil
			st.pos.incremental = in.entries()
			continue
		}
		var keyCols, cols, desc []string
		for _, i := range tb.keyIdx {
			n := pgx.Identifier{tb.columns[i].name}.Sanitize()
			keyCols = append(keyCols, n)
			desc = append(desc, n+" DESC")
		}
		for _, c := range tb.columns {
			cols = append(cols, pgx.Identifier{c.name}.Sanitize())
		}
		from := pgx.Identifier{schema, rel}.Sanitize()
		key := "(" + strings.Join(keyCols, ", ") + ")"
		if in.maxKey == nil {
			rows, err := st.textQuery(ctx, "SELECT "+strings.Join(keyCols, ", ")+" FROM "+from+" ORDER BY "+
				strings.Join(desc, ", ")+" LIMIT 1")
			if err != nil {
				return fmt.Errorf("incremental snapshot of %s: %w", name, err)
			}
			if len(rows) == 0 {
				t.log.Info("incremental snapshot of a table read: it is empty", "table", name)
				in.collections, in.lastKey = in.collections[1:], nil
				st.pos.incremental = in.entries()
				continue
			}
			in.maxKey = make([]string, len(keyCols))
			for i, c := range rows[0] {
				in.maxKey[i] = c.text
			}
		}
		q := "SELECT " + strings.Join(cols, ", ") + " FROM " + from + " WHERE " + key + " <= " + rowOf(in.maxKey)
		if in.lastKey != nil {
			q += " AND " + key + " > " + rowOf(in.lastKey)
		}
		q += " ORDER BY " + strings.Join(keyCols, ", ") + fmt.Sprintf(" LIMIT %d", t.s.chunkSize)

		var b [8]byte
		_, _ = rand.Read(b[:])
		window := hex.EncodeToString(b[:])
		sig := pgx.Identifier(strings.SplitN(t.s.signalTable, ".", 2)).Sanitize()
		stamp := `{"openWindowTimestamp": "` + time.Now().UTC().Format(time.RFC3339Nano) + `"}`
		if _, err := t.conn.Exec(ctx, "INSERT INTO "+sig+" (id, type, data) VALUES ($1, 'snapshot-window-open', $2)",
			window+"-open", stamp); err != nil {
			return fmt.Errorf("incremental snapshot of %s: opening a window in %s (%s): %w", name, t.s.signalTable,
				SignalDataCollectionConfig, err)
		}
		rows, err := st.textQuery(ctx, q)
		if err != nil {
			return fmt.Errorf("incremental snapshot of %s: %w", name, err)
		}
		if _, err := t.conn.Exec(ctx, "INSERT INTO "+sig+" (id, type, data) VALUES ($1, 'snapshot-window-close', $2)",
			window+"-close", `{}`); err != nil {
			return fmt.Errorf("incremental snapshot of %s: closing a window in %s: %w", name, t.s.signalTable, err)
		}
		in.window, in.open, in.tb, in.full = window, false, tb, len(rows) == t.s.chunkSize
		in.rows, in.index = make([]chunkRow, len(rows)), make(map[string]int, len(rows))
		for i, cells := range rows {
			k := keyOf(tb, cells)
			in.rows[i] = chunkRow{key: k, cells: cells}
			in.index[keyText(k)] = i
		}
	}
	return nil
}

// textQuery runs q with the simple protocol, which returns every value as
// text, as pgoutput sends them.
func (st *streamState) textQuery(ctx context.Context, q string) ([][]cell, error) {
	res := st.t.conn.PgConn().Exec(ctx, q)
	var out [][]cell
	for res.NextResult() {
		rr := res.ResultReader()
		for rr.NextRow() {
			vals := rr.Values()
			cells := make([]cell, len(vals))
			for i, v := range vals {
				if v == nil {
					cells[i] = cell{kind: 'n'}
				} else {
					cells[i] = cell{kind: 't', text: string(v)}
				}
			}
			out = append(out, cells)
		}
		if _, err := rr.Close(); err != nil {
			res.Close()
			return nil, err
		}
	}
	return out, res.Close()
}
