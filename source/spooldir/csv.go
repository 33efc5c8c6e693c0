package spooldir

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kconnect-go/kconnect/connect"
)

// csvFormat reads CSV (or, with another csv.separator.char, TSV and the
// like) with encoding/csv; the package documentation says where that
// reads differently from spooldir's opencsv.
type csvFormat struct {
	c           *common
	key, value  *connect.Schema
	sep         rune
	header      bool
	skipLines   int
	nullEmpty   bool
	parser      *valueParser
	bufferBytes int
}

func newCSVFormat(cfg *connect.Config, c *common) (format, error) {
	f, err := csvDialect(cfg, c)
	if err != nil {
		return nil, err
	}
	if f.key, f.value, err = configuredSchemas(cfg); err != nil {
		return nil, err
	}
	if f.parser, err = newValueParser(c.dateFormats, c.zone); err != nil {
		return nil, err
	}
	if err := checkTimestampField(c, f.value); err != nil {
		return nil, err
	}
	return f, nil
}

// csvDialect reads the keys that say how rows are split.
func csvDialect(cfg *connect.Config, c *common) (*csvFormat, error) {
	f := &csvFormat{c: c, header: cfg.Bool(CSVFirstRowAsHeaderConfig), skipLines: cfg.Int(CSVSkipLinesConfig), bufferBytes: c.bufferSize}
	sep := cfg.Int(CSVSeparatorCharConfig)
	if sep == 0 { // spooldir's RFC 4180 parser, whose separator is a comma
		sep = ','
	}
	f.sep = rune(sep)
	if f.sep == '"' || f.sep == '\r' || f.sep == '\n' || f.sep == 0xFFFD {
		return nil, fmt.Errorf("%s %d cannot separate fields", CSVSeparatorCharConfig, sep)
	}
	if q := cfg.Int(CSVQuoteCharConfig); q != '"' {
		return nil, fmt.Errorf("%s %d is not supported: fields are quoted with '\"' (34)", CSVQuoteCharConfig, q)
	}
	for _, k := range []string{CSVIgnoreQuotationsConfig, CSVStrictQuotesConfig, CSVKeepCarriageReturnConfig} {
		if cfg.Bool(k) {
			return nil, fmt.Errorf("%s=true is not supported", k)
		}
	}
	f.nullEmpty = cfg.String(CSVNullFieldIndicatorConfig) != "NEITHER"
	return f, nil
}

// configuredSchemas reads key.schema and value.schema, both required (the
// connector fills them in when it generates them).
func configuredSchemas(cfg *connect.Config) (key, value *connect.Schema, err error) {
	for _, k := range []struct {
		name string
		dst  **connect.Schema
	}{{KeySchemaConfig, &key}, {ValueSchemaConfig, &value}} {
		text := cfg.String(k.name)
		if text == "" {
			return nil, nil, fmt.Errorf("%s must be set if %s = false", k.name, SchemaGenerationEnabledConfig)
		}
		s, err := parseSchema(text)
		if err != nil {
			return nil, nil, fmt.Errorf("could not read schema from %s: %w", k.name, err)
		}
		if s.Type != connect.StructType {
			return nil, nil, fmt.Errorf("%s must be a STRUCT schema, not %s", k.name, s.Type)
		}
		*k.dst = s
	}
	return key, value, nil
}

// checkTimestampField checks, for timestamp.mode FIELD, that
// timestamp.field names a Timestamp field that is not optional.
func checkTimestampField(c *common, value *connect.Schema) error {
	if c.timestampMode != TimestampField {
		return nil
	}
	if c.timestampField == "" {
		return fmt.Errorf("when %s is set to %s, %s must be set to a timestamp field", TimestampModeConfig, TimestampField, TimestampFieldConfig)
	}
	f, ok := value.Field(c.timestampField)
	if !ok || f.Schema.Optional || f.Schema.Logical() != connect.LogicalTimestamp {
		return fmt.Errorf("%s: field %q must be present in %s, a Timestamp and not optional", TimestampFieldConfig, c.timestampField, ValueSchemaConfig)
	}
	return nil
}

func (cf *csvFormat) newReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.Comma = cf.sep
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	return cr
}

func (cf *csvFormat) open(f *fileInfo, resume position) (reader, error) {
	in, err := openText(f.path, 0, cf.bufferBytes)
	if err != nil {
		return nil, err
	}
	r := &csvReader{f: cf, path: f.path, in: in, base: in.pos}
	if err := r.start(resume); err != nil {
		in.Close()
		return nil, err
	}
	return r, nil
}

type csvReader struct {
	f    *csvFormat
	path string
	in   *input
	cr   *csv.Reader
	base int64 // byte position where cr began
	line int64 // lines before cr began
	pos  position
	// column i of a row is value field valueCol[i] and key field keyCol[i]
	// (-1: none).
	valueCol, keyCol []int
	valueSet         []bool
	done             bool     // an empty file: nothing after the skipped lines
	raw              *os.File // the file, read at positions for oddQuotes
}

