package connect

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"time"
)

// This file and values_*.go are Kafka Connect's
// org.apache.kafka.connect.data.Values: lenient conversions between value
// types, schema inference, and the string form that SimpleHeaderConverter
// writes (ConvertToString) and reads (ParseString). Every rule follows
// Kafka's class, including its surprises, because header values written by a
// JVM worker must read back alike here and the other way round; goldens
// produced by Apache Kafka's own class check it (connect/testdata/values).
//
// In the ConvertTo functions a Java "Number" is any of int8, int16, int32,
// int64, int, float32, float64 and Decimal. Converting a Number to an integer
// type truncates toward zero and keeps the low bits, as Java's casts do
// (300 converts to the INT8 44; a float beyond the range of INT64 saturates),
// and a string is read as a java.math.BigDecimal ("12.7" converts to the
// INT32 12). Where Kafka returns null for a null value the functions return
// an error wrapping ErrNullValue: check for nil first when null is valid.
// Every error is a *DataError.

// ErrNullValue is wrapped by the error a ConvertTo function returns for a nil
// value.
var ErrNullValue = errors.New("null value")

// ConvertToBoolean converts v to a BOOLEAN as Values.convertToBoolean does: a
// bool as is, a string that ParseString reads as a boolean ("true", "false"),
// and otherwise true unless the value converts to the INT64 0 ("0", "0.5",
// 0.3 are false). Other values are errors.
func ConvertToBoolean(schema *Schema, v any) (bool, error) {
	v = unwrapValue(v)
	switch x := v.(type) {
	case nil:
		return false, nullError("BOOLEAN")
	case bool:
		return x, nil
	case string:
		if _, pv, _ := ParseString(x); pv != nil {
			if b, ok := pv.(bool); ok {
				return b, nil
			}
		}
	}
	n, err := asLong(v, schema)
	return n != 0, err
}

// ConvertToInt8 converts v to an INT8 as Values.convertToByte does: an int8
// as is, other numbers and numeric strings truncated to their low 8 bits.
func ConvertToInt8(schema *Schema, v any) (int8, error) {
	v = unwrapValue(v)
	if x, ok := v.(int8); ok {
		return x, nil
	}
	if v == nil {
		return 0, nullError("INT8")
	}
	n, err := asLong(v, schema)
	return int8(n), err
}

// ConvertToInt16 converts v to an INT16 as Values.convertToShort does.
func ConvertToInt16(schema *Schema, v any) (int16, error) {
	v = unwrapValue(v)
	if x, ok := v.(int16); ok {
		return x, nil
	}
	if v == nil {
		return 0, nullError("INT16")
	}
	n, err := asLong(v, schema)
	return int16(n), err
}

// ConvertToInt32 converts v to an INT32 as Values.convertToInteger does.
func ConvertToInt32(schema *Schema, v any) (int32, error) {
	v = unwrapValue(v)
	if x, ok := v.(int32); ok {
		return x, nil
	}
	if v == nil {
		return 0, nullError("INT32")
	}
	n, err := asLong(v, schema)
	return int32(n), err
}

// ConvertToInt64 converts v to an INT64 as Values.convertToLong does. A
// time.Time converts when schema names its logical type: a Date to days, a
// Time or Timestamp to milliseconds.
func ConvertToInt64(schema *Schema, v any) (int64, error) {
	v = unwrapValue(v)
	if x, ok := v.(int64); ok {
		return x, nil
	}
	if v == nil {
		return 0, nullError("INT64")
	}
	return asLong(v, schema)
}

// ConvertToFloat32 converts v to a FLOAT32 as Values.convertToFloat does.
func ConvertToFloat32(schema *Schema, v any) (float32, error) {
	v = unwrapValue(v)
	if x, ok := v.(float32); ok {
		return x, nil
	}
	if v == nil {
		return 0, nullError("FLOAT32")
	}
	f, err := asDouble(v, schema)
	return float32(f), err
}

// ConvertToFloat64 converts v to a FLOAT64 as Values.convertToDouble does.
func ConvertToFloat64(schema *Schema, v any) (float64, error) {
	v = unwrapValue(v)
	if x, ok := v.(float64); ok {
		return x, nil
	}
	if v == nil {
		return 0, nullError("FLOAT64")
	}
	return asDouble(v, schema)
}

