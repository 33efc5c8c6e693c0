package jdbc_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
)

// TestTransientFailuresAreRetried locks the table from another session so
// that the task's writes time out waiting (PostgreSQL's
// lock_not_available): each Put asks the runtime to deliver the batch
// again after retry.backoff.ms, max.retries times in a row, then fails
// the task; once the lock is gone, the batch is written.
func TestTransientFailuresAreRetried(t *testing.T) {
	db := jdbctest.Postgres(t)
	db.URL += "&lock_timeout=50"
	s := start(t, db, map[string]string{"auto.create": "true", "max.retries": "2", "retry.backoff.ms": "1234"})
	s.put(named(t, "users", 0, 1, "ann"))

	ctx := context.Background()
	lock, err := db.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	if _, err := lock.ExecContext(ctx, `LOCK TABLE "users" IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	batch := []connect.Record{named(t, "users", 1, 2, "bob")}
	for attempt := 1; attempt <= 2; attempt++ {
		err := s.task.Put(ctx, batch)
		if !errors.Is(err, connect.ErrRetriable) {
			t.Fatalf("Put %d while the table is locked = %v; want a retriable error", attempt, err)
		}
		if s.tc.RetryBackoff() != 1234*time.Millisecond {
			t.Errorf("retry backoff %v, want retry.backoff.ms", s.tc.RetryBackoff())
		}
	}
	err = s.task.Put(ctx, batch)
	if err == nil || errors.Is(err, connect.ErrRetriable) || !strings.Contains(err.Error(), "table users") || !strings.Contains(err.Error(), "max.retries") {
		t.Fatalf("Put after max.retries = %v; want a fatal error naming the table and max.retries", err)
	}
	if rep := s.tc.Reported(); len(rep) != 0 {
		t.Errorf("reported %v: a record is not errant because the database failed", rep)
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	s.put(batch...)
	if got, want := s.rows(`SELECT "id", "name" FROM "users" ORDER BY "id"`), "[[1 ann] [2 bob]]"; got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
}
