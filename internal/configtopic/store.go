// Package configtopic keeps a Connect cluster's configuration in its config
// topic (config.storage.topic) as Kafka Connect's KafkaConfigBackingStore
// does, so that kconnect and JVM workers read and write the same records:
// connector-<name> and task-<name>-<n> ({"properties":{...}}),
// commit-<name> ({"tasks":n}), target-state-<name>, session-key,
// restart-connector-<name>, tasks-fencing-<name> and logger-cluster-<ns>,
// keys as UTF-8 strings and values as Kafka's JsonConverter writes them
// with schemas.enable=false, as a JVM worker's internal converter does.
//
// A Store reads the topic into a Snapshot with Kafka's rules: task
// configurations take effect only when their connector's commit record
// arrives, and only when every task up to its count is there (otherwise
// the connector is inconsistent); a connector tombstone deletes the
// connector; a target state reads "state.v2" and falls back on "state".
// Records Kafka cannot use (a value that is not JSON, an unknown key, a
// field of the wrong type) are logged with their offset and key, never
// their value, and skipped; where Kafka's reading thread would die on such
// a record, the store skips it too.
//
// Two choices differ from Kafka's and are deliberate. The store reads
// read_committed always, where a JVM worker reads uncommitted unless
// exactly.once.source.support is enabled: it never applies a leader's
// aborted write, and sees a transaction's records once it commits. And
// its plain writes go through the caller's client as it is, idempotent by
// kgo's default, where Kafka turns idempotence off for old brokers (before
// 2.8 it needed the IDEMPOTENT_WRITE ACL): a retried write cannot then
// land twice or out of order.
package configtopic

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/kafkalog"
)

// TopicConfigKey is the worker setting that names the config topic, which
// errors about the topic name.
const TopicConfigKey = "config.storage.topic"

// TransactionalID is the transactional id a cluster's leader writes the
// config topic with when exactly.once.source.support is preparing or
// enabled: "connect-cluster-" and the group id, as Kafka's
// DistributedConfig.transactionalProducerId.
func TransactionalID(groupID string) string { return "connect-cluster-" + groupID }

// Options configure Open.
type Options struct {
	// Topic is the config topic (config.storage.topic); required.
	Topic string
	// ReplicationFactor is used when Open creates the topic; -1 (the
	// default when zero) is the broker's default.replication.factor.
	ReplicationFactor int16
	// TopicConfigs are further topic configs used when Open creates the
	// topic (config.storage.*); cleanup.policy is always compact.
	TopicConfigs map[string]string
	// Logger receives skipped records and topic creation; nil discards.
	Logger *slog.Logger
	// OnUpdate, when set, is called with each change read once Open has
	// returned, in topic order, by the goroutine that read it (the
	// store's own, or a caller of Refresh or a write). It may call
	// Snapshot, but not Refresh or a write, which would wait for
	// themselves.
	OnUpdate func(Update)
	// TailInterval is how long the store waits between reads of the
	// topic's end for records other workers write; 0 is 200ms.
	TailInterval time.Duration

	// TransactionalID, when set, makes the store write as a Kafka
	// Connect leader with exactly.once.source.support preparing or
	// enabled: connector, task, commit, session key, restart and
	// tasks-fencing records go through a transactional producer with
	// this id (see TransactionalID), one transaction per write, and
	// only after ClaimWritePrivileges. NewTransactionalClient makes
	// that producer from the options the store adds (the
	// transactional id, acks=all); it is required with
	// TransactionalID. Target states and logger levels are written
	// through the store's client either way, as Kafka writes them.
	TransactionalID        string
	NewTransactionalClient func(opts ...kgo.Opt) (*kgo.Client, error)
}

// Store is the config topic. Its methods are safe for concurrent use;
// writes are meant for one writer at a time, the cluster's leader (as in
// Kafka, only target states may be written by any worker).
type Store struct {
	cl       *kgo.Client
	topic    string
	log      *slog.Logger
	onUpdate func(Update)
	tail     time.Duration
	reader   *kafkalog.Reader
	txnID    string
	newTxn   func(opts ...kgo.Opt) (*kgo.Client, error)

	mu     sync.Mutex
	st     state
	pos    int64 // the reader's next offset, markers included
	open   bool  // reporting updates
	closed bool

	writeMu sync.Mutex // the transactional producer
	txn     *kgo.Client

	cancel context.CancelFunc
	done   chan struct{}
}

// ErrClosed is returned by a Store's methods after Close.
var ErrClosed = errors.New("configtopic: store closed")

