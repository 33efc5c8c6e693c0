package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/kconnect-go/kconnect/source"
)

// connectorRun is one connector: its configuration, its instance, and its
// tasks. Its lifecycle (start, stop, task reconfiguration) is independent of
// who decides that it runs here, so a distributed herder can drive it too.
type connectorRun struct {
	w    *engine
	name string
	raw  map[string]string
	// order is the order of raw's keys in answers (herder.OrderedKeys);
	// set before the run is published, never changed.
	order  []string
	cfg    *connect.Config
	kind   connect.PluginKind
	plugin connect.Plugin
	log    *slog.Logger
	// raw is the configuration as given, which the herder keeps and shows;
	// resolved is raw with its config provider references resolved
	// (ConfigProviders; raw itself without), which the connector, its tasks
	// and the runtime use, and cfg parses.
	resolved map[string]string

	mu       sync.Mutex
	state    StateInfo
	target   TargetState
	instance any // source.Connector or sink.Connector
	// started says that instance's Start succeeded and its Stop is owed:
	// as in Kafka Connect, a connector whose Start failed is not stopped.
	started     bool
	cancel      context.CancelFunc
	tasks       map[int]*taskRun
	taskConfigs []map[string]string
	reconfigure chan struct{}
	done        chan struct{}
	// clients are the connector's clients' settings, from the worker's
	// ClientConfig and the connector's *.override.* keys (clientpolicy.go).
	clients connectorClients
	// restartDelay is the next automatic restart delay per task.
	restartDelay map[int]time.Duration
	// topicGroups are a source connector's topic creation groups, the
	// default group last (topiccreation.go).
	topicGroups []*topicGroup
	// topicsRegex is a sink connector's topics.regex, anchored; nil with
	// topics.
	topicsRegex *regexp.Regexp
	// offsets are a source connector's offsets (sourceoffsets.go); nil for
	// a sink connector.
	offsets *sourceOffsets
	// secrets are the values of the configuration's password keys, hidden
	// from the traces and errors of the connector and its tasks
	// (passwords.go).
	secrets []string
	// publish, when set, receives the task configs the connector
	// generates instead of this run starting tasks from them: a
	// distributed herder writes them to its config topic, and the workers
	// its group assigns the tasks to start them (Run.StartConnector).
	publish func([]map[string]string)
}

// taskRun is one running task.
type taskRun struct {
	id     TaskID
	cancel context.CancelFunc
	done   chan struct{}
	sink   *sinkTask // nil for a source task
	// release gives up the task goroutine's place in the worker's wait
	// group, once: when the goroutine ends, or when the task is abandoned,
	// so that Close does not wait for a task that ignores cancellation.
	release func()

	// secrets are its connector's (connectorRun.secrets), hidden from its
	// trace.
	secrets []string

	mu    sync.Mutex
	state StateInfo
	// abandoned is set when the task did not stop within the shutdown
	// timeout (abandon). closers close its Kafka clients then.
	abandoned bool
	closers   []func()

	onChange func(StateChange) // OnStateChange's, or nil

	// metrics is the task's recorder, closed when both its goroutine has
	// ended and the worker has let go of the task (letGo): a FAILED task
	// keeps its series, with the errors it counted, until it is
	// restarted, stopped or deleted, as Kafka Connect keeps its metrics.
	metrics      TaskMetrics
	metricsHolds atomic.Int32
	letGoOnce    sync.Once
}

// holdMetrics gives t its recorder, held by its goroutine and the worker.
func (t *taskRun) holdMetrics(tm TaskMetrics) {
	t.metrics = tm
	t.metricsHolds.Store(2)
}

// dropMetricsHold gives up one hold of the task's recorder, closing it
// with the last.
func (t *taskRun) dropMetricsHold() {
	if t.metrics != nil && t.metricsHolds.Add(-1) == 0 {
		closeTaskMetrics(t.metrics)
	}
}

// letGo is the worker's giving up of t: stopped, abandoned or replaced.
func (t *taskRun) letGo() { t.letGoOnce.Do(t.dropMetricsHold) }

func newTaskRun(id TaskID, onChange func(StateChange), cancel context.CancelFunc, release func()) *taskRun {
	return &taskRun{id: id, onChange: onChange, cancel: cancel, done: make(chan struct{}), release: sync.OnceFunc(release)}
}

