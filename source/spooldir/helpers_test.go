package spooldir

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/source"
)

// dirs are a connector's directories in a test's temporary directory.
type dirs struct{ in, finished, errors string }

func newDirs(t testing.TB) dirs {
	root := t.TempDir()
	d := dirs{in: filepath.Join(root, "in"), finished: filepath.Join(root, "finished"), errors: filepath.Join(root, "error")}
	for _, p := range []string{d.in, d.finished, d.errors} {
		require.NoError(t, os.Mkdir(p, 0o755))
	}
	return d
}

// config returns a configuration reading d with pattern, extra keys laid
// over it.
func (d dirs) config(pattern string, extra ...string) map[string]string {
	m := map[string]string{
		TopicConfig: "spool", InputPathConfig: d.in, FinishedPathConfig: d.finished, ErrorPathConfig: d.errors,
		InputFilePatternConfig: pattern,
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// started is a task started by hand, as a runtime starts it.
type started struct {
	source.Task
	offsets *connecttest.Offsets
}

// startTasks starts p's connector with config and its tasks (tasks.max n)
// over offsets.
func startTasks(t *testing.T, p source.Plugin, config map[string]string, offsets *connecttest.Offsets, n int) []*started {
	t.Helper()
	if offsets == nil {
		offsets = connecttest.NewOffsets()
	}
	ctx := context.Background()
	c := p.New()
	require.NoError(t, c.Start(ctx, config, connecttest.NewConnectorContext(offsets)))
	tcs, err := c.TaskConfigs(n)
	require.NoError(t, err)
	var out []*started
	for _, tc := range tcs {
		task := c.NewTask()
		require.NoError(t, task.Start(ctx, tc, connecttest.SourceTaskContext(tc, offsets)))
		st := &started{Task: task, offsets: offsets}
		t.Cleanup(func() { st.Stop(context.Background()) })
		out = append(out, st)
	}
	return out
}

func startTask(t *testing.T, p source.Plugin, config map[string]string, offsets *connecttest.Offsets) *started {
	return startTasks(t, p, config, offsets, 1)[0]
}

// poll polls until it has n records, failing the test after a while or on
// an error.
func (st *started) poll(t *testing.T, n int) []connect.Record {
	t.Helper()
	var out []connect.Record
	deadline := time.Now().Add(10 * time.Second)
	for len(out) < n {
		require.True(t, time.Now().Before(deadline), "got %d of %d records", len(out), n)
		recs, err := st.Poll(context.Background())
		require.NoError(t, err)
		out = append(out, recs...)
	}
	require.Len(t, out, n)
	return out
}

// settle commits records' offsets, as the runtime does once Kafka has
// them.
func (st *started) settle(t *testing.T, recs []connect.Record) {
	t.Helper()
	st.offsets.CommitRecords(recs)
}

func (st *started) commit(t *testing.T) {
	t.Helper()
	require.NoError(t, st.Task.(source.Committer).Commit(context.Background()))
}

func values(recs []connect.Record) []any {
	out := make([]any, len(recs))
	for i, r := range recs {
		out[i] = r.Value
	}
	return out
}

func header(t *testing.T, r connect.Record, key string) any {
	t.Helper()
	h, ok := r.Headers.Last(key)
	require.True(t, ok, "no header %s", key)
	return h.Value
}
