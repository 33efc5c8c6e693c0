package configprovider

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestFileReadsJavaProperties(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, filepath.Join(dir, "db.properties"), "# a comment\n"+
		"! another\n"+
		"user = alice\n"+
		"password:s3cr\\\n    et\n"+ // a continued line
		"url=jdbc:postgresql://db/${NOT_EXPANDED}\n"+
		"unicode=caf\\u00e9\n"+
		"tab\\ key=a\\tb\n"+
		"empty\n"+
		"user=bob\n") // the last value wins, as in Java
	p, err := File()
	require.NoError(t, err)
	got, err := p.Get(t.Context(), path)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"user": "bob", "password": "s3cret", "url": "jdbc:postgresql://db/${NOT_EXPANDED}",
		"unicode": "café", "tab key": "a\tb", "empty": "",
	}, got)

	got, err = p.Get(t.Context(), path, "password", "missing")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"password": "s3cret"}, got)

	// Line ends of Windows and old Macs, and a last line continued into
	// the end of the file, read as Java reads them.
	crlf := writeFile(t, filepath.Join(dir, "crlf.properties"), "a=x\\\r\n  y\r\nb=1\rc=z\\")
	got, err = p.Get(t.Context(), crlf)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "xy", "b": "1", "c": "z"}, got)
}

func TestFileErrorsNameTheFileNotItsContent(t *testing.T) {
	dir := t.TempDir()
	p, err := File()
	require.NoError(t, err)

	_, err = p.Get(t.Context(), filepath.Join(dir, "missing.properties"), "k")
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), "missing.properties")

	bad := writeFile(t, filepath.Join(dir, "bad.properties"), "ok=1\nsecret=hunter2\\u12G4\n")
	_, err = p.Get(t.Context(), bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad.properties")
	assert.Contains(t, err.Error(), "line 2")
	assert.NotContains(t, err.Error(), "hunter2")

	latin1 := writeFile(t, filepath.Join(dir, "latin1.properties"), "secret=caf\xe9\n")
	_, err = p.Get(t.Context(), latin1)
	require.ErrorContains(t, err, "not valid UTF-8")
	assert.NotContains(t, err.Error(), "caf")

	_, err = p.Get(t.Context(), "", "k")
	require.ErrorContains(t, err, "no path")
}

func TestAllowedPaths(t *testing.T) {
	root := t.TempDir()
	allowed := filepath.Join(root, "allowed")
	inside := writeFile(t, filepath.Join(allowed, "a.properties"), "k=in\n")
	sibling := writeFile(t, filepath.Join(root, "allowedx", "a.properties"), "k=sibling\n")
	outside := writeFile(t, filepath.Join(root, "outside.properties"), "k=out\n")
	file := writeFile(t, filepath.Join(root, "one.properties"), "k=one\n")

	p, err := File(allowed, file)
	require.NoError(t, err)
	for _, path := range []string{inside, filepath.Join(allowed, "sub", "..", "a.properties"), file} {
		got, err := p.Get(t.Context(), path, "k")
		require.NoError(t, err, path)
		assert.NotEmpty(t, got["k"], path)
	}
	// A path is compared by its elements: allowedx is not inside allowed,
	// and .. is cleaned before comparing, as Kafka normalises it.
	for _, path := range []string{sibling, outside, filepath.Join(allowed, "..", "outside.properties"), "relative/a.properties"} {
		_, err := p.Get(t.Context(), path, "k")
		require.ErrorContains(t, err, "not in allowed.paths", path)
	}

	_, err = File("relative/dir")
	require.ErrorContains(t, err, "not absolute")
	_, err = File("")
	require.ErrorContains(t, err, "not absolute")
	_, err = Dir(filepath.Join(root, "nope"))
	require.ErrorIs(t, err, os.ErrNotExist)

	everything, err := File(string(filepath.Separator))
	require.NoError(t, err)
	_, err = everything.Get(t.Context(), outside, "k")
	require.NoError(t, err)
}

