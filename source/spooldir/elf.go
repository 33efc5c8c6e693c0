package spooldir

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// elfEntryName is the name of the value schema of ELF entries.
const elfEntryName = "com.github.jcustenborder.kafka.connect.spooldir.LogEntry"

// elfDirectiveLines is how many lines at the top of a file are read for
// directives (#Fields: and the like), as spooldir's parser reads them.
const elfDirectiveLines = 20

var elfDirective = regexp.MustCompile(`^#(\S+):\s+(.+)`)

// elfFormat reads W3C Extended Log Format files as
// elf.SpoolDirELFSourceConnector does: the #Fields: directive names the
// columns; date is a Date, time a Time, time-taken, sc-status, sc-bytes
// and cs-bytes INT64, cs-uri-port INT32, others STRING, all optional, "-"
// null; with both date and time, a datetime Timestamp (UTC) is added. The
// fields are named in lower case with '(' and '-' made '_' and ')' dropped,
// and ordered as spooldir orders them (a java.util.HashMap's order of the
// log's field names, then datetime). Unlike spooldir, the entry on the
// line after the directives is not lost, and reading resumes at the byte
// after the last committed entry.
type elfFormat struct{ c *common }

func newELFFormat(_ *connect.Config, c *common) (format, error) { return &elfFormat{c: c}, nil }

// elfColumn is a column of the #Fields: directive.
type elfColumn struct {
	name  string // as the log names it
	field int    // value field index
	typ   string // "date", "time", "long", "int", "string"
}

func elfType(name string) string {
	switch name {
	case "date":
		return "date"
	case "time":
		return "time"
	case "time-taken", "sc-status", "sc-bytes", "cs-bytes":
		return "long"
	case "cs-uri-port":
		return "int"
	}
	return "string"
}

func elfFieldName(name string) string {
	return strings.ToLower(strings.NewReplacer("(", "_", ")", "", "-", "_").Replace(name))
}

// elfSchema builds the value schema of a #Fields: directive.
func elfSchema(names []string) (*connect.Schema, []elfColumn, error) {
	ordered := append([]string(nil), names...)
	connect.JavaHashMapOrder(ordered)
	var fields []connect.Field
	index := map[string]int{}
	for _, n := range ordered {
		var s *connect.Schema
		switch elfType(n) {
		case "date":
			s = connect.OptionalDateSchema
		case "time":
			s = connect.OptionalTimeSchema
		case "long":
			s = connect.OptionalInt64Schema
		case "int":
			s = connect.OptionalInt32Schema
		default:
			s = connect.OptionalStringSchema
		}
		s = s.WithParameter("logField", n)
		if _, dup := index[n]; dup {
			continue
		}
		index[n] = len(fields)
		fields = append(fields, connect.F(elfFieldName(n), s))
	}
	_, date := index["date"]
	_, tm := index["time"]
	if date && tm {
		fields = append(fields, connect.F("datetime", connect.OptionalTimestampSchema.WithParameter("logField", "date,time")))
	}
	s := connect.StructOf(fields...)
	s.Name = elfEntryName
	if err := s.Validate(); err != nil {
		return nil, nil, fmt.Errorf("the fields %s: %w", strings.Join(names, " "), err)
	}
	cols := make([]elfColumn, len(names))
	for i, n := range names {
		cols[i] = elfColumn{name: n, field: index[n], typ: elfType(n)}
	}
	return s, cols, nil
}

func (ef *elfFormat) open(f *fileInfo, resume position) (reader, error) {
	in, err := openText(f.path, 0, ef.c.bufferSize, nil)
	if err != nil {
		return nil, err
	}
	r := &elfReader{in: in, path: f.path, bufSize: ef.c.bufferSize, pos: position{bytes: in.pos}}
	if err := r.start(resume); err != nil {
		in.Close()
		return nil, err
	}
	return r, nil
}

type elfReader struct {
	in      *input
	path    string
	bufSize int
	schema  *connect.Schema
	cols    []elfColumn
	pos     position
	pending []byte // a line read with the directives that is an entry
	pendLen int64
	hasDate bool
}

