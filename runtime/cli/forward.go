package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/kconnect-go/kconnect/runtime/distributed"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/runtime/rest"
)

// A distributed worker's follower forwards the writes only the leader
// serves to the leader's REST API, as Kafka Connect's
// HerderRequestHandler does: the herder's *NotLeaderError, noted in the
// request's context by leaderNoting, makes forwardToLeader send the
// request again to the leader's URL; the leader's *NotAssignedError, to a
// task's restart, sends it on to the worker running the task. The forward query parameter bounds
// the hops to two: a request from a user (no forward) is forwarded with
// forward=true, which a worker that is not the leader either forwards
// again with forward=false, and a request with forward=false is answered
// 409, as a rebalance has moved the leader meanwhile.

// Kafka Connect's answers when a write cannot be forwarded.
const (
	msgNoLeader   = "Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway."
	msgTwoHops    = "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"
	forwardParam  = "forward"
	forwardLimit  = rest.DefaultMaxBodyBytes
	forwardHeader = "Content-Type"
)

type notLeaderKey struct{}

// notLeaderSlot holds the URL of the worker a request's herder call
// named, if it answered *NotLeaderError (the leader) or
// *NotAssignedError (the worker running the task to restart, to which
// Kafka Connect forwards likewise); "" when none is known.
type notLeaderSlot struct {
	mu    sync.Mutex
	set   bool
	toURL string
}

func (s *notLeaderSlot) get() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.toURL, s.set
}

// leaderNoting is the distributed herder with its leader-only writes'
// *NotLeaderError noted in the request's context.
type leaderNoting struct{ *distributed.Herder }

func note(ctx context.Context, err error) error {
	s, ok := ctx.Value(notLeaderKey{}).(*notLeaderSlot)
	if !ok {
		return err
	}
	var nl *distributed.NotLeaderError
	var na *distributed.NotAssignedError
	switch {
	case errors.As(err, &nl):
		s.mu.Lock()
		s.set, s.toURL = true, nl.LeaderURL
		s.mu.Unlock()
	case errors.As(err, &na):
		s.mu.Lock()
		s.set, s.toURL = true, na.OwnerURL
		s.mu.Unlock()
	}
	return err
}

func (h leaderNoting) PutConnectorConfig(ctx context.Context, name string, config map[string]string, opts herder.PutOptions) (herder.ConnectorInfo, bool, error) {
	info, created, err := h.Herder.PutConnectorConfig(ctx, name, config, opts)
	return info, created, note(ctx, err)
}

func (h leaderNoting) PatchConnectorConfig(ctx context.Context, name string, patch map[string]*string) (herder.ConnectorInfo, error) {
	info, err := h.Herder.PatchConnectorConfig(ctx, name, patch)
	return info, note(ctx, err)
}

func (h leaderNoting) DeleteConnector(ctx context.Context, name string) error {
	return note(ctx, h.Herder.DeleteConnector(ctx, name))
}

func (h leaderNoting) RestartConnectorAndTasks(ctx context.Context, name string, opts herder.RestartOptions) (herder.ConnectorStatus, error) {
	st, err := h.Herder.RestartConnectorAndTasks(ctx, name, opts)
	return st, note(ctx, err)
}

func (h leaderNoting) RestartTask(ctx context.Context, name string, task int) error {
	return note(ctx, h.Herder.RestartTask(ctx, name, task))
}

func (h leaderNoting) AlterConnectorOffsets(ctx context.Context, name string, offsets herder.ConnectorOffsets) (herder.Message, error) {
	msg, err := h.Herder.AlterConnectorOffsets(ctx, name, offsets)
	return msg, note(ctx, err)
}

func (h leaderNoting) ResetConnectorOffsets(ctx context.Context, name string) (herder.Message, error) {
	msg, err := h.Herder.ResetConnectorOffsets(ctx, name)
	return msg, note(ctx, err)
}

// bufferedResponse keeps a response until it is known not to be a
// follower's refusal.
type bufferedResponse struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.code == 0 {
		b.code = http.StatusOK
	}
	return b.body.Write(p)
}
func (b *bufferedResponse) WriteHeader(code int) {
	if b.code == 0 {
		b.code = code
	}
}

func (b *bufferedResponse) writeTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.code == 0 {
		b.code = http.StatusOK
	}
	w.WriteHeader(b.code)
	_, _ = w.Write(b.body.Bytes())
}

// forwardToLeader serves writes with next and, when the herder answered
// that this worker is not the leader, forwards them to the leader.
func forwardToLeader(next http.Handler, client *http.Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, forwardLimit+1))
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("reading the request body: %v", err))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		slot := &notLeaderSlot{}
		rec := &bufferedResponse{header: http.Header{}}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), notLeaderKey{}, slot)))
		to, named := slot.get()
		if !named {
			rec.writeTo(w)
			return
		}
		forward := r.URL.Query().Get(forwardParam)
		switch {
		case strings.EqualFold(forward, "false"):
			writeError(w, http.StatusConflict, msgTwoHops)
			return
		case to == "":
			writeError(w, http.StatusConflict, msgNoLeader)
			return
		}
		q := r.URL.Query()
		q.Set(forwardParam, strconv.FormatBool(forward == ""))
		u := strings.TrimSuffix(to, "/") + r.URL.EscapedPath() + "?" + q.Encode()
		req, err := http.NewRequestWithContext(r.Context(), r.Method, u, bytes.NewReader(body))
		if err != nil {
			writeError(w, http.StatusInternalServerError, fmt.Sprintf("forwarding to %s: %v", to, err))
			return
		}
		// As Kafka's RestClient: the body's type and the caller's
		// credentials go with it.
		for _, k := range []string{forwardHeader, "Authorization"} {
			if v := r.Header.Get(k); v != "" {
				req.Header.Set(k, v)
			}
		}
		resp, err := client.Do(req)
		if err != nil {
			writeError(w, http.StatusInternalServerError, fmt.Sprintf("IO Error trying to forward REST request: %v", err))
			return
		}
		defer resp.Body.Close()
		for _, k := range []string{forwardHeader, "Location"} {
			if v := resp.Header.Get(k); v != "" {
				w.Header().Set(k, v)
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	})
}
