package protobuf

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/kconnect-go/kconnect/connect"
)

// rplan is how a message is read into a struct of its Connect schema,
// built once per registered message: the Connect field each field number
// fills, and the value a field that is absent reads as. The bytes are read
// directly, not through a dynamic message, with google.golang.org/protobuf's
// rules (a field of another wire type is unknown and skipped, a repeated
// scalar may be packed or not, a message field seen twice is merged, proto3
// strings must be UTF-8), which the tests check against it.
type rplan struct {
	aux    int // fields that gather occurrences: repeated, maps, messages, oneof members
	schema *connect.Schema
	small  []*rfield // by number, for numbers below 128: no map lookup
	byNum  map[protowire.Number]*rfield
	fields []*rfield
}

type rfield struct {
	pos     int // in rplan.fields
	aux     int // in the states of a message being read; -1 for a scalar read in place
	idx     int // the Connect field, or the Union struct holding it
	uidx    int // the member of the Union struct; -1 outside oneofs
	in      *info
	schema  *connect.Schema // the field's (a member's, in a oneof)
	sub     *rplan          // the message of struct values
	key     *info           // of a map entry
	val     *info
	enumDef string // the symbol an absent enum reads as
}

func (d dataConfig) newRPlan(md protoreflect.MessageDescriptor, s *connect.Schema) *rplan {
	p := &rplan{schema: s, byNum: map[protowire.Number]*rfield{}}
	for i, f := range s.Fields {
		if f.Schema.Type == connect.StructType && strings.HasPrefix(f.Schema.Name, unionName+".") {
			od := oneofOf(md, f.Schema)
			if od == nil {
				continue
			}
			for j, m := range f.Schema.Fields {
				fd := od.Fields().ByName(protoreflect.Name(m.Name))
				if fd == nil {
					continue
				}
				rf := d.newRField(fd, m.Schema)
				rf.idx, rf.uidx = i, j
				p.add(rf)
			}
			continue
		}
		fd := md.Fields().ByName(protoreflect.Name(f.Name))
		if fd == nil {
			continue
		}
		rf := d.newRField(fd, f.Schema)
		rf.idx = i
		p.add(rf)
	}
	return p
}

func (p *rplan) add(rf *rfield) {
	rf.pos = len(p.fields)
	rf.aux = -1
	if n := int(rf.in.num); n < 128 {
		if n >= len(p.small) {
			p.small = append(p.small, make([]*rfield, n+1-len(p.small))...)
		}
		p.small[n] = rf
	}
	// An enum gathers too: a number it lacks is an error only if it is the
	// last one read, as google.golang.org/protobuf keeps the last.
	if rf.uidx >= 0 || rf.key != nil || rf.in.list || rf.in.kind == protoreflect.MessageKind || rf.in.kind == protoreflect.EnumKind {
		rf.aux = p.aux
		p.aux++
	}
	p.byNum[rf.in.num] = rf
	p.fields = append(p.fields, rf)
}

func (d dataConfig) newRField(fd protoreflect.FieldDescriptor, s *connect.Schema) *rfield {
	rf := &rfield{uidx: -1, in: newInfo(fd), schema: s}
	elem := s
	switch {
	case isMap(fd):
		kd, vd := mapFields(fd)
		rf.key, rf.val = newInfo(kd), newInfo(vd)
		if vd.Kind() == protoreflect.MessageKind && s.Elem.Type == connect.StructType && s.Elem.Logical() == connect.NotLogical {
			rf.sub = d.newRPlan(vd.Message(), s.Elem)
		}
		return rf
	case fd.IsList():
		elem = s.Elem
	}
	if fd.Kind() == protoreflect.MessageKind && elem.Type == connect.StructType && elem.Logical() == connect.NotLogical {
		rf.sub = d.newRPlan(fd.Message(), elem)
	}
	if fd.Kind() == protoreflect.EnumKind {
		if ev := fd.Enum().Values().ByNumber(fd.Default().Enum()); ev != nil {
			rf.enumDef = string(ev.Name())
		}
	}
	return rf
}

var errTruncated = errors.New("truncated or malformed Protobuf data")

// reader reads one payload. Its strings share one copy of the payload
// (one allocation, not one per string), as jsonconv's do.
type reader struct {
	src []byte
	str string // string(src), made at the first string
}

