// Package connect is the vocabulary every kconnect package speaks: schemas and
// the values they describe, records and their headers, source partitions and
// offsets, configuration definitions, plugin descriptions and errors.
//
// It mirrors Kafka Connect's org.apache.kafka.connect.data, .header and
// .errors packages closely enough that a connector, converter or transform
// ported from the JVM keeps its meaning, and it imports only the standard
// library so that every other package can depend on it.
//
// # Values
//
// Each schema type has one Go representation:
//
//	INT8, INT16, INT32, INT64   int8, int16, int32, int64
//	FLOAT32, FLOAT64            float32, float64
//	BOOLEAN                     bool
//	STRING                      string
//	BYTES                       []byte
//	ARRAY                       []any
//	MAP                         map[string]any (string keys), map[any]any, or []MapEntry
//	STRUCT                      *Struct
//	Decimal                     Decimal (an unscaled *big.Int and a scale)
//	Date, Time, Timestamp       time.Time (UTC)
//
// Where a value carries no schema ("schemaless", as with JsonConverter and
// schemas.enable=false), the same Go types are used, and integral JSON numbers
// read back as int64 and other numbers as float64, as in Kafka Connect.
//
// A Go int is accepted wherever an integer schema is expected, provided it
// fits; everything else must be the exact type above.
//
// # Immutability
//
// Schemas, records, headers and source partitions are shared between
// goroutines and across transforms without copying. Treat a *Schema as
// immutable once it has been used, and never modify a Struct or a map that a
// record you have passed on still refers to: build a new one. Headers enforce
// this themselves: every change returns a new Headers value.
package connect
