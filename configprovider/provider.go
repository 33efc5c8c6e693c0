// Package configprovider is Kafka's config providers (KIP-297, KIP-421):
// a configuration value may hold references such as
//
//	${file:/secrets/db.properties:password}
//	${env:DB_PASSWORD}
//	${dir:/run/secrets:db-password}
//
// which a [Resolver] replaces by what the named [Provider] returns, so that
// secrets are kept out of the configuration itself. The providers are
// Kafka's FileConfigProvider ([File], a Java properties file),
// DirectoryConfigProvider ([Dir], one file per key, as Kubernetes mounts
// secrets) and EnvVarConfigProvider ([Env], KIP-887), with Kafka's
// allowed.paths (KIP-993) and allowlist.pattern. [FromConfig] builds a
// Resolver from a Kafka worker's config.providers keys.
//
// Resolved values are secrets: no error of this package contains one.
package configprovider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// A Provider looks up configuration values, as Kafka's ConfigProvider.
// Implementations must be safe for concurrent use. A Provider that holds
// resources implements io.Closer; [Resolver.Close] closes it.
type Provider interface {
	// Get returns the values of keys at path, or with no keys every value
	// at path. A key that path does not hold is absent from the map, not an
	// error. An error says that path could not be read; it may name path
	// and keys, never a value.
	Get(ctx context.Context, path string, keys ...string) (map[string]string, error)
}

// ErrNotFound is the cause of an [Unresolved] reference whose provider has
// no such key at its path.
var ErrNotFound = errors.New("configprovider: no such key")

// allowedPaths is KIP-993's allowed.paths: when set, the directories and
// files a provider may read, as Kafka's AllowedPaths.
type allowedPaths []string

// newAllowedPaths checks paths as Kafka does: each, cleaned, must be
// absolute and exist. None means that every path is allowed.
func newAllowedPaths(paths []string) (allowedPaths, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	out := make(allowedPaths, len(paths))
	for i, p := range paths {
		clean := filepath.Clean(p)
		if p == "" || !filepath.IsAbs(clean) {
			return nil, fmt.Errorf("configprovider: allowed path %q is not absolute", p)
		}
		if _, err := os.Stat(clean); err != nil {
			return nil, fmt.Errorf("configprovider: allowed path %q: %w", p, err)
		}
		out[i] = clean
	}
	return out, nil
}

// check returns the path to read for path, cleaned when paths are
// restricted (as Kafka's parseUntrustedPath normalises it), or an error
// when path is outside every allowed path. Like Kafka, it compares paths
// as written: a symbolic link inside an allowed directory is followed.
func (a allowedPaths) check(path string) (string, error) {
	if a == nil {
		return path, nil
	}
	clean := filepath.Clean(path)
	for _, dir := range a {
		if clean == dir || strings.HasPrefix(clean, strings.TrimSuffix(dir, string(filepath.Separator))+string(filepath.Separator)) {
			return clean, nil
		}
	}
	return "", fmt.Errorf("configprovider: path %q is not in allowed.paths", path)
}

// wanted returns keys as a set, or nil for every key.
func wanted(keys []string) map[string]bool {
	if len(keys) == 0 {
		return nil
	}
	set := make(map[string]bool, len(keys))
	for _, k := range keys {
		set[k] = true
	}
	return set
}
