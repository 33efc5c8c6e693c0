package connect

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxParseDepth is how deeply ParseString follows nested arrays and maps.
// Kafka Connect's recursive parser has no limit of its own and fails with a
// StackOverflowError somewhere past a thousand levels, which
// SimpleHeaderConverter turns into a BYTES header; kconnect fails at a fixed
// depth instead.
const MaxParseDepth = 1000

// ErrParseDepth is wrapped by the error ParseString returns for input nested
// deeper than MaxParseDepth.
var ErrParseDepth = errors.New("nested too deeply")

// ParseString parses s as Kafka Connect's Values.parseString does, returning
// the inferred schema and value; SimpleHeaderConverter reads header values
// with it. The rules, Kafka's to the letter:
//
//   - "" is an empty STRING, and a blank string is that STRING;
//   - "null" (with surrounding blanks) is null: nil schema and value;
//   - "true" and "false" are BOOLEAN;
//   - a number is the smallest of INT8, INT16, INT32 and INT64 that holds
//     it when it is whole (1.0 and 1e2 are whole) and at most 1e19 in
//     magnitude, otherwise FLOAT32 when it has a fractional part or an
//     exponent and fits a float, then FLOAT64, then a Decimal with the
//     number's own scale (huge integers);
//   - yyyy-MM-dd is a Date, HH:mm:ss.SSS'Z' a Time and
//     yyyy-MM-dd'T'HH:mm:ss.SSS'Z' a Timestamp, read leniently in UTC (see
//     FormatTemporal for the reverse);
//   - [e1,e2,...] is an ARRAY and {k1:v1,...} a MAP; elements may be any of
//     the above or "quoted strings" (only inside containers), and their
//     schema is the common one of the elements (INT8 and FLOAT32 make
//     FLOAT32), elements being converted to it; mixed or only null elements
//     give an ARRAY or MAP schema whose element schema is nil, as Kafka's
//     does. Maps are returned as []MapEntry in the order written, a repeated
//     key keeping its first place and last value;
//   - anything else, including malformed containers, is the whole of s as a
//     STRING.
//
// Kafka's quirks are kept because headers written by a JVM worker must read
// back alike: only the first token of a top-level scalar is read ("12,34" is
// the INT8 12), a quoted string inside a container keeps its backslashes,
// and a container with a null element that has a common schema is a STRING.
//
// The only error is for input nested more than MaxParseDepth levels deep: a
// *DataError wrapping ErrParseDepth.
func ParseString(s string) (*Schema, any, error) {
	if s == "" {
		return StringSchema, "", nil
	}
	if !strings.ContainsAny(s, `:,{}[]"`) {
		// One token, as most header values are: the parser below would
		// come to the same result the long way.
		switch t := javaTrim(s); {
		case t == "null":
			return nil, nil, nil
		case t == "true":
			return BooleanSchema, true, nil
		case t == "false":
			return BooleanSchema, false, nil
		case t == "":
			return StringSchema, s, nil
		default:
			first, _ := utf8.DecodeRuneInString(t)
			if javaDigit(first) >= 0 {
				if schema, v, ok := parseTemporal(t); ok {
					return schema, v, nil
				}
			}
			if javaDigit(first) >= 0 || first == '+' || first == '-' {
				if r, ok := parseAsNumber(t); ok {
					return r.schema, r.value, nil
				}
			}
			return StringSchema, s, nil
		}
	}
	p := valueParser{s: s}
	r, ok, err := p.parse(false)
	if err != nil {
		return nil, nil, &DataError{Err: err}
	}
	if !ok {
		return nil, nil, nil
	}
	return r.schema, r.value, nil
}

// parsed is a schema and value; Kafka's SchemaAndValue.
type parsed struct {
	schema *Schema
	value  any
}

// parseError is an error Kafka's parser throws as a DataException, which an
// enclosing container catches to fall back to a string.
type parseError struct{ msg string }

func (e *parseError) Error() string { return e.msg }

func parseErrorf(format string, args ...any) error {
	return &parseError{fmt.Sprintf(format, args...)}
}

// valueParser is Kafka's Values.Parser (a tokenizer with one token of
// look-ahead) and Values.ValueParser in one. Tokens are the delimiters
// : , { } [ ] " unless escaped by a backslash, and the runs of text between.
// Positions are byte offsets; every delimiter is ASCII, so they split the
// string where Java's UTF-16 offsets do.
type valueParser struct {
	s     string
	pos   int
	next  string // the look-ahead token, "" when none (tokens are never empty)
	prev  string
	depth int
}

func (p *valueParser) hasNext() bool { return p.next != "" || p.pos < len(p.s) }

func (p *valueParser) mark() int { return p.pos - len(p.next) }

