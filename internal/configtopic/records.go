package configtopic

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jsonparse"
)

// The record keys of the config topic (KafkaConfigBackingStore), each
// followed by a connector name but SessionKeyKey.
const (
	TargetStatePrefix = "target-state-"
	ConnectorPrefix   = "connector-"
	TaskPrefix        = "task-"
	CommitPrefix      = "commit-"
	RestartPrefix     = "restart-connector-"
	TaskCountPrefix   = "tasks-fencing-"
	SessionKeyKey     = "session-key"
	LoggerPrefix      = "logger-cluster-"
)

// TargetState is the state a connector is asked to be in.
type TargetState string

// The target states, as Kafka's TargetState names them.
const (
	Started TargetState = "STARTED"
	Paused  TargetState = "PAUSED"
	Stopped TargetState = "STOPPED"
)

func (s TargetState) valid() bool { return s == Started || s == Paused || s == Stopped }

// TaskID names a task: its connector and its number.
type TaskID struct {
	Connector string
	Task      int
}

// String is Kafka's ConnectorTaskId.toString, "connector-task".
func (t TaskID) String() string { return t.Connector + "-" + strconv.Itoa(t.Task) }

// SessionKey is the key the leader distributes to sign internal REST
// requests (KIP-507). Its String hides the key.
type SessionKey struct {
	Key       []byte
	Algorithm string // a javax.crypto Mac algorithm, such as HmacSHA256
	Created   int64  // creation time, Unix milliseconds
}

// String names the algorithm and creation time, never the key.
func (k SessionKey) String() string {
	return fmt.Sprintf("SessionKey{algorithm=%s, created=%d, key=[hidden]}", k.Algorithm, k.Created)
}

// RestartRequest asks for a connector, and maybe its tasks, to be
// restarted (KIP-745).
type RestartRequest struct {
	Connector    string
	OnlyFailed   bool
	IncludeTasks bool
}

// ConnectorKey and the functions below return a record key.
func ConnectorKey(name string) string   { return ConnectorPrefix + name }
func TargetStateKey(name string) string { return TargetStatePrefix + name }
func TaskKey(id TaskID) string          { return TaskPrefix + id.Connector + "-" + strconv.Itoa(id.Task) }
func CommitKey(name string) string      { return CommitPrefix + name }
func RestartKey(name string) string     { return RestartPrefix + name }
func TaskCountKey(name string) string   { return TaskCountPrefix + name }
func LoggerKey(namespace string) string { return LoggerPrefix + namespace }

// The values are what Kafka's JsonConverter (schemas.enable=false, the
// worker's internal converter) writes for the store's Connect structs:
// compact JSON objects with the struct's fields in schema order.

// ConfigValue is a connector or task configuration record's value,
// {"properties":{...}} (CONNECTOR_CONFIGURATION_V0). The properties are
// written in the iteration order of a java.util.HashMap holding them.
func ConfigValue(props map[string]string) []byte {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys) // keys sharing a HashMap bucket, by name
	connect.JavaHashMapOrder(keys)
	b := append(make([]byte, 0, 64+32*len(keys)), `{"properties":{`...)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = connect.AppendJSONString(b, k)
		b = append(b, ':')
		b = connect.AppendJSONString(b, props[k])
	}
	return append(b, "}}"...)
}

// CommitValue is a task commit record's value, {"tasks":n}.
func CommitValue(tasks int) []byte {
	b := strconv.AppendInt([]byte(`{"tasks":`), int64(int32(tasks)), 10) // an INT32, as Kafka's
	return append(b, '}')
}

// TargetStateValue is a target state record's value (TARGET_STATE_V1):
// "state" for workers that know no STOPPED (which they read as PAUSED),
// "state.v2" the state itself.
func TargetStateValue(s TargetState) []byte {
	v1 := s
	if s == Stopped {
		v1 = Paused
	}
	b := append([]byte(`{"state":`), connect.AppendJSONString(nil, string(v1))...)
	b = append(b, `,"state.v2":`...)
	b = connect.AppendJSONString(b, string(s))
	return append(b, '}')
}

// TaskCountValue is a task count record's value, {"task-count":n}.
func TaskCountValue(n int) []byte {
	b := strconv.AppendInt([]byte(`{"task-count":`), int64(int32(n)), 10)
	return append(b, '}')
}

