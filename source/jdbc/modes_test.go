package jdbc_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
)

// TestTimestampIncrementing updates a row: it is read again, the others
// are not, and the offset has Confluent's three keys.
func TestTimestampIncrementing(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		f := newFixture(t, db, "items")
		f.insert("items", 1, "a", 1000)
		f.insert("items", 2, "b", 1000)
		f.insert("items", 3, "c", 2000)
		cfg := config(db, "mode", "timestamp+incrementing", "incrementing.column.name", "id", "timestamp.column.name", "ts")
		offsets := connecttest.NewOffsets()
		r := start(t, cfg, offsets, 1)
		got := r.poll(offsets, 3)
		require.Equal(t, "1:a 2:b 3:c", ids(got))
		require.Equal(t, map[string]any{"timestamp": int64(2000), "timestamp_nanos": int64(0), "incrementing": int64(3)}, got[2].SourceOffset.Map())

		f.exec(`UPDATE "items" SET "name" = ?, "ts" = ? WHERE "id" = ?`, "b2", f.at(3000), 2)
		again := r.poll(offsets, 1)
		require.Equal(t, "2:b2", ids(again), "the updated row only")
		require.Same(t, got[0].ValueSchema, again[0].ValueSchema, "one *Schema while the table is unchanged")
	})
}

// TestTimestampSharedAcrossBatches reads rows sharing a timestamp in
// batches of one and restarts in the middle: the offset never moves to a
// timestamp before all its rows are read, so none is skipped.
func TestTimestampSharedAcrossBatches(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		f := newFixture(t, db, "items")
		f.insert("items", 1, "a", 1000)
		f.insert("items", 2, "b", 2000)
		f.insert("items", 3, "c", 2000)
		cfg := config(db, "mode", "timestamp", "timestamp.column.name", "ts", "batch.max.rows", "1")
		offsets := connecttest.NewOffsets()
		r := start(t, cfg, offsets, 1)
		var got []connect.Record
		for len(got) < 2 {
			recs, err := r.tasks[0].Poll(context.Background())
			require.NoError(t, err)
			offsets.CommitRecords(recs)
			got = append(got, recs...)
		}
		require.Equal(t, "1:a 2:b", ids(got))
		require.Equal(t, map[string]any{"timestamp": int64(1000), "timestamp_nanos": int64(0)}, got[1].SourceOffset.Map(),
			"a row whose timestamp other unread rows share keeps the offset before it")
		require.NoError(t, r.tasks[0].Stop(context.Background()))
		r.tasks = nil

		r2 := start(t, cfg, offsets, 1)
		got = r2.poll(offsets, 2)
		require.Equal(t, "2:b 3:c", ids(got), "both rows of 2000 again, none skipped")
		require.Equal(t, map[string]any{"timestamp": int64(2000), "timestamp_nanos": int64(0)}, got[1].SourceOffset.Map())
	})
}

// TestBulk reads the whole table at every poll.interval.ms, without
// offsets.
func TestBulk(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		f := newFixture(t, db, "items")
		f.insert("items", 1, "a", 1000)
		f.insert("items", 2, "b", 1000)
		offsets := connecttest.NewOffsets()
		r := start(t, config(db, "mode", "bulk"), offsets, 1)
		var got []connect.Record
		for len(got) < 4 {
			recs, err := r.tasks[0].Poll(context.Background())
			require.NoError(t, err)
			got = append(got, recs...)
		}
		require.Equal(t, "1:a 2:b 1:a 2:b", ids(got[:4]))
		require.True(t, got[0].SourceOffset.IsZero())
	})
}

// TestQuery reads a query in incrementing mode: one task, the topic is
// topic.prefix, the partition {"query":"query"}, and the WHERE clause is
// appended after the query.
func TestQuery(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		f := newFixture(t, db, "items")
		f.insert("items", 1, "a", 1000)
		f.insert("items", 2, "b", 1000)
		q := `SELECT * FROM (SELECT "id", "name" FROM "items") AS q`
		if db.Dialect.Name == "MySqlDatabaseDialect" {
			q = "SELECT * FROM (SELECT `id`, `name` FROM `items`) AS q"
		}
		cfg := config(db, "mode", "incrementing", "incrementing.column.name", "id", "query", q, "topic.prefix", "all-items")
		offsets := connecttest.NewOffsets()
		r := start(t, cfg, offsets, 3)
		require.Len(t, r.tasks, 1)
		got := r.poll(offsets, 2)
		require.Equal(t, "1:a 2:b", ids(got))
		require.Equal(t, "all-items", got[0].Topic)
		require.Equal(t, `{"query":"query"}`, string(got[0].SourcePartition.AppendJSON(nil)))
		f.insert("items", 3, "c", 1000)
		require.Equal(t, "3:c", ids(r.poll(offsets, 1)))
	})
}

