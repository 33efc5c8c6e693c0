package protobuf

// The sources of the non-standard types Confluent's logical types use, as
// their publishers define them, for schemas that import them.
var extraImports = map[string]string{
	"google/type/date.proto": `syntax = "proto3";
package google.type;
option go_package = "google.golang.org/genproto/googleapis/type/date;date";
message Date {
  int32 year = 1;
  int32 month = 2;
  int32 day = 3;
}
`,
	"google/type/timeofday.proto": `syntax = "proto3";
package google.type;
option go_package = "google.golang.org/genproto/googleapis/type/timeofday;timeofday";
message TimeOfDay {
  int32 hours = 1;
  int32 minutes = 2;
  int32 seconds = 3;
  int32 nanos = 4;
}
`,
	"confluent/type/decimal.proto": `syntax = "proto3";
package confluent.type;
option go_package = "github.com/confluentinc/schema-registry/confluent/type/decimal";
message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}
`,
	"confluent/meta.proto": `syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
option go_package = "github.com/confluentinc/schema-registry/confluent/meta";
message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
}
extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }
`,
}
