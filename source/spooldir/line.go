package spooldir

import (
	"bytes"
	"io"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
)

// lineFormat reads each line of a file as a STRING value without a key,
// as SpoolDirLineDelimitedSourceConnector does, resuming at the byte after
// the last committed line rather than from the top.
type lineFormat struct{ c *common }

func newLineFormat(_ *connect.Config, c *common) (format, error) { return &lineFormat{c: c}, nil }

func (lf *lineFormat) open(f *fileInfo, resume position) (reader, error) {
	in, err := openText(f.path, resume.bytes, lf.c.bufferSize)
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

// readLine returns the next line without its terminator ("\n", "\r\n" or
// a lone "\r", as Java's BufferedReader.readLine ends lines) and the bytes
// it took, or io.EOF at the end of the content. A last line without a
// terminator is a line.
func readLine(in *input) ([]byte, int64, error) {
	var long []byte // a line longer than what the buffer holds
	var n int64
	for {
		if in.Buffered() == 0 {
			if _, err := in.Peek(1); err != nil {
				if err == io.EOF && n > 0 {
					return long, n, nil
				}
				return nil, 0, err
			}
		}
		buf, _ := in.Peek(in.Buffered())
		i := bytes.IndexAny(buf, "\r\n")
		if i < 0 {
			long = append(long, buf...)
			n += int64(len(buf))
			in.Discard(len(buf))
			continue
		}
		size, known := i+1, buf[i] == '\n' || i+1 < len(buf)
		if buf[i] == '\r' && i+1 < len(buf) && buf[i+1] == '\n' {
			size++
		}
		if long == nil && known {
			// The line stays in the buffer until the next read.
			in.Discard(size)
			return buf[:i], n + int64(size), nil
		}
		// A "\r" the buffer ends with: a "\n" may follow once it is filled
		// again, which overwrites what it holds.
		line := append(long, buf[:i]...)
		in.Discard(size)
		n += int64(size)
		if !known {
			if b, err := in.Peek(1); err == nil && b[0] == '\n' {
				in.Discard(1)
				n++
			}
		}
		return line, n, nil
	}
}

func (r *lineReader) next() (item, error) {
	line, n, err := readLine(r.in)
	if err != nil {
		return item{}, err
	}
	r.pos.bytes += n
	r.pos.line++
	r.pos.records++
	return item{valueSchema: connect.StringSchema, value: strings.ToValidUTF8(string(line), "\uFFFD"), pos: r.pos}, nil
}

func (r *lineReader) Close() error { return r.in.Close() }
