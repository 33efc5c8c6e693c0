package spooldir

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	hamba "github.com/hamba/avro/v2"
	"github.com/hamba/avro/v2/ocf"
	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
)

const avroSchema = `{"type":"record","name":"Row","namespace":"com.example","fields":[
	{"name":"id","type":"long"},
	{"name":"name","type":["null","string"],"default":null},
	{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
	{"name":"tags","type":{"type":"array","items":"string"}}]}`

type avroRow struct {
	ID   int64    `avro:"id"`
	Name *string  `avro:"name"`
	At   int64    `avro:"at"`
	Tags []string `avro:"tags"`
}

func avroRowOf(id int64) avroRow {
	name := fmt.Sprintf("n%d", id)
	return avroRow{ID: id, Name: &name, At: 1_700_000_000_000 + id, Tags: []string{"t", name}}
}

// avroFile returns a container file of rows first..first+n-1, in blocks
// of perBlock records, written by hamba/avro's encoder with codec.
func avroFile(t testing.TB, codec ocf.CodecName, first, n int64, perBlock int) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc, err := ocf.NewEncoder(avroSchema, &buf, ocf.WithCodec(codec), ocf.WithBlockLength(perBlock),
		ocf.WithEncoderSchemaCache(&hamba.SchemaCache{}))
	require.NoError(t, err)
	for id := first; id < first+n; id++ {
		require.NoError(t, enc.Encode(avroRowOf(id)))
	}
	require.NoError(t, enc.Close())
	return buf.Bytes()
}

// avroIDs returns the ids of Row records.
func avroIDs(recs []connect.Record) []int64 {
	var out []int64
	for _, r := range recs {
		out = append(out, r.Value.(*connect.Struct).Get("id").(int64))
	}
	return out
}

