package jsonschema

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jsonparse"
)

// value reads n as a value of s, as JsonSchemaData.toConnectData does,
// except that a number out of its type's range, or a JSON type that does
// not fit the schema, is an error rather than truncated or a crash. The
// error names where in the value it fails. path is unused: a schema's
// default is read with it for the same signature as the schema reader's.
func (d dataConfig) value(s *connect.Schema, n *jsonparse.Node, _ string) (any, error) {
	v, err := d.val(s, n)
	if err != nil {
		return nil, err
	}
	return v.Any(), nil
}

// pathError is an error at a place within a value: "a.b[2]".
type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string { return e.path + ": " + e.err.Error() }
func (e *pathError) Unwrap() error { return e.err }

// at places err under elem, a field name or "[i]"; paths are built only
// for errors, so that reading costs no string building.
func at(elem string, err error) error {
	if pe, ok := err.(*pathError); ok {
		sep := "."
		if strings.HasPrefix(pe.path, "[") {
			sep = ""
		}
		return &pathError{elem + sep + pe.path, pe.err}
	}
	return &pathError{elem, err}
}

func (d dataConfig) val(s *connect.Schema, n *jsonparse.Node) (connect.Value, error) {
	fail := func(format string, args ...any) error { return fmt.Errorf(format, args...) }
	if n == nil || n.Kind == jsonparse.Null || n.Kind == 0 {
		switch {
		case s.Default != nil:
			return connect.AnyValue(s.Default), nil
		case s.Optional:
			return connect.Value{}, nil
		}
		return connect.Value{}, fail("null value for a required %s", s.Type)
	}
	want := func(what string) error { return fail("%s where %s is expected", n.Describe(), what) }
	switch s.Logical() {
	case connect.LogicalDecimal:
		scale, err := s.DecimalScale()
		if err != nil {
			return connect.Value{}, fail("%v", err)
		}
		switch n.Kind {
		case jsonparse.Number:
			dec, err := connect.ParseDecimal(n.Str)
			if err != nil {
				return connect.Value{}, fail("%v", err)
			}
			if dec, err = dec.Rescale(scale); err != nil {
				return connect.Value{}, fail("%v", err)
			}
			return connect.DecimalValue(dec), nil
		case jsonparse.String:
			b, err := base64.StdEncoding.DecodeString(n.Str)
			if err != nil {
				return connect.Value{}, fail("a Decimal string must be base64: %v", err)
			}
			dec, err := connect.DecimalFromBytes(b, scale)
			if err != nil {
				return connect.Value{}, fail("%v", err)
			}
			return connect.DecimalValue(dec), nil
		}
		return connect.Value{}, want("a Decimal (number or base64 string)")
	case connect.LogicalDate, connect.LogicalTime, connect.LogicalTimestamp:
		if n.Kind != jsonparse.Number {
			return connect.Value{}, want("an integer")
		}
		bits := 32
		if s.Logical() == connect.LogicalTimestamp {
			bits = 64
		}
		x, err := strconv.ParseInt(n.Str, 10, bits)
		if err != nil {
			return connect.Value{}, fail("%s is not an integer of %d bits", n.Str, bits)
		}
		switch s.Logical() {
		case connect.LogicalDate:
			return connect.TimeValue(connect.DaysToDate(int32(x))), nil
		case connect.LogicalTime:
			return connect.TimeValue(connect.MillisToTime(int32(x))), nil
		}
		return connect.TimeValue(connect.MillisToTimestamp(x)), nil
	}
	switch s.Type {
	case connect.Int8Type, connect.Int16Type, connect.Int32Type, connect.Int64Type:
		if n.Kind != jsonparse.Number {
			return connect.Value{}, want("an integer")
		}
		x, err := parseInt(n.Str)
		if err != nil {
			return connect.Value{}, fail("%v", err)
		}
		switch s.Type {
		case connect.Int8Type:
			if x < math.MinInt8 || x > math.MaxInt8 {
				return connect.Value{}, fail("%d is out of range for an INT8", x)
			}
			return connect.Int8Value(int8(x)), nil
		case connect.Int16Type:
			if x < math.MinInt16 || x > math.MaxInt16 {
				return connect.Value{}, fail("%d is out of range for an INT16", x)
			}
			return connect.Int16Value(int16(x)), nil
		case connect.Int32Type:
			if x < math.MinInt32 || x > math.MaxInt32 {
				return connect.Value{}, fail("%d is out of range for an INT32", x)
			}
			return connect.Int32Value(int32(x)), nil
		}
		return connect.Int64Value(x), nil
	case connect.Float32Type, connect.Float64Type:
		if n.Kind != jsonparse.Number {
			return connect.Value{}, want("a number")
		}
		bits := 64
		if s.Type == connect.Float32Type {
			bits = 32
		}
		f, err := strconv.ParseFloat(n.Str, bits)
		if err != nil {
			// Jackson would read Infinity, which JSON cannot hold.
			return connect.Value{}, fail("%s is out of range for a %s", n.Str, s.Type)
		}
		if bits == 32 {
			return connect.Float32Value(float32(f)), nil
		}
		return connect.Float64Value(f), nil
	case connect.BooleanType:
		switch n.Kind {
		case jsonparse.True:
			return connect.BoolValue(true), nil
		case jsonparse.False:
			return connect.BoolValue(false), nil
		}
		return connect.Value{}, want("a boolean")
	case connect.StringType:
		if n.Kind != jsonparse.String {
			return connect.Value{}, want("a string")
		}
		return connect.StringValue(n.Str), nil
	case connect.BytesType:
		if n.Kind != jsonparse.String {
			return connect.Value{}, want("a base64 string")
		}
		b, err := base64.StdEncoding.DecodeString(n.Str)
		if err != nil {
			return connect.Value{}, fail("bytes must be base64: %v", err)
		}
		return connect.BytesValue(b), nil
	case connect.ArrayType:
		if n.Kind != jsonparse.Array {
			return connect.Value{}, want("an array")
		}
		out := make([]any, len(n.Kids))
		for i := range n.Kids {
			v, err := d.val(s.Elem, &n.Kids[i])
			if err != nil {
				return connect.Value{}, at("["+strconv.Itoa(i)+"]", err)
			}
			out[i] = v.Any()
		}
		return connect.AnyValue(out), nil
	case connect.MapType:
		if s.Key.Type == connect.StringType && !s.Key.Optional {
			if n.Kind != jsonparse.Object {
				return connect.Value{}, want("an object (a map with string keys)")
			}
			out := make(map[string]any, len(n.Keys))
			for i, k := range n.Keys {
				v, err := d.val(s.Elem, &n.Kids[i])
				if err != nil {
					return connect.Value{}, at("["+strconv.Quote(k)+"]", err)
				}
				out[k] = v.Any()
			}
			return connect.AnyValue(out), nil
		}
		if n.Kind != jsonparse.Array {
			return connect.Value{}, want("an array of key and value objects (a map)")
		}
		out := make([]connect.MapEntry, len(n.Kids))
		for i := range n.Kids {
			e := &n.Kids[i]
			if e.Kind != jsonparse.Object || len(e.Keys) != 2 {
				return connect.Value{}, fail("map entry %d must be an object of key and value", i)
			}
			k, err := d.val(s.Key, e.Member("key"))
			if err != nil {
				return connect.Value{}, at("["+strconv.Itoa(i)+"]", at("key", err))
			}
			v, err := d.val(s.Elem, e.Member("value"))
			if err != nil {
				return connect.Value{}, at("["+strconv.Itoa(i)+"]", at("value", err))
			}
			out[i] = connect.MapEntry{Key: k.Any(), Value: v.Any()}
		}
		return connect.AnyValue(out), nil
	case connect.StructType:
		st := connect.NewStruct(s)
		if s.Name == oneOfName {
			for i, f := range s.Fields {
				if !matches(f.Schema, n) {
					continue
				}
				v, err := d.val(f.Schema, n)
				if err != nil {
					return connect.Value{}, err
				}
				if err := st.SetAt(i, v); err != nil {
					return connect.Value{}, err
				}
				return connect.AnyValue(st), nil
			}
			return connect.Value{}, fail("%s matches none of the oneOf schemas", n.Describe())
		}
		if n.Kind != jsonparse.Object {
			return connect.Value{}, want("an object")
		}
		for i, f := range s.Fields {
			v, err := d.val(f.Schema, memberAt(n, f.Name, i))
			if err != nil {
				return connect.Value{}, at(f.Name, err)
			}
			if v.IsNull() {
				continue
			}
			if err := st.SetAt(i, v); err != nil {
				return connect.Value{}, at(f.Name, err)
			}
		}
		return connect.AnyValue(st), nil
	}
	return connect.Value{}, fail("unsupported schema type %s", s.Type)
}

