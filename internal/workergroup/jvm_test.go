package workergroup

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/connectproto"
	"github.com/kconnect-go/kconnect/internal/testenv"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

// ClasspathEnv names the classpath of JVM Kafka Connect 4.4 for
// TestJVMWorkerLeads, such as the REST goldens' jars
// ("$HOME/.cache/kconnect-ci/connect-jars-<key>/standin:$HOME/.cache/kconnect-ci/connect-jars-<key>/*",
// see runtime/rest/testdata/jvm/worker.sh).
const ClasspathEnv = "KCONNECT_CONNECT_CLASSPATH"

// jvmClasspath returns the JVM worker's classpath, skipping the test
// without one or without a real broker.
func jvmClasspath(t *testing.T) string {
	t.Helper()
	cp := testenv.Integration(t, ClasspathEnv)
	if !testkafka.Real() {
		t.Skip("needs a real broker (KCONNECT_KAFKA_BROKERS)")
	}
	return cp
}

// startJVMWorker starts ConnectDistributed with classpath cp in group on
// the real broker and returns its REST URL and log file at once; ready
// reports whether it answers /health. The test's end stops it by its pid.
func startJVMWorker(t *testing.T, cp string, brokers []string, group string) (url, logFile string, ready func() bool) {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	url = fmt.Sprintf("http://127.0.0.1:%d", port)
	logFile = filepath.Join(dir, "connect.log")
	props := fmt.Sprintf(`bootstrap.servers=%s
group.id=%s
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.storage.topic=%[2]s-offsets
offset.storage.replication.factor=1
config.storage.topic=%[2]s-configs
config.storage.replication.factor=1
status.storage.topic=%[2]s-status
status.storage.replication.factor=1
listeners=%s
`, strings.Join(brokers, ","), group, url)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "worker.properties"), []byte(props), 0o644))
	log4j := fmt.Sprintf("status = warn\nappender.file.type = File\nappender.file.name = file\nappender.file.fileName = %s\n"+
		"appender.file.layout.type = PatternLayout\nappender.file.layout.pattern = [%%d] %%p %%m (%%c)%%n\n"+
		"rootLogger.level = INFO\nrootLogger.appenderRef.file.ref = file\n", filepath.Join(dir, "connect.log"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "log4j2.properties"), []byte(log4j), 0o644))
	cmd := exec.Command("java", "-Xmx512M", "-Dlog4j2.configurationFile="+filepath.Join(dir, "log4j2.properties"),
		"-cp", cp, "org.apache.kafka.connect.cli.ConnectDistributed", filepath.Join(dir, "worker.properties"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "connect.log"))
			t.Logf("JVM worker output:\n%s\nconnect.log (tail):\n%s", out.String(), tail(string(b), 60))
		}
	})
	ready = func() bool {
		select {
		case <-exited:
			t.Fatalf("the JVM worker exited: %s", out.String())
		default:
		}
		resp, err := http.Get(url + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	return url, logFile, ready
}

// poll calls f in the test's goroutine, which may therefore fail the
// test, until it returns true; the test fails when d passes first.
func poll(t *testing.T, d time.Duration, f func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, msg)
		}
		<-tick.C
	}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
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
	url, _, ready := startJVMWorker(t, jvmClasspath(t), brokers, group)
	poll(t, 120*time.Second, ready, "the JVM worker answers /health")
	ctx := bounded(t)

	// Four connectors of one task each: a second worker should get half
	// of them, which the leader revokes from itself first.
	file := filepath.Join(t.TempDir(), "in.txt")
	require.NoError(t, os.WriteFile(file, []byte("a\n"), 0o644))
	for i := range 4 {
		body := fmt.Sprintf(`{"name":"src%d","config":{"connector.class":"FileStreamSource","file":%q,"topic":"%s-lines","tasks.max":"1",`+
			`"topic.creation.default.replication.factor":"1","topic.creation.default.partitions":"1"}}`, i, file, group)
		resp, err := http.Post(url+"/connectors", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusCreated, resp.StatusCode)
		require.Eventually(t, func() bool {
			resp, err := http.Get(fmt.Sprintf("%s/connectors/src%d/tasks", url, i))
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			var b bytes.Buffer
			_, _ = b.ReadFrom(resp.Body)
			return strings.Contains(b.String(), `"task":0`)
		}, 60*time.Second, 100*time.Millisecond)
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
		poll(t, 60*time.Second, func() bool { return m.Heartbeat(ctx) == ErrRejoin }, "the leader asks for a rejoin")
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
	cp := jvmClasspath(t)
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
	_, logFile, ready := startJVMWorker(t, cp, brokers, group)
	var j Joined
	poll(t, 120*time.Second, func() bool {
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
	var jvm GroupMember
	for _, gm := range g.Members {
		if gm.ID != j.MemberID {
			jvm = gm
		}
	}
	require.True(t, strings.HasPrefix(jvm.ID, "connect-"), jvm.ID)
	require.Regexp(t, `^http://127\.0\.0\.1:\d+/$`, jvm.URL)
	require.GreaterOrEqual(t, jvm.ConfigOffset, int64(-1))

	// Keep the group alive while the JVM worker finishes starting; its
	// log then shows the assignment this leader gave it.
	poll(t, 120*time.Second, func() bool {
		if m.Heartbeat(ctx) == ErrRejoin {
			_, err = m.Join(ctx)
			require.NoError(t, err)
		}
		return ready()
	}, "the JVM worker answers /health")
	want := fmt.Sprintf("leader='%s', leaderUrl='%s'", j.MemberID, myURL)
	poll(t, 30*time.Second, func() bool {
		b, _ := os.ReadFile(logFile)
		return strings.Contains(string(b), want) && strings.Contains(string(b), "with protocol version 2 and got assignment: Assignment{error=0")
	}, "the JVM worker's log shows the assignment from this leader")
	require.NoError(t, m.Leave(ctx))
}
