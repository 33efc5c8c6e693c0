package connect

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// rawBytes is an AppendJavaString other that writes bytes as they are and
// rejects the rest.
func rawBytes(dst []byte, v any) ([]byte, error) {
	if b, ok := v.([]byte); ok {
		return append(dst, b...), nil
	}
	return dst, errors.New("no")
}

func TestAppendJavaString(t *testing.T) {
	inner := StructOf(F("x", Int32Schema))
	in := NewStruct(inner)
	require.NoError(t, in.Put("x", int32(-3)))
	s := NewStruct(StructOf(
		F("id", Int32Schema), F("opt", OptionalStringSchema), F("at", TimestampSchema),
		F("b", BytesSchema), F("tags", ArrayOf(StringSchema)), F("in", inner),
	))
	require.NoError(t, s.Put("id", int32(42)))
	require.NoError(t, s.Put("at", time.UnixMilli(0)))
	require.NoError(t, s.Put("b", []byte("xy")))
	require.NoError(t, s.Put("tags", []any{"a", "b"}))
	require.NoError(t, s.Put("in", in))

	tests := []struct {
		name string
		v    any
		want string
	}{
		{"nil", nil, "null"},
		{"string", "héllo", "héllo"},
		{"bool", false, "false"},
		{"int8", int8(-8), "-8"},
		{"int", 7, "7"},
		{"float32", float32(0.1), "0.1"},
		{"float64 exponent", 1e10, "1.0E10"},
		{"NaN", math.NaN(), "NaN"},
		{"-Infinity", math.Inf(-1), "-Infinity"},
		{"decimal", NewDecimal(1, -3), "1E+3"},
		{"date", time.Date(2024, 3, 15, 12, 34, 56, 789e6, time.UTC), "Fri Mar 15 12:34:56 UTC 2024"},
		{"date in another zone", time.Date(2024, 1, 1, 0, 30, 0, 0, time.FixedZone("x", 3600)), "Sun Dec 31 23:30:00 UTC 2023"},
		{"Gregorian cutover", time.UnixMilli(-12219292800000), "Fri Oct 15 00:00:00 UTC 1582"},
		{"Julian before the cutover", time.UnixMilli(-12219292800001), "Thu Oct 04 23:59:59 UTC 1582"},
		{"year 1", time.UnixMilli(-62135596800001), "Sun Jan 02 23:59:59 UTC 1"},
		{"2 BC as the year of the era", time.UnixMilli(-62198755200000), "Fri Jan 03 00:00:00 UTC 2"},
		{"bytes to other", []byte("raw"), "raw"},
		{"nil bytes", []byte(nil), "null"},
		{"array", []any{int32(1), nil, []any{}, []byte("z")}, "[1, null, [], z]"},
		{"nil array", []any(nil), "null"},
		{"entries in order", []MapEntry{{"z", 1}, {"a", 2}}, "{z=1, a=2}"},
		{"string map", map[string]any{"b": "x", "a": int64(1)}, "{a=1, b=x}"},
		{"any map in HashMap order", map[any]any{int32(17): "p", int32(1): "q"}, "{1=q, 17=p}"},
		{"nil map", map[string]any(nil), "null"},
		{"struct without null fields", s, "Struct{id=42,at=Thu Jan 01 00:00:00 UTC 1970,b=xy,tags=[a, b],in=Struct{x=-3}}"},
		{"nil struct", (*Struct)(nil), "null"},
		{"value", Float32Value(2), "2.0"},
		{"time value", TimeValue(time.UnixMilli(1000)), "Thu Jan 01 00:00:01 UTC 1970"},
		{"bytes value", BytesValue([]byte("q")), "q"},
		{"null value", Value{}, "null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendJavaString([]byte("p:"), tt.v, rawBytes)
			require.NoError(t, err)
			require.Equal(t, "p:"+tt.want, string(got))
		})
	}
}

func TestAppendJavaStringOther(t *testing.T) {
	type custom struct{ A int }
	failing := func(dst []byte, v any) ([]byte, error) { return dst, fmt.Errorf("no text for %T", v) }
	s := NewStruct(StructOf(F("b", BytesSchema), F("m", MapOf(StringSchema, ArrayOf(BytesSchema)))))
	require.NoError(t, s.Put("b", []byte("x")))
	tests := []struct {
		name  string
		v     any
		other func([]byte, any) ([]byte, error)
		path  string
		msg   string
	}{
		{"top-level bytes, no other", []byte("x"), nil, "", "a BYTES value has no Java text form"},
		{"outside the data model, no other", custom{1}, nil, "", "connect.custom is not a connect value type"},
		{"array element", []any{"a", custom{}}, failing, "[1]", "no text for connect.custom"},
		{"map key", []MapEntry{{Key: []byte("k"), Value: 1}}, failing, "[[107]].key", "no text for []uint8"},
		{"map value in a list", []any{map[string]any{"k": []any{uint8(1)}}}, failing, "[0][k][0]", "no text for uint8"},
		{"struct field", s, failing, "b", "no text for []uint8"},
		{"value", BytesValue([]byte("x")), failing, "", "no text for []uint8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := AppendJavaString(nil, tt.v, tt.other)
			var de *DataError
			require.ErrorAs(t, err, &de)
			require.Equal(t, tt.path, de.Path)
			require.ErrorContains(t, err, tt.msg)
		})
	}

	got, err := AppendJavaString(nil, []any{custom{5}}, func(dst []byte, v any) ([]byte, error) { return fmt.Append(dst, v), nil })
	require.NoError(t, err)
	require.Equal(t, "[{5}]", string(got))
}

func TestAppendJavaStringAllocations(t *testing.T) {
	buf := make([]byte, 0, 256)
	for _, v := range []any{"string", []byte("bytes"), int64(5), 1.5, true, time.Unix(1e9, 0), Int32Value(3)} {
		allocs := testing.AllocsPerRun(100, func() { buf, _ = AppendJavaString(buf[:0], v, rawBytes) })
		require.Zero(t, allocs, "%T", v)
	}
}

// TestJulianDate checks julianDate against julianFixed, which ParseString
// uses to read Julian dates, over 20,000 years before the cutover.
func TestJulianDate(t *testing.T) {
	for fixed := int64(gregorianCutover - 1); fixed > gregorianCutover-20000*366; fixed-- {
		y, m, d := julianDate(fixed)
		if m < 1 || m > 12 || d < 1 || d > 31 || julianFixed(y, int64(m))+int64(d)-1 != fixed {
			t.Fatalf("fixed day %d: %d-%d-%d", fixed, y, m, d)
		}
	}
}
