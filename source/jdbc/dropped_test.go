package jdbc_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
	"github.com/kconnect-go/kconnect/source"
	srcjdbc "github.com/kconnect-go/kconnect/source/jdbc"
)

// logBuffer is a logger whose lines a test reads.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type loggedTaskContext struct {
	source.TaskContext
	log *slog.Logger
}

func (c loggedTaskContext) Logger() *slog.Logger { return c.log }

type loggedConnectorContext struct {
	source.ConnectorContext
	log *slog.Logger
}

func (c loggedConnectorContext) Logger() *slog.Logger { return c.log }

// TestTableDroppedAndRecreated drops the whitelisted table a task reads,
// with query.retry.attempts=0: the task waits for it, logging it once,
// without an error, and reads the table again once it is created again;
// a task given a table that does not exist yet starts and waits alike.
func TestTableDroppedAndRecreated(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		f := newFixture(t, db, "items")
		f.insert("items", 1, "a", 1000)
		cfg := config(db, "mode", "incrementing", "incrementing.column.name", "id", "table.whitelist", "items",
			"query.retry.attempts", "0")
		offsets := connecttest.NewOffsets()
		c := srcjdbc.Plugin().New()
		cc := connecttest.NewConnectorContext(offsets)
		connLogs := &logBuffer{}
		require.NoError(t, c.Start(context.Background(), cfg, loggedConnectorContext{cc, slog.New(slog.NewTextHandler(connLogs, nil))}))
		defer c.Stop(context.Background())
		tcs, err := c.TaskConfigs(1)
		require.NoError(t, err)
		require.Len(t, tcs, 1)
		logs := &logBuffer{}
		task := c.NewTask()
		require.NoError(t, task.Start(context.Background(), tcs[0],
			loggedTaskContext{connecttest.SourceTaskContext(tcs[0], offsets), slog.New(slog.NewTextHandler(logs, nil))}))
		defer task.Stop(context.Background())
		pollN := func(n int) []connect.Record {
			var got []connect.Record
			for range n {
				recs, err := task.Poll(context.Background())
				require.NoError(t, err, "a missing table is waited for, not a failure")
				offsets.CommitRecords(recs)
				got = append(got, recs...)
			}
			return got
		}
		require.Equal(t, "1:a", ids(pollN(3)))

		f.exec(`DROP TABLE "items"`)
		require.Empty(t, pollN(5))
		require.Equal(t, 1, strings.Count(logs.String(), "the table does not exist; waiting for it to be created"), logs.String())
		require.Eventually(t, func() bool { return cc.Reconfigurations() > 0 }, testTimeout, pollEvery,
			"the connector sees the table gone")
		tcs, err = c.TaskConfigs(1)
		require.NoError(t, err)
		require.Empty(t, tcs, "no table, no task")
		require.Contains(t, connLogs.String(), "tables of table.whitelist do not exist; each is copied once it is created")

		newFixture(t, db, "items")
		f.insert("items", 5, "e", 1000)
		require.Equal(t, "5:e", ids(pollN(3)), "read from the committed offset once it exists again")
		require.Contains(t, logs.String(), "the table exists again")
		require.Eventually(t, func() bool { return cc.Reconfigurations() > 1 }, testTimeout, pollEvery,
			"the connector sees the table back")
		tcs, err = c.TaskConfigs(1)
		require.NoError(t, err)
		require.Len(t, tcs, 1)

		// A task whose table is gone by the time it starts waits too.
		f.exec(`DROP TABLE "items"`)
		late := c.NewTask()
		require.NoError(t, late.Start(context.Background(), tcs[0], connecttest.SourceTaskContext(tcs[0], offsets)))
		defer late.Stop(context.Background())
		recs, err := late.Poll(context.Background())
		require.NoError(t, err)
		require.Empty(t, recs)
		newFixture(t, db, "items")
		f.insert("items", 6, "f", 1000)
		var got []connect.Record
		require.Eventually(t, func() bool {
			recs, err := late.Poll(context.Background())
			require.NoError(t, err)
			got = append(got, recs...)
			return len(got) > 0
		}, testTimeout, pollEvery)
		require.Equal(t, "6:f", ids(got))
	})
}

const (
	testTimeout = 20 * time.Second
	pollEvery   = 20 * time.Millisecond
)
