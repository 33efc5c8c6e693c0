// Package jdbc is Confluent's JDBC sink connector for kconnect
// (io.confluent.connect.jdbc.JdbcSinkConnector, also found as
// JdbcSinkConnector): it writes records to tables of PostgreSQL, MySQL,
// MariaDB or SQLite, with Confluent's configuration keys, so a connector
// configuration written for it runs unchanged.
//
// # Databases
//
// connection.url is a JDBC URL, translated to the Go driver's settings:
// jdbc:postgresql://host:port/db (pgx), jdbc:mysql:// and jdbc:mariadb://
// (go-sql-driver/mysql), jdbc:sqlite:path (modernc.org/sqlite, pure Go, no
// server needed; its busy_timeout parameter, as sqlite-jdbc's, is how many
// milliseconds a writer waits for another's lock before failing
// transiently, 10000 by default). Native postgres://, mysql:// and sqlite: URLs work too.
// connection.user and connection.password override credentials in the
// URL; the password is never logged, and connection errors name the host,
// never it. JDBC URL parameters without a Go equivalent are logged by name
// and ignored. A task connects up to connection.attempts times,
// connection.backoff.ms apart. dialect.name, when set, must name the URL's
// dialect (SqliteDatabaseDialect, PostgreSqlDatabaseDialect,
// MySqlDatabaseDialect).
//
// # Writes
//
// Records are Structs with a schema (as JsonConverter with schemas, Avro
// or Protobuf converters give them) or schemaless JSON objects (below).
// The table is table.name.format with ${topic} replaced by the record's
// topic; as in Confluent's sink, a dot separates a schema (PostgreSQL),
// database (MySQL) or attached database (SQLite) from the table, and a
// name of three parts (db.public.users, as Debezium names topics) drops
// the first. insert.mode is insert, upsert (INSERT … ON CONFLICT DO UPDATE
// on PostgreSQL and SQLite, INSERT … ON DUPLICATE KEY UPDATE on MySQL) or
// update (UPDATE … WHERE key). pk.mode says what the primary key is: none,
// kafka (the record's topic, partition and offset, in the columns
// __connect_topic, __connect_partition and __connect_offset or the three
// pk.fields names), record_key (the key's fields, or pk.fields of them; a
// primitive key is the one column pk.fields names) or record_value.
// fields.whitelist narrows the value's fields written. With
// delete.enabled (and pk.mode=record_key) a null value deletes the row of
// its key. A null field with a default is written as the default unless
// replace.null.with.default is false. auto.create creates a missing table
// from the record's schema, with its primary key; auto.evolve adds
// columns for new fields (nullable, or NOT NULL with a numeric or boolean
// default); neither ever drops or retypes a column. Types are Confluent's
// mapping (see internal/jdbc): an ARRAY field of a primitive or logical
// type is an array column of its element's type on PostgreSQL. Existing
// PostgreSQL uuid, json and jsonb columns take STRING fields, as keys too,
// without the casts Confluent's sink needs: pgx binds each parameter with
// the type the server inferred for it. The database converts each value
// bound to its column's type (a string to a timestamp, a number to a
// decimal); a number or boolean going to a text column is written as its
// JSON text (5, 2.5, false). Names are always quoted
// (quote.sql.identifiers=never writes plain names bare and refuses others)
// and values always bound, so no topic, field or value can change a
// statement.
//
// # Nested values
//
// Where Confluent's sink refuses nested values ("Unsupported source data
// type: STRUCT"), kconnect writes STRUCT, MAP and other ARRAY fields as
// JSON text: auto.create makes them JSONB columns on PostgreSQL, JSON on
// MySQL (a LONGTEXT holding valid JSON on MariaDB) and TEXT on SQLite, and
// an existing column of another type (TEXT, json) gets the same text; an
// ARRAY goes to an existing PostgreSQL array column as an array. The JSON
// is what JsonConverter writes without a schema: a Struct as an object of
// its fields, a MAP of string keys as an object and of other keys as an
// array of [key, value] pairs, BYTES as base64, Decimals as numbers, Date,
// Time and Timestamp as epoch milliseconds.
//
// # Schemaless values
//
// Where Confluent's sink refuses them, a value (or record key) without a
// schema, or with a MAP schema, that is a map of string keys is written
// too: JsonConverter with schemas.enable=false gives a []connect.MapEntry;
// a map[string]any works as well. Its keys name the columns, matched to an
// existing table's columns as field names are, whose types the database
// converts the values to (above). auto.create and auto.evolve infer a
// column's type from the first value seen for it: a JSON integer is INT64
// (BIGINT; INTEGER on SQLite), any other number FLOAT64 (DOUBLE
// PRECISION, DOUBLE, REAL), a string STRING (TEXT), true or false BOOLEAN,
// an object or an array JSON (above); the columns are nullable, primary
// key columns excepted. A null member adds no column (its type is
// unknown) and is NULL in a column that exists. Records of one table with
// the same members of the same types share one statement, as records of
// one schema do. A value of another kind (a string, an array) is an
// errant record.
//
// # Delivery
//
// Each Put is written in one transaction, committed before Put returns, so
// the consumer offsets the runtime commits afterwards are those of
// committed rows: delivery is at least once, and exactly the rows once
// with insert.mode=upsert and a stable key.
//
// The idempotent mode is pk.mode=kafka with insert.mode=upsert: each row
// is keyed by its record's topic, partition and offset, so records
// delivered again after a crash (written and committed to the database,
// their offsets not yet to Kafka) upsert the rows they wrote before, and
// the table holds one row per record whatever the deliveries. It suits a
// topic whose records are events without a key of their own. With
// insert.mode=insert the same key makes a redelivered record fail as a
// duplicate (an errant record), and with pk.mode=none it is a second row.
//
// A transient failure (a lost
// connection, a deadlock, a busy database) rolls the batch back and asks
// the runtime to deliver it again, up to max.retries times,
// retry.backoff.ms apart. Any other failure, or the last transient one,
// makes the task write the batch again one record per transaction: the
// records that still fail go to the errant record reporter (the dead
// letter queue, with errors.tolerance=all) with their table and the
// reason, and the others are written; without tolerance the task fails
// with an error naming the table and the record's Kafka position, the
// records before it being written. A record that still fails transiently
// fails the task, as the database is failing, not the record.
//
// In insert mode, a run of records of one table and schema is written by
// one INSERT of up to batch.size rows (fewer when their columns would pass
// 32766 bind parameters), or on PostgreSQL by one COPY of up to batch.size
// rows, in the Put's transaction (a view, which takes no COPY, by
// INSERT). A Put is one transaction, so its size, at most the worker's
// max.poll.records (500 by default; a connector may set
// consumer.override.max.poll.records), is how many rows each commit
// holds: on SQLite, which syncs its journal at every commit, 10,000 writes
// about four times as fast as 500. In upsert mode such a run is one multi-row upsert holding the
// last record of each key in it, which leaves the rows as one statement
// per record would; updates and deletes are one prepared statement per
// record. table.types, date.timezone and
// trim.sensitive.log are accepted: the sink writes to whatever exists
// under a table's name, Date values are days whatever the zone, and no
// value is ever logged. db.timezone is the zone of TIMESTAMP and
// DATETIME wall clocks; SQLite stores dates, times and timestamps as
// milliseconds since the epoch, as Confluent's sink does through the
// SQLite JDBC driver.
package jdbc
