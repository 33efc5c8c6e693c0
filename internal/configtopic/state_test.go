package configtopic

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/jvmgolden"
	"github.com/kconnect-go/kconnect/internal/syncbuf"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// applyAll applies records given as key, value pairs (a nil value is a
// tombstone) at offsets 0, 1, 2...
func applyAll(st *state, log *slog.Logger, kv ...any) []Update {
	var ups []Update
	for i := 0; i < len(kv); i += 2 {
		r := &kgo.Record{Offset: int64(i / 2)}
		if k, ok := kv[i].(string); ok {
			r.Key = []byte(k)
		}
		switch v := kv[i+1].(type) {
		case string:
			r.Value = []byte(v)
		case []byte:
			r.Value = v
		}
		ups = append(ups, st.apply(r, log)...)
	}
	return ups
}

// TestReadsJVMWorkerRecords applies the config topic a JVM Kafka Connect
// 4.4 worker wrote (exactly-once source enabled, so with transaction
// markers between the leader's writes) and checks the snapshot Kafka's
// rules give.
func TestReadsJVMWorkerRecords(t *testing.T) {
	st := newState()
	for _, r := range jvmgolden.DistributedTopic(t, "config") {
		st.apply(&kgo.Record{Key: r.Key, Value: r.Value, Offset: r.Offset}, discard())
	}
	s := st.snapshot()
	checkJVMSnapshot(t, s)
}

// checkJVMSnapshot checks what internal/jvmgolden's config topic holds
// (testdata/distributed/record.sh's scenario).
func checkJVMSnapshot(t *testing.T, s Snapshot) {
	t.Helper()
	require.EqualValues(t, 43, s.Offset, "one past the last record, transaction markers not counted")
	require.NotNil(t, s.SessionKey)
	require.Equal(t, "HmacSHA256", s.SessionKey.Algorithm)
	require.Len(t, s.SessionKey.Key, 32)
	require.NotContains(t, s.SessionKey.String(), string(s.SessionKey.Key))

	require.Equal(t, []string{"my-sink-é", "src"}, s.Connectors())
	require.Equal(t, "100", s.ConnectorConfigs["src"]["batch.size"])
	require.True(t, strings.HasSuffix(s.ConnectorConfigs["src"]["topic"], "-lines2"))
	require.Equal(t, map[string]TargetState{"src": Started, "my-sink-é": Started}, s.TargetStates)
	require.Equal(t, map[string]int{"src": 1, "my-sink-é": 2}, s.TaskCounts)
	require.Equal(t, []TaskID{{"my-sink-é", 0}, {"my-sink-é", 1}}, s.Tasks("my-sink-é"))
	require.Len(t, s.TaskConfigs, 3)
	require.Equal(t, "org.apache.kafka.connect.file.FileStreamSinkTask", s.TaskConfigs[TaskID{"my-sink-é", 1}]["task.class"])
	require.Equal(t, "100", s.TaskConfigs[TaskID{"src", 0}]["batch.size"])
	require.Equal(t, map[string]int{"src": 1}, s.TaskCountRecords)
	// src's task configurations were applied three times (the commit of
	// no tasks when it stopped applies nothing), the sink's once.
	require.Equal(t, map[string]int{"src": 2, "my-sink-é": 0}, s.TaskConfigGenerations)
	require.Equal(t, s.ConnectorConfigs["src"], s.AppliedConnectorConfigs["src"])
	// Fenced after its last commit: not pending. Sinks are never fenced.
	require.Equal(t, map[string]bool{"my-sink-é": true}, s.PendingFencing)
	require.Empty(t, s.Inconsistent)
}

