package jsonconv

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jsonparse"
)

// ToConnect reads JSON written by Kafka Connect's JsonConverter (or by
// FromConnect). With schemas enabled the data must be an object with exactly
// the members "schema" and "payload"; without, it is the payload alone and
// reads as a schemaless value. nil data is a Kafka null and reads as a nil
// schema and value.
//
// A JSON object read without a schema, and a MAP read with one, is a
// []connect.MapEntry in the iteration order of the java.util.HashMap Kafka
// Connect reads it into (see connect.JavaHashMapEntries), so that writing
// it (with FromConnect, StringConverter or FileStreamSink) gives the bytes a
// JVM worker writes, keys sharing a hash bucket included. A repeated object
// key keeps its first place and its last value, as in Kafka. MAP keys of
// BYTES or Decimal schemas keep the order of the array they were read from.
//
// Errors name the byte offset of a syntax error, or the schema or payload
// element that is wrong, such as "payload.items[2].price".
func (c *Converter) ToConnect(_ string, _ connect.Headers, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	if !c.schemasEnable {
		// Straight into Go values: no Node tree to build and walk.
		p := jsonparse.Parser{Data: data, Keys: &c.keys}
		v, err := p.AnyDocument(nil) // nil: numbers as connect.JSONNumber reads them
		if err != nil {
			return nil, nil, fmt.Errorf("jsonconv: %w", err)
		}
		return nil, v, nil
	}
	env, err := c.parseEnvelope(data)
	if err != nil {
		return nil, nil, err
	}
	if env.decoded {
		return env.schema, env.value.Any(), nil
	}
	schemaSpan, payloadSpan := env.schemaSpan, env.payloadSpan
	schema := env.schema
	if raw := data[schemaSpan[0]:schemaSpan[1]]; schema == nil && string(raw) != "null" {
		var ok bool
		// The schema's bytes key the cache, so a record whose schema was
		// seen before costs no schema parsing at all.
		if schema, ok = c.fromJSON.get(string(raw)); !ok {
			if schema, err = c.parseSchema(raw); err != nil {
				return nil, nil, err
			}
			c.fromJSON.put(string(raw), schema)
		}
	}
	raw := data[payloadSpan[0]:payloadSpan[1]]
	if c.cacheSize > 0 && schema != nil && !env.fastFailed {
		if v, ok := c.decodeFast(raw, schema); ok {
			return schema, v.Any(), nil
		}
	}
	payload, err := jsonparse.Parse(raw)
	if err != nil { // not expected: parseEnvelope checked the payload
		return nil, nil, fmt.Errorf("jsonconv: payload: %w", err)
	}
	v, err := c.toValue(schema, &payload)
	if err != nil {
		return nil, nil, inField(err, "payload")
	}
	return schema, v.Any(), nil
}

func (c *Converter) parseSchema(raw []byte) (*connect.Schema, error) {
	n, err := jsonparse.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("jsonconv: schema: %w", err)
	}
	schema, err := c.toSchema(&n, "schema")
	if err != nil {
		return nil, err
	}
	if err := schema.Validate(); err != nil {
		return nil, &connect.DataError{Path: "schema", Err: err}
	}
	return schema, nil
}

var errEnvelope = &connect.DataError{Err: errors.New(`JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration`)}

// envelope is what parseEnvelope found.
type envelope struct {
	schemaSpan, payloadSpan [2]int
	// schema is the schema when its bytes are those of the schema cached
	// last; nil otherwise (the caller looks it up or parses it).
	schema *connect.Schema
	// decoded says that the payload was read into value on the way, with
	// schema: the common case of a schema written before the payload and
	// equal to the one cached last, whose payload decodeFast takes.
	// fastFailed says decodeFast was tried on the way and declined, so the
	// payload goes straight to the general path.
	decoded, fastFailed bool
	value               connect.Value
}

