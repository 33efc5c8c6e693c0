// Package kafkalog keeps state in a compacted Kafka topic, as Kafka
// Connect's KafkaBasedLog and TopicAdmin do for its offsets, config and
// status topics (offset.storage.topic, config.storage.topic,
// status.storage.topic): EnsureTopic creates the topic when it is missing,
// CheckCompacted checks that Kafka keeps the latest record of every key,
// and a Reader reads the topic to its end, handing what it reads to the
// store that owns it.
//
// Everything goes through a kgo.Client the caller owns and may share: the
// Reader sends its own Fetch requests rather than consuming through the
// client, so many readers (and a runtime producing and consuming on its
// own) can use one client. Errors do not name the topic; callers add it
// with what the topic is for.
package kafkalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TopicSpec is a topic to create when it is missing.
type TopicSpec struct {
	Name string
	// Partitions is the partition count, or -1 for the broker's
	// num.partitions.
	Partitions int32
	// ReplicationFactor is the replication factor, or -1 for the broker's
	// default.replication.factor.
	ReplicationFactor int16
	// Configs are topic configs such as cleanup.policy=compact; nil for
	// the broker's defaults.
	Configs map[string]string
}

// EnsureTopic creates spec's topic unless the brokers know it, then waits
// until they serve it: every partition has a leader, and there are
// spec.Partitions of them when this call created it. created says whether
// it did. A topic that exists, or that another client creates at the same
// time, is left as it is, whatever its partitions and configs; with
// CheckCompacted a caller checks what matters. It reads metadata uncached,
// so it does not wait on the client's metadata cache, and asks brokers not
// to auto-create the topic. It fails when ctx ends first, or on an error
// other than those Kafka says are worth retrying, such as a missing
// permission.
func EnsureTopic(ctx context.Context, client *kgo.Client, spec TopicSpec) (created bool, err error) {
	t, err := topicMetadata(ctx, client, spec.Name)
	if err != nil || t != nil {
		return false, err
	}
	configs := make(map[string]*string, len(spec.Configs))
	for name, v := range spec.Configs {
		configs[name] = &v
	}
	want := 1
	_, err = kadm.NewClient(client).CreateTopic(ctx, spec.Partitions, spec.ReplicationFactor, configs, spec.Name)
	switch {
	case err == nil:
		created = true
		want = max(int(spec.Partitions), 1)
	case errors.Is(err, kerr.TopicAlreadyExists):
		// Another client created it first.
	case errors.Is(err, kerr.TopicAuthorizationFailed), errors.Is(err, kerr.ClusterAuthorizationFailed):
		// Kafka Connect falls back to assuming the topic exists and fails
		// later, less clearly: say what is missing where it is known.
		return false, fmt.Errorf("creating the topic: the client's principal lacks the CREATE right on topic %q (or on the cluster); "+
			"grant it, or create the topic beforehand: %w", spec.Name, err)
	default:
		return false, fmt.Errorf("creating the topic: %w", err)
	}
	var b backoff
	for {
		t, err := topicMetadata(ctx, client, spec.Name)
		if err != nil && !retriable(err) {
			return created, err
		}
		if err == nil && t != nil && len(t.Partitions) >= want && allLeadersKnown(t) {
			return created, nil
		}
		if err := b.wait(ctx); err != nil {
			return created, fmt.Errorf("waiting for the new topic: %w", err)
		}
	}
}

func allLeadersKnown(t *kmsg.MetadataResponseTopic) bool {
	for _, p := range t.Partitions {
		if p.Leader < 0 {
			return false
		}
	}
	return true
}

// topicMetadata asks a broker about topic alone, uncached and without
// auto-creating it. It returns nil, nil when the broker does not know it.
func topicMetadata(ctx context.Context, client *kgo.Client, topic string) (*kmsg.MetadataResponseTopic, error) {
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	req.AllowAutoTopicCreation = false
	resp, err := req.RequestWith(ctx, client)
	if err != nil {
		return nil, err
	}
	for i := range resp.Topics {
		t := &resp.Topics[i]
		if t.Topic == nil || *t.Topic != topic {
			continue
		}
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			if errors.Is(err, kerr.UnknownTopicOrPartition) {
				return nil, nil
			}
			return nil, err
		}
		return t, nil
	}
	return nil, nil
}

// ErrUnverified is wrapped by CheckCompacted's error when the topic's
// cleanup.policy could not be read. Kafka Connect logs that and goes on,
// and so should callers.
var ErrUnverified = errors.New("cleanup.policy not verified")

// CheckCompacted returns nil when topic's cleanup.policy is exactly
// compact, so that Kafka keeps the latest record of every key, as Kafka
// Connect's TopicAdmin.verifyTopicCleanupPolicyOnlyCompact requires of its
// topics; a policy that also deletes (compact,delete) loses old keys and
// is an error too. When the client may not describe the topic's configs
// (TOPIC_AUTHORIZATION_FAILED or CLUSTER_AUTHORIZATION_FAILED), or the
// broker reports no cleanup.policy, the error wraps ErrUnverified: the
// policy is unknown rather than wrong.
func CheckCompacted(ctx context.Context, client *kgo.Client, topic string) error {
	rcs, err := kadm.NewClient(client).DescribeTopicConfigs(ctx, topic)
	if err == nil && len(rcs) == 1 {
		err = rcs[0].Err
	}
	if err != nil {
		if isAuthErr(err) {
			return fmt.Errorf("%w: describing the topic's configs: %w", ErrUnverified, err)
		}
		return fmt.Errorf("describing the topic's configs: %w", err)
	}
	for _, rc := range rcs {
		for _, c := range rc.Configs {
			if c.Key != "cleanup.policy" {
				continue
			}
			if !slices.Equal(cleanupPolicies(c.MaybeValue()), []string{"compact"}) {
				return fmt.Errorf("cleanup.policy is %q, but the topic must use only %q, or Kafka deletes records it must keep: "+
					"set cleanup.policy=compact on the topic, or use another topic", c.MaybeValue(), "compact")
			}
			return nil
		}
	}
	return fmt.Errorf("%w: the broker reports no cleanup.policy for the topic", ErrUnverified)
}

// cleanupPolicies splits a cleanup.policy value.
func cleanupPolicies(v string) []string {
	var out []string
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// isAuthErr reports authorization failures, which make Kafka Connect skip
// the cleanup policy check with a log line.
func isAuthErr(err error) bool {
	return errors.Is(err, kerr.TopicAuthorizationFailed) || errors.Is(err, kerr.ClusterAuthorizationFailed)
}

const maxBackoff = time.Second

// backoff waits between retries: 10ms doubling to maxBackoff.
type backoff struct{ d time.Duration }

func (b *backoff) wait(ctx context.Context) error {
	b.d = min(max(2*b.d, 10*time.Millisecond), maxBackoff)
	t := time.NewTimer(b.d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retriable reports errors worth another try after a metadata refresh.
func retriable(err error) bool {
	return kerr.IsRetriable(err) || errors.Is(err, kerr.UnknownTopicOrPartition) ||
		errors.Is(err, kerr.UnknownTopicID) || errors.Is(err, kerr.InconsistentTopicID)
}
