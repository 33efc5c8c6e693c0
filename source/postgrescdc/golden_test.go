package postgrescdc_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/converter/jsonconv"
	"github.com/kconnect-go/kconnect/converter/simpleheader"
	"github.com/kconnect-go/kconnect/internal/testenv"
	"github.com/kconnect-go/kconnect/offset"
)

// The names record.sh used: they appear in the records (source.db, the
// topic and schema names) and the offsets (the connector's name), so they
// are fixed.
const (
	goldenPrefix    = "dbzgolden"
	goldenDB        = "dbz_golden"
	goldenConnector = "dbzgolden"
	goldenDir       = "testdata/debezium"
	goldenBigTopic  = goldenPrefix + ".public.big_tx"
	goldenBigFile   = "big_tx.jsonl.gz"
)

// TestDebeziumGoldens runs testdata/debezium/workload.sql as record.sh did
// and compares what the task writes, converted as a worker with
// JsonConverter (schemas.enable=true) and SimpleHeaderConverter writes it,
// byte for byte with Debezium 3.6.1.Final's records and offsets, after
// blanking the fields that differ by nature as normalise.py does.
// KCONNECT_DEBEZIUM_GOT names a directory to write kconnect's files to.
// Its 10,000-row transaction makes it take tens of seconds under -race:
// the only check of a large transaction's records against Debezium's.
func TestDebeziumGoldens(t *testing.T) {
	base := testenv.Integration(t, postgresEnv)
	for _, v := range []struct {
		name, dir string
		config    []string
	}{
		{"default", goldenDir, []string{"include.unknown.datatypes", "true"}},
		{"modes", goldenDir + "/modes", []string{
			"include.unknown.datatypes", "true",
			"hstore.handling.mode", "map",
			"decimal.handling.mode", "string",
			"time.precision.mode", "connect",
			"binary.handling.mode", "hex",
			"interval.handling.mode", "string",
			"provide.transaction.metadata", "true",
		}},
	} {
		t.Run(v.name, func(t *testing.T) { runGolden(t, base, v.name, v.dir, v.config) })
	}
}

