package herder_test

import (
	"encoding/json"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/stretchr/testify/require"
)

// Offsets are written as Kafka Connect's REST API writes them: each map in
// java.util.HashMap order, a reset as null, and no offsets as [].
func TestConnectorOffsetsJSON(t *testing.T) {
	offs := herder.ConnectorOffsets{Offsets: []herder.ConnectorOffset{
		{Partition: herder.SinkPartition("orders", 3), Offset: herder.SinkOffset(1000)},
		{Partition: connect.NewSourcePartition("table", "t1", "protocol", "1"), Offset: connect.NewOffset("pos", int64(7), "file", "binlog.2")},
		{Partition: connect.NewSourcePartition("filename", "in.txt")},
	}}
	b, err := json.Marshal(offs)
	require.NoError(t, err)
	// HashMap order: kafka_partition before kafka_topic, protocol before
	// table, file before pos, as a JVM worker answers.
	require.Equal(t, `{"offsets":[`+
		`{"partition":{"kafka_partition":3,"kafka_topic":"orders"},"offset":{"kafka_offset":1000}},`+
		`{"partition":{"protocol":"1","table":"t1"},"offset":{"file":"binlog.2","pos":7}},`+
		`{"partition":{"filename":"in.txt"},"offset":null}]}`, string(b))

	var back herder.ConnectorOffsets
	require.NoError(t, json.Unmarshal(b, &back))
	require.Len(t, back.Offsets, 3)
	for i, o := range back.Offsets {
		require.True(t, o.Partition.Equal(offs.Offsets[i].Partition), "partition %d", i)
		require.True(t, o.Offset.Equal(offs.Offsets[i].Offset), "offset %d", i)
	}
	n, ok := back.Offsets[0].Offset.Int64(herder.KafkaOffsetKey)
	require.True(t, ok)
	require.Equal(t, int64(1000), n)
	require.True(t, back.Offsets[2].Offset.IsZero())

	b, err = json.Marshal(herder.ConnectorOffsets{})
	require.NoError(t, err)
	require.JSONEq(t, `{"offsets":[]}`, string(b))
}

func TestConnectorOffsetsJSONErrors(t *testing.T) {
	for _, body := range []string{
		`{"offsets":[{"partition":{"a":[1]},"offset":null}]}`,
		`{"offsets":[{"partition":{"a":1},"offset":{"o":{"x":1}}}]}`,
		`{"offsets":[{"partition":"a","offset":null}]}`,
		`{"offsets":[{"partition":{"a":1},"offset":3}]}`,
		`{"offsets":{}}`,
	} {
		var o herder.ConnectorOffsets
		require.Error(t, json.Unmarshal([]byte(body), &o), body)
	}
	var o herder.ConnectorOffsets
	require.NoError(t, json.Unmarshal([]byte(`{"offsets":[{"offset":{"a":1.5}}]}`), &o))
	require.True(t, o.Offsets[0].Partition.IsZero(), "a missing partition reads as none")
	v, _ := o.Offsets[0].Offset.Get("a")
	require.Equal(t, 1.5, v)
}

func TestInitialState(t *testing.T) {
	for in, want := range map[herder.InitialState]herder.TargetState{
		"": herder.TargetStarted, "RUNNING": herder.TargetStarted, "paused": herder.TargetPaused, "Stopped": herder.TargetStopped,
	} {
		got, err := in.TargetState()
		require.NoError(t, err)
		require.Equal(t, want, got, in)
	}
	_, err := herder.InitialState("STARTED").TargetState()
	require.ErrorIs(t, err, herder.ErrBadRequest)

	var req herder.CreateRequest
	require.NoError(t, json.Unmarshal([]byte(`{"name":"c","config":{"a":"b"},"initial_state":"STOPPED"}`), &req))
	require.Equal(t, herder.CreateRequest{Name: "c", Config: map[string]string{"a": "b"}, InitialState: herder.InitialStopped}, req)
}

// The status types marshal to Kafka Connect's field names, a trace only
// when there is one.
func TestStatusJSON(t *testing.T) {
	st := herder.ConnectorStatus{
		Name:      "c",
		Connector: herder.StateInfo{State: herder.Running, WorkerID: "w1"},
		Tasks:     []herder.TaskState{{ID: 0, StateInfo: herder.StateInfo{State: herder.Failed, WorkerID: "w1", Trace: "boom"}}},
		Type:      "source",
	}
	b, err := json.Marshal(st)
	require.NoError(t, err)
	require.Equal(t, `{"name":"c","connector":{"state":"RUNNING","worker_id":"w1"},"tasks":[{"id":0,"state":"FAILED","worker_id":"w1","trace":"boom"}],"type":"source"}`, string(b))

	b, err = json.Marshal(herder.TaskInfo{ID: herder.TaskID{Connector: "c", Task: 1}, Config: map[string]string{"k": "v"}})
	require.NoError(t, err)
	require.Equal(t, `{"id":{"connector":"c","task":1},"config":{"k":"v"}}`, string(b))
	require.Equal(t, "c-1", herder.TaskID{Connector: "c", Task: 1}.String())
}
