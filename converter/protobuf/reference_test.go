package protobuf

import (
	"errors"
	"slices"

	"fmt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"
	"math"
	"math/big"
	"strings"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/kconnect-go/kconnect/connect"
)

// The reference encoder and decoder: Connect values set on and read from a
// dynamicpb message, which google.golang.org/protobuf marshals and
// unmarshals. The converter writes and reads the bytes itself (encode.go,
// decode.go); the tests check it against these.

// fromConnect sets m's fields from st, as ProtobufData.fromConnectData.
func (d dataConfig) fromConnect(m protoreflect.Message, s *connect.Schema, st *connect.Struct) error {
	md := m.Descriptor()
	for _, f := range s.Fields {
		v := st.Get(f.Name)
		if v == nil {
			continue
		}
		if f.Schema.Type == connect.StructType && strings.HasPrefix(f.Schema.Name, unionName) {
			u, ok := v.(*connect.Struct)
			if !ok {
				return fmt.Errorf("field %s: %T is not a struct", f.Name, v)
			}
			for _, mf := range f.Schema.Fields {
				mv := u.Get(mf.Name)
				if mv == nil {
					continue
				}
				fd := md.Fields().ByName(protoreflect.Name(d.scrub(mf.Name)))
				if fd == nil {
					return fmt.Errorf("field %s.%s is not in message %s", f.Name, mf.Name, md.FullName())
				}
				if err := d.set(m, fd, mf.Schema, mv); err != nil {
					return fmt.Errorf("field %s.%s: %w", f.Name, mf.Name, err)
				}
				break
			}
			continue
		}
		fd := md.Fields().ByName(protoreflect.Name(d.scrub(f.Name)))
		if fd == nil {
			return fmt.Errorf("field %s is not in message %s", f.Name, md.FullName())
		}
		if err := d.set(m, fd, f.Schema, v); err != nil {
			return fmt.Errorf("field %s: %w", f.Name, err)
		}
	}
	return nil
}

func (d dataConfig) set(m protoreflect.Message, fd protoreflect.FieldDescriptor, s *connect.Schema, v any) error {
	switch {
	case isMap(fd) && !fd.IsMap():
		// Confluent's form of a map: repeated ...Entry messages, written
		// by key as the converter writes them.
		var keys []any
		vals := map[any]any{}
		switch mv := v.(type) {
		case map[string]any:
			for k, x := range mv {
				keys, vals[k] = append(keys, k), x
			}
		case map[any]any:
			for k, x := range mv {
				keys, vals[k] = append(keys, k), x
			}
		default:
			return fmt.Errorf("%T is not a map", v)
		}
		slices.SortFunc(keys, compareKeys)
		l := m.Mutable(fd).List()
		kd, vd := mapFields(fd)
		for _, k := range keys {
			e := l.NewElement()
			if err := d.set(e.Message(), kd, s.Key, k); err != nil {
				return fmt.Errorf("key: %w", err)
			}
			if err := d.set(e.Message(), vd, s.Elem, vals[k]); err != nil {
				return fmt.Errorf("key %v: %w", k, err)
			}
			l.Append(e)
		}
		return nil
	case fd.IsList():
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%T is not an array", v)
		}
		l := m.Mutable(fd).List()
		for i, x := range arr {
			if x == nil {
				return fmt.Errorf("element %d: a repeated field cannot hold null", i)
			}
			pv, err := d.protoValue(l.NewElement, fd, s.Elem, x)
			if err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
			l.Append(pv)
		}
		return nil
	case fd.IsMap():
		mp := m.Mutable(fd).Map()
		put := func(k, x any) error {
			if k == nil || x == nil {
				return errors.New("a map entry cannot hold null")
			}
			kv, err := d.protoValue(nil, fd.MapKey(), s.Key, k)
			if err != nil {
				return fmt.Errorf("key: %w", err)
			}
			vv, err := d.protoValue(mp.NewValue, fd.MapValue(), s.Elem, x)
			if err != nil {
				return fmt.Errorf("key %v: %w", k, err)
			}
			mp.Set(kv.MapKey(), vv)
			return nil
		}
		switch mv := v.(type) {
		case map[string]any:
			for k, x := range mv {
				if err := put(k, x); err != nil {
					return err
				}
			}
		case map[any]any:
			for k, x := range mv {
				if err := put(k, x); err != nil {
					return err
				}
			}
		case []connect.MapEntry:
			for _, e := range mv {
				if err := put(e.Key, e.Value); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("%T is not a map", v)
		}
		return nil
	}
	pv, err := d.protoValue(func() protoreflect.Value { return m.NewField(fd) }, fd, s, v)
	if err != nil {
		return err
	}
	m.Set(fd, pv)
	return nil
}

