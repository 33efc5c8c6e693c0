// Package worker is kconnect's runtime: it runs connectors and their tasks
// as goroutines, moves records between tasks and Kafka through transforms
// and converters, commits source offsets and sink consumer offsets, retries,
// tolerates and dead-letters bad records, and reports status.
//
// A Worker runs the connectors it is given (standalone mode). It is built
// with functional options and driven either from Go, with typed plugins, or
// from the same string configs a Kafka Connect worker accepts:
//
//	w, err := worker.New(worker.Brokers("localhost:9092"), worker.Plugins(file.Plugin()))
//	...
//	err = w.CreateConnector(ctx, "lines", map[string]string{
//		"connector.class": "FileStreamSource", "file": "in.txt", "topic": "lines"})
//	err = w.Run(ctx) // until ctx is cancelled; then stops every task and commits
//
// A worker needs a Kafka cluster: Brokers names one, or package
// runtime/embedded starts a broker in the process (embedded.Broker),
// in memory for examples and tests, or kept in a directory for a program
// that runs a whole pipeline by itself. That broker is a package of its
// own, plugged in through Embedded, so that programs using Brokers do not
// link it.
//
// Plugins are values: the worker knows the built-in converters (JSON,
// string, bytes, numbers) and transforms, plus the connectors passed with
// Plugins. There is no global registry.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kconnect-go/kconnect/configprovider"
	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/converter/jsonconv"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Worker runs connectors and their tasks: it is Kafka Connect's standalone
// herder (herder.Herder), which keeps the connectors' configurations and
// target states in memory and runs every connector and task itself. Its
// methods are safe for concurrent use.
type Worker struct {
	*engine // runs what the Worker decides (engine.go)

	mu         sync.Mutex
	connectors map[string]*connectorRun
	closed     bool
	changing   serial // the turns of the calls that change a connector
}

var _ herder.Herder = (*Worker)(nil)

type options struct {
	seeds               []string
	kgoOpts             []kgo.Opt
	plugins             []connect.Plugin
	store               offset.Store
	log                 *slog.Logger
	id                  string
	flushInterval       time.Duration
	flushTimeout        time.Duration
	shutdownTimeout     time.Duration
	defaultKeyConverter string
	defaultValConverter string
	defaultKeyConvCfg   map[string]string
	defaultValConvCfg   map[string]string
	restartInitial      time.Duration
	restartMax          time.Duration
	metrics             Metrics
	batchGoroutines     int    // 0: half of GOMAXPROCS (parallel.go)
	eos                 bool   // exactly.once.source.support=enabled (eos.go)
	groupID             string // group.id, the prefix of transactional ids (eos.go)
	embedded            []EmbeddedBroker
	rejectUnknown       bool // RejectUnknownKeys (unknownkeys.go)

	resolver       *configprovider.Resolver // ConfigProviders (configproviders.go)
	clientProps    map[string]string        // ClientConfig (clientconfig.go)
	overridePolicy overridePolicyConfig     // ClientOverridePolicy (clientpolicy.go)
	onStateChange  func(StateChange)        // OnStateChange (status.go)

	defaultHeaderConv    string // DefaultHeaderConverter; "" is SimpleHeaderConverter
	defaultHeaderConvCfg map[string]string

	// beforeTxns runs before an exactly-once task's producer initialises
	// (BeforeTransactions, eos.go).
	beforeTxns func(context.Context, TaskID) error
}

// An Opt configures a Worker.
type Opt func(*options)

// Brokers sets the Kafka bootstrap servers. A worker needs either Brokers
// or an embedded broker (Embedded; embedded.Broker in package
// runtime/embedded starts one in the worker's process).
func Brokers(seeds ...string) Opt { return func(o *options) { o.seeds = append(o.seeds, seeds...) } }

// KafkaOpts adds franz-go options to every client the worker creates (TLS,
// SASL, timeouts). Connector-level producer.override.* and
// consumer.override.* settings are applied after them.
func KafkaOpts(opts ...kgo.Opt) Opt {
	return func(o *options) { o.kgoOpts = append(o.kgoOpts, opts...) }
}

// Plugins adds connector (and any other) plugins the worker can create by
// class name or alias. Built-in converters and transforms are always known.
func Plugins(ps ...connect.Plugin) Opt {
	return func(o *options) { o.plugins = append(o.plugins, ps...) }
}

