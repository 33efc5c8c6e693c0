package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/configtopic"
	"github.com/kconnect-go/kconnect/internal/jvmworker"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

// rebalanceBenchEnv, set to a number of runs, turns TestRebalanceTimes on.
const rebalanceBenchEnv = "KCONNECT_BENCH_REBALANCE"

// rebalanceKindsEnv, a comma-separated list, keeps only the clusters
// whose name contains one of its words ("kconnect", "JVM", "sessioned").
const rebalanceKindsEnv = "KCONNECT_BENCH_REBALANCE_KINDS"

// rebalanceLogsEnv, a directory, keeps each kconnect worker's log there
// as <group.id>-<port>.log, to tell from its "joined" lines how many
// rebalances a step took; otherwise the log is shown only if the worker
// exits before it is ready.
const rebalanceLogsEnv = "KCONNECT_BENCH_REBALANCE_LOGS"

// benchWorker is one distributed worker process of TestRebalanceTimes.
type benchWorker struct {
	url  string // REST URL, without a trailing slash
	id   string // its worker id, host:port
	pid  int
	stop func() // SIGTERM, and wait for it to be gone
}

// benchKind starts the workers of one implementation, returning each once
// it answers GET /health.
type benchKind struct {
	name  string
	start func(t *testing.T, props map[string]string) *benchWorker
	// noCrash: the kind holds a killed worker's work back for
	// scheduled.rebalance.max.delay.ms (5 minutes), so its crash is not
	// measured.
	noCrash bool
}

