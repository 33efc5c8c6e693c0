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
