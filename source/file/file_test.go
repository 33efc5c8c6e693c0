package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/stringconv"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/source"
	"github.com/stretchr/testify/require"
)

var testTime = time.Date(2024, 3, 15, 12, 0, 0, 0, time.UTC)

// testOpts make tests fast: Poll gives up after 30ms without data and checks
// the file every 2ms.
var testOpts = []Option{PollInterval(2 * time.Millisecond), withMaxWait(30 * time.Millisecond),
	withClock(func() time.Time { return testTime })}

// offsets is a fake OffsetReader holding committed offsets.
type offsets struct {
	m   map[string]connect.Offset // by partition JSON
	err error
}

func (o *offsets) Offset(_ context.Context, p connect.SourcePartition) (connect.Offset, error) {
	return o.m[p.String()], o.err
}

func (o *offsets) Offsets(ctx context.Context, ps []connect.SourcePartition) (map[connect.SourcePartition]connect.Offset, error) {
	out := map[connect.SourcePartition]connect.Offset{}
	for _, p := range ps {
		if off, ok := o.m[p.String()]; ok {
			out[p] = off
		}
	}
	return out, o.err
}

// taskContext is a fake source.TaskContext.
type taskContext struct {
	config  map[string]string
	offsets *offsets
	log     *slog.Logger
}

func (c *taskContext) Config() map[string]string              { return c.config }
func (c *taskContext) Offsets() source.OffsetReader           { return c.offsets }
func (c *taskContext) Transaction() source.TransactionContext { return nil }
func (c *taskContext) Logger() *slog.Logger                   { return c.log }

// logging returns tc (nil: one without committed offsets) with a logger
// that writes text to w.
func logging(tc source.TaskContext, w io.Writer) source.TaskContext {
	c, _ := tc.(*taskContext)
	if c == nil {
		c = &taskContext{offsets: &offsets{}}
	}
	c.log = newTextLogger(w)
	return c
}
func committed(path string, off connect.Offset) source.TaskContext {
	return committedAt(path, off, nil)
}

func committedAt(path string, off connect.Offset, err error) source.TaskContext {
	return &taskContext{offsets: &offsets{
		m:   map[string]connect.Offset{connect.NewSourcePartition("filename", path).String(): off},
		err: err,
	}}
}

// start runs the connector as a runtime would and starts its task.
func start(t *testing.T, config map[string]string, tc source.TaskContext, opts ...Option) source.Task {
	t.Helper()
	ctx := context.Background()
	conn := Plugin(append(append([]Option{}, testOpts...), opts...)...).New()
	require.NoError(t, conn.Start(ctx, config, nil))
	configs, err := conn.TaskConfigs(4)
	require.NoError(t, err)
	require.Len(t, configs, 1)
	task := conn.NewTask()
	require.NoError(t, task.Start(ctx, configs[0], tc))
	t.Cleanup(func() { require.NoError(t, task.Stop(ctx)) })
	return task
}

func fileConfig(path string) map[string]string {
	return map[string]string{"name": "src", "connector.class": "FileStreamSource", "file": path, "topic": "lines"}
}

// line is what a test checks of a record: its value and position.
type line struct {
	value string
	pos   int64
}

func lines(t *testing.T, recs []connect.Record) []line {
	t.Helper()
	out := make([]line, 0, len(recs))
	for _, r := range recs {
		pos, ok := r.SourceOffset.Int64("position")
		require.True(t, ok, "offset %s", r.SourceOffset)
		out = append(out, line{r.Value.(string), pos})
	}
	return out
}

// poll polls once, with a deadline well above the task's own wait.
func poll(t *testing.T, task source.Task) []connect.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	recs, err := task.Poll(ctx)
	require.NoError(t, err)
	return recs
}

// pollLines polls until n lines have come (or a poll returns none).
func pollLines(t *testing.T, task source.Task, n int) []line {
	t.Helper()
	var out []line
	for len(out) < n {
		recs := poll(t, task)
		if len(recs) == 0 {
			break
		}
		out = append(out, lines(t, recs)...)
	}
	return out
}

func write(t *testing.T, path, data string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(data), 0o644))
}

