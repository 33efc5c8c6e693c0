package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/kconnect-go/kconnect/source"
)

// Engine runs connectors and tasks for a herder other than Worker, such as
// runtime/distributed's: it decides nothing, keeps no list of connectors,
// and runs, for each connector the herder hands it a configuration of,
// the connector instance, some of its tasks, or both, as the herder's
// group assigns them. It is built from the same options as a Worker
// (OnStateChange reports every state its connectors and tasks take, which
// a distributed herder writes to its status topic). Its methods are safe
// for concurrent use.
type Engine struct {
	*engine
	// plain answers the calls that need no connector (plugins, validation)
	// as a Worker with no connectors does.
	plain *Worker
}

// NewEngine returns an Engine, connected to Kafka as New's Worker is, that
// runs nothing until told.
func NewEngine(opts ...Opt) (*Engine, error) {
	e, err := newEngine(opts...)
	if err != nil {
		return nil, err
	}
	return &Engine{engine: e, plain: &Worker{engine: e, connectors: map[string]*connectorRun{}}}, nil
}

// ID returns the engine's worker id (ID), which its status reports carry.
func (e *Engine) ID() string { return e.opts.id }

// Close waits for every connector and task goroutine, which the herder
// stopped first (Run.Stop), and releases the clients, the offset store the
// engine opened and the embedded broker.
func (e *Engine) Close() error {
	e.wg.Wait()
	e.admin.Close()
	var errs []error
	if e.opts.store == nil {
		errs = append(errs, e.store.Close())
	}
	errs = append(errs, e.closeCluster())
	return errors.Join(errs...)
}

// ValidateConfig is herder.Herder's ValidateConfig for a connector that
// has no stored configuration here: a "[hidden]" password is an error.
func (e *Engine) ValidateConfig(ctx context.Context, config map[string]string) (connect.ConfigInfos, error) {
	return e.plain.ValidateConfig(ctx, config)
}

// ConnectorPlugins is herder.Herder's ConnectorPlugins.
func (e *Engine) ConnectorPlugins(ctx context.Context, connectorsOnly bool) ([]herder.PluginInfo, error) {
	return e.plain.ConnectorPlugins(ctx, connectorsOnly)
}

// ConnectorPluginConfig is herder.Herder's ConnectorPluginConfig.
func (e *Engine) ConnectorPluginConfig(ctx context.Context, plugin string) ([]connect.ConfigKeyInfo, error) {
	return e.plain.ConnectorPluginConfig(ctx, plugin)
}

// CheckConfig resolves and validates connector name's configuration in
// full, as PutConnectorConfig does before keeping one, and returns the
// connector's type ("source" or "sink"). It starts and opens nothing. The
// error wraps herder.ErrInvalidConfig, naming every bad key, and holds no
// resolved value and none of the configuration's passwords.
func (e *Engine) CheckConfig(ctx context.Context, name string, config map[string]string) (string, error) {
	res, err := e.resolve(ctx, config)
	if err != nil {
		return "", invalidConfig(fmt.Errorf("worker: connector %s: %w", name, err))
	}
	c, err := e.newConnectorRun(name, config, res.Config)
	if err != nil {
		return "", invalidConfig(scrubError(redact(res, err), e.secrets(res.Config)))
	}
	// A distributed leader keeps only what its workers can run: the
	// exactly-once settings are checked at the put, as Kafka Connect
	// validates them.
	if err := e.eosConfigError(c); err != nil {
		return "", scrubError(redact(res, err), e.secrets(res.Config))
	}
	return c.kind.String(), nil
}

// HidePasswords returns config with the value of each of its password keys
// shown as connect.PasswordHidden, as herder.Herder's answers show them.
func (e *Engine) HidePasswords(config map[string]string) map[string]string {
	return e.hidePasswords(config)
}

// Run is one connector's configuration prepared to run on an Engine: its
// connector instance (StartConnector), some of its tasks (StartTask), or
// both. A new configuration is a new Run.
type Run struct {
	c                *connectorRun
	connectorStarted bool
}

// Prepare resolves and validates connector name's configuration and
// returns its Run, with what it needs opened (its own offsets topic),
// running nothing yet. Errors are CheckConfig's, or opening what the
// connector needs.
func (e *Engine) Prepare(ctx context.Context, name string, config map[string]string) (*Run, error) {
	c, err := e.prepare(ctx, name, config)
	if err != nil {
		return nil, err
	}
	return &Run{c: c}, nil
}

