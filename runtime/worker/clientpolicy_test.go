package worker

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/stretchr/testify/require"
)

// Each policy lets a connector override what Kafka's does, and refuses the
// rest with Kafka's message, in ValidateConnectorConfig and in
// PutConnectorConfig alike.
func TestClientOverridePolicy(t *testing.T) {
	brokers := testkafka.Brokers(t)
	ctx := context.Background()
	for _, tc := range []struct {
		policy    string
		allowlist []string
		alias     string
		allowed   map[string]bool // by client property
	}{
		{"", nil, "All", map[string]bool{"linger.ms": true, "security.protocol": true, "fetch.max.wait.ms": true}},
		{"org.apache.kafka.connect.connector.policy.AllConnectorClientConfigOverridePolicy", nil, "All",
			map[string]bool{"linger.ms": true, "security.protocol": true, "fetch.max.wait.ms": true}},
		{"None", nil, "None", map[string]bool{}},
		{"org.apache.kafka.connect.connector.policy.NoneConnectorClientConfigOverridePolicy", nil, "None", map[string]bool{}},
		{"Principal", nil, "Principal", map[string]bool{"security.protocol": true}},
		{"PrincipalConnectorClientConfigOverridePolicy", nil, "Principal", map[string]bool{"security.protocol": true}},
		{"Allowlist", []string{"linger.ms", " fetch.max.wait.ms"}, "Allowlist", map[string]bool{"linger.ms": true, "fetch.max.wait.ms": true}},
		{"Allowlist", nil, "Allowlist", map[string]bool{}},
		{"None", []string{"linger.ms"}, "None", map[string]bool{}}, // as Kafka, other policies ignore the allowlist
	} {
		t.Run(tc.policy+"/"+tc.alias, func(t *testing.T) {
			cs := &counterSource{}
			coll := newCollector(1)
			w := newTestWorkerWith(t, brokers, offset.NewMemory(), []Opt{ClientOverridePolicy(tc.policy, tc.allowlist...)}, cs.plugin(), coll.plugin())
			defer w.Close()
			for _, c := range []struct {
				class, prefix, name, value string
			}{
				{"test.CounterSource", ProducerOverridePrefix, "linger.ms", "5"},
				{"test.CounterSource", ProducerOverridePrefix, "security.protocol", "PLAINTEXT"},
				{"test.CollectorSink", ConsumerOverridePrefix, "fetch.max.wait.ms", "100"},
			} {
				key := c.prefix + c.name
				name := testkafka.Group(t, "policy")
				cfg := map[string]string{"name": name, "connector.class": c.class, "topic": testkafka.Topic(t, "policy"), "topics": testkafka.Topic(t, "policy"),
					"limit": "1", key: c.value}
				infos, err := w.ValidateConnectorConfig(cfg)
				require.NoError(t, err)
				msg := "The '" + tc.alias + "' policy does not allow '" + c.name + "' to be overridden in the connector configuration."
				_, created, putErr := w.PutConnectorConfig(ctx, name, cfg, herder.PutOptions{})
				if tc.allowed[c.name] {
					require.Equal(t, 0, infos.ErrorCount, "%s: %+v", key, infos)
					require.NoError(t, putErr, key)
					require.True(t, created)
					require.NoError(t, w.DeleteConnector(ctx, name))
					continue
				}
				require.Equal(t, 1, infos.ErrorCount, "%s: %+v", key, infos)
				e, ok := configEntries(infos)[key]
				require.True(t, ok, key)
				require.Equal(t, []string{msg}, e.Value.Errors)
				require.ErrorIs(t, putErr, herder.ErrInvalidConfig)
				require.ErrorContains(t, putErr, key+": "+msg)
				var ce *connect.ConfigError
				require.True(t, errors.As(putErr, &ce))
				require.Equal(t, key, ce.Errors[0].Key)
				require.Empty(t, w.Connectors())
			}
		})
	}
}

