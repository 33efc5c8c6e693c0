package simpleheader

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/stretchr/testify/require"
)

var _ converter.HeaderConverter = (*Converter)(nil)

func escape(s string) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		switch {
		case u == '\\':
			b.WriteString(`\\`)
		case u == '"':
			b.WriteString(`\"`)
		case u < 0x20 || u >= 0x7f:
			fmt.Fprintf(&b, `\u%04x`, u)
		default:
			b.WriteByte(byte(u))
		}
	}
	return b.String()
}

// describe mirrors the golden generator's value description for the values
// these goldens hold.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return `str:"` + escape(x) + `"`
	case int8:
		return fmt.Sprintf("i8:%d", x)
	case []byte:
		return "bytes:" + hex.EncodeToString(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = describe(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case []connect.MapEntry:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = describe(e.Key) + "=" + describe(e.Value)
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return fmt.Sprintf("?%T", v)
}

func schemaDesc(s *connect.Schema) string {
	if s == nil {
		return "null"
	}
	d := s.Type.String()
	if s.Optional {
		d = "?" + d
	}
	switch s.Type {
	case connect.ArrayType:
		d += "<" + schemaDesc(s.Elem) + ">"
	case connect.MapType:
		d += "<" + schemaDesc(s.Key) + "," + schemaDesc(s.Elem) + ">"
	}
	return d
}

// TestGolden compares with what Apache Kafka's own SimpleHeaderConverter
// read and wrote (../testdata/golden/simpleheader.golden). The values the
// "write:" lines name are checked in full by connect's ConvertToString
// goldens; a sample of them is built here.
func TestGolden(t *testing.T) {
	day := int64(86400000)
	samples := map[string]any{
		"i8": int8(-5), "i64_min": int64(math.MinInt64), "f32_nan": float32(math.NaN()), "f64_neg0": math.Copysign(0, -1),
		"str_empty": "", "str_unicode": "é日本\n😀", "bytes": []byte{0, 1, 2, 0xff}, "bytes_empty": []byte{},
		"dec_sci": connect.NewDecimal(12345, 12), "ts": time.UnixMilli(1710506096789), "ts_day": time.UnixMilli(day),
		"list_mixed": []any{"a", nil, float32(1.5)}, "map_linked": []connect.MapEntry{{Key: "b", Value: int32(1)}, {Key: "a"}},
		"list_strs": []any{`x"y`, "z"},
	}
	f, err := os.Open(filepath.Join("..", "testdata", "golden", "simpleheader.golden"))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	c := New()
	checked := 0
	for sc.Scan() {
		parts := strings.Split(sc.Text(), "\t")
		kind, arg, _ := strings.Cut(parts[0], ":")
		t.Run(parts[0], func(t *testing.T) {
			switch {
			case kind == "read" && arg == "null":
				schema, v, err := c.ToConnectHeader("t", "k", nil)
				require.NoError(t, err)
				require.Nil(t, schema)
				require.Nil(t, v)
			case kind == "read":
				data, _ := hex.DecodeString(arg)
				schema, v, err := c.ToConnectHeader("t", "k", data)
				require.NoError(t, err)
				if parts[1] == "NULL" {
					require.Nil(t, schema)
					require.Nil(t, v)
					return
				}
				require.Equal(t, parts[1], schemaDesc(schema))
				require.Equal(t, parts[2], describe(v))
			case kind == "write" && arg == "null":
				out, err := c.FromConnectHeader(nil, "t", "k", nil, nil)
				require.NoError(t, err)
				require.Nil(t, out)
			case kind == "write":
				v, ok := samples[arg]
				if !ok {
					t.Skip("checked by connect's goldens")
				}
				out, err := c.FromConnectHeader(nil, "t", "k", nil, v)
				require.NoError(t, err)
				require.NotNil(t, out)
				require.Equal(t, parts[1], hex.EncodeToString(out))
			}
			checked++
		})
	}
	require.NoError(t, sc.Err())
	require.Greater(t, checked, 60)
}

func TestDeepNestingReadsAsBytes(t *testing.T) {
	data := []byte(strings.Repeat("[", connect.MaxParseDepth+1))
	schema, v, err := New().ToConnectHeader("t", "k", data)
	require.NoError(t, err)
	require.Equal(t, connect.BytesSchema, schema)
	require.Equal(t, data, v)
	data[0] = 'x'
	require.NotEqual(t, data, v, "the value does not alias data")
}

func TestFromConnectHeaderErrors(t *testing.T) {
	_, err := New().FromConnectHeader(nil, "orders", "trace", nil, []any{"a", uint(1)})
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.Equal(t, "[1]", de.Path)
	require.ErrorContains(t, err, `header "trace" on topic "orders"`)

	for _, v := range []any{[]byte(nil), []any(nil), map[string]any(nil), (*connect.Struct)(nil), connect.Value{}} {
		out, err := New().FromConnectHeader(nil, "t", "k", nil, v)
		require.NoError(t, err)
		require.Nil(t, out, "%T", v)
	}
}

func TestRoundTrip(t *testing.T) {
	c := New()
	for _, v := range []any{int16(300), "hello, world", true, 1.5e300, []any{"a", "b"},
		time.Date(2024, 3, 15, 12, 34, 56, 789e6, time.UTC), connect.NewDecimal(1, -400)} { // 1E+30 would read back as a FLOAT32, as in Kafka
		out, err := c.FromConnectHeader([]byte("prefix"), "t", "k", nil, v)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(string(out), "prefix"))
		_, back, err := c.ToConnectHeader("t", "k", out[len("prefix"):])
		require.NoError(t, err)
		require.True(t, connect.ValuesEqual(v, back), "%v read back as %v", v, back)
	}
}