// StartConnector starts the connector instance in target. Started or
// paused, the connector generates its task configs, which are handed to
// publish, not run here, now and each time it requests a
// reconfiguration; publish must return quickly. It reports the connector
// RUNNING (PAUSED, STOPPED) once that is done. A failure to start leaves
// the connector FAILED and wraps ErrConnectorFailed. Call it at most
// once, before any StartTask.
func (r *Run) StartConnector(ctx context.Context, target TargetState, publish func(taskConfigs []map[string]string)) error {
	r.c.publish = publish
	r.connectorStarted = true
	return r.c.startAs(ctx, target)
}

// StartTask starts task i of the connector with its config, or in target
// TargetPaused reports it PAUSED without running it. A task that cannot
// be created is FAILED in its place and the error says why; one that
// fails later is restarted as a Worker restarts it.
func (r *Run) StartTask(ctx context.Context, i int, config map[string]string, target TargetState) error {
	c := r.c
	c.mu.Lock()
	if c.instance == nil {
		// The task's connector runs on another worker: tasks are made by
		// an instance of the plugin, which need not be started for that.
		switch p := c.plugin.(type) {
		case source.Plugin:
			c.instance = p.New()
		case sink.Plugin:
			c.instance = p.New()
		}
	}
	c.mu.Unlock()
	if target == TargetPaused {
		c.mu.Lock()
		c.tasks[i] = c.pausedTask(i)
		c.mu.Unlock()
		return nil
	}
	return c.startTask(ctx, i, config)
}

// RestartConnector stops the Run's connector instance and starts a new
// one in the target state it was started in, as RestartConnector of a
// Worker restarts one; the Run's tasks are left as they are. It is
// ErrNotFound when the instance does not run here (no StartConnector).
func (r *Run) RestartConnector(ctx context.Context) error {
	if !r.connectorStarted {
		return fmt.Errorf("worker: %w: connector %s does not run here", ErrNotFound, r.c.name)
	}
	return r.c.restartInstance(ctx)
}

// RestartTask stops task i if it runs here and starts it again with
// config in target, as StartTask; an instance that did not stop in time
// is abandoned and the error wraps ErrTaskAbandoned, the new one
// starting all the same.
func (r *Run) RestartTask(ctx context.Context, i int, config map[string]string, target TargetState) error {
	c := r.c
	c.mu.Lock()
	t := c.tasks[i]
	delete(c.restartDelay, i)
	c.mu.Unlock()
	var abandoned error
	if t != nil {
		abandoned = c.awaitTasks(ctx, []*taskRun{t})
	}
	return errors.Join(abandoned, r.StartTask(ctx, i, config, target))
}

// Offsets returns the connector's committed offsets, as
// Worker.ConnectorOffsets does: a source connector's from its offset
// stores, a sink connector's from its consumer group.
func (r *Run) Offsets(ctx context.Context) (herder.ConnectorOffsets, error) {
	return r.c.w.connectorOffsets(ctx, r.c)
}

// AlterOffsets writes offsets for the connector, as
// Worker.AlterConnectorOffsets does, and ResetOffsets forgets them all,
// as Worker.ResetConnectorOffsets does. The caller sees to it that the
// connector is STOPPED on every worker, so that no task commits
// meanwhile.
func (r *Run) AlterOffsets(ctx context.Context, offsets []herder.ConnectorOffset) (herder.Message, error) {
	return r.c.w.alterOffsets(ctx, r.c, offsets)
}

// ResetOffsets: see AlterOffsets.
func (r *Run) ResetOffsets(ctx context.Context) (herder.Message, error) {
	return r.c.w.resetOffsets(ctx, r.c)
}

// Status returns what the Run runs here: its connector's state (UNASSIGNED
// when the connector instance does not run here) and its tasks'.
func (r *Run) Status() ConnectorStatus { return r.c.status() }

// Stop stops the Run's tasks, committing their offsets, and then its
// connector instance if it runs here, within the engine's task shutdown
// budget; the error wraps ErrTaskAbandoned for tasks that did not stop in
// time.
func (r *Run) Stop(ctx context.Context) error {
	var err error
	if r.connectorStarted {
		err = r.c.stop(ctx)
	} else {
		err = r.c.stopTasks(ctx)
	}
	r.c.w.releaseSourceOffsets(r.c)
	return err
}

