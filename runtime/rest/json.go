package rest

import (
	"bytes"
	"encoding/json"
	"slices"
	"unicode/utf16"
)

// marshal writes v as Jackson does: no HTML escaping, no newline.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	sb, _ := marshal(s) // a string always marshals
	return append(b, sb...)
}

// javaStringHash is Java's String.hashCode.
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

// javaHashOrder reorders keys, given in insertion order, into the
// iteration order of a java.util.HashMap they were put into one at a time,
// hash giving each key's hashCode: by bucket, (h ^ h>>>16) & (capacity-1)
// with a capacity of 16 doubled while the map is more than three-quarters
// full, keys sharing a bucket in insertion order. Kafka Connect writes the
// maps it answers with in that order.
func javaHashOrder(keys []string, hash func(string) int32) {
	capacity := 16
	for len(keys) > capacity*3/4 {
		capacity *= 2
	}
	mask := int32(capacity - 1)
	bucket := func(k string) int32 {
		h := hash(k)
		return (h ^ int32(uint32(h)>>16)) & mask
	}
	slices.SortStableFunc(keys, func(a, b string) int { return int(bucket(a)) - int(bucket(b)) })
}
