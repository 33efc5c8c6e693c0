package protobuf

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/kconnect-go/kconnect/connect"
)

// plan is how a struct of one Connect schema is written as one message:
// its fields in the order google.golang.org/protobuf's deterministic
// marshalling writes them (fields outside oneofs by number, then the
// oneofs by declaration), so that the bytes are the ones proto.Marshal
// gives for the same message, which the tests check.
type plan struct {
	fields []planField
}

// info is what the encoder asks of a field descriptor, read once:
// protocompile's descriptors resolve kind and presence on every call.
type info struct {
	fd       protoreflect.FieldDescriptor
	kind     protoreflect.Kind
	num      protowire.Number
	presence bool
	packed   bool
	list     bool
	wrapper  *info // a wrapper message's value field
}

func newInfo(fd protoreflect.FieldDescriptor) *info {
	in := &info{fd: fd, kind: fd.Kind(), num: fd.Number(), presence: fd.HasPresence(), packed: fd.IsPacked(), list: fd.IsList()}
	if in.kind == protoreflect.MessageKind && !isMap(fd) {
		if _, ok := wrapperType(fd.Message()); ok && fd.Message().Fields().Len() == 1 {
			in.wrapper = newInfo(fd.Message().Fields().Get(0))
		}
	}
	return in
}

type planField struct {
	idx    int // the Connect field's index
	in     *info
	key    *info // of a map entry
	val    *info
	fd     protoreflect.FieldDescriptor
	schema *connect.Schema
	sub    *plan       // the message of a struct field, element or map value
	union  []planField // a Union struct's members; fd is nil
}

func (d dataConfig) newPlan(md protoreflect.MessageDescriptor, s *connect.Schema) (*plan, error) {
	p := &plan{}
	oneofIndex := map[int]int{}
	for i, f := range s.Fields {
		fs := f.Schema
		if fs.Type == connect.StructType && strings.HasPrefix(fs.Name, unionName) {
			pf := planField{idx: i, schema: fs}
			oneof := -1
			for j, m := range fs.Fields {
				fd := md.Fields().ByName(protoreflect.Name(d.scrub(m.Name)))
				if fd == nil {
					return nil, fmt.Errorf("field %s.%s is not in message %s", f.Name, m.Name, md.FullName())
				}
				if od := fd.ContainingOneof(); od != nil {
					oneof = od.Index()
				}
				mp, err := d.memberPlan(fd, m.Schema)
				if err != nil {
					return nil, fmt.Errorf("field %s.%s: %w", f.Name, m.Name, err)
				}
				pf.union = append(pf.union, newPlanField(j, fd, m.Schema, mp))
			}
			oneofIndex[len(p.fields)] = oneof
			p.fields = append(p.fields, pf)
			continue
		}
		fd := md.Fields().ByName(protoreflect.Name(d.scrub(f.Name)))
		if fd == nil {
			return nil, fmt.Errorf("field %s is not in message %s", f.Name, md.FullName())
		}
		sub, err := d.memberPlan(fd, fs)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Name, err)
		}
		p.fields = append(p.fields, newPlanField(i, fd, fs, sub))
	}
	// Union fields sort after the others, by their oneof's index.
	key := func(i int, f planField) (int, int) {
		if f.fd == nil {
			return 1, oneofIndex[i]
		}
		if od := f.fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			return 1, od.Index()
		}
		return 0, int(f.fd.Number())
	}
	order := make([]int, len(p.fields))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ga, ka := key(a, p.fields[a])
		gb, kb := key(b, p.fields[b])
		return cmp.Or(cmp.Compare(ga, gb), cmp.Compare(ka, kb))
	})
	sorted := make([]planField, len(order))
	for i, j := range order {
		sorted[i] = p.fields[j]
	}
	p.fields = sorted
	return p, nil
}

func newPlanField(idx int, fd protoreflect.FieldDescriptor, s *connect.Schema, sub *plan) planField {
	pf := planField{idx: idx, fd: fd, in: newInfo(fd), schema: s, sub: sub}
	if isMap(fd) {
		kd, vd := mapFields(fd)
		pf.key, pf.val = newInfo(kd), newInfo(vd)
	}
	return pf
}

// memberPlan is the plan of the message a field of schema s holds, if it
// holds structs.
func (d dataConfig) memberPlan(fd protoreflect.FieldDescriptor, s *connect.Schema) (*plan, error) {
	switch {
	case isMap(fd):
		_, vd := mapFields(fd)
		if vd.Kind() == protoreflect.MessageKind && s.Elem.Type == connect.StructType && s.Elem.Logical() == connect.NotLogical {
			return d.newPlan(vd.Message(), s.Elem)
		}
		return nil, nil
	case fd.IsList():
		s = s.Elem
	}
	if fd.Kind() == protoreflect.MessageKind && s.Type == connect.StructType && s.Logical() == connect.NotLogical {
		return d.newPlan(fd.Message(), s)
	}
	return nil, nil
}

