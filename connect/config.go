package connect

import (
	"fmt"
	"slices"
)

// ConfigType is the type of a configuration key's value. It decides how the
// string form of a value is parsed (see [ConfigDef.Parse]) and which typed
// getter of [Config] reads it. The zero ConfigType is invalid: every key must
// name its type.
type ConfigType uint8

// The configuration types. All but ConfigDuration are Kafka's
// ConfigDef.Type values and parse strings exactly as Kafka does; all trim
// leading and trailing whitespace (characters <= ' ', like Java's
// String.trim) before parsing.
const (
	// ConfigString is a string. Parsed value: string.
	ConfigString ConfigType = iota + 1
	// ConfigInt is a 32-bit signed decimal integer. Parsed value: int,
	// always within the int32 range.
	ConfigInt
	// ConfigLong is a 64-bit signed decimal integer. Parsed value: int64.
	ConfigLong
	// ConfigDouble is a 64-bit float in Java's Double.parseDouble syntax
	// ("1.5", "1e3", "NaN", "Infinity", optional d/f suffix). Parsed value: float64.
	ConfigDouble
	// ConfigBoolean is "true" or "false", in any letter case. Parsed value: bool.
	ConfigBoolean
	// ConfigList is a comma-separated list; whitespace around each item is
	// removed and empty items are kept ("a,,b" is three items), but an
	// empty or blank string is the empty list. Parsed value: []string.
	ConfigList
	// ConfigPassword is a secret string. Parsed value: [Password]. It is
	// never printed, logged or reported in clear text.
	ConfigPassword
	// ConfigClass names a plugin class (a Kafka Connect class name or
	// alias). kconnect has no class loader, so any string is accepted here;
	// resolving it is the runtime's job. Parsed value: string.
	ConfigClass
	// ConfigDuration is kconnect's own type: either an integer number of
	// milliseconds (Kafka's convention for *.ms keys, e.g. "5000") or a Go
	// duration string ("5s", "1m30s", "250ms"). Parsed value: time.Duration.
	// Kafka Connect's REST output has no such type, so [ConfigDef.Infos]
	// reports it as "LONG" with values in milliseconds.
	ConfigDuration
)

var cfgTypeNames = [...]string{
	ConfigString:   "STRING",
	ConfigInt:      "INT",
	ConfigLong:     "LONG",
	ConfigDouble:   "DOUBLE",
	ConfigBoolean:  "BOOLEAN",
	ConfigList:     "LIST",
	ConfigPassword: "PASSWORD",
	ConfigClass:    "CLASS",
	ConfigDuration: "DURATION",
}

func (t ConfigType) valid() bool { return t >= ConfigString && t <= ConfigDuration }

// String returns Kafka's upper-case name of the type ("STRING", "INT", ...,
// and "DURATION"), or "ConfigType(n)" for an invalid value.
func (t ConfigType) String() string {
	if t.valid() {
		return cfgTypeNames[t]
	}
	return fmt.Sprintf("ConfigType(%d)", uint8(t))
}

// restName is the type name Kafka Connect's REST API uses.
func (t ConfigType) restName() string {
	if t == ConfigDuration {
		return "LONG"
	}
	return t.String()
}

// Importance says how likely a user is to need to change a key. The zero
// Importance is invalid: every key must state one.
type Importance uint8

// The importance levels, as in Kafka's ConfigDef.Importance.
const (
	High Importance = iota + 1
	Medium
	Low
)

// String returns "HIGH", "MEDIUM" or "LOW" (Kafka's names), or
// "Importance(n)" for an invalid value.
func (i Importance) String() string {
	switch i {
	case High:
		return "HIGH"
	case Medium:
		return "MEDIUM"
	case Low:
		return "LOW"
	}
	return fmt.Sprintf("Importance(%d)", uint8(i))
}

// Width is a hint to user interfaces about how wide an input field a key's
// value needs. The zero Width is WidthNone.
type Width uint8

