package protobuf

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/internal/schemaregistry"
)

func userSchema() *connect.Schema {
	return connect.StructOf(connect.F("id", connect.Int64Schema)).WithName("com.example.User")
}

func user() *connect.Struct {
	v := connect.NewStruct(userSchema())
	_ = v.Put("id", int64(1))
	return v
}

// TestRegisteredSchema: the schema is registered as PROTOBUF, its text a
// proto3 file in the struct's package; the subject follows the strategy.
func TestRegisteredSchema(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	for _, tc := range []struct{ strategy, subject string }{
		{"", "users-value"},
		{"io.confluent.kafka.serializers.subject.RecordNameStrategy", "com.example.User"},
		{"TopicRecordNameStrategy", "users-com.example.User"},
	} {
		var extra []string
		if tc.strategy != "" {
			extra = []string{"value.subject.name.strategy", tc.strategy}
		}
		c := newConv(t, reg.URL(), extra...)
		_, err := c.FromConnect(nil, "users", connect.Headers{}, userSchema(), user())
		require.NoError(t, err)
		ss, ok := reg.GetSchema(tc.subject, 1)
		require.True(t, ok, tc.subject)
		require.Equal(t, sr.TypeProtobuf, ss.Type)
		require.Equal(t, "syntax = \"proto3\";\npackage com.example;\n\nmessage User {\n  int64 id = 1;\n}\n", ss.Schema.Schema)
	}
}

// TestAutoRegisterOff: without auto.register.schemas an unknown schema is a
// data error naming the topic and subject.
func TestAutoRegisterOff(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	c := newConv(t, reg.URL(), "auto.register.schemas", "false")
	_, err := c.FromConnect(nil, "users", connect.Headers{}, userSchema(), user())
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.ErrorContains(t, err, "topic users")
	require.ErrorContains(t, err, "users-value")
}

// TestRegistryDown: a registry answering 5xx is retried, then the error is
// retriable and fatal (errors.tolerance=all must not skip the record) and
// names the topic; once it answers, the same record goes through.
func TestRegistryDown(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	var down atomic.Bool
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			calls.Add(1)
			http.Error(w, `{"error_code":50001,"message":"store down"}`, http.StatusInternalServerError)
			return
		}
		reg.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	c := newConv(t, srv.URL)
	down.Store(true)
	_, err := c.FromConnect(nil, "users", connect.Headers{}, userSchema(), user())
	require.True(t, connect.IsRetriable(err), "%v", err)
	require.ErrorIs(t, err, connect.ErrFatal)
	require.ErrorContains(t, err, "users")
	require.Equal(t, int32(2), calls.Load(), "max.retries=1: two attempts")
	_, _, err = c.ToConnect("users", connect.Headers{}, []byte{0, 0, 0, 0, 1, 0})
	require.True(t, connect.IsRetriable(err), "%v", err)
	down.Store(false)
	out, err := c.FromConnect(nil, "users", connect.Headers{}, userSchema(), user())
	require.NoError(t, err)
	_, v, err := c.ToConnect("users", connect.Headers{}, out)
	require.NoError(t, err)
	require.Equal(t, int64(1), v.(*connect.Struct).Get("id"))
}

// TestMessageIndexes: a record of a nested message, written by another
// producer with the index path [1, 0], reads as that message.
func TestMessageIndexes(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	id, _, err := reg.RegisterSchema("m-value", sr.Schema{Type: sr.TypeProtobuf, Schema: strings.Join([]string{
		`syntax = "proto3";`, `package p;`,
		`message A { string a = 1; }`,
		`message B { message Inner { int32 x = 1; } Inner in = 1; }`}, "\n")})
	require.NoError(t, err)
	c := newConv(t, reg.URL())
	data := append([]byte{0, 0, 0, 0, byte(id)}, appendIndexes(nil, []int{1, 0})...)
	data = append(data, 0x08, 9)
	s, v, err := c.ToConnect("m", connect.Headers{}, data)
	require.NoError(t, err)
	require.Equal(t, "Inner", s.Name)
	require.Equal(t, int32(9), v.(*connect.Struct).Get("x"))

	_, _, err = c.ToConnect("m", connect.Headers{}, append([]byte{0, 0, 0, 0, byte(id)}, appendIndexes(nil, []int{5})...))
	require.ErrorContains(t, err, "names no message")
	require.ErrorContains(t, err, "topic m")
}

