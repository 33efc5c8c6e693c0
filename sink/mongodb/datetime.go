package mongodb

import (
	"fmt"
	"strings"
	"time"
)

// defaultDateTimePattern is the official connector's
// timeseries.timefield.auto.convert.date.format default (its
// FlexibleDateTimeParser's): a date, then optionally T or a space and a
// time with an optional fraction and a zone id, an offset or neither.
const defaultDateTimePattern = "yyyy-MM-dd[['T'][ ]]" +
	"[HH:mm:ss[[.][SSSSSS][SSS]][ ]VV[ ]'['VV']']" +
	"[HH:mm:ss[[.][SSSSSS][SSS]][ ]X]" +
	"[HH:mm:ss[[.][SSSSSS][SSS]]]"

// dateTimePattern is a java.time DateTimeFormatter pattern compiled for
// parsing, as the official connector's FlexibleDateTimeParser parses the
// time field: in the formatter's default SMART resolver style, to
// milliseconds since the epoch, a string without an offset or zone read as
// UTC and a date alone as the start of its day.
//
// Supported letters: u and y (year), M and L (month: 1 or 2 digits, MMM
// and MMMM English names), d, H, h, K, k, m, s (as DateTimeFormatter: one
// letter reads the digits there are, two letters exactly two), S (fraction
// of a second, exactly as many digits as letters), a (AM or PM), X, x, Z
// (offsets, by count as DateTimeFormatter), VV (a zone id); '…' quotes
// literal text, [ and ] enclose optional sections. Other letters are
// refused when the pattern is compiled, naming the letter.
type dateTimePattern struct {
	nodes []dtNode
	text  bool // holds month names or AM/PM
	// english is true for the English locale's names (MMMM: January);
	// false for Locale.ROOT's (MMMM: Jan, as MMM).
	english bool
}

// dtNode is a literal (letter 0, opt nil), a letter repeated count times,
// or an optional section (opt).
type dtNode struct {
	lit    string
	letter byte
	count  int
	opt    []dtNode
	isOpt  bool
}

func (n dtNode) numeric() bool {
	switch n.letter {
	case 'y', 'u', 'd', 'H', 'h', 'K', 'k', 'm', 's', 'S':
		return true
	case 'M', 'L':
		return n.count <= 2
	}
	return false
}

// compileDateTimePattern compiles a DateTimeFormatter pattern, with the
// errors DateTimeFormatter.ofPattern gives and for the letters kconnect
// does not parse.
func compileDateTimePattern(pattern string) (*dateTimePattern, error) {
	p := &dateTimePattern{}
	stack := [][]dtNode{nil}
	add := func(n dtNode) { stack[len(stack)-1] = append(stack[len(stack)-1], n) }
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			j := i
			for j < len(pattern) && pattern[j] == c {
				j++
			}
			count := j - i
			if err := checkLetter(c, count); err != nil {
				return nil, err
			}
			if (c == 'M' || c == 'L') && count > 2 || c == 'a' {
				p.text = true
			}
			add(dtNode{letter: c, count: count})
			i = j
		case c == '\'':
			j := i + 1
			var b strings.Builder
			for {
				if j >= len(pattern) {
					return nil, fmt.Errorf("pattern ends with an incomplete string literal: %s", pattern)
				}
				if pattern[j] == '\'' {
					if j+1 < len(pattern) && pattern[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(pattern[j])
				j++
			}
			if j == i+1 {
				add(dtNode{lit: "'"}) // '' is one quote
			} else {
				add(dtNode{lit: b.String()})
			}
			i = j + 1
		case c == '[':
			stack = append(stack, nil)
			i++
		case c == ']':
			if len(stack) == 1 {
				return nil, fmt.Errorf("pattern invalid as it contains ] without previous [")
			}
			opt := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			add(dtNode{opt: opt, isOpt: true})
			i++
		case c == '{' || c == '}' || c == '#':
			return nil, fmt.Errorf("pattern includes reserved character: '%c'", c)
		default:
			add(dtNode{lit: string(c)})
			i++
		}
	}
	// DateTimeFormatter closes sections left open at the end.
	for len(stack) > 1 {
		opt := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		stack[len(stack)-1] = append(stack[len(stack)-1], dtNode{opt: opt, isOpt: true})
	}
	p.nodes = stack[0]
	return p, nil
}

