package transform

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/javaregex"
	"github.com/kconnect-go/kconnect/internal/javatime"
)

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
	whole  *regexp.Regexp // Matcher.matches
	find   *regexp.Regexp // Matcher.find, for replaceFirst
	repl   javaregex.Replacement
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
	find, err := javaregex.Compile(regex)
	if err != nil {
		return nil, configError(regexRouterRegex, regex, "Invalid regex: "+err.Error())
	}
	whole, err := javaregex.CompileWhole(regex)
	if err != nil { // not reached: it fails only when Compile does
		return nil, configError(regexRouterRegex, regex, "Invalid regex: "+err.Error())
	}
	repl, err := javaregex.ParseReplacement(replacement, find)
	if err != nil {
		return nil, configError(regexRouterReplacement, replacement, err.Error())
	}
	return &RegexRouter{whole: whole, find: find, repl: repl}, nil
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
	if !t.whole.MatchString(topic) {
		return topic
	}
	return t.repl.ReplaceFirst(t.find, topic)
}

// RegexRouterClass is RegexRouter's Kafka Connect class name.
const RegexRouterClass = "org.apache.kafka.connect.transforms.RegexRouter"

const (
	regexRouterRegex       = "regex"
	regexRouterReplacement = "replacement"
)

// javaRegexValidator checks that a string is a Java regular expression
// Go's RE2 can run with Java's meaning.
type javaRegexValidator struct{}

func (javaRegexValidator) Validate(v any) error {
	s, _ := v.(string)
	if _, err := javaregex.Compile(s); err != nil {
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
