package connect

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Most behaviour is checked against Apache Kafka's own Values class in
// values_golden_test.go; these tests cover what the goldens cannot.

func TestParseStringDepthLimit(t *testing.T) {
	ok := strings.Repeat("[", MaxParseDepth) + strings.Repeat("]", MaxParseDepth)
	schema, _, err := ParseString(ok)
	require.NoError(t, err)
	require.Equal(t, ArrayType, schema.Type)

	for _, deep := range []string{
		strings.Repeat("[", MaxParseDepth+1) + strings.Repeat("]", MaxParseDepth+1),
		strings.Repeat(`{"a":`, MaxParseDepth+1),
		strings.Repeat("[", 100000),
	} {
		_, _, err = ParseString(deep)
		require.ErrorIs(t, err, ErrParseDepth)
		var de *DataError
		require.ErrorAs(t, err, &de)
	}
}

func TestParseStringRoundTrip(t *testing.T) {
	// Values a JVM worker writes with SimpleHeaderConverter read back with
	// their schema.
	tests := []struct {
		v      any
		schema *Schema
	}{
		{int8(-5), Int8Schema},
		{int16(300), Int16Schema},
		{int32(1 << 20), Int32Schema},
		{int64(1) << 40, Int64Schema},
		{float32(1.5), Float32Schema},
		{1.5e300, Float64Schema},
		{true, BooleanSchema},
		{"plain text", StringSchema},
		{NewDecimal(1, -400), DecimalSchema(-400)},
		{time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC), DateSchema},
		{time.Date(1970, 1, 1, 12, 34, 56, 789e6, time.UTC), TimeSchema},
		{time.Date(2024, 3, 15, 12, 34, 56, 789e6, time.UTC), TimestampSchema},
		{[]any{"a", "b"}, ArrayOf(StringSchema)},
		{[]MapEntry{{"a", int8(1)}, {"b", int8(2)}}, MapOf(StringSchema, Int8Schema)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.v), func(t *testing.T) {
			s, err := ConvertToString(nil, tt.v)
			require.NoError(t, err)
			schema, v, err := ParseString(s)
			require.NoError(t, err)
			require.True(t, tt.schema.Equal(schema), "schema %s, want %s", describeSchema(schema), describeSchema(tt.schema))
			require.True(t, ValuesEqual(tt.v, v), "value %v, want %v", v, tt.v)
		})
	}
}

func TestConvertToStringErrors(t *testing.T) {
	inner := StructOf(F("zip", OptionalInt32Schema))
	s := NewStruct(StructOf(F("tags", ArrayOf(OptionalStringSchema)), F("in", inner)))
	tests := []struct {
		name string
		v    any
		path string
	}{
		{"top", uint(3), ""},
		{"array", []any{int32(1), uint8(2)}, "[1]"},
		{"nested", []any{[]any{complex(1, 2)}}, "[0][0]"},
		{"map value", []MapEntry{{"k", struct{}{}}}, "[k]"},
		{"map key", map[any]any{uint(1): "x"}, "[1].key"},
		{"struct field", s, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ConvertToString(nil, tt.v)
			if tt.name == "struct field" {
				require.NoError(t, err) // every field is a valid value
				return
			}
			var de *DataError
			require.ErrorAs(t, err, &de)
			require.Equal(t, tt.path, de.Path)
		})
	}
	_, err := ConvertToString(nil, nil)
	require.ErrorIs(t, err, ErrNullValue)
	_, err = AppendValueString(nil, nil, []byte(nil))
	require.ErrorIs(t, err, ErrNullValue)
}

func TestConvertToStringStructDefaults(t *testing.T) {
	schema := StructOf(
		F("a", OptionalInt32Schema.WithDefault(int32(7))),
		F("b", OptionalStringSchema),
		F("c", OptionalFloat64Schema),
	)
	s := NewStruct(schema)
	require.NoError(t, s.Put("c", 2.0))
	got, err := ConvertToString(nil, s)
	require.NoError(t, err)
	require.Equal(t, `{"a":7,"b":null,"c":2.0}`, got)
}

