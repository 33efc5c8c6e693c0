package protobuf_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/kconnect-go/kconnect/converter/protobuf"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sinkfile "github.com/kconnect-go/kconnect/sink/file"
	sourcefile "github.com/kconnect-go/kconnect/source/file"
)

// TestWorkerPipeline: a worker given the plugin runs FileStreamSource and
// FileStreamSink with value.converter=ProtobufConverter: the topic holds
// each line as a google.protobuf.StringValue in Confluent's wire format,
// and the sink writes the lines back.
func TestWorkerPipeline(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "protobuf")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	reg := srfake.New()
	t.Cleanup(reg.Close)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	require.NoError(t, os.WriteFile(in, []byte("one\ntwo\nthree\n"), 0o644))
	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(sourcefile.Plugin(), sinkfile.Plugin(), protobuf.Plugin()),
		worker.OffsetStore(offset.NewMemory()), worker.Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "file-in", map[string]string{
		"connector.class": "FileStreamSource", "file": in, "topic": topic,
		"value.converter": protobuf.Class, "value.converter.schema.registry.url": reg.URL()}))
	require.NoError(t, w.CreateConnector(ctx, testkafka.Group(t, "file-out"), map[string]string{
		"connector.class": "FileStreamSink", "file": out, "topics": topic,
		"value.converter": "ProtobufConverter", "value.converter.schema.registry.url": reg.URL()}))
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(out)
		return string(b) == "one\ntwo\nthree\n"
	}, 60*time.Second, 20*time.Millisecond)

	ss, ok := reg.GetSchema(topic+"-value", 1)
	require.True(t, ok)
	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var first *kgo.Record
	for first == nil {
		fs := cl.PollFetches(pctx)
		require.NoError(t, pctx.Err())
		fs.EachRecord(func(r *kgo.Record) {
			if first == nil {
				first = r
			}
		})
	}
	require.Equal(t, []byte{0, 0, 0, 0, byte(ss.ID), 2, 14, 0x0a, 3, 'o', 'n', 'e'}, first.Value)
}

// TestWorkerPipelineHeaderIDs: with value.schema.id.serializer=
// HeaderSchemaIdSerializer the worker writes the GUID header the converter
// adds and a payload of the message indexes and the StringValue; the sink
// reads the lines back through the header.
func TestWorkerPipelineHeaderIDs(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "protobufhdr")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	reg := srfake.New()
	t.Cleanup(reg.Close)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	require.NoError(t, os.WriteFile(in, []byte("one\ntwo\nthree\n"), 0o644))
	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(sourcefile.Plugin(), sinkfile.Plugin(), protobuf.Plugin()),
		worker.OffsetStore(offset.NewMemory()), worker.Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "file-in", map[string]string{
		"connector.class": "FileStreamSource", "file": in, "topic": topic,
		"value.converter": protobuf.Class, "value.converter.schema.registry.url": reg.URL(),
		"value.converter.value.schema.id.serializer": "HeaderSchemaIdSerializer"}))
	require.NoError(t, w.CreateConnector(ctx, testkafka.Group(t, "file-out"), map[string]string{
		"connector.class": "FileStreamSink", "file": out, "topics": topic,
		"value.converter": "ProtobufConverter", "value.converter.schema.registry.url": reg.URL()}))
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(out)
		return string(b) == "one\ntwo\nthree\n"
	}, 60*time.Second, 20*time.Millisecond)

	cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var first *kgo.Record
	for first == nil {
		fs := cl.PollFetches(pctx)
		require.NoError(t, pctx.Err())
		fs.EachRecord(func(r *kgo.Record) {
			if first == nil {
				first = r
			}
		})
	}
	require.Equal(t, []byte{2, 14, 0x0a, 3, 'o', 'n', 'e'}, first.Value)
	require.Len(t, first.Headers, 1)
	require.Equal(t, "__value_schema_id", first.Headers[0].Key)
	require.Len(t, first.Headers[0].Value, 17)
	require.Equal(t, byte(1), first.Headers[0].Value[0])
}
