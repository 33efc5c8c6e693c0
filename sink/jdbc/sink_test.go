package jdbc_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
	"github.com/kconnect-go/kconnect/sink"
	sinkjdbc "github.com/kconnect-go/kconnect/sink/jdbc"
)

var valueSchema = connect.StructOf(
	connect.Field{Name: "id", Schema: connect.Int64Schema},
	connect.Field{Name: "name", Schema: connect.OptionalStringSchema},
)

var keySchema = connect.StructOf(connect.Field{Name: "id", Schema: connect.Int64Schema})

func value(t testing.TB, s *connect.Schema, kv ...any) *connect.Struct {
	t.Helper()
	v := connect.NewStruct(s)
	for i := 0; i < len(kv); i += 2 {
		if err := v.Put(kv[i].(string), kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	return v
}

// rec returns a record of topic's partition 0 at offset, keyed by id.
func rec(t testing.TB, topic string, offset int64, id int64, vs *connect.Schema, v *connect.Struct) connect.Record {
	r := connect.Record{Topic: topic, KeySchema: keySchema, Key: value(t, keySchema, "id", id)}
	if v != nil {
		r.ValueSchema, r.Value = vs, v
	}
	r.SetPartition(0)
	r.SetOrigin(connect.KafkaPosition{Topic: topic, Partition: 0, Offset: offset})
	return r
}

func named(t testing.TB, topic string, offset, id int64, name string) connect.Record {
	return rec(t, topic, offset, id, valueSchema, value(t, valueSchema, "id", id, "name", name))
}

// TestConformance runs the connecttest kit on the sink, with a new database
// (SQLite file, PostgreSQL schema) per check and the Kafka coordinates as
// the primary key.
func TestConformance(t *testing.T) {
	for _, db := range jdbctest.All {
		t.Run(db.Name, func(t *testing.T) {
			connecttest.Sink(t, connecttest.SinkSpec{
				Plugin: sinkjdbc.Plugin(),
				Config: func(t testing.TB) map[string]string {
					return map[string]string{
						"connection.url": db.Open(t).URL, "auto.create": "true", "pk.mode": "kafka",
						"table.name.format": "kc_${topic}",
					}
				},
				Records: func(t testing.TB, n int) []connect.Record {
					out := make([]connect.Record, n)
					for i := range out {
						p := int32(i % 2)
						out[i] = named(t, connecttest.DefaultTopic, int64(i/2), int64(i), "value-"+strconv.Itoa(i))
						out[i].SetPartition(p)
						out[i].SetOrigin(connect.KafkaPosition{Topic: connecttest.DefaultTopic, Partition: p, Offset: int64(i / 2)})
					}
					return out
				},
				Expect: func(r connect.Record) any { return r.Value.(*connect.Struct).Get("name") },
				ReadBack: func(t testing.TB, config map[string]string) []any {
					var out []any
					for _, row := range query(t, config["connection.url"], `SELECT "name" FROM "kc_connecttest" ORDER BY "__connect_partition", "__connect_offset"`) {
						out = append(out, row[0])
					}
					return out
				},
				RequiredKeys: []string{"connection.url"},
			})
		})
	}
}

// query runs q on the database url names and returns its rows as strings.
// Double quotes in q are MySQL's backquotes on MySQL.
func query(t testing.TB, url, q string, args ...any) [][]string {
	t.Helper()
	target, err := jdbc.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	if target.Dialect == jdbc.MySQL {
		q = strings.ReplaceAll(q, `"`, "`")
	}
	return queryAsIs(t, url, q, args...)
}

// queryAsIs is query without changing q.
func queryAsIs(t testing.TB, url, q string, args ...any) [][]string {
	t.Helper()
	target, err := jdbc.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	db, err := target.Open(context.Background(), "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
			if !v.Valid {
				row[i] = "NULL"
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// started is a started task with its fake context.
type started struct {
	t    *testing.T
	task sink.Task
	tc   *connecttest.SinkTaskContext
	url  string
}

func start(t *testing.T, db *jdbctest.DB, config map[string]string) *started {
	t.Helper()
	config = maps.Clone(config)
	config["connection.url"] = db.URL
	conn := sinkjdbc.Plugin().New()
	ctx := context.Background()
	if err := conn.Start(ctx, config, connecttest.NewConnectorContext(nil)); err != nil {
		t.Fatal(err)
	}
	cfgs, err := conn.TaskConfigs(1)
	if err != nil {
		t.Fatal(err)
	}
	task := conn.NewTask()
	tc := connecttest.NewSinkTaskContext(cfgs[0])
	if err := task.Start(ctx, cfgs[0], tc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { task.Stop(ctx) })
	return &started{t: t, task: task, tc: tc, url: db.URL}
}

func (s *started) put(recs ...connect.Record) {
	s.t.Helper()
	if err := s.task.Put(context.Background(), recs); err != nil {
		s.t.Fatalf("Put: %v", err)
	}
}

func (s *started) rows(q string) string {
	s.t.Helper()
	return fmt.Sprint(query(s.t, s.url, q))
}

func TestInsertAutoCreate(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		s := start(t, db, map[string]string{"auto.create": "true"})
		s.put(named(t, "orders", 0, 1, "a"), named(t, "orders", 1, 2, "b"))
		s.put(named(t, "orders", 2, 1, "a again"))
		if got, want := s.rows(`SELECT "id", "name" FROM "orders" ORDER BY "id", "name"`), "[[1 a] [1 a again] [2 b]]"; got != want {
			t.Errorf("rows %s, want %s", got, want)
		}
	})
}

func TestMissingTableWithoutAutoCreate(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		s := start(t, db, map[string]string{})
		s.put(named(t, "orders", 7, 1, "a"))
		rep := s.tc.Reported()
		if len(rep) != 1 || !strings.Contains(rep[0].Err.Error(), "table orders") || !strings.Contains(rep[0].Err.Error(), "auto.create") {
			t.Fatalf("reported %v; want the record, naming the table and auto.create", rep)
		}
	})
}

// TestUpsertRecordKey delivers the same keys twice, as a redelivery does,
// and changes one: each key is one row holding its last value.
func TestUpsertRecordKey(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		s := start(t, db, map[string]string{"auto.create": "true", "insert.mode": "upsert", "pk.mode": "record_key"})
		batch := []connect.Record{named(t, "users", 0, 1, "ann"), named(t, "users", 1, 2, "bob")}
		s.put(batch...)
		s.put(batch...)
		s.put(named(t, "users", 2, 2, "bob2"))
		if got, want := s.rows(`SELECT "id", "name" FROM "users" ORDER BY "id"`), "[[1 ann] [2 bob2]]"; got != want {
			t.Errorf("rows %s, want %s", got, want)
		}
	})
}

