// Package opencsv reads CSV as opencsv 4.6's CSVReader does (the library
// kafka-connect-spooldir reads CSV with), over bytes rather than Java
// strings: its CSVParser (escape character, strict quotes, ignore leading
// whitespace, ignore quotations, the null field indicator, and its quirks
// with quotes inside unquoted fields) and its RFC4180Parser, rows over
// several lines, lines ended by "\n", "\r\n" or a lone "\r" (only "\n"
// with KeepCarriageReturn), and skipped lines. Tests compare it with what
// opencsv itself returns for a corpus of inputs and options
// (testdata/jvm says how those were recorded).
//
// Where it reads differently from opencsv, on purpose:
//   - With KeepCarriageReturn an empty line is an empty row, where opencsv
//     takes it for the end of the input and silently reads no further.
//   - A row (or line) of more than MaxRowBytes bytes is a *ParseError
//     (ErrRowTooLong) rather than held in memory: the reader skips to the
//     end of the line where the row's quotes balance, and goes on with the
//     next row.
//   - A quoted field left open at the end of the input is a *ParseError
//     (ErrUnterminatedQuote) naming the row's first line, as opencsv's
//     CsvMalformedLineException does; what came before was returned.
//
// Input is UTF-8 (malformed bytes are left in the cells: decoding them is
// the caller's business); the special characters are Unicode code points,
// matched as their UTF-8 encoding.
package opencsv

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// NullField is opencsv's CSVReaderNullFieldIndicator: which empty fields
// are read as null.
type NullField int

// The values of NullField.
const (
	Neither         NullField = iota // no field is null
	EmptySeparators                  // nothing between two separators
	EmptyQuotes                      // "" (for CSVParser: any empty field that held a quote)
	Both                             // either
)

// DefaultMaxRowBytes is the size of a row (and of a line) past which it is
// an ErrRowTooLong error: far more than a Kafka record holds by default
// (1 MB), and little enough that a file that is one long line or one
// quoted field left open does not take the memory of its size.
const DefaultMaxRowBytes = 8 << 20

// Options are those of opencsv's CSVParserBuilder (or RFC4180ParserBuilder)
// and CSVReaderBuilder, with opencsv's meanings.
type Options struct {
	// RFC4180 selects opencsv's RFC4180Parser, which knows no escape
	// character, ignores StrictQuotes, IgnoreLeadingWhiteSpace and
	// IgnoreQuotations, and takes any Separator (0 included).
	RFC4180   bool
	Separator rune
	Quote     rune
	// Escape, in CSVParser, makes the quote or escape character after it
	// literal; before any other character it is dropped.
	Escape                  rune
	StrictQuotes            bool // characters outside quotes are dropped
	IgnoreLeadingWhiteSpace bool // (only) whitespace before a quote inside a field is dropped
	IgnoreQuotations        bool // quotes do not group
	NullField               NullField
	KeepCarriageReturn      bool // lines end at "\n" only, a "\r" before it is kept
	SkipLines               int  // lines skipped before the first row
	// MaxRowBytes bounds a row; 0 is DefaultMaxRowBytes.
	MaxRowBytes int
}

// The errors of a row that cannot be read, inside a *ParseError.
var (
	ErrUnterminatedQuote = errors.New("a quoted field is not closed at the end of the input")
	ErrRowTooLong        = errors.New("the row is longer than the limit")
)

// ParseError is a row that cannot be read; the rows after it can.
type ParseError struct {
	Line int64 // the row's first line, from 1
	Err  error
}

func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

func (e *ParseError) Unwrap() error { return e.Err }

