package connect

import (
	"math"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

func TestSourcePartitionAndOffset(t *testing.T) {
	p := NewSourcePartition("protocol", "1", "table", "users")
	require.Equal(t, `{"protocol":"1","table":"users"}`, p.String())
	q, err := SourcePartitionFromMap(map[string]any{"table": "users", "protocol": "1"})
	require.NoError(t, err)
	require.True(t, p.Equal(q))
	require.False(t, p == q) // distinct values; Equal compares content
	v, ok := p.Get("table")
	require.True(t, ok)
	require.Equal(t, "users", v)
	require.Equal(t, map[string]any{"protocol": "1", "table": "users"}, p.Map())
	require.Equal(t, "null", SourcePartition{}.String())

	_, err = SourcePartitionFromMap(map[string]any{"x": []any{1}})
	require.ErrorContains(t, err, "only primitive")
	require.Panics(t, func() { NewSourcePartition("a") })

	o := Int64Offset("position", 30)
	b, err := o.AppendJSON(nil)
	require.NoError(t, err)
	require.Equal(t, `{"position":30}`, string(b))
	n, ok := o.Int64("position")
	require.True(t, ok)
	require.Equal(t, int64(30), n)

	multi := NewOffset("lsn", int64(7), "txId", int64(9), "ts_usec", int64(1))
	require.Equal(t, `{"lsn":7,"txId":9,"ts_usec":1}`, multi.String())
	m2, err := OffsetFromMap(multi.Map())
	require.NoError(t, err)
	require.True(t, multi.Equal(m2))
	require.False(t, multi.Equal(o))
	require.True(t, Offset{}.IsZero())
	require.Equal(t, "null", Offset{}.String())

	withNull := NewOffset("k", nil)
	require.False(t, withNull.IsZero())
	require.Equal(t, `{"k":null}`, withNull.String())
}

func TestOffsetAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		o := Int64Offset("position", 123456789)
		_ = o
	})
	require.Zero(t, allocs)
}

// An offset of a few keys, made for every record by sources such as
// spooldir (three numbers), is one allocation besides its values', with
// the same entries and JSON as any other.
func TestFewKeyOffsetAllocs(t *testing.T) {
	entries := []MapEntry{{Key: "offset", Value: int64(1 << 40)}, {Key: "position", Value: int64(77)}, {Key: "line", Value: int64(1)}}
	allocs := testing.AllocsPerRun(100, func() {
		o, err := OffsetFromEntries(entries)
		if err != nil || o.Len() != 3 {
			t.Fatal(o, err)
		}
	})
	require.Equal(t, 1.0, allocs)
	o, err := OffsetFromEntries(entries)
	require.NoError(t, err)
	entries[1].Value = int64(78) // the offset keeps a copy
	require.Equal(t, `{"offset":1099511627776,"line":1,"position":77}`, o.String())
	require.Equal(t, map[string]any{"offset": int64(1 << 40), "position": int64(77), "line": int64(1)}, o.Map())
}

