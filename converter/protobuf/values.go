package protobuf

import (
	"fmt"
	"strconv"
	"strings"
	"time"

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
	case fd.IsMap():
		s = connect.MapOf(d.fieldSchema(fd.MapKey()), d.fieldSchema(fd.MapValue()))
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

// toConnect is ProtobufData.toConnectData for a message read with schema s.
func (d dataConfig) toConnect(s *connect.Schema, m protoreflect.Message) (*connect.Struct, error) {
	st := connect.NewStruct(s)
	md := m.Descriptor()
	for _, f := range s.Fields {
		if strings.HasPrefix(f.Schema.Name, unionName+".") {
			od := oneofOf(md, f.Schema)
			if od == nil {
				continue
			}
			set := m.WhichOneof(od)
			if set == nil {
				continue
			}
			u := connect.NewStruct(f.Schema)
			mf, _ := f.Schema.Field(string(set.Name()))
			v, err := d.fieldValue(mf.Schema, set, m.Get(set))
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", f.Name, set.Name(), err)
			}
			if err := u.Put(string(set.Name()), v); err != nil {
				return nil, err
			}
			if err := st.Put(f.Name, u); err != nil {
				return nil, err
			}
			continue
		}
		fd := md.Fields().ByName(protoreflect.Name(f.Name))
		if fd == nil {
			continue
		}
		if (fd.HasPresence() || fd.Kind() == protoreflect.MessageKind) && !fd.IsList() && !fd.IsMap() && !m.Has(fd) {
			continue
		}
		v, err := d.fieldValue(f.Schema, fd, m.Get(fd))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		if err := st.Put(f.Name, v); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func (d dataConfig) fieldValue(s *connect.Schema, fd protoreflect.FieldDescriptor, v protoreflect.Value) (any, error) {
	switch {
	case fd.IsList():
		l := v.List()
		out := make([]any, l.Len())
		for i := range out {
			x, err := d.single1(s.Elem, fd, l.Get(i))
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case fd.IsMap():
		out := map[any]any{}
		var err error
		v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
			var kv, vv any
			if kv, err = d.single1(s.Key, fd.MapKey(), k.Value()); err != nil {
				return false
			}
			if vv, err = d.single1(s.Elem, fd.MapValue(), mv); err != nil {
				return false
			}
			out[kv] = vv
			return true
		})
		if err != nil {
			return nil, err
		}
		if s.Key.Type == connect.StringType {
			sm := make(map[string]any, len(out))
			for k, x := range out {
				sm[k.(string)] = x
			}
			return sm, nil
		}
		return out, nil
	}
	return d.single1(s, fd, v)
}

func (d dataConfig) single1(s *connect.Schema, fd protoreflect.FieldDescriptor, v protoreflect.Value) (any, error) {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		m := v.Message()
		f := m.Descriptor().Fields()
		switch s.Logical() {
		case connect.LogicalTimestamp:
			// Connect's Timestamp holds milliseconds, as Timestamps.toMillis.
			ms := m.Get(f.ByNumber(1)).Int()*1000 + m.Get(f.ByNumber(2)).Int()/1e6
			return time.UnixMilli(ms).UTC(), nil
		case connect.LogicalDate:
			y, mo, dd := m.Get(f.ByNumber(1)).Int(), m.Get(f.ByNumber(2)).Int(), m.Get(f.ByNumber(3)).Int()
			return time.Date(int(y), time.Month(mo), int(dd), 0, 0, 0, 0, time.UTC), nil
		case connect.LogicalTime:
			h, mi, se, n := m.Get(f.ByNumber(1)).Int(), m.Get(f.ByNumber(2)).Int(), m.Get(f.ByNumber(3)).Int(), m.Get(f.ByNumber(4)).Int()
			return time.Date(1970, 1, 1, int(h), int(mi), int(se), int(n/1e6*1e6), time.UTC), nil
		case connect.LogicalDecimal:
			b := m.Get(f.ByNumber(1)).Bytes()
			dec := connect.NewDecimal(0, int32(m.Get(f.ByNumber(3)).Int()))
			if len(b) > 0 {
				var err error
				if dec, err = connect.DecimalFromBytes(b, dec.Scale); err != nil {
					return nil, err
				}
			}
			// The message carries its own scale; Connect's schema fixes one.
			if want, err := s.DecimalScale(); err == nil && want != dec.Scale {
				return dec.Rescale(want)
			}
			return dec, nil
		}
		if s.Type != connect.StructType {
			return d.single1(s, f.ByNumber(1), m.Get(f.ByNumber(1)))
		}
		return d.toConnect(s, m)
	case protoreflect.EnumKind:
		n := v.Enum()
		if d.intForEnums {
			return int32(n), nil
		}
		ev := fd.Enum().Values().ByNumber(n)
		if ev == nil {
			return nil, fmt.Errorf("enum %s has no value %d", fd.Enum().FullName(), n)
		}
		return string(ev.Name()), nil
	case protoreflect.BoolKind:
		return v.Bool(), nil
	case protoreflect.StringKind:
		return v.String(), nil
	case protoreflect.BytesKind:
		return v.Bytes(), nil
	case protoreflect.FloatKind:
		return float32(v.Float()), nil
	case protoreflect.DoubleKind:
		return v.Float(), nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		switch s.Type {
		case connect.Int8Type:
			return int8(v.Int()), nil
		case connect.Int16Type:
			return int16(v.Int()), nil
		}
		return int32(v.Int()), nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return int64(v.Uint()), nil
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return int64(v.Uint()), nil
	default:
		return v.Int(), nil
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
