package transform

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// This file holds InsertField and, at the end, the helpers that the SMTs of
// insertfield.go, replacefield.go, maskfield.go, cast.go,
// timestampconverter.go and flatten.go share.

const transformsPackage = "org.apache.kafka.connect.transforms."

// replaceNullDoc is Kafka's documentation of replace.null.with.default.
const replaceNullDoc = "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used."

const replaceNullKey = "replace.null.with.default"

// InsertFieldConfig configures an InsertField transform. Each inserted field
// is optional unless its Required is set; a field with an empty Name is not
// inserted. At least one field must be inserted.
type InsertFieldConfig struct {
	// Key makes the transform work on the record key (InsertField$Key)
	// instead of the value (InsertField$Value).
	Key bool
	// Topic inserts the record's topic as a STRING field (topic.field).
	Topic InsertedField
	// Partition inserts the record's Kafka partition as an INT32 field
	// (partition.field), when the record has one.
	Partition InsertedField
	// Offset inserts the Kafka offset of a sink record as an INT64 field
	// (offset.field); records that have not come from Kafka fail.
	Offset InsertedField
	// Timestamp inserts the record's timestamp (timestamp.field): a
	// Timestamp field with a schema, epoch milliseconds (int64) without;
	// records without a timestamp get no value.
	Timestamp InsertedField
	// Static inserts StaticValue as a STRING field (static.field).
	Static InsertedField
	// StaticValue is the value of the Static field (static.value).
	StaticValue string
	// KeepNulls copies null fields as null even when their schema has a
	// default (replace.null.with.default=false). By default a null field
	// with a default is copied as its default, as Kafka does.
	KeepNulls bool
}

// InsertedField names a field InsertField adds, and whether the new field's
// schema is required (Kafka's "name!") or optional ("name" or "name?").
type InsertedField struct {
	Name     string
	Required bool
}

// parseInsertedField parses Kafka's spec: a trailing ? is optional, ! is
// required, otherwise optional.
func parseInsertedField(spec string) InsertedField {
	if name, ok := strings.CutSuffix(spec, "?"); ok {
		return InsertedField{Name: name}
	}
	if name, ok := strings.CutSuffix(spec, "!"); ok {
		return InsertedField{Name: name, Required: true}
	}
	return InsertedField{Name: spec}
}

// InsertField is Kafka Connect's InsertField$Key / InsertField$Value: it adds
// fields holding the record's topic, partition, offset, timestamp or a
// static string to a struct (with a schema) or a map (without one).
//
// A null key or value (a tombstone) passes through unchanged. A key or value
// that is neither a Struct (with a schema) nor a map with string keys
// (without one) fails with a *connect.DataError, as does inserting a field
// whose name the struct already has. Derived schemas are cached per input
// schema; the output schema keeps the input's name, version, doc and
// parameters and is required, as in Kafka. Safe for concurrent use.
type InsertField struct {
	name   string
	cfg    InsertFieldConfig
	static any // cfg.StaticValue, boxed once rather than per record
	cache  schemaCache[*connect.Schema]
}

var optionalTimestampSchema = &connect.Schema{Type: connect.Int64Type, Name: connect.TimestampName, Version: 1, Optional: true}

// NewInsertField returns an InsertField for cfg. It fails when no field is
// to be inserted.
func NewInsertField(cfg InsertFieldConfig) (*InsertField, error) {
	t := &InsertField{name: smtName("InsertField", cfg.Key), cfg: cfg, static: cfg.StaticValue}
	if cfg.Topic.Name == "" && cfg.Partition.Name == "" && cfg.Offset.Name == "" &&
		cfg.Timestamp.Name == "" && cfg.Static.Name == "" {
		return nil, fmt.Errorf("%s: No field insertion configured", t.name)
	}
	return t, nil
}