func (p *valueParser) rewindTo(pos int) {
	p.pos = pos
	p.next = ""
	p.prev = ""
}

func (p *valueParser) nextToken() string {
	if p.next != "" {
		p.prev = p.next
		p.next = ""
	} else {
		p.prev = p.consume()
	}
	return p.prev
}

// nextTokens consumes n tokens and returns the text they span.
func (p *valueParser) nextTokens(n int) (string, bool) {
	start := p.mark()
	for i := 0; i < n; i++ {
		if !p.hasNext() {
			p.rewindTo(start)
			return "", false
		}
		p.nextToken()
	}
	return p.s[start:p.pos], true
}

func (p *valueParser) consume() string {
	escaped := false
	start := p.pos
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case '\\':
			escaped = !escaped
		case ':', ',', '{', '}', '[', ']', '"':
			if !escaped {
				if start < p.pos {
					return p.s[start:p.pos]
				}
				p.pos++
				return p.s[start:p.pos]
			}
			escaped = false
		default:
			escaped = false
		}
		p.pos++
	}
	return p.s[start:p.pos]
}

// isNext reports whether the next non-blank token, trimmed, is expected,
// dropping blank tokens on the way as Kafka's parser does.
func (p *valueParser) isNext(expected string) bool {
	if p.next == "" {
		if !p.hasNext() {
			return false
		}
		p.next = p.consume()
	}
	for isBlank(p.next) && p.pos < len(p.s) {
		p.next = p.consume()
	}
	return javaTrim(p.next) == expected
}

func (p *valueParser) canConsume(expected string) bool {
	if p.isNext(expected) {
		p.next = ""
		return true
	}
	return false
}

// javaTrim is Java's String.trim: it removes characters up to U+0020 at
// both ends.
func javaTrim(s string) string {
	i, j := 0, len(s)
	for i < j && s[i] <= ' ' {
		i++
	}
	for j > i && s[j-1] <= ' ' {
		j--
	}
	return s[i:j]
}

func isBlank(s string) bool { return javaTrim(s) == "" }

func (p *valueParser) canParseSingleTokenLiteral(embedded bool, literal string) bool {
	start := p.mark()
	if p.canConsume(literal) && (embedded || !p.hasNext()) {
		return true
	}
	p.rewindTo(start)
	return false
}

// parse is ValueParser.parse; ok is false for Kafka's null result. err is a
// *parseError for what Kafka throws as a DataException, or the depth error.
func (p *valueParser) parse(embedded bool) (r parsed, ok bool, err error) {
	if !p.hasNext() {
		return parsed{}, false, nil
	}
	if embedded && p.canConsume(`"`) {
		return p.parseQuotedString(), true, nil
	}
	if p.canParseSingleTokenLiteral(embedded, "null") {
		return parsed{}, false, nil
	}
	if p.canParseSingleTokenLiteral(embedded, "true") {
		return parsed{BooleanSchema, true}, true, nil
	}
	if p.canParseSingleTokenLiteral(embedded, "false") {
		return parsed{BooleanSchema, false}, true, nil
	}
	start := p.mark()
	var container func() (parsed, error)
	if p.canConsume("[") {
		container = p.parseArray
	} else if p.canConsume("{") {
		container = p.parseMap
	}
	if container != nil {
		p.depth++
		if p.depth > MaxParseDepth {
			return parsed{}, false, fmt.Errorf("value is nested more than %d levels: %w", MaxParseDepth, ErrParseDepth)
		}
		r, err := container()
		p.depth--
		if err == nil {
			return r, true, nil
		}
		var pe *parseError
		if !errors.As(err, &pe) {
			return parsed{}, false, err
		}
		p.rewindTo(start)
	}
	token := p.nextToken()
	if isBlank(token) {
		return parsed{StringSchema, token}, true, nil
	}
	return p.parseNextToken(embedded, javaTrim(token))
}

func (p *valueParser) parseNextToken(embedded bool, token string) (parsed, bool, error) {
	first, _ := utf8.DecodeRuneInString(token)
	firstIsDigit := javaDigit(first) >= 0
	if firstIsDigit {
		if r, ok := p.parseMultipleTokensAsTemporal(token); ok {
			return r, true, nil
		}
	}
	if firstIsDigit || first == '+' || first == '-' {
		if r, ok := parseAsNumber(token); ok {
			return r, true, nil
		}
	}
	if embedded {
		return parsed{}, false, parseErrorf("Failed to parse embedded value")
	}
	return parsed{StringSchema, p.s}, true, nil
}

