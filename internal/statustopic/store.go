// Package statustopic keeps the statuses of a Connect cluster's connectors
// and tasks in its status topic (status.storage.topic) as Kafka Connect's
// KafkaStatusBackingStore does, so that kconnect and JVM workers read each
// other's reports: status-connector-<name> and status-task-<name>-<n>
// ({"state","trace","worker_id","generation","version"}), and the active
// topics of KIP-558, status-topic-<topic>:connector-<name>.
//
// Reports carry the group generation they were made in, and Kafka's rules
// keep a stale one from hiding a fresh one: a safe write (PutSafe) is not
// sent when the status read last is another worker's of a newer
// generation, and a task's UNASSIGNED is ignored on reading when the task
// was read RUNNING in the same or a newer generation. A status of
// Destroyed is written as a tombstone, which removes the connector (and
// its tasks) or the task.
//
// A put waits for the broker's acknowledgement, and kgo retries what is
// worth retrying; Kafka sends without waiting and resends a retriable
// failure itself unless the status went stale meanwhile. A caller that
// must not wait puts from a goroutine of its own.
package statustopic

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/kafkalog"
)

// TopicConfigKey is the worker setting that names the status topic.
const TopicConfigKey = "status.storage.topic"

// DefaultPartitions is the partition count of a status topic Open
// creates, as Kafka's status.storage.partitions default.
const DefaultPartitions = 5

// Options configure Open.
type Options struct {
	// Topic is the status topic (status.storage.topic); required.
	Topic string
	// Partitions and ReplicationFactor are used when Open creates the
	// topic: 0 is DefaultPartitions, and -1 (the default when zero) the
	// broker's default.replication.factor.
	Partitions        int32
	ReplicationFactor int16
	// TopicConfigs are further topic configs used when Open creates the
	// topic (status.storage.*); cleanup.policy is always compact.
	TopicConfigs map[string]string
	// Logger receives skipped records; nil discards.
	Logger *slog.Logger
	// TailInterval is how long the store waits between reads of the
	// topic's end for other workers' reports; 0 is 200ms.
	TailInterval time.Duration
}

// entry is what the store knows of one connector or task: the status
// read last.
type entry struct {
	status *Status
}

// canWriteSafely is Kafka's CacheEntry.canWriteSafely: nothing read yet,
// or read from the same worker, or from a generation no newer than s's.
func (e *entry) canWriteSafely(s Status) bool {
	return e.status == nil || e.status.WorkerID == s.WorkerID || e.status.Generation <= s.Generation
}

// Store is the status topic. Its methods are safe for concurrent use.
type Store struct {
	cl     *kgo.Client
	topic  string
	log    *slog.Logger
	tail   time.Duration
	reader *kafkalog.Reader

	mu         sync.Mutex
	connectors map[string]*entry
	tasks      map[string]map[int]*entry
	topics     map[string]map[string]TopicStatus // connector → topic
	closed     bool

	cancel context.CancelFunc
	done   chan struct{}
}

// ErrClosed is returned by a Store's methods after Close.
var ErrClosed = errors.New("statustopic: store closed")

// Open opens the status topic through client, which it does not own: it
// creates the topic when it is missing (compacted), checks that Kafka
// compacts it (logging and going on when the client may not read the
// policy, as Kafka does), reads it to its end and keeps reading other
// workers' reports until Close. It fails when client does not use
// acks=all or is transactional, and when ctx ends first.
func Open(ctx context.Context, client *kgo.Client, opts Options) (*Store, error) {
	switch {
	case client == nil:
		return nil, errors.New("statustopic: nil client")
	case opts.Topic == "":
		return nil, fmt.Errorf("statustopic: %s is empty; name the status topic", TopicConfigKey)
	}
	if v := client.OptValues(kgo.TransactionalID); len(v) == 2 && v[1] == true {
		return nil, errors.New("statustopic: the client is transactional; give a plain client")
	}
	if acks, ok := client.OptValue(kgo.RequiredAcks).(kgo.Acks); ok && acks != kgo.AllISRAcks() {
		return nil, errors.New("statustopic: the client must use acks=all (kgo.RequiredAcks(kgo.AllISRAcks()))")
	}
	parts, rf := opts.Partitions, opts.ReplicationFactor
	if parts == 0 {
		parts = DefaultPartitions
	}
	if rf == 0 {
		rf = -1
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Store{
		cl:         client,
		topic:      opts.Topic,
		log:        log.With("topic", opts.Topic),
		tail:       opts.TailInterval,
		connectors: map[string]*entry{},
		tasks:      map[string]map[int]*entry{},
		topics:     map[string]map[string]TopicStatus{},
	}
	if s.tail <= 0 {
		s.tail = 200 * time.Millisecond
	}
	s.reader = kafkalog.NewReader(client, opts.Topic, nil, s.applyBatch)
	configs := maps.Clone(opts.TopicConfigs)
	if configs == nil {
		configs = map[string]string{}
	}
	configs["cleanup.policy"] = "compact"
	created, err := kafkalog.EnsureTopic(ctx, client, kafkalog.TopicSpec{Name: opts.Topic, Partitions: parts, ReplicationFactor: rf, Configs: configs})
	if err != nil {
		return nil, fmt.Errorf("statustopic: status topic %q (%s): %w", opts.Topic, TopicConfigKey, err)
	}
	if created {
		s.log.Info("created the status topic", "partitions", parts, "replication_factor", rf)
	}
	if err := kafkalog.CheckCompacted(ctx, client, opts.Topic); err != nil {
		if !errors.Is(err, kafkalog.ErrUnverified) {
			return nil, fmt.Errorf("statustopic: status topic %q (%s): %w", opts.Topic, TopicConfigKey, err)
		}
		s.log.Warn("cannot check the status topic's cleanup.policy; make sure it is compact", "error", err)
	}
	if err := s.reader.ReadToEnd(ctx); err != nil {
		return nil, fmt.Errorf("statustopic: reading status topic %q: %w", opts.Topic, err)
	}
	life, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	go s.tailLoop(life)
	return s, nil
}

func (s *Store) tailLoop(ctx context.Context) {
	defer close(s.done)
	t := time.NewTimer(s.tail)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.reader.ReadToEnd(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("reading the status topic failed; retrying", "error", err)
		}
		t.Reset(s.tail)
	}
}

