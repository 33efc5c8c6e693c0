package connect

import (
	"fmt"
	"strings"
)

// Schema describes a value: its Type, whether it may be null, an optional
// default, and for named (often logical) types a name, version, doc and
// parameters. It is Kafka Connect's ConnectSchema.
//
// A Schema is shared by pointer and compared by pointer wherever speed
// matters (converters and transforms cache derived work by *Schema), so
// treat it as immutable once it is in use: the With... methods return
// modified copies. Build schemas with the predefined values (Int64Schema,
// OptionalStringSchema, ...), StructOf, ArrayOf, MapOf and the logical type
// constructors; a Schema literal works too.
type Schema struct {
	Type     Type
	Optional bool
	// Default is the value used when a field of this schema is null, in the
	// Go representation of Type (see the package doc); nil means none.
	Default any
	// Name names the schema; logical types are recognised by name
	// (DecimalName, DateName, TimeName, TimestampName).
	Name string
	// Version is the schema's version; 0 means not set.
	Version int32
	Doc     string
	// Parameters are kept in order, as Kafka Connect keeps them in a
	// LinkedHashMap, so that they serialise identically.
	Parameters []Parameter
	// Fields are the fields of a STRUCT schema, in order.
	Fields []Field
	// Key is the key schema of a MAP.
	Key *Schema
	// Elem is the value schema of a MAP and the element schema of an ARRAY.
	Elem *Schema

	// index maps field names to positions for large structs; built by
	// StructOf, nil for literals (Field then scans).
	index map[string]int
}

// Field is one field of a STRUCT schema.
type Field struct {
	Name   string
	Index  int
	Schema *Schema
}

// F returns a Field for use with StructOf; StructOf sets its Index.
func F(name string, schema *Schema) Field { return Field{Name: name, Schema: schema} }

// Parameter is one schema parameter.
type Parameter struct{ Key, Value string }

// The predefined primitive schemas, required and optional, as in Kafka
// Connect's Schema constants. Never modify them.
var (
	Int8Schema    = &Schema{Type: Int8Type}
	Int16Schema   = &Schema{Type: Int16Type}
	Int32Schema   = &Schema{Type: Int32Type}
	Int64Schema   = &Schema{Type: Int64Type}
	Float32Schema = &Schema{Type: Float32Type}
	Float64Schema = &Schema{Type: Float64Type}
	BooleanSchema = &Schema{Type: BooleanType}
	StringSchema  = &Schema{Type: StringType}
	BytesSchema   = &Schema{Type: BytesType}

	OptionalInt8Schema    = &Schema{Type: Int8Type, Optional: true}
	OptionalInt16Schema   = &Schema{Type: Int16Type, Optional: true}
	OptionalInt32Schema   = &Schema{Type: Int32Type, Optional: true}
	OptionalInt64Schema   = &Schema{Type: Int64Type, Optional: true}
	OptionalFloat32Schema = &Schema{Type: Float32Type, Optional: true}
	OptionalFloat64Schema = &Schema{Type: Float64Type, Optional: true}
	OptionalBooleanSchema = &Schema{Type: BooleanType, Optional: true}
	OptionalStringSchema  = &Schema{Type: StringType, Optional: true}
	OptionalBytesSchema   = &Schema{Type: BytesType, Optional: true}
)

// PrimitiveSchema returns the shared predefined schema for a primitive type,
// or nil if t is not primitive.
func PrimitiveSchema(t Type, optional bool) *Schema {
	if !t.Primitive() {
		return nil
	}
	if optional {
		return optionalPrimitives[t]
	}
	return requiredPrimitives[t]
}

var requiredPrimitives = [...]*Schema{
	Int8Type: Int8Schema, Int16Type: Int16Schema, Int32Type: Int32Schema, Int64Type: Int64Schema,
	Float32Type: Float32Schema, Float64Type: Float64Schema, BooleanType: BooleanSchema,
	StringType: StringSchema, BytesType: BytesSchema,
}

