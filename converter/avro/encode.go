package avro

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
)

// The Avro binary encoding, written straight from Connect values: ints and
// longs as zig-zag varints, floats and doubles little-endian, strings and
// bytes with a long length, arrays and maps as one block and the empty
// block, unions as a long branch index and the branch.

func appendLong(dst []byte, n int64) []byte {
	u := uint64(n<<1) ^ uint64(n>>63)
	for u >= 0x80 {
		dst = append(dst, byte(u)|0x80)
		u >>= 7
	}
	return append(dst, byte(u))
}

func appendFloat(dst []byte, f float32) []byte {
	b := math.Float32bits(f)
	return append(dst, byte(b), byte(b>>8), byte(b>>16), byte(b>>24))
}

func appendDouble(dst []byte, f float64) []byte {
	b := math.Float64bits(f)
	return append(dst, byte(b), byte(b>>8), byte(b>>16), byte(b>>24), byte(b>>32), byte(b>>40), byte(b>>48), byte(b>>56))
}

func appendString(dst []byte, s string) []byte {
	dst = appendLong(dst, int64(len(s)))
	return append(dst, s...)
}

func appendBytes(dst []byte, b []byte) []byte {
	dst = appendLong(dst, int64(len(b)))
	return append(dst, b...)
}

// encoder writes a Connect value in the Avro binary form of the schema
// AvroData derives from its Connect schema.
type encoder struct {
	d dataConfig
}

func typeErr(s *connect.Schema, v connect.Value) error {
	return &connect.DataError{Err: fmt.Errorf("a %s schema cannot hold a %s value", s.Type, describe(v))}
}

func describe(v connect.Value) string {
	switch v.Kind() {
	case connect.KindAny, connect.KindBytes:
		return fmt.Sprintf("%T", v.Ref())
	}
	return fmt.Sprintf("%T", v.Any())
}

// value appends v, a value of s. A null of a required schema is an error,
// as in AvroData; only a struct's field takes its default (see record).
func (e *encoder) value(dst []byte, s *connect.Schema, v connect.Value) ([]byte, error) {
	if isUnion(s) {
		return e.union(dst, s, v)
	}
	if s.Optional {
		first := unionDefaultFirst(s)
		if v.IsNull() {
			if first {
				return append(dst, 2), nil // branch 1
			}
			return append(dst, 0), nil
		}
		if first {
			dst = append(dst, 0)
		} else {
			dst = append(dst, 2)
		}
	} else if v.IsNull() {
		return dst, &connect.DataError{Err: fmt.Errorf("null value for a required %s schema", s.Type)}
	}
	return e.base(dst, s, v)
}

func (e *encoder) base(dst []byte, s *connect.Schema, v connect.Value) ([]byte, error) {
	switch s.Logical() {
	case connect.LogicalDate, connect.LogicalTime, connect.LogicalTimestamp:
		if v.Kind() != connect.KindTime {
			return dst, &connect.DataError{Err: fmt.Errorf("%s value expected to be a time.Time, got %s", s.Name, describe(v))}
		}
		n, err := logicalToInt(s, v.Time())
		if err != nil {
			return dst, &connect.DataError{Err: err}
		}
		return appendLong(dst, n), nil
	case connect.LogicalDecimal:
		if v.Kind() != connect.KindDecimal {
			return dst, &connect.DataError{Err: fmt.Errorf("Decimal value expected to be a connect.Decimal, got %s", describe(v))}
		}
		return e.decimal(dst, s, v.Decimal())
	}
	switch s.Type {
	case connect.Int8Type, connect.Int16Type, connect.Int32Type, connect.Int64Type:
		switch v.Kind() {
		case connect.KindInt8, connect.KindInt16, connect.KindInt32, connect.KindInt64:
		default:
			return dst, typeErr(s, v)
		}
		n := v.Int64()
		if !fits(s.Type, n) {
			return dst, &connect.DataError{Err: fmt.Errorf("%d does not fit %s", n, s.Type)}
		}
		return appendLong(dst, n), nil
	case connect.Float32Type:
		if v.Kind() != connect.KindFloat32 {
			return dst, typeErr(s, v)
		}
		return appendFloat(dst, v.Float32()), nil
	case connect.Float64Type:
		if v.Kind() != connect.KindFloat64 {
			return dst, typeErr(s, v)
		}
		return appendDouble(dst, v.Float64()), nil
	case connect.BooleanType:
		if v.Kind() != connect.KindBool {
			return dst, typeErr(s, v)
		}
		if v.Bool() {
			return append(dst, 1), nil
		}
		return append(dst, 0), nil
	case connect.StringType:
		if v.Kind() != connect.KindString {
			return dst, typeErr(s, v)
		}
		if isEnum(e.d, s) {
			return e.enum(dst, s, v.Str())
		}
		return appendString(dst, v.Str()), nil
	case connect.BytesType:
		if v.Kind() != connect.KindBytes {
			return dst, typeErr(s, v)
		}
		b := v.Bytes()
		if isFixed(s) {
			size, _ := s.Parameter(propFixedSize)
			if strconv.Itoa(len(b)) != size {
				return dst, &connect.DataError{Err: fmt.Errorf("%d bytes for a fixed of size %s", len(b), size)}
			}
			return append(dst, b...), nil
		}
		return appendBytes(dst, b), nil
	case connect.ArrayType:
		a, ok := v.Ref().([]any)
		if !ok {
			return dst, typeErr(s, v)
		}
		if len(a) > 0 {
			dst = appendLong(dst, int64(len(a)))
			for i, x := range a {
				var err error
				if dst, err = e.value(dst, s.Elem, connect.AnyValue(x)); err != nil {
					return dst, prefix(err, "["+strconv.Itoa(i)+"]")
				}
			}
		}
		return append(dst, 0), nil
	case connect.MapType:
		return e.mapValue(dst, s, v)
	case connect.StructType:
		st, ok := v.Ref().(*connect.Struct)
		if !ok {
			return dst, typeErr(s, v)
		}
		return e.record(dst, s, st)
	}
	return dst, &connect.DataError{Err: fmt.Errorf("unknown schema type %v", s.Type)}
}

