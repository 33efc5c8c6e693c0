package postgrescdc_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// benchChanges makes n inserts, in transactions of 1000 rows, that a slot
// created now will stream; it returns the slot's name.
func benchChanges(b *testing.B, p *pg, cfg map[string]string, slot string, n int) {
	b.Helper()
	p.exec(b, `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, slot)
	b.Cleanup(func() {
		_, _ = p.conn.Exec(context.Background(), `SELECT pg_drop_replication_slot($1)`, slot)
	})
	for from := 0; from < n; from += 1000 {
		to := min(from+1000, n)
		p.exec(b, `INSERT INTO public.ev SELECT g, 'name ' || g, g * 1.25, now() FROM generate_series($1::int, $2::int) g`,
			from+1, to)
	}
}

func benchPG(b *testing.B) (*pg, map[string]string) {
	p := newPG(b)
	p.exec(b, `CREATE TABLE public.ev (id int PRIMARY KEY, name text, amount numeric(12,2), at timestamptz)`)
	cfg := p.config("snapshot.mode", "no_data")
	p.exec(b, `CREATE PUBLICATION `+cfg["publication.name"]+` FOR ALL TABLES`)
	return p, cfg
}

// BenchmarkStream streams b.N inserts through the connector's task (Poll
// returning Debezium's records) and, for comparison, through a loop of
// pglogrepl that only decodes the pgoutput messages and splits each
// tuple into column strings: the difference is the cost of building
// Debezium's records and offsets.
func BenchmarkStream(b *testing.B) {
	b.Run("task", func(b *testing.B) {
		p, cfg := benchPG(b)
		cfg["max.batch.size"] = "2048"
		benchChanges(b, p, cfg, cfg["slot.name"], b.N)
		b.ReportAllocs()
		b.ResetTimer()
		began := time.Now()
		r := start(b, cfg, nil)
		n := 0
		for n < b.N {
			recs, err := r.task.Poll(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			n += len(recs)
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "events/s")
		r.stop()
	})
	b.Run("pglogrepl", func(b *testing.B) {
		p, cfg := benchPG(b)
		slot := cfg["slot.name"]
		benchChanges(b, p, cfg, slot, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		began := time.Now()
		n := rawLoop(b, p, slot, cfg["publication.name"], b.N)
		b.StopTimer()
		if n != b.N {
			b.Fatalf("%d inserts, want %d", n, b.N)
		}
		b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "events/s")
	})
}

// rawLoop reads the slot with pglogrepl until n inserts have come.
func rawLoop(b *testing.B, p *pg, slot, pub string, n int) int {
	ctx := context.Background()
	dsn := fmt.Sprintf("host=%s port=%s user=%s password='%s' dbname=%s sslmode=disable replication=database",
		p.host, p.port, p.user, p.password, p.name)
	conn, err := pgconn.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := pglogrepl.StartReplication(ctx, conn, slot, 0, pglogrepl.StartReplicationOptions{
		PluginArgs: []string{"proto_version '1'", "publication_names '" + pub + "'"}}); err != nil {
		b.Fatal(err)
	}
	relations := map[uint32]*pglogrepl.RelationMessage{}
	inserts := 0
	var sink int
	for inserts < n {
		msg, err := conn.ReceiveMessage(ctx)
		if err != nil {
			b.Fatal(err)
		}
		cd, ok := msg.(*pgproto3.CopyData)
		if !ok || len(cd.Data) == 0 || cd.Data[0] != pglogrepl.XLogDataByteID {
			continue
		}
		xld, err := pglogrepl.ParseXLogData(cd.Data[1:])
		if err != nil {
			b.Fatal(err)
		}
		m, err := pglogrepl.Parse(xld.WALData)
		if err != nil {
			b.Fatal(err)
		}
		switch m := m.(type) {
		case *pglogrepl.RelationMessage:
			relations[m.RelationID] = m
		case *pglogrepl.InsertMessage:
			rel := relations[m.RelationID]
			vals := make(map[string]string, len(rel.Columns))
			for i, c := range m.Tuple.Columns {
				vals[rel.Columns[i].Name] = string(c.Data)
			}
			sink += len(vals)
			inserts++
		}
	}
	return inserts
}
