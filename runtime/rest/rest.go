// Package rest serves Kafka Connect's REST API over a herder.Herder: the
// same paths, query parameters, status codes and JSON bodies as a Kafka
// Connect 4 worker, so its tools, scripts and operators work unchanged.
//
// NewHandler returns an http.Handler to mount in any server; the package
// starts no server and keeps no global state. Every herder call is bounded
// by a request timeout (90 s by default, as in Kafka Connect), and answers
// 500 "Request timed out" when it ends.
//
// Errors are Kafka Connect's body, {"error_code":N,"message":"..."}, with
// its status codes: the herder's ErrNotFound is 404 (with the message each
// endpoint of Kafka Connect 4.4 gives, and where its standalone worker
// answers an unknown connector with a 500, a 500), ErrAlreadyExists and
// ErrRebalancing 409, ErrInvalidConfig and ErrBadRequest 400, anything else
// 500. A path that names no resource is 404 and a method a resource does
// not have 405, each with that body and no Content-Type, as Jersey answers
// them in Kafka Connect; a path holding an encoded slash is 400, as Jetty
// answers it. A request body that is not JSON of the expected shape is 500,
// as in Kafka Connect, whose exception mapper answers 500 to every error
// Jackson raises; the message here names the problem. A body larger than
// the limit (MaxBodyBytes) is 413, one whose Content-Type is not JSON 415.
//
// The handler never logs request or response bodies, so connector
// configurations, whose secrets the herder masks in what it returns, appear
// in no log; it logs one line per request at Debug level (method, path,
// status, duration) and the message of each 500 answer at Error level.
//
// What is not served: GET /connectors/{name}/topics and PUT
// /connectors/{name}/topics/reset answer 403 as Kafka Connect does with
// topic.tracking.enable=false when the herder is not a
// herder.TopicTracker; GET /connectors/{name}/tasks-config, which Kafka
// Connect 4 removed, is 404; the workers' internal endpoints (POST /connectors/{name}/tasks, PUT
// /connectors/{name}/fence) are not served; /admin/loggers is served only
// with the Loggers option.
package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/internal/version"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/runtime/loglevels"
)

// Kafka Connect's defaults.
const (
	// DefaultRequestTimeout bounds each herder call, as Kafka Connect's
	// rest request timeout does.
	DefaultRequestTimeout = 90 * time.Second
	// DefaultHealthCheckTimeout bounds GET /health's check.
	DefaultHealthCheckTimeout = 10 * time.Second
	// DefaultMaxBodyBytes is the largest request body read.
	DefaultMaxBodyBytes = 4 << 20
)

// ErrStarting is what a HealthCheck returns, wrapped, while the worker is
// still starting up: GET /health then answers 503 "starting".
var ErrStarting = errors.New("worker is still starting up")

// LogLevels is what /admin/loggers reads and changes, by logger name, as
// Kafka Connect's Loggers does; *loglevels.Levels implements it.
type LogLevels interface {
	// Levels returns the loggers that have a level of their own, and
	// "root" (GET /admin/loggers).
	Levels() map[string]loglevels.LoggerLevel
	// Level returns one logger's level, its own or inherited; false when
	// there is no logger of that name (GET /admin/loggers/{name}).
	Level(name string) (loglevels.LoggerLevel, bool)
	// SetLevel sets the level of a logger and of those below it, level
	// being one of Kafka's names in upper case (TRACE, DEBUG, INFO, WARN,
	// ERROR, FATAL, OFF, ALL), and returns the names of the loggers it
	// set, sorted (PUT /admin/loggers/{name}).
	SetLevel(namespace, level string) ([]string, error)
}

// An Option configures the handler NewHandler returns.
type Option func(*options)

type options struct {
	version, commit string
	clusterID       string
	health          func(context.Context) error
	healthTimeout   time.Duration
	timeout         time.Duration
	maxBody         int64
	loggers         LogLevels
	auth            func(user, password string) bool
	log             *slog.Logger
}

// Version sets the version and commit GET / reports. Default: kconnect's
// version, which the plugins that come with kconnect report too, and the
// commit of the program's build, as its build information has them.
func Version(version, commit string) Option {
	return func(o *options) { o.version, o.commit = version, commit }
}

// KafkaClusterID sets the id of the Kafka cluster GET / reports.
func KafkaClusterID(id string) Option { return func(o *options) { o.clusterID = id } }

