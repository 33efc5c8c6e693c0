package postgrescdc_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/source/postgrescdc"
)

func baseConfig() map[string]string {
	return map[string]string{"database.hostname": "127.0.0.1", "database.user": "u", "database.password": "s3cret-pw",
		"database.dbname": "d", "topic.prefix": "p"}
}

// TestDefaults: Debezium's defaults.
func TestDefaults(t *testing.T) {
	def := postgrescdc.Plugin().Config
	for k, want := range map[string]string{"database.port": "5432", "slot.name": "debezium", "slot.drop.on.stop": "false",
		"publication.name": "dbz_publication", "publication.autocreate.mode": "all_tables", "snapshot.mode": "initial",
		"snapshot.fetch.size": "10240", "decimal.handling.mode": "precise", "time.precision.mode": "adaptive",
		"binary.handling.mode": "bytes", "tombstones.on.delete": "true", "heartbeat.interval.ms": "0",
		"max.batch.size": "2048", "max.queue.size": "8192", "poll.interval.ms": "500", "skipped.operations": "t",
		"provide.transaction.metadata": "false"} {
		k2, ok := def.Key(k)
		if !ok {
			t.Errorf("%s is not defined", k)
			continue
		}
		got := fmtAny(k2.Default)
		if got != want {
			t.Errorf("%s defaults to %q, want %q", k, got, want)
		}
	}
}

// TestBadConfig: each bad configuration fails Start with an error naming
// its key, and the password never shows.
func TestBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name, key, value, want string
	}{
		{"decoderbufs", "plugin.name", "decoderbufs", "plugin.name"},
		{"wal2json", "plugin.name", "wal2json", "pgoutput"},
		{"no prefix", "topic.prefix", "", "topic.prefix"},
		{"bad regex", "table.include.list", "public.(a", "table.include.list"},
		{"both lists", "table.exclude.list", "x", "table.exclude.list"},
		{"bad snapshot mode", "snapshot.mode", "sometimes", "snapshot.mode"},
		{"bad decimal mode", "decimal.handling.mode", "float", "decimal.handling.mode"},
		{"bad skipped op", "skipped.operations", "x", "skipped.operations"},
		{"bad slot name", "slot.name", "My-Slot", "slot.name"},
		{"queue below batch", "max.queue.size", "100", "max.queue.size"},
		{"bad key columns", "message.key.columns", "public.t", "message.key.columns"},
		{"no hostname", "database.hostname", "", "database.hostname"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig()
			if tc.name == "both lists" {
				cfg["table.include.list"] = "y"
			}
			cfg[tc.key] = tc.value
			if tc.value == "" {
				delete(cfg, tc.key)
			}
			err := postgrescdc.Plugin().New().Start(context.Background(), cfg, connecttest.NewConnectorContext(nil))
			if err == nil {
				t.Fatal("Start accepted it")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not name %s", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret-pw") {
				t.Fatalf("error %q shows the password", err)
			}
		})
	}
}

// TestPublicationDisabledMissing: with publication.autocreate.mode
// disabled, a missing publication fails the task's start, naming it and
// the key; and a wrong password fails without showing it.
func TestPublicationDisabledMissing(t *testing.T) {
	p := newPG(t)
	cfg := p.config("publication.autocreate.mode", "disabled")
	task := postgrescdc.Plugin().New().NewTask()
	err := task.Start(context.Background(), cfg, connecttest.SourceTaskContext(cfg, connecttest.NewOffsets()))
	if err == nil || !strings.Contains(err.Error(), cfg["publication.name"]) || !strings.Contains(err.Error(), "publication.autocreate.mode") {
		t.Fatalf("Start: %v", err)
	}
	cfg = p.config("database.password", "wrong-pw-123", "database.user", "no_such_user")
	err = task.Start(context.Background(), cfg, connecttest.SourceTaskContext(cfg, connecttest.NewOffsets()))
	if err == nil || strings.Contains(err.Error(), "wrong-pw-123") {
		t.Fatalf("Start: %v", err)
	}
}

func fmtAny(v any) string {
	switch v := v.(type) {
	case []string:
		return strings.Join(v, ",")
	case nil:
		return ""
	}
	return strings.TrimSpace(fmt.Sprint(v))
}

// TestPublicationLacksTable: an existing publication that does not
// publish a table table.include.list names fails the start, naming the
// table, the publication and the key.
func TestPublicationLacksTable(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.a (id int PRIMARY KEY)`)
	p.exec(t, `CREATE TABLE public.b (id int PRIMARY KEY)`)
	cfg := p.config("table.include.list", `public\.(a|b)`)
	p.exec(t, `CREATE PUBLICATION `+cfg["publication.name"]+` FOR TABLE public.a`)
	task := postgrescdc.Plugin().New().NewTask()
	err := task.Start(context.Background(), cfg, connecttest.SourceTaskContext(cfg, connecttest.NewOffsets()))
	if err == nil {
		task.Stop(context.Background())
		t.Fatal("Start accepted a publication without public.b")
	}
	for _, want := range []string{"public.b", cfg["publication.name"], "table.include.list"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not name %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "public.a,") || strings.Contains(err.Error(), "public.a ") {
		t.Fatalf("error %q names a published table", err)
	}
}
