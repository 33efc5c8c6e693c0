package worker

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/suggest"
	"github.com/kconnect-go/kconnect/transform"
)

// Unknown keys are keys of a connector configuration that nothing reads.
// Kafka Connect accepts them in silence, so "tasks.maxx=4" or
// "transfroms=mask" leave a connector RUNNING with one task and no
// transform. kconnect warns about each once per configuration (when
// CreateConnector or UpdateConnector accepts it), lists them in
// ValidateConnectorConfig and, with RejectUnknownKeys, refuses them.
//
// A key is known when:
//   - the common connector keys define it, those of source and sink
//     connectors alike (a key of the other kind is unused but valid in
//     Kafka Connect), or it is a key Kafka Connect defines and kconnect
//     ignores (kafkaIgnoredKeys);
//   - the connector plugin accepts it (connect.PluginInfo.AcceptsKey): a
//     plugin without a ConfigDef accepts every key outside the namespaces
//     below, as nothing can be told about the keys it reads;
//   - it is a client override (producer.override.*, consumer.override.*,
//     admin.override.*), whose properties clientconfig.go checks;
//   - it is transforms.<alias>.<key> or predicates.<alias>.<key> for a
//     listed alias, and <key> is one the chain reads (type,
//     plugin.version; predicate and negate for a transform) or one the
//     alias's plugin accepts; every key, when type names no plugin (an
//     error of its own);
//   - it is key.converter.<key>, value.converter.<key> or
//     header.converter.<key>, and <key> is plugin.version or
//     converter.type (Kafka's) or one the converter in use (the
//     connector's, or the worker's default) accepts;
//   - it is topic.creation.<group>.<key> for the default group or one
//     listed in topic.creation.groups: <key> is then a topic config, and
//     any name is one the broker may know.

// RejectUnknownKeys makes CreateConnector and UpdateConnector refuse a
// configuration with keys that nothing reads (a mistyped "tasks.maxx", a
// transform key its transformation does not define), naming each with the
// nearest known key, and makes ValidateConnectorConfig count them as
// errors. The error is then a *connect.ConfigError (with the configuration's
// other bad keys, if any) and nothing is created or changed. Without it
// (the default, as Kafka Connect accepts them) such keys are ignored, and
// logged as a warning once per configuration.
func RejectUnknownKeys(reject bool) Opt { return func(o *options) { o.rejectUnknown = reject } }

// kafkaIgnoredKeys are connector keys Kafka Connect defines that the
// unknown-key check passes over: kconnect reloads no configuration
// providers, and checks connector.plugin.version against its plugin's one
// version (pluginversion.go).
var kafkaIgnoredKeys = []string{"config.action.reload", "connector.plugin.version"}

// The keys of an alias the transform chain reads itself (transform.ParseChain).
var (
	transformAliasKeys = []string{"type", "plugin.version", "predicate", "negate"}
	predicateAliasKeys = []string{"type", "plugin.version"}
)

// converterSubKeys are keys below a converter's prefix that Kafka Connect
// defines for every converter: the plugin version (KIP-891) and the
// converter type the worker sets.
var converterSubKeys = []string{"plugin.version", "converter.type"}

// overridePrefixes are the client override prefixes, checked elsewhere.
var overridePrefixes = []string{ProducerOverridePrefix, ConsumerOverridePrefix, "admin.override."}

// unknownKey is a key of a connector configuration that nothing reads.
type unknownKey struct {
	key        string
	problem    string // why nothing reads it
	suggestion string // the nearest known key, or ""
}

// message describes u for a validate response or an error; rejected says
// whether the configuration is refused for it.
func (u unknownKey) message(rejected bool) string {
	var b strings.Builder
	b.WriteString("Unknown configuration ")
	b.WriteString(u.key)
	if !rejected {
		b.WriteString(" is ignored")
	}
	b.WriteString(": ")
	b.WriteString(u.problem)
	b.WriteString(".")
	if u.suggestion != "" {
		b.WriteString(" Did you mean ")
		b.WriteString(u.suggestion)
		b.WriteString("?")
	}
	return b.String()
}

// unknownKeysError is the error RejectUnknownKeys makes of unknown keys;
// nil if there are none.
func unknownKeysError(unknown []unknownKey) error {
	if len(unknown) == 0 {
		return nil
	}
	e := &connect.ConfigError{}
	for _, u := range unknown {
		e.Errors = append(e.Errors, &connect.ConfigKeyError{Key: u.key, Message: u.message(true)})
	}
	return e
}

// warnUnknownKeys logs each unknown key of a configuration the worker
// accepted. Values are never logged: an unknown key may hold a secret.
func warnUnknownKeys(log *slog.Logger, unknown []unknownKey) {
	for _, u := range unknown {
		attrs := []any{"key", u.key, "problem", u.problem}
		if u.suggestion != "" {
			attrs = append(attrs, "did_you_mean", u.suggestion)
		}
		log.Warn("unknown configuration key ignored", attrs...)
	}
}

