// Package connectassign holds the group leader's assignors of Kafka
// Connect 4.4, which decide which worker runs which connector and task:
// the eager round robin of the "default" protocol (EagerAssignor) and the
// incremental cooperative assignor of "compatible" and "sessioned"
// (IncrementalCooperativeAssignor, KIP-415). They take the same decisions
// as Kafka's classes, Java's hash orders included where those decide, so
// that a kconnect leader and a JVM leader treat one group alike.
//
// An Assignor plugs into workergroup.Config.Assign and picks the
// assignor by the protocol the coordinator chose, as WorkerCoordinator
// does. The incremental assignor keeps state between rounds (the
// assignment it handed out last, the scheduled rebalance), so a worker
// keeps one Assignor for its life.
package connectassign

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/kconnect-go/kconnect/internal/configtopic"
	"github.com/kconnect-go/kconnect/internal/connectproto"
	"github.com/kconnect-go/kconnect/internal/workergroup"
)

// DefaultMaxDelay is scheduled.rebalance.max.delay.ms's default: how long
// the incremental assignor holds back the connectors and tasks of a worker
// that left, waiting for it to come back.
const DefaultMaxDelay = 5 * time.Minute

// Snapshot is what the assignors read of the config topic.
type Snapshot struct {
	// Offset is the snapshot's config offset (configtopic.Snapshot.Offset).
	Offset int64
	// Tasks is each configured connector's task count; zero for a
	// connector whose tasks are not configured or are inconsistent, as
	// ClusterConfigState.tasks gives none for them.
	Tasks map[string]int
}

// SnapshotOf returns what the assignors read of a config topic snapshot.
func SnapshotOf(s configtopic.Snapshot) Snapshot {
	out := Snapshot{Offset: s.Offset, Tasks: make(map[string]int, len(s.ConnectorConfigs))}
	for c := range s.ConnectorConfigs {
		out.Tasks[c] = len(s.Tasks(c))
	}
	return out
}

// ConfigSource is the leader's view of the config topic, as Kafka's
// WorkerCoordinator offers it to an assignor.
type ConfigSource interface {
	// Snapshot returns the snapshot the worker joined the group with
	// (configSnapshot).
	Snapshot() Snapshot
	// Fresh returns the config store's latest snapshot
	// (configFreshSnapshot). The assignors ask for it only when Snapshot
	// is behind a member; when Fresh has caught up with every member,
	// they assign from it, and the worker should then take it as its
	// joined snapshot, as Kafka's coordinator does; when it has not,
	// every member gets ConfigMismatch.
	Fresh() Snapshot
}

