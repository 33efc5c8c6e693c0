package postgrescdc

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pglogrepl"

	"github.com/kconnect-go/kconnect/connect"
)

// streamState is what the reading goroutine knows while it streams.
type streamState struct {
	t      *task
	tables map[uint32]*table // by relation OID; nil: a table not captured
	pos    position

	inTx     bool
	skipTx   bool // the transaction is wholly in the committed offsets
	finalLSN uint64
	// walEnd is the server's WAL position from its last keepalive
	// outside a transaction: everything before it has been sent.
	walEnd        uint64
	lastHeartbeat time.Time
	// emitted is the position of the last record queued.
	emitted position
	// tx counts the transaction's events (provide.transaction.metadata).
	tx txState
	// emittedTx is tx as of the last record queued.
	emittedTx txState
	// signals are the signal table's relations.
	signals map[uint32]signalColumns
}

// emitEvent queues a change event, numbered in its transaction when
// provide.transaction.metadata is on (which may queue its BEGIN first).
func (st *streamState) emitEvent(ctx context.Context, r *connect.Record, tb *table) error {
	if st.t.s.txMetadata {
		if err := st.txEvent(ctx, r, tb); err != nil {
			return err
		}
	}
	return st.emit(ctx, *r)
}

// emit queues a record at the current position.
func (st *streamState) emit(ctx context.Context, r connect.Record) error {
	if err := st.t.push(ctx, r, st.keepalive); err != nil {
		return err
	}
	st.emitted = st.pos
	if st.t.s.txMetadata {
		st.emittedTx = st.tx.clone()
	}
	return nil
}

func (st *streamState) keepalive() error {
	t := st.t
	if want := t.flushTarget.Load(); want > t.flushed {
		t.flushed = want
	}
	return t.sendStatus(context.Background(), false)
}

// skip says whether a change at lsn is already in the committed offsets:
// its transaction committed before lsn_commit, or it is in the offsets'
// transaction at or before lsn_proc.
func (st *streamState) skip(lsn uint64) bool {
	if st.skipTx {
		return true
	}
	r := &st.t.resume
	return r.txID != 0 && st.pos.txID == r.txID && r.msgType != "COMMIT" && lsn <= r.lsnProc
}

