package connect

// ConnectorContext is how a connector talks back to the runtime that runs
// it. Both methods may be called from any goroutine at any time while the
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
}
