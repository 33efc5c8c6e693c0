package transform

import (
	"github.com/kconnect-go/kconnect/connect"
)

// ExtractFieldConfig configures an ExtractField transform.
type ExtractFieldConfig struct {
	// Key makes the transform work on the record key (ExtractField$Key)
	// instead of the value (ExtractField$Value).
	Key bool
	// Field is the field to extract (field): a top-level field name with
	// FieldSyntaxV1, a dotted path with FieldSyntaxV2.
	Field string
	// Syntax is the syntax of Field (field.syntax.version); V1 by default.
	Syntax FieldSyntax
	// KeepNulls extracts a null field as null even when its schema has a
	// default (replace.null.with.default=false). By default the default is
	// extracted, as Kafka does.
	KeepNulls bool
}

// ExtractField replaces the key or value with one of its fields. It is
// Kafka Connect's ExtractField$Key and ExtractField$Value.
//
// With a schema, the key or value must be a *connect.Struct (or null) and
// the field must exist in the schema, else the record fails; the result
// has the field's schema, and a null struct, or a null struct on the way to
// a nested field, gives null. Without a schema, the key or value must be a
// map (map[string]any, map[any]any or []connect.MapEntry) or null; a
// missing field gives null, as in Kafka.
//
// ExtractField is safe for concurrent use; it caches the field's position
// per input schema.
type ExtractField struct {
	name  string
	key   bool
	path  fieldPath
	keep  bool
	cache schemaCache[resolvedPath]
}

// NewExtractField returns an ExtractField. A V2 path with an unclosed
// backtick, or an empty V2 path, is an error naming the field key.
func NewExtractField(cfg ExtractFieldConfig) (*ExtractField, error) {
	name := smtName("ExtractField", cfg.Key)
	path, err := parseFieldPath(cfg.Field, cfg.Syntax)
	if err != nil {
		return nil, smtConfigError(name, extractFieldField,
			"Invalid value "+cfg.Field+" for configuration "+extractFieldField+": "+err.Error())
	}
	return &ExtractField{name: name, key: cfg.Key, path: path, keep: cfg.KeepNulls}, nil
}

const (
	extractFieldField = "field"
	extractFieldPurp  = "field extraction"
)

var extractFieldDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: extractFieldField, Type: connect.ConfigString, Required: true,
		Importance: connect.Medium, Doc: "Field name to extract."}).
	Define(connect.ConfigKey{Name: replaceNullKey, Type: connect.ConfigBoolean, Default: true,
		Importance: connect.Medium, Doc: replaceNullDoc}).
	Define(fieldSyntaxKey())

func newExtractFieldFromConfig(key bool, raw map[string]string) (Transformation, error) {
	cfg, err := parseSMTConfig(smtName("ExtractField", key), extractFieldDef, raw)
	if err != nil {
		return nil, err
	}
	return NewExtractField(ExtractFieldConfig{Key: key, Field: cfg.String(extractFieldField),
		Syntax: fieldSyntaxFrom(cfg), KeepNulls: !cfg.Bool(replaceNullKey)})
}

func extractFieldPlugins() []Plugin {
	return sidePlugins("ExtractField", extractFieldDef,
		"Extract the specified field from a Struct when schema present, or a Map in the case of schemaless data. "+
			"Any null values are passed through unmodified.",
		newExtractFieldFromConfig)
}

// Apply replaces the key or value of r with the field.
func (t *ExtractField) Apply(r connect.Record) (connect.Record, bool, error) {
	schema, value := operating(&r, t.key)
	if schema == nil {
		if valueIsNull(value) {
			setOperating(&r, t.key, nil, nil)
			return r, true, nil
		}
		if !isSchemalessMap(value) {
			return r, false, smtDataErrorf(t.name, "",
				"Only Map objects supported in absence of schema for [%s], found: %s", extractFieldPurp, describeType(value))
		}
		v, err := t.path.valueFromMap(value)
		if err != nil {
			return r, false, smtDataError(t.name, "", err)
		}
		setOperating(&r, t.key, nil, v)
		return r, true, nil
	}
	var st *connect.Struct
	if !valueIsNull(value) {
		var ok bool
		if st, ok = value.(*connect.Struct); !ok {
			return r, false, smtDataErrorf(t.name, "",
				"Only Struct objects supported for [%s], found: %s", extractFieldPurp, describeType(value))
		}
	}
	rp := t.resolve(schema)
	if !rp.ok {
		return r, false, smtDataErrorf(t.name, t.path.text, "Unknown field: %s", t.path.text)
	}
	if st == nil {
		setOperating(&r, t.key, rp.field.Schema, nil)
		return r, true, nil
	}
	vp := rp
	if st.Schema() != schema {
		if vp = t.resolve(st.Schema()); !vp.ok {
			return r, false, smtDataErrorf(t.name, t.path.text, "Unknown field: %s", t.path.text)
		}
	}
	v, err := vp.valueIn(st, t.path.steps, !t.keep)
	if err != nil {
		return r, false, smtDataError(t.name, "", err)
	}
	setOperating(&r, t.key, rp.field.Schema, v.Any())
	return r, true, nil
}

func (t *ExtractField) resolve(s *connect.Schema) resolvedPath {
	if rp, ok := t.cache.get(s); ok {
		return rp
	}
	return t.cache.put(s, t.path.resolve(s))
}
