package mongodb

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kconnect-go/kconnect/connect"
)

// The official connector's default output.schema.key and
// output.schema.value (AvroSchemaDefaults), as Avro schema JSON.
const (
	defaultAvroKeySchema = `{"type": "record", "name": "keySchema", "fields" : [{"name": "_id", "type": "string"}]}`

	defaultAvroValueSchema = `{"name": "ChangeStream", "type": "record", "fields": [
    { "name": "_id", "type": "string" },
    { "name": "operationType", "type": ["string", "null"] },
    { "name": "fullDocumentBeforeChange", "type": ["string", "null"] },
    { "name": "fullDocument", "type": ["string", "null"] },
    { "name": "ns", "type": [{"name": "ns", "type": "record", "fields": [
        {"name": "db", "type": "string"}, {"name": "coll", "type": ["string", "null"] } ]}, "null" ] },
    { "name": "to", "type": [{"name": "to", "type": "record", "fields": [
        {"name": "db", "type": "string"}, {"name": "coll", "type": ["string", "null"] } ]}, "null" ] },
    { "name": "documentKey", "type": ["string", "null"] },
    { "name": "updateDescription", "type": [{"name": "updateDescription", "type": "record", "fields": [
        {"name": "updatedFields", "type": ["string", "null"]},
        {"name": "removedFields", "type": [{"type": "array", "items": "string"}, "null"]},
        {"name": "truncatedArrays", "type": [{"type": "array", "items": {"type": "record", "name": "truncatedArray", "fields": [
            {"name": "field", "type": "string"}, {"name": "newSize", "type": "int"} ] } }, "null" ] },
        {"name": "disambiguatedPaths", "type": ["string", "null"]} ]}, "null"] },
    { "name": "clusterTime", "type": ["string", "null"] },
    { "name": "wallTime", "type": ["long", "null"] },
    { "name": "txnNumber", "type": ["long", "null"]},
    { "name": "lsid", "type": [{"name": "lsid", "type": "record", "fields": [
        {"name": "id", "type": "string"}, {"name": "uid", "type": "string"}] }, "null"] }
  ]}`
)

// avroToSchema turns an Avro schema (JSON) into a Connect schema as the
// official AvroSchema.fromJson does: a record is a STRUCT named by the
// record's full name, a union with null is the optional form of its first
// other branch, int and long are INT32 and INT64, float and double FLOAT32
// and FLOAT64, maps have STRING keys. Enum, fixed and recursive records are
// not supported.
func avroToSchema(text string) (*connect.Schema, error) {
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return nil, fmt.Errorf("Invalid Avro schema. %v", err)
	}
	named := map[string]*connect.Schema{}
	s, err := avroType(v, "", named)
	if err != nil {
		return nil, fmt.Errorf("Invalid Avro schema. %w", err)
	}
	return s, nil
}

func avroType(v any, namespace string, named map[string]*connect.Schema) (*connect.Schema, error) {
	switch x := v.(type) {
	case string:
		switch x {
		case "string":
			return connect.StringSchema, nil
		case "bytes":
			return connect.BytesSchema, nil
		case "int":
			return connect.Int32Schema, nil
		case "long":
			return connect.Int64Schema, nil
		case "float":
			return connect.Float32Schema, nil
		case "double":
			return connect.Float64Schema, nil
		case "boolean":
			return connect.BooleanSchema, nil
		}
		if s, ok := named[x]; ok {
			return s, nil
		}
		if s, ok := named[namespace+"."+x]; ok {
			return s, nil
		}
		return nil, fmt.Errorf("unsupported or unknown type %q", x)
	case []any:
		for _, b := range x {
			if b == "null" {
				continue
			}
			s, err := avroType(b, namespace, named)
			if err != nil {
				return nil, err
			}
			return s.AsOptional(), nil
		}
		return nil, fmt.Errorf("a union of null only")
	case map[string]any:
		t, _ := x["type"].(string)
		switch t {
		case "record":
			name, _ := x["name"].(string)
			if name == "" {
				return nil, fmt.Errorf("a record without a name")
			}
			ns := namespace
			if n, ok := x["namespace"].(string); ok {
				ns = n
			}
			full := name
			if !strings.Contains(name, ".") && ns != "" {
				full = ns + "." + name
			}
			fieldsRaw, _ := x["fields"].([]any)
			fields := make([]connect.Field, 0, len(fieldsRaw))
			for _, f := range fieldsRaw {
				fm, ok := f.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("record %s: a field that is not an object", full)
				}
				fname, _ := fm["name"].(string)
				fs, err := avroType(fm["type"], ns, named)
				if err != nil {
					return nil, fmt.Errorf("record %s field %s: %w", full, fname, err)
				}
				if d, ok := fm["default"]; ok && d != nil {
					fs = fs.WithDefault(avroDefault(fs, d))
				}
				fields = append(fields, connect.F(fname, fs))
			}
			s := connect.StructOf(fields...).WithName(full)
			named[full] = s
			return s, nil
		case "array":
			e, err := avroType(x["items"], namespace, named)
			if err != nil {
				return nil, err
			}
			return connect.ArrayOf(e), nil
		case "map":
			e, err := avroType(x["values"], namespace, named)
			if err != nil {
				return nil, err
			}
			return connect.MapOf(connect.StringSchema, e), nil
		case "":
			return avroType(x["type"], namespace, named)
		default:
			return avroType(t, namespace, named)
		}
	}
	return nil, fmt.Errorf("unsupported type %v", v)
}

