package spooldir

import (
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
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
