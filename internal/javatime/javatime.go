// Package javatime formats and parses times with Java SimpleDateFormat
// patterns such as "yyyy-MM-dd'T'HH:mm:ss.SSSZ" or "yyyyMMdd", the patterns
// Kafka Connect users write in TimestampConverter's format and
// TimestampRouter's timestamp.format.
//
// # Pattern letters
//
// Letters A-Z and a-z are pattern letters; text in single quotes is literal
// (” is one quote, inside or outside quotes); every other character is
// literal. Supported letters, with SimpleDateFormat's meaning and the count
// rules it applies when formatting:
//
//	G  era                 AD, BC
//	y  year                yy: last two digits; otherwise the year, zero-padded to the count
//	M  month               M, MM: number; MMM: Jan; MMMM: January
//	L  month (standalone)  as M
//	d  day of month        zero-padded to the count
//	D  day of year         zero-padded to the count
//	E  day of week         E..EEE: Mon; EEEE: Monday
//	u  day of week number  1 (Monday) to 7 (Sunday)
//	a  AM/PM marker        AM, PM
//	H  hour 0-23           k: hour 1-24, K: hour 0-11, h: hour 1-12
//	m  minute              zero-padded to the count
//	s  second              zero-padded to the count
//	S  millisecond         the millisecond (0-999) zero-padded to the count:
//	                       SSSSSS is 000123 for 123 ms, as in Java; it is not a fraction
//	z  time zone           z..zzz: UTC or the zone's abbreviation (GMT+hh:mm when it has none);
//	                       zzzz: Coordinated Universal Time for UTC
//	Z  RFC 822 offset      +0000, -0800
//	X  ISO 8601 offset     X: -08, XX: -0800, XXX: -08:00; Z for UTC
//
// The letters Y (week year), w, W (weeks) and F (day of week in month) are
// SimpleDateFormat letters this package does not support: Compile rejects
// them with an error saying so, as it rejects letters SimpleDateFormat does
// not know ("Illegal pattern character").
//
// # Parsing
//
// Parse follows SimpleDateFormat's default, lenient parsing: spaces and tabs
// before a field are skipped; a numeric field followed directly by another
// field reads exactly its count of digits (so yyyyMMdd works), otherwise as
// many digits as there are; out-of-range values roll over (month 13 is
// January of the next year); yy and y read a two-digit year within 80 years
// before and 20 years after now; month and day names match in any letter
// case; text after the end of the pattern is ignored, as
// DateFormat.parse(String) ignores it. Fields the pattern lacks default to
// 1970-01-01T00:00:00.000. Day-of-week fields are checked for syntax but do
// not move the date.
//
// # Time zone
//
// Layouts format and parse in UTC unless In gives another location, as Kafka
// Connect sets its formats to UTC. A parsed zone (z, Z or X) overrides the
// location for that value. The calendar is proleptic Gregorian: dates before
// 1582-10-15, which Java's GregorianCalendar treats as Julian, differ.
package javatime

import (
	"fmt"
	"strings"
	"time"
)

// Layout is a compiled SimpleDateFormat pattern. It is immutable and safe
// for concurrent use.
type Layout struct {
	pattern string
	elems   []elem
	loc     *time.Location
}

// elem is one part of a pattern: a literal, or a letter repeated count times.
type elem struct {
	letter byte // 0 for a literal
	count  int
	lit    string
}

// numeric reports whether the element is a field parsed as a number.
func (e elem) numeric() bool {
	switch e.letter {
	case 'y', 'd', 'D', 'H', 'k', 'K', 'h', 'm', 's', 'S', 'u':
		return true
	case 'M', 'L':
		return e.count <= 2
	}
	return false
}

