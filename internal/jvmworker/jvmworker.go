// Package jvmworker starts a JVM Kafka Connect 4.4 distributed worker for
// tests that check kconnect against one live: its group, its config and
// status topics. It needs the worker's jars, named by ClasspathEnv (the
// REST goldens' jars serve: see runtime/rest/testdata/jvm/worker.sh), and
// a real broker; without either, tests skip, and the skip is recorded.
package jvmworker

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/testenv"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

// ClasspathEnv names the classpath of JVM Kafka Connect 4.4, such as
// "$HOME/.cache/kconnect-ci/connect-jars-<key>/standin:$HOME/.cache/kconnect-ci/connect-jars-<key>/*".
const ClasspathEnv = "KCONNECT_CONNECT_CLASSPATH"

// Classpath returns the JVM worker's classpath, skipping the test without
// one or without a real broker (KCONNECT_KAFKA_BROKERS).
func Classpath(t *testing.T) string {
	t.Helper()
	cp := testenv.Integration(t, ClasspathEnv)
	if !testkafka.Real() {
		t.Skip("needs a real broker (KCONNECT_KAFKA_BROKERS)")
	}
	return cp
}

// Worker is a running JVM worker.
type Worker struct {
	// URL is its REST URL, without a trailing slash; its worker id is
	// URL's host:port.
	URL string
	// Log is its connect.log.
	Log    string
	exited chan struct{}
	out    *bytes.Buffer
	cmd    *exec.Cmd
}

// Start starts ConnectDistributed with classpath cp on brokers, with the
// worker settings props (group.id and the three topics at least) added to
// its own: JSON converters, replication factor 1 for created topics, a
// free loopback port. It returns at once; see Ready. The test's end stops
// the worker by its pid and, if the test failed, logs the end of its log.
func Start(t *testing.T, cp string, brokers []string, props map[string]string) *Worker {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	w := &Worker{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Log: filepath.Join(dir, "connect.log"),
		exited: make(chan struct{}), out: &bytes.Buffer{}}
	all := map[string]string{
		"bootstrap.servers":                 strings.Join(brokers, ","),
		"key.converter":                     "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                   "org.apache.kafka.connect.json.JsonConverter",
		"offset.storage.replication.factor": "1",
		"config.storage.replication.factor": "1",
		"status.storage.replication.factor": "1",
		"offset.flush.interval.ms":          "1000",
		"listeners":                         w.URL,
		"scheduled.rebalance.max.delay.ms":  "5000",
		"worker.unsync.backoff.ms":          "1000",
	}
	for k, v := range props {
		all[k] = v
	}
	var lines []string
	for k, v := range all {
		lines = append(lines, k+"="+v)
	}
	sort.Strings(lines)
	write(t, filepath.Join(dir, "worker.properties"), strings.Join(lines, "\n")+"\n")
	write(t, filepath.Join(dir, "log4j2.properties"), fmt.Sprintf("status = warn\nappender.file.type = File\n"+
		"appender.file.name = file\nappender.file.fileName = %s\nappender.file.layout.type = PatternLayout\n"+
		"appender.file.layout.pattern = [%%d] %%p %%m (%%c)%%n\nrootLogger.level = INFO\n"+
		"rootLogger.appenderRef.file.ref = file\n", w.Log))
	cmd := exec.Command("java", "-Xmx512M", "-Dlog4j2.configurationFile="+filepath.Join(dir, "log4j2.properties"),
		"-cp", cp, "org.apache.kafka.connect.cli.ConnectDistributed", filepath.Join(dir, "worker.properties"))
	cmd.Stdout, cmd.Stderr = w.out, w.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("jvmworker: starting java: %v", err)
	}
	w.cmd = cmd
	go func() { _ = cmd.Wait(); close(w.exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-w.exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-w.exited
		}
		if t.Failed() {
			b, _ := os.ReadFile(w.Log)
			lines := strings.Split(string(b), "\n")
			t.Logf("JVM worker output:\n%s\nconnect.log (last 60 lines):\n%s", w.out.String(),
				strings.Join(lines[max(0, len(lines)-60):], "\n"))
		}
	})
	return w
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Stop stops the worker as a service manager does, with SIGTERM, and
// waits for it: ConnectDistributed's shutdown hook stops its connectors
// and tasks, commits their offsets and leaves the group. The test fails if
// it is still running after d (it is then killed).
func (w *Worker) Stop(t *testing.T, d time.Duration) {
	t.Helper()
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.exited:
	case <-time.After(d):
		_ = w.cmd.Process.Kill()
		<-w.exited
		t.Fatalf("jvmworker: the JVM worker at %s did not stop within %v of SIGTERM", w.URL, d)
	}
}

// PID is the worker's process id, for reading its resident memory.
func (w *Worker) PID() int { return w.cmd.Process.Pid }

// Ready reports whether the worker answers /health (it has started and
// joined its group). It fails the test if the worker exited; call it from
// the test's goroutine.
func (w *Worker) Ready(t *testing.T) bool {
	t.Helper()
	select {
	case <-w.exited:
		t.Fatalf("jvmworker: the JVM worker exited: %s", w.out.String())
	default:
	}
	resp, err := http.Get(w.URL + "/health")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// WaitReady polls Ready until it holds, failing the test after d.
func (w *Worker) WaitReady(t *testing.T, d time.Duration) {
	t.Helper()
	Poll(t, d, func() bool { return w.Ready(t) }, "the JVM worker answers /health")
}

// Do sends a REST request and returns the status and body; a request that
// cannot be sent fails the test.
func (w *Worker) Do(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, w.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("jvmworker: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Poll calls f in the test's goroutine, which may therefore fail the
// test, until it returns true; the test fails when d passes first.
func Poll(t *testing.T, d time.Duration, f func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, what)
		}
		<-tick.C
	}
}
