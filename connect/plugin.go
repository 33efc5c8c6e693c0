package connect

import (
	"fmt"
	"slices"
	"strings"
)

// PluginKind is what a plugin implements.
type PluginKind uint8

// The plugin kinds, named as the REST API's connector-plugins endpoint names
// them.
const (
	SourcePlugin PluginKind = iota + 1
	SinkPlugin
	ConverterPlugin
	HeaderConverterPlugin
	TransformationPlugin
	PredicatePlugin
)

// String returns the REST API's name for k: "source", "sink", "converter",
// "header_converter", "transformation" or "predicate".
func (k PluginKind) String() string {
	switch k {
	case SourcePlugin:
		return "source"
	case SinkPlugin:
		return "sink"
	case ConverterPlugin:
		return "converter"
	case HeaderConverterPlugin:
		return "header_converter"
	case TransformationPlugin:
		return "transformation"
	case PredicatePlugin:
		return "predicate"
	}
	return fmt.Sprintf("PluginKind(%d)", uint8(k))
}

// PluginInfo describes a plugin: what a runtime lists and looks plugins up by.
type PluginInfo struct {
	// Class is the Kafka Connect class name, such as
	// "org.apache.kafka.connect.file.FileStreamSourceConnector", so that
	// configs written for a JVM worker find the same plugin here.
	Class string
	// Aliases are further names the plugin answers to, such as
	// "FileStreamSource".
	Aliases []string
	Kind    PluginKind
	Version string
	// Doc says what the plugin does, in a sentence or two.
	Doc string
	// Config defines the plugin's configuration keys. nil means none are
	// declared: the plugin's configuration is open, and a runtime cannot
	// tell a key it reads from a mistyped one (see AcceptsKey).
	Config *ConfigDef
	// OtherKeys lists keys the plugin reads although Config does not
	// define them, such as deprecated names or settings it passes on to a
	// client, so that a runtime does not report them as unknown. A name
	// ending in '*' stands for every key with that prefix ("basic.auth.*"),
	// and "*" alone for every key.
	OtherKeys []string
}

// AcceptsKey reports whether key is one the plugin reads: Config defines it
// or OtherKeys names it, or the plugin declares no Config at all. A runtime
// may report the other keys given to the plugin as unknown: nothing would
// read them.
func (p PluginInfo) AcceptsKey(key string) bool {
	if p.Config == nil {
		return true
	}
	if _, ok := p.Config.Key(key); ok {
		return true
	}
	for _, k := range p.OtherKeys {
		if prefix, wild := strings.CutSuffix(k, "*"); wild && strings.HasPrefix(key, prefix) || k == key {
			return true
		}
	}
	return false
}

// Plugin is implemented by the typed plugin descriptions of each contract
// package (source.Plugin, sink.Plugin, converter.Plugin, transform.Plugin,
// ...), which add a constructor to the PluginInfo. A runtime receives
// plugins as values: there is no global registry.
type Plugin interface {
	Info() PluginInfo
}

// Names returns the names a plugin answers to: its class, its aliases, and,
// as in Kafka Connect, the simple class name and the simple name without its
// kind's suffix ("FileStreamSourceConnector", "FileStreamSource").
func (p PluginInfo) Names() []string {
	names := []string{p.Class}
	names = append(names, p.Aliases...)
	simple := p.Class
	// The simple name keeps a nested class's outer name ("ExtractField$Value"),
	// so that "Value" alone names no plugin, as in Kafka Connect.
	if i := strings.LastIndexByte(simple, '.'); i >= 0 && i+1 < len(simple) {
		simple = simple[i+1:]
	}
	names = append(names, simple)
	for _, suffix := range []string{"Connector", "Converter", "Transformation", "Predicate"} {
		if s, ok := strings.CutSuffix(simple, suffix); ok && s != "" {
			names = append(names, s)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Matches reports whether name is one of p's names.
func (p PluginInfo) Matches(name string) bool {
	if name == p.Class {
		return true
	}
	return slices.Contains(p.Names(), name)
}

// Plugins is a set of plugins a runtime can create things from.
type Plugins []Plugin

// Find returns the plugin of the given kind that answers to name (see
// PluginInfo.Names). The error for an unknown name lists the names of every
// plugin of that kind.
func (ps Plugins) Find(kind PluginKind, name string) (Plugin, error) {
	var known []string
	for _, p := range ps {
		info := p.Info()
		if info.Kind != kind {
			continue
		}
		if info.Matches(name) {
			return p, nil
		}
		known = append(known, info.Class)
	}
	slices.Sort(known)
	return nil, fmt.Errorf("connect: no %s plugin called %q; available: %s", kind, name, strings.Join(known, ", "))
}
