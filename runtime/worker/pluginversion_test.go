package worker

import (
	"context"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/stretchr/testify/require"
)

func TestVersionRange(t *testing.T) {
	for _, tc := range []struct {
		spec, version string
		want          bool
	}{
		{"2.1.0", "2.1.0", true},
		{"2.1", "2.1.0", true},
		{"2.0", "2.1.0", false},
		{"[2.0,3.0)", "2.1.0", true},
		{"[2.0,3.0)", "3.0", false},
		{"[2.0,3.0]", "3.0.0", true},
		{"(2.1.0,)", "2.1.0", false},
		{"(,2.1.0]", "2.1.0", true},
		{"[1.0,2.0),[2.1,2.2)", "2.1.5", true},
		{"[2.2,)", "2.10", true},
		{"[2.1.0,)", "2.1.0-SNAPSHOT", false},
		{"[2.1.0-rc1,2.1.0)", "2.1.0-SNAPSHOT", true},
		{"[2.1.0-alpha1,2.1.0-rc1)", "2.1.0-beta2", true},
	} {
		r, err := pluginVersionRequirement(tc.spec)
		require.NoError(t, err, tc.spec)
		require.Equal(t, tc.want, r.contains(tc.version), "%s in %s", tc.version, tc.spec)
	}
	for spec, msg := range map[string]string{
		"[1.0":                "Unbounded range: [1.0",
		"(1.0)":               "Single version must be surrounded by []: (1.0)",
		"[2.0,1.0]":           "Range defies version ordering: [2.0,1.0]",
		"[1.0,2.0],[1.5,3.0]": "Ranges overlap: [1.0,2.0],[1.5,3.0]",
		"[1.0,2.0] 3.0":       "Only fully-qualified sets allowed in multiple set scenario: [1.0,2.0] 3.0",
	} {
		_, err := pluginVersionRequirement(spec)
		require.EqualError(t, err, msg)
	}
	r, err := pluginVersionRequirement("latest")
	require.NoError(t, err)
	require.Nil(t, r)
	r, err = pluginVersionRequirement(" 1.0 ")
	require.NoError(t, err)
	require.Equal(t, "[1.0,1.0]", r.String(), "Maven's form, which Kafka's messages show")
}

// versionedPlugins are a source connector, a converter and a transform of
// version v2.1.0 (a Go module's version).
func versionedPlugins() []connect.Plugin {
	src := ukOpenSource()
	src.PluginInfo = connect.PluginInfo{Class: "test.VersionedSource", Kind: connect.SourcePlugin, Version: "v2.1.0"}
	conv := ukOpenConverter()
	conv.PluginInfo = connect.PluginInfo{Class: "test.VersionedConverter", Kind: connect.ConverterPlugin, Version: "v2.1.0"}
	tr := ukOpenTransform()
	tr.PluginInfo = connect.PluginInfo{Class: "test.VersionedTransform", Kind: connect.TransformationPlugin, Version: "v2.1.0"}
	return []connect.Plugin{src, conv, tr}
}

// The KIP-891 version keys of a connector configuration are held against
// the one version of each plugin: a range without it fails validation and
// creation with Kafka Connect's message on the version key and the
// plugin's class key; a range with it, or "latest", is accepted.
func TestPluginVersionKeysEnforced(t *testing.T) {
	w := newTestWorker(t, testkafka.Brokers(t), offset.NewMemory(), versionedPlugins()...)
	t.Cleanup(func() { _ = w.Close() })
	base := map[string]string{
		"name": testkafka.Group(t, "versioned"), "connector.class": "test.VersionedSource",
		"key.converter": "test.VersionedConverter", "value.converter": "test.VersionedConverter",
		"transforms": "keep", "transforms.keep.type": "test.VersionedTransform",
	}
	for _, tc := range []struct {
		key, classKey, class string
	}{
		{"connector.plugin.version", "connector.class", "test.VersionedSource"},
		{"key.converter.plugin.version", "key.converter", "test.VersionedConverter"},
		{"value.converter.plugin.version", "value.converter", "test.VersionedConverter"},
		{"transforms.keep.plugin.version", "transforms.keep.type", "test.VersionedTransform"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			for _, ok := range []string{"2.1.0", "2.1", "[2.0,3.0)", "latest"} {
				infos, err := w.ValidateConnectorConfig(ukWith(base, tc.key, ok))
				require.NoError(t, err)
				require.Zero(t, infos.ErrorCount, "%s=%s: %+v", tc.key, ok, infos)
			}

			msg := "Plugin " + tc.class + " not found that matches the version range [3.0,), available versions: [v2.1.0]"
			config := ukWith(base, tc.key, "[3.0,)")
			infos, err := w.ValidateConnectorConfig(config)
			require.NoError(t, err)
			require.Equal(t, 2, infos.ErrorCount, "%+v", infos)
			byName := configEntries(infos)
			require.Equal(t, []string{msg}, byName[tc.key].Value.Errors)
			require.Equal(t, []string{msg}, byName[tc.classKey].Value.Errors)
			err = w.CreateConnector(context.Background(), config["name"], config)
			require.ErrorContains(t, err, tc.key+": "+msg)

			infos, err = w.ValidateConnectorConfig(ukWith(base, tc.key, "[1.0"))
			require.NoError(t, err)
			require.Equal(t, []string{"Invalid value [1.0 for configuration " + tc.key + ": Unbounded range: [1.0"},
				configEntries(infos)[tc.key].Value.Errors)
		})
	}
	config := ukWith(base, "connector.plugin.version", "[2.1,2.2)", "transforms.keep.plugin.version", "2.1.0")
	require.NoError(t, w.CreateConnector(context.Background(), config["name"], config))
}
