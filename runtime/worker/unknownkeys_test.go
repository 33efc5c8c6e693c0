package worker

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/source"
	"github.com/kconnect-go/kconnect/transform"
	"github.com/stretchr/testify/require"

	sinkfile "github.com/kconnect-go/kconnect/sink/file"
	sourcefile "github.com/kconnect-go/kconnect/source/file"
)

// ukOpenSource is a source connector without a ConfigDef: nothing can be
// told about its keys.
func ukOpenSource() source.Plugin {
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.OpenSource", Kind: connect.SourcePlugin},
		New: func() source.Connector {
			return source.SimpleConnector(func() source.Task {
				return source.TaskFunc(func(ctx context.Context) ([]connect.Record, error) {
					<-ctx.Done()
					return nil, nil
				})
			})
		},
	}
}

// ukOpenTransform and ukOpenConverter declare no ConfigDef either.
func ukOpenTransform() transform.Plugin {
	return transform.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.OpenTransform", Kind: connect.TransformationPlugin},
		New: func(map[string]string) (transform.Transformation, error) {
			return transform.Func(func(r connect.Record) (connect.Record, bool, error) { return r, true, nil }), nil
		},
	}
}

func ukOpenConverter() converter.Plugin {
	return converter.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.OpenConverter", Kind: connect.ConverterPlugin},
		New: func(map[string]string, bool) (converter.Converter, error) {
			return converter.Funcs{
				From: func(dst []byte, _ string, _ connect.Headers, _ *connect.Schema, v any) ([]byte, error) {
					return append(dst, []byte(v.(string))...), nil
				},
				To: func(_ string, _ connect.Headers, b []byte) (*connect.Schema, any, error) {
					return connect.StringSchema, string(b), nil
				},
			}, nil
		},
	}
}

// ukFullSourceConfig is a valid FileStreamSource configuration with every
// key Kafka Connect defines for a source connector, converter, transform
// and predicate keys, topic creation keys and client overrides.
func ukFullSourceConfig(file, topic, offsetsTopic string) map[string]string {
	return map[string]string{
		"connector.class": "FileStreamSource", "tasks.max": "1", "tasks.max.enforce": "true",
		"connector.plugin.version": "4.4.0", "config.action.reload": "restart",
		"file": file, "topic": topic, "batch.size": "100",

		"key.converter": "StringConverter", "key.converter.converter.encoding": "UTF-8",
		"key.converter.plugin.version": "4.4.0", "key.converter.key.serializer.encoding": "UTF-8",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
		"value.converter.schemas.cache.size": "10", "value.converter.decimal.format": "NUMERIC",
		"value.converter.replace.null.with.default": "true", "value.converter.plugin.version": "4.4.0",
		"value.converter.converter.type": "value",
		"header.converter":               "SimpleHeaderConverter", "header.converter.plugin.version": "4.4.0",

		"transforms":            "route, drop,mask",
		"transforms.route.type": "RegexRouter", "transforms.route.regex": "(.*)", "transforms.route.replacement": "$1",
		"transforms.route.plugin.version": "4.4.0",
		"transforms.drop.type":            "Filter", "transforms.drop.predicate": "tombstone", "transforms.drop.negate": "false",
		"transforms.mask.type":      "org.apache.kafka.connect.transforms.ReplaceField$Value",
		"transforms.mask.blacklist": "secret", // Kafka 3.x's name for exclude
		"transforms.mask.predicate": "never",
		"predicates":                "tombstone,never",
		"predicates.tombstone.type": "RecordIsTombstone", "predicates.tombstone.plugin.version": "4.4.0",
		"predicates.never.type": "TopicNameMatches", "predicates.never.pattern": "no-such-topic",

		"errors.retry.timeout": "0", "errors.retry.delay.max.ms": "60000", "errors.tolerance": "none",
		"errors.log.enable": "false", "errors.log.include.messages": "false",
		"errors.deadletterqueue.topic.name": "", "errors.deadletterqueue.topic.replication.factor": "1",
		"errors.deadletterqueue.context.headers.enable": "false",

		"topic.creation.groups":            "compacted",
		"topic.creation.compacted.include": "audit.*", "topic.creation.compacted.exclude": "audit-tmp",
		"topic.creation.compacted.partitions": "1", "topic.creation.compacted.cleanup.policy": "compact",
		"topic.creation.default.partitions": "1", "topic.creation.default.replication.factor": "-1",
		"topic.creation.default.retention.ms": "604800000",

		"exactly.once.support": "requested", "transaction.boundary": "poll", "transaction.boundary.interval.ms": "1000",
		"offsets.storage.topic": offsetsTopic,

		"producer.override.linger.ms": "5", "producer.override.compression.type": "lz4",
		"consumer.override.isolation.level": "read_committed", "admin.override.request.timeout.ms": "5000",
	}
}

