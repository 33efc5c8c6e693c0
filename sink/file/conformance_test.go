package file_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/sink/file"
)

// TestConformance runs the connecttest kit on the file sink: each check
// appends to a new file in a temporary directory, read back line by line.
func TestConformance(t *testing.T) {
	spec := connecttest.SinkSpec{
		Plugin: file.Plugin(),
		Config: func(t testing.TB) map[string]string {
			return file.SinkConfig{File: filepath.Join(t.TempDir(), "out.txt")}.Map()
		},
		ReadBack: readLines,
	}
	t.Run("Strings", func(t *testing.T) { connecttest.Sink(t, spec) })

	// Values of other types are written as Java prints them: Expect says
	// how, and file.fsync exercises the syncing flush.
	spec.Config = func(t testing.TB) map[string]string {
		return file.SinkConfig{File: filepath.Join(t.TempDir(), "out.txt"), Fsync: true}.Map()
	}
	spec.Records = func(_ testing.TB, n int) []connect.Record {
		recs := make([]connect.Record, n)
		for i := range recs {
			recs[i].Topic = "numbers"
			recs[i].ValueSchema, recs[i].Value = connect.Float64Schema, float64(i)*1.5
			recs[i].SetOrigin(connect.KafkaPosition{Topic: "numbers", Partition: int32(i % 3), Offset: int64(100 + i)})
		}
		return recs
	}
	spec.Expect = func(r connect.Record) any { return string(file.AppendValue(nil, r.Value)) }
	spec.Skip = []string{"Spec"} // checked above
	t.Run("Float64Fsync", func(t *testing.T) { connecttest.Sink(t, spec) })
}

// readLines returns the lines of the sink's file, as strings.
func readLines(t testing.TB, cfg map[string]string) []any {
	b, err := os.ReadFile(cfg[file.FileConfig])
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var lines []any
	for line := range bytes.Lines(b) {
		s, ok := bytes.CutSuffix(line, []byte("\n"))
		if !ok {
			t.Errorf("the file ends with an unterminated line %q", line)
		}
		lines = append(lines, string(s))
	}
	return lines
}