func TestUpsertRecordValueAndUpdate(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		s := start(t, db, map[string]string{"auto.create": "true", "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "id"})
		s.put(named(t, "users", 0, 1, "ann"), named(t, "users", 1, 1, "ann2"))
		if got, want := s.rows(`SELECT "id", "name" FROM "users"`), "[[1 ann2]]"; got != want {
			t.Errorf("upsert by value: rows %s, want %s", got, want)
		}
		u := start(t, db, map[string]string{"insert.mode": "update", "pk.mode": "record_key"})
		u.put(named(t, "users", 2, 1, "ann3"), named(t, "users", 3, 9, "nobody"))
		if got, want := u.rows(`SELECT "id", "name" FROM "users"`), "[[1 ann3]]"; got != want {
			t.Errorf("update: rows %s, want %s (an update of a missing key writes nothing)", got, want)
		}
	})
}

func TestKafkaPrimaryKey(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		s := start(t, db, map[string]string{"auto.create": "true", "insert.mode": "upsert", "pk.mode": "kafka", "pk.fields": "t,p,o"})
		s.put(named(t, "events", 5, 1, "x"), named(t, "events", 6, 1, "y"))
		s.put(named(t, "events", 5, 1, "x")) // redelivered
		if got, want := s.rows(`SELECT "t", "p", "o", "name" FROM "events" ORDER BY "o"`), "[[events 0 5 x] [events 0 6 y]]"; got != want {
			t.Errorf("rows %s, want %s", got, want)
		}
	})
}

