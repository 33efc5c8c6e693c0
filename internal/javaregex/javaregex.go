// Package javaregex runs Java (java.util.regex.Pattern) regular
// expressions, as Kafka Connect configurations hold them (RegexRouter's
// regex, TopicNameMatches' pattern, topics.regex,
// topic.creation.<group>.include and exclude), with Go's RE2, and Java's
// Matcher replacement strings.
//
// Most Java syntax means the same in RE2 and is used as is; a few
// Java-only escapes are translated (\uXXXX, \0oct, \cX, \e, \h, \H, \v,
// \V, \s and \S with \x0B, \Z, POSIX \p{Alpha}-style classes, \p{IsX},
// \Q...\E inside classes). Constructs RE2 lacks (lookaround,
// backreferences, atomic groups, possessive quantifiers, nested character
// classes and && intersections, \G, \R, \X, the x, d, u, c and U flags)
// are errors rather than read with a different meaning. One difference is
// accepted: \Z is read as \z, which differs only on input that ends with
// a line terminator (topic names hold none).
//
// Java's Pattern.matches and Matcher.matches ask whether the whole input
// matches; Matcher.find searches for a match anywhere. Compile gives the
// second, CompileWhole the first.
package javaregex

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Compile compiles a Java regular expression for searching: the result's
// Find and Match methods are Matcher.find, leftmost-first as in Java. The
// error says which Java construct RE2 cannot run, or why RE2 rejects the
// translation.
func Compile(expr string) (*regexp.Regexp, error) {
	translated, err := translate(expr)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(translated)
	if err != nil {
		return nil, fmt.Errorf("not a regular expression Go's RE2 supports: %v", err)
	}
	return re, nil
}

// CompileWhole compiles a Java regular expression anchored at both ends,
// so that MatchString is Java's Matcher.matches (and String.matches): the
// whole input must match. It fails exactly when Compile does, with the
// same error.
func CompileWhole(expr string) (*regexp.Regexp, error) {
	re, err := Compile(expr)
	if err != nil {
		return nil, err
	}
	return regexp.MustCompile(`\A(?:` + re.String() + `)\z`), nil // cannot fail if re compiled
}

// translate rewrites a Java regular expression into RE2 syntax, or says
// which Java construct RE2 cannot run with Java's meaning. The result is
// not compiled: RE2 may still reject it.
func translate(expr string) (string, error) {
	var b strings.Builder
	inClass := false // inside [...]
	classStart := false
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '\\':
			if i+1 >= len(expr) {
				return "", errors.New("unexpected end of pattern after \\")
			}
			n, err := translateEscape(&b, expr, i, inClass)
			if err != nil {
				return "", err
			}
			i += n
			classStart = false
			continue
		case inClass && c == '[':
			return "", errors.New("nested character classes (union) are not supported")
		case inClass && c == '&' && i+1 < len(expr) && expr[i+1] == '&':
			return "", errors.New("character class intersection (&&) is not supported")
		case inClass && c == ']' && !classStart:
			inClass = false
		case !inClass && c == '[':
			inClass, classStart = true, true
			b.WriteByte(c)
			i++
			if i < len(expr) && expr[i] == '^' {
				b.WriteByte('^')
				i++
			}
			continue
		case !inClass && c == '(' && i+1 < len(expr) && expr[i+1] == '?':
			if err := checkGroup(expr[i+2:]); err != nil {
				return "", err
			}
		case !inClass && (c == '*' || c == '+' || c == '?' || c == '}') && i+1 < len(expr) && expr[i+1] == '+':
			return "", errors.New("possessive quantifiers are not supported")
		}
		classStart = false
		b.WriteByte(c)
		i++
	}
	return b.String(), nil
}

// checkGroup checks what follows "(?".
func checkGroup(rest string) error {
	switch {
	case strings.HasPrefix(rest, "="), strings.HasPrefix(rest, "!"),
		strings.HasPrefix(rest, "<="), strings.HasPrefix(rest, "<!"):
		return errors.New("lookaround assertions are not supported")
	case strings.HasPrefix(rest, ">"):
		return errors.New("atomic groups are not supported")
	case strings.HasPrefix(rest, "<"), strings.HasPrefix(rest, ":"):
		return nil
	}
	for _, r := range rest {
		switch r {
		case ')', ':':
			return nil
		case 'i', 'm', 's', '-':
		case 'U':
			return errors.New("flag U (UNICODE_CHARACTER_CLASS) is not supported")
		default:
			return fmt.Errorf("flag %c is not supported", r)
		}
	}
	return nil
}

// posixClasses maps Java's \p{Name} POSIX classes (US-ASCII only) to RE2's
// [:name:].
var posixClasses = map[string]string{
	"Lower": "lower", "Upper": "upper", "ASCII": "ascii", "Alpha": "alpha", "Digit": "digit",
	"Alnum": "alnum", "Punct": "punct", "Graph": "graph", "Print": "print", "Blank": "blank",
	"Cntrl": "cntrl", "XDigit": "xdigit", "Space": "space",
}

