package worker

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
)

func TestParseTopicCreation(t *testing.T) {
	raw := map[string]string{
		"topic.creation.groups":                     "compacted, big",
		"topic.creation.compacted.include":          `audit\..*, changes`,
		"topic.creation.compacted.exclude":          `audit\.tmp`,
		"topic.creation.compacted.partitions":       "3",
		"topic.creation.compacted.cleanup.policy":   "compact",
		"topic.creation.big.include":                "big-.*",
		"topic.creation.default.partitions":         "6",
		"topic.creation.default.replication.factor": "-1",
		"topic.creation.default.compression.type":   "zstd",
	}
	groups, err := parseTopicCreation(raw, []string{"compacted", "big"})
	require.NoError(t, err)
	require.Len(t, groups, 3)
	tc := &topicCreator{groups: groups}
	for topic, want := range map[string]string{
		"audit.logins": "compacted", "changes": "compacted", "audit.tmp": "default",
		"big-one": "big", "other": "default", "xchanges": "default",
	} {
		require.Equal(t, want, tc.groupFor(topic).name, topic)
	}
	compacted, big, def := groups[0], groups[1], groups[2]
	require.Equal(t, int32(3), compacted.partitions)
	require.Equal(t, int16(-1), compacted.replication)
	require.Equal(t, int32(6), big.partitions, "a group's partitions default to the default group's")
	require.Equal(t, "compact", *compacted.configs["cleanup.policy"])
	require.Len(t, compacted.configs, 1)
	require.Equal(t, "zstd", *def.configs["compression.type"])
	require.Empty(t, big.configs)

	_, err = parseTopicCreation(map[string]string{
		"topic.creation.a.include":          "(?<=x)y",
		"topic.creation.a.partitions":       "0",
		"topic.creation.default.partitions": "many",
	}, []string{"a", "a", "b.c"})
	require.Error(t, err)
	for _, want := range []string{
		"topic.creation.a.include", "topic.creation.a.partitions", "topic.creation.default.partitions",
		`group "a" is listed twice`, `group name "b.c"`,
	} {
		require.ErrorContains(t, err, want)
	}
}

// Missing source topics are created with their group's partitions and
// topic configs.
func TestSourceTopicCreationGroups(t *testing.T) {
	brokers := testkafka.Brokers(t)
	audit := testkafka.Topic(t, "audit")
	plain := testkafka.Topic(t, "plain")
	testkafka.DeleteTopicAtCleanup(t, brokers, audit)
	testkafka.DeleteTopicAtCleanup(t, brokers, plain)
	store := offset.NewMemory()
	cs := &counterSource{}
	w := newTestWorker(t, brokers, store, cs.plugin())
	defer w.Close()
	ctx := context.Background()
	group := map[string]string{
		"topic.creation.groups":               "audit",
		"topic.creation.audit.include":        audit,
		"topic.creation.audit.partitions":     "2",
		"topic.creation.audit.cleanup.policy": "compact",
		"topic.creation.default.partitions":   "3",
		"topic.creation.default.retention.ms": "3600000",
		"connector.class":                     "test.CounterSource",
		"limit":                               "5",
	}
	group["topic"] = audit
	require.NoError(t, w.CreateConnector(ctx, "audit", group))
	group["topic"] = plain
	require.NoError(t, w.CreateConnector(ctx, "plain", group))
	consumeValues(t, brokers, audit, 5)
	consumeValues(t, brokers, plain, 5)

	adm := kadm.NewClient(testkafka.Client(t, brokers))
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	details, err := adm.ListTopics(cctx, audit, plain)
	require.NoError(t, err)
	require.Len(t, details[audit].Partitions, 2)
	require.Len(t, details[plain].Partitions, 3)
	configs, err := adm.DescribeTopicConfigs(cctx, audit, plain)
	require.NoError(t, err)
	value := func(topic, key string) string {
		rc, err := configs.On(topic, nil)
		require.NoError(t, err)
		for _, c := range rc.Configs {
			if c.Key == key {
				return c.MaybeValue()
			}
		}
		return ""
	}
	require.Equal(t, "compact", value(audit, "cleanup.policy"))
	require.Equal(t, "delete", value(plain, "cleanup.policy"))
	require.Equal(t, "3600000", value(plain, "retention.ms"))
}

// topics.regex matches whole topic names, as Kafka's Matcher.matches does:
// a sink for "<t>" does not also read "<t>-dlq".
func TestSinkTopicsRegexMatchesWholeName(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "rx")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	testkafka.CreateTopic(t, brokers, topic+"-dlq", 1, nil)
	produceStrings(t, brokers, topic+"-dlq", 5)
	produceStrings(t, brokers, topic, 20)
	c := newCollector(20)
	w := newTestWorker(t, brokers, offset.NewMemory(), c.plugin())
	name := testkafka.Group(t, "rx")
	require.NoError(t, w.CreateConnector(context.Background(), name, map[string]string{
		"connector.class": "test.CollectorSink", "topics.regex": regexp.QuoteMeta(topic),
		"key.converter": "StringConverter", "value.converter": "StringConverter",
	}))
	waitOrFail(t, c.done)
	require.NoError(t, w.Close())
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.records {
		require.Equal(t, topic, r.Topic)
	}
	require.Len(t, c.records, 20)

	err := newTestWorker(t, brokers, offset.NewMemory(), c.plugin()).CreateConnector(context.Background(), "bad", map[string]string{
		"connector.class": "test.CollectorSink", "topics.regex": "(?<=x)y"})
	require.ErrorContains(t, err, "topics.regex")
}

// A connector without topic.creation keys creates no topic, as in Kafka
// Connect: the producer asks the broker for it, which creates it when its
// auto.create.topics.enable allows and otherwise answers that it does not
// exist, failing the task with an error that names the topic.
func TestSourceTopicCreatedOnlyWithTopicCreationKeys(t *testing.T) {
	cfg := func(topic string) map[string]string {
		return map[string]string{"connector.class": "test.CounterSource", "topic": topic, "limit": "5"}
	}
	t.Run("broker-without-auto-creation", func(t *testing.T) {
		brokers := testkafka.Brokers(t) // auto.create.topics.enable=false
		topic := testkafka.Topic(t, "nokeys")
		testkafka.DeleteTopicAtCleanup(t, brokers, topic) // should it be created after all
		w := newTestWorker(t, brokers, offset.NewMemory(), (&counterSource{}).plugin())
		defer w.Close()
		require.NoError(t, w.CreateConnector(context.Background(), "nokeys", cfg(topic)))
		st := waitTaskState(t, w, "nokeys", Failed)
		require.Contains(t, st.Trace, topic)
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		topics, err := kadm.NewClient(testkafka.Client(t, brokers)).ListTopics(cctx, topic)
		require.NoError(t, err)
		require.False(t, topics.Has(topic), "the runtime created the topic")
	})
	t.Run("broker-with-auto-creation", func(t *testing.T) {
		cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation())
		require.NoError(t, err)
		defer cluster.Close()
		brokers := cluster.ListenAddrs()
		topic := testkafka.Topic(t, "auto")
		w := newTestWorker(t, brokers, offset.NewMemory(), (&counterSource{}).plugin())
		defer w.Close()
		require.NoError(t, w.CreateConnector(context.Background(), "auto", cfg(topic)))
		consumeValues(t, brokers, topic, 5)
	})
}
