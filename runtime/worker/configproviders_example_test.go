package worker_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/kconnect-go/kconnect/configprovider"
	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/runtime/embedded"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/source"
)

// tokenTask says which api.token it was started with, then waits to be
// stopped.
type tokenTask struct{ seen chan<- string }

func (t tokenTask) Start(_ context.Context, cfg map[string]string, _ source.TaskContext) error {
	t.seen <- cfg["api.token"]
	return nil
}

func (tokenTask) Poll(ctx context.Context) ([]connect.Record, error) {
	<-ctx.Done()
	return nil, nil
}

func (tokenTask) Stop(context.Context) error { return nil }

// Example_configProviders keeps a secret out of a connector's
// configuration: the worker declares an environment provider, as a
// worker.properties does, the configuration refers to the variable, the
// task gets its value, and what the worker shows is the reference.
func Example_configProviders() {
	ctx := context.Background()
	os.Setenv("EXAMPLE_API_TOKEN", "s3cr3t")
	providers, err := configprovider.FromConfig(map[string]string{
		"config.providers":                             "env",
		"config.providers.env.class":                   "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
		"config.providers.env.param.allowlist.pattern": "EXAMPLE_.*",
	})
	if err != nil {
		panic(err)
	}
	defer providers.Close()

	seen := make(chan string, 1)
	api := source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "example.API", Kind: connect.SourcePlugin},
		New: func() source.Connector {
			return source.SimpleConnector(func() source.Task { return tokenTask{seen: seen} })
		},
	}
	w, err := worker.New(embedded.Broker(), worker.Plugins(api), worker.ConfigProviders(providers),
		worker.Logger(slog.New(slog.DiscardHandler)))
	if err != nil {
		panic(err)
	}
	defer w.Close()
	err = w.CreateConnector(ctx, "api", map[string]string{
		"connector.class": "example.API",
		"api.token":       "${env:EXAMPLE_API_TOKEN}",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("the task got:", <-seen)
	config, err := w.ConnectorConfig(ctx, "api")
	if err != nil {
		panic(err)
	}
	fmt.Println("the config shows:", config["api.token"])
	tasks, err := w.TaskConfigs(ctx, "api")
	if err != nil {
		panic(err)
	}
	fmt.Println("the task config shows:", tasks[0].Config["api.token"])
	// Output:
	// the task got: s3cr3t
	// the config shows: ${env:EXAMPLE_API_TOKEN}
	// the task config shows: ${env:EXAMPLE_API_TOKEN}
}