func TestConvertValueKinds(t *testing.T) {
	n, err := ConvertToInt32(nil, Int64Value(1<<33+5))
	require.NoError(t, err)
	require.Equal(t, int32(5), n)
	b, err := ConvertToBoolean(nil, StringValue("false"))
	require.NoError(t, err)
	require.False(t, b)
	s, err := ConvertToString(nil, DecimalValue(NewDecimal(-5, 6)))
	require.NoError(t, err)
	require.Equal(t, "-0.000005", s)
	i, err := ConvertToInt64(nil, 42) // a Go int
	require.NoError(t, err)
	require.Equal(t, int64(42), i)
}

func TestConvertTo(t *testing.T) {
	tests := []struct {
		name     string
		to, from *Schema
		v        any
		want     any
		err      bool
	}{
		{"optional null", OptionalInt32Schema, nil, nil, nil, false},
		{"required null", Int32Schema, nil, nil, nil, true},
		{"int8", Int8Schema, nil, "300", int8(44), false},
		{"string", StringSchema, nil, []any{int32(1)}, "[1]", false},
		{"date", DateSchema, nil, int32(1), time.UnixMilli(millisPerDay).UTC(), false},
		{"time", TimeSchema, nil, "12:00:00.000Z", time.UnixMilli(43200000).UTC(), false},
		{"timestamp", TimestampSchema, DateSchema, time.UnixMilli(millisPerDay).UTC(), time.UnixMilli(millisPerDay).UTC(), false},
		{"decimal", DecimalSchema(2), nil, []byte{1, 0}, NewDecimal(256, 2), false},
		{"decimal bytes", BytesSchema.WithParameter(DecimalScaleParameter, "2"), nil, NewDecimal(256, 2), []byte{1, 0}, false},
		{"decimal bytes scale", BytesSchema.WithParameter(DecimalScaleParameter, "3"), nil, NewDecimal(256, 2), nil, true},
		{"bytes", BytesSchema, nil, []byte{1}, []byte{1}, false},
		{"bytes from string", BytesSchema, nil, "x", nil, true},
		{"array", ArrayOf(Int8Schema), nil, "[1]", []any{int8(1)}, false},
		{"map", MapOf(StringSchema, Int8Schema), nil, `{"a":1}`, []MapEntry{{"a", int8(1)}}, false},
		{"map keeps go map", MapOf(StringSchema, Int8Schema), nil, map[string]any{"a": 1}, map[string]any{"a": 1}, false},
		{"map from list", MapOf(StringSchema, Int8Schema), nil, []any{}, nil, true},
		{"struct", StructOf(), nil, "x", nil, true},
		{"float32", Float32Schema, nil, int64(3), float32(3), false},
		{"float64", Float64Schema, nil, "0.5", 0.5, false},
		{"bool", BooleanSchema, nil, "true", true, false},
		{"int16", Int16Schema, nil, 1.9, int16(1), false},
		{"int64", Int64Schema, TimestampSchema, time.UnixMilli(5).UTC(), int64(5), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConvertTo(tt.to, tt.from, tt.v)
			if tt.err {
				var de *DataError
				require.ErrorAs(t, err, &de)
				return
			}
			require.NoError(t, err)
			require.True(t, ValuesEqual(tt.want, got), "got %#v, want %#v", got, tt.want)
		})
	}
	_, err := ConvertTo(nil, nil, 1)
	require.Error(t, err)
}

func TestConvertToMapForms(t *testing.T) {
	got, err := ConvertToMap(nil, map[string]any{"c": 1, "a": 2, "b": 3})
	require.NoError(t, err)
	require.Equal(t, []MapEntry{{"a", 2}, {"b", 3}, {"c", 1}}, got)
	got, err = ConvertToMap(nil, map[any]any{int32(2): "x", int32(1): "y"})
	require.NoError(t, err)
	require.Equal(t, []MapEntry{{int32(1), "y"}, {int32(2), "x"}}, got)
	_, err = ConvertToMap(nil, "null")
	require.Error(t, err)
	_, err = ConvertToList(nil, "null")
	require.Error(t, err)
}

func TestConvertToTimeBeforeChrist(t *testing.T) {
	// Kafka sets the year of a BC timestamp to 1970 BC, which is out of
	// range for a Time.
	_, err := ConvertToTime(TimestampSchema, time.Date(-5, 1, 1, 1, 0, 0, 0, time.UTC))
	require.Error(t, err)
	got, err := ConvertToTime(TimestampSchema, time.Date(5, 1, 1, 1, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Equal(t, time.UnixMilli(3600000).UTC(), got)
}

func TestFormatTemporal(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC), "2024-03-15"},
		{time.Date(2024, 3, 15, 1, 2, 3, 4e6, time.UTC), "2024-03-15T01:02:03.004Z"},
		{time.Date(2024, 3, 15, 1, 2, 3, 4e6, time.FixedZone("X", 3600)), "2024-03-15T00:02:03.004Z"},
		{time.Date(1970, 1, 1, 23, 59, 59, 999999999, time.UTC), "23:59:59.999Z"},
		{time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC), "20:17:00.000Z"},
		{time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC), "12345-01-01"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, FormatTemporal(tt.t))
	}
}

