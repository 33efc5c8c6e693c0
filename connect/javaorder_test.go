package connect

import (
	"bufio"
	"os"
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