func TestDirReadsOneFilePerKey(t *testing.T) {
	// Laid out as Kubernetes mounts a secret: each key a link into a
	// timestamped directory, ..data a link to that directory.
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "..2026_12_07", "db-password"), "hunter2\n")
	writeFile(t, filepath.Join(dir, "..2026_12_07", "db-user"), "alice")
	require.NoError(t, os.Symlink("..2026_12_07", filepath.Join(dir, "..data")))
	require.NoError(t, os.Symlink(filepath.Join("..data", "db-password"), filepath.Join(dir, "db-password")))
	require.NoError(t, os.Symlink(filepath.Join("..data", "db-user"), filepath.Join(dir, "db-user")))
	require.NoError(t, os.Symlink("gone", filepath.Join(dir, "broken")))
	writeFile(t, filepath.Join(dir, "latin1"), "caf\xe9")

	p, err := Dir()
	require.NoError(t, err)
	got, err := p.Get(t.Context(), dir)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"db-password": "hunter2\n", "db-user": "alice", "latin1": "caf\uFFFD"}, got)

	got, err = p.Get(t.Context(), dir, "db-user", "..data", "../etc/passwd", "missing")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"db-user": "alice"}, got)

	_, err = p.Get(t.Context(), filepath.Join(dir, "latin1"), "k")
	require.ErrorContains(t, err, "latin1")
	_, err = p.Get(t.Context(), "")
	require.ErrorContains(t, err, "no path")

	restricted, err := Dir(filepath.Join(dir, "..2026_12_07"))
	require.NoError(t, err)
	_, err = restricted.Get(t.Context(), dir, "db-user")
	require.ErrorContains(t, err, "not in allowed.paths")
	got, err = restricted.Get(t.Context(), filepath.Join(dir, "..2026_12_07"), "db-user")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"db-user": "alice"}, got)
}

func TestEnvAllowlist(t *testing.T) {
	t.Setenv("KCONNECT_TEST_DB_PASSWORD", "hunter2")
	t.Setenv("KCONNECT_TEST_OTHER", "x=y")

	all, err := Env(".*")
	require.NoError(t, err)
	got, err := all.Get(t.Context(), "", "KCONNECT_TEST_DB_PASSWORD", "KCONNECT_TEST_OTHER", "KCONNECT_TEST_MISSING")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"KCONNECT_TEST_DB_PASSWORD": "hunter2", "KCONNECT_TEST_OTHER": "x=y"}, got)

	// The pattern matches the whole name, as Java's Matcher.matches.
	some, err := Env("KCONNECT_TEST_DB_.*")
	require.NoError(t, err)
	got, err = some.Get(t.Context(), "")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"KCONNECT_TEST_DB_PASSWORD": "hunter2"}, got)
	none, err := Env("DB_")
	require.NoError(t, err)
	got, err = none.Get(t.Context(), "", "KCONNECT_TEST_DB_PASSWORD")
	require.NoError(t, err)
	assert.Empty(t, got)

	// The environment is read when the provider is made.
	t.Setenv("KCONNECT_TEST_DB_PASSWORD", "changed")
	got, err = some.Get(t.Context(), "", "KCONNECT_TEST_DB_PASSWORD")
	require.NoError(t, err)
	assert.Equal(t, "hunter2", got["KCONNECT_TEST_DB_PASSWORD"])

	_, err = all.Get(t.Context(), "/some/path", "KCONNECT_TEST_OTHER")
	require.ErrorContains(t, err, "no path")
	_, err = Env("(?=x)")
	require.Error(t, err)
}

// countingProvider records how it is asked.
type countingProvider struct {
	values map[string]map[string]string // by path
	calls  []string
}

func (p *countingProvider) Get(_ context.Context, path string, keys ...string) (map[string]string, error) {
	p.calls = append(p.calls, path)
	out := make(map[string]string)
	for _, k := range keys {
		if v, ok := p.values[path][k]; ok {
			out[k] = v
		}
	}
	return out, nil
}
