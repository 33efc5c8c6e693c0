// Package distributed is Kafka Connect's distributed herder: workers that
// share a group.id share the connectors kept in their config topic. Each
// worker joins the group (internal/workergroup), reads the config topic
// (internal/configtopic) to the offset its assignment was made at, runs
// the connectors and tasks the leader assigns it through a worker.Engine,
// and writes their statuses, with its id and the group generation, to the
// status topic (internal/statustopic). Source offsets go to the offset
// topic (offset.Kafka).
//
// As in Kafka Connect, only the leader writes connector and task
// configurations: a follower answers such a call with a *NotLeaderError
// naming the leader's URL (it wraps herder.ErrRebalancing, so a REST layer
// that does not forward answers 409), and forwards the task
// configurations its connectors generate to the leader through
// Config.ForwardTaskConfigs. Target states (pause, resume, stop) are
// written by whichever worker is asked, as Kafka lets any worker write
// them.
//
// The group protocol is Config.Protocol's, the highest all members
// offer ("sessioned" is the cooperative protocol with signed internal
// requests, below). Every change to the configuration (a connector added, updated,
// removed, new task configurations, a new target state) makes the worker
// that reads it join again, unless it read it while joining and the
// assignment it got was made from a configuration that had it (Kafka
// Connect's worker joins once more). Under the eager protocol ("default") the
// worker stops everything it ran before each join, so that no connector
// or task runs on two workers at once, and each assignment starts what it
// is assigned. Under the incremental cooperative one ("compatible",
// KIP-415) it keeps running what it holds across a rebalance: before a
// join it stops only what of a connector differs from the config topic
// (its configuration or target state: all of it; its task
// configurations: its tasks), an
// assignment stops what the leader revokes and starts what it adds, and a
// revocation is followed by another rebalance, in which the revoked work
// goes elsewhere. The connectors and tasks of a worker that left are held
// back for scheduled.rebalance.max.delay.ms (the assignment's delay, after
// which every worker joins again), unless it left having reported
// everything it ran UNASSIGNED, as Close does before leaving: then they
// are reassigned at once (Kafka Connect's leader holds back both). The
// leader assigns with Kafka Connect's assignors
// (internal/connectassign). A group that falls back from the cooperative
// protocol to the eager one (a member offering only "default" joins) is
// assigned nothing in its first eager round, so that every member stops
// what it runs before anything starts elsewhere.
//
// Under the sessioned protocol the leader writes a session key to the
// config topic (again inter.worker.key.ttl.ms after it was made), and the
// task configurations a follower forwards over HTTP (Config.HTTPClient)
// carry its HMAC under that key in Kafka Connect's headers (SignRequest),
// which the leader's TaskConfigsHandler checks (VerifyRequest): 400 for a
// request without one, 403 for a wrong one.
//
// A connector or task that a worker the group has dropped reported
// RUNNING (PAUSED, RESTARTING) is reported UNASSIGNED, with that worker's
// id, until it is reassigned: Kafka Connect keeps reporting it RUNNING.
//
// Restarts are Kafka Connect's: RestartConnectorAndTasks is the leader's
// (a follower answers *NotLeaderError); it writes a restart request to
// the config topic and answers the restart plan, and every worker that
// reads the request restarts what of it it runs. RestartTask is served by
// the worker that runs the task; the leader answers *NotAssignedError
// naming that worker's URL, a follower *NotLeaderError, both wrapping
// herder.ErrRebalancing, for a REST layer to forward the request.
//
// The offsets calls are Kafka Connect's too: any worker reads a
// connector's offsets (a source connector's from its offset topics, a
// sink connector's from its consumer group); only the leader alters or
// resets them, and only for a connector that is STOPPED with no task
// configurations left (else herder.ErrBadRequest).
//
// Exactly-once source (Config.ExactlyOnceSourceSupport) is Kafka
// Connect's too: the leader writes the config topic through a
// transactional producer that a newer leader fences, and a source task of
// a new generation starts only after the leader has fenced the producers
// of the generation before (FenceZombies, FenceHandler).
package distributed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/configtopic"
	"github.com/kconnect-go/kconnect/internal/connectassign"
	"github.com/kconnect-go/kconnect/internal/connectproto"
	"github.com/kconnect-go/kconnect/internal/statustopic"
	"github.com/kconnect-go/kconnect/internal/workergroup"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/runtime/worker"
)

// Config configures a distributed Herder.
type Config struct {
	// GroupID is the workers' group.id; required.
	GroupID string
	// URL is the worker's advertised REST URL (http://host:port), which
	// the group's members learn from each other; required. Its host:port
	// is the worker id its statuses carry.
	URL string
	// Brokers are the Kafka bootstrap servers; KafkaOpts further options
	// of the herder's client and the engine's.
	Brokers   []string
	KafkaOpts []kgo.Opt
	// ConfigTopic, StatusTopic and OffsetTopic are config.storage.topic,
	// status.storage.topic and offset.storage.topic; required. They are
	// created when missing, with ReplicationFactor (0 or -1: the broker's
	// default) and StatusPartitions and OffsetPartitions (0: Kafka
	// Connect's defaults, 5 and 25).
	ConfigTopic, StatusTopic, OffsetTopic string
	ReplicationFactor                     int16
	StatusPartitions, OffsetPartitions    int32
	// OffsetReplicationFactor and StatusReplicationFactor, when not
	// zero, replace ReplicationFactor for the offset and status topics
	// (Kafka Connect's offset.storage.replication.factor and
	// status.storage.replication.factor, ReplicationFactor being
	// config.storage.replication.factor).
	OffsetReplicationFactor, StatusReplicationFactor int16
	// ConfigTopicSettings, OffsetTopicSettings and StatusTopicSettings
	// are further topic configs of a topic created when missing, as
	// Kafka Connect takes them from config.storage.*, offset.storage.*
	// and status.storage.*; cleanup.policy is always compact.
	ConfigTopicSettings, OffsetTopicSettings, StatusTopicSettings map[string]string
	// ClientOpts are further options of the herder's own client (group
	// membership and the internal topics), after KafkaOpts: the worker's
	// security settings (worker.ClientOptions), which the engine's
	// clients take from WorkerOpts' worker.ClientConfig. Given through
	// KafkaOpts instead, the engine's clients would have them twice.
	ClientOpts []kgo.Opt
	// HeartbeatInterval (heartbeat.interval.ms, 3s), SessionTimeout
	// (session.timeout.ms, 10s) and RebalanceTimeout
	// (rebalance.timeout.ms, 60s): zero takes Kafka Connect's default.
	HeartbeatInterval, SessionTimeout, RebalanceTimeout time.Duration
	// Protocol is connect.protocol, the most preferred protocol the
	// worker offers: "default" (eager; also ""), "compatible"
	// (incremental cooperative) or "sessioned" (Kafka's default: the
	// cooperative protocol with internal requests signed). The group
	// uses the most preferred protocol all its members offer, as in
	// Kafka Connect.
	Protocol string
	// The inter.worker.* keys of the sessioned protocol: the leader
	// distributes a session key of InterWorkerKeyGenerationAlgorithm
	// (HmacSHA256) and InterWorkerKeySize bits (0: the algorithm's
	// default) through the config topic, and a new one
	// InterWorkerKeyTTL (an hour) after it; followers sign with
	// InterWorkerSignatureAlgorithm (HmacSHA256), and the leader accepts
	// the signatures of InterWorkerVerificationAlgorithms (the signature
	// algorithm). Empty or zero: Kafka Connect's defaults.
	InterWorkerKeyGenerationAlgorithm string
	InterWorkerKeySize                int
	InterWorkerKeyTTL                 time.Duration
	InterWorkerSignatureAlgorithm     string
	InterWorkerVerificationAlgorithms []string
	// HTTPClient, when ForwardTaskConfigs is nil, forwards task
	// configurations to the leader's TaskConfigsHandler, signed under
	// the sessioned protocol.
	HTTPClient *http.Client
	// ScheduledRebalanceMaxDelay is scheduled.rebalance.max.delay.ms:
	// under the cooperative protocols, how long the connectors and tasks
	// of a worker that left are held back, in case it comes back, before
	// they are given to the others; not those of a worker that shut down
	// (Close), which are given at once. Zero takes
	// Kafka Connect's default (5 minutes); a negative value reassigns
	// them at once (Kafka's 0).
	ScheduledRebalanceMaxDelay time.Duration
	// Logger receives the herder's lines; nil is slog.Default.
	Logger *slog.Logger
	// WorkerOpts configure the engine (plugins, converters, timeouts).
	// The herder sets the worker id, the brokers, the offset store and
	// OnStateChange itself.
	WorkerOpts []worker.Opt
	// ForwardTaskConfigs hands task configurations a connector running on
	// a follower generated to the leader at leaderURL, whose Herder
	// writes them (PutTaskConfigs; Kafka Connect's PUT
	// /connectors/{name}/tasks). nil: a follower's connectors' task
	// configurations are logged and dropped until it leads.
	ForwardTaskConfigs func(ctx context.Context, leaderURL, connector string, configs []map[string]string) error
	// ExactlyOnceSourceSupport is exactly.once.source.support:
	// "disabled" (also ""), "preparing" (the leader writes the config
	// topic transactionally, so that a cluster can move to "enabled"
	// worker by worker) or "enabled" (that, and every source task writes
	// its records and offsets in its own transactions; see
	// FenceZombies).
	ExactlyOnceSourceSupport string
	// ForwardFence, when set, asks the leader at leaderURL to fence a
	// connector's earlier tasks (its FenceZombies; Kafka Connect's PUT
	// /connectors/{name}/fence); nil: over HTTPClient to its
	// FenceHandler.
	ForwardFence func(ctx context.Context, leaderURL, connector string) error

	// beforeJoin, for tests, runs before each join.
	beforeJoin func()
	// skipHeartbeat, for tests, makes the worker skip its heartbeats
	// while it answers true: the group drops it as if it hung.
	skipHeartbeat func() bool
	// beforeTaskCheck, for tests, runs as an exactly-once source task
	// is checked before its producer initialises.
	beforeTaskCheck func(worker.TaskID)
	// afterTaskCheck, for tests, gets the check's answer: a task the
	// herder stops meanwhile reports no FAILED status carrying it.
	afterTaskCheck func(worker.TaskID, error)
}

