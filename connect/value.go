package connect

import (
	"math"
	"math/big"
	"time"
)

// Kind is the kind of Go value a Value holds.
type Kind uint8

// The kinds of Value. KindNull is the zero Kind: a zero Value is null.
const (
	KindNull Kind = iota
	KindInt8
	KindInt16
	KindInt32
	KindInt64
	KindFloat32
	KindFloat64
	KindBool
	KindString
	KindBytes
	KindTime
	KindDecimal
	// KindAny holds any other value: []any, maps, []MapEntry, *Struct.
	KindAny
)

// Value holds one connect value without boxing it into an interface, in the
// spirit of log/slog.Value: integers, floats, booleans, strings, times and
// decimals are stored inline, so building and reading a Struct of them does
// not allocate. The zero Value is null.
//
// Struct stores its fields as Values; converters and transforms read and
// copy them with Struct.At and Struct.SetAt to avoid allocating. Most code
// can ignore Value and use Struct.Put and Struct.Get.
type Value struct {
	kind Kind
	aux  int32 // time: nanoseconds; decimal: scale
	num  uint64
	str  string
	ref  any
}

// Int8Value returns a Value for an INT8.
func Int8Value(v int8) Value { return Value{kind: KindInt8, num: uint64(v)} }

// Int16Value returns a Value for an INT16.
func Int16Value(v int16) Value { return Value{kind: KindInt16, num: uint64(v)} }

// Int32Value returns a Value for an INT32.
func Int32Value(v int32) Value { return Value{kind: KindInt32, num: uint64(v)} }

// Int64Value returns a Value for an INT64.
func Int64Value(v int64) Value { return Value{kind: KindInt64, num: uint64(v)} }

// Float32Value returns a Value for a FLOAT32.
func Float32Value(v float32) Value {
	return Value{kind: KindFloat32, num: uint64(math.Float32bits(v))}
}

// Float64Value returns a Value for a FLOAT64.
func Float64Value(v float64) Value { return Value{kind: KindFloat64, num: math.Float64bits(v)} }

// BoolValue returns a Value for a BOOLEAN.
func BoolValue(v bool) Value {
	var n uint64
	if v {
		n = 1
	}
	return Value{kind: KindBool, num: n}
}

// StringValue returns a Value for a STRING.
func StringValue(v string) Value { return Value{kind: KindString, str: v} }

// BytesValue returns a Value for BYTES. A nil slice is null.
func BytesValue(v []byte) Value {
	if v == nil {
		return Value{}
	}
	return Value{kind: KindBytes, ref: v}
}

// TimeValue returns a Value for a Date, Time or Timestamp. The location is
// dropped: values read back in UTC.
func TimeValue(v time.Time) Value {
	return Value{kind: KindTime, num: uint64(v.Unix()), aux: int32(v.Nanosecond())}
}

// DecimalValue returns a Value for a Decimal.
func DecimalValue(v Decimal) Value {
	u := v.Unscaled
	if u == nil {
		u = new(big.Int)
	}
	return Value{kind: KindDecimal, aux: v.Scale, ref: u}
}

// AnyValue returns a Value holding v, using the inline kinds for the Go types
// that have one (a Go int becomes KindInt64) and KindAny otherwise. A nil v,
// or a nil slice, map or *Struct, is null. A Value passed as v is returned
// as is.
func AnyValue(v any) Value {
	switch x := v.(type) {
	case nil:
		return Value{}
	case Value:
		return x
	case int8:
		return Int8Value(x)
	case int16:
		return Int16Value(x)
	case int32:
		return Int32Value(x)
	case int64:
		return Int64Value(x)
	case int:
		return Int64Value(int64(x))
	case float32:
		return Float32Value(x)
	case float64:
		return Float64Value(x)
	case bool:
		return BoolValue(x)
	case string:
		return StringValue(x)
	case []byte:
		if x == nil {
			return Value{}
		}
		return Value{kind: KindBytes, ref: v}
	case time.Time:
		return TimeValue(x)
	case Decimal:
		return DecimalValue(x)
	case *Struct:
		if x == nil {
			return Value{}
		}
	case []any:
		if x == nil {
			return Value{}
		}
	case map[string]any:
		if x == nil {
			return Value{}
		}
	}
	return Value{kind: KindAny, ref: v}
}

