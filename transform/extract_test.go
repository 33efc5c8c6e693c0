package transform_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/transform"
)

// p1Address and p1User are the schemas of the SMT tests: a user with an
// optional nested address, a field with a default and a name with a dot.
var (
	p1Address = connect.StructOf(
		connect.F("zip", connect.OptionalStringSchema.WithDefault("00000")),
		connect.F("a.b", connect.OptionalStringSchema),
	).AsOptional()
	p1User = connect.StructOf(
		connect.F("id", connect.Int32Schema),
		connect.F("name", connect.OptionalStringSchema),
		connect.F("n", connect.OptionalInt64Schema.WithDefault(int64(42))),
		connect.F("addr", p1Address),
	).WithName("com.example.User").WithVersion(3)
)

// p1NewUser returns a user; a nil addr leaves the address null, and n is
// left null (so it reads as its default, 42).
func p1NewUser(t testing.TB, id int32, name any, addr *connect.Struct) *connect.Struct {
	st := connect.NewStruct(p1User)
	require.NoError(t, st.PutInt32("id", id))
	require.NoError(t, st.Put("name", name))
	if addr != nil {
		require.NoError(t, st.Put("addr", addr))
	}
	return st
}

func p1NewAddr(t testing.TB, zip any) *connect.Struct {
	a := connect.NewStruct(p1Address)
	require.NoError(t, a.Put("zip", zip))
	require.NoError(t, a.Put("a.b", "dot"))
	return a
}

func TestExtractFieldWithSchema(t *testing.T) {
	user := p1NewUser(t, 7, "ann", p1NewAddr(t, nil))
	noAddr := p1NewUser(t, 8, nil, nil)
	tests := []struct {
		name       string
		cfg        transform.ExtractFieldConfig
		value      *connect.Struct
		wantSchema *connect.Schema
		want       any
	}{
		{"top level", transform.ExtractFieldConfig{Field: "name"}, user, connect.OptionalStringSchema, "ann"},
		{"null field", transform.ExtractFieldConfig{Field: "name"}, noAddr, connect.OptionalStringSchema, nil},
		{"default", transform.ExtractFieldConfig{Field: "n"}, user, p1User.Fields[2].Schema, int64(42)},
		{"keep null", transform.ExtractFieldConfig{Field: "n", KeepNulls: true}, user, p1User.Fields[2].Schema, nil},
		{"struct field", transform.ExtractFieldConfig{Field: "addr"}, user, p1Address, user.Get("addr")},
		{"nested", transform.ExtractFieldConfig{Field: "addr.zip", Syntax: transform.FieldSyntaxV2}, user, p1Address.Fields[0].Schema, "00000"},
		{"nested keep null", transform.ExtractFieldConfig{Field: "addr.zip", Syntax: transform.FieldSyntaxV2, KeepNulls: true}, user, p1Address.Fields[0].Schema, nil},
		{"nested quoted", transform.ExtractFieldConfig{Field: "addr.`a.b`", Syntax: transform.FieldSyntaxV2}, user, connect.OptionalStringSchema, "dot"},
		{"null parent", transform.ExtractFieldConfig{Field: "addr.zip", Syntax: transform.FieldSyntaxV2}, noAddr, p1Address.Fields[0].Schema, nil},
		{"null value", transform.ExtractFieldConfig{Field: "addr.zip", Syntax: transform.FieldSyntaxV2}, nil, p1Address.Fields[0].Schema, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := transform.NewExtractField(tt.cfg)
			require.NoError(t, err)
			in := connect.Record{Topic: "t", KeySchema: connect.StringSchema, Key: "k", ValueSchema: p1User}
			if tt.value != nil {
				in.Value = tt.value
			}
			out, keep, err := tr.Apply(in)
			require.NoError(t, err)
			require.True(t, keep)
			require.Same(t, tt.wantSchema, out.ValueSchema)
			require.Equal(t, tt.want, out.Value)
			require.Equal(t, "k", out.Key, "the key is kept")
		})
	}
}

func TestExtractFieldKey(t *testing.T) {
	tr, err := transform.NewExtractField(transform.ExtractFieldConfig{Key: true, Field: "id"})
	require.NoError(t, err)
	out, keep, err := tr.Apply(connect.Record{KeySchema: p1User, Key: p1NewUser(t, 9, "x", nil), ValueSchema: connect.StringSchema, Value: "v"})
	require.NoError(t, err)
	require.True(t, keep)
	require.Same(t, connect.Int32Schema, out.KeySchema)
	require.Equal(t, int32(9), out.Key)
	require.Equal(t, "v", out.Value)

	out, _, err = tr.Apply(connect.Record{Key: map[string]any{"id": "abc"}, Value: "v"})
	require.NoError(t, err)
	require.Nil(t, out.KeySchema)
	require.Equal(t, "abc", out.Key)
}

