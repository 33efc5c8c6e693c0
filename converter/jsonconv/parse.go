package jsonconv

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// node is one parsed JSON value. Objects keep their members in document
// order (schema parameters must round-trip in order, and encoding/json's
// maps lose it), numbers keep their text (so int64 and decimals lose no
// precision), and every node knows its span of the input (so a schema's raw
// bytes can key the schema cache).
type node struct {
	kind       byte   // 'n' null, 't' true, 'f' false, '"' string, '0' number, '[' array, '{' object
	str        string // string value or number text
	kids       []node // array elements, object values
	keys       []string
	start, end int
}

func (n *node) member(key string) *node {
	for i := range n.keys {
		if n.keys[i] == key {
			return &n.kids[i]
		}
	}
	return nil
}

func (n *node) describe() string {
	switch n.kind {
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '[':
		return "an array"
	case '{':
		return "an object"
	}
	return "nothing"
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 1000

type parser struct {
	data  []byte
	pos   int
	depth int
}

// parse parses one JSON document; trailing non-space data is an error.
func parse(data []byte) (node, error) {
	p := parser{data: data}
	p.skipSpace()
	if p.pos == len(p.data) {
		return node{}, fmt.Errorf("invalid JSON: empty input")
	}
	n, err := p.value()
	if err != nil {
		return node{}, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return node{}, p.errorf("unexpected data after the JSON value")
	}
	return n, nil
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at byte %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value() (node, error) {
	if p.pos >= len(p.data) {
		return node{}, p.errorf("unexpected end of input")
	}
	start := p.pos
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.string()
		return node{kind: '"', str: s, start: start, end: p.pos}, err
	case c == 't':
		return p.literal("true", 't')
	case c == 'f':
		return p.literal("false", 'f')
	case c == 'n':
		return p.literal("null", 'n')
	case c == '-' || ('0' <= c && c <= '9'):
		return p.number()
	default:
		return node{}, p.errorf("unexpected character %q", c)
	}
}

func (p *parser) literal(word string, kind byte) (node, error) {
	start := p.pos
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return node{}, p.errorf("invalid literal")
	}
	p.pos += len(word)
	return node{kind: kind, start: start, end: p.pos}, nil
}

func (p *parser) number() (node, error) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.data) && '0' <= p.data[p.pos] && p.data[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.data[p.pos] == '-' {
		p.pos++
	}
	if p.pos < len(p.data) && p.data[p.pos] == '0' {
		p.pos++
	} else if digits() == 0 {
		return node{}, p.errorf("invalid number")
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return node{}, p.errorf("invalid number")
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return node{}, p.errorf("invalid number")
		}
	}
	return node{kind: '0', str: string(p.data[start:p.pos]), start: start, end: p.pos}, nil
}

func (p *parser) string() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	// Fast path: no escapes.
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			s := string(p.data[start:p.pos])
			p.pos++
			return s, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.pos++
	}
	buf := append([]byte(nil), p.data[start:p.pos]...)
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf), nil
		case c < 0x20:
			return "", p.errorf("control character in string")
		case c != '\\':
			buf = append(buf, c)
			p.pos++
			continue
		}
		p.pos++
		if p.pos >= len(p.data) {
			break
		}
		e := p.data[p.pos]
		p.pos++
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
				return "", p.errorf("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				save := p.pos
				if p.pos+1 < len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
					p.pos += 2
					if lo, ok := p.hex4(); ok {
						r2 = lo
					}
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
				} else {
					r = utf8.RuneError // a lone surrogate, as a Java reader would replace it
					p.pos = save
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", p.errorf("invalid escape \\%c", e)
		}
	}
	return "", p.errorf("unterminated string")
}

func (p *parser) hex4() (rune, bool) {
	if len(p.data)-p.pos < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.data[p.pos:p.pos+4]), 16, 16)
	if err != nil {
		return 0, false
	}
	p.pos += 4
	return rune(n), true
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf("nested deeper than %d", maxDepth)
	}
	return nil
}

