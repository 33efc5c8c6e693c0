package loglevels_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/runtime/loglevels"
	"github.com/stretchr/testify/require"
)

// lines returns the messages written, one per line, and empties buf.
func lines(buf *bytes.Buffer) []string {
	var out []string
	for line := range strings.Lines(buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err == nil {
			out = append(out, m["msg"].(string))
		}
	}
	buf.Reset()
	return out
}

// A level set on a logger applies to the loggers below it that have none of
// their own, and to nothing else; root applies to every logger.
func TestLevelsHierarchy(t *testing.T) {
	levels := loglevels.New(slog.LevelInfo)
	var buf bytes.Buffer
	// The inner handler's own level is not what decides.
	log := slog.New(levels.Handler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelError})))
	worker := log.With(loglevels.LoggerKey, "kconnect.worker")
	conn := worker.With(loglevels.ConnectorKey, "orders")
	task := conn.With(loglevels.TaskKey, 0)
	other := log.With(loglevels.ConnectorKey, "ordersx")

	for _, l := range []*slog.Logger{log, worker, conn, task, other} {
		l.Debug("debug")
		l.Info("info")
	}
	require.Equal(t, []string{"info", "info", "info", "info", "info"}, lines(&buf))

	affected, err := levels.SetLevel("connector.orders", "debug")
	require.NoError(t, err)
	require.Equal(t, []string{"connector.orders", "connector.orders.task.0"}, affected)
	task.Debug("task debug")
	conn.Debug("conn debug")
	other.Debug("other debug")
	worker.Debug("worker debug")
	require.Equal(t, []string{"task debug", "conn debug"}, lines(&buf))

	// A level set on the task afterwards is its own.
	_, err = levels.SetLevel("connector.orders.task.0", "TRACE")
	require.NoError(t, err)
	task.Log(t.Context(), loglevels.LevelTrace, "task trace")
	conn.Log(t.Context(), loglevels.LevelTrace, "conn trace")
	require.Equal(t, []string{"task trace"}, lines(&buf))

	affected, err = levels.SetLevel("root", "WARN")
	require.NoError(t, err)
	require.Equal(t, []string{"connector.orders", "connector.orders.task.0", "connector.ordersx", "kconnect.worker", "root"}, affected)
	for _, l := range []*slog.Logger{log, worker, conn, task, other} {
		l.Info("info")
		l.Warn("warn")
	}
	require.Equal(t, []string{"warn", "warn", "warn", "warn", "warn"}, lines(&buf))

	_, err = levels.SetLevel("root", "OFF")
	require.NoError(t, err)
	log.Error("error")
	task.Log(t.Context(), loglevels.LevelFatal, "fatal")
	require.Empty(t, lines(&buf))

	_, err = levels.SetLevel("root", "NOISY")
	require.ErrorContains(t, err, `invalid log level "NOISY"`)
	_, err = levels.SetLevel("", "INFO")
	require.Error(t, err)
}

// Level and Levels report as Kafka Connect's GET /admin/loggers does: a
// seen logger's inherited level, the loggers with a level of their own, and
// when each was last changed.
func TestLevelsReport(t *testing.T) {
	levels := loglevels.New(slog.LevelInfo)
	log := slog.New(levels.Handler(slog.DiscardHandler))
	log.With(loglevels.LoggerKey, "a.b")

	got, ok := levels.Level("a.b")
	require.True(t, ok)
	require.Equal(t, loglevels.LoggerLevel{Level: "INFO"}, got)
	_, ok = levels.Level("a")
	require.False(t, ok, "an ancestor that was never seen nor set is not a logger")
	got, ok = levels.Level("ROOT")
	require.True(t, ok)
	require.Equal(t, "INFO", got.Level)
	require.Equal(t, map[string]loglevels.LoggerLevel{"root": {Level: "INFO"}}, levels.Levels())

	before := time.Now()
	affected, err := levels.SetLevel("a", "DEBUG")
	require.NoError(t, err)
	require.Equal(t, []string{"a", "a.b"}, affected)
	all := levels.Levels()
	require.Len(t, all, 3)
	require.Equal(t, "DEBUG", all["a.b"].Level)
	require.False(t, all["a.b"].LastModified.Before(before.Truncate(time.Millisecond)))
	modified := all["a"].LastModified

	// Setting the level a logger has already leaves its time alone.
	_, err = levels.SetLevel("a", "debug")
	require.NoError(t, err)
	require.Equal(t, modified, levels.Levels()["a"].LastModified)

	b, err := json.Marshal(loglevels.LoggerLevel{Level: "WARN"})
	require.NoError(t, err)
	require.Equal(t, `{"level":"WARN","last_modified":null}`, string(b))
	b, err = json.Marshal(loglevels.LoggerLevel{Level: "WARN", LastModified: time.UnixMilli(1700000000123)})
	require.NoError(t, err)
	require.Equal(t, `{"level":"WARN","last_modified":1700000000123}`, string(b))
}

func TestLevelNames(t *testing.T) {
	for name, want := range map[string]slog.Level{
		"trace": slog.LevelDebug - 4, "DEBUG": slog.LevelDebug, "Info": slog.LevelInfo,
		"WARN": slog.LevelWarn, "ERROR": slog.LevelError, "FATAL": slog.LevelError + 4,
	} {
		got, ok := loglevels.ParseLevel(name)
		require.True(t, ok, name)
		require.Equal(t, want, got, name)
		require.Equal(t, strings.ToUpper(name), loglevels.LevelName(got))
	}
	_, ok := loglevels.ParseLevel("WARNING")
	require.False(t, ok)
	require.Equal(t, "INFO", loglevels.LevelName(slog.LevelInfo-2))
	off, _ := loglevels.ParseLevel("OFF")
	require.Equal(t, "OFF", loglevels.LevelName(off))
}