// read reads payload as a message of p.
func (d dataConfig) read(p *rplan, payload []byte) (*connect.Struct, error) {
	r := reader{src: payload}
	return r.readMessage(p, payload, 0)
}

// string returns x as a string, a substring of the payload's copy when x
// lies in the payload (a merged message's bytes do not).
func (r *reader) string(x []byte) string {
	if len(x) == 0 {
		return ""
	}
	off := cap(r.src) - cap(x)
	if off < 0 || off+len(x) > len(r.src) || &r.src[off] != &x[0] {
		return string(x)
	}
	if r.str == "" {
		r.str = string(r.src)
	}
	return r.str[off : off+len(x)]
}

// fieldState gathers a field's occurrences while a message is read.
type fieldState struct {
	seen bool
	val  connect.Value
	msg  []byte // a singular message's bytes, occurrences concatenated (merged)
	list []any
	smap map[string]any
	amap map[any]any
}

// readMessage reads b as a message of p.
func (r *reader) readMessage(p *rplan, b []byte, depth int) (*connect.Struct, error) {
	if depth > 100 {
		return nil, errors.New("messages nested too deep")
	}
	// Scalars outside oneofs go straight into the Struct; the rest gather
	// their occurrences first.
	out := connect.NewStruct(p.schema)
	var seen uint64
	var seenMore []bool
	if len(p.fields) > 64 {
		seenMore = make([]bool, len(p.fields))
	}
	var buf [4]fieldState
	states := buf[:0]
	if p.aux <= len(buf) {
		states = buf[:p.aux]
	} else {
		states = make([]fieldState, p.aux)
	}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, errTruncated
		}
		b = b[n:]
		var rf *rfield
		if int(num) < len(p.small) {
			rf = p.small[num]
		} else if num >= 128 {
			rf = p.byNum[num]
		}
		if rf == nil || !wireMatches(rf, typ) {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return nil, errTruncated
			}
			b = b[n:]
			continue
		}
		if rf.aux < 0 {
			v, n, err := r.readScalar(rf.in, rf.schema, typ, b)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", rf.in.fd.Name(), err)
			}
			b = b[n:]
			if err := out.SetAt(rf.idx, v); err != nil {
				return nil, err
			}
			if seenMore != nil {
				seenMore[rf.pos] = true
			} else {
				seen |= 1 << rf.pos
			}
			continue
		}
		st := &states[rf.aux]
		var err error
		if b, err = r.readField(rf, st, typ, b, depth); err != nil {
			return nil, fmt.Errorf("field %s: %w", rf.in.fd.Name(), err)
		}
		if rf.uidx >= 0 {
			// Setting a oneof member clears the others.
			for _, o := range p.fields {
				if o != rf && o.uidx >= 0 && o.idx == rf.idx {
					states[o.aux] = fieldState{}
				}
			}
		}
	}
	var unions map[int]*connect.Struct
	for _, rf := range p.fields {
		if rf.aux < 0 {
			if (seenMore != nil && seenMore[rf.pos]) || (seenMore == nil && seen&(1<<rf.pos) != 0) {
				continue
			}
			if v := zeroValue(rf.in, rf.schema, rf.enumDef); !rf.in.presence {
				if err := out.SetAt(rf.idx, v); err != nil {
					return nil, err
				}
			}
			continue
		}
		v, err := r.finish(rf, &states[rf.aux], depth)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", rf.in.fd.Name(), err)
		}
		if v.IsNull() {
			continue
		}
		if rf.uidx >= 0 {
			if unions == nil {
				unions = map[int]*connect.Struct{}
			}
			u := unions[rf.idx]
			if u == nil {
				u = connect.NewStruct(p.schema.Fields[rf.idx].Schema)
				unions[rf.idx] = u
			}
			if err := u.SetAt(rf.uidx, v); err != nil {
				return nil, err
			}
			continue
		}
		if err := out.SetAt(rf.idx, v); err != nil {
			return nil, err
		}
	}
	for i, u := range unions {
		if err := out.SetAt(i, connect.AnyValue(u)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func wireMatches(rf *rfield, typ protowire.Type) bool {
	if rf.key != nil || rf.in.kind == protoreflect.MessageKind {
		return typ == protowire.BytesType
	}
	want := wireType(rf.in.kind)
	if rf.in.list && typ == protowire.BytesType && want != protowire.BytesType {
		return true // packed
	}
	return typ == want
}

func (r *reader) readField(rf *rfield, st *fieldState, typ protowire.Type, b []byte, depth int) ([]byte, error) {
	in := rf.in
	switch {
	case rf.key != nil:
		entry, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return nil, errTruncated
		}
		if err := r.readEntry(rf, st, entry, depth); err != nil {
			return nil, err
		}
		st.seen = true
		return b[n:], nil
	case in.list:
		if typ == protowire.BytesType && wireType(in.kind) != protowire.BytesType {
			packed, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, errTruncated
			}
			et := wireType(in.kind)
			for len(packed) > 0 {
				v, k, err := r.readScalar(in, rf.schema.Elem, et, packed)
				if err != nil {
					return nil, err
				}
				packed = packed[k:]
				st.list = append(st.list, v.Any())
			}
			st.seen = true
			return b[n:], nil
		}
		if in.kind == protoreflect.MessageKind {
			body, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, errTruncated
			}
			v, err := r.readMessageValue(rf, rf.schema.Elem, body, depth)
			if err != nil {
				return nil, err
			}
			st.list = append(st.list, v.Any())
			st.seen = true
			return b[n:], nil
		}
		v, n, err := r.readScalar(in, rf.schema.Elem, typ, b)
		if err != nil {
			return nil, err
		}
		st.list = append(st.list, v.Any())
		st.seen = true
		return b[n:], nil
	case in.kind == protoreflect.MessageKind:
		body, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return nil, errTruncated
		}
		if st.seen {
			st.msg = append(st.msg[:len(st.msg):len(st.msg)], body...)
		} else {
			st.msg = body
		}
		st.seen = true
		return b[n:], nil
	}
	if in.kind == protoreflect.EnumKind {
		x, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return nil, errTruncated
		}
		st.val, st.seen = connect.Int32Value(int32(x)), true
		return b[n:], nil
	}
	v, n, err := r.readScalar(in, rf.schema, typ, b)
	if err != nil {
		return nil, err
	}
	st.val, st.seen = v, true
	return b[n:], nil
}

