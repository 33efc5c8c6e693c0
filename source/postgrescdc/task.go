package postgrescdc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/version"
	"github.com/kconnect-go/kconnect/source"
)

// sessionParams are set on both connections so that values come as text
// in the forms the mappers read, whatever the server's defaults.
var sessionParams = map[string]string{
	"DateStyle":          "ISO, YMD",
	"TimeZone":           "UTC",
	"IntervalStyle":      "iso_8601",
	"extra_float_digits": "3",
	"bytea_output":       "hex",
	"lc_monetary":        "C",
	"application_name":   "kconnect-postgrescdc",
}

// connConfig returns the connection configuration of the settings; the
// password is set on the parsed configuration, so that it never appears
// in a connection string an error might quote.
func (s *settings) connConfig(replication bool) (*pgx.ConnConfig, error) {
	var dsn strings.Builder
	for _, kv := range [][2]string{{"host", s.host}, {"port", strconv.Itoa(s.port)}, {"user", s.user},
		{"dbname", s.dbname}, {"sslmode", s.sslmode}} {
		fmt.Fprintf(&dsn, "%s='%s' ", kv[0], strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(kv[1]))
	}
	cfg, err := pgx.ParseConfig(dsn.String())
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", HostnameConfig, PortConfig, err)
	}
	cfg.Password = s.password.Value()
	for k, v := range sessionParams {
		cfg.RuntimeParams[k] = v
	}
	if replication {
		cfg.RuntimeParams["replication"] = "database"
	}
	return cfg, nil
}

// task is the connector's one task: it reads the slot (after a snapshot
// when one is due) on a goroutine of its own, which queues records for
// Poll.
type task struct {
	s         *settings
	log       *slog.Logger
	tc        source.TaskContext
	partition connect.SourcePartition
	version   string
	// headers are the context headers every change event carries.
	headers connect.Headers

	conn *pgx.Conn
	repl *pgconn.PgConn
	cat  *catalog

	queue  chan connect.Record
	done   chan struct{}
	err    error // set before done is closed
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// flushTarget is the LSN the committed offsets allow the slot to
	// confirm; the reading goroutine sends it to the server.
	flushTarget atomic.Uint64
	flushKick   chan struct{}

	// Set by Start for the reading goroutine.
	snapshot     bool
	snapshotName string // an exported snapshot, already imported in snapTx
	snapTx       pgx.Tx
	snapLSN      uint64
	snapshotDone bool
	createdSlot  bool // by this task, at its start or when retaking the snapshot
	streaming    bool
	startLSN     uint64
	flushed      uint64 // the LSN last confirmed to the server
	incr         *incremental
	resume       position
	resumeTx     txState // the transaction resume stopped in
	// pubChanges: the publication publishes updates or deletes, which
	// PostgreSQL refuses for a table whose rows it cannot identify.
	pubChanges bool
}

func newTask() *task { return &task{} }

// Start connects, makes sure the publication and the slot exist, and
// decides whether to take a snapshot, then starts reading.
func (t *task) Start(ctx context.Context, config map[string]string, tc source.TaskContext) (err error) {
	s, err := parseSettings(config)
	if err != nil {
		return fmt.Errorf("PostgresConnector: %w", err)
	}
	t.s, t.tc, t.log = s, tc, tc.Logger()
	t.version = version.Kconnect()
	t.partition = connect.NewSourcePartition("server", s.prefix)
	t.headers = contextHeaders(s.prefix, newRunID())
	defer func() {
		if err != nil {
			t.close(context.Background())
		}
	}()
	off, err := tc.Offsets().Offset(ctx, t.partition)
	if err != nil {
		return fmt.Errorf("PostgresConnector: reading the committed offset of %s: %w", t.partition, err)
	}
	// As Debezium, a task that will not stream (initial_only) opens no
	// replication connection and makes no publication or slot, which
	// would hold WAL for ever.
	t.streaming = s.snapshotMode != SnapshotInitialOnly
	if err := t.connect(ctx); err != nil {
		return fmt.Errorf("PostgresConnector: %w", err)
	}
	t.cat = &catalog{conn: t.conn, s: s, log: t.log, types: map[uint32]typeInfo{}}
	if t.streaming {
		if err := t.checkReplicaIdentity(ctx); err != nil {
			return fmt.Errorf("PostgresConnector: %w", err)
		}
		if err := t.ensurePublication(ctx); err != nil {
			return fmt.Errorf("PostgresConnector: %w", err)
		}
	}
	if err := t.prepare(ctx, off); err != nil {
		return fmt.Errorf("PostgresConnector: %w", err)
	}
	if t.incr, err = readIncremental(off, t.log); err != nil {
		return fmt.Errorf("PostgresConnector: %w", err)
	}
	if kind, ok := off.Get("snapshot"); ok && kind != incrementalSnapshotKind && t.snapshot {
		// A snapshot cut short that is taken again from its start: what
		// its offset says is left to read is no longer.
		t.incr = &incremental{}
	}
	t.queue = make(chan connect.Record, s.maxQueue)
	t.done = make(chan struct{})
	t.flushKick = make(chan struct{}, 1)
	t.flushTarget.Store(t.flushed)
	rctx, cancel := context.WithCancel(context.Background())
	t.cancel = cancel
	t.wg.Add(1)
	go t.run(rctx)
	return nil
}

