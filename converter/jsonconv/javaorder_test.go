package jsonconv

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jvmgolden"
)

// TestJVMMapOrderRoundTrip reads each case of
// connect/testdata/javaorder/cases.txt and writes it back with the same
// converter, comparing the bytes with the second column of golden.txt,
// which Apache Kafka's own JsonConverter wrote (testdata/javaorder/jvm).
// Kafka reads a JSON object into a java.util.HashMap in document order, so
// keys sharing a bucket are written back in the order the document gave
// them.
func TestJVMMapOrderRoundTrip(t *testing.T) {
	cases, golden := jvmgolden.JavaOrder(t)
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
