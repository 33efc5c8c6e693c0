package configtopic

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/jvmgolden"
	"github.com/kconnect-go/kconnect/internal/syncbuf"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

func ptr[T any](v T) *T { return &v }

func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func open(t *testing.T, cl *kgo.Client, opts Options) *Store {
	t.Helper()
	s, err := Open(bounded(t), cl, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// updates collects what a store reports.
type updates struct {
	mu  sync.Mutex
	got []Update
}

func (u *updates) add(up Update) { u.mu.Lock(); u.got = append(u.got, up); u.mu.Unlock() }
func (u *updates) list() []Update {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]Update(nil), u.got...)
}

// TestReadsJVMWorkerTopic writes the records a JVM 4.4 worker wrote into
// a topic, as they were (transactions included), and opens the store on
// it.
func TestReadsJVMWorkerTopic(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "configs")
	testkafka.CreateTopic(t, brokers, topic, 1, map[string]*string{"cleanup.policy": ptr("compact")})
	txn := testkafka.Client(t, brokers, kgo.TransactionalID(testkafka.Group(t, "leader")))
	ctx := bounded(t)
	// The JVM leader wrote in transactions, each followed by its marker,
	// and target states and logger levels as plain writes.
	plain := testkafka.Client(t, brokers)
	for _, r := range jvmgolden.DistributedTopic(t, "config") {
		rec := &kgo.Record{Topic: topic, Key: r.Key, Value: r.Value}
		k := string(r.Key)
		if strings.HasPrefix(k, TargetStatePrefix) || strings.HasPrefix(k, LoggerPrefix) {
			require.NoError(t, plain.ProduceSync(ctx, rec).FirstErr())
			continue
		}
		require.NoError(t, txn.BeginTransaction())
		require.NoError(t, txn.ProduceSync(ctx, rec).FirstErr())
		require.NoError(t, txn.EndTransaction(ctx, kgo.TryCommit))
	}
	s := open(t, testkafka.Client(t, brokers), Options{Topic: topic})
	snap := s.Snapshot()
	// Offsets differ from the JVM's where the transactions differ; the
	// rest is the JVM worker's configuration.
	snap.Offset = 43
	checkJVMSnapshot(t, snap)
}

// TestWriteAndRead writes every kind of record through one store and
// checks that it and a second store on the same topic (which reads what
// the first writes while open) see them, and what they report.
func TestWriteAndRead(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "configs")
	testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	ctx := bounded(t)
	var ups1, ups2 updates
	s1 := open(t, testkafka.Client(t, brokers), Options{Topic: topic, ReplicationFactor: 1, OnUpdate: ups1.add})
	s2 := open(t, testkafka.Client(t, brokers), Options{Topic: topic, OnUpdate: ups2.add, TailInterval: 20 * time.Millisecond})
	require.EqualValues(t, -1, s1.Snapshot().Offset)

	require.NoError(t, s1.PutConnectorConfig(ctx, "c", map[string]string{"connector.class": "X", "tasks.max": "2"}, Stopped))
	snap := s1.Snapshot()
	require.Equal(t, Stopped, snap.TargetStates["c"])
	require.Equal(t, "X", snap.ConnectorConfigs["c"]["connector.class"])
	require.NoError(t, s1.PutTaskConfigs(ctx, "c", []map[string]string{{"t": "0"}, {"t": "1"}}))
	snap = s1.Snapshot()
	require.Equal(t, []TaskID{{"c", 0}, {"c", 1}}, snap.Tasks("c"))
	require.Equal(t, map[string]string{"t": "1"}, snap.TaskConfigs[TaskID{"c", 1}])
	require.True(t, snap.PendingFencing["c"])
	require.NoError(t, s1.PutTaskCountRecord(ctx, "c", 2))
	require.NoError(t, s1.PutTargetState(ctx, "c", Started))
	key := SessionKey{Key: []byte("0123456789abcdef0123456789abcdef"), Algorithm: "HmacSHA256", Created: 1700000000000}
	require.NoError(t, s1.PutSessionKey(ctx, key))
	require.NoError(t, s1.PutRestartRequest(ctx, RestartRequest{Connector: "c", IncludeTasks: true}))
	require.NoError(t, s1.PutLoggerLevel(ctx, "org.example", "DEBUG"))
	require.NoError(t, s1.Refresh(ctx))
	snap = s1.Snapshot()
	require.Equal(t, Started, snap.TargetStates["c"])
	require.Equal(t, &key, snap.SessionKey)
	require.Equal(t, map[string]int{"c": 2}, snap.TaskCountRecords)
	require.Empty(t, snap.PendingFencing)

	require.Eventually(t, func() bool { return s2.Snapshot().Offset == snap.Offset }, 30*time.Second, 10*time.Millisecond)
	require.Equal(t, snap, s2.Snapshot())

	want := []Update{
		{Kind: ConnectorConfigUpdated, Connector: "c"},
		{Kind: TaskConfigsUpdated, Connector: "c", Tasks: []TaskID{{"c", 0}, {"c", 1}}},
		{Kind: TargetStateChanged, Connector: "c"},
		{Kind: SessionKeyUpdated, SessionKey: key},
		{Kind: RestartRequested, Connector: "c", Restart: RestartRequest{Connector: "c", IncludeTasks: true}},
		{Kind: LoggerLevelChanged, Namespace: "org.example", Level: "DEBUG"},
	}
	require.Equal(t, want, ups1.list())
	require.Equal(t, want, ups2.list())

	require.NoError(t, s1.RemoveConnectorConfig(ctx, "c"))
	snap = s1.Snapshot()
	require.False(t, snap.Contains("c"))
	require.NotContains(t, snap.TargetStates, "c")
	require.Empty(t, snap.TaskConfigs)

	// A store opened later reads everything, and reports nothing it read
	// while opening (as Kafka's listener hears only what comes after).
	var ups3 updates
	s3 := open(t, testkafka.Client(t, brokers), Options{Topic: topic, OnUpdate: ups3.add})
	require.Equal(t, snap, s3.Snapshot())
	require.Empty(t, ups3.list())
}

