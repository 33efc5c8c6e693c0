package connectassign

import (
	"context"
	"math"
	"slices"
	"sync"

	"github.com/kconnect-go/kconnect/internal/connectproto"
	"github.com/kconnect-go/kconnect/internal/workergroup"
)

type taskID = connectproto.TaskID

// Incremental is Kafka's IncrementalCooperativeAssignor, the assignor of
// protocols "compatible" and "sessioned" (KIP-415). Members keep what
// they run across rebalances; a round only assigns what is new, revokes
// what was deleted, duplicated or is needed to balance the load, and holds
// back the connectors and tasks of a member that left for up to
// scheduled.rebalance.max.delay.ms, in case it comes back. What each
// member runs is read from the assignment its metadata carries, and the
// assignor remembers what it handed out in the round before.
type Incremental struct {
	base
	maxDelay int32 // milliseconds
	backoff  expBackoff

	round sync.Mutex
	// What the assignor remembers between rounds, as Kafka's fields of
	// the same names.
	previousConns      map[string]bool
	previousTasks      map[taskID]bool
	revocationConns    map[string]bool
	revocationTasks    map[taskID]bool
	revokedInPrevious  bool
	candidates         []string // an insertion-ordered set
	scheduledRebalance int64    // milliseconds since the epoch; 0 when none
	delay              int32    // milliseconds
	previousGeneration int32
	previousMembers    map[string]bool
	// lastConns and lastTasks are what each member runs once the last
	// round is carried out, for Release.
	lastConns           map[string][]string
	lastTasks           map[string][]taskID
	successiveRevokings int64
}

// NewIncremental returns an incremental cooperative assignor.
func NewIncremental(cfg Config) (*Incremental, error) {
	a := &Incremental{previousGeneration: -1}
	if err := a.init(cfg); err != nil {
		return nil, err
	}
	ms := min(cfg.MaxDelay.Milliseconds(), math.MaxInt32)
	initial := int64(1)
	if ms == 0 {
		initial = 0
	}
	a.maxDelay, a.backoff = int32(ms), newExpBackoff(initial, 40, ms)
	return a, nil
}

// Assign decides the round's assignments; it has
// workergroup.Config.Assign's signature. Each member's assignment lists
// what it must start and what it must stop, in the order Kafka's
// assignor lists them (so the bytes are a JVM leader's, and a worker
// that keeps what it starts in that order reports it as a JVM worker
// would), and the delay after
// which it must rejoin when lost connectors and tasks are held back or
// revocations are postponed; all carry the leader, its REST URL, the
// config offset assigned at and the group's protocol version. When the
// leader is behind a member even after Fresh, every member gets
// ConfigMismatch and the assignor's memory is unchanged. It fails when
// the group has no member or its leader is not among them.
//
// Where Kafka's decision follows its HashMap of members (which worker
// keeps one extra task when revoking for balance), members are taken in
// the order such a map iterates when filled in g.Members' order; Kafka
// fills it in JoinGroup response order, so the two agree unless two
// member ids share a hash bucket and g.Members lists them in another
// order than the coordinator did. What a member runs is taken in the
// order its metadata lists it: Kafka revokes the first ones listed.
func (a *Incremental) Assign(_ context.Context, g workergroup.Group) (map[string]*connectproto.Assignment, error) {
	if err := checkGroup(g); err != nil {
		return nil, err
	}
	a.round.Lock()
	defer a.round.Unlock()
	snap, offset, ok := a.leaderSnapshot(g)
	if !ok {
		return workergroup.MismatchAssignments(g), nil
	}
	ids := make([]string, len(g.Members))
	held := make(map[string]*load, len(g.Members))
	for i, m := range g.Members {
		ids[i] = m.ID
		l := &load{worker: m.ID}
		if m.Assignment != nil {
			l.conns = distinctConns(m.Assignment.Connectors)
			l.tasks = distinctTasks(m.Assignment.Tasks)
		}
		held[m.ID] = l
	}
	members := make([]*load, len(ids))
	for i, id := range hashOrder(ids) {
		members[i] = held[id]
	}
	r := a.assign(snap, a.cfg.LastCompletedGeneration(), g.Generation, members)
	a.setState(g, r.allConns, r.allTasks)
	leaderURL := g.Leader().URL
	out := make(map[string]*connectproto.Assignment, len(ids))
	for _, id := range ids {
		as := &connectproto.Assignment{Version: g.Protocol, Leader: g.LeaderID, LeaderURL: leaderURL,
			ConfigOffset: offset, Delay: a.delay,
			Connectors: r.newConns[id], Tasks: r.newTasks[id],
			RevokedConnectors: r.revokedConns[id], RevokedTasks: r.revokedTasks[id]}
		out[id] = as
	}
	return out, nil
}

