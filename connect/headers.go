package connect

import (
	"iter"
	"slices"
)

// Header is one record header: a key, and a value with an optional schema
// (a nil Schema means the value is schemaless).
type Header struct {
	Key    string
	Schema *Schema
	Value  any
}

// Headers is an ordered list of record headers in which a key may repeat, as
// in Kafka. It is copy-on-write: Add, Remove, Set and the other changes
// return a new Headers and never modify the receiver, so a transform cannot
// change the headers of the record it was given. The zero Headers is empty
// and ready to use.
type Headers struct{ list []Header }

// NewHeaders returns Headers holding hs, in order. It copies hs.
func NewHeaders(hs ...Header) Headers {
	if len(hs) == 0 {
		return Headers{}
	}
	return Headers{slices.Clone(hs)}
}

// Len returns the number of headers.
func (h Headers) Len() int { return len(h.list) }

// At returns the i-th header.
func (h Headers) At(i int) Header { return h.list[i] }

// All yields every header in order.
func (h Headers) All() iter.Seq[Header] {
	return func(yield func(Header) bool) {
		for _, x := range h.list {
			if !yield(x) {
				return
			}
		}
	}
}

// Values yields every header called key, in order.
func (h Headers) Values(key string) iter.Seq[Header] {
	return func(yield func(Header) bool) {
		for _, x := range h.list {
			if x.Key == key && !yield(x) {
				return
			}
		}
	}
}

// Last returns the last header called key, as Kafka Connect's lastWithName.
func (h Headers) Last(key string) (Header, bool) {
	for i := len(h.list) - 1; i >= 0; i-- {
		if h.list[i].Key == key {
			return h.list[i], true
		}
	}
	return Header{}, false
}

// Add returns h with a header appended. The receiver is unchanged: the
// three-index slice forces append to copy.
func (h Headers) Add(key string, schema *Schema, value any) Headers {
	return Headers{append(h.list[:len(h.list):len(h.list)], Header{key, schema, value})}
}

// AddString returns h with a string header appended, with the STRING schema
// Kafka Connect's addString uses.
func (h Headers) AddString(key, value string) Headers {
	return h.Add(key, StringSchema, value)
}

// Remove returns h without any header called key.
func (h Headers) Remove(key string) Headers {
	if !slices.ContainsFunc(h.list, func(x Header) bool { return x.Key == key }) {
		return h
	}
	out := make([]Header, 0, len(h.list))
	for _, x := range h.list {
		if x.Key != key {
			out = append(out, x)
		}
	}
	return Headers{out}
}

// Set returns h with every header called key replaced by one header at the
// position of the first of them (or appended when there was none).
func (h Headers) Set(key string, schema *Schema, value any) Headers {
	i := slices.IndexFunc(h.list, func(x Header) bool { return x.Key == key })
	if i < 0 {
		return h.Add(key, schema, value)
	}
	out := make([]Header, 0, len(h.list))
	for j, x := range h.list {
		switch {
		case j == i:
			out = append(out, Header{key, schema, value})
		case x.Key != key:
			out = append(out, x)
		}
	}
	return Headers{out}
}

// RetainLatest returns h keeping only the last header of each key, in the
// order of those last headers.
func (h Headers) RetainLatest() Headers {
	out := make([]Header, 0, len(h.list))
	for i, x := range h.list {
		later := slices.ContainsFunc(h.list[i+1:], func(y Header) bool { return y.Key == x.Key })
		if !later {
			out = append(out, x)
		}
	}
	return Headers{out}
}

// Filter returns h keeping the headers for which keep returns true.
func (h Headers) Filter(keep func(Header) bool) Headers {
	out := make([]Header, 0, len(h.list))
	for _, x := range h.list {
		if keep(x) {
			out = append(out, x)
		}
	}
	return Headers{out}
}
