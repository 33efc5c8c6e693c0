package connect

import (
	"testing"

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
