package transform

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/javatime"
)

// javaRegex is a Java regular expression translated to Go's RE2 syntax:
// full matches (Java's Matcher.matches) and searches (Matcher.find).
type javaRegex struct {
	pattern string         // as configured
	full    *regexp.Regexp // anchored at both ends
	find    *regexp.Regexp // unanchored
}

// compileJavaRegex compiles a Java (java.util.regex.Pattern) regular
// expression. Most Java syntax means the same in Go's RE2 and is used as
// is; a few Java-only escapes are translated (\uXXXX, \0oct, \cX, \e, \h,
// \v, \s with \x0B, \Z, POSIX \p{Alpha}-style classes, \p{IsX}). Constructs RE2 lacks
// (lookaround, backreferences, atomic groups, possessive quantifiers,
// nested character classes and && intersections, the x, d, u, c and U
// flags) are rejected rather than read with a different meaning.
func compileJavaRegex(pattern string) (*javaRegex, error) {
	expr, err := translateJavaRegex(pattern)
	if err != nil {
		return nil, err
	}
	find, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("not a regular expression Go's RE2 supports: %v", err)
	}
	full := regexp.MustCompile(`\A(?:` + expr + `)\z`) // cannot fail if expr compiles
	return &javaRegex{pattern: pattern, full: full, find: find}, nil
}

// CompileJavaRegex compiles a Java (java.util.regex.Pattern) regular
// expression, as Kafka Connect configs hold them (RegexRouter's regex,
// topics.regex, topic.creation.<group>.include), into a Go regexp anchored
// at both ends, so that MatchString is Java's Matcher.matches: the whole
// string must match. Java syntax RE2 lacks (lookaround, backreferences,
// possessive quantifiers, …) is an error rather than a different meaning.
func CompileJavaRegex(pattern string) (*regexp.Regexp, error) {
	j, err := compileJavaRegex(pattern)
	if err != nil {
		return nil, err
	}
	return j.full, nil
}

// translateJavaRegex rewrites Java regex syntax into RE2 syntax.
func translateJavaRegex(p string) (string, error) {
	var b strings.Builder
	inClass := false // inside [...]
	classStart := false
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\\':
			if i+1 >= len(p) {
				return "", errors.New("unexpected end of pattern after \\")
			}
			n, err := translateEscape(&b, p, i, inClass)
			if err != nil {
				return "", err
			}
			i += n
			classStart = false
			continue
		case inClass && c == '[':
			return "", errors.New("nested character classes (union) are not supported")
		case inClass && c == '&' && i+1 < len(p) && p[i+1] == '&':
			return "", errors.New("character class intersection (&&) is not supported")
		case inClass && c == ']' && !classStart:
			inClass = false
		case !inClass && c == '[':
			inClass, classStart = true, true
			b.WriteByte(c)
			i++
			if i < len(p) && p[i] == '^' {
				b.WriteByte('^')
				i++
			}
			continue
		case !inClass && c == '(' && i+1 < len(p) && p[i+1] == '?':
			if err := checkJavaGroup(p[i+2:]); err != nil {
				return "", err
			}
		case !inClass && (c == '*' || c == '+' || c == '?' || c == '}') && i+1 < len(p) && p[i+1] == '+':
			return "", errors.New("possessive quantifiers are not supported")
		}
		classStart = false
		b.WriteByte(c)
		i++
	}
	return b.String(), nil
}

