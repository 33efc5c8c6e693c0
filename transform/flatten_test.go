package transform

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

func TestFlattenSchema(t *testing.T) {
	geo := connect.StructOf(connect.F("lat", connect.Float64Schema), connect.F("lon", connect.Float64Schema))
	geoDefault := connect.NewStruct(geo)
	require.NoError(t, geoDefault.Put("lat", 1.0))
	require.NoError(t, geoDefault.Put("lon", 2.0))
	optGeo := geo.AsOptional().WithDefault(geoDefault)
	address := connect.StructOf(
		connect.F("zip", connect.StringSchema.WithDoc("zip code")),
		connect.F("geo", optGeo),
	).AsOptional()
	in := connect.StructOf(
		connect.F("id", connect.Int64Schema),
		connect.F("address", address),
		connect.F("tags", connect.ArrayOf(connect.StringSchema)),
	).WithName("User")

	addr := connect.NewStruct(address)
	require.NoError(t, addr.Put("zip", "12345"))
	st := connect.NewStruct(in)
	require.NoError(t, st.Put("id", int64(1)))
	require.NoError(t, st.Put("address", addr))
	require.NoError(t, st.Put("tags", []any{"a"}))

	tr, err := newFlattenFromConfig(false, map[string]string{"delimiter": "_"})
	require.NoError(t, err)
	out, ok, err := tr.Apply(connect.Record{ValueSchema: in, Value: st})
	require.NoError(t, err)
	require.True(t, ok)
	os := out.ValueSchema
	require.NoError(t, os.Validate())
	require.Equal(t, "User", os.Name)
	var names []string
	for _, f := range os.Fields {
		names = append(names, f.Name)
	}
	require.Equal(t, []string{"id", "address_zip", "address_geo_lat", "address_geo_lon", "tags"}, names)
	f, _ := os.Field("address_zip")
	require.True(t, f.Schema.Optional, "an optional parent makes children optional")
	require.Equal(t, "zip code", f.Schema.Doc)
	f, _ = os.Field("address_geo_lat")
	require.True(t, f.Schema.Optional)
	require.Equal(t, 1.0, f.Schema.Default, "default from the parent's default")
	f, _ = os.Field("id")
	require.Same(t, connect.Int64Schema, f.Schema, "unchanged schemas are shared")

	got := out.Value.(*connect.Struct)
	require.Equal(t, int64(1), got.Get("id"))
	require.Equal(t, "12345", got.Get("address_zip"))
	require.Equal(t, 1.0, got.Get("address_geo_lat"), "null geo takes its default")
	require.Equal(t, []any{"a"}, got.Get("tags"))

	// A null parent leaves its children null.
	st2 := connect.NewStruct(in)
	require.NoError(t, st2.Put("id", int64(2)))
	require.NoError(t, st2.Put("tags", []any{}))
	out, _, err = tr.Apply(connect.Record{ValueSchema: in, Value: st2})
	require.NoError(t, err)
	require.Same(t, os, out.ValueSchema, "cached")
	require.Nil(t, out.Value.(*connect.Struct).GetWithoutDefault("address_zip"))
	require.Nil(t, out.Value.(*connect.Struct).GetWithoutDefault("address_geo_lat"))
}

func TestFlattenSchemaErrors(t *testing.T) {
	tr, err := NewFlatten(FlattenConfig{Key: true})
	require.NoError(t, err)
	withMap := connect.StructOf(connect.F("m", connect.MapOf(connect.StringSchema, connect.StringSchema)))
	st := connect.NewStruct(withMap)
	_, _, err = tr.Apply(connect.Record{KeySchema: withMap, Key: st})
	require.ErrorContains(t, err, "Flatten transformation does not support MAP for record with schemas (for field m).")
	require.ErrorContains(t, err, "Flatten$Key")

	inner := connect.StructOf(connect.F("b", connect.Int8Schema))
	clash := connect.StructOf(connect.F("a", inner), connect.F("a.b", connect.Int8Schema))
	_, _, err = tr.Apply(connect.Record{KeySchema: clash, Key: connect.NewStruct(clash)})
	require.ErrorContains(t, err, "field name duplication a.b")

	out, ok, err := tr.Apply(connect.Record{KeySchema: clash.AsOptional(), Topic: "t"})
	require.NoError(t, err)
	require.True(t, ok)
	require.Nil(t, out.Key, "tombstone passes")
}

