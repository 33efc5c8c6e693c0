package source

import (
	"context"
	"maps"

	"github.com/kconnect-go/kconnect/connect"
)

// TaskFunc adapts a poll function to a Task whose Start and Stop do
// nothing. The function must honour ctx as Poll's contract says.
type TaskFunc func(ctx context.Context) ([]connect.Record, error)

// Start does nothing.
func (TaskFunc) Start(context.Context, map[string]string, TaskContext) error { return nil }

// Poll calls f.
func (f TaskFunc) Poll(ctx context.Context) ([]connect.Record, error) { return f(ctx) }

// Stop does nothing.
func (TaskFunc) Stop(context.Context) error { return nil }

// SimpleConnector returns a Connector that runs a single task, created by
// newTask, which receives the connector's own configuration. It suits
// sources whose work cannot be split.
func SimpleConnector(newTask func() Task) Connector { return &oneTask{newTask: newTask} }

type oneTask struct {
	newTask func() Task
	config  map[string]string
}

func (c *oneTask) Start(_ context.Context, config map[string]string, _ ConnectorContext) error {
	c.config = maps.Clone(config)
	return nil
}

func (c *oneTask) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	if maxTasks < 1 {
		return nil, nil
	}
	return []map[string]string{maps.Clone(c.config)}, nil
}

func (c *oneTask) NewTask() Task                { return c.newTask() }
func (c *oneTask) Stop(_ context.Context) error { return nil }
