package connect

import (
	"encoding/binary"
	"fmt"
	"iter"
	"maps"
	"reflect"
	"slices"
)

// SourcePartition names the part of a source system a source record comes
// from: a file, a table, a database log. It is Kafka Connect's
// sourcePartition map, built once per partition and shared by every record
// of it, so that records stay small and comparing partitions is cheap.
//
// Its JSON form, computed once when it is built, is exactly what a JVM worker
// writes for the same java.util.HashMap (see JavaHashMapOrder), so offsets
// written by kconnect and by Kafka Connect are interchangeable.
//
// The zero SourcePartition is "none". SourcePartitions built from the same
// keys and values are Equal; == is true only for the same built value, which
// is what the runtime relies on for speed before falling back to Equal.
type SourcePartition struct{ p *sourcePartition }

type sourcePartition struct {
	keys []string // insertion order
	vals []any
	json string // java HashMap order
}

// NewSourcePartition builds a SourcePartition from alternating keys and
// values, in insertion order: NewSourcePartition("filename", path). Values
// must be primitives: nil, bool, a Go integer or float, string or []byte, as
// Kafka Connect requires. It panics on an odd count, a non-string or
// repeated key, or another value type: these are programming errors, never
// the result of input data. Use SourcePartitionFromMap to build one from data.
func NewSourcePartition(keysAndValues ...any) SourcePartition {
	if len(keysAndValues)%2 != 0 {
		panic("connect: NewSourcePartition needs alternating keys and values")
	}
	keys := make([]string, 0, len(keysAndValues)/2)
	vals := make([]any, 0, len(keysAndValues)/2)
	for i := 0; i < len(keysAndValues); i += 2 {
		k, ok := keysAndValues[i].(string)
		if !ok {
			panic(fmt.Sprintf("connect: NewSourcePartition key %d is %T, not string", i/2, keysAndValues[i]))
		}
		keys = append(keys, k)
		vals = append(vals, keysAndValues[i+1])
	}
	sp, err := newSourcePartition(keys, vals)
	if err != nil {
		panic(err)
	}
	return sp
}

// SourcePartitionFromMap builds a SourcePartition from a map, as read from an
// offsets topic. Go maps have no order, so keys are inserted in sorted order,
// which only matters for keys that share a HashMap bucket.
func SourcePartitionFromMap(m map[string]any) (SourcePartition, error) {
	if len(m) == 0 {
		return SourcePartition{}, nil
	}
	keys := slices.Sorted(maps.Keys(m))
	vals := make([]any, len(keys))
	for i, k := range keys {
		vals[i] = m[k]
	}
	return newSourcePartition(keys, vals)
}

// SourcePartitionFromEntries builds a SourcePartition from entries in
// insertion order (such as the order of a JSON object, which ParseJSON loses).
func SourcePartitionFromEntries(entries []MapEntry) (SourcePartition, error) {
	keys := make([]string, len(entries))
	vals := make([]any, len(entries))
	for i, e := range entries {
		k, ok := e.Key.(string)
		if !ok {
			return SourcePartition{}, fmt.Errorf("connect: source partition key %v is not a string", e.Key)
		}
		keys[i], vals[i] = k, e.Value
	}
	return newSourcePartition(keys, vals)
}

func newSourcePartition(keys []string, vals []any) (SourcePartition, error) {
	seen := make(map[string]bool, len(keys))
	for i, k := range keys {
		if seen[k] {
			return SourcePartition{}, fmt.Errorf("connect: source partition key %q appears twice", k)
		}
		seen[k] = true
		if err := checkPrimitive(vals[i], k); err != nil {
			return SourcePartition{}, fmt.Errorf("connect: source partition: %w", err)
		}
	}
	b, err := appendOrderedJSON(nil, keys, vals)
	if err != nil {
		return SourcePartition{}, err
	}
	return SourcePartition{&sourcePartition{keys: keys, vals: vals, json: string(b)}}, nil
}