const (
	javaSpace           = `\t\n\x0B\f\r `
	javaHorizontalSpace = ` \t\x{A0}\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}`
	javaVerticalSpace   = `\n\x0B\f\r\x{85}\x{2028}\x{2029}`
)

// translateEscape writes the translation of the escape at p[i] ('\\') and
// returns how many bytes of p it used.
func translateEscape(b *strings.Builder, p string, i int, inClass bool) (int, error) {
	c := p[i+1]
	class := func(body string) {
		if inClass {
			b.WriteString(body)
		} else {
			b.WriteString("[" + body + "]")
		}
	}
	switch {
	case c == 'Q':
		end := strings.Index(p[i+2:], `\E`)
		lit := p[i+2:]
		n := len(p) - i
		if end >= 0 {
			lit = p[i+2 : i+2+end]
			n = end + 4
		}
		if inClass {
			for _, r := range lit {
				fmt.Fprintf(b, `\x{%X}`, r)
			}
		} else {
			b.WriteString(regexp.QuoteMeta(lit))
		}
		return n, nil
	case c >= '1' && c <= '9', c == 'k':
		return 0, errors.New("backreferences are not supported")
	case c == 'G', c == 'R', c == 'X', c == 'b' && i+2 < len(p) && p[i+2] == '{':
		return 0, fmt.Errorf(`\%c is not supported`, c)
	case c == 'Z':
		b.WriteString(`\z`) // see the package doc
		return 2, nil
	case c == 'h' || c == 'H':
		if c == 'H' {
			if inClass {
				return 0, errors.New(`\H inside a character class is not supported`)
			}
			b.WriteString("[^" + javaHorizontalSpace + "]")
			return 2, nil
		}
		class(javaHorizontalSpace)
		return 2, nil
	case c == 'v' || c == 'V':
		if c == 'V' {
			if inClass {
				return 0, errors.New(`\V inside a character class is not supported`)
			}
			b.WriteString("[^" + javaVerticalSpace + "]")
			return 2, nil
		}
		class(javaVerticalSpace)
		return 2, nil
	case c == 'e':
		b.WriteString(`\x1B`)
		return 2, nil
	case c == 's':
		class(javaSpace) // Java's \s includes \x0B, RE2's does not
		return 2, nil
	case c == 'S' && !inClass:
		b.WriteString("[^" + javaSpace + "]")
		return 2, nil
	case c == 'u':
		if i+6 > len(p) {
			return 0, errors.New(`illegal Unicode escape sequence`)
		}
		n, err := strconv.ParseUint(p[i+2:i+6], 16, 32)
		if err != nil {
			return 0, errors.New(`illegal Unicode escape sequence`)
		}
		fmt.Fprintf(b, `\x{%X}`, n)
		return 6, nil
	case c == '0':
		j, n := i+2, 0
		for k := 0; k < 3 && j < len(p) && p[j] >= '0' && p[j] <= '7'; k++ {
			if k == 2 && p[i+2] > '3' { // \0mnn needs m <= 3
				break
			}
			n = n*8 + int(p[j]-'0')
			j++
		}
		if j == i+2 {
			return 0, errors.New("illegal octal escape sequence")
		}
		fmt.Fprintf(b, `\x{%X}`, n)
		return j - i, nil
	case c == 'c':
		if i+2 >= len(p) {
			return 0, errors.New("illegal control escape sequence")
		}
		fmt.Fprintf(b, `\x{%X}`, p[i+2]^64)
		return 3, nil
	case c == 'p' || c == 'P':
		if i+2 < len(p) && p[i+2] == '{' {
			end := strings.IndexByte(p[i+3:], '}')
			if end < 0 {
				return 0, errors.New("unclosed character family")
			}
			name := p[i+3 : i+3+end]
			n := end + 4
			if posix, ok := posixClasses[name]; ok {
				neg := ""
				if c == 'P' {
					neg = "^"
				}
				if inClass {
					b.WriteString("[:" + neg + posix + ":]")
				} else {
					b.WriteString("[[:" + neg + posix + ":]]")
				}
				return n, nil
			}
			if strings.HasPrefix(name, "java") {
				return 0, fmt.Errorf(`\%c{%s} is not supported`, c, name)
			}
			if strings.HasPrefix(name, "In") {
				return 0, fmt.Errorf(`Unicode blocks (\%c{%s}) are not supported`, c, name)
			}
			name = strings.TrimPrefix(name, "Is")
			name = strings.TrimPrefix(name, "general_category=")
			name = strings.TrimPrefix(name, "gc=")
			name = strings.TrimPrefix(name, "script=")
			name = strings.TrimPrefix(name, "sc=")
			b.WriteString(`\` + string(c) + "{" + name + "}")
			return n, nil
		}
	}
	// Everything else (\d \w \s \b \B \A \z \t \n \x.. \. and friends) means
	// the same in RE2; an escaped non-ASCII character is copied whole.
	_, size := utf8.DecodeRuneInString(p[i+1:])
	b.WriteString(p[i : i+1+size])
	return 1 + size, nil
}
