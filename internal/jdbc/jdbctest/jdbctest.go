// Package jdbctest gives tests of the JDBC connectors their databases: a
// new SQLite file always, and a new PostgreSQL schema when
// KCONNECT_POSTGRES_URL names a server (as CI sets it).
package jdbctest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/testenv"
)

// PostgresEnv names the PostgreSQL server of integration tests, as a
// postgres:// URL.
const PostgresEnv = "KCONNECT_POSTGRES_URL"

// DB is a fresh, empty database for one test.
type DB struct {
	Name    string // "sqlite", "postgres"
	URL     string // the connection.url that reaches it
	Dialect *jdbc.Dialect
	DB      *sql.DB // closed at the test's end
}

// SQLite returns a new SQLite database file in a temporary directory.
func SQLite(t testing.TB) *DB {
	t.Helper()
	u := "jdbc:sqlite:" + filepath.Join(t.TempDir(), "test.db")
	return open(t, "sqlite", u)
}

// Postgres returns a new schema of the server KCONNECT_POSTGRES_URL names,
// made the connection's search path, and skips the test without one.
func Postgres(t testing.TB) *DB {
	t.Helper()
	base := testenv.Integration(t, PostgresEnv)
	admin := open(t, "postgres", base)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "kct_" + hex.EncodeToString(b[:])
	if _, err := admin.DB.ExecContext(context.Background(), `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		_, _ = admin.DB.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return open(t, "postgres", u.String())
}

// Each runs fn as sub-tests "sqlite" and "postgres", each with a new
// database; the second is skipped without a server.
func Each(t *testing.T, fn func(t *testing.T, db *DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

func open(t testing.TB, name, u string) *DB {
	t.Helper()
	target, err := jdbc.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	db, err := target.Open(context.Background(), "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &DB{Name: name, URL: u, Dialect: target.Dialect, DB: db}
}
