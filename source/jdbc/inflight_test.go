package jdbc_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
)

// TestOutOfOrderCommits commits two transactions out of id order on
// PostgreSQL: the row of id 2, committed while id 1's transaction is
// open, is held back until that one commits, and then both are read in
// order, so id 1 is not skipped (Confluent's jdbc#915), in incrementing
// and timestamp+incrementing modes.
func TestOutOfOrderCommits(t *testing.T) {
	for _, mode := range []string{"incrementing", "timestamp+incrementing"} {
		t.Run(mode, func(t *testing.T) {
			db := jdbctest.Postgres(t)
			f := newFixture(t, db, "items")
			ctx := context.Background()
			cfg := config(db, "mode", mode, "incrementing.column.name", "id", "timestamp.column.name", "ts")
			offsets := connecttest.NewOffsets()
			r := start(t, cfg, offsets, 1)

			tx1, err := db.DB.BeginTx(ctx, nil)
			require.NoError(t, err)
			defer tx1.Rollback()
			_, err = tx1.ExecContext(ctx, `INSERT INTO "items" VALUES (1, 'first', $1)`, f.at(1000))
			require.NoError(t, err)
			f.insert("items", 2, "second", 1000) // committed at once

			var early []connect.Record
			deadline := time.Now().Add(300 * time.Millisecond)
			for time.Now().Before(deadline) {
				recs, err := r.tasks[0].Poll(ctx)
				require.NoError(t, err)
				offsets.CommitRecords(recs)
				early = append(early, recs...)
			}
			require.Empty(t, ids(early), "a row read while a transaction of a lower id is open")

			require.NoError(t, tx1.Commit())
			require.Equal(t, "1:first 2:second", ids(r.poll(offsets, 2)))
		})
	}
}
