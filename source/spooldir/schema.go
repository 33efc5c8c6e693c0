package spooldir

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/javatime"
	"github.com/kconnect-go/kconnect/internal/jsonparse"
)

// parseSchema reads a schema in the JSON shape key.schema and value.schema
// take (connect-utils' SchemaSerializationModule): {"name", "doc", "type",
// "isOptional", "version", "parameters", "defaultValue", "fieldSchemas" (a
// STRUCT's fields in order), "keySchema", "valueSchema"}.
func parseSchema(text string) (*connect.Schema, error) {
	n, err := jsonparse.Parse([]byte(text))
	if err != nil {
		return nil, err
	}
	return schemaOf(&n, "")
}

func schemaOf(n *jsonparse.Node, path string) (*connect.Schema, error) {
	at := func(format string, args ...any) error {
		if path == "" {
			return fmt.Errorf(format, args...)
		}
		return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
	}
	if n.Kind != jsonparse.Object {
		return nil, at("a schema is a JSON object, not %s", n.Describe())
	}
	str := func(key string) (string, error) {
		m := n.Member(key)
		if m == nil || m.Kind == jsonparse.Null {
			return "", nil
		}
		if m.Kind != jsonparse.String {
			return "", at("%q must be a string", key)
		}
		return m.Str, nil
	}
	typ, err := str("type")
	if err != nil {
		return nil, err
	}
	if typ == "" {
		return nil, at(`"type" is missing`)
	}
	t, err := connect.ParseType(typ)
	if err != nil {
		return nil, at("%v", err)
	}
	s := &connect.Schema{Type: t}
	var sub func(key string) (*connect.Schema, error)
	sub = func(key string) (*connect.Schema, error) {
		m := n.Member(key)
		if m == nil || m.Kind == jsonparse.Null {
			return nil, at("%s needs %q", t, key)
		}
		return schemaOf(m, strings.TrimPrefix(path+"."+key, "."))
	}
	switch t {
	case connect.StructType:
		fs := n.Member("fieldSchemas")
		if fs != nil && fs.Kind != jsonparse.Null {
			if fs.Kind != jsonparse.Object {
				return nil, at(`"fieldSchemas" must be an object`)
			}
			fields := make([]connect.Field, len(fs.Keys))
			for i, name := range fs.Keys {
				fsch, err := schemaOf(&fs.Kids[i], strings.TrimPrefix(path+"."+name, "."))
				if err != nil {
					return nil, err
				}
				fields[i] = connect.F(name, fsch)
			}
			s = connect.StructOf(fields...)
		} else {
			s = connect.StructOf()
		}
	case connect.ArrayType:
		if s.Elem, err = sub("valueSchema"); err != nil {
			return nil, err
		}
	case connect.MapType:
		if s.Key, err = sub("keySchema"); err != nil {
			return nil, err
		}
		if s.Elem, err = sub("valueSchema"); err != nil {
			return nil, err
		}
	}
	if s.Name, err = str("name"); err != nil {
		return nil, err
	}
	if s.Doc, err = str("doc"); err != nil {
		return nil, err
	}
	if m := n.Member("isOptional"); m != nil {
		s.Optional = m.Kind == jsonparse.True
	}
	if m := n.Member("version"); m != nil && m.Kind == jsonparse.Number {
		v, err := strconv.ParseInt(m.Str, 10, 32)
		if err != nil {
			return nil, at(`"version": %v`, err)
		}
		s.Version = int32(v)
	}
	if m := n.Member("parameters"); m != nil && m.Kind == jsonparse.Object {
		for i, k := range m.Keys {
			s.Parameters = append(s.Parameters, connect.Parameter{Key: k, Value: m.Kids[i].Str})
		}
	}
	if m := n.Member("defaultValue"); m != nil && m.Kind != jsonparse.Null {
		text := m.Str
		if m.Kind != jsonparse.String && m.Kind != jsonparse.Number {
			switch m.Kind {
			case jsonparse.True:
				text = "true"
			case jsonparse.False:
				text = "false"
			default:
				return nil, at(`"defaultValue" of a %s is not supported`, t)
			}
		}
		dv, err := (&valueParser{zone: time.UTC}).parse(s, text)
		if err != nil {
			return nil, at(`"defaultValue": %v`, err)
		}
		s.Default = dv
	}
	if err := s.Validate(); err != nil {
		return nil, at("%v", err)
	}
	return s, nil
}

