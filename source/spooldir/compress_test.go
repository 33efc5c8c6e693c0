package spooldir

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/snappy"
	"github.com/pierrec/lz4/v4"
	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connecttest"
)

// compressibleText is CSV text with repeats near and far and random
// parts, so that compressors use long and short copies, literals, and
// (for .Z) every code size and table clears.
func compressibleText(rows int) string {
	rnd := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("id,name\n")
	for i := range rows {
		fmt.Fprintf(&b, "%d,name %d %s\n", i, rnd.IntN(1000), strings.Repeat(string(rune('a'+rnd.IntN(26))), rnd.IntN(40)))
	}
	return b.String()
}

// snappyBlock encodes b as one raw Snappy block with copies from at most
// 64 KiB back, as Google's compressor and commons-compress's write them
// (klauspost/compress's encoder reaches further back, which
// commons-compress cannot read either).
func snappyBlock(b []byte) []byte {
	out := binary.AppendUvarint(nil, uint64(len(b)))
	last := map[uint32]int{}
	lit := 0
	flush := func(to int) {
		for lit < to {
			n := min(to-lit, 60)
			out = append(out, byte(n-1)<<2)
			out = append(out, b[lit:lit+n]...)
			lit += n
		}
	}
	for i := 0; i+4 <= len(b); {
		h := binary.LittleEndian.Uint32(b[i:])
		j, ok := last[h]
		last[h] = i
		if !ok || i-j >= 1<<16 {
			i++
			continue
		}
		n := 4
		for i+n < len(b) && n < 64 && b[j+n] == b[i+n] {
			n++
		}
		flush(i)
		out = append(out, byte(n-1)<<2|2, byte(i-j), byte((i-j)>>8))
		i += n
		lit = i
	}
	flush(len(b))
	return out
}

// TestDecompressors reads each of spooldir's compressions: .snappy as one
// raw Snappy block, .lz4 as LZ4 block sequences, .z as Unix compress
// (files written by ncompress, testdata/compress/README.md), in reads of
// every size.
func TestDecompressors(t *testing.T) {
	text := compressibleText(10000)
	lzIn := []byte(text)
	lzOut := make([]byte, lz4.CompressBlockBound(len(lzIn)))
	var c lz4.Compressor
	n, err := c.CompressBlock(lzIn, lzOut)
	require.NoError(t, err)
	check, err := snappy.Decode(nil, snappyBlock(lzIn))
	require.NoError(t, err)
	require.True(t, string(check) == text, "the test's Snappy encoder writes what a Snappy decoder reads back")
	cases := map[string]struct {
		data string
		want string
		open func(io.Reader) (io.Reader, error)
	}{
		"snappy": {string(snappyBlock(lzIn)), text, newSnappyRaw},
		"lz4":    {string(lzOut[:n]), text, func(r io.Reader) (io.Reader, error) { return newLZ4Block(r), nil }},
	}
	for _, name := range []string{"text.csv.z", "text-12bit.csv.z", "short.csv.z"} {
		b, err := os.ReadFile(filepath.Join("testdata", "compress", name))
		require.NoError(t, err)
		want := text
		if name == "short.csv.z" {
			want = "id,name\n1,a\n"
		}
		cases[name] = struct {
			data string
			want string
			open func(io.Reader) (io.Reader, error)
		}{string(b), want, newZ}
	}
	for name, tc := range cases {
		for _, size := range []int{1, 7, 4096, 1 << 20} {
			r, err := tc.open(strings.NewReader(tc.data))
			require.NoError(t, err, name)
			var got bytes.Buffer
			buf := make([]byte, size)
			for {
				n, err := r.Read(buf)
				got.Write(buf[:n])
				if err == io.EOF {
					break
				}
				require.NoError(t, err, "%s in reads of %d", name, size)
			}
			require.Equal(t, len(tc.want), got.Len(), "%s in reads of %d", name, size)
			require.True(t, got.String() == tc.want, "%s in reads of %d: content differs", name, size)
		}
	}
}

