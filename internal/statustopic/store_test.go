package statustopic

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/jvmgolden"
	"github.com/kconnect-go/kconnect/internal/kafkalog"
	"github.com/kconnect-go/kconnect/internal/syncbuf"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

func ptr[T any](v T) *T { return &v }

func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// unopened is a store that only applies records, as Open's reader would.
func unopened(log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Store{log: log, connectors: map[string]*entry{}, tasks: map[string]map[int]*entry{}, topics: map[string]map[string]TopicStatus{}}
}

func apply(s *Store, rs ...jvmgolden.Record) {
	for _, r := range rs {
		s.mu.Lock()
		s.applyLocked(&kgo.Record{Partition: r.Partition, Offset: r.Offset, Key: r.Key, Value: r.Value})
		s.mu.Unlock()
	}
}

// TestReadsJVMWorkerRecords applies the status topic a JVM 4.4 worker
// wrote (internal/jvmgolden's scenario) and checks what Kafka's rules
// make of it.
func TestReadsJVMWorkerRecords(t *testing.T) {
	recs := jvmgolden.DistributedTopic(t, "status")
	s := unopened(nil)
	apply(s, recs...)
	require.Equal(t, []string{"my-sink-é", "src"}, s.Connectors(), "gone's tombstone removed it")
	src, ok := s.Connector("src")
	require.True(t, ok)
	require.Equal(t, Unassigned, src.State)
	require.EqualValues(t, 12, src.Generation)
	require.Equal(t, "4.4.0", src.Version)
	require.Empty(t, src.Trace)
	require.Regexp(t, `^127\.0\.0\.1:\d+$`, src.WorkerID)
	require.Len(t, s.Tasks("my-sink-é"), 2)
	task, ok := s.Task(TaskID{"src", 0})
	require.True(t, ok)
	require.Equal(t, Unassigned, task.State, "generation 12's UNASSIGNED is newer than generation 7's RUNNING")
	require.Empty(t, task.Version, "written as null")
	for _, c := range []string{"src", "my-sink-é"} {
		topics := s.Topics(c)
		require.Len(t, topics, 1, c)
		for name, ts := range topics {
			require.True(t, strings.HasSuffix(name, "-lines"))
			require.Equal(t, TopicStatus{Topic: name, Connector: c, Task: 0, Discovered: ts.Discovered}, ts)
			require.Greater(t, ts.Discovered, int64(1700000000000))
		}
	}

	// The task's second record is an UNASSIGNED of the generation it was
	// read RUNNING in: ignored. Its tombstone removes it.
	var task0 []jvmgolden.Record
	for _, r := range recs {
		if string(r.Key) == "status-task-src-0" {
			task0 = append(task0, r)
		}
	}
	s = unopened(nil)
	apply(s, task0[:2]...)
	st, _ := s.Task(TaskID{"src", 0})
	require.Equal(t, Running, st.State)
	require.EqualValues(t, 3, st.Generation)
	apply(s, task0[2:4]...)
	_, ok = s.Task(TaskID{"src", 0})
	require.False(t, ok, "the tombstone removed the task")
}

// TestWritesJVMWorkerBytes rebuilds every status and topic status value
// of the JVM worker's topic and compares the bytes: fields in Kafka's
// order, absent trace and version written as null.
func TestWritesJVMWorkerBytes(t *testing.T) {
	n := 0
	for _, r := range jvmgolden.DistributedTopic(t, "status") {
		if r.Value == nil {
			continue
		}
		var got []byte
		if strings.HasPrefix(string(r.Key), TopicPrefix) {
			ts, err := parseTopic(r.Value)
			require.NoError(t, err)
			got = TopicValue(ts)
		} else {
			st, err := parseStatus(r.Value)
			require.NoError(t, err)
			got = StatusValue(st)
		}
		require.Equal(t, string(r.Value), string(got), "partition %d offset %d", r.Partition, r.Offset)
		n++
	}
	require.Equal(t, 30, n)
	require.Nil(t, StatusValue(Status{State: Destroyed}), "a tombstone")
	require.Equal(t, `{"state":"FAILED","trace":"boom\n\tat x\u0001","worker_id":"w:1","generation":-1,"version":null}`,
		string(StatusValue(Status{State: Failed, Trace: "boom\n\tat x\x01", WorkerID: "w:1", Generation: -1})))
}

