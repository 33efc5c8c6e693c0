package transform

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

func TestReplaceFieldSchema(t *testing.T) {
	in := connect.StructOf(
		connect.F("a", connect.Int32Schema),
		connect.F("b", connect.StringSchema),
		connect.F("c", (&connect.Schema{Type: connect.Int64Type, Optional: true, Default: int64(5)})),
		connect.F("d", connect.BooleanSchema),
	).WithName("R").WithVersion(2)
	st := connect.NewStruct(in)
	require.NoError(t, st.Put("a", int32(1)))
	require.NoError(t, st.Put("b", "x"))
	require.NoError(t, st.Put("d", true))

	for _, tc := range []struct {
		name   string
		raw    map[string]string
		fields []string
		values []any
	}{
		{"exclude", map[string]string{"exclude": "b"}, []string{"a", "c", "d"}, []any{int32(1), int64(5), true}},
		{"include", map[string]string{"include": "d,a,zz"}, []string{"a", "d"}, []any{int32(1), true}},
		{"exclude wins", map[string]string{"include": "a,b", "exclude": "b"}, []string{"a"}, []any{int32(1)}},
		{"renames", map[string]string{"renames": "a:alpha, c:gamma,zz:yy"}, []string{"alpha", "b", "gamma", "d"}, []any{int32(1), "x", int64(5), true}},
		{"include by old name", map[string]string{"include": "a", "renames": "a:b"}, []string{"b"}, []any{int32(1)}},
		{"deprecated aliases", map[string]string{"blacklist": "b,c", "whitelist": "a,b,c"}, []string{"a"}, []any{int32(1)}},
		{"new keys win over aliases", map[string]string{"exclude": "a", "blacklist": "b"}, []string{"b", "c", "d"}, []any{"x", int64(5), true}},
		{"keep nulls", map[string]string{"include": "c", "replace.null.with.default": "false"}, []string{"c"}, []any{nil}},
	} {
		tr, err := newReplaceFieldFromConfig(false, tc.raw)
		require.NoError(t, err, tc.name)
		out, ok, err := tr.Apply(connect.Record{ValueSchema: in, Value: st})
		require.NoError(t, err, tc.name)
		require.True(t, ok)
		os := out.ValueSchema
		require.NoError(t, os.Validate(), tc.name)
		require.Equal(t, "R", os.Name)
		require.Equal(t, int32(2), os.Version)
		got := out.Value.(*connect.Struct)
		var names []string
		var values []any
		for i, f := range os.Fields {
			names = append(names, f.Name)
			values = append(values, got.At(i).Any())
		}
		require.Equal(t, tc.fields, names, tc.name)
		require.Equal(t, tc.values, values, tc.name)
	}
}

func TestReplaceFieldSchemaless(t *testing.T) {
	tr, err := NewReplaceField(ReplaceFieldConfig{Key: true, Exclude: []string{"pw"}, Renames: map[string]string{"a": "b"}})
	require.NoError(t, err)
	in := map[string]any{"a": 1, "pw": "x", "c": nil}
	out, ok, err := tr.Apply(connect.Record{Key: in})
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, map[string]any{"b": 1, "c": nil}, out.Key)
	require.Len(t, in, 3)

	_, _, err = tr.Apply(connect.Record{Key: map[string]any{"a": 1, "b": 2}})
	require.ErrorContains(t, err, "two fields would be called b")
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.Equal(t, "b", de.Path)

	out, ok, err = tr.Apply(connect.Record{Topic: "t"})
	require.NoError(t, err)
	require.True(t, ok)
	require.Nil(t, out.Key)

	_, _, err = tr.Apply(connect.Record{Key: 5})
	require.ErrorContains(t, err, "ReplaceField$Key")
}

func TestReplaceFieldDuplicateAfterRename(t *testing.T) {
	in := connect.StructOf(connect.F("a", connect.Int32Schema), connect.F("b", connect.Int32Schema))
	st := connect.NewStruct(in)
	require.NoError(t, st.Put("a", int32(1)))
	require.NoError(t, st.Put("b", int32(2)))
	tr, err := NewReplaceField(ReplaceFieldConfig{Renames: map[string]string{"a": "b"}})
	require.NoError(t, err)
	_, _, err = tr.Apply(connect.Record{ValueSchema: in, Value: st})
	require.ErrorContains(t, err, "field name duplication b")
}

func TestReplaceFieldConfigErrors(t *testing.T) {
	for _, bad := range []string{"a", "a:b:c", "a:", ":", "a:b,,c:d"} {
		_, err := newReplaceFieldFromConfig(false, map[string]string{"renames": bad})
		require.ErrorContains(t, err, "Invalid rename mapping", bad)
		require.ErrorContains(t, err, "for configuration renames", bad)
		require.ErrorContains(t, err, "ReplaceField$Value", bad)
		var ce *connect.ConfigError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, []string{"renames"}, ce.Keys())
	}
	// Java's split drops trailing empty strings: these are accepted.
	m, err := parseRenames([]string{"a:b:", ":b"})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"a": "b", "": "b"}, m)
}

func ExampleNewReplaceField() {
	rf, err := NewReplaceField(ReplaceFieldConfig{Exclude: []string{"password"}, Renames: map[string]string{"uid": "user_id"}})
	if err != nil {
		panic(err)
	}
	r, _, err := rf.Apply(connect.Record{Value: map[string]any{"uid": int64(7), "password": "hunter2", "name": "ann"}})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Value)
	// Output: map[name:ann user_id:7]
}