// start reads the directives, then moves to resume when it is further on.
func (r *elfReader) start(resume position) error {
	var names []string
	for i := 0; i < elfDirectiveLines; i++ {
		line, n, err := readLine(r.in)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		m := elfDirective.FindSubmatch(line)
		if m == nil {
			if len(line) > 0 && line[0] == '#' { // a comment or directive without a value
				r.pos.bytes += n
				r.pos.line++
				continue
			}
			r.pending, r.pendLen = append([]byte(nil), line...), n
			break
		}
		r.pos.bytes += n
		r.pos.line++
		if strings.EqualFold(string(m[1]), "Fields") {
			names = append(names, strings.Fields(string(m[2]))...)
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("no #Fields: directive in the first %d lines", elfDirectiveLines)
	}
	var err error
	if r.schema, r.cols, err = elfSchema(names); err != nil {
		return err
	}
	_, r.hasDate = r.schema.Field("datetime")
	if resume.bytes > r.pos.bytes {
		r.in.Close()
		if r.in, err = openInput(r.path, resume.bytes, r.bufSize); err != nil {
			return err
		}
		r.pending = nil
		r.pos = resume
	}
	r.pos.records = resume.records
	return nil
}

func (r *elfReader) next() (item, error) {
	for {
		var line []byte
		var n int64
		if r.pending != nil {
			line, n, r.pending = r.pending, r.pendLen, nil
		} else {
			var err error
			if line, n, err = readLine(r.in); err == errTooLong {
				r.pos.bytes += n
				r.pos.line++
				return item{}, &rowError{line: r.pos.line, text: string(line), err: err}
			} else if err != nil {
				return item{}, err
			}
		}
		r.pos.bytes += n
		r.pos.line++
		text := string(line)
		if strings.TrimSpace(text) == "" || text[0] == '#' {
			continue
		}
		v, err := r.entry(text)
		if err != nil {
			return item{}, &rowError{line: r.pos.line, text: text, err: err}
		}
		r.pos.records++
		return item{valueSchema: r.schema, value: v, pos: r.pos}, nil
	}
}

func (r *elfReader) entry(text string) (*connect.Struct, error) {
	cells, err := splitELF(text)
	if err != nil {
		return nil, err
	}
	if len(cells) != len(r.cols) {
		return nil, fmt.Errorf("%d fields where #Fields: names %d", len(cells), len(r.cols))
	}
	st := connect.NewStruct(r.schema)
	var date, tm time.Time
	var hasDate, hasTime bool
	for i, c := range r.cols {
		cell := cells[i]
		if cell == nil {
			continue
		}
		fl := r.schema.Fields[c.field]
		var v any
		switch c.typ {
		case "date":
			t, err := time.Parse("2006-01-02", *cell)
			if err != nil {
				return nil, fmt.Errorf("field %s: %q is not a date", c.name, *cell)
			}
			v, date, hasDate = t, t, true
		case "time":
			t, err := parseLocalTime(*cell)
			if err != nil {
				return nil, fmt.Errorf("field %s: %q is not a time", c.name, *cell)
			}
			v, tm, hasTime = t, t, true
		case "long":
			n, err := strconv.ParseInt(*cell, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("field %s: %q is not a whole number", c.name, *cell)
			}
			v = n
		case "int":
			n, err := strconv.ParseInt(*cell, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("field %s: %q is not a whole number", c.name, *cell)
			}
			v = int32(n)
		default:
			v = *cell
		}
		if err := st.Put(fl.Name, v); err != nil {
			return nil, fmt.Errorf("field %s: %w", c.name, err)
		}
	}
	if r.hasDate && hasDate && hasTime {
		st.Put("datetime", date.Add(tm.Sub(time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC))))
	}
	return st, nil
}

// parseLocalTime reads Java's LocalTime.parse syntax: HH:mm, HH:mm:ss or
// HH:mm:ss with a fraction, kept to the millisecond Connect's Time holds.
func parseLocalTime(s string) (time.Time, error) {
	for _, layout := range []string{"15:04:05.999999999", "15:04:05", "15:04"} {
		if t, err := time.Parse(layout, s); err == nil && len(s) >= 5 && s[2] == ':' {
			return time.Date(1970, 1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1e6*1e6, time.UTC), nil
		}
	}
	return time.Time{}, errors.New("not a time")
}

// splitELF splits an entry into its fields: separated by spaces or tabs,
// a field in double quotes may hold them (a doubled quote is one quote),
// and "-" is null.
func splitELF(s string) ([]*string, error) {
	var out []*string
	for i := 0; i < len(s); {
		if s[i] == ' ' || s[i] == '\t' {
			i++
			continue
		}
		var field string
		if s[i] == '"' {
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(s) {
					return nil, errors.New("a quoted field is not closed")
				}
				if s[j] == '"' {
					if j+1 < len(s) && s[j+1] == '"' {
						b.WriteByte('"')
						j += 2
						continue
					}
					j++
					break
				}
				b.WriteByte(s[j])
				j++
			}
			field, i = b.String(), j
			out = append(out, &field)
			continue
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\t' {
			j++
		}
		field, i = s[i:j], j
		if field == "-" {
			out = append(out, nil)
		} else {
			out = append(out, &field)
		}
	}
	return out, nil
}

func (r *elfReader) Close() error { return r.in.Close() }
