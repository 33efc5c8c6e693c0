package jdbc

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// A schemaless value (JsonConverter with schemas.enable=false, or a MAP)
// is a JSON object: a map[string]any, a []connect.MapEntry or a
// map[any]any of string keys. Its keys name the columns; the types of
// its values stand in for a schema, inferred as these schemas, all
// optional.
var (
	// jsonColumn is the schema of a nested object or array: a column
	// auto.create makes for JSON (a MAP is always written as JSON).
	jsonColumn = connect.MapOf(connect.StringSchema, connect.OptionalStringSchema).AsOptional()
	// anyArray is the schema an array is bound with: an array of the
	// database's own when the existing column is one, JSON otherwise.
	anyArray = connect.ArrayOf(connect.OptionalStringSchema).AsOptional()
)

// mapField is a member of a schemaless value, or of a schemaless key.
type mapField struct {
	name  string
	value any
	idx   int // its place among a []connect.MapEntry's entries
}

// isSchemaless reports whether a value (or key) of schema s is read as a
// JSON object rather than a Struct.
func isSchemaless(s *connect.Schema, v any) bool {
	if v == nil {
		return false
	}
	if s == nil {
		return true
	}
	return s.Type == connect.MapType
}

// mapFields lists a schemaless object's members: a Go map's by name, a
// []connect.MapEntry's in order.
func mapFields(v any, dst []mapField) ([]mapField, error) {
	dst = dst[:0]
	switch m := v.(type) {
	case map[string]any:
		for k, x := range m {
			dst = append(dst, mapField{name: k, value: x})
		}
	case map[any]any:
		for k, x := range m {
			s, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("a map key %v is not a string, so it names no column", k)
			}
			dst = append(dst, mapField{name: s, value: x})
		}
	case []connect.MapEntry:
		for i, e := range m {
			s, ok := e.Key.(string)
			if !ok {
				return nil, fmt.Errorf("a map key %v is not a string, so it names no column", e.Key)
			}
			dst = append(dst, mapField{name: s, value: e.Value, idx: i})
		}
		return dst, nil
	default:
		return nil, fmt.Errorf("the value is neither a Struct with a schema nor a JSON object (a map) without one, but %s, which the JDBC sink cannot write", kindOf(v))
	}
	slices.SortFunc(dst, func(a, b mapField) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	})
	return dst, nil
}

func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case []any:
		return "an array"
	case []byte:
		return "bytes"
	case bool:
		return "a boolean"
	case int8, int16, int32, int64, int, float32, float64:
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}

// inferred returns the schema standing for a schemaless value's type (nil
// for a null) and a tag naming it in a plan's signature.
func inferred(v any) (*connect.Schema, byte) {
	switch v := v.(type) {
	case nil:
		return nil, 'n'
	case bool:
		return connect.OptionalBooleanSchema, 'b'
	case int8:
		return connect.OptionalInt8Schema, '1'
	case int16:
		return connect.OptionalInt16Schema, '2'
	case int32:
		return connect.OptionalInt32Schema, '4'
	case int64, int:
		return connect.OptionalInt64Schema, '8'
	case float32:
		return connect.OptionalFloat32Schema, 'f'
	case float64:
		return connect.OptionalFloat64Schema, 'd'
	case string:
		return connect.OptionalStringSchema, 's'
	case []byte:
		return connect.OptionalBytesSchema, 'y'
	case time.Time:
		return connect.OptionalTimestampSchema, 't'
	case connect.Decimal:
		// The scale is in the signature, so one plan holds one scale.
		return connect.DecimalSchema(v.Scale).AsOptional(), 'D'
	case []any:
		return anyArray, 'a'
	}
	return jsonColumn, 'j' // maps, Structs: JSON
}

// signature names the shape of a record with a schemaless value or key:
// the members' names and inferred types, so that records of one shape
// share a plan.
func signature(dst []byte, del bool, value, key []mapField, primitiveKey any) []byte {
	if del {
		dst = append(dst, 'X')
	}
	for _, part := range [][]mapField{value, key} {
		dst = append(dst, '|')
		for _, f := range part {
			_, tag := inferred(f.value)
			dst = strconv.AppendInt(dst, int64(len(f.name)), 10)
			dst = append(dst, ':')
			dst = append(dst, f.name...)
			dst = append(dst, tag)
			if d, ok := f.value.(connect.Decimal); ok {
				dst = strconv.AppendInt(dst, int64(d.Scale), 10)
			}
		}
	}
	if primitiveKey != nil {
		_, tag := inferred(primitiveKey)
		dst = append(dst, '|', tag)
	}
	return dst
}

