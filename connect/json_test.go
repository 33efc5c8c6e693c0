package connect

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAppendJavaFloat(t *testing.T) {
	cases := []struct {
		f    float64
		bits int
		want string
	}{
		{1e10, 64, "1.0E10"},
		{1.5e-7, 64, "1.5E-7"},
		{100, 64, "100.0"},
		{1, 64, "1.0"},
		{0.001, 64, "0.001"},
		{0.0001, 64, "1.0E-4"},
		{1234567, 64, "1234567.0"},
		{1e7, 64, "1.0E7"},
		{9999999.5, 64, "9999999.5"},
		{199.99, 64, "199.99"},
		{-2.5, 64, "-2.5"},
		{0.1, 64, "0.1"},
		{math.Copysign(0, -1), 64, "-0.0"},
		{0, 64, "0.0"},
		{math.MaxFloat64, 64, "1.7976931348623157E308"},
		{5e-324, 64, "4.9E-324"},
		{math.NaN(), 64, `"NaN"`},
		{math.Inf(1), 64, `"Infinity"`},
		{math.Inf(-1), 64, `"-Infinity"`},
		{float64(float32(3.14)), 32, "3.14"},
		{float64(float32(1e20)), 32, "1.0E20"},
		{float64(float32(4.5)), 32, "4.5"},
		{float64(float32(-5.5)), 32, "-5.5"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, string(AppendJavaFloat(nil, c.f, c.bits)), "%v/%d", c.f, c.bits)
	}
}

func TestAppendJSONString(t *testing.T) {
	cases := map[string]string{
		"plain":                  `"plain"`,
		"q\"b\\\t\n\x01</>&\x7f": "\"q\\\"b\\\\\\t\\n\\u0001</>&\x7f\"",
		"\x1f\b\f\r":             `"\u001F\b\f\r"`,
		"héllo 世界 😀\u2028":       "\"héllo 世界 \\uD83D\\uDE00\u2028\"",
		"bad\xffutf8":            "\"bad\uFFFDutf8\"",
		"":                       `""`,
	}
	for in, want := range cases {
		require.Equal(t, want, string(AppendJSONString(nil, in)), "%q", in)
	}

	// Every byte that needs a look, at every position of strings longer
	// than the eight-byte fast path: the output reads back as the input.
	for _, special := range []string{"\"", "\\", "\x00", "\x1f", "\n", "\x7f", "é", "😀", "\u2028"} {
		for n := 0; n <= 24; n++ {
			for at := 0; at <= n; at++ {
				in := strings.Repeat("a", at) + special + strings.Repeat("b", n-at)
				out := AppendJSONString(nil, in)
				var back string
				require.NoError(t, json.Unmarshal(out, &back), "%q -> %s", in, out)
				require.Equal(t, in, back, "%q -> %s", in, out)
			}
		}
	}
}

func TestParseJSON(t *testing.T) {
	v, err := ParseJSON([]byte(`{"a":1,"b":2.5,"c":[true,null,"x"],"d":9007199254740993,"e":1e2,"f":99999999999999999999}`))
	require.NoError(t, err)
	m := v.(map[string]any)
	require.Equal(t, int64(1), m["a"])
	require.Equal(t, 2.5, m["b"])
	require.Equal(t, []any{true, nil, "x"}, m["c"])
	require.Equal(t, int64(9007199254740993), m["d"])
	require.Equal(t, 100.0, m["e"])
	require.Equal(t, 1e20, m["f"])

	for _, bad := range []string{``, `{`, `{"a":}`, `[1,2`, `1 2`, `nul`} {
		_, err := ParseJSON([]byte(bad))
		require.Error(t, err, "%q", bad)
		require.Contains(t, err.Error(), "invalid JSON")
	}
}

func TestAppendJSONSchemaless(t *testing.T) {
	b, err := AppendJSON(nil, []any{int8(1), []byte{1, 2}, map[any]any{int32(2): "two", int32(1): "one"}, nil, float32(1.5)})
	require.NoError(t, err)
	require.Equal(t, `[1,"AQI=",[[1,"one"],[2,"two"]],null,1.5]`, string(b))

	_, err = AppendJSON(nil, map[string]any{"x": []any{struct{}{}}})
	require.Error(t, err)
	require.Contains(t, err.Error(), "x[0]")
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1,2.5,"x",null,true]`, `"s"`, `12345678901234567890`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ParseJSON(data)
		if err != nil {
			return
		}
		if _, err := AppendJSON(nil, v); err != nil {
			t.Fatalf("re-encoding %q: %v", data, err)
		}
	})
}

// In plain notation's range, AppendJavaFloat writes Go's shortest digits
// with the point where the value puts it and at least one fractional digit.
// Checked on random values of both widths against strconv's shortest
// scientific form, an independent formatting of the same digits.
func TestAppendJavaFloatPlainRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sig := func(s string) string { // significant digits: no sign, point, exponent, leading or trailing zeros
		s, _, _ = strings.Cut(strings.TrimPrefix(s, "-"), "e")
		s = strings.ReplaceAll(s, ".", "")
		return strings.TrimRight(strings.TrimLeft(s, "0"), "0")
	}
	for i := range 300000 {
		bits := 64
		f := math.Float64frombits(rng.Uint64())
		if i%2 == 1 {
			bits = 32
			f = float64(math.Float32frombits(rng.Uint32()))
		}
		switch i % 6 {
		case 0, 3: // most random bit patterns are far from the range
			f = math.Pow(10, -3+10*rng.Float64())
		case 1, 4: // few decimals, appendFewDecimals's case
			f, _ = strconv.ParseFloat(fmt.Sprintf("%d.%0*d", rng.IntN(10_000_000), 1+rng.IntN(8), rng.IntN(100_000_000)), bits)
		}
		if bits == 32 {
			f = float64(float32(f))
		}
		if rng.IntN(2) == 0 {
			f = -f
		}
		if a := math.Abs(f); !(a >= 1e-3 && a < 1e7) {
			continue
		}
		got := string(AppendJavaFloat(nil, f, bits))
		back, err := strconv.ParseFloat(got, bits)
		require.NoError(t, err, got)
		require.Equal(t, f, back, "%s does not read back as %v/%d", got, f, bits)
		require.Equal(t, sig(strconv.FormatFloat(f, 'e', -1, bits)), sig(got), "%v/%d", f, bits)
		point := strings.IndexByte(got, '.')
		require.True(t, point > 0 && point < len(got)-1 && !strings.ContainsAny(got, "eE"), got)
	}
}
