package spooldir

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/opencsv"
	"github.com/kconnect-go/kconnect/source"
)

const (
	keySchemaJSON   = `{"name":"com.example.UserKey","type":"STRUCT","isOptional":false,"fieldSchemas":{"id":{"type":"INT64","isOptional":false}}}`
	valueSchemaJSON = `{"name":"com.example.User","type":"STRUCT","isOptional":false,"fieldSchemas":{` +
		`"id":{"type":"INT64","isOptional":false},` +
		`"name":{"type":"STRING","isOptional":true},` +
		`"ts":{"name":"org.apache.kafka.connect.data.Timestamp","type":"INT64","version":1,"isOptional":true},` +
		`"price":{"name":"org.apache.kafka.connect.data.Decimal","type":"BYTES","version":1,"parameters":{"scale":"2"},"isOptional":true},` +
		`"active":{"type":"BOOLEAN","isOptional":true}}}`
)

func (d dirs) csvConfig(extra ...string) map[string]string {
	return d.config(`.*\.csv`, append([]string{KeySchemaConfig, keySchemaJSON, ValueSchemaConfig, valueSchemaJSON,
		CSVFirstRowAsHeaderConfig, "true"}, extra...)...)
}

func TestCSVConformance(t *testing.T) {
	connecttest.Source(t, connecttest.SourceSpec{
		Plugin: CsvPlugin(),
		Config: func(t testing.TB) map[string]string { return newDirs(t).csvConfig(EmptyPollWaitConfig, "20") },
		Produce: func(t testing.TB, cfg map[string]string, n int) {
			id := fileSeq.Add(1)
			var b strings.Builder
			b.WriteString("id,name\n")
			for i := range n {
				fmt.Fprintf(&b, "%d,\"file %d, row %d\"\n", id*100000+int64(i), id, i)
			}
			writeFile(t, filepath.Join(cfg[InputPathConfig], fmt.Sprintf("f%04d.csv", id)), b.String())
		},
		RequiredKeys: []string{TopicConfig, InputPathConfig, InputFilePatternConfig, ErrorPathConfig, KeySchemaConfig, ValueSchemaConfig},
	})
}

// TestCSVRecords: a header and three rows make three typed Struct values,
// keyed by the key schema's fields, columns matched by name, an extra
// column dropped and a missing optional one null.
func TestCSVRecords(t *testing.T) {
	d := newDirs(t)
	path := filepath.Join(d.in, "a.csv")
	writeFile(t, path, "name,extra,id,ts,price,active\n"+
		"ann,x,1,2024-01-02T03:04:05,12.50,true\n"+
		"\"bob, jr\",y,2,2024-01-02 03:04:06,,FALSE\n"+
		"\n"+
		"\"say \"\"hi\"\"\",z,3,,7,\n")
	st := startTask(t, CsvPlugin(), d.csvConfig(), nil)
	recs := st.poll(t, 3)
	for _, r := range recs { // cells are set unchecked: what was built passes the checks
		require.NoError(t, connecttest.Recheck(r.Value))
		require.NoError(t, connecttest.Recheck(r.Key))
	}
	v := recs[0].Value.(*connect.Struct)
	require.Equal(t, int64(1), v.Get("id"))
	require.Equal(t, "ann", v.Get("name"))
	require.Equal(t, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), v.Get("ts"))
	require.Equal(t, "12.50", v.Get("price").(connect.Decimal).String())
	require.Equal(t, true, v.Get("active"))
	k := recs[0].Key.(*connect.Struct)
	require.Equal(t, "com.example.UserKey", recs[0].KeySchema.Name)
	require.Equal(t, int64(1), k.Get("id"))
	v = recs[1].Value.(*connect.Struct)
	require.Equal(t, "bob, jr", v.Get("name"))
	require.Nil(t, v.Get("price"))
	require.Equal(t, false, v.Get("active"))
	v = recs[2].Value.(*connect.Struct)
	require.Equal(t, `say "hi"`, v.Get("name"))
	require.Nil(t, v.Get("ts"))
	require.Nil(t, v.Get("active"))
	require.Equal(t, "com.example.User", recs[2].ValueSchema.Name)
	require.Equal(t, "a.csv", header(t, recs[2], "file.name"))
	require.Equal(t, int64(3), header(t, recs[2], "file.offset"))
	line, _ := recs[2].SourceOffset.Int64(LineField)
	require.Equal(t, int64(5), line, "the blank line counts")
}

