package jsonconv

import (
	"fmt"
	"sync"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/stretchr/testify/require"
)

func TestTombstone(t *testing.T) {
	for _, c := range []*Converter{New(), New(SchemasEnable(false))} {
		out, err := c.FromConnect(make([]byte, 0, 8), "t", connect.Headers{}, nil, nil)
		require.NoError(t, err)
		require.Nil(t, out)
		s, v, err := c.ToConnect("t", connect.Headers{}, nil)
		require.NoError(t, err)
		require.Nil(t, s)
		require.Nil(t, v)
	}
}

func TestAppendsToDst(t *testing.T) {
	c := New(SchemasEnable(false))
	out, err := c.FromConnect([]byte("prefix:"), "t", connect.Headers{}, connect.StringSchema, "x")
	require.NoError(t, err)
	require.Equal(t, `prefix:"x"`, string(out))
	out, err = c.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "")
	require.NoError(t, err)
	require.NotNil(t, out)
	require.Equal(t, `""`, string(out))
}

func TestEncodeErrorsNamePath(t *testing.T) {
	inner := connect.StructOf(connect.F("price", connect.DecimalSchema(2)))
	outer := connect.StructOf(connect.F("items", connect.ArrayOf(inner)))
	it := connect.NewStruct(inner)
	require.NoError(t, it.Put("price", connect.NewDecimal(1, 3))) // wrong scale
	st := connect.NewStruct(outer)
	require.NoError(t, st.Put("items", []any{connect.NewStruct(inner), it}))

	_, err := New().FromConnect(nil, "t", connect.Headers{}, outer, st)
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.Equal(t, "items[0].price", de.Path)
	require.Contains(t, err.Error(), "null value")

	st2 := connect.NewStruct(outer)
	require.NoError(t, st2.Put("items", []any{it}))
	_, err = New().FromConnect(nil, "t", connect.Headers{}, outer, st2)
	require.ErrorAs(t, err, &de)
	require.Equal(t, "items[0].price", de.Path)
	require.Contains(t, err.Error(), "scale 3")

	_, err = New().FromConnect(nil, "t", connect.Headers{}, connect.Int8Schema, int64(300))
	require.ErrorContains(t, err, "does not match schema INT8")
	_, err = New().FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, nil)
	require.ErrorContains(t, err, "null value for a required STRING")
	m := connect.MapOf(connect.StringSchema, connect.Int32Schema)
	_, err = New().FromConnect(nil, "t", connect.Headers{}, m, map[string]any{"k": "v"})
	require.ErrorAs(t, err, &de)
	require.Equal(t, "[k]", de.Path)
	_, err = New(SchemasEnable(false)).FromConnect(nil, "t", connect.Headers{}, nil, map[string]any{"a": []any{struct{}{}}})
	require.ErrorContains(t, err, "a[0]")
}

func TestDecodeErrors(t *testing.T) {
	c := New()
	cases := map[string]string{
		`{"payload":1}`:                     `requires "schema" and "payload"`,
		`{"schema":null,"payload":1,"x":2}`: `requires "schema" and "payload"`,
		`[1]`:                               `requires "schema" and "payload"`,
		`{"schema":{"type":"int32"},"payload":"x"}`:                                                 "payload: expected an integer, got a string",
		`{"schema":{"type":"int8"},"payload":300}`:                                                  "out of range",
		`{"schema":{"type":"int32"},"payload":1.5}`:                                                 "not an integer",
		`{"schema":{"type":"nope"},"payload":1}`:                                                    "Unknown schema type: nope",
		`{"schema":{"optional":true},"payload":1}`:                                                  "Schema must contain 'type' field",
		`{"schema":{"type":"array"},"payload":[]}`:                                                  "Array schema did not specify the element type",
		`{"schema":{"type":"struct","fields":[{"type":"int32"}]},"payload":{}}`:                     "field name not specified",
		`{"schema":{"type":"struct","fields":[{"type":"int32","field":"a"}]},"payload":{"a":null}}`: "payload.a: Invalid null value for required INT32 field",
		`{"schema":{"type":"array","items":{"type":"struct","fields":[{"type":"string","field":"s"}]}},"payload":[{"s":"x"},{"s":5}]}`: "payload[1].s: expected a string",
		`{"schema":{"type":"map","keys":{"type":"int32"},"values":{"type":"string"}},"payload":[[1,"a"],[2]]}`:                         "payload[1]: a map entry",
		`{"schema":{"type":"bytes"},"payload":"%%%"}`:                     "invalid base64",
		`{"schema":{"type":"string","parameters":{"a":1}},"payload":"x"}`: "parameters must have string values",
		`{"schema":{"type":"int32","default":"x"},"payload":1}`:           "schema.default: expected an integer",
		`{"schema":null,"payload":1} x`:                                   "unexpected data after",
		`{"schema":null,"payload":`:                                       "invalid JSON",
		``:                                                                "empty input",
		`{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Time"},"payload":86400000}`: "Time",
	}
	for in, want := range cases {
		_, _, err := c.ToConnect("t", connect.Headers{}, []byte(in))
		require.Error(t, err, in)
		require.Contains(t, err.Error(), want, in)
	}
}

