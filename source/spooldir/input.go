package spooldir

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/klauspost/compress/zstd"
	"golang.org/x/text/encoding"
	"golang.org/x/text/transform"
)

// input is a file's content, decompressed when its extension says it is
// compressed (compressions), read from a byte position of that content.
type input struct {
	*bufio.Reader
	pos   int64 // of the next byte the Reader returns
	file  *os.File
	close func()
}

// compressions are the extensions of compressed files: spooldir's (gz,
// bz2, snappy, lz4, z) and zstd's.
var compressions = []string{".gz", ".bz2", ".zst", ".snappy", ".lz4", ".z"}

// compressed reports whether name's extension names a compression.
func compressed(name string) bool {
	for _, ext := range compressions {
		if strings.HasSuffix(strings.ToLower(name), ext) {
			return true
		}
	}
	return false
}

// openInput opens path at byte pos of its content: a plain file is seeked,
// a compressed one decompressed from its start and the bytes before pos
// discarded. A path that is no longer a regular file (replaced by a link)
// is refused.
func openInput(path string, pos int64, bufSize int) (*input, error) {
	return openContent(path, pos, bufSize, nil)
}

// openContent is openInput for text in charset cs (nil: UTF-8): the
// content is then the UTF-8 text it decodes to, decoded from the start
// of the file (a byte position in it is not one in the file), and pos a
// byte position in that text.
func openContent(path string, pos int64, bufSize int, cs encoding.Encoding) (*input, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = fmt.Errorf("%s is not a regular file", path)
		}
		return nil, err
	}
	// At least bufio's default size, so that a reader given in.Reader
	// (the CSV reader) reads from it rather than buffering ahead of it.
	bufSize = max(bufSize, 4096)
	in := &input{file: f, close: func() {}}
	var r io.Reader = f
	lower := strings.ToLower(path)
	switch {
	case strings.HasSuffix(lower, ".gz"):
		zr, err := gzip.NewReader(bufio.NewReaderSize(f, bufSize))
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("reading gzip: %w", err)
		}
		r = zr
	case strings.HasSuffix(lower, ".bz2"):
		r = bzip2.NewReader(bufio.NewReaderSize(f, bufSize))
	case strings.HasSuffix(lower, ".snappy"):
		if r, err = newSnappyRaw(bufio.NewReaderSize(f, bufSize)); err != nil {
			f.Close()
			return nil, fmt.Errorf("reading snappy: %w", err)
		}
	case strings.HasSuffix(lower, ".lz4"):
		r = newLZ4Block(bufio.NewReaderSize(f, bufSize))
	case strings.HasSuffix(lower, ".z"):
		if r, err = newZ(bufio.NewReaderSize(f, bufSize)); err != nil {
			f.Close()
			return nil, fmt.Errorf("reading .z: %w", err)
		}
	case strings.HasSuffix(lower, ".zst"):
		zr, err := zstd.NewReader(bufio.NewReaderSize(f, bufSize), zstd.WithDecoderConcurrency(1))
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("reading zstd: %w", err)
		}
		in.close = zr.Close
		r = zr
	case cs != nil: // decoded from the start, not seeked
	default:
		if pos > 0 {
			if _, err := f.Seek(pos, io.SeekStart); err != nil {
				f.Close()
				return nil, err
			}
			in.pos = pos
		}
	}
	if cs != nil {
		r = transform.NewReader(r, cs.NewDecoder())
	}
	in.Reader = bufio.NewReaderSize(r, bufSize)
	if in.pos < pos {
		n, err := io.CopyN(io.Discard, in.Reader, pos-in.pos)
		in.pos += n
		if err != nil && err != io.EOF {
			in.Close()
			return nil, err
		}
	}
	return in, nil
}

// utf8BOM is the byte order mark some tools (Excel, Notepad) write at the
// start of UTF-8 text.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// openText opens a text file as openContent does, but from its start skips a
// byte order mark, so that it does not become part of the first
// line, CSV header name or JSON value; in.pos is then after it. (Jackson
// skips it in JSON too; spooldir's CSV and line readers keep it, so a
// header's first column does not match its field.)
func openText(path string, pos int64, bufSize int, cs encoding.Encoding) (*input, error) {
	in, err := openContent(path, pos, bufSize, cs)
	if err != nil || pos > 0 {
		return in, err
	}
	if b, _ := in.Peek(len(utf8BOM)); bytes.Equal(b, utf8BOM) {
		in.Discard(len(utf8BOM))
		in.pos += int64(len(utf8BOM))
	}
	return in, nil
}

// Close closes the file.
func (in *input) Close() error {
	in.close()
	return in.file.Close()
}
