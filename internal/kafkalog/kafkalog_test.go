package kafkalog

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/testkafka"
)

func ptr[T any](v T) *T { return &v }

var compact = map[string]*string{"cleanup.policy": ptr("compact")}

// produce writes values to one partition of topic and returns their
// offsets.
func produce(t *testing.T, cl *kgo.Client, topic string, partition int32, values ...string) []int64 {
	t.Helper()
	var recs []*kgo.Record
	for _, v := range values {
		recs = append(recs, &kgo.Record{Topic: topic, Partition: partition, Key: []byte("k"), Value: []byte(v)})
	}
	res := cl.ProduceSync(t.Context(), recs...)
	require.NoError(t, res.FirstErr())
	var offs []int64
	for _, r := range res {
		offs = append(offs, r.Record.Offset)
	}
	return offs
}

// bounded is the test's context with a deadline, so that a read that
// would retry forever fails the test instead of hanging it.
func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func manualClient(t *testing.T, brokers []string, opts ...kgo.Opt) *kgo.Client {
	return testkafka.Client(t, brokers, append(opts, kgo.RecordPartitioner(kgo.ManualPartitioner()))...)
}

// collector gathers what a Reader hands to apply.
type collector struct {
	batches []Batch
	values  map[int32][]string // per partition, in the order applied
	next    map[int32]int64    // per partition, the last Next
}

func newCollector() *collector {
	return &collector{values: map[int32][]string{}, next: map[int32]int64{}}
}

func (c *collector) apply(b Batch) error {
	if last, ok := c.next[b.Partition]; ok && b.Next < last {
		return fmt.Errorf("partition %d went back from %d to %d", b.Partition, last, b.Next)
	}
	c.batches = append(c.batches, b)
	for _, r := range b.Records {
		if r.Partition != b.Partition || r.Offset >= b.Next {
			return fmt.Errorf("record at %d/%d in a batch of partition %d up to %d", r.Partition, r.Offset, b.Partition, b.Next)
		}
		c.values[b.Partition] = append(c.values[b.Partition], string(r.Value))
	}
	c.next[b.Partition] = b.Next
	return nil
}

func TestEnsureTopicCreatesAndWaits(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "log")
	testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	cl := testkafka.Client(t, brokers)
	spec := TopicSpec{Name: topic, Partitions: 3, ReplicationFactor: -1,
		Configs: map[string]string{"cleanup.policy": "compact", "segment.ms": "600000"}}
	created, err := EnsureTopic(t.Context(), cl, spec)
	require.NoError(t, err)
	require.True(t, created)

	// Served as soon as EnsureTopic returns: every partition has a leader.
	md, err := topicMetadata(t.Context(), cl, topic)
	require.NoError(t, err)
	require.NotNil(t, md)
	require.Len(t, md.Partitions, 3)
	for _, p := range md.Partitions {
		require.GreaterOrEqual(t, p.Leader, int32(0), "partition %d has no leader", p.Partition)
	}
	rcs, err := kadm.NewClient(cl).DescribeTopicConfigs(t.Context(), topic)
	require.NoError(t, err)
	rc, err := rcs.On(topic, nil)
	require.NoError(t, err)
	vals := map[string]string{}
	for _, c := range rc.Configs {
		vals[c.Key] = c.MaybeValue()
	}
	require.Equal(t, "compact", vals["cleanup.policy"])
	require.Equal(t, "600000", vals["segment.ms"])
	require.NoError(t, CheckCompacted(t.Context(), cl, topic))

	created, err = EnsureTopic(t.Context(), cl, spec)
	require.NoError(t, err)
	require.False(t, created, "the topic exists")
}

func TestEnsureTopicLeavesExistingTopic(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "log")
	testkafka.CreateTopic(t, brokers, topic, 2, map[string]*string{"cleanup.policy": ptr("delete")})
	cl := testkafka.Client(t, brokers)
	created, err := EnsureTopic(t.Context(), cl, TopicSpec{Name: topic, Partitions: 5, ReplicationFactor: -1,
		Configs: map[string]string{"cleanup.policy": "compact"}})
	require.NoError(t, err)
	require.False(t, created)
	md, err := topicMetadata(t.Context(), cl, topic)
	require.NoError(t, err)
	require.Len(t, md.Partitions, 2, "an existing topic keeps its partitions")
	err = CheckCompacted(t.Context(), cl, topic)
	require.ErrorContains(t, err, `cleanup.policy is "delete"`, "and its configs")
}