// StopTask stops task i if it runs here, committing its offsets, and
// forgets it, as Stop does for every task; the rest of the Run is left
// running. The error wraps ErrTaskAbandoned when the task did not stop
// within the engine's task shutdown budget.
func (r *Run) StopTask(ctx context.Context, i int) error {
	c := r.c
	c.mu.Lock()
	t := c.tasks[i]
	delete(c.tasks, i)
	delete(c.restartDelay, i)
	c.mu.Unlock()
	if t == nil {
		return nil
	}
	return c.awaitTasks(ctx, []*taskRun{t})
}

// StopConnector stops the Run's connector instance, if it runs here,
// leaving its tasks running; it reports the connector STOPPED. The Run's
// StartConnector may be called again afterwards.
func (r *Run) StopConnector(ctx context.Context) error {
	if !r.connectorStarted {
		return nil
	}
	r.connectorStarted = false
	c := r.c
	c.mu.Lock()
	cancel, done := c.cancel, c.done
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	<-done
	err := c.stopInstance(ctx)
	c.setState(Stopped, "")
	if err != nil {
		return fmt.Errorf("worker: connector %s: stopping: %w", c.name, err)
	}
	return nil
}

// ConnectorType returns the type ("source" or "sink") of the connector
// plugin class names, by class or alias; "unknown" for no such plugin.
func (e *Engine) ConnectorType(class string) string {
	p, err := e.connectorPlugin(class)
	if err != nil {
		return "unknown"
	}
	return p.Info().Kind.String()
}

// RestorePasswords returns connector name's config with each password
// key given as connect.PasswordHidden set to its value in old, the
// configuration it replaces (nil for a new connector), as
// herder.Herder's PutConnectorConfig keeps them. A hidden password old
// has no value for is an error wrapping herder.ErrInvalidConfig naming the
// key.
func (e *Engine) RestorePasswords(name string, config, old map[string]string) (map[string]string, error) {
	config, hidden := e.restorePasswords(config, old)
	if len(hidden) > 0 {
		return nil, invalidConfig(fmt.Errorf("worker: connector %s: %w", name, &connect.ConfigError{Errors: hidden}))
	}
	return config, nil
}

// PluginVersion returns the version of the connector plugin class names,
// by class or alias, which its statuses carry (KIP-891); "" for no such
// plugin or one without a version.
func (e *Engine) PluginVersion(class string) string {
	p, err := e.connectorPlugin(class)
	if err != nil {
		return ""
	}
	return p.Info().Version
}

// ConnectorAdmin returns the Kafka client to make connector name's admin
// requests with, as Kafka Connect's Worker.adminConfigs builds the admin
// client it fences a connector's exactly-once source task producers
// with: the worker's admin client (its client keys with admin.* over
// them) when config sets no admin.override.* key, else a client of the
// connector's own with those overrides over the worker's admin settings,
// as connector.client.config.override.policy allows. References to config
// providers in config are resolved first. Call done when finished with
// the client. The error is resolving's, or a *connect.ConfigError naming
// each override refused or not understood.
func (e *Engine) ConnectorAdmin(ctx context.Context, name string, config map[string]string) (cl *kgo.Client, done func(), err error) {
	resolved, err := e.resolve(ctx, config)
	if err != nil {
		return nil, nil, fmt.Errorf("connector %s: %w", name, err)
	}
	overrides := map[string]string{}
	var bad []*connect.ConfigKeyError
	for key, v := range resolved.Config {
		opt, ok := strings.CutPrefix(key, AdminOverridePrefix)
		if !ok {
			continue
		}
		if !e.opts.overridePolicy.allows(opt) {
			bad = append(bad, &connect.ConfigKeyError{Key: key, Message: key + ": " + e.opts.overridePolicy.refusal(opt)})
			continue
		}
		overrides[opt] = v
	}
	opts, sec, errs := e.clientOverrides(overrides, AdminOverridePrefix, adminClient)
	if bad = append(bad, errs...); len(bad) > 0 {
		return nil, nil, fmt.Errorf("connector %s: %w", name, &connect.ConfigError{Errors: uniqueKeyErrors(bad)})
	}
	if len(overrides) == 0 {
		return e.admin, func() {}, nil
	}
	cl, err = kgo.NewClient(append(e.clientOptsWith(sec, kgo.ClientID("connector-worker-adminclient-"+name)), opts...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("connector %s: admin client: %w", name, err)
	}
	return cl, cl.Close, nil
}
