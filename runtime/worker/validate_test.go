package worker

import (
	"context"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/stretchr/testify/require"
)

// sinkConfig is a collector sink's configuration.
func sinkConfig(more ...string) map[string]string {
	cfg := map[string]string{"connector.class": "test.CollectorSink", "name": "v",
		"key.converter": "StringConverter", "value.converter": "StringConverter"}
	for i := 0; i+1 < len(more); i += 2 {
		cfg[more[i]] = more[i+1]
	}
	return cfg
}

// ValidateConfig reports every error PutConnectorConfig would refuse a
// configuration for, each on the key Kafka Connect's validate response puts
// it on: error_count is 0 exactly when the put accepts it. The checks
// across keys are made too, and what they build is closed.
func TestHerderValidateMatchesPut(t *testing.T) {
	ledger := newPluginLedger()
	plugins := append([]connect.Plugin{(&counterSource{}).plugin(), newCollector(0).plugin()}, ledger.plugins()...)
	plugins = append(plugins, secretPlugins()...)
	w := newTestWorker(t, testkafka.Brokers(t), offset.NewMemory(), plugins...)
	defer w.Close()
	var h herder.Herder = w
	ctx := context.Background()
	_, _, err := h.PutConnectorConfig(ctx, "stored", secretConfig(), herder.PutOptions{InitialState: herder.TargetStopped})
	require.NoError(t, err)

	for _, c := range []struct {
		name   string
		config map[string]string
		keys   []string // the keys whose entries have errors; none: valid
	}{
		{"source", counterConfig("t", "name", "v"), nil},
		{"sink with topics", sinkConfig("topics", "a,b"), nil},
		{"sink with topics.regex", sinkConfig("topics.regex", "a.*"), nil},
		{"sink with both", sinkConfig("topics", "a", "topics.regex", "a.*"), []string{"topics", "topics.regex"}},
		{"sink with neither", sinkConfig(), []string{"topics", "topics.regex"}},
		{"sink with a regex RE2 lacks", sinkConfig("topics.regex", "(?<=a)b"), []string{"topics.regex"}},
		{"consumer override", sinkConfig("topics", "a", "consumer.override.fetch.min.bytes", "5"), nil},
		{"unsupported consumer override", sinkConfig("topics", "a", "consumer.override.no.such.property", "5"), []string{"consumer.override.no.such.property"}},
		{"bad producer override", counterConfig("t", "name", "v", "producer.override.linger.ms", "-3", "producer.override.acks", "2"), []string{"producer.override.acks", "producer.override.linger.ms"}},
		{"converter setting", counterConfig("t", "name", "v", "value.converter", "JsonConverter", "value.converter.schemas.enable", "maybe"), []string{"value.converter.schemas.enable"}},
		{"no such converter", counterConfig("t", "name", "v", "value.converter", "NoSuchConverter"), []string{"value.converter"}},
		{"predicate not listed", counterConfig("t", "name", "v", "transforms", "r", "transforms.r.type", "RegexRouter", "transforms.r.regex", "a", "transforms.r.replacement", "b", "transforms.r.predicate", "p"), []string{"transforms.r.predicate"}},
		{"converter that fails to build", secretConfig("name", "v", "value.converter.fail", "true"), []string{"value.converter"}},
		{"transform that fails to build", counterConfig("t", "name", "v", "transforms", "r", "transforms.r.type", "RegexRouter", "transforms.r.regex", "(?<=a)b", "transforms.r.replacement", "x"), []string{"transforms.r.regex"}},
		{"topic creation", counterConfig("t", "name", "v", "topic.creation.default.partitions", "0", "topic.creation.default.replication.factor", "1"), []string{"topic.creation.default.partitions"}},
		{"exactly once required", counterConfig("t", "name", "v", "exactly.once.support", "required"), []string{"exactly.once.support"}},
		{"transaction boundary", counterConfig("t", "name", "v", "transaction.boundary", "connector"), []string{"transaction.boundary"}},
		{"password kept", secretConfig("name", "stored", "db.password", "[hidden]"), nil},
		{"password to keep but none", secretConfig("name", "fresh", "db.password", "[hidden]"), []string{"db.password"}},
		{"per-key error", counterConfig("t", "name", "v", "limit", "x"), []string{"limit"}},
	} {
		infos, err := h.ValidateConfig(ctx, c.config)
		require.NoError(t, err, c.name)
		var bad []string
		for _, ci := range infos.Configs {
			if ci.Value != nil && len(ci.Value.Errors) > 0 {
				bad = append(bad, ci.Value.Name)
			}
		}
		require.ElementsMatch(t, c.keys, bad, c.name)
		require.Equal(t, len(c.keys) == 0, infos.ErrorCount == 0, "%s: error_count %d", c.name, infos.ErrorCount)

		name := c.config["name"]
		_, _, err = h.PutConnectorConfig(ctx, name, c.config, herder.PutOptions{InitialState: herder.TargetStopped})
		if len(c.keys) == 0 {
			require.NoError(t, err, c.name)
			if name != "stored" {
				require.NoError(t, h.DeleteConnector(ctx, name))
			}
		} else {
			require.ErrorIs(t, err, herder.ErrInvalidConfig, c.name)
		}
	}

	// What validation builds, it closes, when the build fails half-way
	// too.
	infos, err := h.ValidateConfig(ctx, ledgerConfig(counterConfig("t", "name", "v")))
	require.NoError(t, err)
	require.Zero(t, infos.ErrorCount)
	ledger.requireOpen(t, 0, 1, "validation closes what it builds")
	ledger.failAfter("transform", 0)
	infos, err = h.ValidateConfig(ctx, ledgerConfig(counterConfig("t", "name", "v")))
	require.NoError(t, err)
	require.Equal(t, 1, infos.ErrorCount)
	built, closed := ledger.counts()
	require.Equal(t, built, closed, "a build that failed half-way closes what it built")
	require.Equal(t, 2, built[ValueConverterConfig])
	ledger.requireNoMisuse(t)
}
