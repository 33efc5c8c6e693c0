package transform

import (
	"slices"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
)

// FlattenConfig configures a Flatten transform.
type FlattenConfig struct {
	// Key makes the transform work on the record key (Flatten$Key) instead
	// of the value (Flatten$Value).
	Key bool
	// Delimiter joins the field names of each level; empty means ".", the
	// default. (The string config "delimiter=" gives an empty delimiter, as
	// in Kafka.)
	Delimiter string
}

// Flatten is Kafka Connect's Flatten$Key / Flatten$Value: it flattens nested
// structs (with a schema) or nested maps (without one) into one level,
// naming each field by the names on its path joined with the delimiter
// ("address.zip"). Arrays and their contents are left as they are.
//
// With a schema, a flattened field is optional when it or any struct on its
// path is optional, and takes its own default or the one its parents'
// defaults give it; the fields of a null struct are left null. The output
// schema keeps the input's name, version, doc and parameters, is required,
// and is cached per input schema. MAP fields in a schema are not supported
// (as in Kafka) and fail the record with a *connect.DataError naming the
// field, as do two fields flattening to the same name. Without a schema,
// nested maps are flattened and other values copied; a Decimal, a time or a
// Struct inside a schemaless map fails the record, as in Kafka. The result
// is then a []connect.MapEntry in the order of the LinkedHashMap Kafka
// fills: each map's entries in the order Kafka iterates it (a
// []connect.MapEntry, as JsonConverter reads one, in its order; a Go map in
// java.util.HashMap order), a nested map's entries in its place. Written
// out, it gives the bytes a JVM worker writes.
//
// A null key or value passes through unchanged. Deviation from Kafka:
// without a schema two entries flattening to the same name fail the record,
// where Kafka silently keeps one of them. Safe for concurrent use.
type Flatten struct {
	name  string
	key   bool
	delim string
	cache schemaCache[*flatPlan]
}

// flatPlan is a flattened schema and, per output field, the path of input
// field indexes leading to it.
type flatPlan struct {
	schema *connect.Schema
	paths  [][]int
}

// NewFlatten returns a Flatten for cfg.
func NewFlatten(cfg FlattenConfig) (*Flatten, error) {
	d := cfg.Delimiter
	if d == "" {
		d = "."
	}
	return newFlatten(cfg.Key, d), nil
}

func newFlatten(key bool, delim string) *Flatten {
	return &Flatten{name: smtName("Flatten", key), key: key, delim: delim}
}

var flattenConfigDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: "delimiter", Type: connect.ConfigString, Default: ".", Importance: connect.Medium,
		Doc: "Delimiter to insert between field names from the input record when generating field names for the output record"})

func newFlattenFromConfig(key bool, raw map[string]string) (Transformation, error) {
	c, err := parseSMTConfig(smtName("Flatten", key), flattenConfigDef, raw)
	if err != nil {
		return nil, err
	}
	return newFlatten(key, c.String("delimiter")), nil
}

func flattenPlugins() []Plugin {
	return sidePlugins("Flatten", flattenConfigDef,
		"Flatten a nested data structure, generating names for each field by concatenating the field names at each "+
			"level with a configurable delimiter character. Applies to Struct when schema present, or a Map "+
			"in the case of schemaless data. Array fields and their contents are not modified. The default delimiter is '.'.",
		newFlattenFromConfig)
}

func (t *Flatten) join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + t.delim + name
}

// Apply flattens the key or value.
func (t *Flatten) Apply(r connect.Record) (connect.Record, bool, error) {
	schema, v := operating(&r, t.key)
	if v == nil {
		return r, true, nil
	}
	if schema == nil {
		m, err := t.javaEntries(v)
		if err != nil {
			return r, false, err
		}
		out := make([]connect.MapEntry, 0, len(m))
		if out, err = t.flattenMap(m, "", out); err != nil {
			return r, false, err
		}
		if name, dup := repeatedKey(out); dup {
			return r, false, smtDataErrorf(t.name, name, "two entries flatten to the same name %s", name)
		}
		setOperating(&r, t.key, nil, out)
		return r, true, nil
	}
	st, err := requireStruct(t.name, v)
	if err != nil {
		return r, false, err
	}
	p, err := t.cache.getOrCompute(st.Schema(), t.derive)
	if err != nil {
		return r, false, err
	}
	out := connect.NewStruct(p.schema)
	for i, path := range p.paths {
		cur := st
		fv := connect.Value{}
		for depth, idx := range path {
			fv = fieldValue(cur, idx, true)
			if depth == len(path)-1 {
				break
			}
			next, _ := fv.Ref().(*connect.Struct)
			if fv.IsNull() || next == nil {
				fv = connect.Value{}
				break
			}
			cur = next
		}
		if fv.IsNull() {
			continue // left null, as Kafka leaves it unset
		}
		if err := out.SetAt(i, fv); err != nil {
			return r, false, smtDataError(t.name, p.schema.Fields[i].Name, err)
		}
	}
	setOperating(&r, t.key, p.schema, out)
	return r, true, nil
}

