package connect

import "fmt"

// Type is the type of a Schema: one of Kafka Connect's twelve schema types.
// The zero Type is invalid.
type Type uint8

// The schema types, in Kafka Connect's order.
const (
	Int8Type Type = iota + 1
	Int16Type
	Int32Type
	Int64Type
	Float32Type
	Float64Type
	BooleanType
	StringType
	BytesType
	ArrayType
	MapType
	StructType
)

var typeNames = [...]string{
	Int8Type:    "INT8",
	Int16Type:   "INT16",
	Int32Type:   "INT32",
	Int64Type:   "INT64",
	Float32Type: "FLOAT32",
	Float64Type: "FLOAT64",
	BooleanType: "BOOLEAN",
	StringType:  "STRING",
	BytesType:   "BYTES",
	ArrayType:   "ARRAY",
	MapType:     "MAP",
	StructType:  "STRUCT",
}

// String returns Kafka Connect's name for t, such as "INT32" or "STRUCT".
func (t Type) String() string {
	if t.Valid() {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Valid reports whether t is one of the twelve schema types.
func (t Type) Valid() bool { return t >= Int8Type && t <= StructType }

// Primitive reports whether t is neither ARRAY, MAP nor STRUCT.
func (t Type) Primitive() bool { return t >= Int8Type && t <= BytesType }

// ParseType returns the Type named by s, which is Kafka Connect's name for it
// in any letter case ("int32", "STRUCT").
func ParseType(s string) (Type, error) {
	for t := Int8Type; t <= StructType; t++ {
		if equalFoldASCII(typeNames[t], s) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("connect: unknown schema type %q", s)
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