// Open opens the config topic through client, which it does not own: it
// creates the topic when it is missing (one partition, compacted), checks
// that it has exactly one partition and that Kafka compacts it, reads it
// to its end, and then keeps reading what other workers write until
// Close.
//
// It fails when the topic has more than one partition (Kafka's order
// would be lost), when its cleanup.policy is not exactly compact (it
// logs and goes on when the client may not read it, as Kafka does), when
// client is transactional or does not use acks=all, and when ctx ends
// before the topic is read.
func Open(ctx context.Context, client *kgo.Client, opts Options) (*Store, error) {
	switch {
	case client == nil:
		return nil, errors.New("configtopic: nil client")
	case opts.Topic == "":
		return nil, fmt.Errorf("configtopic: %s is empty; name the config topic", TopicConfigKey)
	case opts.TransactionalID != "" && opts.NewTransactionalClient == nil:
		return nil, errors.New("configtopic: TransactionalID needs NewTransactionalClient")
	}
	if v := client.OptValues(kgo.TransactionalID); len(v) == 2 && v[1] == true {
		return nil, errors.New("configtopic: the client is transactional; give a plain client, and TransactionalID for the leader's writes")
	}
	if acks, ok := client.OptValue(kgo.RequiredAcks).(kgo.Acks); ok && acks != kgo.AllISRAcks() {
		return nil, errors.New("configtopic: the client must use acks=all (kgo.RequiredAcks(kgo.AllISRAcks())), as Kafka Connect writes its config topic")
	}
	rf := opts.ReplicationFactor
	if rf == 0 {
		rf = -1
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Store{
		cl:       client,
		topic:    opts.Topic,
		log:      log.With("topic", opts.Topic),
		onUpdate: opts.OnUpdate,
		tail:     opts.TailInterval,
		txnID:    opts.TransactionalID,
		newTxn:   opts.NewTransactionalClient,
		st:       newState(),
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
	created, err := kafkalog.EnsureTopic(ctx, client, kafkalog.TopicSpec{Name: opts.Topic, Partitions: 1, ReplicationFactor: rf, Configs: configs})
	if err != nil {
		return nil, fmt.Errorf("configtopic: config topic %q (%s): %w", opts.Topic, TopicConfigKey, err)
	}
	if created {
		s.log.Info("created the config topic", "replication_factor", rf)
	}
	if err := s.checkPartitions(ctx); err != nil {
		return nil, err
	}
	if err := kafkalog.CheckCompacted(ctx, client, opts.Topic); err != nil {
		if !errors.Is(err, kafkalog.ErrUnverified) {
			return nil, fmt.Errorf("configtopic: config topic %q (%s): %w", opts.Topic, TopicConfigKey, err)
		}
		s.log.Warn("cannot check the config topic's cleanup.policy; make sure it is compact", "error", err)
	}
	if err := s.reader.ReadToEnd(ctx); err != nil {
		return nil, fmt.Errorf("configtopic: reading config topic %q: %w", opts.Topic, err)
	}
	s.mu.Lock()
	s.open = true
	s.mu.Unlock()
	life, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	go s.tailLoop(life)
	return s, nil
}

// checkPartitions refuses a config topic of more than one partition, as
// Kafka does: records of several partitions have no order between them.
func (s *Store) checkPartitions(ctx context.Context) error {
	td, err := kadm.NewClient(s.cl).ListTopics(ctx, s.topic)
	if err == nil {
		err = td.Error()
	}
	if err != nil {
		return fmt.Errorf("configtopic: describing config topic %q: %w", s.topic, err)
	}
	if n := len(td[s.topic].Partitions); n > 1 {
		return fmt.Errorf("configtopic: topic %q supplied via the %q property is required to have a single partition "+
			"in order to guarantee consistency of connector configurations, but found %d partitions", s.topic, TopicConfigKey, n)
	}
	return nil
}

// tailLoop reads what other workers write until Close.
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
			s.log.Warn("reading the config topic failed; retrying", "error", err)
		}
		t.Reset(s.tail)
	}
}

// applyBatch applies what the reader read and reports the updates once
// the store is open, outside its lock.
func (s *Store) applyBatch(b kafkalog.Batch) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	var updates []Update
	for _, r := range b.Records {
		updates = append(updates, s.st.apply(r, s.log)...)
	}
	s.pos = b.Next
	report := s.open && s.onUpdate != nil
	s.mu.Unlock()
	if report {
		for _, u := range updates {
			s.onUpdate(u)
		}
	}
	return nil
}

// Snapshot returns the configuration read so far.
func (s *Store) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.snapshot()
}

