package avro

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unsafe"

	hamba "github.com/hamba/avro/v2"

	"github.com/kconnect-go/kconnect/connect"
)

var errTruncated = errors.New("truncated Avro data")

// reader reads the Avro binary encoding from a byte slice; every length is
// checked against what is left, so corrupt data fails instead of
// allocating or looping without bound.
type reader struct {
	b   []byte
	pos int
	str string // b as a string, made at the first string read
	// alias makes strings point into b instead, for a caller whose
	// contract says b never changes (the Converter's).
	alias bool
	// empties counts the items of zero bytes (empty records) read, which
	// the data's length cannot bound.
	empties int
}

// maxEmpties bounds the items of zero bytes in one value, so that a few
// bytes cannot claim billions of them.
const maxEmpties = 1 << 12

// string returns b[i:j] as a string. The strings of a record share one
// copy of its bytes, made once, rather than one allocation each, unless
// they may alias b.
func (r *reader) string(i, j int) string {
	if r.alias {
		if i == j {
			return ""
		}
		return unsafe.String(&r.b[i], j-i)
	}
	if r.str == "" {
		r.str = string(r.b)
	}
	return r.str[i:j]
}

func (r *reader) long() (int64, error) {
	var u uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if r.pos >= len(r.b) {
			return 0, errTruncated
		}
		c := r.b[r.pos]
		r.pos++
		u |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return int64(u>>1) ^ -int64(u&1), nil
		}
	}
	return 0, errors.New("varint longer than 10 bytes")
}

func (r *reader) next(n int) ([]byte, error) {
	if n < 0 || n > len(r.b)-r.pos {
		return nil, errTruncated
	}
	b := r.b[r.pos : r.pos+n : r.pos+n]
	r.pos += n
	return b, nil
}

func (r *reader) bytes() ([]byte, error) {
	n, err := r.long()
	if err != nil {
		return nil, err
	}
	if n < 0 || n > int64(len(r.b)-r.pos) {
		return nil, errTruncated
	}
	return r.next(int(n))
}

// blockCount reads the item count of an array or map block; a negative
// count is followed by the block's size in bytes, which is skipped over.
func (r *reader) blockCount(minSize int) (int, error) {
	n, err := r.long()
	if err != nil {
		return 0, err
	}
	if n < 0 {
		if n == math.MinInt64 {
			return 0, errors.New("invalid block count")
		}
		n = -n
		if _, err := r.long(); err != nil {
			return 0, err
		}
	}
	if minSize == 0 {
		if n > int64(maxEmpties-r.empties) {
			return 0, fmt.Errorf("more than %d items of no bytes", maxEmpties)
		}
		r.empties += int(n)
		return int(n), nil
	}
	if n > int64(len(r.b)-r.pos)/int64(minSize) {
		return 0, fmt.Errorf("block of %d items is longer than the data", n)
	}
	return int(n), nil
}

// decOp is what a decoder reads: the writer's type.
type decOp uint8

const (
	opNull decOp = iota
	opBoolean
	opInt
	opLong
	opFloat
	opDouble
	opString // string and bytes
	opFixed
	opEnum
	opArray
	opMap
	opMapEntries // an array of key/value records read as a Connect MAP
	opRecord
	opUnion
	opUnionStruct // a union read into a struct named io.confluent.connect.avro.Union
)

// decoder reads a value written with a writer schema into the Connect
// schema derived from the reader schema, resolving the two as the Avro
// specification says: fields matched by name or alias, writer fields the
// reader lacks skipped, reader fields the writer lacks set to their
// default, int, long and float promoted, string and bytes interchanged,
// enum symbols matched by name. A nil target skips the value.
type decoder struct {
	op     decOp
	target *connect.Schema
	minLen int // the fewest bytes a value takes, to bound block counts

	size     int        // fixed
	symbols  []string   // enum: the reader's symbol for each writer symbol, "" when none
	fallback string     // enum: the reader's default symbol
	elem     *decoder   // array items, map values, map entry values
	key      *decoder   // map entry keys
	fields   []recField // record, in writer order
	missing  []missingField
	branches []*decoder // union: per writer branch; nil is null
	bad      []string   // union: why a branch cannot be read, "" when it can
	fieldIdx []int      // union struct: the field each writer branch sets
	single   bool       // union struct: the writer's type is not a union
}

