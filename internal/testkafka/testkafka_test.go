package testkafka_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/testkafka"
)

const numRecords = 100

// produceNumbered synchronously produces numRecords records key-i/value-i,
// spread evenly over partitions, and fails the test on any produce error.
func produceNumbered(t *testing.T, ctx context.Context, brokers []string, topic string, partitions int32) {
	t.Helper()
	producer := testkafka.Client(t, brokers,
		kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
	)
	recs := make([]*kgo.Record, numRecords)
	for i := range recs {
		recs[i] = &kgo.Record{
			Key:       fmt.Appendf(nil, "key-%03d", i),
			Value:     fmt.Appendf(nil, "value-%03d", i),
			Partition: int32(i) % partitions,
		}
	}
	require.NoError(t, producer.ProduceSync(ctx, recs...).FirstErr())
}

// consumeN polls cl until it has n records or ctx ends, and returns how many
// times each key arrived, checking each value matches its key.
func consumeN(t *testing.T, ctx context.Context, cl *kgo.Client, n int) map[string]int {
	t.Helper()
	seen := make(map[string]int)
	total := 0
	for total < n {
		fetches := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "timed out after %d of %d records", total, n)
		fetches.EachError(func(topic string, p int32, err error) {
			require.NoError(t, err, "fetching %s[%d]", topic, p)
		})
		fetches.EachRecord(func(r *kgo.Record) {
			var i int
			_, err := fmt.Sscanf(string(r.Key), "key-%03d", &i)
			require.NoError(t, err, "unexpected key %q", r.Key)
			require.Equal(t, fmt.Sprintf("value-%03d", i), string(r.Value), "value for key %q", r.Key)
			seen[string(r.Key)]++
			total++
		})
	}
	return seen
}

// requireExactlyOnce asserts every key-i for i < numRecords arrived once.
func requireExactlyOnce(t *testing.T, seen map[string]int) {
	t.Helper()
	require.Len(t, seen, numRecords)
	for i := range numRecords {
		key := fmt.Sprintf("key-%03d", i)
		require.Equal(t, 1, seen[key], "deliveries of %s", key)
	}
}

// requireEndOffsetsSum asserts the topic holds exactly numRecords records, so
// nothing beyond what the consumer saw (e.g. a duplicate from a retried
// produce) was written.
func requireEndOffsetsSum(t *testing.T, ctx context.Context, adm *kadm.Client, topic string, partitions int32) {
	t.Helper()
	ends, err := adm.ListEndOffsets(ctx, topic)
	require.NoError(t, err)
	require.NoError(t, ends.Error())
	var sum int64
	ends.Each(func(o kadm.ListedOffset) { sum += o.Offset })
	require.Len(t, ends[topic], int(partitions))
	require.EqualValues(t, numRecords, sum)
}

// TestProduceConsumeRoundTrip is the smoke test of the helper itself: a
// topic it creates must be immediately usable for producing and consuming,
// whether the broker is kfake or the real CI broker.
func TestProduceConsumeRoundTrip(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "roundtrip")
	const partitions = 3
	testkafka.CreateTopic(t, brokers, topic, partitions, nil)

	produceNumbered(t, ctx, brokers, topic, partitions)

	consumer := testkafka.Client(t, brokers,
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)
	requireExactlyOnce(t, consumeN(t, ctx, consumer, numRecords))
	requireEndOffsetsSum(t, ctx, kadm.NewClient(consumer), topic, partitions)
}

// TestConsumerGroupCommit checks that the group coordinator works: a group
// consumer reads everything and its commits are visible through the admin
// API. kconnect's sink tasks depend on exactly this.
func TestConsumerGroupCommit(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "group")
	group := testkafka.Group(t, "group")
	const partitions = 3
	testkafka.CreateTopic(t, brokers, topic, partitions, map[string]*string{
		"cleanup.policy": kadm.StringPtr("delete"),
	})
	produceNumbered(t, ctx, brokers, topic, partitions)

	consumer := testkafka.Client(t, brokers,
		kgo.ConsumeTopics(topic),
		kgo.ConsumerGroup(group),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
	)
	requireExactlyOnce(t, consumeN(t, ctx, consumer, numRecords))
	require.NoError(t, consumer.CommitUncommittedOffsets(ctx))

	adm := kadm.NewClient(consumer)
	committed, err := adm.FetchOffsets(ctx, group)
	require.NoError(t, err)
	require.NoError(t, committed.Error())
	var sum int64
	committed.Each(func(o kadm.OffsetResponse) {
		if o.Topic == topic {
			sum += o.At
		}
	})
	require.EqualValues(t, numRecords, sum, "committed offsets of %s", group)
}

// TestTopicNamesAreUniqueAndLegal checks what lets tests share one broker:
// every call yields a new, Kafka-legal name, even for long test names.
func TestTopicNamesAreUniqueAndLegal(t *testing.T) {
	t.Parallel()
	legal := regexp.MustCompile(`^[A-Za-z0-9-]{1,249}$`)
	seen := make(map[string]bool)
	for range 100 {
		for _, name := range []string{testkafka.Topic(t, "p.x_y"), testkafka.Group(t, "p")} {
			require.Regexp(t, legal, name)
			require.False(t, seen[name], "duplicate name %s", name)
			seen[name] = true
		}
	}
	t.Run("long_"+strings.Repeat("x", 300), func(t *testing.T) {
		require.Regexp(t, legal, testkafka.Topic(t, "long"))
	})
}

// TestCreateTopicWithoutEnvUsesIsolatedClusters checks the kfake contract:
// two Brokers calls give two clusters, so a topic in one is absent in the
// other. Against the real broker both calls return the same cluster, so the
// test only makes sense without it.
func TestCreateTopicWithoutEnvUsesIsolatedClusters(t *testing.T) {
	if testkafka.Real() {
		t.Skip("only meaningful with kfake: the real broker is shared by design")
	}
	t.Parallel()
	a, b := testkafka.Brokers(t), testkafka.Brokers(t)
	require.NotEqual(t, a, b)
	topic := testkafka.Topic(t, "iso")
	testkafka.CreateTopic(t, a, topic, 1, nil)

	md, err := kadm.NewClient(testkafka.Client(t, b)).ListTopics(t.Context())
	require.NoError(t, err)
	require.False(t, md.Has(topic))
}
