package protobuf

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/kconnect-go/kconnect/connect"
)

// -update rewrites the rendering goldens under testdata/wkt and
// testdata/derived from the renderer; review their diff before
// committing.
var update = flag.Bool("update", false, "rewrite the .proto rendering goldens")

func readGolden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(b)
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	require.Equal(t, readGolden(t, name), got, name)
}

// TestWellKnownRendering: for each well-known file Confluent's provider
// registers from a Java descriptor, the descriptor kconnect renders is
// the one Java's generated class holds (testdata/wkt/*.java.txtpb:
// dumped from protobuf-java and proto-google-common-protos by
// testdata/javadesc, or decoded from the descriptor embedded in
// Confluent's generated confluent/* classes), and its rendering is the
// golden, the text registered under the file's subject with
// skip.known.types=false.
func TestWellKnownRendering(t *testing.T) {
	for _, path := range knownPaths {
		t.Run(path, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "wkt", path+".java.txtpb"))
			require.NoError(t, err)
			java := &descriptorpb.FileDescriptorProto{}
			require.NoError(t, prototext.Unmarshal(b, java))
			got, err := knownDescriptor(path)
			require.NoError(t, err)
			require.True(t, proto.Equal(java, got), "kconnect's descriptor of %s is not Java's:\n%s\nJava's:\n%s",
				path, prototext.Format(got), prototext.Format(java))
			text, err := renderDescriptor(java)
			require.NoError(t, err)
			checkGolden(t, filepath.Join("wkt", path), text)
			src, _, err := knownSource(path)
			require.NoError(t, err)
			require.Equal(t, text, src)
			if len(java.GetDependency()) == 0 && path != "google/protobuf/struct.proto" {
				// The text compiles, but for struct.proto, whose map entry
				// Confluent writes as a message with option map_entry, which
				// a source may not hold (compile reads well-known imports from
				// their own sources).
				fd, err := compile(text, nil)
				require.NoError(t, err, text)
				require.Equal(t, len(java.GetMessageType()), fd.Messages().Len())
			}
		})
	}
}

func metaBytes(doc string, params [][2]string, tags ...string) []byte {
	var m []byte
	if doc != "" {
		m = protowire.AppendTag(m, 1, protowire.BytesType)
		m = protowire.AppendString(m, doc)
	}
	for _, p := range params {
		var e []byte
		e = protowire.AppendTag(e, 1, protowire.BytesType)
		e = protowire.AppendString(e, p[0])
		e = protowire.AppendTag(e, 2, protowire.BytesType)
		e = protowire.AppendString(e, p[1])
		m = protowire.AppendTag(m, 2, protowire.BytesType)
		m = protowire.AppendBytes(m, e)
	}
	for _, tg := range tags {
		m = protowire.AppendTag(m, 3, protowire.BytesType)
		m = protowire.AppendString(m, tg)
	}
	var o []byte
	o = protowire.AppendTag(o, fieldMetaNumber, protowire.BytesType)
	return protowire.AppendBytes(o, m)
}