// setState records the task's state, unless the task was abandoned: its
// slot may run a new instance by now, whose state is not the old one's to
// write.
func (t *taskRun) setState(s State, trace string, worker string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.abandoned {
		return
	}
	old := t.state
	t.state = StateInfo{State: s, WorkerID: worker, Trace: scrub(trace, t.secrets)}
	if t.onChange != nil && (old.State != s || old.Trace != t.state.Trace) {
		t.onChange(StateChange{Connector: t.id.Connector, Task: t.id.Task, StateInfo: t.state})
	}
}

// isAbandoned reports whether the task was abandoned: it may then commit
// nothing, produce nothing and report nothing more. A task run outside a
// connector (nil) never is.
func (t *taskRun) isAbandoned() bool {
	if t == nil {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.abandoned
}

// onAbandon registers f, which closes a client of the task, to run if the
// task is abandoned; at once if it already was.
func (t *taskRun) onAbandon(f func()) {
	t.mu.Lock()
	if !t.abandoned {
		t.closers = append(t.closers, f)
		t.mu.Unlock()
		return
	}
	t.mu.Unlock()
	f()
}

// abandon gives up on a task that did not stop within the shutdown
// timeout, as Kafka Connect's Worker cancels such a task: from now on it
// reports no state, commits no offsets and counts no more in the worker's
// wait group, and its producer or consumer is closed, so that nothing it
// still has or polls reaches Kafka and a sink's partitions go to the group
// at once. Its goroutine ends whenever the task's code returns. It reports
// false when the task has stopped after all.
func (t *taskRun) abandon() bool {
	t.mu.Lock()
	select {
	case <-t.done:
		t.mu.Unlock()
		return false
	default:
	}
	if t.abandoned {
		t.mu.Unlock()
		return false
	}
	t.abandoned = true
	closers := t.closers
	t.closers = nil
	t.mu.Unlock()
	t.release()
	for _, f := range slices.Backward(closers) {
		f()
	}
	return true
}

func (t *taskRun) getState() StateInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.state
}

// newConnectorRun validates a connector configuration, resolved from raw
// (its config provider references resolved), against the common
// connector keys and the plugin's own keys, reporting every bad key at once,
// then across keys (checkAcrossKeys, which ValidateConnectorConfig reports
// too), and warns of the keys nothing reads (unknownkeys.go).
func (w *engine) newConnectorRun(name string, raw, resolved map[string]string) (*connectorRun, error) {
	class := resolved[ConnectorClassConfig]
	if class == "" {
		return nil, fmt.Errorf("worker: connector %s: %s: missing required configuration", name, ConnectorClassConfig)
	}
	p, err := w.connectorPlugin(class)
	if err != nil {
		return nil, fmt.Errorf("worker: connector %s: %w", name, err)
	}
	info := p.Info()
	unknown := w.unknownKeys(info, resolved)
	cfg, err := connectorConfigDef(info).Parse(resolved)
	if w.opts.rejectUnknown {
		err = errors.Join(err, unknownKeysError(unknown))
	}
	if err != nil {
		return nil, fmt.Errorf("worker: connector %s: %w", name, err)
	}
	checked, errs := w.checkAcrossKeys(name, info, cfg, resolved, true)
	if len(errs) > 0 {
		return nil, fmt.Errorf("worker: connector %s: %w", name, createError(errs))
	}
	// Once per configuration: restarts and tasks reuse this run's.
	warnUnknownKeys(w.opts.log.With("connector", name), unknown)
	// Until it starts, a run has nothing to wait for: stopping it (say, when
	// the worker closes between its creation and its start) returns at once.
	notRunning := make(chan struct{})
	close(notRunning)
	return &connectorRun{
		w: w, name: name, raw: raw, resolved: resolved, cfg: cfg, kind: info.Kind, plugin: p,
		done:         notRunning,
		topicGroups:  checked.topicGroups,
		topicsRegex:  checked.topicsRegex,
		clients:      checked.clients,
		log:          w.opts.log.With("connector", name),
		target:       TargetStarted,
		tasks:        make(map[int]*taskRun),
		state:        StateInfo{State: Unassigned, WorkerID: w.opts.id},
		reconfigure:  make(chan struct{}, 1),
		restartDelay: make(map[int]time.Duration),
	}, nil
}

