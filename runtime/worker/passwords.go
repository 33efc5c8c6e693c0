package worker

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/transform"
)

// Passwords never leave the herder in clear. A connector configuration is
// stored as given, and every read of it (GET config, a connector's info,
// its task configs) shows the value of each password key as
// connect.PasswordHidden, unless the value is a config provider reference
// ("${provider:path:key}"), which holds no secret and is shown as given.
// Kafka Connect returns passwords in clear from these calls; kconnect does
// not, so that a REST client, a log of its answers or a UI never holds
// them. For GET-modify-PUT to work, a put that gives PasswordHidden for a
// password key keeps the value the connector had (restorePasswords).
//
// A password key is one whose definition says PASSWORD: in the connector
// plugin's ConfigDef, in the ConfigDef of the converter in use below its
// prefix (key.converter., value.converter., header.converter.), of each
// listed transformation or predicate below its alias's prefix, or one of
// the Kafka client's password properties below a client override prefix.
//
// The functions here work on a configuration alone, and on the engine's
// plugins, so that any herder (the standalone one, a distributed one) reads
// through the same mask.

// clientPasswordProps are the Kafka client properties of type PASSWORD,
// which a connector may set under a client override prefix.
var clientPasswordProps = []string{
	"sasl.jaas.config",
	"ssl.key.password",
	"ssl.keystore.password",
	"ssl.keystore.key",
	"ssl.keystore.certificate.chain",
	"ssl.truststore.password",
	"ssl.truststore.certificates",
}

// pluginInfoOf returns the connector plugin config's connector.class
// names; the zero PluginInfo when it names none.
func (w *engine) pluginInfoOf(config map[string]string) connect.PluginInfo {
	class := strings.TrimSpace(config[ConnectorClassConfig])
	if class == "" {
		return connect.PluginInfo{}
	}
	p, err := w.connectorPlugin(class)
	if err != nil {
		return connect.PluginInfo{}
	}
	return p.Info()
}

// passwordKeys returns the keys of config, a configuration of a connector
// of plugin info or of one of its tasks, that hold passwords, sorted.
func (w *engine) passwordKeys(info connect.PluginInfo, config map[string]string) []string {
	c := w.newKeyChecker(info, config)
	var out []string
	for key := range config {
		if c.isPassword(key) {
			out = append(out, key)
		}
	}
	slices.Sort(out)
	return out
}

// isPassword reports whether key, a key of the checker's configuration,
// is a password key.
func (c *keyChecker) isPassword(key string) bool {
	if isPasswordIn(c.connector.Config, key) {
		return true
	}
	for _, p := range overridePrefixes {
		if sub, ok := strings.CutPrefix(key, p); ok {
			return slices.Contains(clientPasswordProps, sub)
		}
	}
	for _, conv := range []string{KeyConverterConfig, ValueConverterConfig, HeaderConverterConfig} {
		if sub, ok := strings.CutPrefix(key, conv+"."); ok {
			p, err := c.converter(conv)
			return err == nil && isPasswordIn(p.Info().Config, sub)
		}
	}
	for _, l := range []struct {
		listKey string
		kind    connect.PluginKind
	}{{transform.TransformsConfig, connect.TransformationPlugin}, {transform.PredicatesConfig, connect.PredicatePlugin}} {
		rest, ok := strings.CutPrefix(key, l.listKey+".")
		if !ok {
			continue
		}
		for _, alias := range c.aliases[l.listKey] {
			sub, ok := strings.CutPrefix(rest, alias+".")
			if !ok {
				continue
			}
			p, err := c.w.plugins.Find(l.kind, strings.TrimSpace(c.raw[l.listKey+"."+alias+".type"]))
			if err == nil && isPasswordIn(p.Info().Config, sub) {
				return true
			}
		}
	}
	return false
}

func isPasswordIn(def *connect.ConfigDef, key string) bool {
	k, ok := def.Key(key)
	return ok && k.Type == connect.ConfigPassword
}

// isReference reports whether a value is, or holds, a config provider
// reference, which is shown as given.
func isReference(v string) bool { return strings.Contains(v, "${") }

// hidePasswords returns a copy of config, a connector configuration as
// stored, with the value of each password key replaced by
// connect.PasswordHidden, but for config provider references. This is the
// one mask every read of a connector configuration goes through.
func (w *engine) hidePasswords(config map[string]string) map[string]string {
	return w.hideTaskPasswords(w.pluginInfoOf(config), config, nil)
}

