package distributed

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/configtopic"
	"github.com/kconnect-go/kconnect/internal/connectproto"
	"github.com/kconnect-go/kconnect/internal/statustopic"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/runtime/worker"
)

// This file is the herder's answers to the REST API's calls: reads from
// the config and status topics as this worker has read them, writes to
// the config topic.

func (h *Herder) snapshotWith(name string) (configtopic.Snapshot, map[string]string, error) {
	snap := h.cfgs.Snapshot()
	config, ok := snap.ConnectorConfigs[name]
	if !ok {
		return snap, nil, fmt.Errorf("distributed: connector %s: %w", name, herder.ErrNotFound)
	}
	return snap, config, nil
}

// ListConnectors implements herder.Herder.
func (h *Herder) ListConnectors(context.Context) ([]string, error) {
	return h.cfgs.Snapshot().Connectors(), nil
}

// ConnectorInfo implements herder.Herder.
func (h *Herder) ConnectorInfo(_ context.Context, name string) (herder.ConnectorInfo, error) {
	snap, config, err := h.snapshotWith(name)
	if err != nil {
		return herder.ConnectorInfo{}, err
	}
	return h.info(snap, name, config), nil
}

func (h *Herder) info(snap configtopic.Snapshot, name string, config map[string]string) herder.ConnectorInfo {
	info := herder.ConnectorInfo{Name: name, Config: h.engine.HidePasswords(config), Tasks: []herder.TaskID{},
		Type: h.engine.ConnectorType(config[worker.ConnectorClassConfig])}
	for _, t := range snap.Tasks(name) {
		info.Tasks = append(info.Tasks, herder.TaskID{Connector: name, Task: t.Task})
	}
	return info
}

// ConnectorConfig implements herder.Herder.
func (h *Herder) ConnectorConfig(_ context.Context, name string) (map[string]string, error) {
	_, config, err := h.snapshotWith(name)
	if err != nil {
		return nil, err
	}
	return h.engine.HidePasswords(config), nil
}

// TaskConfigs implements herder.Herder.
func (h *Herder) TaskConfigs(_ context.Context, name string) ([]herder.TaskInfo, error) {
	snap, _, err := h.snapshotWith(name)
	if err != nil {
		return nil, err
	}
	out := []herder.TaskInfo{}
	for _, t := range snap.Tasks(name) {
		out = append(out, herder.TaskInfo{ID: herder.TaskID{Connector: name, Task: t.Task},
			Config: h.engine.HidePasswords(snap.TaskConfigs[t])})
	}
	return out, nil
}

// PutConnectorConfig implements herder.Herder: on the leader, the
// configuration is validated and written to the config topic, and the
// call returns once the topic has been read back; the worker the
// connector is assigned to starts it after the rebalance that follows. A
// follower answers *NotLeaderError.
func (h *Herder) PutConnectorConfig(ctx context.Context, name string, config map[string]string, opts herder.PutOptions) (herder.ConnectorInfo, bool, error) {
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	return h.putLocked(ctx, name, config, opts)
}

// putLocked is PutConnectorConfig for a caller holding writeMu.
func (h *Herder) putLocked(ctx context.Context, name string, config map[string]string, opts herder.PutOptions) (herder.ConnectorInfo, bool, error) {
	if _, err := h.leader(); err != nil {
		return herder.ConnectorInfo{}, false, err
	}
	if n, ok := config[worker.NameConfig]; ok && n != name {
		return herder.ConnectorInfo{}, false, fmt.Errorf("distributed: connector %s: %w: the configuration's name is %q", name, herder.ErrBadRequest, n)
	}
	config = maps.Clone(config)
	config[worker.NameConfig] = name
	snap := h.cfgs.Snapshot()
	old, exists := snap.ConnectorConfigs[name]
	if exists && opts.CreateOnly {
		return herder.ConnectorInfo{}, false, fmt.Errorf("distributed: connector %s %w", name, herder.ErrAlreadyExists)
	}
	config, err := h.engine.RestorePasswords(name, config, old)
	if err != nil {
		return herder.ConnectorInfo{}, false, err
	}
	if _, err := h.engine.CheckConfig(ctx, name, config); err != nil {
		return herder.ConnectorInfo{}, false, err
	}
	var state configtopic.TargetState
	if !exists {
		switch opts.InitialState {
		case "", herder.TargetStarted:
		case herder.TargetPaused:
			state = configtopic.Paused
		case herder.TargetStopped:
			state = configtopic.Stopped
		default:
			return herder.ConnectorInfo{}, false, fmt.Errorf("distributed: connector %s: %w: initial state %q", name, herder.ErrBadRequest, opts.InitialState)
		}
	}
	if err := h.cfgs.PutConnectorConfig(ctx, name, config, state); err != nil {
		return herder.ConnectorInfo{}, false, h.privileged(fmt.Errorf("distributed: %w", err))
	}
	info := h.info(h.cfgs.Snapshot(), name, config)
	info.ConfigOrder = herder.OrderedKeys(config, opts.KeyOrder)
	return info, !exists, nil
}

