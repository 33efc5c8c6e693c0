package elasticsearch

import (
	"context"
	"fmt"
	"maps"

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
		New: func() sink.Connector { return &connector{} },
	}
}

type connector struct{ config map[string]string }

// Start checks the configuration; each task connects on its own.
func (c *connector) Start(_ context.Context, config map[string]string, _ connect.ConnectorContext) error {
	if _, err := parseSettings(config); err != nil {
		return fmt.Errorf("ElasticsearchSinkConnector: %w", err)
	}
	c.config = maps.Clone(config)
	return nil
}

// TaskConfigs returns maxTasks copies of the configuration: the tasks share
// the topics' partitions.
func (c *connector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	if c.config == nil {
		return nil, errNotStarted
	}
	out := make([]map[string]string, max(maxTasks, 0))
	for i := range out {
		out[i] = maps.Clone(c.config)
	}
	return out, nil
}

func (c *connector) NewTask() sink.Task { return &task{} }

func (c *connector) Stop(context.Context) error { return nil }

var _ sink.OffsetAlterer = (*connector)(nil)

// AlterOffsets accepts every change: the connector keeps no offsets outside
// Kafka's consumer group.
func (c *connector) AlterOffsets(context.Context, map[string]string, []sink.OffsetChange) (bool, error) {
	return true, nil
}
