package connectassign

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/connectproto"
)

// harness replays IncrementalCooperativeAssignorTest's rounds: members
// report what they run, the assignor decides, and members apply what it
// decided as workers do.
type harness struct {
	t          *testing.T
	maxDelay   time.Duration
	now        int64
	a          *Incremental
	connectors map[string]int
	order      []string // members in the order they joined
	members    map[string]*load
	generation int32
	last       result
	name       string // for TestMatchesKafka
	round      int
}

type fixedConfigs struct{ s func() Snapshot }

func (f fixedConfigs) Snapshot() Snapshot { return f.s() }
func (f fixedConfigs) Fresh() Snapshot    { return f.s() }

func newHarness(t *testing.T, maxDelay time.Duration) *harness {
	h := &harness{t: t, maxDelay: maxDelay, now: 1_700_000_000_000, generation: 1000,
		connectors: map[string]int{"connector1": 4, "connector2": 4}, members: map[string]*load{}}
	h.addWorkers("worker1")
	h.initAssignor()
	return h
}

func (h *harness) snapshot() Snapshot {
	return Snapshot{Offset: 618, Tasks: maps.Clone(h.connectors)}
}

// initAssignor starts a fresh assignor, as a new leader has, that takes
// the current generation as its last.
func (h *harness) initAssignor() {
	a, err := NewIncremental(Config{Configs: fixedConfigs{h.snapshot}, MaxDelay: h.maxDelay,
		LastCompletedGeneration: func() int32 { return h.generation },
		Now:                     func() time.Time { return time.UnixMilli(h.now) }})
	require.NoError(h.t, err)
	a.previousGeneration = h.generation
	h.a = a
}

func (h *harness) addWorkers(ws ...string) {
	for _, w := range ws {
		h.addWorker(w, nil, nil)
	}
}

func (h *harness) addWorker(w string, conns []string, tasks []taskID) {
	require.NotContains(h.t, h.members, w)
	h.order = append(h.order, w)
	h.members[w] = &load{worker: w, conns: conns, tasks: tasks}
}

func (h *harness) removeWorkers(ws ...string) {
	for _, w := range ws {
		require.Contains(h.t, h.members, w)
		delete(h.members, w)
		h.order = slices.DeleteFunc(h.order, func(x string) bool { return x == w })
	}
}

func (h *harness) sleep(ms int64) { h.now += ms }

// rebalance runs a round; failed drops its outcome, as when the
// assignment never reaches the members; mismatch makes the last
// completed generation one the assignor did not assign.
func (h *harness) rebalance(failed, mismatch bool) {
	h.generation++
	last := h.generation - 1
	if mismatch {
		last = h.generation - 2
	}
	var members []*load
	for _, w := range hashOrder(h.order) {
		members = append(members, h.members[w].clone())
	}
	h.last = h.a.assign(h.snapshot(), last, h.generation, members)
	h.noRedundantAssignments()
	if failed {
		return
	}
	for _, w := range h.order {
		m := h.members[w]
		m.removeAll(setOf(h.last.revokedConns[w]), setOf(h.last.revokedTasks[w]))
		m.conns = append(m.conns, h.last.newConns[w]...)
		m.tasks = append(m.tasks, h.last.newTasks[w]...)
		require.ElementsMatch(h.t, m.conns, h.last.allConns[w], "connectors of %s", w)
		require.ElementsMatch(h.t, m.tasks, h.last.allTasks[w], "tasks of %s", w)
	}
}

func (h *harness) noRedundantAssignments() {
	seen := map[string]bool{}
	seenT := map[taskID]bool{}
	for _, w := range h.order {
		for _, c := range h.last.newConns[w] {
			require.False(h.t, seen[c], "connector %s newly assigned twice", c)
			seen[c] = true
		}
		for _, t := range h.last.newTasks[w] {
			require.False(h.t, seenT[t], "task %s newly assigned twice", t)
			seenT[t] = true
		}
	}
	for _, m := range h.members {
		for _, c := range m.conns {
			require.False(h.t, seen[c], "connector %s newly assigned but already running", c)
		}
	}
}

