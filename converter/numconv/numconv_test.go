package numconv

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/stretchr/testify/require"
)

var (
	_ converter.Converter       = (*Converter)(nil)
	_ converter.HeaderConverter = (*Converter)(nil)
)

var byName = map[string]Type{"short": Short, "integer": Integer, "long": Long, "float": Float, "double": Double, "boolean": Boolean}

// parseDesc reads a value as the golden generator describes it ("i16:-2",
// "f32:3fc00000", "bool:true").
func parseDesc(t *testing.T, s string) any {
	kind, v, _ := strings.Cut(s, ":")
	switch kind {
	case "i16":
		n, err := strconv.ParseInt(v, 10, 16)
		require.NoError(t, err)
		return int16(n)
	case "i32":
		n, err := strconv.ParseInt(v, 10, 32)
		require.NoError(t, err)
		return int32(n)
	case "i64":
		n, err := strconv.ParseInt(v, 10, 64)
		require.NoError(t, err)
		return n
	case "f32":
		n, err := strconv.ParseUint(v, 16, 32)
		require.NoError(t, err)
		return math.Float32frombits(uint32(n))
	case "f64":
		n, err := strconv.ParseUint(v, 16, 64)
		require.NoError(t, err)
		return math.Float64frombits(n)
	case "bool":
		return v == "true"
	}
	t.Fatalf("unknown value %q", s)
	return nil
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case float32:
		return fmt.Sprintf("f32:%08x", math.Float32bits(x))
	case float64:
		return fmt.Sprintf("f64:%016x", math.Float64bits(x))
	case int16:
		return fmt.Sprintf("i16:%d", x)
	case int32:
		return fmt.Sprintf("i32:%d", x)
	case int64:
		return fmt.Sprintf("i64:%d", x)
	case bool:
		return fmt.Sprintf("bool:%t", x)
	}
	return fmt.Sprintf("?%T", v)
}

func schemaDesc(s *connect.Schema) string {
	if s == nil {
		return "null"
	}
	if s.Optional {
		return "?" + s.Type.String()
	}
	return s.Type.String()
}

// TestGolden checks bytes against those Apache Kafka's own converters wrote
// (../testdata/golden/numconv.golden, from converter/testdata/jvm).
func TestGolden(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "testdata", "golden", "numconv.golden"))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		parts := strings.Split(sc.Text(), "\t")
		name, rest, _ := strings.Cut(parts[0], ":")
		typ, ok := byName[name]
		if !ok {
			continue // bytearray: see bytesconv
		}
		c := New(typ)
		n++
		t.Run(parts[0], func(t *testing.T) {
			switch {
			case rest == "null":
				out, err := c.FromConnect(nil, "t", connect.Headers{}, nil, nil)
				require.NoError(t, err)
				require.Nil(t, out)
				schema, v, err := c.ToConnect("t", connect.Headers{}, nil)
				require.NoError(t, err)
				require.Equal(t, parts[2], schemaDesc(schema))
				require.Nil(t, v)
			case strings.HasPrefix(rest, "read:"):
				data, _ := hex.DecodeString(strings.TrimPrefix(rest, "read:"))
				_, _, err := c.ToConnect("t", connect.Headers{}, data)
				var de *connect.DataError
				require.ErrorAs(t, err, &de, "Kafka: %s", parts[2])
				if len(data) != typ.Size() {
					require.Contains(t, err.Error(), fmt.Sprintf("want exactly %d", typ.Size()))
				}
			case strings.HasPrefix(rest, "write:"):
				v := any("x")
				var schema *connect.Schema
				if rest == "write:schema" {
					v, schema = true, connect.Int8Schema
				}
				_, err := c.FromConnect(nil, "t", connect.Headers{}, schema, v)
				var de *connect.DataError
				require.ErrorAs(t, err, &de, "Kafka: %s", parts[2])
			default:
				v := parseDesc(t, rest)
				out, err := c.FromConnect([]byte{0xaa}, "t", connect.Headers{}, nil, v)
				require.NoError(t, err)
				require.Equal(t, "aa"+parts[1], hex.EncodeToString(out))
				out, err = c.FromConnectHeader(nil, "t", "k", nil, connect.AnyValue(v))
				require.NoError(t, err)
				require.Equal(t, parts[1], hex.EncodeToString(out))
				schema, back, err := c.ToConnectHeader("t", "k", out)
				require.NoError(t, err)
				require.Equal(t, parts[2], schemaDesc(schema))
				require.Equal(t, parts[3], describe(back))
			}
		})
	}
	require.NoError(t, sc.Err())
	require.Greater(t, n, 30)
}

