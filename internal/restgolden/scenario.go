package restgolden

import "net/http"

// Connector configurations of the scenario, as JSON templates. Their field
// order is fixed because servers echo configs back in an order derived from
// it.
const (
	sourceConfig  = `{"connector.class":"FileStreamSource","tasks.max":"1","file":"{{dir}}/in.txt","topic":"{{topic}}"}`
	sourceUpdated = `{"connector.class":"FileStreamSource","tasks.max":"1","file":"{{dir}}/in.txt","topic":"{{topic}}","batch.size":"100"}`
	sinkConfig    = `{"connector.class":"FileStreamSink","tasks.max":"1","file":"{{dir}}/out.txt","topics":"{{topic}}"}`
)

func create(name, config string) string {
	return `{"name":"` + name + `","config":` + config + `}`
}

func status(name string) string { return "/connectors/" + name + "/status" }

// running waits for a connector and its one task to run.
func running(name string) []Await {
	return []Await{{Path: status(name), Want: map[string]any{"connector.state": "RUNNING", "tasks[0].state": "RUNNING"}}}
}

func paused(name string) []Await {
	return []Await{{Path: status(name), Want: map[string]any{"connector.state": "PAUSED", "tasks[0].state": "PAUSED"}}}
}

func stopped(name string) []Await {
	return []Await{{Path: status(name), Want: map[string]any{"connector.state": "STOPPED", "tasks": []any{}}}}
}

// javaMessage marks an error message that is Java's own text (a Jackson
// parse error, a NullPointerException, a list of Java plugin descriptors),
// which no other server reproduces; the status and the body's shape are
// still compared.
var javaMessage = Differ{Values: []string{"message"}}

// kconnect's deliberate differences from JVM Kafka Connect that the
// scenario shows, each listed in ARCHITECTURE.md (REST section).

// sourceKeys are the common source connector keys kconnect defines beyond
// Kafka Connect's, in an array of key definitions or validate entries,
// each named by the field by.
func sourceKeys(at, by string) Extra {
	return Extra{At: at, By: by, Names: []string{
		"errors.deadletterqueue.topic.name", "errors.deadletterqueue.topic.replication.factor",
		"errors.deadletterqueue.context.headers.enable",
		"topic.creation.default.partitions", "topic.creation.default.replication.factor",
	}, Why: "kconnect gives source connectors a dead letter queue, and checks the default topic creation group's settings when a connector is configured"}
}

// fsyncKey is kconnect's FileStreamSink's own key.
func fsyncKey(at, by string) Extra {
	return Extra{At: at, By: by, Names: []string{"file.fsync"},
		Why: "kconnect's FileStreamSink can sync the file to disk before consumer offsets are committed"}
}

// withContext is for messages kconnect gives with more context around
// Kafka Connect's text: the connector (and the offset) concerned, and the
// connector plugin refusing.
var withContext = Differ{Contains: []string{"message"}}

