package spooldir

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	hamba "github.com/hamba/avro/v2"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/avro"
)

// avroFormat reads the records of Avro object container files, each a
// value of the Connect schema AvroData gives the file's schema, without a
// key, as SpoolDirAvroSourceConnector does.
//
// A file is read block by block rather than through a datum stream, so
// that a record's position is a block's and a count of records within
// it: position is the byte at which the block holding the next record
// starts (the end of the last block after the last record), line the
// records of that block already read. A task resumes by decoding that
// block again and skipping its first line records; the records before it
// are not read, where spooldir counts through them from the top.
// hamba/avro's ocf.Decoder is not used to read: it hides where blocks
// start, stops at the first block it cannot read, and allocates the size
// a block claims before reading it (a negative one panics). Its encoder
// writes the tests' files.
type avroFormat struct{ c *common }

func newAvroFormat(_ *connect.Config, c *common) (format, error) { return &avroFormat{c: c}, nil }

// jvmDone: spooldir's Avro offset is the number of records read.
func (af *avroFormat) jvmDone(n int64) func(position) bool {
	return func(p position) bool { return p.records >= n }
}

// jvmOffset: spooldir's Avro task, given offset n, skips n records.
func (af *avroFormat) jvmOffset(p position) int64 { return p.records }

const (
	avroMagic = "Obj\x01"
	// maxAvroBlock bounds a block, as stored and once decompressed: a
	// larger one is a malformed record, not a claim on the task's memory.
	maxAvroBlock = 64 << 20
	// maxAvroHeader bounds the header's metadata (the schema, mostly).
	maxAvroHeader = 16 << 20
	// maxEmptyRecords bounds the records a block may claim beyond one a
	// byte.
	maxEmptyRecords = 1 << 12
)

var errAvroTruncated = errors.New("the file ends inside it")

func (af *avroFormat) open(f *fileInfo, resume position) (reader, error) {
	file, err := os.Open(f.path)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Lstat(f.path); err != nil || !fi.Mode().IsRegular() {
		file.Close()
		if err == nil {
			err = fmt.Errorf("%s is not a regular file", f.path)
		}
		return nil, err
	}
	r := &avroReader{file: file, in: bufio.NewReaderSize(file, max(af.c.bufferSize, 64<<10)), pos: resume}
	if err := r.header(); err != nil {
		r.Close()
		return nil, err
	}
	if resume.bytes > r.off {
		if _, err := file.Seek(resume.bytes, io.SeekStart); err != nil {
			r.Close()
			return nil, err
		}
		r.in.Reset(file)
		r.off = resume.bytes
	}
	if resume.bytes == r.off {
		r.skip = resume.line
	} else {
		r.pos.bytes, r.pos.line = r.off, 0
	}
	return r, nil
}

// avroReader reads one container file.
type avroReader struct {
	file   *os.File
	in     *bufio.Reader
	off    int64 // of the next byte in reads
	sync   [16]byte
	decode func([]byte) ([]byte, error)
	zstd   *zstd.Decoder
	datum  *avro.DatumReader
	pos    position
	skip   int64 // records of the first block already read before a resume
	done   bool  // nothing more can be read

	blockAt      int64 // where the current block starts
	nextAt       int64 // where the block after it starts
	count, taken int64 // the block's records, and those read
}

func (r *avroReader) Close() error {
	if r.zstd != nil {
		r.zstd.Close()
	}
	return r.file.Close()
}

func (r *avroReader) byte() (byte, error) {
	c, err := r.in.ReadByte()
	if err == nil {
		r.off++
	}
	return c, err
}

// long reads a zig-zag varint; io.ErrUnexpectedEOF when the file ends
// inside it, io.EOF when it ends before it.
func (r *avroReader) long() (int64, error) {
	var u uint64
	for shift := uint(0); shift < 64; shift += 7 {
		c, err := r.byte()
		if err == io.EOF && shift > 0 {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return 0, err
		}
		u |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return int64(u>>1) ^ -int64(u&1), nil
		}
	}
	return 0, errors.New("a varint longer than 10 bytes")
}

