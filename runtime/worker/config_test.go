package worker

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/transform"
)

// TestConnectorConfigChainKeys: the transforms and predicates keys of a
// connector configuration are the transform package's, defined as Kafka
// Connect's ConnectorConfig defines them (a repeated alias is an invalid
// value), numbered on after the common keys (12, 13) as there, for both
// kinds of connector.
func TestConnectorConfigChainKeys(t *testing.T) {
	chain := transform.ChainConfigDef()
	for _, kind := range []connect.PluginKind{connect.SourcePlugin, connect.SinkPlugin} {
		def := connectorConfigDef(connect.PluginInfo{Kind: kind, Config: connect.NewConfigDef()})
		for i, name := range []string{transform.TransformsConfig, transform.PredicatesConfig} {
			want, ok := chain.Key(name)
			require.True(t, ok, name)
			want.OrderInGroup = 12 + i
			got, ok := def.Key(name)
			require.True(t, ok, "%s connector: %s", kind, name)
			require.Equal(t, want, got, "%s connector: %s", kind, name)
		}
	}

	w := ukWorker(t)
	config := ukWith(ukFullSourceConfig("in.txt", "t", "offsets"), "name", "v", "transforms", "route,route")
	infos, err := w.ValidateConnectorConfig(config)
	require.NoError(t, err)
	require.Equal(t, 1, infos.ErrorCount, "%+v", infos)
	for _, c := range infos.Configs {
		if c.Value.Name == transform.TransformsConfig {
			require.Equal(t, []string{"Invalid value [route, route] for configuration transforms: Duplicate alias provided."}, c.Value.Errors)
		}
	}
}

// TestBuiltinPlugins: a worker knows every built-in converter, header
// converter, transformation and predicate, each once.
func TestBuiltinPlugins(t *testing.T) {
	ps := builtinPlugins()
	seen := map[string]bool{}
	kinds := map[connect.PluginKind]int{}
	for _, p := range ps {
		info := p.Info()
		key := info.Kind.String() + " " + info.Class
		require.False(t, seen[key], "%s listed twice", key)
		seen[key] = true
		kinds[info.Kind]++
	}
	for _, class := range []string{
		"org.apache.kafka.connect.json.JsonConverter",
		"org.apache.kafka.connect.storage.StringConverter",
		"org.apache.kafka.connect.converters.ByteArrayConverter",
		"org.apache.kafka.connect.converters.LongConverter",
	} {
		_, err := ps.Find(connect.ConverterPlugin, class)
		require.NoError(t, err, class)
		_, err = ps.Find(connect.HeaderConverterPlugin, class)
		require.NoError(t, err, class)
	}
	_, err := ps.Find(connect.HeaderConverterPlugin, defaultHeaderConverter)
	require.NoError(t, err)
	for _, p := range transform.Plugins() {
		_, err := ps.Find(p.Info().Kind, p.Info().Class)
		require.NoError(t, err, p.Info().Class)
	}
	require.Equal(t, 6+3, kinds[connect.ConverterPlugin], "JSON, String, ByteArray and the six number converters")
}

// TestConnectorConfigErrorsAsKafka: the name key is checked as Kafka
// Connect's NonEmptyStringWithoutControlChars checks it, with its
// messages, and a problem of two keys is an error of each, as Kafka
// Connect lists (and counts) it.
func TestConnectorConfigErrorsAsKafka(t *testing.T) {
	w := ukWorker(t)
	for name, want := range map[string]string{
		"":       "Invalid value  for configuration name: String may not be empty",
		"a\x01b": "Invalid value a\x01b for configuration name: String may not contain control sequences but had the following ASCII chars: 1",
	} {
		infos, err := w.ValidateConnectorConfig(map[string]string{"connector.class": "FileStreamSource", "name": name, "topic": "t"})
		require.NoError(t, err)
		require.Equal(t, 1, infos.ErrorCount, "%q: %+v", name, infos)
		require.Equal(t, NameConfig, infos.Configs[0].Value.Name)
		require.Equal(t, []string{want}, infos.Configs[0].Value.Errors)
	}

	err := w.CreateConnector(context.Background(), "s", map[string]string{"connector.class": "FileStreamSink", "file": "out.txt"})
	var ce *connect.ConfigError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, []string{TopicsConfig, TopicsRegexConfig}, ce.Keys())
	require.Equal(t, "Must configure one of topics or topics.regex", ce.Errors[1].Message)
}
