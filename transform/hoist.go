package transform

import (
	"github.com/kconnect-go/kconnect/connect"
)

// HoistFieldConfig configures a HoistField transform.
type HoistFieldConfig struct {
	// Key makes the transform work on the record key (HoistField$Key)
	// instead of the value (HoistField$Value).
	Key bool
	// Field is the name of the single field that wraps the key or value
	// (field).
	Field string
}

// HoistField wraps the key or value in a struct (with a schema) or a map
// (without) holding it as its only field. It is Kafka Connect's
// HoistField$Key and HoistField$Value.
//
// With a schema the result is a required, unnamed STRUCT with one field of
// the original schema, built once per input schema; a null value whose
// schema is not optional, or an empty Field, fails the record, as in Kafka.
// Without a schema the result is a map[string]any, also for null.
//
// HoistField is safe for concurrent use.
type HoistField struct {
	name  string
	key   bool
	field string
	cache schemaCache[*connect.Schema]
}

// NewHoistField returns a HoistField.
func NewHoistField(cfg HoistFieldConfig) (*HoistField, error) {
	return &HoistField{name: smtName("HoistField", cfg.Key), key: cfg.Key, field: cfg.Field}, nil
}

const hoistFieldField = "field"

var hoistFieldDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: hoistFieldField, Type: connect.ConfigString, Required: true,
		Importance: connect.Medium,
		Doc:        "Field name for the single field that will be created in the resulting Struct or Map."})

func newHoistFieldFromConfig(key bool, raw map[string]string) (Transformation, error) {
	cfg, err := parseSMTConfig(smtName("HoistField", key), hoistFieldDef, raw)
	if err != nil {
		return nil, err
	}
	return NewHoistField(HoistFieldConfig{Key: key, Field: cfg.String(hoistFieldField)})
}

func hoistFieldPlugins() []Plugin {
	return sidePlugins("HoistField", hoistFieldDef,
		"Wrap data using the specified field name in a Struct when schema present, or a Map in the case of schemaless data.",
		newHoistFieldFromConfig)
}

// Apply wraps the key or value of r.
func (t *HoistField) Apply(r connect.Record) (connect.Record, bool, error) {
	schema, value := operating(&r, t.key)
	if schema == nil {
		setOperating(&r, t.key, nil, map[string]any{t.field: value})
		return r, true, nil
	}
	if t.field == "" {
		return r, false, smtDataErrorf(t.name, "", "fieldName cannot be null.")
	}
	hoisted, ok := t.cache.get(schema)
	if !ok {
		hoisted = t.cache.put(schema, connect.StructOf(connect.F(t.field, schema)))
	}
	st := connect.NewStruct(hoisted)
	if !valueIsNull(value) {
		if err := st.SetAt(0, schemaValue(schema, value)); err != nil {
			return r, false, smtDataError(t.name, t.field, err)
		}
	} else if !schema.Optional {
		return r, false, smtDataErrorf(t.name, t.field,
			"Invalid value: null used for required field: %q, schema type: %s", t.field, schema.Type)
	}
	setOperating(&r, t.key, hoisted, st)
	return r, true, nil
}
