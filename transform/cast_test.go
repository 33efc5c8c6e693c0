package transform

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

// goldenLines returns the lines of testdata/part2-golden.txt whose first
// column is kind, split at tabs. The file is written by Apache Kafka 4.4.0's
// own transforms (testdata/jvm-part2).
func goldenLines(t *testing.T, kind string) [][]string {
	t.Helper()
	f, err := os.Open("testdata/part2-golden.txt")
	require.NoError(t, err)
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if cols[0] == kind {
			out = append(out, cols[1:])
		}
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, out)
	return out
}

// goldenInput builds the schema and value the JVM generator builds for a
// type name and string form.
func goldenInput(t *testing.T, typ, repr string) (*connect.Schema, any) {
	t.Helper()
	parseInt := func(bits int) int64 {
		n, err := strconv.ParseInt(repr, 10, bits)
		require.NoError(t, err)
		return n
	}
	switch typ {
	case "int8":
		return connect.Int8Schema, int8(parseInt(8))
	case "int16":
		return connect.Int16Schema, int16(parseInt(16))
	case "int32":
		return connect.Int32Schema, int32(parseInt(32))
	case "int64":
		return connect.Int64Schema, parseInt(64)
	case "float32":
		f, err := strconv.ParseFloat(repr, 32)
		require.NoError(t, err)
		return connect.Float32Schema, float32(f)
	case "float64":
		f, err := strconv.ParseFloat(repr, 64)
		require.NoError(t, err)
		return connect.Float64Schema, f
	case "boolean":
		return connect.BooleanSchema, strings.EqualFold(repr, "true")
	case "string":
		return connect.StringSchema, repr
	case "bytes":
		b, err := base64.StdEncoding.DecodeString(repr)
		require.NoError(t, err)
		return connect.BytesSchema, b
	case "date":
		return connect.DateSchema, time.UnixMilli(parseInt(64)).UTC()
	case "time":
		return connect.TimeSchema, time.UnixMilli(parseInt(64)).UTC()
	case "timestamp":
		return connect.TimestampSchema, time.UnixMilli(parseInt(64)).UTC()
	}
	if scaleText, ok := strings.CutPrefix(typ, "decimal"); ok {
		scale, err := strconv.Atoi(scaleText)
		require.NoError(t, err)
		d, err := connect.ParseDecimal(repr)
		require.NoError(t, err)
		d, err = d.Rescale(int32(scale))
		require.NoError(t, err)
		return connect.DecimalSchema(int32(scale)), d
	}
	t.Fatalf("unknown golden type %s", typ)
	return nil, nil
}

// goldenShow formats a value as the JVM generator's show does.
func goldenShow(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case float32:
		if x != x { // NaN payloads differ between Go and Java; the value does not
			return "float32:7fc00000"
		}
		return "float32:" + strconv.FormatUint(uint64(math.Float32bits(x)), 16)
	case float64:
		if x != x {
			return "float64:7ff8000000000000"
		}
		return "float64:" + strconv.FormatUint(math.Float64bits(x), 16)
	case int8:
		return fmt.Sprint("int8:", x)
	case int16:
		return fmt.Sprint("int16:", x)
	case int32:
		return fmt.Sprint("int32:", x)
	case int64:
		return fmt.Sprint("int64:", x)
	case bool:
		return fmt.Sprint("boolean:", x)
	case string:
		return "string:" + x
	case time.Time:
		return fmt.Sprint("date:", x.UnixMilli())
	case connect.Decimal:
		return fmt.Sprintf("decimal:%s/%d", x, x.Scale)
	}
	return fmt.Sprintf("%T:%v", v, v)
}

// TestCastGoldenJVM runs every whole-value cast Kafka's Cast$Value was run
// on, with a schema, and compares the result.
func TestCastGoldenJVM(t *testing.T) {
	for _, c := range goldenLines(t, "cast") {
		typ, repr, target, want := c[0], c[1], c[2], c[3]
		name := typ + ":" + repr + "->" + target
		tr, err := newCastFromConfig(false, map[string]string{"spec": target})
		require.NoError(t, err, name)
		s, v := goldenInput(t, typ, repr)
		out, ok, err := tr.Apply(connect.Record{Topic: "t", ValueSchema: s, Value: v})
		if want == "ERR" {
			require.Error(t, err, "%s gave %v", name, out.Value)
			var de *connect.DataError
			require.ErrorAs(t, err, &de, name)
			continue
		}
		require.NoError(t, err, name)
		require.True(t, ok)
		require.Equal(t, want, goldenShow(out.Value), name)
		require.Equal(t, target, strings.ToLower(out.ValueSchema.Type.String()), name)
		require.NoError(t, out.ValueSchema.Validate(), name)
	}
}

