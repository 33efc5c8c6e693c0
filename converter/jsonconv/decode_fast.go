package jsonconv

import (
	"math"
	"strconv"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jsonparse"
)

// decodeFast reads a payload guided by its schema straight into values,
// without the node tree the general path (toValue) builds first. It covers
// what records are mostly made of: structs and arrays of integers, floats,
// booleans, strings, timestamps and nulls, written as FromConnect and
// Kafka's JsonConverter write them. For
// anything else, including every input the general path rejects, it returns
// false and the caller takes the general path from the start, so results
// and errors are the general path's by construction; a differential test
// and fuzz target hold both to it.
//
// decodeFast's payload was checked by parseEnvelope: it is one complete
// JSON value. fastDecoder.value itself checks what it reads and fails on
// anything malformed, so parseEnvelope also runs it on unchecked bytes, the
// payload of an envelope whose schema was cached last, and falls back to
// checking the payload on the general path when it fails.
func (c *Converter) decodeFast(payload []byte, s *connect.Schema) (connect.Value, bool) {
	d := fastDecoder{p: jsonparse.Parser{Data: payload}, replaceNull: c.replaceNullWithDefault}
	v, ok := d.value(s, 0)
	if !ok {
		return connect.Value{}, false
	}
	d.p.SkipSpace()
	return v, d.p.Pos == len(payload)
}

type fastDecoder struct {
	p           jsonparse.Parser
	replaceNull bool // replace.null.with.default
}

// fastMaxDepth bounds the nesting decodeFast follows; deeper payloads take
// the general path.
const fastMaxDepth = 32

func (d *fastDecoder) peek() byte {
	d.p.SkipSpace()
	if d.p.Pos >= len(d.p.Data) {
		return 0
	}
	return d.p.Data[d.p.Pos]
}

func (d *fastDecoder) value(s *connect.Schema, depth int) (connect.Value, bool) {
	if depth > fastMaxDepth {
		return connect.Value{}, false
	}
	c := d.peek()
	if c == 'n' {
		if !d.p.Literal("null") {
			return connect.Value{}, false
		}
		return d.null(s)
	}
	switch s.Logical() {
	case connect.NotLogical:
	case connect.LogicalTimestamp:
		n, ok := d.integer(math.MinInt64, math.MaxInt64)
		return connect.TimeValue(connect.MillisToTimestamp(n)), ok
	default:
		return connect.Value{}, false
	}
	switch s.Type {
	case connect.Int8Type:
		n, ok := d.integer(math.MinInt8, math.MaxInt8)
		return connect.Int8Value(int8(n)), ok
	case connect.Int16Type:
		n, ok := d.integer(math.MinInt16, math.MaxInt16)
		return connect.Int16Value(int16(n)), ok
	case connect.Int32Type:
		n, ok := d.integer(math.MinInt32, math.MaxInt32)
		return connect.Int32Value(int32(n)), ok
	case connect.Int64Type:
		n, ok := d.integer(math.MinInt64, math.MaxInt64)
		return connect.Int64Value(n), ok
	case connect.Float32Type:
		f, ok := d.float(32)
		return connect.Float32Value(float32(f)), ok
	case connect.Float64Type:
		f, ok := d.float(64)
		return connect.Float64Value(f), ok
	case connect.BooleanType:
		switch {
		case c == 't' && d.p.Literal("true"):
			return connect.BoolValue(true), true
		case c == 'f' && d.p.Literal("false"):
			return connect.BoolValue(false), true
		}
	case connect.StringType:
		if c == '"' {
			str, err := d.p.ReadString()
			return connect.StringValue(str), err == nil
		}
	case connect.ArrayType:
		if c == '[' {
			return d.array(s, depth)
		}
	case connect.StructType:
		if c == '{' {
			return d.object(s, depth)
		}
	}
	return connect.Value{}, false
}

// null returns what a JSON null, or a missing field, reads as for s: its
// default with replace.null.with.default, else null where s allows it. A
// required schema without a default fails, on the general path.
func (d *fastDecoder) null(s *connect.Schema) (connect.Value, bool) {
	switch {
	case s.Default != nil && d.replaceNull:
		return connect.AnyValue(s.Default), true
	case s.Default != nil || s.Optional:
		return connect.Value{}, true
	}
	return connect.Value{}, false
}

// number reads the JSON number at the current position and returns its
// text, checked against JSON's grammar.
func (d *fastDecoder) number() ([]byte, bool) {
	if c := d.peek(); c != '-' && (c < '0' || c > '9') {
		return nil, false
	}
	start := d.p.Pos
	if d.p.SkipNumber() != nil {
		return nil, false
	}
	return d.p.Data[start:d.p.Pos], true
}

