package main

import (
	"context"
	"fmt"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/source"
)

var greetingConfig = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: "topic", Type: connect.ConfigString, Required: true,
		Importance: connect.High, Doc: "The topic to write to"}).
	Define(connect.ConfigKey{Name: "greeting", Type: connect.ConfigString, Default: "hello",
		Importance: connect.Medium, Doc: "What to say"}).
	Define(connect.ConfigKey{Name: "count", Type: connect.ConfigLong, Default: int64(3),
		Importance: connect.Medium, Doc: "How many greetings"})

var greetings = connect.NewSourcePartition("greeting", "greetings")

// GreetingSource is a source connector that writes "<greeting> <n>" for n
// from 1 to count, and resumes after the last one committed.
func GreetingSource() source.Plugin {
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "com.example.GreetingSource", Aliases: []string{"Greeting"},
			Kind: connect.SourcePlugin, Version: "1.0", Config: greetingConfig,
			Doc: "Writes a greeting count times."},
		New: func() source.Connector { return source.SimpleConnector(func() source.Task { return &greeter{} }) },
	}
}

type greeter struct {
	topic, greeting string
	n, count        int64
}

func (g *greeter) Start(ctx context.Context, config map[string]string, tc source.TaskContext) error {
	cfg, err := greetingConfig.Parse(config)
	if err != nil {
		return err
	}
	g.topic, g.greeting, g.count = cfg.String("topic"), cfg.String("greeting"), cfg.Long("count")
	committed, err := tc.Offsets().Offset(ctx, greetings)
	if err != nil {
		return err
	}
	g.n, _ = committed.Int64("n")
	return nil
}

func (g *greeter) Poll(ctx context.Context) ([]connect.Record, error) {
	if g.n >= g.count {
		<-ctx.Done() // said everything: wait to be stopped
		return nil, ctx.Err()
	}
	g.n++
	return []connect.Record{{
		Topic: g.topic, ValueSchema: connect.StringSchema, Value: fmt.Sprintf("%s %d", g.greeting, g.n),
		SourcePartition: greetings, SourceOffset: connect.Int64Offset("n", g.n),
	}}, nil
}

func (g *greeter) Stop(context.Context) error { return nil }
