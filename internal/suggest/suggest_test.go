package suggest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"", "abc", 3},
		{"tasks.max", "tasks.max", 0},
		{"tasks.maxx", "tasks.max", 1},  // insertion
		{"transfroms", "transforms", 1}, // transposition
		{"value.convertor", "value.converter", 1},
		{"feild", "field", 1},
		{"kitten", "sitting", 3},
		{"ca", "abc", 3}, // optimal string alignment: no substring edited twice
		{"ab", "ba", 1},
		{"a→b", "a→c", 1}, // by character, not byte
	} {
		require.Equal(t, c.want, Distance(c.a, c.b), "%q %q", c.a, c.b)
		require.Equal(t, c.want, Distance(c.b, c.a), "%q %q", c.b, c.a)
	}
}

func TestNearest(t *testing.T) {
	keys := []string{"tasks.max", "tasks.max.enforce", "transforms", "topics", "topics.regex", "value.converter"}
	for key, want := range map[string]string{
		"tasks.maxx":      "tasks.max",
		"Tasks.Max":       "tasks.max", // case is ignored
		"transfroms":      "transforms",
		"value.convertor": "value.converter",
		"topic":           "topics",
		"tasks":           "", // four edits from tasks.max: too far for five characters
		"batch.size":      "", // nothing close
		"tpics":           "topics",
		"x":               "",
	} {
		require.Equal(t, want, Nearest(key, keys), key)
	}
	// Equally close candidates: the first in sort order, whatever their order.
	require.Equal(t, "ab", Nearest("aa", []string{"ba", "ab"}))
	require.Equal(t, "ab", Nearest("aa", []string{"ab", "ba"}))
}