// Reader reads rows. It is not safe for concurrent use.
type Reader struct {
	in  *bufio.Reader
	o   Options
	max int

	sep, quote, esc []byte // UTF-8 encodings; esc empty for RFC4180
	ascii           bool   // every special character is one byte
	special         [256]bool
	specialQuoted   [256]bool // special, less the separator
	swar            [3]uint64 // the special bytes repeated eight times (ASCII)

	skipped   bool
	linesRead int64
	offset    int64
	rowLine   int64

	long  []byte // a line longer than the buffer
	buf   []byte // the row's cells, one after the other
	ends  []int  // where each cell ends in buf
	nulls []bool
	cells []string
	// arena holds the text of many rows' cells, one after the other, so
	// that a row costs no allocation of its own: strings.Builder never
	// writes over what String returned, so the cells of earlier rows stay
	// as they were when the arena fills and a new one is begun.
	arena strings.Builder

	inField bool   // CSVParser's inField, carried over a row's lines
	rescan  bool   // (tests) RFC4180Parser's open field split again at every line
	generic bool   // (tests) csvLine character by character, one-byte specials too
	pending []byte // RFC4180Parser's pending text
	logical []byte // RFC4180Parser's pending text and line
}

// NewReader returns a Reader of r with o, or the error opencsv's builders
// give for options they refuse (a CSVParser's special characters must
// differ, and its separator must not be 0), or for a special character
// that is a lone UTF-16 surrogate (which no UTF-8 text holds).
func NewReader(r io.Reader, o Options) (*Reader, error) {
	if !o.RFC4180 {
		same := func(a, b rune) bool { return a != 0 && a == b }
		if same(o.Separator, o.Quote) || same(o.Separator, o.Escape) || same(o.Quote, o.Escape) {
			return nil, errors.New("the separator, quote, and escape characters must be different")
		}
		if o.Separator == 0 {
			return nil, errors.New("the separator character must be defined")
		}
	}
	rd := &Reader{o: o, max: o.MaxRowBytes, ascii: true}
	if rd.max <= 0 {
		rd.max = DefaultMaxRowBytes
	}
	enc := func(c rune) ([]byte, error) {
		if c < 0 || c > unicode.MaxRune || utf16.IsSurrogate(c) {
			return nil, fmt.Errorf("character %d cannot be matched in UTF-8 text", c)
		}
		b := utf8.AppendRune(nil, c)
		if len(b) > 1 {
			rd.ascii = false
		}
		rd.special[b[0]] = true
		return b, nil
	}
	var err error
	if rd.sep, err = enc(o.Separator); err != nil {
		return nil, err
	}
	if rd.quote, err = enc(o.Quote); err != nil {
		return nil, err
	}
	if !o.RFC4180 {
		if rd.esc, err = enc(o.Escape); err != nil {
			return nil, err
		}
		const lo = 0x0101010101010101
		rd.swar = [3]uint64{uint64(rd.sep[0]) * lo, uint64(rd.quote[0]) * lo, uint64(rd.esc[0]) * lo}
		rd.specialQuoted[rd.quote[0]], rd.specialQuoted[rd.esc[0]] = true, true
	}
	if br, ok := r.(*bufio.Reader); ok && br.Size() >= 4096 {
		rd.in = br
	} else {
		rd.in = bufio.NewReaderSize(r, 64<<10)
	}
	return rd, nil
}

// arenaSize is the size of the arrays Read copies rows' cells into, many
// rows to an array. A cell kept keeps its array: at most this much more
// than the cell.
const arenaSize = 32 << 10

