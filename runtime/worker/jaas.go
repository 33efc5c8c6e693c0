package worker

import (
	"errors"
	"fmt"
	"strings"
)

// jaasEntry is the one login module of a client's sasl.jaas.config.
type jaasEntry struct {
	module  string
	flag    string
	options map[string]string
}

// parseJAAS reads a sasl.jaas.config value as Kafka's JaasConfig does with
// Java's StreamTokenizer: `<module class> <flag> (<key>=<value>)* ;`, values
// bare words or quoted ("…" or '…', with Java's backslash escapes), // and
// /* */ comments, and exactly one login module, as a client has. The value
// holds a password: errors say where and what is wrong, never what was
// read.
func parseJAAS(s string) (jaasEntry, error) {
	lx := jaasLexer{s: s}
	var entries []jaasEntry
	for {
		tok, err := lx.next()
		if err != nil {
			return jaasEntry{}, err
		}
		if tok.kind == jaasEOF {
			break
		}
		e, err := lx.entry(tok)
		if err != nil {
			return jaasEntry{}, err
		}
		entries = append(entries, e)
	}
	if len(entries) != 1 {
		return jaasEntry{}, fmt.Errorf("has %d login modules, want 1", len(entries))
	}
	return entries[0], nil
}

type jaasKind int

const (
	jaasEOF jaasKind = iota
	jaasWord
	jaasQuoted
	jaasPunct // = or ; or any other single character
)

type jaasToken struct {
	kind jaasKind
	text string // the word or unquoted value; the character for jaasPunct
	at   int    // byte offset, for errors
}

type jaasLexer struct {
	s string
	i int
}

// entry reads one login module whose class is tok.
func (lx *jaasLexer) entry(tok jaasToken) (jaasEntry, error) {
	if tok.kind != jaasWord {
		return jaasEntry{}, fmt.Errorf("at offset %d: want a login module class name", tok.at)
	}
	e := jaasEntry{module: tok.text, options: map[string]string{}}
	flag, err := lx.next()
	if err != nil {
		return jaasEntry{}, err
	}
	if flag.kind != jaasWord {
		return jaasEntry{}, fmt.Errorf("at offset %d: want a control flag (required, requisite, sufficient or optional) after the login module", flag.at)
	}
	switch f := strings.ToLower(flag.text); f {
	case "required", "requisite", "sufficient", "optional":
		e.flag = f
	default:
		return jaasEntry{}, fmt.Errorf("at offset %d: the control flag must be required, requisite, sufficient or optional", flag.at)
	}
	for {
		key, err := lx.next()
		if err != nil {
			return jaasEntry{}, err
		}
		switch {
		case key.kind == jaasPunct && key.text == ";":
			return e, nil
		case key.kind == jaasEOF:
			return jaasEntry{}, errors.New("the login module is not terminated by ';'")
		case key.kind != jaasWord:
			return jaasEntry{}, fmt.Errorf("at offset %d: want an option name or ';'", key.at)
		}
		eq, err := lx.next()
		if err != nil {
			return jaasEntry{}, err
		}
		if eq.kind != jaasPunct || eq.text != "=" {
			return jaasEntry{}, fmt.Errorf("at offset %d: want '=' after an option name", eq.at)
		}
		val, err := lx.next()
		if err != nil {
			return jaasEntry{}, err
		}
		if val.kind != jaasWord && val.kind != jaasQuoted {
			return jaasEntry{}, fmt.Errorf("at offset %d: want an option value after '='", val.at)
		}
		e.options[key.text] = val.text
	}
}

// jaasWordChar: StreamTokenizer's default word characters (and every
// byte of a UTF-8 sequence), digits, '.'
// and '-' (numbers in Java, which reads them as words when they start one)
// and those JaasConfig adds ('-', '_', '$').
func jaasWordChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '-' || c == '_' || c == '$' || c >= 128
}

func (lx *jaasLexer) next() (jaasToken, error) {
	for lx.i < len(lx.s) {
		c := lx.s[lx.i]
		switch {
		case c <= ' ':
			lx.i++
			continue
		case c == '/' && strings.HasPrefix(lx.s[lx.i:], "/*"):
			end := strings.Index(lx.s[lx.i+2:], "*/")
			if end < 0 {
				return jaasToken{}, fmt.Errorf("at offset %d: unterminated /* comment", lx.i)
			}
			lx.i += 2 + end + 2
			continue
		case c == '/': // "//", and a lone '/', which StreamTokenizer's default syntax also reads as a comment
			end := strings.IndexAny(lx.s[lx.i:], "\r\n")
			if end < 0 {
				lx.i = len(lx.s)
			} else {
				lx.i += end
			}
			continue
		case c == '"' || c == '\'':
			return lx.quoted(c)
		case jaasWordChar(c):
			start := lx.i
			for lx.i < len(lx.s) && jaasWordChar(lx.s[lx.i]) {
				lx.i++
			}
			return jaasToken{kind: jaasWord, text: lx.s[start:lx.i], at: start}, nil
		default:
			lx.i++
			return jaasToken{kind: jaasPunct, text: string(c), at: lx.i - 1}, nil
		}
	}
	return jaasToken{kind: jaasEOF, at: lx.i}, nil
}

// quoted reads a quoted value with StreamTokenizer's escapes: \a \b \f \n
// \r \t \v, octal \0 to \377, and a backslash before any other character
// stands for that character.
func (lx *jaasLexer) quoted(q byte) (jaasToken, error) {
	start := lx.i
	lx.i++
	var b strings.Builder
	for lx.i < len(lx.s) {
		c := lx.s[lx.i]
		switch {
		case c == q:
			lx.i++
			return jaasToken{kind: jaasQuoted, text: b.String(), at: start}, nil
		case c == '\n' || c == '\r':
			return jaasToken{}, fmt.Errorf("at offset %d: quoted value not closed before the end of the line", start)
		case c != '\\':
			b.WriteByte(c)
			lx.i++
			continue
		}
		lx.i++ // the backslash
		if lx.i >= len(lx.s) {
			break
		}
		c = lx.s[lx.i]
		lx.i++
		switch c {
		case 'a':
			b.WriteByte(7)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			n := int(c - '0')
			digits := 2 // at most three in all, as in Java: \377 is the largest
			if c > '3' {
				digits = 1
			}
			for ; digits > 0 && lx.i < len(lx.s) && lx.s[lx.i] >= '0' && lx.s[lx.i] <= '7'; digits-- {
				n = n*8 + int(lx.s[lx.i]-'0')
				lx.i++
			}
			b.WriteRune(rune(n))
		default:
			b.WriteByte(c)
		}
	}
	return jaasToken{}, fmt.Errorf("at offset %d: quoted value not closed", start)
}
