// Package jsonparse reads JSON (RFC 8259) keeping what encoding/json loses:
// object members in document order (schema parameters and offsets-topic keys
// must round-trip in order), numbers as their text (so int64 and decimals
// lose no precision), and every value's span of the input (so a schema's raw
// bytes can key a cache). jsonconv parses documents into Node trees with it;
// offset reads its flat keys and values with the Parser's pieces.
//
// Nothing panics on any input; syntax errors are *SyntaxError values naming
// the byte offset, and nesting is bounded by MaxDepth so that hostile input
// cannot exhaust the stack.
package jsonparse

import (
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/kconnect-go/kconnect/connect"
)

// Kind is the type of a parsed value, named by the byte that starts it.
type Kind byte

// The kinds of Node.
const (
	Null   Kind = 'n'
	True   Kind = 't'
	False  Kind = 'f'
	String Kind = '"'
	Number Kind = '0'
	Array  Kind = '['
	Object Kind = '{'
)

// Node is one parsed JSON value.
type Node struct {
	Kind       Kind     // one of the kind constants; 0 for the zero Node
	Str        string   // a string's value or a number's text
	Kids       []Node   // array elements, object member values
	Keys       []string // object member names, parallel to Kids
	Start, End int      // the value's span of the input: Data[Start:End]
}

// Member returns the value of an object's member key, or nil when there is
// none (or n is not an object). Repeated keys kept only the last value.
func (n *Node) Member(key string) *Node {
	for i := range n.Keys {
		if n.Keys[i] == key {
			return &n.Kids[i]
		}
	}
	return nil
}

// Describe names n's kind for error messages: "null", "a boolean",
// "a string", "a number", "an array", "an object" ("nothing" for the zero
// Node).
func (n *Node) Describe() string {
	switch n.Kind {
	case Null:
		return "null"
	case True, False:
		return "a boolean"
	case String:
		return "a string"
	case Number:
		return "a number"
	case Array:
		return "an array"
	case Object:
		return "an object"
	}
	return "nothing"
}

// MaxDepth bounds the nesting of arrays and objects.
const MaxDepth = 1000

// SyntaxError is malformed JSON: Msg says what was wrong at byte Offset.
type SyntaxError struct {
	Offset int
	Msg    string
}

// Error returns "invalid JSON at byte <Offset>: <Msg>".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

// errEmpty is Parse's error for input that holds no value.
var errEmpty = errors.New("invalid JSON: empty input")

// Parse parses one JSON document, Data surrounded by optional white space;
// trailing non-space data is an error. Strings keep invalid UTF-8 bytes as
// they are.
func Parse(data []byte) (Node, error) {
	p := Parser{Data: data}
	p.SkipSpace()
	if p.Pos == len(p.Data) {
		return Node{}, errEmpty
	}
	n, err := p.Value()
	if err != nil {
		return Node{}, err
	}
	p.SkipSpace()
	if p.Pos != len(p.Data) {
		return Node{}, p.Errorf("unexpected data after the JSON value")
	}
	return n, nil
}

// ParseAny parses one JSON document as Parse does, straight into Go values
// rather than a Node tree: nil, bool, string, []any, objects as
// []connect.MapEntry, and for each number whatever number returns for its
// text. An object's entries are in the iteration order of the
// java.util.HashMap Kafka Connect's JsonConverter reads it into (see
// connect.JavaHashMapEntries): filled in document order, a repeated key
// keeping its first place and its last value, as Jackson reads it. It
// accepts and rejects exactly the documents Parse does, with the same
// errors.
func ParseAny(data []byte, number func(text string) any) (any, error) {
	p := Parser{Data: data}
	return p.AnyDocument(number)
}