// unknownKeys returns the unknown keys of raw, the configuration of a
// connector of plugin info, sorted.
func (w *engine) unknownKeys(info connect.PluginInfo, raw map[string]string) []unknownKey {
	c := w.newKeyChecker(info, raw)
	var out []unknownKey
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		v := c.judge(key)
		if v.known {
			continue
		}
		u := unknownKey{key: key, problem: v.problem}
		if v.scope != "" {
			if s := suggest.Nearest(strings.TrimPrefix(key, v.scope), v.within); s != "" {
				u.suggestion = v.scope + s
			}
		} else {
			u.suggestion = suggest.Nearest(key, c.candidates(key))
		}
		out = append(out, u)
	}
	return out
}

// keyChecker judges the keys of one connector configuration.
type keyChecker struct {
	w         *engine
	raw       map[string]string
	connector connect.PluginInfo
	common    map[string]bool // the common keys of both kinds, and kafkaIgnoredKeys
	aliases   map[string][]string
	groups    []string // topic creation groups, the default one included
}

func (w *engine) newKeyChecker(info connect.PluginInfo, raw map[string]string) *keyChecker {
	c := &keyChecker{w: w, raw: raw, connector: info, common: map[string]bool{},
		aliases: map[string][]string{
			transform.TransformsConfig: listOf(raw[transform.TransformsConfig]),
			transform.PredicatesConfig: listOf(raw[transform.PredicatesConfig]),
		},
		groups: append(listOf(raw[TopicCreationGroupsConfig]), defaultTopicGroup)}
	for _, def := range []*connect.ConfigDef{sourceConfigDef(), sinkConfigDef()} {
		for _, k := range def.Keys() {
			c.common[k.Name] = true
		}
	}
	for _, k := range kafkaIgnoredKeys {
		c.common[k] = true
	}
	return c
}

