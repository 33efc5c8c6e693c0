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
	"sync/atomic"
	"time"
)

// client speaks Elasticsearch's REST API, which OpenSearch 2 serves alike
// for what the sink needs (_bulk, index and mapping creation, data
// streams), over net/http. The servers of connection.url take requests in
// turn; a request that fails in a way that may heal goes to the next one.
type client struct {
	urls       []*url.URL
	next       atomic.Uint32
	hc         *http.Client
	auth       string // the Authorization header, or ""
	maxRetries int
	backoff    time.Duration
}

func newClient(s *settings) *client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: s.connectTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   s.connectTimeout + 10*time.Second,
		TLSClientConfig:       s.tls,
		ResponseHeaderTimeout: s.readTimeout,
		MaxIdleConnsPerHost:   s.maxInFlight + 2,
		IdleConnTimeout:       time.Minute,
	}
	if s.proxy != nil {
		tr.Proxy = http.ProxyURL(s.proxy)
	}
	if s.connectTimeout == 0 {
		tr.DialContext = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
	}
	c := &client{urls: s.urls, hc: &http.Client{Transport: tr}, maxRetries: s.maxRetries, backoff: s.backoff}
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

// once sends one request to the next server and returns its status and
// body; a status of 300 and above is an *httpError.
func (c *client) once(ctx context.Context, method, path string, body []byte, ndjson bool) (int, []byte, error) {
	u := c.urls[int(c.next.Add(1)-1)%len(c.urls)]
	target := u.String() + path
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
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
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: reading the response: %w", method, target, err)
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, data, &httpError{method: method, url: target, status: resp.StatusCode, body: truncate(data, 500)}
	}
	return resp.StatusCode, data, nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// do sends a request, retrying retriable failures max.retries times with
// exponential back-off and jitter. A non-retriable error status is
// returned as it is, with its status, for the caller to judge (a 404 may
// be an answer).
func (c *client) do(ctx context.Context, method, path string, body []byte, ndjson bool) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		status, data, err := c.once(ctx, method, path, body, ndjson)
		if err == nil || !retriable(err) || attempt >= c.maxRetries || ctx.Err() != nil {
			if err != nil && retriable(err) && ctx.Err() == nil {
				err = fmt.Errorf("%w (failed %d times; max.retries is %d)", err, attempt+1, c.maxRetries)
			}
			return status, data, err
		}
		if err := sleep(ctx, backoff(c.backoff, attempt)); err != nil {
			return 0, nil, err
		}
	}
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
