package worker

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kconnect-go/kconnect/configprovider"
	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/source/file"
	"github.com/stretchr/testify/require"
)

// secretsWorker returns a worker whose file, env and dir providers are
// declared as in a worker.properties, reading only below dir.
func secretsWorker(t *testing.T, brokers []string, dir string, plugins ...connect.Plugin) *Worker {
	t.Helper()
	r, err := configprovider.FromConfig(map[string]string{
		"config.providers":                             "file,env,dir",
		"config.providers.file.class":                  "org.apache.kafka.common.config.provider.FileConfigProvider",
		"config.providers.file.param.allowed.paths":    dir,
		"config.providers.env.class":                   "EnvVarConfigProvider",
		"config.providers.env.param.allowlist.pattern": "KCONNECT_TEST_.*",
		"config.providers.dir.class":                   "DirectoryConfigProvider",
		"config.providers.dir.param.allowed.paths":     dir,
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	w := newTestWorkerWith(t, brokers, offset.NewMemory(), []Opt{ConfigProviders(r)}, plugins...)
	t.Cleanup(func() { _ = w.Close() })
	return w
}

// A FileStreamSource whose file, topic and batch size come from the three
// providers reads the file its reference names; every read of the herder
// shows the references, its task config included, never the values.
func TestConfigProvidersResolveForTheConnectorAndShowReferences(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "secret-topic")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	dir := t.TempDir()
	input := filepath.Join(dir, "the-real-input.txt")
	require.NoError(t, os.WriteFile(input, []byte("one\ntwo\n"), 0o600))
	props := filepath.Join(dir, "source.properties")
	require.NoError(t, os.WriteFile(props, []byte("path="+input+"\n"), 0o600))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "k8s"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "k8s", "batch"), []byte("7"), 0o600))
	t.Setenv("KCONNECT_TEST_SOURCE_TOPIC", topic)

	w := secretsWorker(t, brokers, dir, file.Plugin())
	ctx := context.Background()
	raw := map[string]string{
		"connector.class": "FileStreamSource",
		"file":            "${file:" + props + ":path}",
		"topic":           "${env:KCONNECT_TEST_SOURCE_TOPIC}",
		"batch.size":      "${dir:" + filepath.Join(dir, "k8s") + ":batch}",
		"value.converter": "StringConverter",
	}
	info, _, err := w.PutConnectorConfig(ctx, "secret-source", raw, herder.PutOptions{})
	require.NoError(t, err)
	require.Equal(t, []string{"one", "two"}, consumeValues(t, brokers, topic, 2))

	shown := map[string]string{"name": "secret-source"}
	for k, v := range raw {
		shown[k] = v
	}
	require.Equal(t, shown, info.Config)
	got, err := w.ConnectorConfig(ctx, "secret-source")
	require.NoError(t, err)
	require.Equal(t, shown, got)
	info, err = w.ConnectorInfo(ctx, "secret-source")
	require.NoError(t, err)
	require.Equal(t, shown, info.Config)

	tasks, err := w.TaskConfigs(ctx, "secret-source")
	require.NoError(t, err)
	require.Len(t, tasks, 1)
	for _, k := range []string{"file", "topic", "batch.size"} {
		require.Equal(t, raw[k], tasks[0].Config[k], k)
	}
	out, err := json.Marshal(tasks)
	require.NoError(t, err)
	require.NotContains(t, string(out), "the-real-input")
	require.NotContains(t, string(out), topic)
	// What the task runs with is resolved all the same.
	c, err := w.connector("secret-source")
	require.NoError(t, err)
	c.mu.Lock()
	require.Equal(t, input, c.taskConfigs[0]["file"])
	c.mu.Unlock()

	// A patch applies to the configuration as given, which is resolved
	// again.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "k8s", "batch"), []byte("3"), 0o600))
	one := "1"
	info, err = w.PatchConnectorConfig(ctx, "secret-source", map[string]*string{"tasks.max": &one})
	require.NoError(t, err)
	require.Equal(t, raw["batch.size"], info.Config["batch.size"])
	c, err = w.connector("secret-source")
	require.NoError(t, err)
	require.Equal(t, "3", c.resolved["batch.size"])
	require.Equal(t, raw["file"], c.raw["file"])
}