func TestKeys(t *testing.T) {
	for key, want := range map[string]TaskID{"status-task-a-0": {"a", 0}, "status-task-my-sink-é-12": {"my-sink-é", 12}} {
		got, ok := parseTaskKey(key)
		require.True(t, ok, key)
		require.Equal(t, want, got)
	}
	for _, key := range []string{"status-task-", "status-task-a", "status-task-a-x"} {
		_, ok := parseTaskKey(key)
		require.False(t, ok, key)
	}
	topic, conn, ok := parseTopicKey("status-topic-t.1:connector-my-c")
	require.True(t, ok)
	require.Equal(t, "t.1", topic)
	require.Equal(t, "my-c", conn)
	for _, key := range []string{"status-topic-t", "status-topic-:connector-c", "status-topic-t:connector-", "status-topic-t:c"} {
		_, _, ok := parseTopicKey(key)
		require.False(t, ok, key)
	}
}

func TestSkipsBadRecords(t *testing.T) {
	var buf syncbuf.Buffer
	s := unopened(slog.New(slog.NewTextHandler(&buf, nil)))
	apply(s,
		jvmgolden.Record{Offset: 0, Key: []byte("status-connector-a"), Value: []byte(`{"state":"RUNNING","worker_id":"w","generation":1}`)},
		jvmgolden.Record{Offset: 1, Key: []byte("status-connector-b"), Value: []byte(`{"state":"HAPPY","worker_id":"w","generation":1}`)},
		jvmgolden.Record{Offset: 2, Key: []byte("status-connector-c"), Value: []byte(`{"state":"RUNNING","worker_id":"w"}`)},
		jvmgolden.Record{Offset: 3, Key: []byte("status-task-d-0"), Value: []byte(`nope`)},
		jvmgolden.Record{Offset: 4, Key: []byte("status-connector-"), Value: []byte(`{}`)},
		jvmgolden.Record{Offset: 5, Key: []byte("other"), Value: []byte(`{}`)},
		jvmgolden.Record{Offset: 6, Key: []byte("status-connector-e"), Value: []byte(`{"state":"RUNNING","trace":5,"worker_id":"w","generation":1}`)},
	)
	require.Equal(t, []string{"a"}, s.Connectors())
	for i := 1; i <= 6; i++ {
		require.Contains(t, buf.String(), "offset="+string(rune('0'+i)))
	}
}

