package connect

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"
)

// Config is a parsed, validated configuration: the typed value of every key
// of a [ConfigDef], plus the original string map. Get one from
// [ConfigDef.Parse]. A Config is immutable and safe for concurrent use; it
// keeps its own snapshot of the definition, so later Define calls on the
// ConfigDef do not affect it.
//
// Typed getters (String, Int, ...) panic if the key is not defined or has a
// different type: both are programming errors, found on first run. A key
// with no value (optional, not set, no default) reads as the zero value;
// use [Config.Get] to tell it apart (nil).
//
// Printing a Config with fmt or logging it with slog shows only defined keys,
// with PASSWORD values as [PasswordHidden]; the originals are never printed.
type Config struct {
	keys  []ConfigKey    // definition snapshot (capacity-capped)
	index map[string]int // shared with the ConfigDef; never mutated
	vals  []any          // parsed values, parallel to keys; nil = no value
	// originals returns the raw map. It is a func, not a map, so that fmt
	// prints an address rather than secrets even when a Config is an
	// unexported field of a struct being printed.
	originals func() map[string]string
}

// cfgResolve computes the value of key k from raw. On failure msg is Kafka's
// message; v is then nil for an unparsable or missing value, or the parsed
// value when only the validator rejected it (as Kafka's validate reports).
func cfgResolve(k *ConfigKey, raw map[string]string) (v any, msg string) {
	if s, set := raw[k.Name]; set {
		var err error
		if v, err = cfgParse(k.Type, s); err != nil {
			return nil, cfgInvalidValue(k.Name, k.Type, s, err.Error())
		}
	} else if k.Required {
		return nil, cfgMissing(k.Name)
	} else {
		v = k.Default
	}
	if v != nil && k.Validator != nil {
		if err := k.Validator.Validate(v); err != nil {
			return v, cfgInvalidValue(k.Name, k.Type, v, err.Error())
		}
	}
	return v, ""
}

// cfgUndefinedDependents lists names used as Dependents but not defined, in
// first-use order.
func cfgUndefinedDependents(keys []ConfigKey, index map[string]int) []string {
	var out []string
	for i := range keys {
		for _, dep := range keys[i].Dependents {
			if _, ok := index[dep]; !ok && !slices.Contains(out, dep) {
				out = append(out, dep)
			}
		}
	}
	return out
}

func cfgUndefinedDependentMessage(name string) string {
	return name + " is referred in the dependents, but not defined."
}

// snapshot returns the current keys (capacity-capped so that later appends
// never alias) and index.
func (d *ConfigDef) snapshot() ([]ConfigKey, map[string]int) {
	if d == nil {
		return nil, nil
	}
	return d.keys[:len(d.keys):len(d.keys)], d.index
}

// Parse parses and validates raw against the definition.
//
// For each defined key: a set value is parsed according to the key's type
// (see [ConfigType]); an unset key takes its default, or is an error if it
// is Required; then the key's Validator, if any, checks the value. Keys in
// raw that are not defined are ignored, but kept in [Config.Originals].
//
// Parse reports every problem at once: the error is a *[ConfigError] with
// one *[ConfigKeyError] per bad key, in definition order (followed by any
// Dependents that name undefined keys). Messages never contain a password's
// value. On error the *Config is nil. Parse does not modify raw.
func (d *ConfigDef) Parse(raw map[string]string) (*Config, error) {
	keys, index := d.snapshot()
	orig := maps.Clone(raw)
	if orig == nil {
		orig = map[string]string{}
	}
	c := &Config{keys: keys, index: index, vals: make([]any, len(keys)), originals: func() map[string]string { return orig }}
	var errs []*ConfigKeyError
	for i := range keys {
		v, msg := cfgResolve(&keys[i], raw)
		if msg != "" {
			errs = append(errs, &ConfigKeyError{Key: keys[i].Name, Message: msg})
			continue
		}
		c.vals[i] = v
	}
	for _, name := range cfgUndefinedDependents(keys, index) {
		errs = append(errs, &ConfigKeyError{Key: name, Message: cfgUndefinedDependentMessage(name)})
	}
	if errs != nil {
		return nil, &ConfigError{Errors: errs}
	}
	return c, nil
}

// value returns the parsed value of name, panicking if name is not defined
// or (want != 0) its type is not want.
func (c *Config) value(name string, want ConfigType, getter string) any {
	i, ok := c.index[name]
	if !ok || i >= len(c.keys) {
		panic(fmt.Sprintf("connect: Config.%s: configuration %q is not defined", getter, name))
	}
	if t := c.keys[i].Type; want != 0 && t != want {
		panic(fmt.Sprintf("connect: Config.%s: configuration %q is %v, not %v", getter, name, t, want))
	}
	return c.vals[i]
}

// Get returns the parsed value of name (string, int, int64, float64, bool,
// []string, [Password] or time.Duration, by type; a list is a fresh copy),
// or nil if the key has no value. It panics if name is not defined.
func (c *Config) Get(name string) any {
	v := c.value(name, 0, "Get")
	if l, ok := v.([]string); ok {
		return slices.Clone(l)
	}
	return v
}