var insertFieldConfigDef = func() *connect.ConfigDef {
	const opt = "Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default)."
	return connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "topic.field", Type: connect.ConfigString, Importance: connect.Medium,
			Doc: "Field name for Kafka topic. " + opt}).
		Define(connect.ConfigKey{Name: "partition.field", Type: connect.ConfigString, Importance: connect.Medium,
			Doc: "Field name for Kafka partition. " + opt}).
		Define(connect.ConfigKey{Name: "offset.field", Type: connect.ConfigString, Importance: connect.Medium,
			Doc: "Field name for Kafka offset - only applicable to sink connectors.<br/>" + opt}).
		Define(connect.ConfigKey{Name: "timestamp.field", Type: connect.ConfigString, Importance: connect.Medium,
			Doc: "Field name for record timestamp. " + opt}).
		Define(connect.ConfigKey{Name: "static.field", Type: connect.ConfigString, Importance: connect.Medium,
			Doc: "Field name for static data field. " + opt}).
		Define(connect.ConfigKey{Name: "static.value", Type: connect.ConfigString, Importance: connect.Medium,
			Doc: "Static field value, if field name configured."}).
		Define(connect.ConfigKey{Name: replaceNullKey, Type: connect.ConfigBoolean, Default: true, Importance: connect.Medium,
			Doc: replaceNullDoc})
}()

// newInsertFieldFromConfig builds an InsertField from Kafka's string config.
func newInsertFieldFromConfig(key bool, raw map[string]string) (Transformation, error) {
	name := smtName("InsertField", key)
	c, err := parseSMTConfig(name, insertFieldConfigDef, raw)
	if err != nil {
		return nil, err
	}
	spec := func(k string) InsertedField {
		if c.Get(k) == nil {
			return InsertedField{}
		}
		return parseInsertedField(c.String(k))
	}
	cfg := InsertFieldConfig{
		Key:       key,
		Topic:     spec("topic.field"),
		Partition: spec("partition.field"),
		Offset:    spec("offset.field"),
		Timestamp: spec("timestamp.field"),
		Static:    spec("static.field"),
		KeepNulls: !c.Bool(replaceNullKey),
	}
	set := func(k string) bool { return c.Get(k) != nil }
	if !set("topic.field") && !set("partition.field") && !set("offset.field") && !set("timestamp.field") && !set("static.field") {
		return nil, fmt.Errorf("%s: No field insertion configured", name)
	}
	if set("static.field") {
		if !set("static.value") {
			return nil, smtConfigError(name, "static.value", fmt.Sprintf(
				"Invalid value null for configuration static.value: No value specified for static field: %s", c.String("static.field")))
		}
		cfg.StaticValue = c.String("static.value")
	}
	return NewInsertField(cfg)
}

func insertFieldPlugins() []Plugin {
	return sidePlugins("InsertField", insertFieldConfigDef,
		"Insert field(s) using attributes from the record metadata or a configured static value.",
		newInsertFieldFromConfig)
}

// Apply inserts the configured fields.
func (t *InsertField) Apply(r connect.Record) (connect.Record, bool, error) {
	ok, _, err := t.applyTo(&r, 0)
	return r, ok, err
}

