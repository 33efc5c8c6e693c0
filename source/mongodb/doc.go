// Package mongodb is a MongoDB source connector compatible with the
// official MongoDB Kafka connector's source
// (com.mongodb.kafka.connect.MongoSourceConnector): the same class name,
// alias, configuration keys and defaults, records and offsets, so that a
// deployment moves from the JVM connector to kconnect (or back) and resumes
// from the offsets the other wrote.
//
// The single task reads one change stream with the v2 Go driver's Watch, at
// the level the configuration names: a collection (database and
// collection), a database (database only) or the whole deployment
// (neither), through pipeline (a JSON array of stages). With no committed
// offset it starts per startup.mode: latest (now), timestamp
// (startup.mode.timestamp.start.at.operation.time) or copy_existing, which
// notes the stream's resume token, copies the existing documents as
// insert-shaped events (their _id {"_id": <document id>, "copyingData":
// true}), then streams from the noted token, so a change made during the
// copy is published (perhaps twice), never lost. The deprecated copy.existing
// keys are read when the startup.mode ones are not set.
//
// Records are the official connector's:
//
//   - the value is the change event, or its fullDocument with
//     publish.full.document.only (events without one give no record, or a
//     tombstone for deletes with publish.full.document.only.tombstone.on.delete);
//   - the key is the event's documentKey (change.stream.document.key.as.key,
//     default true) or {"_id": <resume token>} when it has none; with
//     output.format.key=schema it is built from the whole event by
//     output.schema.key, whose default keeps the resume token;
//   - output.format.key/value json writes the document as the Java driver's
//     JsonWriter does in the mode of output.json.formatter (DefaultJson:
//     legacy strict, ExtendedJson: canonical, SimplifiedJson: relaxed with
//     ObjectIds, decimals, dates and binary as strings), byte for byte
//     (`{"a": 1, "b": {"$numberLong": "2"}}`); bson writes the document's
//     bytes; schema converts it by the Avro schema of output.schema.*
//     (default: the official ChangeStream and keySchema schemas) or, with
//     output.schema.infer.value, by a schema inferred from the value;
//   - the topic is topic.prefix, then the topic.namespace.map entry for the
//     event's namespace (exact, database, "/regex", "*"), else db.coll,
//     then topic.suffix, joined by topic.separator; an event without ns.db
//     has no topic and is skipped with a warning;
//   - the source partition is {"ns": offset.partition.name}, by default
//     "mongodb://<hosts as written, sorted>/<database>[.<collection>]"; the offset
//     {"_id": <resume token as relaxed Extended JSON>}, with "copy": "true"
//     while copying (the last copied record carries the noted token
//     instead), and heartbeat records (heartbeat.interval.ms, to
//     heartbeat.topic.name) carry {"_id": <token>, "HEARTBEAT": "true"}.
//
// A resume token the server no longer has (codes 260, 280, 286, 10334, or
// a message saying so) fails the task with an error naming the partition
// and a warning saying how to restart; with errors.tolerance=all (or
// mongo.errors.tolerance=all) the stream restarts from now instead, with an
// error log line saying changes may have been lost, as the official
// connector does. A token the server reports invalidated (260) restarts
// the stream whatever the tolerance. Network failures are retriable: the
// stream is reopened after the last event returned.
//
// Checked against the official connector: the JSON of every formatter for
// every BSON type, the default partition names, and the schema output of
// MongoDB's documented events (testdata, goldens written by
// mongo-kafka-connect's own classes); and the records themselves (topic,
// key, value, headers, source partition and offset) of a copy followed by
// an insert, an update, a replace and a delete, with output.format json
// (DefaultJson and ExtendedJson) and schema, and publish.full.document.only
// with and without tombstones and an inferred value schema, against those
// mongo-kafka-connect 1.13.0 wrote in a JVM worker on the same server
// (testdata/official, recorded by its compare.sh).
//
// Differences from the official connector:
//
//   - the default output.schema.key and output.schema.value are those of
//     the latest releases (2.2 on), whose value schema has truncatedArrays
//     and disambiguatedPaths, which 1.14 and earlier lack, and wallTime,
//     which 2.1 and earlier lack: set output.schema.value to keep an
//     older release's records;
//   - the copy reads the namespaces one after the other
//     (startup.mode.copy.existing.max.threads is accepted and ignored);
//     startup.mode.copy.existing.namespace.regex is a Go (RE2) regular
//     expression, which lacks Java's lookarounds and backreferences;
//   - custom topic.mapper, output.json.formatter and credential provider
//     classes cannot be loaded, and topic.namespace.map's regular
//     expressions are RE2's; Avro schemas with enums, fixed or recursive
//     records are refused;
//   - the Java driver writes documents in the order the server sent their
//     fields, as kconnect does; schema names and field orders are the
//     official ones, but Connect Structs are kconnect's;
//   - JSON strings escape what Java's Character.getType leaves out, as
//     decided by Go's Unicode tables, which may differ from the JVM's for
//     characters added in recent Unicode versions;
//   - collection without database is refused (the official connector
//     watches the whole deployment then, ignoring the collection);
//   - an error that is neither about the resume token nor transient fails
//     the task where the official connector logs it and tries again at the
//     next poll;
//   - when the server gives no resume token before a copy (no event and no
//     postBatchResumeToken, which MongoDB 4.0.7 and later always give),
//     streaming starts at the server's operation time noted before the copy,
//     or a second before the local time when the server reports none (the
//     official connector starts from the time the copy ends, missing the
//     changes made during it); the last copied record then keeps the copy
//     marker.
package mongodb
