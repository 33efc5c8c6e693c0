package configprovider

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReferences(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  []Reference
	}{
		{"plain", nil},
		{"${test:testPath:testKey}", []Reference{{"test", "testPath", "testKey"}}},
		{"${test:testKey}", []Reference{{"test", "", "testKey"}}},
		{"${test::testKey}", []Reference{{"test", "", "testKey"}}},
		// The path ends at the second colon; the key takes the rest.
		{"${a:b:c:d}", []Reference{{"a", "b", "c:d"}}},
		{"${file:C:\\secrets\\db.properties:password}", []Reference{{"file", "C", "\\secrets\\db.properties:password"}}},
		{"hello, ${test:p:k1}; goodbye, ${test:k2}!!!", []Reference{{"test", "p", "k1"}, {"test", "", "k2"}}},
		{"${nocolon}", nil},
		{"${a:b", nil},
		{"${a:${b:c}}", []Reference{{"a", "${b", "c"}}},
		{"${:}", []Reference{{"", "", ""}}},
		{"${a:line\nbreak}", []Reference{{"a", "", "line\nbreak"}}},
	} {
		assert.Equal(t, tc.want, References(tc.value), tc.value)
	}
}

// kafkaTestProvider is Kafka's ConfigTransformerTest.TestConfigProvider.
func kafkaTestProvider() *countingProvider {
	return &countingProvider{values: map[string]map[string]string{
		"testPath": {"testKey": "testResult", "testKeyWithTTL": "testResultWithTTL", "testIndirection": "${test:testPath:testResult}"},
		"":         {"testKey": "testResultNoPath"},
	}}
}

// The cases of Kafka's ConfigTransformerTest, whose results must be the same.
func TestResolveAsKafkaConfigTransformer(t *testing.T) {
	for _, tc := range []struct{ value, want string }{
		{"${test:testPath:testKey}", "testResult"},
		{"hello, ${test:testPath:testKey}; goodbye, ${test:testPath:testKeyWithTTL}!!!", "hello, testResult; goodbye, testResultWithTTL!!!"},
		{"${test:testPath:testIndirection}", "${test:testPath:testResult}"}, // one level only
		{"${test:testKey}", "testResultNoPath"},
		{"first ${test:testKey}; second ${test:testKey}", "first testResultNoPath; second testResultNoPath"},
		{"${unknown:testPath:testKey} and ${test:testKey}", "${unknown:testPath:testKey} and testResultNoPath"},
	} {
		r := NewResolver(map[string]Provider{"test": kafkaTestProvider()})
		res, err := r.Resolve(t.Context(), map[string]string{"myKey": tc.value, "other": "as is"})
		require.NoError(t, err, tc.value)
		assert.Equal(t, map[string]string{"myKey": tc.want, "other": "as is"}, res.Config, tc.value)
	}
}

func TestResolveAsksEachPathOnce(t *testing.T) {
	p := kafkaTestProvider()
	r := NewResolver(map[string]Provider{"test": p})
	config := map[string]string{"a": "${test:testPath:testKey}", "b": "${test:testPath:testKeyWithTTL}", "c": "${test:testKey}"}
	before := maps.Clone(config)
	_, err := r.Resolve(t.Context(), config)
	require.NoError(t, err)
	assert.Equal(t, []string{"", "testPath"}, p.calls)
	assert.Equal(t, before, config, "config is not modified")
}

// A missing key is left as it is, as Kafka leaves it, and reported; so is
// every reference to a path its provider failed to read.
func TestResolveReportsWhatItCannotResolve(t *testing.T) {
	dir := t.TempDir()
	db := writeFile(t, filepath.Join(dir, "db.properties"), "password=hunter2\n")
	file, err := File()
	require.NoError(t, err)
	r := NewResolver(map[string]Provider{"file": file})
	missingFile := filepath.Join(dir, "missing.properties")
	res, err := r.Resolve(t.Context(), map[string]string{
		"password": "${file:" + db + ":password}",
		"user":     "${file:" + db + ":user}",
		"twice":    "${file:" + missingFile + ":k} ${file:" + missingFile + ":k}",
		"other":    "${vault:secret/db:password}",
	})
	var re *ResolveError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, map[string]string{
		"password": "hunter2",
		"user":     "${file:" + db + ":user}",
		"twice":    "${file:" + missingFile + ":k} ${file:" + missingFile + ":k}",
		"other":    "${vault:secret/db:password}",
	}, res.Config)
	require.Len(t, re.Unresolved, 2)
	assert.Equal(t, "twice", re.Unresolved[0].ConfigKey)
	assert.Equal(t, Reference{"file", missingFile, "k"}, re.Unresolved[0].Ref)
	assert.ErrorIs(t, re.Unresolved[0].Err, os.ErrNotExist)
	assert.Equal(t, "user", re.Unresolved[1].ConfigKey)
	assert.ErrorIs(t, re.Unresolved[1].Err, ErrNotFound)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Contains(t, err.Error(), "config key user: ${file:"+db+":user}: ")
	assert.NotContains(t, err.Error(), "hunter2")
}

func TestResolveStopsAtCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r := NewResolver(map[string]Provider{"test": kafkaTestProvider()})
	res, err := r.Resolve(ctx, map[string]string{"k": "${test:testKey}"})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, "${test:testKey}", res.Config["k"])
}

func TestRedact(t *testing.T) {
	dir := t.TempDir()
	db := writeFile(t, filepath.Join(dir, "db.properties"), "password=hunter2\nhost=db.internal\nport=5432\nempty=\n")
	file, err := File()
	require.NoError(t, err)
	res, err := NewResolver(map[string]Provider{"file": file}).Resolve(t.Context(), map[string]string{
		"url":   "jdbc:postgresql://${file:" + db + ":host}:${file:" + db + ":port}/x?password=${file:" + db + ":password}",
		"empty": "${file:" + db + ":empty}",
	})
	require.NoError(t, err)
	assert.Equal(t, "jdbc:postgresql://db.internal:5432/x?password=hunter2", res.Config["url"])
	msg := `Invalid value jdbc:postgresql://db.internal:5432/x?password=hunter2 for configuration url: bad; hunter2`
	assert.Equal(t, "Invalid value jdbc:postgresql://${file:"+db+":host}:${file:"+db+":port}/x?password=${file:"+db+":password} "+
		"for configuration url: bad; ${file:"+db+":password}", res.Redact(msg))
	assert.Equal(t, "nothing", Resolved{}.Redact("nothing"))
}

func TestCloseClosesProviders(t *testing.T) {
	closed := 0
	c := closingProvider{close: func() error { closed++; return errors.New("boom") }}
	r := NewResolver(map[string]Provider{"a": c, "b": kafkaTestProvider()})
	err := r.Close()
	require.ErrorContains(t, err, "provider a: boom")
	assert.Equal(t, 1, closed)
	assert.NoError(t, (*Resolver)(nil).Close())
}

type closingProvider struct{ close func() error }

func (closingProvider) Get(context.Context, string, ...string) (map[string]string, error) {
	return nil, nil
}
func (p closingProvider) Close() error { return p.close() }

func TestFromConfig(t *testing.T) {
	dir := t.TempDir()
	db := writeFile(t, filepath.Join(dir, "secrets", "db.properties"), "password=hunter2\n")
	writeFile(t, filepath.Join(dir, "k8s", "token"), "abc")
	t.Setenv("KCONNECT_TEST_DB_USER", "alice")
	t.Setenv("KCONNECT_TEST_OTHER", "no")

	r, err := FromConfig(map[string]string{
		"config.providers":                              " file , env,dir,short",
		"config.providers.file.class":                   FileClass,
		"config.providers.file.param.allowed.paths":     filepath.Join(dir, "secrets"),
		"config.providers.env.class":                    "EnvVarConfigProvider",
		"config.providers.env.param.allowlist.pattern":  "KCONNECT_TEST_DB_.*",
		"config.providers.env.param.unknown":            "ignored, as in Kafka",
		"config.providers.dir.class":                    "Directory",
		"config.providers.short.class":                  " File ",
		"config.providers.unlisted.class":               "com.example.Vault",
		"config.providers.short.param.allowed.paths":    filepath.Join(dir, "k8s") + ",",
		"config.providers.dir.param.allowed.paths.typo": "/nowhere",
	})
	require.NoError(t, err)
	res, err := r.Resolve(t.Context(), map[string]string{
		"password": "${file:" + db + ":password}",
		"user":     "${env:KCONNECT_TEST_DB_USER}",
		"token":    "${dir:" + filepath.Join(dir, "k8s") + ":token}",
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"password": "hunter2", "user": "alice", "token": "abc"}, res.Config)
	_, err = r.Resolve(t.Context(), map[string]string{"other": "${env:KCONNECT_TEST_OTHER}", "k8s": "${file:" + filepath.Join(dir, "k8s", "token") + ":x}"})
	var re *ResolveError
	require.ErrorAs(t, err, &re)
	require.Len(t, re.Unresolved, 2)
	assert.ErrorContains(t, re.Unresolved[0].Err, "not in allowed.paths")
	assert.ErrorIs(t, re.Unresolved[1].Err, ErrNotFound)

	none, err := FromConfig(map[string]string{"bootstrap.servers": "x"})
	require.NoError(t, err)
	res, err = none.Resolve(t.Context(), map[string]string{"k": "${file:/x:y}"})
	require.NoError(t, err)
	assert.Equal(t, "${file:/x:y}", res.Config["k"])
}

func TestFromConfigErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct {
		config map[string]string
		want   string
	}{
		{map[string]string{"config.providers": "vault", "config.providers.vault.class": "com.example.VaultConfigProvider"},
			`config.providers.vault.class: unknown config provider class "com.example.VaultConfigProvider"`},
		{map[string]string{"config.providers": "file"}, "config.providers.file.class: missing"},
		{map[string]string{"config.providers": "file,,env", "config.providers.file.class": "File", "config.providers.env.class": "EnvVar"},
			"config.providers: an empty provider name"},
		{map[string]string{"config.providers": "file", "config.providers.file.class": "File", "config.providers.file.param.allowed.paths": "/tmp, /"},
			`config.providers.file.param.allowed.paths: configprovider: allowed path " /" is not absolute`},
		{map[string]string{"config.providers": "dir", "config.providers.dir.class": "DirectoryConfigProvider", "config.providers.dir.param.allowed.paths": ","},
			"config.providers.dir.param.allowed.paths: \",\" names no path"},
		{map[string]string{"config.providers": "env", "config.providers.env.class": "EnvVar", "config.providers.env.param.allowlist.pattern": "(?<=x)"},
			"config.providers.env.param.allowlist.pattern: "},
	} {
		_, err := FromConfig(tc.config)
		require.Error(t, err, tc.want)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestReferenceStringRoundTrips(t *testing.T) {
	for _, ref := range []Reference{{"a", "", "k"}, {"a", "", "k:with:colons"}, {"a", "/p", "k"}, {"", "", ""}} {
		assert.Equal(t, []Reference{ref}, References(ref.String()), ref.String())
	}
}

func FuzzReferences(f *testing.F) {
	for _, s := range []string{
		"${file:/secrets/db.properties:password}", "${env:X}", "${a:b:c:d}", "${a::}", "$${{a:b}}", "${", "}${a:}",
		"x ${a:b} y ${c:d:e} z", "${\xff:\x00}", strings.Repeat("${a:", 50),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		refs := References(s)
		for _, ref := range refs {
			if strings.ContainsRune(ref.Provider, ':') || strings.ContainsRune(ref.Path, ':') {
				t.Fatalf("%q: %+v has a colon in its provider or path", s, ref)
			}
			if got := References(ref.String()); len(got) != 1 || got[0] != ref {
				t.Fatalf("%q: %+v written as %q reads back as %+v", s, ref, ref.String(), got)
			}
		}
		// Without providers nothing changes; with one that knows every
		// key, no reference to it is left.
		res, err := NewResolver(nil).Resolve(t.Context(), map[string]string{"k": s})
		if err != nil || res.Config["k"] != s {
			t.Fatalf("%q: without providers: %q, %v", s, res.Config["k"], err)
		}
		p := echoProvider{}
		known := map[string]bool{"": true, "a": true, "file": true, "env": true}
		res, err = NewResolver(map[string]Provider{"": p, "a": p, "file": p, "env": p}).Resolve(t.Context(), map[string]string{"k": s})
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		for _, ref := range refs {
			if known[ref.Provider] && res.Config["k"] == s {
				t.Fatalf("%q: a reference to a known provider was left", s)
			}
		}
		_ = res.Redact(s)
	})
}

// echoProvider returns "<key>" for every key.
type echoProvider struct{}

func (echoProvider) Get(_ context.Context, _ string, keys ...string) (map[string]string, error) {
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		out[k] = "<" + k + ">"
	}
	return out, nil
}
