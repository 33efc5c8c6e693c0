package connect_test

import (
	"fmt"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/stretchr/testify/require"
)

// TestSetAtUncheckedEqualsSetAt: for a corpus of values of every kind,
// SetAtUnchecked builds the Struct SetAt builds, and the checked setters
// still refuse what does not fit.
func TestSetAtUncheckedEqualsSetAt(t *testing.T) {
	inner := connect.StructOf(connect.F("n", connect.Int32Schema))
	innerVal := connect.NewStruct(inner)
	require.NoError(t, innerVal.SetAt(0, connect.Int32Value(7)))
	ts := time.Date(2026, 12, 7, 14, 0, 0, 123000000, time.UTC)
	fields := []struct {
		f connect.Field
		v connect.Value
	}{
		{connect.F("i8", connect.Int8Schema), connect.Int8Value(-8)},
		{connect.F("i16", connect.Int16Schema), connect.Int16Value(300)},
		{connect.F("i32", connect.Int32Schema), connect.Int32Value(-70000)},
		{connect.F("i64", connect.Int64Schema), connect.Int64Value(1 << 40)},
		{connect.F("f32", connect.Float32Schema), connect.Float32Value(1.5)},
		{connect.F("f64", connect.Float64Schema), connect.Float64Value(2.25)},
		{connect.F("b", connect.BooleanSchema), connect.BoolValue(true)},
		{connect.F("s", connect.StringSchema), connect.StringValue("é")},
		{connect.F("by", connect.BytesSchema), connect.BytesValue([]byte{1, 2})},
		{connect.F("ts", connect.TimestampSchema), connect.TimeValue(ts)},
		{connect.F("dec", connect.DecimalSchema(2)), connect.DecimalValue(connect.Decimal{Unscaled: big.NewInt(-12345), Scale: 2})},
		{connect.F("arr", connect.ArrayOf(connect.StringSchema)), connect.AnyValue([]any{"a", "b"})},
		{connect.F("map", connect.MapOf(connect.StringSchema, connect.Int64Schema)), connect.AnyValue(map[string]any{"k": int64(1)})},
		{connect.F("st", inner), connect.AnyValue(innerVal)},
		{connect.F("opt", connect.OptionalStringSchema), connect.Value{}},
	}
	var fs []connect.Field
	for _, x := range fields {
		fs = append(fs, x.f)
	}
	schema := connect.StructOf(fs...)
	checked, unchecked := connect.NewStruct(schema), connect.NewStruct(schema)
	for i, x := range fields {
		if !x.v.IsNull() {
			require.Equal(t, x.f.Schema.ValueKind(), x.v.Kind(), x.f.Name)
		}
		require.NoError(t, checked.SetAt(i, x.v), x.f.Name)
		unchecked.SetAtUnchecked(i, x.v)
	}
	require.True(t, checked.Equal(unchecked))
	require.Equal(t, fmt.Sprint(checked), fmt.Sprint(unchecked))
	require.NoError(t, unchecked.Validate())
	require.NoError(t, connecttest.Recheck(unchecked))

	// The checked setters keep refusing what does not fit.
	for _, bad := range []struct {
		i int
		v connect.Value
	}{
		{0, connect.Int64Value(1)},               // INT8 field, int64 value
		{3, connect.StringValue("1")},            // INT64 field, string value
		{7, connect.Value{}},                     // required STRING, null
		{9, connect.Int64Value(1)},               // Timestamp, int64 value
		{11, connect.AnyValue([]any{int64(1)})},  // array of strings, an int64 element
		{12, connect.AnyValue(map[string]any{})}, // accepted: an empty map fits
	} {
		err := connect.NewStruct(schema).SetAt(bad.i, bad.v)
		if bad.i == 12 {
			require.NoError(t, err)
			continue
		}
		var de *connect.DataError
		require.ErrorAs(t, err, &de, "field %d", bad.i)
	}

	// Recheck finds what SetAtUnchecked let through.
	wrong := connect.NewStruct(schema)
	for i, x := range fields {
		wrong.SetAtUnchecked(i, x.v)
	}
	wrong.SetAtUnchecked(11, connect.AnyValue([]any{int64(1)}))
	require.ErrorContains(t, connecttest.Recheck(wrong), "arr")
	require.Error(t, connecttest.Recheck(connect.AnyValue([]any{wrong}).Any()))
}

// TestSetAtUncheckedOverwrites: setting a slot that already holds a value,
// of any kind, leaves exactly the new value, as SetAt does, whether either
// holds a string, an interface, both or neither.
func TestSetAtUncheckedOverwrites(t *testing.T) {
	vals := []connect.Value{
		{}, connect.Int64Value(-5), connect.Float64Value(2.5), connect.BoolValue(true),
		connect.StringValue("abc"), connect.StringValue(""), connect.BytesValue([]byte{1}),
		connect.TimeValue(time.Date(2026, 12, 7, 14, 0, 0, 123, time.UTC)),
		connect.DecimalValue(connect.NewDecimal(-12345, 2)), connect.AnyValue([]any{"a"}),
	}
	// An optional field of each kind would refuse the others; the slots
	// of an unchecked Struct hold whatever they are given.
	s := connect.NewStruct(connect.StructOf(connect.F("x", connect.OptionalStringSchema)))
	for _, a := range vals {
		for _, b := range vals {
			s.SetAtUnchecked(0, a)
			s.SetAtUnchecked(0, b)
			if !reflect.DeepEqual(s.At(0), b) { // every word, unexported too
				t.Fatalf("%v then %v: holds %v", a, b, s.At(0))
			}
		}
	}
}