// applyTo is Apply for a Chain (see freshApplier): a fresh map gets the fields in place.
func (t *InsertField) applyTo(r *connect.Record, fr fresh) (bool, fresh, error) {
	schema, v := operating(r, t.cfg.Key)
	if v == nil {
		return true, fr, nil
	}
	if schema == nil {
		m, err := requireSchemalessMap(t.name, v)
		if err != nil {
			return false, 0, err
		}
		// Check before changing anything: a fresh map is changed in place.
		var offset int64
		if f := t.cfg.Offset.Name; f != "" {
			o, ok := r.Origin()
			if !ok {
				return false, 0, notSinkRecord(t.name, f)
			}
			offset = o.Offset
		}
		out := m
		if !fr.side(t.cfg.Key) {
			out = cloneMap(m, v)
		}
		if f := t.cfg.Topic.Name; f != "" {
			out[f] = r.Topic
		}
		if f := t.cfg.Partition.Name; f != "" {
			if p, ok := r.Partition(); ok {
				out[f] = p
			}
		}
		if f := t.cfg.Offset.Name; f != "" {
			out[f] = offset
		}
		if f := t.cfg.Timestamp.Name; f != "" && !r.Timestamp.IsZero() {
			out[f] = r.Timestamp.UnixMilli()
		}
		if f := t.cfg.Static.Name; f != "" {
			out[f] = t.static
		}
		setOperating(r, t.cfg.Key, nil, out)
		return true, fr | freshBit(t.cfg.Key), nil
	}
	st, err := requireStruct(t.name, v)
	if err != nil {
		return false, 0, err
	}
	outSchema, err := t.cache.getOrCompute(st.Schema(), t.deriveSchema)
	if err != nil {
		return false, 0, err
	}
	out := connect.NewStruct(outSchema)
	n, err := copyStructFields(t.name, st, out, !t.cfg.KeepNulls)
	if err != nil {
		return false, 0, err
	}
	set := func(name string, v connect.Value) error {
		if err := out.SetAt(n, v); err != nil {
			return smtDataError(t.name, name, err)
		}
		return nil
	}
	// The inserted fields follow the copied ones in configuration order.
	if f := t.cfg.Topic.Name; f != "" {
		if err := set(f, connect.StringValue(r.Topic)); err != nil {
			return false, 0, err
		}
		n++
	}
	if f := t.cfg.Partition.Name; f != "" {
		if p, ok := r.Partition(); ok {
			if err := set(f, connect.Int32Value(p)); err != nil {
				return false, 0, err
			}
		}
		n++
	}
	if f := t.cfg.Offset.Name; f != "" {
		o, ok := r.Origin()
		if !ok {
			return false, 0, notSinkRecord(t.name, f)
		}
		if err := set(f, connect.Int64Value(o.Offset)); err != nil {
			return false, 0, err
		}
		n++
	}
	if f := t.cfg.Timestamp.Name; f != "" {
		if !r.Timestamp.IsZero() {
			// Kafka's timestamps are milliseconds.
			if err := set(f, connect.TimeValue(time.UnixMilli(r.Timestamp.UnixMilli()))); err != nil {
				return false, 0, err
			}
		}
		n++
	}
	if f := t.cfg.Static.Name; f != "" {
		if err := set(f, connect.StringValue(t.cfg.StaticValue)); err != nil {
			return false, 0, err
		}
	}
	setOperating(r, t.cfg.Key, outSchema, out)
	return true, fr | freshBit(t.cfg.Key), nil
}

func (t *InsertField) deriveSchema(in *connect.Schema) (*connect.Schema, error) {
	fields := make([]connect.Field, 0, len(in.Fields)+5)
	for _, f := range in.Fields {
		fields = append(fields, connect.F(f.Name, f.Schema))
	}
	add := func(f InsertedField, required, optional *connect.Schema) {
		if f.Name == "" {
			return
		}
		s := optional
		if f.Required {
			s = required
		}
		fields = append(fields, connect.F(f.Name, s))
	}
	add(t.cfg.Topic, connect.StringSchema, connect.OptionalStringSchema)
	add(t.cfg.Partition, connect.Int32Schema, connect.OptionalInt32Schema)
	add(t.cfg.Offset, connect.Int64Schema, connect.OptionalInt64Schema)
	add(t.cfg.Timestamp, connect.TimestampSchema, optionalTimestampSchema)
	add(t.cfg.Static, connect.StringSchema, connect.OptionalStringSchema)
	return buildStructSchema(t.name, in, fields)
}

func notSinkRecord(name, field string) error {
	return smtDataError(name, field, errors.New("Only SinkRecord supported for [field insertion]: the record has no Kafka offset (it did not come from Kafka)"))
}

// ---- helpers shared by the SMTs of this part ----

// checkFieldSchemas reports a STRUCT schema with a field that has no
// schema, which no valid schema has, so that derivations need not check.
func checkFieldSchemas(name string, s *connect.Schema) error {
	for _, f := range s.Fields {
		if f.Schema == nil {
			return smtDataErrorf(name, f.Name, "field %s has no schema", f.Name)
		}
	}
	return nil
}

// smtName returns "<base>$Key" or "<base>$Value", the name errors use.
func smtName(base string, key bool) string {
	if key {
		return base + "$Key"
	}
	return base + "$Value"
}

