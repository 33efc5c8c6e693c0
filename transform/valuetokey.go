package transform

import (
	"errors"
	"slices"

	"github.com/kconnect-go/kconnect/connect"
)

// ValueToKeyConfig configures a ValueToKey transform.
type ValueToKeyConfig struct {
	// Fields are the value fields that make up the key (fields): at least
	// one, none empty; a repeated field is used once, as Kafka 4.x removes
	// duplicates from such lists. With FieldSyntaxV2 each is a dotted path;
	// the key field is named by the path as written.
	Fields []string
	// Syntax is the syntax of Fields (field.syntax.version); V1 by default.
	Syntax FieldSyntax
	// KeepNulls copies a null field as null even when its schema has a
	// default (replace.null.with.default=false). By default the default is
	// copied, as Kafka does.
	KeepNulls bool
}

// ValueToKey replaces the record key with a new key made of fields of the
// value. It is Kafka Connect's org.apache.kafka.connect.transforms.ValueToKey.
//
// With a value schema the value must be a *connect.Struct and every field
// must exist, else the record fails; the key is a Struct of an unnamed
// STRUCT schema holding those fields with their schemas, built once per
// value schema. Without a value schema the value must be a map and the key
// is a map[string]any (a missing field is null). A null value (a
// tombstone) fails the record, as in Kafka; put a RecordIsTombstone
// predicate on the transform to let tombstones through.
//
// ValueToKey is safe for concurrent use.
type ValueToKey struct {
	fields []string
	paths  []fieldPath
	keep   bool
	cache  schemaCache[*valueToKeySchema]
}

type valueToKeySchema struct {
	key   *connect.Schema
	paths []resolvedPath
	err   error // a field that does not exist
}

// ValueToKeyClass is ValueToKey's Kafka Connect class name.
const ValueToKeyClass = "org.apache.kafka.connect.transforms.ValueToKey"

const (
	valueToKeyName   = "ValueToKey"
	valueToKeyFields = "fields"
	valueToKeyPurp   = "copying fields from value to key"
)

// NewValueToKey returns a ValueToKey. Invalid Fields (none, an empty name,
// a V2 path with an unclosed backtick) are an error naming the fields key.
func NewValueToKey(cfg ValueToKeyConfig) (*ValueToKey, error) {
	if err := (nonEmptyValueList{}).Validate(cfg.Fields); err != nil {
		return nil, smtConfigError(valueToKeyName, valueToKeyFields,
			"Invalid value "+listString(cfg.Fields)+" for configuration "+valueToKeyFields+": "+err.Error())
	}
	t := &ValueToKey{fields: distinct(cfg.Fields), keep: cfg.KeepNulls}
	for _, f := range t.fields {
		p, err := parseFieldPath(f, cfg.Syntax)
		if err != nil {
			return nil, smtConfigError(valueToKeyName, valueToKeyFields,
				"Invalid value "+f+" for configuration "+valueToKeyFields+": "+err.Error())
		}
		t.paths = append(t.paths, p)
	}
	return t, nil
}

// listString renders a list as Java's List.toString does.
func listString(l []string) string {
	s := "["
	for i, x := range l {
		if i > 0 {
			s += ", "
		}
		s += x
	}
	return s + "]"
}

// nonEmptyValueList is Kafka's ConfigDef.ValidList.anyNonDuplicateValues(false,
// false) as Kafka 4.x applies it: a non-empty list of non-empty values.
// Kafka removes duplicates before validating such a list, so the user of
// the value removes them too (distinct).
type nonEmptyValueList struct{}

func (nonEmptyValueList) Validate(v any) error {
	l, _ := v.([]string)
	if len(l) == 0 {
		return errors.New("must not be empty. Valid values include: any non-empty value")
	}
	if slices.Contains(l, "") {
		return errors.New("values must not be empty.")
	}
	return nil
}

func (nonEmptyValueList) String() string { return "non-empty list of non-empty values" }

// distinct returns l without repeated values, keeping first occurrences.
func distinct(l []string) []string {
	out := make([]string, 0, len(l))
	for _, x := range l {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

var valueToKeyDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: valueToKeyFields, Type: connect.ConfigList, Required: true,
		Validator: nonEmptyValueList{}, Importance: connect.High,
		Doc: "Field names on the record value to extract as the record key."}).
	Define(connect.ConfigKey{Name: replaceNullKey, Type: connect.ConfigBoolean, Default: true,
		Importance: connect.Medium, Doc: replaceNullDoc}).
	Define(fieldSyntaxKey())

func valueToKeyPlugins() []Plugin {
	return []Plugin{{
		PluginInfo: connect.PluginInfo{Class: ValueToKeyClass, Kind: connect.TransformationPlugin,
			Doc:    "Replace the record key with a new key formed from a subset of fields in the record value.",
			Config: valueToKeyDef},
		New: func(raw map[string]string) (Transformation, error) {
			cfg, err := parseSMTConfig(valueToKeyName, valueToKeyDef, raw)
			if err != nil {
				return nil, err
			}
			return NewValueToKey(ValueToKeyConfig{Fields: cfg.List(valueToKeyFields),
				Syntax: fieldSyntaxFrom(cfg), KeepNulls: !cfg.Bool(replaceNullKey)})
		},
	}}
}

// Apply sets r's key.
func (t *ValueToKey) Apply(r connect.Record) (connect.Record, bool, error) {
	if r.ValueSchema == nil {
		if valueIsNull(r.Value) || !isSchemalessMap(r.Value) {
			return r, false, smtDataErrorf(valueToKeyName, "",
				"Only Map objects supported in absence of schema for [%s], found: %s", valueToKeyPurp, describeType(r.Value))
		}
		key := make(map[string]any, len(t.fields))
		for i, p := range t.paths {
			v, err := p.valueFromMap(r.Value)
			if err != nil {
				return r, false, smtDataError(valueToKeyName, "", err)
			}
			key[t.fields[i]] = v
		}
		r.KeySchema, r.Key = nil, key
		return r, true, nil
	}
	st, ok := r.Value.(*connect.Struct)
	if !ok || st == nil {
		return r, false, smtDataErrorf(valueToKeyName, "",
			"Only Struct objects supported for [%s], found: %s", valueToKeyPurp, describeType(r.Value))
	}
	ks, ok := t.cache.get(st.Schema())
	if !ok {
		ks = t.cache.put(st.Schema(), t.keySchema(st.Schema()))
	}
	if ks.err != nil {
		return r, false, ks.err
	}
	key := connect.NewStruct(ks.key)
	for i := range ks.paths {
		v, err := ks.paths[i].valueIn(st, t.paths[i].steps, !t.keep)
		if err == nil {
			err = key.SetAt(i, v)
		}
		if err != nil {
			return r, false, smtDataError(valueToKeyName, t.fields[i], err)
		}
	}
	r.KeySchema, r.Key = ks.key, key
	r.ValueSchema = st.Schema()
	return r, true, nil
}

// keySchema derives the key schema for a value schema.
func (t *ValueToKey) keySchema(vs *connect.Schema) *valueToKeySchema {
	out := &valueToKeySchema{paths: make([]resolvedPath, len(t.paths))}
	fields := make([]connect.Field, len(t.paths))
	for i, p := range t.paths {
		rp := p.resolve(vs)
		if !rp.ok {
			out.err = smtDataErrorf(valueToKeyName, t.fields[i], "Field does not exist: %s", t.fields[i])
			return out
		}
		out.paths[i] = rp
		fields[i] = connect.F(t.fields[i], rp.field.Schema)
	}
	out.key = connect.StructOf(fields...)
	return out
}
