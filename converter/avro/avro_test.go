package avro

import (
	"encoding/hex"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/converter"
)

// newRegistry starts franz-go's fake registry over real HTTP on 127.0.0.1.
func newRegistry(t *testing.T) *srfake.Registry {
	t.Helper()
	reg := srfake.New()
	t.Cleanup(reg.Close)
	return reg
}

func newConv(t *testing.T, url string, isKey bool, extra ...string) *Converter {
	t.Helper()
	cfg := map[string]string{SchemaRegistryURLConfig: url, RetriesWaitMsConfig: "1", MaxRetriesConfig: "2"}
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

// TestWireFormat: the magic byte, the id the registry gave, and the Avro
// binary encoding of the record, registered under <topic>-value.
func TestWireFormat(t *testing.T) {
	reg := newRegistry(t)
	c := newConv(t, reg.URL(), false)
	s := orderSchema()
	v := connect.NewStruct(s)
	require.NoError(t, v.Put("id", int64(42)))
	require.NoError(t, v.Put("name", "ab"))
	out, err := c.FromConnect(nil, "orders", connect.Headers{}, s, v)
	require.NoError(t, err)
	// id 42 -> 0x54; "ab" -> 04 61 62; note null -> branch 0; qty default 1 -> 02.
	require.Equal(t, "00"+"00000001"+"54"+"046162"+"00"+"02", hex.EncodeToString(out))
	got, ok := reg.GetSchema("orders-value", 1)
	require.True(t, ok)
	require.Equal(t, `{"type":"record","name":"Order","namespace":"com.example","fields":[`+
		`{"name":"id","type":"long"},{"name":"name","type":"string"},`+
		`{"name":"note","type":["null","string"],"default":null},`+
		`{"name":"qty","type":{"type":"int","connect.default":1},"default":1}],"connect.name":"com.example.Order"}`, got.Schema.Schema)

	rs, rv, err := c.ToConnect("orders", connect.Headers{}, out)
	require.NoError(t, err)
	require.Equal(t, "com.example.Order", rs.Name)
	// Without connect.version, the version is the schema's in its subject.
	require.Equal(t, int32(1), rs.Version)
	st := rv.(*connect.Struct)
	require.Equal(t, int64(42), st.Get("id"))
	require.Equal(t, "ab", st.Get("name"))
	require.Nil(t, st.Get("note"))
	require.Equal(t, int32(1), st.Get("qty"))

	// The key converter registers under <topic>-key.
	k := newConv(t, reg.URL(), true)
	_, err = k.FromConnect(nil, "orders", connect.Headers{}, connect.StringSchema, "k")
	require.NoError(t, err)
	require.True(t, reg.SubjectExists("orders-key"))

	// A null is a tombstone both ways.
	out, err = c.FromConnect(nil, "orders", connect.Headers{}, s, nil)
	require.NoError(t, err)
	require.Nil(t, out)
	rs, rv, err = c.ToConnect("orders", connect.Headers{}, nil)
	require.NoError(t, err)
	require.Nil(t, rs)
	require.Nil(t, rv)
}

// TestSubjectNameStrategies: Confluent's three strategies by full and
// short class names.
func TestSubjectNameStrategies(t *testing.T) {
	reg := newRegistry(t)
	s := orderSchema()
	v := connect.NewStruct(s)
	require.NoError(t, v.Put("id", int64(1)))
	require.NoError(t, v.Put("name", "x"))
	for strat, subject := range map[string]string{
		"TopicNameStrategy":       "t1-value",
		RecordNameStrategy:        "com.example.Order",
		"TopicRecordNameStrategy": "t1-com.example.Order",
	} {
		c := newConv(t, reg.URL(), false, ValueSubjectNameStrategyConfig, strat)
		_, err := c.FromConnect(nil, "t1", connect.Headers{}, s, v)
		require.NoError(t, err)
		require.True(t, reg.SubjectExists(subject), strat)
	}
	_, err := Configure(map[string]string{SchemaRegistryURLConfig: reg.URL(), ValueSubjectNameStrategyConfig: "Nope"}, false)
	require.ErrorContains(t, err, ValueSubjectNameStrategyConfig)
}

// TestAutoRegisterOff: without auto.register.schemas a schema the registry
// lacks is an error naming the subject; one it has is found.
func TestAutoRegisterOff(t *testing.T) {
	reg := newRegistry(t)
	c := newConv(t, reg.URL(), false, AutoRegisterSchemasConfig, "false")
	_, err := c.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "x")
	require.Error(t, err)
	require.False(t, connect.IsRetriable(err))
	require.ErrorContains(t, err, "t-value")
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	_, _, err = reg.RegisterSchema("t-value", sr.Schema{Schema: `"string"`})
	require.NoError(t, err)
	out, err := c.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "x")
	require.NoError(t, err)
	require.Equal(t, "00000000010278", hex.EncodeToString(out))
}