func (r *reader) readEntry(rf *rfield, st *fieldState, b []byte, depth int) error {
	var k, v connect.Value
	var vmsg []byte
	vseen := false
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errTruncated
		}
		b = b[n:]
		var in *info
		var s *connect.Schema
		switch num {
		case 1:
			in, s = rf.key, rf.schema.Key
		case 2:
			in, s = rf.val, rf.schema.Elem
		}
		if in == nil || typ != wireType(in.kind) {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return errTruncated
			}
			b = b[n:]
			continue
		}
		if in.kind == protoreflect.MessageKind {
			body, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return errTruncated
			}
			vmsg = append(vmsg[:len(vmsg):len(vmsg)], body...)
			vseen = true
			b = b[n:]
			continue
		}
		x, n, err := r.readScalar(in, s, typ, b)
		if err != nil {
			return err
		}
		b = b[n:]
		if num == 1 {
			k = x
		} else {
			v, vseen = x, true
		}
	}
	if k.IsNull() {
		k = zeroValue(rf.key, rf.schema.Key, "")
	}
	if rf.val.kind == protoreflect.MessageKind {
		x, err := r.readMessageValue(&rfield{in: rf.val, sub: rf.sub}, rf.schema.Elem, vmsg, depth)
		if err != nil {
			return err
		}
		v = x
	} else if !vseen {
		v = zeroValue(rf.val, rf.schema.Elem, enumDefault(rf.val))
	}
	if rf.schema.Key.Type == connect.StringType {
		if st.smap == nil {
			st.smap = map[string]any{}
		}
		st.smap[k.Str()] = v.Any()
	} else {
		if st.amap == nil {
			st.amap = map[any]any{}
		}
		st.amap[k.Any()] = v.Any()
	}
	return nil
}

func enumDefault(in *info) string {
	if in.kind != protoreflect.EnumKind {
		return ""
	}
	if ev := in.fd.Enum().Values().ByNumber(in.fd.Default().Enum()); ev != nil {
		return string(ev.Name())
	}
	return ""
}

