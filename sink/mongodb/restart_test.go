package mongodb_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kconnect-go/kconnect/internal/mongodb"
	"github.com/kconnect-go/kconnect/internal/testenv"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sinkmongodb "github.com/kconnect-go/kconnect/sink/mongodb"
)

// privateServer starts a server of the test's own with a .ci start script
// into dir and returns its host:port and pid, read from the env file the
// script writes; the matching stop script stops it at the end of the test.
func privateServer(t *testing.T, script, dir string) (string, int) {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	out, err := exec.Command(filepath.Join(root, ".ci", script+"-start"), dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	t.Cleanup(func() { _ = exec.Command(filepath.Join(root, ".ci", script+"-stop"), dir).Run() })
	f, err := os.Open(filepath.Join(dir, script+".env"))
	require.NoError(t, err)
	defer f.Close()
	var addr string
	pid := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "mongodb://"); i >= 0 && strings.HasPrefix(line, "export ") {
			addr = strings.TrimSuffix(line[i+len("mongodb://"):], "/'")
		}
		if v, ok := strings.CutPrefix(line, strings.ToUpper(script)+"_PID="); ok {
			pid, err = strconv.Atoi(v)
			require.NoError(t, err)
		}
	}
	require.NotEmpty(t, addr, "no URI in %s", dir)
	require.NotZero(t, pid, "no pid in %s", dir)
	return addr, pid
}

// relay forwards TCP connections to a server, counting the connections it
// could not make, so that a test sees the client try while the server is
// down.
type relay struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
	failed atomic.Int64
	wg     sync.WaitGroup
}

func newRelay(t *testing.T, target string) *relay {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r := &relay{ln: ln, target: target}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.mu.Lock()
			var s net.Conn
			if !r.down {
				s, err = net.DialTimeout("tcp", r.target, time.Second)
			}
			if r.down || err != nil {
				r.mu.Unlock()
				r.failed.Add(1)
				c.Close()
				continue
			}
			r.conns = append(r.conns, c, s)
			r.mu.Unlock()
			r.wg.Add(2)
			go func() { defer r.wg.Done(); _, _ = io.Copy(s, c); s.Close() }()
			go func() { defer r.wg.Done(); _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		r.setDown(true)
		r.wg.Wait()
	})
	return r
}

// setDown closes every connection and refuses new ones while down: a
// stopped process's port still completes TCP handshakes in the kernel.
func (r *relay) setDown(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
	if down {
		for _, c := range r.conns {
			c.Close()
		}
		r.conns = nil
	}
}

// TestServerRestartedUnderWorker stops the server in the middle of a run
// through a worker and brings it back: every record ends up written once
// (one document per id, none missing, none extra), the committed offsets
// cover them all, and the task runs on. FerretDB is killed (SIGKILL) and
// restarted on its SQLite files at the same address; mongo-java-server
// keeps its data in memory only, so it is stopped with SIGSTOP and resumed
// with SIGCONT instead, its connections closed meanwhile.
func TestServerRestartedUnderWorker(t *testing.T) {
	for _, s := range []struct{ name, env string }{{"mongo-java-server", "KCONNECT_MONGODB_URI"}, {"ferretdb", "KCONNECT_FERRETDB_URI"}} {
		t.Run(s.name, func(t *testing.T) {
			testenv.Integration(t, s.env) // CI has the tooling to start one
			if testing.Short() {
				t.Skip("starts a server of its own (about 10 s)")
			}
			testServerRestartedUnderWorker(t, s.name)
		})
	}
}