func TestDecodeLenientButLossless(t *testing.T) {
	c := New()
	// Integral numbers written as 1.0 or 1e2 are read, as Kafka does.
	_, v, err := c.ToConnect("t", connect.Headers{}, []byte(`{"schema":{"type":"int32"},"payload":1e2}`))
	require.NoError(t, err)
	require.Equal(t, int32(100), v)
	// NaN written by Kafka reads back as NaN (Kafka itself reads 0).
	_, v, err = c.ToConnect("t", connect.Headers{}, []byte(`{"schema":{"type":"double"},"payload":"NaN"}`))
	require.NoError(t, err)
	require.True(t, v.(float64) != v.(float64))
	// A NUMERIC decimal with fewer digits takes the schema's scale.
	_, v, err = c.ToConnect("t", connect.Headers{}, []byte(`{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}},"payload":1.5}`))
	require.NoError(t, err)
	require.Equal(t, "1.50", v.(connect.Decimal).String())
	// Missing struct fields take their defaults.
	s, v, err := c.ToConnect("t", connect.Headers{}, []byte(`{"schema":{"type":"struct","fields":[{"type":"int32","optional":true,"default":4,"field":"a"}]},"payload":{}}`))
	require.NoError(t, err)
	require.Equal(t, int32(4), v.(*connect.Struct).Get("a"))
	require.Equal(t, int32(4), s.Fields[0].Schema.Default)
	_, v, err = New(ReplaceNullWithDefault(false)).ToConnect("t", connect.Headers{}, []byte(`{"schema":{"type":"struct","fields":[{"type":"int32","optional":true,"default":4,"field":"a"}]},"payload":{}}`))
	require.NoError(t, err)
	require.Nil(t, v.(*connect.Struct).GetWithoutDefault("a"))
}

func TestConfigure(t *testing.T) {
	c, err := Configure(map[string]string{"schemas.enable": "false", "decimal.format": "numeric", "converter.type": "value"})
	require.NoError(t, err)
	out, err := c.FromConnect(nil, "t", connect.Headers{}, connect.DecimalSchema(2), connect.NewDecimal(5, 2))
	require.NoError(t, err)
	require.Equal(t, "0.05", string(out))

	_, err = Configure(map[string]string{"schemas.enable": "yes", "decimal.format": "HEX", "schemas.cache.size": "-1"})
	require.Error(t, err)
	for _, key := range []string{"schemas.enable", "decimal.format", "schemas.cache.size"} {
		require.Contains(t, err.Error(), key)
	}
	p := Plugin()
	require.True(t, p.Info().Matches("JsonConverter"))
	require.True(t, p.Info().Matches(Class))
	conv, err := p.New(map[string]string{}, true)
	require.NoError(t, err)
	require.NotNil(t, conv)
	hc, err := HeaderPlugin().New(map[string]string{"schemas.enable": "false"})
	require.NoError(t, err)
	hb, err := hc.FromConnectHeader(nil, "t", "h", connect.Int32Schema, int32(7))
	require.NoError(t, err)
	require.Equal(t, "7", string(hb))
}

// One converter is shared by every task of a connector.
func TestConcurrentUse(t *testing.T) {
	c := New(SchemasCacheSize(2))
	cases := goldenCases()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				name := []string{"bench10", "struct_nested", "struct_logical", "named", "map_int32_string"}[(g+i)%5]
				gc := cases[name]
				out, err := c.FromConnect(nil, "t", connect.Headers{}, gc.schema, gc.value)
				if err != nil {
					panic(fmt.Sprint(name, err))
				}
				s, _, err := c.ToConnect("t", connect.Headers{}, out)
				if err != nil || !s.Equal(gc.schema) {
					panic(fmt.Sprint(name, err))
				}
			}
		}()
	}
	wg.Wait()
}

func FuzzToConnectEnvelope(f *testing.F) { fuzzToConnect(f, New()) }
func FuzzToConnectPlain(f *testing.F)    { fuzzToConnect(f, New(SchemasEnable(false))) }

// No input panics, and whatever reads writes back and reads again equally.
func fuzzToConnect(f *testing.F, c *Converter) {
	gc := goldenCases()
	for _, name := range []string{"bench10", "struct_nested", "struct_all_defaults", "map_int32_string", "decimal", "schemaless_map", "named"} {
		out, err := c.FromConnect(nil, "t", connect.Headers{}, gc[name].schema, gc[name].value)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(out)
	}
	f.Add([]byte(`{"schema":{"type":"map","keys":{"type":"bytes"},"values":{"type":"int8"}},"payload":[["AA==",1]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, v, err := c.ToConnect("t", connect.Headers{}, data)
		if err != nil {
			return
		}
		out, err := c.FromConnect(nil, "t", connect.Headers{}, s, v)
		if err != nil {
			t.Fatalf("read %q but cannot write it back: %v", data, err)
		}
		if out == nil {
			return
		}
		if _, _, err := c.ToConnect("t", connect.Headers{}, out); err != nil {
			t.Fatalf("wrote %q from %q but cannot read it: %v", out, data, err)
		}
	})
}

// Schemaless numbers read as connect.JSONNumber reads their text: int64
// when integral and in range, float64 otherwise.
func TestSchemalessNumbers(t *testing.T) {
	c := New(SchemasEnable(false))
	for _, text := range []string{"0", "-0", "7", "-7", "9223372036854775807", "9223372036854775808",
		"-9223372036854775808", "-9223372036854775809", "12345678901234567890123", "1.0", "1e2", "-2.5E-3",
		"1e400", "-1e400", "0.1", "-0.0"} {
		_, v, err := c.ToConnect("t", connect.Headers{}, []byte(`{"n":`+text+`,"a":[`+text+`]}`))
		require.NoError(t, err, text)
		want := connect.JSONNumber(text)
		// "a" (97) comes before "n" (110) in a HashMap of 16 slots.
		m := v.([]connect.MapEntry)
		require.Equal(t, []connect.MapEntry{{Key: "a", Value: []any{want}}, {Key: "n", Value: want}}, m, text)
	}
}
