package connectassign

import (
	"context"

	"github.com/kconnect-go/kconnect/internal/connectproto"
	"github.com/kconnect-go/kconnect/internal/workergroup"
)

// Eager is Kafka's EagerAssignor, the assignor of protocol "default":
// every rebalance starts from nothing, and connectors, then tasks, are
// dealt round robin to the members sorted by id. Connectors go first
// because they weigh less than tasks: with one-task connectors on an even
// number of workers, dealing both together would give some workers only
// connectors and the others only tasks.
type Eager struct {
	base
}

// NewEager returns an eager assignor; Config.MaxDelay is not used.
func NewEager(cfg Config) (*Eager, error) {
	e := &Eager{}
	if err := e.init(cfg); err != nil {
		return nil, err
	}
	return e, nil
}

// Assign deals the leader's snapshot's connectors and tasks round robin;
// it has workergroup.Config.Assign's signature. Assignments are version
// 0, name the leader, its REST URL and the config offset assigned at.
// When the leader is behind a member even after Fresh, every member gets
// ConfigMismatch. It fails when the group has no member or its leader is
// not among them.
func (e *Eager) Assign(_ context.Context, g workergroup.Group) (map[string]*connectproto.Assignment, error) {
	if err := checkGroup(g); err != nil {
		return nil, err
	}
	snap, offset, ok := e.leaderSnapshot(g)
	if !ok {
		out := workergroup.MismatchAssignments(g)
		for _, a := range out {
			a.Version = connectproto.V0
		}
		return out, nil
	}
	members := make([]string, len(g.Members))
	for i, m := range g.Members {
		members[i] = m.ID
	}
	sortJava(members)
	conns, tasks := configuredTasks(snap)
	connsOf := map[string][]string{}
	tasksOf := map[string][]connectproto.TaskID{}
	next := 0
	// One circular walk over the members serves connectors and then
	// tasks, as Kafka's CircularIterator does.
	member := func() string {
		m := members[next%len(members)]
		next++
		return m
	}
	for _, c := range conns {
		m := member()
		connsOf[m] = append(connsOf[m], c)
	}
	for _, t := range tasks {
		m := member()
		tasksOf[m] = append(tasksOf[m], t)
	}
	e.setState(g, connsOf, tasksOf)
	leaderURL := g.Leader().URL
	out := make(map[string]*connectproto.Assignment, len(members))
	for _, m := range members {
		out[m] = &connectproto.Assignment{Version: connectproto.V0, Leader: g.LeaderID, LeaderURL: leaderURL,
			ConfigOffset: offset, Connectors: connsOf[m], Tasks: tasksOf[m]}
	}
	return out, nil
}
