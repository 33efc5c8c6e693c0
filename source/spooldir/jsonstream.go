package spooldir

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jsonparse"
)

// jsonStream splits a stream of JSON values (one after another, separated
// by whitespace or nothing, as Jackson's MappingIterator reads them) into
// values, keeping the byte position and line after each.
type jsonStream struct {
	in   *input
	pos  int64 // bytes consumed
	line int64 // newlines consumed
	buf  []byte
	over bool // the value is past maxRecordBytes
}

// next returns the bytes of the next value and the line it starts on, or
// io.EOF. The value is not checked: a value that is not well-formed is
// found when it is parsed. A value cut by the end of the file is an
// io.ErrUnexpectedEOF; one of more than maxRecordBytes is read to its end
// and returned cut to its start, with errTooLong.
func (s *jsonStream) next() ([]byte, int64, error) {
	s.buf, s.over = s.buf[:0], false
	// Skip whitespace.
	var c byte
	for {
		b, err := s.in.ReadByte()
		if err != nil {
			return nil, 0, err
		}
		s.pos++
		if b == '\n' {
			s.line++
		}
		if b != ' ' && b != '\t' && b != '\r' && b != '\n' {
			c = b
			break
		}
	}
	start := s.line + 1
	s.buf = append(s.buf, c)
	switch c {
	case '{', '[':
		depth := 1
		inString, escaped := false, false
		for depth > 0 {
			b, err := s.in.ReadByte()
			if err != nil {
				return s.buf, start, s.cut(err)
			}
			s.pos++
			if b == '\n' {
				s.line++
			}
			s.add(b)
			switch {
			case escaped:
				escaped = false
			case inString && b == '\\':
				escaped = true
			case b == '"':
				inString = !inString
			case inString:
			case b == '{' || b == '[':
				depth++
			case b == '}' || b == ']':
				depth--
			}
		}
	case '"':
		escaped := false
		for {
			b, err := s.in.ReadByte()
			if err != nil {
				return s.buf, start, s.cut(err)
			}
			s.pos++
			if b == '\n' {
				s.line++
			}
			s.add(b)
			if escaped {
				escaped = false
			} else if b == '\\' {
				escaped = true
			} else if b == '"' {
				break
			}
		}
	default: // a number, true, false, null, or garbage: up to a delimiter
		for {
			b, err := s.in.ReadByte()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, start, err
			}
			if b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == '{' || b == '[' || b == '"' || b == '}' || b == ']' || b == ',' {
				s.in.UnreadByte()
				if b == '}' || b == ']' || b == ',' { // never a value's start: part of this bad one
					s.in.ReadByte()
					s.pos++
					s.add(b)
				}
				break
			}
			s.pos++
			s.add(b)
		}
	}
	if s.over {
		return s.buf, start, errTooLong
	}
	return s.buf, start, nil
}

// add appends a byte of the value; past maxRecordBytes the value is only
// read on, its start kept for the error.
func (s *jsonStream) add(b byte) {
	if s.over {
		return
	}
	s.buf = append(s.buf, b)
	if len(s.buf) > maxRecordBytes {
		s.over, s.buf = true, s.buf[:maxRawText]
	}
}

func (s *jsonStream) cut(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readJSON reads the next value of s parsed, with its position after it,
// and the line it starts on. A value that is not JSON is a *rowError; the
// stream goes on after it.
func readJSON(s *jsonStream, pos *position) (jsonparse.Node, []byte, int64, error) {
	data, line, err := s.next()
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && err != errTooLong {
		return jsonparse.Node{}, nil, line, err
	}
	pos.bytes, pos.line = s.pos, s.line
	if err == errTooLong {
		return jsonparse.Node{}, nil, line, &rowError{line: line, text: clip(data), err: err}
	}
	if err != nil {
		return jsonparse.Node{}, nil, line, &rowError{line: line, text: clip(data), err: errors.New("the file ends inside a JSON value")}
	}
	if !utf8.Valid(data) {
		// As Java's decoders do: malformed bytes become U+FFFD.
		data = bytes.ToValidUTF8(data, []byte("\uFFFD"))
	}
	n, perr := jsonparse.Parse(data)
	if perr != nil {
		return jsonparse.Node{}, nil, line, &rowError{line: line, text: clip(data), err: perr}
	}
	return n, data, line, nil
}

func clip(b []byte) string {
	if len(b) > maxRawText {
		b = b[:maxRawText]
	}
	return string(b)
}

// appendJackson writes n as Jackson's ObjectMapper writes a JsonNode it
// read with default settings: compact, strings escaped as Jackson does,
// integers as written and other numbers as Java's Double.toString.
func appendJackson(dst []byte, n *jsonparse.Node) []byte {
	switch n.Kind {
	case jsonparse.Object:
		dst = append(dst, '{')
		for i, k := range n.Keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = connect.AppendJSONString(dst, k)
			dst = append(dst, ':')
			dst = appendJackson(dst, &n.Kids[i])
		}
		return append(dst, '}')
	case jsonparse.Array:
		dst = append(dst, '[')
		for i := range n.Kids {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJackson(dst, &n.Kids[i])
		}
		return append(dst, ']')
	case jsonparse.String:
		return connect.AppendJSONString(dst, n.Str)
	case jsonparse.Number:
		if isIntegral(n.Str) {
			return append(dst, n.Str...)
		}
		f, err := strconv.ParseFloat(n.Str, 64)
		if err != nil {
			return append(dst, n.Str...)
		}
		return connect.AppendJavaFloat(dst, f, 64)
	case jsonparse.True:
		return append(dst, "true"...)
	case jsonparse.False:
		return append(dst, "false"...)
	}
	return append(dst, "null"...)
}

func isIntegral(num string) bool {
	for i := 0; i < len(num); i++ {
		if c := num[i]; c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}
