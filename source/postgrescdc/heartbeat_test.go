package postgrescdc_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/source"
)

// TestHeartbeatReleasesOtherWAL: WAL the slot has nothing to send for
// (written in another database, or to a table the publication leaves
// out) or sends and the task does not capture (a table outside
// table.include.list) is released once heartbeat.interval.ms is set: a
// heartbeat carries the server's position, and the slot confirms it once
// the heartbeat's offset is committed. Without heartbeats the slot stays
// at the last captured change, as Debezium's does. The first two reach
// the task only as keepalives (the idle path); the third as transactions
// whose changes it drops (the commit path). About 9 s in all.
func TestHeartbeatReleasesOtherWAL(t *testing.T) {
	for _, where := range []string{"another database", "a table not in the publication", "a table not captured"} {
		for _, hb := range []bool{true, false} {
			name := where + "/without heartbeats"
			if hb {
				name = where + "/with heartbeats"
			}
			t.Run(name, func(t *testing.T) { testHeartbeatReleasesOtherWAL(t, where, hb) })
		}
	}
}

func testHeartbeatReleasesOtherWAL(t *testing.T, where string, heartbeats bool) {
	p := newPG(t)
	ctx := context.Background()
	p.exec(t, `CREATE TABLE public.t (id int PRIMARY KEY)`)
	p.exec(t, `CREATE TABLE public.other (id int PRIMARY KEY)`)
	// Committed is flushed, so that the slot can send up to it whatever
	// the server's synchronous_commit.
	p.exec(t, `SET synchronous_commit = on`)
	cfg := p.config("snapshot.mode", "no_data", "table.include.list", "public.t", "heartbeat.interval.ms", "0")
	if where == "a table not in the publication" {
		cfg["publication.autocreate.mode"] = "filtered"
	}
	if heartbeats {
		cfg["heartbeat.interval.ms"] = "100"
	}
	r := start(t, cfg, nil)
	slot := cfg["slot.name"]
	// pump polls, commits what came, as a runtime does once it is in
	// Kafka, and lets the task confirm it.
	pump := func() {
		recs, err := r.task.Poll(ctx)
		require.NoError(t, err)
		for _, rec := range recs {
			if rec.Topic != cfg["topic.prefix"]+".public.t" && rec.Topic != "__debezium-heartbeat."+cfg["topic.prefix"] {
				t.Fatalf("a record of %s", rec.Topic)
			}
		}
		r.got = append(r.got, recs...)
		r.offsets.CommitRecords(recs)
		require.NoError(t, r.task.(source.Committer).Commit(ctx))
	}

	// Polled here rather than in require.Eventually's goroutine, which
	// may outlive the test's failure and race its cleanup.
	until := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatal(what)
			}
			pump()
		}
	}

	// A captured change, confirmed: the slot moves.
	p.exec(t, `INSERT INTO public.t VALUES (1)`)
	var lsn int64
	until("the captured change never confirmed", func() bool {
		for _, rec := range r.got {
			if rec.Topic == cfg["topic.prefix"]+".public.t" {
				lsn = field(t, rec.Value, "source", "lsn").(int64)
				return p.confirmedFlush(t, slot) >= uint64(lsn)
			}
		}
		return false
	})
	captured := p.confirmedFlush(t, slot)

	// WAL written elsewhere, up to end.
	switch where {
	case "another database":
		other := newPG(t)
		other.exec(t, `SET synchronous_commit = on`)
		other.exec(t, `CREATE TABLE public.x (id int PRIMARY KEY)`)
		other.exec(t, `INSERT INTO public.x SELECT generate_series(1, 100)`)
	default:
		p.exec(t, `INSERT INTO public.other SELECT generate_series(1, 100)`)
	}
	var end uint64
	require.NoError(t, p.conn.QueryRow(ctx, `SELECT pg_current_wal_lsn() - '0/0'`).Scan(&end))

	if heartbeats {
		until("the slot never confirmed past the WAL written elsewhere", func() bool { return p.confirmedFlush(t, slot) >= end })
		committed, err := r.offsets.Offset(ctx, r.got[len(r.got)-1].SourcePartition)
		require.NoError(t, err)
		lsnCommit, _ := committed.Int64("lsn_commit")
		require.LessOrEqual(t, p.confirmedFlush(t, slot), uint64(lsnCommit), "the slot confirmed more than the committed offset")
		return
	}
	// Long enough for several status updates (status.update.interval.ms
	// 500) and idle turns.
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		pump()
	}
	require.Len(t, r.got, 1, "records without heartbeats: %v", r.got)
	require.Equal(t, captured, p.confirmedFlush(t, slot), "the slot moved without a committed offset")
}