func checkPrimitive(v any, key string) error {
	switch v.(type) {
	case nil, bool, int8, int16, int32, int64, int, float32, float64, string, []byte:
		return nil
	}
	return fmt.Errorf("value of %q is %s; Kafka Connect allows only primitive values", key, reflect.TypeOf(v))
}

// appendOrderedJSON writes keys (in insertion order) and values as a JSON
// object in java.util.HashMap order.
func appendOrderedJSON(dst []byte, keys []string, vals []any) ([]byte, error) {
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	if len(keys) > 1 {
		javaBucketOrder(idx, func(i int) int32 { return javaStringHash(keys[i]) })
	}
	dst = append(dst, '{')
	for n, i := range idx {
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, keys[i])
		dst = append(dst, ':')
		var err error
		if dst, err = appendJSON(dst, vals[i], keys[i]); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// IsZero reports whether p is the zero SourcePartition.
func (p SourcePartition) IsZero() bool { return p.p == nil }

// Len returns the number of keys.
func (p SourcePartition) Len() int {
	if p.p == nil {
		return 0
	}
	return len(p.p.keys)
}

// Get returns the value of key.
func (p SourcePartition) Get(key string) (any, bool) {
	if p.p == nil {
		return nil, false
	}
	for i, k := range p.p.keys {
		if k == key {
			return p.p.vals[i], true
		}
	}
	return nil, false
}

// All yields the keys and values in insertion order.
func (p SourcePartition) All() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		if p.p == nil {
			return
		}
		for i, k := range p.p.keys {
			if !yield(k, p.p.vals[i]) {
				return
			}
		}
	}
}

// Map returns the partition as a new map.
func (p SourcePartition) Map() map[string]any {
	m := make(map[string]any, p.Len())
	for k, v := range p.All() {
		m[k] = v
	}
	return m
}

// String returns the partition's JSON, or "null" for the zero SourcePartition.
func (p SourcePartition) String() string {
	if p.p == nil {
		return "null"
	}
	return p.p.json
}

// AppendJSON appends the partition's JSON, computed when it was built.
func (p SourcePartition) AppendJSON(dst []byte) []byte {
	return append(dst, p.String()...)
}

// Equal reports whether p and o hold the same keys and values, as their
// JSON bytes say.
func (p SourcePartition) Equal(o SourcePartition) bool {
	return p.p == o.p || (p.p != nil && o.p != nil && p.p.json == o.p.json)
}

// Offset is a position within a source partition: Kafka Connect's
// sourceOffset map. An offset of one key with a number, string or boolean
// value, the common case ("position", "lsn"), is stored inline and costs no
// allocation; an offset of a few int64 numbers made with OffsetKeys costs
// one small allocation; offsets are encoded to JSON only when the runtime
// commits them.
//
// The zero Offset is "none". Like SourcePartition, values must be primitives.
type Offset struct {
	// An offset of one key with a value of an inline kind (see inlineKind)
	// is key, kind and num or str, as in a Value. Any other has all its
	// entries, in insertion order, and key, kind and num unused; str is
	// empty, except in an offset made by OffsetKeys.Int64s, whose entries
	// are its keys' (their values unused) and str its int64 values, eight
	// little-endian bytes each, in order. The
	// layout keeps an Offset at 56 bytes: every source record, and every
	// record tracked in flight, carries one.
	key     string
	str     string
	num     uint64
	kind    Kind
	entries *[]MapEntry
}

// inlineKind reports whether a one-key offset with a value of kind k is
// stored inline.
func inlineKind(k Kind) bool {
	switch k {
	case KindInt8, KindInt16, KindInt32, KindInt64, KindFloat32, KindFloat64, KindBool, KindString:
		return true
	}
	return false
}

// value returns an inline offset's value.
func (o Offset) value() Value { return Value{kind: o.kind, num: o.num, str: o.str} }

// Int64Offset returns a one-key offset such as {"position": 30}, without
// allocating.
func Int64Offset(key string, v int64) Offset {
	return Offset{key: key, kind: KindInt64, num: uint64(v)}
}