// connectorContext is what a connector sees of the runtime.
type connectorContext struct {
	c *connectorRun
}

func (cc connectorContext) RequestTaskReconfiguration() {
	select {
	case cc.c.reconfigure <- struct{}{}:
	default:
	}
}

func (cc connectorContext) RaiseError(err error) {
	cc.c.fail(fmt.Errorf("connector raised an error: %w", err))
}

func (cc connectorContext) Offsets() source.OffsetReader {
	return cc.c.offsetReader()
}

// Logger is the worker's logger with connector=<name>, as the runtime's
// own lines about the connector have it.
func (cc connectorContext) Logger() *slog.Logger { return cc.c.log }

// start starts the connector instance and its tasks.
func (c *connectorRun) start(ctx context.Context) error { return c.startAs(ctx, TargetStarted) }

// startAs starts the connector in a target state: with TargetStarted, the
// instance and its tasks; with TargetPaused, the instance, whose task
// configs are kept for resume while the tasks are reported PAUSED without
// running; with TargetStopped, nothing, in the STOPPED state. A failure is
// launch's: the connector is FAILED, its configuration kept.
func (c *connectorRun) startAs(ctx context.Context, target TargetState) error {
	c.mu.Lock()
	c.target = target
	c.mu.Unlock()
	if target == TargetStopped { // nothing runs; done is still closed from newConnectorRun
		c.setState(Stopped, "")
		return nil
	}
	return c.launch(ctx)
}

// launch starts a new instance of the connector, as Kafka Connect starts a
// new one on every start and restart, then, in the STARTED target state,
// generates its task configs and starts its tasks (keeping those already
// running when their configs did not change) and reports it RUNNING; in
// PAUSED it keeps the task configs for resume. A connector is RUNNING
// only once its task configs are generated: when Start or TaskConfigs
// fails, it is FAILED with the cause, its configuration kept for
// RestartConnector, and the error wraps ErrConnectorFailed.
func (c *connectorRun) launch(ctx context.Context) error {
	cctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var inst any
	switch p := c.plugin.(type) {
	case source.Plugin:
		inst = p.New()
	case sink.Plugin:
		inst = p.New()
	}
	c.mu.Lock()
	c.instance, c.started, c.cancel, c.done = inst, false, cancel, done
	target := c.target
	c.mu.Unlock()

	err := c.startInstance(cctx)
	if inst == nil {
		err = fmt.Errorf("plugin %s is a %s, not a source.Plugin or sink.Plugin", c.plugin.Info().Class, c.plugin.Info().Kind)
	}
	if err != nil {
		cancel() // whatever the failed Start began on its context
		close(done)
		return c.failed(fmt.Errorf("starting connector: %w", err))
	}
	c.mu.Lock()
	c.started = true
	c.mu.Unlock()
	switch {
	case c.publish != nil:
		err = c.publishTaskConfigs()
	case target == TargetPaused:
		err = c.keepTasksPaused()
	default:
		err = c.reconfigureTasks(ctx)
	}
	if err != nil {
		close(done)
		return c.failed(err)
	}
	if c.publish != nil && target == TargetPaused {
		c.setState(Paused, "")
	} else if target != TargetPaused {
		c.setState(Running, "")
		c.log.Info("connector started", "class", c.plugin.Info().Class)
	}
	c.w.wg.Add(1)
	go c.watch(cctx, done)
	return nil
}

// failed records err as the connector's failure and returns the error
// that says so to the caller.
func (c *connectorRun) failed(err error) error {
	c.fail(err)
	return scrubError(fmt.Errorf("worker: connector %s: %w: %w", c.name, ErrConnectorFailed, err), c.secrets)
}

// watch restarts tasks when the connector asks for reconfiguration, until
// ctx ends; then it closes done.
func (c *connectorRun) watch(ctx context.Context, done chan struct{}) {
	defer c.w.wg.Done()
	defer close(done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.reconfigure:
			reconfigure := c.reconfigureTasks
			if c.publish != nil {
				reconfigure = func(context.Context) error { return c.publishTaskConfigs() }
			}
			if err := reconfigure(ctx); err != nil {
				c.fail(err)
			}
		}
	}
}

