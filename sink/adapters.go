package sink

import (
	"context"
	"errors"
	"fmt"
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

// CheckedConnector is SimpleConnector for a connector with a configuration
// to check and nothing of its own to store: Start fails, with an error
// prefixed by name (the connector's short class name, say), when check
// refuses the configuration, and each task created by newTask receives the
// configuration. It keeps no offsets outside Kafka's consumer group, so it
// is an OffsetAlterer that accepts every change.
func CheckedConnector(name string, check func(config map[string]string) error, newTask func() Task) Connector {
	return &checked{name: name, check: check, sameTasks: sameTasks{newTask: newTask}}
}

type checked struct {
	name  string
	check func(map[string]string) error
	sameTasks
}

func (c *checked) Start(ctx context.Context, config map[string]string, cc connect.ConnectorContext) error {
	if err := c.check(config); err != nil {
		return fmt.Errorf("%s: %w", c.name, err)
	}
	return c.sameTasks.Start(ctx, config, cc)
}

func (c *checked) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	if c.config == nil {
		return nil, errors.New(c.name + ": TaskConfigs called before Start")
	}
	return c.sameTasks.TaskConfigs(maxTasks)
}

// AlterOffsets accepts every change: the connector keeps no offsets
// outside Kafka's consumer group.
func (c *checked) AlterOffsets(context.Context, map[string]string, []OffsetChange) (bool, error) {
	return true, nil
}