var optionalPrimitives = [...]*Schema{
	Int8Type: OptionalInt8Schema, Int16Type: OptionalInt16Schema, Int32Type: OptionalInt32Schema,
	Int64Type: OptionalInt64Schema, Float32Type: OptionalFloat32Schema, Float64Type: OptionalFloat64Schema,
	BooleanType: OptionalBooleanSchema, StringType: OptionalStringSchema, BytesType: OptionalBytesSchema,
}

// fieldIndexThreshold is the field count above which StructOf builds a name
// index; below it a linear scan of short names is faster than hashing.
const fieldIndexThreshold = 12

// StructOf returns a required STRUCT schema with the given fields, in order.
// Field indexes are assigned here. Duplicate or empty field names make the
// schema invalid; Schema.Validate reports them.
func StructOf(fields ...Field) *Schema {
	s := &Schema{Type: StructType, Fields: make([]Field, len(fields))}
	for i, f := range fields {
		f.Index = i
		s.Fields[i] = f
	}
	s.buildIndex()
	return s
}

func (s *Schema) buildIndex() {
	s.index = nil
	if len(s.Fields) <= fieldIndexThreshold {
		return
	}
	s.index = make(map[string]int, len(s.Fields))
	for i, f := range s.Fields {
		if _, dup := s.index[f.Name]; !dup {
			s.index[f.Name] = i
		}
	}
}

// ArrayOf returns a required ARRAY schema of elem.
func ArrayOf(elem *Schema) *Schema { return &Schema{Type: ArrayType, Elem: elem} }

// MapOf returns a required MAP schema from key to value.
func MapOf(key, value *Schema) *Schema { return &Schema{Type: MapType, Key: key, Elem: value} }

// Field returns the field called name of a STRUCT schema.
func (s *Schema) Field(name string) (Field, bool) {
	if s == nil {
		return Field{}, false
	}
	if s.index != nil {
		i, ok := s.index[name]
		if !ok {
			return Field{}, false
		}
		return s.Fields[i], true
	}
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return s.Fields[i], true
		}
	}
	return Field{}, false
}

// Parameter returns the value of the parameter called key.
func (s *Schema) Parameter(key string) (string, bool) {
	if s == nil {
		return "", false
	}
	for _, p := range s.Parameters {
		if p.Key == key {
			return p.Value, true
		}
	}
	return "", false
}

func (s *Schema) clone() *Schema {
	c := *s
	c.Parameters = append([]Parameter(nil), s.Parameters...)
	if s.Fields != nil {
		c.Fields = append([]Field(nil), s.Fields...)
	}
	return &c
}

// AsOptional returns a copy of s that accepts null.
func (s *Schema) AsOptional() *Schema {
	if s.Type.Primitive() && s.Name == "" && s.Default == nil && s.Doc == "" && s.Version == 0 && len(s.Parameters) == 0 {
		return PrimitiveSchema(s.Type, true)
	}
	c := s.clone()
	c.Optional = true
	return c
}

// AsRequired returns a copy of s that rejects null.
func (s *Schema) AsRequired() *Schema {
	if s.Type.Primitive() && s.Name == "" && s.Default == nil && s.Doc == "" && s.Version == 0 && len(s.Parameters) == 0 {
		return PrimitiveSchema(s.Type, false)
	}
	c := s.clone()
	c.Optional = false
	return c
}

// WithName returns a copy of s with the given name.
func (s *Schema) WithName(name string) *Schema { c := s.clone(); c.Name = name; return c }

// WithVersion returns a copy of s with the given version.
func (s *Schema) WithVersion(v int32) *Schema { c := s.clone(); c.Version = v; return c }

// WithDoc returns a copy of s with the given doc.
func (s *Schema) WithDoc(doc string) *Schema { c := s.clone(); c.Doc = doc; return c }

// WithDefault returns a copy of s with the given default value. The default
// must be valid for s; Validate checks it.
func (s *Schema) WithDefault(v any) *Schema { c := s.clone(); c.Default = v; return c }

// WithParameter returns a copy of s with the parameter key set to value,
// replacing an earlier value in place or appending a new parameter.
func (s *Schema) WithParameter(key, value string) *Schema {
	c := s.clone()
	for i := range c.Parameters {
		if c.Parameters[i].Key == key {
			c.Parameters[i].Value = value
			return c
		}
	}
	c.Parameters = append(c.Parameters, Parameter{key, value})
	return c
}

