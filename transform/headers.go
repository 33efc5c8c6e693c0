package transform

import (
	"errors"
	"maps"
	"slices"

	"github.com/kconnect-go/kconnect/connect"
)

// The header transforms' Kafka Connect class names.
const (
	InsertHeaderClass = "org.apache.kafka.connect.transforms.InsertHeader"
	DropHeadersClass  = "org.apache.kafka.connect.transforms.DropHeaders"
)

// InsertHeader adds a header with a fixed value to every record. It is
// Kafka Connect's org.apache.kafka.connect.transforms.InsertHeader.
//
// Use it as a value, InsertHeader{Header: "source", Schema:
// connect.StringSchema, Value: "billing"}, or from a string literal with
// NewInsertHeader. The header is added after the existing ones, even if a
// header of the same name exists. Value is shared by every record, so it
// must not be modified. InsertHeader is safe for concurrent use.
type InsertHeader struct {
	// Header is the header's name (header).
	Header string
	// Schema is the header value's schema; nil for a schemaless value.
	Schema *connect.Schema
	// Value is the header's value.
	Value any
}

// NewInsertHeader returns an InsertHeader whose value is literal parsed
// with connect.ParseString, as Kafka Connect's Values.parseString parses
// value.literal: "true" is a BOOLEAN, "42" an INT8, "[1,2]" an ARRAY,
// "2024-03-05" a Date, "null" a null value without schema, and what parses
// as nothing else, the empty string included, a STRING. A literal Kafka
// refuses (such as "[1,,2]") is an error naming value.literal.
func NewInsertHeader(header, literal string) (*InsertHeader, error) {
	s, v, err := connect.ParseString(literal)
	if err != nil {
		return nil, smtConfigError("InsertHeader", insertHeaderLiteral,
			"Invalid value "+literal+" for configuration "+insertHeaderLiteral+": "+err.Error())
	}
	return &InsertHeader{Header: header, Schema: s, Value: v}, nil
}

// Apply adds the header to r.
func (t InsertHeader) Apply(r connect.Record) (connect.Record, bool, error) {
	r.Headers = r.Headers.Add(t.Header, t.Schema, t.Value)
	return r, true, nil
}

const (
	insertHeaderHeader  = "header"
	insertHeaderLiteral = "value.literal"
)

var insertHeaderDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: insertHeaderHeader, Type: connect.ConfigString, Required: true,
		Importance: connect.High, Doc: "The name of the header."}).
	Define(connect.ConfigKey{Name: insertHeaderLiteral, Type: connect.ConfigString, Required: true,
		Importance: connect.High, Doc: "The literal value that is to be set as the header value on all records."})

func insertHeaderPlugins() []Plugin {
	return []Plugin{{
		PluginInfo: connect.PluginInfo{Class: InsertHeaderClass, Kind: connect.TransformationPlugin,
			Doc: "Add a header to each record.", Config: insertHeaderDef},
		New: func(raw map[string]string) (Transformation, error) {
			cfg, err := parseSMTConfig("InsertHeader", insertHeaderDef, raw)
			if err != nil {
				return nil, err
			}
			return NewInsertHeader(cfg.String(insertHeaderHeader), cfg.String(insertHeaderLiteral))
		},
	}}
}

// DropHeaders removes every header with one of the given names. It is
// Kafka Connect's org.apache.kafka.connect.transforms.DropHeaders. It is
// immutable and safe for concurrent use; a record without such headers
// passes without any allocation.
type DropHeaders struct {
	names []string
	set   map[string]struct{}
}

// NewDropHeaders returns a DropHeaders removing the headers called names
// (headers); at least one name is required.
func NewDropHeaders(names ...string) (*DropHeaders, error) {
	if len(names) == 0 {
		return nil, smtConfigError("DropHeaders", dropHeadersHeaders,
			"Invalid value [] for configuration "+dropHeadersHeaders+": must not be empty. Valid values include: any non-empty value")
	}
	t := &DropHeaders{names: slices.Clone(names)}
	if len(names) > 8 {
		t.set = make(map[string]struct{}, len(names))
		for _, n := range names {
			t.set[n] = struct{}{}
		}
	}
	return t, nil
}

func (t *DropHeaders) drops(key string) bool {
	if t.set != nil {
		_, ok := t.set[key]
		return ok
	}
	return slices.Contains(t.names, key)
}

// Apply removes the headers from r.
func (t *DropHeaders) Apply(r connect.Record) (connect.Record, bool, error) {
	for i := 0; i < r.Headers.Len(); i++ {
		if t.drops(r.Headers.At(i).Key) {
			r.Headers = r.Headers.Filter(func(h connect.Header) bool { return !t.drops(h.Key) })
			break
		}
	}
	return r, true, nil
}

const dropHeadersHeaders = "headers"

var dropHeadersDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: dropHeadersHeaders, Type: connect.ConfigList, Required: true,
		Validator: nonEmptyValueList{}, Importance: connect.High, Doc: "The name of the headers to be removed."})

