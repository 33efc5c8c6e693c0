package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/version"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/runtime/loglevels"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sinkfile "github.com/kconnect-go/kconnect/sink/file"
	"github.com/kconnect-go/kconnect/source"
	sourcefile "github.com/kconnect-go/kconnect/source/file"
	"github.com/stretchr/testify/require"
)

const workerID = "rest-test-worker"

// flaky is a source connector with two tasks that produce nothing; the
// tasks its "fail" key lists (e.g. "0") fail in Start, every time. It
// counts each task's starts.
type flaky struct {
	starts [2]atomic.Int32
}

func (f *flaky) plugin() source.Plugin {
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.FlakySourceConnector", Aliases: []string{"Flaky"}, Kind: connect.SourcePlugin, Version: "1.0"},
		New:        func() source.Connector { return &flakyConnector{f: f} },
	}
}

type flakyConnector struct {
	f   *flaky
	cfg map[string]string
}

func (c *flakyConnector) Start(_ context.Context, cfg map[string]string, _ source.ConnectorContext) error {
	c.cfg = maps.Clone(cfg)
	return nil
}

func (c *flakyConnector) TaskConfigs(int) ([]map[string]string, error) {
	var out []map[string]string
	for i := range 2 {
		fail := slices.Contains(strings.Split(c.cfg["fail"], ","), strconv.Itoa(i))
		out = append(out, map[string]string{"task": strconv.Itoa(i), "fail": strconv.FormatBool(fail)})
	}
	return out, nil
}

func (c *flakyConnector) NewTask() source.Task       { return &flakyTask{f: c.f} }
func (c *flakyConnector) Stop(context.Context) error { return nil }

type flakyTask struct{ f *flaky }

func (t *flakyTask) Start(_ context.Context, cfg map[string]string, _ source.TaskContext) error {
	n, _ := strconv.Atoi(cfg["task"])
	t.f.starts[n].Add(1)
	if cfg["fail"] == "true" {
		return fmt.Errorf("task %d fails on purpose", n)
	}
	return nil
}

func (t *flakyTask) Poll(ctx context.Context) ([]connect.Record, error) {
	<-ctx.Done()
	return nil, nil
}

func (t *flakyTask) Stop(context.Context) error { return nil }

// env is a standalone worker on the test's Kafka cluster, with the
// FileStream connectors and flaky, served over HTTP.
type env struct {
	t       *testing.T
	brokers []string
	w       *worker.Worker
	srv     *httptest.Server
	flaky   *flaky
	dir     string
}

func newEnv(t *testing.T, opts ...Option) *env {
	t.Helper()
	e := &env{t: t, brokers: testkafka.Brokers(t), flaky: &flaky{}, dir: t.TempDir()}
	w, err := worker.New(worker.Brokers(e.brokers...),
		worker.Plugins(sourcefile.Plugin(), sinkfile.Plugin(), e.flaky.plugin()),
		worker.ID(workerID), worker.Logger(nil),
		worker.OffsetFlushInterval(50*time.Millisecond))
	require.NoError(t, err)
	e.w = w
	t.Cleanup(func() { _ = w.Close() })
	e.srv = httptest.NewServer(NewHandler(w, append([]Option{Logger(nil)}, opts...)...))
	t.Cleanup(e.srv.Close)
	return e
}

// response is an answer: its status, headers and body.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request; body is sent as is when a string, else as its JSON.
func (e *env) do(method, path string, body any) response {
	e.t.Helper()
	return e.doWith(method, path, body, nil)
}

