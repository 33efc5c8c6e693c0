package offset

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/syncbuf"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

var compact = map[string]*string{"cleanup.policy": ptr("compact")}

// kafkaPartition is where Java's default partitioner puts key among n
// partitions, computed by franz-go's murmur2 partitioner (independent of
// this package's murmur2).
func kafkaPartition(key []byte, n int) int32 {
	tp := kgo.StickyKeyPartitioner(nil).ForTopic("t")
	return int32(tp.Partition(&kgo.Record{Key: key}, n))
}

// produceRaw writes key/value pairs as a JVM worker would: the exact bytes,
// on Java's partition for the key.
func produceRaw(t *testing.T, brokers []string, topic string, n int, kv ...string) {
	t.Helper()
	cl := testkafka.Client(t, brokers, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	var recs []*kgo.Record
	for i := 0; i < len(kv); i += 2 {
		r := &kgo.Record{Topic: topic, Key: []byte(kv[i]), Partition: kafkaPartition([]byte(kv[i]), n)}
		if kv[i+1] != "<null>" {
			r.Value = []byte(kv[i+1])
		}
		recs = append(recs, r)
	}
	require.NoError(t, cl.ProduceSync(t.Context(), recs...).FirstErr())
}

// readAll returns every record of topic (read_uncommitted), up to the end
// offsets at the time of the call.
func readAll(t *testing.T, brokers []string, topic string) []*kgo.Record {
	t.Helper()
	adm := kadm.NewClient(testkafka.Client(t, brokers))
	ends, err := adm.ListEndOffsets(t.Context(), topic)
	require.NoError(t, err)
	want := map[int32]int64{}
	assign := map[int32]kgo.Offset{}
	ends.Each(func(o kadm.ListedOffset) {
		require.NoError(t, o.Err)
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
			assign[o.Partition] = kgo.NewOffset().AtStart()
		}
	})
	if len(want) == 0 {
		return nil
	}
	cl := testkafka.Client(t, brokers, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: assign}))
	var out []*kgo.Record
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for len(want) > 0 {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err())
		fs.EachError(func(_ string, _ int32, err error) { require.NoError(t, err) })
		fs.EachRecord(func(r *kgo.Record) {
			out = append(out, r)
			if r.Offset+1 >= want[r.Partition] {
				delete(want, r.Partition)
			}
		})
	}
	return out
}