func dropHeadersPlugins() []Plugin {
	return []Plugin{{
		PluginInfo: connect.PluginInfo{Class: DropHeadersClass, Kind: connect.TransformationPlugin,
			Doc: "Removes one or more headers from each record.", Config: dropHeadersDef},
		New: func(raw map[string]string) (Transformation, error) {
			cfg, err := parseSMTConfig("DropHeaders", dropHeadersDef, raw)
			if err != nil {
				return nil, err
			}
			return NewDropHeaders(cfg.List(dropHeadersHeaders)...)
		},
	}}
}

// HeaderFromConfig configures a HeaderFrom transform.
type HeaderFromConfig struct {
	// Key makes the transform work on the record key (HeaderFrom$Key)
	// instead of the value (HeaderFrom$Value).
	Key bool
	// Fields are the top-level fields to copy or move (fields).
	Fields []string
	// Headers are the header names, one per field, in the same order
	// (headers).
	Headers []string
	// Move removes the fields from the key or value (operation=move);
	// otherwise they are copied (operation=copy).
	Move bool
	// KeepNulls copies a null struct field as null even when its schema has
	// a default (replace.null.with.default=false). By default the default
	// is used, as Kafka does.
	KeepNulls bool
}

// HeaderFrom copies or moves fields of the key or value into headers. It is
// Kafka Connect's HeaderFrom$Key and HeaderFrom$Value.
//
// With a schema, the key or value must be a *connect.Struct (a null one
// fails the record, as in Kafka) and every field must exist in the schema;
// each header gets the field's schema and value. Moving builds a schema
// without the moved fields (keeping the name, version, doc and parameters,
// but not optionality or default, as Kafka's SchemaUtil.copySchemaBasics),
// once per input schema. Without a schema, the key or value must be a map
// (map[string]any, map[any]any or []connect.MapEntry; null fails); a
// missing field gives a null header, and the headers are schemaless.
//
// HeaderFrom is safe for concurrent use.
type HeaderFrom struct {
	name    string
	purpose string
	key     bool
	fields  []string
	headers []string
	move    bool
	keep    bool
	cache   schemaCache[*headerFromPlan]
}

// headerFromPlan is what HeaderFrom derives from an input schema.
type headerFromPlan struct {
	fieldIdx []int             // index of each configured field
	moved    *connect.Schema   // the schema without the moved fields (move only)
	srcIdx   []int             // the input index of each field of moved
	err      error             // a configured field the schema lacks
	schemas  []*connect.Schema // the schema of each configured field
}

const (
	headerFromFields    = "fields"
	headerFromHeaders   = "headers"
	headerFromOperation = "operation"
)

// NewHeaderFrom returns a HeaderFrom. Fields and Headers must be non-empty
// and of the same length.
func NewHeaderFrom(cfg HeaderFromConfig) (*HeaderFrom, error) {
	name := smtName("HeaderFrom", cfg.Key)
	switch {
	case len(cfg.Fields) == 0:
		return nil, smtConfigError(name, headerFromFields, "Invalid value [] for configuration "+headerFromFields+": Empty list")
	case len(cfg.Headers) == 0:
		return nil, smtConfigError(name, headerFromHeaders, "Invalid value [] for configuration "+headerFromHeaders+": Empty list")
	case len(cfg.Fields) != len(cfg.Headers):
		return nil, smtConfigError(name, headerFromHeaders,
			"'fields' config must have the same number of elements as 'headers' config.")
	}
	t := &HeaderFrom{name: name, key: cfg.Key, fields: slices.Clone(cfg.Fields), headers: slices.Clone(cfg.Headers),
		move: cfg.Move, keep: cfg.KeepNulls, purpose: "header copy"}
	if cfg.Move {
		t.purpose = "header move"
	}
	return t, nil
}

// nonEmptyListValidator is Kafka's transforms.util.NonEmptyListValidator.
type nonEmptyListValidator struct{}

func (nonEmptyListValidator) Validate(v any) error {
	if l, _ := v.([]string); len(l) == 0 {
		return errors.New("Empty list")
	}
	return nil
}

func (nonEmptyListValidator) String() string { return "non-empty list" }

var headerFromDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: headerFromFields, Type: connect.ConfigList, Required: true,
		Validator: nonEmptyListValidator{}, Importance: connect.High,
		Doc: "Field names in the record whose values are to be copied or moved to headers."}).
	Define(connect.ConfigKey{Name: headerFromHeaders, Type: connect.ConfigList, Required: true,
		Validator: nonEmptyListValidator{}, Importance: connect.High,
		Doc: "Header names, in the same order as the field names listed in the fields configuration property."}).
	Define(connect.ConfigKey{Name: headerFromOperation, Type: connect.ConfigString, Required: true,
		Validator: connect.OneOf("move", "copy"), Importance: connect.High,
		Doc: "Either move if the fields are to be moved to the headers (removed from the key/value), " +
			"or copy if the fields are to be copied to the headers (retained in the key/value)."}).
	Define(connect.ConfigKey{Name: replaceNullKey, Type: connect.ConfigBoolean, Default: true,
		Importance: connect.Medium, Doc: replaceNullDoc})

