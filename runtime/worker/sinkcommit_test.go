package worker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// bufferingSink is the shared state of sink tasks that buffer what Put
// gives them and write it only when the runtime asks them to make it
// durable (Flush, or PreCommit with preCommit set). A failed Flush or
// PreCommit drops the buffer, as real sinks do when their batch write fails:
// the runtime must deliver those records again.
//
// A failure is armed by Open: after armOpens is set, the next partitions
// opened in any task make that task's next flush holding records of those
// partitions fail, once per armed open.
type bufferingSink struct {
	preCommit bool

	mu         sync.Mutex
	written    map[int32]map[int64]bool // partition → offsets written
	armOpens   int
	opened     int // Open calls with partitions, in every task
	failed     int // flushes failed on purpose
	violations []string
}

func newBufferingSink(preCommit bool) *bufferingSink {
	return &bufferingSink{preCommit: preCommit, written: map[int32]map[int64]bool{}}
}

func (s *bufferingSink) plugin() sink.Plugin {
	return sink.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.BufferingSink", Kind: connect.SinkPlugin},
		New: func() sink.Connector {
			return sink.SimpleConnector(func() sink.Task {
				t := &bufferingTask{s: s}
				if s.preCommit {
					return &preCommitTask{t}
				}
				return t
			})
		},
	}
}

func (s *bufferingSink) arm(opens int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armOpens += opens
}

func (s *bufferingSink) counts() (opened, failed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opened, s.failed
}

// prefix returns how many offsets of partition p, from 0, are written
// without a gap. Locked by the caller.
func (s *bufferingSink) prefixLocked(p int32) int64 {
	n := int64(0)
	for s.written[p][n] {
		n++
	}
	return n
}

// check records a violation when the runtime may commit offsets (those of
// a flush that succeeded) past a record that was never written.
func (s *bufferingSink) checkLocked(where string, offsets map[sink.TopicPartition]int64) {
	for tp, off := range offsets {
		if w := s.prefixLocked(tp.Partition); off > w {
			s.violations = append(s.violations, fmt.Sprintf("%s of partition %d at %d, but only offsets below %d were written",
				where, tp.Partition, off, w))
		}
	}
}

type bufferingTask struct {
	s        *bufferingSink
	buf      []connect.Record
	failNext map[int32]bool // a flush holding records of these partitions fails
}

func (t *bufferingTask) Start(context.Context, map[string]string, sink.TaskContext) error { return nil }
func (t *bufferingTask) Stop(context.Context) error                                       { return nil }

func (t *bufferingTask) Put(_ context.Context, rs []connect.Record) error {
	t.buf = append(t.buf, rs...)
	return nil
}