func (e *env) doWith(method, path string, body any, prepare func(*http.Request)) response {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		bs, err := json.Marshal(b)
		require.NoError(e.t, err)
		r = bytes.NewReader(bs)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, r)
	require.NoError(e.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if prepare != nil {
		prepare(req)
	}
	resp, err := e.srv.Client().Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// expect checks an answer's status and exact body.
func (e *env) expect(method, path string, body any, status int, want string) response {
	e.t.Helper()
	resp := e.do(method, path, body)
	require.Equal(e.t, status, resp.status, "%s %s: %s", method, path, resp.body)
	require.Equal(e.t, want, resp.body, "%s %s", method, path)
	if want != "" {
		require.Equal(e.t, "application/json", resp.header.Get("Content-Type"))
	}
	return resp
}

// expectJersey checks an answer Jersey makes in Kafka Connect (a path or
// method no resource has): the status, the exact body and, as there, no
// Content-Type.
func (e *env) expectJersey(method, path string, status int, want string) response {
	e.t.Helper()
	resp := e.do(method, path, nil)
	require.Equal(e.t, status, resp.status, "%s %s: %s", method, path, resp.body)
	require.Equal(e.t, want, resp.body, "%s %s", method, path)
	require.Empty(e.t, resp.header.Values("Content-Type"), "%s %s", method, path)
	return resp
}

// errorBody is Kafka Connect's error body.
func errorBody(status int, msg string) string {
	b, _ := marshal(msg)
	return fmt.Sprintf(`{"error_code":%d,"message":%s}`, status, b)
}

// expectError checks an error answer's status, and that its message
// contains each of parts.
func (e *env) expectError(method, path string, body any, status int, parts ...string) string {
	e.t.Helper()
	resp := e.do(method, path, body)
	require.Equal(e.t, status, resp.status, "%s %s: %s", method, path, resp.body)
	require.Equal(e.t, "application/json", resp.header.Get("Content-Type"))
	var m struct {
		ErrorCode *int    `json:"error_code"`
		Message   *string `json:"message"`
	}
	dec := json.NewDecoder(strings.NewReader(resp.body))
	dec.DisallowUnknownFields()
	require.NoError(e.t, dec.Decode(&m), resp.body)
	require.NotNil(e.t, m.ErrorCode, resp.body)
	require.NotNil(e.t, m.Message, resp.body)
	require.Equal(e.t, status, *m.ErrorCode)
	require.True(e.t, strings.HasPrefix(resp.body, `{"error_code":`), "error_code comes first: %s", resp.body)
	for _, p := range parts {
		require.Contains(e.t, *m.Message, p)
	}
	return *m.Message
}

// status reads a connector's status.
func (e *env) status(name string) herder.ConnectorStatus {
	e.t.Helper()
	resp := e.do("GET", "/connectors/"+name+"/status", nil)
	require.Equal(e.t, http.StatusOK, resp.status, resp.body)
	var st herder.ConnectorStatus
	require.NoError(e.t, json.Unmarshal([]byte(resp.body), &st))
	return st
}

// awaitStates waits for a connector and its tasks to be in these states.
func (e *env) awaitStates(name string, connector herder.State, tasks ...herder.State) herder.ConnectorStatus {
	e.t.Helper()
	var st herder.ConnectorStatus
	require.Eventually(e.t, func() bool {
		st = e.status(name)
		if st.Connector.State != connector || len(st.Tasks) != len(tasks) {
			return false
		}
		for i, t := range st.Tasks {
			if t.State != tasks[i] {
				return false
			}
		}
		return true
	}, 30*time.Second, 10*time.Millisecond, "connector %s never reached %s %v", name, connector, tasks)
	return st
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := marshal(v)
	require.NoError(t, err)
	return string(b)
}

// nameLastJSON is how a configuration posted as a Go map (its keys sorted)
// without a name key is answered: in the order given, the name key the
// connector got appended, as Kafka Connect echoes it.
func nameLastJSON(t *testing.T, config map[string]string) string {
	t.Helper()
	var order []string
	for k := range config {
		if k != "name" {
			order = append(order, k)
		}
	}
	slices.Sort(order)
	b, err := orderedConfig{config, append(order, "name")}.MarshalJSON()
	require.NoError(t, err)
	return string(b)
}

// hashMapJSON is how a patched configuration is answered: in a Java
// HashMap's order, as Kafka Connect answers it.
func hashMapJSON(t *testing.T, config map[string]string) string {
	t.Helper()
	order := slices.Sorted(maps.Keys(config))
	connect.JavaHashMapOrder(order)
	b, err := orderedConfig{config, order}.MarshalJSON()
	require.NoError(t, err)
	return string(b)
}

func TestServerInfoAndHealth(t *testing.T) {
	e := newEnv(t, Version("4.4.0-kc", "abc123"), KafkaClusterID("cluster-1"))
	e.expect("GET", "/", nil, http.StatusOK, `{"version":"4.4.0-kc","commit":"abc123","kafka_cluster_id":"cluster-1"}`)
	e.expect("GET", "/health", nil, http.StatusOK, `{"status":"healthy","message":"Worker has completed startup and is ready to handle requests."}`)

	var health atomic.Pointer[error]
	setHealth := func(err error) { health.Store(&err) }
	setHealth(fmt.Errorf("%w: reading the config topic", ErrStarting))
	check := func(context.Context) error { return *health.Load() }
	srv := httptest.NewServer(NewHandler(e.w, HealthCheck(check), Logger(nil)))
	defer srv.Close()
	get := func() (int, string) {
		resp, err := http.Get(srv.URL + "/health")
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get()
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, `{"status":"starting","message":"Worker is still starting up. worker is still starting up: reading the config topic"}`, body)
	setHealth(errors.New("the herder's loop is stuck"))
	code, body = get()
	require.Equal(t, http.StatusInternalServerError, code)
	require.Equal(t, `{"status":"unhealthy","message":"Worker was unable to handle this request and may be unable to handle other requests. the herder's loop is stuck"}`, body)

	// A check that does not answer within the health check timeout.
	slow := httptest.NewServer(NewHandler(e.w, Logger(nil), HealthCheckTimeout(20*time.Millisecond),
		HealthCheck(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })))
	defer slow.Close()
	resp, err := http.Get(slow.URL + "/health")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	require.Equal(t, `{"status":"unhealthy","message":"Worker was unable to handle this request and may be unable to handle other requests."}`, string(b))
}