func newKafka(t *testing.T, brokers []string, topic string, opts ...KafkaOpt) *Kafka {
	t.Helper()
	s, err := NewKafka(t.Context(), testkafka.Client(t, brokers), topic, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestKafkaJVMCompatibility reads offsets written with a JVM worker's exact
// bytes, and checks that kconnect writes the same keys on the same
// partitions.
func TestKafkaJVMCompatibility(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "offsets")
	testkafka.CreateTopic(t, brokers, topic, DefaultTopicPartitions, compact)

	jvm := []string{
		`["local-file-source",{"filename":"test.txt"}]`, `{"position":30}`,
		`["jdbc",{"protocol":"1","table":"users"}]`, `{"incrementing":42}`,
	}
	golden, err := os.ReadFile("../connect/testdata/hashmap/golden.txt")
	require.NoError(t, err)
	for line := range strings.Lines(string(golden)) {
		jvm = append(jvm, strings.TrimSpace(line), `{"position":1}`)
	}
	produceRaw(t, brokers, topic, DefaultTopicPartitions, jvm...)

	s := newKafka(t, brokers, topic)
	fileP := connect.NewSourcePartition("filename", "test.txt")
	m, err := s.Get(t.Context(), "local-file-source", []connect.SourcePartition{fileP})
	require.NoError(t, err)
	require.Equal(t, `{"position":30}`, m[fileP].String())
	jdbcP := connect.NewSourcePartition("table", "users", "protocol", "1")
	m, err = s.Get(t.Context(), "jdbc", []connect.SourcePartition{jdbcP})
	require.NoError(t, err)
	require.Equal(t, `{"incrementing":42}`, m[jdbcP].String())
	entries, err := s.List(t.Context(), "conn")
	require.NoError(t, err)
	require.Len(t, entries, len(jvm)/2-2)

	// Write new offsets for every partition read.
	require.NoError(t, s.Put(t.Context(), "local-file-source", []Entry{{Partition: fileP, Offset: connect.Int64Offset("position", 31)}}))
	require.NoError(t, s.Put(t.Context(), "jdbc", []Entry{{Partition: jdbcP, Offset: connect.Int64Offset("incrementing", 43)}}))
	for i := range entries {
		entries[i].Offset = connect.Int64Offset("position", 2)
	}
	require.NoError(t, s.Put(t.Context(), "conn", entries))

	// Every key now has two records, byte-identical and on the partition
	// Java's partitioner picks.
	recs := readAll(t, brokers, topic)
	require.Len(t, recs, len(jvm))
	byKey := map[string][]*kgo.Record{}
	for _, r := range recs {
		byKey[string(r.Key)] = append(byKey[string(r.Key)], r)
	}
	for i := 0; i < len(jvm); i += 2 {
		rs := byKey[jvm[i]]
		require.Len(t, rs, 2, jvm[i])
		want := kafkaPartition([]byte(jvm[i]), DefaultTopicPartitions)
		require.Equal(t, want, rs[0].Partition, jvm[i])
		require.Equal(t, want, rs[1].Partition, jvm[i])
	}
	require.Equal(t, `{"position":31}`, string(byKey[jvm[0]][1].Value))
	require.Equal(t, `{"incrementing":43}`, string(byKey[jvm[2]][1].Value))

	// A JVM-style tombstone deletes.
	produceRaw(t, brokers, topic, DefaultTopicPartitions, jvm[0], "<null>")
	m, err = s.Get(t.Context(), "local-file-source", []connect.SourcePartition{fileP})
	require.NoError(t, err)
	require.Empty(t, m)
}

func TestKafkaRecordsPartition(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "offsets")
	testkafka.CreateTopic(t, brokers, topic, 7, compact)
	s := newKafka(t, brokers, topic)
	var es []Entry
	for i := range 50 {
		es = append(es, Entry{Partition: connect.NewSourcePartition("file", string(rune('a'+i%26))+strings.Repeat("x", i)), Offset: pos(int64(i))})
	}
	es = append(es, Entry{Partition: fileA}) // a tombstone
	recs, err := s.Records("c", es)
	require.NoError(t, err)
	require.Len(t, recs, len(es))
	for i, r := range recs {
		require.Equal(t, topic, r.Topic)
		require.Equal(t, string(Key(nil, "c", es[i].Partition)), string(r.Key))
		require.Equal(t, kafkaPartition(r.Key, 7), r.Partition, string(r.Key))
	}
	require.Nil(t, recs[len(recs)-1].Value)
}

func TestKafkaCreatesTopic(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "offsets")
	testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	s := newKafka(t, brokers, topic, TopicConfigs(map[string]string{"cleanup.policy": "delete", "segment.ms": "600000"}))
	adm := kadm.NewClient(testkafka.Client(t, brokers))
	td, err := adm.ListTopics(t.Context(), topic)
	require.NoError(t, err)
	require.Len(t, td[topic].Partitions, DefaultTopicPartitions)
	rcs, err := adm.DescribeTopicConfigs(t.Context(), topic)
	require.NoError(t, err)
	cfg, err := rcs.On(topic, nil)
	require.NoError(t, err)
	vals := map[string]string{}
	for _, c := range cfg.Configs {
		vals[c.Key] = c.MaybeValue()
	}
	require.Equal(t, "compact", vals["cleanup.policy"])
	require.Equal(t, "600000", vals["segment.ms"])

	put(t, s, "c", fileA, pos(1))
	// A second store finds the topic and the offset.
	require.Equal(t, map[string]string{`{"filename":"a.txt"}`: `{"position":1}`}, got(t, newKafka(t, brokers, topic), "c", fileA))
}

