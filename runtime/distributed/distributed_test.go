package distributed

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/configtopic"
	"github.com/kconnect-go/kconnect/internal/connectproto"
	"github.com/kconnect-go/kconnect/internal/statustopic"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/source"
)

// overlap counts the instances of each task that run at once, across the
// workers of a test.
type overlap struct {
	mu      sync.Mutex
	running map[string]int
	most    int
	// starts counts the starts of each task and of the connector
	// ("connector"), and of each connector's ("connector/<tag>") and
	// tasks' ("<tag>/<task>/"); failing are the tasks whose Poll fails.
	starts  map[string]int
	failing map[string]bool
	// stopGates hold the stop of a task, by prefix ("<tag>/<task>/"):
	// gateStop.
	stopGates map[string]*stopGate
}

// stopGate holds a task's stop: stopping is closed once it began,
// release lets it go on.
type stopGate struct{ stopping, release chan struct{} }

// gateStop has the next stop of the task with prefix wait for the gate's
// release.
func (o *overlap) gateStop(prefix string) *stopGate {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.stopGates == nil {
		o.stopGates = map[string]*stopGate{}
	}
	g := &stopGate{stopping: make(chan struct{}), release: make(chan struct{})}
	o.stopGates[prefix] = g
	return g
}

func (o *overlap) started(what string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.starts[what]
}

func (o *overlap) setFailing(task string, fail bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.failing[task] = fail
}

func (o *overlap) add(task string, n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.running[task] += n
	o.most = max(o.most, o.running[task])
	if n > 0 {
		o.starts[task]++
	}
}

// spreadPlugin is a source whose connector makes tasks.max tasks, task i
// writing "<tag>/<i>/<n>" to topic every 20ms, so that a test sees which
// tasks run and with which configuration. Its tasks take 200ms to stop,
// and o counts them.
func spreadPlugin(o *overlap) source.Plugin {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "topic", Type: connect.ConfigString, Required: true, Importance: connect.High}).
		Define(connect.ConfigKey{Name: "tag", Type: connect.ConfigString, Default: "", Importance: connect.High}).
		Define(connect.ConfigKey{Name: "secret", Type: connect.ConfigPassword, Default: "", Importance: connect.Low})
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.SpreadSource", Kind: connect.SourcePlugin, Config: def, Version: "1.2.3"},
		New:        func() source.Connector { return &spreadConnector{o: o} },
	}
}

type spreadConnector struct {
	config map[string]string
	o      *overlap
}

func (c *spreadConnector) Start(_ context.Context, config map[string]string, _ source.ConnectorContext) error {
	c.config = config
	c.o.mu.Lock()
	c.o.starts["connector"]++
	c.o.starts["connector/"+config["tag"]]++
	c.o.mu.Unlock()
	return nil
}

func (c *spreadConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	out := make([]map[string]string, maxTasks)
	for i := range out {
		out[i] = map[string]string{"topic": c.config["topic"], "tag": c.config["tag"], "task": strconv.Itoa(i)}
	}
	return out, nil
}

func (c *spreadConnector) NewTask() source.Task       { return &spreadTask{o: c.o} }
func (c *spreadConnector) Stop(context.Context) error { return nil }

type spreadTask struct {
	topic, prefix, id string
	n                 int
	o                 *overlap
}

func (t *spreadTask) Start(_ context.Context, config map[string]string, _ source.TaskContext) error {
	t.topic, t.prefix, t.id = config["topic"], config["tag"]+"/"+config["task"]+"/", config["task"]
	t.o.add(t.id, 1)
	t.o.mu.Lock()
	t.o.starts[t.prefix]++ // by connector (tag) too
	t.o.mu.Unlock()
	return nil
}

func (t *spreadTask) Poll(ctx context.Context) ([]connect.Record, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(20 * time.Millisecond):
	}
	t.o.mu.Lock()
	fail := t.o.failing[t.id]
	t.o.mu.Unlock()
	if fail {
		return nil, errors.New("task " + t.id + " was told to fail")
	}
	t.n++
	return []connect.Record{{Topic: t.topic, ValueSchema: connect.StringSchema, Value: t.prefix + strconv.Itoa(t.n),
		SourcePartition: connect.NewSourcePartition("task", t.prefix), SourceOffset: connect.Int64Offset("n", int64(t.n))}}, nil
}

func (t *spreadTask) Stop(context.Context) error {
	t.o.mu.Lock()
	gate := t.o.stopGates[t.prefix]
	delete(t.o.stopGates, t.prefix)
	t.o.mu.Unlock()
	if gate != nil {
		close(gate.stopping)
		<-gate.release
	}
	time.Sleep(200 * time.Millisecond) // a task slow to stop, not synchronisation
	t.o.add(t.id, -1)
	return nil
}

// cluster is workers of one group in this process, the leader's calls
// reached as a REST layer forwards them.
type cluster struct {
	t       *testing.T
	brokers []string
	group   string
	topics  [3]string // config, status, offset
	overlap *overlap
	mu      sync.Mutex
	byURL   map[string]*Herder
	order   []*Herder
	closed  map[*Herder]bool
	// beforeJoin, protocol and maxDelay are the next workers'
	// Config.beforeJoin, Protocol and ScheduledRebalanceMaxDelay.
	beforeJoin func()
	protocol   string
	maxDelay   time.Duration
	// overHTTP: workers serve TaskConfigsHandler and forward task
	// configurations to it over HTTP (Config.HTTPClient).
	overHTTP bool
	servers  map[*Herder]*httptest.Server
	keyTTL   time.Duration
	// eos is the next workers' exactly.once.source.support; fences
	// counts the fence requests the workers' FenceHandlers served.
	eos    string
	fences atomic.Int32
	// skipHeartbeat is the next workers' Config.skipHeartbeat.
	skipHeartbeat func() bool
	// configure, when set, changes the next workers' Config last.
	configure func(*Config)
	// joins counts the joins the workers began (Config.beforeJoin).
	joins atomic.Int64
}

// internalTopics names a group's config, status and offsets topics, which
// its workers make, and deletes them when the test ends, after the
// workers have closed: the cleanups that close them are registered later,
// so they run first.
func internalTopics(t *testing.T, brokers []string) [3]string {
	topics := [3]string{testkafka.Topic(t, "configs"), testkafka.Topic(t, "status"), testkafka.Topic(t, "offsets")}
	for _, topic := range topics {
		testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	}
	return topics
}

func newCluster(t *testing.T, brokers []string, n int) *cluster {
	return newClusterWith(t, brokers, n, "", 0)
}

// newClusterWith starts n workers offering protocol, with
// scheduled.rebalance.max.delay.ms maxDelay.
func newClusterWith(t *testing.T, brokers []string, n int, protocol string, maxDelay time.Duration) *cluster {
	cl := &cluster{t: t, brokers: brokers, group: testkafka.Group(t, "connect"), byURL: map[string]*Herder{}, closed: map[*Herder]bool{},
		topics:   internalTopics(t, brokers),
		overlap:  &overlap{running: map[string]int{}, starts: map[string]int{}, failing: map[string]bool{}},
		protocol: protocol, maxDelay: maxDelay}
	for range n {
		cl.add()
	}
	return cl
}

