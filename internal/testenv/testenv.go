// Package testenv records, for CI, which tests really ran against an external
// service (a Kafka broker, a database) and which only ran against an
// in-process fake or were skipped.
//
// Why: "go test ./..." passing says nothing about whether the integration
// paths were exercised. A test that silently falls back to a fake, or skips
// because an environment variable is missing, looks exactly like one that
// talked to a real broker. .ci/run sets KCONNECT_TEST_REPORT to a file; every
// helper that hands out a service appends one line per use, and .ci/run
// prints "integration tests: N ran against real services, M skipped" from it.
//
// The report is a plain text file with one "<kind> <test>" line per use,
// where kind is one of [Real], [Fake] or [Skip] and test is the package
// directory relative to the module root, a dot, and t.Name() (which never
// contains spaces). Lines are appended with O_APPEND in a single write each,
// so parallel test binaries (go test runs packages concurrently) can share one
// file without interleaving.
package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// ReportEnv names the environment variable holding the report file path.
// When it is unset or empty, nothing is recorded.
const ReportEnv = "KCONNECT_TEST_REPORT"

// Kinds of report lines.
const (
	// Real means the test got a real external service.
	Real = "real"
	// Fake means the test got an in-process stand-in (e.g. kfake).
	Fake = "fake"
	// Skip means the test skipped because the service was not configured.
	Skip = "skip"
)

// Record appends "<kind> <test>" to the report file named by ReportEnv, if
// any. A report that cannot be written fails the test: a CI run that
// silently loses its integration accounting would defeat the point.
func Record(t testing.TB, kind string) {
	t.Helper()
	path := os.Getenv(ReportEnv)
	if path == "" {
		return
	}
	line := kind + " " + TestID(t) + "\n"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatalf("testenv: opening %s=%s: %v", ReportEnv, path, err)
	}
	// One write call per line: with O_APPEND the kernel positions and
	// writes it atomically with respect to other appenders.
	_, werr := f.Write([]byte(line))
	cerr := f.Close()
	if werr != nil || cerr != nil {
		t.Fatalf("testenv: writing %s=%s: %v %v", ReportEnv, path, werr, cerr)
	}
}

// Integration returns the value of envVar, which configures a real external
// service for an integration test (e.g. KCONNECT_POSTGRES_URL). When the
// variable is unset or empty the test is skipped with a message naming it,
// so a developer knows what to set. Either way the outcome is recorded in the
// report, so CI can count skips instead of hiding them.
func Integration(t testing.TB, envVar string) string {
	t.Helper()
	v := strings.TrimSpace(os.Getenv(envVar))
	if v == "" {
		Record(t, Skip)
		t.Skipf("integration test: set %s to run it against a real service", envVar)
		return ""
	}
	Record(t, Real)
	return v
}

var pkgDir = sync.OnceValue(func() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	// go test runs each test binary in its package directory, so the path
	// from the module root to the working directory names the package.
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil {
				return ""
			}
			return filepath.ToSlash(rel)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
})

// TestID names the test in the report: the package directory relative to the
// module root, a dot, then t.Name(). The package part keeps equally named
// tests in different packages apart when .ci/run dedupes by name.
func TestID(t testing.TB) string {
	dir := pkgDir()
	switch dir {
	case "":
		return t.Name()
	case ".":
		return "(root)." + t.Name()
	}
	return dir + "." + t.Name()
}