// Config configures an Assignor.
type Config struct {
	// Configs is the leader's view of the config topic. Required.
	Configs ConfigSource
	// LastCompletedGeneration returns the generation of the worker's last
	// completed join, -1 before any (WorkerCoordinator's
	// lastCompletedGenerationId). The incremental assignor forgets the
	// assignment it handed out when that was not the generation it
	// assigned, since its members may never have received it. Required.
	LastCompletedGeneration func() int32
	// MaxDelay is scheduled.rebalance.max.delay.ms. Zero disables the
	// delay (lost connectors and tasks are reassigned at once), as in
	// Kafka; pass DefaultMaxDelay for Kafka's default. It is counted in
	// whole milliseconds up to math.MaxInt32.
	MaxDelay time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Assignor is a leader's assignor: Assign hands a group's round to the
// eager assignor under protocol "default" and to the incremental one
// otherwise. Its methods are safe for concurrent use; rounds run one at a
// time.
type Assignor struct {
	eager       *Eager
	incremental *Incremental

	mu        sync.Mutex
	lastEager bool
}

// New returns an Assignor. It fails when Config lacks a required field or
// MaxDelay is negative.
func New(cfg Config) (*Assignor, error) {
	e, err := NewEager(cfg)
	if err != nil {
		return nil, err
	}
	i, err := NewIncremental(cfg)
	if err != nil {
		return nil, err
	}
	return &Assignor{eager: e, incremental: i}, nil
}

// Assign assigns g's connectors and tasks to its members; it has
// workergroup.Config.Assign's signature. When the leader's config
// snapshot is behind a member even after Fresh, every member gets
// workergroup.MismatchAssignments's ConfigMismatch. It fails when the
// group has no member or its leader is not among them.
func (a *Assignor) Assign(ctx context.Context, g workergroup.Group) (map[string]*connectproto.Assignment, error) {
	eager := g.Protocol == connectproto.V0
	a.mu.Lock()
	a.lastEager = eager
	a.mu.Unlock()
	if eager {
		return a.eager.Assign(ctx, g)
	}
	return a.incremental.Assign(ctx, g)
}

// Release is Incremental.Release: the eager assignor keeps nothing of
// past rounds to forget.
func (a *Assignor) Release(members ...string) { a.incremental.Release(members...) }

// LeaderState returns what the last round decided.
func (a *Assignor) LeaderState() LeaderState {
	a.mu.Lock()
	eager := a.lastEager
	a.mu.Unlock()
	if eager {
		return a.eager.LeaderState()
	}
	return a.incremental.LeaderState()
}

// LeaderState is what the leader knows after a round (Kafka's
// LeaderState): each member's REST URL and who runs what once the round's
// revocations and assignments are carried out.
type LeaderState struct {
	// Generation is the round's generation; -1 before the first.
	Generation int32
	// URLs are the members' REST URLs by member id.
	URLs map[string]string
	// ConnectorOwners and TaskOwners map what runs to the member id
	// running it.
	ConnectorOwners map[string]string
	TaskOwners      map[connectproto.TaskID]string
}

// OwnerURL returns the REST URL of the member running the connector, ""
// when none does.
func (s LeaderState) OwnerURL(connector string) string {
	if m, ok := s.ConnectorOwners[connector]; ok {
		return s.URLs[m]
	}
	return ""
}

// TaskOwnerURL returns the REST URL of the member running the task, ""
// when none does.
func (s LeaderState) TaskOwnerURL(t connectproto.TaskID) string {
	if m, ok := s.TaskOwners[t]; ok {
		return s.URLs[m]
	}
	return ""
}

// base is what both assignors share: the configuration and the leader
// state of the last round.
type base struct {
	cfg Config

	mu    sync.Mutex
	state LeaderState
}

func (b *base) init(cfg Config) error {
	switch {
	case cfg.Configs == nil:
		return errors.New("connectassign: Config.Configs is required")
	case cfg.LastCompletedGeneration == nil:
		return errors.New("connectassign: Config.LastCompletedGeneration is required")
	case cfg.MaxDelay < 0:
		return fmt.Errorf("connectassign: scheduled.rebalance.max.delay.ms is negative (%v)", cfg.MaxDelay)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	b.cfg, b.state = cfg, LeaderState{Generation: -1}
	return nil
}

// LeaderState returns what the last round decided.
func (b *base) LeaderState() LeaderState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}

func (b *base) setState(g workergroup.Group, conns map[string][]string, tasks map[string][]connectproto.TaskID) {
	s := LeaderState{Generation: g.Generation, URLs: map[string]string{},
		ConnectorOwners: map[string]string{}, TaskOwners: map[connectproto.TaskID]string{}}
	for _, m := range g.Members {
		s.URLs[m.ID] = m.URL
	}
	for m, cs := range conns {
		for _, c := range cs {
			s.ConnectorOwners[c] = m
		}
	}
	for m, ts := range tasks {
		for _, t := range ts {
			s.TaskOwners[t] = m
		}
	}
	b.state = s
}

// checkGroup validates a round's group.
func checkGroup(g workergroup.Group) error {
	if len(g.Members) == 0 {
		return fmt.Errorf("connectassign: generation %d has no members", g.Generation)
	}
	for _, m := range g.Members {
		if m.ID == g.LeaderID {
			return nil
		}
	}
	return fmt.Errorf("connectassign: leader %q is not a member of generation %d", g.LeaderID, g.Generation)
}

// leaderSnapshot is ensureLeaderConfig: the snapshot to assign from and
// the config offset to hand out, or ok false when the leader is behind
// g.MaxConfigOffset.
func (b *base) leaderSnapshot(g workergroup.Group) (snap Snapshot, offset int64, ok bool) {
	snap = b.cfg.Configs.Snapshot()
	if snap.Offset >= g.MaxConfigOffset {
		return snap, g.MaxConfigOffset, true
	}
	snap = b.cfg.Configs.Fresh()
	if snap.Offset < g.MaxConfigOffset {
		return Snapshot{}, 0, false
	}
	return snap, snap.Offset, true
}

// configuredTasks returns the snapshot's connectors, sorted as Java sorts
// strings, and their tasks.
func configuredTasks(s Snapshot) ([]string, []connectproto.TaskID) {
	conns := make([]string, 0, len(s.Tasks))
	for c := range s.Tasks {
		conns = append(conns, c)
	}
	sortJava(conns)
	var tasks []connectproto.TaskID
	for _, c := range conns {
		for i := range s.Tasks[c] {
			tasks = append(tasks, connectproto.TaskID{Connector: c, Task: int32(i)})
		}
	}
	return conns, tasks
}

// javaCompare is String.compareTo: UTF-16 code unit order, which differs
// from Go's byte order for characters above U+FFFF against U+E000-U+FFFF.
func javaCompare(a, b string) int {
	if isASCII(a) && isASCII(b) {
		return strings.Compare(a, b)
	}
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return int(ua[i]) - int(ub[i])
		}
	}
	return len(ua) - len(ub)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func sortJava(xs []string) {
	sort.SliceStable(xs, func(i, j int) bool { return javaCompare(xs[i], xs[j]) < 0 })
}

