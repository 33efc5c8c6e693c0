package workergroup

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/kconnect-go/kconnect/internal/connectproto"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// worker is a test worker: its metadata, and what its assignor saw.
type worker struct {
	url    string
	offset int64
	mu     sync.Mutex
	seen   []Group
}

func (w *worker) state() connectproto.WorkerState {
	return connectproto.WorkerState{URL: w.url, ConfigOffset: w.offset}
}

// assign gives each member a connector named after its URL, and the
// leader's offset.
func (w *worker) assign(_ context.Context, g Group) (map[string]*connectproto.Assignment, error) {
	w.mu.Lock()
	w.seen = append(w.seen, g)
	w.mu.Unlock()
	out := map[string]*connectproto.Assignment{}
	for _, m := range g.Members {
		out[m.ID] = &connectproto.Assignment{Leader: g.LeaderID, LeaderURL: g.Leader().URL, ConfigOffset: g.MaxConfigOffset,
			Connectors: []string{"for-" + m.URL}, Tasks: []connectproto.TaskID{{Connector: "for-" + m.URL, Task: 0}}}
	}
	return out, nil
}

func (w *worker) groups() []Group {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Group(nil), w.seen...)
}

func newMember(t *testing.T, brokers []string, group string, highest connectproto.Version, w *worker) *Member {
	t.Helper()
	m, err := New(testkafka.Client(t, brokers), Config{Group: group, Highest: highest, SessionTimeout: 10 * time.Second,
		RebalanceTimeout: 20 * time.Second, State: w.state, Assign: w.assign})
	require.NoError(t, err)
	return m
}

type result struct {
	j   Joined
	err error
}

func joinAsync(ctx context.Context, m *Member) <-chan result {
	ch := make(chan result, 1)
	go func() {
		j, err := m.Join(ctx)
		ch <- result{j, err}
	}()
	return ch
}

// rejoinWhenAsked heartbeats until the coordinator asks for a rejoin,
// then joins.
func rejoinWhenAsked(t *testing.T, ctx context.Context, m *Member) Joined {
	t.Helper()
	require.Eventually(t, func() bool { return m.Heartbeat(ctx) == ErrRejoin }, 30*time.Second, 20*time.Millisecond)
	j, err := m.Join(ctx)
	require.NoError(t, err)
	return j
}

// TestTwoWorkers runs two members of a group: the first leads alone; the
// second's join rebalances the group, the leader's assignor gets both
// members' metadata under the protocol both offer (compatible: one
// offers up to sessioned, the other up to compatible), each gets its own
// assignment; the second leaving rebalances the group to the first alone.
func TestTwoWorkers(t *testing.T) {
	brokers := testkafka.Brokers(t)
	group := testkafka.Group(t, "connect")
	ctx := bounded(t)
	wa := &worker{url: "http://a:8083/", offset: 7}
	wb := &worker{url: "http://b:8083/", offset: 9}
	a := newMember(t, brokers, group, connectproto.V2, wa)
	b := newMember(t, brokers, group, connectproto.V1, wb)

	ja, err := a.Join(ctx)
	require.NoError(t, err)
	require.True(t, ja.IsLeader())
	require.Equal(t, connectproto.V2, ja.Protocol, "alone, a's preferred protocol")
	require.Equal(t, []string{"for-http://a:8083/"}, ja.Assignment.Connectors)
	require.Equal(t, connectproto.V2, ja.Assignment.Version)

	bDone := joinAsync(ctx, b)
	ja2 := rejoinWhenAsked(t, ctx, a)
	rb := <-bDone
	require.NoError(t, rb.err)
	jb := rb.j
	require.Equal(t, ja2.Generation, jb.Generation)
	require.Greater(t, ja2.Generation, ja.Generation)
	require.Equal(t, connectproto.V1, ja2.Protocol, "the highest protocol both offer")
	require.Equal(t, ja2.LeaderID, jb.LeaderID)
	require.Equal(t, []string{"for-http://a:8083/"}, ja2.Assignment.Connectors)
	require.Equal(t, []string{"for-http://b:8083/"}, jb.Assignment.Connectors)
	require.Equal(t, []connectproto.TaskID{{Connector: "for-http://b:8083/", Task: 0}}, jb.Assignment.Tasks)
	require.EqualValues(t, 9, jb.Assignment.ConfigOffset, "the highest config offset of the members")

	leader := wa
	if jb.IsLeader() {
		leader = wb
		require.Empty(t, wb.groups()[:len(wb.groups())-1], "b led only this generation")
	}
	g := leader.groups()[len(leader.groups())-1]
	require.Len(t, g.Members, 2)
	urls := map[string]int64{}
	for _, m := range g.Members {
		urls[m.URL] = m.ConfigOffset
		require.Nil(t, m.Assignment, "no assignment held in metadata: the test's State gives none")
	}
	require.Equal(t, map[string]int64{"http://a:8083/": 7, "http://b:8083/": 9}, urls)
	require.EqualValues(t, 9, g.MaxConfigOffset)
	require.Equal(t, connectproto.V1, g.Protocol)

	// The coordinator sees a Connect group.
	adm := kadm.NewClient(testkafka.Client(t, brokers))
	described, err := adm.DescribeGroups(ctx, group)
	require.NoError(t, err)
	require.Equal(t, "connect", described[group].ProtocolType)
	require.Equal(t, "compatible", described[group].Protocol)
	require.Len(t, described[group].Members, 2)

	require.NoError(t, b.Leave(ctx))
	ja3 := rejoinWhenAsked(t, ctx, a)
	require.True(t, ja3.IsLeader())
	require.Greater(t, ja3.Generation, ja2.Generation)
	require.Equal(t, connectproto.V2, ja3.Protocol)
	require.NoError(t, a.Heartbeat(ctx))
	require.NoError(t, a.Leave(ctx))
}