// connect opens the two connections: the ordinary one and, when the task
// streams, the replication one.
func (t *task) connect(ctx context.Context) error {
	s := t.s
	cfg, err := s.connConfig(false)
	if err != nil {
		return err
	}
	if t.conn, err = pgx.ConnectConfig(ctx, cfg); err != nil {
		return fmt.Errorf("connecting to %s:%d/%s: %w", s.host, s.port, s.dbname, err)
	}
	if !t.streaming {
		return nil
	}
	rcfg, err := s.connConfig(true)
	if err != nil {
		return err
	}
	if t.repl, err = pgconn.ConnectConfig(ctx, &rcfg.Config); err != nil {
		return fmt.Errorf("opening a replication connection to %s:%d/%s: %w", s.host, s.port, s.dbname, err)
	}
	return nil
}

// ensurePublication creates the publication as publication.autocreate.mode
// says when it does not exist. In filtered mode an existing publication
// is altered to publish exactly the captured tables, as Debezium does,
// and one FOR ALL TABLES, which cannot be, is refused.
func (t *task) ensurePublication(ctx context.Context) error {
	var all bool
	err := t.conn.QueryRow(ctx, "SELECT puballtables FROM pg_publication WHERE pubname = $1", t.s.publication).Scan(&all)
	exists := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("looking for publication %q: %w", t.s.publication, err)
	}
	if exists && t.s.autocreate != "filtered" {
		return t.checkPublication(ctx, all)
	}
	name := pgx.Identifier{t.s.publication}.Sanitize()
	var q string
	switch t.s.autocreate {
	case "disabled":
		return fmt.Errorf("publication %q does not exist and %s is disabled: create it, or set %s to all_tables or filtered",
			t.s.publication, PublicationAutocreateConfig, PublicationAutocreateConfig)
	case "filtered":
		if all {
			return fmt.Errorf("%s is filtered and publication %q (%s) publishes all tables, which cannot be altered to "+
				"the captured ones: drop it for the connector to create it, create it FOR TABLE, or set %s to all_tables",
				PublicationAutocreateConfig, t.s.publication, PublicationNameConfig, PublicationAutocreateConfig)
		}
		names, err := t.publishedTables(ctx)
		if err != nil {
			return err
		}
		if len(names) == 0 {
			return fmt.Errorf("%s is filtered and no table is captured: publication %q cannot be created",
				PublicationAutocreateConfig, t.s.publication)
		}
		var quoted []string
		for _, n := range names {
			quoted = append(quoted, pgx.Identifier{n[0], n[1]}.Sanitize())
		}
		if exists {
			current, err := t.publicationTables(ctx)
			if err != nil {
				return err
			}
			want := map[string]bool{}
			for _, n := range names {
				want[n[0]+"."+n[1]] = true
			}
			same := len(current) == len(want)
			for _, c := range current {
				same = same && want[c]
			}
			if same {
				return nil
			}
			q = "ALTER PUBLICATION " + name + " SET TABLE " + strings.Join(quoted, ", ")
			if _, err := t.conn.Exec(ctx, q); err != nil {
				return fmt.Errorf("altering publication %q to the captured tables (%s=filtered): %w",
					t.s.publication, PublicationAutocreateConfig, err)
			}
			t.log.Info("altered the publication to publish the captured tables", "publication", t.s.publication,
				"was", current, "tables", quoted)
			return nil
		}
		q = "CREATE PUBLICATION " + name + " FOR TABLE " + strings.Join(quoted, ", ")
	default:
		q = "CREATE PUBLICATION " + name + " FOR ALL TABLES"
		if err := t.warnAllTables(ctx); err != nil {
			return err
		}
	}
	if _, err := t.conn.Exec(ctx, q); err != nil {
		return fmt.Errorf("creating publication %q (%s): %w", t.s.publication, PublicationAutocreateConfig, err)
	}
	t.log.Info("created the publication", "publication", t.s.publication, "mode", t.s.autocreate)
	return nil
}

// publishedTables returns the tables a filtered publication is to
// publish: the captured ones, and the signal table, as Debezium adds it
// to the table filter.
func (t *task) publishedTables(ctx context.Context) ([][2]string, error) {
	tables, err := t.cat.capturedTables(ctx)
	if err != nil {
		return nil, err
	}
	var out [][2]string
	seen := map[string]bool{}
	for _, tb := range tables {
		out = append(out, [2]string{tb.schema, tb.name})
		seen[tb.schema+"."+tb.name] = true
	}
	if sig := t.s.signalTable; sig != "" && !seen[sig] {
		if schema, name, ok := strings.Cut(sig, "."); ok {
			var found bool
			if err := t.conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
				WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p'))`, schema, name).Scan(&found); err != nil {
				return nil, fmt.Errorf("looking for the signal table %s (%s): %w", sig, SignalDataCollectionConfig, err)
			}
			if found {
				out = append(out, [2]string{schema, name})
			}
		}
	}
	return out, nil
}