// listOf splits a LIST value as ConfigDef does, without its empty items.
func listOf(v string) []string {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// verdict is what a keyChecker finds of a key.
type verdict struct {
	known   bool
	problem string
	// scope, when set, is the prefix within which to look for the nearest
	// known key: scope followed by one of within.
	scope  string
	within []string
}

var known = verdict{known: true}

func (c *keyChecker) judge(key string) verdict {
	if c.common[key] || c.connector.Config != nil && c.connector.AcceptsKey(key) {
		return known
	}
	for _, p := range overridePrefixes {
		if strings.HasPrefix(key, p) {
			return known
		}
	}
	if v, ok := c.aliasKey(key, transform.TransformsConfig, connect.TransformationPlugin, transformAliasKeys); ok {
		return v
	}
	if v, ok := c.aliasKey(key, transform.PredicatesConfig, connect.PredicatePlugin, predicateAliasKeys); ok {
		return v
	}
	for _, conv := range []string{KeyConverterConfig, ValueConverterConfig, HeaderConverterConfig} {
		if sub, ok := strings.CutPrefix(key, conv+"."); ok {
			return c.converterKey(conv, sub)
		}
	}
	if rest, ok := strings.CutPrefix(key, topicCreationPrefix); ok {
		group, _, ok := strings.Cut(rest, ".")
		switch {
		case !ok:
			return verdict{problem: "it names no topic creation group (" + topicCreationPrefix + "<group>.<topic config>)"}
		case !slices.Contains(c.groups, group):
			return verdict{problem: fmt.Sprintf("topic creation group %s is not listed in %s", group, TopicCreationGroupsConfig)}
		}
		return known
	}
	if c.connector.AcceptsKey(key) { // a plugin without a ConfigDef
		return known
	}
	return verdict{problem: fmt.Sprintf("neither %s nor the worker defines it", shortClass(strings.TrimSpace(c.raw[ConnectorClassConfig])))}
}

// aliasKey judges key if it is below listKey's prefix (transforms. or
// predicates.).
func (c *keyChecker) aliasKey(key, listKey string, kind connect.PluginKind, chainKeys []string) (verdict, bool) {
	rest, ok := strings.CutPrefix(key, listKey+".")
	if !ok {
		return verdict{}, false
	}
	alias := ""
	for _, a := range c.aliases[listKey] {
		if strings.HasPrefix(rest, a+".") && len(a) > len(alias) {
			alias = a
		}
	}
	if alias == "" {
		if a, _, ok := strings.Cut(rest, "."); ok {
			return verdict{problem: fmt.Sprintf("alias %s is not listed in %s", a, listKey)}, true
		}
		return verdict{problem: fmt.Sprintf("it names no alias (%s.<alias>.<key>)", listKey)}, true
	}
	prefix := listKey + "." + alias + "."
	sub := rest[len(alias)+1:]
	if slices.Contains(chainKeys, sub) {
		return known, true
	}
	typ := strings.TrimSpace(c.raw[prefix+"type"])
	p, err := c.w.plugins.Find(kind, typ)
	if err != nil || p.Info().AcceptsKey(sub) {
		return known, true
	}
	return verdict{problem: fmt.Sprintf("%s%s (%s) defines no key %s", listKey+".", alias, shortClass(typ), sub),
		scope: prefix, within: append(slices.Clone(chainKeys), pluginKeys(p.Info())...)}, true
}

// converterKey judges key conv.sub, a key of the converter conv names.
func (c *keyChecker) converterKey(conv, sub string) verdict {
	if slices.Contains(converterSubKeys, sub) {
		return known
	}
	p, err := c.converter(conv)
	if err != nil || p.Info().AcceptsKey(sub) {
		return known // an unknown class fails the configuration by itself
	}
	return verdict{problem: fmt.Sprintf("%s (%s) defines no key %s", conv, shortClass(p.Info().Class), sub),
		scope: conv + ".", within: append(slices.Clone(converterSubKeys), pluginKeys(p.Info())...)}
}

// converter finds the plugin of conv (key.converter, value.converter or
// header.converter): the connector's, else the worker's default.
func (c *keyChecker) converter(conv string) (connect.Plugin, error) {
	class := strings.TrimSpace(c.raw[conv])
	kind := connect.ConverterPlugin
	switch {
	case conv == HeaderConverterConfig:
		kind = connect.HeaderConverterPlugin
		if class == "" {
			class = c.w.opts.headerConverterClass()
		}
	case class != "":
	case conv == KeyConverterConfig:
		class = c.w.opts.defaultKeyConverter
	default:
		class = c.w.opts.defaultValConverter
	}
	return c.w.plugins.Find(kind, class)
}

// pluginKeys lists the keys a plugin defines or names in OtherKeys,
// without prefix patterns.
func pluginKeys(info connect.PluginInfo) []string {
	var out []string
	for _, k := range info.Config.Keys() {
		out = append(out, k.Name)
	}
	for _, k := range info.OtherKeys {
		if !strings.HasSuffix(k, "*") {
			out = append(out, k)
		}
	}
	return out
}

// candidates returns the known keys to suggest in place of key, a key
// outside the scope of an alias or converter: every key the configuration
// defines, and key with the first segments replaced by a known prefix of
// as many segments (producer.overide.linger.ms: producer.override.linger.ms)
// where that gives a known key.
func (c *keyChecker) candidates(key string) []string {
	var out []string
	for k := range c.common {
		out = append(out, k)
	}
	if c.connector.Config != nil {
		out = append(out, pluginKeys(c.connector)...)
	}
	prefixes := slices.Clone(overridePrefixes)
	for _, l := range []struct {
		listKey   string
		kind      connect.PluginKind
		chainKeys []string
	}{
		{transform.TransformsConfig, connect.TransformationPlugin, transformAliasKeys},
		{transform.PredicatesConfig, connect.PredicatePlugin, predicateAliasKeys},
	} {
		listKey, kind, chainKeys := l.listKey, l.kind, l.chainKeys
		for _, a := range c.aliases[listKey] {
			prefix := listKey + "." + a + "."
			prefixes = append(prefixes, prefix)
			keys := slices.Clone(chainKeys)
			if p, err := c.w.plugins.Find(kind, strings.TrimSpace(c.raw[prefix+"type"])); err == nil {
				keys = append(keys, pluginKeys(p.Info())...)
			}
			for _, k := range keys {
				out = append(out, prefix+k)
			}
		}
	}
	for _, conv := range []string{KeyConverterConfig, ValueConverterConfig, HeaderConverterConfig} {
		prefixes = append(prefixes, conv+".")
		keys := slices.Clone(converterSubKeys)
		if p, err := c.converter(conv); err == nil {
			keys = append(keys, pluginKeys(p.Info())...)
		}
		for _, k := range keys {
			out = append(out, conv+"."+k)
		}
	}
	for _, g := range c.groups {
		prefixes = append(prefixes, topicCreationPrefix+g+".")
	}
	segments := strings.Split(key, ".")
	for _, p := range prefixes {
		n := strings.Count(p, ".")
		if len(segments) <= n {
			continue
		}
		if k := p + strings.Join(segments[n:], "."); c.judge(k).known {
			out = append(out, k)
		}
	}
	return out
}

// shortClass returns a class name without its package, as users write it.
func shortClass(class string) string {
	if i := strings.LastIndexByte(class, '.'); i >= 0 && i+1 < len(class) {
		return class[i+1:]
	}
	return class
}
