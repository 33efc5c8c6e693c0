package postgrescdc_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/source/postgrescdc"
)

// startLogged starts a task whose log the test reads; it returns the
// start's error rather than failing.
func startLogged(t *testing.T, cfg map[string]string, offsets *connecttest.Offsets) (*running, *logBuffer, error) {
	t.Helper()
	if offsets == nil {
		offsets = connecttest.NewOffsets()
	}
	logs := &logBuffer{}
	c := postgrescdc.Plugin().New()
	ctx := context.Background()
	require.NoError(t, c.Start(ctx, cfg, connecttest.NewConnectorContext(offsets)))
	task := c.NewTask()
	tc := loggingContext{connecttest.SourceTaskContext(cfg, offsets), slog.New(slog.NewTextHandler(logs, nil))}
	if err := task.Start(ctx, cfg, tc); err != nil {
		return nil, logs, err
	}
	r := &running{t: t, task: task, offsets: offsets}
	t.Cleanup(r.stop)
	return r, logs, nil
}

func publicationExists(t *testing.T, p *pg, name string) bool {
	t.Helper()
	var n int
	require.NoError(t, p.conn.QueryRow(context.Background(), "SELECT count(*) FROM pg_publication WHERE pubname = $1", name).Scan(&n))
	return n > 0
}

// requireIdentityError checks that err is the refusal of table with its
// replica identity, naming every fix.
func requireIdentityError(t *testing.T, err error, table, ident string, cfg map[string]string) {
	t.Helper()
	require.Error(t, err, "%s under REPLICA IDENTITY %s was accepted", table, ident)
	for _, want := range []string{table + " (REPLICA IDENTITY " + ident, cfg["publication.name"], "primary key",
		"REPLICA IDENTITY FULL", "USING INDEX", "message.key.columns", "table.exclude.list", "refuses their UPDATEs and DELETEs"} {
		require.Contains(t, err.Error(), want)
	}
}

// TestKeylessTableRefused: a captured table without a primary key or a
// message.key.columns entry, whose REPLICA IDENTITY identifies no row
// (DEFAULT without a primary key, NOTHING, or USING INDEX whose index was
// dropped), fails the start, naming it and the fixes (and a unique index
// that could be its identity), before the publication is created or
// altered: PostgreSQL would refuse the table's UPDATEs and DELETEs, which
// therefore could never be captured. Debezium starts and captures its
// inserts with a null key.
func TestKeylessTableRefused(t *testing.T) {
	for _, tc := range []struct {
		name, ddl, ident, mention string
		filtered                  bool
	}{
		{"default", `CREATE TABLE public.k (id int, v text)`, "DEFAULT", "", false},
		{"default, filtered publication", `CREATE TABLE public.k (id int, v text)`, "DEFAULT", "", true},
		{"nothing with a unique index", `CREATE TABLE public.k (id int NOT NULL UNIQUE, v text);
			ALTER TABLE public.k REPLICA IDENTITY NOTHING`, "NOTHING", "REPLICA IDENTITY USING INDEX k_id_key", false},
		{"index dropped", `CREATE TABLE public.k (id int NOT NULL, v text); CREATE UNIQUE INDEX k_idx ON public.k (id);
			ALTER TABLE public.k REPLICA IDENTITY USING INDEX k_idx; DROP INDEX public.k_idx`, "INDEX", "whose index has been dropped", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPG(t)
			p.exec(t, `CREATE TABLE public.ok (id int PRIMARY KEY)`)
			p.exec(t, tc.ddl)
			p.exec(t, `INSERT INTO public.k VALUES (1, 'a')`)
			cfg := p.config("snapshot.mode", "no_data")
			if tc.filtered {
				// An existing publication that the start would alter to
				// publish public.k.
				cfg["publication.autocreate.mode"] = "filtered"
				p.exec(t, `CREATE PUBLICATION `+cfg["publication.name"]+` FOR TABLE public.ok`)
			}
			_, logs, err := startLogged(t, cfg, nil)
			requireIdentityError(t, err, "public.k", tc.ident, cfg)
			require.Contains(t, err.Error(), tc.mention)
			require.NotContains(t, err.Error(), "public.ok")
			require.Contains(t, logs.String(), "REPLICA IDENTITY for 'public.k' is '"+tc.ident+"'")
			// Nothing was made to publish public.k, so its UPDATEs still go
			// through.
			if tc.filtered {
				require.Equal(t, "public.ok", publicationTables(t, p, cfg))
			} else {
				require.False(t, publicationExists(t, p, cfg["publication.name"]), "the failed start created the publication")
			}
			p.exec(t, `UPDATE public.k SET v = 'b'`)
		})
	}
}