func (h *harness) allocations(tasks bool) []int {
	var out []int
	for _, m := range h.members {
		if tasks {
			out = append(out, len(m.tasks))
		} else {
			out = append(out, len(m.conns))
		}
	}
	slices.Sort(out)
	return out
}

// check is one round's expectations; nil fields are not checked.
type check struct {
	delay          *int32
	delayAbove     *int32
	workers        []string
	conns, tasks   []int
	balanced       bool
	noRevocations  bool
	emptyAssigment bool
}

func (h *harness) check(c check) {
	t := h.t
	t.Helper()
	if c.delay != nil {
		require.Equal(t, *c.delay, h.a.delay, "delay")
	}
	if c.delayAbove != nil {
		require.Greater(t, h.a.delay, *c.delayAbove, "delay")
	}
	if c.workers != nil {
		require.ElementsMatch(t, c.workers, slices.Collect(maps.Keys(h.last.allConns)), "workers")
	}
	if c.conns != nil {
		want := slices.Clone(c.conns)
		slices.Sort(want)
		require.Equal(t, want, h.allocations(false), "connector allocations")
	}
	if c.tasks != nil {
		want := slices.Clone(c.tasks)
		slices.Sort(want)
		require.Equal(t, want, h.allocations(true), "task allocations")
	}
	if c.noRevocations || c.emptyAssigment {
		for w := range h.last.revokedConns {
			require.Empty(t, h.last.revokedConns[w], "connectors revoked from %s", w)
			require.Empty(t, h.last.revokedTasks[w], "tasks revoked from %s", w)
		}
	}
	if c.emptyAssigment {
		for w := range h.last.newConns {
			require.Empty(t, h.last.newConns[w], "connectors assigned to %s", w)
			require.Empty(t, h.last.newTasks[w], "tasks assigned to %s", w)
		}
	}
	if c.balanced {
		cs, ts := h.allocations(false), h.allocations(true)
		require.LessOrEqual(t, cs[len(cs)-1]-cs[0], 1, "connectors spread %v", cs)
		require.LessOrEqual(t, ts[len(ts)-1]-ts[0], 1, "tasks spread %v", ts)
		conns := map[string]bool{}
		tasks := map[taskID]bool{}
		for _, m := range h.members {
			for _, c := range m.conns {
				conns[c] = true
			}
			for _, t := range m.tasks {
				tasks[t] = true
			}
		}
		want, wantT := map[string]bool{}, map[taskID]bool{}
		for c, n := range h.connectors {
			want[c] = true
			for i := range n {
				wantT[taskID{Connector: c, Task: int32(i)}] = true
			}
		}
		require.Equal(t, want, conns, "connectors assigned")
		require.Equal(t, wantT, tasks, "tasks assigned")
	}
}

func d(v int32) *int32 { return &v }

// step is one action of a scenario.
type step func(h *harness)

func workersJoin(ws ...string) step  { return func(h *harness) { h.addWorkers(ws...) } }
func workersLeave(ws ...string) step { return func(h *harness) { h.removeWorkers(ws...) } }
func connectorAdded(c string, n int) step {
	return func(h *harness) { h.connectors[c] = n }
}
func connectorDeleted(c string) step { return func(h *harness) { delete(h.connectors, c) } }
func sleepMs(ms int64) step          { return func(h *harness) { h.sleep(ms) } }

// sleepDelay sleeps the assignor's current delay divided by div.
func sleepDelay(div int64) step { return func(h *harness) { h.sleep(int64(h.a.delay) / div) } }
func newLeader() step           { return func(h *harness) { h.initAssignor() } }
func rebalance(c check) step {
	return func(h *harness) { h.rebalance(false, false); h.check(c) }
}
func failedRebalance(c check) step {
	return func(h *harness) { h.rebalance(true, false); h.check(c) }
}
func mismatchedRebalance(c check) step {
	return func(h *harness) { h.rebalance(false, true); h.check(c) }
}
func duplicateWorker(w string, conns []string, tasks []taskID) step {
	return func(h *harness) { h.addWorker(w, conns, tasks) }
}

func tasksOf(c string, from, to int) []taskID {
	var out []taskID
	for i := from; i < to; i++ {
		out = append(out, taskID{Connector: c, Task: int32(i)})
	}
	return out
}

