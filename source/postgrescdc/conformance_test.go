package postgrescdc_test

import (
	"context"
	"sync"
	"testing"

	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/testenv"
	"github.com/kconnect-go/kconnect/source/postgrescdc"
)

// TestConformance runs the source conformance kit: each configuration is
// a database of its own whose slot and publication exist before rows are
// produced, so that the rows are streamed (snapshot.mode no_data).
func TestConformance(t *testing.T) {
	testenv.Integration(t, postgresEnv)
	var mu sync.Mutex
	dbs := map[string]*pg{}
	next := map[string]int{}
	connecttest.Source(t, connecttest.SourceSpec{
		Plugin: postgrescdc.Plugin(),
		Config: func(tb testing.TB) map[string]string {
			p := newPG(tb)
			cfg := p.config("snapshot.mode", "no_data")
			p.exec(tb, `CREATE TABLE public.items (id int PRIMARY KEY, name text)`)
			p.exec(tb, `CREATE PUBLICATION `+cfg["publication.name"]+` FOR ALL TABLES`)
			p.exec(tb, `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, cfg["slot.name"])
			mu.Lock()
			dbs[p.name] = p
			mu.Unlock()
			return cfg
		},
		Produce: func(tb testing.TB, cfg map[string]string, n int) {
			mu.Lock()
			p := dbs[cfg["database.dbname"]]
			from := next[p.name]
			next[p.name] = from + n
			mu.Unlock()
			tx, err := p.conn.Begin(context.Background())
			if err != nil {
				tb.Fatal(err)
			}
			for i := from + 1; i <= from+n; i++ {
				if _, err := tx.Exec(context.Background(), `INSERT INTO public.items VALUES ($1, 'row')`, i); err != nil {
					tb.Fatal(err)
				}
			}
			if err := tx.Commit(context.Background()); err != nil {
				tb.Fatal(err)
			}
		},
		// Resume compares whole values, and an envelope's ts_ms is the
		// time the connector processed the change: resuming is checked by
		// TestResumeFromCommittedOffsets instead.
		Skip: []string{"Resume"},
		RequiredKeys: []string{postgrescdc.TopicPrefixConfig, postgrescdc.HostnameConfig, postgrescdc.UserConfig,
			postgrescdc.DBNameConfig},
	})
}
