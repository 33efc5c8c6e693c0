// Package offset will hold kconnect's source offset stores: in memory, in a
// local file (standalone mode), and in a compacted Kafka topic whose keys and
// values are byte-identical to Kafka Connect's, so a connector moved from a
// JVM Connect cluster resumes where it stopped.
//
// The wire form those stores write is already fixed by the connect package:
// a key is ["<connector>",<partition>] with the partition from
// connect.SourcePartition.AppendJSON, and a value is
// connect.Offset.AppendJSON (see connect.JavaHashMapOrder for why the bytes
// match a JVM worker's). The stores themselves arrive with the runtime.
package offset
