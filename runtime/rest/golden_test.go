package rest

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/restgolden"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/loglevels"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sinkfile "github.com/kconnect-go/kconnect/sink/file"
	sourcefile "github.com/kconnect-go/kconnect/source/file"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestJVMGolden replays internal/restgolden's scenario against the handler
// over a standalone worker set up as JVM Kafka Connect's
// connect-standalone.properties sets one up (JsonConverter with schemas),
// and compares every answer field by field with JVM Kafka Connect 4.4's,
// recorded in testdata/jvm-4.4 by testdata/jvm/record.sh. What kconnect
// answers differently on purpose is named, with its reason, in the
// scenario's rules (internal/restgolden) and in ARCHITECTURE.md.
func TestJVMGolden(t *testing.T) {
	golden, err := restgolden.ReadGolden("testdata/jvm-4.4/responses.json")
	require.NoError(t, err)

	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "golden")
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	require.NoError(t, err)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	_, err = kadm.NewClient(cl).CreateTopic(ctx, 1, -1, nil, topic)
	require.NoError(t, err)

	w, err := worker.New(worker.Brokers(brokers...),
		worker.Plugins(sourcefile.Plugin(), sinkfile.Plugin()),
		worker.ID(workerID), worker.Logger(nil),
		worker.DefaultConverters("org.apache.kafka.connect.json.JsonConverter", "org.apache.kafka.connect.json.JsonConverter", nil),
		worker.OffsetFlushInterval(50*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	levels := loglevels.New(slog.LevelInfo)
	// GET / reports kconnect's version by default, the one its plugins
	// report too, as the golden's plugins report the worker's.
	srv := httptest.NewServer(NewHandler(w, Loggers(levels), Logger(nil)))
	t.Cleanup(srv.Close)

	got, err := restgolden.Run(ctx, srv.URL, map[string]string{"dir": t.TempDir(), "topic": topic})
	require.NoError(t, err)
	for _, d := range restgolden.CompareAll(golden.Responses, got) {
		t.Error(d)
	}
}
