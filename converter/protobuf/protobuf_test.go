package protobuf

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kconnect-go/kconnect/connect"
)

func newConv(t testing.TB, url string, extra ...string) *Converter {
	t.Helper()
	cfg := map[string]string{"schema.registry.url": url, "retries.wait.ms": "1", "max.retries": "1"}
	for i := 0; i+1 < len(extra); i += 2 {
		cfg[extra[i]] = extra[i+1]
	}
	c, err := Configure(cfg, false)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func orderSchema() *connect.Schema {
	addr := connect.StructOf(connect.F("city", connect.StringSchema)).WithName("com.example.Address").AsOptional()
	return connect.StructOf(
		connect.F("id", connect.Int64Schema),
		connect.F("name", connect.StringSchema),
		connect.F("note", connect.OptionalStringSchema),
		connect.F("tags", connect.ArrayOf(connect.StringSchema)),
		connect.F("counts", connect.MapOf(connect.StringSchema, connect.Int32Schema)),
		connect.F("addr", addr),
		connect.F("created", connect.TimestampSchema),
		connect.F("status", connect.StringSchema.WithParameter(enumParam, "Status").
			WithParameter(enumParam+".NEW", "0").WithParameter(enumParam+".SHIPPED", "1")),
	).WithName("com.example.Order")
}

func order(t testing.TB, s *connect.Schema) *connect.Struct {
	v := connect.NewStruct(s)
	addrS, _ := s.Field("addr")
	a := connect.NewStruct(addrS.Schema)
	require.NoError(t, a.Put("city", "Oslo"))
	for k, x := range map[string]any{"id": int64(42), "name": "ab", "note": "hi", "tags": []any{"x", "y"},
		"counts": map[string]any{"a": int32(1)}, "addr": a, "created": time.UnixMilli(1700000000123).UTC(), "status": "SHIPPED"} {
		require.NoError(t, v.Put(k, x))
	}
	return v
}

// goldenPayload is the Protobuf encoding of order, written field by field
// with protowire, independently of the converter's mapping.
func goldenPayload() []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, 42)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, "ab")
	var w []byte // google.protobuf.StringValue
	w = protowire.AppendTag(w, 1, protowire.BytesType)
	w = protowire.AppendString(w, "hi")
	b = protowire.AppendTag(b, 3, protowire.BytesType)
	b = protowire.AppendBytes(b, w)
	for _, s := range []string{"x", "y"} {
		b = protowire.AppendTag(b, 4, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	var e []byte // the map entry
	e = protowire.AppendTag(e, 1, protowire.BytesType)
	e = protowire.AppendString(e, "a")
	e = protowire.AppendTag(e, 2, protowire.VarintType)
	e = protowire.AppendVarint(e, 1)
	b = protowire.AppendTag(b, 5, protowire.BytesType)
	b = protowire.AppendBytes(b, e)
	var a []byte
	a = protowire.AppendTag(a, 1, protowire.BytesType)
	a = protowire.AppendString(a, "Oslo")
	b = protowire.AppendTag(b, 6, protowire.BytesType)
	b = protowire.AppendBytes(b, a)
	var ts []byte
	ts = protowire.AppendTag(ts, 1, protowire.VarintType)
	ts = protowire.AppendVarint(ts, 1700000000)
	ts = protowire.AppendTag(ts, 2, protowire.VarintType)
	ts = protowire.AppendVarint(ts, 123000000)
	b = protowire.AppendTag(b, 7, protowire.BytesType)
	b = protowire.AppendBytes(b, ts)
	b = protowire.AppendTag(b, 8, protowire.VarintType)
	b = protowire.AppendVarint(b, 1)
	return b
}

// TestGoldenBytes: the magic byte, the registry's id, the [0] message
// index as a single zero and the Protobuf encoding; the schema is
// registered under <topic>-value as proto text; reading gives the values
// back.
func TestGoldenBytes(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	c := newConv(t, reg.URL(), WrapperForNullablesConfig, "true")
	s := orderSchema()
	out, err := c.FromConnect(nil, "orders", connect.Headers{}, s, order(t, s))
	require.NoError(t, err)
	want := append([]byte{0, 0, 0, 0, 1, 0}, goldenPayload()...)
	require.Equal(t, want, out)

	rs, v, err := c.ToConnect("orders", connect.Headers{}, out)
	require.NoError(t, err)
	require.Equal(t, "Order", rs.Name)
	got := v.(*connect.Struct)
	require.Equal(t, int64(42), got.Get("id"))
	require.Equal(t, "hi", got.Get("note"))
	require.Equal(t, []any{"x", "y"}, got.Get("tags"))
	require.Equal(t, map[string]any{"a": int32(1)}, got.Get("counts"))
	require.Equal(t, "Oslo", got.Get("addr").(*connect.Struct).Get("city"))
	require.Equal(t, time.UnixMilli(1700000000123).UTC(), got.Get("created"))
	require.Equal(t, "SHIPPED", got.Get("status"))
	f, _ := rs.Field("note")
	require.Equal(t, connect.StringType, f.Schema.Type)
	require.True(t, f.Schema.Optional)
}

// TestNullableForms: an absent optional string is a missing wrapper, or
// with optional.for.nullables a proto3 optional field; both read back null.
func TestNullableForms(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	s := connect.StructOf(connect.F("id", connect.Int32Schema), connect.F("note", connect.OptionalStringSchema)).WithName("N")
	for _, k := range []string{WrapperForNullablesConfig, OptionalForNullablesConfig} {
		c := newConv(t, reg.URL(), k, "true")
		v := connect.NewStruct(s)
		require.NoError(t, v.Put("id", int32(7)))
		out, err := c.FromConnect(nil, "n-"+k, connect.Headers{}, s, v)
		require.NoError(t, err)
		require.Equal(t, []byte{0x08, 7}, out[6:], k)
		_, got, err := c.ToConnect("n-"+k, connect.Headers{}, out)
		require.NoError(t, err)
		require.Nil(t, got.(*connect.Struct).Get("note"), k)
	}
}

// TestOneofUnion: a oneof reads as an io.confluent.connect.protobuf.Union
// struct, named <oneof>_<index>, and writes back as the same bytes.
func TestOneofUnion(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	id, _, err := reg.RegisterSchema("pay-value", sr.Schema{Type: sr.TypeProtobuf,
		Schema: "syntax = \"proto3\";\npackage p;\nmessage Pay {\n  int32 id = 1;\n  oneof method {\n    string card = 2;\n    int64 account = 3;\n  }\n}\n"})
	require.NoError(t, err)
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, 5)
	b = protowire.AppendTag(b, 3, protowire.VarintType)
	b = protowire.AppendVarint(b, 77)
	data := append([]byte{0, 0, 0, 0, byte(id), 0}, b...)
	c := newConv(t, reg.URL())
	s, v, err := c.ToConnect("pay", connect.Headers{}, data)
	require.NoError(t, err)
	f, ok := s.Field("method_0")
	require.True(t, ok)
	require.Equal(t, unionName+".method", f.Schema.Name)
	u := v.(*connect.Struct).Get("method_0").(*connect.Struct)
	require.Equal(t, int64(77), u.Get("account"))
	require.Nil(t, u.Get("card"))

	out, err := c.FromConnect(nil, "pay2", connect.Headers{}, s, v)
	require.NoError(t, err)
	require.Equal(t, b, out[6:])
}

