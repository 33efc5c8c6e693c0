package distributed

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/configtopic"
	"github.com/kconnect-go/kconnect/internal/statustopic"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/source"
)

// countPlugin is a source whose task i writes "i/1", "i/2", ... to topic,
// each number its source offset, resuming after the last committed one:
// read_committed, every number of every task appears exactly once.
func countPlugin() source.Plugin {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "topic", Type: connect.ConfigString, Required: true, Importance: connect.High})
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.CountSource", Kind: connect.SourcePlugin, Config: def},
		New:        func() source.Connector { return &countConnector{} },
	}
}

type countConnector struct{ topic string }

func (c *countConnector) Start(_ context.Context, config map[string]string, _ source.ConnectorContext) error {
	c.topic = config["topic"]
	return nil
}

func (c *countConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	out := make([]map[string]string, maxTasks)
	for i := range out {
		out[i] = map[string]string{"topic": c.topic, "task": strconv.Itoa(i)}
	}
	return out, nil
}

func (c *countConnector) ExactlyOnceSupport(map[string]string) source.ExactlyOnceSupport {
	return source.ExactlyOnceSupported
}

func (c *countConnector) NewTask() source.Task       { return &countTask{} }
func (c *countConnector) Stop(context.Context) error { return nil }

type countTask struct {
	topic, id string
	part      connect.SourcePartition
	n         int64
}

func (t *countTask) Start(ctx context.Context, config map[string]string, tc source.TaskContext) error {
	t.topic, t.id = config["topic"], config["task"]
	t.part = connect.NewSourcePartition("task", t.id)
	off, err := tc.Offsets().Offset(ctx, t.part)
	if err != nil {
		return err
	}
	t.n, _ = off.Int64("n")
	return nil
}

func (t *countTask) Poll(ctx context.Context) ([]connect.Record, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(10 * time.Millisecond):
	}
	t.n++
	return []connect.Record{{Topic: t.topic, ValueSchema: connect.StringSchema, Value: t.id + "/" + strconv.FormatInt(t.n, 10),
		SourcePartition: t.part, SourceOffset: connect.Int64Offset("n", t.n)}}, nil
}

func (t *countTask) Stop(context.Context) error { return nil }

func newEOSCluster(t *testing.T, protocol string, overHTTP bool, eos ...string) *cluster {
	brokers := testkafka.Brokers(t)
	cl := &cluster{t: t, brokers: brokers, group: testkafka.Group(t, "connect"), byURL: map[string]*Herder{}, closed: map[*Herder]bool{},
		topics:   internalTopics(t, brokers),
		overlap:  &overlap{running: map[string]int{}, starts: map[string]int{}, failing: map[string]bool{}},
		protocol: protocol, maxDelay: -1, overHTTP: overHTTP}
	for _, e := range eos {
		cl.eos = e
		cl.add()
	}
	return cl
}

// startCount creates a count connector of tasks tasks writing to a new
// topic, and waits until its tasks run on workers workers.
func startCount(t *testing.T, cl *cluster, name string, tasks, workers int, extra map[string]string) string {
	topic := testkafka.Topic(t, name)
	testkafka.CreateTopic(t, cl.brokers, topic, 1, nil)
	config := map[string]string{"connector.class": "test.CountSource", "tasks.max": strconv.Itoa(tasks), "topic": topic,
		"key.converter": "StringConverter", "value.converter": "StringConverter"}
	for k, v := range extra {
		config[k] = v
	}
	cl.viaLeader(cl.live()[0], func(h *Herder) error {
		_, _, err := h.PutConnectorConfig(context.Background(), name, config, herder.PutOptions{})
		return err
	})
	require.Eventually(t, func() bool {
		return allRunning(cl, name, tasks, func(w map[string]bool) bool { return len(w) == workers })
	}, 60*time.Second, 100*time.Millisecond, "%d RUNNING tasks on %d workers", tasks, workers)
	return topic
}