// full reads n bytes, in a new slice (a block's records keep their BYTES
// values in it). A large n is allocated only as the file yields the
// bytes, so that a corrupt length cannot claim more memory than the file
// holds.
func (r *avroReader) full(n int64) ([]byte, error) {
	if n <= 64<<10 {
		b := make([]byte, n)
		m, err := io.ReadFull(r.in, b)
		r.off += int64(m)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return b, err
	}
	var b bytes.Buffer
	m, err := io.CopyN(&b, r.in, n)
	r.off += m
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return b.Bytes(), err
}

// header reads the magic, the metadata (schema and codec) and the sync
// marker: a file without them is not an Avro container file and cannot
// be read at all.
func (r *avroReader) header() error {
	fail := func(err error) error {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = errors.New("the file ends inside its header")
		}
		return fmt.Errorf("not a readable Avro object container file: %w", err)
	}
	magic, err := r.full(4)
	if err != nil {
		return fail(err)
	}
	if string(magic) != avroMagic {
		return fail(fmt.Errorf("wrong magic %q (an Avro container file starts with %q)", magic, avroMagic))
	}
	meta := map[string][]byte{}
	size := int64(0)
	for {
		n, err := r.long()
		if err != nil {
			return fail(err)
		}
		if n == 0 {
			break
		}
		if n < 0 {
			n = -n
			if _, err := r.long(); err != nil { // the block's size
				return fail(err)
			}
		}
		for ; n > 0; n-- {
			var kv [2][]byte
			for i := range kv {
				l, err := r.long()
				if err != nil {
					return fail(err)
				}
				if size += l; l < 0 || size > maxAvroHeader {
					return fail(fmt.Errorf("metadata of a negative length or over %d bytes", maxAvroHeader))
				}
				if kv[i], err = r.full(l); err != nil {
					return fail(err)
				}
			}
			meta[string(kv[0])] = kv[1]
		}
	}
	sync, err := r.full(16)
	if err != nil {
		return fail(err)
	}
	copy(r.sync[:], sync)
	schema, err := hamba.ParseBytesWithCache(meta["avro.schema"], "", &hamba.SchemaCache{})
	if err != nil {
		return fmt.Errorf("the file's schema (avro.schema) cannot be read: %w", err)
	}
	if r.datum, err = avro.NewDatumReader(schema); err != nil {
		return fmt.Errorf("the file's schema (avro.schema) has no Connect schema: %w", err)
	}
	switch codec := string(meta["avro.codec"]); codec {
	case "", "null":
		r.decode = func(b []byte) ([]byte, error) { return b, nil }
	case "deflate":
		r.decode = func(b []byte) ([]byte, error) { return inflate(flate.NewReader(bytes.NewReader(b))) }
	case "bzip2":
		r.decode = func(b []byte) ([]byte, error) { return inflate(bzip2.NewReader(bytes.NewReader(b))) }
	case "snappy":
		r.decode = unsnappy
	case "zstandard":
		if r.zstd, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxAvroBlock)); err != nil {
			return err
		}
		r.decode = func(b []byte) ([]byte, error) { return r.zstd.DecodeAll(b, nil) }
	default:
		return fmt.Errorf("the file's codec (avro.codec) %q is not supported: null, deflate, snappy, bzip2 and zstandard are", codec)
	}
	return nil
}

