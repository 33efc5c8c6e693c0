package spooldir

import (
	"io"

	"github.com/kconnect-go/kconnect/connect"
)

// maxBinaryFile bounds the file the binary connector reads into one
// record: a larger file is refused (moved to error.path) rather than
// taking the task's memory.
const maxBinaryFile = 1 << 30

// binaryFormat reads a whole file as one BYTES value without a key, as
// SpoolDirBinaryFileSourceConnector does; an empty file gives no record.
type binaryFormat struct{ c *common }

func newBinaryFormat(_ *connect.Config, c *common) (format, error) { return &binaryFormat{c: c}, nil }

func (bf *binaryFormat) open(f *fileInfo, resume position) (reader, error) {
	in, err := openInput(f.path, resume.bytes, bf.c.bufferSize)
	if err != nil {
		return nil, err
	}
	return &binaryReader{in: in, pos: resume}, nil
}

type binaryReader struct {
	in  *input
	pos position
}

func (r *binaryReader) next() (item, error) {
	data, err := io.ReadAll(io.LimitReader(r.in, maxBinaryFile+1))
	if err != nil {
		return item{}, err
	}
	if len(data) == 0 {
		return item{}, io.EOF
	}
	if len(data) > maxBinaryFile {
		return item{}, errTooLarge
	}
	r.pos.bytes += int64(len(data))
	r.pos.records++
	return item{valueSchema: connect.BytesSchema, value: data, pos: r.pos}, nil
}

var errTooLarge = tooLarge{}

type tooLarge struct{}

func (tooLarge) Error() string { return "the file is larger than the 1 GiB one record may hold" }

func (r *binaryReader) Close() error { return r.in.Close() }
