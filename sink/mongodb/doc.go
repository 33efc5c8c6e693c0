// Package mongodb is the official MongoDB Kafka sink connector for kconnect
// (com.mongodb.kafka.connect.MongoSinkConnector, also found as
// MongoSinkConnector): it writes records to MongoDB collections with the
// official connector's configuration keys, strategies and class names, so
// a connector configuration written for it runs unchanged.
//
// # Documents
//
// A record's key and value become BSON documents as the official
// connector's SinkConverter makes them (internal/mongodb.ToDocument): a
// Struct by its schema (Decimal as decimal128, Date, Time and Timestamp as
// datetimes, BYTES as binary), a map (schemaless JSON) field by field, a
// string as MongoDB Extended JSON, bytes as a BSON document. Schemaless
// maps are written in java.util.HashMap order, as the official connector
// writes them. A key or value in no such form is a record error.
//
// # Writes
//
// The collection is database and collection (the topic's name when empty)
// or, with namespace.mapper=…FieldPathNamespaceMapper, fields of the key
// or value (namespace.mapper.key|value.database|collection.field, falling
// back to the defaults unless namespace.mapper.error.if.invalid). Every
// key may be set for one topic with topic.override.<topic>.<key>.
// post.processor.chain runs on each value: the DocumentIdAdder (always
// first, added when missing) sets _id by document.id.strategy unless the
// value has one and document.id.strategy.overwrite.existing is false;
// BlockList/AllowList Key/Value projectors (key.projection.list,
// value.projection.list, with * and ** wildcards), RenameByMapping
// (field.renamer.mapping) and RenameByRegExp (field.renamer.regexp, Java
// regular expressions), NullFieldValueRemover and KafkaMetaAdder change
// the documents. The id
// strategies are BsonOidStrategy (the default), ProvidedInKeyStrategy,
// ProvidedInValueStrategy, PartialKeyStrategy and PartialValueStrategy
// (document.id.strategy.partial.key|value.projection.type and .list,
// falling back to key|value.projection.type and .list), FullKeyStrategy,
// UuidStrategy (document.id.strategy.uuid.format string or binary),
// UuidProvidedInKeyStrategy, UuidProvidedInValueStrategy and
// KafkaMetaDataStrategy (topic#partition#offset). writemodel.strategy
// builds the write: DefaultWriteModelStrategy and ReplaceOneDefaultStrategy
// (replace by _id, upsert), ReplaceOneBusinessKeyStrategy (replace by the
// fields of the _id document), UpdateOneDefaultStrategy ($set by _id),
// UpdateOneTimestampsStrategy and UpdateOneBusinessKeyTimestampStrategy
// ($set with _modifiedTS, $setOnInsert _insertedTS), InsertOneDefaultStrategy,
// DeleteOneDefaultStrategy, DeleteOneBusinessKeyStrategy and
// DeleteOneTombstoneBusinessKeyStrategy. Class names are taken in full, as
// the official connector takes them, or by their simple name.
//
// A null value is deleted by its key with delete.on.null.values (the
// DeleteOneDefaultStrategy needs FullKeyStrategy, PartialKeyStrategy or
// ProvidedInKeyStrategy, else the configuration is refused); without it,
// it is a record error, as in the official connector.
//
// Each Put is written with the driver's BulkWrite, one per run of
// consecutive records bound for the same collection, split at
// max.batch.size (0: no limit), ordered unless bulk.write.ordered=false;
// rate.limiting.every.n and rate.limiting.timeout pause between them. Put
// returns once every record is written or reported, so the offsets the
// runtime commits are those of records written or reported.
//
// # Errors
//
// A record that cannot become a write (not a document, no _id for the id
// strategy, a tombstone without delete.on.null.values) or that the server
// refuses (a duplicate _id) goes to the errant record reporter with an
// error naming its topic, partition and offset; with an ordered bulk
// write, the records after a refused one were not attempted and are
// reported too, as the official connector reports them. With
// errors.tolerance=none the task fails with that error instead.
// mongo.errors.tolerance (none or all) overrides errors.tolerance for
// these records, per topic with topic.override: none fails the task
// without reporting the record even when the framework tolerates errors;
// all reports it (the framework's reporter, applying errors.tolerance,
// may still refuse it, as Kafka Connect's does). Each such record is
// logged at error level unless errors are tolerated and
// mongo.errors.log.enable (falling back to errors.log.enable) is not
// true. mongo.errors.deadletterqueue.topic.name is the source's key: the
// official sink has none, and its records go to the framework's
// errors.deadletterqueue.topic.name. A bulk
// write that fails for a transient reason (the network, no primary) is
// delivered again after retries.defer.timeout, up to max.num.retries times
// (the official connector now ignores these two keys and relies on the
// driver's retryable writes alone; kconnect uses both), then fails the
// task. The records of that batch written or reported by its earlier bulk
// writes are skipped when it is delivered again, so a retry writes no
// document twice; and the records of the bulk write that failed, which
// the server may have applied with no answer reaching the task, get the
// same random ids again (BsonOidStrategy, UuidStrategy), so the default
// ReplaceOneDefaultStrategy replaces what it wrote rather than adding
// copies under other ids, and an insert of theirs refused as a duplicate
// _id (InsertOneDefaultStrategy) is taken as written, not reported, an
// ordered bulk write going on after it. (A Debezium relational create
// event without a key still gets a new ObjectId.)
// connection.uri is a password: its credentials never appear in
// logs or errors.
//
// # Change data capture
//
// change.data.capture.handler set to Debezium's relational handlers
// (…cdc.debezium.rdbms.RdbmsHandler, …rdbms.postgres.PostgresHandler,
// …rdbms.mysql.MysqlHandler) replays change events instead: the
// document's _id is the event's key, c and r and u replace (upsert) it
// with the after image less the key fields, d deletes it; a tombstone or
// a schema change event is skipped. …cdc.mongodb.ChangeStreamHandler
// replays MongoDB change events (the official source connector's records):
// insert and replace replace (upsert) the document matching documentKey
// with fullDocument, update replaces it with fullDocument when the event
// has one, else $sets updatedFields and $unsets removedFields, delete
// deletes it, and drop, rename, dropDatabase and invalidate need no write;
// a value without operationType (a tombstone too) is a record error. Where
// the official 1.13.0 refuses any updateDescription field beyond
// updatedFields and removedFields, kconnect also takes an empty
// truncatedArrays and disambiguatedPaths, which MongoDB 5.0 and later send
// with every update (a non-empty truncatedArrays is refused).
//
// Debezium's MongoDB connector's events replay with
// …cdc.debezium.mongodb.MongoDbHandler (its oplog format) and
// …cdc.debezium.mongodb.ChangeStreamHandler (its change stream format,
// Debezium 1.7 and later): the key is {"id": <the document's _id as
// Extended JSON text>}; c and r replace (upsert) the document by the _id
// of after, a document as Extended JSON text; u applies patch (less the
// oplog's $v) to the key's document, or replaces it (upsert) when patch
// holds an _id; the ChangeStreamHandler's u replaces the key's document
// (upsert) with after, so it needs Debezium's full document on updates
// (capture.mode change_streams_update_full), as in the official
// connector; d deletes the key's document; a key with an id and no value
// (the delete's tombstone) and a schema change event need no write; a
// record without a key is a record error. Extended JSON is read in its
// canonical and relaxed forms, as Debezium writes it; where the official
// connector's Java parser also takes the shell form (ObjectId("…")) and
// unquoted field names, kconnect refuses them as record errors.
//
// With a handler, the post processors and the id and write model
// strategies are ignored, as in the official connector.
//
// # Time series
//
// With timeseries.timefield set, the first write to a collection makes
// sure it is a time series collection, as the official connector does: an
// existing time series collection is used as it is (its options are not
// compared), a missing one (or one without indexes) is created with
// timeField, timeseries.metafield (metaField), timeseries.granularity
// (seconds, minutes or hours, in any letter case) and
// timeseries.expire.after.seconds (expireAfterSeconds, when above 0), and
// any other collection is refused. Creating needs MongoDB 5.0 or newer
// (hello's maxWireVersion 13 or more). A collection that cannot be made a
// time series one fails the task with an error naming it and the key.
// The default write model then inserts (InsertOneDefaultStrategy); a
// configured one is kept. Without timeseries.timefield, setting the
// metafield, granularity or expiry is a configuration error (the official
// connector reports these from its validate step only, and creates the
// collection there too; kconnect, which has no such step, checks the keys
// when the connector and task start and the collection at the first
// write). Created meanwhile by another task, a time series collection is
// taken, where the official connector fails.
//
// timeseries.timefield.auto.convert=true converts the time field, last in
// the post processor chain: a number (int32, int64, double) becomes the
// datetime of that many milliseconds since the epoch, the fraction
// dropped; a string is parsed with
// timeseries.timefield.auto.convert.date.format, a java.time
// DateTimeFormatter pattern, a string without an offset or zone as UTC
// and a date alone as the start of its day. The official default takes a
// date, or a date and a time after T or a space, with a fraction of 3 or 6
// digits and then an offset (Z, +01, +0100; not +01:00) or a zone id
// followed by the same in square brackets, as kconnect does. A string
// that does not parse is left as it is, with a log line. kconnect parses
// the pattern letters u y M L d H h K k m s S a X x Z VV, quoted text and
// optional sections, with DateTimeFormatter's SMART resolution (day 29 to
// 31 of a shorter month is its last day); other letters are refused when
// the connector starts. timeseries.timefield.auto.convert.locale.language.tag
// may name any locale unless the pattern has month names or AM/PM, which
// kconnect has for Locale.ROOT (the default) and English (en, en-US) only.
//
// # Not yet
//
// change.data.capture.handler.remove.null.values,
// field.value.transformer, the CSFLE and custom credential provider keys
// are not implemented.
//
// # Compared with the official connector
//
// testdata/official/compare.sh runs the official connector
// (mongo-kafka-connect 1.13.0 in JVM Kafka Connect 4.4) and kconnect's
// worker program side by side on the records of testdata/official/cases.json
// (JsonConverter with and without schemas: nested structs and maps, arrays,
// Decimal, Timestamp, Date, Time, bytes, nulls; every id strategy, the
// replace, update, timestamps, business key and insert write models,
// delete.on.null.values, projections and renaming, the Debezium PostgreSQL
// handler, Debezium's MongoDB handlers on events in Debezium's documented
// shapes with its key and value schemas) and compares the documents they write; the official
// connector's are kept as goldens, which TestOfficialGoldens checks
// kconnect's against without a JVM. Known differences, not bugs:
//
//   - A class name is also accepted by its simple name; the official
//     connector loads only full names.
//   - The official connector's own retries (max.num.retries,
//     retries.defer.timeout) are ignored there and applied here (above).
//
// Generated ObjectIds and UUIDs and the timestamps of the timestamp write
// models differ by nature and are not compared.
//
// # Tested against
//
// Two servers speaking MongoDB's wire protocol, neither of them MongoDB;
// every server test runs on each whose URI variable is set.
//
// mongo-java-server (.ci/mongo-start, KCONNECT_MONGODB_URI), in memory: it
// has no transactions, no write concern errors and no retryable-write
// labels, so transient failures are tested as a connection cut by a TCP
// relay and, under a worker, the server stopped mid-run
// (TestServerRestartedUnderWorker: FerretDB killed and restarted on its
// files; mongo-java-server, whose data does not survive a restart, paused
// with SIGSTOP); its change events are not MongoDB's.
//
// FerretDB v1.24.2 over SQLite (.ci/ferretdb-start, KCONNECT_FERRETDB_URI):
// no change streams, no transactions, no endSessions command (the driver's
// call is refused and ignored), and no Decimal128 at all (a document
// holding one drops the connection), so Decimal fields are written to
// mongo-java-server only (TestWorkerPipeline skips FerretDB).
//
// Left untested by both: how MongoDB itself orders fields, validates
// documents and reports write errors (assumed to match them), write
// concern and retryable-write errors, replica set failover and
// authentication. Time series collections: mongo-java-server has no hello
// command (so the sink takes it for a server older than MongoDB 5.0) and
// creates a plain collection when asked for a time series one; FerretDB
// refuses to create one (NotImplemented). TestTimeseriesCollection checks
// the create command the sink sends (watched through the driver's command
// monitor) and the refusal of an existing plain collection; taking an
// existing time series collection, inserting into one, expiry and a
// creation refused as unauthorized are untested.
package mongodb
