package mongodb_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kconnect-go/kconnect/connect"
)

// proxy forwards TCP connections to a server until cut, which closes every
// connection and refuses new ones until restored.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	muted  bool // the server's answers are dropped
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{ln: ln, target: target}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if p.cut {
				p.mu.Unlock()
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				p.mu.Unlock()
				c.Close()
				continue
			}
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			p.wg.Add(2)
			go func() { defer p.wg.Done(); _, _ = io.Copy(s, c); s.Close() }()
			go func() { defer p.wg.Done(); p.answer(c, s); c.Close() }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.setCut(true)
		p.wg.Wait()
	})
	return p
}

// answer copies the server's bytes to the client, dropping them while
// the proxy is muted.
func (p *proxy) answer(c, s net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := s.Read(buf)
		if n > 0 {
			p.mu.Lock()
			muted := p.muted
			p.mu.Unlock()
			if !muted {
				if _, werr := c.Write(buf[:n]); werr != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *proxy) setMuted(muted bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.muted = muted
}

func (p *proxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}

// TestServerUnreachable: while the server cannot be reached, Put returns a
// retriable error max.num.retries times, with retries.defer.timeout as
// the backoff, then fails naming the collection; once the server is back
// the batch is written.
func TestServerUnreachable(t *testing.T) { onServers(t, testServerUnreachable) }

func testServerUnreachable(t *testing.T, uri string, client *mongo.Client, db string) {
	host := strings.TrimSuffix(strings.TrimPrefix(uri, "mongodb://"), "/")
	p := newProxy(t, host)
	config := map[string]string{
		"connection.uri": "mongodb://" + p.ln.Addr().String() + "/?serverSelectionTimeoutMS=300&connectTimeoutMS=300&retryWrites=false",
		"database":       db, "collection": "c", "topics": "t", "max.num.retries": "2", "retries.defer.timeout": "1234",
	}
	task, tc := started(t, config)
	ctx := context.Background()
	batch := []connect.Record{rec("t", 0, nil, `{"_id": 1}`), rec("t", 1, nil, `{"_id": 2}`)}

	p.setCut(true)
	for i := range 2 {
		err := task.Put(ctx, batch)
		require.ErrorIs(t, err, connect.ErrRetriable, "attempt %d", i+1)
		require.Equal(t, 1234*time.Millisecond, tc.RetryBackoff())
	}
	err := task.Put(ctx, batch)
	require.Error(t, err)
	require.False(t, errors.Is(err, connect.ErrRetriable), "max.num.retries is spent: %v", err)
	require.ErrorContains(t, err, "writing 2 records to "+db+".c")

	p.setCut(false)
	// The driver finds the server again within its heartbeat.
	require.Eventually(t, func() bool { return task.Put(ctx, batch) == nil }, 30*time.Second, 100*time.Millisecond)
	require.Len(t, find(t, client, db, "c", nil), 2)
	require.Empty(t, tc.Reported())
}

// TestTimeseriesCheckUnreachable: when the check for a time series
// collection cannot reach the server, Put returns a retriable error
// max.num.retries times, as for a bulk write, then fails naming the key
// and the collection.
func TestTimeseriesCheckUnreachable(t *testing.T) { onServers(t, testTimeseriesCheckUnreachable) }

func testTimeseriesCheckUnreachable(t *testing.T, uri string, client *mongo.Client, db string) {
	host := strings.TrimSuffix(strings.TrimPrefix(uri, "mongodb://"), "/")
	p := newProxy(t, host)
	config := map[string]string{
		"connection.uri": "mongodb://" + p.ln.Addr().String() + "/?serverSelectionTimeoutMS=300&connectTimeoutMS=300&retryWrites=false&retryReads=false",
		"database":       db, "collection": "series", "topics": "t", "max.num.retries": "2", "retries.defer.timeout": "1234",
		"timeseries.timefield": "ts",
	}
	task, tc := started(t, config)
	ctx := context.Background()
	batch := []connect.Record{rec("t", 0, nil, `{"_id": 1, "ts": {"$date": "2024-01-02T03:04:05Z"}}`)}

	p.setCut(true)
	for i := range 2 {
		err := task.Put(ctx, batch)
		require.ErrorIs(t, err, connect.ErrRetriable, "attempt %d", i+1)
		require.Equal(t, 1234*time.Millisecond, tc.RetryBackoff())
	}
	err := task.Put(ctx, batch)
	require.Error(t, err)
	require.False(t, errors.Is(err, connect.ErrRetriable), "max.num.retries is spent: %v", err)
	require.ErrorContains(t, err, "timeseries.timefield: checking whether "+db+".series is a time series collection")
	require.Empty(t, find(t, client, db, "series", nil))
}