func (c *connectorRun) taskConfigsFromConnector() ([]map[string]string, error) {
	maxTasks := c.cfg.Int(TasksMaxConfig)
	var configs []map[string]string
	c.mu.Lock()
	instance := c.instance
	c.mu.Unlock()
	err := safeCall(func() error {
		var err error
		switch inst := instance.(type) {
		case source.Connector:
			configs, err = inst.TaskConfigs(maxTasks)
		case sink.Connector:
			configs, err = inst.TaskConfigs(maxTasks)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("generating task configs: %w", err)
	}
	if len(configs) > maxTasks {
		if c.cfg.Bool(TasksMaxEnforceConfig) {
			return nil, fmt.Errorf("connector generated %d task configs, more than %s=%d", len(configs), TasksMaxConfig, maxTasks)
		}
		c.log.Warn("connector generated more task configs than tasks.max", "configs", len(configs), "tasks.max", maxTasks)
	}
	return configs, nil
}

// publishTaskConfigs asks the connector for its task configs and hands
// them to publish, keeping them as the run's.
func (c *connectorRun) publishTaskConfigs() error {
	configs, err := c.taskConfigsFromConnector()
	if err != nil {
		return err
	}
	if configs == nil {
		configs = []map[string]string{}
	}
	c.mu.Lock()
	c.taskConfigs = configs
	c.mu.Unlock()
	c.publish(configs)
	return nil
}

// reconfigureTasks asks the connector for its task configs and, when they
// changed, replaces the tasks by new ones with them. A task that cannot be
// created is FAILED in its place (startTask); only a failure to generate
// the configs is an error.
func (c *connectorRun) reconfigureTasks(ctx context.Context) error {
	configs, err := c.taskConfigsFromConnector()
	if err != nil {
		return err
	}
	c.mu.Lock()
	// nil: never generated (a first start, or a start after a stop or a
	// failure), which an empty list of configs differs from too.
	same := c.taskConfigs != nil && slices.EqualFunc(configs, c.taskConfigs, maps.Equal)
	c.mu.Unlock()
	if same {
		return nil
	}
	if configs == nil {
		configs = []map[string]string{}
	}
	c.log.Info("task configs changed: restarting tasks", "tasks", len(configs))
	// Tasks that had to be abandoned are logged; they do not fail the
	// connector, whose new tasks start all the same.
	_ = c.stopTasks(ctx)
	c.mu.Lock()
	c.taskConfigs = configs
	c.mu.Unlock()
	for i, tc := range configs {
		_ = c.startTask(ctx, i, tc) // a failure is the task's, in its status
	}
	return nil
}

// startTask starts task i with its config in its own goroutine. A task
// that cannot be created is FAILED in its place, as in Kafka Connect, for
// RestartTask to try again; the error says why.
func (c *connectorRun) startTask(_ context.Context, i int, taskConfig map[string]string) error {
	id := TaskID{Connector: c.name, Task: i}
	tctx, cancel := context.WithCancel(context.Background())
	t := newTaskRun(id, c.w.opts.onStateChange, cancel, c.w.wg.Done)
	t.secrets = c.secrets
	t.setState(Unassigned, "", c.w.opts.id)
	log := c.log.With("task", i)

	c.mu.Lock()
	instance := c.instance
	c.mu.Unlock()
	var run func(ctx context.Context) error
	var plugins *taskPlugins // the task's converters and chain, closed when its goroutine ends
	var metrics TaskMetrics  // the task's recorder (taskRun.holdMetrics)
	var err error
	switch inst := instance.(type) {
	case source.Connector:
		var st *sourceTask
		if st, err = c.w.newSourceTask(id, c, inst, taskConfig, log); err == nil {
			st.tr = t
			run = func(ctx context.Context) error { return st.run(ctx, t) }
			plugins, metrics = st.taskPlugins, st.metrics
		}
	case sink.Connector:
		var st *sinkTask
		if st, err = c.w.newSinkTask(id, c, inst, taskConfig, log); err == nil {
			st.tr = t
			run = func(ctx context.Context) error { return st.run(ctx, t) }
			t.sink = st
			plugins, metrics = st.taskPlugins, st.metrics
		}
	}
	if err != nil {
		cancel()
		close(t.done) // no goroutine: nothing to wait for or release
		t.setState(Failed, fmt.Sprintf("creating task: %v", err), c.w.opts.id)
		c.mu.Lock()
		replaced := c.tasks[i]
		c.tasks[i] = t
		c.mu.Unlock()
		if replaced != nil {
			replaced.letGo()
		}
		log.Error("creating task failed", "err", scrub(err.Error(), c.secrets))
		return scrubError(fmt.Errorf("worker: connector %s task %d: %w", c.name, i, err), c.secrets)
	}
	t.holdMetrics(metrics)
	c.mu.Lock()
	replaced := c.tasks[i]
	c.tasks[i] = t
	c.mu.Unlock()
	if replaced != nil {
		replaced.letGo() // a FAILED instance restarted
	}
	c.w.wg.Add(1)
	go func() {
		defer t.release()
		defer close(t.done)
		// Only here, once the task's code has returned, is nothing using
		// its converters and chain: a task abandoned for ignoring its
		// context keeps them open until then. Closed before done, so that
		// whoever waited for the task to stop finds them closed.
		defer func() {
			if err := plugins.close(); err != nil {
				log.Error("closing the task's converters and transforms", "err", err)
			}
			t.dropMetricsHold()
		}()
		started := time.Now()
		err := safeCall(func() error { return run(tctx) })
		switch {
		case t.isAbandoned():
			log.Info("abandoned task returned at last", "err", err)
		case err != nil:
			t.setState(Failed, err.Error(), c.w.opts.id)
			log.Error("task failed", "err", scrub(err.Error(), c.secrets))
			// A fenced task lost its transactional id to a newer instance;
			// restarting it would only fence that one in turn.
			if tctx.Err() == nil && !errors.Is(err, ErrFenced) {
				c.scheduleRestart(i, taskConfig, time.Since(started))
			}
		default:
			if t.getState().State != Failed {
				t.setState(Unassigned, "", c.w.opts.id)
			}
		}
	}()
	return nil
}

// stopTasks stops every task (awaitTasks) and forgets them.
func (c *connectorRun) stopTasks(ctx context.Context) error {
	c.mu.Lock()
	tasks := slices.Collect(maps.Values(c.tasks))
	c.tasks = make(map[int]*taskRun)
	c.mu.Unlock()
	return c.awaitTasks(ctx, tasks)
}

// abandonGrace is what a stopping task gets beyond its shutdown and flush
// timeouts before it is abandoned: a task that stops as asked spends all of
// them when the brokers are silent, and then still closes its clients and
// calls the task's Stop.
const abandonGrace = time.Second

// stopBudget is the longest a task may take to stop before it is
// abandoned.
func (o *options) stopBudget() time.Duration {
	return o.shutdownTimeout + o.flushTimeout + abandonGrace
}

// awaitTasks cancels tasks and waits for them to stop, for the task
// shutdown timeout plus the offset flush timeout plus abandonGrace at most
// (less if ctx ends first); it abandons those still running then, as Kafka Connect cancels a
// task that outlives task.shutdown.graceful.timeout.ms, and returns an
// error wrapping ErrTaskAbandoned for each of them. The flush timeout is
// added because a task that stops as asked may use all of the shutdown
// timeout to write its last records (a silent broker) and then has its
// final commit to make: it is not to be abandoned for that.
func (c *connectorRun) awaitTasks(ctx context.Context, tasks []*taskRun) error {
	slices.SortFunc(tasks, func(a, b *taskRun) int { return a.id.Task - b.id.Task })
	for _, t := range tasks {
		t.cancel()
	}
	timeout := c.w.opts.stopBudget()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	expired := false
	var errs []error
	for _, t := range tasks {
		defer t.letGo() // once it has stopped or been abandoned
		if !expired {
			select {
			case <-t.done:
				continue
			case <-timer.C:
				expired = true
			case <-ctx.Done():
				expired = true
			}
		}
		if !t.abandon() {
			continue // it stopped after all
		}
		c.log.Error("task did not stop within the shutdown and flush timeouts: abandoned; it commits and produces nothing more, and its goroutine ends when the task's code returns",
			"task", t.id.Task, "timeout", timeout)
		errs = append(errs, fmt.Errorf("worker: connector %s task %d: %w (%s)", t.id.Connector, t.id.Task, ErrTaskAbandoned, timeout))
	}
	return errors.Join(errs...)
}

// stop stops the tasks and then the connector. The error wraps
// ErrTaskAbandoned for tasks that did not stop in time; the connector is
// stopped all the same.
func (c *connectorRun) stop(ctx context.Context) error {
	abandoned := c.stopTasks(ctx)
	c.mu.Lock()
	cancel := c.cancel
	// A stopped connector has no task configs, as in Kafka Connect: the
	// next start generates them again.
	c.taskConfigs = nil
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	c.mu.Lock()
	done := c.done
	c.mu.Unlock()
	<-done
	err := c.stopInstance(ctx)
	if err != nil {
		c.log.Error("stopping connector", "err", err)
		return errors.Join(abandoned, fmt.Errorf("worker: connector %s: stopping: %w", c.name, err))
	}
	c.setState(Stopped, "")
	c.log.Info("connector stopped")
	return abandoned
}

func (c *connectorRun) setState(s State, trace string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.state
	c.state = StateInfo{State: s, WorkerID: c.w.opts.id, Trace: scrub(trace, c.secrets)}
	if f := c.w.opts.onStateChange; f != nil && (old.State != s || old.Trace != c.state.Trace) {
		f(StateChange{Connector: c.name, Task: -1, StateInfo: c.state})
	}
}

func (c *connectorRun) fail(err error) {
	c.log.Error("connector failed", "err", scrub(err.Error(), c.secrets))
	c.setState(Failed, err.Error())
}

func (c *connectorRun) status() ConnectorStatus {
	c.mu.Lock()
	st := ConnectorStatus{Name: c.name, Connector: c.state, Type: c.kind.String()}
	tasks := slices.Collect(maps.Values(c.tasks))
	c.mu.Unlock()
	// The tasks are the connector plugin's, so they report its version,
	// as Kafka Connect's do.
	version := c.plugin.Info().Version
	st.Connector.Version = version
	for _, t := range tasks {
		ts := TaskState{ID: t.id.Task, StateInfo: t.getState()}
		ts.Version = version
		st.Tasks = append(st.Tasks, ts)
	}
	sortTasks(st.Tasks)
	if st.Tasks == nil {
		st.Tasks = []TaskState{}
	}
	return st
}

// safeCall runs plugin code, turning a panic into an error with its stack, so
// a bad connector fails its task rather than the process.
func safeCall(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError(r)
		}
	}()
	return f()
}

