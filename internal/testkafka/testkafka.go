// Package testkafka is the one place tests get a Kafka cluster from.
//
// Why one helper: every package in kconnect (the runtime, offset stores,
// connectors) needs a broker in its tests, and they must all behave the same
// way in two settings:
//
//   - on a developer's machine with nothing configured, tests run against an
//     in-process kfake cluster, so "go test ./..." needs no setup;
//   - in CI, .ci/run starts a real Apache Kafka broker and exports its address
//     in KCONNECT_KAFKA_BROKERS; then every test talks to that broker, which
//     catches the places where kfake and Kafka differ.
//
// Because many test binaries share the one real broker at the same time, tests
// must name topics and groups with [Topic] and [Group] (unique per call) and
// create their topics with [CreateTopic]: the CI broker has
// auto.create.topics.enable=false, and the kfake cluster is configured the
// same way, so a test that forgets to create its topic fails in both settings.
//
// Every call to [Brokers] is recorded through [testenv.Record], so CI can
// report how many tests really ran against the broker.
package testkafka

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kconnect-go/kconnect/internal/testenv"
)

// BrokersEnv names the environment variable with the comma-separated
// host:port list of a real Kafka cluster. .ci/run sets it.
const BrokersEnv = "KCONNECT_KAFKA_BROKERS"

// adminTimeout bounds each admin step (create, wait for metadata, delete). It
// is generous because on the 2-core CI machine the broker shares the CPU with
// "go test -race" for every package at once.
const adminTimeout = 60 * time.Second

// realBrokers returns the brokers from BrokersEnv, or nil when unset.
func realBrokers() []string { return splitBrokers(os.Getenv(BrokersEnv)) }

// splitBrokers splits a comma-separated host:port list, dropping blanks.
func splitBrokers(s string) []string {
	var out []string
	for b := range strings.SplitSeq(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// Real reports whether tests run against a real Kafka cluster (BrokersEnv is
// set) rather than kfake. Tests may use it to relax expectations that only
// hold for one of the two, e.g. timing; they should rarely need it.
func Real() bool { return len(realBrokers()) > 0 }

// Brokers returns seed brokers for the test. With BrokersEnv set it returns
// those addresses (a cluster shared with every other test). Otherwise it
// starts a fresh single-broker kfake cluster for this call alone, closed when
// the test ends, so tests on kfake are fully isolated from each other.
//
// The kfake cluster mirrors the CI broker's settings that tests can observe:
// no automatic topic creation and one partition by default.
func Brokers(t testing.TB) []string {
	t.Helper()
	if bs := realBrokers(); len(bs) > 0 {
		testenv.Record(t, testenv.Real)
		return bs
	}
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.DefaultNumPartitions(1),
	)
	if err != nil {
		t.Fatalf("testkafka: starting kfake cluster: %v", err)
	}
	t.Cleanup(c.Close)
	testenv.Record(t, testenv.Fake)
	return c.ListenAddrs()
}

// Topic returns a topic name unique to this call: prefix, the sanitized test
// name and a random suffix. Unique names let packages run in parallel against
// one real broker without seeing each other's records, and keep a test's
// reruns (-count) apart. The name only uses characters Kafka accepts and
// stays below its 249-character limit.
func Topic(t testing.TB, prefix string) string {
	t.Helper()
	return uniqueName(t, prefix, 200)
}

// Group returns a consumer group id unique to this call, built like [Topic],
// so consumer groups of concurrent tests never join each other.
func Group(t testing.TB, prefix string) string {
	t.Helper()
	return uniqueName(t, prefix, 200)
}

// uniqueName builds prefix-testname-random, keeping [A-Za-z0-9-] and
// replacing anything else by '-'. '.' and '_' are avoided on purpose: Kafka
// treats them as colliding in metric names and warns about them.
func uniqueName(t testing.TB, prefix string, maxLen int) string {
	var suffix [6]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		t.Fatalf("testkafka: random suffix: %v", err)
	}
	tail := "-" + hex.EncodeToString(suffix[:])
	name := sanitize(prefix)
	if name != "" {
		name += "-"
	}
	name += sanitize(t.Name())
	if len(name) > maxLen-len(tail) {
		name = name[:maxLen-len(tail)]
	}
	return name + tail
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

// LogEnv names an optional environment variable: set it to error, warn, info
// or debug to make every [Client] log at that level to stderr, prefixed with
// the test name and time. It is for chasing a slow or stuck test; it goes to
// stderr rather than t.Log because clients may still log after the test ends.
const LogEnv = "KCONNECT_KAFKA_LOG"

var logLevels = map[string]kgo.LogLevel{
	"error": kgo.LogLevelError, "warn": kgo.LogLevelWarn,
	"info": kgo.LogLevelInfo, "debug": kgo.LogLevelDebug,
}

// baseOpts are the options every client of this package starts from: the
// seed brokers and, when [LogEnv] asks for it, a logger.
func baseOpts(t testing.TB, brokers []string) []kgo.Opt {
	opts := []kgo.Opt{kgo.SeedBrokers(brokers...)}
	if lvl, ok := logLevels[strings.ToLower(os.Getenv(LogEnv))]; ok {
		name := t.Name()
		opts = append(opts, kgo.WithLogger(kgo.BasicLogger(os.Stderr, lvl, func() string {
			return time.Now().Format("15:04:05.000 ") + name + " "
		})))
	}
	return opts
}

// Client returns a kgo client seeded with brokers plus opts, closed when the
// test ends. Centralizing construction keeps tests from leaking clients and
// their goroutines into later tests, and gives one switch ([LogEnv]) to see
// what every client in a test does.
func Client(t testing.TB, brokers []string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	all := append(baseOpts(t, brokers), opts...)
	cl, err := kgo.NewClient(all...)
	if err != nil {
		t.Fatalf("testkafka: creating client: %v", err)
	}
	t.Cleanup(func() {
		// A group member's Close leaves the group, which waits on a
		// frozen broker for its request timeouts.
		resumeFrozen(brokers)
		cl.Close()
	})
	return cl
}

// CreateTopic creates topic with the given partition count and topic configs
// (nil for broker defaults) and replication factor 1, and returns only once
// every partition is served by its leader. Waiting matters on a real KRaft
// broker: CreateTopics returns when the controller has committed the topic,
// slightly before the broker serves it, and a producer that races ahead sees
// UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER_OR_FOLLOWER and stalls for
// seconds in kgo's metadata backoff.
//
// On a real cluster the topic is deleted when the test ends, so hundreds of
// test topics do not pile up on the shared broker; kfake clusters simply go
// away.
func CreateTopic(t testing.TB, brokers []string, topic string, partitions int32, configs map[string]*string) {
	t.Helper()
	cl, err := kgo.NewClient(baseOpts(t, brokers)...)
	if err != nil {
		t.Fatalf("testkafka: creating admin client: %v", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()

	if _, err := adm.CreateTopic(ctx, partitions, 1, configs, topic); err != nil {
		t.Fatalf("testkafka: creating topic %q with %d partitions: %v", topic, partitions, err)
	}
	DeleteTopicAtCleanup(t, brokers, topic)
	if err := waitForTopic(ctx, cl, topic, partitions); err != nil {
		t.Fatalf("testkafka: topic %q created but not served: %v", topic, err)
	}
}

// waitForTopic polls until topic has partitions partitions, each with a
// leader that serves it, or ctx ends. Polling is the only way: Kafka offers no
// notification for metadata propagation.
func waitForTopic(ctx context.Context, cl *kgo.Client, topic string, partitions int32) error {
	backoff := 10 * time.Millisecond
	for {
		lastErr := topicReady(ctx, cl, topic, partitions)
		if lastErr == nil {
			return nil
		}
		timer := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			timer.Stop()
			return errors.Join(ctx.Err(), lastErr)
		case <-timer.C:
		}
		backoff = min(2*backoff, 500*time.Millisecond)
	}
}

// topicReady sends a raw Metadata request for topic. It does not use
// kadm.Metadata because that answers from kgo's metadata cache, which keeps a
// "topic unknown" answer for up to 5s (MetadataMinAge) and would turn every
// CreateTopic into a 5-second wait.
func topicReady(ctx context.Context, cl *kgo.Client, topic string, partitions int32) error {
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return err
	}
	for _, d := range resp.Topics {
		if d.Topic == nil || *d.Topic != topic {
			continue
		}
		if err := kerr.ErrorForCode(d.ErrorCode); err != nil {
			return err
		}
		if int32(len(d.Partitions)) != partitions {
			return fmt.Errorf("%d of %d partitions visible", len(d.Partitions), partitions)
		}
		for _, p := range d.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return err
			}
			if p.Leader < 0 {
				return kerr.LeaderNotAvailable
			}
		}
		return partitionsServed(ctx, cl, topic, partitions)
	}
	return kerr.UnknownTopicOrPartition
}