// appendMessage appends the fields of st; the caller writes the length.
func (d dataConfig) appendMessage(dst []byte, p *plan, st *connect.Struct) ([]byte, error) {
	var err error
	for _, pf := range p.fields {
		v := st.At(pf.idx)
		if v.IsNull() {
			if pf.schema.Default == nil {
				continue
			}
			v = connect.AnyValue(pf.schema.Default)
		}
		if pf.fd == nil {
			u, ok := v.Ref().(*connect.Struct)
			if !ok {
				return nil, fmt.Errorf("field %s: %v is not a struct", pf.schema.Name, v.Kind())
			}
			for _, m := range pf.union {
				mv := u.At(m.idx)
				if mv.IsNull() {
					continue
				}
				if dst, err = d.appendField(dst, m, mv); err != nil {
					return nil, fmt.Errorf("field %s: %w", m.fd.Name(), err)
				}
				break
			}
			continue
		}
		if dst, err = d.appendField(dst, pf, v); err != nil {
			return nil, fmt.Errorf("field %s: %w", pf.fd.Name(), err)
		}
	}
	return dst, nil
}

func (d dataConfig) appendField(dst []byte, pf planField, v connect.Value) ([]byte, error) {
	in := pf.in
	var err error
	switch {
	case pf.key != nil:
		return d.appendMap(dst, pf, v)
	case in.list:
		arr, ok := v.Ref().([]any)
		if !ok {
			return nil, fmt.Errorf("%v is not an array", v.Kind())
		}
		if len(arr) == 0 {
			return dst, nil
		}
		if in.packed {
			dst = protowire.AppendTag(dst, in.num, protowire.BytesType)
			start := len(dst)
			for i, x := range arr {
				if x == nil {
					return nil, fmt.Errorf("element %d: a repeated field cannot hold null", i)
				}
				if dst, err = d.appendScalar(dst, in, connect.AnyValue(x)); err != nil {
					return nil, fmt.Errorf("element %d: %w", i, err)
				}
			}
			return closeLength(dst, start), nil
		}
		for i, x := range arr {
			if x == nil {
				return nil, fmt.Errorf("element %d: a repeated field cannot hold null", i)
			}
			if dst, err = d.appendOne(dst, in, pf.schema.Elem, pf.sub, connect.AnyValue(x)); err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
		}
		return dst, nil
	}
	if !in.presence {
		// proto3 writes no scalar that holds its zero value.
		if in.kind == protoreflect.EnumKind {
			if n, err := enumNumber(in.fd, v); err == nil && n == 0 {
				return dst, nil
			}
		} else if in.kind != protoreflect.MessageKind && isZero(v) {
			return dst, nil
		}
	}
	return d.appendOne(dst, in, pf.schema, pf.sub, v)
}

// appendOne appends one tagged value of fd.
func (d dataConfig) appendOne(dst []byte, in *info, s *connect.Schema, sub *plan, v connect.Value) ([]byte, error) {
	if in.kind == protoreflect.MessageKind {
		dst = protowire.AppendTag(dst, in.num, protowire.BytesType)
		start := len(dst)
		dst, err := d.appendMessageValue(dst, in, s, sub, v)
		if err != nil {
			return nil, err
		}
		return closeLength(dst, start), nil
	}
	dst = protowire.AppendTag(dst, in.num, wireType(in.kind))
	return d.appendScalar(dst, in, v)
}

func (d dataConfig) appendMap(dst []byte, pf planField, v connect.Value) ([]byte, error) {
	type entry struct{ k, v any }
	var entries []entry
	switch m := v.Ref().(type) {
	case map[string]any:
		for k, x := range m {
			entries = append(entries, entry{k, x})
		}
	case map[any]any:
		for k, x := range m {
			entries = append(entries, entry{k, x})
		}
	case []connect.MapEntry:
		for _, e := range m {
			entries = append(entries, entry{e.Key, e.Value})
		}
	default:
		return nil, fmt.Errorf("%v is not a map", v.Kind())
	}
	// Deterministic, as proto.Marshal's: by key.
	slices.SortFunc(entries, func(a, b entry) int { return compareKeys(a.k, b.k) })
	var err error
	for _, e := range entries {
		if e.k == nil || e.v == nil {
			return nil, errors.New("a map entry cannot hold null")
		}
		dst = protowire.AppendTag(dst, pf.in.num, protowire.BytesType)
		start := len(dst)
		k, x := connect.AnyValue(e.k), connect.AnyValue(e.v)
		// In a map field both are written; in Confluent's repeated ...Entry
		// messages, proto3 fields, a zero scalar is left out as in any
		// message.
		entryMsg := !pf.in.fd.IsMap()
		if !entryMsg || !zeroScalar(pf.key, k) {
			if dst, err = d.appendOne(dst, pf.key, pf.schema.Key, nil, k); err != nil {
				return nil, fmt.Errorf("key %v: %w", e.k, err)
			}
		}
		if !entryMsg || !zeroScalar(pf.val, x) {
			if dst, err = d.appendOne(dst, pf.val, pf.schema.Elem, pf.sub, x); err != nil {
				return nil, fmt.Errorf("key %v: %w", e.k, err)
			}
		}
		dst = closeLength(dst, start)
	}
	return dst, nil
}

