package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/runtime/herder"
)

// This file is the Worker as Kafka Connect's standalone herder
// (herder.Herder): the connector map and the calls of the REST API, each
// checked and then carried out by the engine.

// serial serialises the calls that change one connector, as Kafka Connect's
// herders handle one request at a time, so that what a call checks first
// (the connector exists, is STOPPED, has these tasks) still holds when it
// acts. Calls on different connectors run side by side, and reads take no
// turn.
type serial struct {
	mu    sync.Mutex
	turns map[string]*turn
}

type turn struct {
	token chan struct{} // holds a value while a call has the turn
	users int           // calls holding or waiting for the turn
}

// lock waits for name's turn, or for ctx to end; unlock gives it back.
func (s *serial) lock(ctx context.Context, name string) (unlock func(), err error) {
	s.mu.Lock()
	if s.turns == nil {
		s.turns = make(map[string]*turn)
	}
	t := s.turns[name]
	if t == nil {
		t = &turn{token: make(chan struct{}, 1)}
		s.turns[name] = t
	}
	t.users++
	s.mu.Unlock()
	leave := func() {
		s.mu.Lock()
		if t.users--; t.users == 0 {
			delete(s.turns, name)
		}
		s.mu.Unlock()
	}
	select {
	case t.token <- struct{}{}:
		return func() { <-t.token; leave() }, nil
	case <-ctx.Done():
		leave()
		return nil, fmt.Errorf("worker: connector %s: waiting for another change to it to finish: %w", name, context.Cause(ctx))
	}
}

// marked is an error that also wraps one of the herder's sentinel errors,
// keeping its own message.
type marked struct{ err, mark error }

func (e *marked) Error() string   { return e.err.Error() }
func (e *marked) Unwrap() []error { return []error{e.mark, e.err} }

// badRequest returns an error wrapping herder.ErrBadRequest with the
// message format gives.
func badRequest(format string, args ...any) error {
	return &marked{err: fmt.Errorf(format, args...), mark: herder.ErrBadRequest}
}

// putMode says whether a put may create a connector, replace one, or both.
type putMode int

const (
	createOrReplace putMode = iota
	createOnly
	replaceOnly
)

// put makes config the configuration of connector name, as
// herder.Herder.PutConnectorConfig describes, in name's turn. It returns
// the connector's run when the configuration was kept, even with an error
// (ErrConnectorFailed, ErrTaskAbandoned), and whether it created the
// connector.
func (w *Worker) put(ctx context.Context, name string, config map[string]string, order []string, mode putMode, initial TargetState) (*connectorRun, bool, error) {
	unlock, err := w.changing.lock(ctx, name)
	if err != nil {
		return nil, false, err
	}
	defer unlock()
	return w.putLocked(ctx, name, config, order, mode, initial)
}

// putLocked is put for a caller that has name's turn. order is the order of
// config's keys in answers (herder.OrderedKeys).
func (w *Worker) putLocked(ctx context.Context, name string, config map[string]string, order []string, mode putMode, initial TargetState) (*connectorRun, bool, error) {
	cfg, err := namedConfig(name, config)
	if err != nil {
		return nil, false, &marked{err: err, mark: herder.ErrBadRequest}
	}
	switch initial {
	case "":
		initial = TargetStarted
	case TargetStarted, TargetPaused, TargetStopped:
	default:
		return nil, false, badRequest("worker: connector %s: initial state %q: must be %s, %s or %s", name, initial, TargetStarted, TargetPaused, TargetStopped)
	}
	w.mu.Lock()
	old, closed := w.connectors[name], w.closed
	w.mu.Unlock()
	switch {
	case closed:
		return nil, false, errors.New("worker: closed")
	case old != nil && mode == createOnly:
		return nil, false, fmt.Errorf("worker: connector %s %w", name, herder.ErrAlreadyExists)
	case old == nil && mode == replaceOnly:
		return nil, false, fmt.Errorf("worker: %w: connector %s", ErrNotFound, name)
	}
	var oldRaw map[string]string
	if old != nil {
		oldRaw = old.raw
	}
	cfg, hidden := w.restorePasswords(cfg, oldRaw)
	if len(hidden) > 0 {
		return nil, false, invalidConfig(fmt.Errorf("worker: connector %s: %w", name, &connect.ConfigError{Errors: hidden}))
	}

	c, err := w.prepare(ctx, name, cfg)
	if err != nil {
		return nil, false, err
	}
	c.order = herder.OrderedKeys(cfg, order)
	w.mu.Lock()
	if w.closed || w.connectors[name] != old { // closed meanwhile: nothing else changes name in its turn
		w.mu.Unlock()
		w.releaseSourceOffsets(c)
		return nil, false, fmt.Errorf("worker: connector %s was not put: the worker closed", name)
	}
	w.connectors[name] = c
	w.mu.Unlock()

	if old == nil {
		return c, true, c.startAs(ctx, initial)
	}
	old.mu.Lock()
	target := old.target
	old.mu.Unlock()
	var abandoned error
	if target != TargetStopped {
		if err := old.stop(ctx); err != nil {
			// Stopped all the same; the new configuration still applies.
			c.log.Warn("stopping the connector for its new configuration", "err", err)
			if errors.Is(err, ErrTaskAbandoned) {
				abandoned = err
			}
		}
	}
	w.releaseSourceOffsets(old)
	c.log.Info("connector configuration updated", "target", target)
	return c, false, errors.Join(abandoned, c.startAs(ctx, target))
}

