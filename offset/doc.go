// Package offset holds kconnect's source offset stores: Memory, File (for a
// single worker, in kconnect's own documented format) and Kafka (a compacted
// topic whose keys and values are byte-identical to Kafka Connect's, so a
// connector moved from a JVM Connect cluster resumes where it stopped).
//
// The wire form is fixed by the connect package: a key is the compact JSON
// ["<connector>",<partition>] with the partition from
// connect.SourcePartition.AppendJSON, and a value is connect.Offset.AppendJSON
// (see connect.JavaHashMapOrder for why the bytes match a JVM worker's); a
// null value (a tombstone) deletes an offset. Key and Value build them.
package offset
