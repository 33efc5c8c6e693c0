package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/stringconv"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/stretchr/testify/require"
)

// start runs the connector as a runtime would and starts one task.
func start(t *testing.T, config map[string]string, opts ...Option) sink.Task {
	t.Helper()
	ctx := context.Background()
	conn := Plugin(opts...).New()
	require.NoError(t, conn.Start(ctx, config, nil))
	configs, err := conn.TaskConfigs(1)
	require.NoError(t, err)
	task := conn.NewTask()
	require.NoError(t, task.Start(ctx, configs[0], nil))
	return task
}

func stringRecords(values ...string) []connect.Record {
	recs := make([]connect.Record, len(values))
	for i, v := range values {
		recs[i] = connect.Record{Topic: "t", ValueSchema: connect.StringSchema, Value: v, Key: "ignored"}
	}
	return recs
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func TestWritesLines(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "out.txt")
	task := start(t, map[string]string{"file": path, "topics": "t"})
	// Put writes its lines out before it returns, as Kafka's PrintStream
	// does: a reader of the file does not wait for the next Flush, which
	// the runtime calls only before it commits (every minute by default).
	require.NoError(t, task.Put(ctx, stringRecords("alpha", "", "gamma")))
	require.Equal(t, "alpha\n\ngamma\n", readFile(t, path), "written by Put, before any Flush")
	require.NoError(t, task.Put(ctx, []connect.Record{{Value: int32(7)}, {Value: []any{"x"}}}))
	require.Equal(t, "alpha\n\ngamma\n7\n[x]\n", readFile(t, path), "written by Put, before any Flush")
	require.NoError(t, task.(sink.Flusher).Flush(ctx, map[sink.TopicPartition]int64{{Topic: "t"}: 5}))
	require.Equal(t, "alpha\n\ngamma\n7\n[x]\n", readFile(t, path))
	require.NoError(t, task.Put(ctx, stringRecords("delta")))
	require.Equal(t, "alpha\n\ngamma\n7\n[x]\ndelta\n", readFile(t, path))
	require.NoError(t, task.Stop(ctx))
	require.Equal(t, "alpha\n\ngamma\n7\n[x]\ndelta\n", readFile(t, path))
	require.NoError(t, task.Stop(ctx), "a second Stop does nothing")
	require.Error(t, task.Put(ctx, stringRecords("late")))
	require.Error(t, task.(sink.Flusher).Flush(ctx, nil))
}

func TestReopeningAppends(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "out.txt")
	require.NoError(t, os.WriteFile(path, []byte("existing\n"), 0o644))
	for _, v := range []string{"one", "two"} {
		task := start(t, map[string]string{"file": path})
		require.NoError(t, task.Put(ctx, stringRecords(v)))
		require.NoError(t, task.Stop(ctx))
	}
	require.Equal(t, "existing\none\ntwo\n", readFile(t, path))
}

func TestFsync(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "out.txt")
	tk := start(t, map[string]string{"file": path, "file.fsync": "true"})
	require.True(t, tk.(*task).fsync)
	task := tk
	require.NoError(t, task.Put(ctx, stringRecords("durable")))
	require.NoError(t, task.(sink.Flusher).Flush(ctx, nil))
	require.Equal(t, "durable\n", readFile(t, path))
	require.NoError(t, task.Stop(ctx))

	if runtime.GOOS == "linux" {
		// fsync on /dev/null fails (EINVAL): the error reaches Flush.
		task := start(t, map[string]string{"file": os.DevNull, "file.fsync": "true"})
		require.NoError(t, task.Put(ctx, stringRecords("x")))
		err := task.(sink.Flusher).Flush(ctx, nil)
		require.ErrorContains(t, err, "FileStreamSink: syncing "+os.DevNull)
		_ = task.Stop(ctx)
	}
}