func appendTo(t *testing.T, path, data string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	_, err = f.WriteString(data)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

func TestRecordsAsKafkaMakesThem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	write(t, path, "alpha\nbeta\n\ngamma\n")
	task := start(t, fileConfig(path), nil)

	recs := poll(t, task)
	require.Len(t, recs, 4)
	wantPartition := `{"filename":` + string(mustJSON(t, path)) + `}`
	for _, r := range recs {
		require.Equal(t, "lines", r.Topic)
		require.Nil(t, r.KeySchema)
		require.Nil(t, r.Key)
		require.Same(t, connect.StringSchema, r.ValueSchema)
		require.Equal(t, testTime, r.Timestamp)
		require.Equal(t, 0, r.Headers.Len())
		_, hasPartition := r.Partition()
		require.False(t, hasPartition)
		require.Equal(t, wantPartition, r.SourcePartition.String())
		require.True(t, r.SourcePartition.Equal(recs[0].SourcePartition))
	}
	// Kafka's FileStreamSourceTask.extractLine adds newStart (the index just
	// past the terminator) to streamOffset before poll builds the record with
	// offsetValue(streamOffset): each offset is the position just after the
	// line's terminator.
	require.Equal(t, []line{{"alpha", 6}, {"beta", 11}, {"", 12}, {"gamma", 18}}, lines(t, recs))
	require.Equal(t, `{"position":6}`, recs[0].SourceOffset.String())
	require.Empty(t, poll(t, task))
}

func mustJSON(t *testing.T, s string) []byte {
	b, err := connect.AppendJSON(nil, s)
	require.NoError(t, err)
	return b
}

// TestTerminators feeds the file in pieces, polling after each, and checks
// the lines and positions against what FileStreamSourceTask.extractLine
// does: the first '\n' or '\r' ends a line; "\r\n" is one terminator (its
// newStart is i+2); a '\r' that is the last character read returns null
// until the next character is there.
func TestTerminators(t *testing.T) {
	tests := []struct {
		name   string
		pieces []string
		want   [][]line // after each piece
	}{
		{"lf", []string{"a\nbb\n"}, [][]line{{{"a", 2}, {"bb", 5}}}},
		{"crlf", []string{"ab\r\ncd\r\n"}, [][]line{{{"ab", 4}, {"cd", 8}}}},
		{"lone cr", []string{"ab\rcd\r\r\n"}, [][]line{{{"ab", 3}, {"cd", 6}, {"", 8}}}},
		{"lf cr", []string{"a\n\rb\n"}, [][]line{{{"a", 2}, {"", 3}, {"b", 5}}}},
		{"cr at end waits for lf", []string{"ab\r", "\nc\n"}, [][]line{nil, {{"ab", 4}, {"c", 6}}}},
		{"cr at end waits for more", []string{"ab\r", "c\n"}, [][]line{nil, {{"ab", 3}, {"c", 5}}}},
		{"partial line", []string{"abc", "de", "f\ng"}, [][]line{nil, nil, {{"abcdef", 7}}}},
		{"empty lines", []string{"\n\n\r\n"}, [][]line{{{"", 1}, {"", 2}, {"", 4}}}},
		{"utf-8 counts bytes", []string{"héllo\n€\n"}, [][]line{{{"héllo", 7}, {"€", 11}}}},
		{"empty file", []string{"", "x\n"}, [][]line{nil, {{"x", 2}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "in.txt")
			write(t, path, "")
			task := start(t, fileConfig(path), nil)
			for i, piece := range tt.pieces {
				appendTo(t, path, piece)
				var got []line
				for {
					recs := poll(t, task)
					if len(recs) == 0 {
						break
					}
					got = append(got, lines(t, recs)...)
				}
				require.Equal(t, tt.want[i], got, "after piece %d", i)
			}
		})
	}
}

func TestBatchSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	write(t, path, "1\n2\n3\n4\n5\n")
	cfg := fileConfig(path)
	cfg["batch.size"] = "2"
	task := start(t, cfg, nil)
	require.Len(t, poll(t, task), 2)
	require.Len(t, poll(t, task), 2)
	require.Equal(t, []line{{"5", 10}}, lines(t, poll(t, task)))
}

func TestResume(t *testing.T) {
	content := "one\ntwo\nthree\n"
	tests := []struct {
		name string
		off  connect.Offset
		want []line
	}{
		{"no offset", connect.Offset{}, []line{{"one", 4}, {"two", 8}, {"three", 14}}},
		{"after a line", connect.Int64Offset("position", 8), []line{{"three", 14}}},
		{"int32 position", connect.NewOffset("position", int32(4)), []line{{"two", 8}, {"three", 14}}},
		{"at the end", connect.Int64Offset("position", 14), nil},
		{"null position", connect.NewOffset("position", nil), []line{{"one", 4}, {"two", 8}, {"three", 14}}},
		{"no position key", connect.NewOffset("other", int64(8)), []line{{"one", 4}, {"two", 8}, {"three", 14}}},
		// Mid-line, as a Kafka offset counted in UTF-16 characters can be:
		// the rest of the line is a line, as Kafka's skip() gives too.
		{"mid line", connect.Int64Offset("position", 6), []line{{"o", 8}, {"three", 14}}},
		{"beyond the end: truncated", connect.Int64Offset("position", 100), []line{{"one", 4}, {"two", 8}, {"three", 14}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "in.txt")
			write(t, path, content)
			task := start(t, fileConfig(path), committed(path, tt.off))
			require.Equal(t, tt.want, pollLines(t, task, 3))
		})
	}
}

func TestResumeErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	write(t, path, "x\n")
	tests := []struct {
		name string
		tc   source.TaskContext
		msg  string
	}{
		{"string position", committed(path, connect.StringOffset("position", "5")), "Offset position is the incorrect type"},
		{"float position", committed(path, connect.NewOffset("position", 5.0)), "Offset position is the incorrect type"},
		{"negative position", committed(path, connect.Int64Offset("position", -1)), "negative"},
		{"reader fails", committedAt(path, connect.Offset{}, errors.New("store down")), "store down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := NewSource(SourceConfig{File: path, Topic: "t"}, testOpts...)
			require.NoError(t, conn.Start(context.Background(), nil, nil))
			task := conn.NewTask()
			err := task.Start(context.Background(), nil, tt.tc)
			require.ErrorContains(t, err, tt.msg)
			require.ErrorContains(t, err, "FileStreamSource")
		})
	}
}

func TestTruncation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	write(t, path, "first line\nsecond line\n")
	task := start(t, fileConfig(path), nil)
	require.Len(t, pollLines(t, task, 2), 2)

	write(t, path, "new\n") // truncates and writes less than was read
	require.Equal(t, []line{{"new", 4}}, pollLines(t, task, 1))
	appendTo(t, path, "more\n")
	require.Equal(t, []line{{"more", 9}}, pollLines(t, task, 1))
}

func TestTruncationWithPartialLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	write(t, path, "first line\nhalf a li")
	task := start(t, fileConfig(path), nil)
	require.Equal(t, []line{{"first line", 11}}, pollLines(t, task, 2))

	write(t, path, "x\n")
	// The unterminated line of the old content is not lost; it carries
	// position 0: the start of the file as it now is.
	require.Equal(t, []line{{"half a li", 0}, {"x", 2}}, pollLines(t, task, 2))
}

func TestRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	write(t, path, "1\n2\n")
	task := start(t, fileConfig(path), nil)
	require.Equal(t, []line{{"1", 2}, {"2", 4}}, pollLines(t, task, 2))

	// logrotate: rename, the writer adds to the old file before it reopens,
	// then writes to a new file.
	require.NoError(t, os.Rename(path, path+".1"))
	appendTo(t, path+".1", "3\nunterminated")
	write(t, path, "4\n")

	// The old file is read to its end first. Lines read from it once the
	// rotation is noticed (at its end) carry position 0, the start of the
	// file the path now names.
	require.Equal(t, []line{{"3", 6}, {"unterminated", 0}, {"4", 2}}, pollLines(t, task, 3))
	appendTo(t, path, "5\n")
	require.Equal(t, []line{{"5", 4}}, pollLines(t, task, 1))
	appendTo(t, path+".1", "late\n") // after the switch: not read
	require.Empty(t, poll(t, task))
}

func TestDeletedFileIsFollowedUntilReplaced(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	write(t, path, "1\n")
	task := start(t, fileConfig(path), nil)
	require.Len(t, pollLines(t, task, 1), 1)

	// Keep a handle to append to the file after its name is gone.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, os.Remove(path))
	_, err = f.WriteString("2\n")
	require.NoError(t, err)
	require.Equal(t, []line{{"2", 4}}, pollLines(t, task, 1))

	write(t, path, "3\n")
	require.Equal(t, []line{{"3", 2}}, pollLines(t, task, 1))
}

func TestMissingFileIsWaitedFor(t *testing.T) {
	path := filepath.Join(t.TempDir(), "later.txt")
	var logs bytes.Buffer
	task := start(t, fileConfig(path), logging(nil, &logs))
	require.Empty(t, poll(t, task))
	require.Empty(t, poll(t, task))
	require.Equal(t, 1, strings.Count(logs.String(), "file not found"), logs.String())
	write(t, path, "here\n")
	require.Equal(t, []line{{"here", 5}}, pollLines(t, task, 1))
}

func TestLongLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	huge := strings.Repeat("x", 3*readSize+17) // the buffer grows twice
	write(t, path, "a\n"+huge+"\nb\n")
	task := start(t, fileConfig(path), nil)
	got := pollLines(t, task, 3)
	require.Len(t, got, 3)
	require.Equal(t, line{"a", 2}, got[0])
	require.Equal(t, huge, got[1].value)
	require.Equal(t, int64(2+len(huge)+1), got[1].pos)
	require.Equal(t, line{"b", int64(2 + len(huge) + 3)}, got[2])
}

