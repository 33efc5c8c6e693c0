package transform_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/transform"
)

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
		{"(?i)ORDERS", "orders", true},
		{`\p{Lower}+`, "abc", true},
		{`\p{Lower}+`, "aBc", false},
		{`\P{Digit}+`, "abc", true},
		{`[\p{Digit}x]+`, "1x2", true},
		{`\Qa.b\E`, "a.b", true},
		{`\Qa.b\E`, "axb", false},
		{`\u0061b`, "ab", true},
		{`\0141`, "a", true},
		{`\x{61}`, "a", true},
		{`\w+\Z`, "abc", true},
		{`\h`, " ", true},
		{`[\h]`, "\t", true},
		{`\v`, "\n", true},
		{`\e`, "\x1b", true},
		{`\cA`, "\x01", true},
		{`\p{IsLatin}+`, "abc", true},
		{`\p{IsL}+`, "abc", true},
		{`(?<name>a)b`, "ab", true},
		{"", "", false}, // rejected below
	}
	for _, tt := range tests[:len(tests)-1] {
		p, err := transform.NewTopicNameMatches(tt.pattern)
		require.NoError(t, err, tt.pattern)
		require.Equal(t, tt.want, p.Test(&connect.Record{Topic: tt.topic}), "%s on %q", tt.pattern, tt.topic)
	}
}

func TestTopicNameMatchesRejects(t *testing.T) {
	tests := map[string]string{
		"":                  "String must be non-empty",
		"(":                 "missing closing )",
		"(?=a)a":            "lookaround assertions are not supported",
		"(?<!a)b":           "lookaround assertions are not supported",
		"(?>a)":             "atomic groups are not supported",
		`(a)\1`:             "backreferences are not supported",
		`(?<n>a)\k<n>`:      "backreferences are not supported",
		"a++":               "possessive quantifiers are not supported",
		"[a[b]]":            "nested character classes (union) are not supported",
		"[a-z&&[^b]]":       "character class intersection (&&) is not supported",
		"(?x)a b":           "flag x is not supported",
		"(?U)a":             "flag U (UNICODE_CHARACTER_CLASS) is not supported",
		`\p{javaLowerCase}`: `\p{javaLowerCase} is not supported`,
		`\p{InGreek}`:       `Unicode blocks (\p{InGreek}) are not supported`,
		`\G`:                `\G is not supported`,
		`\u12`:              "illegal Unicode escape sequence",
		`a\`:                `unexpected end of pattern`,
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

func TestTopicNameMatchesJavaSpace(t *testing.T) {
	p, err := transform.NewTopicNameMatches(`a\sb`)
	require.NoError(t, err)
	require.True(t, p.Test(&connect.Record{Topic: "a\x0bb"}), `Java's \s matches a vertical tab`)
	p, err = transform.NewTopicNameMatches(`a\Sb`)
	require.NoError(t, err)
	require.False(t, p.Test(&connect.Record{Topic: "a\x0bb"}))
	require.True(t, p.Test(&connect.Record{Topic: "axb"}))
	p, err = transform.NewTopicNameMatches(`a[\s]b`)
	require.NoError(t, err)
	require.True(t, p.Test(&connect.Record{Topic: "a\x0bb"}))
}
