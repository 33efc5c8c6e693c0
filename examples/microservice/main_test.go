package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/syncbuf"
)

// start runs the service on data, with ctx ended by SIGTERM as main's is,
// and returns its base URL and the channel run's result arrives on.
func start(t *testing.T, data string, logs *syncbuf.Buffer) (string, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	done, exited := make(chan error, 1), make(chan struct{})
	go func() {
		defer close(exited)
		done <- run(ctx, ln, data, slog.New(slog.NewTextHandler(logs, nil)))
	}()
	t.Cleanup(func() { // a failed test's service stops before its directory is removed
		stop()
		<-exited
	})
	return "http://" + ln.Addr().String(), done
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func do(t *testing.T, method, url, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// sigterm sends SIGTERM to the test's process, which start's context
// catches as main's does, and waits for the service to stop cleanly.
func sigterm(t *testing.T, done <-chan error, logs *syncbuf.Buffer) {
	t.Helper()
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGTERM))
	select {
	case err := <-done:
		require.NoError(t, err, "log:\n%s", logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("the service did not stop; log:\n%s", logs)
	}
}

func TestMicroservice(t *testing.T) {
	data := t.TempDir()
	var logs syncbuf.Buffer
	base, done := start(t, data, &logs)

	// Healthy once serving, with the pipeline's connectors in the REST API.
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 10*time.Millisecond, "log:\n%s", &logs)
	code, body := get(t, base+"/connect/connectors")
	require.Equal(t, http.StatusOK, code)
	var names []string
	require.NoError(t, json.Unmarshal([]byte(body), &names))
	require.ElementsMatch(t, []string{"inbox", "out"}, names)

	// The pipeline: a file dropped in the inbox reaches out.txt.
	out := filepath.Join(data, "out.txt")
	require.NoError(t, os.WriteFile(filepath.Join(data, "inbox", "a.txt"), []byte("one\ntwo\n"), 0o644))
	var got []byte
	require.Eventually(t, func() bool {
		got, _ = os.ReadFile(out)
		return string(got) == "one\ntwo\n"
	}, 10*time.Second, 10*time.Millisecond, "out.txt: %q", &got)

	// A connector added through the REST API whose task fails makes the
	// service unhealthy, naming it, until it is deleted.
	require.Equal(t, http.StatusCreated, do(t, http.MethodPost, base+"/connect/connectors",
		`{"name":"broken","config":{"connector.class":"FileStreamSink","topics":"lines","file":"`+
			filepath.Join(data, "missing", "out.txt")+`"}}`))
	require.Eventually(t, func() bool {
		code, body := get(t, base+"/healthz")
		return code == http.StatusServiceUnavailable && strings.Contains(body, `"connector broken task 0"`)
	}, 30*time.Second, 10*time.Millisecond)
	require.Equal(t, http.StatusNoContent, do(t, http.MethodDelete, base+"/connect/connectors/broken", ""))
	code, body = get(t, base+"/healthz")
	require.Equal(t, http.StatusOK, code, body)
	require.JSONEq(t, `{"status":"ok"}`, body)

	sigterm(t, done, &logs)
	require.Contains(t, logs.String(), "shutting down")

	// Started again on the same directory: the broker kept the records and
	// the sink's position, so only the new file's lines are appended.
	base, done = start(t, data, &logs)
	require.NoError(t, os.WriteFile(filepath.Join(data, "inbox", "b.txt"), []byte("three\n"), 0o644))
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(out)
		return string(b) == "one\ntwo\nthree\n"
	}, 30*time.Second, 10*time.Millisecond, "log:\n%s", &logs)
	code, _ = get(t, base+"/healthz")
	require.Equal(t, http.StatusOK, code)
	sigterm(t, done, &logs)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, "one\ntwo\nthree\n", string(b), "nothing repeated after the restart")
}