// TestKeylessTableAccepted: the tables without a primary key that stay
// valid. Under REPLICA IDENTITY FULL every change is captured, with a
// null key and whole before-images, as in Debezium; under USING INDEX
// too, keyed by the unique index. With a message.key.columns entry (a
// table only ever inserted into, whose key the user names), or a primary
// key under NOTHING, the start warns that PostgreSQL refuses the table's
// UPDATEs and DELETEs, and its inserts are captured keyed. A publication
// that publishes neither updates nor deletes, under which PostgreSQL
// refuses nothing, takes a keyless table under DEFAULT, and so does
// snapshot.mode=initial_only, which streams nothing; both with null keys.
func TestKeylessTableAccepted(t *testing.T) {
	ctx := context.Background()
	t.Run("full", func(t *testing.T) {
		p := newPG(t)
		p.exec(t, `CREATE TABLE public.k (id int, v text)`)
		p.exec(t, `ALTER TABLE public.k REPLICA IDENTITY FULL`)
		r, logs, err := startLogged(t, p.config("snapshot.mode", "no_data"), nil)
		require.NoError(t, err)
		require.Contains(t, logs.String(), "REPLICA IDENTITY for 'public.k' is 'FULL'")
		require.NotContains(t, logs.String(), "level=WARN")
		p.exec(t, `INSERT INTO public.k VALUES (1, 'a')`)
		p.exec(t, `UPDATE public.k SET v = 'b'`)
		p.exec(t, `DELETE FROM public.k`)
		recs := r.until(4)
		for i, op := range []string{"c", "u", "d"} {
			require.Nil(t, recs[i].Key, "record %d", i)
			require.Nil(t, recs[i].KeySchema, "record %d", i)
			require.Equal(t, op, field(t, recs[i].Value, "op"))
		}
		require.Equal(t, "a", field(t, recs[1].Value, "before", "v"))
		require.Equal(t, "b", field(t, recs[1].Value, "after", "v"))
		require.Equal(t, "b", field(t, recs[2].Value, "before", "v"))
		require.Nil(t, recs[3].Value, "the tombstone")
		require.Nil(t, recs[3].Key, "the tombstone")
	})
	t.Run("using index", func(t *testing.T) {
		p := newPG(t)
		p.exec(t, `CREATE TABLE public.k (id int NOT NULL, v text)`)
		p.exec(t, `CREATE UNIQUE INDEX k_idx ON public.k (id)`)
		p.exec(t, `ALTER TABLE public.k REPLICA IDENTITY USING INDEX k_idx`)
		r, _, err := startLogged(t, p.config("snapshot.mode", "no_data"), nil)
		require.NoError(t, err)
		p.exec(t, `INSERT INTO public.k VALUES (1, 'a')`)
		p.exec(t, `UPDATE public.k SET v = 'b'`)
		recs := r.until(2)
		require.Equal(t, int32(1), field(t, recs[1].Key, "id"))
		require.Equal(t, "u", field(t, recs[1].Value, "op"))
		require.Equal(t, "b", field(t, recs[1].Value, "after", "v"))
	})
	for _, tc := range []struct{ name, ddl, keyColumns, ident string }{
		{"message.key.columns", `CREATE TABLE public.k (id int, v text)`, `public\.k:id`, "DEFAULT"},
		{"primary key under nothing", `CREATE TABLE public.k (id int PRIMARY KEY, v text);
			ALTER TABLE public.k REPLICA IDENTITY NOTHING`, "", "NOTHING"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPG(t)
			p.exec(t, tc.ddl)
			r, logs, err := startLogged(t, p.config("snapshot.mode", "no_data", "message.key.columns", tc.keyColumns), nil)
			require.NoError(t, err)
			require.Contains(t, logs.String(), "REPLICA IDENTITY for 'public.k' is '"+tc.ident+"'")
			require.Contains(t, logs.String(), "level=WARN msg=\"PostgreSQL refuses the UPDATEs and DELETEs of this table")
			require.Contains(t, logs.String(), "table=public.k")
			p.exec(t, `INSERT INTO public.k VALUES (1, 'a')`)
			rec := r.until(1)[0]
			require.Equal(t, int32(1), field(t, rec.Key, "id"))
			// What the warning says.
			_, err = p.conn.Exec(ctx, `UPDATE public.k SET v = 'b'`)
			require.ErrorContains(t, err, "does not have a replica identity")
		})
	}
	t.Run("publication without updates or deletes", func(t *testing.T) {
		p := newPG(t)
		p.exec(t, `CREATE TABLE public.k (id int, v text)`)
		cfg := p.config("snapshot.mode", "no_data", "publication.autocreate.mode", "disabled")
		p.exec(t, `CREATE PUBLICATION `+cfg["publication.name"]+` FOR ALL TABLES WITH (publish = 'insert, truncate')`)
		r, logs, err := startLogged(t, cfg, nil)
		require.NoError(t, err)
		require.NotContains(t, logs.String(), "level=WARN")
		p.exec(t, `INSERT INTO public.k VALUES (1, 'a')`)
		rec := r.until(1)[0]
		require.Nil(t, rec.Key)
		require.Equal(t, "c", field(t, rec.Value, "op"))
	})
	t.Run("initial_only", func(t *testing.T) {
		p := newPG(t)
		p.exec(t, `CREATE TABLE public.k (id int, v text)`)
		p.exec(t, `INSERT INTO public.k VALUES (1, 'a')`)
		recs := snapshotOnly(t, p)
		require.Len(t, recs, 1)
		require.Nil(t, recs[0].Key)
		require.Equal(t, "a", field(t, recs[0].Value, "after", "v"))
	})
}

