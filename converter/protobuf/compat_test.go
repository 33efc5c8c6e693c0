package protobuf

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/kconnect-go/kconnect/connect"
)

// TestIncompatibilities: what Confluent's protobuf SchemaDiff finds
// backward incompatible, a latest schema (update) against the one a value
// is written with (original), each named and placed as there, and what it
// lets pass.
func TestIncompatibilities(t *testing.T) {
	const head = "syntax = \"proto3\";\npackage p;\n"
	for _, tc := range []struct {
		name, original, update string
		want                   []string
	}{
		{"same", "message M { int64 a = 1; }", "message M { int64 a = 1; }", nil},
		{"wire-compatible scalars", "message M { int64 a = 1; sint32 b = 2; string c = 3; fixed32 d = 4; }",
			"message M { uint32 a = 1; sint64 b = 2; bytes c = 3; sfixed32 d = 4; }", nil},
		{"enum read as a varint", "message M { int32 a = 1; }", "enum E { Z = 0; } message M { E a = 1; }", nil},
		{"field added, removed, renamed; message added", "message M { int64 a = 1; string b = 2; }",
			"message N { } message M { int64 renamed = 1; double c = 3; }", nil},
		{"scalar group", "message M { int64 a = 1; }", "message M { string a = 1; }", []string{"FIELD_SCALAR_KIND_CHANGED at #/M/1"}},
		{"signed", "message M { int64 a = 1; }", "message M { sint64 a = 1; }", []string{"FIELD_SCALAR_KIND_CHANGED at #/M/1"}},
		{"kind", "message M { int64 a = 1; }", "message X { } message M { X a = 1; }", []string{"FIELD_KIND_CHANGED at #/M/1"}},
		{"map kind", "message M { map<string, int64> a = 1; }", "message M { map<string, string> a = 1; }", []string{"FIELD_SCALAR_KIND_CHANGED at #/M/1"}},
		{"package", "message M { int64 a = 1; }", "message M { int64 a = 1; }", []string{"PACKAGE_CHANGED at #/"}},
		{"message removed", "message M { N n = 1; message N { int64 x = 1; } }", "message N { int64 x = 1; } message M { N n = 1; }",
			[]string{"FIELD_NAMED_TYPE_CHANGED at #/M/1", "MESSAGE_REMOVED at #/M/N"}},
		{"nested change", "message M { N n = 1; message N { int64 x = 1; } }", "message M { N n = 1; message N { string x = 1; } }",
			[]string{"FIELD_SCALAR_KIND_CHANGED at #/M/N/1"}},
		{"numeric label", "message M { repeated int64 a = 1; }", "message M { optional int64 a = 1; }", []string{"FIELD_NUMERIC_LABEL_CHANGED at #/M/1"}},
		// A proto3 field without a label is compared with none.
		{"repeated to unlabelled", "message M { repeated int64 a = 1; repeated string b = 2; }", "message M { int64 a = 1; string b = 2; }", nil},
		{"string label", "message M { repeated string a = 1; }", "message M { optional string a = 1; }", nil},
		{"fields into a oneof", "message M { int64 a = 1; string b = 2; }", "message M { oneof u { int64 a = 1; string b = 2; } }",
			[]string{"MULTIPLE_FIELDS_MOVED_TO_ONEOF at #/M/u"}},
		{"field into an existing oneof", "message M { int64 a = 1; oneof u { string b = 2; } }", "message M { oneof u { int64 a = 1; string b = 2; } }",
			[]string{"FIELD_MOVED_TO_EXISTING_ONEOF at #/M/u"}},
		{"oneof member removed", "message M { oneof u { int64 a = 1; string b = 2; } }", "message M { oneof u { int64 a = 1; } }",
			[]string{"ONEOF_FIELD_REMOVED at #/M/u/2"}},
		{"oneof deleted whole, a field moved out", "message M { oneof u { int64 a = 1; string b = 2; } oneof v { bool c = 3; } }",
			"message M { int64 a = 1; string b = 2; }", nil},
		{"message type renamed", "message A { int64 x = 1; } message M { A a = 1; }", "message A { int64 x = 1; } message B { int64 x = 1; } message M { B a = 1; }",
			[]string{"FIELD_NAMED_TYPE_CHANGED at #/M/1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := compile(head+tc.original, nil)
			require.NoError(t, err)
			uhead := head
			if tc.name == "package" {
				uhead = "syntax = \"proto3\";\npackage q;\n"
			}
			u, err := compile(uhead+tc.update, nil)
			require.NoError(t, err)
			require.Equal(t, tc.want, incompatibilities(o, u, nil))
		})
	}

	// proto2's required fields.
	o, err := compile("syntax = \"proto2\";\nmessage M { optional int64 a = 1; required string b = 2; }", nil)
	require.NoError(t, err)
	u, err := compile("syntax = \"proto2\";\nmessage M { optional int64 a = 1; required string c = 3; }", nil)
	require.NoError(t, err)
	require.Equal(t, []string{"REQUIRED_FIELD_REMOVED at #/M/2", "REQUIRED_FIELD_ADDED at #/M/3"}, incompatibilities(o, u, nil))
}