// Every connector endpoint, over a FileStream source and sink: status codes
// and bodies as Kafka Connect's.
func TestConnectorEndpoints(t *testing.T) {
	e := newEnv(t)
	topic := testkafka.Topic(t, "lines")
	testkafka.CreateTopic(t, e.brokers, topic, 1, nil)
	in, out := filepath.Join(e.dir, "in.txt"), filepath.Join(e.dir, "out.txt")
	require.NoError(t, os.WriteFile(in, []byte("one\ntwo\n"), 0o644))

	e.expect("GET", "/connectors", nil, http.StatusOK, `[]`)
	e.expect("GET", "/connectors?expand=status", nil, http.StatusOK, `{}`)

	srcCfg := map[string]string{"connector.class": "FileStreamSource", "file": in, "topic": topic}
	resp := e.do("POST", "/connectors", map[string]any{"name": "src", "config": srcCfg})
	require.Equal(t, http.StatusCreated, resp.status, resp.body)
	require.Equal(t, e.srv.URL+"/connectors/src", resp.header.Get("Location"))
	srcCfg["name"] = "src"
	srcInfo := `{"name":"src","config":` + nameLastJSON(t, srcCfg) + `,"tasks":[{"connector":"src","task":0}],"type":"source"}`
	require.Equal(t, srcInfo, resp.body)
	e.expectError("POST", "/connectors", map[string]any{"name": "src", "config": srcCfg}, http.StatusConflict, "src", "already exists")

	// PUT creates (201, Location) and then replaces (200).
	sinkCfg := map[string]string{"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "file": out, "topics": topic}
	// The sink's name, and so its consumer group, is the test's own.
	sink := testkafka.Group(t, "sink")
	sinkInfo := func(config string) string {
		return `{"name":"` + sink + `","config":` + config + `,"tasks":[{"connector":"` + sink + `","task":0}],"type":"sink"}`
	}
	resp = e.do("PUT", "/connectors/"+sink+"/config", sinkCfg)
	require.Equal(t, http.StatusCreated, resp.status, resp.body)
	require.Equal(t, e.srv.URL+"/connectors/"+sink, resp.header.Get("Location"))
	sinkCfg["name"] = sink
	require.Equal(t, sinkInfo(nameLastJSON(t, sinkCfg)), resp.body)
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(out)
		return string(b) == "one\ntwo\n"
	}, 30*time.Second, 10*time.Millisecond, "the sink never wrote what the source read")

	sinkCfg["file.fsync"] = "true"
	resp = e.do("PUT", "/connectors/"+sink+"/config", sinkCfg)
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	require.Empty(t, resp.header.Get("Location"))
	require.Equal(t, sinkInfo(mustJSON(t, sinkCfg)), resp.body, "in the order given, the name key included")

	// PATCH sets and removes keys (null).
	resp = e.do("PATCH", "/connectors/"+sink+"/config", `{"file.fsync":null,"errors.log.enable":true}`)
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	delete(sinkCfg, "file.fsync")
	sinkCfg["errors.log.enable"] = "true"
	require.Equal(t, sinkInfo(hashMapJSON(t, sinkCfg)), resp.body)
	e.expectError("PATCH", "/connectors/nope/config", `{"a":"b"}`, http.StatusNotFound, "nope")

	e.expect("GET", "/connectors", nil, http.StatusOK, `["`+sink+`","src"]`)
	e.expect("GET", "/connectors/src", nil, http.StatusOK, srcInfo)
	e.expect("GET", "/connectors/src/config", nil, http.StatusOK, nameLastJSON(t, srcCfg))
	e.awaitStates("src", herder.Running, herder.Running)
	e.awaitStates(sink, herder.Running, herder.Running)
	kv := `,"version":` + mustJSON(t, version.Kconnect())
	srcStatus := `{"name":"src","connector":{"state":"RUNNING","worker_id":"` + workerID + `"` + kv + `},"tasks":[{"id":0,"state":"RUNNING","worker_id":"` + workerID + `"` + kv + `}],"type":"source"}`
	e.expect("GET", "/connectors/src/status", nil, http.StatusOK, srcStatus)
	e.expect("GET", "/connectors/src/tasks/0/status", nil, http.StatusOK, `{"id":0,"state":"RUNNING","worker_id":"`+workerID+`"`+kv+`}`)
	e.expect("GET", "/connectors/src/tasks/1/status", nil, http.StatusNotFound, errorBody(404, "No status found for task src-1"))
	e.expectError("GET", "/connectors/src/tasks/x/status", nil, http.StatusNotFound, "HTTP 404 Not Found")

	resp = e.expect("GET", "/connectors/src/tasks", nil, http.StatusOK, e.do("GET", "/connectors/src/tasks", nil).body)
	var tasks []herder.TaskInfo
	require.NoError(t, json.Unmarshal([]byte(resp.body), &tasks))
	require.Len(t, tasks, 1)
	require.Equal(t, herder.TaskID{Connector: "src", Task: 0}, tasks[0].ID)
	require.Equal(t, in, tasks[0].Config["file"])
	require.True(t, strings.HasPrefix(resp.body, `[{"id":{"connector":"src","task":0},"config":{`), resp.body)

	// Both expansions, in the order of Kafka Connect's HashMaps: the
	// connectors by the bucket of their name's hash; "status" and "info"
	// share a bucket, so they come in the order the request gives them.
	order := []string{sink, "src"}
	connect.JavaHashMapOrder(order)
	expansions := map[string]map[string]string{
		"src": {"status": srcStatus, "info": srcInfo},
		sink:  {"status": mustJSON(t, e.status(sink)), "info": sinkInfo(hashMapJSON(t, sinkCfg))},
	}
	expanded := func(kinds ...string) string {
		var parts []string
		for _, name := range order {
			var inner []string
			for _, k := range kinds {
				inner = append(inner, `"`+k+`":`+expansions[name][k])
			}
			parts = append(parts, `"`+name+`":{`+strings.Join(inner, ",")+`}`)
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	e.expect("GET", "/connectors?expand=status&expand=info&expand=bogus", nil, http.StatusOK, expanded("status", "info"))
	e.expect("GET", "/connectors?expand=info&expand=status", nil, http.StatusOK, expanded("info", "status"))
	e.expect("GET", "/connectors?expand=info", nil, http.StatusOK, expanded("info"))
	e.expect("GET", "/connectors?expand=bogus", nil, http.StatusOK, expanded())

	// Pause and resume: 202; stop: 204.
	e.expect("PUT", "/connectors/src/pause", nil, http.StatusAccepted, "")
	e.awaitStates("src", herder.Paused, herder.Paused)
	e.expect("PUT", "/connectors/src/resume", nil, http.StatusAccepted, "")
	e.awaitStates("src", herder.Running, herder.Running)
	e.expect("POST", "/connectors/src/tasks/0/restart", nil, http.StatusNoContent, "")
	e.expect("POST", "/connectors/src/tasks/7/restart", nil, http.StatusNotFound, errorBody(404, "Task src-7 not found"))
	e.expect("PUT", "/connectors/src/stop", nil, http.StatusNoContent, "")
	e.awaitStates("src", herder.Stopped)
	e.expect("GET", "/connectors/src/tasks", nil, http.StatusOK, `[]`)
	e.expect("PUT", "/connectors/src/resume", nil, http.StatusAccepted, "")
	e.awaitStates("src", herder.Running, herder.Running)

	// The active topics (KIP-558): the topic the source wrote to and the
	// sink consumed; an unknown connector has none; reset forgets them.
	e.expect("GET", "/connectors/src/topics", nil, http.StatusOK, `{"src":{"topics":[`+mustJSON(t, topic)+`]}}`)
	e.expect("GET", "/connectors/"+sink+"/topics", nil, http.StatusOK, `{`+mustJSON(t, sink)+`:{"topics":[`+mustJSON(t, topic)+`]}}`)
	e.expect("GET", "/connectors/nope/topics", nil, http.StatusOK, `{"nope":{"topics":[]}}`)
	e.expect("PUT", "/connectors/"+sink+"/topics/reset", nil, http.StatusAccepted, "")
	e.expect("GET", "/connectors/"+sink+"/topics", nil, http.StatusOK, `{`+mustJSON(t, sink)+`:{"topics":[]}}`)

	// An unknown connector, in the words (and, in standalone mode, the
	// statuses) of each of Kafka Connect's endpoints.
	for _, p := range []string{"", "/config", "/tasks", "/offsets"} {
		e.expect("GET", "/connectors/nope"+p, nil, http.StatusNotFound, errorBody(404, "Connector nope not found"))
	}
	e.expect("GET", "/connectors/nope/status", nil, http.StatusNotFound, errorBody(404, "No status found for connector nope"))
	e.expect("GET", "/connectors/nope/tasks/0/status", nil, http.StatusNotFound, errorBody(404, "No status found for task nope-0"))
	for _, p := range []string{"/pause", "/resume"} {
		e.expect("PUT", "/connectors/nope"+p, nil, http.StatusNotFound, errorBody(404, "Unknown connector nope"))
	}
	e.expect("PUT", "/connectors/nope/stop", nil, http.StatusInternalServerError, errorBody(500, "No connector `nope` configured"))
	e.expectError("POST", "/connectors/nope/restart", nil, http.StatusInternalServerError, "nope")
	e.expect("POST", "/connectors/nope/restart?includeTasks=true", nil, http.StatusNotFound, errorBody(404, "Unknown connector: nope"))
	e.expect("POST", "/connectors/nope/tasks/0/restart", nil, http.StatusInternalServerError,
		errorBody(500, "Failed to start task nope-0 since it is not a recognizable type (source or sink)"))

	e.expect("DELETE", "/connectors/src", nil, http.StatusNoContent, "")
	e.expect("DELETE", "/connectors/src", nil, http.StatusNotFound, errorBody(404, "Connector src not found"))
	e.expect("GET", "/connectors", nil, http.StatusOK, `["`+sink+`"]`)
}

// POST /connectors/{name}/restart over the four combinations of
// includeTasks and onlyFailed, on a RUNNING connector whose task 0 is
// FAILED and task 1 RUNNING: 204 for the connector alone, else 202 with
// the status as it was and what restarts shown RESTARTING; and only that is
// restarted.
func TestRestartMatrix(t *testing.T) {
	e := newEnv(t)
	resp := e.do("PUT", "/connectors/f/config", map[string]string{"connector.class": "Flaky", "tasks.max": "2", "fail": "0"})
	require.Equal(t, http.StatusCreated, resp.status, resp.body)
	st := e.awaitStates("f", herder.Running, herder.Failed, herder.Running)
	trace := st.Tasks[0].Trace
	require.Contains(t, trace, "task 0 fails on purpose")

	// Task 0 is FAILED before each restart, so its trace is shown, also
	// when it is shown RESTARTING, as Kafka Connect's restart plan keeps it.
	task0 := func(state string) string {
		return `{"id":0,"state":"` + state + `","worker_id":"` + workerID + `","trace":` + mustJSON(t, trace) + `,"version":"1.0"}`
	}
	body := func(conn, t0, t1 string) string {
		return `{"name":"f","connector":{"state":"` + conn + `","worker_id":"` + workerID + `","version":"1.0"},"tasks":[` + task0(t0) +
			`,{"id":1,"state":"` + t1 + `","worker_id":"` + workerID + `","version":"1.0"}],"type":"source"}`
	}
	for _, c := range []struct {
		query                string
		status               int
		body                 string
		restarts0, restarts1 bool
	}{
		{"", http.StatusNoContent, "", false, false},
		{"?includeTasks=false&onlyFailed=false", http.StatusNoContent, "", false, false},
		{"?onlyFailed=true", http.StatusAccepted, body("RUNNING", "FAILED", "RUNNING"), false, false},
		{"?includeTasks=true&onlyFailed=true", http.StatusAccepted, body("RUNNING", "RESTARTING", "RUNNING"), true, false},
		{"?includeTasks=TRUE", http.StatusAccepted, body("RESTARTING", "RESTARTING", "RESTARTING"), true, true},
	} {
		before0, before1 := e.flaky.starts[0].Load(), e.flaky.starts[1].Load()
		e.expect("POST", "/connectors/f/restart"+c.query, nil, c.status, c.body)
		st := e.awaitStates("f", herder.Running, herder.Failed, herder.Running)
		trace = st.Tasks[0].Trace
		if c.restarts0 {
			require.Eventually(t, func() bool { return e.flaky.starts[0].Load() > before0 }, 30*time.Second, 5*time.Millisecond, c.query)
		} else {
			require.Equal(t, before0, e.flaky.starts[0].Load(), "task 0 restarted by %q", c.query)
		}
		if c.restarts1 {
			require.Eventually(t, func() bool { return e.flaky.starts[1].Load() > before1 }, 30*time.Second, 5*time.Millisecond, c.query)
		} else {
			require.Equal(t, before1, e.flaky.starts[1].Load(), "task 1 restarted by %q", c.query)
		}
	}
	before := e.flaky.starts[0].Load()
	e.expect("POST", "/connectors/f/tasks/0/restart", nil, http.StatusNoContent, "")
	require.Eventually(t, func() bool { return e.flaky.starts[0].Load() > before }, 30*time.Second, 5*time.Millisecond)

	// A STOPPED connector restarts in its target state, as Kafka Connect's
	// standalone herder does: it has no tasks to restart.
	e.expect("PUT", "/connectors/f/stop", nil, http.StatusNoContent, "")
	e.expect("POST", "/connectors/f/restart?includeTasks=true", nil, http.StatusAccepted,
		`{"name":"f","connector":{"state":"RESTARTING","worker_id":"rest-test-worker","version":"1.0"},"tasks":[],"type":"source"}`)
	e.awaitStates("f", herder.Stopped)
}

// The offsets of a STOPPED FileStreamSource are read, altered and reset
// over HTTP, and once resumed it reads on from the altered position.
func TestOffsets(t *testing.T) {
	e := newEnv(t)
	topic := testkafka.Topic(t, "offsets")
	testkafka.CreateTopic(t, e.brokers, topic, 1, nil)
	in, out := filepath.Join(e.dir, "in.txt"), filepath.Join(e.dir, "out.txt")
	require.NoError(t, os.WriteFile(in, []byte("a\nbb\nccc\n"), 0o644))

	resp := e.do("POST", "/connectors", map[string]any{"name": "src", "initial_state": "stopped",
		"config": map[string]string{"connector.class": "FileStreamSource", "file": in, "topic": topic}})
	require.Equal(t, http.StatusCreated, resp.status, resp.body)
	require.Equal(t, `{"name":"src","config":`+nameLastJSON(t, map[string]string{"connector.class": "FileStreamSource", "file": in, "topic": topic, "name": "src"})+
		`,"tasks":[],"type":"source"}`, resp.body)
	e.awaitStates("src", herder.Stopped)
	e.expect("GET", "/connectors/src/offsets", nil, http.StatusOK, `{"offsets":[]}`)

	// Skip "a\n" and "bb\n".
	partition := `{"filename":` + mustJSON(t, in) + `}`
	e.expect("PATCH", "/connectors/src/offsets", `{"offsets":[{"partition":`+partition+`,"offset":{"position":5}}]}`, http.StatusOK,
		`{"message":"The offsets for this connector have been altered successfully"}`)
	e.expect("GET", "/connectors/src/offsets", nil, http.StatusOK, `{"offsets":[{"partition":`+partition+`,"offset":{"position":5}}]}`)
	e.expectError("PATCH", "/connectors/src/offsets", `{"offsets":[{"partition":`+partition+`,"offset":{"position":-1}}]}`, http.StatusInternalServerError, "position") // the connector refuses: 500, as Kafka Connect answers
	e.expectError("PATCH", "/connectors/src/offsets", `{"offsets":[]}`, http.StatusBadRequest, "Partitions / offsets need to be provided for an alter offsets request")

	sink := testkafka.Group(t, "sink") // its consumer group is the test's own
	resp = e.do("PUT", "/connectors/"+sink+"/config", map[string]string{"connector.class": "FileStreamSink", "file": out, "topics": topic})
	require.Equal(t, http.StatusCreated, resp.status, resp.body)
	e.expect("PUT", "/connectors/src/resume", nil, http.StatusAccepted, "")
	e.awaitStates("src", herder.Running, herder.Running)
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(out)
		return string(b) == "ccc\n"
	}, 30*time.Second, 10*time.Millisecond, "the source did not read on from the altered position")

	// Offsets can only be changed while STOPPED.
	e.expectError("DELETE", "/connectors/src/offsets", nil, http.StatusBadRequest, "STOPPED", "/connectors/src/stop")
	e.expect("PUT", "/connectors/src/stop", nil, http.StatusNoContent, "")
	e.awaitStates("src", herder.Stopped)
	var offs herder.ConnectorOffsets
	resp = e.expect("GET", "/connectors/src/offsets", nil, http.StatusOK, e.do("GET", "/connectors/src/offsets", nil).body)
	require.NoError(t, json.Unmarshal([]byte(resp.body), &offs))
	require.Len(t, offs.Offsets, 1)
	pos, ok := offs.Offsets[0].Offset.Int64("position")
	require.True(t, ok, resp.body)
	require.Equal(t, int64(9), pos)

	e.expect("DELETE", "/connectors/src/offsets", nil, http.StatusOK, `{"message":"The offsets for this connector have been reset successfully"}`)
	e.expect("GET", "/connectors/src/offsets", nil, http.StatusOK, `{"offsets":[]}`)
	e.expect("PUT", "/connectors/src/resume", nil, http.StatusAccepted, "")
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(out)
		return string(b) == "ccc\na\nbb\nccc\n"
	}, 30*time.Second, 10*time.Millisecond, "the source did not read from the start after its offsets were reset")

	// The sink's offsets, as Kafka Connect shapes them.
	e.expect("PUT", "/connectors/"+sink+"/stop", nil, http.StatusNoContent, "")
	e.awaitStates(sink, herder.Stopped)
	e.expect("GET", "/connectors/"+sink+"/offsets", nil, http.StatusOK,
		`{"offsets":[{"partition":{"kafka_partition":0,"kafka_topic":`+mustJSON(t, topic)+`},"offset":{"kafka_offset":4}}]}`)
}

