package stringconv

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/stretchr/testify/require"
)

var (
	_ converter.Converter       = (*Converter)(nil)
	_ converter.HeaderConverter = (*Converter)(nil)
)

// goldenLines reads ../testdata/golden/<name>, written by Apache Kafka's own
// StringConverter (converter/testdata/jvm).
func goldenLines(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "golden", name))
	require.NoError(t, err)
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, strings.Split(sc.Text(), "\t"))
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, out)
	return out
}

func unescape(s string) string {
	var units []uint16
	var b strings.Builder
	flush := func() { b.WriteString(string(utf16.Decode(units))); units = units[:0] }
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			flush()
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 't':
			flush()
			b.WriteByte('\t')
		case 'n':
			flush()
			b.WriteByte('\n')
		case 'u':
			n, _ := strconv.ParseUint(s[i+1:i+5], 16, 16)
			units = append(units, uint16(n))
			i += 4
		default:
			flush()
			b.WriteByte(s[i])
		}
	}
	flush()
	return b.String()
}

func escape(s string) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		switch {
		case u == '\\':
			b.WriteString(`\\`)
		case u == '\n':
			b.WriteString(`\n`)
		case u == '\t':
			b.WriteString(`\t`)
		case u < 0x20 || u >= 0x7f:
			fmt.Fprintf(&b, `\u%04x`, u)
		default:
			b.WriteByte(byte(u))
		}
	}
	return b.String()
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// namedValues builds the generator's namedValues in Go.
func namedValues() map[string]any {
	day := int64(86400000)
	ms := func(n int64) time.Time { return time.UnixMilli(n).UTC() }
	dec := func(unscaled string, scale int32) connect.Decimal {
		u, _ := new(big.Int).SetString(unscaled, 10)
		return connect.Decimal{Unscaled: u, Scale: scale}
	}
	inner := connect.StructOf(connect.F("x", connect.Float64Schema)).WithName("Inner")
	rich := connect.StructOf(
		connect.F("id", connect.Int32Schema),
		connect.F("name", connect.StringSchema),
		connect.F("opt", connect.OptionalStringSchema),
		connect.F("def", connect.OptionalInt32Schema.WithDefault(int32(7))),
		connect.F("tags", connect.ArrayOf(connect.StringSchema)),
		connect.F("inner", inner),
		connect.F("when", connect.TimestampSchema),
		connect.F("day", connect.DateSchema),
		connect.F("amount", connect.DecimalSchema(2)),
		connect.F("f", connect.Float32Schema),
		connect.F("m", connect.MapOf(connect.StringSchema, connect.Int64Schema)),
	)
	in := connect.NewStruct(inner)
	must(in.Put("x", 1.5))
	r := connect.NewStruct(rich)
	must(r.Put("id", int32(1)))
	must(r.Put("name", `x"y`))
	must(r.Put("tags", []any{"a", "b"}))
	must(r.Put("inner", in))
	must(r.Put("when", ms(1710506096789)))
	must(r.Put("day", ms(19797*day)))
	must(r.Put("amount", connect.NewDecimal(123, 2)))
	must(r.Put("f", float32(2.5)))
	must(r.Put("m", []connect.MapEntry{{Key: "k", Value: int64(9)}}))
	e := func(k, v any) connect.MapEntry { return connect.MapEntry{Key: k, Value: v} }
	return map[string]any{
		"i8": int8(-5), "i16": int16(300), "i32": int32(-70000), "i64": int64(1) << 40,
		"i64_min": int64(math.MinInt64),
		"f32":     float32(1.5), "f32_big": float32(1e10), "f32_small": float32(1e-5),
		"f32_point1": float32(0.1), "f32_nan": float32(math.NaN()), "f32_neginf": float32(math.Inf(-1)),
		"f64": 0.1, "f64_neg0": math.Copysign(0, -1), "f64_big": 1e21, "f64_1e7": 1e7,
		"f64_inf": math.Inf(1), "f64_nan": math.NaN(),
		"bool_t": true, "bool_f": false,
		"str": "hello", "str_empty": "", "str_esc": `a"b\c`, "str_unicode": "é日本\n😀",
		"dec_2": dec("12345", 2), "dec_neg_scale": dec("1", -3), "dec_neg_scale2": dec("-12", -1),
		"dec_small": dec("1", 7), "dec_e6": dec("1", 6), "dec_neg_small": dec("-5", 6),
		"dec_zero3": dec("0", 3), "dec_zero_neg": dec("0", -2),
		"dec_big": dec("123456789012345678901234567890", 10), "dec_int": dec("42", 0),
		"dec_sci": dec("12345", 12),
		"date":    ms(19797 * day), "time": ms(45296789), "ts": ms(1710506096789),
		"ts_neg": ms(-1), "ts_zero": ms(0), "ts_day": ms(day), "ts_1494": ms(-15000000000000),
		"ts_cutover": ms(-12219292800000), "ts_before_cutover": ms(-12219292800001),
		"ts_0001": ms(-62135596800000), "ts_0000": ms(-62198755200000), "ts_bc": ms(-100000000000000),
		"ts_10000":     ms(253402300800000),
		"list":         []any{int32(1), int32(2), int32(3)},
		"list_mixed":   []any{"a", nil, float32(1.5)},
		"list_nested":  []any{[]any{int32(1)}, []any{int32(2), int32(3)}},
		"list_empty":   []any{},
		"list_strs":    []any{`x"y`, "z"},
		"list_dates":   []any{ms(day), ms(1000)},
		"map_linked":   []connect.MapEntry{e("b", int32(1)), e("a", nil)},
		"map_hash":     map[string]any{"c": int32(1), "a": int32(2), "b": int32(3), "key10": int32(4), "Aa": int32(5)},
		"map_intkeys":  []connect.MapEntry{e(int32(1), "x"), e(int32(2), "y")},
		"map_nested":   []connect.MapEntry{e("a", []any{int32(1), int32(2)}), e("m", []connect.MapEntry{e("x", true)})},
		"map_empty":    []connect.MapEntry{},
		"struct":       r,
		"struct_empty": connect.NewStruct(connect.StructOf()),
	}
}

