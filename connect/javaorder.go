package connect

import (
	"math"
	"slices"
	"time"
	"unicode/utf16"
)

// Kafka Connect writes a map as JSON in the iteration order of the Java map
// holding it, and connectors build their partition and offset maps with
// java.util.HashMap. Offsets-topic keys are compared and partitioned by their
// bytes, so to write the same bytes as a JVM worker kconnect orders map keys
// exactly as a HashMap filled one entry at a time would iterate them: by
// bucket, (h ^ h>>>16) & (capacity-1) with h the key's Java hashCode and a
// capacity of 16 doubled whenever the map is more than three-quarters full;
// keys sharing a bucket stay in insertion order.

// javaHashCode returns Java's hashCode of the boxed key, as JsonConverter's
// reader would have built it: String, Long (for Go int and int64), Integer,
// Short, Byte, Boolean, Float, Double and java.util.Date (for time.Time).
func javaHashCode(k any) int32 {
	switch x := k.(type) {
	case string:
		return javaStringHash(x)
	case int64:
		return int32(x ^ int64(uint64(x)>>32))
	case int:
		return int32(int64(x) ^ int64(uint64(x)>>32))
	case int32:
		return x
	case int16:
		return int32(x)
	case int8:
		return int32(x)
	case bool:
		if x {
			return 1231
		}
		return 1237
	case float32:
		if x != x {
			return 0x7fc00000
		}
		return int32(math.Float32bits(x))
	case float64:
		b := math.Float64bits(x)
		if x != x {
			b = 0x7ff8000000000000
		}
		return int32(b ^ b>>32)
	case time.Time:
		// java.util.Date.hashCode, of its milliseconds.
		ms := x.UnixMilli()
		return int32(ms ^ int64(uint64(ms)>>32))
	}
	return 0
}

func javaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			h = 31*h + r1
			h = 31*h + r2
			continue
		}
		h = 31*h + r
	}
	return h
}

// javaBucketOrder sorts idx, a permutation of 0..n-1 in insertion order, into
// HashMap iteration order given each entry's hash.
func javaBucketOrder(idx []int, hash func(i int) int32) {
	n := len(idx)
	capacity := 16
	for n > capacity*3/4 {
		capacity *= 2
	}
	mask := int32(capacity - 1)
	bucket := func(i int) int32 {
		h := hash(i)
		return (h ^ int32(uint32(h)>>16)) & mask
	}
	slices.SortStableFunc(idx, func(a, b int) int { return int(bucket(a)) - int(bucket(b)) })
}

// JavaHashMapOrder reorders keys, given in insertion order, into the order in
// which a java.util.HashMap filled with them one at a time iterates. Writing
// map keys in this order reproduces the JSON bytes a JVM Kafka Connect worker
// writes for a HashMap, byte for byte.
func JavaHashMapOrder(keys []string) {
	if len(keys) < 2 {
		return
	}
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	javaBucketOrder(idx, func(i int) int32 { return javaStringHash(keys[i]) })
	sorted := make([]string, len(keys))
	for i, j := range idx {
		sorted[i] = keys[j]
	}
	copy(keys, sorted)
}

// JavaHashMapEntries puts entries, given in insertion order, into the order
// in which a java.util.HashMap filled with them one at a time iterates, and
// returns them. A key put again keeps its first place and takes the later
// value, as HashMap.put does; the result is then shorter than entries. It
// reorders entries in place and returns a prefix of it.
//
// Keys are hashed and compared as JsonConverter's reader boxes them: a Go
// string as a String, int and int64 as Long, int32, int16 and int8 as
// Integer, Short and Byte, float32 and float64 as Float and Double (equal
// when their bits are), bool as Boolean and a time.Time as a
// java.util.Date (equal to the millisecond). Keys of any other type are
// never equal to one another and hash as 0, so keep their insertion order
// among themselves.
//
// Writing a MAP read from JSON in this order, as a []MapEntry, gives the
// bytes a JVM worker writes for the HashMap Kafka's JsonConverter reads it
// into, keys sharing a bucket included.
func JavaHashMapEntries(entries []MapEntry) []MapEntry {
	n := len(entries)
	if n < 2 {
		return entries
	}
	// Each entry sorts by its bucket, then by its insertion index: the
	// bucket in the high 32 bits, the index in the low ones.
	var keyBuf [32]uint64
	var hashBuf [32]int32
	keys, hashes := keyBuf[:0], hashBuf[:0]
	if n > len(keyBuf) {
		keys, hashes = make([]uint64, 0, n), make([]int32, 0, n)
	}
	capacity := 16
	for n > capacity*3/4 {
		capacity *= 2
	}
	mask := int32(capacity - 1)
	for i := range entries {
		h := javaHashCode(entries[i].Key)
		h ^= int32(uint32(h) >> 16)
		hashes = append(hashes, h)
		keys = append(keys, uint64(h&mask)<<32|uint64(i))
	}
	slices.Sort(keys)
	// A repeated key hashes alike, so it lands in the bucket of its first
	// copy, after it: look for copies among the entries of each bucket.
	var dropped []bool
	for start := 0; start < n; {
		end := start + 1
		for end < n && keys[end]>>32 == keys[start]>>32 {
			end++
		}
		for b := start + 1; b < end; b++ {
			j := uint32(keys[b])
			for a := start; a < b; a++ {
				i := uint32(keys[a])
				if (dropped == nil || !dropped[i]) && hashes[i] == hashes[j] && javaKeyEqual(entries[i].Key, entries[j].Key) {
					if dropped == nil {
						dropped = make([]bool, n)
					}
					entries[i].Value = entries[j].Value
					dropped[j] = true
					break
				}
			}
		}
		start = end
	}
	if dropped != nil {
		// Fewer keys may make a smaller table: start again without the
		// copies.
		out := entries[:0]
		for i, e := range entries {
			if !dropped[i] {
				out = append(out, e)
			}
		}
		clear(entries[len(out):])
		return JavaHashMapEntries(out)
	}
	// Move each entry to its place, following the permutation's cycles; a
	// placed entry's sort key gets its top bit set.
	const placed = 1 << 63
	for i := range keys {
		if keys[i]&placed != 0 {
			continue
		}
		held := entries[i]
		j := i
		for {
			src := int(uint32(keys[j]))
			keys[j] |= placed
			if src == i {
				entries[j] = held
				break
			}
			entries[j] = entries[src]
			j = src
		}
	}
	return entries
}

// javaKeyEqual is Java's equals for keys as javaHashCode boxes them.
func javaKeyEqual(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case int64, int:
		// Both box as Long.
		x64, ok1 := javaLong(a)
		y64, ok2 := javaLong(b)
		return ok1 && ok2 && x64 == y64
	case int32:
		y, ok := b.(int32)
		return ok && x == y
	case int16:
		y, ok := b.(int16)
		return ok && x == y
	case int8:
		y, ok := b.(int8)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case float32:
		// Float.equals and Double.equals compare the bits, every NaN alike.
		y, ok := b.(float32)
		return ok && (math.Float32bits(x) == math.Float32bits(y) || x != x && y != y)
	case float64:
		y, ok := b.(float64)
		return ok && (math.Float64bits(x) == math.Float64bits(y) || x != x && y != y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.UnixMilli() == y.UnixMilli()
	}
	return false
}

// javaLong returns an int64 or int key as the Long it boxes as.
func javaLong(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	}
	return 0, false
}
