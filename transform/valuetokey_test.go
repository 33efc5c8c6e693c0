package transform_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/transform"
)

func TestValueToKeyWithSchema(t *testing.T) {
	user := p1NewUser(t, 7, "ann", p1NewAddr(t, nil))
	tests := []struct {
		name    string
		cfg     transform.ValueToKeyConfig
		want    *connect.Schema
		wantKey map[string]any
	}{
		{"fields", transform.ValueToKeyConfig{Fields: []string{"id", "name"}},
			connect.StructOf(connect.F("id", connect.Int32Schema), connect.F("name", connect.OptionalStringSchema)),
			map[string]any{"id": int32(7), "name": "ann"}},
		{"default", transform.ValueToKeyConfig{Fields: []string{"n"}},
			connect.StructOf(connect.F("n", p1User.Fields[2].Schema)), map[string]any{"n": int64(42)}},
		{"keep null", transform.ValueToKeyConfig{Fields: []string{"n"}, KeepNulls: true},
			connect.StructOf(connect.F("n", p1User.Fields[2].Schema)), map[string]any{"n": nil}},
		{"duplicates removed", transform.ValueToKeyConfig{Fields: []string{"id", "id"}},
			connect.StructOf(connect.F("id", connect.Int32Schema)), map[string]any{"id": int32(7)}},
		{"nested", transform.ValueToKeyConfig{Fields: []string{"addr.zip", "id"}, Syntax: transform.FieldSyntaxV2},
			connect.StructOf(connect.F("addr.zip", p1Address.Fields[0].Schema), connect.F("id", connect.Int32Schema)),
			map[string]any{"addr.zip": "00000", "id": int32(7)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := transform.NewValueToKey(tt.cfg)
			require.NoError(t, err)
			out, keep, err := tr.Apply(connect.Record{Key: "old", ValueSchema: p1User, Value: user})
			require.NoError(t, err)
			require.True(t, keep)
			require.True(t, tt.want.Equal(out.KeySchema), "key schema %v", out.KeySchema)
			key := out.Key.(*connect.Struct)
			for k, v := range tt.wantKey {
				require.Equal(t, v, key.GetWithoutDefault(k), k)
			}
			require.Same(t, user, out.Value)
			again, _, err := tr.Apply(connect.Record{ValueSchema: p1User, Value: user})
			require.NoError(t, err)
			require.Same(t, out.KeySchema, again.KeySchema, "the key schema is cached")
		})
	}
}

func TestValueToKeySchemaless(t *testing.T) {
	tr, err := transform.NewValueToKey(transform.ValueToKeyConfig{Fields: []string{"id", "missing"}})
	require.NoError(t, err)
	value := map[string]any{"id": int64(1), "name": "a"}
	out, keep, err := tr.Apply(connect.Record{KeySchema: connect.StringSchema, Key: "old", Value: value})
	require.NoError(t, err)
	require.True(t, keep)
	require.Nil(t, out.KeySchema)
	require.Equal(t, map[string]any{"id": int64(1), "missing": nil}, out.Key)

	tr, err = transform.NewValueToKey(transform.ValueToKeyConfig{Fields: []string{"a.b"}, Syntax: transform.FieldSyntaxV2})
	require.NoError(t, err)
	out, _, err = tr.Apply(connect.Record{Value: []connect.MapEntry{{Key: "a", Value: map[any]any{"b": "x"}}}})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"a.b": "x"}, out.Key)
}

func TestValueToKeyErrors(t *testing.T) {
	tr, err := transform.NewValueToKey(transform.ValueToKeyConfig{Fields: []string{"id", "zz"}})
	require.NoError(t, err)
	user := p1NewUser(t, 1, nil, nil)
	tests := []struct {
		name   string
		schema *connect.Schema
		value  any
		path   string
		want   string
	}{
		{"missing field", p1User, user, "zz", "ValueToKey: Field does not exist: zz"},
		{"tombstone with schema", p1User.AsOptional(), nil, "", "Only Struct objects supported for [copying fields from value to key], found: null"},
		{"tombstone", nil, nil, "", "Only Map objects supported in absence of schema for [copying fields from value to key], found: null"},
		{"not a map", nil, "s", "", "found: string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, keep, err := tr.Apply(connect.Record{ValueSchema: tt.schema, Value: tt.value})
			require.False(t, keep)
			var de *connect.DataError
			require.ErrorAs(t, err, &de)
			require.Equal(t, tt.path, de.Path)
			require.ErrorContains(t, err, tt.want)
		})
	}
	for _, fields := range [][]string{nil, {"a", ""}} {
		_, err := transform.NewValueToKey(transform.ValueToKeyConfig{Fields: fields})
		var ce *connect.ConfigError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, []string{"fields"}, ce.Keys())
	}
}