func TestLineTooLong(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	write(t, path, "ok\n"+strings.Repeat("y", 5000)+"\n")
	task := start(t, fileConfig(path), nil, MaxLineBytes(1000))
	// The line before is delivered; the next poll fails, and keeps failing.
	require.Equal(t, []line{{"ok", 3}}, lines(t, poll(t, task)))
	for range 2 {
		_, err := task.Poll(context.Background())
		require.ErrorContains(t, err, path)
		require.ErrorContains(t, err, "starting at byte 3 is longer than 1000 bytes")
	}
}

func TestLineAtMaxLength(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	long := strings.Repeat("z", 1000)
	write(t, path, long+"\r\n")
	task := start(t, fileConfig(path), nil, MaxLineBytes(1000))
	require.Equal(t, []line{{long, 1002}}, pollLines(t, task, 1))
}

func TestCancelDuringPoll(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	write(t, path, "")
	pr, pw := io.Pipe() // a standard input that never delivers
	defer pw.Close()
	tests := []struct {
		name   string
		config map[string]string
	}{
		{"file at its end", fileConfig(path)},
		{"missing file", fileConfig(path + ".missing")},
		{"standard input", map[string]string{"topic": "lines"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Kafka's one-second wait, and a long poll interval: only the
			// cancellation can end this Poll early.
			task := start(t, tt.config, nil, PollInterval(time.Hour), withMaxWait(time.Hour), Stdin(pr))
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			begin := time.Now()
			recs, err := task.Poll(ctx)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.Empty(t, recs)
			require.Less(t, time.Since(begin), time.Second)
		})
	}
}