// checkJavaGroup checks what follows "(?".
func checkJavaGroup(rest string) error {
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
		b.WriteString(`\z`) // topic names hold no line terminators
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

// matches reports whether s matches the whole expression (Matcher.matches).
func (j *javaRegex) matches(s string) bool { return j.full.MatchString(s) }

// javaReplacement is a parsed java.util.regex.Matcher replacement string.
type javaReplacement []replacementPiece

type replacementPiece struct {
	lit   string
	group int // -1 for a literal
}

// parseJavaReplacement parses a Matcher replacement string for re: $n
// refers to group n, taking further digits while the number stays a group
// of re (so with one group "$12" is group 1 then "2"); ${name} refers to a
// named group; a backslash makes the next character literal. The errors
// are the ones Java throws, here at configuration time.
func parseJavaReplacement(s string, re *regexp.Regexp) (javaReplacement, error) {
	var out javaReplacement
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, replacementPiece{lit: lit.String(), group: -1})
			lit.Reset()
		}
	}
	groups := re.NumSubexp()
	for i := 0; i < len(s); {
		switch s[i] {
		case '\\':
			i++
			if i == len(s) {
				return nil, errors.New("character to be escaped is missing")
			}
			_, size := utf8.DecodeRuneInString(s[i:])
			lit.WriteString(s[i : i+size])
			i += size
		case '$':
			i++
			if i == len(s) {
				return nil, errors.New("Illegal group reference: group index is missing")
			}
			var ref int
			if s[i] == '{' {
				i++
				start := i
				for i < len(s) && isASCIIAlnum(s[i]) {
					i++
				}
				if i == start {
					return nil, errors.New("named capturing group has 0 length name")
				}
				if i == len(s) || s[i] != '}' {
					return nil, errors.New("named capturing group is missing trailing '}'")
				}
				name := s[start:i]
				i++
				ref = re.SubexpIndex(name)
				if ref < 0 {
					return nil, fmt.Errorf("No group with name {%s}", name)
				}
			} else {
				if s[i] < '0' || s[i] > '9' {
					return nil, errors.New("Illegal group reference")
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
					return nil, fmt.Errorf("No group %d", ref)
				}
			}
			flush()
			out = append(out, replacementPiece{group: ref})
		default:
			lit.WriteByte(s[i])
			i++
		}
	}
	flush()
	return out, nil
}

func isASCIIAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// expand appends the replacement for a match (submatch indexes m in src).
// A group that did not take part in the match adds nothing, as in Java.
func (rp javaReplacement) expand(dst []byte, src string, m []int) []byte {
	for _, p := range rp {
		if p.group < 0 {
			dst = append(dst, p.lit...)
			continue
		}
		if s, e := m[2*p.group], m[2*p.group+1]; s >= 0 {
			dst = append(dst, src[s:e]...)
		}
	}
	return dst
}

// RegexRouter renames the topic of records whose topic matches a regular
// expression. It is Kafka Connect's
// org.apache.kafka.connect.transforms.RegexRouter: when the whole topic
// matches regex (Matcher.matches), the first match of regex in the topic
// (Matcher.find, which for most patterns is the whole topic) is replaced by
// replacement (Matcher.replaceFirst). Other records pass unchanged.
//
// The regex is Java syntax, translated to Go's RE2; see NewRegexRouter.
// A RegexRouter is safe for concurrent use. It remembers where each topic
// it has seen goes (up to 1024 topics), so routing costs no allocation.
type RegexRouter struct {
	re     *javaRegex
	repl   javaReplacement
	topics topicCache[string] // input topic -> output topic
}

// topicCache is a bounded map from a topic to what a router derived from
// it, safe for concurrent use and lock-free to read (copy-on-write); a
// connector sees few topics, so after the first record of each the work is
// a map lookup. When full it starts over.
type topicCache[V any] struct {
	m  atomic.Pointer[map[string]V]
	mu sync.Mutex
}

const topicCacheSize = 1024

func (c *topicCache[V]) get(topic string) (V, bool) {
	if m := c.m.Load(); m != nil {
		v, ok := (*m)[topic]
		return v, ok
	}
	var zero V
	return zero, false
}

func (c *topicCache[V]) put(topic string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var next map[string]V
	if old := c.m.Load(); old != nil && len(*old) < topicCacheSize {
		next = make(map[string]V, len(*old)+1)
		for k, x := range *old {
			next[k] = x
		}
	} else {
		next = make(map[string]V, 1)
	}
	next[topic] = v
	c.m.Store(&next)
}

// NewRegexRouter returns a RegexRouter. regex is a Java regular expression;
// constructs Go's RE2 cannot run the same way (lookaround, backreferences,
// possessive quantifiers, nested classes, ...) are errors. replacement is a
// Java replacement string: $1 or ${name} insert a group ("$1x" is group 1
// then x), \$ and \\ are literal. A reference to a group the regex does not
// have is an error here (Java fails on each matching record instead).
func NewRegexRouter(regex, replacement string) (*RegexRouter, error) {
	re, err := compileJavaRegex(regex)
	if err != nil {
		return nil, configError(regexRouterRegex, regex, "Invalid regex: "+err.Error())
	}
	repl, err := parseJavaReplacement(replacement, re.find)
	if err != nil {
		return nil, configError(regexRouterReplacement, replacement, err.Error())
	}
	return &RegexRouter{re: re, repl: repl}, nil
}

