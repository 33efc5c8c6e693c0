package elasticsearch_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/esttest"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/kconnect-go/kconnect/sink/elasticsearch"
)

// These tests run on Elasticsearch and OpenSearch alike, each a sub-test
// per server (esttest.Each), skipped for a server whose
// KCONNECT_ELASTICSEARCH_URL or KCONNECT_OPENSEARCH_URL is unset.

var valueSchema = connect.StructOf(
	connect.F("n", connect.PrimitiveSchema(connect.Int32Type, false)),
	connect.F("s", connect.PrimitiveSchema(connect.StringType, false)),
)

func value(t testing.TB, n int, s string) *connect.Struct {
	t.Helper()
	st := connect.NewStruct(valueSchema)
	if err := st.Put("n", int32(n)); err != nil {
		t.Fatal(err)
	}
	if err := st.Put("s", s); err != nil {
		t.Fatal(err)
	}
	return st
}

// record makes a record as the runtime hands it to a sink.
func record(topic string, partition int32, offset int64, key any, vs *connect.Schema, v any) connect.Record {
	r := connect.Record{Topic: topic, Key: key, ValueSchema: vs, Value: v, Timestamp: time.UnixMilli(1_700_000_000_000 + offset)}
	if _, ok := key.(string); ok {
		r.KeySchema = connect.PrimitiveSchema(connect.StringType, false)
	}
	r.SetPartition(partition)
	r.SetOrigin(connect.KafkaPosition{Topic: topic, Partition: partition, Offset: offset})
	return r
}

func TestConformance(t *testing.T) {
	esttest.Each(t, func(t *testing.T, srv esttest.Server) {
		index := connecttest.DefaultTopic
		connecttest.Sink(t, connecttest.SinkSpec{
			Plugin: elasticsearch.Plugin(),
			Config: func(t testing.TB) map[string]string {
				srv.Do(t, http.MethodDelete, "/"+index, nil)
				return map[string]string{"connection.url": srv.URL, "key.ignore": "true", "topics": connecttest.DefaultTopic}
			},
			Records: func(t testing.TB, n int) []connect.Record {
				out := make([]connect.Record, n)
				for i := range out {
					out[i] = record(connecttest.DefaultTopic, int32(i%2), int64(i/2), nil, valueSchema, value(t, i, "value-"+strconv.Itoa(i)))
				}
				return out
			},
			Expect: func(r connect.Record) any { return r.Value.(*connect.Struct).Get("s") },
			ReadBack: func(t testing.TB, _ map[string]string) []any {
				var out []any
				for _, h := range srv.Search(t, index, "n") {
					out = append(out, h.Source["s"])
				}
				return out
			},
			RequiredKeys: []string{"connection.url"},
		})
	})
}

// run is a started task with a fake runtime around it.
type run struct {
	t    testing.TB
	task sink.Task
	tc   *connecttest.SinkTaskContext
	put  map[sink.TopicPartition]int64 // the offset after the last record Put
}

func start(t testing.TB, srv esttest.Server, config map[string]string) *run {
	t.Helper()
	cfg := map[string]string{"connection.url": srv.URL, "topics": "t", "read.timeout.ms": "30000"}
	maps.Copy(cfg, config)
	tc := connecttest.NewSinkTaskContext(cfg)
	task := elasticsearch.Plugin().New().NewTask()
	if err := task.Start(context.Background(), cfg, tc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = task.Stop(context.Background()) })
	return &run{t: t, task: task, tc: tc, put: map[sink.TopicPartition]int64{}}
}

// write puts the records and waits until PreCommit says every one is done.
func (r *run) write(records ...connect.Record) {
	r.t.Helper()
	if err := r.try(records...); err != nil {
		r.t.Fatal(err)
	}
}

