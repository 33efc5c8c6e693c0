package sink

import (
	"context"
	"maps"

	"github.com/kconnect-go/kconnect/connect"
)

// PutFunc adapts a put function to a Task whose Start and Stop do nothing
// and which writes synchronously (so every record Put is committed).
type PutFunc func(ctx context.Context, records []connect.Record) error

// Start does nothing.
func (PutFunc) Start(context.Context, map[string]string, TaskContext) error { return nil }

// Put calls f.
func (f PutFunc) Put(ctx context.Context, records []connect.Record) error { return f(ctx, records) }

// Stop does nothing.
func (PutFunc) Stop(context.Context) error { return nil }

// SimpleConnector returns a Connector whose tasks, created by newTask, each receive
// the connector's configuration; with tasks.max above one, the tasks share
// the topics' partitions.
func SimpleConnector(newTask func() Task) Connector { return &sameTasks{newTask: newTask} }

type sameTasks struct {
	newTask func() Task
	config  map[string]string
}

func (c *sameTasks) Start(_ context.Context, config map[string]string, _ connect.ConnectorContext) error {
	c.config = maps.Clone(config)
	return nil
}

func (c *sameTasks) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	out := make([]map[string]string, 0, max(maxTasks, 0))
	for range maxTasks {
		out = append(out, maps.Clone(c.config))
	}
	return out, nil
}

func (c *sameTasks) NewTask() Task              { return c.newTask() }
func (c *sameTasks) Stop(context.Context) error { return nil }
