package spooldir

// The must-have behaviours of kafka-connect-spooldir users test first
// (rows 1-12 of the reference's table), and the tests that show them:
//
//	 1 CSV with a header and 3 rows      TestMustHaveCSVFile, TestCSVRecords, TestWorkerCSV
//	 2 whole-name pattern, flags         TestScanSelectsFiles, TestLineRecords, TestMustHaveCSVFile (flag while read, gone after)
//	 3 cleanup.policy                    TestCleanupPolicies
//	 4 halt.on.error true/false          TestCSVBadRow, TestUnreadableFile, TestBadInputCorpus
//	 5 stop mid-file, restart            TestCSVResume, TestJSONResume, TestLineResumesByPosition
//	 6 worker killed mid-file            TestStaleFlagRecovered, TestWorkerRecoversCrashedFile, TestWorkerKilledRepeatedly(ExactlyOnce)
//	 7 file.minimum.age.ms               TestFileStillBeingWritten, TestScanSelectsFiles
//	 8 timestamp.mode                    TestMustHaveTimestampModes, TestCSVTimestampField
//	 9 schema.generation.enabled         TestCSVSchemaGeneration (no file: an error; different
//	                                     headers: their union), TestJSONSchemaGeneration, TestGenerateSchemas
//	10 TSV, quotes, nulls, charset       TestTSV, TestMustHaveCharset
//	11 lines, schemaless JSON, binary    TestLineRecords, TestSchemaLessJSONValues, TestBinaryRecords
//	12 tasks.max=2                       TestTasksShareFiles, TestWorkerCSV

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/source"
)

// TestMustHaveCSVFile: a.csv with a header and 3 rows gives 3 typed
// records keyed from the key schema, with spooldir's headers, and moves
// to finished.path once they are committed.
func TestMustHaveCSVFile(t *testing.T) {
	d := newDirs(t)
	path := filepath.Join(d.in, "a.csv")
	writeFile(t, path, "id,name,active\n1,ann,true\n2,bob,false\n3,cy,\n")
	st := startTask(t, CsvPlugin(), d.csvConfig(), nil)
	recs := st.poll(t, 3)
	for i, r := range recs {
		require.Equal(t, int64(i+1), r.Value.(*connect.Struct).Get("id"))
		require.Equal(t, int64(i+1), r.Key.(*connect.Struct).Get("id"))
		require.Equal(t, "a.csv", header(t, r, "file.name"))
		require.Equal(t, "a", header(t, r, "file.name.without.extension"))
		require.Equal(t, path, header(t, r, "file.path"))
		require.Equal(t, "in", header(t, r, "file.parent.dir.name"))
		require.Equal(t, int64(i+1), header(t, r, "file.offset"))
		require.NotNil(t, header(t, r, "file.length"))
		require.NotNil(t, header(t, r, "file.last.modified"))
		require.Equal(t, "spool", r.Topic)
	}
	require.Equal(t, "bob", recs[1].Value.(*connect.Struct).Get("name"))
	require.Equal(t, false, recs[1].Value.(*connect.Struct).Get("active"))
	require.True(t, exists(path+".PROCESSING"))
	st.settle(t, recs)
	st.commit(t)
	recs, err := st.Poll(context.Background())
	require.NoError(t, err)
	require.Empty(t, recs)
	require.True(t, exists(filepath.Join(d.finished, "a.csv")))
	require.False(t, exists(path))
	require.False(t, exists(path+".PROCESSING"))
}

// TestMustHaveTimestampModes: PROCESS_TIME leaves the record's time to
// the producer, FILE_TIME takes the file's modification time and FIELD
// the field's value.
func TestMustHaveTimestampModes(t *testing.T) {
	mod := time.Date(2024, 3, 9, 12, 0, 0, 0, time.UTC)
	value := `{"type":"STRUCT","fieldSchemas":{"id":{"type":"INT64"},"ts":{"name":"org.apache.kafka.connect.data.Timestamp","type":"INT64","version":1}}}`
	for mode, want := range map[string]time.Time{
		TimestampProcessTime: {},
		TimestampFileTime:    mod,
		TimestampField:       time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
	} {
		t.Run(mode, func(t *testing.T) {
			d := newDirs(t)
			path := filepath.Join(d.in, "a.csv")
			writeFile(t, path, "id,ts\n1,2024-05-06T07:08:09\n")
			require.NoError(t, os.Chtimes(path, mod, mod))
			st := startTask(t, CsvPlugin(), d.csvConfig(ValueSchemaConfig, value, TimestampModeConfig, mode, TimestampFieldConfig, "ts"), nil)
			recs := st.poll(t, 1)
			require.True(t, want.Equal(recs[0].Timestamp), "timestamp %v, want %v", recs[0].Timestamp, want)
		})
	}
}