func (r *run) try(records ...connect.Record) error {
	r.t.Helper()
	for _, rec := range records {
		p, _ := rec.Origin()
		r.put[sink.TopicPartition{Topic: p.Topic, Partition: p.Partition}] = p.Offset + 1
	}
	if err := r.task.Put(context.Background(), records); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := r.task.(sink.PreCommitter).PreCommit(context.Background(), maps.Clone(r.put))
		if err != nil {
			return err
		}
		if maps.Equal(got, r.put) {
			return nil
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("PreCommit returned %v, want %v", got, r.put)
		}
		time.Sleep(10 * time.Millisecond) // polling for the requests in flight
	}
}

func TestKeyIgnore(t *testing.T) {
	esttest.Each(t, func(t *testing.T, srv esttest.Server) {
		for _, ignore := range []bool{true, false} {
			t.Run("key.ignore="+strconv.FormatBool(ignore), func(t *testing.T) {
				topic := srv.Index(t, "Keys")
				r := start(t, srv, map[string]string{"key.ignore": strconv.FormatBool(ignore)})
				r.write(
					record(topic, 0, 10, "k1", valueSchema, value(t, 1, "first")),
					record(topic, 0, 11, "k2", valueSchema, value(t, 2, "second")),
					record(topic, 1, 5, "k1", valueSchema, value(t, 3, "k1 again")),
				)
				index := strings.ToLower(topic)
				if ignore {
					if n := srv.Count(t, index); n != 3 {
						t.Fatalf("%d documents, want 3 (one per record)", n)
					}
					h, ok := srv.Doc(t, index, topic+"+1+5")
					if !ok || h.Source["s"] != "k1 again" {
						t.Fatalf("document %s+1+5: %v %v", topic, ok, h.Source)
					}
					return
				}
				if n := srv.Count(t, index); n != 2 {
					t.Fatalf("%d documents, want 2 (one per key)", n)
				}
				// External versioning: k1's version is the offset of the
				// record that wrote it; partition 1's offset 5 is older than
				// partition 0's offset 10, so it does not overwrite it.
				h, ok := srv.Doc(t, index, "k1")
				if !ok || h.Source["s"] != "first" || h.Version != 10 {
					t.Fatalf("k1: %v %+v", ok, h)
				}
			})
		}
	})
}

func TestExternalVersionOlderNeverOverwrites(t *testing.T) {
	esttest.Each(t, func(t *testing.T, srv esttest.Server) {
		topic := srv.Index(t, "versions")
		r := start(t, srv, nil)
		r.write(record(topic, 0, 7, "k", valueSchema, value(t, 7, "newer")))
		// A replay from an older offset (a retry after a rebalance) comes
		// after the newer record: the conflict is success, not an error.
		r2 := start(t, srv, nil)
		r2.write(record(topic, 0, 3, "k", valueSchema, value(t, 3, "older")))
		h, ok := srv.Doc(t, topic, "k")
		if !ok || h.Source["s"] != "newer" || h.Version != 7 {
			t.Fatalf("k: %v %+v", ok, h)
		}
		if rep := r2.tc.Reported(); len(rep) != 0 {
			t.Fatalf("the version conflict was reported: %v", rep[0].Err)
		}
	})
}