func (st *streamState) handle(ctx context.Context, lsn uint64, data []byte) error {
	t := st.t
	msg, err := pglogrepl.Parse(data)
	if err != nil {
		return fmt.Errorf("decoding a pgoutput message at %s: %w", pglogrepl.LSN(lsn), err)
	}
	switch m := msg.(type) {
	case *pglogrepl.BeginMessage:
		if err := st.windowAtBegin(ctx, m.Xid, uint64(m.FinalLSN)); err != nil {
			return err
		}
		st.inTx = true
		st.finalLSN = uint64(m.FinalLSN)
		st.pos.txID = int64(m.Xid)
		st.pos.commitTime = m.CommitTime
		st.pos.lsn = lsn
		st.pos.msgType = "BEGIN"
		st.skipTx = t.resume.lsnCommit != 0 && st.finalLSN < t.resume.lsnCommit
		st.tx.reset()
		if t.resumeTx.began && st.pos.txID == t.resume.txID {
			st.tx = t.resumeTx.clone()
		}
	case *pglogrepl.CommitMessage:
		st.inTx = false
		st.pos.lsn, st.pos.lsnProc, st.pos.lsnCommit = lsn, lsn, lsn
		st.pos.msgType = "COMMIT"
		if t.s.txMetadata && !st.skipTx {
			if err := st.txEnd(ctx); err != nil {
				return err
			}
		}
		if !st.skipTx && t.resume.txID != 0 && st.pos.txID == t.resume.txID {
			t.resume = position{lsnCommit: t.resume.lsnCommit}
			t.resumeTx = txState{}
		}
		st.skipTx = false
		if err := st.maybeHeartbeat(ctx); err != nil {
			return err
		}
		return st.nextChunk(ctx)
	case *pglogrepl.RelationMessage:
		if t.s.isSignal(m.Namespace, m.RelationName) {
			sc := signalColumns{-1, -1, -1}
			for i, c := range m.Columns {
				switch c.Name {
				case "id":
					sc.id = i
				case "type":
					sc.typ = i
				case "data":
					sc.data = i
				}
			}
			st.signals[m.RelationID] = sc
		}
		if !t.s.captured(m.Namespace, m.RelationName) {
			st.tables[m.RelationID] = nil
			return nil
		}
		cols := make([]relColumn, len(m.Columns))
		for i, c := range m.Columns {
			cols[i] = relColumn{name: c.Name, oid: c.DataType, typmod: c.TypeModifier}
		}
		tb, err := t.cat.describe(ctx, m.RelationID, m.Namespace, m.RelationName, cols)
		if err != nil {
			return err
		}
		if err := t.checkRelation(ctx, m); err != nil {
			return err
		}
		st.tables[m.RelationID] = tb
	case *pglogrepl.InsertMessage:
		return st.change(ctx, lsn, m.RelationID, "c", 0, nil, m.Tuple)
	case *pglogrepl.UpdateMessage:
		return st.change(ctx, lsn, m.RelationID, "u", m.OldTupleType, m.OldTuple, m.NewTuple)
	case *pglogrepl.DeleteMessage:
		return st.change(ctx, lsn, m.RelationID, "d", m.OldTupleType, m.OldTuple, nil)
	case *pglogrepl.TruncateMessage:
		st.pos.lsn, st.pos.lsnProc, st.pos.msgType = lsn, lsn, "TRUNCATE"
		if t.s.skipped["t"] || st.skip(lsn) {
			return nil
		}
		for _, id := range m.RelationIDs {
			tb := st.tables[id]
			if tb == nil {
				continue
			}
			r := t.changeRecord(tb, "t", nil, nil, nil, &st.pos)
			if err := st.emitEvent(ctx, &r, tb); err != nil {
				return err
			}
		}
	}
	return nil
}

var messageTypes = map[string]string{"c": "INSERT", "u": "UPDATE", "d": "DELETE"}

func cellsOf(td *pglogrepl.TupleData) []cell {
	if td == nil {
		return nil
	}
	out := make([]cell, len(td.Columns))
	for i, c := range td.Columns {
		out[i] = cell{kind: c.DataType}
		if c.DataType == pglogrepl.TupleDataTypeText {
			out[i].text = string(c.Data)
		}
	}
	return out
}