// TestMustHaveCharset: csv.file.charset and file.charset take Java's
// charset names, text is decoded from them (a UTF-16 byte order mark
// giving the byte order, one in UTF-16LE skipped as in UTF-8), a file
// resumes after its committed record, and a charset Java would know but
// this connector does not is refused naming the key.
func TestMustHaveCharset(t *testing.T) {
	enc16 := func(order binary.AppendByteOrder, bom bool, s string) string {
		var b []byte
		if bom {
			b = order.AppendUint16(b, 0xFEFF)
		}
		for _, u := range utf16.Encode([]rune(s)) {
			b = order.AppendUint16(b, u)
		}
		return string(b)
	}
	const text = "id,name\n1,Zoë ☃\n2,\"a\nb\"\n3,𝄞 ü\n"
	for _, tc := range []struct {
		charset, content string
		want             []string
	}{
		{"UTF-8", text, []string{"1|Zoë ☃", "2|a\nb", "3|𝄞 ü"}},
		{"ISO-8859-1", "id,name\n1,Zo\xeb\n2,\"a\nb\"\n3,\xfc\x80\n", []string{"1|Zoë", "2|a\nb", "3|ü\u0080"}},
		{"windows-1252", "id,name\n1,Zo\xeb\n2,\"a\nb\"\n3,\x80\x81\n", []string{"1|Zoë", "2|a\nb", "3|€\uFFFD"}},
		{"Cp1252", "id,name\n1,\x80\n2,b\n3,c\n", []string{"1|€", "2|b", "3|c"}},
		{"UTF-16", enc16(binary.LittleEndian, true, text), []string{"1|Zoë ☃", "2|a\nb", "3|𝄞 ü"}},
		{"UTF-16", enc16(binary.BigEndian, false, text), []string{"1|Zoë ☃", "2|a\nb", "3|𝄞 ü"}},
		{"UTF-16LE", enc16(binary.LittleEndian, true, text), []string{"1|Zoë ☃", "2|a\nb", "3|𝄞 ü"}},
		{"UTF_16BE", enc16(binary.BigEndian, false, text), []string{"1|Zoë ☃", "2|a\nb", "3|𝄞 ü"}},
	} {
		t.Run(tc.charset, func(t *testing.T) {
			d := newDirs(t)
			writeFile(t, filepath.Join(d.in, "a.csv"), tc.content)
			cfg := d.config(`.*\.csv`, KeySchemaConfig, corpusKey, ValueSchemaConfig, corpusValue, CSVFirstRowAsHeaderConfig, "true",
				CSVFileCharsetConfig, tc.charset, CleanupPolicyConfig, CleanupNone)
			st := startTask(t, CsvPlugin(), cfg, nil)
			all := st.poll(t, 3)
			require.Equal(t, tc.want, rows(all))
			require.NoError(t, st.Stop(context.Background()))
			for n := range 2 {
				offsets := connecttest.NewOffsets()
				offsets.CommitRecords(all[:n+1])
				st := startTask(t, CsvPlugin(), cfg, offsets)
				require.Equal(t, tc.want[n+1:], rows(st.poll(t, 2-n)), "resumed after record %d", n+1)
				require.NoError(t, st.Stop(context.Background()))
			}
			// The line connector decodes with file.charset.
			lcfg := d.config(`.*\.csv`, FileCharsetConfig, tc.charset, CleanupPolicyConfig, CleanupNone, BatchSizeConfig, "2")
			lines := values(startTask(t, LineDelimitedPlugin(), lcfg, nil).poll(t, 2))
			require.Equal(t, "1,"+strings.SplitN(tc.want[0], "|", 2)[1], lines[1])
		})
	}
	d := newDirs(t)
	for _, cs := range []string{"UTF-32", "no-such-charset"} {
		err := CsvPlugin().New().Start(context.Background(), d.csvConfig(CSVFileCharsetConfig, cs), connecttest.NewConnectorContext(nil))
		require.ErrorContains(t, err, CSVFileCharsetConfig)
		require.ErrorContains(t, err, cs)
		err = LineDelimitedPlugin().New().Start(context.Background(), d.config(`.*`, FileCharsetConfig, cs), connecttest.NewConnectorContext(nil))
		require.ErrorContains(t, err, FileCharsetConfig)
	}
}