// Compile parses a SimpleDateFormat pattern. It fails, naming the letter or
// problem, for an unterminated quote, a letter SimpleDateFormat does not
// know, a letter this package does not support, and X repeated more than
// three times.
func Compile(pattern string) (*Layout, error) {
	l := &Layout{pattern: pattern, loc: time.UTC}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			l.elems = append(l.elems, elem{lit: lit.String()})
			lit.Reset()
		}
	}
	inQuote := false
	for i := 0; i < len(pattern); {
		c := pattern[i]
		if c == '\'' {
			if i+1 < len(pattern) && pattern[i+1] == '\'' {
				lit.WriteByte('\'')
				i += 2
				continue
			}
			inQuote = !inQuote
			i++
			continue
		}
		if inQuote || !isLetter(c) {
			lit.WriteByte(c)
			i++
			continue
		}
		n := 1
		for i+n < len(pattern) && pattern[i+n] == c {
			n++
		}
		switch c {
		case 'G', 'y', 'M', 'L', 'd', 'D', 'E', 'u', 'a', 'H', 'k', 'K', 'h', 'm', 's', 'S', 'z', 'Z':
		case 'X':
			if n > 3 {
				return nil, fmt.Errorf("javatime: invalid pattern %q: X may be repeated at most 3 times", pattern)
			}
		case 'Y', 'w', 'W', 'F':
			return nil, fmt.Errorf("javatime: unsupported pattern letter '%c' in %q (supported: G y M L d D E u a H k K h m s S z Z X)", c, pattern)
		default:
			return nil, fmt.Errorf("javatime: illegal pattern character '%c' in %q", c, pattern)
		}
		flush()
		l.elems = append(l.elems, elem{letter: c, count: n})
		i += n
	}
	if inQuote {
		return nil, fmt.Errorf("javatime: unterminated quote in pattern %q", pattern)
	}
	flush()
	return l, nil
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// In returns a copy of l that formats and parses in loc instead of UTC. A
// nil loc means UTC.
func (l *Layout) In(loc *time.Location) *Layout {
	if loc == nil {
		loc = time.UTC
	}
	c := *l
	c.loc = loc
	return &c
}

// Pattern returns the pattern l was compiled from.
func (l *Layout) Pattern() string { return l.pattern }

// Location returns the location l formats and parses in.
func (l *Layout) Location() *time.Location { return l.loc }

// String returns the pattern.
func (l *Layout) String() string { return l.pattern }

// Format returns t formatted with l, in l's location.
func (l *Layout) Format(t time.Time) string {
	var buf [64]byte
	return string(l.AppendFormat(buf[:0], t))
}

// Format compiles pattern and formats t with it, in UTC.
func Format(pattern string, t time.Time) (string, error) {
	l, err := Compile(pattern)
	if err != nil {
		return "", err
	}
	return l.Format(t), nil
}

// Parse compiles pattern and parses s with it, in UTC.
func Parse(pattern, s string) (time.Time, error) {
	l, err := Compile(pattern)
	if err != nil {
		return time.Time{}, err
	}
	return l.Parse(s)
}

var (
	monthsLong  = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	monthsShort = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	daysLong    = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	daysShort   = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
)

// AppendFormat appends t formatted with l, in l's location, to dst.
func (l *Layout) AppendFormat(dst []byte, t time.Time) []byte {
	t = t.In(l.loc)
	for _, e := range l.elems {
		n := e.count
		switch e.letter {
		case 0:
			dst = append(dst, e.lit...)
		case 'G':
			if t.Year() <= 0 {
				dst = append(dst, "BC"...)
			} else {
				dst = append(dst, "AD"...)
			}
		case 'y':
			y := t.Year()
			if y <= 0 {
				y = 1 - y
			}
			if n == 2 {
				dst = appendInt(dst, y%100, 2)
			} else {
				dst = appendInt(dst, y, n)
			}
		case 'M', 'L':
			m := int(t.Month())
			switch {
			case n >= 4:
				dst = append(dst, monthsLong[m-1]...)
			case n == 3:
				dst = append(dst, monthsShort[m-1]...)
			default:
				dst = appendInt(dst, m, n)
			}
		case 'd':
			dst = appendInt(dst, t.Day(), n)
		case 'D':
			dst = appendInt(dst, t.YearDay(), n)
		case 'E':
			if n >= 4 {
				dst = append(dst, daysLong[t.Weekday()]...)
			} else {
				dst = append(dst, daysShort[t.Weekday()]...)
			}
		case 'u':
			wd := int(t.Weekday())
			if wd == 0 {
				wd = 7
			}
			dst = appendInt(dst, wd, n)
		case 'a':
			if t.Hour() < 12 {
				dst = append(dst, "AM"...)
			} else {
				dst = append(dst, "PM"...)
			}
		case 'H':
			dst = appendInt(dst, t.Hour(), n)
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			dst = appendInt(dst, h, n)
		case 'K':
			dst = appendInt(dst, t.Hour()%12, n)
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			dst = appendInt(dst, h, n)
		case 'm':
			dst = appendInt(dst, t.Minute(), n)
		case 's':
			dst = appendInt(dst, t.Second(), n)
		case 'S':
			dst = appendInt(dst, t.Nanosecond()/1e6, n)
		case 'z':
			dst = appendZoneName(dst, t, n >= 4)
		case 'Z':
			_, off := t.Zone()
			dst = appendOffset(dst, off, 2, false)
		case 'X':
			_, off := t.Zone()
			if off == 0 {
				dst = append(dst, 'Z')
			} else {
				dst = appendOffset(dst, off, n, n == 3)
			}
		}
	}
	return dst
}