func checkLetter(c byte, count int) error {
	max := 0
	switch c {
	case 'y', 'u':
		max = 19
	case 'M', 'L':
		max = 4
	case 'd', 'H', 'h', 'K', 'k', 'm', 's':
		max = 2
	case 'S':
		max = 9
	case 'a':
		max = 1
	case 'X', 'x':
		max = 5
	case 'Z':
		max = 3
	case 'V':
		if count != 2 {
			return fmt.Errorf("pattern letter count must be 2: V")
		}
		return nil
	default:
		return fmt.Errorf("pattern letter %c is not one kconnect parses (it has u y M L d H h K k m s S a X x Z VV)", c)
	}
	if count > max {
		return fmt.Errorf("too many pattern letters: %c", c)
	}
	return nil
}

// dtFields are the fields a parse found.
type dtFields struct {
	set                                               uint16
	year, month, day, hour, hour12, ampm, min, sec, n int
	offset                                            int // seconds east of UTC
	zone                                              *time.Location
	english                                           bool
}

const (
	fYear = 1 << iota
	fMonth
	fDay
	fHour
	fHour12
	fAmPm
	fMin
	fSec
	fNano
	fOffset
	fZone
)

// put sets a field, refusing a second, different value as DateTimeFormatter does.
func (f *dtFields) put(bit uint16, dst *int, v int) error {
	if f.set&bit != 0 && *dst != v {
		return fmt.Errorf("conflict found: a field parsed twice, as %d and %d", *dst, v)
	}
	f.set |= bit
	*dst = v
	return nil
}

// toEpochMilli parses s as the official FlexibleDateTimeParser.toEpochMilli.
func (p *dateTimePattern) toEpochMilli(s string) (int64, error) {
	f := dtFields{english: p.english}
	pos, err := parseDT(p.nodes, s, 0, &f)
	if err != nil {
		return 0, fmt.Errorf("text %q could not be parsed at index %d: %w", s, pos, err)
	}
	if pos != len(s) {
		return 0, fmt.Errorf("text %q could not be parsed, unparsed text found at index %d", s, pos)
	}
	return f.resolve(s)
}

// parseDT parses nodes from s[pos:], returning where it stopped.
func parseDT(nodes []dtNode, s string, pos int, f *dtFields) (int, error) {
	for i, n := range nodes {
		if n.isOpt {
			saved := *f
			if next, err := parseDT(n.opt, s, pos, f); err == nil {
				pos = next
			} else {
				*f = saved
			}
			continue
		}
		if n.letter == 0 {
			if !strings.HasPrefix(s[pos:], n.lit) {
				return pos, fmt.Errorf("expected %q", n.lit)
			}
			pos += len(n.lit)
			continue
		}
		// A variable-width number followed by another number reads its
		// minimum width, as DateTimeFormatter's adjacent value parsing.
		adjacent := i+1 < len(nodes) && nodes[i+1].letter != 0 && nodes[i+1].numeric()
		next, err := parseLetter(n, adjacent, s, pos, f)
		if err != nil {
			return pos, err
		}
		pos = next
	}
	return pos, nil
}

var monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

