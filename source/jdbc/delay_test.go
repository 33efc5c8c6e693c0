package jdbc_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
)

// delayed polls r until it has n records or the deadline passes, checking
// of each record that the database's clock, read after the poll that
// returned it, is at least timestamp.delay.interval.ms past its timestamp:
// no row is read inside the delay window.
func delayed(t *testing.T, db *jdbctest.DB, r *run, offsets *connecttest.Offsets, n int, delay time.Duration) []connect.Record {
	t.Helper()
	ctx := context.Background()
	var got []connect.Record
	deadline := time.Now().Add(testTimeout)
	for len(got) < n && time.Now().Before(deadline) {
		recs, err := r.tasks[0].Poll(ctx)
		require.NoError(t, err)
		now, err := db.Dialect.Now(ctx, db.DB, time.UTC)
		require.NoError(t, err)
		for _, rec := range recs {
			ts := rec.Value.(*connect.Struct).Get("ts").(time.Time)
			require.GreaterOrEqual(t, now.Sub(ts), delay, "a row read %v after its timestamp", now.Sub(ts))
		}
		offsets.CommitRecords(recs)
		got = append(got, recs...)
	}
	return got
}

// TestTimestampDelayWindow drives timestamp.delay.interval.ms through the
// timestamps inserted, against the database's clock: a row stamped inside
// the window is not read until the window passes, and a row committed
// after it but stamped earlier (its timestamp taken before the other's,
// its commit late by less than the delay) is read too, not skipped, as it
// would be without the delay. This is the guard of the databases without
// PostgreSQL's snapshot rule (MariaDB, SQLite), run on those.
func TestTimestampDelayWindow(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		if db.Dialect == jdbc.PostgreSQL {
			t.Skip("PostgreSQL's rows wait for older open transactions (TestOutOfOrderCommits)")
		}
		for mode, table := range map[string]string{"timestamp": "by_ts", "timestamp+incrementing": "by_ts_inc"} {
			t.Run(mode, func(t *testing.T) {
				ctx := context.Background()
				f := newFixture(t, db, table)
				const delay = 3 * time.Second
				cfg := config(db, "mode", mode, "incrementing.column.name", "id", "timestamp.column.name", "ts",
					"timestamp.delay.interval.ms", "3000", "table.whitelist", table)
				offsets := connecttest.NewOffsets()
				r := start(t, cfg, offsets, 1)

				now, err := db.Dialect.Now(ctx, db.DB, time.UTC)
				require.NoError(t, err)
				now0 := now.UnixMilli()
				f.insert(table, 1, "settled", now0-10_000)
				f.insert(table, 2, "recent", now0-500) // inside the window until now0+2500
				require.Equal(t, "1:settled", ids(delayed(t, db, r, offsets, 1, delay)))
				for range 3 {
					recs, err := r.tasks[0].Poll(ctx)
					require.NoError(t, err)
					offsets.CommitRecords(recs)
					if len(recs) > 0 {
						now, err := db.Dialect.Now(ctx, db.DB, time.UTC)
						require.NoError(t, err)
						require.GreaterOrEqual(t, now.UnixMilli(), now0+2500, "row 2 read inside the window")
					}
				}

				// Stamped before row 2, committed after it: a second late at
				// most, inside the 3 s delay.
				f.insert(table, 3, "late", now0-1000)
				require.Equal(t, "3:late 2:recent", ids(delayed(t, db, r, offsets, 2, delay)),
					"the row committed late within the delay is read, before the one stamped after it")
			})
		}
	})
}

// TestTimestampDelayOpenTransaction commits rows out of timestamp order
// on MariaDB, whose reads have no PostgreSQL snapshot rule: a row stamped
// by the database in a transaction left open while a later one commits
// is read, with the later, once committed within
// timestamp.delay.interval.ms; committed beyond it, after the later row
// was read, it is skipped, the bound the package documentation states.
func TestTimestampDelayOpenTransaction(t *testing.T) {
	db := jdbctest.MariaDB(t)
	for mode, table := range map[string]string{"timestamp": "by_ts", "timestamp+incrementing": "by_ts_inc"} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, db, table)
			const delay = 2 * time.Second
			cfg := config(db, "mode", mode, "incrementing.column.name", "id", "timestamp.column.name", "ts",
				"timestamp.delay.interval.ms", "2000", "table.whitelist", table)
			offsets := connecttest.NewOffsets()
			r := start(t, cfg, offsets, 1)
			late := func(id int64, name string) *sql.Tx {
				tx, err := db.DB.BeginTx(ctx, nil)
				require.NoError(t, err)
				t.Cleanup(func() { _ = tx.Rollback() })
				_, err = tx.ExecContext(ctx, "INSERT INTO `"+table+"` VALUES (?, ?, CURRENT_TIMESTAMP(6))", id, name)
				require.NoError(t, err)
				return tx
			}
			stamped := func(id int64, name string) {
				f.exec(`INSERT INTO "`+table+`" VALUES (?, ?, CURRENT_TIMESTAMP(6))`, id, name)
			}

			tx := late(1, "first")
			stamped(2, "second") // a later timestamp, committed first
			recs, err := r.tasks[0].Poll(ctx)
			require.NoError(t, err)
			require.Empty(t, recs, "inside the window")
			require.NoError(t, tx.Commit())
			require.Equal(t, "1:first 2:second", ids(delayed(t, db, r, offsets, 2, delay)),
				"committed within the delay: read, in timestamp order")

			if mode != "timestamp" {
				return
			}
			tx = late(3, "beyond")
			stamped(4, "read")
			require.Equal(t, "4:read", ids(delayed(t, db, r, offsets, 1, delay)))
			require.NoError(t, tx.Commit())
			require.Empty(t, r.poll(offsets, 0), "committed after a later row was read: skipped")
		})
	}
}
