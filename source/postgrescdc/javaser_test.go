package postgrescdc

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"math/big"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/kconnect-go/kconnect/connect"
)

func dec(unscaled string, scale int32) javaDecimal {
	v, _ := new(big.Int).SetString(unscaled, 10)
	return javaDecimal{unscaled: v, scale: scale}
}

// javaKeys are the values of testdata/incremental/JavaKeys.java's lines.
var javaKeys = map[string][]any{
	"null":        nil,
	"empty":       {},
	"int":         {javaInt(42)},
	"int-min":     {javaInt(math.MinInt32)},
	"ints":        {javaInt(1), javaInt(-7), nil},
	"long":        {javaLong(9007199254740993)},
	"short":       {javaShort(-3)},
	"byte":        {javaByte(5)},
	"bool":        {true, false},
	"double":      {javaDouble(1.5), javaDouble(math.Copysign(0, -1))},
	"float":       {javaFloat(2.25)},
	"string":      {"a"},
	"strings":     {"key 'x'", "", "é\x00€😀"},
	"mixed":       {javaInt(3), "b", javaLong(4), javaInt(5), "c"},
	"decimal":     {dec("12345678", 3)},
	"decimal-neg": {dec("-5", 2), dec("0", 0)},
	"decimal-big": {dec("12345678901234567890123456789012345", 5), dec("1", -3)},
	"decimal-two": {dec("11", 1), dec("22", 1)},
	"biginteger":  {big.NewInt(-256), big.NewInt(0)},
	"uuid":        {javaUUID{msb: 0x0189f7eaae2c7a4b, lsb: -0x73c2b1a09f8e7d6d}},
	"uuid-int":    {javaUUID{msb: -0x100000000, lsb: math.MinInt64 + 1}, javaInt(7)},
	"cached": {javaInt(1), javaInt(1), javaInt(200), javaInt(200), javaLong(5), javaLong(5), javaShort(5), true, true,
		javaByte(-1), javaByte(-1)},
	"cached-decimal": {dec("11", 1), dec("11", 2), dec("-16", 0), dec("-16", 1), dec("17", 1)},
	"long-string":    {strings.Repeat("x", 70000)},
}

// TestJavaSerializationGolden writes each key as java.io.ObjectOutputStream
// wrote it (testdata/incremental/javaser.txt, from JavaKeys.java) byte for
// byte, and reads Java's bytes back to the same values.
func TestJavaSerializationGolden(t *testing.T) {
	f, err := os.Open("testdata/incremental/javaser.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	seen := 0
	for sc.Scan() {
		name, hex, _ := strings.Cut(sc.Text(), "\t")
		want, ok := javaKeys[name]
		if !ok {
			t.Fatalf("javaser.txt line %q has no values here", name)
		}
		seen++
		got, err := encodeJavaKey(want)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got != hex {
			t.Errorf("%s: wrote\n%s\nJava wrote\n%s", name, got, hex)
		}
		back, err := decodeJavaKey(hex)
		if err != nil {
			t.Fatalf("%s: reading Java's bytes: %v", name, err)
		}
		if !javaEqual(back, want) {
			t.Errorf("%s: read %#v, want %#v", name, back, want)
		}
	}
	if seen != len(javaKeys) {
		t.Fatalf("javaser.txt has %d lines, %d keys here", seen, len(javaKeys))
	}
}

func javaEqual(a, b []any) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		switch x := a[i].(type) {
		case *big.Int:
			y, ok := b[i].(*big.Int)
			if !ok || x.Cmp(y) != 0 {
				return false
			}
		case javaDecimal:
			y, ok := b[i].(javaDecimal)
			if !ok || x.scale != y.scale || x.unscaled.Cmp(y.unscaled) != 0 {
				return false
			}
		case javaDouble:
			y, ok := b[i].(javaDouble)
			if !ok || math.Float64bits(float64(x)) != math.Float64bits(float64(y)) {
				return false
			}
		default:
			if !reflect.DeepEqual(a[i], b[i]) {
				return false
			}
		}
	}
	return true
}