// Release forgets what the members given ran after the last round, for
// members that left the group having stopped all of it (a worker's
// graceful shutdown), so that the next round assigns it at once, as new,
// instead of holding it back for scheduled.rebalance.max.delay.ms in case
// they come back. Kafka's assignor cannot tell such a member from one
// that vanished, and holds back both; the caller tells them apart.
func (a *Incremental) Release(members ...string) {
	a.round.Lock()
	defer a.round.Unlock()
	for _, m := range members {
		if !a.previousMembers[m] {
			continue
		}
		delete(a.previousMembers, m)
		for _, c := range a.lastConns[m] {
			delete(a.previousConns, c)
		}
		for _, t := range a.lastTasks[m] {
			delete(a.previousTasks, t)
		}
	}
}

// load is what one worker runs (Kafka's WorkerLoad and a member's
// ConnectorsAndTasks): ordered, without repeats.
type load struct {
	worker string
	conns  []string
	tasks  []taskID
}

func (l *load) empty() bool { return len(l.conns) == 0 && len(l.tasks) == 0 }

func (l *load) clone() *load {
	return &load{worker: l.worker, conns: slices.Clone(l.conns), tasks: slices.Clone(l.tasks)}
}

// removeAll drops from l what is in the sets.
func (l *load) removeAll(conns map[string]bool, tasks map[taskID]bool) {
	l.conns = slices.DeleteFunc(l.conns, func(c string) bool { return conns[c] })
	l.tasks = slices.DeleteFunc(l.tasks, func(t taskID) bool { return tasks[t] })
}

// revocation is what is revoked from one worker, in the order Kafka's
// LinkedHashSets list it (the order it goes on the wire).
type revocation struct {
	conns    map[string]bool
	tasks    map[taskID]bool
	connList []string
	taskList []taskID
}

func (r *revocation) addConn(c string) {
	if !r.conns[c] {
		r.conns[c] = true
		r.connList = append(r.connList, c)
	}
}

func (r *revocation) addTask(t taskID) {
	if !r.tasks[t] {
		r.tasks[t] = true
		r.taskList = append(r.taskList, t)
	}
}

func (r *revocation) addAll(o *revocation) {
	for _, c := range o.connList {
		r.addConn(c)
	}
	for _, t := range o.taskList {
		r.addTask(t)
	}
}

func newRevocation() *revocation {
	return &revocation{conns: map[string]bool{}, tasks: map[taskID]bool{}}
}

// result is a round's decision by worker (Kafka's ClusterAssignment).
type result struct {
	newConns, revokedConns, allConns map[string][]string
	newTasks, revokedTasks, allTasks map[string][]taskID
}

