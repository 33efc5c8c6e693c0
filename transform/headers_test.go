package transform_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/transform"
)

func p1HeaderList(h connect.Headers) []connect.Header { return slices.Collect(h.All()) }

func TestInsertHeader(t *testing.T) {
	in := connect.Record{Headers: connect.NewHeaders(connect.Header{Key: "a", Schema: connect.StringSchema, Value: "1"})}
	tr := transform.InsertHeader{Header: "a", Schema: connect.Int64Schema, Value: int64(2)}
	out, keep, err := tr.Apply(in)
	require.NoError(t, err)
	require.True(t, keep)
	require.Equal(t, []connect.Header{{Key: "a", Schema: connect.StringSchema, Value: "1"}, {Key: "a", Schema: connect.Int64Schema, Value: int64(2)}},
		p1HeaderList(out.Headers), "added after existing headers of the same name")
	require.Equal(t, 1, in.Headers.Len(), "the input's headers are unchanged")

	for _, lit := range []string{"", "some text"} {
		h, err := transform.NewInsertHeader("h", lit)
		require.NoError(t, err)
		require.Equal(t, &transform.InsertHeader{Header: "h", Schema: connect.StringSchema, Value: lit}, h)
	}
	h, err := transform.NewInsertHeader("h", "42")
	require.NoError(t, err)
	require.Equal(t, &transform.InsertHeader{Header: "h", Schema: connect.Int8Schema, Value: int8(42)}, h)
	h, err = transform.NewInsertHeader("h", "null")
	require.NoError(t, err)
	require.Equal(t, &transform.InsertHeader{Header: "h"}, h, "a null header without schema, as Kafka")
	out, _, err = h.Apply(connect.Record{})
	require.NoError(t, err)
	require.Equal(t, []connect.Header{{Key: "h"}}, p1HeaderList(out.Headers))

	h, err = transform.NewInsertHeader("h", "[1,,2]")
	require.NoError(t, err)
	require.Equal(t, &transform.InsertHeader{Header: "h", Schema: connect.StringSchema, Value: "[1,,2]"}, h,
		"what does not parse is a string, as in Kafka")
}

func TestDropHeaders(t *testing.T) {
	in := connect.Record{Headers: connect.NewHeaders(
		connect.Header{Key: "a", Value: "1"}, connect.Header{Key: "b", Value: "2"},
		connect.Header{Key: "a", Value: "3"}, connect.Header{Key: "c", Value: "4"})}
	tr, err := transform.NewDropHeaders("a", "c")
	require.NoError(t, err)
	out, keep, err := tr.Apply(in)
	require.NoError(t, err)
	require.True(t, keep)
	require.Equal(t, []connect.Header{{Key: "b", Value: "2"}}, p1HeaderList(out.Headers))
	require.Equal(t, 4, in.Headers.Len())

	many := []string{"x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "b"}
	tr, err = transform.NewDropHeaders(many...)
	require.NoError(t, err)
	out, _, err = tr.Apply(in)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "a", "c"}, []string{out.Headers.At(0).Key, out.Headers.At(1).Key, out.Headers.At(2).Key})

	_, err = transform.NewDropHeaders()
	require.ErrorContains(t, err, "must not be empty")

	none, _ := transform.NewDropHeaders("zz")
	allocs := testing.AllocsPerRun(100, func() { _, _, _ = none.Apply(in) })
	require.Zero(t, allocs, "a record without those headers costs nothing")
}

