package jsonschema

import (
	"encoding/binary"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/internal/jsonparse"
)

func newRegistry(t testing.TB) *srfake.Registry {
	t.Helper()
	reg := srfake.New()
	t.Cleanup(reg.Close)
	return reg
}

func newConv(t testing.TB, url string, isKey bool, extra ...string) *Converter {
	t.Helper()
	cfg := map[string]string{SchemaRegistryURLConfig: url, "retries.wait.ms": "1", "max.retries": "1"}
	for i := 0; i+1 < len(extra); i += 2 {
		cfg[extra[i]] = extra[i+1]
	}
	c, err := Configure(cfg, isKey)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func orderSchema() *connect.Schema {
	return connect.StructOf(
		connect.F("id", connect.Int64Schema),
		connect.F("name", connect.StringSchema),
		connect.F("note", connect.OptionalStringSchema),
		connect.F("qty", connect.Int32Schema.WithDefault(int32(1))),
	).WithName("com.example.Order")
}

func order(t testing.TB) *connect.Struct {
	s := connect.NewStruct(orderSchema())
	require.NoError(t, s.Put("id", int64(7)))
	require.NoError(t, s.Put("name", "Ada"))
	return s
}

// TestWireFormat: a zero byte, the id the registry gave, then the JSON
// text; the schema registered under <topic>-value as type JSON, in the
// form JsonSchemaData derives.
func TestWireFormat(t *testing.T) {
	reg := newRegistry(t)
	c := newConv(t, reg.URL(), false)
	s := order(t)
	out, err := c.FromConnect(nil, "orders", connect.Headers{}, s.Schema(), s)
	require.NoError(t, err)
	ss, ok := reg.GetSchema("orders-value", 1)
	require.True(t, ok)
	require.Equal(t, sr.TypeJSON, ss.Type)
	require.Equal(t, `{"type":"object","title":"com.example.Order","properties":{`+
		`"id":{"type":"integer","connect.index":0,"connect.type":"int64"},`+
		`"name":{"type":"string","connect.index":1},`+
		`"note":{"oneOf":[{"type":"null"},{"type":"string"}],"connect.index":2},`+
		`"qty":{"type":"integer","default":1,"connect.index":3,"connect.type":"int32"}}}`, ss.Schema.Schema)
	want := append([]byte{0}, binary.BigEndian.AppendUint32(nil, uint32(ss.ID))...)
	want = append(want, `{"id":7,"name":"Ada","note":null,"qty":1}`...)
	require.Equal(t, string(want), string(out))

	gs, v, err := c.ToConnect("orders", connect.Headers{}, out)
	require.NoError(t, err)
	require.Equal(t, "com.example.Order", gs.Name)
	require.Equal(t, int32(1), gs.Version, "the version in the subject, as Confluent's converter gives it")
	got := v.(*connect.Struct)
	require.Equal(t, int64(7), got.Get("id"))
	require.Equal(t, "Ada", got.Get("name"))
	require.Nil(t, got.Get("note"))
	require.Equal(t, int32(1), got.Get("qty"))
	require.True(t, gs.Fields[2].Schema.Optional)
	require.Equal(t, int32(1), gs.Fields[3].Schema.Default)

	// Keys go to <topic>-key.
	k := newConv(t, reg.URL(), true)
	_, err = k.FromConnect(nil, "orders", connect.Headers{}, connect.StringSchema, "k1")
	require.NoError(t, err)
	ks, ok := reg.GetSchema("orders-key", 1)
	require.True(t, ok)
	require.Equal(t, `{"type":"string"}`, ks.Schema.Schema)
}

// allTypes is a struct of every Connect type and logical type.
func allTypes() *connect.Schema {
	inner := connect.StructOf(connect.F("a", connect.OptionalInt32Schema)).WithName("Inner").AsOptional()
	return connect.StructOf(
		connect.F("i8", connect.Int8Schema),
		connect.F("i16", connect.Int16Schema),
		connect.F("i32", connect.Int32Schema),
		connect.F("i64", connect.Int64Schema),
		connect.F("f32", connect.Float32Schema),
		connect.F("f64", connect.Float64Schema),
		connect.F("b", connect.BooleanSchema),
		connect.F("s", connect.StringSchema.WithDoc("a string").WithParameter("k", "v")),
		connect.F("bytes", connect.BytesSchema),
		connect.F("dec", connect.DecimalSchema(2)),
		connect.F("date", connect.DateSchema),
		connect.F("time", connect.TimeSchema),
		connect.F("ts", connect.TimestampSchema),
		connect.F("arr", connect.ArrayOf(connect.StringSchema)),
		connect.F("smap", connect.MapOf(connect.StringSchema, connect.Int32Schema)),
		connect.F("imap", connect.MapOf(connect.Int32Schema, connect.StringSchema)),
		connect.F("inner", inner),
	).WithName("All").WithVersion(3)
}

func allValue(t testing.TB) *connect.Struct {
	s := connect.NewStruct(allTypes())
	put := func(k string, v any) { require.NoError(t, s.Put(k, v)) }
	put("i8", int8(-8))
	put("i16", int16(300))
	put("i32", int32(70000))
	put("i64", int64(1)<<40)
	put("f32", float32(1.5))
	put("f64", 2.25)
	put("b", true)
	put("s", "x\"y")
	put("bytes", []byte{1, 2, 3})
	put("dec", connect.Decimal{Unscaled: big.NewInt(12345), Scale: 2})
	put("date", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	put("time", time.Date(1970, 1, 1, 1, 0, 0, 0, time.UTC))
	put("ts", time.UnixMilli(1700000000123).UTC())
	put("arr", []any{"a", "b"})
	put("smap", map[string]any{"one": int32(1)})
	put("imap", []connect.MapEntry{{Key: int32(1), Value: "one"}})
	in := connect.NewStruct(allTypes().Fields[16].Schema)
	require.NoError(t, in.Put("a", int32(5)))
	put("inner", in)
	return s
}

// TestMapping pins the JSON Schema and the JSON of every type, written by
// JsonSchemaData's rules, and reads them back into equal values.
func TestMapping(t *testing.T) {
	reg := newRegistry(t)
	c := newConv(t, reg.URL(), false)
	v := allValue(t)
	out, err := c.FromConnect(nil, "all", connect.Headers{}, v.Schema(), v)
	require.NoError(t, err)
	ss, ok := reg.GetSchema("all-value", 1)
	require.True(t, ok)
	require.Equal(t, `{"type":"object","title":"All","properties":{`+
		`"i8":{"type":"integer","connect.index":0,"connect.type":"int8"},`+
		`"i16":{"type":"integer","connect.index":1,"connect.type":"int16"},`+
		`"i32":{"type":"integer","connect.index":2,"connect.type":"int32"},`+
		`"i64":{"type":"integer","connect.index":3,"connect.type":"int64"},`+
		`"f32":{"type":"number","connect.index":4,"connect.type":"float32"},`+
		`"f64":{"type":"number","connect.index":5,"connect.type":"float64"},`+
		`"b":{"type":"boolean","connect.index":6},`+
		`"s":{"type":"string","description":"a string","connect.index":7,"connect.parameters":{"k":"v"}},`+
		`"bytes":{"type":"string","connect.index":8,"connect.type":"bytes"},`+
		`"dec":{"type":"number","title":"org.apache.kafka.connect.data.Decimal","connect.index":9,"connect.type":"bytes","connect.version":1,"connect.parameters":{"scale":"2"}},`+
		`"date":{"type":"integer","title":"org.apache.kafka.connect.data.Date","connect.index":10,"connect.type":"int32","connect.version":1},`+
		`"time":{"type":"integer","title":"org.apache.kafka.connect.data.Time","connect.index":11,"connect.type":"int32","connect.version":1},`+
		`"ts":{"type":"integer","title":"org.apache.kafka.connect.data.Timestamp","connect.index":12,"connect.type":"int64","connect.version":1},`+
		`"arr":{"type":"array","items":{"type":"string"},"connect.index":13},`+
		`"smap":{"type":"object","additionalProperties":{"type":"integer","connect.type":"int32"},"connect.index":14,"connect.type":"map"},`+
		`"imap":{"type":"array","items":{"type":"object","properties":{"key":{"type":"integer","connect.index":0,"connect.type":"int32"},"value":{"type":"string","connect.index":1}}},"connect.index":15,"connect.type":"map"},`+
		`"inner":{"oneOf":[{"type":"null"},{"type":"object","title":"Inner","properties":{"a":{"oneOf":[{"type":"null"},{"type":"integer","connect.type":"int32"}],"connect.index":0}}}],"connect.index":16}},`+
		`"connect.version":3}`, ss.Schema.Schema)
	require.Equal(t, `{"i8":-8,"i16":300,"i32":70000,"i64":1099511627776,"f32":1.5,"f64":2.25,"b":true,"s":"x\"y",`+
		`"bytes":"AQID","dec":"MDk=","date":19783,"time":3600000,"ts":1700000000123,"arr":["a","b"],"smap":{"one":1},`+
		`"imap":[{"key":1,"value":"one"}],"inner":{"a":5}}`, string(out[5:]))

	gs, got, err := c.ToConnect("all", connect.Headers{}, out)
	require.NoError(t, err)
	require.Equal(t, int32(3), gs.Version, "connect.version wins over the subject's version")
	require.True(t, gs.Fields[9].Schema.Equal(connect.DecimalSchema(2)), "%s", gs.Fields[9].Schema)
	require.Equal(t, connect.LogicalDate, gs.Fields[10].Schema.Logical())
	require.Equal(t, "a string", gs.Fields[7].Schema.Doc)
	// Re-encoding what was read gives the same JSON.
	again, err := newConv(t, reg.URL(), false).data.appendValue(nil, gs, connect.AnyValue(got))
	require.NoError(t, err)
	require.Equal(t, string(out[5:]), string(again))
	gv := got.(*connect.Struct)
	require.Equal(t, int8(-8), gv.Get("i8"))
	require.Equal(t, []byte{1, 2, 3}, gv.Get("bytes"))
	require.True(t, connect.Decimal{Unscaled: big.NewInt(12345), Scale: 2}.Equal(gv.Get("dec").(connect.Decimal)))
	require.Equal(t, time.UnixMilli(1700000000123).UTC(), gv.Get("ts"))
}

// TestDecimalFormatAndAdditionalProperties: decimal.format=NUMERIC writes
// a decimal as a number, and object.additional.properties=false closes
// the struct's schema.
func TestDecimalFormatAndAdditionalProperties(t *testing.T) {
	reg := newRegistry(t)
	// decimal.format is case-insensitive, as Confluent's is.
	c := newConv(t, reg.URL(), false, DecimalFormatConfig, "numeric", ObjectAdditionalPropertiesConfig, "false")
	s := connect.StructOf(connect.F("d", connect.DecimalSchema(3)))
	v := connect.NewStruct(s)
	require.NoError(t, v.Put("d", connect.Decimal{Unscaled: big.NewInt(-1500), Scale: 3}))
	out, err := c.FromConnect(nil, "t", connect.Headers{}, s, v)
	require.NoError(t, err)
	require.Equal(t, `{"d":-1.500}`, string(out[5:]))
	ss, _ := reg.GetSchema("t-value", 1)
	require.Contains(t, ss.Schema.Schema, `"additionalProperties":false`)
	_, got, err := c.ToConnect("t", connect.Headers{}, out)
	require.NoError(t, err)
	require.Equal(t, "-1.500", got.(*connect.Struct).Get("d").(connect.Decimal).String())
}

// TestReadForeignSchema: a JSON Schema written by hand, without connect.*
// annotations, reads as JsonSchemaData reads it: integer as INT64, number
// as FLOAT64, an enum as a string with Confluent's enum parameters, local
// $refs, a list of types with null as optional, and with
// use.optional.for.nonrequired the properties not required as optional.
func TestReadForeignSchema(t *testing.T) {
	reg := newRegistry(t)
	schema := `{"$schema":"http://json-schema.org/draft-07/schema#","title":"Event","type":"object",
	"properties":{"n":{"type":"integer"},"x":{"type":"number"},"color":{"enum":["red","green"]},
	"who":{"$ref":"#/definitions/Person"},"tag":{"type":["null","string"]}},
	"required":["n","who"],
	"definitions":{"Person":{"type":"object","properties":{"name":{"type":"string"}}}}}`
	id, _, err := reg.RegisterSchema("ev-value", sr.Schema{Schema: schema, Type: sr.TypeJSON})
	require.NoError(t, err)
	payload := append([]byte{0}, binary.BigEndian.AppendUint32(nil, uint32(id))...)
	payload = append(payload, `{"n":5,"x":1.5,"color":"red","who":{"name":"Bo"},"tag":null}`...)

	c := newConv(t, reg.URL(), false, UseOptionalForNonRequiredConfig, "true")
	gs, v, err := c.ToConnect("ev", connect.Headers{}, payload)
	require.NoError(t, err)
	require.Equal(t, "Event", gs.Name)
	f := func(name string) *connect.Schema {
		fl, ok := gs.Field(name)
		require.True(t, ok, name)
		return fl.Schema
	}
	require.Equal(t, connect.Int64Type, f("n").Type)
	require.False(t, f("n").Optional, "required")
	require.Equal(t, connect.Float64Type, f("x").Type)
	require.True(t, f("x").Optional, "not required")
	require.Equal(t, connect.StringType, f("color").Type)
	p, ok := f("color").Parameter("io.confluent.connect.json.Enum.red")
	require.True(t, ok)
	require.Equal(t, "red", p)
	require.Equal(t, connect.StructType, f("who").Type)
	require.True(t, f("tag").Optional)
	st := v.(*connect.Struct)
	require.Equal(t, int64(5), st.Get("n"))
	require.Equal(t, "Bo", st.Get("who").(*connect.Struct).Get("name"))

	// Without use.optional.for.nonrequired every property is required, so
	// a value missing one fails, naming the topic and the property.
	strict := newConv(t, reg.URL(), false)
	short := append(payload[:5:5], `{"n":5,"color":"red","who":{"name":"Bo"}}`...)
	_, _, err = strict.ToConnect("ev", connect.Headers{}, short)
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.ErrorContains(t, err, "topic ev")
	require.ErrorContains(t, err, "x: null value for a required FLOAT64")
}

// TestFailInvalidSchema: with json.fail.invalid.schema, values are
// validated against the registered schema when written and read; without
// it, they are not.
func TestFailInvalidSchema(t *testing.T) {
	reg := newRegistry(t)
	schema := `{"type":"object","properties":{"name":{"type":"string","maxLength":3}}}`
	id, _, err := reg.RegisterSchema("p-value", sr.Schema{Schema: schema, Type: sr.TypeJSON})
	require.NoError(t, err)
	payload := append([]byte{0}, binary.BigEndian.AppendUint32(nil, uint32(id))...)
	payload = append(payload, `{"name":"toolong"}`...)

	_, v, err := newConv(t, reg.URL(), false).ToConnect("p", connect.Headers{}, payload)
	require.NoError(t, err)
	require.Equal(t, "toolong", v.(*connect.Struct).Get("name"))

	// Not strict: the value's optional name may be null, which the latest
	// schema's "string" refuses.
	c := newConv(t, reg.URL(), false, FailInvalidSchemaConfig, "true", UseLatestVersionConfig, "true", AutoRegisterSchemasConfig, "false",
		"latest.compatibility.strict", "false")
	_, _, err = c.ToConnect("p", connect.Headers{}, payload)
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.ErrorContains(t, err, "topic p")
	require.ErrorContains(t, err, "maxLength")

	// Writing with the latest schema validates against it too.
	s := connect.StructOf(connect.F("name", connect.OptionalStringSchema))
	val := connect.NewStruct(s)
	require.NoError(t, val.Put("name", "abcdef"))
	_, err = c.FromConnect(nil, "p", connect.Headers{}, s, val)
	require.ErrorAs(t, err, &de)
	require.ErrorContains(t, err, "does not match schema id")
	require.NoError(t, val.Put("name", "abc"))
	out, err := c.FromConnect(nil, "p", connect.Headers{}, s, val)
	require.NoError(t, err)
	require.Equal(t, uint32(id), binary.BigEndian.Uint32(out[1:5]))
}

// TestBadInput: bytes that are not the wire format, an unknown id, JSON
// that is not JSON or does not fit the schema are DataErrors naming the
// topic.
func TestBadInput(t *testing.T) {
	reg := newRegistry(t)
	c := newConv(t, reg.URL(), false)
	s := order(t)
	good, err := c.FromConnect(nil, "orders", connect.Headers{}, s.Schema(), s)
	require.NoError(t, err)
	id := good[:5]
	cases := map[string][]byte{
		"too short":      {0, 0, 1},
		"magic byte":     append([]byte{1}, good[1:]...),
		"unknown schema": append([]byte{0, 0, 0, 0, 99}, good[5:]...),
		"not JSON":       append(id[:5:5], `{"id":`...),
		"INT64":          append(id[:5:5], `{"id":"7","name":"x"}`...),
		"out of range":   append(id[:5:5], `{"id":1e30,"name":"x"}`...),
		"required":       append(id[:5:5], `{"id":1}`...),
	}
	for name, data := range cases {
		_, _, err := c.ToConnect("orders", connect.Headers{}, data)
		var de *connect.DataError
		require.ErrorAs(t, err, &de, name)
		require.ErrorContains(t, err, "topic orders", name)
	}
	_, err = c.FromConnect(nil, "orders", connect.Headers{}, nil, "x")
	require.ErrorContains(t, err, "topic orders")
	bad := connect.NewStruct(orderSchema())
	_, err = c.FromConnect(nil, "orders", connect.Headers{}, bad.Schema(), bad)
	require.ErrorContains(t, err, "field id")
}

// TestAutoRegisterOff: without auto.register.schemas a schema the registry
// does not have is an error naming the subject.
func TestAutoRegisterOff(t *testing.T) {
	reg := newRegistry(t)
	c := newConv(t, reg.URL(), false, AutoRegisterSchemasConfig, "false")
	_, err := c.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "x")
	require.ErrorContains(t, err, "schema not found in subject t-value")
	_, _, err = reg.RegisterSchema("t-value", sr.Schema{Schema: `{"type":"string"}`, Type: sr.TypeJSON})
	require.NoError(t, err)
	out, err := c.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "x")
	require.NoError(t, err)
	require.Equal(t, `"x"`, string(out[5:]))
}