// assign is performTaskAssignment: members come in the order Kafka's
// HashMap of them iterates.
func (a *Incremental) assign(snap Snapshot, lastCompleted, generation int32, members []*load) result {
	if a.previousGeneration != lastCompleted {
		// The members may never have received what this leader assigned
		// last; only their metadata can be trusted.
		a.previousConns, a.previousTasks = nil, nil
	}
	confConns, confTasks := configuredTasks(snap)
	configuredConns, configuredTasks := setOf(confConns), setOf(confTasks)

	activeConns, activeTasks := map[string]bool{}, map[taskID]bool{}
	connCount, taskCount := map[string]int{}, map[taskID]int{}
	for _, m := range members {
		for _, c := range m.conns {
			activeConns[c] = true
			connCount[c]++
		}
		for _, t := range m.tasks {
			activeTasks[t] = true
			taskCount[t]++
		}
	}

	if len(a.revocationConns) > 0 || len(a.revocationTasks) > 0 {
		// A revocation of the round before did not take effect: start
		// again from what the members run.
		if anyIn(a.revocationConns, activeConns) || anyIn(a.revocationTasks, activeTasks) {
			a.previousConns, a.previousTasks = copySet(activeConns), copySet(activeTasks)
		}
		a.revocationConns, a.revocationTasks = nil, nil
	}

	deletedConns := minus(a.previousConns, configuredConns)
	deletedTasks := minus(a.previousTasks, configuredTasks)
	dupConns, dupTasks := map[string]bool{}, map[taskID]bool{}
	for c, n := range connCount {
		if n > 1 {
			dupConns[c] = true
		}
	}
	for t, n := range taskCount {
		if n > 1 {
			dupTasks[t] = true
		}
	}
	lostConns := sortedConns(keys(minus(minus(a.previousConns, activeConns), deletedConns)))
	lostTasks := sortedTasks(keys(minus(minus(a.previousTasks, activeTasks), deletedTasks)))
	createdConns := sortedConns(keys(minus(minus(configuredConns, a.previousConns), activeConns)))
	createdTasks := sortedTasks(keys(minus(minus(configuredTasks, a.previousTasks), activeTasks)))

	// What each member runs now, less what was deleted: the base the
	// newly assigned are told against.
	current := make(map[string]*load, len(members))
	for _, m := range members {
		c := m.clone()
		c.removeAll(deletedConns, deletedTasks)
		current[m.worker] = c
	}

	toRevoke := make(map[string]*revocation, len(members))
	revoke := func(worker string) *revocation {
		r, ok := toRevoke[worker]
		if !ok {
			r = newRevocation()
			toRevoke[worker] = r
		}
		return r
	}
	// Kafka revokes every member's deleted ones, then its duplicated
	// ones, each taken from a HashSet copy of what the member runs.
	for _, m := range members {
		r := revoke(m.worker)
		for _, c := range hashSetOrder(m.conns) {
			if deletedConns[c] {
				r.addConn(c)
			}
		}
		for _, t := range taskHashSetOrder(m.tasks) {
			if deletedTasks[t] {
				r.addTask(t)
			}
		}
	}
	for _, m := range members {
		r := revoke(m.worker)
		for _, c := range hashSetOrder(m.conns) {
			if dupConns[c] {
				r.addConn(c)
			}
		}
		for _, t := range taskHashSetOrder(m.tasks) {
			if dupTasks[t] {
				r.addTask(t)
			}
		}
	}
	next := make([]*load, len(members))
	for i, m := range members {
		r := toRevoke[m.worker]
		n := m.clone()
		n.removeAll(r.conns, r.tasks)
		next[i] = n
	}

	reassignConns, reassignTasks := a.handleLost(lostConns, lostTasks, next)

	if a.delay == 0 {
		lb := loadBalancingRevocations(len(configuredConns), len(configuredTasks), next)
		switch {
		case a.revokedInPrevious && len(lb) > 0:
			// Revoking rounds in a row back off, so that workers joining
			// one after another do not make every round a revoking one.
			a.successiveRevokings++
			a.delay = int32(a.backoff.backoff(a.successiveRevokings))
			if a.delay != 0 {
				a.scheduledRebalance = a.now() + int64(a.delay)
			} else {
				applyRevocations(revoke, lb, next)
			}
		case len(lb) > 0:
			applyRevocations(revoke, lb, next)
			a.revokedInPrevious = true
		case a.revokedInPrevious:
			// The load has settled: the backoff starts again.
			a.revokedInPrevious = false
			a.successiveRevokings = 0
		}
	} else {
		a.revokedInPrevious = false
	}

	toAssignConns := appendDistinct(createdConns, reassignConns)
	toAssignTasks := appendDistinct(createdTasks, reassignTasks)
	assignConnectors(next, toAssignConns)
	assignTasks(next, toAssignTasks)

	r := result{newConns: map[string][]string{}, revokedConns: map[string][]string{}, allConns: map[string][]string{},
		newTasks: map[string][]taskID{}, revokedTasks: map[string][]taskID{}, allTasks: map[string][]taskID{}}
	prevConns, prevTasks := map[string]bool{}, map[taskID]bool{}
	for _, n := range next {
		cur := current[n.worker]
		r.newConns[n.worker] = without(n.conns, setOf(cur.conns))
		r.newTasks[n.worker] = without(n.tasks, setOf(cur.tasks))
		rv := toRevoke[n.worker]
		r.revokedConns[n.worker] = rv.connList
		r.revokedTasks[n.worker] = rv.taskList
		r.allConns[n.worker] = without(n.conns, rv.conns)
		r.allTasks[n.worker] = without(n.tasks, rv.tasks)
		for _, c := range n.conns {
			prevConns[c] = true
		}
		for _, t := range n.tasks {
			prevTasks[t] = true
		}
	}
	// computePreviousAssignment: what the members will run, and what is
	// held back for members that left, which still counts as assigned.
	a.revocationConns, a.revocationTasks = map[string]bool{}, map[taskID]bool{}
	for _, rv := range toRevoke {
		for c := range rv.conns {
			delete(prevConns, c)
			a.revocationConns[c] = true
		}
		for t := range rv.tasks {
			delete(prevTasks, t)
			a.revocationTasks[t] = true
		}
	}
	for _, c := range lostConns {
		prevConns[c] = true
	}
	for _, t := range lostTasks {
		prevTasks[t] = true
	}
	a.previousConns, a.previousTasks = prevConns, prevTasks
	a.previousGeneration = generation
	a.previousMembers = map[string]bool{}
	for _, m := range members {
		a.previousMembers[m.worker] = true
	}
	a.lastConns, a.lastTasks = r.allConns, r.allTasks
	return r
}