// Refresh reads the topic to its end.
func (s *Store) Refresh(ctx context.Context) error {
	if err := s.reader.ReadToEnd(ctx); err != nil {
		return fmt.Errorf("statustopic: reading status topic %q: %w", s.topic, err)
	}
	return nil
}

// Close stops reading. It does not close the client given to Open.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	<-s.done
	return nil
}

func (s *Store) applyBatch(b kafkalog.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	for _, r := range b.Records {
		s.applyLocked(r)
	}
	return nil
}

// applyLocked applies one record as KafkaStatusBackingStore.read; records
// it cannot use are logged by partition, offset and key and skipped.
func (s *Store) applyLocked(r *kgo.Record) {
	key := string(r.Key)
	bad := func(what string, err error) {
		args := []any{"partition", r.Partition, "offset", r.Offset, "key", key}
		if err != nil {
			args = append(args, "error", err)
		}
		s.log.Warn("skipping a status record: "+what, args...)
	}
	switch {
	case r.Key == nil:
		bad("it has no key", nil)
	case strings.HasPrefix(key, ConnectorPrefix):
		name := key[len(ConnectorPrefix):]
		if name == "" {
			bad("the key names no connector", nil)
			return
		}
		if r.Value == nil {
			delete(s.connectors, name)
			delete(s.tasks, name)
			return
		}
		st, err := parseStatus(r.Value)
		if err != nil {
			bad("invalid connector status", err)
			return
		}
		s.connectorEntry(name).status = &st
	case strings.HasPrefix(key, TaskPrefix):
		id, ok := parseTaskKey(key)
		if !ok {
			bad("the key is not status-task-<connector>-<number>", nil)
			return
		}
		if r.Value == nil {
			if row := s.tasks[id.Connector]; row != nil {
				delete(row, id.Task)
				if len(row) == 0 {
					delete(s.tasks, id.Connector)
				}
			}
			return
		}
		st, err := parseStatus(r.Value)
		if err != nil {
			bad("invalid task status", err)
			return
		}
		e := s.taskEntry(id)
		// A worker that had not read a newer RUNNING may report the
		// task UNASSIGNED late; the RUNNING stands.
		if st.State == Unassigned && e.status != nil && e.status.State == Running && e.status.Generation >= st.Generation {
			return
		}
		e.status = &st
	case strings.HasPrefix(key, TopicPrefix):
		topic, connector, ok := parseTopicKey(key)
		if !ok {
			bad("the key is not status-topic-<topic>:connector-<connector>", nil)
			return
		}
		if r.Value == nil {
			delete(s.topics[connector], topic)
			return
		}
		ts, err := parseTopic(r.Value)
		if err != nil {
			bad("invalid topic status", err)
			return
		}
		if s.topics[connector] == nil {
			s.topics[connector] = map[string]TopicStatus{}
		}
		s.topics[connector][topic] = ts
	default:
		bad("unknown key", nil)
	}
}

func (s *Store) connectorEntry(name string) *entry {
	e := s.connectors[name]
	if e == nil {
		e = &entry{}
		s.connectors[name] = e
	}
	return e
}

