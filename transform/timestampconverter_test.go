package transform

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

// TestTimestampConverterGoldenJVM compares schemaless whole-value
// conversions with Kafka's TimestampConverter$Value.
func TestTimestampConverterGoldenJVM(t *testing.T) {
	for _, c := range goldenLines(t, "ts") {
		typ, repr, target, precision, want := c[0], c[1], c[2], c[3], c[4]
		name := fmt.Sprintf("%s:%s->%s/%s", typ, repr, target, precision)
		tr, err := newTimestampConverterFromConfig(false, map[string]string{
			"target.type": target, "format": "yyyy-MM-dd HH:mm:ss.SSS", "unix.precision": precision,
		})
		require.NoError(t, err, name)
		_, v := goldenInput(t, typ, repr)
		out, _, err := tr.Apply(connect.Record{Value: v})
		if want == "ERR" {
			var de *connect.DataError
			require.ErrorAs(t, err, &de, name)
			continue
		}
		require.NoError(t, err, name)
		if typ == "int64" && repr == "-9223372036854775808" && target == "string" {
			// Java formats this year-292-million-BC instant in the Julian
			// calendar; javatime is proleptic Gregorian.
			continue
		}
		require.Equal(t, want, goldenShow(out.Value), name)
	}
}

func TestTimestampConverterSchema(t *testing.T) {
	ts := time.Date(2024, 3, 5, 7, 8, 9, 123_000_000, time.UTC)
	in := connect.StructOf(
		connect.F("id", connect.Int32Schema),
		connect.F("at", connect.OptionalTimestampSchema),
	).WithName("Event")
	st := connect.NewStruct(in)
	require.NoError(t, st.Put("id", int32(1)))
	require.NoError(t, st.Put("at", ts))

	for _, tc := range []struct {
		target string
		schema *connect.Schema
		want   any
	}{
		{"string", connect.OptionalStringSchema, "2024-03-05T07:08:09.123"},
		{"unix", connect.OptionalInt64Schema, ts.UnixMilli()},
		{"Date", connect.OptionalDateSchema, time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)},
		{"Time", connect.OptionalTimeSchema, time.Date(1970, 1, 1, 7, 8, 9, 123_000_000, time.UTC)},
		{"Timestamp", connect.OptionalTimestampSchema, ts},
	} {
		tr, err := NewTimestampConverter(TimestampConverterConfig{Field: "at", TargetType: tc.target,
			Format: "yyyy-MM-dd'T'HH:mm:ss.SSS"})
		require.NoError(t, err)
		out, ok, err := tr.Apply(connect.Record{ValueSchema: in, Value: st})
		require.NoError(t, err, tc.target)
		require.True(t, ok)
		f, _ := out.ValueSchema.Field("at")
		require.Equal(t, tc.schema, f.Schema, tc.target)
		require.Equal(t, "Event", out.ValueSchema.Name)
		require.Equal(t, tc.want, out.Value.(*connect.Struct).Get("at"), tc.target)
		require.Equal(t, int32(1), out.Value.(*connect.Struct).Get("id"))

		// And back: the converted value converts to the Timestamp again
		// (Date and Time lose what they drop).
		back, err := NewTimestampConverter(TimestampConverterConfig{Field: "at", TargetType: "Timestamp",
			Format: "yyyy-MM-dd'T'HH:mm:ss.SSS"})
		require.NoError(t, err)
		out2, _, err := back.Apply(out)
		require.NoError(t, err, tc.target)
		if tc.target != "Date" && tc.target != "Time" {
			require.Equal(t, ts, out2.Value.(*connect.Struct).Get("at"), tc.target)
		}
	}
}

func TestTimestampConverterWholeValue(t *testing.T) {
	tr, err := newTimestampConverterFromConfig(true, map[string]string{"target.type": "unix", "unix.precision": "seconds"})
	require.NoError(t, err)
	out, _, err := tr.Apply(connect.Record{KeySchema: connect.TimestampSchema, Key: time.UnixMilli(1500).UTC()})
	require.NoError(t, err)
	require.Equal(t, connect.Int64Schema, out.KeySchema)
	require.Equal(t, int64(1), out.Key)

	// A null with a schema gets the new (optional) schema.
	out, ok, err := tr.Apply(connect.Record{KeySchema: connect.OptionalTimestampSchema})
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, connect.OptionalInt64Schema, out.KeySchema)
	require.Nil(t, out.Key)

	// A STRING schema is parsed with the format, which is missing here.
	_, _, err = tr.Apply(connect.Record{KeySchema: connect.StringSchema, Key: "2020"})
	require.ErrorContains(t, err, "no format is configured")

	// An INT32 schema is no timestamp.
	_, _, err = tr.Apply(connect.Record{KeySchema: connect.Int32Schema, Key: int32(1)})
	require.ErrorContains(t, err, "does not correspond to a known timestamp type format")
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
}