func compareKeys(a, b any) int {
	switch x := a.(type) {
	case string:
		y, _ := b.(string)
		return strings.Compare(x, y)
	case bool:
		y, _ := b.(bool)
		if x == y {
			return 0
		}
		if !x {
			return -1
		}
		return 1
	}
	x, _ := integer(a)
	y, _ := integer(b)
	return cmp.Compare(x, y)
}

// appendMessageValue appends the body of a message field's value.
func (d dataConfig) appendMessageValue(dst []byte, in *info, s *connect.Schema, sub *plan, v connect.Value) ([]byte, error) {
	switch s.Logical() {
	case connect.LogicalTimestamp, connect.LogicalDate, connect.LogicalTime:
		if v.Kind() != connect.KindTime {
			return nil, fmt.Errorf("%v is not a time", v.Kind())
		}
		t := v.Time()
		var f [4]int64
		switch s.Logical() {
		case connect.LogicalTimestamp:
			// Connect's Timestamp holds milliseconds, as Timestamps.fromMillis.
			f = [4]int64{t.Unix(), int64(t.Nanosecond() / 1e6 * 1e6)}
		case connect.LogicalDate:
			f = [4]int64{int64(t.Year()), int64(t.Month()), int64(t.Day())}
		default:
			f = [4]int64{int64(t.Hour()), int64(t.Minute()), int64(t.Second()), int64(t.Nanosecond() / 1e6 * 1e6)}
		}
		for i, x := range f {
			if x != 0 {
				dst = protowire.AppendTag(dst, protowire.Number(i+1), protowire.VarintType)
				dst = protowire.AppendVarint(dst, uint64(x))
			}
		}
		return dst, nil
	case connect.LogicalDecimal:
		if v.Kind() != connect.KindDecimal {
			return nil, fmt.Errorf("%v is not a decimal", v.Kind())
		}
		// As DecimalUtils.fromBigDecimal: the unscaled value's two's
		// complement bytes, BigDecimal's precision and the scale.
		dec := v.Decimal()
		dst = protowire.AppendTag(dst, 1, protowire.BytesType)
		dst = protowire.AppendBytes(dst, connect.DecimalBytes(nil, dec))
		prec := 1
		if dec.Unscaled != nil && dec.Unscaled.Sign() != 0 {
			prec = len(new(big.Int).Abs(dec.Unscaled).String())
		}
		dst = protowire.AppendTag(dst, 2, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(prec))
		if dec.Scale != 0 {
			dst = protowire.AppendTag(dst, 3, protowire.VarintType)
			dst = protowire.AppendVarint(dst, uint64(int64(dec.Scale)))
		}
		return dst, nil
	}
	if sub != nil {
		st, ok := v.Ref().(*connect.Struct)
		if !ok {
			return nil, fmt.Errorf("%v is not a struct", v.Kind())
		}
		return d.appendMessage(dst, sub, st)
	}
	if w := in.wrapper; w != nil {
		// A wrapper: its value is field 1, left out when zero.
		if isZero(v) {
			return dst, nil
		}
		dst = protowire.AppendTag(dst, w.num, wireType(w.kind))
		return d.appendScalar(dst, w, v)
	}
	return nil, fmt.Errorf("a %s value does not fit message %s", s.Type, in.fd.Message().FullName())
}

func wireType(k protoreflect.Kind) protowire.Type {
	switch k {
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
		return protowire.Fixed32Type
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
		return protowire.Fixed64Type
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
		return protowire.BytesType
	}
	return protowire.VarintType
}

// zeroScalar reports whether v, a value of the field in, is a zero
// scalar, which a proto3 field without presence leaves out.
func zeroScalar(in *info, v connect.Value) bool {
	if in.presence || in.kind == protoreflect.MessageKind || in.kind == protoreflect.GroupKind || in.kind == protoreflect.EnumKind {
		return false
	}
	return isZero(v)
}