func TestGoInt(t *testing.T) {
	tests := []struct {
		typ  Type
		v    int
		want string
	}{
		{Short, -2, "fffe"},
		{Short, 1 << 15, ""},
		{Integer, 1 << 20, "00100000"},
		{Integer, -1 << 40, ""},
		{Long, -1 << 40, "ffffff0000000000"},
		{Float, 1, ""},
		{Boolean, 1, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.typ, tt.v), func(t *testing.T) {
			out, err := New(tt.typ).FromConnect(nil, "t", connect.Headers{}, nil, tt.v)
			if tt.want == "" {
				var de *connect.DataError
				require.ErrorAs(t, err, &de)
				require.Contains(t, err.Error(), tt.typ.String())
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, hex.EncodeToString(out))
		})
	}
}

func TestWrongValueTypes(t *testing.T) {
	for typ := Short; typ <= Boolean; typ++ {
		for _, v := range []any{int8(1), "1", []byte{1}, connect.StringValue("x"), uint16(1)} {
			_, err := New(typ).FromConnect(nil, "t", connect.Headers{}, nil, v)
			var de *connect.DataError
			require.ErrorAs(t, err, &de, "%s %T", typ, v)
		}
		out, err := New(typ).FromConnect(nil, "t", connect.Headers{}, nil, connect.Value{})
		require.NoError(t, err)
		require.Nil(t, out)
	}
	// The number converters ignore the schema, as in Kafka Connect.
	out, err := New(Short).FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, int16(1))
	require.NoError(t, err)
	require.Equal(t, []byte{0, 1}, out)
}

func TestTypes(t *testing.T) {
	require.Len(t, Plugins(), 6)
	require.Len(t, HeaderPlugins(), 6)
	for i, p := range Plugins() {
		typ := Type(i + 1)
		require.Equal(t, typ.Class(), p.Info().Class)
		require.Contains(t, p.Info().Names(), typ.String())
		c, err := p.New(nil, true)
		require.NoError(t, err)
		require.Equal(t, typ, c.(*Converter).Type())
		hc, err := HeaderPlugins()[i].New(nil)
		require.NoError(t, err)
		require.Equal(t, typ, hc.(*Converter).Type())
		require.True(t, typ.Schema().Optional)
	}
	require.False(t, Type(0).Valid())
	require.Equal(t, "", Type(9).Class())
	require.Zero(t, Type(9).Size())
	require.Nil(t, Type(9).Schema())
	require.Contains(t, Type(9).String(), "9")
	require.Panics(t, func() { New(0) })
}

func FuzzToConnect(f *testing.F) {
	f.Add([]byte{1, 2}, uint8(0))
	f.Add([]byte{2}, uint8(5))
	f.Fuzz(func(t *testing.T, data []byte, typ uint8) {
		c := New(Type(typ%6 + 1))
		schema, v, err := c.ToConnect("t", connect.Headers{}, data)
		if err != nil {
			var de *connect.DataError
			require.ErrorAs(t, err, &de)
			return
		}
		require.Equal(t, c.Type().Schema(), schema)
		out, err := c.FromConnect(nil, "t", connect.Headers{}, schema, v)
		require.NoError(t, err)
		require.Equal(t, data, out)
	})
}

func Example() {
	c := New(Integer)
	b, _ := c.FromConnect(nil, "topic", connect.Headers{}, connect.Int32Schema, int32(258))
	fmt.Printf("% x\n", b)
	schema, v, _ := c.ToConnect("topic", connect.Headers{}, b)
	fmt.Println(schema, v)
	_, _, err := c.ToConnect("topic", connect.Headers{}, []byte{1, 2})
	fmt.Println(err)
	// Output:
	// 00 00 01 02
	// optional INT32 258
	// connect: numconv: IntegerConverter cannot deserialize 2 bytes: want exactly 4
}

func BenchmarkFromConnect(b *testing.B) {
	buf := make([]byte, 0, 16)
	for _, tc := range []struct {
		typ Type
		v   any
	}{{Short, int16(1234)}, {Integer, int32(123456)}, {Long, int64(1234567890123)}, {Float, float32(1.5)}, {Double, 2.5}, {Boolean, true}} {
		c := New(tc.typ)
		b.Run(tc.typ.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = c.FromConnect(buf[:0], "t", connect.Headers{}, nil, tc.v)
			}
		})
	}
}

func BenchmarkToConnect(b *testing.B) {
	for typ := Short; typ <= Boolean; typ++ {
		c := New(typ)
		data, _ := c.FromConnect(nil, "t", connect.Headers{}, nil, map[Type]any{Short: int16(1234), Integer: int32(123456),
			Long: int64(1234567890123), Float: float32(1.5), Double: 2.5, Boolean: true}[typ])
		b.Run(typ.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _, _ = c.ToConnect("t", connect.Headers{}, data)
			}
		})
	}
}