func (p *valueParser) parseQuotedString() parsed {
	content := ""
	var buf []byte
	pieces := 0
	for p.hasNext() {
		if p.canConsume(`"`) {
			break
		}
		tok := p.nextToken()
		// Most quoted strings are one token: keep it without copying.
		switch pieces {
		case 0:
			content = tok
		case 1:
			buf = append(append(buf, content...), tok...)
		default:
			buf = append(buf, tok...)
		}
		pieces++
	}
	if pieces > 1 {
		content = string(buf)
	}
	if schema, t, ok := parseTemporal(content); ok {
		return parsed{schema, t}
	}
	return parsed{StringSchema, content}
}

func (p *valueParser) parseMultipleTokensAsTemporal(token string) (parsed, bool) {
	// A time or timestamp is split in five tokens by its unescaped colons.
	pos := p.mark()
	if rest, ok := p.nextTokens(4); ok {
		if schema, t, ok := parseTemporal(token + rest); ok {
			return parsed{schema, t}, true
		}
	}
	p.rewindTo(pos)
	if schema, t, ok := parseTemporal(token); ok {
		return parsed{schema, t}, true
	}
	return parsed{}, false
}

// parseAsNumber is ValueParser.parseAsNumber: an exact integer where
// possible, then a float, a double and a Decimal.
func parseAsNumber(token string) (parsed, bool) {
	d, ok := parseJavaDecimal(token)
	if !ok {
		return parsed{}, false
	}
	if n, ok := d.exactInteger(); ok {
		switch {
		case n == int64(int8(n)):
			return parsed{Int8Schema, int8(n)}, true
		case n == int64(int16(n)):
			return parsed{Int16Schema, int16(n)}, true
		case n == int64(int32(n)):
			return parsed{Int32Schema, int32(n)}, true
		}
		return parsed{Int64Schema, n}, true
	}
	if d.scale != 0 {
		if f := d.float(32); !isInf(f) {
			return parsed{Float32Schema, float32(f)}, true
		}
		if f := d.float(64); !isInf(f) {
			return parsed{Float64Schema, f}, true
		}
	}
	return parsed{DecimalSchema(d.scale), d.decimal()}, true
}

func isInf(f float64) bool { return math.IsInf(f, 0) }

func (p *valueParser) parseArray() (parsed, error) {
	result := make([]any, 0, 4)
	var merger schemaMerger
	for p.hasNext() {
		if p.canConsume("]") {
			if merger.common == nil {
				return parsed{&Schema{Type: ArrayType}, result}, nil
			}
			schema := ArrayOf(merger.common)
			for i, v := range result {
				c, err := ConvertTo(merger.common, nil, v)
				if err != nil {
					return parsed{}, parseErrorf("%v", err)
				}
				result[i] = c
			}
			return parsed{schema, result}, nil
		}
		if p.canConsume(",") {
			return parsed{}, parseErrorf("Unable to parse an empty array element: %s", p.s)
		}
		e, ok, err := p.parse(true)
		if err != nil {
			return parsed{}, err
		}
		if ok {
			merger.merge(e.schema)
			result = append(result, e.value)
		} else {
			result = append(result, nil)
		}
		cur := p.mark()
		if p.canConsume("]") {
			p.rewindTo(cur)
		} else if !p.canConsume(",") {
			return parsed{}, parseErrorf("Array elements missing ',' delimiter")
		}
	}
	if p.prev == "," {
		return parsed{}, parseErrorf("Array is missing element after ',': %s", p.s)
	}
	return parsed{}, parseErrorf("Array is missing terminating ']': %s", p.s)
}

func (p *valueParser) parseMap() (parsed, error) {
	var m linkedMap
	var keys, vals schemaMerger
	for p.hasNext() {
		if p.canConsume("}") {
			switch {
			case keys.common != nil && vals.common != nil:
				aligned, err := m.align(keys.common, vals.common)
				if err != nil {
					return parsed{}, err
				}
				return parsed{MapOf(keys.common, vals.common), aligned.entries()}, nil
			case keys.common != nil:
				aligned, err := m.align(keys.common, nil)
				if err != nil {
					return parsed{}, err
				}
				return parsed{&Schema{Type: MapType, Key: keys.common}, aligned.entries()}, nil
			}
			return parsed{&Schema{Type: MapType}, m.entries()}, nil
		}
		if p.canConsume(",") {
			return parsed{}, parseErrorf("Unable to parse a map entry with no key or value: %s", p.s)
		}
		k, ok, err := p.parse(true)
		if err != nil {
			return parsed{}, err
		}
		if !ok || k.value == nil {
			return parsed{}, parseErrorf("Map entry may not have a null key: %s", p.s)
		}
		if !p.canConsume(":") {
			return parsed{}, parseErrorf("Map entry is missing ':' at %d in %s", p.pos, p.s)
		}
		v, vok, err := p.parse(true)
		if err != nil {
			return parsed{}, err
		}
		m.put(k.value, v.value)
		p.canConsume(",")
		keys.merge(k.schema)
		if vok {
			vals.merge(v.schema)
		}
	}
	if p.prev == "," {
		return parsed{}, parseErrorf("Map is missing element after ',': %s", p.s)
	}
	return parsed{}, parseErrorf("Map is missing terminating '}': %s", p.s)
}