// TestWritesJVMWorkerBytes builds every golden record whose value Kafka
// derives from its inputs alone and compares the bytes: target states
// (STOPPED written as PAUSED for old workers), commits, tasks-fencing,
// restart requests, logger levels and session keys; configurations are
// compared by content.
func TestWritesJVMWorkerBytes(t *testing.T) {
	checked := map[string]int{}
	for _, r := range jvmgolden.DistributedTopic(t, "config") {
		key := string(r.Key)
		if r.Value == nil {
			continue
		}
		v, err := parseValue(r.Value)
		require.NoError(t, err)
		var got []byte
		switch {
		case strings.HasPrefix(key, TargetStatePrefix):
			s, _ := v.stringMember("state.v2")
			got = TargetStateValue(TargetState(s))
		case strings.HasPrefix(key, CommitPrefix):
			n, _ := v.longMember("tasks")
			got = CommitValue(int(n))
		case strings.HasPrefix(key, TaskCountPrefix):
			n, _ := v.longMember("task-count")
			got = TaskCountValue(int(n))
		case strings.HasPrefix(key, RestartPrefix):
			got = RestartValue(RestartRequest{OnlyFailed: v.boolMember("only-failed", nil), IncludeTasks: v.boolMember("include-tasks", nil)})
		case strings.HasPrefix(key, LoggerPrefix):
			l, _ := v.stringMember("level")
			got = LoggerValue(l)
		case key == SessionKeyKey:
			st := newState()
			ups := st.sessionKeyRecord(v, func(s string) { t.Fatal(s) })
			got = SessionKeyValue(ups[0].SessionKey)
		case strings.HasPrefix(key, TaskPrefix), strings.HasPrefix(key, ConnectorPrefix):
			// Kafka writes a configuration in its map's order: the REST
			// request's for a connector, a HashMap's for these tasks,
			// where keys sharing a bucket keep an insertion order a Go
			// map does not have. The content must be the same.
			props, why := v.properties()
			require.Empty(t, why)
			back, err := parseValue(ConfigValue(props))
			require.NoError(t, err)
			again, why := back.properties()
			require.Empty(t, why)
			require.Equal(t, props, again)
			require.Len(t, ConfigValue(props), len(r.Value))
			checked[strings.SplitN(key, "-", 2)[0]]++
			continue
		default:
			t.Fatalf("unexpected key %q", key)
		}
		require.Equal(t, string(r.Value), string(got), "offset %d, key %s", r.Offset, key)
		checked[strings.SplitN(key, "-", 2)[0]]++
	}
	require.Len(t, checked, 8, "every kind of record compared: %v", checked)
}

func TestTaskKeys(t *testing.T) {
	for key, want := range map[string]TaskID{
		"task-a-0":        {"a", 0},
		"task-my-conn-12": {"my-conn", 12},
		"task-a--1":       {"a-", 1},
		"task-a-007":      {"a", 7},
		"task-a-+3":       {"a", 3},
	} {
		got, ok := parseTaskKey(key, 1)
		require.True(t, ok, key)
		require.Equal(t, want, got, key)
	}
	for _, key := range []string{"task-", "task-a", "task-a-", "task-a-x", "task-a-99999999999", "task-a-0-"} {
		if key == "task-a-0-" {
			// Java's split drops the trailing empty part: task a, 0.
			got, ok := parseTaskKey(key, 1)
			require.True(t, ok)
			require.Equal(t, TaskID{"a", 0}, got)
			continue
		}
		_, ok := parseTaskKey(key, 1)
		require.False(t, ok, key)
	}
}