func TestSchemaIgnore(t *testing.T) {
	ts := connect.PrimitiveSchema(connect.Int64Type, false).WithName(connect.TimestampName)
	schema := connect.StructOf(
		connect.F("count", connect.PrimitiveSchema(connect.Int32Type, false)),
		connect.F("name", connect.PrimitiveSchema(connect.StringType, false)),
		connect.F("at", ts),
		connect.F("price", connect.DecimalSchema(2)),
		connect.F("ok", connect.PrimitiveSchema(connect.BooleanType, true).WithDefault(true)),
	)
	v := connect.NewStruct(schema)
	for k, x := range map[string]any{"count": int32(3), "name": "n", "at": time.UnixMilli(1_700_000_000_000).UTC(), "price": connect.NewDecimal(1234, 2), "ok": false} {
		if err := v.Put(k, x); err != nil {
			t.Fatal(err)
		}
	}
	esttest.Each(t, func(t *testing.T, srv esttest.Server) {
		for _, ignore := range []bool{false, true} {
			t.Run("schema.ignore="+strconv.FormatBool(ignore), func(t *testing.T) {
				topic := srv.Index(t, "mapping")
				r := start(t, srv, map[string]string{"schema.ignore": strconv.FormatBool(ignore), "key.ignore": "true"})
				r.write(record(topic, 0, 0, nil, schema, v))
				var m map[string]struct {
					Mappings struct {
						Properties map[string]map[string]any `json:"properties"`
					} `json:"mappings"`
				}
				srv.MustDo(t, http.MethodGet, "/"+topic+"/_mapping", nil, &m)
				props := m[topic].Mappings.Properties
				want := map[string]string{"count": "integer", "name": "text", "at": "date", "price": "double", "ok": "boolean"}
				if ignore { // the server's dynamic mapping
					want = map[string]string{"count": "long", "name": "text", "at": "long", "ok": "boolean", "price": "text"}
				}
				for f, typ := range want {
					if got := props[f]["type"]; got != typ {
						t.Errorf("field %s mapped as %v, want %s (mapping %v)", f, got, typ, props)
					}
				}
				if !ignore {
					kw, _ := json.Marshal(props["name"]["fields"])
					if !strings.Contains(string(kw), `"ignore_above":256`) {
						t.Errorf("name has no keyword sub-field: %s", kw)
					}
					if props["ok"]["null_value"] != true {
						t.Errorf("ok's default is not its null_value: %v", props["ok"])
					}
				}
				h := srv.Search(t, topic, "")
				if len(h) != 1 || h[0].Source["count"] != float64(3) {
					t.Fatalf("documents %v", h)
				}
				if !ignore && h[0].Source["price"] != 12.34 {
					t.Errorf("price %v, want 12.34", h[0].Source["price"])
				}
			})
		}
	})
}

func TestUpsert(t *testing.T) {
	esttest.Each(t, func(t *testing.T, srv esttest.Server) {
		topic := srv.Index(t, "upsert")
		r := start(t, srv, map[string]string{"write.method": "upsert", "schema.ignore": "true"})
		r.write(record(topic, 0, 0, "k", nil, map[string]any{"a": int64(1), "b": int64(1)}))
		r.write(record(topic, 0, 1, "k", nil, map[string]any{"b": int64(2)}))
		h, ok := srv.Doc(t, topic, "k")
		if !ok || h.Source["a"] != float64(1) || h.Source["b"] != float64(2) {
			t.Fatalf("k: %v %v (want a=1 kept, b=2 updated)", ok, h.Source)
		}
	})
}

func TestTombstone(t *testing.T) {
	esttest.Each(t, func(t *testing.T, srv esttest.Server) {
		for _, behavior := range []string{"delete", "ignore", "fail"} {
			t.Run(behavior, func(t *testing.T) {
				topic := srv.Index(t, "tombstones")
				r := start(t, srv, map[string]string{"behavior.on.null.values": behavior})
				r.write(record(topic, 0, 0, "k", valueSchema, value(t, 1, "v")), record(topic, 0, 1, "other", valueSchema, value(t, 2, "v")))
				err := r.try(record(topic, 0, 2, "k", nil, nil), record(topic, 0, 3, nil, nil, nil))
				_, ok := srv.Doc(t, topic, "k")
				switch behavior {
				case "delete":
					if err != nil || ok {
						t.Fatalf("err %v, document still there: %v", err, ok)
					}
				case "ignore":
					if err != nil || !ok {
						t.Fatalf("err %v, document gone: %v", err, !ok)
					}
				case "fail":
					// The record is reported, and the task fails, as
					// drop.invalid.message is false.
					if rep := r.tc.Reported(); err == nil || len(rep) != 1 || !strings.Contains(rep[0].Err.Error(), "behavior.on.null.values") {
						t.Fatalf("err %v, reported %v", err, rep)
					}
				}
				if _, ok := srv.Doc(t, topic, "other"); !ok {
					t.Fatal("the other document is gone")
				}
			})
		}
	})
}