func runGolden(t *testing.T, base, name, dir string, extra []string) {
	ctx := context.Background()
	snapshotSQL, streamingSQL := workloadStatements(t)
	want := readLines(t, filepath.Join(dir, "records.jsonl"))
	// record.sh keeps the 10,000-row transaction's table in a file of
	// its own.
	wantBig := readLines(t, filepath.Join(dir, goldenBigFile))

	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("%s: %v", postgresEnv, err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	// The database's name is fixed: one run at a time on a server.
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(hashtext('kconnect-debezium-golden'))"); err != nil {
		t.Fatal(err)
	}
	slot := "kcgolden_test_" + name
	dropAll := func() {
		ctx := context.Background()
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, err := admin.Exec(ctx, `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
				WHERE database = $1 AND active_pid IS NOT NULL`, goldenDB)
			if err == nil {
				_, err = admin.Exec(ctx, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1`, goldenDB)
			}
			if err == nil || time.Now().After(deadline) {
				if err != nil {
					t.Errorf("dropping the slots of %s: %v", goldenDB, err)
				}
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+goldenDB+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping database %s: %v", goldenDB, err)
		}
	}
	dropAll()
	for _, q := range []string{"CREATE DATABASE " + goldenDB, "ALTER DATABASE " + goldenDB + " SET timezone TO 'UTC'"} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(dropAll)

	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + goldenDB
	db, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(context.Background()) })
	run := func(stmts []string) {
		t.Helper()
		for _, q := range stmts {
			if _, err := db.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	run(snapshotSQL)
	// kconnect refuses to capture a table whose UPDATEs and DELETEs
	// PostgreSQL would refuse (no primary key, REPLICA IDENTITY DEFAULT),
	// which Debezium captures; no_pk only takes inserts, whose records
	// REPLICA IDENTITY FULL leaves as they are.
	run([]string{"ALTER TABLE no_pk REPLICA IDENTITY FULL"})

	p := &pg{name: goldenDB, host: u.Hostname(), port: u.Port(), user: u.User.Username()}
	p.password, _ = u.User.Password()
	if p.port == "" {
		p.port = "5432"
	}
	cfg := p.config(append([]string{
		"topic.prefix", goldenPrefix,
		"plugin.name", "pgoutput",
		"slot.name", slot,
		"publication.name", "kcgolden_pub_" + name,
		"publication.autocreate.mode", "all_tables",
		"snapshot.mode", "initial",
		"tombstones.on.delete", "true",
		"skipped.operations", "none",
	}, extra...)...)
	r := start(t, cfg, connecttest.NewOffsets())

	// The snapshot, up to its last record.
	var snapOffset connect.Offset
	deadline := time.Now().Add(60 * time.Second)
	for snapOffset.IsZero() {
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot record with snapshot_completed after 60s (%d records)", len(r.got))
		}
		for _, rec := range r.until(1) {
			if done, _ := rec.SourceOffset.Get("snapshot_completed"); done == true {
				snapOffset = rec.SourceOffset
			}
		}
	}
	run(streamingSQL)
	deadline = time.Now().Add(180 * time.Second)
	for len(r.got) < len(want)+len(wantBig) && time.Now().Before(deadline) {
		recs, err := r.task.Poll(ctx)
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		r.got = append(r.got, recs...)
	}
	// Anything beyond Debezium's records would show up within a few polls.
	for range 5 {
		recs, err := r.task.Poll(ctx)
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		r.got = append(r.got, recs...)
	}
	r.stop()

	var got, gotBig []string
	for _, line := range recordLines(t, r.got) {
		if strings.HasPrefix(line, `{"topic":"`+goldenBigTopic+`"`) {
			gotBig = append(gotBig, line)
		} else {
			got = append(got, line)
		}
	}
	var endOffset connect.Offset
	if len(r.got) > 0 {
		endOffset = r.got[len(r.got)-1].SourceOffset
	}
	partition := connect.NewSourcePartition("server", goldenPrefix)
	offsetLine := func(o connect.Offset) string {
		v, err := offset.Value(nil, o)
		if err != nil {
			t.Fatal(err)
		}
		return `{"key":` + string(offset.Key(nil, goldenConnector, partition)) + `,"value":` + string(v) + `}`
	}
	gotSnap, gotEnd := []string{offsetLine(snapOffset)}, []string{offsetLine(endOffset)}
	if out := os.Getenv("KCONNECT_DEBEZIUM_GOT"); out != "" {
		d := filepath.Join(out, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for f, lines := range map[string][]string{"records.jsonl": got, "big_tx.jsonl": gotBig,
			"offsets-snapshot.jsonl": gotSnap, "offsets.jsonl": gotEnd} {
			if err := os.WriteFile(filepath.Join(d, f), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	compareGolden(t, filepath.Join(dir, "records.jsonl"), want, got)
	compareGolden(t, filepath.Join(dir, goldenBigFile), wantBig, gotBig)
	compareGolden(t, filepath.Join(dir, "offsets-snapshot.jsonl"), readLines(t, filepath.Join(dir, "offsets-snapshot.jsonl")), gotSnap)
	compareGolden(t, filepath.Join(dir, "offsets.jsonl"), readLines(t, filepath.Join(dir, "offsets.jsonl")), gotEnd)
}

// workloadStatements splits workload.sql into the statements of its
// snapshot and streaming parts, each run on its own as psql runs them (so
// each outside BEGIN ... COMMIT is a transaction of its own). Statements
// end at a line ending with a semicolon; the workload has no other.
func workloadStatements(t *testing.T) (snapshot, streaming []string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(goldenDir, "workload.sql"))
	if err != nil {
		t.Fatal(err)
	}
	part := &snapshot
	var cur strings.Builder
	for line := range strings.Lines(string(data)) {
		line = strings.TrimRight(line, "\n")
		if line == "-- ==== streaming ====" {
			part = &streaming
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "--") || strings.TrimSpace(line) == "" {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(line, ";") {
			*part = append(*part, cur.String())
			cur.Reset()
		}
	}
	if len(streaming) == 0 || strings.TrimSpace(cur.String()) != "" {
		t.Fatal("workload.sql: no streaming part, or a statement without a final semicolon")
	}
	return snapshot, streaming
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		z, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r = z
	}
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		if sc.Text() != "" {
			out = append(out, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// recordLines writes records as record.sh's Golden.java does: topics in
// name order, each in the order written, {"topic","key","value","headers"}
// with the key and value as JsonConverter writes them and each header's
// value as SimpleHeaderConverter writes it, as a JSON string.
func recordLines(t *testing.T, recs []connect.Record) []string {
	t.Helper()
	conv := jsonconv.New(jsonconv.SchemasEnable(true))
	hconv := simpleheader.New()
	byTopic := map[string][]string{}
	for _, r := range recs {
		var b bytes.Buffer
		b.WriteString(`{"topic":`)
		b.Write(goldenQuote(r.Topic))
		for _, kv := range []struct {
			name   string
			schema *connect.Schema
			value  any
		}{{"key", r.KeySchema, r.Key}, {"value", r.ValueSchema, r.Value}} {
			data, err := conv.FromConnect(nil, r.Topic, r.Headers, kv.schema, kv.value)
			if err != nil {
				t.Fatalf("%s of a record of %s: %v", kv.name, r.Topic, err)
			}
			fmt.Fprintf(&b, `,%q:`, kv.name)
			if data == nil {
				b.WriteString("null")
			} else {
				b.Write(data)
			}
		}
		b.WriteString(`,"headers":{`)
		i := 0
		for h := range r.Headers.All() {
			if i > 0 {
				b.WriteByte(',')
			}
			i++
			b.Write(goldenQuote(h.Key))
			b.WriteByte(':')
			data, err := hconv.FromConnectHeader(nil, r.Topic, h.Key, h.Schema, h.Value)
			if err != nil {
				t.Fatal(err)
			}
			if data == nil {
				b.WriteString("null")
			} else {
				b.Write(goldenQuote(string(data)))
			}
		}
		b.WriteString("}}")
		byTopic[r.Topic] = append(byTopic[r.Topic], b.String())
	}
	var out []string
	for _, topic := range slices.Sorted(func(yield func(string) bool) {
		for k := range byTopic {
			if !yield(k) {
				return
			}
		}
	}) {
		out = append(out, byTopic[topic]...)
	}
	return out
}

// goldenQuote quotes s as Golden.java's quote does.
func goldenQuote(s string) []byte {
	b := []byte{'"'}
	for _, c := range s {
		switch c {
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		default:
			if c < 0x20 {
				b = fmt.Appendf(b, `\u%04x`, c)
			} else {
				b = append(b, string(c)...)
			}
		}
	}
	return append(b, '"')
}

// compareGolden compares lines after normalising both sides, reporting
// the first differences with where in the line they start.
func compareGolden(t *testing.T, file string, want, got []string) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("%s: %d lines, kconnect wrote %d", file, len(want), len(got))
	}
	reported := 0
	for i := range min(len(want), len(got)) {
		w, err := normaliseGolden(want[i])
		if err != nil {
			t.Fatalf("%s:%d: %v", file, i+1, err)
		}
		g, err := normaliseGolden(got[i])
		if err != nil {
			t.Fatalf("kconnect's line %d for %s: %v", i+1, file, err)
		}
		if w == g {
			continue
		}
		if reported++; reported > 8 {
			t.Errorf("%s: more lines differ", file)
			return
		}
		at := 0
		for at < len(w) && at < len(g) && w[at] == g[at] {
			at++
		}
		from := max(0, at-150)
		t.Errorf("%s:%d differs at byte %d:\n debezium: …%s\n kconnect: …%s", file, i+1, at,
			w[from:min(len(w), at+150)], g[from:min(len(g), at+150)])
	}
}

// goldenByNature is normalise.py's BY_NATURE: the paths of the fields
// that differ by nature ("*" any key, "[]" any array item); suffix, when
// set, limits a path to the records of topics ending with it.
var goldenByNature = []struct {
	suffix string
	path   []string
}{
	{"", []string{"value", "payload", "ts_ms"}},
	{"", []string{"value", "payload", "ts_us"}},
	{"", []string{"value", "payload", "ts_ns"}},
	{"", []string{"value", "payload", "source", "version"}},
	{"", []string{"value", "payload", "source", "ts_ms"}},
	{"", []string{"value", "payload", "source", "ts_us"}},
	{"", []string{"value", "payload", "source", "ts_ns"}},
	{"", []string{"value", "payload", "source", "txId"}},
	{"", []string{"value", "payload", "source", "lsn"}},
	{"", []string{"value", "payload", "source", "xmin"}},
	{"", []string{"value", "payload", "source", "sequence"}},
	{"", []string{"value", "payload", "transaction", "id"}},
	{".transaction", []string{"key", "payload", "id"}},
	{".transaction", []string{"value", "payload", "id"}},
	{"", []string{"headers", "__debezium.context.runId"}},
	{"", []string{"value", "lsn"}},
	{"", []string{"value", "lsn_proc"}},
	{"", []string{"value", "lsn_commit"}},
	{"", []string{"value", "txId"}},
	{"", []string{"value", "ts_usec"}},
	{"", []string{"value", "transaction_id"}},
}

// normaliseGolden is normalise.py's normalise: the line byte for byte but
// the non-null values of goldenByNature's fields, which become
// "<by-nature>".
func normaliseGolden(line string) (string, error) {
	sc := &jsonSpans{s: line}
	if err := sc.value(nil); err != nil {
		return "", err
	}
	topic, hasTopic := "", false
	for _, sp := range sc.spans {
		if len(sp.path) == 1 && sp.path[0] == "topic" {
			topic, hasTopic = line[sp.start+1:sp.end-1], true
		}
	}
	var matched []jsonSpan
	for _, sp := range sc.spans {
		if goldenMatches(sp.path, topic, hasTopic) {
			matched = append(matched, sp)
		}
	}
	slices.SortFunc(matched, func(a, b jsonSpan) int { return a.start - b.start })
	var b strings.Builder
	last := 0
	for _, sp := range matched {
		b.WriteString(line[last:sp.start])
		b.WriteString(`"<by-nature>"`)
		last = sp.end
	}
	b.WriteString(line[last:])
	return b.String(), nil
}

func goldenMatches(path []string, topic string, hasTopic bool) bool {
	for _, r := range goldenByNature {
		if r.suffix != "" && (!hasTopic || !strings.HasSuffix(topic, r.suffix)) {
			continue
		}
		if len(r.path) != len(path) {
			continue
		}
		ok := true
		for i := range path {
			if r.path[i] != "*" && r.path[i] != path[i] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// jsonSpans finds the byte spans of the JSON values of a line, with their
// paths, without converting them (normalise.py's Scanner).
type jsonSpans struct {
	s     string
	i     int
	spans []jsonSpan
}

type jsonSpan struct {
	path       []string
	start, end int
}

func (p *jsonSpans) ws() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *jsonSpans) value(path []string) error {
	p.ws()
	if p.i >= len(p.s) {
		return fmt.Errorf("value expected at %d", p.i)
	}
	start := p.i
	switch c := p.s[p.i]; {
	case c == '{':
		if err := p.obj(path); err != nil {
			return err
		}
	case c == '[':
		if err := p.arr(path); err != nil {
			return err
		}
	case c == '"':
		if _, err := p.str(); err != nil {
			return err
		}
	case strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return nil
	default:
		for p.i < len(p.s) && strings.IndexByte(",}] \t\r\n", p.s[p.i]) < 0 {
			p.i++
		}
	}
	p.spans = append(p.spans, jsonSpan{slices.Clone(path), start, p.i})
	return nil
}

// str reads a string and returns its raw text between the quotes.
func (p *jsonSpans) str() (string, error) {
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", fmt.Errorf("string expected at %d", p.i)
	}
	p.i++
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != '"' {
		if p.s[p.i] == '\\' {
			p.i++
		}
		p.i++
	}
	if p.i >= len(p.s) {
		return "", fmt.Errorf("unterminated string at %d", start)
	}
	raw := p.s[start:p.i]
	p.i++
	return raw, nil
}

func (p *jsonSpans) obj(path []string) error {
	p.i++
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return nil
	}
	for {
		p.ws()
		key, err := p.str()
		if err != nil {
			return err
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return fmt.Errorf("':' expected at %d", p.i)
		}
		p.i++
		if err := p.value(append(path[:len(path):len(path)], key)); err != nil {
			return err
		}
		p.ws()
		if p.i >= len(p.s) {
			return fmt.Errorf("unterminated object")
		}
		c := p.s[p.i]
		p.i++
		if c == '}' {
			return nil
		}
		if c != ',' {
			return fmt.Errorf("',' or '}' expected at %d", p.i-1)
		}
	}
}

func (p *jsonSpans) arr(path []string) error {
	p.i++
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return nil
	}
	for {
		if err := p.value(append(path[:len(path):len(path)], "[]")); err != nil {
			return err
		}
		p.ws()
		if p.i >= len(p.s) {
			return fmt.Errorf("unterminated array")
		}
		c := p.s[p.i]
		p.i++
		if c == ']' {
			return nil
		}
		if c != ',' {
			return fmt.Errorf("',' or ']' expected at %d", p.i-1)
		}
	}
}