func (s *Store) taskEntry(id TaskID) *entry {
	row := s.tasks[id.Connector]
	if row == nil {
		row = map[int]*entry{}
		s.tasks[id.Connector] = row
	}
	e := row[id.Task]
	if e == nil {
		e = &entry{}
		row[id.Task] = e
	}
	return e
}

// PutConnector writes a connector's status and waits for its
// acknowledgement; Destroyed writes a tombstone. What the store reports
// changes once it reads the record back.
func (s *Store) PutConnector(ctx context.Context, name string, st Status) error {
	_, err := s.put(ctx, ConnectorKey(name), st, false, func() *entry { return s.connectorEntry(name) })
	if err != nil {
		return fmt.Errorf("connector %q: %w", name, err)
	}
	return nil
}

// PutConnectorSafe writes a connector's status unless the status read last
// is another worker's from a newer generation, which it must not hide;
// written says whether it wrote.
func (s *Store) PutConnectorSafe(ctx context.Context, name string, st Status) (written bool, err error) {
	written, err = s.put(ctx, ConnectorKey(name), st, true, func() *entry { return s.connectorEntry(name) })
	if err != nil {
		return false, fmt.Errorf("connector %q: %w", name, err)
	}
	return written, nil
}

// PutTask writes a task's status and waits for its acknowledgement.
func (s *Store) PutTask(ctx context.Context, id TaskID, st Status) error {
	_, err := s.put(ctx, TaskKey(id), st, false, func() *entry { return s.taskEntry(id) })
	if err != nil {
		return fmt.Errorf("task %s: %w", id, err)
	}
	return nil
}

// PutTaskSafe writes a task's status as PutConnectorSafe does.
func (s *Store) PutTaskSafe(ctx context.Context, id TaskID, st Status) (written bool, err error) {
	written, err = s.put(ctx, TaskKey(id), st, true, func() *entry { return s.taskEntry(id) })
	if err != nil {
		return false, fmt.Errorf("task %s: %w", id, err)
	}
	return written, nil
}

func (s *Store) put(ctx context.Context, key string, st Status, safe bool, e func() *entry) (bool, error) {
	if !st.State.valid() {
		return false, fmt.Errorf("statustopic: unknown state %q", st.State)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false, ErrClosed
	}
	ent := e()
	if safe && !ent.canWriteSafely(st) {
		s.mu.Unlock()
		return false, nil
	}
	s.mu.Unlock()
	if err := kafkalog.Produce(ctx, s.cl, &kgo.Record{Topic: s.topic, Key: []byte(key), Value: StatusValue(st)}); err != nil {
		return false, fmt.Errorf("statustopic: writing to status topic %q: %w", s.topic, err)
	}
	return true, nil
}

// PutTopic records that a connector's task used a topic.
func (s *Store) PutTopic(ctx context.Context, ts TopicStatus) error {
	rec := &kgo.Record{Topic: s.topic, Key: []byte(TopicKey(ts.Connector, ts.Topic)), Value: TopicValue(ts)}
	if err := kafkalog.Produce(ctx, s.cl, rec); err != nil {
		return fmt.Errorf("statustopic: connector %q, topic %q: writing to status topic %q: %w", ts.Connector, ts.Topic, s.topic, err)
	}
	return nil
}

// DeleteTopic forgets that a connector used a topic (a tombstone), as
// resetting a connector's active topics does.
func (s *Store) DeleteTopic(ctx context.Context, connector, topic string) error {
	rec := &kgo.Record{Topic: s.topic, Key: []byte(TopicKey(connector, topic))}
	if err := kafkalog.Produce(ctx, s.cl, rec); err != nil {
		return fmt.Errorf("statustopic: connector %q, topic %q: writing to status topic %q: %w", connector, topic, s.topic, err)
	}
	return nil
}

// Connector returns a connector's status as read last.
func (s *Store) Connector(name string) (Status, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.connectors[name]; e != nil && e.status != nil {
		return *e.status, true
	}
	return Status{}, false
}

// Task returns a task's status as read last.
func (s *Store) Task(id TaskID) (Status, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.tasks[id.Connector][id.Task]; e != nil && e.status != nil {
		return *e.status, true
	}
	return Status{}, false
}

// Tasks returns the statuses read for a connector's tasks, by task
// number.
func (s *Store) Tasks(connector string) map[int]Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int]Status{}
	for n, e := range s.tasks[connector] {
		if e.status != nil {
			out[n] = *e.status
		}
	}
	return out
}

// Connectors returns the connectors with a status entry, sorted.
func (s *Store) Connectors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.connectors))
}

// Topics returns the topics a connector is recorded to have used.
func (s *Store) Topics(connector string) map[string]TopicStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.topics[connector])
}