// The widths, as in Kafka's ConfigDef.Width.
const (
	WidthNone Width = iota
	WidthShort
	WidthMedium
	WidthLong
)

// String returns "NONE", "SHORT", "MEDIUM" or "LONG" (Kafka's names), or
// "Width(n)" for an invalid value.
func (w Width) String() string {
	switch w {
	case WidthNone:
		return "NONE"
	case WidthShort:
		return "SHORT"
	case WidthMedium:
		return "MEDIUM"
	case WidthLong:
		return "LONG"
	}
	return fmt.Sprintf("Width(%d)", uint8(w))
}

// ConfigKey defines one configuration key. Name, Type and Importance are
// mandatory; everything else is optional.
//
// Defaults: a key is in one of three states.
//   - Required: the key must be set; Default must be nil.
//   - Default != nil: the default is used when the key is not set.
//   - neither: the key is optional and, when not set, has no value
//     ([Config.Get] returns nil and the typed getters the zero value).
//
// Default may be given in string form, parsed exactly like a configured
// value ("5s", "a,b", "42"), or as a typed Go value: bool; string; int,
// int32 or int64 for INT and LONG (and DOUBLE); float64 or float32;
// []string for LIST; [Password] (or string) for PASSWORD; time.Duration (or
// an integer number of milliseconds) for DURATION. [ConfigDef.Define]
// converts it to the parsed type, so [ConfigDef.Key] returns the normalized
// default.
type ConfigKey struct {
	Name       string     // the key, e.g. "tasks.max"; must be unique in a ConfigDef
	Type       ConfigType // how the value is parsed
	Doc        string     // documentation, shown in REST output as "documentation"
	Default    any        // see the type's documentation; nil means no default
	Required   bool       // the key must be set (Kafka: no default value)
	Importance Importance // High, Medium or Low

	// Validator, if not nil, checks the parsed value (and the default, at
	// Define time). It is never called for a key without a value.
	Validator Validator

	Group        string // UI group, e.g. "Common"; "" for none (REST: null)
	OrderInGroup int    // position within Group; ignored (REST: -1) when Group is ""
	Width        Width  // UI input width hint
	DisplayName  string // UI label; "" means Name
	// Dependents names keys whose recommended values or visibility depend on
	// this key (used only by [ConfigDef.Validate] / REST output).
	Dependents []string
	// Recommender, if not nil, supplies recommended values and visibility
	// for [ConfigDef.Validate].
	Recommender Recommender
}

// clone returns k with its slices copied, so callers cannot alter a defined key.
func (k ConfigKey) clone() ConfigKey {
	k.Dependents = slices.Clone(k.Dependents)
	if l, ok := k.Default.([]string); ok {
		k.Default = slices.Clone(l)
	}
	return k
}

// hasDefault reports whether the key supplies a value when not configured.
func (k *ConfigKey) hasDefault() bool { return k.Default != nil }

// ConfigDef is an ordered set of configuration key definitions: the schema
// of a connector's, task's, converter's or worker's configuration.
//
// Build one with [NewConfigDef] and chained [ConfigDef.Define] calls,
// typically once in a package-level variable. Definition methods (Define)
// must not run concurrently with any other method; once defined, a
// ConfigDef may be used by any number of goroutines (Parse, Validate,
// Keys...). The zero ConfigDef is empty and ready to use; a nil *ConfigDef
// behaves as an empty one for every method except Define.
type ConfigDef struct {
	keys   []ConfigKey    // definition order; only ever appended to
	index  map[string]int // name -> position in keys; replaced, never mutated, on Define
	groups []string       // distinct non-empty groups, first-use order
}

// NewConfigDef returns an empty ConfigDef.
func NewConfigDef() *ConfigDef { return &ConfigDef{index: map[string]int{}} }