// Validate checks that s is well formed: a valid type, MAP key and value
// schemas and an ARRAY element schema present, STRUCT fields named and unique,
// no fields on other types, logical types with the right underlying type and
// parameters, and a default that is valid for the schema. The error names
// the path of the offending schema, such as "fields.address.fields.zip".
func (s *Schema) Validate() error {
	return s.validate("")
}

func (s *Schema) validate(path string) error {
	bad := func(format string, args ...any) error {
		where := path
		if where == "" {
			where = "schema"
		}
		return fmt.Errorf("connect: invalid schema at %s: %s", where, fmt.Sprintf(format, args...))
	}
	if s == nil {
		return bad("nil schema")
	}
	if !s.Type.Valid() {
		return bad("invalid type %d", s.Type)
	}
	if s.Type != StructType && len(s.Fields) > 0 {
		return bad("%s schema has fields", s.Type)
	}
	switch s.Type {
	case ArrayType:
		if s.Elem == nil {
			return bad("ARRAY schema has no element schema")
		}
		if err := s.Elem.validate(joinPath(path, "items")); err != nil {
			return err
		}
	case MapType:
		if s.Key == nil || s.Elem == nil {
			return bad("MAP schema needs key and value schemas")
		}
		if err := s.Key.validate(joinPath(path, "keys")); err != nil {
			return err
		}
		if err := s.Elem.validate(joinPath(path, "values")); err != nil {
			return err
		}
	case StructType:
		seen := make(map[string]bool, len(s.Fields))
		for i, f := range s.Fields {
			if f.Name == "" {
				return bad("field %d has no name", i)
			}
			if seen[f.Name] {
				return bad("duplicate field %q", f.Name)
			}
			seen[f.Name] = true
			if f.Index != i {
				return bad("field %q has index %d, want %d", f.Name, f.Index, i)
			}
			if err := f.Schema.validate(joinPath(path, "fields."+f.Name)); err != nil {
				return err
			}
		}
	}
	if err := validateLogical(s); err != nil {
		return bad("%v", err)
	}
	if s.Default != nil {
		if err := validateValue(s, s.Default, joinPath(path, "default")); err != nil {
			return bad("invalid default: %v", err)
		}
	}
	return nil
}

func joinPath(path, elem string) string {
	if path == "" {
		return elem
	}
	return path + "." + elem
}

// Equal reports whether s and o describe the same schema: every attribute,
// fields, key and element schemas, parameters in order, and defaults.
func (s *Schema) Equal(o *Schema) bool {
	if s == o {
		return true
	}
	if s == nil || o == nil {
		return false
	}
	if s.Type != o.Type || s.Optional != o.Optional || s.Name != o.Name || s.Version != o.Version ||
		s.Doc != o.Doc || len(s.Parameters) != len(o.Parameters) || len(s.Fields) != len(o.Fields) {
		return false
	}
	for i := range s.Parameters {
		if s.Parameters[i] != o.Parameters[i] {
			return false
		}
	}
	for i := range s.Fields {
		if s.Fields[i].Name != o.Fields[i].Name || s.Fields[i].Index != o.Fields[i].Index ||
			!s.Fields[i].Schema.Equal(o.Fields[i].Schema) {
			return false
		}
	}
	if (s.Key == nil) != (o.Key == nil) || (s.Key != nil && !s.Key.Equal(o.Key)) {
		return false
	}
	if (s.Elem == nil) != (o.Elem == nil) || (s.Elem != nil && !s.Elem.Equal(o.Elem)) {
		return false
	}
	return ValuesEqual(s.Default, o.Default)
}

// String returns a short description such as "STRUCT(com.example.User)" or
// "optional INT32", for error messages.
func (s *Schema) String() string {
	if s == nil {
		return "<nil schema>"
	}
	var b strings.Builder
	if s.Optional {
		b.WriteString("optional ")
	}
	b.WriteString(s.Type.String())
	if s.Name != "" {
		b.WriteString("(")
		b.WriteString(s.Name)
		b.WriteString(")")
	}
	return b.String()
}
