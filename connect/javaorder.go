package connect

import (
	"math"
	"slices"
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
// Short, Byte, Boolean, Float and Double.
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
