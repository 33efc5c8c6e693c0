package restgolden

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// kind is a JSON value's type, as differences name it.
type kind int

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k kind) String() string {
	return [...]string{"null", "boolean", "number", "string", "array", "object"}[k]
}

// node is a parsed JSON value that keeps its object fields in the order the
// body bytes had them: Jackson's field order is part of what a client sees.
type node struct {
	kind kind
	// lit is a scalar's text: a string's value, a number's literal as
	// written, "true"/"false".
	lit    string
	keys   []string
	fields map[string]*node
	elems  []*node
}

// at returns the string at the dotted path of fields below n ("value.name").
func (n *node) at(dotted string) (string, bool) {
	for _, k := range strings.Split(dotted, ".") {
		if n == nil || n.kind != kindObject {
			return "", false
		}
		n = n.fields[k]
	}
	if n == nil || n.kind != kindString {
		return "", false
	}
	return n.lit, true
}

// parseJSON reads one JSON document, keeping field order. A repeated object
// key keeps its first place and its last value, as Jackson's tree would.
func parseJSON(b []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := parseValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the JSON value")
	}
	return n, nil
}

func parseValue(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return &node{kind: kindNull, lit: "null"}, nil
	case bool:
		return &node{kind: kindBool, lit: strconv.FormatBool(t)}, nil
	case json.Number:
		return &node{kind: kindNumber, lit: string(t)}, nil
	case string:
		return &node{kind: kindString, lit: t}, nil
	case json.Delim:
		switch t {
		case '[':
			n := &node{kind: kindArray, elems: []*node{}}
			for dec.More() {
				e, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, e)
			}
			_, err := dec.Token()
			return n, err
		case '{':
			n := &node{kind: kindObject, fields: map[string]*node{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				if _, dup := n.fields[k]; !dup {
					n.keys = append(n.keys, k)
				}
				n.fields[k] = v
			}
			_, err := dec.Token()
			return n, err
		}
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// canonical is n written compactly, objects in their own field order; it
// identifies equal values.
func (n *node) canonical() string {
	var sb strings.Builder
	n.write(&sb)
	return sb.String()
}

func (n *node) write(sb *strings.Builder) {
	switch n.kind {
	case kindString:
		sb.WriteString(quote(n.lit))
	case kindArray:
		sb.WriteByte('[')
		for i, e := range n.elems {
			if i > 0 {
				sb.WriteByte(',')
			}
			e.write(sb)
		}
		sb.WriteByte(']')
	case kindObject:
		sb.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(quote(k))
			sb.WriteByte(':')
			n.fields[k].write(sb)
		}
		sb.WriteByte('}')
	default:
		sb.WriteString(n.lit)
	}
}

// quote is s as a JSON string, with <, > and & left as they are so that
// messages about HTML bodies stay readable.
func quote(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(buf.String(), "\n")
}

// describe is n's type and value for a message: `string "x"`, `null`.
func (n *node) describe() string {
	if n.kind == kindNull {
		return "null"
	}
	return n.kind.String() + " " + n.short()
}

// short is n for a difference message: scalars in full, containers cut.
func (n *node) short() string {
	s := n.canonical()
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// seg is one step of a path into a JSON value: an object key or an array
// index.
type seg struct {
	key   string
	index int
	isIdx bool
}

// path is where a value sits in a body, written like $.tasks[0].worker_id;
// a key that is not a plain identifier is written ["quoted"].
type path []seg

func (p path) String() string {
	var sb strings.Builder
	sb.WriteByte('$')
	for _, s := range p {
		switch {
		case s.isIdx:
			fmt.Fprintf(&sb, "[%d]", s.index)
		case plainKey(s.key):
			sb.WriteByte('.')
			sb.WriteString(s.key)
		default:
			sb.WriteByte('[')
			sb.WriteString(quote(s.key))
			sb.WriteByte(']')
		}
	}
	return sb.String()
}

func (p path) key(k string) path {
	return append(p[:len(p):len(p)], seg{key: k})
}

func (p path) idx(i int) path {
	return append(p[:len(p):len(p)], seg{index: i, isIdx: true})
}

func plainKey(k string) bool {
	if k == "" || k == "*" || k == "**" {
		return false
	}
	for i, r := range k {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case i > 0 && (r == '-' || r >= '0' && r <= '9'):
		default:
			return false
		}
	}
	return true
}