// publicationTables lists the tables the existing publication publishes,
// as schema.table.
func (t *task) publicationTables(ctx context.Context) ([]string, error) {
	rows, err := t.conn.Query(ctx, "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = $1",
		t.s.publication)
	if err != nil {
		return nil, fmt.Errorf("listing the tables of publication %q: %w", t.s.publication, err)
	}
	published, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("listing the tables of publication %q: %w", t.s.publication, err)
	}
	return published, nil
}

// checkPublication looks for captured tables an existing publication
// (all_tables or disabled mode) does not publish, whose changes would
// never come. Debezium streams on without a word; here table.include.list
// naming them is an error, and other captured tables it lacks a warning.
func (t *task) checkPublication(ctx context.Context, all bool) error {
	if all {
		return nil
	}
	tables, err := t.cat.capturedTables(ctx)
	if err != nil {
		return err
	}
	published, err := t.publicationTables(ctx)
	if err != nil {
		return err
	}
	in := map[string]bool{}
	for _, p := range published {
		in[p] = true
	}
	var missing []string
	for _, tb := range tables {
		if n := tb.schema + "." + tb.name; !in[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if len(t.s.tableInclude) > 0 {
		return fmt.Errorf("%s: publication %q (%s) does not publish %s: add them to it (ALTER PUBLICATION ... ADD TABLE)",
			TableIncludeListConfig, t.s.publication, PublicationNameConfig, strings.Join(missing, ", "))
	}
	t.log.Warn("the publication does not publish some captured tables: their changes are not streamed",
		"publication", t.s.publication, "tables", missing)
	return nil
}

// prepare creates the slot when it does not exist, and works out from the
// committed offset and snapshot.mode whether to take a snapshot and where
// to start streaming.
func (t *task) prepare(ctx context.Context, off connect.Offset) error {
	s := t.s
	if !t.streaming {
		lastSnap, _ := off.Get("last_snapshot_record")
		_, inSnapshot := off.Get("snapshot")
		if t.snapshot = off.IsZero() || (inSnapshot && lastSnap != true); t.snapshot {
			return t.beginSnapshot(ctx)
		}
		return nil
	}
	var (
		plugin, db, walStatus string
		flush                 pglogrepl.LSN
		exists                = true
	)
	err := t.conn.QueryRow(ctx, `SELECT plugin, database, coalesce(confirmed_flush_lsn, '0/0')::text,
		coalesce(wal_status, '') FROM pg_replication_slots WHERE slot_name = $1`, s.slot).Scan(&plugin, &db, &flush, &walStatus)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		exists = false
	case err != nil:
		return fmt.Errorf("looking for slot %q: %w", s.slot, err)
	case plugin != "pgoutput":
		return fmt.Errorf("%s: slot %q decodes with %q, not pgoutput: drop it or name another slot", SlotNameConfig, s.slot, plugin)
	case db != s.dbname:
		return fmt.Errorf("%s: slot %q belongs to database %q, not %q", SlotNameConfig, s.slot, db, s.dbname)
	}
	hasOffset := !off.IsZero()
	snapKind, inSnapshot := off.Get("snapshot")
	// Debezium's offsets of incremental snapshot records say snapshot
	// INCREMENTAL: their position is a streamed one.
	inSnapshot = inSnapshot && snapKind != incrementalSnapshotKind
	lastSnap, _ := off.Get("last_snapshot_record")
	incomplete := inSnapshot && lastSnap != true
	if incomplete && exists && walStatus != "lost" && t.snapshotResumable() {
		// A snapshot cut short whose records carry the tables left and
		// the last key (see takeSnapshot), on a slot that has confirmed
		// nothing past the snapshot's LSN: its exported snapshot is gone,
		// but streaming from that LSN while reading the rest as an
		// incremental snapshot, whose watermarks order the reads against
		// the stream, sends each committed row once and misses nothing.
		snapLSN := readPosition(off).lsn
		if v, ok := off.Get(incrCollectionsKey); ok && v != nil && snapLSN != 0 && uint64(flush) <= snapLSN {
			t.log.Info("the snapshot cut short is finished as an incremental snapshot while streaming from its LSN",
				"slot", s.slot, "lsn", pglogrepl.LSN(snapLSN).String(), "offset", off.String())
			t.startLSN, t.flushed, t.snapshot = snapLSN, uint64(flush), false
			// The position of the rest's records until a transaction is
			// streamed: nothing before the snapshot's LSN is to come.
			t.resume = position{lsn: snapLSN, lsnProc: snapLSN, lsnCommit: snapLSN}
			return nil
		}
	}
	// The changes after a committed streaming offset, or after a
	// completed snapshot's, are gone when the slot is (dropped, or
	// invalidated when its WAL was removed), or when it has confirmed
	// past the offset (dropped and created again, or advanced by hand):
	// the server would stream from a later point without a word.
	var gone string
	if hasOffset && !incomplete {
		committed, key := readPosition(off).lsnCommit, "lsn_commit"
		if inSnapshot {
			// The snapshot's LSN, where the stream after it starts.
			committed, key = readPosition(off).lsn, "lsn"
		}
		switch {
		case !exists:
			gone = fmt.Sprintf("slot %q does not exist", s.slot)
		case walStatus == "lost":
			gone = fmt.Sprintf("slot %q has lost the WAL it needs (wal_status lost)", s.slot)
		case committed != 0 && uint64(flush) > committed:
			gone = fmt.Sprintf("slot %q has confirmed up to %s, past the committed offset", s.slot, flush)
		}
		if gone != "" && s.snapshotMode != SnapshotWhenNeeded && s.snapshotMode != SnapshotAlways {
			return &slotLostError{slot: s.slot, key: key, committed: committed, why: gone}
		}
	}
	switch s.snapshotMode {
	case SnapshotInitial:
		t.snapshot = !hasOffset || incomplete
	case SnapshotAlways:
		t.snapshot = true
	case SnapshotWhenNeeded:
		t.snapshot = !hasOffset || incomplete || !exists || gone != ""
	}
	if hasOffset && !inSnapshot {
		t.resume = readPosition(off)
		t.resumeTx = readTxState(off)
		t.startLSN = t.resume.lsnProc
		if t.startLSN == 0 {
			t.startLSN = t.resume.lsn
		}
	}
	if t.snapshot && exists && (!hasOffset || incomplete) && gone == "" {
		// A snapshot begun and not finished (the task killed in its
		// middle): nothing streamed from the slot is committed, so it is
		// created anew, and the new snapshot is its exported one, which
		// the stream continues without overlap.
		gone = "a snapshot is due and nothing streamed from the slot is committed"
	}
	if gone != "" && exists {
		// A new slot gives the new snapshot an exported snapshot, so
		// that it and the stream after it meet without a gap.
		t.log.Warn("the slot is created anew for the snapshot", "slot", s.slot, "reason", gone, "offset", off.String())
		if _, err := t.conn.Exec(ctx, "SELECT pg_drop_replication_slot($1)", s.slot); err != nil {
			return fmt.Errorf("dropping slot %q to create it anew: %w", s.slot, err)
		}
		exists = false
	}
	if !exists {
		lsn, err := t.createSlot(ctx)
		if err != nil {
			return err
		}
		flush = lsn
		if !t.snapshot && t.startLSN < uint64(lsn) {
			t.startLSN = uint64(lsn)
		}
	}
	t.flushed = uint64(flush)
	if t.snapshot {
		return t.beginSnapshot(ctx)
	}
	return nil
}

// createSlot creates the slot, exporting a snapshot when one is to be
// taken, and returns its consistent point.
func (t *task) createSlot(ctx context.Context) (pglogrepl.LSN, error) {
	s := t.s
	action := "NOEXPORT_SNAPSHOT"
	if t.snapshot {
		action = "EXPORT_SNAPSHOT"
	}
	res, err := pglogrepl.CreateReplicationSlot(ctx, t.repl, s.slot, "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication, SnapshotAction: action})
	if err != nil {
		return 0, fmt.Errorf("creating slot %q: %w", s.slot, err)
	}
	lsn, err := pglogrepl.ParseLSN(res.ConsistentPoint)
	if err != nil {
		return 0, fmt.Errorf("slot %q's consistent point %q: %w", s.slot, res.ConsistentPoint, err)
	}
	t.log.Info("created the replication slot", "slot", s.slot, "consistent_point", res.ConsistentPoint)
	t.createdSlot = true
	if t.snapshot {
		t.snapshotName = res.SnapshotName
		t.snapLSN = uint64(lsn)
		t.startLSN = uint64(lsn)
		t.resume = position{}
	}
	return lsn, nil
}

// beginSnapshot opens the snapshot's transaction, on the slot's exported
// snapshot when there is one.
func (t *task) beginSnapshot(ctx context.Context) error {
	// The exported snapshot lives only until the replication
	// connection's next command: import it now.
	tx, err := t.conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("starting the snapshot transaction: %w", err)
	}
	t.snapTx = tx
	if t.snapshotName != "" {
		if _, err := tx.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+t.snapshotName+"'"); err != nil {
			return fmt.Errorf("importing the slot's snapshot: %w", err)
		}
		return nil
	}
	// No exported snapshot (the slot existed): streaming from the slot
	// may repeat changes the snapshot has.
	var cur pglogrepl.LSN
	if err := tx.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&cur); err != nil {
		return fmt.Errorf("reading the WAL position: %w", err)
	}
	t.snapLSN = uint64(cur)
	return nil
}

