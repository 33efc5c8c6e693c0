package spooldir

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/source"
)

var fileSeq atomic.Int64

// TestLineConformance runs the conformance kit on the line connector: each
// Produce drops a new file of n lines.
func TestLineConformance(t *testing.T) {
	connecttest.Source(t, connecttest.SourceSpec{
		Plugin: LineDelimitedPlugin(),
		Config: func(t testing.TB) map[string]string {
			return newDirs(t).config(`.*\.txt`, EmptyPollWaitConfig, "20")
		},
		Produce: func(t testing.TB, cfg map[string]string, n int) {
			var b strings.Builder
			id := fileSeq.Add(1)
			for i := range n {
				fmt.Fprintf(&b, "file-%d-line-%d\n", id, i)
			}
			writeFile(t, filepath.Join(cfg[InputPathConfig], fmt.Sprintf("f%04d.txt", id)), b.String())
		},
		RequiredKeys: []string{TopicConfig, InputPathConfig, InputFilePatternConfig, ErrorPathConfig},
	})
}

// TestLineRecords checks the record shape: a STRING value per line, blank
// lines and CRLF endings included, spooldir's file.* headers, the file's
// identity as partition and byte positions in the offsets.
func TestLineRecords(t *testing.T) {
	d := newDirs(t)
	path := filepath.Join(d.in, "a.log")
	writeFile(t, path, "x\n\ny\r\nz")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	st := startTask(t, LineDelimitedPlugin(), d.config(`.*\.log`, TimestampModeConfig, TimestampFileTime), nil)
	recs := st.poll(t, 4)
	require.Equal(t, []any{"x", "", "y", "z"}, values(recs))
	r := recs[2]
	require.Equal(t, "spool", r.Topic)
	require.Nil(t, r.Key)
	require.Equal(t, connect.StringSchema, r.ValueSchema)
	require.Equal(t, fi.ModTime(), r.Timestamp)
	require.Equal(t, "a.log", header(t, r, "file.name"))
	require.Equal(t, "a", header(t, r, "file.name.without.extension"))
	require.Equal(t, path, header(t, r, "file.path"))
	require.Equal(t, "in", header(t, r, "file.parent.dir.name"))
	require.Equal(t, int64(7), header(t, r, "file.length"))
	require.Equal(t, int64(3), header(t, r, "file.offset"))
	require.Equal(t, fi.ModTime().UTC().Truncate(time.Millisecond), header(t, r, "file.last.modified"))
	_, rel := r.Headers.Last("file.relative.path")
	require.False(t, rel)
	require.Equal(t, connect.NewSourcePartition(FileNameField, "a.log", FileLengthField, int64(7), FileModifiedField, fi.ModTime().UnixMilli()), r.SourcePartition)
	require.Equal(t, []int64{2, 3, 6, 7}, []int64{pos(recs[0]), pos(recs[1]), pos(recs[2]), pos(recs[3])})
	n, _ := r.SourceOffset.Int64(OffsetField)
	require.Equal(t, int64(3), n)
	require.True(t, exists(path+".PROCESSING"), "the flag marks the file while it is read")
}

func pos(r connect.Record) int64 {
	p, _ := r.SourceOffset.Int64(PositionField)
	return p
}

// TestLineResumesByPosition resumes plain and compressed files after the
// committed line without reading the lines before it again.
func TestLineResumesByPosition(t *testing.T) {
	content := "one\ntwo\nthree\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(content))
	zw.Close()
	zst, err := zstd.NewWriter(nil)
	require.NoError(t, err)
	bz2, err := os.ReadFile("testdata/three-lines.txt.bz2")
	require.NoError(t, err)
	for name, data := range map[string][]byte{
		"plain.txt": []byte(content), "lines.txt.gz": gz.Bytes(), "lines.txt.zst": zst.EncodeAll([]byte(content), nil), "lines.txt.bz2": bz2,
	} {
		t.Run(name, func(t *testing.T) {
			d := newDirs(t)
			writeFile(t, filepath.Join(d.in, name), string(data))
			cfg := d.config(`.*`)
			st := startTask(t, LineDelimitedPlugin(), cfg, nil)
			all := st.poll(t, 3)
			require.Equal(t, []any{"one", "two", "three"}, values(all))
			require.NoError(t, st.Stop(context.Background()))
			require.False(t, exists(filepath.Join(d.in, name+".PROCESSING")), "a stopped task leaves no flag")

			offsets := connecttest.NewOffsets()
			offsets.CommitRecords(all[:1])
			st = startTask(t, LineDelimitedPlugin(), cfg, offsets)
			rest := st.poll(t, 2)
			require.Equal(t, []any{"two", "three"}, values(rest))
			require.Equal(t, all[1].SourceOffset, rest[0].SourceOffset)
		})
	}
}

