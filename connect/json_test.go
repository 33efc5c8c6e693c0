package connect

import (
	"math"
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
