package transform

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

// Most V2 splitting cases are checked against Kafka in TestJVMGoldenPart1.
func TestParseFieldPath(t *testing.T) {
	p, err := parseFieldPath("a.`b`.c", FieldSyntaxV1)
	require.NoError(t, err)
	require.Equal(t, []string{"a.`b`.c"}, p.steps, "V1 is one step, dots and all")
	require.False(t, p.nested())
	p, err = parseFieldPath("", FieldSyntaxV1)
	require.NoError(t, err)
	require.Equal(t, []string{""}, p.steps)

	p, err = parseFieldPath("a.`b.c`", FieldSyntaxV2)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b.c"}, p.steps)
	require.True(t, p.nested())
	require.Equal(t, "a.`b.c`", p.String())

	_, err = parseFieldPath("", FieldSyntaxV2)
	require.EqualError(t, err, "empty field path")
	_, err = parseFieldPath("a", FieldSyntax(9))
	require.EqualError(t, err, "unknown field syntax FieldSyntax(9)")
	require.Equal(t, "V2", FieldSyntaxV2.String())
}

func TestFieldPathAccess(t *testing.T) {
	inner := connect.StructOf(connect.F("x", connect.OptionalInt32Schema.WithDefault(int32(5)))).AsOptional()
	outer := connect.StructOf(connect.F("in", inner), connect.F("s", connect.StringSchema))
	p, err := parseFieldPath("in.x", FieldSyntaxV2)
	require.NoError(t, err)
	f, ok := p.fieldFrom(outer)
	require.True(t, ok)
	require.Equal(t, "x", f.Name)
	_, ok = p.fieldFrom(nil)
	require.False(t, ok)
	_, ok = p.fieldFrom(inner)
	require.False(t, ok)

	in := connect.NewStruct(inner)
	st := connect.NewStruct(outer)
	require.NoError(t, st.Put("in", in))
	v, err := p.valueFromStruct(st, true)
	require.NoError(t, err)
	require.Equal(t, int32(5), v)
	v, err = p.valueFromStruct(st, false)
	require.NoError(t, err)
	require.Nil(t, v)
	v, err = p.valueFromStruct(nil, true)
	require.NoError(t, err)
	require.Nil(t, v)

	rp := p.resolve(outer)
	require.True(t, rp.ok)
	require.Equal(t, []int{0, 0}, rp.idx)
	val, err := rp.valueIn(st, p.steps, true)
	require.NoError(t, err)
	require.Equal(t, int32(5), val.Any())
	require.False(t, p.resolve(inner).ok)

	through, err := parseFieldPath("s.x", FieldSyntaxV2)
	require.NoError(t, err)
	require.False(t, through.resolve(outer).ok, "a STRING has no fields")

	m := map[string]any{"in": map[string]any{"x": 1}, "s": "str"}
	v, err = p.valueFromMap(m)
	require.NoError(t, err)
	require.Equal(t, 1, v)
	bad, _ := parseFieldPath("s.x", FieldSyntaxV2)
	_, err = bad.valueFromMap(m)
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.Equal(t, "s", de.Path)
	_, err = p.valueFromMap("not a map")
	require.ErrorContains(t, err, "Only Map objects supported in absence of schema")
}