// appendSchema writes s in the JSON shape parseSchema reads, as the
// connector hands a generated schema to its tasks.
func appendSchema(dst []byte, s *connect.Schema) []byte {
	dst = append(dst, '{')
	if s.Name != "" {
		dst = append(dst, `"name":`...)
		dst = connect.AppendJSONString(dst, s.Name)
		dst = append(dst, ',')
	}
	dst = append(dst, `"type":"`...)
	dst = append(dst, s.Type.String()...)
	dst = append(dst, `","isOptional":`...)
	dst = strconv.AppendBool(dst, s.Optional)
	if s.Version != 0 {
		dst = append(dst, `,"version":`...)
		dst = strconv.AppendInt(dst, int64(s.Version), 10)
	}
	if len(s.Parameters) > 0 {
		dst = append(dst, `,"parameters":{`...)
		for i, p := range s.Parameters {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = connect.AppendJSONString(dst, p.Key)
			dst = append(dst, ':')
			dst = connect.AppendJSONString(dst, p.Value)
		}
		dst = append(dst, '}')
	}
	switch s.Type {
	case connect.StructType:
		dst = append(dst, `,"fieldSchemas":{`...)
		for i, f := range s.Fields {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = connect.AppendJSONString(dst, f.Name)
			dst = append(dst, ':')
			dst = appendSchema(dst, f.Schema)
		}
		dst = append(dst, '}')
	case connect.ArrayType:
		dst = append(dst, `,"valueSchema":`...)
		dst = appendSchema(dst, s.Elem)
	case connect.MapType:
		dst = append(dst, `,"keySchema":`...)
		dst = appendSchema(dst, s.Key)
		dst = append(dst, `,"valueSchema":`...)
		dst = appendSchema(dst, s.Elem)
	}
	return append(dst, '}')
}

// valueParser turns the text of a CSV cell into a field's value, as
// connect-utils' Parser does for spooldir: numbers in Java's decimal
// syntax, booleans, base64 bytes, decimals at the schema's scale, and
// dates, times and timestamps in the first of parser.timestamp.date.formats
// that reads them, in parser.timestamp.timezone.
type valueParser struct {
	layouts []*javatime.Layout
	zone    *time.Location
}

func newValueParser(formats []string, zone *time.Location) (*valueParser, error) {
	p := &valueParser{zone: zone}
	for _, f := range formats {
		l, err := javatime.Compile(f)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", ParserTimestampFormatsConfig, f, err)
		}
		p.layouts = append(p.layouts, l.In(zone))
	}
	return p, nil
}

var errNotOptional = errors.New("no value for a field that is not optional")

// parse reads text as a value of s. The empty text is null for a field
// of any type but STRING: null when s is optional, its default if it has
// one, an error otherwise.
func (p *valueParser) parse(s *connect.Schema, text string) (any, error) {
	if text == "" && s.Type != connect.StringType {
		return p.null(s)
	}
	switch s.Logical() {
	case connect.LogicalDecimal:
		d, err := connect.ParseDecimal(strings.TrimSpace(text))
		if err != nil {
			return nil, err
		}
		scale, _ := strconv.Atoi(paramOf(s, "scale"))
		return d.Rescale(int32(scale))
	case connect.LogicalTimestamp, connect.LogicalDate, connect.LogicalTime:
		return p.time(s, text)
	}
	switch s.Type {
	case connect.StringType:
		return text, nil
	case connect.Int8Type:
		v, err := strconv.ParseInt(text, 10, 8)
		return int8(v), numErr(err, text)
	case connect.Int16Type:
		v, err := strconv.ParseInt(text, 10, 16)
		return int16(v), numErr(err, text)
	case connect.Int32Type:
		v, err := strconv.ParseInt(text, 10, 32)
		return int32(v), numErr(err, text)
	case connect.Int64Type:
		v, err := strconv.ParseInt(text, 10, 64)
		return v, numErr(err, text)
	case connect.Float32Type:
		v, err := strconv.ParseFloat(strings.TrimSpace(text), 32)
		if err != nil || math.IsInf(v, 0) && !strings.Contains(strings.ToLower(text), "inf") {
			return nil, fmt.Errorf("%q is not a FLOAT32", text)
		}
		return float32(v), nil
	case connect.Float64Type:
		v, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a FLOAT64", text)
		}
		return v, nil
	case connect.BooleanType:
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a BOOLEAN (true or false)", text)
	case connect.BytesType:
		return base64.StdEncoding.DecodeString(text)
	}
	return nil, fmt.Errorf("a %s field cannot be read from text", s.Type)
}