// OffsetStore sets where source offsets are committed. Default: an
// in-memory store, which forgets them when the process ends, or the
// offsets topic of an embedded broker that has one
// (EmbeddedBroker.OffsetsTopic; a durable embedded.Broker does); use
// offset.OpenFile or offset.NewKafka to keep them. New refuses a store that
// keeps them (offset.File, offset.Kafka) for a worker whose records go to
// an embedded broker that is not durable: the records would vanish and the
// offsets survive, so sources would resume past records that were never
// read.
func OffsetStore(s offset.Store) Opt { return func(o *options) { o.store = s } }

// Logger sets the logger of the worker and of the connectors it runs.
// Lines about a connector carry connector=<name>, and about a task also
// task=<number>; each connector and task is handed the same logger, with
// the same attributes, through its context (ConnectorContext.Logger,
// TaskContext.Logger), so built-in and Go connectors log here too.
// Default: slog.Default() as it is when New is called; nil discards.
func Logger(l *slog.Logger) Opt { return func(o *options) { o.log = l } }

// ID sets the worker id reported in statuses. Default: the host name and
// process id.
func ID(id string) Opt { return func(o *options) { o.id = id } }

// OffsetFlushInterval sets how often every task, source or sink, commits
// its offsets (offset.flush.interval.ms, Kafka Connect's "interval at
// which to try committing offsets for tasks"). Default 60s, as in Kafka
// Connect.
//
// A source task writes the offsets of the records Kafka has acknowledged
// to the offset store, then calls the task's Commit (source.Committer). A
// sink task asks the task what is durable, through PreCommit or Flush
// (sink.PreCommitter, sink.Flusher), and commits that to its consumer
// group; so for a sink that buffers, this is also how often it is made to
// flush. Tasks commit when they stop too, and a sink task when its
// partitions are revoked or it calls TaskContext.RequestCommit. Under
// ExactlyOnceSource a source task commits with its transactions instead,
// and this is the default transaction.boundary.interval.ms of connectors
// with transaction.boundary=interval.
func OffsetFlushInterval(d time.Duration) Opt { return func(o *options) { o.flushInterval = d } }

// OffsetFlushTimeout bounds one offset commit of a task
// (offset.flush.timeout.ms). Default 5s, as in Kafka Connect.
//
// For a source task it bounds writing the offsets to the offset store and
// the task's Commit; offsets not written in time are written at the next
// commit. For a sink task it bounds, together, the wait for dead-letter
// writes, PreCommit or Flush (their ctx has this deadline) and the
// consumer group commit; a PreCommit or Flush that fails, or runs out of
// time, rewinds the task to its last committed offsets, so the records are
// delivered again, and a group commit that fails is tried again at the
// next interval. It does not bound the transactions of ExactlyOnceSource,
// as in Kafka Connect, where it has no effect on exactly-once sources;
// there it bounds only copying committed offsets to the worker's offset
// store and aborting a failed task's transaction.
func OffsetFlushTimeout(d time.Duration) Opt { return func(o *options) { o.flushTimeout = d } }

// TaskShutdownTimeout bounds how long a stopping task may take to finish
// its in-flight records, commit and stop
// (task.shutdown.graceful.timeout.ms). Default 5s. Its final offset commit
// then has OffsetFlushTimeout. A task still running after both (one whose
// Poll or Put ignores its context), and a second's grace to close its
// clients, is abandoned, as Kafka Connect cancels it: its producer or consumer is closed, it commits no
// offsets and reports no state any more, and the call that stopped it
// returns an error wrapping ErrTaskAbandoned. Its goroutine ends when the
// task's code returns. A connector's Stop is given the same timeout, after
// which it is abandoned and the call that stopped it returns an error
// naming the connector.
func TaskShutdownTimeout(d time.Duration) Opt { return func(o *options) { o.shutdownTimeout = d } }

// RestartFailedTasks makes the worker restart a failed task by itself after
// an exponential back-off from initial, doubling up to max. Kafka Connect
// has no such feature: a failed task waits for a REST restart. Default off.
func RestartFailedTasks(initial, maxDelay time.Duration) Opt {
	return func(o *options) { o.restartInitial, o.restartMax = initial, max(initial, maxDelay) }
}