// TestRecordNameStrategy: the subject is the schema's title.
func TestRecordNameStrategy(t *testing.T) {
	reg := newRegistry(t)
	c := newConv(t, reg.URL(), false, ValueSubjectNameStrategyConfig, "RecordNameStrategy")
	s := order(t)
	out, err := c.FromConnect(nil, "orders", connect.Headers{}, s.Schema(), s)
	require.NoError(t, err)
	require.True(t, reg.SubjectExists("com.example.Order"))
	_, _, err = c.ToConnect("orders", connect.Headers{}, out)
	require.NoError(t, err)
}

// TestHeaderIDs: with HeaderSchemaIdSerializer the GUID goes in
// __value_schema_id and the payload is bare JSON, which
// ToConnectWithHeaders reads.
func TestHeaderIDs(t *testing.T) {
	reg := newRegistry(t)
	p := Plugin()
	cv, err := p.New(map[string]string{SchemaRegistryURLConfig: reg.URL(), valueSerKey: "HeaderSchemaIdSerializer"}, false)
	require.NoError(t, err)
	hc, ok := cv.(converter.HeadersFromConnect)
	require.True(t, ok)
	var headers []converter.KafkaHeader
	s := order(t)
	out, err := hc.FromConnectWithHeaders(nil, "orders", &headers, s.Schema(), s)
	require.NoError(t, err)
	require.Equal(t, byte('{'), out[0])
	require.Len(t, headers, 1)
	require.Equal(t, "__value_schema_id", headers[0].Key)
	require.Len(t, headers[0].Value, 17)

	r := newConv(t, reg.URL(), false)
	_, v, err := r.ToConnectWithHeaders("orders", headers, out)
	require.NoError(t, err)
	require.Equal(t, "Ada", v.(*connect.Struct).Get("name"))
	_, _, err = r.ToConnectWithHeaders("orders", []converter.KafkaHeader{{Key: "__value_schema_id", Value: []byte{7}}}, out)
	require.ErrorContains(t, err, "topic orders")
}

