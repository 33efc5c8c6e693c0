package worker

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/syncbuf"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/converter/stringconv"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/source"
	"github.com/kconnect-go/kconnect/transform"
	"github.com/stretchr/testify/require"
)

// secretPlugins are a source connector, a converter, a transformation and
// a predicate, each with a PASSWORD key; the converter fails to build,
// echoing its settings, with fail=true. The connector hands its password
// to its tasks under a key of its own (task.secret); with fail=true its
// Start fails, and with task.fail=true its task's Start does, each with an
// error that echoes the whole configuration, passwords included.
func secretPlugins() []connect.Plugin {
	password := func(name string) *connect.ConfigDef {
		return connect.NewConfigDef().Define(connect.ConfigKey{Name: name, Type: connect.ConfigPassword, Default: "", Importance: connect.High})
	}
	def := password("db.password").
		Define(connect.ConfigKey{Name: "topic", Type: connect.ConfigString, Required: true, Importance: connect.High}).
		Define(connect.ConfigKey{Name: "fail", Type: connect.ConfigBoolean, Default: false, Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "task.fail", Type: connect.ConfigBoolean, Default: false, Importance: connect.Low})
	return []connect.Plugin{
		source.Plugin{
			PluginInfo: connect.PluginInfo{Class: "test.SecretSource", Kind: connect.SourcePlugin, Config: def},
			New: func() source.Connector {
				return &secretConnector{Connector: source.SimpleConnector(func() source.Task { return secretTask{} })}
			},
		},
		converter.Plugin{
			PluginInfo: connect.PluginInfo{Class: "test.SecretConverter", Kind: connect.ConverterPlugin, Config: password("api.secret"), OtherKeys: []string{"fail"}},
			New: func(settings map[string]string, _ bool) (converter.Converter, error) {
				if settings["fail"] == "true" {
					return nil, fmt.Errorf("converter refuses %v", settings)
				}
				return stringconv.New(), nil
			},
		},
		transform.Plugin{
			PluginInfo: connect.PluginInfo{Class: "test.SecretTransform", Kind: connect.TransformationPlugin, Config: password("token")},
			New: func(map[string]string) (transform.Transformation, error) {
				return transform.Func(func(r connect.Record) (connect.Record, bool, error) { return r, true, nil }), nil
			},
		},
		transform.PredicatePlugin{
			PluginInfo: connect.PluginInfo{Class: "test.SecretPredicate", Kind: connect.PredicatePlugin, Config: password("pass")},
			New: func(map[string]string) (transform.Predicate, error) {
				return transform.PredicateFunc(func(*connect.Record) bool { return false }), nil
			},
		},
	}
}

type secretConnector struct {
	source.Connector
	cfg map[string]string
}

func (c *secretConnector) Start(ctx context.Context, cfg map[string]string, cc source.ConnectorContext) error {
	cc.Logger().Info("connector starting", "config", cfg)
	if cfg["fail"] == "true" {
		return fmt.Errorf("cannot log in with %v", cfg)
	}
	c.cfg = cfg
	return c.Connector.Start(ctx, cfg, cc)
}

func (c *secretConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	configs, err := c.Connector.TaskConfigs(maxTasks)
	for _, tc := range configs {
		tc["task.secret"] = c.cfg["db.password"]
	}
	return configs, err
}

type secretTask struct{}

func (secretTask) Start(_ context.Context, cfg map[string]string, _ source.TaskContext) error {
	if cfg["task.fail"] == "true" {
		return fmt.Errorf("task cannot log in with %v", cfg)
	}
	return nil
}

func (secretTask) Poll(ctx context.Context) ([]connect.Record, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(100 * time.Millisecond):
		return nil, nil
	}
}

func (secretTask) Stop(context.Context) error { return nil }

// The passwords of the secret plugins' configuration.
var testSecrets = []string{"s3cr3t-db", "s3cr3t-conv", "s3cr3t-token", "s3cr3t-pred"}

