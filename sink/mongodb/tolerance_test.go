package mongodb_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/sink"
	sinkmongodb "github.com/kconnect-go/kconnect/sink/mongodb"
)

// loggedContext is a tolerant test context whose logger writes to a buffer.
type loggedContext struct {
	*connecttest.SinkTaskContext
	mu  *sync.Mutex
	buf *bytes.Buffer
}

type lockedWriter struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (c loggedContext) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(lockedWriter{c.mu, c.buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (c loggedContext) logged() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

func startedLogged(t *testing.T, config map[string]string) (connectTask, loggedContext) {
	t.Helper()
	task := sinkmongodb.Plugin().New().NewTask()
	tc := loggedContext{connecttest.NewSinkTaskContext(config), &sync.Mutex{}, &bytes.Buffer{}}
	require.NoError(t, task.Start(context.Background(), config, tc))
	t.Cleanup(func() { _ = task.Stop(context.Background()) })
	return task, tc
}

type connectTask interface {
	Put(ctx context.Context, records []connect.Record) error
}

// TestMongoErrorsTolerance: mongo.errors.tolerance overrides the
// framework's errors.tolerance for the connector's own errors, per topic
// with topic.override: with none a record that cannot be written fails Put
// and is not reported, though the errant record reporter would tolerate
// it; with all it is reported. mongo.errors.log.enable logs each one,
// naming the record; errors not tolerated are always logged.
func TestMongoErrorsTolerance(t *testing.T) { onServers(t, testMongoErrorsTolerance) }

func testMongoErrorsTolerance(t *testing.T, uri string, client *mongo.Client, db string) {
	ctx := context.Background()
	config := map[string]string{
		"connection.uri": uri, "database": db, "collection": "c", "topics": "a,b",
		"errors.tolerance": "all", "mongo.errors.tolerance": "none",
		"topic.override.b.mongo.errors.tolerance": "all", "topic.override.b.mongo.errors.log.enable": "true",
	}
	task, tc := startedLogged(t, config)

	err := task.Put(ctx, []connect.Record{rec("a", 0, nil, `{"_id": 1}`), rec("a", 1, nil, `"not a document"`)})
	require.ErrorContains(t, err, "record topic a partition 0 offset 1")
	require.Empty(t, tc.Reported(), "mongo.errors.tolerance=none: nothing is reported")
	require.Contains(t, tc.logged(), "record topic a partition 0 offset 1", "an error not tolerated is logged")

	require.NoError(t, task.Put(ctx, []connect.Record{rec("b", 0, nil, `{"_id": 2}`), rec("b", 1, nil, `"not a document"`)}))
	require.Len(t, tc.Reported(), 1)
	require.Contains(t, tc.logged(), "record topic b partition 0 offset 1", "mongo.errors.log.enable logs a tolerated error")
	require.Len(t, find(t, client, db, "c", nil), 1)

	// A write the server refuses (a duplicate _id with inserts) too.
	config = map[string]string{
		"connection.uri": uri, "database": db, "collection": "c", "topics": "a",
		"writemodel.strategy": "InsertOneDefaultStrategy", "document.id.strategy": "ProvidedInValueStrategy",
		"mongo.errors.tolerance": "none",
	}
	task, tc = startedLogged(t, config)
	err = task.Put(ctx, []connect.Record{rec("a", 5, nil, `{"_id": 2}`)})
	require.ErrorContains(t, err, "record topic a partition 0 offset 5")
	require.Empty(t, tc.Reported())

	// Without the override, errors.tolerance decides as before: the
	// tolerant reporter takes the record, and nothing is logged at error
	// level when errors.log.enable is false and errors are tolerated.
	config = map[string]string{
		"connection.uri": uri, "database": db, "collection": "c", "topics": "a",
		"errors.tolerance": "all",
	}
	task, tc = startedLogged(t, config)
	require.NoError(t, task.Put(ctx, []connect.Record{rec("a", 6, nil, `"not a document"`)}))
	require.Len(t, tc.Reported(), 1)
	require.NotContains(t, tc.logged(), "level=ERROR")
}

// TestMongoErrorsToleranceInvalid: a value other than none or all is
// refused when the task starts, naming the key.
func TestMongoErrorsToleranceInvalid(t *testing.T) {
	for _, kv := range [][2]string{{"mongo.errors.tolerance", "some"}, {"topic.override.a.mongo.errors.log.enable", "yes"}} {
		task := sinkmongodb.Plugin().New().NewTask()
		config := map[string]string{"connection.uri": "mongodb://127.0.0.1:1/", "database": "d", "topics": "a", kv[0]: kv[1]}
		err := task.Start(context.Background(), config, connecttest.NewSinkTaskContext(config))
		require.ErrorContains(t, err, strings.TrimPrefix(kv[0], "topic.override.a."))
	}
}

// noReporterContext is a test context without an errant record reporter.
type noReporterContext struct{ *connecttest.SinkTaskContext }

func (noReporterContext) Reporter() sink.ErrantRecordReporter { return nil }

// TestMongoErrorsToleranceWithoutReporter: with no errant record reporter,
// a record that cannot be written fails Put, unless mongo.errors.tolerance
// is all: then it is skipped, as the official connector's no-op reporter
// skips it, and the others are written.
func TestMongoErrorsToleranceWithoutReporter(t *testing.T) {
	onServers(t, func(t *testing.T, uri string, client *mongo.Client, db string) {
		ctx := context.Background()
		for _, tolerance := range []string{"", "all"} {
			config := map[string]string{"connection.uri": uri, "database": db, "collection": "c" + tolerance, "topics": "a",
				"mongo.errors.tolerance": tolerance}
			task := sinkmongodb.Plugin().New().NewTask()
			require.NoError(t, task.Start(ctx, config, noReporterContext{connecttest.NewSinkTaskContext(config)}))
			t.Cleanup(func() { _ = task.Stop(context.Background()) })
			err := task.Put(ctx, []connect.Record{rec("a", 0, nil, `"not a document"`), rec("a", 1, nil, `{"_id": 1}`)})
			if tolerance == "" {
				require.ErrorContains(t, err, "record topic a partition 0 offset 0")
				continue
			}
			require.NoError(t, err)
			require.Len(t, find(t, client, db, "c"+tolerance, nil), 1)
		}
	})
}
