package worker

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/source"
	"github.com/stretchr/testify/require"
)

// updatingTask is an eosCounterTask that is a source.OffsetUpdater: with
// each offset {"n": N} of its partition {"counter": <name>} it adds the
// same offset for {"mirror": <name>}, and on a commit with nothing to
// commit it adds {"idle": <name>} → {"n": <idle commits so far>}. It
// also returns what the runtime must ignore: a changed offset of the
// partition being committed, a zero partition and a zero offset.
type updatingTask struct {
	eosCounterTask
	name  string
	idle  *atomic.Int64
	calls *atomic.Int64
}

func (t *updatingTask) Start(ctx context.Context, cfg map[string]string, tc source.TaskContext) error {
	t.name = cfg["name"]
	return t.eosCounterTask.Start(ctx, cfg, tc)
}

// Poll returns empty batches once every number is polled, as a task
// waiting for data does, so that exactly-once delivery reaches its
// transaction boundaries while idle.
func (t *updatingTask) Poll(ctx context.Context) ([]connect.Record, error) {
	if t.next < t.limit {
		return t.eosCounterTask.Poll(ctx)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Millisecond):
	}
	return nil, nil
}

func (t *updatingTask) UpdateOffsets(_ context.Context, committing []source.OffsetChange) ([]source.OffsetChange, error) {
	t.calls.Add(1)
	if len(committing) == 0 {
		return []source.OffsetChange{{
			Partition: connect.NewSourcePartition("idle", t.name),
			Offset:    connect.Int64Offset("n", t.idle.Add(1)),
		}}, nil
	}
	var out []source.OffsetChange
	for _, c := range committing {
		n, ok := c.Offset.Int64("n")
		if !ok {
			continue
		}
		out = append(out,
			source.OffsetChange{Partition: connect.NewSourcePartition("mirror", t.name), Offset: c.Offset},
			// A new value for a partition being committed, and empty ones.
			source.OffsetChange{Partition: connect.NewSourcePartition("counter", t.name), Offset: connect.Int64Offset("n", n+1000)},
			source.OffsetChange{Offset: connect.Int64Offset("n", n)},
			source.OffsetChange{Partition: connect.NewSourcePartition("zero", t.name)},
		)
	}
	return out, nil
}

// updatingPlugin is the plugin of updatingTask, exactly-once capable.
func updatingPlugin(c *eosCounter, idle, calls *atomic.Int64) source.Plugin {
	p := c.plugin()
	p.New = func() source.Connector {
		return eosCounterConnector{c: c, Connector: source.SimpleConnector(func() source.Task {
			return &updatingTask{eosCounterTask: eosCounterTask{c: c}, idle: idle, calls: calls}
		})}
	}
	return p
}

// storedN reads a partition's committed {"n"} offset, -1 when it
// has none.
func storedN(t *testing.T, store offset.Store, connector string, p connect.SourcePartition) int64 {
	t.Helper()
	m, err := store.Get(context.Background(), connector, []connect.SourcePartition{p})
	require.NoError(t, err)
	o, ok := m[p]
	if !ok {
		return -1
	}
	n, ok := o.Int64("n")
	require.True(t, ok, "offset %s of %s", o, p)
	return n
}

// requireUpdatedOffsets runs updatingTask's connector on w until its 100
// records are committed, then checks what its UpdateOffsets added: the
// mirror offset in step with the committed one, the committed offset not
// changed by it, the empty entries dropped, and the idle commits' offset
// written. reopen reads the offsets as a new worker would.
func requireUpdatedOffsets(t *testing.T, w *Worker, store offset.Store, reopen func() offset.Store, c *eosCounter, idle *atomic.Int64, name, topic string) {
	t.Helper()
	require.NoError(t, w.CreateConnector(context.Background(), name, c.config(topic, 100, 7)))
	waitOffset(t, store, name, 99)
	// The task is idle now: its commits have nothing of its records'.
	require.Eventually(t, func() bool {
		return storedN(t, store, name, connect.NewSourcePartition("idle", name)) >= 1
	}, 30*time.Second, 5*time.Millisecond, "the offset an idle commit added was never committed")
	require.NoError(t, w.Close())

	r := reopen()
	require.Equal(t, int64(99), storedN(t, r, name, connect.NewSourcePartition("counter", name)),
		"UpdateOffsets must not change the offset of a partition being committed")
	require.Equal(t, int64(99), storedN(t, r, name, connect.NewSourcePartition("mirror", name)))
	require.GreaterOrEqual(t, storedN(t, r, name, connect.NewSourcePartition("idle", name)), int64(1))
	require.Equal(t, int64(-1), storedN(t, r, name, connect.NewSourcePartition("zero", name)))
	all, err := r.List(context.Background(), name)
	require.NoError(t, err)
	for _, e := range all {
		require.False(t, e.Partition.IsZero(), "a zero partition was committed: %s", e.Offset)
	}
	require.Len(t, all, 3, "%v", all)
}

