package postgrescdc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kconnect-go/kconnect/connect"
)

// Debezium's offset keys of an incremental snapshot in progress
// (AbstractIncrementalSnapshotContext.store).
const (
	incrCollectionsKey = "incremental_snapshot_collections"
	incrPrimaryKey     = "incremental_snapshot_primary_key"
	incrMaximumKey     = "incremental_snapshot_maximum_key"
	incrCorrelationKey = "incremental_snapshot_correlation_id"
	// incrementalSnapshotKind is the offsets' snapshot value on an
	// incremental snapshot's records.
	incrementalSnapshotKind = "INCREMENTAL"
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
	// lastKey and maxKey are keys as Debezium keeps them: the Java
	// values its JDBC driver reads for the key columns (see javaKey).
	lastKey []any // the key of the last row sent; nil: from the start
	maxKey  []any // the table's largest key when its snapshot began; nil: not read yet
	// correlation is the id of the execute-snapshot signal, "" for none.
	correlation string
	// paused by a pause-snapshot signal: no chunk is read until a
	// resume-snapshot. As in Debezium it is not in the offsets.
	paused bool
	// stop are the data-collections of stop-snapshot signals, applied
	// before the next chunk; "" stops every table.
	stop []string

	// The chunk in flight; window is "" when there is none.
	window string
	open   bool
	// readOnly: the chunk's watermarks are the server's, not signal
	// table rows (see watermark.go).
	readOnly bool
	low      pgSnapshot
	high     pgSnapshot
	highLSN  uint64
	pinged   time.Time // when a keepalive was last asked for
	tb       *table
	rows     []chunkRow
	index    map[string]int
	full     bool
}

type chunkRow struct {
	key   []string
	cells []cell
	drop  bool
}

// next moves the snapshot to its next table, ending it after the last.
func (in *incremental) next() {
	in.collections, in.lastKey, in.maxKey = in.collections[1:], nil, nil
	if len(in.collections) == 0 {
		// As Debezium drops stop requests once no snapshot runs: a
		// later snapshot is not stopped by them.
		in.correlation, in.stop, in.paused = "", nil, false
	}
}

// entries are the offset entries of the state as Debezium's store writes
// them, none when no incremental snapshot is in progress.
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
	// As Jackson writes it: no HTML escapes.
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(cs)
	// The keys hold only values javaKey makes or decodeJavaKey read,
	// which encode.
	last, _ := encodeJavaKey(in.lastKey)
	maxKey, _ := encodeJavaKey(in.maxKey)
	var corr any
	if in.correlation != "" {
		corr = in.correlation
	}
	return []connect.MapEntry{
		{Key: incrPrimaryKey, Value: last},
		{Key: incrMaximumKey, Value: maxKey},
		{Key: incrCollectionsKey, Value: strings.TrimSuffix(b.String(), "\n")},
		{Key: incrCorrelationKey, Value: corr},
	}
}