func TestTimestampConverterSchemaless(t *testing.T) {
	tr, err := NewTimestampConverter(TimestampConverterConfig{Field: "at", TargetType: "string", Format: "yyyyMMdd"})
	require.NoError(t, err)
	in := map[string]any{"at": int64(86400000 * 2), "x": 1}
	out, _, err := tr.Apply(connect.Record{Value: in})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"at": "19700103", "x": 1}, out.Value)
	require.Equal(t, int64(86400000*2), in["at"])

	// An absent field is added as null, as in Kafka.
	out, _, err = tr.Apply(connect.Record{Value: map[string]any{"x": 1}})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"at": nil, "x": 1}, out.Value)

	_, _, err = tr.Apply(connect.Record{Value: map[string]any{"at": int32(5)}})
	require.ErrorContains(t, err, "does not support int32 objects as timestamps")
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.Equal(t, "at", de.Path)

	_, _, err = tr.Apply(connect.Record{Value: map[string]any{"at": "x2020"}})
	require.ErrorContains(t, err, "Could not parse timestamp: value (x2020) does not match pattern (yyyyMMdd)")

	_, _, err = tr.Apply(connect.Record{Value: "not a map"})
	require.ErrorAs(t, err, &de)

	// A schemaless null passes as null.
	out, ok, err := tr.Apply(connect.Record{Topic: "t"})
	require.NoError(t, err)
	require.True(t, ok)
	require.Nil(t, out.Value)
}

func TestTimestampConverterStructDefaultsAndNulls(t *testing.T) {
	fieldSchema := connect.TimestampSchema.WithDefault(time.UnixMilli(0).UTC())
	in := connect.StructOf(connect.F("at", fieldSchema.AsOptional()))
	st := connect.NewStruct(in)
	tr, err := NewTimestampConverter(TimestampConverterConfig{Field: "at", TargetType: "unix"})
	require.NoError(t, err)
	out, _, err := tr.Apply(connect.Record{ValueSchema: in, Value: st})
	require.NoError(t, err)
	require.Equal(t, int64(0), out.Value.(*connect.Struct).Get("at"), "null replaced by the default, converted")

	keep, err := NewTimestampConverter(TimestampConverterConfig{Field: "at", TargetType: "unix", KeepNulls: true})
	require.NoError(t, err)
	out, _, err = keep.Apply(connect.Record{ValueSchema: in, Value: st})
	require.NoError(t, err)
	require.Nil(t, out.Value.(*connect.Struct).Get("at"))

	// A null struct keeps a null value under the new schema.
	opt := in.AsOptional()
	out, ok, err := tr.Apply(connect.Record{ValueSchema: opt})
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, out.ValueSchema.Optional)
	require.Nil(t, out.Value)

	// A field whose schema is no timestamp fails the record.
	bad := connect.StructOf(connect.F("at", connect.Int32Schema))
	bs := connect.NewStruct(bad)
	require.NoError(t, bs.Put("at", int32(1)))
	_, _, err = tr.Apply(connect.Record{ValueSchema: bad, Value: bs})
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.Equal(t, "at", de.Path)
}

func TestTimestampConverterConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		raw  map[string]string
		key  string
		want string
	}{
		{map[string]string{}, "target.type", `Missing required configuration "target.type"`},
		{map[string]string{"target.type": "date"}, "target.type", "String must be one of"},
		{map[string]string{"target.type": "string"}, "format", "requires format option"},
		{map[string]string{"target.type": "string", "format": "  "}, "format", "requires format option"},
		{map[string]string{"target.type": "unix", "format": "YYYY"}, "format", "SimpleDateFormat-compatible pattern"},
		{map[string]string{"target.type": "unix", "unix.precision": "minutes"}, "unix.precision", "String must be one of"},
	} {
		_, err := newTimestampConverterFromConfig(false, tc.raw)
		require.ErrorContains(t, err, tc.want)
		require.ErrorContains(t, err, "TimestampConverter$Value")
		var ce *connect.ConfigError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, []string{tc.key}, ce.Keys())
	}
	_, err := NewTimestampConverter(TimestampConverterConfig{TargetType: "unix", UnixPrecision: "hours"})
	require.ErrorContains(t, err, "unix.precision")
}

func ExampleNewTimestampConverter() {
	tc, err := NewTimestampConverter(TimestampConverterConfig{
		Field: "created", TargetType: "string", Format: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
	})
	if err != nil {
		panic(err)
	}
	r, _, err := tc.Apply(connect.Record{Value: map[string]any{"created": int64(1700000000123)}})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Value.(map[string]any)["created"])
	// Output: 2023-11-14T22:13:20.123Z
}