// AnyDocument parses Data from Pos to its end as one document, as ParseAny
// does, with the Parser's settings (Keys).
func (p *Parser) AnyDocument(number func(text string) any) (any, error) {
	p.SkipSpace()
	if p.Pos == len(p.Data) {
		return nil, errEmpty
	}
	v, err := p.Any(number)
	if err != nil {
		return nil, err
	}
	p.SkipSpace()
	if p.Pos != len(p.Data) {
		return nil, p.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// Parser reads JSON from Data starting at byte Pos, which each method
// advances past what it read. Callers can mix its methods with their own
// scanning of Data, as long as they keep Pos on the next unread byte.
type Parser struct {
	Data []byte
	Pos  int
	// ReplaceInvalidUTF8 makes ReadString decode invalid UTF-8 to U+FFFD, as
	// encoding/json does; otherwise strings keep such bytes as they are.
	ReplaceInvalidUTF8 bool
	// Keys, when set, interns object member names (see Keys).
	Keys *Keys

	depth int
}

// Errorf returns a *SyntaxError at p.Pos.
func (p *Parser) Errorf(format string, args ...any) error {
	return &SyntaxError{Offset: p.Pos, Msg: fmt.Sprintf(format, args...)}
}

// SkipSpace passes over JSON white space (space, tab, CR, LF).
func (p *Parser) SkipSpace() {
	for p.Pos < len(p.Data) {
		switch p.Data[p.Pos] {
		case ' ', '\t', '\n', '\r':
			p.Pos++
		default:
			return
		}
	}
}

// Value parses the value at p.Pos (no leading white space) into a Node.
// Repeated object keys keep the last value, as Jackson does.
func (p *Parser) Value() (Node, error) {
	if p.Pos >= len(p.Data) {
		return Node{}, p.Errorf("unexpected end of input")
	}
	start := p.Pos
	switch c := p.Data[p.Pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.ReadString()
		return Node{Kind: String, Str: s, Start: start, End: p.Pos}, err
	case c == 't':
		return p.literal("true", True)
	case c == 'f':
		return p.literal("false", False)
	case c == 'n':
		return p.literal("null", Null)
	case c == '-' || ('0' <= c && c <= '9'):
		s, err := p.ReadNumber()
		return Node{Kind: Number, Str: s, Start: start, End: p.Pos}, err
	default:
		return Node{}, p.Errorf("unexpected character %q", c)
	}
}

// Any parses the value at p.Pos (no leading white space) as ParseAny does.
func (p *Parser) Any(number func(text string) any) (any, error) {
	if p.Pos >= len(p.Data) {
		return nil, p.Errorf("unexpected end of input")
	}
	switch c := p.Data[p.Pos]; {
	case c == '{':
		return p.anyObject(number)
	case c == '[':
		return p.anyArray(number)
	case c == '"':
		return p.ReadString()
	case c == 't':
		_, err := p.literal("true", True)
		return true, err
	case c == 'f':
		_, err := p.literal("false", False)
		return false, err
	case c == 'n':
		_, err := p.literal("null", Null)
		return nil, err
	case c == '-' || ('0' <= c && c <= '9'):
		if number == nil {
			return p.kafkaNumber()
		}
		s, err := p.ReadNumber()
		if err != nil {
			return nil, err
		}
		return number(s), nil
	default:
		return nil, p.Errorf("unexpected character %q", c)
	}
}

// kafkaNumber reads a number as Kafka Connect's JsonConverter reads one
// without a schema, without copying its text: int64 when it is integral
// (no fraction or exponent) and fits, float64 otherwise.
func (p *Parser) kafkaNumber() (any, error) {
	start := p.Pos
	if err := p.SkipNumber(); err != nil {
		return nil, err
	}
	text := p.Data[start:p.Pos]
	if n, ok := PlainInt64(text); ok {
		return n, nil
	}
	f, _ := strconv.ParseFloat(string(text), 64) // ±Inf out of range, as Jackson's double
	return f, nil
}

// PlainInt64 parses text, a valid JSON number, when it is an integer
// (no fraction or exponent) that fits an int64.
func PlainInt64(text []byte) (int64, bool) {
	neg := text[0] == '-'
	digits := text
	if neg {
		digits = text[1:]
	}
	if len(digits) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false // a fraction or an exponent
		}
		u = u*10 + uint64(c-'0')
	}
	switch {
	case neg && u > 1<<63, !neg && u > 1<<63-1:
		return 0, false
	case neg:
		return -int64(u), true // -(1<<63) wraps to itself
	}
	return int64(u), true
}

// Keys interns object member names across documents: records of one shape
// repeat their names, and reading them from a table costs no allocation.
// It also sizes a document's top-level object as the previous one's.
// It keeps up to maxKeys names, is safe for concurrent use, and its zero
// value is ready.
type Keys struct {
	// m holds each name boxed, as readBoxedName returns it.
	m    atomic.Pointer[map[string]any]
	size atomic.Int32 // members of the last top-level object, to size the next
}

const (
	maxKeys     = 1024
	maxSizeHint = 256 // one huge document must not make every later map huge
)

// intern returns name as a string in an interface, from the table when it
// is there: boxing a string allocates, and the table's are boxed once.
func (k *Keys) intern(name []byte) any {
	var cur map[string]any
	if m := k.m.Load(); m != nil {
		cur = *m
	}
	if s, ok := cur[string(name)]; ok {
		return s
	}
	s := string(name)
	boxed := any(s)
	if len(cur) < maxKeys {
		// Copy on write: readers never lock. A name added by a racing
		// writer may be lost; it is added again on its next miss.
		next := make(map[string]any, len(cur)+1)
		for a, b := range cur {
			next[a] = b
		}
		next[s] = boxed
		k.m.Store(&next)
	}
	return boxed
}

