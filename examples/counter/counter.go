// Package counter is the source connector of the README: it counts from 1
// to its "to" key, one record per number, and a restarted task resumes
// after the last number committed. Its test runs the conformance kit on it
// and checks that the README shows this file as it is.
package counter

import (
	"context"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/source"
)

// The README shows the rest of this file.

var configDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: "topic", Type: connect.ConfigString, Required: true,
		Importance: connect.High, Doc: "The topic to write to"}).
	Define(connect.ConfigKey{Name: "to", Type: connect.ConfigLong, Default: int64(1000),
		Importance: connect.Medium, Doc: "The last number"})

var partition = connect.NewSourcePartition("counter", "numbers") // where the records come from

// Plugin is the connector, to give a worker (worker.Plugins).
func Plugin() source.Plugin {
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "com.example.CounterSource", Kind: connect.SourcePlugin, Config: configDef},
		New: func() source.Connector {
			return source.SimpleConnector(func() source.Task { return &task{} })
		},
	}
}

type task struct {
	topic string
	n, to int64 // the last number returned, and the last to count to
}

func (t *task) Start(ctx context.Context, config map[string]string, tc source.TaskContext) error {
	cfg, err := configDef.Parse(config)
	if err != nil {
		return err
	}
	t.topic, t.to = cfg.String("topic"), cfg.Long("to")
	committed, err := tc.Offsets().Offset(ctx, partition) // resume after the last number in Kafka
	if err != nil {
		return err
	}
	t.n, _ = committed.Int64("n")
	tc.Logger().Info("counting", "from", t.n+1, "to", t.to)
	return nil
}

func (t *task) Poll(ctx context.Context) ([]connect.Record, error) {
	if t.n >= t.to { // nothing new: wait a while, or until the task is stopped
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
			return nil, nil
		}
	}
	t.n++
	return []connect.Record{{
		Topic:           t.topic,
		ValueSchema:     connect.Int64Schema,
		Value:           t.n,
		SourcePartition: partition,
		SourceOffset:    connect.Int64Offset("n", t.n), // committed once Kafka has the record
	}}, nil
}

func (t *task) Stop(context.Context) error { return nil }