// retakeSnapshot prepares the snapshot again after the connection was
// lost during it. A slot this task created, whose position nothing has
// confirmed yet, is created anew so that the new snapshot is exported
// and meets the stream exactly; otherwise the snapshot is read on a
// fresh transaction, and changes made meanwhile may come twice.
func (t *task) retakeSnapshot(ctx context.Context) error {
	t.snapshotName = ""
	if t.createdSlot {
		if err := t.dropSlotWaiting(ctx); err != nil {
			return lost(err)
		}
		lsn, err := t.createSlot(ctx)
		if err != nil {
			return lost(err)
		}
		t.flushed = uint64(lsn)
		t.flushTarget.Store(t.flushed)
	}
	return lost(t.beginSnapshot(ctx))
}

// slotLostError is the start's failure when the slot can no longer give
// the changes after the committed offset.
type slotLostError struct {
	slot      string
	key       string // the offset key committed is read from
	committed uint64
	why       string
}

func (e *slotLostError) Error() string {
	key := e.key
	if key == "" {
		key = "lsn_commit"
	}
	return fmt.Sprintf("%s: the changes after the committed offset (%s %s) can no longer be read from it; "+
		"set %s=when_needed to take a new snapshot, or delete the connector's offsets (and the slot) to start afresh",
		e.why, key, pglogrepl.LSN(e.committed), SnapshotModeConfig)
}