// parseEnvelope reads {"schema": ..., "payload": ...}, checking both and
// returning their spans. A schema whose bytes are those of the schema cached
// last is passed over without scanning it: it is a complete JSON object, so
// the value ends where those bytes do. A payload after such a schema is
// decoded as it is read (decodeFast), so its bytes are scanned once; where
// decodeFast declines, the payload is checked and its span returned for the
// general path, as for any other envelope.
func (c *Converter) parseEnvelope(data []byte) (env envelope, err error) {
	p := jsonparse.Parser{Data: data}
	p.SkipSpace()
	if p.Pos >= len(data) || data[p.Pos] != '{' {
		if _, err := jsonparse.Parse(data); err != nil {
			return env, fmt.Errorf("jsonconv: %w", err)
		}
		return env, errEnvelope
	}
	p.Pos++
	haveSchema, havePayload := false, false
	for members := 0; ; members++ {
		p.SkipSpace()
		if p.Pos < len(data) && data[p.Pos] == '}' && members == 0 {
			return env, errEnvelope
		}
		if p.Pos >= len(data) || data[p.Pos] != '"' {
			return env, fmt.Errorf("jsonconv: %w", p.Errorf("expected a string key in object"))
		}
		k, err := p.ReadString()
		if err != nil {
			return env, fmt.Errorf("jsonconv: %w", err)
		}
		p.SkipSpace()
		if p.Pos >= len(data) || data[p.Pos] != ':' {
			return env, fmt.Errorf("jsonconv: %w", p.Errorf("expected ':' after object key"))
		}
		p.Pos++
		p.SkipSpace()
		switch k {
		case "schema":
			start := p.Pos
			if last, s, ok := c.fromJSON.lastEntry(); ok && len(data)-start >= len(last) && string(data[start:start+len(last)]) == last {
				p.Pos += len(last)
				env.schema = s
			} else if err := skipChecked(&p); err != nil {
				return env, err
			}
			env.schemaSpan = [2]int{start, p.Pos}
			haveSchema = true
		case "payload":
			start := p.Pos
			if env.schema != nil && !havePayload && c.cacheSize > 0 {
				d := fastDecoder{p: p, replaceNull: c.replaceNullWithDefault}
				if v, ok := d.value(env.schema, 0); ok {
					p.Pos = d.p.Pos
					env.decoded, env.value = true, v
				} else {
					env.fastFailed = true
				}
			}
			if !env.decoded {
				if err := skipChecked(&p); err != nil {
					return env, err
				}
			}
			env.payloadSpan = [2]int{start, p.Pos}
			havePayload = true
		default:
			return env, errEnvelope
		}
		p.SkipSpace()
		if p.Pos >= len(data) {
			return env, fmt.Errorf("jsonconv: %w", p.Errorf("unterminated object"))
		}
		if data[p.Pos] == ',' {
			p.Pos++
			continue
		}
		if data[p.Pos] != '}' {
			return env, fmt.Errorf("jsonconv: %w", p.Errorf("expected ',' or '}' in object"))
		}
		p.Pos++
		p.SkipSpace()
		if p.Pos != len(data) {
			return env, fmt.Errorf("jsonconv: %w", p.Errorf("unexpected data after the JSON value"))
		}
		if !haveSchema || !havePayload || members != 1 {
			return env, errEnvelope
		}
		return env, nil
	}
}

// skipChecked passes over the value at p.Pos, checking it. Its errors are
// those of parsing the value, which name the problem more precisely than
// Skip's.
func skipChecked(p *jsonparse.Parser) error {
	start := p.Pos
	err := p.Skip()
	if err == nil {
		return nil
	}
	q := jsonparse.Parser{Data: p.Data, Pos: start}
	if _, verr := q.Value(); verr != nil {
		err = verr
	}
	return fmt.Errorf("jsonconv: %w", err)
}