// TestHeaderIDWritten: with HeaderSchemaIdSerializer the payload is the
// message indexes and the message, as Confluent's serializer hands its
// HeaderSchemaIdSerializer, and the schema's GUID is in the
// __value_schema_id header (__key_schema_id for keys), added once; a
// reader finds it there; with use.latest.version the GUID is the latest
// schema's; a caller that cannot take headers is refused.
func TestHeaderIDWritten(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	cfg := map[string]string{"schema.registry.url": reg.URL(), "value.schema.id.serializer": "HeaderSchemaIdSerializer"}
	cv, err := Plugin().New(cfg, false)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cv.(io.Closer).Close() })
	hc, ok := cv.(converter.HeadersFromConnect)
	require.True(t, ok)
	headers := []converter.KafkaHeader{{Key: "a", Value: []byte("b")}}
	out, err := hc.FromConnectWithHeaders(nil, "users", &headers, userSchema(), user())
	require.NoError(t, err)
	require.Equal(t, []byte{0, 0x08, 1}, out, "indexes [0], then id=1")
	ss, ok := reg.GetSchema("users-value", 1)
	require.True(t, ok)
	guid, err := schemaregistry.GUIDBytes(ss.GUID)
	require.NoError(t, err)
	require.Equal(t, []converter.KafkaHeader{{Key: "a", Value: []byte("b")}, {Key: "__value_schema_id", Value: guid}}, headers)
	_, err = hc.FromConnectWithHeaders(nil, "users", &headers, userSchema(), user())
	require.NoError(t, err)
	require.Len(t, headers, 2, "the same GUID is not added twice")
	_, v, err := newConv(t, reg.URL()).ToConnectWithHeaders("users", headers, out)
	require.NoError(t, err)
	require.Equal(t, int64(1), v.(*connect.Struct).Get("id"))

	_, err = cv.FromConnect(nil, "users", connect.Headers{}, userSchema(), user())
	require.ErrorIs(t, err, connect.ErrFatal)

	// A primitive: wrappers.proto's StringValue, index [7].
	var kh []converter.KafkaHeader
	kc, err := Plugin().New(map[string]string{"schema.registry.url": reg.URL(), "key.schema.id.serializer": "io.confluent.kafka.serializers.schema.id.HeaderSchemaIdSerializer"}, true)
	require.NoError(t, err)
	out, err = kc.(converter.HeadersFromConnect).FromConnectWithHeaders(nil, "users", &kh, connect.StringSchema, "k")
	require.NoError(t, err)
	require.Equal(t, []byte{2, 14, 0x0a, 1, 'k'}, out)
	require.Equal(t, "__key_schema_id", kh[0].Key)
	_, kv, err := newKeyConv(t, reg.URL()).ToConnectWithHeaders("users", kh, out)
	require.NoError(t, err)
	require.Equal(t, "k", kv)

	// use.latest.version: the latest schema's GUID.
	const latest = "syntax = \"proto3\";\npackage com.example;\n\nmessage User {\n  int64 id = 1;\n  string name = 2;\n}\n"
	_, _, err = reg.RegisterSchema("users-value", sr.Schema{Schema: latest, Type: sr.TypeProtobuf})
	require.NoError(t, err)
	lss, ok := reg.GetSchema("users-value", 2)
	require.True(t, ok)
	lguid, err := schemaregistry.GUIDBytes(lss.GUID)
	require.NoError(t, err)
	cfg["use.latest.version"], cfg["auto.register.schemas"] = "true", "false"
	lc, err := Plugin().New(cfg, false)
	require.NoError(t, err)
	var lh []converter.KafkaHeader
	_, err = lc.(converter.HeadersFromConnect).FromConnectWithHeaders(nil, "users", &lh, userSchema(), user())
	require.NoError(t, err)
	require.Equal(t, []converter.KafkaHeader{{Key: "__value_schema_id", Value: lguid}}, lh)
}

