package transform

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

// TestMaskFieldGoldenJVM compares replacements with Kafka's MaskField$Value
// on schemaless maps.
func TestMaskFieldGoldenJVM(t *testing.T) {
	for _, c := range goldenLines(t, "mask") {
		typ, repr, repl, want := c[0], c[1], c[2], c[3]
		name := fmt.Sprintf("%s:%s with %q", typ, repr, repl)
		tr, err := newMaskFieldFromConfig(false, map[string]string{"fields": "f", "replacement": repl})
		require.NoError(t, err, name)
		_, v := goldenInput(t, typ, repr)
		out, _, err := tr.Apply(connect.Record{Value: map[string]any{"f": v}})
		if want == "ERR" {
			var de *connect.DataError
			require.ErrorAs(t, err, &de, name)
			require.Equal(t, "f", de.Path, name)
			continue
		}
		require.NoError(t, err, name)
		require.Equal(t, want, goldenShow(out.Value.(map[string]any)["f"]), name)
	}
}

func TestMaskFieldSchema(t *testing.T) {
	in := connect.StructOf(
		connect.F("i8", connect.Int8Schema),
		connect.F("i32", connect.Int32Schema),
		connect.F("i64", connect.OptionalInt64Schema),
		connect.F("f64", connect.Float64Schema),
		connect.F("b", connect.BooleanSchema),
		connect.F("s", connect.StringSchema),
		connect.F("dec", connect.DecimalSchema(2)),
		connect.F("date", connect.DateSchema),
		connect.F("ts", connect.TimestampSchema),
		connect.F("arr", connect.ArrayOf(connect.StringSchema)),
		connect.F("map", connect.MapOf(connect.StringSchema, connect.Int32Schema)),
		connect.F("keep", connect.StringSchema),
		connect.F("def", &connect.Schema{Type: connect.Int32Type, Optional: true, Default: int32(5)}),
	)
	st := connect.NewStruct(in)
	require.NoError(t, st.Put("i8", int8(3)))
	require.NoError(t, st.Put("i32", int32(3)))
	require.NoError(t, st.Put("f64", 1.5))
	require.NoError(t, st.Put("b", true))
	require.NoError(t, st.Put("s", "secret"))
	require.NoError(t, st.Put("dec", connect.NewDecimal(12345, 2)))
	require.NoError(t, st.Put("date", time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)))
	require.NoError(t, st.Put("ts", time.Now().UTC()))
	require.NoError(t, st.Put("arr", []any{"a"}))
	require.NoError(t, st.Put("map", map[string]any{"a": int32(1)}))
	require.NoError(t, st.Put("keep", "visible"))

	tr, err := NewMaskField(MaskFieldConfig{Fields: []string{"i8", "i32", "i64", "f64", "b", "s", "dec", "date", "ts", "arr", "map", "def", "nosuch"}})
	require.NoError(t, err)
	out, ok, err := tr.Apply(connect.Record{ValueSchema: in, Value: st})
	require.NoError(t, err)
	require.True(t, ok)
	require.Same(t, in, out.ValueSchema)
	got := out.Value.(*connect.Struct)
	require.Equal(t, int8(0), got.Get("i8"))
	require.Equal(t, int32(0), got.Get("i32"))
	require.Nil(t, got.Get("i64"), "null stays null")
	require.Equal(t, 0.0, got.Get("f64"))
	require.Equal(t, false, got.Get("b"))
	require.Equal(t, "", got.Get("s"))
	require.Equal(t, connect.NewDecimal(0, 2), got.Get("dec"))
	require.Equal(t, time.Unix(0, 0).UTC(), got.Get("date"))
	require.Equal(t, time.Unix(0, 0).UTC(), got.Get("ts"))
	require.Equal(t, []any{}, got.Get("arr"))
	require.Equal(t, map[string]any{}, got.Get("map"))
	require.Equal(t, "visible", got.Get("keep"))
	require.Equal(t, int32(0), got.GetWithoutDefault("def"), "the default is masked too")
	require.Equal(t, "secret", st.Get("s"), "input untouched")

	keep, err := NewMaskField(MaskFieldConfig{Fields: []string{"def"}, KeepNulls: true})
	require.NoError(t, err)
	out, _, err = keep.Apply(connect.Record{ValueSchema: in, Value: st})
	require.NoError(t, err)
	require.Nil(t, out.Value.(*connect.Struct).GetWithoutDefault("def"))
}