func secretConfig(more ...string) map[string]string {
	cfg := map[string]string{
		"connector.class": "test.SecretSource", "topic": "t", "db.password": "s3cr3t-db",
		"value.converter": "test.SecretConverter", "value.converter.api.secret": "s3cr3t-conv",
		"key.converter": "test.SecretConverter", "key.converter.api.secret": "${file:/etc/secrets:api}",
		"transforms": "x", "transforms.x.type": "test.SecretTransform", "transforms.x.token": "s3cr3t-token",
		"transforms.x.predicate": "p", "predicates": "p", "predicates.p.type": "test.SecretPredicate", "predicates.p.pass": "s3cr3t-pred",
	}
	for i := 0; i+1 < len(more); i += 2 {
		cfg[more[i]] = more[i+1]
	}
	return cfg
}

// requireNoSecret fails if s shows one of the test's passwords.
func requireNoSecret(t *testing.T, s, what string) {
	t.Helper()
	for _, secret := range testSecrets {
		require.NotContains(t, s, secret, what)
	}
}

// Every read of a connector's configuration shows its passwords, the
// connector's and its converters', transformations' and predicates', as
// [hidden], but a config provider reference as given; the task configs
// hide them too, under whatever key the connector hands them on.
func TestHerderHidesPasswords(t *testing.T) {
	w := newTestWorker(t, testkafka.Brokers(t), offset.NewMemory(), secretPlugins()...)
	defer w.Close()
	var h herder.Herder = w
	ctx := context.Background()

	want := secretConfig("name", "c", "db.password", "[hidden]", "value.converter.api.secret", "[hidden]",
		"transforms.x.token", "[hidden]", "predicates.p.pass", "[hidden]")
	info, _, err := h.PutConnectorConfig(ctx, "c", secretConfig(), herder.PutOptions{})
	require.NoError(t, err)
	require.Equal(t, want, info.Config, "the answer to the put")
	got, err := h.ConnectorConfig(ctx, "c")
	require.NoError(t, err)
	require.Equal(t, want, got)
	info, err = h.ConnectorInfo(ctx, "c")
	require.NoError(t, err)
	require.Equal(t, want, info.Config)
	tasks, err := h.TaskConfigs(ctx, "c")
	require.NoError(t, err)
	require.Len(t, tasks, 1)
	require.Equal(t, "[hidden]", tasks[0].Config["db.password"])
	require.Equal(t, "[hidden]", tasks[0].Config["task.secret"], "the connector's password under the task's own key")
	require.Equal(t, "${file:/etc/secrets:api}", tasks[0].Config["key.converter.api.secret"])
	require.Equal(t, "t", tasks[0].Config["topic"])

	// The mask is the worker's one helper: it knows the Kafka clients'
	// password properties below the override prefixes too.
	hidden := w.hidePasswords(map[string]string{"connector.class": "test.SecretSource",
		"producer.override.sasl.jaas.config": "jaas-secret", "producer.override.linger.ms": "5"})
	require.Equal(t, "[hidden]", hidden["producer.override.sasl.jaas.config"])
	require.Equal(t, "5", hidden["producer.override.linger.ms"])
}

