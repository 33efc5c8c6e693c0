package spooldir

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

const (
	allocKeySchema   = `{"type":"STRUCT","isOptional":false,"fieldSchemas":{"id":{"type":"INT64","isOptional":false}}}`
	allocValueSchema = `{"type":"STRUCT","isOptional":false,"fieldSchemas":{` +
		`"id":{"type":"INT64","isOptional":false},` +
		`"customer":{"type":"STRING","isOptional":false},` +
		`"email":{"type":"STRING","isOptional":false},` +
		`"amount":{"type":"FLOAT64","isOptional":false},` +
		`"active":{"type":"BOOLEAN","isOptional":false}}}`
)

// Reading a CSV row of plain columns into its record costs a few
// allocations: the batch is made at its size, the row's cells are carved
// from an array of many rows (internal/opencsv), the cells are set in the
// Struct without boxing, the key's copied from it by index, Structs are
// made 64 at a time, the file's headers are shared and the row adds its
// file.offset alone, in a list carved from one array for many rows, and
// the three-number offset is one allocation. (17 allocations and 2.0 KB a
// row at first, 11 and 1.3 KB then, 4 and 0.8 KB; now 2.1 and 0.8 KB.)
func TestCSVPollAllocations(t *testing.T) {
	const rows = 20000
	d := newDirs(t)
	var b strings.Builder
	b.WriteString("id,customer,email,amount,active\n")
	for i := range rows {
		fmt.Fprintf(&b, "%d,Customer Number %07d,customer.%07d@example.com,0.01,true\n", i, i, i)
	}
	writeFile(t, filepath.Join(d.in, "a.csv"), b.String())
	st := startTask(t, CsvPlugin(), d.config(`.*\.csv`, KeySchemaConfig, allocKeySchema, ValueSchemaConfig, allocValueSchema,
		CSVFirstRowAsHeaderConfig, "true"), nil)
	for first := 0; first == 0; { // the file opened, its first batch read
		out, err := st.Poll(t.Context())
		require.NoError(t, err)
		first = len(out)
	}
	var before, after runtime.MemStats
	var recs []connect.Record
	runtime.ReadMemStats(&before)
	for n := 0; n < rows-2000; {
		out, err := st.Poll(t.Context())
		require.NoError(t, err)
		n += len(out)
		recs = out
	}
	runtime.ReadMemStats(&after)
	require.NotEmpty(t, recs)
	perRow := func(a, b uint64) float64 { return float64(a-b) / (rows - 2000) }
	allocs, bytes := perRow(after.Mallocs, before.Mallocs), perRow(after.TotalAlloc, before.TotalAlloc)
	t.Logf("%.1f allocations, %.0f bytes a row", allocs, bytes)
	require.LessOrEqual(t, allocs, 2.5, "allocations a row")
	require.LessOrEqual(t, bytes, 900.0, "bytes a row")
}

// The tracker offers a file read to its end for a check of its committed
// offset once, then once after each commit, without any record being
// settled; a file begun again after it was dropped starts from nothing.
func TestTrackerCandidates(t *testing.T) {
	tr := tracker{files: map[connect.SourcePartition]*tracked{}}
	a, b := connect.NewSourcePartition("f", "a"), connect.NewSourcePartition("f", "b")
	tr.begin(a, &fileInfo{path: "a"})
	tr.begin(b, &fileInfo{path: "b"})
	tr.add(a, 3, 30)
	tr.add(b, 2, 20)
	check, ready := tr.candidates()
	require.Empty(t, check, "no file is read to its end")
	require.Empty(t, ready)
	tr.drop(a)
	tr.begin(a, &fileInfo{path: "a"})
	tr.add(a, 2, 25)
	tr.done(a)
	check, ready = tr.candidates()
	require.Empty(t, ready)
	require.Equal(t, []candidate{{part: a, last: 25}}, check, "the records read before the drop are forgotten")
	require.Nil(t, tr.checkedOffset(check[0], 20), "committed before the last record")
	check, _ = tr.candidates()
	require.Empty(t, check, "checked since the last commit")
	tr.commit()
	check, _ = tr.candidates()
	require.Equal(t, []candidate{{part: a, last: 25, at: 1}}, check)
	require.Equal(t, "a", tr.checkedOffset(check[0], 25).path)
	require.NotContains(t, tr.files, a)
}

// A plain cell is read the same whichever spelling it takes: booleans in
// any case and with spaces around them, as Java's Boolean.parseBoolean
// after spooldir's trim, and others refused with the cell named.
func TestParsePlainOp(t *testing.T) {
	for _, tc := range []struct {
		op   plainOp
		text string
		want connect.Value
		err  string
	}{
		{plainBool, "true", connect.BoolValue(true), ""},
		{plainBool, "false", connect.BoolValue(false), ""},
		{plainBool, " TRUE ", connect.BoolValue(true), ""},
		{plainBool, "False", connect.BoolValue(false), ""},
		{plainBool, "yes", connect.Value{}, `"yes" is not a BOOLEAN`},
		{plainInt64, "42", connect.Int64Value(42), ""},
		{plainInt32, "3000000000", connect.Int32Value(-1294967296), `"3000000000" is not a whole number in range`},
		{plainFloat64, " 0.01", connect.Float64Value(0.01), ""},
		{plainString, "a b", connect.StringValue("a b"), ""},
	} {
		v, ok, err := parsePlainOp(tc.op, tc.text)
		require.True(t, ok, "%q", tc.text)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err)
			continue
		}
		require.NoError(t, err, "%q", tc.text)
		require.True(t, v.Equal(tc.want), "%q: got %v", tc.text, v)
	}
	_, ok, _ := parsePlainOp(notPlain, "x")
	require.False(t, ok)
}
