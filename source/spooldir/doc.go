// Package spooldir is kafka-connect-spooldir: source connectors that read
// the files dropped into a directory (input.path), one record per line,
// CSV row, JSON value, log entry or Avro record, and move them away once
// read. Its connectors take spooldir's class names, keys and defaults, and write its
// records and file.* headers, so a spooldir connector configuration runs
// unchanged. Plugins returns them all:
//
//   - SpoolDirCsvSourceConnector (CsvPlugin): CSV rows (TSV and other
//     separators through csv.separator.char) as Structs of value.schema,
//     keyed by Structs of key.schema whose fields are copied from the row.
//   - SpoolDirJsonSourceConnector (JsonPlugin): a stream of JSON objects
//     (one after another, not one array, as Jackson's MappingIterator reads
//     them) as Structs, members matched to fields by name, nested STRUCTs,
//     ARRAYs and MAPs included.
//   - SpoolDirSchemaLessJsonSourceConnector (SchemaLessJsonPlugin): each
//     JSON value as a STRING, written back compactly as Jackson writes a
//     JsonNode (integers as written, other numbers as Java's
//     Double.toString).
//   - SpoolDirLineDelimitedSourceConnector (LineDelimitedPlugin): each line
//     as a STRING; lines end at "\n", "\r\n" or a lone "\r", as Java's
//     BufferedReader ends them.
//   - SpoolDirBinaryFileSourceConnector (BinaryFilePlugin): each file as one
//     BYTES value.
//   - elf.SpoolDirELFSourceConnector (ELFPlugin): W3C Extended Log Format
//     entries as Structs of the fields #Fields: names.
//   - SpoolDirAvroSourceConnector (AvroPlugin): the records of Avro object
//     container files, without a key, each value of the Connect schema
//     Confluent's AvroData gives the file's schema (converter/avro's
//     DatumReader, the AvroConverter's mapping with AvroData's defaults),
//     as spooldir converts them. Codecs null, deflate, snappy, bzip2 and
//     zstandard are read; a file in another (xz) is named and moved to
//     error.path, as is one that is not a container file (wrong magic, a
//     header cut short, a schema that cannot be parsed).
//
// key.schema and value.schema take spooldir's JSON shape ({"name", "type",
// "isOptional", "fieldSchemas": {...}}). With schema.generation.enabled the
// CSV and JSON connectors infer them when they start, from up to five files
// and a thousand records of each, with real types where spooldir makes
// every field a STRING: INT64, FLOAT64 or BOOLEAN when every value of a
// column or member is one (a number with leading zeros stays a STRING),
// nested STRUCTs and ARRAYs for JSON; every field optional. Files with
// different columns (or members) give the union of them, a file's rows
// leaving the fields it lacks null, where spooldir fails with "More than
// one schema was found". GenerateSchemas returns the schemas in the JSON
// shape, to paste into key.schema and value.schema.
//
// Where spooldir loses or repeats data, these connectors do not:
//
//   - A file is cleaned up (cleanup.policy: moved to finished.path,
//     deleted, or left) only after the offset of its last record is
//     committed, never when its records were merely handed to the runtime:
//     a file read to its end becomes eligible once the committed offset of
//     its partition, read back then and after each commit
//     (source.Committer), is that of its last record. The tasks are not
//     source.RecordCommitters: the runtime makes no call per record for
//     them.
//   - Source partitions are the file's identity: {"fileName", "file.length",
//     "file.last.modified"} (and "file.relative.path" for a file in a
//     sub-directory), so a new file that reuses an old one's name is read
//     from its start. Offsets are {"offset": records, "position": bytes,
//     "line": lines}: every format resumes at the byte after its last
//     committed record, without reading what came before (a compressed
//     file, or one in another charset than UTF-8, is decoded from its
//     start up to there). A file without an offset of its own but with
//     one a JVM spooldir committed under
//     its name ({"fileName"} partitions, read through the connector's
//     offsets when a worker takes over a JVM connector of the same name)
//     is read on after the records that offset covers (CSV, JSON and
//     lines; spooldir's off-by-one on resume left out), so a file the JVM
//     worker was partway through is not read again. Such an offset is the
//     name's, as in spooldir: a new file reusing the name of a file the
//     JVM worker read partway loses as many records. The other way, each
//     commit of a CSV, JSON or Avro file's offset also writes, under its
//     {"fileName"} partition (source.OffsetUpdater), the "offset" from
//     which spooldir resumes right after the same record (its skip loop's
//     count, off-by-one included), so a JVM worker taking over reads on
//     where this one stopped; spooldir's line-delimited task reads every
//     file from its top whatever its offset. That offset carries the
//     file's identity keys too, which spooldir ignores, and one whose
//     identity is not the file's is ignored here, so a new file reusing
//     the name is still read from its start.
//   - A processing flag (processing.file.extension) left by a task that
//     crashed is removed when the task owning the file starts again; the
//     file resumes from its committed offset. A move to finished.path cut
//     short by a crash is finished, not made into a second copy (a file
//     already there under its name, linked or with the same bytes, is
//     taken as the move done); a move to another file system copies to a
//     temporary name first, so that no part of a file takes its name.
//   - With halt.on.error=false a malformed record is logged with its file,
//     line and text (an Avro record by its block's byte position and its
//     number in the block), and the rest of the file is read; a file that cannot
//     be read or moved is named in the error (moved to error.path when it
//     cannot be read), and the task goes on with the next one. Blank lines
//     are skipped, and a CSV row shorter than the schema leaves the missing
//     fields null (an error for a field that is not optional) where
//     spooldir fails with an index out of bounds. With halt.on.error=true
//     the records before the bad one are returned, and the task fails at
//     the next poll, so what reaches Kafka does not depend on batch.size.
//   - Input that cannot be read is named, never dropped unseen: a CSV row
//     with non-empty cells the header does not name, a quoted field left
//     open (see below), and a line, CSV row or JSON value of more than 8
//     MiB (read past without being held in memory, where spooldir holds
//     it whole or fails) are malformed records; a file truncated while it
//     is read is an error moved to error.path; a file removed while it is
//     read is read to its end through the open file, and logged.
//     Malformed UTF-8 becomes U+FFFD, as Java's decoder makes it, and a
//     UTF-8 byte order mark at the start of a CSV, JSON,
//     line or ELF file is skipped (spooldir keeps it in CSV and lines, so
//     the first header name does not match its field). A file that cannot
//     be moved to error.path loses its processing flag, so that it is
//     tried again when the task next starts.
//   - Files ending in .gz, .bz2, .snappy, .lz4 or .z (in any case, where
//     spooldir takes lower case only) are decompressed as spooldir's
//     commons-compress does (.snappy: one raw Snappy block, not the
//     framed format; .lz4: LZ4 block sequences, not the frame format; .z:
//     Unix compress), in bounded memory, and .zst files too; symbolic
//     links are never followed, so nothing outside input.path is read or
//     moved; a file is never moved over another (a suffix "-1", "-2" is
//     added).
//   - A file is its identity (name, length, modification time): with
//     cleanup.policy NONE a file left in input.path is not read again
//     while it is unchanged, in this run or after a restart (its
//     committed offset says it was read; spooldir reads it again after
//     a restart), and once changed it is another file, read again from
//     its top (spooldir reads files whole and does not follow appends:
//     drop new rows in a new file). MOVEBYDATE's directory is the
//     modification date in the process's local zone (TZ), as spooldir's
//     SimpleDateFormat takes the JVM's default zone.
//   - The connectors support exactly-once delivery
//     (source.ExactlyOnceConnector; not with files.notifications.enabled,
//     whose file_start record is written again for a file resumed after
//     a restart), and check offsets altered through the runtime
//     (source.OffsetAlterer): an offset of a kconnect partition holds
//     "offset", "position" and "line", one of a JVM spooldir's
//     {"fileName"} partition "offset".
//   - tasks.max tasks share the files by a hash of their names
//     (task.partitioner ByName, as spooldir), so no file is read by two
//     tasks.
//   - ELF: the entry on the line after the directives is read, where
//     spooldir's parser drops it.
//   - Avro: a file is read block by block, not as a datum stream, so that
//     an offset's "position" is the byte at which the block holding the
//     next record starts (the end of the file after its last record) and
//     "line" the records of that block already read: a restart decodes
//     that one block again and skips those records, where spooldir reads
//     the file from its top and counts "offset" records. A block that
//     cannot be read (its count or size corrupt, its sync marker wrong, its
//     codec's data corrupt, a record that does not decode, more than 64
//     MiB stored or decompressed) is a malformed record; the file is read
//     on from the next block, found by its sync marker when the block's
//     own size cannot be trusted, as Java's DataFileReader.sync finds it.
//     A file that ends inside a block ends with a malformed record, its
//     records before it read.
//
// CSV is read as spooldir's opencsv 4.6 reads it (internal/opencsv,
// checked against goldens recorded from opencsv itself): its CSVParser
// by default, with csv.separator.char, csv.quote.char, csv.escape.char
// ('\\' by default, so `\"` is a quote inside quotes and a backslash
// before another character is dropped), csv.strict.quotes,
// csv.ignore.leading.whitespace, csv.ignore.quotations and
// csv.null.field.indicator as opencsv takes them (EMPTY_QUOTES makes ""
// null, EMPTY_SEPARATORS an empty unquoted cell); its RFC4180Parser with
// csv.rfc.4180.parser.enabled or a separator of 0 (which then separates
// at NUL characters, as in spooldir); rows over several lines where a
// quote is open, lines ended by "\n", "\r\n" or a lone "\r" (only "\n"
// with csv.keep.carriage.return, whose "\r" stays in the last cell);
// csv.skip.lines. Options opencsv refuses (the same character as two of
// separator, quote and escape) are refused when the connector starts.
// Where kconnect differs: a quoted field still open at the end of the
// file is a malformed row named by its first line, the rows before it
// read (spooldir fails the file); with csv.keep.carriage.return an empty
// line is an empty row, where opencsv ends the file there and drops the
// rest unseen; a row of more than 8 MiB is a malformed row (above);
// csv.verify.reader changes nothing (it changes nothing in a file's rows
// in spooldir either). With NEITHER an empty cell is "" for a STRING
// field and null for others.
//
// csv.file.charset (CSV) and file.charset (lines) take Java's charset
// names (IANA names such as ISO-8859-1, windows-1252, Shift_JIS, and
// Java's aliases such as Cp1252 and UTF_16LE); text is decoded with
// golang.org/x/text, bytes a charset cannot map becoming U+FFFD as with
// Java's decoder. UTF-16 takes its byte order from a byte order mark
// (big-endian without one); a byte order mark left in the text (UTF-8,
// UTF-16LE, UTF-16BE) is skipped at the start of a file, where Java keeps
// it. In a charset other than UTF-8 a record's position is one in the
// UTF-8 text the file decodes to, so a file resumes by decoding it from
// its start to that position, as a compressed file does. UTF-32 is
// refused when the connector starts. The JSON connectors find a file's
// charset as spooldir's Jackson does, from its first bytes: UTF-8, or
// UTF-16 or UTF-32 by their byte order mark or the zero bytes of their
// ASCII characters (file.charset is accepted and not used, as in
// spooldir).
package spooldir
