// Package goroutines snapshots the running goroutines, for tests that check
// what a piece of code leaves running: the conformance kit's leak check and
// the runtime's tests of abandoned tasks.
package goroutines

import (
	"bytes"
	"runtime"
	"strconv"
)

// Snapshot returns the stack of every running goroutine by goroutine id.
func Snapshot() map[uint64]string {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[uint64]string{}
	for block := range bytes.SplitSeq(buf, []byte("\n\n")) {
		// "goroutine 42 [chan receive]:\n..."
		rest, ok := bytes.CutPrefix(block, []byte("goroutine "))
		if !ok {
			continue
		}
		idText, _, _ := bytes.Cut(rest, []byte(" "))
		if id, err := strconv.ParseUint(string(idText), 10, 64); err == nil {
			out[id] = string(block)
		}
	}
	return out
}