// HealthCheck sets the check GET /health runs (KIP-1017), within the health
// check timeout: nil is 200 "healthy"; an error wrapping ErrStarting is 503
// "starting"; any other error, or the timeout, is 500 "unhealthy", its
// text appended to the message. Default: a call of the herder's
// ListConnectors, which answers once the herder serves requests.
func HealthCheck(check func(ctx context.Context) error) Option {
	return func(o *options) { o.health = check }
}

// HealthCheckTimeout bounds GET /health's check. Default:
// DefaultHealthCheckTimeout.
func HealthCheckTimeout(d time.Duration) Option { return func(o *options) { o.healthTimeout = d } }

// RequestTimeout bounds each request's herder call. Default:
// DefaultRequestTimeout.
func RequestTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// MaxBodyBytes sets the largest request body read; a larger one is
// answered 413 and reaches no herder. Default: DefaultMaxBodyBytes.
func MaxBodyBytes(n int64) Option { return func(o *options) { o.maxBody = n } }

// Loggers serves /admin/loggers over levels, typically the
// *loglevels.Levels whose Handler is the program's slog handler. Without
// it, /admin/loggers answers 404, as a Kafka Connect worker whose admin
// listeners are disabled does.
func Loggers(levels LogLevels) Option { return func(o *options) { o.loggers = levels } }

// BasicAuth requires HTTP basic authentication on every request, as Kafka
// Connect's BasicAuthSecurityRestExtension does: check is given the user
// and password of the request's Authorization header ("" and "" without
// one) and says whether they may use the API. A request it refuses is
// answered 401 "User cannot access the resource.", as in Kafka Connect.
// check should compare secrets in constant time
// (crypto/subtle.ConstantTimeCompare).
func BasicAuth(check func(user, password string) bool) Option {
	return func(o *options) { o.auth = check }
}

// Logger sets where the handler logs. Default: slog.Default() as it is when
// NewHandler is called; nil discards.
func Logger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// server is the handler NewHandler returns.
type server struct {
	h   herder.Herder
	o   options
	mux *http.ServeMux
}