// operating returns the schema and value of the key or value. A nil
// *connect.Struct or nil map is returned as nil, as connect.AnyValue
// treats them.
func operating(r *connect.Record, key bool) (*connect.Schema, any) {
	s, v := r.ValueSchema, r.Value
	if key {
		s, v = r.KeySchema, r.Key
	}
	switch x := v.(type) {
	case *connect.Struct:
		if x == nil {
			return s, nil
		}
	case map[string]any:
		if x == nil {
			return s, nil
		}
	}
	return s, v
}

// setOperating replaces the key or value.
func setOperating(r *connect.Record, key bool, s *connect.Schema, v any) {
	if key {
		r.KeySchema, r.Key = s, v
	} else {
		r.ValueSchema, r.Value = s, v
	}
}

// sidePlugins returns the $Key and $Value plugins of an SMT.
// overview is the first part of Kafka's overview doc; the sentence pointing
// to the $Key and $Value classes is appended.
func sidePlugins(base string, def *connect.ConfigDef, overview string,
	newFn func(key bool, raw map[string]string) (Transformation, error)) []Plugin {
	doc := overview + "<p/>Use the concrete transformation type designed for the record key (<code>" +
		transformsPackage + base + "$Key</code>) or value (<code>" + transformsPackage + base + "$Value</code>)."
	out := make([]Plugin, 0, 2)
	for _, key := range []bool{true, false} {
		out = append(out, Plugin{
			PluginInfo: connect.PluginInfo{
				Class:  transformsPackage + smtName(base, key),
				Kind:   connect.TransformationPlugin,
				Doc:    doc,
				Config: def,
			},
			New: func(raw map[string]string) (Transformation, error) { return newFn(key, raw) },
		})
	}
	return out
}

