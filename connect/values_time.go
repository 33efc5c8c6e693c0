package connect

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Kafka Connect's Values reads and writes dates with java.text.SimpleDateFormat
// and the patterns below, in the JVM's default time zone; kconnect always
// uses UTC, which is what a JVM worker running in UTC does. SimpleDateFormat
// is lenient: fields may have any number of digits and a minus sign, spaces
// and tabs may precede a field, out-of-range fields roll over (month 13 is
// January of the next year), and text after the pattern is ignored. Dates
// before 15 October 1582 are in the Julian calendar, as in
// java.util.GregorianCalendar. This file reproduces all of that.

const (
	isoDateLen      = len("yyyy-MM-dd")
	isoTimeLen      = len("HH:mm:ss.SSSZ")
	isoTimestampLen = len("yyyy-MM-ddTHH:mm:ss.SSSZ")

	// gregorianCutover is the fixed day number (days since 0001-01-01 of the
	// proleptic Gregorian calendar, counting that day as 1) of 1582-10-15.
	gregorianCutover = 577736
	// epochFixed is the fixed day number of 1970-01-01.
	epochFixed = 719163
)

// A pattern element: a numeric field (one of the letters) or a literal byte.
type datePattern []byte

var (
	datePat      = datePattern("y-M-d")
	timePat      = datePattern("H:m:s.SZ")
	timestampPat = datePattern("y-M-dTH:m:s.SZ")
)

func isFieldLetter(c byte) bool {
	switch c {
	case 'y', 'M', 'd', 'H', 'm', 's', 'S':
		return true
	}
	return false
}

// parseTemporal parses token as Kafka Connect's parser does: after replacing
// escaped colons, a token of the length of a time, timestamp or date pattern
// is parsed with that pattern.
func parseTemporal(token string) (*Schema, time.Time, bool) {
	if strings.Contains(token, `\:`) {
		token = strings.ReplaceAll(token, `\:`, ":")
	}
	var pat datePattern
	var schema *Schema
	switch javaLength(token) {
	case isoTimeLen:
		pat, schema = timePat, TimeSchema
	case isoTimestampLen:
		pat, schema = timestampPat, TimestampSchema
	case isoDateLen:
		pat, schema = datePat, DateSchema
	default:
		return nil, time.Time{}, false
	}
	ms, ok := parseLenientDate(token, pat)
	if !ok {
		return nil, time.Time{}, false
	}
	return schema, time.UnixMilli(ms).UTC(), true
}

// javaLength returns the length of s in UTF-16 code units, as Java's
// String.length counts.
func javaLength(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
		i += size
	}
	return n
}

// parseLenientDate parses the start of s with a pattern as a lenient
// SimpleDateFormat in UTC does, returning milliseconds since the epoch.
func parseLenientDate(s string, pat datePattern) (int64, bool) {
	var f [128]int32
	var set [128]bool
	pos := 0
	for _, e := range pat {
		if !isFieldLetter(e) {
			if pos >= len(s) || s[pos] != e {
				return 0, false
			}
			pos++
			continue
		}
		for pos < len(s) && (s[pos] == ' ' || s[pos] == '\t') {
			pos++
		}
		if pos >= len(s) {
			return 0, false
		}
		neg := false
		if s[pos] == '-' {
			neg = true
			pos++
		}
		var v int64
		n := 0
		for pos < len(s) {
			r, size := rune(s[pos]), 1
			if r >= utf8.RuneSelf {
				r, size = utf8.DecodeRuneInString(s[pos:])
			}
			d := javaDigit(r)
			if d < 0 {
				break
			}
			if n < 18 {
				v = v*10 + int64(d)
			}
			n++
			pos += size
		}
		if n == 0 {
			return 0, false
		}
		if neg {
			v = -v
		}
		f[e] = int32(v) // Number.intValue of a long keeps the low 32 bits
		set[e] = true
	}
	year := int32(1970)
	if set['y'] {
		year = f['y']
	}
	month := int32(0)
	if set['M'] {
		month = f['M'] - 1
	}
	day := int64(1)
	if set['d'] {
		day = int64(f['d'])
	}
	return javaCalendarMillis(year, month, day, f['H'], f['m'], f['s'], f['S']), true
}

