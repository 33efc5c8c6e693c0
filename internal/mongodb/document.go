package mongodb

import (
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Index returns the position of the field called key in d, or -1.
func Index(d bson.D, key string) int {
	for i := range d {
		if d[i].Key == key {
			return i
		}
	}
	return -1
}

// Get returns the value of the field called key in d and whether there is
// one.
func Get(d bson.D, key string) (any, bool) {
	if i := Index(d, key); i >= 0 {
		return d[i].Value, true
	}
	return nil, false
}

// Set sets the field called key to v, in its place when d has it, else
// appended, and returns d.
func Set(d bson.D, key string, v any) bson.D {
	if i := Index(d, key); i >= 0 {
		d[i].Value = v
		return d
	}
	return append(d, bson.E{Key: key, Value: v})
}

// Remove removes the field called key from d and returns d.
func Remove(d bson.D, key string) bson.D {
	if i := Index(d, key); i >= 0 {
		return append(d[:i], d[i+1:]...)
	}
	return d
}

// Lookup returns the value at a dotted path ("a.b.c") of nested documents.
func Lookup(d bson.D, path string) (any, bool) {
	for {
		head, rest, nested := strings.Cut(path, ".")
		v, ok := Get(d, head)
		if !ok || !nested {
			return v, ok
		}
		sub, isDoc := v.(bson.D)
		if !isDoc {
			return nil, false
		}
		d, path = sub, rest
	}
}

// Clone returns a deep copy of d: its nested documents and arrays are
// copied too, so that changing the copy never changes d.
func Clone(d bson.D) bson.D {
	if d == nil {
		return nil
	}
	out := make(bson.D, len(d))
	for i, e := range d {
		out[i] = bson.E{Key: e.Key, Value: cloneValue(e.Value)}
	}
	return out
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case bson.D:
		return Clone(x)
	case bson.A:
		out := make(bson.A, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	}
	return v
}