// A reference that cannot be resolved makes the configuration invalid,
// naming the key, the provider and the path; a value that is resolved but
// invalid is reported with its reference where the value would be.
func TestConfigProvidersInvalidReferences(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "invalid-ref")
	dir := t.TempDir()
	props := filepath.Join(dir, "source.properties")
	require.NoError(t, os.WriteFile(props, []byte("batch=hunter2-is-no-number\npath=/tmp/x\n"), 0o600))
	outside := filepath.Join(t.TempDir(), "outside.properties")
	require.NoError(t, os.WriteFile(outside, []byte("path=/tmp/x\n"), 0o600))

	w := secretsWorker(t, brokers, dir, file.Plugin())
	ctx := context.Background()
	config := func(more ...string) map[string]string {
		cfg := map[string]string{"name": "bad", "connector.class": "FileStreamSource", "topic": topic, "file": "${file:" + props + ":path}"}
		for i := 0; i+1 < len(more); i += 2 {
			cfg[more[i]] = more[i+1]
		}
		return cfg
	}
	for _, tc := range []struct {
		key, value string
		want       []string
	}{
		{"file", "${file:" + filepath.Join(dir, "missing.properties") + ":path}",
			[]string{"config key file: ${file:" + filepath.Join(dir, "missing.properties") + ":path}: ", "no such file"}},
		{"file", "${file:" + props + ":nokey}", []string{"config key file: ${file:" + props + ":nokey}: configprovider: no such key"}},
		{"file", "${file:" + outside + ":path}", []string{"config key file: ${file:" + outside + ":path}: ", "not in allowed.paths"}},
		{"topic", "${env:KCONNECT_TEST_NOT_SET}", []string{"config key topic: ${env:KCONNECT_TEST_NOT_SET}: configprovider: no such key"}},
		{"batch.size", "${file:" + props + ":batch}", []string{"Invalid value ${file:" + props + ":batch} for configuration batch.size"}},
	} {
		cfg := config(tc.key, tc.value)
		_, _, err := w.PutConnectorConfig(ctx, "bad", cfg, herder.PutOptions{})
		require.ErrorIs(t, err, herder.ErrInvalidConfig, tc.value)
		for _, want := range tc.want {
			require.ErrorContains(t, err, want)
		}
		require.NotContains(t, err.Error(), "hunter2")
		var ce *connect.ConfigError
		if errors.As(err, &ce) {
			require.NotContains(t, ce.Errors[0].Message, "hunter2")
		}

		infos, err := w.ValidateConfig(ctx, cfg)
		require.NoError(t, err)
		require.Positive(t, infos.ErrorCount, tc.value)
		entry := configEntry(t, infos, tc.key)
		if tc.key == "batch.size" {
			require.Nil(t, entry.Value, "not a number: no value, as in Kafka")
		} else {
			require.Equal(t, tc.value, *entry.Value)
		}
		require.Len(t, entry.Errors, 1, "%v", entry.Errors)
		require.Contains(t, entry.Errors[0], tc.value)
		out, err := json.Marshal(infos)
		require.NoError(t, err)
		require.NotContains(t, string(out), "hunter2")
	}
	names, err := w.ListConnectors(ctx)
	require.NoError(t, err)
	require.Empty(t, names)

	// A valid configuration validates without errors and shows references.
	infos, err := w.ValidateConfig(ctx, config())
	require.NoError(t, err)
	for _, ci := range infos.Configs {
		require.Empty(t, ci.Value.Errors, ci.Value.Name)
	}
	require.Zero(t, infos.ErrorCount)
	require.Equal(t, "${file:"+props+":path}", *configEntry(t, infos, "file").Value)
}

func configEntry(t *testing.T, infos connect.ConfigInfos, key string) *connect.ConfigValueInfo {
	t.Helper()
	for _, ci := range infos.Configs {
		if ci.Value != nil && ci.Value.Name == key {
			return ci.Value
		}
	}
	t.Fatalf("no entry for %s in %+v", key, infos)
	return nil
}

// Kafka Connect's AbstractHerder.reverseTransform: a task config's key is
// shown as given when the connector's value held a reference, whatever the
// task's value is.
func TestReverseTransform(t *testing.T) {
	raw := map[string]string{
		"password": "${file:/secrets/db.properties:password}",
		"url":      "jdbc:postgresql://db/x?password=${env:DB_PASSWORD}",
		"template": "${unknown:provider}",
		"user":     "alice",
		"absent":   "${env:ABSENT}",
	}
	task := map[string]string{"password": "hunter2", "url": "changed by the connector", "template": "x", "user": "bob", "task.id": "0"}
	require.Equal(t, map[string]string{
		"password": raw["password"], "url": raw["url"], "template": raw["template"], "user": "bob", "task.id": "0",
	}, reverseTransform(raw, task))
	require.Equal(t, "hunter2", task["password"], "the task's own config is not changed")
}

// Without config providers nothing is resolved: references reach the
// connector as they are, as in a worker without config.providers.
func TestConfigProvidersAbsentLeavesReferences(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "no-providers")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	cs := &counterSource{}
	w := newTestWorker(t, brokers, offset.NewMemory(), cs.plugin())
	defer w.Close()
	cfg := counterConfig(topic, "bad.every", "${env:HOME}")
	infos, err := w.ValidateConfig(context.Background(), cfg)
	require.NoError(t, err)
	require.Contains(t, configEntry(t, infos, "bad.every").Errors[0], "Invalid value ${env:HOME} for configuration bad.every")
}
