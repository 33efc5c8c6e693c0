package protobuf

import (
	"fmt"
	"sync"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/kconnect-go/kconnect/connect"
)

// wrappersProto is google/protobuf/wrappers.proto, the file a top-level
// primitive's schema is, its messages in the standard file's order, so
// that their message indexes are the ones a JVM producer writes.
const wrappersProto = `syntax = "proto3";
package google.protobuf;

option go_package = "google.golang.org/protobuf/types/known/wrapperspb";
option java_package = "com.google.protobuf";
option java_outer_classname = "WrappersProto";
option java_multiple_files = true;

message DoubleValue {
  double value = 1;
}
message FloatValue {
  float value = 1;
}
message Int64Value {
  int64 value = 1;
}
message UInt64Value {
  uint64 value = 1;
}
message Int32Value {
  int32 value = 1;
}
message UInt32Value {
  uint32 value = 1;
}
message BoolValue {
  bool value = 1;
}
message StringValue {
  string value = 1;
}
message BytesValue {
  bytes value = 1;
}
`

var primitiveWrappers = map[connect.Type]protoreflect.Name{
	connect.Int8Type: "Int32Value", connect.Int16Type: "Int32Value", connect.Int32Type: "Int32Value",
	connect.Int64Type: "Int64Value", connect.Float32Type: "FloatValue", connect.Float64Type: "DoubleValue",
	connect.BooleanType: "BoolValue", connect.StringType: "StringValue", connect.BytesType: "BytesValue",
}

var wrappersFile = sync.OnceValues(func() (protoreflect.FileDescriptor, error) { return compile(wrappersProto, nil) })

// primitiveSchema is how a top-level primitive is written: as
// ProtobufData.descriptorFromConnectSchema does, its wrapper message.
func primitiveSchema(s *connect.Schema) (*writeSchema, error) {
	if s.Logical() != connect.NotLogical {
		return nil, fmt.Errorf("a %s value cannot be written as Protobuf at the top level", s.Name)
	}
	fd, err := wrappersFile()
	if err != nil {
		return nil, err
	}
	md := fd.Messages().ByName(primitiveWrappers[s.Type])
	return &writeSchema{text: wrappersProto, name: string(md.FullName()), md: md,
		path: []int{md.Index()}, wrapper: newInfo(md.Fields().Get(0))}, nil
}