// plainOp says how parsePlainOp reads a schema's text, found once for a
// column rather than for each of its cells: notPlain for a schema parse
// reads.
type plainOp uint8

const (
	notPlain plainOp = iota
	plainString
	plainInt32
	plainInt64
	plainFloat64
	plainBool
)

func plainOpOf(s *connect.Schema) plainOp {
	switch s.Logical() {
	case connect.LogicalDecimal, connect.LogicalTimestamp, connect.LogicalDate, connect.LogicalTime:
		return notPlain
	}
	switch s.Type {
	case connect.StringType:
		return plainString
	case connect.Int32Type:
		return plainInt32
	case connect.Int64Type:
		return plainInt64
	case connect.Float64Type:
		return plainFloat64
	case connect.BooleanType:
		return plainBool
	}
	return notPlain
}

// parsePlainOp is parse for a non-empty text of a schema without a
// logical type whose value is a number, boolean or string (plainOpOf), as
// a connect.Value, with parse's errors; ok is false for notPlain.
func parsePlainOp(op plainOp, text string) (v connect.Value, ok bool, err error) {
	switch op {
	case plainString:
		return connect.StringValue(text), true, nil
	case plainInt32:
		n, err := strconv.ParseInt(text, 10, 32)
		return connect.Int32Value(int32(n)), true, numErr(err, text)
	case plainInt64:
		n, err := strconv.ParseInt(text, 10, 64)
		return connect.Int64Value(n), true, numErr(err, text)
	case plainFloat64:
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return connect.Value{}, true, fmt.Errorf("%q is not a FLOAT64", text)
		}
		return connect.Float64Value(f), true, nil
	case plainBool:
		// The usual spellings first, without folding case or trimming.
		switch text {
		case "true":
			return connect.BoolValue(true), true, nil
		case "false":
			return connect.BoolValue(false), true, nil
		}
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "true":
			return connect.BoolValue(true), true, nil
		case "false":
			return connect.BoolValue(false), true, nil
		}
		return connect.Value{}, true, fmt.Errorf("%q is not a BOOLEAN (true or false)", text)
	}
	return connect.Value{}, false, nil
}

func (p *valueParser) null(s *connect.Schema) (any, error) {
	switch {
	case s.Default != nil:
		return s.Default, nil
	case s.Optional:
		return nil, nil
	}
	return nil, errNotOptional
}

func numErr(err error, text string) error {
	if err != nil {
		return fmt.Errorf("%q is not a whole number in range", text)
	}
	return nil
}

func (p *valueParser) time(s *connect.Schema, text string) (any, error) {
	for _, l := range p.layouts {
		t, err := l.Parse(text)
		if err != nil {
			continue
		}
		t = t.UTC()
		switch s.Logical() {
		case connect.LogicalDate:
			y, m, d := t.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
		case connect.LogicalTime:
			return time.Date(1970, 1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1e6*1e6, time.UTC), nil
		}
		return t.Truncate(time.Millisecond), nil
	}
	return nil, fmt.Errorf("%q does not match any of %s", text, ParserTimestampFormatsConfig)
}

func paramOf(s *connect.Schema, key string) string {
	for _, p := range s.Parameters {
		if p.Key == key {
			return p.Value
		}
	}
	return ""
}
