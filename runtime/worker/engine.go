package worker

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/twmb/franz-go/pkg/kgo"
)

// engine is the part of a worker that runs connectors and tasks as it is
// told, and decides nothing. Given a connector's configuration it validates
// it and builds a connectorRun (newConnectorRun, prepareSourceDelivery), which
// starts in a target state (startAs), moves between target states (pause,
// resume, halt), restarts (restart, restartTask), generates its task
// configurations and starts and stops tasks from them (reconfigureTasks,
// startTask, stopTasks), and reports the states of the connector and its
// tasks (status). The engine also reads and changes connectors' offsets
// (offsets.go) and owns the clients, the offset store, the plugins and the
// embedded broker.
//
// It keeps no list of connectors: which connectors exist, with which
// configuration and target state, is a herder's to decide (herder.Herder).
// Worker is the standalone herder, which keeps them in memory and runs them
// all here; a distributed herder keeps them in Kafka and drives the
// connectorRuns of what its group assigns to this worker. Methods on engine
// keep the receiver name w they had when Worker held all of this.
type engine struct {
	opts    options
	cluster *embeddedRun // the embedded broker, if any (embedded.go)
	seeds   []string
	admin   *kgo.Client
	store   offset.Store
	plugins connect.Plugins
	clients clientSettings // ClientConfig, parsed (clientconfig.go)

	wg sync.WaitGroup // every connector and task goroutine

	// activeTopics maps a connector's name to a *sync.Map whose keys are
	// the topics its tasks used (activetopics.go); activeTopicsGen counts
	// the forgettings (delete, reset), so that tasks note topics again.
	activeTopics    sync.Map
	activeTopicsGen atomic.Uint64
}

// prepare resolves a connector's configuration (ConfigProviders),
// validates it in full and returns its run, not started, with what it
// needs opened (its own offsets topic, its exactly-once state); release
// undoes that. Nothing else changes, whatever the error, whose message
// holds no resolved value and none of the configuration's passwords
// (passwords.go).
func (w *engine) prepare(ctx context.Context, name string, config map[string]string) (*connectorRun, error) {
	res, err := w.resolve(ctx, config)
	if err != nil {
		return nil, invalidConfig(fmt.Errorf("worker: connector %s: %w", name, err))
	}
	// The resolved configuration: its passwords include those its
	// references resolve to.
	secrets := w.secrets(res.Config)
	c, err := w.newConnectorRun(name, config, res.Config)
	if err != nil {
		return nil, invalidConfig(scrubError(redact(res, err), secrets))
	}
	c.secrets = secrets
	c.log = scrubbingLogger(c.log, secrets)
	if err := w.prepareSourceDelivery(ctx, c); err != nil {
		return nil, scrubError(redact(res, err), secrets)
	}
	return c, nil
}

// invalidConfig marks err, which says why a connector configuration is
// invalid, as herder.ErrInvalidConfig, keeping its message.
func invalidConfig(err error) error { return &marked{err: err, mark: herder.ErrInvalidConfig} }