// pollError polls until the task fails, and returns its error; records
// that come first are kept in r.got.
func pollError(t *testing.T, r *running) error {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		recs, err := r.task.Poll(context.Background())
		if err != nil {
			return err
		}
		r.got = append(r.got, recs...)
	}
	t.Fatalf("the task did not fail in 30s (%d records)", len(r.got))
	return nil
}

// TestKeylessTableCreatedWhileStreaming: a captured table created while
// the task streams is judged as the start judges the tables there are,
// when its first change's Relation message comes: one under REPLICA
// IDENTITY FULL is captured; one without a primary key under DEFAULT
// fails the task naming it, even when no table was captured at the
// start. The next start fails on it too, until it is
// fixed: the catalog, read then, decides, so the change waiting in the
// slot then comes through.
func TestKeylessTableCreatedWhileStreaming(t *testing.T) {
	p := newPG(t)
	// No table at the start.
	cfg := p.config("snapshot.mode", "no_data")
	offsets := connecttest.NewOffsets()
	r, _, err := startLogged(t, cfg, offsets)
	require.NoError(t, err)
	p.exec(t, `CREATE TABLE public.late_full (id int, v text)`)
	p.exec(t, `ALTER TABLE public.late_full REPLICA IDENTITY FULL`)
	p.exec(t, `INSERT INTO public.late_full VALUES (1, 'a')`)
	rec := r.until(1)[0]
	require.Equal(t, cfg["topic.prefix"]+".public.late_full", rec.Topic)
	require.Nil(t, rec.Key)
	offsets.CommitRecords(r.got)

	p.exec(t, `CREATE TABLE public.late (id int, v text)`)
	p.exec(t, `INSERT INTO public.late VALUES (2, 'b')`)
	requireIdentityError(t, pollError(t, r), "public.late", "DEFAULT", cfg)
	require.Len(t, r.got, 1, "records of public.late: %v", r.got)
	r.stop()

	_, _, err = startLogged(t, cfg, offsets)
	requireIdentityError(t, err, "public.late", "DEFAULT", cfg)

	p.exec(t, `ALTER TABLE public.late REPLICA IDENTITY FULL`)
	r, _, err = startLogged(t, cfg, offsets)
	require.NoError(t, err)
	rec = r.until(1)[0]
	require.Equal(t, cfg["topic.prefix"]+".public.late", rec.Topic)
	require.Equal(t, int32(2), field(t, rec.Value, "after", "id"))
}