// StringOffset returns a one-key offset with a string value, without allocating.
func StringOffset(key, v string) Offset { return Offset{key: key, kind: KindString, str: v} }

// NewOffset builds an Offset from alternating keys and values, in insertion
// order. It panics on an odd count, a non-string or repeated key, or a
// non-primitive value, which are programming errors.
func NewOffset(keysAndValues ...any) Offset {
	if len(keysAndValues)%2 != 0 {
		panic("connect: NewOffset needs alternating keys and values")
	}
	entries := make([]MapEntry, 0, len(keysAndValues)/2)
	for i := 0; i < len(keysAndValues); i += 2 {
		entries = append(entries, MapEntry{keysAndValues[i], keysAndValues[i+1]})
	}
	o, err := OffsetFromEntries(entries)
	if err != nil {
		panic(err)
	}
	return o
}

// OffsetFromMap builds an Offset from a map, as read from an offset store;
// keys are inserted in sorted order.
func OffsetFromMap(m map[string]any) (Offset, error) {
	entries := make([]MapEntry, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		entries = append(entries, MapEntry{k, m[k]})
	}
	return OffsetFromEntries(entries)
}

// OffsetFromEntries builds an Offset from entries in insertion order; it
// keeps a copy of entries, not entries itself.
func OffsetFromEntries(entries []MapEntry) (Offset, error) {
	for i, e := range entries {
		k, ok := e.Key.(string)
		if !ok {
			return Offset{}, fmt.Errorf("connect: offset key %v is not a string", e.Key)
		}
		if err := checkPrimitive(e.Value, k); err != nil {
			return Offset{}, fmt.Errorf("connect: offset: %w", err)
		}
		for _, prev := range entries[:i] {
			if prev.Key == k {
				return Offset{}, fmt.Errorf("connect: offset key %q appears twice", k)
			}
		}
	}
	switch len(entries) {
	case 0:
		return Offset{}, nil
	case 1:
		if v := AnyValue(entries[0].Value); inlineKind(v.kind) {
			return Offset{key: entries[0].Key.(string), kind: v.kind, num: v.num, str: v.str}, nil
		}
	}
	if len(entries) <= 4 {
		// The slice and its array in one allocation: offsets of a few
		// keys are made for every record of sources such as spooldir's.
		b := new(struct {
			s []MapEntry
			a [4]MapEntry
		})
		b.s = append(b.a[:0:len(entries)], entries...)
		return Offset{entries: &b.s}, nil
	}
	all := slices.Clone(entries)
	return Offset{entries: &all}, nil
}

// OffsetKeys are the keys, in insertion order, of offsets whose values are
// all int64 numbers, such as a file source's {"offset": n, "position": p,
// "line": l}. Made once, they make each such offset (Int64s) without boxing
// its numbers: one allocation of eight bytes a number, where NewOffset and
// OffsetFromEntries take the entries and a boxed value per number above
// 255. The offsets are the same as NewOffset's with the same int64 values
// (Len, All, Get, Int64, Map, Equal, the JSON). The zero OffsetKeys has no
// keys; use NewOffsetKeys.
type OffsetKeys struct{ layout *[]MapEntry }

// NewOffsetKeys returns the keys of offsets made with Int64s. It panics when
// there is none or a key repeats: a programming error, never the result of
// input data.
func NewOffsetKeys(keys ...string) OffsetKeys {
	if len(keys) == 0 {
		panic("connect: NewOffsetKeys needs at least one key")
	}
	layout := make([]MapEntry, len(keys))
	for i, k := range keys {
		if slices.Contains(keys[:i], k) {
			panic(fmt.Sprintf("connect: offset key %q appears twice", k))
		}
		layout[i].Key = k
	}
	return OffsetKeys{&layout}
}

