package opencsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// spooldirDefaults are spooldir's CSV defaults: CSVParser with '\\' as
// its escape character.
var spooldirDefaults = Options{Separator: ',', Quote: '"', Escape: '\\', IgnoreLeadingWhiteSpace: true}

func TestKeepCarriageReturnEmptyLine(t *testing.T) {
	o := spooldirDefaults
	o.KeepCarriageReturn = true
	r, err := NewReader(strings.NewReader("a,b\r\n\nc,\"d\n\ne\"\r\n"), o)
	if err != nil {
		t.Fatal(err)
	}
	rows, errLine, err := readAll(r)
	if err != nil || errLine != 0 {
		t.Fatalf("err %v, malformed row at %d", err, errLine)
	}
	var got []string
	for _, r := range rows {
		got = append(got, show(r.cells))
	}
	want := []string{`"a"|"b\r"`, `""`, `"c"|"d\n\ne\r"`}
	if !slices.Equal(got, want) {
		t.Fatalf("rows %q, want %q (an empty line is an empty row, not the end of the input)", got, want)
	}
}

// TestRowTooLong: a line, or a row over several lines, of more than
// MaxRowBytes is a ParseError naming its first line; the rows after it
// are read, and the reader holds no more than about the limit.
func TestRowTooLong(t *testing.T) {
	for _, tc := range []struct {
		name, input string
		want        []string
		errLine     int64
	}{
		{"long line", "a,b\n" + strings.Repeat("x", 1000) + ",y\nc,d\n", []string{`"a"|"b"`, `"c"|"d"`}, 2},
		{"long quoted row", "a,b\n\"" + strings.Repeat("x\n", 600) + "\",y\nc,d\n", []string{`"a"|"b"`, `"c"|"d"`}, 2},
		{"long line in a quoted row", "a,b\n\"x\n" + strings.Repeat("x", 1000) + "\",y\nc,d\n", []string{`"a"|"b"`, `"c"|"d"`}, 2},
		{"quote left open", "a,b\n\"" + strings.Repeat("x\n", 600), []string{`"a"|"b"`}, 2},
		{"quote left open on a long line", "a,b\n\"" + strings.Repeat("x", 1000), []string{`"a"|"b"`}, 2},
	} {
		for _, rfc := range []bool{false, true} {
			o := spooldirDefaults
			o.RFC4180, o.MaxRowBytes = rfc, 500
			r, err := NewReader(strings.NewReader(tc.input), o)
			if err != nil {
				t.Fatal(err)
			}
			rows, errLine, err := readAll(r)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, show(r.cells))
			}
			if !slices.Equal(got, tc.want) || errLine != tc.errLine {
				t.Errorf("%s (rfc %v): rows %q, malformed at %d; want %q, malformed at %d", tc.name, rfc, got, errLine, tc.want, tc.errLine)
			}
		}
	}
}

// endless is an input of n bytes of b, then tail.
type endless struct {
	b    byte
	n    int
	tail string
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n == 0 {
		if e.tail == "" {
			return 0, io.EOF
		}
		n := copy(p, e.tail)
		e.tail = e.tail[n:]
		return n, nil
	}
	n := min(len(p), e.n)
	for i := range p[:n] {
		p[i] = e.b
	}
	e.n -= n
	return n, nil
}

// TestHugeRowMemory reads a 64 MB line and a 64 MB quoted field left open
// with a 1 MB limit: each is one malformed row, and what the reader
// allocates depends on the limit, not on the row.
func TestHugeRowMemory(t *testing.T) {
	const size = 64 << 20
	for _, tc := range []struct {
		name string
		in   io.Reader
		rows int
	}{
		{"line", io.MultiReader(&endless{b: 'x', n: size, tail: "\n"}, strings.NewReader("a,b\n")), 1},
		{"open quote", io.MultiReader(strings.NewReader("\""), &endless{b: 'x', n: size, tail: "\n"}), 0},
		{"open quote over lines", io.MultiReader(strings.NewReader("\""), &endless{b: '\n', n: size}), 0},
	} {
		o := spooldirDefaults
		o.MaxRowBytes = 1 << 20
		r, err := NewReader(tc.in, o)
		if err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		rows, errLine, err := readAll(r)
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if err != nil || errLine != 1 || len(rows) != tc.rows {
			t.Errorf("%s: %d rows, malformed at %d, err %v; want %d rows, malformed at 1", tc.name, len(rows), errLine, err, tc.rows)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
			t.Errorf("%s: allocated %d MB reading a %d MB row", tc.name, grew>>20, size>>20)
		}
	}
}