func TestHeaderFromWithSchema(t *testing.T) {
	user := p1NewUser(t, 7, "ann", nil)
	tests := []struct {
		name        string
		cfg         transform.HeaderFromConfig
		wantHeaders []connect.Header
		wantFields  []string // fields of the resulting schema
		wantN       any
	}{
		{"copy", transform.HeaderFromConfig{Fields: []string{"id", "n"}, Headers: []string{"h_id", "h_n"}},
			[]connect.Header{{Key: "h_id", Schema: connect.Int32Schema, Value: int32(7)}, {Key: "h_n", Schema: p1User.Fields[2].Schema, Value: int64(42)}},
			[]string{"id", "name", "n", "addr"}, nil},
		{"move", transform.HeaderFromConfig{Fields: []string{"id", "addr"}, Headers: []string{"h_id", "h_addr"}, Move: true},
			[]connect.Header{{Key: "h_id", Schema: connect.Int32Schema, Value: int32(7)}, {Key: "h_addr", Schema: p1Address, Value: nil}},
			[]string{"name", "n"}, int64(42)},
		{"move keep nulls", transform.HeaderFromConfig{Fields: []string{"n"}, Headers: []string{"h"}, Move: true, KeepNulls: true},
			[]connect.Header{{Key: "h", Schema: p1User.Fields[2].Schema, Value: nil}},
			[]string{"id", "name", "addr"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := transform.NewHeaderFrom(tt.cfg)
			require.NoError(t, err)
			in := connect.Record{ValueSchema: p1User, Value: user, Headers: connect.NewHeaders(connect.Header{Key: "x", Value: "y"})}
			out, keep, err := tr.Apply(in)
			require.NoError(t, err)
			require.True(t, keep)
			require.Equal(t, append([]connect.Header{{Key: "x", Value: "y"}}, tt.wantHeaders...), p1HeaderList(out.Headers))
			var names []string
			for _, f := range out.ValueSchema.Fields {
				names = append(names, f.Name)
			}
			require.Equal(t, tt.wantFields, names)
			st := out.Value.(*connect.Struct)
			require.NoError(t, connect.ValidateValue(out.ValueSchema, st))
			if !tt.cfg.Move {
				require.Same(t, user, st)
				return
			}
			require.Equal(t, "com.example.User", out.ValueSchema.Name, "name, version, doc and parameters kept")
			require.Equal(t, int32(3), out.ValueSchema.Version)
			require.Equal(t, tt.wantN, st.GetWithoutDefault("n"))
			require.Equal(t, "ann", st.Get("name"))
			again, _, _ := tr.Apply(in)
			require.Same(t, out.ValueSchema, again.ValueSchema, "the moved schema is cached")
		})
	}
}

func TestHeaderFromSchemaless(t *testing.T) {
	tests := []struct {
		name  string
		value any
		want  any
	}{
		{"map", map[string]any{"id": int64(1), "name": "a"}, map[string]any{"name": "a"}},
		{"map[any]any", map[any]any{"id": int64(1), 2: "two"}, map[any]any{2: "two"}},
		{"entries", []connect.MapEntry{{Key: "name", Value: "a"}, {Key: "id", Value: int64(1)}}, []connect.MapEntry{{Key: "name", Value: "a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := transform.NewHeaderFrom(transform.HeaderFromConfig{Key: true, Fields: []string{"id", "missing"}, Headers: []string{"h", "m"}, Move: true})
			require.NoError(t, err)
			out, keep, err := tr.Apply(connect.Record{Key: tt.value, Value: "v"})
			require.NoError(t, err)
			require.True(t, keep)
			require.Equal(t, tt.want, out.Key)
			require.Equal(t, []connect.Header{{Key: "h", Value: int64(1)}, {Key: "m"}}, p1HeaderList(out.Headers))
			require.Equal(t, "v", out.Value)
		})
	}
	copyTr, err := transform.NewHeaderFrom(transform.HeaderFromConfig{Fields: []string{"id"}, Headers: []string{"h"}})
	require.NoError(t, err)
	value := map[string]any{"id": int64(1)}
	out, _, err := copyTr.Apply(connect.Record{Value: value})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"id": int64(1)}, out.Value)
}

func TestHeaderFromErrors(t *testing.T) {
	tr, err := transform.NewHeaderFrom(transform.HeaderFromConfig{Fields: []string{"zz"}, Headers: []string{"h"}})
	require.NoError(t, err)
	for _, tt := range []struct {
		r    connect.Record
		path string
		want string
	}{
		{connect.Record{ValueSchema: p1User, Value: p1NewUser(t, 1, nil, nil)}, "zz", "HeaderFrom$Value: field zz is not a field of STRUCT(com.example.User)"},
		{connect.Record{ValueSchema: p1User.AsOptional()}, "", "Only Struct objects supported for [header copy], found: null"},
		{connect.Record{}, "", "Only Map objects supported in absence of schema for [header copy], found: null"},
		{connect.Record{Value: int64(1)}, "", "found: int64"},
	} {
		_, keep, err := tr.Apply(tt.r)
		require.False(t, keep)
		var de *connect.DataError
		require.ErrorAs(t, err, &de)
		require.Equal(t, tt.path, de.Path)
		require.ErrorContains(t, err, tt.want)
	}
	for _, cfg := range []transform.HeaderFromConfig{
		{Headers: []string{"h"}},
		{Fields: []string{"f"}},
		{Fields: []string{"f", "g"}, Headers: []string{"h"}},
	} {
		_, err := transform.NewHeaderFrom(cfg)
		var ce *connect.ConfigError
		require.ErrorAs(t, err, &ce)
	}
}

func BenchmarkHeaderFromMove(b *testing.B) {
	tr, err := transform.NewHeaderFrom(transform.HeaderFromConfig{Fields: []string{"id"}, Headers: []string{"h"}, Move: true})
	if err != nil {
		b.Fatal(err)
	}
	r := connect.Record{ValueSchema: p1User, Value: p1NewUser(b, 1, "x", nil)}
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = tr.Apply(r)
	}
}