// BatchGoroutines sets how many goroutines at most transform and convert
// one task's poll or fetch batch (of 256 records or more; smaller ones stay
// on the task's goroutine). The default, 0, is half of GOMAXPROCS: spreading
// a batch pays where cores are left over for it, and costs throughput where
// the task already competes for them with the Kafka client's goroutines
// and other tasks. With one or two cores the default never splits a batch;
// a task whose conversion is dear (decoding JSON into a sink, about a
// microsecond a record) can still gain from BatchGoroutines(2) there.
// Records keep their order either way.
func BatchGoroutines(n int) Opt { return func(o *options) { o.batchGoroutines = n } }

// DefaultConverters sets the key and value converters (class name or alias,
// and their configuration) for connectors that name none. Default:
// JsonConverter with schemas.enable=true for both, as Kafka Connect's
// sample worker configs have it.
func DefaultConverters(key, value string, config map[string]string) Opt {
	return func(o *options) {
		o.defaultKeyConverter, o.defaultValConverter = key, value
		o.defaultKeyConvCfg, o.defaultValConvCfg = maps.Clone(config), maps.Clone(config)
	}
}

// DefaultKeyConverter sets the key converter (class name or alias) and its
// configuration for connectors that name none, as a Kafka Connect worker's
// key.converter and key.converter.* keys (config without the prefix). It
// replaces the key converter DefaultConverters set.
func DefaultKeyConverter(class string, config map[string]string) Opt {
	return func(o *options) { o.defaultKeyConverter, o.defaultKeyConvCfg = class, maps.Clone(config) }
}

// DefaultValueConverter is DefaultKeyConverter for value.converter.
func DefaultValueConverter(class string, config map[string]string) Opt {
	return func(o *options) { o.defaultValConverter, o.defaultValConvCfg = class, maps.Clone(config) }
}

// DefaultHeaderConverter sets the header converter (class name or alias)
// and its configuration for connectors that name none, as a Kafka Connect
// worker's header.converter and header.converter.* keys. Default:
// SimpleHeaderConverter, as in Kafka Connect.
func DefaultHeaderConverter(class string, config map[string]string) Opt {
	return func(o *options) { o.defaultHeaderConv, o.defaultHeaderConvCfg = class, maps.Clone(config) }
}

func defaultID() string {
	host, err := os.Hostname()
	if err != nil {
		host = "localhost"
	}
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

// New returns a Worker. It connects to Kafka (or starts the embedded broker)
// but runs nothing until connectors are created. It needs a cluster:
// Brokers, or an embedded broker (Embedded, or embedded.Broker from
// package runtime/embedded); without either it returns an error
// naming both.
func New(opts ...Opt) (*Worker, error) {
	e, err := newEngine(opts...)
	if err != nil {
		return nil, err
	}
	return &Worker{engine: e, connectors: make(map[string]*connectorRun)}, nil
}

// newEngine is New's engine: the options applied and checked, the
// cluster reached (or the embedded broker started), the offset store
// open.
func newEngine(opts ...Opt) (*engine, error) {
	o := options{
		log:                 slog.Default(),
		flushInterval:       60 * time.Second,
		flushTimeout:        5 * time.Second,
		shutdownTimeout:     5 * time.Second,
		defaultKeyConverter: jsonconv.Class,
		defaultValConverter: jsonconv.Class,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.id == "" {
		o.id = defaultID()
	}
	if o.metrics == nil {
		o.metrics = noMetrics{}
	}
	if err := checkCluster(&o); err != nil {
		return nil, err
	}
	clients, err := parseClientConfig(o.clientProps)
	if err == nil {
		err = o.overridePolicy.check()
	}
	if err != nil {
		return nil, fmt.Errorf("worker: %w", err)
	}
	plugins := append(builtinPlugins(), o.plugins...)
	if err := checkDefaultConverters(&o, plugins); err != nil {
		return nil, err
	}
	w := &engine{opts: o, store: o.store, clients: clients}
	if len(o.embedded) > 0 {
		seeds, err := w.startEmbedded()
		if err != nil {
			return nil, err
		}
		w.seeds = seeds
		o.log.Info("started an embedded Kafka broker", "broker", o.embedded[0].Name, "addrs", strings.Join(w.seeds, ","))
	} else {
		w.seeds = o.seeds
	}
	admin, err := kgo.NewClient(w.clientOptsOf(adminClient, kgo.ClientID("kconnect-admin-"+o.id))...)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("worker: %w", err), w.closeCluster())
	}
	w.admin = admin
	if err := w.openEmbeddedOffsets(); err != nil {
		admin.Close()
		return nil, errors.Join(err, w.closeCluster())
	}
	if w.store == nil {
		w.store = offset.NewMemory()
	}
	w.plugins = plugins
	return w, nil
}

