package transform

import (
	"regexp"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/javaregex"
)

// The predicates' Kafka Connect class names.
const (
	TopicNameMatchesClass  = "org.apache.kafka.connect.transforms.predicates.TopicNameMatches"
	HasHeaderKeyClass      = "org.apache.kafka.connect.transforms.predicates.HasHeaderKey"
	RecordIsTombstoneClass = "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone"
)

// TopicNameMatches is true for records whose whole topic name matches a
// regular expression. It is Kafka Connect's TopicNameMatches predicate
// (key "pattern"). It is immutable and safe for concurrent use.
type TopicNameMatches struct {
	pattern string
	re      *regexp.Regexp // anchored: Matcher.matches
}

// NewTopicNameMatches returns a TopicNameMatches for a Java regular
// expression, which must match the whole topic (Matcher.matches). The
// pattern is translated to Go's RE2; an empty pattern, or one RE2 cannot
// run with Java's meaning (lookaround, backreferences, ...), is an error
// naming the pattern key.
func NewTopicNameMatches(pattern string) (*TopicNameMatches, error) {
	if pattern == "" {
		return nil, configError(topicNameMatchesPattern, pattern, "String must be non-empty")
	}
	re, err := javaregex.CompileWhole(pattern)
	if err != nil {
		return nil, configError(topicNameMatchesPattern, pattern,
			"entry must be a Java-compatible regular expression that Go's RE2 can run: "+err.Error())
	}
	return &TopicNameMatches{pattern: pattern, re: re}, nil
}

// Test reports whether r's topic matches.
func (p *TopicNameMatches) Test(r *connect.Record) bool { return p.re.MatchString(r.Topic) }

// String describes the predicate as Kafka's toString does.
func (p *TopicNameMatches) String() string { return "TopicNameMatches{pattern=" + p.pattern + "}" }

// HasHeaderKey is true for records with at least one header called Name.
// It is Kafka Connect's HasHeaderKey predicate (key "name").
type HasHeaderKey struct {
	Name string
}

// Test reports whether r has a header called p.Name.
func (p HasHeaderKey) Test(r *connect.Record) bool {
	for i := r.Headers.Len() - 1; i >= 0; i-- {
		if r.Headers.At(i).Key == p.Name {
			return true
		}
	}
	return false
}

// String describes the predicate as Kafka's toString does.
func (p HasHeaderKey) String() string { return "HasHeaderKey{name='" + p.Name + "'}" }

// RecordIsTombstone is true for records whose value is null (nil).
// It is Kafka Connect's RecordIsTombstone predicate.
type RecordIsTombstone struct{}

// Test reports whether r's value is null.
func (RecordIsTombstone) Test(r *connect.Record) bool { return valueIsNull(r.Value) }

// String describes the predicate as Kafka's toString does.
func (RecordIsTombstone) String() string { return "RecordIsTombstone{}" }

// valueIsNull reports whether v is null: nil, or a nil *Struct, map or slice
// (which the connect package also treats as null).
func valueIsNull(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case *connect.Struct:
		return x == nil
	case map[string]any:
		return x == nil
	case map[any]any:
		return x == nil
	case []any:
		return x == nil
	case []byte:
		return x == nil
	case []connect.MapEntry:
		return x == nil
	}
	return false
}

const (
	topicNameMatchesPattern = "pattern"
	hasHeaderKeyName        = "name"
)

var topicNameMatchesDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: topicNameMatchesPattern, Type: connect.ConfigString, Required: true,
		Validator: connect.AllOf(connect.NonEmpty(), javaRegexValidator{}), Importance: connect.Medium,
		Doc: "A Java regular expression for matching against the name of a record's topic."})

var hasHeaderKeyDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: hasHeaderKeyName, Type: connect.ConfigString, Required: true,
		Validator: connect.NonEmpty(), Importance: connect.Medium, Doc: "The header name."})

func predicatePlugins() []PredicatePlugin {
	return []PredicatePlugin{
		{
			PluginInfo: connect.PluginInfo{Class: TopicNameMatchesClass, Kind: connect.PredicatePlugin,
				Doc:    "A predicate which is true for records with a topic name that matches the configured regular expression.",
				Config: topicNameMatchesDef},
			New: func(config map[string]string) (Predicate, error) {
				cfg, err := topicNameMatchesDef.Parse(config)
				if err != nil {
					return nil, err
				}
				return NewTopicNameMatches(cfg.String(topicNameMatchesPattern))
			},
		},
		{
			PluginInfo: connect.PluginInfo{Class: HasHeaderKeyClass, Kind: connect.PredicatePlugin,
				Doc:    "A predicate which is true for records with at least one header with the configured name.",
				Config: hasHeaderKeyDef},
			New: func(config map[string]string) (Predicate, error) {
				cfg, err := hasHeaderKeyDef.Parse(config)
				if err != nil {
					return nil, err
				}
				return HasHeaderKey{Name: cfg.String(hasHeaderKeyName)}, nil
			},
		},
		{
			PluginInfo: connect.PluginInfo{Class: RecordIsTombstoneClass, Kind: connect.PredicatePlugin,
				Doc:    "A predicate which is true for records which are tombstones (i.e. have null value).",
				Config: connect.NewConfigDef()},
			New: func(map[string]string) (Predicate, error) { return RecordIsTombstone{}, nil },
		},
	}
}