func seq(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func TestAvroConformance(t *testing.T) {
	connecttest.Source(t, connecttest.SourceSpec{
		Plugin: AvroPlugin(),
		Config: func(t testing.TB) map[string]string { return newDirs(t).config(`.*\.avro`, EmptyPollWaitConfig, "20") },
		Produce: func(t testing.TB, cfg map[string]string, n int) {
			id := fileSeq.Add(1)
			data := avroFile(t, ocf.Deflate, 0, int64(n), 7)
			writeFile(t, filepath.Join(cfg[InputPathConfig], fmt.Sprintf("f%04d.avro", id)), string(data))
		},
		RequiredKeys: []string{TopicConfig, InputPathConfig, InputFilePatternConfig, ErrorPathConfig},
	})
}

// TestAvroRecords: every record of a file in every codec hamba writes,
// with the Connect schema AvroData gives the file's schema, no key, the
// file.* headers and file.offset counting records.
func TestAvroRecords(t *testing.T) {
	for _, codec := range []ocf.CodecName{ocf.Null, ocf.Deflate, ocf.Snappy, ocf.ZStandard} {
		t.Run(string(codec), func(t *testing.T) {
			d := newDirs(t)
			path := filepath.Join(d.in, "rows.avro")
			writeFile(t, path, string(avroFile(t, codec, 1, 10, 4)))
			st := startTask(t, AvroPlugin(), d.config(`.*\.avro`), nil)
			recs := st.poll(t, 10)
			require.Equal(t, seq(1, 10), avroIDs(recs))
			r := recs[2]
			require.Nil(t, r.Key)
			require.Nil(t, r.KeySchema)
			require.Equal(t, "com.example.Row", r.ValueSchema.Name)
			at, _ := r.ValueSchema.Field("at")
			require.Equal(t, connect.LogicalTimestamp, at.Schema.Logical())
			name, _ := r.ValueSchema.Field("name")
			require.True(t, name.Schema.Optional)
			v := r.Value.(*connect.Struct)
			require.Equal(t, "n3", v.Get("name"))
			require.Equal(t, connect.MillisToTimestamp(1_700_000_000_003), v.Get("at"))
			require.Equal(t, []any{"t", "n3"}, v.Get("tags"))
			require.Equal(t, int64(3), header(t, r, "file.offset"))
			require.Equal(t, "rows.avro", header(t, r, "file.name"))
			require.Equal(t, path, header(t, r, "file.path"))

			st.settle(t, recs)
			st.commit(t)
			require.Eventually(t, func() bool {
				_, err := st.Poll(context.Background())
				require.NoError(t, err)
				return exists(filepath.Join(d.finished, "rows.avro"))
			}, 5*time.Second, time.Millisecond, "the file is moved once its offsets are committed")
		})
	}
}

// TestAvroResumeInsideBlock: a task stopped with its committed offset in
// the middle of a block resumes at the record after it, neither repeating
// a committed record nor skipping one, for every cut point of a file of
// blocks of three records.
func TestAvroResumeInsideBlock(t *testing.T) {
	const n = 10
	data := avroFile(t, ocf.Snappy, 0, n, 3)
	for cut := 1; cut < n; cut++ {
		t.Run(fmt.Sprint(cut), func(t *testing.T) {
			d := newDirs(t)
			writeFile(t, filepath.Join(d.in, "rows.avro"), string(data))
			cfg := d.config(`.*\.avro`, BatchSizeConfig, "2")
			offsets := connecttest.NewOffsets()
			st := startTask(t, AvroPlugin(), cfg, offsets)
			recs := st.poll(t, n)
			require.Equal(t, seq(0, n-1), avroIDs(recs))
			// Records past the cut were handed out but never committed.
			st.settle(t, recs[:cut])
			require.NoError(t, st.Stop(context.Background()))

			st = startTask(t, AvroPlugin(), cfg, offsets)
			rest := st.poll(t, n-cut)
			require.Equal(t, seq(int64(cut), n-1), avroIDs(rest))
			for i, r := range rest {
				require.Equal(t, int64(cut+i+1), header(t, r, "file.offset"), "records keep their numbers across the restart")
			}
			more, err := st.Poll(context.Background())
			require.NoError(t, err)
			require.Empty(t, more)
		})
	}
}

// TestAvroOffsets: a record's offset is the block holding the next
// record and the records of it already read; after a block's last record,
// the next block with none read.
func TestAvroOffsets(t *testing.T) {
	d := newDirs(t)
	data := avroFile(t, ocf.Null, 0, 5, 2)
	path := filepath.Join(d.in, "rows.avro")
	writeFile(t, path, string(data))
	st := startTask(t, AvroPlugin(), d.config(`.*\.avro`), nil)
	recs := st.poll(t, 5)
	var got [][3]int64
	for _, r := range recs {
		p := positionOf(r.SourceOffset)
		got = append(got, [3]int64{p.records, p.bytes, p.line})
	}
	b0 := got[0][1]
	b1 := got[1][1]
	b2 := got[3][1]
	require.Less(t, b0, b1)
	require.Less(t, b1, b2)
	require.Equal(t, [][3]int64{{1, b0, 1}, {2, b1, 0}, {3, b1, 1}, {4, b2, 0}, {5, int64(len(data)), 0}}, got)
}

// avroHeader returns a container file header with schema and codec, and
// its sync marker.
func avroHeader(t testing.TB, schema, codec string) ([]byte, [16]byte) {
	sync := [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	h, err := hamba.Marshal(ocf.HeaderSchema, ocf.Header{
		Magic: [4]byte{'O', 'b', 'j', 1},
		Meta:  map[string][]byte{"avro.schema": []byte(schema), "avro.codec": []byte(codec)},
		Sync:  sync,
	})
	require.NoError(t, err)
	return h, sync
}

// avroBlocks returns where each block of a container file written with
// avroFile starts, and the file's end.
func avroBlocks(t testing.TB, data []byte) []int64 {
	t.Helper()
	sync := data[len(data)-16:]
	var out []int64
	for i := 0; ; {
		j := bytes.Index(data[i:], sync)
		if j < 0 {
			return out
		}
		i += j + 16
		out = append(out, int64(i))
	}
}

// TestAvroBadInputCorpus: a file that cannot be read as an Avro container
// file (wrong magic, a header cut short, a codec not supported) is moved
// to error.path and named in the error; a block that cannot be read is a
// malformed record naming the file and the block's position, the blocks
// around it read (halt.on.error=false) or the records before it delivered
// and the task failed (true).
func TestAvroBadInputCorpus(t *testing.T) {
	good := avroFile(t, ocf.Deflate, 0, 9, 3)
	blocks := avroBlocks(t, good) // header end, block 1 end, block 2 end, block 3 end
	require.Len(t, blocks, 4)
	xz, _ := avroHeader(t, avroSchema, "xz")

	cutInside := good[:blocks[3]-20]
	badDeflate := bytes.Clone(good)
	for i := blocks[1] + 4; i < blocks[2]-20; i++ {
		badDeflate[i] ^= 0x5a // the second block's compressed data
	}
	badCount := bytes.Clone(good)
	badCount[blocks[1]] = 0x01 // the second block's count becomes -1
	plain := avroFile(t, ocf.Null, 0, 9, 3)
	plainBlocks := avroBlocks(t, plain)
	badDatum := bytes.Clone(plain)
	// The union index of the second block's first record's name (after
	// the block's count and size and the record's id, a byte each).
	badDatum[plainBlocks[1]+3] = 0x7f
	badSync := bytes.Clone(good)
	badSync[blocks[2]-1] ^= 0xff // the second block's sync marker

	type tc struct {
		name    string
		content []byte
		want    []int64
		bad     []string // the error (halt) or log names these, after the file
		unread  bool     // the whole file cannot be read: error.path with either setting
		before  int      // records delivered with halt=true
	}
	cases := []tc{
		{name: "wrong magic", content: append([]byte("Obj\x02"), good[4:]...), unread: true, bad: []string{"wrong magic"}},
		{name: "not avro", content: []byte("id,name\n1,a\n"), unread: true, bad: []string{"wrong magic"}},
		{name: "empty", content: nil, unread: true, bad: []string{"ends inside its header"}},
		{name: "header cut", content: good[:blocks[0]-5], unread: true, bad: []string{"ends inside its header"}},
		{name: "codec not supported", content: xz, unread: true, bad: []string{"avro.codec", "xz", "is not supported"}},
		{name: "bad schema", content: func() []byte { h, _ := avroHeader(t, `{"type":"nope"}`, "null"); return h }(), unread: true, bad: []string{"avro.schema"}},
		{name: "no blocks", content: good[:blocks[0]]},
		{name: "truncated in the last block", content: cutInside, want: seq(0, 5),
			bad: []string{fmt.Sprintf("block at byte %d", blocks[2]), "ends inside"}, before: 6},
		{name: "corrupt compressed block", content: badDeflate, want: append(seq(0, 2), seq(6, 8)...),
			bad: []string{fmt.Sprintf("block at byte %d", blocks[1]), "decompressing"}, before: 3},
		{name: "corrupt block count", content: badCount, want: append(seq(0, 2), seq(6, 8)...),
			bad: []string{fmt.Sprintf("block at byte %d", blocks[1]), "corrupt block header"}, before: 3},
		{name: "record that does not decode", content: badDatum, want: append(seq(0, 2), seq(6, 8)...),
			bad: []string{fmt.Sprintf("block at byte %d", plainBlocks[1]), "record 1 of 3"}, before: 3},
		{name: "corrupt sync marker", content: badSync, want: seq(0, 2),
			bad: []string{fmt.Sprintf("block at byte %d", blocks[1]), "sync marker"}, before: 3},
	}
	for _, c := range cases {
		for _, halt := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/halt=%v", c.name, halt), func(t *testing.T) {
				d := newDirs(t)
				path := filepath.Join(d.in, "a.avro")
				writeFile(t, path, string(c.content))
				cfg := d.config(`.*\.avro`, HaltOnErrorConfig, fmt.Sprint(halt), EmptyPollWaitConfig, "1")
				r := startLogged(t, AvroPlugin(), cfg)
				recs, err := r.drain(t, d.in)
				want := c.want
				if halt && !c.unread && len(c.bad) > 0 {
					want = c.want[:c.before]
				}
				require.Equal(t, want, avroIDs(recs))
				if len(c.bad) == 0 {
					require.NoError(t, err)
					require.True(t, exists(filepath.Join(d.finished, "a.avro")))
					return
				}
				if halt {
					require.Error(t, err)
					require.ErrorContains(t, err, path)
					for _, b := range c.bad {
						require.ErrorContains(t, err, b)
					}
					require.True(t, exists(filepath.Join(d.errors, "a.avro")), "the file is in error.path")
					return
				}
				require.NoError(t, err)
				log := r.tc.String()
				require.Contains(t, log, path)
				for _, b := range c.bad {
					require.Contains(t, log, b)
				}
				if c.unread {
					require.True(t, exists(filepath.Join(d.errors, "a.avro")), "the file is in error.path")
				} else {
					require.True(t, exists(filepath.Join(d.finished, "a.avro")), "the file is read on")
				}
			})
		}
	}
}