func parseLetter(n dtNode, adjacent bool, s string, pos int, f *dtFields) (int, error) {
	num := func(minW, maxW int) (int, int, error) {
		if adjacent {
			maxW = minW
		}
		j := pos
		for j < len(s) && j-pos < maxW && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j-pos < minW {
			return 0, pos, fmt.Errorf("expected %d digits for %c", minW, n.letter)
		}
		v := 0
		for _, c := range s[pos:j] {
			v = v*10 + int(c-'0')
		}
		return v, j, nil
	}
	// One letter reads the digits there are (up to 19 in Java; 9 here,
	// more than any valid value has), two exactly two.
	small := func(bit uint16, dst *int) (int, error) {
		minW, maxW := 1, 9
		if n.count == 2 {
			minW, maxW = 2, 2
		}
		v, next, err := num(minW, maxW)
		if err != nil {
			return pos, err
		}
		return next, f.put(bit, dst, v)
	}
	switch n.letter {
	case 'y', 'u':
		if n.count == 2 {
			v, next, err := num(2, 2)
			if err != nil {
				return pos, err
			}
			return next, f.put(fYear, &f.year, 2000+v)
		}
		v, next, err := num(n.count, 9)
		if err != nil {
			return pos, err
		}
		return next, f.put(fYear, &f.year, v)
	case 'M', 'L':
		if n.count <= 2 {
			return small(fMonth, &f.month)
		}
		for i, name := range monthNames {
			if n.count == 3 || !f.english {
				name = name[:3]
			}
			if strings.HasPrefix(s[pos:], name) {
				return pos + len(name), f.put(fMonth, &f.month, i+1)
			}
		}
		return pos, fmt.Errorf("expected a month name")
	case 'd':
		return small(fDay, &f.day)
	case 'H':
		return small(fHour, &f.hour)
	case 'k':
		next, err := small(fHour, &f.hour)
		if err == nil && f.hour == 24 {
			f.hour = 0
		}
		return next, err
	case 'h', 'K':
		next, err := small(fHour12, &f.hour12)
		if err == nil && n.letter == 'h' && f.hour12 == 12 {
			f.hour12 = 0
		}
		return next, err
	case 'm':
		return small(fMin, &f.min)
	case 's':
		return small(fSec, &f.sec)
	case 'S':
		v, next, err := num(n.count, n.count)
		if err != nil {
			return pos, err
		}
		for i := n.count; i < 9; i++ {
			v *= 10
		}
		return next, f.put(fNano, &f.n, v)
	case 'a':
		switch {
		case strings.HasPrefix(s[pos:], "AM"):
			return pos + 2, f.put(fAmPm, &f.ampm, 0)
		case strings.HasPrefix(s[pos:], "PM"):
			return pos + 2, f.put(fAmPm, &f.ampm, 1)
		}
		return pos, fmt.Errorf("expected AM or PM")
	case 'X', 'x', 'Z':
		return parseOffset(n, s, pos, f)
	case 'V':
		return parseZoneID(s, pos, f)
	}
	return pos, fmt.Errorf("pattern letter %c is not parsed", n.letter)
}

// parseOffset parses an offset as DateTimeFormatter's X, x and Z patterns
// do: X +HHmm (minutes optional), XX +HHMM, XXX +HH:MM, XXXX +HHMMss,
// XXXXX +HH:MM:ss (seconds optional), each also Z for zero; x likewise
// without Z; Z to ZZZ +HHMM.
func parseOffset(n dtNode, s string, pos int, f *dtFields) (int, error) {
	count := n.count
	if n.letter == 'Z' {
		count = 2
	}
	if n.letter == 'X' && strings.HasPrefix(s[pos:], "Z") {
		return pos + 1, f.put(fOffset, &f.offset, 0)
	}
	if pos >= len(s) || s[pos] != '+' && s[pos] != '-' {
		return pos, fmt.Errorf("expected an offset")
	}
	sign := 1
	if s[pos] == '-' {
		sign = -1
	}
	colon := count == 3 || count == 5
	two := func(at int) (int, bool) {
		if at+2 > len(s) || s[at] < '0' || s[at] > '9' || s[at+1] < '0' || s[at+1] > '9' {
			return 0, false
		}
		return int(s[at]-'0')*10 + int(s[at+1]-'0'), true
	}
	j := pos + 1
	h, ok := two(j)
	if !ok {
		return pos, fmt.Errorf("expected an offset")
	}
	j += 2
	m, sec := 0, 0
	part := func(required bool, dst *int) bool {
		at := j
		if colon {
			if at >= len(s) || s[at] != ':' {
				return !required
			}
			at++
		}
		v, ok := two(at)
		if !ok {
			return !required
		}
		*dst, j = v, at+2
		return true
	}
	if !part(count != 1, &m) {
		return pos, fmt.Errorf("expected an offset's minutes")
	}
	if count >= 4 {
		part(false, &sec)
	}
	if h > 18 || m > 59 || sec > 59 {
		return pos, fmt.Errorf("offset out of range")
	}
	return j, f.put(fOffset, &f.offset, sign*(h*3600+m*60+sec))
}