// configError is a *connect.ConfigError for one key, in Kafka's words.
func configError(key, value, reason string) error {
	return &connect.ConfigError{Errors: []*connect.ConfigKeyError{{Key: key,
		Message: "Invalid value " + value + " for configuration " + key + ": " + reason}}}
}

// Apply renames r's topic if it matches.
func (t *RegexRouter) Apply(r connect.Record) (connect.Record, bool, error) {
	r.Topic = t.routed(r.Topic)
	return r, true, nil
}

// applyTo is Apply for a Chain (see freshApplier): the key and value stay
// as fresh as they were, since only the topic changes.
func (t *RegexRouter) applyTo(r *connect.Record, f fresh) (bool, fresh, error) {
	r.Topic = t.routed(r.Topic)
	return true, f, nil
}

// routed returns the topic that topic routes to, from the cache when it can.
func (t *RegexRouter) routed(topic string) string {
	if routed, ok := t.topics.get(topic); ok {
		return routed
	}
	routed := t.route(topic)
	t.topics.put(topic, routed)
	return routed
}

// route returns the topic that topic routes to.
func (t *RegexRouter) route(topic string) string {
	if !t.re.matches(topic) {
		return topic
	}
	m := t.re.find.FindStringSubmatchIndex(topic)
	if m == nil { // cannot happen: a full match is also a match
		return topic
	}
	buf := make([]byte, 0, len(topic)+16)
	buf = append(buf, topic[:m[0]]...)
	buf = t.repl.expand(buf, topic, m)
	buf = append(buf, topic[m[1]:]...)
	return string(buf)
}

// RegexRouterClass is RegexRouter's Kafka Connect class name.
const RegexRouterClass = "org.apache.kafka.connect.transforms.RegexRouter"

const (
	regexRouterRegex       = "regex"
	regexRouterReplacement = "replacement"
)

// javaRegexValidator checks that a string is a regular expression
// compileJavaRegex accepts.
type javaRegexValidator struct{}

func (javaRegexValidator) Validate(v any) error {
	s, _ := v.(string)
	if _, err := compileJavaRegex(s); err != nil {
		return fmt.Errorf("Invalid regex: %v", err)
	}
	return nil
}

func (javaRegexValidator) String() string { return "valid regex" }

var regexRouterDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: regexRouterRegex, Type: connect.ConfigString, Required: true,
		Validator: javaRegexValidator{}, Importance: connect.High, Doc: "Regular expression to use for matching."}).
	Define(connect.ConfigKey{Name: regexRouterReplacement, Type: connect.ConfigString, Required: true,
		Importance: connect.High, Doc: "Replacement string."})

func regexRouterPlugins() []Plugin {
	return []Plugin{{
		PluginInfo: connect.PluginInfo{Class: RegexRouterClass, Kind: connect.TransformationPlugin,
			Doc: "Update the record topic using the configured regular expression and replacement string. " +
				"If the regular expression matches the whole topic, its first match is replaced as java.util.regex.Matcher#replaceFirst() does.",
			Config: regexRouterDef},
		New: func(config map[string]string) (Transformation, error) {
			cfg, err := regexRouterDef.Parse(config)
			if err != nil {
				return nil, err
			}
			return NewRegexRouter(cfg.String(regexRouterRegex), cfg.String(regexRouterReplacement))
		},
	}}
}

// TimestampRouter renames the topic of each record from a format holding
// the topic and the record's timestamp, such as "${topic}-${timestamp}"
// with the timestamp formatted "yyyyMMdd": a record of topic "logs" at
// 2024-03-05T10:00Z goes to "logs-20240305". It is Kafka Connect's
// org.apache.kafka.connect.transforms.TimestampRouter. The timestamp is
// formatted in UTC with a Java SimpleDateFormat pattern. A record without a
// timestamp is an error.
//
// A TimestampRouter is safe for concurrent use. It remembers, per topic
// (up to 1024), the last formatted timestamp and the topic it gave, so
// that records of the same topic and day cost no allocation.
type TimestampRouter struct {
	topicFormat string
	layout      *javatime.Layout
	last        topicCache[*atomic.Pointer[timestampRoute]]
}

// timestampRoute is a topic a TimestampRouter built for a formatted
// timestamp.
type timestampRoute struct{ ts, topic string }

// The TimestampRouter defaults, as in Kafka.
const (
	DefaultTopicFormat     = "${topic}-${timestamp}"
	DefaultTimestampFormat = "yyyyMMdd"
)