// TestMismatch checks the assignments a leader behind the config topic
// gives: every member gets CONFIG_MISMATCH with the highest offset.
func TestMismatch(t *testing.T) {
	brokers := testkafka.Brokers(t)
	group := testkafka.Group(t, "connect")
	ctx := bounded(t)
	w := &worker{url: "http://a:8083/", offset: 3}
	m, err := New(testkafka.Client(t, brokers), Config{Group: group, Highest: connectproto.V0, State: w.state,
		Assign: func(_ context.Context, g Group) (map[string]*connectproto.Assignment, error) {
			return MismatchAssignments(g), nil
		}})
	require.NoError(t, err)
	j, err := m.Join(ctx)
	require.NoError(t, err)
	require.Equal(t, connectproto.V0, j.Protocol)
	require.Equal(t, connectproto.ConfigMismatch, j.Assignment.Error)
	require.EqualValues(t, 3, j.Assignment.ConfigOffset)
	require.Equal(t, "http://a:8083/", j.Assignment.LeaderURL)
	require.Equal(t, j.MemberID, j.Assignment.Leader)
	require.NoError(t, m.Leave(ctx))
}

func TestConfig(t *testing.T) {
	cl := testkafka.Client(t, testkafka.Brokers(t))
	w := &worker{}
	_, err := New(cl, Config{State: w.state, Assign: w.assign})
	require.ErrorContains(t, err, "group.id is empty")
	_, err = New(cl, Config{Group: "g", Highest: 5, State: w.state, Assign: w.assign})
	require.ErrorContains(t, err, "unknown protocol version 5")
	_, err = New(cl, Config{Group: "g"})
	require.ErrorContains(t, err, "required")
}

// TestSessionExpires lets a member's session run out: the coordinator
// drops it, its heartbeat asks for a rejoin and forgets the member id, and
// it joins again as a new member of a new generation.
func TestSessionExpires(t *testing.T) {
	brokers := testkafka.Brokers(t)
	group := testkafka.Group(t, "connect")
	ctx := bounded(t)
	w := &worker{url: "http://a:8083/"}
	m, err := New(testkafka.Client(t, brokers), Config{Group: group, Highest: connectproto.V1, SessionTimeout: 6 * time.Second,
		RebalanceTimeout: 10 * time.Second, State: w.state, Assign: w.assign})
	require.NoError(t, err)
	first, err := m.Join(ctx)
	require.NoError(t, err)

	adm := kadm.NewClient(testkafka.Client(t, brokers))
	require.Eventually(t, func() bool {
		d, err := adm.DescribeGroups(ctx, group)
		return err == nil && len(d[group].Members) == 0
	}, 60*time.Second, 200*time.Millisecond, "the coordinator drops the silent member")
	require.ErrorIs(t, m.Heartbeat(ctx), ErrRejoin)
	require.Empty(t, m.MemberID())

	again, err := m.Join(ctx)
	require.NoError(t, err)
	require.NotEqual(t, first.MemberID, again.MemberID)
	require.Greater(t, again.Generation, first.Generation)
	require.NoError(t, m.Heartbeat(ctx))
	require.NoError(t, m.Leave(ctx))
}

// TestMembersAsAFollowerSeesThem: a follower learns the group's members
// and their URLs from the coordinator, and the one that left is gone.
func TestMembersAsAFollowerSeesThem(t *testing.T) {
	brokers := testkafka.Brokers(t)
	group := testkafka.Group(t, "connect")
	ctx := bounded(t)
	wa := &worker{url: "http://a:8083/"}
	wb := &worker{url: "http://b:8083/"}
	a := newMember(t, brokers, group, connectproto.V1, wa)
	b := newMember(t, brokers, group, connectproto.V1, wb)
	_, err := a.Join(ctx)
	require.NoError(t, err)
	bDone := joinAsync(ctx, b)
	rejoinWhenAsked(t, ctx, a)
	rb := <-bDone
	require.NoError(t, rb.err)
	require.False(t, rb.j.IsLeader())

	urls := func() []string {
		ms, err := b.Members(ctx)
		require.NoError(t, err)
		var out []string
		for _, m := range ms {
			out = append(out, m.URL)
		}
		return out
	}
	require.Eventually(t, func() bool { return len(urls()) == 2 }, 10*time.Second, 20*time.Millisecond)
	require.ElementsMatch(t, []string{"http://a:8083/", "http://b:8083/"}, urls())

	require.NoError(t, a.Leave(ctx))
	rejoinWhenAsked(t, ctx, b)
	require.Eventually(t, func() bool { return len(urls()) == 1 }, 10*time.Second, 20*time.Millisecond)
	require.Equal(t, []string{"http://b:8083/"}, urls())
}