// ukFullSinkConfig is a valid FileStreamSink configuration with every key
// Kafka Connect defines for a sink connector.
func ukFullSinkConfig(file, topic, dlq string) map[string]string {
	return map[string]string{
		"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "tasks.max": "2",
		"tasks.max.enforce": "false", "connector.plugin.version": "4.4.0", "config.action.reload": "none",
		"file": file, "file.fsync": "true", "topics": topic,

		"key.converter": "ByteArrayConverter", "key.converter.plugin.version": "4.4.0",
		"value.converter": "StringConverter", "value.converter.converter.encoding": "UTF-8",
		"value.converter.value.deserializer.encoding": "UTF-8",
		"header.converter":                            "StringConverter", "header.converter.converter.encoding": "UTF-8",

		"transforms": "ts", "transforms.ts.type": "TimestampRouter",
		"transforms.ts.topic.format": "${topic}", "transforms.ts.timestamp.format": "yyyy",

		"errors.retry.timeout": "-1", "errors.retry.delay.max.ms": "1000", "errors.tolerance": "all",
		"errors.log.enable": "true", "errors.log.include.messages": "false",
		"errors.deadletterqueue.topic.name": dlq, "errors.deadletterqueue.topic.replication.factor": "1",
		"errors.deadletterqueue.context.headers.enable": "true",

		"consumer.override.auto.offset.reset": "earliest", "consumer.override.max.poll.interval.ms": "60000",
		"producer.override.linger.ms": "1", "admin.override.request.timeout.ms": "5000",
	}
}

func ukWorker(t *testing.T, opts ...Opt) *Worker {
	t.Helper()
	w := newTestWorkerWith(t, testkafka.Brokers(t), offset.NewMemory(), opts,
		sourcefile.Plugin(), sinkfile.Plugin(), ukOpenSource(), ukOpenTransform(), ukOpenConverter())
	t.Cleanup(func() { _ = w.Close() })
	return w
}