// add starts one more worker.
func (cl *cluster) add() *Herder {
	t := cl.t
	cl.mu.Lock()
	i := len(cl.order)
	cl.mu.Unlock()
	url := fmt.Sprintf("http://worker-%d.test:%d", i, 8083+i)
	var srv *httptest.Server
	var served atomic.Pointer[Herder]
	if cl.overHTTP {
		mux := http.NewServeMux()
		mux.Handle("POST /connectors/{name}/tasks", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			served.Load().TaskConfigsHandler().ServeHTTP(w, r)
		}))
		mux.Handle("PUT /connectors/{name}/fence", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			cl.fences.Add(1)
			served.Load().FenceHandler().ServeHTTP(w, r)
		}))
		srv = httptest.NewUnstartedServer(mux)
		url = "http://" + srv.Listener.Addr().String()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := Config{
		GroupID: cl.group, URL: url, Brokers: cl.brokers,
		ConfigTopic: cl.topics[0], StatusTopic: cl.topics[1], OffsetTopic: cl.topics[2],
		ReplicationFactor: 1, OffsetPartitions: 3, StatusPartitions: 3, beforeJoin: cl.countJoin(cl.beforeJoin), skipHeartbeat: cl.skipHeartbeat,
		Protocol: cl.protocol, ScheduledRebalanceMaxDelay: cl.maxDelay, InterWorkerKeyTTL: cl.keyTTL,
		HeartbeatInterval: 200 * time.Millisecond, SessionTimeout: 6 * time.Second, RebalanceTimeout: 10 * time.Second,
		Logger:                   testLogger(),
		WorkerOpts:               []worker.Opt{worker.Plugins(spreadPlugin(cl.overlap), countPlugin()), worker.OffsetFlushInterval(200 * time.Millisecond)},
		ExactlyOnceSourceSupport: cl.eos,
		ForwardFence: func(ctx context.Context, leaderURL, connector string) error {
			leader := cl.herder(leaderURL)
			if leader == nil {
				return &NotLeaderError{}
			}
			return leader.FenceZombies(ctx, connector)
		},
		ForwardTaskConfigs: func(ctx context.Context, leaderURL, connector string, configs []map[string]string) error {
			leader := cl.herder(leaderURL)
			if leader == nil {
				return &NotLeaderError{}
			}
			return leader.PutTaskConfigs(ctx, connector, configs)
		},
	}
	if cl.overHTTP {
		cfg.ForwardTaskConfigs, cfg.ForwardFence, cfg.HTTPClient = nil, nil, &http.Client{Timeout: 10 * time.Second}
	}
	if cl.configure != nil {
		cl.configure(&cfg)
	}
	h, err := New(ctx, cfg)
	require.NoError(t, err)
	if srv != nil {
		served.Store(h)
		srv.Start()
		t.Cleanup(srv.Close)
		cl.mu.Lock()
		if cl.servers == nil {
			cl.servers = map[*Herder]*httptest.Server{}
		}
		cl.servers[h] = srv
		cl.mu.Unlock()
	}
	cl.mu.Lock()
	cl.byURL[url] = h
	cl.order = append(cl.order, h)
	cl.mu.Unlock()
	t.Cleanup(func() { cl.close(h) })
	return h
}

// countJoin returns a worker's Config.beforeJoin: it counts the join,
// then runs before, if any.
func (cl *cluster) countJoin(before func()) func() {
	return func() {
		cl.joins.Add(1)
		if before != nil {
			before()
		}
	}
}

func testLogger() *slog.Logger {
	if os.Getenv("KCONNECT_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.DiscardHandler)
}

func (cl *cluster) herder(url string) *Herder {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if h := cl.byURL[url]; h != nil && !cl.closed[h] {
		return h
	}
	return nil
}

func (cl *cluster) close(h *Herder) {
	cl.mu.Lock()
	cl.closed[h] = true
	cl.mu.Unlock()
	require.NoError(cl.t, h.Close())
}

func (cl *cluster) live() []*Herder {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	var out []*Herder
	for _, h := range cl.order {
		if !cl.closed[h] {
			out = append(out, h)
		}
	}
	return out
}

// viaLeader calls f on h, and on the leader h names when h is a follower,
// as a REST layer forwards a write, until the group has settled.
func (cl *cluster) viaLeader(h *Herder, f func(*Herder) error) {
	cl.t.Helper()
	var last error
	require.Eventually(cl.t, func() bool {
		last = f(h)
		var nl *NotLeaderError
		if errors.As(last, &nl) {
			if leader := cl.herder(nl.LeaderURL); leader != nil {
				last = f(leader)
			}
		}
		return last == nil
	}, 30*time.Second, 50*time.Millisecond, "last error: %v", &last)
}

// records collects the values written to topic.
type records struct {
	mu   sync.Mutex
	seen map[string]bool
}

func consume(t *testing.T, brokers []string, topic string) *records {
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic))
	r := &records{seen: map[string]bool{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			r.mu.Lock()
			fs.EachRecord(func(rec *kgo.Record) { r.seen[string(rec.Value)] = true })
			r.mu.Unlock()
		}
	}()
	return r
}

// tasksWriting reports which tasks wrote a record with tag since the
// values were last forgotten.
func (r *records) tasksWriting(tag string) map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]bool{}
	for v := range r.seen {
		if parts := strings.Split(v, "/"); len(parts) == 3 && parts[0] == tag {
			out[parts[1]] = true
		}
	}
	return out
}

func (r *records) forget() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.seen)
}

// allRunning reports whether every live worker sees the connector
// RUNNING with n RUNNING tasks, on the workers ok accepts.
func allRunning(cl *cluster, name string, n int, ok func(workers map[string]bool) bool) bool {
	for _, h := range cl.live() {
		st, err := h.ConnectorStatus(context.Background(), name)
		if err != nil || st.Connector.State != herder.State(statustopic.Running) || len(st.Tasks) != n {
			return false
		}
		workers := map[string]bool{}
		for _, ts := range st.Tasks {
			if ts.State != herder.State(statustopic.Running) {
				return false
			}
			workers[ts.WorkerID] = true
		}
		if !ok(workers) {
			return false
		}
	}
	return true
}

func TestTasksSpreadAcrossWorkersAndMoveWhenOneLeaves(t *testing.T) {
	brokers := testkafka.Brokers(t)
	cl := newCluster(t, brokers, 2)
	topic := testkafka.Topic(t, "spread")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	recs := consume(t, brokers, topic)
	const name = "spread"
	config := map[string]string{"connector.class": "test.SpreadSource", "tasks.max": "4", "topic": topic, "tag": "a",
		"key.converter": "StringConverter", "value.converter": "StringConverter"}

	// Created through one worker: the tasks run on both.
	cl.viaLeader(cl.order[1], func(h *Herder) error {
		_, _, err := h.PutConnectorConfig(context.Background(), name, config, herder.PutOptions{})
		return err
	})
	require.Eventually(t, func() bool {
		return allRunning(cl, name, 4, func(w map[string]bool) bool { return len(w) == 2 })
	}, 60*time.Second, 100*time.Millisecond, "4 RUNNING tasks on 2 workers, seen from every worker")

	// A worker joins: it takes a share.
	cl.add()
	require.Eventually(t, func() bool {
		return allRunning(cl, name, 4, func(w map[string]bool) bool { return len(w) == 3 })
	}, 60*time.Second, 100*time.Millisecond, "4 RUNNING tasks on 3 workers, seen from every worker")
	require.Eventually(t, func() bool { return len(recs.tasksWriting("a")) == 4 }, 30*time.Second, 50*time.Millisecond)
	for _, h := range cl.live() {
		tcs, err := h.TaskConfigs(context.Background(), name)
		require.NoError(t, err)
		require.Len(t, tcs, 4)
	}

	// A new configuration reaches every task.
	cl.viaLeader(cl.order[2], func(h *Herder) error {
		tag := "b"
		_, err := h.PatchConnectorConfig(context.Background(), name, map[string]*string{"tag": &tag})
		return err
	})
	require.Eventually(t, func() bool { return len(recs.tasksWriting("b")) == 4 }, 60*time.Second, 50*time.Millisecond)

	// A worker leaves: its tasks move to the other two.
	gone := cl.order[0]
	cl.close(gone)
	require.Eventually(t, func() bool {
		return allRunning(cl, name, 4, func(w map[string]bool) bool { return len(w) == 2 && !w[gone.ID()] })
	}, 60*time.Second, 100*time.Millisecond, "4 RUNNING tasks on the 2 workers left")
	recs.forget()
	require.Eventually(t, func() bool { return len(recs.tasksWriting("b")) == 4 }, 30*time.Second, 50*time.Millisecond)

	cl.overlap.mu.Lock()
	most := cl.overlap.most
	cl.overlap.mu.Unlock()
	require.Equal(t, 1, most, "a task ran on two workers at once")

	// Deleted: gone from every worker, its statuses with it.
	cl.viaLeader(cl.live()[0], func(h *Herder) error { return h.DeleteConnector(context.Background(), name) })
	require.Eventually(t, func() bool {
		for _, h := range cl.live() {
			names, _ := h.ListConnectors(context.Background())
			_, err := h.ConnectorStatus(context.Background(), name)
			if len(names) != 0 || !errors.Is(err, herder.ErrNotFound) {
				return false
			}
			if _, ok := h.stats.Connector(name); ok || len(h.stats.Tasks(name)) != 0 {
				return false
			}
		}
		return true
	}, 60*time.Second, 100*time.Millisecond, "connector and statuses gone everywhere")
}