// NotLeaderError is the answer of a follower to a call only the leader
// serves: it names the leader's URL, to which a REST layer forwards the
// request, as Kafka Connect's does. It wraps herder.ErrRebalancing.
type NotLeaderError struct {
	LeaderURL string // "" while the group has no leader
}

func (e *NotLeaderError) Error() string {
	if e.LeaderURL == "" {
		return "distributed: this worker is not the leader, and the group has none yet"
	}
	return "distributed: this worker is not the leader; the leader is " + e.LeaderURL
}

func (e *NotLeaderError) Unwrap() error { return herder.ErrRebalancing }

// Herder is a distributed herder (herder.Herder). Its methods are safe for
// concurrent use.
type Herder struct {
	cfg    Config
	id     string
	eos    string // exactly.once.source.support (eos.go)
	log    *slog.Logger
	client *kgo.Client
	engine *worker.Engine
	offs   *offset.Kafka
	cfgs   *configtopic.Store
	stats  *statustopic.Store
	member *workergroup.Member
	// assignor is Kafka Connect's, one for the worker's life as the
	// incremental assignor keeps state between rounds.
	assignor *connectassign.Assignor

	rejoin  chan struct{} // join again: a configuration change read (onUpdate), or askRejoin
	cancel  context.CancelFunc
	done    chan struct{}
	statusQ *queue[statusWrite]
	pubQ    *queue[published]
	// writeMu serialises the leader's configuration writes, as Kafka
	// Connect's herder thread does, so that what a write checks (the
	// connector exists, the task configs differ) holds when it writes.
	writeMu sync.Mutex
	// runMu is held while the worker's Runs are stopped, started or
	// restarted, so that a restart never starts what a rebalance stops.
	runMu    sync.Mutex
	restartQ *queue[configtopic.RestartRequest]
	// pendingRestarts are restart requests read while the worker held no
	// assignment, by connector (a later request replaces an earlier one,
	// as in Kafka's herder); they are applied once it holds one.
	pendingRestarts map[string]configtopic.RestartRequest

	mu         sync.Mutex
	joined     *workergroup.Joined // nil while rebalancing
	generation int32
	// held is what the worker was assigned and has not been revoked:
	// under the cooperative protocol, every assignment's connectors and
	// tasks added to what the previous ones left, as Kafka's
	// WorkerCoordinator keeps its assignment snapshot; its metadata
	// reports it to the leader. nil before any assignment and, under
	// the eager protocol, while rebalancing.
	held *connectproto.Assignment
	// protocol is the protocol of the last join.
	protocol connectproto.Version
	// runningConns and runningTasks are the connectors and tasks started
	// here and not stopped since, the tasks with the configuration they
	// were started with; runConfigs is the connector configuration each
	// Run was prepared from. Under the cooperative protocol, before a
	// join, the worker stops what it runs of a connector whose
	// configuration, task configurations or target state differ from
	// the config topic's, and only that, to start it again afterwards
	// if it still holds it.
	runningConns map[string]bool
	runningTasks map[connectproto.TaskID]map[string]string
	runConfigs   map[string]map[string]string
	// rebalanceAt is when the leader asked the worker to join again
	// (the assignment's delay, for connectors and tasks held back); zero
	// for none.
	rebalanceAt time.Time
	// taskStarts are the generations each task here was started at, which
	// an exactly-once source task checks before its producer initialises
	// (checkTaskStart).
	taskStarts map[connectproto.TaskID]taskStart
	// live are the worker ids of the group's members as of generation
	// liveGen (DescribeGroup after a join); nil while unknown.
	live    map[string]bool
	liveGen int32
	// keyExpires is, on the leader under the sessioned protocol, when it
	// distributes a new session key; zero otherwise.
	keyExpires time.Time
	runs       map[string]*worker.Run
	targets    map[string]configtopic.TargetState // target state each Run was started in
	// joinedSnap is the configuration the worker joined with, whose
	// offset its metadata reported; the assignor assigns from it.
	joinedSnap connectassign.Snapshot
	// owners is, on the leader, the URL of the worker each task was
	// assigned to in the last assignment it made.
	owners map[configtopic.TaskID]string
	// lastGen is the generation of the last completed join, -1 before
	// any (WorkerCoordinator's lastCompletedGenerationId).
	lastGen int32
	closed  bool
	// abandoned are the errors of the worker's own stops (a rebalance's,
	// a revocation's, a restart's) that abandoned tasks, for Close to
	// return: their goroutines may outlive it.
	abandoned []error
	// rejoinForced is set when the worker was asked to join again
	// (askRejoin) since it last began joining for something other than
	// a change read from the config topic: no assignment answers that,
	// whatever config offset it was made from (settleRejoin).
	rejoinForced bool
}