// A put or patch that gives [hidden] for a password key keeps the value the
// connector had, so that a configuration read back can be put again; a
// connector without a value for that key refuses it.
func TestHerderPasswordRoundTrip(t *testing.T) {
	w := newTestWorker(t, testkafka.Brokers(t), offset.NewMemory(), secretPlugins()...)
	defer w.Close()
	var h herder.Herder = w
	ctx := context.Background()
	stored := func() map[string]string {
		c, err := w.connector("c")
		require.NoError(t, err)
		return maps.Clone(c.raw)
	}

	_, _, err := h.PutConnectorConfig(ctx, "c", secretConfig(), herder.PutOptions{})
	require.NoError(t, err)
	got, err := h.ConnectorConfig(ctx, "c")
	require.NoError(t, err)
	got["topic"] = "t2"
	_, _, err = h.PutConnectorConfig(ctx, "c", got, herder.PutOptions{})
	require.NoError(t, err)
	require.Equal(t, secretConfig("name", "c", "topic", "t2"), stored(), "GET-modify-PUT keeps every password")

	_, err = h.PatchConnectorConfig(ctx, "c", map[string]*string{"db.password": new("[hidden]"), "transforms.x.token": new("new-token")})
	require.NoError(t, err)
	require.Equal(t, secretConfig("name", "c", "topic", "t2", "transforms.x.token", "new-token"), stored())

	_, _, err = h.PutConnectorConfig(ctx, "d", secretConfig("db.password", "[hidden]"), herder.PutOptions{})
	require.ErrorIs(t, err, herder.ErrInvalidConfig)
	require.ErrorContains(t, err, "db.password")
	_, err = h.ConnectorInfo(ctx, "d")
	require.ErrorIs(t, err, herder.ErrNotFound, "nothing created")
	_, err = h.PatchConnectorConfig(ctx, "c", map[string]*string{"value.converter.api.secret": nil, "key.converter.api.secret": new("[hidden]")})
	require.NoError(t, err, "a reference, kept as it was")
	_, err = h.PatchConnectorConfig(ctx, "c", map[string]*string{"value.converter.api.secret": nil})
	require.NoError(t, err)
	_, err = h.PatchConnectorConfig(ctx, "c", map[string]*string{"value.converter.api.secret": new("[hidden]")})
	require.ErrorIs(t, err, herder.ErrInvalidConfig, "no value to keep")
	require.ErrorContains(t, err, "value.converter.api.secret")
	require.NotContains(t, stored(), "value.converter.api.secret", "an invalid patch changes nothing")
}

// A connector or task whose error echoes its configuration does not show
// its passwords through the herder: not in the error of the put, the
// status traces or the worker's log, where the connector's own lines go
// through the same filter.
func TestHerderPasswordsNotInTraces(t *testing.T) {
	var logs syncbuf.Buffer
	w := newTestWorkerWith(t, testkafka.Brokers(t), offset.NewMemory(),
		[]Opt{Logger(slog.New(slog.NewTextHandler(&logs, nil)))}, secretPlugins()...)
	defer w.Close()
	var h herder.Herder = w
	ctx := context.Background()

	_, _, err := h.PutConnectorConfig(ctx, "c", secretConfig("fail", "true"), herder.PutOptions{})
	require.ErrorIs(t, err, herder.ErrConnectorFailed)
	require.ErrorContains(t, err, "cannot log in with")
	requireNoSecret(t, err.Error(), "the put's error")
	st, err := h.ConnectorStatus(ctx, "c")
	require.NoError(t, err)
	require.Equal(t, Failed, st.Connector.State)
	require.Contains(t, st.Connector.Trace, "db.password:[hidden]")
	requireNoSecret(t, st.Connector.Trace, "the connector's trace")

	_, _, err = h.PutConnectorConfig(ctx, "c", secretConfig("task.fail", "true"), herder.PutOptions{})
	require.NoError(t, err)
	var task TaskState
	require.Eventually(t, func() bool {
		task, err = h.TaskStatus(ctx, "c", 0)
		return err == nil && task.State == Failed
	}, 10*time.Second, 5*time.Millisecond)
	require.Contains(t, task.Trace, "task cannot log in with")
	requireNoSecret(t, task.Trace, "the task's trace")
	require.NoError(t, w.RestartTask(ctx, "c", 0))
	require.Eventually(t, func() bool {
		task, err = h.TaskStatus(ctx, "c", 0)
		return err == nil && task.State == Failed
	}, 10*time.Second, 5*time.Millisecond)
	requireNoSecret(t, task.Trace, "the restarted task's trace")

	_, _, err = h.PutConnectorConfig(ctx, "bad", secretConfig("value.converter.fail", "true"), herder.PutOptions{})
	require.ErrorIs(t, err, herder.ErrInvalidConfig)
	require.ErrorContains(t, err, "converter refuses")
	requireNoSecret(t, err.Error(), "an invalid configuration's error")

	require.NoError(t, w.Close())
	require.True(t, strings.Contains(logs.String(), "cannot log in with"), "the failures are logged")
	require.True(t, strings.Contains(logs.String(), "connector starting"), "the connector's own lines")
	requireNoSecret(t, logs.String(), "the worker's log")
}