// toSchema builds a schema from its JSON, as Kafka Connect's asConnectSchema.
func (c *Converter) toSchema(n *jsonparse.Node, where string) (*connect.Schema, error) {
	if n.Kind != '{' {
		return nil, connect.Errorf(where, "a schema must be an object, not %s", n.Describe())
	}
	tn := n.Member("type")
	if tn == nil || tn.Kind != '"' {
		return nil, connect.Errorf(where, "Schema must contain 'type' field")
	}
	s := &connect.Schema{}
	switch tn.Str {
	case "boolean":
		s.Type = connect.BooleanType
	case "int8":
		s.Type = connect.Int8Type
	case "int16":
		s.Type = connect.Int16Type
	case "int32":
		s.Type = connect.Int32Type
	case "int64":
		s.Type = connect.Int64Type
	case "float":
		s.Type = connect.Float32Type
	case "double":
		s.Type = connect.Float64Type
	case "bytes":
		s.Type = connect.BytesType
	case "string":
		s.Type = connect.StringType
	case "array":
		s.Type = connect.ArrayType
		items := n.Member("items")
		if items == nil {
			return nil, connect.Errorf(where, "Array schema did not specify the element type")
		}
		var err error
		if s.Elem, err = c.toSchema(items, joinPath(where, "items")); err != nil {
			return nil, err
		}
	case "map":
		s.Type = connect.MapType
		keys, values := n.Member("keys"), n.Member("values")
		if keys == nil {
			return nil, connect.Errorf(where, "Map schema did not specify the key type")
		}
		if values == nil {
			return nil, connect.Errorf(where, "Map schema did not specify the value type")
		}
		var err error
		if s.Key, err = c.toSchema(keys, joinPath(where, "keys")); err != nil {
			return nil, err
		}
		if s.Elem, err = c.toSchema(values, joinPath(where, "values")); err != nil {
			return nil, err
		}
	case "struct":
		fields := n.Member("fields")
		if fields == nil || fields.Kind != '[' {
			return nil, connect.Errorf(where, `Struct schema's "fields" argument is not an array.`)
		}
		fs := make([]connect.Field, 0, len(fields.Kids))
		for i := range fields.Kids {
			fn := &fields.Kids[i]
			name := fn.Member("field")
			if fn.Kind != '{' || name == nil || name.Kind != '"' {
				return nil, connect.Errorf(fmt.Sprintf("%s.fields[%d]", where, i), "Struct schema's field name not specified properly")
			}
			fsch, err := c.toSchema(fn, joinPath(where, name.Str))
			if err != nil {
				return nil, err
			}
			fs = append(fs, connect.F(name.Str, fsch))
		}
		s = connect.StructOf(fs...)
	default:
		return nil, connect.Errorf(where, "Unknown schema type: %s", tn.Str)
	}
	if o := n.Member("optional"); o != nil && o.Kind == 't' {
		s.Optional = true
	}
	if x := n.Member("name"); x != nil && x.Kind == '"' {
		s.Name = x.Str
	}
	if x := n.Member("version"); x != nil && x.Kind == '0' {
		v, err := strconv.ParseInt(x.Str, 10, 32)
		if err != nil {
			return nil, connect.Errorf(joinPath(where, "version"), "invalid version %s", x.Str)
		}
		s.Version = int32(v)
	}
	if x := n.Member("doc"); x != nil && x.Kind == '"' {
		s.Doc = x.Str
	}
	if x := n.Member("parameters"); x != nil && x.Kind == '{' {
		for i, k := range x.Keys {
			if x.Kids[i].Kind != '"' {
				return nil, connect.Errorf(joinPath(where, "parameters."+k), "Schema parameters must have string values.")
			}
			s.Parameters = append(s.Parameters, connect.Parameter{Key: k, Value: x.Kids[i].Str})
		}
	}
	if x := n.Member("default"); x != nil && x.Kind != 'n' {
		if err := validateLogicalShape(s, where); err != nil {
			return nil, err
		}
		v, err := c.toValue(s, x)
		if err != nil {
			return nil, inField(err, joinPath(where, "default"))
		}
		s.Default = v.Any()
	}
	return s, nil
}

// validateLogicalShape checks a logical schema's parameters before its
// default is read with it.
func validateLogicalShape(s *connect.Schema, where string) error {
	if s.Logical() == connect.LogicalDecimal {
		if _, err := s.DecimalScale(); err != nil {
			return connect.Errorf(where, "%v", err)
		}
	}
	return nil
}