// hideTaskPasswords returns a copy of config, a configuration of a
// connector of plugin info or of one of its tasks, with the value of each
// password key hidden as hidePasswords hides it, and any other value that
// is one of secrets (the connector's, which a connector may hand its tasks
// under keys of its own) hidden too.
func (w *engine) hideTaskPasswords(info connect.PluginInfo, config map[string]string, secrets []string) map[string]string {
	out := maps.Clone(config)
	for _, k := range w.passwordKeys(info, config) {
		if !isReference(out[k]) {
			out[k] = connect.PasswordHidden
		}
	}
	for k, v := range out {
		if slices.Contains(secrets, v) {
			out[k] = connect.PasswordHidden
		}
	}
	return out
}

// restorePasswords returns config, a configuration being put for a
// connector whose stored configuration is old (nil for a new connector),
// with each password key given as connect.PasswordHidden set to the value
// old has for it, so that a configuration read back masked can be put
// again unchanged. A password key given as connect.PasswordHidden that old
// has no value for is an error naming it: the caller means to keep a
// secret the connector does not have, and storing the mask itself as the
// password would only fail later, at the system the connector talks to.
func (w *engine) restorePasswords(config, old map[string]string) (map[string]string, []*connect.ConfigKeyError) {
	var errs []*connect.ConfigKeyError
	var out map[string]string
	for _, k := range w.passwordKeys(w.pluginInfoOf(config), config) {
		if config[k] != connect.PasswordHidden {
			continue
		}
		if out == nil {
			out = maps.Clone(config)
		}
		prev, ok := old[k]
		if !ok {
			errs = append(errs, &connect.ConfigKeyError{Key: k, Message: fmt.Sprintf(
				"Invalid value %s for configuration %s: the password is given as %s, which keeps the value it had, but the connector has none",
				connect.PasswordHidden, k, connect.PasswordHidden)})
			continue
		}
		out[k] = prev
	}
	if out == nil {
		return config, errs
	}
	return out, errs
}

// secrets returns the values of config's password keys that are secrets
// (not config provider references), to scrub from messages.
func (w *engine) secrets(config map[string]string) []string {
	var out []string
	for _, k := range w.passwordKeys(w.pluginInfoOf(config), config) {
		if v := config[k]; v != "" && v != connect.PasswordHidden && !isReference(v) {
			out = append(out, v)
		}
	}
	// Longest first, so that a secret containing another is hidden whole.
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// scrub returns s with every secret in it replaced by
// connect.PasswordHidden, so that an error a connector, task or plugin
// built from its configuration (echoing it, say) does not show a password
// in a status trace, an error or a log line.
func scrub(s string, secrets []string) string {
	for _, v := range secrets {
		s = strings.ReplaceAll(s, v, connect.PasswordHidden)
	}
	return s
}

// scrubbedError is an error whose message has its secrets hidden; it
// still wraps the error it hides them from, for errors.Is and errors.As.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrubError returns err with the secrets hidden from its message; nil for
// nil, and err itself when its message holds none of them.
func scrubError(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if s := scrub(msg, secrets); s != msg {
		return &scrubbedError{msg: s, err: err}
	}
	return err
}

// scrubHandler is a log handler that hides secrets from the message and
// every attribute of the records it passes on: a connector's logger (and
// so its tasks', and the one each gets through its context) has one, so
// that a line logging an error or a configuration that holds a password
// shows [hidden] in its place.
type scrubHandler struct {
	h       slog.Handler
	secrets []string
}

// scrubbingLogger returns log, whose lines hide secrets; log itself when
// there are none.
func scrubbingLogger(log *slog.Logger, secrets []string) *slog.Logger {
	if len(secrets) == 0 {
		return log
	}
	return slog.New(scrubHandler{h: log.Handler(), secrets: secrets})
}

func (s scrubHandler) Enabled(ctx context.Context, l slog.Level) bool { return s.h.Enabled(ctx, l) }

func (s scrubHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, scrub(r.Message, s.secrets), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(s.attr(a))
		return true
	})
	return s.h.Handle(ctx, out)
}

func (s scrubHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = s.attr(a)
	}
	return scrubHandler{h: s.h.WithAttrs(out), secrets: s.secrets}
}

func (s scrubHandler) WithGroup(name string) slog.Handler {
	return scrubHandler{h: s.h.WithGroup(name), secrets: s.secrets}
}

// attr returns a with its secrets hidden. A value that is not a string
// (an error, a map) is replaced by its hidden text only when its text
// holds a secret, so that other values keep their type.
func (s scrubHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(scrub(v.String(), s.secrets))
	case slog.KindGroup:
		group := v.Group()
		out := make([]slog.Attr, len(group))
		for i, g := range group {
			out[i] = s.attr(g)
		}
		a.Value = slog.GroupValue(out...)
	case slog.KindAny:
		text := fmt.Sprint(v.Any())
		if hidden := scrub(text, s.secrets); hidden != text {
			a.Value = slog.StringValue(hidden)
		} else {
			a.Value = v
		}
	default:
		a.Value = v
	}
	return a
}