func TestValuesAllocations(t *testing.T) {
	buf := make([]byte, 0, 64)
	for _, v := range []any{int32(5), "hello", 1.5, true, NewDecimal(12345, 2)} {
		n := testing.AllocsPerRun(100, func() {
			_, _ = AppendValueString(buf[:0], nil, v)
		})
		require.LessOrEqual(t, n, 2.0, "%T", v) // Decimal formats its big.Int
		if _, ok := v.(Decimal); !ok {
			require.Zero(t, n, "%T", v)
		}
	}
}

func TestJavaDecimalOverflowSafe(t *testing.T) {
	// Huge exponents never materialise their digits.
	for _, s := range []string{"1e2147483647", "-1e2147483647", "1e-2147483647"} {
		schema, v, err := ParseString(s)
		require.NoError(t, err)
		_, err = ConvertToString(schema, v)
		require.NoError(t, err)
		_, err = ConvertToInt64(nil, s)
		require.NoError(t, err)
		_, err = ConvertToFloat64(nil, s)
		require.NoError(t, err)
		_, err = ConvertToInt64(nil, v)
		require.NoError(t, err)
		_, err = ConvertToFloat64(nil, v)
		require.NoError(t, err)
	}
	n, err := ConvertToInt64(nil, NewDecimal(7, -70))
	require.NoError(t, err)
	require.Zero(t, n) // the low 64 bits of 7e70 are zero, as in Java
	n, err = ConvertToInt64(nil, NewDecimal(7, math.MaxInt32))
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestNestPath(t *testing.T) {
	err := nestPath(nestPath(errors.New("x"), "zip"), "[3]")
	var de *DataError
	require.ErrorAs(t, err, &de)
	require.Equal(t, "[3].zip", de.Path)
	err = nestPath(nestPath(errors.New("x"), "[3]"), "tags")
	require.ErrorAs(t, err, &de)
	require.Equal(t, "tags[3]", de.Path)
}

func FuzzParseString(f *testing.F) {
	for _, s := range []string{"", "null", "true", "12,34", "1.5e300", "[1,2.5]", `{"a":[1,{"b":null}]}`,
		"2024-01-15T12:34:56.789Z", "12:34:56.789Z", `["a\"b"]`, "1e2147483647", "[[[]]]", "\u0661\u0662"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		schema, v, err := ParseString(s)
		if err != nil {
			require.ErrorIs(t, err, ErrParseDepth)
			return
		}
		if v == nil {
			require.Nil(t, schema)
			return
		}
		require.NotNil(t, schema)
		out, err := ConvertToString(schema, v)
		require.NoError(t, err)
		// Converting to each type never panics.
		_, _ = ConvertToBoolean(schema, s)
		_, _ = ConvertToInt64(schema, s)
		_, _ = ConvertToFloat32(schema, s)
		_, _ = ConvertToDecimal(schema, s, 2)
		_, _ = ConvertToTimestamp(schema, s)
		_, _ = ConvertToTime(schema, s)
		_, _ = ConvertToDate(schema, s)
		_, _ = ConvertToInt64(schema, v)
		_, _ = ConvertToFloat64(schema, v)
		_, _, _ = ParseString(out)
		_ = InferSchema(v)
	})
}

func BenchmarkParseString(b *testing.B) {
	for _, s := range []string{"hello world", "12345", "2024-01-15T12:34:56.789Z", `{"a":1,"b":2}`} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _, _ = ParseString(s)
			}
		})
	}
}

func BenchmarkAppendValueString(b *testing.B) {
	buf := make([]byte, 0, 128)
	for _, v := range []any{"hello world", int64(12345), time.UnixMilli(1710506096789).UTC(), []any{"a", int32(1)}} {
		b.Run(fmt.Sprintf("%T", v), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = AppendValueString(buf[:0], nil, v)
			}
		})
	}
}