func testServerRestartedUnderWorker(t *testing.T, server string) {
	dir := t.TempDir()
	script := "mongo"
	if server == "ferretdb" {
		script = "ferretdb"
	}
	addr, pid := privateServer(t, script, dir)
	rl := newRelay(t, addr)
	ctx := context.Background()
	direct, err := mongodb.Connect(ctx, "mongodb://"+addr+"/?serverSelectionTimeoutMS=20000", "test", "0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = direct.Disconnect(context.Background()) })
	// count is called from require.Eventually's goroutine: no require.
	count := func() int64 {
		n, err := direct.Database("restart").Collection("docs").CountDocuments(ctx, bson.D{})
		if err != nil {
			return -1
		}
		return n
	}

	const n = 400
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "restart")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	cl := testkafka.Client(t, brokers)
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: topic, Value: fmt.Appendf(nil, `{"_id": %d, "v": "value-%d"}`, i, i)}
	}
	require.NoError(t, cl.ProduceSync(ctx, recs...).FirstErr())

	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(sinkmongodb.Plugin()),
		worker.OffsetFlushInterval(50*time.Millisecond), worker.Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(func() { w.Close() })
	name := testkafka.Group(t, "mongo-restart")
	require.NoError(t, w.CreateConnector(ctx, name, map[string]string{
		"connector.class": "MongoSinkConnector", "topics": topic, "database": "restart", "collection": "docs",
		"connection.uri":  "mongodb://" + rl.ln.Addr().String() + "/?serverSelectionTimeoutMS=300&connectTimeoutMS=300&socketTimeoutMS=2000",
		"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
		"document.id.strategy": "com.mongodb.kafka.connect.sink.processor.id.strategy.ProvidedInValueStrategy",
		"max.num.retries":      "10000", "retries.defer.timeout": "100",
		// Small bulk writes, 20 ms apart, so that the server stops
		// in the middle of the run.
		"max.batch.size": "20", "rate.limiting.every.n": "1", "rate.limiting.timeout": "20",
	}))
	require.Eventually(t, func() bool { return count() >= n/4 }, 30*time.Second, 5*time.Millisecond)

	proc, err := os.FindProcess(pid)
	require.NoError(t, err)
	if server == "ferretdb" {
		require.NoError(t, proc.Signal(syscall.SIGKILL))
		_, _ = proc.Wait() // not our child: returns at once; the port is checked below
		require.Eventually(t, func() bool {
			c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
			if err == nil {
				c.Close()
			}
			return err != nil
		}, 10*time.Second, 20*time.Millisecond, "FerretDB still listens after SIGKILL")
	} else {
		require.NoError(t, proc.Signal(syscall.SIGSTOP))
		t.Cleanup(func() { _ = proc.Signal(syscall.SIGCONT) })
		rl.setDown(true)
	}
	// The task tries again while the server is down.
	before := rl.failed.Load()
	require.Eventually(t, func() bool { return rl.failed.Load() >= before+5 }, 30*time.Second, 20*time.Millisecond)

	if server == "ferretdb" {
		cmd := exec.Command(filepath.Join(dir, "ferretdb"), "-dir", filepath.Join(dir, "ferretdb-data"), "-listen", addr)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		line, err := bufio.NewReader(out).ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, "port "+addr[strings.LastIndexByte(addr, ':')+1:]+"\n", line)
	} else {
		require.NoError(t, proc.Signal(syscall.SIGCONT))
		rl.setDown(false)
	}

	var ids []int64
	require.Eventually(t, func() bool {
		cur, err := direct.Database("restart").Collection("docs").Find(ctx, bson.D{})
		if err != nil {
			return false
		}
		var docs []bson.D
		if cur.All(ctx, &docs) != nil {
			return false
		}
		ids = ids[:0]
		for _, d := range docs {
			id, _ := mongodb.Get(d, "_id")
			ids = append(ids, toInt64(id))
		}
		return len(ids) >= n
	}, 60*time.Second, 50*time.Millisecond, "documents never reached %d", n)
	seen := map[int64]int{}
	for _, id := range ids {
		seen[id]++
	}
	require.Len(t, ids, n, "one document per record")
	for i := range int64(n) {
		require.Equal(t, 1, seen[i], "documents with _id %d", i)
	}

	require.Eventually(t, func() bool {
		offs, err := w.ConnectorOffsets(ctx, name)
		if err != nil || len(offs.Offsets) != 1 {
			return false
		}
		o, _ := offs.Offsets[0].Offset.Int64("kafka_offset")
		return o == n
	}, 30*time.Second, 50*time.Millisecond, "the committed offset never covered the %d records", n)
	st, err := w.Status(name)
	require.NoError(t, err)
	require.Equal(t, "RUNNING", fmt.Sprint(st.Tasks[0].State))
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int32:
		return int64(x)
	case int64:
		return x
	case float64:
		return int64(x)
	}
	return -1
}