// Kind returns the kind of value v holds.
func (v Value) Kind() Kind { return v.kind }

// IsNull reports whether v is null.
func (v Value) IsNull() bool { return v.kind == KindNull }

// Any returns v as the Go value of its kind (nil for null). Integers and
// floats are boxed, which allocates for most values.
func (v Value) Any() any {
	switch v.kind {
	case KindNull:
		return nil
	case KindInt8:
		return int8(v.num)
	case KindInt16:
		return int16(v.num)
	case KindInt32:
		return int32(v.num)
	case KindInt64:
		return int64(v.num)
	case KindFloat32:
		return math.Float32frombits(uint32(v.num))
	case KindFloat64:
		return math.Float64frombits(v.num)
	case KindBool:
		return v.num != 0
	case KindString:
		return v.str
	case KindTime:
		return v.Time()
	case KindDecimal:
		return v.Decimal()
	}
	return v.ref
}

// Int64 returns an integer of any width widened to int64; zero for other
// kinds.
func (v Value) Int64() int64 {
	switch v.kind {
	case KindInt8:
		return int64(int8(v.num))
	case KindInt16:
		return int64(int16(v.num))
	case KindInt32:
		return int64(int32(v.num))
	case KindInt64:
		return int64(v.num)
	}
	return 0
}

// Float64 returns a float of either width as float64; zero for other kinds.
func (v Value) Float64() float64 {
	switch v.kind {
	case KindFloat32:
		return float64(math.Float32frombits(uint32(v.num)))
	case KindFloat64:
		return math.Float64frombits(v.num)
	}
	return 0
}

// Float32 returns a FLOAT32 value; zero for other kinds.
func (v Value) Float32() float32 {
	if v.kind == KindFloat32 {
		return math.Float32frombits(uint32(v.num))
	}
	return 0
}

// Bool returns a BOOLEAN value; false for other kinds.
func (v Value) Bool() bool { return v.kind == KindBool && v.num != 0 }

// Str returns a STRING value; "" for other kinds. (It is not called String
// so that fmt does not mistake a Value for a fmt.Stringer.)
func (v Value) Str() string { return v.str }

// Bytes returns a BYTES value; nil for other kinds.
func (v Value) Bytes() []byte {
	if v.kind == KindBytes {
		return v.ref.([]byte)
	}
	return nil
}

// Time returns a time value in UTC; the zero time for other kinds.
func (v Value) Time() time.Time {
	if v.kind != KindTime {
		return time.Time{}
	}
	return time.Unix(int64(v.num), int64(v.aux)).UTC()
}

// Decimal returns a Decimal value; the zero Decimal for other kinds. The
// unscaled integer is shared, not copied: do not modify it.
func (v Value) Decimal() Decimal {
	if v.kind != KindDecimal {
		return Decimal{}
	}
	return Decimal{Unscaled: v.ref.(*big.Int), Scale: v.aux}
}

// Ref returns the value of KindAny and KindBytes; nil for other kinds.
func (v Value) Ref() any {
	if v.kind == KindAny || v.kind == KindBytes {
		return v.ref
	}
	return nil
}

// Equal reports whether v and o hold equal values (see ValuesEqual).
func (v Value) Equal(o Value) bool {
	if v.kind != o.kind {
		return false
	}
	switch v.kind {
	case KindNull:
		return true
	case KindInt8, KindInt16, KindInt32, KindInt64, KindBool, KindFloat32, KindFloat64:
		return v.num == o.num
	case KindString:
		return v.str == o.str
	case KindTime:
		return v.num == o.num && v.aux == o.aux
	case KindDecimal:
		return v.Decimal().Equal(o.Decimal())
	}
	return ValuesEqual(v.ref, o.ref)
}