// TestRebalanceTimes measures, on a real broker, how long a distributed
// cluster takes to rebalance 30 FileStreamSource connectors (30 connector
// instances and 30 tasks) when a third worker joins two, when one of the
// three leaves (stopped with SIGTERM), and when one of the last two is
// killed (SIGKILL): from the new worker's launch, or the signal, until
// every connector and task is RUNNING on the workers then in the group,
// each holding its even share, as GET /connectors?expand=status on a
// worker that stays shows it. The same definition holds for every
// protocol; under the cooperative ones the new worker's share arrives in
// a second rebalance, which the even share waits for. A killed worker's
// work waits for scheduled.rebalance.max.delay.ms under the cooperative
// protocols, so its crash is measured only where that is 0 or the
// protocol eager. It also reads each worker's RSS idle before the
// connectors start and with its share of them running, the kconnect
// binary's pages read from disk (dropPageCache). kconnect (the
// cmd/kconnect binary: eager, and sessioned with the default delay and
// with 0) and JVM Kafka Connect 4.4 (eager, and its default sessioned
// with delay 0) take turns within each run, on the same broker. It runs
// only when KCONNECT_BENCH_REBALANCE is set to the number of runs (with
// KCONNECT_CONNECT_CLASSPATH and KCONNECT_KAFKA_BROKERS;
// KCONNECT_BENCH_REBALANCE_KINDS narrows the clusters), and logs a table.
func TestRebalanceTimes(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv(rebalanceBenchEnv))
	if runs <= 0 {
		t.Skipf("benchmark: set %s to a number of runs (with %s and %s) to run it", rebalanceBenchEnv,
			jvmworker.ClasspathEnv, testkafka.BrokersEnv)
	}
	cp := jvmworker.Classpath(t)
	brokers := testkafka.Brokers(t)
	bin := os.Getenv("KCONNECT_BENCH_BINARY")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "kconnect")
		out, err := exec.Command("go", "build", "-o", bin, "../../cmd/kconnect").CombinedOutput()
		if err != nil {
			t.Fatalf("building cmd/kconnect: %v\n%s", err, out)
		}
	}
	dropPageCache(t, bin)
	kinds := []benchKind{
		{"kconnect (eager)", func(t *testing.T, props map[string]string) *benchWorker {
			return startKconnect(t, bin, brokers, props, map[string]string{"connect.protocol": "eager"})
		}, false},
		{"kconnect (sessioned)", func(t *testing.T, props map[string]string) *benchWorker {
			return startKconnect(t, bin, brokers, props, map[string]string{"connect.protocol": "sessioned"})
		}, true},
		{"kconnect (sessioned, scheduled.rebalance.max.delay.ms=0)", func(t *testing.T, props map[string]string) *benchWorker {
			return startKconnect(t, bin, brokers, props, map[string]string{"connect.protocol": "sessioned", "scheduled.rebalance.max.delay.ms": "0"})
		}, false},
		{"JVM Connect 4.4 (eager)", func(t *testing.T, props map[string]string) *benchWorker {
			return startJVM(t, cp, brokers, props, map[string]string{"connect.protocol": "eager"})
		}, false},
		{"JVM Connect 4.4 (sessioned, scheduled.rebalance.max.delay.ms=0)", func(t *testing.T, props map[string]string) *benchWorker {
			return startJVM(t, cp, brokers, props, map[string]string{"scheduled.rebalance.max.delay.ms": "0"})
		}, false},
	}
	if only := os.Getenv(rebalanceKindsEnv); only != "" {
		kinds = slices.DeleteFunc(kinds, func(k benchKind) bool {
			return !slices.ContainsFunc(strings.Split(only, ","), func(s string) bool { return s != "" && strings.Contains(k.name, s) })
		})
	}
	type figures struct{ ready, join, leave, crash, rssEmpty, rssBusy []float64 }
	results := make([]figures, len(kinds))
	for run := range runs {
		for k, kind := range kinds {
			phase := time.Duration(run%3) * benchHeartbeat / 3
			r, j, l, c, empty, busy := rebalanceRun(t, kind, brokers, fmt.Sprintf("r%d-k%d", run, k), phase)
			t.Logf("run %d, %s: join %v (ready after %v), leave %v, crash %v, RSS idle %.1f MiB, with connectors %.1f MiB", run, kind.name,
				j.Round(time.Millisecond), r.Round(time.Millisecond), l.Round(time.Millisecond), c.Round(time.Millisecond), empty, busy)
			f := &results[k]
			f.ready = append(f.ready, float64(r.Milliseconds()))
			f.join = append(f.join, float64(j.Milliseconds()))
			f.leave = append(f.leave, float64(l.Milliseconds()))
			if !kind.noCrash {
				f.crash = append(f.crash, float64(c.Milliseconds()))
			}
			f.rssEmpty = append(f.rssEmpty, empty...)
			f.rssBusy = append(f.rssBusy, busy...)
		}
	}
	var b strings.Builder
	b.WriteString("| worker | join: launch to all RUNNING over 3 (ms) | of which launch to /health (ms) | leave: SIGTERM to all RUNNING over 2 (ms) | crash: SIGKILL to all RUNNING on 1 (ms) | RSS per worker, idle, no connectors (MiB) | RSS per worker, 2 workers running 30+30 (MiB) |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for k, kind := range kinds {
		f := results[k]
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", kind.name, spread(f.join, 0), spread(f.ready, 0), spread(f.leave, 0),
			spread(f.crash, 0), spread(f.rssEmpty, 0), spread(f.rssBusy, 0))
	}
	t.Logf("%d runs:\n%s", runs, b.String())
}

