package schemaregistry

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
)

func newClient(t *testing.T, config map[string]string, isKey bool) (*Client, Settings) {
	t.Helper()
	cfg, err := Define(connect.NewConfigDef()).Parse(config)
	require.NoError(t, err)
	c, s, err := New(cfg, sr.TypeJSON, isKey)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c, s
}

// TestSubject: the three strategies, by full or short class name, for keys
// and values.
func TestSubject(t *testing.T) {
	for _, tc := range []struct {
		strategy string
		isKey    bool
		want     string
	}{
		{"", false, "t-value"}, {"", true, "t-key"},
		{"RecordNameStrategy", false, "com.x.R"},
		{TopicRecordNameStrategy, true, "t-com.x.R"},
	} {
		config := map[string]string{SchemaRegistryURLConfig: "http://127.0.0.1:1"}
		if tc.strategy != "" {
			config[ValueSubjectNameStrategyConfig], config[KeySubjectNameStrategyConfig] = tc.strategy, tc.strategy
		}
		_, s := newClient(t, config, tc.isKey)
		require.Equal(t, tc.want, s.Subject("t", "com.x.R"), tc)
	}
}

// TestNewRefusesBadURLs: a URL that is not http(s) is refused, naming the
// key and not the URL, which may hold credentials.
func TestNewRefusesBadURLs(t *testing.T) {
	cfg, err := Define(connect.NewConfigDef()).Parse(map[string]string{SchemaRegistryURLConfig: "ftp://u:s3cret@h"})
	require.NoError(t, err)
	_, _, err = New(cfg, sr.TypeJSON, false)
	require.ErrorContains(t, err, SchemaRegistryURLConfig)
	require.NotContains(t, err.Error(), "s3cret")
}

// TestHeaderID: a header with an id, a GUID the registry knows, one it
// does not, and bytes that are neither.
func TestHeaderID(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	c, s := newClient(t, map[string]string{SchemaRegistryURLConfig: reg.URL(), MaxRetriesConfig: "0"}, false)
	id, _, err := reg.RegisterSchema("t-value", sr.Schema{Schema: `{"type":"string"}`, Type: sr.TypeJSON})
	require.NoError(t, err)
	g, err := c.GUID("t-value", `{"type":"string"}`)
	require.NoError(t, err)
	gb, err := GUIDBytes(g)
	require.NoError(t, err)
	require.Equal(t, g, FormatGUID(gb[1:]))

	name := s.IDHeader()
	require.Equal(t, ValueSchemaIDHeader, name)
	got, found, err := c.HeaderID([]converter.KafkaHeader{{Key: name, Value: []byte{0, 0, 0, 0, 9}}}, name)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, 9, got)
	got, found, err = c.HeaderID([]converter.KafkaHeader{{Key: name, Value: []byte{0, 0, 0, 0, 1}}, {Key: name, Value: gb}}, name)
	require.NoError(t, err, "the last header wins")
	require.True(t, found)
	require.Equal(t, id, got)
	_, found, err = c.HeaderID(nil, name)
	require.NoError(t, err)
	require.False(t, found)
	var de *connect.DataError
	_, _, err = c.HeaderID([]converter.KafkaHeader{{Key: name, Value: []byte{7}}}, name)
	require.ErrorAs(t, err, &de)
	unknown := append([]byte{1}, make([]byte, 16)...)
	_, _, err = c.HeaderID([]converter.KafkaHeader{{Key: name, Value: unknown}}, name)
	require.ErrorAs(t, err, &de)
	require.ErrorContains(t, err, "unknown schema GUID")

	var hs []converter.KafkaHeader
	AddIDHeader(&hs, name, gb)
	AddIDHeader(&hs, name, gb)
	require.Len(t, hs, 1, "the same GUID is not added twice")
}

// TestSplitWireAllocates: reading the header of well-formed data
// allocates nothing, as every record read goes through it.
func TestSplitWireAllocates(t *testing.T) {
	data := []byte{0, 0, 0, 1, 2, 42}
	var id int
	n := testing.AllocsPerRun(100, func() {
		id, _, _ = SplitWire("Avro", data)
	})
	require.Equal(t, 258, id)
	require.Zero(t, n)
	_, _, err := SplitWire("Avro", data[:3])
	require.ErrorContains(t, err, "too short for the Avro wire format's")
	_, _, err = SplitWire("", []byte{1, 0, 0, 0, 0})
	require.ErrorContains(t, err, "not in Confluent's wire format")
}

// TestWritesLatest: use.latest.version decides writing only without
// auto.register.schemas, as in Confluent's serializers; reading heeds it
// alone.
func TestWritesLatest(t *testing.T) {
	for _, tc := range []struct {
		latest, register string
		writes, reads    bool
	}{
		{"true", "false", true, true}, {"true", "true", false, true}, {"false", "false", false, false},
	} {
		_, s := newClient(t, map[string]string{SchemaRegistryURLConfig: "http://127.0.0.1:1", UseLatestVersionConfig: tc.latest, AutoRegisterSchemasConfig: tc.register}, false)
		require.Equal(t, tc.writes, s.WritesLatest(), tc)
		require.Equal(t, tc.reads, s.UseLatest, tc)
	}
}