func TestStandardInput(t *testing.T) {
	for _, tt := range []struct {
		name      string
		config    map[string]string
		partition string
	}{
		{"file unset", map[string]string{"topic": "lines"}, `{"filename":null}`},
		{"file empty", map[string]string{"topic": "lines", "file": " "}, `{"filename":""}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// A long wait: Poll returns as soon as the pump delivers.
			task := start(t, tt.config, committed("", connect.Int64Offset("position", 3)),
				Stdin(strings.NewReader("a\r\nb\nlast, unterminated")), withMaxWait(time.Minute))
			recs := poll(t, task)
			for len(recs) < 3 {
				more := poll(t, task)
				require.NotEmpty(t, more)
				recs = append(recs, more...)
			}
			var values []any
			for _, r := range recs {
				values = append(values, r.Value)
				require.Equal(t, tt.partition, r.SourcePartition.String())
				require.Equal(t, `{"position":null}`, r.SourceOffset.String())
			}
			// The committed offset is ignored, and the input's last line is
			// emitted when it ends.
			require.Equal(t, []any{"a", "b", "last, unterminated"}, values)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			recs, err := task.Poll(ctx)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.Empty(t, recs)
		})
	}
}

type failingReader struct{ data string }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, errors.New("device gone")
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestStandardInputError(t *testing.T) {
	task := start(t, map[string]string{"topic": "lines"}, nil, Stdin(&failingReader{data: "a\nb\n"}))
	var got []any
	for {
		recs, err := task.Poll(context.Background())
		for _, r := range recs {
			got = append(got, r.Value)
		}
		if err != nil {
			require.ErrorContains(t, err, "device gone")
			require.ErrorContains(t, err, "standard input")
			break
		}
	}
	require.Equal(t, []any{"a", "b"}, got)
}

func TestFIFO(t *testing.T) {
	// A named pipe is read through the pump, with positions tracked.
	path := filepath.Join(t.TempDir(), "fifo")
	if err := mkfifo(path); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		_, _ = f.WriteString("p\nq\n")
		f.Close()
	}()
	task := start(t, fileConfig(path), nil, withMaxWait(time.Minute))
	require.Equal(t, []line{{"p", 2}, {"q", 4}}, pollLines(t, task, 2))
}

func TestInvalidUTF8(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	write(t, path, "ok\nbad \xff\xfe end\n\xe2\x82\nsurrogate \xed\xa0\x80\n")
	task := start(t, fileConfig(path), nil)
	require.Equal(t, []line{
		{"ok", 3},
		{"bad \uFFFD\uFFFD end", 14},
		{"\uFFFD", 17},
		{"surrogate \uFFFD", 31},
	}, pollLines(t, task, 4))
}

// TestJavaUTF8 checks the decoding against stringconv.DecodeUTF8, which
// reproduces the JDK's new String(bytes, UTF_8), on every short sequence of
// interesting bytes and on random data.
func TestJavaUTF8(t *testing.T) {
	alphabet := []byte{'a', 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xf8, 0xff}
	var check func(prefix []byte, depth int)
	n := 0
	check = func(prefix []byte, depth int) {
		if len(prefix) > 0 {
			n++
			want := stringconv.DecodeUTF8(prefix)
			got := string(prefix)
			if !utf8.Valid(prefix) {
				got = javaUTF8(string(prefix))
			}
			if got != want {
				t.Fatalf("% x: got %q, want %q", prefix, got, want)
			}
		}
		if depth == 0 {
			return
		}
		for _, b := range alphabet {
			check(append(prefix, b), depth-1)
		}
	}
	check(nil, 4)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		if !utf8.Valid(b) {
			require.Equal(t, stringconv.DecodeUTF8(b), javaUTF8(string(b)), "% x", b)
		}
	}
	require.Greater(t, n, 250000)
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name   string
		config map[string]string
		msg    string
	}{
		{"no topic", map[string]string{"file": "x"}, `Missing required configuration "topic"`},
		{"empty topic", map[string]string{"file": "x", "topic": " "}, "String must be non-empty"},
		{"topic list", map[string]string{"file": "x", "topic": "a,b"}, "should only have a single topic"},
		{"bad batch size", map[string]string{"file": "x", "topic": "a", "batch.size": "many"}, "batch.size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Plugin().New().Start(context.Background(), tt.config, nil)
			require.ErrorContains(t, err, tt.msg)
			require.ErrorContains(t, err, "FileStreamSource")
			require.Error(t, (&task{opts: buildOptions(nil)}).Start(context.Background(), tt.config, nil))
		})
	}
}

func TestTypedConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	write(t, path, "1\n2\n3\n")
	conn := NewSource(SourceConfig{File: path, Topic: "typed", BatchSize: 2}, testOpts...)
	ctx := context.Background()
	// The runtime's map is laid over the typed config.
	require.NoError(t, conn.Start(ctx, map[string]string{"name": "n", "batch.size": "1"}, nil))
	configs, err := conn.TaskConfigs(1)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"name": "n", "file": path, "topic": "typed", "batch.size": "1"}, configs[0])
	task := conn.NewTask()
	require.NoError(t, task.Start(ctx, configs[0], nil))
	defer task.Stop(ctx)
	recs := poll(t, task)
	require.Len(t, recs, 1)
	require.Equal(t, "typed", recs[0].Topic)

	// A task started with no config at all uses the typed one.
	task2 := conn.NewTask()
	require.NoError(t, task2.Start(ctx, nil, nil))
	defer task2.Stop(ctx)
	require.Len(t, poll(t, task2), 2)

	require.Equal(t, map[string]string{"topic": "t"}, SourceConfig{Topic: "t"}.Map())
}

func TestConnector(t *testing.T) {
	p := Plugin()
	require.Equal(t, connect.SourcePlugin, p.Kind)
	require.Equal(t, []string{"FileStreamSource", "FileStreamSourceConnector", Class}, p.Names())
	require.Equal(t, []string{"file", "topic", "batch.size"}, keyNames(p.Config))
	k, _ := p.Config.Key("batch.size")
	require.Equal(t, 2000, k.Default)

	conn := p.New()
	_, err := conn.TaskConfigs(1)
	require.Error(t, err, "before Start")
	require.NoError(t, conn.Start(context.Background(), map[string]string{"file": "f", "topic": "t"}, nil))
	configs, err := conn.TaskConfigs(0)
	require.NoError(t, err)
	require.Empty(t, configs)
	require.NoError(t, conn.Stop(context.Background()))

	eos := conn.(source.ExactlyOnceConnector)
	require.Equal(t, source.ExactlyOnceSupported, eos.ExactlyOnceSupport(map[string]string{"file": "f", "topic": "t"}))
	require.Equal(t, source.ExactlyOnceUnsupported, eos.ExactlyOnceSupport(map[string]string{"topic": "t"}))
	require.Equal(t, source.ExactlyOnceUnsupported, eos.ExactlyOnceSupport(map[string]string{"file": "f"}))
}

func keyNames(d *connect.ConfigDef) []string {
	var out []string
	for _, k := range d.Keys() {
		out = append(out, k.Name)
	}
	return out
}

func TestAlterOffsets(t *testing.T) {
	conn := Plugin().New().(source.OffsetAlterer)
	cfg := map[string]string{"file": "f", "topic": "t"}
	part := connect.NewSourcePartition("filename", "f")
	tests := []struct {
		name    string
		config  map[string]string
		changes []source.OffsetChange
		msg     string
	}{
		{"valid", cfg, []source.OffsetChange{{Partition: part, Offset: connect.Int64Offset("position", 10)}}, ""},
		{"reset", cfg, []source.OffsetChange{{Partition: connect.NewSourcePartition("x", 1)}}, ""},
		{"stdin", map[string]string{"topic": "t"}, nil, "Offsets cannot be modified if the 'file' configuration is unspecified"},
		{"no position", cfg, []source.OffsetChange{{Partition: part, Offset: connect.Int64Offset("pos", 1)}}, "contain the key 'position'"},
		{"null position", cfg, []source.OffsetChange{{Partition: part, Offset: connect.NewOffset("position", nil)}}, "expected to be a Long value"},
		{"string position", cfg, []source.OffsetChange{{Partition: part, Offset: connect.StringOffset("position", "1")}}, "expected to be a Long value"},
		{"negative", cfg, []source.OffsetChange{{Partition: part, Offset: connect.Int64Offset("position", -1)}}, "non-negative"},
		{"null partition", cfg, []source.OffsetChange{{Offset: connect.Int64Offset("position", 1)}}, "Partition objects cannot be null"},
		{"no filename", cfg, []source.OffsetChange{{Partition: connect.NewSourcePartition("file", "f"), Offset: connect.Int64Offset("position", 1)}}, "contain the key 'filename'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := conn.AlterOffsets(context.Background(), tt.config, tt.changes)
			if tt.msg == "" {
				require.NoError(t, err)
				require.True(t, ok)
				return
			}
			require.ErrorContains(t, err, tt.msg)
		})
	}
}

func TestPollBeforeStartAndStopTwice(t *testing.T) {
	task := Plugin().New().NewTask()
	_, err := task.Poll(context.Background())
	require.Error(t, err)
	require.NoError(t, task.Stop(context.Background()))
	require.NoError(t, task.Stop(context.Background()))
}

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// lastOffset returns the source offset of the last of recs.
func lastOffset(t *testing.T, recs []connect.Record) connect.Offset {
	t.Helper()
	require.NotEmpty(t, recs)
	return recs[len(recs)-1].SourceOffset
}

// TestCopytruncate rotates the file as logrotate's copytruncate does: the
// file is copied away and truncated in place, and its writer goes on, so
// that by the time the task reads again the file is longer than the
// position it had read to. The size cannot tell; the first bytes can.
func TestCopytruncate(t *testing.T) {
	for _, tt := range []struct {
		name  string
		batch string
		old   []line // what the task has returned before the truncation
		rest  []line // lines of the old file it still holds
	}{
		{"at the end of the file", "2000", []line{{"old one", 8}, {"old two", 16}}, nil},
		// The task was not at the end, so no end-of-file check ran.
		{"in the middle of the file", "1", []line{{"old one", 8}}, []line{{"old two", 16}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "app.log")
			write(t, path, "old one\nold two\n")
			cfg := fileConfig(path)
			cfg["batch.size"] = tt.batch
			var logs bytes.Buffer
			task := start(t, cfg, logging(nil, &logs))
			require.Equal(t, tt.old, lines(t, poll(t, task)))

			// Truncated in place (the same file) and written again, past
			// the 16 bytes read.
			write(t, path, "new first\nnew second\nnew third\n")
			want := append(tt.rest, line{"new first", 10}, line{"new second", 21}, line{"new third", 31})
			require.Equal(t, want, pollLines(t, task, len(want)))
			require.Contains(t, logs.String(), "the file was truncated and written again")
			require.Contains(t, logs.String(), "file="+path)
			require.Contains(t, logs.String(), "position=16")

			appendTo(t, path, "appended\n")
			require.Equal(t, []line{{"appended", 40}}, pollLines(t, task, 1))
			require.Empty(t, poll(t, task))
		})
	}
}

// TestOffsetFingerprint checks the offsets' shape: the last record of each
// poll also carries the fingerprint of the file's first bytes, which grows
// with the file up to headSize; the others are Kafka's {"position": n}.
func TestOffsetFingerprint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	write(t, path, "a\nbb\n")
	task := start(t, fileConfig(path), nil)
	recs := poll(t, task)
	require.Len(t, recs, 2)
	require.Equal(t, `{"position":2}`, recs[0].SourceOffset.String())
	want := fingerprintOf([]byte("a\nbb\n"))
	require.Equal(t, `{"head.hash":"`+want.hash+`","tail.bytes":5,"tail.hash":"`+want.hash+`","position":5,"head.bytes":5}`, recs[1].SourceOffset.String())
	require.Equal(t, connect.NewOffset("position", int64(5), "head.bytes", int64(5), "head.hash", want.hash,
		"tail.bytes", int64(5), "tail.hash", want.hash), recs[1].SourceOffset)

	// The fingerprint covers more of the file as it grows, up to 1 KiB.
	long := strings.Repeat("x", 2000) + "\n"
	appendTo(t, path, long)
	recs = poll(t, task)
	require.Len(t, recs, 1)
	off := lastOffset(t, recs)
	n, _ := off.Int64("head.bytes")
	require.Equal(t, int64(headSize), n)
	hash, _ := off.Get("head.hash")
	require.Equal(t, fingerprintOf([]byte("a\nbb\n"+long[:headSize-5])).hash, hash)
	pos, _ := off.Int64("position")
	require.Equal(t, int64(5+len(long)), pos)

	// The unterminated line of a truncated file has position 0: no
	// fingerprint.
	appendTo(t, path, "partial")
	require.Empty(t, poll(t, task))
	write(t, path, "")
	recs = poll(t, task)
	require.Equal(t, []line{{"partial", 0}}, lines(t, recs))
	require.Equal(t, `{"position":0}`, recs[0].SourceOffset.String())

	// Standard input has Kafka's {"position": null} only.
	stdin := start(t, map[string]string{"topic": "lines"}, nil, Stdin(strings.NewReader("s\n")), withMaxWait(time.Minute))
	recs = poll(t, stdin)
	require.Equal(t, `{"position":null}`, lastOffset(t, recs).String())
}

// TestResumeChecksFingerprint restarts a task from the offset its
// predecessor committed (the last record of its poll, as a clean stop
// commits), after the file changed while no task ran. The offset goes
// through the File offset store, as JSON.
func TestResumeChecksFingerprint(t *testing.T) {
	const first = "alpha\nbeta\n" // 11 bytes
	tests := []struct {
		name     string
		change   func(t *testing.T, path string)
		replaced bool // read from the start
		want     []line
	}{
		{"appended to", func(t *testing.T, path string) { appendTo(t, path, "gamma\n") }, false, []line{{"gamma", 17}}},
		{"appended to past the fingerprinted bytes", func(t *testing.T, path string) {
			appendTo(t, path, strings.Repeat("g", 2000)+"\n")
		}, false, []line{{strings.Repeat("g", 2000), 2012}}},
		{"replaced by a longer file", func(t *testing.T, path string) {
			require.NoError(t, os.Rename(path, path+".1"))
			write(t, path, "one\ntwo\nthree\nfour\n")
		}, true, []line{{"one", 4}, {"two", 8}, {"three", 14}, {"four", 19}}},
		{"truncated and written again past the position", func(t *testing.T, path string) {
			write(t, path, "ALPHA\nBETA\nGAMMA\n")
		}, true, []line{{"ALPHA", 6}, {"BETA", 11}, {"GAMMA", 17}}},
		{"truncated", func(t *testing.T, path string) { write(t, path, "x\n") }, true, []line{{"x", 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "app.log")
			write(t, path, first)
			task := start(t, fileConfig(path), nil)
			recs := poll(t, task)
			require.Equal(t, []line{{"alpha", 6}, {"beta", 11}}, lines(t, recs))
			require.NoError(t, task.Stop(context.Background()))

			store, err := offset.OpenFile(filepath.Join(dir, "offsets.json"))
			require.NoError(t, err)
			part := recs[1].SourcePartition
			require.NoError(t, store.Put(context.Background(), "src", []offset.Entry{{Partition: part, Offset: lastOffset(t, recs)}}))
			require.NoError(t, store.Close())
			store, err = offset.OpenFile(filepath.Join(dir, "offsets.json"))
			require.NoError(t, err)
			got, err := store.Get(context.Background(), "src", []connect.SourcePartition{part})
			require.NoError(t, err)
			require.NoError(t, store.Close())
			off := got[part]
			require.True(t, off.Equal(lastOffset(t, recs)), "read back %s", off)

			tt.change(t, path)
			var logs bytes.Buffer
			task = start(t, fileConfig(path), logging(committed(path, off), &logs))
			require.Equal(t, tt.want, pollLines(t, task, len(tt.want)))
			require.Empty(t, poll(t, task))
			if tt.replaced {
				require.Contains(t, logs.String(), "reading it from the start")
				require.Contains(t, logs.String(), "position=11")
				require.Contains(t, logs.String(), "file="+path)
			} else {
				require.NotContains(t, logs.String(), "level=WARN")
			}
		})
	}
}

// TestResumeFromKafkaOffset resumes from offsets without a fingerprint, as
// Kafka's task writes them (or as they are altered through the runtime):
// at their position, as Kafka does, whatever the file's first bytes are.
// The running task then takes the fingerprint from the file as it finds it,
// and notices a copytruncate from then on.
func TestResumeFromKafkaOffset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	write(t, path, "ALPHA\nBETA\nGAMMA\n")
	var logs bytes.Buffer
	task := start(t, fileConfig(path), logging(committed(path, connect.Int64Offset("position", 11)), &logs))
	recs := poll(t, task)
	require.Equal(t, []line{{"GAMMA", 17}}, lines(t, recs))
	require.Equal(t, connect.NewOffset("position", int64(17), "head.bytes", int64(17), "head.hash", fingerprintOf([]byte("ALPHA\nBETA\nGAMMA\n")).hash,
		"tail.bytes", int64(6), "tail.hash", fingerprintOf([]byte("GAMMA\n")).hash), recs[0].SourceOffset)
	require.NotContains(t, logs.String(), "level=WARN")

	write(t, path, "rotated one\nrotated two\n")
	require.Equal(t, []line{{"rotated one", 12}, {"rotated two", 24}}, pollLines(t, task, 2))
}

func TestMalformedFingerprint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	write(t, path, "one\ntwo\n")
	for _, off := range []connect.Offset{
		connect.NewOffset("position", int64(4), "head.bytes", "4", "head.hash", "0123456789abcdef"),
		connect.NewOffset("position", int64(4), "head.bytes", int64(4)),
		connect.NewOffset("position", int64(4), "head.hash", "0123456789abcdef"),
		connect.NewOffset("position", int64(4), "head.bytes", int64(4), "head.hash", "short"),
		connect.NewOffset("position", int64(4), "head.bytes", int64(0), "head.hash", "0123456789abcdef"),
		connect.NewOffset("position", int64(4), "head.bytes", int64(headSize+1), "head.hash", "0123456789abcdef"),
	} {
		t.Run(off.String(), func(t *testing.T) {
			var logs bytes.Buffer
			task := start(t, fileConfig(path), logging(committed(path, off), &logs))
			// Resumed at the position, unchecked, with a warning.
			require.Equal(t, []line{{"two", 8}}, pollLines(t, task, 1))
			require.Contains(t, logs.String(), "fingerprint of the file's first bytes is malformed")
		})
	}
}

// TestAppendOnlyIsNotReread appends to the file in small pieces, across
// the fingerprinted first KiB, polling after each: every line comes once.
func TestAppendOnlyIsNotReread(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	write(t, path, "")
	var logs bytes.Buffer
	task := start(t, fileConfig(path), logging(nil, &logs))
	var pos int64
	for i := range 150 {
		l := fmt.Sprintf("line %03d", i)
		appendTo(t, path, l+"\n")
		pos += int64(len(l) + 1)
		require.Equal(t, []line{{l, pos}}, pollLines(t, task, 1))
	}
	require.Greater(t, pos, int64(headSize))
	require.Empty(t, poll(t, task))
	require.NotContains(t, logs.String(), "level=WARN")
}

// TestResumeChecksBytesBeforePosition resumes from a committed offset
// after the file was replaced by one with the same first bytes (a header
// longer than the head fingerprint covers): the bytes before the position
// tell it apart, and it is read from the start; the same file appended to
// is resumed at the position.
func TestResumeChecksBytesBeforePosition(t *testing.T) {
	header := "# " + strings.Repeat("h", 1200) + "\n"
	tests := []struct {
		name     string
		content  string // after the change
		replaced bool
	}{
		{"appended to", header + "alpha\nbeta\ngamma\n", false},
		{"replaced, same header", header + "ALPHA\nBETA\ngamma\n", true},
		{"replaced, same header and last line", header + "ALPHA\nbeta\ngamma\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "app.log")
			write(t, path, header+"alpha\nbeta\n")
			task := start(t, fileConfig(path), nil)
			recs := poll(t, task)
			require.Len(t, recs, 3)
			require.NoError(t, task.Stop(context.Background()))
			off := lastOffset(t, recs)

			write(t, path, tt.content)
			var logs bytes.Buffer
			task = start(t, fileConfig(path), logging(committed(path, off), &logs))
			if !tt.replaced {
				require.Equal(t, []line{{"gamma", int64(len(tt.content))}}, pollLines(t, task, 1))
				require.NotContains(t, logs.String(), "level=WARN")
				return
			}
			got := pollLines(t, task, 4)
			require.Equal(t, strings.TrimSuffix(header, "\n"), got[0].value)
			require.Contains(t, logs.String(), "the file's bytes before the committed position are not those the committed offset was read from")
		})
	}
}
