package elasticsearch

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// client speaks Elasticsearch's REST API, which OpenSearch 2 serves alike
// for what the sink needs (_bulk, index and mapping creation, data
// streams), over net/http. The servers of connection.url take requests in
// turn. As Elasticsearch's own REST client does (Confluent's connector
// uses it), a server that cannot be reached is marked dead and skipped
// for a while (a minute, doubling with each further failure up to half an
// hour), and the request goes to the next one at once: a connection
// failure on one server is not a failed attempt while another answers.
type client struct {
	nodes       []*node
	next        atomic.Uint32
	hc          *http.Client
	auth        string // the Authorization header, or ""
	maxRetries  int
	backoff     time.Duration
	readTimeout time.Duration
	now         func() time.Time
}

// node is one server of connection.url.
type node struct {
	url       *url.URL
	mu        sync.Mutex
	failures  int       // connection failures in a row
	deadUntil time.Time // skipped until then
}

// Dead servers are skipped as Elasticsearch's REST client skips them.
const (
	deadMin = time.Minute
	deadMax = 30 * time.Minute
)

func (n *node) dead(now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return now.Before(n.deadUntil)
}

func (n *node) markDead(now time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	d := deadMin
	for i := 0; i < n.failures && d < deadMax; i++ {
		d *= 2
	}
	n.failures++
	n.deadUntil = now.Add(min(d, deadMax))
}

func (n *node) markAlive() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.failures, n.deadUntil = 0, time.Time{}
}

func newClient(s *settings) *client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: s.connectTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   s.connectTimeout + 10*time.Second,
		TLSClientConfig:       s.tls,
		ResponseHeaderTimeout: s.readTimeout, // the body: see once
		MaxIdleConnsPerHost:   s.maxInFlight + 2,
		IdleConnTimeout:       time.Minute,
	}
	if s.proxy != nil {
		tr.Proxy = http.ProxyURL(s.proxy)
	}
	if s.connectTimeout == 0 {
		tr.DialContext = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
	}
	c := &client{hc: &http.Client{Transport: tr}, maxRetries: s.maxRetries, backoff: s.backoff, readTimeout: s.readTimeout, now: time.Now}
	for _, u := range s.urls {
		c.nodes = append(c.nodes, &node{url: u})
	}
	if s.username != "" && s.password.Value() != "" {
		c.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(s.username+":"+s.password.Value()))
	}
	return c
}

func (c *client) close() { c.hc.CloseIdleConnections() }

// httpError is an answer the server gave with an error status.
type httpError struct {
	method, url string
	status      int
	body        string
}

func (e *httpError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.method, e.url, e.status, e.body)
}

// retriable says whether a failure may heal by itself: the server was
// unreachable, too busy (429) or failed (5xx).
func retriable(err error) bool {
	var he *httpError
	if errors.As(err, &he) {
		return he.status == http.StatusTooManyRequests || he.status >= 500
	}
	return err != nil && !errors.Is(err, context.Canceled)
}

// pick returns the servers to try a request on, in turn: the live ones
// from the next in round-robin order, or, when every one is dead, the one
// whose wait ends first (it may be back).
func (c *client) pick() []*node {
	start := int(c.next.Add(1) - 1)
	now := c.now()
	live := make([]*node, 0, len(c.nodes))
	var soonest *node
	var soonestUntil time.Time
	for i := range c.nodes {
		n := c.nodes[(start+i)%len(c.nodes)]
		if !n.dead(now) {
			live = append(live, n)
			continue
		}
		n.mu.Lock()
		until := n.deadUntil
		n.mu.Unlock()
		if soonest == nil || until.Before(soonestUntil) {
			soonest, soonestUntil = n, until
		}
	}
	if len(live) == 0 {
		return []*node{soonest}
	}
	return live
}

// try sends one request: to the next live server, and on to the others
// while a server cannot be reached (or does not answer within
// read.timeout.ms), marking each such server dead. It returns the first
// answer, or the last failure when no server answered.
func (c *client) try(ctx context.Context, method, path string, body []byte, ndjson bool) (int, []byte, error) {
	var err error
	for _, n := range c.pick() {
		var status int
		var data []byte
		status, data, err = c.once(ctx, n.url, method, path, body, ndjson)
		var he *httpError
		if err == nil || errors.As(err, &he) {
			n.markAlive()
			return status, data, err
		}
		if ctx.Err() != nil {
			return 0, nil, err
		}
		n.markDead(c.now())
	}
	return 0, nil, err
}

// once sends one request to a server and returns its status and body; a
// status of 300 and above is an *httpError. read.timeout.ms bounds the
// wait for the headers and then for each part of the body, as a socket
// timeout does: a server that stalls mid-body fails the request.
func (c *client) once(ctx context.Context, u *url.URL, method, path string, body []byte, ndjson bool) (int, []byte, error) {
	target := u.String() + path
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		if ndjson {
			req.Header.Set("Content-Type", "application/x-ndjson")
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err // *url.Error: names the URL, which holds no credentials
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	var stalled atomic.Bool
	if c.readTimeout > 0 {
		timer := time.AfterFunc(c.readTimeout, func() { stalled.Store(true); cancel() })
		defer timer.Stop()
		r = &idleReader{r: resp.Body, timer: timer, d: c.readTimeout}
	}
	data, err := io.ReadAll(r)
	if err != nil {
		if stalled.Load() {
			return 0, nil, fmt.Errorf("%s %s: reading the response: no data for %s=%d", method, target, ReadTimeoutMsConfig, c.readTimeout.Milliseconds())
		}
		return 0, nil, fmt.Errorf("%s %s: reading the response: %w", method, target, err)
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, data, &httpError{method: method, url: target, status: resp.StatusCode, body: truncate(data, 500)}
	}
	return resp.StatusCode, data, nil
}

// idleReader restarts its timer whenever data arrives.
type idleReader struct {
	r     io.Reader
	timer *time.Timer
	d     time.Duration
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.timer.Reset(r.d)
	}
	return n, err
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// do sends a request, retrying retriable failures (no server answered, or
// it answered 429 or 5xx) max.retries times with exponential back-off and
// jitter. A non-retriable error status is
// returned as it is, with its status, for the caller to judge (a 404 may
// be an answer).
func (c *client) do(ctx context.Context, method, path string, body []byte, ndjson bool) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		status, data, err := c.try(ctx, method, path, body, ndjson)
		if err == nil || !retriable(err) || attempt >= c.maxRetries || ctx.Err() != nil {
			return status, data, c.exhausted(ctx, err, attempt)
		}
		if err := sleep(ctx, backoff(c.backoff, attempt)); err != nil {
			return 0, nil, err
		}
	}
}

// exhausted says, of a failure that may heal, how often it was tried.
func (c *client) exhausted(ctx context.Context, err error, attempt int) error {
	if err != nil && retriable(err) && ctx.Err() == nil {
		return fmt.Errorf("%w (failed %d times; max.retries is %d)", err, attempt+1, c.maxRetries)
	}
	return err
}

// backoff is Confluent's wait before retry attempt+1: a random time up to
// retry.backoff.ms doubled attempt times (at most a day).
func backoff(initial time.Duration, attempt int) time.Duration {
	if initial <= 0 {
		return 0
	}
	limit := initial
	for i := 0; i < attempt && limit < 24*time.Hour; i++ {
		limit *= 2
	}
	limit = min(limit, 24*time.Hour)
	return time.Duration(rand.Int64N(int64(limit)) + 1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