func TestConnectorPlugins(t *testing.T) {
	e := newEnv(t)
	kv := `,"version":` + mustJSON(t, version.Kconnect())
	connectors := `[{"class":"org.apache.kafka.connect.file.FileStreamSinkConnector","type":"sink"` + kv + `},` +
		`{"class":"org.apache.kafka.connect.file.FileStreamSourceConnector","type":"source"` + kv + `},` +
		`{"class":"test.FlakySourceConnector","type":"source","version":"1.0"}]`
	e.expect("GET", "/connector-plugins", nil, http.StatusOK, connectors)
	e.expect("GET", "/connector-plugins?connectorsOnly=true", nil, http.StatusOK, connectors)
	resp := e.do("GET", "/connector-plugins?connectorsOnly=false", nil)
	require.Equal(t, http.StatusOK, resp.status)
	var all []herder.PluginInfo
	require.NoError(t, json.Unmarshal([]byte(resp.body), &all))
	require.True(t, strings.HasPrefix(resp.body, connectors[:len(connectors)-1]+","), resp.body)
	var kinds []string
	for _, p := range all {
		if len(kinds) == 0 || kinds[len(kinds)-1] != p.Type {
			kinds = append(kinds, p.Type)
		}
	}
	require.Equal(t, []string{"sink", "source", "transformation", "predicate", "converter", "header_converter"}, kinds)
	require.Contains(t, all, herder.PluginInfo{Class: "org.apache.kafka.connect.transforms.InsertField$Value", Type: "transformation", Version: version.Kconnect()})

	// A plugin's keys, by class or alias.
	resp = e.do("GET", "/connector-plugins/FileStreamSource/config", nil)
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	var keys []connect.ConfigKeyInfo
	require.NoError(t, json.Unmarshal([]byte(resp.body), &keys))
	var names []string
	for _, k := range keys {
		names = append(names, k.Name)
	}
	require.Subset(t, names, []string{"file", "topic", "batch.size"})
	require.True(t, strings.HasPrefix(resp.body, `[{"name":`), resp.body)
	e.expect("GET", "/connector-plugins/org.apache.kafka.connect.file.FileStreamSourceConnector/config", nil, http.StatusOK, resp.body)
	e.expectError("GET", "/connector-plugins/NoSuch/config", nil, http.StatusNotFound, "NoSuch")
}

