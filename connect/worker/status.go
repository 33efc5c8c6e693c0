package worker

import (
	"fmt"
	"slices"
)

// State is the state of a connector or task, as Kafka Connect names it.
type State string

// The states of connectors and tasks.
const (
	Unassigned State = "UNASSIGNED"
	Running    State = "RUNNING"
	Paused     State = "PAUSED"
	Stopped    State = "STOPPED"
	Failed     State = "FAILED"
	Restarting State = "RESTARTING"
)

// TargetState is the state a connector is asked to be in.
type TargetState string

// The target states.
const (
	TargetStarted TargetState = "STARTED"
	TargetPaused  TargetState = "PAUSED"
	TargetStopped TargetState = "STOPPED"
)

// StateInfo is the state of one connector or task, shaped as Kafka Connect's
// REST API reports it.
type StateInfo struct {
	State    State  `json:"state"`
	WorkerID string `json:"worker_id"`
	// Trace is the error that failed the connector or task, FAILED only.
	Trace string `json:"trace,omitempty"`
}

// TaskState is the state of one task.
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
	Type      string      `json:"type"`
}

// TaskID names a task: its connector and its number.
type TaskID struct {
	Connector string
	Task      int
}

// String returns "connector-task", as Kafka Connect prints task ids.
func (id TaskID) String() string { return fmt.Sprintf("%s-%d", id.Connector, id.Task) }

func sortTasks(ts []TaskState) {
	slices.SortFunc(ts, func(a, b TaskState) int { return a.ID - b.ID })
}
