//go:build !unix

package procstat

import "time"

// CPU returns 0: the process's CPU time is read only on Unix.
func CPU() time.Duration { return 0 }
