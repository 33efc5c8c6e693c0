package connect

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// AppendJavaString appends v as Java's String.valueOf prints the value a
// Kafka Connect worker holds for it, which is what StringConverter and
// FileStreamSink write:
//
//   - nil as null, a string as is, true and false, integers in decimal;
//   - FLOAT32 and FLOAT64 as Float.toString and Double.toString ("1.0E10",
//     "NaN", "-Infinity"), a Decimal as BigDecimal.toString ("1E+3");
//   - a time.Time as java.util.Date.toString in a JVM whose time zone is UTC,
//     "Fri Mar 15 12:34:56 UTC 2024": whole seconds, the Julian calendar
//     before 15 October 1582, and the year of the era (no sign) before Christ;
//   - an array as [a, b], a map as {k=v, k2=v2} (a []MapEntry in its order, a
//     Go map in java.util.HashMap order, see ConvertToString) and a struct as
//     Struct{a=1,b=x}, its fields in order and its null fields left out;
//   - a nil slice, map or *Struct as null, and a Value as the value it holds.
//
// Java has no faithful text for two things: a byte slice (it prints the
// array's identity, such as [B@1b6d3586) and a Go type outside the data
// model. For a non-nil []byte or such a value anywhere in v (an element, a
// map key or value, a struct field), AppendJavaString calls other with the
// output so far and that value (as it was boxed in v, so the call does not
// allocate) and carries on with what other returns. An error from other
// stops the writing; it is returned as (or wrapping) a *DataError whose
// Path locates the value in v ("[2]", "[k].key", "attrs[k]", "where.x"),
// with dst holding the output up to that value. With a nil other, each such
// value is a *DataError.
//
// AppendJavaString fails only through other and does not allocate for
// strings, numbers other than Decimal, booleans and times.
func AppendJavaString(dst []byte, v any, other func(dst []byte, v any) ([]byte, error)) ([]byte, error) {
	if other == nil {
		other = noJavaString
	}
	dst, err := appendJavaString(dst, v, other)
	if err != nil {
		return dst, asDataError(err)
	}
	return dst, nil
}

// asDataError returns err as a *DataError, wrapping it if it is none.
func asDataError(err error) error {
	var de *DataError
	if errors.As(err, &de) {
		return err
	}
	return &DataError{Err: err}
}

// noJavaString is AppendJavaString's other when the caller gives none.
func noJavaString(dst []byte, v any) ([]byte, error) {
	if _, ok := v.([]byte); ok {
		return dst, &DataError{Err: errors.New("a BYTES value has no Java text form (Java prints the array's identity)")}
	}
	return dst, &DataError{Err: fmt.Errorf("%T is not a connect value type", v)}
}

func appendJavaString(dst []byte, v any, other func([]byte, any) ([]byte, error)) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return append(dst, x...), nil
	case bool, int8, int16, int32, int64, int, float32, float64, Decimal:
		// Values.convertToString prints these as String.valueOf does.
		return appendValueString(dst, v, false)
	case time.Time:
		return appendJavaDate(dst, x), nil
	case []byte:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return other(dst, v)
	case Value:
		return appendJavaValue(dst, x, other)
	case []any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		// AbstractCollection.toString.
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			var err error
			if dst, err = appendJavaString(dst, e, other); err != nil {
				return dst, nestPath(err, "["+strconv.Itoa(i)+"]")
			}
		}
		return append(dst, ']'), nil
	case []MapEntry:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendJavaEntries(dst, x, other)
	case map[string]any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendJavaEntries(dst, stringMapEntries(x), other)
	case map[any]any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendJavaEntries(dst, JavaMapEntries(x), other)
	case *Struct:
		if x == nil {
			return append(dst, "null"...), nil
		}
		// Struct.toString: fields in order, null ones left out.
		dst = append(dst, "Struct{"...)
		first := true
		for i, f := range x.schema.Fields {
			fv := x.vals[i]
			if fv.kind == KindNull {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, f.Name...)
			dst = append(dst, '=')
			var err error
			if dst, err = appendJavaValue(dst, fv, other); err != nil {
				return dst, nestPath(err, f.Name)
			}
		}
		return append(dst, '}'), nil
	}
	return other(dst, v)
}

// appendJavaValue appends a Value without boxing its inline kinds.
func appendJavaValue(dst []byte, v Value, other func([]byte, any) ([]byte, error)) ([]byte, error) {
	switch v.kind {
	case KindTime:
		return appendJavaDate(dst, v.Time()), nil
	case KindAny, KindBytes:
		return appendJavaString(dst, v.ref, other)
	}
	return appendValueOf(dst, v, false)
}

// appendJavaEntries appends a map as AbstractMap.toString does: {k=v, k2=v2}.
func appendJavaEntries(dst []byte, entries []MapEntry, other func([]byte, any) ([]byte, error)) ([]byte, error) {
	dst = append(dst, '{')
	for i, e := range entries {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		var err error
		if dst, err = appendJavaString(dst, e.Key, other); err != nil {
			return dst, nestPath(err, "["+fmt.Sprint(e.Key)+"].key")
		}
		dst = append(dst, '=')
		if dst, err = appendJavaString(dst, e.Value, other); err != nil {
			return dst, nestPath(err, "["+fmt.Sprint(e.Key)+"]")
		}
	}
	return append(dst, '}'), nil
}

var (
	javaWeekdays = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	javaMonths   = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// appendJavaDate appends t as java.util.Date.toString prints it in UTC,
// "EEE MMM dd HH:mm:ss zzz yyyy": the Julian calendar before 1582-10-15,
// the year unpadded, and the year of the era for years before Christ.
func appendJavaDate(dst []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	days := floorDiv(ms, millisPerDay) // since 1970-01-01
	tod := ms - days*millisPerDay
	var year int64
	var month, day int
	if days+epochFixed >= gregorianCutover {
		y, m, d := time.UnixMilli(ms).UTC().Date()
		year, month, day = int64(y), int(m), d
	} else {
		year, month, day = julianDate(days + epochFixed)
	}
	if year <= 0 {
		year = 1 - year // 0 is 1 BC
	}
	weekday := days + 4 - floorDiv(days+4, 7)*7 // 1970-01-01 was a Thursday
	dst = append(dst, javaWeekdays[weekday]...)
	dst = append(dst, ' ')
	dst = append(dst, javaMonths[month-1]...)
	dst = append(dst, ' ')
	dst = appendTwoDigits(dst, int64(day))
	dst = append(dst, ' ')
	dst = appendTwoDigits(dst, tod/3600000)
	dst = append(dst, ':')
	dst = appendTwoDigits(dst, tod/60000%60)
	dst = append(dst, ':')
	dst = appendTwoDigits(dst, tod/1000%60)
	dst = append(dst, " UTC "...)
	return strconv.AppendInt(dst, year, 10)
}

// appendTwoDigits appends n, from 0 to 99, as two digits.
func appendTwoDigits(dst []byte, n int64) []byte {
	return append(dst, byte('0'+n/10), byte('0'+n%10))
}

// julianDate returns the Julian calendar date (astronomical year: 0 is 1 BC)
// of a fixed day number.
func julianDate(fixed int64) (year int64, month, day int) {
	year = floorDiv(4*(fixed+1)+1464, 1461)
	prior := fixed - julianFixed(year, 1)
	correction := int64(0)
	if fixed >= julianFixed(year, 3) {
		if floorDiv(year, 4)*4 == year {
			correction = 1
		} else {
			correction = 2
		}
	}
	m := floorDiv(12*(prior+correction)+373, 367)
	return year, int(m), int(fixed-julianFixed(year, m)) + 1
}