// Read returns the next row's cells and which of them are null (a null
// cell is ""), the slices valid until the next Read; the strings stay
// valid, and share arrays with other rows' cells (arenaSize). At the end of the input it
// returns io.EOF; for a row that cannot be read a *ParseError, after
// which Read goes on with the next row; any other error is the input's.
func (r *Reader) Read() (cells []string, nulls []bool, err error) {
	if !r.skipped {
		r.skipped = true
		for range r.o.SkipLines {
			_, ok, _, _, err := r.physLine(0)
			if err != nil {
				return nil, nil, err
			}
			if !ok {
				break
			}
			r.linesRead++
		}
	}
	r.buf, r.ends, r.nulls = r.buf[:0], r.ends[:0], r.nulls[:0]
	r.pending, r.inField = r.pending[:0], false
	pending, first := false, true
	over, quotes := false, 0 // past the limit: the row ends where its quotes balance
	for {
		limit := 0 // past the limit, lines are only counted
		if !over {
			limit = r.max - len(r.buf) - len(r.pending)
		}
		line, ok, long, q, err := r.physLine(limit)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			if first {
				return nil, nil, io.EOF
			}
			if over {
				return nil, nil, r.tooLong()
			}
			return nil, nil, &ParseError{Line: r.rowLine, Err: ErrUnterminatedQuote}
		}
		r.linesRead++
		if first {
			r.rowLine, first = r.linesRead, false
		}
		if long && !over {
			over = true
			if pending {
				quotes = 1
			}
			r.buf, r.pending = r.buf[:0], r.pending[:0]
		}
		if over {
			quotes += q
			if quotes%2 == 0 {
				return nil, nil, r.tooLong()
			}
			continue
		}
		if r.o.RFC4180 {
			pending = r.rfcLine(line, pending)
		} else {
			pending = r.csvLine(line, pending)
		}
		if len(r.buf)+len(r.pending) > r.max {
			if !pending {
				return nil, nil, r.tooLong()
			}
			over, quotes = true, 1
			r.buf, r.pending = r.buf[:0], r.pending[:0]
			continue
		}
		if !pending {
			break
		}
	}
	// One string for the row, which its cells share, carved from the arena.
	if r.arena.Cap()-r.arena.Len() < len(r.buf) {
		r.arena = strings.Builder{}
		r.arena.Grow(max(arenaSize, len(r.buf)))
	}
	from := r.arena.Len()
	r.arena.Write(r.buf)
	s := r.arena.String()[from:]
	if cap(r.cells) < len(r.ends) {
		r.cells = make([]string, len(r.ends), 2*len(r.ends))
	}
	cells = r.cells[:len(r.ends)]
	from = 0
	for i, to := range r.ends {
		cells[i] = s[from:to]
		from = to
	}
	return cells, r.nulls, nil
}

