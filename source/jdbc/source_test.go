package jdbc_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
	"github.com/kconnect-go/kconnect/source"
	srcjdbc "github.com/kconnect-go/kconnect/source/jdbc"
)

// fixture is a table "items" of one database: id, name, ts.
type fixture struct {
	t  *testing.T
	db *jdbctest.DB
}

func newFixture(t *testing.T, db *jdbctest.DB, table string) *fixture {
	f := &fixture{t: t, db: db}
	ts := "TIMESTAMP"
	if db.Dialect == jdbc.MySQL {
		ts = "DATETIME(6)"
	}
	f.exec(`CREATE TABLE "` + table + `" ("id" BIGINT NOT NULL PRIMARY KEY, "name" VARCHAR(40), "ts" ` + ts + ` NOT NULL)`)
	return f
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if f.db.Dialect == jdbc.MySQL {
		q = strings.ReplaceAll(q, `"`, "`")
	}
	if f.db.Dialect == jdbc.PostgreSQL {
		n := 0
		q = replaceEach(q, "?", func() string { n++; return fmt.Sprintf("$%d", n) })
	}
	_, err := f.db.DB.ExecContext(context.Background(), q, args...)
	require.NoError(f.t, err, q)
}

func replaceEach(s, old string, repl func() string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, old)
		if i < 0 {
			return b.String() + s
		}
		b.WriteString(s[:i] + repl())
		s = s[i+len(old):]
	}
}

// at is a row's timestamp as the table stores it.
func (f *fixture) at(ms int64) any {
	return f.db.Dialect.BindTime(time.UnixMilli(ms).UTC(), time.UTC)
}

func (f *fixture) insert(table string, id int64, name string, tsMillis int64) {
	f.exec(`INSERT INTO "`+table+`" ("id","name","ts") VALUES (?,?,?)`, id, name, f.at(tsMillis))
}

func pluginNew() source.Connector { return srcjdbc.Plugin().New() }

func config(db *jdbctest.DB, kv ...string) map[string]string {
	c := map[string]string{"connection.url": db.URL, "topic.prefix": "kc-", "poll.interval.ms": "10",
		"table.poll.interval.ms": "50"}
	if db.Dialect == jdbc.PostgreSQL {
		var schema string
		require.NoError(nil, db.DB.QueryRow("SELECT current_schema()").Scan(&schema))
		c["schema.pattern"] = schema
	}
	for i := 0; i < len(kv); i += 2 {
		c[kv[i]] = kv[i+1]
	}
	return c
}

// run starts the connector and its tasks on offsets; stop stops them.
type run struct {
	t     *testing.T
	c     source.Connector
	cc    *connecttest.ConnectorContext
	tasks []source.Task
	cfgs  []map[string]string
}

func start(t *testing.T, cfg map[string]string, offsets *connecttest.Offsets, maxTasks int) *run {
	t.Helper()
	ctx := context.Background()
	r := &run{t: t, c: srcjdbc.Plugin().New(), cc: connecttest.NewConnectorContext(offsets)}
	cctx, cancel := context.WithCancel(ctx)
	require.NoError(t, r.c.Start(cctx, cfg, r.cc))
	var err error
	r.cfgs, err = r.c.TaskConfigs(maxTasks)
	require.NoError(t, err)
	for _, tc := range r.cfgs {
		task := r.c.NewTask()
		require.NoError(t, task.Start(ctx, tc, connecttest.SourceTaskContext(tc, offsets)))
		r.tasks = append(r.tasks, task)
	}
	t.Cleanup(func() {
		for _, task := range r.tasks {
			task.Stop(ctx)
		}
		cancel()
		r.c.Stop(ctx)
	})
	return r
}

// poll polls every task until n records came or the deadline passes,
// committing their offsets, and then polls a little more to see none
// beyond them.
func (r *run) poll(offsets *connecttest.Offsets, n int) []connect.Record {
	r.t.Helper()
	var got []connect.Record
	deadline := time.Now().Add(20 * time.Second)
	for len(got) < n && time.Now().Before(deadline) {
		for _, task := range r.tasks {
			recs, err := task.Poll(context.Background())
			require.NoError(r.t, err)
			offsets.CommitRecords(recs)
			got = append(got, recs...)
		}
	}
	for range 3 {
		for _, task := range r.tasks {
			recs, err := task.Poll(context.Background())
			require.NoError(r.t, err)
			offsets.CommitRecords(recs)
			got = append(got, recs...)
		}
	}
	return got
}

func ids(recs []connect.Record) string {
	var out []string
	for _, r := range recs {
		v := r.Value.(*connect.Struct)
		id, _ := v.Int64("id")
		name, _ := v.Get("name").(string)
		out = append(out, fmt.Sprintf("%d:%s", id, name))
	}
	return strings.Join(out, " ")
}

func TestIncrementingResume(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		f := newFixture(t, db, "items")
		for i := int64(1); i <= 5; i++ {
			f.insert("items", i, fmt.Sprint("n", i), 1000)
		}
		cfg := config(db, "mode", "incrementing", "incrementing.column.name", "id", "batch.max.rows", "2")
		offsets := connecttest.NewOffsets()
		r := start(t, cfg, offsets, 1)
		got := r.poll(offsets, 5)
		require.Equal(t, "1:n1 2:n2 3:n3 4:n4 5:n5", ids(got))
		rec := got[4]
		require.Equal(t, "kc-items", rec.Topic)
		require.Equal(t, "items", rec.ValueSchema.Name)
		id, _ := rec.ValueSchema.Field("id")
		name, _ := rec.ValueSchema.Field("name")
		require.False(t, id.Schema.Optional, "a NOT NULL column is a required field")
		require.True(t, name.Schema.Optional)
		require.Equal(t, `{"incrementing":5}`, rec.SourceOffset.String())
		p := rec.SourcePartition.AppendJSON(nil)
		require.Equal(t, `{"protocol":"1","table":"`+qualified(t, db, "items")+`"}`, string(p))
		for _, task := range r.tasks {
			require.NoError(t, task.Stop(context.Background()))
		}
		r.tasks = nil

		f.insert("items", 6, "n6", 1000)
		f.insert("items", 7, "n7", 1000)
		r2 := start(t, cfg, offsets, 1)
		require.Equal(t, "6:n6 7:n7", ids(r2.poll(offsets, 2)), "a restart reads on from the committed offset")
	})
}

// qualified is the table's name in Confluent's partitions.
func qualified(t *testing.T, db *jdbctest.DB, table string) string {
	switch db.Dialect {
	case jdbc.PostgreSQL:
		var cat, schema string
		require.NoError(t, db.DB.QueryRow("SELECT current_database(), current_schema()").Scan(&cat, &schema))
		return cat + "." + schema + "." + table
	case jdbc.MySQL:
		var cat string
		require.NoError(t, db.DB.QueryRow("SELECT DATABASE()").Scan(&cat))
		return cat + "." + table
	}
	return table
}
