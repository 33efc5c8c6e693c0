package mongodb_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/mongodb"
)

// private starts a mongo-java-server of the test's own with .ci/mongo-start
// and returns its host:port and a function that stops it.
func private(t *testing.T, dir string) (string, func()) {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	out, err := exec.Command(filepath.Join(root, ".ci/mongo-start"), dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	stop := func() { _ = exec.Command(filepath.Join(root, ".ci/mongo-stop"), dir).Run() }
	t.Cleanup(stop)
	f, err := os.Open(filepath.Join(dir, "mongo.env"))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "export KCONNECT_MONGODB_URI='mongodb://"); ok {
			return strings.TrimSuffix(v, "/'"), stop
		}
	}
	t.Fatalf("no URI in %s/mongo.env", dir)
	return "", nil
}

// relay forwards TCP connections to a target that can change, as a
// server restarted at the same address would be reached.
type relay struct {
	ln     net.Listener
	mu     sync.Mutex
	target string
	conns  []net.Conn
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
			s, err := net.Dial("tcp", r.target)
			if err != nil {
				r.mu.Unlock()
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
		r.retarget("127.0.0.1:1")
		r.wg.Wait()
	})
	return r
}

// retarget closes every connection and sends new ones to target.
func (r *relay) retarget(target string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.target = target
	for _, c := range r.conns {
		c.Close()
	}
	r.conns = nil
}

// TestServerRestarted restarts the server under a streaming task: while it
// is down Poll fails with retriable errors only, and once it is back (at
// the same address) the task reopens its change stream after the last
// token it returned and streams the changes made since.
//
// mongo-java-server keeps everything in memory, so the restarted server
// has neither the collection nor the oplog the token points into, and it
// accepts any token: this checks the task's recovery, not resuming in an
// oplog that survived the restart (a mongod with its data files) nor a
// token lost in it (ChangeStreamHistoryLost, checked by
// TestLostResumeTokenFails with the server's error instead).
func TestServerRestarted(t *testing.T) {
	_, _, db := server(t) // skips unless CI has the MongoDB tooling
	if testing.Short() {
		t.Skip("starts two servers (about 10 s)")
	}
	dir := t.TempDir()
	addr1, stop1 := private(t, filepath.Join(dir, "one"))
	rl := newRelay(t, addr1)
	uri := "mongodb://" + rl.ln.Addr().String() + "/?serverSelectionTimeoutMS=500&connectTimeoutMS=500&directConnection=true"
	ctx := context.Background()
	direct := func(addr string) *mongo.Client {
		c, err := mongodb.Connect(ctx, "mongodb://"+addr+"/", "test", "0")
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
		return c
	}
	c1 := direct(addr1)
	_, err := c1.Database(db).Collection("items").InsertOne(ctx, bson.D{{Key: "_id", Value: 0}})
	require.NoError(t, err)

	cfg := config(uri, db, "items")
	task := startTask(t, cfg, connecttest.NewOffsets())
	recs, err := task.Poll(ctx) // opens the stream
	require.NoError(t, err)
	require.Empty(t, recs)
	_, err = c1.Database(db).Collection("items").InsertOne(ctx, bson.D{{Key: "_id", Value: 1}})
	require.NoError(t, err)
	recs = pollN(t, task, 1, 20*time.Second)
	require.Contains(t, recs[0].Value, `"fullDocument": {"_id": 1}`)

	stop1()
	// Down: retriable errors or nothing, never a failure.
	for range 3 {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		recs, err := task.Poll(pctx)
		cancel()
		require.Empty(t, recs)
		if err != nil {
			require.ErrorIs(t, err, connect.ErrRetriable)
		}
	}

	addr2, _ := private(t, filepath.Join(dir, "two"))
	rl.retarget(addr2)
	c2 := direct(addr2)
	_, err = c2.Database(db).Collection("items").InsertOne(ctx, bson.D{{Key: "_id", Value: 2}})
	require.NoError(t, err)
	var got []connect.Record
	require.Eventually(t, func() bool {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		recs, err := task.Poll(pctx)
		if err != nil && !errors.Is(err, connect.ErrRetriable) {
			t.Fatalf("Poll failed: %v", err)
		}
		got = append(got, recs...)
		return len(got) > 0
	}, 60*time.Second, 10*time.Millisecond)
	require.Contains(t, got[0].Value, `"fullDocument": {"_id": 2}`)
}