// linkedMap is the java.util.LinkedHashMap Kafka's parser fills: a repeated
// key keeps its first position and takes the last value. Keys are equal as
// Java's equals says (see javaEqual).
type linkedMap struct {
	list  []MapEntry
	index map[string]int // positions of string keys
}

func (m *linkedMap) put(k, v any) {
	if s, ok := k.(string); ok {
		if i, ok := m.index[s]; ok {
			m.list[i].Value = v
			return
		}
		if m.index == nil {
			m.index = make(map[string]int)
		}
		m.index[s] = len(m.list)
	} else {
		for i := range m.list {
			if javaEqual(m.list[i].Key, k) {
				m.list[i].Value = v
				return
			}
		}
	}
	m.list = append(m.list, MapEntry{k, v})
}

func (m *linkedMap) entries() []MapEntry {
	if m.list == nil {
		return []MapEntry{}
	}
	return m.list
}

// align converts every key, and every value when valueSchema is not nil,
// into a new map, as Values.alignMapKeysAndValuesWithSchema does.
func (m *linkedMap) align(keySchema, valueSchema *Schema) (linkedMap, error) {
	var out linkedMap
	for _, e := range m.list {
		k, err := ConvertTo(keySchema, nil, e.Key)
		if err != nil {
			return out, parseErrorf("%v", err)
		}
		v := e.Value
		if valueSchema != nil {
			if v, err = ConvertTo(valueSchema, nil, v); err != nil {
				return out, parseErrorf("%v", err)
			}
		}
		out.put(k, v)
	}
	return out, nil
}

// schemaMerger finds the common schema of parsed values, as Kafka's
// Values.SchemaMerger does: numeric types widen (INT8 < INT16 < INT32 <
// INT64 < FLOAT32 < FLOAT64, logical INT32 and INT64 types included), equal
// types merge, and anything else leaves no common schema.
type schemaMerger struct {
	common       *Schema
	incompatible bool
}

func (m *schemaMerger) merge(s *Schema) {
	if s == nil || m.incompatible {
		return
	}
	if m.common == nil {
		m.common = s
		return
	}
	m.common = mergeSchemas(m.common, s)
	m.incompatible = m.common == nil
}

var numericRank = [...]int{Int8Type: 1, Int16Type: 2, Int32Type: 3, Int64Type: 4, Float32Type: 5, Float64Type: 6}

func mergeSchemas(prev, next *Schema) *Schema {
	if prev.Type != next.Type {
		pr, nr := rankOf(prev.Type), rankOf(next.Type)
		if pr == 0 || nr == 0 {
			return nil
		}
		if nr > pr {
			return next
		}
		return prev
	}
	if prev.Optional == next.Optional {
		if prev.Optional {
			return prev
		}
		return next
	}
	if !prev.Equal(next) {
		return nil
	}
	return prev
}

func rankOf(t Type) int {
	if int(t) < len(numericRank) {
		return numericRank[t]
	}
	return 0
}

// javaEqual reports whether two parsed values are equal as Java's equals
// says: the same boxed type and value (the INT8 1 and the INT16 1 differ),
// floats by bits with NaNs alike, decimals by value and scale, dates by
// millisecond, lists element by element and maps entry by entry.
func javaEqual(a, b any) bool {
	switch x := a.(type) {
	case float32:
		y, ok := b.(float32)
		return ok && (x == y && (x != 0 || signbit32(x) == signbit32(y)) || x != x && y != y)
	case float64:
		y, ok := b.(float64)
		return ok && (x == y && (x != 0 || (1/x > 0) == (1/y > 0)) || x != x && y != y)
	case Decimal:
		y, ok := b.(Decimal)
		return ok && x.Equal(y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.UnixMilli() == y.UnixMilli()
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !javaEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case []MapEntry:
		y, ok := b.([]MapEntry)
		if !ok || len(x) != len(y) {
			return false
		}
	outer:
		for _, e := range x {
			for _, f := range y {
				if javaEqual(e.Key, f.Key) {
					if javaEqual(e.Value, f.Value) {
						continue outer
					}
					return false
				}
			}
			return false
		}
		return true
	case nil:
		return b == nil
	case string, bool, int8, int16, int32, int64:
		return a == b
	}
	return false
}

func signbit32(f float32) bool { return f < 0 || (f == 0 && 1/f < 0) }