// ASCII reports whether the cells Read returned last are all ASCII, so
// valid UTF-8 whatever the input held: a caller that checks cells for
// malformed UTF-8 can skip rows for which it returns true. It looks at
// the row's bytes once, eight at a time.
func (r *Reader) ASCII() bool {
	b := r.buf
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func (r *Reader) tooLong() error {
	return &ParseError{Line: r.rowLine, Err: fmt.Errorf("%w of %d bytes", ErrRowTooLong, r.max)}
}

// Line returns the first line (from 1) of the row Read last returned.
func (r *Reader) Line() int64 { return r.rowLine }

// LinesRead returns the lines read so far, skipped lines included, as
// opencsv's getLinesRead counts them.
func (r *Reader) LinesRead() int64 { return r.linesRead }

// InputOffset returns the bytes of input read so far: those of the lines
// read, with their terminators.
func (r *Reader) InputOffset() int64 { return r.offset }

func (r *Reader) cell(null bool) {
	r.ends = append(r.ends, len(r.buf))
	r.nulls = append(r.nulls, null)
}

// physLine reads the next line as Java's BufferedReader.readLine does
// (or, with KeepCarriageReturn, up to "\n" alone), without its
// terminator; ok is false at the end of the input. A line of more than
// limit bytes is not kept: long is then true, and quotes is
// the number of quote characters in it.
func (r *Reader) physLine(limit int) (line []byte, ok, long bool, quotes int, err error) {
	r.long = r.long[:0]
	n := 0 // bytes of the line so far, without its terminator
	count := func(b []byte) {
		n += len(b)
		if n > limit && !long {
			long = true
			quotes = bytes.Count(r.long, r.quote)
			r.long = r.long[:0]
		}
		if long {
			quotes += bytes.Count(b, r.quote)
		}
	}
	for {
		if r.in.Buffered() == 0 {
			if _, err := r.in.Peek(1); err != nil {
				if err != io.EOF {
					return nil, false, false, 0, err
				}
				if n > 0 || long {
					return r.long, true, long, quotes, nil
				}
				return nil, false, false, 0, nil
			}
		}
		buf, _ := r.in.Peek(r.in.Buffered())
		i := bytes.IndexByte(buf, '\n')
		end := i
		if end < 0 {
			end = len(buf)
		}
		if !r.o.KeepCarriageReturn {
			if j := bytes.IndexByte(buf[:end], '\r'); j >= 0 {
				i, end = j, j
			}
		}
		if i < 0 {
			// No terminator in the buffer: keep what it holds and read on.
			count(buf)
			if !long {
				r.long = append(r.long, buf...)
			}
			r.in.Discard(len(buf))
			r.offset += int64(len(buf))
			continue
		}
		size := end + 1
		lf := true // the terminator is known whole
		if buf[end] == '\r' {
			if end+1 < len(buf) {
				if buf[end+1] == '\n' {
					size++
				}
			} else {
				lf = false
			}
		}
		if n == 0 && lf && end <= limit {
			// The line, whole in the buffer, stays there until the next
			// read.
			r.in.Discard(size)
			r.offset += int64(size)
			return buf[:end], true, false, 0, nil
		}
		count(buf[:end])
		if !long {
			r.long = append(r.long, buf[:end]...)
		}
		r.in.Discard(size)
		r.offset += int64(size)
		if !lf {
			// A "\r" the buffer ends with: a "\n" may follow.
			if b, err := r.in.Peek(1); err == nil && b[0] == '\n' {
				r.in.Discard(1)
				r.offset++
			}
		}
		return r.long, true, long, quotes, nil
	}
}

// decode returns the character at line[i] and its size.
func (r *Reader) decode(line []byte, i int) (rune, int) {
	if c := line[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRune(line[i:])
}

func (r *Reader) isSpecial(c rune) bool {
	if c < utf8.RuneSelf {
		return r.special[c]
	}
	return (c == r.o.Separator || c == r.o.Quote || (!r.o.RFC4180 && c == r.o.Escape))
}

func (r *Reader) is(line []byte, i int, c []byte) bool {
	return i < len(line) && bytes.HasPrefix(line[i:], c)
}

// csvLine parses a line as opencsv's CSVParser.parseLineMulti does,
// adding its cells to the row (the current cell is r.buf[from:]); it
// returns whether a quoted field goes on on the next line. pending says
// whether it went on from the line before.
func (r *Reader) csvLine(line []byte, pending bool) bool {
	if r.ascii && !r.generic {
		return r.csvLineASCII(line, pending)
	}
	o := &r.o
	// Locals for what the loop changes, stored back at the end.
	buf, inField, ends, nulls := r.buf, r.inField, r.ends, r.nulls
	from := 0 // where the current cell starts in buf
	if len(ends) > 0 {
		from = ends[len(ends)-1]
	}
	grouping := !o.IgnoreQuotations
	inQuotes := pending && grouping
	fromQuoted := false
	keep := !o.StrictQuotes // characters outside quotes are kept
	escape, quote, sep := o.Escape, o.Quote, o.Separator
	for i := 0; i < len(line); {
		c, size := r.decode(line, i)
		if !r.isSpecial(c) {
			if keep || (inQuotes && grouping) {
				buf = append(buf, line[i:i+size]...)
				inField, fromQuoted = true, true
			}
			i += size
			continue
		}
		next := i + size
		switch {
		case c == escape:
			if ((inQuotes && grouping) || inField) && (r.is(line, next, r.quote) || r.is(line, next, r.esc)) {
				_, n := r.decode(line, next)
				buf = append(buf, line[next:next+n]...)
				next += n
			}
		case c == quote:
			if ((inQuotes && grouping) || inField) && r.is(line, next, r.quote) {
				buf = append(buf, r.quote...)
				next += len(r.quote)
			} else {
				inQuotes = !inQuotes
				if len(buf) == from {
					fromQuoted = true
				}
				// A quote inside a field ("the tricky case" a,bc"d"ef,g),
				// told by the characters either side of it in this line.
				if keep && next < len(line) && !r.is(line, next, r.sep) &&
					i > 0 && !bytes.HasSuffix(line[:i], r.sep) && javaChars(line[:i]) >= 3 {
					if o.IgnoreLeadingWhiteSpace && len(buf) > from && javaWhitespace(buf[from:]) {
						buf = buf[:from]
					} else {
						buf = append(buf, r.quote...)
					}
				}
			}
			inField = !inField
		case c == sep && !(inQuotes && grouping):
			ends, nulls = append(ends, len(buf)), append(nulls, len(buf) == from && r.nullable(fromQuoted))
			from = len(buf)
			fromQuoted, inField = false, false
		default:
			if keep || (inQuotes && grouping) {
				buf = append(buf, line[i:next]...)
				inField, fromQuoted = true, true
			}
		}
		i = next
	}
	if inQuotes && grouping {
		r.buf, r.inField, r.ends, r.nulls = append(buf, '\n'), inField, ends, nulls
		return true
	}
	r.buf, r.inField, r.ends, r.nulls = buf, false, append(ends, len(buf)), append(nulls, len(buf) == from && r.nullable(fromQuoted))
	return false
}

// csvLineASCII is csvLine for special characters of one byte each, the
// usual case, on bytes rather than characters.
func (r *Reader) csvLineASCII(line []byte, pending bool) bool {
	o := &r.o
	buf, inField, ends, nulls := r.buf, r.inField, r.ends, r.nulls
	from := 0 // where the current cell starts in buf
	if len(ends) > 0 {
		from = ends[len(ends)-1]
	}
	grouping := !o.IgnoreQuotations
	inQuotes := pending && grouping
	fromQuoted := false
	keep := !o.StrictQuotes // characters outside quotes are kept
	sep, quote, esc := r.sep[0], r.quote[0], r.esc[0]
	start := 0 // where the loop below starts
	if !pending && keep {
		// The cells before the first quote or escape character are what
		// the separators split, found with the vectorised search.
		stop := bytes.IndexByte(line, quote)
		if e := bytes.IndexByte(line, esc); e >= 0 && (stop < 0 || e < stop) {
			stop = e
		}
		plain := line
		if stop >= 0 {
			plain = line[:max(bytes.LastIndexByte(line[:stop], sep), 0)]
		}
		for len(plain) > 0 || stop < 0 {
			k := bytes.IndexByte(plain, sep)
			if k < 0 {
				k = len(plain)
			}
			buf = append(buf, plain[:k]...)
			ends, nulls = append(ends, len(buf)), append(nulls, k == 0 && r.nullable(false))
			start += k + 1
			if k == len(plain) {
				if stop < 0 {
					r.buf, r.inField, r.ends, r.nulls = buf, false, ends, nulls
					return false
				}
				break
			}
			plain = plain[k+1:]
		}
		from = len(buf)
	}
	special, specialQ := &r.special, &r.specialQuoted
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	sw, qw, ew := r.swar[0], r.swar[1], r.swar[2]
	n := len(line)
	for i := start; i < n; {
		b := line[i]
		if !special[b] {
			quoted := inQuotes && grouping
			if !keep && !quoted {
				i++
				continue
			}
			// A run of plain characters (inside quotes the separator is
			// one) is copied at once, found eight bytes at a time with
			// the zero-byte test of each special byte's pattern.
			j := i + 1
			ps, table := sw, special
			if quoted {
				ps, table = qw, specialQ
			}
			for ; j+8 <= n; j += 8 {
				w := binary.LittleEndian.Uint64(line[j:])
				x, y, z := w^ps, w^qw, w^ew
				if ((x-lo)&^x|(y-lo)&^y|(z-lo)&^z)&hi != 0 {
					break
				}
			}
			for j < n && !table[line[j]] {
				j++
			}
			buf = append(buf, line[i:j]...)
			inField, fromQuoted = true, true
			if j < n && line[j] == sep && !quoted {
				// The separator after it, the commonest case.
				ends, nulls = append(ends, len(buf)), append(nulls, false)
				from, fromQuoted, inField = len(buf), false, false
				i = j + 1
				continue
			}
			if j == n {
				break
			}
			i, b = j, line[j]
		}
		switch {
		case b == esc:
			if ((inQuotes && grouping) || inField) && i+1 < n && (line[i+1] == quote || line[i+1] == esc) {
				buf = append(buf, line[i+1])
				i++
			}
		case b == quote:
			if ((inQuotes && grouping) || inField) && i+1 < n && line[i+1] == quote {
				buf = append(buf, quote)
				i++
			} else {
				inQuotes = !inQuotes
				if len(buf) == from {
					fromQuoted = true
				}
				// A quote inside a field ("the tricky case" a,bc"d"ef,g).
				if keep && i+1 < n && line[i+1] != sep && i > 0 && line[i-1] != sep && javaChars(line[:i]) >= 3 {
					if o.IgnoreLeadingWhiteSpace && len(buf) > from && javaWhitespace(buf[from:]) {
						buf = buf[:from]
					} else {
						buf = append(buf, quote)
					}
				} else if inQuotes && grouping && !inField && len(buf) == from {
					// A quoted field's content up to its next quote, with
					// no escape character in it, is copied at once.
					rest := line[i+1:]
					if k := bytes.IndexByte(rest, quote); k > 0 && bytes.IndexByte(rest[:k], esc) < 0 {
						buf = append(buf, rest[:k]...) // inField stays as they leave it
						i += k
					}
				}
			}
			inField = !inField
			if !(inQuotes && grouping) && i+1 < n && line[i+1] == sep {
				// The separator after a closing quote, as the next round
				// would take it.
				ends, nulls = append(ends, len(buf)), append(nulls, len(buf) == from && r.nullable(fromQuoted))
				from, fromQuoted, inField = len(buf), false, false
				i++
			}
		case b == sep && !(inQuotes && grouping):
			ends, nulls = append(ends, len(buf)), append(nulls, len(buf) == from && r.nullable(fromQuoted))
			from, fromQuoted, inField = len(buf), false, false
		default: // the separator inside quotes
			if keep || (inQuotes && grouping) {
				buf = append(buf, b)
				inField, fromQuoted = true, true
			}
		}
		i++
	}
	if inQuotes && grouping {
		r.buf, r.inField, r.ends, r.nulls = append(buf, '\n'), inField, ends, nulls
		return true
	}
	r.buf, r.inField, r.ends, r.nulls = buf, false, append(ends, len(buf)), append(nulls, len(buf) == from && r.nullable(fromQuoted))
	return false
}

// nullable is CSVParser's shouldConvertEmptyToNull.
func (r *Reader) nullable(fromQuoted bool) bool {
	switch r.o.NullField {
	case Both:
		return true
	case EmptySeparators:
		return !fromQuoted
	case EmptyQuotes:
		return fromQuoted
	}
	return false
}

// javaChars returns the number of Java chars (UTF-16 units) of b, counted
// only as far as 3 (CSVParser's BEGINING_OF_LINE).
func javaChars(b []byte) int {
	if len(b) >= 9 {
		return 3
	}
	n := 0
	for len(b) > 0 {
		c, size := utf8.DecodeRune(b)
		b = b[size:]
		n += utf16.RuneLen(c) // a malformed byte is one U+FFFD, as Java decodes it
	}
	return n
}

// javaWhitespace is commons-lang's StringUtils.isWhitespace: every
// character is Java's Character.isWhitespace.
func javaWhitespace(b []byte) bool {
	for _, c := range string(b) {
		switch {
		case c == '\t', c == '\n', c == '\v', c == '\f', c == '\r', c >= 0x1C && c <= 0x1F:
		case c == 0xA0, c == 0x2007, c == 0x202F:
			return false
		case unicode.Is(unicode.Zs, c), c == 0x2028, c == 0x2029:
		default:
			return false
		}
	}
	return true
}

// rfcLine parses a line as opencsv's RFC4180Parser.parseLineMulti does:
// the text left open on the line before (r.pending) and this line are
// split again as one.
func (r *Reader) rfcLine(line []byte, pending bool) bool {
	if pending && !r.rescan && r.o.Separator != '\n' && !bytes.Contains(line, r.quote) && !bytes.Contains(line, r.sep) {
		// Split again, the open field would take this line whole and stay
		// open (it starts with a quote it does not end with, or holds an
		// odd number of them): taken as that without splitting it all
		// again, so that a field over many lines costs no more than its
		// length.
		r.pending = append(append(r.pending, line...), '\n')
		return true
	}
	if pending {
		r.logical = append(append(r.logical[:0], r.pending...), line...)
		line = r.logical
	}
	r.pending = r.pending[:0]
	emptyNull := r.o.NullField == EmptySeparators || r.o.NullField == Both
	if !bytes.Contains(line, r.quote) {
		for {
			i := bytes.Index(line, r.sep)
			f := line
			if i >= 0 {
				f = line[:i]
			}
			r.buf = append(r.buf, f...)
			r.cell(len(f) == 0 && emptyNull)
			if i < 0 {
				return false
			}
			line = line[i+len(r.sep):]
		}
	}
	// splitWhileNotInQuotes, then each element as handleEmptySeparators
	// and handleQuotes make it.
	var last []byte
	n := 0
	add := func(f []byte) {
		if last != nil {
			r.rfcCell(last, emptyNull)
		}
		last = f[:len(f):len(f)]
		n++
	}
	for pos := 0; pos < len(line); {
		nextSep := indexFrom(line, pos, r.sep)
		nextQuote := indexFrom(line, pos, r.quote)
		switch {
		case nextSep < 0:
			add(line[pos:])
			pos = len(line)
		case nextQuote < 0 || nextQuote > nextSep || nextQuote != pos:
			add(line[pos:nextSep])
			pos = nextSep + len(r.sep)
		default:
			end := r.endOfField(line, pos)
			add(line[pos:min(end, len(line))])
			pos = end + len(r.sep)
		}
	}
	if last != nil && r.openQuote(last) {
		r.pending = append(append(r.pending, last...), '\n')
		return true
	}
	if last != nil {
		r.rfcCell(last, emptyNull)
	}
	if bytes.HasSuffix(line, r.sep) {
		r.rfcCell(nil, emptyNull)
	}
	return false
}

func (r *Reader) rfcCell(f []byte, emptyNull bool) {
	if len(f) == 0 {
		r.cell(emptyNull)
		return
	}
	if !bytes.Contains(f, r.quote) {
		r.buf = append(r.buf, f...)
		r.cell(false)
		return
	}
	// handleQuotes
	if bytes.Count(f, r.quote) != 1 && bytes.HasPrefix(f, r.quote) {
		f = f[len(r.quote):]
		f = bytes.TrimSuffix(f, r.quote)
	}
	from := len(r.buf)
	for {
		i := bytes.Index(f, r.quote)
		if i < 0 {
			r.buf = append(r.buf, f...)
			break
		}
		// A doubled quote is one (StringUtils.replace, left to right).
		i += len(r.quote)
		r.buf = append(r.buf, f[:i]...)
		f = f[i:]
		if bytes.HasPrefix(f, r.quote) {
			f = f[len(r.quote):]
		}
	}
	r.cell(len(r.buf) == from && (r.o.NullField == Both || r.o.NullField == EmptyQuotes))
}

// openQuote is RFC4180Parser's lastElementStartedWithQuoteButDidNotEndInOne.
func (r *Reader) openQuote(f []byte) bool {
	n := bytes.Count(f, r.quote)
	return (bytes.HasPrefix(f, r.quote) && !bytes.HasSuffix(f, r.quote)) || n%2 == 1
}

// endOfField is RFC4180Parser's findEndOfFieldFromPosition.
func (r *Reader) endOfField(line []byte, pos int) int {
	q := len(r.quote)
	notLast := func(i int) bool { return i >= 0 && i+q < len(line) }
	nextQuote := indexFrom(line, pos+q, r.quote)
	inQuote := false
	for notLast(nextQuote) {
		if !inQuote && r.is(line, nextQuote+q, r.sep) {
			return nextQuote + q
		}
		for {
			nextQuote = indexFrom(line, nextQuote+q, r.quote)
			inQuote = !inQuote
			if !(notLast(nextQuote) && r.is(line, nextQuote+q, r.quote)) {
				break
			}
		}
	}
	return len(line)
}

func indexFrom(b []byte, from int, c []byte) int {
	if from > len(b) {
		return -1
	}
	i := bytes.Index(b[from:], c)
	if i < 0 {
		return -1
	}
	return from + i
}
