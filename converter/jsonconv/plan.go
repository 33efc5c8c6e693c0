package jsonconv

import (
	"strconv"

	"github.com/kconnect-go/kconnect/connect"
)

// An encoder writes one value of the schema it was compiled for.
//
// Encoding a schema'd record is the hot path of every source pipeline, and
// most of a struct's cost in the general appendValue is deciding, value
// after value, what its schema is (logical type, type, field names to
// quote). A schema's encoder decides that once: it is compiled when the
// schema is first seen and cached with the schema's JSON, keyed by the
// schema pointer, as Kafka's JsonConverter caches its schema conversions.
//
// Compiled encoders handle the common shapes (integers, floats, booleans,
// strings, timestamps, arrays and structs of them) and hand everything else
// to appendValue: nulls (defaults, optional), other logical types, maps, and
// any value that does not match its schema, so the output and the errors are
// appendValue's by construction. TestGolden checks both paths against the
// same Kafka goldens.
type encoder func(c *Converter, dst []byte, v connect.Value) ([]byte, error)

// schemaPlan is what the converter caches per schema.
type schemaPlan struct {
	json []byte // the envelope's schema object; nil when schemas are disabled
	enc  encoder
}

// plan returns the cached plan for s, building it on first use. ok is false
// when caching is off (schemas.cache.size=0): then nothing is compiled and
// the caller takes the general path.
func (c *Converter) plan(s *connect.Schema) (p *schemaPlan, ok bool, err error) {
	if c.cacheSize <= 0 {
		return nil, false, nil
	}
	if p, ok := c.toJSON.get(s); ok {
		return p, true, nil
	}
	p = &schemaPlan{enc: compile(s)}
	if c.schemasEnable {
		if p.json, err = c.appendSchema(nil, s, ""); err != nil {
			return nil, false, err
		}
	}
	c.toJSON.put(s, p)
	return p, true, nil
}

// compile returns s's encoder.
func compile(s *connect.Schema) encoder {
	general := func(c *Converter, dst []byte, v connect.Value) ([]byte, error) {
		return c.appendValue(dst, s, v)
	}
	typed := compileTyped(s)
	if typed == nil {
		return general
	}
	return func(c *Converter, dst []byte, v connect.Value) ([]byte, error) {
		if v.IsNull() {
			return c.appendValue(dst, s, v)
		}
		return typed(c, dst, v)
	}
}

// compileTyped returns the encoder of s's non-null values, or nil when the
// general path should write them. Each falls back to appendValue for a value
// of the wrong kind, which reports the mismatch.
func compileTyped(s *connect.Schema) encoder {
	switch s.Logical() {
	case connect.LogicalTimestamp:
		return func(c *Converter, dst []byte, v connect.Value) ([]byte, error) {
			if v.Kind() != connect.KindTime {
				return c.appendValue(dst, s, v)
			}
			return strconv.AppendInt(dst, v.Time().UnixMilli(), 10), nil
		}
	case connect.NotLogical:
	default:
		return nil
	}
	switch s.Type {
	case connect.Int8Type, connect.Int16Type, connect.Int32Type, connect.Int64Type:
		return func(c *Converter, dst []byte, v connect.Value) ([]byte, error) {
			if !fitsInt(s.Type, v) {
				return c.appendValue(dst, s, v)
			}
			return strconv.AppendInt(dst, v.Int64(), 10), nil
		}
	case connect.Float32Type, connect.Float64Type:
		kind, bits := connect.KindFloat64, 64
		if s.Type == connect.Float32Type {
			kind, bits = connect.KindFloat32, 32
		}
		return func(c *Converter, dst []byte, v connect.Value) ([]byte, error) {
			if v.Kind() != kind {
				return c.appendValue(dst, s, v)
			}
			return connect.AppendJavaFloat(dst, v.Float64(), bits), nil
		}
	case connect.BooleanType:
		return func(c *Converter, dst []byte, v connect.Value) ([]byte, error) {
			if v.Kind() != connect.KindBool {
				return c.appendValue(dst, s, v)
			}
			return strconv.AppendBool(dst, v.Bool()), nil
		}
	case connect.StringType:
		return func(c *Converter, dst []byte, v connect.Value) ([]byte, error) {
			if v.Kind() != connect.KindString {
				return c.appendValue(dst, s, v)
			}
			return connect.AppendJSONString(dst, v.Str()), nil
		}
	case connect.ArrayType:
		if s.Elem == nil {
			return nil
		}
		elem := compile(s.Elem)
		return func(c *Converter, dst []byte, v connect.Value) ([]byte, error) {
			a, ok := v.Ref().([]any)
			if !ok {
				return c.appendValue(dst, s, v)
			}
			dst = append(dst, '[')
			var err error
			for i, e := range a {
				if i > 0 {
					dst = append(dst, ',')
				}
				if dst, err = elem(c, dst, connect.AnyValue(e)); err != nil {
					return dst, atIndex(err, i)
				}
			}
			return append(dst, ']'), nil
		}
	case connect.StructType:
		return compileStruct(s)
	}
	return nil
}

