package spooldir

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/source"
)

const (
	corpusKey   = `{"type":"STRUCT","fieldSchemas":{"id":{"type":"INT64","isOptional":false}}}`
	corpusValue = `{"type":"STRUCT","fieldSchemas":{"id":{"type":"INT64","isOptional":false},"name":{"type":"STRING","isOptional":true}}}`
)

// corpusRun is a task started with a logger that keeps what it logs.
type corpusRun struct {
	task source.Task
	tc   *logged
	offs *connecttest.Offsets
}

func startLogged(t *testing.T, p source.Plugin, cfg map[string]string) *corpusRun {
	t.Helper()
	c := p.New()
	offs := connecttest.NewOffsets()
	require.NoError(t, c.Start(context.Background(), cfg, connecttest.NewConnectorContext(offs)))
	tcs, err := c.TaskConfigs(1)
	require.NoError(t, err)
	tc := &logged{TaskContext: connecttest.SourceTaskContext(tcs[0], offs)}
	task := c.NewTask()
	require.NoError(t, task.Start(context.Background(), tcs[0], tc))
	t.Cleanup(func() { task.Stop(context.Background()) })
	return &corpusRun{task: task, tc: tc, offs: offs}
}

// pollSettled polls once, and settles and commits what it returns.
func (r *corpusRun) pollSettled(t *testing.T) []connect.Record {
	t.Helper()
	recs, err := r.task.Poll(context.Background())
	require.NoError(t, err)
	r.settle(t, recs)
	return recs
}

func (r *corpusRun) settle(t *testing.T, recs []connect.Record) {
	t.Helper()
	r.offs.CommitRecords(recs)
	require.NoError(t, r.task.(source.Committer).Commit(context.Background()))
}

// drain polls, settling and committing every batch as a runtime does,
// until the input directory holds no file matching the pattern or Poll
// fails; it returns the records and the error.
func (r *corpusRun) drain(t *testing.T, in string) ([]connect.Record, error) {
	t.Helper()
	var out []connect.Record
	deadline := time.Now().Add(20 * time.Second)
	for {
		require.True(t, time.Now().Before(deadline), "input.path never emptied: %v", listDir(in))
		recs, err := r.task.Poll(context.Background())
		r.settle(t, recs)
		out = append(out, recs...)
		if err != nil {
			return out, err
		}
		if len(recs) == 0 && len(listDir(in)) == 0 {
			return out, nil
		}
	}
}