// Brokers returns the bootstrap servers the worker uses: the ones given, or
// the embedded broker's address.
func (w *Worker) Brokers() []string { return slices.Clone(w.seeds) }

// ID returns the worker's id.
func (w *Worker) ID() string { return w.opts.id }

// clientOpts are the options of a client of the worker's own (the offsets
// store's): the seeds, KafkaOpts, ClientConfig's top-level keys, then
// extra.
func (w *engine) clientOpts(extra ...kgo.Opt) []kgo.Opt {
	return w.clientOptsWith(w.clients.sec[workerClient], extra...)
}

// clientOptsWith is clientOpts with the security options sec (TLS, SASL)
// of a client of another kind, or of a connector's overrides.
func (w *engine) clientOptsWith(sec []kgo.Opt, extra ...kgo.Opt) []kgo.Opt {
	opts := []kgo.Opt{kgo.SeedBrokers(w.seeds...)}
	opts = append(opts, w.opts.kgoOpts...)
	opts = append(opts, sec...)
	opts = append(opts, w.clients.common...)
	return append(opts, extra...)
}

// clientOptsOf are the options of a worker's client of kind k: clientOpts
// with k's security, and k's prefixed ClientConfig keys after extra.
func (w *engine) clientOptsOf(k clientKind, extra ...kgo.Opt) []kgo.Opt {
	return append(w.clientOptsWith(w.clients.sec[k], extra...), w.clients.opts[k]...)
}

// CreateConnector creates a connector from a Kafka Connect configuration
// (name comes from the argument; a "name" key, if present, must match) and
// starts it and its tasks.
//
// An invalid configuration creates nothing; the error names every invalid
// key. A valid one is kept, as Kafka Connect writes a connector's
// configuration before starting it: if the connector's Start or
// TaskConfigs then fails, the connector exists, FAILED with the cause in
// its status, and the error wraps ErrConnectorFailed (test with
// errors.Is). Creating it again then says it already exists;
// RestartConnector runs it again, DeleteConnector removes it. A task that
// fails does not fail CreateConnector: its status says so.
//
// Errors wrap the herder package's: herder.ErrInvalidConfig for an invalid
// configuration, herder.ErrAlreadyExists, herder.ErrBadRequest for a name
// key naming another connector. It is PutConnectorConfig with
// herder.PutOptions{CreateOnly: true}, Kafka Connect's POST /connectors.
func (w *Worker) CreateConnector(ctx context.Context, name string, config map[string]string) error {
	_, _, err := w.put(ctx, name, config, nil, createOnly, TargetStarted)
	return err
}

// namedConfig returns a copy of a connector's configuration with its name
// key set to name, or an error when the key names another connector.
func namedConfig(name string, config map[string]string) (map[string]string, error) {
	cfg := maps.Clone(config)
	if n, ok := cfg[NameConfig]; ok && n != name {
		return nil, fmt.Errorf("worker: connector name %q does not match the name key %q", name, n)
	}
	if cfg == nil {
		cfg = map[string]string{}
	}
	cfg[NameConfig] = name
	return cfg, nil
}

// UpdateConnector replaces the configuration of an existing connector, as
// Kafka Connect's PUT /connectors/{name}/config does (use CreateConnector
// for a new one). The new configuration is checked in full first: a bad one
// is rejected, naming every bad key, and the connector goes on running as
// it was. Otherwise the connector and its tasks are stopped, committing
// their offsets, and started again with the new configuration in the same
// target state: a paused connector comes back paused and a stopped one
// stays stopped, until ResumeConnector. A new configuration whose
// connector then fails to start is kept, the connector FAILED, and the
// error wraps ErrConnectorFailed, as with CreateConnector. Offsets belong
// to the connector's name, so a source connector resumes where it stopped.
// A connector that does not exist is ErrNotFound.
func (w *Worker) UpdateConnector(ctx context.Context, name string, config map[string]string) error {
	_, _, err := w.put(ctx, name, config, nil, replaceOnly, "")
	return err
}