func TestMalformedDocumentInBatch(t *testing.T) {
	esttest.Each(t, func(t *testing.T, srv esttest.Server) {
		for _, behavior := range []string{"warn", "ignore", "fail"} {
			t.Run(behavior, func(t *testing.T) {
				topic := srv.Index(t, "malformed")
				srv.MustDo(t, http.MethodPut, "/"+topic, `{"mappings":{"properties":{"n":{"type":"integer"}}}}`, nil)
				r := start(t, srv, map[string]string{"behavior.on.malformed.documents": behavior, "schema.ignore": "true", "key.ignore": "true", "linger.ms": "60000"})
				var recs []connect.Record
				for i := range 5 {
					v := map[string]any{"n": int64(i)}
					if i == 2 {
						v = map[string]any{"n": "not a number"}
					}
					recs = append(recs, record(topic, 0, int64(100+i), nil, nil, v))
				}
				err := r.try(recs...)
				if n := srv.Count(t, topic); n != 4 {
					t.Fatalf("%d documents, want the 4 good ones", n)
				}
				rep := r.tc.Reported()
				if len(rep) != 1 {
					t.Fatalf("%d records reported, want 1", len(rep))
				}
				if p, _ := rep[0].Record.Origin(); p.Topic != topic || p.Partition != 0 || p.Offset != 102 {
					t.Fatalf("reported record at %+v, want %s-0@102", p, topic)
				}
				msg := rep[0].Err.Error()
				if !strings.Contains(msg, "parsing_exception") || !strings.Contains(msg, "offset 102") {
					t.Fatalf("report cause %q", msg)
				}
				if behavior == "fail" {
					if err == nil || !strings.Contains(err.Error(), "behavior.on.malformed.documents") {
						t.Fatalf("err %v", err)
					}
					// Nothing past the bad record is committed.
					got, _ := r.task.(sink.PreCommitter).PreCommit(context.Background(), r.put)
					if off, ok := got[sink.TopicPartition{Topic: topic, Partition: 0}]; ok && off > 102 {
						t.Fatalf("offset %d committed past the failed record", off)
					}
				} else if err != nil {
					t.Fatal(err)
				}
			})
		}
	})
}

func TestDataStream(t *testing.T) {
	esttest.Each(t, func(t *testing.T, srv esttest.Server) {
		topic := srv.Index(t, "Stream")
		ds := "logs-kconnect-" + strings.ToLower(topic)
		srv.MustDo(t, http.MethodPut, "/_index_template/kctest-"+strings.ToLower(topic),
			map[string]any{"index_patterns": []string{ds}, "data_stream": map[string]any{}, "priority": 500}, nil)
		t.Cleanup(func() {
			srv.Do(t, http.MethodDelete, "/_data_stream/"+ds, nil)
			srv.Do(t, http.MethodDelete, "/_index_template/kctest-"+strings.ToLower(topic), nil)
		})
		r := start(t, srv, map[string]string{"data.stream.type": "logs", "data.stream.dataset": "kconnect", "schema.ignore": "true", "key.ignore": "true"})
		r.write(
			record(topic, 0, 0, "k", valueSchema, value(t, 1, "a")),
			record(topic, 0, 1, "k", valueSchema, value(t, 2, "b")),
		)
		// A replay writes nothing twice and is no error: the ids are the
		// Kafka positions.
		r.write(record(topic, 0, 1, "k", valueSchema, value(t, 2, "b")))
		if rep := r.tc.Reported(); len(rep) != 0 {
			t.Fatalf("reported %v", rep[0].Err)
		}
		hits := srv.Search(t, ds, "n")
		if len(hits) != 2 {
			t.Fatalf("%d documents in %s, want 2 (data streams append)", len(hits), ds)
		}
		if ts := hits[0].Source["@timestamp"]; ts != float64(1_700_000_000_000) {
			t.Fatalf("@timestamp %v, want the record's timestamp", ts)
		}
	})
}
