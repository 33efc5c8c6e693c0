package spooldir

import (
	"bufio"
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

// readLine returns the next line without its terminator ("\n" or "\r\n")
// and the bytes it took, or io.EOF at the end of the content. A last line
// without a terminator is a line.
func readLine(in *input) ([]byte, int64, error) {
	line, err := in.ReadSlice('\n')
	if err == nil || (err == io.EOF && len(line) > 0) {
		n := int64(len(line))
		line = bytes.TrimSuffix(line, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		return line, n, nil
	}
	if err != bufio.ErrBufferFull {
		return nil, 0, err
	}
	// Longer than the buffer: gather it.
	buf := append([]byte(nil), line...)
	for {
		line, err = in.ReadSlice('\n')
		buf = append(buf, line...)
		if err == nil || err == io.EOF {
			n := int64(len(buf))
			buf = bytes.TrimSuffix(buf, []byte{'\n'})
			buf = bytes.TrimSuffix(buf, []byte{'\r'})
			return buf, n, nil
		}
		if err != bufio.ErrBufferFull {
			return nil, 0, err
		}
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