// panicError is the error a recovered panic becomes, with the stack of the
// goroutine that panicked; call it in the deferred function that recovers.
func panicError(v any) error { return fmt.Errorf("panic: %v\n%s", v, debug.Stack()) }

// scheduleRestart restarts a failed task after an exponential back-off,
// when the worker was built with RestartFailedTasks. A task that ran for
// longer than the maximum delay before failing starts again from the initial
// delay. Kafka Connect never restarts failed tasks by itself.
func (c *connectorRun) scheduleRestart(i int, taskConfig map[string]string, ran time.Duration) {
	initial, maxDelay := c.w.opts.restartInitial, c.w.opts.restartMax
	if initial <= 0 {
		return
	}
	c.mu.Lock()
	delay := c.restartDelay[i]
	if delay == 0 || ran > maxDelay {
		delay = initial
	}
	c.restartDelay[i] = min(delay*2, maxDelay)
	c.mu.Unlock()
	c.log.Info("restarting failed task after back-off", "task", i, "delay", delay)
	time.AfterFunc(delay, func() {
		c.mu.Lock()
		current, ok := c.tasks[i]
		stillFailed := ok && c.target == TargetStarted && current.getState().State == Failed &&
			i < len(c.taskConfigs) && maps.Equal(c.taskConfigs[i], taskConfig)
		c.mu.Unlock()
		if !stillFailed {
			return
		}
		if err := c.startTask(context.Background(), i, taskConfig); err != nil {
			c.log.Error("automatic task restart failed", "task", i, "err", err)
		}
	})
}