// toValue reads a payload element with schema s (nil: schemaless).
func (c *Converter) toValue(s *connect.Schema, n *jsonparse.Node) (connect.Value, error) {
	if s == nil {
		return connect.AnyValue(schemaless(n)), nil
	}
	if n == nil || n.Kind == 'n' {
		switch {
		case s.Default != nil && c.replaceNullWithDefault:
			return connect.AnyValue(s.Default), nil
		case s.Default != nil || s.Optional:
			return connect.Value{}, nil
		}
		return connect.Value{}, connect.Errorf("", "Invalid null value for required %s field", s.Type)
	}
	mismatch := func() error {
		return connect.Errorf("", "expected %s for schema %s, got %s", expectedJSON(s), s, n.Describe())
	}
	switch s.Logical() {
	case connect.LogicalDecimal:
		scale, err := s.DecimalScale()
		if err != nil {
			return connect.Value{}, connect.Errorf("", "%v", err)
		}
		var d connect.Decimal
		switch n.Kind {
		case '"':
			b, err := decodeBase64(n.Str)
			if err != nil {
				return connect.Value{}, connect.Errorf("", "invalid base64 Decimal: %v", err)
			}
			if d, err = connect.DecimalFromBytes(b, scale); err != nil {
				return connect.Value{}, connect.Errorf("", "%v", err)
			}
			return connect.DecimalValue(d), nil
		case '0':
			if d, err = connect.ParseDecimal(n.Str); err != nil {
				return connect.Value{}, connect.Errorf("", "%v", err)
			}
			if d, err = d.Rescale(scale); err != nil {
				return connect.Value{}, connect.Errorf("", "%v", err)
			}
			return connect.DecimalValue(d), nil
		}
		return connect.Value{}, mismatch()
	case connect.LogicalDate:
		n32, err := integer(n, math.MinInt32, math.MaxInt32)
		if err != nil {
			return connect.Value{}, connect.Errorf("", "Date: %v", err)
		}
		return connect.TimeValue(connect.DaysToDate(int32(n32))), nil
	case connect.LogicalTime:
		n32, err := integer(n, 0, 86400000-1)
		if err != nil {
			return connect.Value{}, connect.Errorf("", "Time: %v", err)
		}
		return connect.TimeValue(connect.MillisToTime(int32(n32))), nil
	case connect.LogicalTimestamp:
		n64, err := integer(n, math.MinInt64, math.MaxInt64)
		if err != nil {
			return connect.Value{}, connect.Errorf("", "Timestamp: %v", err)
		}
		return connect.TimeValue(connect.MillisToTimestamp(n64)), nil
	}
	switch s.Type {
	case connect.Int8Type:
		x, err := integer(n, math.MinInt8, math.MaxInt8)
		if err != nil {
			return connect.Value{}, connect.Errorf("", "%v", err)
		}
		return connect.Int8Value(int8(x)), nil
	case connect.Int16Type:
		x, err := integer(n, math.MinInt16, math.MaxInt16)
		if err != nil {
			return connect.Value{}, connect.Errorf("", "%v", err)
		}
		return connect.Int16Value(int16(x)), nil
	case connect.Int32Type:
		x, err := integer(n, math.MinInt32, math.MaxInt32)
		if err != nil {
			return connect.Value{}, connect.Errorf("", "%v", err)
		}
		return connect.Int32Value(int32(x)), nil
	case connect.Int64Type:
		x, err := integer(n, math.MinInt64, math.MaxInt64)
		if err != nil {
			return connect.Value{}, connect.Errorf("", "%v", err)
		}
		return connect.Int64Value(x), nil
	case connect.Float32Type:
		f, err := float(n, 32)
		if err != nil {
			return connect.Value{}, connect.Errorf("", "%v", err)
		}
		return connect.Float32Value(float32(f)), nil
	case connect.Float64Type:
		f, err := float(n, 64)
		if err != nil {
			return connect.Value{}, connect.Errorf("", "%v", err)
		}
		return connect.Float64Value(f), nil
	case connect.BooleanType:
		if n.Kind != 't' && n.Kind != 'f' {
			return connect.Value{}, mismatch()
		}
		return connect.BoolValue(n.Kind == 't'), nil
	case connect.StringType:
		if n.Kind != '"' {
			return connect.Value{}, mismatch()
		}
		return connect.StringValue(n.Str), nil
	case connect.BytesType:
		if n.Kind != '"' {
			return connect.Value{}, mismatch()
		}
		b, err := decodeBase64(n.Str)
		if err != nil {
			return connect.Value{}, connect.Errorf("", "invalid base64: %v", err)
		}
		return connect.BytesValue(b), nil
	case connect.ArrayType:
		if n.Kind != '[' {
			return connect.Value{}, mismatch()
		}
		out := make([]any, len(n.Kids))
		for i := range n.Kids {
			v, err := c.toValue(s.Elem, &n.Kids[i])
			if err != nil {
				return connect.Value{}, atIndex(err, i)
			}
			out[i] = v.Any()
		}
		return connect.AnyValue(out), nil
	case connect.MapType:
		return c.toMap(s, n)
	case connect.StructType:
		if n.Kind != '{' {
			return connect.Value{}, mismatch()
		}
		st := connect.NewStruct(s)
		for i, f := range s.Fields {
			v, err := c.toValue(f.Schema, n.Member(f.Name))
			if err == nil {
				err = st.SetAt(i, v)
			}
			if err != nil {
				return connect.Value{}, inField(err, f.Name)
			}
		}
		return connect.AnyValue(st), nil
	}
	return connect.Value{}, connect.Errorf("", "invalid schema type %s", s.Type)
}