// inflate reads a decompressed block whole, up to maxAvroBlock.
func inflate(rd io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(rd, maxAvroBlock+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxAvroBlock {
		return nil, fmt.Errorf("the block decompresses to more than %d bytes", maxAvroBlock)
	}
	return b, nil
}

// unsnappy decodes Avro's snappy codec: a raw Snappy block followed by
// the big-endian CRC-32 of what it decodes to.
func unsnappy(b []byte) ([]byte, error) {
	if len(b) < 4 {
		return nil, errors.New("a snappy block without its checksum")
	}
	n, err := snappy.DecodedLen(b[:len(b)-4])
	if err != nil {
		return nil, err
	}
	if n > maxAvroBlock {
		return nil, fmt.Errorf("the block decompresses to more than %d bytes", maxAvroBlock)
	}
	out, err := snappy.Decode(nil, b[:len(b)-4])
	if err != nil {
		return nil, err
	}
	if crc32.ChecksumIEEE(out) != binary.BigEndian.Uint32(b[len(b)-4:]) {
		return nil, errors.New("snappy checksum mismatch")
	}
	return out, nil
}

// next returns the next record. A block that cannot be read (corrupt
// framing or sync marker, a codec error, a datum that does not decode) is
// a malformed record named by its byte position and record number; the
// file is read on from the next block (found by its sync marker when the
// block's own length cannot be trusted).
func (r *avroReader) next() (item, error) {
	for {
		if r.taken < r.count {
			v, err := r.datum.Read()
			if err != nil {
				return item{}, r.skipBlock(fmt.Errorf("record %d of %d: %w", r.taken+1, r.count, err))
			}
			r.taken++
			r.pos.records++
			if r.taken == r.count {
				r.pos.bytes, r.pos.line = r.nextAt, 0
			} else {
				r.pos.bytes, r.pos.line = r.blockAt, r.taken
			}
			return item{valueSchema: r.datum.Schema(), value: v, pos: r.pos}, nil
		}
		if r.done {
			return item{}, io.EOF
		}
		if err := r.readBlock(); err != nil {
			return item{}, err
		}
	}
}

// skipBlock leaves the rest of the current block unread.
func (r *avroReader) skipBlock(err error) error {
	r.count, r.taken = 0, 0
	r.pos.bytes, r.pos.line = r.nextAt, 0
	return r.blockError(r.blockAt, err)
}

func (r *avroReader) blockError(at int64, err error) error {
	return &rowError{at: fmt.Sprintf("block at byte %d", at), err: err}
}

// readBlock reads the block at r.off; io.EOF at the end of the file.
func (r *avroReader) readBlock() error {
	at := r.off
	count, err := r.long()
	if err == io.EOF {
		r.done = true
		return io.EOF
	}
	var size int64
	var block []byte
	if err == nil {
		size, err = r.long()
	}
	if err == nil && (count < 0 || size < 0 || size > maxAvroBlock) {
		return r.resync(at, fmt.Errorf("corrupt block header: %d records in %d bytes", count, size))
	}
	if err == nil {
		block, err = r.full(size)
	}
	var sync []byte
	if err == nil {
		sync, err = r.full(16)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		r.done = true
		return r.blockError(at, errAvroTruncated)
	}
	if err != nil {
		return r.resync(at, err)
	}
	if !bytes.Equal(sync, r.sync[:]) {
		return r.resync(at, errors.New("the block does not end with the file's sync marker"))
	}
	r.blockAt, r.nextAt = at, r.off
	data, err := r.decode(block)
	if err != nil {
		r.pos.bytes, r.pos.line = r.nextAt, 0
		return r.blockError(at, fmt.Errorf("decompressing: %w", err))
	}
	if count > int64(len(data)) && count > maxEmptyRecords {
		// Records of no bytes (a schema of null, an empty record) are
		// the only ones that many bytes can hold.
		r.pos.bytes, r.pos.line = r.nextAt, 0
		return r.blockError(at, fmt.Errorf("the block claims %d records in %d bytes", count, len(data)))
	}
	r.datum.Reset(data)
	r.count, r.taken = count, 0
	for ; r.skip > 0 && r.taken < r.count; r.skip-- {
		if _, err := r.datum.Read(); err != nil {
			return r.skipBlock(fmt.Errorf("record %d of %d, skipped on resuming: %w", r.taken+1, r.count, err))
		}
		r.taken++
	}
	r.skip = 0
	return nil
}

// resync moves past a block whose framing is corrupt, to just after the
// next sync marker, as Java's DataFileReader.sync does: the block after
// it is read next. Without another marker the file is at its end.
func (r *avroReader) resync(at int64, err error) error {
	bad := r.blockError(at, err)
	if _, serr := r.file.Seek(at+1, io.SeekStart); serr != nil {
		r.done = true
		return bad
	}
	r.in.Reset(r.file)
	r.off = at + 1
	var window [16]byte
	for seen := 0; ; seen++ {
		c, err := r.byte()
		if err != nil {
			r.done = true
			return bad
		}
		copy(window[:], window[1:])
		window[15] = c
		if seen >= 15 && window == r.sync {
			r.pos.bytes, r.pos.line = r.off, 0
			return bad
		}
	}
}
