package worker

import (
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBatchParallelism(t *testing.T) {
	require.Equal(t, 3, batchParallelism(3))
	require.Equal(t, 1, batchParallelism(1))
	require.Equal(t, max(1, runtime.GOMAXPROCS(0)/2), batchParallelism(0))
}

// inParallel calls f once for every index, whatever the split.
func TestInParallelRunsEveryIndex(t *testing.T) {
	for _, parallelism := range []int{1, 2, 4} {
		for _, n := range []int{0, 1, 127, 128, 255, 256, 1000, 1001} {
			counts := make([]atomic.Int32, n)
			inParallel(n, parallelism, func(i int) { counts[i].Add(1) })
			for i := range counts {
				require.Equal(t, int32(1), counts[i].Load(), "parallelism=%d n=%d i=%d", parallelism, n, i)
			}
		}
	}
}