const valueSerKey = "value.schema.id.serializer"

// TestRegistryDown: an unreachable registry is a retriable, fatal error
// naming the topic, not a DataError that errors.tolerance would skip.
func TestRegistryDown(t *testing.T) {
	c := newConv(t, "http://127.0.0.1:1", false)
	_, err := c.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "x")
	require.Error(t, err)
	require.True(t, connect.IsRetriable(err))
	var de *connect.DataError
	require.False(t, errors.As(err, &de))
	require.ErrorContains(t, err, "topic t")
}

// TestOneOf: a struct named io.confluent.connect.json.OneOf is a oneOf of
// its fields' schemas; its value is the one set member.
func TestOneOf(t *testing.T) {
	reg := newRegistry(t)
	c := newConv(t, reg.URL(), false)
	u := connect.StructOf(
		connect.F("io.confluent.connect.json.OneOf.field.0", connect.OptionalInt64Schema),
		connect.F("io.confluent.connect.json.OneOf.field.1", connect.OptionalStringSchema),
	).WithName("io.confluent.connect.json.OneOf")
	v := connect.NewStruct(u)
	require.NoError(t, v.Put("io.confluent.connect.json.OneOf.field.1", "hi"))
	out, err := c.FromConnect(nil, "u", connect.Headers{}, u, v)
	require.NoError(t, err)
	require.Equal(t, `"hi"`, string(out[5:]))
	ss, _ := reg.GetSchema("u-value", 1)
	require.Equal(t, `{"oneOf":[{"type":"integer","connect.index":0,"connect.type":"int64"},{"type":"string","connect.index":1}]}`, ss.Schema.Schema)
	gs, got, err := c.ToConnect("u", connect.Headers{}, out)
	require.NoError(t, err)
	require.Equal(t, "io.confluent.connect.json.OneOf", gs.Name)
	require.Equal(t, "hi", got.(*connect.Struct).Get("io.confluent.connect.json.OneOf.field.1"))
	require.True(t, strings.HasPrefix(gs.Fields[0].Name, "io.confluent.connect.json.OneOf.field."))
}

