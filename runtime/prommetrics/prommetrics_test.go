package prommetrics

import (
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/prometheus/client_golang/prometheus"
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
