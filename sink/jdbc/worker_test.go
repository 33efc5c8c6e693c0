package jdbc_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sinkjdbc "github.com/kconnect-go/kconnect/sink/jdbc"
)

// TestWorkerPipeline runs the sink in a worker on Kafka, configured as
// Confluent's connector is: JSON records with schemas are upserted by
// their key, a tombstone deletes its row, and the consumer offsets
// committed cover every record once the rows are written.
func TestWorkerPipeline(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		brokers := testkafka.Brokers(t)
		topic := testkafka.Topic(t, "users")
		testkafka.CreateTopic(t, brokers, topic, 1, nil)

		const keySchema = `{"type":"struct","fields":[{"field":"id","type":"int64","optional":false}],"optional":false}`
		const valueSchema = `{"type":"struct","fields":[{"field":"id","type":"int64","optional":false},` +
			`{"field":"name","type":"string","optional":true}],"optional":false}`
		record := func(id int, name string) *kgo.Record {
			r := &kgo.Record{Topic: topic,
				Key: fmt.Appendf(nil, `{"schema":%s,"payload":{"id":%d}}`, keySchema, id)}
			if name != "" {
				r.Value = fmt.Appendf(nil, `{"schema":%s,"payload":{"id":%d,"name":%q}}`, valueSchema, id, name)
			}
			return r
		}
		cl := testkafka.Client(t, brokers)
		ctx := context.Background()
		recs := []*kgo.Record{record(1, "ann"), record(2, "bob"), record(3, "cy"), record(2, "bob2"), record(3, "")}
		require.NoError(t, cl.ProduceSync(ctx, recs...).FirstErr())

		w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(sinkjdbc.Plugin()),
			worker.OffsetFlushInterval(50*time.Millisecond), worker.Logger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err)
		t.Cleanup(func() { w.Close() })
		name := testkafka.Group(t, "jdbc-sink")
		require.NoError(t, w.CreateConnector(ctx, name, map[string]string{
			"connector.class": "JdbcSinkConnector", "topics": topic, "connection.url": db.URL,
			"key.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter": "org.apache.kafka.connect.json.JsonConverter",
			"auto.create": "true", "insert.mode": "upsert", "pk.mode": "record_key", "delete.enabled": "true",
			"table.name.format": "kc_${topic}",
		}))
		want := "[[1 ann] [2 bob2]]"
		var got string
		require.Eventually(t, func() bool {
			q := `SELECT "id", "name" FROM "kc_` + topic + `" ORDER BY "id"`
			if db.Dialect == jdbc.MySQL {
				q = strings.ReplaceAll(q, `"`, "`")
			}
			rows, err := db.DB.QueryContext(ctx, q)
			if err != nil { // not created yet
				return false
			}
			defer rows.Close()
			var out [][2]any
			for rows.Next() {
				var id int64
				var name string
				if rows.Scan(&id, &name) != nil {
					return false
				}
				out = append(out, [2]any{id, name})
			}
			got = fmt.Sprint(out)
			return got == want
		}, 30*time.Second, 50*time.Millisecond, "rows %s, want %s", got, want)

		require.Eventually(t, func() bool {
			offs, err := w.ConnectorOffsets(ctx, name)
			if err != nil || len(offs.Offsets) != 1 {
				return false
			}
			n, _ := offs.Offsets[0].Offset.Int64("kafka_offset")
			return n == int64(len(recs))
		}, 30*time.Second, 50*time.Millisecond, "the committed offset never covered the %d records", len(recs))
		st, err := w.Status(name)
		require.NoError(t, err)
		require.Equal(t, "RUNNING", fmt.Sprint(st.Tasks[0].State))
	})
}

