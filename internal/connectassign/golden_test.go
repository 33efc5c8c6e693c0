package connectassign

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMatchesKafka replays testdata/scenarios.txt and compares every
// round's decisions (what each worker starts and stops, in the order
// Kafka lists what it starts, and the delay) with what Kafka 4.4's
// IncrementalCooperativeAssignor decided (testdata/golden.txt;
// testdata/jvm/README.md says how to regenerate it).
func TestMatchesKafka(t *testing.T) {
	golden, err := os.ReadFile("testdata/golden.txt")
	require.NoError(t, err)
	want := strings.Split(strings.TrimRight(string(golden), "\n"), "\n")

	f, err := os.Open("testdata/scenarios.txt")
	require.NoError(t, err)
	defer f.Close()
	var got []string
	var h *harness
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		num := func(i int) int64 {
			n, err := strconv.ParseInt(fs[i], 10, 64)
			require.NoError(t, err, line)
			return n
		}
		switch fs[0] {
		case "scenario":
			h = &harness{t: t, maxDelay: time.Duration(num(2)) * time.Millisecond, now: 1_700_000_000_000, generation: 1000,
				connectors: map[string]int{}, members: map[string]*load{}, name: fs[1]}
			h.initAssignor()
		case "connector":
			h.connectors[fs[1]] = int(num(2))
		case "delete":
			delete(h.connectors, fs[1])
		case "join":
			var conns []string
			var tasks []taskID
			for _, x := range fs[2:] {
				c, n, ok := strings.Cut(x, ":")
				if !ok {
					conns = append(conns, x)
					continue
				}
				i, err := strconv.Atoi(n)
				require.NoError(t, err, line)
				tasks = append(tasks, taskID{Connector: c, Task: int32(i)})
			}
			h.addWorker(fs[1], conns, tasks)
		case "leave":
			h.removeWorkers(fs[1])
		case "sleep":
			h.sleep(num(1))
		case "sleepdelay":
			h.sleep(int64(h.a.delay) / num(1))
		case "leader":
			h.initAssignor()
		case "rebalance", "failed", "mismatch":
			h.rebalance(fs[0] == "failed", fs[0] == "mismatch")
			got = append(got, h.render()...)
		default:
			t.Fatalf("unknown step %q", line)
		}
	}
	require.NoError(t, sc.Err())
	require.Len(t, got, len(want), "golden.txt is stale: regenerate it (testdata/jvm/README.md)")
	for i := range want {
		require.Equal(t, want[i], got[i], "line %d", i+1)
	}
}

// render writes the last round as the JVM generator does.
func (h *harness) render() []string {
	h.round++
	out := []string{fmt.Sprintf("%s round %d delay=%d", h.name, h.round, h.a.delay)}
	ws := slices.Clone(h.order)
	sortJava(ws)
	list := func(xs []string, sort bool) string {
		if sort {
			xs = slices.Clone(xs)
			sortJava(xs)
		}
		return "[" + strings.Join(xs, ",") + "]"
	}
	str := func(ts []taskID) []string {
		out := make([]string, len(ts))
		for i, t := range ts {
			out[i] = t.String()
		}
		return out
	}
	for _, w := range ws {
		out = append(out, fmt.Sprintf("  %s +c%s +t%s -c%s -t%s", w, list(h.last.newConns[w], false), list(str(h.last.newTasks[w]), false),
			list(h.last.revokedConns[w], true), list(str(h.last.revokedTasks[w]), true)))
	}
	return out
}
