// Package postgrescdc is a change-data-capture source for PostgreSQL that
// answers to Debezium's class name
// (io.debezium.connector.postgresql.PostgresConnector, also found as
// PostgresConnector), takes Debezium's configuration keys and writes
// Debezium 3.x's records and offsets, so that a configuration written for
// Debezium runs unchanged and consumers of its topics read the same
// events.
//
// # Reading
//
// The connector has one task. It reads a logical replication slot
// (slot.name) through PostgreSQL's built-in pgoutput plugin and a
// publication (publication.name), both created when missing: the
// publication FOR ALL TABLES, or for the captured tables only
// (publication.autocreate.mode=filtered, with the signal table), or not
// at all (disabled). In filtered mode an existing publication is altered
// (ALTER PUBLICATION ... SET TABLE) to publish exactly those tables, and
// one FOR ALL TABLES fails the start, as in Debezium. In the other modes
// an existing publication is used as it is; where Debezium then streams
// on without the changes of a captured table it does not publish, here
// such a table named by table.include.list fails the start (other
// captured tables it lacks are logged as a warning). Both
// connections set DateStyle ISO, TimeZone UTC, IntervalStyle iso_8601 and
// bytea_output hex, and every value is read from its text form, as
// pgoutput sends it. Relation messages are read as they come, so a column
// added or dropped by ALTER TABLE changes the record schemas from the
// next change on; the primary key and nullability are read from the
// catalog at that moment, as Debezium does.
//
// A table without a primary key has records without a key (no key
// schema, a null key), as in Debezium, unless message.key.columns names
// its key columns (schema.table:column,...;...). At the start of
// streaming each captured table's REPLICA IDENTITY is logged, as Debezium
// logs it. PostgreSQL refuses the UPDATEs and DELETEs of a table whose
// replica identity identifies no row (DEFAULT without a primary key,
// NOTHING, or USING INDEX whose index has been dropped) while a
// publication publishes its updates or deletes, so those changes can
// never be captured. A captured table the publication is to publish so,
// with no primary key and no message.key.columns entry, therefore fails
// the start, which names it and the fixes (a primary key; REPLICA IDENTITY
// FULL, or USING INDEX a unique index, named when there is one;
// message.key.columns for a table only ever inserted into; or
// table.exclude.list), before the publication is created or altered, so
// that the failed start has not made PostgreSQL refuse them. A table
// created (or altered so) while the task streams fails the task at its
// first change's Relation message, the catalog read then deciding, so
// that once the table is fixed the restarted task takes the change. A
// keyless table under REPLICA IDENTITY FULL is captured with null keys
// and whole before-images, as in Debezium. A table whose records have a
// key (a primary key under NOTHING, or message.key.columns) under such an
// identity is taken, with a warning, as one only ever inserted into. A
// publication that publishes neither updates nor deletes makes none of
// this apply, and initial_only, which never streams, captures any table.
// A publication created FOR ALL TABLES publishes the tables not captured
// too: the start warns of those PostgreSQL will then refuse UPDATEs and
// DELETEs of (publication.autocreate.mode=filtered leaves them alone).
//
// Likewise a table whose record key has columns outside its replica
// identity (message.key.columns naming a column beside the primary key
// under DEFAULT, or a unique index's key beside a USING INDEX identity)
// fails the start or the stream: PostgreSQL writes the old values of the
// identity's columns only, so a delete's key, its tombstone's and the old
// key of an update would lack them. REPLICA IDENTITY FULL, or a key
// within the identity, is needed. A delete or update written before such
// a table was fixed, whose old row lacks a key column, fails the task
// naming the table, the column and its LSN, rather than going out with a
// key that is not the row's.
//
// # Snapshot
//
// With snapshot.mode initial (the default), when there is no committed
// offset, the slot is created with an exported snapshot and the captured
// tables are read, snapshot.fetch.size rows at a time, in a REPEATABLE READ
// transaction on that snapshot, as op "r" events with Debezium's markers
// (first, first_in_data_collection, last_in_data_collection, last); the
// stream then starts at the slot's consistent point, so no change is
// missed or repeated. initial_only stops after the snapshot (taken in a
// REPEATABLE READ transaction with no slot, publication or replication
// connection, as Debezium, since a slot would hold WAL for ever), no_data
// (never) takes none, always takes one at every start and when_needed
// also when the slot has gone. With snapshot.mode initial or when_needed,
// the tables are read in primary key order, and each record's offset
// also holds, in the incremental snapshot's keys (see below), the tables
// left and the row's key, so that a snapshot left unfinished (the worker
// killed in its middle) goes on where its committed records end: at the
// next start, the slot still at the snapshot's LSN (nothing is confirmed
// during a snapshot), the task streams from that LSN and reads the rest,
// after the last committed key, as an incremental snapshot, whose
// watermarks order the reads against the changes streamed meanwhile:
// rows of signal.data.collection's table when it is set, else the
// server's transaction snapshots and WAL position, which need no table
// and write to none (see Incremental snapshots). No committed row is read
// again (with exactly-once delivery each row and each change is in Kafka
// once); a row deleted before the rest reached it comes only as its
// delete. That takes every captured table from the one being read on
// having a primary key, and, without a signal table, PostgreSQL 13 or
// later (for pg_current_snapshot); otherwise an unfinished snapshot is
// taken again from its start on a slot created anew, as nothing streamed
// from the old one is committed. Differences from Debezium, which takes
// an unfinished snapshot again from its start (and so does with these
// offsets): the tables are read in key order, the rest's records are
// incremental snapshot reads (source.snapshot "incremental", offsets
// with snapshot INCREMENTAL), no record carries snapshot "last", and
// rows inserted after the cut may besides their create be read once. A
// snapshot taken while a slot with committed changes exists
// (snapshot.mode=always) cannot share its snapshot: changes made
// meanwhile may then be read twice, once in the snapshot and once
// streamed.
//
// # Incremental snapshots
//
// With signal.data.collection naming a signal table (schema.table with
// Debezium's columns id, type and data, published by the publication),
// a row inserted with type execute-snapshot and data
// {"data-collections": ["schema.table", ...], "type": "incremental"}
// starts an incremental snapshot of those tables while the stream goes
// on. As in Debezium, each data-collection is a regular expression
// matched against the whole schema.table of every captured table (Go's
// RE2 syntax, which agrees with Java's for the usual patterns); one that
// matches none is taken as a table name (in schema public when it has no
// schema), and a table that does not exist, is not captured or has no
// primary key is skipped with a warning. The snapshot uses Debezium's
// watermarks: the task writes a snapshot-window-open row to the signal
// table, reads the next incremental.snapshot.chunk.size rows by primary
// key (up to the largest key when the table's snapshot began), and writes
// a snapshot-window-close row; rows of the chunk that the stream changes
// between the two windows are dropped from it, since the stream carries
// newer values, and the rest are sent as op "r" records with
// source.snapshot "incremental" when the close comes through the stream.
//
// The rest of an initial snapshot cut short is read the same way when
// there is no signal table, with watermarks the server gives, as in
// Debezium's read-only incremental snapshots for PostgreSQL (read.only):
// pg_current_snapshot() before the chunk is read is the low watermark,
// pg_current_snapshot() and pg_current_wal_insert_lsn() after it the high
// one (the statement also takes a transaction id, as Debezium does, whose
// commit has the server flush its WAL up to that position). As in
// Debezium, the window opens at the first transaction streamed whose id
// is not before the low watermark's xmin (one before it had ended when
// the chunk was read, which holds its changes), and the rows of the keys
// the stream changes from there are dropped from the chunk. The chunk is
// sent once the stream has passed every transaction it saw: at the first
// transaction whose id is not before the high watermark's xmax or whose
// commit is at or past its WAL position, or, between transactions, when
// a keepalive (asked for while a chunk waits) says the server has sent
// everything before that position. Differences from Debezium: Debezium
// sends a chunk at the first transaction from before the low watermark
// when its window has not opened, which, with the stream behind, puts
// rows ahead of older changes to them; kconnect waits for the stream to
// pass the high watermark, so that records never go back in time, and
// needs no heartbeats to close a window on a quiet database.
//
// A stop-snapshot signal (data-collections as above, all tables when it
// names none) removes tables from the snapshot before its next chunk; a
// pause-snapshot signal stops reading chunks (the one in flight is still
// sent) until a resume-snapshot signal. As in Debezium, a pause is not
// kept in the offsets: a restarted task goes on reading.
//
// The offsets carry the progress exactly as Debezium 3.6.1 stores it:
// incremental_snapshot_collections (its JSON list of tables),
// incremental_snapshot_correlation_id (the execute-snapshot signal's id),
// and incremental_snapshot_primary_key and incremental_snapshot_maximum_key,
// each the hex of a Java-serialized Object[] of the key columns' values
// as PostgreSQL's JDBC driver gives them to Debezium (Integer for int2
// and int4, Long for int8, BigDecimal for numeric, Boolean, Float, Double,
// UUID, String for text types and for the time types, which Debezium
// reads as text); the snapshot's records also carry snapshot INCREMENTAL
// (with last_snapshot_record and snapshot_completed), which, as in
// Debezium, marks a streamed position, not an initial snapshot in
// progress. So an incremental snapshot in progress moves between kconnect
// and a JVM deployment either way, and a restarted task goes on after the
// last row committed. testdata/incremental holds the bytes a JDK and
// Debezium's own context write, which the tests compare with, and
// sidebyside.sh, which stops Debezium (in JVM Kafka Connect) mid-snapshot,
// has kconnect go on from its offset and stop mid-way in turn, and has
// Debezium finish from kconnect's offset, each row read once.
// Differences from Debezium: key columns of other types (date, bytea,
// json, enums, ...) are written as their text, a String, where Debezium
// writes java.sql.Date, byte[] or PGobject, and reading Debezium's offsets
// with such keys fails naming the class; additional-conditions and
// surrogate-key are not supported (a signal or a snapshot in progress
// moved from Debezium with them reads the whole table, with a warning);
// blocking snapshots and signals through Kafka or other channels are not
// supported.
//
// # Records
//
// Topics are <topic.prefix>.<schema>.<table>; keys are the
// <prefix>.<schema>.<table>.Key struct of the primary key (of the first
// unique index without one, of message.key.columns when it names the
// table, none without either); values are Debezium's Envelope (before,
// after, source, transaction, op, ts_ms, ts_us, ts_ns) with the
// io.debezium.connector.postgresql.Source block. A delete is followed by
// a tombstone (tombstones.on.delete). Before images are what the table's
// REPLICA IDENTITY gives: none on update and the key on delete with
// DEFAULT, the whole row with FULL. An update that changes the key is a
// delete, its tombstone and a create, as in Debezium, the delete and its
// tombstone with the header __debezium.newkey, the create with
// __debezium.oldkey. Every change event and tombstone carries Debezium's
// four context headers (__debezium.context.connectorLogicalName, taskId,
// connectorName and runId, a new version 7 UUID at each start).
//
// With provide.transaction.metadata=true each streamed event's
// transaction block holds its id ("<txId>:<lsn>"), total_order and
// data_collection_order, and each transaction with a change event has a
// BEGIN record (before its first event) and an END record (at its
// commit, counting the events by table) on <topic.prefix>.transaction; the
// offsets then carry transaction_id and a
// transaction_data_collection_order_<schema>.<table> per table, so that
// a task restarted inside a transaction numbers on where it stopped.
//
// Types beyond the common ones are mapped as Debezium maps them: bit(n)
// and bit varying(n) with n > 1 as io.debezium.data.Bits (a little-endian
// bit set), point as io.debezium.data.geometry.Point (x, y and its
// well-known binary), the built-in range types as their text, hstore as an
// io.debezium.data.Json object or, with hstore.handling.mode=map, a map of
// strings, keys in the order a java.util.HashMap holds them.
//
// A value TOAST keeps out of line that an update leaves alone comes from
// pgoutput as unchanged. Under REPLICA IDENTITY FULL the old row holds it
// and the event has it, before and after; otherwise the after image
// carries Debezium's placeholder, __debezium_unavailable_value, in the
// column's form (a string, its bytes, a one-element array of text, the
// placeholder's bytes as integers for integer arrays, a one-entry hstore),
// or null for the types Debezium has no form for.
//
// Column defaults are in the schemas as Debezium reads them (see
// columnDefault), its quirks included: a default computed by a function
// shows the type's placeholder (0 for a serial column, the epoch for
// now()), a quoted literal stops at its first inner quote.
//
// testdata/debezium holds what Debezium 3.6.1.Final writes for a workload
// of every common type; TestDebeziumGoldens runs the same workload and
// compares the records and offsets byte for byte, after blanking the
// fields that differ by nature (timestamps, LSNs, transaction ids).
//
// # Offsets and the slot
//
// The source partition is {"server": topic.prefix}; offsets carry
// Debezium's keys (lsn, lsn_proc, lsn_commit, txId, ts_usec, messageType,
// and snapshot, last_snapshot_record and snapshot_completed during a
// snapshot), so a connector moved from a JVM deployment resumes from its
// offsets and the other way round. The slot is told to release WAL only up
// to the committed offset's lsn_commit (lsn_proc without one), once the
// runtime has committed it (source.Committer); changes the slot sends
// again after a restart, at or before the committed position, are
// skipped. heartbeat.interval.ms sends Debezium's heartbeat records
// (topic __debezium-heartbeat.<prefix>) so that the offsets, and the slot,
// advance while the captured tables are quiet.
//
// # A lost slot
//
// When the slot can no longer give the changes after the committed
// offset (a streamed one, or a completed snapshot's, whose lsn is where
// the stream after the snapshot starts) — it has been dropped, invalidated because the WAL it needed was
// removed (max_slot_wal_keep_size), or has confirmed past the offset
// (dropped and created again, or advanced by hand) — those changes are
// gone. The task then fails, at the start or while streaming, with an
// error naming the slot and the committed LSN, rather than streaming on
// from a later point. To recover, either set snapshot.mode=when_needed
// and restart the task: the slot is created anew (dropped first when it
// exists) and a snapshot taken on its exported snapshot, then streaming
// goes on from there, as Debezium does; or delete the connector's offsets
// (and the slot, if it exists) so that it starts afresh as its
// snapshot.mode says. snapshot.mode=always takes a snapshot at every
// start in any case.
//
// When the server ends a connection while the task streams (a restart, a
// network failure, pg_terminate_backend), the task connects again by
// itself, waiting 1s, then up to 30s, between attempts, and streams on
// from the last record it queued. Losing it during a snapshot does not
// fail the task either: as Debezium, which restarts its task, the task
// connects again and takes the snapshot again from its start, so the rows
// read before the loss come twice. When the task created the slot for
// that snapshot, the slot is created anew, so that the new snapshot is
// again the slot's exported one and the stream starts exactly where it
// ends; otherwise changes made during the snapshot may also come twice.
// A slot still held by another connection (a killed worker's, which the
// server has not yet seen gone) is waited for in the same way.
//
// # Exactly once
//
// The connector supports exactly-once delivery
// (exactly.once.source.support=enabled on the worker;
// source.ExactlyOnceConnector): offsets are written record by record and
// a task resumes exactly after the committed one, so every streamed change
// is in Kafka once whatever the crash. A snapshot interrupted by a crash
// goes on after its last committed row (see Snapshot), so each row is in
// Kafka once too; Debezium takes it again from its start, sending again
// the rows of its Kafka transactions committed before the crash. Where
// it cannot go on (a table without a primary key left to read,
// PostgreSQL before 13 without a signal table), it is taken again from
// its start, as in Debezium.
//
// # Differences from Debezium
//
//   - plugin.name defaults to pgoutput, the only plugin decoded; Debezium's
//     default, decoderbufs, is refused.
//   - A column of a type Debezium has no mapping for (box, circle, line,
//     lseg, path, polygon, multiranges, other extensions' types) fails the
//     task with an error naming its table, column and type, where Debezium
//     leaves it out of the events without a word: leave it out with
//     column.exclude.list, or set include.unknown.datatypes=true to have
//     the bytes of its text, as Debezium writes them (geometric values as
//     the JDBC driver's PGbox and friends print them). pgvector's vector,
//     halfvec and sparsevec, and arrays of point and of bit strings, which
//     Debezium maps otherwise or never, fail the task whatever
//     include.unknown.datatypes says.
//   - The context headers (__debezium.context.*) are on change events and
//     their tombstones, as Debezium writes them; heartbeat records carry
//     none.
//   - source.version is kconnect's version, not Debezium's.
//   - An initial snapshot cut short goes on after its last committed row
//     as an incremental snapshot (see Snapshot), where Debezium takes it
//     again from its start; its tables are read in primary key order.
//     Without a signal table its watermarks are the server's, as in
//     Debezium's read-only incremental snapshots, but a chunk is sent
//     only once the stream has passed the high watermark (see
//     Incremental snapshots).
//   - An existing publication (all_tables or disabled mode) that does not
//     publish a table table.include.list names fails the start; Debezium
//     starts and never streams that table.
//   - A captured table without a primary key or a message.key.columns
//     entry whose REPLICA IDENTITY identifies no row (DEFAULT, NOTHING, or
//     USING INDEX whose index has gone) fails the start, or the task at
//     its Relation message when it comes while streaming, naming the
//     table; Debezium captures its inserts with a null key while
//     PostgreSQL refuses its UPDATEs and DELETEs (and, creating its
//     publication FOR ALL TABLES first, may be what makes PostgreSQL
//     refuse them).
//   - A table whose record key has columns outside its REPLICA IDENTITY
//     fails the start (or the task, at its Relation message or at a
//     change whose old row lacks them), naming the table and the columns;
//     Debezium builds the key of such a delete, and of its tombstone,
//     with those columns null, or its type's zero for a NOT NULL one (an
//     empty string, 0), a key that is not the row's.
package postgrescdc
