package spooldir

import (
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// javaCodePage is Java's alias of a Windows code page ("Cp1252").
var javaCodePage = regexp.MustCompile(`(?i)^cp(125[0-8])$`)

// lookupCharset returns the decoder of a Java charset name (as
// Charset.forName takes it: its IANA name or one of Java's aliases), nil
// for UTF-8, whose text is read as it is. "UTF-16" takes a byte order
// mark for its byte order and is big-endian without one, as in Java;
// "UTF-16LE" and "UTF-16BE" decode a byte order mark as U+FEFF, which the
// connectors skip at the start of a file as they do in UTF-8.
func lookupCharset(name string) (encoding.Encoding, error) {
	n := strings.ReplaceAll(strings.TrimSpace(name), "_", "-")
	switch strings.ToUpper(n) {
	case "UTF-8", "UTF8", "":
		return nil, nil
	case "UTF-16", "UTF16", "UNICODE", "UNICODEBIG":
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM), nil
	case "UTF-16LE", "UTF16LE", "X-UTF-16LE", "UNICODELITTLEUNMARKED":
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), nil
	case "UTF-16BE", "UTF16BE", "X-UTF-16BE", "UNICODEBIGUNMARKED":
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), nil
	case "ISO8859-1", "8859-1", "L1", "CP819":
		n = "ISO-8859-1"
	}
	if m := javaCodePage.FindStringSubmatch(n); m != nil {
		n = "windows-" + m[1]
	}
	e, err := ianaindex.IANA.Encoding(n)
	if err != nil || e == nil {
		return nil, fmt.Errorf("charset %q is not supported", name)
	}
	return e, nil
}

// jsonCharset returns the charset Jackson finds for JSON whose content
// starts with head (its first four bytes): a UTF-32 or UTF-16 byte order
// mark, or the zero bytes that ASCII characters have in UTF-32 and UTF-16
// (JSON starts with one); nil for UTF-8, and for the UCS-4 byte orders
// Jackson refuses, which then read as UTF-8 and fail to parse.
func jsonCharset(head []byte) encoding.Encoding {
	var quad uint32
	for i, b := range head[:min(len(head), 4)] {
		quad |= uint32(b) << (24 - 8*i)
	}
	switch {
	case len(head) >= 4 && (quad == 0x0000FEFF || quad>>8 == 0):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM)
	case len(head) >= 4 && (quad == 0xFFFE0000 || quad&0x00FFFFFF == 0):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM)
	case len(head) >= 4 && (quad == 0x0000FFFE || quad == 0xFEFF0000 || quad&^0x00FF0000 == 0 || quad&^0x0000FF00 == 0):
		return nil
	case len(head) >= 2 && (quad>>16 == 0xFEFF || quad>>16&0xFF00 == 0):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	case len(head) >= 2 && (quad>>16 == 0xFFFE || quad>>16&0x00FF == 0):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	}
	return nil
}

// openJSON opens a JSON file as openText does, in the charset Jackson
// would find for it (jsonCharset); its byte order mark is skipped.
func openJSON(path string, pos int64, bufSize int) (*input, error) {
	in, err := openInput(path, 0, 4096)
	if err != nil {
		return nil, err
	}
	head, _ := in.Peek(4)
	cs := jsonCharset(head)
	in.Close()
	return openText(path, pos, bufSize, cs)
}