// PatchConnectorConfig implements herder.Herder, as PutConnectorConfig.
func (h *Herder) PatchConnectorConfig(ctx context.Context, name string, patch map[string]*string) (herder.ConnectorInfo, error) {
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	_, config, err := h.snapshotWith(name)
	if err != nil {
		return herder.ConnectorInfo{}, err
	}
	config = maps.Clone(config)
	for k, v := range patch {
		if v == nil {
			delete(config, k)
		} else {
			config[k] = *v
		}
	}
	info, _, err := h.putLocked(ctx, name, config, herder.PutOptions{})
	return info, err
}

// DeleteConnector implements herder.Herder: on the leader, the
// connector's configuration is removed from the config topic; the workers
// that ran it stop it after the rebalance that follows and write its
// statuses DESTROYED. A follower answers *NotLeaderError.
func (h *Herder) DeleteConnector(ctx context.Context, name string) error {
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	if _, err := h.leader(); err != nil {
		return err
	}
	if _, _, err := h.snapshotWith(name); err != nil {
		return err
	}
	if err := h.cfgs.RemoveConnectorConfig(ctx, name); err != nil {
		return h.privileged(fmt.Errorf("distributed: %w", err))
	}
	return nil
}

// ValidateConfig implements herder.Herder.
func (h *Herder) ValidateConfig(ctx context.Context, config map[string]string) (connect.ConfigInfos, error) {
	return h.engine.ValidateConfig(ctx, config)
}

// ConnectorPlugins implements herder.Herder.
func (h *Herder) ConnectorPlugins(ctx context.Context, connectorsOnly bool) ([]herder.PluginInfo, error) {
	return h.engine.ConnectorPlugins(ctx, connectorsOnly)
}

// ConnectorPluginConfig implements herder.Herder.
func (h *Herder) ConnectorPluginConfig(ctx context.Context, plugin string) ([]connect.ConfigKeyInfo, error) {
	return h.engine.ConnectorPluginConfig(ctx, plugin)
}

// ConnectorStatus implements herder.Herder: the statuses the workers
// running the connector and its tasks wrote to the status topic, as this
// worker has read them; UNASSIGNED for one not reported yet.
func (h *Herder) ConnectorStatus(_ context.Context, name string) (herder.ConnectorStatus, error) {
	snap, config, err := h.snapshotWith(name)
	if err != nil {
		return herder.ConnectorStatus{}, err
	}
	st := herder.ConnectorStatus{Name: name, Tasks: []herder.TaskState{},
		Type: h.engine.ConnectorType(config[worker.ConnectorClassConfig])}
	h.mu.Lock()
	live, liveGen := h.live, h.liveGen
	h.mu.Unlock()
	st.Connector = liveState(live, liveGen)(h.stats.Connector(name))
	reported := h.stats.Tasks(name)
	for _, t := range snap.Tasks(name) {
		s, ok := reported[t.Task]
		st.Tasks = append(st.Tasks, herder.TaskState{ID: t.Task, StateInfo: liveState(live, liveGen)(s, ok)})
	}
	return st, nil
}