// memberAt finds an object's member name, looking first at position i,
// where a writer that follows the schema put it.
func memberAt(n *jsonparse.Node, name string, i int) *jsonparse.Node {
	// The parser keeps one member of repeated keys, so a match is the one.
	if i < len(n.Keys) && n.Keys[i] == name {
		return &n.Kids[i]
	}
	return n.Member(name)
}

// parseInt reads an integral JSON number; a number with a fraction or
// exponent is an integer only if its value is whole.
func parseInt(text string) (int64, error) {
	if x, err := strconv.ParseInt(text, 10, 64); err == nil {
		return x, nil
	}
	// A huge exponent would make big.Rat build a huge number: check the
	// magnitude first.
	if f, err := strconv.ParseFloat(text, 64); err != nil || math.Abs(f) > 1<<63 {
		return 0, fmt.Errorf("%s is not an integer of 64 bits", text)
	}
	r, ok := new(big.Rat).SetString(text)
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		return 0, fmt.Errorf("%s is not an integer of 64 bits", text)
	}
	return r.Num().Int64(), nil
}

// matches tells whether n can be a value of s, as Confluent picks a oneOf
// member: the first whose type fits.
func matches(s *connect.Schema, n *jsonparse.Node) bool {
	switch s.Type {
	case connect.Int8Type, connect.Int16Type, connect.Int32Type, connect.Int64Type:
		_, err := strconv.ParseInt(n.Str, 10, 64)
		return n.Kind == jsonparse.Number && err == nil
	case connect.Float32Type, connect.Float64Type:
		return n.Kind == jsonparse.Number
	case connect.BooleanType:
		return n.Kind == jsonparse.True || n.Kind == jsonparse.False
	case connect.StringType:
		return n.Kind == jsonparse.String
	case connect.BytesType:
		return n.Kind == jsonparse.String || (s.Name == connect.DecimalName && n.Kind == jsonparse.Number)
	case connect.ArrayType:
		return n.Kind == jsonparse.Array
	case connect.MapType:
		return n.Kind == jsonparse.Object || n.Kind == jsonparse.Array
	case connect.StructType:
		if n.Kind != jsonparse.Object {
			return false
		}
		for _, k := range n.Keys {
			if _, ok := s.Field(k); !ok {
				return false
			}
		}
		return true
	}
	return false
}