// TestKeyOutsideIdentity: a table whose record key has columns outside
// its REPLICA IDENTITY (message.key.columns naming a column beside the
// primary key under DEFAULT, or a unique index's key beside the USING
// INDEX identity) fails the start naming the table, its key, its identity
// and the fixes: PostgreSQL writes only the identity's old values, so a
// delete's key (and its tombstone's) would lack the column, where
// Debezium sends the key with it null (or its type's zero). A key within
// the identity, or under FULL, is accepted.
func TestKeyOutsideIdentity(t *testing.T) {
	for _, tc := range []struct {
		name, ddl, keyColumns string
		want                  []string // nil: accepted
	}{
		{"message.key.columns under default", `CREATE TABLE public.k (id int PRIMARY KEY, code text NOT NULL)`, `public\.k:code`,
			[]string{"public.k (code, from message.key.columns)", "REPLICA IDENTITY DEFAULT (id)", "would lack code"}},
		{"unique index beside the identity", `CREATE TABLE public.k (id int NOT NULL, code text NOT NULL);
			CREATE UNIQUE INDEX a_code ON public.k (code); CREATE UNIQUE INDEX b_id ON public.k (id);
			ALTER TABLE public.k REPLICA IDENTITY USING INDEX b_id`, "",
			[]string{"public.k (code, from its primary key or unique index)", "REPLICA IDENTITY INDEX (id)"}},
		{"message.key.columns within the identity", `CREATE TABLE public.k (id int, code text NOT NULL, PRIMARY KEY (id, code))`,
			`public\.k:code`, nil},
		{"message.key.columns under full", `CREATE TABLE public.k (id int PRIMARY KEY, code text NOT NULL);
			ALTER TABLE public.k REPLICA IDENTITY FULL`, `public\.k:code`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPG(t)
			p.exec(t, tc.ddl)
			cfg := p.config("snapshot.mode", "no_data", "message.key.columns", tc.keyColumns)
			r, _, err := startLogged(t, cfg, nil)
			if tc.want == nil {
				require.NoError(t, err)
				p.exec(t, `INSERT INTO public.k VALUES (1, 'a')`)
				p.exec(t, `DELETE FROM public.k`)
				recs := r.until(3)
				require.Equal(t, "a", field(t, recs[1].Key, "code"))
				require.Equal(t, "a", field(t, recs[2].Key, "code"), "the tombstone's key")
				return
			}
			require.Error(t, err)
			for _, want := range append(tc.want, "REPLICA IDENTITY FULL", "message.key.columns") {
				require.Contains(t, err.Error(), want)
			}
			require.False(t, publicationExists(t, p, cfg["publication.name"]), "the failed start created the publication")
		})
	}
}