func (c *Converter) toMap(s *connect.Schema, n *jsonparse.Node) (connect.Value, error) {
	if s.Key.Type == connect.StringType {
		if n.Kind != '{' {
			return connect.Value{}, connect.Errorf("", "expected an object for schema %s, got %s", s, n.Describe())
		}
		out := make([]connect.MapEntry, len(n.Keys))
		for i, k := range n.Keys {
			v, err := c.toValue(s.Elem, &n.Kids[i])
			if err != nil {
				return connect.Value{}, atKey(err, k)
			}
			out[i] = connect.MapEntry{Key: k, Value: v.Any()}
		}
		return connect.AnyValue(connect.JavaHashMapEntries(out)), nil
	}
	if n.Kind != '[' {
		return connect.Value{}, connect.Errorf("", "expected an array of [key, value] pairs for schema %s, got %s", s, n.Describe())
	}
	// Kafka puts the entries into a HashMap in array order. Bytes keys hash
	// by identity in Java, and decimal and struct keys are not modelled:
	// those keep the array's order.
	hashable := s.Key.Type.Primitive() && s.Key.Type != connect.BytesType && s.Key.Logical() != connect.LogicalDecimal
	entries := make([]connect.MapEntry, 0, len(n.Kids))
	for i := range n.Kids {
		pair := &n.Kids[i]
		if pair.Kind != '[' || len(pair.Kids) != 2 {
			return connect.Value{}, atIndex(connect.Errorf("", "a map entry must be a [key, value] array"), i)
		}
		k, err := c.toValue(s.Key, &pair.Kids[0])
		if err != nil {
			return connect.Value{}, atIndex(inField(err, "key"), i)
		}
		v, err := c.toValue(s.Elem, &pair.Kids[1])
		if err != nil {
			return connect.Value{}, atIndex(inField(err, "value"), i)
		}
		entries = append(entries, connect.MapEntry{Key: k.Any(), Value: v.Any()})
	}
	if hashable {
		entries = connect.JavaHashMapEntries(entries)
	}
	return connect.AnyValue(entries), nil
}

func expectedJSON(s *connect.Schema) string {
	switch s.Type {
	case connect.BooleanType:
		return "a boolean"
	case connect.StringType, connect.BytesType:
		return "a string"
	case connect.ArrayType:
		return "an array"
	case connect.StructType:
		return "an object"
	}
	return "a number"
}

func integer(n *jsonparse.Node, lo, hi int64) (int64, error) {
	if n.Kind != '0' {
		return 0, fmt.Errorf("expected an integer, got %s", n.Describe())
	}
	if strings.ContainsAny(n.Str, ".eE") {
		// Kafka Connect reads 1.0 or 1e2 for an integer field; accept
		// integral values written that way, reject fractions.
		f, err := strconv.ParseFloat(n.Str, 64)
		if err != nil || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
			return 0, fmt.Errorf("%s is not an integer in [%d, %d]", n.Str, lo, hi)
		}
		return int64(f), nil
	}
	x, err := strconv.ParseInt(n.Str, 10, 64)
	if err != nil || x < lo || x > hi {
		return 0, fmt.Errorf("%s is out of range [%d, %d]", n.Str, lo, hi)
	}
	return x, nil
}

func float(n *jsonparse.Node, bits int) (float64, error) {
	switch n.Kind {
	case '0':
		f, err := strconv.ParseFloat(n.Str, bits)
		if err != nil && !isRange(err) {
			return 0, fmt.Errorf("invalid number %s", n.Str)
		}
		return f, nil
	case '"':
		switch n.Str {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
	}
	return 0, fmt.Errorf("expected a number, got %s", n.Describe())
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func decodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		// Jackson also reads unpadded base64.
		if b2, err2 := base64.RawStdEncoding.DecodeString(s); err2 == nil {
			return b2, nil
		}
	}
	return b, err
}

// schemaless reads a value without a schema, as Kafka Connect does: integral
// numbers as int64 (float64 when too large), other numbers as float64.
func schemaless(n *jsonparse.Node) any {
	switch n.Kind {
	case 't':
		return true
	case 'f':
		return false
	case '"':
		return n.Str
	case '0':
		return connect.JSONNumber(n.Str)
	case '[':
		out := make([]any, len(n.Kids))
		for i := range n.Kids {
			out[i] = schemaless(&n.Kids[i])
		}
		return out
	case '{':
		out := make([]connect.MapEntry, len(n.Keys))
		for i, k := range n.Keys {
			out[i] = connect.MapEntry{Key: k, Value: schemaless(&n.Kids[i])}
		}
		return connect.JavaHashMapEntries(out)
	}
	return nil
}