// ConvertToDecimal converts v to a Decimal as Values.convertToDecimal does: a
// Decimal as is (whatever its scale), bytes as the two's complement unscaled
// value with the given scale, a string as BigDecimal reads it, and another
// number through Java's Double.toString (the INT32 7 is 7.0, scale 1).
func ConvertToDecimal(schema *Schema, v any, scale int32) (Decimal, error) {
	v = unwrapValue(v)
	if v == nil || isNilContainer(v) {
		return Decimal{}, nullError("Decimal")
	}
	return convertToDecimal(v, scale)
}

// ConvertToDate converts v to a Date as Values.convertToDate does: a string
// through ParseString; a time.Time as is unless schema is a Timestamp, whose
// days it keeps; anything else through ConvertToInt64 as days since the
// epoch. The result may have a time of day when v had one and no schema, as
// in Kafka Connect.
func ConvertToDate(schema *Schema, v any) (time.Time, error) {
	v = unwrapValue(v)
	if v == nil {
		return time.Time{}, nullError("Date")
	}
	return convertToDate(schema, v)
}

// ConvertToTime converts v to a Time as Values.convertToTime does: a string
// through ParseString; a time.Time as is unless schema is a Timestamp, whose
// time of day it keeps; anything else through ConvertToInt64 as milliseconds
// since midnight, which must be within 0 and 86400000.
func ConvertToTime(schema *Schema, v any) (time.Time, error) {
	v = unwrapValue(v)
	if v == nil {
		return time.Time{}, nullError("Time")
	}
	return convertToTime(schema, v)
}

// ConvertToTimestamp converts v to a Timestamp as Values.convertToTimestamp
// does: a string through ParseString; a time.Time as is, checked as a Date or
// Time when schema says it is one; anything else through ConvertToInt64 as
// milliseconds since the epoch.
func ConvertToTimestamp(schema *Schema, v any) (time.Time, error) {
	v = unwrapValue(v)
	if v == nil {
		return time.Time{}, nullError("Timestamp")
	}
	return convertToTimestamp(schema, v)
}

// ConvertToList converts v to an ARRAY value as Values.convertToList does: a
// []any as is, a string that ParseString reads as an array; nothing else.
func ConvertToList(schema *Schema, v any) ([]any, error) {
	v = unwrapValue(v)
	if s, ok := v.(string); ok {
		_, pv, err := ParseString(s)
		if err != nil {
			return nil, err
		}
		if pv == nil {
			return nil, cannotConvert(v, "ARRAY")
		}
		v = pv
	}
	if v == nil || isNilContainer(v) {
		return nil, nullError("ARRAY")
	}
	if a, ok := v.([]any); ok {
		return a, nil
	}
	return nil, cannotConvert(v, "ARRAY")
}

// ConvertToMap converts v to a MAP value as Values.convertToMap does: a map
// of any of the three forms, listed in Java iteration order (see
// ConvertToString), or a string that ParseString reads as a map.
func ConvertToMap(schema *Schema, v any) ([]MapEntry, error) {
	v = unwrapValue(v)
	if s, ok := v.(string); ok {
		_, pv, err := ParseString(s)
		if err != nil {
			return nil, err
		}
		if pv == nil {
			return nil, cannotConvert(v, "MAP")
		}
		v = pv
	}
	if v == nil || isNilContainer(v) {
		return nil, nullError("MAP")
	}
	switch m := v.(type) {
	case []MapEntry:
		return m, nil
	case map[string]any:
		return stringMapEntries(m), nil
	case map[any]any:
		return JavaMapEntries(m), nil
	}
	return nil, cannotConvert(v, "MAP")
}

// ConvertToStruct returns v when it is a *Struct, as Values.convertToStruct
// does; nothing converts to a struct.
func ConvertToStruct(schema *Schema, v any) (*Struct, error) {
	v = unwrapValue(v)
	if v == nil || isNilContainer(v) {
		return nil, nullError("STRUCT")
	}
	if s, ok := v.(*Struct); ok {
		return s, nil
	}
	return nil, cannotConvert(v, "STRUCT")
}

