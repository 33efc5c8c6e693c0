package worker

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
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

// inParallelRanges covers every index once, in contiguous ranges.
func TestInParallelRangesCoverEveryIndex(t *testing.T) {
	for _, parallelism := range []int{1, 2, 4} {
		for _, n := range []int{0, 1, 127, 128, 255, 256, 1000, 1001} {
			counts := make([]atomic.Int32, n)
			inParallelRanges(n, parallelism, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					counts[i].Add(1)
				}
			})
			for i := range counts {
				require.Equal(t, int32(1), counts[i].Load(), "parallelism=%d n=%d i=%d", parallelism, n, i)
			}
		}
	}
}

// A panic in a converter is that record's result; the records after it
// are prepared still, since the task gives each of them up by its
// inflight when it fails.
func TestPrepareAllRecoversEachPanic(t *testing.T) {
	conv := converter.Funcs{
		From: func(dst []byte, _ string, _ connect.Headers, _ *connect.Schema, v any) ([]byte, error) {
			if v == "bad" {
				panic("converter bug")
			}
			return append(dst, fmt.Sprint(v)...), nil
		},
	}
	st := &sourceTask{taskPlugins: &taskPlugins{keys: newRecordConverter(conv), values: newRecordConverter(conv)}}
	values := []string{"bad", "a", "bad", "bad", "b"}
	records := make([]connect.Record, len(values))
	for i, v := range values {
		records[i] = connect.Record{Topic: "t", ValueSchema: connect.StringSchema, Value: v}
	}
	infs := make([]inflight, len(records))
	prep := make([]prepared, len(records))
	for i := range prep {
		prep[i].inf = &infs[i]
	}
	st.prepareAll(prep, records, time.Now())
	for i, v := range values {
		p := prep[i]
		require.Same(t, &infs[i], p.inf, "record %d", i)
		require.Same(t, &records[i], infs[i].r, "record %d", i)
		if v == "bad" {
			require.True(t, p.panicked, "record %d", i)
			require.False(t, p.keep, "record %d", i)
			require.ErrorContains(t, p.err, "converter bug", "record %d", i)
			continue
		}
		require.False(t, p.panicked, "record %d", i)
		require.True(t, p.keep, "record %d", i)
		require.NoError(t, p.err, "record %d", i)
		require.Equal(t, v, string(infs[i].kr.Value), "record %d", i)
	}
}