// ukWith returns a copy of base with the pairs kv set.
func ukWith(base map[string]string, kv ...string) map[string]string {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]string{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func TestUnknownKeys(t *testing.T) {
	w := ukWorker(t)
	src := map[string]string{"name": "src", "connector.class": "FileStreamSource", "topic": "t"}
	snk := map[string]string{"name": "snk", "connector.class": "FileStreamSink", "topics": "t"}
	open := map[string]string{"name": "open", "connector.class": "test.OpenSource"}
	extract := ukWith(src, "transforms", "x", "transforms.x.type", "ExtractField$Value", "transforms.x.field", "f")
	type found struct{ key, suggestion, problem string }
	for _, c := range []struct {
		name   string
		config map[string]string
		want   []found
	}{
		{"tasks.maxx", ukWith(src, "tasks.maxx", "4"),
			[]found{{"tasks.maxx", "tasks.max", "neither FileStreamSource nor the worker defines it"}}},
		{"transfroms", ukWith(src, "transfroms", "x"), []found{{"transfroms", "transforms", ""}}},
		{"value.convertor", ukWith(src, "value.convertor", "StringConverter"),
			[]found{{"value.convertor", "value.converter", ""}}},
		{"case", ukWith(src, "Tasks.Max", "2"), []found{{"Tasks.Max", "tasks.max", ""}}},
		{"errors", ukWith(src, "errors.tolerence", "all"), []found{{"errors.tolerence", "errors.tolerance", ""}}},
		{"far from everything", ukWith(src, "my.own.setting", "1"), []found{{"my.own.setting", "", ""}}},
		{"transform key", ukWith(extract, "transforms.x.feild", "f"),
			[]found{{"transforms.x.feild", "transforms.x.field", "transforms.x (ExtractField$Value) defines no key feild"}}},
		{"transform key by class name", ukWith(src, "transforms", "x",
			"transforms.x.type", "org.apache.kafka.connect.transforms.ExtractField$Value", "transforms.x.fields", "f"),
			[]found{{"transforms.x.fields", "transforms.x.field", "(ExtractField$Value)"}}},
		{"transform chain key", ukWith(extract, "transforms.x.negat", "true"),
			[]found{{"transforms.x.negat", "transforms.x.negate", ""}}},
		{"unlisted alias", ukWith(extract, "transforms.y.type", "Filter"),
			[]found{{"transforms.y.type", "transforms.x.type", "alias y is not listed in transforms"}}},
		{"predicate key", ukWith(src, "predicates", "p", "predicates.p.type", "TopicNameMatches", "predicates.p.patern", "a"),
			[]found{{"predicates.p.patern", "predicates.p.pattern", "predicates.p (TopicNameMatches) defines no key patern"}}},
		{"transform without a ConfigDef", ukWith(src, "transforms", "o", "transforms.o.type", "test.OpenTransform",
			"transforms.o.anything", "1"), nil},
		{"transform of an unknown type", ukWith(src, "transforms", "o", "transforms.o.type", "NoSuchTransform",
			"transforms.o.anything", "1"), nil},
		{"converter key", ukWith(src, "value.converter", "JsonConverter", "value.converter.schema.enable", "false"),
			[]found{{"value.converter.schema.enable", "value.converter.schemas.enable", "value.converter (JsonConverter) defines no key schema.enable"}}},
		{"default converter key", ukWith(src, "key.converter.schemas.enabled", "false"),
			[]found{{"key.converter.schemas.enabled", "key.converter.schemas.enable", "key.converter (JsonConverter)"}}},
		{"key of another converter", ukWith(src, "value.converter", "StringConverter", "value.converter.schemas.enable", "false"),
			[]found{{"value.converter.schemas.enable", "", "value.converter (StringConverter) defines no key schemas.enable"}}},
		{"header converter key", ukWith(src, "header.converter.encoding", "UTF-8"),
			[]found{{"header.converter.encoding", "", "header.converter (SimpleHeaderConverter)"}}},
		{"converter without a ConfigDef", ukWith(src, "value.converter", "test.OpenConverter",
			"value.converter.schema.registry.url", "http://x"), nil},
		{"topic creation", ukWith(src, "topic.creation.groups", "a, b", "topic.creation.a.include", "x.*",
			"topic.creation.a.cleanup.policy", "compact", "topic.creation.b.any.topic.config", "1",
			"topic.creation.default.partitions", "3", "topic.creation.default.min.insync.replicas", "2"), nil},
		{"topic creation group not listed", ukWith(src, "topic.creation.defualt.partitions", "3"),
			[]found{{"topic.creation.defualt.partitions", "topic.creation.default.partitions",
				"topic creation group defualt is not listed in topic.creation.groups"}}},
		{"topic creation without a group", ukWith(src, "topic.creation.enable", "true"),
			[]found{{"topic.creation.enable", "", "it names no topic creation group"}}},
		{"client overrides", ukWith(src, "producer.override.linger.ms", "5", "consumer.override.fetch.min.bytes", "1",
			"admin.override.anything.at.all", "x"), nil},
		{"client override prefix", ukWith(src, "producer.overide.linger.ms", "5"),
			[]found{{"producer.overide.linger.ms", "producer.override.linger.ms", ""}}},
		{"keys Kafka defines and kconnect ignores", ukWith(src, "config.action.reload", "none",
			"connector.plugin.version", "1", "key.converter.plugin.version", "1", "header.converter.plugin.version", "1"), nil},
		{"keys of the other kind", ukWith(snk, "exactly.once.support", "requested", "offsets.storage.topic", "o",
			"topic.creation.default.partitions", "1"), nil},
		{"sink topic", ukWith(snk, "topic", "t"), []found{{"topic", "topics", "neither FileStreamSink nor the worker defines it"}}},
		{"connector without a ConfigDef", ukWith(open, "anything.goes", "1", "tasks.maxx", "2"), nil},
		{"connector without a ConfigDef, transform key", ukWith(open, "transforms", "x", "transforms.x.type", "ExtractField$Value",
			"transforms.x.feild", "f"), []found{{"transforms.x.feild", "transforms.x.field", ""}}},
		{"several", ukWith(src, "tasks.maxx", "4", "transfroms", "x", "value.convertor", "StringConverter"),
			[]found{{"tasks.maxx", "tasks.max", ""}, {"transfroms", "transforms", ""}, {"value.convertor", "value.converter", ""}}},
		{"full source", ukWith(ukFullSourceConfig("in.txt", "t", "offsets"), "name", "full-src"), nil},
		{"full sink", ukWith(ukFullSinkConfig("out.txt", "t", "dlq"), "name", "full-snk", "topics.regex", "t.*"), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := w.connectorPlugin(c.config[ConnectorClassConfig])
			require.NoError(t, err)
			var got []found
			for _, u := range w.unknownKeys(p.Info(), c.config) {
				got = append(got, found{u.key, u.suggestion, u.problem})
			}
			require.Len(t, got, len(c.want), "%v", got)
			for i, want := range c.want {
				require.Equal(t, want.key, got[i].key)
				require.Equal(t, want.suggestion, got[i].suggestion, want.key)
				require.Contains(t, got[i].problem, want.problem, want.key)
			}
		})
	}
}

