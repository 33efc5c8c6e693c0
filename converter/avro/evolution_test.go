package avro

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kconnect-go/kconnect/connect"
)

// TestEvolution: a record written with an older schema is read, with
// use.latest.version, in the shape of the subject's latest schema: a new
// optional field null, a new field with a default set to it, a removed
// field gone, an int widened to long and a field renamed with an alias.
func TestEvolution(t *testing.T) {
	reg := newRegistry(t)
	w := newConv(t, reg.URL(), false)
	v1 := connect.StructOf(
		connect.F("id", connect.Int32Schema),
		connect.F("name", connect.StringSchema),
		connect.F("note", connect.OptionalStringSchema),
	).WithName("com.example.Customer")
	old := connect.NewStruct(v1)
	require.NoError(t, old.Put("id", int32(7)))
	require.NoError(t, old.Put("name", "Ada"))
	require.NoError(t, old.Put("note", "gone"))
	data, err := w.FromConnect(nil, "customers", connect.Headers{}, v1, old)
	require.NoError(t, err)

	// Reading without use.latest.version gives the writer's shape.
	s, v, err := w.ToConnect("customers", connect.Headers{}, data)
	require.NoError(t, err)
	require.Len(t, s.Fields, 3)
	require.Equal(t, "gone", v.(*connect.Struct).Get("note"))

	_, _, err = reg.RegisterSchema("customers-value", sr.Schema{Schema: `{"type":"record","name":"Customer","namespace":"com.example","fields":[
		{"name":"id","type":"long"},
		{"name":"fullname","type":"string","aliases":["name"]},
		{"name":"email","type":["null","string"],"default":null},
		{"name":"tier","type":"int","default":3}]}`})
	require.NoError(t, err)

	r := newConv(t, reg.URL(), false, UseLatestVersionConfig, "true")
	s, v, err = r.ToConnect("customers", connect.Headers{}, data)
	require.NoError(t, err)
	st := v.(*connect.Struct)
	require.Equal(t, []string{"id", "fullname", "email", "tier"}, fieldNames(s))
	require.Equal(t, int64(7), st.Get("id"))
	require.Equal(t, "Ada", st.Get("fullname"))
	require.Nil(t, st.Get("email"))
	require.Equal(t, int32(3), st.Get("tier"))
	require.Equal(t, connect.Int64Type, s.Fields[0].Schema.Type)

	// A latest schema that cannot read the writer's is refused by name.
	_, _, err = reg.RegisterSchema("customers-value", sr.Schema{Schema: `{"type":"record","name":"Customer","namespace":"com.example","fields":[
		{"name":"id","type":"long"},{"name":"must","type":"string"}]}`})
	require.NoError(t, err)
	r2 := newConv(t, reg.URL(), false, UseLatestVersionConfig, "true")
	_, _, err = r2.ToConnect("customers", connect.Headers{}, data)
	require.Error(t, err)
	require.ErrorContains(t, err, "customers")
	require.False(t, connect.IsRetriable(err))
}

// TestUseLatestVersionWrite: with use.latest.version the value is written
// with the latest schema and its id, its fields taken by name; with
// latest.compatibility.strict a latest schema that cannot read the value's
// is refused.
func TestUseLatestVersionWrite(t *testing.T) {
	reg := newRegistry(t)
	id, _, err := reg.RegisterSchema("t-value", sr.Schema{Schema: `{"type":"record","name":"R","fields":[
		{"name":"a","type":"long"},{"name":"b","type":["null","string"],"default":null}]}`})
	require.NoError(t, err)
	c := newConv(t, reg.URL(), false, UseLatestVersionConfig, "true", AutoRegisterSchemasConfig, "false")
	s := connect.StructOf(connect.F("a", connect.Int64Schema)).WithName("R")
	v := connect.NewStruct(s)
	require.NoError(t, v.Put("a", int64(1)))
	out, err := c.FromConnect(nil, "t", connect.Headers{}, s, v)
	require.NoError(t, err)
	require.Equal(t, []byte{0, 0, 0, 0, byte(id), 2, 0}, out)

	bad := connect.StructOf(connect.F("z", connect.StringSchema)).WithName("R")
	bv := connect.NewStruct(bad)
	require.NoError(t, bv.Put("z", "x"))
	_, err = c.FromConnect(nil, "t", connect.Headers{}, bad, bv)
	require.ErrorContains(t, err, "not backward compatible")
}

