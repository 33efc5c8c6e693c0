package elasticsearch

import (
	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/version"
	"github.com/kconnect-go/kconnect/sink"
)

// Class is the Kafka Connect class name of the connector, Confluent's.
const Class = "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector"

// Plugin describes the connector to a runtime.
func Plugin() sink.Plugin {
	return sink.Plugin{
		PluginInfo: connect.PluginInfo{
			Class:   Class,
			Aliases: []string{"ElasticsearchSinkConnector"},
			Kind:    connect.SinkPlugin,
			Version: version.Kconnect(),
			Doc:     "Writes records to Elasticsearch 8 or OpenSearch 2 indices or data streams, as Confluent's Elasticsearch sink.",
			Config:  configDef,
		},
		New: func() sink.Connector {
			// Start checks the configuration without connecting: each
			// task connects on its own.
			check := func(config map[string]string) error { _, err := parseSettings(config); return err }
			return sink.CheckedConnector("ElasticsearchSinkConnector", check, func() sink.Task { return &task{} })
		},
	}
}