// DeleteConnector stops a connector and its tasks and forgets it. Its
// committed offsets are kept, as in Kafka Connect.
func (w *Worker) DeleteConnector(ctx context.Context, name string) error {
	unlock, err := w.changing.lock(ctx, name)
	if err != nil {
		return err
	}
	defer unlock()
	w.mu.Lock()
	c, ok := w.connectors[name]
	delete(w.connectors, name)
	w.mu.Unlock()
	if !ok {
		return fmt.Errorf("worker: %w: connector %s", ErrNotFound, name)
	}
	err = c.stop(ctx)
	w.releaseSourceOffsets(c)
	w.forgetActiveTopics(name)
	return err
}

// PauseConnector stops a connector's tasks, committing their offsets, and
// keeps them PAUSED until ResumeConnector.
func (w *Worker) PauseConnector(ctx context.Context, name string) error {
	return w.inTurn(ctx, name, func(c *connectorRun) error { return c.pause(ctx) })
}

// ResumeConnector starts a paused or stopped connector's tasks again; they
// resume from the committed offsets. As in Kafka Connect, it changes the
// connector's target state only: a FAILED connector stays FAILED until
// RestartConnector, and resuming one that is not paused or stopped does
// nothing.
func (w *Worker) ResumeConnector(ctx context.Context, name string) error {
	return w.inTurn(ctx, name, func(c *connectorRun) error { return c.resume(ctx) })
}

// StopConnector stops a connector and its tasks but keeps its configuration,
// in the STOPPED state, as Kafka Connect's PUT /connectors/{name}/stop.
func (w *Worker) StopConnector(ctx context.Context, name string) error {
	return w.inTurn(ctx, name, func(c *connectorRun) error { return c.halt(ctx) })
}

// RestartTask restarts one task of a connector, in the connector's target
// state as Kafka Connect's standalone herder does: a PAUSED connector's
// task is created again PAUSED, without running. A task the connector has
// not generated is ErrNotFound: none at all for a connector that failed
// before generating its task configs, or that is STOPPED.
func (w *Worker) RestartTask(ctx context.Context, name string, task int) error {
	return w.inTurn(ctx, name, func(c *connectorRun) error { return c.restartTask(ctx, task) })
}

// RestartConnector restarts a connector and, with includeTasks, its tasks,
// as Kafka Connect's POST /connectors/{name}/restart: with onlyFailed, only
// a FAILED connector and FAILED tasks. The connector's new instance
// generates its task configs again; when they changed (as for a connector
// that failed before generating them), its tasks are replaced by new ones
// with them. A connector whose Start or TaskConfigs fails again is FAILED,
// and the error wraps ErrConnectorFailed. As in Kafka Connect, the restart
// keeps the connector's target state: a PAUSED connector gets a new
// instance and comes back PAUSED, its tasks created again PAUSED without
// running, and a STOPPED one (which has no tasks) comes back STOPPED
// without an instance; either way a FAILED state is cleared.
// RestartConnectorAndTasks does the same and returns the status Kafka
// Connect answers.
func (w *Worker) RestartConnector(ctx context.Context, name string, includeTasks, onlyFailed bool) error {
	_, err := w.RestartConnectorAndTasks(ctx, name, herder.RestartOptions{IncludeTasks: includeTasks, OnlyFailed: onlyFailed})
	return err
}

// ErrNotFound is returned for a connector or task that does not exist. It is
// herder.ErrNotFound.
var ErrNotFound = herder.ErrNotFound

// ErrConnectorFailed is wrapped by the error of CreateConnector,
// UpdateConnector, PutConnectorConfig, PatchConnectorConfig,
// RestartConnector, RestartConnectorAndTasks or ResumeConnector when the
// connector's configuration was accepted and kept but its Start or
// TaskConfigs failed: the connector exists, FAILED with the cause in its
// status, and RestartConnector runs it again. An error from one of the
// calls that put a configuration that wraps neither this nor
// ErrTaskAbandoned means nothing was changed. It is
// herder.ErrConnectorFailed.
var ErrConnectorFailed = herder.ErrConnectorFailed

