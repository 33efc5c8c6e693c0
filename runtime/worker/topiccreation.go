package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/javaregex"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Topic creation for source connectors, with Kafka Connect's keys:
//
//	topic.creation.groups=compacted
//	topic.creation.compacted.include=audit\..*,changes
//	topic.creation.compacted.exclude=audit\.tmp
//	topic.creation.compacted.partitions=3
//	topic.creation.compacted.cleanup.policy=compact
//	topic.creation.default.replication.factor=3
//	topic.creation.default.partitions=6
//
// A missing topic gets the settings of the first listed group whose include
// patterns match its whole name and whose exclude patterns do not (exclude
// wins), else of the default group, which includes every topic. A group's
// replication.factor and partitions default to the default group's; every
// other key below a group's prefix is a topic config. Kafka requires the
// default group's replication.factor and partitions once any topic.creation
// key is set; kconnect defaults both to -1, the broker's defaults, so every
// config Kafka accepts is accepted here too.
//
// As in Kafka Connect (topic.creation.enable, true by default, and
// SourceConnectorConfig.usesTopicCreation), topics are created only for a
// connector whose configuration has a topic.creation key. Without one the
// runtime sends no admin request at all: the producer asks for the topic
// and the broker creates it if its auto.create.topics.enable allows, or the
// produce fails naming the topic. With one, a topic's existence is checked
// first (DESCRIBE, which a principal allowed to write to it has), so
// creating needs CREATE only for topics that are missing.

const (
	topicCreationPrefix = "topic.creation."
	defaultTopicGroup   = "default"
)

// topicGroup is one topic creation group.
type topicGroup struct {
	name             string
	include, exclude []*regexp.Regexp
	partitions       int32
	replication      int16
	configs          map[string]*string // the other keys below the group's prefix
}

// matches reports whether the group applies to topic.
func (g *topicGroup) matches(topic string) bool {
	for _, re := range g.exclude {
		if re.MatchString(topic) {
			return false
		}
	}
	for _, re := range g.include {
		if re.MatchString(topic) {
			return true
		}
	}
	return false
}

