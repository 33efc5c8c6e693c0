package offset

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/kconnect-go/kconnect/connect"
)

// The offsets-topic JSON is flat: an array of a string and an object of
// primitives, or an object of primitives. This small reader keeps object
// members in document order (encoding/json's maps lose it, and the order
// decides the key bytes) and reads a key in a few allocations; the Kafka
// store parses every record of the topic with it. It accepts exactly the
// JSON encoding/json accepts and decodes strings as it does (invalid UTF-8
// and lone surrogates become U+FFFD), which FuzzParse checks.

// parsedKey is an offsets-topic key read by parseKey.
type parsedKey struct {
	connector string
	partition connect.SourcePartition // zero for a null partition
}

// parseKey reads ["<connector>",<partition object or null>], the only key
// shape Kafka Connect accepts (OffsetUtils.processPartitionKey). Object
// members are kept in document order, so Key writes the same bytes again for
// a key written by a JVM worker.
//
// Kafka Connect also accepts nested maps and lists as partition values,
// which no connector should write (offsets must be primitives) and which a
// connect.SourcePartition cannot hold; they are reported as errors here.
func parseKey(key []byte) (parsedKey, error) {
	r := flatReader{data: key}
	if err := r.expect('[', "a JSON array [connector, partition]"); err != nil {
		return parsedKey{}, err
	}
	r.space()
	if r.peek() == ']' {
		return parsedKey{}, errors.New("empty array, want [connector, partition]")
	}
	if r.peek() != '"' {
		return parsedKey{}, fmt.Errorf("first element is %s, want the connector name as a string", r.describe())
	}
	conn, err := r.str()
	if err != nil {
		return parsedKey{}, err
	}
	r.space()
	if r.peek() == ']' {
		return parsedKey{}, errors.New("1 element, want [connector, partition]")
	}
	if err := r.expect(',', `","`); err != nil {
		return parsedKey{}, err
	}
	entries, isNull, err := r.object("partition")
	if err != nil {
		return parsedKey{}, err
	}
	r.space()
	if r.peek() == ',' {
		return parsedKey{}, errors.New("more than 2 elements, want [connector, partition]")
	}
	if err := r.expect(']', `"]"`); err != nil {
		return parsedKey{}, err
	}
	if err := r.end(); err != nil {
		return parsedKey{}, err
	}
	if isNull {
		return parsedKey{connector: conn}, nil
	}
	p, err := connect.SourcePartitionFromEntries(entries)
	if err != nil {
		return parsedKey{}, err
	}
	return parsedKey{connector: conn, partition: p}, nil
}

// parsePartition reads a partition object (or null) on its own, as the File
// store keeps it.
func parsePartition(b []byte) (connect.SourcePartition, error) {
	r := flatReader{data: b}
	entries, isNull, err := r.object("partition")
	if err != nil {
		return connect.SourcePartition{}, err
	}
	if err := r.end(); err != nil {
		return connect.SourcePartition{}, err
	}
	if isNull {
		return connect.SourcePartition{}, nil
	}
	return connect.SourcePartitionFromEntries(entries)
}

// parseOffset reads an offset value: a JSON object of primitives in
// document order, or null (the zero Offset). An empty object {} also gives
// the zero Offset, which connect.Offset cannot tell apart from "none".
func parseOffset(value []byte) (connect.Offset, error) {
	r := flatReader{data: value}
	entries, isNull, err := r.object("offset")
	if err != nil {
		return connect.Offset{}, err
	}
	if err := r.end(); err != nil {
		return connect.Offset{}, err
	}
	if isNull || len(entries) == 0 {
		return connect.Offset{}, nil
	}
	return connect.OffsetFromEntries(entries)
}

// flatReader reads flat JSON from data.
type flatReader struct {
	data []byte
	pos  int
}

func (r *flatReader) space() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// peek returns the next byte, or 0 at the end.
func (r *flatReader) peek() byte {
	if r.pos < len(r.data) {
		return r.data[r.pos]
	}
	return 0
}

func (r *flatReader) errorf(format string, args ...any) error {
	return fmt.Errorf("at byte %d: %s", r.pos, fmt.Sprintf(format, args...))
}

// describe names the value starting at the next byte.
func (r *flatReader) describe() string {
	switch c := r.peek(); {
	case r.pos >= len(r.data):
		return "the end of the input"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == '-' || c >= '0' && c <= '9':
		return "a number"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	default:
		return strconv.QuoteRune(rune(c))
	}
}

// expect skips white space and the byte c.
func (r *flatReader) expect(c byte, what string) error {
	r.space()
	if r.peek() != c || r.pos >= len(r.data) {
		return r.errorf("found %s, want %s", r.describe(), what)
	}
	r.pos++
	return nil
}

// end checks that only white space is left.
func (r *flatReader) end() error {
	r.space()
	if r.pos < len(r.data) {
		return r.errorf("trailing data")
	}
	return nil
}

// literal consumes word (true, false, null).
func (r *flatReader) literal(word string) error {
	if len(r.data)-r.pos < len(word) || string(r.data[r.pos:r.pos+len(word)]) != word {
		return r.errorf("invalid literal, want %s", word)
	}
	r.pos += len(word)
	return nil
}

