package jsonconv

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

// TestJVMMapOrderRoundTrip reads each case of
// connect/testdata/javaorder/cases.txt and writes it back with the same
// converter, comparing the bytes with the second column of golden.txt,
// which Apache Kafka's own JsonConverter wrote (testdata/javaorder/jvm).
// Kafka reads a JSON object into a java.util.HashMap in document order, so
// keys sharing a bucket are written back in the order the document gave
// them.
func TestJVMMapOrderRoundTrip(t *testing.T) {
	cases, golden := javaOrderGolden(t)
	for i, c := range cases {
		t.Run(strconv.Itoa(i+1), func(t *testing.T) {
			schemas, doc, _ := strings.Cut(c, "\t")
			conv := New(SchemasEnable(schemas == "true"))
			s, v, err := conv.ToConnect("t", connect.Headers{}, []byte(doc))
			require.NoError(t, err, doc)
			got, err := conv.FromConnect(nil, "t", connect.Headers{}, s, v)
			require.NoError(t, err, doc)
			require.Equal(t, golden[i][1], string(got), "case %q", doc)
		})
	}
}

// javaOrderGolden returns the cases of connect/testdata/javaorder/cases.txt
// and, for each, its golden.txt columns.
func javaOrderGolden(t *testing.T) (cases []string, golden [][]string) {
	t.Helper()
	read := func(name string) []string {
		b, err := os.ReadFile("../../connect/testdata/javaorder/" + name)
		require.NoError(t, err)
		return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
	for _, l := range read("cases.txt") {
		if l != "" && !strings.HasPrefix(l, "#") {
			cases = append(cases, l)
		}
	}
	for _, l := range read("golden.txt") {
		golden = append(golden, strings.Split(l, "\t"))
	}
	require.Len(t, golden, len(cases), "golden.txt is stale: regenerate it (connect/testdata/javaorder/jvm/README.md)")
	return cases, golden
}