func TestKafkaRejectsTopic(t *testing.T) {
	brokers := testkafka.Brokers(t)
	for _, policy := range []string{"delete", "compact,delete"} {
		t.Run(policy, func(t *testing.T) {
			topic := testkafka.Topic(t, "offsets")
			testkafka.CreateTopic(t, brokers, topic, 1, map[string]*string{"cleanup.policy": ptr(policy)})
			_, err := NewKafka(t.Context(), testkafka.Client(t, brokers), topic)
			require.ErrorContains(t, err, "cleanup.policy")
			require.ErrorContains(t, err, topic)
		})
	}
}

func TestKafkaOptionsAndClientChecks(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "offsets")
	testkafka.CreateTopic(t, brokers, topic, 3, compact)
	tests := []struct {
		name string
		cl   *kgo.Client
		opts []KafkaOpt
		err  string
	}{
		{name: "transactional", cl: testkafka.Client(t, brokers, kgo.TransactionalID("x")), err: "transactional"},
		{name: "acks", cl: testkafka.Client(t, brokers, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite()), err: "acks"},
		{name: "round robin", cl: testkafka.Client(t, brokers, kgo.RecordPartitioner(kgo.RoundRobinPartitioner())), err: "partitioner"},
		{name: "sarama hasher", cl: testkafka.Client(t, brokers, kgo.RecordPartitioner(kgo.StickyKeyPartitioner(kgo.SaramaCompatHasher(func(b []byte) uint32 { return uint32(len(b)) })))), err: "partitioner"},
		{name: "manual partitioner", cl: testkafka.Client(t, brokers, kgo.RecordPartitioner(kgo.ManualPartitioner()))},
		{name: "sticky key partitioner", cl: testkafka.Client(t, brokers, kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)))},
		{name: "uniform bytes partitioner", cl: testkafka.Client(t, brokers, kgo.RecordPartitioner(kgo.UniformBytesPartitioner(1<<10, false, true, nil)))},
		{name: "partitions", cl: testkafka.Client(t, brokers), opts: []KafkaOpt{TopicPartitions(0)}, err: "TopicPartitions"},
		{name: "replication", cl: testkafka.Client(t, brokers), opts: []KafkaOpt{ReplicationFactor(0)}, err: "ReplicationFactor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewKafka(t.Context(), tt.cl, topic, tt.opts...)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			defer s.Close()
			put(t, s, "c", fileA, pos(1), jdbc, pos(2))
		})
	}
	for _, rec := range readAll(t, brokers, topic) {
		require.Equal(t, kafkaPartition(rec.Key, 3), rec.Partition, string(rec.Key))
	}
	_, err := NewKafka(t.Context(), nil, topic)
	require.Error(t, err)
	_, err = NewKafka(t.Context(), testkafka.Client(t, brokers), "")
	require.Error(t, err)
}

func TestKafkaSkipsMalformedRecords(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "offsets")
	testkafka.CreateTopic(t, brokers, topic, 2, compact)
	produceRaw(t, brokers, topic, 2,
		`not json`, `{"position":1}`,
		`["c"]`, `{"position":1}`,
		`[1,{"filename":"a.txt"}]`, `{"position":1}`,
		`["c",{"nested":{"a":1}}]`, `{"position":1}`,
		`["c",{"filename":"a.txt"}]`, `[1,2]`,
		`["c",{"filename":"a.txt"}]`, `{"position":5}`,
		`["c",{"filename":"b.txt"}]`, `{"position":"oops"`,
	)
	var logs syncbuf.Buffer
	s := newKafka(t, brokers, topic, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.Equal(t, []string{`{"filename":"a.txt"}={"position":5}`}, listed(t, s, "c"))
	out := logs.String()
	require.Equal(t, 4, strings.Count(out, "malformed key"), out)
	require.Equal(t, 2, strings.Count(out, "malformed value"), out)

	// Records appended later are skipped the same way by Get.
	produceRaw(t, brokers, topic, 2, `["c",{"filename":"b.txt"}]`, `{"position":{}}`)
	require.Empty(t, got(t, s, "c", fileB))
	require.Equal(t, 3, strings.Count(logs.String(), "malformed value"))
}

