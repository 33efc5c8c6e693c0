package worker

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/stretchr/testify/require"
)

func TestSubmittedCommitsOnlyContiguousPrefix(t *testing.T) {
	s := newSubmitted()
	a := connect.NewSourcePartition("f", "a")
	b := connect.NewSourcePartition("f", "b")
	a2 := connect.NewSourcePartition("f", "a") // equal to a, built apart
	r1 := s.submit(a, connect.Int64Offset("p", 1))
	r2 := s.submit(b, connect.Int64Offset("p", 10))
	r3 := s.submit(a2, connect.Int64Offset("p", 2))
	r4 := s.submit(a, connect.Int64Offset("p", 3))

	s.settle(r3) // not contiguous: r1 is still in flight
	require.Empty(t, s.committable())
	s.settle(r1)
	got := s.committable()
	require.Len(t, got, 1)
	require.Equal(t, `{"p":2}`, got[0].offset.String())
	s.settle(r2)
	got = s.committable()
	require.Len(t, got, 1)
	require.Equal(t, `{"f":"b"}`, got[0].partition.String())
	select {
	case <-s.waitDrained():
		t.Fatal("drained with r4 in flight")
	default:
	}
	s.settle(r4)
	s.settle(r4) // settling twice is harmless
	got = s.committable()
	require.Len(t, got, 1)
	require.Equal(t, `{"p":3}`, got[0].offset.String())
	<-s.waitDrained()

	// A failed commit is restored unless a later offset superseded it.
	s.restore(got)
	require.Equal(t, `{"p":3}`, s.committable()[0].offset.String())
}

// Random acknowledgement order from many goroutines never yields an offset
// past an unacknowledged record.
func TestSubmittedRandomAcks(t *testing.T) {
	s := newSubmitted()
	p := connect.NewSourcePartition("f", "x")
	const n = 2000
	subs := make([]*submission, n)
	for i := range subs {
		subs[i] = s.submit(p, connect.Int64Offset("p", int64(i)))
	}
	order := rand.Perm(n)
	acked := make([]bool, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := w; j < n; j += 4 {
				i := order[j]
				mu.Lock()
				acked[i] = true
				mu.Unlock()
				s.settle(subs[i])
				for _, po := range s.committable() {
					off, _ := po.offset.Int64("p")
					mu.Lock()
					for k := 0; k <= int(off); k++ {
						if !acked[k] {
							mu.Unlock()
							panic("committed past an unacknowledged record")
						}
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	<-s.waitDrained()
}

func TestSubmittedAbandonBlocksPartition(t *testing.T) {
	s := newSubmitted()
	p := connect.NewSourcePartition("f", "x")
	r1 := s.submit(p, connect.Int64Offset("p", 1))
	r2 := s.submit(p, connect.Int64Offset("p", 2))
	r3 := s.submit(p, connect.Int64Offset("p", 3))
	s.settle(r1)
	s.abandon(r2)
	s.settle(r3)
	<-s.waitDrained()
	got := s.committable()
	require.Len(t, got, 1)
	require.Equal(t, `{"p":1}`, got[0].offset.String())
	require.Empty(t, s.committable())
}

// Against a model: records of three partitions registered in batches
// (addEach) and settled in a shuffled order within a sliding window, so
// queues grow, drain, compact and are dropped and re-created; one record
// in eight has no offset, and a record's offset is cleared once it and
// every record before it in its partition are settled and committable
// has been called since; after every step each partition's committable
// offset is the last offset of its settled prefix.
func TestSubmittedMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, uint64(len(t.Name()))))
	s := newSubmitted()
	parts := []connect.SourcePartition{
		connect.NewSourcePartition("f", "a"), connect.NewSourcePartition("f", "b"), connect.NewSourcePartition("f", "c"),
	}
	type rec struct {
		sub     submission
		part    int
		off     int64
		offset  connect.Offset // the record's, unchanged until committable is called after its partition's settled prefix passes it
		offset0 bool           // the record has no offset: tracked, never committed
		settled bool
	}
	next := make([]int64, len(parts))
	want := make([]int64, len(parts)) // the model's committable offset, -1: none yet
	for i := range want {
		want[i] = -1
	}
	committed := make([]int64, len(parts))
	copy(committed, want)
	prefix := make([]int, len(parts)) // per partition: records settled in a row from the start
	byPart := make([][]*rec, len(parts))

	var open []*rec   // unsettled, oldest first
	var passed []*rec // passed by their partition's settled prefix, offsets not yet cleared
	for step := 0; step < 20000; step++ {
		if len(open) > 0 && (len(open) > 3000 || rng.IntN(3) > 0) {
			// settle one of the 50 oldest open records
			k := rng.IntN(min(50, len(open)))
			r := open[k]
			open = append(open[:k], open[k+1:]...)
			r.settled = true
			s.settle(&r.sub)
			q := byPart[r.part]
			for prefix[r.part] < len(q) && q[prefix[r.part]].settled {
				if !q[prefix[r.part]].offset0 {
					want[r.part] = q[prefix[r.part]].off
				}
				// Passed by its partition's settled prefix, a record's
				// offset is the runtime's no longer once committable has
				// taken it.
				passed = append(passed, q[prefix[r.part]])
				prefix[r.part]++
			}
		} else {
			batch := make([]*rec, 1+rng.IntN(64))
			for i := range batch {
				pi := rng.IntN(len(parts))
				if i > 0 && rng.IntN(4) > 0 {
					pi = batch[i-1].part // runs of one partition, as sources return them
				}
				batch[i] = &rec{part: pi, off: next[pi], offset: connect.Int64Offset("p", next[pi])}
				if rng.IntN(8) == 0 {
					batch[i].offset, batch[i].offset0 = connect.Offset{}, true
				}
				next[pi]++
				byPart[pi] = append(byPart[pi], batch[i])
			}
			open = append(open, batch...)
			s.addEach(len(batch), func(i int) (*submission, connect.SourcePartition, *connect.Offset) {
				return &batch[i].sub, parts[batch[i].part], &batch[i].offset
			})
		}
		if rng.IntN(10) == 0 {
			for _, po := range s.committable() {
				off, _ := po.offset.Int64("p")
				for pi, p := range parts {
					if p.String() == po.partition.String() {
						committed[pi] = off
					}
				}
			}
			for _, r := range passed {
				r.offset = connect.Offset{}
			}
			passed = passed[:0]
			require.Equal(t, want, committed, "step %d", step)
		}
	}
	require.Equal(t, len(open), s.active())
}

// BenchmarkSubmittedSettleAcrossPartitions: one source partition's
// records, written to four Kafka partitions, are settled partition by
// partition, so three in four settle before an earlier record. One op is
// one record.
func BenchmarkSubmittedSettleAcrossPartitions(b *testing.B) {
	const batch = 1000
	s := newSubmitted()
	part := connect.NewSourcePartition("f", "a")
	recs := make([]connect.Record, batch)
	subs := make([]submission, batch)
	keys := connect.NewOffsetKeys("offset", "position", "line")
	for i := range recs {
		recs[i].SourceOffset = keys.Int64s(int64(i), int64(75*i), int64(i+1))
	}
	b.ReportAllocs()
	for n := 0; n < b.N; n += batch {
		s.addEach(batch, func(i int) (*submission, connect.SourcePartition, *connect.Offset) {
			return &subs[i], part, &recs[i].SourceOffset
		})
		for p := range 4 {
			for i := p; i < batch; i += 4 {
				s.settle(&subs[i])
			}
		}
	}
}
