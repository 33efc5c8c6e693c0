// Package file is Kafka Connect's FileStreamSinkConnector for kconnect: it
// appends each record's value to a file (or standard output) as one line.
// Its configuration keys and output are those of
// org.apache.kafka.connect.file.FileStreamSinkConnector.
//
// # Configuration
//
//	file        the file to append to, created if missing; unset or empty
//	            writes to standard output
//	file.fsync  kconnect only: sync the file to disk on every flush
//	            (default false, as Kafka never syncs)
//
// The topics to read, topics or topics.regex, are the runtime's keys, as in
// Kafka, where SinkConnectorConfig adds them to every sink connector: they
// are not in this package's ConfigDef, and a runtime checks them.
//
// Use it from a runtime through Plugin (class
// org.apache.kafka.connect.file.FileStreamSinkConnector, also found as
// FileStreamSinkConnector and FileStreamSink), or from Go through NewSink.
//
// # Output
//
// Put writes one line per record: the value as Kafka's task prints it with
// PrintStream.println(record.value()), that is String.valueOf of the value
// Kafka Connect holds, followed by "\n" (a JVM on Unix writes the same). The
// key, headers and schema are not written. The forms are:
//
//   - null as "null", a string as is, booleans as true and false, integers
//     in decimal;
//   - FLOAT32 and FLOAT64 as Java's Float.toString and Double.toString
//     ("1.0", "1.0E10", "NaN"), a Decimal as BigDecimal.toString ("1E+3");
//   - Date, Time and Timestamp values as java.util.Date.toString in UTC
//     ("Fri Mar 15 12:34:56 UTC 2024"), as a JVM in UTC prints them (a JVM
//     in another zone prints its own), with Java's switch to the Julian
//     calendar before 15 October 1582;
//   - an ARRAY as [a, b], a MAP as {k=v, k2=v2} in java.util.HashMap
//     order, a STRUCT as Struct{a=1,b=x} without its null fields, with these
//     rules applied inside them.
//
// BYTES values are written as they are, byte for byte (also inside arrays,
// maps and structs). Java prints a byte array's identity ("[B@1b6d3586"),
// which loses the data; writing the bytes makes a FileStreamSource ->
// ByteArrayConverter -> FileStreamSink pipeline copy a file's lines
// unchanged. A Go value outside connect's data model (which only a Go
// transform could produce) is written as fmt's %v prints it. Formatting
// never fails.
//
// # Delivery and durability
//
// Put writes its lines to the file before it returns, as Kafka's task
// does, so they can be read at once and survive a crash of the process:
// a batch is gathered in a buffer (BufferSize) and written in one write
// when it fits, rather than one write per line. With file.fsync=true,
// Flush, which the runtime calls before it commits consumer offsets, syncs
// the file (File.Sync), so a record whose offset is committed
// survives a crash of the machine too. Stop syncs (with file.fsync) and
// closes the file. Delivery is at least once: records after the last
// commit are written again after a restart.
//
// Kafka's PrintStream swallows write errors (a full disk loses lines
// silently); here they fail Put, Flush or Stop, naming the file.
//
// Lines are written whole: the buffer is written out only at line
// boundaries, so several tasks appending to the same file (tasks.max > 1,
// each opening the file in append mode, as in Kafka) interleave whole lines
// on local file systems.
package file
