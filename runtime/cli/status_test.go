package cli_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kconnect-go/kconnect/internal/syncbuf"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/runtime/cli"
	"github.com/kconnect-go/kconnect/source"
	"github.com/stretchr/testify/require"
)

// expandStatus is GET /connectors?expand=status as a JVM Kafka Connect
// worker answers it, with a failed task's Java stack trace.
const expandStatus = `{
  "local-file-sink": {"status": {"name": "local-file-sink",
    "connector": {"state": "RUNNING", "worker_id": "10.0.0.7:8083"},
    "tasks": [
      {"id": 1, "state": "RUNNING", "worker_id": "10.0.0.8:8083"},
      {"id": 0, "state": "FAILED", "worker_id": "10.0.0.7:8083",
       "trace": "org.apache.kafka.connect.errors.ConnectException: Exiting WorkerSinkTask due to unrecoverable exception.\n\tat org.apache.kafka.connect.runtime.WorkerSinkTask.deliverMessages(WorkerSinkTask.java:632)\n"}],
    "type": "sink"}},
  "local-file-source": {"status": {"name": "local-file-source",
    "connector": {"state": "PAUSED", "worker_id": "10.0.0.7:8083"},
    "tasks": [{"id": 0, "state": "PAUSED", "worker_id": "10.0.0.7:8083"}],
    "type": "source"}}
}`

func TestStatusPrintsConnectorsAndTasks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/connectors" || r.URL.Query().Get("expand") != "status" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(expandStatus))
	}))
	defer srv.Close()
	var out, errOut syncbuf.Buffer
	require.Equal(t, 0, cli.Main(context.Background(), []string{"status", srv.URL + "/"}, cli.Output(nil, &out, &errOut)), errOut.String())
	want := `CONNECTOR          TASK  TYPE    STATE    WORKER         TRACE
local-file-sink    -     sink    RUNNING  10.0.0.7:8083  
local-file-sink    0     sink    FAILED   10.0.0.7:8083  org.apache.kafka.connect.errors.ConnectException: Exiting WorkerSinkTask due to unrecoverable exception.
local-file-sink    1     sink    RUNNING  10.0.0.8:8083  
local-file-source  -     source  PAUSED   10.0.0.7:8083  
local-file-source  0     source  PAUSED   10.0.0.7:8083  
`
	require.Equal(t, want, out.String())
}

func TestStatusErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error_code":500,"message":"Request timed out"}`))
	}))
	defer srv.Close()
	var out, errOut syncbuf.Buffer
	require.Equal(t, cli.ExitConfig, cli.Main(context.Background(), []string{"status", strings.TrimPrefix(srv.URL, "http://")}, cli.Output(nil, &out, &errOut)))
	require.Contains(t, errOut.String(), "500 Internal Server Error: Request timed out")
	require.Equal(t, cli.ExitUsage, cli.Main(context.Background(), []string{"status"}, cli.Output(nil, &out, &errOut)))
}

// greeting is a connector plugin of a test's own.
func greeting() source.Plugin {
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "com.example.Greeting", Kind: connect.SourcePlugin},
		New:        func() source.Connector { return nil },
	}
}
