package connect

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSchemaValidate(t *testing.T) {
	require.NoError(t, orderSchema.Validate())
	cases := map[string]*Schema{
		"duplicate field":                          StructOf(F("a", Int32Schema), F("a", Int32Schema)),
		"fields.a.fields.b":                        StructOf(F("a", StructOf(F("b", ArrayOf(nil))))),
		"MAP schema needs":                         {Type: MapType, Elem: Int32Schema},
		"invalid default":                          Int32Schema.WithDefault("x"),
		"has no name":                              StructOf(F("", Int32Schema)),
		"invalid type":                             {Type: 99},
		"INT32 schema has fields":                  {Type: Int32Type, Fields: []Field{{Name: "x", Schema: Int32Schema}}},
		"Decimal must be BYTES":                    {Type: StringType, Name: DecimalName},
		"invalid scale":                            {Type: BytesType, Name: DecimalName, Parameters: []Parameter{{"scale", "x"}}},
		"at fields.a: ARRAY schema has no element": StructOf(F("a", ArrayOf(nil))),
	}
	for want, s := range cases {
		err := s.Validate()
		require.Error(t, err, want)
		require.Contains(t, err.Error(), want)
	}
}

func TestSchemaBuildersDoNotModify(t *testing.T) {
	s := StringSchema.WithName("n").WithParameter("b", "2").WithParameter("a", "1").WithParameter("b", "3")
	require.Equal(t, []Parameter{{"b", "3"}, {"a", "1"}}, s.Parameters)
	require.Empty(t, StringSchema.Name)
	require.Same(t, OptionalStringSchema, StringSchema.AsOptional())
	require.True(t, s.AsOptional().Optional)
	require.False(t, s.Optional)
	require.True(t, s.Equal(StringSchema.WithName("n").WithParameter("b", "3").WithParameter("a", "1")))
	require.False(t, s.Equal(StringSchema.WithName("n").WithParameter("a", "1").WithParameter("b", "3")))
}

func TestStructFieldIndex(t *testing.T) {
	var fields []Field
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o"} {
		fields = append(fields, F(n, Int32Schema))
	}
	s := StructOf(fields...)
	f, ok := s.Field("n")
	require.True(t, ok)
	require.Equal(t, 13, f.Index)
	_, ok = s.Field("z")
	require.False(t, ok)
}

func TestParseType(t *testing.T) {
	ty, err := ParseType("int32")
	require.NoError(t, err)
	require.Equal(t, Int32Type, ty)
	_, err = ParseType("float")
	require.Error(t, err)
}