// liveState is stateInfo, except that a connector or task reported
// RUNNING, PAUSED or RESTARTING by a worker no longer in the group (as of
// generation liveGen, for a report of that generation or older) is
// UNASSIGNED: it runs nowhere until it is reassigned. Kafka Connect keeps
// reporting it as its dead worker last wrote it.
func liveState(live map[string]bool, liveGen int32) func(statustopic.Status, bool) herder.StateInfo {
	return func(s statustopic.Status, ok bool) herder.StateInfo {
		si := stateInfo(s, ok)
		if !ok || live == nil || live[s.WorkerID] || s.Generation > liveGen {
			return si
		}
		switch s.State {
		case statustopic.Running, statustopic.Paused, statustopic.Restarting:
			return herder.StateInfo{State: herder.State(statustopic.Unassigned), WorkerID: s.WorkerID}
		}
		return si
	}
}

func stateInfo(s statustopic.Status, ok bool) herder.StateInfo {
	if !ok {
		return herder.StateInfo{State: herder.State(statustopic.Unassigned)}
	}
	return herder.StateInfo{State: herder.State(s.State), WorkerID: s.WorkerID, Trace: s.Trace, Version: s.Version}
}

// TaskStatus implements herder.Herder.
func (h *Herder) TaskStatus(ctx context.Context, name string, task int) (herder.TaskState, error) {
	st, err := h.ConnectorStatus(ctx, name)
	if err != nil {
		return herder.TaskState{}, err
	}
	for _, t := range st.Tasks {
		if t.ID == task {
			return t, nil
		}
	}
	return herder.TaskState{}, fmt.Errorf("distributed: task %d of connector %s: %w", task, name, herder.ErrNotFound)
}

// PauseConnector implements herder.Herder: it writes the target state,
// which any worker may; the workers running the connector's tasks pause
// them after the rebalance that follows.
func (h *Herder) PauseConnector(ctx context.Context, name string) error {
	return h.putTarget(ctx, name, configtopic.Paused)
}

// ResumeConnector implements herder.Herder, as PauseConnector.
func (h *Herder) ResumeConnector(ctx context.Context, name string) error {
	return h.putTarget(ctx, name, configtopic.Started)
}

// StopConnector implements herder.Herder, as PauseConnector. The
// connector's task configurations are kept (Kafka Connect's leader
// writes none for a stopped connector: not yet).
func (h *Herder) StopConnector(ctx context.Context, name string) error {
	return h.putTarget(ctx, name, configtopic.Stopped)
}

func (h *Herder) putTarget(ctx context.Context, name string, state configtopic.TargetState) error {
	if _, _, err := h.snapshotWith(name); err != nil {
		return err
	}
	if err := h.cfgs.PutTargetState(ctx, name, state); err != nil {
		return fmt.Errorf("distributed: %w", err)
	}
	return nil
}

// NotAssignedError is the leader's answer to a restart of a task that
// another worker runs: it names that worker's URL, to which a REST layer
// forwards the request, as Kafka Connect's forwards on its
// NotAssignedException. It wraps herder.ErrRebalancing.
type NotAssignedError struct {
	Task     herder.TaskID
	OwnerURL string // "" when the last assignment gave the task to no worker
}

func (e *NotAssignedError) Error() string {
	if e.OwnerURL == "" {
		return fmt.Sprintf("distributed: task %d of connector %s is assigned to no worker", e.Task.Task, e.Task.Connector)
	}
	return fmt.Sprintf("distributed: task %d of connector %s is not assigned to this worker; it runs on %s", e.Task.Task, e.Task.Connector, e.OwnerURL)
}

func (e *NotAssignedError) Unwrap() error { return herder.ErrRebalancing }