// partitionsServed asks every partition leader for the end offset. Metadata
// naming a leader is not enough: a KRaft broker updates its metadata cache a
// moment before its replica manager takes leadership, and a produce in that
// window fails with NOT_LEADER_OR_FOLLOWER, after which kgo waits out
// MetadataMinAge (5s) before trying again. ListOffsets goes through the same
// leadership check as Produce, so once it succeeds everywhere, producing
// will too.
func partitionsServed(ctx context.Context, cl *kgo.Client, topic string, partitions int32) error {
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil {
		return err
	}
	if err := ends.Error(); err != nil {
		return err
	}
	if n := len(ends[topic]); n != int(partitions) {
		return fmt.Errorf("%d of %d partitions answered ListOffsets", n, partitions)
	}
	return nil
}

// DeleteTopicAtCleanup deletes topic, made by the code under test rather
// than [CreateTopic], when the test ends on a real cluster, where topics
// outlive tests; kfake clusters go away. A [Freezable] cluster is resumed
// first. A failure to delete is logged, not failed: the test is over.
func DeleteTopicAtCleanup(t testing.TB, brokers []string, topic string) {
	if Real() {
		t.Cleanup(func() { deleteTopic(t, brokers, topic) })
	}
}

// deleteTopic removes a test topic from the shared broker. It runs during
// cleanup, after t's context is gone, so it uses its own client and
// deadline; a failure is only logged because the test itself is over.
func deleteTopic(t testing.TB, brokers []string, topic string) {
	resumeFrozen(brokers)
	cl, err := kgo.NewClient(baseOpts(t, brokers)...)
	if err != nil {
		t.Logf("testkafka: deleting topic %q: %v", topic, err)
		return
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	if _, err := kadm.NewClient(cl).DeleteTopic(ctx, topic); err != nil && !errors.Is(err, kerr.UnknownTopicOrPartition) {
		t.Logf("testkafka: deleting topic %q: %v", topic, err)
	}
}