// pause stops the connector's tasks, committing their offsets, and reports
// them PAUSED until resume. The connector instance keeps running. The error
// names the tasks that had to be abandoned.
func (c *connectorRun) pause(ctx context.Context) error {
	c.mu.Lock()
	if c.target != TargetStarted {
		c.mu.Unlock()
		return nil
	}
	c.target = TargetPaused
	n := len(c.taskConfigs)
	failed := c.state.State == Failed
	c.mu.Unlock()
	err := c.stopTasks(ctx)
	c.markTasksPaused(n)
	if !failed { // a FAILED connector stays FAILED until restarted, as in Kafka Connect
		c.setState(Paused, "")
	}
	c.log.Info("connector paused")
	return err
}

// keepTasksPaused asks a connector started paused for its task configs,
// keeping them for resume, and reports its tasks PAUSED without starting
// them.
func (c *connectorRun) keepTasksPaused() error {
	configs, err := c.taskConfigsFromConnector()
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.taskConfigs = configs
	// A restart's new configs may be fewer: drop the PAUSED tasks beyond
	// them (nothing runs while paused).
	for i := range c.tasks {
		if i >= len(configs) {
			delete(c.tasks, i)
		}
	}
	c.mu.Unlock()
	c.markTasksPaused(len(configs))
	c.setState(Paused, "")
	c.log.Info("connector started paused", "class", c.plugin.Info().Class)
	return nil
}