func TestHeaderPlugin(t *testing.T) {
	p := HeaderPlugin()
	require.Equal(t, Class, p.Info().Class)
	require.Equal(t, connect.HeaderConverterPlugin, p.Info().Kind)
	hc, err := p.New(nil)
	require.NoError(t, err)
	require.NotNil(t, hc)
}

func FuzzToConnectHeader(f *testing.F) {
	for _, s := range []string{"", "null", "42", "[1,2]", `{"a":[true]}`, "2024-03-15", "\xed\xa0\x80"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := New()
		schema, v, err := c.ToConnectHeader("t", "k", data)
		require.NoError(t, err)
		if v == nil {
			return
		}
		require.NotNil(t, schema)
		// Whatever was read can be written again.
		_, err = c.FromConnectHeader(nil, "t", "k", schema, v)
		require.NoError(t, err)
	})
}

func Example() {
	c := New()
	b, _ := c.FromConnectHeader(nil, "topic", "ids", nil, []any{int32(1), int32(2)})
	fmt.Println(string(b))
	schema, v, _ := c.ToConnectHeader("topic", "ids", b)
	fmt.Println(schema, schema.Elem, v)
	schema, v, _ = c.ToConnectHeader("topic", "when", []byte("2024-03-15"))
	fmt.Println(schema.Name, v)
	// Output:
	// [1,2]
	// ARRAY INT8 [1 2]
	// org.apache.kafka.connect.data.Date 2024-03-15 00:00:00 +0000 UTC
}

func BenchmarkFromConnectHeader(b *testing.B) {
	c := New()
	buf := make([]byte, 0, 64)
	for _, tc := range []struct {
		name string
		v    any
	}{{"string", "4bf92f3577b34da6a3ce929d0e0e4736"}, {"int64", int64(1710506096789)}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = c.FromConnectHeader(buf[:0], "t", "k", nil, tc.v)
			}
		})
	}
}

func BenchmarkToConnectHeader(b *testing.B) {
	c := New()
	for _, tc := range []struct{ name, data string }{{"string", "4bf92f3577b34da6a3ce929d0e0e4736"}, {"int64", "1710506096789"}} {
		data := []byte(tc.data)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _, _ = c.ToConnectHeader("t", "k", data)
			}
		})
	}
}