// parseZoneID parses a zone id (VV): an offset, UTC, GMT or UT with an
// optional offset, a region id such as Europe/Paris, or Z. A zone parsed
// again replaces the first, as in DateTimeFormatter.
func parseZoneID(s string, pos int, f *dtFields) (int, error) {
	rest := s[pos:]
	for _, prefix := range []string{"UTC", "GMT", "UT", ""} {
		if !strings.HasPrefix(rest, prefix) {
			continue
		}
		at := pos + len(prefix)
		if at < len(s) && (s[at] == '+' || s[at] == '-') {
			var g dtFields
			if next, err := parseOffset(dtNode{letter: 'X', count: 5}, s, at, &g); err == nil {
				f.set, f.zone = f.set|fZone, time.FixedZone(s[pos:next], g.offset)
				return next, nil
			}
		}
		if prefix != "" && (at == len(s) || !isZoneChar(s[at])) {
			f.set, f.zone = f.set|fZone, time.UTC
			return at, nil
		}
	}
	j := pos
	for j < len(s) && isZoneChar(s[j]) {
		j++
	}
	if j > pos+1 {
		if loc, err := time.LoadLocation(s[pos:j]); err == nil {
			f.set, f.zone = f.set|fZone, loc
			return j, nil
		}
	}
	if strings.HasPrefix(rest, "Z") {
		f.set, f.zone = f.set|fZone, time.UTC
		return pos + 1, nil
	}
	return pos, fmt.Errorf("expected a zone id")
}

func isZoneChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("~/._+-", c) >= 0
}

// resolve makes the parsed fields an instant as FlexibleDateTimeParser
// does: with a date, a time and an offset or zone, that instant; with a
// date and a time, in UTC; with a date, its start in UTC.
func (f *dtFields) resolve(s string) (int64, error) {
	if f.set&(fYear|fMonth|fDay) != fYear|fMonth|fDay {
		return 0, fmt.Errorf("text %q is not a date time: a year, month and day are needed", s)
	}
	if f.month < 1 || f.month > 12 || f.day < 1 || f.day > 31 {
		return 0, fmt.Errorf("text %q is not a valid date", s)
	}
	// The SMART resolver takes days 29 to 31 to the end of a shorter month.
	if last := time.Date(f.year, time.Month(f.month)+1, 0, 0, 0, 0, 0, time.UTC).Day(); f.day > last {
		f.day = last
	}
	hour, hasTime := f.hour, f.set&fHour != 0
	if !hasTime && f.set&(fHour12|fAmPm) == fHour12|fAmPm {
		hour, hasTime = f.hour12+12*f.ampm, true
	}
	if !hasTime {
		return time.Date(f.year, time.Month(f.month), f.day, 0, 0, 0, 0, time.UTC).UnixMilli(), nil
	}
	if hour > 24 || hour == 24 && f.min+f.sec+f.n > 0 || f.min > 59 || f.sec > 59 || f.hour12 > 12 {
		return 0, fmt.Errorf("text %q is not a valid time", s)
	}
	loc := time.UTC
	switch {
	case f.set&fOffset != 0:
		loc = time.FixedZone("", f.offset)
	case f.set&fZone != 0:
		return zonedMilli(time.Date(f.year, time.Month(f.month), f.day, hour, f.min, f.sec, f.n, time.UTC), f.zone), nil
	}
	return time.Date(f.year, time.Month(f.month), f.day, hour, f.min, f.sec, f.n, loc).UnixMilli(), nil
}

// zonedMilli returns the instant of a wall time (given in UTC) in a zone
// as java.time's ZonedDateTime.ofLocal picks it: in an overlap, the
// earlier of the two instants (time.Date's choice is unspecified); in a
// gap, the wall time moved later by the gap's length, as time.Date does.
func zonedMilli(wall time.Time, loc *time.Location) int64 {
	best := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), loc)
	for _, probe := range []time.Duration{-24 * time.Hour, 24 * time.Hour} {
		_, off := wall.Add(probe).In(loc).Zone()
		at := wall.Add(-time.Duration(off) * time.Second)
		if _, o := at.In(loc).Zone(); o == off && at.Before(best) {
			best = at
		}
	}
	return best.UnixMilli()
}