// kept reports whether a put that returned err kept its configuration.
func kept(err error) bool {
	return err == nil || errors.Is(err, ErrConnectorFailed) || errors.Is(err, ErrTaskAbandoned)
}

// PutConnectorConfig implements herder.Herder: it creates a connector or
// replaces its configuration, in the target state opts.InitialState for a
// new one; see CreateConnector and UpdateConnector.
func (w *Worker) PutConnectorConfig(ctx context.Context, name string, config map[string]string, opts herder.PutOptions) (herder.ConnectorInfo, bool, error) {
	mode := createOrReplace
	if opts.CreateOnly {
		mode = createOnly
	}
	c, created, err := w.put(ctx, name, config, opts.KeyOrder, mode, opts.InitialState)
	if c == nil || !kept(err) {
		return herder.ConnectorInfo{}, false, err
	}
	return c.info(), created, err
}

// PatchConnectorConfig implements herder.Herder: each key of patch is set
// to its value, or removed when it is nil, and the result replaces the
// connector's configuration as UpdateConnector does. Its keys are then
// answered in a Java HashMap's order, as Kafka Connect answers them.
func (w *Worker) PatchConnectorConfig(ctx context.Context, name string, patch map[string]*string) (herder.ConnectorInfo, error) {
	return inTurnFor(ctx, w, name, func(old *connectorRun) (herder.ConnectorInfo, error) {
		cfg := maps.Clone(old.raw)
		order := slices.Clone(old.order)
		for _, k := range slices.Sorted(maps.Keys(patch)) {
			if v := patch[k]; v == nil {
				delete(cfg, k)
			} else {
				if _, ok := cfg[k]; !ok {
					order = append(order, k)
				}
				cfg[k] = *v
			}
		}
		// Kafka Connect patches a HashMap copy of the configuration, and
		// answers it in that map's order from then on.
		order = herder.OrderedKeys(cfg, order)
		connect.JavaHashMapOrder(order)
		c, _, err := w.putLocked(ctx, name, cfg, order, replaceOnly, "")
		if c == nil || !kept(err) {
			return herder.ConnectorInfo{}, err
		}
		return c.info(), err
	})
}

// ListConnectors implements herder.Herder: the connectors' names, sorted.
func (w *Worker) ListConnectors(context.Context) ([]string, error) { return w.Connectors(), nil }

// ConnectorInfo implements herder.Herder.
func (w *Worker) ConnectorInfo(_ context.Context, name string) (herder.ConnectorInfo, error) {
	c, err := w.connector(name)
	if err != nil {
		return herder.ConnectorInfo{}, err
	}
	return c.info(), nil
}

// ConnectorConfig implements herder.Herder: the configuration as given,
// with its name key and its passwords hidden (passwords.go).
func (w *Worker) ConnectorConfig(_ context.Context, name string) (map[string]string, error) {
	c, err := w.connector(name)
	if err != nil {
		return nil, err
	}
	return w.hidePasswords(c.raw), nil
}

// TaskConfigs implements herder.Herder: the configurations the connector
// generated for its tasks, which each task is started with, each key whose
// value in the connector's configuration held a config provider reference
// shown with that value, as Kafka Connect shows them (ConfigProviders), and
// the passwords hidden: the values of the connector's password keys, and
// any value that is one of the connector's passwords.
func (w *Worker) TaskConfigs(_ context.Context, name string) ([]herder.TaskInfo, error) {
	c, err := w.connector(name)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	configs := c.taskConfigs
	raw := c.raw
	c.mu.Unlock()
	info := c.plugin.Info()
	out := make([]herder.TaskInfo, len(configs))
	for i, tc := range configs {
		out[i] = herder.TaskInfo{ID: TaskID{Connector: name, Task: i}, Config: w.hideTaskPasswords(info, reverseTransform(raw, tc), c.secrets)}
	}
	return out, nil
}

