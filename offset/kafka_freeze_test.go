package offset

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

// frozenMargin is what a call may take beyond its context's deadline on a
// broker that does not answer: scheduling on a loaded two-core machine, not
// a network timeout (those are tens of seconds).
const frozenMargin = 2 * time.Second

// callWithin runs call and returns its error, failing the test when call
// takes longer than limit; it then resumes the broker so that call returns
// and the test ends rather than hangs.
func callWithin(t *testing.T, f *testkafka.Frozen, limit time.Duration, what string, call func() error) error {
	t.Helper()
	done := make(chan error, 1)
	began := time.Now()
	go func() { done <- call() }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		f.Resume()
		err := <-done
		t.Errorf("%s took %v on a frozen broker, more than %v (it returned %v once the broker resumed)", what, time.Since(began), limit, err)
		return err
	}
}

// freeze freezes f and returns once s's reads get no answer: a broker
// stopped with SIGSTOP may still answer for a moment after the signal.
func freeze(t *testing.T, f *testkafka.Frozen, s *Kafka) {
	t.Helper()
	f.Freeze()
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		_, err := s.Get(ctx, "probe", nil)
		return errors.Is(err, context.DeadlineExceeded)
	}, 10*time.Second, time.Millisecond, "the broker still answers")
}

// TestKafkaPutHonoursContextWhileFrozen: with a broker that does not
// answer, Put returns its context's error when the context ends, however
// long the producer would go on retrying, so an offset commit is bounded
// by its timeout. Get does the same. Once the broker answers again a Put
// succeeds, and the topic's last record for the key is the latest offset:
// the timed-out Put's records may still be written, but only before the
// later Put's, since one key always goes to one partition and the
// idempotent producer keeps a partition's records in order.
func TestKafkaPutHonoursContextWhileFrozen(t *testing.T) {
	f := testkafka.Freezable(t)
	topic := testkafka.Topic(t, "offsets")
	testkafka.CreateTopic(t, f.Brokers, topic, 3, compact)
	s := newKafka(t, f.Brokers, topic)
	p := connect.NewSourcePartition("file", "a.txt")
	put := func(ctx context.Context, n int64) error {
		return s.Put(ctx, "c", []Entry{{Partition: p, Offset: connect.Int64Offset("position", n)}})
	}
	require.NoError(t, put(t.Context(), 1))

	freeze(t, f, s)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	err := callWithin(t, f, 2*time.Second+frozenMargin, "Put with a 2s context", func() error { return put(ctx, 2) })
	require.ErrorIs(t, err, context.DeadlineExceeded, "a Put to a frozen broker")
	require.ErrorContains(t, err, topic, "the error names the offsets topic")

	gctx, gcancel := context.WithTimeout(t.Context(), time.Second)
	defer gcancel()
	err = callWithin(t, f, time.Second+frozenMargin, "Get with a 1s context", func() error {
		_, err := s.Get(gctx, "c", []connect.SourcePartition{p})
		return err
	})
	require.ErrorIs(t, err, context.DeadlineExceeded, "a Get from a frozen broker")

	f.Resume()
	require.NoError(t, put(t.Context(), 3))
	m, err := s.Get(t.Context(), "c", []connect.SourcePartition{p})
	require.NoError(t, err)
	require.Equal(t, `{"position":3}`, m[p].String())

	// What the topic says, read by a store that never wrote to it.
	fresh := newKafka(t, f.Brokers, topic)
	m, err = fresh.Get(t.Context(), "c", []connect.SourcePartition{p})
	require.NoError(t, err)
	require.Equal(t, `{"position":3}`, m[p].String(), "an earlier Put overtook a later one")
	var values []string
	for _, r := range readAll(t, f.Brokers, topic) {
		values = append(values, string(r.Value))
	}
	require.NotEmpty(t, values)
	require.Equal(t, `{"position":3}`, values[len(values)-1], "the last offsets record in the topic, of %q", values)
	if i := slices.Index(values, `{"position":2}`); i >= 0 { // the timed-out Put was written after all
		require.Less(t, i, slices.Index(values, `{"position":3}`), "the timed-out Put's record came after the later one: %q", values)
	}
}

// TestKafkaCloseWhileFrozen: Close returns promptly while a read to the end
// of the topic waits on a broker that does not answer.
func TestKafkaCloseWhileFrozen(t *testing.T) {
	f := testkafka.Freezable(t)
	topic := testkafka.Topic(t, "offsets")
	testkafka.CreateTopic(t, f.Brokers, topic, 1, compact)
	s, err := NewKafka(t.Context(), testkafka.Client(t, f.Brokers), topic)
	require.NoError(t, err)

	freeze(t, f, s) // leaves a read to the end of the topic waiting for an answer
	require.NoError(t, callWithin(t, f, frozenMargin, "Close", s.Close))
}