// states reports whether every live worker sees the connector in state
// with n tasks in taskState.
func states(cl *cluster, name string, state herder.State, n int, taskState herder.State) bool {
	for _, h := range cl.live() {
		st, err := h.ConnectorStatus(context.Background(), name)
		if err != nil || st.Connector.State != state || len(st.Tasks) != n {
			return false
		}
		for _, ts := range st.Tasks {
			if ts.State != taskState {
				return false
			}
		}
	}
	return true
}

func TestFollowersLeaveConfigWritesToTheLeaderAndTargetStatesApplyEverywhere(t *testing.T) {
	brokers := testkafka.Brokers(t)
	cl := newCluster(t, brokers, 2)
	topic := testkafka.Topic(t, "states")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	recs := consume(t, brokers, topic)
	const name = "states"
	config := map[string]string{"connector.class": "test.SpreadSource", "tasks.max": "2", "topic": topic, "tag": "a",
		"key.converter": "StringConverter", "value.converter": "StringConverter"}

	// A follower writes no configuration: it names the leader.
	var follower, leader *Herder
	require.Eventually(t, func() bool {
		for _, h := range cl.live() {
			var nl *NotLeaderError
			if _, err := h.leader(); errors.As(err, &nl) && nl.LeaderURL != "" {
				follower, leader = h, cl.herder(nl.LeaderURL)
				return leader != nil && leader != h
			}
		}
		return false
	}, 30*time.Second, 50*time.Millisecond)
	require.False(t, follower.cfgs.Snapshot().Contains(name), "a follower wrote the configuration")
	_, _, err := follower.PutConnectorConfig(context.Background(), name, config, herder.PutOptions{})
	require.ErrorIs(t, err, herder.ErrRebalancing)
	require.ErrorAs(t, follower.PutTaskConfigs(context.Background(), name, nil), new(*NotLeaderError))

	// A password given hidden keeps the stored one, and a new connector
	// has none to keep.
	config["secret"] = connect.PasswordHidden
	_, _, err = leader.PutConnectorConfig(context.Background(), name, config, herder.PutOptions{})
	require.ErrorIs(t, err, herder.ErrInvalidConfig)
	require.ErrorContains(t, err, "secret")
	config["secret"] = "s3cret"
	_, created, err := leader.PutConnectorConfig(context.Background(), name, config, herder.PutOptions{})
	require.NoError(t, err)
	require.True(t, created)
	shown, err := leader.ConnectorConfig(context.Background(), name)
	require.NoError(t, err)
	require.Equal(t, connect.PasswordHidden, shown["secret"])
	cl.viaLeader(leader, func(h *Herder) error { // during the rebalance the creation began, a retry
		_, created, err = h.PutConnectorConfig(context.Background(), name, shown, herder.PutOptions{})
		return err
	})
	require.False(t, created)
	require.Equal(t, "s3cret", leader.cfgs.Snapshot().ConnectorConfigs[name]["secret"])
	running, paused := herder.State(statustopic.Running), herder.State(statustopic.Paused)
	require.Eventually(t, func() bool { return states(cl, name, running, 2, running) }, 60*time.Second, 100*time.Millisecond)
	st, err := follower.ConnectorStatus(context.Background(), name)
	require.NoError(t, err)
	require.Equal(t, "1.2.3", st.Connector.Version, "statuses carry the plugin's version")
	require.Equal(t, "1.2.3", st.Tasks[1].Version)

	// Target states are written by any worker and apply on every one.
	require.NoError(t, follower.PauseConnector(context.Background(), name))
	require.Eventually(t, func() bool { return states(cl, name, paused, 2, paused) }, 60*time.Second, 100*time.Millisecond)
	require.NoError(t, follower.ResumeConnector(context.Background(), name))
	require.Eventually(t, func() bool { return states(cl, name, running, 2, running) }, 60*time.Second, 100*time.Millisecond)
	recs.forget()
	require.Eventually(t, func() bool { return len(recs.tasksWriting("a")) == 2 }, 30*time.Second, 50*time.Millisecond)

	// A stopped connector has no tasks.
	require.NoError(t, leader.StopConnector(context.Background(), name))
	require.Eventually(t, func() bool {
		for _, h := range cl.live() {
			tcs, err := h.TaskConfigs(context.Background(), name)
			if err != nil || len(tcs) != 0 {
				return false
			}
		}
		return states(cl, name, herder.State(statustopic.Stopped), 0, "")
	}, 60*time.Second, 100*time.Millisecond)
}

// forward calls f on h and follows the worker it names, the leader or the
// one that runs the task, as a REST layer forwards a request, until the
// group has settled; it returns the worker that served it.
func (cl *cluster) forward(h *Herder, f func(*Herder) error) *Herder {
	cl.t.Helper()
	var last error
	var served *Herder
	require.Eventually(cl.t, func() bool {
		served = h
		for hops := 0; hops < 3; hops++ {
			last = f(served)
			var nl *NotLeaderError
			var na *NotAssignedError
			var next *Herder
			switch {
			case errors.As(last, &nl):
				next = cl.herder(nl.LeaderURL)
			case errors.As(last, &na):
				next = cl.herder(na.OwnerURL)
			}
			if next == nil {
				break
			}
			served = next
		}
		return last == nil
	}, 30*time.Second, 50*time.Millisecond, "last error: %v", &last)
	return served
}

// epoch returns the number of joins the workers have begun and the
// generation every live worker has joined, when none is asked to join
// again; ok is false while the group rebalances or is about to. A worker
// may join again and stay in its generation (a follower whose metadata
// did not change): the joins tell.
func (cl *cluster) epoch() (joins int64, gen int32, ok bool) {
	joins, gen = cl.joins.Load(), -1
	for i, h := range cl.live() {
		h.mu.Lock()
		g, joined := h.generation, h.joined != nil
		h.mu.Unlock()
		if !joined || len(h.rejoin) > 0 || (i > 0 && g != gen) {
			return joins, -1, false
		}
		gen = g
	}
	return joins, gen, true
}

