// Package herder defines what drives a Kafka Connect runtime: the herder,
// which keeps the connectors' configurations and target states, decides
// where connectors and tasks run, and answers everything Kafka Connect's
// REST API asks. A worker's engine runs what its herder tells it to.
//
// Two herders implement Herder. The standalone one, runtime/worker's Worker,
// keeps configurations in memory and runs every connector and task itself,
// as Kafka Connect's StandaloneHerder does. A distributed herder keeps them
// in Kafka's config and status topics and shares the work with the other
// workers of its group; there the leader writes task configurations and the
// other workers forward writes to it, so a call may fail with ErrRebalancing
// while the group rebalances.
//
// This package holds the interface, its requests and responses, shaped and
// marshalled as Kafka Connect's REST API has them, and the sentinel errors
// a REST layer maps to HTTP status codes. It imports no runtime, so a REST
// server, a command-line tool and every herder can share it.
package herder

import (
	"context"

	"github.com/kconnect-go/kconnect/connect"
)

// Herder manages a Kafka Connect cluster's connectors: one worker's in
// standalone mode, a group's in distributed mode. Each method is one call of
// Kafka Connect's REST API (named in its doc) and returns what that call
// answers. Implementations are safe for concurrent use.
//
// Every method takes a context: it bounds the call, and a call whose context
// ends returns an error wrapping the context's. A change made before the
// context ended may stand; the error says so where it matters. Errors wrap
// the sentinel errors of this package where one applies: ErrNotFound for a
// connector or task that does not exist, ErrAlreadyExists, ErrInvalidConfig
// and ErrBadRequest for requests refused before anything changed,
// ErrRebalancing for a distributed herder that cannot serve the call yet,
// and ErrConnectorFailed for a configuration that was kept but whose
// connector failed to start. Any other error is the runtime's or Kafka's
// (HTTP 500).
//
// Passwords never leave a herder in clear, a deliberate difference from
// Kafka Connect, whose GET config answers them as given. Every
// configuration a herder returns (ConnectorConfig, ConnectorInfo's, the
// ConnectorInfo PutConnectorConfig and PatchConnectorConfig answer,
// TaskConfigs) shows the value of each password key as
// connect.PasswordHidden ("[hidden]"): a key the connector plugin's
// ConfigDef types PASSWORD, or one the ConfigDef of its converters,
// transformations or predicates types PASSWORD below their prefixes
// (value.converter.*, transforms.<alias>.*, predicates.<alias>.*), or a
// Kafka client password property below a client override prefix. A value
// that is a config provider reference (it holds "${") holds no secret and
// is shown as given. So that a configuration read back can be changed and
// put again, a put or patch that gives "[hidden]" for a password key keeps
// the value the connector had; "[hidden]" for a key the connector has no
// value for (or for a new connector) is refused with ErrInvalidConfig
// naming the key, rather than stored as the password. Status traces and
// error messages show a password's value as "[hidden]" too.
type Herder interface {
	// ListConnectors returns the connectors' names, sorted
	// (GET /connectors).
	ListConnectors(ctx context.Context) ([]string, error)
	// ConnectorInfo returns a connector's configuration, its passwords
	// hidden, tasks and type (GET /connectors/{name}).
	ConnectorInfo(ctx context.Context, name string) (ConnectorInfo, error)
	// ConnectorConfig returns a connector's configuration as it was given,
	// its name key included and its passwords hidden (GET
	// /connectors/{name}/config). The map is the caller's.
	ConnectorConfig(ctx context.Context, name string) (map[string]string, error)
	// TaskConfigs returns the configurations of a connector's tasks, in
	// task order (GET /connectors/{name}/tasks), with the connector's
	// passwords hidden, under its password keys and under any key its
	// tasks got one as. A connector that is STOPPED, or that failed
	// before generating them, has none.
	TaskConfigs(ctx context.Context, name string) ([]TaskInfo, error)

	// PutConnectorConfig creates a connector, or replaces the configuration
	// of an existing one (PUT /connectors/{name}/config, and with
	// CreateOnly POST /connectors), and reports whether it created it.
	//
	// The configuration is validated in full first: an invalid one changes
	// nothing and the error wraps ErrInvalidConfig, naming every bad key.
	// A "name" key, if present, must be name (ErrBadRequest otherwise).
	// With CreateOnly, an existing connector is ErrAlreadyExists and is
	// left alone. A new connector starts in opts.InitialState; an updated
	// one is restarted with its new configuration in the target state it
	// had. A password key given as "[hidden]" keeps the connector's value
	// (see Herder). When the connector then fails to start, its
	// configuration is kept, the returned ConnectorInfo and created
	// describe it, and the error wraps ErrConnectorFailed.
	PutConnectorConfig(ctx context.Context, name string, config map[string]string, opts PutOptions) (info ConnectorInfo, created bool, err error)
	// PatchConnectorConfig changes some keys of an existing connector's
	// configuration (PATCH /connectors/{name}/config, KIP-477): each key of
	// patch is set to its value, or removed when its value is nil. The
	// result is then put as PutConnectorConfig puts a configuration, with
	// the same guarantees: validated in full first, nothing changed on an
	// error wrapping ErrInvalidConfig. A connector that does not exist is
	// ErrNotFound.
	PatchConnectorConfig(ctx context.Context, name string, patch map[string]*string) (ConnectorInfo, error)
	// DeleteConnector stops a connector and its tasks and forgets its
	// configuration (DELETE /connectors/{name}). Its committed offsets are
	// kept, as in Kafka Connect.
	DeleteConnector(ctx context.Context, name string) error

	// ValidateConfig validates a connector configuration without creating
	// anything (PUT /connector-plugins/{plugin}/config/validate): its
	// connector.class names the plugin. The answer lists every key with
	// its errors, the checks PutConnectorConfig makes across keys
	// included (such as a sink's topics against topics.regex, client
	// overrides, building the converters and transforms), each on the key
	// it concerns as Kafka Connect places it; error_count is 0 exactly
	// when PutConnectorConfig would accept the configuration (for the
	// connector its name key names, whose stored passwords a "[hidden]"
	// value keeps). A configuration without connector.class, or whose
	// class names no connector plugin, is ErrBadRequest.
	ValidateConfig(ctx context.Context, config map[string]string) (connect.ConfigInfos, error)
	// ConnectorPlugins lists the plugins (GET /connector-plugins): the
	// connector plugins only, or with connectorsOnly false also the
	// transformations, predicates, converters and header converters, in
	// Kafka Connect's order (sinks, sources, transformations, predicates,
	// converters, header converters; each sorted by class).
	ConnectorPlugins(ctx context.Context, connectorsOnly bool) ([]PluginInfo, error)
	// ConnectorPluginConfig returns the configuration keys a plugin defines
	// (GET /connector-plugins/{plugin}/config), found by class name or
	// alias; ErrNotFound for no such plugin.
	ConnectorPluginConfig(ctx context.Context, plugin string) ([]connect.ConfigKeyInfo, error)

	// ConnectorStatus returns the state of a connector and of its tasks
	// (GET /connectors/{name}/status).
	ConnectorStatus(ctx context.Context, name string) (ConnectorStatus, error)
	// TaskStatus returns the state of one task
	// (GET /connectors/{name}/tasks/{task}/status).
	TaskStatus(ctx context.Context, name string, task int) (TaskState, error)

	// PauseConnector stops a connector's tasks, committing their offsets,
	// and keeps them PAUSED until ResumeConnector (PUT
	// /connectors/{name}/pause). The connector instance keeps running.
	PauseConnector(ctx context.Context, name string) error
	// ResumeConnector runs a PAUSED or STOPPED connector and its tasks
	// again (PUT /connectors/{name}/resume). It changes the target state
	// only, as in Kafka Connect: a FAILED connector stays FAILED until
	// restarted.
	ResumeConnector(ctx context.Context, name string) error
	// StopConnector stops a connector and its tasks but keeps its
	// configuration, in the STOPPED state, the state in which its offsets
	// may be altered or reset (PUT /connectors/{name}/stop).
	StopConnector(ctx context.Context, name string) error
	// RestartConnectorAndTasks restarts a connector and, with IncludeTasks,
	// its tasks; with OnlyFailed only the FAILED ones (POST
	// /connectors/{name}/restart). It returns the status as it was when
	// called, with the instances it restarts shown RESTARTING: the body of
	// Kafka Connect's 202 answer. As in Kafka Connect, a restart keeps the
	// connector's target state: a PAUSED connector and its tasks come back
	// PAUSED, a STOPPED one (which has no tasks) STOPPED; a FAILED state
	// is cleared either way.
	RestartConnectorAndTasks(ctx context.Context, name string, opts RestartOptions) (ConnectorStatus, error)
	// RestartTask restarts one task (POST
	// /connectors/{name}/tasks/{task}/restart), in its connector's target
	// state: a PAUSED connector's task comes back PAUSED. A task the
	// connector has not generated is ErrNotFound, as is every task of a
	// STOPPED connector.
	RestartTask(ctx context.Context, name string, task int) error

	// ConnectorOffsets returns a connector's committed offsets (GET
	// /connectors/{name}/offsets): a source connector's from its offset
	// store, a sink connector's from its consumer group, each partition
	// then shaped by SinkPartition and SinkOffset.
	ConnectorOffsets(ctx context.Context, name string) (ConnectorOffsets, error)
	// AlterConnectorOffsets writes offsets for some of a connector's
	// partitions, a zero Offset resetting that partition (PATCH
	// /connectors/{name}/offsets, KIP-875). No offsets at all, or a
	// connector that is not STOPPED, is ErrBadRequest; so is a sink
	// connector's offset that is not well formed (naming the first bad
	// one). A source connector's partitions are its own: a zero
	// (null) partition is written as Kafka Connect writes it, under
	// ["<name>",null], and, as there, ConnectorOffsets and
	// ResetConnectorOffsets do not see it. A source connector that
	// implements source.OffsetAlterer is asked first and may refuse them:
	// its refusal names the connector and the cause and wraps no sentinel
	// (HTTP 500, as Kafka Connect answers). Nothing is written when any
	// check fails. The Message is Kafka Connect's, saying whether the
	// connector handled offsets it keeps elsewhere.
	AlterConnectorOffsets(ctx context.Context, name string, offsets ConnectorOffsets) (Message, error)
	// ResetConnectorOffsets forgets every committed offset of a connector
	// (DELETE /connectors/{name}/offsets), as AlterConnectorOffsets with a
	// zero Offset for each partition does: the connector must be STOPPED.
	ResetConnectorOffsets(ctx context.Context, name string) (Message, error)
}

