package elasticsearch_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/esttest"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/sink/elasticsearch"
)

// TestWorkerPipeline runs the sink in a worker on Kafka, configured as
// Confluent's connector is: schemaless JSON documents keyed by their
// record keys, a tombstone deleting its document, and a malformed document
// among good ones going to the dead letter queue with its position while
// the rest are written; the consumer offsets committed cover every record.
func TestWorkerPipeline(t *testing.T) {
	esttest.Each(t, func(t *testing.T, srv esttest.Server) {
		brokers := testkafka.Brokers(t)
		topic, dlq := testkafka.Topic(t, "orders"), testkafka.Topic(t, "dlq")
		testkafka.CreateTopic(t, brokers, topic, 1, nil)
		testkafka.CreateTopic(t, brokers, dlq, 1, nil)
		index := strings.ToLower(topic)
		t.Cleanup(func() { srv.Do(t, http.MethodDelete, "/"+index, nil) })
		srv.MustDo(t, http.MethodPut, "/"+index, `{"mappings":{"properties":{"n":{"type":"integer"}}}}`, nil)

		rec := func(key, value string) *kgo.Record {
			r := &kgo.Record{Topic: topic, Key: []byte(key)}
			if value != "" {
				r.Value = []byte(value)
			}
			return r
		}
		recs := []*kgo.Record{rec("a", `{"n":1}`), rec("b", `{"n":"not a number"}`), rec("c", `{"n":3}`),
			rec("d", `{"n":4}`), rec("d", "")}
		cl := testkafka.Client(t, brokers, kgo.ConsumeTopics(dlq), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		ctx := context.Background()
		require.NoError(t, cl.ProduceSync(ctx, recs...).FirstErr())

		w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(elasticsearch.Plugin()),
			worker.OffsetFlushInterval(50*time.Millisecond), worker.Logger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err)
		t.Cleanup(func() { w.Close() })
		name := testkafka.Group(t, "es-sink")
		require.NoError(t, w.CreateConnector(ctx, name, map[string]string{
			"connector.class": "ElasticsearchSinkConnector", "topics": topic, "connection.url": srv.URL,
			"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
			"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
			"schema.ignore": "true", "behavior.on.null.values": "delete", "behavior.on.malformed.documents": "warn",
			"errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq,
			"errors.deadletterqueue.context.headers.enable": "true", "errors.deadletterqueue.topic.replication.factor": "1",
		}))

		fctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		var dead []*kgo.Record
		for len(dead) < 1 && fctx.Err() == nil {
			dead = append(dead, cl.PollFetches(fctx).Records()...)
		}
		require.Len(t, dead, 1, "the dead letter queue")
		require.Equal(t, `{"n":"not a number"}`, string(dead[0].Value))
		var msg string
		for _, h := range dead[0].Headers {
			if h.Key == worker.DLQHeaderExceptionMessage {
				msg = string(h.Value)
			}
		}
		require.Contains(t, msg, "partition 0 offset 1")

		require.Eventually(t, func() bool {
			offs, err := w.ConnectorOffsets(ctx, name)
			if err != nil || len(offs.Offsets) != 1 {
				return false
			}
			n, _ := offs.Offsets[0].Offset.Int64("kafka_offset")
			return n == int64(len(recs))
		}, 60*time.Second, 50*time.Millisecond, "the committed offset never covered the %d records", len(recs))
		var ids []string
		for _, h := range srv.Search(t, index, "n") {
			ids = append(ids, fmt.Sprint(h.ID, "=", h.Source["n"]))
		}
		require.Equal(t, []string{"a=1", "c=3"}, ids)
		st, err := w.Status(name)
		require.NoError(t, err)
		require.Equal(t, "RUNNING", fmt.Sprint(st.Tasks[0].State))
	})
}
