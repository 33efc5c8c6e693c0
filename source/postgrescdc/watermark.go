package postgrescdc

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pglogrepl"
)

// Without a signal table an incremental snapshot's chunk is ordered
// against the stream by watermarks the server gives, writing to no table,
// as Debezium's read-only incremental snapshots for PostgreSQL do: the low
// watermark is pg_current_snapshot() before the chunk is read, the high
// one pg_current_snapshot() and pg_current_wal_insert_lsn() after it.
//
// As Debezium, the window opens at the first transaction streamed whose
// id is not before the low watermark's xmin: a transaction before it had
// ended when the chunk was read, so the chunk holds what it did, and the
// stream sends it before the chunk. From there every key the stream
// changes is dropped from the chunk, as the stream carries the newer
// value.
//
// The chunk is sent, and the window closed, once the stream has passed
// every transaction the chunk saw (each committed before the chunk was
// read): at the first transaction whose id is not before the high
// watermark's xmax (it got its id after the chunk was read; Debezium
// waits for one past the xmax), or whose commit is at or past the high
// watermark's WAL position, or when, between transactions, the server
// says (in a keepalive, which the task asks for while a chunk waits) that
// it has sent everything before that position. Every transaction the
// stream sends after the chunk then committed after the chunk was read,
// and every one sent before it that the chunk did not see dropped its
// keys from the chunk: the records never go back in time. Debezium sends
// a chunk at the first transaction before the low watermark when its
// window has not opened, which, with the stream behind, sends rows newer
// than the changes that follow them; kconnect waits for the stream to
// pass the high watermark, and needs no heartbeat for it.

// pgSnapshot is the part of a pg_current_snapshot() the watermarks use.
type pgSnapshot struct{ xmin, xmax uint64 }

// parsePgSnapshot reads pg_snapshot's text, xmin:xmax:xip_list.
func parsePgSnapshot(s string) (pgSnapshot, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) != 3 {
		return pgSnapshot{}, fmt.Errorf("pg_current_snapshot() %q: not xmin:xmax:xip_list", s)
	}
	xmin, err1 := strconv.ParseUint(parts[0], 10, 64)
	xmax, err2 := strconv.ParseUint(parts[1], 10, 64)
	if err1 != nil || err2 != nil || xmax < xmin {
		return pgSnapshot{}, fmt.Errorf("pg_current_snapshot() %q: not xmin:xmax:xip_list", s)
	}
	return pgSnapshot{xmin: xmin, xmax: xmax}, nil
}

// xidBefore says whether transaction id a comes before b, as PostgreSQL
// compares the 32-bit ids pgoutput sends (modulo 2^32).
func xidBefore(a, b uint32) bool { return int32(a-b) < 0 }

// lowWatermark reads the server's current snapshot.
func (st *streamState) lowWatermark(ctx context.Context) (pgSnapshot, error) {
	var snap string
	if err := st.t.conn.QueryRow(ctx, "SELECT pg_current_snapshot()::text").Scan(&snap); err != nil {
		return pgSnapshot{}, fmt.Errorf("reading the low watermark (pg_current_snapshot): %w", err)
	}
	return parsePgSnapshot(snap)
}

// highWatermark reads the server's current snapshot and WAL insert
// position. The statement takes a transaction id, as Debezium does when
// its incremental snapshot starts: its commit, written after that
// position, has the server flush the WAL up to it, which the stream
// cannot pass before. Other records (such as those of pruning pages the
// chunk's query read) may otherwise stay unflushed, and the window open,
// until the server next logs its running transactions, every 15 s.
func (st *streamState) highWatermark(ctx context.Context) (pgSnapshot, uint64, error) {
	var snap, xid string
	var lsn pglogrepl.LSN
	if err := st.t.conn.QueryRow(ctx,
		"SELECT pg_current_snapshot()::text, pg_current_wal_insert_lsn()::text, pg_current_xact_id()::text").
		Scan(&snap, &lsn, &xid); err != nil {
		return pgSnapshot{}, 0, fmt.Errorf("reading the high watermark (pg_current_snapshot, pg_current_wal_insert_lsn, "+
			"pg_current_xact_id): %w", err)
	}
	ps, err := parsePgSnapshot(snap)
	return ps, uint64(lsn), err
}