// A refused secret is named, never shown; policies are known by class
// name and alias only, and an allowlist names a property once.
func TestClientOverridePolicySecretsAndErrors(t *testing.T) {
	const secret = "policy-secret-pw"
	w := newTestWorkerWith(t, testkafka.Brokers(t), offset.NewMemory(), []Opt{ClientOverridePolicy("None")}, (&counterSource{}).plugin())
	defer w.Close()
	cfg := map[string]string{"name": "c", "connector.class": "test.CounterSource", "topic": "t",
		"producer.override.sasl.jaas.config": jaas(plainLoginModule, "u", secret)}
	infos, err := w.ValidateConnectorConfig(cfg)
	require.NoError(t, err)
	require.Equal(t, 1, infos.ErrorCount)
	b, err := json.Marshal(infos)
	require.NoError(t, err)
	require.NotContains(t, string(b), secret)
	require.Contains(t, string(b), `"name":"producer.override.sasl.jaas.config","value":"[hidden]"`)
	err = w.CreateConnector(context.Background(), "c", cfg)
	require.ErrorContains(t, err, "The 'None' policy does not allow 'sasl.jaas.config'")
	require.NotContains(t, err.Error(), secret)

	// Under All, a malformed override is named without its secret too.
	w2 := newTestWorkerWith(t, testkafka.Brokers(t), offset.NewMemory(), nil, (&counterSource{}).plugin())
	defer w2.Close()
	bad := map[string]string{"name": "c", "connector.class": "test.CounterSource", "topic": "t",
		"producer.override.security.protocol": "SASL_PLAINTEXT", "producer.override.sasl.mechanism": "PLAIN",
		"producer.override.sasl.jaas.config": plainLoginModule + ` required username="u" password="` + secret}
	err = w2.CreateConnector(context.Background(), "c", bad)
	require.ErrorContains(t, err, "producer.override.sasl.jaas.config: at offset")
	require.NotContains(t, err.Error(), secret)
	infos, err = w2.ValidateConnectorConfig(bad)
	require.NoError(t, err)
	require.Equal(t, 1, infos.ErrorCount)
	b, err = json.Marshal(infos)
	require.NoError(t, err)
	require.NotContains(t, string(b), secret)

	for _, tc := range []struct {
		policy    string
		allowlist []string
		err       string
	}{
		{"com.example.MyPolicy", nil, `connector.client.config.override.policy: unknown policy "com.example.MyPolicy"`},
		{"none", nil, `unknown policy "none"`},
		{"Allowlist", []string{"linger.ms", "linger.ms"}, `connector.client.config.override.allowlist: "linger.ms" is listed twice`},
	} {
		_, err := New(Brokers("127.0.0.1:1"), ClientOverridePolicy(tc.policy, tc.allowlist...))
		require.ErrorContains(t, err, tc.err)
	}
}

// A connector's security overrides are merged with the worker's: a
// connector that overrides only sasl.jaas.config keeps the worker's
// protocol and mechanism, and its own overrides are checked as the
// worker's are.
func TestConnectorSecurityOverrides(t *testing.T) {
	w := &engine{}
	var err error
	w.clients, err = parseClientConfig(map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
		"sasl.jaas.config": jaas(plainLoginModule, "worker", "w-secret")})
	require.NoError(t, err)
	w.opts.overridePolicy = overridePolicyConfig{given: "Principal"}
	require.NoError(t, w.opts.overridePolicy.check())
	raw := map[string]string{"producer.override.sasl.jaas.config": jaas(plainLoginModule, "alice", "a-secret")}
	cc, err := w.connectorClients(connect.SourcePlugin, raw)
	require.NoError(t, err)
	require.Len(t, cc.producerSec, 1) // SASL, from the worker's protocol and mechanism and the connector's login

	raw["producer.override.sasl.mechanism"] = "SCRAM-SHA-256"
	_, err = w.connectorClients(connect.SourcePlugin, raw)
	require.ErrorContains(t, err, "producer.override.sasl.jaas.config: SASL mechanism SCRAM-SHA-256 needs login module "+scramLoginModule)
	require.NotContains(t, err.Error(), "a-secret")
}

func configEntries(infos connect.ConfigInfos) map[string]connect.ConfigInfo {
	out := map[string]connect.ConfigInfo{}
	for _, c := range infos.Configs {
		out[c.Value.Name] = c
	}
	return out
}