func newHeaderFromFromConfig(key bool, raw map[string]string) (Transformation, error) {
	cfg, err := parseSMTConfig(smtName("HeaderFrom", key), headerFromDef, raw)
	if err != nil {
		return nil, err
	}
	return NewHeaderFrom(HeaderFromConfig{Key: key, Fields: cfg.List(headerFromFields),
		Headers: cfg.List(headerFromHeaders), Move: cfg.String(headerFromOperation) == "move",
		KeepNulls: !cfg.Bool(replaceNullKey)})
}

func headerFromPlugins() []Plugin {
	return sidePlugins("HeaderFrom", headerFromDef,
		"Moves or copies fields in the key/value of a record into that record's headers. "+
			"Corresponding elements of <code>fields</code> and <code>headers</code> together identify a field "+
			"and the header it should be moved or copied to.",
		newHeaderFromFromConfig)
}

// Apply copies or moves the fields of r into headers.
func (t *HeaderFrom) Apply(r connect.Record) (connect.Record, bool, error) {
	schema, value := operating(&r, t.key)
	if schema == nil {
		return t.applySchemaless(r, value)
	}
	st, ok := value.(*connect.Struct)
	if !ok || st == nil {
		return r, false, smtDataErrorf(t.name, "", "Only Struct objects supported for [%s], found: %s",
			t.purpose, describeType(value))
	}
	plan, ok := t.cache.get(schema)
	if !ok {
		plan = t.cache.put(schema, t.plan(schema))
	}
	if plan.err != nil {
		return r, false, plan.err
	}
	same := st.Schema() == schema
	headers := r.Headers
	for i, f := range t.fields {
		var v connect.Value
		if same {
			v = structField(st, plan.fieldIdx[i], !t.keep)
		} else {
			v = structFieldByName(st, f, !t.keep)
		}
		headers = headers.Add(t.headers[i], plan.schemas[i], v.Any())
	}
	if t.move {
		ns := connect.NewStruct(plan.moved)
		for j, src := range plan.srcIdx {
			var v connect.Value
			if same {
				v = structField(st, src, !t.keep)
			} else {
				v = structFieldByName(st, plan.moved.Fields[j].Name, !t.keep)
			}
			if err := ns.SetAt(j, v); err != nil {
				return r, false, smtDataError(t.name, plan.moved.Fields[j].Name, err)
			}
		}
		setOperating(&r, t.key, plan.moved, ns)
	}
	r.Headers = headers
	return r, true, nil
}

// structFieldByName is structField for a field found by name; null when st
// has no such field.
func structFieldByName(st *connect.Struct, name string, withDefault bool) connect.Value {
	f, ok := st.Schema().Field(name)
	if !ok {
		return connect.Value{}
	}
	return structField(st, f.Index, withDefault)
}

func (t *HeaderFrom) plan(s *connect.Schema) *headerFromPlan {
	p := &headerFromPlan{fieldIdx: make([]int, len(t.fields)), schemas: make([]*connect.Schema, len(t.fields))}
	for i, name := range t.fields {
		f, ok := s.Field(name)
		if !ok {
			p.err = smtDataErrorf(t.name, name, "field %s is not a field of %s", name, s)
			return p
		}
		p.fieldIdx[i], p.schemas[i] = f.Index, f.Schema
	}
	if t.move {
		var kept []connect.Field
		for _, f := range s.Fields {
			if !slices.Contains(t.fields, f.Name) {
				kept = append(kept, connect.F(f.Name, f.Schema))
				p.srcIdx = append(p.srcIdx, f.Index)
			}
		}
		moved, err := buildStructSchema(t.name, s, kept)
		if err != nil {
			p.err = err
			return p
		}
		p.moved = moved
	}
	return p
}

func (t *HeaderFrom) applySchemaless(r connect.Record, value any) (connect.Record, bool, error) {
	if valueIsNull(value) || !isSchemalessMap(value) {
		return r, false, smtDataErrorf(t.name, "",
			"Only Map objects supported in absence of schema for [%s], found: %s", t.purpose, describeType(value))
	}
	headers := r.Headers
	for i, f := range t.fields {
		v, _ := schemalessGet(value, f)
		headers = headers.Add(t.headers[i], nil, v)
	}
	if t.move {
		setOperating(&r, t.key, nil, t.withoutFields(value))
	}
	r.Headers = headers
	return r, true, nil
}

// withoutFields returns a copy of the schemaless map m without the
// configured fields.
func (t *HeaderFrom) withoutFields(m any) any {
	switch x := m.(type) {
	case map[string]any:
		out := maps.Clone(x)
		for _, f := range t.fields {
			delete(out, f)
		}
		return out
	case map[any]any:
		out := maps.Clone(x)
		for _, f := range t.fields {
			delete(out, f)
		}
		return out
	case []connect.MapEntry:
		out := make([]connect.MapEntry, 0, len(x))
		for _, e := range x {
			if k, ok := e.Key.(string); ok && slices.Contains(t.fields, k) {
				continue
			}
			out = append(out, e)
		}
		return out
	}
	return m
}