var _ herder.Herder = (*Herder)(nil)

// New opens the worker's topics, reads the config topic to its end and
// starts joining the group; the worker serves calls that need the group
// (writes) once it has joined, answering herder.ErrRebalancing until
// then. It fails when a required field is missing, when a topic cannot
// be opened (see configtopic.Open, statustopic.Open, offset.NewKafka) or
// when ctx ends first.
func New(ctx context.Context, cfg Config) (*Herder, error) {
	switch {
	case cfg.GroupID == "":
		return nil, errors.New("distributed: group.id: missing")
	case cfg.ConfigTopic == "" || cfg.StatusTopic == "" || cfg.OffsetTopic == "":
		return nil, errors.New("distributed: config.storage.topic, status.storage.topic and offset.storage.topic are required")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("distributed: advertised URL %q: not an http(s)://host:port URL", cfg.URL)
	}
	highest, ok := connectproto.ByName(cfg.Protocol) // case aside, as Kafka reads it
	if cfg.Protocol == "" {
		highest, ok = connectproto.V0, true
	}
	if !ok {
		return nil, fmt.Errorf("distributed: connect.protocol: %q is not one of %q, %q, %q",
			cfg.Protocol, connectproto.V0.Name(), connectproto.V1.Name(), connectproto.V2.Name())
	}
	if err := checkSessionConfig(&cfg); err != nil {
		return nil, err
	}
	eos, err := eosSupport(cfg.ExactlyOnceSourceSupport)
	if err != nil {
		return nil, err
	}
	maxDelay := cfg.ScheduledRebalanceMaxDelay
	switch {
	case maxDelay == 0:
		maxDelay = connectassign.DefaultMaxDelay
	case maxDelay < 0:
		maxDelay = 0
	}
	if cfg.HeartbeatInterval <= 0 {
		cfg.HeartbeatInterval = 3 * time.Second
	}
	if cfg.ReplicationFactor == 0 {
		cfg.ReplicationFactor = -1
	}
	if cfg.OffsetPartitions == 0 {
		cfg.OffsetPartitions = 25
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	h := &Herder{cfg: cfg, id: u.Host, eos: eos, log: log.With("worker", u.Host, "group", cfg.GroupID),
		rejoin: make(chan struct{}, 1), done: make(chan struct{}),
		runs: map[string]*worker.Run{}, targets: map[string]configtopic.TargetState{}, lastGen: -1,
		pendingRestarts: map[string]configtopic.RestartRequest{},
		runningConns:    map[string]bool{}, runningTasks: map[connectproto.TaskID]map[string]string{},
		taskStarts: map[connectproto.TaskID]taskStart{},
		runConfigs: map[string]map[string]string{}}
	h.statusQ = newQueue(h.writeStatus)
	h.pubQ = newQueue(h.publish)
	h.restartQ = newQueue(h.applyRestart)
	fail := func(err error) (*Herder, error) {
		h.closeStores()
		return nil, err
	}
	h.client, err = kgo.NewClient(append(append([]kgo.Opt{kgo.SeedBrokers(cfg.Brokers...)}, cfg.KafkaOpts...), cfg.ClientOpts...)...)
	if err != nil {
		return fail(fmt.Errorf("distributed: %w", err))
	}
	rfOr := func(rf int16) int16 {
		if rf == 0 {
			return cfg.ReplicationFactor
		}
		return rf
	}
	h.offs, err = offset.NewKafka(ctx, h.client, cfg.OffsetTopic, offset.TopicPartitions(cfg.OffsetPartitions),
		offset.ReplicationFactor(rfOr(cfg.OffsetReplicationFactor)), offset.TopicConfigs(cfg.OffsetTopicSettings), offset.WithLogger(h.log))
	if err != nil {
		return fail(fmt.Errorf("distributed: %s: %w", cfg.OffsetTopic, err))
	}
	h.stats, err = statustopic.Open(ctx, h.client, statustopic.Options{Topic: cfg.StatusTopic,
		Partitions: cfg.StatusPartitions, ReplicationFactor: rfOr(cfg.StatusReplicationFactor),
		TopicConfigs: cfg.StatusTopicSettings, Logger: h.log})
	if err != nil {
		return fail(fmt.Errorf("distributed: %w", err))
	}
	copts := configtopic.Options{Topic: cfg.ConfigTopic,
		ReplicationFactor: cfg.ReplicationFactor, TopicConfigs: cfg.ConfigTopicSettings, Logger: h.log, OnUpdate: h.onUpdate}
	if eos != EOSDisabled {
		copts.TransactionalID, copts.NewTransactionalClient = configtopic.TransactionalID(cfg.GroupID), newTxnClient(cfg)
	}
	h.cfgs, err = configtopic.Open(ctx, h.client, copts)
	if err != nil {
		return fail(fmt.Errorf("distributed: %w", err))
	}
	opts := append(slices.Clone(cfg.WorkerOpts), worker.ID(h.id), worker.Brokers(cfg.Brokers...),
		worker.KafkaOpts(cfg.KafkaOpts...), worker.OffsetStore(h.offs), worker.OnStateChange(h.onState), worker.Logger(log),
		worker.WorkerGroupID(cfg.GroupID), worker.ExactlyOnceSource(eos == EOSEnabled), worker.BeforeTransactions(h.checkTaskStart))
	h.engine, err = worker.NewEngine(opts...)
	if err != nil {
		return fail(fmt.Errorf("distributed: %w", err))
	}
	h.assignor, err = connectassign.New(connectassign.Config{Configs: joinedConfigs{h},
		LastCompletedGeneration: h.lastCompletedGeneration, MaxDelay: maxDelay})
	if err != nil {
		return fail(fmt.Errorf("distributed: %w", err))
	}
	h.member, err = workergroup.New(h.client, workergroup.Config{Group: cfg.GroupID, Highest: highest,
		SessionTimeout: cfg.SessionTimeout, RebalanceTimeout: cfg.RebalanceTimeout,
		State: h.workerState, Assign: h.assign})
	if err != nil {
		return fail(fmt.Errorf("distributed: %w", err))
	}
	rctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go h.run(rctx)
	return h, nil
}

// ID returns the worker id: the advertised URL's host:port.
func (h *Herder) ID() string { return h.id }

// Close stops every connector and task the worker runs, leaves the group
// so that it rebalances at once, and closes the worker's topics and
// clients. It is safe to call more than once. A task that did not stop
// within the engine's shutdown budget (worker.TaskShutdownTimeout), here
// or in a stop the worker made while it ran (for a rebalance, a
// revocation or a restart), was abandoned: the error then wraps
// worker.ErrTaskAbandoned and names each such connector and task, whose
// goroutine may outlive Close until the task's code returns.
func (h *Herder) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	<-h.done
	h.mu.Lock()
	conns := slices.Collect(maps.Keys(h.runningConns))
	tasks := slices.Collect(maps.Keys(h.runningTasks))
	gen := h.generation
	h.mu.Unlock()
	errs := h.stopAll(context.Background(), configtopic.Snapshot{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Everything it ran is UNASSIGNED under its id before the group
	// hears the worker leave: that tells the leader it left cleanly. The
	// engine's own reports carry the generation the worker ran in, and
	// readers keep a RUNNING of that generation over them (a late
	// UNASSIGNED must not hide a new owner's RUNNING); these carry the
	// generation the leave starts, so they replace the worker's RUNNING
	// but not a next owner's, and are written over the worker's own
	// reports only.
	unassigned := statustopic.Status{State: statustopic.Unassigned, WorkerID: h.id, Generation: gen + 1}
	for _, c := range conns {
		h.statusQ.push(statusWrite{connector: c, task: -1, status: unassigned, ifOurs: true})
	}
	for _, t := range tasks {
		h.statusQ.push(statusWrite{connector: t.Connector, task: int(t.Task), status: unassigned, ifOurs: true})
	}
	h.flushStatuses(ctx)
	if err := h.member.Leave(ctx); err != nil {
		errs = append(errs, fmt.Errorf("distributed: leaving group %s: %w", h.cfg.GroupID, err))
	}
	h.restartQ.close()
	h.pubQ.close()
	h.statusQ.close()
	errs = append(errs, h.engine.Close())
	errs = append(errs, h.closeStores()...)
	h.mu.Lock()
	errs = append(errs, h.abandoned...)
	h.mu.Unlock()
	return errors.Join(errs...)
}

// stopFailed logs the error of a stop the worker made by itself, with
// what it was doing, and keeps it for Close when it abandoned tasks.
func (h *Herder) stopFailed(err error, what string, args ...any) {
	h.log.Warn(what, append(args, "err", err)...)
	if errors.Is(err, worker.ErrTaskAbandoned) {
		h.mu.Lock()
		h.abandoned = append(h.abandoned, err)
		h.mu.Unlock()
	}
}

func (h *Herder) closeStores() []error {
	var errs []error
	if h.cfgs != nil {
		errs = append(errs, h.cfgs.Close())
	}
	if h.stats != nil {
		errs = append(errs, h.stats.Close())
	}
	if h.offs != nil {
		errs = append(errs, h.offs.Close())
	}
	if h.client != nil {
		h.client.Close()
	}
	return errs
}

// onUpdate hears of each change read from the config topic: those that
// change what runs where make the worker join again.
func (h *Herder) onUpdate(u configtopic.Update) {
	switch u.Kind {
	case configtopic.ConnectorConfigUpdated, configtopic.ConnectorConfigRemoved,
		configtopic.TargetStateChanged, configtopic.TaskConfigsUpdated:
		// Under mu, as settleRejoin looks at the offset read and drops
		// the signal: the change of a record read after it looked is
		// signalled after it dropped.
		h.mu.Lock()
		select {
		case h.rejoin <- struct{}{}:
		default:
		}
		h.mu.Unlock()
	case configtopic.RestartRequested:
		// Every worker restarts what it runs, as Kafka Connect's
		// herders apply a restart request read from the config topic.
		h.restartQ.push(u.Restart)
	}
}

func (h *Herder) workerState() connectproto.WorkerState {
	snap := connectassign.SnapshotOf(h.cfgs.Snapshot())
	h.mu.Lock()
	defer h.mu.Unlock()
	h.joinedSnap = snap
	return connectproto.WorkerState{URL: h.cfg.URL, ConfigOffset: snap.Offset, Assignment: h.held}
}

// assign is the leader's part of a join: Kafka Connect's assignor, which
// answers every member ConfigMismatch when this worker cannot read the
// config topic as far as a member has. The store is read to its end
// first when behind, so that the assignor's Fresh has what there is.
func (h *Herder) assign(ctx context.Context, g workergroup.Group) (map[string]*connectproto.Assignment, error) {
	h.mu.Lock()
	behind := h.joinedSnap.Offset < g.MaxConfigOffset
	fallback := g.Protocol == connectproto.V0 && h.protocol != connectproto.V0 && h.lastGen >= 0
	h.mu.Unlock()
	if fallback {
		// The group falls back to the eager protocol (a member offers
		// only "default"), but its members joined without stopping what
		// they run, as the cooperative protocol lets them: this round
		// assigns nothing and makes every member join again, stopping
		// everything first as the eager protocol does, so that no
		// connector or task starts on one worker while another still
		// runs it.
		h.log.Info("the group falls back to the eager protocol: every member joins again before anything is assigned")
		return workergroup.MismatchAssignments(g), nil
	}
	if behind && h.cfgs.Snapshot().Offset < g.MaxConfigOffset {
		if err := h.cfgs.Refresh(ctx); err != nil {
			return nil, err
		}
	}
	if g.Protocol != connectproto.V0 {
		h.releaseGracefulLeavers(ctx, g)
	}
	as, err := h.assignor.Assign(ctx, g)
	if err != nil {
		return nil, err
	}
	// Who runs each task once the round is carried out: under the
	// cooperative protocol an assignment lists only what it adds.
	st := h.assignor.LeaderState()
	for _, a := range as {
		if a.Error != connectproto.NoError {
			st = connectassign.LeaderState{} // nothing assigned this round
			break
		}
	}
	owners := map[configtopic.TaskID]string{}
	for id := range st.TaskOwners {
		owners[configtopic.TaskID{Connector: id.Connector, Task: int(id.Task)}] = st.TaskOwnerURL(id)
	}
	h.mu.Lock()
	h.owners = owners
	h.mu.Unlock()
	return as, nil
}

// releaseGracefulLeavers tells the assignor which members of its last
// round left having reported everything they ran UNASSIGNED (or STOPPED,
// or DESTROYED), as a worker's Close does before its LeaveGroup: their
// connectors and tasks are not held back for the rebalance delay, which
// is for workers that may come back. Kafka's leader holds back both.
func (h *Herder) releaseGracefulLeavers(ctx context.Context, g workergroup.Group) {
	prev := h.assignor.LeaderState()
	var departed []string
	for id := range prev.URLs {
		if !slices.ContainsFunc(g.Members, func(m workergroup.GroupMember) bool { return m.ID == id }) {
			departed = append(departed, id)
		}
	}
	if len(departed) == 0 {
		return
	}
	if err := h.stats.Refresh(ctx); err != nil {
		h.log.Warn("reading the status topic for the statuses of departed workers", "err", err)
		return
	}
	stopped := func(st statustopic.Status, ok bool, worker string) bool {
		switch {
		case !ok || st.WorkerID != worker:
			return false
		case st.State == statustopic.Unassigned, st.State == statustopic.Stopped, st.State == statustopic.Destroyed:
			return true
		}
		return false
	}
	var graceful []string
	for _, id := range departed {
		u, err := url.Parse(prev.URLs[id])
		if err != nil {
			continue
		}
		clean := true
		for c, owner := range prev.ConnectorOwners {
			if owner == id {
				st, ok := h.stats.Connector(c)
				clean = clean && stopped(st, ok, u.Host)
			}
		}
		for t, owner := range prev.TaskOwners {
			if owner == id {
				st, ok := h.stats.Task(statustopic.TaskID{Connector: t.Connector, Task: int(t.Task)})
				clean = clean && stopped(st, ok, u.Host)
			}
		}
		if clean {
			graceful = append(graceful, id)
		}
	}
	if len(graceful) > 0 {
		h.log.Info("workers left having stopped what they ran: their work is reassigned at once", "members", graceful)
		h.assignor.Release(graceful...)
	}
}

func (h *Herder) lastCompletedGeneration() int32 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastGen
}

// joinedConfigs is the leader's view of the config topic for its
// assignor: the snapshot it joined with, and the store's latest, which
// becomes the joined one once asked for, as in Kafka's coordinator.
type joinedConfigs struct{ h *Herder }

func (c joinedConfigs) Snapshot() connectassign.Snapshot {
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	return c.h.joinedSnap
}

func (c joinedConfigs) Fresh() connectassign.Snapshot {
	snap := connectassign.SnapshotOf(c.h.cfgs.Snapshot())
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	c.h.joinedSnap = snap
	return snap
}

// run joins the group, applies each assignment and heartbeats, joining
// again when the coordinator asks or the configuration changes, until
// ctx ends.
func (h *Herder) run(ctx context.Context) {
	defer close(h.done)
	for ctx.Err() == nil {
		// Changes read from here on are in the offset this join reports,
		// or read after: settleRejoin tells which.
		h.mu.Lock()
		h.joined = nil
		select {
		case <-h.rejoin:
		default:
		}
		h.rejoinForced = false
		h.mu.Unlock()
		if h.cfg.beforeJoin != nil {
			h.cfg.beforeJoin()
		}
		if err := h.cfgs.Refresh(ctx); err != nil {
			h.log.Warn("reading the config topic before joining", "err", err)
		}
		// The eager protocol revokes everything before the join, as
		// Kafka's onRevoked: a connector or task never runs on two workers
		// at once, the one that ran it stopping before another is told
		// to start it. The cooperative one keeps what the worker runs
		// until the leader revokes it, and stops only what changed, to
		// start it again from its new configuration. Stopping may take
		// longer than the session timeout: the member heartbeats
		// meanwhile.
		stopBeating := h.beatDuring(ctx, false)
		snap := h.cfgs.Snapshot()
		var stopErrs []error
		if h.currentProtocol() == connectproto.V0 {
			stopErrs = h.stopAll(stopContext(ctx), snap)
		} else {
			conns, tasksOf := h.changed(snap)
			stopErrs = h.stopConnectors(stopContext(ctx), snap, conns, tasksOf)
		}
		for _, err := range stopErrs {
			h.stopFailed(err, "stopping for a rebalance")
		}
		// Their UNASSIGNED statuses are written before the next owners
		// can report RUNNING, which they would otherwise hide.
		h.flushStatuses(ctx)
		stopBeating()
		j, err := h.member.Join(ctx)
		if err != nil {
			if ctx.Err() == nil {
				h.log.Warn("joining the group", "err", err)
				h.wait(ctx, time.Second)
			}
			continue
		}
		h.mu.Lock()
		h.lastGen = j.Generation
		h.protocol = j.Protocol
		// A later assignment replaces the delay of an earlier one, as
		// in Kafka's herder.
		h.rebalanceAt = time.Time{}
		if j.Assignment.Delay > 0 {
			h.rebalanceAt = time.Now().Add(time.Duration(j.Assignment.Delay) * time.Millisecond)
		}
		h.mu.Unlock()
		if j.Assignment.Error != connectproto.NoError {
			h.log.Info("the leader answered a config mismatch: reading the config topic and joining again", "offset", j.Assignment.ConfigOffset)
			continue
		}
		// Starting may take longer than the session timeout too.
		stopBeating = h.beatDuring(ctx, true)
		if err := h.claimPrivileges(ctx, j.IsLeader()); err != nil {
			stopBeating()
			if ctx.Err() == nil {
				h.log.Warn("claiming the transactional producer of the config topic as the leader; joining again", "err", err)
				h.wait(ctx, time.Second)
			}
			continue
		}
		applied := h.apply(ctx, j)
		stopBeating()
		if !applied {
			continue
		}
		h.settleRejoin(j.Assignment.ConfigOffset)
		h.applyPendingRestarts()
		h.learnMembers(ctx, j.Generation)
		h.distributeKey(ctx, j)
		if len(j.Assignment.RevokedConnectors) > 0 || len(j.Assignment.RevokedTasks) > 0 {
			// What was revoked goes to other workers in a follow-up
			// rebalance, as Kafka's herder asks for one.
			continue
		}
		h.heartbeat(ctx)
	}
}

// askRejoin makes the worker join again for a reason other than a change
// read from the config topic, which the assignment of the join under way,
// if any, does not answer.
func (h *Herder) askRejoin() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rejoinForced = true
	select {
	case h.rejoin <- struct{}{}:
	default:
	}
}