func listDir(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// rows renders CSV records as "id|name".
func rows(recs []connect.Record) []string {
	var out []string
	for _, r := range recs {
		s := r.Value.(*connect.Struct)
		out = append(out, fmt.Sprintf("%v|%v", s.Get("id"), s.Get("name")))
	}
	return out
}

// TestBadInputCorpus feeds each connector input that is malformed or
// awkward: nothing panics, every record that can be read is read, every
// one that cannot is named (file and line) in the error with
// halt.on.error=true and in the log with false, and the file ends in
// finished.path or error.path.
func TestBadInputCorpus(t *testing.T) {
	big := strings.Repeat("x", 10<<20)
	type tc struct {
		name    string
		plugin  func() source.Plugin
		file    string
		content string
		want    []string // rows (CSV) or values
		bad     []string // what the log (halt=false) and error (halt=true) name
		before  int      // records of want before the bad one, all read with halt=true too
	}
	csv := CsvPlugin
	line := LineDelimitedPlugin
	cases := []tc{
		{name: "csv unbalanced quote at end", plugin: csv, file: "a.csv",
			content: "id,name\n1,a\n2,\"b\n3,c\n", want: []string{"1|a"}, bad: []string{"line 3", "not closed"}, before: 1},
		// As opencsv reads it: the quote opened on line 2 closes before y
		// on line 4, and the one after y is open to the end of the file.
		{name: "csv unbalanced quote", plugin: csv, file: "a.csv",
			content: "id,name\n1,\"abc\n2,x\n3,\"y\"\n4,z\n", bad: []string{"line 2", "not closed", "2,x"}},
		{name: "csv unbalanced quote compressed", plugin: csv, file: "a.csv.gz",
			content: gz("id,name\n1,a\n2,\"b\n3,c\n"), want: []string{"1|a"}, bad: []string{"line 3", "not closed"}, before: 1},
		// opencsv opens a quoted field at the quote after 5, left open to
		// the end of the file.
		{name: "csv multi-line and a lone quote", plugin: csv, file: "a.csv",
			content: "id,name\n1,\"two\nlines\"\n2,5\" screen\n", want: []string{"1|two\nlines"}, bad: []string{"line 4", "not closed"}, before: 1},
		{name: "csv escaped quotes", plugin: csv, file: "a.csv",
			content: "id,name\n1,\"say \\\"hi\\\"\"\n2,a\\b\n", want: []string{"1|say \"hi\"", "2|ab"}},
		{name: "csv ragged rows", plugin: csv, file: "a.csv",
			content: "id,name\n1,a,surplus\n2\n3,c\n", want: []string{"2|<nil>", "3|c"}, bad: []string{"line 2", "surplus"}},
		{name: "csv trailing empty cells", plugin: csv, file: "a.csv",
			content: "id,name\n1,a,,\n", want: []string{"1|a"}},
		{name: "csv wrong type", plugin: csv, file: "a.csv",
			content: "id,name\n1,a\nx,b\n3,c\n", want: []string{"1|a", "3|c"}, bad: []string{"line 3", "field id", "x,b"}, before: 1},
		{name: "csv missing required", plugin: csv, file: "a.csv",
			content: "id,name\n,a\n2,b\n", want: []string{"2|b"}, bad: []string{"line 2", "field id"}},
		{name: "csv invalid utf-8", plugin: csv, file: "a.csv",
			content: "id,name\n1,a\xffb\n", want: []string{"1|a\uFFFDb"}},
		{name: "csv bom", plugin: csv, file: "a.csv",
			content: "\uFEFFid,name\n1,a\n", want: []string{"1|a"}},
		{name: "csv 10MB cell", plugin: csv, file: "a.csv",
			content: "id,name\n1," + big + "\n2,b\n", want: []string{"2|b"}, bad: []string{"line 2", "longer than"}},
		{name: "csv 10MB quoted field left open", plugin: csv, file: "a.csv",
			content: "id,name\n1,a\n2,\"" + big + "\n", want: []string{"1|a"}, bad: []string{"line 3", "longer than"}, before: 1},
		{name: "csv empty", plugin: csv, file: "a.csv", content: ""},
		{name: "csv header only", plugin: csv, file: "a.csv", content: "id,name\n"},
		{name: "csv header only no newline", plugin: csv, file: "a.csv", content: "id,name"},
		{name: "line bom", plugin: line, file: "a.txt", content: "\uFEFFfirst\nsecond\n", want: []string{"first", "second"}},
		{name: "line invalid utf-8", plugin: line, file: "a.txt", content: "a\xffb\n", want: []string{"a\uFFFDb"}},
		{name: "line 10MB", plugin: line, file: "a.txt", content: "a\n" + big + "\nshort\n", want: []string{"a", "short"}, bad: []string{"line 2", "longer than"}, before: 1},
		{name: "json 10MB value", plugin: JsonPlugin, file: "a.json",
			content: "{\"id\":1}\n{\"id\":2,\"name\":\"" + big + "\"}\n{\"id\":3}\n", want: []string{"1|<nil>", "3|<nil>"}, bad: []string{"line 2", "longer than"}, before: 1},
		{name: "json 10MB value left open", plugin: JsonPlugin, file: "a.json",
			content: "{\"id\":1}\n{\"id\":2,\"name\":\"" + big, want: []string{"1|<nil>"}, bad: []string{"line 2", "ends inside"}, before: 1},
		{name: "line empty", plugin: line, file: "a.txt", content: ""},
		{name: "json bom", plugin: JsonPlugin, file: "a.json", content: "\uFEFF{\"id\":1,\"name\":\"a\"}\n", want: []string{"1|a"}},
		{name: "json wrong type", plugin: JsonPlugin, file: "a.json",
			content: "{\"id\":1}\n{\"id\":\"x\"}\n{\"id\":3}\n", want: []string{"1|<nil>", "3|<nil>"}, bad: []string{"line 2", "id"}, before: 1},
		{name: "json invalid utf-8", plugin: JsonPlugin, file: "a.json", content: "{\"id\":1,\"name\":\"a\xffb\"}\n", want: []string{"1|a\uFFFDb"}},
		{name: "json cut", plugin: JsonPlugin, file: "a.json", content: "{\"id\":1}\n{\"id\":2,\n", want: []string{"1|<nil>"}, bad: []string{"line 2"}, before: 1},
		{name: "json empty", plugin: JsonPlugin, file: "a.json", content: ""},
		{name: "schemaless json bom", plugin: SchemaLessJsonPlugin, file: "a.json", content: "\uFEFF{\"a\":1}\n", want: []string{`{"a":1}`}},
	}
	for _, c := range cases {
		for _, halt := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/halt=%v", c.name, halt), func(t *testing.T) {
				d := newDirs(t)
				path := filepath.Join(d.in, c.file)
				writeFile(t, path, c.content)
				pattern := `.*\.` + filepath.Ext(strings.TrimSuffix(c.file, ".gz"))[1:] + `(\.gz)?`
				cfg := d.config(pattern, HaltOnErrorConfig, fmt.Sprint(halt), EmptyPollWaitConfig, "1",
					KeySchemaConfig, corpusKey, ValueSchemaConfig, corpusValue, CSVFirstRowAsHeaderConfig, "true")
				r := startLogged(t, c.plugin(), cfg)
				recs, err := r.drain(t, d.in)
				var got []string
				if c.plugin().Info().Class == CsvPlugin().Info().Class || c.plugin().Info().Class == JsonPlugin().Info().Class {
					got = rows(recs)
				} else {
					for _, rec := range recs {
						got = append(got, rec.Value.(string))
					}
				}
				want := c.want
				if halt && len(c.bad) > 0 {
					want = c.want[:c.before]
				}
				if len(want) == 0 {
					require.Empty(t, got)
				} else {
					require.Equal(t, want, got)
				}
				if len(c.bad) == 0 {
					require.NoError(t, err)
					require.True(t, exists(filepath.Join(d.finished, c.file)), "the file is finished: %v", listDir(d.finished))
					return
				}
				if halt {
					require.Error(t, err)
					require.ErrorContains(t, err, path)
					for _, b := range c.bad {
						require.ErrorContains(t, err, b)
					}
					require.True(t, exists(filepath.Join(d.errors, c.file)), "the file is in error.path")
					return
				}
				require.NoError(t, err)
				log := r.tc.String()
				require.Contains(t, log, path)
				for _, b := range c.bad {
					require.Contains(t, log, strings.ReplaceAll(b, "line ", "line="))
				}
				require.True(t, exists(filepath.Join(d.finished, c.file)), "the file is read on")
			})
		}
	}
}