func (p *parser) array() (node, error) {
	n := node{kind: '[', start: p.pos}
	if err := p.enter(); err != nil {
		return n, err
	}
	p.pos++
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		n.end = p.pos
		return n, nil
	}
	for {
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return n, err
		}
		n.kids = append(n.kids, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return n, p.errorf("unterminated array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			p.depth--
			n.end = p.pos
			return n, nil
		default:
			return n, p.errorf("expected ',' or ']' in array")
		}
	}
}

func (p *parser) object() (node, error) {
	n := node{kind: '{', start: p.pos}
	if err := p.enter(); err != nil {
		return n, err
	}
	p.pos++
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		n.end = p.pos
		return n, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return n, p.errorf("expected a string key in object")
		}
		k, err := p.string()
		if err != nil {
			return n, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return n, p.errorf("expected ':' after object key")
		}
		p.pos++
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return n, err
		}
		// Jackson keeps the last of repeated keys; so do we.
		if i := indexOf(n.keys, k); i >= 0 {
			n.kids[i] = v
		} else {
			n.keys = append(n.keys, k)
			n.kids = append(n.kids, v)
		}
		p.skipSpace()
		if p.pos >= len(p.data) {
			return n, p.errorf("unterminated object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			p.depth--
			n.end = p.pos
			return n, nil
		default:
			return n, p.errorf("expected ',' or '}' in object")
		}
	}
}

func indexOf(keys []string, k string) int {
	for i := range keys {
		if keys[i] == k {
			return i
		}
	}
	return -1
}

// skip validates and passes over one JSON value without building nodes.
func (p *parser) skip() error {
	if p.pos >= len(p.data) {
		return p.errorf("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '"':
		return p.skipString()
	case c == '{' || c == '[':
		if err := p.enter(); err != nil {
			return err
		}
		closer := byte(']')
		if c == '{' {
			closer = '}'
		}
		p.pos++
		p.skipSpace()
		if p.pos < len(p.data) && p.data[p.pos] == closer {
			p.pos++
			p.depth--
			return nil
		}
		for {
			p.skipSpace()
			if c == '{' {
				if p.pos >= len(p.data) || p.data[p.pos] != '"' {
					return p.errorf("expected a string key in object")
				}
				if err := p.skipString(); err != nil {
					return err
				}
				p.skipSpace()
				if p.pos >= len(p.data) || p.data[p.pos] != ':' {
					return p.errorf("expected ':' after object key")
				}
				p.pos++
				p.skipSpace()
			}
			if err := p.skip(); err != nil {
				return err
			}
			p.skipSpace()
			if p.pos >= len(p.data) {
				return p.errorf("unterminated %s", map[byte]string{'{': "object", '[': "array"}[c])
			}
			switch p.data[p.pos] {
			case ',':
				p.pos++
			case closer:
				p.pos++
				p.depth--
				return nil
			default:
				return p.errorf("expected ',' or '%c'", closer)
			}
		}
	default:
		_, err := p.value()
		return err
	}
}

// skipString passes over a string, checking its escapes.
func (p *parser) skipString() error {
	p.pos++
	for p.pos < len(p.data) {
		switch c := p.data[p.pos]; {
		case c == '"':
			p.pos++
			return nil
		case c < 0x20:
			return p.errorf("control character in string")
		case c == '\\':
			p.pos++
			if p.pos >= len(p.data) {
				return p.errorf("unterminated string")
			}
			switch p.data[p.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.pos++
			case 'u':
				p.pos++
				if _, ok := p.hex4(); !ok {
					return p.errorf("invalid \\u escape")
				}
			default:
				return p.errorf("invalid escape \\%c", p.data[p.pos])
			}
		default:
			p.pos++
		}
	}
	return p.errorf("unterminated string")
}
