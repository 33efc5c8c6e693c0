package connect

import "slices"

// Recommender supplies, for [ConfigDef.Validate], the values to suggest for
// a key and whether the key is relevant (visible) given the other values,
// like Kafka's ConfigDef.Recommender. parsed maps every defined key to its
// parsed value (nil when it has none or is invalid); it must not be
// modified. Implementations must be safe for concurrent use.
type Recommender interface {
	// Recommend returns the recommended values of key name, in string form.
	Recommend(name string, parsed map[string]any) []string
	// Visible reports whether key name should be shown to the user.
	Visible(name string, parsed map[string]any) bool
}

// ConfigValue is the validation result for one key, like Kafka's
// ConfigValue: what a connector's validation returns and what
// [ConfigDef.Infos] turns into REST output. Printing a ConfigValue does not
// reveal a Password Value (Password masks itself), but a connector that
// stores a raw string in Value for a PASSWORD key must not print it; Infos
// masks it in any case.
type ConfigValue struct {
	Name              string   // the key
	Value             any      // the parsed value, or nil if none or unparsable
	RecommendedValues []string // suggestions, in string form
	Errors            []string // Kafka-style messages; empty if the value is valid
	Visible           bool     // whether a UI should show the key
}

// Validate checks raw against the definition the way Kafka's
// ConfigDef.validate does and returns one [ConfigValue] per defined key, in
// definition order, followed by one (with an error and Visible false) per
// Dependents name that is not defined. It never fails: problems are the
// entries' Errors, with the same messages Parse uses. Value is the parsed
// value or default; it is nil when the value is missing or unparsable, and
// kept when only the validator rejected it. Recommended values come from
// the key's [Recommender] (which also decides Visible; otherwise true) or,
// without one, from a Validator that offers them (see [Validator]).
// Undefined keys in raw are ignored.
//
// Pass the result, possibly amended by connector-specific checks, to
// [ConfigDef.Infos] to build the REST response.
func (d *ConfigDef) Validate(raw map[string]string) []ConfigValue {
	keys, index := d.snapshot()
	undefined := cfgUndefinedDependents(keys, index)
	out := make([]ConfigValue, len(keys), len(keys)+len(undefined))
	hasRecommender := false
	for i := range keys {
		k := &keys[i]
		v, msg := cfgResolve(k, raw)
		if l, ok := v.([]string); ok {
			v = slices.Clone(l) // may be the definition's default
		}
		cv := ConfigValue{Name: k.Name, Value: v, Visible: true}
		if msg != "" {
			cv.Errors = []string{msg}
		}
		if k.Recommender != nil {
			hasRecommender = true
		} else if r, ok := k.Validator.(cfgRecommending); ok {
			cv.RecommendedValues = r.RecommendedValues()
		}
		out[i] = cv
	}
	if hasRecommender {
		parsed := make(map[string]any, len(keys))
		for i := range keys {
			parsed[keys[i].Name] = out[i].Value
		}
		for i := range keys {
			if r := keys[i].Recommender; r != nil {
				out[i].RecommendedValues = r.Recommend(keys[i].Name, parsed)
				out[i].Visible = r.Visible(keys[i].Name, parsed)
			}
		}
	}
	for _, name := range undefined {
		out = append(out, ConfigValue{Name: name, Errors: []string{cfgUndefinedDependentMessage(name)}})
	}
	return out
}

// ConfigInfos is the body of Kafka Connect's
// PUT /connector-plugins/{plugin}/config/validate response; json.Marshal
// produces exactly Kafka Connect's field names, order and nulls. Build it
// with [ConfigDef.Infos].
type ConfigInfos struct {
	Name       string       `json:"name"`        // the connector class
	ErrorCount int          `json:"error_count"` // total number of error messages
	Groups     []string     `json:"groups"`      // distinct groups, definition order
	Configs    []ConfigInfo `json:"configs"`     // one per key (and per stray value)
}

// ConfigInfo pairs a key's definition with its validation result. Either
// may be nil (JSON null): Definition for a value with no defined key (such
// as an undefined dependent), Value for a key that was not validated.
type ConfigInfo struct {
	Definition *ConfigKeyInfo   `json:"definition"`
	Value      *ConfigValueInfo `json:"value"`
}

