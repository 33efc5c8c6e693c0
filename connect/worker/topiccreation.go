package worker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kconnect-go/kconnect/transform"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
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
// the default group last. The error names every bad key.
func parseTopicCreation(raw map[string]string, groups []string) ([]*topicGroup, error) {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
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
			re, err := transform.CompileJavaRegex(p)
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

// topicCreator creates source topics the first time a record goes to them,
// with the settings of the first topic creation group that matches, when
// they are missing.
type topicCreator struct {
	admin  *kadm.Client
	groups []*topicGroup // the default group last

	mu    sync.Mutex
	known map[string]*string // each topic's name, to store in last
	// last is the topic ensured last: records usually go to one topic after
	// another, and ensure runs once per record.
	last atomic.Pointer[string]
}

func (tc *topicCreator) ensure(ctx context.Context, topic string) error {
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
	g := tc.groupFor(topic)
	resp, err := tc.admin.CreateTopic(ctx, g.partitions, g.replication, maps.Clone(g.configs), topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("topic creation group %s: %w", g.name, err)
	}
	tc.known[topic] = &topic
	tc.last.Store(&topic)
	return nil
}

// groupFor returns the group whose settings a new topic gets.
func (tc *topicCreator) groupFor(topic string) *topicGroup {
	listed := tc.groups[:len(tc.groups)-1]
	if i := slices.IndexFunc(listed, func(g *topicGroup) bool { return g.matches(topic) }); i >= 0 {
		return listed[i]
	}
	return tc.groups[len(tc.groups)-1] // the default group, whatever its own patterns say, as in Kafka
}