// TestCredentialsNeverInErrors: basic auth from the URL or user info is
// sent to the registry and never appears in an error.
func TestCredentialsNeverInErrors(t *testing.T) {
	reg := srfake.New(srfake.WithAuth("Basic dXNlcjpzM2NyZXQ=")) // user:s3cret
	t.Cleanup(reg.Close)
	withUser := strings.Replace(reg.URL(), "http://", "http://user:s3cret@", 1)
	c := newConv(t, withUser, false)
	_, err := c.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "x")
	require.NoError(t, err)

	c = newConv(t, reg.URL(), false, BasicAuthCredentialsSource, "USER_INFO", BasicAuthUserInfoConfig, "user:s3cret")
	_, err = c.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "x")
	require.NoError(t, err)

	c = newConv(t, reg.URL(), false, BasicAuthCredentialsSource, "SASL_INHERIT",
		"sasl.jaas.config", `org.apache.kafka.common.security.plain.PlainLoginModule required username="user" password="s3cret";`)
	_, err = c.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "x")
	require.NoError(t, err)
	_, err = Configure(map[string]string{SchemaRegistryURLConfig: reg.URL(), BasicAuthCredentialsSource: "SASL_INHERIT",
		"sasl.jaas.config": `PlainLoginModule required password="s3cret";`}, false)
	require.ErrorContains(t, err, "SASL_INHERIT")
	require.NotContains(t, err.Error(), "s3cret")

	c = newConv(t, reg.URL(), false, BasicAuthCredentialsSource, "USER_INFO", BasicAuthUserInfoConfig, "user:wr0ng")
	_, err = c.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "x")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "wr0ng")

	dead := "http://user:s3cret@127.0.0.1:1"
	c = newConv(t, dead, false)
	_, err = c.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "x")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "s3cret")

	_, err = Configure(map[string]string{SchemaRegistryURLConfig: "ftp://user:s3cret@x"}, false)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "s3cret")
}

// TestBearerToken: a static bearer token is sent.
func TestBearerToken(t *testing.T) {
	reg := srfake.New(srfake.WithAuth("Bearer tok3n"))
	t.Cleanup(reg.Close)
	c := newConv(t, reg.URL(), false, BearerAuthTokenConfig, "tok3n")
	_, err := c.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "x")
	require.NoError(t, err)
}

// TestFailover: the second URL answers when the first refuses connections.
func TestFailover(t *testing.T) {
	reg := newRegistry(t)
	c := newConv(t, "http://127.0.0.1:1,"+reg.URL(), false)
	_, err := c.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "x")
	require.NoError(t, err)
}