func TestExtractFieldSchemaless(t *testing.T) {
	nested := map[string]any{"a": map[string]any{"b": map[any]any{"c": int64(5)}}, "a.b": "flat"}
	tests := []struct {
		name  string
		cfg   transform.ExtractFieldConfig
		value any
		want  any
	}{
		{"field", transform.ExtractFieldConfig{Field: "a.b"}, nested, "flat"},
		{"missing", transform.ExtractFieldConfig{Field: "zz"}, nested, nil},
		{"null value", transform.ExtractFieldConfig{Field: "a"}, nil, nil},
		{"nil map", transform.ExtractFieldConfig{Field: "a"}, map[string]any(nil), nil},
		{"nested", transform.ExtractFieldConfig{Field: "a.b.c", Syntax: transform.FieldSyntaxV2}, nested, int64(5)},
		{"nested missing", transform.ExtractFieldConfig{Field: "a.x.c", Syntax: transform.FieldSyntaxV2}, nested, nil},
		{"map[any]any", transform.ExtractFieldConfig{Field: "k"}, map[any]any{"k": true, 1: "one"}, true},
		{"map entries", transform.ExtractFieldConfig{Field: "k"}, []connect.MapEntry{{Key: []byte("x"), Value: 1}, {Key: "k", Value: "v"}}, "v"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := transform.NewExtractField(tt.cfg)
			require.NoError(t, err)
			out, keep, err := tr.Apply(connect.Record{Value: tt.value})
			require.NoError(t, err)
			require.True(t, keep)
			require.Nil(t, out.ValueSchema)
			require.Equal(t, tt.want, out.Value)
		})
	}
}

func TestExtractFieldErrors(t *testing.T) {
	user := p1NewUser(t, 7, "ann", p1NewAddr(t, "1"))
	tests := []struct {
		name   string
		cfg    transform.ExtractFieldConfig
		schema *connect.Schema
		value  any
		path   string
		want   string
	}{
		{"unknown field", transform.ExtractFieldConfig{Field: "zz"}, p1User, user, "zz", "ExtractField$Value: Unknown field: zz"},
		{"V1 has no nesting", transform.ExtractFieldConfig{Field: "addr.zip"}, p1User, user, "addr.zip", "Unknown field: addr.zip"},
		{"unknown with null value", transform.ExtractFieldConfig{Field: "zz"}, p1User, nil, "zz", "Unknown field: zz"},
		{"not a struct", transform.ExtractFieldConfig{Field: "id"}, p1User, "str", "", "Only Struct objects supported for [field extraction], found: string"},
		{"through a primitive", transform.ExtractFieldConfig{Field: "id.x", Syntax: transform.FieldSyntaxV2}, p1User, user, "id.x", "Unknown field: id.x"},
		{"not a map", transform.ExtractFieldConfig{Field: "a"}, nil, []any{1}, "", "Only Map objects supported in absence of schema for [field extraction], found: []interface {}"},
		{"nested not a map", transform.ExtractFieldConfig{Field: "a.b.c", Syntax: transform.FieldSyntaxV2}, nil, map[string]any{"a": map[string]any{"b": int64(5)}},
			"a.b", "Only Map objects supported in absence of schema for [nested field access], found: int64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := transform.NewExtractField(tt.cfg)
			require.NoError(t, err)
			_, keep, err := tr.Apply(connect.Record{ValueSchema: tt.schema, Value: tt.value})
			require.False(t, keep)
			var de *connect.DataError
			require.ErrorAs(t, err, &de)
			require.Equal(t, tt.path, de.Path)
			require.ErrorContains(t, err, tt.want)
		})
	}
	_, err := transform.NewExtractField(transform.ExtractFieldConfig{Field: "`a", Syntax: transform.FieldSyntaxV2})
	var ce *connect.ConfigError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, []string{"field"}, ce.Keys())
	require.ErrorContains(t, err, "Incomplete backtick pair in path: [`a]")
	_, err = transform.NewExtractField(transform.ExtractFieldConfig{Field: "", Syntax: transform.FieldSyntaxV2})
	require.ErrorContains(t, err, "empty field path")
}

func TestExtractFieldStructOfEqualSchema(t *testing.T) {
	// The struct's schema is equal to, but not the same pointer as, the
	// record's: positions are resolved against the struct's own schema.
	copyOfUser := connect.StructOf(p1User.Fields...).WithName(p1User.Name).WithVersion(3)
	st := connect.NewStruct(copyOfUser)
	require.NoError(t, st.PutInt32("id", 1))
	require.NoError(t, st.Put("name", "bob"))
	tr, err := transform.NewExtractField(transform.ExtractFieldConfig{Field: "name"})
	require.NoError(t, err)
	out, _, err := tr.Apply(connect.Record{ValueSchema: p1User, Value: st})
	require.NoError(t, err)
	require.Equal(t, "bob", out.Value)
}

func BenchmarkExtractFieldNested(b *testing.B) {
	tr, err := transform.NewExtractField(transform.ExtractFieldConfig{Field: "addr.`a.b`", Syntax: transform.FieldSyntaxV2})
	if err != nil {
		b.Fatal(err)
	}
	r := connect.Record{ValueSchema: p1User, Value: p1NewUser(b, 1, "x", p1NewAddr(b, "z"))}
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = tr.Apply(r)
	}
}