// TestCleanupWaitsForCommit: a file read to its end is moved only once
// its last record's offset is committed.
func TestCleanupWaitsForCommit(t *testing.T) {
	d := newDirs(t)
	path := filepath.Join(d.in, "a.txt")
	writeFile(t, path, "1\n2\n3\n")
	offsets := connecttest.NewOffsets()
	st := startTask(t, LineDelimitedPlugin(), d.config(`.*\.txt`, BatchSizeConfig, "2"), offsets)
	recs := st.poll(t, 3)
	polled := func() {
		t.Helper()
		recs, err := st.Poll(context.Background())
		require.NoError(t, err)
		require.Empty(t, recs)
	}
	polled()
	require.True(t, exists(path), "nothing committed")
	polled()
	st.commit(t)
	polled()
	require.True(t, exists(path), "no offset is committed")
	offsets.CommitRecords(recs[:2])
	st.commit(t)
	polled()
	require.True(t, exists(path), "the last record's offset is not committed")
	offsets.CommitRecords(recs[2:])
	st.commit(t)
	polled()
	require.False(t, exists(path))
	require.False(t, exists(path+".PROCESSING"))
	require.True(t, exists(filepath.Join(d.finished, "a.txt")))
}

// TestCleanupNeedsNoRecordCommitter: the committed offset of a file's
// last record is the whole proof that it is done, so the task asks the
// runtime for no call per record (it is not a source.RecordCommitter) and
// the file is moved once that offset is committed and reported.
func TestCleanupNeedsNoRecordCommitter(t *testing.T) {
	d := newDirs(t)
	path := filepath.Join(d.in, "a.txt")
	writeFile(t, path, "1\n2\n")
	offsets := connecttest.NewOffsets()
	st := startTask(t, LineDelimitedPlugin(), d.config(`.*\.txt`), offsets)
	require.NotImplements(t, (*source.RecordCommitter)(nil), st.Task)
	recs := st.poll(t, 2)
	offsets.CommitRecords(recs)
	st.commit(t)
	_, err := st.Poll(context.Background())
	require.NoError(t, err)
	require.False(t, exists(path))
	require.True(t, exists(filepath.Join(d.finished, "a.txt")))
}

// TestStaleFlagRecovered: a flag left by a task that crashed mid-file is
// removed at start and the file is read on from its committed offset.
func TestStaleFlagRecovered(t *testing.T) {
	d := newDirs(t)
	path := filepath.Join(d.in, "a.txt")
	writeFile(t, path, "1\n2\n3\n")
	cfg := d.config(`.*\.txt`)
	first := startTask(t, LineDelimitedPlugin(), cfg, nil)
	recs := first.poll(t, 3)
	require.True(t, exists(path+".PROCESSING"))
	// The task dies without Stop: its flag stays, and only the first record's offset was committed.
	offsets := connecttest.NewOffsets()
	offsets.CommitRecords(recs[:1])
	st := startTask(t, LineDelimitedPlugin(), cfg, offsets)
	require.False(t, exists(path+".PROCESSING"), "Start removes the stale flag")
	rest := st.poll(t, 2)
	require.Equal(t, []any{"2", "3"}, values(rest))
	st.settle(t, rest)
	st.commit(t)
	st.commit(t)
	_, err := st.Poll(context.Background())
	require.NoError(t, err)
	require.True(t, exists(filepath.Join(d.finished, "a.txt")))
	require.False(t, exists(path+".PROCESSING"))
}