const defaultDelay = 300000

// TestIncrementalScenarios ports IncrementalCooperativeAssignorTest's
// scenarios: each starts with worker1 and connector1 and connector2 of
// four tasks each, and scheduled.rebalance.max.delay.ms at its default
// unless the case says otherwise.
func TestIncrementalScenarios(t *testing.T) {
	cases := []struct {
		name     string
		maxDelay time.Duration
		steps    []step
	}{
		{"TaskAssignmentWhenWorkerJoins", DefaultMaxDelay, []step{
			rebalance(check{delay: d(0), workers: []string{"worker1"}, conns: []int{2}, tasks: []int{8}, balanced: true}),
			workersJoin("worker2"),
			rebalance(check{delay: d(0), workers: []string{"worker1", "worker2"}, conns: []int{0, 1}, tasks: []int{0, 4}}),
			rebalance(check{noRevocations: true, delay: d(0), conns: []int{1, 1}, tasks: []int{4, 4}, balanced: true}),
			sleepDelay(1),
			rebalance(check{delay: d(0), emptyAssigment: true}),
		}},
		{"AssignmentsWhenWorkersJoinAfterRevocations", DefaultMaxDelay, []step{
			connectorAdded("connector3", 4),
			rebalance(check{delay: d(0), workers: []string{"worker1"}, conns: []int{3}, tasks: []int{12}, balanced: true}),
			workersJoin("worker2"),
			rebalance(check{workers: []string{"worker1", "worker2"}, conns: []int{0, 2}, tasks: []int{0, 6}}),
			workersJoin("worker3"),
			rebalance(check{delayAbove: d(0), conns: []int{0, 1, 2}, tasks: []int{3, 3, 6}}),
			sleepDelay(1), workersJoin("worker4"),
			rebalance(check{conns: []int{0, 0, 1, 1}, tasks: []int{0, 3, 3, 3}}),
			workersJoin("worker5"),
			rebalance(check{delayAbove: d(40), conns: []int{0, 0, 1, 1, 1}, tasks: []int{1, 2, 3, 3, 3}}),
			sleepDelay(1), workersJoin("worker6"),
			rebalance(check{delay: d(0), conns: []int{0, 0, 0, 1, 1, 1}, tasks: []int{0, 1, 2, 2, 2, 2}}),
			rebalance(check{conns: []int{0, 0, 0, 1, 1, 1}, tasks: []int{2, 2, 2, 2, 2, 2}, balanced: true}),
		}},
		{"ImmediateRevocationsWhenMaxDelayIs0", 0, []step{
			connectorAdded("connector3", 4),
			rebalance(check{delay: d(0), conns: []int{3}, tasks: []int{12}, balanced: true}),
			workersJoin("worker2"),
			rebalance(check{conns: []int{0, 2}, tasks: []int{0, 6}}),
			workersJoin("worker3"),
			rebalance(check{delay: d(0), conns: []int{0, 1, 1}, tasks: []int{3, 3, 4}}),
			rebalance(check{noRevocations: true, conns: []int{1, 1, 1}, tasks: []int{4, 4, 4}, balanced: true}),
		}},
		{"SuccessiveRevocationsWhenMaxDelayIsEqualToExpBackOffInitialInterval", time.Millisecond, []step{
			connectorAdded("connector3", 4),
			rebalance(check{delay: d(0), conns: []int{3}, tasks: []int{12}, balanced: true}),
			workersJoin("worker2"),
			rebalance(check{conns: []int{0, 2}, tasks: []int{0, 6}}),
			workersJoin("worker3"),
			rebalance(check{delay: d(1), conns: []int{0, 1, 2}, tasks: []int{3, 3, 6}}),
		}},
		{"WorkerJoiningDuringDelayedRebalance", DefaultMaxDelay, []step{
			connectorAdded("connector3", 4),
			rebalance(check{delay: d(0), conns: []int{3}, tasks: []int{12}, balanced: true}),
			workersJoin("worker2"),
			rebalance(check{conns: []int{0, 2}, tasks: []int{0, 6}}),
			workersJoin("worker3"),
			rebalance(check{delayAbove: d(0), noRevocations: true, conns: []int{0, 1, 2}, tasks: []int{3, 3, 6}}),
			sleepDelay(2), workersJoin("worker4"),
			rebalance(check{delayAbove: d(0), noRevocations: true, conns: []int{0, 0, 1, 2}, tasks: []int{0, 3, 3, 6}}),
			sleepDelay(1), workersJoin("worker5"),
			rebalance(check{delay: d(0), conns: []int{0, 0, 0, 1, 1}, tasks: []int{0, 0, 2, 3, 3}}),
			rebalance(check{delay: d(0), noRevocations: true, conns: []int{0, 0, 1, 1, 1}, tasks: []int{2, 2, 2, 3, 3}, balanced: true}),
		}},
		{"TaskAssignmentWhenWorkerLeavesPermanently", DefaultMaxDelay, []step{
			workersJoin("worker2"),
			rebalance(check{delay: d(0), conns: []int{1, 1}, tasks: []int{4, 4}, balanced: true}),
			workersLeave("worker2"),
			rebalance(check{delay: d(defaultDelay), workers: []string{"worker1"}, emptyAssigment: true}),
			sleepMs(defaultDelay / 2),
			rebalance(check{delay: d(defaultDelay / 2), emptyAssigment: true}),
			sleepMs(defaultDelay/2 + 1),
			rebalance(check{delay: d(0), conns: []int{2}, tasks: []int{8}, balanced: true}),
		}},
		{"TaskAssignmentWhenWorkerBounces", DefaultMaxDelay, []step{
			workersJoin("worker2"),
			rebalance(check{delay: d(0), conns: []int{1, 1}, tasks: []int{4, 4}, balanced: true}),
			workersLeave("worker2"),
			rebalance(check{delay: d(defaultDelay), emptyAssigment: true}),
			sleepMs(defaultDelay / 2),
			rebalance(check{delay: d(defaultDelay / 2), emptyAssigment: true}),
			sleepMs(defaultDelay / 4), workersJoin("worker2"),
			rebalance(check{delay: d(defaultDelay / 4), workers: []string{"worker1", "worker2"}, emptyAssigment: true}),
			sleepMs(defaultDelay / 4),
			rebalance(check{delay: d(0), noRevocations: true, conns: []int{1, 1}, tasks: []int{4, 4}, balanced: true}),
		}},
		{"TaskAssignmentWhenLeaderLeavesPermanently", DefaultMaxDelay, []step{
			workersJoin("worker2", "worker3"),
			rebalance(check{delay: d(0), conns: []int{0, 1, 1}, tasks: []int{2, 3, 3}, balanced: true}),
			workersLeave("worker1"), newLeader(),
			rebalance(check{delay: d(0), workers: []string{"worker2", "worker3"}, conns: []int{1, 1}, tasks: []int{4, 4}, balanced: true}),
			rebalance(check{delay: d(0), emptyAssigment: true}),
		}},
		{"TaskAssignmentWhenLeaderBounces", DefaultMaxDelay, []step{
			workersJoin("worker2", "worker3"),
			rebalance(check{delay: d(0), conns: []int{0, 1, 1}, tasks: []int{2, 3, 3}, balanced: true}),
			workersLeave("worker1"), newLeader(),
			rebalance(check{delay: d(0), conns: []int{1, 1}, tasks: []int{4, 4}, balanced: true}),
			workersJoin("worker1"),
			rebalance(check{delay: d(0), conns: []int{0, 1, 1}, tasks: []int{0, 3, 3}}),
			rebalance(check{delay: d(0), noRevocations: true, conns: []int{0, 1, 1}, tasks: []int{2, 3, 3}, balanced: true}),
		}},
		{"TaskAssignmentWhenFirstAssignmentAttemptFails", DefaultMaxDelay, []step{
			workersJoin("worker2"),
			failedRebalance(check{delay: d(0), conns: []int{0, 0}, tasks: []int{0, 0}}),
			rebalance(check{delay: d(0), conns: []int{1, 1}, tasks: []int{4, 4}, balanced: true}),
		}},
		{"TaskAssignmentWhenSubsequentAssignmentAttemptFails", DefaultMaxDelay, []step{
			workersJoin("worker2"),
			rebalance(check{delay: d(0), conns: []int{1, 1}, tasks: []int{4, 4}, balanced: true}),
			workersJoin("worker3"),
			failedRebalance(check{delay: d(0), conns: []int{0, 1, 1}, tasks: []int{0, 4, 4}}),
			rebalance(check{delayAbove: d(0), conns: []int{0, 1, 1}, tasks: []int{0, 4, 4}}),
			sleepDelay(1),
			rebalance(check{delay: d(0), conns: []int{0, 1, 1}, tasks: []int{0, 3, 3}}),
			rebalance(check{conns: []int{0, 1, 1}, tasks: []int{2, 3, 3}, balanced: true}),
		}},
		{"TaskAssignmentWhenSubsequentAssignmentAttemptFailsOutsideTheAssignor", DefaultMaxDelay, []step{
			workersJoin("worker2"),
			rebalance(check{delay: d(0), conns: []int{1, 1}, tasks: []int{4, 4}, balanced: true}),
			workersJoin("worker3"),
			failedRebalance(check{delay: d(0), conns: []int{0, 1, 1}, tasks: []int{0, 4, 4}}),
			mismatchedRebalance(check{delayAbove: d(0), conns: []int{0, 1, 1}, tasks: []int{0, 4, 4}}),
			sleepDelay(1),
			rebalance(check{conns: []int{0, 1, 1}, tasks: []int{0, 3, 3}}),
			rebalance(check{conns: []int{0, 1, 1}, tasks: []int{2, 3, 3}, balanced: true}),
		}},
		{"TaskAssignmentWhenConnectorsAreDeleted", DefaultMaxDelay, []step{
			connectorAdded("connector3", 4), workersJoin("worker2"),
			rebalance(check{delay: d(0), conns: []int{1, 2}, tasks: []int{6, 6}, balanced: true}),
			connectorDeleted("connector3"),
			rebalance(check{delay: d(0), conns: []int{1, 1}, tasks: []int{4, 4}, balanced: true}),
		}},
		{"TaskAssignmentWhenTasksDuplicatedInWorkerAssignment", DefaultMaxDelay, []step{
			rebalance(check{delay: d(0), conns: []int{2}, tasks: []int{8}, balanced: true}),
			duplicateWorker("worker2", []string{"connector1"}, tasksOf("connector1", 0, 4)),
			rebalance(check{delay: d(0), workers: []string{"worker1", "worker2"}, conns: []int{0, 1}, tasks: []int{0, 4}}),
			rebalance(check{delay: d(0), noRevocations: true, conns: []int{1, 1}, tasks: []int{4, 4}, balanced: true}),
			rebalance(check{delay: d(0), emptyAssigment: true}),
		}},
		{"DuplicatedAssignmentHandleWhenTheDuplicatedAssignmentsDeleted", DefaultMaxDelay, []step{
			rebalance(check{delay: d(0), conns: []int{2}, tasks: []int{8}, balanced: true}),
			connectorDeleted("connector1"),
			duplicateWorker("worker2", []string{"connector1"}, tasksOf("connector1", 0, 4)),
			rebalance(check{delay: d(0), conns: []int{0, 1}, tasks: []int{0, 2}}),
			rebalance(check{delay: d(0), noRevocations: true, conns: []int{0, 1}, tasks: []int{2, 2}, balanced: true}),
			sleepDelay(1),
			rebalance(check{delay: d(0), emptyAssigment: true}),
		}},
		{"ScheduledDelayIsDisabled", 0, []step{
			workersJoin("worker2"),
			rebalance(check{delay: d(0), workers: []string{"worker1", "worker2"}, conns: []int{1, 1}, tasks: []int{4, 4}, balanced: true}),
			workersLeave("worker2"),
			rebalance(check{delay: d(0), workers: []string{"worker1"}, conns: []int{2}, tasks: []int{8}, balanced: true}),
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, c.maxDelay)
			for i, s := range c.steps {
				t.Logf("step %d", i)
				s(h)
			}
		})
	}
}

