package offset

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

func openFile(t *testing.T, path string) *File {
	t.Helper()
	f, err := OpenFile(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	return f
}

func TestFileFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "connect.offsets")
	f := openFile(t, path)
	require.Equal(t, path, f.Path())
	_, err := os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist, "nothing written before the first Put")

	put(t, f, "local-file-source", fileA, pos(30), connect.SourcePartition{}, pos(1))
	put(t, f, "jdbc", jdbc, connect.NewOffset("incrementing", int64(5), "timestamp", int64(1700000000000)))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, `{"version":1,"offsets":[
{"connector":"jdbc","partition":{"protocol":"1","table":"users"},"offset":{"incrementing":5,"timestamp":1700000000000}},
{"connector":"local-file-source","partition":null,"offset":{"position":1}},
{"connector":"local-file-source","partition":{"filename":"a.txt"},"offset":{"position":30}}
]}
`, string(b))
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	put(t, f, "jdbc", jdbc, deleted)
	put(t, f, "local-file-source", fileA, deleted, connect.SourcePartition{}, deleted)
	b, err = os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "{\"version\":1,\"offsets\":[]}\n", string(b))
}

// TestFileReadsEditedFile accepts a hand-edited file: white space, other
// field orders, null offsets; and keeps an existing file's mode.
func TestFileReadsEditedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "offsets.json")
	require.NoError(t, os.WriteFile(path, []byte(`{
  "version": 1,
  "offsets": [
    {"partition": {"table": "users", "protocol": "1"}, "connector": "jdbc", "offset": {"id": 7}},
    {"connector": "gone", "partition": {"f": 1}, "offset": null}
  ]
}`), 0o640))
	f := openFile(t, path)
	require.Equal(t, map[string]string{`{"protocol":"1","table":"users"}`: `{"id":7}`}, got(t, f, "jdbc", jdbc))
	require.Empty(t, listed(t, f, "gone"))
	put(t, f, "jdbc", jdbc, pos(8))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(b), `{"connector":"jdbc","partition":{"protocol":"1","table":"users"},"offset":{"position":8}}`)
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o640), st.Mode().Perm())
}

func TestFileCorrupt(t *testing.T) {
	good := "{\"version\":1,\"offsets\":[\n" +
		`{"connector":"c","partition":{"filename":"a.txt"},"offset":{"position":30}},` + "\n" +
		`{"connector":"c","partition":{"filename":"b.txt"},"offset":{"position":31}}` + "\n]}\n"
	tests := []struct {
		name, data string
		want       []string // substrings of the error
	}{
		{"truncated", good[:70], []string{"line 2, column 46", "truncated"}},
		{"truncated at end", good[:len(good)-3], []string{"line 4, column 1", "truncated"}},
		{"empty", "", []string{"line 1, column 1", "empty"}},
		{"not json", "hello", []string{"line 1, column 1", "invalid character"}},
		{"array", "[]", []string{"line 1, column 1", `want "{"`}},
		{"no version", `{"offsets":[]}`, []string{"missing"}},
		{"bad version", `{"version":2,"offsets":[]}`, []string{"line 1, column 2", "unsupported version 2"}},
		{"unknown field", `{"version":1,"offsets":[],"extra":1}`, []string{"line 1, column 27", `unknown field "extra"`}},
		{"trailing", good + "{}", []string{"line 5, column 1", "after the document"}},
		{"trailing comma", good[:len(good)-1] + ",", []string{"line 4, column 3", "after the document"}},
		{"duplicate", strings.Replace(good, "b.txt", "a.txt", 1), []string{"line 3, column 1", "appears twice"}},
		{"no connector", "{\"version\":1,\"offsets\":[\n{\"partition\":null,\"offset\":{}}]}", []string{"line 2, column 1", `no "connector"`}},
		{"no offset", "{\"version\":1,\"offsets\":[\n{\"connector\":\"c\",\"partition\":null}]}", []string{"line 2, column 1", `no "offset"`}},
		{"nested partition", "{\"version\":1,\"offsets\":[\n{\"connector\":\"c\",\"partition\":{\"a\":{}},\"offset\":{\"p\":1}}]}", []string{"line 2, column 1", "primitive"}},
		{"bad offset", "{\"version\":1,\"offsets\":[\n{\"connector\":\"c\",\"partition\":{},\"offset\":[1]}]}", []string{"line 2, column 1", "offset is an array"}},
		{"connector not string", "{\"version\":1,\"offsets\":[\n{\"connector\":1,\"partition\":{},\"offset\":{}}]}", []string{"line 2", "cannot unmarshal"}},
		{"unknown entry field", "{\"version\":1,\"offsets\":[\n{\"connector\":\"c\",\"partition\":{},\"offset\":{},\"x\":1}]}", []string{"line 2", "unknown field"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "connect.offsets")
			require.NoError(t, os.WriteFile(path, []byte(tt.data), 0o600))
			_, err := OpenFile(path)
			require.Error(t, err)
			require.Contains(t, err.Error(), path)
			for _, w := range tt.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestFileCrashSafety simulates a crash before the rename, and a leftover
// temporary file: the old contents survive either way.
func TestFileCrashSafety(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "connect.offsets")
	f := openFile(t, path)
	put(t, f, "c", fileA, pos(1))
	before, err := os.ReadFile(path)
	require.NoError(t, err)

	// The write fails after the temporary file is complete: Put reports
	// it, the store and the file keep the old offsets, no temp file stays.
	var tmpSeen string
	f.beforeRename = func(tmp string) error {
		tmpSeen = tmp
		b, err := os.ReadFile(tmp)
		require.NoError(t, err)
		require.Contains(t, string(b), `"position":2`)
		return errors.New("power cut")
	}
	err = f.Put(t.Context(), "c", []Entry{{Partition: fileA, Offset: pos(2)}, {Partition: fileB, Offset: pos(3)}})
	require.ErrorContains(t, err, "power cut")
	require.Equal(t, filepath.Dir(path), filepath.Dir(tmpSeen), "the temporary file is in the same directory")
	require.NoFileExists(t, tmpSeen)
	require.Equal(t, map[string]string{`{"filename":"a.txt"}`: `{"position":1}`}, got(t, f, "c", fileA, fileB))
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, before, after)
	f.beforeRename = nil

	// A crashed process left a full temporary file behind: opening ignores
	// and removes it.
	stray := filepath.Join(dir, ".connect.offsets.tmp-123456")
	require.NoError(t, os.WriteFile(stray, []byte(`{"version":1,"offsets":[`), 0o600))
	other := filepath.Join(dir, "unrelated.tmp-1")
	require.NoError(t, os.WriteFile(other, nil, 0o600))
	f2 := openFile(t, path)
	require.Equal(t, map[string]string{`{"filename":"a.txt"}`: `{"position":1}`}, got(t, f2, "c", fileA))
	require.NoFileExists(t, stray)
	require.FileExists(t, other)
}

func TestOpenFileErrors(t *testing.T) {
	_, err := OpenFile("")
	require.Error(t, err)
	_, err = OpenFile(filepath.Join(t.TempDir(), "missing", "connect.offsets"))
	require.ErrorContains(t, err, "directory")
	file := filepath.Join(t.TempDir(), "plain")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err = OpenFile(filepath.Join(file, "connect.offsets"))
	require.ErrorContains(t, err, "not a directory")
	// A directory where the file should be.
	_, err = OpenFile(t.TempDir())
	require.Error(t, err)
}