func open(t *testing.T, brokers []string, topic string, partitions int32) *Store {
	t.Helper()
	s, err := Open(bounded(t), testkafka.Client(t, brokers), Options{Topic: topic, Partitions: partitions, ReplicationFactor: 1, TailInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestPartitionsMatchJVM writes every key of the JVM worker's status
// topic through a store and checks that each lands in the partition the
// JVM worker's producer chose, so compaction and readers see one record
// per key whoever wrote it.
func TestPartitionsMatchJVM(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "status")
	testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	s := open(t, brokers, topic, DefaultPartitions)
	ctx := bounded(t)
	want := map[string]int32{}
	for _, r := range jvmgolden.DistributedTopic(t, "status") {
		key := string(r.Key)
		want[key] = r.Partition
		switch {
		case strings.HasPrefix(key, TopicPrefix):
			tp, c, _ := parseTopicKey(key)
			require.NoError(t, s.PutTopic(ctx, TopicStatus{Topic: tp, Connector: c, Discovered: 1}))
		case strings.HasPrefix(key, TaskPrefix):
			id, _ := parseTaskKey(key)
			require.NoError(t, s.PutTask(ctx, id, Status{State: Running, WorkerID: "w", Generation: 1}))
		default:
			require.NoError(t, s.PutConnector(ctx, key[len(ConnectorPrefix):], Status{State: Running, WorkerID: "w", Generation: 1}))
		}
	}
	got := map[string]int32{}
	r := kafkalog.NewReader(testkafka.Client(t, brokers), topic, nil, func(b kafkalog.Batch) error {
		for _, rec := range b.Records {
			got[string(rec.Key)] = rec.Partition
		}
		return nil
	})
	require.NoError(t, r.ReadToEnd(ctx))
	require.Equal(t, want, got)
}

// TestGenerations checks Kafka's generation rules between two workers: a
// safe write does not hide another worker's newer report, a worker may
// always overwrite its own, and a plain write always goes; a connector's
// tombstone removes its tasks too.
func TestGenerations(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "status")
	testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	a := open(t, brokers, topic, 2)
	b := open(t, brokers, topic, 0)
	ctx := bounded(t)

	require.NoError(t, a.PutConnector(ctx, "c", Status{State: Running, WorkerID: "a:1", Generation: 5, Version: "1.0"}))
	require.NoError(t, a.PutTask(ctx, TaskID{"c", 0}, Status{State: Running, WorkerID: "a:1", Generation: 5}))
	require.NoError(t, b.Refresh(ctx))
	st, ok := b.Connector("c")
	require.True(t, ok)
	require.Equal(t, Status{State: Running, WorkerID: "a:1", Generation: 5, Version: "1.0"}, st)

	written, err := b.PutConnectorSafe(ctx, "c", Status{State: Unassigned, WorkerID: "b:1", Generation: 4})
	require.NoError(t, err)
	require.False(t, written, "b's generation 4 must not hide a's generation 5")
	written, err = b.PutTaskSafe(ctx, TaskID{"c", 0}, Status{State: Running, WorkerID: "b:1", Generation: 5})
	require.NoError(t, err)
	require.True(t, written, "the same generation may")
	require.NoError(t, a.Refresh(ctx))
	written, err = a.PutConnectorSafe(ctx, "c", Status{State: Paused, WorkerID: "a:1", Generation: 3})
	require.NoError(t, err)
	require.True(t, written, "a worker may overwrite its own report")

	// b's UNASSIGNED of generation 5 does not replace the RUNNING of 5.
	require.NoError(t, b.PutTask(ctx, TaskID{"c", 0}, Status{State: Unassigned, WorkerID: "b:1", Generation: 5}))
	require.NoError(t, a.Refresh(ctx))
	st, _ = a.Task(TaskID{"c", 0})
	require.Equal(t, Status{State: Running, WorkerID: "b:1", Generation: 5}, st)

	require.NoError(t, a.PutConnector(ctx, "c", Status{State: Destroyed}))
	require.NoError(t, b.Refresh(ctx))
	_, ok = b.Connector("c")
	require.False(t, ok)
	require.Empty(t, b.Tasks("c"), "the connector's tombstone removes its tasks")

	// The tail reads other workers' reports without a Refresh.
	require.NoError(t, a.PutConnector(ctx, "d", Status{State: Running, WorkerID: "a:1", Generation: 6}))
	require.Eventually(t, func() bool { _, ok := b.Connector("d"); return ok }, 30*time.Second, 10*time.Millisecond)

	require.NoError(t, a.PutTopic(ctx, TopicStatus{Topic: "t", Connector: "d", Task: 1, Discovered: 42}))
	require.NoError(t, b.Refresh(ctx))
	require.Equal(t, map[string]TopicStatus{"t": {Topic: "t", Connector: "d", Task: 1, Discovered: 42}}, b.Topics("d"))
	require.NoError(t, b.DeleteTopic(ctx, "d", "t"))
	require.NoError(t, a.Refresh(ctx))
	require.Empty(t, a.Topics("d"))
}

func TestRefuses(t *testing.T) {
	brokers := testkafka.Brokers(t)
	ctx := bounded(t)
	topic := testkafka.Topic(t, "status-delete")
	testkafka.CreateTopic(t, brokers, topic, 1, map[string]*string{"cleanup.policy": ptr("delete")})
	_, err := Open(ctx, testkafka.Client(t, brokers), Options{Topic: topic})
	require.ErrorContains(t, err, "cleanup.policy")
	require.ErrorContains(t, err, "status.storage.topic")
	_, err = Open(ctx, testkafka.Client(t, brokers), Options{})
	require.ErrorContains(t, err, "status.storage.topic is empty")
}

// FuzzApply checks that no record makes the store panic.
func FuzzApply(f *testing.F) {
	for _, r := range jvmgolden.DistributedTopic(f, "status") {
		f.Add(r.Key, r.Value)
	}
	f.Fuzz(func(t *testing.T, key, val []byte) {
		s := unopened(nil)
		apply(s, jvmgolden.Record{Key: []byte("status-task-a-0"), Value: []byte(`{"state":"RUNNING","worker_id":"w","generation":3}`)},
			jvmgolden.Record{Key: key, Value: val}, jvmgolden.Record{Key: []byte("status-task-a-0"), Value: val})
		_ = s.Connectors()
		_ = s.Tasks("a")
	})
}
