// Package mongodb holds what kconnect's MongoDB connectors share, the
// source (change streams) and the sink, each compatible with the official
// MongoDB Kafka connector (com.mongodb.kafka.connect):
//
//   - Connect opens a client from a connection.uri, and Redact, RedactError
//     keep the credentials in that URI out of every log line and error;
//   - ToDocument turns a record's key or value into a BSON document as the
//     official sink's SinkConverter does: a Struct by its schema, a
//     schemaless map, a JSON string (MongoDB Extended JSON) or raw BSON
//     bytes;
//   - the Document helpers read, set and remove fields of a bson.D, the
//     representation both connectors work on, which keeps field order.
//
// Connect values map to BSON as the official connector maps them: INT8,
// INT16 and INT32 to int32; INT64 to int64; FLOAT32 and FLOAT64 to double;
// BYTES to binary (subtype 0); Decimal to decimal128 (an error when it does
// not fit in 34 digits); Date, Time and Timestamp to a UTC datetime; STRUCT
// and MAP (string keys only) to embedded documents; ARRAY to an array. A
// null field of a required schema is an error; of an optional one, its
// default or BSON null.
package mongodb
