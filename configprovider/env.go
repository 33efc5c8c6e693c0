package configprovider

import (
	"context"
	"fmt"
	"maps"
	"os"
	"strings"

	"github.com/kconnect-go/kconnect/internal/javaregex"
)

// Env returns Kafka's EnvVarConfigProvider (KIP-887): a reference's key is
// the name of an environment variable, ${env:DB_PASSWORD}, and it takes no
// path. The environment is read once, when Env is called, as Kafka reads
// it when the provider is created.
//
// allowlist is a Java regular expression that a variable's whole name must
// match to be seen (Kafka's allowlist.pattern); ".*", Kafka's default,
// allows every variable. An expression Go cannot run (lookaround,
// backreferences) is an error.
//
// Get fails when given a path, as Kafka's does.
func Env(allowlist string) (Provider, error) {
	re, err := javaregex.CompileWhole(allowlist)
	if err != nil {
		return nil, fmt.Errorf("configprovider: env: allowlist pattern: %w", err)
	}
	vars := make(map[string]string)
	for _, kv := range os.Environ() {
		name, value, ok := strings.Cut(kv, "=")
		if ok && re.MatchString(name) {
			vars[name] = value
		}
	}
	return envProvider{vars: vars}, nil
}

type envProvider struct{ vars map[string]string }

func (p envProvider) Get(_ context.Context, path string, keys ...string) (map[string]string, error) {
	if path != "" {
		return nil, fmt.Errorf("configprovider: env: path %q: environment variables have no path; a reference is ${provider:NAME}", path)
	}
	if len(keys) == 0 {
		return maps.Clone(p.vars), nil
	}
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		if v, ok := p.vars[k]; ok {
			out[k] = v
		}
	}
	return out, nil
}
