package configtopic

import (
	"encoding/base64"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/jsonparse"
)

// Snapshot is the cluster's configuration as the config topic says it up
// to Offset (Kafka's ClusterConfigState). Its maps are copies the store no
// longer writes; the configuration maps inside them are shared between
// snapshots and must not be modified.
type Snapshot struct {
	// Offset is one past the last record applied, -1 before any: the
	// config offset workers compare in the group protocol. As in Kafka, a
	// record whose value is not JSON does not move it.
	Offset     int64
	SessionKey *SessionKey

	ConnectorConfigs map[string]map[string]string
	TargetStates     map[string]TargetState
	// TaskCounts is the task count of each connector's last commit
	// record, whether or not its task configurations were complete.
	TaskCounts  map[string]int
	TaskConfigs map[TaskID]map[string]string
	// TaskCountRecords are the tasks-fencing records: the task count
	// whose producers were last fenced (exactly-once source).
	TaskCountRecords map[string]int
	// TaskConfigGenerations counts each connector's applied task
	// configuration commits, from 0.
	TaskConfigGenerations map[string]int
	// AppliedConnectorConfigs is each connector's configuration as it was
	// when its task configurations were last applied.
	AppliedConnectorConfigs map[string]map[string]string
	// PendingFencing holds connectors whose task configurations were
	// committed after their last tasks-fencing record.
	PendingFencing map[string]bool
	// Inconsistent holds connectors whose last commit record found an
	// incomplete set of task configurations (compaction or a leader that
	// failed half way): their tasks must be configured again.
	Inconsistent map[string]bool
}

// Contains reports whether the connector has a configuration.
func (s Snapshot) Contains(connector string) bool {
	_, ok := s.ConnectorConfigs[connector]
	return ok
}

// Connectors returns the configured connectors' names, sorted.
func (s Snapshot) Connectors() []string {
	return slices.Sorted(maps.Keys(s.ConnectorConfigs))
}

// Tasks returns the connector's tasks, 0 to its task count less one; none
// when the connector is inconsistent.
func (s Snapshot) Tasks(connector string) []TaskID {
	if s.Inconsistent[connector] {
		return nil
	}
	n := max(s.TaskCounts[connector], 0)
	out := make([]TaskID, n)
	for i := range out {
		out[i] = TaskID{Connector: connector, Task: i}
	}
	return out
}

// state is what the store has read, under its mutex.
type state struct {
	offset           int64
	sessionKey       *SessionKey
	connectorConfigs map[string]map[string]string
	targetStates     map[string]TargetState
	taskCounts       map[string]int
	taskConfigs      map[TaskID]map[string]string
	taskCountRecords map[string]int
	generations      map[string]int
	applied          map[string]map[string]string
	pendingFencing   map[string]bool
	inconsistent     map[string]bool
	// deferred holds task configurations read but not yet committed.
	deferred map[string]map[int]map[string]string
}

func newState() state {
	return state{
		offset:           -1,
		connectorConfigs: map[string]map[string]string{},
		targetStates:     map[string]TargetState{},
		taskCounts:       map[string]int{},
		taskConfigs:      map[TaskID]map[string]string{},
		taskCountRecords: map[string]int{},
		generations:      map[string]int{},
		applied:          map[string]map[string]string{},
		pendingFencing:   map[string]bool{},
		inconsistent:     map[string]bool{},
		deferred:         map[string]map[int]map[string]string{},
	}
}

func (st *state) snapshot() Snapshot {
	s := Snapshot{
		Offset:                  st.offset,
		ConnectorConfigs:        maps.Clone(st.connectorConfigs),
		TargetStates:            maps.Clone(st.targetStates),
		TaskCounts:              maps.Clone(st.taskCounts),
		TaskConfigs:             maps.Clone(st.taskConfigs),
		TaskCountRecords:        maps.Clone(st.taskCountRecords),
		TaskConfigGenerations:   maps.Clone(st.generations),
		AppliedConnectorConfigs: maps.Clone(st.applied),
		PendingFencing:          maps.Clone(st.pendingFencing),
		Inconsistent:            maps.Clone(st.inconsistent),
	}
	if st.sessionKey != nil {
		k := *st.sessionKey
		s.SessionKey = &k
	}
	return s
}

// UpdateKind says what an Update is about.
type UpdateKind int

// The updates a store reports once it is open, as Kafka's
// ConfigBackingStore.UpdateListener.
const (
	ConnectorConfigUpdated UpdateKind = iota + 1 // Connector
	ConnectorConfigRemoved                       // Connector
	TargetStateChanged                           // Connector
	TaskConfigsUpdated                           // Connector, Tasks (none when inconsistent)
	SessionKeyUpdated                            // SessionKey
	RestartRequested                             // Restart
	LoggerLevelChanged                           // Namespace, Level
)