// ConfigKeyInfo is a key definition as Kafka Connect's REST API shows it
// (also the element of GET /connector-plugins/{plugin}/config). Field
// order and names follow Kafka Connect's JSON (its ConfigKeyInfo record),
// where the position within the group is "order_in_group", after "group".
type ConfigKeyInfo struct {
	Name          string   `json:"name"`
	Type          string   `json:"type"`           // "STRING", "INT", ...; DURATION shows as "LONG"
	Required      bool     `json:"required"`       // no default value
	DefaultValue  *string  `json:"default_value"`  // null if required or no default; "[hidden]" for passwords
	Importance    string   `json:"importance"`     // "HIGH", "MEDIUM", "LOW"
	Documentation string   `json:"documentation"`  // ConfigKey.Doc
	Group         *string  `json:"group"`          // null if no group
	OrderInGroup  int      `json:"order_in_group"` // -1 if no group
	Width         string   `json:"width"`          // "NONE", "SHORT", "MEDIUM", "LONG"
	DisplayName   string   `json:"display_name"`   // ConfigKey.DisplayName, or Name
	Dependents    []string `json:"dependents"`     // never null
}

// ConfigValueInfo is a key's validation result as Kafka Connect's REST API
// shows it.
type ConfigValueInfo struct {
	Name              string   `json:"name"`
	Value             *string  `json:"value"`              // string form; null if none; "[hidden]" for passwords
	RecommendedValues []string `json:"recommended_values"` // never null
	Errors            []string `json:"errors"`             // never null
	Visible           bool     `json:"visible"`
}

// Infos builds the REST validate response for the connector class name
// from values (usually the result of [ConfigDef.Validate], perhaps with
// connector-specific errors added), like Kafka's AbstractHerder.generateResult:
// first an entry without definition for each value whose name is not a
// defined key, then one entry per defined key in definition order (with a
// null value if values has none for it). ErrorCount is the total number
// of error messages. Values are converted to Kafka's string forms; a
// PASSWORD key's value and default always show as [PasswordHidden]. Every
// slice in the result is non-nil, so JSON shows [] rather than null.
func (d *ConfigDef) Infos(name string, values []ConfigValue) ConfigInfos {
	keys, index := d.snapshot()
	res := ConfigInfos{Name: name, Groups: d.Groups(), Configs: []ConfigInfo{}}
	if res.Groups == nil {
		res.Groups = []string{}
	}
	byName := make(map[string]*ConfigValue, len(values))
	for i := range values {
		v := &values[i]
		byName[v.Name] = v
		if _, ok := index[v.Name]; !ok {
			res.Configs = append(res.Configs, ConfigInfo{Value: cfgValueInfo(v, 0)})
			res.ErrorCount += len(v.Errors)
		}
	}
	for i := range keys {
		k := &keys[i]
		info := ConfigInfo{Definition: cfgKeyInfo(k)}
		if v, ok := byName[k.Name]; ok {
			info.Value = cfgValueInfo(v, k.Type)
			res.ErrorCount += len(v.Errors)
		}
		res.Configs = append(res.Configs, info)
	}
	return res
}

func cfgKeyInfo(k *ConfigKey) *ConfigKeyInfo {
	ki := &ConfigKeyInfo{
		Name:          k.Name,
		Type:          k.Type.restName(),
		Required:      k.Required,
		Importance:    k.Importance.String(),
		Documentation: k.Doc,
		Width:         k.Width.String(),
		DisplayName:   k.DisplayName,
		Dependents:    slices.Clone(k.Dependents),
		OrderInGroup:  k.OrderInGroup,
	}
	if k.hasDefault() {
		s := cfgShown(k.Type, k.Default)
		ki.DefaultValue = &s
	}
	if k.Group != "" {
		g := k.Group
		ki.Group = &g
	} else {
		ki.OrderInGroup = -1
	}
	if ki.DisplayName == "" {
		ki.DisplayName = k.Name
	}
	if ki.Dependents == nil {
		ki.Dependents = []string{}
	}
	return ki
}

func cfgValueInfo(v *ConfigValue, t ConfigType) *ConfigValueInfo {
	vi := &ConfigValueInfo{
		Name:              v.Name,
		RecommendedValues: slices.Clone(v.RecommendedValues),
		Errors:            slices.Clone(v.Errors),
		Visible:           v.Visible,
	}
	if v.Value != nil {
		s := cfgShown(t, v.Value)
		vi.Value = &s
	}
	if vi.RecommendedValues == nil {
		vi.RecommendedValues = []string{}
	}
	if vi.Errors == nil {
		vi.Errors = []string{}
	}
	return vi
}