// markTasksPaused records tasks 0 to n-1 as PAUSED, not running.
func (c *connectorRun) markTasksPaused(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range n {
		c.tasks[i] = c.pausedTask(i)
	}
}

// pausedTask returns task i of a PAUSED connector: reported PAUSED, never
// run, so that stopping it waits for nothing.
func (c *connectorRun) pausedTask(i int) *taskRun {
	t := newTaskRun(TaskID{Connector: c.name, Task: i}, c.w.opts.onStateChange, func() {}, func() {})
	close(t.done)
	t.setState(Paused, "", c.w.opts.id)
	return t
}

// resume restarts the tasks of a paused connector, or the connector and its
// tasks when it was stopped. Like Kafka Connect's, it changes the target
// state only: a FAILED connector stays FAILED (its tasks, if it has task
// configs, run again) until RestartConnector.
func (c *connectorRun) resume(ctx context.Context) error {
	c.mu.Lock()
	target := c.target
	c.mu.Unlock()
	switch target {
	case TargetStarted:
		return nil
	case TargetStopped:
		return c.start(ctx)
	}
	_ = c.stopTasks(ctx) // the PAUSED placeholders, which never run
	c.mu.Lock()
	c.target = TargetStarted
	configs := c.taskConfigs
	failed := c.state.State == Failed
	c.mu.Unlock()
	for i, tc := range configs {
		_ = c.startTask(ctx, i, tc) // a failure is the task's, in its status
	}
	if !failed {
		c.setState(Running, "")
	}
	c.log.Info("connector resumed")
	return nil
}

