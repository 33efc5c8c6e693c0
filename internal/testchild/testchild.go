// Package testchild runs a test of the current test binary in a child
// process that a test can kill -9, and gives crash tests a seeded random
// source they can replay. The runtime's crash tests and the embedded
// broker's kill-and-restart tests share it.
package testchild

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// SeedEnv names the environment variable that replays a run's random
// choices (Rand logs the seed it used).
const SeedEnv = "KCONNECT_CRASH_SEED"

// Rand returns a random source seeded from the clock, or from SeedEnv when
// it is set, and logs the seed so a failing run can be replayed.
func Rand(t testing.TB) *rand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(SeedEnv); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("testchild: %s=%q: %v", SeedEnv, s, err)
		}
	}
	t.Logf("seed %d (replay with %s=%d)", seed, SeedEnv, seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// Child is a running child process.
type Child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser // held open: the child stops when it closes
	out    string         // file with the child's output
	exited chan struct{}  // closed when the child is gone
	err    error          // Wait's result, once exited is closed
}

// Start runs the test called name of this test binary in a child process,
// with env added to its environment and its output to a file, which the
// test's log shows if the test fails. The child stays up until killed, or
// until its stdin closes (the parent is gone); it is killed at cleanup.
func Start(t testing.TB, name string, env []string, round int) *Child {
	t.Helper()
	out := filepath.Join(t.TempDir(), fmt.Sprintf("child-%d.log", round))
	f, err := os.Create(out)
	if err != nil {
		t.Fatalf("testchild: %v", err)
	}
	defer f.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.v", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("testchild: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("testchild: starting %s: %v", name, err)
	}
	c := &Child{cmd: cmd, stdin: stdin, out: out, exited: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-c.exited
		if t.Failed() {
			b, _ := os.ReadFile(out)
			t.Logf("child %d output:\n%s", round, b)
		}
	})
	return c
}

// Output returns what the child has written so far.
func (c *Child) Output() string {
	b, _ := os.ReadFile(c.out)
	return string(b)
}

// Pid is the child's process id, to read its /proc entries.
func (c *Child) Pid() int { return c.cmd.Process.Pid }

// Exited is closed once the child is gone.
func (c *Child) Exited() <-chan struct{} { return c.exited }

// Kill sends SIGKILL and waits for the child to be gone. The child must not
// have exited before: that fails the test, with its output.
func (c *Child) Kill(t testing.TB) {
	t.Helper()
	select {
	case <-c.exited:
		b, _ := os.ReadFile(c.out)
		t.Fatalf("child exited by itself (%v):\n%s", c.err, b)
	default:
	}
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatalf("testchild: killing the child: %v", err)
	}
	<-c.exited
}

// Stop closes the child's stdin, which a child started by Start takes as
// its signal to stop cleanly, and waits up to d for it to be gone. The test
// fails if the child had already exited, or is still running after d (it
// is then killed).
func (c *Child) Stop(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case <-c.exited:
		b, _ := os.ReadFile(c.out)
		t.Fatalf("child exited by itself (%v):\n%s", c.err, b)
	default:
	}
	_ = c.stdin.Close()
	select {
	case <-c.exited:
	case <-time.After(d):
		_ = c.cmd.Process.Kill()
		<-c.exited
		t.Fatalf("testchild: the child did not stop within %v of its stdin closing", d)
	}
}