// parseSMTConfig parses raw with def; a failure names the transform.
func parseSMTConfig(name string, def *connect.ConfigDef, raw map[string]string) (*connect.Config, error) {
	c, err := def.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// smtConfigError returns a *connect.ConfigError for one key, wrapped with
// the transform's name. message should name the key.
func smtConfigError(name, key, message string) error {
	return fmt.Errorf("%s: %w", name, &connect.ConfigError{Errors: []*connect.ConfigKeyError{{Key: key, Message: message}}})
}

// smtDataError returns a *connect.DataError at path whose message names the
// transform. A DataError cause keeps its path below path.
func smtDataError(name, path string, err error) error {
	var de *connect.DataError
	if errors.As(err, &de) {
		p := de.Path
		switch {
		case p == "" || p == path:
			p = path
		case path != "" && !strings.HasPrefix(p, path+"."):
			p = path + "." + p
		}
		return &connect.DataError{Position: de.Position, Path: p, Err: fmt.Errorf("%s: %w", name, de.Err)}
	}
	return &connect.DataError{Path: path, Err: fmt.Errorf("%s: %w", name, err)}
}

// smtDataErrorf is smtDataError with a formatted cause.
func smtDataErrorf(name, path, format string, args ...any) error {
	return &connect.DataError{Path: path, Err: fmt.Errorf(name+": "+format, args...)}
}

// requireStruct returns v as a *connect.Struct, as Kafka's requireStruct.
func requireStruct(name string, v any) (*connect.Struct, error) {
	st, ok := v.(*connect.Struct)
	if !ok || st == nil {
		return nil, smtDataErrorf(name, "", "only Struct objects supported with a schema, found %s", goTypeName(v))
	}
	return st, nil
}

// requireSchemalessMap returns a schemaless value as a map with string keys,
// as Kafka's requireMap: map[string]any as is, map[any]any and
// []connect.MapEntry copied when every key is a string.
func requireSchemalessMap(name string, v any) (map[string]any, error) {
	switch m := v.(type) {
	case map[string]any:
		if m != nil {
			return m, nil
		}
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, x := range m {
			s, ok := k.(string)
			if !ok {
				return nil, smtDataErrorf(name, "", "map key %v is a %s, not a string", k, goTypeName(k))
			}
			out[s] = x
		}
		return out, nil
	case []connect.MapEntry:
		out := make(map[string]any, len(m))
		for _, e := range m {
			s, ok := e.Key.(string)
			if !ok {
				return nil, smtDataErrorf(name, "", "map key %v is a %s, not a string", e.Key, goTypeName(e.Key))
			}
			out[s] = e.Value
		}
		return out, nil
	}
	return nil, smtDataErrorf(name, "", "only maps with string keys supported in absence of schema, found %s", goTypeName(v))
}

// cloneMap returns a map the caller may modify holding m's entries: m
// itself when requireSchemalessMap built it from orig, else a clone
// (maps.Clone copies the table wholesale, much faster than inserting).
func cloneMap(m map[string]any, orig any) map[string]any {
	if _, shared := orig.(map[string]any); !shared {
		return m
	}
	if m == nil {
		return map[string]any{}
	}
	return maps.Clone(m)
}

// goTypeName names the Go type of v for error messages.
func goTypeName(v any) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// fieldValue returns the value of field i of st, replaced by the field's
// default when it is null and replaceNull is set (Kafka's Struct.get versus
// getWithoutDefault).
func fieldValue(st *connect.Struct, i int, replaceNull bool) connect.Value {
	if v := st.At(i); !v.IsNull() || !replaceNull {
		return v // the fast path, inlined
	}
	return fieldDefault(st, i)
}

// fieldDefault returns the default of field i of st, or null.
func fieldDefault(st *connect.Struct, i int) connect.Value {
	if s := st.Schema().Fields[i].Schema; s != nil && s.Default != nil {
		return schemaValue(s, s.Default)
	}
	return connect.Value{}
}

// schemaValue returns x as a Value of schema s's type: a Go int becomes the
// integer width s names, as Struct.Put does; anything else as AnyValue.
func schemaValue(s *connect.Schema, x any) connect.Value {
	if n, ok := x.(int); ok && s != nil {
		switch s.Type {
		case connect.Int8Type:
			return connect.Int8Value(int8(n))
		case connect.Int16Type:
			return connect.Int16Value(int16(n))
		case connect.Int32Type:
			return connect.Int32Value(int32(n))
		}
	}
	return connect.AnyValue(x)
}

// copyStructFields copies every field of in to the same position of out,
// whose schema starts with the same fields, and returns the number copied.
// Fields whose schema out shares are copied without checking them again
// (Struct.CopyAt).
func copyStructFields(name string, in, out *connect.Struct, replaceNull bool) (int, error) {
	n := in.Len()
	fields := in.Schema().Fields
	for i := 0; i < n; i++ {
		var err error
		if replaceNull && in.At(i).IsNull() {
			err = out.SetAt(i, fieldDefault(in, i))
		} else {
			err = out.CopyAt(i, in, i)
		}
		if err != nil {
			return 0, smtDataError(name, fields[i].Name, err)
		}
	}
	return n, nil
}

// buildStructSchema returns a required STRUCT schema with the given fields
// and the name, version, doc and parameters of basics (Kafka's
// SchemaUtil.copySchemaBasics); duplicate field names are an error.
func buildStructSchema(name string, basics *connect.Schema, fields []connect.Field) (*connect.Schema, error) {
	seen := make(map[string]struct{}, len(fields))
	for _, f := range fields {
		if f.Schema == nil {
			return nil, smtDataErrorf(name, f.Name, "field %s has no schema", f.Name)
		}
		if _, dup := seen[f.Name]; dup {
			return nil, smtDataErrorf(name, f.Name, "cannot create field because of field name duplication %s", f.Name)
		}
		seen[f.Name] = struct{}{}
	}
	s := connect.StructOf(fields...)
	copySchemaBasics(s, basics)
	return s, nil
}

// copySchemaBasics copies the name, version, doc and parameters of src to
// dst, a fresh schema.
func copySchemaBasics(dst, src *connect.Schema) {
	if src == nil {
		return
	}
	dst.Name = src.Name
	dst.Version = src.Version
	dst.Doc = src.Doc
	if len(src.Parameters) > 0 {
		dst.Parameters = append([]connect.Parameter(nil), src.Parameters...)
	}
}
