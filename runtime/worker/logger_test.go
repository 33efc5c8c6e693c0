package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/sink"
	sinkfile "github.com/kconnect-go/kconnect/sink/file"
	"github.com/kconnect-go/kconnect/source"
	sourcefile "github.com/kconnect-go/kconnect/source/file"
	"github.com/stretchr/testify/require"
)

// jsonLog collects what a slog JSON handler writes, for tests to find
// lines in.
type jsonLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *jsonLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// await waits for the first line whose msg is msg and returns its
// attributes. It fails t if a key appears twice in the line, as when a
// connector adds its own connector attribute to the runtime's.
func (l *jsonLog) await(t *testing.T, msg string) map[string]any {
	t.Helper()
	var found map[string]any
	var raw string
	require.Eventually(t, func() bool {
		found, raw = l.find(msg)
		return found != nil
	}, 30*time.Second, 10*time.Millisecond, "no log line %q", msg)
	for _, key := range []string{"connector", "task", "file"} {
		require.LessOrEqual(t, strings.Count(raw, `"`+key+`":`), 1, "%s appears twice: %s", key, raw)
	}
	return found
}

// find returns the first line whose msg is msg, parsed and as written.
func (l *jsonLog) find(msg string) (map[string]any, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for line := range strings.Lines(l.buf.String()) {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg {
			return m, line
		}
	}
	return nil, ""
}

// loggingSource is a Go connector that logs through the logger its
// contexts give it.
func loggingSource() source.Plugin {
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.LoggingSource", Kind: connect.SourcePlugin, Config: connect.NewConfigDef()},
		New:        func() source.Connector { return &loggingSourceConnector{} },
	}
}

type loggingSourceConnector struct{ config map[string]string }

func (c *loggingSourceConnector) Start(_ context.Context, config map[string]string, cc source.ConnectorContext) error {
	c.config = config
	cc.Logger().Info("custom connector started")
	return nil
}

func (c *loggingSourceConnector) TaskConfigs(int) ([]map[string]string, error) {
	return []map[string]string{c.config}, nil
}
func (c *loggingSourceConnector) NewTask() source.Task       { return &loggingSourceTask{} }
func (c *loggingSourceConnector) Stop(context.Context) error { return nil }

type loggingSourceTask struct{}

func (loggingSourceTask) Start(_ context.Context, _ map[string]string, tc source.TaskContext) error {
	tc.Logger().Info("custom task started")
	return nil
}

func (loggingSourceTask) Poll(ctx context.Context) ([]connect.Record, error) {
	<-ctx.Done()
	return nil, nil
}
func (loggingSourceTask) Stop(context.Context) error { return nil }

func loggingSink() sink.Plugin {
	return sink.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.LoggingSink", Kind: connect.SinkPlugin, Config: connect.NewConfigDef()},
		New:        func() sink.Connector { return sink.SimpleConnector(func() sink.Task { return loggingSinkTask{} }) },
	}
}

type loggingSinkTask struct{}

func (loggingSinkTask) Start(_ context.Context, _ map[string]string, tc sink.TaskContext) error {
	tc.Logger().Info("custom sink task started")
	return nil
}
func (loggingSinkTask) Put(context.Context, []connect.Record) error { return nil }
func (loggingSinkTask) Stop(context.Context) error                  { return nil }

// The worker's Logger reaches the connectors it runs, built-in and Go
// ones, through their contexts, with the attributes of the runtime's own
// lines: connector=<name>, and task=<number> for a task. FileStreamSource's
// warnings (here: the file was truncated) go there, naming the file.
func TestConnectorsLogThroughWorkerLogger(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "logged")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	require.NoError(t, os.WriteFile(in, []byte("a\nb\nc\n"), 0o644))

	var logs jsonLog
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w := newTestWorkerWith(t, brokers, offset.NewMemory(), []Opt{Logger(log)},
		sourcefile.Plugin(sourcefile.PollInterval(5*time.Millisecond)), sinkfile.Plugin(), loggingSource(), loggingSink())
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "lines", map[string]string{
		"connector.class": "FileStreamSource", "file": in, "topic": topic, "value.converter": "StringConverter",
	}))
	sinkName := testkafka.Group(t, "lines-out")
	require.NoError(t, w.CreateConnector(ctx, sinkName, map[string]string{
		"connector.class": "FileStreamSink", "file": out, "topics": topic, "value.converter": "StringConverter",
	}))
	require.NoError(t, w.CreateConnector(ctx, "custom", map[string]string{"connector.class": "test.LoggingSource"}))
	customSink := testkafka.Group(t, "custom-sink")
	require.NoError(t, w.CreateConnector(ctx, customSink, map[string]string{"connector.class": "test.LoggingSink", "topics": topic}))

	// The three lines went through Kafka, so the source has read to
	// position 6; then the file shrinks under it.
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(out)
		return string(b) == "a\nb\nc\n"
	}, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, os.WriteFile(in, []byte("x\n"), 0o644))

	connectorLine := func(msg, name string) map[string]any {
		t.Helper()
		m := logs.await(t, msg)
		require.Equal(t, name, m["connector"], "%s: %v", msg, m)
		require.NotContains(t, m, "task", "%s: %v", msg, m)
		return m
	}
	taskLine := func(msg, name string) map[string]any {
		t.Helper()
		m := logs.await(t, msg)
		require.Equal(t, name, m["connector"], "%s: %v", msg, m)
		require.Equal(t, float64(0), m["task"], "%s: %v", msg, m)
		return m
	}
	truncated := taskLine("the file was truncated; reading it again from the start", "lines")
	require.Equal(t, "WARN", truncated["level"])
	require.Equal(t, in, truncated["file"])
	require.Equal(t, float64(6), truncated["position"])
	require.Equal(t, in, connectorLine("starting file source connector", "lines")["file"])
	require.Equal(t, out, connectorLine("starting file sink connector", sinkName)["file"])
	connectorLine("custom connector started", "custom")
	taskLine("custom task started", "custom")
	taskLine("custom sink task started", customSink)
	require.NoError(t, w.Close())
}

// Logger(nil) discards: connectors still get a logger they can use.
func TestNilLoggerDiscards(t *testing.T) {
	brokers := testkafka.Brokers(t)
	w := newTestWorkerWith(t, brokers, offset.NewMemory(), []Opt{Logger(nil)}, loggingSource())
	require.NoError(t, w.CreateConnector(context.Background(), "custom", map[string]string{"connector.class": "test.LoggingSource"}))
	require.Eventually(t, func() bool {
		st, err := w.Status("custom")
		return err == nil && st.Connector.State == Running && len(st.Tasks) == 1 && st.Tasks[0].State == Running
	}, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, w.Close())
}
