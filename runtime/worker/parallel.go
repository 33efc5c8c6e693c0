package worker

import (
	"runtime"
	"sync"
)

// parallelChunk is the fewest items worth handing to a goroutine of their
// own: below it, starting one costs more than it saves.
const parallelChunk = 128

// batchParallelism returns how many goroutines at most transform and
// convert a task's batch, for a worker whose BatchGoroutines option is n:
// n when set, else half of GOMAXPROCS. Splitting a batch moves each record
// between cores' caches and sets the extra goroutines against the Kafka
// client's own, so it pays only where cores are left over; on two cores
// one goroutine per task did better for every benchmark but decoding JSON
// into a sink, in an A/B run on two cores (the commit that made this the
// default records it).
func batchParallelism(n int) int {
	if n > 0 {
		return n
	}
	return max(1, runtime.GOMAXPROCS(0)/2)
}

// inParallel calls f(i) for every i below n, on up to parallelism
// goroutines (this one included) when n is large enough, and returns when
// every call has. f must be safe to call concurrently for different i.
func inParallel(n, parallelism int, f func(i int)) {
	inParallelRanges(n, parallelism, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			f(i)
		}
	})
}

// inParallelRanges calls f(lo, hi) for contiguous ranges that together
// cover [0, n), as inParallel calls f(i): each call on a goroutine of its
// own, when n is large enough, and one call for all of [0, n) otherwise.
func inParallelRanges(n, parallelism int, f func(lo, hi int)) {
	workers := min(parallelism, n/parallelChunk)
	if workers <= 1 {
		f(0, n)
		return
	}
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := chunk; lo < n; lo += chunk {
		wg.Go(func() { f(lo, min(lo+chunk, n)) })
	}
	f(0, chunk)
	wg.Wait()
}

// reuse returns (*s)[:n], growing *s first when it is shorter: scratch
// space kept from batch to batch.
func reuse[T any](s *[]T, n int) []T {
	if cap(*s) < n {
		*s = make([]T, n)
	}
	return (*s)[:n]
}