// ConvertTo converts v, described by from (nil when unknown), to a value of
// the schema to, as Kafka Connect's Values.convertTo does: by to's type, and
// for BYTES, INT32 and INT64 by its logical type. A nil v is nil for an
// optional schema and an error otherwise. Maps, arrays and structs are
// returned as they are (after ParseString for strings); their elements are
// not converted.
func ConvertTo(to, from *Schema, v any) (any, error) {
	v = unwrapValue(v)
	if to == nil {
		return nil, &DataError{Err: errors.New("no schema to convert to")}
	}
	if v == nil || isNilContainer(v) {
		if to.Optional {
			return nil, nil
		}
		return nil, &DataError{Err: fmt.Errorf("cannot convert a null value to a schema that requires a value (%s): %w", to, ErrNullValue)}
	}
	switch to.Type {
	case BytesType:
		if to.Name == DecimalName {
			scale, err := to.DecimalScale()
			if err != nil {
				return nil, &DataError{Err: err}
			}
			return convertToDecimal(v, scale)
		}
		switch x := v.(type) {
		case []byte:
			return x, nil
		case Decimal:
			scale, err := to.DecimalScale()
			if err != nil {
				return nil, &DataError{Err: err}
			}
			if x.Scale != scale {
				return nil, &DataError{Err: fmt.Errorf("decimal %s has scale %d, schema %s has scale %d", x, x.Scale, to, scale)}
			}
			return DecimalBytes(nil, x), nil
		}
		return nil, cannotConvert(v, to.String())
	case StringType:
		return ConvertToString(from, v)
	case BooleanType:
		return ConvertToBoolean(from, v)
	case Int8Type:
		return ConvertToInt8(from, v)
	case Int16Type:
		return ConvertToInt16(from, v)
	case Int32Type:
		switch to.Name {
		case DateName:
			return convertToDate(from, v)
		case TimeName:
			return convertToTime(from, v)
		}
		return ConvertToInt32(from, v)
	case Int64Type:
		if to.Name == TimestampName {
			return convertToTimestamp(from, v)
		}
		return ConvertToInt64(from, v)
	case Float32Type:
		return ConvertToFloat32(from, v)
	case Float64Type:
		return ConvertToFloat64(from, v)
	case ArrayType:
		return ConvertToList(from, v)
	case MapType:
		if s, ok := v.(string); ok {
			_, pv, err := ParseString(s)
			if err != nil {
				return nil, err
			}
			v = pv
		}
		switch v.(type) {
		case []MapEntry, map[string]any, map[any]any:
			return v, nil
		}
		return nil, cannotConvert(v, to.String())
	case StructType:
		return ConvertToStruct(from, v)
	}
	return nil, cannotConvert(v, to.String())
}

// InferSchema returns the schema Values.inferSchema infers for v, or nil:
// the required primitive schema of a primitive (INT64 for a Go int), the
// schema of a *Struct, and for a non-empty array or map whose non-null
// elements share one type an ARRAY or MAP of that type (optional when an
// element is null; a container or struct element type is bare, without its
// own element schemas or fields). As in Kafka Connect a time.Time, a Decimal,
// an empty container and a container of mixed types infer nothing; a
// container of only nulls, for which Kafka throws, infers nothing too.
func InferSchema(v any) *Schema {
	switch x := unwrapValue(v).(type) {
	case string:
		return StringSchema
	case bool:
		return BooleanSchema
	case int8:
		return Int8Schema
	case int16:
		return Int16Schema
	case int32:
		return Int32Schema
	case int64, int:
		return Int64Schema
	case float32:
		return Float32Schema
	case float64:
		return Float64Schema
	case []byte:
		if x != nil {
			return BytesSchema
		}
	case []any:
		if len(x) == 0 {
			return nil
		}
		var d schemaDetector
		for _, e := range x {
			if !d.detect(e) {
				return nil
			}
		}
		if elem := d.schema(); elem != nil {
			return ArrayOf(elem)
		}
	case map[string]any, map[any]any, []MapEntry:
		entries, _ := mapEntries(x)
		if len(entries) == 0 {
			return nil
		}
		var kd, vd schemaDetector
		for _, e := range entries {
			if !kd.detect(e.Key) || !vd.detect(e.Value) {
				return nil
			}
		}
		k, val := kd.schema(), vd.schema()
		if k != nil && val != nil {
			return MapOf(k, val)
		}
	case *Struct:
		if x != nil {
			return x.schema
		}
	}
	return nil
}

