package spooldir

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
)

const jsonValueSchema = `{"name":"com.example.Event","type":"STRUCT","isOptional":false,"fieldSchemas":{` +
	`"id":{"type":"INT64","isOptional":false},` +
	`"name":{"type":"STRING","isOptional":true},` +
	`"tags":{"type":"ARRAY","isOptional":true,"valueSchema":{"type":"STRING","isOptional":false}},` +
	`"addr":{"type":"STRUCT","isOptional":true,"fieldSchemas":{"city":{"type":"STRING","isOptional":true}}},` +
	`"at":{"name":"org.apache.kafka.connect.data.Timestamp","type":"INT64","version":1,"isOptional":true}}}`

func (d dirs) jsonConfig(extra ...string) map[string]string {
	return d.config(`.*\.json`, append([]string{KeySchemaConfig, keySchemaJSON, ValueSchemaConfig, jsonValueSchema}, extra...)...)
}

// produceJSON drops a file of n objects, some written one after another
// without whitespace, some across lines.
func produceJSON(t testing.TB, cfg map[string]string, n int) {
	id := fileSeq.Add(1)
	var b strings.Builder
	for i := range n {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, `{"id":%d,"name":"f%d-%d"}`, id*100000+int64(i), id, i)
		case 1:
			fmt.Fprintf(&b, "{\"id\": %d,\n  \"name\": \"f%d-%d\"}\n", id*100000+int64(i), id, i)
		default:
			fmt.Fprintf(&b, "  {\"name\":\"f%d-%d\",\"id\":%d}\n\n", id, i, id*100000+int64(i))
		}
	}
	writeFile(t, filepath.Join(cfg[InputPathConfig], fmt.Sprintf("f%04d.json", id)), b.String())
}

func TestJSONConformance(t *testing.T) {
	connecttest.Source(t, connecttest.SourceSpec{
		Plugin:       JsonPlugin(),
		Config:       func(t testing.TB) map[string]string { return newDirs(t).jsonConfig(EmptyPollWaitConfig, "20") },
		Produce:      produceJSON,
		RequiredKeys: []string{TopicConfig, InputPathConfig, InputFilePatternConfig, ErrorPathConfig, KeySchemaConfig, ValueSchemaConfig},
	})
}

func TestSchemaLessJSONConformance(t *testing.T) {
	connecttest.Source(t, connecttest.SourceSpec{
		Plugin:       SchemaLessJsonPlugin(),
		Config:       func(t testing.TB) map[string]string { return newDirs(t).config(`.*\.json`, EmptyPollWaitConfig, "20") },
		Produce:      produceJSON,
		RequiredKeys: []string{TopicConfig, InputPathConfig, InputFilePatternConfig, ErrorPathConfig},
	})
}

// TestJSONRecords reads objects into Structs: nested structs, arrays,
// epoch milliseconds and formatted timestamps, members in any order,
// missing optional members null.
func TestJSONRecords(t *testing.T) {
	d := newDirs(t)
	writeFile(t, filepath.Join(d.in, "a.json"), `{"name":"a","id":1,"tags":["x","y"],"addr":{"city":"Oslo","zip":1},"at":1700000000000,"extra":true}`+
		"\n{\"id\":\"2\",\"at\":\"2024-01-02T03:04:05\"}{\"id\":3,\"name\":7}")
	st := startTask(t, JsonPlugin(), d.jsonConfig(), nil)
	recs := st.poll(t, 3)
	v := recs[0].Value.(*connect.Struct)
	require.Equal(t, int64(1), v.Get("id"))
	require.Equal(t, []any{"x", "y"}, v.Get("tags"))
	require.Equal(t, "Oslo", v.Get("addr").(*connect.Struct).Get("city"))
	require.Equal(t, connect.MillisToTimestamp(1700000000000), v.Get("at"))
	require.Equal(t, int64(1), recs[0].Key.(*connect.Struct).Get("id"))
	v = recs[1].Value.(*connect.Struct)
	require.Equal(t, int64(2), v.Get("id"))
	require.Nil(t, v.Get("addr"))
	require.Equal(t, "2024-01-02T03:04:05Z", v.Get("at").(interface{ Format(string) string }).Format("2006-01-02T15:04:05Z07:00"))
	require.Equal(t, "7", recs[2].Value.(*connect.Struct).Get("name"))
	require.Equal(t, int64(3), header(t, recs[2], "file.offset"))
}

