package testkafka

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/kconnect-go/kconnect/internal/testenv"
)

// Environment variables naming the fault broker .ci/run starts beside the
// shared one. It is a second real broker that tests may freeze (SIGSTOP)
// and whose SASL listener enforces ACLs, so no test of the shared broker
// ever sees it stall.
const (
	// FaultBrokersEnv is its PLAINTEXT listener, unrestricted
	// (User:ANONYMOUS is a super user).
	FaultBrokersEnv = "KCONNECT_KAFKA_FAULT_BROKERS"
	// FaultPIDEnv is the broker's process id, for SIGSTOP and SIGCONT.
	FaultPIDEnv = "KCONNECT_KAFKA_FAULT_PID"
	// SASLBrokersEnv is its SASL_PLAINTEXT listener (mechanism PLAIN) with
	// the standard authorizer: [SASLAdmin] is a super user, [SASLUser] is
	// allowed only what ACLs grant.
	SASLBrokersEnv = "KCONNECT_KAFKA_SASL_BROKERS"
	// FaultLockEnv optionally names the lock file that serialises tests of
	// the fault broker across test binaries; by default it lives in the
	// temporary directory, keyed by the broker's pid.
	FaultLockEnv = "KCONNECT_KAFKA_FAULT_LOCK"
)

// The SASL/PLAIN users of the fault broker (.ci/kafka-start writes them
// into its JAAS config) and of its kfake stand-in.
const (
	SASLAdmin         = "admin"
	SASLAdminPassword = "admin-secret"
	SASLUser          = "alice"
	SASLUserPassword  = "alice-secret"
)

// Frozen is a Kafka cluster a test may freeze and resume. Freezing stops
// the broker from answering anything while its sockets stay open, as a
// broker in a long GC pause or SIGSTOPped does: clients see requests time
// out, not connections refused.
type Frozen struct {
	// Brokers are the seed brokers.
	Brokers []string

	freeze, resume func()
	mu             sync.Mutex
	frozen         bool
}

// Freeze stops the broker answering until [Frozen.Resume] or the end of the
// test. Calling it twice is harmless.
func (f *Frozen) Freeze() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.frozen {
		f.freeze()
		f.frozen = true
	}
}

// Resume lets a frozen broker answer again. Calling it when not frozen is
// harmless.
func (f *Frozen) Resume() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.frozen {
		f.resume()
		f.frozen = false
	}
}

// Freezable returns a cluster of the test's own that it may freeze. With
// [FaultBrokersEnv] and [FaultPIDEnv] set it is CI's fault broker, frozen
// with SIGSTOP; the test then holds a lock shared by every test binary until
// it ends, so no two tests freeze or use it at once, and the broker is
// resumed at cleanup whatever happened. Otherwise it is a fresh kfake
// cluster whose connections stop carrying bytes while frozen.
//
// The topics [CreateTopic] made on it or [DeleteTopicAtCleanup] was given,
// and the clients [Client] made for it, are deleted and closed at cleanup
// with the cluster resumed, however the test ends: no test needs to resume
// it for them.
func Freezable(t testing.TB) *Frozen {
	t.Helper()
	if bs := splitBrokers(os.Getenv(FaultBrokersEnv)); len(bs) > 0 {
		pid := faultPID(t)
		lock := lockFault(t, pid)
		testenv.Record(t, testenv.Real)
		var guard *resumeGuard
		f := &Frozen{
			Brokers: bs,
			freeze: func() {
				guard = startResumeGuard(t, pid, lock)
				signal(t, pid, syscall.SIGSTOP)
			},
			resume: func() {
				signal(t, pid, syscall.SIGCONT)
				guard.stop(t)
			},
		}
		t.Cleanup(f.Resume)
		registerFrozen(t, f)
		return f
	}
	g := newGate()
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.DefaultNumPartitions(1),
		kfake.ListenFn(func(network, address string) (net.Listener, error) {
			ln, err := net.Listen(network, address)
			if err != nil {
				return nil, err
			}
			return &gatedListener{Listener: ln, gate: g}, nil
		}),
	)
	if err != nil {
		t.Fatalf("testkafka: starting kfake cluster: %v", err)
	}
	testenv.Record(t, testenv.Fake)
	f := &Frozen{Brokers: c.ListenAddrs(), freeze: g.close, resume: g.open}
	// Resume before closing: kfake's Close waits for its connection
	// goroutines, which a closed gate would hold.
	t.Cleanup(c.Close)
	t.Cleanup(f.Resume)
	registerFrozen(t, f)
	return f
}

