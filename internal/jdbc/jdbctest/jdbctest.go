// Package jdbctest gives tests of the JDBC connectors their databases: a
// new SQLite file always, a new PostgreSQL schema when
// KCONNECT_POSTGRES_URL names a server and a new MariaDB (or MySQL)
// database when KCONNECT_MARIADB_URL names one, as CI sets them; and, to
// tests that stop their database, a PostgreSQL or MariaDB server of their
// own (PrivatePostgres, PrivateMariaDB).
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

// MariaDBEnv names the MariaDB or MySQL server of integration tests, as a
// mysql:// URL whose user may create databases.
const MariaDBEnv = "KCONNECT_MARIADB_URL"

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
	schema := "kct_" + randomHex()
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

// MariaDB returns a new database of the server KCONNECT_MARIADB_URL names,
// and skips the test without one.
func MariaDB(t testing.TB) *DB {
	t.Helper()
	base := testenv.Integration(t, MariaDBEnv)
	admin := open(t, "mariadb", base)
	name := "kct_" + randomHex()
	if _, err := admin.DB.ExecContext(context.Background(), `CREATE DATABASE `+name+` CHARACTER SET utf8mb4`); err != nil {
		t.Fatalf("creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		_, _ = admin.DB.ExecContext(context.Background(), `DROP DATABASE `+name)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", MariaDBEnv, err)
	}
	u.Path = "/" + name
	return open(t, "mariadb", u.String())
}

// Opener is one kind of database for a test.
type Opener struct {
	Name string
	Open func(testing.TB) *DB
}

// All are the databases tests run on: SQLite always, the others when their
// servers are configured.
var All = []Opener{{"sqlite", SQLite}, {"postgres", Postgres}, {"mariadb", MariaDB}}

// Each runs fn as a sub-test per database of All, each with a new
// database; those without a server are skipped.
func Each(t *testing.T, fn func(t *testing.T, db *DB)) {
	t.Helper()
	for _, o := range All {
		t.Run(o.Name, func(t *testing.T) { fn(t, o.Open(t)) })
	}
}

func randomHex() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
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