// integer reads a plain JSON integer (no fraction or exponent, which the
// general path reads when integral) within [lo, hi].
func (d *fastDecoder) integer(lo, hi int64) (int64, bool) {
	text, ok := d.number()
	if !ok {
		return 0, false
	}
	n, ok := jsonparse.PlainInt64(text)
	return n, ok && lo <= n && n <= hi
}

// float reads a JSON number as a float of bits bits. The strings "NaN" and
// "Infinity" and out-of-range numbers take the general path.
func (d *fastDecoder) float(bits int) (float64, bool) {
	text, ok := d.number()
	if !ok {
		return 0, false
	}
	// The number's text, as ParseFloat wants it, without keeping a copy.
	f, err := strconv.ParseFloat(string(text), bits)
	return f, err == nil
}

func (d *fastDecoder) array(s *connect.Schema, depth int) (connect.Value, bool) {
	if s.Elem == nil {
		return connect.Value{}, false
	}
	d.p.Pos++ // [
	out := make([]any, 0, 4)
	if d.peek() == ']' {
		d.p.Pos++
		return connect.AnyValue(out), true
	}
	for {
		v, ok := d.value(s.Elem, depth+1)
		if !ok {
			return connect.Value{}, false
		}
		out = append(out, v.Any())
		switch d.peek() {
		case ',':
			d.p.Pos++
		case ']':
			d.p.Pos++
			return connect.AnyValue(out), true
		default:
			return connect.Value{}, false
		}
	}
}

// object reads a struct: members in any order, each field at most once
// (repeated keys take the general path, which keeps the last), members that
// are not fields skipped, missing fields null.
func (d *fastDecoder) object(s *connect.Schema, depth int) (connect.Value, bool) {
	if len(s.Fields) > 64 {
		return connect.Value{}, false
	}
	st := connect.NewStruct(s)
	var seen uint64
	d.p.Pos++ // {
	if d.peek() == '}' {
		d.p.Pos++
		return d.finish(st, s, seen)
	}
	for next := 0; ; next++ {
		if d.peek() != '"' {
			return connect.Value{}, false
		}
		i, ok := d.fieldIndex(s, next)
		if !ok || d.peek() != ':' {
			return connect.Value{}, false
		}
		d.p.Pos++
		d.p.SkipSpace()
		switch {
		case i < 0: // not a field: check it and pass over it
			if d.p.Skip() != nil {
				return connect.Value{}, false
			}
		case seen&(1<<i) != 0:
			return connect.Value{}, false
		default:
			seen |= 1 << i
			// value reads what is not null as a Value made for the
			// field's schema, which needs no check; what a null reads
			// as (null, or a default) takes SetAt's.
			null := d.peek() == 'n'
			v, ok := d.value(s.Fields[i].Schema, depth+1)
			switch {
			case !ok:
				return connect.Value{}, false
			case !null:
				st.SetAtUnchecked(i, v)
			case st.SetAt(i, v) != nil:
				return connect.Value{}, false
			}
		}
		switch d.peek() {
		case ',':
			d.p.Pos++
		case '}':
			d.p.Pos++
			return d.finish(st, s, seen)
		default:
			return connect.Value{}, false
		}
	}
}

// fieldIndex reads a member name and returns its field's index, -1 for a
// name that is no field. Names are compared as raw bytes, so a name with an
// escape takes the general path. Members usually come in field order, so
// the next field is tried first.
func (d *fastDecoder) fieldIndex(s *connect.Schema, next int) (int, bool) {
	data := d.p.Data
	start := d.p.Pos + 1
	end := start
	for end < len(data) && data[end] != '"' {
		if data[end] == '\\' || data[end] < 0x20 {
			return 0, false
		}
		end++
	}
	if end >= len(data) {
		return 0, false
	}
	name := data[start:end]
	d.p.Pos = end + 1
	if next < len(s.Fields) && string(name) == s.Fields[next].Name {
		return next, true
	}
	for i := range s.Fields {
		if string(name) == s.Fields[i].Name {
			return i, true
		}
	}
	return -1, true
}

// finish gives the fields no member named what a null reads as.
func (d *fastDecoder) finish(st *connect.Struct, s *connect.Schema, seen uint64) (connect.Value, bool) {
	for i, f := range s.Fields {
		if seen&(1<<i) != 0 {
			continue
		}
		v, ok := d.null(f.Schema)
		if !ok || st.SetAt(i, v) != nil {
			return connect.Value{}, false
		}
	}
	return connect.AnyValue(st), true
}