// object reads a JSON object of primitive members in document order, or
// null. Numbers become int64 when integral and in range, else float64, as
// Kafka Connect's JsonConverter reads them (connect.JSONNumber).
func (r *flatReader) object(what string) (entries []connect.MapEntry, isNull bool, err error) {
	r.space()
	switch r.peek() {
	case 'n':
		if err := r.literal("null"); err != nil {
			return nil, false, err
		}
		return nil, true, nil
	case '{':
		r.pos++
	default:
		return nil, false, fmt.Errorf("%s is %s, want an object or null", what, r.describe())
	}
	r.space()
	if r.peek() == '}' {
		r.pos++
		return []connect.MapEntry{}, false, nil
	}
	for {
		r.space()
		if r.peek() != '"' {
			return nil, false, r.errorf("found %s, want a field name", r.describe())
		}
		k, err := r.str()
		if err != nil {
			return nil, false, err
		}
		if err := r.expect(':', `":"`); err != nil {
			return nil, false, err
		}
		r.space()
		var v any
		switch c := r.peek(); {
		case c == '"':
			if v, err = r.str(); err != nil {
				return nil, false, err
			}
		case c == '-' || c >= '0' && c <= '9':
			if v, err = r.number(); err != nil {
				return nil, false, err
			}
		case c == 't':
			err, v = r.literal("true"), true
		case c == 'f':
			err, v = r.literal("false"), false
		case c == 'n':
			err, v = r.literal("null"), nil
		case c == '{' || c == '[':
			return nil, false, fmt.Errorf("%s field %q is %s; only primitive values are supported", what, k, r.describe())
		default:
			return nil, false, r.errorf("found %s, want a value", r.describe())
		}
		if err != nil {
			return nil, false, err
		}
		entries = append(entries, connect.MapEntry{Key: k, Value: v})
		r.space()
		switch r.peek() {
		case ',':
			r.pos++
		case '}':
			r.pos++
			return entries, false, nil
		default:
			return nil, false, r.errorf(`found %s, want "," or "}"`, r.describe())
		}
	}
}

// number reads a JSON number (RFC 8259 grammar).
func (r *flatReader) number() (any, error) {
	start := r.pos
	digits := func() int {
		n := 0
		for r.pos < len(r.data) && r.data[r.pos] >= '0' && r.data[r.pos] <= '9' {
			r.pos++
			n++
		}
		return n
	}
	if r.peek() == '-' {
		r.pos++
	}
	switch {
	case r.peek() == '0':
		r.pos++
	case digits() == 0:
		return nil, r.errorf("invalid number")
	}
	if r.peek() == '.' {
		r.pos++
		if digits() == 0 {
			return nil, r.errorf("invalid number")
		}
	}
	if c := r.peek(); c == 'e' || c == 'E' {
		r.pos++
		if c := r.peek(); c == '+' || c == '-' {
			r.pos++
		}
		if digits() == 0 {
			return nil, r.errorf("invalid number")
		}
	}
	return connect.JSONNumber(string(r.data[start:r.pos])), nil
}

// str reads a JSON string at r.pos (which is '"'), decoding it as
// encoding/json does.
func (r *flatReader) str() (string, error) {
	r.pos++ // opening quote
	start := r.pos
	// Fast path: no escapes, ASCII or valid UTF-8.
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		switch {
		case c == '"':
			s := string(r.data[start:r.pos])
			r.pos++
			return s, nil
		case c == '\\' || c < 0x20:
			return r.slowStr(start)
		case c < utf8.RuneSelf:
			r.pos++
		default:
			ru, size := utf8.DecodeRune(r.data[r.pos:])
			if ru == utf8.RuneError && size == 1 {
				return r.slowStr(start)
			}
			r.pos += size
		}
	}
	return "", r.errorf("unterminated string")
}

func (r *flatReader) slowStr(start int) (string, error) {
	buf := make([]byte, 0, r.pos-start+16)
	buf = append(buf, r.data[start:r.pos]...)
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		switch {
		case c == '"':
			r.pos++
			return string(buf), nil
		case c < 0x20:
			return "", r.errorf("control character in string")
		case c == '\\':
			if r.pos+1 >= len(r.data) {
				return "", r.errorf("unterminated string")
			}
			e := r.data[r.pos+1]
			r.pos += 2
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
				ru, ok := r.hex4()
				if !ok {
					return "", r.errorf("invalid \\u escape")
				}
				if utf16.IsSurrogate(ru) {
					// A valid pair combines; anything else is U+FFFD,
					// and a following escape is read on its own.
					save := r.pos
					if r.pos+1 < len(r.data) && r.data[r.pos] == '\\' && r.data[r.pos+1] == 'u' {
						r.pos += 2
						if lo, ok := r.hex4(); ok {
							if dec := utf16.DecodeRune(ru, lo); dec != utf8.RuneError {
								buf = utf8.AppendRune(buf, dec)
								continue
							}
						}
					}
					r.pos = save
					ru = utf8.RuneError
				}
				buf = utf8.AppendRune(buf, ru)
			default:
				return "", r.errorf("invalid escape \\%c", e)
			}
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			r.pos++
		default:
			ru, size := utf8.DecodeRune(r.data[r.pos:])
			r.pos += size
			buf = utf8.AppendRune(buf, ru) // invalid bytes: U+FFFD
		}
	}
	return "", r.errorf("unterminated string")
}

// hex4 reads four hex digits.
func (r *flatReader) hex4() (rune, bool) {
	if len(r.data)-r.pos < 4 {
		return 0, false
	}
	var v rune
	for _, c := range r.data[r.pos : r.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	r.pos += 4
	return v, true
}
