// Package spooldir is kafka-connect-spooldir: source connectors that read
// the files dropped into a directory (input.path), one record per line,
// CSV row or JSON value, and move them away once read. Its connectors take
// spooldir's class names, keys and defaults, and write its records and
// file.* headers, so a spooldir connector configuration runs unchanged.
// Built so far: SpoolDirCsvSourceConnector (CsvPlugin; TSV and other
// separators through csv.separator.char), SpoolDirJsonSourceConnector
// (JsonPlugin), SpoolDirSchemaLessJsonSourceConnector
// (SchemaLessJsonPlugin), SpoolDirLineDelimitedSourceConnector
// (LineDelimitedPlugin), SpoolDirBinaryFileSourceConnector
// (BinaryFilePlugin) and elf.SpoolDirELFSourceConnector (ELFPlugin);
// Plugins returns them all. SpoolDirAvroSourceConnector is not built.
//
// The JSON connectors read a stream of JSON values one after another (not
// one array), as Jackson's MappingIterator does. SchemaLessJson writes each
// value back compactly as Jackson writes a JsonNode (integers as written,
// other numbers as Java's Double.toString). Json matches an object's
// members to value.schema's fields by name, nested STRUCTs, ARRAYs and
// MAPs included; its schema generation infers nested types, where
// spooldir takes the first object's members as STRINGs.
//
// The CSV connector reads with encoding/csv; csvFormat's documentation
// lists where that reads differently from spooldir's opencsv. key.schema
// and value.schema take spooldir's JSON shape ({"name", "type",
// "isOptional", "fieldSchemas": {...}}); with schema.generation.enabled
// the connector infers them when it starts from up to five files: column
// names from the header, and real types (INT64, FLOAT64, BOOLEAN, else
// STRING; all optional) from up to a thousand rows of each, where spooldir
// makes every field a STRING.
//
// Where spooldir loses or repeats data, these connectors do not:
//
//   - A file is cleaned up (cleanup.policy: moved to finished.path,
//     deleted, or left) only after the offset of its last record is
//     committed, never when its records were merely handed to the runtime:
//     a file becomes eligible once the runtime has settled all its records
//     (source.RecordCommitter) and the committed offset of its partition,
//     read back after a commit (source.Committer), is that of its last
//     record.
//   - Source partitions are the file's identity: {"fileName", "file.length",
//     "file.last.modified"} (and "file.relative.path" for a file in a
//     sub-directory), so a new file that reuses an old one's name is read
//     from its start. Offsets are {"offset": records, "position": bytes,
//     "line": lines}: every format resumes at the byte after its last
//     committed record, without reading what came before.
//   - A processing flag (processing.file.extension) left by a task that
//     crashed is removed when the task owning the file starts again; the
//     file resumes from its committed offset.
//   - With halt.on.error=false a malformed record is logged with its file,
//     line and text, and the rest of the file is read; a file that cannot
//     be read at all is moved to error.path, named in the error, and the
//     task goes on with the next one.
//   - Files ending in .gz, .bz2 or .zst are decompressed; symbolic links are
//     never followed, so nothing outside input.path is read or moved; a
//     file is never moved over another (a suffix "-1", "-2" is added).
//   - tasks.max tasks share the files by a hash of their names
//     (task.partitioner ByName), so no file is read by two tasks.
package spooldir
