package protobuf

import (
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/kconnect-go/kconnect/connect"
)

// connectSchema is ProtobufData.toConnectSchema for a message: a struct
// with the message's oneofs first, as Union structs, then its other fields.
func (d dataConfig) connectSchema(md protoreflect.MessageDescriptor, optional bool) *connect.Schema {
	name := string(md.Name())
	if d.enhanced {
		name = string(md.FullName())
	}
	var fields []connect.Field
	for i := 0; i < md.Oneofs().Len(); i++ {
		od := md.Oneofs().Get(i)
		if od.IsSynthetic() {
			continue
		}
		var members []connect.Field
		for j := 0; j < od.Fields().Len(); j++ {
			m := od.Fields().Get(j)
			members = append(members, connect.F(string(m.Name()), d.fieldSchema(m)))
		}
		fname := string(od.Name())
		if d.indexForUnions {
			fname += "_" + strconv.Itoa(od.Index())
		}
		uname := string(od.Name())
		if d.enhanced {
			uname = string(od.FullName())
		}
		fields = append(fields, connect.F(fname, connect.StructOf(members...).WithName(unionName+"."+uname).AsOptional()))
	}
	fds := md.Fields()
	for i := 0; i < fds.Len(); i++ {
		fd := fds.Get(i)
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			continue
		}
		fields = append(fields, connect.F(string(fd.Name()), d.fieldSchema(fd)))
	}
	s := connect.StructOf(fields...).WithName(name)
	if optional {
		s = s.AsOptional()
	}
	return s
}

// oneofOf returns the oneof a Union struct schema stands for.
func oneofOf(md protoreflect.MessageDescriptor, s *connect.Schema) protoreflect.OneofDescriptor {
	name := strings.TrimPrefix(s.Name, unionName+".")
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	return md.Oneofs().ByName(protoreflect.Name(name))
}

// isMap reports whether fd is a map: a map field, or as ProtobufData's
// isMapDescriptor has it, a repeated message named ...Entry whose only
// fields are a singular key and value, which some producers register
// without the map_entry option.
func isMap(fd protoreflect.FieldDescriptor) bool {
	if fd.IsMap() {
		return true
	}
	if !fd.IsList() || fd.Kind() != protoreflect.MessageKind {
		return false
	}
	md := fd.Message()
	f := md.Fields()
	return strings.HasSuffix(string(md.Name()), "Entry") && f.Len() == 2 &&
		f.Get(0).Name() == "key" && f.Get(1).Name() == "value" && !f.Get(0).IsList() && !f.Get(1).IsList() &&
		f.Get(0).Number() == 1 && f.Get(1).Number() == 2
}

// mapFields returns a map's key and value fields.
func mapFields(fd protoreflect.FieldDescriptor) (key, val protoreflect.FieldDescriptor) {
	if fd.IsMap() {
		return fd.MapKey(), fd.MapValue()
	}
	f := fd.Message().Fields()
	return f.Get(0), f.Get(1)
}

func wrapperType(md protoreflect.MessageDescriptor) (*connect.Schema, bool) {
	switch md.FullName() {
	case "google.protobuf.DoubleValue":
		return connect.Float64Schema, true
	case "google.protobuf.FloatValue":
		return connect.Float32Schema, true
	case "google.protobuf.Int64Value", "google.protobuf.UInt64Value", "google.protobuf.UInt32Value":
		return connect.Int64Schema, true
	case "google.protobuf.Int32Value":
		return connect.Int32Schema, true
	case "google.protobuf.BoolValue":
		return connect.BooleanSchema, true
	case "google.protobuf.StringValue":
		return connect.StringSchema, true
	case "google.protobuf.BytesValue":
		return connect.BytesSchema, true
	}
	return nil, false
}

// fieldSchema is the schema of field fd. Messages, enums, repeated fields
// and maps are optional; a scalar is optional unless wrapper.for.nullables
// is set, or optional.for.nullables is and it lacks the optional keyword.
func (d dataConfig) fieldSchema(fd protoreflect.FieldDescriptor) *connect.Schema {
	var s *connect.Schema
	switch {
	case isMap(fd):
		k, v := mapFields(fd)
		s = connect.MapOf(d.fieldSchema(k), d.fieldSchema(v))
		if n := string(fd.Message().Name()); strings.HasSuffix(n, "Entry") {
			n = strings.TrimSuffix(n, "Entry")
			s.Name = strings.ToLower(n[:1]) + n[1:]
		}
		s = s.AsOptional()
	case fd.IsList():
		s = connect.ArrayOf(d.single(fd).AsOptional()).AsOptional()
	default:
		s = d.single(fd)
		if fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.EnumKind {
			if d.optionalForNullables {
				if fd.HasOptionalKeyword() {
					s = s.AsOptional()
				}
			} else if !d.wrapperForNullables {
				s = s.AsOptional()
			}
		}
	}
	return s.WithParameter(tagParam, strconv.Itoa(int(fd.Number())))
}

// single is the schema of one value of fd; messages and enums are
// optional, scalars required.
func (d dataConfig) single(fd protoreflect.FieldDescriptor) *connect.Schema {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		md := fd.Message()
		switch md.FullName() {
		case timestampPB:
			return connect.OptionalTimestampSchema
		case datePB:
			return connect.OptionalDateSchema
		case timeOfDayPB:
			return connect.OptionalTimeSchema
		case decimalPB:
			meta := fieldMeta(fd)
			scale, _ := strconv.Atoi(meta["scale"])
			s := connect.DecimalSchema(int32(scale))
			if p, ok := meta["precision"]; ok {
				s = s.WithParameter(precisionKey, p)
			}
			return s.AsOptional()
		}
		if w, ok := wrapperType(md); ok && d.wrapperForNullables {
			return w.AsOptional()
		}
		return d.connectSchema(md, true)
	case protoreflect.EnumKind:
		ed := fd.Enum()
		s := connect.StringSchema
		if d.intForEnums {
			s = connect.Int32Schema
		}
		name := string(ed.Name())
		if d.enhanced {
			name = string(ed.FullName())
		}
		s = s.WithName(name).WithParameter(enumParam, string(ed.Name()))
		for i := 0; i < ed.Values().Len(); i++ {
			v := ed.Values().Get(i)
			s = s.WithParameter(enumParam+"."+string(v.Name()), strconv.Itoa(int(v.Number())))
		}
		return s.AsOptional()
	case protoreflect.BoolKind:
		return connect.BooleanSchema
	case protoreflect.StringKind:
		return connect.StringSchema
	case protoreflect.BytesKind:
		return connect.BytesSchema
	case protoreflect.FloatKind:
		return connect.Float32Schema
	case protoreflect.DoubleKind:
		return connect.Float64Schema
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		switch fieldMeta(fd)["connect.type"] {
		case "int8":
			return connect.Int8Schema
		case "int16":
			return connect.Int16Schema
		}
		if fd.Kind() == protoreflect.Int32Kind {
			return connect.Int32Schema
		}
		return connect.Int32Schema.WithParameter(typeParam, fd.Kind().String())
	case protoreflect.Int64Kind:
		return connect.Int64Schema
	default: // uint32, fixed32 (which do not fit INT32), and the other 64-bit kinds
		return connect.Int64Schema.WithParameter(typeParam, fd.Kind().String())
	}
}

func integer(v any) (int64, bool) {
	switch x := v.(type) {
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}