// Scenario returns the steps Run sends, in order: a fresh worker's
// answers, then a FileStreamSource's life (create, read, update, patch,
// pause, resume, the restart matrix, stop, offsets read, altered and reset),
// a second connector created by PUT, listings with expand, config
// validation, plugins, a FileStreamSink created STOPPED with its offsets,
// bad requests of every kind, loggers, and deletion. Each call builds a new
// slice.
func Scenario() []Step {
	const (
		get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
	)
	plugins := Differ{Members: map[string]string{"$": "class"}}
	// Converter classes are recommended from the plugins installed.
	validate := Differ{Members: map[string]string{"configs[*].value.recommended_values": ""}}
	validateSource := validate
	validateSource.Extra = []Extra{sourceKeys("configs", "value.name")}
	validateSink := validate
	validateSink.Extra = []Extra{fsyncKey("configs", "value.name")}
	// configs[22] is errors.deadletterqueue.topic.replication.factor.
	validateSink.Values = []string{"configs[22].definition.type"}
	steps := []Step{
		// A fresh worker.
		{Name: "root", Method: get, Path: "/"},
		{Name: "health", Method: get, Path: "/health"},
		{Name: "list-empty", Method: get, Path: "/connectors"},
		{Name: "expand-empty", Method: get, Path: "/connectors?expand=status"},

		// Plugins and validation.
		{Name: "plugins", Method: get, Path: "/connector-plugins", Differ: plugins},
		{Name: "plugins-all", Method: get, Path: "/connector-plugins?connectorsOnly=false", Differ: plugins},
		{Name: "plugin-config-source", Method: get, Path: "/connector-plugins/FileStreamSource/config",
			Differ: Differ{Extra: []Extra{sourceKeys("$", "name")}}},
		{Name: "plugin-config-sink", Method: get, Path: "/connector-plugins/FileStreamSinkConnector/config",
			// $[23] is errors.deadletterqueue.topic.replication.factor.
			Differ: Differ{Extra: []Extra{fsyncKey("$", "name")}, Values: []string{"$[23].type"}}},
		{Name: "plugin-config-unknown", Method: get, Path: "/connector-plugins/NoSuchConnector/config", Differ: javaMessage},
		{Name: "validate-source", Method: put, Path: "/connector-plugins/FileStreamSource/config/validate",
			Body: JSON(`{"connector.class":"FileStreamSource","name":"v","file":"{{dir}}/in.txt","topic":"{{topic}}"}`), Differ: validateSource},
		{Name: "validate-source-fqcn", Method: put, Path: "/connector-plugins/org.apache.kafka.connect.file.FileStreamSourceConnector/config/validate",
			Body: JSON(`{"connector.class":"org.apache.kafka.connect.file.FileStreamSourceConnector","name":"v","file":"{{dir}}/in.txt","topic":"{{topic}}"}`), Differ: validateSource},
		{Name: "validate-source-invalid", Method: put, Path: "/connector-plugins/FileStreamSource/config/validate",
			Body: JSON(`{"connector.class":"FileStreamSource","name":"v","tasks.max":"0","batch.size":"many"}`), Differ: validateSource},
		{Name: "validate-source-no-class", Method: put, Path: "/connector-plugins/FileStreamSource/config/validate",
			// The message names Java's BadRequestException.
			Body: JSON(`{"name":"v","topic":"{{topic}}"}`), Differ: javaMessage},
		{Name: "validate-sink", Method: put, Path: "/connector-plugins/FileStreamSink/config/validate",
			Body: JSON(`{"connector.class":"FileStreamSink","name":"v","topics":"{{topic}}"}`), Differ: validateSink},
		{Name: "validate-sink-no-topics", Method: put, Path: "/connector-plugins/FileStreamSink/config/validate",
			Body: JSON(`{"connector.class":"FileStreamSink","name":"v"}`), Differ: validateSink},
		{Name: "validate-class-mismatch", Method: put, Path: "/connector-plugins/FileStreamSource/config/validate",
			Body: JSON(`{"connector.class":"FileStreamSink","name":"v","topics":"{{topic}}"}`)},
		{Name: "validate-unknown-plugin", Method: put, Path: "/connector-plugins/NoSuchConnector/config/validate",
			Body: JSON(`{"connector.class":"NoSuchConnector","name":"v"}`), Differ: javaMessage},

		// A source connector's life.
		{Name: "create-source", Method: post, Path: "/connectors", Body: JSON(create("src", sourceConfig)), Await: running("src")},
		{Name: "create-duplicate", Method: post, Path: "/connectors", Body: JSON(create("src", sourceConfig))},
		{Name: "get-connector", Method: get, Path: "/connectors/src"},
		{Name: "get-config", Method: get, Path: "/connectors/src/config"},
		{Name: "get-status", Method: get, Path: "/connectors/src/status"},
		{Name: "get-tasks", Method: get, Path: "/connectors/src/tasks",
			Differ: Differ{Extra: []Extra{{At: "$[*].config", Names: []string{"task.class"}, Missing: true,
				Why: "kconnect's tasks are Go values, not classes: their configurations carry no task.class"}}}},
		{Name: "get-tasks-config", Method: get, Path: "/connectors/src/tasks-config"},
		{Name: "get-task-status", Method: get, Path: "/connectors/src/tasks/0/status"},
		{Name: "list-one", Method: get, Path: "/connectors"},
		{Name: "put-config-update", Method: put, Path: "/connectors/src/config", Body: JSON(sourceUpdated), Await: running("src")},
		{Name: "get-config-updated", Method: get, Path: "/connectors/src/config"},
		{Name: "patch-config", Method: patch, Path: "/connectors/src/config",
			Body: JSON(`{"batch.size":null,"errors.log.enable":"true"}`), Await: running("src")},
		{Name: "get-config-patched", Method: get, Path: "/connectors/src/config"},
		{Name: "put-config-create", Method: put, Path: "/connectors/src2/config", Body: JSON(sourceConfig), Await: running("src2")},
		{Name: "list-two", Method: get, Path: "/connectors"},
		{Name: "expand-status", Method: get, Path: "/connectors?expand=status"},
		{Name: "expand-info", Method: get, Path: "/connectors?expand=info"},
		{Name: "expand-both", Method: get, Path: "/connectors?expand=info&expand=status"},

		{Name: "pause", Method: put, Path: "/connectors/src/pause", Await: paused("src")},
		{Name: "status-paused", Method: get, Path: "/connectors/src/status"},
		{Name: "pause-again", Method: put, Path: "/connectors/src/pause", Await: paused("src")},
		{Name: "resume", Method: put, Path: "/connectors/src/resume", Await: running("src")},
		{Name: "restart", Method: post, Path: "/connectors/src/restart", Await: running("src")},
		{Name: "restart-tasks", Method: post, Path: "/connectors/src/restart?includeTasks=true", Await: running("src")},
		{Name: "restart-only-failed", Method: post, Path: "/connectors/src/restart?onlyFailed=true", Await: running("src")},
		{Name: "restart-tasks-only-failed", Method: post, Path: "/connectors/src/restart?includeTasks=true&onlyFailed=true", Await: running("src")},
		{Name: "restart-explicit-false", Method: post, Path: "/connectors/src/restart?includeTasks=false&onlyFailed=false", Await: running("src")},
		{Name: "restart-task", Method: post, Path: "/connectors/src/tasks/0/restart", Await: running("src")},
		{Name: "alter-offsets-running", Method: patch, Path: "/connectors/src/offsets",
			Body: JSON(`{"offsets":[{"partition":{"filename":"{{dir}}/in.txt"},"offset":{"position":2}}]}`)},
		{Name: "reset-offsets-running", Method: del, Path: "/connectors/src/offsets"},

		{Name: "stop", Method: put, Path: "/connectors/src/stop", Await: append(stopped("src"),
			// The source read both lines before it stopped: its last
			// offsets were committed as it stopped.
			Await{Path: "/connectors/src/offsets", Want: map[string]any{"offsets[0].offset.position": 4}})},
		{Name: "status-stopped", Method: get, Path: "/connectors/src/status"},
		{Name: "get-connector-stopped", Method: get, Path: "/connectors/src"},
		{Name: "get-tasks-stopped", Method: get, Path: "/connectors/src/tasks"},
		{Name: "offsets-source", Method: get, Path: "/connectors/src/offsets",
			Differ: Differ{Extra: []Extra{{At: "offsets[*].offset", Names: []string{"head.hash", "head.bytes", "tail.hash", "tail.bytes"},
				Why: "kconnect's FileStreamSource also commits hashes of the file's first bytes and of those before the position, to notice a file replaced under the same name"}}}},
		{Name: "alter-offsets-source", Method: patch, Path: "/connectors/src/offsets",
			Body: JSON(`{"offsets":[{"partition":{"filename":"{{dir}}/in.txt"},"offset":{"position":2}}]}`)},
		{Name: "offsets-source-altered", Method: get, Path: "/connectors/src/offsets"},
		{Name: "alter-offsets-source-negative", Method: patch, Path: "/connectors/src/offsets",
			Body: JSON(`{"offsets":[{"partition":{"filename":"{{dir}}/in.txt"},"offset":{"position":-1}}]}`), Differ: withContext},
		{Name: "alter-offsets-source-no-filename", Method: patch, Path: "/connectors/src/offsets",
			Body: JSON(`{"offsets":[{"partition":{"file":"x"},"offset":{"position":1}}]}`), Differ: withContext},
		{Name: "alter-offsets-empty", Method: patch, Path: "/connectors/src/offsets", Body: JSON(`{"offsets":[]}`)},
		{Name: "alter-offsets-no-body", Method: patch, Path: "/connectors/src/offsets", Differ: javaMessage},
		{Name: "reset-offsets-source", Method: del, Path: "/connectors/src/offsets"},
		{Name: "offsets-source-reset", Method: get, Path: "/connectors/src/offsets"},
		{Name: "resume-stopped", Method: put, Path: "/connectors/src/resume", Await: running("src")},

		// A sink created stopped, so its consumer group's offsets are only
		// what the scenario sets.
		{Name: "create-sink-stopped", Method: post, Path: "/connectors",
			Body:  JSON(`{"name":"sink","config":` + sinkConfig + `,"initial_state":"STOPPED"}`),
			Await: stopped("sink")},
		{Name: "status-sink-stopped", Method: get, Path: "/connectors/sink/status"},
		{Name: "reset-offsets-sink-first", Method: del, Path: "/connectors/sink/offsets"},
		{Name: "offsets-sink", Method: get, Path: "/connectors/sink/offsets"},
		{Name: "alter-offsets-sink", Method: patch, Path: "/connectors/sink/offsets",
			Body: JSON(`{"offsets":[{"partition":{"kafka_topic":"{{topic}}","kafka_partition":0},"offset":{"kafka_offset":1}}]}`)},
		{Name: "offsets-sink-altered", Method: get, Path: "/connectors/sink/offsets"},
		{Name: "alter-offsets-sink-bad-partition", Method: patch, Path: "/connectors/sink/offsets",
			Body: JSON(`{"offsets":[{"partition":{"kafka_topic":"{{topic}}"},"offset":{"kafka_offset":1}}]}`), Differ: withContext},
		{Name: "reset-offsets-sink", Method: del, Path: "/connectors/sink/offsets"},
		{Name: "offsets-sink-reset", Method: get, Path: "/connectors/sink/offsets"},
		{Name: "resume-sink", Method: put, Path: "/connectors/sink/resume", Await: running("sink")},
		{Name: "get-sink", Method: get, Path: "/connectors/sink"},
		{Name: "status-sink", Method: get, Path: "/connectors/sink/status"},

		// Bad requests.
		{Name: "post-malformed", Method: post, Path: "/connectors", Body: Raw(`{"name":"bad","config":`), Differ: javaMessage},
		{Name: "post-empty", Method: post, Path: "/connectors", Body: Raw(``), Differ: javaMessage},
		{Name: "post-not-object", Method: post, Path: "/connectors", Body: Raw(`["bad"]`), Differ: javaMessage},
		{Name: "post-no-name", Method: post, Path: "/connectors", Body: JSON(`{"config":` + sourceConfig + `}`)},
		{Name: "post-no-config", Method: post, Path: "/connectors", Body: JSON(`{"name":"bad"}`), Differ: javaMessage},
		{Name: "post-unknown-class", Method: post, Path: "/connectors",
			Body: JSON(`{"name":"bad","config":{"connector.class":"NoSuchConnector","topic":"{{topic}}"}}`), Differ: javaMessage},
		{Name: "post-no-class", Method: post, Path: "/connectors", Body: JSON(`{"name":"bad","config":{"topic":"{{topic}}"}}`)},
		{Name: "post-sink-no-topics", Method: post, Path: "/connectors",
			Body: JSON(`{"name":"bad","config":{"connector.class":"FileStreamSink","file":"{{dir}}/bad.txt"}}`)},
		{Name: "post-source-no-topic", Method: post, Path: "/connectors",
			Body: JSON(`{"name":"bad","config":{"connector.class":"FileStreamSource","file":"{{dir}}/in.txt"}}`)},
		{Name: "post-bad-initial-state", Method: post, Path: "/connectors",
			Body: JSON(`{"name":"bad","config":` + sourceConfig + `,"initial_state":"SLEEPING"}`), Differ: javaMessage},
		{Name: "put-name-mismatch", Method: put, Path: "/connectors/src/config",
			Body: JSON(`{"connector.class":"FileStreamSource","name":"other","file":"{{dir}}/in.txt","topic":"{{topic}}"}`)},
		{Name: "put-config-invalid", Method: put, Path: "/connectors/src/config",
			Body: JSON(`{"connector.class":"FileStreamSource","file":"{{dir}}/in.txt","topic":"{{topic}}","tasks.max":"0"}`)},
		{Name: "patch-config-invalid", Method: patch, Path: "/connectors/src/config", Body: JSON(`{"topic":null}`)},

		{Name: "unknown-get", Method: get, Path: "/connectors/nope"},
		{Name: "unknown-config", Method: get, Path: "/connectors/nope/config"},
		{Name: "unknown-status", Method: get, Path: "/connectors/nope/status"},
		{Name: "unknown-tasks", Method: get, Path: "/connectors/nope/tasks"},
		{Name: "unknown-tasks-config", Method: get, Path: "/connectors/nope/tasks-config"},
		{Name: "unknown-task-status", Method: get, Path: "/connectors/nope/tasks/0/status"},
		{Name: "unknown-topics", Method: get, Path: "/connectors/nope/topics"},
		{Name: "unknown-offsets", Method: get, Path: "/connectors/nope/offsets"},
		{Name: "unknown-patch-config", Method: patch, Path: "/connectors/nope/config", Body: JSON(`{"batch.size":"5"}`)},
		{Name: "unknown-pause", Method: put, Path: "/connectors/nope/pause"},
		{Name: "unknown-resume", Method: put, Path: "/connectors/nope/resume"},
		{Name: "unknown-stop", Method: put, Path: "/connectors/nope/stop"},
		{Name: "unknown-restart", Method: post, Path: "/connectors/nope/restart", Differ: javaMessage},
		{Name: "unknown-restart-tasks", Method: post, Path: "/connectors/nope/restart?includeTasks=true"},
		{Name: "unknown-task-restart", Method: post, Path: "/connectors/nope/tasks/0/restart"},
		{Name: "unknown-alter-offsets", Method: patch, Path: "/connectors/nope/offsets",
			Body: JSON(`{"offsets":[{"partition":{"filename":"x"},"offset":{"position":1}}]}`)},
		{Name: "unknown-reset-offsets", Method: del, Path: "/connectors/nope/offsets"},
		{Name: "unknown-delete", Method: del, Path: "/connectors/nope"},
		{Name: "unknown-task", Method: get, Path: "/connectors/src/tasks/7/status"},
		{Name: "unknown-task-restart-7", Method: post, Path: "/connectors/src/tasks/7/restart"},
		{Name: "bad-task-id", Method: get, Path: "/connectors/src/tasks/x/status"},
		{Name: "wrong-method-connectors", Method: del, Path: "/connectors"},
		{Name: "wrong-method-connector", Method: post, Path: "/connectors/src"},
		{Name: "wrong-method-pause", Method: get, Path: "/connectors/src/pause"},
		{Name: "unknown-path", Method: get, Path: "/no-such-path"},

		// Topics the source has written to.
		{Name: "topics-source", Method: get, Path: "/connectors/src/topics"},

		// Loggers: the worker's list differs in membership (each names the
		// loggers its code created); root and the probe logger are compared.
		{Name: "loggers", Method: get, Path: "/admin/loggers", Differ: Differ{Members: map[string]string{"$": ""}}},
		{Name: "logger-root", Method: get, Path: "/admin/loggers/root"},
		{Name: "logger-unknown", Method: get, Path: "/admin/loggers/kconnect.restgolden.probe"},
		{Name: "logger-set", Method: put, Path: "/admin/loggers/kconnect.restgolden.probe", Body: JSON(`{"level":"DEBUG"}`)},
		{Name: "logger-get", Method: get, Path: "/admin/loggers/kconnect.restgolden.probe"},
		{Name: "logger-set-bad-level", Method: put, Path: "/admin/loggers/kconnect.restgolden.probe", Body: JSON(`{"level":"LOUD"}`)},
		{Name: "logger-set-no-level", Method: put, Path: "/admin/loggers/kconnect.restgolden.probe", Body: JSON(`{}`)},
		{Name: "logger-set-cluster", Method: put, Path: "/admin/loggers/kconnect.restgolden.probe?scope=cluster", Body: JSON(`{"level":"INFO"}`)},
		{Name: "loggers-after", Method: get, Path: "/admin/loggers", Differ: Differ{Members: map[string]string{"$": ""}}},

		// Deletion.
		{Name: "delete-src2", Method: del, Path: "/connectors/src2"},
		{Name: "delete-sink", Method: del, Path: "/connectors/sink"},
		{Name: "delete-src", Method: del, Path: "/connectors/src"},
		{Name: "get-deleted", Method: get, Path: "/connectors/src"},
		{Name: "delete-deleted", Method: del, Path: "/connectors/src"},
		{Name: "list-after-delete", Method: get, Path: "/connectors"},

		// Last, as JVM Connect then cannot delete it: a name holding a
		// slash is accepted, but its path is ambiguous.
		{Name: "post-name-slash", Method: post, Path: "/connectors",
			Body: JSON(create("a/b", sourceConfig))},
		{Name: "get-name-slash-encoded", Method: get, Path: "/connectors/a%2Fb",
			// Jetty's HTML error page.
			Differ: Differ{Values: []string{"$"}}},
		{Name: "list-name-slash", Method: get, Path: "/connectors"},
	}
	return steps
}
