package transform

import (
	"errors"
	"fmt"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// MaskFieldConfig configures a MaskField transform.
type MaskFieldConfig struct {
	// Key makes the transform work on the record key (MaskField$Key)
	// instead of the value (MaskField$Value).
	Key bool
	// Fields names the top-level fields to mask; it must not be empty.
	Fields []string
	// Replacement, when not empty, replaces numeric and string values
	// instead of the type's empty value. It is converted to each field's
	// number type as Kafka's Values.convertTo* does ("12.7" masks an INT32
	// field as 12); a replacement a field cannot take fails that record.
	Replacement string
	// KeepNulls copies null fields as null even when their schema has a
	// default (replace.null.with.default=false).
	KeepNulls bool
}

// MaskField is Kafka Connect's MaskField$Key / MaskField$Value: it replaces
// the values of the named fields with the empty value of their type (0,
// false, "", an empty array or map, Decimal zero, the epoch for Date, Time
// and Timestamp) or with a configured replacement.
//
// Null field values stay null. Masking a BYTES or STRUCT value, or using a
// replacement on anything but a number or a string, fails the record with a
// *connect.DataError naming the field. Without a schema a masked field that
// is absent is added with a null value, as in Kafka. The schema is kept.
//
// Deviations from Kafka, both where Kafka would fail later: a null key or
// value (a tombstone) passes through unchanged, where Kafka's MaskField
// fails on it; and a Decimal field is masked with zero (or the replacement)
// at the field's own scale, where Kafka uses scale 0 (or the replacement's)
// and the converter then rejects the mismatched scale. Safe for concurrent
// use.
type MaskField struct {
	name        string
	key         bool
	fields      []string
	masked      map[string]struct{}
	replacement string
	hasRepl     bool
	keepNulls   bool
}

// NewMaskField returns a MaskField for cfg. It fails when Fields is empty.
func NewMaskField(cfg MaskFieldConfig) (*MaskField, error) {
	name := smtName("MaskField", cfg.Key)
	if len(cfg.Fields) == 0 {
		return nil, smtConfigError(name, "fields", "Invalid value [] for configuration fields: Empty list")
	}
	return &MaskField{
		name:        name,
		key:         cfg.Key,
		fields:      append([]string(nil), cfg.Fields...),
		masked:      stringSet(cfg.Fields),
		replacement: cfg.Replacement,
		hasRepl:     cfg.Replacement != "",
		keepNulls:   cfg.KeepNulls,
	}, nil
}

// nonEmptyList is Kafka's NonEmptyListValidator.
type nonEmptyList struct{}

func (nonEmptyList) Validate(v any) error {
	if l, ok := v.([]string); ok && len(l) == 0 {
		return errors.New("Empty list")
	}
	return nil
}

func (nonEmptyList) String() string { return "non-empty list" }

var maskFieldConfigDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: "fields", Type: connect.ConfigList, Required: true, Validator: nonEmptyList{},
		Importance: connect.High, Doc: "Names of fields to mask."}).
	Define(connect.ConfigKey{Name: "replacement", Type: connect.ConfigString, Validator: connect.NonEmpty(),
		Importance: connect.Low,
		Doc:        "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only)."}).
	Define(connect.ConfigKey{Name: replaceNullKey, Type: connect.ConfigBoolean, Default: true, Importance: connect.Medium,
		Doc: replaceNullDoc})

func newMaskFieldFromConfig(key bool, raw map[string]string) (Transformation, error) {
	c, err := parseSMTConfig(smtName("MaskField", key), maskFieldConfigDef, raw)
	if err != nil {
		return nil, err
	}
	return NewMaskField(MaskFieldConfig{
		Key:         key,
		Fields:      c.List("fields"),
		Replacement: c.String("replacement"),
		KeepNulls:   !c.Bool(replaceNullKey),
	})
}

func maskFieldPlugins() []Plugin {
	return sidePlugins("MaskField", maskFieldConfigDef,
		"Mask specified fields with a valid null value for the field type (i.e. 0, false, empty string, and so on)."+
			"<p/>For numeric and string fields, an optional replacement value can be specified that is converted to the correct type.",
		newMaskFieldFromConfig)
}