// compileStruct returns the encoder of a struct: each field's name is
// quoted once, with the brace or comma before it. A field of a plain
// number, boolean, string or timestamp is written in the loop itself
// (fieldOp) rather than through its compiled encoder, as that encoder
// would write it: a flat struct of such fields, the usual row of a table
// or file, costs no call per field.
func compileStruct(s *connect.Schema) encoder {
	type field struct {
		prefix []byte // {"name": or ,"name":
		name   string
		schema *connect.Schema
		typed  encoder // nil: the general path writes it
		op     fieldOp
	}
	fields := make([]field, len(s.Fields))
	for i, f := range s.Fields {
		if f.Schema == nil {
			return nil // invalid: the general path reports it
		}
		sep := byte(',')
		if i == 0 {
			sep = '{'
		}
		prefix := connect.AppendJSONString([]byte{sep}, f.Name)
		fields[i] = field{prefix: append(prefix, ':'), name: f.Name, schema: f.Schema, typed: compileTyped(f.Schema), op: opOf(f.Schema)}
	}
	return func(c *Converter, dst []byte, v connect.Value) ([]byte, error) {
		st, ok := v.Ref().(*connect.Struct)
		if !ok || st.Schema() != s && !st.Schema().Equal(s) {
			return c.appendValue(dst, s, v)
		}
		if len(fields) == 0 {
			return append(dst, '{', '}'), nil
		}
		var err error
		for i := range fields {
			f := &fields[i]
			dst = append(dst, f.prefix...)
			v := st.At(i)
			// compileTyped's encoders, inlined for the kinds they expect:
			// this loop is the hot path
			switch k := v.Kind(); {
			case f.op == opInt64 && (k == connect.KindInt64 || k == connect.KindInt32 || k == connect.KindInt16 || k == connect.KindInt8):
				// every integer kind fits an INT64: fitsInt's check is not needed
				dst = strconv.AppendInt(dst, v.Int64(), 10)
				continue
			case f.op == opInt && (k == connect.KindInt64 || k == connect.KindInt32 || k == connect.KindInt16 || k == connect.KindInt8) && fitsInt(f.schema.Type, v):
				dst = strconv.AppendInt(dst, v.Int64(), 10)
				continue
			case f.op == opString && k == connect.KindString:
				dst = connect.AppendJSONString(dst, v.Str())
				continue
			case f.op == opFloat64 && k == connect.KindFloat64:
				dst = connect.AppendJavaFloat(dst, v.Float64(), 64)
				continue
			case f.op == opFloat32 && k == connect.KindFloat32:
				dst = connect.AppendJavaFloat(dst, v.Float64(), 32)
				continue
			case f.op == opBool && k == connect.KindBool:
				dst = strconv.AppendBool(dst, v.Bool())
				continue
			}
			// compile's null check, inlined
			if f.typed == nil || v.IsNull() {
				dst, err = c.appendValue(dst, f.schema, v)
			} else {
				dst, err = f.typed(c, dst, v)
			}
			if err != nil {
				return dst, inField(err, f.name)
			}
		}
		return append(dst, '}'), nil
	}
}

// fieldOp says how compileStruct writes a field's non-null value of the
// kind its schema expects; opTyped: through the field's encoder.
type fieldOp uint8

const (
	opTyped fieldOp = iota
	opInt
	opInt64
	opString
	opFloat64
	opFloat32
	opBool
)

// opOf returns the fieldOp of a field of schema s: one for the schemas
// compileTyped writes with strconv or connect's appenders alone.
func opOf(s *connect.Schema) fieldOp {
	if s.Logical() != connect.NotLogical {
		return opTyped
	}
	switch s.Type {
	case connect.Int8Type, connect.Int16Type, connect.Int32Type:
		return opInt
	case connect.Int64Type:
		return opInt64
	case connect.StringType:
		return opString
	case connect.Float64Type:
		return opFloat64
	case connect.Float32Type:
		return opFloat32
	case connect.BooleanType:
		return opBool
	}
	return opTyped
}
