package jdbctest

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/testenv"
)

// Server is a database server of a test's own, which the test may stop
// and start again (the shared servers of KCONNECT_POSTGRES_URL and
// KCONNECT_MARIADB_URL must never be stopped). It is stopped and its
// files removed at the test's end.
type Server struct {
	// URL reaches the server's database as a native URL, the same
	// before and after a restart.
	URL string
	// Addr is the server's host:port, which connection errors name.
	Addr string

	t     testing.TB
	start func() error
	stop  func() error
	up    bool
}

// Stop stops the server at once, as a crash would: the connections to it
// break in the middle of what they were doing.
func (s *Server) Stop() {
	s.t.Helper()
	if !s.up {
		return
	}
	if err := s.stop(); err != nil {
		s.t.Fatalf("stopping the server on %s: %v", s.Addr, err)
	}
	s.up = false
}

// Start starts the stopped server again on the same address and files.
func (s *Server) Start() {
	s.t.Helper()
	if s.up {
		return
	}
	if err := s.start(); err != nil {
		s.t.Fatalf("starting the server on %s: %v", s.Addr, err)
	}
	s.up = true
}

func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// serverDir returns a new directory the server's user (postgres, mysql)
// owns, under the system's temporary directory so that it can traverse to
// it, removed at the test's end.
func serverDir(t testing.TB, owner string) (string, *user.User) {
	t.Helper()
	dir, err := os.MkdirTemp("", "kconnect-db-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var u *user.User
	if os.Geteuid() == 0 {
		if u, err = user.Lookup(owner); err != nil {
			t.Skipf("no %s user to run a private server as (a database server refuses to run as root): %v", owner, err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	return dir, u
}

// run runs a program, as u when the test runs as root, and returns its
// error with its output.
func run(u *user.User, name string, args ...string) error {
	if u != nil {
		args = append([]string{"-u", u.Username, "--", name}, args...)
		name = "runuser"
	}
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return &cmdError{name: filepath.Base(name), err: err, out: out.String()}
	}
	return nil
}

type cmdError struct {
	name, out string
	err       error
}

func (e *cmdError) Error() string { return e.name + ": " + e.err.Error() + ": " + e.out }

// PostgresBin is where PrivatePostgres looks for initdb and pg_ctl
// (Debian's postgresql-15, which .ci/postgres-start installs).
var PostgresBin = "/usr/lib/postgresql/15/bin"

// PrivatePostgres starts a PostgreSQL server of the test's own (initdb
// and pg_ctl in a temporary directory, trust authentication on a free
// loopback port, as .ci/postgres-start does), and skips the test when the
// server's programs are not installed.
func PrivatePostgres(t testing.TB) *Server {
	t.Helper()
	return PrivatePostgresWith(t)
}

// LogicalReplication are the settings of a private PostgreSQL server that
// logical replication clients (change data capture) can read.
var LogicalReplication = []string{"wal_level=logical", "max_replication_slots=4", "max_wal_senders=4"}

// PrivatePostgresWith is PrivatePostgres with server settings of the
// test's (name=value, as postgres -c takes them), such as
// LogicalReplication.
func PrivatePostgresWith(t testing.TB, settings ...string) *Server {
	t.Helper()
	initdb, pgctl := filepath.Join(PostgresBin, "initdb"), filepath.Join(PostgresBin, "pg_ctl")
	for _, p := range []string{initdb, pgctl} {
		if _, err := os.Stat(p); err != nil {
			testenv.Record(t, testenv.Skip)
			t.Skipf("no PostgreSQL server to start: %s is missing (Debian's postgresql-15 installs it)", p)
		}
	}
	testenv.Record(t, testenv.Real)
	dir, u := serverDir(t, "postgres")
	data := filepath.Join(dir, "data")
	if err := run(u, initdb, "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	s := &Server{t: t, Addr: "127.0.0.1:" + port,
		URL: "postgres://postgres@127.0.0.1:" + port + "/postgres?sslmode=disable&connect_timeout=5"}
	var extra string
	for _, kv := range settings {
		extra += " -c " + kv
	}
	s.start = func() error {
		return run(u, pgctl, "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start", "-o",
			// A commit reaches the operating system before it is
			// acknowledged (synchronous_commit stays on), so a stop,
			// which kills processes but not the machine, loses none.
			"-c listen_addresses=127.0.0.1 -p "+port+" -k "+data+" -c fsync=off -c full_page_writes=off"+extra)
	}
	// An immediate shutdown ends every server process at once, without
	// a checkpoint, as a crash does; pg_ctl signals the postmaster by the
	// pid in its data directory, so only this server.
	s.stop = func() error { return run(u, pgctl, "-D", data, "-w", "-t", "60", "-m", "immediate", "stop") }
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// PrivateMariaDB starts a MariaDB server of the test's own
// (mariadb-install-db, then mariadbd as a child process, as
// .ci/mariadb-start does), with a database "kconnect", and skips the test
// when the server's programs are not installed. Stop kills the process.
func PrivateMariaDB(t testing.TB) *Server {
	t.Helper()
	mariadbd, err := exec.LookPath("mariadbd")
	if err != nil {
		mariadbd = "/usr/sbin/mariadbd"
	}
	install, err := exec.LookPath("mariadb-install-db")
	if _, serr := os.Stat(mariadbd); serr != nil || err != nil {
		testenv.Record(t, testenv.Skip)
		t.Skipf("no MariaDB server to start: mariadbd or mariadb-install-db is missing (Debian's mariadb-server installs them)")
	}
	testenv.Record(t, testenv.Real)
	dir, u := serverDir(t, "mysql")
	data := filepath.Join(dir, "data")
	args := []string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"}
	if u != nil {
		args = append(args, "--user="+u.Username)
	}
	if err := run(nil, install, args...); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	s := &Server{t: t, Addr: "127.0.0.1:" + port, URL: "mysql://root@127.0.0.1:" + port + "/kconnect"}
	var cmd *exec.Cmd
	var exited chan struct{}
	s.start = func() error {
		// innodb-flush-log-at-trx-commit=2: a commit reaches the
		// operating system, so a killed server loses none.
		args := []string{"--no-defaults", "--datadir=" + data, "--bind-address=127.0.0.1", "--port=" + port,
			"--socket=" + filepath.Join(data, "mysqld.sock"), "--pid-file=" + filepath.Join(data, "mysqld.pid"),
			"--skip-name-resolve", "--innodb-flush-log-at-trx-commit=2", "--log-error=" + filepath.Join(dir, "log")}
		if u != nil {
			args = append(args, "--user="+u.Username)
		}
		cmd = exec.Command(mariadbd, args...)
		if err := cmd.Start(); err != nil {
			return err
		}
		exited = make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		deadline := time.Now().Add(60 * time.Second)
		for {
			c, err := net.DialTimeout("tcp", s.Addr, time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-exited:
				log, _ := os.ReadFile(filepath.Join(dir, "log"))
				return &cmdError{name: "mariadbd", err: err, out: string(log)}
			case <-time.After(100 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				return err
			}
		}
		return nil
	}
	s.stop = func() error {
		if err := cmd.Process.Kill(); err != nil {
			return err
		}
		<-exited
		return nil
	}
	s.Start()
	t.Cleanup(s.Stop)
	root := open(t, "mariadb", "mysql://root@127.0.0.1:"+port+"/")
	for _, q := range []string{"CREATE DATABASE kconnect CHARACTER SET utf8mb4", "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'",
		"GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION"} {
		if _, err := root.DB.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	return s
}