type recordingWriter struct {
	writes []string
	fail   error
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	if w.fail != nil {
		return 0, w.fail
	}
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

func TestStandardOutput(t *testing.T) {
	ctx := context.Background()
	var out recordingWriter
	task := start(t, map[string]string{"topics": "t"}, Stdout(&out))
	require.NoError(t, task.Put(ctx, stringRecords("a", "b")))
	// Written at the end of each Put, as System.out flushes each println.
	require.Equal(t, []string{"a\nb\n"}, out.writes)
	require.NoError(t, task.(sink.Flusher).Flush(ctx, nil))
	require.NoError(t, task.Stop(ctx))
	require.Equal(t, []string{"a\nb\n"}, out.writes)

	// file.fsync is ignored for the standard output.
	task = start(t, map[string]string{"file": " ", "file.fsync": "true"}, Stdout(&out))
	require.NoError(t, task.Put(ctx, stringRecords("c")))
	require.NoError(t, task.Stop(ctx))
	require.Equal(t, "c\n", out.writes[len(out.writes)-1])
}

// TestWholeLines checks that every write holds whole lines, so that tasks
// appending to the same file cannot split each other's lines.
func TestWholeLines(t *testing.T) {
	ctx := context.Background()
	var out recordingWriter
	task := start(t, nil, Stdout(&out), BufferSize(16))
	values := []any{"short", strings.Repeat("s", 15), strings.Repeat("L", 40), "x", int64(123456789012345), []byte(strings.Repeat("b", 30)), "end"}
	recs := make([]connect.Record, len(values))
	var want strings.Builder
	for i, v := range values {
		recs[i].Value = v
		want.WriteString(string(AppendValue(nil, v)) + "\n")
	}
	require.NoError(t, task.Put(ctx, recs))
	require.Equal(t, want.String(), strings.Join(out.writes, ""))
	for _, w := range out.writes {
		require.True(t, strings.HasSuffix(w, "\n"), "write %q", w)
	}
	require.Greater(t, len(out.writes), 3)
}

func TestConcurrentTasksShareTheFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "out.txt")
	conn := NewSink(SinkConfig{File: path}, BufferSize(512))
	require.NoError(t, conn.Start(ctx, nil, nil))
	configs, err := conn.TaskConfigs(3)
	require.NoError(t, err)
	require.Len(t, configs, 3)
	var wg sync.WaitGroup
	for i, cfg := range configs {
		task := conn.NewTask()
		require.NoError(t, task.Start(ctx, cfg, nil))
		wg.Go(func() {
			for n := range 200 {
				v := fmt.Sprintf("task %d line %d %s", i, n, strings.Repeat("=", n%50))
				if err := task.Put(ctx, stringRecords(v)); err != nil {
					t.Error(err)
				}
			}
			if err := task.Stop(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := strings.Split(strings.TrimSuffix(readFile(t, path), "\n"), "\n")
	require.Len(t, got, 600)
	seen := map[string]bool{}
	for _, l := range got {
		var i, n int
		_, err := fmt.Sscanf(l, "task %d line %d", &i, &n)
		require.NoError(t, err, "line %q", l)
		require.Equal(t, fmt.Sprintf("task %d line %d %s", i, n, strings.Repeat("=", n%50)), l)
		seen[l] = true
	}
	require.Len(t, seen, 600)
}

var (
	pointSchema = connect.StructOf(connect.F("x", connect.Int32Schema), connect.F("y", connect.OptionalFloat32Schema))
	orderSchema = connect.StructOf(
		connect.F("id", connect.Int64Schema),
		connect.F("note", connect.OptionalStringSchema),
		connect.F("price", connect.DecimalSchema(2)),
		connect.F("ratio", connect.Float64Schema),
		connect.F("ok", connect.BooleanSchema),
		connect.F("at", connect.TimestampSchema),
		connect.F("tags", connect.ArrayOf(connect.StringSchema)),
		connect.F("attrs", connect.MapOf(connect.StringSchema, connect.Int32Schema)),
		connect.F("where", pointSchema),
	)
)

func order(t *testing.T) *connect.Struct {
	p := connect.NewStruct(pointSchema)
	require.NoError(t, p.PutInt32("x", -3))
	s := connect.NewStruct(orderSchema)
	require.NoError(t, errors.Join(
		s.PutInt64("id", 42),
		s.Put("price", connect.NewDecimal(1999, 2)),
		s.PutFloat64("ratio", 1),
		s.PutBool("ok", true),
		s.PutTime("at", time.Date(2024, 3, 15, 12, 34, 56, 789e6, time.UTC)),
		s.Put("tags", []any{"a", "b"}),
		s.Put("attrs", map[string]any{"b": int32(2), "a": int32(1)}),
		s.Put("where", p),
	))
	return s
}

func TestValues(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	type custom struct{ A, B int }
	tests := []struct {
		name  string
		value any
		want  string
	}{
		{"null", nil, "null"},
		{"string", "héllo, wörld", "héllo, wörld"},
		{"bytes as they are", []byte("raw\x00\xffbytes"), "raw\x00\xffbytes"},
		{"nil bytes", []byte(nil), "null"},
		{"true", true, "true"},
		{"int8", int8(-5), "-5"},
		{"int16", int16(300), "300"},
		{"int32", int32(-70000), "-70000"},
		{"int64", int64(math.MaxInt64), "9223372036854775807"},
		{"int", 7, "7"},
		{"float32", float32(0.1), "0.1"},
		{"float64 integral", 1.0, "1.0"},
		{"float64 large", 1e10, "1.0E10"},
		{"float64 small", 1e-5, "1.0E-5"},
		{"NaN", math.NaN(), "NaN"},
		{"-Infinity", math.Inf(-1), "-Infinity"},
		{"decimal", connect.NewDecimal(12345, 2), "123.45"},
		{"decimal negative scale", connect.NewDecimal(1, -3), "1E+3"},
		{"decimal tiny", connect.NewDecimal(1, 10), "1E-10"},
		{"timestamp", time.Date(2024, 3, 15, 12, 34, 56, 789e6, time.UTC), "Fri Mar 15 12:34:56 UTC 2024"},
		{"epoch", time.UnixMilli(0), "Thu Jan 01 00:00:00 UTC 1970"},
		{"other zone printed in UTC", time.Date(2024, 1, 1, 0, 30, 0, 0, berlin), "Sun Dec 31 23:30:00 UTC 2023"},
		{"before 1970", time.UnixMilli(-1), "Wed Dec 31 23:59:59 UTC 1969"},
		{"array", []any{int32(1), "a", nil, []any{}, 2.5}, "[1, a, null, [], 2.5]"},
		{"string map", map[string]any{"b": "x", "a": int64(1)}, "{a=1, b=x}"},
		{"entries keep order", []connect.MapEntry{{Key: "z", Value: 1}, {Key: "a", Value: 2}}, "{z=1, a=2}"},
		{"any map in HashMap order", map[any]any{int32(17): "p", int32(1): "q"}, "{1=q, 17=p}"},
		{"struct", nil, "Struct{id=42,price=19.99,ratio=1.0,ok=true,at=Fri Mar 15 12:34:56 UTC 2024,tags=[a, b],attrs={a=1, b=2},where=Struct{x=-3}}"},
		{"empty struct fields", connect.NewStruct(pointSchema), "Struct{}"},
		{"nil struct", (*connect.Struct)(nil), "null"},
		{"value", connect.Float32Value(2), "2.0"},
		{"outside the data model", custom{1, 2}, "{1 2}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.value
			if tt.name == "struct" {
				v = order(t)
			}
			require.Equal(t, tt.want, string(AppendValue(nil, v)))
			require.Equal(t, "prefix:"+tt.want, string(AppendValue([]byte("prefix:"), v)))

			// Through the task, to a file.
			path := filepath.Join(t.TempDir(), "out.txt")
			task := start(t, map[string]string{"file": path})
			require.NoError(t, task.Put(context.Background(), []connect.Record{{Value: v}}))
			require.NoError(t, task.Stop(context.Background()))
			require.Equal(t, tt.want+"\n", readFile(t, path))
		})
	}
}

// TestValuesMatchStringConverter checks the Java forms against kconnect's
// StringConverter, which writes what Java's toString prints, for every value
// it accepts (it rejects bytes, which this sink writes as they are).
func TestValuesMatchStringConverter(t *testing.T) {
	conv := stringconv.New()
	values := []any{"s", true, int8(1), int64(-9), float32(3.25), 1e21, 0.001, math.Inf(1),
		connect.NewDecimal(-5, 7), connect.NewDecimal(123, -2),
		time.Date(2001, 9, 9, 1, 46, 40, 0, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		[]any{nil, int16(2), []any{"x"}}, map[string]any{"k": nil, "kk": 1.5},
		map[any]any{"x": int32(1), int64(2): "y"}, order(t)}
	// Dates around Java's Gregorian cutover, before Christ, and at random.
	for _, ms := range []int64{-12219292800000, -12219292800001, -12219379200000, -62135596800000, -62135596800001, -70000000000000} {
		values = append(values, time.UnixMilli(ms).UTC())
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		values = append(values, time.UnixMilli(rng.Int64N(2e14)-1e14))
	}
	for _, v := range values {
		want, err := conv.FromConnect(nil, "t", connect.Headers{}, nil, v)
		require.NoError(t, err, "%v", v)
		require.Equal(t, string(want), string(AppendValue(nil, v)), "%#v", v)
	}
}

func TestAppendValueAllocations(t *testing.T) {
	buf := make([]byte, 0, 256)
	for _, v := range []any{"string", []byte("bytes"), int64(5), 1.5, true, time.Unix(1e9, 0)} {
		allocs := testing.AllocsPerRun(100, func() { buf = AppendValue(buf[:0], v) })
		require.Zero(t, allocs, "%T", v)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	task := Plugin().New().NewTask()
	err := task.Start(ctx, map[string]string{"file": filepath.Join(dir, "no", "such", "dir", "out.txt")}, nil)
	require.ErrorContains(t, err, "Couldn't find or create file")
	require.ErrorContains(t, err, "no/such/dir")
	require.NoError(t, task.Stop(ctx), "Stop of a task that did not start")

	err = Plugin().New().Start(ctx, map[string]string{"file.fsync": "maybe"}, nil)
	require.ErrorContains(t, err, "FileStreamSink")
	require.ErrorContains(t, err, "file.fsync")

	_, err = Plugin().New().TaskConfigs(1)
	require.Error(t, err)

	// Write errors are not swallowed (Kafka's PrintStream swallows them).
	out := &recordingWriter{fail: errors.New("disk full")}
	task = start(t, nil, Stdout(out), BufferSize(16))
	err = task.Put(ctx, stringRecords("a", strings.Repeat("long", 10)))
	require.ErrorContains(t, err, "disk full")
	require.ErrorContains(t, err, "FileStreamSink: writing to standard output")
	require.ErrorContains(t, task.Put(ctx, []connect.Record{{Value: int32(1)}}), "disk full")
	require.ErrorContains(t, task.Stop(ctx), "disk full")
}

func TestConnector(t *testing.T) {
	p := Plugin()
	require.Equal(t, connect.SinkPlugin, p.Kind)
	require.Equal(t, []string{"FileStreamSink", "FileStreamSinkConnector", Class}, p.Names())
	var keys []string
	for _, k := range p.Config.Keys() {
		keys = append(keys, k.Name)
	}
	require.Equal(t, []string{"file", "file.fsync"}, keys)

	conn := NewSink(SinkConfig{File: "typed.txt", Fsync: true})
	require.NoError(t, conn.Start(context.Background(), map[string]string{"file": "override.txt", "topics": "a,b"}, nil))
	configs, err := conn.TaskConfigs(2)
	require.NoError(t, err)
	want := map[string]string{"file": "override.txt", "file.fsync": "true", "topics": "a,b"}
	require.Equal(t, []map[string]string{want, want}, configs)
	configs[0]["file"] = "changed"
	require.Equal(t, "override.txt", configs[1]["file"], "each task gets its own map")
	configs, err = conn.TaskConfigs(0)
	require.NoError(t, err)
	require.Empty(t, configs)
	require.NoError(t, conn.Stop(context.Background()))
	require.Equal(t, map[string]string{}, SinkConfig{}.Map())
}

func TestTypedTaskWithoutConfig(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "out.txt")
	task := NewSink(SinkConfig{File: path}).NewTask()
	require.NoError(t, task.Start(ctx, nil, nil))
	require.NoError(t, task.Put(ctx, stringRecords("x")))
	require.NoError(t, task.Stop(ctx))
	require.Equal(t, "x\n", readFile(t, path))
}

func TestLongValues(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "out.txt")
	task := start(t, map[string]string{"file": path}, BufferSize(64))
	long := strings.Repeat("0123456789", 1000)
	require.NoError(t, task.Put(ctx, []connect.Record{{Value: "a"}, {Value: long}, {Value: []any{long}}, {Value: "z"}}))
	require.NoError(t, task.Stop(ctx))
	require.Equal(t, "a\n"+long+"\n["+long+"]\nz\n", readFile(t, path))
	var buf bytes.Buffer
	buf.WriteString(readFile(t, path))
	require.Equal(t, 4, bytes.Count(buf.Bytes(), []byte("\n")))
}

// The connector keeps no offsets of its own, so it has handled any change
// of its consumer offsets, as Kafka's FileStreamSinkConnector answers.
func TestAlterOffsetsHandled(t *testing.T) {
	alterer, ok := Plugin().New().(sink.OffsetAlterer)
	if !ok {
		t.Fatal("the connector is not a sink.OffsetAlterer")
	}
	handled, err := alterer.AlterOffsets(context.Background(), map[string]string{"topics": "t"},
		[]sink.OffsetChange{{TopicPartition: sink.TopicPartition{Topic: "t"}, Offset: 4}, {TopicPartition: sink.TopicPartition{Topic: "t", Partition: 1}, Reset: true}})
	if err != nil || !handled {
		t.Fatalf("AlterOffsets = %v, %v; want true, nil", handled, err)
	}
}