// FuzzAvroReader: no input makes the reader panic, loop or allocate
// without bound; it ends with io.EOF or an error.
func FuzzAvroReader(f *testing.F) {
	f.Add(avroFile(f, ocf.Null, 0, 5, 2))
	f.Add(avroFile(f, ocf.Deflate, 0, 5, 2))
	f.Add(avroFile(f, ocf.Snappy, 0, 5, 2))
	f.Add(avroFile(f, ocf.ZStandard, 0, 5, 2))
	f.Add([]byte("Obj\x01"))
	empty := func() []byte { // an empty record: records of no bytes
		h, sync := avroHeader(f, `{"type":"record","name":"E","fields":[]}`, "null")
		return append(append(h, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0), sync[:]...) // a block of 2^31-1 records
	}()
	f.Add(empty)
	dir := f.TempDir()
	var n int
	f.Fuzz(func(t *testing.T, data []byte) {
		n++
		path := filepath.Join(dir, fmt.Sprintf("f%d.avro", n))
		require.NoError(t, os.WriteFile(path, data, 0o644))
		defer os.Remove(path)
		af := &avroFormat{c: &common{bufferSize: 4096}}
		for _, resume := range []position{{}, {records: 1, bytes: int64(len(data) / 2), line: 1}} {
			r, err := af.open(&fileInfo{path: path, name: "f.avro"}, resume)
			if err != nil {
				continue
			}
			for i := 0; ; i++ {
				require.Less(t, i, len(data)+maxEmptyRecords+10, "more records or errors than bytes")
				_, err := r.next()
				if err == io.EOF || (err != nil && asRowError(err) == nil) {
					break
				}
			}
			r.Close()
		}
	})
}