// TestRefusesTopics checks the config topic Kafka refuses: more than one
// partition, or not compacted; and clients that would not write as Kafka
// does.
func TestRefusesTopics(t *testing.T) {
	brokers := testkafka.Brokers(t)
	ctx := bounded(t)

	multi := testkafka.Topic(t, "configs-multi")
	testkafka.CreateTopic(t, brokers, multi, 3, map[string]*string{"cleanup.policy": ptr("compact")})
	_, err := Open(ctx, testkafka.Client(t, brokers), Options{Topic: multi})
	require.ErrorContains(t, err, `topic "`+multi+`" supplied via the "config.storage.topic" property is required to have a single partition`)
	require.ErrorContains(t, err, "found 3 partitions")

	deleting := testkafka.Topic(t, "configs-delete")
	testkafka.CreateTopic(t, brokers, deleting, 1, map[string]*string{"cleanup.policy": ptr("delete")})
	_, err = Open(ctx, testkafka.Client(t, brokers), Options{Topic: deleting})
	require.ErrorContains(t, err, deleting)
	require.ErrorContains(t, err, "cleanup.policy")

	_, err = Open(ctx, testkafka.Client(t, brokers), Options{})
	require.ErrorContains(t, err, "config.storage.topic is empty")
	_, err = Open(ctx, testkafka.Client(t, brokers, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite()), Options{Topic: deleting})
	require.ErrorContains(t, err, "acks=all")
	_, err = Open(ctx, testkafka.Client(t, brokers, kgo.TransactionalID("x")), Options{Topic: deleting})
	require.ErrorContains(t, err, "transactional")
}

// TestSkipsCorruptRecords opens a store on a topic holding records Kafka
// cannot use among good ones.
func TestSkipsCorruptRecords(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "configs")
	testkafka.CreateTopic(t, brokers, topic, 1, map[string]*string{"cleanup.policy": ptr("compact")})
	cl := testkafka.Client(t, brokers)
	ctx := bounded(t)
	for _, kv := range [][2]string{
		{"connector-a", `{"properties":{"secret":"s3cr3t"}}`},
		{"connector-b", `not json, and s3cr3t`},
		{"who-knows", `{}`},
		{"commit-a", `{"tasks":0}`},
	} {
		require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte(kv[0]), Value: []byte(kv[1])}).FirstErr())
	}
	var buf syncbuf.Buffer
	s := open(t, cl, Options{Topic: topic, Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	snap := s.Snapshot()
	require.Equal(t, []string{"a"}, snap.Connectors())
	require.Equal(t, 0, snap.TaskCounts["a"])
	require.EqualValues(t, 4, snap.Offset)
	require.Contains(t, buf.String(), "offset=1 key=connector-b")
	require.Contains(t, buf.String(), "offset=2 key=who-knows")
	require.Contains(t, buf.String(), "topic="+topic)
	require.NotContains(t, buf.String(), "s3cr3t")
}

// TestTransactionalLeader checks the leader's writes with exactly-once
// source support: none before claiming, writes in transactions after,
// and a leader fenced by a newer one with the same transactional id
// fails and must claim again; target states need no claim.
func TestTransactionalLeader(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "configs")
	testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	ctx := bounded(t)
	txnID := TransactionalID(testkafka.Group(t, "cluster"))
	newTxn := func(opts ...kgo.Opt) (*kgo.Client, error) {
		return kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)...)
	}
	opts := Options{Topic: topic, TransactionalID: txnID, NewTransactionalClient: newTxn}
	s1 := open(t, testkafka.Client(t, brokers), opts)
	require.ErrorIs(t, s1.PutConnectorConfig(ctx, "c", map[string]string{"a": "b"}, ""), ErrNoWritePrivileges)
	require.NoError(t, s1.PutTargetState(ctx, "c", Paused), "any worker writes target states")
	require.NoError(t, s1.ClaimWritePrivileges(ctx))
	require.NoError(t, s1.PutConnectorConfig(ctx, "c", map[string]string{"a": "b"}, ""))
	require.NoError(t, s1.PutTaskConfigs(ctx, "c", []map[string]string{{"t": "0"}}))
	snap := s1.Snapshot()
	require.Equal(t, []TaskID{{"c", 0}}, snap.Tasks("c"))
	require.Equal(t, Paused, snap.TargetStates["c"])

	// A new leader claims the same transactional id: the old one is
	// fenced, and its next write fails.
	s2 := open(t, testkafka.Client(t, brokers), opts)
	require.NoError(t, s2.ClaimWritePrivileges(ctx))
	err := s1.PutConnectorConfig(ctx, "c", map[string]string{"a": "stale"}, "")
	var pw *PrivilegedWriteError
	require.True(t, errors.As(err, &pw), "got %v", err)
	require.ErrorIs(t, s1.PutConnectorConfig(ctx, "c", map[string]string{"a": "stale"}, ""), ErrNoWritePrivileges, "a failed producer is dropped")
	require.NoError(t, s2.PutConnectorConfig(ctx, "c", map[string]string{"a": "new"}, ""))
	require.NoError(t, s1.Refresh(ctx))
	require.Equal(t, "new", s1.Snapshot().ConnectorConfigs["c"]["a"])
}