// readCommitted reads topic to its end as a read_committed consumer, and
// counts each value.
func readCommitted(t *testing.T, brokers []string, topic string) map[string]int {
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxWait(200*time.Millisecond))
	deadline := time.Now().Add(30 * time.Second)
	seen := map[string]int{}
	// Read until two polls of a second each find nothing more.
	for quiet := 0; quiet < 2; {
		require.True(t, time.Now().Before(deadline), "reading %s", topic)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		fs := cl.PollFetches(ctx)
		cancel()
		n := 0
		fs.EachRecord(func(r *kgo.Record) { seen[string(r.Value)]++; n++ })
		if n == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
	return seen
}

// committedCounts follows a topic as a read_committed consumer.
type committedCounts struct {
	mu  sync.Mutex
	top map[int]int // the highest number of each task read
}

func consumeCommitted(t *testing.T, brokers []string, topic string) *committedCounts {
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxWait(200*time.Millisecond))
	c := &committedCounts{top: map[int]int{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			c.mu.Lock()
			fs.EachRecord(func(r *kgo.Record) {
				task, num, _ := strings.Cut(string(r.Value), "/")
				i, _ := strconv.Atoi(task)
				n, _ := strconv.Atoi(num)
				c.top[i] = max(c.top[i], n)
			})
			c.mu.Unlock()
		}
	}()
	return c
}

func (c *committedCounts) most() map[int]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.top)
}

// requireEachOnce checks that seen holds, for each task of tasks, the
// numbers 1 to some n, each exactly once, and returns each task's n.
func requireEachOnce(t *testing.T, seen map[string]int, tasks int) []int {
	t.Helper()
	most := make([]int, tasks)
	for v, c := range seen {
		require.Equal(t, 1, c, "%s read %d times", v, c)
		task, num, ok := strings.Cut(v, "/")
		require.True(t, ok, v)
		i, _ := strconv.Atoi(task)
		n, _ := strconv.Atoi(num)
		most[i] = max(most[i], n)
	}
	for i, n := range most {
		for k := 1; k <= n; k++ {
			require.Equal(t, 1, seen[strconv.Itoa(i)+"/"+strconv.Itoa(k)], "task %d's number %d of %d", i, k, n)
		}
	}
	return most
}

func TestExactlyOnceSourceAcrossARebalanceThatMovesATask(t *testing.T) {
	cl := newEOSCluster(t, "compatible", false, EOSEnabled)
	topic := startCount(t, cl, "eos-move", 2, 1, map[string]string{"exactly.once.support": "required"})
	snap := cl.order[0].cfgs.Snapshot()
	require.Equal(t, 2, snap.TaskCountRecords["eos-move"], "the leader recorded the fenced generation's task count")
	require.False(t, snap.PendingFencing["eos-move"])

	cl.eos = EOSEnabled
	cl.add()
	require.Eventually(t, func() bool {
		return allRunning(cl, "eos-move", 2, func(w map[string]bool) bool { return len(w) == 2 })
	}, 60*time.Second, 100*time.Millisecond, "a task moved to the new worker")
	// Both go on writing after the move.
	live := consumeCommitted(t, cl.brokers, topic)
	before := live.most()
	require.Eventually(t, func() bool {
		now := live.most()
		return now[0] > before[0]+10 && now[1] > before[1]+10
	}, 60*time.Second, 200*time.Millisecond)
	for _, h := range cl.live() {
		cl.close(h)
	}
	most := requireEachOnce(t, readCommitted(t, cl.brokers, topic), 2)
	t.Logf("numbers per task: %v", most)
}