// frozenClusters maps each seed broker of a [Freezable] cluster, while its
// test runs, to its [Frozen]. This package's own cleanups on a cluster
// (deleting a topic, closing a client) look it up to resume the cluster
// first: registered after Freezable's resume, they run before it, and on a
// frozen broker they would wait out their timeouts (holding the fault
// broker's lock, and leaving the topic behind) in every test that ends
// between Freeze and Resume, a failed require say. One address never
// serves two Frozen at once: the fault broker's are taken under its lock,
// and kfake's are ports of a live listener.
var frozenClusters sync.Map // string → *Frozen

func registerFrozen(t testing.TB, f *Frozen) {
	for _, b := range f.Brokers {
		frozenClusters.Store(b, f)
	}
	t.Cleanup(func() {
		for _, b := range f.Brokers {
			frozenClusters.CompareAndDelete(b, f)
		}
	})
}

// resumeFrozen resumes the [Freezable] cluster, if any, that brokers name.
// It is called when a test has ended, so resuming changes nothing the test
// checks; a subtest's cleanups on its parent's cluster resume it too, as
// they could not delete or leave anything otherwise.
func resumeFrozen(brokers []string) {
	for _, b := range brokers {
		if f, ok := frozenClusters.Load(b); ok {
			f.(*Frozen).Resume()
		}
	}
}

// Secured is a cluster with SASL/PLAIN authentication and ACLs: [SASLAdmin]
// may do anything, [SASLUser] only what the test grants with ACLs (through
// an admin client).
type Secured struct {
	// Brokers are the seed brokers; every connection must authenticate.
	Brokers []string
}

// AdminOpts are client options authenticating as the super user.
func (s *Secured) AdminOpts() []kgo.Opt {
	return []kgo.Opt{kgo.SeedBrokers(s.Brokers...), kgo.SASL(plain.Auth{User: SASLAdmin, Pass: SASLAdminPassword}.AsMechanism())}
}

// UserOpts are client options authenticating as the restricted user.
func (s *Secured) UserOpts() []kgo.Opt {
	return []kgo.Opt{kgo.SeedBrokers(s.Brokers...), kgo.SASL(plain.Auth{User: SASLUser, Pass: SASLUserPassword}.AsMechanism())}
}

// SecuredCluster returns a cluster enforcing ACLs. With [SASLBrokersEnv]
// set it is CI's fault broker's SASL listener, used under the same lock as
// [Freezable]; ACLs a test creates there should name its own topics and
// groups ([Topic], [Group]) and be deleted at cleanup. Otherwise it is a
// fresh kfake cluster with ACLs enabled and the same two users.
func SecuredCluster(t testing.TB) *Secured {
	t.Helper()
	if bs := splitBrokers(os.Getenv(SASLBrokersEnv)); len(bs) > 0 {
		lockFault(t, faultPID(t))
		testenv.Record(t, testenv.Real)
		return &Secured{Brokers: bs}
	}
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.DefaultNumPartitions(1),
		kfake.EnableSASL(),
		kfake.EnableACLs(),
		kfake.Superuser("PLAIN", SASLAdmin, SASLAdminPassword),
		kfake.User("PLAIN", SASLUser, SASLUserPassword),
	)
	if err != nil {
		t.Fatalf("testkafka: starting kfake cluster with ACLs: %v", err)
	}
	t.Cleanup(c.Close)
	testenv.Record(t, testenv.Fake)
	return &Secured{Brokers: c.ListenAddrs()}
}