// Apply masks the configured fields.
func (t *MaskField) Apply(r connect.Record) (connect.Record, bool, error) {
	schema, v := operating(&r, t.key)
	if v == nil {
		return r, true, nil
	}
	if schema == nil {
		m, err := requireSchemalessMap(t.name, v)
		if err != nil {
			return r, false, err
		}
		out := cloneMap(m, v)
		for _, f := range t.fields {
			mv, err := t.maskAny(m[f], nil)
			if err != nil {
				return r, false, smtDataError(t.name, f, err)
			}
			out[f] = mv
		}
		setOperating(&r, t.key, nil, out)
		return r, true, nil
	}
	st, err := requireStruct(t.name, v)
	if err != nil {
		return r, false, err
	}
	ss := st.Schema()
	if err := checkFieldSchemas(t.name, ss); err != nil {
		return r, false, err
	}
	out := connect.NewStruct(ss)
	replace := !t.keepNulls
	for i, f := range ss.Fields {
		fv := st.At(i)
		if replace && fv.IsNull() {
			fv = fieldDefault(st, i)
		}
		if _, ok := t.masked[f.Name]; ok && !fv.IsNull() {
			if fv, err = t.maskValue(fv, f.Schema); err != nil {
				return r, false, smtDataError(t.name, f.Name, err)
			}
		}
		if err := out.SetAt(i, fv); err != nil {
			return r, false, smtDataError(t.name, f.Name, err)
		}
	}
	setOperating(&r, t.key, ss, out)
	return r, true, nil
}

// maskValue masks a non-null struct field value of schema s.
func (t *MaskField) maskValue(v connect.Value, s *connect.Schema) (connect.Value, error) {
	switch v.Kind() {
	case connect.KindDecimal:
		scale, err := s.DecimalScale()
		if err != nil {
			return v, err
		}
		d := connect.NewDecimal(0, scale)
		if t.hasRepl {
			p, err := connect.ParseDecimal(t.replacement)
			if err != nil {
				return v, fmt.Errorf("Unable to convert %s to a Decimal: %w", t.replacement, err)
			}
			if d, err = p.Rescale(scale); err != nil {
				return v, fmt.Errorf("replacement %s does not fit the field's Decimal scale %d", t.replacement, scale)
			}
		}
		return connect.DecimalValue(d), nil
	case connect.KindAny:
		x, err := t.maskAny(v.Any(), s)
		if err != nil {
			return v, err
		}
		return connect.AnyValue(x), nil
	}
	x, err := t.maskAny(v.Any(), s)
	if err != nil {
		return v, err
	}
	return schemaValue(s, x), nil
}

var maskEpoch = time.Unix(0, 0).UTC()

// maskAny masks a value by its Go type, as Kafka's MaskField does by Java
// class. s is the value's schema, or nil.
func (t *MaskField) maskAny(v any, s *connect.Schema) (any, error) {
	if v == nil {
		return nil, nil
	}
	if t.hasRepl {
		return t.replace(v)
	}
	switch x := v.(type) {
	case bool:
		return false, nil
	case int8:
		return int8(0), nil
	case int16:
		return int16(0), nil
	case int32:
		return int32(0), nil
	case int64:
		return int64(0), nil
	case int:
		return 0, nil
	case float32:
		return float32(0), nil
	case float64:
		return float64(0), nil
	case string:
		return "", nil
	case time.Time:
		return maskEpoch, nil
	case connect.Decimal:
		scale := int32(0)
		if s != nil {
			if sc, err := s.DecimalScale(); err == nil {
				scale = sc
			}
		}
		return connect.NewDecimal(0, scale), nil
	case []any:
		return []any{}, nil
	case map[string]any:
		return map[string]any{}, nil
	case map[any]any:
		return map[any]any{}, nil
	case []connect.MapEntry:
		return []connect.MapEntry{}, nil
	default:
		return nil, fmt.Errorf("Cannot mask value of type: %s", goTypeName(x))
	}
}

// replace converts the replacement to v's type.
func (t *MaskField) replace(v any) (any, error) {
	switch v.(type) {
	case string:
		return t.replacement, nil
	case int8:
		n, err := javaValuesLong(t.replacement)
		return int8(n), err
	case int16:
		n, err := javaValuesLong(t.replacement)
		return int16(n), err
	case int32:
		n, err := javaValuesLong(t.replacement)
		return int32(n), err
	case int64:
		return javaValuesLong(t.replacement)
	case int:
		n, err := javaValuesLong(t.replacement)
		return int(n), err
	case float32:
		f, err := javaValuesDouble(t.replacement)
		return float32(f), err
	case float64:
		return javaValuesDouble(t.replacement)
	case connect.Decimal:
		d, err := connect.ParseDecimal(t.replacement)
		if err != nil {
			return nil, fmt.Errorf("Unable to convert %s to a Decimal", t.replacement)
		}
		return d, nil
	}
	return nil, fmt.Errorf("Cannot mask value of type %s with custom replacement.", goTypeName(v))
}
