package herder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
)

// State is the state of a connector or task, as Kafka Connect names it.
type State string

// The states of connectors and tasks.
const (
	Unassigned State = "UNASSIGNED"
	Running    State = "RUNNING"
	Paused     State = "PAUSED"
	Stopped    State = "STOPPED" // connectors only
	Failed     State = "FAILED"
	Restarting State = "RESTARTING"
)

// TargetState is the state a connector is asked to be in.
type TargetState string

// The target states.
const (
	// TargetStarted runs the connector and its tasks.
	TargetStarted TargetState = "STARTED"
	// TargetPaused runs the connector but not its tasks, whose
	// configurations are kept.
	TargetPaused TargetState = "PAUSED"
	// TargetStopped runs neither; the connector's configuration is kept
	// and its offsets may be altered.
	TargetStopped TargetState = "STOPPED"
)

// StateInfo is the state of one connector or task, shaped as Kafka Connect's
// REST API reports it.
type StateInfo struct {
	State    State  `json:"state"`
	WorkerID string `json:"worker_id"`
	// Trace is the error that failed the connector or task, FAILED only,
	// with the connector's passwords shown as "[hidden]".
	Trace string `json:"trace,omitempty"`
	// Version is the connector plugin's version (KIP-891), omitted when
	// it has none.
	Version string `json:"version,omitempty"`
}

// TaskState is the state of one task (GET
// /connectors/{name}/tasks/{task}/status).
type TaskState struct {
	ID int `json:"id"`
	StateInfo
}

// ConnectorStatus is a connector's state and its tasks' states, shaped as
// Kafka Connect's GET /connectors/{name}/status.
type ConnectorStatus struct {
	Name      string      `json:"name"`
	Connector StateInfo   `json:"connector"`
	Tasks     []TaskState `json:"tasks"`
	Type      string      `json:"type"` // "source" or "sink"
}

// TaskID names a task: its connector and its number.
type TaskID struct {
	Connector string `json:"connector"`
	Task      int    `json:"task"`
}

// String returns "connector-task", as Kafka Connect prints task ids.
func (id TaskID) String() string { return fmt.Sprintf("%s-%d", id.Connector, id.Task) }

// ConnectorInfo is a connector's configuration, tasks and type, shaped as
// Kafka Connect's GET /connectors/{name} (and the answer to creating or
// updating one).
type ConnectorInfo struct {
	Name   string            `json:"name"`
	Config map[string]string `json:"config"`
	Tasks  []TaskID          `json:"tasks"` // never nil
	Type   string            `json:"type"`  // "source", "sink" or "unknown"
	// ConfigOrder is the order of Config's keys in JSON: the order in
	// which the configuration was given, as Kafka Connect echoes it (see
	// PutOptions.KeyOrder). Keys of Config it does not list follow,
	// sorted; nil sorts them all.
	ConfigOrder []string `json:"-"`
}

// MarshalJSON writes the connector's info as Kafka Connect does, its
// configuration's keys in ConfigOrder.
func (i ConnectorInfo) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	b.WriteString(`{"name":`)
	if err := enc.Encode(i.Name); err != nil {
		return nil, err
	}
	b.WriteString(`,"config":`)
	if i.Config == nil {
		b.WriteString("null")
	} else if err := i.writeConfig(&b); err != nil {
		return nil, err
	}
	b.WriteString(`,"tasks":`)
	if err := enc.Encode(i.Tasks); err != nil {
		return nil, err
	}
	b.WriteString(`,"type":`)
	if err := enc.Encode(i.Type); err != nil {
		return nil, err
	}
	b.WriteByte('}')
	// The encoder ends each value with a newline, which JSON allows
	// between tokens; the caller's encoder compacts it away.
	return b.Bytes(), nil
}

// writeConfig writes Config as a JSON object, its keys in ConfigOrder.
func (i ConnectorInfo) writeConfig(b *bytes.Buffer) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	b.WriteByte('{')
	for n, k := range OrderedKeys(i.Config, i.ConfigOrder) {
		if n > 0 {
			b.WriteByte(',')
		}
		if err := enc.Encode(k); err != nil {
			return err
		}
		b.WriteByte(':')
		if err := enc.Encode(i.Config[k]); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

// OrderedKeys returns config's keys in order: those order lists (once
// each), then the others sorted.
func OrderedKeys(config map[string]string, order []string) []string {
	out := make([]string, 0, len(config))
	seen := make(map[string]bool, len(config))
	for _, k := range order {
		if _, ok := config[k]; ok && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	rest := make([]string, 0, len(config)-len(out))
	for k := range config {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// TaskInfo is one task's configuration, an element of Kafka Connect's
// GET /connectors/{name}/tasks.
type TaskInfo struct {
	ID     TaskID            `json:"id"`
	Config map[string]string `json:"config"`
}

// MarshalJSON writes the task's configuration in a Java HashMap's order,
// as Kafka Connect writes the task configurations connectors generate.
func (t TaskInfo) MarshalJSON() ([]byte, error) {
	keys := make([]string, 0, len(t.Config))
	for k := range t.Config {
		keys = append(keys, k)
	}
	// Sorted first, so keys sharing a bucket keep one order.
	slices.Sort(keys)
	connect.JavaHashMapOrder(keys)
	id, err := json.Marshal(t.ID)
	if err != nil {
		return nil, err
	}
	info := ConnectorInfo{Config: t.Config, ConfigOrder: keys}
	var b bytes.Buffer
	b.WriteString(`{"id":`)
	b.Write(id)
	b.WriteString(`,"config":`)
	if t.Config == nil {
		b.WriteString("null")
	} else if err := info.writeConfig(&b); err != nil {
		return nil, err
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// PluginInfo describes a plugin, an element of Kafka Connect's
// GET /connector-plugins.
type PluginInfo struct {
	Class string `json:"class"`
	// Type is the plugin's kind as connect.PluginKind.String names it:
	// "source", "sink", "transformation", "predicate", "converter" or
	// "header_converter".
	Type string `json:"type"`
	// Version is omitted when the plugin has none, as Kafka Connect omits
	// an undefined version.
	Version string `json:"version,omitempty"`
}

// Message is the answer of the calls that change offsets, shaped as Kafka
// Connect's {"message": ...}.
type Message struct {
	Message string `json:"message"`
}

// CreateRequest is the body of Kafka Connect's POST /connectors, which is
// also the form of a connector file given to a standalone worker.
type CreateRequest struct {
	Name   string            `json:"name"`
	Config map[string]string `json:"config"`
	// InitialState is the state the connector starts in (KIP-980); ""
	// means running.
	InitialState InitialState `json:"initial_state,omitempty"`
}

// InitialState is a connector's initial_state as a create request names
// it.
type InitialState string

// The initial states.
const (
	InitialRunning InitialState = "RUNNING"
	InitialPaused  InitialState = "PAUSED"
	InitialStopped InitialState = "STOPPED"
)

// TargetState returns the target state s names, ignoring case as Kafka
// Connect does; "" is TargetStarted. Another value is an error wrapping
// ErrBadRequest.
func (s InitialState) TargetState() (TargetState, error) {
	switch InitialState(strings.ToUpper(string(s))) {
	case "", InitialRunning:
		return TargetStarted, nil
	case InitialPaused:
		return TargetPaused, nil
	case InitialStopped:
		return TargetStopped, nil
	}
	return "", fmt.Errorf("herder: %w: initial_state %q: must be one of %s, %s, %s",
		ErrBadRequest, string(s), InitialRunning, InitialPaused, InitialStopped)
}