// readIncremental restores an incremental snapshot in progress from a
// committed offset, written by this connector or by Debezium.
func readIncremental(off connect.Offset, log *slog.Logger) (*incremental, error) {
	in := &incremental{}
	v, ok := off.Get(incrCollectionsKey)
	if !ok || v == nil {
		return in, nil
	}
	str, _ := v.(string)
	var cs []struct {
		ID        string `json:"incremental_snapshot_collections_id"`
		Condition string `json:"incremental_snapshot_collections_additional_condition"`
		Surrogate string `json:"incremental_snapshot_collections_surrogate_key"`
	}
	if err := json.Unmarshal([]byte(str), &cs); err != nil {
		return nil, fmt.Errorf("the committed offset's %s %q: %w", incrCollectionsKey, str, err)
	}
	for _, c := range cs {
		if c.Condition != "" || c.Surrogate != "" {
			log.Warn("an incremental snapshot in progress has an additional condition or a surrogate key, which are not "+
				"supported: the whole table is read by its primary key", "table", c.ID, "condition", c.Condition,
				"surrogate_key", c.Surrogate)
		}
		in.collections = append(in.collections, c.ID)
	}
	for k, dst := range map[string]*[]any{incrPrimaryKey: &in.lastKey, incrMaximumKey: &in.maxKey} {
		v, ok := off.Get(k)
		if !ok || v == nil {
			continue
		}
		s, _ := v.(string)
		if strings.HasPrefix(s, "[") {
			// Earlier versions of this connector wrote the key columns'
			// text as a JSON array.
			var text []string
			if err := json.Unmarshal([]byte(s), &text); err == nil {
				*dst = make([]any, len(text))
				for i, x := range text {
					(*dst)[i] = x
				}
				continue
			}
		}
		key, err := decodeJavaKey(s)
		if err != nil {
			return nil, fmt.Errorf("the committed offset's %s %q (not a serialized Object[] of key values): %w", k, s, err)
		}
		*dst = key
	}
	if v, ok := off.Get(incrCorrelationKey); ok {
		in.correlation, _ = v.(string)
	}
	return in, nil
}

// javaKey is a key as Debezium holds it: each column's value as the
// class PostgreSQL's JDBC driver gives it (Debezium reads numeric with
// getBigDecimal and the time types with getString, the rest with
// getObject). Types whose classes are not written (date, bytea, json,
// enums and others) are kept as their text, a String.
func javaKey(tb *table, cells []cell) ([]any, error) {
	out := make([]any, len(tb.keyIdx))
	for i, ci := range tb.keyIdx {
		c, col := cells[ci], tb.columns[ci]
		if c.kind == 'n' {
			continue
		}
		v, err := javaValue(col.typ.oid, c.text)
		if err != nil {
			return nil, fmt.Errorf("key column %s (%s) value %q: %w", col.name, col.typ.name, c.text, err)
		}
		out[i] = v
	}
	return out, nil
}

func javaValue(oid uint32, text string) (any, error) {
	switch oid {
	case oidInt2, oidInt4:
		v, err := strconv.ParseInt(text, 10, 32)
		return javaInt(v), err
	case oidInt8, oidOID:
		v, err := strconv.ParseInt(text, 10, 64)
		return javaLong(v), err
	case oidBool:
		return text == "t" || text == "true", nil
	case oidFloat4:
		v, err := strconv.ParseFloat(text, 32)
		return javaFloat(v), err
	case oidFloat8:
		v, err := strconv.ParseFloat(text, 64)
		return javaDouble(v), err
	case oidNumeric:
		if d, ok := parseJavaDecimal(text); ok {
			return d, nil
		}
		return text, nil // NaN and the infinities: no BigDecimal holds them
	case oidUUID:
		h := strings.ReplaceAll(text, "-", "")
		if len(h) != 32 {
			return nil, errors.New("not a UUID")
		}
		msb, err1 := strconv.ParseUint(h[:16], 16, 64)
		lsb, err2 := strconv.ParseUint(h[16:], 16, 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		return javaUUID{msb: int64(msb), lsb: int64(lsb)}, nil
	}
	return text, nil
}

// parseJavaDecimal reads numeric's text (digits, an optional point) as
// new BigDecimal(String) does: the scale is the number of digits after
// the point.
func parseJavaDecimal(s string) (javaDecimal, bool) {
	intPart, frac, _ := strings.Cut(s, ".")
	u, ok := new(big.Int).SetString(intPart+frac, 10)
	if !ok {
		return javaDecimal{}, false
	}
	return javaDecimal{unscaled: u, scale: int32(len(frac))}, true
}

// keyLiteralText is a Java key value's text for a query literal.
func keyLiteralText(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case javaInt, javaLong, javaShort, javaByte:
		return fmt.Sprint(v), nil
	case bool:
		return strconv.FormatBool(v), nil
	case javaFloat:
		return pgFloat(float64(v), 32), nil
	case javaDouble:
		return pgFloat(float64(v), 64), nil
	case *big.Int:
		return v.String(), nil
	case javaDecimal:
		digits := new(big.Int).Abs(v.unscaled).String()
		sign := ""
		if v.unscaled.Sign() < 0 {
			sign = "-"
		}
		if v.scale <= 0 {
			if v.unscaled.Sign() == 0 {
				return "0", nil
			}
			return sign + digits + strings.Repeat("0", int(-v.scale)), nil
		}
		if n := int(v.scale) - len(digits) + 1; n > 0 {
			digits = strings.Repeat("0", n) + digits
		}
		at := len(digits) - int(v.scale)
		return sign + digits[:at] + "." + digits[at:], nil
	case javaUUID:
		h := fmt.Sprintf("%016x%016x", uint64(v.msb), uint64(v.lsb))
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
	case nil:
		return "", errors.New("a null key value")
	}
	return "", fmt.Errorf("a key value of type %T", v)
}

func pgFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
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

// signalData is the data of Debezium's snapshot signals.
type signalData struct {
	Collections []string        `json:"data-collections"`
	Type        string          `json:"type"`
	Conditions  json.RawMessage `json:"additional-conditions"`
	Surrogate   string          `json:"surrogate-key"`
}

// signal handles a row inserted into the signal table: Debezium's
// execute-snapshot, stop-snapshot, pause-snapshot and resume-snapshot,
// and the windows of the chunk in flight.
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
	parse := func() (signalData, bool) {
		var d signalData
		if strings.TrimSpace(data) != "" {
			if err := json.Unmarshal([]byte(data), &d); err != nil {
				t.log.Warn("a "+typ+" signal whose data is not JSON is ignored", "id", id, "data", data, "error", err)
				return d, false
			}
		}
		if d.Type != "" && !strings.EqualFold(d.Type, "incremental") {
			t.log.Warn("only incremental snapshots are taken or stopped on a signal; the signal is ignored", "id", id,
				"signal", typ, "type", d.Type)
			return d, false
		}
		for i, c := range d.Collections {
			d.Collections[i] = strings.TrimSpace(c)
		}
		return d, true
	}
	switch typ {
	case "execute-snapshot":
		d, ok := parse()
		if !ok {
			return nil
		}
		if len(d.Collections) == 0 {
			t.log.Warn("an execute-snapshot signal names no data-collections; it is ignored", "id", id)
			return nil
		}
		if c := strings.TrimSpace(string(d.Conditions)); c != "" && c != "null" && c != "[]" || d.Surrogate != "" {
			t.log.Warn("additional-conditions and surrogate-key are not supported: the whole tables are read by "+
				"their primary keys", "id", id, "additional-conditions", c, "surrogate-key", d.Surrogate)
		}
		names, err := st.expand(ctx, d.Collections)
		if err != nil {
			return err
		}
		in.collections = append(in.collections, names...)
		in.correlation = id
		t.log.Info("an incremental snapshot is asked for", "id", id, "data-collections", d.Collections, "tables", names)
		st.pos.incremental = in.entries()
	case "stop-snapshot":
		d, ok := parse()
		if !ok {
			return nil
		}
		if len(in.collections) == 0 {
			t.log.Warn("a stop-snapshot signal while no incremental snapshot runs is ignored", "id", id)
			return nil
		}
		if len(d.Collections) == 0 {
			d.Collections = []string{".*"}
		}
		in.stop = append(in.stop, d.Collections...)
		t.log.Info("a stop of the incremental snapshot is asked for", "id", id, "data-collections", d.Collections)
	case "pause-snapshot":
		if len(in.collections) > 0 && !in.paused {
			in.paused = true
			t.log.Info("incremental snapshot paused", "id", id)
		}
	case "resume-snapshot":
		if len(in.collections) > 0 && in.paused {
			in.paused = false
			t.log.Info("incremental snapshot resumed", "id", id)
		}
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

// expand turns a signal's data-collections into tables as Debezium does:
// each is a regular expression matched against the whole schema.table
// of every captured table; one that matches none is taken as a table
// name (in schema public when it has no schema). Names come once each,
// in the order found.
func (st *streamState) expand(ctx context.Context, patterns []string) ([]string, error) {
	tables, err := st.t.cat.capturedTables(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the captured tables for a snapshot signal: %w", err)
	}
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, p := range patterns {
		matched := false
		if re, err := regexp.Compile("^(?:" + p + ")$"); err == nil {
			for _, tb := range tables {
				if n := tb.schema + "." + tb.name; re.MatchString(n) {
					add(n)
					matched = true
				}
			}
		}
		if !matched {
			if !strings.Contains(p, ".") {
				p = "public." + p
			}
			add(p)
		}
	}
	return out, nil
}

// applyStop removes the tables stop-snapshot signals named, matched as
// execute-snapshot's are, before the next chunk is read.
func (st *streamState) applyStop(ctx context.Context) error {
	in := st.t.incr
	if len(in.stop) == 0 {
		return nil
	}
	names, err := st.expand(ctx, in.stop)
	if err != nil {
		return err
	}
	in.stop = nil
	drop := map[string]bool{}
	for _, n := range names {
		drop[n] = true
	}
	var stopped []string
	if drop[in.collections[0]] {
		stopped = append(stopped, in.collections[0])
		in.next()
	}
	kept := in.collections[:0]
	for _, c := range in.collections {
		if drop[c] {
			stopped = append(stopped, c)
		} else {
			kept = append(kept, c)
		}
	}
	in.collections = kept
	if len(in.collections) == 0 {
		in.correlation, in.paused = "", false
	}
	st.t.log.Info("tables removed from the incremental snapshot", "tables", stopped)
	st.pos.incremental = in.entries()
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
	tb, rows, full := in.tb, in.rows, in.full
	in.clearChunk()
	var send []chunkRow
	for _, r := range rows {
		if !r.drop {
			send = append(send, r)
		}
	}
	for i, r := range send {
		// Each record carries the key of its row, as Debezium's
		// lastEventKeySent; the last the state past the chunk.
		key, err := javaKey(tb, r.cells)
		if err != nil {
			return fmt.Errorf("incremental snapshot of %s.%s: %w", tb.schema, tb.name, err)
		}
		in.lastKey = key
		if i == len(send)-1 {
			st.pastChunk(tb, rows, full)
		}
		p := st.pos
		if p.commitTime.IsZero() { // no transaction streamed yet
			p.commitTime = time.Now()
		}
		p.snapshot = "incremental"
		// Debezium's snapshot flags: true once the task has taken its
		// initial snapshot, false when it started on a streamed offset.
		p.last = t.snapshotDone
		p.incremental = in.entries()
		after, err := tb.row(tb.value, tb.valIdx, r.cells)
		if err != nil {
			return fmt.Errorf("incremental snapshot of %s.%s: %w", tb.schema, tb.name, err)
		}
		keySt, err := tb.row(tb.key, tb.keyIdx, r.cells)
		if err != nil {
			return fmt.Errorf("incremental snapshot of %s.%s: %w", tb.schema, tb.name, err)
		}
		if err := st.emit(ctx, t.changeRecord(tb, "r", nil, after, keySt, &p)); err != nil {
			return err
		}
	}
	if len(send) == 0 {
		st.pastChunk(tb, rows, full)
	}
	st.pos.incremental = in.entries()
	return nil
}

// pastChunk moves the state past a chunk read: after its last row, or to
// the next table when it was the table's last.
func (st *streamState) pastChunk(tb *table, rows []chunkRow, full bool) {
	in := st.t.incr
	if len(rows) > 0 {
		if k, err := javaKey(tb, rows[len(rows)-1].cells); err == nil {
			in.lastKey = k
		}
	}
	if !full {
		st.t.log.Info("incremental snapshot of a table read", "table", in.collections[0])
		in.next()
	}
}

func literal(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }

// rowOf is a key's row literal, each value quoted so that the server
// reads it as its column's type.
func rowOf(vals []any) (string, error) {
	q := make([]string, len(vals))
	for i, v := range vals {
		s, err := keyLiteralText(v)
		if err != nil {
			return "", err
		}
		q[i] = literal(s)
	}
	return "(" + strings.Join(q, ", ") + ")", nil
}

// nextChunk reads the next chunk of the incremental snapshot between the
// open and close windows it writes to the signal table, when one is due
// and none is in flight. It runs between transactions of the stream.
func (st *streamState) nextChunk(ctx context.Context) error {
	t, in := st.t, st.t.incr
	if err := st.pingForWindow(ctx); err != nil {
		return err
	}
	if in.window == "" && len(in.collections) > 0 {
		if err := st.applyStop(ctx); err != nil {
			return err
		}
	}
	for in.window == "" && len(in.collections) > 0 && !in.paused {
		name := in.collections[0]
		schema, rel, _ := strings.Cut(name, ".")
		var oid uint32
		err := t.conn.QueryRow(ctx, `SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relname = $2`, schema, rel).Scan(&oid)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && !t.s.captured(schema, rel) {
			t.log.Warn("an incremental snapshot names a table that does not exist or is not captured; it is skipped", "table", name)
			in.next()
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
			in.next()
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
				in.next()
				st.pos.incremental = in.entries()
				continue
			}
			// The query's columns are the key's, in order.
			keyOnly := &table{columns: make([]column, len(tb.keyIdx)), keyIdx: make([]int, len(tb.keyIdx))}
			for i, ci := range tb.keyIdx {
				keyOnly.columns[i], keyOnly.keyIdx[i] = tb.columns[ci], i
			}
			if in.maxKey, err = javaKey(keyOnly, rows[0]); err != nil {
				return fmt.Errorf("incremental snapshot of %s: %w", name, err)
			}
		}
		maxRow, err := rowOf(in.maxKey)
		if err != nil {
			return fmt.Errorf("incremental snapshot of %s: the maximum key %v: %w", name, in.maxKey, err)
		}
		q := "SELECT " + strings.Join(cols, ", ") + " FROM " + from + " WHERE " + key + " <= " + maxRow
		if in.lastKey != nil {
			lastRow, err := rowOf(in.lastKey)
			if err != nil {
				return fmt.Errorf("incremental snapshot of %s: the last key %v: %w", name, in.lastKey, err)
			}
			q += " AND " + key + " > " + lastRow
		}
		q += " ORDER BY " + strings.Join(keyCols, ", ") + fmt.Sprintf(" LIMIT %d", t.s.chunkSize)

		if t.s.signalTable == "" {
			// No table to write watermarks to: the server's transaction
			// snapshots and WAL position are the watermarks.
			if err := st.readChunkReadOnly(ctx, tb, q); err != nil {
				return fmt.Errorf("incremental snapshot of %s: %w", name, err)
			}
			continue
		}
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
		in.setChunk(window, tb, rows, t.s.chunkSize)
	}
	return nil
}

// setChunk makes rows the chunk in flight, its window not yet open.
func (in *incremental) setChunk(window string, tb *table, rows [][]cell, chunkSize int) {
	in.window, in.open, in.tb, in.full = window, false, tb, len(rows) == chunkSize
	in.rows, in.index = make([]chunkRow, len(rows)), make(map[string]int, len(rows))
	for i, cells := range rows {
		k := keyOf(tb, cells)
		in.rows[i] = chunkRow{key: k, cells: cells}
		in.index[keyText(k)] = i
	}
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
