package offset

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
)

// benchStores returns Memory and File stores holding 100 offsets of
// connector "c", the usual size of a file or table source's state.
func benchStores(b *testing.B) map[string]Store {
	b.Helper()
	f, err := OpenFile(filepath.Join(b.TempDir(), "connect.offsets"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = f.Close() })
	stores := map[string]Store{"Memory": NewMemory(), "File": f}
	for _, s := range stores {
		var es []Entry
		for i := range 100 {
			es = append(es, Entry{Partition: connect.NewSourcePartition("filename", "file-"+strconv.Itoa(i)+".txt"), Offset: connect.Int64Offset("position", int64(i))})
		}
		if err := s.Put(context.Background(), "c", es); err != nil {
			b.Fatal(err)
		}
	}
	return stores
}

// BenchmarkPut commits one offset; File's cost is its fsyncs.
func BenchmarkPut(b *testing.B) {
	for _, name := range []string{"Memory", "File"} {
		b.Run(name, func(b *testing.B) {
			s := benchStores(b)[name]
			ctx := context.Background()
			p := connect.NewSourcePartition("filename", "file-7.txt")
			es := []Entry{{Partition: p}}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				es[0].Offset = connect.Int64Offset("position", int64(i))
				if err := s.Put(ctx, "c", es); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGet reads one offset.
func BenchmarkGet(b *testing.B) {
	for _, name := range []string{"Memory", "File"} {
		b.Run(name, func(b *testing.B) {
			s := benchStores(b)[name]
			ctx := context.Background()
			ps := []connect.SourcePartition{connect.NewSourcePartition("filename", "file-7.txt")}
			b.ReportAllocs()
			for b.Loop() {
				m, err := s.Get(ctx, "c", ps)
				if err != nil || len(m) != 1 {
					b.Fatal(err, m)
				}
			}
		})
	}
}

// BenchmarkParseKey reads one offsets-topic key, as the Kafka store does for
// every record of the topic at start.
func BenchmarkParseKey(b *testing.B) {
	key := []byte(`["jdbc",{"protocol":"1","table":"users"}]`)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseKey(key); err != nil {
			b.Fatal(err)
		}
	}
}
