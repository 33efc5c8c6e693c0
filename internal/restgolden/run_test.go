package restgolden

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunRecordsAndRestoresPlaceholders runs steps against an in-process
// server: bodies go out with the vars filled in, answers come back with
// them (and the URL, host:port and version) as placeholders, and an Await
// holds the next step back until its condition is met.
func TestRunRecordsAndRestoresPlaceholders(t *testing.T) {
	dir := t.TempDir()
	var polls, created atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.Method + " " + r.URL.Path {
		case "GET /":
			io.WriteString(w, `{"version":"9.9","commit":"abc"}`)
		case "POST /connectors":
			b, _ := io.ReadAll(r.Body)
			var req struct {
				Config map[string]string `json:"config"`
			}
			if err := json.Unmarshal(b, &req); err != nil || req.Config["file"] != dir+"/in.txt" {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			created.Store(1)
			w.Header().Set("Location", srv.URL+"/connectors/src")
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"z":"`+req.Config["file"]+`","a":"`+r.Host+`","v":"9.9"}`)
		case "GET /connectors/src/status":
			// RUNNING from the third poll on.
			if polls.Add(1) < 3 {
				io.WriteString(w, `{"connector":{"state":"UNASSIGNED"}}`)
				return
			}
			io.WriteString(w, `{"connector":{"state":"RUNNING"},"tasks":[]}`)
		case "GET /connectors/src":
			assert.GreaterOrEqual(t, polls.Load(), int32(3), "the step after the await ran before it held")
			w.Header().Del("Content-Type")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "<html>gone</html>")
		}
	}))
	defer srv.Close()

	steps := []Step{
		{Name: "create", Method: http.MethodPost, Path: "/connectors",
			Body:  JSON(`{"name":"src","config":{"file":"{{dir}}/in.txt","topic":"{{topic}}"}}`),
			Await: []Await{{Path: "/connectors/src/status", Want: map[string]any{"connector.state": "RUNNING", "tasks": []any{}}}}},
		{Name: "get", Method: http.MethodGet, Path: "/connectors/src"},
	}
	got, err := RunSteps(context.Background(), srv.URL, map[string]string{"dir": dir, "topic": "t1"}, steps)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, int32(1), created.Load())

	in, err := os.ReadFile(filepath.Join(dir, "in.txt"))
	require.NoError(t, err)
	assert.Equal(t, SourceInput, string(in))

	assert.Equal(t, Response{Step: "create", Request: "POST /connectors", Status: 201,
		Headers: map[string]string{"Content-Type": "application/json", "Location": "{{base}}/connectors/src"},
		Body:    json.RawMessage(`{"z":"{{dir}}/in.txt","a":"{{hostport}}","v":"{{version}}"}`)}, got[0])
	assert.Equal(t, Response{Step: "get", Request: "GET /connectors/src", Status: 404,
		Headers: map[string]string{"Content-Type": "text/html; charset=utf-8"}, Text: "<html>gone</html>"}, got[1])
}

func TestRunAwaitTimesOut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"connector":{"state":"PAUSED"}}`)
	}))
	defer srv.Close()
	steps := []Step{
		{Name: "pause", Method: http.MethodPut, Path: "/connectors/src/pause",
			Await: []Await{{Path: "/connectors/src/status", Want: map[string]any{"connector.state": "RUNNING"}, Timeout: 300 * time.Millisecond}}},
		{Name: "never", Method: http.MethodGet, Path: "/"},
	}
	got, err := RunSteps(context.Background(), srv.URL, map[string]string{"dir": t.TempDir(), "topic": "t"}, steps)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `step pause: awaiting GET /connectors/src/status: not within 300ms: last connector.state is "PAUSED", want "RUNNING"`)
	assert.Len(t, got, 1, "the responses before the failure are returned")
}

func TestRunNeedsItsVars(t *testing.T) {
	_, err := Run(context.Background(), "http://127.0.0.1:1", map[string]string{"dir": t.TempDir()})
	assert.ErrorContains(t, err, `var "topic" is not set`)
	_, err = Run(context.Background(), "not a url", map[string]string{"dir": t.TempDir(), "topic": "t"})
	assert.ErrorContains(t, err, "not an absolute URL")
}
