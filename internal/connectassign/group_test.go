package connectassign

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/connectproto"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/internal/workergroup"
)

// groupWorker is a worker as far as its group goes: it holds what its
// assignments gave it, reports it in its metadata, and leads with an
// Assignor.
type groupWorker struct {
	url string
	m   *workergroup.Member
	a   *Assignor

	mu   sync.Mutex
	held connectproto.Assignment
	gen  int32
}

func (w *groupWorker) state() connectproto.WorkerState {
	w.mu.Lock()
	defer w.mu.Unlock()
	held := w.held
	return connectproto.WorkerState{URL: w.url, ConfigOffset: 4, Assignment: &held}
}

// apply carries out an assignment as a worker does: stop what is revoked,
// start what is assigned.
func (w *groupWorker) apply(j workergroup.Joined) {
	w.mu.Lock()
	defer w.mu.Unlock()
	a := j.Assignment
	w.held.Connectors = slices.DeleteFunc(w.held.Connectors, func(c string) bool { return slices.Contains(a.RevokedConnectors, c) })
	w.held.Tasks = slices.DeleteFunc(w.held.Tasks, func(t connectproto.TaskID) bool { return slices.Contains(a.RevokedTasks, t) })
	w.held.Connectors = append(w.held.Connectors, a.Connectors...)
	w.held.Tasks = append(w.held.Tasks, a.Tasks...)
	w.held.Version, w.held.Leader, w.held.LeaderURL, w.held.ConfigOffset = a.Version, a.Leader, a.LeaderURL, a.ConfigOffset
	w.gen = j.Generation
}

func (w *groupWorker) lastGeneration() int32 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.gen
}

func (w *groupWorker) holds() (int, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.held.Connectors), len(w.held.Tasks)
}

func newGroupWorker(t *testing.T, brokers []string, group, url string) *groupWorker {
	w := &groupWorker{url: url, gen: -1}
	snap := Snapshot{Offset: 4, Tasks: map[string]int{"alpha": 2, "beta": 2}}
	a, err := New(Config{Configs: &configs{joined: snap, fresh: snap}, LastCompletedGeneration: w.lastGeneration,
		MaxDelay: DefaultMaxDelay})
	require.NoError(t, err)
	m, err := workergroup.New(testkafka.Client(t, brokers), workergroup.Config{Group: group, Highest: connectproto.V2,
		SessionTimeout: 10 * time.Second, RebalanceTimeout: 20 * time.Second, State: w.state, Assign: a.Assign})
	require.NoError(t, err)
	w.a, w.m = a, m
	return w
}

func join(t *testing.T, ctx context.Context, w *groupWorker) workergroup.Joined {
	t.Helper()
	j, err := w.m.Join(ctx)
	require.NoError(t, err)
	require.Equal(t, connectproto.NoError, j.Assignment.Error)
	w.apply(j)
	return j
}

// TestGroupRebalances runs the incremental assignor as two members'
// assignor through a real group: the first member runs everything alone;
// when the second joins, the leader revokes half, then hands it to the
// second in the next round, and both end with one connector and two tasks.
func TestGroupRebalances(t *testing.T) {
	brokers := testkafka.Brokers(t)
	group := testkafka.Group(t, "connect")
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	a := newGroupWorker(t, brokers, group, "http://a:8083/")
	b := newGroupWorker(t, brokers, group, "http://b:8083/")

	ja := join(t, ctx, a)
	require.True(t, ja.IsLeader())
	require.Equal(t, connectproto.V2, ja.Assignment.Version)
	c, n := a.holds()
	require.Equal(t, [2]int{2, 4}, [2]int{c, n})

	// b joins; a rejoins when the coordinator asks. The round revokes
	// from a what b will take.
	type joined struct {
		j   workergroup.Joined
		err error
	}
	// rejoin heartbeats until the coordinator asks for a rejoin, then
	// joins; on a goroutine, so it reports rather than fails.
	rejoin := func(w *groupWorker) <-chan joined {
		ch := make(chan joined, 1)
		go func() {
			for {
				err := w.m.Heartbeat(ctx)
				if err == workergroup.ErrRejoin {
					break
				}
				if ctx.Err() != nil {
					ch <- joined{err: ctx.Err()}
					return
				}
				time.Sleep(20 * time.Millisecond) // polling the coordinator, as a heartbeat loop does
			}
			j, err := w.m.Join(ctx)
			if err == nil {
				w.apply(j)
			}
			ch <- joined{j, err}
		}()
		return ch
	}
	aDone := rejoin(a)
	jb := join(t, ctx, b)
	ra := <-aDone
	require.NoError(t, ra.err)
	ja = ra.j
	require.Equal(t, ja.Generation, jb.Generation)
	require.Len(t, append(ja.Assignment.RevokedTasks, jb.Assignment.RevokedTasks...), 2, "tasks revoked for balance")
	require.Empty(t, jb.Assignment.Tasks, "nothing assigned while its holder still runs it")

	// Revocations make the members rejoin at once; the next round
	// assigns what was revoked.
	bDone := rejoin(b)
	ja = join(t, ctx, a)
	rb := <-bDone
	require.NoError(t, rb.err)
	jb = rb.j
	require.Equal(t, ja.Generation, jb.Generation)
	for _, w := range []*groupWorker{a, b} {
		c, n := w.holds()
		require.Equal(t, [2]int{1, 2}, [2]int{c, n}, w.url)
	}
	leader := a
	if jb.IsLeader() {
		leader = b
	}
	s := leader.a.LeaderState()
	require.Equal(t, ja.Generation, s.Generation)
	require.Len(t, s.ConnectorOwners, 2)
	require.Len(t, s.TaskOwners, 4)
}