// TestBadInput: bytes that are not the wire format are data errors that
// name the topic.
func TestBadInput(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	c := newConv(t, reg.URL())
	for name, data := range map[string][]byte{
		"short":      {0, 0, 0},
		"magic":      {1, 0, 0, 0, 1, 0, 8},
		"unknown id": {0, 0, 0, 0, 99, 0, 8},
		"indexes":    {0, 0, 0, 0, 1, 0x80},
	} {
		_, _, err := c.ToConnect("bad-topic", connect.Headers{}, data)
		require.Error(t, err, name)
		var de *connect.DataError
		require.True(t, errors.As(err, &de), "%s: %v", name, err)
		require.Contains(t, err.Error(), "topic bad-topic", name)
	}
	_, err := c.FromConnect(nil, "bad-topic", connect.Headers{}, connect.ArrayOf(connect.StringSchema), []any{"x"})
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.Contains(t, err.Error(), "topic bad-topic")
}

func TestIndexes(t *testing.T) {
	for _, p := range [][]int{{0}, {1}, {0, 2}, {3, 0, 1}} {
		b := appendIndexes(nil, p)
		got, rest, err := readIndexes(b)
		require.NoError(t, err)
		require.Empty(t, rest)
		require.Equal(t, p, got)
	}
	require.Equal(t, []byte{0}, appendIndexes(nil, []int{0}))
	require.Equal(t, []byte{4, 2, 4}, appendIndexes(nil, []int{1, 2}))
}