// TestWorkerDeadLetterQueue sends a record the sink cannot write (a string
// without a schema) among good ones, and one breaking the primary key, with errors.tolerance=all and a dead
// letter queue: the good records are written, the bad one is in the
// queue with the table and reason in its headers, and the task runs on.
func TestWorkerDeadLetterQueue(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		brokers := testkafka.Brokers(t)
		topic, dlq := testkafka.Topic(t, "users"), testkafka.Topic(t, "dlq")
		testkafka.CreateTopic(t, brokers, topic, 1, nil)
		testkafka.CreateTopic(t, brokers, dlq, 1, nil)
		const valueSchema = `{"type":"struct","fields":[{"field":"id","type":"int64","optional":false}],"optional":false}`
		good := func(id int) *kgo.Record {
			return &kgo.Record{Topic: topic, Value: fmt.Appendf(nil, `{"schema":%s,"payload":{"id":%d}}`, valueSchema, id)}
		}
		bad := &kgo.Record{Topic: topic, Value: []byte(`{"schema":null,"payload":"not an object"}`)}
		cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(dlq), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		ctx := context.Background()
		require.NoError(t, cl.ProduceSync(ctx, good(1), bad, good(1), good(3)).FirstErr())

		w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(sinkjdbc.Plugin()),
			worker.OffsetFlushInterval(50*time.Millisecond), worker.Logger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err)
		t.Cleanup(func() { w.Close() })
		name := testkafka.Group(t, "jdbc-dlq")
		require.NoError(t, w.CreateConnector(ctx, name, map[string]string{
			"connector.class": "JdbcSinkConnector", "topics": topic, "connection.url": db.URL,
			"value.converter": "org.apache.kafka.connect.json.JsonConverter", "auto.create": "true",
			"table.name.format": "kc_users", "errors.tolerance": "all", "pk.mode": "record_value",
			"errors.deadletterqueue.topic.name": dlq, "errors.deadletterqueue.context.headers.enable": "true",
			"errors.deadletterqueue.topic.replication.factor": "1",
		}))
		fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		var dead []*kgo.Record
		for len(dead) < 2 && fctx.Err() == nil {
			dead = append(dead, cl.PollFetches(fctx).Records()...)
		}
		require.Len(t, dead, 2, "the dead letter queue")
		message := func(r *kgo.Record) string {
			for _, h := range r.Headers {
				if h.Key == worker.DLQHeaderExceptionMessage {
					return string(h.Value)
				}
			}
			return ""
		}
		require.Equal(t, string(bad.Value), string(dead[0].Value))
		require.Contains(t, message(dead[0]), "table kc_users")
		require.Contains(t, message(dead[0]), "but a string")
		require.Equal(t, string(good(1).Value), string(dead[1].Value))
		require.Contains(t, message(dead[1]), "table kc_users, record topic "+topic+" partition 0 offset 2")
		require.Eventually(t, func() bool {
			return fmt.Sprint(query(t, db.URL, `SELECT "id" FROM "kc_users" ORDER BY "id"`)) == "[[1] [3]]"
		}, 30*time.Second, 50*time.Millisecond)
		st, err := w.Status(name)
		require.NoError(t, err)
		require.Equal(t, "RUNNING", fmt.Sprint(st.Tasks[0].State))
	})
}

// TestWorkerSchemaless runs the sink on JSON without schemas
// (schemas.enable=false), which Confluent's sink refuses: the table is
// created from the members' types, nested members are JSON, a key update
// keeps the last values and a tombstone deletes its row.
func TestWorkerSchemaless(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		brokers := testkafka.Brokers(t)
		topic := testkafka.Topic(t, "docs")
		testkafka.CreateTopic(t, brokers, topic, 1, nil)
		record := func(id int, value string) *kgo.Record {
			r := &kgo.Record{Topic: topic, Key: fmt.Appendf(nil, `{"id":%d}`, id)}
			if value != "" {
				r.Value = []byte(value)
			}
			return r
		}
		cl := testkafka.Client(t, brokers)
		ctx := context.Background()
		recs := []*kgo.Record{
			record(1, `{"name":"ann","score":1.5,"tags":["x"],"addr":{"city":"Oslo"}}`),
			record(2, `{"name":"bob","score":2,"tags":[],"addr":null}`),
			record(3, `{"name":"cy"}`),
			record(1, `{"name":"ann2","score":3.25,"tags":["y","z"],"addr":{"city":"Bergen"}}`),
			record(3, ""),
		}
		require.NoError(t, cl.ProduceSync(ctx, recs...).FirstErr())
		w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(sinkjdbc.Plugin()),
			worker.OffsetFlushInterval(50*time.Millisecond), worker.Logger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err)
		t.Cleanup(func() { w.Close() })
		name := testkafka.Group(t, "jdbc-schemaless")
		require.NoError(t, w.CreateConnector(ctx, name, map[string]string{
			"connector.class": "JdbcSinkConnector", "topics": topic, "connection.url": db.URL,
			"key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
			"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
			"auto.create": "true", "auto.evolve": "true", "insert.mode": "upsert", "pk.mode": "record_key", "delete.enabled": "true",
			"table.name.format": "kc_${topic}",
		}))
		q := `SELECT "id", "name", "score", "tags", "addr" FROM "kc_` + topic + `" ORDER BY "id"`
		if db.Dialect == jdbc.MySQL {
			q = strings.ReplaceAll(q, `"`, "`")
		}
		want := `[[1 ann2 3.25 ["y","z"] {"city":"Bergen"}] [2 bob 2 [] NULL]]`
		var got string
		require.Eventually(t, func() bool {
			rows, err := db.DB.QueryContext(ctx, q)
			if err != nil { // not created yet
				return false
			}
			defer rows.Close()
			var out [][]string
			for rows.Next() {
				var id, name, score, tags, addr sql.NullString
				if rows.Scan(&id, &name, &score, &tags, &addr) != nil {
					return false
				}
				row := []string{}
				for _, v := range []sql.NullString{id, name, score, tags, addr} {
					row = append(row, map[bool]string{true: strings.ReplaceAll(v.String, " ", ""), false: "NULL"}[v.Valid])
				}
				out = append(out, row)
			}
			got = fmt.Sprint(out)
			return got == want
		}, 30*time.Second, 50*time.Millisecond, "rows %s, want %s", got, want)
		st, err := w.Status(name)
		require.NoError(t, err)
		require.Equal(t, "RUNNING", fmt.Sprint(st.Tasks[0].State))
	})
}