// TestKafkaOtherKeyForms covers keys whose partition fields are not in
// HashMap order, as a JVM connector using a LinkedHashMap writes them.
func TestKafkaOtherKeyForms(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "offsets")
	testkafka.CreateTopic(t, brokers, topic, DefaultTopicPartitions, compact)
	linked := `["jdbc",{"table":"users","protocol":"1"}]`
	produceRaw(t, brokers, topic, DefaultTopicPartitions, linked, `{"incrementing":1}`)

	s := newKafka(t, brokers, topic)
	require.Equal(t, map[string]string{`{"protocol":"1","table":"users"}`: `{"incrementing":1}`}, got(t, s, "jdbc", jdbc))
	require.NoError(t, s.Put(t.Context(), "jdbc", []Entry{{Partition: jdbc, Offset: connect.Int64Offset("incrementing", 2)}}))

	recs := readAll(t, brokers, topic)
	latest := map[string]string{}
	for _, r := range recs {
		require.Equal(t, kafkaPartition(r.Key, DefaultTopicPartitions), r.Partition)
		latest[string(r.Key)] = string(r.Value)
	}
	require.Equal(t, map[string]string{
		linked: `{"incrementing":2}`,
		`["jdbc",{"protocol":"1","table":"users"}]`: `{"incrementing":2}`,
	}, latest)

	// A restarted worker sees the new offset whichever form it reads last.
	s2 := newKafka(t, brokers, topic)
	require.Equal(t, []string{`{"protocol":"1","table":"users"}={"incrementing":2}`}, listed(t, s2, "jdbc"))

	// Deleting removes every form.
	put(t, s2, "jdbc", jdbc, deleted)
	require.Empty(t, listed(t, newKafka(t, brokers, topic), "jdbc"))
}

// TestKafkaOtherWorker checks that Get sees Puts of another worker's store.
func TestKafkaOtherWorker(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "offsets")
	testkafka.CreateTopic(t, brokers, topic, 3, compact)
	a := newKafka(t, brokers, topic)
	b := newKafka(t, brokers, topic)
	for i := range int64(5) {
		put(t, a, "c", fileA, pos(i))
		require.Equal(t, map[string]string{`{"filename":"a.txt"}`: `{"position":` + string(rune('0'+i)) + `}`}, got(t, b, "c", fileA))
	}
	put(t, b, "c", fileA, deleted)
	require.Empty(t, got(t, a, "c", fileA))
}

// TestKafkaSharedClient runs two stores, on two topics, over one client.
func TestKafkaSharedClient(t *testing.T) {
	brokers := testkafka.Brokers(t)
	t1, t2 := testkafka.Topic(t, "offsets"), testkafka.Topic(t, "offsets")
	testkafka.CreateTopic(t, brokers, t1, 2, compact)
	testkafka.CreateTopic(t, brokers, t2, 2, compact)
	cl := testkafka.Client(t, brokers)
	s1, err := NewKafka(t.Context(), cl, t1)
	require.NoError(t, err)
	defer s1.Close()
	s2, err := NewKafka(t.Context(), cl, t2)
	require.NoError(t, err)
	defer s2.Close()
	put(t, s1, "c", fileA, pos(1))
	put(t, s2, "c", fileA, pos(2))
	require.Equal(t, map[string]string{`{"filename":"a.txt"}`: `{"position":1}`}, got(t, s1, "c", fileA))
	require.Equal(t, map[string]string{`{"filename":"a.txt"}`: `{"position":2}`}, got(t, s2, "c", fileA))
	require.Equal(t, t1, s1.Topic())
}

