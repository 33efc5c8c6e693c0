package worker

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// A poll batch's inflights come from an array at most twice its size,
// whatever the batches before it: a small poll after a large one does not
// keep the large one's array in flight.
func TestInflightBatchFitsItsPoll(t *testing.T) {
	d := newAtLeastOnce(&sourceTask{produceCtx: context.Background()})
	for _, n := range []int{1000, 1, 3, 1000, 17, 1} {
		infs := d.newInflights(n)
		require.Len(t, infs, n)
		b := infs[0].batch
		require.LessOrEqual(t, len(b.infs), 2*n, "poll of %d", n)
		for i := range infs {
			require.Same(t, b, infs[i].batch)
			require.Equal(t, context.Background(), infs[i].Context)
		}
		for i := range infs {
			d.releaseInflight(&infs[i]) // the last one returns the array to the pool
		}
		require.Zero(t, b.pending.Load())
	}
}
