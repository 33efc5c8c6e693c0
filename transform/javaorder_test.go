package transform

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/jsonconv"
	"github.com/kconnect-go/kconnect/converter/stringconv"
	"github.com/kconnect-go/kconnect/internal/jvmgolden"
)

// TestJVMFlattenOrder runs Flatten$Value on each value JsonConverter reads
// from connect/testdata/javaorder/cases.txt and writes the result with
// JsonConverter and with StringConverter, comparing the bytes with the third
// and fourth columns of golden.txt, which Apache Kafka's own classes wrote
// (testdata/javaorder/jvm). Kafka's Flatten fills a LinkedHashMap in the
// iteration order of the input, nested maps expanded where they stand.
func TestJVMFlattenOrder(t *testing.T) {
	cases, golden := jvmgolden.JavaOrder(t)
	for i, c := range cases {
		t.Run(strconv.Itoa(i+1), func(t *testing.T) {
			schemas, doc, _ := strings.Cut(c, "\t")
			conv := jsonconv.New(jsonconv.SchemasEnable(schemas == "true"))
			s, v, err := conv.ToConnect("t", connect.Headers{}, []byte(doc))
			require.NoError(t, err, doc)
			f, err := NewFlatten(FlattenConfig{})
			require.NoError(t, err)
			r, _, err := f.Apply(connect.Record{Topic: "t", ValueSchema: s, Value: v})
			if strings.HasPrefix(golden[i][2], "ERROR") {
				require.Error(t, err, "case %q: Kafka fails (%s)", doc, golden[i][2])
				return
			}
			require.NoError(t, err, doc)
			js, err := conv.FromConnect(nil, "t", connect.Headers{}, r.ValueSchema, r.Value)
			require.NoError(t, err, doc)
			require.Equal(t, golden[i][2], string(js), "case %q: JsonConverter", doc)
			str, err := stringconv.New().FromConnect(nil, "t", connect.Headers{}, r.ValueSchema, r.Value)
			require.NoError(t, err, doc)
			require.Equal(t, golden[i][3], string(str), "case %q: StringConverter", doc)
		})
	}
}
