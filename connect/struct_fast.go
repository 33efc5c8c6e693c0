package connect

import "fmt"

// This file holds the fast paths transforms and converters use to build
// one Struct from another: CopyAt, which copies a field without checking
// its value again when that cannot be needed, SetAtUnchecked, for values
// made for the field's schema, and newStructStorage, which
// allocates a Struct and its value slots together.

// CopyAt sets field i of s to the value of field j of src as stored: a null
// stays null, the field's default is not applied (read src.At(j) and use
// SetAt for that).
//
// It is SetAt(i, src.At(j)) without the cost of checking the value again
// when the check cannot fail: when field i of s and field j of src have the
// very same *Schema (as a schema derived with F(newName, old.Schema) does),
// src checked the value against that schema when it was set, so an integer,
// float, boolean, string, bytes, time or decimal value is copied as is.
// A null is checked as SetAt checks it (src may hold null in a required
// field it never had set), containers (arrays, maps, nested structs) are
// checked in full, since their contents may have been changed after they
// were set, and so is every value when the two fields' schemas are
// different pointers, even equal ones.
//
// It fails with a *DataError when i or j is out of range, when src is nil,
// or when the value does not match field i's schema.
func (s *Struct) CopyAt(i int, src *Struct, j int) error {
	if src == nil {
		return &DataError{Err: fmt.Errorf("CopyAt from a nil Struct into %s", s.schema)}
	}
	if j < 0 || j >= len(src.vals) {
		return &DataError{Err: fmt.Errorf("field index %d out of range for %s with %d fields", j, src.schema, len(src.vals))}
	}
	if i < 0 || i >= len(s.vals) {
		return &DataError{Err: fmt.Errorf("field index %d out of range for %s with %d fields", i, s.schema, len(s.vals))}
	}
	v := src.vals[j]
	if v.kind != KindNull && v.kind != KindAny && s.schema.Fields[i].Schema == src.schema.Fields[j].Schema {
		s.vals[i] = v
		return nil
	}
	return s.SetAt(i, v)
}

// SetAtUnchecked sets field i of s to v without checking v against the
// field's schema: the setter for code that builds a Struct from values it
// made for that very schema, such as a converter's decoder or a source
// reading typed cells, where SetAt's check can only repeat what the caller
// already knows.
//
// The caller's obligation is what SetAt would have checked: v is of the
// Kind the field's schema stores (its ValueKind: KindInt64 for INT64,
// KindTime for a Timestamp, KindAny for an array, map or struct), a null
// only for an optional field, a Decimal's unscaled integer not nil, and an array's, map's or
// nested Struct's contents valid for the field's schema. A value that
// breaks it is not detected here: the Struct then holds it, and whatever
// reads the Struct later (an encoder, Validate, Get) may fail or write it
// wrongly. When v comes from elsewhere, use SetAt. It panics when i is out
// of range, as indexing a slice does.
func (s *Struct) SetAtUnchecked(i int, v Value) {
	p := &s.vals[i]
	if p.ref != nil || v.ref != nil {
		*p = v
		return
	}
	// Without an interface on either side, the words are stored one by
	// one: a whole Value's store takes the bulk write barrier while the GC
	// runs, which costs more than the value, and a number stored into a
	// new Struct's null slot then needs no barrier at all.
	p.kind, p.aux, p.num = v.kind, v.aux, v.num
	if p.str != "" || v.str != "" {
		p.str = v.str
	}
}

// ValueKind returns the Kind of the non-null Values a field of schema s
// holds: KindInt64 for INT64, KindTime for a Date, Time or Timestamp,
// KindDecimal for a Decimal, KindAny for an ARRAY, MAP or STRUCT. Code that
// sets fields with SetAtUnchecked compares it with the kind of the value it
// made, once per field, to take SetAt for anything else.
func (s *Schema) ValueKind() Kind { return expectedKind(s) }

// newStructStorage returns a Struct of schema with n null values. Up to 32
// fields, the Struct and its values are one allocation: an array of
// exactly n values up to 16 fields, so no slot is wasted, and of 20, 24 or
// 32 values above (the runtime's size classes round a little anyway);
// beyond 32 fields, two allocations as before. The value slice's capacity is its length,
// so the Struct can never grow into memory it does not own.
func newStructStorage(schema *Schema, n int) *Struct {
	switch {
	case n <= 8:
		switch n {
		case 0:
			return &Struct{schema: schema, vals: []Value{}}
		case 1:
			p := new(struct {
				s Struct
				a [1]Value
			})
			p.s = Struct{schema: schema, vals: p.a[:]}
			return &p.s
		case 2:
			p := new(struct {
				s Struct
				a [2]Value
			})
			p.s = Struct{schema: schema, vals: p.a[:]}
			return &p.s
		case 3:
			p := new(struct {
				s Struct
				a [3]Value
			})
			p.s = Struct{schema: schema, vals: p.a[:]}
			return &p.s
		case 4:
			p := new(struct {
				s Struct
				a [4]Value
			})
			p.s = Struct{schema: schema, vals: p.a[:]}
			return &p.s
		case 5:
			p := new(struct {
				s Struct
				a [5]Value
			})
			p.s = Struct{schema: schema, vals: p.a[:]}
			return &p.s
		case 6:
			p := new(struct {
				s Struct
				a [6]Value
			})
			p.s = Struct{schema: schema, vals: p.a[:]}
			return &p.s
		case 7:
			p := new(struct {
				s Struct
				a [7]Value
			})
			p.s = Struct{schema: schema, vals: p.a[:]}
			return &p.s
		default:
			p := new(struct {
				s Struct
				a [8]Value
			})
			p.s = Struct{schema: schema, vals: p.a[:]}
			return &p.s
		}
	case n <= 16:
		switch n {
		case 9:
			p := new(struct {
				s Struct
				a [9]Value
			})
			p.s = Struct{schema: schema, vals: p.a[:]}
			return &p.s
		case 10:
			p := new(struct {
				s Struct
				a [10]Value
			})
			p.s = Struct{schema: schema, vals: p.a[:]}
			return &p.s
		case 11:
			p := new(struct {
				s Struct
				a [11]Value
			})
			p.s = Struct{schema: schema, vals: p.a[:]}
			return &p.s
		case 12:
			p := new(struct {
				s Struct
				a [12]Value
			})
			p.s = Struct{schema: schema, vals: p.a[:]}
			return &p.s
		case 13:
			p := new(struct {
				s Struct
				a [13]Value
			})
			p.s = Struct{schema: schema, vals: p.a[:]}
			return &p.s
		case 14:
			p := new(struct {
				s Struct
				a [14]Value
			})
			p.s = Struct{schema: schema, vals: p.a[:]}
			return &p.s
		case 15:
			p := new(struct {
				s Struct
				a [15]Value
			})
			p.s = Struct{schema: schema, vals: p.a[:]}
			return &p.s
		default:
			p := new(struct {
				s Struct
				a [16]Value
			})
			p.s = Struct{schema: schema, vals: p.a[:]}
			return &p.s
		}
	case n <= 20:
		p := new(struct {
			s Struct
			a [20]Value
		})
		p.s = Struct{schema: schema, vals: p.a[:n:n]}
		return &p.s
	case n <= 24:
		p := new(struct {
			s Struct
			a [24]Value
		})
		p.s = Struct{schema: schema, vals: p.a[:n:n]}
		return &p.s
	case n <= 32:
		p := new(struct {
			s Struct
			a [32]Value
		})
		p.s = Struct{schema: schema, vals: p.a[:n:n]}
		return &p.s
	}
	return &Struct{schema: schema, vals: make([]Value, n)}
}