func TestEnsureTopicContext(t *testing.T) {
	brokers := testkafka.Brokers(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := EnsureTopic(ctx, testkafka.Client(t, brokers), TopicSpec{Name: testkafka.Topic(t, "log"), Partitions: 1, ReplicationFactor: -1})
	require.ErrorIs(t, err, context.Canceled)
}

func TestCheckCompacted(t *testing.T) {
	brokers := testkafka.Brokers(t)
	cl := testkafka.Client(t, brokers)
	for policy, want := range map[string]string{
		"compact":        "",
		"delete":         `cleanup.policy is "delete", but the topic must use only "compact"`,
		"compact,delete": `cleanup.policy is "compact,delete", but the topic must use only "compact"`,
	} {
		t.Run(policy, func(t *testing.T) {
			topic := testkafka.Topic(t, "log")
			testkafka.CreateTopic(t, brokers, topic, 1, map[string]*string{"cleanup.policy": ptr(policy)})
			err := CheckCompacted(t.Context(), cl, topic)
			if want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, want)
			require.NotErrorIs(t, err, ErrUnverified, "a wrong policy is known to be wrong")
		})
	}
	err := CheckCompacted(t.Context(), cl, testkafka.Topic(t, "missing"))
	require.Error(t, err, "a topic that does not exist")
	require.NotErrorIs(t, err, ErrUnverified)
}

func TestCleanupPolicies(t *testing.T) {
	require.Equal(t, []string{"compact"}, cleanupPolicies(" Compact , "))
	require.Equal(t, []string{"compact", "delete"}, cleanupPolicies("compact,delete"))
	require.Empty(t, cleanupPolicies(""))
}

// TestWithoutPermissions: a client allowed to describe and read a topic
// but not to describe its configs cannot verify its cleanup.policy, which
// is not a failure; one not allowed to create topics cannot ensure one.
func TestWithoutPermissions(t *testing.T) {
	s := testkafka.SecuredCluster(t)
	admin := testkafka.Client(t, nil, s.AdminOpts()...)
	adm := kadm.NewClient(admin)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	topic, missing := testkafka.Topic(t, "acl"), testkafka.Topic(t, "acl")
	_, err := adm.CreateTopic(ctx, 1, -1, compact, topic)
	require.NoError(t, err)
	acl := kadm.NewACLs().Allow("User:"+testkafka.SASLUser).Topics(topic, missing).
		Operations(kadm.OpDescribe, kadm.OpRead).ResourcePatternType(kadm.ACLPatternLiteral)
	_, err = adm.CreateACLs(ctx, acl)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = adm.DeleteACLs(ctx, acl)
		_, _ = adm.DeleteTopic(ctx, topic)
	})

	user := testkafka.Client(t, nil, s.UserOpts()...)
	created, err := EnsureTopic(ctx, user, TopicSpec{Name: topic, Partitions: 1, ReplicationFactor: -1})
	require.NoError(t, err, "describing an existing topic is enough")
	require.False(t, created)
	err = CheckCompacted(ctx, user, topic)
	require.ErrorIs(t, err, ErrUnverified)
	require.ErrorContains(t, err, "AUTHORIZATION_FAILED")
	require.NoError(t, NewReader(user, topic, nil, func(Batch) error { return nil }).ReadToEnd(ctx), "reading needs only DESCRIBE and READ")

	_, err = EnsureTopic(ctx, user, TopicSpec{Name: missing, Partitions: 1, ReplicationFactor: -1})
	require.ErrorContains(t, err, "creating the topic")
	require.ErrorContains(t, err, "AUTHORIZATION_FAILED")
	require.ErrorContains(t, err, `lacks the CREATE right on topic "`+missing+`"`, "the error names the right and the topic")
}