// schemaDetector is Kafka's Values.SchemaDetector.
type schemaDetector struct {
	known    Type
	optional bool
}

func (d *schemaDetector) detect(v any) bool {
	if v == nil || isNilContainer(v) {
		d.optional = true
		return true
	}
	s := InferSchema(v)
	if s == nil {
		return false
	}
	if d.known == 0 {
		d.known = s.Type
	}
	return d.known == s.Type
}

func (d *schemaDetector) schema() *Schema {
	if d.known == 0 {
		return nil
	}
	if d.known.Primitive() {
		return PrimitiveSchema(d.known, d.optional)
	}
	return &Schema{Type: d.known, Optional: d.optional}
}

func unwrapValue(v any) any {
	if x, ok := v.(Value); ok {
		return x.Any()
	}
	return v
}

// describe formats v for an error message, shortened when long.
func describe(v any) string {
	s, err := ConvertToString(nil, v)
	if err != nil {
		s = fmt.Sprint(v)
	}
	if len(s) > 100 {
		s = s[:100] + "..."
	}
	return fmt.Sprintf("%q (%s)", s, reflect.TypeOf(v))
}

func cannotConvert(v any, target string) error {
	return &DataError{Err: fmt.Errorf("cannot convert %s to %s", describe(v), target)}
}

// asLong is Values.asLong: a number's long value, a string read as a
// BigDecimal, or a time.Time whose logical type fromSchema names.
func asLong(v any, fromSchema *Schema) (int64, error) {
	switch x := v.(type) {
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case float32:
		return saturatingInt64(float64(x)), nil
	case float64:
		return saturatingInt64(x), nil
	case Decimal:
		return decimalLongValue(x), nil
	case string:
		if d, ok := parseJavaDecimal(x); ok {
			return d.longValue(), nil
		}
	}
	if fromSchema != nil {
		if t, ok := v.(time.Time); ok {
			switch fromSchema.Name {
			case DateName:
				days, err := dateFromLogical(t)
				return int64(days), err
			case TimeName:
				return timeFromLogical(t)
			case TimestampName:
				return t.UnixMilli(), nil
			}
		}
		return 0, cannotConvert(v, fromSchema.String())
	}
	if v == nil {
		return 0, nullError("a number")
	}
	return 0, cannotConvert(v, "a number")
}

// asDouble is Values.asDouble.
func asDouble(v any, schema *Schema) (float64, error) {
	switch x := v.(type) {
	case int8:
		return float64(x), nil
	case int16:
		return float64(x), nil
	case int32:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case int:
		return float64(x), nil
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	case Decimal:
		return decimalFloat64(x), nil
	case string:
		if d, ok := parseJavaDecimal(x); ok {
			return d.float(64), nil
		}
	}
	n, err := asLong(v, schema)
	return float64(n), err
}

// dateFromLogical is Date.fromLogical: days since the epoch of a midnight.
func dateFromLogical(t time.Time) (int32, error) {
	ms := t.UnixMilli()
	if ms%millisPerDay != 0 {
		return 0, &DataError{Err: errors.New("Kafka Connect Date type should not have any time fields set to non-zero values")}
	}
	return int32(ms / millisPerDay), nil
}

// timeFromLogical is Time.fromLogical: milliseconds since midnight of a time
// on 1970-01-01.
func timeFromLogical(t time.Time) (int64, error) {
	ms := t.UnixMilli()
	if ms < 0 || ms > millisPerDay {
		return 0, &DataError{Err: errors.New("Kafka Connect Time type should not have any date fields set to non-zero values")}
	}
	return int64(int32(ms)), nil
}