// TestLogicalAndSmallInts: Date, Time, Decimal, INT8 and INT16 come back as
// they went, the small integers and the decimal's scale through
// confluent.field_meta options.
func TestLogicalAndSmallInts(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	c := newConv(t, reg.URL())
	s := connect.StructOf(
		connect.F("d", connect.DateSchema),
		connect.F("tm", connect.TimeSchema),
		connect.F("amount", connect.DecimalSchema(2)),
		connect.F("b", connect.Int8Schema),
		connect.F("h", connect.Int16Schema),
		connect.F("kind", connect.StringSchema.WithName("Kind").WithParameter(enumParam, "Kind").
			WithParameter(enumParam+".A", "0").WithParameter(enumParam+".B", "1")),
	).WithName("x.L")
	v := connect.NewStruct(s)
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	tod := time.Date(1970, 1, 1, 13, 4, 5, 6e6, time.UTC)
	amt := connect.NewDecimal(-12345, 2)
	for k, x := range map[string]any{"d": day, "tm": tod, "amount": amt, "b": int8(-3), "h": int16(300), "kind": "B"} {
		require.NoError(t, v.Put(k, x))
	}
	out, err := c.FromConnect(nil, "l", connect.Headers{}, s, v)
	require.NoError(t, err)
	rs, got, err := c.ToConnect("l", connect.Headers{}, out)
	require.NoError(t, err)
	g := got.(*connect.Struct)
	require.Equal(t, day, g.Get("d"))
	require.Equal(t, tod, g.Get("tm"))
	require.True(t, amt.Equal(g.Get("amount").(connect.Decimal)), "%v", g.Get("amount"))
	require.Equal(t, int8(-3), g.Get("b"))
	require.Equal(t, int16(300), g.Get("h"))
	require.Equal(t, "B", g.Get("kind"))
	f, _ := rs.Field("amount")
	sc, err := f.Schema.DecimalScale()
	require.NoError(t, err)
	require.Equal(t, int32(2), sc)

	ci := newConv(t, reg.URL(), IntForEnumsConfig, "true")
	_, got, err = ci.ToConnect("l", connect.Headers{}, out)
	require.NoError(t, err)
	require.Equal(t, int32(1), got.(*connect.Struct).Get("kind"))
}

// TestPrimitive: a string is written as google.protobuf.StringValue, the
// eighth message of wrappers.proto (index path [7]), the schema registered
// Confluent's rendering of wrappers.proto, and reads back as a string;
// with wrapper.for.raw.primitives=false as the wrapper's struct.
func TestPrimitive(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	c := newConv(t, reg.URL())
	out, err := c.FromConnect(nil, "lines", connect.Headers{}, connect.StringSchema, "hi")
	require.NoError(t, err)
	require.Equal(t, []byte{0, 0, 0, 0, 1, 2, 14, 0x0a, 2, 'h', 'i'}, out)
	ss, ok := reg.GetSchema("lines-value", 1)
	require.True(t, ok)
	require.Equal(t, readGolden(t, "wkt/google/protobuf/wrappers.proto"), ss.Schema.Schema)
	s, v, err := c.ToConnect("lines", connect.Headers{}, out)
	require.NoError(t, err)
	require.Equal(t, connect.StringType, s.Type)
	require.Equal(t, "hi", v)

	out, err = c.FromConnect(nil, "n", connect.Headers{}, connect.Int64Schema, int64(0))
	require.NoError(t, err)
	require.Equal(t, []byte{0, 0, 0, 0, 1, 2, 4}, out, "a zero is an empty Int64Value")
	_, v, err = c.ToConnect("n", connect.Headers{}, out)
	require.NoError(t, err)
	require.Equal(t, int64(0), v)

	raw := newConv(t, reg.URL(), WrapperForRawPrimitivesConfig, "false")
	s, v, err = raw.ToConnect("lines", connect.Headers{}, []byte{0, 0, 0, 0, 1, 2, 14, 0x0a, 2, 'h', 'i'})
	require.NoError(t, err)
	require.Equal(t, "StringValue", s.Name)
	require.Equal(t, "hi", v.(*connect.Struct).Get("value"))
}