// schemalessShape is shapeOf for a record whose value or key is
// schemaless; value and key are their members (nil when that part has a
// schema or is absent).
func (t *task) schemalessShape(r *connect.Record, value, key []mapField) (*shape, error) {
	s := t.s
	sh := &shape{mode: s.pk}
	add := func(dst []field, f mapField) []field {
		schema, _ := inferred(f.value)
		fd := field{name: f.name, schema: schema, idx: f.idx}
		if schema == anyArray {
			fd.create = jsonColumn
		}
		return append(dst, fd)
	}
	if r.Value != nil {
		if value == nil {
			// A Struct with a schema beside a schemaless key.
			st, ok := r.Value.(*connect.Struct)
			if !ok || r.ValueSchema == nil || r.ValueSchema.Type != connect.StructType {
				return nil, errors.New("the value is not a Struct")
			}
			for _, f := range st.Schema().Fields {
				if len(s.whitelist) == 0 || slices.Contains(s.whitelist, f.Name) {
					sh.value = append(sh.value, field{name: f.Name, schema: f.Schema, idx: -1})
				}
			}
		}
		for _, f := range value {
			if len(s.whitelist) == 0 || slices.Contains(s.whitelist, f.name) {
				sh.value = add(sh.value, f)
			}
		}
	} else if !s.deletes {
		return nil, errors.New("the value is null (a tombstone) and delete.enabled is false")
	}
	pick := func(from []field, what string) ([]field, error) {
		var out []field
		for _, f := range from {
			if len(s.pkFields) == 0 || slices.Contains(s.pkFields, f.name) {
				if f.schema == nil {
					return nil, fmt.Errorf("the %s's %s is null, and a primary key column cannot be", what, f.name)
				}
				out = append(out, f)
			}
		}
		for _, n := range s.pkFields {
			if !slices.ContainsFunc(from, func(f field) bool { return f.name == n }) {
				return nil, fmt.Errorf("pk.fields names %q, which the %s has no member of", n, what)
			}
		}
		return out, nil
	}
	var err error
	switch s.pk {
	case pkKafka:
		names := kafkaPKNames
		if len(s.pkFields) == 3 {
			names = s.pkFields
		}
		sh.keys = []field{{name: names[0], schema: connect.StringSchema}, {name: names[1], schema: connect.Int32Schema}, {name: names[2], schema: connect.Int64Schema}}
	case pkRecordKey:
		sh.fromKey = true
		switch {
		case r.Key == nil:
			return nil, errors.New("pk.mode=record_key needs a key; the key is null")
		case key != nil:
			var kf []field
			for _, f := range key {
				kf = add(kf, f)
			}
			if sh.keys, err = pick(kf, "key"); err != nil {
				return nil, err
			}
		case r.KeySchema == nil:
			schema, _ := inferred(r.Key)
			if schema == nil || schema.Type == connect.MapType || schema.Type == connect.ArrayType {
				return nil, fmt.Errorf("pk.mode=record_key cannot use a key that is %s", kindOf(r.Key))
			}
			if len(s.pkFields) != 1 {
				return nil, fmt.Errorf("the key is a primitive without a schema: pk.fields must name exactly one column for it, not %q", s.pkFields)
			}
			sh.keys = []field{{name: s.pkFields[0], schema: schema}}
			sh.primitiveKey = true
		default:
			ks := r.KeySchema
			switch {
			case ks.Type.Primitive():
				if len(s.pkFields) != 1 {
					return nil, fmt.Errorf("the key is a primitive (%s): pk.fields must name exactly one column for it, not %q", ks.Type, s.pkFields)
				}
				sh.keys = []field{{name: s.pkFields[0], schema: ks}}
				sh.primitiveKey = true
			case ks.Type == connect.StructType:
				var kf []field
				for _, f := range ks.Fields {
					kf = append(kf, field{name: f.Name, schema: f.Schema, idx: -1})
				}
				if sh.keys, err = pick(kf, "key"); err != nil {
					return nil, err
				}
			default:
				return nil, fmt.Errorf("pk.mode=record_key cannot use a key of type %s", ks.Type)
			}
		}
	case pkRecordValue:
		if r.Value == nil {
			return nil, errors.New("pk.mode=record_value needs a value")
		}
		if sh.keys, err = pick(sh.value, "value"); err != nil {
			return nil, err
		}
	}
	sh.value = slices.DeleteFunc(sh.value, func(f field) bool {
		return slices.ContainsFunc(sh.keys, func(k field) bool { return k.name == f.name })
	})
	return sh, nil
}

// member returns the value of a schemaless object's member f.
func member(v any, f field) any {
	switch m := v.(type) {
	case map[string]any:
		return m[f.name]
	case map[any]any:
		return m[f.name]
	case []connect.MapEntry:
		if f.idx >= 0 && f.idx < len(m) && m[f.idx].Key == f.name {
			return m[f.idx].Value
		}
		for _, e := range m {
			if e.Key == f.name {
				return e.Value
			}
		}
	}
	return nil
}