// TestAvroCleanupWaitsForLastRecord: the records of a block before its
// last share the block's position, so the file is cleaned up only once
// the last record itself is committed, not one that shares its block.
func TestAvroCleanupWaitsForLastRecord(t *testing.T) {
	d := newDirs(t)
	writeFile(t, filepath.Join(d.in, "rows.avro"), string(avroFile(t, ocf.Null, 0, 6, 3)))
	st := startTask(t, AvroPlugin(), d.config(`.*\.avro`), nil)
	recs := st.poll(t, 6)
	// The offset committed is the fifth's.
	st.offsets.CommitRecords(recs[:5])
	st.commit(t)
	for range 3 {
		_, err := st.Poll(context.Background())
		require.NoError(t, err)
	}
	require.True(t, exists(filepath.Join(d.in, "rows.avro")), "the last record is not committed")
	st.offsets.CommitRecords(recs[5:])
	st.commit(t)
	require.Eventually(t, func() bool {
		_, err := st.Poll(context.Background())
		require.NoError(t, err)
		return exists(filepath.Join(d.finished, "rows.avro"))
	}, 5*time.Second, time.Millisecond)
}

// TestAvroJVMOffset: a file with no offset of its own but one a JVM
// spooldir committed for its name (the records it read) is read on after
// those records.
func TestAvroJVMOffset(t *testing.T) {
	d := newDirs(t)
	writeFile(t, filepath.Join(d.in, "rows.avro"), string(avroFile(t, ocf.Deflate, 0, 7, 3)))
	offsets := connecttest.NewOffsets()
	offsets.Commit(connect.NewSourcePartition(FileNameField, "rows.avro"), connect.NewOffset(OffsetField, int64(4)))
	st := startTask(t, AvroPlugin(), d.config(`.*\.avro`), offsets)
	recs := st.poll(t, 3)
	require.Equal(t, seq(4, 6), avroIDs(recs))
	require.Equal(t, int64(5), header(t, recs[0], "file.offset"))
}

// TestAvroAlias: the connector answers to spooldir's class name and its
// short names.
func TestAvroAlias(t *testing.T) {
	ps := connect.Plugins([]connect.Plugin{AvroPlugin()})
	for _, name := range []string{AvroClass, "SpoolDirAvroSourceConnector", "SpoolDirAvroSource"} {
		_, err := ps.Find(connect.SourcePlugin, name)
		require.NoError(t, err, name)
	}
}

