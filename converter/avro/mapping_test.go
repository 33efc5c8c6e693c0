package avro

import (
	"encoding/hex"
	"math/big"
	"testing"
	"time"

	hamba "github.com/hamba/avro/v2"
	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

func schemaText(t *testing.T, d dataConfig, s *connect.Schema) string {
	t.Helper()
	text, err := d.avroSchemaJSON(s)
	require.NoError(t, err)
	_, err = hamba.Parse(string(text))
	require.NoError(t, err, "%s", text)
	return string(text)
}

var meta = dataConfig{connectMetaData: true}

// TestSchemaDefaults: defaults of every type, as AvroData writes them in
// connect.default and the field's default (bytes and decimals as
// ISO-8859-1 strings, floats as Java prints them), and an optional schema
// with a default as a union with the type first.
func TestSchemaDefaults(t *testing.T) {
	s := connect.StructOf(
		connect.F("i8", connect.Int8Schema.WithDefault(int8(2)).WithDoc("int8 field")),
		connect.F("f32", connect.Float32Schema.WithDefault(float32(12.2))),
		connect.F("f64", connect.Float64Schema.WithDefault(1e10)),
		connect.F("bytes", connect.BytesSchema.WithDefault([]byte("fo\xff"))),
		connect.F("arr", connect.ArrayOf(connect.StringSchema).WithDefault([]any{"a"})),
		connect.F("map", connect.MapOf(connect.StringSchema, connect.Int32Schema).WithDefault(map[string]any{"k": int32(1)})),
		connect.F("date", connect.DateSchema.WithDefault(connect.DaysToDate(100))),
		connect.F("dec", connect.DecimalSchema(5).WithDefault(connect.NewDecimal(314159, 5))),
		connect.F("opt", connect.OptionalInt32Schema.WithDefault(int32(7))),
	)
	require.Equal(t, `{"type":"record","name":"ConnectDefault","namespace":"io.confluent.connect.avro","fields":[`+
		`{"name":"i8","type":{"type":"int","connect.doc":"int8 field","connect.default":2,"connect.type":"int8"},"default":2},`+
		`{"name":"f32","type":{"type":"float","connect.default":12.2},"default":12.2},`+
		`{"name":"f64","type":{"type":"double","connect.default":1.0E10},"default":1.0E10},`+
		`{"name":"bytes","type":{"type":"bytes","connect.default":"foÿ"},"default":"foÿ"},`+
		`{"name":"arr","type":{"type":"array","items":"string","connect.default":["a"]},"default":["a"]},`+
		`{"name":"map","type":{"type":"map","values":"int","connect.default":{"k":1}},"default":{"k":1}},`+
		`{"name":"date","type":{"type":"int","connect.version":1,"connect.default":100,"connect.name":"org.apache.kafka.connect.data.Date","logicalType":"date"},"default":100},`+
		`{"name":"dec","type":{"type":"bytes","scale":5,"precision":64,"connect.version":1,"connect.parameters":{"scale":"5"},"connect.default":"\u0004Ë/","connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"},"default":"\u0004Ë/"},`+
		`{"name":"opt","type":[{"type":"int","connect.default":7},"null"],"default":7}]}`,
		schemaText(t, meta, s))

	// Read back, the defaults are the same values.
	parsed, err := hamba.Parse(schemaText(t, meta, s))
	require.NoError(t, err)
	cs, err := meta.toConnectSchema(parsed, 0)
	require.NoError(t, err)
	for i, f := range s.Fields {
		require.True(t, connect.ValuesEqual(f.Schema.Default, cs.Fields[i].Schema.Default), "%s: %v != %v", f.Name, f.Schema.Default, cs.Fields[i].Schema.Default)
	}
	// An optional with a default writes its value as branch 0.
	e := encoder{d: meta}
	out, err := e.value(nil, s.Fields[8].Schema, connect.Int32Value(3))
	require.NoError(t, err)
	require.Equal(t, []byte{0, 6}, out)
}

// TestConnectMetaDataOff: connect.meta.data=false writes no connect.*
// properties other than the INT8/INT16 type and logical types.
func TestConnectMetaDataOff(t *testing.T) {
	s := connect.StructOf(connect.F("a", connect.Int16Schema.WithDoc("d").WithDefault(int16(1))),
		connect.F("ts", connect.TimestampSchema)).WithName("x.Y").WithVersion(3)
	require.Equal(t, `{"type":"record","name":"Y","namespace":"x","fields":[{"name":"a","type":"int","default":1},`+
		`{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}}]}`, schemaText(t, dataConfig{}, s))
}

// TestScrubInvalidNames: scrub.invalid.names makes names Avro accepts, as
// AvroData's doScrubName does.
func TestScrubInvalidNames(t *testing.T) {
	require.Equal(t, "a_b", scrubName("a-b"))
	require.Equal(t, "x1abc", scrubName("1abc"))
	require.Equal(t, "_24", scrubName("$"))
	require.Equal(t, "ok_1", scrubName("ok_1"))
	s := connect.StructOf(connect.F("my-field", connect.Int32Schema)).WithName("com.my-org.Rec")
	require.Equal(t, `{"type":"record","name":"Rec","namespace":"com.my_org","fields":[{"name":"my_field","type":"int"}],"connect.name":"com.my-org.Rec"}`,
		schemaText(t, dataConfig{connectMetaData: true, scrub: true}, s))
	_, err := hamba.Parse(string(mustJSON(t, meta, s)))
	require.Error(t, err, "without scrubbing the name is not a valid Avro name")
}

func mustJSON(t *testing.T, d dataConfig, s *connect.Schema) []byte {
	text, err := d.avroSchemaJSON(s)
	require.NoError(t, err)
	return text
}

// TestNamedTypesOnce: a named type used twice is written in full once and
// by name after that; unnamed structs are ConnectDefault, ConnectDefault2
// and so on; a named MAP with non-string keys names its entry record.
func TestNamedTypesOnce(t *testing.T) {
	addr := connect.StructOf(connect.F("city", connect.StringSchema)).WithName("com.example.Address")
	anon := connect.StructOf(connect.F("x", connect.Int32Schema))
	s := connect.StructOf(connect.F("home", addr), connect.F("work", addr),
		connect.F("p", anon), connect.F("q", anon),
		connect.F("m", connect.MapOf(connect.Int64Schema, connect.StringSchema).WithName("com.example.Index")),
	).WithName("com.example.Person")
	require.Equal(t, `{"type":"record","name":"Person","namespace":"com.example","fields":[`+
		`{"name":"home","type":{"type":"record","name":"Address","fields":[{"name":"city","type":"string"}],"connect.name":"com.example.Address"}},`+
		`{"name":"work","type":"Address"},`+
		`{"name":"p","type":{"type":"record","name":"ConnectDefault","namespace":"io.confluent.connect.avro","fields":[{"name":"x","type":"int"}]}},`+
		`{"name":"q","type":{"type":"record","name":"ConnectDefault2","namespace":"io.confluent.connect.avro","fields":[{"name":"x","type":"int"}]}},`+
		`{"name":"m","type":{"type":"array","items":{"type":"record","name":"Index","fields":[{"name":"key","type":"long"},{"name":"value","type":"string"}],"connect.internal.type":"MapEntry"},"connect.name":"com.example.Index"}}],`+
		`"connect.name":"com.example.Person"}`, schemaText(t, meta, s))
	parsed, err := hamba.Parse(schemaText(t, meta, s))
	require.NoError(t, err)
	cs, err := meta.toConnectSchema(parsed, 0)
	require.NoError(t, err)
	require.Equal(t, connect.MapType, cs.Fields[4].Schema.Type)
	require.Equal(t, "com.example.Index", cs.Fields[4].Schema.Name)
	require.Equal(t, "", cs.Fields[2].Schema.Name, "ConnectDefault names are not kept")
}

// TestDecimalPrecision: connect.decimal.precision sets the Avro precision
// and is read back; the default precision 64 is not a parameter.
func TestDecimalPrecision(t *testing.T) {
	s := connect.DecimalSchema(2).WithParameter(propDecimalPrec, "10")
	text := schemaText(t, meta, s)
	require.Equal(t, `{"type":"bytes","scale":2,"precision":10,"connect.version":1,"connect.parameters":{"scale":"2","connect.decimal.precision":"10"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}`, text)
	for avroText, want := range map[string][]connect.Parameter{
		`{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}`: {{Key: "scale", Value: "2"}, {Key: propDecimalPrec, Value: "10"}},
		`{"type":"bytes","logicalType":"decimal","precision":64,"scale":3}`: {{Key: "scale", Value: "3"}},
		`{"type":"bytes","logicalType":"decimal","precision":5,"scale":7}`:  {{Key: "scale", Value: "7"}, {Key: propDecimalPrec, Value: "5"}},
	} {
		parsed, err := hamba.Parse(avroText)
		require.NoError(t, err)
		cs, err := meta.toConnectSchema(parsed, 0)
		require.NoError(t, err)
		require.Equal(t, connect.DecimalName, cs.Name, avroText)
		require.Equal(t, want, cs.Parameters, avroText)
	}
}

// TestReadOtherProducers: schemas no Connect worker wrote: micros logical
// types read as INT64 (AvroData has no conversion for them), enums as
// strings with their symbols as parameters, fixed as bytes, a record's
// field defaults flagged io.confluent.connect.avro.field.default.
func TestReadOtherProducers(t *testing.T) {
	parsed, err := hamba.Parse(`{"type":"record","name":"R","namespace":"n","doc":"a record","fields":[
		{"name":"tm","type":{"type":"long","logicalType":"time-micros"}},
		{"name":"tsm","type":{"type":"long","logicalType":"timestamp-micros"}},
		{"name":"e","type":{"type":"enum","name":"Suit","symbols":["S","H"]}},
		{"name":"f","type":{"type":"fixed","name":"F4","size":4}},
		{"name":"n","type":"int","default":5,"doc":"five"}]}`)
	require.NoError(t, err)
	cs, err := meta.toConnectSchema(parsed, 4)
	require.NoError(t, err)
	require.Equal(t, "n.R", cs.Name)
	require.Equal(t, int32(4), cs.Version, "the registry's version")
	require.Equal(t, []connect.Parameter{{Key: paramRecordDoc, Value: "a record"}, {Key: paramFieldDoc + "n", Value: "five"}}, cs.Parameters)
	require.Equal(t, connect.Int64Schema.Type, cs.Fields[0].Schema.Type)
	require.Equal(t, "", cs.Fields[0].Schema.Name)
	require.Equal(t, "", cs.Fields[1].Schema.Name)
	require.Equal(t, []connect.Parameter{{Key: paramEnum, Value: "n.Suit"}, {Key: paramEnum + ".S", Value: "S"}, {Key: paramEnum + ".H", Value: "H"}}, cs.Fields[2].Schema.Parameters)
	require.Equal(t, "n.Suit", cs.Fields[2].Schema.Name)
	require.Equal(t, []connect.Parameter{{Key: propFixedSize, Value: "4"}}, cs.Fields[3].Schema.Parameters)
	require.Equal(t, int32(5), cs.Fields[4].Schema.Default)
	require.Equal(t, []connect.Parameter{{Key: paramFieldDefault, Value: "true"}}, cs.Fields[4].Schema.Parameters)
	// Written back, the flagged default is not a connect.default and the
	// flag is not a parameter.
	text := schemaText(t, meta, cs.Fields[4].Schema)
	require.Equal(t, `"int"`, text)

	dec, err := compile(parsed, parsed, cs)
	require.NoError(t, err)
	r := reader{b: []byte{0x80, 0x89, 0x7a, 0x02, 0x02, 1, 2, 3, 4, 0x0a}}
	v, err := dec.decode(&r)
	require.NoError(t, err)
	st := v.Any().(*connect.Struct)
	require.Equal(t, int64(1000000), st.Get("tm"))
	require.Equal(t, int64(1), st.Get("tsm"))
	require.Equal(t, "H", st.Get("e"))
	require.Equal(t, []byte{1, 2, 3, 4}, st.Get("f"))
	require.Equal(t, int32(5), st.Get("n"))
}

// TestFixedDecimal: a decimal in a fixed is sign-extended to its size.
func TestFixedDecimal(t *testing.T) {
	s := connect.DecimalSchema(2).WithParameter(propFixedSize, "4")
	e := encoder{d: meta}
	out, err := e.value(nil, s, connect.DecimalValue(connect.Decimal{Unscaled: big.NewInt(-2), Scale: 2}))
	require.NoError(t, err)
	require.Equal(t, []byte{0xff, 0xff, 0xff, 0xfe}, out)
	_, err = e.value(nil, s, connect.DecimalValue(connect.Decimal{Unscaled: new(big.Int).Lsh(big.NewInt(1), 40), Scale: 2}))
	require.Error(t, err)
	_, err = e.value(nil, s, connect.DecimalValue(connect.NewDecimal(1, 3)))
	require.ErrorContains(t, err, "scale 3")
	require.Contains(t, schemaText(t, meta, s), `{"type":"fixed","name":"Decimal","namespace":"org.apache.kafka.connect.data","size":4,"scale":2,"precision":64`)
}

// TestEncodeRefusesMismatches: values of the wrong Go type, out of range or
// null where required are errors naming the element.
func TestEncodeRefusesMismatches(t *testing.T) {
	e := encoder{d: meta}
	for name, c := range map[string]struct {
		s    *connect.Schema
		v    any
		path string
	}{
		"int8 range":        {connect.Int8Schema, int64(300), ""},
		"string for int":    {connect.Int32Schema, "1", ""},
		"float64 for f32":   {connect.Float32Schema, 1.0, ""},
		"array elem":        {connect.ArrayOf(connect.Int32Schema), []any{int32(1), nil}, "[1]"},
		"map value":         {connect.MapOf(connect.StringSchema, connect.BooleanSchema), map[string]any{"k": 1}, "[k]"},
		"date not time":     {connect.DateSchema, int32(1), ""},
		"date not midnight": {connect.DateSchema, time.Date(2020, 1, 1, 1, 0, 0, 0, time.UTC), ""},
		"enum symbol":       {connect.StringSchema.WithParameter(paramEnum, "E").WithParameter(paramEnum+".A", "A"), "B", ""},
	} {
		d := e
		if name == "enum symbol" {
			d.d.enhanced = true
		}
		_, err := d.value(nil, c.s, connect.AnyValue(c.v))
		var de *connect.DataError
		require.ErrorAs(t, err, &de, name)
		require.Equal(t, c.path, de.Path, name)
	}
}

// TestGeneralUnion: a union other than a type with null is a struct named
// io.confluent.connect.avro.Union with an optional field per type, one of
// them set, both ways; the null branch makes the struct optional.
func TestGeneralUnion(t *testing.T) {
	parsed, err := hamba.Parse(`{"type":"record","name":"R","fields":[{"name":"u","type":
		["null","string","long",{"type":"record","name":"P","fields":[{"name":"x","type":"int"}]}],"default":null}]}`)
	require.NoError(t, err)
	cs, err := meta.toConnectSchema(parsed, 0)
	require.NoError(t, err)
	u := cs.Fields[0].Schema
	require.Equal(t, unionName, u.Name)
	require.True(t, u.Optional)
	require.Equal(t, []string{"string", "long", "P"}, fieldNames(u))
	for _, f := range u.Fields {
		require.True(t, f.Schema.Optional, f.Name)
	}

	dec, err := compile(parsed, parsed, cs)
	require.NoError(t, err)
	for hexIn, check := range map[string]func(*connect.Struct){
		"00":     func(st *connect.Struct) { require.Nil(t, st.Get("u")) },
		"040a":   func(st *connect.Struct) { require.Equal(t, int64(5), st.Get("u").(*connect.Struct).Get("long")) },
		"020278": func(st *connect.Struct) { require.Equal(t, "x", st.Get("u").(*connect.Struct).Get("string")) },
		"060e": func(st *connect.Struct) {
			require.Equal(t, int32(7), st.Get("u").(*connect.Struct).Get("P").(*connect.Struct).Get("x"))
		},
	} {
		in, _ := hex.DecodeString(hexIn)
		r := reader{b: in}
		v, err := dec.decode(&r)
		require.NoError(t, err, hexIn)
		st := v.Any().(*connect.Struct)
		check(st)
		// Written again, the same bytes.
		e := encoder{d: meta}
		out, err := e.value(nil, cs, v)
		require.NoError(t, err, hexIn)
		require.Equal(t, hexIn, hex.EncodeToString(out))
	}
	require.Equal(t, `{"type":"record","name":"R","fields":[{"name":"u","type":["null","string","long",`+
		`{"type":"record","name":"P","fields":[{"name":"x","type":"int"}],"connect.name":"P"}],"default":null}],"connect.name":"R"}`,
		schemaText(t, meta, cs))

	// A required union: no null branch, a struct with nothing set refused.
	parsed, err = hamba.Parse(`["int","string"]`)
	require.NoError(t, err)
	cs, err = meta.toConnectSchema(parsed, 0)
	require.NoError(t, err)
	require.False(t, cs.Optional)
	e := encoder{d: meta}
	_, err = e.value(nil, cs, connect.AnyValue(connect.NewStruct(cs)))
	require.ErrorContains(t, err, "required union")
	// A writer's plain string read with a reader union sets the string.
	w, err := hamba.Parse(`"string"`)
	require.NoError(t, err)
	dec, err = compile(w, parsed, cs)
	require.NoError(t, err)
	r := reader{b: []byte{2, 'z'}}
	v, err := dec.decode(&r)
	require.NoError(t, err)
	require.Equal(t, "z", v.Any().(*connect.Struct).Get("string"))
}

// TestDecodeBounds: counts and lengths are checked against the data, so a
// few corrupt bytes fail at once instead of allocating or looping.
func TestDecodeBounds(t *testing.T) {
	for text, in := range map[string][]byte{
		`{"type":"array","items":"string"}`:                                 {0xfe, 0xff, 0xff, 0xff, 0x0f, 2, 'a'},
		`{"type":"array","items":{"type":"record","name":"Z","fields":[]}}`: {0xfe, 0xff, 0x07, 0},
		`"string"`:                      {0xfe, 0xff, 0xff, 0xff, 0x0f, 'a'},
		`"long"`:                        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		`{"type":"map","values":"int"}`: {0x01},
		`["null","int"]`:                {0x06},
		`{"type":"enum","name":"E","symbols":["A"]}`: {0x02},
		`"boolean"`: {0x02},
		`{"type":"record","name":"R","fields":[{"name":"i","type":"int"}]}`: {0xff, 0xff, 0xff, 0xff, 0x7f},
		`{"type":"fixed","name":"F","size":4}`:                              {1, 2, 3},
	} {
		parsed, err := hamba.Parse(text)
		require.NoError(t, err)
		cs, err := meta.toConnectSchema(parsed, 0)
		require.NoError(t, err)
		dec, err := compile(parsed, parsed, cs)
		require.NoError(t, err)
		r := reader{b: in}
		_, err = dec.decode(&r)
		require.Error(t, err, text)
	}
}