// TestNumbersOutOfRange: numbers a schema's type cannot hold are errors,
// not Infinity or a truncated integer; whole numbers written with a
// fraction or exponent read as integers.
func TestNumbersOutOfRange(t *testing.T) {
	d := dataConfig{}
	read := func(s *connect.Schema, text string) (any, error) {
		n, err := jsonparse.Parse([]byte(text))
		require.NoError(t, err)
		return d.value(s, &n, "")
	}
	for s, text := range map[*connect.Schema]string{
		connect.Float32Schema: "1e39", connect.Float64Schema: "1e400", connect.Int8Schema: "128",
		connect.Int64Schema: "1e999999999", connect.Int32Schema: "1.5",
	} {
		_, err := read(s, text)
		require.Error(t, err, "%s %s", s, text)
	}
	v, err := read(connect.Int16Schema, "2.0e2")
	require.NoError(t, err)
	require.Equal(t, int16(200), v)
}

// TestRepeatedMember: a member given twice is read by its last value, as
// Jackson keeps it, even when the first does not fit the schema.
func TestRepeatedMember(t *testing.T) {
	d := dataConfig{}
	v, err := d.document([]byte(`{"id":"x","name":"a","id":3}`), orderSchema(), nil)
	require.NoError(t, err)
	require.Equal(t, int64(3), v.Any().(*connect.Struct).Get("id"))
	_, err = d.document([]byte(`{"id":3,"name":"a"} x`), orderSchema(), nil)
	var se *jsonparse.SyntaxError
	require.ErrorAs(t, err, &se)
}

