package transform_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/transform"
)

func TestHoistField(t *testing.T) {
	user := p1NewUser(t, 1, "ann", nil)
	tests := []struct {
		name   string
		schema *connect.Schema
		value  any
	}{
		{"int64", connect.Int64Schema, int64(5)},
		{"go int", connect.Int32Schema, 5},
		{"optional null", connect.OptionalStringSchema, nil},
		{"struct", p1User, user},
		{"array", connect.ArrayOf(connect.StringSchema), []any{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := transform.NewHoistField(transform.HoistFieldConfig{Field: "wrapped"})
			require.NoError(t, err)
			out, keep, err := tr.Apply(connect.Record{ValueSchema: tt.schema, Value: tt.value, Key: "k"})
			require.NoError(t, err)
			require.True(t, keep)
			require.Equal(t, connect.StructOf(connect.F("wrapped", tt.schema)), out.ValueSchema)
			require.Same(t, tt.schema, out.ValueSchema.Fields[0].Schema)
			st := out.Value.(*connect.Struct)
			require.NoError(t, st.Validate())
			if n, ok := tt.value.(int); ok {
				require.Equal(t, int32(n), st.Get("wrapped"))
			} else {
				require.Equal(t, tt.value, st.Get("wrapped"))
			}
			require.Equal(t, "k", out.Key)

			again, _, err := tr.Apply(connect.Record{ValueSchema: tt.schema, Value: tt.value})
			require.NoError(t, err)
			require.Same(t, out.ValueSchema, again.ValueSchema, "the hoisted schema is cached")
		})
	}
}

func TestHoistFieldSchemaless(t *testing.T) {
	tr, err := transform.NewHoistField(transform.HoistFieldConfig{Key: true, Field: "id"})
	require.NoError(t, err)
	for _, v := range []any{int64(5), nil, map[string]any{"a": 1}} {
		out, keep, err := tr.Apply(connect.Record{Key: v, Value: "v"})
		require.NoError(t, err)
		require.True(t, keep)
		require.Nil(t, out.KeySchema)
		require.Equal(t, map[string]any{"id": v}, out.Key)
		require.Equal(t, "v", out.Value)
	}
}

func TestHoistFieldErrors(t *testing.T) {
	tr, err := transform.NewHoistField(transform.HoistFieldConfig{Field: "f"})
	require.NoError(t, err)
	_, _, err = tr.Apply(connect.Record{ValueSchema: connect.Int32Schema})
	require.ErrorContains(t, err, `HoistField$Value: Invalid value: null used for required field: "f", schema type: INT32`)
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.Equal(t, "f", de.Path)
	_, _, err = tr.Apply(connect.Record{ValueSchema: connect.Int32Schema, Value: "not an int"})
	require.ErrorAs(t, err, &de)
	require.Equal(t, "f", de.Path)

	empty, err := transform.NewHoistField(transform.HoistFieldConfig{})
	require.NoError(t, err)
	_, _, err = empty.Apply(connect.Record{ValueSchema: connect.Int32Schema, Value: int32(1)})
	require.ErrorContains(t, err, "fieldName cannot be null.")
	out, _, err := empty.Apply(connect.Record{Value: int32(1)})
	require.NoError(t, err, "schemaless accepts an empty name, as Kafka")
	require.Equal(t, map[string]any{"": int32(1)}, out.Value)
}