// With at-least-once delivery, the offsets a task's UpdateOffsets adds are
// committed with its records' offsets, and on an idle task's commits too;
// changes to the offsets being committed are ignored, as in KIP-910.
func TestOffsetUpdaterAtLeastOnce(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "updater")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	store, offsetsTopic := eosKafkaStore(t, brokers)
	var idle, calls atomic.Int64
	c := newEOSCounter("test.Updating")
	w := newTestWorker(t, brokers, store, updatingPlugin(c, &idle, &calls))
	requireUpdatedOffsets(t, w, store, func() offset.Store { return eosOpenStore(t, brokers, offsetsTopic) }, c, &idle, "alos", topic)
}

// With exactly-once delivery, the offsets UpdateOffsets adds are written
// in the transaction with the records' offsets, and an idle task's in a
// transaction of their own.
func TestOffsetUpdaterExactlyOnce(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "updater")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	store, offsetsTopic := eosKafkaStore(t, brokers)
	var idle, calls atomic.Int64
	c := newEOSCounter("test.Updating")
	w := newEOSWorker(t, brokers, store, testkafka.Group(t, "updater"), updatingPlugin(c, &idle, &calls))
	requireUpdatedOffsets(t, w, store, func() offset.Store { return eosOpenStore(t, brokers, offsetsTopic) }, c, &idle, "eos", topic)
	requireExactlyOnce(t, committedNumbers(t, brokers, topic), 100)
}

type updateOffsetsFunc func(context.Context, []source.OffsetChange) ([]source.OffsetChange, error)

func (f updateOffsetsFunc) UpdateOffsets(ctx context.Context, c []source.OffsetChange) ([]source.OffsetChange, error) {
	return f(ctx, c)
}

// An UpdateOffsets that returns nil adds nothing; one that fails or
// panics is logged and the task's own offsets are committed alone.
func TestOffsetUpdaterNilErrorPanic(t *testing.T) {
	var logged strings.Builder
	st := &sourceTask{log: slog.New(slog.NewTextHandler(&logged, nil))}
	own := []offset.Entry{{Partition: connect.NewSourcePartition("file", "a"), Offset: connect.Int64Offset("line", 3)}}
	extra := []source.OffsetChange{{Partition: connect.NewSourcePartition("file", "b"), Offset: connect.Int64Offset("line", 1)}}
	for _, tc := range []struct {
		name string
		f    updateOffsetsFunc
		log  string
	}{
		{"nil", func(context.Context, []source.OffsetChange) ([]source.OffsetChange, error) { return nil, nil }, ""},
		{"error", func(context.Context, []source.OffsetChange) ([]source.OffsetChange, error) {
			return extra, errors.New("no room")
		}, "no room"},
		{"panic", func(context.Context, []source.OffsetChange) ([]source.OffsetChange, error) { panic("boom") }, "panic: boom"},
	} {
		logged.Reset()
		st.offsetUpdater = tc.f
		got := st.updateOffsets(context.Background(), append([]offset.Entry(nil), own...))
		require.Equal(t, own, got, tc.name)
		if tc.log == "" {
			require.Empty(t, logged.String(), tc.name)
			continue
		}
		require.Contains(t, logged.String(), "UpdateOffsets failed", tc.name)
		require.Contains(t, logged.String(), tc.log, tc.name)
	}
	st.offsetUpdater = updateOffsetsFunc(func(_ context.Context, c []source.OffsetChange) ([]source.OffsetChange, error) {
		require.Len(t, c, 1)
		require.True(t, c[0].Partition.Equal(own[0].Partition))
		return extra, nil
	})
	got := st.updateOffsets(context.Background(), append([]offset.Entry(nil), own...))
	require.Len(t, got, 2)
	require.True(t, got[1].Partition.Equal(extra[0].Partition))
}
