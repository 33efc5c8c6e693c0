package spooldir

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The decompressors of spooldir's extensions that no library in the
// module reads as a stream: commons-compress's SNAPPY_RAW (.snappy: one
// Snappy block, its length first, not the framed format), LZ4_BLOCK
// (.lz4: LZ4 block sequences to the end of the file, not the frame
// format) and Z (.z: Unix compress, LZW). The block formats are read
// with a bounded window, so a file of any size is read in bounded
// memory, where decoding a block whole would hold all of it.

// lzWindow is the farthest back a copy may reach: 64 KiB, the most an
// LZ4 offset can say and the most Snappy's compressor uses (commons-
// compress keeps 32 KiB for Snappy, so what it reads this reads too).
const lzWindow = 64 << 10

var errCorrupt = errors.New("corrupt compressed data")

// lzReader outputs literals and copies of earlier output that next
// finds in the input, keeping lzWindow bytes of output for the copies.
type lzReader struct {
	in   *bufio.Reader
	hist []byte // output, the last lzWindow bytes of it at least
	lit  int    // literal bytes to copy from in
	cp   int    // bytes to copy from hist, off back
	off  int
	next func() error // sets lit or cp (and off); io.EOF at the end
	err  error
}

func (z *lzReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && z.err == nil {
		switch {
		case z.lit > 0:
			k, err := io.ReadFull(z.in, p[n:n+min(z.lit, len(p)-n)])
			z.hist = append(z.hist, p[n:n+k]...)
			n, z.lit = n+k, z.lit-k
			if err != nil {
				z.err = fmt.Errorf("%w: a literal goes past the end of the file", errCorrupt)
			}
		case z.cp > 0:
			if z.off <= 0 || z.off > len(z.hist) || z.off > lzWindow {
				z.err = fmt.Errorf("%w: a copy from %d bytes back, of %d written", errCorrupt, z.off, len(z.hist))
				break
			}
			k := min(z.cp, len(p)-n)
			for i := range k {
				b := z.hist[len(z.hist)-z.off]
				z.hist = append(z.hist, b)
				p[n+i] = b
			}
			n, z.cp = n+k, z.cp-k
		default:
			z.err = z.next()
		}
		if len(z.hist) >= 3*lzWindow {
			z.hist = append(z.hist[:0], z.hist[len(z.hist)-lzWindow:]...)
		}
	}
	if n > 0 {
		return n, nil
	}
	return 0, z.err
}

// newSnappyRaw reads one Snappy block: the length of its content as a
// varint, then literals and copies.
func newSnappyRaw(r io.Reader) (io.Reader, error) {
	in := bufio.NewReader(r)
	size, err := binary.ReadUvarint(in)
	if err != nil {
		return nil, fmt.Errorf("reading the snappy block's length: %w", err)
	}
	left := int64(size)
	z := &lzReader{in: in}
	z.next = func() error {
		if left <= 0 {
			return io.EOF
		}
		tag, err := in.ReadByte()
		if err != nil {
			return fmt.Errorf("%w: %d bytes missing at the end", errCorrupt, left)
		}
		var n int
		switch tag & 3 {
		case 0:
			n = int(tag >> 2)
			if n >= 60 {
				var b [4]byte
				if _, err := io.ReadFull(in, b[:n-59]); err != nil {
					return errCorrupt
				}
				n = int(binary.LittleEndian.Uint32(b[:]))
			}
			n++
			z.lit = n
		case 1:
			b, err := in.ReadByte()
			if err != nil {
				return errCorrupt
			}
			n, z.off = 4+int(tag>>2&7), int(tag&0xE0)<<3|int(b)
		case 2:
			var b [2]byte
			if _, err := io.ReadFull(in, b[:]); err != nil {
				return errCorrupt
			}
			n, z.off = 1+int(tag>>2), int(binary.LittleEndian.Uint16(b[:]))
		case 3:
			var b [4]byte
			if _, err := io.ReadFull(in, b[:]); err != nil {
				return errCorrupt
			}
			n, z.off = 1+int(tag>>2), int(binary.LittleEndian.Uint32(b[:])&0x7fffffff)
		}
		if n <= 0 || int64(n) > left {
			return fmt.Errorf("%w: an element of %d bytes where %d are left", errCorrupt, n, left)
		}
		if tag&3 != 0 {
			z.cp = n
		}
		left -= int64(n)
		return nil
	}
	return z, nil
}

// newLZ4Block reads LZ4 block sequences (a token, literals, then a copy)
// to the end of the input; the last sequence has no copy.
func newLZ4Block(r io.Reader) io.Reader {
	in := bufio.NewReader(r)
	z := &lzReader{in: in}
	var token byte
	copyNext := false // the literals of the sequence were output
	length := func(n int) (int, error) {
		if n != 15 {
			return n, nil
		}
		for {
			b, err := in.ReadByte()
			if err != nil {
				return 0, fmt.Errorf("%w: a length goes past the end of the file", errCorrupt)
			}
			n += int(b)
			if n > 1<<30 {
				return 0, fmt.Errorf("%w: a length past 1 GiB", errCorrupt)
			}
			if b != 255 {
				return n, nil
			}
		}
	}
	z.next = func() error {
		if copyNext {
			copyNext = false
			var b [2]byte
			if _, err := io.ReadFull(in, b[:1]); err == io.EOF {
				return io.EOF // the last sequence: literals only
			} else if err != nil {
				return err
			}
			if _, err := io.ReadFull(in, b[1:]); err != nil {
				return fmt.Errorf("%w: an offset goes past the end of the file", errCorrupt)
			}
			n, err := length(int(token & 15))
			if err != nil {
				return err
			}
			z.cp, z.off = n+4, int(binary.LittleEndian.Uint16(b[:]))
			return nil
		}
		var err error
		if token, err = in.ReadByte(); err != nil {
			return err // io.EOF: no sequence after a copy
		}
		if z.lit, err = length(int(token >> 4)); err != nil {
			return err
		}
		copyNext = true
		return nil
	}
	return z
}

