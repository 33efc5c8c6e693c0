package jsonconv

import (
	"encoding/base64"
	"math"
	"slices"
	"strconv"

	"github.com/kconnect-go/kconnect/connect"
)

// FromConnect appends the JSON for value, described by schema (nil when
// schemaless), to dst: the envelope {"schema":...,"payload":...} when schemas
// are enabled, the payload alone otherwise. A nil schema with a nil value is
// a Kafka null, returned as nil. Errors are *connect.DataError values naming
// the element that does not match the schema.
func (c *Converter) FromConnect(dst []byte, _ string, _ connect.Headers, schema *connect.Schema, value any) ([]byte, error) {
	if schema == nil && value == nil {
		return nil, nil
	}
	if schema != nil {
		p, ok, err := c.plan(schema)
		if err != nil {
			return nil, err
		}
		if ok {
			return c.encodePlanned(dst, p, value)
		}
	}
	var err error
	start := len(dst)
	dst = c.sized(dst)
	if c.schemasEnable {
		dst = append(dst, `{"schema":`...)
		if schema == nil {
			dst = append(dst, "null"...)
		} else if dst, err = c.appendSchema(dst, schema, ""); err != nil {
			return nil, err
		}
		dst = append(dst, `,"payload":`...)
	}
	if dst, err = c.appendValue(dst, schema, connect.AnyValue(value)); err != nil {
		return nil, err
	}
	if c.schemasEnable {
		dst = append(dst, '}')
	}
	c.noteSize(len(dst) - start)
	return dst, nil
}

// encodePlanned is FromConnect with the schema's cached plan.
func (c *Converter) encodePlanned(dst []byte, p *schemaPlan, value any) ([]byte, error) {
	var err error
	start := len(dst)
	dst = c.sized(dst)
	if c.schemasEnable {
		dst = append(dst, `{"schema":`...)
		dst = append(dst, p.json...)
		dst = append(dst, `,"payload":`...)
	}
	if dst, err = p.enc(c, dst, connect.AnyValue(value)); err != nil {
		return nil, err
	}
	if c.schemasEnable {
		dst = append(dst, '}')
	}
	c.noteSize(len(dst) - start)
	return dst, nil
}

var typeNames = [...]string{
	connect.Int8Type: "int8", connect.Int16Type: "int16", connect.Int32Type: "int32", connect.Int64Type: "int64",
	connect.Float32Type: "float", connect.Float64Type: "double", connect.BooleanType: "boolean",
	connect.StringType: "string", connect.BytesType: "bytes", connect.ArrayType: "array",
	connect.MapType: "map", connect.StructType: "struct",
}

// appendSchema writes a schema object in Kafka Connect's field order: type,
// items / keys+values / fields, optional, name, version, doc, parameters,
// default.
func (c *Converter) appendSchema(dst []byte, s *connect.Schema, where string) ([]byte, error) {
	dst, err := c.appendSchemaMembers(dst, s, where)
	return append(dst, '}'), err
}