// TestCSVResume resumes after the committed row, the header read again.
func TestCSVResume(t *testing.T) {
	d := newDirs(t)
	writeFile(t, filepath.Join(d.in, "a.csv"), "skip me\nid,name\n1,a\n2,\"multi\nline\"\n3,c\n")
	cfg := d.csvConfig(CSVSkipLinesConfig, "1")
	st := startTask(t, CsvPlugin(), cfg, nil)
	all := st.poll(t, 3)
	require.NoError(t, st.Stop(context.Background()))
	for n := range 3 {
		offsets := connecttest.NewOffsets()
		offsets.CommitRecords(all[:n+1])
		st := startTask(t, CsvPlugin(), cfg, offsets)
		rest := st.poll(t, 2-n)
		for i, r := range rest {
			require.True(t, r.Value.(*connect.Struct).Equal(all[n+1+i].Value.(*connect.Struct)))
			require.Equal(t, all[n+1+i].SourceOffset, r.SourceOffset)
		}
	}
}

// TestTSV reads tab-separated values, quotes and nulls.
func TestTSV(t *testing.T) {
	d := newDirs(t)
	writeFile(t, filepath.Join(d.in, "a.csv"), "1\t\"tab\there\"\t\t\t\n2\t\t\t\t\n")
	for _, tc := range []struct {
		indicator string
		empty     any
	}{{"NEITHER", ""}, {"EMPTY_SEPARATORS", nil}, {"BOTH", nil}} {
		t.Run(tc.indicator, func(t *testing.T) {
			st := startTask(t, CsvPlugin(), d.csvConfig(CSVFirstRowAsHeaderConfig, "false", CSVSeparatorCharConfig, "9",
				CSVNullFieldIndicatorConfig, tc.indicator, CleanupPolicyConfig, CleanupNone), nil)
			recs := st.poll(t, 2)
			require.Equal(t, "tab\there", recs[0].Value.(*connect.Struct).Get("name"))
			require.Equal(t, tc.empty, recs[1].Value.(*connect.Struct).Get("name"))
			require.Nil(t, recs[1].Value.(*connect.Struct).Get("ts"))
		})
	}
}

// TestCSVDialect: the keys that say how rows are split give the rows
// spooldir's opencsv gives (internal/opencsv's goldens check the parser
// itself), where they were refused before: another quote and escape
// character, strict quotes, ignore quotations, keep carriage return,
// EMPTY_QUOTES told from EMPTY_SEPARATORS, the RFC 4180 parser and
// separator 0.
func TestCSVDialect(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		cfg     []string
		want    []string // id|name
	}{
		{"defaults", "1,\"say \\\"hi\\\"\"\n2,a\\b\n3,ab\"c\"d\n", nil, []string{`1|say "hi"`, "2|ab", `3|ab"c"d`}},
		{"quote and escape", "1,'it''s'\n2,'a/'b'\n", []string{CSVQuoteCharConfig, "39", CSVEscapeCharConfig, "47"}, []string{"1|it's", "2|a'b"}},
		{"strict quotes", "\"1\",x\"a\"y\n", []string{CSVStrictQuotesConfig, "true"}, []string{"1|a"}},
		{"ignore quotations", "1,\"a,b\"\n", []string{CSVIgnoreQuotationsConfig, "true"}, []string{"1|a"}},
		{"keep carriage return", "1,a\r\n2,\"b\r\nc\"\r\n", []string{CSVKeepCarriageReturnConfig, "true"}, []string{"1|a\r", "2|b\r\nc\r"}},
		{"lone carriage return", "1,a\r2,b\r", nil, []string{"1|a", "2|b"}},
		{"empty quotes", "1,\"\"\n2,\n", []string{CSVNullFieldIndicatorConfig, "EMPTY_QUOTES"}, []string{"1|<nil>", "2|"}},
		{"empty separators", "1,\"\"\n2,\n", []string{CSVNullFieldIndicatorConfig, "EMPTY_SEPARATORS"}, []string{"1|", "2|<nil>"}},
		{"rfc 4180", "1,\"a\\\"\n2,\"b\"\"c\"\n", []string{CSVRFC4180ParserEnabledConfig, "true"}, []string{`1|a\`, `2|b"c`}},
		{"separator 0", "1\x00\"a,b\"\n", []string{CSVSeparatorCharConfig, "0"}, []string{"1|a,b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDirs(t)
			writeFile(t, filepath.Join(d.in, "a.csv"), tc.content)
			cfg := d.config(`.*\.csv`, append([]string{KeySchemaConfig, corpusKey, ValueSchemaConfig, corpusValue}, tc.cfg...)...)
			st := startTask(t, CsvPlugin(), cfg, nil)
			require.Equal(t, tc.want, rows(st.poll(t, len(tc.want))))
		})
	}
	// What opencsv refuses is refused when the connector starts.
	d := newDirs(t)
	err := CsvPlugin().New().Start(context.Background(), d.config(`.*\.csv`, KeySchemaConfig, corpusKey, ValueSchemaConfig, corpusValue,
		CSVEscapeCharConfig, "34"), connecttest.NewConnectorContext(nil))
	require.ErrorContains(t, err, CSVEscapeCharConfig)
	require.ErrorContains(t, err, "must be different")
}

// logged is a task context whose logger keeps what it is given.
type logged struct {
	source.TaskContext
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logged) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logged) Logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

