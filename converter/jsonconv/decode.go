package jsonconv

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
)

// ToConnect reads JSON written by Kafka Connect's JsonConverter (or by
// FromConnect). With schemas enabled the data must be an object with exactly
// the members "schema" and "payload"; without, it is the payload alone and
// reads as a schemaless value. nil data is a Kafka null and reads as a nil
// schema and value.
//
// Errors name the byte offset of a syntax error, or the schema or payload
// element that is wrong, such as "payload.items[2].price".
func (c *Converter) ToConnect(_ string, _ connect.Headers, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	if !c.schemasEnable {
		root, err := parse(data)
		if err != nil {
			return nil, nil, fmt.Errorf("jsonconv: %w", err)
		}
		v, err := c.toValue(nil, &root)
		return nil, v.Any(), err
	}
	schemaSpan, payload, err := parseEnvelope(data)
	if err != nil {
		return nil, nil, err
	}
	var schema *connect.Schema
	if raw := data[schemaSpan[0]:schemaSpan[1]]; string(raw) != "null" {
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
	v, err := c.toValue(schema, &payload)
	if err != nil {
		return nil, nil, inField(err, "payload")
	}
	return schema, v.Any(), nil
}

func (c *Converter) parseSchema(raw []byte) (*connect.Schema, error) {
	n, err := parse(raw)
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

// parseEnvelope reads {"schema": ..., "payload": ...}, skipping over the
// schema (only its span is returned) and parsing the payload.
func parseEnvelope(data []byte) (schemaSpan [2]int, payload node, err error) {
	p := parser{data: data}
	p.skipSpace()
	if p.pos >= len(data) || data[p.pos] != '{' {
		if _, err := parse(data); err != nil {
			return schemaSpan, payload, fmt.Errorf("jsonconv: %w", err)
		}
		return schemaSpan, payload, errEnvelope
	}
	p.pos++
	haveSchema, havePayload := false, false
	for members := 0; ; members++ {
		p.skipSpace()
		if p.pos < len(data) && data[p.pos] == '}' && members == 0 {
			return schemaSpan, payload, errEnvelope
		}
		if p.pos >= len(data) || data[p.pos] != '"' {
			return schemaSpan, payload, fmt.Errorf("jsonconv: %w", p.errorf("expected a string key in object"))
		}
		k, err := p.string()
		if err != nil {
			return schemaSpan, payload, fmt.Errorf("jsonconv: %w", err)
		}
		p.skipSpace()
		if p.pos >= len(data) || data[p.pos] != ':' {
			return schemaSpan, payload, fmt.Errorf("jsonconv: %w", p.errorf("expected ':' after object key"))
		}
		p.pos++
		p.skipSpace()
		switch k {
		case "schema":
			start := p.pos
			if err := p.skip(); err != nil {
				return schemaSpan, payload, fmt.Errorf("jsonconv: %w", err)
			}
			schemaSpan = [2]int{start, p.pos}
			haveSchema = true
		case "payload":
			if payload, err = p.value(); err != nil {
				return schemaSpan, payload, fmt.Errorf("jsonconv: %w", err)
			}
			havePayload = true
		default:
			return schemaSpan, payload, errEnvelope
		}
		p.skipSpace()
		if p.pos >= len(data) {
			return schemaSpan, payload, fmt.Errorf("jsonconv: %w", p.errorf("unterminated object"))
		}
		if data[p.pos] == ',' {
			p.pos++
			continue
		}
		if data[p.pos] != '}' {
			return schemaSpan, payload, fmt.Errorf("jsonconv: %w", p.errorf("expected ',' or '}' in object"))
		}
		p.pos++
		p.skipSpace()
		if p.pos != len(data) {
			return schemaSpan, payload, fmt.Errorf("jsonconv: %w", p.errorf("unexpected data after the JSON value"))
		}
		if !haveSchema || !havePayload || members != 1 {
			return schemaSpan, payload, errEnvelope
		}
		return schemaSpan, payload, nil
	}
}

// toSchema builds a schema from its JSON, as Kafka Connect's asConnectSchema.
func (c *Converter) toSchema(n *node, where string) (*connect.Schema, error) {
	if n.kind != '{' {
		return nil, connect.Errorf(where, "a schema must be an object, not %s", n.describe())
	}
	tn := n.member("type")
	if tn == nil || tn.kind != '"' {
		return nil, connect.Errorf(where, "Schema must contain 'type' field")
	}
	s := &connect.Schema{}
	switch tn.str {
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
		items := n.member("items")
		if items == nil {
			return nil, connect.Errorf(where, "Array schema did not specify the element type")
		}
		var err error
		if s.Elem, err = c.toSchema(items, joinPath(where, "items")); err != nil {
			return nil, err
		}
	case "map":
		s.Type = connect.MapType
		keys, values := n.member("keys"), n.member("values")
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
		fields := n.member("fields")
		if fields == nil || fields.kind != '[' {
			return nil, connect.Errorf(where, `Struct schema's "fields" argument is not an array.`)
		}
		fs := make([]connect.Field, 0, len(fields.kids))
		for i := range fields.kids {
			fn := &fields.kids[i]
			name := fn.member("field")
			if fn.kind != '{' || name == nil || name.kind != '"' {
				return nil, connect.Errorf(fmt.Sprintf("%s.fields[%d]", where, i), "Struct schema's field name not specified properly")
			}
			fsch, err := c.toSchema(fn, joinPath(where, name.str))
			if err != nil {
				return nil, err
			}
			fs = append(fs, connect.F(name.str, fsch))
		}
		s = connect.StructOf(fs...)
	default:
		return nil, connect.Errorf(where, "Unknown schema type: %s", tn.str)
	}
	if o := n.member("optional"); o != nil && o.kind == 't' {
		s.Optional = true
	}
	if x := n.member("name"); x != nil && x.kind == '"' {
		s.Name = x.str
	}
	if x := n.member("version"); x != nil && x.kind == '0' {
		v, err := strconv.ParseInt(x.str, 10, 32)
		if err != nil {
			return nil, connect.Errorf(joinPath(where, "version"), "invalid version %s", x.str)
		}
		s.Version = int32(v)
	}
	if x := n.member("doc"); x != nil && x.kind == '"' {
		s.Doc = x.str
	}
	if x := n.member("parameters"); x != nil && x.kind == '{' {
		for i, k := range x.keys {
			if x.kids[i].kind != '"' {
				return nil, connect.Errorf(joinPath(where, "parameters."+k), "Schema parameters must have string values.")
			}
			s.Parameters = append(s.Parameters, connect.Parameter{Key: k, Value: x.kids[i].str})
		}
	}
	if x := n.member("default"); x != nil && x.kind != 'n' {
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
func (c *Converter) toValue(s *connect.Schema, n *node) (connect.Value, error) {
	if s == nil {
		return connect.AnyValue(schemaless(n)), nil
	}
	if n == nil || n.kind == 'n' {
		switch {
		case s.Default != nil && c.replaceNullWithDefault:
			return connect.AnyValue(s.Default), nil
		case s.Default != nil || s.Optional:
			return connect.Value{}, nil
		}
		return connect.Value{}, connect.Errorf("", "Invalid null value for required %s field", s.Type)
	}
	mismatch := func() error {
		return connect.Errorf("", "expected %s for schema %s, got %s", expectedJSON(s), s, n.describe())
	}
	switch s.Logical() {
	case connect.LogicalDecimal:
		scale, err := s.DecimalScale()
		if err != nil {
			return connect.Value{}, connect.Errorf("", "%v", err)
		}
		var d connect.Decimal
		switch n.kind {
		case '"':
			b, err := decodeBase64(n.str)
			if err != nil {
				return connect.Value{}, connect.Errorf("", "invalid base64 Decimal: %v", err)
			}
			if d, err = connect.DecimalFromBytes(b, scale); err != nil {
				return connect.Value{}, connect.Errorf("", "%v", err)
			}
			return connect.DecimalValue(d), nil
		case '0':
			if d, err = connect.ParseDecimal(n.str); err != nil {
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
		if n.kind != 't' && n.kind != 'f' {
			return connect.Value{}, mismatch()
		}
		return connect.BoolValue(n.kind == 't'), nil
	case connect.StringType:
		if n.kind != '"' {
			return connect.Value{}, mismatch()
		}
		return connect.StringValue(n.str), nil
	case connect.BytesType:
		if n.kind != '"' {
			return connect.Value{}, mismatch()
		}
		b, err := decodeBase64(n.str)
		if err != nil {
			return connect.Value{}, connect.Errorf("", "invalid base64: %v", err)
		}
		return connect.BytesValue(b), nil
	case connect.ArrayType:
		if n.kind != '[' {
			return connect.Value{}, mismatch()
		}
		out := make([]any, len(n.kids))
		for i := range n.kids {
			v, err := c.toValue(s.Elem, &n.kids[i])
			if err != nil {
				return connect.Value{}, atIndex(err, i)
			}
			out[i] = v.Any()
		}
		return connect.AnyValue(out), nil
	case connect.MapType:
		return c.toMap(s, n)
	case connect.StructType:
		if n.kind != '{' {
			return connect.Value{}, mismatch()
		}
		st := connect.NewStruct(s)
		for i, f := range s.Fields {
			v, err := c.toValue(f.Schema, n.member(f.Name))
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

func (c *Converter) toMap(s *connect.Schema, n *node) (connect.Value, error) {
	if s.Key.Type == connect.StringType {
		if n.kind != '{' {
			return connect.Value{}, connect.Errorf("", "expected an object for schema %s, got %s", s, n.describe())
		}
		out := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			v, err := c.toValue(s.Elem, &n.kids[i])
			if err != nil {
				return connect.Value{}, atKey(err, k)
			}
			out[k] = v.Any()
		}
		return connect.AnyValue(out), nil
	}
	if n.kind != '[' {
		return connect.Value{}, connect.Errorf("", "expected an array of [key, value] pairs for schema %s, got %s", s, n.describe())
	}
	hashable := s.Key.Type.Primitive() && s.Key.Type != connect.BytesType && s.Key.Logical() != connect.LogicalDecimal
	var m map[any]any
	var entries []connect.MapEntry
	if hashable {
		m = make(map[any]any, len(n.kids))
	} else {
		entries = make([]connect.MapEntry, 0, len(n.kids))
	}
	for i := range n.kids {
		pair := &n.kids[i]
		if pair.kind != '[' || len(pair.kids) != 2 {
			return connect.Value{}, atIndex(connect.Errorf("", "a map entry must be a [key, value] array"), i)
		}
		k, err := c.toValue(s.Key, &pair.kids[0])
		if err != nil {
			return connect.Value{}, atIndex(inField(err, "key"), i)
		}
		v, err := c.toValue(s.Elem, &pair.kids[1])
		if err != nil {
			return connect.Value{}, atIndex(inField(err, "value"), i)
		}
		if hashable {
			m[k.Any()] = v.Any()
		} else {
			entries = append(entries, connect.MapEntry{Key: k.Any(), Value: v.Any()})
		}
	}
	if hashable {
		return connect.AnyValue(m), nil
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

func integer(n *node, lo, hi int64) (int64, error) {
	if n.kind != '0' {
		return 0, fmt.Errorf("expected an integer, got %s", n.describe())
	}
	if strings.ContainsAny(n.str, ".eE") {
		// Kafka Connect reads 1.0 or 1e2 for an integer field; accept
		// integral values written that way, reject fractions.
		f, err := strconv.ParseFloat(n.str, 64)
		if err != nil || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
			return 0, fmt.Errorf("%s is not an integer in [%d, %d]", n.str, lo, hi)
		}
		return int64(f), nil
	}
	x, err := strconv.ParseInt(n.str, 10, 64)
	if err != nil || x < lo || x > hi {
		return 0, fmt.Errorf("%s is out of range [%d, %d]", n.str, lo, hi)
	}
	return x, nil
}

func float(n *node, bits int) (float64, error) {
	switch n.kind {
	case '0':
		f, err := strconv.ParseFloat(n.str, bits)
		if err != nil && !isRange(err) {
			return 0, fmt.Errorf("invalid number %s", n.str)
		}
		return f, nil
	case '"':
		switch n.str {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
	}
	return 0, fmt.Errorf("expected a number, got %s", n.describe())
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
func schemaless(n *node) any {
	switch n.kind {
	case 't':
		return true
	case 'f':
		return false
	case '"':
		return n.str
	case '0':
		return connect.JSONNumber(n.str)
	case '[':
		out := make([]any, len(n.kids))
		for i := range n.kids {
			out[i] = schemaless(&n.kids[i])
		}
		return out
	case '{':
		out := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			out[k] = schemaless(&n.kids[i])
		}
		return out
	}
	return nil
}
