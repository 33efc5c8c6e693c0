package worker

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	sinkfile "github.com/kconnect-go/kconnect/sink/file"
	sourcefile "github.com/kconnect-go/kconnect/source/file"
	"github.com/stretchr/testify/require"
)

// A reset connector's active topics come back as its tasks use them again,
// though each task notes a topic only when it differs from its last.
func TestActiveTopicsNotedAgainAfterReset(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "active")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	require.NoError(t, os.WriteFile(in, []byte("a\n"), 0o644))
	w := newTestWorker(t, brokers, offset.NewMemory(), sourcefile.Plugin(sourcefile.PollInterval(5*time.Millisecond)), sinkfile.Plugin())
	defer w.Close()
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "src", map[string]string{"connector.class": "FileStreamSource", "file": in, "topic": topic}))
	sink := testkafka.Group(t, "sink")
	require.NoError(t, w.CreateConnector(ctx, sink, map[string]string{"connector.class": "FileStreamSink", "file": out, "topics": topic}))

	active := func(name string) func() bool {
		return func() bool {
			got, err := w.ConnectorActiveTopics(ctx, name)
			return err == nil && slices.Equal(got, []string{topic})
		}
	}
	require.Eventually(t, active("src"), 30*time.Second, 5*time.Millisecond)
	require.Eventually(t, active(sink), 30*time.Second, 5*time.Millisecond)

	for _, name := range []string{"src", sink} {
		require.NoError(t, w.ResetConnectorActiveTopics(ctx, name))
		got, err := w.ConnectorActiveTopics(ctx, name)
		require.NoError(t, err)
		require.Empty(t, got)
	}
	f, err := os.OpenFile(in, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("b\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.Eventually(t, active("src"), 30*time.Second, 5*time.Millisecond)
	require.Eventually(t, active(sink), 30*time.Second, 5*time.Millisecond)
}