// readPosition reads a committed offset, as Debezium's
// PostgresOffsetContext.Loader does: lsn_commit falls back to lsn_proc.
func readPosition(off connect.Offset) position {
	get := func(k string) uint64 {
		n, _ := off.Int64(k)
		return uint64(n)
	}
	p := position{lsn: get("lsn"), lsnProc: get("lsn_proc"), lsnCommit: get("lsn_commit")}
	if p.lsnCommit == 0 {
		p.lsnCommit = p.lsnProc
	}
	p.txID, _ = off.Int64("txId")
	if v, ok := off.Get("messageType"); ok {
		p.msgType, _ = v.(string)
	}
	return p
}

// Poll returns the queued records, waiting up to poll.interval.ms for the
// first.
func (t *task) Poll(ctx context.Context) ([]connect.Record, error) {
	var first connect.Record
	select {
	case first = <-t.queue:
	case <-t.done:
		select {
		case first = <-t.queue:
		default:
			return nil, t.err
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(t.s.poll):
		return nil, nil
	}
	out := make([]connect.Record, 1, min(t.s.maxBatch, len(t.queue)+1))
	out[0] = first
	for len(out) < t.s.maxBatch {
		select {
		case r := <-t.queue:
			out = append(out, r)
		default:
			return out, nil
		}
	}
	return out, nil
}

// Commit lets the slot confirm the LSN of the committed offset, as
// Debezium's commitOffset does: lsn_commit, or lsn_proc without it. WAL
// before it is then released by the server.
func (t *task) Commit(ctx context.Context) error {
	off, err := t.tc.Offsets().Offset(ctx, t.partition)
	if err != nil || off.IsZero() {
		return err
	}
	if kind, snap := off.Get("snapshot"); snap && kind != incrementalSnapshotKind {
		return nil
	}
	p := readPosition(off)
	if p.lsnCommit == 0 {
		return nil
	}
	for {
		cur := t.flushTarget.Load()
		if p.lsnCommit <= cur {
			return nil
		}
		if t.flushTarget.CompareAndSwap(cur, p.lsnCommit) {
			break
		}
	}
	select {
	case t.flushKick <- struct{}{}:
	default:
	}
	return nil
}

// Stop ends the reading goroutine and closes the connections; with
// slot.drop.on.stop it drops the slot.
func (t *task) Stop(ctx context.Context) error {
	return t.close(ctx)
}

func (t *task) close(ctx context.Context) error {
	if t.cancel != nil {
		t.cancel()
		t.wg.Wait()
	}
	if t.snapTx != nil {
		_ = t.snapTx.Rollback(ctx)
		t.snapTx = nil
	}
	if t.repl != nil {
		_ = t.repl.Close(ctx)
		t.repl = nil
	}
	var err error
	if t.conn != nil {
		if t.s.dropSlot {
			err = t.dropSlot(ctx)
		}
		_ = t.conn.Close(ctx)
		t.conn = nil
	}
	return err
}

// dropSlot drops the slot, waiting for the server to see it released.
func (t *task) dropSlot(ctx context.Context) error {
	if t.conn.IsClosed() { // a snapshot query cancelled by Stop closes it
		cfg, err := t.s.connConfig(false)
		if err != nil {
			return fmt.Errorf("PostgresConnector: dropping slot %q (%s): %w", t.s.slot, SlotDropOnStopConfig, err)
		}
		if t.conn, err = pgx.ConnectConfig(ctx, cfg); err != nil {
			return fmt.Errorf("PostgresConnector: dropping slot %q (%s): %w", t.s.slot, SlotDropOnStopConfig, err)
		}
	}
	if err := t.dropSlotWaiting(ctx); err != nil {
		return fmt.Errorf("PostgresConnector: %w (%s)", err, SlotDropOnStopConfig)
	}
	return nil
}

// dropSlotWaiting drops the slot, waiting up to 10s for the server to see
// it released by a connection that has gone.
func (t *task) dropSlotWaiting(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := t.conn.Exec(ctx, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, t.s.slot)
		if err == nil {
			t.log.Info("dropped the replication slot", "slot", t.s.slot)
			return nil
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "55006" || time.Now().After(deadline) { // object_in_use
			return fmt.Errorf("dropping slot %q: %w", t.s.slot, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// run reads: the snapshot when one is due, then the slot. When the
// connection to the server is lost while streaming, it connects again,
// backing off up to 30s between attempts, and streams on from the last
// record it queued.
func (t *task) run(ctx context.Context) {
	defer t.wg.Done()
	err := t.read(ctx)
	backoff := time.Second
	for lost := (*lostConn)(nil); err != nil && ctx.Err() == nil && errors.As(err, &lost); {
		t.log.Warn("the connection to the server was lost; connecting again", "error", err, "backoff", backoff)
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		if ctx.Err() != nil {
			break
		}
		backoff = min(2*backoff, 30*time.Second)
		if err = t.reconnect(ctx); err == nil {
			backoff = time.Second
			if t.snapshot && !t.snapshotDone {
				// As Debezium, which restarts the task, the snapshot is
				// taken again from its start.
				if err = t.retakeSnapshot(ctx); err == nil {
					err = t.read(ctx)
				}
			} else {
				err = t.stream(ctx)
			}
		}
	}
	if ctx.Err() != nil {
		err = nil
	}
	if err != nil {
		err = fmt.Errorf("PostgresConnector: %w", err)
	}
	t.err = err
	close(t.done)
}

func (t *task) read(ctx context.Context) error {
	if t.snapshot && !t.snapshotDone {
		if err := t.takeSnapshot(ctx); err != nil {
			return lost(err)
		}
		t.snapshotDone = true
	}
	if !t.streaming {
		t.log.Info("snapshot.mode is initial_only: the snapshot is taken, nothing is streamed")
		<-ctx.Done()
		return nil
	}
	return t.stream(ctx)
}

// lostConn marks an error that lost the connection to the server, after
// which the task connects again rather than failing.
type lostConn struct{ err error }

func (e *lostConn) Error() string { return e.err.Error() }
func (e *lostConn) Unwrap() error { return e.err }

// lost wraps err in lostConn when it is the connection's failure (a
// network error, the server shutting down or refusing connections), not
// a data or SQL error.
func lost(err error) error {
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		if strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57") {
			return &lostConn{err}
		}
		return err
	}
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	if errors.As(err, &netErr) || errors.As(err, &connectErr) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || pgconn.SafeToRetry(err) ||
		strings.Contains(err.Error(), "conn closed") {
		return &lostConn{err}
	}
	return err
}

// reconnect replaces the connections, and has the stream start at the
// position the server confirmed, skipping what was queued already.
func (t *task) reconnect(ctx context.Context) error {
	if t.repl != nil {
		_ = t.repl.Close(ctx)
	}
	if t.conn != nil {
		_ = t.conn.Close(ctx)
	}
	if err := t.connect(ctx); err != nil {
		return lost(err)
	}
	t.cat.conn = t.conn
	if t.snapshot && !t.snapshotDone {
		return nil
	}
	t.startLSN = t.flushed
	t.log.Info("connected again", "from", pglogrepl.LSN(t.startLSN).String())
	return nil
}

// push queues a record, keeping the replication connection alive while
// the queue is full.
func (t *task) push(ctx context.Context, r connect.Record, keepalive func() error) error {
	for {
		select {
		case t.queue <- r:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(t.s.statusInterval):
			if keepalive != nil {
				if err := keepalive(); err != nil {
					return err
				}
			}
		}
	}
}

// changeRecord builds a change event of table tb.
func (t *task) changeRecord(tb *table, op string, before, after *connect.Struct, key *connect.Struct, p *position) connect.Record {
	env := connect.NewStruct(tb.envelope)
	if before != nil {
		_ = env.SetAt(0, connect.AnyValue(before))
	}
	if after != nil {
		_ = env.SetAt(1, connect.AnyValue(after))
	}
	_ = env.SetAt(2, connect.AnyValue(t.s.source(tb, p, t.version)))
	_ = env.SetAt(4, connect.StringValue(op))
	now := time.Now()
	_ = env.SetAt(5, connect.Int64Value(now.UnixMilli()))
	_ = env.SetAt(6, connect.Int64Value(now.UnixMicro()))
	_ = env.SetAt(7, connect.Int64Value(now.UnixNano()))
	r := connect.Record{Topic: tb.topic, ValueSchema: tb.envelope, Value: env,
		SourcePartition: t.partition, SourceOffset: p.offset(), Headers: t.headers}
	if tb.key != nil && key != nil {
		r.KeySchema, r.Key = tb.key, key
	}
	return r
}

// tombstone is the record that follows a delete: its key, no value.
func tombstone(r connect.Record) connect.Record {
	return connect.Record{Topic: r.Topic, KeySchema: r.KeySchema, Key: r.Key,
		SourcePartition: r.SourcePartition, SourceOffset: r.SourceOffset, Headers: r.Headers}
}

// heartbeat is Debezium's heartbeat record at position p.
func (t *task) heartbeat(p *position) connect.Record {
	k := connect.NewStruct(heartbeatKeySchema)
	_ = k.SetAt(0, connect.AnyValue(t.s.prefix))
	v := connect.NewStruct(heartbeatValueSchema)
	_ = v.SetAt(0, connect.AnyValue(time.Now().UnixMilli()))
	return connect.Record{Topic: t.s.heartbeatTopic, KeySchema: heartbeatKeySchema, Key: k,
		ValueSchema: heartbeatValueSchema, Value: v, SourcePartition: t.partition, SourceOffset: p.offset()}
}

// takeSnapshot reads the captured tables in the snapshot transaction, each
// in fetches of snapshot.fetch.size rows, as op "r" events. Each record is
// held until the next is read, so that the last of a table and of the
// snapshot carry Debezium's markers.
func (t *task) takeSnapshot(ctx context.Context) error {
	tx := t.snapTx
	defer func() {
		_ = tx.Rollback(context.Background())
		t.snapTx = nil
	}()
	var txid int64
	if err := tx.QueryRow(ctx, "SELECT txid_current()").Scan(&txid); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	tables, err := t.cat.capturedTables(ctx)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	t.log.Info("taking a snapshot", "tables", len(tables), "lsn", pglogrepl.LSN(t.snapLSN).String())
	// A snapshot cut short can be finished as an incremental one from
	// where its committed records end (see prepare): the tables are then
	// read in primary key order, and each record's offset holds, in the
	// incremental snapshot's keys, the tables left and its key. That
	// takes every table left having a primary key.
	descs := make([]*table, len(tables))
	names := make([]string, len(tables))
	resumable := t.snapshotResumable()
	for i, ref := range tables {
		if descs[i], err = t.cat.describe(ctx, ref.oid, ref.schema, ref.name, nil); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		names[i] = ref.schema + "." + ref.name
	}
	// keyed[i]: tables i and after all have a primary key.
	keyed := make([]bool, len(tables)+1)
	keyed[len(tables)] = true
	for i := len(tables) - 1; i >= 0; i-- {
		keyed[i] = keyed[i+1] && descs[i].key != nil && len(descs[i].keyIdx) > 0
	}
	if resumable && !keyed[0] {
		t.log.Warn("a table without a primary key is captured: a snapshot cut short before its end is taken again from its start",
			"tables", len(tables))
	}
	type held struct {
		tb                *table
		cells             []cell
		firstInTable, set bool
		when              time.Time
		index             int // of tb in tables
	}
	var prev held
	first := true
	emit := func(lastInTable, last bool) error {
		if !prev.set {
			return nil
		}
		marker := "true"
		switch {
		case last:
			marker = "last"
		case first:
			marker = "first"
		case lastInTable:
			marker = "last_in_data_collection"
		case prev.firstInTable:
			marker = "first_in_data_collection"
		}
		first = false
		p := position{lsn: t.snapLSN, txID: txid, commitTime: prev.when, snapshot: marker, last: last}
		tb := prev.tb
		if resumable && !last && keyed[prev.index] {
			// A key javaKey cannot read leaves the record without them:
			// cut there, the snapshot is taken again from its start.
			if k, err := javaKey(tb, prev.cells); err == nil {
				p.incremental = (&incremental{collections: names[prev.index:], lastKey: k}).entries()
			}
		}
		after, err := tb.row(tb.value, tb.valIdx, prev.cells)
		if err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		var key *connect.Struct
		if tb.key != nil {
			if key, err = tb.row(tb.key, tb.keyIdx, prev.cells); err != nil {
				return fmt.Errorf("snapshot: %w", err)
			}
		}
		prev.set = false
		return t.push(ctx, t.changeRecord(tb, "r", nil, after, key, &p), nil)
	}
	rowsRead := 0
	for ti, ref := range tables {
		tb := descs[ti]
		var cols []string
		for _, c := range tb.columns {
			cols = append(cols, pgx.Identifier{c.name}.Sanitize())
		}
		q := "DECLARE kconnect_snapshot NO SCROLL CURSOR FOR SELECT " + strings.Join(cols, ", ") + " FROM " +
			pgx.Identifier{ref.schema, ref.name}.Sanitize()
		if len(cols) == 0 {
			continue
		}
		if resumable && keyed[ti] {
			var keyCols []string
			for _, i := range tb.keyIdx {
				keyCols = append(keyCols, pgx.Identifier{tb.columns[i].name}.Sanitize())
			}
			q += " ORDER BY " + strings.Join(keyCols, ", ")
		}
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("snapshot of %s.%s: %w", ref.schema, ref.name, err)
		}
		fetch := "FETCH " + strconv.Itoa(t.s.fetchSize) + " FROM kconnect_snapshot"
		n := 0
		for {
			// The simple protocol returns every value as text, as
			// pgoutput sends them.
			res := tx.Conn().PgConn().Exec(ctx, fetch)
			got := 0
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
					if prev.set {
						if err := emit(prev.tb != tb, false); err != nil {
							res.Close()
							return err
						}
					}
					prev = held{tb: tb, cells: cells, firstInTable: n == 0, set: true, when: time.Now(), index: ti}
					n++
					got++
				}
				if _, err := rr.Close(); err != nil {
					res.Close()
					return fmt.Errorf("snapshot of %s.%s: %w", ref.schema, ref.name, err)
				}
			}
			if err := res.Close(); err != nil {
				return fmt.Errorf("snapshot of %s.%s: %w", ref.schema, ref.name, err)
			}
			if got < t.s.fetchSize {
				break
			}
		}
		if _, err := tx.Exec(ctx, "CLOSE kconnect_snapshot"); err != nil {
			return fmt.Errorf("snapshot of %s.%s: %w", ref.schema, ref.name, err)
		}
		rowsRead += n
		t.log.Info("snapshot of a table read", "table", ref.schema+"."+ref.name, "rows", n)
	}
	if err := emit(true, true); err != nil {
		return err
	}
	t.log.Info("snapshot taken", "tables", len(tables), "rows", rowsRead)
	return nil
}

