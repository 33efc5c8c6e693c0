package postgrescdc_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/testenv"
	"github.com/kconnect-go/kconnect/source"
	"github.com/kconnect-go/kconnect/source/postgrescdc"
)

const postgresEnv = "KCONNECT_POSTGRES_URL"

// pg is a database of its own on the server KCONNECT_POSTGRES_URL names.
type pg struct {
	name             string
	host, port, user string
	password         string
	conn             *pgx.Conn
}

func randomHex() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// newPG creates a database for one test, and drops it and its slots at
// cleanup so that no slot holds WAL; the test is skipped without
// KCONNECT_POSTGRES_URL.
func newPG(t testing.TB) *pg {
	t.Helper()
	base := testenv.Integration(t, postgresEnv)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("%s: %v", postgresEnv, err)
	}
	name := "kcdc_" + randomHex()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		// The slots of the database, once no connection holds them.
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, err := admin.Exec(ctx, `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
				WHERE database = $1 AND active_pid IS NOT NULL`, name)
			if err == nil {
				_, err = admin.Exec(ctx, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1`, name)
			}
			if err == nil || time.Now().After(deadline) {
				if err != nil {
					t.Errorf("dropping the slots of %s: %v", name, err)
				}
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if _, err := admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping database %s: %v", name, err)
		}
		admin.Close(ctx)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	p := &pg{name: name, host: u.Hostname(), port: u.Port(), user: u.User.Username()}
	p.password, _ = u.User.Password()
	if p.port == "" {
		p.port = "5432"
	}
	u.Path = "/" + name
	if p.conn, err = pgx.Connect(ctx, u.String()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.conn.Close(context.Background()) })
	return p
}

func (p *pg) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := p.conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// config is a connector configuration for the database, with a prefix,
// slot and publication of their own, then keysAndValues.
func (p *pg) config(keysAndValues ...string) map[string]string {
	c := map[string]string{
		"connector.class":   postgrescdc.Class,
		"database.hostname": p.host, "database.port": p.port, "database.user": p.user,
		"database.password": p.password, "database.dbname": p.name, "database.sslmode": "disable",
		"topic.prefix": "srv" + p.name[5:], "slot.name": "slot_" + p.name[5:],
		"publication.name": "pub_" + p.name[5:], "poll.interval.ms": "50", "status.update.interval.ms": "500",
	}
	for i := 0; i+1 < len(keysAndValues); i += 2 {
		c[keysAndValues[i]] = keysAndValues[i+1]
	}
	return c
}

// confirmedFlush returns the slot's confirmed flush LSN.
func (p *pg) confirmedFlush(t testing.TB, slot string) uint64 {
	t.Helper()
	var lsn string
	if err := p.conn.QueryRow(context.Background(),
		"SELECT coalesce(confirmed_flush_lsn::text, '0/0') FROM pg_replication_slots WHERE slot_name = $1", slot).Scan(&lsn); err != nil {
		t.Fatal(err)
	}
	var hi, lo uint64
	if _, err := fmt.Sscanf(lsn, "%X/%X", &hi, &lo); err != nil {
		t.Fatal(err)
	}
	return hi<<32 | lo
}

// running is a task started directly, as a runtime would, with an
// in-memory offset store.
type running struct {
	t       testing.TB
	task    source.Task
	offsets *connecttest.Offsets
	got     []connect.Record
}

func start(t testing.TB, cfg map[string]string, offsets *connecttest.Offsets) *running {
	t.Helper()
	if offsets == nil {
		offsets = connecttest.NewOffsets()
	}
	c := postgrescdc.Plugin().New()
	ctx := context.Background()
	if err := c.Start(ctx, cfg, connecttest.NewConnectorContext(offsets)); err != nil {
		t.Fatal(err)
	}
	tcs, err := c.TaskConfigs(1)
	if err != nil || len(tcs) != 1 {
		t.Fatalf("TaskConfigs: %v %v", tcs, err)
	}
	task := c.NewTask()
	if err := task.Start(ctx, tcs[0], connecttest.SourceTaskContext(tcs[0], offsets)); err != nil {
		t.Fatal(err)
	}
	r := &running{t: t, task: task, offsets: offsets}
	t.Cleanup(func() { r.stop() })
	return r
}

func (r *running) stop() {
	if r.task != nil {
		if err := r.task.Stop(context.Background()); err != nil {
			r.t.Errorf("Stop: %v", err)
		}
		r.task = nil
	}
}

// until polls until n records (beyond those already read) have come, or
// fails after a deadline.
func (r *running) until(n int) []connect.Record {
	r.t.Helper()
	from := len(r.got)
	deadline := time.Now().Add(30 * time.Second)
	for len(r.got) < from+n {
		if time.Now().After(deadline) {
			r.t.Fatalf("%d records after 30s, want %d", len(r.got)-from, n)
		}
		recs, err := r.task.Poll(context.Background())
		if err != nil {
			r.t.Fatalf("Poll: %v", err)
		}
		r.got = append(r.got, recs...)
	}
	return r.got[from:]
}

// quiet polls for a while and fails on any record.
func (r *running) quiet(d time.Duration) {
	r.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		recs, err := r.task.Poll(context.Background())
		if err != nil {
			r.t.Fatalf("Poll: %v", err)
		}
		if len(recs) > 0 {
			r.t.Fatalf("unexpected records: %v", recs)
		}
	}
}

func field(t testing.TB, v any, path ...string) any {
	t.Helper()
	for _, p := range path {
		s, ok := v.(*connect.Struct)
		if !ok {
			t.Fatalf("%s: %v is not a struct", p, v)
		}
		v = s.Get(p)
	}
	return v
}
