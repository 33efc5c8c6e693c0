package cli

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/magiconair/properties"
)

// Properties files are read as Kafka reads them (Utils.loadProps, which is
// java.util.Properties.load on the file's bytes): ISO-8859-1, with
// \uXXXX escapes (surrogate pairs included) for everything else, Java's
// escapes, separators, comments and continuation lines. ${...} is left as written, for
// configuration providers to resolve; a property file has no expansion of
// its own in Kafka.

// propsFile is a properties file as read: its keys in file order and
// their values.
type propsFile struct {
	path   string
	keys   []string
	values map[string]string
	// utf8Line is the first line holding a multi-byte UTF-8 sequence,
	// which ISO-8859-1 reads as several characters, or 0.
	utf8Line int
}

// readProperties reads the properties file at path.
func readProperties(path string) (*propsFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseProperties(path, data)
}

// parseProperties parses data, the content of the file at path; errors
// name the file and line.
func parseProperties(path string, data []byte) (*propsFile, error) {
	joined, lines := joinContinuations(data)
	// The bytes are characters of ISO-8859-1, as Java reads them; made
	// UTF-8 here so that an escaped surrogate pair can become its one
	// character, as it does in a Java string, where the parser would make
	// each half U+FFFD.
	text := joinSurrogates(latin1(joined))
	l := properties.Loader{Encoding: properties.UTF8, DisableExpansion: true}
	p, err := l.LoadBytes([]byte(text))
	if err != nil {
		return nil, propertiesError(path, err, lines)
	}
	f := &propsFile{path: path, keys: p.Keys(), values: p.Map(), utf8Line: firstUTF8Line(data)}
	return f, nil
}

// joinContinuations joins each logical line of a properties file into one
// physical line, as java.util.Properties' LineReader does before parsing:
// a line that ends in an odd number of backslashes goes on with the next
// line, without that line's leading white space; a comment line never goes
// on. magiconair/properties reads continued values but not continued keys
// and fails on a continuation at the end of the file, which Java reads as
// the end of the value. lines[i] is the line of the file where joined line
// i+1 starts, for error messages.
func joinContinuations(data []byte) (joined []byte, lines []int) {
	text := strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n")
	physical := strings.Split(text, "\n")
	if physical[len(physical)-1] == "" {
		physical = physical[:len(physical)-1]
	}
	var b bytes.Buffer
	for i := 0; i < len(physical); i++ {
		lines = append(lines, i+1)
		line := strings.TrimLeft(physical[i], " \t\f")
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "!") {
			b.WriteString(line)
			b.WriteByte('\n')
			continue
		}
		for continues(line) {
			line = line[:len(line)-1]
			if i+1 >= len(physical) {
				break
			}
			i++
			line += strings.TrimLeft(physical[i], " \t\f")
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.Bytes(), lines
}

// latin1 returns data read as ISO-8859-1: each byte one character.
func latin1(data []byte) string {
	var b strings.Builder
	b.Grow(len(data))
	for _, c := range data {
		b.WriteRune(rune(c))
	}
	return b.String()
}

// joinSurrogates replaces each escaped UTF-16 surrogate pair
// (\uD83D\uDE00) by the character it encodes, leaving escaped backslashes
// and everything else as they are.
func joinSurrogates(s string) string {
	if !strings.Contains(s, `\u`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			i++
			continue
		}
		n := 0 // the backslashes in a row from i
		for i+n < len(s) && s[i+n] == '\\' {
			n++
		}
		b.WriteString(s[i : i+n-n%2]) // escaped backslashes stay as written
		i += n - n%2
		if n%2 == 0 {
			continue
		}
		hi, okHi := hexEscape(s, i)
		lo, okLo := hexEscape(s, i+6)
		if okHi && okLo && utf16.IsSurrogate(rune(hi)) && hi < 0xDC00 && lo >= 0xDC00 && lo <= 0xDFFF {
			b.WriteRune(utf16.DecodeRune(rune(hi), rune(lo)))
			i += 12
			continue
		}
		b.WriteByte('\\')
		i++
	}
	return b.String()
}

// hexEscape reads the escape \uXXXX at s[i:].
func hexEscape(s string, i int) (uint16, bool) {
	if i+6 > len(s) || s[i] != '\\' || s[i+1] != 'u' {
		return 0, false
	}
	v, err := strconv.ParseUint(s[i+2:i+6], 16, 16)
	return uint16(v), err == nil
}

// continues reports whether line ends in an odd number of backslashes.
func continues(line string) bool {
	n := 0
	for n < len(line) && line[len(line)-1-n] == '\\' {
		n++
	}
	return n%2 == 1
}

var lineError = regexp.MustCompile(`^properties: Line (\d+): (.*)$`)

// propertiesError rewrites a parse error of magiconair/properties, which
// counts joined lines, as "<path>:<line>: ..." with the file's line.
func propertiesError(path string, err error, lines []int) error {
	m := lineError.FindStringSubmatch(err.Error())
	if m == nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	n, _ := strconv.Atoi(m[1])
	if n >= 1 && n <= len(lines) {
		n = lines[n-1]
	}
	msg := m[2]
	if strings.HasPrefix(msg, `"`) { // the token the parser did not expect
		msg = "a line with no key before its separator"
	}
	return fmt.Errorf("%s:%d: not a valid properties line: %s", path, n, msg)
}

// firstUTF8Line returns the first line of data, not a comment, holding a
// multi-byte UTF-8 sequence, or 0. Comments are skipped: what they hold is
// read by nobody.
func firstUTF8Line(data []byte) int {
	for i, line := range bytes.Split(data, []byte("\n")) {
		t := bytes.TrimLeft(line, " \t\f")
		if len(t) > 0 && (t[0] == '#' || t[0] == '!') {
			continue
		}
		for j := 0; j < len(line); j++ {
			if line[j] < utf8.RuneSelf {
				continue
			}
			if r, size := utf8.DecodeRune(line[j:]); r != utf8.RuneError && size > 1 {
				return i + 1
			}
		}
	}
	return 0
}
