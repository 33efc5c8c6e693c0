package file_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/source/file"
)

// TestConformance runs the connecttest kit on the file source: each check
// tails a new file in a temporary directory, which Produce appends lines to.
func TestConformance(t *testing.T) {
	connecttest.Source(t, connecttest.SourceSpec{
		Plugin: file.Plugin(file.PollInterval(5 * time.Millisecond)),
		Config: func(t testing.TB) map[string]string {
			return file.SourceConfig{File: filepath.Join(t.TempDir(), "in.txt"), Topic: "lines"}.Map()
		},
		Produce: func(t testing.TB, cfg map[string]string, n int) {
			path := cfg[file.FileConfig]
			old, err := os.ReadFile(path)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			// Number the lines on from those already there, so every
			// line differs.
			var buf bytes.Buffer
			for i := bytes.Count(old, []byte("\n")); n > 0; i, n = i+1, n-1 {
				fmt.Fprintf(&buf, "line-%d\n", i)
			}
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.Write(buf.Bytes()); err != nil {
				t.Fatal(err)
			}
		},
		RequiredKeys: []string{file.TopicConfig},
	})
}
