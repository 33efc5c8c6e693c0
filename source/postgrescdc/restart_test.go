package postgrescdc_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
)

// TestDatabaseRestart stops a server of the test's own at once (as a
// crash) and starts it again while the task streams and rows are being
// written: the task connects again by itself and every row committed
// comes at least once. A few seconds: the only test of a server that
// goes away and comes back, rather than a connection ended.
func TestDatabaseRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server of its own")
	}
	srv := jdbctest.PrivatePostgresWith(t, jdbctest.LogicalReplication...)
	ctx := context.Background()
	connect := func() *pgx.Conn {
		deadline := time.Now().Add(60 * time.Second)
		for {
			c, err := pgx.Connect(ctx, srv.URL)
			if err == nil {
				return c
			}
			if time.Now().After(deadline) {
				t.Errorf("connecting to %s: %v", srv.Addr, err)
				return nil
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	c := connect()
	if _, err := c.Exec(ctx, `CREATE TABLE public.t (id int PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(srv.Addr)
	cfg := map[string]string{
		"connector.class":   "io.debezium.connector.postgresql.PostgresConnector",
		"database.hostname": host, "database.port": port, "database.user": "postgres", "database.dbname": "postgres",
		"database.sslmode": "disable", "topic.prefix": "restart", "slot.name": "restart", "publication.name": "restart",
		"snapshot.mode": "no_data", "poll.interval.ms": "50", "status.update.interval.ms": "500",
	}
	r := start(t, cfg, nil)

	// Rows written one a transaction, through the restart: a row whose
	// commit failed is written again, so every id ends up committed.
	const rows = 1500
	written := make(chan struct{})
	go func() {
		defer close(written)
		for id := 1; id <= rows; {
			if c == nil {
				if c = connect(); c == nil {
					return
				}
			}
			if _, err := c.Exec(ctx, `INSERT INTO public.t VALUES ($1) ON CONFLICT DO NOTHING`, id); err != nil {
				c.Close(ctx)
				c = nil
				continue
			}
			id++
		}
		c.Close(ctx)
	}()
	seen := map[int32]bool{}
	read := func(n int) {
		for _, rec := range r.until(n) {
			seen[field(t, rec.Key, "id").(int32)] = true
		}
	}
	read(50)
	srv.Stop()
	srv.Start()
	<-written
	for len(seen) < rows {
		read(1)
	}
	for id := int32(1); id <= rows; id++ {
		if !seen[id] {
			t.Fatalf("row %d never came", id)
		}
	}
}
