package connecttest_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	sinkfile "github.com/kconnect-go/kconnect/sink/file"
	"github.com/kconnect-go/kconnect/source/file"
)

// A source connector's conformance test, here for the file source: each
// check tails a new file, which Produce appends numbered lines to. Call
// Source from a Test function (this example is compiled, not run).
func ExampleSource() {
	testFileSource := func(t *testing.T) {
		connecttest.Source(t, connecttest.SourceSpec{
			Plugin: file.Plugin(),
			Config: func(t testing.TB) map[string]string {
				return map[string]string{"file": filepath.Join(t.TempDir(), "in.txt"), "topic": "lines"}
			},
			Produce: func(t testing.TB, cfg map[string]string, n int) {
				f, err := os.OpenFile(cfg["file"], os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				for i := range n {
					fmt.Fprintf(f, "line %d\n", i) // one Produce per config: the lines differ
				}
			},
			RequiredKeys: []string{"topic"},
			Skip:         []string{"PromptStop"}, // checks that do not apply, if any
		})
	}
	_ = testFileSource
}

// A sink connector's conformance test, here for the file sink: ReadBack
// returns the lines of the file, which are the default records' values.
// Call Sink from a Test function (this example is compiled, not run).
func ExampleSink() {
	testFileSink := func(t *testing.T) {
		connecttest.Sink(t, connecttest.SinkSpec{
			Plugin: sinkfile.Plugin(),
			Config: func(t testing.TB) map[string]string {
				return map[string]string{"file": filepath.Join(t.TempDir(), "out.txt"), "topics": connecttest.DefaultTopic}
			},
			ReadBack: func(t testing.TB, cfg map[string]string) []any {
				b, err := os.ReadFile(cfg["file"])
				if err != nil {
					t.Fatal(err)
				}
				var lines []any
				for line := range strings.Lines(string(b)) {
					lines = append(lines, strings.TrimSuffix(line, "\n"))
				}
				return lines
			},
		})
	}
	_ = testFileSink
}

// Offsets fakes committed source offsets for a connector author's own
// tests: commit what a first task returned, then start a second task on
// them.
func ExampleOffsets() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "in.txt")
	_ = os.WriteFile(path, []byte("a\nb\nc\n"), 0o644)
	cfg := map[string]string{"file": path, "topic": "lines"}
	ctx := context.Background()

	offsets := connecttest.NewOffsets()
	poll := func() []connect.Record {
		task := file.Plugin().New().NewTask()
		if err := task.Start(ctx, cfg, connecttest.SourceTaskContext(cfg, offsets)); err != nil {
			panic(err)
		}
		defer task.Stop(ctx)
		recs, _ := task.Poll(ctx)
		return recs
	}
	first := poll()
	offsets.CommitRecords(first[:2]) // "a" and "b" are safely in Kafka
	_ = os.WriteFile(path, []byte("a\nb\nc\nd\n"), 0o644)
	for _, r := range poll() {
		pos, _ := r.SourceOffset.Int64("position")
		fmt.Println(r.Value, pos)
	}
	// Output:
	// c 6
	// d 8
}

// SinkTaskContext records what a sink task asks of the runtime.
func ExampleSinkTaskContext() {
	ctx := context.Background()
	var out bytes.Buffer
	task := sinkfile.NewSink(sinkfile.SinkConfig{}, sinkfile.Stdout(&out)).NewTask()
	tc := connecttest.NewSinkTaskContext(nil)
	if err := task.Start(ctx, nil, tc); err != nil {
		panic(err)
	}
	_ = task.Put(ctx, []connect.Record{{Value: "hello"}, {Value: int32(42)}})
	_ = task.Stop(ctx)
	fmt.Print(out.String())
	fmt.Println(len(tc.Reported()), "reported,", tc.CommitRequests(), "commit requests")
	// Output:
	// hello
	// 42
	// 0 reported, 0 commit requests
}
