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

// headerList is every header of h, in order, as At gives them.
func headerList(h Headers) []Header {
	out := []Header{}
	for i := range h.Len() {
		out = append(out, h.At(i))
	}
	return out
}

// TestHeadersShared checks that Headers built on a Shared list behave as
// the same headers built by Add alone, for every method, and that adding
// to them copies only the headers added.
func TestHeadersShared(t *testing.T) {
	base := NewHeaders().AddString("a", "1").AddString("b", "2").Add("n", Int64Schema, int64(7))
	shared := base.Shared()
	require.Equal(t, headerList(base), headerList(shared))
	require.Equal(t, headerList(shared), headerList(shared.Shared()))
	cases := map[string]func(Headers) Headers{
		"as is":        func(h Headers) Headers { return h },
		"added to":     func(h Headers) Headers { return h.AddString("a", "3").AddString("c", "4") },
		"added to one": func(h Headers) Headers { return h.AddString("c", "4") },
		"shared again": func(h Headers) Headers { return h.AddString("c", "4").Shared().AddString("a", "5") },
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			plain, sh := build(base), build(shared)
			require.Equal(t, headerList(plain), headerList(sh))
			require.Equal(t, plain.Len(), sh.Len())
			var all []Header
			for x := range sh.All() {
				all = append(all, x)
			}
			require.Equal(t, headerList(plain), append([]Header{}, all...))
			for _, k := range []string{"a", "b", "c", "n", "none"} {
				pl, pok := plain.Last(k)
				sl, sok := sh.Last(k)
				require.Equal(t, pok, sok, k)
				require.Equal(t, pl, sl, k)
				require.Equal(t, slices.Collect(plain.Values(k)), slices.Collect(sh.Values(k)), k)
				require.Equal(t, headerList(plain.Remove(k)), headerList(sh.Remove(k)), k)
				require.Equal(t, headerList(plain.Set(k, StringSchema, "x")), headerList(sh.Set(k, StringSchema, "x")), k)
			}
			require.Equal(t, headerList(plain.RetainLatest()), headerList(sh.RetainLatest()))
			keepA := func(x Header) bool { return x.Key == "a" }
			require.Equal(t, headerList(plain.Filter(keepA)), headerList(sh.Filter(keepA)))
		})
	}

	// Adding to the shared list in two ways: neither sees the other, and
	// the shared headers are not copied.
	x, y := shared.AddString("x", "1"), shared.AddString("y", "2")
	require.Equal(t, []string{"a", "b", "n", "x"}, keys(x))
	require.Equal(t, []string{"a", "b", "n", "y"}, keys(y))
	require.Equal(t, []string{"a", "b", "n"}, keys(shared))
	var v any = int64(42)
	require.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _ = shared.Add("file.offset", Int64Schema, v) }))
	require.Len(t, x.list, 2, "the shared headers were copied")
}

// AddTo gives the Headers Add gives, their lists carved from one array, and
// neither sees what is added to the other nor what is built after them.
func TestHeadersAddTo(t *testing.T) {
	shared := NewHeaders().AddString("a", "1").AddString("b", "2").Shared()
	plain := NewHeaders().AddString("a", "1")
	buf := make([]Header, 7)
	x, buf := shared.AddTo(buf, "n", Int64Schema, int64(1))
	y, buf := shared.AddTo(buf, "n", Int64Schema, int64(2))
	z, buf := plain.AddTo(buf, "n", Int64Schema, int64(3))
	require.Len(t, buf, 1, "x, y and z take two headers each")
	w, rest := shared.AddTo(buf, "n", Int64Schema, int64(4))
	require.Len(t, rest, 1, "too short: w is built as Add builds it")
	for i, c := range []struct {
		got, want Headers
	}{
		{x, shared.Add("n", Int64Schema, int64(1))},
		{y, shared.Add("n", Int64Schema, int64(2))},
		{z, plain.Add("n", Int64Schema, int64(3))},
		{w, shared.Add("n", Int64Schema, int64(4))},
	} {
		require.Equal(t, headerList(c.want), headerList(c.got), i)
	}
	require.Equal(t, 2, x.SharedPrefix(y))
	// Adding to one of them copies, as Add does, whatever buf had after it.
	x2 := x.AddString("c", "3")
	require.Equal(t, []string{"a", "b", "n"}, keys(y))
	require.Equal(t, []string{"a", "b", "n", "c"}, keys(x2))
	require.Equal(t, []string{"a", "b", "n"}, keys(x))
	require.Equal(t, []string{"a"}, keys(plain))

	big := make([]Header, 64)
	var v any = int64(42)
	require.Equal(t, 0.0, testing.AllocsPerRun(16, func() { _, big = shared.AddTo(big, "file.offset", Int64Schema, v) }))
}

// SharedPrefix counts the headers two Headers share by being built on the
// same Shared list, and nothing else.
func TestHeadersSharedPrefix(t *testing.T) {
	base := NewHeaders().AddString("a", "1").AddString("b", "2")
	shared := base.Shared()
	x, y := shared.AddString("x", "1"), shared.AddString("y", "2").AddString("z", "3")
	require.Equal(t, 2, x.SharedPrefix(y))
	require.Equal(t, 2, y.SharedPrefix(x))
	require.Equal(t, 2, shared.SharedPrefix(x))
	require.Equal(t, 2, shared.SharedPrefix(shared))
	require.Equal(t, 0, base.SharedPrefix(base), "not shared")
	require.Equal(t, 0, base.SharedPrefix(x))
	require.Equal(t, 0, base.Shared().SharedPrefix(x), "equal headers, another Shared list")
	require.Equal(t, 0, x.Shared().SharedPrefix(x))
	require.Equal(t, 0, Headers{}.SharedPrefix(x))
	require.Equal(t, 0, x.SharedPrefix(Headers{}))
}
