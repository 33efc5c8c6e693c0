package worker

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// aclCluster is a secured cluster with an admin client, for tests of what
// the runtime does as a principal allowed only what ACLs grant.
type aclCluster struct {
	s   *testkafka.Secured
	adm *kadm.Client
}

func newACLCluster(t *testing.T) *aclCluster {
	t.Helper()
	s := testkafka.SecuredCluster(t)
	return &aclCluster{s: s, adm: kadm.NewClient(testkafka.Client(t, nil, s.AdminOpts()...))}
}

// createTopic creates topic as the admin, deleted when the test ends.
func (c *aclCluster) createTopic(t *testing.T, topic string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := c.adm.CreateTopic(ctx, 1, 1, nil, topic)
	require.NoError(t, err)
	c.dropAtEnd(t, topic)
}

// dropAtEnd deletes topic, if it exists, when the test ends.
func (c *aclCluster) dropAtEnd(t *testing.T, topic string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = c.adm.DeleteTopic(ctx, topic)
	})
}

// grant allows the restricted user WRITE and DESCRIBE on topic (which need
// not exist), and nothing else; removed when the test ends. It returns once
// the user sees the grant.
func (c *aclCluster) grant(t *testing.T, topic string) {
	t.Helper()
	acl := func() *kadm.ACLBuilder {
		return kadm.NewACLs().Allow("User:"+testkafka.SASLUser).Topics(topic).
			Operations(kadm.OpWrite, kadm.OpDescribe).ResourcePatternType(kadm.ACLPatternLiteral)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := c.adm.CreateACLs(ctx, acl())
	require.NoError(t, err)
	for _, r := range res {
		require.NoError(t, r.Err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = c.adm.DeleteACLs(ctx, acl())
	})
	user := testkafka.Client(t, nil, c.s.UserOpts()...)
	require.Eventually(t, func() bool {
		req := kmsg.NewPtrMetadataRequest()
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(topic)
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, user)
		return err == nil && len(resp.Topics) == 1 &&
			!errors.Is(kerr.ErrorForCode(resp.Topics[0].ErrorCode), kerr.TopicAuthorizationFailed)
	}, 30*time.Second, 100*time.Millisecond, "the user never saw its grant on %s", topic)
}

// userWorker is a worker whose Kafka clients authenticate as the
// restricted user, with offsets in memory (no ACLs needed for them).
func (c *aclCluster) userWorker(t *testing.T, plugins *counterSource) *Worker {
	t.Helper()
	w, err := New(Brokers(c.s.Brokers...), KafkaOpts(c.s.UserOpts()...), Plugins(plugins.plugin()),
		OffsetStore(offset.NewMemory()), OffsetFlushInterval(50*time.Millisecond),
		Logger(slog.New(slog.DiscardHandler)), ID("test-worker"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	return w
}

// count reads topic as the admin until it has n records, and returns them;
// it fails at once when w's connector c fails.
func (c *aclCluster) count(t *testing.T, w *Worker, connector, topic string, n int) []*kgo.Record {
	t.Helper()
	cl := testkafka.Client(t, nil, append(c.s.AdminOpts(), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))...)
	deadline := time.Now().Add(30 * time.Second)
	var out []*kgo.Record
	for len(out) < n {
		if st, err := w.Status(connector); err == nil && len(st.Tasks) > 0 && st.Tasks[0].State == Failed {
			t.Fatalf("the task failed: %s", st.Tasks[0].Trace)
		}
		require.True(t, time.Now().Before(deadline), "got %d of %d records", len(out), n)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		out = append(out, cl.PollFetches(ctx).Records()...)
		cancel()
	}
	return out
}

// A source connector running as a principal with WRITE and DESCRIBE on an
// existing topic, but no CREATE, writes all its records, as a plain
// producer of that principal does: the runtime creates no topic for a
// connector without topic.creation settings, and for one with them,
// finds that the topic exists before asking to create it.
func TestSourceWritesToExistingTopicWithoutCreateACL(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config map[string]string
	}{
		{"no-topic-creation", nil},
		{"topic-creation", map[string]string{
			"topic.creation.default.partitions": "1", "topic.creation.default.replication.factor": "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newACLCluster(t)
			topic := testkafka.Topic(t, "acl")
			c.createTopic(t, topic)
			c.grant(t, topic)

			w := c.userWorker(t, &counterSource{})
			cfg := map[string]string{"connector.class": "test.CounterSource", "topic": topic, "limit": "40"}
			for k, v := range tc.config {
				cfg[k] = v
			}
			require.NoError(t, w.CreateConnector(context.Background(), "acl", cfg))
			require.Len(t, c.count(t, w, "acl", topic, 40), 40)
			st, err := w.Status("acl")
			require.NoError(t, err)
			require.Equal(t, Running, st.Tasks[0].State, st.Tasks[0].Trace)
		})
	}
}

// A topic that does not exist, written to by a principal that may not
// create it, fails the task with an error that names the topic, whether
// the producer reports it (no topic.creation settings: the runtime leaves
// creating to the broker) or the topic creation step does.
func TestSourceMissingTopicWithoutCreateACLFails(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config map[string]string
	}{
		{"no-topic-creation", nil},
		{"topic-creation", map[string]string{"topic.creation.default.partitions": "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newACLCluster(t)
			topic := testkafka.Topic(t, "missing")
			c.dropAtEnd(t, topic) // should it be created after all
			c.grant(t, topic)

			w := c.userWorker(t, &counterSource{})
			cfg := map[string]string{"connector.class": "test.CounterSource", "topic": topic, "limit": "5"}
			for k, v := range tc.config {
				cfg[k] = v
			}
			require.NoError(t, w.CreateConnector(context.Background(), "acl", cfg))
			trace := waitTaskState(t, w, "acl", Failed).Trace
			require.Contains(t, trace, topic)

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			topics, err := c.adm.ListTopics(ctx, topic)
			require.NoError(t, err)
			require.False(t, topics.Has(topic), "the topic was created")
		})
	}
}