// TestSchemaLessJSONValues writes each value back as Jackson does.
func TestSchemaLessJSONValues(t *testing.T) {
	d := newDirs(t)
	writeFile(t, filepath.Join(d.in, "a.json"), "{ \"a\" : 1.50, \"b\": [1e3, -0.0, 12345678901234567890], \"c\": \"\\u00e9\\n\" }\n\"s\" 42 true null\n[]")
	st := startTask(t, SchemaLessJsonPlugin(), d.config(`.*\.json`), nil)
	recs := st.poll(t, 6)
	require.Equal(t, []any{`{"a":1.5,"b":[1000.0,-0.0,12345678901234567890],"c":"é\n"}`, `"s"`, "42", "true", "null", "[]"}, values(recs))
	require.Nil(t, recs[0].Key)
	require.Equal(t, connect.StringSchema, recs[0].ValueSchema)
}

// TestJSONResume resumes after the committed value, without reading those
// before it.
func TestJSONResume(t *testing.T) {
	d := newDirs(t)
	cfg := d.config(`.*\.json`)
	produceJSON(t, cfg, 7)
	st := startTask(t, SchemaLessJsonPlugin(), cfg, nil)
	all := st.poll(t, 7)
	require.NoError(t, st.Stop(context.Background()))
	for n := range 6 {
		offsets := connecttest.NewOffsets()
		offsets.CommitRecords(all[:n+1])
		st := startTask(t, SchemaLessJsonPlugin(), cfg, offsets)
		rest := st.poll(t, 6-n)
		require.Equal(t, values(all[n+1:]), values(rest))
		for i := range rest {
			require.Equal(t, all[n+1+i].SourceOffset, rest[i].SourceOffset)
		}
		require.NoError(t, st.Stop(context.Background()))
	}
}

// TestJSONBadValue: with halt.on.error=false a value that is not JSON, or
// does not fit the schema, is skipped and the next one read; with true the
// task fails naming the file and line.
func TestJSONBadValue(t *testing.T) {
	content := "{\"id\":1}\n{\"id\":}\n{\"name\":\"no id\"}\n{\"id\":4}\n{\"id\":5"
	d := newDirs(t)
	writeFile(t, filepath.Join(d.in, "a.json"), content)
	st := startTask(t, JsonPlugin(), d.jsonConfig(HaltOnErrorConfig, "false"), nil)
	recs := st.poll(t, 2)
	require.Equal(t, int64(4), recs[1].Value.(*connect.Struct).Get("id"))

	d = newDirs(t)
	path := filepath.Join(d.in, "a.json")
	writeFile(t, path, content)
	st = startTask(t, JsonPlugin(), d.jsonConfig(), nil)
	recs, err := st.Poll(context.Background())
	require.NoError(t, err)
	require.Len(t, recs, 1, "the value before the bad one is read")
	_, err = st.Poll(context.Background())
	require.ErrorContains(t, err, path)
	require.ErrorContains(t, err, "line 2")
	require.ErrorContains(t, err, `"{\"id\":}"`)
}

// TestJSONSchemaGeneration infers nested, typed, optional fields from the
// objects of the files.
func TestJSONSchemaGeneration(t *testing.T) {
	d := newDirs(t)
	writeFile(t, filepath.Join(d.in, "a.json"), `{"id":1,"price":2,"tags":["a"],"addr":{"city":"x"},"mixed":1}{"id":2,"price":2.5,"mixed":"s","late":true}`)
	cfg := d.config(`.*\.json`, SchemaGenerationEnabledConfig, "true", SchemaGenerationKeyFieldsCfg, "id")
	st := startTask(t, JsonPlugin(), cfg, nil)
	recs := st.poll(t, 2)
	s := recs[0].ValueSchema
	require.Equal(t, []string{"id", "price", "tags", "addr", "mixed", "late"}, fieldNames(s))
	types := map[string]string{}
	for _, f := range s.Fields {
		require.True(t, f.Schema.Optional)
		types[f.Name] = f.Schema.Type.String()
	}
	require.Equal(t, map[string]string{"id": "INT64", "price": "FLOAT64", "tags": "ARRAY", "addr": "STRUCT", "mixed": "STRING", "late": "BOOLEAN"}, types)
	require.Equal(t, "1", recs[0].Value.(*connect.Struct).Get("mixed"))
	require.Equal(t, int64(2), recs[1].Key.(*connect.Struct).Get("id"))
}

