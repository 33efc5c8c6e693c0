package protobuf

import (
	"fmt"
	"sync"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/kconnect-go/kconnect/connect"
)

var primitiveWrappers = map[connect.Type]protoreflect.Name{
	connect.Int8Type: "Int32Value", connect.Int16Type: "Int32Value", connect.Int32Type: "Int32Value",
	connect.Int64Type: "Int64Value", connect.Float32Type: "FloatValue", connect.Float64Type: "DoubleValue",
	connect.BooleanType: "BoolValue", connect.StringType: "StringValue", connect.BytesType: "BytesValue",
}

// wrappersFile is google/protobuf/wrappers.proto, the file a top-level
// primitive's schema is: its text Confluent's rendering of the file's
// descriptor, as ProtobufData registers it (the same text registered as
// a reference to it), its messages in the standard file's order, so that
// their message indexes are the ones a JVM producer writes.
var wrappersFile = sync.OnceValues(func() (wrappers, error) {
	text, _, err := knownSource("google/protobuf/wrappers.proto")
	if err != nil {
		return wrappers{}, err
	}
	fd, err := compile(text, nil)
	return wrappers{text, fd}, err
})

type wrappers struct {
	text string
	fd   protoreflect.FileDescriptor
}

// primitiveSchema is how a top-level primitive is written: as
// ProtobufData.descriptorFromConnectSchema does, its wrapper message.
func primitiveSchema(s *connect.Schema) (*writeSchema, error) {
	if s.Logical() != connect.NotLogical {
		return nil, fmt.Errorf("a %s value cannot be written as Protobuf at the top level", s.Name)
	}
	w, err := wrappersFile()
	if err != nil {
		return nil, err
	}
	md := w.fd.Messages().ByName(primitiveWrappers[s.Type])
	return &writeSchema{text: w.text, name: string(md.FullName()), md: md,
		path: []int{md.Index()}, wrapper: newInfo(md.Fields().Get(0))}, nil
}
