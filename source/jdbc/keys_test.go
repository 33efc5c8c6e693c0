package jdbc_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
	srcjdbc "github.com/kconnect-go/kconnect/source/jdbc"
)

// TestTimestampGranularity reads a row in timestamp mode with each
// timestamp.granularity: the column's schema and value are Confluent's,
// the offset is the timestamp of the value written (microseconds dropped
// by the micros granularities), and a restart from it reads nothing again.
func TestTimestampGranularity(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		f := newFixture(t, db, "items")
		ts := time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC)
		nanos := int64(123456000) // PostgreSQL and MariaDB keep microseconds
		if db.Dialect == jdbc.SQLite {
			nanos = 123000000 // milliseconds
		}
		f.exec(`INSERT INTO "items" ("id","name","ts") VALUES (?,?,?)`, 1, "a", db.Dialect.BindTime(ts, time.UTC))
		stored := time.Unix(ts.Unix(), nanos).UTC()
		sec := stored.Unix()
		for _, c := range []struct {
			granularity string
			typ         connect.Type
			value       any
			offsetNanos int64
		}{
			{"connect_logical", connect.Int64Type, stored, nanos},
			{"nanos_long", connect.Int64Type, sec*1e9 + nanos, nanos},
			{"nanos_string", connect.StringType, "", nanos},
			{"nanos_iso_datetime_string", connect.StringType, stored.Format("2006-01-02T15:04:05.000000000"), nanos},
			{"micros_long", connect.Int64Type, sec*1e6 + nanos/1000, nanos / 1000 * 1000},
			{"micros_string", connect.StringType, "", nanos / 1000 * 1000},
			{"micros_iso_datetime_string", connect.StringType, stored.Format("2006-01-02T15:04:05.000000"), nanos / 1000 * 1000},
		} {
			t.Run(c.granularity, func(t *testing.T) {
				switch c.granularity {
				case "nanos_string":
					c.value = itoa(sec*1e9 + nanos)
				case "micros_string":
					c.value = itoa(sec*1e6 + nanos/1000)
				}
				cfg := config(db, "mode", "timestamp", "timestamp.column.name", "ts", "timestamp.granularity", c.granularity)
				offsets := connecttest.NewOffsets()
				r := start(t, cfg, offsets, 1)
				got := r.poll(offsets, 1)
				require.Len(t, got, 1)
				fld, ok := got[0].ValueSchema.Field("ts")
				require.True(t, ok)
				require.Equal(t, c.typ, fld.Schema.Type)
				if c.granularity == "connect_logical" {
					require.Equal(t, connect.LogicalTimestamp, fld.Schema.Logical())
				} else {
					require.Equal(t, connect.NotLogical, fld.Schema.Logical())
				}
				require.False(t, fld.Schema.Optional, "ts is NOT NULL")
				v := got[0].Value.(*connect.Struct).Get("ts")
				if tv, ok := v.(time.Time); ok {
					require.True(t, tv.Equal(c.value.(time.Time)), "%v", tv)
				} else {
					require.Equal(t, c.value, v)
				}
				require.Equal(t, map[string]any{"timestamp": stored.UnixMilli(), "timestamp_nanos": c.offsetNanos},
					got[0].SourceOffset.Map())
				require.NoError(t, r.tasks[0].Stop(context.Background()))
				r.tasks = nil

				r2 := start(t, cfg, offsets, 1)
				require.Empty(t, r2.poll(offsets, 0), "the stored offset is past the row")
			})
		}
	})
}

func itoa(n int64) string { return connect.NewDecimal(n, 0).String() }

// TestIsolationMode runs the queries at each transaction.isolation.mode:
// PostgreSQL says it runs them at that level, MariaDB reads a row not
// yet committed at READ_UNCOMMITTED only, SQLite reads at each; and
// SQL_SERVER_SNAPSHOT is refused, as Confluent refuses it off SQL Server.
func TestIsolationMode(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		f := newFixture(t, db, "items")
		f.insert("items", 1, "a", 1000)
		err := srcjdbc.Plugin().New().Start(context.Background(),
			config(db, "mode", "bulk", "transaction.isolation.mode", "SQL_SERVER_SNAPSHOT"), connecttest.NewConnectorContext(nil))
		require.ErrorContains(t, err, "Isolation mode of `SQL_SERVER_SNAPSHOT` can only be configured with a Sql Server Dialect")

		switch db.Dialect {
		case jdbc.PostgreSQL:
			for mode, level := range map[string]string{"DEFAULT": "read committed", "READ_UNCOMMITTED": "read uncommitted",
				"READ_COMMITTED": "read committed", "REPEATABLE_READ": "repeatable read", "SERIALIZABLE": "serializable"} {
				cfg := config(db, "mode", "bulk", "query", "SELECT current_setting('transaction_isolation') AS iso",
					"transaction.isolation.mode", mode)
				r := start(t, cfg, nil, 1)
				got := r.poll(connecttest.NewOffsets(), 1)
				require.NotEmpty(t, got)
				require.Equal(t, level, got[0].Value.(*connect.Struct).Get("iso"), mode)
			}
		case jdbc.MySQL:
			tx, err := db.DB.Begin()
			require.NoError(t, err)
			defer tx.Rollback()
			_, err = tx.Exec("INSERT INTO `items` (`id`,`name`,`ts`) VALUES (2, 'dirty', '2024-01-01')")
			require.NoError(t, err)
			for mode, want := range map[string]string{"DEFAULT": "1:a", "READ_COMMITTED": "1:a", "READ_UNCOMMITTED": "1:a 2:dirty"} {
				cfg := config(db, "mode", "incrementing", "incrementing.column.name", "id", "transaction.isolation.mode", mode)
				offsets := connecttest.NewOffsets()
				r := start(t, cfg, offsets, 1)
				require.Equal(t, want, ids(r.poll(offsets, strings.Count(want, ":"))), mode)
			}
		default:
			for _, mode := range []string{"DEFAULT", "READ_UNCOMMITTED", "READ_COMMITTED", "REPEATABLE_READ", "SERIALIZABLE"} {
				cfg := config(db, "mode", "incrementing", "incrementing.column.name", "id", "transaction.isolation.mode", mode)
				offsets := connecttest.NewOffsets()
				r := start(t, cfg, offsets, 1)
				require.Equal(t, "1:a", ids(r.poll(offsets, 1)), mode)
				f.insert("items", 2, "b", 1000) // a transaction left open would keep SQLite from writing
				f.exec(`DELETE FROM "items" WHERE "id" = 2`)
			}
		}
	})
}

