package worker

import (
	"context"
	"errors"
	"log/slog"

	"github.com/kconnect-go/kconnect/sink"
)

type sinkTask struct{}

func (w *Worker) newSinkTask(id TaskID, c *connectorRun, conn sink.Connector, taskConfig map[string]string, log *slog.Logger) (*sinkTask, error) {
	return nil, errors.New("sink connectors are not supported yet")
}

func (st *sinkTask) run(ctx context.Context, t *taskRun) error { return nil }