func TestMaskFieldReplacementSchema(t *testing.T) {
	in := connect.StructOf(
		connect.F("n", connect.Int16Schema),
		connect.F("s", connect.StringSchema),
		connect.F("dec", connect.DecimalSchema(2)),
		connect.F("b", connect.BooleanSchema),
	)
	st := connect.NewStruct(in)
	require.NoError(t, st.Put("n", int16(3)))
	require.NoError(t, st.Put("s", "x"))
	require.NoError(t, st.Put("dec", connect.NewDecimal(1, 2)))
	require.NoError(t, st.Put("b", true))

	tr, err := newMaskFieldFromConfig(true, map[string]string{"fields": "n,s,dec", "replacement": "7.5"})
	require.NoError(t, err)
	out, _, err := tr.Apply(connect.Record{KeySchema: in, Key: st})
	require.NoError(t, err)
	got := out.Key.(*connect.Struct)
	require.Equal(t, int16(7), got.Get("n"))
	require.Equal(t, "7.5", got.Get("s"))
	require.Equal(t, connect.NewDecimal(750, 2), got.Get("dec"), "rescaled to the field's scale")

	tr, err = newMaskFieldFromConfig(true, map[string]string{"fields": "b", "replacement": "x"})
	require.NoError(t, err)
	_, _, err = tr.Apply(connect.Record{KeySchema: in, Key: st})
	require.ErrorContains(t, err, "Cannot mask value of type bool with custom replacement.")
	require.ErrorContains(t, err, "MaskField$Key")

	tr, err = newMaskFieldFromConfig(true, map[string]string{"fields": "dec", "replacement": "1.234"})
	require.NoError(t, err)
	_, _, err = tr.Apply(connect.Record{KeySchema: in, Key: st})
	require.ErrorContains(t, err, "does not fit the field's Decimal scale 2")
}

func TestMaskFieldSchemalessAndErrors(t *testing.T) {
	tr, err := NewMaskField(MaskFieldConfig{Fields: []string{"a", "absent"}})
	require.NoError(t, err)
	in := map[string]any{"a": "pw", "b": 1}
	out, ok, err := tr.Apply(connect.Record{Value: in})
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, map[string]any{"a": "", "absent": nil, "b": 1}, out.Value)
	require.Equal(t, "pw", in["a"])

	// Tombstones pass through (Kafka fails on them: deviation).
	out, ok, err = tr.Apply(connect.Record{Topic: "t"})
	require.NoError(t, err)
	require.True(t, ok)
	require.Nil(t, out.Value)

	for _, v := range []any{[]byte("x"), connect.NewStruct(connect.StructOf(connect.F("a", connect.Int8Schema)))} {
		_, _, err = tr.Apply(connect.Record{Value: map[string]any{"a": v}})
		require.ErrorContains(t, err, "Cannot mask value of type")
		var de *connect.DataError
		require.ErrorAs(t, err, &de)
		require.Equal(t, "a", de.Path)
	}
	_, _, err = tr.Apply(connect.Record{Value: "str"})
	require.ErrorContains(t, err, "only maps with string keys")
	_, _, err = tr.Apply(connect.Record{Value: map[any]any{1: "x"}})
	require.ErrorContains(t, err, "not a string")

	out, _, err = tr.Apply(connect.Record{Value: map[any]any{"a": int64(9)}})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"a": int64(0), "absent": nil}, out.Value)
}

func TestMaskFieldConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		raw       map[string]string
		key, want string
	}{
		{map[string]string{}, "fields", `Missing required configuration "fields"`},
		{map[string]string{"fields": ""}, "fields", "Empty list"},
		{map[string]string{"fields": "a", "replacement": ""}, "replacement", "String must be non-empty"},
	} {
		_, err := newMaskFieldFromConfig(false, tc.raw)
		require.ErrorContains(t, err, tc.want)
		require.ErrorContains(t, err, "MaskField$Value")
		var ce *connect.ConfigError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, []string{tc.key}, ce.Keys())
	}
	_, err := NewMaskField(MaskFieldConfig{})
	require.ErrorContains(t, err, "Empty list")
}

func ExampleNewMaskField() {
	mask, err := NewMaskField(MaskFieldConfig{Fields: []string{"ssn", "age"}})
	if err != nil {
		panic(err)
	}
	r, _, err := mask.Apply(connect.Record{Value: map[string]any{"name": "ann", "ssn": "078-05-1120", "age": int64(42)}})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Value)
	// Output: map[age:0 name:ann ssn:]
}
