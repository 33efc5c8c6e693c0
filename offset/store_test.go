package offset

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

// backend opens a store for one test; reopen (nil when the store keeps
// nothing) closes nothing and opens a second store on the same backing, as
// a restarted worker would.
type backend struct {
	name string
	open func(t *testing.T) (s Store, reopen func(t *testing.T) Store)
}

func backends() []backend {
	return []backend{
		{"Memory", func(t *testing.T) (Store, func(*testing.T) Store) {
			s := NewMemory()
			t.Cleanup(func() { _ = s.Close() })
			return s, nil
		}},
		{"File", func(t *testing.T) (Store, func(*testing.T) Store) {
			path := filepath.Join(t.TempDir(), "connect.offsets")
			open := func(t *testing.T) Store {
				s, err := OpenFile(path)
				require.NoError(t, err)
				t.Cleanup(func() { _ = s.Close() })
				return s
			}
			return open(t), open
		}},
		{"Kafka", func(t *testing.T) (Store, func(*testing.T) Store) {
			brokers := testkafka.Brokers(t)
			topic := testkafka.Topic(t, "offsets")
			testkafka.CreateTopic(t, brokers, topic, 5, map[string]*string{"cleanup.policy": ptr("compact")})
			open := func(t *testing.T) Store {
				cl := testkafka.Client(t, brokers)
				s, err := NewKafka(t.Context(), cl, topic)
				require.NoError(t, err)
				t.Cleanup(func() { _ = s.Close() })
				return s
			}
			return open(t), open
		}},
	}
}

func ptr[T any](v T) *T { return &v }

// listed returns List's entries as sorted "partition=offset" strings.
func listed(t *testing.T, s Store, conn string) []string {
	t.Helper()
	es, err := s.List(t.Context(), conn)
	require.NoError(t, err)
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, e.Partition.String()+"="+e.Offset.String())
	}
	slices.Sort(out)
	return out
}

// got returns Get's answer as partition JSON → offset JSON.
func got(t *testing.T, s Store, conn string, ps ...connect.SourcePartition) map[string]string {
	t.Helper()
	m, err := s.Get(t.Context(), conn, ps)
	require.NoError(t, err)
	out := make(map[string]string, len(m))
	for p, o := range m {
		require.True(t, slices.ContainsFunc(ps, func(q connect.SourcePartition) bool { return q == p }),
			"Get must key its answer by the partitions passed in")
		out[p.String()] = o.String()
	}
	return out
}

func put(t *testing.T, s Store, conn string, kv ...any) {
	t.Helper()
	var es []Entry
	for i := 0; i < len(kv); i += 2 {
		es = append(es, Entry{Partition: kv[i].(connect.SourcePartition), Offset: kv[i+1].(connect.Offset)})
	}
	require.NoError(t, s.Put(t.Context(), conn, es))
}

var (
	fileA   = connect.NewSourcePartition("filename", "a.txt")
	fileB   = connect.NewSourcePartition("filename", "b.txt")
	jdbc    = connect.NewSourcePartition("table", "users", "protocol", "1") // {"protocol":"1","table":"users"}
	aaBB    = connect.NewSourcePartition("Aa", int64(1), "BB", int64(1))    // same bucket: insertion order kept
	bbAa    = connect.NewSourcePartition("BB", int64(1), "Aa", int64(1))
	pos     = func(n int64) connect.Offset { return connect.Int64Offset("position", n) }
	deleted = connect.Offset{}
)

