package avro

import (
	"math"
	"unsafe"

	"github.com/kconnect-go/kconnect/connect"
)

// A record's fields of the common shapes (a number, boolean or string read
// as the same Connect type, a timestamp, an array of strings, each
// possibly in a union with null) are read inline by the record's loop,
// straight into the Struct, rather than through decode's general switch
// and the Value it returns: for small records that call and copy cost as
// much as reading the bytes. Only the well-formed case is read inline;
// anything else (truncated data, a bad boolean byte, an int out of range,
// a union branch that is not the expected one) rewinds to the field's
// first byte and takes the general decoder, which fails or resolves it
// exactly as before.

// fastOp is how a field is read inline; fastNone takes decode.
type fastOp uint8

const (
	fastNone      fastOp = iota
	fastInt32            // Avro int as INT32
	fastInt64            // Avro int or long as INT64
	fastTimestamp        // Avro int or long as a Timestamp
	fastFloat32          // Avro float as FLOAT32
	fastFloat64          // Avro double as FLOAT64
	fastBool             // Avro boolean as BOOLEAN
	fastString           // Avro string or bytes as STRING
	fastStrings          // Avro array of strings as ARRAY of STRING
)

// fastOf returns how a value of decoder d is read inline into a field that
// stores values of kind, or fastNone.
func fastOf(d *decoder, kind connect.Kind) fastOp {
	t := d.target
	if t == nil {
		return fastNone
	}
	var op fastOp
	var made connect.Kind
	switch d.op {
	case opInt, opLong:
		switch {
		case t.Logical() == connect.LogicalTimestamp:
			op, made = fastTimestamp, connect.KindTime
		case t.Logical() != connect.NotLogical:
		case t.Type == connect.Int64Type:
			op, made = fastInt64, connect.KindInt64
		case t.Type == connect.Int32Type && d.op == opInt:
			op, made = fastInt32, connect.KindInt32
		}
	case opFloat:
		if t.Type == connect.Float32Type && t.Logical() == connect.NotLogical {
			op, made = fastFloat32, connect.KindFloat32
		}
	case opDouble:
		if t.Type == connect.Float64Type && t.Logical() == connect.NotLogical {
			op, made = fastFloat64, connect.KindFloat64
		}
	case opBoolean:
		if t.Type == connect.BooleanType && t.Logical() == connect.NotLogical {
			op, made = fastBool, connect.KindBool
		}
	case opString:
		if t.Type == connect.StringType && t.Logical() == connect.NotLogical {
			op, made = fastString, connect.KindString
		}
	case opArray:
		e := d.elem
		if t.Type == connect.ArrayType && t.Logical() == connect.NotLogical && e.op == opString && e.target != nil &&
			e.target.Type == connect.StringType && e.target.Logical() == connect.NotLogical {
			op, made = fastStrings, connect.KindAny
		}
	}
	if made != kind {
		return fastNone
	}
	return op
}

// setFast compiles f's inline read: of its value, or of the non-null
// branch of a union of null and one other type read into an optional
// field (the null leaving the field null, as SetAt stores it).
func (f *recField) setFast() {
	f.nullBranch = -1
	if f.index < 0 {
		return
	}
	d := f.dec
	if d.op == opUnion && len(d.branches) == 2 && d.target != nil && d.target.Optional &&
		d.bad[0] == "" && d.bad[1] == "" {
		for i, b := range d.branches {
			if b == nil && d.branches[1-i] != nil {
				v := d.branches[1-i]
				if op := fastOf(v, f.kind); op != fastNone {
					f.fast, f.nullBranch, f.intOnly = op, int8(i), v.op == opInt
				}
				return
			}
		}
		return
	}
	f.fast, f.intOnly = fastOf(d, f.kind), d.op == opInt
}

// readInline reads the record's fields from the i-th on inline into st,
// as long as they can be, and returns the index of the first that needs
// the general decoder (len(d.fields) when none), with r at its first
// byte. One loop over the fields, rather than a call for each, is most of
// what reading inline saves.
func (d *decoder) readInline(r *reader, st *connect.Struct, i int) int {
	for ; i < len(d.fields); i++ {
		f := &d.fields[i]
		if f.fast == fastNone {
			return i
		}
		start := r.pos
		if f.nullBranch >= 0 {
			n, ok := r.fastLong()
			if !ok || (n != 0 && n != 1) {
				r.pos = start
				return i
			}
			if int8(n) == f.nullBranch {
				st.SetAtUnchecked(f.index, connect.Value{})
				continue
			}
		}
		switch f.fast {
		case fastInt32:
			n, ok := r.fastLong()
			if ok && n >= math.MinInt32 && n <= math.MaxInt32 {
				st.SetAtUnchecked(f.index, connect.Int32Value(int32(n)))
				continue
			}
		case fastInt64, fastTimestamp:
			n, ok := r.fastLong()
			if ok && (!f.intOnly || n >= math.MinInt32 && n <= math.MaxInt32) {
				if f.fast == fastInt64 {
					st.SetAtUnchecked(f.index, connect.Int64Value(n))
				} else {
					st.SetAtUnchecked(f.index, connect.TimeValue(connect.MillisToTimestamp(n)))
				}
				continue
			}
		case fastFloat32:
			if len(r.b)-r.pos >= 4 {
				b := r.b[r.pos : r.pos+4]
				r.pos += 4
				st.SetAtUnchecked(f.index, connect.Float32Value(math.Float32frombits(
					uint32(b[0])|uint32(b[1])<<8|uint32(b[2])<<16|uint32(b[3])<<24)))
				continue
			}
		case fastFloat64:
			if len(r.b)-r.pos >= 8 {
				b := r.b[r.pos : r.pos+8]
				r.pos += 8
				st.SetAtUnchecked(f.index, connect.Float64Value(math.Float64frombits(
					uint64(b[0])|uint64(b[1])<<8|uint64(b[2])<<16|uint64(b[3])<<24|
						uint64(b[4])<<32|uint64(b[5])<<40|uint64(b[6])<<48|uint64(b[7])<<56)))
				continue
			}
		case fastBool:
			if r.pos < len(r.b) && r.b[r.pos] <= 1 {
				st.SetAtUnchecked(f.index, connect.BoolValue(r.b[r.pos] == 1))
				r.pos++
				continue
			}
		case fastString:
			if s, ok := r.fastString(); ok {
				st.SetAtUnchecked(f.index, connect.StringValue(s))
				continue
			}
		case fastStrings:
			if out, ok := r.fastStrings(); ok {
				st.SetAtUnchecked(f.index, connect.AnyValue(out))
				continue
			}
		}
		r.pos = start
		return i
	}
	return i
}

