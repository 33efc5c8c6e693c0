package protobuf

import (
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// fieldMetaNumber is the number of the confluent.field_meta option, whose
// params carry what proto3 cannot say: connect.type (int8, int16) and a
// decimal's precision and scale.
const fieldMetaNumber = 1088

// fieldMeta returns the params of fd's confluent.field_meta option. The
// option is read from its bytes, so that it is found whether the compiler
// resolved the extension or kept it as an unknown field.
func fieldMeta(fd protoreflect.FieldDescriptor) map[string]string {
	opts, ok := fd.Options().(*descriptorpb.FieldOptions)
	if !ok || opts == nil {
		return nil
	}
	var raw []byte
	opts.ProtoReflect().Range(func(f protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if f.IsExtension() && f.Number() == fieldMetaNumber && f.Message() != nil {
			raw, _ = proto.Marshal(v.Message().Interface())
			return false
		}
		return true
	})
	if raw == nil {
		raw = unknownField(opts.ProtoReflect().GetUnknown(), fieldMetaNumber)
	}
	if raw == nil {
		return nil
	}
	params := map[string]string{}
	for _, entry := range repeatedBytes(raw, 2) {
		k := unknownField(entry, 1)
		v := unknownField(entry, 2)
		params[string(k)] = string(v)
	}
	return params
}

// unknownField returns the last length-delimited field num in b.
func unknownField(b []byte, num protowire.Number) []byte {
	var out []byte
	for _, v := range repeatedBytes(b, num) {
		out = v
	}
	return out
}

func repeatedBytes(b []byte, num protowire.Number) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n, t, k := protowire.ConsumeTag(b)
		if k < 0 {
			return out
		}
		b = b[k:]
		if t == protowire.BytesType && n == num {
			v, k := protowire.ConsumeBytes(b)
			if k < 0 {
				return out
			}
			out = append(out, v)
			b = b[k:]
			continue
		}
		k = protowire.ConsumeFieldValue(n, t, b)
		if k < 0 {
			return out
		}
		b = b[k:]
	}
	return out
}