// zReader reads Unix compress (.Z) as commons-compress's
// ZCompressorInputStream does: LZW codes of 9 bits up to the header's
// maximum, least significant bit first, the table cleared by code 256 in
// block mode, and codes read in groups of eight, the rest of a group
// skipped when the code size changes.
type zReader struct {
	in       *bufio.Reader
	bits     uint64
	nbits    uint
	block    bool
	maxBits  int
	codeSize int
	codes    int64 // codes read, for the groups of eight
	prefix   []int32
	char     []byte
	stack    []byte // output of the last code, from stackAt
	stackAt  int
	table    int // entries in the table
	prev     int // the code before, -1 after a clear
	prevChar byte
	err      error // of the input
	done     error // io.EOF, or why the content cannot be read further
}

func newZ(r io.Reader) (io.Reader, error) {
	in := bufio.NewReader(r)
	var h [3]byte
	if _, err := io.ReadFull(in, h[:]); err != nil || h[0] != 0x1f || h[1] != 0x9d {
		return nil, errors.New("not in .Z format")
	}
	z := &zReader{in: in, block: h[2]&0x80 != 0, maxBits: int(h[2] & 0x1f), codeSize: 9, prev: -1}
	if z.maxBits < 9 || z.maxBits > 16 {
		return nil, fmt.Errorf("a .Z file of %d-bit codes: 9 to 16 are read", z.maxBits)
	}
	size := 1 << z.maxBits
	z.prefix, z.char, z.stack = make([]int32, size), make([]byte, size), make([]byte, size)
	z.stackAt = size
	for i := range 256 {
		z.prefix[i], z.char[i] = -1, byte(i)
	}
	z.clearTable()
	return z, nil
}

func (z *zReader) clearTable() {
	z.table = 256
	if z.block {
		z.table++ // 256 is the clear code
	}
}

// code reads the next code, or returns -1 at the end of the input.
func (z *zReader) code() int {
	for z.nbits < uint(z.codeSize) {
		b, err := z.in.ReadByte()
		if err != nil {
			if err != io.EOF {
				z.err = err
			}
			return -1
		}
		z.bits |= uint64(b) << z.nbits
		z.nbits += 8
	}
	c := int(z.bits & (1<<z.codeSize - 1))
	z.bits >>= z.codeSize
	z.nbits -= uint(z.codeSize)
	z.codes++
	return c
}

// realign skips the rest of the group of eight codes.
func (z *zReader) realign() {
	for n := (8 - z.codes%8) % 8; n > 0; n-- {
		z.code()
	}
	z.bits, z.nbits = 0, 0
}

func (z *zReader) add(prev int, c byte) {
	max := 1 << z.codeSize
	if z.table < max {
		z.prefix[z.table], z.char[z.table] = int32(prev), c
		z.table++
	}
	if z.table == max && z.codeSize < z.maxBits {
		z.realign()
		z.codeSize++
	}
}

// symbol decodes the next code onto the stack; false at the end.
func (z *zReader) symbol() (bool, error) {
	c := z.code()
	if c < 0 {
		return false, z.err
	}
	if z.block && c == 256 {
		z.clearTable()
		z.realign()
		z.codeSize, z.prev = 9, -1
		return true, nil
	}
	unfinished := false
	if c == z.table {
		if z.prev < 0 {
			return false, fmt.Errorf("%w: the first code refers to the one before it", errCorrupt)
		}
		z.add(z.prev, z.prevChar)
		unfinished = true
	} else if c > z.table {
		return false, fmt.Errorf("%w: %d-bit code %#x past the table", errCorrupt, z.codeSize, c)
	}
	for e := c; e >= 0; e = int(z.prefix[e]) {
		if z.stackAt == 0 {
			return false, fmt.Errorf("%w: a code's string is longer than the table", errCorrupt)
		}
		z.stackAt--
		z.stack[z.stackAt] = z.char[e]
	}
	if z.prev >= 0 && !unfinished {
		z.add(z.prev, z.stack[z.stackAt])
	}
	z.prev, z.prevChar = c, z.stack[z.stackAt]
	return true, nil
}

func (z *zReader) Read(p []byte) (int, error) {
	if z.done != nil {
		return 0, z.done
	}
	n := 0
	for n < len(p) {
		if z.stackAt < len(z.stack) {
			k := copy(p[n:], z.stack[z.stackAt:])
			n += k
			z.stackAt += k
			continue
		}
		ok, err := z.symbol()
		if err != nil || !ok {
			if z.done = err; err == nil {
				z.done = io.EOF
			}
			if n > 0 {
				return n, nil
			}
			return 0, z.done
		}
	}
	return n, nil
}
