package worker

import (
	"slices"

	"github.com/kconnect-go/kconnect/runtime/herder"
)

// The status types are the herder package's, so that what a Worker reports
// is what any herder and the REST API report.
type (
	// State is the state of a connector or task, as Kafka Connect names it.
	State = herder.State
	// TargetState is the state a connector is asked to be in.
	TargetState = herder.TargetState
	// StateInfo is the state of one connector or task, shaped as Kafka
	// Connect's REST API reports it.
	StateInfo = herder.StateInfo
	// TaskState is the state of one task.
	TaskState = herder.TaskState
	// ConnectorStatus is a connector's state and its tasks' states, shaped
	// as Kafka Connect's GET /connectors/{name}/status.
	ConnectorStatus = herder.ConnectorStatus
	// TaskID names a task: its connector and its number.
	TaskID = herder.TaskID
)

// The states of connectors and tasks.
const (
	Unassigned = herder.Unassigned
	Running    = herder.Running
	Paused     = herder.Paused
	Stopped    = herder.Stopped
	Failed     = herder.Failed
	Restarting = herder.Restarting
)

// The target states.
const (
	TargetStarted = herder.TargetStarted
	TargetPaused  = herder.TargetPaused
	TargetStopped = herder.TargetStopped
)

func sortTasks(ts []TaskState) {
	slices.SortFunc(ts, func(a, b TaskState) int { return a.ID - b.ID })
}
