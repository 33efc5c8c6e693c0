package transform

import (
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
// Struct inside a schemaless map fails the record, as in Kafka.
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
		m, err := requireSchemalessMap(t.name, v)
		if err != nil {
			return r, false, err
		}
		out := make(map[string]any, len(m))
		if err := t.flattenMap(m, "", out); err != nil {
			return r, false, err
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

func (t *Flatten) flattenMap(m map[string]any, prefix string, out map[string]any) error {
	for k, x := range m {
		name := t.join(prefix, k)
		switch x.(type) {
		case nil, int8, int16, int32, int64, int, float32, float64, bool, string, []byte, []any:
		case map[string]any, map[any]any, []connect.MapEntry:
			sub, err := requireSchemalessMap(t.name, x)
			if err != nil {
				return smtDataError(t.name, name, err)
			}
			if err := t.flattenMap(sub, name, out); err != nil {
				return err
			}
			continue
		case *connect.Struct:
			return smtDataErrorf(t.name, name, "Flatten transformation does not support %s for record without schemas (for field %s).", goTypeName(x), name)
		default:
			return smtDataErrorf(t.name, name, "Flatten transformation was passed a value of type %s which is not supported by Connect's data API", goTypeName(x))
		}
		if _, dup := out[name]; dup {
			return smtDataErrorf(t.name, name, "two entries flatten to the same name %s", name)
		}
		out[name] = x
	}
	return nil
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