// RestartConnectorAndTasks implements herder.Herder as Kafka Connect's
// distributed herder does: the leader writes the restart request to the
// config topic and answers the restart plan, the status as the status
// topic has it with what the request restarts shown RESTARTING; every
// worker that reads the request restarts what of it it runs, judged
// FAILED or not by its own view. A follower answers *NotLeaderError.
func (h *Herder) RestartConnectorAndTasks(ctx context.Context, name string, opts herder.RestartOptions) (herder.ConnectorStatus, error) {
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	if _, err := h.leader(); err != nil {
		return herder.ConnectorStatus{}, err
	}
	plan, err := h.ConnectorStatus(ctx, name)
	if err != nil {
		return herder.ConnectorStatus{}, err
	}
	if !opts.OnlyFailed || plan.Connector.State == herder.State(statustopic.Failed) {
		plan.Connector.State = herder.Restarting
	}
	for i, t := range plan.Tasks {
		if opts.IncludeTasks && (!opts.OnlyFailed || t.State == herder.State(statustopic.Failed)) {
			plan.Tasks[i].State = herder.Restarting
		}
	}
	req := configtopic.RestartRequest{Connector: name, OnlyFailed: opts.OnlyFailed, IncludeTasks: opts.IncludeTasks}
	if err := h.cfgs.PutRestartRequest(ctx, req); err != nil {
		return herder.ConnectorStatus{}, h.privileged(fmt.Errorf("distributed: connector %s: writing a restart request: %w", name, err))
	}
	return plan, nil
}

// applyRestart restarts what of a restart request this worker runs: its
// connector instance unless OnlyFailed and it is not FAILED, and with
// IncludeTasks its tasks likewise, writing them RESTARTING first as
// Kafka Connect's workers do.
func (h *Herder) applyRestart(req configtopic.RestartRequest) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h.runMu.Lock()
	defer h.runMu.Unlock()
	h.mu.Lock()
	run, held, gen := h.runs[req.Connector], h.held, h.generation
	if held == nil {
		// Not joined, or rebalancing: what the worker will run is not
		// known yet, so the request waits for the assignment.
		h.pendingRestarts[req.Connector] = req
	}
	h.mu.Unlock()
	if run == nil || held == nil {
		return
	}
	snap := h.cfgs.Snapshot()
	target := targetOf(snap, req.Connector)
	st := run.Status()
	restarting := statustopic.Status{State: statustopic.Restarting, WorkerID: h.id, Generation: gen}
	if slices.Contains(held.Connectors, req.Connector) && (!req.OnlyFailed || st.Connector.State == worker.Failed) {
		h.statusQ.push(statusWrite{connector: req.Connector, task: -1, status: restarting})
		if err := run.RestartConnector(ctx); err != nil {
			h.stopFailed(err, "restarting connector", "connector", req.Connector)
		}
	}
	if !req.IncludeTasks || target == configtopic.Stopped {
		return
	}
	states := map[int]herder.State{}
	for _, t := range st.Tasks {
		states[t.ID] = t.State
	}
	wt := worker.TargetState(target)
	for _, id := range held.Tasks {
		i := int(id.Task)
		if id.Connector != req.Connector || (req.OnlyFailed && states[i] != worker.Failed) {
			continue
		}
		tc, ok := snap.TaskConfigs[configtopic.TaskID{Connector: req.Connector, Task: i}]
		if !ok {
			continue
		}
		h.statusQ.push(statusWrite{connector: req.Connector, task: i, status: restarting})
		if err := run.RestartTask(ctx, i, tc, wt); err != nil {
			h.stopFailed(err, "restarting task", "connector", req.Connector, "task", i)
		}
	}
}

// applyPendingRestarts applies the restart requests read while the
// worker held no assignment, now that it holds one.
func (h *Herder) applyPendingRestarts() {
	h.mu.Lock()
	pending := h.pendingRestarts
	h.pendingRestarts = map[string]configtopic.RestartRequest{}
	h.mu.Unlock()
	for _, req := range pending {
		h.restartQ.push(req)
	}
}

