package workergroup

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/connectproto"
	"github.com/kconnect-go/kconnect/internal/jvmworker"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

// startJVM starts a JVM worker in group, its topics named after it.
func startJVM(t *testing.T, cp string, brokers []string, group string) *jvmworker.Worker {
	t.Helper()
	return jvmworker.Start(t, cp, brokers, map[string]string{"group.id": group,
		"offset.storage.topic": group + "-offsets", "config.storage.topic": group + "-configs", "status.storage.topic": group + "-status"})
}

// TestJVMWorkerLeads joins a group led by a JVM Kafka Connect 4.4 worker
// running four connectors: the JVM leader reads this member's metadata, its
// incremental cooperative assignor hands this member part of the work
// over the rebalances it schedules, and every assignment decodes with the
// JVM's member id and URL as leader. This member holds what it is given,
// as a worker would, and sends it back in its metadata.
func TestJVMWorkerLeads(t *testing.T) {
	brokers := testkafka.Brokers(t)
	group := testkafka.Group(t, "jvm")
	jvm := startJVM(t, jvmworker.Classpath(t), brokers, group)
	jvm.WaitReady(t, 120*time.Second)
	url := jvm.URL
	ctx := bounded(t)

	// Four connectors of one task each: a second worker should get half
	// of them, which the leader revokes from itself first.
	file := filepath.Join(t.TempDir(), "in.txt")
	require.NoError(t, os.WriteFile(file, []byte("a\n"), 0o644))
	for i := range 4 {
		body := fmt.Sprintf(`{"name":"src%d","config":{"connector.class":"FileStreamSource","file":%q,"topic":"%s-lines","tasks.max":"1",`+
			`"topic.creation.default.replication.factor":"1","topic.creation.default.partitions":"1"}}`, i, file, group)
		code, resp := jvm.Do(t, http.MethodPost, "/connectors", body)
		require.Equal(t, http.StatusCreated, code, resp)
		jvmworker.Poll(t, 60*time.Second, func() bool {
			_, tasks := jvm.Do(t, http.MethodGet, fmt.Sprintf("/connectors/src%d/tasks", i), "")
			return strings.Contains(tasks, `"task":0`)
		}, "the connector's task is configured")
	}

	// held is what this member runs, as WorkerCoordinator keeps it:
	// assignments add to it, revocations take from it.
	var held *connectproto.Assignment
	m, err := New(testkafka.Client(t, brokers), Config{Group: group, Highest: connectproto.V2,
		State: func() connectproto.WorkerState {
			return connectproto.WorkerState{URL: "http://kconnect.invalid:8083/", ConfigOffset: 3, Assignment: held}
		},
		Assign: func(context.Context, Group) (map[string]*connectproto.Assignment, error) {
			return nil, fmt.Errorf("the JVM worker, which joined first, should lead")
		}})
	require.NoError(t, err)

	var got []string
	deadline := time.Now().Add(60 * time.Second)
	for len(got) == 0 && time.Now().Before(deadline) {
		j, err := m.Join(ctx)
		require.NoError(t, err)
		require.False(t, j.IsLeader())
		require.Equal(t, connectproto.V2, j.Protocol, "both offer sessioned")
		a := j.Assignment
		t.Logf("generation %d: %s", j.Generation, a.String())
		require.Equal(t, connectproto.V2, a.Version)
		require.Equal(t, connectproto.NoError, a.Error)
		require.Equal(t, j.LeaderID, a.Leader)
		require.True(t, strings.HasPrefix(a.Leader, "connect-"), a.Leader)
		require.Equal(t, url+"/", a.LeaderURL)
		require.GreaterOrEqual(t, a.ConfigOffset, int64(3))
		if held == nil {
			held = &connectproto.Assignment{}
		}
		*held = connectproto.Assignment{Version: a.Version, Leader: a.Leader, LeaderURL: a.LeaderURL, ConfigOffset: a.ConfigOffset,
			Connectors: append(held.Connectors, a.Connectors...), Tasks: append(held.Tasks, a.Tasks...)}
		for _, c := range a.Connectors {
			got = append(got, "connector "+c)
		}
		for _, tk := range a.Tasks {
			got = append(got, "task "+tk.String())
		}
		if len(got) > 0 {
			break
		}
		// The leader revoked work from itself and scheduled a rebalance
		// (or a delay): heartbeat until the group asks for a rejoin.
		jvmworker.Poll(t, 60*time.Second, func() bool { return m.Heartbeat(ctx) == ErrRejoin }, "the leader asks for a rejoin")
	}
	require.NotEmpty(t, got, "the JVM leader never gave this member any of the connector's work")
	t.Logf("the JVM leader assigned this member: %v", got)
	require.NoError(t, m.Leave(ctx))
}

