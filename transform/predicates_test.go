package transform_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/transform"
)

// TestTopicNameMatches checks that the pattern is a Java regex matched
// against the whole topic; internal/javaregex tests the translation.
func TestTopicNameMatches(t *testing.T) {
	tests := []struct {
		pattern string
		topic   string
		want    bool
	}{
		{"orders", "orders", true},
		{"orders", "orders-raw", false}, // a full match, not a search
		{"orders", "my-orders", false},
		{".*-raw", "orders-raw", true},
		{"a|ab", "ab", true},
		{`\p{Lower}+`, "abc", true}, // Java syntax
		{`a\sb`, "a\x0bb", true},    // with Java's meaning
	}
	for _, tt := range tests {
		p, err := transform.NewTopicNameMatches(tt.pattern)
		require.NoError(t, err, tt.pattern)
		require.Equal(t, tt.want, p.Test(&connect.Record{Topic: tt.topic}), "%s on %q", tt.pattern, tt.topic)
	}
}

func TestTopicNameMatchesRejects(t *testing.T) {
	tests := map[string]string{
		"":       "String must be non-empty",
		"(":      "missing closing )",
		"(?=a)a": "lookaround assertions are not supported",
		"a++":    "possessive quantifiers are not supported",
	}
	for pattern, want := range tests {
		_, err := transform.NewTopicNameMatches(pattern)
		require.ErrorContains(t, err, want, pattern)
		require.ErrorContains(t, err, "for configuration pattern", pattern)
		var ce *connect.ConfigError
		require.ErrorAs(t, err, &ce, pattern)
		require.Equal(t, []string{"pattern"}, ce.Keys())
	}
}

func TestHasHeaderKey(t *testing.T) {
	p := transform.HasHeaderKey{Name: "trace"}
	require.False(t, p.Test(&connect.Record{}))
	r := connect.Record{Headers: connect.NewHeaders(connect.Header{Key: "a"}, connect.Header{Key: "trace", Value: nil})}
	require.True(t, p.Test(&r), "a header with a null value counts")
	r.Headers = r.Headers.Remove("trace")
	require.False(t, p.Test(&r))
	require.Equal(t, "HasHeaderKey{name='trace'}", p.String())
}

func TestRecordIsTombstone(t *testing.T) {
	p := transform.RecordIsTombstone{}
	var nilStruct *connect.Struct
	var nilMap map[string]any
	for _, v := range []any{nil, nilStruct, nilMap, []byte(nil), []any(nil)} {
		require.True(t, p.Test(&connect.Record{Value: v}), "%#v", v)
	}
	for _, v := range []any{"", int64(0), []byte{}, map[string]any{}, connect.NewStruct(connect.StructOf())} {
		require.False(t, p.Test(&connect.Record{Value: v}), "%#v", v)
	}
	require.False(t, p.Test(&connect.Record{Key: nil, Value: "x"}), "the key does not matter")
}

func TestPredicatePluginsConfig(t *testing.T) {
	ps := connect.Plugins(transform.Plugins())
	find := func(name string) transform.PredicatePlugin {
		p, err := ps.Find(connect.PredicatePlugin, name)
		require.NoError(t, err, name)
		return p.(transform.PredicatePlugin)
	}
	_, err := find("HasHeaderKey").New(map[string]string{})
	require.EqualError(t, err, `Missing required configuration "name" which has no default value.`)
	pr, err := find("org.apache.kafka.connect.transforms.predicates.HasHeaderKey").New(map[string]string{"name": "h"})
	require.NoError(t, err)
	require.Equal(t, transform.HasHeaderKey{Name: "h"}, pr)
	_, err = find("TopicNameMatches").New(map[string]string{"pattern": "(?=x)"})
	require.ErrorContains(t, err, "Invalid value (?=x) for configuration pattern: Invalid regex: lookaround assertions are not supported")
	pr, err = find("RecordIsTombstone").New(nil)
	require.NoError(t, err)
	require.Equal(t, "RecordIsTombstone{}", pr.(transform.RecordIsTombstone).String())
	pr, err = find("TopicNameMatches").New(map[string]string{"pattern": " a.* "})
	require.NoError(t, err)
	require.Equal(t, "TopicNameMatches{pattern=a.*}", pr.(*transform.TopicNameMatches).String(), "values are trimmed, as in Kafka")
}
