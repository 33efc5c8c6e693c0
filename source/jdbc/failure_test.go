package jdbc_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
	srcjdbc "github.com/kconnect-go/kconnect/source/jdbc"
)

// TestQueryRetries renames the column a task reads by: its polls fail as
// retriable query.retry.attempts times in a row, then the task fails
// with an error naming the table and the key.
func TestQueryRetries(t *testing.T) {
	db := jdbctest.SQLite(t)
	f := newFixture(t, db, "items")
	f.insert("items", 1, "a", 1000)
	cfg := config(db, "mode", "incrementing", "incrementing.column.name", "id", "query.retry.attempts", "2")
	offsets := connecttest.NewOffsets()
	r := start(t, cfg, offsets, 1)
	require.Equal(t, "1:a", ids(r.poll(offsets, 1)))
	f.exec(`ALTER TABLE "items" RENAME COLUMN "id" TO "id2"`)
	var errs []error
	for len(errs) < 3 {
		_, err := r.tasks[0].Poll(context.Background())
		if err != nil {
			errs = append(errs, err)
		}
	}
	require.ErrorIs(t, errs[0], connect.ErrRetriable)
	require.ErrorIs(t, errs[1], connect.ErrRetriable)
	require.NotErrorIs(t, errs[2], connect.ErrRetriable)
	require.ErrorContains(t, errs[2], "items")
	require.ErrorContains(t, errs[2], "query.retry.attempts")
}

// TestConfluentKeys: a configuration using every key of Confluent's
// connector kconnect accepts starts, and no key of it is unknown.
func TestConfluentKeys(t *testing.T) {
	db := jdbctest.SQLite(t)
	newFixture(t, db, "items")
	cfg := config(db, "mode", "timestamp+incrementing", "incrementing.column.name", "id", "timestamp.column.name", "ts",
		"connection.user", "u", "connection.password", "secret-pw", "connection.attempts", "2", "connection.backoff.ms", "10",
		"timestamp.delay.interval.ms", "0", "timestamp.initial", "0", "validate.non.null", "true", "query.suffix", "",
		"table.whitelist", "items", "table.types", "TABLE,VIEW", "catalog.pattern", "",
		"batch.max.rows", "10", "numeric.mapping", "best_fit", "db.timezone", "UTC", "dialect.name", "SqliteDatabaseDialect",
		"quote.sql.identifiers", "always", "query.retry.attempts", "-1", "query.masked", "",
		"timestamp.granularity", "connect_logical", "transaction.isolation.mode", "DEFAULT",
		"numeric.precision.mapping", "false", "date.calendar.system", "LEGACY",
		"table.monitoring.startup.polling.limit.ms", "10000", "max.buffer.size", "0", "poll.linger.ms", "5000",
		"jdbc.credentials.provider.class", "io.confluent.connect.jdbc.util.DefaultJdbcCredentialsProvider")
	info := srcjdbc.Plugin().Info()
	for k := range cfg {
		require.True(t, info.AcceptsKey(k), k)
	}
	offsets := connecttest.NewOffsets()
	r := start(t, cfg, offsets, 1)
	require.Len(t, r.tasks, 1)
	for _, err := range r.cc.Errors() {
		require.NotContains(t, err.Error(), "secret-pw")
	}
	require.NoError(t, errors.Join(r.cc.Errors()...))
}

// TestHostileNames reads a table and an incrementing column whose names
// would break a statement they were spliced into unquoted or naively
// quoted: identifiers are quoted, values bound.
func TestHostileNames(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		table, col := `it"ems; DROP TABLE x --`, "i`d\" OR 1=1"
		qt, err := db.Dialect.Ident(table, 0)
		require.NoError(t, err)
		qc, err := db.Dialect.Ident(col, 0)
		require.NoError(t, err)
		_, err = db.DB.Exec(`CREATE TABLE ` + qt + ` (` + qc + ` BIGINT NOT NULL PRIMARY KEY)`)
		require.NoError(t, err)
		_, err = db.DB.Exec(`INSERT INTO ` + qt + ` VALUES (1), (2)`)
		require.NoError(t, err)
		cfg := config(db, "mode", "incrementing", "incrementing.column.name", col, "table.whitelist", table)
		offsets := connecttest.NewOffsets()
		r := start(t, cfg, offsets, 1)
		recs := r.poll(offsets, 2)
		require.Len(t, recs, 2)
		require.Equal(t, "kc-"+table, recs[1].Topic)
		require.Equal(t, map[string]any{"incrementing": int64(2)}, recs[1].SourceOffset.Map())
	})
}
