package jdbc_test

import (
	"context"
	"database/sql"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/jdbc"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url     string
		dialect *jdbc.Dialect
		host    string
		ignored []string
	}{
		{"jdbc:postgresql://db.example:5433/sales?currentSchema=s&sslmode=disable", jdbc.PostgreSQL, "db.example:5433", nil},
		{"jdbc:postgresql://h1:5432,h2:5432/sales?loggerLevel=DEBUG", jdbc.PostgreSQL, "h1:5432,h2:5432", []string{"loggerLevel"}},
		{"jdbc:postgresql:sales", jdbc.PostgreSQL, "localhost", nil},
		{"postgres://u:secret@pg:5432/sales?sslmode=disable", jdbc.PostgreSQL, "pg:5432", nil},
		{"jdbc:mysql://my:3307/sales?useSSL=false&serverTimezone=UTC", jdbc.MySQL, "my:3307", []string{"serverTimezone"}},
		{"jdbc:mariadb://maria/sales", jdbc.MySQL, "maria:3306", nil},
		{"mysql://u:secret@[::1]:3306/sales", jdbc.MySQL, "[::1]:3306", nil},
		{"jdbc:sqlite:/var/lib/x.db", jdbc.SQLite, "/var/lib/x.db", nil},
		{"jdbc:sqlite::memory:", jdbc.SQLite, ":memory:", nil},
		{"file:rel/x.db", jdbc.SQLite, "rel/x.db", nil},
	} {
		got, err := jdbc.ParseURL(tc.url)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.url, err)
			continue
		}
		if got.Dialect != tc.dialect || got.Host != tc.host || !slices.Equal(got.Ignored, tc.ignored) {
			t.Errorf("ParseURL(%q) = %s, host %q, ignored %q; want %s, %q, %q", tc.url, got.Dialect, got.Host, got.Ignored, tc.dialect, tc.host, tc.ignored)
		}
	}
}

// TestURLErrorsHideThePassword checks that neither a URL that cannot be
// read nor a server that cannot be reached gives an error holding the
// password, and that the second names the host.
func TestURLErrorsHideThePassword(t *testing.T) {
	const secret = "s3cr%zzet"
	for _, u := range []string{
		"jdbc:postgresql://h/db?password=" + secret,
		"jdbc:mysql://h/db?password=" + secret,
		"postgres://u:" + secret + "@h/db",
		"oracle://u:" + secret + "@h/db",
		"jdbc:oracle:thin:u/" + secret + "@h:1521/db",
	} {
		_, err := jdbc.ParseURL(u)
		if err == nil {
			t.Errorf("ParseURL(%q) accepted it", u)
			continue
		}
		if strings.Contains(err.Error(), "s3cr") {
			t.Errorf("ParseURL(%q)'s error holds the password: %v", u, err)
		}
	}

	// A port nothing listens on: bind one and close it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	for _, u := range []string{"jdbc:postgresql://" + addr + "/db", "jdbc:mysql://" + addr + "/db"} {
		target, err := jdbc.ParseURL(u)
		if err != nil {
			t.Fatal(err)
		}
		_, err = target.Open(context.Background(), "kc", "hunter2-secret", nil)
		if err == nil {
			t.Fatalf("Open(%s) reached a closed port", u)
		}
		if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), addr) {
			t.Errorf("Open(%s): %v; want an error naming %s and not the password", u, err, addr)
		}
	}
}

// A dot in a table name separates its schema, as in Confluent's dialects:
// a topic db.public.users is the table users of schema public.
func TestParseTableID(t *testing.T) {
	for in, want := range map[string]jdbc.TableID{
		"users":           {Name: "users"},
		"public.users":    {Schema: "public", Name: "users"},
		"db.public.users": {Schema: "public", Name: "users"},
		".users":          {Name: ".users"},
		"users.":          {Name: "users."},
	} {
		if got := jdbc.ParseTableID(in); got != want {
			t.Errorf("ParseTableID(%q) = %+v, want %+v", in, got, want)
		}
	}
}

// TestSQLiteBusyTimeout reads sqlite-jdbc's busy_timeout parameter: a
// writer waits that long for another's lock, then fails as busy.
func TestSQLiteBusyTimeout(t *testing.T) {
	if _, err := jdbc.ParseURL("jdbc:sqlite:/tmp/x.db?busy_timeout=soon"); err == nil || !strings.Contains(err.Error(), "busy_timeout") {
		t.Errorf("a busy_timeout that is no number: %v; want an error naming it", err)
	}
	path := filepath.Join(t.TempDir(), "busy.db")
	ctx := context.Background()
	open := func(u string) *sql.DB {
		target, err := jdbc.ParseURL(u)
		if err != nil {
			t.Fatal(err)
		}
		db, err := target.Open(ctx, "", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	holder := open("jdbc:sqlite:" + path)
	tx, err := holder.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	begin := time.Now()
	_, err = open("jdbc:sqlite:"+path+"?busy_timeout=100").BeginTx(ctx, nil)
	if err == nil || !jdbc.SQLite.Transient(err) {
		t.Fatalf("a second writer: %v; want a transient busy error", err)
	}
	if d := time.Since(begin); d < 100*time.Millisecond || d > 5*time.Second {
		t.Errorf("the second writer failed after %v; want about busy_timeout (100ms)", d)
	}
}
