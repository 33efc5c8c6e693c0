// Command benchkafka is run.sh's Kafka side: it makes and deletes the
// benchmark's topics and measures one connector's run, reading what the
// worker wrote and what /proc says of the worker's process.
//
//	benchkafka delete BROKERS PREFIX        deletes the topics PREFIX.* and waits until they are gone
//	benchkafka create BROKERS TOPIC         creates TOPIC with one partition
//	benchkafka measure BROKERS TOPIC COUNT PID DIR TIMEOUT
//
// measure reads the worker's CPU time (utime+stime of /proc/PID/stat), writes
// DIR/ready, then waits (at most TIMEOUT seconds) until TOPIC holds COUNT
// records, watching only the end offset so that the worker is not competed
// with, and sampling VmRSS each second from the moment DIR/start (the
// workload's first write, Unix milliseconds) exists. When COUNT records are
// in, it reads the CPU time and VmHWM again, then reads the records back:
// the first and last ones' timestamps and, for one record in SAMPLE
// (BENCH_SAMPLE, default 100), the Kafka timestamp minus the value's
// payload.source.ts_ms. It prints one JSON object.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "benchkafka:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 3 {
		return errors.New("usage: benchkafka delete BROKERS PREFIX | create BROKERS TOPIC | measure BROKERS TOPIC COUNT PID DIR TIMEOUT")
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(args[1], ",")...))
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx := context.Background()
	switch args[0] {
	case "delete":
		return deleteTopics(ctx, adm, args[2])
	case "create":
		r, err := adm.CreateTopic(ctx, 1, -1, nil, args[2])
		if err == nil {
			err = r.Err
		}
		if err != nil {
			return fmt.Errorf("creating topic %s: %w", args[2], err)
		}
		return nil
	case "measure":
		if len(args) != 7 {
			return errors.New("usage: benchkafka measure BROKERS TOPIC COUNT PID DIR TIMEOUT")
		}
		count, err1 := strconv.ParseInt(args[3], 10, 64)
		pid, err2 := strconv.Atoi(args[4])
		timeout, err3 := strconv.Atoi(args[6])
		if err := errors.Join(err1, err2, err3); err != nil {
			return err
		}
		sample := 100
		if s := os.Getenv("BENCH_SAMPLE"); s != "" {
			if sample, err = strconv.Atoi(s); err != nil || sample < 1 {
				return fmt.Errorf("BENCH_SAMPLE=%q: not a positive integer", s)
			}
		}
		res, err := measure(ctx, cl, adm, args[2], count, pid, args[5], time.Duration(timeout)*time.Second, sample)
		if err != nil {
			return err
		}
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	return fmt.Errorf("unknown command %q", args[0])
}

func deleteTopics(ctx context.Context, adm *kadm.Client, prefix string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		ts, err := adm.ListTopics(ctx)
		if err != nil {
			return err
		}
		var names []string
		for _, t := range ts.Names() {
			if strings.HasPrefix(t, prefix+".") {
				names = append(names, t)
			}
		}
		if len(names) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("topics %v still there after 60 s", names)
		}
		// Deleting again is harmless while a deletion is under way.
		_, _ = adm.DeleteTopics(ctx, names...)
		time.Sleep(500 * time.Millisecond)
	}
}

type result struct {
	Events     int64   `json:"events"`
	StartMs    int64   `json:"start_ms"`
	FirstTsMs  int64   `json:"first_ts_ms"`
	LastTsMs   int64   `json:"last_ts_ms"`
	CPUSeconds float64 `json:"cpu_s"`
	HWMKiB     int64   `json:"vmhwm_kib"`
	RSSKiB     int64   `json:"rss_median_kib"`
	LagP50Ms   int64   `json:"lag_p50_ms"`
	LagP99Ms   int64   `json:"lag_p99_ms"`
	LagSamples int     `json:"lag_samples"`
}

// cpuTicks is utime+stime of /proc/PID/stat, in clock ticks (USER_HZ, 100
// on Linux whatever the kernel's HZ).
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing parenthesis (field 3 is the state; utime is 14).
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	return u + st, errors.Join(err1, err2)
}

// statusKiB reads a "Name: N kB" line of /proc/PID/status.
func statusKiB(pid int, name string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, name+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, name)
}

func measure(ctx context.Context, cl *kgo.Client, adm *kadm.Client, topic string, count int64, pid int, dir string, timeout time.Duration, sample int) (*result, error) {
	cpu0, err := cpuTicks(pid)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "ready"), nil, 0o644); err != nil {
		return nil, err
	}
	var rss []int64
	deadline := time.Now().Add(timeout)
	lastSample := time.Time{}
	for {
		ends, err := adm.ListEndOffsets(ctx, topic)
		if err != nil {
			return nil, err
		}
		var end int64
		ends.Each(func(o kadm.ListedOffset) { end += o.Offset })
		if end >= count {
			break
		}
		if _, err := os.Stat(filepath.Join(dir, "start")); err == nil && time.Since(lastSample) >= time.Second {
			r, err := statusKiB(pid, "VmRSS")
			if err != nil {
				return nil, fmt.Errorf("worker %d: %w", pid, err)
			}
			rss = append(rss, r)
			lastSample = time.Now()
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s holds %d of %d records after %v", topic, end, count, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
	cpu1, err := cpuTicks(pid)
	if err != nil {
		return nil, err
	}
	res := &result{Events: count, CPUSeconds: float64(cpu1-cpu0) / 100}
	if res.HWMKiB, err = statusKiB(pid, "VmHWM"); err != nil {
		return nil, err
	}
	if r, err := statusKiB(pid, "VmRSS"); err == nil {
		rss = append(rss, r)
	}
	slices.Sort(rss)
	res.RSSKiB = rss[len(rss)/2]
	b, err := os.ReadFile(filepath.Join(dir, "start"))
	if err != nil {
		return nil, err
	}
	if res.StartMs, err = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err != nil {
		return nil, fmt.Errorf("%s/start: %w", dir, err)
	}

	rd, err := kgo.NewClient(append(cl.Opts(),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))...)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	var lags []int64
	var n int64
	for n < count {
		fs := rd.PollFetches(ctx)
		if err := fs.Err(); err != nil {
			return nil, err
		}
		for it := fs.RecordIter(); !it.Done() && n < count; n++ {
			r := it.Next()
			ts := r.Timestamp.UnixMilli()
			if n == 0 {
				res.FirstTsMs = ts
			}
			if n == count-1 {
				res.LastTsMs = ts
			}
			if n%int64(sample) != 0 {
				continue
			}
			var v struct {
				Payload struct {
					Source struct {
						TsMs int64 `json:"ts_ms"`
					} `json:"source"`
				} `json:"payload"`
			}
			if err := json.Unmarshal(r.Value, &v); err != nil {
				return nil, fmt.Errorf("%s offset %d: %w", topic, r.Offset, err)
			}
			lags = append(lags, ts-v.Payload.Source.TsMs)
		}
	}
	slices.Sort(lags)
	res.LagSamples = len(lags)
	res.LagP50Ms = lags[len(lags)/2]
	res.LagP99Ms = lags[min(len(lags)-1, len(lags)*99/100)]
	return res, nil
}
