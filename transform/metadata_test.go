package transform_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/transform"
)

func TestSetSchemaMetadata(t *testing.T) {
	user := p1NewUser(t, 7, "ann", p1NewAddr(t, "123"))
	tests := []struct {
		name        string
		cfg         transform.SetSchemaMetadataConfig
		wantName    string
		wantVersion int32
		wantN       any
	}{
		{"name", transform.SetSchemaMetadataConfig{Name: "com.example.Person"}, "com.example.Person", 3, int64(42)},
		{"version", transform.SetSchemaMetadataConfig{Version: 9}, "com.example.User", 9, int64(42)},
		{"both, keep nulls", transform.SetSchemaMetadataConfig{Name: "P", Version: 1, KeepNulls: true}, "P", 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := transform.NewSetSchemaMetadata(tt.cfg)
			require.NoError(t, err)
			out, keep, err := tr.Apply(connect.Record{Key: "k", ValueSchema: p1User, Value: user})
			require.NoError(t, err)
			require.True(t, keep)
			s := out.ValueSchema
			require.Equal(t, tt.wantName, s.Name)
			require.Equal(t, tt.wantVersion, s.Version)
			require.Equal(t, p1User.Fields, s.Fields)
			require.Equal(t, "com.example.User", p1User.Name, "the input schema is not modified")
			st := out.Value.(*connect.Struct)
			require.Same(t, s, st.Schema(), "the struct is rebuilt with the new schema")
			require.NoError(t, connect.ValidateValue(s, st))
			require.Equal(t, tt.wantN, st.GetWithoutDefault("n"))
			require.Same(t, user.Get("addr"), st.Get("addr"), "nested structs are kept")
			require.Equal(t, "k", out.Key)

			again, _, err := tr.Apply(connect.Record{ValueSchema: p1User, Value: user})
			require.NoError(t, err)
			require.Same(t, s, again.ValueSchema, "the new schema is cached")
		})
	}
}

func TestSetSchemaMetadataNullsAndKeys(t *testing.T) {
	tr, err := transform.NewSetSchemaMetadata(transform.SetSchemaMetadataConfig{Key: true, Name: "K"})
	require.NoError(t, err)
	out, keep, err := tr.Apply(connect.Record{Value: "v"})
	require.NoError(t, err, "no key schema and a null key pass")
	require.True(t, keep)
	require.Nil(t, out.KeySchema)

	optional := p1User.AsOptional()
	out, _, err = tr.Apply(connect.Record{KeySchema: optional, Value: "v"})
	require.NoError(t, err)
	require.Equal(t, "K", out.KeySchema.Name)
	require.True(t, out.KeySchema.Optional)
	require.Nil(t, out.Key)
}

func TestSetSchemaMetadataErrors(t *testing.T) {
	tr, err := transform.NewSetSchemaMetadata(transform.SetSchemaMetadataConfig{Version: 2})
	require.NoError(t, err)
	for _, r := range []connect.Record{
		{Value: map[string]any{"a": 1}},
		{ValueSchema: connect.DecimalSchema(2), Value: connect.NewDecimal(1, 2)},
		{ValueSchema: connect.OptionalInt32Schema},
		{ValueSchema: connect.ArrayOf(connect.Int32Schema), Value: []any{int32(1)}},
	} {
		_, keep, err := tr.Apply(r)
		require.False(t, keep)
		var de *connect.DataError
		require.ErrorAs(t, err, &de, "%v", r)
	}
	// A required field that is null and has no default cannot be copied
	// (the input struct was never valid).
	bad := connect.NewStruct(p1User)
	_, _, err = tr.Apply(connect.Record{ValueSchema: p1User, Value: bad})
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.Equal(t, "id", de.Path)

	_, err = transform.NewSetSchemaMetadata(transform.SetSchemaMetadataConfig{})
	require.ErrorContains(t, err, "Neither schema name nor version configured")
}

func TestSetSchemaMetadataFromConfig(t *testing.T) {
	p, err := connect.Plugins(transform.Plugins()).Find(connect.TransformationPlugin, "SetSchemaMetadata$Value")
	require.NoError(t, err)
	tr, err := p.(transform.Plugin).New(map[string]string{"schema.name": ""})
	require.NoError(t, err, "an empty schema.name is set (it clears the name), as in Kafka")
	out, _, err := tr.Apply(connect.Record{ValueSchema: p1User, Value: p1NewUser(t, 1, nil, nil)})
	require.NoError(t, err)
	require.Equal(t, "", out.ValueSchema.Name)
	require.Equal(t, int32(3), out.ValueSchema.Version)

	_, err = p.(transform.Plugin).New(map[string]string{})
	require.ErrorContains(t, err, "SetSchemaMetadata$Value: Neither schema name nor version configured")
}
