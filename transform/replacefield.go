package transform

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
)

// ReplaceFieldConfig configures a ReplaceField transform.
type ReplaceFieldConfig struct {
	// Key makes the transform work on the record key (ReplaceField$Key)
	// instead of the value (ReplaceField$Value).
	Key bool
	// Exclude lists fields to drop; it takes precedence over Include.
	Exclude []string
	// Include, when not empty, lists the only fields to keep.
	Include []string
	// Renames maps old field names to new ones. Exclude and Include name
	// fields by their old names.
	Renames map[string]string
	// KeepNulls copies null fields as null even when their schema has a
	// default (replace.null.with.default=false).
	KeepNulls bool
}

// ReplaceField is Kafka Connect's ReplaceField$Key / ReplaceField$Value: it
// drops, keeps and renames top-level fields of a struct (with a schema) or a
// map (without one).
//
// A null key or value passes through unchanged; anything but a Struct or a
// map with string keys fails with a *connect.DataError, as does a rename
// that makes two fields share a name (Kafka fails so for structs; for maps
// it would silently keep one of the values, which kconnect refuses to do).
// Excluding or renaming a field that does not exist is not an error. The
// output schema keeps the input's name, version, doc and parameters, is
// required, and is cached per input schema. Safe for concurrent use.
type ReplaceField struct {
	name      string
	key       bool
	exclude   map[string]struct{}
	include   map[string]struct{}
	renames   map[string]string
	list      []rename // renames, sorted by old name, for maps
	keepNulls bool
	cache     schemaCache[*replacedSchema]
}

// rename is one entry of ReplaceField's renames.
type rename struct{ from, to string }

// replacedSchema is a derived schema and, for each of its fields, the index
// of the input field it comes from.
type replacedSchema struct {
	schema *connect.Schema
	src    []int
}

// NewReplaceField returns a ReplaceField for cfg.
func NewReplaceField(cfg ReplaceFieldConfig) (*ReplaceField, error) {
	t := &ReplaceField{
		name:      smtName("ReplaceField", cfg.Key),
		key:       cfg.Key,
		exclude:   stringSet(cfg.Exclude),
		include:   stringSet(cfg.Include),
		renames:   make(map[string]string, len(cfg.Renames)),
		keepNulls: cfg.KeepNulls,
	}
	for k, v := range cfg.Renames {
		t.renames[k] = v
		t.list = append(t.list, rename{from: k, to: v})
	}
	slices.SortFunc(t.list, func(a, b rename) int { return strings.Compare(a.from, b.from) })
	return t, nil
}

func stringSet(names []string) map[string]struct{} {
	m := make(map[string]struct{}, len(names))
	for _, n := range names {
		m[n] = struct{}{}
	}
	return m
}

// javaSplitColon splits s at every colon as Java's String.split(":") does:
// trailing empty strings are removed, but "" splits to [""].
func javaSplitColon(s string) []string {
	if s == "" {
		return []string{""}
	}
	parts := strings.Split(s, ":")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// parseRenames parses Kafka's renames list of old:new pairs.
func parseRenames(list []string) (map[string]string, error) {
	m := make(map[string]string, len(list))
	for _, item := range list {
		parts := javaSplitColon(item)
		if len(parts) != 2 {
			return nil, fmt.Errorf("Invalid rename mapping: %s", item)
		}
		m[parts[0]] = parts[1]
	}
	return m, nil
}

var replaceFieldConfigDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: "exclude", Type: connect.ConfigList, Default: []string{}, Importance: connect.Medium,
		Doc: "Fields to exclude. This takes precedence over the fields to include."}).
	Define(connect.ConfigKey{Name: "include", Type: connect.ConfigList, Default: []string{}, Importance: connect.Medium,
		Doc: "Fields to include. If specified, only these fields will be used."}).
	Define(connect.ConfigKey{Name: "renames", Type: connect.ConfigList, Default: []string{}, Importance: connect.Medium,
		Doc:       "Field rename mappings.",
		Validator: colonPairsValidator{parse: func(l []string) error { _, err := parseRenames(l); return err }}}).
	Define(connect.ConfigKey{Name: replaceNullKey, Type: connect.ConfigBoolean, Default: true, Importance: connect.Medium,
		Doc: replaceNullDoc})

// colonPairsValidator checks a list of colon-delimited pairs, like Kafka's
// LambdaValidator on renames and Cast's spec.
type colonPairsValidator struct{ parse func([]string) error }

func (v colonPairsValidator) Validate(value any) error {
	l, ok := value.([]string)
	if !ok {
		return errors.New("expected a list")
	}
	return v.parse(l)
}

func (colonPairsValidator) String() string {
	return "list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>"
}

// newReplaceFieldFromConfig builds a ReplaceField from Kafka's string config.
// The deprecated blacklist and whitelist keys of Kafka 3.x are accepted for
// exclude and include when those are not set.
func newReplaceFieldFromConfig(key bool, raw map[string]string) (Transformation, error) {
	name := smtName("ReplaceField", key)
	if _, ok := raw["exclude"]; !ok {
		if v, ok := raw["blacklist"]; ok {
			raw = withKey(raw, "exclude", v)
		}
	}
	if _, ok := raw["include"]; !ok {
		if v, ok := raw["whitelist"]; ok {
			raw = withKey(raw, "include", v)
		}
	}
	c, err := parseSMTConfig(name, replaceFieldConfigDef, raw)
	if err != nil {
		return nil, err
	}
	renames, err := parseRenames(c.List("renames"))
	if err != nil { // the validator has already checked
		return nil, smtConfigError(name, "renames", err.Error())
	}
	return NewReplaceField(ReplaceFieldConfig{
		Key:       key,
		Exclude:   c.List("exclude"),
		Include:   c.List("include"),
		Renames:   renames,
		KeepNulls: !c.Bool(replaceNullKey),
	})
}

