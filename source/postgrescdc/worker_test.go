package postgrescdc_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/source/postgrescdc"
)

// debeziumValue is the JsonConverter value Debezium 3.x writes for an
// insert into items (id int PRIMARY KEY, name text): the volatile fields
// (times, txId, lsn, sequence, version) are replaced by normalize.
const debeziumValue = `{"schema":{"type":"struct","fields":[` +
	`{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"}],"optional":true,"name":"P.public.items.Value","field":"before"},` +
	`{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"}],"optional":true,"name":"P.public.items.Value","field":"after"},` +
	`{"type":"struct","fields":[{"type":"string","optional":false,"field":"version"},{"type":"string","optional":false,"field":"connector"},` +
	`{"type":"string","optional":false,"field":"name"},{"type":"int64","optional":false,"field":"ts_ms"},` +
	`{"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"},"default":"false","field":"snapshot"},` +
	`{"type":"string","optional":false,"field":"db"},{"type":"string","optional":true,"field":"sequence"},` +
	`{"type":"int64","optional":true,"field":"ts_us"},{"type":"int64","optional":true,"field":"ts_ns"},` +
	`{"type":"string","optional":false,"field":"schema"},{"type":"string","optional":false,"field":"table"},` +
	`{"type":"int64","optional":true,"field":"txId"},{"type":"int64","optional":true,"field":"lsn"},{"type":"int64","optional":true,"field":"xmin"},` +
	`{"type":"string","optional":true,"field":"origin"},{"type":"int64","optional":true,"field":"origin_lsn"}],` +
	`"optional":false,"name":"io.debezium.connector.postgresql.Source","version":1,"field":"source"},` +
	`{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"},{"type":"int64","optional":false,"field":"total_order"},` +
	`{"type":"int64","optional":false,"field":"data_collection_order"}],"optional":true,"name":"event.block","version":1,"field":"transaction"},` +
	`{"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"},` +
	`{"type":"int64","optional":true,"field":"ts_us"},{"type":"int64","optional":true,"field":"ts_ns"}],` +
	`"optional":false,"name":"P.public.items.Envelope","version":2},` +
	`"payload":{"before":null,"after":{"id":1,"name":"one"},"source":{"version":"V","connector":"postgresql","name":"P",` +
	`"ts_ms":0,"snapshot":"false","db":"DB","sequence":"S","ts_us":0,"ts_ns":0,"schema":"public","table":"items",` +
	`"txId":0,"lsn":0,"xmin":null,"origin":null,"origin_lsn":null},"transaction":null,"op":"c","ts_ms":0,"ts_us":0,"ts_ns":0}}`

const debeziumKey = `{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,` +
	`"name":"P.public.items.Key"},"payload":{"id":1}}`

var volatile = regexp.MustCompile(`"(ts_ms|ts_us|ts_ns|txId|lsn)":\d+|"(version|sequence)":"(?:[^"\\]|\\.)*"`)

func normalize(b []byte, prefix, db string) string {
	s := volatile.ReplaceAllStringFunc(string(b), func(m string) string {
		k := m[1 : strings.Index(m[1:], `"`)+1]
		switch k {
		case "version":
			return `"version":"V"`
		case "sequence":
			return `"sequence":"S"`
		}
		return `"` + k + `":0`
	})
	return strings.ReplaceAll(strings.ReplaceAll(s, prefix, "P"), `"db":"`+db+`"`, `"db":"DB"`)
}