// FuzzJavaKey reads arbitrary streams without panicking, and whatever it
// reads it writes again to a stream that reads back to the same values.
func FuzzJavaKey(f *testing.F) {
	for _, v := range javaKeys {
		h, err := encodeJavaKey(v)
		if err != nil {
			f.Fatal(err)
		}
		if len(h) < 4096 {
			f.Add(h)
		}
	}
	f.Fuzz(func(t *testing.T, h string) {
		v, err := decodeJavaKey(h)
		if err != nil {
			return
		}
		again, err := encodeJavaKey(v)
		if err != nil {
			t.Fatalf("read %#v from %s, cannot write it: %v", v, h, err)
		}
		back, err := decodeJavaKey(again)
		if err != nil {
			t.Fatalf("cannot read %s, written for %#v: %v", again, v, err)
		}
		if !javaEqual(back, v) {
			t.Fatalf("%#v written and read is %#v", v, back)
		}
	})
}

// debeziumStates are the states of testdata/incremental/DebeziumOffsets.java's
// lines.
var debeziumStates = map[string]*incremental{
	"started": {collections: []string{"public.t"}, correlation: "sig-1"},
	"maximum": {collections: []string{"public.t"}, correlation: "sig-1", maxKey: []any{javaInt(1000)}},
	"int": {collections: []string{"public.t"}, correlation: "sig-1", maxKey: []any{javaInt(1000)},
		lastKey: []any{javaInt(50)}},
	"composite": {collections: []string{"public.orders", "s.odd", "public.t"}, correlation: "ad-hoc 2",
		maxKey: []any{javaLong(9000000000), "zz"}, lastKey: []any{javaLong(42), "k'1"}},
	"decimal-uuid": {collections: []string{"public.n"}, correlation: "sig-3",
		maxKey:  []any{dec("9950", 2), javaUUID{msb: -1, lsb: -1}},
		lastKey: []any{dec("125", 2), javaUUID{lsb: 1}}},
	"no-correlation": {collections: []string{"public.t"}, maxKey: []any{javaInt(7)}},
}

// TestIncrementalOffsetsAsDebezium writes an incremental snapshot's offset
// entries as Debezium 3.6.1's own context stores them
// (testdata/incremental/debezium-offsets.txt, from DebeziumOffsets.java),
// and reads Debezium's back to the same state.
func TestIncrementalOffsetsAsDebezium(t *testing.T) {
	b, err := os.ReadFile("testdata/incremental/debezium-offsets.txt")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != len(debeziumStates) {
		t.Fatalf("debezium-offsets.txt has %d lines, %d states here", len(lines), len(debeziumStates))
	}
	for _, l := range lines {
		name, js, _ := strings.Cut(l, "\t")
		in, ok := debeziumStates[name]
		if !ok {
			t.Fatalf("debezium-offsets.txt line %q has no state here", name)
		}
		var want map[string]any
		if err := json.Unmarshal([]byte(js), &want); err != nil {
			t.Fatal(err)
		}
		got := map[string]any{}
		for _, e := range in.entries() {
			got[e.Key.(string)] = e.Value
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: wrote\n%v\nDebezium stored\n%v", name, got, want)
		}
		off, err := connect.OffsetFromMap(want)
		if err != nil {
			t.Fatal(err)
		}
		back, err := readIncremental(off, slog.Default())
		if err != nil {
			t.Fatalf("%s: reading Debezium's offset: %v", name, err)
		}
		if !slices.Equal(back.collections, in.collections) || back.correlation != in.correlation ||
			!javaEqual(back.lastKey, in.lastKey) || !javaEqual(back.maxKey, in.maxKey) {
			t.Errorf("%s: read %+v, want %+v", name, back, in)
		}
	}
}

