// Package procstat measures a benchmark's process: its CPU time and its
// resident set size, sampled while it runs and read from the kernel's
// high-water mark, for the CPU-per-record and peak-RSS figures of
// BENCHMARKS.md. It reads /proc/self/status, so sizes are 0 off Linux.
package procstat

import (
	"bytes"
	"os"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"
)

// Sampler tracks the process's resident set size during a run. Start
// returns memory to the OS and resets the kernel's high-water mark (VmHWM),
// so the peak is this run's; a goroutine also samples the RSS every 10ms for
// the record.
//
// The samples read /proc/self/statm from a file kept open: its CPU time is
// the run's too, and opening and reading /proc/self/status each time cost
// tens of µs a sample, a tenth of a µs a record in a run of a few hundred
// thousand records a second, more the longer a busy machine made the run.
type Sampler struct {
	cpu0   time.Duration // process CPU time (user+system) at start
	peakKB atomic.Int64
	statm  *os.File // nil when unavailable: the samples are 0 then
	quit   chan struct{}
	done   chan struct{}
}

// Start starts sampling the process, from now on.
func Start() *Sampler {
	debug.FreeOSMemory()
	// "5" resets VmHWM to the current RSS (Linux ≥ 4.0); without it the
	// peak may be an earlier run's, which only overstates it.
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	s := &Sampler{quit: make(chan struct{}), done: make(chan struct{})}
	s.statm, _ = os.Open("/proc/self/statm")
	s.cpu0 = CPU()
	go func() {
		defer close(s.done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.quit:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// sample reads the RSS and keeps the highest value seen, in kB.
func (s *Sampler) sample() int64 {
	rss := s.readRSS()
	for {
		old := s.peakKB.Load()
		if rss <= old || s.peakKB.CompareAndSwap(old, rss) {
			return rss
		}
	}
}

// Current returns the RSS now, in MiB.
func (s *Sampler) Current() float64 { return float64(s.sample()) / 1024 }

// Stop ends the sampling and returns the peak RSS, in MiB: the larger of the
// kernel's high-water mark and the highest sample.
func (s *Sampler) Stop() float64 {
	close(s.quit)
	<-s.done
	if s.statm != nil {
		s.statm.Close()
	}
	_, hwm := readStatus()
	return float64(max(hwm, s.peakKB.Load())) / 1024
}

// CPU returns the process CPU time (user+system, every goroutine and, with
// kfake, the broker) since start.
func (s *Sampler) CPU() time.Duration { return CPU() - s.cpu0 }

// readRSS returns the resident pages of /proc/self/statm (its second
// number) in kB; 0 when unavailable.
func (s *Sampler) readRSS() int64 {
	if s.statm == nil {
		return 0
	}
	var buf [128]byte
	n, _ := s.statm.ReadAt(buf[:], 0)
	f := bytes.Fields(buf[:n]) // size resident shared text lib data dt, in pages
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(string(f[1]), 10, 64)
	return pages * int64(os.Getpagesize()) / 1024
}

// readStatus returns VmRSS and VmHWM from /proc/self/status, in kB (0 when
// unavailable, as off Linux).
func readStatus() (rss, hwm int64) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for line := range bytes.Lines(data) {
		name, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(name) {
		case "VmRSS":
			dst = &rss
		case "VmHWM":
			dst = &hwm
		default:
			continue
		}
		f := bytes.Fields(val) // "1234 kB"
		if len(f) > 0 {
			*dst, _ = strconv.ParseInt(string(f[0]), 10, 64)
		}
	}
	return rss, hwm
}