// TestScanSelectsFiles: the pattern must match the whole name; flags,
// flagged files, symbolic links, files too young and the finished and
// error directories inside input.path are passed over; sub-directories
// only when walking recursively.
func TestScanSelectsFiles(t *testing.T) {
	d := newDirs(t)
	outside := filepath.Join(t.TempDir(), "secret.csv")
	writeFile(t, outside, "s")
	for _, f := range []string{"a.csv", "b.csv.bak", "xa.csv", "c.csv", "sub/d.csv", "sub/deeper/e.csv"} {
		writeFile(t, filepath.Join(d.in, f), "x")
	}
	writeFile(t, filepath.Join(d.in, "c.csv.PROCESSING"), "")
	require.NoError(t, os.Symlink(outside, filepath.Join(d.in, "link.csv")))
	require.NoError(t, os.Symlink(filepath.Dir(outside), filepath.Join(d.in, "linkdir")))
	fin := filepath.Join(d.in, "finished")
	writeFile(t, filepath.Join(fin, "done.csv"), "x")
	old := time.Now().Add(-time.Hour)
	for _, f := range []string{"a.csv", "xa.csv", "sub/d.csv", "sub/deeper/e.csv"} {
		require.NoError(t, os.Chtimes(filepath.Join(d.in, f), old, old))
	}
	writeFile(t, filepath.Join(d.in, "young.csv"), "x")

	names := func(extra ...string) []string {
		cfg, err := csvOrLineDef().Parse(d.config(`[a-z]+\.csv`, append([]string{FinishedPathConfig, fin}, extra...)...))
		require.NoError(t, err)
		c, err := parseCommon(cfg, false)
		require.NoError(t, err)
		files, err := (&scanner{c: c}).scan(time.Now(), func(*fileInfo) bool { return false })
		require.NoError(t, err)
		var out []string
		for _, f := range files {
			out = append(out, filepath.ToSlash(filepath.Join(f.rel, f.name)))
		}
		return out
	}
	require.Equal(t, []string{"a.csv", "xa.csv", "young.csv"}, names())
	require.Equal(t, []string{"a.csv", "xa.csv"}, names(FileMinimumAgeConfig, "60000"))
	require.Equal(t, []string{"a.csv", "sub/d.csv", "sub/deeper/e.csv", "xa.csv", "young.csv"}, names(WalkRecursivelyConfig, "true"))
	require.Equal(t, []string{"young.csv", "xa.csv", "sub/deeper/e.csv", "sub/d.csv", "a.csv"}, names(WalkRecursivelyConfig, "true", FilesSortAttributesConfig, "NameDesc"))
}

func csvOrLineDef() *connect.ConfigDef { return lineDef }

// TestCleanupPolicies: NONE leaves the file (and does not read it again),
// DELETE removes it, MOVE and MOVEBYDATE move it, keeping the sub-directory
// it was found in.
func TestCleanupPolicies(t *testing.T) {
	mod := time.Date(2024, 3, 9, 12, 0, 0, 0, time.Local)
	for _, tc := range []struct {
		policy, want string
		maintain     bool
	}{
		{CleanupNone, "", false}, {CleanupDelete, "", false}, {CleanupMove, "sub/a.txt", false},
		{CleanupMove, "sub/a.txt", true}, {CleanupMoveByDate, "2024-03-09/sub/a.txt", false},
	} {
		t.Run(fmt.Sprintf("%s-%v", tc.policy, tc.maintain), func(t *testing.T) {
			d := newDirs(t)
			path := filepath.Join(d.in, "sub", "a.txt")
			writeFile(t, path, "1\n")
			require.NoError(t, os.Chtimes(path, mod, mod))
			st := startTask(t, LineDelimitedPlugin(), d.config(`.*\.txt`, CleanupPolicyConfig, tc.policy,
				WalkRecursivelyConfig, "true", MaintainRelativePathConfig, fmt.Sprint(tc.maintain)), nil)
			recs := st.poll(t, 1)
			require.Equal(t, "sub", header(t, recs[0], "file.relative.path"))
			st.settle(t, recs)
			st.commit(t)
			st.commit(t)
			more, err := st.Poll(context.Background())
			require.NoError(t, err)
			more2, err := st.Poll(context.Background())
			require.NoError(t, err)
			require.Empty(t, append(more, more2...), "a finished file is not read again")
			require.False(t, exists(path+".PROCESSING"))
			require.Equal(t, tc.policy == CleanupNone, exists(path))
			if tc.want != "" {
				require.True(t, exists(filepath.Join(d.finished, tc.want)))
			}
			subKept := exists(filepath.Join(d.in, "sub"))
			require.Equal(t, tc.maintain || tc.policy == CleanupNone, subKept)
		})
	}
}

