// Package jdbc is Confluent's JDBC source connector for kconnect
// (io.confluent.connect.jdbc.JdbcSourceConnector, also found as
// JdbcSourceConnector): it reads the rows of tables, or of a query, of
// PostgreSQL, MySQL, MariaDB or SQLite, with Confluent's configuration
// keys, partitions and offsets, so a configuration written for it runs
// unchanged and a JVM deployment's committed offsets resume here.
//
// # Databases
//
// connection.url is a JDBC URL (jdbc:postgresql:, jdbc:mysql:,
// jdbc:mariadb:, jdbc:sqlite:) or a native one, as in the JDBC sink;
// connection.password is never logged; the connector and each task
// connect up to connection.attempts times, connection.backoff.ms apart.
// The URL's TLS parameters mean what they mean to the JDBC drivers:
// pgJDBC's ssl (ssl=true without sslmode is verify-full), sslmode,
// sslrootcert, sslcert, sslkey (PEM, or PKCS#8 DER as pgJDBC's default
// postgresql.pk8), sslpassword and sslfactory=…NonValidatingFactory (TLS
// without verification); Connector/J's useSSL, requireSSL,
// verifyServerCertificate and sslMode (DISABLED, PREFERRED, the default
// of jdbc:mysql:, REQUIRED, VERIFY_CA, VERIFY_IDENTITY) and MariaDB
// Connector/J's useSsl, trustServerCertificate, sslMode (disable, the
// default of jdbc:mariadb:, trust, verify-ca, verify-full) and
// serverSslCert (the CA, a PEM file or inline). Java key stores
// (trustCertificateKeyStoreUrl, ...) have no equivalent: they are logged,
// by name, as ignored parameters.
//
// # Tables
//
// Without query, the connector lists the database's tables (table.types
// TABLE and/or VIEW; on PostgreSQL those of the schemas schema.pattern
// matches, on MySQL those of catalog.pattern's database or the
// connection's), keeps those table.whitelist names (by table name or
// qualified name) or table.blacklist does not, or whose qualified name
// table.include.list matches and table.exclude.list does not, and spreads
// them round-robin over min(tables, tasks.max) tasks; a table is read by
// one task. Every table.poll.interval.ms it lists them again and asks for
// new task configurations when they changed. Each table's rows go to
// topic.prefix + the table's name, as Structs (key null) whose schema is
// named after the table; with query, one task reads it and its topic is
// topic.prefix itself.
//
// kconnect.key.from.primary.key, kconnect's own key (false by default,
// when records are Confluent's), keys each record by its table's primary
// key, as Confluent's users do with the ValueToKey and ExtractField
// transforms: a Struct named after the table with ".Key" ("orders.Key"),
// of the key's columns in the key's order, each field the value's. The
// key is read from the database's catalog (pg_index on PostgreSQL,
// information_schema's PRIMARY constraint on MySQL, pragma_table_info on
// SQLite) when the table is first read and again when its columns change.
// A table without a primary key (a view, say), or whose key has a column
// of a type left out of the records, keeps null keys, logged once per
// table. It cannot be set with query, whose result has no primary key:
// the connector refuses to start.
//
// A table dropped while it is read, or listed but gone by the time its
// task starts, is waited for: the task logs it once, polls for it every
// poll.interval.ms without an error (query.retry.attempts counts only
// failures of tables that exist) and reads it on from its offset once
// it exists again, while the connector, seeing it gone, gives its tasks
// the tables that remain (none: no task) and, when it is back, gives it
// to one again. table.whitelist names no table has are logged by the
// connector and copied once created. Confluent's task instead fails
// its queries of a dropped table (retried query.retry.attempts times,
// then the task fails) until the reconfiguration, and with no table at
// all it runs one task that fails at start ("Task is being killed
// because it was not assigned a table nor a query to execute"). A table
// created again with ids below the committed offset is read only from
// that offset on, as in Confluent's.
//
// # Modes
//
// Values are always bound and identifiers quoted (quote.sql.identifiers).
// The statements are Confluent's, query.suffix appended:
//
//   - bulk: SELECT * FROM t, every poll.interval.ms, without offsets.
//   - incrementing: … WHERE inc > ? ORDER BY inc ASC.
//   - timestamp: … WHERE ts > ? AND ts < ? ORDER BY ts ASC, the upper
//     bound being the database's clock less timestamp.delay.interval.ms.
//   - timestamp+incrementing: … WHERE ts < ? AND ((ts = ? AND inc > ?) OR
//     ts > ?) ORDER BY ts,inc ASC.
//
// With several timestamp.column.name columns, ts is their COALESCE. With
// table.include.list, Confluent's newer keys name each table's columns
// instead: incrementing.column.mapping (regex:col, …) and
// timestamp.columns.mapping (regex:[col1|col2], …), each table's
// qualified name matching exactly one regex (or the task fails); they
// cannot be mixed with table.whitelist, table.blacklist,
// incrementing.column.name or timestamp.column.name. An
// empty incrementing.column.name is each table's auto-increment column
// (serial or identity on PostgreSQL, AUTO_INCREMENT on MySQL, the INTEGER
// PRIMARY KEY on SQLite); a table without one fails the task. With
// query, the WHERE clause is appended to it, so a query with its own
// WHERE must be wrapped as a sub-select. A poll returns up to
// batch.max.rows rows, the rest of the result following at the next
// polls. In timestamp mode a record's offset moves to its timestamp only
// once the last row of that timestamp has been read, so a restart reads
// again the rows sharing a timestamp rather than skip them.
// On PostgreSQL, beyond Confluent, the incremental modes over tables read
// only rows written by transactions older than the oldest one still open
// on the server (a row's xmin against txid_snapshot_xmin of the
// statement's snapshot): a row of a higher id committed while a lower one's
// transaction is open waits for it, instead of moving the offset past the
// lower one, which would then never be read (jdbc#915). The price is that
// a long transaction anywhere on the server delays the rows written after
// it began; a transaction that takes its id (nextval) in one statement
// and writes it in a later one is not covered.
//
// MariaDB, MySQL and SQLite tell no such thing, as in Confluent's:
// there timestamp.delay.interval.ms is the only bound. The timestamp
// modes read a row once the database's clock is that delay past its
// timestamp, so a row committed within the delay of its timestamp is
// read, in timestamp order, but one committed later than that, after a
// row of a later timestamp was read, is skipped for ever. Set the delay
// above the longest time between a row's timestamp being taken
// (CURRENT_TIMESTAMP is the statement's start; an application's clock
// earlier still) and its transaction's commit. Incrementing mode has no
// such guard: MariaDB takes an AUTO_INCREMENT id at the insert, not at
// the commit, so a row of a lower id committed after a higher one was
// read is skipped; use timestamp+incrementing with a delay, or have
// writers commit in id order. SQLite's write lock, held from a
// transaction's first write to its commit, commits the ids an INTEGER
// PRIMARY KEY assigns, and CURRENT_TIMESTAMP values, in order; ids and
// timestamps an application chooses before that are not covered.
// validate.non.null (the default) fails a task whose incrementing column
// is nullable, or whose timestamp columns all are; a primary key column
// is not nullable, as in Confluent's dialects, though SQLite's catalog
// says it may be null (an INTEGER PRIMARY KEY too). timestamp.initial starts the timestamp
// modes from an epoch millisecond (-1: the database's now) when no offset
// is committed.
//
// # Failures
//
// A failing query is retried (the poll returns an error wrapping
// connect.ErrRetriable, and the runtime polls again after a back-off)
// up to query.retry.attempts times in a row (-1, the default: for ever);
// then the task fails with an error naming the table.
// transaction.isolation.mode other than DEFAULT runs each query in a
// read-only transaction of that level (SQLite has one level, whatever is
// asked); SQL_SERVER_SNAPSHOT is refused, as Confluent refuses it off SQL
// Server. query.masked is the query kept as a secret (it cannot be set
// with query). table.monitoring.startup.polling.limit.ms, max.buffer.size,
// poll.linger.ms and date.calendar.system are accepted with no effect
// (the tables are listed at start, a batch is read at each poll and
// returned as it is, and Go's calendar is the proleptic Gregorian one);
// jdbc.credentials.provider.class takes only its default;
// numeric.precision.mapping=true is numeric.mapping=precision_only. Unlike
// Confluent's newest validation, a configuration naming no tables at all
// (no whitelist, include list or column names) copies every table.
//
// # Partitions and offsets
//
// A table's partition is {"protocol":"1","table":"<catalog.schema.table>"}
// (db.public.t on PostgreSQL, db.t on MySQL, t on SQLite), a query's
// {"query":"query"}; the offset is {"incrementing": n}, {"timestamp": ms,
// "timestamp_nanos": ns} or the three, as Confluent writes them. A task
// with no offset under the protocol 1 partition reads the older
// {"table": name}.
//
// # Types
//
// Result columns map as Confluent's dialects map the JDBC types their
// drivers report (internal/jdbc's SourceColumn): integers by width
// (unsigned ones one size up; MySQL's BIGINT UNSIGNED an INT64, a value
// beyond it failing the poll, as Connector/J's getLong fails), REAL and
// DOUBLE, BOOLEAN, text types (and PostgreSQL's uuid, json, jsonb, xml and
// enum types, MySQL's ENUM, SET and JSON) as STRING, binary as BYTES,
// DATE, TIME and TIMESTAMP as Connect's logical types read in db.timezone
// (TIMESTAMP columns as timestamp.granularity says: connect_logical, or
// micros or nanos since the epoch as an INT64 or a STRING, or an ISO
// date-time without zone in db.timezone; the offset is the timestamp of
// the value written), and NUMERIC or DECIMAL by numeric.mapping: none (a
// Decimal), precision_only (an integer type for scale 0 below 19 digits),
// best_fit (also FLOAT64 for a positive scale below 19 digits) or
// best_fit_eager_double. PostgreSQL's money is a FLOAT64, oid an INT64,
// timetz a Time (in UTC), bit(1) a BOOLEAN, bit(2..8) an INT8 and longer
// bit strings BYTES (the bits packed from the first byte's highest;
// Confluent reads the bit string's text as a decimal number there);
// MySQL's YEAR is a Date (January 1st), BIT(1..8) and TINYINT(1) INT8s
// and longer BITs INT64s (where Confluent fails). SQLite's INTEGER is an
// INT64 and REAL a FLOAT64, as SQLite stores them: Confluent's SQLite
// dialect maps them to INT32 and FLOAT32 and reads them with getInt and
// getFloat, which drop a larger integer's high bits and a double's
// precision, so a table read by both has those fields' types differ
// (TestDistributedJDBCTakeoverFromJVM in runtime/cli shows it). Columns of the types
// Confluent leaves out (PostgreSQL's arrays, interval, inet, cidr,
// macaddr, varbit, geometric, range and domain types, ...) are left out
// of the records too, with a warning naming the column, once per table.
// A table's NOT NULL columns are required fields, the others optional (as
// are a query's, whose nullability the drivers do not report); the value
// schema is one *Schema for as long as the table's columns stay the same.
package jdbc
