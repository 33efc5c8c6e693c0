package opencsv

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"testing"
)

// benchInput is 20,000 rows of the kind spooldir reads: numbers, short
// strings, a timestamp, some quoted fields with separators and doubled
// quotes in them.
func benchInput() []byte {
	var b bytes.Buffer
	for i := range 20000 {
		fmt.Fprintf(&b, "%d,user%d,%d.%02d,2024-01-%02dT10:11:12,\"Street %d, Town\",\"say \"\"hi\"\"\",true\n", i, i, i*7, i%100, i%28+1, i)
	}
	return b.Bytes()
}

// benchNumbers is 20,000 rows without quotes: numbers, short strings and
// a timestamp.
func benchNumbers() []byte {
	var b bytes.Buffer
	for i := range 20000 {
		fmt.Fprintf(&b, "%d,user%d,%d.%02d,2024-01-%02dT10:11:12,%d,%d,true\n", i, i, i*7, i%100, i%28+1, i*13, i%7)
	}
	return b.Bytes()
}

func BenchmarkRead(b *testing.B) {
	for _, in := range []struct {
		name string
		data []byte
	}{{"quoted", benchInput()}, {"numbers", benchNumbers()}} {
		b.Run(in.name, func(b *testing.B) { benchRead(b, in.data) })
	}
}

func benchRead(b *testing.B, in []byte) {
	b.Run("opencsv", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			r, _ := NewReader(bytes.NewReader(in), spooldirDefaults)
			for {
				if _, _, err := r.Read(); err == io.EOF {
					break
				}
			}
		}
	})
	b.Run("encoding_csv", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			r := csv.NewReader(bytes.NewReader(in))
			r.FieldsPerRecord, r.LazyQuotes, r.ReuseRecord = -1, true, true
			for {
				if _, err := r.Read(); err == io.EOF {
					break
				}
			}
		}
	})
}
