package file

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// BenchmarkSourceThroughput reads a generated 100 MB log file (about 1.1
// million lines of ~95 bytes) with the default batch.size, one whole file per
// op. It reports MB/s and the allocations per line.
//
//	go test -run XXX -bench SourceThroughput -benchtime 3x ./source/file
func BenchmarkSourceThroughput(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.log")
	size, nlines := generateLog(b, path, 100<<20)
	b.SetBytes(size)
	ctx := context.Background()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		conn := NewSource(SourceConfig{File: path, Topic: "logs"}, testOpts...)
		if err := conn.Start(ctx, nil, nil); err != nil {
			b.Fatal(err)
		}
		task := conn.NewTask()
		if err := task.Start(ctx, nil, nil); err != nil {
			b.Fatal(err)
		}
		got := 0
		for got < nlines {
			recs, err := task.Poll(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if len(recs) == 0 {
				b.Fatalf("read %d of %d lines", got, nlines)
			}
			got += len(recs)
		}
		_ = task.Stop(ctx)
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*nlines), "allocs/line")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N*nlines), "B/line")
}

// generateLog writes log-like lines to path until it holds at least size
// bytes, and returns its size and line count.
func generateLog(b *testing.B, path string, size int64) (int64, int) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var n int64
	lines := 0
	for n < size {
		k, _ := fmt.Fprintf(w, "2024-03-15T12:%02d:%02d.%03dZ INFO http request id=%08d path=/api/v1/items/%d status=200 bytes=%d\n",
			lines/60000%60, lines/1000%60, lines%1000, lines, lines%9973, lines%65536)
		n += int64(k)
		lines++
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return n, lines
}
