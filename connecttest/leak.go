package connecttest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	goroutinesnap "github.com/kconnect-go/kconnect/internal/goroutines"
)

// goroutines is a snapshot of the running goroutines: stack by goroutine
// id.
type goroutines map[uint64]string

// snapshot returns the goroutines running now.
func snapshot() goroutines { return goroutines(goroutinesnap.Snapshot()) }

// ignored reports whether a goroutine's stack belongs to the test framework
// or the runtime rather than to the code under test: another test's own
// goroutine (a parallel test), the signal handler, the test timeout alarm.
func ignored(stack string) bool {
	for _, s := range []string{"testing.tRunner(", "testing.(*M).", "os/signal.", "runtime.ensureSigM", "testing.runTests"} {
		if strings.Contains(stack, s) {
			return true
		}
	}
	return false
}

// started returns the stacks of goroutines running now that were not in
// before, sorted.
func (before goroutines) started() []string {
	var out []string
	for id, stack := range snapshot() {
		if _, ok := before[id]; !ok && !ignored(stack) {
			out = append(out, stack)
		}
	}
	slices.Sort(out)
	return out
}

// checkNoLeak waits, up to bound, until every goroutine started since
// before has exited, and otherwise fails tb with their stacks. Goroutines
// started meanwhile by other tests running in parallel are reported too: do
// not run the kit in parallel with tests that start goroutines.
func checkNoLeak(tb testing.TB, before goroutines, bound time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(bound)
	for {
		leaked := before.started()
		if len(leaked) == 0 {
			return
		}
		if !time.Now().Before(deadline) {
			tb.Errorf("%d goroutine(s) started during the run were still running %v after Stop returned:\n\n%s",
				len(leaked), bound, strings.Join(leaked, "\n\n"))
			return
		}
		// No event says a goroutine has exited: poll, within the bound.
		wait(context.Background(), 10*time.Millisecond)
	}
}