// TestDecompressorsCorrupt: cut or garbled input is an error, never a
// panic or a loop.
func TestDecompressorsCorrupt(t *testing.T) {
	text := []byte(compressibleText(2000))
	z, err := os.ReadFile(filepath.Join("testdata", "compress", "text.csv.z"))
	require.NoError(t, err)
	lzOut := make([]byte, lz4.CompressBlockBound(len(text)))
	var c lz4.Compressor
	n, err := c.CompressBlock(text, lzOut)
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		data []byte
		open func(io.Reader) (io.Reader, error)
	}{
		"snappy": {snappyBlock(text), newSnappyRaw},
		"lz4":    {lzOut[:n], func(r io.Reader) (io.Reader, error) { return newLZ4Block(r), nil }},
		"z":      {z, newZ},
	} {
		rnd := rand.New(rand.NewPCG(3, 4))
		for i := range 200 {
			data := bytes.Clone(tc.data[:rnd.IntN(len(tc.data))])
			if i%2 == 0 && len(data) > 0 {
				data[rnd.IntN(len(data))] ^= byte(1 + rnd.IntN(255))
			}
			r, err := tc.open(bytes.NewReader(data))
			if err != nil {
				continue
			}
			out, _ := io.ReadAll(io.LimitReader(r, 64<<20))
			require.Less(t, len(out), 64<<20, "%s: no end", name)
		}
	}
}

// TestCompressedFiles: the CSV connector reads files named as spooldir
// names its compressions, and resumes one after a committed record.
func TestCompressedFiles(t *testing.T) {
	text := "id,name\n1,a\n2,\"b\nb\"\n3,c\n"
	z, err := os.ReadFile(filepath.Join("testdata", "compress", "rows.csv.z"))
	require.NoError(t, err)
	lzOut := make([]byte, lz4.CompressBlockBound(len(text)))
	var c lz4.Compressor
	n, err := c.CompressBlock([]byte(text), lzOut)
	require.NoError(t, err)
	if n == 0 { // incompressible: one sequence of literals
		require.Less(t, len(text), 15+255)
		lzOut = append([]byte{0xF0, byte(len(text) - 15)}, text...)
		n = len(lzOut)
	}
	for name, data := range map[string][]byte{"a.csv.snappy": snappyBlock([]byte(text)), "a.csv.lz4": lzOut[:n], "a.csv.z": z, "a.csv.Z": z} {
		t.Run(name, func(t *testing.T) {
			d := newDirs(t)
			writeFile(t, filepath.Join(d.in, name), string(data))
			cfg := d.config(`.*`, KeySchemaConfig, corpusKey, ValueSchemaConfig, corpusValue, CSVFirstRowAsHeaderConfig, "true",
				CleanupPolicyConfig, CleanupNone)
			st := startTask(t, CsvPlugin(), cfg, nil)
			all := st.poll(t, 3)
			require.Equal(t, []string{"1|a", "2|b\nb", "3|c"}, rows(all))
			require.NoError(t, st.Stop(context.Background()))
			offsets := connecttest.NewOffsets()
			offsets.CommitRecords(all[:1])
			st = startTask(t, CsvPlugin(), cfg, offsets)
			require.Equal(t, []string{"2|b\nb", "3|c"}, rows(st.poll(t, 2)))
		})
	}
}

// FuzzDecompressors: no input makes a decompressor panic or write past
// what its input can say.
func FuzzDecompressors(f *testing.F) {
	z, err := os.ReadFile(filepath.Join("testdata", "compress", "rows.csv.z"))
	require.NoError(f, err)
	f.Add(snappyBlock([]byte("id,name\nid,name\n1,a\n")), uint8(0))
	f.Add([]byte{0x40, 'a', 'b', 'c', 'd', 0x01, 0x00}, uint8(1))
	f.Add(z, uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		var r io.Reader
		var err error
		switch kind % 3 {
		case 0:
			r, err = newSnappyRaw(bytes.NewReader(data))
		case 1:
			r = newLZ4Block(bytes.NewReader(data))
		case 2:
			r, err = newZ(bytes.NewReader(data))
		}
		if err != nil {
			return
		}
		out, _ := io.ReadAll(io.LimitReader(r, 1<<20))
		if kind%3 == 2 && len(out) > 1<<16*len(data) {
			t.Fatalf(".Z of %d bytes gave %d", len(data), len(out))
		}
	})
}
