package opencsv

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// goldenCase is what opencsv 4.6 read from one case with one option set
// (testdata/jvm writes them).
type goldenCase struct {
	Opt, Case int
	Rows      []struct {
		Line  int64
		Cells []*string
	}
	Error   int64
	Refused bool
	Rest    bool
}

func readLines(t testing.TB, name string) []string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if !strings.HasPrefix(l, "#") && strings.TrimSpace(l) != "" || (name == "testdata/cases.txt" && !strings.HasPrefix(l, "#")) {
			out = append(out, l)
		}
	}
	return out
}

// unescape reads a case as the generator does.
func unescape(t testing.TB, s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '0':
			b.WriteByte(0)
		case '\\':
			b.WriteByte('\\')
		case 'u':
			n, err := strconv.ParseUint(s[i+1:i+5], 16, 32)
			if err != nil {
				t.Fatal(err)
			}
			b.WriteRune(rune(n))
			i += 4
		default:
			t.Fatalf("bad escape in %q", s)
		}
	}
	return b.String()
}

// goldenOptions reads an option set as the generator does, with
// spooldir's rule that separator 0 selects the RFC 4180 parser.
func goldenOptions(t testing.TB, line string) Options {
	m := map[string]string{}
	for _, kv := range strings.Fields(line) {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	num := func(k string) int {
		n, err := strconv.Atoi(m[k])
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	o := Options{
		Separator: rune(num("sep")), Quote: rune(num("quote")), Escape: rune(num("escape")),
		StrictQuotes: m["strict"] == "true", IgnoreLeadingWhiteSpace: m["ilw"] == "true", IgnoreQuotations: m["iq"] == "true",
		KeepCarriageReturn: m["keepcr"] == "true", RFC4180: m["rfc"] == "true" || m["sep"] == "0", SkipLines: num("skip"),
	}
	o.NullField = map[string]NullField{"NEITHER": Neither, "EMPTY_SEPARATORS": EmptySeparators, "EMPTY_QUOTES": EmptyQuotes, "BOTH": Both}[m["null"]]
	return o
}

// beforeEmptyLine returns input up to its first empty line after the
// skipped ones.
func beforeEmptyLine(input string, skip int) string {
	at := 0
	for n := 0; at < len(input); n++ {
		i := strings.IndexByte(input[at:], '\n')
		if n >= skip && i == 0 {
			return input[:at]
		}
		if i < 0 {
			break
		}
		at += i + 1
	}
	return input
}

type row struct {
	line  int64
	cells []*string
}

// readAll reads every row of in; err is the malformed row's line (0:
// none) and the error after it.
func readAll(r *Reader) (rows []row, errLine int64, err error) {
	for {
		cells, nulls, err := r.Read()
		if err == io.EOF {
			return rows, errLine, nil
		}
		var pe *ParseError
		if errors.As(err, &pe) {
			if errLine == 0 {
				errLine = pe.Line
			}
			continue
		}
		if err != nil {
			return rows, errLine, err
		}
		rw := row{line: r.Line()}
		for i, c := range cells {
			if nulls[i] {
				rw.cells = append(rw.cells, nil)
			} else {
				rw.cells = append(rw.cells, &c)
			}
		}
		rows = append(rows, rw)
	}
}

func show(cells []*string) string {
	var b strings.Builder
	for i, c := range cells {
		if i > 0 {
			b.WriteByte('|')
		}
		if c == nil {
			b.WriteString("<null>")
		} else {
			b.WriteString(strconv.Quote(*c))
		}
	}
	return b.String()
}

// TestGoldenOpenCSV reads every case with every option set and compares
// the rows, their cells (nulls included), their first lines and the
// malformed rows with what opencsv 4.6 read, through readers that hand
// over one byte at a time as well as whole.
func TestGoldenOpenCSV(t *testing.T) {
	cases := readLines(t, "testdata/cases.txt")
	opts := readLines(t, "testdata/options.txt")
	f, err := os.Open("testdata/golden.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var g goldenCase
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			t.Fatal(err)
		}
		n++
		input := unescape(t, cases[g.Case])
		o := goldenOptions(t, opts[g.Opt])
		if o.KeepCarriageReturn {
			// opencsv takes an empty line for the end of the input, where
			// this reader reads an empty row and goes on
			// (TestKeepCarriageReturnEmptyLine): compare what both read of
			// the input before it.
			input = beforeEmptyLine(input, o.SkipLines)
		}
		for _, oneByte := range []bool{false, true} {
			name := fmt.Sprintf("opt%d/case%d/onebyte=%v", g.Opt, g.Case, oneByte)
			var in io.Reader = strings.NewReader(input)
			if oneByte {
				in = bufio.NewReaderSize(iotest.OneByteReader(in), 16)
			}
			r, err := NewReader(in, o)
			if g.Refused {
				if err == nil {
					t.Errorf("%s: options %s accepted; opencsv refuses them", name, opts[g.Opt])
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			rows, errLine, err := readAll(r)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			want := g.Rows
			if errLine != g.Error {
				t.Errorf("%s: input %q: malformed row at line %d, opencsv at %d (0: none)", name, input, errLine, g.Error)
			}
			if len(rows) != len(want) {
				t.Errorf("%s: input %q: %d rows, opencsv %d", name, input, len(rows), len(want))
				for _, r := range rows {
					t.Logf("  got  %d: %s", r.line, show(r.cells))
				}
				for _, r := range want {
					t.Logf("  want %d: %s", r.Line, show(r.Cells))
				}
				continue
			}
			for i := range rows {
				if got, w := show(rows[i].cells), show(want[i].Cells); got != w || rows[i].line != want[i].Line {
					t.Errorf("%s: input %q row %d:\n got  line %d %s\n want line %d %s", name, input, i, rows[i].line, got, want[i].Line, w)
				}
			}
		}
	}
	if n != len(cases)*len(opts) {
		t.Fatalf("%d golden lines for %d cases and %d option sets: golden.jsonl is stale, regenerate it (testdata/jvm/README.md)", n, len(cases), len(opts))
	}
}