func newKeyConv(t testing.TB, url string) *Converter {
	t.Helper()
	c, err := Configure(map[string]string{"schema.registry.url": url}, true)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestHeaderIDWriteAllocates: writing with the schema's GUID in a header
// into a reused buffer allocates no more than writing the id before the
// payload.
func TestHeaderIDWriteAllocates(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	prefix := newConv(t, reg.URL())
	cv, err := Plugin().New(map[string]string{"schema.registry.url": reg.URL(), "value.schema.id.serializer": "HeaderSchemaIdSerializer"}, false)
	require.NoError(t, err)
	hc := cv.(converter.HeadersFromConnect)
	s, v := userSchema(), user()
	buf := make([]byte, 0, 64)
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

// TestEntryMessageMap: a repeated CountsEntry message with only a key and
// a value, registered without the map_entry option, is a map, as in
// ProtobufData, both ways.
func TestEntryMessageMap(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	text := "syntax = \"proto3\";\nmessage M {\n  repeated CountsEntry counts = 1;\n  message CountsEntry {\n    string key = 1;\n    int32 value = 2;\n  }\n}\n"
	id, _, err := reg.RegisterSchema("e-value", sr.Schema{Type: sr.TypeProtobuf, Schema: text})
	require.NoError(t, err)
	var entry, b []byte
	entry = protowire.AppendTag(entry, 1, protowire.BytesType)
	entry = protowire.AppendString(entry, "a")
	entry = protowire.AppendTag(entry, 2, protowire.VarintType)
	entry = protowire.AppendVarint(entry, 3)
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendBytes(b, entry)
	c := newConv(t, reg.URL())
	s, v, err := c.ToConnect("e", connect.Headers{}, append([]byte{0, 0, 0, 0, byte(id), 0}, b...))
	require.NoError(t, err)
	f, _ := s.Field("counts")
	require.Equal(t, connect.MapType, f.Schema.Type)
	require.Equal(t, map[string]any{"a": int32(3)}, v.(*connect.Struct).Get("counts"))

	rm, err := c.message(id, []int{0})
	require.NoError(t, err)
	p, err := c.data.newPlan(rm.md, s)
	require.NoError(t, err)
	out, err := c.data.appendMessage(nil, p, v.(*connect.Struct))
	require.NoError(t, err)
	require.Equal(t, b, out)
}

// TestReadSchemaWithReferences: a registered .proto that imports files of
// other subjects (its references, named by import path) compiles with
// them, fetched by subject and version, references of references too.
func TestReadSchemaWithReferences(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	const currency = "syntax = \"proto3\";\npackage common;\n\nenum Currency {\n  EUR = 0;\n  USD = 1;\n}\n"
	const money = "syntax = \"proto3\";\npackage common;\nimport \"common/currency.proto\";\n\nmessage Money {\n  common.Currency currency = 1;\n  int64 units = 2;\n}\n"
	const order = "syntax = \"proto3\";\npackage shop;\nimport \"common/money.proto\";\n\nmessage Order {\n  int64 id = 1;\n  common.Money price = 2;\n}\n"
	_, cv, err := reg.RegisterSchema("common/currency.proto", sr.Schema{Schema: currency, Type: sr.TypeProtobuf})
	require.NoError(t, err)
	_, mv, err := reg.RegisterSchema("common/money.proto", sr.Schema{Schema: money, Type: sr.TypeProtobuf,
		References: []sr.SchemaReference{{Name: "common/currency.proto", Subject: "common/currency.proto", Version: cv}}})
	require.NoError(t, err)
	id, _, err := reg.RegisterSchema("orders-value", sr.Schema{Schema: order, Type: sr.TypeProtobuf,
		References: []sr.SchemaReference{{Name: "common/money.proto", Subject: "common/money.proto", Version: mv}}})
	require.NoError(t, err)

	c := newConv(t, reg.URL())
	// id 7; price {currency USD, units 5}.
	msg := protowire.AppendTag(nil, 1, protowire.VarintType)
	msg = protowire.AppendVarint(msg, 7)
	price := protowire.AppendTag(nil, 1, protowire.VarintType)
	price = protowire.AppendVarint(price, 1)
	price = protowire.AppendTag(price, 2, protowire.VarintType)
	price = protowire.AppendVarint(price, 5)
	msg = protowire.AppendTag(msg, 2, protowire.BytesType)
	msg = protowire.AppendBytes(msg, price)
	data := append([]byte{0, 0, 0, 0, byte(id), 0}, msg...)
	s, v, err := c.ToConnect("orders", connect.Headers{}, data)
	require.NoError(t, err)
	require.Equal(t, "Order", s.Name)
	p := v.(*connect.Struct).Get("price").(*connect.Struct)
	require.Equal(t, "USD", p.Get("currency"))
	require.Equal(t, int64(5), p.Get("units"))
}

// TestReferenceKeys: the derived schema imports only well-known files,
// which, as with Confluent's default skip.known.types=true, are not
// registered as references. With skip.known.types=false each is
// registered first, its own imports before it (confluent/meta.proto
// imports descriptor.proto), under its import path or, with
// QualifiedReferenceSubjectNameStrategy, the path as a dotted name, and
// the schema with references to them in import order, as Confluent's
// serializer resolves dependencies; with reference.lookup.only they are
// only looked up. Records read back either way, with the GUID in a header
// too. Another strategy is refused by name.
func TestReferenceKeys(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	s := connect.StructOf(connect.F("at", connect.TimestampSchema), connect.F("n", connect.OptionalInt32Schema),
		connect.F("small", connect.Int8Schema)).WithName("com.example.Event")
	v := connect.NewStruct(s)
	require.NoError(t, v.Put("at", time.UnixMilli(5).UTC()))
	require.NoError(t, v.Put("small", int8(3)))
	c := newConv(t, reg.URL(), "wrapper.for.nullables", "true", "reference.subject.name.strategy", "DefaultReferenceSubjectNameStrategy")
	_, err := c.FromConnect(nil, "events", connect.Headers{}, s, v)
	require.NoError(t, err)
	ss, ok := reg.GetSchema("events-value", 1)
	require.True(t, ok)
	require.Contains(t, ss.Schema.Schema, `import "google/protobuf/timestamp.proto";`)
	require.Empty(t, ss.Schema.References)
	require.False(t, reg.SubjectExists("google/protobuf/timestamp.proto"))

	for _, tc := range []struct {
		strategy, meta, descriptor, timestamp, wrappers string
	}{
		{"DefaultReferenceSubjectNameStrategy", "confluent/meta.proto", "google/protobuf/descriptor.proto", "google/protobuf/timestamp.proto", "google/protobuf/wrappers.proto"},
		{"io.confluent.kafka.serializers.subject.QualifiedReferenceSubjectNameStrategy", "confluent.meta", "google.protobuf.descriptor", "google.protobuf.timestamp", "google.protobuf.wrappers"},
	} {
		topic := "refs-" + shortClass(tc.strategy)
		c := newConv(t, reg.URL(), "wrapper.for.nullables", "true", "skip.known.types", "false", "reference.subject.name.strategy", tc.strategy)
		out, err := c.FromConnect(nil, topic, connect.Headers{}, s, v)
		require.NoError(t, err, tc.strategy)
		ss, ok := reg.GetSchema(topic+"-value", 1)
		require.True(t, ok)
		var names, subjects []string
		for _, r := range ss.Schema.References {
			names = append(names, r.Name)
			subjects = append(subjects, r.Subject)
		}
		// As ProtobufData's file: the files of the types used, in the order
		// of first use; confluent/meta.proto, whose option keeps INT8, is
		// not imported.
		require.Equal(t, []string{"google/protobuf/timestamp.proto", "google/protobuf/wrappers.proto"}, names, "in import order")
		require.Equal(t, []string{tc.timestamp, tc.wrappers}, subjects)
		require.False(t, reg.SubjectExists(tc.meta))
		require.False(t, reg.SubjectExists(tc.descriptor))
		ts, ok := reg.GetSchema(tc.timestamp, 1)
		require.True(t, ok)
		require.Equal(t, readGolden(t, "wkt/google/protobuf/timestamp.proto"), ts.Schema.Schema)
		require.Empty(t, ts.Schema.References)

		_, got, err := newConv(t, reg.URL(), "wrapper.for.nullables", "true").ToConnect(topic, connect.Headers{}, out)
		require.NoError(t, err)
		require.Equal(t, time.UnixMilli(5).UTC(), got.(*connect.Struct).Get("at"))
		require.Equal(t, int8(3), got.(*connect.Struct).Get("small"))
	}

	// reference.lookup.only: the references are found, not registered.
	only := newConv(t, reg.URL(), "wrapper.for.nullables", "true", "skip.known.types", "false", "reference.lookup.only", "true")
	_, err = only.FromConnect(nil, "refs-lookup", connect.Headers{}, s, v)
	require.NoError(t, err)
	ss, ok = reg.GetSchema("refs-lookup-value", 1)
	require.True(t, ok)
	require.Len(t, ss.Schema.References, 2)
	qonly := newConv(t, reg.URL(), "skip.known.types", "false", "reference.lookup.only", "true", "reference.subject.name.strategy", "QualifiedReferenceSubjectNameStrategy")
	date := connect.StructOf(connect.F("d", connect.DateSchema)).WithName("com.example.D")
	dv := connect.NewStruct(date)
	require.NoError(t, dv.Put("d", time.UnixMilli(0).UTC()))
	_, err = qonly.FromConnect(nil, "refs-lookup", connect.Headers{}, date, dv)
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.ErrorContains(t, err, "google.type.date")
	require.False(t, reg.SubjectExists("google.type.date"))

	// The GUID in a header names the schema with its references.
	hc, err := Plugin().New(map[string]string{"schema.registry.url": reg.URL(), "skip.known.types": "false", "value.schema.id.serializer": "HeaderSchemaIdSerializer"}, false)
	require.NoError(t, err)
	var headers []converter.KafkaHeader
	payload, err := hc.(converter.HeadersFromConnect).FromConnectWithHeaders(nil, "refs-header", &headers, s, v)
	require.NoError(t, err)
	_, got, err := newConv(t, reg.URL()).ToConnectWithHeaders("refs-header", headers, payload)
	require.NoError(t, err)
	require.Equal(t, int8(3), got.(*connect.Struct).Get("small"))

	_, err = Configure(map[string]string{"schema.registry.url": reg.URL(), "reference.subject.name.strategy": "com.example.MyStrategy"}, false)
	require.ErrorContains(t, err, "reference.subject.name.strategy")
}

// TestHeaderIDs: a schema id in the __value_schema_id header, a zero byte
// and the id or a one byte and the schema's GUID, names the schema of a
// payload that starts with the message indexes, as Confluent's
// DualSchemaIdDeserializer reads it; without the header the payload holds
// the id; with PrefixSchemaIdDeserializer the header is not read.
func TestHeaderIDs(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	c := newConv(t, reg.URL())
	out, err := c.FromConnect(nil, "users", connect.Headers{}, userSchema(), user())
	require.NoError(t, err)
	ss, ok := reg.GetSchema("users-value", 1)
	require.True(t, ok)
	guid, err := schemaregistry.GUIDBytes(ss.GUID)
	require.NoError(t, err)
	for _, hv := range [][]byte{out[:5], guid} {
		headers := []converter.KafkaHeader{{Key: "__value_schema_id", Value: []byte{0, 0, 0, 0, 99}}, {Key: "__value_schema_id", Value: hv}}
		_, v, err := c.ToConnectWithHeaders("users", headers, out[5:])
		require.NoError(t, err)
		require.Equal(t, int64(1), v.(*connect.Struct).Get("id"))
	}
	_, v, err := c.ToConnectWithHeaders("users", nil, out)
	require.NoError(t, err)
	require.Equal(t, int64(1), v.(*connect.Struct).Get("id"))
	_, _, err = c.ToConnectWithHeaders("users", []converter.KafkaHeader{{Key: "__value_schema_id", Value: []byte{7}}}, out[5:])
	require.ErrorContains(t, err, "topic users")

	prefix := newConv(t, reg.URL(), "value.schema.id.deserializer", "PrefixSchemaIdDeserializer")
	_, _, err = prefix.ToConnectWithHeaders("users", []converter.KafkaHeader{{Key: "__value_schema_id", Value: out[:5]}}, out[5:])
	require.ErrorContains(t, err, "magic byte")
}

// TestUseLatestVersion: with use.latest.version a value is written with
// the id of the subject's latest schema and its message's index there,
// the bytes those of the derived message, as Confluent's serializer
// writes them; latest.compatibility.strict refuses a latest message that
// cannot read it, and reading uses the latest message of the same name.
func TestUseLatestVersion(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	// The latest declares another message first, and a field the value
	// lacks; id is wire compatible (int64 and uint64).
	const latest = "syntax = \"proto3\";\npackage com.example;\n\nmessage Other {\n  string x = 1;\n}\nmessage User {\n  uint64 id = 1;\n  string name = 2;\n}\n"
	id, _, err := reg.RegisterSchema("users-value", sr.Schema{Schema: latest, Type: sr.TypeProtobuf})
	require.NoError(t, err)
	c := newConv(t, reg.URL(), "use.latest.version", "true", "auto.register.schemas", "false")
	out, err := c.FromConnect(nil, "users", connect.Headers{}, userSchema(), user())
	require.NoError(t, err)
	// magic, id, indexes [1] (count 1, index 1, zig-zag), id=1.
	require.Equal(t, []byte{0, 0, 0, 0, byte(id), 2, 2, 0x08, 1}, out)

	s, v, err := c.ToConnect("users", connect.Headers{}, out)
	require.NoError(t, err)
	_, ok := s.Field("name")
	require.True(t, ok, "read with the latest message")
	require.Equal(t, int64(1), v.(*connect.Struct).Get("id"))

	// A latest schema whose id is a string cannot read the value.
	const bad = "syntax = \"proto3\";\npackage com.example;\n\nmessage User {\n  string id = 1;\n}\n"
	_, _, err = reg.RegisterSchema("users-value", sr.Schema{Schema: bad, Type: sr.TypeProtobuf})
	require.NoError(t, err)
	strict := newConv(t, reg.URL(), "use.latest.version", "true", "auto.register.schemas", "false")
	_, err = strict.FromConnect(nil, "users", connect.Headers{}, userSchema(), user())
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.ErrorContains(t, err, "not backward compatible")
	lax := newConv(t, reg.URL(), "use.latest.version", "true", "auto.register.schemas", "false", "latest.compatibility.strict", "false")
	_, err = lax.FromConnect(nil, "users", connect.Headers{}, userSchema(), user())
	require.NoError(t, err)

	// A latest schema without the message cannot be written with.
	const none = "syntax = \"proto3\";\npackage com.example;\n\nmessage Other {\n  string x = 1;\n}\n"
	_, _, err = reg.RegisterSchema("users-value", sr.Schema{Schema: none, Type: sr.TypeProtobuf})
	require.NoError(t, err)
	_, err = newConv(t, reg.URL(), "use.latest.version", "true", "auto.register.schemas", "false").FromConnect(nil, "users", connect.Headers{}, userSchema(), user())
	require.ErrorContains(t, err, "message com.example.User is not in it")
}
