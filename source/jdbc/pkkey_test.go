package jdbc_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/source"
	srcjdbc "github.com/kconnect-go/kconnect/source/jdbc"
)

// keyedTables makes "orders", whose primary key is (id, region) against
// its column order (region, id), "items" (key id) and "nokey" (none), a
// row each.
func keyedTables(t *testing.T, db *jdbctest.DB) *fixture {
	f := newFixture(t, db, "items")
	f.insert("items", 1, "a", 1000)
	f.exec(`CREATE TABLE "orders" ("region" VARCHAR(20) NOT NULL, "id" BIGINT NOT NULL, "name" VARCHAR(40), ` +
		`PRIMARY KEY ("id", "region"))`)
	f.exec(`INSERT INTO "orders" ("region","id","name") VALUES (?,?,?)`, "eu", 7, "o")
	f.exec(`CREATE TABLE "nokey" ("id" BIGINT NOT NULL, "name" VARCHAR(40))`)
	f.exec(`INSERT INTO "nokey" ("id","name") VALUES (?,?)`, 3, "n")
	return f
}

// TestKeyFromPrimaryKey sets kconnect.key.from.primary.key: a record's key
// is a Struct of its table's primary key columns in key order, named after
// the table, its fields typed as the value's; a table without a primary key
// has null keys, logged once; unset, every key is null, as Confluent's;
// with query, the configuration is refused naming the key.
func TestKeyFromPrimaryKey(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		keyedTables(t, db)
		var logs logBuffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		cfg := config(db, "mode", "incrementing", "incrementing.column.name", "id", "table.whitelist", "items,orders,nokey",
			srcjdbc.KeyFromPrimaryKeyConfig, "true")
		c := srcjdbc.Plugin().New()
		ctx := context.Background()
		require.NoError(t, c.Start(ctx, cfg, connecttest.NewConnectorContext(nil)))
		t.Cleanup(func() { c.Stop(ctx) })
		tcs, err := c.TaskConfigs(1)
		require.NoError(t, err)
		task := c.NewTask()
		offsets := connecttest.NewOffsets()
		require.NoError(t, task.Start(ctx, tcs[0], loggedTaskContext{connecttest.SourceTaskContext(tcs[0], offsets), log}))
		t.Cleanup(func() { task.Stop(ctx) })
		poll := func(n int) map[string][]connect.Record {
			byTopic := map[string][]connect.Record{}
			got := 0
			require.Eventually(t, func() bool {
				recs, err := task.Poll(ctx)
				require.NoError(t, err)
				offsets.CommitRecords(recs)
				for _, r := range recs {
					byTopic[r.Topic] = append(byTopic[r.Topic], r)
				}
				got += len(recs)
				return got >= n
			}, 20*time.Second, time.Millisecond)
			return byTopic
		}
		byTopic := poll(3)

		orders := byTopic["kc-orders"]
		require.Len(t, orders, 1)
		ks := orders[0].KeySchema
		require.NotNil(t, ks)
		require.Equal(t, "orders.Key", ks.Name)
		require.Equal(t, []string{"id", "region"}, fieldNames(ks), "the key's order, not the columns'")
		for _, f := range ks.Fields {
			vf, ok := orders[0].ValueSchema.Field(f.Name)
			require.True(t, ok)
			require.True(t, vf.Schema.Equal(f.Schema), "field %s typed as the value's", f.Name)
		}
		key := orders[0].Key.(*connect.Struct)
		id, _ := key.Int64("id")
		require.Equal(t, int64(7), id)
		require.Equal(t, "eu", key.Get("region"))

		items := byTopic["kc-items"]
		require.Len(t, items, 1)
		require.Equal(t, "items.Key", items[0].KeySchema.Name)
		require.Equal(t, []string{"id"}, fieldNames(items[0].KeySchema))
		id, _ = items[0].Key.(*connect.Struct).Int64("id")
		require.Equal(t, int64(1), id)

		nokey := byTopic["kc-nokey"]
		require.Len(t, nokey, 1)
		require.Nil(t, nokey[0].Key)
		require.Nil(t, nokey[0].KeySchema)

		f := &fixture{t: t, db: db}
		f.insert("items", 2, "b", 1000)
		f.exec(`INSERT INTO "nokey" ("id","name") VALUES (?,?)`, 4, "m")
		byTopic = poll(2)
		require.Same(t, items[0].KeySchema, byTopic["kc-items"][0].KeySchema, "one key *Schema while the table is unchanged")
		require.Nil(t, byTopic["kc-nokey"][0].Key)
		require.Equal(t, 1, strings.Count(logs.String(), "has no primary key"), logs.String())
		require.Contains(t, logs.String(), "table="+qualified(t, db, "nokey"))

		if db.Dialect == jdbc.PostgreSQL {
			// A key of a type left out of the records cannot make one.
			f.exec(`CREATE TABLE "netkey" ("addr" INET NOT NULL PRIMARY KEY, "name" TEXT)`)
			f.exec(`INSERT INTO "netkey" VALUES ('10.0.0.1', 'x')`)
			var logs logBuffer
			cfg := config(db, "mode", "bulk", "table.whitelist", "netkey", srcjdbc.KeyFromPrimaryKeyConfig, "true")
			r := start(t, cfg, nil, 1)
			require.NoError(t, r.tasks[0].Stop(ctx))
			task := r.c.NewTask()
			require.NoError(t, task.Start(ctx, r.cfgs[0],
				loggedTaskContext{connecttest.SourceTaskContext(r.cfgs[0], nil), slog.New(slog.NewTextHandler(&logs, nil))}))
			r.tasks = []source.Task{task}
			recs := r.poll(connecttest.NewOffsets(), 2)
			require.GreaterOrEqual(t, len(recs), 2)
			for _, rec := range recs {
				require.Nil(t, rec.Key)
			}
			require.Equal(t, 1, strings.Count(logs.String(), "the primary key column addr is not read"), logs.String())
		}

		// Unset: Confluent's null keys.
		plain := start(t, config(db, "mode", "bulk", "table.whitelist", "orders"), nil, 1)
		recs := plain.poll(connecttest.NewOffsets(), 1)
		require.NotEmpty(t, recs)
		require.Nil(t, recs[0].Key)
		require.Nil(t, recs[0].KeySchema)

		err = start2(config(db, "mode", "bulk", "query", `SELECT 1 AS x`, srcjdbc.KeyFromPrimaryKeyConfig, "true"))
		require.ErrorContains(t, err, srcjdbc.KeyFromPrimaryKeyConfig)
	})
}