// start reads the skipped lines and the header, then moves to resume when
// it is further on.
func (r *csvReader) start(resume position) error {
	for range r.f.skipLines {
		_, n, err := readLine(r.in)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		r.base += n
		r.line++
	}
	r.cr = r.f.newReader(r.in.Reader)
	names := make([]string, len(r.f.value.Fields))
	for i, fl := range r.f.value.Fields {
		names[i] = fl.Name
	}
	if r.f.header {
		rec, err := r.cr.Read()
		if err == io.EOF {
			r.done = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the header row: %w", err)
		}
		names = slices.Clone(rec)
		validUTF8(names)
		line, _ := r.cr.FieldPos(0)
		end := r.line + int64(line)
		for _, f := range rec {
			end += int64(strings.Count(f, "\n"))
		}
		r.pos = position{bytes: r.base + r.cr.InputOffset(), line: end}
	} else {
		r.pos = position{bytes: r.base, line: r.line}
	}
	r.valueCol, r.keyCol = make([]int, len(names)), make([]int, len(names))
	for i, n := range names {
		r.valueCol[i], r.keyCol[i] = -1, -1
		if fl, ok := r.f.value.Field(n); ok {
			r.valueCol[i] = fl.Index
		}
		if fl, ok := r.f.key.Field(n); ok {
			r.keyCol[i] = fl.Index
		}
	}
	r.valueSet = make([]bool, len(r.f.value.Fields))
	if resume.bytes > r.pos.bytes {
		r.in.Close()
		in, err := openInput(r.path, resume.bytes, r.f.bufferBytes)
		if err != nil {
			return err
		}
		r.in, r.cr = in, r.f.newReader(in.Reader)
		r.base, r.line = resume.bytes, resume.line
		r.pos = resume
	} else {
		r.base, r.line = r.pos.bytes, r.pos.line
		r.cr = r.f.newReader(r.in.Reader)
	}
	r.pos.records = resume.records
	return nil
}

func (r *csvReader) next() (item, error) {
	if r.done {
		return item{}, io.EOF
	}
	for {
		from := r.base + r.cr.InputOffset()
		rec, err := r.cr.Read()
		if err == io.EOF {
			return item{}, io.EOF
		}
		to := r.base + r.cr.InputOffset()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return item{}, &rowError{line: r.line + int64(pe.StartLine), text: rawText(r.path, from, to), err: pe.Err}
			}
			return item{}, err
		}
		validUTF8(rec)
		line, _ := r.cr.FieldPos(0)
		start := r.line + int64(line)
		// A record's newlines are those of its quoted fields: its last
		// line is where the next record's lines are counted from.
		end := start
		for _, f := range rec {
			end += int64(strings.Count(f, "\n"))
		}
		r.pos.bytes, r.pos.line = to, end
		if end > start && r.oddQuotes(from, to) {
			// A row over several lines with an odd number of quotes: a
			// quote left open, which encoding/csv's LazyQuotes reads on to
			// the next quote it can take as closing (or to the end of the
			// file), rows and all, and which opencsv would end elsewhere.
			return item{}, &rowError{line: start, text: rawText(r.path, from, to), err: errors.New("a quoted field is not closed where the row ends")}
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" && len(r.f.value.Fields) > 1 {
			continue // a blank line of spaces
		}
		it, err := r.row(rec)
		if err != nil {
			return item{}, &rowError{line: start, text: rawText(r.path, from, to), err: err}
		}
		r.pos.records++
		it.pos = r.pos
		return it, nil
	}
}

