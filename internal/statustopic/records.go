package statustopic

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jsonparse"
)

// The record keys of the status topic (KafkaStatusBackingStore).
const (
	ConnectorPrefix = "status-connector-"
	TaskPrefix      = "status-task-"
	TopicPrefix     = "status-topic-"
	TopicSeparator  = ":connector-"
)

// State is a connector's or task's state (AbstractStatus.State).
type State string

// The states. Destroyed is never read: writing it writes a tombstone.
const (
	Unassigned State = "UNASSIGNED"
	Running    State = "RUNNING"
	Paused     State = "PAUSED"
	Failed     State = "FAILED"
	Restarting State = "RESTARTING"
	Stopped    State = "STOPPED"
	Destroyed  State = "DESTROYED"
)

func (s State) valid() bool {
	switch s {
	case Unassigned, Running, Paused, Failed, Restarting, Stopped, Destroyed:
		return true
	}
	return false
}

// Status is a connector's or task's status as the worker running it
// reports it.
type Status struct {
	State State
	// Trace is the failure's stack trace; "" for none (written as null).
	Trace string
	// WorkerID is the reporting worker's id, its advertised host:port.
	WorkerID string
	// Generation is the group generation the worker reported in; readers
	// use it to tell stale reports from fresh ones.
	Generation int32
	// Version is the connector plugin's version (KIP-891); "" for none
	// (written as null).
	Version string
}

// TaskID names a task: its connector and its number.
type TaskID struct {
	Connector string
	Task      int
}

// String is Kafka's ConnectorTaskId.toString, "connector-task".
func (t TaskID) String() string { return t.Connector + "-" + strconv.Itoa(t.Task) }

// TopicStatus says a connector's task used a topic (KIP-558).
type TopicStatus struct {
	Topic     string
	Connector string
	Task      int32
	// Discovered is when the task first used the topic, Unix
	// milliseconds.
	Discovered int64
}

// ConnectorKey and the functions below return record keys.
func ConnectorKey(name string) string { return ConnectorPrefix + name }
func TaskKey(id TaskID) string        { return TaskPrefix + id.Connector + "-" + strconv.Itoa(id.Task) }
func TopicKey(connector, topic string) string {
	return TopicPrefix + topic + TopicSeparator + connector
}

// StatusValue is a status record's value as Kafka's JsonConverter
// (schemas.enable=false) writes STATUS_SCHEMA_V0: state, trace, worker_id,
// generation and version, absent ones null; nil (a tombstone) for
// Destroyed.
func StatusValue(s Status) []byte {
	if s.State == Destroyed {
		return nil
	}
	b := append([]byte(`{"state":`), connect.AppendJSONString(nil, string(s.State))...)
	b = append(b, `,"trace":`...)
	b = appendNullable(b, s.Trace)
	b = append(b, `,"worker_id":`...)
	b = connect.AppendJSONString(b, s.WorkerID)
	b = append(b, `,"generation":`...)
	b = strconv.AppendInt(b, int64(s.Generation), 10)
	b = append(b, `,"version":`...)
	b = appendNullable(b, s.Version)
	return append(b, '}')
}

func appendNullable(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return connect.AppendJSONString(b, s)
}

// TopicValue is a topic status record's value,
// {"topic":{"name","connector","task","discoverTimestamp"}}.
func TopicValue(t TopicStatus) []byte {
	b := append([]byte(`{"topic":{"name":`), connect.AppendJSONString(nil, t.Topic)...)
	b = append(b, `,"connector":`...)
	b = connect.AppendJSONString(b, t.Connector)
	b = append(b, `,"task":`...)
	b = strconv.AppendInt(b, int64(t.Task), 10)
	b = append(b, `,"discoverTimestamp":`...)
	b = strconv.AppendInt(b, t.Discovered, 10)
	return append(b, "}}"...)
}