func fits(t connect.Type, n int64) bool {
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

// record appends st's fields in the order of s, a null field as its
// default, as Connect's Struct.get gives it to AvroData. A Struct of
// another schema than s (the registry's latest, with use.latest.version)
// is read by field name: a field it lacks takes s's default.
func (e *encoder) record(dst []byte, s *connect.Schema, st *connect.Struct) ([]byte, error) {
	same := st.Schema() == s
	for i, f := range s.Fields {
		var v connect.Value
		if same {
			v = st.At(i)
		} else if sf, ok := st.Schema().Field(f.Name); ok {
			v = st.At(sf.Index)
			if v.IsNull() && sf.Schema.Default != nil {
				v = connect.AnyValue(sf.Schema.Default)
			}
		}
		if v.IsNull() && f.Schema.Default != nil {
			v = connect.AnyValue(f.Schema.Default)
		}
		var err error
		if dst, err = e.value(dst, f.Schema, v); err != nil {
			return dst, prefix(err, f.Name)
		}
	}
	return dst, nil
}

func (e *encoder) enum(dst []byte, s *connect.Schema, sym string) ([]byte, error) {
	i := 0
	for _, p := range s.Parameters {
		if name, ok := strings.CutPrefix(p.Key, paramEnum+"."); ok {
			if name == sym {
				return appendLong(dst, int64(i)), nil
			}
			i++
		}
	}
	return dst, &connect.DataError{Err: fmt.Errorf("%q is not a symbol of enum %s", sym, s.Name)}
}

func (e *encoder) decimal(dst []byte, s *connect.Schema, d connect.Decimal) ([]byte, error) {
	scale, err := s.DecimalScale()
	if err != nil {
		return dst, &connect.DataError{Err: err}
	}
	if d.Scale != scale {
		return dst, &connect.DataError{Err: fmt.Errorf("Decimal of scale %d for a schema of scale %d", d.Scale, scale)}
	}
	if d.Unscaled == nil {
		d.Unscaled = new(big.Int)
	}
	var buf [24]byte
	b := connect.DecimalBytes(buf[:0], d)
	if isFixed(s) {
		size, _ := s.Parameter(propFixedSize)
		n, _ := strconv.Atoi(size)
		if len(b) > n {
			return dst, &connect.DataError{Err: fmt.Errorf("Decimal %s needs %d bytes, more than the fixed size %d", d, len(b), n)}
		}
		// Sign-extend to the fixed size, as Avro's DecimalConversion does.
		pad := byte(0)
		if b[0]&0x80 != 0 {
			pad = 0xff
		}
		for range n - len(b) {
			dst = append(dst, pad)
		}
		return append(dst, b...), nil
	}
	return appendBytes(dst, b), nil
}

// mapEntries lists a MAP value's entries: a map[string]any or map[any]any
// in java.util.HashMap order, as AvroData's HashMap writes them, and a
// []connect.MapEntry as it is.
func mapEntries(v any) ([]connect.MapEntry, error) {
	switch m := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		connect.JavaHashMapOrder(keys)
		out := make([]connect.MapEntry, len(keys))
		for i, k := range keys {
			out[i] = connect.MapEntry{Key: k, Value: m[k]}
		}
		return out, nil
	case map[any]any:
		return connect.JavaMapEntries(m), nil
	case []connect.MapEntry:
		return m, nil
	}
	return nil, fmt.Errorf("MAP value expected, got %T", v)
}

func (e *encoder) mapValue(dst []byte, s *connect.Schema, v connect.Value) ([]byte, error) {
	entries, err := mapEntries(v.Ref())
	if err != nil {
		return dst, &connect.DataError{Err: err}
	}
	stringKeys := s.Key.Type == connect.StringType && !s.Key.Optional
	if len(entries) > 0 {
		dst = appendLong(dst, int64(len(entries)))
		for _, en := range entries {
			kv := connect.AnyValue(en.Key)
			path := "[" + fmt.Sprint(en.Key) + "]"
			if stringKeys {
				if kv.Kind() != connect.KindString {
					return dst, prefix(typeErr(s.Key, kv), path+".key")
				}
				dst = appendString(dst, kv.Str())
			} else if dst, err = e.value(dst, s.Key, kv); err != nil {
				return dst, prefix(err, path+".key")
			}
			if dst, err = e.value(dst, s.Elem, connect.AnyValue(en.Value)); err != nil {
				return dst, prefix(err, path)
			}
		}
	}
	return append(dst, 0), nil
}

// union writes a union held as a struct: the branch of its first field
// that is set, or null.
func (e *encoder) union(dst []byte, s *connect.Schema, v connect.Value) ([]byte, error) {
	base := 0
	if s.Optional {
		base = 1
	}
	if !v.IsNull() {
		st, ok := v.Ref().(*connect.Struct)
		if !ok {
			return dst, typeErr(s, v)
		}
		for i, f := range s.Fields {
			fv := connect.AnyValue(st.Get(f.Name))
			if fv.IsNull() {
				continue
			}
			dst = appendLong(dst, int64(base+i))
			out, err := e.base(dst, f.Schema, fv)
			if err != nil {
				return out, prefix(err, f.Name)
			}
			return out, nil
		}
	}
	if !s.Optional {
		return dst, &connect.DataError{Err: errors.New("null value for a required union")}
	}
	return append(dst, 0), nil
}