func TestValidate(t *testing.T) {
	e := newEnv(t)
	validate := func(plugin string, cfg map[string]string) connect.ConfigInfos {
		t.Helper()
		resp := e.do("PUT", "/connector-plugins/"+plugin+"/config/validate", cfg)
		require.Equal(t, http.StatusOK, resp.status, resp.body)
		require.True(t, strings.HasPrefix(resp.body, `{"name":`), resp.body)
		var infos connect.ConfigInfos
		require.NoError(t, json.Unmarshal([]byte(resp.body), &infos))
		return infos
	}
	errorsOf := func(infos connect.ConfigInfos, key string) []string {
		for _, c := range infos.Configs {
			if c.Value != nil && c.Value.Name == key {
				return c.Value.Errors
			}
		}
		t.Fatalf("no key %s in the validation", key)
		return nil
	}
	good := map[string]string{"connector.class": sourcefile.Class, "name": "v", "file": "/tmp/x", "topic": "t"}
	// The path names the plugin by class, simple name or alias.
	for _, plugin := range []string{sourcefile.Class, "FileStreamSourceConnector", "FileStreamSource"} {
		infos := validate(plugin, good)
		require.Equal(t, sourcefile.Class, infos.Name)
		require.Zero(t, infos.ErrorCount, "%+v", infos)
		require.Empty(t, errorsOf(infos, "topic"))
		require.Contains(t, infos.Groups, "Common")
	}
	bad := maps.Clone(good)
	delete(bad, "topic")
	bad["batch.size"] = "many"
	infos := validate("FileStreamSource", bad)
	require.Equal(t, 2, infos.ErrorCount)
	require.NotEmpty(t, errorsOf(infos, "topic"))
	require.NotEmpty(t, errorsOf(infos, "batch.size"))

	e.expect("PUT", "/connector-plugins/FileStreamSink/config/validate", good, http.StatusBadRequest,
		errorBody(400, "Included connector type "+sourcefile.Class+" does not match request type FileStreamSink"))
	// Kafka Connect's check: an alias in the configuration does not match
	// the class in the path.
	e.expect("PUT", "/connector-plugins/"+sourcefile.Class+"/config/validate", map[string]string{"connector.class": "FileStreamSource"}, http.StatusBadRequest,
		errorBody(400, "Included connector type FileStreamSource does not match request type "+sourcefile.Class))
	// Kafka Connect 4.4 answers no class with a 500.
	e.expect("PUT", "/connector-plugins/FileStreamSource/config/validate", map[string]string{"file": "x"}, http.StatusInternalServerError,
		errorBody(500, "Connector config contains no connector type"))
	e.expectError("PUT", "/connector-plugins/FileStreamSource/config/validate", `[1]`, http.StatusInternalServerError, "not a JSON object")
}

