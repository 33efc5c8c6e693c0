package connect

import (
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Struct is a value of a STRUCT schema: one Value per field, in field order.
//
// Building a Struct of up to 32 fields costs one allocation, the Struct and
// its values together; larger ones cost two. Set and the typed Put methods
// store integers, floats, booleans, strings, times and decimals inline
// without further allocation, whereas Put(name, any) costs whatever boxing
// the caller's value into an interface costs. Every Put and Set checks the
// value against the field's schema, so a Struct never holds a value its
// schema rejects; Validate then checks that every required field without a
// default is set. CopyAt copies a field from another Struct, skipping the
// check when both fields share a schema.
//
// A Struct is not safe for concurrent modification. Once a record that
// refers to it has been handed on, treat it as read-only.
type Struct struct {
	schema *Schema
	vals   []Value
}

// NewStruct returns an empty Struct of a STRUCT schema. It panics if schema
// is nil or not a STRUCT, which is a programming error.
func NewStruct(schema *Schema) *Struct {
	if schema == nil || schema.Type != StructType {
		panic(fmt.Sprintf("connect: NewStruct needs a STRUCT schema, got %v", schema))
	}
	return newStructStorage(schema, len(schema.Fields))
}

// NewStructs returns n new empty Structs of a STRUCT schema, each as
// NewStruct returns it, allocated together: three allocations whatever n,
// where NewStruct makes one a Struct. They are reclaimed together too: as
// long as one of them is reachable, the memory of all of them is kept. It
// is for a source that builds many Structs of one schema, a batch of
// records at a time. It panics as NewStruct does.
func NewStructs(schema *Schema, n int) []*Struct {
	if schema == nil || schema.Type != StructType {
		panic(fmt.Sprintf("connect: NewStructs needs a STRUCT schema, got %v", schema))
	}
	if n <= 0 {
		return nil
	}
	k := len(schema.Fields)
	vals := make([]Value, n*k)
	structs := make([]Struct, n)
	out := make([]*Struct, n)
	for i := range structs {
		// The capacity is the length: a Struct never grows into its
		// neighbour's values.
		structs[i] = Struct{schema: schema, vals: vals[i*k : (i+1)*k : (i+1)*k]}
		out[i] = &structs[i]
	}
	return out
}

// Schema returns the struct's schema.
func (s *Struct) Schema() *Schema { return s.schema }

// Len returns the number of fields.
func (s *Struct) Len() int { return len(s.vals) }

func (s *Struct) field(name string) (Field, error) {
	f, ok := s.schema.Field(name)
	if !ok {
		return Field{}, &DataError{Path: name, Err: fmt.Errorf("%s is not a field of %s", name, s.schema)}
	}
	return f, nil
}

// Put sets the field called name to v, after checking v against the field's
// schema (see the package doc for the Go type of each schema type). A nil v
// is null, which only an optional field accepts.
func (s *Struct) Put(name string, v any) error {
	f, err := s.field(name)
	if err != nil {
		return err
	}
	if err := validateValue(f.Schema, v, name); err != nil {
		return err
	}
	s.vals[f.Index] = AnyValue(v)
	if v, ok := v.(int); ok { // keep the width the schema names
		s.vals[f.Index] = intValue(f.Schema.Type, int64(v))
	}
	return nil
}

// Set sets the field called name to v, checking it against the field's schema.
func (s *Struct) Set(name string, v Value) error {
	f, err := s.field(name)
	if err != nil {
		return err
	}
	return s.SetAt(f.Index, v)
}

// SetAt sets the field at index i to v, checking it against the field's
// schema. It is the fast path for converters and transforms.
func (s *Struct) SetAt(i int, v Value) error {
	if i < 0 || i >= len(s.vals) {
		return &DataError{Err: fmt.Errorf("field index %d out of range for %s with %d fields", i, s.schema, len(s.vals))}
	}
	f := s.schema.Fields[i]
	if err := checkValueKind(f.Schema, v, f.Name); err != nil {
		return err
	}
	s.vals[i] = v
	return nil
}

// PutInt8 sets an INT8 field.
func (s *Struct) PutInt8(name string, v int8) error { return s.Set(name, Int8Value(v)) }

// PutInt16 sets an INT16 field.
func (s *Struct) PutInt16(name string, v int16) error { return s.Set(name, Int16Value(v)) }

// PutInt32 sets an INT32 field.
func (s *Struct) PutInt32(name string, v int32) error { return s.Set(name, Int32Value(v)) }

// PutInt64 sets an INT64 field.
func (s *Struct) PutInt64(name string, v int64) error { return s.Set(name, Int64Value(v)) }

// PutFloat32 sets a FLOAT32 field.
func (s *Struct) PutFloat32(name string, v float32) error { return s.Set(name, Float32Value(v)) }

// PutFloat64 sets a FLOAT64 field.
func (s *Struct) PutFloat64(name string, v float64) error { return s.Set(name, Float64Value(v)) }

// PutBool sets a BOOLEAN field.
func (s *Struct) PutBool(name string, v bool) error { return s.Set(name, BoolValue(v)) }

// PutString sets a STRING field.
func (s *Struct) PutString(name string, v string) error { return s.Set(name, StringValue(v)) }

// PutTime sets a Date, Time or Timestamp field.
func (s *Struct) PutTime(name string, v time.Time) error { return s.Set(name, TimeValue(v)) }

// At returns the value of the field at index i as stored, without applying
// the field's default; null when i is out of range.
func (s *Struct) At(i int) Value {
	if i < 0 || i >= len(s.vals) {
		return Value{}
	}
	return s.vals[i]
}

// Get returns the value of the field called name, or the field's default
// when it is null, as Kafka Connect's Struct.get does; nil when there is no
// such field.
func (s *Struct) Get(name string) any {
	f, ok := s.schema.Field(name)
	if !ok {
		return nil
	}
	v := s.vals[f.Index]
	if v.kind == KindNull {
		return f.Schema.Default
	}
	return v.Any()
}

// GetWithoutDefault returns the value of the field called name as stored.
func (s *Struct) GetWithoutDefault(name string) any {
	f, ok := s.schema.Field(name)
	if !ok {
		return nil
	}
	return s.vals[f.Index].Any()
}

// value returns a field's value or its default, checking the kind.
func (s *Struct) value(name string, kinds ...Kind) (Value, error) {
	f, err := s.field(name)
	if err != nil {
		return Value{}, err
	}
	v := s.vals[f.Index]
	if v.kind == KindNull && f.Schema.Default != nil {
		v = AnyValue(f.Schema.Default)
	}
	if v.kind == KindNull {
		return v, nil
	}
	for _, k := range kinds {
		if v.kind == k {
			return v, nil
		}
	}
	return Value{}, &DataError{Path: name, Err: fmt.Errorf("field %s is %s, not the type asked for", name, f.Schema)}
}

// Int8 returns an INT8 field (or its default); 0 when null.
func (s *Struct) Int8(name string) (int8, error) {
	v, err := s.value(name, KindInt8)
	return int8(v.Int64()), err
}

// Int16 returns an INT16 field (or its default); 0 when null.
func (s *Struct) Int16(name string) (int16, error) {
	v, err := s.value(name, KindInt16)
	return int16(v.Int64()), err
}

// Int32 returns an INT32 field (or its default); 0 when null.
func (s *Struct) Int32(name string) (int32, error) {
	v, err := s.value(name, KindInt32)
	return int32(v.Int64()), err
}

// Int64 returns an INT64 field (or its default); 0 when null.
func (s *Struct) Int64(name string) (int64, error) {
	v, err := s.value(name, KindInt64)
	return v.Int64(), err
}

// Float32 returns a FLOAT32 field (or its default); 0 when null.
func (s *Struct) Float32(name string) (float32, error) {
	v, err := s.value(name, KindFloat32)
	return v.Float32(), err
}

// Float64 returns a FLOAT64 field (or its default); 0 when null.
func (s *Struct) Float64(name string) (float64, error) {
	v, err := s.value(name, KindFloat64)
	return v.Float64(), err
}

// Bool returns a BOOLEAN field (or its default); false when null.
func (s *Struct) Bool(name string) (bool, error) {
	v, err := s.value(name, KindBool)
	return v.Bool(), err
}

// String returns a STRING field (or its default); "" when null.
func (s *Struct) String(name string) (string, error) {
	v, err := s.value(name, KindString)
	return v.str, err
}

// Bytes returns a BYTES field (or its default); nil when null.
func (s *Struct) Bytes(name string) ([]byte, error) {
	v, err := s.value(name, KindBytes)
	return v.Bytes(), err
}

// Time returns a Date, Time or Timestamp field (or its default); the zero
// time when null.
func (s *Struct) Time(name string) (time.Time, error) {
	v, err := s.value(name, KindTime)
	return v.Time(), err
}

// Decimal returns a Decimal field (or its default); the zero Decimal when null.
func (s *Struct) Decimal(name string) (Decimal, error) {
	v, err := s.value(name, KindDecimal)
	return v.Decimal(), err
}

// Struct returns a STRUCT field (or its default); nil when null.
func (s *Struct) Struct(name string) (*Struct, error) {
	v, err := s.value(name, KindAny)
	if err != nil || v.kind == KindNull {
		return nil, err
	}
	st, ok := v.ref.(*Struct)
	if !ok {
		return nil, &DataError{Path: name, Err: fmt.Errorf("field %s is not a STRUCT", name)}
	}
	return st, nil
}

// Array returns an ARRAY field (or its default); nil when null.
func (s *Struct) Array(name string) ([]any, error) {
	v, err := s.value(name, KindAny)
	if err != nil || v.kind == KindNull {
		return nil, err
	}
	a, ok := v.ref.([]any)
	if !ok {
		return nil, &DataError{Path: name, Err: fmt.Errorf("field %s is not an ARRAY", name)}
	}
	return a, nil
}

// Validate checks that every required field without a default is set. Values
// were checked against their schemas when they were put.
func (s *Struct) Validate() error {
	for i, f := range s.schema.Fields {
		if s.vals[i].kind == KindNull && !f.Schema.Optional && f.Schema.Default == nil {
			return &DataError{Path: f.Name, Err: fmt.Errorf("required field %s is not set", f.Name)}
		}
		if st, ok := s.vals[i].ref.(*Struct); ok && s.vals[i].kind == KindAny {
			if err := st.Validate(); err != nil {
				return prefixPath(err, f.Name)
			}
		}
	}
	return nil
}

// Equal reports whether s and o have equal schemas and equal values.
func (s *Struct) Equal(o *Struct) bool {
	if s == o {
		return true
	}
	if s == nil || o == nil || !s.schema.Equal(o.schema) {
		return false
	}
	for i := range s.vals {
		if !s.vals[i].Equal(o.vals[i]) {
			return false
		}
	}
	return true
}

// Format prints the struct as Kafka Connect's Struct.toString does,
// Struct{id=1,name=a}, leaving out null fields.
func (s *Struct) Format(f fmt.State, verb rune) {
	var b strings.Builder
	b.WriteString("Struct{")
	first := true
	for i, fld := range s.schema.Fields {
		if s.vals[i].kind == KindNull {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		fmt.Fprintf(&b, "%s=%v", fld.Name, s.vals[i].Any())
	}
	b.WriteByte('}')
	_, _ = f.Write([]byte(b.String()))
}

func intValue(t Type, n int64) Value {
	switch t {
	case Int8Type:
		return Int8Value(int8(n))
	case Int16Type:
		return Int16Value(int16(n))
	case Int32Type:
		return Int32Value(int32(n))
	}
	return Int64Value(n)
}

// expectedKind is the Value kind a schema stores (KindAny for containers).
func expectedKind(s *Schema) Kind {
	switch s.Logical() {
	case LogicalDecimal:
		return KindDecimal
	case LogicalDate, LogicalTime, LogicalTimestamp:
		return KindTime
	}
	switch s.Type {
	case Int8Type:
		return KindInt8
	case Int16Type:
		return KindInt16
	case Int32Type:
		return KindInt32
	case Int64Type:
		return KindInt64
	case Float32Type:
		return KindFloat32
	case Float64Type:
		return KindFloat64
	case BooleanType:
		return KindBool
	case StringType:
		return KindString
	case BytesType:
		return KindBytes
	}
	return KindAny
}

// checkValueKind checks a Value against a schema: inline kinds by kind alone,
// KindAny values fully.
func checkValueKind(s *Schema, v Value, path string) error {
	if v.kind == KindNull {
		if !s.Optional {
			return &DataError{Path: path, Err: fmt.Errorf("null used for required field %s, schema %s", path, s)}
		}
		return nil
	}
	want := expectedKind(s)
	if v.kind != want {
		return &DataError{Path: path, Err: fmt.Errorf("%s value does not match schema %s", v.kind, s)}
	}
	switch want {
	case KindAny:
		return validateValue(s, v.ref, path)
	case KindDecimal:
		if v.ref.(*big.Int) == nil {
			return &DataError{Path: path, Err: fmt.Errorf("nil Decimal")}
		}
	}
	return nil
}

var kindNames = [...]string{
	KindNull: "null", KindInt8: "int8", KindInt16: "int16", KindInt32: "int32", KindInt64: "int64",
	KindFloat32: "float32", KindFloat64: "float64", KindBool: "bool", KindString: "string",
	KindBytes: "[]byte", KindTime: "time.Time", KindDecimal: "Decimal", KindAny: "any",
}

// String returns the Go type name of the kind ("int64", "time.Time").
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}