// applyRevocations adds load-balancing revocations to the round's and
// takes them out of what the workers will run.
func applyRevocations(revoke func(string) *revocation, lb map[string]*revocation, next []*load) {
	for w, rv := range lb {
		revoke(w).addAll(rv)
	}
	for _, n := range next {
		if rv, ok := lb[n.worker]; ok {
			n.removeAll(rv.conns, rv.tasks)
		}
	}
}

func (a *Incremental) now() int64 { return a.cfg.Now().UnixMilli() }

// handleLost is handleLostAssignments: it returns the lost connectors and
// tasks to assign as new ones, gives them to the workers that came back
// empty when the delay has run out, or starts or continues the delay.
func (a *Incremental) handleLost(lostConns []string, lostTasks []taskID, next []*load) ([]string, []taskID) {
	if len(lostConns) == 0 && len(lostTasks) == 0 && !a.revokedInPrevious {
		a.resetDelay()
		return nil, nil
	}
	now := a.now()
	allBack := true
	active := map[string]*load{}
	for _, n := range next {
		active[n.worker] = n
	}
	for m := range a.previousMembers {
		if active[m] == nil {
			allBack = false
			break
		}
	}
	if a.scheduledRebalance <= 0 && allBack {
		// No worker left: the members probably missed the previous
		// round's assignment, so what is missing is new again.
		return lostConns, lostTasks
	}
	if a.maxDelay == 0 {
		return lostConns, lostTasks
	}
	if a.scheduledRebalance > 0 && now >= a.scheduledRebalance {
		var candidates []*load
		for _, c := range a.candidates {
			if l := active[c]; l != nil {
				candidates = append(candidates, l)
			}
		}
		var reConns []string
		var reTasks []taskID
		if len(candidates) > 0 {
			for i, c := range lostConns {
				l := candidates[i%len(candidates)]
				l.conns = append(l.conns, c)
			}
			for i, t := range lostTasks {
				l := candidates[i%len(candidates)]
				l.tasks = append(l.tasks, t)
			}
		} else {
			reConns, reTasks = lostConns, lostTasks
		}
		a.resetDelay()
		// The delay has run its course: revoking rounds may follow.
		a.revokedInPrevious = false
		return reConns, reTasks
	}
	// Workers that came back empty are the candidates for what was lost.
	var empty []string
	for _, n := range next {
		if n.empty() {
			empty = append(empty, n.worker)
		}
	}
	for _, w := range hashOrder(empty) {
		if !slices.Contains(a.candidates, w) {
			a.candidates = append(a.candidates, w)
		}
	}
	if now < a.scheduledRebalance {
		a.delay = a.calculateDelay(now)
	} else {
		a.delay = a.maxDelay
	}
	a.scheduledRebalance = now + int64(a.delay)
	return nil, nil
}

func (a *Incremental) resetDelay() {
	a.candidates = nil
	a.scheduledRebalance = 0
	a.delay = 0
}

func (a *Incremental) calculateDelay(now int64) int32 {
	d := a.scheduledRebalance - now
	if d <= 0 {
		return 0
	}
	return int32(min(d, int64(a.maxDelay)))
}

// loadBalancingRevocations is performLoadBalancingRevocations: what to
// revoke from each worker, in the workers' order, so that none runs more
// than a balanced share of the configured connectors and tasks.
func loadBalancingRevocations(totalConns, totalTasks int, workers []*load) map[string]*revocation {
	allEmpty := true
	for _, w := range workers {
		if !w.empty() {
			allEmpty = false
		}
	}
	if allEmpty || (totalConns == 0 && totalTasks == 0) {
		return nil
	}
	out := map[string]*revocation{}
	get := func(w string) *revocation {
		r, ok := out[w]
		if !ok {
			r = newRevocation()
			out[w] = r
		}
		return r
	}
	for w, cs := range balance(totalConns, workers, func(l *load) []string { return l.conns }) {
		r := get(w)
		for _, c := range cs {
			r.addConn(c)
		}
	}
	for w, ts := range balance(totalTasks, workers, func(l *load) []taskID { return l.tasks }) {
		r := get(w)
		for _, t := range ts {
			r.addTask(t)
		}
	}
	return out
}