// Define adds key and returns d, so calls can be chained.
//
// Define panics, since a bad definition is a programming error, when: the
// name is empty or already defined; Type, Importance or Width is not one of
// the defined constants; Required is set together with a Default; the
// Default cannot be converted to the key's type; or the Validator rejects
// the Default (Kafka also validates defaults at definition time).
func (d *ConfigDef) Define(key ConfigKey) *ConfigDef {
	if key.Name == "" {
		panic("connect: ConfigDef.Define: empty configuration key name")
	}
	if _, dup := d.index[key.Name]; dup {
		panic(fmt.Sprintf("connect: ConfigDef.Define: configuration %q is defined twice", key.Name))
	}
	if !key.Type.valid() {
		panic(fmt.Sprintf("connect: ConfigDef.Define: configuration %q has invalid type %v", key.Name, key.Type))
	}
	if key.Importance < High || key.Importance > Low {
		panic(fmt.Sprintf("connect: ConfigDef.Define: configuration %q has invalid importance %v", key.Name, key.Importance))
	}
	if key.Width > WidthLong {
		panic(fmt.Sprintf("connect: ConfigDef.Define: configuration %q has invalid width %v", key.Name, key.Width))
	}
	if key.Required && key.Default != nil {
		panic(fmt.Sprintf("connect: ConfigDef.Define: configuration %q is Required and has a Default", key.Name))
	}
	if key.Default != nil {
		v, err := cfgNormalizeDefault(key.Type, key.Default)
		if err != nil {
			panic(fmt.Sprintf("connect: ConfigDef.Define: configuration %q: invalid default: %v", key.Name, err))
		}
		if key.Validator != nil {
			if err := key.Validator.Validate(v); err != nil {
				panic("connect: ConfigDef.Define: " + cfgInvalidValue(key.Name, key.Type, v, err.Error()))
			}
		}
		key.Default = v
	}
	key.Dependents = slices.Clone(key.Dependents)
	d.add(key)
	return d
}

// add appends an already checked and normalized key.
func (d *ConfigDef) add(key ConfigKey) {
	idx := make(map[string]int, len(d.index)+1)
	for k, v := range d.index {
		idx[k] = v
	}
	idx[key.Name] = len(d.keys)
	d.index = idx
	d.keys = append(d.keys, key)
	if key.Group != "" && !slices.Contains(d.groups, key.Group) {
		d.groups = append(d.groups, key.Group)
	}
}

// Keys returns a copy of the defined keys in definition order.
func (d *ConfigDef) Keys() []ConfigKey {
	if d == nil {
		return nil
	}
	out := make([]ConfigKey, len(d.keys))
	for i, k := range d.keys {
		out[i] = k.clone()
	}
	return out
}

// Key returns a copy of the key called name, with its Default normalized to
// the parsed type, and whether it is defined.
func (d *ConfigDef) Key(name string) (ConfigKey, bool) {
	if d == nil {
		return ConfigKey{}, false
	}
	i, ok := d.index[name]
	if !ok {
		return ConfigKey{}, false
	}
	return d.keys[i].clone(), true
}

// Len returns the number of defined keys.
func (d *ConfigDef) Len() int {
	if d == nil {
		return 0
	}
	return len(d.keys)
}

// Groups returns the distinct non-empty groups of the keys, in the order
// they were first used. This is the "groups" list of the REST validate
// response.
func (d *ConfigDef) Groups() []string {
	if d == nil {
		return nil
	}
	return slices.Clone(d.groups)
}

// With returns a new ConfigDef holding d's keys followed by the keys of
// each of others, in order; d and others are not modified. Use it to
// combine, say, the runtime's connector keys with a connector's own keys.
// With panics if a key name occurs twice. Nil ConfigDefs are skipped.
func (d *ConfigDef) With(others ...*ConfigDef) *ConfigDef {
	out := NewConfigDef()
	for _, src := range append([]*ConfigDef{d}, others...) {
		if src == nil {
			continue
		}
		for _, k := range src.keys {
			if _, dup := out.index[k.Name]; dup {
				panic(fmt.Sprintf("connect: ConfigDef.With: configuration %q is defined twice", k.Name))
			}
			out.add(k.clone())
		}
	}
	return out
}