// SessionKeyValue is a session key record's value: the key in standard
// base64, its algorithm and its creation time.
func SessionKeyValue(k SessionKey) []byte {
	b := append([]byte(`{"key":`), connect.AppendJSONString(nil, base64.StdEncoding.EncodeToString(k.Key))...)
	b = append(b, `,"algorithm":`...)
	b = connect.AppendJSONString(b, k.Algorithm)
	b = append(b, `,"creation-timestamp":`...)
	b = strconv.AppendInt(b, k.Created, 10)
	return append(b, '}')
}

// RestartValue is a restart request record's value.
func RestartValue(r RestartRequest) []byte {
	return fmt.Appendf(nil, `{"include-tasks":%t,"only-failed":%t}`, r.IncludeTasks, r.OnlyFailed)
}

// LoggerValue is a cluster-wide logger level record's value (KIP-976).
func LoggerValue(level string) []byte {
	b := append([]byte(`{"level":`), connect.AppendJSONString(nil, level)...)
	return append(b, '}')
}

// parseTaskKey splits task-<connector>-<n> as Kafka does: by every "-",
// trailing empty parts dropped (Java's String.split), the last part the
// number and the parts between the prefix and it the connector.
func parseTaskKey(key string, skip int) (TaskID, bool) {
	parts := strings.Split(key, "-")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) < skip+2 {
		return TaskID{}, false
	}
	n, err := strconv.ParseInt(parts[len(parts)-1], 10, 32)
	if err != nil {
		return TaskID{}, false
	}
	return TaskID{Connector: strings.Join(parts[skip:len(parts)-1], "-"), Task: int(n)}, true
}

// value is a record value as Kafka's JsonConverter reads it without
// schemas: nil for a tombstone or JSON null, else the parsed document.
type value struct {
	null bool
	n    jsonparse.Node
}

// parseValue parses a record value; a value that is not JSON is an error,
// which makes the record corrupt.
func parseValue(b []byte) (value, error) {
	if b == nil {
		return value{null: true}, nil
	}
	n, err := jsonparse.Parse(b)
	if err != nil {
		return value{}, err
	}
	if n.Kind == jsonparse.Null {
		return value{null: true}, nil
	}
	return value{n: n}, nil
}

// member returns an object member, nil when v is not an object or has no
// such member (or it is null).
func (v value) member(key string) *jsonparse.Node {
	if v.null || v.n.Kind != jsonparse.Object {
		return nil
	}
	m := v.n.Member(key)
	if m == nil || m.Kind == jsonparse.Null {
		return nil
	}
	return m
}

func (v value) isObject() bool { return !v.null && v.n.Kind == jsonparse.Object }

// describe names what a value or member is, for log lines.
func describe(n *jsonparse.Node) string {
	if n == nil {
		return "null"
	}
	return n.Describe()
}

// stringMember returns a string member.
func (v value) stringMember(key string) (string, bool) {
	m := v.member(key)
	if m == nil || m.Kind != jsonparse.String {
		return "", false
	}
	return m.Str, true
}

// longMember returns an integral number member as JsonConverter reads it,
// a Long: integral JSON numbers only, within int64.
func (v value) longMember(key string) (int64, bool) {
	m := v.member(key)
	if m == nil || m.Kind != jsonparse.Number {
		return 0, false
	}
	n, ok := jsonparse.PlainInt64([]byte(m.Str))
	return n, ok
}

// properties reads a {"properties":{...}} value's map. Kafka keeps the
// map as JsonConverter read it; a property whose value is null is left
// out here, and one that is not a string makes the record invalid.
func (v value) properties() (map[string]string, string) {
	m := v.member("properties")
	if m == nil || m.Kind != jsonparse.Object {
		return nil, "'properties' field should be a Map but is " + describe(m)
	}
	props := make(map[string]string, len(m.Keys))
	for i, k := range m.Keys {
		switch kid := &m.Kids[i]; kid.Kind {
		case jsonparse.String:
			props[k] = kid.Str
		case jsonparse.Null:
			delete(props, k)
		default:
			return nil, fmt.Sprintf("property %q should be a string but is %s", k, kid.Describe())
		}
	}
	return props, ""
}