// TestRenderConfluentCases renders descriptors whose rendering
// Confluent's own tests of its provider state (ProtobufSchemaTest: a
// proto3 default left out, a map entry message from a descriptor, meta
// tags as a list literal), checking the port of its rules.
func TestRenderConfluentCases(t *testing.T) {
	str := func(s string) *string { return &s }
	i32 := func(n int32) *int32 { return &n }
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	rep := descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	tstring := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	tdouble := descriptorpb.FieldDescriptorProto_TYPE_DOUBLE.Enum()
	tmsg := descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
	withMeta := func(b []byte) *descriptorpb.FieldOptions {
		o := &descriptorpb.FieldOptions{}
		o.ProtoReflect().SetUnknown(b)
		return o
	}
	for _, tc := range []struct {
		name string
		file *descriptorpb.FileDescriptorProto
		want string
	}{
		{"proto3 default", &descriptorpb.FileDescriptorProto{Syntax: str("proto3"), MessageType: []*descriptorpb.DescriptorProto{{
			Name: str("msg1"), Field: []*descriptorpb.FieldDescriptorProto{{Name: str("field1"), Number: i32(1), Type: tstring, DefaultValue: str("defaultVal")}},
		}}}, "syntax = \"proto3\";\n\nmessage msg1 {\n  string field1 = 1;\n}\n"},
		{"map entry", &descriptorpb.FileDescriptorProto{Syntax: str("proto3"), Dependency: []string{"google/protobuf/descriptor.proto"},
			Options: &descriptorpb.FileOptions{JavaPackage: str("io.confluent.kafka.serializers.protobuf.test"), JavaOuterClassname: str("TestMapProtos")},
			MessageType: []*descriptorpb.DescriptorProto{{
				Name:  str("TestMap"),
				Field: []*descriptorpb.FieldDescriptorProto{{Name: str("test_map"), Number: i32(1), Label: rep, Type: tmsg, TypeName: str("TestMapEntry")}},
				NestedType: []*descriptorpb.DescriptorProto{{Name: str("TestMapEntry"), Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)},
					Field: []*descriptorpb.FieldDescriptorProto{{Name: str("key"), Number: i32(1), Label: opt, Type: tstring}, {Name: str("value"), Number: i32(2), Label: opt, Type: tstring}}}},
			}}},
			"syntax = \"proto3\";\n\nimport \"google/protobuf/descriptor.proto\";\n\n" +
				"option java_package = \"io.confluent.kafka.serializers.protobuf.test\";\noption java_outer_classname = \"TestMapProtos\";\n\n" +
				"message TestMap {\n  repeated TestMapEntry test_map = 1;\n\n  message TestMapEntry {\n    option map_entry = true;\n  \n" +
				"    string key = 1;\n    string value = 2;\n  }\n}\n"},
		{"meta tags", &descriptorpb.FileDescriptorProto{Syntax: str("proto3"), Package: str("com.example.mynamespace"),
			MessageType: []*descriptorpb.DescriptorProto{{
				Name: str("SampleRecord"), Field: []*descriptorpb.FieldDescriptorProto{
					{Name: str("my_field2"), Number: i32(2), Label: opt, Type: tdouble, Options: withMeta(metaBytes("", nil, "bar"))},
					{Name: str("my_field4"), Number: i32(4), Label: opt, Type: tdouble, Options: withMeta(metaBytes("", nil, "foo", "bar"))},
				}}}},
			"syntax = \"proto3\";\npackage com.example.mynamespace;\n\nmessage SampleRecord {\n" +
				"  double my_field2 = 2 [(confluent.field_meta) = {\n    tags: [\n      \"bar\"\n    ]\n  }];\n" +
				"  double my_field4 = 4 [(confluent.field_meta) = {\n    tags: [\n      \"foo\",\n      \"bar\"\n    ]\n  }];\n}\n"},
		{"proto2 ranges", &descriptorpb.FileDescriptorProto{MessageType: []*descriptorpb.DescriptorProto{{
			Name: str("Money"),
			Field: []*descriptorpb.FieldDescriptorProto{{Name: str("cents"), Number: i32(1), Label: opt,
				Type: descriptorpb.FieldDescriptorProto_TYPE_INT64.Enum()}},
			// Message ranges end one past the last number, enum ranges at it.
			ReservedRange: []*descriptorpb.DescriptorProto_ReservedRange{{Start: i32(5000), End: i32(6001)}, {Start: i32(20000), End: i32(20001)}},
			ReservedName:  []string{"BAD"},
			ExtensionRange: []*descriptorpb.DescriptorProto_ExtensionRange{{Start: i32(100), End: i32(201)},
				{Start: i32(1000), End: i32(536870912)}},
			EnumType: []*descriptorpb.EnumDescriptorProto{{Name: str("MoneyEnum"),
				ReservedRange: []*descriptorpb.EnumDescriptorProto_EnumReservedRange{{Start: i32(100), End: i32(200)}, {Start: i32(2000), End: i32(2000)}},
				Value:         []*descriptorpb.EnumValueDescriptorProto{{Name: str("NONE"), Number: i32(0)}, {Name: str("CENTS"), Number: i32(1)}}}},
		}}}, "\nmessage Money {\n  reserved 5000 to 6000;\n  reserved 20000;\n  reserved \"BAD\";\n\n  optional int64 cents = 1;\n\n" +
			"  extensions 100 to 200;\n  extensions 1000 to max;\n\n  enum MoneyEnum {\n    reserved 100 to 200;\n    reserved 2000;\n" +
			"    NONE = 0;\n    CENTS = 1;\n  }\n}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := renderDescriptor(tc.file)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// derivedCorpus is a set of Connect schemas whose derived .proto texts
// are kept as goldens under testdata/derived.
func derivedCorpus() []corpusCase {
	cases := corpus()
	dec := connect.DecimalSchema(2).WithParameter(precisionKey, "10")
	unnamed := connect.StructOf(
		connect.F("inner", connect.StructOf(connect.F("x", connect.Int16Schema))),
		connect.F("tags", connect.MapOf(connect.StringSchema, connect.Int64Schema)),
		connect.F("price", dec),
		connect.F("counts", connect.ArrayOf(connect.Int8Schema)),
	)
	snake := connect.MapOf(connect.StringSchema, connect.StringSchema).WithName("my_labels")
	tagged := connect.StructOf(
		connect.F("id", connect.Int64Schema.WithParameter(tagParam, "3")),
		connect.F("choice", connect.StructOf(
			connect.F("text", connect.OptionalStringSchema.WithParameter(tagParam, "5")),
			connect.F("num", connect.OptionalInt32Schema.WithParameter(tagParam, "6")),
		).WithName(unionName+".com.example.Tagged.choice").AsOptional()),
		connect.F("labels", snake),
		connect.F("when", connect.TimestampSchema.AsOptional().WithParameter(tagParam, "9")),
		connect.F("u32", connect.OptionalInt64Schema.WithParameter(typeParam, "uint32").WithParameter(tagParam, "10")),
		connect.F("u64", connect.OptionalInt64Schema.WithParameter(typeParam, "fixed64").WithParameter(tagParam, "11")),
	).WithName("com.example.Tagged")
	innerField, _ := unnamed.Field("inner")
	inner := connect.NewStruct(innerField.Schema)
	_ = inner.Put("x", int16(-7))
	unnamedValues := map[string]any{"inner": inner, "tags": map[string]any{"a": int64(1), "": int64(0)},
		"price": connect.NewDecimal(-12345, 2), "counts": []any{int8(1), int8(-2)}}
	taggedValues := map[string]any{"id": int64(7), "labels": map[string]any{"k": "v", "": ""},
		"when": time.UnixMilli(1500).UTC(), "u32": int64(4000000000), "u64": int64(5)}
	// With wrapper.for.nullables, optional elements and map values are
	// wrappers too, as ProtobufData's dataTypeFromConnectSchema makes them.
	nested := connect.StructOf(
		connect.F("nums", connect.ArrayOf(connect.OptionalInt32Schema)),
		connect.F("notes", connect.MapOf(connect.StringSchema, connect.OptionalStringSchema)),
		connect.F("opt", connect.OptionalBooleanSchema),
	).WithName("w.Nested")
	nestedValues := map[string]any{"nums": []any{int32(0), int32(-3)}, "notes": map[string]any{"a": "x", "b": ""}, "opt": false}
	// With int.for.enums an enum reads as an INT32 and is written back as
	// the enum, as ProtobufData writes an INT32 with Enum parameters.
	intEnum := connect.Int32Schema.WithName("Kind").WithParameter(enumParam, "Kind").
		WithParameter(enumParam+".NONE", "0").WithParameter(enumParam+".SOME", "1").AsOptional()
	intEnums := connect.StructOf(connect.F("kind", intEnum), connect.F("n", connect.Int32Schema)).WithName("e.IntEnums")
	return append(cases,
		corpusCase{"int-enums", dataConfig{intForEnums: true}, intEnums, map[string]any{"kind": int32(1), "n": int32(2)}},
		corpusCase{"nested-wrappers", dataConfig{wrapperForNullables: true}, nested, nestedValues},
		corpusCase{"unnamed", dataConfig{}, unnamed, unnamedValues},
		corpusCase{"tagged", dataConfig{}, tagged, taggedValues},
		corpusCase{"tagged-wrappers", dataConfig{wrapperForNullables: true}, tagged, taggedValues},
		corpusCase{"tagged-optional", dataConfig{optionalForNullables: true}, tagged, taggedValues},
	)
}

// TestDerivedRendering: the .proto text registered for each derived
// schema of the corpus is its golden (testdata/derived), and compiles.
func TestDerivedRendering(t *testing.T) {
	for _, tc := range derivedCorpus() {
		t.Run(tc.name, func(t *testing.T) {
			text, _, _, err := tc.config.protoText(tc.schema)
			require.NoError(t, err)
			checkGolden(t, filepath.Join("derived", tc.name+".proto"), text)
			_, err = compile(text, nil)
			require.NoError(t, err, text)
		})
	}
}

// TestDerivedText states what ProtobufData's file and Confluent's
// rendering make of a schema, written out from their rules: fields
// before oneofs, imports in the order of first use, INT8 kept in a
// field_meta option with no import of confluent/meta.proto, a decimal's
// precision and scale with the value first, a map as a repeated
// ...Entry message named after the map's schema (ConnectDefault when it
// has none), nested declarations after the fields.
func TestDerivedText(t *testing.T) {
	s := connect.StructOf(
		connect.F("u", connect.StructOf(connect.F("a", connect.OptionalStringSchema.WithParameter(tagParam, "6"))).
			WithName(unionName+".u").AsOptional()),
		connect.F("small", connect.Int8Schema),
		connect.F("at", connect.TimestampSchema),
		connect.F("price", connect.DecimalSchema(2).WithParameter(precisionKey, "8")),
		connect.F("m", connect.MapOf(connect.StringSchema, connect.Int32Schema)),
	).WithName("shop.Order")
	text, full, imports, err := dataConfig{}.protoText(s)
	require.NoError(t, err)
	require.Equal(t, "shop.Order", full)
	require.Equal(t, []string{"google/protobuf/timestamp.proto", "confluent/type/decimal.proto"}, imports)
	require.Equal(t, `syntax = "proto3";
package shop;

import "google/protobuf/timestamp.proto";
import "confluent/type/decimal.proto";

message Order {
  int32 small = 2 [(confluent.field_meta) = {
    params: [
      {
        key: "connect.type",
        value: "int8"
      }
    ]
  }];
  google.protobuf.Timestamp at = 3;
  confluent.type.Decimal price = 4 [(confluent.field_meta) = {
    params: [
      {
        value: "8",
        key: "precision"
      },
      {
        value: "2",
        key: "scale"
      }
    ]
  }];
  repeated ConnectDefault1Entry m = 5;

  oneof u {
    string a = 6;
  }

  message ConnectDefault1Entry {
    string key = 1;
    int32 value = 2;
  }
}
`, text)
}

// TestCompileConfluentReferences: a schema registered by a JVM worker
// with skip.known.types=false references Confluent's renderings of the
// well-known files, which protoc's rules refuse as sources (struct.proto's
// map entry as a message with option map_entry), and may use
// confluent.field_meta without importing confluent/meta.proto, as
// ProtobufData's schemas do; both compile.
func TestCompileConfluentReferences(t *testing.T) {
	structText := readGolden(t, "wkt/google/protobuf/struct.proto")
	text := "syntax = \"proto3\";\npackage p;\n\nimport \"google/protobuf/struct.proto\";\n\n" +
		"message M {\n  google.protobuf.Struct s = 1;\n  int32 b = 2 [(confluent.field_meta) = {\n    params: [\n" +
		"      {\n        key: \"connect.type\",\n        value: \"int8\"\n      }\n    ]\n  }];\n}\n"
	fd, err := compile(text, map[string]string{"google/protobuf/struct.proto": structText})
	require.NoError(t, err)
	md := fd.Messages().Get(0)
	require.Equal(t, "google.protobuf.Struct", string(md.Fields().Get(0).Message().FullName()))
	require.Equal(t, map[string]string{"connect.type": "int8"}, fieldMeta(md.Fields().Get(1)))

	// Any standard file Confluent's provider knows is read from its own
	// source, whatever text was registered for it.
	_, err = compile("syntax = \"proto3\";\nimport \"google/protobuf/api.proto\";\nmessage N {\n  google.protobuf.Api a = 1;\n}\n",
		map[string]string{"google/protobuf/api.proto": "not a .proto text"})
	require.NoError(t, err)
}