func fieldNames(s *connect.Schema) []string {
	var out []string
	for _, f := range s.Fields {
		out = append(out, f.Name)
	}
	return out
}

// TestLatestCacheTTL: the latest version is cached for ever by default and
// for latest.cache.ttl.sec when set.
func TestLatestCacheTTL(t *testing.T) {
	reg := newRegistry(t)
	id1, _, err := reg.RegisterSchema("t-value", sr.Schema{Schema: `"long"`})
	require.NoError(t, err)
	forever := newConv(t, reg.URL(), false, UseLatestVersionConfig, "true", AutoRegisterSchemasConfig, "false")
	ttl := newConv(t, reg.URL(), false, UseLatestVersionConfig, "true", AutoRegisterSchemasConfig, "false", LatestCacheTTLSecConfig, "1")
	for _, c := range []*Converter{forever, ttl} {
		out, err := c.FromConnect(nil, "t", connect.Headers{}, connect.Int64Schema, int64(1))
		require.NoError(t, err)
		require.Equal(t, byte(id1), out[4])
	}
	id2, _, err := reg.RegisterSchema("t-value", sr.Schema{Schema: `{"type":"long","connect.doc":"v2"}`})
	require.NoError(t, err)
	ttl.reg.SetLatestTTL(time.Millisecond) // a second is long for a test
	require.Eventually(t, func() bool {
		out, err := ttl.FromConnect(nil, "t", connect.Headers{}, connect.Int64Schema, int64(1))
		return err == nil && out[4] == byte(id2)
	}, 10*time.Second, 5*time.Millisecond)
	out, err := forever.FromConnect(nil, "t", connect.Headers{}, connect.Int64Schema, int64(1))
	require.NoError(t, err)
	require.Equal(t, byte(id1), out[4])
}

// TestLatestCacheTTLReading: with use.latest.version, a record is read
// with the latest version as of latest.cache.ttl.sec.
func TestLatestCacheTTLReading(t *testing.T) {
	reg := newRegistry(t)
	w := newConv(t, reg.URL(), false)
	s := connect.StructOf(connect.F("a", connect.Int64Schema)).WithName("R")
	v := connect.NewStruct(s)
	require.NoError(t, v.Put("a", int64(1)))
	data, err := w.FromConnect(nil, "t", connect.Headers{}, s, v)
	require.NoError(t, err)
	r := newConv(t, reg.URL(), false, UseLatestVersionConfig, "true", LatestCacheTTLSecConfig, "1")
	got, _, err := r.ToConnect("t", connect.Headers{}, data)
	require.NoError(t, err)
	require.Len(t, got.Fields, 1)
	_, _, err = reg.RegisterSchema("t-value", sr.Schema{Schema: `{"type":"record","name":"R","fields":[
		{"name":"a","type":"long"},{"name":"b","type":"string","default":"new"}]}`})
	require.NoError(t, err)
	r.reg.SetLatestTTL(time.Millisecond)
	require.Eventually(t, func() bool {
		got, val, err := r.ToConnect("t", connect.Headers{}, data)
		return err == nil && len(got.Fields) == 2 && val.(*connect.Struct).Get("b") == "new"
	}, 10*time.Second, 5*time.Millisecond)
}

