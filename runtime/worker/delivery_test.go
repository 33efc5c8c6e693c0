package worker

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// A poll batch's inflights come from arrays of at most 64 inflights,
// each at most twice the records it serves, whatever the polls before: a
// small poll after a large one does not keep the large one's array in
// flight, and one record in flight keeps no more than its array from
// reuse.
func TestInflightBatchFitsItsPoll(t *testing.T) {
	d := newAtLeastOnce(&sourceTask{produceCtx: context.Background()})
	for _, n := range []int{1000, 1, 3, 1000, 17, 1, 64, 65} {
		prep := make([]prepared, n)
		d.newInflights(prep)
		served := map[*inflightBatch]int{}
		for i := range prep {
			inf := prep[i].inf
			require.NotNil(t, inf, "poll of %d, record %d", n, i)
			require.Equal(t, context.Background(), inf.Context)
			served[inf.batch]++
		}
		for b, records := range served {
			require.LessOrEqual(t, len(b.infs), 64, "poll of %d", n)
			require.LessOrEqual(t, len(b.infs), 2*records, "poll of %d", n)
			require.Equal(t, int32(records), b.pending.Load(), "poll of %d", n)
		}
		for i := range prep {
			d.releaseInflight(prep[i].inf) // the last of an array returns it to the pool
		}
		for b := range served {
			require.Zero(t, b.pending.Load())
		}
	}
}