// TestColumnMappings reads two tables of table.include.list by their own
// incrementing and timestamp columns (incrementing.column.mapping,
// timestamp.columns.mapping), and checks the configurations Confluent
// refuses.
func TestColumnMappings(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		f := newFixture(t, db, "items_a")
		f.insert("items_a", 1, "a", 1000)
		ts := "TIMESTAMP"
		if db.Dialect == jdbc.MySQL {
			ts = "DATETIME(6)"
		}
		f.exec(`CREATE TABLE "items_b" ("num" BIGINT NOT NULL PRIMARY KEY, "name" VARCHAR(40), "upd" ` + ts + `, "ts" ` + ts + ` NOT NULL)`)
		f.exec(`INSERT INTO "items_b" ("num","name","upd","ts") VALUES (?,?,?,?)`, 7, "b", f.at(5000), f.at(1000))
		f.exec(`INSERT INTO "items_b" ("num","name","upd","ts") VALUES (?,?,?,?)`, 8, "c", nil, f.at(2000))
		cfg := config(db, "mode", "timestamp+incrementing", "table.include.list", ".*items_[ab]",
			"incrementing.column.mapping", ".*items_a:id,.*items_b:num",
			"timestamp.columns.mapping", ".*items_a:[ts], .*items_b:[upd|ts]")
		offsets := connecttest.NewOffsets()
		r := start(t, cfg, offsets, 1)
		got := r.poll(offsets, 3)
		require.Len(t, got, 3)
		byTopic := map[string][]map[string]any{}
		for _, rec := range got {
			byTopic[rec.Topic] = append(byTopic[rec.Topic], rec.SourceOffset.Map())
		}
		require.Equal(t, []map[string]any{{"timestamp": int64(1000), "timestamp_nanos": int64(0), "incrementing": int64(1)}},
			byTopic["kc-items_a"])
		require.Equal(t, []map[string]any{
			{"timestamp": int64(2000), "timestamp_nanos": int64(0), "incrementing": int64(8)}, // COALESCE(upd, ts) = ts
			{"timestamp": int64(5000), "timestamp_nanos": int64(0), "incrementing": int64(7)}, // upd
		}, byTopic["kc-items_b"])

		for _, bad := range []struct {
			kv   []string
			want string
		}{
			{[]string{"table.include.list", ".*items_a", "incrementing.column.name", "id"}, "Cannot mix legacy and new configuration approaches"},
			{[]string{"table.exclude.list", ".*x", "incrementing.column.mapping", ".*:id"}, "table.exclude.list cannot be used without table.include.list"},
			{[]string{"table.include.list", ".*items_a"}, "Provide 'incrementing.column.mapping'"},
			{[]string{"table.include.list", ".*items_a", "incrementing.column.mapping", ".*:id", "timestamp.columns.mapping", ".*:[ts]"},
				"Remove 'timestamp.columns.mapping'"},
			{[]string{"table.include.list", ".*items_a", "incrementing.column.mapping", ".*:[id"}, ""},
			{[]string{"table.include.list", ".*items_a", "incrementing.column.mapping", "a:b:c"}, "Expected 'regex:columnName'"},
		} {
			err := srcjdbc.Plugin().New().Start(context.Background(), config(db, append([]string{"mode", "incrementing"}, bad.kv...)...),
				connecttest.NewConnectorContext(nil))
			if bad.want == "" {
				require.NoError(t, err, bad.kv) // "[id" is a column name in the single-column form
				continue
			}
			require.ErrorContains(t, err, bad.want, bad.kv)
		}

		// A table no regex of the mapping matches fails the task, naming it.
		cfg = config(db, "mode", "incrementing", "table.include.list", ".*items_[ab]", "incrementing.column.mapping", ".*items_a:id")
		c := srcjdbc.Plugin().New()
		require.NoError(t, c.Start(context.Background(), cfg, connecttest.NewConnectorContext(nil)))
		defer c.Stop(context.Background())
		tcs, err := c.TaskConfigs(1)
		require.NoError(t, err)
		task := c.NewTask()
		err = task.Start(context.Background(), tcs[0], connecttest.SourceTaskContext(tcs[0], nil))
		require.ErrorContains(t, err, "Error while validating incrementing column mappings: Included table '"+qualified(t, db, "items_b")+
			"' does not match any of the provided regexes")
	})
}