// TestResumeFromConfluentOffsets starts from offsets a JVM deployment
// committed, in Confluent's partition and offset shapes (protocol 1, and
// the older {"table": name}).
func TestResumeFromConfluentOffsets(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		f := newFixture(t, db, "items")
		f.exec(`CREATE TABLE "old" ("id" BIGINT NOT NULL PRIMARY KEY, "name" VARCHAR(40), "ts" BIGINT NOT NULL)`)
		for i := int64(1); i <= 4; i++ {
			f.insert("items", i, fmt.Sprint("i", i), 1000*i)
			f.exec(`INSERT INTO "old" VALUES (?,?,?)`, i, fmt.Sprint("o", i), 0)
		}
		offsets := connecttest.NewOffsets()
		p, err := connect.SourcePartitionFromMap(map[string]any{"protocol": "1", "table": qualified(t, db, "items")})
		require.NoError(t, err)
		off, err := connect.OffsetFromMap(map[string]any{"timestamp": int64(2000), "timestamp_nanos": int64(0), "incrementing": int64(2)})
		require.NoError(t, err)
		offsets.Commit(p, off)
		offsets.Commit(connect.NewSourcePartition("table", "old"), connect.NewOffset("incrementing", int64(3)))

		cfg := config(db, "mode", "timestamp+incrementing", "incrementing.column.name", "id", "timestamp.column.name", "ts",
			"table.whitelist", "items")
		r := start(t, cfg, offsets, 1)
		require.Equal(t, "3:i3 4:i4", ids(r.poll(offsets, 2)))

		cfg = config(db, "mode", "incrementing", "incrementing.column.name", "id", "table.whitelist", "old")
		r = start(t, cfg, offsets, 1)
		require.Equal(t, "4:o4", ids(r.poll(offsets, 1)))
	})
}

// TestTablesAcrossTasks spreads three tables over two tasks, each read by
// one, and finds a table created while running after
// table.poll.interval.ms; the whitelist keeps out the others.
func TestTablesAcrossTasks(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		f := newFixture(t, db, "t1")
		newFixture(t, db, "t2")
		newFixture(t, db, "t3")
		newFixture(t, db, "other")
		for _, tb := range []string{"t1", "t2", "t3", "other"} {
			f.insert(tb, 1, tb, 1000)
		}
		cfg := config(db, "mode", "incrementing", "incrementing.column.name", "id", "table.whitelist", "t1,t2,t3,t4")
		offsets := connecttest.NewOffsets()
		r := start(t, cfg, offsets, 2)
		require.Len(t, r.cfgs, 2)
		got := r.poll(offsets, 3)
		topics := map[string]int{}
		for _, rec := range got {
			topics[rec.Topic]++
		}
		require.Equal(t, map[string]int{"kc-t1": 1, "kc-t2": 1, "kc-t3": 1}, topics)

		newFixture(t, db, "t4")
		require.Eventually(t, func() bool { return r.cc.Reconfigurations() > 0 }, 10*time.Second, 10*time.Millisecond)
		cfgs, err := r.c.TaskConfigs(2)
		require.NoError(t, err)
		require.Contains(t, cfgs[0]["tables"]+"\n"+cfgs[1]["tables"], qualified(t, db, "t4"))
	})
}

// TestConfigErrors names the key at fault.
func TestConfigErrors(t *testing.T) {
	db := jdbctest.SQLite(t)
	for _, tc := range []struct {
		kv   []string
		want string
	}{
		{nil, "mode"},
		{[]string{"mode", "incrementing", "query", "SELECT 1"}, "incrementing.column.name"},
		{[]string{"mode", "timestamp"}, "timestamp.column.name"},
		{[]string{"mode", "bulk", "table.whitelist", "a", "table.blacklist", "b"}, "table.whitelist"},
		{[]string{"mode", "bulk", "numeric.mapping", "most"}, "numeric.mapping"},
		{[]string{"mode", "bulk", "dialect.name", "PostgreSqlDatabaseDialect"}, "dialect.name"},
	} {
		c := config(db, tc.kv...)
		err := start2(c)
		require.ErrorContains(t, err, tc.want, "%v", tc.kv)
	}
	f := newFixture(t, db, "nullable")
	f.exec(`CREATE TABLE "loose" ("id" BIGINT, "ts" TIMESTAMP)`)
	c := config(db, "mode", "incrementing", "incrementing.column.name", "id", "table.whitelist", "loose")
	require.ErrorContains(t, start2(c), "validate.non.null")
	c["validate.non.null"] = "false"
	require.NoError(t, start2(c))
}