func avroDefault(s *connect.Schema, d any) any {
	switch s.Type {
	case connect.Int32Type:
		if f, ok := d.(float64); ok {
			return int32(f)
		}
	case connect.Int64Type:
		if f, ok := d.(float64); ok {
			return int64(f)
		}
	case connect.Float32Type:
		if f, ok := d.(float64); ok {
			return float32(f)
		}
	case connect.StringType, connect.BooleanType, connect.Float64Type:
		return d
	}
	return nil
}

// toConnect converts a BSON value to the Go value of schema s, as the
// official BsonValueToSchemaAndValue does: numbers, dates and timestamps to
// any number type; anything to a STRING (documents as JSON in mode m, other
// values as their JSON without the quotes of a string); strings, binary and
// documents (as BSON) to BYTES; documents to STRUCT (a missing optional
// field takes its default) and MAP.
func toConnect(s *connect.Schema, v any, m jsonMode) (any, error) {
	if raw, ok := v.(bson.Raw); ok {
		var d bson.D
		if err := bson.Unmarshal(raw, &d); err != nil {
			return nil, err
		}
		v = d
	}
	if _, isNull := v.(bson.Null); v == nil || isNull {
		if s.Optional {
			return nil, nil
		}
	}
	switch s.Type {
	case connect.Int8Type, connect.Int16Type, connect.Int32Type, connect.Int64Type, connect.Float32Type, connect.Float64Type:
		return numberTo(s, v)
	case connect.BooleanType:
		b, ok := v.(bool)
		if !ok {
			return nil, unexpectedType(s, v)
		}
		return b, nil
	case connect.StringType:
		switch x := v.(type) {
		case string:
			return x, nil
		case bson.D:
			return toJSON(x, m), nil
		}
		js := string(appendJSON(nil, bson.D{{Key: "v", Value: v}}, m))
		js = js[6 : len(js)-1]
		if len(js) >= 2 && strings.HasPrefix(js, `"`) && strings.HasSuffix(js, `"`) {
			js = js[1 : len(js)-1]
		}
		return js, nil
	case connect.BytesType:
		switch x := v.(type) {
		case string:
			return []byte(x), nil
		case bson.Binary:
			return x.Data, nil
		case bson.Decimal128:
			if s.Name == connect.DecimalName {
				bi, exp, err := x.BigInt()
				if err != nil {
					return nil, err
				}
				return connect.Decimal{Unscaled: bi, Scale: int32(-exp)}, nil
			}
		case bson.D:
			return bson.Marshal(x)
		}
		return nil, unexpectedType(s, v)
	case connect.ArrayType:
		a, ok := v.(bson.A)
		if !ok {
			return nil, unexpectedType(s, v)
		}
		out := make([]any, len(a))
		for i, e := range a {
			c, err := toConnect(s.Elem, e, m)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case connect.MapType:
		d, ok := v.(bson.D)
		if !ok {
			return nil, unexpectedType(s, v)
		}
		out := make(map[string]any, len(d))
		for _, e := range d {
			c, err := toConnect(s.Elem, e.Value, m)
			if err != nil {
				return nil, err
			}
			out[e.Key] = c
		}
		return out, nil
	case connect.StructType:
		d, ok := v.(bson.D)
		if !ok {
			return nil, unexpectedType(s, v)
		}
		st := connect.NewStruct(s)
		for _, f := range s.Fields {
			fv, present := lookupPath(d, f.Name)
			if !present {
				if f.Schema.Optional || f.Schema.Default != nil {
					if f.Schema.Default != nil {
						if err := st.Put(f.Name, f.Schema.Default); err != nil {
							return nil, err
						}
					}
					continue
				}
				return nil, fmt.Errorf("Missing field '%s' in: '%s'", f.Name, toJSON(d, m))
			}
			c, err := toConnect(f.Schema, fv, m)
			if err != nil {
				return nil, err
			}
			if c != nil {
				if err := st.Put(f.Name, c); err != nil {
					return nil, fmt.Errorf("field %s: %w", f.Name, err)
				}
			}
		}
		return st, nil
	}
	return nil, fmt.Errorf("Unsupported Schema type: %s", s.Type)
}

// lookupPath finds a field of d by name, or by a dotted path through
// nested documents, as the official fieldLookup does.
func lookupPath(d bson.D, name string) (any, bool) {
	for _, e := range d {
		if e.Key == name {
			return e.Value, true
		}
	}
	head, rest, nested := strings.Cut(name, ".")
	if !nested {
		return nil, false
	}
	sub, ok := get(d, head).(bson.D)
	if !ok {
		return nil, false
	}
	return lookupPath(sub, rest)
}

func unexpectedType(s *connect.Schema, v any) error {
	return fmt.Errorf("Schema type of %s but value was of type: %s", strings.ToLower(s.Type.String()), bsonTypeName(v))
}

func bsonTypeName(v any) string {
	switch v.(type) {
	case nil, bson.Null:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int32:
		return "int32"
	case int64:
		return "int64"
	case float64:
		return "double"
	case bson.D:
		return "document"
	case bson.A:
		return "array"
	case bson.ObjectID:
		return "object_id"
	case bson.DateTime:
		return "date_time"
	case bson.Timestamp:
		return "timestamp"
	case bson.Binary:
		return "binary"
	case bson.Decimal128:
		return "decimal128"
	}
	return fmt.Sprintf("%T", v)
}

func numberTo(s *connect.Schema, v any) (any, error) {
	var i int64
	var f float64
	isFloat := false
	switch x := v.(type) {
	case int32:
		i = int64(x)
	case int64:
		i = x
	case float64:
		f, isFloat = x, true
	case bson.Timestamp:
		i = int64(x.T) * 1000
	case bson.DateTime:
		i = int64(x)
	default:
		return nil, unexpectedType(s, v)
	}
	if !isFloat {
		f = float64(i)
	} else {
		i = int64(f)
	}
	if s.Name == connect.TimestampName || s.Name == connect.DateName || s.Name == connect.TimeName {
		return time.UnixMilli(i).UTC(), nil
	}
	switch s.Type {
	case connect.Int8Type:
		if i < math.MinInt8 || i > math.MaxInt8 {
			return nil, fmt.Errorf("%v does not fit in an INT8", v)
		}
		return int8(i), nil
	case connect.Int16Type:
		if i < math.MinInt16 || i > math.MaxInt16 {
			return nil, fmt.Errorf("%v does not fit in an INT16", v)
		}
		return int16(i), nil
	case connect.Int32Type:
		if i < math.MinInt32 || i > math.MaxInt32 {
			return nil, fmt.Errorf("%v does not fit in an INT32", v)
		}
		return int32(i), nil
	case connect.Int64Type:
		return i, nil
	case connect.Float32Type:
		return float32(f), nil
	}
	return f, nil
}

// inferSchema infers a document's schema as the official BsonDocumentToSchema
// does: a required STRUCT named "default" whose _id comes first and other
// fields follow sorted by name, every field optional; nested documents are
// structs named by their dotted path; arrays take the combined schema of
// their elements, or an optional string when they differ.
func inferSchema(d bson.D) *connect.Schema {
	return inferStruct("default", d).AsRequired()
}

func inferStruct(path string, d bson.D) *connect.Schema {
	var fields []connect.Field
	if v, ok := lookupTop(d, "_id"); ok {
		fields = append(fields, connect.F("_id", inferValue("_id", v)))
	}
	rest := make([]bson.E, 0, len(d))
	for _, e := range d {
		if e.Key != "_id" {
			rest = append(rest, e)
		}
	}
	slices.SortStableFunc(rest, func(a, b bson.E) int { return strings.Compare(a.Key, b.Key) })
	for _, e := range rest {
		fields = append(fields, connect.F(e.Key, inferValue(fieldPath(path, e.Key), e.Value)))
	}
	return connect.StructOf(fields...).WithName(path).AsOptional()
}

// fieldPath names a nested schema by its path: the field's own name at
// the top, else "<parent>_<name>".
func fieldPath(parent, name string) string {
	if parent == "default" {
		return name
	}
	return parent + "_" + name
}

func lookupTop(d bson.D, key string) (any, bool) {
	for _, e := range d {
		if e.Key == key {
			return e.Value, true
		}
	}
	return nil, false
}

// sentinel is the schema of a null, which any other schema replaces when
// array element schemas are combined.
var sentinel = &connect.Schema{Type: connect.StringType, Optional: true}

func inferValue(path string, v any) *connect.Schema {
	switch x := v.(type) {
	case bool:
		return connect.OptionalBooleanSchema
	case int32:
		return connect.OptionalInt32Schema
	case int64:
		return connect.OptionalInt64Schema
	case float64:
		return connect.OptionalFloat64Schema
	case bson.Decimal128:
		_, exp, err := x.BigInt()
		if err != nil {
			exp = 0
		}
		return connect.DecimalSchema(int32(-exp)).AsOptional()
	case bson.DateTime, bson.Timestamp:
		return connect.OptionalTimestampSchema
	case bson.D:
		return inferStruct(path, x)
	case bson.Raw:
		var d bson.D
		if bson.Unmarshal(x, &d) == nil {
			return inferStruct(path, d)
		}
	case bson.A:
		combined := sentinel
		for _, e := range x {
			combined = combineSchemas(combined, inferValue(path, e))
			if combined == connect.OptionalStringSchema {
				break
			}
		}
		return connect.ArrayOf(combined).WithName(path).AsOptional()
	case bson.Binary:
		return connect.OptionalBytesSchema
	case nil, bson.Null:
		return sentinel
	}
	return connect.OptionalStringSchema
}

func combineSchemas(a, b *connect.Schema) *connect.Schema {
	switch {
	case a == sentinel:
		return b
	case b == sentinel:
		return a
	case a.Equal(b):
		return a
	case a.Type != b.Type:
		return connect.OptionalStringSchema
	}
	switch a.Type {
	case connect.ArrayType:
		return connect.ArrayOf(combineSchemas(a.Elem, b.Elem)).WithName(a.Name).AsOptional()
	case connect.StructType:
		var names []string
		for _, f := range append(slices.Clone(a.Fields), b.Fields...) {
			if f.Name != "_id" && !slices.Contains(names, f.Name) {
				names = append(names, f.Name)
			}
		}
		slices.Sort(names)
		if _, ok := a.Field("_id"); ok {
			names = append([]string{"_id"}, names...)
		} else if _, ok := b.Field("_id"); ok {
			names = append([]string{"_id"}, names...)
		}
		fields := make([]connect.Field, 0, len(names))
		for _, n := range names {
			f, okA := a.Field(n)
			g, okB := b.Field(n)
			switch {
			case !okA:
				fields = append(fields, connect.F(n, g.Schema))
			case !okB:
				fields = append(fields, connect.F(n, f.Schema))
			default:
				fields = append(fields, connect.F(n, combineSchemas(f.Schema, g.Schema)))
			}
		}
		return connect.StructOf(fields...).WithName(a.Name).AsOptional()
	}
	return connect.OptionalStringSchema
}