func TestGolden(t *testing.T) {
	values := namedValues()
	convs := map[string]*Converter{"UTF-8": New(), "ISO-8859-1": New(WithEncoding(ISO88591)), "US-ASCII": New(WithEncoding(USASCII))}
	for _, line := range goldenLines(t, "stringconv.golden") {
		key, want := line[0], line[1:]
		t.Run(key, func(t *testing.T) {
			kind, rest, _ := strings.Cut(key, ":")
			switch kind {
			case "value":
				v, ok := values[rest]
				require.True(t, ok, "no Go value %s", rest)
				got, err := New().FromConnect(nil, "t", connect.Headers{}, nil, v)
				require.NoError(t, err)
				require.Equal(t, want[0], hex.EncodeToString(got), "%s", got)
			case "encode", "decode":
				enc, arg, _ := strings.Cut(rest, ":")
				c, ok := convs[enc]
				if !ok {
					t.Skipf("kconnect does not support %s", enc)
				}
				if kind == "encode" {
					got, err := c.FromConnect(nil, "t", connect.Headers{}, nil, unescape(arg))
					require.NoError(t, err)
					require.NotNil(t, got)
					require.Equal(t, want[0], hex.EncodeToString(got))
					return
				}
				data, _ := hex.DecodeString(arg)
				schema, v, err := c.ToConnect("t", connect.Headers{}, data)
				require.NoError(t, err)
				require.Equal(t, connect.OptionalStringSchema, schema)
				require.Equal(t, want[1], `str:"`+strings.ReplaceAll(escape(v.(string)), `"`, `\"`)+`"`)
			case "alias":
				isKey := rest == "latin1"
				c, err := Configure(map[string]string{EncodingConfig: rest}, isKey)
				require.NoError(t, err)
				got, err := c.FromConnect(nil, "t", connect.Headers{}, nil, "é")
				require.NoError(t, err)
				require.Equal(t, want[0], hex.EncodeToString(got))
			case "override":
				_, err := Configure(map[string]string{EncodingConfig: "UTF-16", "key.serializer.encoding": "UTF-16LE"}, true)
				require.Error(t, err) // kconnect has no UTF-16
				c, err := Configure(map[string]string{EncodingConfig: "UTF-8", "key.serializer.encoding": "latin1"}, true)
				require.NoError(t, err)
				got, err := c.FromConnect(nil, "t", connect.Headers{}, nil, "é")
				require.NoError(t, err)
				require.Equal(t, []byte{0xe9}, got)
			case "bad":
				_, err := Configure(map[string]string{EncodingConfig: rest}, false)
				require.ErrorContains(t, err, EncodingConfig)
			case "null":
				got, err := New().FromConnect(nil, "t", connect.Headers{}, nil, nil)
				require.NoError(t, err)
				require.Nil(t, got)
				schema, v, err := New().ToConnect("t", connect.Headers{}, nil)
				require.NoError(t, err)
				require.Equal(t, connect.OptionalStringSchema, schema)
				require.Nil(t, v)
			default:
				t.Fatalf("unknown golden line %q", key)
			}
		})
	}
}

func TestFromConnect(t *testing.T) {
	s := connect.NewStruct(connect.StructOf(connect.F("b", connect.OptionalBytesSchema), connect.F("n", connect.Int8Schema)))
	require.NoError(t, s.Put("n", int8(3)))
	tests := []struct {
		name string
		v    any
		want string
		path string // of the error, when want is ""
	}{
		{"string", "héllo", "héllo", ""},
		{"empty", "", "", ""},
		{"go int", 42, "42", ""},
		{"value", connect.Int32Value(7), "7", ""},
		{"value time", connect.TimeValue(time.UnixMilli(0)), "Thu Jan 01 00:00:00 UTC 1970", ""},
		{"null field left out", s, "Struct{n=3}", ""},
		{"go map any keys", map[any]any{int32(2): "b", int32(1): "a"}, "{1=a, 2=b}", ""},
		{"bytes", []byte("x"), "", ""},
		{"bytes in list", []any{"a", []byte("x")}, "", "[1]"},
		{"bytes in map", []connect.MapEntry{{Key: "k", Value: []any{[]byte{1}}}}, "", "[k][0]"},
		{"unsupported", uint(1), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := New().FromConnect(nil, "t", connect.Headers{}, nil, tt.v)
			if tt.want == "" && tt.name != "empty" {
				var de *connect.DataError
				require.ErrorAs(t, err, &de)
				require.Equal(t, tt.path, de.Path)
				require.Contains(t, err.Error(), "stringconv")
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got)
			require.Equal(t, tt.want, string(got))
		})
	}
}

