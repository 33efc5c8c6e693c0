package transform

import (
	"slices"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/version"
)

// Plugins returns every built-in transformation and predicate as
// connect.Plugin values (Plugin and PredicatePlugin), for a runtime to list
// and to create from by class name or alias:
//
//	transformations  Cast, DropHeaders, ExtractField, Filter, Flatten,
//	                 HeaderFrom, HoistField, InsertField, InsertHeader,
//	                 MaskField, RegexRouter, ReplaceField, SetSchemaMetadata,
//	                 TimestampConverter, TimestampRouter, ValueToKey
//	predicates       HasHeaderKey, RecordIsTombstone, TopicNameMatches
//
// each with its Kafka Connect class name (the $Key and $Value variants are
// separate plugins, as in Kafka) and ConfigDef. Besides the names
// connect.PluginInfo.Names derives, a $Key or $Value variant answers to
// "<Name>$Key" or "<Name>$Value" (e.g. "ExtractField$Value"). Each call
// returns new values.
func Plugins() []connect.Plugin {
	var out []connect.Plugin
	for _, group := range [][]Plugin{
		castPlugins(),
		dropHeadersPlugins(),
		extractFieldPlugins(),
		filterPlugins(),
		flattenPlugins(),
		headerFromPlugins(),
		hoistFieldPlugins(),
		insertFieldPlugins(),
		insertHeaderPlugins(),
		maskFieldPlugins(),
		regexRouterPlugins(),
		replaceFieldPlugins(),
		setSchemaMetadataPlugins(),
		timestampConverterPlugins(),
		timestampRouterPlugins(),
		valueToKeyPlugins(),
	} {
		for _, p := range group {
			p.Aliases = nestedAlias(p.PluginInfo)
			p.Version = version.Kconnect()
			out = append(out, p)
		}
	}
	for _, p := range predicatePlugins() {
		p.Version = version.Kconnect()
		out = append(out, p)
	}
	return out
}

// nestedAlias returns p's aliases plus, for a nested class such as
// "org.apache.kafka.connect.transforms.ExtractField$Value", the alias
// "ExtractField$Value".
func nestedAlias(p connect.PluginInfo) []string {
	aliases := slices.Clone(p.Aliases)
	if i := strings.IndexByte(p.Class, '$'); i >= 0 {
		simple := p.Class[strings.LastIndexByte(p.Class[:i], '.')+1:]
		if !slices.Contains(aliases, simple) {
			aliases = append(aliases, simple)
		}
	}
	return aliases
}

// builtinPlugins is Plugins(), built once for ParseChain.
var builtinPlugins = connect.Plugins(Plugins())