type recField struct {
	name  string
	index int // in the target struct; -1 to skip
	dec   *decoder
	kind  connect.Kind // the target field's ValueKind

	fast       fastOp // how the field is read inline; fastNone for decode
	nullBranch int8   // the null's branch of a union read inline, else -1
	intOnly    bool   // the value read inline is an Avro int, range-checked
}

type missingField struct {
	index int
	value connect.Value
}

// compile builds the decoder of writer values for a reader schema and its
// Connect schema target (nil to skip).
func compile(writer, reader hamba.Schema, target *connect.Schema) (*decoder, error) {
	writer, reader = deref(writer), deref(reader)
	if target != nil && isUnion(target) {
		return compileUnionStruct(writer, reader, target)
	}
	if writer.Type() != hamba.Union && reader != nil && reader.Type() == hamba.Union {
		rb, _, err := pickBranch(writer, reader.(*hamba.UnionSchema))
		if err != nil {
			return nil, err
		}
		return compile(writer, rb, target)
	}
	d := &decoder{target: target}
	switch writer.Type() {
	case hamba.Null:
		d.op = opNull
	case hamba.Boolean:
		d.op, d.minLen = opBoolean, 1
	case hamba.Int:
		d.op, d.minLen = opInt, 1
	case hamba.Long:
		d.op, d.minLen = opLong, 1
	case hamba.Float:
		d.op, d.minLen = opFloat, 4
	case hamba.Double:
		d.op, d.minLen = opDouble, 8
	case hamba.String, hamba.Bytes:
		d.op, d.minLen = opString, 1
	case hamba.Fixed:
		d.op = opFixed
		d.size = writer.(*hamba.FixedSchema).Size()
		d.minLen = d.size
	case hamba.Enum:
		d.op, d.minLen = opEnum, 1
		ws := writer.(*hamba.EnumSchema).Symbols()
		d.symbols = ws
		if re, ok := reader.(*hamba.EnumSchema); ok {
			d.symbols = make([]string, len(ws))
			for i, sym := range ws {
				for _, rs := range re.Symbols() {
					if rs == sym {
						d.symbols[i] = sym
					}
				}
			}
			d.fallback = re.Default()
		}
	case hamba.Array:
		d.minLen = 1
		items := writer.(*hamba.ArraySchema).Items()
		var rItems hamba.Schema
		if ra, ok := reader.(*hamba.ArraySchema); ok {
			rItems = ra.Items()
		} else if reader != nil {
			return nil, fmt.Errorf("writer's array cannot be read as %s", reader.Type())
		}
		if target != nil && target.Type == connect.MapType {
			d.op = opMapEntries
			wrec, ok := deref(items).(*hamba.RecordSchema)
			rrec, ok2 := deref(rItems).(*hamba.RecordSchema)
			if !ok || !ok2 || len(wrec.Fields()) != 2 || len(rrec.Fields()) != 2 {
				return nil, errors.New("map entries are not key/value records")
			}
			var err error
			if d.key, err = compile(wrec.Fields()[0].Type(), rrec.Fields()[0].Type(), target.Key); err != nil {
				return nil, prefix(err, "key")
			}
			if d.elem, err = compile(wrec.Fields()[1].Type(), rrec.Fields()[1].Type(), target.Elem); err != nil {
				return nil, prefix(err, "value")
			}
			break
		}
		d.op = opArray
		var elemTarget *connect.Schema
		if target != nil {
			elemTarget = target.Elem
		}
		var err error
		if d.elem, err = compile(items, rItems, elemTarget); err != nil {
			return nil, prefix(err, "items")
		}
	case hamba.Map:
		d.op, d.minLen = opMap, 1
		var rValues hamba.Schema
		if rm, ok := reader.(*hamba.MapSchema); ok {
			rValues = rm.Values()
		} else if reader != nil {
			return nil, fmt.Errorf("writer's map cannot be read as %s", reader.Type())
		}
		var elemTarget *connect.Schema
		if target != nil {
			elemTarget = target.Elem
		}
		var err error
		if d.elem, err = compile(writer.(*hamba.MapSchema).Values(), rValues, elemTarget); err != nil {
			return nil, prefix(err, "values")
		}
	case hamba.Record:
		d.op = opRecord
		if err := d.compileRecord(writer.(*hamba.RecordSchema), reader, target); err != nil {
			return nil, err
		}
	case hamba.Union:
		d.op, d.minLen = opUnion, 1
		for _, wb := range writer.(*hamba.UnionSchema).Types() {
			if deref(wb).Type() == hamba.Null {
				d.branches = append(d.branches, nil)
				d.bad = append(d.bad, "")
				continue
			}
			rb := reader
			if ru, ok := reader.(*hamba.UnionSchema); ok {
				var err error
				if rb, _, err = pickBranch(wb, ru); err != nil {
					d.branches = append(d.branches, nil)
					d.bad = append(d.bad, err.Error())
					continue
				}
			}
			b, err := compile(wb, rb, target)
			if err != nil {
				d.branches = append(d.branches, nil)
				d.bad = append(d.bad, err.Error())
				continue
			}
			d.branches = append(d.branches, b)
			d.bad = append(d.bad, "")
		}
	default:
		return nil, fmt.Errorf("unsupported writer type %s", writer.Type())
	}
	if target != nil && d.op != opUnion && d.op != opNull {
		if err := checkTarget(d.op, target); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// pickBranch finds the reader union's branch that reads a writer type: the
// first of the same type (and name, for named types), else the first the
// writer's type promotes to.
func pickBranch(w hamba.Schema, ru *hamba.UnionSchema) (hamba.Schema, int, error) {
	w = deref(w)
	for i, rb := range ru.Types() {
		rb = deref(rb)
		if rb.Type() != w.Type() {
			continue
		}
		wn, ok1 := w.(hamba.NamedSchema)
		rn, ok2 := rb.(hamba.NamedSchema)
		if ok1 && ok2 && wn.Name() != rn.Name() {
			continue
		}
		return rb, i, nil
	}
	for i, rb := range ru.Types() {
		if promotes(w.Type(), deref(rb).Type()) {
			return deref(rb), i, nil
		}
	}
	return nil, 0, fmt.Errorf("the reader's union has no branch for the writer's %s", w.Type())
}

func promotes(w, r hamba.Type) bool {
	switch w {
	case hamba.Int:
		return r == hamba.Long || r == hamba.Float || r == hamba.Double
	case hamba.Long:
		return r == hamba.Float || r == hamba.Double
	case hamba.Float:
		return r == hamba.Double
	case hamba.String:
		return r == hamba.Bytes
	case hamba.Bytes:
		return r == hamba.String
	}
	return false
}

// checkTarget refuses a writer type that cannot become the target's
// Connect type.
func checkTarget(op decOp, t *connect.Schema) error {
	ok := false
	switch t.Type {
	case connect.Int8Type, connect.Int16Type, connect.Int32Type:
		ok = op == opInt
	case connect.Int64Type:
		ok = op == opInt || op == opLong
	case connect.Float32Type:
		ok = op == opInt || op == opLong || op == opFloat
	case connect.Float64Type:
		ok = op == opInt || op == opLong || op == opFloat || op == opDouble
	case connect.BooleanType:
		ok = op == opBoolean
	case connect.StringType:
		ok = op == opString || op == opEnum
	case connect.BytesType:
		ok = op == opString || op == opFixed
	case connect.ArrayType:
		ok = op == opArray
	case connect.MapType:
		ok = op == opMap || op == opMapEntries
	case connect.StructType:
		ok = op == opRecord
	}
	if !ok {
		return fmt.Errorf("writer's Avro data cannot be read as %s", t.Type)
	}
	return nil
}

func (d *decoder) compileRecord(w *hamba.RecordSchema, reader hamba.Schema, target *connect.Schema) error {
	r, _ := reader.(*hamba.RecordSchema)
	if reader != nil && r == nil {
		return fmt.Errorf("writer's record %s cannot be read as %s", w.FullName(), reader.Type())
	}
	used := map[int]bool{}
	for _, wf := range w.Fields() {
		rf := -1
		if r != nil {
			for i, f := range r.Fields() {
				if f.Name() == wf.Name() {
					rf = i
					break
				}
			}
			if rf < 0 {
			aliases:
				for i, f := range r.Fields() {
					for _, a := range f.Aliases() {
						if a == wf.Name() {
							rf = i
							break aliases
						}
					}
				}
			}
		}
		f := recField{name: wf.Name(), index: -1}
		var err error
		if rf >= 0 && target != nil {
			used[rf] = true
			f.index = rf
			f.kind = target.Fields[rf].Schema.ValueKind()
			f.dec, err = compile(wf.Type(), r.Fields()[rf].Type(), target.Fields[rf].Schema)
		} else {
			f.dec, err = compile(wf.Type(), nil, nil)
		}
		if err != nil {
			return prefix(err, wf.Name())
		}
		d.minLen += f.dec.minLen
		f.setFast()
		d.fields = append(d.fields, f)
	}
	if r == nil || target == nil {
		return nil
	}
	for i, rf := range r.Fields() {
		if used[i] {
			continue
		}
		fs := target.Fields[i].Schema
		switch {
		case fs.Default != nil:
			d.missing = append(d.missing, missingField{index: i, value: connect.AnyValue(fs.Default)})
		case rf.HasDefault() || fs.Optional:
			d.missing = append(d.missing, missingField{index: i})
		default:
			return fmt.Errorf("reader's field %s has no default and the writer's record %s lacks it", rf.Name(), w.FullName())
		}
	}
	return nil
}

// decode reads one value.
func (d *decoder) decode(r *reader) (connect.Value, error) {
	switch d.op {
	case opNull:
		return connect.Value{}, nil
	case opBoolean:
		b, err := r.next(1)
		if err != nil {
			return connect.Value{}, err
		}
		if b[0] > 1 {
			return connect.Value{}, fmt.Errorf("boolean byte %d is neither 0 nor 1", b[0])
		}
		if d.target == nil {
			return connect.Value{}, nil
		}
		return connect.BoolValue(b[0] == 1), nil
	case opInt, opLong:
		n, err := r.long()
		if err != nil {
			return connect.Value{}, err
		}
		if d.op == opInt && (n < math.MinInt32 || n > math.MaxInt32) {
			return connect.Value{}, fmt.Errorf("int %d out of range", n)
		}
		return d.integer(n)
	case opFloat:
		b, err := r.next(4)
		if err != nil {
			return connect.Value{}, err
		}
		f := math.Float32frombits(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24)
		if d.target != nil && d.target.Type == connect.Float64Type {
			return connect.Float64Value(float64(f)), nil
		}
		return connect.Float32Value(f), nil
	case opDouble:
		b, err := r.next(8)
		if err != nil {
			return connect.Value{}, err
		}
		u := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		return connect.Float64Value(math.Float64frombits(u)), nil
	case opString:
		b, err := r.bytes()
		if err != nil {
			return connect.Value{}, err
		}
		if d.target != nil && d.target.Type == connect.StringType {
			return connect.StringValue(r.string(r.pos-len(b), r.pos)), nil
		}
		return d.bytesValue(b)
	case opFixed:
		b, err := r.next(d.size)
		if err != nil {
			return connect.Value{}, err
		}
		return d.bytesValue(b)
	case opEnum:
		n, err := r.long()
		if err != nil {
			return connect.Value{}, err
		}
		if n < 0 || n >= int64(len(d.symbols)) {
			return connect.Value{}, fmt.Errorf("enum index %d out of range", n)
		}
		sym := d.symbols[n]
		if sym == "" {
			if d.fallback == "" {
				return connect.Value{}, fmt.Errorf("enum symbol at index %d is not a symbol of the reader's enum, which has no default", n)
			}
			sym = d.fallback
		}
		return connect.StringValue(sym), nil
	case opArray:
		var out []any
		for i := 0; ; {
			n, err := r.blockCount(d.elem.minLen)
			if err != nil {
				return connect.Value{}, err
			}
			if n == 0 {
				break
			}
			if d.target != nil && out == nil {
				out = make([]any, 0, n)
			}
			for range n {
				v, err := d.elem.decode(r)
				if err != nil {
					return connect.Value{}, prefix(err, "["+strconv.Itoa(i)+"]")
				}
				if d.target != nil {
					out = append(out, v.Any())
				}
				i++
			}
		}
		if d.target == nil {
			return connect.Value{}, nil
		}
		if out == nil {
			out = []any{}
		}
		return connect.AnyValue(out), nil
	case opMap:
		var out map[string]any
		for {
			n, err := r.blockCount(1 + d.elem.minLen)
			if err != nil {
				return connect.Value{}, err
			}
			if n == 0 {
				break
			}
			if d.target != nil && out == nil {
				out = make(map[string]any, n)
			}
			for range n {
				k, err := r.bytes()
				if err != nil {
					return connect.Value{}, err
				}
				kEnd := r.pos
				v, err := d.elem.decode(r)
				if err != nil {
					return connect.Value{}, prefix(err, "["+string(k)+"]")
				}
				if d.target != nil {
					out[r.string(kEnd-len(k), kEnd)] = v.Any()
				}
			}
		}
		if d.target == nil {
			return connect.Value{}, nil
		}
		if out == nil {
			out = map[string]any{}
		}
		return connect.AnyValue(out), nil
	case opMapEntries:
		var out []connect.MapEntry
		for {
			n, err := r.blockCount(d.key.minLen + d.elem.minLen)
			if err != nil {
				return connect.Value{}, err
			}
			if n == 0 {
				break
			}
			for range n {
				k, err := d.key.decode(r)
				if err != nil {
					return connect.Value{}, prefix(err, "["+strconv.Itoa(len(out))+"].key")
				}
				v, err := d.elem.decode(r)
				if err != nil {
					return connect.Value{}, prefix(err, "["+strconv.Itoa(len(out))+"].value")
				}
				out = append(out, connect.MapEntry{Key: k.Any(), Value: v.Any()})
			}
		}
		if d.target == nil {
			return connect.Value{}, nil
		}
		return connect.AnyValue(mapFromEntries(out)), nil
	case opRecord:
		var st *connect.Struct
		if d.target != nil {
			st = connect.NewStruct(d.target)
		}
		for i := 0; i < len(d.fields); i++ {
			if st != nil {
				if i = d.readInline(r, st, i); i == len(d.fields) {
					break
				}
			}
			f := &d.fields[i]
			v, err := f.dec.decode(r)
			if err != nil {
				return connect.Value{}, prefix(err, f.name)
			}
			if f.index >= 0 {
				// The field's decoder was compiled for its schema, so a
				// value of the kind that schema stores needs no check; a
				// null (into a required field?) takes SetAt's.
				if v.Kind() == f.kind {
					st.SetAtUnchecked(f.index, v)
				} else if err := st.SetAt(f.index, v); err != nil {
					return connect.Value{}, prefix(err, f.name)
				}
			}
		}
		if st == nil {
			return connect.Value{}, nil
		}
		for _, m := range d.missing {
			if err := st.SetAt(m.index, m.value); err != nil {
				return connect.Value{}, err
			}
		}
		return connect.AnyValue(st), nil
	case opUnionStruct:
		return d.decodeUnionStruct(r)
	case opUnion:
		n, err := r.long()
		if err != nil {
			return connect.Value{}, err
		}
		if n < 0 || n >= int64(len(d.branches)) {
			return connect.Value{}, fmt.Errorf("union branch %d out of range", n)
		}
		if d.bad[n] != "" {
			return connect.Value{}, errors.New(d.bad[n])
		}
		b := d.branches[n]
		if b == nil {
			if d.target != nil && !d.target.Optional {
				return connect.Value{}, errors.New("null written for a required field")
			}
			return connect.Value{}, nil
		}
		return b.decode(r)
	}
	return connect.Value{}, fmt.Errorf("unknown decoder %d", d.op)
}

// mapFromEntries gives a MAP read from key/value records as a
// map[any]any when its keys can be map keys, as a []MapEntry otherwise.
func mapFromEntries(entries []connect.MapEntry) any {
	m := make(map[any]any, len(entries))
	for _, e := range entries {
		switch e.Key.(type) {
		case []byte, []any, map[string]any, map[any]any, []connect.MapEntry:
			return entries
		}
		m[e.Key] = e.Value
	}
	return m
}

func (d *decoder) integer(n int64) (connect.Value, error) {
	t := d.target
	if t == nil {
		return connect.Value{}, nil
	}
	switch t.Logical() {
	case connect.LogicalDate:
		return connect.TimeValue(connect.DaysToDate(int32(n))), nil
	case connect.LogicalTime:
		return connect.TimeValue(connect.MillisToTime(int32(n))), nil
	case connect.LogicalTimestamp:
		return connect.TimeValue(connect.MillisToTimestamp(n)), nil
	}
	switch t.Type {
	case connect.Int8Type:
		if !fits(t.Type, n) {
			return connect.Value{}, fmt.Errorf("%d does not fit INT8", n)
		}
		return connect.Int8Value(int8(n)), nil
	case connect.Int16Type:
		if !fits(t.Type, n) {
			return connect.Value{}, fmt.Errorf("%d does not fit INT16", n)
		}
		return connect.Int16Value(int16(n)), nil
	case connect.Int32Type:
		return connect.Int32Value(int32(n)), nil
	case connect.Float32Type:
		return connect.Float32Value(float32(n)), nil
	case connect.Float64Type:
		return connect.Float64Value(float64(n)), nil
	}
	return connect.Int64Value(n), nil
}

func (d *decoder) bytesValue(b []byte) (connect.Value, error) {
	t := d.target
	if t == nil {
		return connect.Value{}, nil
	}
	if t.Logical() == connect.LogicalDecimal {
		scale, err := t.DecimalScale()
		if err != nil {
			return connect.Value{}, err
		}
		dec, err := connect.DecimalFromBytes(b, scale)
		if err != nil {
			return connect.Value{}, err
		}
		return connect.DecimalValue(dec), nil
	}
	if t.Type == connect.StringType {
		return connect.StringValue(string(b)), nil
	}
	return connect.BytesValue(b), nil
}

// compileUnionStruct builds the decoder of a union read into Connect's
// union struct: each writer branch sets the field of the reader's branch
// that reads it. A writer type that is not a union is one branch.
func compileUnionStruct(writer, reader hamba.Schema, target *connect.Schema) (*decoder, error) {
	ru, ok := reader.(*hamba.UnionSchema)
	if !ok {
		return nil, fmt.Errorf("a Connect union needs an Avro union, not %s", reader.Type())
	}
	d := &decoder{op: opUnionStruct, target: target, minLen: 1}
	wbs := []hamba.Schema{writer}
	if wu, ok := writer.(*hamba.UnionSchema); ok {
		wbs = wu.Types()
	} else {
		d.single, d.minLen = true, 0
	}
	for _, wb := range wbs {
		d.fieldIdx = append(d.fieldIdx, -1)
		d.branches = append(d.branches, nil)
		d.bad = append(d.bad, "")
		i := len(d.branches) - 1
		if deref(wb).Type() == hamba.Null {
			continue
		}
		rb, ri, err := pickBranch(wb, ru)
		if err != nil {
			d.bad[i] = err.Error()
			continue
		}
		fi := ri
		for _, t := range ru.Types()[:ri] {
			if deref(t).Type() == hamba.Null {
				fi--
			}
		}
		b, err := compile(wb, rb, target.Fields[fi].Schema)
		if err != nil {
			d.bad[i] = err.Error()
			continue
		}
		d.branches[i], d.fieldIdx[i] = b, fi
	}
	if d.single && d.bad[0] != "" {
		return nil, errors.New(d.bad[0])
	}
	return d, nil
}

func (d *decoder) decodeUnionStruct(r *reader) (connect.Value, error) {
	n := int64(0)
	if !d.single {
		var err error
		if n, err = r.long(); err != nil {
			return connect.Value{}, err
		}
		if n < 0 || n >= int64(len(d.branches)) {
			return connect.Value{}, fmt.Errorf("union branch %d out of range", n)
		}
	}
	if d.bad[n] != "" {
		return connect.Value{}, errors.New(d.bad[n])
	}
	b := d.branches[n]
	if b == nil {
		if !d.target.Optional {
			return connect.Value{}, errors.New("null written for a required union")
		}
		return connect.Value{}, nil
	}
	v, err := b.decode(r)
	if err != nil {
		return connect.Value{}, err
	}
	st := connect.NewStruct(d.target)
	if err := st.SetAt(d.fieldIdx[n], v); err != nil {
		return connect.Value{}, err
	}
	return connect.AnyValue(st), nil
}
