package connect

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The goldens were written by Apache Kafka's JsonConverter from
// java.util.HashMaps filled with these keys; see
// converter/jsonconv/testdata/jvm.
func TestSourcePartitionJSONMatchesJavaHashMap(t *testing.T) {
	keys := readLines(t, "testdata/hashmap/keys.txt")
	golden := readLines(t, "testdata/hashmap/golden.txt")
	require.Len(t, golden, len(keys))
	for i, line := range keys {
		var kv []any
		for j, k := range strings.Fields(line) {
			kv = append(kv, k, int32(j))
		}
		p := NewSourcePartition(kv...)
		got := `["conn",` + p.String() + `]`
		require.Equal(t, golden[i], got, "keys %q", line)

		// The same bytes come from the generic map writer.
		m := map[string]any{}
		for j, k := range strings.Fields(line) {
			m[k] = int32(j)
		}
		// Keys sharing a bucket keep insertion order, which a Go map does not
		// have; AppendJSON inserts them sorted. These lines have no such keys.
		if !strings.Contains(line, "Aa") && !strings.Contains(line, "k25") {
			b, err := AppendJSON(nil, []any{"conn", m})
			require.NoError(t, err)
			require.Equal(t, golden[i], string(b), "keys %q", line)
		}
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	require.NoError(t, sc.Err())
	return out
}

func TestJavaHashMapOrder(t *testing.T) {
	keys := []string{"zeta", "alpha", "mid"}
	JavaHashMapOrder(keys)
	b, err := AppendJSON(nil, map[string]any{"zeta": 1, "alpha": 2, "mid": 3})
	require.NoError(t, err)
	require.Equal(t, `{"`+keys[0]+`":`, string(b[:len(keys[0])+4]))
}

// Entries in insertion order come out as the HashMaps of
// testdata/hashmap/golden.txt iterate, keys sharing a bucket included.
func TestJavaHashMapEntriesMatchesJavaHashMap(t *testing.T) {
	keys := readLines(t, "testdata/hashmap/keys.txt")
	golden := readLines(t, "testdata/hashmap/golden.txt")
	require.Len(t, golden, len(keys))
	for i, line := range keys {
		var entries []MapEntry
		for j, k := range strings.Fields(line) {
			entries = append(entries, MapEntry{k, int32(j)})
		}
		b, err := AppendJSON(nil, []any{"conn", JavaHashMapEntries(entries)})
		require.NoError(t, err)
		require.Equal(t, golden[i], string(b), "keys %q", line)
	}
}

func TestJavaHashMapEntries(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in, want []MapEntry
	}{
		{"empty", []MapEntry{}, []MapEntry{}},
		// "a" (97) and "q" (113) share bucket 1 of 16.
		{"bucket in insertion order", []MapEntry{{"q", 1}, {"a", 2}}, []MapEntry{{"q", 1}, {"a", 2}}},
		{"a repeated key keeps its first place and last value",
			[]MapEntry{{"q", 1}, {"a", 2}, {"q", 3}, {"z", 4}, {"q", 5}},
			[]MapEntry{{"q", 5}, {"a", 2}, {"z", 4}}},
		// Thirteen entries, twelve keys: sixteen slots, where "q" and "a"
		// share a bucket (in 32 slots they would not).
		{"table sized by distinct keys",
			[]MapEntry{{"q", 0}, {"b", 1}, {"c", 2}, {"d", 3}, {"e", 4}, {"f", 5}, {"g", 6}, {"h", 7}, {"i", 8}, {"j", 9}, {"k", 10}, {"a", 11}, {"q", 12}},
			[]MapEntry{{"q", 12}, {"a", 11}, {"b", 1}, {"c", 2}, {"d", 3}, {"e", 4}, {"f", 5}, {"g", 6}, {"h", 7}, {"i", 8}, {"j", 9}, {"k", 10}}},
		// Long.hashCode: 17 and 1 share bucket 1; int and int64 are both Long.
		{"Long keys", []MapEntry{{int64(17), "x"}, {int64(1), "y"}, {1, "z"}}, []MapEntry{{int64(17), "x"}, {int64(1), "z"}}},
		{"Integer is not Long", []MapEntry{{int32(1), "x"}, {int64(1), "y"}}, []MapEntry{{int32(1), "x"}, {int64(1), "y"}}},
		{"NaN equals NaN", []MapEntry{{math.NaN(), 1}, {math.NaN(), 2}}, []MapEntry{{math.NaN(), 2}}},
		{"0.0 is not -0.0", []MapEntry{{0.0, 1}, {math.Copysign(0, -1), 2}}, []MapEntry{{0.0, 1}, {math.Copysign(0, -1), 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := JavaHashMapEntries(tc.in)
			require.Len(t, got, len(tc.want))
			for i := range got {
				require.True(t, javaKeyEqual(tc.want[i].Key, got[i].Key), "key %d: %v, want %v", i, got[i].Key, tc.want[i].Key)
				require.Equal(t, tc.want[i].Value, got[i].Value, "value %d", i)
			}
		})
	}
}

// More entries than fit the stack buffers, in reverse order, come out as
// JavaHashMapOrder orders their keys.
func TestJavaHashMapEntriesMany(t *testing.T) {
	var entries []MapEntry
	var keys []string
	for i := 199; i >= 0; i-- {
		k := "k" + strconv.Itoa(i)
		entries = append(entries, MapEntry{k, i})
		keys = append(keys, k)
	}
	JavaHashMapOrder(keys)
	got := JavaHashMapEntries(entries)
	require.Len(t, got, len(keys))
	for i, k := range keys {
		require.Equal(t, k, got[i].Key, "entry %d", i)
	}
}
