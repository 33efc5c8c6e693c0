package worker

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/kconnect-go/kconnect/source"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Messages of Kafka Connect's offsets calls (KIP-875).
const (
	alteredByFramework = "The Connect framework-managed offsets for this connector have been altered successfully. " +
		"However, if this connector manages offsets externally, they will need to be manually altered in the system that the connector uses."
	resetByFramework = "The Connect framework-managed offsets for this connector have been reset successfully. " +
		"However, if this connector manages offsets externally, they will need to be manually reset in the system that the connector uses."
	alteredByConnector = "The offsets for this connector have been altered successfully"
	resetByConnector   = "The offsets for this connector have been reset successfully"
)

func offsetsJSON(t *testing.T, o herder.ConnectorOffsets) string {
	t.Helper()
	b, err := json.Marshal(o)
	require.NoError(t, err)
	return string(b)
}

// counterOffsets is the alteration of a counterSource connector's offset to n.
func counterOffsets(connector string, n int64) herder.ConnectorOffsets {
	return herder.ConnectorOffsets{Offsets: []herder.ConnectorOffset{
		{Partition: connect.NewSourcePartition("counter", connector), Offset: connect.Int64Offset("n", n)},
	}}
}

// A source connector's offsets are read from its offset store, and altered
// or reset there only while it is STOPPED; its tasks then resume from them.
func TestHerderSourceOffsets(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "offsets")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	store := offset.NewMemory()
	w := newTestWorker(t, brokers, store, (&counterSource{}).plugin())
	defer w.Close()
	var h herder.Herder = w
	ctx := context.Background()

	_, _, err := h.PutConnectorConfig(ctx, "src", counterConfig(topic, "limit", "20", "value.converter", "StringConverter"), herder.PutOptions{})
	require.NoError(t, err)
	require.Len(t, consumeValues(t, brokers, topic, 20), 20)
	waitOffset(t, store, "src", 19)
	offs, err := h.ConnectorOffsets(ctx, "src")
	require.NoError(t, err)
	require.Equal(t, `{"offsets":[{"partition":{"counter":"src"},"offset":{"n":19}}]}`, offsetsJSON(t, offs))

	// Only a STOPPED connector's offsets change: not a running or paused one's.
	for _, pause := range []bool{false, true} {
		if pause {
			require.NoError(t, h.PauseConnector(ctx, "src"))
		}
		_, err = h.AlterConnectorOffsets(ctx, "src", counterOffsets("src", 9))
		require.ErrorIs(t, err, herder.ErrBadRequest)
		require.EqualError(t, err, "Connectors must be in the STOPPED state before their offsets can be modified. "+
			"This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/src/stop' endpoint")
		_, err = h.ResetConnectorOffsets(ctx, "src")
		require.ErrorIs(t, err, herder.ErrBadRequest)
	}
	offs, _ = h.ConnectorOffsets(ctx, "src")
	require.Equal(t, `{"offsets":[{"partition":{"counter":"src"},"offset":{"n":19}}]}`, offsetsJSON(t, offs), "refused: nothing written")

	require.NoError(t, h.StopConnector(ctx, "src"))
	_, err = h.AlterConnectorOffsets(ctx, "src", herder.ConnectorOffsets{})
	require.ErrorIs(t, err, herder.ErrBadRequest)
	_, err = h.AlterConnectorOffsets(ctx, "nope", counterOffsets("nope", 1))
	require.ErrorIs(t, err, herder.ErrNotFound)

	msg, err := h.AlterConnectorOffsets(ctx, "src", counterOffsets("src", 9))
	require.NoError(t, err)
	require.Equal(t, herder.Message{Message: alteredByFramework}, msg)
	offs, _ = h.ConnectorOffsets(ctx, "src")
	require.Equal(t, `{"offsets":[{"partition":{"counter":"src"},"offset":{"n":9}}]}`, offsetsJSON(t, offs))

	// Resumed, the task starts after the altered offset.
	require.NoError(t, h.ResumeConnector(ctx, "src"))
	values := consumeValues(t, brokers, topic, 30)
	require.Equal(t, "record-10", values[20])
	require.Equal(t, "record-19", values[29])
	waitOffset(t, store, "src", 19)

	require.NoError(t, h.StopConnector(ctx, "src"))
	msg, err = h.ResetConnectorOffsets(ctx, "src")
	require.NoError(t, err)
	require.Equal(t, herder.Message{Message: resetByFramework}, msg)
	offs, _ = h.ConnectorOffsets(ctx, "src")
	require.Equal(t, `{"offsets":[]}`, offsetsJSON(t, offs))
	entries, err := store.List(ctx, "src")
	require.NoError(t, err)
	require.Empty(t, entries)
	msg, err = h.ResetConnectorOffsets(ctx, "src")
	require.NoError(t, err, "resetting nothing")
	require.Equal(t, resetByFramework, msg.Message)

	// Reset, the task starts from the beginning.
	require.NoError(t, h.ResumeConnector(ctx, "src"))
	values = consumeValues(t, brokers, topic, 50)
	require.Equal(t, "record-0", values[30])
}