// Refresh reads the topic to its end: every record committed before the
// call is in the next Snapshot. It fails when ctx ends first.
func (s *Store) Refresh(ctx context.Context) error {
	if err := s.reader.ReadToEnd(ctx); err != nil {
		return fmt.Errorf("configtopic: reading config topic %q: %w", s.topic, err)
	}
	return nil
}

// Close stops reading, and closes the transactional producer if there is
// one. It does not close the client given to Open.
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
	s.RelinquishWritePrivileges()
	return nil
}

// PrivilegedWriteError is returned when a transactional write fails: the
// producer is closed (another leader may have fenced it) and must be
// claimed again.
type PrivilegedWriteError struct{ Err error }

func (e *PrivilegedWriteError) Error() string {
	return "configtopic: transactional write to the config topic failed: " + e.Err.Error()
}

func (e *PrivilegedWriteError) Unwrap() error { return e.Err }

// ErrNoWritePrivileges is returned by privileged writes of a transactional
// store before ClaimWritePrivileges.
var ErrNoWritePrivileges = errors.New("configtopic: cannot write to the config topic without claiming write privileges first")

// ClaimWritePrivileges makes the transactional producer a leader writes
// with, and initializes it, which fences the producer of any earlier
// leader with the same transactional id. It does nothing without
// Options.TransactionalID, or when the producer is already claimed.
func (s *Store) ClaimWritePrivileges(ctx context.Context) error {
	if s.txnID == "" {
		return nil
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.txn != nil {
		return nil
	}
	cl, err := s.newTxn(kgo.TransactionalID(s.txnID), kgo.RequiredAcks(kgo.AllISRAcks()))
	if err != nil {
		return fmt.Errorf("configtopic: creating the transactional producer for config topic %q: %w", s.topic, err)
	}
	if _, _, err := cl.ProducerID(ctx); err != nil {
		cl.Close()
		return fmt.Errorf("configtopic: initializing the transactional producer %q for config topic %q: %w", s.txnID, s.topic, err)
	}
	s.txn = cl
	return nil
}

// RelinquishWritePrivileges closes the transactional producer, if any.
func (s *Store) RelinquishWritePrivileges() {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.txn != nil {
		s.txn.Close()
		s.txn = nil
	}
}

func (s *Store) record(key string, value []byte) *kgo.Record {
	return &kgo.Record{Topic: s.topic, Partition: 0, Key: []byte(key), Value: value}
}

// send writes records through the store's client and waits until all are
// acknowledged.
func (s *Store) send(ctx context.Context, recs ...*kgo.Record) error {
	if err := kafkalog.Produce(ctx, s.cl, recs...); err != nil {
		return fmt.Errorf("configtopic: writing to config topic %q: %w", s.topic, err)
	}
	return nil
}

// lastOffset is the highest offset of records a write produced.
func lastOffset(recs []*kgo.Record) int64 {
	last := int64(-1)
	for _, r := range recs {
		last = max(last, r.Offset)
	}
	return last
}

// readPast reads the topic until it has read the record at offset. A
// transaction's records become readable only once its markers are written,
// which the broker does after ending the transaction, so one read to the
// end may stop short of them; Kafka's readToEnd has that race, and a
// write here returns only once the store has read it back.
func (s *Store) readPast(ctx context.Context, offset int64) error {
	wait := 5 * time.Millisecond
	for {
		if err := s.Refresh(ctx); err != nil {
			return err
		}
		s.mu.Lock()
		pos := s.pos
		s.mu.Unlock()
		if pos > offset {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("configtopic: reading config topic %q back to offset %d: %w", s.topic, offset, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// sendPrivileged writes records as the leader: through the transactional
// producer, in one transaction, when the store has one. The records hold
// their offsets once it returns.
func (s *Store) sendPrivileged(ctx context.Context, recs ...*kgo.Record) error {
	if s.txnID == "" {
		return s.send(ctx, recs...)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.txn == nil {
		return ErrNoWritePrivileges
	}
	err := s.txn.BeginTransaction()
	if err == nil {
		err = kafkalog.Produce(ctx, s.txn, recs...)
		commit := kgo.TryCommit
		if err != nil {
			commit = kgo.TryAbort
		}
		if endErr := s.txn.EndTransaction(ctx, commit); err == nil {
			err = endErr
		}
	}
	if err != nil {
		s.txn.Close()
		s.txn = nil
		return &PrivilegedWriteError{Err: err}
	}
	return nil
}

// PutConnectorConfig writes a connector's configuration, and its target
// state first when state is not empty, then reads the topic until it has
// read them back (so do the other writes that say they read the topic).
// Without a target state record, a new connector is STARTED.
func (s *Store) PutConnectorConfig(ctx context.Context, name string, config map[string]string, state TargetState) error {
	var recs []*kgo.Record
	if state != "" {
		if !state.valid() {
			return fmt.Errorf("configtopic: connector %q: unknown target state %q", name, state)
		}
		recs = append(recs, s.record(TargetStateKey(name), TargetStateValue(state)))
	}
	recs = append(recs, s.record(ConnectorKey(name), ConfigValue(config)))
	if err := s.sendPrivileged(ctx, recs...); err != nil {
		return fmt.Errorf("connector %q: %w", name, err)
	}
	return s.readPast(ctx, lastOffset(recs))
}

// RemoveConnectorConfig deletes a connector: tombstones for its
// configuration and its target state, then reads the topic to its end.
func (s *Store) RemoveConnectorConfig(ctx context.Context, name string) error {
	recs := []*kgo.Record{s.record(ConnectorKey(name), nil), s.record(TargetStateKey(name), nil)}
	if err := s.sendPrivileged(ctx, recs...); err != nil {
		return fmt.Errorf("connector %q: %w", name, err)
	}
	return s.readPast(ctx, lastOffset(recs))
}

// PutTaskConfigs writes a connector's task configurations and then the
// commit record that applies them, reading the topic to its end before,
// between and after, as Kafka does, so that a reader never applies half a
// set. With a transactional store the tasks and the commit are two
// transactions, as in Kafka.
func (s *Store) PutTaskConfigs(ctx context.Context, name string, configs []map[string]string) error {
	if err := s.Refresh(ctx); err != nil {
		return err
	}
	recs := make([]*kgo.Record, len(configs))
	for i, c := range configs {
		recs[i] = s.record(TaskKey(TaskID{Connector: name, Task: i}), ConfigValue(c))
	}
	if len(recs) > 0 {
		if err := s.sendPrivileged(ctx, recs...); err != nil {
			return fmt.Errorf("connector %q: task configurations: %w", name, err)
		}
		if err := s.readPast(ctx, lastOffset(recs)); err != nil {
			return err
		}
	}
	commit := s.record(CommitKey(name), CommitValue(len(configs)))
	if err := s.sendPrivileged(ctx, commit); err != nil {
		return fmt.Errorf("connector %q: task commit: %w", name, err)
	}
	return s.readPast(ctx, commit.Offset)
}

// PutTargetState writes a connector's target state and waits for its
// acknowledgement, not for reading it back, as Kafka does. Any worker may
// write it, so it never goes through the transactional producer.
func (s *Store) PutTargetState(ctx context.Context, name string, state TargetState) error {
	if !state.valid() {
		return fmt.Errorf("configtopic: connector %q: unknown target state %q", name, state)
	}
	if err := s.send(ctx, s.record(TargetStateKey(name), TargetStateValue(state))); err != nil {
		return fmt.Errorf("connector %q: %w", name, err)
	}
	return nil
}

// PutSessionKey writes the session key and reads the topic to its end.
func (s *Store) PutSessionKey(ctx context.Context, k SessionKey) error {
	rec := s.record(SessionKeyKey, SessionKeyValue(k))
	if err := s.sendPrivileged(ctx, rec); err != nil {
		return fmt.Errorf("session key: %w", err)
	}
	return s.readPast(ctx, rec.Offset)
}

// PutRestartRequest writes a restart request and reads the topic to its
// end.
func (s *Store) PutRestartRequest(ctx context.Context, r RestartRequest) error {
	rec := s.record(RestartKey(r.Connector), RestartValue(r))
	if err := s.sendPrivileged(ctx, rec); err != nil {
		return fmt.Errorf("connector %q: restart request: %w", r.Connector, err)
	}
	return s.readPast(ctx, rec.Offset)
}

// PutTaskCountRecord writes the task count whose producers were fenced
// (exactly-once source) and reads the topic to its end.
func (s *Store) PutTaskCountRecord(ctx context.Context, name string, tasks int) error {
	rec := s.record(TaskCountKey(name), TaskCountValue(tasks))
	if err := s.sendPrivileged(ctx, rec); err != nil {
		return fmt.Errorf("connector %q: task count record: %w", name, err)
	}
	return s.readPast(ctx, rec.Offset)
}

// PutLoggerLevel writes a cluster-wide logger level and waits for its
// acknowledgement.
func (s *Store) PutLoggerLevel(ctx context.Context, namespace, level string) error {
	if err := s.send(ctx, s.record(LoggerKey(namespace), LoggerValue(level))); err != nil {
		return fmt.Errorf("logger %q: %w", namespace, err)
	}
	return nil
}