func TestStores(t *testing.T) {
	tests := []struct {
		name   string
		reopen bool
		run    func(t *testing.T, s Store, reopen func(*testing.T) Store)
	}{
		{name: "empty", run: func(t *testing.T, s Store, _ func(*testing.T) Store) {
			require.Empty(t, got(t, s, "c", fileA))
			require.Empty(t, listed(t, s, "c"))
			require.NoError(t, s.Put(t.Context(), "c", nil))
		}},
		{name: "put get list", run: func(t *testing.T, s Store, _ func(*testing.T) Store) {
			put(t, s, "c", fileA, pos(30), fileB, pos(7))
			// An equal partition built separately finds the offset.
			require.Equal(t, map[string]string{`{"filename":"a.txt"}`: `{"position":30}`},
				got(t, s, "c", connect.NewSourcePartition("filename", "a.txt")))
			require.Equal(t, []string{`{"filename":"a.txt"}={"position":30}`, `{"filename":"b.txt"}={"position":7}`}, listed(t, s, "c"))
			put(t, s, "c", fileA, pos(31))
			require.Equal(t, map[string]string{`{"filename":"a.txt"}`: `{"position":31}`, `{"filename":"b.txt"}`: `{"position":7}`},
				got(t, s, "c", fileA, fileB, jdbc))
		}},
		{name: "delete", run: func(t *testing.T, s Store, _ func(*testing.T) Store) {
			put(t, s, "c", fileA, pos(1), fileB, pos(2))
			put(t, s, "c", fileA, deleted, jdbc, deleted) // jdbc never had one
			require.Equal(t, map[string]string{`{"filename":"b.txt"}`: `{"position":2}`}, got(t, s, "c", fileA, fileB, jdbc))
			require.Equal(t, []string{`{"filename":"b.txt"}={"position":2}`}, listed(t, s, "c"))
			put(t, s, "c", fileB, deleted)
			require.Empty(t, listed(t, s, "c"))
			put(t, s, "c", fileB, pos(3)) // back again
			require.Equal(t, []string{`{"filename":"b.txt"}={"position":3}`}, listed(t, s, "c"))
		}},
		{name: "last entry wins", run: func(t *testing.T, s Store, _ func(*testing.T) Store) {
			put(t, s, "c", fileA, pos(1), fileA, pos(2))
			require.Equal(t, map[string]string{`{"filename":"a.txt"}`: `{"position":2}`}, got(t, s, "c", fileA))
		}},
		{name: "connectors are separate", run: func(t *testing.T, s Store, _ func(*testing.T) Store) {
			put(t, s, "one", fileA, pos(1))
			put(t, s, "two", fileA, pos(2))
			put(t, s, "one", fileB, deleted)
			require.Equal(t, map[string]string{`{"filename":"a.txt"}`: `{"position":1}`}, got(t, s, "one", fileA))
			require.Equal(t, map[string]string{`{"filename":"a.txt"}`: `{"position":2}`}, got(t, s, "two", fileA))
			require.Empty(t, listed(t, s, "three"))
			put(t, s, "one", fileA, deleted)
			require.Empty(t, listed(t, s, "one"))
			require.Len(t, listed(t, s, "two"), 1)
		}},
		{name: "multi-key partitions keep their byte order", reopen: true, run: func(t *testing.T, s Store, reopen func(*testing.T) Store) {
			o := connect.NewOffset("incrementing", int64(5), "timestamp", int64(1700000000000))
			put(t, s, "c", jdbc, o, aaBB, pos(1), bbAa, pos(2))
			want := []string{
				`{"Aa":1,"BB":1}={"position":1}`,
				`{"BB":1,"Aa":1}={"position":2}`,
				`{"protocol":"1","table":"users"}={"incrementing":5,"timestamp":1700000000000}`,
			}
			require.Equal(t, want, listed(t, s, "c"))
			if reopen != nil {
				s = reopen(t)
			}
			require.Equal(t, want, listed(t, s, "c"))
			require.Equal(t, map[string]string{`{"Aa":1,"BB":1}`: `{"position":1}`, `{"BB":1,"Aa":1}`: `{"position":2}`},
				got(t, s, "c", aaBB, bbAa))
		}},
		{name: "value types and null partition", reopen: true, run: func(t *testing.T, s Store, reopen func(*testing.T) Store) {
			o := connect.NewOffset("s", "x\"y", "f", 1.5, "b", true, "n", nil, "i", int32(-4))
			put(t, s, "c", connect.SourcePartition{}, pos(9), fileA, o)
			if reopen != nil {
				s = reopen(t)
			}
			require.Equal(t, map[string]string{"null": `{"position":9}`, `{"filename":"a.txt"}`: o.String()},
				got(t, s, "c", connect.SourcePartition{}, fileA))
		}},
		{name: "reopen", reopen: true, run: func(t *testing.T, s Store, reopen func(*testing.T) Store) {
			put(t, s, "c", fileA, pos(1), fileB, pos(2))
			put(t, s, "c", fileA, pos(3), fileB, deleted)
			put(t, s, "d", jdbc, pos(4))
			s2 := reopen(t)
			require.Equal(t, []string{`{"filename":"a.txt"}={"position":3}`}, listed(t, s2, "c"))
			require.Equal(t, []string{`{"protocol":"1","table":"users"}={"position":4}`}, listed(t, s2, "d"))
			// Writes through the second store, read back by a third.
			put(t, s2, "c", fileA, deleted)
			require.Empty(t, listed(t, reopen(t), "c"))
		}},
		{name: "concurrent", run: func(t *testing.T, s Store, _ func(*testing.T) Store) {
			const workers, rounds = 4, 10
			ctx := t.Context()
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for w := range workers {
				wg.Go(func() {
					p := connect.NewSourcePartition("worker", int64(w))
					for i := range int64(rounds) {
						if err := s.Put(ctx, "c", []Entry{{Partition: p, Offset: pos(i)}}); err != nil {
							errs <- err
							return
						}
						m, err := s.Get(ctx, "c", []connect.SourcePartition{p, fileA})
						if err != nil {
							errs <- err
							return
						}
						if o, _ := m[p].Int64("position"); o != i {
							errs <- fmt.Errorf("worker %d read %d after writing %d", w, o, i)
							return
						}
						if _, err := s.List(ctx, "c"); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			require.Len(t, listed(t, s, "c"), workers)
		}},
		{name: "closed", run: func(t *testing.T, s Store, _ func(*testing.T) Store) {
			require.NoError(t, s.Close())
			require.NoError(t, s.Close())
			_, err := s.Get(t.Context(), "c", []connect.SourcePartition{fileA})
			require.ErrorIs(t, err, ErrClosed)
			_, err = s.List(t.Context(), "c")
			require.ErrorIs(t, err, ErrClosed)
			require.ErrorIs(t, s.Put(t.Context(), "c", []Entry{{Partition: fileA, Offset: pos(1)}}), ErrClosed)
		}},
		{name: "cancelled context", run: func(t *testing.T, s Store, _ func(*testing.T) Store) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			// Memory and File may succeed; none may hang or panic.
			_ = s.Put(ctx, "c", []Entry{{Partition: fileA, Offset: pos(1)}})
			_, _ = s.Get(ctx, "c", []connect.SourcePartition{fileA})
		}},
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
					s, reopen := b.open(t)
					if tt.reopen && reopen == nil && tt.name == "reopen" {
						t.Skip("the store keeps nothing across restarts")
					}
					tt.run(t, s, reopen)
				})
			}
		})
	}
}