// TestAvroJavaFiles reads container files written by Java's avro-tools
// (testdata/avro), in every codec Java writes: those it reads give the
// same records, an xz file is named and moved to error.path.
func TestAvroJavaFiles(t *testing.T) {
	for _, codec := range []string{"null", "deflate", "snappy", "bzip2", "zstandard", "xz"} {
		t.Run(codec, func(t *testing.T) {
			d := newDirs(t)
			data, err := os.ReadFile(filepath.Join("testdata", "avro", "rows-"+codec+".avro"))
			require.NoError(t, err)
			path := filepath.Join(d.in, "rows.avro")
			writeFile(t, path, string(data))
			r := startLogged(t, AvroPlugin(), d.config(`.*\.avro`, HaltOnErrorConfig, "false", EmptyPollWaitConfig, "1"))
			recs, err := r.drain(t, d.in)
			require.NoError(t, err)
			if codec == "xz" {
				require.Empty(t, recs)
				require.Contains(t, r.tc.String(), path)
				require.Contains(t, r.tc.String(), "xz")
				require.True(t, exists(filepath.Join(d.errors, "rows.avro")))
				return
			}
			require.Equal(t, seq(1, 5), avroIDs(recs))
			var got []string
			for _, rec := range recs {
				v := rec.Value.(*connect.Struct)
				got = append(got, fmt.Sprintf("%v %v %v %v %v", v.Get("name"), v.Get("at").(time.Time).UnixMilli(), v.Get("tags"), v.Get("price"), v.Get("kind")))
			}
			require.Equal(t, []string{"n1 1700000000001 [t x1] 1.25 A", "n2 1700000000002 [t x2] 2.25 B",
				"<nil> 1700000000003 [t x3] 3.25 A", "n4 1700000000004 [t x4] 4.25 B", "n5 1700000000005 [t x5] 5.25 A"}, got)
		})
	}
}

// TestAvroCleanupPolicies: a file read and committed is deleted, moved
// under its date, or left and not read again after a restart; a
// processing flag left by a stopped task is removed at the next start and
// the file read on from its committed offset.
func TestAvroCleanupPolicies(t *testing.T) {
	data := string(avroFile(t, ocf.Null, 0, 4, 3))
	drainAll := func(t *testing.T, st *started, n int) {
		recs := st.poll(t, n)
		st.settle(t, recs)
		st.commit(t)
	}
	t.Run("DELETE", func(t *testing.T) {
		d := newDirs(t)
		path := filepath.Join(d.in, "a.avro")
		writeFile(t, path, data)
		st := startTask(t, AvroPlugin(), d.config(`.*\.avro`, CleanupPolicyConfig, CleanupDelete), nil)
		drainAll(t, st, 4)
		require.Eventually(t, func() bool {
			_, err := st.Poll(context.Background())
			require.NoError(t, err)
			return !exists(path)
		}, 5*time.Second, time.Millisecond)
		require.Empty(t, listDir(d.finished))
	})
	t.Run("MOVEBYDATE", func(t *testing.T) {
		d := newDirs(t)
		path := filepath.Join(d.in, "a.avro")
		writeFile(t, path, data)
		fi, err := os.Stat(path)
		require.NoError(t, err)
		st := startTask(t, AvroPlugin(), d.config(`.*\.avro`, CleanupPolicyConfig, CleanupMoveByDate), nil)
		drainAll(t, st, 4)
		require.Eventually(t, func() bool {
			_, err := st.Poll(context.Background())
			require.NoError(t, err)
			return exists(filepath.Join(d.finished, fi.ModTime().Format("2006-01-02"), "a.avro"))
		}, 5*time.Second, time.Millisecond)
	})
	t.Run("NONE and a stale flag", func(t *testing.T) {
		d := newDirs(t)
		path := filepath.Join(d.in, "a.avro")
		writeFile(t, path, data)
		cfg := d.config(`.*\.avro`, CleanupPolicyConfig, CleanupNone, BatchSizeConfig, "2")
		offsets := connecttest.NewOffsets()
		st := startTask(t, AvroPlugin(), cfg, offsets)
		recs := st.poll(t, 2)
		st.settle(t, recs)
		writeFile(t, path+".PROCESSING", "") // as a task killed while reading leaves it
		st = startTask(t, AvroPlugin(), cfg, offsets)
		require.False(t, exists(path+".PROCESSING"), "the stale flag is removed at start")
		rest := st.poll(t, 2)
		require.Equal(t, seq(2, 3), avroIDs(rest))
		st.settle(t, rest)
		st.commit(t)
		require.NoError(t, st.Stop(context.Background()))
		st = startTask(t, AvroPlugin(), cfg, offsets)
		for range 3 {
			more, err := st.Poll(context.Background())
			require.NoError(t, err)
			require.Empty(t, more, "a file left in place and read is not read again")
		}
		require.True(t, exists(path))
	})
}