func castRecord(schema *connect.Schema, v any) connect.Record {
	return connect.Record{Topic: "t", ValueSchema: schema, Value: v}
}

func TestCastStruct(t *testing.T) {
	in := connect.StructOf(
		connect.F("id", connect.Int64Schema),
		connect.F("price", connect.DecimalSchema(2)),
		connect.F("flag", connect.OptionalBooleanSchema),
		connect.F("count", (&connect.Schema{Type: connect.Int32Type, Optional: true, Default: int32(7)})),
		connect.F("ts", connect.TimestampSchema),
		connect.F("tags", connect.ArrayOf(connect.StringSchema)),
	).WithName("com.example.Order").WithVersion(3)
	st := connect.NewStruct(in)
	require.NoError(t, st.Put("id", int64(300)))
	require.NoError(t, st.Put("price", connect.NewDecimal(12345, 2)))
	require.NoError(t, st.Put("ts", time.UnixMilli(1700000000123).UTC()))
	require.NoError(t, st.Put("tags", []any{"a"}))

	tr, err := NewCast(CastConfig{Fields: map[string]connect.Type{
		"id": connect.Int8Type, "price": connect.StringType, "flag": connect.StringType,
		"count": connect.StringType, "ts": connect.Int64Type, "missing": connect.Int32Type,
	}})
	require.NoError(t, err)
	out, ok, err := tr.Apply(castRecord(in, st))
	require.NoError(t, err)
	require.True(t, ok)
	os := out.ValueSchema
	require.Equal(t, "com.example.Order", os.Name)
	require.Equal(t, int32(3), os.Version)
	require.NoError(t, os.Validate())
	got := out.Value.(*connect.Struct)
	require.Equal(t, int8(44), got.Get("id"))
	require.Equal(t, "123.45", got.Get("price"))
	require.Nil(t, got.Get("flag"))
	f, _ := os.Field("flag")
	require.True(t, f.Schema.Optional)
	// The default is cast with the field, and replaces the null.
	f, _ = os.Field("count")
	require.Equal(t, "7", f.Schema.Default)
	require.Equal(t, "7", got.GetWithoutDefault("count"))
	require.Equal(t, int64(1700000000123), got.Get("ts"))
	f, _ = os.Field("ts")
	require.Equal(t, "", f.Schema.Name, "a cast field loses its logical name")
	require.Equal(t, []any{"a"}, got.Get("tags"))

	// The derived schema is cached per input schema.
	out2, _, err := tr.Apply(castRecord(in, st))
	require.NoError(t, err)
	require.Same(t, os, out2.ValueSchema)

	// replace.null.with.default=false keeps the null.
	keep, err := newCastFromConfig(false, map[string]string{"spec": "count:string", "replace.null.with.default": "false"})
	require.NoError(t, err)
	out, _, err = keep.Apply(castRecord(in, st))
	require.NoError(t, err)
	require.Nil(t, out.Value.(*connect.Struct).GetWithoutDefault("count"))
}

func TestCastSchemaless(t *testing.T) {
	tr, err := newCastFromConfig(true, map[string]string{"spec": "a:int32, b:string,c:boolean,absent:int64"})
	require.NoError(t, err)
	in := map[string]any{"a": "12", "b": []byte{1, 2, 3}, "c": int64(0), "d": "kept"}
	out, ok, err := tr.Apply(connect.Record{Key: in, Value: "v"})
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, map[string]any{"a": int32(12), "b": "AQID", "c": false, "d": "kept", "absent": nil}, out.Key)
	require.Equal(t, "12", in["a"], "input map untouched")
	require.Equal(t, "v", out.Value)

	whole, err := newCastFromConfig(false, map[string]string{"spec": "float32"})
	require.NoError(t, err)
	out, _, err = whole.Apply(connect.Record{Value: int64(5)})
	require.NoError(t, err)
	require.Equal(t, float32(5), out.Value)
	require.Nil(t, out.ValueSchema)

	for _, bad := range []any{time.Now(), connect.NewDecimal(1, 0), []any{1}, map[string]any{}} {
		_, _, err = whole.Apply(connect.Record{Value: bad})
		var de *connect.DataError
		require.ErrorAs(t, err, &de, "%T", bad)
		require.Contains(t, err.Error(), "Cast$Value")
	}
	_, _, err = tr.Apply(connect.Record{Key: map[string]any{"a": "x"}})
	require.ErrorContains(t, err, "Value (x) was out of range")
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.Equal(t, "a", de.Path)
}

