package jsonschema

import (
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/kconnect-go/kconnect/connect"
)

// appendValue writes v as JsonSchemaData.fromConnectData does: a null
// takes the schema's default, integers, floats, booleans and strings as
// JSON's, bytes as base64, Decimal as a number or base64
// (decimal.format), Date, Time and Timestamp as their integers, maps with
// string keys as objects and others as arrays of {"key","value"} objects,
// OneOf structs as their one set member.
func (d dataConfig) appendValue(dst []byte, s *connect.Schema, v connect.Value) ([]byte, error) {
	if v.IsNull() {
		switch {
		case s.Default != nil:
			return d.appendValue(dst, s, connect.AnyValue(s.Default))
		case s.Optional:
			return append(dst, "null"...), nil
		}
		return dst, fmt.Errorf("null value for a required %s with no default value", s.Type)
	}
	mismatch := func() error { return fmt.Errorf("%s value does not match schema %s", v.Kind(), s) }
	switch s.Logical() {
	case connect.LogicalDecimal:
		if v.Kind() != connect.KindDecimal {
			return dst, mismatch()
		}
		scale, err := s.DecimalScale()
		if err != nil {
			return dst, err
		}
		dec := v.Decimal()
		if dec.Scale != scale {
			return dst, fmt.Errorf("decimal %s has scale %d, but its schema has scale %d", dec, dec.Scale, scale)
		}
		if d.numericDecimals {
			return dec.AppendJava(dst), nil
		}
		var buf [32]byte
		return appendBase64(dst, connect.DecimalBytes(buf[:0], dec)), nil
	case connect.LogicalDate:
		if v.Kind() != connect.KindTime {
			return dst, mismatch()
		}
		days, err := connect.DateToDays(v.Time())
		if err != nil {
			return dst, err
		}
		return strconv.AppendInt(dst, int64(days), 10), nil
	case connect.LogicalTime:
		if v.Kind() != connect.KindTime {
			return dst, mismatch()
		}
		ms, err := connect.TimeToMillis(v.Time())
		if err != nil {
			return dst, err
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
	case connect.Float32Type, connect.Float64Type:
		bits := 64
		if s.Type == connect.Float32Type {
			if v.Kind() != connect.KindFloat32 {
				return dst, mismatch()
			}
			bits = 32
		} else if v.Kind() != connect.KindFloat64 {
			return dst, mismatch()
		}
		f := v.Float64()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return dst, fmt.Errorf("%v is not a JSON number", f)
		}
		return connect.AppendJavaFloat(dst, f, bits), nil
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
			if dst, err = d.appendValue(dst, s.Elem, connect.AnyValue(e)); err != nil {
				return dst, fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return append(dst, ']'), nil
	case connect.MapType:
		return d.appendMap(dst, s, v.Ref())
	case connect.StructType:
		st, ok := v.Ref().(*connect.Struct)
		if !ok {
			return dst, mismatch()
		}
		if st.Schema() != s && !st.Schema().Equal(s) {
			return dst, fmt.Errorf("struct schema %s does not match schema %s", st.Schema(), s)
		}
		if s.Name == oneOfName {
			for i, f := range s.Fields {
				if fv := st.At(i); !fv.IsNull() {
					return d.appendValue(dst, f.Schema, fv)
				}
			}
			return d.appendValue(dst, s, connect.Value{})
		}
		dst = append(dst, '{')
		var err error
		for i, f := range s.Fields {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = connect.AppendJSONString(dst, f.Name)
			dst = append(dst, ':')
			if dst, err = d.appendValue(dst, f.Schema, st.At(i)); err != nil {
				return dst, fmt.Errorf("field %s: %w", f.Name, err)
			}
		}
		return append(dst, '}'), nil
	}
	return dst, fmt.Errorf("invalid schema type %s", s.Type)
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

func (d dataConfig) appendMap(dst []byte, s *connect.Schema, m any) ([]byte, error) {
	var entries []connect.MapEntry
	switch x := m.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		// A JVM worker writes a HashMap's entries in its order.
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
		return dst, fmt.Errorf("%T is not a MAP value", m)
	}
	var err error
	if s.Key.Type == connect.StringType && !s.Key.Optional {
		dst = append(dst, '{')
		for i, e := range entries {
			k, ok := e.Key.(string)
			if !ok {
				return dst, fmt.Errorf("map key %v is not a string", e.Key)
			}
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = connect.AppendJSONString(dst, k)
			dst = append(dst, ':')
			if dst, err = d.appendValue(dst, s.Elem, connect.AnyValue(e.Value)); err != nil {
				return dst, fmt.Errorf("[%q]: %w", k, err)
			}
		}
		return append(dst, '}'), nil
	}
	dst = append(dst, '[')
	for i, e := range entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"key":`...)
		if dst, err = d.appendValue(dst, s.Key, connect.AnyValue(e.Key)); err != nil {
			return dst, fmt.Errorf("[%d].key: %w", i, err)
		}
		dst = append(dst, `,"value":`...)
		if dst, err = d.appendValue(dst, s.Elem, connect.AnyValue(e.Value)); err != nil {
			return dst, fmt.Errorf("[%d].value: %w", i, err)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']'), nil
}

func appendBase64(dst, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}
