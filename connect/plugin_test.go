package connect

import (
	"testing"

	"github.com/stretchr/testify/require"
)

type infoOnly PluginInfo

func (p infoOnly) Info() PluginInfo { return PluginInfo(p) }

func TestPluginNames(t *testing.T) {
	src := PluginInfo{Class: "org.apache.kafka.connect.file.FileStreamSourceConnector", Kind: SourcePlugin}
	require.Equal(t, []string{"FileStreamSource", "FileStreamSourceConnector", src.Class}, src.Names())
	smt := PluginInfo{Class: "org.apache.kafka.connect.transforms.ExtractField$Value", Kind: TransformationPlugin}
	require.True(t, smt.Matches("ExtractField$Value"))
	require.False(t, smt.Matches("Value"))

	ps := Plugins{infoOnly(src), infoOnly(smt)}
	p, err := ps.Find(SourcePlugin, "FileStreamSource")
	require.NoError(t, err)
	require.Equal(t, src.Class, p.Info().Class)
	_, err = ps.Find(SinkPlugin, "FileStreamSource")
	require.ErrorContains(t, err, `no sink plugin called "FileStreamSource"`)
	require.Equal(t, "header_converter", HeaderConverterPlugin.String())
}

func TestPluginAcceptsKey(t *testing.T) {
	def := NewConfigDef().Define(ConfigKey{Name: "field", Type: ConfigString, Importance: High})
	closed := PluginInfo{Class: "x.Closed", Config: def, OtherKeys: []string{"blacklist", "basic.auth.*"}}
	for key, want := range map[string]bool{
		"field": true, "blacklist": true, "basic.auth.user.info": true, "basic.auth.": true,
		"feild": false, "blacklists": false, "basic.auth": false, "": false,
	} {
		require.Equal(t, want, closed.AcceptsKey(key), key)
	}
	empty := PluginInfo{Class: "x.Empty", Config: NewConfigDef()}
	require.False(t, empty.AcceptsKey("anything"), "an empty ConfigDef declares that the plugin reads no key")
	open := PluginInfo{Class: "x.Open"}
	require.True(t, open.AcceptsKey("anything"), "without a ConfigDef nothing can be told about the plugin's keys")
	star := PluginInfo{Class: "x.Star", Config: def, OtherKeys: []string{"*"}}
	require.True(t, star.AcceptsKey("anything"))
}
