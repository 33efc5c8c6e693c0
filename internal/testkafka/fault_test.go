package testkafka_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/testchild"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

func TestFreezableStopsAnswersUntilResumed(t *testing.T) {
	f := testkafka.Freezable(t)
	topic := testkafka.Topic(t, "freeze")
	testkafka.CreateTopic(t, f.Brokers, topic, 1, nil)
	cl := testkafka.Client(t, f.Brokers, kgo.RequestTimeoutOverhead(time.Second))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("before")}).FirstErr())

	f.Freeze()
	done := make(chan error, 1)
	cl.Produce(ctx, &kgo.Record{Topic: topic, Value: []byte("frozen")}, func(_ *kgo.Record, err error) { done <- err })
	select {
	case err := <-done:
		t.Fatalf("a frozen broker answered a produce: %v", err)
	case <-time.After(2 * time.Second):
	}

	f.Resume()
	require.NoError(t, <-done, "the produce sent while frozen succeeds once the broker resumes")
	require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("after")}).FirstErr())
}

func TestSecuredClusterEnforcesACLs(t *testing.T) {
	s := testkafka.SecuredCluster(t)
	topic := testkafka.Topic(t, "acl")
	admin := testkafka.Client(t, nil, s.AdminOpts()...)
	adm := kadm.NewClient(admin)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := adm.CreateTopic(ctx, 1, 1, nil, topic)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = adm.DeleteTopic(ctx, topic)
	})

	user := testkafka.Client(t, nil, append(s.UserOpts(), kgo.ProduceRequestTimeout(5*time.Second), kgo.RecordDeliveryTimeout(10*time.Second))...)
	err = user.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("denied")}).FirstErr()
	require.True(t, errors.Is(err, kerr.TopicAuthorizationFailed), "want TOPIC_AUTHORIZATION_FAILED, got %v", err)

	acl := kadm.NewACLs().Allow("User:"+testkafka.SASLUser).Topics(topic).Operations(kadm.OpWrite, kadm.OpDescribe).ResourcePatternType(kadm.ACLPatternLiteral)
	res, err := adm.CreateACLs(ctx, acl)
	require.NoError(t, err)
	for _, r := range res {
		require.NoError(t, r.Err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		del := kadm.NewACLs().Allow("User:"+testkafka.SASLUser).Topics(topic).Operations(kadm.OpWrite, kadm.OpDescribe).ResourcePatternType(kadm.ACLPatternLiteral)
		_, _ = adm.DeleteACLs(ctx, del)
	})
	require.Eventually(t, func() bool {
		return user.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("allowed")}).FirstErr() == nil
	}, 30*time.Second, 200*time.Millisecond, "WRITE and DESCRIBE on the topic let the user produce")
}

// freezeChildEnv makes TestFreezeEndsWithProcess run as its child: it
// freezes the fault broker and waits to be killed.
const freezeChildEnv = "KCONNECT_TESTKAFKA_FREEZE_CHILD"

// TestFreezeEndsWithProcess: a test binary killed while it holds the fault
// broker frozen, which runs no cleanup, does not leave the broker frozen:
// once the next test holds the fault lock, the broker answers.
func TestFreezeEndsWithProcess(t *testing.T) {
	if os.Getenv(freezeChildEnv) != "" {
		f := testkafka.Freezable(t)
		f.Freeze()
		fmt.Println("frozen")
		_, _ = io.Copy(io.Discard, os.Stdin) // until killed, or the parent is gone
		return
	}
	if os.Getenv(testkafka.FaultBrokersEnv) == "" {
		t.Skipf("needs the fault broker (%s): a kfake cluster ends with the process that froze it", testkafka.FaultBrokersEnv)
	}
	c := testchild.Start(t, "TestFreezeEndsWithProcess", []string{freezeChildEnv + "=1"}, 0)
	// The child may wait for the fault lock behind other test binaries.
	require.Eventually(t, func() bool { return strings.Contains(c.Output(), "frozen\n") }, 2*time.Minute, 10*time.Millisecond,
		"the child never froze the broker")
	c.Kill(t)

	f := testkafka.Freezable(t)
	// Resume the broker whatever the check finds, so that no later test
	// meets it frozen.
	defer func() { f.Freeze(); f.Resume() }()
	cl := testkafka.Client(t, f.Brokers, kgo.RequestTimeoutOverhead(time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := kadm.NewClient(cl).ListBrokers(ctx)
	require.NoError(t, err, "the fault broker does not answer after a test binary that froze it was killed")
}

// TestFreezableCleanupsResumeFirst: a test that ends with its cluster
// frozen, a failed require between Freeze and Resume say, has its topic
// deleted and its group client closed promptly at cleanup. Those cleanups
// are registered after Freezable's own resume and so, cleanups running
// last-in-first-out, come before it: they must resume the cluster
// themselves rather than wait out their timeouts on a broker that does not
// answer (holding the fault broker's lock, and leaving the topic behind).
func TestFreezableCleanupsResumeFirst(t *testing.T) {
	var brokers, topics []string
	var ended time.Time
	t.Run("frozen", func(t *testing.T) {
		f := testkafka.Freezable(t)
		brokers = f.Brokers
		consumed := testkafka.Topic(t, "frozen-cleanup")
		testkafka.CreateTopic(t, f.Brokers, consumed, 1, nil)
		// A member of a group, so that closing it leaves the group.
		cl := testkafka.Client(t, f.Brokers, kgo.ConsumerGroup(testkafka.Group(t, "frozen-cleanup")), kgo.ConsumeTopics(consumed))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: consumed, Value: []byte("v")}).FirstErr())
		fs := cl.PollRecords(ctx, 1)
		require.NoError(t, fs.Err0())
		require.Equal(t, 1, fs.NumRecords(), "the group member consumed the record")
		// Created after the client, so deleted before the client's
		// close could resume the cluster.
		last := testkafka.Topic(t, "frozen-cleanup")
		testkafka.CreateTopic(t, f.Brokers, last, 1, nil)
		// As code under test would make it.
		made := testkafka.Topic(t, "frozen-cleanup")
		_, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, nil, made)
		require.NoError(t, err)
		testkafka.DeleteTopicAtCleanup(t, f.Brokers, made)
		topics = []string{consumed, last, made}
		f.Freeze()
		// Registered last, so run first of the test's cleanups.
		t.Cleanup(func() { ended = time.Now() })
	})
	took := time.Since(ended)
	// Frozen, the first request of any of the cleanups would wait out kgo's
	// request timeout (10 s by default) before anything else happened.
	require.Less(t, took, 8*time.Second, "the cleanups of a test that ended with its cluster frozen")

	if os.Getenv(testkafka.FaultBrokersEnv) == "" || !testkafka.Real() {
		return // the kfake cluster is gone, and CreateTopic deleted nothing on it
	}
	// The lock again, so that no other test binary freezes the broker
	// while this looks for the topics.
	f := testkafka.Freezable(t)
	require.Equal(t, brokers, f.Brokers)
	cl := testkafka.Client(t, f.Brokers)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A deletion the controller has made reaches the broker's metadata a
	// moment later: a topic still listed is left only if it stays.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		listed, err := kadm.NewClient(cl).ListTopics(ctx)
		require.NoError(c, err)
		for _, topic := range topics {
			assert.False(c, listed.Has(topic), "topic %q was left on the fault broker", topic)
		}
	}, 10*time.Second, 50*time.Millisecond)
}