// TestJVMOffsets: a file a JVM spooldir was partway through, whose offset
// it committed under {"fileName": name}, is read on after that offset
// (CSV: lines read less the header; JSON: the index of the last record;
// lines: the line number); an offset of kconnect's own comes first.
func TestJVMOffsets(t *testing.T) {
	for _, tc := range []struct {
		name     string
		plugin   source.Plugin
		file     string
		content  string
		offset   int64
		want     []string
		extraCfg []string
	}{
		{"csv", CsvPlugin(), "a.csv", "id,name\n1,a\n2,\"b\nb\"\n3,c\n4,d\n", 3, []string{"3", "4"}, nil},
		{"csv skip lines", CsvPlugin(), "a.csv", "title\nid,name\n1,a\n2,b\n3,c\n", 1, []string{"2", "3"}, []string{CSVSkipLinesConfig, "1"}},
		{"json", JsonPlugin(), "a.json", "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n", 0, []string{"2", "3"}, nil},
		{"lines", LineDelimitedPlugin(), "a.txt", "1\n2\n\n4\n", 3, []string{"4"}, nil},
		{"csv done", CsvPlugin(), "a.csv", "id,name\n1,a\n", 1, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDirs(t)
			path := filepath.Join(d.in, tc.file)
			writeFile(t, path, tc.content)
			offsets := connecttest.NewOffsets()
			offsets.Commit(connect.NewSourcePartition(FileNameField, tc.file), connect.NewOffset(OffsetField, tc.offset))
			cfg := d.config(`.*`, append([]string{KeySchemaConfig, corpusKey, ValueSchemaConfig, corpusValue,
				CSVFirstRowAsHeaderConfig, "true", EmptyPollWaitConfig, "1"}, tc.extraCfg...)...)
			st := startTask(t, tc.plugin, cfg, offsets)
			recs := st.poll(t, len(tc.want))
			var got []string
			for _, r := range recs {
				if s, ok := r.Value.(*connect.Struct); ok {
					got = append(got, fmt.Sprint(s.Get("id")))
				} else {
					got = append(got, r.Value.(string))
				}
			}
			require.Equal(t, tc.want, got)
			st.settle(t, recs)
			st.commit(t)
			more, err := st.Poll(context.Background())
			require.NoError(t, err)
			require.Empty(t, more)
			require.Eventually(t, func() bool {
				st.Poll(context.Background())
				return exists(filepath.Join(d.finished, tc.file))
			}, 5*time.Second, time.Millisecond)
		})
	}
	// kconnect's own offset comes first.
	d := newDirs(t)
	path := filepath.Join(d.in, "a.txt")
	writeFile(t, path, "1\n2\n3\n")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	offsets := connecttest.NewOffsets()
	offsets.Commit(connect.NewSourcePartition(FileNameField, "a.txt"), connect.NewOffset(OffsetField, int64(2)))
	f := fileInfo{path: path, name: "a.txt", size: fi.Size(), mod: fi.ModTime()}
	offsets.Commit(f.partition(), connect.NewOffset(OffsetField, int64(1), PositionField, int64(2), LineField, int64(1)))
	st := startTask(t, LineDelimitedPlugin(), d.config(`.*`), offsets)
	require.Equal(t, []any{"2", "3"}, values(st.poll(t, 2)))
}