func isZero(v connect.Value) bool {
	switch v.Kind() {
	case connect.KindInt8, connect.KindInt16, connect.KindInt32, connect.KindInt64:
		return v.Int64() == 0
	case connect.KindFloat32:
		return math.Float32bits(v.Float32()) == 0
	case connect.KindFloat64:
		return math.Float64bits(v.Float64()) == 0
	case connect.KindBool:
		return !v.Bool()
	case connect.KindString:
		return v.Str() == ""
	case connect.KindBytes:
		return len(v.Bytes()) == 0
	}
	return false
}

func isInt(k connect.Kind) bool {
	return k == connect.KindInt8 || k == connect.KindInt16 || k == connect.KindInt32 || k == connect.KindInt64
}

// enumNumber is the number of an enum value given as its symbol or, with
// int.for.enums, its number.
func enumNumber(fd protoreflect.FieldDescriptor, v connect.Value) (int32, error) {
	switch k := v.Kind(); {
	case k == connect.KindString:
		ev := fd.Enum().Values().ByName(protoreflect.Name(v.Str()))
		if ev == nil {
			return 0, fmt.Errorf("%q is not a symbol of enum %s", v.Str(), fd.Enum().FullName())
		}
		return int32(ev.Number()), nil
	case isInt(k):
		n := v.Int64()
		if n < math.MinInt32 || n > math.MaxInt32 {
			return 0, fmt.Errorf("%d is not an enum number", n)
		}
		return int32(n), nil
	default:
		return 0, fmt.Errorf("%v is not an enum symbol", k)
	}
}

// appendScalar appends a scalar or enum value without its tag.
func (d dataConfig) appendScalar(dst []byte, in *info, v connect.Value) ([]byte, error) {
	k := v.Kind()
	switch in.kind {
	case protoreflect.EnumKind:
		n, err := enumNumber(in.fd, v)
		if err != nil {
			return nil, err
		}
		return protowire.AppendVarint(dst, uint64(int64(n))), nil
	case protoreflect.BoolKind:
		if k == connect.KindBool {
			return protowire.AppendVarint(dst, protowire.EncodeBool(v.Bool())), nil
		}
	case protoreflect.StringKind:
		if k == connect.KindString {
			return protowire.AppendString(dst, v.Str()), nil
		}
	case protoreflect.BytesKind:
		if k == connect.KindBytes {
			return protowire.AppendBytes(dst, v.Bytes()), nil
		}
	case protoreflect.FloatKind:
		if k == connect.KindFloat32 {
			return protowire.AppendFixed32(dst, math.Float32bits(v.Float32())), nil
		}
	case protoreflect.DoubleKind:
		if k == connect.KindFloat64 {
			return protowire.AppendFixed64(dst, math.Float64bits(v.Float64())), nil
		}
	default:
		if !isInt(k) {
			break
		}
		n := v.Int64()
		switch in.kind {
		case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
			if n < math.MinInt32 || n > math.MaxInt32 {
				return nil, fmt.Errorf("%d does not fit %s", n, in.kind)
			}
			switch in.kind {
			case protoreflect.Sint32Kind:
				return protowire.AppendVarint(dst, protowire.EncodeZigZag(n)), nil
			case protoreflect.Sfixed32Kind:
				return protowire.AppendFixed32(dst, uint32(int32(n))), nil
			}
			return protowire.AppendVarint(dst, uint64(n)), nil
		case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
			if n < 0 || n > math.MaxUint32 {
				return nil, fmt.Errorf("%d does not fit %s", n, in.kind)
			}
			if in.kind == protoreflect.Fixed32Kind {
				return protowire.AppendFixed32(dst, uint32(n)), nil
			}
			return protowire.AppendVarint(dst, uint64(n)), nil
		case protoreflect.Sint64Kind:
			return protowire.AppendVarint(dst, protowire.EncodeZigZag(n)), nil
		case protoreflect.Sfixed64Kind, protoreflect.Fixed64Kind:
			return protowire.AppendFixed64(dst, uint64(n)), nil
		default: // int64, uint64
			return protowire.AppendVarint(dst, uint64(n)), nil
		}
	}
	return nil, fmt.Errorf("%v does not fit a %s field", k, in.kind)
}

// closeLength writes the length of dst[start:] before it, as a varint,
// moving the body when the length takes more than the one byte reserved.
func closeLength(dst []byte, start int) []byte {
	n := len(dst) - start
	size := protowire.SizeVarint(uint64(n))
	dst = append(dst, make([]byte, size)...)
	copy(dst[start+size:], dst[start:start+n])
	protowire.AppendVarint(dst[:start], uint64(n))
	return dst
}