func TestZombieTaskOfAnEarlierGenerationCannotCommit(t *testing.T) {
	cl := newEOSCluster(t, "compatible", false, EOSEnabled, EOSEnabled)
	topic := startCount(t, cl, "eos-zombie", 2, 2, nil)
	// A zombie: task 1 as a worker the group dropped still runs it. Its
	// producer fences the task's current instance, and holds an open
	// transaction with a record in it.
	zombie := testkafka.Client(t, cl.brokers, kgo.TransactionalID(cl.group+"-eos-zombie-1"), kgo.DefaultProduceTopic(topic))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, zombie.BeginTransaction())
	require.NoError(t, zombie.ProduceSync(ctx, &kgo.Record{Value: []byte("1/zombie")}).FirstErr())

	// The next generation has one task: only the leader's fencing of
	// the recorded two reaches task 1's producer.
	cl.viaLeader(cl.live()[0], func(h *Herder) error {
		cfg, err := h.ConnectorConfig(ctx, "eos-zombie")
		if err != nil {
			return err
		}
		cfg["tasks.max"] = "1"
		_, _, err = h.PutConnectorConfig(ctx, "eos-zombie", cfg, herder.PutOptions{})
		return err
	})
	require.Eventually(t, func() bool {
		snap := cl.order[0].cfgs.Snapshot()
		return snap.TaskCounts["eos-zombie"] == 1 && snap.TaskCountRecords["eos-zombie"] == 1 && !snap.PendingFencing["eos-zombie"]
	}, 60*time.Second, 100*time.Millisecond, "the one-task generation fenced")
	require.Error(t, zombie.EndTransaction(ctx, kgo.TryCommit), "the zombie's commit after the fencing")

	require.Eventually(t, func() bool {
		return allRunning(cl, "eos-zombie", 1, func(map[string]bool) bool { return true })
	}, 60*time.Second, 100*time.Millisecond)
	for _, h := range cl.live() {
		cl.close(h)
	}
	seen := readCommitted(t, cl.brokers, topic)
	require.Zero(t, seen["1/zombie"], "the zombie's record is never committed")
	requireEachOnce(t, seen, 2)
}

func TestFollowerAsksTheLeaderToFenceOverSignedHTTP(t *testing.T) {
	cl := newEOSCluster(t, "sessioned", true, EOSEnabled, EOSEnabled)
	startCount(t, cl, "eos-fence", 2, 2, nil)
	// Stopped, the connector has no tasks: a generation of none, which
	// no task start fences.
	cl.viaLeader(cl.live()[0], func(h *Herder) error { return h.StopConnector(context.Background(), "eos-fence") })
	var leader, follower *Herder
	require.Eventually(t, func() bool {
		for _, h := range cl.live() {
			snap := h.cfgs.Snapshot()
			if snap.TaskCounts["eos-fence"] != 0 || !snap.PendingFencing["eos-fence"] {
				return false
			}
			if _, err := h.leader(); err == nil {
				leader = h
			} else {
				follower = h
			}
		}
		return leader != nil && follower != nil
	}, 60*time.Second, 100*time.Millisecond, "the stopped connector's empty generation, pending fencing")
	leaderURL := cl.servers[leader].URL

	// Unsigned, the leader refuses it.
	req, err := http.NewRequest(http.MethodPut, leaderURL+"/connectors/eos-fence/fence", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)

	before := cl.fences.Load()
	require.NoError(t, follower.awaitFencing(context.Background(), "eos-fence"))
	require.Greater(t, cl.fences.Load(), before, "the follower asked the leader over HTTP")
	snap := follower.cfgs.Snapshot()
	require.False(t, snap.PendingFencing["eos-fence"])
	require.Equal(t, 0, snap.TaskCountRecords["eos-fence"])
	_, recorded := snap.TaskCountRecords["eos-fence"]
	require.True(t, recorded)
}