// ukLog records the log records of a worker.
type ukLog struct {
	mu      sync.Mutex
	records []slog.Record
	attrs   []slog.Attr // of this handler, from WithAttrs
	all     *ukLog      // the root, which holds the records
}

func newUKLog() *ukLog { l := &ukLog{}; l.all = l; return l }

func (l *ukLog) Enabled(context.Context, slog.Level) bool { return true }

func (l *ukLog) Handle(_ context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(l.attrs...)
	l.all.mu.Lock()
	l.all.records = append(l.all.records, r)
	l.all.mu.Unlock()
	return nil
}

func (l *ukLog) WithAttrs(as []slog.Attr) slog.Handler {
	return &ukLog{attrs: append(append([]slog.Attr(nil), l.attrs...), as...), all: l.all}
}

func (l *ukLog) WithGroup(string) slog.Handler { return l }

// warnings returns the attributes of each warning about an unknown key.
func (l *ukLog) warnings() []map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]string
	for _, r := range l.records {
		if r.Level != slog.LevelWarn || !strings.Contains(r.Message, "unknown configuration key") {
			continue
		}
		m := map[string]string{"msg": r.Message}
		r.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value.String(); return true })
		out = append(out, m)
	}
	return out
}

// text returns every record and attribute, for checking what is never
// logged.
func (l *ukLog) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, r := range l.records {
		b.WriteString(r.Message)
		r.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.String()); return true })
		b.WriteString("\n")
	}
	return b.String()
}

// An unknown key is logged once per configuration, naming the connector,
// the key and the nearest known key, however many tasks run it and
// however often they restart; never with its value.
func TestUnknownKeysWarnedOncePerConfiguration(t *testing.T) {
	log := newUKLog()
	w := ukWorker(t, Logger(slog.New(log)))
	brokers := w.Brokers()
	topic := testkafka.Topic(t, "uk-warn")
	testkafka.CreateTopic(t, brokers, topic, 2, nil)
	name := testkafka.Group(t, "uk-warn")
	const secret = "hunter2-not-to-be-logged"
	config := ukWith(ukFullSinkConfig(filepath.Join(t.TempDir(), "out.txt"), topic, ""),
		"tasks.maxx", "4", "transforms.ts.timestamp.formt", "yyyy", "connection.pasword", secret)
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, name, config))
	running := func() bool {
		st, err := w.Status(name)
		require.NoError(t, err)
		return st.Connector.State == Running && len(st.Tasks) == 2 &&
			st.Tasks[0].State == Running && st.Tasks[1].State == Running
	}
	require.Eventually(t, running, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, w.RestartConnector(ctx, name, true, false))
	require.NoError(t, w.RestartTask(ctx, name, 1))
	require.Eventually(t, running, 30*time.Second, 10*time.Millisecond)

	want := []map[string]string{
		{"msg": "unknown configuration key ignored", "connector": name, "key": "connection.pasword",
			"problem": "neither FileStreamSinkConnector nor the worker defines it"},
		{"msg": "unknown configuration key ignored", "connector": name, "key": "tasks.maxx",
			"problem": "neither FileStreamSinkConnector nor the worker defines it", "did_you_mean": "tasks.max"},
		{"msg": "unknown configuration key ignored", "connector": name, "key": "transforms.ts.timestamp.formt",
			"problem":      "transforms.ts (TimestampRouter) defines no key timestamp.formt",
			"did_you_mean": "transforms.ts.timestamp.format"},
	}
	require.Equal(t, want, log.warnings())

	// A new configuration is a new version: its unknown keys are logged again.
	require.NoError(t, w.UpdateConnector(ctx, name, ukWith(config, "tasks.max", "1")))
	require.Equal(t, append(want, want...), log.warnings())
	require.NotContains(t, log.text(), secret)
}

