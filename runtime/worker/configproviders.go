package worker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/kconnect-go/kconnect/configprovider"
	"github.com/kconnect-go/kconnect/connect"
)

// ConfigProviders makes the worker resolve references such as
// ${file:/secrets/db.properties:password} in connector configurations
// with r, as a Kafka Connect worker does with its config.providers
// (configprovider.FromConfig builds r from those keys). A configuration is
// resolved when it is created, replaced or validated, before anything
// checks or sees it: the connector, its converters and transforms, its
// client overrides and its tasks get the values. The worker keeps the
// configuration as given and shows only that: ConnectorConfig and
// ConnectorInfo return the references, and TaskConfigs shows a task
// config's key in its given form wherever the connector's own value of
// that key held a reference, as Kafka Connect does. A reference that
// cannot be resolved (its file missing, no such key, a path outside
// allowed.paths) makes the configuration invalid, naming the key and the
// reference, never a value; so does a validation error, whose message
// shows the reference where the value would be. A reference to a provider
// r does not know is left as it is, as in Kafka.
//
// References are resolved again only when the configuration is put again:
// a changed secret reaches a connector by updating it. The worker does not
// close r.
func ConfigProviders(r *configprovider.Resolver) Opt { return func(o *options) { o.resolver = r } }

// resolve resolves the references in a connector's configuration, as
// configprovider.Resolver.Resolve. Without config providers the
// configuration is its own resolution.
func (w *engine) resolve(ctx context.Context, config map[string]string) (configprovider.Resolved, error) {
	if w.opts.resolver == nil {
		return configprovider.Resolved{Config: config}, nil
	}
	return w.opts.resolver.Resolve(ctx, config)
}

// redacted is an error about a resolved configuration whose message shows
// references where it held resolved values. It wraps the original error
// for errors.Is, whose messages a caller reaching them with errors.As must
// not show (but a *connect.ConfigError's are redacted too).
type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }

// redact returns err with res's values replaced by their references, or
// err itself when its message held none.
func redact(res configprovider.Resolved, err error) error {
	if err == nil {
		return nil
	}
	var ce *connect.ConfigError
	if errors.As(err, &ce) {
		// Made by this configuration's Parse: no one else holds it.
		for _, ke := range ce.Errors {
			ke.Message = res.Redact(ke.Message)
		}
	}
	msg := err.Error()
	if r := res.Redact(msg); r != msg {
		return &redacted{msg: r, err: err}
	}
	return err
}

// hasReference reports whether a configuration value holds a config
// provider reference, whether or not its provider exists, as Kafka
// Connect's AbstractHerder.keysWithVariableValues finds them.
func hasReference(v string) bool { return len(configprovider.References(v)) > 0 }

// reverseTransform returns a task config as it is shown, as Kafka
// Connect's AbstractHerder.reverseTransform: each of its keys whose value
// in the connector's configuration as given (raw) held a reference has that
// given value, so that a connector passing a resolved secret on to its
// tasks does not reveal it.
func reverseTransform(raw, taskConfig map[string]string) map[string]string {
	out := maps.Clone(taskConfig)
	for k, v := range raw {
		if _, ok := out[k]; ok && hasReference(v) {
			out[k] = v
		}
	}
	return out
}

// redactInfos keeps the resolved values out of a validation response: an
// entry of a key whose given value held a reference shows the given value
// (unless hidden as a password) and its messages show references where
// they quoted resolved values; an entry of a key with a reference that
// could not be resolved has that as its error instead of what validating
// the reference itself as a value said.
func redactInfos(infos *connect.ConfigInfos, given map[string]string, res configprovider.Resolved, unresolved map[string][]string) {
	seen := make(map[string]bool)
	for _, ci := range infos.Configs {
		v := ci.Value
		if v == nil || !hasReference(given[v.Name]) {
			continue
		}
		seen[v.Name] = true
		if v.Value != nil && *v.Value != connect.PasswordHidden {
			s := given[v.Name]
			v.Value = &s
		}
		for i, m := range v.RecommendedValues {
			v.RecommendedValues[i] = res.Redact(m)
		}
		for i, m := range v.Errors {
			v.Errors[i] = res.Redact(m)
		}
		msgs, ok := unresolved[v.Name]
		switch {
		case !ok:
		case ci.Definition != nil:
			// What the reference itself, taken as a value, was found to be
			// does not matter.
			infos.ErrorCount += len(msgs) - len(v.Errors)
			v.Errors = msgs
		default: // an unknown key: its entry's own message stays
			infos.ErrorCount += len(msgs)
			v.Errors = append(msgs, v.Errors...)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(unresolved)) {
		if seen[key] {
			continue
		}
		s := given[key]
		infos.Configs = append(infos.Configs, connect.ConfigInfo{Value: &connect.ConfigValueInfo{
			Name: key, Value: &s, RecommendedValues: []string{}, Errors: unresolved[key], Visible: true,
		}})
		infos.ErrorCount += len(unresolved[key])
	}
}

// unresolvedByKey returns, for each configuration key, the messages of its
// references that err, from Resolve, says could not be resolved.
func unresolvedByKey(err error) map[string][]string {
	var re *configprovider.ResolveError
	if !errors.As(err, &re) {
		return nil
	}
	out := make(map[string][]string)
	for _, u := range re.Unresolved {
		out[u.ConfigKey] = append(out[u.ConfigKey], fmt.Sprintf("Could not resolve %s: %v", u.Ref, u.Err))
	}
	return out
}