// info returns c's configuration, its passwords hidden, tasks and type.
func (c *connectorRun) info() herder.ConnectorInfo {
	c.mu.Lock()
	n := len(c.taskConfigs)
	c.mu.Unlock()
	info := herder.ConnectorInfo{Name: c.name, Config: c.w.hidePasswords(c.raw), Tasks: make([]TaskID, n), Type: c.kind.String(),
		ConfigOrder: slices.Clone(c.order)}
	for i := range info.Tasks {
		info.Tasks[i] = TaskID{Connector: c.name, Task: i}
	}
	return info
}

// ConnectorStatus implements herder.Herder; it is Status.
func (w *Worker) ConnectorStatus(_ context.Context, name string) (ConnectorStatus, error) {
	return w.Status(name)
}

// TaskStatus implements herder.Herder.
func (w *Worker) TaskStatus(_ context.Context, name string, task int) (TaskState, error) {
	st, err := w.Status(name)
	if err != nil {
		return TaskState{}, err
	}
	for _, t := range st.Tasks {
		if t.ID == task {
			return t, nil
		}
	}
	return TaskState{}, fmt.Errorf("worker: %w: task %d of connector %s, which has %d tasks", ErrNotFound, task, name, len(st.Tasks))
}

// RestartConnectorAndTasks implements herder.Herder; see RestartConnector.
// The status it returns is the connector's as it was when called, with what
// the call restarts shown RESTARTING, as Kafka Connect's restart plan has
// it, whatever the connector's target state; it is returned with the
// restart's error too, which wraps ErrConnectorFailed or ErrTaskAbandoned
// when the restart was made but did not go as asked.
func (w *Worker) RestartConnectorAndTasks(ctx context.Context, name string, opts herder.RestartOptions) (ConnectorStatus, error) {
	return inTurnFor(ctx, w, name, func(c *connectorRun) (ConnectorStatus, error) { return c.restartAsAsked(ctx, opts) })
}

// restartAsAsked is RestartConnectorAndTasks for a caller that has c's turn.
func (c *connectorRun) restartAsAsked(ctx context.Context, opts herder.RestartOptions) (ConnectorStatus, error) {
	plan := c.status()
	restarts := false
	if !opts.OnlyFailed || plan.Connector.State == Failed {
		plan.Connector.State, restarts = Restarting, true
	}
	for i, t := range plan.Tasks {
		if opts.IncludeTasks && (!opts.OnlyFailed || t.State == Failed) {
			plan.Tasks[i].State, restarts = Restarting, true
		}
	}
	if !restarts {
		return plan, nil
	}
	c.log.Info("restarting", "include_tasks", opts.IncludeTasks, "only_failed", opts.OnlyFailed)
	return plan, c.restart(ctx, opts.IncludeTasks, opts.OnlyFailed)
}

// ValidateConfig implements herder.Herder; it is ValidateConnectorConfig,
// whose errors (no connector.class, or no such connector plugin) wrap
// herder.ErrBadRequest.
func (w *Worker) ValidateConfig(ctx context.Context, config map[string]string) (connect.ConfigInfos, error) {
	infos, err := w.validateConnectorConfig(ctx, config)
	if err != nil {
		return connect.ConfigInfos{}, &marked{err: err, mark: herder.ErrBadRequest}
	}
	return infos, nil
}

// pluginOrder is the order of Kafka Connect's GET /connector-plugins.
var pluginOrder = []connect.PluginKind{
	connect.SinkPlugin, connect.SourcePlugin, connect.TransformationPlugin, connect.PredicatePlugin,
	connect.ConverterPlugin, connect.HeaderConverterPlugin,
}

// ConnectorPlugins implements herder.Herder: the worker's plugins, the
// built-in converters and transformations included.
func (w *Worker) ConnectorPlugins(_ context.Context, connectorsOnly bool) ([]herder.PluginInfo, error) {
	kinds := pluginOrder
	if connectorsOnly {
		kinds = pluginOrder[:2]
	}
	out := []herder.PluginInfo{}
	for _, kind := range kinds {
		var infos []herder.PluginInfo
		for _, p := range w.plugins {
			if info := p.Info(); info.Kind == kind {
				infos = append(infos, herder.PluginInfo{Class: info.Class, Type: kind.String(), Version: info.Version})
			}
		}
		slices.SortFunc(infos, func(a, b herder.PluginInfo) int {
			return cmp.Or(strings.Compare(a.Class, b.Class), strings.Compare(a.Version, b.Version))
		})
		out = append(out, slices.Compact(infos)...)
	}
	return out, nil
}

