package javatime

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// julianCutover is 1583-01-01T00:00Z: Java's GregorianCalendar is Julian
// before 1582-10-15 (and 1582 is ten days short), this package proleptic
// Gregorian, so older golden cases differ.
const julianCutover = -12212553600000

// TestGoldenJVM checks Format and Parse against java.text.SimpleDateFormat
// (OpenJDK 17), recorded by transform/testdata/jvm-part2.
func TestGoldenJVM(t *testing.T) {
	f, err := os.Open("../../transform/testdata/part2-golden.txt")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		switch cols[0] {
		case "fmt":
			ms, err := strconv.ParseInt(cols[2], 10, 64)
			require.NoError(t, err)
			if ms < julianCutover {
				continue
			}
			got, err := Format(cols[1], time.UnixMilli(ms))
			require.NoError(t, err, cols[1])
			require.Equal(t, cols[3], got, "format %q at %d", cols[1], ms)
			n++
		case "parse":
			got, err := Parse(cols[1], cols[2])
			if cols[3] == "ERR" {
				require.Error(t, err, "parse %q with %q gave %v", cols[2], cols[1], got)
				n++
				continue
			}
			want, perr := strconv.ParseInt(cols[3], 10, 64)
			require.NoError(t, perr)
			if want < julianCutover {
				continue
			}
			require.NoError(t, err, "parse %q with %q", cols[2], cols[1])
			require.Equal(t, want, got.UnixMilli(), "parse %q with %q", cols[2], cols[1])
			n++
		}
	}
	require.NoError(t, sc.Err())
	require.Greater(t, n, 300)
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct{ pattern, want string }{
		{"yyyy-MM-dd'T", "unterminated quote"},
		{"YYYY-MM-dd", "unsupported pattern letter 'Y'"},
		{"yyyy-ww", "unsupported pattern letter 'w'"},
		{"yyyy-MM-dd q", "illegal pattern character 'q'"},
		{"XXXX", "at most 3 times"},
	} {
		_, err := Compile(tc.pattern)
		require.ErrorContains(t, err, tc.want, tc.pattern)
	}
}

func TestQuotesAndLiterals(t *testing.T) {
	ts := time.Date(2024, 3, 5, 7, 8, 9, 10_000_000, time.UTC)
	for _, tc := range []struct{ pattern, want string }{
		{"yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2024-03-05T07:08:09.010+0000"},
		{"'at' h 'o''clock'", "at 7 o'clock"},
		{"''", "'"},
		{"", ""},
		{"yyyy年MM月", "2024年03月"},
	} {
		got, err := Format(tc.pattern, ts)
		require.NoError(t, err)
		require.Equal(t, tc.want, got, tc.pattern)
	}
}

func TestLocation(t *testing.T) {
	loc := time.FixedZone("", 5*3600+30*60)
	l, err := Compile("yyyy-MM-dd HH:mm XXX Z z")
	require.NoError(t, err)
	l = l.In(loc)
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	require.Equal(t, "2024-01-01 05:30 +05:30 +0530 GMT+05:30", l.Format(ts))
	require.Equal(t, loc, l.Location())

	p, err := l.In(loc).Parse("2024-01-01 05:30 +05:30 +0530 GMT+05:30")
	require.NoError(t, err)
	require.True(t, p.Equal(ts))
	// Without a zone in the text, the layout's location applies.
	d, err := Compile("yyyy-MM-dd HH:mm")
	require.NoError(t, err)
	p, err = d.In(loc).Parse("2024-01-01 05:30")
	require.NoError(t, err)
	require.True(t, p.Equal(ts))
	require.Equal(t, time.UTC, d.In(nil).Location())
}

func TestParseErrorDetails(t *testing.T) {
	_, err := Parse("yyyy-MM-dd", "2024/01/01")
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, 4, pe.Offset)
	require.Contains(t, err.Error(), `unparseable date "2024/01/01" for pattern "yyyy-MM-dd"`)
}

func TestTwoDigitYear(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	require.Equal(t, 1999, adjustTwoDigitYear(99, now))
	require.Equal(t, 2020, adjustTwoDigitYear(20, now))
	require.Equal(t, 2045, adjustTwoDigitYear(45, now))
	require.Equal(t, 1946, adjustTwoDigitYear(46, now))
	require.Equal(t, 1947, adjustTwoDigitYear(47, now))
}

func TestNoPanics(t *testing.T) {
	inputs := []string{"", "'", "''", "x", "+", "-", "GMT+", "GMT+1", "+1", "99999999999999999999", "\xff\xfe", "Z", "-0"}
	patterns := []string{"yyyy", "yy", "MMM", "EEE", "a", "z", "Z", "X", "XXX", "G", "S", "yyyyMMdd", "D", "u", "k", "h"}
	for _, p := range patterns {
		l, err := Compile(p)
		require.NoError(t, err)
		for _, in := range inputs {
			_, _ = l.Parse(in)
		}
		_ = l.Format(time.Time{})
		_ = l.Format(time.Unix(1<<40, 0))
	}
}

func BenchmarkFormat(b *testing.B) {
	l, _ := Compile("yyyy-MM-dd'T'HH:mm:ss.SSSZ")
	ts := time.UnixMilli(1700000000123)
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = l.AppendFormat(buf[:0], ts)
	}
}

func BenchmarkParse(b *testing.B) {
	l, _ := Compile("yyyy-MM-dd'T'HH:mm:ss.SSSZ")
	b.ReportAllocs()
	for b.Loop() {
		_, _ = l.Parse("2023-11-14T22:13:20.123+0000")
	}
}