// TestKeyOutsideIdentityWhileStreaming: a table whose identity stops
// holding its key while the task streams (here message.key.columns'
// code, when REPLICA IDENTITY FULL becomes DEFAULT) fails the task at the
// Relation message of its next change. Once the table is FULL again the
// start accepts it, but the delete written under DEFAULT, whose old row
// lacks code, fails the task naming the table, the column and the
// change's LSN rather than going out with a key that is not the row's;
// keyed by its identity's column instead, it goes out.
func TestKeyOutsideIdentityWhileStreaming(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TABLE public.k (id int PRIMARY KEY, code text NOT NULL)`)
	p.exec(t, `ALTER TABLE public.k REPLICA IDENTITY FULL`)
	p.exec(t, `INSERT INTO public.k VALUES (1, 'a'), (2, 'b')`)
	cfg := p.config("snapshot.mode", "no_data", "message.key.columns", `public\.k:code`)
	offsets := connecttest.NewOffsets()
	r, _, err := startLogged(t, cfg, offsets)
	require.NoError(t, err)
	p.exec(t, `DELETE FROM public.k WHERE id = 1`)
	recs := r.until(2)
	require.Equal(t, "a", field(t, recs[0].Key, "code"))
	offsets.CommitRecords(recs)

	p.exec(t, `ALTER TABLE public.k REPLICA IDENTITY DEFAULT`)
	p.exec(t, `DELETE FROM public.k WHERE id = 2`)
	err = pollError(t, r)
	require.ErrorContains(t, err, "public.k (code, from message.key.columns)")
	require.ErrorContains(t, err, "REPLICA IDENTITY DEFAULT (id)")
	require.Len(t, r.got, 2, "records of the delete: %v", r.got)
	r.stop()

	p.exec(t, `ALTER TABLE public.k REPLICA IDENTITY FULL`)
	r, _, err = startLogged(t, cfg, offsets)
	require.NoError(t, err)
	err = pollError(t, r)
	require.ErrorContains(t, err, "public.k: the delete at ")
	require.ErrorContains(t, err, "no old value of key column code")
	require.Empty(t, r.got)
	r.stop()

	cfg["message.key.columns"] = `public\.k:id`
	r, _, err = startLogged(t, cfg, offsets)
	require.NoError(t, err)
	recs = r.until(2)
	require.Equal(t, "d", field(t, recs[0].Value, "op"))
	require.Equal(t, int32(2), field(t, recs[0].Key, "id"))
}

// TestAllTablesPublicationWarns: creating the publication FOR ALL TABLES
// (publication.autocreate.mode all_tables) warns of the tables not
// captured whose UPDATEs and DELETEs PostgreSQL then refuses; a filtered
// publication leaves them alone.
func TestAllTablesPublicationWarns(t *testing.T) {
	for _, mode := range []string{"all_tables", "filtered"} {
		t.Run(mode, func(t *testing.T) {
			p := newPG(t)
			p.exec(t, `CREATE TABLE public.ok (id int PRIMARY KEY)`)
			p.exec(t, `CREATE TABLE public.other (id int, v text)`)
			p.exec(t, `INSERT INTO public.other VALUES (1, 'a')`)
			cfg := p.config("snapshot.mode", "no_data", "table.include.list", `public\.ok`, "publication.autocreate.mode", mode)
			_, logs, err := startLogged(t, cfg, nil)
			require.NoError(t, err)
			_, updateErr := p.conn.Exec(context.Background(), `UPDATE public.other SET v = 'b'`)
			if mode == "filtered" {
				require.NotContains(t, logs.String(), "level=WARN")
				require.NoError(t, updateErr)
				return
			}
			require.Contains(t, logs.String(), `level=WARN msg="the publication created FOR ALL TABLES makes PostgreSQL refuse`)
			require.Contains(t, logs.String(), "tables=[public.other]")
			require.ErrorContains(t, updateErr, "does not have a replica identity")
		})
	}
}