// A capture is a slog handler's output, safe to read while written.
type capture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// One line per request at Debug level, and never a body: a password given
// in a configuration is not in the log.
func TestRequestLog(t *testing.T) {
	var logged capture
	e := newEnv(t, Logger(slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	const secret = "s3cr3t-value"
	e.expectError("PUT", "/connectors/x/config", map[string]string{"connector.class": "NoSuchConnector", "password": secret}, http.StatusBadRequest)
	e.expectError("PUT", "/connectors/x/config", `{"password":"`+secret+`",`, http.StatusInternalServerError)
	e.expect("GET", "/connectors", nil, http.StatusOK, `[]`)
	log := logged.String()
	require.NotContains(t, log, secret)
	require.Contains(t, log, `level=DEBUG msg="rest request" method=PUT path=/connectors/x/config status=400 duration=`)
	require.Contains(t, log, `level=DEBUG msg="rest request" method=GET path=/connectors status=200 duration=`)
	require.Equal(t, 3, strings.Count(log, `msg="rest request"`), log)
	require.Contains(t, log, `level=ERROR msg="rest request failed" method=PUT path=/connectors/x/config status=500`)
}

// Bad requests are answered with Kafka Connect's status codes and a message
// naming the problem, and create nothing.
func TestBadRequests(t *testing.T) {
	e := newEnv(t, MaxBodyBytes(4096))
	src := map[string]string{"connector.class": "FileStreamSource", "file": "in.txt", "topic": "t"}

	e.expectError("POST", "/connectors", `{"name":"x","config":{`, http.StatusInternalServerError, "not a JSON object", "unexpected end")
	e.expectError("POST", "/connectors", `{"name":"x" "config":{}}`, http.StatusInternalServerError, "not a JSON object", "invalid character")
	e.expectError("POST", "/connectors", ``, http.StatusInternalServerError, "The request body is empty")
	e.expectError("POST", "/connectors", `null`, http.StatusInternalServerError, "The request body is null")
	e.expectError("POST", "/connectors", map[string]any{"name": "x", "connector.class": "FileStreamSource"}, http.StatusInternalServerError,
		`Unrecognized field "connector.class"`)
	e.expectError("POST", "/connectors", map[string]any{"name": "x"}, http.StatusInternalServerError, `no "config"`)
	e.expectError("POST", "/connectors", map[string]any{"name": "x", "config": map[string]any{"file": []int{1}}}, http.StatusInternalServerError,
		`"file"`, "an array")
	e.expectError("POST", "/connectors", map[string]any{"name": "x", "config": map[string]any{"file": nil}}, http.StatusBadRequest,
		`key "file" is null`)
	e.expectError("POST", "/connectors", map[string]any{"name": "x", "config": src, "initial_state": "SLEEPING"}, http.StatusInternalServerError,
		"initial_state", "SLEEPING")
	e.expect("POST", "/connectors", map[string]any{"name": "x", "config": map[string]string{"name": "y"}}, http.StatusBadRequest,
		errorBody(400, "Connector name configuration (y) doesn't match connector name in the URL (x)"))
	e.expect("PUT", "/connectors/x/config", map[string]string{"name": "y"}, http.StatusBadRequest,
		errorBody(400, "Connector name configuration (y) doesn't match connector name in the URL (x)"))
	e.expectError("POST", "/connectors", map[string]any{"name": "  ", "config": src}, http.StatusBadRequest, "name")
	e.expectError("POST", "/connectors", map[string]any{"config": src}, http.StatusBadRequest, "name")
	e.expectError("PUT", "/connectors/x/config", `{"file":"`+strings.Repeat("x", 5000)+`"}`, http.StatusRequestEntityTooLarge, "4096 bytes")
	e.expectError("PUT", "/connectors/x/config", `{"connector.class":"NoSuchConnector"}`, http.StatusBadRequest, "NoSuchConnector")
	resp := e.doWith("PUT", "/connectors/x/config", "connector.class=FileStreamSource", func(r *http.Request) {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	})
	require.Equal(t, http.StatusUnsupportedMediaType, resp.status)
	require.Equal(t, errorBody(415, "HTTP 415 Unsupported Media Type"), resp.body)
	e.expectError("PATCH", "/connectors/x/offsets", `{"offsets":[{"partition":"p"}]}`, http.StatusInternalServerError, "not a list of offsets")
	e.expectError("PATCH", "/connectors/x/offsets", `{}`, http.StatusBadRequest, "Partitions / offsets need to be provided")
	e.expect("GET", "/connectors", nil, http.StatusOK, `[]`)

	// Unknown paths and methods, answered as Jersey does.
	// tasks-config is gone in Kafka Connect 4.
	for _, p := range []string{"/nope", "/connectors/x/nope", "/connectors/x/tasks/0/nope", "/admin/loggers", "/connectors/x/tasks-config"} {
		e.expectJersey("GET", p, http.StatusNotFound, errorBody(404, "HTTP 404 Not Found"))
	}
	resp = e.expectJersey("DELETE", "/connectors", http.StatusMethodNotAllowed, errorBody(405, "HTTP 405 Method Not Allowed"))
	require.Equal(t, "GET, HEAD, POST", resp.header.Get("Allow"))
	e.expectJersey("POST", "/connectors/x/status", http.StatusMethodNotAllowed, errorBody(405, "HTTP 405 Method Not Allowed"))
	e.expectJersey("GET", "/connectors/x/pause", http.StatusMethodNotAllowed, errorBody(405, "HTTP 405 Method Not Allowed"))
	// A trailing slash is the path without, as in Jersey.
	e.expect("GET", "/connectors/", nil, http.StatusOK, `[]`)

	// Numbers and booleans are read as their text, as Jackson reads them
	// into a Map<String, String>.
	// Values are written as Jackson writes them, without HTML escapes.
	resp = e.do("PUT", "/connectors/n/config", `{"connector.class":"Flaky","tasks.max":2,"errors.log.enable":true,"note":"a<b & c>d"}`)
	require.Equal(t, http.StatusCreated, resp.status, resp.body)
	e.expect("GET", "/connectors/n/config", nil, http.StatusOK,
		`{"connector.class":"Flaky","tasks.max":"2","errors.log.enable":"true","note":"a<b & c>d","name":"n"}`)

	// A name with a slash is a name, as in Kafka Connect, whose Location
	// keeps the slash; an encoded slash is refused, as Jetty refuses it,
	// so nothing reaches the connector afterwards there or here.
	resp = e.do("POST", "/connectors", map[string]any{"name": "a/b", "config": map[string]string{"connector.class": "Flaky", "tasks.max": "2"}})
	require.Equal(t, http.StatusCreated, resp.status, resp.body)
	require.Equal(t, e.srv.URL+"/connectors/a/b", resp.header.Get("Location"))
	e.expect("GET", "/connectors", nil, http.StatusOK, `["a/b","n"]`)
	for _, p := range []string{"/connectors/a%2Fb/config", "/connectors/a%2fb"} {
		e.expect("GET", p, nil, http.StatusBadRequest,
			`{"message":"Ambiguous URI path separator","url":`+mustJSON(t, e.srv.URL+p)+`,"status":"400"}`)
	}
	e.expectJersey("GET", "/connectors/a/b", http.StatusNotFound, errorBody(404, "HTTP 404 Not Found")) // another path
}

// stuckHerder is a herder whose calls wait for their context to end.
type stuckHerder struct{ herder.Herder }

func (stuckHerder) ListConnectors(ctx context.Context) ([]string, error) {
	<-ctx.Done()
	return nil, fmt.Errorf("listing connectors: %w", ctx.Err())
}

// A herder call is bounded by the request timeout, which answers 500
// "Request timed out" as Kafka Connect does.
func TestRequestTimeout(t *testing.T) {
	srv := httptest.NewServer(NewHandler(stuckHerder{}, RequestTimeout(20*time.Millisecond), Logger(nil)))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/connectors")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	require.Equal(t, errorBody(500, "Request timed out"), string(b))
}

// The herder's sentinel errors map to Kafka Connect's status codes, the
// error's text the message.
func TestErrorStatus(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		err    error
		status int
	}{
		{fmt.Errorf("connector c: %w", herder.ErrNotFound), 404},
		{fmt.Errorf("connector c: %w", herder.ErrAlreadyExists), 409},
		{fmt.Errorf("%w: no leader", herder.ErrRebalancing), 409},
		{fmt.Errorf("%w: 2 errors", herder.ErrInvalidConfig), 400},
		{fmt.Errorf("%w: not STOPPED", herder.ErrBadRequest), 400},
		{fmt.Errorf("%w: boom", herder.ErrConnectorFailed), 500},
		{errors.New("the broker is down"), 500},
	} {
		status, msg := errorStatus(ctx, c.err)
		require.Equal(t, c.status, status, c.err.Error())
		require.Equal(t, c.err.Error(), msg)
	}
}

// With BasicAuth, a request without the right credentials is answered 401
// as Kafka Connect's basic auth extension answers it, and reaches nothing.
func TestBasicAuth(t *testing.T) {
	e := newEnv(t, BasicAuth(func(user, password string) bool { return user == "admin" && password == "pw" }))
	for _, auth := range []func(*http.Request){
		func(*http.Request) {},
		func(r *http.Request) { r.SetBasicAuth("admin", "wrong") },
		func(r *http.Request) { r.SetBasicAuth("other", "pw") },
		func(r *http.Request) { r.Header.Set("Authorization", "Bearer pw") },
	} {
		resp := e.doWith("POST", "/connectors", map[string]any{"name": "x", "config": map[string]string{"connector.class": "Flaky"}}, auth)
		require.Equal(t, http.StatusUnauthorized, resp.status)
		require.Equal(t, "User cannot access the resource.", resp.body)
		require.Empty(t, resp.header.Get("WWW-Authenticate"))
		resp = e.doWith("GET", "/nope", nil, auth)
		require.Equal(t, http.StatusUnauthorized, resp.status)
	}
	names, err := e.w.ListConnectors(context.Background())
	require.NoError(t, err)
	require.Empty(t, names)
	resp := e.doWith("GET", "/connectors", nil, func(r *http.Request) { r.SetBasicAuth("admin", "pw") })
	require.Equal(t, http.StatusOK, resp.status)
	require.Equal(t, `[]`, resp.body)
}

// /admin/loggers reads and sets the levels of a loglevels.Levels, and a
// level set over HTTP changes what a logger emits.
func TestLoggers(t *testing.T) {
	levels := loglevels.New(slog.LevelInfo)
	var logged capture
	log := slog.New(levels.Handler(slog.NewJSONHandler(&logged, nil)))
	comp := log.With(loglevels.LoggerKey, "kconnect.test.component")
	brokers := testkafka.Brokers(t)
	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins((&flaky{}).plugin()), worker.ID(workerID), worker.Logger(log))
	require.NoError(t, err)
	defer w.Close()
	e := &env{t: t, brokers: brokers, w: w, srv: httptest.NewServer(NewHandler(w, Loggers(levels), Logger(nil)))}
	defer e.srv.Close()

	e.expect("GET", "/admin/loggers", nil, http.StatusOK, `{"root":{"level":"INFO","last_modified":null}}`)
	e.expect("GET", "/admin/loggers/root", nil, http.StatusOK, `{"level":"INFO","last_modified":null}`)
	e.expect("GET", "/admin/loggers/kconnect.test.component", nil, http.StatusOK, `{"level":"INFO","last_modified":null}`)
	e.expect("GET", "/admin/loggers/kconnect.nope", nil, http.StatusNotFound, errorBody(404, "Logger kconnect.nope not found."))

	comp.Debug("hidden")
	before := time.Now().UnixMilli()
	e.expect("PUT", "/admin/loggers/kconnect.test", `{"level":"debug"}`, http.StatusOK, `["kconnect.test","kconnect.test.component"]`)
	comp.Debug("shown")
	require.NotContains(t, logged.String(), `"msg":"hidden"`)
	require.Contains(t, logged.String(), `"level":"DEBUG","msg":"shown","logger":"kconnect.test.component"`)

	var all map[string]struct {
		Level        string `json:"level"`
		LastModified *int64 `json:"last_modified"`
	}
	resp := e.do("GET", "/admin/loggers", nil)
	require.Equal(t, http.StatusOK, resp.status)
	require.NoError(t, json.Unmarshal([]byte(resp.body), &all))
	require.Len(t, all, 3)
	require.Equal(t, "DEBUG", all["kconnect.test.component"].Level)
	require.NotNil(t, all["kconnect.test.component"].LastModified)
	require.GreaterOrEqual(t, *all["kconnect.test.component"].LastModified, before)
	require.Nil(t, all["root"].LastModified)
	require.True(t, strings.HasPrefix(resp.body, `{"kconnect.test":{"level":"DEBUG","last_modified":`), "sorted by name: %s", resp.body)

	// A connector's logger is named after it, and set with it.
	resp = e.do("PUT", "/connectors/f/config", map[string]string{"connector.class": "Flaky", "tasks.max": "2"})
	require.Equal(t, http.StatusCreated, resp.status, resp.body)
	e.expect("GET", "/admin/loggers/connector.f", nil, http.StatusOK, `{"level":"INFO","last_modified":null}`)

	// Cluster scope sets this worker's levels too, and answers 204.
	e.expect("PUT", "/admin/loggers/kconnect.test.component?scope=cluster", `{"level":"ERROR"}`, http.StatusNoContent, "")
	comp.Warn("quiet")
	require.NotContains(t, logged.String(), `"msg":"quiet"`)
	e.expect("PUT", "/admin/loggers/kconnect.test.component?scope=elsewhere", `{"level":"WARN"}`, http.StatusOK, `["kconnect.test.component"]`)
	comp.Warn("loud")
	require.Contains(t, logged.String(), `"msg":"loud"`)

	e.expect("PUT", "/admin/loggers/kconnect.test", `{"lvl":"DEBUG"}`, http.StatusBadRequest,
		errorBody(400, "Desired 'level' parameter was not specified in request."))
	e.expect("PUT", "/admin/loggers/kconnect.test", `{"level":"LOUD"}`, http.StatusNotFound, errorBody(404, "invalid log level 'LOUD'."))
}