func TestValidateConnectorConfigListsUnknownKeys(t *testing.T) {
	config := ukWith(ukFullSourceConfig("in.txt", "t", "offsets"), "name", "v",
		"tasks.maxx", "4", "transforms.route.regx", "x", "password.of.mine", "hunter2")
	entries := func(infos connect.ConfigInfos) map[string]connect.ConfigInfo {
		out := map[string]connect.ConfigInfo{}
		for _, c := range infos.Configs {
			out[c.Value.Name] = c
		}
		return out
	}
	unknownMessages := map[string]string{
		"tasks.maxx": "neither FileStreamSource nor the worker defines it. Did you mean tasks.max?",
		"transforms.route.regx": "transforms.route (RegexRouter) defines no key regx. " +
			"Did you mean transforms.route.regex?",
		"password.of.mine": "neither FileStreamSource nor the worker defines it.",
	}

	t.Run("default", func(t *testing.T) {
		w := ukWorker(t)
		infos, err := w.ValidateConnectorConfig(config)
		require.NoError(t, err)
		require.Equal(t, "FileStreamSource", infos.Name, "the class as the configuration names it")
		// Listed, but not counted: CreateConnector accepts them.
		require.Equal(t, 0, infos.ErrorCount, "%+v", infos)
		byName := entries(infos)
		for key, msg := range unknownMessages {
			e, ok := byName[key]
			require.True(t, ok, key)
			require.Nil(t, e.Definition, key)
			require.Nil(t, e.Value.Value, "%s: the value of an unknown key may be a secret", key)
			require.Equal(t, []string{"Unknown configuration " + key + " is ignored: " + msg}, e.Value.Errors)
		}
		// The keys of the listed aliases are defined entries, as in Kafka Connect.
		require.NotNil(t, byName["transforms.route.regex"].Definition)
		require.NotNil(t, byName["predicates.never.pattern"].Definition)
		require.NotNil(t, byName["batch.size"].Definition)
		b, err := json.Marshal(infos)
		require.NoError(t, err)
		require.NotContains(t, string(b), "hunter2")
		require.Contains(t, string(b), `{"definition":null,"value":{"name":"tasks.maxx","value":null,"recommended_values":[],"errors":["Unknown configuration tasks.maxx is ignored:`)

		// A bad value is an error as ever.
		infos, err = w.ValidateConnectorConfig(ukWith(config, "tasks.max", "0"))
		require.NoError(t, err)
		require.Equal(t, 1, infos.ErrorCount)
		require.Equal(t, []string{"Invalid value 0 for configuration tasks.max: Value must be at least 1"},
			entries(infos)["tasks.max"].Value.Errors)

		// A configuration without unknown keys lists none.
		infos, err = w.ValidateConnectorConfig(ukWith(ukFullSourceConfig("in.txt", "t", "offsets"), "name", "v"))
		require.NoError(t, err)
		require.Equal(t, 0, infos.ErrorCount)
		for _, c := range infos.Configs {
			require.NotNil(t, c.Definition, c.Value.Name)
		}

		_, err = w.ValidateConnectorConfig(map[string]string{"name": "v"})
		require.ErrorContains(t, err, "connector.class")
		_, err = w.ValidateConnectorConfig(map[string]string{"connector.class": "NoSuchConnector"})
		require.ErrorContains(t, err, `no connector plugin called "NoSuchConnector"`)
	})

	t.Run("RejectUnknownKeys", func(t *testing.T) {
		w := ukWorker(t, RejectUnknownKeys(true))
		infos, err := w.ValidateConnectorConfig(config)
		require.NoError(t, err)
		require.Equal(t, len(unknownMessages), infos.ErrorCount)
		byName := entries(infos)
		for key, msg := range unknownMessages {
			require.Equal(t, []string{"Unknown configuration " + key + ": " + msg}, byName[key].Value.Errors)
		}
	})
}

