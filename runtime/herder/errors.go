package herder

import "errors"

// The errors a Herder's errors wrap, test with errors.Is. Each says what a
// REST layer answers for it, as Kafka Connect's does; the error's own text
// is the message.
var (
	// ErrNotFound: the connector, task or plugin does not exist (HTTP 404).
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: a connector of that name exists already (HTTP 409).
	ErrAlreadyExists = errors.New("already exists")
	// ErrInvalidConfig: a connector configuration failed validation;
	// nothing was changed, and the error names every bad key (HTTP 400).
	ErrInvalidConfig = errors.New("invalid connector configuration")
	// ErrBadRequest: the request is malformed or not allowed in the
	// connector's current state, such as altering the offsets of a
	// connector that is not STOPPED; nothing was changed (HTTP 400).
	ErrBadRequest = errors.New("bad request")
	// ErrRebalancing: a distributed herder's group is rebalancing or has no
	// leader, so the request cannot be served now; retry it (HTTP 409).
	ErrRebalancing = errors.New("rebalance in progress")
	// ErrConnectorFailed: the connector's configuration was accepted and
	// kept, but its Start or TaskConfigs failed: the connector exists,
	// FAILED with the cause in its status, and a restart runs it again
	// (HTTP 500, as Kafka Connect answers).
	ErrConnectorFailed = errors.New("connector FAILED, its configuration kept")
)