// timeToLogical is Time.toLogical.
func timeToLogical(ms int32) (time.Time, error) {
	if ms < 0 || ms > millisPerDay {
		return time.Time{}, &DataError{Err: fmt.Errorf("Time values must be milliseconds from 0 to 86400000, not %d", ms)}
	}
	return time.UnixMilli(int64(ms)).UTC(), nil
}

func convertToDecimal(v any, scale int32) (Decimal, error) {
	switch x := v.(type) {
	case []byte:
		d, err := DecimalFromBytes(x, scale)
		if err != nil {
			return Decimal{}, &DataError{Err: err}
		}
		return d, nil
	case Decimal:
		if x.Unscaled == nil {
			return Decimal{Unscaled: x.unscaled(), Scale: x.Scale}, nil
		}
		return x, nil
	case string:
		d, ok := parseJavaDecimal(x)
		if !ok {
			return Decimal{}, cannotConvert(v, "a Decimal")
		}
		return d.decimal(), nil
	case int8, int16, int32, int64, int, float32, float64:
		f, _ := asDouble(x, nil)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return Decimal{}, cannotConvert(v, "a Decimal")
		}
		var buf [32]byte
		d, _ := parseJavaDecimal(string(AppendJavaFloat(buf[:0], f, 64)))
		return d.decimal(), nil
	}
	return Decimal{}, cannotConvert(v, "a Decimal")
}

// parsedValue replaces a string by the value ParseString reads from it.
func parsedValue(v any) (any, error) {
	if s, ok := v.(string); ok {
		_, pv, err := ParseString(s)
		return pv, err
	}
	return v, nil
}

func convertToDate(from *Schema, v any) (time.Time, error) {
	v, err := parsedValue(v)
	if err != nil {
		return time.Time{}, err
	}
	if t, ok := v.(time.Time); ok {
		if from == nil || from.Name == DateName {
			return t, nil
		}
		if from.Name == TimestampName {
			days := int32(t.UnixMilli() / millisPerDay)
			return time.UnixMilli(int64(days) * millisPerDay).UTC(), nil
		}
	}
	n, err := asLong(v, from)
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(int64(int32(n)) * millisPerDay).UTC(), nil
}

func convertToTime(from *Schema, v any) (time.Time, error) {
	v, err := parsedValue(v)
	if err != nil {
		return time.Time{}, err
	}
	if t, ok := v.(time.Time); ok {
		if from == nil || from.Name == TimeName {
			return t, nil
		}
		if from.Name == TimestampName {
			return timeToLogical(int32(timeOfDayIn1970(t.UnixMilli())))
		}
	}
	n, err := asLong(v, from)
	if err != nil {
		return time.Time{}, err
	}
	return timeToLogical(int32(n))
}

// timeOfDayIn1970 moves ms to 1 January 1970 of its era, keeping the time of
// day, as Kafka sets a UTC calendar's year, month and day: for a time before
// the year 1 that is 1 January 1970 BC.
func timeOfDayIn1970(ms int64) int64 {
	tod := ms % millisPerDay
	if tod < 0 {
		tod += millisPerDay
	}
	fixed := floorDiv(ms, millisPerDay) + epochFixed
	if fixed >= -1 { // Julian 0001-01-01 and later: the Christian era
		return tod
	}
	return (julianFixed(-1969, 1)-epochFixed)*millisPerDay + tod
}

func convertToTimestamp(from *Schema, v any) (time.Time, error) {
	v, err := parsedValue(v)
	if err != nil {
		return time.Time{}, err
	}
	if t, ok := v.(time.Time); ok {
		if from == nil {
			return t, nil
		}
		switch from.Name {
		case DateName:
			days, err := dateFromLogical(t)
			if err != nil {
				return time.Time{}, err
			}
			return time.UnixMilli(int64(days) * millisPerDay).UTC(), nil
		case TimeName:
			ms, err := timeFromLogical(t)
			if err != nil {
				return time.Time{}, err
			}
			return time.UnixMilli(ms).UTC(), nil
		case TimestampName:
			return t, nil
		}
	}
	n, err := asLong(v, from)
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(n).UTC(), nil
}
