package connect

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func keys(h Headers) []string {
	var out []string
	for x := range h.All() {
		out = append(out, x.Key)
	}
	return out
}

func TestHeadersCopyOnWrite(t *testing.T) {
	var h Headers
	a := h.AddString("a", "1")
	b := a.AddString("b", "2").AddString("a", "3")
	// Appending to a in two ways must not let one see the other.
	c := a.AddString("c", "x")
	d := a.AddString("d", "y")
	require.Equal(t, []string{"a"}, keys(a))
	require.Equal(t, []string{"a", "b", "a"}, keys(b))
	require.Equal(t, []string{"a", "c"}, keys(c))
	require.Equal(t, []string{"a", "d"}, keys(d))

	last, ok := b.Last("a")
	require.True(t, ok)
	require.Equal(t, "3", last.Value)
	require.Equal(t, []string{"b"}, keys(b.Remove("a")))
	require.Equal(t, []string{"a", "b", "a"}, keys(b))
	set := b.Set("a", StringSchema, "only")
	require.Equal(t, []string{"a", "b"}, keys(set))
	require.Equal(t, []string{"b", "a"}, keys(b.RetainLatest()))
	var vals []any
	for x := range b.Values("a") {
		vals = append(vals, x.Value)
	}
	require.Equal(t, []any{"1", "3"}, vals)
	require.True(t, slices.Equal([]string{"a", "b", "a"}, keys(NewHeaders(b.At(0), b.At(1), b.At(2)))))
}

func TestRecordPartitionZeroValue(t *testing.T) {
	var r Record
	_, ok := r.Partition()
	require.False(t, ok)
	r.SetPartition(0)
	p, ok := r.Partition()
	require.True(t, ok)
	require.Equal(t, int32(0), p)
	r2 := r.WithPartition(-1)
	_, ok = r2.Partition()
	require.False(t, ok)
	_, ok = r.Partition()
	require.True(t, ok)

	r.SourcePartition = NewSourcePartition("filename", "a.txt")
	r.SourceOffset = Int64Offset("position", 30)
	require.Equal(t, `source partition {"filename":"a.txt"} offset {"position":30}`, r.Position().String())
	r.SetOrigin(KafkaPosition{"orders", 3, 42})
	r.Topic = "renamed"
	o, ok := r.Origin()
	require.True(t, ok)
	require.Equal(t, "orders", o.Topic)
	require.Contains(t, r.Position().String(), "topic orders partition 3 offset 42")
}
