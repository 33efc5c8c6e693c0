package offset

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jsonparse"
)

// The offsets-topic JSON is flat: an array of a string and an object of
// primitives, or an object of primitives. This small reader, on
// jsonparse.Parser, keeps object members in document order (encoding/json's
// maps lose it, and the order decides the key bytes) and reads a key in a
// few allocations; the Kafka store parses every record of the topic with it.
// It accepts exactly the JSON encoding/json accepts and decodes strings as it
// does (invalid UTF-8 and lone surrogates become U+FFFD), which FuzzParse
// checks.

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
	r := newFlatReader(key)
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
	r := newFlatReader(b)
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
	r := newFlatReader(value)
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

// flatReader reads flat JSON from Data with jsonparse, decoding strings as
// encoding/json does.
type flatReader struct{ jsonparse.Parser }

func newFlatReader(data []byte) flatReader {
	return flatReader{jsonparse.Parser{Data: data, ReplaceInvalidUTF8: true}}
}

func (r *flatReader) space() { r.SkipSpace() }

// peek returns the next byte, or 0 at the end.
func (r *flatReader) peek() byte {
	if r.Pos < len(r.Data) {
		return r.Data[r.Pos]
	}
	return 0
}

func (r *flatReader) errorf(format string, args ...any) error {
	return fmt.Errorf("at byte %d: %s", r.Pos, fmt.Sprintf(format, args...))
}

// local restates a jsonparse syntax error in the reader's words.
func local(err error) error {
	if se, ok := err.(*jsonparse.SyntaxError); ok {
		return fmt.Errorf("at byte %d: %s", se.Offset, se.Msg)
	}
	return err
}

// describe names the value starting at the next byte.
func (r *flatReader) describe() string {
	switch c := r.peek(); {
	case r.Pos >= len(r.Data):
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
	if r.peek() != c || r.Pos >= len(r.Data) {
		return r.errorf("found %s, want %s", r.describe(), what)
	}
	r.Pos++
	return nil
}

// end checks that only white space is left.
func (r *flatReader) end() error {
	r.space()
	if r.Pos < len(r.Data) {
		return r.errorf("trailing data")
	}
	return nil
}

// literal consumes word (true, false, null).
func (r *flatReader) literal(word string) error {
	if !r.Literal(word) {
		return r.errorf("invalid literal, want %s", word)
	}
	return nil
}

// str reads a JSON string at r.Pos (which is '"').
func (r *flatReader) str() (string, error) {
	s, err := r.ReadString()
	return s, local(err)
}

// number reads a JSON number as Kafka Connect's JsonConverter reads it
// (connect.JSONNumber).
func (r *flatReader) number() (any, error) {
	s, err := r.ReadNumber()
	if err != nil {
		return nil, local(err)
	}
	return connect.JSONNumber(s), nil
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
		r.Pos++
	default:
		return nil, false, fmt.Errorf("%s is %s, want an object or null", what, r.describe())
	}
	r.space()
	if r.peek() == '}' {
		r.Pos++
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
			r.Pos++
		case '}':
			r.Pos++
			return entries, false, nil
		default:
			return nil, false, r.errorf(`found %s, want "," or "}"`, r.describe())
		}
	}
}