// FuzzJSONStream reads arbitrary bytes as a stream of JSON values: no
// panic, every value read is JSON, every bad one an error naming its line,
// positions only forward.
func FuzzJSONStream(f *testing.F) {
	for _, seed := range []string{`{"a":1}{"b":[2]}`, `"x" 1 true`, `{"a":"}\"{"}`, `{"a":`, `]]}`, "\xff{", `1e999 -0 [[[[`} {
		f.Add([]byte(seed))
	}
	value, err := parseSchema(jsonValueSchema)
	require.NoError(f, err)
	key, err := parseSchema(keySchemaJSON)
	require.NoError(f, err)
	vp, err := newValueParser([]string{"yyyy-MM-dd'T'HH:mm:ss"}, nil)
	require.NoError(f, err)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.json")
		require.NoError(t, os.WriteFile(path, data, 0o644))
		c := &common{bufferSize: 4096, timestampMode: TimestampProcessTime}
		for _, fm := range []format{&schemaLessFormat{c: c}, &jsonFormat{c: c, key: key, value: value, parser: vp}} {
			r, err := fm.open(&fileInfo{path: path}, position{})
			require.NoError(t, err)
			var last int64
			for i := 0; ; i++ {
				require.Less(t, i, len(data)+1, "more values than bytes")
				it, err := r.next()
				if err == io.EOF {
					break
				}
				var re *rowError
				if errors.As(err, &re) {
					require.Positive(t, re.line)
					continue
				}
				require.NoError(t, err)
				require.Greater(t, it.pos.bytes, last)
				require.LessOrEqual(t, it.pos.bytes, int64(len(data)))
				last = it.pos.bytes
				if s, ok := it.value.(string); ok {
					require.True(t, json.Valid([]byte(s)), "%q", s)
				} else {
					require.NoError(t, connect.ValidateValue(value, it.value))
				}
			}
			r.Close()
		}
	})
}

// TestJSONCharsets: JSON in UTF-16 or UTF-32, with or without a byte
// order mark, is read as Jackson reads it, finding the charset from the
// first bytes, and resumes after a committed record.
func TestJSONCharsets(t *testing.T) {
	const text = "{\"id\":1,\"name\":\"Zoë\"}\n{\"id\":2,\"name\":\"𝄞\"}\n{\"id\":3}\n"
	enc := func(order binary.AppendByteOrder, width int, bom bool) string {
		var b []byte
		put := func(r rune) {
			if width == 4 {
				b = order.AppendUint32(b, uint32(r))
				return
			}
			for _, u := range utf16.Encode([]rune{r}) {
				b = order.AppendUint16(b, u)
			}
		}
		if bom {
			put(0xFEFF)
		}
		for _, r := range text {
			put(r)
		}
		return string(b)
	}
	want := []string{"1|Zoë", "2|𝄞", "3|<nil>"}
	for name, content := range map[string]string{
		"utf-8 bom":     "\uFEFF" + text,
		"utf-16le bom":  enc(binary.LittleEndian, 2, true),
		"utf-16be":      enc(binary.BigEndian, 2, false),
		"utf-16le":      enc(binary.LittleEndian, 2, false),
		"utf-32le":      enc(binary.LittleEndian, 4, false),
		"utf-32be bom":  enc(binary.BigEndian, 4, true),
		"utf-16be gzip": gz(enc(binary.BigEndian, 2, true)),
	} {
		t.Run(name, func(t *testing.T) {
			d := newDirs(t)
			file := "a.json"
			if strings.HasSuffix(name, "gzip") {
				file += ".gz"
			}
			writeFile(t, filepath.Join(d.in, file), content)
			cfg := d.config(`.*`, KeySchemaConfig, corpusKey, ValueSchemaConfig, corpusValue, CleanupPolicyConfig, CleanupNone)
			st := startTask(t, JsonPlugin(), cfg, nil)
			all := st.poll(t, 3)
			require.Equal(t, want, rows(all))
			require.NoError(t, st.Stop(context.Background()))
			offsets := connecttest.NewOffsets()
			offsets.CommitRecords(all[:1])
			st = startTask(t, JsonPlugin(), cfg, offsets)
			require.Equal(t, want[1:], rows(st.poll(t, 2)))
			require.NoError(t, st.Stop(context.Background()))
			sl := startTask(t, SchemaLessJsonPlugin(), d.config(`.*`, CleanupPolicyConfig, CleanupNone), nil)
			require.Equal(t, `{"id":1,"name":"Zoë"}`, sl.poll(t, 3)[0].Value)
		})
	}
}
