package transform_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/transform"
)

func TestPlugins(t *testing.T) {
	const pkg = "org.apache.kafka.connect.transforms."
	want := []string{
		"Cast$Key", "Cast$Value", "DropHeaders", "ExtractField$Key", "ExtractField$Value", "Filter",
		"Flatten$Key", "Flatten$Value", "HeaderFrom$Key", "HeaderFrom$Value", "HoistField$Key", "HoistField$Value",
		"InsertField$Key", "InsertField$Value", "InsertHeader", "MaskField$Key", "MaskField$Value", "RegexRouter",
		"ReplaceField$Key", "ReplaceField$Value", "SetSchemaMetadata$Key", "SetSchemaMetadata$Value",
		"TimestampConverter$Key", "TimestampConverter$Value", "TimestampRouter", "ValueToKey",
		"predicates.HasHeaderKey", "predicates.RecordIsTombstone", "predicates.TopicNameMatches",
	}
	ps := connect.Plugins(transform.Plugins())
	var got []string
	for _, p := range ps {
		info := p.Info()
		require.True(t, strings.HasPrefix(info.Class, pkg), info.Class)
		got = append(got, strings.TrimPrefix(info.Class, pkg))
		require.NotNil(t, info.Config, info.Class)
		require.NotEmpty(t, info.Doc, info.Class)
		switch x := p.(type) {
		case transform.Plugin:
			require.Equal(t, connect.TransformationPlugin, info.Kind)
			require.NotNil(t, x.New)
		case transform.PredicatePlugin:
			require.Equal(t, connect.PredicatePlugin, info.Kind)
			require.NotNil(t, x.New)
		default:
			t.Fatalf("%s is a %T", info.Class, p)
		}
	}
	require.ElementsMatch(t, want, got)

	for _, name := range []string{"ExtractField$Value", "RegexRouter", "Filter", "ValueToKey", "InsertHeader",
		pkg + "HoistField$Key", "Cast$Value", "Flatten$Key"} {
		p, err := ps.Find(connect.TransformationPlugin, name)
		require.NoError(t, err, name)
		require.True(t, strings.HasSuffix(p.Info().Class, strings.TrimPrefix(name, pkg)))
	}
	for _, name := range []string{"TopicNameMatches", "HasHeaderKey", "RecordIsTombstone", pkg + "predicates.HasHeaderKey"} {
		_, err := ps.Find(connect.PredicatePlugin, name)
		require.NoError(t, err, name)
	}
}

// TestPluginsConfigErrorsNameKeys checks that every built-in transform's
// constructor reports a bad value under the key's name.
func TestPluginsConfigErrorsNameKeys(t *testing.T) {
	tests := []struct {
		class string
		cfg   map[string]string
		key   string
	}{
		{"RegexRouter", map[string]string{"replacement": "x"}, "regex"},
		{"TimestampRouter", map[string]string{"timestamp.format": "'"}, "timestamp.format"},
		{"InsertHeader", map[string]string{"header": "h"}, "value.literal"},
		{"DropHeaders", map[string]string{"headers": ""}, "headers"},
		{"HeaderFrom$Value", map[string]string{"fields": "a", "headers": "h", "operation": "swap"}, "operation"},
		{"HeaderFrom$Key", map[string]string{"fields": "a,b", "headers": "h", "operation": "copy"}, "headers"},
		{"ExtractField$Key", map[string]string{"field": "a", "field.syntax.version": "V9"}, "field.syntax.version"},
		{"ExtractField$Value", map[string]string{"field": "`a", "field.syntax.version": "v2"}, "field"},
		{"HoistField$Value", map[string]string{}, "field"},
		{"ValueToKey", map[string]string{"fields": "a,,b"}, "fields"},
		{"ValueToKey", map[string]string{"fields": "a", "replace.null.with.default": "maybe"}, "replace.null.with.default"},
		{"SetSchemaMetadata$Value", map[string]string{"schema.version": "1.5"}, "schema.version"},
		{"SetSchemaMetadata$Key", map[string]string{}, "schema.name"},
	}
	ps := connect.Plugins(transform.Plugins())
	for _, tt := range tests {
		p, err := ps.Find(connect.TransformationPlugin, tt.class)
		require.NoError(t, err)
		_, err = p.(transform.Plugin).New(tt.cfg)
		var ce *connect.ConfigError
		require.ErrorAs(t, err, &ce, "%s %v: %v", tt.class, tt.cfg, err)
		require.Equal(t, []string{tt.key}, ce.Keys(), "%s: %v", tt.class, err)
	}
}