// withKey returns a copy of raw with k set to v.
func withKey(raw map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(raw)+1)
	for a, b := range raw {
		out[a] = b
	}
	out[k] = v
	return out
}

func replaceFieldPlugins() []Plugin {
	ps := sidePlugins("ReplaceField", replaceFieldConfigDef, "Filter or rename fields.", newReplaceFieldFromConfig)
	for i := range ps {
		ps[i].OtherKeys = []string{"blacklist", "whitelist"} // Kafka 3.x's names, still read
	}
	return ps
}

func (t *ReplaceField) keep(field string) bool {
	if _, ok := t.exclude[field]; ok {
		return false
	}
	if len(t.include) == 0 {
		return true
	}
	_, ok := t.include[field]
	return ok
}

func (t *ReplaceField) renamed(field string) string {
	if n, ok := t.renames[field]; ok {
		return n
	}
	return field
}

// Apply drops, keeps and renames the fields.
func (t *ReplaceField) Apply(r connect.Record) (connect.Record, bool, error) {
	ok, _, err := t.applyTo(&r, 0)
	return r, ok, err
}

// applyTo is Apply for a Chain (see freshApplier); it always builds a new map or struct.
func (t *ReplaceField) applyTo(r *connect.Record, f fresh) (bool, fresh, error) {
	schema, v := operating(r, t.key)
	if v == nil {
		return true, f, nil
	}
	if schema == nil {
		m, err := requireSchemalessMap(t.name, v)
		if err != nil {
			return false, 0, err
		}
		owned := f.side(t.key)
		if _, shared := v.(map[string]any); !shared {
			owned = true // requireSchemalessMap built m
		}
		out, err := t.replaceMap(m, owned)
		if err != nil {
			return false, 0, err
		}
		setOperating(r, t.key, nil, out)
		return true, f | freshBit(t.key), nil
	}
	st, err := requireStruct(t.name, v)
	if err != nil {
		return false, 0, err
	}
	d, err := t.cache.getOrCompute(st.Schema(), t.deriveSchema)
	if err != nil {
		return false, 0, err
	}
	out := connect.NewStruct(d.schema)
	replace := !t.keepNulls
	for i, src := range d.src {
		// Renamed and kept fields keep their field schema, so CopyAt
		// copies without checking again.
		if replace && st.At(src).IsNull() {
			err = out.SetAt(i, fieldDefault(st, src))
		} else {
			err = out.CopyAt(i, st, src)
		}
		if err != nil {
			return false, 0, smtDataError(t.name, d.schema.Fields[i].Name, err)
		}
	}
	setOperating(r, t.key, d.schema, out)
	return true, f | freshBit(t.key), nil
}

// replaceMap returns m with the fields dropped and renamed: m itself when
// owned (the caller's to change), else a new map. On error m is unchanged.
//
// Without include, most fields are kept under their names, so it starts
// from a copy of m (maps.Clone copies the table wholesale, far cheaper than
// inserting every entry) and only deletes the dropped fields and moves the
// renamed ones, after checking that no two fields would share a name.
func (t *ReplaceField) replaceMap(m map[string]any, owned bool) (map[string]any, error) {
	if len(t.include) > 0 {
		return t.rebuildMap(m)
	}
	// moving[i] is set when the rename t.list[i] applies: its old field is
	// there and kept.
	var movingBuf [8]bool
	var valsBuf [8]any
	moving, vals := movingBuf[:0], valsBuf[:0]
	if len(t.list) > len(movingBuf) {
		moving, vals = make([]bool, 0, len(t.list)), make([]any, 0, len(t.list))
	}
	for i, rn := range t.list {
		x, ok := m[rn.from]
		ok = ok && t.keep(rn.from)
		moving, vals = append(moving, ok), append(vals, x)
		if !ok {
			continue
		}
		// The new name is taken by a field that is kept and not renamed
		// away, or by an earlier rename.
		if _, there := m[rn.to]; there && t.keep(rn.to) {
			if _, away := t.renames[rn.to]; !away {
				return nil, t.duplicate(rn.to)
			}
		}
		for j := range i {
			if moving[j] && t.list[j].to == rn.to {
				return nil, t.duplicate(rn.to)
			}
		}
	}
	out := m
	if !owned {
		out = maps.Clone(m)
	}
	for k := range t.exclude {
		delete(out, k)
	}
	for i, rn := range t.list {
		if moving[i] {
			delete(out, rn.from)
		}
	}
	for i, rn := range t.list {
		if moving[i] {
			out[rn.to] = vals[i]
		}
	}
	return out, nil
}

// rebuildMap is replaceMap building a new map field by field, for include
// lists, which usually keep few fields.
func (t *ReplaceField) rebuildMap(m map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, x := range m {
		if !t.keep(k) {
			continue
		}
		nk := t.renamed(k)
		if _, dup := out[nk]; dup {
			return nil, t.duplicate(nk)
		}
		out[nk] = x
	}
	return out, nil
}

func (t *ReplaceField) duplicate(name string) error {
	return smtDataErrorf(t.name, name, "two fields would be called %s after renaming", name)
}

func (t *ReplaceField) deriveSchema(in *connect.Schema) (*replacedSchema, error) {
	fields := make([]connect.Field, 0, len(in.Fields))
	src := make([]int, 0, len(in.Fields))
	for i, f := range in.Fields {
		if t.keep(f.Name) {
			fields = append(fields, connect.F(t.renamed(f.Name), f.Schema))
			src = append(src, i)
		}
	}
	s, err := buildStructSchema(t.name, in, fields)
	if err != nil {
		return nil, err
	}
	return &replacedSchema{schema: s, src: src}, nil
}