func (d dataConfig) protoValue(newMsg func() protoreflect.Value, fd protoreflect.FieldDescriptor, s *connect.Schema, v any) (protoreflect.Value, error) {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		pv := newMsg()
		m := pv.Message()
		f := m.Descriptor().Fields()
		switch s.Logical() {
		case connect.LogicalTimestamp, connect.LogicalDate, connect.LogicalTime:
			t, ok := v.(time.Time)
			if !ok {
				return pv, fmt.Errorf("%T is not a time.Time", v)
			}
			t = t.UTC()
			switch s.Logical() {
			case connect.LogicalTimestamp:
				// Connect's Timestamp holds milliseconds, as Timestamps.fromMillis.
				m.Set(f.ByNumber(1), protoreflect.ValueOfInt64(t.Unix()))
				m.Set(f.ByNumber(2), protoreflect.ValueOfInt32(int32(t.Nanosecond()/1e6*1e6)))
			case connect.LogicalDate:
				m.Set(f.ByNumber(1), protoreflect.ValueOfInt32(int32(t.Year())))
				m.Set(f.ByNumber(2), protoreflect.ValueOfInt32(int32(t.Month())))
				m.Set(f.ByNumber(3), protoreflect.ValueOfInt32(int32(t.Day())))
			default:
				m.Set(f.ByNumber(1), protoreflect.ValueOfInt32(int32(t.Hour())))
				m.Set(f.ByNumber(2), protoreflect.ValueOfInt32(int32(t.Minute())))
				m.Set(f.ByNumber(3), protoreflect.ValueOfInt32(int32(t.Second())))
				m.Set(f.ByNumber(4), protoreflect.ValueOfInt32(int32(t.Nanosecond()/1e6*1e6)))
			}
			return pv, nil
		case connect.LogicalDecimal:
			dec, ok := v.(connect.Decimal)
			if !ok {
				return pv, fmt.Errorf("%T is not a connect.Decimal", v)
			}
			// As DecimalUtils.fromBigDecimal: the unscaled value's two's
			// complement bytes, BigDecimal's precision and the scale.
			m.Set(f.ByNumber(1), protoreflect.ValueOfBytes(connect.DecimalBytes(nil, dec)))
			prec := 1
			if dec.Unscaled != nil && dec.Unscaled.Sign() != 0 {
				prec = len(new(big.Int).Abs(dec.Unscaled).String())
			}
			m.Set(f.ByNumber(2), protoreflect.ValueOfUint32(uint32(prec)))
			m.Set(f.ByNumber(3), protoreflect.ValueOfInt32(dec.Scale))
			return pv, nil
		}
		if s.Type == connect.StructType {
			st, ok := v.(*connect.Struct)
			if !ok {
				return pv, fmt.Errorf("%T is not a struct", v)
			}
			return pv, d.fromConnect(m, s, st)
		}
		// A wrapper: its value is field 1.
		inner, err := d.protoValue(nil, f.ByNumber(1), s, v)
		if err != nil {
			return pv, err
		}
		m.Set(f.ByNumber(1), inner)
		return pv, nil
	case protoreflect.EnumKind:
		switch x := v.(type) {
		case string:
			ev := fd.Enum().Values().ByName(protoreflect.Name(x))
			if ev == nil {
				return protoreflect.Value{}, fmt.Errorf("%q is not a symbol of enum %s", x, fd.Enum().FullName())
			}
			return protoreflect.ValueOfEnum(ev.Number()), nil
		case int32:
			return protoreflect.ValueOfEnum(protoreflect.EnumNumber(x)), nil
		}
		return protoreflect.Value{}, fmt.Errorf("%T is not an enum symbol", v)
	case protoreflect.BoolKind:
		if b, ok := v.(bool); ok {
			return protoreflect.ValueOfBool(b), nil
		}
	case protoreflect.StringKind:
		if x, ok := v.(string); ok {
			return protoreflect.ValueOfString(x), nil
		}
	case protoreflect.BytesKind:
		if x, ok := v.([]byte); ok {
			return protoreflect.ValueOfBytes(x), nil
		}
	case protoreflect.FloatKind:
		if x, ok := v.(float32); ok {
			return protoreflect.ValueOfFloat32(x), nil
		}
	case protoreflect.DoubleKind:
		if x, ok := v.(float64); ok {
			return protoreflect.ValueOfFloat64(x), nil
		}
	default:
		n, ok := integer(v)
		if !ok {
			break
		}
		switch fd.Kind() {
		case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
			if n < math.MinInt32 || n > math.MaxInt32 {
				return protoreflect.Value{}, fmt.Errorf("%d does not fit %s", n, fd.Kind())
			}
			return protoreflect.ValueOfInt32(int32(n)), nil
		case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
			if n < 0 || n > math.MaxUint32 {
				return protoreflect.Value{}, fmt.Errorf("%d does not fit %s", n, fd.Kind())
			}
			return protoreflect.ValueOfUint32(uint32(n)), nil
		case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
			return protoreflect.ValueOfUint64(uint64(n)), nil
		default:
			return protoreflect.ValueOfInt64(n), nil
		}
	}
	return protoreflect.Value{}, fmt.Errorf("%T does not fit a %s field", v, fd.Kind())
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
	case isMap(fd) && !fd.IsMap():
		l := v.List()
		kd, vd := mapFields(fd)
		out := map[any]any{}
		for i := range l.Len() {
			e := l.Get(i).Message()
			kv, err := d.single1(s.Key, kd, e.Get(kd))
			if err != nil {
				return nil, err
			}
			vv, err := d.single1(s.Elem, vd, e.Get(vd))
			if err != nil {
				return nil, err
			}
			out[kv] = vv
		}
		if s.Key.Type == connect.StringType {
			sm := make(map[string]any, len(out))
			for k, x := range out {
				sm[k.(string)] = x
			}
			return sm, nil
		}
		return out, nil
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
		// An absent bytes field is empty, as getField gives it in Java.
		return append([]byte{}, v.Bytes()...), nil
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

// unmarshal is proto.Unmarshal, turning a panic into an error: the
// library's reflective path panics on some malformed map entries of a
// dynamic message (a field of the wrong wire type where the key is).
func unmarshal(b []byte, m *dynamicpb.Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed Protobuf data: %v", r)
		}
	}()
	return proto.Unmarshal(b, m)
}