// TestRegistryDown: a refused connection, a 5xx and a timeout are retried
// and then returned as retriable errors naming the topic; the registry's
// return lets the same record through.
func TestRegistryDown(t *testing.T) {
	reg := newRegistry(t)
	var fail atomicMode
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch fail.get() {
		case "5xx":
			http.Error(w, `{"error_code":50001,"message":"store down"}`, http.StatusInternalServerError)
			return
		case "slow":
			select {
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
			return
		}
		reg.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c := newConv(t, srv.URL, false, HTTPReadTimeoutMsConfig, "200")
	for _, mode := range []string{"5xx", "slow"} {
		fail.set(mode)
		_, err := c.FromConnect(nil, "orders", connect.Headers{}, connect.StringSchema, "x")
		require.Error(t, err, mode)
		require.True(t, connect.IsRetriable(err), "%s: %v", mode, err)
		require.ErrorIs(t, err, connect.ErrFatal, "errors.tolerance=all must not skip the record")
		require.ErrorContains(t, err, "orders")
	}
	fail.set("")
	out, err := c.FromConnect(nil, "orders", connect.Headers{}, connect.StringSchema, "x")
	require.NoError(t, err)

	// Refused connections, reading.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	down := newConv(t, "http://"+addr, false)
	_, _, err = down.ToConnect("orders", connect.Headers{}, out)
	require.Error(t, err)
	require.True(t, connect.IsRetriable(err), "%v", err)
	require.ErrorContains(t, err, "orders")
}

type atomicMode struct{ v atomicString }

func (m *atomicMode) get() string  { return m.v.Load() }
func (m *atomicMode) set(s string) { m.v.Store(s) }

// TestCompatibilityRefused: a schema the registry refuses as incompatible
// is a data error naming the topic and subject, not retried.
func TestCompatibilityRefused(t *testing.T) {
	reg := newRegistry(t)
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/versions") {
			calls++
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"error_code":409,"message":"Schema being registered is incompatible with an earlier schema"}`))
			return
		}
		reg.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c := newConv(t, srv.URL, false)
	_, err := c.FromConnect(nil, "orders", connect.Headers{}, connect.StringSchema, "x")
	require.Error(t, err)
	require.False(t, connect.IsRetriable(err))
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.ErrorContains(t, err, "orders-value")
	require.ErrorContains(t, err, "incompatible")
	require.Equal(t, 1, calls)
}

// TestBadInput: bytes that are not the wire format, an unknown id and data
// that does not fit the schema are data errors naming the topic (and the
// field), not retriable.
func TestBadInput(t *testing.T) {
	reg := newRegistry(t)
	c := newConv(t, reg.URL(), false)
	s := orderSchema()
	v := connect.NewStruct(s)
	require.NoError(t, v.Put("id", int64(42)))
	require.NoError(t, v.Put("name", "ab"))
	good, err := c.FromConnect(nil, "orders", connect.Headers{}, s, v)
	require.NoError(t, err)
	for name, data := range map[string][]byte{
		"no magic byte": append([]byte{1}, good[1:]...),
		"truncated id":  good[:3],
		"unknown id":    {0, 0, 0, 0, 99, 2},
		"truncated":     good[:len(good)-2],
		"trailing":      append(append([]byte{}, good...), 7),
	} {
		_, _, err := c.ToConnect("orders", connect.Headers{}, data)
		require.Error(t, err, name)
		require.False(t, connect.IsRetriable(err), name)
		var de *connect.DataError
		require.ErrorAs(t, err, &de, name)
		require.ErrorContains(t, err, "orders", name)
	}
	// A field that does not fit: the path names it.
	bad := connect.StructOf(connect.F("inner", connect.StructOf(connect.F("n", connect.Int8Schema))))
	in := connect.NewStruct(bad.Fields[0].Schema)
	st := connect.NewStruct(bad)
	require.NoError(t, st.Put("inner", in)) // n left null: required, no default
	_, err = c.FromConnect(nil, "orders", connect.Headers{}, bad, st)
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.Equal(t, "inner.n", de.Path)
	require.ErrorContains(t, err, "orders")
	// A schemaless value is refused.
	_, err = c.FromConnect(nil, "orders", connect.Headers{}, nil, map[string]any{"a": 1})
	require.ErrorAs(t, err, &de)
}

// TestLogicalAndComplexRoundTrip: every Connect type goes to Avro and back.
func TestLogicalAndComplexRoundTrip(t *testing.T) {
	reg := newRegistry(t)
	c := newConv(t, reg.URL(), false, EnhancedAvroSchemaSupportConfig, "true")
	enum := connect.StringSchema.WithName("com.example.Color").WithParameter(paramEnum, "com.example.Color").
		WithParameter(paramEnum+".RED", "RED").WithParameter(paramEnum+".GREEN", "GREEN")
	fixed := connect.BytesSchema.WithName("com.example.Hash").WithParameter(propFixedSize, "4")
	s := connect.StructOf(
		connect.F("i8", connect.Int8Schema), connect.F("i16", connect.Int16Schema),
		connect.F("f32", connect.Float32Schema), connect.F("f64", connect.OptionalFloat64Schema),
		connect.F("b", connect.BooleanSchema), connect.F("bytes", connect.BytesSchema),
		connect.F("dec", connect.DecimalSchema(2)), connect.F("date", connect.DateSchema),
		connect.F("time", connect.TimeSchema), connect.F("ts", connect.OptionalTimestampSchema),
		connect.F("arr", connect.ArrayOf(connect.StringSchema)),
		connect.F("smap", connect.MapOf(connect.StringSchema, connect.Int32Schema)),
		connect.F("imap", connect.MapOf(connect.Int32Schema, connect.StringSchema)),
		connect.F("nested", connect.StructOf(connect.F("x", connect.Int32Schema)).AsOptional()),
		connect.F("color", enum), connect.F("hash", fixed),
	)
	v := connect.NewStruct(s)
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	nested := connect.NewStruct(s.Fields[13].Schema.AsRequired())
	_ = nested
	ns := connect.NewStruct(s.Fields[13].Schema)
	require.NoError(t, ns.Put("x", int32(7)))
	for k, x := range map[string]any{
		"i8": int8(-3), "i16": int16(300), "f32": float32(1.5), "f64": 2.25, "b": true, "bytes": []byte{1, 2},
		"dec": connect.Decimal{Unscaled: big.NewInt(-12345), Scale: 2}, "date": day,
		"time": time.UnixMilli(3723004).UTC(), "ts": time.UnixMilli(1700000000123).UTC(),
		"arr": []any{"a", "b"}, "smap": map[string]any{"k": int32(1)}, "imap": map[any]any{int32(5): "five"},
		"nested": ns, "color": "GREEN", "hash": []byte{9, 8, 7, 6},
	} {
		require.NoError(t, v.Put(k, x), k)
	}
	out, err := c.FromConnect(nil, "t", connect.Headers{}, s, v)
	require.NoError(t, err)
	rs, rv, err := c.ToConnect("t", connect.Headers{}, out)
	require.NoError(t, err)
	got := rv.(*connect.Struct)
	require.NoError(t, connecttest.Recheck(got))
	for _, f := range s.Fields {
		require.True(t, connect.ValuesEqual(v.Get(f.Name), got.Get(f.Name)), "%s: %v != %v", f.Name, v.Get(f.Name), got.Get(f.Name))
	}
	require.Equal(t, connect.DecimalName, rs.Fields[6].Schema.Name)
	require.Equal(t, "com.example.Color", rs.Fields[14].Schema.Name)
	require.True(t, rs.Fields[13].Schema.Optional)
	// The Avro schema registered is what AvroData writes for it.
	got2, _ := reg.GetSchema("t-value", 1)
	for _, want := range []string{
		`{"name":"i8","type":{"type":"int","connect.type":"int8"}}`,
		`{"name":"dec","type":{"type":"bytes","scale":2,"precision":64,"connect.version":1,"connect.parameters":{"scale":"2"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}}`,
		`{"name":"date","type":{"type":"int","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Date","logicalType":"date"}}`,
		`{"name":"ts","type":["null",{"type":"long","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Timestamp","logicalType":"timestamp-millis"}],"default":null}`,
		`{"name":"imap","type":{"type":"array","items":{"type":"record","name":"MapEntry","fields":[{"name":"key","type":"int"},{"name":"value","type":"string"}]}}}`,
		`"name":"ConnectDefault2","fields"`,
		`{"name":"color","type":{"type":"enum","name":"Color","namespace":"com.example","symbols":["RED","GREEN"],"connect.parameters":{"io.confluent.connect.avro.Enum":"com.example.Color","io.confluent.connect.avro.Enum.RED":"RED","io.confluent.connect.avro.Enum.GREEN":"GREEN"},"connect.name":"com.example.Color"}}`,
		`{"name":"hash","type":{"type":"fixed","name":"Hash","namespace":"com.example","size":4,"connect.parameters":{"connect.fixed.size":"4"},"connect.name":"com.example.Hash"}}`,
	} {
		require.Contains(t, got2.Schema.Schema, want)
	}
	require.True(t, strings.HasPrefix(got2.Schema.Schema, `{"type":"record","name":"ConnectDefault","namespace":"io.confluent.connect.avro"`), got2.Schema.Schema)
}

// TestSchemaIDInHeader: a schema id or GUID in the __value_schema_id
// header names the schema of the whole payload, as Confluent's
// DualSchemaIdDeserializer reads it; without the header the payload's
// prefix does.
func TestSchemaIDInHeader(t *testing.T) {
	reg := newRegistry(t)
	c := newConv(t, reg.URL(), false)
	out, err := c.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "hi")
	require.NoError(t, err)
	payload := out[5:]
	ss, ok := reg.GetSchema("t-value", 1)
	require.True(t, ok)

	byID := []converter.KafkaHeader{{Key: "other", Value: []byte{9}}, {Key: ValueSchemaIDHeader, Value: out[:5]}}
	_, v, err := c.ToConnectWithHeaders("t", byID, payload)
	require.NoError(t, err)
	require.Equal(t, "hi", v)

	require.NotEmpty(t, ss.GUID)
	guid, err := hex.DecodeString(strings.ReplaceAll(ss.GUID, "-", ""))
	require.NoError(t, err)
	byGUID := []converter.KafkaHeader{{Key: ValueSchemaIDHeader, Value: append([]byte{1}, guid...)}}
	_, v, err = c.ToConnectWithHeaders("t", byGUID, payload)
	require.NoError(t, err)
	require.Equal(t, "hi", v)

	_, v, err = c.ToConnectWithHeaders("t", []converter.KafkaHeader{{Key: KeySchemaIDHeader, Value: out[:5]}}, out)
	require.NoError(t, err, "a key header does not concern the value")
	require.Equal(t, "hi", v)

	_, _, err = c.ToConnectWithHeaders("t", []converter.KafkaHeader{{Key: ValueSchemaIDHeader, Value: []byte{7}}}, payload)
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.ErrorContains(t, err, ValueSchemaIDHeader)
}

// TestSchemaGUIDInHeaderWritten: with HeaderSchemaIdSerializer the value is
// the bare Avro encoding and its schema's GUID is in the __value_schema_id
// header, added once; a reader finds it there, unless configured to read
// the payload only.
func TestSchemaGUIDInHeaderWritten(t *testing.T) {
	reg := newRegistry(t)
	p := Plugin()
	cv, err := p.New(map[string]string{SchemaRegistryURLConfig: reg.URL(), ValueSchemaIDSerializerConfig: "HeaderSchemaIdSerializer"}, false)
	require.NoError(t, err)
	hc, ok := cv.(converter.HeadersFromConnect)
	require.True(t, ok)
	headers := []converter.KafkaHeader{{Key: "a", Value: []byte("b")}}
	out, err := hc.FromConnectWithHeaders(nil, "t", &headers, connect.StringSchema, "hi")
	require.NoError(t, err)
	require.Equal(t, []byte{4, 'h', 'i'}, out)
	require.Len(t, headers, 2)
	ss, ok := reg.GetSchema("t-value", 1)
	require.True(t, ok)
	guid, err := hex.DecodeString(strings.ReplaceAll(ss.GUID, "-", ""))
	require.NoError(t, err)
	require.Equal(t, converter.KafkaHeader{Key: ValueSchemaIDHeader, Value: append([]byte{1}, guid...)}, headers[1])
	_, err = hc.FromConnectWithHeaders(nil, "t", &headers, connect.StringSchema, "again")
	require.NoError(t, err)
	require.Len(t, headers, 2, "the same GUID is not added twice")

	_, err = cv.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "hi")
	require.ErrorIs(t, err, connect.ErrFatal)

	r := newConv(t, reg.URL(), false)
	_, v, err := r.ToConnectWithHeaders("t", headers, out)
	require.NoError(t, err)
	require.Equal(t, "hi", v)
	prefixOnly := newConv(t, reg.URL(), false, ValueSchemaIDDeserializerConfig, PrefixSchemaIDDeserializer)
	_, _, err = prefixOnly.ToConnectWithHeaders("t", headers, out)
	require.ErrorContains(t, err, "too short for the Avro wire format")

	// A key converter writes __key_schema_id; the default writes a prefix.
	kc, err := p.New(map[string]string{SchemaRegistryURLConfig: reg.URL(), KeySchemaIDSerializerConfig: HeaderSchemaIDSerializer}, true)
	require.NoError(t, err)
	var kh []converter.KafkaHeader
	_, err = kc.(converter.HeadersFromConnect).FromConnectWithHeaders(nil, "t", &kh, connect.StringSchema, "k")
	require.NoError(t, err)
	require.Equal(t, KeySchemaIDHeader, kh[0].Key)
	def, err := p.New(map[string]string{SchemaRegistryURLConfig: reg.URL()}, false)
	require.NoError(t, err)
	_, isHeader := def.(converter.HeadersFromConnect)
	require.False(t, isHeader, "the prefix writer costs the runtime no header handling")

	_, err = Configure(map[string]string{SchemaRegistryURLConfig: reg.URL(), ValueSchemaIDSerializerConfig: "Nope"}, false)
	require.ErrorContains(t, err, ValueSchemaIDSerializerConfig)
}

// TestHeaderIDWriteAllocates: writing with the schema's GUID in a header
// into a reused buffer allocates no more than writing the id before the
// payload: the header's value is the schema's, kept, and no record looks
// up the GUID or decodes it again.
func TestHeaderIDWriteAllocates(t *testing.T) {
	reg := newRegistry(t)
	prefix := newConv(t, reg.URL(), false)
	cv, err := Plugin().New(map[string]string{SchemaRegistryURLConfig: reg.URL(), ValueSchemaIDSerializerConfig: HeaderSchemaIDSerializer}, false)
	require.NoError(t, err)
	hc := cv.(converter.HeadersFromConnect)
	s := orderSchema()
	v := connect.NewStruct(s)
	require.NoError(t, v.Put("id", int64(7)))
	require.NoError(t, v.Put("name", "Ada"))
	buf := make([]byte, 0, 256)
	headers := make([]converter.KafkaHeader, 0, 1)
	_, err = hc.FromConnectWithHeaders(buf, "t", &headers, s, v)
	require.NoError(t, err)
	_, err = prefix.FromConnect(buf, "t", connect.Headers{}, s, v)
	require.NoError(t, err)
	want := testing.AllocsPerRun(50, func() { _, _ = prefix.FromConnect(buf, "t", connect.Headers{}, s, v) })
	got := testing.AllocsPerRun(50, func() {
		headers = headers[:0]
		_, _ = hc.FromConnectWithHeaders(buf, "t", &headers, s, v)
	})
	require.Len(t, headers, 1)
	require.LessOrEqual(t, got, want)
}

// TestDecoderPerTopicAndID: records of two schema ids on two topics read
// in turn by one converter each get their own schema's decoder, and a
// schema id read on a topic whose subject does not hold it fails there,
// however recently it was read on its own topic.
func TestDecoderPerTopicAndID(t *testing.T) {
	reg := newRegistry(t)
	w, r := newConv(t, reg.URL(), false), newConv(t, reg.URL(), false)
	sa := connect.StructOf(connect.F("id", connect.Int64Schema)).WithName("A")
	sb := connect.StructOf(connect.F("x", connect.StringSchema), connect.F("y", connect.Int32Schema)).WithName("B")
	va, vb := connect.NewStruct(sa), connect.NewStruct(sb)
	require.NoError(t, va.Put("id", int64(7)))
	require.NoError(t, vb.Put("x", "seven"))
	require.NoError(t, vb.Put("y", int32(8)))
	da, err := w.FromConnect(nil, "a", connect.Headers{}, sa, va)
	require.NoError(t, err)
	db, err := w.FromConnect(nil, "b", connect.Headers{}, sb, vb)
	require.NoError(t, err)
	for range 3 {
		s, v, err := r.ToConnect("a", connect.Headers{}, da)
		require.NoError(t, err)
		require.Equal(t, "A", s.Name)
		require.Equal(t, int64(7), v.(*connect.Struct).Get("id"))
		_, _, err = r.ToConnect("b", connect.Headers{}, da) // A's id is not in b-value
		require.ErrorContains(t, err, "is not registered in subject b-value")
		s, v, err = r.ToConnect("b", connect.Headers{}, db)
		require.NoError(t, err)
		require.Equal(t, "B", s.Name)
		require.Equal(t, "seven", v.(*connect.Struct).Get("x"))
		require.Equal(t, int32(8), v.(*connect.Struct).Get("y"))
		s, _, err = r.ToConnect("b", connect.Headers{}, db)
		require.NoError(t, err)
		require.Equal(t, "B", s.Name)
	}
}