func (l *logged) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestCSVBadRow: with halt.on.error=false a malformed row is logged with
// its file, line and text and the good rows flow on; with true the task
// fails naming them and the file goes to error.path.
func TestCSVBadRow(t *testing.T) {
	content := "id,name\n1,a\nnot-a-number,b\n3,c\n"
	t.Run("halt=false", func(t *testing.T) {
		d := newDirs(t)
		path := filepath.Join(d.in, "a.csv")
		writeFile(t, path, content)
		cfg := d.csvConfig(HaltOnErrorConfig, "false")
		c := CsvPlugin().New()
		require.NoError(t, c.Start(context.Background(), cfg, connecttest.NewConnectorContext(nil)))
		tcs, _ := c.TaskConfigs(1)
		tc := &logged{TaskContext: connecttest.SourceTaskContext(tcs[0], nil)}
		task := c.NewTask()
		require.NoError(t, task.Start(context.Background(), tcs[0], tc))
		defer task.Stop(context.Background())
		recs, err := task.Poll(context.Background())
		require.NoError(t, err)
		require.Len(t, recs, 2)
		require.Equal(t, int64(3), recs[1].Value.(*connect.Struct).Get("id"))
		log := tc.String()
		require.Contains(t, log, path)
		require.Contains(t, log, "line=3")
		require.Contains(t, log, "not-a-number,b")
		require.True(t, exists(path), "the file is read on, not moved to error.path")
	})
	t.Run("halt=true", func(t *testing.T) {
		d := newDirs(t)
		path := filepath.Join(d.in, "a.csv")
		writeFile(t, path, content)
		st := startTask(t, CsvPlugin(), d.csvConfig(), nil)
		recs, err := st.Poll(context.Background())
		require.NoError(t, err)
		require.Len(t, recs, 1, "the row before the bad one is read")
		_, err = st.Poll(context.Background())
		require.ErrorContains(t, err, path)
		require.ErrorContains(t, err, "line 3")
		require.ErrorContains(t, err, "not-a-number,b")
		require.ErrorContains(t, err, "field id")
		require.True(t, exists(filepath.Join(d.errors, "a.csv")))
	})
}

// TestCSVTimestampField takes the record's time from timestamp.field.
func TestCSVTimestampField(t *testing.T) {
	d := newDirs(t)
	writeFile(t, filepath.Join(d.in, "a.csv"), "id,ts\n1,2024-05-06T07:08:09\n")
	value := `{"type":"STRUCT","fieldSchemas":{"id":{"type":"INT64"},"ts":{"name":"org.apache.kafka.connect.data.Timestamp","type":"INT64","version":1}}}`
	st := startTask(t, CsvPlugin(), d.csvConfig(ValueSchemaConfig, value, TimestampModeConfig, TimestampField, TimestampFieldConfig, "ts"), nil)
	recs := st.poll(t, 1)
	require.Equal(t, time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), recs[0].Timestamp)

	c := CsvPlugin().New()
	err := c.Start(context.Background(), d.csvConfig(TimestampModeConfig, TimestampField, TimestampFieldConfig, "ts"), connecttest.NewConnectorContext(nil))
	require.ErrorContains(t, err, "not optional")
}

