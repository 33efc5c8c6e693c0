package elasticsearch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/internal/esttest"
	"github.com/kconnect-go/kconnect/internal/testchild"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/kconnect-go/kconnect/sink/elasticsearch"
)

// killChildEnv holds, as JSON, the killParams of the worker process
// TestWorkerKilledChild runs.
const killChildEnv = "KCONNECT_ES_KILL_CHILD"

type killParams struct {
	Brokers   []string
	Topic     string
	URL       string
	Index     string
	Name      string
	KeyIgnore bool
}

func (p killParams) env() []string {
	b, _ := json.Marshal(p)
	return []string{killChildEnv + "=" + string(b)}
}

// runKillWorker runs the sink in a worker, in small batches committed
// often, so that a kill finds requests in flight and offsets committed.
func runKillWorker(t testing.TB, p killParams, log *slog.Logger) *worker.Worker {
	t.Helper()
	w, err := worker.New(worker.Brokers(p.Brokers...), worker.Plugins(elasticsearch.Plugin()),
		worker.OffsetFlushInterval(50*time.Millisecond), worker.Logger(log))
	require.NoError(t, err)
	require.NoError(t, w.CreateConnector(context.Background(), p.Name, map[string]string{
		"connector.class": "ElasticsearchSinkConnector", "topics": p.Topic, "connection.url": p.URL,
		"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
		"schema.ignore": "true", "key.ignore": strconv.FormatBool(p.KeyIgnore), "batch.size": "200",
		"consumer.override.max.poll.records": "200",
		// A killed member holds its partitions until its session times
		// out: the broker's smallest session keeps the next run waiting less.
		"consumer.override.session.timeout.ms": "6000",
		"transforms":                           "index", "transforms.index.type": "org.apache.kafka.connect.transforms.RegexRouter",
		"transforms.index.regex": ".*", "transforms.index.replacement": p.Index,
	}))
	return w
}

// TestWorkerKilledChild is the worker process TestWorkerKilledMidBatch
// kills; it does nothing in a normal test run.
func TestWorkerKilledChild(t *testing.T) {
	env := os.Getenv(killChildEnv)
	if env == "" {
		t.Skip("the child process of TestWorkerKilledMidBatch")
	}
	var p killParams
	require.NoError(t, json.Unmarshal([]byte(env), &p))
	w := runKillWorker(t, p, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	t.Log("worker running until killed")
	// The parent kills this process; should the parent die instead, its
	// end of stdin closes and the child stops.
	_, _ = io.Copy(io.Discard, os.Stdin)
	require.NoError(t, w.Close())
}

// TestWorkerKilledMidBatch kills a worker process with SIGKILL while it is
// indexing, twice, at random points, then lets a worker finish: every
// record is indexed, and there are exactly as many documents as records,
// with key ids (a record written again carries its offset as external
// version, which the server takes as a replay) and with key.ignore=true
// (at-least-once delivery writes a record again after a kill, but under
// the same topic+partition+offset id, so it overwrites itself).
func TestWorkerKilledMidBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills worker processes")
	}
	for _, keyIgnore := range []bool{false, true} {
		t.Run(fmt.Sprintf("key.ignore=%t", keyIgnore), func(t *testing.T) {
			esttest.Each(t, func(t *testing.T, srv esttest.Server) { testKilledMidBatch(t, srv, keyIgnore) })
		})
	}
}

func testKilledMidBatch(t *testing.T, srv esttest.Server, keyIgnore bool) {
	// Enough records for each kill to find requests in flight (batches of
	// 200); each case takes about 20 s on a loaded machine, most of it
	// waiting for the killed member's session to time out.
	const n = 6000
	rng := testchild.Rand(t)
	brokers := testkafka.Brokers(t) // on kfake, the children reach it over TCP
	topic := testkafka.Topic(t, "eskill")
	testkafka.CreateTopic(t, brokers, topic, 2, nil)
	index := srv.Index(t, "eskill")
	srv.MustDo(t, http.MethodPut, "/"+index, `{"settings":{"number_of_replicas":0}}`, nil)
	cl := testkafka.Client(t, brokers, kgo.ProducerLinger(5*time.Millisecond))
	ctx := context.Background()
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: topic, Key: []byte("k" + strconv.Itoa(i)), Value: fmt.Appendf(nil, `{"n":%d}`, i)}
	}
	require.NoError(t, cl.ProduceSync(ctx, recs...).FirstErr())

	p := killParams{Brokers: brokers, Topic: topic, URL: srv.URL, Index: index, Name: testkafka.Group(t, "eskill"), KeyIgnore: keyIgnore}
	for round := range 2 {
		child := testchild.Start(t, "TestWorkerKilledChild", p.env(), round)
		target := min(srv.Count(t, index)+1+rng.IntN(n/3), n-1)
		t.Logf("round %d: killing once %d documents are indexed", round, target)
		deadline := time.Now().Add(60 * time.Second)
		for srv.Count(t, index) < target {
			require.True(t, time.Now().Before(deadline), "round %d: %d documents of %d after a minute", round, srv.Count(t, index), target)
			select {
			case <-child.Exited():
				t.Fatalf("round %d: the child exited:\n%s", round, child.Output())
			case <-time.After(20 * time.Millisecond): // polling the index's count
			}
		}
		child.Kill(t)
		t.Logf("round %d: killed with %d documents indexed", round, srv.Count(t, index))
	}

	// The last run, in this process, indexes what is left.
	w := runKillWorker(t, p, slog.New(slog.DiscardHandler))
	defer w.Close()
	require.Eventually(t, func() bool {
		offs, err := w.ConnectorOffsets(ctx, p.Name)
		if err != nil {
			return false
		}
		var total int64
		for _, o := range offs.Offsets {
			v, _ := o.Offset.Int64("kafka_offset")
			total += v
		}
		return total == n
	}, 90*time.Second, 50*time.Millisecond, "the committed offsets never covered the %d records", n)
	require.Equal(t, n, srv.Count(t, index), "documents for %d records", n)
	// Writes of records after a kill, above the committed offsets: with
	// key.ignore=true they overwrite their own documents (indexed more
	// than once); with key ids the server refuses them as older versions.
	var st struct {
		All struct {
			Primaries struct {
				Indexing struct {
					Total int `json:"index_total"`
				} `json:"indexing"`
			} `json:"primaries"`
		} `json:"_all"`
	}
	srv.MustDo(t, http.MethodGet, "/"+index+"/_stats/indexing", nil, &st)
	t.Logf("%d records, %d documents, %d index operations", n, n, st.All.Primaries.Indexing.Total)
	if !keyIgnore {
		// Each document is its record's, whichever run wrote it.
		for _, i := range []int{0, n / 2, n - 1} {
			h, ok := srv.Doc(t, index, "k"+strconv.Itoa(i))
			require.True(t, ok, "document k%d", i)
			require.EqualValues(t, i, h.Source["n"])
		}
	}
}