func TestPrimitiveKey(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		s := start(t, db, map[string]string{"auto.create": "true", "insert.mode": "upsert", "pk.mode": "record_key", "pk.fields": "k", "delete.enabled": "true"})
		r := named(t, "kv", 0, 1, "one")
		r.KeySchema, r.Key = connect.StringSchema, "key one"
		s.put(r)
		if got, want := s.rows(`SELECT "k", "id", "name" FROM "kv"`), "[[key one 1 one]]"; got != want {
			t.Errorf("rows %s, want %s", got, want)
		}
		tomb := connect.Record{Topic: "kv", KeySchema: connect.StringSchema, Key: "key one"}
		tomb.SetOrigin(connect.KafkaPosition{Topic: "kv", Offset: 1})
		s.put(tomb)
		if got := s.rows(`SELECT "k" FROM "kv"`); got != "[]" {
			t.Errorf("rows %s after the tombstone, want none", got)
		}
	})
}

func TestDeleteEnabled(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		s := start(t, db, map[string]string{"auto.create": "true", "insert.mode": "upsert", "pk.mode": "record_key", "delete.enabled": "true"})
		// A delete after an insert of the same key in one batch: order holds.
		s.put(named(t, "users", 0, 1, "ann"), named(t, "users", 1, 2, "bob"), rec(t, "users", 2, 1, nil, nil))
		if got, want := s.rows(`SELECT "id", "name" FROM "users" ORDER BY "id"`), "[[2 bob]]"; got != want {
			t.Errorf("rows %s, want %s", got, want)
		}
		s.put(rec(t, "users", 3, 42, nil, nil)) // a key that is not there
		if rep := s.tc.Reported(); len(rep) != 0 {
			t.Errorf("reported %v", rep)
		}
	})
}

func TestConfigChecks(t *testing.T) {
	for _, tc := range []struct {
		config map[string]string
		want   string
	}{
		{map[string]string{"delete.enabled": "true"}, "delete.enabled"},
		{map[string]string{"insert.mode": "upsert"}, "pk.mode"},
		{map[string]string{"pk.mode": "kafka", "pk.fields": "a,b"}, "pk.fields"},
		{map[string]string{"insert.mode": "merge"}, "insert.mode"},
		{map[string]string{"db.timezone": "Mars/Olympus"}, "db.timezone"},
		{map[string]string{"connection.url": "jdbc:oracle:thin:@h:1521/x"}, "connection.url"},
		{map[string]string{"dialect.name": "PostgreSqlDatabaseDialect"}, "dialect.name"},
		{map[string]string{"dialect.name": "SqlServerDatabaseDialect"}, "dialect.name"},
		{map[string]string{"table.types": "TABLE,SYNONYM"}, "table.types"},
	} {
		cfg := map[string]string{"connection.url": "jdbc:sqlite::memory:"}
		for k, v := range tc.config {
			cfg[k] = v
		}
		err := sinkjdbc.Plugin().New().Start(context.Background(), cfg, connecttest.NewConnectorContext(nil))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Start(%v) = %v; want an error naming %s", tc.config, err, tc.want)
		}
	}
}

var evolvedSchema = connect.StructOf(
	connect.Field{Name: "id", Schema: connect.Int64Schema},
	connect.Field{Name: "name", Schema: connect.OptionalStringSchema},
	connect.Field{Name: "age", Schema: connect.OptionalInt32Schema},
	connect.Field{Name: "score", Schema: connect.Float64Schema.WithDefault(1.5)},
)

var requiredAdded = connect.StructOf(
	connect.Field{Name: "id", Schema: connect.Int64Schema},
	connect.Field{Name: "must", Schema: connect.StringSchema},
)

