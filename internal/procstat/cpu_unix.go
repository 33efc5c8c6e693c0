//go:build unix

package procstat

import (
	"syscall"
	"time"
)

// CPU returns the process's CPU time so far: user and system, every
// goroutine's.
func CPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