// TestCommitRules walks KafkaConfigBackingStore's cases: task
// configurations wait for their commit; a commit that finds an incomplete
// set (compaction, a leader that failed half way) makes the connector
// inconsistent until a complete one; extra higher tasks are fine; a
// commit for a connector that is gone is ignored; a tombstone deletes a
// connector and its tasks but leaves its target state to its own
// tombstone.
func TestCommitRules(t *testing.T) {
	st := newState()
	conf := string(ConfigValue(map[string]string{"k": "v"}))
	task := func(i string) string { return string(ConfigValue(map[string]string{"t": i})) }

	ups := applyAll(&st, discard(),
		"connector-foo", conf,
		"task-foo-0", task("0"),
		"task-foo-1", task("1"),
	)
	require.Equal(t, []Update{{Kind: ConnectorConfigUpdated, Connector: "foo"}}, ups)
	s := st.snapshot()
	require.Empty(t, s.TaskConfigs, "not applied before the commit")
	require.Equal(t, Started, s.TargetStates["foo"])

	ups = applyAll(&st, discard(), "commit-foo", `{"tasks":2}`)
	require.Equal(t, []Update{{Kind: TaskConfigsUpdated, Connector: "foo", Tasks: []TaskID{{"foo", 0}, {"foo", 1}}}}, ups)
	s = st.snapshot()
	require.Equal(t, map[string]string{"t": "1"}, s.TaskConfigs[TaskID{"foo", 1}])
	require.Equal(t, 2, s.TaskCounts["foo"])
	require.Equal(t, 0, s.TaskConfigGenerations["foo"])

	// Compaction removed task 0 of the next set: inconsistent, nothing
	// applied, but the count is taken.
	ups = applyAll(&st, discard(), "task-foo-1", task("1b"), "task-foo-2", task("2b"), "commit-foo", `{"tasks":3}`)
	require.Equal(t, []Update{{Kind: TaskConfigsUpdated, Connector: "foo"}}, ups)
	s = st.snapshot()
	require.True(t, s.Inconsistent["foo"])
	require.Empty(t, s.Tasks("foo"))
	require.Equal(t, 3, s.TaskCounts["foo"])
	require.Equal(t, map[string]string{"t": "1"}, s.TaskConfigs[TaskID{"foo", 1}])

	// The buffered ones were dropped: this commit needs a full set again.
	applyAll(&st, discard(), "task-foo-0", task("0c"), "commit-foo", `{"tasks":2}`)
	require.True(t, st.snapshot().Inconsistent["foo"])
	// A full set, with a higher task left over by compaction: applied.
	applyAll(&st, discard(), "task-foo-2", task("2d"), "task-foo-0", task("0d"), "task-foo-1", task("1d"), "commit-foo", `{"tasks":2}`)
	s = st.snapshot()
	require.False(t, s.Inconsistent["foo"])
	require.Equal(t, []TaskID{{"foo", 0}, {"foo", 1}}, s.Tasks("foo"))
	require.Equal(t, map[string]string{"t": "0d"}, s.TaskConfigs[TaskID{"foo", 0}])
	require.Equal(t, 1, s.TaskConfigGenerations["foo"])

	// Paused, then deleted: the tombstone takes configurations and tasks;
	// the target state goes with its own tombstone.
	ups = applyAll(&st, discard(), "target-state-foo", string(TargetStateValue(Paused)), "connector-foo", nil)
	require.Equal(t, []Update{{Kind: TargetStateChanged, Connector: "foo"}, {Kind: ConnectorConfigRemoved, Connector: "foo"}}, ups)
	s = st.snapshot()
	require.False(t, s.Contains("foo"))
	require.Empty(t, s.TaskConfigs)
	require.Equal(t, Paused, s.TargetStates["foo"])
	applyAll(&st, discard(), "target-state-foo", nil)
	require.NotContains(t, st.snapshot().TargetStates, "foo")

	// Task configurations and a commit for a connector that is gone
	// (compaction removed its configuration and tombstone): ignored.
	ups = applyAll(&st, discard(), "task-bar-0", task("0"), "commit-bar", `{"tasks":1}`)
	require.Empty(t, ups)
	require.Empty(t, st.snapshot().TaskConfigs)
	require.Empty(t, st.deferred)
}

// TestTargetStates checks state.v2 first, state when it is missing or not
// a string, a state written before its connector (created stopped), and a
// target state tombstone while the connector exists.
func TestTargetStates(t *testing.T) {
	st := newState()
	ups := applyAll(&st, discard(),
		"target-state-a", `{"state":"PAUSED","state.v2":"STOPPED"}`,
		"connector-a", string(ConfigValue(nil)),
		"target-state-b", `{"state":"PAUSED"}`,
		"target-state-c", `{"state":"PAUSED","state.v2":7}`,
		"target-state-d", `{"state":"RUNNING"}`,
		"target-state-e", `{"state.v2":"STOPPED"}`,
	)
	require.Equal(t, []Update{{Kind: ConnectorConfigUpdated, Connector: "a"}}, ups, "a state before its connector is not reported")
	s := st.snapshot()
	require.Equal(t, map[string]TargetState{"a": Stopped, "b": Paused, "c": Paused, "e": Stopped}, s.TargetStates)

	ups = applyAll(&st, discard(), "target-state-a", `{"state":"PAUSED","state.v2":"STOPPED"}`, "target-state-a", `{"state":"STARTED","state.v2":"STARTED"}`)
	require.Equal(t, []Update{{Kind: TargetStateChanged, Connector: "a"}}, ups, "only a change is reported")
	applyAll(&st, discard(), "target-state-a", nil)
	require.Equal(t, Started, st.snapshot().TargetStates["a"], "a configured connector keeps a state")
}

