package spooldir

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
)

func TestBinaryConformance(t *testing.T) {
	connecttest.Source(t, connecttest.SourceSpec{
		Plugin: BinaryFilePlugin(),
		Config: func(t testing.TB) map[string]string { return newDirs(t).config(`.*\.bin`, EmptyPollWaitConfig, "20") },
		Produce: func(t testing.TB, cfg map[string]string, n int) {
			for range n {
				id := fileSeq.Add(1)
				writeFile(t, filepath.Join(cfg[InputPathConfig], fmt.Sprintf("f%04d.bin", id)), fmt.Sprintf("\x00bytes of %d\xff", id))
			}
		},
		RequiredKeys: []string{TopicConfig, InputPathConfig, InputFilePatternConfig, ErrorPathConfig},
	})
}

// TestBinaryRecords: one BYTES record per file; an empty file gives none
// and is cleaned up at once; a file whose record is committed is not read
// again.
func TestBinaryRecords(t *testing.T) {
	d := newDirs(t)
	writeFile(t, filepath.Join(d.in, "a.bin"), "\x01\x02\x03")
	writeFile(t, filepath.Join(d.in, "b.bin"), "")
	cfg := d.config(`.*\.bin`)
	st := startTask(t, BinaryFilePlugin(), cfg, nil)
	recs := st.poll(t, 1)
	require.Equal(t, []byte{1, 2, 3}, recs[0].Value)
	require.Equal(t, connect.BytesSchema, recs[0].ValueSchema)
	require.Nil(t, recs[0].Key)
	require.Eventually(t, func() bool {
		_, err := st.Poll(context.Background())
		require.NoError(t, err)
		return exists(filepath.Join(d.finished, "b.bin"))
	}, 5*time.Second, time.Millisecond)
	require.True(t, exists(filepath.Join(d.in, "a.bin")), "a.bin's record is not committed")
	require.NoError(t, st.Stop(context.Background()))

	offsets := connecttest.NewOffsets()
	offsets.CommitRecords(recs)
	st = startTask(t, BinaryFilePlugin(), cfg, offsets)
	for range 3 {
		more, err := st.Poll(context.Background())
		require.NoError(t, err)
		require.Empty(t, more)
	}
	require.True(t, exists(filepath.Join(d.finished, "a.bin")))
}

const elfSample = "#Software: Microsoft Internet Information Services 6.0\n" +
	"#Version: 1.0\n" +
	"#Date: 2002-05-24 20:18:01\n" +
	"#Fields: date time c-ip cs-username s-ip s-port cs-method cs-uri-stem cs-uri-query sc-status sc-bytes cs(User-Agent) time-taken\n" +
	"2002-05-24 20:18:01 172.224.24.114 - 206.73.118.24 80 GET /Default.htm - 200 7930 \"Mozilla/4.0 (compatible; MSIE 5.01)\" 16\n" +
	"#Remark: a comment between entries\n" +
	"\n" +
	"2002-05-24 20:18:02.250 172.224.24.115 bob 206.73.118.24 80 POST /form \"a=1\" 404 - - 3\n"

// produceELF drops a file of n entries.
func produceELF(t testing.TB, cfg map[string]string, n int) {
	id := fileSeq.Add(1)
	var b strings.Builder
	b.WriteString("#Version: 1.0\n#Fields: date time cs-uri-stem sc-status\n")
	for i := range n {
		fmt.Fprintf(&b, "2024-01-02 03:04:%02d /f%d/%d 200\n", i%60, id, i)
	}
	writeFile(t, filepath.Join(cfg[InputPathConfig], fmt.Sprintf("f%04d.log", id)), b.String())
}

func TestELFConformance(t *testing.T) {
	connecttest.Source(t, connecttest.SourceSpec{
		Plugin:       ELFPlugin(),
		Config:       func(t testing.TB) map[string]string { return newDirs(t).config(`.*\.log`, EmptyPollWaitConfig, "20") },
		Produce:      produceELF,
		RequiredKeys: []string{TopicConfig, InputPathConfig, InputFilePatternConfig, ErrorPathConfig},
	})
}

// TestELFRecords reads entries into Structs of the #Fields: directive, the
// entry right after the directives included.
func TestELFRecords(t *testing.T) {
	d := newDirs(t)
	writeFile(t, filepath.Join(d.in, "ex.log"), elfSample)
	st := startTask(t, ELFPlugin(), d.config(`.*\.log`), nil)
	recs := st.poll(t, 2)
	s := recs[0].ValueSchema
	require.Equal(t, elfEntryName, s.Name)
	names := fieldNames(s)
	require.Equal(t, "datetime", names[len(names)-1])
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	require.Equal(t, []string{"c_ip", "cs_method", "cs_uri_query", "cs_uri_stem", "cs_user_agent", "cs_username", "date", "datetime",
		"s_ip", "s_port", "sc_bytes", "sc_status", "time", "time_taken"}, sorted)
	f, _ := s.Field("sc_status")
	require.Equal(t, connect.Int64Type, f.Schema.Type)
	v := recs[0].Value.(*connect.Struct)
	require.Equal(t, time.Date(2002, 5, 24, 20, 18, 1, 0, time.UTC), v.Get("datetime"))
	require.Equal(t, time.Date(2002, 5, 24, 0, 0, 0, 0, time.UTC), v.Get("date"))
	require.Equal(t, "Mozilla/4.0 (compatible; MSIE 5.01)", v.Get("cs_user_agent"))
	require.Nil(t, v.Get("cs_username"))
	require.Equal(t, int64(7930), v.Get("sc_bytes"))
	require.Equal(t, int64(16), v.Get("time_taken"))
	require.Nil(t, recs[0].Key)
	v = recs[1].Value.(*connect.Struct)
	require.Equal(t, time.Date(1970, 1, 1, 20, 18, 2, 250e6, time.UTC), v.Get("time"))
	require.Equal(t, "a=1", v.Get("cs_uri_query"))
	require.Equal(t, int64(404), v.Get("sc_status"))
	require.Nil(t, v.Get("sc_bytes"))
	line, _ := recs[1].SourceOffset.Int64(LineField)
	require.Equal(t, int64(8), line)

	offsets := connecttest.NewOffsets()
	offsets.CommitRecords(recs[:1])
	st = startTask(t, ELFPlugin(), d.config(`.*\.log`, CleanupPolicyConfig, CleanupNone), offsets)
	rest := st.poll(t, 1)
	require.Equal(t, recs[1].SourceOffset, rest[0].SourceOffset)
	require.True(t, rest[0].Value.(*connect.Struct).Equal(recs[1].Value.(*connect.Struct)))
}