func TestPreparingWorkerInteroperatesWithAnEnabledOne(t *testing.T) {
	cl := newEOSCluster(t, "compatible", false, EOSPreparing, EOSEnabled)
	topic := startCount(t, cl, "eos-mixed", 2, 2, nil)
	live := consumeCommitted(t, cl.brokers, topic)
	require.Eventually(t, func() bool {
		most := live.most()
		return most[0] > 10 && most[1] > 10
	}, 60*time.Second, 200*time.Millisecond, "both workers' tasks write")
	// Whichever leads writes the config topic transactionally.
	leads := 0
	for _, h := range cl.live() {
		if _, err := h.leader(); err == nil {
			leads++
		}
	}
	require.Equal(t, 1, leads)
	_, err := eosSupport("sometimes")
	require.Error(t, err)
}

// TestFencedLeaderStopsWritingAndJoinsAgain: another producer claiming
// the leader's transactional id fences it; its next write fails as
// privileged and it joins again, claims the producer anew and writes.
func TestFencedLeaderStopsWritingAndJoinsAgain(t *testing.T) {
	cl := newEOSCluster(t, "compatible", false, EOSEnabled)
	h := cl.order[0]
	require.Eventually(t, func() bool { _, err := h.leader(); return err == nil }, 30*time.Second, 50*time.Millisecond)
	gen := h.currentGeneration()
	usurper := testkafka.Client(t, cl.brokers, kgo.TransactionalID(configtopic.TransactionalID(cl.group)))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	other := testkafka.Topic(t, "usurper")
	testkafka.CreateTopic(t, cl.brokers, other, 1, nil)
	require.NoError(t, usurper.BeginTransaction())
	// The first write initialises the id, fencing the leader's producer.
	require.NoError(t, usurper.ProduceSync(ctx, &kgo.Record{Topic: other, Value: []byte("x")}).FirstErr())
	require.NoError(t, usurper.EndTransaction(ctx, kgo.TryAbort))

	config := map[string]string{"connector.class": "test.CountSource", "tasks.max": "1", "topic": "unused",
		"key.converter": "StringConverter", "value.converter": "StringConverter"}
	_, _, err := h.PutConnectorConfig(ctx, "eos-fenced", config, herder.PutOptions{})
	var pe *configtopic.PrivilegedWriteError
	require.True(t, errors.As(err, &pe), "the fenced write: %v", err)
	var again atomic.Bool
	require.Eventually(t, func() bool {
		if h.currentGeneration() == gen {
			return false
		}
		_, _, err := h.PutConnectorConfig(ctx, "eos-fenced", config, herder.PutOptions{})
		again.Store(err == nil)
		return err == nil
	}, 30*time.Second, 100*time.Millisecond, "the leader joined again and writes")
	require.True(t, again.Load())
}

// TestWorkerDroppedFromTheGroupCannotCommitItsTasks: a worker whose
// heartbeats stop is dropped by the group while its task goes on; the
// task moves to the other worker, whose producer's initialisation fences
// the dropped worker's: that one commits nothing more, and every number
// is read once.
func TestWorkerDroppedFromTheGroupCannotCommitItsTasks(t *testing.T) {
	cl := newEOSCluster(t, "compatible", false, EOSEnabled)
	var frozen atomic.Bool
	cl.skipHeartbeat = frozen.Load
	hung := cl.add()
	topic := startCount(t, cl, "eos-hung", 2, 2, nil)
	other := cl.order[0]
	live := consumeCommitted(t, cl.brokers, topic)
	require.Eventually(t, func() bool { m := live.most(); return m[0] > 5 && m[1] > 5 }, 30*time.Second, 100*time.Millisecond)

	frozen.Store(true)
	require.Eventually(t, func() bool {
		st, err := other.ConnectorStatus(context.Background(), "eos-hung")
		if err != nil || len(st.Tasks) != 2 {
			return false
		}
		for _, ts := range st.Tasks {
			if ts.State != herder.State(statustopic.Running) || ts.WorkerID != other.ID() {
				return false
			}
		}
		return true
	}, 60*time.Second, 100*time.Millisecond, "both tasks RUNNING on the worker left in the group")
	before := live.most()
	require.Eventually(t, func() bool {
		m := live.most()
		return m[0] > before[0]+10 && m[1] > before[1]+10
	}, 30*time.Second, 100*time.Millisecond, "both tasks write on the worker left in the group")
	frozen.Store(false)
	cl.close(hung)
	cl.close(other)
	requireEachOnce(t, readCommitted(t, cl.brokers, topic), 2)
}

