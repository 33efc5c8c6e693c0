package postgrescdc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
)

// debeziumOffset is an offset line of testdata/debezium: the key and value
// bytes Debezium 3.6.1 had Connect store.
type debeziumOffset struct {
	Key   json.RawMessage `json:"key"`
	Value json.RawMessage `json:"value"`
}

func readDebeziumOffset(t *testing.T, file string) debeziumOffset {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "debezium", file))
	require.NoError(t, err)
	var o debeziumOffset
	require.NoError(t, json.Unmarshal(bytes.TrimSpace(b), &o))
	return o
}

// TestResumeFromDebeziumOffset starts the task from an offset exactly as
// Debezium wrote it (testdata/debezium's bytes, read back through the
// Kafka offsets store), its LSNs and transaction id replaced by those of
// the test's own WAL: the task streams the changes after that position,
// and none before it.
//
// The streaming offset is Debezium's after the last change of a
// transaction (lsn, lsn_proc and lsn_commit all the change's LSN,
// messageType INSERT); the same shape pointed inside a transaction must
// resume after the change it names; the snapshot offset
// (snapshot_completed, the snapshot's LSN) must stream from that LSN
// without a new snapshot. The offset of the "modes" recording, written
// with provide.transaction.metadata at a transaction's COMMIT
// (messageType COMMIT, transaction_id, a data collection order), pointed
// at a commit, must stream the transactions after it, each with its
// BEGIN and END records and none of the one it names.
func TestResumeFromDebeziumOffset(t *testing.T) {
	streaming := readDebeziumOffset(t, "offsets.jsonl")
	snapshot := readDebeziumOffset(t, "offsets-snapshot.jsonl")
	commit := readDebeziumOffset(t, "modes/offsets.jsonl")
	for _, tc := range []struct {
		name     string
		rec      debeziumOffset
		at       int     // the id whose insert (or commit) the offset names; 0: the slot's start
		want     []int32 // the ids streamed from the offset, in order
		metadata bool    // provide.transaction.metadata, and at names the commit of id's transaction
	}{
		{"after a transaction", streaming, 2, []int32{3, 4, 5, 6, 7}, false},
		{"inside a transaction", streaming, 5, []int32{6, 7}, false},
		{"after the snapshot", snapshot, 0, []int32{1, 2, 3, 4, 5, 6, 7}, false},
		{"after a commit, with transaction metadata", commit, 2, []int32{3, 4, 5, 6, 7}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testResumeFromDebeziumOffset(t, tc.rec, tc.at, tc.want, tc.metadata)
		})
	}
}

