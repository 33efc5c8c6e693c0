package jsonschema

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/big"
	"strconv"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jsonparse"
)

// value reads n as a value of s, as JsonSchemaData.toConnectData does,
// except that a number out of its type's range, or a JSON type that does
// not fit the schema, is an error rather than truncated or a crash. path
// names where n is, for errors.
func (d dataConfig) value(s *connect.Schema, n *jsonparse.Node, path string) (any, error) {
	fail := func(format string, args ...any) error {
		if path == "" {
			return fmt.Errorf(format, args...)
		}
		return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
	}
	if n == nil || n.Kind == jsonparse.Null || n.Kind == 0 {
		switch {
		case s.Default != nil:
			return s.Default, nil
		case s.Optional:
			return nil, nil
		}
		return nil, fail("null value for a required %s", s.Type)
	}
	want := func(what string) error { return fail("%s where %s is expected", n.Describe(), what) }
	switch s.Logical() {
	case connect.LogicalDecimal:
		scale, err := s.DecimalScale()
		if err != nil {
			return nil, fail("%v", err)
		}
		switch n.Kind {
		case jsonparse.Number:
			dec, err := connect.ParseDecimal(n.Str)
			if err != nil {
				return nil, fail("%v", err)
			}
			if dec, err = dec.Rescale(scale); err != nil {
				return nil, fail("%v", err)
			}
			return dec, nil
		case jsonparse.String:
			b, err := base64.StdEncoding.DecodeString(n.Str)
			if err != nil {
				return nil, fail("a Decimal string must be base64: %v", err)
			}
			dec, err := connect.DecimalFromBytes(b, scale)
			if err != nil {
				return nil, fail("%v", err)
			}
			return dec, nil
		}
		return nil, want("a Decimal (number or base64 string)")
	case connect.LogicalDate, connect.LogicalTime, connect.LogicalTimestamp:
		if n.Kind != jsonparse.Number {
			return nil, want("an integer")
		}
		bits := 32
		if s.Logical() == connect.LogicalTimestamp {
			bits = 64
		}
		x, err := strconv.ParseInt(n.Str, 10, bits)
		if err != nil {
			return nil, fail("%s is not an integer of %d bits", n.Str, bits)
		}
		switch s.Logical() {
		case connect.LogicalDate:
			return connect.DaysToDate(int32(x)), nil
		case connect.LogicalTime:
			return connect.MillisToTime(int32(x)), nil
		}
		return connect.MillisToTimestamp(x), nil
	}
	switch s.Type {
	case connect.Int8Type, connect.Int16Type, connect.Int32Type, connect.Int64Type:
		if n.Kind != jsonparse.Number {
			return nil, want("an integer")
		}
		x, err := parseInt(n.Str)
		if err != nil {
			return nil, fail("%v", err)
		}
		switch s.Type {
		case connect.Int8Type:
			if x < math.MinInt8 || x > math.MaxInt8 {
				return nil, fail("%d is out of range for an INT8", x)
			}
			return int8(x), nil
		case connect.Int16Type:
			if x < math.MinInt16 || x > math.MaxInt16 {
				return nil, fail("%d is out of range for an INT16", x)
			}
			return int16(x), nil
		case connect.Int32Type:
			if x < math.MinInt32 || x > math.MaxInt32 {
				return nil, fail("%d is out of range for an INT32", x)
			}
			return int32(x), nil
		}
		return x, nil
	case connect.Float32Type, connect.Float64Type:
		if n.Kind != jsonparse.Number {
			return nil, want("a number")
		}
		bits := 64
		if s.Type == connect.Float32Type {
			bits = 32
		}
		f, err := strconv.ParseFloat(n.Str, bits)
		if err != nil {
			// Jackson would read Infinity, which JSON cannot hold.
			return nil, fail("%s is out of range for a %s", n.Str, s.Type)
		}
		if bits == 32 {
			return float32(f), nil
		}
		return f, nil
	case connect.BooleanType:
		switch n.Kind {
		case jsonparse.True:
			return true, nil
		case jsonparse.False:
			return false, nil
		}
		return nil, want("a boolean")
	case connect.StringType:
		if n.Kind != jsonparse.String {
			return nil, want("a string")
		}
		return n.Str, nil
	case connect.BytesType:
		if n.Kind != jsonparse.String {
			return nil, want("a base64 string")
		}
		b, err := base64.StdEncoding.DecodeString(n.Str)
		if err != nil {
			return nil, fail("bytes must be base64: %v", err)
		}
		return b, nil
	case connect.ArrayType:
		if n.Kind != jsonparse.Array {
			return nil, want("an array")
		}
		out := make([]any, len(n.Kids))
		for i := range n.Kids {
			v, err := d.value(s.Elem, &n.Kids[i], fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case connect.MapType:
		if s.Key.Type == connect.StringType && !s.Key.Optional {
			if n.Kind != jsonparse.Object {
				return nil, want("an object (a map with string keys)")
			}
			out := make(map[string]any, len(n.Keys))
			for i, k := range n.Keys {
				v, err := d.value(s.Elem, &n.Kids[i], fmt.Sprintf("%s[%q]", path, k))
				if err != nil {
					return nil, err
				}
				out[k] = v
			}
			return out, nil
		}
		if n.Kind != jsonparse.Array {
			return nil, want("an array of key and value objects (a map)")
		}
		out := make([]connect.MapEntry, len(n.Kids))
		for i := range n.Kids {
			e := &n.Kids[i]
			if e.Kind != jsonparse.Object || len(e.Keys) != 2 {
				return nil, fail("map entry %d must be an object of key and value", i)
			}
			k, err := d.value(s.Key, e.Member("key"), fmt.Sprintf("%s[%d].key", path, i))
			if err != nil {
				return nil, err
			}
			v, err := d.value(s.Elem, e.Member("value"), fmt.Sprintf("%s[%d].value", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = connect.MapEntry{Key: k, Value: v}
		}
		return out, nil
	case connect.StructType:
		st := connect.NewStruct(s)
		if s.Name == oneOfName {
			for i, f := range s.Fields {
				if !matches(f.Schema, n) {
					continue
				}
				v, err := d.value(f.Schema, n, path)
				if err != nil {
					return nil, err
				}
				if err := st.Put(s.Fields[i].Name, v); err != nil {
					return nil, fail("%v", err)
				}
				return st, nil
			}
			return nil, fail("%s matches none of the oneOf schemas", n.Describe())
		}
		if n.Kind != jsonparse.Object {
			return nil, want("an object")
		}
		for _, f := range s.Fields {
			v, err := d.value(f.Schema, n.Member(f.Name), joinPath(path, f.Name))
			if err != nil {
				return nil, err
			}
			if v == nil {
				continue
			}
			if err := st.Put(f.Name, v); err != nil {
				return nil, fail("%v", err)
			}
		}
		return st, nil
	}
	return nil, fail("unsupported schema type %s", s.Type)
}

// parseInt reads an integral JSON number; a number with a fraction or
// exponent is an integer only if its value is whole.
func parseInt(text string) (int64, error) {
	if x, err := strconv.ParseInt(text, 10, 64); err == nil {
		return x, nil
	}
	// A huge exponent would make big.Rat build a huge number: check the
	// magnitude first.
	if f, err := strconv.ParseFloat(text, 64); err != nil || math.Abs(f) > 1<<63 {
		return 0, fmt.Errorf("%s is not an integer of 64 bits", text)
	}
	r, ok := new(big.Rat).SetString(text)
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		return 0, fmt.Errorf("%s is not an integer of 64 bits", text)
	}
	return r.Num().Int64(), nil
}

// matches tells whether n can be a value of s, as Confluent picks a oneOf
// member: the first whose type fits.
func matches(s *connect.Schema, n *jsonparse.Node) bool {
	switch s.Type {
	case connect.Int8Type, connect.Int16Type, connect.Int32Type, connect.Int64Type:
		_, err := strconv.ParseInt(n.Str, 10, 64)
		return n.Kind == jsonparse.Number && err == nil
	case connect.Float32Type, connect.Float64Type:
		return n.Kind == jsonparse.Number
	case connect.BooleanType:
		return n.Kind == jsonparse.True || n.Kind == jsonparse.False
	case connect.StringType:
		return n.Kind == jsonparse.String
	case connect.BytesType:
		return n.Kind == jsonparse.String || (s.Name == connect.DecimalName && n.Kind == jsonparse.Number)
	case connect.ArrayType:
		return n.Kind == jsonparse.Array
	case connect.MapType:
		return n.Kind == jsonparse.Object || n.Kind == jsonparse.Array
	case connect.StructType:
		if n.Kind != jsonparse.Object {
			return false
		}
		for _, k := range n.Keys {
			if _, ok := s.Field(k); !ok {
				return false
			}
		}
		return true
	}
	return false
}