// ErrTaskAbandoned is wrapped by the error of a call that had to stop a
// task (Close, DeleteConnector, UpdateConnector, PutConnectorConfig,
// PatchConnectorConfig, PauseConnector, StopConnector, RestartTask,
// RestartConnector, RestartConnectorAndTasks) when the task did not stop
// within the task shutdown timeout plus the offset flush timeout
// (TaskShutdownTimeout, OffsetFlushTimeout) and a second's grace, or before the call's context
// ended, typically because its Poll or Put ignores its context. The call
// did what it was asked all the same and returned within that time: the task was abandoned, as Kafka Connect cancels such a
// task. An abandoned task's producer or consumer is closed, it commits no
// offsets and reports no state any more, so a new instance of it never
// runs beside a live one; its goroutine ends when the task's code returns.
// The error names the connector and task of each abandoned task.
var ErrTaskAbandoned = errors.New("task did not stop within the shutdown and flush timeouts and was abandoned")

// Connectors returns the names of the connectors, sorted.
func (w *Worker) Connectors() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Sorted(maps.Keys(w.connectors))
}

func (w *Worker) connector(name string) (*connectorRun, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.connectors[name]
	if !ok {
		return nil, fmt.Errorf("worker: %w: connector %s", ErrNotFound, name)
	}
	return c, nil
}

// Status returns a connector's status and its tasks'.
func (w *Worker) Status(name string) (ConnectorStatus, error) {
	c, err := w.connector(name)
	if err != nil {
		return ConnectorStatus{}, err
	}
	return c.status(), nil
}

// Run blocks until ctx is cancelled, then stops every connector: tasks
// finish their in-flight records and commit their offsets, within the task
// shutdown timeout. It returns nil after a clean stop.
func (w *Worker) Run(ctx context.Context) error {
	<-ctx.Done()
	return w.Close()
}

// Close stops every connector and task, commits what can be committed, and
// releases the worker's clients and the embedded broker. It is safe to call
// more than once. A task that does not stop within the task shutdown
// timeout is abandoned (see ErrTaskAbandoned): Close returns then all the
// same, with an error naming each such task, and the task's goroutine may
// outlive it until the task's code returns.
//
// With an embedded broker, source connectors stop first, and sinks are then
// given up to the task shutdown timeout to Put every record in their topics
// before they stop too, so that a pipeline run in one process ends with its
// sinks caught up with its sources.
func (w *Worker) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	runs := slices.Collect(maps.Values(w.connectors))
	w.mu.Unlock()

	var errs []error
	if w.cluster != nil {
		runs, errs = w.stopSourcesAndDrain(runs)
	}
	errs = append(errs, w.stopAll(runs)...)
	w.wg.Wait()
	w.releaseSourceOffsets(runs...)
	w.admin.Close()
	if w.opts.store == nil {
		errs = append(errs, w.store.Close())
	}
	errs = append(errs, w.closeCluster())
	return errors.Join(errs...)
}

