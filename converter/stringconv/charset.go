package stringconv

import (
	"unicode/utf8"
)

const replacement = "\uFFFD"

// DecodeUTF8 returns data as Java's new String(data, UTF_8) reads it: valid
// UTF-8 as is, and each malformed sequence replaced by U+FFFD, grouped as
// the JDK groups them (which is not quite Unicode's "maximal subpart"
// practice: an encoded surrogate such as ED A0 80 is one replacement).
// The result never aliases data.
func DecodeUTF8(data []byte) string {
	if utf8.Valid(data) {
		return string(data)
	}
	out := make([]byte, 0, len(data)+8)
	n := len(data)
	cont := func(b byte) bool { return b&0xc0 == 0x80 }
	for i := 0; i < n; {
		b1 := data[i]
		switch {
		case b1 < 0x80:
			out = append(out, b1)
			i++
		case b1 >= 0xc2 && b1 <= 0xdf: // two bytes
			if i+1 < n {
				if !cont(data[i+1]) {
					out = append(out, replacement...)
					i++
					continue
				}
				out = append(out, data[i:i+2]...)
				i += 2
				continue
			}
			out = append(out, replacement...)
			i = n
		case b1>>4 == 0xe: // three bytes
			if i+2 < n {
				b2, b3 := data[i+1], data[i+2]
				if b1 == 0xe0 && b2&0xe0 == 0x80 || !cont(b2) || !cont(b3) {
					out = append(out, replacement...)
					if b1 == 0xe0 && b2&0xe0 == 0x80 || !cont(b2) {
						i++
					} else {
						i += 2
					}
					continue
				}
				if b1 == 0xed && b2 >= 0xa0 { // a surrogate
					out = append(out, replacement...)
				} else {
					out = append(out, data[i:i+3]...)
				}
				i += 3
				continue
			}
			if i+1 < n && (b1 == 0xe0 && data[i+1]&0xe0 == 0x80 || !cont(data[i+1])) {
				out = append(out, replacement...)
				i++
				continue
			}
			out = append(out, replacement...)
			i = n
		case b1>>3 == 0x1e: // four bytes, F0 to F7
			if i+3 < n {
				b2, b3, b4 := data[i+1], data[i+2], data[i+3]
				cp := rune(b1&0x07)<<18 | rune(b2&0x3f)<<12 | rune(b3&0x3f)<<6 | rune(b4&0x3f)
				if !cont(b2) || !cont(b3) || !cont(b4) || cp < 0x10000 || cp > 0x10ffff {
					out = append(out, replacement...)
					i += malformed4(b1, b2, b3)
					continue
				}
				out = append(out, data[i:i+4]...)
				i += 4
				continue
			}
			if b1 > 0xf4 || i+1 < n && malformed4Second(b1, data[i+1]) {
				out = append(out, replacement...)
				i++
				continue
			}
			out = append(out, replacement...)
			i += 2
			if i < n && !cont(data[i]) {
				continue
			}
			i = n
		default:
			out = append(out, replacement...)
			i++
		}
	}
	return string(out)
}

// malformed4Second reports whether b2 cannot follow the lead byte b1 of a
// four-byte sequence.
func malformed4Second(b1, b2 byte) bool {
	return b1 == 0xf0 && (b2 < 0x90 || b2 > 0xbf) || b1 == 0xf4 && b2&0xf0 != 0x80 || b2&0xc0 != 0x80
}

// malformed4 returns how many bytes of a malformed four-byte sequence one
// replacement character stands for.
func malformed4(b1, b2, b3 byte) int {
	if b1 > 0xf4 || malformed4Second(b1, b2) {
		return 1
	}
	if b3&0xc0 != 0x80 {
		return 2
	}
	return 3
}

// decode returns data as a string decoded from enc, as Java decodes it.
func decode(data []byte, enc Encoding) string {
	switch enc {
	case ISO88591:
		ascii := true
		for _, b := range data {
			if b >= 0x80 {
				ascii = false
				break
			}
		}
		if ascii {
			return string(data)
		}
		out := make([]byte, 0, len(data)*2)
		for _, b := range data {
			out = utf8.AppendRune(out, rune(b))
		}
		return string(out)
	case USASCII:
		out := make([]byte, 0, len(data))
		for _, b := range data {
			if b >= 0x80 {
				out = append(out, replacement...)
			} else {
				out = append(out, b)
			}
		}
		return string(out)
	}
	return DecodeUTF8(data)
}

// encode appends s encoded in enc, writing '?' for each character enc
// cannot represent, as Java's String.getBytes does. UTF-8 is written as is:
// a Go string that is not valid UTF-8 keeps its bytes.
func encode(dst []byte, s string, enc Encoding) []byte {
	if dst == nil {
		dst = make([]byte, 0, len(s))
	}
	if enc == UTF8 {
		return append(dst, s...)
	}
	limit := rune(0xff)
	if enc == USASCII {
		limit = 0x7f
	}
	for _, r := range s {
		if r > limit || r == utf8.RuneError {
			dst = append(dst, '?')
		} else {
			dst = append(dst, byte(r))
		}
	}
	return dst
}