// A source connector's offset may be altered with a null (or absent)
// partition, as Kafka Connect's Worker accepts it: it is written under the
// key ["<connector>",null], and, as in Kafka Connect, listing the
// connector's offsets, and so resetting them, leaves it out.
func TestHerderSourceOffsetsNullPartition(t *testing.T) {
	brokers := testkafka.Brokers(t)
	own := testkafka.Topic(t, "null-partition")
	testkafka.DeleteTopicAtCleanup(t, brokers, own)
	global := offset.NewMemory()
	w := newTestWorker(t, brokers, global, (&counterSource{}).plugin())
	defer w.Close()
	var h herder.Herder = w
	ctx := context.Background()
	for name, cfg := range map[string]map[string]string{
		"worker-store": counterConfig("t"),
		"own-topic":    counterConfig("t", "offsets.storage.topic", own),
	} {
		_, _, err := h.PutConnectorConfig(ctx, name, cfg, herder.PutOptions{InitialState: herder.TargetStopped})
		require.NoError(t, err)
		var body herder.ConnectorOffsets
		require.NoError(t, json.Unmarshal([]byte(`{"offsets":[`+
			`{"partition":{"counter":"`+name+`"},"offset":{"n":3}},`+
			`{"partition":null,"offset":{"n":5}},`+
			`{"offset":{"n":6}}]}`), &body))
		msg, err := h.AlterConnectorOffsets(ctx, name, body)
		require.NoError(t, err, name)
		require.Equal(t, alteredByFramework, msg.Message)

		got, err := global.Get(ctx, name, []connect.SourcePartition{{}})
		require.NoError(t, err)
		require.Equal(t, `{"n":6}`, got[connect.SourcePartition{}].String(), "%s: the last offset given for the null partition", name)
		offs, err := h.ConnectorOffsets(ctx, name)
		require.NoError(t, err)
		require.Equal(t, `{"offsets":[{"partition":{"counter":"`+name+`"},"offset":{"n":3}}]}`, offsetsJSON(t, offs), name)

		_, err = h.ResetConnectorOffsets(ctx, name)
		require.NoError(t, err)
		offs, _ = h.ConnectorOffsets(ctx, name)
		require.Empty(t, offs.Offsets)
		got, _ = global.Get(ctx, name, []connect.SourcePartition{{}})
		require.Len(t, got, 1, "%s: a reset leaves the null partition, which Kafka Connect's does not list", name)
	}
	require.Equal(t, int64(-1), committedOffset(t, brokers, own, "own-topic"))
	got, err := eosOpenStore(t, brokers, own).Get(ctx, "own-topic", []connect.SourcePartition{{}})
	require.NoError(t, err)
	require.Equal(t, `{"n":6}`, got[connect.SourcePartition{}].String(), `the key ["own-topic",null] in the connector's own topic`)
}