// restartHerder answers every restart with a status and an error, as a
// herder does whose restart was made but went wrong.
type restartHerder struct{ herder.Herder }

func (restartHerder) RestartConnectorAndTasks(_ context.Context, name string, _ herder.RestartOptions) (herder.ConnectorStatus, error) {
	st := herder.ConnectorStatus{Name: name, Connector: herder.StateInfo{State: herder.Restarting, WorkerID: "w"}, Tasks: []herder.TaskState{}, Type: "sink"}
	return st, fmt.Errorf("connector %s: task 0 did not stop", name)
}

// A restart the herder made is 202 whatever went wrong after, as Kafka
// Connect answers once the restart is planned; restarting the connector
// alone answers its error.
func TestRestartMadeWithError(t *testing.T) {
	srv := httptest.NewServer(NewHandler(restartHerder{}, Logger(nil)))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/connectors/c/restart?includeTasks=true", "", nil)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	require.Equal(t, `{"name":"c","connector":{"state":"RESTARTING","worker_id":"w"},"tasks":[],"type":"sink"}`, string(b))

	resp, err = http.Post(srv.URL+"/connectors/c/restart", "", nil)
	require.NoError(t, err)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	require.Equal(t, errorBody(500, "connector c: task 0 did not stop"), string(b))
}

// A herder that does not track topics (not a herder.TopicTracker) has the
// active topics endpoints answered as Kafka Connect answers them with
// topic.tracking.enable=false.
func TestActiveTopicsUntracked(t *testing.T) {
	srv := httptest.NewServer(NewHandler(restartHerder{}, Logger(nil)))
	defer srv.Close()
	for _, req := range []struct{ method, path string }{{"GET", "/connectors/c/topics"}, {"PUT", "/connectors/c/topics/reset"}} {
		r, err := http.NewRequest(req.method, srv.URL+req.path, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(r)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
		require.Equal(t, errorBody(403, "Topic tracking is disabled."), string(b))
	}
}