// document reads a whole JSON document as a value of s. It reads straight
// from the bytes; should that fail, it reads the document's nodes, so that
// what it accepts and the error it gives are those of a reader of the
// parsed document, as Confluent's: a repeated member whose first value
// does not fit the schema is read by its last, as Jackson keeps it.
func (d dataConfig) document(data []byte, s *connect.Schema, keys *jsonparse.Keys) (connect.Value, error) {
	p := jsonparse.Parser{Data: data, Keys: keys}
	p.SkipSpace()
	v, err := d.read(&p, s, 0)
	if err == nil {
		if p.SkipSpace(); p.Pos == len(data) {
			return v, nil
		}
	}
	n, err := jsonparse.Parse(data)
	if err != nil {
		return connect.Value{}, err
	}
	return d.val(s, &n)
}

// read reads the value at r.Pos as a value of s, as val does, but straight
// from the bytes: structs, arrays, integers and strings build no nodes, and
// a struct's member names are matched without allocating. Other values
// (OneOf unions, maps, logical types, bytes, floats) go through a node.
func (d dataConfig) read(r *jsonparse.Parser, s *connect.Schema, depth int) (connect.Value, error) {
	if depth > jsonparse.MaxDepth {
		return connect.Value{}, r.Errorf("nested deeper than %d", jsonparse.MaxDepth)
	}
	if r.Pos >= len(r.Data) {
		return connect.Value{}, r.Errorf("unexpected end of JSON")
	}
	c := r.Data[r.Pos]
	plain := s.Logical() == connect.NotLogical
	switch {
	case c == 'n':
		if !r.Literal("null") {
			return connect.Value{}, r.Errorf("invalid literal")
		}
		return d.val(s, nil)
	case c == '{' && s.Type == connect.StructType && s.Name != oneOfName:
		return d.readStruct(r, s, depth)
	case c == '[' && s.Type == connect.ArrayType:
		return d.readArray(r, s, depth)
	case c == '"' && s.Type == connect.StringType:
		str, err := r.ReadString()
		if err != nil {
			return connect.Value{}, err
		}
		return connect.StringValue(str), nil
	case (c == '-' || c >= '0' && c <= '9') && plain &&
		(s.Type == connect.Int8Type || s.Type == connect.Int16Type || s.Type == connect.Int32Type || s.Type == connect.Int64Type):
		start := r.Pos
		if err := r.SkipNumber(); err != nil {
			return connect.Value{}, err
		}
		if x, ok := jsonparse.PlainInt64(r.Data[start:r.Pos]); ok {
			switch s.Type {
			case connect.Int64Type:
				return connect.Int64Value(x), nil
			case connect.Int32Type:
				if x >= math.MinInt32 && x <= math.MaxInt32 {
					return connect.Int32Value(int32(x)), nil
				}
			case connect.Int16Type:
				if x >= math.MinInt16 && x <= math.MaxInt16 {
					return connect.Int16Value(int16(x)), nil
				}
			case connect.Int8Type:
				if x >= math.MinInt8 && x <= math.MaxInt8 {
					return connect.Int8Value(int8(x)), nil
				}
			}
		}
		n := jsonparse.Node{Kind: jsonparse.Number, Str: string(r.Data[start:r.Pos])}
		return d.val(s, &n)
	}
	n, err := r.Value()
	if err != nil {
		return connect.Value{}, err
	}
	return d.val(s, &n)
}

