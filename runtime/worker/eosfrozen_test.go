package worker

import (
	"context"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestEOSSourceStopBoundedWhileBrokerFrozen: an exactly-once source task
// whose broker stops answering while it produces into a full buffer stops
// on Close within the shutdown timeout plus the flush timeout, as an
// at-least-once task does. The transaction it could not end commits
// nothing: once the broker answers again, the next instance fences it, and
// read_committed consumers see each committed record once.
func TestEOSSourceStopBoundedWhileBrokerFrozen(t *testing.T) {
	for _, tc := range []struct {
		name     string
		interval time.Duration // the source's pace
		extra    []string
	}{
		// One transaction for the whole run: the buffer fills and the task
		// waits in Produce.
		{"producing", 0, []string{"transaction.boundary", "interval", "transaction.boundary.interval.ms", "3600000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := testkafka.Freezable(t)
			topic := testkafka.Topic(t, "frozen-eos")
			testkafka.CreateTopic(t, f.Brokers, topic, 1, nil)
			store, offsetsTopic := eosKafkaStore(t, f.Brokers)
			group := testkafka.Group(t, "frozen-eos")
			m := &shutdownMetrics{}
			bc := &bufferCount{}
			w := newEOSWorkerWith(t, f.Brokers, store, group, []Opt{
				KafkaOpts(kgo.MaxBufferedRecords(200), kgo.WithHooks(bc)), WithMetrics(m),
				OffsetFlushTimeout(frozenFlushTimeout), TaskShutdownTimeout(frozenShutdownTimeout),
			}, pacedPlugin())
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cfg := pacedConfig(topic, 1<<40, 50, tc.interval)
			for i := 0; i+1 < len(tc.extra); i += 2 {
				cfg[tc.extra[i]] = tc.extra[i+1]
			}
			require.NoError(t, w.CreateConnector(ctx, pacedConnector, cfg))
			require.Eventually(t, func() bool { return m.polled.Load() >= 500 }, 30*time.Second, 5*time.Millisecond, "nothing polled before the freeze")

			f.Freeze()
			waitProduceBlocked(t, bc, m, 200)
			stopWithin(t, f, frozenShutdownTimeout+frozenFlushTimeout+frozenMargin, "Close", w.Close)
			f.Resume()

			// The next instance fences the transaction left open, if the
			// broker did not get the abort, and polls nothing.
			w2 := newEOSWorker(t, f.Brokers, eosOpenStore(t, f.Brokers, offsetsTopic), group, pacedPlugin())
			require.NoError(t, w2.CreateConnector(ctx, pacedConnector, pacedConfig(topic, 0, 50, 0)))
			waitTaskState(t, w2, pacedConnector, Running)
			require.NoError(t, w2.Close())
			last := committedOffset(t, f.Brokers, offsetsTopic, pacedConnector)
			requireExactlyOnce(t, committedNumbers(t, f.Brokers, topic), int(last)+1)
		})
	}
}
