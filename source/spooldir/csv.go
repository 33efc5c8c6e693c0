package spooldir

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/opencsv"
)

// csvFormat reads CSV (or, with another csv.separator.char, TSV and the
// like) as spooldir's opencsv reads it (internal/opencsv); the package
// documentation says where that differs.
type csvFormat struct {
	c           *common
	key, value  *connect.Schema
	dialect     opencsv.Options // without SkipLines
	header      bool
	skipLines   int
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

// csvDialect reads the keys that say how rows are split, as spooldir's
// SpoolDirCsvSourceConnectorConfig builds opencsv's parser from them: its
// RFC4180Parser when csv.rfc.4180.parser.enabled is set or the separator
// is 0 (which that parser then splits at, as spooldir's does), its
// CSVParser otherwise. csv.verify.reader changes nothing that can be
// seen in a file's rows.
func csvDialect(cfg *connect.Config, c *common) (*csvFormat, error) {
	f := &csvFormat{c: c, header: cfg.Bool(CSVFirstRowAsHeaderConfig), skipLines: cfg.Int(CSVSkipLinesConfig), bufferBytes: c.bufferSize}
	var err error
	if c.charset, err = lookupCharset(cfg.String(CSVFileCharsetConfig)); err != nil {
		return nil, fmt.Errorf("%s: %w", CSVFileCharsetConfig, err)
	}
	sep := cfg.Int(CSVSeparatorCharConfig)
	f.dialect = opencsv.Options{
		RFC4180:   sep == 0 || cfg.Bool(CSVRFC4180ParserEnabledConfig),
		Separator: rune(sep), Quote: rune(cfg.Int(CSVQuoteCharConfig)), Escape: rune(cfg.Int(CSVEscapeCharConfig)),
		StrictQuotes:            cfg.Bool(CSVStrictQuotesConfig),
		IgnoreLeadingWhiteSpace: cfg.Bool(CSVIgnoreLeadingWhitespaceCfg),
		IgnoreQuotations:        cfg.Bool(CSVIgnoreQuotationsConfig),
		KeepCarriageReturn:      cfg.Bool(CSVKeepCarriageReturnConfig),
		NullField: map[string]opencsv.NullField{"NEITHER": opencsv.Neither, "EMPTY_SEPARATORS": opencsv.EmptySeparators,
			"EMPTY_QUOTES": opencsv.EmptyQuotes, "BOTH": opencsv.Both}[cfg.String(CSVNullFieldIndicatorConfig)],
	}
	if _, err := opencsv.NewReader(strings.NewReader(""), f.dialect); err != nil {
		return nil, fmt.Errorf("%s %d, %s %d, %s %d: %w", CSVSeparatorCharConfig, sep, CSVQuoteCharConfig, f.dialect.Quote,
			CSVEscapeCharConfig, f.dialect.Escape, err)
	}
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

// newReader reads rows from in, skipping csv.skip.lines first when skip
// is set.
func (cf *csvFormat) newReader(in io.Reader, skip bool) *opencsv.Reader {
	o := cf.dialect
	if skip {
		o.SkipLines = cf.skipLines
	}
	r, _ := opencsv.NewReader(in, o) // the options were checked by csvDialect
	return r
}

func (cf *csvFormat) open(f *fileInfo, resume position) (reader, error) {
	in, err := openText(f.path, 0, cf.bufferBytes, cf.c.charset)
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
	cr   *opencsv.Reader
	base int64 // byte position where cr began
	line int64 // lines before cr began
	pos  position
	// column i of a row is value field valueCol[i] and key field keyCol[i]
	// (-1: none).
	valueCol, keyCol []int
	valueOp          []plainOp // how column i's cells are read (parsePlainOp)
	valueSet         []bool
	nulls            []bool // the row's null cells
	done             bool   // an empty file: nothing after the skipped lines

	// keyFrom[i] is the index of the value field that key field i takes
	// its value from, -1 for none; made by the first row, with keyKind[i],
	// the key field's ValueKind.
	keyFrom      []int
	keyKind      []connect.Kind
	keys, values structChunk
}

// start reads the skipped lines and the header, then moves to resume when
// it is further on.
func (r *csvReader) start(resume position) error {
	r.cr = r.f.newReader(r.in.Reader, true)
	names := make([]string, len(r.f.value.Fields))
	for i, fl := range r.f.value.Fields {
		names[i] = fl.Name
	}
	if r.f.header {
		rec, _, err := r.cr.Read()
		if err == io.EOF {
			r.done = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the header row: %w", err)
		}
		names = slices.Clone(rec)
		validUTF8(names)
	}
	r.pos = position{bytes: r.base + r.cr.InputOffset(), line: r.cr.LinesRead()}
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
	r.valueOp = make([]plainOp, len(names))
	for i, j := range r.valueCol {
		if j >= 0 {
			r.valueOp[i] = plainOpOf(r.f.value.Fields[j].Schema)
		}
	}
	if resume.bytes > r.pos.bytes {
		r.in.Close()
		in, err := openContent(r.path, resume.bytes, r.f.bufferBytes, r.f.c.charset)
		if err != nil {
			return err
		}
		r.in, r.cr = in, r.f.newReader(in.Reader, false)
		r.base, r.line = resume.bytes, resume.line
		r.pos = resume
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
		rec, nulls, err := r.cr.Read()
		if err == io.EOF {
			return item{}, io.EOF
		}
		to := r.base + r.cr.InputOffset()
		r.pos.bytes, r.pos.line = to, r.line+r.cr.LinesRead()
		if err != nil {
			var pe *opencsv.ParseError
			if errors.As(err, &pe) {
				return item{}, &rowError{line: r.line + pe.Line, text: rawText(r.path, r.f.c.charset, from, to), err: pe.Err}
			}
			return item{}, err
		}
		if !r.cr.ASCII() {
			validUTF8(rec)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" && len(r.f.value.Fields) > 1 {
			continue // a blank line of spaces
		}
		r.nulls = nulls
		it, err := r.row(rec)
		if err != nil {
			return item{}, &rowError{line: r.line + r.cr.Line(), text: rawText(r.path, r.f.c.charset, from, to), err: err}
		}
		r.pos.records++
		it.pos = r.pos
		return it, nil
	}
}

// row makes a record of a row's cells.
func (r *csvReader) row(rec []string) (item, error) {
	f := r.f
	value := r.values.next(f.value)
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
		if op := r.valueOp[i]; op != notPlain && cell != "" {
			// A cell of a plain number, boolean or string is set as a
			// connect.Value, without boxing it in an interface first.
			// op was chosen for the field's schema, so the value is of
			// the kind that schema stores and needs no check.
			j := r.valueCol[i]
			v, _, err := parsePlainOp(op, cell)
			if err != nil {
				return item{}, fmt.Errorf("field %s: %w", f.value.Fields[j].Name, err)
			}
			value.SetAtUnchecked(j, v)
			r.valueSet[j] = true
			continue
		}
		fl := f.value.Fields[r.valueCol[i]]
		v, err := r.cell(fl.Schema, cell, r.nulls[i])
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
	key := r.keys.next(f.key)
	if r.keyFrom == nil {
		r.keyFrom = make([]int, len(f.key.Fields))
		r.keyKind = make([]connect.Kind, len(f.key.Fields))
		for i, kf := range f.key.Fields {
			r.keyFrom[i] = -1
			r.keyKind[i] = kf.Schema.ValueKind()
			if vf, ok := f.value.Field(kf.Name); ok {
				r.keyFrom[i] = vf.Index
			}
		}
	}
	for _, kf := range f.key.Fields {
		var v any
		if j := r.keyFrom[kf.Index]; j >= 0 {
			// A number, boolean or string the key field takes is copied
			// without boxing it; any other value goes the general way.
			// One of the very kind the key field stores needs no check.
			if cv := value.At(j); plainKind(cv.Kind()) && cv.Kind() == r.keyKind[kf.Index] {
				key.SetAtUnchecked(kf.Index, cv)
				continue
			} else if plainKind(cv.Kind()) && key.SetAt(kf.Index, cv) == nil {
				continue
			}
			v = value.GetWithoutDefault(kf.Name)
		} else if i := slices.Index(r.keyCol, kf.Index); i >= 0 && i < len(rec) {
			var err error
			if v, err = r.cell(kf.Schema, rec[i], r.nulls[i]); err != nil {
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

// plainKind reports whether a value of kind k is one that a Struct field
// takes, with SetAt, exactly when it takes the same value with Put.
func plainKind(k connect.Kind) bool {
	switch k {
	case connect.KindInt8, connect.KindInt16, connect.KindInt32, connect.KindInt64,
		connect.KindFloat32, connect.KindFloat64, connect.KindBool, connect.KindString:
		return true
	}
	return false
}

// cell parses a cell; a null one (opencsv's csv.null.field.indicator) is
// the field's null.
func (r *csvReader) cell(s *connect.Schema, text string, null bool) (any, error) {
	if null {
		return r.f.parser.null(s)
	}
	return r.f.parser.parse(s, text)
}

func (r *csvReader) Close() error { return r.in.Close() }

// jvmDone: spooldir's CSV offset is the lines opencsv read, less
// csv.skip.lines and the header.
func (cf *csvFormat) jvmDone(n int64) func(position) bool {
	n += int64(cf.skipLines)
	if cf.header {
		n++
	}
	return func(p position) bool { return p.line >= n }
}

// jvmOffset: spooldir's CSV task, given offset n, reads rows until opencsv
// has read n lines in all (header and csv.skip.lines included, which its
// committed offsets leave out), the row ending at line n the last one it
// skips.
func (cf *csvFormat) jvmOffset(p position) int64 { return p.line }

// validUTF8 replaces malformed UTF-8 in cells by U+FFFD, as Java's decoder
// does with spooldir's csv.file.charset.
func validUTF8(cells []string) {
	for i, c := range cells {
		if !utf8.ValidString(c) {
			cells[i] = strings.ToValidUTF8(c, "\uFFFD")
		}
	}
}

// maxRawText bounds the text of a bad row put in an error.
const maxRawText = 1024

// rawText returns the bytes of a file's content (in charset cs) from one
// position to another (at most maxRawText), without its line ending, for
// an error.
func rawText(path string, cs encoding.Encoding, from, to int64) string {
	if to <= from {
		return ""
	}
	in, err := openContent(path, from, 4096, cs)
	if err != nil {
		return ""
	}
	defer in.Close()
	buf := make([]byte, min(to-from, maxRawText))
	n, _ := io.ReadFull(in, buf)
	return strings.TrimRight(string(buf[:n]), "\r\n")
}
