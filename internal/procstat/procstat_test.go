package procstat

import (
	"runtime"
	"testing"
)

// The samples, read from /proc/self/statm, follow the RSS that
// /proc/self/status reports, and the peak covers memory touched during
// the run.
func TestSamplerRSS(t *testing.T) {
	if rss, _ := readStatus(); rss == 0 {
		t.Skip("no /proc/self/status here")
	}
	s := Start()
	before := s.Current()
	status, _ := readStatus()
	if before <= 0 || before > 2*float64(status)/1024+8 || before < float64(status)/1024/2-8 {
		t.Fatalf("sampled RSS %.1f MiB, /proc/self/status says %.1f", before, float64(status)/1024)
	}
	b := make([]byte, 64<<20)
	for i := range b {
		b[i] = 1
	}
	if now := s.Current(); now < before+48 {
		t.Fatalf("RSS %.1f MiB after touching 64 MiB, %.1f before", now, before)
	}
	runtime.KeepAlive(b)
	if peak := s.Stop(); peak < before+48 {
		t.Fatalf("peak %.1f MiB after touching 64 MiB, %.1f before", peak, before)
	}
}