// settleRejoin drops the worker's pending rejoin when the assignment it
// has just applied, made from config offset offset, answers it: it was
// asked only for changes read from the config topic before that offset
// (read while the worker joined, after it last looked for them), and
// what the worker runs is what the config topic has. Joining again for
// them would rebalance the group for nothing, which under the eager
// protocol stops and starts every connector and task of every worker.
// Under the cooperative one a connector kept running across the join
// may still run an older configuration: then the rejoin stays, to stop
// it first.
func (h *Herder) settleRejoin(offset int64) {
	conns, tasksOf := h.changed(h.cfgs.Snapshot())
	h.mu.Lock()
	defer h.mu.Unlock()
	// The offset is read under mu, as onUpdate signals: a record read
	// after it is signalled after the drop below. apply read to offset
	// at least, so an offset no further is the one changed looked at.
	if h.rejoinForced || len(conns) > 0 || len(tasksOf) > 0 || h.cfgs.Snapshot().Offset > offset {
		return
	}
	select {
	case <-h.rejoin:
		h.log.Info("not joining again for changes to the configuration the assignment already has", "offset", offset)
	default:
	}
}

// distributeKey writes a session key as the sessioned protocol's leader
// when there is none or it is due, and notes when the next is due.
func (h *Herder) distributeKey(ctx context.Context, j workergroup.Joined) {
	var expires time.Time
	if j.IsLeader() && j.Protocol >= connectproto.V2 {
		var err error
		if expires, err = h.ensureSessionKey(ctx); err != nil && ctx.Err() == nil {
			h.log.Warn("distributing a session key", "err", err)
			expires = time.Now().Add(time.Second)
		}
	}
	h.mu.Lock()
	h.keyExpires = expires
	h.mu.Unlock()
}