// moved reports whether a worker has begun to join since epoch, or is
// about to.
func (cl *cluster) moved(epoch int64) bool {
	joins, _, ok := cl.epoch()
	return !ok || joins != epoch
}

// rebalanced reports whether a worker has begun to join since epoch, in
// which attempt (counted from 1) of a test began. Under the eager
// protocol a join, such as the group's own when a loaded machine delays
// a heartbeat, stops and starts every task of the worker, which changes
// what the attempt observes: it is made again, three times at most.
func (cl *cluster) rebalanced(epoch int64, attempt int) bool {
	cl.t.Helper()
	if cl.moved(epoch) {
		require.Less(cl.t, attempt, 3, "the group rebalanced during every attempt")
		cl.t.Logf("the group rebalanced during attempt %d: trying again", attempt)
		return true
	}
	return false
}

// settle waits until every live worker has joined one generation, with
// no worker joining or about to meanwhile, and ok holds; it returns the
// epoch. Each look first has every worker write the statuses it queued
// and read the status topic to its end, so that ok, reading statuses,
// sees what each worker reported, not what one of them has yet to read,
// and no status of a move a pending rebalance is about to make.
func settle(t *testing.T, cl *cluster, ok func() bool, msgAndArgs ...any) int64 {
	t.Helper()
	var epoch int64
	require.Eventually(t, func() bool {
		var joined bool
		if epoch, _, joined = cl.epoch(); !joined {
			return false
		}
		return statusesShared(cl) && ok() && !cl.moved(epoch)
	}, 60*time.Second, 100*time.Millisecond, msgAndArgs...)
	return epoch
}

// placedAsHeld reports whether every live worker sees connector name and
// each of its tasks on the worker that holds it in the current
// assignment: what moved is reported by its new worker, not left RUNNING
// under its old one.
func placedAsHeld(cl *cluster, name string) bool {
	holder, connector := map[int]string{}, ""
	for _, h := range cl.live() {
		h.mu.Lock()
		if h.held != nil {
			if slices.Contains(h.held.Connectors, name) {
				connector = h.ID()
			}
			for _, id := range h.held.Tasks {
				if id.Connector == name {
					holder[int(id.Task)] = h.ID()
				}
			}
		}
		h.mu.Unlock()
	}
	for _, h := range cl.live() {
		st, err := h.ConnectorStatus(context.Background(), name)
		if err != nil || st.Connector.WorkerID != connector {
			return false
		}
		for _, ts := range st.Tasks {
			if holder[ts.ID] != ts.WorkerID {
				return false
			}
		}
	}
	return true
}

// startTwoTasks runs connector name with two tasks, one on each of the
// cluster's two workers.
func startTwoTasks(t *testing.T, cl *cluster, name string) {
	brokers := cl.brokers
	topic := testkafka.Topic(t, "restarts")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	config := map[string]string{"connector.class": "test.SpreadSource", "tasks.max": "2", "topic": topic, "tag": "r",
		"key.converter": "StringConverter", "value.converter": "StringConverter"}
	cl.viaLeader(cl.live()[0], func(h *Herder) error {
		_, _, err := h.PutConnectorConfig(context.Background(), name, config, herder.PutOptions{})
		return err
	})
	require.Eventually(t, func() bool {
		return allRunning(cl, name, 2, func(w map[string]bool) bool { return len(w) == 2 })
	}, 60*time.Second, 100*time.Millisecond, "2 RUNNING tasks on 2 workers, seen from every worker")
}

// statusesShared has every live worker write the statuses it queued and
// then read the status topic to its end, reporting whether all of them
// could, so that a look at any worker's statuses sees every worker's.
func statusesShared(cl *cluster) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, h := range cl.live() {
		h.flushStatuses(ctx)
	}
	for _, h := range cl.live() {
		if h.stats.Refresh(ctx) != nil {
			return false
		}
	}
	return true
}

