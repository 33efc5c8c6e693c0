package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/syncbuf"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

// The quickstart as go run runs it, on the embedded broker, smaller: every
// row of every file reaches the SQLite table once, transformed, and every
// file is moved to finished.path.
func TestQuickstart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out syncbuf.Buffer
	require.NoError(t, run(ctx, &out, config{files: 3, rows: 500}), "output:\n%s", &out)
	require.Contains(t, out.String(), "1500 / 1500 rows in the table, 3 / 3 files done")
	require.Contains(t, out.String(), "checked: all 1500 rows in table orders once each")
}

// With -brokers, on a Kafka that does not create topics as they are
// written to (as the test broker does not), the worker creates them.
func TestQuickstartBrokers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out syncbuf.Buffer
	cfg := config{brokers: strings.Join(testkafka.Brokers(t), ","), files: 2, rows: 300}
	require.NoError(t, run(ctx, &out, cfg), "output:\n%s", &out)
	require.Contains(t, out.String(), "checked: all 600 rows in table orders once each")
}

// verify fails when a row is missing, repeated, unknown or arrived
// changed, naming it.
func TestVerify(t *testing.T) {
	ctx := context.Background()
	check := func(ids ...int) func(edit string) error {
		return func(edit string) error {
			db, err := openDB(filepath.Join(t.TempDir(), "orders.db"))
			require.NoError(t, err)
			defer db.Close()
			// As the sink creates it, but without the primary key, so
			// that a repeated row can be written.
			_, err = db.ExecContext(ctx, `CREATE TABLE "orders" ("id" INTEGER NOT NULL, "customer" TEXT NOT NULL,
				"email" TEXT NOT NULL, "amount" REAL NOT NULL, "pipeline" TEXT NULL)`)
			require.NoError(t, err)
			for _, id := range ids {
				_, err := db.ExecContext(ctx, `INSERT INTO "orders" VALUES (?, ?, '', ?, 'quickstart')`,
					id, customer(id), amount(id))
				require.NoError(t, err)
			}
			if edit != "" {
				_, err := db.ExecContext(ctx, edit)
				require.NoError(t, err)
			}
			return verify(ctx, db, 3)
		}
	}

	require.NoError(t, check(2, 1, 3)(""))

	err := check(1, 3)("")
	require.ErrorContains(t, err, "1 of 3 rows did not arrive")
	require.ErrorContains(t, err, "id 2")

	require.ErrorContains(t, check(1, 2, 3, 2)(""), "row 2 is there more than once")

	err = check(1, 2, 3)(`UPDATE "orders" SET "email" = 'customer2@example.com' WHERE "id" = 2`)
	require.ErrorContains(t, err, `row 2 arrived as customer "Customer 2", email "customer2@example.com"`)

	err = check(1, 2, 3)(`UPDATE "orders" SET "pipeline" = NULL WHERE "id" = 3`)
	require.ErrorContains(t, err, "row 3 arrived as")
	require.ErrorContains(t, err, "pipeline NULL")

	err = check(1, 2, 3)(`UPDATE "orders" SET "amount" = 1.5 WHERE "id" = 1`)
	require.ErrorContains(t, err, "amount 1.5,")

	require.ErrorContains(t, check(1, 2, 3, 4)(""), "id 4 was never written")
}