// TestHugeRecordMemory reads files holding one 64 MB record (a line, a
// CSV quoted field left open, a JSON string) between good ones: the huge
// one is a malformed record, the others are read, and the task allocates
// less than the huge record's size, which it does not hold.
func TestHugeRecordMemory(t *testing.T) {
	big := strings.Repeat("x", 64<<20)
	for _, tc := range []struct {
		name    string
		plugin  func() source.Plugin
		file    string
		content string
		want    int
	}{
		{"line", LineDelimitedPlugin, "a.txt", "a\n" + big + "\nb\n", 2},
		{"csv line", CsvPlugin, "a.csv", "id,name\n1,a\n2," + big + "\n3,c\n", 2},
		{"csv quoted field left open", CsvPlugin, "a.csv", "id,name\n1,a\n2,\"" + big, 1},
		{"json", JsonPlugin, "a.json", "{\"id\":1}\n{\"id\":2,\"name\":\"" + big + "\"}\n{\"id\":3}\n", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDirs(t)
			writeFile(t, filepath.Join(d.in, tc.file), tc.content)
			cfg := d.config(`.*`, HaltOnErrorConfig, "false", EmptyPollWaitConfig, "1",
				KeySchemaConfig, corpusKey, ValueSchemaConfig, corpusValue, CSVFirstRowAsHeaderConfig, "true")
			r := startLogged(t, tc.plugin(), cfg)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			recs, err := r.drain(t, d.in)
			runtime.ReadMemStats(&after)
			require.NoError(t, err)
			require.Len(t, recs, tc.want)
			require.Contains(t, r.tc.String(), "longer than")
			require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(len(big)), "allocated reading a file of %d bytes", len(tc.content))
		})
	}
}

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// numbered returns n lines "line-00001"... and their content.
func numbered(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "line-%05d\n", i)
	}
	return b.String()
}

// TestFileRemovedWhileRead: a file deleted while the task reads it is
// read to its end through the open file, every line emitted, and the
// cleanup that can no longer find it is logged, naming it, not an error.
func TestFileRemovedWhileRead(t *testing.T) {
	d := newDirs(t)
	path := filepath.Join(d.in, "a.txt")
	writeFile(t, path, numbered(5000))
	r := startLogged(t, LineDelimitedPlugin(), d.config(`.*\.txt`, BatchSizeConfig, "100", EmptyPollWaitConfig, "1",
		FileBufferSizeConfig, "4096"))
	first := r.pollSettled(t)
	require.Len(t, first, 100)
	require.NoError(t, os.Remove(path))
	recs, err := r.drain(t, d.in)
	require.NoError(t, err)
	recs = append(first, recs...)
	require.Len(t, recs, 5000)
	require.Equal(t, "line-05000", recs[4999].Value)
	require.Empty(t, listDir(d.finished))
	require.Contains(t, r.tc.String(), path)
}