// TestCellsOutliveArena keeps the cells of every row of an input several
// times the size of Read's arena, with a row longer than the arena among
// them: each cell is still its row's text after the rows that followed,
// and rows cost no allocation of their own.
func TestCellsOutliveArena(t *testing.T) {
	var in strings.Builder
	var want [][]string
	for i := range 3 * arenaSize / 16 {
		row := []string{fmt.Sprint(i), fmt.Sprintf("cell %d", i), "x\"y"}
		if i == 100 {
			row[1] = strings.Repeat("long", arenaSize/2)
		}
		fmt.Fprintf(&in, "%s,%s,\"x\"\"y\"\n", row[0], row[1])
		want = append(want, row)
	}
	r, err := NewReader(strings.NewReader(in.String()), spooldirDefaults)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for {
		cells, _, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, slices.Clone(cells))
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("cells changed after later rows were read")
	}

	line := "1,Customer Number 0000001,customer.0000001@example.com,0.01,true\n"
	r, _ = NewReader(strings.NewReader(strings.Repeat(line, 20000)), spooldirDefaults)
	if n := testing.AllocsPerRun(10000, func() { _, _, _ = r.Read() }); n > 0.01 {
		t.Errorf("%.3f allocations a row", n)
	}
}

// TestRFCLongOpenField: with the RFC 4180 parser, a quoted field over
// 200,000 lines (left open, then closed) is read in time linear in its
// length, not split again from its start at each line.
func TestRFCLongOpenField(t *testing.T) {
	o := spooldirDefaults
	o.RFC4180 = true
	in := "a,\"" + strings.Repeat("text\n", 200000) + "end\",b\nc,d\n"
	r, err := NewReader(strings.NewReader(in), o)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		rows    []row
		errLine int64
		err     error
	}
	done := make(chan result, 1)
	go func() {
		rows, errLine, err := readAll(r)
		done <- result{rows, errLine, err}
	}()
	select {
	case <-time.After(5 * time.Second):
		t.Fatal("not read in 5s")
	case res := <-done:
		if res.err != nil || res.errLine != 0 || len(res.rows) != 2 || len(res.rows[0].cells) != 3 ||
			*res.rows[0].cells[1] != strings.Repeat("text\n", 200000)+"end" {
			t.Fatalf("%d rows, malformed at %d, err %v", len(res.rows), res.errLine, res.err)
		}
	}
}

func TestOffsetAndLines(t *testing.T) {
	in := "skip\r\na,\"b\r\nc\"\rd\n\ne"
	o := spooldirDefaults
	o.SkipLines = 1
	r, err := NewReader(strings.NewReader(in), o)
	if err != nil {
		t.Fatal(err)
	}
	type pos struct{ line, lines, off int64 }
	var got []pos
	for {
		_, _, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, pos{r.Line(), r.LinesRead(), r.InputOffset()})
	}
	want := []pos{{2, 3, 15}, {4, 4, 17}, {5, 5, 18}, {6, 6, 19}}
	if !slices.Equal(got, want) {
		t.Fatalf("positions %v, want %v", got, want)
	}
}