// parseStatus reads a status value as KafkaStatusBackingStore does: an
// object whose state is a known state, trace, worker_id and version
// strings or null, and generation an integer (a Long, cut to an int).
func parseStatus(b []byte) (Status, error) {
	n, err := jsonparse.Parse(b)
	if err != nil {
		return Status{}, err
	}
	if n.Kind != jsonparse.Object {
		return Status{}, fmt.Errorf("the value is %s, not an object", n.Describe())
	}
	var s Status
	state, ok, err := optString(&n, "state")
	if err != nil || !ok || !State(state).valid() {
		return Status{}, fmt.Errorf("'state' is not a known state")
	}
	s.State = State(state)
	if s.Trace, _, err = optString(&n, "trace"); err != nil {
		return Status{}, err
	}
	if s.WorkerID, _, err = optString(&n, "worker_id"); err != nil {
		return Status{}, err
	}
	if s.Version, _, err = optString(&n, "version"); err != nil {
		return Status{}, err
	}
	g := n.Member("generation")
	if g == nil || g.Kind != jsonparse.Number {
		return Status{}, fmt.Errorf("'generation' should be an integer but is %s", describe(g))
	}
	gen, ok := jsonparse.PlainInt64([]byte(g.Str))
	if !ok {
		return Status{}, fmt.Errorf("'generation' should be an integer but is %s", g.Str)
	}
	s.Generation = int32(gen)
	return s, nil
}

// parseTopic reads a topic status value; its fields, not the key, name
// the topic and connector, as in Kafka.
func parseTopic(b []byte) (TopicStatus, error) {
	n, err := jsonparse.Parse(b)
	if err != nil {
		return TopicStatus{}, err
	}
	t := n.Member("topic")
	if n.Kind != jsonparse.Object || t == nil || t.Kind != jsonparse.Object {
		return TopicStatus{}, fmt.Errorf("'topic' should be an object but is %s", describe(t))
	}
	var ts TopicStatus
	if ts.Topic, _, err = optString(t, "name"); err != nil {
		return TopicStatus{}, err
	}
	if ts.Connector, _, err = optString(t, "connector"); err != nil {
		return TopicStatus{}, err
	}
	task, ok := intMember(t, "task")
	if !ok {
		return TopicStatus{}, fmt.Errorf("'task' should be an integer")
	}
	ts.Task = int32(task)
	if ts.Discovered, ok = intMember(t, "discoverTimestamp"); !ok {
		return TopicStatus{}, fmt.Errorf("'discoverTimestamp' should be an integer")
	}
	return ts, nil
}

func intMember(n *jsonparse.Node, key string) (int64, bool) {
	m := n.Member(key)
	if m == nil || m.Kind != jsonparse.Number {
		return 0, false
	}
	return jsonparse.PlainInt64([]byte(m.Str))
}

// optString reads a member that is a string or null (or missing): Kafka
// casts it to String, failing on anything else.
func optString(n *jsonparse.Node, key string) (string, bool, error) {
	m := n.Member(key)
	switch {
	case m == nil || m.Kind == jsonparse.Null:
		return "", false, nil
	case m.Kind == jsonparse.String:
		return m.Str, true, nil
	}
	return "", false, fmt.Errorf("'%s' should be a string but is %s", key, m.Describe())
}

func describe(n *jsonparse.Node) string {
	if n == nil {
		return "null"
	}
	return n.Describe()
}

// parseTaskKey splits status-task-<connector>-<n> as Kafka does: by every
// "-", trailing empty parts dropped (Java's String.split), the last part
// the number and the parts after "status-task" the connector.
func parseTaskKey(key string) (TaskID, bool) {
	parts := strings.Split(key, "-")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) < 4 {
		return TaskID{}, false
	}
	n, err := strconv.ParseInt(parts[len(parts)-1], 10, 32)
	if err != nil {
		return TaskID{}, false
	}
	return TaskID{Connector: strings.Join(parts[2:len(parts)-1], "-"), Task: int(n)}, true
}

// parseTopicKey splits status-topic-<topic>:connector-<connector> as
// Kafka does: the topic up to the first ':', the connector after the
// separator's length.
func parseTopicKey(key string) (topic, connector string, ok bool) {
	i := strings.IndexByte(key, ':')
	if i < len(TopicPrefix) {
		return "", "", false
	}
	topic = key[len(TopicPrefix):i]
	begin := i + len(TopicSeparator)
	if topic == "" || begin > len(key) {
		return "", "", false
	}
	connector = key[begin:]
	return topic, connector, connector != ""
}