// Every shape of one-key offset keeps its key, value, Go type and JSON;
// numbers, strings and booleans are stored inline, the rest with their
// entries.
func TestOneKeyOffsets(t *testing.T) {
	for _, tc := range []struct {
		value  any
		json   string
		inline bool
	}{
		{int8(-3), `{"k":-3}`, true},
		{int16(300), `{"k":300}`, true},
		{int32(-70000), `{"k":-70000}`, true},
		{int64(1) << 60, `{"k":1152921504606846976}`, true},
		{float32(1.5), `{"k":1.5}`, true},
		{0.1, `{"k":0.1}`, true},
		{true, `{"k":true}`, true},
		{"", `{"k":""}`, true},
		{"wal/0001", `{"k":"wal/0001"}`, true},
		{nil, `{"k":null}`, false},
		{[]byte("ab"), `{"k":"YWI="}`, false},
	} {
		entries := []MapEntry{{"k", tc.value}}
		o, err := OffsetFromEntries(entries)
		require.NoError(t, err)
		entries[0].Value = "changed" // the offset keeps its own copy
		require.Equal(t, tc.inline, o.entries == nil, "%#v", tc.value)
		require.False(t, o.IsZero())
		require.Equal(t, 1, o.Len())
		require.Equal(t, tc.json, o.String())
		v, ok := o.Get("k")
		require.True(t, ok)
		require.Equal(t, tc.value, v)
		_, ok = o.Get("other")
		require.False(t, ok)
		back, err := OffsetFromMap(o.Map())
		require.NoError(t, err)
		require.True(t, o.Equal(back), "%#v", tc.value)
		n, isInt := o.Int64("k")
		switch x := tc.value.(type) {
		case int8, int16, int32, int64:
			require.True(t, isInt)
			require.Equal(t, AnyValue(x).Int64(), n)
			n, ok := o.Int64("other")
			require.False(t, ok)
			require.Zero(t, n)
		default:
			require.False(t, isInt)
		}
	}
	require.Equal(t, `{"k":"v"}`, StringOffset("k", "v").String())
	require.True(t, StringOffset("k", "1").Equal(NewOffset("k", "1")))
	require.False(t, StringOffset("k", "1").Equal(Int64Offset("k", 1)))
}

// Offsets and records are carried by every source record and tracked for
// every record in flight: keep them small.
func TestOffsetAndRecordSize(t *testing.T) {
	require.LessOrEqual(t, unsafe.Sizeof(Offset{}), uintptr(56))
	require.LessOrEqual(t, unsafe.Sizeof(Record{}), uintptr(216))
}

// An offset made by OffsetKeys.Int64s is the offset NewOffset makes of the
// same int64 values, for every method, in one allocation.
func TestOffsetKeysInt64s(t *testing.T) {
	keys := NewOffsetKeys("offset", "position", "line")
	for _, vals := range [][3]int64{{0, 0, 0}, {1, 74, 2}, {1_000_000, 74_000_123, -5}, {math.MaxInt64, math.MinInt64, 255}} {
		got := keys.Int64s(vals[0], vals[1], vals[2])
		want := NewOffset("offset", vals[0], "position", vals[1], "line", vals[2])
		require.False(t, got.IsZero())
		require.Equal(t, want.Len(), got.Len())
		require.Equal(t, want.String(), got.String())
		require.Equal(t, want.Map(), got.Map())
		require.True(t, got.Equal(want))
		require.True(t, want.Equal(got))
		var wantAll, gotAll []any
		for k, v := range want.All() {
			wantAll = append(wantAll, k, v)
		}
		for k, v := range got.All() {
			gotAll = append(gotAll, k, v)
		}
		require.Equal(t, wantAll, gotAll)
		for _, k := range []string{"offset", "position", "line", "none"} {
			wv, wok := want.Get(k)
			gv, gok := got.Get(k)
			require.Equal(t, wok, gok, k)
			require.Equal(t, wv, gv, k)
			wn, wok := want.Int64(k)
			gn, gok := got.Int64(k)
			require.Equal(t, wok, gok, k)
			require.Equal(t, wn, gn, k)
		}
		require.False(t, got.Equal(keys.Int64s(vals[0], vals[1], vals[2]+1)))
	}
	one := NewOffsetKeys("position").Int64s(30)
	require.Equal(t, `{"position":30}`, one.String())
	require.True(t, one.Equal(Int64Offset("position", 30)))

	var sink Offset
	require.Equal(t, 1.0, testing.AllocsPerRun(100, func() { sink = keys.Int64s(1_000_000, 74_000_123, 1_000_001) }))
	_ = sink
	require.Equal(t, 3, keys.Len())
	require.Panics(t, func() { NewOffsetKeys() })
	require.Panics(t, func() { NewOffsetKeys("a", "b", "a") })
	require.Panics(t, func() { keys.Int64s(1, 2) })
	require.Panics(t, func() { OffsetKeys{}.Int64s(1) })
}