// TestHeaderIDWriteAllocates: writing with the schema's GUID in a header
// into a reused buffer allocates no more than writing the id before the
// payload: the header's value is the schema's, kept.
func TestHeaderIDWriteAllocates(t *testing.T) {
	reg := newRegistry(t)
	prefix := newConv(t, reg.URL(), false)
	cv, err := Plugin().New(map[string]string{SchemaRegistryURLConfig: reg.URL(), valueSerKey: "HeaderSchemaIdSerializer"}, false)
	require.NoError(t, err)
	hc := cv.(converter.HeadersFromConnect)
	v := order(t)
	buf := make([]byte, 0, 512)
	headers := make([]converter.KafkaHeader, 0, 1)
	_, err = hc.FromConnectWithHeaders(buf, "t", &headers, v.Schema(), v)
	require.NoError(t, err)
	_, err = prefix.FromConnect(buf, "t", connect.Headers{}, v.Schema(), v)
	require.NoError(t, err)
	want := testing.AllocsPerRun(50, func() { _, _ = prefix.FromConnect(buf, "t", connect.Headers{}, v.Schema(), v) })
	got := testing.AllocsPerRun(50, func() {
		headers = headers[:0]
		_, _ = hc.FromConnectWithHeaders(buf, "t", &headers, v.Schema(), v)
	})
	require.Len(t, headers, 1)
	require.LessOrEqual(t, got, want)
}