// learnMembers notes the worker ids of the group's members in generation
// gen, from the coordinator, for the statuses of workers the group has
// dropped. It reports whether it learnt them.
func (h *Herder) learnMembers(ctx context.Context, gen int32) bool {
	mctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	members, err := h.member.Members(mctx)
	if err != nil || len(members) == 0 {
		if err != nil && ctx.Err() == nil {
			h.log.Warn("describing the group's members", "err", err)
		}
		return false
	}
	live := map[string]bool{h.id: true}
	for _, m := range members {
		if u, err := url.Parse(m.URL); err == nil {
			live[u.Host] = true
		}
	}
	h.mu.Lock()
	h.live, h.liveGen = live, gen
	h.mu.Unlock()
	return true
}

// heartbeat keeps the member in its generation until it must join again.
func (h *Herder) heartbeat(ctx context.Context) {
	t := time.NewTicker(h.cfg.HeartbeatInterval)
	defer t.Stop()
	var scheduled <-chan time.Time
	h.mu.Lock()
	at := h.rebalanceAt
	h.mu.Unlock()
	if !at.IsZero() {
		st := time.NewTimer(time.Until(at))
		defer st.Stop()
		scheduled = st.C
	}
	h.mu.Lock()
	known := h.live != nil && h.liveGen == h.generation
	tries := 0 // a group its members may not describe is not asked forever
	gen := h.generation
	keyExpires := h.keyExpires
	joined := h.joined
	h.mu.Unlock()
	var rotate <-chan time.Time
	if !keyExpires.IsZero() {
		kt := time.NewTimer(time.Until(keyExpires))
		defer kt.Stop()
		rotate = kt.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.rejoin:
			return
		case <-scheduled:
			h.log.Info("joining again: the scheduled rebalance delay has passed")
			return
		case <-rotate:
			h.distributeKey(ctx, *joined)
			h.mu.Lock()
			keyExpires = h.keyExpires
			h.mu.Unlock()
			if !keyExpires.IsZero() {
				kt := time.NewTimer(time.Until(keyExpires))
				defer kt.Stop()
				rotate = kt.C
			}
		case <-t.C:
			if h.cfg.skipHeartbeat != nil && h.cfg.skipHeartbeat() {
				continue
			}
			if err := h.member.Heartbeat(ctx); errors.Is(err, workergroup.ErrRejoin) {
				return
			} else if err != nil && ctx.Err() == nil {
				h.log.Warn("heartbeat", "err", err)
			}
			if !known && tries < 3 {
				tries++
				known = h.learnMembers(ctx, gen)
			}
		}
	}
}

