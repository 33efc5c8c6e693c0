package transform_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/transform"
)

func TestRegexRouter(t *testing.T) {
	tests := []struct {
		regex, replacement, topic, want string
	}{
		{"(.*)-raw", "$1", "orders-raw", "orders"},
		{"(.*)-raw", "$1", "orders", "orders"},        // no full match: unchanged
		{"raw", "cooked", "orders-raw", "orders-raw"}, // find would match, matches does not
		{"a|ab", "X", "ab", "Xb"},                     // Java: the first find() match is replaced
		{"(a)", "$12", "a", "a2"},                     // $1 then "2": there is no group 12
		{"(a)(b)?", "[$1$2]", "a", "[a]"},             // a group that took no part adds nothing
		{"(?<db>\\w+)\\.(?<table>\\w+)", "${table}_${db}", "shop.users", "users_shop"},
		{"(.*)", "\\$1\\\\", "t", "$1\\"},
		{"(.*)", "€$1€", "t", "€t€"},
		{".*", "$0-copy", "abc", "abc-copy"},
	}
	for _, tt := range tests {
		rr, err := transform.NewRegexRouter(tt.regex, tt.replacement)
		require.NoError(t, err, tt.regex)
		in := connect.Record{Topic: tt.topic, Key: "k", Value: "v", Timestamp: time.Unix(1, 0)}
		in.SetPartition(3)
		out, keep, err := rr.Apply(in)
		require.NoError(t, err)
		require.True(t, keep)
		require.Equal(t, tt.want, out.Topic, "%s / %s on %s", tt.regex, tt.replacement, tt.topic)
		in.Topic = out.Topic
		require.Equal(t, in, out, "only the topic changes")
	}
}

func TestRegexRouterConfigErrors(t *testing.T) {
	tests := []struct{ regex, replacement, key, want string }{
		{"[", "x", "regex", "Invalid value [ for configuration regex: Invalid regex:"},
		{"(a)", "$2", "replacement", "Invalid value $2 for configuration replacement: No group 2"},
		{"(a)", "$", "replacement", "Illegal group reference: group index is missing"},
		{"(a)", "$x", "replacement", "Illegal group reference"},
		{"(a)", "${a", "replacement", "named capturing group is missing trailing '}'"},
		{"(a)", "${}", "replacement", "named capturing group has 0 length name"},
		{"(a)", "${b}", "replacement", "No group with name {b}"},
		{"(a)", "a\\", "replacement", "character to be escaped is missing"},
	}
	for _, tt := range tests {
		_, err := transform.NewRegexRouter(tt.regex, tt.replacement)
		require.ErrorContains(t, err, tt.want)
		var ce *connect.ConfigError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, []string{tt.key}, ce.Keys())
	}
}

func TestTimestampRouter(t *testing.T) {
	ts := time.Date(2024, 3, 5, 23, 30, 0, 0, time.FixedZone("X", 5*3600)) // 18:30 UTC
	tests := []struct {
		topicFormat, tsFormat, want string
	}{
		{"", "", "logs-20240305"},
		{"${topic}/${timestamp}/${topic}", "yyyy-MM-dd HH:mm", "logs/2024-03-05 18:30/logs"},
		{"static", "", "static"},
		{"${timestamp}", "'week' EEE", "week Tue"},
	}
	for _, tt := range tests {
		tr, err := transform.NewTimestampRouter(tt.topicFormat, tt.tsFormat)
		require.NoError(t, err)
		out, keep, err := tr.Apply(connect.Record{Topic: "logs", Timestamp: ts})
		require.NoError(t, err)
		require.True(t, keep)
		require.Equal(t, tt.want, out.Topic)
	}
	tr, err := transform.NewTimestampRouter("", "")
	require.NoError(t, err)
	_, keep, err := tr.Apply(connect.Record{Topic: "logs"})
	require.False(t, keep)
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.ErrorContains(t, err, "Timestamp missing on record")

	_, err = transform.NewTimestampRouter("", "yyyy-'MM")
	var ce *connect.ConfigError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, []string{"timestamp.format"}, ce.Keys())
}

func BenchmarkRegexRouterMatch(b *testing.B) {
	rr, err := transform.NewRegexRouter("(.*)-raw", "$1")
	if err != nil {
		b.Fatal(err)
	}
	r := connect.Record{Topic: "orders-raw"}
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = rr.Apply(r)
	}
}

func BenchmarkTimestampRouter(b *testing.B) {
	tr, err := transform.NewTimestampRouter("", "")
	if err != nil {
		b.Fatal(err)
	}
	r := connect.Record{Topic: "logs", Timestamp: time.Unix(1700000000, 0)}
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = tr.Apply(r)
	}
}

func TestRoutersCacheConcurrent(t *testing.T) {
	tr, err := transform.NewTimestampRouter("${topic}_${timestamp}", "yyyyMMdd")
	require.NoError(t, err)
	rr, err := transform.NewRegexRouter("(.*)-raw", "$1-cooked")
	require.NoError(t, err)
	days := []time.Time{time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC), time.Date(2024, 1, 2, 12, 0, 0, 0, time.UTC)}
	topics := []string{"a-raw", "b-raw", "c"}
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 300; i++ {
				topic, day := topics[(g+i)%3], days[(g*7+i)%2]
				out, _, err := rr.Apply(connect.Record{Topic: topic, Timestamp: day})
				if err == nil {
					out, _, err = tr.Apply(out)
				}
				want := map[string]string{"a-raw": "a-cooked", "b-raw": "b-cooked", "c": "c"}[topic] + "_" + day.Format("20060102")
				if err != nil || out.Topic != want {
					t.Errorf("%s at %v: got %q, %v; want %q", topic, day, out.Topic, err, want)
					return
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}
