package jdbc_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	srcjdbc "github.com/kconnect-go/kconnect/source/jdbc"
)

// TestConfluentConfigDef lists every key of Confluent's
// JdbcSourceConnectorConfig (kafka-connect-jdbc's current version) with
// its type and default: each is defined, alike, and no other key is but
// kconnect's own, named kconnect.*, off by default.
func TestConfluentConfigDef(t *testing.T) {
	want := []struct {
		name string
		typ  connect.ConfigType
		def  any // nil: no default (null), or required
	}{
		{"connection.url", connect.ConfigString, nil}, // "" in Confluent, which fails without it
		{"connection.user", connect.ConfigString, nil},
		{"connection.password", connect.ConfigPassword, nil},
		{"jdbc.credentials.provider.class", connect.ConfigClass, "io.confluent.connect.jdbc.util.DefaultJdbcCredentialsProvider"},
		{"connection.attempts", connect.ConfigInt, 3},
		{"connection.backoff.ms", connect.ConfigLong, int64(10000)},
		{"table.whitelist", connect.ConfigList, []string{}},
		{"table.blacklist", connect.ConfigList, []string{}},
		{"table.include.list", connect.ConfigList, []string{}},
		{"table.exclude.list", connect.ConfigList, []string{}},
		{"catalog.pattern", connect.ConfigString, nil},
		{"schema.pattern", connect.ConfigString, nil},
		{"numeric.precision.mapping", connect.ConfigBoolean, false},
		{"numeric.mapping", connect.ConfigString, nil},
		{"dialect.name", connect.ConfigString, ""},
		{"date.calendar.system", connect.ConfigString, "LEGACY"},
		{"mode", connect.ConfigString, ""},
		{"incrementing.column.name", connect.ConfigString, ""},
		{"timestamp.column.name", connect.ConfigList, []string{}},
		{"timestamp.columns.mapping", connect.ConfigList, []string{}},
		{"incrementing.column.mapping", connect.ConfigList, []string{}},
		{"timestamp.initial", connect.ConfigLong, nil},
		{"validate.non.null", connect.ConfigBoolean, true},
		{"query", connect.ConfigString, ""},
		{"query.masked", connect.ConfigPassword, ""},
		{"quote.sql.identifiers", connect.ConfigString, "always"},
		{"query.suffix", connect.ConfigString, ""},
		{"transaction.isolation.mode", connect.ConfigString, "DEFAULT"},
		{"query.retry.attempts", connect.ConfigInt, -1},
		{"table.types", connect.ConfigList, []string{"TABLE"}},
		{"poll.interval.ms", connect.ConfigInt, 5000},
		{"batch.max.rows", connect.ConfigInt, 1000},
		{"max.buffer.size", connect.ConfigInt, 0},
		{"poll.linger.ms", connect.ConfigLong, int64(5000)},
		{"table.monitoring.startup.polling.limit.ms", connect.ConfigLong, int64(10000)},
		{"table.poll.interval.ms", connect.ConfigLong, int64(60000)},
		{"topic.prefix", connect.ConfigString, nil}, // "" in Confluent; required here, as it is in practice
		{"timestamp.delay.interval.ms", connect.ConfigLong, int64(0)},
		{"db.timezone", connect.ConfigString, "UTC"},
		{"timestamp.granularity", connect.ConfigString, "connect_logical"},
	}
	own := []struct {
		name string
		typ  connect.ConfigType
		def  any
	}{
		{"kconnect.key.from.primary.key", connect.ConfigBoolean, false},
	}
	def := srcjdbc.ConfigDef()
	require.Equal(t, len(want)+len(own), def.Len(), "the keys are Confluent's and kconnect's own, no more")
	want = append(want, own...)
	// The parsed defaults: a configuration of the required keys only.
	cfg, err := def.Parse(map[string]string{"connection.url": "jdbc:sqlite::memory:", "topic.prefix": "p"})
	require.NoError(t, err)
	for _, w := range want {
		k, ok := def.Key(w.name)
		require.True(t, ok, w.name)
		require.Equal(t, w.typ, k.Type, w.name)
		if w.name == "connection.url" || w.name == "topic.prefix" {
			require.True(t, k.Required, w.name)
			continue
		}
		got := cfg.Get(w.name)
		if p, ok := got.(connect.Password); ok {
			got = p.Value()
		}
		if l, ok := got.([]string); ok && len(l) == 0 {
			got = []string{}
		}
		require.Equal(t, w.def, got, w.name)
	}
}