func TestReaderReadsToEnd(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "log")
	testkafka.CreateTopic(t, brokers, topic, 3, compact)
	cl := manualClient(t, brokers)
	produce(t, cl, topic, 0, "a0", "a1", "a2")
	produce(t, cl, topic, 2, "c0")

	c := newCollector()
	r := NewReader(cl, topic, nil, c.apply)
	require.Zero(t, r.Partitions(), "nothing read yet")
	require.NoError(t, r.ReadToEnd(bounded(t)))
	require.Equal(t, int32(3), r.Partitions())
	require.Equal(t, map[int32][]string{0: {"a0", "a1", "a2"}, 2: {"c0"}}, c.values)
	require.Equal(t, map[int32]int64{0: 3, 2: 1}, c.next, "positions past the last record of each partition read")

	// A later read goes on from there, and an empty topic part stays unread.
	produce(t, cl, topic, 0, "a3")
	produce(t, cl, topic, 1, "b0", "b1")
	c.batches = nil
	require.NoError(t, r.ReadToEnd(bounded(t)))
	require.Equal(t, map[int32][]string{0: {"a0", "a1", "a2", "a3"}, 1: {"b0", "b1"}, 2: {"c0"}}, c.values)
	for _, b := range c.batches {
		require.NotEqual(t, int32(2), b.Partition, "partition 2 has nothing new")
	}

	// Nothing new: nothing applied.
	c.batches = nil
	require.NoError(t, r.ReadToEnd(bounded(t)))
	require.Empty(t, c.batches)
}

func TestReaderFromOffsets(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "log")
	testkafka.CreateTopic(t, brokers, topic, 2, compact)
	cl := manualClient(t, brokers)
	produce(t, cl, topic, 0, "a0", "a1", "a2", "a3")
	produce(t, cl, topic, 1, "b0", "b1")
	from := map[int32]int64{0: 2}
	c := newCollector()
	r := NewReader(cl, topic, from, c.apply)
	from[1] = 2 // copied: this changes nothing
	require.NoError(t, r.ReadToEnd(bounded(t)))
	require.Equal(t, map[int32][]string{0: {"a2", "a3"}, 1: {"b0", "b1"}}, c.values)
}

// TestReaderTransactions: records of aborted transactions are left out,
// records behind an open transaction wait for it, and the position moves
// past transaction markers.
func TestReaderTransactions(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "log")
	testkafka.CreateTopic(t, brokers, topic, 1, compact)
	plain := manualClient(t, brokers)
	txn := manualClient(t, brokers, kgo.TransactionalID(testkafka.Group(t, "txn")))
	ctx := bounded(t)
	run := func(commit kgo.TransactionEndTry, values ...string) {
		require.NoError(t, txn.BeginTransaction())
		produce(t, txn, topic, 0, values...)
		require.NoError(t, txn.EndTransaction(ctx, commit))
	}
	run(kgo.TryCommit, "t1", "t2")
	run(kgo.TryAbort, "x1", "x2")
	produce(t, plain, topic, 0, "p1")
	run(kgo.TryAbort, "x3")

	c := newCollector()
	r := NewReader(plain, topic, nil, c.apply)
	adm := kadm.NewClient(plain)
	var lso int64
	// The last stable offset passes an ended transaction once the broker
	// has written its markers, just after EndTransaction returns.
	require.Eventually(t, func() bool {
		ends, err := adm.ListCommittedOffsets(ctx, topic)
		require.NoError(t, err)
		end, _ := ends.Lookup(topic, 0)
		lso = end.Offset
		return lso == 9 // t1 t2 marker x1 x2 marker p1 x3 marker
	}, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, r.ReadToEnd(ctx))
	require.Equal(t, []string{"t1", "t2", "p1"}, c.values[0])
	require.Equal(t, lso, c.next[0], "read past the last marker")

	// An open transaction holds back what follows it, until it commits.
	require.NoError(t, txn.BeginTransaction())
	produce(t, txn, topic, 0, "open")
	produce(t, plain, topic, 0, "p2")
	require.NoError(t, r.ReadToEnd(ctx))
	require.Equal(t, []string{"t1", "t2", "p1"}, c.values[0])
	require.NoError(t, txn.EndTransaction(ctx, kgo.TryCommit))
	require.Eventually(t, func() bool {
		require.NoError(t, r.ReadToEnd(ctx))
		return len(c.values[0]) == 5
	}, 30*time.Second, 10*time.Millisecond)
	require.Equal(t, []string{"t1", "t2", "p1", "open", "p2"}, c.values[0])
}

// TestReaderDeletedRecords: records deleted below the log start are
// skipped, with a batch that only moves the position. Kafka answers a
// fetch below the log start with OFFSET_OUT_OF_RANGE and no log start
// offset (-1), kfake with one. (Kafka deletes records on request only
// from topics that are not only compacted.)
func TestReaderDeletedRecords(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "log")
	testkafka.CreateTopic(t, brokers, topic, 1, map[string]*string{"cleanup.policy": ptr("compact,delete")})
	cl := manualClient(t, brokers)
	produce(t, cl, topic, 0, "r0", "r1", "r2", "r3", "r4")
	adm := kadm.NewClient(cl)
	offs := make(kadm.Offsets)
	offs.AddOffset(topic, 0, 3, -1)
	res, err := adm.DeleteRecords(t.Context(), offs)
	require.NoError(t, err)
	require.NoError(t, res.Error())

	c := newCollector()
	require.NoError(t, NewReader(cl, topic, nil, c.apply).ReadToEnd(bounded(t)))
	require.Equal(t, []string{"r3", "r4"}, c.values[0])
	require.Equal(t, Batch{Partition: 0, Next: 3}, c.batches[0], "the first batch moves to the log start")
	require.Equal(t, int64(5), c.next[0])
}

