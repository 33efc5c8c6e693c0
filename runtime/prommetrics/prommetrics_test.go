package prommetrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sourcefile "github.com/kconnect-go/kconnect/source/file"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

func TestTaskMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg)
	tm := m.Task(worker.TaskID{Connector: "orders", Task: 2}, "source")
	tm.RecordsPolled(10)
	tm.RecordsWritten(7)
	tm.ActiveRecords(3)
	tm.OffsetCommit(true, 2*time.Millisecond)
	tm.OffsetCommit(false, time.Millisecond)
	tm.RecordErrors("TRANSFORMATION", 2)
	tm.RecordsSkipped(2)
	m.Task(worker.TaskID{Connector: "orders", Task: 0}, "sink").ActiveRecords(4)

	want := `
# HELP kconnect_source_record_poll_total Records polled from source tasks.
# TYPE kconnect_source_record_poll_total counter
kconnect_source_record_poll_total{connector="orders",task="0"} 0
kconnect_source_record_poll_total{connector="orders",task="2"} 10
# HELP kconnect_offset_commit_total Offset commit attempts.
# TYPE kconnect_offset_commit_total counter
kconnect_offset_commit_total{connector="orders",outcome="failure",task="0"} 0
kconnect_offset_commit_total{connector="orders",outcome="success",task="0"} 0
kconnect_offset_commit_total{connector="orders",outcome="failure",task="2"} 1
kconnect_offset_commit_total{connector="orders",outcome="success",task="2"} 1
# HELP kconnect_total_record_errors Records that failed, by stage.
# TYPE kconnect_total_record_errors counter
kconnect_total_record_errors{connector="orders",stage="TRANSFORMATION",task="2"} 2
# HELP kconnect_total_records_skipped Records skipped by errors.tolerance=all.
# TYPE kconnect_total_records_skipped counter
kconnect_total_records_skipped{connector="orders",task="0"} 0
kconnect_total_records_skipped{connector="orders",task="2"} 2
# HELP kconnect_source_record_active_count Records polled from a source task but not yet acknowledged by Kafka.
# TYPE kconnect_source_record_active_count gauge
kconnect_source_record_active_count{connector="orders",task="2"} 3
# HELP kconnect_sink_record_active_count Records consumed by a sink task but not yet committed.
# TYPE kconnect_sink_record_active_count gauge
kconnect_sink_record_active_count{connector="orders",task="0"} 4
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want),
		"kconnect_source_record_poll_total", "kconnect_offset_commit_total", "kconnect_total_record_errors",
		"kconnect_total_records_skipped", "kconnect_source_record_active_count", "kconnect_sink_record_active_count"))
}

// scrape returns the exposition a /metrics handler of reg serves.
func scrape(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	return rec.Body.String()
}

// A task's series go when the task stops: deleting a connector leaves no
// series of its tasks in the exposition, while another connector's stay.
func TestDeletedConnectorLeavesNoSeries(t *testing.T) {
	reg := prometheus.NewRegistry()
	brokers := testkafka.Brokers(t)
	w, err := worker.New(worker.Brokers(brokers...), worker.Plugins(sourcefile.Plugin()),
		worker.OffsetStore(offset.NewMemory()), worker.WithMetrics(New(reg)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	ctx := context.Background()
	dir := t.TempDir()
	names := []string{testkafka.Group(t, "gone"), testkafka.Group(t, "kept")}
	for _, name := range names {
		in := filepath.Join(dir, name+".txt")
		require.NoError(t, os.WriteFile(in, []byte("a\nb\n"), 0o644))
		topic := testkafka.Topic(t, name)
		testkafka.CreateTopic(t, brokers, topic, 1, nil)
		require.NoError(t, w.CreateConnector(ctx, name, map[string]string{
			"connector.class": "FileStreamSource", "file": in, "topic": topic}))
	}
	series := func(name string) string {
		return `kconnect_source_record_poll_total{connector="` + name + `",task="0"} 2`
	}
	require.Eventually(t, func() bool {
		out := scrape(t, reg)
		return strings.Contains(out, series(names[0])) && strings.Contains(out, series(names[1]))
	}, 30*time.Second, 20*time.Millisecond)

	require.NoError(t, w.DeleteConnector(ctx, names[0]))
	out := scrape(t, reg)
	require.NotContains(t, out, `connector="`+names[0]+`"`, "no series of the deleted connector's task, of any metric")
	require.Contains(t, out, series(names[1]))
}

// A recorder's Close removes its task's series only when no other
// recorder of the task is open: a task abandoned for not stopping may
// return after its next instance started.
func TestCloseKeepsSeriesOfTheTasksNextInstance(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg)
	id := worker.TaskID{Connector: "orders", Task: 0}
	old := m.Task(id, "source")
	next := m.Task(id, "source")
	next.RecordsPolled(5)
	old.(interface{ Close() }).Close()
	old.(interface{ Close() }).Close() // once only
	require.Contains(t, scrape(t, reg), `kconnect_source_record_poll_total{connector="orders",task="0"} 5`)
	next.(interface{ Close() }).Close()
	require.NotContains(t, scrape(t, reg), `connector="orders"`)
}
