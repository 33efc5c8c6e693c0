package spooldir

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jsonparse"
)

// jsonFormat reads a stream of JSON objects into Structs of value.schema
// (top-level members matched to fields by name), keyed by Structs of
// key.schema read from the same object, as SpoolDirJsonSourceConnector
// does, resuming at the byte after the last committed object.
type jsonFormat struct {
	c          *common
	key, value *connect.Schema
	parser     *valueParser
}

func newJSONFormat(cfg *connect.Config, c *common) (format, error) {
	f := &jsonFormat{c: c}
	var err error
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

func (jf *jsonFormat) open(f *fileInfo, resume position) (reader, error) {
	in, err := openJSON(f.path, resume.bytes, jf.c.bufferSize)
	if err != nil {
		return nil, err
	}
	resume.bytes = in.pos
	return &jsonReader{f: jf, s: jsonStream{in: in, pos: resume.bytes, line: resume.line}, pos: resume}, nil
}

// jvmDone: spooldir's JSON offset is the index, from 0, of the last
// record.
func (jf *jsonFormat) jvmDone(n int64) func(position) bool {
	return func(p position) bool { return p.records > n }
}

// jvmOffset: spooldir's JSON task, given offset n, skips n values (its
// committed offsets are the index of the last, one fewer).
func (jf *jsonFormat) jvmOffset(p position) int64 { return p.records }

type jsonReader struct {
	f   *jsonFormat
	s   jsonStream
	pos position
}

func (r *jsonReader) next() (item, error) {
	n, data, line, err := readJSON(&r.s, &r.pos)
	if err != nil {
		return item{}, err
	}
	if n.Kind != jsonparse.Object {
		return item{}, &rowError{line: line, text: clip(data), err: fmt.Errorf("a JSON object was expected, not %s", n.Describe())}
	}
	value, err := r.f.parser.structOf(r.f.value, &n, "")
	if err != nil {
		return item{}, &rowError{line: line, text: clip(data), err: err}
	}
	key, err := r.f.parser.structOf(r.f.key, &n, "")
	if err != nil {
		return item{}, &rowError{line: line, text: clip(data), err: fmt.Errorf("key: %w", err)}
	}
	r.pos.records++
	it := item{keySchema: r.f.key, key: key, valueSchema: r.f.value, value: value, pos: r.pos}
	if r.f.c.timestampMode == TimestampField {
		it.timestamp, _ = value.Get(r.f.c.timestampField).(time.Time)
	}
	return it, nil
}

func (r *jsonReader) Close() error { return r.s.in.Close() }

// structOf reads the members of object n named as s's fields.
func (p *valueParser) structOf(s *connect.Schema, n *jsonparse.Node, path string) (*connect.Struct, error) {
	st := connect.NewStruct(s)
	for _, f := range s.Fields {
		fp := f.Name
		if path != "" {
			fp = path + "." + f.Name
		}
		v, err := p.node(f.Schema, n.Member(f.Name), fp)
		if err != nil {
			return nil, err
		}
		if v != nil {
			if err := st.Put(f.Name, v); err != nil {
				return nil, fmt.Errorf("field %s: %w", fp, err)
			}
		}
	}
	return st, nil
}

// node converts a JSON value to a value of s: numbers, booleans and
// strings as they are or parsed from strings, objects to Structs and
// maps, arrays to lists, epoch milliseconds or formatted text to dates and
// times. A missing member or null is null (the default, or an error for
// a field that is not optional).
func (p *valueParser) node(s *connect.Schema, n *jsonparse.Node, path string) (any, error) {
	if n == nil || n.Kind == jsonparse.Null {
		v, err := p.null(s)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", path, err)
		}
		return v, nil
	}
	fail := func(err error) (any, error) { return nil, fmt.Errorf("field %s: %w", path, err) }
	wrong := func() (any, error) { return fail(fmt.Errorf("%s cannot be read as %s", n.Describe(), s.Type)) }
	switch s.Logical() {
	case connect.LogicalTimestamp, connect.LogicalDate, connect.LogicalTime:
		if n.Kind == jsonparse.Number {
			ms, err := strconv.ParseInt(n.Str, 10, 64)
			if err != nil {
				return fail(err)
			}
			t := connect.MillisToTimestamp(ms)
			switch s.Logical() {
			case connect.LogicalDate:
				y, m, d := t.Date()
				return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
			case connect.LogicalTime:
				return time.Date(1970, 1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC), nil
			}
			return t, nil
		}
	case connect.LogicalDecimal:
		if n.Kind == jsonparse.Number {
			v, err := p.parse(s, n.Str)
			if err != nil {
				return fail(err)
			}
			return v, nil
		}
	}
	switch s.Type {
	case connect.StructType:
		if n.Kind != jsonparse.Object {
			return wrong()
		}
		return p.structOf(s, n, path)
	case connect.ArrayType:
		if n.Kind != jsonparse.Array {
			return wrong()
		}
		out := make([]any, len(n.Kids))
		for i := range n.Kids {
			v, err := p.node(s.Elem, &n.Kids[i], fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case connect.MapType:
		if n.Kind != jsonparse.Object || s.Key.Type != connect.StringType {
			return wrong()
		}
		out := make(map[string]any, len(n.Keys))
		for i, k := range n.Keys {
			v, err := p.node(s.Elem, &n.Kids[i], path+"."+k)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	case connect.StringType:
		if n.Kind == jsonparse.String {
			return n.Str, nil
		}
		return string(appendJackson(nil, n)), nil
	case connect.BooleanType:
		switch n.Kind {
		case jsonparse.True:
			return true, nil
		case jsonparse.False:
			return false, nil
		}
	case connect.Int8Type, connect.Int16Type, connect.Int32Type, connect.Int64Type:
		if n.Kind == jsonparse.Number {
			if !isIntegral(n.Str) {
				return fail(fmt.Errorf("%s is not a whole number", n.Str))
			}
			v, err := p.parse(s, n.Str)
			if err != nil {
				return fail(err)
			}
			return v, nil
		}
	case connect.Float32Type, connect.Float64Type:
		if n.Kind == jsonparse.Number {
			f, err := strconv.ParseFloat(n.Str, 64)
			if err != nil {
				return fail(err)
			}
			if s.Type == connect.Float32Type {
				if math.Abs(f) > math.MaxFloat32 {
					return fail(fmt.Errorf("%s is out of a FLOAT32's range", n.Str))
				}
				return float32(f), nil
			}
			return f, nil
		}
	case connect.BytesType:
		if n.Kind == jsonparse.String && s.Logical() != connect.LogicalDecimal {
			b, err := base64.StdEncoding.DecodeString(n.Str)
			if err != nil {
				return fail(err)
			}
			return b, nil
		}
	}
	if n.Kind == jsonparse.String { // numbers, booleans, decimals and times in strings
		v, err := p.parse(s, n.Str)
		if err != nil {
			return fail(err)
		}
		return v, nil
	}
	return wrong()
}

// schemaLessFormat reads a stream of JSON values, each a STRING value
// without a key holding the value written back compactly, as
// SpoolDirSchemaLessJsonSourceConnector does, but resuming at the byte
// after the last committed value rather than from the top.
type schemaLessFormat struct{ c *common }

func newSchemaLessFormat(_ *connect.Config, c *common) (format, error) {
	return &schemaLessFormat{c: c}, nil
}

func (sf *schemaLessFormat) open(f *fileInfo, resume position) (reader, error) {
	in, err := openJSON(f.path, resume.bytes, sf.c.bufferSize)
	if err != nil {
		return nil, err
	}
	resume.bytes = in.pos
	return &schemaLessReader{s: jsonStream{in: in, pos: resume.bytes, line: resume.line}, pos: resume}, nil
}

type schemaLessReader struct {
	s   jsonStream
	pos position
	out []byte
}

func (r *schemaLessReader) next() (item, error) {
	n, _, _, err := readJSON(&r.s, &r.pos)
	if err != nil {
		return item{}, err
	}
	r.out = appendJackson(r.out[:0], &n)
	r.pos.records++
	return item{valueSchema: connect.StringSchema, value: string(r.out), pos: r.pos}, nil
}

func (r *schemaLessReader) Close() error { return r.s.in.Close() }