// row makes a record of a row's cells.
func (r *csvReader) row(rec []string) (item, error) {
	f := r.f
	value := connect.NewStruct(f.value)
	clear(r.valueSet)
	for i, cell := range rec {
		if i >= len(r.valueCol) && f.header && cell != "" {
			// A cell the header does not name could not be read back from
			// any field: refuse the row rather than drop it unseen.
			return item{}, fmt.Errorf("%d cells where the header names %d columns", len(rec), len(r.valueCol))
		}
		if i >= len(r.valueCol) || r.valueCol[i] < 0 {
			continue
		}
		fl := f.value.Fields[r.valueCol[i]]
		if cell != "" {
			// A cell of a plain number, boolean or string is set as a
			// connect.Value, without boxing it in an interface first.
			if v, ok, err := f.parser.parsePlain(fl.Schema, cell); ok {
				if err == nil {
					err = value.SetAt(fl.Index, v)
				}
				if err != nil {
					return item{}, fmt.Errorf("field %s: %w", fl.Name, err)
				}
				r.valueSet[fl.Index] = true
				continue
			}
		}
		v, err := r.cell(fl.Schema, cell)
		if err != nil {
			return item{}, fmt.Errorf("field %s: %w", fl.Name, err)
		}
		if err := value.Put(fl.Name, v); err != nil {
			return item{}, fmt.Errorf("field %s: %w", fl.Name, err)
		}
		r.valueSet[fl.Index] = true
	}
	for i, set := range r.valueSet {
		if !set {
			fl := f.value.Fields[i]
			v, err := f.parser.null(fl.Schema)
			if err != nil {
				return item{}, fmt.Errorf("field %s: %w (the row has %d columns)", fl.Name, err, len(rec))
			}
			if v != nil {
				value.Put(fl.Name, v)
			}
		}
	}
	key := connect.NewStruct(f.key)
	for _, kf := range f.key.Fields {
		var v any
		if vf, ok := f.value.Field(kf.Name); ok {
			v = value.GetWithoutDefault(vf.Name)
		} else if i := slices.Index(r.keyCol, kf.Index); i >= 0 && i < len(rec) {
			var err error
			if v, err = r.cell(kf.Schema, rec[i]); err != nil {
				return item{}, fmt.Errorf("key field %s: %w", kf.Name, err)
			}
		}
		if v == nil {
			var err error
			if v, err = f.parser.null(kf.Schema); err != nil {
				return item{}, fmt.Errorf("key field %s: %w", kf.Name, err)
			}
		}
		if v != nil {
			if err := key.Put(kf.Name, v); err != nil {
				return item{}, fmt.Errorf("key field %s: %w", kf.Name, err)
			}
		}
	}
	it := item{keySchema: f.key, key: key, valueSchema: f.value, value: value}
	if f.c.timestampMode == TimestampField {
		it.timestamp, _ = value.Get(f.c.timestampField).(time.Time)
	}
	return it, nil
}

func (r *csvReader) cell(s *connect.Schema, text string) (any, error) {
	if text == "" && r.f.nullEmpty {
		return r.f.parser.null(s)
	}
	return r.f.parser.parse(s, text)
}

func (r *csvReader) Close() error {
	if r.raw != nil {
		r.raw.Close()
	}
	return r.in.Close()
}

// oddQuotes reports whether the content from one position to another, a
// row over several lines, holds an odd number of '"'. A plain file is
// read at those positions through a handle of its own; a compressed one,
// which would be decompressed again from its start, only for its last row.
func (r *csvReader) oddQuotes(from, to int64) bool {
	if compressed(r.path) {
		return r.atEnd() && oddQuotes(r.path, from, to)
	}
	if r.raw == nil {
		var err error
		if r.raw, err = os.Open(r.path); err != nil {
			return false
		}
	}
	buf := make([]byte, min(to-from, 64<<10))
	n := 0
	for at := from; at < to; {
		m, err := r.raw.ReadAt(buf[:min(int64(len(buf)), to-at)], at)
		n += bytes.Count(buf[:m], []byte{'"'})
		at += int64(m)
		if err != nil {
			break
		}
	}
	return n%2 == 1
}

// jvmDone: spooldir's CSV offset is the lines opencsv read, less
// csv.skip.lines and the header.
func (cf *csvFormat) jvmDone(n int64) func(position) bool {
	n += int64(cf.skipLines)
	if cf.header {
		n++
	}
	return func(p position) bool { return p.line >= n }
}

// atEnd reports whether the CSV reader has read all of the content (it
// reads through r.in's buffer).
func (r *csvReader) atEnd() bool {
	_, err := r.in.Peek(1)
	return err == io.EOF
}

// validUTF8 replaces malformed UTF-8 in cells by U+FFFD, as Java's decoder
// does with spooldir's csv.file.charset.
func validUTF8(cells []string) {
	for i, c := range cells {
		if !utf8.ValidString(c) {
			cells[i] = strings.ToValidUTF8(c, "\uFFFD")
		}
	}
}

// oddQuotes reports whether a file's content from one position to another
// holds an odd number of '"': a quoted field left open.
func oddQuotes(path string, from, to int64) bool {
	in, err := openInput(path, from, 4096)
	if err != nil {
		return false
	}
	defer in.Close()
	n := 0
	for left := to - from; left > 0; {
		b, err := in.Peek(int(min(left, 4096)))
		n += bytes.Count(b, []byte{'"'})
		in.Discard(len(b))
		left -= int64(len(b))
		if err != nil {
			break
		}
	}
	return n%2 == 1
}

// maxRawText bounds the text of a bad row put in an error.
const maxRawText = 1024

// rawText returns the bytes of a file's content from one position to
// another (at most maxRawText), without its line ending, for an error.
func rawText(path string, from, to int64) string {
	if to <= from {
		return ""
	}
	in, err := openInput(path, from, 4096)
	if err != nil {
		return ""
	}
	defer in.Close()
	buf := make([]byte, min(to-from, maxRawText))
	n, _ := io.ReadFull(in, buf)
	return strings.TrimRight(string(buf[:n]), "\r\n")
}