// TestWorkerJSON runs the connector in a worker on Kafka with
// JsonConverter: the key and value of an insert are Debezium's bytes (but
// for times and positions), the committed offsets move the slot's
// confirmed flush LSN, and heartbeats move it on while the table is quiet.
func TestWorkerJSON(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.items (id int PRIMARY KEY, name text)`)
	brokers := testkafka.Brokers(t)
	prefix := testkafka.Topic(t, "cdc")
	topic := prefix + ".public.items"
	hbTopic := "__debezium-heartbeat." + prefix
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	testkafka.CreateTopic(t, brokers, hbTopic, 1, nil)
	cfg := p.config("connector.class", "PostgresConnector", "topic.prefix", prefix, "snapshot.mode", "no_data",
		"heartbeat.interval.ms", "100",
		"key.converter", "org.apache.kafka.connect.json.JsonConverter",
		"value.converter", "org.apache.kafka.connect.json.JsonConverter")
	store := offset.NewMemory()
	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(postgrescdc.Plugin()), worker.OffsetStore(store),
		worker.OffsetFlushInterval(20*time.Millisecond), worker.Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(func() { w.Close() })
	ctx := context.Background()
	name := testkafka.Group(t, "cdc")
	// Creating a logical slot waits for every transaction holding an id
	// anywhere on the server, such as another test's snapshot, and the
	// slot shows as active meanwhile; changes committed before its
	// consistent point are not streamed, and no_data reads no snapshot.
	// A transaction held open here makes that wait certain, so that the
	// test only writes once the slot is past it.
	holder, err := pgx.ConnectConfig(ctx, p.conn.Config().Copy())
	require.NoError(t, err)
	defer holder.Close(ctx)
	hold, err := holder.Begin(ctx)
	require.NoError(t, err)
	_, err = hold.Exec(ctx, `SELECT pg_current_xact_id()`)
	require.NoError(t, err)
	require.NoError(t, w.CreateConnector(ctx, name, cfg))
	slot := cfg["slot.name"]
	slotState := func() (active, consistent bool) {
		_ = p.conn.QueryRow(ctx, `SELECT active, confirmed_flush_lsn IS NOT NULL FROM pg_replication_slots
			WHERE slot_name = $1`, slot).Scan(&active, &consistent)
		return active, consistent
	}
	require.Eventually(t, func() bool { active, consistent := slotState(); return active && !consistent }, 30*time.Second,
		10*time.Millisecond, "the slot is not being created")
	require.NoError(t, hold.Commit(ctx))
	// Once it has a confirmed flush LSN the slot is consistent, and once
	// active again the task streams from there. The limit is that of the
	// longest transaction open elsewhere on the shared server while the
	// slot is created (TestSnapshotCutShortResumes holds one through a
	// whole snapshot of up to 60s), not of this test's work.
	require.Eventually(t, func() bool { active, consistent := slotState(); return active && consistent }, 90*time.Second,
		10*time.Millisecond, "the task never streamed from the slot")

	p.exec(t, `INSERT INTO public.items VALUES (1, 'one')`)
	p.exec(t, `INSERT INTO public.items VALUES (2, 'two')`)

	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for len(recs) < 2 && fctx.Err() == nil {
		cl.PollFetches(fctx).EachRecord(func(r *kgo.Record) { recs = append(recs, r) })
	}
	require.Len(t, recs, 2)
	require.Equal(t, debeziumKey, normalize(recs[0].Key, prefix, p.name))
	require.Equal(t, debeziumValue, normalize(recs[0].Value, prefix, p.name))
	var second struct {
		Payload struct {
			Source struct {
				LSN uint64 `json:"lsn"`
			} `json:"source"`
		} `json:"payload"`
	}
	require.NoError(t, json.Unmarshal(recs[1].Value, &second))
	last := second.Payload.Source.LSN // the last change; its commit follows

	// The heartbeats carry the position past the last commit: the slot
	// confirms it, once the offsets are committed.
	require.Eventually(t, func() bool { return p.confirmedFlush(t, slot) > last }, 30*time.Second, 20*time.Millisecond,
		"the slot's confirmed flush LSN never reached the last commit")
	confirmed := p.confirmedFlush(t, slot) // before the offsets, which only grow
	part := connect.NewSourcePartition("server", prefix)
	offs, err := store.Get(ctx, name, []connect.SourcePartition{part})
	require.NoError(t, err)
	lsnCommit, _ := offs[part].Int64("lsn_commit")
	require.Greater(t, uint64(lsnCommit), last)
	require.LessOrEqual(t, confirmed, uint64(lsnCommit), "the slot confirmed more than the committed offsets")

	hb := testkafka.Client(t, brokers, kgo.ConsumeTopics(hbTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	var hbRec *kgo.Record
	for hbRec == nil && fctx.Err() == nil {
		hb.PollFetches(fctx).EachRecord(func(r *kgo.Record) { hbRec = r })
	}
	require.NotNil(t, hbRec)
	require.Equal(t, `{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"serverName"}],"optional":false,`+
		`"name":"io.debezium.connector.common.ServerNameKey","version":1},"payload":{"serverName":"P"}}`, normalize(hbRec.Key, prefix, p.name))
	require.Equal(t, `{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"ts_ms"}],"optional":false,`+
		`"name":"io.debezium.connector.common.Heartbeat","version":1},"payload":{"ts_ms":0}}`, normalize(hbRec.Value, prefix, p.name))
}