// alteringSource is a source connector that keeps offsets elsewhere too
// (source.OffsetAlterer): it records the changes it is told of and refuses
// them while refuse is set.
type alteringSource struct {
	mu      sync.Mutex
	calls   [][]source.OffsetChange
	configs []map[string]string
	refuse  error
}

func (a *alteringSource) plugin() source.Plugin {
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.AlteringSource", Kind: connect.SourcePlugin},
		New: func() source.Connector {
			return alteringConnector{Connector: source.SimpleConnector(func() source.Task { return &counterTask{cs: &counterSource{}} }), a: a}
		},
	}
}

type alteringConnector struct {
	source.Connector
	a *alteringSource
}

func (c alteringConnector) AlterOffsets(_ context.Context, config map[string]string, changes []source.OffsetChange) (bool, error) {
	c.a.mu.Lock()
	defer c.a.mu.Unlock()
	c.a.calls = append(c.a.calls, changes)
	c.a.configs = append(c.a.configs, config)
	return true, c.a.refuse
}

// A source connector that implements source.OffsetAlterer is asked first:
// its refusal writes nothing, and its acceptance is Kafka Connect's other
// message. A reset tells it of every partition with a zero offset.
func TestHerderSourceOffsetsAlterer(t *testing.T) {
	store := offset.NewMemory()
	a := &alteringSource{}
	w := newTestWorker(t, testkafka.Brokers(t), store, a.plugin())
	defer w.Close()
	var h herder.Herder = w
	ctx := context.Background()
	cfg := map[string]string{"connector.class": "test.AlteringSource", "topic": "t"}
	_, _, err := h.PutConnectorConfig(ctx, "alt", cfg, herder.PutOptions{InitialState: herder.TargetStopped})
	require.NoError(t, err)
	p1, p2 := connect.NewSourcePartition("table", "a"), connect.NewSourcePartition("table", "b")
	require.NoError(t, store.Put(ctx, "alt", []offset.Entry{{Partition: p1, Offset: connect.Int64Offset("id", 5)}}))

	a.refuse = errors.New("no such table b")
	alter := herder.ConnectorOffsets{Offsets: []herder.ConnectorOffset{
		{Partition: p1}, // reset
		{Partition: p2, Offset: connect.Int64Offset("id", 7)},
	}}
	_, err = h.AlterConnectorOffsets(ctx, "alt", alter)
	require.ErrorIs(t, err, a.refuse)
	require.EqualError(t, err, "worker: connector alt refused the offsets: no such table b")
	for _, sentinel := range []error{herder.ErrBadRequest, herder.ErrInvalidConfig, herder.ErrNotFound, herder.ErrConnectorFailed} {
		require.NotErrorIs(t, err, sentinel, "the connector's failure is a 500, as Kafka Connect's ConnectException")
	}
	_, err = h.ResetConnectorOffsets(ctx, "alt")
	require.ErrorIs(t, err, a.refuse)
	require.NotErrorIs(t, err, herder.ErrBadRequest)
	offs, err := h.ConnectorOffsets(ctx, "alt")
	require.NoError(t, err)
	require.Equal(t, `{"offsets":[{"partition":{"table":"a"},"offset":{"id":5}}]}`, offsetsJSON(t, offs), "refused: nothing written")

	a.refuse = nil
	a.mu.Lock()
	a.calls = a.calls[:1] // the refused reset's call
	a.mu.Unlock()
	msg, err := h.AlterConnectorOffsets(ctx, "alt", alter)
	require.NoError(t, err)
	require.Equal(t, alteredByConnector, msg.Message)
	offs, _ = h.ConnectorOffsets(ctx, "alt")
	require.Equal(t, `{"offsets":[{"partition":{"table":"b"},"offset":{"id":7}}]}`, offsetsJSON(t, offs))

	msg, err = h.ResetConnectorOffsets(ctx, "alt")
	require.NoError(t, err)
	require.Equal(t, resetByConnector, msg.Message)
	offs, _ = h.ConnectorOffsets(ctx, "alt")
	require.Empty(t, offs.Offsets)

	a.mu.Lock()
	defer a.mu.Unlock()
	require.Len(t, a.calls, 3)
	for _, call := range a.calls[:2] {
		require.Len(t, call, 2)
		require.True(t, call[0].Partition.Equal(p1))
		require.True(t, call[0].Offset.IsZero())
		require.True(t, call[1].Partition.Equal(p2))
		require.Equal(t, `{"id":7}`, call[1].Offset.String())
	}
	require.Len(t, a.calls[2], 1, "the reset: every partition")
	require.True(t, a.calls[2][0].Partition.Equal(p2))
	require.True(t, a.calls[2][0].Offset.IsZero())
	require.Equal(t, "alt", a.configs[0]["name"], "the connector's configuration")
}