// TestMoveByDateZone: MOVEBYDATE's directory is the file's modification
// date in the process's local zone, as spooldir's SimpleDateFormat takes
// the JVM's default zone, not UTC: 23:30 UTC is the next day in UTC+2.
func TestMoveByDateZone(t *testing.T) {
	d := newDirs(t)
	path := filepath.Join(d.in, "a.txt")
	writeFile(t, path, "1\n")
	mod := time.Date(2024, 3, 9, 23, 30, 0, 0, time.UTC)
	require.NoError(t, os.Chtimes(path, mod, mod))
	st := startTask(t, LineDelimitedPlugin(), d.config(`.*\.txt`, CleanupPolicyConfig, CleanupMoveByDate), nil)
	require.Same(t, time.Local, st.Task.(*task).c.local, "the process's zone")
	st.Task.(*task).c.local = time.FixedZone("UTC+2", 2*60*60)
	recs := st.poll(t, 1)
	st.settle(t, recs)
	st.commit(t)
	require.Eventually(t, func() bool {
		st.Poll(context.Background())
		return exists(filepath.Join(d.finished, "2024-03-10", "a.txt"))
	}, 5*time.Second, time.Millisecond)
}

// TestMoveNeverReplaces: a file moved where one of its name is gets a
// suffix instead.
func TestMoveNeverReplaces(t *testing.T) {
	d := newDirs(t)
	writeFile(t, filepath.Join(d.finished, "a.csv.gz"), "old")
	writeFile(t, filepath.Join(d.finished, "a-1.csv.gz"), "old")
	src := filepath.Join(d.in, "a.csv.gz")
	writeFile(t, src, "new")
	c := common{finishedPath: d.finished, cleanup: CleanupMove, inputPath: d.in, processingExt: ".PROCESSING"}
	dst, err := c.move(&fileInfo{path: src, name: "a.csv.gz"}, d.finished)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(d.finished, "a-2.csv.gz"), dst)
	b, _ := os.ReadFile(filepath.Join(d.finished, "a.csv.gz"))
	require.Equal(t, "old", string(b))
	b, _ = os.ReadFile(dst)
	require.Equal(t, "new", string(b))
}

// TestMoveCutShort: a move a crash cut short between linking the file into
// finished.path and removing it from input.path is finished, not made into
// a second copy.
func TestMoveCutShort(t *testing.T) {
	d := newDirs(t)
	src := filepath.Join(d.in, "a.csv")
	writeFile(t, src, "data")
	require.NoError(t, os.Link(src, filepath.Join(d.finished, "a.csv")))
	c := common{finishedPath: d.finished, cleanup: CleanupMove, inputPath: d.in, processingExt: ".PROCESSING"}
	dst, err := c.move(&fileInfo{path: src, name: "a.csv"}, d.finished)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(d.finished, "a.csv"), dst)
	require.False(t, exists(src))
	entries, err := os.ReadDir(d.finished)
	require.NoError(t, err)
	require.Len(t, entries, 1)
}

// TestUnreadableFile: a file that cannot be read is moved to error.path
// and named in the error; with halt.on.error=false the task goes on with
// the next file.
func TestUnreadableFile(t *testing.T) {
	for _, halt := range []bool{true, false} {
		t.Run(fmt.Sprint("halt=", halt), func(t *testing.T) {
			d := newDirs(t)
			writeFile(t, filepath.Join(d.in, "a.txt.gz"), "not gzip")
			writeFile(t, filepath.Join(d.in, "b.txt"), "fine\n")
			st := startTask(t, LineDelimitedPlugin(), d.config(`.*`, HaltOnErrorConfig, fmt.Sprint(halt)), nil)
			recs, err := st.Poll(context.Background())
			if halt {
				require.ErrorContains(t, err, filepath.Join(d.in, "a.txt.gz"))
				require.Empty(t, recs)
			} else {
				require.NoError(t, err)
				require.Equal(t, []any{"fine"}, values(append(recs, st.poll(t, 1-len(recs))...)))
			}
			require.True(t, exists(filepath.Join(d.errors, "a.txt.gz")))
			require.False(t, exists(filepath.Join(d.in, "a.txt.gz.PROCESSING")))
		})
	}
}