// stopAll stops the connectors of runs side by side, their tasks all
// within one stop budget, and returns their errors.
func (w *engine) stopAll(runs []*connectorRun) []error {
	ctx, cancel := context.WithTimeout(context.Background(), w.opts.stopBudget())
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	for _, c := range runs {
		wg.Go(func() {
			if err := c.stop(ctx); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errs
}

// findPlugin looks a plugin up by kind and name.
func (w *engine) findPlugin(kind connect.PluginKind, name string) (connect.Plugin, error) {
	return w.plugins.Find(kind, name)
}

// connectorKind finds a connector plugin by class, source or sink.
func (w *engine) connectorPlugin(class string) (connect.Plugin, error) {
	if p, err := w.findPlugin(connect.SourcePlugin, class); err == nil {
		return p, nil
	}
	p, err := w.findPlugin(connect.SinkPlugin, class)
	if err != nil {
		var known []string
		for _, p := range w.plugins {
			if k := p.Info().Kind; k == connect.SourcePlugin || k == connect.SinkPlugin {
				known = append(known, p.Info().Class)
			}
		}
		slices.Sort(known)
		return nil, fmt.Errorf("worker: %s: no connector plugin called %q; available: %s",
			ConnectorClassConfig, class, strings.Join(known, ", "))
	}
	return p, nil
}

// converters builds a connector's key, value and header converters from its
// config, falling back to the worker defaults. When one cannot be built,
// those already built are closed.
func (w *engine) converters(cfg *connect.Config) (key, value converter.Converter, header converter.HeaderConverter, err error) {
	build := func(configKey, fallback string, fallbackCfg map[string]string, isKey bool) (converter.Converter, error) {
		class := cfg.Class(configKey)
		settings := cfg.OriginalsWithPrefix(configKey+".", true)
		if class == "" {
			class = fallback
			settings = maps.Clone(fallbackCfg)
			if settings == nil {
				settings = map[string]string{}
			}
			maps.Copy(settings, cfg.OriginalsWithPrefix(configKey+".", true))
		}
		p, err := w.findPlugin(connect.ConverterPlugin, class)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", configKey, err)
		}
		cp, ok := p.(converter.Plugin)
		if !ok {
			return nil, fmt.Errorf("%s: plugin %s is not a converter.Plugin", configKey, class)
		}
		conv, err := cp.New(settings, isKey)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", configKey, err)
		}
		if conv == nil {
			return nil, fmt.Errorf("%s: plugin %s returned no converter", configKey, class)
		}
		return conv, nil
	}
	if key, err = build(KeyConverterConfig, w.opts.defaultKeyConverter, w.opts.defaultKeyConvCfg, true); err != nil {
		return nil, nil, nil, err
	}
	if value, err = build(ValueConverterConfig, w.opts.defaultValConverter, w.opts.defaultValConvCfg, false); err != nil {
		return nil, nil, nil, errors.Join(err, closeConverters(key, nil, nil))
	}
	if header, err = w.headerConverter(cfg); err != nil {
		return nil, nil, nil, errors.Join(err, closeConverters(key, value, nil))
	}
	return key, value, header, nil
}

func (w *engine) headerConverter(cfg *connect.Config) (converter.HeaderConverter, error) {
	class := cfg.Class(HeaderConverterConfig)
	settings := cfg.OriginalsWithPrefix(HeaderConverterConfig+".", true)
	if class == "" {
		class = w.opts.headerConverterClass()
		settings = maps.Clone(w.opts.defaultHeaderConvCfg)
		if settings == nil {
			settings = map[string]string{}
		}
		maps.Copy(settings, cfg.OriginalsWithPrefix(HeaderConverterConfig+".", true))
	}
	p, err := w.findPlugin(connect.HeaderConverterPlugin, class)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", HeaderConverterConfig, err)
	}
	hp, ok := p.(converter.HeaderPlugin)
	if !ok {
		return nil, fmt.Errorf("%s: plugin %s is not a converter.HeaderPlugin", HeaderConverterConfig, class)
	}
	h, err := hp.New(settings)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", HeaderConverterConfig, err)
	}
	if h == nil {
		return nil, fmt.Errorf("%s: plugin %s returned no header converter", HeaderConverterConfig, class)
	}
	return h, nil
}

// checkDefaultConverters fails New, before it starts anything, for a
// default converter that names no plugin: every connector that names no
// converter of its own would fail.
func checkDefaultConverters(o *options, plugins connect.Plugins) error {
	for _, c := range []struct {
		key   string
		kind  connect.PluginKind
		class string
	}{
		{KeyConverterConfig, connect.ConverterPlugin, o.defaultKeyConverter},
		{ValueConverterConfig, connect.ConverterPlugin, o.defaultValConverter},
		{HeaderConverterConfig, connect.HeaderConverterPlugin, o.headerConverterClass()},
	} {
		if _, err := plugins.Find(c.kind, c.class); err != nil {
			return fmt.Errorf("worker: default %s: %w", c.key, err)
		}
	}
	return nil
}

// headerConverterClass is the header converter of connectors that name
// none.
func (o *options) headerConverterClass() string {
	if o.defaultHeaderConv != "" {
		return o.defaultHeaderConv
	}
	return defaultHeaderConverter
}