// A source connector with its own offsets topic reads its offsets there
// first and from the worker's store for other partitions; alterations go
// to both, resets are tombstones in both.
func TestHerderSourceOffsetsOwnTopic(t *testing.T) {
	brokers := testkafka.Brokers(t)
	own := testkafka.Topic(t, "own-offsets")
	testkafka.DeleteTopicAtCleanup(t, brokers, own)
	global := offset.NewMemory()
	w := newTestWorker(t, brokers, global, (&counterSource{}).plugin())
	defer w.Close()
	var h herder.Herder = w
	ctx := context.Background()
	_, _, err := h.PutConnectorConfig(ctx, "own", counterConfig("t", "offsets.storage.topic", own), herder.PutOptions{InitialState: herder.TargetStopped})
	require.NoError(t, err)
	old := connect.NewSourcePartition("counter", "old")
	require.NoError(t, global.Put(ctx, "own", []offset.Entry{{Partition: old, Offset: connect.Int64Offset("n", 1)}}))

	_, err = h.AlterConnectorOffsets(ctx, "own", counterOffsets("own", 9))
	require.NoError(t, err)
	require.Equal(t, int64(9), committedOffset(t, brokers, own, "own"))
	offs, err := h.ConnectorOffsets(ctx, "own")
	require.NoError(t, err)
	require.Equal(t, `{"offsets":[{"partition":{"counter":"old"},"offset":{"n":1}},{"partition":{"counter":"own"},"offset":{"n":9}}]}`, offsetsJSON(t, offs))
	entries, err := global.List(ctx, "own")
	require.NoError(t, err)
	require.Len(t, entries, 2, "the alteration is copied to the worker's store")

	_, err = h.ResetConnectorOffsets(ctx, "own")
	require.NoError(t, err)
	require.Equal(t, int64(-1), committedOffset(t, brokers, own, "own"))
	entries, err = global.List(ctx, "own")
	require.NoError(t, err)
	require.Empty(t, entries)
	offs, _ = h.ConnectorOffsets(ctx, "own")
	require.Empty(t, offs.Offsets)
}