// String returns the value of a STRING key ("" if it has no value).
// It panics if name is not a defined STRING key.
func (c *Config) String(name string) string {
	s, _ := c.value(name, ConfigString, "String").(string)
	return s
}

// Int returns the value of an INT key (0 if it has no value); it is always
// within the int32 range. It panics if name is not a defined INT key.
func (c *Config) Int(name string) int {
	n, _ := c.value(name, ConfigInt, "Int").(int)
	return n
}

// Long returns the value of a LONG key (0 if it has no value).
// It panics if name is not a defined LONG key.
func (c *Config) Long(name string) int64 {
	n, _ := c.value(name, ConfigLong, "Long").(int64)
	return n
}

// Double returns the value of a DOUBLE key (0 if it has no value).
// It panics if name is not a defined DOUBLE key.
func (c *Config) Double(name string) float64 {
	f, _ := c.value(name, ConfigDouble, "Double").(float64)
	return f
}

// Bool returns the value of a BOOLEAN key (false if it has no value).
// It panics if name is not a defined BOOLEAN key.
func (c *Config) Bool(name string) bool {
	b, _ := c.value(name, ConfigBoolean, "Bool").(bool)
	return b
}

// List returns a fresh copy of the value of a LIST key (nil if it has no
// value). It panics if name is not a defined LIST key.
func (c *Config) List(name string) []string {
	l, _ := c.value(name, ConfigList, "List").([]string)
	return slices.Clone(l)
}

// Password returns the value of a PASSWORD key (the zero, empty Password if
// it has no value). It panics if name is not a defined PASSWORD key.
func (c *Config) Password(name string) Password {
	p, _ := c.value(name, ConfigPassword, "Password").(Password)
	return p
}

// Class returns the value of a CLASS key ("" if it has no value).
// It panics if name is not a defined CLASS key.
func (c *Config) Class(name string) string {
	s, _ := c.value(name, ConfigClass, "Class").(string)
	return s
}

// Duration returns the value of a DURATION key (0 if it has no value).
// It panics if name is not a defined DURATION key.
func (c *Config) Duration(name string) time.Duration {
	d, _ := c.value(name, ConfigDuration, "Duration").(time.Duration)
	return d
}

// Originals returns a copy of the map given to Parse, including keys that
// are not defined. It holds raw values: secrets appear in clear text, so
// never log or print it.
func (c *Config) Originals() map[string]string { return maps.Clone(c.originals()) }

// OriginalsWithPrefix returns the originals whose key starts with prefix
// (and is longer than it), like Kafka's originalsWithPrefix; with strip the
// prefix is removed from the returned keys. E.g. prefix
// "producer.override." and strip turns "producer.override.acks=1" into
// "acks=1". Like [Config.Originals], the result may hold secrets.
func (c *Config) OriginalsWithPrefix(prefix string, strip bool) map[string]string {
	out := map[string]string{}
	for k, v := range c.originals() {
		if len(k) > len(prefix) && strings.HasPrefix(k, prefix) {
			if strip {
				k = k[len(prefix):]
			}
			out[k] = v
		}
	}
	return out
}

// Format implements fmt.Formatter for every verb: it prints the defined
// keys in definition order as "{name=value, ...}", values in their REST
// string form, "null" for no value and [PasswordHidden] for passwords.
// Originals are not printed. (Value receiver, so a Config value prints the
// same way as a *Config.)
func (c Config) Format(f fmt.State, verb rune) {
	var b strings.Builder
	b.WriteByte('{')
	for i := range c.keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.keys[i].Name)
		b.WriteByte('=')
		b.WriteString(cfgShown(c.keys[i].Type, c.vals[i]))
	}
	b.WriteByte('}')
	_, _ = f.Write([]byte(b.String()))
}

// cfgShown is the printable form of a value of type t: REST string form,
// "null" for none, [PasswordHidden] for any PASSWORD value.
func cfgShown(t ConfigType, v any) string {
	if v == nil {
		return "null"
	}
	if t == ConfigPassword {
		return PasswordHidden
	}
	s, _ := cfgRESTString(v)
	return s
}

// LogValue implements slog.LogValuer: a Config logs as a group with one
// attribute per defined key that has a value, in definition order;
// passwords log as [PasswordHidden]. Originals are not logged.
func (c Config) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, len(c.keys))
	for i := range c.keys {
		v := c.vals[i]
		switch x := v.(type) {
		case nil:
			continue
		case Password:
			attrs = append(attrs, slog.String(c.keys[i].Name, PasswordHidden))
		case []string:
			attrs = append(attrs, slog.Any(c.keys[i].Name, slices.Clone(x)))
		default:
			if c.keys[i].Type == ConfigPassword {
				attrs = append(attrs, slog.String(c.keys[i].Name, PasswordHidden))
				continue
			}
			attrs = append(attrs, slog.Any(c.keys[i].Name, v))
		}
	}
	return slog.GroupValue(attrs...)
}