// parseTopicCreation reads a source connector's topic creation groups from
// its raw configuration, with groups (topic.creation.groups) in order and
// the default group last, or none when no key starts with topic.creation.
// (the connector does not create topics). The error names every bad key.
func parseTopicCreation(raw map[string]string, groups []string) ([]*topicGroup, error) {
	if !usesTopicCreation(raw) {
		return nil, nil
	}
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &connect.ConfigKeyError{Key: key, Message: fmt.Sprintf("%s: %s", key, fmt.Sprintf(format, args...))})
	}
	number := func(key string, def int64, max int64) int64 {
		v, ok := raw[key]
		if !ok || strings.TrimSpace(v) == "" {
			return def
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || (n != -1 && n < 1) || n > max {
			bad(key, "must be -1 (the broker's default) or from 1 to %d, got %q", max, v)
			return def
		}
		return n
	}
	patterns := func(key string) []*regexp.Regexp {
		var out []*regexp.Regexp
		for p := range strings.SplitSeq(raw[key], ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			re, err := javaregex.CompileWhole(p)
			if err != nil {
				bad(key, "%q: %v", p, err)
				continue
			}
			out = append(out, re)
		}
		return out
	}
	group := func(name string, def *topicGroup) *topicGroup {
		prefix := topicCreationPrefix + name + "."
		// The default group's own include and exclude are read only to be
		// checked: it takes every topic no listed group takes (groupFor).
		g := &topicGroup{name: name, configs: map[string]*string{},
			include: patterns(prefix + "include"), exclude: patterns(prefix + "exclude")}
		partitions, replication := int64(-1), int64(-1)
		if def != nil {
			partitions, replication = int64(def.partitions), int64(def.replication)
		}
		g.partitions = int32(number(prefix+"partitions", partitions, 1<<31-1))
		g.replication = int16(number(prefix+"replication.factor", replication, 1<<15-1))
		for k, v := range raw {
			name, ok := strings.CutPrefix(k, prefix)
			if !ok {
				continue
			}
			switch name {
			case "include", "exclude", "partitions", "replication.factor":
			case "":
				bad(k, "a topic config name must follow the group's prefix")
			default:
				g.configs[name] = &v
			}
		}
		return g
	}
	def := group(defaultTopicGroup, nil)
	var out []*topicGroup
	seen := map[string]bool{}
	for _, name := range groups {
		switch {
		case name == defaultTopicGroup:
			continue // the default group is always last, whatever the list says
		case seen[name]:
			bad(TopicCreationGroupsConfig, "group %q is listed twice", name)
			continue
		case strings.ContainsAny(name, ". "):
			bad(TopicCreationGroupsConfig, "group name %q must not contain '.' or spaces", name)
			continue
		}
		seen[name] = true
		out = append(out, group(name, def))
	}
	out = append(out, def)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// embeddedTopicGroups returns the topic creation groups of a source connector
// without topic.creation keys on the embedded broker: every missing topic
// is created with the broker's defaults. A real broker would create it on
// first use if its auto.create.topics.enable allows; the embedded broker
// stands in for one that does, yet a durable one (embedded.Dir) must not
// create topics on first use, as it would forget them after a crash, so
// the worker creates them explicitly instead.
func embeddedTopicGroups() []*topicGroup {
	return []*topicGroup{{name: defaultTopicGroup, partitions: -1, replication: -1}}
}

// usesTopicCreation reports whether a connector configuration has a
// topic.creation key, as Kafka's SourceConnectorConfig.usesTopicCreation.
func usesTopicCreation(raw map[string]string) bool {
	for k := range raw {
		if strings.HasPrefix(k, topicCreationPrefix) {
			return true
		}
	}
	return false
}

// topicCreator makes sure, the first time a record goes to a topic, that
// the topic exists, creating it with the settings of the first topic
// creation group that matches when it is missing: Kafka Connect's
// maybeCreateTopic. Without groups it does nothing.
type topicCreator struct {
	client *kgo.Client
	groups []*topicGroup // the default group last; none: no topic creation
	log    *slog.Logger

	mu    sync.Mutex
	known map[string]*string // each topic's name, to store in last
	// last is the topic ensured last: records usually go to one topic after
	// another, and ensure runs once per record.
	last atomic.Pointer[string]
}

func (tc *topicCreator) ensure(ctx context.Context, topic string) error {
	if len(tc.groups) == 0 {
		return nil
	}
	if last := tc.last.Load(); last != nil && *last == topic {
		return nil
	}
	return tc.ensureSlow(ctx, topic)
}

// ensureSlow is ensure past its check of the last topic. It is apart so
// that taking topic's address moves it to the heap here, not in every call
// of ensure.
func (tc *topicCreator) ensureSlow(ctx context.Context, topic string) error {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if name := tc.known[topic]; name != nil {
		tc.last.Store(name)
		return nil
	}
	exists, err := tc.exists(ctx, topic)
	if err != nil {
		return err
	}
	if exists {
		tc.log.Info("topic already exists", "topic", topic)
	} else if err := tc.create(ctx, topic); err != nil {
		return err
	}
	tc.known[topic] = &topic
	tc.last.Store(&topic)
	return nil
}

// exists asks the cluster whether topic exists, as TopicAdmin.describeTopics
// does: a principal that may not describe it gets an error, not an attempt
// to create it.
func (tc *topicCreator) exists(ctx context.Context, topic string) (bool, error) {
	req := kmsg.NewPtrMetadataRequest()
	req.AllowAutoTopicCreation = false
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	// A request of its own rather than kadm's, which may answer from the
	// client's metadata cache.
	resp, err := req.RequestWith(ctx, tc.client)
	if err != nil {
		return false, fmt.Errorf("describing topic %s: %w", topic, err)
	}
	for _, t := range resp.Topics {
		if t.Topic == nil || *t.Topic != topic {
			continue
		}
		switch err := kerr.ErrorForCode(t.ErrorCode); {
		case err == nil, errors.Is(err, kerr.LeaderNotAvailable):
			return true, nil
		case errors.Is(err, kerr.UnknownTopicOrPartition):
			return false, nil
		case errors.Is(err, kerr.TopicAuthorizationFailed), errors.Is(err, kerr.ClusterAuthorizationFailed):
			return false, fmt.Errorf("not authorized to describe topic %s: %w", topic, err)
		default:
			return false, fmt.Errorf("describing topic %s: %w", topic, err)
		}
	}
	return false, fmt.Errorf("describing topic %s: not in the metadata response", topic)
}

// create creates a missing topic with its group's settings. As
// TopicAdmin.createOrFindTopics, a topic created meanwhile is found, not an
// error; as maybeCreateTopic, a topic neither created nor found (the
// principal may not create it, or the broker cannot) fails the task.
func (tc *topicCreator) create(ctx context.Context, topic string) error {
	g := tc.groupFor(topic)
	resp, err := kadm.NewClient(tc.client).CreateTopic(ctx, g.partitions, g.replication, maps.Clone(g.configs), topic)
	if err == nil {
		err = resp.Err
	}
	switch {
	case err == nil:
		tc.log.Info("created topic", "topic", topic, "group", g.name, "partitions", g.partitions, "replication.factor", g.replication)
		return nil
	case errors.Is(err, kerr.TopicAlreadyExists):
		tc.log.Info("found existing topic", "topic", topic)
		return nil
	case errors.Is(err, kerr.TopicAuthorizationFailed), errors.Is(err, kerr.ClusterAuthorizationFailed),
		errors.Is(err, kerr.UnsupportedVersion):
		// Kafka Connect logs these at debug and reports the topic as
		// neither created nor found, then warns and fails the task.
		tc.log.Debug("could not create topic", "topic", topic, "err", err)
		tc.log.Warn("request to create new topic failed", "topic", topic, "group", g.name)
		return fmt.Errorf("topic %s does not exist and could not be created (topic creation group %s); "+
			"make sure the connector may create topics or that the topic exists, then restart the task: %w", topic, g.name, err)
	default:
		return fmt.Errorf("creating topic %s (topic creation group %s): %w", topic, g.name, err)
	}
}

// groupFor returns the group whose settings a new topic gets.
func (tc *topicCreator) groupFor(topic string) *topicGroup {
	listed := tc.groups[:len(tc.groups)-1]
	if i := slices.IndexFunc(listed, func(g *topicGroup) bool { return g.matches(topic) }); i >= 0 {
		return listed[i]
	}
	return tc.groups[len(tc.groups)-1] // the default group, whatever its own patterns say, as in Kafka
}
