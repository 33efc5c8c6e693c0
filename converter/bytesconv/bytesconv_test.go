package bytesconv

import (
	"fmt"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/stretchr/testify/require"
)

var (
	_ converter.Converter       = (*Converter)(nil)
	_ converter.HeaderConverter = (*Converter)(nil)
)

// The goldens of ../testdata/golden/numconv.golden ("bytearray:" lines)
// show Kafka's converter passing bytes through, reading OPTIONAL_BYTES and
// rejecting a STRING schema and a string value; these tests say the same.
func TestFromConnect(t *testing.T) {
	tests := []struct {
		name   string
		schema *connect.Schema
		v      any
		want   []byte
		err    string
	}{
		{"bytes", connect.BytesSchema, []byte{1, 2, 0xff}, []byte{0xaa, 1, 2, 0xff}, ""},
		{"no schema", nil, []byte{1}, []byte{0xaa, 1}, ""},
		{"empty", connect.OptionalBytesSchema, []byte{}, []byte{0xaa}, ""},
		{"null", connect.OptionalBytesSchema, nil, nil, ""},
		{"nil slice", nil, []byte(nil), nil, ""},
		{"value", nil, connect.BytesValue([]byte{7}), []byte{0xaa, 7}, ""},
		{"null value", nil, connect.Value{}, nil, ""},
		{"string schema", connect.StringSchema, []byte{1}, nil, "invalid schema type for ByteArrayConverter: STRING"},
		{"decimal", connect.DecimalSchema(2), connect.NewDecimal(1, 2), nil, "not compatible with values of type connect.Decimal"},
		{"string", nil, "x", nil, "not compatible with values of type string"},
		{"string value", nil, connect.StringValue("x"), nil, "not compatible"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := New().FromConnect([]byte{0xaa}, "t", connect.Headers{}, tt.schema, tt.v)
			if tt.err != "" {
				var de *connect.DataError
				require.ErrorAs(t, err, &de)
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
	got, err := New().FromConnect(nil, "t", connect.Headers{}, nil, []byte{})
	require.NoError(t, err)
	require.NotNil(t, got, "an empty value is not a null")
}

func TestToConnect(t *testing.T) {
	data := []byte{1, 2}
	schema, v, err := New().ToConnectHeader("t", "k", data)
	require.NoError(t, err)
	require.Equal(t, connect.OptionalBytesSchema, schema)
	require.Equal(t, []byte{1, 2}, v)
	data[0] = 9
	require.Equal(t, []byte{9, 2}, v, "the value is data itself, not a copy")
	schema, v, err = New().ToConnect("t", connect.Headers{}, nil)
	require.NoError(t, err)
	require.Equal(t, connect.OptionalBytesSchema, schema)
	require.Nil(t, v)
	_, v, err = New().ToConnect("t", connect.Headers{}, []byte{})
	require.NoError(t, err)
	require.NotNil(t, v)
	require.Empty(t, v)
}

func TestPlugins(t *testing.T) {
	c, err := Plugin().New(map[string]string{"anything": "x"}, true)
	require.NoError(t, err)
	require.NotNil(t, c)
	require.Equal(t, Class, Plugin().Info().Class)
	hc, err := HeaderPlugin().New(nil)
	require.NoError(t, err)
	out, err := hc.FromConnectHeader(nil, "t", "k", nil, []byte("x"))
	require.NoError(t, err)
	require.Equal(t, []byte("x"), out)
}

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("abc"))
	f.Fuzz(func(t *testing.T, data []byte) {
		schema, v, err := New().ToConnect("t", connect.Headers{}, data)
		require.NoError(t, err)
		out, err := New().FromConnect(nil, "t", connect.Headers{}, schema, v)
		require.NoError(t, err)
		require.Equal(t, data, out)
	})
}

func Example() {
	c := New()
	b, _ := c.FromConnect(nil, "topic", connect.Headers{}, connect.BytesSchema, []byte("raw"))
	schema, v, _ := c.ToConnect("topic", connect.Headers{}, b)
	fmt.Println(schema, string(v.([]byte)))
	_, err := c.FromConnect(nil, "topic", connect.Headers{}, connect.StringSchema, "text")
	fmt.Println(err)
	// Output:
	// optional BYTES raw
	// connect: bytesconv: invalid schema type for ByteArrayConverter: STRING
}

func BenchmarkFromConnect(b *testing.B) {
	buf := make([]byte, 0, 256)
	v := make([]byte, 100)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = New().FromConnect(buf[:0], "t", connect.Headers{}, connect.BytesSchema, v)
	}
}

func BenchmarkToConnect(b *testing.B) {
	data := make([]byte, 100)
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = New().ToConnect("t", connect.Headers{}, data)
	}
}