// halt stops the tasks and the connector instance but keeps the connector,
// in the STOPPED state (Kafka Connect's PUT /connectors/{name}/stop).
func (c *connectorRun) halt(ctx context.Context) error {
	c.mu.Lock()
	if c.target == TargetStopped {
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	err := c.stop(ctx)
	c.mu.Lock()
	c.target = TargetStopped
	c.mu.Unlock()
	return err
}

// restartTask stops task i (if running) and starts it again with its
// config, in the connector's target state: a PAUSED connector's task is
// created again PAUSED, not running, as Kafka Connect starts a task of a
// paused connector paused. A STOPPED connector has no task configs, so no
// task to restart.
func (c *connectorRun) restartTask(ctx context.Context, i int) error {
	c.mu.Lock()
	if i < 0 || i >= len(c.taskConfigs) {
		n, never, state, target := len(c.taskConfigs), c.taskConfigs == nil, c.state.State, c.target
		c.mu.Unlock()
		switch {
		case target == TargetStopped:
			return fmt.Errorf("worker: %w: task %d of connector %s, which is STOPPED and has no tasks", ErrNotFound, i, c.name)
		case state == Failed && never:
			return fmt.Errorf("worker: %w: task %d of connector %s, which is FAILED without task configs; RestartConnector starts it and its tasks", ErrNotFound, i, c.name)
		}
		return fmt.Errorf("worker: %w: task %d of connector %s, which has %d tasks", ErrNotFound, i, c.name, n)
	}
	tc := c.taskConfigs[i]
	t := c.tasks[i]
	target := c.target
	delete(c.restartDelay, i)
	c.mu.Unlock()
	var abandoned error
	if t != nil {
		// An abandoned instance can no longer write or commit: the new one
		// starts all the same, as in Kafka Connect.
		abandoned = c.awaitTasks(ctx, []*taskRun{t})
	}
	if target == TargetPaused {
		c.mu.Lock()
		c.tasks[i] = c.pausedTask(i)
		c.mu.Unlock()
		return abandoned
	}
	return errors.Join(abandoned, c.startTask(ctx, i, tc))
}

// restart restarts the connector as Kafka Connect's POST
// /connectors/{name}/restart does: its instance, unless onlyFailed and it
// is not FAILED, and with includeTasks its tasks (only the FAILED ones with
// onlyFailed), as they were when called. Tasks the instance's restart
// already replaced, because its task configs changed, are not restarted
// again.
func (c *connectorRun) restart(ctx context.Context, includeTasks, onlyFailed bool) error {
	c.mu.Lock()
	failed := c.state.State == Failed
	before := maps.Clone(c.tasks)
	c.mu.Unlock()
	if !onlyFailed || failed {
		if err := c.restartInstance(ctx); err != nil {
			return err
		}
	}
	if !includeTasks {
		return nil
	}
	var errs []error
	for _, i := range slices.Sorted(maps.Keys(before)) {
		t := before[i]
		if onlyFailed && t.getState().State != Failed {
			continue
		}
		c.mu.Lock()
		current := c.tasks[i]
		c.mu.Unlock()
		if current != t {
			continue
		}
		errs = append(errs, c.restartTask(ctx, i))
	}
	return errors.Join(errs...)
}

// restartInstance stops the connector instance and starts a new one
// (launch) in the connector's target state, as Kafka Connect's herders
// restart a connector: STARTED, its task configs replace the tasks only if
// they changed (a connector that failed before generating them gets its
// tasks now); PAUSED, it comes back PAUSED with its task configs kept; and
// a STOPPED connector, which runs no instance, is STOPPED again.
func (c *connectorRun) restartInstance(ctx context.Context) error {
	c.mu.Lock()
	cancel, done, target := c.cancel, c.done, c.target
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	<-done
	if err := c.stopInstance(ctx); err != nil {
		c.log.Warn("stopping connector for a restart", "err", err)
	}
	if target == TargetStopped {
		c.setState(Stopped, "")
		return nil
	}
	return c.launch(ctx)
}

// startInstance starts the connector instance with its configuration.
func (c *connectorRun) startInstance(ctx context.Context) error {
	c.mu.Lock()
	instance := c.instance
	c.mu.Unlock()
	switch inst := instance.(type) {
	case source.Connector:
		return safeCall(func() error { return inst.Start(ctx, maps.Clone(c.resolved), connectorContext{c}) })
	case sink.Connector:
		return safeCall(func() error { return inst.Start(ctx, maps.Clone(c.resolved), connectorContext{c}) })
	}
	return nil
}

// stopInstance stops the connector instance, if its Start succeeded. Its
// Stop gets a context that ends after the task shutdown timeout (or with
// ctx), and is waited for that long, whatever ctx: a Stop that ignores its
// context is abandoned then, as Kafka Connect gives up on a connector that
// outlives its graceful shutdown timeout, so that no Close, delete or
// restart hangs on it. The error then wraps
// context.DeadlineExceeded; the Stop's goroutine ends when its code
// returns.
func (c *connectorRun) stopInstance(ctx context.Context) error {
	c.mu.Lock()
	instance, started := c.instance, c.started
	c.started = false
	c.mu.Unlock()
	if !started {
		return nil
	}
	var stop func(context.Context) error
	switch inst := instance.(type) {
	case source.Connector:
		stop = inst.Stop
	case sink.Connector:
		stop = inst.Stop
	default:
		return nil
	}
	timeout := c.w.opts.shutdownTimeout
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// Waited for by its own timer, not sctx: a Stop that returns as soon
	// as a caller's ended context tells it to is not abandoned for it.
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	done := make(chan error, 1)
	go func() { done <- safeCall(func() error { return stop(sctx) }) }()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		c.log.Error("connector's Stop did not return within the task shutdown timeout: abandoned; its goroutine ends when the connector's code returns",
			"timeout", timeout)
		return fmt.Errorf("Stop did not return within %s and was abandoned: %w", timeout, context.DeadlineExceeded)
	}
}
