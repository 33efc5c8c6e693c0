package connect

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ConvertToString returns the string form of v that Kafka Connect's
// Values.convertToString produces, which is what SimpleHeaderConverter
// writes for a header value and what ParseString reads back. The schema is
// not used, as in Kafka Connect. The form is:
//
//   - a STRING as is, and a byte slice in standard base64;
//   - integers in decimal; FLOAT32 and FLOAT64 as Java's Float.toString and
//     Double.toString write them ("1.5", "1.0E10", "NaN", "-Infinity");
//   - a Decimal as Java's BigDecimal.toString writes it ("123.45", "1E+3",
//     "1.2345E-8");
//   - true and false;
//   - a time.Time as FormatTemporal writes it;
//   - an ARRAY as [e1,e2], a MAP as {k1:v1,k2:v2} and a STRUCT as
//     {"field1":v1,"field2":v2} with every field (null as null, a null field
//     with a default as its default), where strings and byte slices inside
//     are double-quoted with only backslash and double quote escaped.
//
// Maps are written in their iteration order as a JVM worker would have it:
// []MapEntry in order, and Go maps in the order of a java.util.HashMap
// holding the same keys (see JavaHashMapOrder and JavaMapEntries).
//
// A nil v is an error wrapping ErrNullValue (Kafka Connect returns null); a
// Go type outside the data model is a *DataError naming its path.
func ConvertToString(schema *Schema, v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	if v == nil || isNilContainer(v) {
		return "", nullError("STRING")
	}
	b, err := appendValueString(nil, v, false)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// AppendValueString appends ConvertToString's form of v to dst without
// allocating for primitive values. A nil v appends nothing and returns an
// error wrapping ErrNullValue.
func AppendValueString(dst []byte, schema *Schema, v any) ([]byte, error) {
	if v == nil || isNilContainer(v) {
		return dst, nullError("STRING")
	}
	return appendValueString(dst, v, false)
}

func nullError(target string) error {
	return &DataError{Err: fmt.Errorf("cannot convert a null value to %s: %w", target, ErrNullValue)}
}

func appendValueString(dst []byte, v any, embedded bool) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		if embedded {
			return appendQuotedValueString(dst, x), nil
		}
		return append(dst, x...), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case float32:
		return appendJavaNumber(dst, float64(x), 32), nil
	case float64:
		return appendJavaNumber(dst, x, 64), nil
	case Decimal:
		return appendJavaBigDecimal(dst, x), nil
	case time.Time:
		return AppendTemporal(dst, x), nil
	case []byte:
		if x == nil {
			return append(dst, "null"...), nil
		}
		if embedded {
			dst = append(dst, '"')
		}
		n := base64.StdEncoding.EncodedLen(len(x))
		dst = append(dst, make([]byte, n)...)
		base64.StdEncoding.Encode(dst[len(dst)-n:], x)
		if embedded {
			dst = append(dst, '"')
		}
		return dst, nil
	case Value:
		return appendValueOf(dst, x, embedded)
	case []any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValueString(dst, e, true); err != nil {
				return dst, nestPath(err, "["+strconv.Itoa(i)+"]")
			}
		}
		return append(dst, ']'), nil
	case []MapEntry:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendEntriesString(dst, x)
	case map[string]any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendEntriesString(dst, stringMapEntries(x))
	case map[any]any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendEntriesString(dst, JavaMapEntries(x))
	case *Struct:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '{')
		for i, f := range x.schema.Fields {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendQuotedValueString(dst, f.Name)
			dst = append(dst, ':')
			fv := x.vals[i]
			var err error
			if fv.kind == KindNull {
				dst, err = appendValueString(dst, f.Schema.Default, true)
			} else {
				dst, err = appendValueOf(dst, fv, true)
			}
			if err != nil {
				return dst, nestPath(err, f.Name)
			}
		}
		return append(dst, '}'), nil
	}
	return dst, &DataError{Err: fmt.Errorf("cannot convert a %s to a string: not a connect value type", reflect.TypeOf(v))}
}

// appendValueOf appends a Value without boxing its inline kinds.
func appendValueOf(dst []byte, v Value, embedded bool) ([]byte, error) {
	switch v.kind {
	case KindNull:
		return append(dst, "null"...), nil
	case KindInt8, KindInt16, KindInt32, KindInt64:
		return strconv.AppendInt(dst, v.Int64(), 10), nil
	case KindFloat32:
		return appendJavaNumber(dst, float64(math.Float32frombits(uint32(v.num))), 32), nil
	case KindFloat64:
		return appendJavaNumber(dst, math.Float64frombits(v.num), 64), nil
	case KindBool:
		return strconv.AppendBool(dst, v.num != 0), nil
	case KindString:
		if embedded {
			return appendQuotedValueString(dst, v.str), nil
		}
		return append(dst, v.str...), nil
	case KindTime:
		return AppendTemporal(dst, v.Time()), nil
	case KindDecimal:
		return appendJavaBigDecimal(dst, v.Decimal()), nil
	}
	return appendValueString(dst, v.ref, embedded)
}

func appendEntriesString(dst []byte, entries []MapEntry) ([]byte, error) {
	dst = append(dst, '{')
	for i, e := range entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendValueString(dst, e.Key, true); err != nil {
			return dst, nestPath(err, "["+fmt.Sprint(e.Key)+"].key")
		}
		dst = append(dst, ':')
		if dst, err = appendValueString(dst, e.Value, true); err != nil {
			return dst, nestPath(err, "["+fmt.Sprint(e.Key)+"]")
		}
	}
	return append(dst, '}'), nil
}

// stringMapEntries lists m in java.util.HashMap iteration order.
func stringMapEntries(m map[string]any) []MapEntry {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Insertion order is unknown; sort first so that keys sharing a bucket
	// come out in a deterministic order.
	slices.Sort(keys)
	JavaHashMapOrder(keys)
	out := make([]MapEntry, len(keys))
	for i, k := range keys {
		out[i] = MapEntry{k, m[k]}
	}
	return out
}

// appendQuotedValueString appends s in double quotes with backslashes and
// double quotes escaped by a backslash, as Values.escape does; nothing else
// is escaped.
func appendQuotedValueString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	if !strings.ContainsAny(s, `\"`) {
		dst = append(dst, s...)
		return append(dst, '"')
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' || s[i] == '"' {
			dst = append(dst, '\\')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}

// nestPath returns err, a *DataError or not, with its path placed under
// elem: "[3]" and "zip" make "[3].zip", "tags" and "[3]" make "tags[3]".
func nestPath(err error, elem string) error {
	var de *DataError
	if !errors.As(err, &de) {
		return &DataError{Path: elem, Err: err}
	}
	c := *de
	switch {
	case de.Path == "":
		c.Path = elem
	case de.Path[0] == '[':
		c.Path = elem + de.Path
	default:
		c.Path = elem + "." + de.Path
	}
	return &c
}