func names(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

func tasksNamed(from, to int) []taskID { return tasksOf("task", from, to) }

func workerLoad(w string, connFrom, connN, taskFrom, taskN int) *load {
	return &load{worker: w, conns: names("connector", connFrom, connFrom+connN), tasks: tasksNamed(taskFrom, taskFrom+taskN)}
}

// TestAssignConnectorsAndTasks ports testAssignConnectorsWhenBalanced,
// testAssignTasksWhenBalanced and testAssignConnectorsWhenImbalanced.
func TestAssignConnectorsAndTasks(t *testing.T) {
	t.Run("Balanced", func(t *testing.T) {
		ws := []*load{workerLoad("worker0", 0, 2, 0, 2), workerLoad("worker1", 2, 2, 2, 2), workerLoad("worker2", 4, 2, 4, 2)}
		assignConnectors(ws, names("connector", 6, 11))
		assignTasks(ws, tasksNamed(6, 11))
		want := [][]string{{"connector0", "connector1", "connector6", "connector9"},
			{"connector2", "connector3", "connector7", "connector10"}, {"connector4", "connector5", "connector8"}}
		wantT := [][]int32{{0, 1, 6, 9}, {2, 3, 7, 10}, {4, 5, 8}}
		for i, w := range ws {
			require.Equal(t, fmt.Sprint("worker", i), w.worker)
			require.Equal(t, want[i], w.conns)
			var got []int32
			for _, tk := range w.tasks {
				got = append(got, tk.Task)
			}
			require.Equal(t, wantT[i], got)
		}
	})
	t.Run("Imbalanced", func(t *testing.T) {
		ws := []*load{workerLoad("worker0", 0, 2, 0, 2), workerLoad("worker1", 2, 3, 2, 3),
			workerLoad("worker2", 5, 4, 5, 4), {worker: "worker3"}}
		assignConnectors(ws, names("connector", 9, 24))
		assignTasks(ws, tasksNamed(9, 24))
		for _, w := range ws {
			require.Len(t, w.conns, 6, w.worker)
			require.Len(t, w.tasks, 6, w.worker)
		}
	})
}

// lostRound is one call of handleLost in TestHandleLost: the workers
// present (empty ones come back with nothing), whether worker1's load is
// lost, the time slept before, and what the assignor must hold after.
type lostRound struct {
	sleep      int64
	workers    map[string]*load
	lost       bool
	candidates []string
	scheduled  int64 // from now; -1 for none (0)
	delay      int32
	// reassigned says the lost load comes back to be assigned as new;
	// to says it went to these workers instead.
	reassigned bool
	to         []string
}

// TestHandleLost ports the testLostAssignmentHandling* cases, which drive
// handleLostAssignments directly: worker0, worker1 and worker2 run two
// connectors and four tasks each, then worker1's are lost.
func TestHandleLost(t *testing.T) {
	const delay = defaultDelay
	full := func() map[string]*load {
		return map[string]*load{"worker0": workerLoad("worker0", 0, 2, 0, 4), "worker1": workerLoad("worker1", 2, 2, 4, 4),
			"worker2": workerLoad("worker2", 4, 2, 8, 4)}
	}
	without1 := func(extra ...*load) map[string]*load {
		m := full()
		delete(m, "worker1")
		for _, l := range extra {
			m[l.worker] = l
		}
		return m
	}
	empty := func(w string) *load { return &load{worker: w} }
	cases := []struct {
		name     string
		maxDelay time.Duration
		rounds   []lostRound
	}{
		{"WhenWorkerBounces", DefaultMaxDelay, []lostRound{
			{workers: full(), scheduled: -1},
			{workers: without1(), lost: true, scheduled: delay, delay: delay},
			{sleep: delay / 2, workers: without1(empty("worker1")), lost: true, candidates: []string{"worker1"}, scheduled: delay / 2, delay: delay / 2},
			{sleep: delay / 2, workers: without1(empty("worker1")), lost: true, scheduled: -1, to: []string{"worker1"}},
		}},
		{"WhenWorkerLeavesPermanently", DefaultMaxDelay, []lostRound{
			{workers: full(), scheduled: -1},
			{workers: without1(), lost: true, scheduled: delay, delay: delay},
			{sleep: delay / 2, workers: without1(), lost: true, scheduled: delay / 2, delay: delay / 2},
			{sleep: delay / 2, workers: without1(), lost: true, scheduled: -1, reassigned: true},
		}},
		{"WithMoreThanOneCandidates", DefaultMaxDelay, []lostRound{
			{workers: full(), scheduled: -1},
			{workers: without1(empty("worker3")), lost: true, candidates: []string{"worker3"}, scheduled: delay, delay: delay},
			{sleep: delay / 2, workers: without1(empty("worker3"), empty("worker1")), lost: true, candidates: []string{"worker3", "worker1"}, scheduled: delay / 2, delay: delay / 2},
			{sleep: delay / 2, workers: without1(workerLoad("worker1", 6, 2, 8, 4), workerLoad("worker3", 8, 2, 12, 4)), lost: true, scheduled: -1, to: []string{"worker3", "worker1"}},
		}},
		{"WhenWorkerBouncesBackButFinallyLeaves", DefaultMaxDelay, []lostRound{
			{workers: full(), scheduled: -1},
			{workers: without1(), lost: true, scheduled: delay, delay: delay},
			{sleep: delay / 2, workers: without1(empty("worker1")), lost: true, candidates: []string{"worker1"}, scheduled: delay / 2, delay: delay / 2},
			{sleep: delay / 2, workers: without1(), lost: true, scheduled: -1, reassigned: true},
		}},
		{"WhenScheduledDelayIsDisabled", 0, []lostRound{
			{workers: full(), scheduled: -1},
			{workers: without1(), lost: true, scheduled: -1, reassigned: true},
		}},
	}
	lostLoad := workerLoad("worker1", 2, 2, 4, 4)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, c.maxDelay)
			a := h.a
			for i, r := range c.rounds {
				h.sleep(r.sleep)
				var ws []string
				for w := range r.workers {
					ws = append(ws, w)
				}
				slices.Sort(ws)
				var next []*load
				for _, w := range hashOrder(ws) {
					next = append(next, r.workers[w])
				}
				var lc []string
				var lt []taskID
				if r.lost {
					lc, lt = lostLoad.conns, lostLoad.tasks
				}
				rc, rt := a.handleLost(lc, lt, next)
				require.ElementsMatch(t, r.candidates, a.candidates, "round %d: candidates", i)
				want := int64(0)
				if r.scheduled >= 0 {
					want = h.now + r.scheduled
				}
				require.Equal(t, want, a.scheduledRebalance, "round %d: scheduled rebalance", i)
				require.Equal(t, r.delay, a.delay, "round %d: delay", i)
				if r.reassigned {
					require.Equal(t, lostLoad.conns, rc, "round %d", i)
					require.Equal(t, lostLoad.tasks, rt, "round %d", i)
				} else {
					require.Empty(t, rc, "round %d", i)
					require.Empty(t, rt, "round %d", i)
				}
				if r.to != nil {
					var got []string
					var gotT []taskID
					for _, w := range r.to {
						got = append(got, r.workers[w].conns...)
						gotT = append(gotT, r.workers[w].tasks...)
					}
					require.Subset(t, got, lostLoad.conns, "round %d", i)
					require.Subset(t, gotT, lostLoad.tasks, "round %d", i)
				}
				a.previousMembers = setOf(ws)
			}
		})
	}
}

var _ = connectproto.V1

func TestReleasedMembersWorkIsAssignedAtOnce(t *testing.T) {
	for _, release := range []bool{false, true} {
		t.Run(fmt.Sprint("release=", release), func(t *testing.T) {
			h := newHarness(t, DefaultMaxDelay)
			h.addWorkers("worker2")
			h.rebalance(false, false)
			h.rebalance(false, false)
			h.check(check{balanced: true, delay: d(0)})
			h.removeWorkers("worker2")
			if release {
				h.a.Release("worker2")
			}
			h.rebalance(false, false)
			if release {
				// Given to the worker left without a delay.
				h.check(check{delay: d(0), conns: []int{2}, tasks: []int{8}})
			} else {
				h.check(check{delay: d(int32(DefaultMaxDelay.Milliseconds())), conns: []int{1}, tasks: []int{4}})
			}
		})
	}
}