// spread formats the median of vs with its range.
func spread(vs []float64, prec int) string {
	if len(vs) == 0 {
		return "–"
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return fmt.Sprintf("%.*f [%.*f–%.*f]", prec, med, prec, s[0], prec, s[len(s)-1])
}

// benchHeartbeat is heartbeat.interval.ms as every worker here has it
// (Kafka Connect's default).
const benchHeartbeat = 3 * time.Second

// rebalanceRun runs one cluster of kind: two workers with 30 connectors
// written to their config topic beforehand, a third joining, one leaving
// gracefully, and then, unless kind.noCrash, one of the two remaining
// killed. The members hear of a new or departed one at their next
// heartbeat, every benchHeartbeat from the end of their last join, so a
// fixed pause before the launch or the signal would put it at one place
// in that interval in every run, and the time measured would be 0 to 3 s
// longer according to how long the worker took to start or stop there;
// each is phase later than a fixed pause after the cluster settled, the
// runs taking phases spread over the interval.
func rebalanceRun(t *testing.T, kind benchKind, brokers []string, tag string, phase time.Duration) (ready, join, leave, crash time.Duration, rssEmpty, rssBusy []float64) {
	group := testkafka.Group(t, "rebalance-"+tag)
	topic := testkafka.Topic(t, "rebalance-"+tag)
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	props := map[string]string{"group.id": group,
		"config.storage.topic": group + "-configs", "offset.storage.topic": group + "-offsets", "status.storage.topic": group + "-status",
		"offset.storage.partitions": "5", "status.storage.partitions": "5"}
	// Registered before any worker starts, so that, cleanups running last
	// first, each deletion comes after every worker of the cluster stopped.
	for _, k := range []string{"config.storage.topic", "offset.storage.topic", "status.storage.topic"} {
		testkafka.DeleteTopicAtCleanup(t, brokers, props[k])
	}
	in := writeFile(t, filepath.Join(t.TempDir(), "in.txt"), "a\n")

	a, b := kind.start(t, props), kind.start(t, props)
	time.Sleep(3 * time.Second) // idle: the RSS a worker settles at, as measure.sh waits
	rssEmpty = []float64{rssMiB(t, a.pid), rssMiB(t, b.pid)}

	// The connectors are written to the config topic as a leader would, all
	// at once: created one by one through REST, each would cost a
	// rebalance.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cs, err := configtopic.Open(ctx, testkafka.Client(t, brokers), configtopic.Options{Topic: props["config.storage.topic"], ReplicationFactor: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		name := fmt.Sprintf("src%02d", i)
		if err := cs.PutConnectorConfig(ctx, name, map[string]string{"name": name, "connector.class": "FileStreamSource",
			"file": in, "topic": topic, "tasks.max": "1"}, ""); err != nil {
			t.Fatal(err)
		}
	}
	_ = cs.Close()
	waitSettled(t, a, []*benchWorker{a, b}, 120*time.Second)
	time.Sleep(3 * time.Second)
	rssBusy = []float64{rssMiB(t, a.pid), rssMiB(t, b.pid)}
	time.Sleep(phase)

	began := time.Now()
	c := kind.start(t, props)
	ready = time.Since(began)
	waitSettled(t, a, []*benchWorker{a, b, c}, 120*time.Second)
	join = time.Since(began)
	time.Sleep(2*time.Second + phase)

	began = time.Now()
	if err := syscall.Kill(b.pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitSettled(t, a, []*benchWorker{a, c}, 120*time.Second)
	leave = time.Since(began)
	b.stop()
	if !kind.noCrash {
		time.Sleep(2*time.Second + phase)
		// The group hears of a killed worker only when its session
		// (session.timeout.ms, 10 s by default) expires.
		began = time.Now()
		if err := syscall.Kill(c.pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitSettled(t, a, []*benchWorker{a}, 120*time.Second)
		crash = time.Since(began)
	}
	a.stop()
	c.stop()
	return ready, join, leave, crash, rssEmpty, rssBusy
}

// waitSettled polls via's GET /connectors?expand=status until it shows 30
// connectors, each with its task, all RUNNING on the given workers, each
// of which holds its share of the 60 to within 2: their final places,
// as every assignor here balances them, and not a step of an incremental
// rebalance where the new worker holds a few.
func waitSettled(t *testing.T, via *benchWorker, on []*benchWorker, d time.Duration) {
	t.Helper()
	ids := map[string]int{}
	for _, w := range on {
		ids[w.id] = 0
	}
	deadline := time.Now().Add(d)
	for {
		if settled(via, ids) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not settled over %v within %v", ids, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func settled(via *benchWorker, ids map[string]int) bool {
	resp, err := http.Get(via.url + "/connectors?expand=status")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var all map[string]struct {
		Status connectorStatus `json:"status"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&all) != nil || len(all) != 30 {
		return false
	}
	for id := range ids {
		ids[id] = 0
	}
	for _, c := range all {
		st := c.Status
		if _, ok := ids[st.Connector.WorkerID]; !ok || st.Connector.State != "RUNNING" || len(st.Tasks) != 1 {
			return false
		}
		ids[st.Connector.WorkerID]++
		for _, task := range st.Tasks {
			if _, ok := ids[task.WorkerID]; !ok || task.State != "RUNNING" {
				return false
			}
			ids[task.WorkerID]++
		}
	}
	for _, n := range ids {
		if share := 60 / len(ids); n < share-2 || n > share+2 {
			return false
		}
	}
	return true
}

// rssMiB reads a process's resident set size.
func rssMiB(t *testing.T, pid int) float64 { return procStatusMiB(t, pid, "VmRSS") }

// procStatusMiB reads a size in kB of /proc/<pid>/status (VmRSS, RssAnon)
// as MiB.
func procStatusMiB(t *testing.T, pid int, field string) float64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// startKconnect runs bin as a distributed worker on a free loopback port
// and waits until it answers GET /health.
func startKconnect(t *testing.T, bin string, brokers []string, props, extra map[string]string) *benchWorker {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	all := map[string]string{"bootstrap.servers": strings.Join(brokers, ","),
		"key.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter": "org.apache.kafka.connect.json.JsonConverter",
		"offset.storage.replication.factor": "1", "config.storage.replication.factor": "1", "status.storage.replication.factor": "1",
		"listeners": fmt.Sprintf("http://127.0.0.1:%d", port)}
	for k, v := range props {
		all[k] = v
	}
	for k, v := range extra {
		all[k] = v
	}
	var lines []string
	for k, v := range all {
		lines = append(lines, k+"="+v)
	}
	dir := t.TempDir()
	file := writeFile(t, filepath.Join(dir, "worker.properties"), strings.Join(lines, "\n")+"\n")
	var out bytes.Buffer
	cmd := exec.Command(bin, "distributed", file)
	cmd.Stdout, cmd.Stderr = &out, &out
	if dir := os.Getenv(rebalanceLogsEnv); dir != "" {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.log", props["group.id"], port)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = f.Close() })
		// One writer for both, so that exec copies them in one goroutine.
		w := io.MultiWriter(&out, f)
		cmd.Stdout, cmd.Stderr = w, w
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	t.Cleanup(stop)
	w := &benchWorker{url: fmt.Sprintf("http://127.0.0.1:%d", port), id: fmt.Sprintf("127.0.0.1:%d", port), pid: cmd.Process.Pid, stop: stop}
	jvmworker.Poll(t, 30*time.Second, func() bool {
		select {
		case <-exited:
			t.Fatalf("kconnect exited: %s", out.String())
		default:
		}
		resp, err := http.Get(w.url + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, "kconnect answers /health")
	return w
}

// startJVM starts a JVM worker with props and extra, and waits until it
// answers GET /health.
func startJVM(t *testing.T, cp string, brokers []string, props, extra map[string]string) *benchWorker {
	t.Helper()
	all := map[string]string{}
	for k, v := range props {
		all[k] = v
	}
	for k, v := range extra {
		all[k] = v
	}
	j := jvmworker.Start(t, cp, brokers, all)
	j.WaitReady(t, 180*time.Second)
	return &benchWorker{url: j.URL, id: strings.TrimPrefix(j.URL, "http://"), pid: j.PID(), stop: func() { j.Stop(t, 60*time.Second) }}
}
