package worker

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/javaregex"
	"github.com/kconnect-go/kconnect/transform"
)

// The checks of a connector configuration that go beyond each key's own
// value: they read several keys together, or build what the keys
// describe. CreateConnector makes them (newConnectorRun) and
// ValidateConnectorConfig reports them, both through checkAcrossKeys, so
// that validation finds an error exactly when creation would refuse the
// configuration. Each error is placed on the key it concerns, as Kafka
// Connect's validate response places it.

// acrossKeys is what checkAcrossKeys builds from a configuration.
type acrossKeys struct {
	// topicsRegex is a sink connector's topics.regex, anchored; nil with
	// topics.
	topicsRegex *regexp.Regexp
	// topicGroups are a source connector's topic creation groups.
	topicGroups []*topicGroup
	// clients are the connector's clients' settings (clientpolicy.go).
	clients connectorClients
}

// checkAcrossKeys checks raw, the configuration of a connector called name
// of plugin info, parsed (cfg) with at least the common keys of its kind:
// a sink connector's topics against topics.regex, a source connector's
// topic creation groups, the client overrides kconnect's client can
// honour, and, with build, that its converters and transform chain build
// (they are closed again at once: each task builds its own). It returns
// what it built and one error per problem, on the key concerned.
func (w *engine) checkAcrossKeys(name string, info connect.PluginInfo, cfg *connect.Config, raw map[string]string, build bool) (acrossKeys, []*connect.ConfigKeyError) {
	var out acrossKeys
	var errs []*connect.ConfigKeyError
	bad := func(key, msg string) { errs = append(errs, &connect.ConfigKeyError{Key: key, Message: msg}) }
	switch info.Kind {
	case connect.SinkPlugin:
		// Kafka's SinkConnectorConfig.validate, with its messages, on both
		// keys.
		topics, regex := cfg.List(TopicsConfig), cfg.String(TopicsRegexConfig)
		switch {
		case len(topics) > 0 && regex != "":
			msg := fmt.Sprintf("%s and %s are mutually exclusive options, but both are set.", TopicsConfig, TopicsRegexConfig)
			bad(TopicsConfig, msg)
			bad(TopicsRegexConfig, msg)
		case len(topics) == 0 && regex == "":
			msg := fmt.Sprintf("Must configure one of %s or %s", TopicsConfig, TopicsRegexConfig)
			bad(TopicsConfig, msg)
			bad(TopicsRegexConfig, msg)
		case regex != "":
			re, err := javaregex.CompileWhole(regex)
			if err != nil {
				bad(TopicsRegexConfig, fmt.Sprintf("%s %q: %v", TopicsRegexConfig, regex, err))
			}
			out.topicsRegex = re
		}
	case connect.SourcePlugin:
		groups, err := parseTopicCreation(raw, cfg.List(TopicCreationGroupsConfig))
		errs = append(errs, keyErrors(err, TopicCreationGroupsConfig)...)
		out.topicGroups = groups
	}

	// Client overrides are checked against ClientOverridePolicy and
	// translated once (clientpolicy.go); each refused, or that kconnect's
	// client cannot honour, is an error on its key.
	clients, err := w.connectorClients(info.Kind, raw)
	var ce *connect.ConfigError
	if errors.As(err, &ce) {
		errs = append(errs, ce.Errors...)
	} else if err != nil {
		bad(ConnectorClassConfig, err.Error())
	}
	out.clients = clients

	errs = append(errs, w.pluginVersionErrors(info, raw)...)

	if build {
		plugins, err := w.newTaskPlugins(cfg, raw)
		if err != nil {
			errs = append(errs, pluginErrors(err)...)
		} else if err := plugins.close(); err != nil {
			// Not the configuration's fault: it is accepted all the same.
			w.opts.log.Warn("closing the converters and transforms built to check a configuration", "connector", name, "err", err)
		}
	}
	return out, errs
}

// createError is the error creating a connector returns for errs: each
// key's message once. A problem of two keys is on both, once per key, as
// Kafka Connect lists it (and counts it in validate's error_count).
func createError(errs []*connect.ConfigKeyError) error {
	e := &connect.ConfigError{}
	type keyMessage struct{ key, msg string }
	seen := map[keyMessage]bool{}
	for _, ke := range errs {
		if km := (keyMessage{ke.Key, ke.Message}); !seen[km] {
			seen[km] = true
			e.Errors = append(e.Errors, ke)
		}
	}
	return e
}

// joined returns the errors err joins (errors.Join), or err alone.
func joined(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// keyErrors returns the per-key errors err holds (each a joined
// *connect.ConfigKeyError), any other on fallback.
func keyErrors(err error, fallback string) []*connect.ConfigKeyError {
	var out []*connect.ConfigKeyError
	for _, e := range joined(err) {
		var ke *connect.ConfigKeyError
		if errors.As(e, &ke) {
			out = append(out, ke)
			continue
		}
		out = append(out, &connect.ConfigKeyError{Key: fallback, Message: e.Error()})
	}
	return out
}

// pluginErrors places the error of building a configuration's converters
// and transform chain (newTaskPlugins) on the keys it concerns: a
// converter's on the key of its own it names, below its prefix, else on
// its class key (key.converter, value.converter, header.converter); a
// transformation's or predicate's on the alias's key
// the plugin names, else on its type key. Every such error begins with
// what it concerns ("value.converter: ...", "transforms.route: ...").
func pluginErrors(err error) []*connect.ConfigKeyError {
	var out []*connect.ConfigKeyError
	for _, e := range joined(err) {
		msg := e.Error()
		where, rest, _ := strings.Cut(msg, ": ")
		var ce *connect.ConfigError
		switch {
		case where == KeyConverterConfig || where == ValueConverterConfig || where == HeaderConverterConfig:
			if errors.As(e, &ce) && len(ce.Errors) > 0 {
				// The converter's own keys, below its prefix (Kafka's
				// prefixedConfigInfos).
				for _, ke := range ce.Errors {
					out = append(out, &connect.ConfigKeyError{Key: where + "." + ke.Key, Message: where + ": " + ke.Message})
				}
				continue
			}
			out = append(out, &connect.ConfigKeyError{Key: where, Message: msg})
			continue
		case !strings.HasPrefix(where, transform.TransformsConfig+".") && !strings.HasPrefix(where, transform.PredicatesConfig+"."):
			// The lists themselves (transforms, predicates), whose parse
			// errors name their keys.
			out = append(out, keyErrors(e, transform.TransformsConfig)...)
			continue
		}
		if errors.As(e, &ce) && len(ce.Errors) > 0 {
			for _, ke := range ce.Errors {
				key := ke.Key
				if !strings.HasPrefix(key, where+".") {
					key = where + "." + key
				}
				out = append(out, &connect.ConfigKeyError{Key: key, Message: where + ": " + ke.Message})
			}
			continue
		}
		key := where + ".type"
		if sub, _, ok := strings.Cut(rest, ": "); ok && sub == "predicate" {
			key = where + "." + sub
		}
		out = append(out, &connect.ConfigKeyError{Key: key, Message: msg})
	}
	return out
}