// NewHandler returns Kafka Connect's REST API over h, for any http.Server
// or mux to serve, at its root or below a prefix stripped by
// http.StripPrefix (a created connector's Location header, built from the
// request's host, keeps the prefix). It is safe for concurrent use.
func NewHandler(h herder.Herder, opts ...Option) http.Handler {
	o := options{
		healthTimeout: DefaultHealthCheckTimeout,
		timeout:       DefaultRequestTimeout,
		maxBody:       DefaultMaxBodyBytes,
		log:           slog.Default(),
	}
	o.version, o.commit = version.Kconnect(), version.Commit()
	for _, opt := range opts {
		opt(&o)
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.health == nil {
		o.health = func(ctx context.Context) error {
			_, err := h.ListConnectors(ctx)
			return err
		}
	}
	s := &server{h: h, o: o, mux: http.NewServeMux()}
	s.routes()
	return s
}

func (s *server) routes() {
	handle := func(pattern string, e endpoint) { s.mux.Handle(pattern, s.serve(e)) }
	handle("GET /{$}", s.serverInfo)
	handle("GET /health", s.healthCheck)

	handle("GET /connectors", s.listConnectors)
	handle("POST /connectors", s.createConnector)
	handle("GET /connectors/{name}", s.getConnector)
	handle("DELETE /connectors/{name}", s.deleteConnector)
	handle("GET /connectors/{name}/config", s.getConnectorConfig)
	handle("PUT /connectors/{name}/config", s.putConnectorConfig)
	handle("PATCH /connectors/{name}/config", s.patchConnectorConfig)
	handle("GET /connectors/{name}/status", s.getConnectorStatus)
	handle("POST /connectors/{name}/restart", s.restartConnector)
	handle("PUT /connectors/{name}/pause", s.pauseConnector)
	handle("PUT /connectors/{name}/resume", s.resumeConnector)
	handle("PUT /connectors/{name}/stop", s.stopConnector)
	handle("GET /connectors/{name}/tasks", s.getTaskConfigs)
	handle("GET /connectors/{name}/tasks/{task}/status", s.getTaskStatus)
	handle("POST /connectors/{name}/tasks/{task}/restart", s.restartTask)
	handle("GET /connectors/{name}/topics", s.getActiveTopics)
	handle("PUT /connectors/{name}/topics/reset", s.resetActiveTopics)
	handle("GET /connectors/{name}/offsets", s.getOffsets)
	handle("PATCH /connectors/{name}/offsets", s.alterOffsets)
	handle("DELETE /connectors/{name}/offsets", s.resetOffsets)

	handle("GET /connector-plugins", s.listConnectorPlugins)
	handle("GET /connector-plugins/{plugin}/config", s.getConnectorPluginConfig)
	handle("PUT /connector-plugins/{plugin}/config/validate", s.validateConfigs)

	if s.o.loggers != nil {
		handle("GET /admin/loggers", s.listLoggers)
		handle("GET /admin/loggers/{name}", s.getLogger)
		handle("PUT /admin/loggers/{name}", s.setLogLevel)
	}
}

// statusWriter remembers the status written, for the request's log line.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	w := &statusWriter{ResponseWriter: rw}
	defer func() {
		s.o.log.LogAttrs(r.Context(), slog.LevelDebug, "rest request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", w.status), slog.Duration("duration", time.Since(start)))
	}()
	if s.o.auth != nil && !s.authorized(r) {
		// Kafka Connect's basic auth filter answers with this text and no
		// WWW-Authenticate header.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte("User cannot access the resource."))
		return
	}
	// Jetty refuses an encoded slash in a path before Kafka Connect sees
	// the request, so a connector whose name holds a slash cannot be
	// reached there; it is refused here alike.
	if p := r.URL.EscapedPath(); strings.Contains(p, "%2F") || strings.Contains(p, "%2f") {
		ambiguousPath(w, r)
		return
	}
	// Jersey matches a path with a trailing slash as the path without.
	if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		r2 := *r
		u := *r.URL
		u.Path = strings.TrimSuffix(p, "/")
		u.RawPath = strings.TrimSuffix(u.RawPath, "/")
		r2.URL = &u
		r = &r2
	}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.noRoute(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// noRoute answers a request no pattern matched as Jersey does in Kafka
// Connect: 404 for a path that names no resource, 405 for a method the
// resource does not have, each with Kafka Connect's error body and, as
// there, no Content-Type.
func (s *server) noRoute(w http.ResponseWriter, r *http.Request) {
	h, _ := s.mux.Handler(r)
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	if rec.status == http.StatusMethodNotAllowed {
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		writeErrorBody(w, http.StatusMethodNotAllowed, "HTTP 405 Method Not Allowed")
		return
	}
	writeErrorBody(w, http.StatusNotFound, "HTTP 404 Not Found")
}

// ambiguousPath is Jetty's answer to a path holding an encoded slash: 400
// with its own JSON error body.
func ambiguousPath(w http.ResponseWriter, r *http.Request) {
	u := requestScheme(r) + "://" + r.Host + r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	b := []byte(`{"message":"Ambiguous URI path separator","url":`)
	b = appendString(b, u)
	b = append(b, `,"status":"400"}`...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write(b)
}

// requestScheme is "https" for a request over TLS, else "http".
func requestScheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// recorder takes the answer of the mux's own 404 and 405 handlers, to
// learn which it is.
type recorder struct {
	header http.Header
	status int
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *recorder) WriteHeader(code int)        { r.status = code }

// authorized checks the request's basic auth credentials.
func (s *server) authorized(r *http.Request) bool {
	user, password, ok := r.BasicAuth()
	if !ok {
		user, password = "", ""
	}
	return s.o.auth(user, password)
}

// endpoint serves one route: it returns the status and the body to write
// as JSON (none when nil), or an error. ctx is the request's, bounded by
// the request timeout.
type endpoint func(ctx context.Context, w http.ResponseWriter, r *http.Request) (int, any, error)

func (s *server) serve(e endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.o.timeout)
		defer cancel()
		status, body, err := e(ctx, w, r)
		if err != nil {
			status, msg := errorStatus(ctx, err)
			if status >= http.StatusInternalServerError {
				s.o.log.LogAttrs(r.Context(), slog.LevelError, "rest request failed",
					slog.String("method", r.Method), slog.String("path", r.URL.Path),
					slog.Int("status", status), slog.String("error", msg))
			}
			writeError(w, status, msg)
			return
		}
		writeJSON(w, status, body)
	})
}

// writeJSON writes body as Jackson writes it: no HTML escaping, no
// trailing newline.
func writeJSON(w http.ResponseWriter, status int, body any) {
	if body == nil {
		w.WriteHeader(status)
		return
	}
	var b []byte
	if raw, ok := body.(json.RawMessage); ok {
		b = raw
	} else {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(body); err != nil {
			writeError(w, http.StatusInternalServerError, "writing the response: "+err.Error())
			return
		}
		b = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