func (p *Parser) anyArray(number func(string) any) (any, error) {
	out := []any{}
	err := p.elements(func() error {
		v, err := p.Any(number)
		out = append(out, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (p *Parser) anyObject(number func(string) any) (any, error) {
	var out []connect.MapEntry
	if top := p.depth == 0 && p.Keys != nil; top {
		// Records of one shape: size the entries as the last record's, so
		// that they do not grow member by member.
		out = make([]connect.MapEntry, 0, p.Keys.size.Load())
		defer func() { p.Keys.size.Store(int32(min(len(out), maxSizeHint))) }()
	} else {
		out = []connect.MapEntry{}
	}
	err := p.readMembers(nil, func(k any) error {
		v, err := p.Any(number)
		out = append(out, connect.MapEntry{Key: k, Value: v})
		return err
	})
	if err != nil {
		return nil, err
	}
	// JsonConverter reads an object into a HashMap in document order (a
	// repeated key keeps its first place and its last value); its
	// iteration order is what Kafka Connect writes the map in.
	out = connect.JavaHashMapEntries(out)
	return out, nil
}

// Literal reports whether word (true, false or null) stands at p.Pos, and
// passes over it if so.
func (p *Parser) Literal(word string) bool {
	if len(p.Data)-p.Pos < len(word) || string(p.Data[p.Pos:p.Pos+len(word)]) != word {
		return false
	}
	p.Pos += len(word)
	return true
}

func (p *Parser) literal(word string, kind Kind) (Node, error) {
	start := p.Pos
	if !p.Literal(word) {
		return Node{}, p.Errorf("invalid literal")
	}
	return Node{Kind: kind, Start: start, End: p.Pos}, nil
}

// ReadNumber reads the number at p.Pos and returns its text.
func (p *Parser) ReadNumber() (string, error) {
	start := p.Pos
	if err := p.SkipNumber(); err != nil {
		return "", err
	}
	return string(p.Data[start:p.Pos]), nil
}

// SkipNumber passes over the number at p.Pos, checking it, without copying
// its text: p.Data[start:p.Pos] is the number afterwards.
func (p *Parser) SkipNumber() error {
	digits := func() int {
		n := 0
		for p.Pos < len(p.Data) && '0' <= p.Data[p.Pos] && p.Data[p.Pos] <= '9' {
			p.Pos++
			n++
		}
		return n
	}
	if p.Pos < len(p.Data) && p.Data[p.Pos] == '-' {
		p.Pos++
	}
	if p.Pos < len(p.Data) && p.Data[p.Pos] == '0' {
		p.Pos++
	} else if digits() == 0 {
		return p.Errorf("invalid number")
	}
	if p.Pos < len(p.Data) && p.Data[p.Pos] == '.' {
		p.Pos++
		if digits() == 0 {
			return p.Errorf("invalid number")
		}
	}
	if p.Pos < len(p.Data) && (p.Data[p.Pos] == 'e' || p.Data[p.Pos] == 'E') {
		p.Pos++
		if p.Pos < len(p.Data) && (p.Data[p.Pos] == '+' || p.Data[p.Pos] == '-') {
			p.Pos++
		}
		if digits() == 0 {
			return p.Errorf("invalid number")
		}
	}
	return nil
}

// ReadString reads the string at p.Pos (which must be '"') and returns its
// value. Escapes are decoded; a \u escape of a lone surrogate becomes
// U+FFFD, as a Java reader and encoding/json replace it.
func (p *Parser) ReadString() (string, error) {
	p.Pos++ // opening quote
	start := p.Pos
	// Fast path: no escapes (and valid UTF-8 if it must be checked).
	for p.Pos < len(p.Data) {
		c := p.Data[p.Pos]
		if c == '"' {
			s := string(p.Data[start:p.Pos])
			p.Pos++
			return s, nil
		}
		if c == '\\' || c < 0x20 {
			return p.slowString(start)
		}
		if c >= utf8.RuneSelf && p.ReplaceInvalidUTF8 {
			r, size := utf8.DecodeRune(p.Data[p.Pos:])
			if r == utf8.RuneError && size == 1 {
				return p.slowString(start)
			}
			p.Pos += size
			continue
		}
		p.Pos++
	}
	return "", p.Errorf("unterminated string")
}

// slowString decodes the rest of a string whose contents start at start,
// from p.Pos, where the fast path stopped.
func (p *Parser) slowString(start int) (string, error) {
	buf := make([]byte, 0, p.Pos-start+16)
	buf = append(buf, p.Data[start:p.Pos]...)
	for p.Pos < len(p.Data) {
		c := p.Data[p.Pos]
		switch {
		case c == '"':
			p.Pos++
			return string(buf), nil
		case c < 0x20:
			return "", p.Errorf("control character in string")
		case c == '\\':
			p.Pos++
			if p.Pos >= len(p.Data) {
				return "", p.Errorf("unterminated string")
			}
			e := p.Data[p.Pos]
			p.Pos++
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", p.Errorf("invalid \\u escape")
				}
				if utf16.IsSurrogate(r) {
					// A valid pair combines; anything else is U+FFFD, and a
					// following escape is read on its own.
					r2 := utf8.RuneError
					save := p.Pos
					if p.Pos+1 < len(p.Data) && p.Data[p.Pos] == '\\' && p.Data[p.Pos+1] == 'u' {
						p.Pos += 2
						if lo, ok := p.hex4(); ok {
							r2 = lo
						}
					}
					if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
						p.Pos = save
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				return "", p.Errorf("invalid escape \\%c", e)
			}
		case c >= utf8.RuneSelf && p.ReplaceInvalidUTF8:
			r, size := utf8.DecodeRune(p.Data[p.Pos:])
			p.Pos += size
			buf = utf8.AppendRune(buf, r) // invalid bytes: U+FFFD
		default:
			buf = append(buf, c)
			p.Pos++
		}
	}
	return "", p.Errorf("unterminated string")
}

// hex4 reads four hex digits.
func (p *Parser) hex4() (rune, bool) {
	if len(p.Data)-p.Pos < 4 {
		return 0, false
	}
	var v rune
	for _, c := range p.Data[p.Pos : p.Pos+4] {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	p.Pos += 4
	return v, true
}

func (p *Parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return p.Errorf("nested deeper than %d", MaxDepth)
	}
	return nil
}

func (p *Parser) array() (Node, error) {
	n := Node{Kind: Array, Start: p.Pos}
	err := p.elements(func() error {
		v, err := p.Value()
		n.Kids = append(n.Kids, v)
		return err
	})
	n.End = p.Pos
	return n, err
}

func (p *Parser) object() (Node, error) {
	n := Node{Kind: Object, Start: p.Pos}
	err := p.members(func(k string) error {
		v, err := p.Value()
		// Jackson keeps the last of repeated keys; so do we.
		if i := indexOf(n.Keys, k); i >= 0 {
			n.Kids[i] = v
		} else {
			n.Keys = append(n.Keys, k)
			n.Kids = append(n.Kids, v)
		}
		return err
	})
	n.End = p.Pos
	return n, err
}

// elements reads the array at p.Pos ('['), calling element with p.Pos on
// each element's first byte; element must read the element, leaving p.Pos
// after it.
func (p *Parser) elements(element func() error) error {
	if err := p.enter(); err != nil {
		return err
	}
	p.Pos++
	p.SkipSpace()
	if p.Pos < len(p.Data) && p.Data[p.Pos] == ']' {
		p.Pos++
		p.depth--
		return nil
	}
	for {
		p.SkipSpace()
		if err := element(); err != nil {
			return err
		}
		p.SkipSpace()
		if p.Pos >= len(p.Data) {
			return p.Errorf("unterminated array")
		}
		switch p.Data[p.Pos] {
		case ',':
			p.Pos++
		case ']':
			p.Pos++
			p.depth--
			return nil
		default:
			return p.Errorf("expected ',' or ']' in array")
		}
	}
}

// members reads the object at p.Pos ('{'), calling member with each
// member's name and p.Pos on its value's first byte; member must read the
// value, leaving p.Pos after it.
func (p *Parser) members(member func(key string) error) error {
	return p.readMembers(member, nil)
}

// readMembers is members calling named with the name as a string, or boxed
// with it in an interface when named is nil.
func (p *Parser) readMembers(named func(key string) error, boxed func(key any) error) error {
	if err := p.enter(); err != nil {
		return err
	}
	p.Pos++
	p.SkipSpace()
	if p.Pos < len(p.Data) && p.Data[p.Pos] == '}' {
		p.Pos++
		p.depth--
		return nil
	}
	for {
		if err := p.memberName(); err != nil {
			return err
		}
		if named != nil {
			k, err := p.readName()
			if err != nil {
				return err
			}
			if err := p.colon(); err != nil {
				return err
			}
			if err := named(k); err != nil {
				return err
			}
		} else {
			k, err := p.readBoxedName()
			if err != nil {
				return err
			}
			if err := p.colon(); err != nil {
				return err
			}
			if err := boxed(k); err != nil {
				return err
			}
		}
		p.SkipSpace()
		if p.Pos >= len(p.Data) {
			return p.Errorf("unterminated object")
		}
		switch p.Data[p.Pos] {
		case ',':
			p.Pos++
		case '}':
			p.Pos++
			p.depth--
			return nil
		default:
			return p.Errorf("expected ',' or '}' in object")
		}
	}
}

// readName reads a member name, from p.Keys when it is set and the name has
// no escapes.
func (p *Parser) readName() (string, error) {
	if k, ok := p.internedName(); ok {
		return k.(string), nil
	}
	return p.ReadString()
}

// readBoxedName is readName for a name that goes into an interface: from
// p.Keys it is boxed already, so it costs no allocation.
func (p *Parser) readBoxedName() (any, error) {
	if k, ok := p.internedName(); ok {
		return k, nil
	}
	return p.ReadString()
}

// internedName reads a member name from p.Keys when it is set and the name
// has no escapes, returning the name boxed.
func (p *Parser) internedName() (any, bool) {
	if p.Keys == nil {
		return nil, false
	}
	for end := p.Pos + 1; end < len(p.Data); end++ {
		c := p.Data[end]
		if c == '"' {
			name := p.Keys.intern(p.Data[p.Pos+1 : end])
			p.Pos = end + 1
			return name, true
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break // ReadString decodes and checks these
		}
	}
	return nil, false
}

// memberName skips white space up to an object member's name, which must
// be a string.
func (p *Parser) memberName() error {
	p.SkipSpace()
	if p.Pos >= len(p.Data) || p.Data[p.Pos] != '"' {
		return p.Errorf("expected a string key in object")
	}
	return nil
}

// colon passes over the ':' after a member name and the white space around
// it.
func (p *Parser) colon() error {
	p.SkipSpace()
	if p.Pos >= len(p.Data) || p.Data[p.Pos] != ':' {
		return p.Errorf("expected ':' after object key")
	}
	p.Pos++
	p.SkipSpace()
	return nil
}

func indexOf(keys []string, k string) int {
	for i := range keys {
		if keys[i] == k {
			return i
		}
	}
	return -1
}

// Skip checks the value at p.Pos (no leading white space) and passes over
// it without building nodes or decoding strings.
func (p *Parser) Skip() error {
	if p.Pos >= len(p.Data) {
		return p.Errorf("unexpected end of input")
	}
	c := p.Data[p.Pos]
	switch {
	case c == '"':
		return p.skipString()
	case c == '-' || ('0' <= c && c <= '9'):
		return p.SkipNumber() // as Value reads it, without copying the text
	case c == '{' || c == '[':
	default:
		_, err := p.Value()
		return err
	}
	if err := p.enter(); err != nil {
		return err
	}
	closer, what := byte(']'), "array"
	if c == '{' {
		closer, what = '}', "object"
	}
	p.Pos++
	p.SkipSpace()
	if p.Pos < len(p.Data) && p.Data[p.Pos] == closer {
		p.Pos++
		p.depth--
		return nil
	}
	for {
		if c == '{' {
			if err := p.memberName(); err != nil {
				return err
			}
			if err := p.skipString(); err != nil {
				return err
			}
			if err := p.colon(); err != nil {
				return err
			}
		} else {
			p.SkipSpace()
		}
		if err := p.Skip(); err != nil {
			return err
		}
		p.SkipSpace()
		if p.Pos >= len(p.Data) {
			return p.Errorf("unterminated %s", what)
		}
		switch p.Data[p.Pos] {
		case ',':
			p.Pos++
		case closer:
			p.Pos++
			p.depth--
			return nil
		default:
			return p.Errorf("expected ',' or '%c'", closer)
		}
	}
}

// skipString passes over a string, checking its escapes.
func (p *Parser) skipString() error {
	p.Pos++
	for p.Pos < len(p.Data) {
		switch c := p.Data[p.Pos]; {
		case c == '"':
			p.Pos++
			return nil
		case c < 0x20:
			return p.Errorf("control character in string")
		case c == '\\':
			p.Pos++
			if p.Pos >= len(p.Data) {
				return p.Errorf("unterminated string")
			}
			switch p.Data[p.Pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.Pos++
			case 'u':
				p.Pos++
				if _, ok := p.hex4(); !ok {
					return p.Errorf("invalid \\u escape")
				}
			default:
				return p.Errorf("invalid escape \\%c", p.Data[p.Pos])
			}
		default:
			p.Pos++
		}
	}
	return p.Errorf("unterminated string")
}