// TestTasksShareFiles: with two tasks each file is read by exactly one.
func TestTasksShareFiles(t *testing.T) {
	d := newDirs(t)
	const files = 20
	for i := range files {
		writeFile(t, filepath.Join(d.in, fmt.Sprintf("f%d.txt", i)), fmt.Sprintf("f%d\n", i))
	}
	tasks := startTasks(t, LineDelimitedPlugin(), d.config(`.*\.txt`, EmptyPollWaitConfig, "5"), nil, 2)
	require.Len(t, tasks, 2)
	seen := map[any]int{}
	per := make([]int, 2)
	// Read on until every file is seen.
	require.Eventually(t, func() bool {
		for i, st := range tasks {
			recs, err := st.Poll(context.Background())
			require.NoError(t, err)
			for _, r := range recs {
				seen[r.Value]++
				per[i]++
			}
		}
		return len(seen) == files
	}, 20*time.Second, time.Millisecond)
	for v, n := range seen {
		require.Equal(t, 1, n, "%v read %d times", v, n)
	}
	require.NotZero(t, per[0])
	require.NotZero(t, per[1])
}

// TestUnmovableFile: a file that cannot be moved to finished.path is named
// in the error; with halt.on.error=false the task goes on with the next
// file.
func TestUnmovableFile(t *testing.T) {
	for _, halt := range []bool{true, false} {
		t.Run(fmt.Sprint("halt=", halt), func(t *testing.T) {
			d := newDirs(t)
			writeFile(t, filepath.Join(d.in, "sub", "a.txt"), "a\n")
			writeFile(t, filepath.Join(d.in, "b.txt"), "b\n")
			writeFile(t, filepath.Join(d.finished, "sub"), "a file where sub-directory sub would go")
			st := startTask(t, LineDelimitedPlugin(), d.config(`.*\.txt`, WalkRecursivelyConfig, "true",
				HaltOnErrorConfig, fmt.Sprint(halt), FilesSortAttributesConfig, "NameAsc"), nil)
			recs := st.poll(t, 1)
			require.Equal(t, "a", recs[0].Value)
			st.settle(t, recs)
			recs, err := st.Poll(context.Background())
			if halt {
				require.ErrorContains(t, err, filepath.Join(d.in, "sub", "a.txt"))
				return
			}
			require.NoError(t, err)
			recs = append(recs, st.poll(t, 1-len(recs))...)
			require.Equal(t, []any{"b"}, values(recs))
			require.True(t, exists(filepath.Join(d.in, "sub", "a.txt")))
		})
	}
}

// TestFileNotifications: with files.notifications.enabled, a file_start
// record comes before a file's records and a file_end record after them,
// in spooldir's JSON, to files.notifications.topic.
func TestFileNotifications(t *testing.T) {
	d := newDirs(t)
	path := filepath.Join(d.in, "a.txt")
	writeFile(t, path, "1\n2\n")
	st := startTask(t, LineDelimitedPlugin(), d.config(`.*\.txt`, FilesNotificationsConfig, "true"), nil)
	recs := st.poll(t, 4)
	require.Equal(t, "files_notifications", recs[0].Topic)
	require.Regexp(t, `^\{"time": \d+, "event": "file_start", "filepath": "`+regexp.QuoteMeta(path)+`"\}$`, string(recs[0].Value.([]byte)))
	require.Equal(t, []any{"1", "2"}, values(recs[1:3]))
	require.Regexp(t, `^\{"time":\d+, "event": "file_end", "filepath": "`+regexp.QuoteMeta(path)+`"\}$`, string(recs[3].Value.([]byte)))
	require.True(t, recs[3].SourcePartition.IsZero())
	st.settle(t, recs)
	_, err := st.Poll(context.Background())
	require.NoError(t, err)
	require.True(t, exists(filepath.Join(d.finished, "a.txt")), "notifications do not hold the file back")

	c := LineDelimitedPlugin().New()
	err = c.Start(context.Background(), d.config(`.*\.txt`, FilesNotificationsCreatorCfg, "com.example.Mine"), connecttest.NewConnectorContext(nil))
	require.ErrorContains(t, err, FilesNotificationsCreatorCfg)
}

