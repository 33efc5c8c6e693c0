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
type Headers struct {
	// list is never written once built: Add copies it before appending
	// (the three-index slice forces append to copy) and the other changes
	// build new lists. When its first element's Schema is sharedMark, that
	// element stands for headers shared with other Headers (Shared), a
	// *[]Header in its Value, which come before the rest of list. Headers
	// stays one slice so that a Record stays small.
	list []Header
}

// sharedMark marks the first element of a list that begins with shared
// headers.
var sharedMark = &Schema{Name: "kconnect.shared.headers"}

// NewHeaders returns Headers holding hs, in order. It copies hs.
func NewHeaders(hs ...Header) Headers {
	if len(hs) == 0 {
		return Headers{}
	}
	return Headers{slices.Clone(hs)}
}

// Shared returns h's headers in a form made to be added to many times: the
// Headers that Add and AddString return from it share these headers
// instead of copying them, and copy only the headers added since. A source
// that puts the same headers on many records (a file's, a table's) and a
// few of each record's own calls Shared once and adds each record's to
// the result, which costs a small allocation per record instead of a copy
// of the whole list. The headers, their order and every method's results
// are the same as h's; only the cost of Add differs, and Headers built by
// the two ways are not equal for reflect.DeepEqual (compare their headers).
func (h Headers) Shared() Headers {
	shared, own := h.parts()
	var all []Header
	switch {
	case len(own) == 0:
		return h
	case shared == nil:
		all = own[:len(own):len(own)]
	default:
		all = h.appendTo(make([]Header, 0, h.Len()))
	}
	return Headers{[]Header{{Schema: sharedMark, Value: &all}}}
}

// SharedPrefix returns how many of the first headers of h and o are the
// same Shared list, which both were built on: the very same headers, which
// a runtime converting the headers of many records need not compare again
// to reuse what it converted for the record before. It is 0 when h and o
// do not begin with the same Shared list, whatever their headers; it
// compares no header.
func (h Headers) SharedPrefix(o Headers) int {
	if len(h.list) == 0 || len(o.list) == 0 || h.list[0].Schema != sharedMark || o.list[0].Schema != sharedMark {
		return 0
	}
	hl, ol := h.list[0].Value.(*[]Header), o.list[0].Value.(*[]Header)
	if hl != ol {
		return 0
	}
	return len(*hl)
}

// parts returns the shared headers (nil for none) and those after them.
func (h Headers) parts() (shared, own []Header) {
	if len(h.list) > 0 && h.list[0].Schema == sharedMark {
		return *h.list[0].Value.(*[]Header), h.list[1:]
	}
	return nil, h.list
}

// appendTo appends every header to dst, in order.
func (h Headers) appendTo(dst []Header) []Header {
	shared, own := h.parts()
	return append(append(dst, shared...), own...)
}

// Len returns the number of headers.
func (h Headers) Len() int {
	shared, own := h.parts()
	return len(shared) + len(own)
}

// At returns the i-th header.
func (h Headers) At(i int) Header {
	shared, own := h.parts()
	if i < len(shared) {
		return shared[i]
	}
	return own[i-len(shared)]
}

// All yields every header in order.
func (h Headers) All() iter.Seq[Header] {
	return func(yield func(Header) bool) {
		shared, own := h.parts()
		for _, x := range shared {
			if !yield(x) {
				return
			}
		}
		for _, x := range own {
			if !yield(x) {
				return
			}
		}
	}
}

// Values yields every header called key, in order.
func (h Headers) Values(key string) iter.Seq[Header] {
	return func(yield func(Header) bool) {
		for x := range h.All() {
			if x.Key == key && !yield(x) {
				return
			}
		}
	}
}

// Last returns the last header called key, as Kafka Connect's lastWithName.
func (h Headers) Last(key string) (Header, bool) {
	shared, own := h.parts()
	for i := len(own) - 1; i >= 0; i-- {
		if own[i].Key == key {
			return own[i], true
		}
	}
	for i := len(shared) - 1; i >= 0; i-- {
		if shared[i].Key == key {
			return shared[i], true
		}
	}
	return Header{}, false
}

// Add returns h with a header appended. The receiver is unchanged: the
// three-index slice forces append to copy.
func (h Headers) Add(key string, schema *Schema, value any) Headers {
	return Headers{append(h.list[:len(h.list):len(h.list)], Header{key, schema, value})}
}

// AddTo returns h with a header appended, as Add does, but builds the new
// list in buf, which it takes from the front, when buf is long enough for
// all of h's headers but the Shared ones and the new header (a new array
// otherwise, as Add); it returns what is left of buf. A source that adds a
// header to each of many records, such as a row number to a file's Shared
// headers, carves their lists from one array that way: one allocation for
// many records instead of one a record. The part of buf taken belongs to
// the returned Headers: the caller must not write it (only the rest); that
// array stays reachable while any of the Headers built in it is.
func (h Headers) AddTo(buf []Header, key string, schema *Schema, value any) (Headers, []Header) {
	n := len(h.list) + 1
	if len(buf) < n {
		return h.Add(key, schema, value), buf
	}
	list := buf[:n:n]
	copy(list, h.list)
	list[n-1] = Header{key, schema, value}
	return Headers{list}, buf[n:]
}

// AddString returns h with a string header appended, with the STRING schema
// Kafka Connect's addString uses.
func (h Headers) AddString(key, value string) Headers {
	return h.Add(key, StringSchema, value)
}

// Remove returns h without any header called key.
func (h Headers) Remove(key string) Headers {
	shared, own := h.parts()
	if !slices.ContainsFunc(shared, func(x Header) bool { return x.Key == key }) &&
		!slices.ContainsFunc(own, func(x Header) bool { return x.Key == key }) {
		return h
	}
	return h.Filter(func(x Header) bool { return x.Key != key })
}

// Set returns h with every header called key replaced by one header at the
// position of the first of them (or appended when there was none).
func (h Headers) Set(key string, schema *Schema, value any) Headers {
	found := false
	for x := range h.All() {
		if x.Key == key {
			found = true
			break
		}
	}
	if !found {
		return h.Add(key, schema, value)
	}
	out := make([]Header, 0, h.Len())
	set := false
	for x := range h.All() {
		switch {
		case x.Key != key:
			out = append(out, x)
		case !set:
			out = append(out, Header{key, schema, value})
			set = true
		}
	}
	return Headers{out}
}

// RetainLatest returns h keeping only the last header of each key, in the
// order of those last headers.
func (h Headers) RetainLatest() Headers {
	shared, all := h.parts()
	if shared != nil {
		all = h.appendTo(nil)
	}
	out := make([]Header, 0, len(all))
	for i, x := range all {
		later := slices.ContainsFunc(all[i+1:], func(y Header) bool { return y.Key == x.Key })
		if !later {
			out = append(out, x)
		}
	}
	return Headers{out}
}

// Filter returns h keeping the headers for which keep returns true.
func (h Headers) Filter(keep func(Header) bool) Headers {
	out := make([]Header, 0, h.Len())
	for x := range h.All() {
		if keep(x) {
			out = append(out, x)
		}
	}
	return Headers{out}
}