// NewTimestampRouter returns a TimestampRouter. topicFormat may hold
// ${topic} and ${timestamp}; timestampFormat is a SimpleDateFormat pattern
// (see internal/javatime for the letters supported). An empty argument
// takes the default (DefaultTopicFormat, DefaultTimestampFormat). An
// invalid pattern is an error naming timestamp.format.
func NewTimestampRouter(topicFormat, timestampFormat string) (*TimestampRouter, error) {
	if topicFormat == "" {
		topicFormat = DefaultTopicFormat
	}
	if timestampFormat == "" {
		timestampFormat = DefaultTimestampFormat
	}
	layout, err := javatime.Compile(timestampFormat)
	if err != nil {
		return nil, configError(timestampRouterTimestampFormat, timestampFormat, err.Error())
	}
	return &TimestampRouter{topicFormat: topicFormat, layout: layout.In(time.UTC)}, nil
}

// Apply renames r's topic. A record without a timestamp (the zero
// time.Time) is a *connect.DataError.
func (t *TimestampRouter) Apply(r connect.Record) (connect.Record, bool, error) {
	if r.Timestamp.IsZero() {
		return r, false, connect.Errorf("", "Timestamp missing on record: %v", r)
	}
	var arr [64]byte
	ts := t.layout.AppendFormat(arr[:0], r.Timestamp)
	last, ok := t.last.get(r.Topic)
	if ok {
		if route := last.Load(); route != nil && route.ts == string(ts) {
			r.Topic = route.topic
			return r, true, nil
		}
	} else {
		last = new(atomic.Pointer[timestampRoute])
		t.last.put(r.Topic, last)
	}
	// As Kafka: replace ${topic}, then ${timestamp} in the result.
	topic := strings.ReplaceAll(t.topicFormat, "${topic}", r.Topic)
	route := &timestampRoute{ts: string(ts), topic: strings.ReplaceAll(topic, "${timestamp}", string(ts))}
	last.Store(route)
	r.Topic = route.topic
	return r, true, nil
}

// TimestampRouterClass is TimestampRouter's Kafka Connect class name.
const TimestampRouterClass = "org.apache.kafka.connect.transforms.TimestampRouter"

const (
	timestampRouterTopicFormat     = "topic.format"
	timestampRouterTimestampFormat = "timestamp.format"
)

// simpleDateFormatValidator checks that a string is a SimpleDateFormat
// pattern javatime supports.
type simpleDateFormatValidator struct{}

func (simpleDateFormatValidator) Validate(v any) error {
	s, _ := v.(string)
	_, err := javatime.Compile(s)
	return err
}

func (simpleDateFormatValidator) String() string { return "SimpleDateFormat pattern" }

var timestampRouterDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: timestampRouterTopicFormat, Type: connect.ConfigString, Default: DefaultTopicFormat,
		Importance: connect.High,
		Doc:        "Format string which can contain ${topic} and ${timestamp} as placeholders for the topic and timestamp, respectively."}).
	Define(connect.ConfigKey{Name: timestampRouterTimestampFormat, Type: connect.ConfigString, Default: DefaultTimestampFormat,
		Validator: simpleDateFormatValidator{}, Importance: connect.High,
		Doc: "Format string for the timestamp that is compatible with java.text.SimpleDateFormat."})

func timestampRouterPlugins() []Plugin {
	return []Plugin{{
		PluginInfo: connect.PluginInfo{Class: TimestampRouterClass, Kind: connect.TransformationPlugin,
			Doc:    "Update the record's topic field as a function of the original topic value and the record timestamp.",
			Config: timestampRouterDef},
		New: func(config map[string]string) (Transformation, error) {
			cfg, err := timestampRouterDef.Parse(config)
			if err != nil {
				return nil, err
			}
			return newTimestampRouterExact(cfg.String(timestampRouterTopicFormat), cfg.String(timestampRouterTimestampFormat))
		},
	}}
}

// newTimestampRouterExact is NewTimestampRouter without the defaults for
// empty strings: an explicitly empty topic.format routes to "".
func newTimestampRouterExact(topicFormat, timestampFormat string) (*TimestampRouter, error) {
	layout, err := javatime.Compile(timestampFormat)
	if err != nil {
		return nil, configError(timestampRouterTimestampFormat, timestampFormat, err.Error())
	}
	return &TimestampRouter{topicFormat: topicFormat, layout: layout.In(time.UTC)}, nil
}