// TestLeadsJVMWorker has this member lead a group a JVM Kafka Connect 4.4
// worker joins: the leader decodes the JVM worker's metadata (its URL,
// config offset and assignment), and the JVM worker accepts the
// assignment this leader encodes, logging this member as its leader.
func TestLeadsJVMWorker(t *testing.T) {
	cp := jvmworker.Classpath(t)
	brokers := testkafka.Brokers(t)
	group := testkafka.Group(t, "jvm")
	ctx := bounded(t)
	const myURL = "http://kconnect.invalid:8083/"
	var seen []Group
	m, err := New(testkafka.Client(t, brokers), Config{Group: group, Highest: connectproto.V2,
		State: func() connectproto.WorkerState { return connectproto.WorkerState{URL: myURL, ConfigOffset: -1} },
		Assign: func(_ context.Context, g Group) (map[string]*connectproto.Assignment, error) {
			seen = append(seen, g)
			out := map[string]*connectproto.Assignment{}
			for _, gm := range g.Members {
				out[gm.ID] = &connectproto.Assignment{Leader: g.LeaderID, LeaderURL: myURL, ConfigOffset: g.MaxConfigOffset}
			}
			return out, nil
		}})
	require.NoError(t, err)
	first, err := m.Join(ctx)
	require.NoError(t, err)
	require.True(t, first.IsLeader())

	// The JVM worker joins: this member heartbeats until the group
	// rebalances and joins again, as its leader.
	jvm := startJVM(t, cp, brokers, group)
	var j Joined
	jvmworker.Poll(t, 120*time.Second, func() bool {
		if m.Heartbeat(ctx) != ErrRejoin {
			return false
		}
		j, err = m.Join(ctx)
		require.NoError(t, err)
		return len(seen[len(seen)-1].Members) == 2
	}, "the JVM worker joins the group")
	require.True(t, j.IsLeader())
	require.Equal(t, connectproto.V2, j.Protocol)
	g := seen[len(seen)-1]
	var other GroupMember
	for _, gm := range g.Members {
		if gm.ID != j.MemberID {
			other = gm
		}
	}
	require.True(t, strings.HasPrefix(other.ID, "connect-"), other.ID)
	require.Equal(t, jvm.URL+"/", other.URL)
	require.GreaterOrEqual(t, other.ConfigOffset, int64(-1))

	// Keep the group alive while the JVM worker finishes starting; its
	// log then shows the assignment this leader gave it.
	jvmworker.Poll(t, 120*time.Second, func() bool {
		if m.Heartbeat(ctx) == ErrRejoin {
			_, err = m.Join(ctx)
			require.NoError(t, err)
		}
		return jvm.Ready(t)
	}, "the JVM worker answers /health")
	want := fmt.Sprintf("leader='%s', leaderUrl='%s'", j.MemberID, myURL)
	jvmworker.Poll(t, 30*time.Second, func() bool {
		b, _ := os.ReadFile(jvm.Log)
		return strings.Contains(string(b), want) && strings.Contains(string(b), "with protocol version 2 and got assignment: Assignment{error=0")
	}, "the JVM worker's log shows the assignment from this leader")
	require.NoError(t, m.Leave(ctx))
}