func faultPID(t testing.TB) int {
	t.Helper()
	pid, err := strconv.Atoi(os.Getenv(FaultPIDEnv))
	if err != nil || pid <= 0 {
		t.Fatalf("testkafka: %s is set but %s=%q is not a process id", FaultBrokersEnv, FaultPIDEnv, os.Getenv(FaultPIDEnv))
	}
	return pid
}

func signal(t testing.TB, pid int, sig syscall.Signal) {
	if err := syscall.Kill(pid, sig); err != nil {
		t.Errorf("testkafka: sending %v to the fault broker (pid %d): %v", sig, pid, err)
	}
}

// resumeGuard is a child process that resumes the fault broker when this
// process ends with the broker frozen: a test binary killed, interrupted or
// ended by its -timeout panic runs no cleanup, and a broker left stopped
// would fail the fault tests of every other test binary. It inherits the
// locked file, so the lock is held until it has resumed the broker and no
// other test freezes the broker before that.
type resumeGuard struct {
	cmd *exec.Cmd
	// w is the write end of the guard's stdin: when it closes (stop, or
	// this process ending), the guard's read returns and it resumes the
	// broker.
	w *os.File
}

func startResumeGuard(t testing.TB, pid int, lock *os.File) *resumeGuard {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatalf("testkafka: starting the fault broker's resume guard: %v", err)
	}
	defer r.Close()
	cmd := exec.Command("/bin/sh", "-c", `read -r line; kill -s CONT "$1"`, "testkafka-resume-guard", strconv.Itoa(pid))
	cmd.Stdin = r
	cmd.ExtraFiles = []*os.File{lock}
	// A process group of its own: an interrupt of the test run (Ctrl-C)
	// must not end it before the broker is resumed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		t.Fatalf("testkafka: starting the fault broker's resume guard: %v", err)
	}
	return &resumeGuard{cmd: cmd, w: w}
}

// stop lets the guard resume the broker (again) and waits for it to exit.
func (g *resumeGuard) stop(t testing.TB) {
	g.w.Close()
	if err := g.cmd.Wait(); err != nil {
		t.Errorf("testkafka: the fault broker's resume guard: %v", err)
	}
}

// lockFault takes an exclusive flock shared by every test binary, released
// when the test ends, and returns the locked file. flock, not a lock inside
// this process: go test runs packages as separate processes at once.
func lockFault(t testing.TB, pid int) *os.File {
	t.Helper()
	path := os.Getenv(FaultLockEnv)
	if path == "" {
		path = filepath.Join(os.TempDir(), fmt.Sprintf("kconnect-fault-broker-%d.lock", pid))
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatalf("testkafka: opening the fault broker's lock %s: %v", path, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		t.Fatalf("testkafka: locking %s: %v", path, err)
	}
	t.Cleanup(func() { f.Close() }) // closing releases the flock
	return f
}

// gate blocks I/O while closed.
type gate struct {
	mu     sync.Mutex
	opened chan struct{} // closed while the gate is open
}

func newGate() *gate {
	ch := make(chan struct{})
	close(ch)
	return &gate{opened: ch}
}

func (g *gate) wait() {
	g.mu.Lock()
	ch := g.opened
	g.mu.Unlock()
	<-ch
}

func (g *gate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.opened:
		g.opened = make(chan struct{})
	default:
	}
}

func (g *gate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.opened:
	default:
		close(g.opened)
	}
}

// gatedListener hands out connections whose reads and writes wait while the
// gate is closed. Accept itself is not held: the kernel of a stopped broker
// still completes TCP handshakes, it just never answers.
type gatedListener struct {
	net.Listener
	gate *gate
}

func (l *gatedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &gatedConn{Conn: c, gate: l.gate}, nil
}

type gatedConn struct {
	net.Conn
	gate *gate
}

// Read waits for the gate both before and after reading, so bytes that
// arrive while frozen are not acted on until the broker resumes.
func (c *gatedConn) Read(p []byte) (int, error) {
	c.gate.wait()
	n, err := c.Conn.Read(p)
	c.gate.wait()
	return n, err
}

func (c *gatedConn) Write(p []byte) (int, error) {
	c.gate.wait()
	return c.Conn.Write(p)
}