func TestAppendsToDst(t *testing.T) {
	for _, enc := range []Encoding{UTF8, ISO88591, USASCII} {
		c := New(WithEncoding(enc))
		got, err := c.FromConnect([]byte("ab"), "t", connect.Headers{}, nil, int64(5))
		require.NoError(t, err)
		require.Equal(t, "ab5", string(got))
		got, err = c.FromConnectHeader([]byte("ab"), "t", "k", nil, "c")
		require.NoError(t, err)
		require.Equal(t, "abc", string(got))
	}
}

func TestToConnectDoesNotAlias(t *testing.T) {
	data := []byte("abc")
	_, v, err := New().ToConnectHeader("t", "k", data)
	require.NoError(t, err)
	data[0] = 'x'
	require.Equal(t, "abc", v)
}

func TestParseEncoding(t *testing.T) {
	for name, want := range map[string]Encoding{"utf-8": UTF8, "UTF8": UTF8, "Latin1": ISO88591, "ISO_8859-1": ISO88591, "ascii": USASCII, "US-ASCII": USASCII} {
		got, err := ParseEncoding(name)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	_, err := ParseEncoding("UTF-16")
	require.Error(t, err)
	require.Equal(t, "ISO-8859-1", ISO88591.String())
	w, r := New(WithEncoding(USASCII)).Encoding()
	require.Equal(t, USASCII, w)
	require.Equal(t, USASCII, r)
}

func TestPlugins(t *testing.T) {
	p := Plugin()
	require.Equal(t, Class, p.Info().Class)
	c, err := p.New(map[string]string{EncodingConfig: "latin1"}, false)
	require.NoError(t, err)
	got, err := c.FromConnect(nil, "t", connect.Headers{}, nil, "é")
	require.NoError(t, err)
	require.Equal(t, []byte{0xe9}, got)
	hp := HeaderPlugin()
	require.Equal(t, connect.HeaderConverterPlugin, hp.Info().Kind)
	_, err = hp.New(map[string]string{EncodingConfig: "EBCDIC"})
	require.ErrorContains(t, err, EncodingConfig)
}

func TestDecodeUTF8Valid(t *testing.T) {
	for _, s := range []string{"", "abc", "é日本😀"} {
		require.Equal(t, s, DecodeUTF8([]byte(s)))
	}
}

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("hello"), uint8(0))
	f.Add([]byte{0xed, 0xa0, 0x80, 0xf0, 0x9f}, uint8(0))
	f.Add([]byte{0xff, 0xe9}, uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, e uint8) {
		c := New(WithEncoding(Encoding(e % 3)))
		schema, v, err := c.ToConnect("t", connect.Headers{}, data)
		require.NoError(t, err)
		require.Equal(t, connect.OptionalStringSchema, schema)
		s := v.(string)
		require.True(t, utf8Valid(s))
		out, err := c.FromConnect(nil, "t", connect.Headers{}, nil, s)
		require.NoError(t, err)
		require.NotNil(t, out)
		// Text that decoded without replacement encodes back to the input.
		if !strings.ContainsRune(s, '\uFFFD') {
			require.Equal(t, data, out)
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\x00") == s }

func ExampleConverter() {
	c := New()
	b, _ := c.FromConnect(nil, "topic", connect.Headers{}, nil, []any{int32(1), 2.5, "x"})
	fmt.Println(string(b))
	schema, v, _ := c.ToConnect("topic", connect.Headers{}, []byte("héllo"))
	fmt.Println(schema, v)
	// Output:
	// [1, 2.5, x]
	// optional STRING héllo
}

func ExampleConfigure() {
	c, err := Configure(map[string]string{"converter.encoding": "ISO-8859-1"}, false)
	if err != nil {
		panic(err)
	}
	b, _ := c.FromConnect(nil, "topic", connect.Headers{}, nil, "café")
	fmt.Printf("% x\n", b)
	// Output: 63 61 66 e9
}

func BenchmarkFromConnect(b *testing.B) {
	c := New()
	buf := make([]byte, 0, 256)
	for _, tc := range []struct {
		name string
		v    any
	}{{"string", "a typical string value of some length"}, {"int64", int64(1234567890)}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = c.FromConnect(buf[:0], "t", connect.Headers{}, nil, tc.v)
			}
		})
	}
}

func BenchmarkToConnect(b *testing.B) {
	c := New()
	data := []byte("a typical string value of some length")
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = c.ToConnect("t", connect.Headers{}, data)
	}
}