// change turns an insert, update or delete into its records.
func (st *streamState) change(ctx context.Context, lsn uint64, rel uint32, op string, oldType uint8,
	old, new *pglogrepl.TupleData) error {
	t := st.t
	st.pos.lsn, st.pos.lsnProc, st.pos.msgType = lsn, lsn, messageTypes[op]
	tb, known := st.tables[rel]
	if !known {
		return fmt.Errorf("a change at %s names relation %d, which no Relation message described", pglogrepl.LSN(lsn), rel)
	}
	if sc, ok := st.signals[rel]; ok && op == "c" && !st.skip(lsn) {
		if err := st.signal(ctx, sc, cellsOf(new)); err != nil {
			return err
		}
	}
	if tb == nil || st.skip(lsn) {
		return nil
	}
	oldCells, newCells := cellsOf(old), cellsOf(new)
	// A value TOAST keeps out of line that the update left alone comes
	// as unchanged; with REPLICA IDENTITY FULL the old row holds it, and
	// Debezium takes it from there.
	for i := range min(len(oldCells), len(newCells)) {
		if newCells[i].kind == 'u' && oldCells[i].kind == 't' {
			newCells[i] = oldCells[i]
		}
	}
	st.seen(tb, oldCells, newCells)
	if t.s.skipped[op] {
		return nil
	}
	if oldType == pglogrepl.UpdateMessageTupleTypeKey && tb.key != nil {
		// The old row holds the replica identity's columns only, all NOT
		// NULL: a key column without a value is outside it, and the
		// record's key cannot be told (the start refuses such a table;
		// this is a change written before it was fixed).
		for _, i := range tb.keyIdx {
			if i < len(oldCells) && oldCells[i].kind == 'n' {
				return fmt.Errorf("table %s.%s: the %s at %s has no old value of key column %s, which is outside the "+
					"table's REPLICA IDENTITY, so its record cannot be keyed: key the table by columns of its identity (%s), "+
					"or leave it out (%s)", tb.schema, tb.name, strings.ToLower(messageTypes[op]), pglogrepl.LSN(lsn),
					tb.columns[i].name, MessageKeyColumnsConfig, TableExcludeListConfig)
			}
		}
	}
	var before, after, key *connect.Struct
	var err error
	if oldCells != nil {
		if before, err = tb.row(tb.value, tb.valIdx, oldCells); err != nil {
			return err
		}
	}
	if newCells != nil {
		if after, err = tb.row(tb.value, tb.valIdx, newCells); err != nil {
			return err
		}
	}
	keyCells := newCells
	if op == "d" {
		keyCells = oldCells
	}
	if tb.key != nil {
		if key, err = tb.row(tb.key, tb.keyIdx, keyCells); err != nil {
			return err
		}
	}
	// An update that changes the key is, as in Debezium, a delete of the
	// old key (and its tombstone) and a create of the new one.
	if op == "u" && oldCells != nil && tb.key != nil {
		oldKey, err := tb.row(tb.key, tb.keyIdx, oldCells)
		if err != nil {
			return err
		}
		if !oldKey.Equal(key) {
			// Each names the other key in a header, ahead of the
			// context headers, as Debezium's do.
			del := t.changeRecord(tb, "d", before, nil, oldKey, &st.pos)
			del.Headers = keyHeader(newKeyHeader, tb.key, key, t.headers)
			if err := st.emitEvent(ctx, &del, tb); err != nil {
				return err
			}
			if t.s.tombstones {
				if err := st.emit(ctx, tombstone(del)); err != nil {
					return err
				}
			}
			cr := t.changeRecord(tb, "c", nil, after, key, &st.pos)
			cr.Headers = keyHeader(oldKeyHeader, tb.key, oldKey, t.headers)
			return st.emitEvent(ctx, &cr, tb)
		}
	}
	r := t.changeRecord(tb, op, before, after, key, &st.pos)
	if err := st.emitEvent(ctx, &r, tb); err != nil {
		return err
	}
	if op == "d" && t.s.tombstones {
		return st.emit(ctx, tombstone(r))
	}
	return nil
}

// maybeHeartbeat sends a heartbeat record when heartbeat.interval.ms has
// passed since the last, so that the offsets, and so the slot, advance
// even when no captured table changes.
func (st *streamState) maybeHeartbeat(ctx context.Context) error {
	t := st.t
	if t.s.heartbeat <= 0 || time.Since(st.lastHeartbeat) < t.s.heartbeat {
		return nil
	}
	st.lastHeartbeat = time.Now()
	return st.emit(ctx, t.heartbeat(&st.pos))
}

// idle runs when the slot has had nothing to send for a while: outside a
// transaction, everything before the server's last keepalive position
// has been seen, so a heartbeat may carry it.
func (st *streamState) idle(ctx context.Context) error {
	if st.inTx {
		return nil
	}
	if st.walEnd > st.pos.lsnCommit && st.t.s.heartbeat > 0 && time.Since(st.lastHeartbeat) >= st.t.s.heartbeat {
		st.pos.lsn, st.pos.lsnProc, st.pos.lsnCommit = st.walEnd, st.walEnd, st.walEnd
		st.pos.msgType = "COMMIT"
		if st.pos.commitTime.IsZero() {
			st.pos.commitTime = time.Now()
		}
	}
	if err := st.maybeHeartbeat(ctx); err != nil {
		return err
	}
	return st.nextChunk(ctx)
}