// A sink connector's offsets are its consumer group's: altered (committed,
// or deleted for a null offset) and reset (the group deleted) only while it
// is STOPPED, and its tasks then consume from them.
func TestHerderSinkOffsets(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "sink-offsets")
	testkafka.CreateTopic(t, brokers, topic, 3, nil)
	produceStrings(t, brokers, topic, 30)
	c := newCollector(30)
	w := newTestWorker(t, brokers, offset.NewMemory(), c.plugin())
	defer w.Close()
	var h herder.Herder = w
	ctx := context.Background()
	name := testkafka.Group(t, "snk")
	group := GroupID(name)
	cfg := map[string]string{"connector.class": "test.CollectorSink", "topics": topic,
		"key.converter": "StringConverter", "value.converter": "StringConverter"}
	_, _, err := h.PutConnectorConfig(ctx, name, cfg, herder.PutOptions{})
	require.NoError(t, err)
	waitOrFail(t, c.done)

	adm := kadm.NewClient(testkafka.Client(t, brokers))
	committed := func() map[int32]int64 {
		resp, err := adm.FetchOffsets(ctx, group)
		out := map[int32]int64{}
		if errors.Is(err, kerr.GroupIDNotFound) {
			return out
		}
		require.NoError(t, err)
		resp.Each(func(o kadm.OffsetResponse) {
			if o.Topic == topic && o.At >= 0 {
				out[o.Partition] = o.At
			}
		})
		return out
	}
	var all map[int32]int64
	require.Eventually(t, func() bool {
		all = committed()
		return len(all) == 3 && all[0]+all[1]+all[2] == 30
	}, 30*time.Second, 10*time.Millisecond)
	offs, err := h.ConnectorOffsets(ctx, name)
	require.NoError(t, err)
	require.Len(t, offs.Offsets, 3)
	for i, o := range offs.Offsets {
		require.Equal(t, herder.SinkPartition(topic, int32(i)).String(), o.Partition.String())
		require.Equal(t, herder.SinkOffset(all[int32(i)]).String(), o.Offset.String())
	}

	alter := herder.ConnectorOffsets{Offsets: []herder.ConnectorOffset{
		{Partition: herder.SinkPartition(topic, 0), Offset: herder.SinkOffset(1)},
		{Partition: herder.SinkPartition(topic, 1)}, // reset
	}}
	_, err = h.AlterConnectorOffsets(ctx, name, alter)
	require.ErrorIs(t, err, herder.ErrBadRequest, "RUNNING")
	_, err = h.ResetConnectorOffsets(ctx, name)
	require.ErrorIs(t, err, herder.ErrBadRequest, "RUNNING")
	require.Equal(t, all, committed(), "refused: the group's offsets are unchanged")

	require.NoError(t, h.StopConnector(ctx, name))
	for _, bad := range []herder.ConnectorOffset{
		{Partition: connect.NewSourcePartition(herder.KafkaTopicKey, topic), Offset: herder.SinkOffset(1)},
		{Partition: connect.NewSourcePartition(herder.KafkaTopicKey, topic, herder.KafkaPartitionKey, "x"), Offset: herder.SinkOffset(1)},
		{Partition: herder.SinkPartition(topic, 2), Offset: connect.Int64Offset("offset", 1)},
		{Partition: herder.SinkPartition(topic, 2), Offset: connect.StringOffset(herder.KafkaOffsetKey, "ten")},
		{Partition: herder.SinkPartition(topic, 2), Offset: herder.SinkOffset(-1)},
	} {
		_, err = h.AlterConnectorOffsets(ctx, name, herder.ConnectorOffsets{Offsets: append(slices.Clone(alter.Offsets), bad)})
		require.ErrorIs(t, err, herder.ErrBadRequest, "%s: %s", bad.Partition, bad.Offset)
	}
	require.Equal(t, all, committed(), "one bad offset: nothing changed")

	// Partitions and offsets may be given as strings, as Kafka Connect
	// accepts them.
	alter.Offsets = append(alter.Offsets, herder.ConnectorOffset{
		Partition: connect.NewSourcePartition(herder.KafkaTopicKey, topic, herder.KafkaPartitionKey, "2"),
		Offset:    connect.StringOffset(herder.KafkaOffsetKey, "4"),
	})
	msg, err := h.AlterConnectorOffsets(ctx, name, alter)
	require.NoError(t, err)
	require.Equal(t, alteredByFramework, msg.Message)
	require.Equal(t, map[int32]int64{0: 1, 2: 4}, committed())
	offs, _ = h.ConnectorOffsets(ctx, name)
	require.Equal(t, `{"offsets":[`+
		`{"partition":{"kafka_partition":0,"kafka_topic":"`+topic+`"},"offset":{"kafka_offset":1}},`+
		`{"partition":{"kafka_partition":2,"kafka_topic":"`+topic+`"},"offset":{"kafka_offset":4}}]}`, offsetsJSON(t, offs))

	msg, err = h.ResetConnectorOffsets(ctx, name)
	require.NoError(t, err)
	require.Equal(t, resetByFramework, msg.Message)
	require.Empty(t, committed())
	offs, _ = h.ConnectorOffsets(ctx, name)
	require.Empty(t, offs.Offsets)
	_, err = h.ResetConnectorOffsets(ctx, name)
	require.NoError(t, err, "resetting a group that is gone")

	// Reset, the sink reads its topic from the start again.
	require.NoError(t, h.ResumeConnector(ctx, name))
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.records) >= 60
	}, 30*time.Second, 10*time.Millisecond)
}