// TopicTracker is implemented by a Herder that tracks the topics each
// connector's tasks use (KIP-558): the topics a source connector's records
// were written to, and those a sink connector consumed records of. A REST
// layer serving a Herder that does not implement it answers the active
// topics endpoints as Kafka Connect does with topic.tracking.enable=false.
type TopicTracker interface {
	// ConnectorActiveTopics returns the topics connector name has used
	// (GET /connectors/{name}/topics); none for a connector it does not
	// know, as Kafka Connect answers.
	ConnectorActiveTopics(ctx context.Context, name string) ([]string, error)
	// ResetConnectorActiveTopics forgets them (PUT
	// /connectors/{name}/topics/reset); they are noted again as the
	// connector's tasks use them.
	ResetConnectorActiveTopics(ctx context.Context, name string) error
}

// PutOptions qualify Herder.PutConnectorConfig.
type PutOptions struct {
	// CreateOnly refuses to replace an existing connector's configuration
	// (ErrAlreadyExists), as POST /connectors does.
	CreateOnly bool
	// KeyOrder is the order in which the configuration's keys were given
	// (a REST body's), kept so that the configuration is answered in that
	// order, as Kafka Connect echoes it; keys it does not list follow,
	// sorted (so a name key added for the connector comes last when all
	// the others are listed). nil sorts them all.
	KeyOrder []string
	// InitialState is the target state a connector created by the call
	// starts in (KIP-980): TargetStarted, TargetPaused (its task
	// configurations are generated, its tasks not run) or TargetStopped.
	// "" means TargetStarted. An existing connector keeps its own.
	InitialState TargetState
}

// RestartOptions qualify Herder.RestartConnectorAndTasks: the query
// parameters of POST /connectors/{name}/restart.
type RestartOptions struct {
	// IncludeTasks restarts the connector's tasks too.
	IncludeTasks bool
	// OnlyFailed restarts the connector only if it is FAILED, and only the
	// FAILED tasks.
	OnlyFailed bool
}
