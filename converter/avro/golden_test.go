package avro

import (
	"bufio"
	"encoding/hex"
	"math"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	hamba "github.com/hamba/avro/v2"
	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
)

type goldenCase struct {
	schema *connect.Schema
	value  any
}

func goldenCases() map[string]goldenCase {
	order := orderSchema()
	ov := connect.NewStruct(order)
	_ = ov.Put("id", int64(42))
	_ = ov.Put("name", "ab")
	enum := connect.StringSchema.WithName("E").WithParameter(paramEnum, "E").
		WithParameter(paramEnum+".RED", "RED").WithParameter(paramEnum+".GREEN", "GREEN")
	union := connect.StructOf(connect.F("string", connect.OptionalStringSchema), connect.F("long", connect.OptionalInt64Schema)).
		WithName(unionName).AsOptional()
	unionLong := connect.NewStruct(union)
	_ = unionLong.Put("long", int64(5))
	optStruct := connect.StructOf(connect.F("x", connect.Int32Schema)).AsOptional()
	optStructV := connect.NewStruct(optStruct)
	_ = optStructV.Put("x", int32(7))
	return map[string]goldenCase{
		"int32_0":                          {connect.Int32Schema, int32(0)},
		"int32_-1":                         {connect.Int32Schema, int32(-1)},
		"int32_64":                         {connect.Int32Schema, int32(64)},
		"int32_-64":                        {connect.Int32Schema, int32(-64)},
		"int64_max":                        {connect.Int64Schema, int64(math.MaxInt64)},
		"int64_min":                        {connect.Int64Schema, int64(math.MinInt64)},
		"int8_-128":                        {connect.Int8Schema, int8(-128)},
		"float32_1.5":                      {connect.Float32Schema, float32(1.5)},
		"float64_2.25":                     {connect.Float64Schema, 2.25},
		"bool_true":                        {connect.BooleanSchema, true},
		"string_foo":                       {connect.StringSchema, "foo"},
		"string_unicode":                   {connect.StringSchema, "hé€"},
		"bytes_010203":                     {connect.BytesSchema, []byte{1, 2, 3}},
		"optional_string_null":             {connect.OptionalStringSchema, nil},
		"optional_string_x":                {connect.OptionalStringSchema, "x"},
		"optional_default_int_5":           {connect.OptionalInt32Schema.WithDefault(int32(9)), int32(5)},
		"decimal_-12345_2":                 {connect.DecimalSchema(2), connect.Decimal{Unscaled: big.NewInt(-12345), Scale: 2}},
		"decimal_128_0":                    {connect.DecimalSchema(0), connect.NewDecimal(128, 0)},
		"decimal_0_2":                      {connect.DecimalSchema(2), connect.NewDecimal(0, 2)},
		"date_2024_03_01":                  {connect.DateSchema, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
		"time_01_02_03_004":                {connect.TimeSchema, time.UnixMilli(3723004).UTC()},
		"timestamp_1700000000123":          {connect.TimestampSchema, time.UnixMilli(1700000000123).UTC()},
		"array_a_b":                        {connect.ArrayOf(connect.StringSchema), []any{"a", "b"}},
		"array_empty":                      {connect.ArrayOf(connect.StringSchema), []any{}},
		"map_k_1":                          {connect.MapOf(connect.StringSchema, connect.Int32Schema), map[string]any{"k": int32(1)}},
		"intmap_5_five":                    {connect.MapOf(connect.Int32Schema, connect.StringSchema), map[any]any{int32(5): "five"}},
		"struct_id42_nameab_notenull_qty1": {order, ov},
		"enum_GREEN_of_RED_GREEN":          {enum, "GREEN"},
		"fixed4_09080706":                  {connect.BytesSchema.WithName("F").WithParameter(propFixedSize, "4"), []byte{9, 8, 7, 6}},
		"union_long_5":                     {union, unionLong},
		"union_null":                       {union, nil},
		"optional_struct_x7":               {optStruct, optStructV},
		"decimal_fixed4_-2":                {connect.DecimalSchema(2).WithParameter(propFixedSize, "4"), connect.NewDecimal(-2, 2)},
		"array_optional_int_1_null":        {connect.ArrayOf(connect.OptionalInt32Schema), []any{int32(1), nil}},
	}
}

// TestGolden: the encoder writes, and the decoder reads, the bytes that
// testdata/golden.py computes from the Avro specification and AvroData's
// rules, independently of this package.
func TestGolden(t *testing.T) {
	f, err := os.Open("testdata/golden.txt")
	require.NoError(t, err)
	defer f.Close()
	cases := goldenCases()
	d := dataConfig{connectMetaData: true, enhanced: true}
	seen := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, hexBytes, _ := strings.Cut(sc.Text(), " ")
		c, ok := cases[name]
		require.True(t, ok, "no case %s", name)
		seen++
		e := encoder{d: d}
		out, err := e.value(nil, c.schema, connect.AnyValue(c.value))
		require.NoError(t, err, name)
		require.Equal(t, hexBytes, hex.EncodeToString(out), name)

		text, err := d.avroSchemaJSON(c.schema)
		require.NoError(t, err, name)
		parsed, err := hamba.Parse(string(text))
		require.NoError(t, err, name)
		cs, err := d.toConnectSchema(parsed, 0)
		require.NoError(t, err, name)
		dec, err := compile(parsed, parsed, cs)
		require.NoError(t, err, name)
		want, _ := hex.DecodeString(hexBytes)
		r := reader{b: want}
		v, err := dec.decode(&r)
		require.NoError(t, err, name)
		require.Equal(t, len(want), r.pos, name)
		// Records' fields are set unchecked: what was built passes the checks.
		require.NoError(t, connecttest.Recheck(v.Any()), name)
		if st, ok := c.value.(*connect.Struct); ok {
			got := v.Any().(*connect.Struct)
			for _, f := range st.Schema().Fields {
				require.True(t, connect.ValuesEqual(st.Get(f.Name), got.Get(f.Name)), "%s.%s", name, f.Name)
			}
			continue
		}
		require.True(t, connect.ValuesEqual(c.value, v.Any()), "%s: %v != %v", name, c.value, v.Any())
	}
	require.Equal(t, len(cases), seen)
}

