package configprovider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Dir returns Kafka's DirectoryConfigProvider: the path of a reference
// names a directory, and each of its regular files (or symbolic links to
// one, as Kubernetes mounts secrets) is a key whose value is the file's
// content, read on every Get. So ${dir:/run/secrets:db-password} is the
// content of /run/secrets/db-password, trailing newline included, as in
// Kafka. Other entries (directories, broken links) are ignored.
//
// allowedPaths is KIP-993's allowed.paths, as for [File].
//
// Get fails when path is empty, outside allowedPaths, not a directory, or
// a wanted file cannot be read; the error names the path.
func Dir(allowedPaths ...string) (Provider, error) {
	a, err := newAllowedPaths(allowedPaths)
	if err != nil {
		return nil, err
	}
	return dirProvider{allowed: a}, nil
}

type dirProvider struct{ allowed allowedPaths }

func (p dirProvider) Get(ctx context.Context, path string, keys ...string) (map[string]string, error) {
	if path == "" {
		return nil, errors.New("configprovider: dir: no path: a reference to a directory is ${provider:path:key}")
	}
	dir, err := p.allowed.check(path)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("configprovider: dir: %w", err)
	}
	want := wanted(keys)
	out := make(map[string]string)
	for _, e := range entries {
		name := e.Name()
		if want != nil && !want[name] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		file := filepath.Join(dir, name)
		// Stat follows links, as Java's Files.isRegularFile does.
		if fi, err := os.Stat(file); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("configprovider: dir: %w", err)
		}
		// Java decodes the file as UTF-8, replacing what is malformed.
		out[name] = strings.ToValidUTF8(string(data), "\uFFFD")
	}
	return out, nil
}