// RestartTask implements herder.Herder as Kafka Connect's distributed
// herder does: the worker that runs the task restarts it in its
// connector's target state; the leader answers *NotAssignedError naming
// the worker that does, and a follower *NotLeaderError, for a REST layer
// to forward the request there. A task the configuration does not have
// is herder.ErrNotFound, as is every task of a STOPPED connector.
func (h *Herder) RestartTask(ctx context.Context, name string, task int) error {
	snap, _, err := h.snapshotWith(name)
	if err != nil {
		return err
	}
	id := configtopic.TaskID{Connector: name, Task: task}
	tc, ok := snap.TaskConfigs[id]
	if !ok || targetOf(snap, name) == configtopic.Stopped {
		return fmt.Errorf("distributed: task %d of connector %s: %w", task, name, herder.ErrNotFound)
	}
	h.runMu.Lock()
	defer h.runMu.Unlock()
	h.mu.Lock()
	run, held, joined, owner := h.runs[name], h.held, h.joined, h.owners[id]
	h.mu.Unlock()
	if run != nil && held != nil && slices.Contains(held.Tasks, connectproto.TaskID{Connector: name, Task: int32(task)}) {
		h.statusQ.push(statusWrite{connector: name, task: task,
			status: statustopic.Status{State: statustopic.Restarting, WorkerID: h.id, Generation: h.currentGeneration()}})
		return run.RestartTask(ctx, task, tc, worker.TargetState(targetOf(snap, name)))
	}
	switch {
	case joined == nil:
		return &NotLeaderError{}
	case !joined.IsLeader():
		return &NotLeaderError{LeaderURL: joined.Assignment.LeaderURL}
	}
	return &NotAssignedError{Task: herder.TaskID{Connector: name, Task: task}, OwnerURL: owner}
}

// withRun runs f on a Run of connector name made for the call from the
// configuration this worker has read, which opens what the connector's
// offsets need (its own offsets topic), and releases it after.
func withRun[T any](ctx context.Context, h *Herder, name string, f func(*worker.Run) (T, error)) (T, error) {
	var zero T
	_, config, err := h.snapshotWith(name)
	if err != nil {
		return zero, err
	}
	run, err := h.engine.Prepare(ctx, name, maps.Clone(config))
	if err != nil {
		return zero, fmt.Errorf("distributed: connector %s: %w", name, err)
	}
	out, err := f(run)
	if serr := run.Stop(ctx); serr != nil && err == nil {
		h.log.Warn("releasing a connector prepared for its offsets", "connector", name, "err", serr)
	}
	return out, err
}

// ConnectorOffsets implements herder.Herder, on any worker as in Kafka
// Connect: a source connector's offsets from its offset topics (its own
// first, then the worker's), a sink connector's from its consumer group.
func (h *Herder) ConnectorOffsets(ctx context.Context, name string) (herder.ConnectorOffsets, error) {
	return withRun(ctx, h, name, func(r *worker.Run) (herder.ConnectorOffsets, error) { return r.Offsets(ctx) })
}

// AlterConnectorOffsets implements herder.Herder as Kafka Connect's
// distributed herder does: only the leader serves it (a follower answers
// *NotLeaderError), and only for a connector that is STOPPED and has no
// task configurations left, so that no task of it commits meanwhile;
// otherwise herder.ErrBadRequest.
func (h *Herder) AlterConnectorOffsets(ctx context.Context, name string, offsets herder.ConnectorOffsets) (herder.Message, error) {
	if len(offsets.Offsets) == 0 {
		return herder.Message{}, fmt.Errorf("distributed: connector %s: %w: Partitions / offsets need to be provided for an alter offsets request", name, herder.ErrBadRequest)
	}
	return h.modifyOffsets(ctx, name, func(r *worker.Run) (herder.Message, error) { return r.AlterOffsets(ctx, offsets.Offsets) })
}

// ResetConnectorOffsets implements herder.Herder, as AlterConnectorOffsets.
func (h *Herder) ResetConnectorOffsets(ctx context.Context, name string) (herder.Message, error) {
	return h.modifyOffsets(ctx, name, func(r *worker.Run) (herder.Message, error) { return r.ResetOffsets(ctx) })
}

func (h *Herder) modifyOffsets(ctx context.Context, name string, modify func(*worker.Run) (herder.Message, error)) (herder.Message, error) {
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	if _, err := h.leader(); err != nil {
		return herder.Message{}, err
	}
	snap, _, err := h.snapshotWith(name)
	if err != nil {
		return herder.Message{}, err
	}
	if targetOf(snap, name) != configtopic.Stopped || len(snap.Tasks(name)) != 0 {
		return herder.Message{}, fmt.Errorf("distributed: connector %s: %w: Connectors must be in the STOPPED state before their offsets can be modified. "+
			"This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint", name, herder.ErrBadRequest, name)
	}
	return withRun(ctx, h, name, modify)
}
