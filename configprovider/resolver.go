package configprovider

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// referencePattern is Kafka's ConfigTransformer.DEFAULT_PATTERN. Go's
// regexp picks the same submatches as Java's backtracking matcher for it
// (leftmost-first, lazy groups), and [^}] matches newlines in both.
var referencePattern = regexp.MustCompile(`\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}`)

// A Reference is one ${provider:path:key} or ${provider:key} in a
// configuration value. The provider name never contains a colon and the
// path neither: ${a:b:c:d} is provider a, path b, key c:d.
type Reference struct {
	Provider string
	Path     string // "" when the reference has none
	Key      string
}

// String returns the reference as written in a configuration value, the
// path left out when empty unless the key holds a colon.
func (r Reference) String() string {
	if r.Path == "" && !strings.Contains(r.Key, ":") {
		return "${" + r.Provider + ":" + r.Key + "}"
	}
	return "${" + r.Provider + ":" + r.Path + ":" + r.Key + "}"
}

// References returns the references in value, in order, as Kafka's
// ConfigTransformer finds them, whether or not a provider of that name
// exists.
func References(value string) []Reference {
	var out []Reference
	for _, m := range referencePattern.FindAllStringSubmatchIndex(value, -1) {
		out = append(out, reference(value, m))
	}
	return out
}

// reference is the Reference of match m in value.
func reference(value string, m []int) Reference {
	r := Reference{Provider: value[m[2]:m[3]], Key: value[m[8]:m[9]]}
	if m[6] >= 0 {
		r.Path = value[m[6]:m[7]]
	}
	return r
}

// A Resolver replaces references in configurations by what its providers
// return, as Kafka's ConfigTransformer. It is safe for concurrent use if
// its providers are.
type Resolver struct {
	providers map[string]Provider
}

// NewResolver returns a Resolver whose providers are known by the names
// given, the provider part of a reference.
func NewResolver(providers map[string]Provider) *Resolver {
	return &Resolver{providers: maps.Clone(providers)}
}

// Resolved is a configuration whose references were resolved.
type Resolved struct {
	// Config is the configuration, each reference that could be resolved
	// replaced by its value.
	Config map[string]string
	// redactor replaces the values put in by their references, longest
	// first; nil when none was.
	redactor *strings.Replacer
}

type substitution struct{ value, ref string }

// Redact returns s with every value that resolving put into the
// configuration replaced by the reference it came from, so that a message
// about the resolved configuration (say, a validation error quoting a
// value) reveals no secret. A value also found in s by chance, such as a
// short number, is replaced all the same.
func (r Resolved) Redact(s string) string {
	if r.redactor == nil {
		return s
	}
	return r.redactor.Replace(s)
}