// TestReaderApplyError: an error from apply ends the read with it, and
// the batch is handed over again by the next read.
func TestReaderApplyError(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "log")
	testkafka.CreateTopic(t, brokers, topic, 1, compact)
	cl := manualClient(t, brokers)
	produce(t, cl, topic, 0, "r0", "r1")
	errStop := errors.New("stop")
	fail := true
	c := newCollector()
	r := NewReader(cl, topic, nil, func(b Batch) error {
		if fail {
			return errStop
		}
		return c.apply(b)
	})
	require.ErrorIs(t, r.ReadToEnd(bounded(t)), errStop)
	fail = false
	require.NoError(t, r.ReadToEnd(bounded(t)))
	require.Equal(t, []string{"r0", "r1"}, c.values[0])
}

// TestReaderWaitsForTopic: a topic that does not exist yet is waited for
// until the context ends, and read once it exists.
func TestReaderWaitsForTopic(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "log")
	cl := manualClient(t, brokers)
	c := newCollector()
	r := NewReader(cl, topic, nil, c.apply)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, r.ReadToEnd(ctx), context.DeadlineExceeded)

	testkafka.CreateTopic(t, brokers, topic, 2, compact)
	produce(t, cl, topic, 1, "b0")
	require.NoError(t, r.ReadToEnd(bounded(t)))
	require.Equal(t, map[int32][]string{1: {"b0"}}, c.values)
	require.Equal(t, int32(2), r.Partitions())
}

// TestReaderManyRecords reads more than a broker returns for one fetch.
func TestReaderManyRecords(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "log")
	testkafka.CreateTopic(t, brokers, topic, 1, compact)
	cl := manualClient(t, brokers)
	var values []string
	for i := range 40 { // 2.5 MiB: more than fetchPartitionSize
		big := make([]byte, 64<<10)
		_, _ = rand.Read(big) // incompressible
		values = append(values, strconv.Itoa(i)+string(big))
	}
	produce(t, cl, topic, 0, values...)
	c := newCollector()
	require.NoError(t, NewReader(cl, topic, nil, c.apply).ReadToEnd(bounded(t)))
	require.Equal(t, values, c.values[0])
	if testkafka.Real() { // kfake answers a fetch with everything up to MaxBytes
		require.Greater(t, len(c.batches), 1, "more than one fetch")
	}
}

// TestReadToEndWhileFrozen: with a broker that does not answer, ReadToEnd
// returns its context's error when the context ends, and reads again once
// the broker answers.
func TestReadToEndWhileFrozen(t *testing.T) {
	f := testkafka.Freezable(t)
	topic := testkafka.Topic(t, "log")
	testkafka.CreateTopic(t, f.Brokers, topic, 1, compact)
	cl := manualClient(t, f.Brokers)
	produce(t, cl, topic, 0, "r0")
	c := newCollector()
	r := NewReader(cl, topic, nil, c.apply)
	require.NoError(t, r.ReadToEnd(bounded(t)))

	f.Freeze()
	read := func(d time.Duration) error {
		ctx, cancel := context.WithTimeout(t.Context(), d)
		defer cancel()
		return r.ReadToEnd(ctx)
	}
	// A broker stopped with SIGSTOP may answer for a moment after it.
	require.Eventually(t, func() bool { return errors.Is(read(200*time.Millisecond), context.DeadlineExceeded) },
		10*time.Second, time.Millisecond, "the broker still answers")
	began := time.Now()
	require.ErrorIs(t, read(time.Second), context.DeadlineExceeded)
	require.Less(t, time.Since(began), 3*time.Second, "ReadToEnd outlived its context on a frozen broker")

	f.Resume()
	produce(t, cl, topic, 0, "r1")
	require.NoError(t, r.ReadToEnd(bounded(t)))
	require.Equal(t, []string{"r0", "r1"}, c.values[0])
}