func (t *bufferingTask) Open(_ context.Context, tps []sink.TopicPartition) error {
	if len(tps) == 0 {
		return nil
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	t.s.opened++
	if t.s.armOpens > 0 {
		t.s.armOpens--
		if t.failNext == nil {
			t.failNext = map[int32]bool{}
		}
		for _, tp := range tps {
			t.failNext[tp.Partition] = true
		}
	}
	return nil
}

func (t *bufferingTask) Close(_ context.Context, tps []sink.TopicPartition) error {
	// What is left of their records was never flushed: dropped, for the
	// partitions' next owner to read again from the committed offsets.
	t.buf = slices.DeleteFunc(t.buf, func(r connect.Record) bool {
		p, _ := r.Partition()
		return slices.ContainsFunc(tps, func(tp sink.TopicPartition) bool { return tp.Partition == p })
	})
	return nil
}

// write writes the buffer, or fails and drops it when armed for one of its
// partitions. It returns, per partition written, the offset after its last
// record.
func (t *bufferingTask) write() (map[int32]int64, error) {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	for _, r := range t.buf {
		if p, _ := r.Partition(); t.failNext[p] {
			t.buf = nil
			clear(t.failNext)
			t.s.failed++
			return nil, errors.New("writing the batch failed")
		}
	}
	upTo := map[int32]int64{}
	for _, r := range t.buf {
		o, _ := r.Origin()
		if t.s.written[o.Partition] == nil {
			t.s.written[o.Partition] = map[int64]bool{}
		}
		t.s.written[o.Partition][o.Offset] = true
		upTo[o.Partition] = max(upTo[o.Partition], o.Offset+1)
	}
	t.buf = nil
	return upTo, nil
}

// Flush writes the buffer; the runtime then commits offsets.
func (t *bufferingTask) Flush(_ context.Context, offsets map[sink.TopicPartition]int64) error {
	if _, err := t.write(); err != nil {
		return err
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	t.s.checkLocked("Flush succeeded with the offsets", offsets)
	return nil
}

// preCommitTask writes its buffer at PreCommit and answers with what it
// has written, as a sink tracking its own durable offsets does.
type preCommitTask struct{ *bufferingTask }

func (t *preCommitTask) PreCommit(_ context.Context, offsets map[sink.TopicPartition]int64) (map[sink.TopicPartition]int64, error) {
	upTo, err := t.write()
	if err != nil {
		return nil, err
	}
	safe := map[sink.TopicPartition]int64{}
	for tp := range offsets {
		if off, ok := upTo[tp.Partition]; ok {
			safe[tp] = off
		}
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	t.s.checkLocked("PreCommit returned", safe)
	return safe, nil
}

// produceTo writes n records to each of partitions.
func produceTo(t *testing.T, brokers []string, topic string, partitions int32, n int) {
	t.Helper()
	cl := testkafka.Client(t, brokers, kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for p := range partitions {
		for i := range n {
			recs = append(recs, &kgo.Record{Partition: p, Value: fmt.Appendf(nil, "%d-%d", p, i)})
		}
	}
	require.NoError(t, cl.ProduceSync(ctx, recs...).FirstErr())
}

// awaitWritten waits until the group committed n on every partition and
// the sink wrote every record below n, failing as soon as the sink saw
// offsets about to be committed past an unwritten record.
func (s *bufferingSink) awaitWritten(t *testing.T, brokers []string, group, topic string, partitions int32, n int64) {
	t.Helper()
	adm := kadm.NewClient(testkafka.Client(t, brokers))
	deadline := time.Now().Add(30 * time.Second)
	var committed kadm.OffsetResponses
	for {
		// The group's offsets first, what was written after: a commit
		// follows the writes it covers, so this order never sees a
		// commit ahead of writes that preceded it.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		offs, err := adm.FetchOffsets(ctx, group)
		cancel()
		s.mu.Lock()
		violations := slices.Clone(s.violations)
		var prefixes []int64
		for p := range partitions {
			prefixes = append(prefixes, s.prefixLocked(p))
		}
		s.mu.Unlock()
		require.Empty(t, violations, "offsets committed past records never written")
		if err == nil {
			committed = offs
			done := true
			for p := range partitions {
				o, ok := offs.Lookup(topic, p)
				require.LessOrEqual(t, o.At, prefixes[p], "partition %d committed past what was written", p)
				done = done && ok && o.At == n && prefixes[p] >= n
			}
			if done {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out: written prefixes %v of %d, committed %v", prefixes, n, committedAt(committed))
		}
		time.Sleep(50 * time.Millisecond) // polling the group's offsets
	}
}

func committedAt(offs kadm.OffsetResponses) map[int32]int64 {
	out := map[int32]int64{}
	offs.Each(func(o kadm.OffsetResponse) { out[o.Partition] = o.At })
	return out
}

func bufferingConfig(topic string) map[string]string {
	return map[string]string{
		"connector.class": "test.BufferingSink", "topics": topic,
		"key.converter": "StringConverter", "value.converter": "StringConverter",
	}
}

// A sink task whose first Flush (or PreCommit) on a partition fails, before
// that partition was ever committed by the task, drops what it buffered; the
// runtime must rewind to where consuming the partition started (the
// group's committed offset, or the reset position), so every record is
// written in the end and no committed offset passes an unwritten record.
// That holds on a first assignment, after a restart of the task on a group
// that has committed offsets, and for partitions moved to a task by a
// rebalance (a task joining, a task leaving).
func TestSinkFailedFirstFlushRedelivers(t *testing.T) {
	brokers := testkafka.Brokers(t)
	const partitions = 2
	for _, mode := range []struct {
		name      string
		preCommit bool
	}{{"Flush", false}, {"PreCommit", true}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Run("first-assignment", func(t *testing.T) {
				topic := testkafka.Topic(t, "buf")
				testkafka.CreateTopic(t, brokers, topic, partitions, nil)
				produceTo(t, brokers, topic, partitions, 100)
				s := newBufferingSink(mode.preCommit)
				s.arm(1)
				w := newTestWorker(t, brokers, offset.NewMemory(), s.plugin())
				defer w.Close()
				name := testkafka.Group(t, "buf")
				require.NoError(t, w.CreateConnector(context.Background(), name, bufferingConfig(topic)))
				s.awaitWritten(t, brokers, GroupID(name), topic, partitions, 100)
				_, failed := s.counts()
				require.Equal(t, 1, failed, "the armed flush did not fail")
			})

			t.Run("restart", func(t *testing.T) {
				topic := testkafka.Topic(t, "buf")
				testkafka.CreateTopic(t, brokers, topic, partitions, nil)
				produceTo(t, brokers, topic, partitions, 100)
				s := newBufferingSink(mode.preCommit)
				name := testkafka.Group(t, "buf")
				w := newTestWorker(t, brokers, offset.NewMemory(), s.plugin())
				require.NoError(t, w.CreateConnector(context.Background(), name, bufferingConfig(topic)))
				s.awaitWritten(t, brokers, GroupID(name), topic, partitions, 100)
				require.NoError(t, w.Close())

				// The group has committed 100 on each partition; the task
				// starts again and its first flush fails.
				produceTo(t, brokers, topic, partitions, 100)
				s.arm(1)
				w = newTestWorker(t, brokers, offset.NewMemory(), s.plugin())
				defer w.Close()
				require.NoError(t, w.CreateConnector(context.Background(), name, bufferingConfig(topic)))
				s.awaitWritten(t, brokers, GroupID(name), topic, partitions, 200)
				_, failed := s.counts()
				require.Equal(t, 1, failed, "the armed flush did not fail")
			})

			t.Run("rebalance", func(t *testing.T) {
				topic := testkafka.Topic(t, "buf")
				testkafka.CreateTopic(t, brokers, topic, partitions, nil)
				produceTo(t, brokers, topic, partitions, 50)
				s := newBufferingSink(mode.preCommit)
				name := testkafka.Group(t, "buf")
				a := newTestWorker(t, brokers, offset.NewMemory(), s.plugin())
				defer a.Close()
				require.NoError(t, a.CreateConnector(context.Background(), name, bufferingConfig(topic)))
				s.awaitWritten(t, brokers, GroupID(name), topic, partitions, 50)

				// A second worker's task joins the group and takes one
				// partition; its first flush of it fails.
				s.arm(1)
				b := newTestWorker(t, brokers, offset.NewMemory(), s.plugin())
				defer b.Close()
				opened, _ := s.counts()
				require.NoError(t, b.CreateConnector(context.Background(), name, bufferingConfig(topic)))
				require.Eventually(t, func() bool { o, _ := s.counts(); return o > opened }, 30*time.Second, 10*time.Millisecond,
					"the joining task was never assigned a partition")
				produceTo(t, brokers, topic, partitions, 50)
				s.awaitWritten(t, brokers, GroupID(name), topic, partitions, 100)
				_, failed := s.counts()
				require.Equal(t, 1, failed, "the armed flush did not fail")

				// It leaves: its partition moves to the first task, which
				// already has a partition, and fails its first flush of it.
				s.arm(1)
				opened, _ = s.counts()
				require.NoError(t, b.Close())
				require.Eventually(t, func() bool { o, _ := s.counts(); return o > opened }, 30*time.Second, 10*time.Millisecond,
					"the partition never moved back")
				produceTo(t, brokers, topic, partitions, 50)
				s.awaitWritten(t, brokers, GroupID(name), topic, partitions, 150)
				_, failed = s.counts()
				require.Equal(t, 2, failed, "the armed flush did not fail")
			})
		})
	}
}