func fieldNames(s *connect.Schema) []string {
	var out []string
	for _, f := range s.Fields {
		out = append(out, f.Name)
	}
	return out
}

// TestWorkerKeyFromPrimaryKey runs the source keyed by primary key in a
// worker with JsonConverter: the key's bytes are the key columns' JSON,
// with its schema when schemas.enable is true.
func TestWorkerKeyFromPrimaryKey(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		keyedTables(t, db)
		brokers := testkafka.Brokers(t)
		prefix := testkafka.Topic(t, "jdbckey") + "-"
		topic := prefix + "orders"
		testkafka.CreateTopic(t, brokers, topic, 1, nil)
		cfg := config(db, "connector.class", "JdbcSourceConnector", "mode", "bulk", "table.whitelist", "orders",
			"poll.interval.ms", "60000", "topic.prefix", prefix, srcjdbc.KeyFromPrimaryKeyConfig, "true",
			"key.converter", "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable", "true",
			"value.converter", "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable", "false")
		ctx := context.Background()
		w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(srcjdbc.Plugin()), worker.OffsetStore(offset.NewMemory()),
			worker.Logger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err)
		t.Cleanup(func() { w.Close() })
		require.NoError(t, w.CreateConnector(ctx, testkafka.Group(t, "jdbc-key"), cfg))

		cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		var rec *kgo.Record
		for rec == nil && fctx.Err() == nil {
			cl.PollFetches(fctx).EachRecord(func(r *kgo.Record) {
				if rec == nil {
					rec = r
				}
			})
		}
		require.NotNil(t, rec)
		want := `{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"},` +
			`{"type":"string","optional":false,"field":"region"}],"optional":false,"name":"orders.Key"},` +
			`"payload":{"id":7,"region":"eu"}}`
		require.JSONEq(t, want, string(rec.Key))
		var v map[string]any
		require.NoError(t, json.Unmarshal(rec.Value, &v))
		require.Equal(t, map[string]any{"region": "eu", "id": float64(7), "name": "o"}, v)
	})
}
