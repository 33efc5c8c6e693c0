// Command benchratio prints, for go test -bench output holding several runs
// of one benchmark's sub-benchmarks, each sub-benchmark's records/s (or -unit) as a
// ratio to a base sub-benchmark within the same run, and the median of those
// ratios.
//
// On a shared machine, throughput moves by tens of percent from minute to
// minute, and a ratio of medians taken over a whole file mixes calm and busy
// minutes. A test binary runs its sub-benchmarks one after another within a
// few seconds, so the ratio within one run (one "goos:" header, with
// -test.count repeats averaged) compares like with like; BENCHMARKS.md
// reports these.
//
// Usage:
//
//	benchratio -base SourceToKafka/kgo src-new.txt [more files...]
//	benchratio -unit rows/s -base KafkaToJDBC/postgres/insert/handwritten jdbc.txt
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	base := flag.String("base", "", "the sub-benchmark the others are divided by, without Benchmark and -N")
	unit := flag.String("unit", "records/s", "the metric compared")
	flag.Parse()
	if *base == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: benchratio -base Name/sub file...")
		os.Exit(2)
	}
	for _, path := range flag.Args() {
		runs, err := readRuns(path, *unit)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchratio:", err)
			os.Exit(1)
		}
		fmt.Println(path)
		ratios := map[string][]float64{}
		for i, run := range runs {
			b, ok := run[*base]
			if !ok {
				fmt.Fprintf(os.Stderr, "benchratio: %s: run %d has no %s\n", path, i+1, *base)
				os.Exit(1)
			}
			for name, v := range run {
				ratios[name] = append(ratios[name], v/b)
			}
		}
		names := make([]string, 0, len(ratios))
		for name := range ratios {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			rs := ratios[name]
			parts := make([]string, len(rs))
			for i, r := range rs {
				parts[i] = strconv.FormatFloat(r, 'f', 2, 64)
			}
			fmt.Printf("  %-40s median %.2f  runs %s\n", name, median(rs), strings.Join(parts, " "))
		}
	}
}

// readRuns returns, per run in path, each sub-benchmark's mean of unit.
func readRuns(path, unit string) ([]map[string]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var runs []map[string][]float64
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.HasPrefix(text, "goos:") {
			runs = append(runs, map[string][]float64{})
			continue
		}
		fields := strings.Fields(text)
		if len(fields) < 2 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		if len(runs) == 0 {
			return nil, fmt.Errorf("%s:%d: a result before the first goos: header", path, line)
		}
		name := strings.TrimPrefix(fields[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		for i := 2; i+1 < len(fields); i += 2 {
			if fields[i+1] != unit {
				continue
			}
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %s %q: %v", path, line, unit, fields[i], err)
			}
			runs[len(runs)-1][name] = append(runs[len(runs)-1][name], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	out := make([]map[string]float64, 0, len(runs))
	for _, run := range runs {
		if len(run) == 0 {
			continue
		}
		m := map[string]float64{}
		for name, vs := range run {
			sum := 0.0
			for _, v := range vs {
				sum += v
			}
			m[name] = sum / float64(len(vs))
		}
		out = append(out, m)
	}
	return out, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