// alteringSinkConnector is a sink connector that implements
// sink.OffsetAlterer: it records the changes it is told of and refuses
// them while refuse is set.
type alteringSinkConnector struct {
	sink.Connector
	a *alteringSink
}

type alteringSink struct {
	mu     sync.Mutex
	calls  [][]sink.OffsetChange
	refuse error
}

func (c alteringSinkConnector) AlterOffsets(_ context.Context, _ map[string]string, changes []sink.OffsetChange) (bool, error) {
	c.a.mu.Lock()
	defer c.a.mu.Unlock()
	c.a.calls = append(c.a.calls, changes)
	return true, c.a.refuse
}

// A sink connector that implements sink.OffsetAlterer is asked before its
// consumer group's offsets change, as Kafka's SinkConnector.alterOffsets
// is: its refusal changes nothing (a 500), its acceptance is Kafka
// Connect's message for offsets the connector handled; a reset tells it
// of every partition the group has an offset for.
func TestHerderSinkOffsetsAlterer(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "sink-alterer")
	testkafka.CreateTopic(t, brokers, topic, 2, nil)
	a := &alteringSink{refuse: errors.New("not now")}
	collector := newCollector(0).plugin()
	p := sink.Plugin{PluginInfo: connect.PluginInfo{Class: "test.AlteringSink", Kind: connect.SinkPlugin},
		New: func() sink.Connector { return alteringSinkConnector{Connector: collector.New(), a: a} }}
	w := newTestWorker(t, brokers, offset.NewMemory(), p)
	defer w.Close()
	var h herder.Herder = w
	ctx := context.Background()
	name := testkafka.Group(t, "alt")
	_, _, err := h.PutConnectorConfig(ctx, name, map[string]string{"connector.class": "test.AlteringSink", "topics": topic},
		herder.PutOptions{InitialState: herder.TargetStopped})
	require.NoError(t, err)

	alter := herder.ConnectorOffsets{Offsets: []herder.ConnectorOffset{
		{Partition: herder.SinkPartition(topic, 0), Offset: herder.SinkOffset(3)},
		{Partition: herder.SinkPartition(topic, 1)}, // reset
	}}
	_, err = h.AlterConnectorOffsets(ctx, name, alter)
	require.EqualError(t, err, "worker: connector "+name+" refused the offsets: not now")
	require.NotErrorIs(t, err, herder.ErrBadRequest)
	offs, err := h.ConnectorOffsets(ctx, name)
	require.NoError(t, err)
	require.Empty(t, offs.Offsets, "refused: nothing committed")

	a.mu.Lock()
	a.refuse = nil
	a.mu.Unlock()
	msg, err := h.AlterConnectorOffsets(ctx, name, alter)
	require.NoError(t, err)
	require.Equal(t, alteredByConnector, msg.Message)
	msg, err = h.ResetConnectorOffsets(ctx, name)
	require.NoError(t, err)
	require.Equal(t, resetByConnector, msg.Message)

	a.mu.Lock()
	defer a.mu.Unlock()
	tp0, tp1 := sink.TopicPartition{Topic: topic, Partition: 0}, sink.TopicPartition{Topic: topic, Partition: 1}
	require.Equal(t, [][]sink.OffsetChange{
		{{TopicPartition: tp0, Offset: 3}, {TopicPartition: tp1, Reset: true}},
		{{TopicPartition: tp0, Offset: 3}, {TopicPartition: tp1, Reset: true}},
		{{TopicPartition: tp0, Reset: true}}, // the reset: what the group has
	}, a.calls)
}