// beatDuring heartbeats until the function it returns is called; with
// rejoin, a rebalance it hears of makes the worker join again afterwards.
func (h *Herder) beatDuring(ctx context.Context, rejoin bool) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(h.cfg.HeartbeatInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := h.member.Heartbeat(ctx); errors.Is(err, workergroup.ErrRejoin) {
					if rejoin {
						h.askRejoin()
					}
					return
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

func (h *Herder) wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// apply carries out an assignment: it stops what the assignment revokes
// (the cooperative protocol's; under the eager one everything held was
// stopped before the join), and starts what the worker now holds and
// does not run, from the configuration read to the assignment's offset.
// It reports false when that offset cannot be read, for the worker to
// join again.
func (h *Herder) apply(ctx context.Context, j workergroup.Joined) bool {
	h.runMu.Lock()
	defer h.runMu.Unlock()
	a := j.Assignment
	if h.cfgs.Snapshot().Offset < a.ConfigOffset {
		if err := h.cfgs.Refresh(ctx); err != nil {
			h.log.Warn("reading the config topic to the assignment's offset", "offset", a.ConfigOffset, "err", err)
			return false
		}
	}
	snap := h.cfgs.Snapshot()
	h.log.Info("joined", "generation", j.Generation, "protocol", j.Protocol.Name(), "leader", j.IsLeader(),
		"connectors", a.Connectors, "tasks", len(a.Tasks), "revoked_connectors", a.RevokedConnectors,
		"revoked_tasks", len(a.RevokedTasks), "delay_ms", a.Delay)

	if len(a.RevokedConnectors) > 0 || len(a.RevokedTasks) > 0 {
		for _, err := range h.stopRevoked(stopContext(ctx), snap, a.RevokedConnectors, a.RevokedTasks) {
			h.stopFailed(err, "stopping what the leader revoked")
		}
		// Their UNASSIGNED statuses are written before the next owners
		// can report RUNNING, which they would otherwise hide.
		h.flushStatuses(ctx)
	}

	// What the worker holds now: the assignment's connectors and tasks,
	// then those it held before and kept (cooperative), in the order
	// Kafka's WorkerCoordinator lists them.
	held := a
	h.mu.Lock()
	if prev := h.held; prev != nil && j.Protocol != connectproto.V0 {
		held.Connectors = slices.Clone(a.Connectors)
		held.Tasks = slices.Clone(a.Tasks)
		for _, c := range prev.Connectors {
			if !slices.Contains(a.RevokedConnectors, c) && !slices.Contains(held.Connectors, c) {
				held.Connectors = append(held.Connectors, c)
			}
		}
		for _, t := range prev.Tasks {
			if !slices.Contains(a.RevokedTasks, t) && !slices.Contains(held.Tasks, t) {
				held.Tasks = append(held.Tasks, t)
			}
		}
	}
	held.RevokedConnectors, held.RevokedTasks = nil, nil
	h.generation = j.Generation
	h.held = &held
	// Joined before its connectors start: they publish task
	// configurations at once, which the leader writes only once joined.
	h.joined = &j
	var stray []string
	if j.Protocol == connectproto.V0 {
		// A group that fell back to the eager protocol while this worker
		// ran under the cooperative one: what it is not assigned now runs
		// elsewhere.
		for c := range h.runs {
			stray = append(stray, c)
		}
	}
	h.mu.Unlock()
	if len(stray) > 0 {
		var conns []string
		var tasks []connectproto.TaskID
		h.mu.Lock()
		for c := range h.runningConns {
			if !slices.Contains(held.Connectors, c) {
				conns = append(conns, c)
			}
		}
		for t := range h.runningTasks {
			if !slices.Contains(held.Tasks, t) {
				tasks = append(tasks, t)
			}
		}
		h.mu.Unlock()
		for _, err := range h.stopRevoked(stopContext(ctx), snap, conns, tasks) {
			h.stopFailed(err, "stopping what the eager assignment gave others")
		}
	}

	for _, name := range held.Connectors {
		h.mu.Lock()
		running := h.runningConns[name]
		h.mu.Unlock()
		if running {
			continue
		}
		if run := h.runFor(ctx, snap, name); run != nil {
			target := targetOf(snap, name)
			if target == configtopic.Stopped && snap.TaskCounts[name] > 0 {
				// A stopped connector has no tasks, as Kafka Connect's
				// leader records by writing none.
				h.pubQ.push(published{connector: name, configs: []map[string]string{}})
			}
			h.mu.Lock()
			h.runningConns[name] = true
			h.targets[name] = target
			h.mu.Unlock()
			err := run.StartConnector(ctx, worker.TargetState(target), func(configs []map[string]string) {
				h.pubQ.push(published{connector: name, configs: configs})
			})
			if err != nil {
				h.log.Warn("starting connector", "connector", name, "err", err)
			}
		}
	}
	fenced := map[string]bool{}
	for _, id := range held.Tasks {
		h.mu.Lock()
		_, running := h.runningTasks[id]
		h.mu.Unlock()
		if running {
			continue
		}
		name := id.Connector
		tc, ok := snap.TaskConfigs[configtopic.TaskID{Connector: name, Task: int(id.Task)}]
		if !ok || targetOf(snap, name) == configtopic.Stopped {
			continue // its connector was removed or reconfigured since
		}
		run := h.runFor(ctx, snap, name)
		if run == nil {
			continue
		}
		if h.eosEnabled() && h.isSource(name) && !fenced[name] {
			// A task of a new generation starts only once the producers
			// of the one before are fenced; one that cannot start now is
			// tried again in the next join.
			if err := h.awaitFencing(ctx, name); err != nil {
				h.log.Warn("starting task", "connector", name, "task", id.Task, "err", err)
				h.askRejoin()
				continue
			}
			fenced[name] = true
		}
		target := worker.TargetStarted
		if targetOf(snap, name) == configtopic.Paused {
			target = worker.TargetPaused
		}
		h.mu.Lock()
		h.runningTasks[id] = tc
		h.taskStarts[id] = taskStart{configGen: snap.TaskConfigGenerations[name], memberGen: h.generation}
		h.targets[name] = targetOf(snap, name)
		h.mu.Unlock()
		if err := run.StartTask(ctx, int(id.Task), tc, target); err != nil {
			h.log.Warn("starting task", "connector", name, "task", id.Task, "err", err)
		}
	}
	return true
}

// stopRevoked stops the connectors and tasks given, side by side, and
// forgets the Runs left running nothing. A connector snap no longer has
// gets DESTROYED statuses for what ran here.
func (h *Herder) stopRevoked(ctx context.Context, snap configtopic.Snapshot, conns []string, tasks []connectproto.TaskID) []error {
	byConn := map[string][]int{}
	for _, t := range tasks {
		byConn[t.Connector] = append(byConn[t.Connector], int(t.Task))
	}
	for _, c := range conns {
		if _, ok := byConn[c]; !ok {
			byConn[c] = nil
		}
	}
	h.mu.Lock()
	gen := h.generation
	h.mu.Unlock()
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for name, ids := range byConn {
		h.mu.Lock()
		run := h.runs[name]
		h.mu.Unlock()
		if run == nil {
			continue
		}
		stopConn := slices.Contains(conns, name)
		wg.Go(func() {
			var err error
			for _, i := range ids {
				err = errors.Join(err, run.StopTask(ctx, i))
			}
			if stopConn {
				err = errors.Join(err, run.StopConnector(ctx))
			}
			h.mu.Lock()
			if stopConn {
				delete(h.runningConns, name)
			}
			for _, i := range ids {
				delete(h.runningTasks, connectproto.TaskID{Connector: name, Task: int32(i)})
			}
			idle := !h.runningConns[name]
			for t := range h.runningTasks {
				if t.Connector == name {
					idle = false
				}
			}
			if idle {
				delete(h.runs, name)
				delete(h.runConfigs, name)
				delete(h.targets, name)
			}
			h.mu.Unlock()
			if idle {
				// Releases what the Run holds (its offset readers).
				err = errors.Join(err, run.Stop(ctx))
			}
			if snap.ConnectorConfigs != nil && !snap.Contains(name) {
				if stopConn {
					h.statusQ.push(statusWrite{connector: name, task: -1, status: statustopic.Status{State: statustopic.Destroyed, WorkerID: h.id, Generation: gen}})
				}
				for _, i := range ids {
					h.statusQ.push(statusWrite{connector: name, task: i, status: statustopic.Status{State: statustopic.Destroyed, WorkerID: h.id, Generation: gen}})
				}
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errs
}

// changed returns the connectors the worker runs something of whose
// configuration, task configurations or target state differ from snap's.
//
// conns are those whose own configuration or target state differ: all
// they run here stops. tasksOf are the others with task configurations
// that differ: only their tasks stop, their connector instance running
// on, as Kafka Connect's herder restarts a connector's tasks, not the
// connector, on new task configurations.
func (h *Herder) changed(snap configtopic.Snapshot) (conns, tasksOf []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for name := range h.runs {
		if !snap.Contains(name) || !maps.Equal(h.runConfigs[name], snap.ConnectorConfigs[name]) || targetOf(snap, name) != h.targets[name] {
			conns = append(conns, name)
		}
	}
	for t, tc := range h.runningTasks {
		if slices.Contains(conns, t.Connector) || slices.Contains(tasksOf, t.Connector) {
			continue
		}
		if now, ok := snap.TaskConfigs[configtopic.TaskID{Connector: t.Connector, Task: int(t.Task)}]; !ok || !maps.Equal(now, tc) {
			tasksOf = append(tasksOf, t.Connector)
		} else if h.eosEnabled() && snap.PendingFencing[t.Connector] {
			// An exactly-once source task of the generation before, were
			// it kept, would leave the producers of that generation's
			// other tasks unfenced: every task of the new one starts
			// after the fencing, as in Kafka Connect, which restarts
			// them all.
			tasksOf = append(tasksOf, t.Connector)
		}
	}
	return conns, tasksOf
}

// stopConnectors stops all the worker runs of the connectors named, and
// the tasks of those of tasksOf, keeping them held, so that the next
// assignment starts them again from their new configuration.
func (h *Herder) stopConnectors(ctx context.Context, snap configtopic.Snapshot, names, tasksOf []string) []error {
	if len(names) == 0 && len(tasksOf) == 0 {
		return nil
	}
	h.runMu.Lock()
	defer h.runMu.Unlock()
	var conns []string
	var tasks []connectproto.TaskID
	h.mu.Lock()
	for c := range h.runningConns {
		if slices.Contains(names, c) {
			conns = append(conns, c)
		}
	}
	for t := range h.runningTasks {
		if slices.Contains(names, t.Connector) || slices.Contains(tasksOf, t.Connector) {
			tasks = append(tasks, t)
		}
	}
	h.mu.Unlock()
	return h.stopRevoked(ctx, snap, conns, tasks)
}

func targetOf(snap configtopic.Snapshot, name string) configtopic.TargetState {
	if t, ok := snap.TargetStates[name]; ok {
		return t
	}
	return configtopic.Started
}

// runFor returns the Run of connector name, preparing it from the
// configuration in snap the first time; nil when it cannot be prepared
// (its failure is written as the connector's status).
func (h *Herder) runFor(ctx context.Context, snap configtopic.Snapshot, name string) *worker.Run {
	h.mu.Lock()
	run := h.runs[name]
	h.mu.Unlock()
	if run != nil {
		return run
	}
	config, ok := snap.ConnectorConfigs[name]
	if !ok {
		return nil
	}
	run, err := h.engine.Prepare(ctx, name, maps.Clone(config))
	if err != nil {
		h.log.Warn("preparing connector", "connector", name, "err", err)
		h.statusQ.push(statusWrite{connector: name, task: -1, status: statustopic.Status{State: statustopic.Failed,
			Trace: err.Error(), WorkerID: h.id, Generation: h.currentGeneration()}})
		return nil
	}
	h.mu.Lock()
	h.runs[name] = run
	h.runConfigs[name] = config
	h.mu.Unlock()
	return run
}

func (h *Herder) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}

func (h *Herder) currentGeneration() int32 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.generation
}

// stopContext is the context of stops the run loop makes: a task
// stopping when the worker is closed still gets the engine's shutdown
// budget and its final offset commit, as one that Close stops does.
// Cut short, it would be abandoned without committing, and its next
// owner would write its last records again.
func stopContext(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// stopAll stops every Run, side by side. A connector snap no longer has
// (removed) gets DESTROYED statuses for what ran here, as Kafka
// Connect's worker writes on a deletion.
func (h *Herder) stopAll(ctx context.Context, snap configtopic.Snapshot) []error {
	h.runMu.Lock()
	defer h.runMu.Unlock()
	h.mu.Lock()
	runs := h.runs
	h.runs = map[string]*worker.Run{}
	h.held = nil
	clear(h.runningConns)
	clear(h.runningTasks)
	clear(h.runConfigs)
	clear(h.targets)
	gen := h.generation
	h.mu.Unlock()
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for name, run := range runs {
		wg.Go(func() {
			st := run.Status() // what runs here; Stop forgets the tasks
			err := run.Stop(ctx)
			if snap.ConnectorConfigs != nil && !snap.Contains(name) {
				h.statusQ.push(statusWrite{connector: name, task: -1, status: statustopic.Status{State: statustopic.Destroyed, WorkerID: h.id, Generation: gen}})
				for _, t := range st.Tasks {
					h.statusQ.push(statusWrite{connector: name, task: t.ID, status: statustopic.Status{State: statustopic.Destroyed, WorkerID: h.id, Generation: gen}})
				}
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errs
}

// statusWrite is one status for the status topic, in the order the
// engine reported them.
type statusWrite struct {
	connector string
	task      int // -1: the connector
	status    statustopic.Status
	safe      bool // a shutdown's: not over a newer generation's report
	ifOurs    bool // only over this worker's own report
	// flushed, when set, is closed once the writes queued before are
	// done, instead of writing anything.
	flushed chan struct{}
}

// flushStatuses waits until the statuses queued so far are written, or
// ctx ends.
func (h *Herder) flushStatuses(ctx context.Context) {
	flushed := make(chan struct{})
	h.statusQ.push(statusWrite{flushed: flushed})
	select {
	case <-flushed:
	case <-ctx.Done():
	}
}

// onState hears of each state the engine's connectors and tasks take; it
// runs with the engine's locks held, so the write is queued.
func (h *Herder) onState(c worker.StateChange) {
	snap := h.cfgs.Snapshot()
	st := statustopic.Status{State: statustopic.State(c.State), Trace: c.Trace, WorkerID: h.id,
		Generation: h.currentGeneration()}
	safe := c.State == worker.Unassigned
	if c.Task < 0 && c.State == worker.Stopped {
		// A connector stopped for a rebalance is UNASSIGNED until its
		// next owner reports, as in Kafka Connect; one stopped as asked is
		// STOPPED.
		if targetOf(snap, c.Connector) != configtopic.Stopped {
			st.State, safe = statustopic.Unassigned, true
		}
	}
	if st.State != statustopic.Unassigned {
		// As a JVM worker writes them: the plugin's version, none for
		// UNASSIGNED.
		st.Version = h.engine.PluginVersion(snap.ConnectorConfigs[c.Connector][worker.ConnectorClassConfig])
	}
	h.statusQ.push(statusWrite{connector: c.Connector, task: c.Task, status: st, safe: safe})
}

func (h *Herder) writeStatus(w statusWrite) {
	if w.flushed != nil {
		close(w.flushed)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if w.ifOurs {
		cur, ok := h.stats.Connector(w.connector)
		if w.task >= 0 {
			cur, ok = h.stats.Task(statustopic.TaskID{Connector: w.connector, Task: w.task})
		}
		if ok && cur.WorkerID != h.id {
			return
		}
	}
	var err error
	switch {
	case w.task < 0 && w.safe:
		_, err = h.stats.PutConnectorSafe(ctx, w.connector, w.status)
	case w.task < 0:
		err = h.stats.PutConnector(ctx, w.connector, w.status)
	case w.safe:
		_, err = h.stats.PutTaskSafe(ctx, statustopic.TaskID{Connector: w.connector, Task: w.task}, w.status)
	default:
		err = h.stats.PutTask(ctx, statustopic.TaskID{Connector: w.connector, Task: w.task}, w.status)
	}
	if err != nil {
		h.log.Warn("writing a status", "connector", w.connector, "task", w.task, "state", w.status.State, "err", err)
	}
}

// published is a connector's task configurations, generated here.
type published struct {
	connector string
	configs   []map[string]string
}

// publish writes task configurations a connector running here generated,
// as the leader, or forwards them to the leader. Configurations the
// config topic already has are not written again: writing them would
// rebalance the group for nothing.
func (h *Herder) publish(p published) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var err error
	// During a rebalance there is no leader to take them: they wait for
	// one, unless the worker closes.
	for {
		err = h.PutTaskConfigs(ctx, p.connector, p.configs)
		var nl *NotLeaderError
		// A follower forwards only configurations its config topic lacks,
		// as Kafka Connect's does: a JVM leader writes whatever it is
		// sent, and each write rebalances the group.
		if errors.As(err, &nl) && nl.LeaderURL != "" && h.stored(p.connector, p.configs) {
			err = nil
		} else if errors.As(err, &nl) && nl.LeaderURL != "" {
			switch {
			case h.cfg.ForwardTaskConfigs != nil:
				err = h.cfg.ForwardTaskConfigs(ctx, nl.LeaderURL, p.connector, p.configs)
			case h.cfg.HTTPClient != nil:
				err = h.forwardOverHTTP(ctx, nl.LeaderURL, p.connector, p.configs)
			default:
				err = fmt.Errorf("distributed: no way to forward them to the leader %s", nl.LeaderURL)
			}
			if h.cfg.ForwardTaskConfigs == nil && h.cfg.HTTPClient == nil {
				break
			}
		}
		if !errors.Is(err, herder.ErrRebalancing) || h.isClosed() {
			break
		}
		if h.wait(ctx, 100*time.Millisecond); ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		h.log.Warn("publishing task configurations", "connector", p.connector, "tasks", len(p.configs), "err", err)
	}
}

// PutTaskConfigs writes a connector's task configurations, which the
// worker running it generated, unless the config topic has these already
// (Kafka Connect's PUT /connectors/{name}/tasks). Only the leader writes
// them: a follower answers *NotLeaderError. A connector the configuration
// no longer has is herder.ErrNotFound.
func (h *Herder) PutTaskConfigs(ctx context.Context, name string, configs []map[string]string) error {
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	if _, err := h.leader(); err != nil {
		return err
	}
	snap := h.cfgs.Snapshot()
	if !snap.Contains(name) {
		return fmt.Errorf("distributed: connector %s: %w", name, herder.ErrNotFound)
	}
	if !snap.Inconsistent[name] && snap.TaskCounts[name] == len(configs) {
		same := true
		for i, c := range configs {
			if !maps.Equal(c, snap.TaskConfigs[configtopic.TaskID{Connector: name, Task: i}]) {
				same = false
				break
			}
		}
		if same {
			return nil
		}
	}
	if err := h.cfgs.PutTaskConfigs(ctx, name, configs); err != nil {
		return h.privileged(fmt.Errorf("distributed: connector %s: writing %d task configurations: %w", name, len(configs), err))
	}
	return nil
}

// stored reports whether the config topic, as read so far, holds exactly
// configs as connector name's task configurations: the check
// PutTaskConfigs makes as the leader, for a follower.
func (h *Herder) stored(name string, configs []map[string]string) bool {
	snap := h.cfgs.Snapshot()
	if snap.Inconsistent[name] || snap.TaskCounts[name] != len(configs) {
		return false
	}
	for i, c := range configs {
		if !maps.Equal(c, snap.TaskConfigs[configtopic.TaskID{Connector: name, Task: i}]) {
			return false
		}
	}
	return true
}

// leader returns the current generation when this worker leads it, else
// *NotLeaderError.
func (h *Herder) leader() (workergroup.Joined, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.joined == nil:
		return workergroup.Joined{}, &NotLeaderError{}
	case !h.joined.IsLeader():
		return workergroup.Joined{}, &NotLeaderError{LeaderURL: h.joined.Assignment.LeaderURL}
	}
	return *h.joined, nil
}

// queue runs f on each value pushed, in order, on its own goroutine, so
// that pushing never blocks.
type queue[T any] struct {
	mu     sync.Mutex
	items  []T
	wake   chan struct{}
	done   chan struct{}
	closed bool
}

func newQueue[T any](f func(T)) *queue[T] {
	q := &queue[T]{wake: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(q.done)
		for {
			q.mu.Lock()
			items, closed := q.items, q.closed
			q.items = nil
			q.mu.Unlock()
			for _, it := range items {
				f(it)
			}
			if closed && len(items) == 0 {
				return
			}
			if len(items) == 0 {
				<-q.wake
			}
		}
	}()
	return q
}

func (q *queue[T]) push(v T) {
	q.mu.Lock()
	q.items = append(q.items, v)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// close runs what was pushed and then ends the goroutine.
func (q *queue[T]) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	<-q.done
}

// currentProtocol returns the protocol of the last join.
func (h *Herder) currentProtocol() connectproto.Version {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.protocol
}