// TestPrimaryKeyOffsetColumnNotNull reads, with validate.non.null, on an
// incrementing column that is the table's primary key without NOT NULL:
// SQLite's catalog says such a column may be null (only INTEGER PRIMARY
// KEY cannot be), and Confluent's dialects take every primary key column
// for NOT NULL, so a JVM deployment's configuration over such a table
// runs unchanged.
func TestPrimaryKeyOffsetColumnNotNull(t *testing.T) {
	db := jdbctest.SQLite(t)
	f := &fixture{t: t, db: db}
	f.exec(`CREATE TABLE "rowid" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "name" TEXT)`)
	f.exec(`CREATE TABLE "pk" ("id" BIGINT, "ts" TIMESTAMP, "name" TEXT, PRIMARY KEY ("id", "ts"))`)
	f.exec(`INSERT INTO "rowid" ("name") VALUES ('a'), ('b')`)
	f.exec(`INSERT INTO "pk" ("id", "ts", "name") VALUES (1, '2026-01-02 03:04:05', 'a'), (2, '2026-01-02 03:04:06', 'b')`)
	for _, cfg := range []map[string]string{
		config(db, "mode", "incrementing", "incrementing.column.name", "id", "table.whitelist", "rowid"),
		config(db, "mode", "incrementing", "incrementing.column.name", "id", "table.whitelist", "pk"),
	} {
		offsets := connecttest.NewOffsets()
		r := start(t, cfg, offsets, 1)
		require.Len(t, r.poll(offsets, 2), 2, "%v", cfg)
	}
	require.NoError(t, start2(config(db, "mode", "timestamp", "timestamp.column.name", "ts", "table.whitelist", "pk")))
	// A column that is neither NOT NULL nor in the key is still refused.
	f.exec(`CREATE TABLE "loose" ("id" INTEGER, "name" TEXT)`)
	require.ErrorContains(t, start2(config(db, "mode", "incrementing", "incrementing.column.name", "id",
		"table.whitelist", "loose")), "validate.non.null")
}

func start2(cfg map[string]string) error {
	ctx := context.Background()
	r := &run{}
	r.c = pluginNew()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := r.c.Start(cctx, cfg, connecttest.NewConnectorContext(nil)); err != nil {
		return err
	}
	defer func() { cancel(); r.c.Stop(ctx) }()
	cfgs, err := r.c.TaskConfigs(1)
	if err != nil {
		return err
	}
	for _, tc := range cfgs {
		task := r.c.NewTask()
		if err := task.Start(ctx, tc, connecttest.SourceTaskContext(tc, nil)); err != nil {
			return err
		}
		task.Stop(ctx)
	}
	return nil
}

// TestAutoIncrementColumn leaves incrementing.column.name empty: each
// table's auto-increment column is used, and a table without one fails
// the task naming the key.
func TestAutoIncrementColumn(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		f := &fixture{t: t, db: db}
		switch db.Dialect.Name {
		case "PostgreSqlDatabaseDialect":
			f.exec(`CREATE TABLE "auto" ("name" TEXT, "n" BIGINT GENERATED ALWAYS AS IDENTITY)`)
		case "MySqlDatabaseDialect":
			f.exec(`CREATE TABLE "auto" ("name" TEXT, "n" BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY)`)
		default:
			f.exec(`CREATE TABLE "auto" ("name" TEXT, "n" INTEGER PRIMARY KEY)`)
		}
		f.exec(`INSERT INTO "auto" ("name") VALUES ('a')`)
		f.exec(`INSERT INTO "auto" ("name") VALUES ('b')`)
		cfg := config(db, "mode", "incrementing", "table.whitelist", "auto", "validate.non.null", "false")
		offsets := connecttest.NewOffsets()
		r := start(t, cfg, offsets, 1)
		got := r.poll(offsets, 2)
		require.Len(t, got, 2)
		require.Equal(t, map[string]any{"incrementing": int64(2)}, got[1].SourceOffset.Map())

		newFixture(t, db, "plain")
		cfg = config(db, "mode", "incrementing", "table.whitelist", "plain")
		require.ErrorContains(t, start2(cfg), "incrementing.column.name")
	})
}
