package protobuf

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	// The well-known files Confluent's provider knows, registered in
	// protoregistry.GlobalFiles with the descriptors protoc made of them.
	_ "google.golang.org/protobuf/types/known/anypb"
	_ "google.golang.org/protobuf/types/known/durationpb"
	_ "google.golang.org/protobuf/types/known/emptypb"
	_ "google.golang.org/protobuf/types/known/fieldmaskpb"
	_ "google.golang.org/protobuf/types/known/structpb"
	_ "google.golang.org/protobuf/types/known/timestamppb"
	_ "google.golang.org/protobuf/types/known/wrapperspb"
)

// The sources of the non-standard files Confluent's logical types use,
// with the options their publishers give them, so that their descriptors
// are those Java's generated classes hold (google/type from
// com.google.api.grpc:proto-google-common-protos, confluent from
// Confluent's protobuf-types).
var extraImports = map[string]string{
	"google/type/date.proto": `syntax = "proto3";
package google.type;
option cc_enable_arenas = true;
option go_package = "google.golang.org/genproto/googleapis/type/date;date";
option java_multiple_files = true;
option java_outer_classname = "DateProto";
option java_package = "com.google.type";
option objc_class_prefix = "GTP";
message Date {
  int32 year = 1;
  int32 month = 2;
  int32 day = 3;
}
`,
	"google/type/timeofday.proto": `syntax = "proto3";
package google.type;
option cc_enable_arenas = true;
option go_package = "google.golang.org/genproto/googleapis/type/timeofday;timeofday";
option java_multiple_files = true;
option java_outer_classname = "TimeOfDayProto";
option java_package = "com.google.type";
option objc_class_prefix = "GTP";
message TimeOfDay {
  int32 hours = 1;
  int32 minutes = 2;
  int32 seconds = 3;
  int32 nanos = 4;
}
`,
	"confluent/type/decimal.proto": `syntax = "proto3";
package confluent.type;
option java_package = "io.confluent.protobuf.type";
option java_multiple_files = true;
option java_outer_classname = "DecimalProto";
message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}
`,
	"confluent/meta.proto": `syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
option java_package = "io.confluent.protobuf";
option java_outer_classname = "MetaProto";
message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
  repeated Rule rules = 4;
}
message Rule {
  string name = 1;
  string doc = 2;
  string expr = 3;
  string sql = 4;
}
extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }
`,
}

// knownPaths are the well-known files kconnect registers, as Confluent's
// provider does, from their descriptors.
var knownPaths = []string{
	"google/protobuf/any.proto", "google/protobuf/duration.proto", "google/protobuf/empty.proto",
	"google/protobuf/field_mask.proto", "google/protobuf/struct.proto", "google/protobuf/timestamp.proto",
	"google/protobuf/wrappers.proto", "google/type/date.proto", "google/type/timeofday.proto",
	"confluent/type/decimal.proto", "confluent/meta.proto",
}

// standardKnown are the google/protobuf files of Confluent's provider's
// KNOWN_DEPENDENCIES, which protocompile's standard imports hold.
var standardKnown = []string{
	"google/protobuf/any.proto", "google/protobuf/api.proto", "google/protobuf/descriptor.proto",
	"google/protobuf/duration.proto", "google/protobuf/empty.proto", "google/protobuf/field_mask.proto",
	"google/protobuf/source_context.proto", "google/protobuf/struct.proto", "google/protobuf/timestamp.proto",
	"google/protobuf/type.proto", "google/protobuf/wrappers.proto",
}

// knownDescriptor is the descriptor Java holds of a well-known file
// (X.getDescriptor().toProto()): protoc's, the one google.golang.org/protobuf
// holds too, for google/protobuf files (json_name set, as protobuf-java's
// have it), and for the others the file compiled from extraImports
// without json_name, as their Java classes were generated.
func knownDescriptor(path string) (*descriptorpb.FileDescriptorProto, error) {
	if _, ok := extraImports[path]; ok {
		comp := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: func(p string) (io.ReadCloser, error) {
				if src, ok := extraImports[p]; ok {
					return io.NopCloser(strings.NewReader(src)), nil
				}
				return nil, os.ErrNotExist
			}})}
		files, err := comp.Compile(context.Background(), path)
		if err != nil {
			return nil, fmt.Errorf("the well-known file %s: %w", path, err)
		}
		fdp := protodesc.ToFileDescriptorProto(files[0])
		clearJSONNames(fdp.GetMessageType())
		for _, x := range fdp.GetExtension() {
			x.JsonName = nil
		}
		return fdp, nil
	}
	fd, err := protoregistry.GlobalFiles.FindFileByPath(path)
	if err != nil || !strings.HasPrefix(path, "google/protobuf/") {
		return nil, fmt.Errorf("%s is not a well-known file", path)
	}
	return protodesc.ToFileDescriptorProto(fd), nil
}

func clearJSONNames(msgs []*descriptorpb.DescriptorProto) {
	for _, m := range msgs {
		for _, f := range m.GetField() {
			f.JsonName = nil
		}
		for _, x := range m.GetExtension() {
			x.JsonName = nil
		}
		clearJSONNames(m.GetNestedType())
	}
}

// knownSource is the text Confluent's provider registers for a
// well-known file (its rendering of the file's Java descriptor), and the
// files it imports.
func knownSource(path string) (string, []string, error) {
	fdp, err := knownDescriptor(path)
	if err != nil {
		return "", nil, err
	}
	text, err := renderDescriptor(fdp)
	if err != nil {
		return "", nil, fmt.Errorf("the well-known file %s: %w", path, err)
	}
	return text, fdp.GetDependency(), nil
}