// TestCorruptRecords checks that records Kafka cannot use are logged with
// their offset and key, never their value, and skipped, and that a value
// that is not JSON does not move the config offset while an unknown key
// does, as in Kafka.
func TestCorruptRecords(t *testing.T) {
	var buf syncbuf.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	st := newState()
	applyAll(&st, log,
		"connector-a", `{"properties":{"password":"hunter2","n":"1"}}`, // 0
		"connector-b", `{"properties":{"password":"hunter2"`, // 1: not JSON
		"mystery-key", `{"x":1}`, // 2
		"task-a", `{"properties":{}}`, // 3: bad task key
		"commit-a", `{"tasks":1.5}`, // 4
		"connector-c", `{"properties":{"n":1}}`, // 5
		"connector-d", `[]`, // 6
		"session-key", `{"key":"not base64!","algorithm":"HmacSHA256","creation-timestamp":1}`, // 7
		"tasks-fencing-a", `{"task-count":"1"}`, // 8
		nil, `{}`, // 9: no key
		"connector-e", []byte{0xff}, // 10: not JSON
	)
	s := st.snapshot()
	require.EqualValues(t, 10, s.Offset, "the last record that parsed as JSON was at 9")
	require.Equal(t, []string{"a"}, s.Connectors())
	require.Nil(t, s.SessionKey)
	require.Empty(t, s.TaskCounts)
	require.Empty(t, s.TaskCountRecords)
	out := buf.String()
	for _, want := range []string{"offset=1 key=connector-b", "offset=2 key=mystery-key", "offset=3 key=task-a",
		"offset=4 key=commit-a", "offset=5 key=connector-c", "offset=6 key=connector-d", "offset=7 key=session-key",
		"offset=8 key=tasks-fencing-a", "offset=9", "offset=10 key=connector-e"} {
		require.Contains(t, out, want)
	}
	require.NotContains(t, out, "hunter2", "values may hold secrets")
	require.Equal(t, 10, bytes.Count([]byte(out), []byte("level=ERROR")))
}

// FuzzApply checks that no record, whatever its key and value, makes the
// store panic, and that the snapshot's offset never goes back.
func FuzzApply(f *testing.F) {
	for _, r := range jvmgolden.DistributedTopic(f, "config") {
		f.Add(r.Key, r.Value)
	}
	f.Add([]byte("commit-a"), []byte(`{"tasks":-5}`))
	f.Add([]byte("task-a-1"), []byte(`{"properties":{"a":null,"b":[1]}}`))
	f.Add([]byte("session-key"), []byte(`{"key":"AAAA","algorithm":"x","creation-timestamp":1e3}`))
	f.Fuzz(func(t *testing.T, key, val []byte) {
		st := newState()
		applyAll(&st, discard(), "connector-a", string(ConfigValue(map[string]string{"x": "y"})), "task-a-0", `{"properties":{}}`)
		before := st.offset
		st.apply(&kgo.Record{Key: key, Value: val, Offset: 2}, discard())
		st.apply(&kgo.Record{Key: []byte("commit-a"), Value: val, Offset: 3}, discard())
		s := st.snapshot()
		if s.Offset < before {
			t.Fatalf("offset went back from %d to %d", before, s.Offset)
		}
		for _, c := range s.Connectors() {
			_ = s.Tasks(c)
		}
	})
}