// TestCSVSchemaGeneration infers typed, optional fields from the files'
// rows; files whose columns differ give the union of their columns.
func TestCSVSchemaGeneration(t *testing.T) {
	d := newDirs(t)
	cfg := d.config(`.*\.csv`, SchemaGenerationEnabledConfig, "true", CSVFirstRowAsHeaderConfig, "true",
		SchemaGenerationKeyFieldsCfg, "id")
	c := CsvPlugin().New()
	require.ErrorContains(t, c.Start(context.Background(), cfg, connecttest.NewConnectorContext(nil)), "no file")

	writeFile(t, filepath.Join(d.in, "a.csv"), "id,zip,price,ok,name\n1,00123,1.5,true,a\n2,02134,2,false,\n")
	writeFile(t, filepath.Join(d.in, "b.csv"), "id,zip,price,ok,name\n3,10000,3,TRUE,c\n")
	st := startTask(t, CsvPlugin(), cfg, nil)
	recs := st.poll(t, 3)
	vs := recs[0].ValueSchema
	require.Equal(t, defaultSchemaGenerationValName, vs.Name)
	types := map[string]connect.Type{}
	for _, f := range vs.Fields {
		require.True(t, f.Schema.Optional)
		types[f.Name] = f.Schema.Type
	}
	require.Equal(t, map[string]connect.Type{"id": connect.Int64Type, "zip": connect.StringType, "price": connect.Float64Type,
		"ok": connect.BooleanType, "name": connect.StringType}, types)
	require.Equal(t, "00123", recs[0].Value.(*connect.Struct).Get("zip"))
	require.Equal(t, int64(3), recs[2].Key.(*connect.Struct).Get("id"))
	require.Equal(t, defaultSchemaGenerationKeyName, recs[2].KeySchema.Name)

	// c.csv lacks zip, price, ok and name, and adds other (spooldir: "More
	// than one schema was found for the input pattern").
	writeFile(t, filepath.Join(d.in, "c.csv"), "other,id\nx,4\n")
	st = startTask(t, CsvPlugin(), cfg, nil)
	recs = st.poll(t, 4)
	require.Equal(t, []string{"id", "zip", "price", "ok", "name", "other"}, fieldNames(recs[0].ValueSchema))
	for _, f := range recs[0].ValueSchema.Fields {
		require.True(t, f.Schema.Optional)
	}
	require.Equal(t, connect.StringType, recs[0].ValueSchema.Fields[5].Schema.Type)
	a, c3 := recs[0].Value.(*connect.Struct), recs[3].Value.(*connect.Struct)
	require.Nil(t, a.Get("other"))
	require.Equal(t, "x", c3.Get("other"))
	require.Equal(t, int64(4), c3.Get("id"))
	require.Nil(t, c3.Get("zip"))
	require.Nil(t, c3.Get("name"))
}

// TestSchemaJSON reads key.schema's JSON shape and writes it back.
func TestSchemaJSON(t *testing.T) {
	s, err := parseSchema(valueSchemaJSON)
	require.NoError(t, err)
	require.Equal(t, []string{"id", "name", "ts", "price", "active"}, fieldNames(s))
	require.Equal(t, connect.LogicalDecimal, s.Fields[3].Schema.Logical())
	again, err := parseSchema(string(appendSchema(nil, s)))
	require.NoError(t, err)
	require.Equal(t, string(appendSchema(nil, s)), string(appendSchema(nil, again)))
	arr, err := parseSchema(`{"type":"ARRAY","valueSchema":{"type":"STRING"}}`)
	require.NoError(t, err)
	require.Equal(t, connect.StringType, arr.Elem.Type)
	_, err = parseSchema(`{"type":"STRUCT","fieldSchemas":{"a":{"type":"NOPE"}}}`)
	require.ErrorContains(t, err, "a: ")
}

func fieldNames(s *connect.Schema) []string {
	var out []string
	for _, f := range s.Fields {
		out = append(out, f.Name)
	}
	return out
}

// FuzzCSV reads arbitrary bytes as a CSV file: no panic, every record a
// valid Struct of the schema, every bad row an error naming its line.
func FuzzCSV(f *testing.F) {
	for _, seed := range []string{
		"id,name\n1,a\n", "\"a\n", "1,\"x\"\"y\",2024-01-01T00:00:00,1.5,true\n", ",,,,,,\n\n\n", "\xff\xfe,\"\n", "1,a\r\n2,b",
	} {
		f.Add([]byte(seed), true)
		f.Add([]byte(seed), false)
	}
	value, err := parseSchema(valueSchemaJSON)
	require.NoError(f, err)
	key, err := parseSchema(keySchemaJSON)
	require.NoError(f, err)
	vp, err := newValueParser([]string{"yyyy-MM-dd'T'HH:mm:ss"}, time.UTC)
	require.NoError(f, err)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, header bool) {
		path := filepath.Join(dir, "fuzz.csv")
		require.NoError(t, os.WriteFile(path, data, 0o644))
		c := &common{bufferSize: 4096, timestampMode: TimestampProcessTime}
		cf := &csvFormat{c: c, key: key, value: value, dialect: opencsv.Options{Separator: ',', Quote: '"', Escape: '\\', IgnoreLeadingWhiteSpace: true}, header: header, parser: vp, bufferBytes: 4096}
		r, err := cf.open(&fileInfo{path: path, name: "fuzz.csv"}, position{})
		if err != nil {
			return // a header that cannot be read
		}
		defer r.Close()
		for range 10000 {
			it, err := r.next()
			if err == io.EOF {
				return
			}
			var re *rowError
			if errors.As(err, &re) {
				require.Positive(t, re.line)
				require.Contains(t, re.Error(), fmt.Sprintf("line %d", re.line))
				continue
			}
			require.NoError(t, err)
			require.NoError(t, connect.ValidateValue(value, it.value))
			require.NoError(t, connect.ValidateValue(key, it.key))
			require.LessOrEqual(t, it.pos.bytes, int64(len(data)))
		}
		t.Fatal("more records than the input can hold")
	})
}

