package connectassign

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/connectproto"
	"github.com/kconnect-go/kconnect/internal/workergroup"
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

	var got []string
	var h *harness
	for _, fs := range scenarioSteps(t) {
		line := strings.Join(fs, " ")
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
			conns, tasks := held(t, fs[2:])
			h.addWorker(fs[1], conns, tasks)
		case "leave":
			h.removeWorkers(fs[1])
		case "sleep":
			h.sleep(num(1))
		case "sleepdelay":
			h.sleep(int64(h.a.delay) / num(1))
		case "leader":
			h.initAssignor()
		case "eager", "behind": // compared on the wire only
		case "rebalance", "failed", "mismatch":
			h.rebalance(fs[0] == "failed", fs[0] == "mismatch")
			got = append(got, h.render()...)
		default:
			t.Fatalf("unknown step %q", line)
		}
	}
	require.Len(t, got, len(want), "golden.txt is stale: regenerate it (testdata/jvm/README.md)")
	for i := range want {
		require.Equal(t, want[i], got[i], "line %d", i+1)
	}
}

// scenarioSteps returns testdata/scenarios.txt's steps, split in fields.
func scenarioSteps(t *testing.T) [][]string {
	f, err := os.Open("testdata/scenarios.txt")
	require.NoError(t, err)
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, strings.Fields(line))
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// held parses what a joining worker holds: connectors, and tasks as
// connector:number.
func held(t *testing.T, xs []string) ([]string, []taskID) {
	var conns []string
	var tasks []taskID
	for _, x := range xs {
		c, n, ok := strings.Cut(x, ":")
		if !ok {
			conns = append(conns, x)
			continue
		}
		i, err := strconv.Atoi(n)
		require.NoError(t, err, x)
		tasks = append(tasks, taskID{Connector: c, Task: int32(i)})
	}
	return conns, tasks
}

