package spooldir

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/source"
	"github.com/stretchr/testify/require"
)

// ids returns the "id" field of records with a Struct value.
func ids(recs []connect.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, fmt.Sprint(r.Value.(*connect.Struct).Get("id")))
	}
	return out
}

// updateOffsets calls the task's UpdateOffsets with the committed offset
// of the last of recs, as the runtime does at a commit.
func updateOffsets(t *testing.T, st *started, recs []connect.Record) []source.OffsetChange {
	t.Helper()
	u, ok := st.Task.(source.OffsetUpdater)
	require.True(t, ok, "the task is not a source.OffsetUpdater")
	last := recs[len(recs)-1]
	added, err := u.UpdateOffsets(context.Background(), []source.OffsetChange{{Partition: last.SourcePartition, Offset: last.SourceOffset}})
	require.NoError(t, err)
	return added
}

// TestJVMMirrorOffsets: at each commit a CSV or JSON task adds, under
// spooldir's partition {"fileName": name}, the offset from which
// kafka-connect-spooldir resumes right after the last committed record
// (CSV: the lines opencsv has read, header and skipped lines included,
// as spooldir's skip loop counts them; JSON: the values to skip), with the
// file's identity beside it. A task finding only that offset resumes
// after the same record; one finding it for another file of the same
// name (rewritten since) reads the file from its start.
func TestJVMMirrorOffsets(t *testing.T) {
	for _, tc := range []struct {
		name      string
		plugin    source.Plugin
		file      string
		content   string
		read      int   // records read and committed
		jvm       int64 // the mirrored offset
		rest      []string
		rewritten string // the file again, of another length
		extraCfg  []string
	}{
		{"csv", CsvPlugin(), "a.csv", "id,name\n1,a\n2,\"b\nb\"\n3,c\n4,d\n", 2, 4, []string{"3", "4"}, "id,name\n5,e\n6,f\n7,g\n", nil},
		{"csv skip lines", CsvPlugin(), "a.csv", "title\nid,name\n1,a\n2,b\n3,c\n", 1, 3, []string{"2", "3"}, "title\nid,name\n5,e\n6,f\n", []string{CSVSkipLinesConfig, "1"}},
		{"json", JsonPlugin(), "a.json", "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n", 1, 1, []string{"2", "3"}, "{\"id\":5}\n{\"id\":6}\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDirs(t)
			path := filepath.Join(d.in, tc.file)
			writeFile(t, path, tc.content)
			fi, err := os.Stat(path)
			require.NoError(t, err)
			cfg := d.config(`.*`, append([]string{KeySchemaConfig, corpusKey, ValueSchemaConfig, corpusValue,
				CSVFirstRowAsHeaderConfig, "true", EmptyPollWaitConfig, "1", BatchSizeConfig, "1"}, tc.extraCfg...)...)
			st := startTask(t, tc.plugin, cfg, nil)
			recs := st.poll(t, tc.read)

			added := updateOffsets(t, st, recs)
			require.Len(t, added, 1)
			jvmPart := connect.NewSourcePartition(FileNameField, tc.file)
			require.True(t, added[0].Partition.Equal(jvmPart), "%v", added[0].Partition)
			want := connect.NewOffset(OffsetField, tc.jvm, FileLengthField, fi.Size(), FileModifiedField, fi.ModTime().UnixMilli())
			require.True(t, added[0].Offset.Equal(want), "got %v, want %v", added[0].Offset, want)
			require.NoError(t, st.Stop(context.Background()))

			// Only the mirrored offset: the file is read on after it.
			jvmOnly := connecttest.NewOffsets()
			jvmOnly.Commit(jvmPart, added[0].Offset)
			st2 := startTask(t, tc.plugin, cfg, jvmOnly)
			require.Equal(t, tc.rest, ids(st2.poll(t, len(tc.rest))))
			require.NoError(t, st2.Stop(context.Background()))

			// A new file under the name: the mirrored offset is not its.
			writeFile(t, path, tc.rewritten)
			require.NoError(t, os.Chtimes(path, time.Now(), fi.ModTime().Add(time.Hour)))
			st3 := startTask(t, tc.plugin, cfg, jvmOnly)
			require.Equal(t, "5", ids(st3.poll(t, 1))[0], "a new file reusing the name is read from its start")
		})
	}
}

// A line-delimited task adds no offsets: spooldir reads such a file from
// its top whatever its offset.
func TestJVMMirrorOffsetsLines(t *testing.T) {
	d := newDirs(t)
	writeFile(t, filepath.Join(d.in, "a.txt"), "1\n2\n3\n")
	st := startTask(t, LineDelimitedPlugin(), d.config(`.*`, EmptyPollWaitConfig, "1"), nil)
	require.Empty(t, updateOffsets(t, st, st.poll(t, 3)))
}