func testResumeFromDebeziumOffset(t *testing.T, rec debeziumOffset, at int, want []int32, metadata bool) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY)`)
	// The recorded offset names server dbzgolden, Debezium's topic.prefix.
	cfg := p.config("topic.prefix", "dbzgolden", "snapshot.mode", "initial",
		"provide.transaction.metadata", strconv.FormatBool(metadata))
	ctx := context.Background()

	// A first run creates the slot and the publication, and snapshots an
	// empty table.
	r := start(t, cfg, nil)
	r.quiet(200 * time.Millisecond)
	r.stop()
	var slotStart string
	require.NoError(t, p.conn.QueryRow(ctx, `SELECT confirmed_flush_lsn::text FROM pg_replication_slots
		WHERE slot_name = $1`, cfg["slot.name"]).Scan(&slotStart))

	// Committed is flushed, so that the slot can be read up to it
	// whatever the server's synchronous_commit.
	p.exec(t, `SET synchronous_commit = on`)
	p.exec(t, `INSERT INTO public.t VALUES (1)`)
	p.exec(t, `INSERT INTO public.t VALUES (2)`)
	p.exec(t, `INSERT INTO public.t VALUES (3)`)
	p.exec(t, `BEGIN; INSERT INTO public.t VALUES (4); INSERT INTO public.t VALUES (5); INSERT INTO public.t VALUES (6); COMMIT`)

	// Each insert's and commit's LSN and transaction as the slot sends
	// them.
	rows, err := p.conn.Query(ctx, `SELECT lsn - '0/0', xid::text::bigint, get_byte(data, 0) = ascii('C')
		FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)
		WHERE get_byte(data, 0) IN (ascii('I'), ascii('C'))`, cfg["slot.name"], cfg["publication.name"])
	require.NoError(t, err)
	type insert struct {
		lsn, xid int64
		commit   bool
	}
	var inserts []insert
	commits := map[int64]insert{} // by transaction
	for rows.Next() {
		var in insert
		require.NoError(t, rows.Scan(&in.lsn, &in.xid, &in.commit))
		if in.commit {
			commits[in.xid] = in
		} else {
			inserts = append(inserts, in)
		}
	}
	require.NoError(t, rows.Err())
	require.Len(t, inserts, 6)
	require.Len(t, commits, 4)

	// The recorded bytes, with the recorded LSN and transaction id made
	// those of the insert of id at (or the slot's start for the snapshot
	// offset); every other byte as Debezium wrote it.
	var recorded struct {
		LSN  int64 `json:"lsn"`
		TxID int64 `json:"txId"`
	}
	require.NoError(t, json.Unmarshal(rec.Value, &recorded))
	value := string(rec.Value)
	if at == 0 {
		var lsn int64
		require.NoError(t, p.conn.QueryRow(ctx, `SELECT $1::pg_lsn - '0/0'`, slotStart).Scan(&lsn))
		value = replaceNumber(t, value, recorded.LSN, lsn)
	} else {
		named := inserts[at-1]
		if metadata {
			named = commits[named.xid]
		}
		value = replaceNumber(t, value, recorded.LSN, named.lsn)
		value = replaceNumber(t, value, recorded.TxID, named.xid)
	}

	// Through the Kafka offsets store, as a worker moved from Connect
	// would read them.
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "cdcresume-offsets")
	compact := "compact"
	testkafka.CreateTopic(t, brokers, topic, 1, map[string]*string{"cleanup.policy": &compact})
	cl := testkafka.Client(t, brokers)
	require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: rec.Key, Value: []byte(value)}).FirstErr())
	store, err := offset.NewKafka(ctx, cl, topic)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	part := connect.NewSourcePartition("server", "dbzgolden")
	offs, err := store.Get(ctx, "dbzgolden", []connect.SourcePartition{part})
	require.NoError(t, err)
	require.False(t, offs[part].IsZero(), "no offset for %v in %s", part, rec.Key)
	committed := connecttest.NewOffsets()
	committed.Commit(part, offs[part])

	r = start(t, cfg, committed)
	p.exec(t, `INSERT INTO public.t VALUES (7)`)
	n := len(want)
	if metadata {
		// A BEGIN and an END record for each of the transactions of 3,
		// of 4 to 6 and of 7.
		n += 6
	}
	var got []int32
	var markers []string
	for _, rec := range r.until(n) {
		if rec.Topic == "dbzgolden.transaction" {
			markers = append(markers, field(t, rec.Value, "status").(string))
			continue
		}
		require.Equal(t, "c", field(t, rec.Value, "op"), "record %v", rec.Value)
		got = append(got, field(t, rec.Key, "id").(int32))
	}
	require.Equal(t, want, got)
	if metadata {
		require.Equal(t, []string{"BEGIN", "END", "BEGIN", "END", "BEGIN", "END"}, markers)
	}
	r.quiet(500 * time.Millisecond)
}

// replaceNumber replaces the JSON number from in s by to, failing when it
// is not there.
func replaceNumber(t *testing.T, s string, from, to int64) string {
	t.Helper()
	f := strconv.FormatInt(from, 10)
	out := bytes.ReplaceAll([]byte(s), []byte(":"+f), []byte(":"+strconv.FormatInt(to, 10)))
	require.NotEqual(t, s, string(out), "%d is not in %s", from, s)
	return string(out)
}