// With RejectUnknownKeys, a configuration with unknown keys creates or
// changes nothing, and the error names each key and its nearest known key;
// a configuration with every key Kafka Connect defines is accepted.
func TestRejectUnknownKeys(t *testing.T) {
	log := newUKLog()
	w := ukWorker(t, RejectUnknownKeys(true), Logger(slog.New(log)))
	brokers := w.Brokers()
	ctx := context.Background()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	require.NoError(t, os.WriteFile(in, nil, 0o644))
	srcTopic, sinkTopic := testkafka.Topic(t, "uk-src"), testkafka.Topic(t, "uk-sink")
	testkafka.CreateTopic(t, brokers, sinkTopic, 1, nil)
	offsetsTopic, dlqTopic := testkafka.Topic(t, "uk-offsets"), testkafka.Topic(t, "uk-dlq")
	for _, topic := range []string{srcTopic, offsetsTopic, dlqTopic} {
		testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	}
	// The worker closes before the topics it made are deleted (ukWorker's
	// Close, which runs later, is then a no-op).
	t.Cleanup(func() { _ = w.Close() })

	src := testkafka.Group(t, "uk-src")
	srcConfig := ukFullSourceConfig(in, srcTopic, offsetsTopic)
	require.NoError(t, w.CreateConnector(ctx, src, srcConfig))
	snk := testkafka.Group(t, "uk-sink")
	sinkConfig := ukFullSinkConfig(filepath.Join(dir, "out.txt"), sinkTopic, dlqTopic)
	require.NoError(t, w.CreateConnector(ctx, snk, sinkConfig))
	require.Eventually(t, func() bool {
		for _, name := range []string{src, snk} {
			st, err := w.Status(name)
			require.NoError(t, err)
			if st.Connector.State != Running || len(st.Tasks) == 0 || st.Tasks[0].State != Running {
				return false
			}
		}
		return true
	}, 30*time.Second, 10*time.Millisecond)

	bad := testkafka.Group(t, "uk-bad")
	err := w.CreateConnector(ctx, bad, ukWith(srcConfig, "tasks.maxx", "4", "transfroms", "x",
		"value.convertor", "StringConverter", "transforms.route.regx", "x"))
	var ce *connect.ConfigError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, []string{"tasks.maxx", "transforms.route.regx", "transfroms", "value.convertor"}, ce.Keys())
	for _, want := range []string{
		"connector " + bad,
		"Unknown configuration tasks.maxx: neither FileStreamSource nor the worker defines it. Did you mean tasks.max?",
		"Unknown configuration transfroms: neither FileStreamSource nor the worker defines it. Did you mean transforms?",
		"Unknown configuration value.convertor: neither FileStreamSource nor the worker defines it. Did you mean value.converter?",
		"Unknown configuration transforms.route.regx: transforms.route (RegexRouter) defines no key regx. Did you mean transforms.route.regex?",
	} {
		require.ErrorContains(t, err, want)
	}
	require.NotContains(t, w.Connectors(), bad)
	_, err = w.Status(bad)
	require.ErrorIs(t, err, ErrNotFound)

	// With other bad keys, every one is named at once.
	err = w.CreateConnector(ctx, bad, ukWith(srcConfig, "tasks.max", "many", "tasks.maxx", "4"))
	require.ErrorContains(t, err, "Invalid value many for configuration tasks.max")
	require.ErrorContains(t, err, "Did you mean tasks.max?")
	require.ErrorAs(t, err, &ce)
	require.NotContains(t, w.Connectors(), bad)

	// An update with an unknown key changes nothing: the connector runs on
	// with its configuration.
	before, err := w.connector(snk)
	require.NoError(t, err)
	err = w.UpdateConnector(ctx, snk, ukWith(sinkConfig, "file.fsnyc", "false"))
	require.ErrorContains(t, err, "Unknown configuration file.fsnyc: neither FileStreamSinkConnector nor the worker defines it. Did you mean file.fsync?")
	after, err := w.connector(snk)
	require.NoError(t, err)
	require.Same(t, before, after)
	st, err := w.Status(snk)
	require.NoError(t, err)
	require.Equal(t, Running, st.Connector.State)

	require.Empty(t, log.warnings(), "refused keys are errors, not warnings")
}
