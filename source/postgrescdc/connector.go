package postgrescdc

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/version"
	"github.com/kconnect-go/kconnect/source"
)

// Class is the Kafka Connect class name of the connector, Debezium's.
const Class = "io.debezium.connector.postgresql.PostgresConnector"

// Plugin describes the connector to a runtime.
func Plugin() source.Plugin {
	return source.Plugin{
		PluginInfo: connect.PluginInfo{
			Class:   Class,
			Aliases: []string{"PostgresConnector"},
			Kind:    connect.SourcePlugin,
			Version: version.Kconnect(),
			Doc: "Streams the changes of PostgreSQL tables through logical replication (pgoutput), " +
				"as Debezium's PostgreSQL connector.",
			Config: configDef,
		},
		New: func() source.Connector { return &connector{} },
	}
}

type connector struct {
	config map[string]string
}

// Start checks the configuration; the task does the rest, as the
// connector has one task only.
func (c *connector) Start(_ context.Context, config map[string]string, _ source.ConnectorContext) error {
	if _, err := parseSettings(config); err != nil {
		return fmt.Errorf("PostgresConnector: %w", err)
	}
	c.config = maps.Clone(config)
	return nil
}

// TaskConfigs returns one task whatever maxTasks: a slot is read by one
// connection.
func (c *connector) TaskConfigs(int) ([]map[string]string, error) {
	if c.config == nil {
		return nil, errors.New("PostgresConnector: TaskConfigs called before Start")
	}
	return []map[string]string{maps.Clone(c.config)}, nil
}

func (c *connector) NewTask() source.Task { return newTask() }

func (c *connector) Stop(context.Context) error { return nil }

// ExactlyOnceSupport says the tasks can run with exactly-once delivery, as
// Debezium's connector does: offsets are written record by record, and a
// task resumes exactly after the committed one, skipping what the slot
// sends again. A snapshot interrupted by a crash is taken again from its
// start, so its rows committed before the crash come again.
func (c *connector) ExactlyOnceSupport(map[string]string) source.ExactlyOnceSupport {
	return source.ExactlyOnceSupported
}
