package file

import "unicode/utf8"

// javaUTF8 returns line, which is not valid UTF-8, as Java's UTF-8 decoder
// (which Kafka's InputStreamReader uses) reads it: every malformed sequence
// becomes one U+FFFD, with the JDK's grouping of bytes into sequences. Each
// line is decoded on its own, which gives the same result as decoding the
// stream: a line terminator is never part of a multi-byte sequence, and
// the JDK ends a malformed sequence at any byte that is not a continuation
// byte.
//
// The JDK's grouping, for a lead byte b1:
//   - C2..DF takes one continuation byte; without it, b1 alone is malformed.
//   - E0..EF takes two. If the second byte is not a continuation (or, after
//     E0, is below A0, an overlong form), b1 alone is malformed; if the third
//     is not, b1 and the second byte are. A complete sequence that encodes a
//     surrogate (ED A0..BF ..) is one malformed sequence of three bytes.
//   - F0..F4 takes three. b1 alone is malformed when the second byte is out
//     of range for it (F0: 90..BF, F4: 80..8F, others: 80..BF); b1 and the
//     second byte when the third is not a continuation; the first three when
//     the fourth is not.
//   - Any other byte (a stray continuation, C0, C1, F5..FF) is malformed
//     alone.
//   - A sequence cut short by the end of the line is one malformed sequence,
//     whatever its length.
func javaUTF8(line string) string {
	out := make([]byte, 0, len(line)+8)
	n := len(line)
	for i := 0; i < n; {
		if c := line[i]; c < utf8.RuneSelf {
			out = append(out, c)
			i++
			continue
		}
		size, ok := javaSequence(line[i:])
		if ok {
			out = append(out, line[i:i+size]...)
		} else {
			out = append(out, "\uFFFD"...)
		}
		i += size
	}
	return string(out)
}

func isCont(b byte) bool { return b&0xC0 == 0x80 }

// javaSequence returns the length of the sequence starting at s[0] (a byte
// >= 0x80) and whether it is a valid character; when it is not, the length
// is how many bytes the one U+FFFD replaces.
func javaSequence(s string) (int, bool) {
	b1 := s[0]
	switch {
	case b1 >= 0xC2 && b1 <= 0xDF:
		if len(s) < 2 || !isCont(s[1]) {
			return 1, false
		}
		return 2, true

	case b1 >= 0xE0 && b1 <= 0xEF:
		if len(s) >= 2 && (!isCont(s[1]) || b1 == 0xE0 && s[1] < 0xA0) {
			return 1, false
		}
		if len(s) < 3 {
			return len(s), false // cut short: one sequence
		}
		if !isCont(s[2]) {
			return 2, false
		}
		if b1 == 0xED && s[1] >= 0xA0 {
			return 3, false // a surrogate
		}
		return 3, true

	case b1 >= 0xF0 && b1 <= 0xF4:
		if len(s) >= 2 && !fourByteSecond(b1, s[1]) {
			return 1, false
		}
		if len(s) >= 3 && !isCont(s[2]) {
			return 2, false
		}
		if len(s) < 4 {
			return len(s), false // cut short: one sequence
		}
		if !isCont(s[3]) {
			return 3, false
		}
		return 4, true
	}
	return 1, false
}

// fourByteSecond reports whether b2 may follow the lead byte b1 (F0..F4).
func fourByteSecond(b1, b2 byte) bool {
	switch b1 {
	case 0xF0:
		return b2 >= 0x90 && b2 <= 0xBF
	case 0xF4:
		return b2 >= 0x80 && b2 <= 0x8F
	}
	return isCont(b2)
}
