package jsonschema_test

import (
	"context"
	"encoding/binary"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/kconnect-go/kconnect/converter/jsonschema"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sinkfile "github.com/kconnect-go/kconnect/sink/file"
	sourcefile "github.com/kconnect-go/kconnect/source/file"
)

// TestWorkerPipeline: a worker given the plugin runs FileStreamSource with
// value.converter=JsonSchemaConverter, so the topic holds Confluent's wire
// format with the JSON text of each line, and FileStreamSink reads them
// back. A record that is not in the wire format, ahead of them, is a data
// error that errors.tolerance=all skips.
func TestWorkerPipeline(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "jsonschema")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	reg := srfake.New()
	t.Cleanup(reg.Close)
	ctx := context.Background()
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(`{"not":"wire format"}`)}).FirstErr())

	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	require.NoError(t, os.WriteFile(in, []byte("one\ntwo\nthree\n"), 0o644))
	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(sourcefile.Plugin(), sinkfile.Plugin(), jsonschema.Plugin()),
		worker.OffsetStore(offset.NewMemory()), worker.Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	require.NoError(t, w.CreateConnector(ctx, "file-in", map[string]string{
		"connector.class": "FileStreamSource", "file": in, "topic": topic,
		"value.converter": jsonschema.Class, "value.converter.schema.registry.url": reg.URL()}))
	require.NoError(t, w.CreateConnector(ctx, testkafka.Group(t, "file-out"), map[string]string{
		"connector.class": "FileStreamSink", "file": out, "topics": topic, "errors.tolerance": "all",
		"value.converter": "JsonSchemaConverter", "value.converter.schema.registry.url": reg.URL()}))
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(out)
		return string(b) == "one\ntwo\nthree\n"
	}, 60*time.Second, 20*time.Millisecond)

	ss, ok := reg.GetSchema(topic+"-value", 1)
	require.True(t, ok)
	require.Equal(t, `{"type":"string"}`, ss.Schema.Schema)
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for len(recs) < 2 {
		fs := cl.PollFetches(pctx)
		require.NoError(t, pctx.Err())
		recs = append(recs, fs.Records()...)
	}
	v := recs[1].Value
	require.Equal(t, byte(0), v[0])
	require.Equal(t, uint32(ss.ID), binary.BigEndian.Uint32(v[1:5]))
	require.Equal(t, `"one"`, string(v[5:]))
}