// FuzzReader: no input or options make the reader panic, loop or return
// more than its input; on inputs where RFC 4180 and opencsv's CSVParser
// agree (no escape character, quotes only around whole fields, no lone
// "\r"), it reads what encoding/csv reads.
func FuzzReader(f *testing.F) {
	for _, s := range []string{"a,b\n", "\"a\"\"b\",c\r\n", "\"a\nb\",c\n", "a\"b\"c,d", "\\\"x\\\"", "\"open\n", "\x00,\xff\"\r"} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, in string, flags uint8) {
		o := Options{Separator: ',', Quote: '"', Escape: '\\',
			StrictQuotes: flags&1 != 0, IgnoreLeadingWhiteSpace: flags&2 != 0, IgnoreQuotations: flags&4 != 0,
			KeepCarriageReturn: flags&8 != 0, RFC4180: flags&16 != 0, NullField: NullField(flags >> 5 & 3), MaxRowBytes: 64}
		if flags&128 != 0 {
			o.Separator, o.Quote = 'é', '«'
		}
		r, err := NewReader(strings.NewReader(in), o)
		if err != nil {
			t.Fatal(err)
		}
		var rows [][]string
		malformed := false
		for range len(in) + 2 {
			cells, _, err := r.Read()
			if err == io.EOF {
				break
			}
			var pe *ParseError
			if errors.As(err, &pe) {
				malformed = true // the comparison below is only for well-formed input
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.InputOffset() > int64(len(in)) {
				t.Fatalf("offset %d past the input's %d bytes", r.InputOffset(), len(in))
			}
			rows = append(rows, slices.Clone(cells))
		}
		if _, _, err := r.Read(); err != io.EOF {
			t.Fatalf("no end after %d reads: %v", len(in)+2, err)
		}
		{
			// The open field taken line by line reads as split again
			// (RFC4180Parser); bytes read as characters (CSVParser).
			a, _ := NewReader(strings.NewReader(in), o)
			b, _ := NewReader(strings.NewReader(in), o)
			b.rescan, b.generic = true, true
			rowsA, lineA, errA := readAll(a)
			rowsB, lineB, errB := readAll(b)
			if fmt.Sprint(errA) != fmt.Sprint(errB) || lineA != lineB || len(rowsA) != len(rowsB) {
				t.Fatalf("%q: %d rows (malformed %d), split again %d (malformed %d)", in, len(rowsA), lineA, len(rowsB), lineB)
			}
			for i := range rowsA {
				if show(rowsA[i].cells) != show(rowsB[i].cells) || rowsA[i].line != rowsB[i].line {
					t.Fatalf("%q row %d: %s, split again %s", in, i, show(rowsA[i].cells), show(rowsB[i].cells))
				}
			}
		}
		if flags != 0 || malformed || !agrees(in) {
			return
		}
		cr := csv.NewReader(strings.NewReader(in))
		cr.FieldsPerRecord = -1
		want, err := cr.ReadAll()
		if err != nil {
			return
		}
		if len(want) != len(rows) {
			t.Fatalf("%q: %d rows, encoding/csv %d", in, len(rows), len(want))
		}
		for i := range want {
			if !slices.Equal(want[i], rows[i]) {
				t.Fatalf("%q row %d: %q, encoding/csv %q", in, i, rows[i], want[i])
			}
		}
	})
}

// agrees reports whether in is CSV on which encoding/csv and opencsv's
// CSVParser agree: valid UTF-8 without '\\', "\r" only before "\n", no
// blank lines (encoding/csv skips them), no leading space before a quote,
// and quotes only around whole fields.
func agrees(in string) bool {
	if !utf8.ValidString(in) || strings.ContainsAny(in, "\\") || strings.Contains(strings.ReplaceAll(in, "\r\n", "\n"), "\r") {
		return false
	}
	if in == "" || strings.HasPrefix(in, "\n") || strings.HasPrefix(in, "\r\n") {
		return false
	}
	// Fields, quoted or not, scanned as RFC 4180 reads them.
	b := []byte(in)
	for i := 0; i < len(b); {
		if b[i] == '"' {
			j := i + 1
			for {
				k := bytes.IndexByte(b[j:], '"')
				if k < 0 {
					return false
				}
				j += k + 1
				if j < len(b) && b[j] == '"' {
					j++
					continue
				}
				break
			}
			if j < len(b) && b[j] != ',' && b[j] != '\n' && b[j] != '\r' {
				return false
			}
			// A quoted field whose content starts with spaces then a
			// quote is read by CSVParser's whitespace rule.
			if strings.Contains(string(b[i:j]), " \"") || strings.Contains(string(b[i:j]), "\"\"") && j-i > 2 {
				return false
			}
			i = j
		} else {
			j := i
			for j < len(b) && b[j] != ',' && b[j] != '\n' && b[j] != '\r' {
				if b[j] == '"' {
					return false
				}
				j++
			}
			i = j
		}
		if i < len(b) {
			if b[i] == '\n' && i+1 < len(b) && (b[i+1] == '\n' || b[i+1] == '\r') {
				return false
			}
			i++
		}
	}
	return true
}

// ASCII tells a row of ASCII cells from one with any other byte, wherever
// that byte is in the row.
func TestASCII(t *testing.T) {
	rows := []struct {
		line  string
		ascii bool
	}{
		{"a,b,c", true},
		{"", true},
		{`1,"Customer Number 0000000",customer.0000000@example.com,0.01,true`, true},
		{"é", false},
		{"abcdefgh,é", false},
		{"abcdefghijklmnop,\xff", false},
		{"\x80abcdefghijklmnop", false},
		{`"caf` + "\xc3" + `",` + "\xa9", false},
	}
	for _, row := range rows {
		r, err := NewReader(strings.NewReader(row.line+"\n"), Options{Separator: ',', Quote: '"', Escape: '\\'})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := r.Read(); err != nil {
			t.Fatalf("%q: %v", row.line, err)
		}
		if got := r.ASCII(); got != row.ascii {
			t.Errorf("%q: ASCII() = %v, want %v", row.line, got, row.ascii)
		}
	}
}
