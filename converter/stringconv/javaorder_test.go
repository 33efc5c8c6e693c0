package stringconv

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/jsonconv"
	"github.com/kconnect-go/kconnect/internal/jvmgolden"
)

// TestJVMMapOrderToString writes each value JsonConverter reads from
// connect/testdata/javaorder/cases.txt with StringConverter and compares the
// bytes with the first column of golden.txt, which Apache Kafka's own
// JsonConverter and StringConverter wrote (testdata/javaorder/jvm). The
// inputs hold keys sharing a java.util.HashMap bucket in an order other than
// by name, which Java prints in the order the JSON document gave them.
func TestJVMMapOrderToString(t *testing.T) {
	cases, golden := jvmgolden.JavaOrder(t)
	for i, c := range cases {
		t.Run(strconv.Itoa(i+1), func(t *testing.T) {
			schemas, doc, _ := strings.Cut(c, "\t")
			_, v, err := jsonconv.New(jsonconv.SchemasEnable(schemas == "true")).ToConnect("t", connect.Headers{}, []byte(doc))
			require.NoError(t, err, doc)
			got, err := New().FromConnect(nil, "t", connect.Headers{}, nil, v)
			require.NoError(t, err, doc)
			require.Equal(t, golden[i][0], string(got), "case %q", doc)
		})
	}
}