func TestAutoEvolve(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		s := start(t, db, map[string]string{"auto.create": "true", "auto.evolve": "true"})
		s.put(named(t, "people", 0, 1, "ann"))
		s.put(rec(t, "people", 1, 2, evolvedSchema, value(t, evolvedSchema, "id", int64(2), "name", "bob", "age", int32(40))))
		if got, want := s.rows(`SELECT "id", "name", "age", "score" FROM "people" ORDER BY "id"`), "[[1 ann NULL 1.5] [2 bob 40 1.5]]"; got != want {
			t.Errorf("rows %s, want %s", got, want)
		}
		// A required field without a default cannot be added: that record
		// is reported, naming the table and the column.
		s.put(rec(t, "people", 2, 3, requiredAdded, value(t, requiredAdded, "id", int64(3), "must", "x")))
		rep := s.tc.Reported()
		if len(rep) != 1 || !strings.Contains(rep[0].Err.Error(), "people") || !strings.Contains(rep[0].Err.Error(), "must") {
			t.Fatalf("reported %v; want the record, naming table people and column must", rep)
		}
		// Without auto.evolve a new field is an errant record.
		n := start(t, db, map[string]string{})
		n.put(rec(t, "people", 3, 4, requiredAdded, value(t, requiredAdded, "id", int64(4), "must", "x")))
		if rep := n.tc.Reported(); len(rep) != 1 || !strings.Contains(rep[0].Err.Error(), "auto.evolve") {
			t.Fatalf("reported %v; want the record, naming auto.evolve", rep)
		}
	})
}

// TestBadRecordSplitsTheBatch puts a batch whose middle record breaks the
// table's primary key: the batch's transaction fails, the task writes the
// records one by one, the others are written and the bad one is reported
// with its table and reason.
func TestBadRecordSplitsTheBatch(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		s := start(t, db, map[string]string{"auto.create": "true", "pk.mode": "record_key", "max.retries": "3"})
		s.put(named(t, "users", 0, 1, "ann"))
		s.put(named(t, "users", 1, 2, "bob"), named(t, "users", 2, 1, "duplicate"), named(t, "users", 3, 3, "cy"))
		if got, want := s.rows(`SELECT "id", "name" FROM "users" ORDER BY "id"`), "[[1 ann] [2 bob] [3 cy]]"; got != want {
			t.Errorf("rows %s, want %s", got, want)
		}
		rep := s.tc.Reported()
		if len(rep) != 1 || rep[0].Record.Value.(*connect.Struct).Get("name") != "duplicate" ||
			!strings.Contains(rep[0].Err.Error(), "table users") || !strings.Contains(rep[0].Err.Error(), "topic users partition 0 offset 2") {
			t.Fatalf("reported %v; want the duplicate only, naming its table and position", rep)
		}
		if s.tc.RetryBackoff() != 0 {
			t.Errorf("a constraint violation was retried (backoff %v): it is not transient", s.tc.RetryBackoff())
		}
	})
}

// strictContext's reporter does not tolerate errors, as errors.tolerance=none.
type strictContext struct{ *connecttest.SinkTaskContext }

type strictReporter struct{}

func (strictReporter) Report(_ context.Context, _ connect.Record, cause error) error {
	return fmt.Errorf("tolerance exceeded: %w", cause)
}

func (strictContext) Reporter() sink.ErrantRecordReporter { return strictReporter{} }

func TestBadRecordFailsWithoutTolerance(t *testing.T) {
	db := jdbctest.SQLite(t)
	config := map[string]string{"connection.url": db.URL, "auto.create": "true", "pk.mode": "record_key"}
	task := sinkjdbc.Plugin().New().NewTask()
	ctx := context.Background()
	if err := task.Start(ctx, config, strictContext{connecttest.NewSinkTaskContext(config)}); err != nil {
		t.Fatal(err)
	}
	defer task.Stop(ctx)
	err := task.Put(ctx, []connect.Record{named(t, "users", 0, 1, "ann"), named(t, "users", 1, 1, "dup"), named(t, "users", 2, 2, "bob")})
	if err == nil || errors.Is(err, connect.ErrRetriable) || !strings.Contains(err.Error(), "table users, record topic users partition 0 offset 1") {
		t.Fatalf("Put = %v; want a fatal error naming table users and record offset 1", err)
	}
	if got, want := fmt.Sprint(query(t, db.URL, `SELECT "id", "name" FROM "users" ORDER BY "id"`)), "[[1 ann]]"; got != want {
		t.Errorf("rows %s, want %s: the records before the bad one are written", got, want)
	}
}

