package file

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// AppendValue appends v as the sink writes it (without the newline): Java's
// String.valueOf of the value Kafka Connect holds, except that bytes are
// written as they are. See the package documentation for every form. It
// never fails and does not allocate for strings, bytes, numbers, booleans
// and times.
func AppendValue(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return append(dst, x...)
	case []byte:
		if x == nil {
			return append(dst, "null"...)
		}
		return append(dst, x...)
	case bool:
		return strconv.AppendBool(dst, x)
	case int8:
		return strconv.AppendInt(dst, int64(x), 10)
	case int16:
		return strconv.AppendInt(dst, int64(x), 10)
	case int32:
		return strconv.AppendInt(dst, int64(x), 10)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case int:
		return strconv.AppendInt(dst, int64(x), 10)
	case float32:
		return appendJavaFloat(dst, float64(x), 32)
	case float64:
		return appendJavaFloat(dst, x, 64)
	case connect.Decimal:
		return appendDecimal(dst, x)
	case time.Time:
		return appendJavaDate(dst, x)
	case connect.Value:
		return appendFieldValue(dst, x)
	case *connect.Struct:
		if x == nil {
			return append(dst, "null"...)
		}
		// Kafka's Struct.toString: fields in order, null ones left out.
		dst = append(dst, "Struct{"...)
		first := true
		for i, f := range x.Schema().Fields {
			fv := x.At(i)
			if fv.IsNull() {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, f.Name...)
			dst = append(dst, '=')
			dst = appendFieldValue(dst, fv)
		}
		return append(dst, '}')
	case []any:
		if x == nil {
			return append(dst, "null"...)
		}
		// AbstractCollection.toString.
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = AppendValue(dst, e)
		}
		return append(dst, ']')
	case []connect.MapEntry:
		if x == nil {
			return append(dst, "null"...)
		}
		return appendEntries(dst, x)
	case map[string]any:
		if x == nil {
			return append(dst, "null"...)
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		// Go maps have no insertion order: sort, so that keys sharing a
		// HashMap bucket come out in a stable order.
		slices.Sort(keys)
		connect.JavaHashMapOrder(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, k...)
			dst = append(dst, '=')
			dst = AppendValue(dst, x[k])
		}
		return append(dst, '}')
	case map[any]any:
		if x == nil {
			return append(dst, "null"...)
		}
		return appendEntries(dst, connect.JavaMapEntries(x))
	}
	return fmt.Append(dst, v)
}

// appendEntries writes a map as AbstractMap.toString does: {k=v, k2=v2}.
func appendEntries(dst []byte, entries []connect.MapEntry) []byte {
	dst = append(dst, '{')
	for i, e := range entries {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = AppendValue(dst, e.Key)
		dst = append(dst, '=')
		dst = AppendValue(dst, e.Value)
	}
	return append(dst, '}')
}

// appendFieldValue appends a struct field's value without boxing it.
func appendFieldValue(dst []byte, v connect.Value) []byte {
	switch v.Kind() {
	case connect.KindNull:
		return append(dst, "null"...)
	case connect.KindInt8, connect.KindInt16, connect.KindInt32, connect.KindInt64:
		return strconv.AppendInt(dst, v.Int64(), 10)
	case connect.KindFloat32:
		return appendJavaFloat(dst, float64(v.Float32()), 32)
	case connect.KindFloat64:
		return appendJavaFloat(dst, v.Float64(), 64)
	case connect.KindBool:
		return strconv.AppendBool(dst, v.Bool())
	case connect.KindString:
		return append(dst, v.Str()...)
	case connect.KindBytes:
		return append(dst, v.Bytes()...)
	case connect.KindTime:
		return appendJavaDate(dst, v.Time())
	case connect.KindDecimal:
		return appendDecimal(dst, v.Decimal())
	}
	return AppendValue(dst, v.Ref())
}

// appendJavaFloat appends f as Float.toString (bitSize 32) or
// Double.toString (64) does.
func appendJavaFloat(dst []byte, f float64, bitSize int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	return connect.AppendJavaFloat(dst, f, bitSize)
}

// appendDecimal appends d as BigDecimal.toString does ("1E+3"), which is
// what connect's Values string form uses.
func appendDecimal(dst []byte, d connect.Decimal) []byte {
	out, err := connect.AppendValueString(dst, nil, d)
	if err != nil { // not expected for a Decimal; never lose the value
		return append(dst, d.String()...)
	}
	return out
}

var (
	javaDays   = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	javaMonths = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// gregorianCutover is 1582-10-15, the first day of the Gregorian calendar
// in java.util.Date, in days since 1970-01-01; Date prints earlier days in
// the Julian calendar.
const gregorianCutover = -141427

// appendJavaDate appends t as java.util.Date.toString prints it in a JVM
// whose time zone is UTC: "EEE MMM dd HH:mm:ss zzz yyyy", the year without
// padding, and the year of the era for years before Christ. Date keeps
// milliseconds and prints whole seconds.
func appendJavaDate(dst []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	days := floorDiv(ms, 86400000)
	tod := int((ms - days*86400000) / 1000) // seconds into the day
	var year int64
	var month, day int
	if days >= gregorianCutover {
		y, m, d := time.UnixMilli(ms).UTC().Date()
		year, month, day = int64(y), int(m), d
	} else {
		year, month, day = julianDate(days)
	}
	dst = append(dst, javaDays[floorMod(days+4, 7)]...) // 1970-01-01 was a Thursday
	dst = append(dst, ' ')
	dst = append(dst, javaMonths[month-1]...)
	dst = append(dst, ' ')
	dst = appendTwoDigits(dst, day)
	dst = append(dst, ' ')
	dst = appendTwoDigits(dst, tod/3600)
	dst = append(dst, ':')
	dst = appendTwoDigits(dst, tod/60%60)
	dst = append(dst, ':')
	dst = appendTwoDigits(dst, tod%60)
	dst = append(dst, " UTC "...)
	if year <= 0 {
		year = 1 - year // 0 is 1 BC
	}
	return strconv.AppendInt(dst, year, 10)
}

// julianDate returns the Julian calendar date of a day counted from
// 1970-01-01, with astronomical years (0 is 1 BC), from its Julian day
// number by the usual integer algorithm (E. G. Richards).
func julianDate(days int64) (year int64, month, day int) {
	c := days + 2440588 + 32082 // 2440588 is the Julian day number of 1970-01-01
	d := floorDiv(4*c+3, 1461)
	e := c - floorDiv(1461*d, 4)
	m := floorDiv(5*e+2, 153)
	day = int(e - floorDiv(153*m+2, 5) + 1)
	month = int(m + 3 - 12*floorDiv(m, 10))
	year = d - 4800 + floorDiv(m, 10)
	return year, month, day
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

func appendTwoDigits(dst []byte, n int) []byte {
	return append(dst, byte('0'+n/10), byte('0'+n%10))
}