// stream reads the slot from startLSN.
func (t *task) stream(ctx context.Context) error {
	s := t.s
	start := pglogrepl.LSN(t.startLSN)
	err := pglogrepl.StartReplication(ctx, t.repl, s.slot, start, pglogrepl.StartReplicationOptions{
		PluginArgs: []string{"proto_version '1'", "publication_names '" + strings.ReplaceAll(s.publication, "'", "''") + "'"},
	})
	if err != nil {
		err = fmt.Errorf("starting replication from slot %q at %s: %w", s.slot, start, err)
		// The slot is still held by a connection the server has not
		// seen gone, such as a killed worker's: wait for it.
		if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == "55006" { // object_in_use
			return &lostConn{err}
		}
		return lost(t.slotGone(err))
	}
	t.log.Info("streaming", "slot", s.slot, "publication", s.publication, "from", start.String())
	st := &streamState{t: t, tables: map[uint32]*table{}, pos: position{lsnCommit: t.resume.lsnCommit, lsn: t.resume.lsn,
		lsnProc: t.resume.lsnProc, txID: t.resume.txID, msgType: t.resume.msgType}, lastHeartbeat: time.Now(),
		signals: map[uint32]signalColumns{}}
	// A chunk in flight when the stream stopped is read again.
	t.incr.clearChunk()
	st.pos.incremental = t.incr.entries()
	defer func() {
		// Should the stream start again, it skips what was queued.
		if st.emitted.lsnProc != 0 || st.emitted.lsnCommit != 0 {
			t.resume = st.emitted
			if t.resume.lsnCommit == 0 {
				t.resume.lsnCommit = t.resume.lsnProc
			}
			t.resumeTx = st.emittedTx
		}
	}()
	nextStatus := time.Now()
	var wait struct {
		ctx    context.Context
		cancel context.CancelFunc
		at     time.Time
	}
	defer func() {
		if wait.cancel != nil {
			wait.cancel()
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if want := t.flushTarget.Load(); want > t.flushed || time.Now().After(nextStatus) {
			if want > t.flushed {
				t.flushed = want
			}
			if err := t.sendStatus(ctx, false); err != nil {
				return err
			}
			nextStatus = time.Now().Add(s.statusInterval)
		}
		// One deadline serves every message until it passes, rather than
		// a context and a timer a message.
		if wait.ctx == nil || !time.Now().Before(wait.at) {
			if wait.cancel != nil {
				wait.cancel()
			}
			wait.at = time.Now().Add(min(time.Until(nextStatus), 200*time.Millisecond))
			wait.ctx, wait.cancel = context.WithDeadline(ctx, wait.at)
		}
		msg, err := t.repl.ReceiveMessage(wait.ctx)
		if err != nil {
			if pgconn.Timeout(err) && ctx.Err() == nil {
				wait.ctx = nil
				if err := st.idle(ctx); err != nil {
					return err
				}
				continue
			}
			return lost(t.slotGone(fmt.Errorf("reading slot %q: %w", s.slot, err)))
		}
		switch msg := msg.(type) {
		case *pgproto3.CopyData:
			if len(msg.Data) == 0 {
				continue
			}
			switch msg.Data[0] {
			case pglogrepl.PrimaryKeepaliveMessageByteID:
				ka, err := pglogrepl.ParsePrimaryKeepaliveMessage(msg.Data[1:])
				if err != nil {
					return fmt.Errorf("reading slot %q: %w", s.slot, err)
				}
				if !st.inTx && uint64(ka.ServerWALEnd) > st.walEnd {
					st.walEnd = uint64(ka.ServerWALEnd)
					if err := st.windowAtKeepalive(ctx); err != nil {
						return lost(err)
					}
				}
				if ka.ReplyRequested {
					nextStatus = time.Time{}
				}
			case pglogrepl.XLogDataByteID:
				xld, err := pglogrepl.ParseXLogData(msg.Data[1:])
				if err != nil {
					return fmt.Errorf("reading slot %q: %w", s.slot, err)
				}
				if err := st.handle(ctx, uint64(xld.WALStart), xld.WALData); err != nil {
					return lost(err)
				}
			}
		case *pgproto3.ErrorResponse:
			return lost(t.slotGone(fmt.Errorf("reading slot %q: %w", s.slot, pgconn.ErrorResponseToPgError(msg))))
		}
	}
}

// slotGone turns the server's refusal to stream a slot that has been
// dropped, or invalidated when its WAL was removed, into a
// slotLostError: the task fails rather than connecting again.
func (t *task) slotGone(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch {
	case pgErr.Code == "42704" && strings.Contains(pgErr.Message, "replication slot"), // undefined_object
		pgErr.Code == "55000" && strings.Contains(pgErr.Message, "replication slot"), // invalidated
		strings.Contains(pgErr.Message, "has already been removed"):
		return &slotLostError{slot: t.s.slot, committed: t.flushTarget.Load(), why: err.Error()}
	}
	return err
}

// sendStatus tells the server the LSN the committed offsets allow it to
// release.
func (t *task) sendStatus(ctx context.Context, reply bool) error {
	lsn := pglogrepl.LSN(t.flushed)
	err := pglogrepl.SendStandbyStatusUpdate(ctx, t.repl, pglogrepl.StandbyStatusUpdate{
		WALWritePosition: lsn, WALFlushPosition: lsn, WALApplyPosition: lsn, ReplyRequested: reply})
	if err != nil {
		return lost(fmt.Errorf("sending the status of slot %q: %w", t.s.slot, err))
	}
	return nil
}