// TestGoldenAgreesWithHamba: hamba/avro, given the same schema and the plain
// Go value, writes the golden bytes too, for the cases it can take without
// Connect's types, but for maps and arrays: it writes a block with a negative
// count followed by the block's size in bytes, which the specification
// allows and Java's encoder never writes (arrays likewise). The golden bytes keep Java's
// form, and the decoder reads hamba's.
func TestGoldenAgreesWithHamba(t *testing.T) {
	want := map[string]string{}
	f, err := os.Open("testdata/golden.txt")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, hexBytes, _ := strings.Cut(sc.Text(), " ")
		want[name] = hexBytes
	}
	d := dataConfig{connectMetaData: true}
	for name, v := range map[string]any{
		"int32_-64": int32(-64), "int64_min": int64(math.MinInt64), "float32_1.5": float32(1.5),
		"float64_2.25": 2.25, "bool_true": true, "string_unicode": "hé€", "bytes_010203": []byte{1, 2, 3},
		"array_a_b": []string{"a", "b"}, "array_empty": []string{}, "map_k_1": map[string]int32{"k": 1},
		"timestamp_1700000000123": time.UnixMilli(1700000000123).UTC(),
	} {
		text, err := d.avroSchemaJSON(goldenCases()[name].schema)
		require.NoError(t, err)
		parsed := hamba.MustParse(string(text))
		out, err := hamba.Marshal(parsed, v)
		require.NoError(t, err, name)
		if name == "map_k_1" || name == "array_a_b" {
			// Negative count, then the block's size in bytes.
			require.Equal(t, byte(1), out[0]&1, "%s: a zig-zag count with its sign bit set", name)
			cs, err := d.toConnectSchema(parsed, 0)
			require.NoError(t, err)
			dec, err := compile(parsed, parsed, cs)
			require.NoError(t, err)
			r := reader{b: out}
			got, err := dec.decode(&r)
			require.NoError(t, err)
			require.Equal(t, len(out), r.pos)
			require.True(t, connect.ValuesEqual(goldenCases()[name].value, got.Any()), "%s: %v", name, got.Any())
			continue
		}
		require.Equal(t, want[name], hex.EncodeToString(out), name)
	}
}
