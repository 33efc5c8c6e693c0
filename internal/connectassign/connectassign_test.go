package connectassign

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/configtopic"
	"github.com/kconnect-go/kconnect/internal/connectproto"
	"github.com/kconnect-go/kconnect/internal/workergroup"
)

// configs is a ConfigSource whose joined snapshot may lag the store's.
type configs struct {
	joined, fresh Snapshot
	freshCalls    int
}

func (c *configs) Snapshot() Snapshot { return c.joined }
func (c *configs) Fresh() Snapshot    { c.freshCalls++; return c.fresh }

func group(p connectproto.Version, offsets map[string]int64, assigned map[string]*connectproto.Assignment) workergroup.Group {
	g := workergroup.Group{Generation: 7, LeaderID: "leader", Protocol: p}
	for _, id := range []string{"leader", "m1", "m2"} {
		if _, ok := offsets[id]; !ok {
			continue
		}
		g.Members = append(g.Members, workergroup.GroupMember{ID: id,
			WorkerState: connectproto.WorkerState{URL: "http://" + id + ":8083", ConfigOffset: offsets[id], Assignment: assigned[id]}})
		g.MaxConfigOffset = max(g.MaxConfigOffset, offsets[id])
	}
	return g
}

func newAssignor(t *testing.T, c ConfigSource) *Assignor {
	a, err := New(Config{Configs: c, LastCompletedGeneration: func() int32 { return -1 }, MaxDelay: DefaultMaxDelay,
		Now: func() time.Time { return time.UnixMilli(1_700_000_000_000) }})
	require.NoError(t, err)
	return a
}

func tasks(ts ...string) []connectproto.TaskID {
	var out []connectproto.TaskID
	for i := 0; i < len(ts); i += 2 {
		n := int32(ts[i+1][0] - '0')
		out = append(out, connectproto.TaskID{Connector: ts[i], Task: n})
	}
	return out
}

func TestEagerRoundRobin(t *testing.T) {
	c := &configs{joined: Snapshot{Offset: 12, Tasks: map[string]int{"b": 2, "a": 1, "c": 0}}}
	a := newAssignor(t, c)
	got, err := a.Assign(context.Background(), group(connectproto.V0, map[string]int64{"m2": 12, "leader": 10, "m1": 11}, nil))
	require.NoError(t, err)
	// Members sorted: leader, m1, m2; connectors a, b, c, then tasks
	// a-0, b-0, b-1 carry on the same walk.
	want := map[string]*connectproto.Assignment{
		"leader": {Connectors: []string{"a"}, Tasks: tasks("a", "0")},
		"m1":     {Connectors: []string{"b"}, Tasks: tasks("b", "0")},
		"m2":     {Connectors: []string{"c"}, Tasks: tasks("b", "1")},
	}
	for id, w := range want {
		w.Version, w.Leader, w.LeaderURL, w.ConfigOffset = connectproto.V0, "leader", "http://leader:8083", 12
		require.Equal(t, w.String(), got[id].String(), id)
	}
	require.Zero(t, c.freshCalls)
	s := a.LeaderState()
	require.Equal(t, "http://m1:8083", s.OwnerURL("b"))
	require.Equal(t, "http://m2:8083", s.TaskOwnerURL(connectproto.TaskID{Connector: "b", Task: 1}))
}

func TestConfigMismatch(t *testing.T) {
	for _, p := range []connectproto.Version{connectproto.V0, connectproto.V1, connectproto.V2} {
		t.Run(p.Name(), func(t *testing.T) {
			c := &configs{joined: Snapshot{Offset: 5, Tasks: map[string]int{"a": 1}}, fresh: Snapshot{Offset: 8, Tasks: map[string]int{"a": 1}}}
			a := newAssignor(t, c)
			got, err := a.Assign(context.Background(), group(p, map[string]int64{"leader": 5, "m1": 9}, nil))
			require.NoError(t, err)
			require.Equal(t, 1, c.freshCalls)
			for _, id := range []string{"leader", "m1"} {
				require.Equal(t, (&connectproto.Assignment{Version: p, Error: connectproto.ConfigMismatch, Leader: "leader",
					LeaderURL: "http://leader:8083", ConfigOffset: 9}).String(), got[id].String(), id)
			}
		})
	}
}