// finish is the Connect value of a field once its message is read.
func (r *reader) finish(rf *rfield, st *fieldState, depth int) (connect.Value, error) {
	in := rf.in
	switch {
	case rf.key != nil:
		if rf.schema.Key.Type == connect.StringType {
			if st.smap == nil {
				st.smap = map[string]any{}
			}
			return connect.AnyValue(st.smap), nil
		}
		if st.amap == nil {
			st.amap = map[any]any{}
		}
		return connect.AnyValue(st.amap), nil
	case in.list:
		if st.list == nil {
			st.list = []any{}
		}
		return connect.AnyValue(st.list), nil
	case in.kind == protoreflect.MessageKind:
		if !st.seen {
			return connect.Value{}, nil
		}
		return r.readMessageValue(rf, rf.schema, st.msg, depth)
	}
	if st.seen && in.kind == protoreflect.EnumKind {
		num := protoreflect.EnumNumber(st.val.Int64())
		if rf.schema.Type == connect.Int32Type {
			return st.val, nil
		}
		ev := in.fd.Enum().Values().ByNumber(num)
		if ev == nil {
			return connect.Value{}, fmt.Errorf("enum %s has no value %d", in.fd.Enum().FullName(), num)
		}
		return connect.StringValue(string(ev.Name())), nil
	}
	if st.seen {
		return st.val, nil
	}
	if in.presence {
		return connect.Value{}, nil
	}
	return zeroValue(in, rf.schema, rf.enumDef), nil
}

// zeroValue is what an absent proto3 scalar reads as.
func zeroValue(in *info, s *connect.Schema, enumDef string) connect.Value {
	switch in.kind {
	case protoreflect.EnumKind:
		if s.Type == connect.Int32Type {
			return connect.Int32Value(int32(in.fd.Default().Enum()))
		}
		return connect.StringValue(enumDef)
	case protoreflect.BoolKind:
		return connect.BoolValue(false)
	case protoreflect.StringKind:
		return connect.StringValue("")
	case protoreflect.BytesKind:
		return connect.BytesValue([]byte{})
	case protoreflect.FloatKind:
		return connect.Float32Value(0)
	case protoreflect.DoubleKind:
		return connect.Float64Value(0)
	}
	return intValue(s, 0)
}

func intValue(s *connect.Schema, n int64) connect.Value {
	switch s.Type {
	case connect.Int8Type:
		return connect.Int8Value(int8(n))
	case connect.Int16Type:
		return connect.Int16Value(int16(n))
	case connect.Int32Type:
		return connect.Int32Value(int32(n))
	}
	return connect.Int64Value(n)
}

// readScalar reads one scalar or enum value of wire type typ.
func (r *reader) readScalar(in *info, s *connect.Schema, typ protowire.Type, b []byte) (connect.Value, int, error) {
	switch typ {
	case protowire.VarintType:
		x, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return connect.Value{}, 0, errTruncated
		}
		switch in.kind {
		case protoreflect.BoolKind:
			return connect.BoolValue(x != 0), n, nil
		case protoreflect.EnumKind:
			num := protoreflect.EnumNumber(int32(x))
			if s.Type == connect.Int32Type {
				return connect.Int32Value(int32(num)), n, nil
			}
			ev := in.fd.Enum().Values().ByNumber(num)
			if ev == nil {
				return connect.Value{}, 0, fmt.Errorf("enum %s has no value %d", in.fd.Enum().FullName(), num)
			}
			return connect.StringValue(string(ev.Name())), n, nil
		case protoreflect.Int32Kind:
			return intValue(s, int64(int32(x))), n, nil
		case protoreflect.Sint32Kind:
			return intValue(s, int64(int32(protowire.DecodeZigZag(x&math.MaxUint32)))), n, nil
		case protoreflect.Uint32Kind:
			return intValue(s, int64(uint32(x))), n, nil
		case protoreflect.Sint64Kind:
			return intValue(s, protowire.DecodeZigZag(x)), n, nil
		default: // int64, uint64
			return intValue(s, int64(x)), n, nil
		}
	case protowire.Fixed32Type:
		x, n := protowire.ConsumeFixed32(b)
		if n < 0 {
			return connect.Value{}, 0, errTruncated
		}
		switch in.kind {
		case protoreflect.FloatKind:
			return connect.Float32Value(math.Float32frombits(x)), n, nil
		case protoreflect.Sfixed32Kind:
			return intValue(s, int64(int32(x))), n, nil
		}
		return intValue(s, int64(x)), n, nil
	case protowire.Fixed64Type:
		x, n := protowire.ConsumeFixed64(b)
		if n < 0 {
			return connect.Value{}, 0, errTruncated
		}
		if in.kind == protoreflect.DoubleKind {
			return connect.Float64Value(math.Float64frombits(x)), n, nil
		}
		return intValue(s, int64(x)), n, nil
	case protowire.BytesType:
		x, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return connect.Value{}, 0, errTruncated
		}
		if in.kind == protoreflect.StringKind {
			if !utf8.Valid(x) {
				return connect.Value{}, 0, errors.New("a string field holds invalid UTF-8")
			}
			return connect.StringValue(r.string(x)), n, nil
		}
		return connect.BytesValue(append([]byte{}, x...)), n, nil
	}
	return connect.Value{}, 0, errTruncated
}

