package mongodb

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// ErrNotDocument is wrapped by ToDocument's error for a value that is not a
// document in any form the official connector takes.
var ErrNotDocument = errors.New("not a document")

// ToDocument converts a record's key or value (with its schema, which may be
// nil) into a BSON document, choosing the way the official connector's
// SinkConverter does: a Struct by its schema; a map (schemaless, or with a
// MAP schema) field by field; a string as MongoDB Extended JSON (relaxed or
// canonical); bytes as a BSON document. Anything else, and a string or
// bytes that do not hold a document, is an error wrapping ErrNotDocument. v
// must not be nil. The result shares no memory with v except []byte
// values.
func ToDocument(schema *connect.Schema, v any) (bson.D, error) {
	if cv, ok := v.(connect.Value); ok {
		v = cv.Any()
	}
	switch x := v.(type) {
	case *connect.Struct:
		if x == nil {
			return nil, fmt.Errorf("a null Struct: %w", ErrNotDocument)
		}
		return structDoc(x)
	case map[string]any, map[any]any, []connect.MapEntry:
		out, err := mapDoc(x, nil)
		if err != nil {
			return nil, err
		}
		return out.(bson.D), nil
	case string:
		var d bson.D
		if err := bson.UnmarshalExtJSON([]byte(x), false, &d); err != nil {
			return nil, fmt.Errorf("a string that is not a JSON document (%v): %w", err, ErrNotDocument)
		}
		return d, nil
	case []byte:
		if err := bson.Raw(x).Validate(); err != nil {
			return nil, fmt.Errorf("bytes that are not a BSON document (%v): %w", err, ErrNotDocument)
		}
		var d bson.D
		if err := bson.Unmarshal(x, &d); err != nil {
			return nil, fmt.Errorf("bytes that are not a BSON document (%v): %w", err, ErrNotDocument)
		}
		return d, nil
	case nil:
		return nil, fmt.Errorf("null: %w", ErrNotDocument)
	}
	what := fmt.Sprintf("%T", v)
	if schema != nil {
		what = fmt.Sprintf("%s (schema %s)", what, schema.Type)
	}
	return nil, fmt.Errorf("a value of type %s: expected a Struct, a map, a JSON string or BSON bytes: %w", what, ErrNotDocument)
}

// structDoc converts a Struct field by field, by the field schemas, as the
// official SchemaRecordConverter does. A null field takes its schema's
// default, else BSON null.
func structDoc(s *connect.Struct) (bson.D, error) {
	schema := s.Schema()
	out := make(bson.D, len(schema.Fields))
	for i, f := range schema.Fields {
		v := s.At(i).Any()
		if v == nil {
			v = f.Schema.Default
		}
		bv, err := bySchema(f.Schema, v)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Name, err)
		}
		out[i] = bson.E{Key: f.Name, Value: bv}
	}
	return out, nil
}

// bySchema converts v as schema says; nil for null.
func bySchema(schema *connect.Schema, v any) (any, error) {
	if cv, ok := v.(connect.Value); ok {
		v = cv.Any()
	}
	if v == nil {
		return nil, nil
	}
	switch schema.Logical() {
	case connect.LogicalDecimal:
		d, ok := v.(connect.Decimal)
		if !ok {
			return nil, fmt.Errorf("a Decimal schema holds a %T", v)
		}
		return Decimal128(d)
	case connect.LogicalDate, connect.LogicalTime, connect.LogicalTimestamp:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("a %s schema holds a %T", schema.Name, v)
		}
		return bson.NewDateTimeFromTime(t), nil
	}
	switch schema.Type {
	case connect.StructType:
		s, ok := v.(*connect.Struct)
		if !ok {
			return nil, fmt.Errorf("a STRUCT schema holds a %T", v)
		}
		return structDoc(s)
	case connect.MapType:
		return mapDoc(v, schema)
	case connect.ArrayType:
		l, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("an ARRAY schema holds a %T", v)
		}
		out := make(bson.A, len(l))
		for i, e := range l {
			bv, err := bySchema(schema.Elem, e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = bv
		}
		return out, nil
	}
	return scalar(v)
}

// scalar converts a primitive Go value of a connect schema type.
func scalar(v any) (any, error) {
	switch x := v.(type) {
	case int8:
		return int32(x), nil
	case int16:
		return int32(x), nil
	case int32, int64, float64, bool, string:
		return x, nil
	case int:
		return int64(x), nil
	case float32:
		return float64(x), nil
	case []byte:
		return bson.Binary{Data: x}, nil
	case time.Time:
		return bson.NewDateTimeFromTime(x), nil
	case connect.Decimal:
		return Decimal128(x)
	}
	return nil, fmt.Errorf("a value of type %T has no BSON form", v)
}

// mapDoc converts a map with string keys into a document; schema, when not
// nil, is its MAP schema, whose value schema converts the values.
// Otherwise values convert by their Go type.
func mapDoc(v any, schema *connect.Schema) (any, error) {
	conv := func(key string, e any) (bson.E, error) {
		var bv any
		var err error
		if schema != nil && schema.Elem != nil {
			if e == nil && schema.Elem.Default != nil {
				e = schema.Elem.Default
			}
			bv, err = bySchema(schema.Elem, e)
		} else {
			bv, err = anyValue(e)
		}
		if err != nil {
			return bson.E{}, fmt.Errorf("%s: %w", key, err)
		}
		return bson.E{Key: key, Value: bv}, nil
	}
	switch m := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		// A Java HashMap's order, the order the official connector
		// writes a schemaless map's fields in; keys sharing a bucket
		// keep their sorted order, as a Go map has none to keep.
		slices.Sort(keys)
		connect.JavaHashMapOrder(keys)
		out := make(bson.D, len(keys))
		for i, k := range keys {
			e, err := conv(k, m[k])
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case []connect.MapEntry:
		out := make(bson.D, len(m))
		for i, me := range m {
			k, ok := me.Key.(string)
			if !ok {
				return nil, fmt.Errorf("a map key of type %T: document field names are strings", me.Key)
			}
			e, err := conv(k, me.Value)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case map[any]any:
		entries := make([]connect.MapEntry, 0, len(m))
		for k, e := range m {
			entries = append(entries, connect.MapEntry{Key: k, Value: e})
		}
		return mapDoc(connect.JavaHashMapEntries(entries), schema)
	}
	return nil, fmt.Errorf("a MAP schema holds a %T", v)
}

// anyValue converts a schemaless value by its Go type, as the Java driver's
// default codecs encode a java.util.Map's values.
func anyValue(v any) (any, error) {
	if cv, ok := v.(connect.Value); ok {
		v = cv.Any()
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case *connect.Struct:
		if x == nil {
			return nil, nil
		}
		return structDoc(x)
	case map[string]any, map[any]any, []connect.MapEntry:
		return mapDoc(x, nil)
	case []any:
		out := make(bson.A, len(x))
		for i, e := range x {
			bv, err := anyValue(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = bv
		}
		return out, nil
	}
	return scalar(v)
}

// Decimal128 converts d exactly, as the Java driver's Decimal128(BigDecimal)
// does: an error when it needs more than 34 digits or its exponent is out
// of decimal128's range.
func Decimal128(d connect.Decimal) (bson.Decimal128, error) {
	u := d.Unscaled
	if u == nil {
		u = new(big.Int)
	}
	v, ok := bson.ParseDecimal128FromBigInt(u, -int(d.Scale))
	if !ok {
		return bson.Decimal128{}, fmt.Errorf("decimal %s does not fit in a decimal128 (34 digits, exponent -6176 to 6111)", d)
	}
	return v, nil
}
