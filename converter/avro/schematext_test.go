package avro

import (
	"math/big"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

// TestRegisteredSchemaTexts holds the text registered for a corpus of
// Connect schemas to what Confluent's AvroData.fromConnectSchema builds,
// as Avro's Schema.toString writes it: a record's type, name, namespace,
// doc and fields, then its properties; a field's name, type, doc and
// default; properties in the order AvroData adds them (a decimal's scale
// and precision, connect.doc, connect.version, connect.parameters,
// connect.default unless the field.default flag is set, connect.name,
// connect.type, the logical type, then "avro*" parameters); an optional
// schema a union with null first, or second when it has a default, an
// optional struct always null first.
func TestRegisteredSchemaTexts(t *testing.T) {
	d := dataConfig{connectMetaData: true}
	dec := connect.DecimalSchema(2)
	for _, tc := range []struct {
		s    *connect.Schema
		want string
	}{
		{dec, `{"type":"bytes","scale":2,"precision":64,"connect.version":1,"connect.parameters":{"scale":"2"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}`},
		{dec.AsOptional(), `["null",{"type":"bytes","scale":2,"precision":64,"connect.version":1,"connect.parameters":{"scale":"2"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}]`},
		{connect.DateSchema, `{"type":"int","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Date","logicalType":"date"}`},
		{connect.TimeSchema, `{"type":"int","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Time","logicalType":"time-millis"}`},
		{connect.TimestampSchema, `{"type":"long","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Timestamp","logicalType":"timestamp-millis"}`},
		{connect.Int8Schema.WithDoc("d").WithVersion(2).WithParameter("a", "b").WithDefault(int8(3)).WithName("n.I"),
			`{"type":"int","connect.doc":"d","connect.version":2,"connect.parameters":{"a":"b"},"connect.default":3,"connect.name":"n.I","connect.type":"int8"}`},
		{connect.StringSchema.AsOptional().WithDefault("x"), `[{"type":"string","connect.default":"x"},"null"]`},
		{connect.StructOf(connect.F("a", connect.Int32Schema), connect.F("b", connect.OptionalStringSchema.WithDefault("q"))).WithName("x.R").WithDoc("rd").WithVersion(3),
			`{"type":"record","name":"R","namespace":"x","fields":[{"name":"a","type":"int"},{"name":"b","type":[{"type":"string","connect.default":"q"},"null"],"default":"q"}],"connect.doc":"rd","connect.version":3,"connect.name":"x.R"}`},
		{connect.StructOf(connect.F("a", connect.Int32Schema)).WithName("x.D").WithParameter(paramRecordDoc, "recdoc").WithParameter(paramFieldDoc+"a", "fdoc"),
			`{"type":"record","name":"D","namespace":"x","doc":"recdoc","fields":[{"name":"a","type":"int","doc":"fdoc"}],"connect.parameters":{"io.confluent.connect.avro.record.doc":"recdoc","io.confluent.connect.avro.field.doc.a":"fdoc"},"connect.name":"x.D"}`},
		{connect.StructOf(connect.F("o", connect.StructOf(connect.F("z", connect.Int32Schema)).WithName("x.Z").AsOptional())),
			`{"type":"record","name":"ConnectDefault","namespace":"io.confluent.connect.avro","fields":[{"name":"o","type":["null",{"type":"record","name":"Z","namespace":"x","fields":[{"name":"z","type":"int"}],"connect.name":"x.Z"}],"default":null}]}`},
		{connect.MapOf(connect.Int32Schema, connect.StringSchema),
			`{"type":"array","items":{"type":"record","name":"MapEntry","namespace":"io.confluent.connect.avro","fields":[{"name":"key","type":"int"},{"name":"value","type":"string"}]}}`},
		{connect.MapOf(connect.Int32Schema, connect.StringSchema).WithName("a.M"),
			`{"type":"array","items":{"type":"record","name":"M","namespace":"a","fields":[{"name":"key","type":"int"},{"name":"value","type":"string"}],"connect.internal.type":"MapEntry"},"connect.name":"a.M"}`},
		{connect.MapOf(connect.StringSchema, connect.Int64Schema).AsOptional().WithDefault(map[string]any{"k": int64(1)}),
			`[{"type":"map","values":"long","connect.default":{"k":1}},"null"]`},
		{connect.ArrayOf(connect.Int32Schema).WithName("x.A").WithDoc("ad").AsOptional(),
			`["null",{"type":"array","items":"int","connect.doc":"ad","connect.name":"x.A"}]`},
		{connect.StructOf(connect.F("d", connect.DecimalSchema(3).WithDefault(connect.Decimal{Unscaled: big.NewInt(5), Scale: 3}))),
			`{"type":"record","name":"ConnectDefault","namespace":"io.confluent.connect.avro","fields":[{"name":"d","type":{"type":"bytes","scale":3,"precision":64,"connect.version":1,"connect.parameters":{"scale":"3"},"connect.default":"\u0005","connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"},"default":"\u0005"}]}`},
		{connect.StructOf(connect.F("t", connect.TimestampSchema.AsOptional().WithDefault(connect.MillisToTimestamp(0)))),
			`{"type":"record","name":"ConnectDefault","namespace":"io.confluent.connect.avro","fields":[{"name":"t","type":[{"type":"long","connect.version":1,"connect.default":0,"connect.name":"org.apache.kafka.connect.data.Timestamp","logicalType":"timestamp-millis"},"null"],"default":0}]}`},
		{connect.StringSchema.WithParameter("avro.java.string", "String"),
			`{"type":"string","connect.parameters":{"avro.java.string":"String"},"avro.java.string":"String"}`},
	} {
		got, err := d.avroSchemaJSON(tc.s)
		require.NoError(t, err)
		require.Equal(t, tc.want, string(got))
	}
}
