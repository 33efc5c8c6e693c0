package file

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/sink"
)

// BenchmarkSinkThroughput appends batches of 1000 records to a file and
// flushes after each batch, as a runtime committing often would. One op is
// one batch; MB/s counts the bytes written. The file is truncated now and
// then, outside the timing, so that it stays small.
//
//	go test -run XXX -bench SinkThroughput -benchmem ./sink/file
func BenchmarkSinkThroughput(b *testing.B) {
	strs := make([]connect.Record, 1000)
	structs := make([]connect.Record, 1000)
	for i := range strs {
		strs[i].Value = fmt.Sprintf("2024-03-15T12:00:00.000Z INFO http request id=%08d path=/api/v1/items/%d status=200", i, i%97)
		s := connect.NewStruct(orderSchemaBench)
		_ = s.PutInt64("id", int64(i))
		_ = s.PutString("customer", fmt.Sprintf("customer-%d", i%100))
		_ = s.PutFloat64("amount", float64(i)/4)
		_ = s.PutTime("created", time.UnixMilli(1700000000000+int64(i)).UTC())
		structs[i].Value = s
	}
	for _, bc := range []struct {
		name string
		recs []connect.Record
	}{{"strings", strs}, {"structs", structs}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			path := filepath.Join(b.TempDir(), "out.txt")
			conn := NewSink(SinkConfig{File: path})
			if err := conn.Start(ctx, nil, nil); err != nil {
				b.Fatal(err)
			}
			task := conn.NewTask()
			if err := task.Start(ctx, nil, nil); err != nil {
				b.Fatal(err)
			}
			defer task.Stop(ctx)
			var size int64
			for _, r := range bc.recs {
				size += int64(len(AppendValue(nil, r.Value))) + 1
			}
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if i%256 == 255 { // keep the file small: O_APPEND writes go to the new end
					b.StopTimer()
					if err := os.Truncate(path, 0); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				if err := task.Put(ctx, bc.recs); err != nil {
					b.Fatal(err)
				}
				if err := task.(sink.Flusher).Flush(ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var orderSchemaBench = connect.StructOf(
	connect.F("id", connect.Int64Schema),
	connect.F("customer", connect.StringSchema),
	connect.F("amount", connect.Float64Schema),
	connect.F("created", connect.TimestampSchema),
)

// BenchmarkSinkPut appends batches of string records without flushing
// between them, as a runtime does between two offset commits (a minute by
// default), so that what each Put writes to the file is measured; every 256
// Puts a Flush (timed) and a truncation (not timed) keep the file small.
// One op is one Put; MB/s counts the bytes written.
//
//	go test -run XXX -bench SinkPut -benchmem ./sink/file
func BenchmarkSinkPut(b *testing.B) {
	strs := make([]connect.Record, 1000)
	for i := range strs {
		strs[i].Value = fmt.Sprintf("2024-03-15T12:00:00.000Z INFO http request id=%08d path=/api/v1/items/%d status=200", i, i%97)
	}
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			ctx := context.Background()
			path := filepath.Join(b.TempDir(), "out.txt")
			conn := NewSink(SinkConfig{File: path})
			if err := conn.Start(ctx, nil, nil); err != nil {
				b.Fatal(err)
			}
			task := conn.NewTask()
			if err := task.Start(ctx, nil, nil); err != nil {
				b.Fatal(err)
			}
			defer task.Stop(ctx)
			recs := strs[:n]
			var size int64
			for _, r := range recs {
				size += int64(len(r.Value.(string))) + 1
			}
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if i%256 == 255 {
					if err := task.(sink.Flusher).Flush(ctx, nil); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					if err := os.Truncate(path, 0); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				if err := task.Put(ctx, recs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