// Resolve returns config with its references replaced, as Kafka's
// ConfigTransformer.transform: each provider is asked once per path for
// all the keys referenced there, a value put in is not searched for
// references again, and a reference to a provider the Resolver does not
// know is left as it is (${ may belong to the value). A reference that
// cannot be resolved, because its provider failed for its path or has no
// such key there, is left as it is too and reported: the error is then a
// *ResolveError listing each, and Resolved is returned all the same. An
// error names configuration keys, references and what the providers said,
// never a value. config is not modified.
func (r *Resolver) Resolve(ctx context.Context, config map[string]string) (Resolved, error) {
	type at struct{ provider, path string }
	wantedKeys := make(map[at]map[string]bool)
	for _, v := range config {
		for _, ref := range References(v) {
			if r == nil || r.providers[ref.Provider] == nil {
				continue
			}
			k := at{ref.Provider, ref.Path}
			if wantedKeys[k] == nil {
				wantedKeys[k] = make(map[string]bool)
			}
			wantedKeys[k][ref.Key] = true
		}
	}
	type lookup struct {
		values map[string]string
		err    error
	}
	lookups := make(map[at]lookup, len(wantedKeys))
	// In a fixed order, so that a failing provider fails the same way.
	for _, k := range slices.SortedFunc(maps.Keys(wantedKeys), func(a, b at) int {
		return cmp.Or(strings.Compare(a.provider, b.provider), strings.Compare(a.path, b.path))
	}) {
		if err := ctx.Err(); err != nil {
			lookups[k] = lookup{err: err}
			continue
		}
		values, err := r.providers[k.provider].Get(ctx, k.path, slices.Sorted(maps.Keys(wantedKeys[k]))...)
		lookups[k] = lookup{values, err}
	}

	out := Resolved{Config: make(map[string]string, len(config))}
	var unresolved []Unresolved
	var subs []substitution
	seen := make(map[string]bool)
	for key, v := range config {
		matches := referencePattern.FindAllStringSubmatchIndex(v, -1)
		if matches == nil {
			out.Config[key] = v
			continue
		}
		var b strings.Builder
		last := 0
		for _, m := range matches {
			ref := reference(v, m)
			l, known := lookups[at{ref.Provider, ref.Path}]
			if !known {
				continue
			}
			b.WriteString(v[last:m[0]])
			last = m[1]
			value, found := l.values[ref.Key]
			switch {
			case l.err != nil:
				unresolved = append(unresolved, Unresolved{ConfigKey: key, Ref: ref, Err: l.err})
			case !found:
				unresolved = append(unresolved, Unresolved{ConfigKey: key, Ref: ref, Err: ErrNotFound})
			default:
				b.WriteString(value)
				if s := ref.String(); value != "" && !seen[value] {
					seen[value] = true
					subs = append(subs, substitution{value, s})
				}
				continue
			}
			b.WriteString(v[m[0]:m[1]])
		}
		b.WriteString(v[last:])
		out.Config[key] = b.String()
	}
	if subs != nil {
		// The replacer tries its pairs in order where several match, so
		// the longest value wins, and it never looks again at what it put.
		slices.SortFunc(subs, func(a, b substitution) int {
			return cmp.Or(len(b.value)-len(a.value), strings.Compare(a.value, b.value))
		})
		pairs := make([]string, 0, 2*len(subs))
		for _, sub := range subs {
			pairs = append(pairs, sub.value, sub.ref)
		}
		out.redactor = strings.NewReplacer(pairs...)
	}
	if unresolved == nil {
		return out, nil
	}
	slices.SortFunc(unresolved, func(a, b Unresolved) int {
		return cmp.Or(strings.Compare(a.ConfigKey, b.ConfigKey), strings.Compare(a.Ref.String(), b.Ref.String()))
	})
	// A reference repeated in one value is reported once.
	unresolved = slices.CompactFunc(unresolved, func(a, b Unresolved) bool { return a.ConfigKey == b.ConfigKey && a.Ref == b.Ref })
	return out, &ResolveError{Unresolved: unresolved}
}

// Close closes every provider that implements io.Closer, and returns their
// errors joined.
func (r *Resolver) Close() error {
	if r == nil {
		return nil
	}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(r.providers)) {
		if c, ok := r.providers[name].(io.Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, fmt.Errorf("configprovider: closing provider %s: %w", name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// Unresolved is a reference [Resolver.Resolve] could not resolve.
type Unresolved struct {
	ConfigKey string    // the configuration key whose value holds Ref
	Ref       Reference // the reference, left as it is in the value
	// Err says why: ErrNotFound when the provider has no such key at the
	// path, else the provider's error for the path.
	Err error
}

// Error names the configuration key, the reference and the cause.
func (u Unresolved) Error() string {
	return fmt.Sprintf("config key %s: %s: %v", u.ConfigKey, u.Ref, u.Err)
}

// Unwrap returns u.Err.
func (u Unresolved) Unwrap() error { return u.Err }

// ResolveError is the error of [Resolver.Resolve] when references could
// not be resolved.
type ResolveError struct {
	// Unresolved lists them, by configuration key, then reference; never
	// empty.
	Unresolved []Unresolved
}

// Error lists every unresolved reference.
func (e *ResolveError) Error() string {
	msgs := make([]string, len(e.Unresolved))
	for i, u := range e.Unresolved {
		msgs[i] = u.Error()
	}
	return "configprovider: cannot resolve " + strings.Join(msgs, "; ")
}

// Unwrap returns the unresolved references, for errors.Is and errors.As.
func (e *ResolveError) Unwrap() []error {
	out := make([]error, len(e.Unresolved))
	for i, u := range e.Unresolved {
		out[i] = u
	}
	return out
}