// TestTableCreatedMidBatch creates a table in the middle of a batch that
// then fails: MySQL and MariaDB commit a transaction at any DDL statement,
// so the task creates tables before its transaction, and the records
// before the new table's are not written twice when the batch is split.
func TestTableCreatedMidBatch(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		s := start(t, db, map[string]string{"auto.create": "true"})
		s.put(named(t, "a", 0, 1, "first"))
		c := jdbc.TableID{Name: "c"}
		q, err := db.Dialect.CreateTable(c, []jdbc.Column{
			{Name: "id", Schema: connect.Int64Schema, Key: true}, {Name: "name", Schema: connect.OptionalStringSchema}}, jdbc.Always)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.DB.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
		s.put(named(t, "a", 1, 2, "second"), named(t, "b", 0, 1, "new table"), named(t, "c", 0, 5, "five"), named(t, "c", 1, 5, "five again"))
		if got, want := s.rows(`SELECT "id", "name" FROM "a" ORDER BY "id"`), "[[1 first] [2 second]]"; got != want {
			t.Errorf("table a holds %s, want %s", got, want)
		}
		if got, want := s.rows(`SELECT "id", "name" FROM "b"`)+s.rows(`SELECT "id", "name" FROM "c"`), "[[1 new table]][[5 five]]"; got != want {
			t.Errorf("tables b and c hold %s, want %s", got, want)
		}
		if rep := s.tc.Reported(); len(rep) != 1 {
			t.Errorf("reported %v, want the duplicate of c", rep)
		}
	})
}

var withDefault = connect.StructOf(
	connect.Field{Name: "id", Schema: connect.Int64Schema},
	connect.Field{Name: "name", Schema: connect.OptionalStringSchema.WithDefault("dflt")},
)

func TestReplaceNullWithDefault(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		s := start(t, db, map[string]string{"auto.create": "true", "table.name.format": "d_${topic}"})
		s.put(rec(t, "on", 0, 1, withDefault, value(t, withDefault, "id", int64(1))))
		n := start(t, db, map[string]string{"auto.create": "true", "table.name.format": "d_${topic}", "replace.null.with.default": "false"})
		n.put(rec(t, "off", 0, 1, withDefault, value(t, withDefault, "id", int64(1))))
		if got, want := s.rows(`SELECT "name" FROM "d_on"`)+s.rows(`SELECT "name" FROM "d_off"`), "[[dflt]][[NULL]]"; got != want {
			t.Errorf("rows %s, want %s", got, want)
		}
	})
}

// TestConnectionAttempts starts a task against a port nothing listens on:
// it tries connection.attempts times, connection.backoff.ms apart, and
// fails naming the host and the attempts, not the password.
func TestConnectionAttempts(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	config := map[string]string{"connection.url": "jdbc:postgresql://" + addr + "/db", "connection.password": "hunter2-secret",
		"connection.attempts": "3", "connection.backoff.ms": "100"}
	begin := time.Now()
	err = sinkjdbc.Plugin().New().NewTask().Start(context.Background(), config, connecttest.NewSinkTaskContext(config))
	if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "after 3 attempts") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Start = %v; want an error naming %s and 3 attempts, without the password", err, addr)
	}
	if d := time.Since(begin); d < 200*time.Millisecond {
		t.Errorf("three attempts took %v: connection.backoff.ms (100) was not waited twice", d)
	}
}

// TestWideBatch puts 1000 records of 40 fields, 40000 values, more than
// one statement may bind in SQLite: every record is written, none
// reported.
func TestWideBatch(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		var fields []connect.Field
		for i := range 40 {
			fields = append(fields, connect.Field{Name: "f" + strconv.Itoa(i), Schema: connect.Int64Schema})
		}
		wide := connect.StructOf(fields...)
		s := start(t, db, map[string]string{"auto.create": "true"})
		batch := make([]connect.Record, 1000)
		for i := range batch {
			v := connect.NewStruct(wide)
			for j := range 40 {
				if err := v.Put("f"+strconv.Itoa(j), int64(i*j)); err != nil {
					t.Fatal(err)
				}
			}
			batch[i] = rec(t, "wide", int64(i), int64(i), wide, v)
		}
		s.put(batch...)
		if got, want := s.rows(`SELECT COUNT(*), SUM("f39") FROM "wide"`), fmt.Sprintf("[[1000 %d]]", 39*999*1000/2); got != want {
			t.Errorf("rows %s, want %s", got, want)
		}
		if rep := s.tc.Reported(); len(rep) != 0 {
			t.Errorf("reported %d records, the first: %v", len(rep), rep[0].Err)
		}
	})
}