// Update is one change read from the config topic.
type Update struct {
	Kind       UpdateKind
	Connector  string
	Tasks      []TaskID
	SessionKey SessionKey
	Restart    RestartRequest
	Namespace  string
	Level      string
}

// apply applies one record, as KafkaConfigBackingStore's consume
// callback, and returns the updates to report once the store is open.
// Records Kafka cannot use are logged by key and offset, never by value,
// which may hold secrets, and skipped.
func (st *state) apply(r *kgo.Record, log *slog.Logger) []Update {
	key := string(r.Key)
	v, err := parseValue(r.Value)
	if err != nil {
		log.Error("skipping a config record whose value is not JSON", "offset", r.Offset, "key", key, "error", err)
		return nil
	}
	st.offset = r.Offset + 1
	bad := func(what string) {
		log.Error("skipping an invalid config record: "+what, "offset", r.Offset, "key", key)
	}
	warn := func(what string) {
		log.Warn("config record: "+what, "offset", r.Offset, "key", key)
	}
	switch {
	case r.Key == nil:
		bad("it has no key")
	case strings.HasPrefix(key, TargetStatePrefix):
		return st.targetState(key[len(TargetStatePrefix):], v, bad, warn)
	case strings.HasPrefix(key, ConnectorPrefix):
		return st.connectorConfig(key[len(ConnectorPrefix):], v, bad)
	case strings.HasPrefix(key, TaskPrefix):
		id, ok := parseTaskKey(key, 1)
		if !ok {
			bad("the key is not task-<connector>-<number>")
			return nil
		}
		st.taskConfig(id, v, bad)
	case strings.HasPrefix(key, CommitPrefix):
		return st.commit(key[len(CommitPrefix):], v, bad)
	case strings.HasPrefix(key, RestartPrefix):
		if !v.isObject() {
			bad("the value should be an object but is " + describeValue(v))
			return nil
		}
		req := RestartRequest{Connector: key[len(RestartPrefix):]}
		req.OnlyFailed = v.boolMember("only-failed", warn)
		req.IncludeTasks = v.boolMember("include-tasks", warn)
		return []Update{{Kind: RestartRequested, Connector: req.Connector, Restart: req}}
	case strings.HasPrefix(key, TaskCountPrefix):
		if !v.isObject() {
			bad("the value should be an object but is " + describeValue(v))
			return nil
		}
		n, ok := v.longMember("task-count")
		if !ok {
			bad("'task-count' should be an integer but is " + describe(v.member("task-count")))
			return nil
		}
		name := key[len(TaskCountPrefix):]
		st.taskCountRecords[name] = int(int32(n))
		delete(st.pendingFencing, name)
	case key == SessionKeyKey:
		return st.sessionKeyRecord(v, bad)
	case strings.HasPrefix(key, LoggerPrefix):
		if !v.isObject() {
			bad("the value should be an object but is " + describeValue(v))
			return nil
		}
		level, ok := v.stringMember("level")
		if !ok {
			bad("'level' should be a string but is " + describe(v.member("level")))
			return nil
		}
		return []Update{{Kind: LoggerLevelChanged, Namespace: key[len(LoggerPrefix):], Level: level}}
	default:
		bad("unknown key")
	}
	return nil
}

func describeValue(v value) string {
	if v.null {
		return "null"
	}
	return v.n.Describe()
}

// boolMember reads a restart request's flag: false, with a warning, when
// it is not a boolean, as Kafka does.
func (v value) boolMember(key string, warn func(string)) bool {
	m := v.member(key)
	switch {
	case m != nil && m.Kind == jsonparse.True:
		return true
	case m != nil && m.Kind == jsonparse.False:
		return false
	}
	warn("restart request field '" + key + "' should be a boolean but is " + describe(m) + "; taking false")
	return false
}

func (st *state) targetState(name string, v value, bad, warn func(string)) []Update {
	if v.null {
		// Deleting a connector deletes its target state too; a connector
		// still configured keeps a valid state.
		delete(st.targetStates, name)
		if _, ok := st.connectorConfigs[name]; ok {
			st.targetStates[name] = Started
		}
		return nil
	}
	if !v.isObject() {
		bad("the value should be an object but is " + describeValue(v))
		return nil
	}
	s, ok := v.stringMember("state.v2")
	if !ok {
		if m := v.member("state.v2"); m != nil {
			warn("'state.v2' should be a string but is " + m.Describe() + "; reading 'state'")
		}
		if s, ok = v.stringMember("state"); !ok {
			bad("'state' should be a string but is " + describe(v.member("state")))
			return nil
		}
	}
	ts := TargetState(s)
	if !ts.valid() {
		bad("unknown target state")
		return nil
	}
	prev, had := st.targetStates[name]
	st.targetStates[name] = ts
	// As in Kafka, a state written before its connector (a connector
	// created stopped or paused) is not reported.
	if _, ok := st.connectorConfigs[name]; ok && (!had || prev != ts) {
		return []Update{{Kind: TargetStateChanged, Connector: name}}
	}
	return nil
}