// TestKafkaTransaction follows the exactly-once flow: offsets records are
// produced in a transaction, then applied once it commits; aborted ones are
// never read.
func TestKafkaTransaction(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "offsets")
	testkafka.CreateTopic(t, brokers, topic, 3, compact)
	s := newKafka(t, brokers, topic)
	txn := testkafka.Client(t, brokers, kgo.TransactionalID(testkafka.Group(t, "txn")), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	ctx := t.Context()

	run := func(commit kgo.TransactionEndTry, entries ...Entry) []*kgo.Record {
		recs, err := s.Records("c", entries)
		require.NoError(t, err)
		require.NoError(t, txn.BeginTransaction())
		require.NoError(t, txn.ProduceSync(ctx, recs...).FirstErr())
		require.NoError(t, txn.EndTransaction(ctx, commit))
		return recs
	}

	recs := run(kgo.TryCommit, Entry{Partition: fileA, Offset: pos(1)}, Entry{Partition: fileB, Offset: pos(2)})
	s.ApplyProduced(recs)
	require.Equal(t, map[string]string{`{"filename":"a.txt"}`: `{"position":1}`, `{"filename":"b.txt"}`: `{"position":2}`}, got(t, s, "c", fileA, fileB))

	run(kgo.TryAbort, Entry{Partition: fileA, Offset: pos(100)}, Entry{Partition: jdbc, Offset: pos(100)})
	require.Equal(t, map[string]string{`{"filename":"a.txt"}`: `{"position":1}`}, got(t, s, "c", fileA, jdbc))

	// Committed without ApplyProduced: Get reads it from the topic once
	// the last stable offset passes it, when the broker has written the
	// transaction markers, which happens after EndTransaction returns.
	run(kgo.TryCommit, Entry{Partition: fileB, Offset: deleted})
	want := []string{`{"filename":"a.txt"}={"position":1}`}
	require.Eventually(t, func() bool { return slices.Equal(want, listed(t, s, "c")) }, 30*time.Second, 10*time.Millisecond)

	// A fresh reader agrees.
	require.Equal(t, want, listed(t, newKafka(t, brokers, topic), "c"))

	// Applying stale records does not move an offset back.
	s.ApplyProduced(recs)
	require.Equal(t, []string{`{"filename":"a.txt"}={"position":1}`}, listed(t, s, "c"))
}

// TestKafkaOpenTransaction checks that an open transaction on the topic
// neither blocks Get nor hides this store's own Puts, though it holds the
// last stable offset back.
func TestKafkaOpenTransaction(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "offsets")
	testkafka.CreateTopic(t, brokers, topic, 1, compact)
	s := newKafka(t, brokers, topic)
	txn := testkafka.Client(t, brokers, kgo.TransactionalID(testkafka.Group(t, "txn")))
	recs, err := s.Records("other", []Entry{{Partition: fileA, Offset: pos(1)}})
	require.NoError(t, err)
	require.NoError(t, txn.BeginTransaction())
	require.NoError(t, txn.ProduceSync(t.Context(), recs...).FirstErr())

	put(t, s, "c", fileA, pos(2)) // after the open transaction in the log
	require.Equal(t, map[string]string{`{"filename":"a.txt"}`: `{"position":2}`}, got(t, s, "c", fileA))
	require.Empty(t, got(t, s, "other", fileA))

	require.NoError(t, txn.EndTransaction(t.Context(), kgo.TryCommit))
	s.ApplyProduced(recs)
	require.Equal(t, map[string]string{`{"filename":"a.txt"}`: `{"position":1}`}, got(t, s, "other", fileA))
	// Reading past both records changes nothing.
	require.Eventually(t, func() bool {
		return len(listed(t, newKafka(t, brokers, topic), "c")) == 1
	}, 30*time.Second, 10*time.Millisecond)
	require.Equal(t, map[string]string{`{"filename":"a.txt"}`: `{"position":2}`}, got(t, s, "c", fileA))
	require.Equal(t, map[string]string{`{"filename":"a.txt"}`: `{"position":1}`}, got(t, s, "other", fileA))
}

func TestKafkaGetContext(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "offsets")
	testkafka.CreateTopic(t, brokers, topic, 1, compact)
	s := newKafka(t, brokers, topic)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.Get(ctx, "c", []connect.SourcePartition{fileA})
	if err != nil {
		require.ErrorIs(t, err, context.Canceled)
	}
	_, err = NewKafka(ctx, testkafka.Client(t, brokers), topic)
	require.ErrorIs(t, err, context.Canceled)
}
