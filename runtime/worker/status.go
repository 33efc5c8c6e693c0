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

// StateChange is a new state of a connector or of one of its tasks, as
// OnStateChange reports it.
type StateChange struct {
	// Connector is the connector's name.
	Connector string
	// Task is the task's number, or -1 for the connector itself.
	Task int
	// StateInfo is the new state, the worker's id and, for FAILED, the
	// error's text.
	StateInfo
}

// OnStateChange makes the worker call f each time a connector or task
// takes a new state (or, FAILED again, a new trace), as Kafka Connect's
// status listeners hear of each startup, pause, failure and shutdown: the
// states Status reports, as each happens. A task is reported from its
// first state (UNASSIGNED) and again for each instance a restart creates;
// a connector from its first state after UNASSIGNED. Changes of one
// connector, or of one task, are reported in the order they happen;
// different connectors and tasks may be reported concurrently.
//
// f is called with the state's lock held, on the goroutine that changed
// it: it must return quickly and must not call the Worker (log, count or
// hand the change to a channel). Default: none.
func OnStateChange(f func(StateChange)) Opt { return func(o *options) { o.onStateChange = f } }