func TestExactlyOnceSupportRequiredIsCheckedAtThePut(t *testing.T) {
	enabled := newEOSCluster(t, "compatible", false, EOSEnabled)
	preparing := newEOSCluster(t, "compatible", false, EOSPreparing)
	put := func(cl *cluster, class string) error {
		config := map[string]string{"connector.class": class, "tasks.max": "1", "topic": "t", "exactly.once.support": "required",
			"key.converter": "StringConverter", "value.converter": "StringConverter"}
		var err error
		require.Eventually(t, func() bool {
			_, _, err = cl.order[0].PutConnectorConfig(context.Background(), "required", config, herder.PutOptions{})
			return !errors.Is(err, herder.ErrRebalancing)
		}, 30*time.Second, 50*time.Millisecond)
		return err
	}
	// A connector that does not say it supports exactly-once.
	err := put(enabled, "test.SpreadSource")
	require.ErrorIs(t, err, herder.ErrInvalidConfig)
	require.ErrorContains(t, err, "exactly.once.support=required")
	// A worker preparing for it does not run it.
	err = put(preparing, "test.CountSource")
	require.ErrorIs(t, err, herder.ErrInvalidConfig)
	require.ErrorContains(t, err, "exactly.once.source.support=enabled")
	require.NoError(t, put(enabled, "test.CountSource"))
}

// As Kafka Connect's Worker.fenceZombies, the leader fences a connector's
// earlier task producers with the connector's admin client: a connector
// whose admin.override.* (and producer.override.*) name a principal
// allowed its tasks' transactional ids runs exactly-once on workers whose
// own principal is not, where fencing with the worker's client is refused.
func TestFencingUsesTheConnectorsAdminOverrides(t *testing.T) {
	s := testkafka.SecuredCluster(t)
	cl := &cluster{t: t, brokers: s.Brokers, group: testkafka.Group(t, "connect"), byURL: map[string]*Herder{}, closed: map[*Herder]bool{},
		topics:   [3]string{testkafka.Topic(t, "configs"), testkafka.Topic(t, "status"), testkafka.Topic(t, "offsets")},
		overlap:  &overlap{running: map[string]int{}, starts: map[string]int{}, failing: map[string]bool{}},
		maxDelay: -1, eos: EOSEnabled}
	topic := testkafka.Topic(t, "fenced")
	// The workers' principal may use the internal topics, the group and
	// the leader's transactional id, nothing of the tasks'.
	adm := kadm.NewClient(testkafka.Client(t, nil, s.AdminOpts()...))
	acl := kadm.NewACLs().Allow("User:" + testkafka.SASLUser).ResourcePatternType(kadm.ACLPatternLiteral).Operations(kadm.OpAll).
		Topics(append(cl.topics[:], topic)...).Groups(cl.group).TransactionalIDs(configtopic.TransactionalID(cl.group))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := adm.CreateACLs(ctx, acl)
	require.NoError(t, err)
	for _, r := range res {
		require.NoError(t, r.Err)
	}
	_, err = adm.CreateTopics(ctx, 1, 1, nil, topic)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = adm.DeleteACLs(ctx, acl)
		_, _ = adm.DeleteTopics(ctx, append(cl.topics[:], topic)...)
	})
	jaas := func(user, pass string) string {
		return `org.apache.kafka.common.security.plain.PlainLoginModule required username="` + user + `" password="` + pass + `";`
	}
	cl.configure = func(cfg *Config) {
		cfg.ClientOpts = append(cfg.ClientOpts, s.UserOpts()[1:]...)
		cfg.WorkerOpts = append(cfg.WorkerOpts, worker.ClientConfig(map[string]string{"security.protocol": "SASL_PLAINTEXT",
			"sasl.mechanism": "PLAIN", "sasl.jaas.config": jaas(testkafka.SASLUser, testkafka.SASLUserPassword)}))
	}
	cl.add()
	cl.add()

	config := map[string]string{"connector.class": "test.CountSource", "tasks.max": "2", "topic": topic,
		"key.converter": "StringConverter", "value.converter": "StringConverter"}
	for _, c := range []string{"admin", "producer"} {
		config[c+".override.security.protocol"] = "SASL_PLAINTEXT"
		config[c+".override.sasl.mechanism"] = "PLAIN"
		config[c+".override.sasl.jaas.config"] = jaas(testkafka.SASLAdmin, testkafka.SASLAdminPassword)
	}
	cl.viaLeader(cl.live()[0], func(h *Herder) error {
		_, _, err := h.PutConnectorConfig(context.Background(), "fenced", config, herder.PutOptions{})
		return err
	})
	require.Eventually(t, func() bool {
		return allRunning(cl, "fenced", 2, func(w map[string]bool) bool { return len(w) == 2 })
	}, 60*time.Second, 100*time.Millisecond, "both tasks RUNNING once their producers were fenced")
	consumer := testkafka.Client(t, nil, append(s.AdminOpts(), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))...)
	seen := map[string]bool{}
	require.Eventually(t, func() bool {
		pctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		consumer.PollFetches(pctx).EachRecord(func(r *kgo.Record) { seen[string(r.Value)] = true })
		return seen["0/3"] && seen["1/3"]
	}, 60*time.Second, 10*time.Millisecond, "both tasks commit transactions")
}