// readChunkReadOnly reads a chunk (query q of table tb) between its two
// watermarks.
func (st *streamState) readChunkReadOnly(ctx context.Context, tb *table, q string) error {
	t, in := st.t, st.t.incr
	low, err := st.lowWatermark(ctx)
	if err != nil {
		return err
	}
	rows, err := st.textQuery(ctx, q)
	if err != nil {
		return err
	}
	high, highLSN, err := st.highWatermark(ctx)
	if err != nil {
		return err
	}
	in.setChunk("read-only", tb, rows, t.s.chunkSize)
	in.readOnly, in.low, in.high, in.highLSN = true, low, high, highLSN
	// The keepalive answering says how far the server has sent.
	in.pinged = time.Now()
	return t.sendStatus(ctx, true)
}

// windowAtBegin moves the window of a read-only chunk in flight at the
// start of a transaction: past the high watermark the chunk is sent
// before the transaction; from the low watermark on the window is open.
func (st *streamState) windowAtBegin(ctx context.Context, xid uint32, finalLSN uint64) error {
	in := st.t.incr
	if !in.readOnly || in.window == "" {
		return nil
	}
	if finalLSN >= in.highLSN || !xidBefore(xid, uint32(max(in.high.xmax, in.low.xmax))) {
		return st.closeWindow(ctx)
	}
	if !xidBefore(xid, uint32(in.low.xmin)) {
		in.open = true
	}
	return nil
}

// windowAtKeepalive sends a read-only chunk in flight once the server's
// keepalive, between transactions, says that everything before the high
// watermark's WAL position has been sent, and reads the next chunk.
func (st *streamState) windowAtKeepalive(ctx context.Context) error {
	in := st.t.incr
	if !in.readOnly || in.window == "" || st.inTx || st.walEnd < in.highLSN {
		return nil
	}
	if err := st.closeWindow(ctx); err != nil {
		return err
	}
	return st.nextChunk(ctx)
}

// pingInterval is how often, at most, the server is asked for a
// keepalive while a read-only chunk waits for the stream.
const pingInterval = 100 * time.Millisecond

// pingForWindow asks the server for a keepalive when a read-only chunk
// waits and none was asked for lately: on a quiet database no
// transaction comes to close its window.
func (st *streamState) pingForWindow(ctx context.Context) error {
	in := st.t.incr
	if !in.readOnly || in.window == "" || time.Since(in.pinged) < pingInterval {
		return nil
	}
	in.pinged = time.Now()
	return st.t.sendStatus(ctx, true)
}

// clearChunk forgets the chunk in flight.
func (in *incremental) clearChunk() {
	in.window, in.open, in.readOnly, in.tb, in.rows, in.index = "", false, false, nil, nil, nil
}

// snapshotResumable says whether a snapshot cut short can be finished as
// an incremental one (see takeSnapshot and prepare): in snapshot.mode
// initial or when_needed, with a signal table for its watermarks or on
// PostgreSQL 13 or later, whose pg_current_snapshot() gives them.
func (t *task) snapshotResumable() bool {
	if t.s.snapshotMode != SnapshotInitial && t.s.snapshotMode != SnapshotWhenNeeded {
		return false
	}
	if t.s.signalTable != "" {
		return true
	}
	// As the server reports it at connection: "15.4 (Debian 15.4-1)".
	v := t.conn.PgConn().ParameterStatus("server_version")
	n := 0
	for n < len(v) && v[n] >= '0' && v[n] <= '9' {
		n++
	}
	major, err := strconv.Atoi(v[:n])
	return err == nil && major >= 13
}