// TestMatchesKafkaOnTheWire replays testdata/scenarios.txt through
// Assign, bytes in and out, and compares every member's assignment with
// the bytes Kafka 4.4's IncrementalCooperativeAssignor.performAssignment
// encoded (testdata/golden-wire.txt): members send their sessioned
// metadata in the order they joined, the first of them leads, and each
// applies what it decodes. Its eager steps compare Eager with Kafka's
// EagerAssignor likewise.
func TestMatchesKafkaOnTheWire(t *testing.T) {
	golden, err := os.ReadFile("testdata/golden-wire.txt")
	require.NoError(t, err)
	want := strings.Split(strings.TrimRight(string(golden), "\n"), "\n")

	var (
		got        []string
		name       string
		round      int
		now        int64
		generation int32
		last       int32
		maxDelay   time.Duration
		behind     int64 = -1
		a          *Incremental
		connectors map[string]int
		order      []string
		members    map[string]*connectproto.Assignment
	)
	newLeader := func() {
		var err error
		a, err = NewIncremental(Config{MaxDelay: maxDelay,
			Configs:                 &behindConfigs{connectors: &connectors, behind: &behind},
			LastCompletedGeneration: func() int32 { return last },
			Now:                     func() time.Time { return time.UnixMilli(now) }})
		require.NoError(t, err)
		a.previousGeneration = generation
	}
	for _, fs := range scenarioSteps(t) {
		num := func(i int) int64 {
			n, err := strconv.ParseInt(fs[i], 10, 64)
			require.NoError(t, err, fs)
			return n
		}
		switch fs[0] {
		case "scenario":
			name, round, now, generation = fs[1], 0, 1_700_000_000_000, 1000
			maxDelay = time.Duration(num(2)) * time.Millisecond
			connectors, order, members = map[string]int{}, nil, map[string]*connectproto.Assignment{}
			newLeader()
		case "connector":
			connectors[fs[1]] = int(num(2))
		case "delete":
			delete(connectors, fs[1])
		case "join":
			conns, tasks := held(t, fs[2:])
			order = append(order, fs[1])
			members[fs[1]] = &connectproto.Assignment{Connectors: conns, Tasks: tasks}
		case "leave":
			order = slices.DeleteFunc(order, func(x string) bool { return x == fs[1] })
			delete(members, fs[1])
		case "sleep":
			now += num(1)
		case "sleepdelay":
			now += int64(a.delay) / num(1)
		case "leader":
			newLeader()
		case "behind":
			behind = num(1)
		case "eager":
			e, err := NewEager(Config{Configs: fixedConfigs{func() Snapshot { return Snapshot{Offset: 618, Tasks: maps.Clone(connectors)} }},
				LastCompletedGeneration: func() int32 { return last }})
			require.NoError(t, err)
			g := workergroup.Group{Generation: generation, LeaderID: order[0], Protocol: connectproto.V0, MaxConfigOffset: 618}
			for _, m := range order {
				g.Members = append(g.Members, workergroup.GroupMember{ID: m,
					WorkerState: connectproto.WorkerState{URL: "http://" + m + ":8083/", ConfigOffset: 618}})
			}
			out, err := e.Assign(t.Context(), g)
			require.NoError(t, err)
			got = append(got, name+" eager")
			sorted := slices.Clone(order)
			sortJava(sorted)
			for _, m := range sorted {
				b, err := connectproto.AppendAssignment(nil, connectproto.V0, out[m])
				require.NoError(t, err)
				got = append(got, fmt.Sprintf("  %s %x", m, b))
			}
		case "rebalance", "failed", "mismatch":
			generation++
			last = generation - 1
			if fs[0] == "mismatch" {
				last = generation - 2
			}
			g := workergroup.Group{Generation: generation, LeaderID: order[0], Protocol: connectproto.V2, MaxConfigOffset: 618}
			for _, m := range order {
				h := members[m]
				meta, err := connectproto.AppendMetadata(nil, connectproto.V2, connectproto.WorkerState{URL: "http://" + m + ":8083/",
					ConfigOffset: 618, Assignment: &connectproto.Assignment{Version: connectproto.V2, ConfigOffset: 618,
						Connectors: h.Connectors, Tasks: h.Tasks}})
				require.NoError(t, err)
				st, _, err := connectproto.DecodeMetadata(meta)
				require.NoError(t, err)
				g.Members = append(g.Members, workergroup.GroupMember{ID: m, WorkerState: st})
			}
			out, err := a.Assign(t.Context(), g)
			require.NoError(t, err)
			behind = -1
			round++
			got = append(got, fmt.Sprintf("%s round %d delay=%d", name, round, a.delay))
			sorted := slices.Clone(order)
			sortJava(sorted)
			for _, m := range sorted {
				b, err := connectproto.AppendAssignment(nil, connectproto.V2, out[m])
				require.NoError(t, err)
				got = append(got, fmt.Sprintf("  %s %x", m, b))
			}
			if fs[0] == "failed" {
				continue
			}
			for _, m := range order {
				b, err := connectproto.AppendAssignment(nil, connectproto.V2, out[m])
				require.NoError(t, err)
				as, err := connectproto.DecodeAssignment(b)
				require.NoError(t, err)
				h := members[m]
				h.Connectors = slices.DeleteFunc(h.Connectors, func(c string) bool { return slices.Contains(as.RevokedConnectors, c) })
				h.Tasks = slices.DeleteFunc(h.Tasks, func(t taskID) bool { return slices.Contains(as.RevokedTasks, t) })
				h.Connectors = append(h.Connectors, as.Connectors...)
				h.Tasks = append(h.Tasks, as.Tasks...)
			}
		default:
			t.Fatalf("unknown step %q", fs)
		}
	}
	require.Len(t, got, len(want), "golden-wire.txt is stale: regenerate it (testdata/jvm/README.md)")
	for i := range want {
		require.Equal(t, want[i], got[i], "line %d", i+1)
	}
}

// behindConfigs is the wire test's ConfigSource: a leader at offset 618,
// or, for a round after a behind step, one that joined at 600 while the
// store has read to the step's offset.
type behindConfigs struct {
	connectors *map[string]int
	behind     *int64
}

func (c *behindConfigs) Snapshot() Snapshot {
	off := int64(618)
	if *c.behind >= 0 {
		off = 600
	}
	return Snapshot{Offset: off, Tasks: maps.Clone(*c.connectors)}
}

func (c *behindConfigs) Fresh() Snapshot {
	return Snapshot{Offset: *c.behind, Tasks: maps.Clone(*c.connectors)}
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