// appendInt appends a non-negative v zero-padded to at least width digits.
func appendInt(dst []byte, v, width int) []byte {
	var buf [20]byte
	i := len(buf)
	neg := v < 0
	if neg {
		v = -v
	}
	for v >= 10 {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	i--
	buf[i] = byte('0' + v)
	if neg {
		dst = append(dst, '-')
	}
	for d := len(buf) - i; d < width; d++ {
		dst = append(dst, '0')
	}
	return append(dst, buf[i:]...)
}

// appendOffset appends a UTC offset as +hh (n == 1), +hhmm or +hh:mm.
func appendOffset(dst []byte, off, n int, colon bool) []byte {
	sign := byte('+')
	if off < 0 {
		sign = '-'
		off = -off
	}
	mins := off / 60
	dst = append(dst, sign)
	dst = appendInt(dst, mins/60, 2)
	if n == 1 {
		return dst
	}
	if colon {
		dst = append(dst, ':')
	}
	return appendInt(dst, mins%60, 2)
}

func appendZoneName(dst []byte, t time.Time, long bool) []byte {
	name, off := t.Zone()
	if t.Location() == time.UTC || name == "UTC" {
		if long {
			return append(dst, "Coordinated Universal Time"...)
		}
		return append(dst, "UTC"...)
	}
	if name == "" || name[0] == '+' || name[0] == '-' || ('0' <= name[0] && name[0] <= '9') {
		dst = append(dst, "GMT"...)
		return appendOffset(dst, off, 2, true)
	}
	return append(dst, name...)
}

// ParseError reports a value that does not match a pattern.
type ParseError struct {
	Pattern string
	Value   string
	// Offset is the byte offset in Value where matching failed.
	Offset int
	Reason string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("javatime: unparseable date %q for pattern %q at offset %d: %s", e.Value, e.Pattern, e.Offset, e.Reason)
}

// fields collects parsed calendar fields.
type fields struct {
	era                          int // 0 unset, 1 AD, -1 BC
	year, month, day, yday       int
	haveYear, haveMonth, haveDay bool
	haveYDay, twoDigitYear       bool
	hour24, hour12, pm, min, sec int
	ms                           int
	haveH24, haveH12, havePM     bool
	zoneOff                      int
	haveZone                     bool
}

// Parse parses s with l as SimpleDateFormat's lenient parse does (see the
// package doc) and returns the instant in l's location. It fails with a
// *ParseError when s does not match the pattern.
func (l *Layout) Parse(s string) (time.Time, error) {
	var f fields
	pos := 0
	fail := func(at int, format string, args ...any) (time.Time, error) {
		return time.Time{}, &ParseError{Pattern: l.pattern, Value: s, Offset: at, Reason: fmt.Sprintf(format, args...)}
	}
	for i, e := range l.elems {
		if e.letter == 0 {
			if !strings.HasPrefix(s[pos:], e.lit) {
				return fail(pos, "expected %q", e.lit)
			}
			pos += len(e.lit)
			continue
		}
		// SimpleDateFormat skips spaces and tabs before a field.
		for pos < len(s) && (s[pos] == ' ' || s[pos] == '\t') {
			pos++
		}
		if pos >= len(s) {
			return fail(pos, "text ends before field %s", strings.Repeat(string(e.letter), e.count))
		}
		obeyCount := i+1 < len(l.elems) && l.elems[i+1].letter != 0
		if e.numeric() {
			start := pos
			v, next, ok := parseNumber(s, pos, e.count, obeyCount)
			if !ok {
				return fail(pos, "expected a number for %s", strings.Repeat(string(e.letter), e.count))
			}
			pos = next
			switch e.letter {
			case 'y':
				f.year, f.haveYear = v, true
				if e.count <= 2 && pos-start == 2 && isDigit(s[start]) && isDigit(s[start+1]) {
					f.twoDigitYear = true
				}
			case 'M', 'L':
				f.month, f.haveMonth = v, true
			case 'd':
				f.day, f.haveDay = v, true
			case 'D':
				f.yday, f.haveYDay = v, true
			case 'u':
				// Day of week: syntax only.
			case 'H':
				f.hour24, f.haveH24 = v, true
			case 'k':
				if v == 24 {
					v = 0
				}
				f.hour24, f.haveH24 = v, true
			case 'K':
				f.hour12, f.haveH12 = v, true
			case 'h':
				if v == 12 {
					v = 0
				}
				f.hour12, f.haveH12 = v, true
			case 'm':
				f.min = v
			case 's':
				f.sec = v
			case 'S':
				f.ms = v
			}
			continue
		}
		switch e.letter {
		case 'G':
			switch {
			case hasPrefixFold(s[pos:], "AD"):
				f.era = 1
			case hasPrefixFold(s[pos:], "BC"):
				f.era = -1
			default:
				return fail(pos, "expected AD or BC")
			}
			pos += 2
		case 'M', 'L':
			idx, n := matchNames(s[pos:], monthsLong[:], monthsShort[:])
			if n == 0 {
				return fail(pos, "expected a month name")
			}
			f.month, f.haveMonth = idx+1, true
			pos += n
		case 'E':
			_, n := matchNames(s[pos:], daysLong[:], daysShort[:])
			if n == 0 {
				return fail(pos, "expected a day name")
			}
			pos += n
		case 'a':
			switch {
			case hasPrefixFold(s[pos:], "AM"):
				f.pm = 0
			case hasPrefixFold(s[pos:], "PM"):
				f.pm = 1
			default:
				return fail(pos, "expected AM or PM")
			}
			f.havePM = true
			pos += 2
		case 'z', 'Z':
			off, next, err := parseZone(s, pos)
			if err != "" {
				return fail(pos, "%s", err)
			}
			f.zoneOff, f.haveZone, pos = off, true, next
		case 'X':
			if s[pos] == 'Z' {
				f.zoneOff, f.haveZone = 0, true
				pos++
				break
			}
			sign := 1
			switch s[pos] {
			case '+':
			case '-':
				sign = -1
			default:
				return fail(pos, "expected Z or an ISO 8601 offset")
			}
			mins, next, ok := parseNumericZone(s, pos+1, e.count, e.count == 3)
			if !ok {
				return fail(pos, "invalid ISO 8601 offset")
			}
			f.zoneOff, f.haveZone, pos = sign*mins*60, true, next
		}
	}
	return l.resolve(&f), nil
}

// resolve turns parsed fields into an instant, rolling over out-of-range
// values as a lenient GregorianCalendar does.
func (l *Layout) resolve(f *fields) time.Time {
	year := 1970
	if f.haveYear {
		year = f.year
		if f.twoDigitYear {
			year = adjustTwoDigitYear(year, time.Now())
		}
	}
	if f.era == -1 {
		year = 1 - year
	}
	hour := f.hour24
	if !f.haveH24 && (f.haveH12 || f.havePM) {
		hour = f.hour12 + 12*f.pm
	}
	loc := l.loc
	if f.haveZone {
		if f.zoneOff == 0 {
			loc = time.UTC
		} else {
			loc = time.FixedZone("", f.zoneOff)
		}
	}
	month, day := 1, 1
	if f.haveMonth {
		month = f.month
	}
	if f.haveDay {
		day = f.day
	}
	if f.haveYDay && !f.haveMonth && !f.haveDay {
		month, day = 1, f.yday
	}
	t := time.Date(year, time.Month(month), day, hour, f.min, f.sec, 0, loc)
	t = t.Add(time.Duration(f.ms) * time.Millisecond)
	return t.In(l.loc)
}

// adjustTwoDigitYear maps a two-digit year into the century starting 80
// years before now, as SimpleDateFormat's default century does.
func adjustTwoDigitYear(yy int, now time.Time) int {
	start := now.Year() - 80
	y := start/100*100 + yy
	if y < start {
		y += 100
	}
	return y
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parseNumber reads an optionally negative integer at pos: at most count
// characters when obeyCount, otherwise all the digits there are.
func parseNumber(s string, pos, count int, obeyCount bool) (v, next int, ok bool) {
	end := len(s)
	if obeyCount {
		// SimpleDateFormat fails when fewer than count characters remain.
		if pos+count > end {
			return 0, 0, false
		}
		end = pos + count
	}
	i := pos
	neg := false
	if i < end && s[i] == '-' {
		neg = true
		i++
	}
	digits := 0
	for i < end && isDigit(s[i]) {
		if v > (1<<31-1)/10 {
			return 0, 0, false
		}
		v = v*10 + int(s[i]-'0')
		i++
		digits++
	}
	if digits == 0 {
		return 0, 0, false
	}
	if neg {
		v = -v
	}
	return v, i, true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// matchNames returns the index of the longest of the long names, else of the
// short names, that s starts with in any letter case, and its length.
func matchNames(s string, long, short []string) (int, int) {
	for _, names := range [][]string{long, short} {
		best, bestLen := -1, 0
		for i, n := range names {
			if len(n) > bestLen && hasPrefixFold(s, n) {
				best, bestLen = i, len(n)
			}
		}
		if best >= 0 {
			return best, bestLen
		}
	}
	return 0, 0
}

// zoneNames are the zone names z and Z accept besides GMT offsets, with
// their offsets in seconds: UTC names and the common abbreviations Java
// resolves to fixed standard or daylight offsets.
var zoneNames = []struct {
	name string
	off  int
}{
	{"Coordinated Universal Time", 0},
	{"Greenwich Mean Time", 0},
	{"UTC", 0}, {"UT", 0},
	{"PST", -8 * 3600}, {"PDT", -7 * 3600},
	{"MST", -7 * 3600}, {"MDT", -6 * 3600},
	{"CST", -6 * 3600}, {"CDT", -5 * 3600},
	{"EST", -5 * 3600}, {"EDT", -4 * 3600},
	{"CET", 3600}, {"CEST", 2 * 3600},
	{"EET", 2 * 3600}, {"EEST", 3 * 3600},
	{"WET", 0}, {"WEST", 3600},
	{"BST", 3600}, {"JST", 9 * 3600},
}

// parseZone parses a z or Z field: GMT, GMT+h:mm, GMT+hh:mm, +hhmm, -hhmm or
// a known zone name.
func parseZone(s string, pos int) (off, next int, err string) {
	c := s[pos]
	if c == '+' || c == '-' {
		mins, n, ok := parseNumericZone(s, pos+1, 0, false)
		if !ok {
			return 0, 0, "invalid RFC 822 offset (want +hhmm)"
		}
		if c == '-' {
			mins = -mins
		}
		return mins * 60, n, ""
	}
	if hasPrefixFold(s[pos:], "GMT") {
		p := pos + 3
		if p >= len(s) || (s[p] != '+' && s[p] != '-') {
			return 0, p, ""
		}
		mins, n, ok := parseNumericZone(s, p+1, 0, true)
		if !ok {
			return 0, 0, "invalid GMT offset (want GMT+hh:mm)"
		}
		if s[p] == '-' {
			mins = -mins
		}
		return mins * 60, n, ""
	}
	best, bestLen := -1, 0
	for i, z := range zoneNames {
		if len(z.name) > bestLen && hasPrefixFold(s[pos:], z.name) {
			best, bestLen = i, len(z.name)
		}
	}
	if best < 0 {
		return 0, 0, "unknown time zone"
	}
	return zoneNames[best].off, pos + bestLen, ""
}

// parseNumericZone parses hh, hhmm or hh:mm after a sign, as
// SimpleDateFormat does: count 1 reads hours only; with colon the minutes
// follow a colon and the hours may be one digit when count is 0.
func parseNumericZone(s string, pos, count int, colon bool) (mins, next int, ok bool) {
	i := pos
	if i >= len(s) || !isDigit(s[i]) {
		return 0, 0, false
	}
	hours := int(s[i] - '0')
	i++
	if i < len(s) && isDigit(s[i]) {
		hours = hours*10 + int(s[i]-'0')
		i++
	} else if count > 0 || !colon {
		return 0, 0, false
	}
	if hours > 23 {
		return 0, 0, false
	}
	if count != 1 {
		if colon {
			if i >= len(s) || s[i] != ':' {
				return 0, 0, false
			}
			i++
		}
		if i+1 >= len(s) || !isDigit(s[i]) || !isDigit(s[i+1]) {
			return 0, 0, false
		}
		m := int(s[i]-'0')*10 + int(s[i+1]-'0')
		if m > 59 {
			return 0, 0, false
		}
		mins = m
		i += 2
	}
	return hours*60 + mins, i, true
}
