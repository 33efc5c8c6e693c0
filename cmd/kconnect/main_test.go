//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/syncbuf"

	"github.com/stretchr/testify/require"
)

// build builds this command into a temporary directory.
func build(t *testing.T) string {
	t.Helper()
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		goTool = "go"
	}
	bin := filepath.Join(t.TempDir(), "kconnect")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// SIGTERM or SIGINT stops the program cleanly: its connectors stop, and
// it exits 0 within the worker's shutdown timeouts.
func TestSignalStopsTheWorkerCleanly(t *testing.T) {
	bin := build(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
			require.NoError(t, os.WriteFile(in, []byte("a\nb\n"), 0o600))
			w := filepath.Join(dir, "w.properties")
			require.NoError(t, os.WriteFile(w, []byte("listeners=http://127.0.0.1:0\ntask.shutdown.graceful.timeout.ms=2000\n"), 0o600))
			c := filepath.Join(dir, "c.properties")
			require.NoError(t, os.WriteFile(c, []byte("name=pipe\nconnector.class=FileStreamSource\ntopic=lines\nfile="+in+"\n"), 0o600))
			s := filepath.Join(dir, "s.json")
			require.NoError(t, os.WriteFile(s, []byte(`{"name":"sink","connector.class":"FileStreamSink","topics":"lines","file":"`+out+`"}`), 0o600))

			var logs syncbuf.Buffer
			cmd := exec.Command(bin, "standalone", w, c, s)
			cmd.Stdout, cmd.Stderr = &logs, &logs
			require.NoError(t, cmd.Start())
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			require.Eventually(t, func() bool {
				data, _ := os.ReadFile(out)
				return strings.Contains(logs.String(), "worker ready") && len(strings.Fields(string(data))) == 2
			}, 30*time.Second, 10*time.Millisecond, "log:\n%s", &logs)

			require.NoError(t, cmd.Process.Signal(sig))
			began := time.Now()
			select {
			case err := <-done:
				require.NoError(t, err, "log:\n%s", logs.String())
			case <-time.After(15 * time.Second):
				t.Fatalf("no exit 15s after %v; log:\n%s", sig, logs.String())
			}
			t.Logf("stopped %v after %v", sig, time.Since(began))
			require.Equal(t, 0, cmd.ProcessState.ExitCode())
			require.Contains(t, logs.String(), "connector=pipe state=STOPPED")
			require.Contains(t, logs.String(), "worker stopped")
		})
	}
}