// TestIncompatibilitiesThroughImports: a field's message type from an
// imported file is compared by its contents, as a derived schema takes it
// from a well-known file and the latest from a reference.
func TestIncompatibilitiesThroughImports(t *testing.T) {
	const dep = "syntax = \"proto3\";\npackage common;\nmessage Money { int64 units = 1; }\n"
	const depChanged = "syntax = \"proto3\";\npackage common;\nmessage Money { string units = 1; }\n"
	const main = "syntax = \"proto3\";\npackage p;\nimport \"common/money.proto\";\nmessage M { common.Money m = 1; }\n"
	o, err := compile(main, map[string]string{"common/money.proto": dep})
	require.NoError(t, err)
	same, err := compile(main, map[string]string{"common/money.proto": dep})
	require.NoError(t, err)
	changed, err := compile(main, map[string]string{"common/money.proto": depChanged})
	require.NoError(t, err)
	refs := []sr.SchemaReference{{Name: "common/money.proto", Subject: "money", Version: 1}}
	require.Empty(t, incompatibilities(o, same, refs))
	require.Equal(t, []string{"FIELD_SCALAR_KIND_CHANGED at #/Money/1", "FIELD_NAMED_TYPE_CHANGED at #/M/1"}, incompatibilities(o, changed, refs))
}

// TestLatestCompatibilityStrict: with use.latest.version, the converter
// refuses a latest schema as Confluent's serializer does (fields brought
// into a oneof) and writes with one it accepts (an enum for an int32, a
// proto3 field without a label for a repeated one).
func TestLatestCompatibilityStrict(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	s := connect.StructOf(connect.F("a", connect.Int32Schema), connect.F("b", connect.StringSchema),
		connect.F("c", connect.ArrayOf(connect.StringSchema))).WithName("p.M")
	v := connect.NewStruct(s)
	require.NoError(t, v.Put("a", int32(1)))
	require.NoError(t, v.Put("b", "x"))
	require.NoError(t, v.Put("c", []any{}))

	const accepted = "syntax = \"proto3\";\npackage p;\nenum E { Z = 0; O = 1; }\nmessage M {\n  E a = 1;\n  string b = 2;\n  string c = 3;\n}\n"
	_, _, err := reg.RegisterSchema("t-value", sr.Schema{Schema: accepted, Type: sr.TypeProtobuf})
	require.NoError(t, err)
	_, err = newConv(t, reg.URL(), "use.latest.version", "true", "auto.register.schemas", "false").FromConnect(nil, "t", connect.Headers{}, s, v)
	require.NoError(t, err)

	const refused = "syntax = \"proto3\";\npackage p;\nmessage M {\n  oneof u {\n    int32 a = 1;\n    string b = 2;\n  }\n  repeated string c = 3;\n}\n"
	_, _, err = reg.RegisterSchema("t-value", sr.Schema{Schema: refused, Type: sr.TypeProtobuf})
	require.NoError(t, err)
	_, err = newConv(t, reg.URL(), "use.latest.version", "true", "auto.register.schemas", "false").FromConnect(nil, "t", connect.Headers{}, s, v)
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.ErrorContains(t, err, "MULTIPLE_FIELDS_MOVED_TO_ONEOF at #/M/u")
	_, err = newConv(t, reg.URL(), "use.latest.version", "true", "auto.register.schemas", "false", "latest.compatibility.strict", "false").FromConnect(nil, "t", connect.Headers{}, s, v)
	require.NoError(t, err)
}

// FuzzIncompatibilities: any two registered .proto files that compile
// compare both ways without panicking or running for ever.
func FuzzIncompatibilities(f *testing.F) {
	f.Add("syntax = \"proto3\";\nmessage M { M m = 1; oneof u { int32 a = 2; string b = 3; } map<string, M> c = 4; }",
		"syntax = \"proto3\";\npackage p;\nmessage M { message M { int64 a = 1; } M m = 1; repeated int32 a = 2; }")
	f.Add("syntax = \"proto2\";\nmessage A { required int32 a = 1; optional B b = 2; }\nmessage B { repeated A a = 1; }",
		"syntax = \"proto2\";\nmessage A { optional int32 a = 1; optional B b = 2; }\nmessage B { optional A a = 1; enum E { Z = 0; } }")
	f.Fuzz(func(t *testing.T, a, b string) {
		o, err := compile(a, nil)
		if err != nil {
			return
		}
		u, err := compile(b, nil)
		if err != nil {
			return
		}
		_ = incompatibilities(o, u, nil)
		_ = incompatibilities(u, o, []sr.SchemaReference{{Name: "x.proto", Subject: "x", Version: 1}})
	})
}