// javaCalendarMillis computes the time of the given calendar fields as a
// lenient java.util.GregorianCalendar in UTC does, with Java's overflow.
func javaCalendarMillis(year, month int32, day int64, hour, minute, second, milli int32) int64 {
	tod := int64(hour)
	tod = tod*60 + int64(minute)
	tod = tod*60 + int64(second)
	tod = tod*1000 + int64(milli)
	off := tod / millisPerDay
	tod %= millisPerDay
	for tod < 0 {
		tod += millisPerDay
		off--
	}
	// Month out of range moves the year (GregorianCalendar.getFixedDate).
	y, m := year, month
	if m > 11 {
		y += m / 12
		m %= 12
	} else if m < 0 {
		q := floorDiv(int64(m), 12)
		y += int32(q)
		m = int32(int64(m) - q*12)
	}
	greg := func() int64 { return off + gregorianFixed(int64(y), int64(m)+1) + day - 1 }
	jul := func() int64 { return off + julianFixed(int64(y), int64(m)+1) + day - 1 }
	var fixed int64
	switch {
	case year > 1582:
		gfd := greg()
		if gfd >= gregorianCutover {
			fixed = gfd
			break
		}
		fixed = jul()
	case year < 1582:
		jfd := jul()
		fixed = jfd
	default:
		gfd, jfd := greg(), jul()
		if gfd >= gregorianCutover {
			fixed = gfd
		} else {
			fixed = jfd
		}
	}
	return (fixed-epochFixed)*millisPerDay + tod
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// gregorianFixed returns the fixed day number of the first day of month
// (1-12) of year in the proleptic Gregorian calendar.
func gregorianFixed(year, month int64) int64 {
	prev := year - 1
	days := int64(1) + 365*prev + floorDiv(prev, 4) - floorDiv(prev, 100) + floorDiv(prev, 400) + floorDiv(367*month-362, 12)
	if month > 2 {
		if isGregorianLeap(year) {
			days--
		} else {
			days -= 2
		}
	}
	return days
}

func isGregorianLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// julianFixed returns the fixed day number of the first day of month (1-12)
// of year (astronomical numbering: 0 is 1 BC) in the Julian calendar.
func julianFixed(year, month int64) int64 {
	days := -1 - 1 + 365*(year-1) + 1 + floorDiv(year-1, 4) + floorDiv(367*month-362, 12)
	if month > 2 {
		if floorDiv(year, 4)*4 == year {
			days--
		} else {
			days -= 2
		}
	}
	return days
}

// AppendTemporal appends t as Kafka Connect's Values formats a
// java.util.Date (Values.dateFormatFor), in UTC: a time HH:mm:ss.SSS'Z' when
// t is before 1970-01-02 (so every time before the epoch prints as a time of
// day), a date yyyy-MM-dd at midnight, and yyyy-MM-dd'T'HH:mm:ss.SSS'Z'
// otherwise. t is truncated to milliseconds, as a java.util.Date holds them.
func AppendTemporal(dst []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	if ms < millisPerDay {
		return appendTimeOfDay(dst, ms)
	}
	c := time.UnixMilli(ms).UTC()
	dst = appendPadded(dst, int64(c.Year()), 4)
	dst = append(dst, '-')
	dst = appendPadded(dst, int64(c.Month()), 2)
	dst = append(dst, '-')
	dst = appendPadded(dst, int64(c.Day()), 2)
	if ms%millisPerDay == 0 {
		return dst
	}
	dst = append(dst, 'T')
	return appendTimeOfDay(dst, ms)
}

// FormatTemporal returns AppendTemporal's form of t.
func FormatTemporal(t time.Time) string {
	var buf [32]byte
	return string(AppendTemporal(buf[:0], t))
}

func appendTimeOfDay(dst []byte, ms int64) []byte {
	tod := ms % millisPerDay
	if tod < 0 {
		tod += millisPerDay
	}
	dst = appendPadded(dst, tod/3600000, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, tod/60000%60, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, tod/1000%60, 2)
	dst = append(dst, '.')
	dst = appendPadded(dst, tod%1000, 3)
	return append(dst, 'Z')
}

// appendPadded appends a non-negative n with at least width digits.
func appendPadded(dst []byte, n int64, width int) []byte {
	var buf [24]byte
	b := strconv.AppendInt(buf[:0], n, 10)
	for i := len(b); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, b...)
}