// ConnectorPluginConfig implements herder.Herder: the keys the plugin's
// ConfigDef defines (none for a plugin without one), and for a connector
// then the common keys of its kind that it does not define itself, as
// Kafka Connect lists them (connector.plugin.version defaulting to the
// plugin's version; the converter keys without the worker's defaults).
func (w *Worker) ConnectorPluginConfig(_ context.Context, plugin string) ([]connect.ConfigKeyInfo, error) {
	for _, kind := range pluginOrder {
		p, err := w.findPlugin(kind, plugin)
		if err != nil {
			continue
		}
		info := p.Info()
		def := connect.NewConfigDef()
		for _, k := range info.Config.Keys() {
			def.Define(k)
		}
		if kind == connect.SourcePlugin || kind == connect.SinkPlugin {
			// A connector's keys are followed by the common keys of its
			// kind, as Kafka Connect lists them.
			for _, k := range w.describedConfigDef(commonConfigDef(kind), info, false).Keys() {
				if _, defined := def.Key(k.Name); !defined {
					def.Define(k)
				}
			}
		}
		out := []connect.ConfigKeyInfo{}
		for _, ci := range def.Infos(info.Class, nil).Configs {
			out = append(out, *ci.Definition)
		}
		return out, nil
	}
	return nil, fmt.Errorf("worker: %w: no plugin called %q", ErrNotFound, plugin)
}

// ConnectorOffsets implements herder.Herder: a source connector's offsets
// from its offset stores (its own offsets topic first, then the worker's
// store), a sink connector's from its consumer group, sorted by partition.
func (w *Worker) ConnectorOffsets(ctx context.Context, name string) (herder.ConnectorOffsets, error) {
	c, err := w.connector(name)
	if err != nil {
		return herder.ConnectorOffsets{}, err
	}
	return w.connectorOffsets(ctx, c)
}

// AlterConnectorOffsets implements herder.Herder. A source connector's
// offsets are written to its offset stores (a zero Offset as a tombstone)
// after its source.OffsetAlterer, if it has one, accepted them (its refusal
// is an error wrapping no herder sentinel, a 500 as in Kafka Connect); a
// sink connector's are committed to, or for a zero Offset deleted from,
// its consumer group connect-<name>.
func (w *Worker) AlterConnectorOffsets(ctx context.Context, name string, offsets herder.ConnectorOffsets) (herder.Message, error) {
	if len(offsets.Offsets) == 0 {
		return herder.Message{}, badRequest("Partitions / offsets need to be provided for an alter offsets request")
	}
	return w.modifyOffsets(ctx, name, func(c *connectorRun) (herder.Message, error) {
		return w.alterOffsets(ctx, c, offsets.Offsets)
	})
}

// ResetConnectorOffsets implements herder.Herder: tombstones for every
// partition of a source connector, in its own offsets topic and the
// worker's store, or the deletion of a sink connector's consumer group.
func (w *Worker) ResetConnectorOffsets(ctx context.Context, name string) (herder.Message, error) {
	return w.modifyOffsets(ctx, name, func(c *connectorRun) (herder.Message, error) {
		return w.resetOffsets(ctx, c)
	})
}

// modifyOffsets runs modify on connector name, in its turn, if it is
// STOPPED, as Kafka Connect requires.
func (w *Worker) modifyOffsets(ctx context.Context, name string, modify func(*connectorRun) (herder.Message, error)) (herder.Message, error) {
	return inTurnFor(ctx, w, name, func(c *connectorRun) (herder.Message, error) {
		c.mu.Lock()
		stopped := c.target == TargetStopped && len(c.tasks) == 0
		c.mu.Unlock()
		if !stopped {
			return herder.Message{}, badRequest("Connectors must be in the STOPPED state before their offsets can be modified. "+
				"This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint", name)
		}
		return modify(c)
	})
}

// inTurn runs f on connector name in name's turn (changing); a connector
// that does not exist is ErrNotFound.
func (w *Worker) inTurn(ctx context.Context, name string, f func(*connectorRun) error) error {
	_, err := inTurnFor(ctx, w, name, func(c *connectorRun) (struct{}, error) { return struct{}{}, f(c) })
	return err
}

// inTurnFor is inTurn for an f with a result.
func inTurnFor[T any](ctx context.Context, w *Worker, name string, f func(*connectorRun) (T, error)) (T, error) {
	unlock, err := w.changing.lock(ctx, name)
	if err != nil {
		var zero T
		return zero, err
	}
	defer unlock()
	c, err := w.connector(name)
	if err != nil {
		var zero T
		return zero, err
	}
	return f(c)
}
