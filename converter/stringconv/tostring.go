package stringconv

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// appendJava appends v as Java's String.valueOf prints the value Kafka
// Connect holds for it (see the package doc). path locates v for errors.
func appendJava(dst []byte, v any, path string) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return append(dst, x...), nil
	case bool, int8, int16, int32, int64, int, float32, float64, connect.Decimal:
		// Numbers and booleans print as Values.convertToString prints them.
		return connect.AppendValueString(dst, nil, x)
	case time.Time:
		return appendJavaDate(dst, x), nil
	case []byte:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return dst, &connect.DataError{Path: path, Err: errors.New("a BYTES value has no text form (Kafka Connect writes the Java array's identity, such as [B@1b6d3586); use ByteArrayConverter")}
	case connect.Value:
		return appendJavaValue(dst, x, path)
	case []any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',', ' ')
			}
			var err error
			if dst, err = appendJava(dst, e, ""); err != nil {
				return dst, nest(err, path, "["+strconv.Itoa(i)+"]")
			}
		}
		return append(dst, ']'), nil
	case []connect.MapEntry:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendJavaEntries(dst, x, path)
	case map[string]any, map[any]any:
		if reflect.ValueOf(x).IsNil() {
			return append(dst, "null"...), nil
		}
		entries, err := connect.ConvertToMap(nil, x)
		if err != nil {
			return dst, err
		}
		return appendJavaEntries(dst, entries, path)
	case *connect.Struct:
		if x == nil {
			return append(dst, "null"...), nil
		}
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
			var err error
			if dst, err = appendJavaValue(dst, fv, ""); err != nil {
				return dst, nest(err, path, f.Name)
			}
		}
		return append(dst, '}'), nil
	}
	return dst, &connect.DataError{Path: path, Err: fmt.Errorf("%s is not a connect value type", reflect.TypeOf(v))}
}

func appendJavaValue(dst []byte, v connect.Value, path string) ([]byte, error) {
	switch v.Kind() {
	case connect.KindTime:
		return appendJavaDate(dst, v.Time()), nil
	case connect.KindAny, connect.KindBytes:
		return appendJava(dst, v.Ref(), path)
	case connect.KindNull:
		return append(dst, "null"...), nil
	}
	return connect.AppendValueString(dst, nil, v)
}

func appendJavaEntries(dst []byte, entries []connect.MapEntry, path string) ([]byte, error) {
	dst = append(dst, '{')
	for i, e := range entries {
		if i > 0 {
			dst = append(dst, ',', ' ')
		}
		var err error
		if dst, err = appendJava(dst, e.Key, ""); err != nil {
			return dst, nest(err, path, "["+fmt.Sprint(e.Key)+"].key")
		}
		dst = append(dst, '=')
		if dst, err = appendJava(dst, e.Value, ""); err != nil {
			return dst, nest(err, path, "["+fmt.Sprint(e.Key)+"]")
		}
	}
	return append(dst, '}'), nil
}

// nest places err's path under path and elem.
func nest(err error, path, elem string) error {
	de := &connect.DataError{Err: err}
	if !errors.As(err, &de) {
		de = &connect.DataError{Err: err}
	}
	c := *de
	inner := c.Path
	c.Path = path
	if elem[0] != '[' && c.Path != "" {
		c.Path += "."
	}
	c.Path += elem
	if inner != "" {
		if inner[0] != '[' {
			c.Path += "."
		}
		c.Path += inner
	}
	return &c
}

var (
	weekdays = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	months   = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

const (
	millisPerDay = 86400000
	// gregorianCutover is the first day of the Gregorian calendar in
	// java.util.GregorianCalendar, 1582-10-15, in days since the epoch.
	gregorianCutover = -141427
)

// appendJavaDate appends t as java.util.Date.toString prints it in UTC,
// "Fri Mar 15 12:34:56 UTC 2024": Julian calendar before 15 October 1582,
// and the year of its era (no sign) for years before Christ.
func appendJavaDate(dst []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	days := floorDiv(ms, millisPerDay)
	tod := ms - days*millisPerDay
	var year int64
	var month, day int
	if days >= gregorianCutover {
		y, m, d := time.UnixMilli(ms).UTC().Date()
		year, month, day = int64(y), int(m), d
	} else {
		year, month, day = julianDate(days + epochFixed)
	}
	if year <= 0 {
		year = 1 - year
	}
	dst = append(dst, weekdays[floorMod(days+4, 7)]...) // 1970-01-01 was a Thursday
	dst = append(dst, ' ')
	dst = append(dst, months[month-1]...)
	dst = append(dst, ' ')
	dst = appendTwo(dst, int64(day))
	dst = append(dst, ' ')
	dst = appendTwo(dst, tod/3600000)
	dst = append(dst, ':')
	dst = appendTwo(dst, tod/60000%60)
	dst = append(dst, ':')
	dst = appendTwo(dst, tod/1000%60)
	dst = append(dst, " UTC "...)
	return strconv.AppendInt(dst, year, 10)
}

func appendTwo(dst []byte, n int64) []byte {
	return append(dst, byte('0'+n/10), byte('0'+n%10))
}

// epochFixed is the fixed day number (0001-01-01 Gregorian is 1) of
// 1970-01-01.
const epochFixed = 719163

// julianFixed returns the fixed day number of the first of month (1-12) of
// year (0 is 1 BC) in the Julian calendar.
func julianFixed(year, month int64) int64 {
	days := -1 + 365*(year-1) + floorDiv(year-1, 4) + floorDiv(367*month-362, 12)
	if month > 2 {
		if floorMod(year, 4) == 0 {
			days--
		} else {
			days -= 2
		}
	}
	return days
}

// julianDate returns the Julian calendar date of a fixed day number.
func julianDate(fixed int64) (year int64, month, day int) {
	year = floorDiv(4*(fixed+1)+1464, 1461)
	prior := fixed - julianFixed(year, 1)
	correction := int64(0)
	if fixed >= julianFixed(year, 3) {
		if floorMod(year, 4) == 0 {
			correction = 1
		} else {
			correction = 2
		}
	}
	m := floorDiv(12*(prior+correction)+373, 367)
	return year, int(m), int(fixed-julianFixed(year, m)) + 1
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }
