package connect

import "log/slog"

// ConnectorContext is how a connector talks back to the runtime that runs
// it. Its methods may be called from any goroutine at any time while the
// connector is started.
type ConnectorContext interface {
	// RequestTaskReconfiguration asks the runtime to call TaskConfigs again
	// and, if the task configs changed, to restart the tasks with the new
	// ones: for example when a source connector discovers a new table. It
	// does not block.
	RequestTaskReconfiguration()
	// RaiseError reports an error the connector cannot recover from; the
	// runtime stops the connector and marks it FAILED with err.
	RaiseError(err error)
	// Logger returns the logger the connector logs through: the runtime's
	// own, with attributes naming the connector (kconnect's worker adds
	// connector=<name> to its Logger), so that what the connector logs
	// goes where the runtime's logs go and says which connector wrote it.
	// It is never nil and is safe for concurrent use; keep it for as long
	// as the connector runs. A connector should log through it rather
	// than slog.Default, which the program embedding the runtime may not
	// have set up.
	Logger() *slog.Logger
}