func (st *state) connectorConfig(name string, v value, bad func(string)) []Update {
	if v.null {
		st.removeConnector(name)
		return []Update{{Kind: ConnectorConfigRemoved, Connector: name}}
	}
	if !v.isObject() {
		bad("the value should be an object but is " + describeValue(v))
		return nil
	}
	props, why := v.properties()
	if why != "" {
		bad(why)
		return nil
	}
	st.connectorConfigs[name] = props
	if _, ok := st.targetStates[name]; !ok {
		st.targetStates[name] = Started
	}
	return []Update{{Kind: ConnectorConfigUpdated, Connector: name}}
}

func (st *state) taskConfig(id TaskID, v value, bad func(string)) {
	if !v.isObject() {
		bad("the value should be an object but is " + describeValue(v))
		return
	}
	props, why := v.properties()
	if why != "" {
		bad(why)
		return
	}
	d := st.deferred[id.Connector]
	if d == nil {
		d = map[int]map[string]string{}
		st.deferred[id.Connector] = d
	}
	d[id.Task] = props
}

// commit applies a connector's task configurations read since its last
// commit, when they are all there: tasks 0 to n-1 (more are fine, as
// compaction can leave higher ones behind). Otherwise the connector is
// inconsistent until a later commit completes. Either way the buffered
// configurations are dropped.
func (st *state) commit(name string, v value, bad func(string)) []Update {
	config, ok := st.connectorConfigs[name]
	if !ok {
		// The connector was deleted, and compaction removed both its
		// configuration and the tombstone.
		st.removeConnector(name)
		return nil
	}
	if !v.isObject() {
		bad("the value should be an object but is " + describeValue(v))
		return nil
	}
	n64, ok := v.longMember("tasks")
	if !ok {
		bad("'tasks' should be an integer but is " + describe(v.member("tasks")))
		return nil
	}
	n := int(int32(n64)) // Kafka's (int) of the Long
	if n < 0 {
		// Kafka would apply it and then fail listing the tasks.
		bad("'tasks' is negative")
		return nil
	}
	deferred := st.deferred[name]
	var updated []TaskID
	if !complete(deferred, n) {
		st.inconsistent[name] = true
	} else {
		if deferred != nil {
			for t, props := range deferred {
				id := TaskID{Connector: name, Task: t}
				st.taskConfigs[id] = props
				updated = append(updated, id)
			}
			if g, ok := st.generations[name]; ok {
				st.generations[name] = g + 1
			} else {
				st.generations[name] = 0
			}
		}
		delete(st.inconsistent, name)
		st.applied[name] = config
	}
	delete(st.deferred, name)
	st.taskCounts[name] = n
	st.pendingFencing[name] = true
	slices.SortFunc(updated, func(a, b TaskID) int { return a.Task - b.Task })
	return []Update{{Kind: TaskConfigsUpdated, Connector: name, Tasks: updated}}
}

func complete(deferred map[int]map[string]string, n int) bool {
	if len(deferred) < n {
		return false
	}
	for i := range n {
		if _, ok := deferred[i]; !ok {
			return false
		}
	}
	return true
}

// removeConnector forgets a deleted connector's configurations, as
// Kafka's processConnectorRemoval: its target state goes with its own
// tombstone.
func (st *state) removeConnector(name string) {
	delete(st.connectorConfigs, name)
	delete(st.taskCounts, name)
	for id := range st.taskConfigs {
		if id.Connector == name {
			delete(st.taskConfigs, id)
		}
	}
	delete(st.deferred, name)
	delete(st.applied, name)
}

func (st *state) sessionKeyRecord(v value, bad func(string)) []Update {
	if !v.isObject() {
		bad("the value should be an object but is " + describeValue(v))
		return nil
	}
	enc, ok := v.stringMember("key")
	if !ok {
		bad("'key' should be a string but is " + describe(v.member("key")))
		return nil
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		bad("'key' is not base64")
		return nil
	}
	alg, ok := v.stringMember("algorithm")
	if !ok {
		bad("'algorithm' should be a string but is " + describe(v.member("algorithm")))
		return nil
	}
	created, ok := v.longMember("creation-timestamp")
	if !ok {
		bad("'creation-timestamp' should be an integer but is " + describe(v.member("creation-timestamp")))
		return nil
	}
	k := SessionKey{Key: raw, Algorithm: alg, Created: created}
	st.sessionKey = &k
	return []Update{{Kind: SessionKeyUpdated, SessionKey: k}}
}