// As Kafka Connect's verifyTaskGenerationAndOwnership: an exactly-once
// source task whose worker rebalanced between the task's assignment and
// its producer's initialisation does not start (FAILED, naming the
// rebalance) and writes nothing, as another worker may already run its
// next instance, which the initialisation would fence.
func TestExactlyOnceTaskDoesNotStartAfterTheGroupMovedOn(t *testing.T) {
	cl := newEOSCluster(t, "sessioned", false)
	cl.eos = EOSEnabled
	var h atomic.Pointer[Herder]
	var once sync.Once
	cl.configure = func(cfg *Config) {
		cfg.beforeTaskCheck = func(id worker.TaskID) {
			once.Do(func() {
				// The group rebalances while the task starts; the
				// cooperative protocol leaves it assigned here.
				w := h.Load()
				w.mu.Lock()
				gen := w.generation
				w.mu.Unlock()
				w.rejoin <- struct{}{}
				require.Eventually(t, func() bool {
					w.mu.Lock()
					defer w.mu.Unlock()
					return w.generation > gen
				}, 30*time.Second, 10*time.Millisecond, "a new generation")
			})
		}
	}
	h.Store(cl.add())

	topic := testkafka.Topic(t, "moved")
	testkafka.CreateTopic(t, cl.brokers, topic, 1, nil)
	config := map[string]string{"connector.class": "test.CountSource", "tasks.max": "1", "topic": topic,
		"key.converter": "StringConverter", "value.converter": "StringConverter"}
	cl.viaLeader(cl.live()[0], func(h *Herder) error {
		_, _, err := h.PutConnectorConfig(context.Background(), "moved", config, herder.PutOptions{})
		return err
	})
	var st herder.ConnectorStatus
	require.Eventually(t, func() bool {
		got, err := h.Load().ConnectorStatus(context.Background(), "moved")
		st = got
		return err == nil && len(st.Tasks) == 1 && st.Tasks[0].State == "FAILED"
	}, 60*time.Second, 50*time.Millisecond, "the task FAILED: %+v", st)
	require.Contains(t, st.Tasks[0].Trace, "rebalanced")

	// Nothing was written, committed or not.
	consumer := testkafka.Client(t, cl.brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	fetches := consumer.PollFetches(ctx)
	require.Zero(t, fetches.NumRecords(), "records of a task that should not have started")
}

// As Kafka Connect's verifyTaskGenerationAndOwnership: an exactly-once
// source task whose connector got a new generation of task configurations
// between the task's assignment and its producer's initialisation does
// not start (its check answers with an error naming the change) and
// writes nothing, since it would run an outdated configuration; the new
// generation's task runs.
func TestExactlyOnceTaskDoesNotStartAfterItsTaskConfigsChanged(t *testing.T) {
	cl := newEOSCluster(t, "sessioned", false)
	cl.eos = EOSEnabled
	oldTopic, newTopic := testkafka.Topic(t, "reconfigured-old"), testkafka.Topic(t, "reconfigured-new")
	testkafka.CreateTopic(t, cl.brokers, oldTopic, 1, nil)
	testkafka.CreateTopic(t, cl.brokers, newTopic, 1, nil)
	config := func(topic string) map[string]string {
		return map[string]string{"connector.class": "test.CountSource", "tasks.max": "1", "topic": topic,
			"key.converter": "StringConverter", "value.converter": "StringConverter"}
	}
	var h atomic.Pointer[Herder]
	var once sync.Once
	checked := make(chan error, 1)
	cl.configure = func(cfg *Config) {
		cfg.afterTaskCheck = func(_ worker.TaskID, err error) {
			select {
			case checked <- err:
			default:
			}
		}
		cfg.beforeTaskCheck = func(id worker.TaskID) {
			once.Do(func() {
				// The leader publishes a new generation of task
				// configurations while the task starts, as when the
				// connector asks for a reconfiguration. The herder's
				// reaction to it, stopping this task, waits for the
				// task's start, so only the config topic is awaited.
				w := h.Load()
				snap := w.cfgs.Snapshot()
				gen := snap.TaskConfigGenerations[id.Connector]
				tc := maps.Clone(snap.TaskConfigs[configtopic.TaskID{Connector: id.Connector, Task: id.Task}])
				tc["topic"] = newTopic
				require.NoError(t, w.PutTaskConfigs(context.Background(), id.Connector, []map[string]string{tc}))
				require.Eventually(t, func() bool {
					return w.cfgs.Snapshot().TaskConfigGenerations[id.Connector] > gen
				}, 30*time.Second, 10*time.Millisecond, "a new generation of task configurations")
			})
		}
	}
	h.Store(cl.add())

	cl.viaLeader(cl.live()[0], func(h *Herder) error {
		_, _, err := h.PutConnectorConfig(context.Background(), "reconfigured", config(oldTopic), herder.PutOptions{})
		return err
	})

	// The herder stops the first instance as it reads the new
	// generation, so no FAILED status of it need be written: the check's
	// answer is what says why it did not start.
	var checkErr error
	select {
	case checkErr = <-checked:
	case <-time.After(60 * time.Second):
		t.Fatal("the first task instance was never checked")
	}
	require.ErrorContains(t, checkErr, "task configurations changed")

	// The new generation's task runs and writes to its topic.
	require.Eventually(t, func() bool {
		return allRunning(cl, "reconfigured", 1, func(map[string]bool) bool { return true })
	}, 60*time.Second, 100*time.Millisecond, "the new generation's task RUNNING")
	fresh := testkafka.Client(t, cl.brokers, kgo.ConsumeTopics(newTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		return fresh.PollFetches(ctx).NumRecords() > 0
	}, 60*time.Second, 10*time.Millisecond, "the new generation's task commits records")

	// The first instance wrote nothing, committed or not.
	consumer := testkafka.Client(t, cl.brokers, kgo.ConsumeTopics(oldTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	require.Zero(t, consumer.PollFetches(ctx).NumRecords(), "records of a task that should not have started")
}
