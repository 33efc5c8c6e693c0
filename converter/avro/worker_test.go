package avro_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/kconnect-go/kconnect/converter/avro"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sinkfile "github.com/kconnect-go/kconnect/sink/file"
	sourcefile "github.com/kconnect-go/kconnect/source/file"
)

// TestWorkerPipeline: a worker given the plugin runs FileStreamSource and
// FileStreamSink with value.converter=AvroConverter: the topic holds
// Confluent's wire format under the registry's id, and the sink writes
// every line back. While the registry answers 503 the source task fails
// with the converter's error naming the topic, even with
// errors.tolerance=all, and commits nothing past the record, so once the
// registry is back a restart delivers every line once.
func TestWorkerPipeline(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "avro")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	reg := srfake.New()
	t.Cleanup(reg.Close)
	var down atomic.Bool
	var refused atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			refused.Add(1)
			http.Error(w, `{"error_code":50301,"message":"unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		reg.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	down.Store(true)

	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	var lines []string
	for i := range 200 {
		lines = append(lines, fmt.Sprintf("line %d", i))
	}
	require.NoError(t, os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644))

	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(sourcefile.Plugin(), sinkfile.Plugin(), avro.Plugin()),
		worker.OffsetStore(offset.NewMemory()), worker.Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	conv := map[string]string{
		"value.converter": "AvroConverter", "value.converter.schema.registry.url": srv.URL,
		"value.converter.retries.wait.ms": "1", "value.converter.max.retries": "1",
		"errors.tolerance": "all",
	}
	with := func(m map[string]string) map[string]string {
		for k, v := range conv {
			m[k] = v
		}
		return m
	}
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "file-in", with(map[string]string{
		"connector.class": "FileStreamSource", "file": in, "topic": topic})))
	require.Eventually(t, func() bool {
		st, err := w.Status("file-in")
		return err == nil && len(st.Tasks) == 1 && st.Tasks[0].State == herder.Failed
	}, 30*time.Second, 10*time.Millisecond)
	st, err := w.Status("file-in")
	require.NoError(t, err)
	require.Contains(t, st.Tasks[0].Trace, "schema registry unavailable")
	require.Contains(t, st.Tasks[0].Trace, topic)
	require.Greater(t, refused.Load(), int32(1), "the converter retried")
	down.Store(false)
	require.NoError(t, w.RestartTask(ctx, "file-in", 0))

	require.NoError(t, w.CreateConnector(ctx, testkafka.Group(t, "file-out"), with(map[string]string{
		"connector.class": "FileStreamSink", "file": out, "topics": topic})))
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(out)
		return strings.Count(string(b), "\n") >= len(lines)
	}, 60*time.Second, 20*time.Millisecond)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, strings.Join(lines, "\n")+"\n", string(b))

	ss, ok := reg.GetSchema(topic+"-value", 1)
	require.True(t, ok)
	require.Equal(t, `"string"`, ss.Schema.Schema)
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
	require.Equal(t, byte(0), first.Value[0])
	require.Equal(t, uint32(ss.ID), binary.BigEndian.Uint32(first.Value[1:5]))
	require.Equal(t, "line 0", string(first.Value[6:]))
}

// TestWorkerPipelineHeaderIDs: with value.schema.id.serializer=
// HeaderSchemaIdSerializer the worker writes the GUID header the converter
// adds and the bare Avro value; the sink reads the lines back through the
// header.
func TestWorkerPipelineHeaderIDs(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "avrohdr")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	reg := srfake.New()
	t.Cleanup(reg.Close)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	require.NoError(t, os.WriteFile(in, []byte("one\ntwo\nthree\n"), 0o644))
	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(sourcefile.Plugin(), sinkfile.Plugin(), avro.Plugin()),
		worker.OffsetStore(offset.NewMemory()), worker.Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "file-in", map[string]string{
		"connector.class": "FileStreamSource", "file": in, "topic": topic,
		"value.converter": avro.Class, "value.converter.schema.registry.url": reg.URL(),
		"value.converter.value.schema.id.serializer": avro.HeaderSchemaIDSerializer}))
	require.NoError(t, w.CreateConnector(ctx, testkafka.Group(t, "file-out"), map[string]string{
		"connector.class": "FileStreamSink", "file": out, "topics": topic,
		"value.converter": "AvroConverter", "value.converter.schema.registry.url": reg.URL()}))
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
	require.Equal(t, []byte{6, 'o', 'n', 'e'}, first.Value)
	require.Len(t, first.Headers, 1)
	require.Equal(t, avro.ValueSchemaIDHeader, first.Headers[0].Key)
	require.Len(t, first.Headers[0].Value, 17)
	require.Equal(t, byte(1), first.Headers[0].Value[0])
}