func TestFlattenSchemaless(t *testing.T) {
	tr, err := NewFlatten(FlattenConfig{})
	require.NoError(t, err)
	in := map[string]any{
		"id":   int64(1),
		"user": map[string]any{"name": "ann", "address": map[any]any{"zip": "1"}, "nil": nil},
		"list": []any{map[string]any{"x": 1}},
		"b":    []byte("x"),
	}
	out, ok, err := tr.Apply(connect.Record{Value: in})
	require.NoError(t, err)
	require.True(t, ok)
	// Kafka's LinkedHashMap order: each map's entries in java.util.HashMap
	// order, nested maps expanded in their place.
	require.Equal(t, []connect.MapEntry{
		{Key: "b", Value: []byte("x")}, {Key: "id", Value: int64(1)}, {Key: "list", Value: []any{map[string]any{"x": 1}}},
		{Key: "user.nil", Value: nil}, {Key: "user.address.zip", Value: "1"}, {Key: "user.name", Value: "ann"},
	}, out.Value)

	for _, tc := range []struct {
		v    any
		want string
	}{
		{map[string]any{"a": map[string]any{"b": 1}, "a.b": 2}, "two entries flatten to the same name a.b"},
		{map[string]any{"s": connect.NewStruct(connect.StructOf(connect.F("x", connect.Int8Schema)))}, "does not support *connect.Struct"},
		{map[string]any{"d": connect.NewDecimal(1, 0)}, "not supported by Connect's data API"},
		{map[string]any{"m": map[any]any{1: 2}}, "not a string"},
		{[]connect.MapEntry{{Key: 1, Value: 2}}, "not a string"},
		{[]connect.MapEntry{{Key: "a", Value: []connect.MapEntry{{Key: "b", Value: 1}}}, {Key: "a.b", Value: 2}}, "two entries flatten to the same name a.b"},
		{"scalar", "only maps with string keys"},
	} {
		_, _, err := tr.Apply(connect.Record{Value: tc.v})
		require.ErrorContains(t, err, tc.want)
		var de *connect.DataError
		require.ErrorAs(t, err, &de)
	}
}

func TestFlattenEmptyDelimiter(t *testing.T) {
	tr, err := newFlattenFromConfig(false, map[string]string{"delimiter": ""})
	require.NoError(t, err)
	out, _, err := tr.Apply(connect.Record{Value: map[string]any{"a": map[string]any{"b": 1}}})
	require.NoError(t, err)
	require.Equal(t, []connect.MapEntry{{Key: "ab", Value: 1}}, out.Value)
}

func ExampleNewFlatten() {
	fl, err := NewFlatten(FlattenConfig{Delimiter: "_"})
	if err != nil {
		panic(err)
	}
	r, _, err := fl.Apply(connect.Record{Value: map[string]any{"user": map[string]any{"id": int64(7), "geo": map[string]any{"lat": 1.5}}}})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Value)
	// Output: [{user_geo_lat 1.5} {user_id 7}]
}

// TestPart2NoPanics feeds odd keys and values to every SMT of this part.
func TestPart2NoPanics(t *testing.T) {
	nilField := &connect.Schema{Type: connect.StructType, Fields: []connect.Field{{Name: "a", Index: 0}}}
	s := connect.StructOf(connect.F("a", connect.Int8Schema))
	values := []struct {
		schema *connect.Schema
		v      any
	}{
		{nil, (*connect.Struct)(nil)}, {s, (*connect.Struct)(nil)}, {s, "str"}, {s, map[string]any{}},
		{nil, map[string]any(nil)}, {nil, []connect.MapEntry{{Key: "a", Value: 1}}}, {nil, []connect.MapEntry{{Key: 1}}},
		{connect.StringSchema, 5}, {connect.Int8Schema, "x"}, {nilField, connect.NewStruct(nilField)},
		{nil, map[string]any{"a": map[string]any{"b": nil}, "f": func() {}}}, {connect.BytesSchema, []byte(nil)},
	}
	cfg := map[string]string{"topic.field": "a", "fields": "a", "spec": "a:string", "target.type": "string",
		"format": "yyyy", "field": "a", "renames": "a:b"}
	var plugins []Plugin
	for _, g := range [][]Plugin{insertFieldPlugins(), replaceFieldPlugins(), maskFieldPlugins(), castPlugins(),
		timestampConverterPlugins(), flattenPlugins()} {
		plugins = append(plugins, g...)
	}
	for _, p := range plugins {
		tr, err := p.New(cfg)
		require.NoError(t, err, p.Class)
		for _, v := range values {
			require.NotPanics(t, func() {
				_, _, _ = tr.Apply(connect.Record{KeySchema: v.schema, Key: v.v, ValueSchema: v.schema, Value: v.v})
			}, "%s %v %#v", p.Class, v.schema, v.v)
		}
	}
	whole, err := NewCast(CastConfig{Whole: connect.StringType})
	require.NoError(t, err)
	for _, v := range values {
		require.NotPanics(t, func() { _, _, _ = whole.Apply(connect.Record{ValueSchema: v.schema, Value: v.v}) })
	}
}
