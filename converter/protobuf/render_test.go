package protobuf

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

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
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := renderDescriptor(tc.file)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}