// readMessageValue reads a message field's body: a logical type, a
// wrapper or a struct.
func (r *reader) readMessageValue(rf *rfield, s *connect.Schema, b []byte, depth int) (connect.Value, error) {
	switch s.Logical() {
	case connect.LogicalTimestamp, connect.LogicalDate, connect.LogicalTime, connect.LogicalDecimal:
		var f [4]int64
		var raw []byte
		for len(b) > 0 {
			num, typ, n := protowire.ConsumeTag(b)
			if n < 0 {
				return connect.Value{}, errTruncated
			}
			b = b[n:]
			if s.Logical() == connect.LogicalDecimal && num == 1 && typ == protowire.BytesType {
				v, n := protowire.ConsumeBytes(b)
				if n < 0 {
					return connect.Value{}, errTruncated
				}
				raw, b = v, b[n:]
				continue
			}
			if num >= 1 && num <= 4 && typ == protowire.VarintType {
				v, n := protowire.ConsumeVarint(b)
				if n < 0 {
					return connect.Value{}, errTruncated
				}
				f[num-1] = int64(v)
				if num > 1 || s.Logical() != connect.LogicalTimestamp {
					f[num-1] = int64(int32(v))
				}
				b = b[n:]
				continue
			}
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return connect.Value{}, errTruncated
			}
			b = b[n:]
		}
		switch s.Logical() {
		case connect.LogicalTimestamp:
			// Connect's Timestamp holds milliseconds, as Timestamps.toMillis.
			return connect.TimeValue(time.UnixMilli(f[0]*1000 + f[1]/1e6)), nil
		case connect.LogicalDate:
			return connect.TimeValue(time.Date(int(f[0]), time.Month(f[1]), int(f[2]), 0, 0, 0, 0, time.UTC)), nil
		case connect.LogicalTime:
			return connect.TimeValue(time.Date(1970, 1, 1, int(f[0]), int(f[1]), int(f[2]), int(f[3]/1e6*1e6), time.UTC)), nil
		}
		dec := connect.NewDecimal(0, int32(f[2]))
		if len(raw) > 0 {
			var err error
			if dec, err = connect.DecimalFromBytes(raw, dec.Scale); err != nil {
				return connect.Value{}, err
			}
		}
		// The message carries its own scale; Connect's schema fixes one.
		if want, err := s.DecimalScale(); err == nil && want != dec.Scale {
			if dec, err = dec.Rescale(want); err != nil {
				return connect.Value{}, err
			}
		}
		return connect.DecimalValue(dec), nil
	}
	if rf.sub != nil {
		st, err := r.readMessage(rf.sub, b, depth+1)
		if err != nil {
			return connect.Value{}, err
		}
		return connect.AnyValue(st), nil
	}
	if w := rf.in.wrapper; w != nil {
		v := zeroValue(w, s, "")
		for len(b) > 0 {
			num, typ, n := protowire.ConsumeTag(b)
			if n < 0 {
				return connect.Value{}, errTruncated
			}
			b = b[n:]
			if num == 1 && typ == wireType(w.kind) {
				x, n, err := r.readScalar(w, s, typ, b)
				if err != nil {
					return connect.Value{}, err
				}
				v, b = x, b[n:]
				continue
			}
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return connect.Value{}, errTruncated
			}
			b = b[n:]
		}
		return v, nil
	}
	return connect.Value{}, fmt.Errorf("message %s has no Connect form", rf.in.fd.Message().FullName())
}
