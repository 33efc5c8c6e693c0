package jdbc_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
)

// lockedDatabases are the databases of TestTransientFailuresAreRetried,
// each with a way to make the sink's writes to table users wait, then
// fail transiently, and to end that: PostgreSQL's lock_timeout against a
// table lock (lock_not_available); MariaDB's lock_wait_timeout, set on a
// server of the test's own, against LOCK TABLES (error 1205); SQLite's
// busy_timeout against another connection's write transaction
// (SQLITE_BUSY).
var lockedDatabases = []struct {
	name string
	open func(t *testing.T) *jdbctest.DB
	lock func(t *testing.T, db *jdbctest.DB) (release func())
}{
	{
		name: "sqlite",
		open: func(t *testing.T) *jdbctest.DB {
			db := jdbctest.SQLite(t)
			db.URL += "?busy_timeout=50"
			return db
		},
		lock: func(t *testing.T, db *jdbctest.DB) func() {
			return lockWith(t, db.DB, "BEGIN IMMEDIATE", "ROLLBACK")
		},
	},
	{
		name: "postgres",
		open: func(t *testing.T) *jdbctest.DB {
			db := jdbctest.Postgres(t)
			db.URL += "&lock_timeout=50"
			return db
		},
		lock: func(t *testing.T, db *jdbctest.DB) func() {
			return lockWith(t, db.DB, `BEGIN; LOCK TABLE "users" IN ACCESS EXCLUSIVE MODE`, "ROLLBACK")
		},
	},
	{
		name: "mariadb",
		open: func(t *testing.T) *jdbctest.DB {
			srv := jdbctest.PrivateMariaDB(t)
			target, err := jdbc.ParseURL(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			admin, err := target.Open(context.Background(), "", "", nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { admin.Close() })
			if _, err := admin.Exec("SET GLOBAL lock_wait_timeout = 1"); err != nil {
				t.Fatal(err)
			}
			return &jdbctest.DB{Name: "mariadb", URL: srv.URL, Dialect: jdbc.MySQL, DB: admin}
		},
		lock: func(t *testing.T, db *jdbctest.DB) func() {
			return lockWith(t, db.DB, "LOCK TABLES `users` WRITE", "UNLOCK TABLES")
		},
	},
}

// lockWith runs lock on a connection of its own and returns what runs
// unlock on it.
func lockWith(t *testing.T, db *sql.DB, lock, unlock string) func() {
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, lock); err != nil {
		t.Fatal(err)
	}
	return func() {
		if _, err := conn.ExecContext(ctx, unlock); err != nil {
			t.Fatal(err)
		}
		conn.Close()
	}
}

// TestTransientFailuresAreRetried locks the table from another session so
// that the task's writes time out waiting: each Put asks the runtime to
// deliver the batch again after retry.backoff.ms, max.retries times in a
// row, then fails the task, reporting no record; once the lock is gone,
// the batch is written.
func TestTransientFailuresAreRetried(t *testing.T) {
	for _, ldb := range lockedDatabases {
		t.Run(ldb.name, func(t *testing.T) {
			db := ldb.open(t)
			s := start(t, db, map[string]string{"auto.create": "true", "max.retries": "2", "retry.backoff.ms": "1234"})
			s.put(named(t, "users", 0, 1, "ann"))

			release := ldb.lock(t, db)
			batch := []connect.Record{named(t, "users", 1, 2, "bob")}
			ctx := context.Background()
			for attempt := 1; attempt <= 2; attempt++ {
				err := s.task.Put(ctx, batch)
				if !errors.Is(err, connect.ErrRetriable) {
					t.Fatalf("Put %d while the table is locked = %v; want a retriable error", attempt, err)
				}
				if s.tc.RetryBackoff() != 1234*time.Millisecond {
					t.Errorf("retry backoff %v, want retry.backoff.ms", s.tc.RetryBackoff())
				}
			}
			err := s.task.Put(ctx, batch)
			if err == nil || errors.Is(err, connect.ErrRetriable) || !strings.Contains(err.Error(), "max.retries is 2") {
				t.Fatalf("Put after max.retries = %v; want a fatal error naming max.retries", err)
			}
			if db.Dialect != jdbc.SQLite && !strings.Contains(err.Error(), "table users") {
				t.Errorf("Put after max.retries = %v; want the table named", err)
			}
			if rep := s.tc.Reported(); len(rep) != 0 {
				t.Errorf("reported %v: a record is not errant because the database failed", rep)
			}
			release()
			s.put(batch...)
			if got, want := s.rows(`SELECT "id", "name" FROM "users" ORDER BY "id"`), "[[1 ann] [2 bob]]"; got != want {
				t.Errorf("rows %s, want %s", got, want)
			}
		})
	}
}