// fastLong reads a varint of up to 9 bytes (every int and long up to
// ±2^62), reporting false for anything else.
func (r *reader) fastLong() (int64, bool) {
	if r.pos < len(r.b) {
		if c := r.b[r.pos]; c < 0x80 { // most lengths, indexes and small numbers
			r.pos++
			return int64(c>>1) ^ -int64(c&1), true
		}
	}
	return r.fastLongBytes()
}

func (r *reader) fastLongBytes() (int64, bool) {
	var u uint64
	for i, shift := r.pos, uint(0); i < len(r.b) && shift < 63; i, shift = i+1, shift+7 {
		c := r.b[i]
		u |= uint64(c&0x7f) << shift
		if c < 0x80 {
			r.pos = i + 1
			return int64(u>>1) ^ -int64(u&1), true
		}
	}
	return 0, false
}

func (r *reader) fastString() (string, bool) {
	n, ok := r.fastLong()
	if !ok || n < 0 || n > int64(len(r.b)-r.pos) {
		return "", false
	}
	i := r.pos
	r.pos += int(n)
	return r.string(i, r.pos), true
}

// fastStrings reads an array of strings written in one block (as every
// Avro writer here and Confluent's do), reporting false for more blocks,
// a block with its size, or anything malformed.
func (r *reader) fastStrings() (any, bool) {
	n, ok := r.fastLong()
	if !ok || n < 0 || n > int64(len(r.b)-r.pos) {
		return nil, false
	}
	var out any
	switch {
	case n == 0:
		out = []any{}
	case n <= 2:
		a := new(stringArray2)
		if !r.boxedStrings(a.elems[:n], a.strs[:n]) {
			return nil, false
		}
		a.hdr = a.elems[:n:n]
		out = boxAt(anysType, unsafe.Pointer(&a.hdr))
	case n <= 4:
		a := new(stringArray4)
		if !r.boxedStrings(a.elems[:n], a.strs[:n]) {
			return nil, false
		}
		a.hdr = a.elems[:n:n]
		out = boxAt(anysType, unsafe.Pointer(&a.hdr))
	default:
		elems := make([]any, n)
		if !r.boxedStrings(elems, make([]string, n)) {
			return nil, false
		}
		out = elems
	}
	if n != 0 {
		if r.pos >= len(r.b) || r.b[r.pos] != 0 {
			return nil, false
		}
		r.pos++
	}
	return out, true
}

// boxedStrings reads len(elems) strings into strs, and sets each of elems
// to one of them boxed.
func (r *reader) boxedStrings(elems []any, strs []string) bool {
	for i := range elems {
		var ok bool
		if strs[i], ok = r.fastString(); !ok {
			return false
		}
		elems[i] = boxAt(stringType, unsafe.Pointer(&strs[i]))
	}
	return true
}

// stringArray2 and stringArray4 hold a short ARRAY of STRING as a Struct
// holds it, a []any of strings, in one allocation: the slice, its elements
// and the strings they hold, which converting each to an interface would
// allocate one by one. The strings and the slice are never written again
// once boxed, as Go's own boxed values are not.
type stringArray2 struct {
	hdr   []any
	elems [2]any
	strs  [2]string
}

type stringArray4 struct {
	hdr   []any
	elems [4]any
	strs  [4]string
}

// eface is the layout of an interface holding a value that is not a
// pointer: the value's type and a pointer to the value.
type eface struct{ typ, data unsafe.Pointer }

var (
	stringType = typeOf("")
	anysType   = typeOf([]any(nil))
)

func typeOf(x any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&x)).typ }

// boxAt returns an interface of type typ holding *p, without the copy the
// conversion to an interface makes: p must point at a value of that type
// that is never modified again.
func boxAt(typ, p unsafe.Pointer) (x any) {
	*(*eface)(unsafe.Pointer(&x)) = eface{typ, p}
	return x
}
