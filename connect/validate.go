package connect

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
)

// ValidateValue checks that v is a valid value of schema: the right Go type
// for the schema's type and logical type, null only where the schema is
// optional, and containers whose elements, keys, values and fields are valid
// in turn. The error is a *DataError whose Path names the offending element,
// such as "address.zip" or "tags[3]".
func ValidateValue(schema *Schema, v any) error {
	return validateValue(schema, v, "")
}

func validateValue(s *Schema, v any, path string) error {
	bad := func(format string, args ...any) error {
		return &DataError{Path: path, Err: fmt.Errorf(format, args...)}
	}
	if s == nil {
		return bad("no schema")
	}
	if v == nil || isNilContainer(v) {
		if !s.Optional {
			return bad("null used for required %s, schema %s", describePath(path), s)
		}
		return nil
	}
	if x, ok := v.(Value); ok {
		return checkValueKind(s, x, path)
	}
	switch s.Logical() {
	case LogicalDecimal:
		d, ok := v.(Decimal)
		if !ok {
			return bad("%s is not a Decimal, schema %s", reflect.TypeOf(v), s)
		}
		if d.Unscaled == nil {
			return bad("nil Decimal")
		}
		return nil
	case LogicalDate, LogicalTime, LogicalTimestamp:
		if _, ok := v.(time.Time); !ok {
			return bad("%s is not a time.Time, schema %s", reflect.TypeOf(v), s)
		}
		return nil
	}
	ok := false
	switch s.Type {
	case Int8Type:
		_, ok = v.(int8)
		if n, isInt := v.(int); isInt {
			ok = n >= math.MinInt8 && n <= math.MaxInt8
		}
	case Int16Type:
		_, ok = v.(int16)
		if n, isInt := v.(int); isInt {
			ok = n >= math.MinInt16 && n <= math.MaxInt16
		}
	case Int32Type:
		_, ok = v.(int32)
		if n, isInt := v.(int); isInt {
			ok = n >= math.MinInt32 && n <= math.MaxInt32
		}
	case Int64Type:
		switch v.(type) {
		case int64, int:
			ok = true
		}
	case Float32Type:
		_, ok = v.(float32)
	case Float64Type:
		_, ok = v.(float64)
	case BooleanType:
		_, ok = v.(bool)
	case StringType:
		_, ok = v.(string)
	case BytesType:
		_, ok = v.([]byte)
	case ArrayType:
		a, isArr := v.([]any)
		if !isArr {
			break
		}
		for i, e := range a {
			// The element's path is built only for its error: checking
			// again with the path gives the same error, naming it.
			if validateValue(s.Elem, e, "") != nil {
				return validateValue(s.Elem, e, path+"["+strconv.Itoa(i)+"]")
			}
		}
		return nil
	case MapType:
		return validateMap(s, v, path)
	case StructType:
		st, isStruct := v.(*Struct)
		if !isStruct {
			break
		}
		if st.schema != s && !st.schema.Equal(s) {
			return bad("struct schema %s does not match field schema %s", st.schema, s)
		}
		return nil
	default:
		return bad("invalid schema type %s", s.Type)
	}
	if !ok {
		return bad("%s is not a valid %s value, schema %s", reflect.TypeOf(v), s.Type, s)
	}
	return nil
}

func describePath(path string) string {
	if path == "" {
		return "value"
	}
	return "field " + path
}

func isNilContainer(v any) bool {
	switch x := v.(type) {
	case []byte:
		return x == nil
	case []any:
		return x == nil
	case map[string]any:
		return x == nil
	case map[any]any:
		return x == nil
	case *Struct:
		return x == nil
	}
	return false
}

// MapEntry is one entry of a MAP value kept as an ordered list, which can
// hold keys Go maps cannot (bytes, structs) and keeps the order of the wire.
type MapEntry struct {
	Key, Value any
}

func validateMap(s *Schema, v any, path string) error {
	check := func(k, val any) error {
		// The entry's path is built only for its error (see ArrayType).
		if validateValue(s.Key, k, "") == nil && validateValue(s.Elem, val, "") == nil {
			return nil
		}
		kp := path + "[" + fmt.Sprint(k) + "]"
		if err := validateValue(s.Key, k, kp+".key"); err != nil {
			return err
		}
		return validateValue(s.Elem, val, kp)
	}
	switch m := v.(type) {
	case map[string]any:
		for k, val := range m {
			if err := check(k, val); err != nil {
				return err
			}
		}
	case map[any]any:
		for k, val := range m {
			if err := check(k, val); err != nil {
				return err
			}
		}
	case []MapEntry:
		for _, e := range m {
			if err := check(e.Key, e.Value); err != nil {
				return err
			}
		}
	default:
		return &DataError{Path: path, Err: fmt.Errorf("%s is not a valid MAP value (want map[string]any, map[any]any or []MapEntry)", reflect.TypeOf(v))}
	}
	return nil
}

// ValuesEqual reports whether two connect values are equal: byte slices by
// content, structs, decimals and times by Equal, containers element by
// element (maps regardless of order, and across their three forms), floats
// by bit pattern (so NaN equals NaN). A Go int equals the int64 of the same
// value.
func ValuesEqual(a, b any) bool {
	if x, ok := a.(Value); ok {
		a = x.Any()
	}
	if x, ok := b.(Value); ok {
		b = x.Any()
	}
	if n, ok := a.(int); ok {
		a = int64(n)
	}
	if n, ok := b.(int); ok {
		b = int64(n)
	}
	if isNilContainer(a) {
		a = nil
	}
	if isNilContainer(b) {
		b = nil
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case *Struct:
		y, ok := b.(*Struct)
		return ok && x.Equal(y)
	case Decimal:
		y, ok := b.(Decimal)
		return ok && x.Equal(y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case float32:
		y, ok := b.(float32)
		return ok && math.Float32bits(x) == math.Float32bits(y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !ValuesEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any, map[any]any, []MapEntry:
		ea, oka := mapEntries(a)
		eb, okb := mapEntries(b)
		if !oka || !okb || len(ea) != len(eb) {
			return false
		}
		used := make([]bool, len(eb))
	outer:
		for _, e := range ea {
			for j, f := range eb {
				if !used[j] && ValuesEqual(e.Key, f.Key) && ValuesEqual(e.Value, f.Value) {
					used[j] = true
					continue outer
				}
			}
			return false
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// mapEntries lists a map value of any of the three forms.
func mapEntries(v any) ([]MapEntry, bool) {
	switch m := v.(type) {
	case map[string]any:
		out := make([]MapEntry, 0, len(m))
		for k, val := range m {
			out = append(out, MapEntry{k, val})
		}
		return out, true
	case map[any]any:
		out := make([]MapEntry, 0, len(m))
		for k, val := range m {
			out = append(out, MapEntry{k, val})
		}
		return out, true
	case []MapEntry:
		return m, true
	}
	return nil, false
}