// balance is loadBalancingRevocations for one kind: the first of each
// worker's items beyond its share, the shares with one extra going to the
// first workers over the minimum in the workers' order.
func balance[E any](total int, workers []*load, of func(*load) []E) map[string][]E {
	n := len(workers)
	least, extra := total/n, total%n
	atLeast, atExtra := 0, 0
	for _, w := range workers {
		switch len(of(w)) {
		case least:
			atLeast++
		case least + 1:
			atExtra++
		}
	}
	if atExtra == extra && atLeast+atExtra == n {
		return nil
	}
	out := map[string][]E{}
	extras := 0
	for _, w := range workers {
		items := of(w)
		if len(items) <= least {
			continue
		}
		most := least
		if extras < extra {
			extras++
			if len(items) == least+1 {
				continue
			}
			most = least + 1
		}
		out[w.worker] = slices.Clone(items[:len(items)-most])
	}
	return out
}

// assignConnectors deals connectors to the least loaded workers first:
// sorted by connector count and id, round robin over those tied with the
// first, which widens as they catch up with the next.
func assignConnectors(workers []*load, conns []string) {
	slices.SortStableFunc(workers, func(a, b *load) int {
		if d := len(a.conns) - len(b.conns); d != 0 {
			return d
		}
		return javaCompare(a.worker, b.worker)
	})
	deal(workers, conns, func(l *load) int { return len(l.conns) }, func(l *load, c string) { l.conns = append(l.conns, c) })
}

// assignTasks is assignConnectors for tasks.
func assignTasks(workers []*load, tasks []taskID) {
	slices.SortStableFunc(workers, func(a, b *load) int {
		if d := len(a.tasks) - len(b.tasks); d != 0 {
			return d
		}
		return javaCompare(a.worker, b.worker)
	})
	deal(workers, tasks, func(l *load) int { return len(l.tasks) }, func(l *load, t taskID) { l.tasks = append(l.tasks, t) })
}

func deal[E any](workers []*load, items []E, size func(*load) int, give func(*load, E)) {
	if len(workers) == 0 {
		return
	}
	first := workers[0]
	i := 0
	for i < len(items) {
		firstLoad := size(first)
		upTo := len(workers)
		for j, w := range workers {
			if size(w) > firstLoad {
				upTo = j
				break
			}
		}
		for _, w := range workers[:upTo] {
			give(w, items[i])
			i++
			if i == len(items) {
				break
			}
		}
	}
}

// expBackoff is Kafka's ExponentialBackoff without jitter.
type expBackoff struct {
	initial, max int64
	multiplier   float64
	expMax       float64
}

func newExpBackoff(initial int64, multiplier int, maxInterval int64) expBackoff {
	b := expBackoff{initial: min(maxInterval, initial), max: maxInterval, multiplier: float64(multiplier)}
	if maxInterval > b.initial {
		b.expMax = javaLog(float64(maxInterval)/float64(max(b.initial, 1))) / javaLog(b.multiplier)
	}
	return b
}

func (b expBackoff) backoff(attempts int64) int64 {
	if b.expMax == 0 {
		return b.initial
	}
	exp := min(float64(attempts), b.expMax)
	term := float64(b.initial) * javaPow(b.multiplier, exp)
	return min(int64(term), b.max)
}

func distinctConns(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func distinctTasks(xs []taskID) []taskID {
	seen := make(map[taskID]bool, len(xs))
	out := make([]taskID, 0, len(xs))
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func appendDistinct[E comparable](a, b []E) []E {
	out := slices.Clone(a)
	seen := setOf(a)
	for _, x := range b {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func setOf[E comparable](xs []E) map[E]bool {
	s := make(map[E]bool, len(xs))
	for _, x := range xs {
		s[x] = true
	}
	return s
}

func copySet[E comparable](s map[E]bool) map[E]bool {
	out := make(map[E]bool, len(s))
	for k := range s {
		out[k] = true
	}
	return out
}

func minus[E comparable](a, b map[E]bool) map[E]bool {
	out := map[E]bool{}
	for k := range a {
		if !b[k] {
			out[k] = true
		}
	}
	return out
}

func anyIn[E comparable](a, b map[E]bool) bool {
	for k := range a {
		if b[k] {
			return true
		}
	}
	return false
}

func keys[E comparable](s map[E]bool) []E {
	out := make([]E, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	return out
}

func without[E comparable](xs []E, drop map[E]bool) []E {
	out := make([]E, 0, len(xs))
	for _, x := range xs {
		if !drop[x] {
			out = append(out, x)
		}
	}
	return out
}

func sortedConns(xs []string) []string {
	out := slices.Clone(xs)
	sortJava(out)
	return out
}

func sortedTasks(xs []taskID) []taskID {
	out := slices.Clone(xs)
	sortTasks(out)
	return out
}