func TestCastNulls(t *testing.T) {
	tr, err := NewCast(CastConfig{Whole: connect.Int32Type})
	require.NoError(t, err)
	r := connect.Record{Topic: "t", ValueSchema: connect.OptionalInt64Schema}
	out, ok, err := tr.Apply(r)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, r, out, "tombstones pass through")

	// A whole-value cast keeps optionality and casts the default.
	s := &connect.Schema{Type: connect.Int64Type, Optional: true, Default: int64(9), Name: "n", Doc: "d"}
	out, _, err = tr.Apply(connect.Record{ValueSchema: s, Value: int64(1)})
	require.NoError(t, err)
	require.Equal(t, &connect.Schema{Type: connect.Int32Type, Optional: true, Default: int32(9), Name: "n", Doc: "d"}, out.ValueSchema)
	require.Equal(t, int32(1), out.Value)

	// A logical schema's name is dropped (Kafka keeps it: deviation).
	out, _, err = tr.Apply(connect.Record{ValueSchema: connect.DateSchema, Value: time.UnixMilli(86400000).UTC()})
	require.NoError(t, err)
	require.Equal(t, connect.Int32Schema.Type, out.ValueSchema.Type)
	require.Equal(t, "", out.ValueSchema.Name)
	require.Equal(t, int32(1), out.Value)
}

func TestCastConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		spec, want string
	}{
		{"", `Missing required configuration "spec"`},
		{"a:int32,int64", "may only specify a single cast"},
		{"a:bytes", "does not support casting to BYTES"},
		{"a:struct", "does not support casting to STRUCT"},
		{"a:int33", "Invalid type found in casting spec: int33"},
		{"a:b:c", "Invalid cast mapping: a:b:c"},
		{":", "Invalid cast mapping"},
	} {
		raw := map[string]string{"spec": tc.spec}
		if tc.spec == "" {
			raw = map[string]string{}
		}
		_, err := newCastFromConfig(false, raw)
		require.ErrorContains(t, err, tc.want, tc.spec)
		require.ErrorContains(t, err, "Cast$Value", tc.spec)
		var ce *connect.ConfigError
		require.ErrorAs(t, err, &ce, tc.spec)
		require.Equal(t, []string{"spec"}, ce.Keys())
	}
	_, err := NewCast(CastConfig{})
	require.ErrorContains(t, err, "Must specify at least one field")
	_, err = NewCast(CastConfig{Whole: connect.Int8Type, Fields: map[string]connect.Type{"a": connect.Int8Type}})
	require.ErrorContains(t, err, "single cast")
	_, err = NewCast(CastConfig{Fields: map[string]connect.Type{"a": connect.MapType}})
	require.ErrorContains(t, err, "does not support casting to MAP")
}

func TestCastHelpers(t *testing.T) {
	for _, tc := range []struct {
		d    connect.Decimal
		want string
	}{
		{connect.NewDecimal(12345, 2), "123.45"},
		{connect.NewDecimal(1, 7), "1E-7"},
		{connect.NewDecimal(-123, 8), "-0.00000123"},
		{connect.NewDecimal(-123, 9), "-1.23E-7"},
		{connect.NewDecimal(12, -3), "1.2E+4"},
		{connect.NewDecimal(0, 0), "0"},
		{connect.NewDecimal(0, -2), "0E+2"},
		{connect.Decimal{}, "0"},
	} {
		require.Equal(t, tc.want, javaBigDecimalString(tc.d))
	}
	require.Equal(t, int64(0), decimalToLongWrap(connect.Decimal{Unscaled: connect.NewDecimal(5, 0).Unscaled, Scale: 1 << 30}))
	require.Equal(t, int64(0), decimalToLongWrap(connect.NewDecimal(5, -100)))
	require.Equal(t, int64(5000), decimalToLongWrap(connect.NewDecimal(5, -3)))
	require.Equal(t, int64(-1), decimalToLongWrap(connect.NewDecimal(-19, 1)))
	require.Equal(t, int64(math.MinInt64), javaFloatToLong(-1e300))
	require.Equal(t, int64(0), javaFloatToLong(math.NaN()))
	require.Equal(t, int32(math.MaxInt32), javaFloatToInt(1e300))
}

func ExampleNewCast() {
	cast, err := NewCast(CastConfig{Fields: map[string]connect.Type{"amount": connect.Float64Type, "id": connect.StringType}})
	if err != nil {
		panic(err)
	}
	r, _, err := cast.Apply(connect.Record{Value: map[string]any{"amount": "12.5", "id": int64(7)}})
	if err != nil {
		panic(err)
	}
	v := r.Value.(map[string]any)
	fmt.Printf("%T %v, %T %q\n", v["amount"], v["amount"], v["id"], v["id"])
	// Output: float64 12.5, string "7"
}