// TestGenerateSchemas: the JSON connector's schemas too, and errors that
// name what is wrong.
func TestGenerateSchemas(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.json"), `{"id":1,"tags":["x"]}`+"\n"+`{"id":2,"name":"b"}`)
	key, value, err := GenerateSchemas(JsonClass, map[string]string{InputPathConfig: dir, InputFilePatternConfig: `.*\.json`,
		SchemaGenerationKeyFieldsCfg: "id"})
	require.NoError(t, err)
	require.Contains(t, string(key), `"id":{"type":"INT64","isOptional":true}`)
	require.Contains(t, string(value), `"tags":{"type":"ARRAY","isOptional":true,"valueSchema":{"type":"STRING","isOptional":true}}`)
	require.Contains(t, string(value), `"name":{"type":"STRING","isOptional":true}`)
	s, err := parseSchema(string(value))
	require.NoError(t, err)
	require.Equal(t, []string{"id", "tags", "name"}, fieldNames(s))

	_, _, err = GenerateSchemas(LineDelimitedClass, map[string]string{InputPathConfig: dir, InputFilePatternConfig: `.*`})
	require.ErrorContains(t, err, LineDelimitedClass)
	_, _, err = GenerateSchemas(CsvClass, map[string]string{InputPathConfig: dir, InputFilePatternConfig: `.*\.csv`})
	require.ErrorContains(t, err, "no file")
	_, _, err = GenerateSchemas(CsvClass, map[string]string{InputPathConfig: dir})
	require.ErrorContains(t, err, InputFilePatternConfig)
}

// TestCSVKeyFromValue: a key field takes the value field of its name as
// it is, a null one its own default or null, and a value its type does not
// take fails the row, naming the key field.
func TestCSVKeyFromValue(t *testing.T) {
	d := newDirs(t)
	writeFile(t, filepath.Join(d.in, "a.csv"), "id,name,n,flag\n1,a,5,true\n2,,6,\n")
	key := `{"type":"STRUCT","isOptional":false,"fieldSchemas":{` +
		`"flag":{"type":"BOOLEAN","isOptional":true,"defaultValue":true},` +
		`"name":{"type":"STRING","isOptional":true},"id":{"type":"INT64","isOptional":false}}}`
	value := `{"type":"STRUCT","isOptional":false,"fieldSchemas":{` +
		`"id":{"type":"INT64","isOptional":false},"name":{"type":"STRING","isOptional":true},` +
		`"n":{"type":"INT32","isOptional":false},"flag":{"type":"BOOLEAN","isOptional":true}}}`
	st := startTask(t, CsvPlugin(), d.config(`.*\.csv`, KeySchemaConfig, key, ValueSchemaConfig, value,
		CSVFirstRowAsHeaderConfig, "true"), nil)
	recs := st.poll(t, 2)
	for i, want := range []map[string]any{
		{"flag": true, "name": "a", "id": int64(1)},
		{"flag": true, "name": "", "id": int64(2)}, // flag: the key field's default
	} {
		k := recs[i].Key.(*connect.Struct)
		require.NoError(t, connecttest.Recheck(k))
		require.NoError(t, connecttest.Recheck(recs[i].Value))
		for name, v := range want {
			require.Equal(t, v, k.GetWithoutDefault(name), "row %d key field %s", i+1, name)
		}
	}

	d = newDirs(t)
	writeFile(t, filepath.Join(d.in, "a.csv"), "id,name,n,flag\n1,a,5,true\n")
	badKey := `{"type":"STRUCT","isOptional":false,"fieldSchemas":{"n":{"type":"INT64","isOptional":false}}}`
	st = startTask(t, CsvPlugin(), d.config(`.*\.csv`, KeySchemaConfig, badKey, ValueSchemaConfig, value,
		CSVFirstRowAsHeaderConfig, "true"), nil)
	var err error
	for i := 0; err == nil && i < 100; i++ {
		_, err = st.Poll(context.Background())
	}
	require.ErrorContains(t, err, "key field n: connect: n: int32 is not a valid INT64 value")
	require.ErrorContains(t, err, "line 2")
}