// Int64s returns the offset of k's keys with the values vals, in order. It
// panics when vals are not one per key, a programming error.
func (k OffsetKeys) Int64s(vals ...int64) Offset {
	if k.layout == nil || len(vals) != len(*k.layout) {
		panic(fmt.Sprintf("connect: OffsetKeys.Int64s got %d values for %d keys", len(vals), k.Len()))
	}
	var small [64]byte
	b := small[:0]
	if len(vals) > len(small)/8 {
		b = make([]byte, 0, 8*len(vals))
	}
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	return Offset{entries: k.layout, str: string(b)}
}

// Len returns the number of keys.
func (k OffsetKeys) Len() int {
	if k.layout == nil {
		return 0
	}
	return len(*k.layout)
}

// packedInt64 returns the i-th value of an offset made by
// OffsetKeys.Int64s.
func (o Offset) packedInt64(i int) int64 {
	b := o.str[8*i : 8*i+8]
	return int64(uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56)
}

// IsZero reports whether o is the zero Offset.
func (o Offset) IsZero() bool { return o.kind == KindNull && o.entries == nil }

// Len returns the number of keys.
func (o Offset) Len() int {
	switch {
	case o.entries != nil:
		return len(*o.entries)
	case o.kind != KindNull:
		return 1
	}
	return 0
}

// All yields the keys and values in insertion order.
func (o Offset) All() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		if o.entries == nil {
			if o.kind != KindNull {
				yield(o.key, o.value().Any())
			}
			return
		}
		packed := o.str != ""
		for i, e := range *o.entries {
			v := e.Value
			if packed {
				v = o.packedInt64(i)
			}
			if !yield(e.Key.(string), v) {
				return
			}
		}
	}
}

// Get returns the value of key.
func (o Offset) Get(key string) (any, bool) {
	for k, v := range o.All() {
		if k == key {
			return v, true
		}
	}
	return nil, false
}

// Int64 returns the value of key as an int64, for the usual numeric offsets;
// false when absent or not an integer.
func (o Offset) Int64(key string) (int64, bool) {
	if o.entries == nil {
		switch o.kind {
		case KindInt8, KindInt16, KindInt32, KindInt64:
			if o.key == key {
				return o.value().Int64(), true
			}
		}
		return 0, false
	}
	if o.str != "" {
		for i, e := range *o.entries {
			if e.Key.(string) == key {
				return o.packedInt64(i), true
			}
		}
		return 0, false
	}
	v, ok := o.Get(key)
	if !ok {
		return 0, false
	}
	x := AnyValue(v)
	switch x.kind {
	case KindInt8, KindInt16, KindInt32, KindInt64:
		return x.Int64(), true
	}
	return 0, false
}

// Map returns the offset as a new map.
func (o Offset) Map() map[string]any {
	m := make(map[string]any, o.Len())
	for k, v := range o.All() {
		m[k] = v
	}
	return m
}

// AppendJSON appends the offset as the JSON a JVM worker writes for the same
// java.util.HashMap.
func (o Offset) AppendJSON(dst []byte) ([]byte, error) {
	if o.IsZero() {
		return append(dst, "null"...), nil
	}
	if o.entries == nil {
		dst = append(dst, '{')
		dst = AppendJSONString(dst, o.key)
		dst = append(dst, ':')
		dst, err := appendValueJSON(dst, o.value(), o.key)
		return append(dst, '}'), err
	}
	keys := make([]string, 0, o.Len())
	vals := make([]any, 0, o.Len())
	for k, v := range o.All() {
		keys = append(keys, k)
		vals = append(vals, v)
	}
	return appendOrderedJSON(dst, keys, vals)
}

// String returns the offset's JSON, or "null" for the zero Offset.
func (o Offset) String() string {
	b, err := o.AppendJSON(nil)
	if err != nil {
		return fmt.Sprintf("<invalid offset: %v>", err)
	}
	return string(b)
}

// Equal reports whether o and p hold the same keys and values.
func (o Offset) Equal(p Offset) bool {
	if o.Len() != p.Len() {
		return false
	}
	for k, v := range o.All() {
		w, ok := p.Get(k)
		if !ok || !ValuesEqual(v, w) {
			return false
		}
	}
	return true
}