// compareTask is ConnectorTaskId.compareTo: connector, then task number.
func compareTask(a, b connectproto.TaskID) int {
	if c := javaCompare(a.Connector, b.Connector); c != 0 {
		return c
	}
	return int(a.Task) - int(b.Task)
}

func sortTasks(ts []connectproto.TaskID) {
	sort.SliceStable(ts, func(i, j int) bool { return compareTask(ts[i], ts[j]) < 0 })
}

// javaStringHash is String.hashCode over the UTF-16 code units; bytes
// that are not UTF-8 count as U+FFFD, as Java decodes them.
func javaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			h = 31*h + r1
			h = 31*h + r2
			continue
		}
		h = 31*h + r
	}
	return h
}

// hashSetOrder returns xs, which are distinct, in the order Java 17's
// new HashSet<>(xs) iterates them: its table holds
// tableSizeFor(max(len/0.75 + 1, 16)) buckets, a key sits in bucket
// (h ^ h>>>16) & (buckets-1) of its hash code h, and keys of one bucket
// keep their order.
func hashSetOrder(xs []string) []string {
	return bucketOrder(xs, javaStringHash, setCapacity(len(xs)))
}

// taskHashSetOrder is hashSetOrder for ConnectorTaskIds, whose hash code
// is 31·connector's hash code + task.
func taskHashSetOrder(ts []taskID) []taskID {
	return bucketOrder(ts, func(t taskID) int32 { return 31*javaStringHash(t.Connector) + t.Task }, setCapacity(len(ts)))
}

func setCapacity(n int) int {
	want := max(int(float32(n)/0.75)+1, 16)
	c := 1
	for c < want {
		c <<= 1
	}
	return c
}

func bucketOrder[E any](xs []E, hash func(E) int32, capacity int) []E {
	mask := int32(capacity - 1)
	buckets := make([]int32, len(xs))
	idx := make([]int, len(xs))
	for i, x := range xs {
		h := hash(x)
		buckets[i] = (h ^ int32(uint32(h)>>16)) & mask
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return buckets[idx[a]] < buckets[idx[b]] })
	out := make([]E, len(xs))
	for i, j := range idx {
		out[i] = xs[j]
	}
	return out
}

// hashOrder returns keys in the order a java.util.HashMap or HashSet
// iterates them when they were put one at a time, in keys' order, into a
// map created empty (new HashMap<>(), Collectors.toMap, Collectors.toSet):
// by bucket (h ^ h>>>16) & (capacity-1) of their String.hashCode h, the
// table doubled from 16 buckets whenever it is more than three quarters
// full, and in insertion order within a bucket. Kafka's assignor walks
// workers in that order where the order decides, for instance which
// worker keeps an extra task.
func hashOrder(keys []string) []string {
	capacity := 16
	for float64(len(keys)) > 0.75*float64(capacity) {
		capacity <<= 1
	}
	return bucketOrder(keys, javaStringHash, capacity)
}