// flattenMap appends m's entries to out, nested maps' entries in their
// place, as Kafka fills its LinkedHashMap.
func (t *Flatten) flattenMap(m []connect.MapEntry, prefix string, out []connect.MapEntry) ([]connect.MapEntry, error) {
	for _, e := range m {
		key, name := e.Key, e.Key.(string) // javaEntries checked the keys
		if prefix != "" {
			name = t.join(prefix, name)
			key = name
		}
		x := e.Value
		switch x.(type) {
		case nil, int8, int16, int32, int64, int, float32, float64, bool, string, []byte, []any:
		case map[string]any, map[any]any, []connect.MapEntry:
			sub, err := t.javaEntries(x)
			if err != nil {
				return out, smtDataError(t.name, name, err)
			}
			if out, err = t.flattenMap(sub, name, out); err != nil {
				return out, err
			}
			continue
		case *connect.Struct:
			return out, smtDataErrorf(t.name, name, "Flatten transformation does not support %s for record without schemas (for field %s).", goTypeName(x), name)
		default:
			return out, smtDataErrorf(t.name, name, "Flatten transformation was passed a value of type %s which is not supported by Connect's data API", goTypeName(x))
		}
		out = append(out, connect.MapEntry{Key: key, Value: x})
	}
	return out, nil
}

// javaEntries lists a schemaless map's entries in the order Kafka iterates
// it: a []connect.MapEntry (what JsonConverter reads) as it is, a Go map in
// java.util.HashMap order. Every key must be a string.
func (t *Flatten) javaEntries(v any) ([]connect.MapEntry, error) {
	var entries []connect.MapEntry
	switch m := v.(type) {
	case []connect.MapEntry:
		entries = m
	case map[string]any:
		if m == nil {
			break
		}
		entries = make([]connect.MapEntry, 0, len(m))
		for k, x := range m {
			entries = append(entries, connect.MapEntry{Key: k, Value: x})
		}
		// A Go map has no insertion order: keys sharing a bucket go by name.
		slices.SortFunc(entries, func(a, b connect.MapEntry) int { return strings.Compare(a.Key.(string), b.Key.(string)) })
		return connect.JavaHashMapEntries(entries), nil
	case map[any]any:
		if m != nil {
			entries = connect.JavaMapEntries(m)
		}
	}
	if entries == nil {
		_, err := requireSchemalessMap(t.name, v) // its error for v
		return nil, err
	}
	for _, e := range entries {
		if _, ok := e.Key.(string); !ok {
			return nil, smtDataErrorf(t.name, "", "map key %v is a %s, not a string", e.Key, goTypeName(e.Key))
		}
	}
	return entries, nil
}

// repeatedKey returns a key that entries, all keyed by strings, hold twice.
func repeatedKey(entries []connect.MapEntry) (string, bool) {
	if len(entries) <= 16 {
		for i := range entries {
			for j := range i {
				if entries[i].Key == entries[j].Key {
					return entries[i].Key.(string), true
				}
			}
		}
		return "", false
	}
	seen := make(map[string]struct{}, len(entries))
	for _, e := range entries {
		k := e.Key.(string)
		if _, dup := seen[k]; dup {
			return k, true
		}
		seen[k] = struct{}{}
	}
	return "", false
}

func (t *Flatten) derive(in *connect.Schema) (*flatPlan, error) {
	p := &flatPlan{}
	var fields []connect.Field
	var walk func(s *connect.Schema, prefix string, optional bool, parentDefault *connect.Struct, path []int) error
	walk = func(s *connect.Schema, prefix string, optional bool, parentDefault *connect.Struct, path []int) error {
		for i, f := range s.Fields {
			name := t.join(prefix, f.Name)
			fs := f.Schema
			if fs == nil {
				return smtDataErrorf(t.name, name, "field %s has no schema", name)
			}
			fieldOptional := optional || fs.Optional
			def := fs.Default
			inherited := false
			if def == nil && parentDefault != nil {
				def = parentDefault.Get(f.Name)
				inherited = def != nil
			}
			fpath := append(append([]int(nil), path...), i)
			switch {
			case fs.Type == connect.StructType:
				sd, _ := def.(*connect.Struct)
				if err := walk(fs, name, fieldOptional, sd, fpath); err != nil {
					return err
				}
			case fs.Type == connect.MapType || !fs.Type.Valid():
				return smtDataErrorf(t.name, name, "Flatten transformation does not support %s for record with schemas (for field %s).", fs.Type, name)
			default:
				out := fs
				if fs.Optional != fieldOptional || inherited {
					c := *fs
					c.Optional = fieldOptional
					c.Default = def
					if len(fs.Parameters) > 0 {
						c.Parameters = append([]connect.Parameter(nil), fs.Parameters...)
					}
					out = &c
				}
				fields = append(fields, connect.F(name, out))
				p.paths = append(p.paths, fpath)
			}
		}
		return nil
	}
	if err := walk(in, "", in.Optional, asStruct(in.Default), nil); err != nil {
		return nil, err
	}
	s, err := buildStructSchema(t.name, in, fields)
	if err != nil {
		return nil, err
	}
	p.schema = s
	return p, nil
}

func asStruct(v any) *connect.Struct {
	s, _ := v.(*connect.Struct)
	return s
}