// TestJavaKeysAsPgJDBC reads the rows of testdata/incremental/keytypes.sql
// and makes each a key, every column a key column: the bytes are those of
// the Object[] Debezium makes of the same row with PostgreSQL's JDBC
// driver (pgkeys.txt, from PgKeys.java), so each type's Java class is the
// driver's. It needs KCONNECT_POSTGRES_URL.
func TestJavaKeysAsPgJDBC(t *testing.T) {
	url := os.Getenv("KCONNECT_POSTGRES_URL")
	if url == "" {
		t.Skip("KCONNECT_POSTGRES_URL is not set")
	}
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	// As the connector's connection; the table is temporary.
	cfg.RuntimeParams["TimeZone"], cfg.RuntimeParams["DateStyle"] = "UTC", "ISO"
	cfg.RuntimeParams["extra_float_digits"], cfg.RuntimeParams["search_path"] = "3", "pg_temp"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	sql, err := os.ReadFile("testdata/incremental/keytypes.sql")
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.PgConn().Exec(ctx, string(sql)).Close(); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/incremental/pgkeys.txt")
	if err != nil {
		t.Fatal(err)
	}
	res := conn.PgConn().Exec(ctx, "SELECT * FROM kconnect_keytypes ORDER BY b")
	var got []string
	for res.NextResult() {
		rr := res.ResultReader()
		tb := &table{}
		for i, fd := range rr.FieldDescriptions() {
			tb.columns = append(tb.columns, column{name: fd.Name, typ: typeInfo{oid: fd.DataTypeOID}})
			tb.keyIdx = append(tb.keyIdx, i)
		}
		for rr.NextRow() {
			cells := make([]cell, len(rr.Values()))
			for i, v := range rr.Values() {
				cells[i] = cell{kind: 't', text: string(v)}
			}
			key, err := javaKey(tb, cells)
			if err != nil {
				t.Fatal(err)
			}
			h, err := encodeJavaKey(key)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, h)
		}
		if _, err := rr.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := res.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(want)), "\n")
	if len(got) != len(lines) {
		t.Fatalf("%d rows, pgkeys.txt has %d", len(got), len(lines))
	}
	for i := range lines {
		if got[i] != lines[i] {
			g, _ := decodeJavaKey(got[i])
			w, err := decodeJavaKey(lines[i])
			t.Errorf("row %d: wrote %#v\n%s\nDebezium's driver gives %#v (%v)\n%s", i, g, got[i], w, err, lines[i])
		}
	}
}

// TestIncrementalOffsetsEarlierForm reads the keys earlier versions of the
// connector wrote (JSON arrays of the key columns' text), so that a
// snapshot in progress across an upgrade goes on.
func TestIncrementalOffsetsEarlierForm(t *testing.T) {
	off := connect.NewOffset("incremental_snapshot_collections", `[{"incremental_snapshot_collections_id":"public.t"}]`,
		"incremental_snapshot_primary_key", `["50","a'b"]`, "incremental_snapshot_maximum_key", `["1000","z"]`)
	in, err := readIncremental(off, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	if !javaEqual(in.lastKey, []any{"50", "a'b"}) || !javaEqual(in.maxKey, []any{"1000", "z"}) {
		t.Fatalf("read %+v", in)
	}
	if r, err := rowOf(in.lastKey); err != nil || r != `('50', 'a''b')` {
		t.Fatalf("row %s: %v", r, err)
	}
}

// TestIncrementalStopDroppedAtEnd: a stop-snapshot request still pending
// when the snapshot's last table is read is dropped with it, as Debezium
// drops stop requests once no snapshot runs, rather than stopping the
// next snapshot asked for.
func TestIncrementalStopDroppedAtEnd(t *testing.T) {
	in := &incremental{collections: []string{"public.t"}, stop: []string{".*"}, correlation: "s1"}
	in.next()
	if in.stop != nil || in.correlation != "" || in.entries() != nil {
		t.Fatalf("after the last table: %+v", in)
	}
}