// TestLatestCompatibilityStrict: with use.latest.version and
// latest.compatibility.strict, the latest schema must read the value's by
// Avro's schema resolution, as Confluent's serializer checks with Avro's
// SchemaCompatibility: a promotion, a new field with a default, a renamed
// record with an alias, a missing enum symbol with an enum
// default pass; another type, a new field without a default, another
// record name and a missing symbol without a default do not. Without
// strictness anything is written.
func TestLatestCompatibilityStrict(t *testing.T) {
	value := connect.StructOf(connect.F("a", connect.Int32Schema),
		connect.F("e", connect.StringSchema.WithParameter(paramEnum, "E").WithParameter(paramEnum+".X", "X").WithParameter(paramEnum+".Y", "Y"))).WithName("R")
	v := connect.NewStruct(value)
	require.NoError(t, v.Put("a", int32(1)))
	require.NoError(t, v.Put("e", "X"))
	const enum = `{"type":"enum","name":"E","symbols":["X","Y"]}`
	for i, tc := range []struct {
		latest, err string
	}{
		{`{"type":"record","name":"R","fields":[{"name":"a","type":"long"},{"name":"e","type":` + enum + `}]}`, ""},
		{`{"type":"record","name":"R","fields":[{"name":"a","type":"long"},{"name":"e","type":` + enum + `},{"name":"n","type":"string","default":""}]}`, ""},
		{`{"type":"record","name":"S","aliases":["R"],"fields":[{"name":"a","type":"int"},{"name":"e","type":` + enum + `}]}`, ""},
		{`{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"e","type":{"type":"enum","name":"E","symbols":["X","Z"],"default":"Z"}}]}`, ""},
		{`{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"e","type":` + enum + `}]}`, "not compatible"},
		{`{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"e","type":` + enum + `},{"name":"n","type":"string"}]}`, "no default"},
		{`{"type":"record","name":"S","fields":[{"name":"a","type":"int"},{"name":"e","type":` + enum + `}]}`, "names do not match"},
		{`{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"e","type":{"type":"enum","name":"E","symbols":["X"]}}]}`, "missing symbol Y"},
	} {
		reg := newRegistry(t)
		_, _, err := reg.RegisterSchema("t-value", sr.Schema{Schema: tc.latest})
		require.NoError(t, err)
		c := newConv(t, reg.URL(), false, UseLatestVersionConfig, "true", AutoRegisterSchemasConfig, "false", EnhancedAvroSchemaSupportConfig, "true")
		for range 2 { // the verdict is kept for the latest schema
			_, err = c.FromConnect(nil, "t", connect.Headers{}, value, v)
			if tc.err == "" {
				require.NoError(t, err, i)
			} else {
				require.ErrorContains(t, err, "not backward compatible", i)
				require.ErrorContains(t, err, tc.err, i)
			}
		}
		if tc.err != "" {
			lax := newConv(t, reg.URL(), false, UseLatestVersionConfig, "true", AutoRegisterSchemasConfig, "false", EnhancedAvroSchemaSupportConfig, "true", LatestCompatibilityStrictConfig, "false")
			_, err = lax.FromConnect(nil, "t", connect.Headers{}, value, v)
			if err != nil {
				require.NotContains(t, err.Error(), "not backward compatible", i)
			}
		}
	}
}

// TestUseLatestVersionWriteAllocates: with use.latest.version a record
// costs no more allocations than with the id of its own schema: the
// latest schema is parsed and checked once, not for every record.
func TestUseLatestVersionWriteAllocates(t *testing.T) {
	reg := newRegistry(t)
	s := orderSchema()
	v := connect.NewStruct(s)
	require.NoError(t, v.Put("id", int64(7)))
	require.NoError(t, v.Put("name", "Ada"))
	own := newConv(t, reg.URL(), false)
	buf := make([]byte, 0, 256)
	_, err := own.FromConnect(buf, "t", connect.Headers{}, s, v)
	require.NoError(t, err)
	latest := newConv(t, reg.URL(), false, UseLatestVersionConfig, "true", AutoRegisterSchemasConfig, "false")
	_, err = latest.FromConnect(buf, "t", connect.Headers{}, s, v)
	require.NoError(t, err)
	want := testing.AllocsPerRun(50, func() { _, _ = own.FromConnect(buf, "t", connect.Headers{}, s, v) })
	got := testing.AllocsPerRun(50, func() { _, _ = latest.FromConnect(buf, "t", connect.Headers{}, s, v) })
	require.LessOrEqual(t, got, want+1)
}

// TestAutoRegisterBeforeLatest: with use.latest.version and
// auto.register.schemas both true, the value's own schema is registered
// and written with, as Confluent's serializer registers first and heeds
// use.latest.version only without auto.register.schemas.
func TestAutoRegisterBeforeLatest(t *testing.T) {
	reg := newRegistry(t)
	latest, _, err := reg.RegisterSchema("t-value", sr.Schema{Schema: `{"type":"record","name":"R","fields":[
		{"name":"a","type":"long"},{"name":"b","type":["null","string"],"default":null}]}`})
	require.NoError(t, err)
	c := newConv(t, reg.URL(), false, UseLatestVersionConfig, "true")
	s := connect.StructOf(connect.F("a", connect.Int64Schema)).WithName("R")
	v := connect.NewStruct(s)
	require.NoError(t, v.Put("a", int64(1)))
	out, err := c.FromConnect(nil, "t", connect.Headers{}, s, v)
	require.NoError(t, err)
	own, ok := reg.GetSchema("t-value", 2)
	require.True(t, ok, "the value's schema is registered")
	require.NotEqual(t, latest, own.ID)
	require.Equal(t, []byte{0, 0, 0, 0, byte(own.ID), 2}, out)
}