// TestLineLoneCR: a lone "\r" ends a line, as it does for Java's
// BufferedReader, "\r\n" ends one line, and the lines resume from the byte
// after the last committed one, also where a "\r\n" straddles the read
// buffer.
func TestLineLoneCR(t *testing.T) {
	d := newDirs(t)
	long := strings.Repeat("x", 4087) // its "\r" is the last byte of the first 4096-byte read
	writeFile(t, filepath.Join(d.in, "a.txt"), "a\rb\r\n\rc\n"+long+"\r\nd\re")
	cfg := d.config(`.*\.txt`, FileBufferSizeConfig, "4096")
	st := startTask(t, LineDelimitedPlugin(), cfg, nil)
	recs := st.poll(t, 7)
	require.Equal(t, []any{"a", "b", "", "c", long, "d", "e"}, values(recs))
	var ends []int64
	for _, r := range recs {
		p, _ := r.SourceOffset.Int64(PositionField)
		ends = append(ends, p)
	}
	require.Equal(t, []int64{2, 5, 6, 8, 8 + 4089, 8 + 4089 + 2, 8 + 4089 + 3}, ends)
	require.NoError(t, st.Stop(context.Background()))
	offsets := connecttest.NewOffsets()
	offsets.CommitRecords(recs[:2])
	st = startTask(t, LineDelimitedPlugin(), cfg, offsets)
	require.Equal(t, []any{"", "c", long, "d", "e"}, values(st.poll(t, 5)))
}

// TestMoveCopyCutShort: a move to another file system is a copy, written
// under a temporary name and then given the file's; a copy a crash left
// whole under the file's name is taken as the move done.
func TestMoveCopyCutShort(t *testing.T) {
	d := newDirs(t)
	src := filepath.Join(d.in, "a.csv")
	writeFile(t, src, "data")
	writeFile(t, filepath.Join(d.finished, "a.csv"), "data")
	writeFile(t, filepath.Join(d.finished, "a.csv"+partialSuffix), "da")
	c := common{finishedPath: d.finished, cleanup: CleanupMove, inputPath: d.in, processingExt: ".PROCESSING"}
	dst, err := c.move(&fileInfo{path: src, name: "a.csv"}, d.finished)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(d.finished, "a.csv"), dst)
	require.False(t, exists(src))

	// Across file systems, where there is another one to try.
	other, err := os.MkdirTemp("/dev/shm", "spooldir")
	if err != nil {
		t.Skipf("no other file system to move to: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(other) })
	writeFile(t, src, "more data")
	require.NoError(t, moveNoReplace(src, filepath.Join(other, "a.csv")))
	b, err := os.ReadFile(filepath.Join(other, "a.csv"))
	require.NoError(t, err)
	require.Equal(t, "more data", string(b))
	require.False(t, exists(src))
	entries, err := os.ReadDir(other)
	require.NoError(t, err)
	require.Len(t, entries, 1, "the temporary file is gone")
	writeFile(t, src, "other data")
	require.ErrorIs(t, moveNoReplace(src, filepath.Join(other, "a.csv")), fs.ErrExist)
}

// TestCleanupNoneChangedFile: with cleanup.policy NONE a file read whole
// is not read again while it is unchanged, in this run or after a
// restart; once changed (another length or modification time) it is
// another file, read again from its top, in this run as after a restart.
func TestCleanupNoneChangedFile(t *testing.T) {
	d := newDirs(t)
	path := filepath.Join(d.in, "a.txt")
	writeFile(t, path, "1\n2\n")
	cfg := d.config(`.*\.txt`, CleanupPolicyConfig, CleanupNone, EmptyPollWaitConfig, "1")
	st := startTask(t, LineDelimitedPlugin(), cfg, nil)
	recs := st.poll(t, 2)
	st.settle(t, recs)
	st.commit(t)
	quiet := func(st *started) {
		for range 5 {
			more, err := st.Poll(context.Background())
			require.NoError(t, err)
			require.Empty(t, more, "an unchanged file is not read again")
		}
	}
	quiet(st)
	require.True(t, exists(path))

	writeFile(t, path, "1\n2\n3\n")
	require.NoError(t, os.Chtimes(path, time.Now(), time.Now().Add(time.Minute)))
	recs = st.poll(t, 3)
	require.Equal(t, []any{"1", "2", "3"}, values(recs))
	st.settle(t, recs)
	st.commit(t)
	quiet(st)
	require.NoError(t, st.Stop(context.Background()))

	st = startTask(t, LineDelimitedPlugin(), cfg, st.offsets)
	quiet(st)
}