// appendSchemaMembers writes a schema object without its closing brace, so a
// struct field can append its "field" member.
func (c *Converter) appendSchemaMembers(dst []byte, s *connect.Schema, where string) ([]byte, error) {
	if s == nil {
		return dst, connect.Errorf(where, "missing schema")
	}
	if !s.Type.Valid() {
		return dst, connect.Errorf(where, "invalid schema type %d", s.Type)
	}
	dst = append(dst, `{"type":"`...)
	dst = append(dst, typeNames[s.Type]...)
	dst = append(dst, '"')
	var err error
	switch s.Type {
	case connect.ArrayType:
		dst = append(dst, `,"items":`...)
		if dst, err = c.appendSchema(dst, s.Elem, joinPath(where, "items")); err != nil {
			return dst, err
		}
	case connect.MapType:
		dst = append(dst, `,"keys":`...)
		if dst, err = c.appendSchema(dst, s.Key, joinPath(where, "keys")); err != nil {
			return dst, err
		}
		dst = append(dst, `,"values":`...)
		if dst, err = c.appendSchema(dst, s.Elem, joinPath(where, "values")); err != nil {
			return dst, err
		}
	case connect.StructType:
		dst = append(dst, `,"fields":[`...)
		for i, f := range s.Fields {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = c.appendSchemaMembers(dst, f.Schema, joinPath(where, f.Name)); err != nil {
				return dst, err
			}
			dst = append(dst, `,"field":`...)
			dst = connect.AppendJSONString(dst, f.Name)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"optional":`...)
	dst = strconv.AppendBool(dst, s.Optional)
	if s.Name != "" {
		dst = append(dst, `,"name":`...)
		dst = connect.AppendJSONString(dst, s.Name)
	}
	if s.Version != 0 {
		dst = append(dst, `,"version":`...)
		dst = strconv.AppendInt(dst, int64(s.Version), 10)
	}
	if s.Doc != "" {
		dst = append(dst, `,"doc":`...)
		dst = connect.AppendJSONString(dst, s.Doc)
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
	if s.Default != nil {
		dst = append(dst, `,"default":`...)
		if dst, err = c.appendValue(dst, s, connect.AnyValue(s.Default)); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func joinPath(path, elem string) string {
	if path == "" {
		return elem
	}
	return path + "." + elem
}

// appendValue writes v as the payload JSON of schema s (nil: schemaless).
func (c *Converter) appendValue(dst []byte, s *connect.Schema, v connect.Value) ([]byte, error) {
	if v.IsNull() {
		switch {
		case s == nil:
			return append(dst, "null"...), nil
		case s.Default != nil && c.replaceNullWithDefault:
			return c.appendValue(dst, s, connect.AnyValue(s.Default))
		case s.Optional:
			return append(dst, "null"...), nil
		}
		return dst, connect.Errorf("", "null value for a required %s with no default value", s)
	}
	if s == nil {
		return connect.AppendJSON(dst, v)
	}
	mismatch := func() error {
		return connect.Errorf("", "%s value does not match schema %s", v.Kind(), s)
	}
	switch s.Logical() {
	case connect.LogicalDecimal:
		if v.Kind() != connect.KindDecimal {
			return dst, mismatch()
		}
		scale, err := s.DecimalScale()
		if err != nil {
			return dst, connect.Errorf("", "%v", err)
		}
		d := v.Decimal()
		if d.Scale != scale {
			return dst, connect.Errorf("", "decimal %s has scale %d, but its schema has scale %d", d, d.Scale, scale)
		}
		if c.decimalFormat == Numeric {
			return d.AppendJava(dst), nil
		}
		var buf [32]byte
		return appendBase64(dst, connect.DecimalBytes(buf[:0], d)), nil
	case connect.LogicalDate:
		if v.Kind() != connect.KindTime {
			return dst, mismatch()
		}
		days, err := connect.DateToDays(v.Time())
		if err != nil {
			return dst, connect.Errorf("", "%v", err)
		}
		return strconv.AppendInt(dst, int64(days), 10), nil
	case connect.LogicalTime:
		if v.Kind() != connect.KindTime {
			return dst, mismatch()
		}
		ms, err := connect.TimeToMillis(v.Time())
		if err != nil {
			return dst, connect.Errorf("", "%v", err)
		}
		return strconv.AppendInt(dst, int64(ms), 10), nil
	case connect.LogicalTimestamp:
		if v.Kind() != connect.KindTime {
			return dst, mismatch()
		}
		return strconv.AppendInt(dst, v.Time().UnixMilli(), 10), nil
	}
	switch s.Type {
	case connect.Int8Type, connect.Int16Type, connect.Int32Type, connect.Int64Type:
		if !fitsInt(s.Type, v) {
			return dst, mismatch()
		}
		return strconv.AppendInt(dst, v.Int64(), 10), nil
	case connect.Float32Type:
		if v.Kind() != connect.KindFloat32 {
			return dst, mismatch()
		}
		return connect.AppendJavaFloat(dst, v.Float64(), 32), nil
	case connect.Float64Type:
		if v.Kind() != connect.KindFloat64 {
			return dst, mismatch()
		}
		return connect.AppendJavaFloat(dst, v.Float64(), 64), nil
	case connect.BooleanType:
		if v.Kind() != connect.KindBool {
			return dst, mismatch()
		}
		return strconv.AppendBool(dst, v.Bool()), nil
	case connect.StringType:
		if v.Kind() != connect.KindString {
			return dst, mismatch()
		}
		return connect.AppendJSONString(dst, v.Str()), nil
	case connect.BytesType:
		if v.Kind() != connect.KindBytes {
			return dst, mismatch()
		}
		return appendBase64(dst, v.Bytes()), nil
	case connect.ArrayType:
		a, ok := v.Ref().([]any)
		if !ok {
			return dst, mismatch()
		}
		dst = append(dst, '[')
		var err error
		for i, e := range a {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = c.appendValue(dst, s.Elem, connect.AnyValue(e)); err != nil {
				return dst, atIndex(err, i)
			}
		}
		return append(dst, ']'), nil
	case connect.MapType:
		return c.appendMap(dst, s, v.Ref())
	case connect.StructType:
		st, ok := v.Ref().(*connect.Struct)
		if !ok {
			return dst, mismatch()
		}
		if st.Schema() != s && !st.Schema().Equal(s) {
			return dst, connect.Errorf("", "struct schema %s does not match schema %s", st.Schema(), s)
		}
		dst = append(dst, '{')
		var err error
		for i, f := range s.Fields {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = connect.AppendJSONString(dst, f.Name)
			dst = append(dst, ':')
			if dst, err = c.appendValue(dst, f.Schema, st.At(i)); err != nil {
				return dst, inField(err, f.Name)
			}
		}
		return append(dst, '}'), nil
	}
	return dst, connect.Errorf("", "invalid schema type %s", s.Type)
}

func fitsInt(t connect.Type, v connect.Value) bool {
	switch v.Kind() {
	case connect.KindInt8, connect.KindInt16, connect.KindInt32, connect.KindInt64:
	default:
		return false
	}
	n := v.Int64()
	switch t {
	case connect.Int8Type:
		return n >= math.MinInt8 && n <= math.MaxInt8
	case connect.Int16Type:
		return n >= math.MinInt16 && n <= math.MaxInt16
	case connect.Int32Type:
		return n >= math.MinInt32 && n <= math.MaxInt32
	}
	return true
}

func (c *Converter) appendMap(dst []byte, s *connect.Schema, m any) ([]byte, error) {
	var entries []connect.MapEntry
	switch x := m.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		connect.JavaHashMapOrder(keys)
		entries = make([]connect.MapEntry, len(keys))
		for i, k := range keys {
			entries[i] = connect.MapEntry{Key: k, Value: x[k]}
		}
	case map[any]any:
		entries = connect.JavaMapEntries(x)
	case []connect.MapEntry:
		entries = x
	default:
		return dst, connect.Errorf("", "%T is not a MAP value", m)
	}
	var err error
	if s.Key.Type == connect.StringType {
		dst = append(dst, '{')
		for i, e := range entries {
			k, ok := e.Key.(string)
			if !ok {
				return dst, connect.Errorf("", "map key %v is not a string", e.Key)
			}
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = connect.AppendJSONString(dst, k)
			dst = append(dst, ':')
			if dst, err = c.appendValue(dst, s.Elem, connect.AnyValue(e.Value)); err != nil {
				return dst, atKey(err, k)
			}
		}
		return append(dst, '}'), nil
	}
	dst = append(dst, '[')
	for i, e := range entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '[')
		if dst, err = c.appendValue(dst, s.Key, connect.AnyValue(e.Key)); err != nil {
			return dst, atIndex(inField(err, "key"), i)
		}
		dst = append(dst, ',')
		if dst, err = c.appendValue(dst, s.Elem, connect.AnyValue(e.Value)); err != nil {
			return dst, atIndex(inField(err, "value"), i)
		}
		dst = append(dst, ']')
	}
	return append(dst, ']'), nil
}

func appendBase64(dst, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

// sized returns dst, or when it has no room a buffer sized by the last
// output, so that encoding into a nil buffer allocates once rather than
// growing step by step. It never returns nil.
func (c *Converter) sized(dst []byte) []byte {
	if cap(dst)-len(dst) > 0 {
		return dst
	}
	hint := int(c.sizeHint.Load())
	if hint < 64 {
		hint = 64
	}
	out := make([]byte, len(dst), len(dst)+hint)
	copy(out, dst)
	return out
}

// noteSize updates the size hint when an output is larger than it, or much
// smaller, so the shared hint is rarely written.
func (c *Converter) noteSize(n int) {
	hint := int(c.sizeHint.Load())
	if n > hint || n < hint/2 {
		c.sizeHint.Store(int64(n + n/8))
	}
}