// failTasks has the tasks of connector name in fail fail, and waits until
// every worker sees them FAILED and the connector and its other tasks
// RUNNING, all reported in the generation the group has settled in, with
// no worker joining meanwhile; it returns the epoch. Each look first has
// every worker write the statuses it queued and read the status topic to
// its end: a status another worker has not read yet (a task restarted by
// a join that kept the generation) does not count, nor one of an earlier
// generation.
func failTasks(t *testing.T, cl *cluster, name string, fail ...string) int64 {
	for _, task := range fail {
		cl.overlap.setFailing(task, true)
	}
	defer func() {
		for _, task := range fail {
			cl.overlap.setFailing(task, false)
		}
	}()
	running, failed := herder.State(statustopic.Running), herder.State(statustopic.Failed)
	var epoch int64
	require.Eventually(t, func() bool {
		var gen int32
		var ok bool
		if epoch, gen, ok = cl.epoch(); !ok || !statusesShared(cl) {
			return false
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, h := range cl.live() {
			st, err := h.ConnectorStatus(ctx, name)
			if err != nil || st.Connector.State != running || len(st.Tasks) != 2 {
				return false
			}
			if s, _ := h.stats.Connector(name); s.Generation != gen {
				return false
			}
			for _, ts := range st.Tasks {
				want := running
				if slices.Contains(fail, strconv.Itoa(ts.ID)) {
					want = failed
				}
				s, _ := h.stats.Task(statustopic.TaskID{Connector: name, Task: ts.ID})
				if ts.State != want || s.Generation != gen {
					return false
				}
			}
		}
		return !cl.moved(epoch)
	}, 60*time.Second, 100*time.Millisecond, "tasks %v FAILED and the others RUNNING, in one generation, seen from every worker", fail)
	return epoch
}

func TestRestartTaskIsServedByTheWorkerThatRunsIt(t *testing.T) {
	cl := newCluster(t, testkafka.Brokers(t), 2)
	const name = "restart-task"
	startTwoTasks(t, cl, name)
	var other *Herder
	for attempt := 1; ; attempt++ {
		epoch := failTasks(t, cl, name, "0", "1")
		st, err := cl.live()[0].ConnectorStatus(context.Background(), name)
		require.NoError(t, err)
		owner := st.Tasks[1].WorkerID
		other = nil
		for _, h := range cl.live() {
			if h.ID() != owner {
				other = h
			}
		}
		require.NotNil(t, other, "both tasks run on %s", owner)
		starts0, starts1 := cl.overlap.started("0"), cl.overlap.started("1")

		// Asked of the worker that does not run it, the restart goes to
		// the one that does.
		served := cl.forward(other, func(h *Herder) error { return h.RestartTask(context.Background(), name, 1) })
		require.Eventually(t, func() bool {
			st, err := other.ConnectorStatus(context.Background(), name)
			return cl.moved(epoch) || err == nil && st.Tasks[1].State == herder.State(statustopic.Running)
		}, 60*time.Second, 100*time.Millisecond)
		st, err = other.ConnectorStatus(context.Background(), name)
		require.NoError(t, err)
		after0, after1 := cl.overlap.started("0"), cl.overlap.started("1")
		if cl.rebalanced(epoch, attempt) {
			continue
		}
		require.Equal(t, owner, served.ID())
		require.Equal(t, herder.State(statustopic.Running), st.Tasks[1].State)
		require.Equal(t, herder.State(statustopic.Failed), st.Tasks[0].State, "only task 1 was restarted")
		require.Equal(t, starts1+1, after1)
		require.Equal(t, starts0, after0)
		break
	}

	err := other.RestartTask(context.Background(), name, 2)
	require.ErrorIs(t, err, herder.ErrNotFound)
}

func TestRestartConnectorAndFailedTasksGoesThroughTheConfigTopic(t *testing.T) {
	cl := newCluster(t, testkafka.Brokers(t), 2)
	const name = "restart-failed"
	startTwoTasks(t, cl, name)
	running := herder.State(statustopic.Running)
	for attempt := 1; ; attempt++ {
		epoch := failTasks(t, cl, name, "1")
		connectorStarts := cl.overlap.started("connector")
		starts0, starts1 := cl.overlap.started("0"), cl.overlap.started("1")

		var plan herder.ConnectorStatus
		cl.viaLeader(cl.live()[1], func(h *Herder) error {
			var err error
			plan, err = h.RestartConnectorAndTasks(context.Background(), name, herder.RestartOptions{IncludeTasks: true, OnlyFailed: true})
			return err
		})
		require.Eventually(t, func() bool {
			return cl.moved(epoch) || states(cl, name, running, 2, running)
		}, 60*time.Second, 100*time.Millisecond)
		afterConnector, after0, after1 := cl.overlap.started("connector"), cl.overlap.started("0"), cl.overlap.started("1")
		if cl.rebalanced(epoch, attempt) {
			continue
		}
		require.Equal(t, herder.State(statustopic.Running), plan.Connector.State)
		require.Len(t, plan.Tasks, 2)
		require.Equal(t, herder.State(statustopic.Running), plan.Tasks[0].State)
		require.Equal(t, herder.Restarting, plan.Tasks[1].State)
		require.Equal(t, starts1+1, after1, "the failed task was restarted once")
		require.Equal(t, starts0, after0, "the running task was left alone")
		require.Equal(t, connectorStarts, afterConnector, "the running connector was left alone")
		break
	}
}

func TestOffsetsAreReadAnywhereAndChangedByTheLeaderOnceStopped(t *testing.T) {
	brokers := testkafka.Brokers(t)
	cl := newCluster(t, brokers, 2)
	const name = "offsets"
	topic := testkafka.Topic(t, "offsets-data")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	config := map[string]string{"connector.class": "test.SpreadSource", "tasks.max": "2", "topic": topic, "tag": "o",
		"key.converter": "StringConverter", "value.converter": "StringConverter"}
	cl.viaLeader(cl.live()[0], func(h *Herder) error {
		_, _, err := h.PutConnectorConfig(context.Background(), name, config, herder.PutOptions{})
		return err
	})
	// Both tasks' offsets are read by every worker from the offset topic.
	for _, h := range cl.live() {
		require.Eventually(t, func() bool {
			offs, err := h.ConnectorOffsets(context.Background(), name)
			return err == nil && len(offs.Offsets) == 2
		}, 60*time.Second, 100*time.Millisecond)
	}
	part := connect.NewSourcePartition("task", "o/0/")
	alter := herder.ConnectorOffsets{Offsets: []herder.ConnectorOffset{{Partition: part, Offset: connect.Int64Offset("n", 1000)}}}

	// A running connector's offsets are not changed.
	var err error
	cl.forward(cl.live()[1], func(h *Herder) error {
		_, err = h.AlterConnectorOffsets(context.Background(), name, alter)
		if errors.Is(err, herder.ErrBadRequest) {
			return nil
		}
		return err
	})
	require.ErrorIs(t, err, herder.ErrBadRequest)
	require.ErrorContains(t, err, "STOPPED")

	require.NoError(t, cl.live()[0].StopConnector(context.Background(), name))
	// Settled: a worker that is joining names no leader, so it would pass
	// for the follower though it may lead.
	settle(t, cl, func() bool { return states(cl, name, herder.State(statustopic.Stopped), 0, "") }, "STOPPED, in a settled group")
	follower := cl.live()[0]
	var nl *NotLeaderError
	if _, err := follower.leader(); !errors.As(err, &nl) {
		follower = cl.live()[1]
	}
	_, err = follower.AlterConnectorOffsets(context.Background(), name, alter)
	require.ErrorAs(t, err, new(*NotLeaderError), "only the leader changes offsets")
	var msg herder.Message
	cl.viaLeader(follower, func(h *Herder) error {
		msg, err = h.AlterConnectorOffsets(context.Background(), name, alter)
		return err
	})
	require.Contains(t, msg.Message, "altered successfully")
	for _, h := range cl.live() {
		require.Eventually(t, func() bool {
			offs, err := h.ConnectorOffsets(context.Background(), name)
			if err != nil {
				return false
			}
			for _, o := range offs.Offsets {
				if o.Partition.String() == part.String() {
					n, _ := o.Offset.Int64("n")
					return n == 1000
				}
			}
			return false
		}, 30*time.Second, 100*time.Millisecond)
	}
	cl.viaLeader(follower, func(h *Herder) error {
		msg, err = h.ResetConnectorOffsets(context.Background(), name)
		return err
	})
	require.Contains(t, msg.Message, "reset successfully")
	for _, h := range cl.live() {
		require.Eventually(t, func() bool {
			offs, err := h.ConnectorOffsets(context.Background(), name)
			return err == nil && len(offs.Offsets) == 0
		}, 30*time.Second, 100*time.Millisecond)
	}
}

func TestRestartRequestReadBeforeTheAssignmentIsAppliedOnceAssigned(t *testing.T) {
	brokers := testkafka.Brokers(t)
	var gate struct {
		sync.Mutex
		closed  bool
		waiting chan struct{} // closed once the worker waits to join
		release chan struct{}
	}
	gate.waiting, gate.release = make(chan struct{}), make(chan struct{})
	cl := newCluster(t, brokers, 0)
	cl.beforeJoin = func() {
		gate.Lock()
		armed := !gate.closed
		gate.closed = true
		gate.Unlock()
		if armed {
			close(gate.waiting)
			<-gate.release
		}
	}
	h := cl.add()
	<-gate.waiting

	// While the worker is about to join, a restart of a connector it will
	// run is read from the config topic.
	topic := testkafka.Topic(t, "pending")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	const name = "pending-restart"
	ctx := context.Background()
	require.NoError(t, h.cfgs.PutConnectorConfig(ctx, name, map[string]string{"name": name, "connector.class": "test.SpreadSource",
		"tasks.max": "1", "topic": topic, "key.converter": "StringConverter", "value.converter": "StringConverter"}, ""))
	require.NoError(t, h.cfgs.PutTaskConfigs(ctx, name, []map[string]string{{"topic": topic, "tag": "", "task": "0"}}))
	require.NoError(t, h.cfgs.PutRestartRequest(ctx, configtopic.RestartRequest{Connector: name}))
	require.NoError(t, h.cfgs.Refresh(ctx))
	close(gate.release)

	// Assigned the connector, the worker starts it and then applies the
	// restart.
	require.Eventually(t, func() bool { return cl.overlap.started("connector") >= 2 }, 30*time.Second, 50*time.Millisecond,
		"the connector started, then restarted")
	require.Equal(t, 1, cl.overlap.started("0"), "the task was not restarted")
}

func TestChangeReadWhileJoiningIsNotJoinedForAgain(t *testing.T) {
	for _, protocol := range []string{"default", "compatible"} {
		t.Run(protocol, func(t *testing.T) {
			brokers := testkafka.Brokers(t)
			var joins, beats atomic.Int32
			waiting, release := make(chan struct{}), make(chan struct{})
			cl := newClusterWith(t, brokers, 0, protocol, 0)
			cl.beforeJoin = func() {
				if joins.Add(1) == 1 {
					close(waiting)
					<-release
				}
			}
			cl.skipHeartbeat = func() bool {
				beats.Add(1)
				return false
			}
			h := cl.add()
			<-waiting

			// While the worker joins, after it last looked for changes,
			// it reads a connector and its task configurations: its
			// join reports their offset, and it is assigned them.
			topic := testkafka.Topic(t, "joining")
			testkafka.CreateTopic(t, brokers, topic, 1, nil)
			const name = "read-while-joining"
			ctx := context.Background()
			require.NoError(t, h.cfgs.PutConnectorConfig(ctx, name, map[string]string{"name": name, "connector.class": "test.SpreadSource",
				"tasks.max": "1", "topic": topic, "key.converter": "StringConverter", "value.converter": "StringConverter"}, ""))
			require.NoError(t, h.cfgs.PutTaskConfigs(ctx, name, []map[string]string{{"topic": topic, "tag": "", "task": "0"}}))
			require.NoError(t, h.cfgs.Refresh(ctx))
			close(release)

			// It heartbeats in the generation that assigned them: it did
			// not join again for changes that generation had, which
			// under the eager protocol would have restarted the task.
			require.Eventually(t, func() bool { return beats.Load() > 0 }, 30*time.Second, 10*time.Millisecond)
			require.Equal(t, int32(1), joins.Load(), "the worker joined again for changes its assignment had")
			require.Equal(t, 1, cl.overlap.started("0"))
			require.Equal(t, 1, cl.overlap.started("connector"))

			// A change read once it has joined still makes it join again.
			require.NoError(t, h.PauseConnector(ctx, name))
			paused := herder.State(statustopic.Paused)
			require.Eventually(t, func() bool { return states(cl, name, paused, 1, paused) }, 30*time.Second, 50*time.Millisecond)
			require.Equal(t, int32(2), joins.Load())
		})
	}
}

func TestChangeToARunningConnectorReadWhileJoiningRestartsItCooperatively(t *testing.T) {
	brokers := testkafka.Brokers(t)
	cl := newClusterWith(t, brokers, 1, "compatible", 0)
	h := cl.order[0]
	topic := testkafka.Topic(t, "coop-joining")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	recs := consume(t, brokers, topic)
	configOf := func(tag string) map[string]string {
		return map[string]string{"connector.class": "test.SpreadSource", "tasks.max": "1", "topic": topic, "tag": tag,
			"key.converter": "StringConverter", "value.converter": "StringConverter"}
	}
	for _, name := range []string{"a", "b"} {
		cl.viaLeader(h, func(h *Herder) error {
			_, _, err := h.PutConnectorConfig(context.Background(), name, configOf(name), herder.PutOptions{})
			return err
		})
	}
	require.Eventually(t, func() bool { return len(recs.tasksWriting("a")) == 1 && len(recs.tasksWriting("b")) == 1 },
		60*time.Second, 50*time.Millisecond)

	// Connector b changes: before joining, the worker stops it, and
	// while it does, it reads a change of connector a, which it keeps
	// running. Its join reports that change, and the assignment it gets
	// is made from it.
	gate := cl.overlap.gateStop("b/0/")
	cl.viaLeader(h, func(h *Herder) error {
		_, err := h.PatchConnectorConfig(context.Background(), "b", map[string]*string{"secret": new("changed")})
		return err
	})
	<-gate.stopping
	ctx := context.Background()
	a2 := configOf("a2")
	a2["name"] = "a"
	require.NoError(t, h.cfgs.PutConnectorConfig(ctx, "a", a2, ""))
	require.NoError(t, h.cfgs.Refresh(ctx))
	close(gate.release)

	// The worker still runs a's older configuration after that join:
	// it joins again, stopping a first, and a runs its new one.
	require.Eventually(t, func() bool { return len(recs.tasksWriting("a2")) == 1 }, 60*time.Second, 50*time.Millisecond,
		"connector a runs the configuration read while the worker joined")
}

// placement returns the worker each task of connector name runs on, as
// h reports it.
func placement(t *testing.T, h *Herder, name string) map[int]string {
	st, err := h.ConnectorStatus(context.Background(), name)
	require.NoError(t, err)
	out := map[int]string{}
	for _, ts := range st.Tasks {
		out[ts.ID] = ts.WorkerID
	}
	return out
}

// startSpread creates connector name with tasks tasks through the cluster
// and waits until they run on workers workers, the group settled.
func startSpread(t *testing.T, cl *cluster, name string, tasks, workers int) {
	topic := testkafka.Topic(t, name)
	testkafka.CreateTopic(t, cl.brokers, topic, 1, nil)
	config := map[string]string{"connector.class": "test.SpreadSource", "tasks.max": strconv.Itoa(tasks), "topic": topic, "tag": "c",
		"key.converter": "StringConverter", "value.converter": "StringConverter"}
	cl.viaLeader(cl.live()[0], func(h *Herder) error {
		_, _, err := h.PutConnectorConfig(context.Background(), name, config, herder.PutOptions{})
		return err
	})
	settle(t, cl, func() bool {
		return allRunning(cl, name, tasks, func(w map[string]bool) bool { return len(w) == workers }) && placedAsHeld(cl, name)
	}, "%d RUNNING tasks on %d workers, seen from every worker where they are held, in a settled group", tasks, workers)
}

func TestCooperativeJoinMovesOnlyWhatTheNewWorkerGets(t *testing.T) {
	cl := newClusterWith(t, testkafka.Brokers(t), 2, "compatible", time.Minute)
	const name = "coop-join"
	startSpread(t, cl, name, 6, 2)
	before := placement(t, cl.order[0], name)
	starts := map[int]int{}
	for i := range 6 {
		starts[i] = cl.overlap.started(strconv.Itoa(i))
	}
	connectorStarts := cl.overlap.started("connector")

	added := cl.add()
	// Settled, with every task reported where it is held: a task the
	// cooperative follow-up rebalance moves, or one whose new worker has
	// not reported it yet, is not counted where it was.
	settle(t, cl, func() bool {
		return allRunning(cl, name, 6, func(w map[string]bool) bool { return len(w) == 3 }) && placedAsHeld(cl, name)
	}, "6 RUNNING tasks on 3 workers, in a settled group")
	after := placement(t, added, name)
	moved := 0
	for i := range 6 {
		if after[i] == before[i] {
			require.Equal(t, starts[i], cl.overlap.started(strconv.Itoa(i)), "task %d stayed on %s: it was never stopped", i, after[i])
			continue
		}
		moved++
		require.Equal(t, added.ID(), after[i], "task %d moved, to the new worker", i)
		require.Equal(t, starts[i]+1, cl.overlap.started(strconv.Itoa(i)), "task %d moved once", i)
	}
	require.Equal(t, 2, moved, "the new worker took two tasks: %v → %v", before, after)
	require.Equal(t, connectorStarts, cl.overlap.started("connector"), "the connector was never restarted")
	cl.overlap.mu.Lock()
	most := cl.overlap.most
	cl.overlap.mu.Unlock()
	require.Equal(t, 1, most, "a task ran on two workers at once")
	for _, h := range cl.live() {
		require.Equal(t, connectproto.V1, h.currentProtocol())
	}

	// The leader names the worker running a task it does not run, though
	// the cooperative assignments list only what they add.
	var leader *Herder
	for _, h := range cl.live() {
		if _, err := h.leader(); err == nil {
			leader = h
		}
	}
	require.NotNil(t, leader)
	for i, w := range after {
		if w == leader.ID() {
			continue
		}
		var na *NotAssignedError
		require.ErrorAs(t, leader.RestartTask(context.Background(), name, i), &na, "task %d", i)
		require.Equal(t, cl.herder(na.OwnerURL).ID(), w, "task %d", i)
	}
}

// vanish stops h's membership as a crash would: no more heartbeats, no
// LeaveGroup; what it runs is left running until the test closes it.
func (cl *cluster) vanish(h *Herder) {
	h.cancel()
	<-h.done
}

func TestCooperativeVanishedWorkersWorkIsHeldForTheDelay(t *testing.T) {
	const delay = 10 * time.Second
	cl := newClusterWith(t, testkafka.Brokers(t), 2, "compatible", delay)
	const name = "coop-vanish"
	startSpread(t, cl, name, 4, 2)
	// A new leader knows nothing of what the group ran before it led, so
	// it reassigns at once, as Kafka's does: the follower vanishes.
	gone, survivor := cl.order[0], cl.order[1]
	if _, err := survivor.leader(); err != nil {
		gone, survivor = survivor, gone
	}
	vanished := time.Now()
	cl.vanish(gone)

	// Once the group has dropped it, its tasks are not RUNNING under its
	// id while they are held back: they run nowhere.
	require.Eventually(t, func() bool {
		st, err := survivor.ConnectorStatus(context.Background(), name)
		if err != nil {
			return false
		}
		unassigned := 0
		for _, ts := range st.Tasks {
			if ts.WorkerID == gone.ID() {
				if ts.State != herder.State(statustopic.Unassigned) {
					return false
				}
				unassigned++
			}
		}
		return unassigned > 0
	}, 15*time.Second, 50*time.Millisecond, "the vanished worker's tasks UNASSIGNED before they are reassigned")

	require.Eventually(t, func() bool {
		for _, w := range placement(t, survivor, name) {
			if w != survivor.ID() {
				return false
			}
		}
		return allRunning(&cluster{order: []*Herder{survivor}, closed: map[*Herder]bool{}}, name, 4, func(map[string]bool) bool { return true })
	}, 60*time.Second, 100*time.Millisecond, "every task RUNNING on the survivor")
	require.GreaterOrEqual(t, time.Since(vanished), delay, "the vanished worker's tasks were held back for scheduled.rebalance.max.delay.ms")
}

func TestEagerOnlyMemberMakesTheGroupEager(t *testing.T) {
	cl := newClusterWith(t, testkafka.Brokers(t), 2, "sessioned", time.Minute)
	const name = "mixed"
	startSpread(t, cl, name, 6, 2)
	cl.protocol = "default"
	cl.add()
	require.Eventually(t, func() bool {
		for _, h := range cl.live() {
			if h.currentProtocol() != connectproto.V0 {
				return false
			}
		}
		return allRunning(cl, name, 6, func(w map[string]bool) bool { return len(w) == 3 })
	}, 60*time.Second, 100*time.Millisecond, "6 RUNNING tasks on 3 workers, under the eager protocol")
	cl.overlap.mu.Lock()
	most := cl.overlap.most
	cl.overlap.mu.Unlock()
	require.Equal(t, 1, most, "a task ran on two workers at once")
}

func TestCooperativeGracefulLeaveIsReassignedAtOnce(t *testing.T) {
	cl := newClusterWith(t, testkafka.Brokers(t), 2, "compatible", 5*time.Minute)
	const name = "coop-leave"
	startSpread(t, cl, name, 4, 2)
	// The follower leaves: the leader, which remembers what it assigned,
	// would hold its work back for the delay if it had vanished.
	gone, survivor := cl.order[0], cl.order[1]
	if _, err := survivor.leader(); err != nil {
		gone, survivor = survivor, gone
	}
	cl.close(gone)
	require.Eventually(t, func() bool {
		return allRunning(cl, name, 4, func(w map[string]bool) bool { return len(w) == 1 && w[survivor.ID()] })
	}, 30*time.Second, 100*time.Millisecond, "every task RUNNING on the survivor, long before the 5 minutes' delay")
}

func TestSessionedRequestsAreSignedAndVerified(t *testing.T) {
	brokers := testkafka.Brokers(t)
	cl := &cluster{t: t, brokers: brokers, group: testkafka.Group(t, "connect"), byURL: map[string]*Herder{}, closed: map[*Herder]bool{},
		topics:   internalTopics(t, brokers),
		overlap:  &overlap{running: map[string]int{}, starts: map[string]int{}, failing: map[string]bool{}},
		protocol: "sessioned", maxDelay: time.Minute, overHTTP: true}
	cl.add()
	cl.add()
	// Two connectors, one on each worker: the follower's task
	// configurations reach the leader only signed.
	startSpread(t, cl, "signed-a", 2, 2)
	startSpread(t, cl, "signed-b", 2, 2)
	// Settled: a worker that is joining leads nothing, so it would pass
	// for the follower.
	settle(t, cl, func() bool {
		owners := map[string]bool{}
		for _, name := range []string{"signed-a", "signed-b"} {
			st, err := cl.order[0].ConnectorStatus(context.Background(), name)
			if err != nil || st.Connector.State != herder.State(statustopic.Running) {
				return false
			}
			owners[st.Connector.WorkerID] = true
		}
		return len(owners) == 2
	}, "a connector RUNNING on each worker, in a settled group")

	var leader, follower *Herder
	for _, h := range cl.live() {
		require.Equal(t, connectproto.V2, h.currentProtocol())
		if _, err := h.leader(); err == nil {
			leader = h
		} else {
			follower = h
		}
	}
	require.NotNil(t, leader)
	require.NotNil(t, follower)
	key := follower.cfgs.Snapshot().SessionKey
	require.NotNil(t, key, "the leader distributed a session key")
	require.Equal(t, "HmacSHA256", key.Algorithm)
	require.Len(t, key.Key, 32)

	post := func(body []byte, header http.Header) int {
		req, err := http.NewRequest(http.MethodPost, cl.servers[leader].URL+"/connectors/signed-a/tasks", strings.NewReader(string(body)))
		require.NoError(t, err)
		maps.Copy(req.Header, header)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	tcs, err := leader.TaskConfigs(context.Background(), "signed-a")
	require.NoError(t, err)
	var configs []map[string]string
	for _, tc := range tcs {
		configs = append(configs, tc.Config)
	}
	body, err := json.Marshal(configs)
	require.NoError(t, err)

	signed := http.Header{}
	require.NoError(t, follower.SignRequest(body, signed))
	require.Equal(t, "HmacSHA256", signed.Get(SignatureAlgorithmHeader))
	require.Equal(t, http.StatusNoContent, post(body, signed), "signed by a worker of the group")

	require.Equal(t, http.StatusBadRequest, post(body, http.Header{}), "unsigned")
	forged := http.Header{}
	sig, err := sign("HmacSHA256", []byte("not the session key, 32 bytes!!"), body)
	require.NoError(t, err)
	forged.Set(SignatureHeader, base64.StdEncoding.EncodeToString(sig))
	forged.Set(SignatureAlgorithmHeader, "HmacSHA256")
	require.Equal(t, http.StatusForbidden, post(body, forged), "signed with another key")
	other := []byte(`[{"task.class":"evil"}]`)
	require.Equal(t, http.StatusForbidden, post(other, signed), "a signature of another body")
	unverified := http.Header{}
	require.NoError(t, follower.SignRequest(body, unverified))
	unverified.Set(SignatureAlgorithmHeader, "HmacSHA512")
	require.Equal(t, http.StatusBadRequest, post(body, unverified), "an algorithm the leader does not verify")
}

func TestSessionKeyIsRotatedAfterItsTTL(t *testing.T) {
	brokers := testkafka.Brokers(t)
	cl := &cluster{t: t, brokers: brokers, group: testkafka.Group(t, "connect"), byURL: map[string]*Herder{}, closed: map[*Herder]bool{},
		topics:   internalTopics(t, brokers),
		overlap:  &overlap{running: map[string]int{}, starts: map[string]int{}, failing: map[string]bool{}},
		protocol: "sessioned", keyTTL: 2 * time.Second}
	h := cl.add()
	var first *configtopic.SessionKey
	require.Eventually(t, func() bool { first = h.cfgs.Snapshot().SessionKey; return first != nil }, 30*time.Second, 50*time.Millisecond)
	require.Eventually(t, func() bool {
		k := h.cfgs.Snapshot().SessionKey
		return k.Created >= first.Created+2000 && !bytes.Equal(k.Key, first.Key)
	}, 30*time.Second, 50*time.Millisecond, "a new key once the first expired")
}

// Under the cooperative protocols a connector's new configuration reaches
// its tasks without stopping another connector or its tasks, wherever
// they run (the eager protocol restarts everything on every change).
func TestCooperativeConfigChangeLeavesOtherConnectorsRunning(t *testing.T) {
	for _, protocol := range []string{"compatible", "sessioned"} {
		t.Run(protocol, func(t *testing.T) {
			brokers := testkafka.Brokers(t)
			cl := newClusterWith(t, brokers, 2, protocol, time.Minute)
			topic := testkafka.Topic(t, "change")
			testkafka.CreateTopic(t, brokers, topic, 1, nil)
			config := func(tag string) map[string]string {
				return map[string]string{"connector.class": "test.SpreadSource", "tasks.max": "2", "topic": topic, "tag": tag,
					"key.converter": "StringConverter", "value.converter": "StringConverter"}
			}
			put := func(name, tag string) {
				cl.viaLeader(cl.live()[0], func(h *Herder) error {
					_, _, err := h.PutConnectorConfig(context.Background(), name, config(tag), herder.PutOptions{})
					return err
				})
			}
			put("changing", "a")
			put("other", "b")
			for _, name := range []string{"changing", "other"} {
				require.Eventually(t, func() bool { return allRunning(cl, name, 2, func(map[string]bool) bool { return true }) },
					60*time.Second, 100*time.Millisecond, "%s RUNNING", name)
			}
			otherStarts := map[string]int{}
			for _, k := range []string{"connector/b", "b/0/", "b/1/"} {
				otherStarts[k] = cl.overlap.started(k)
				require.Equal(t, 1, otherStarts[k], k)
			}
			placed := placement(t, cl.order[0], "other")

			put("changing", "a2")
			require.Eventually(t, func() bool {
				return cl.overlap.started("a2/0/") == 1 && cl.overlap.started("a2/1/") == 1 &&
					allRunning(cl, "changing", 2, func(map[string]bool) bool { return true })
			}, 60*time.Second, 100*time.Millisecond, "the new configuration reached the tasks")
			require.Equal(t, 1, cl.overlap.started("connector/a2"), "the changed connector restarted once")
			for k, n := range otherStarts {
				require.Equal(t, n, cl.overlap.started(k), "%s was restarted", k)
			}
			require.Equal(t, placed, placement(t, cl.order[0], "other"))
			for _, h := range cl.live() {
				st, err := h.ConnectorStatus(context.Background(), "other")
				require.NoError(t, err)
				require.Equal(t, herder.State(statustopic.Running), st.Connector.State)
			}
		})
	}
}

// A rolling restart under the cooperative protocols (each worker closed,
// then one started in its place) moves only what it must: a connector
// or task on a worker that stays keeps running there, unless the
// newcomer takes it, and then it starts once, there; what the closed
// worker ran starts elsewhere. No connector is stopped for its tasks'
// moves, nor a task for another's.
func TestCooperativeRollingRestartMovesOnlyWhatItMust(t *testing.T) {
	for _, protocol := range []string{"compatible", "sessioned"} {
		t.Run(protocol, func(t *testing.T) {
			brokers := testkafka.Brokers(t)
			cl := newClusterWith(t, brokers, 3, protocol, time.Minute)
			topic := testkafka.Topic(t, "rolling")
			testkafka.CreateTopic(t, brokers, topic, 1, nil)
			tags := []string{"a", "b", "c"}
			for _, tag := range tags {
				config := map[string]string{"connector.class": "test.SpreadSource", "tasks.max": "3", "topic": topic, "tag": tag,
					"key.converter": "StringConverter", "value.converter": "StringConverter"}
				cl.viaLeader(cl.live()[0], func(h *Herder) error {
					_, _, err := h.PutConnectorConfig(context.Background(), tag, config, herder.PutOptions{})
					return err
				})
			}
			// settled: every connector and task RUNNING, seen from every
			// worker where it is held. Waited for through settle, so that
			// where, which reads one worker's view, is taken with no
			// rebalance pending and every status read.
			settled := func() bool {
				for _, tag := range tags {
					if !allRunning(cl, tag, 3, func(map[string]bool) bool { return true }) || !placedAsHeld(cl, tag) {
						return false
					}
				}
				return true
			}
			// where is each connector's and task's worker, and its starts.
			type place struct {
				worker string
				starts int
			}
			where := func() map[string]place {
				out := map[string]place{}
				h := cl.live()[0]
				for _, tag := range tags {
					st, err := h.ConnectorStatus(context.Background(), tag)
					require.NoError(t, err)
					out["connector/"+tag] = place{st.Connector.WorkerID, cl.overlap.started("connector/" + tag)}
					for _, ts := range st.Tasks {
						k := tag + "/" + strconv.Itoa(ts.ID) + "/"
						out[k] = place{ts.WorkerID, cl.overlap.started(k)}
					}
				}
				return out
			}
			// balanced: each worker runs one connector and three tasks, as
			// Kafka Connect's assignor balances them once its follow-up
			// rebalances are done.
			balanced := func(p map[string]place) bool {
				conns, tasks := map[string]int{}, map[string]int{}
				for k, pl := range p {
					if strings.HasPrefix(k, "connector/") {
						conns[pl.worker]++
					} else {
						tasks[pl.worker]++
					}
				}
				for _, h := range cl.live() {
					if conns[h.ID()] != 1 || tasks[h.ID()] != 3 {
						return false
					}
				}
				return true
			}
			settle(t, cl, func() bool { return settled() && balanced(where()) }, "all RUNNING")
			for i := range 3 {
				before := where()
				gone := cl.order[i]
				cl.close(gone)
				added := cl.add()
				settle(t, cl, func() bool {
					return settled() && balanced(where())
				}, "all RUNNING again after restarting worker %d", i)
				after := where()
				for k, b := range before {
					a := after[k]
					switch {
					case b.worker == gone.ID():
						require.NotEqual(t, gone.ID(), a.worker, k)
						require.Contains(t, []int{b.starts + 1, b.starts + 2}, a.starts, "%s moved from the closed worker, by way of another at most", k)
					case a.worker == b.worker:
						require.Equal(t, b.starts, a.starts, "%s stayed on %s: it was never stopped", k, a.worker)
					default:
						require.Equal(t, added.ID(), a.worker, "%s moved from %s, which stayed, to another than the new worker", k, b.worker)
						require.Equal(t, b.starts+1, a.starts, "%s moved once", k)
					}
				}
			}
		})
	}
}
