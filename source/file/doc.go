// Package file is Kafka Connect's FileStreamSourceConnector for kconnect: it
// tails a text file (or reads standard input) and turns each line into a
// record. Its configuration keys, records, source partitions and offsets are
// those of org.apache.kafka.connect.file.FileStreamSourceConnector, so a
// connector can move between a JVM worker and kconnect and resume where the
// other stopped.
//
// # Configuration
//
//	file        the file to read; unset or empty reads standard input
//	topic       the topic to write to (required, one topic)
//	batch.size  the most records one Poll returns (default 2000)
//
// Use it from a runtime through Plugin (class
// org.apache.kafka.connect.file.FileStreamSourceConnector, also found as
// FileStreamSourceConnector and FileStreamSource), or from Go through
// NewSource. Options tune what Kafka's configuration does not cover: how
// often the file is checked at its end, the longest line accepted, the
// reader used for standard input.
//
// The connector and its task log through the logger their runtime gives
// them (source.ConnectorContext.Logger, source.TaskContext.Logger), which
// names the connector and task; the task adds file=<the file>. Started
// without a context (nil, as when a test drives the connector by hand),
// they log nothing.
//
// # Records
//
// Each line becomes one record, as Kafka's FileStreamSourceTask makes it:
// no key, value schema STRING, value the line without its terminator, topic
// the topic key, no Kafka partition, timestamp the time it was read. A line
// ends at "\n", "\r\n" or a lone "\r". Empty lines are records with an empty
// value. The source partition is {"filename": <file as configured>} and the
// offset {"position": <byte offset just after the line's terminator>}, the
// same maps, with the same JSON, that a JVM worker writes, except that the
// last record of each Poll also carries a fingerprint of the file's first
// bytes (see Offsets and file identity below).
//
// # Lines and bytes
//
// A line is emitted only once its terminator has been read; a line still
// being written waits for the rest. A "\r" at the end of the data read so
// far waits for the next byte, to tell "\r\n" from "\r". (Exception: when the
// file is finished for good, because it was rotated away or truncated, or
// standard input ended, its unterminated last line is emitted rather than
// lost; Kafka never emits it.)
//
// Lines are decoded as UTF-8, as Kafka's InputStreamReader decodes them:
// invalid bytes never fail the task; each malformed sequence becomes one
// U+FFFD, with the bytes grouped into sequences as Java's decoder groups them
// (so the value is the string a JVM worker would produce).
//
// Lines longer than the read buffer grow it, as Kafka does, up to the
// MaxLineBytes option (default 16 MiB); a longer line fails the task with an
// error naming the file and the line's byte offset, rather than exhausting
// memory.
//
// Positions count bytes. Kafka's task counts UTF-16 characters instead but
// skips bytes when it resumes, so the two agree for ASCII files; for files
// with other characters Kafka's stored positions fall short of the line
// ends. A position written by Kafka is used as a byte position here, which is
// what Kafka itself does when it resumes from it.
//
// # Tailing, truncation and rotation
//
// At the end of the file Poll waits for more data, checking the file every
// PollInterval (default 100ms), for up to about a second before it returns
// no records; it returns at once when its context is cancelled. Kafka checks
// once a second.
//
// Kafka does not notice truncation or rotation; this package does:
//
//   - Truncation, checked before every read: the open file is now shorter
//     than what has been read, or no longer begins with the bytes it began
//     with (up to its first KiB, as read before). The second catches a file
//     truncated and written again past the position read between two reads,
//     as when logrotate's copytruncate copies a log away and truncates it
//     while its writer goes on: reading on at the old position would skip
//     the new file's first lines. The task logs a warning naming the file
//     and the position read, and reads the file again from the start. A
//     file whose first bytes are rewritten in place is read again too; one
//     truncated and written again with the same first bytes as before is
//     not noticed while it is longer than the position.
//   - Rotation, checked at the end of the file: the path now names a
//     different file than the one open (it was renamed or deleted, and a new
//     file created, as logrotate does). The task reads the old file to its
//     end, then opens the new one and reads it from the start. Data written to the old file after that is not
//     read. While the path names no file, the old file is kept open and
//     followed.
//
// Lines read from a truncated or rotated-away file after the change was
// noticed carry position 0, meaning "the start of the file the path now
// names", which is where a restarted task should begin.
//
// # Offsets and file identity
//
// On start the task reads the committed offset of its partition and resumes
// there. A committed position beyond the end of the file is treated as a
// truncation (read from the start, with a warning); Kafka instead spins until
// the file grows that far. A position that is not an integer fails the task
// with Kafka's message ("Offset position is the incorrect type"); so does a
// negative one. While the file does not exist the task waits for it,
// checking every PollInterval, and logs a warning once.
//
// A position alone cannot tell that the file was replaced, or truncated and
// written again, while no task ran, once the new file is longer than the
// position. As log shippers do, the task therefore keeps a fingerprint of
// the file's first bytes with the position: the offset of the last record
// of each Poll is {"position": n, "head.bytes": k, "head.hash": h}, where h
// is the CRC-64 of the file's first k bytes (up to 1024: the fingerprint
// covers more of a small file as it grows), with "tail.bytes" and
// "tail.hash" fingerprinting likewise the bytes just before the position (up
// to 1024, within the lines of the Poll), so that a replaced file that
// starts as the old one did (a common header, a preamble longer than the
// head covers) is told apart by what precedes the position. A task resuming
// from such an offset reads the file from the start, with a warning naming
// the file and the position, when the file's first k bytes, or the bytes
// before the position, no longer match. A malformed fingerprint is ignored,
// with a warning.
//
// The extra keys leave the offset Kafka's: Kafka's task reads only the
// position, and an offset with only a position (written by Kafka, or
// altered through the runtime) resumes at its position as in Kafka,
// unchecked; the task then takes the fingerprint from the file as it finds
// it. Only the last record of a Poll carries the fingerprint, because a
// one-key offset is stored inline in a record and a three-key one costs
// allocations per record: the offset a runtime commits when it stops
// cleanly, and whenever everything polled has been written, is such a
// record's; one committed from the middle of a Poll's records (after a
// crash, say) has the position alone and is resumed unchecked.
//
// # Standard input
//
// With no file, the task reads standard input (or the Stdin option's
// reader) through a background goroutine, so Poll still honours its context.
// As in Kafka, offsets are not tracked: the partition is {"filename": null}
// (or "" if file was set to an empty string) and the offset {"position":
// null}, and a restarted task reads standard input from wherever it is. A
// read that never returns cannot be interrupted, so Stop does not wait for
// the goroutine. Standard input is never closed. A file that is not a regular
// file (a FIFO, a device) is read the same way, with positions tracked, but
// without truncation and rotation checks; opening a FIFO blocks until a
// writer opens it.
//
// # Delivery
//
// At least once: lines read after the last committed offset are read again
// after a restart. With a file that is only appended to, the connector
// supports exactly-once delivery (ExactlyOnceSupport), as Kafka's does; with
// standard input it does not. Offsets altered through the runtime are checked
// as Kafka checks them: rejected for standard input, and otherwise each
// partition needs a "filename" key and each offset a non-negative integer
// "position" (or none, to reset it).
package file