// TestFileTruncatedWhileRead: a file cut short while the task reads it is
// an error naming it (the lines cut off are lost), moved to error.path.
func TestFileTruncatedWhileRead(t *testing.T) {
	for _, halt := range []bool{true, false} {
		t.Run(fmt.Sprint("halt=", halt), func(t *testing.T) {
			d := newDirs(t)
			path := filepath.Join(d.in, "a.txt")
			writeFile(t, path, numbered(5000))
			r := startLogged(t, LineDelimitedPlugin(), d.config(`.*\.txt`, BatchSizeConfig, "100", EmptyPollWaitConfig, "1",
				FileBufferSizeConfig, "4096", HaltOnErrorConfig, fmt.Sprint(halt)))
			first := r.pollSettled(t)
			require.Len(t, first, 100)
			require.NoError(t, os.Truncate(path, 20000))
			recs, err := r.drain(t, d.in)
			require.Less(t, len(first)+len(recs), 5000)
			msg := r.tc.String()
			if halt {
				require.Error(t, err)
				msg = err.Error()
			} else {
				require.NoError(t, err)
			}
			require.Contains(t, msg, path)
			require.Contains(t, msg, "shrank")
			require.True(t, exists(filepath.Join(d.errors, "a.txt")))
		})
	}
}

// TestFileStillBeingWritten: with file.minimum.age.ms a file modified
// more recently is left alone (no flag, not read) until it has been quiet
// that long, then read whole.
func TestFileStillBeingWritten(t *testing.T) {
	d := newDirs(t)
	path := filepath.Join(d.in, "a.txt")
	writeFile(t, path, "1\n2\n")
	st := startTask(t, LineDelimitedPlugin(), d.config(`.*\.txt`, FileMinimumAgeConfig, "60000", EmptyPollWaitConfig, "1"), nil)
	for range 3 {
		recs, err := st.Poll(context.Background())
		require.NoError(t, err)
		require.Empty(t, recs)
		require.False(t, exists(path+".PROCESSING"))
	}
	// The writer appends, then stops.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("3\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	recs, err := st.Poll(context.Background())
	require.NoError(t, err)
	require.Empty(t, recs)
	old := time.Now().Add(-2 * time.Minute)
	require.NoError(t, os.Chtimes(path, old, old))
	require.Equal(t, []any{"1", "2", "3"}, values(st.poll(t, 3)))
}

// TestDirectoriesNotWritable: input files that cannot be read and
// finished/error directories that cannot be written are errors naming the
// file. Permission bits do not stop root (CAP_DAC_OVERRIDE), so as root
// only the cases made by a regular file standing where a directory should
// be (ENOTDIR, which stops root too) run.
func TestDirectoriesNotWritable(t *testing.T) {
	root := os.Geteuid() == 0
	t.Run("input not readable", func(t *testing.T) {
		if root {
			t.Skip("root reads files whatever their permission bits")
		}
		d := newDirs(t)
		path := filepath.Join(d.in, "a.txt")
		writeFile(t, path, "a\n")
		require.NoError(t, os.Chmod(path, 0))
		st := startTask(t, LineDelimitedPlugin(), d.config(`.*\.txt`), nil)
		_, err := st.Poll(context.Background())
		require.ErrorContains(t, err, path)
		require.ErrorContains(t, err, "permission denied")
	})
	t.Run("finished.path not writable", func(t *testing.T) {
		d := newDirs(t)
		path := filepath.Join(d.in, "a.txt")
		writeFile(t, path, "a\n")
		st := startTask(t, LineDelimitedPlugin(), d.config(`.*\.txt`), nil)
		if root {
			require.NoError(t, os.Remove(d.finished))
			writeFile(t, d.finished, "a file where finished.path should be")
		} else {
			require.NoError(t, os.Chmod(d.finished, 0o555))
			t.Cleanup(func() { os.Chmod(d.finished, 0o755) })
		}
		recs := st.poll(t, 1)
		st.settle(t, recs)
		_, err := st.Poll(context.Background())
		require.ErrorContains(t, err, path)
		require.ErrorContains(t, err, CleanupPolicyConfig)
		require.True(t, exists(path), "the file stays in input.path")
	})
	t.Run("error.path not writable", func(t *testing.T) {
		d := newDirs(t)
		path := filepath.Join(d.in, "a.txt.gz")
		writeFile(t, path, "not gzip")
		st := startTask(t, LineDelimitedPlugin(), d.config(`.*\.gz`), nil)
		if root {
			require.NoError(t, os.Remove(d.errors))
			writeFile(t, d.errors, "a file where error.path should be")
		} else {
			require.NoError(t, os.Chmod(d.errors, 0o555))
			t.Cleanup(func() { os.Chmod(d.errors, 0o755) })
		}
		_, err := st.Poll(context.Background())
		require.ErrorContains(t, err, path)
		require.ErrorContains(t, err, ErrorPathConfig)
		require.True(t, exists(path), "the file stays in input.path")
		require.False(t, exists(path+".PROCESSING"))
	})
}