// TestFreshSnapshot: a leader behind a member assigns from the store's
// fresh snapshot, at its offset, when that has caught up.
func TestFreshSnapshot(t *testing.T) {
	for _, p := range []connectproto.Version{connectproto.V0, connectproto.V2} {
		t.Run(p.Name(), func(t *testing.T) {
			c := &configs{joined: Snapshot{Offset: 5}, fresh: Snapshot{Offset: 11, Tasks: map[string]int{"a": 1}}}
			a := newAssignor(t, c)
			got, err := a.Assign(context.Background(), group(p, map[string]int64{"leader": 5, "m1": 9}, nil))
			require.NoError(t, err)
			require.Equal(t, int64(11), got["leader"].ConfigOffset)
			require.ElementsMatch(t, []string{"a"}, append(got["leader"].Connectors, got["m1"].Connectors...))
			require.ElementsMatch(t, tasks("a", "0"), append(got["leader"].Tasks, got["m1"].Tasks...))
		})
	}
}

func TestIncrementalAssign(t *testing.T) {
	for _, p := range []connectproto.Version{connectproto.V1, connectproto.V2} {
		t.Run(p.Name(), func(t *testing.T) {
			c := &configs{joined: Snapshot{Offset: 3, Tasks: map[string]int{"a": 2}}}
			a := newAssignor(t, c)
			// The leader runs everything; m1 joins empty and gets nothing
			// until the revocation is carried out. The one connector may
			// stay: one worker of two runs one more than the other.
			held := map[string]*connectproto.Assignment{"leader": {Connectors: []string{"a"}, Tasks: tasks("a", "0", "a", "1")}}
			got, err := a.Assign(context.Background(), group(p, map[string]int64{"leader": 3, "m1": 3}, held))
			require.NoError(t, err)
			require.Equal(t, (&connectproto.Assignment{Version: p, Leader: "leader", LeaderURL: "http://leader:8083", ConfigOffset: 3,
				RevokedTasks: tasks("a", "0")}).String(), got["leader"].String())
			require.Equal(t, (&connectproto.Assignment{Version: p, Leader: "leader", LeaderURL: "http://leader:8083", ConfigOffset: 3}).String(),
				got["m1"].String())
			s := a.LeaderState()
			require.Equal(t, map[string]string{"a": "leader"}, s.ConnectorOwners)
			require.NotContains(t, s.TaskOwners, connectproto.TaskID{Connector: "a", Task: 0})
			require.Equal(t, "leader", s.TaskOwners[connectproto.TaskID{Connector: "a", Task: 1}])
		})
	}
}

func TestGroupErrors(t *testing.T) {
	a := newAssignor(t, &configs{})
	_, err := a.Assign(context.Background(), workergroup.Group{Protocol: connectproto.V1, LeaderID: "x"})
	require.ErrorContains(t, err, "no members")
	_, err = a.Assign(context.Background(), group(connectproto.V2, map[string]int64{"m1": 0}, nil))
	require.ErrorContains(t, err, `leader "leader" is not a member`)
	_, err = New(Config{Configs: &configs{}})
	require.Error(t, err)
	_, err = New(Config{Configs: &configs{}, LastCompletedGeneration: func() int32 { return 0 }, MaxDelay: -time.Second})
	require.ErrorContains(t, err, "negative")
}

func TestSnapshotOf(t *testing.T) {
	s := configtopic.Snapshot{Offset: 9,
		ConnectorConfigs: map[string]map[string]string{"a": {}, "b": {}, "c": {}},
		TaskCounts:       map[string]int{"a": 3, "b": 2},
		Inconsistent:     map[string]bool{"b": true}}
	require.Equal(t, Snapshot{Offset: 9, Tasks: map[string]int{"a": 3, "b": 0, "c": 0}}, SnapshotOf(s))
}

func TestJavaOrders(t *testing.T) {
	// String.compareTo orders UTF-16 code units: U+10000 (D800 DC00)
	// sorts before U+FFFD.
	require.Negative(t, javaCompare("\U00010000", "\uFFFD"))
	require.Negative(t, javaCompare("a", "b"))
	require.Positive(t, javaCompare("ab", "a"))
	// "Aa" and "BB" share a hash code: one bucket, insertion order.
	require.Equal(t, []string{"BB", "Aa"}, hashOrder([]string{"BB", "Aa"}))
	require.Equal(t, []string{"Aa", "BB"}, hashOrder([]string{"Aa", "BB"}))
	// As a JVM 17 iterates a HashMap of "worker1".."worker6".
	require.Equal(t, []string{"worker6", "worker1", "worker2", "worker3", "worker4", "worker5"},
		hashOrder([]string{"worker1", "worker2", "worker3", "worker4", "worker5", "worker6"}))
}
