package jdbctest_test

import (
	"context"
	"testing"

	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
)

// TestPrivateServers starts, stops and starts again each private server:
// it answers while up, refuses while down, and keeps its data.
func TestPrivateServers(t *testing.T) {
	for name, private := range map[string]func(testing.TB) *jdbctest.Server{"postgres": jdbctest.PrivatePostgres, "mariadb": jdbctest.PrivateMariaDB} {
		t.Run(name, func(t *testing.T) {
			s := private(t)
			target, err := jdbc.ParseURL(s.URL)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			db, err := target.Open(ctx, "", "", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.ExecContext(ctx, "CREATE TABLE kept (id INT)"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, "INSERT INTO kept VALUES (1)"); err != nil {
				t.Fatal(err)
			}
			s.Stop()
			if err := db.PingContext(ctx); err == nil {
				t.Fatal("the stopped server answers")
			}
			s.Start()
			var n int
			if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM kept").Scan(&n); err != nil || n != 1 {
				t.Fatalf("after the restart: %d rows, %v; want the row written before", n, err)
			}
		})
	}
}
