package spooldir

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/opencsv"
)

// lineFormat reads each line of a file as a STRING value without a key,
// as SpoolDirLineDelimitedSourceConnector does, resuming at the byte after
// the last committed line rather than from the top.
type lineFormat struct{ c *common }

func newLineFormat(cfg *connect.Config, c *common) (format, error) {
	var err error
	if c.charset, err = lookupCharset(cfg.String(FileCharsetConfig)); err != nil {
		return nil, fmt.Errorf("%s: %w", FileCharsetConfig, err)
	}
	return &lineFormat{c: c}, nil
}

func (lf *lineFormat) open(f *fileInfo, resume position) (reader, error) {
	in, err := openText(f.path, resume.bytes, lf.c.bufferSize, lf.c.charset)
	if err != nil {
		return nil, err
	}
	resume.bytes = in.pos
	return &lineReader{in: in, pos: resume}, nil
}

// jvmDone: spooldir's line offset is the line number of the last line
// (though spooldir itself reads the file again from the top).
func (lf *lineFormat) jvmDone(n int64) func(position) bool {
	return func(p position) bool { return p.records >= n }
}

type lineReader struct {
	in  *input
	pos position
}

// maxRecordBytes bounds a line, CSV row or JSON value: one longer is a
// malformed record (errTooLong), read past without holding it in memory.
// Kafka takes records of 1 MB by default, so no record this long is lost
// that a default producer would have delivered.
const maxRecordBytes = opencsv.DefaultMaxRowBytes

// errTooLong is a record of more than maxRecordBytes.
var errTooLong = fmt.Errorf("the record is longer than %d bytes", maxRecordBytes)

// readLine returns the next line without its terminator ("\n", "\r\n" or
// a lone "\r", as Java's BufferedReader.readLine ends lines) and the bytes
// it took, or io.EOF at the end of the content. A last line without a
// terminator is a line. A line of more than maxRecordBytes is read to its
// end and returned cut to its start, with errTooLong.
func readLine(in *input) ([]byte, int64, error) {
	var long []byte // a line longer than what the buffer holds
	var n int64
	var err error
	keep := func(b []byte) {
		if err == nil && len(long)+len(b) > maxRecordBytes {
			err, long = errTooLong, long[:min(len(long), maxRawText)]
		}
		if err == nil {
			long = append(long, b...)
		}
	}
	for {
		if in.Buffered() == 0 {
			if _, perr := in.Peek(1); perr != nil {
				if perr == io.EOF && n > 0 {
					return long, n, err
				}
				return nil, 0, perr
			}
		}
		buf, _ := in.Peek(in.Buffered())
		i := bytes.IndexAny(buf, "\r\n")
		if i < 0 {
			keep(buf)
			n += int64(len(buf))
			in.Discard(len(buf))
			continue
		}
		size, known := i+1, buf[i] == '\n' || i+1 < len(buf)
		if buf[i] == '\r' && i+1 < len(buf) && buf[i+1] == '\n' {
			size++
		}
		if long == nil && err == nil && known {
			// The line stays in the buffer until the next read.
			in.Discard(size)
			return buf[:i], n + int64(size), nil
		}
		// A "\r" the buffer ends with: a "\n" may follow once it is filled
		// again, which overwrites what it holds.
		keep(buf[:i])
		line := long
		in.Discard(size)
		n += int64(size)
		if !known {
			if b, perr := in.Peek(1); perr == nil && b[0] == '\n' {
				in.Discard(1)
				n++
			}
		}
		return line, n, err
	}
}

func (r *lineReader) next() (item, error) {
	line, n, err := readLine(r.in)
	if err != nil && err != errTooLong {
		return item{}, err
	}
	r.pos.bytes += n
	r.pos.line++
	if err != nil {
		return item{}, &rowError{line: r.pos.line, text: string(line), err: err}
	}
	r.pos.records++
	return item{valueSchema: connect.StringSchema, value: strings.ToValidUTF8(string(line), "\uFFFD"), pos: r.pos}, nil
}

func (r *lineReader) Close() error { return r.in.Close() }
