package connecttest

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// discard is the logger of fakes made outside the kit.
var discard = slog.New(slog.DiscardHandler)

// testLogger returns a logger that writes, at every level, to tb's log
// (shown for a failed test, or with go test -v), so that what a connector
// logged explains a failed check. Lines logged once tb has ended are
// dropped: a goroutine of the connector may outlive the check that started
// it, and a test's Log panics once it has completed.
func testLogger(tb testing.TB) *slog.Logger {
	w := &testLog{tb: tb}
	tb.Cleanup(w.end)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{} // the test log has its own order; times are noise
			}
			return a
		},
	}))
}

type testLog struct {
	mu    sync.Mutex // held while writing, so that end waits for a write under way
	tb    testing.TB
	ended bool
}

// Write logs one line: slog's text handler writes each record in one call.
func (w *testLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.ended {
		w.tb.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testLog) end() {
	w.mu.Lock()
	w.ended = true
	w.mu.Unlock()
}