func (d dataConfig) readArray(r *jsonparse.Parser, s *connect.Schema, depth int) (connect.Value, error) {
	r.Pos++
	r.SkipSpace()
	out := []any{}
	if r.Pos < len(r.Data) && r.Data[r.Pos] == ']' {
		r.Pos++
		return connect.AnyValue(out), nil
	}
	for i := 0; ; i++ {
		r.SkipSpace()
		v, err := d.read(r, s.Elem, depth+1)
		if err != nil {
			return connect.Value{}, at("["+strconv.Itoa(i)+"]", err)
		}
		out = append(out, v.Any())
		r.SkipSpace()
		if r.Pos >= len(r.Data) {
			return connect.Value{}, r.Errorf("unexpected end of JSON in an array")
		}
		switch r.Data[r.Pos] {
		case ',':
			r.Pos++
		case ']':
			r.Pos++
			return connect.AnyValue(out), nil
		default:
			return connect.Value{}, r.Errorf("expected , or ] in an array")
		}
	}
}

func (d dataConfig) readStruct(r *jsonparse.Parser, s *connect.Schema, depth int) (connect.Value, error) {
	st := connect.NewStruct(s)
	var seenSmall [64]bool
	seen := seenSmall[:0]
	if len(s.Fields) <= len(seenSmall) {
		seen = seenSmall[:len(s.Fields)]
	} else {
		seen = make([]bool, len(s.Fields))
	}
	r.Pos++
	r.SkipSpace()
	closed := r.Pos < len(r.Data) && r.Data[r.Pos] == '}'
	if closed {
		r.Pos++
	}
	for m := 0; !closed; m++ {
		r.SkipSpace()
		if r.Pos >= len(r.Data) || r.Data[r.Pos] != '"' {
			return connect.Value{}, r.Errorf("expected a member name")
		}
		// A name without escapes is compared in place.
		var key []byte
		j := r.Pos + 1
		for j < len(r.Data) && r.Data[j] != '"' && r.Data[j] != '\\' {
			j++
		}
		if j < len(r.Data) && r.Data[j] == '"' {
			key = r.Data[r.Pos+1 : j]
			r.Pos = j + 1
		} else {
			k, err := r.ReadString()
			if err != nil {
				return connect.Value{}, err
			}
			key = []byte(k)
		}
		idx := -1
		if m < len(s.Fields) && s.Fields[m].Name == string(key) {
			idx = m
		} else {
			for i := range s.Fields {
				if s.Fields[i].Name == string(key) {
					idx = i
					break
				}
			}
		}
		r.SkipSpace()
		if r.Pos >= len(r.Data) || r.Data[r.Pos] != ':' {
			return connect.Value{}, r.Errorf("expected : after a member name")
		}
		r.Pos++
		r.SkipSpace()
		if idx < 0 {
			// A property the schema does not name is skipped, as Confluent
			// reads only the schema's fields.
			if err := r.Skip(); err != nil {
				return connect.Value{}, err
			}
		} else {
			f := s.Fields[idx]
			v, err := d.read(r, f.Schema, depth+1)
			if err != nil {
				return connect.Value{}, at(f.Name, err)
			}
			// A repeated key keeps its last value, as Jackson does.
			if err := st.SetAt(idx, v); err != nil {
				return connect.Value{}, at(f.Name, err)
			}
			seen[idx] = true
		}
		r.SkipSpace()
		if r.Pos >= len(r.Data) {
			return connect.Value{}, r.Errorf("unexpected end of JSON in an object")
		}
		switch r.Data[r.Pos] {
		case ',':
			r.Pos++
		case '}':
			r.Pos++
			closed = true
		default:
			return connect.Value{}, r.Errorf("expected , or } in an object")
		}
	}
	for i, f := range s.Fields {
		if seen[i] {
			continue
		}
		v, err := d.val(f.Schema, nil)
		if err != nil {
			return connect.Value{}, at(f.Name, err)
		}
		if !v.IsNull() {
			if err := st.SetAt(i, v); err != nil {
				return connect.Value{}, at(f.Name, err)
			}
		}
	}
	return connect.AnyValue(st), nil
}
