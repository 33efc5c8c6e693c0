package javaregex

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Replacement is a parsed java.util.regex.Matcher replacement string, as
// Matcher.replaceFirst and replaceAll take it. The zero value inserts
// nothing. It is immutable and safe for concurrent use.
type Replacement struct {
	pieces []piece
}

type piece struct {
	lit   string
	group int // -1 for a literal
}

// ParseReplacement parses a Matcher replacement string for re (from
// Compile): $n refers to group n, taking further digits while the number
// stays a group of re (so with one group "$12" is group 1 then "2");
// ${name} refers to a named group; a backslash makes the next character
// literal. The errors are the ones Java throws, with its wording; Java
// throws them for each match, this at parse time, so a reference to a
// group re does not have is an error even if nothing ever matches.
func ParseReplacement(s string, re *regexp.Regexp) (Replacement, error) {
	var out []piece
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, piece{lit: lit.String(), group: -1})
			lit.Reset()
		}
	}
	groups := re.NumSubexp()
	for i := 0; i < len(s); {
		switch s[i] {
		case '\\':
			i++
			if i == len(s) {
				return Replacement{}, errors.New("character to be escaped is missing")
			}
			_, size := utf8.DecodeRuneInString(s[i:])
			lit.WriteString(s[i : i+size])
			i += size
		case '$':
			i++
			if i == len(s) {
				return Replacement{}, errors.New("Illegal group reference: group index is missing")
			}
			var ref int
			if s[i] == '{' {
				i++
				start := i
				for i < len(s) && isASCIIAlnum(s[i]) {
					i++
				}
				if i == start {
					return Replacement{}, errors.New("named capturing group has 0 length name")
				}
				if i == len(s) || s[i] != '}' {
					return Replacement{}, errors.New("named capturing group is missing trailing '}'")
				}
				name := s[start:i]
				i++
				ref = re.SubexpIndex(name)
				if ref < 0 {
					return Replacement{}, fmt.Errorf("No group with name {%s}", name)
				}
			} else {
				if s[i] < '0' || s[i] > '9' {
					return Replacement{}, errors.New("Illegal group reference")
				}
				ref = int(s[i] - '0')
				i++
				for i < len(s) && s[i] >= '0' && s[i] <= '9' {
					next := ref*10 + int(s[i]-'0')
					if next > groups {
						break
					}
					ref = next
					i++
				}
				if ref > groups {
					return Replacement{}, fmt.Errorf("No group %d", ref)
				}
			}
			flush()
			out = append(out, piece{group: ref})
		default:
			lit.WriteByte(s[i])
			i++
		}
	}
	flush()
	return Replacement{pieces: out}, nil
}

func isASCIIAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// appendTo appends the replacement for one match, whose submatch indexes
// in src are match. A group that did not take part in the match adds
// nothing, as in Java.
func (rp Replacement) appendTo(dst []byte, src string, match []int) []byte {
	for _, p := range rp.pieces {
		if p.group < 0 {
			dst = append(dst, p.lit...)
			continue
		}
		if s, e := match[2*p.group], match[2*p.group+1]; s >= 0 {
			dst = append(dst, src[s:e]...)
		}
	}
	return dst
}

// ReplaceFirst is Java's Matcher.replaceFirst: src with its first match
// of re (leftmost-first, as Matcher.find) replaced by rp, or src itself
// when re does not match. rp must have been parsed for re.
func (rp Replacement) ReplaceFirst(re *regexp.Regexp, src string) string {
	m := re.FindStringSubmatchIndex(src)
	if m == nil {
		return src
	}
	buf := make([]byte, 0, len(src)+16)
	buf = append(buf, src[:m[0]]...)
	buf = rp.appendTo(buf, src, m)
	buf = append(buf, src[m[1]:]...)
	return string(buf)
}

// ReplaceAll is Java's Matcher.replaceAll: src with every match of re
// (leftmost-first, non-overlapping, as Matcher.find walks them) replaced by
// rp, or src itself when re does not match. rp must have been parsed for
// re.
func (rp Replacement) ReplaceAll(re *regexp.Regexp, src string) string {
	ms := re.FindAllStringSubmatchIndex(src, -1)
	if ms == nil {
		return src
	}
	buf := make([]byte, 0, len(src)+16)
	last := 0
	for _, m := range ms {
		buf = append(buf, src[last:m[0]]...)
		buf = rp.appendTo(buf, src, m)
		last = m[1]
	}
	buf = append(buf, src[last:]...)
	return string(buf)
}