// patSeg is one step of a path pattern.
type patSeg struct {
	kind  patKind
	key   string
	index int
}

type patKind int

const (
	patKey      patKind = iota // one object key
	patIndex                   // one array index
	patAnyKey                  // *: any one object key
	patAnyIndex                // [*]: any one array index
	patAnyDepth                // **: any number of steps, none included
)

// pattern matches paths. Its syntax is a path's ($ optional at the start)
// with * for any one key, [*] for any one index and ** for any number of
// steps: "**.worker_id", "tasks[*].state", `$["org.apache"].level`.
type pattern []patSeg

func parsePattern(s string) (pattern, error) {
	orig := s
	if rest, ok := strings.CutPrefix(s, "$"); ok {
		s = strings.TrimPrefix(rest, ".")
	}
	var p pattern
	first := true
	for s != "" {
		switch {
		case strings.HasPrefix(s, "["):
			end := strings.IndexByte(s, ']')
			if strings.HasPrefix(s, `["`) {
				// A quoted key may hold ']': find the closing quote first.
				var key string
				dec := json.NewDecoder(strings.NewReader(s[1:]))
				if err := dec.Decode(&key); err != nil {
					return nil, fmt.Errorf("restgolden: pattern %q: bad quoted key: %v", orig, err)
				}
				rest := s[1+int(dec.InputOffset()):]
				if !strings.HasPrefix(rest, "]") {
					return nil, fmt.Errorf("restgolden: pattern %q: missing ] after a quoted key", orig)
				}
				p = append(p, patSeg{kind: patKey, key: key})
				s = rest[1:]
				break
			}
			if end < 0 {
				return nil, fmt.Errorf("restgolden: pattern %q: missing ]", orig)
			}
			in := s[1:end]
			if in == "*" {
				p = append(p, patSeg{kind: patAnyIndex})
			} else {
				i, err := strconv.Atoi(in)
				if err != nil || i < 0 {
					return nil, fmt.Errorf("restgolden: pattern %q: bad index %q", orig, in)
				}
				p = append(p, patSeg{kind: patIndex, index: i})
			}
			s = s[end+1:]
		default:
			if !first {
				if !strings.HasPrefix(s, ".") {
					return nil, fmt.Errorf("restgolden: pattern %q: expected . or [ at %q", orig, s)
				}
				s = s[1:]
			}
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			name := s[:end]
			switch name {
			case "":
				return nil, fmt.Errorf("restgolden: pattern %q: empty key", orig)
			case "*":
				p = append(p, patSeg{kind: patAnyKey})
			case "**":
				p = append(p, patSeg{kind: patAnyDepth})
			default:
				p = append(p, patSeg{kind: patKey, key: name})
			}
			s = s[end:]
		}
		first = false
	}
	return p, nil
}

// matches reports whether p names the value at path x.
func (p pattern) matches(x path) bool {
	if len(p) == 0 {
		return len(x) == 0
	}
	if p[0].kind == patAnyDepth {
		for i := 0; i <= len(x); i++ {
			if p[1:].matches(x[i:]) {
				return true
			}
		}
		return false
	}
	if len(x) == 0 {
		return false
	}
	s := x[0]
	switch p[0].kind {
	case patKey:
		if s.isIdx || s.key != p[0].key {
			return false
		}
	case patIndex:
		if !s.isIdx || s.index != p[0].index {
			return false
		}
	case patAnyKey:
		if s.isIdx {
			return false
		}
	case patAnyIndex:
		if !s.isIdx {
			return false
		}
	}
	return p[1:].matches(x[1:])
}

// lookup finds the value a concrete pattern (no wildcards) names in n.
func (n *node) lookup(p pattern) (*node, bool) {
	for _, s := range p {
		switch s.kind {
		case patKey:
			if n.kind != kindObject {
				return nil, false
			}
			v, ok := n.fields[s.key]
			if !ok {
				return nil, false
			}
			n = v
		case patIndex:
			if n.kind != kindArray || s.index >= len(n.elems) {
				return nil, false
			}
			n = n.elems[s.index]
		default:
			return nil, false
		}
	}
	return n, true
}
