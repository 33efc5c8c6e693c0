package avro

import (
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	hamba "github.com/hamba/avro/v2"
	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

// withoutFast returns a copy of d that reads every field through decode,
// the reference the inline reads must agree with.
func withoutFast(d *decoder) *decoder {
	if d == nil {
		return nil
	}
	c := *d
	c.elem, c.key = withoutFast(d.elem), withoutFast(d.key)
	c.fields = slices.Clone(d.fields)
	for i := range c.fields {
		c.fields[i].fast = fastNone
		c.fields[i].dec = withoutFast(d.fields[i].dec)
	}
	c.branches = nil
	for _, b := range d.branches {
		c.branches = append(c.branches, withoutFast(b))
	}
	return &c
}

// sameDecode fails unless the decoder and its copy without inline reads
// give the same value, the same error and stop at the same byte.
func sameDecode(t testing.TB, fast, slow *decoder, data []byte) {
	t.Helper()
	r1, r2 := reader{b: data}, reader{b: data}
	v1, err1 := fast.decode(&r1)
	v2, err2 := slow.decode(&r2)
	if (err1 == nil) != (err2 == nil) || err1 != nil && err1.Error() != err2.Error() {
		t.Fatalf("data %x: errors differ: inline %v, general %v", data, err1, err2)
	}
	if err1 != nil {
		return
	}
	if r1.pos != r2.pos || !reflect.DeepEqual(v1.Any(), v2.Any()) || !reflect.DeepEqual(v1, v2) {
		t.Fatalf("data %x: inline read %v (to byte %d), general %v (to byte %d)", data, v1.Any(), r1.pos, v2.Any(), r2.pos)
	}
}

// mutations returns data, every prefix of it, and data with each byte
// replaced by the bytes that change a varint, a boolean or a branch.
func mutations(data []byte) [][]byte {
	out := [][]byte{data}
	for i := range data {
		out = append(out, data[:i])
		for _, b := range []byte{0x00, 0x01, 0x02, 0x03, 0x7f, 0x80, 0xff} {
			m := slices.Clone(data)
			m[i] = b
			out = append(out, m)
		}
	}
	return out
}

// fastPairs are writer and reader record schemas whose fields take the
// inline reads, with the evolution between them the general decoder
// resolves (an int widened, a union's branches swapped, a long read as a
// timestamp).
var fastPairs = [][2]string{
	{`{"type":"record","name":"R","fields":[
		{"name":"i","type":"int"},{"name":"l","type":"long"},{"name":"f","type":"float"},
		{"name":"d","type":"double"},{"name":"b","type":"boolean"},{"name":"s","type":"string"},
		{"name":"ns","type":["null","string"]},{"name":"sn","type":["string","null"]},
		{"name":"nl","type":["null","long"]},{"name":"a","type":{"type":"array","items":"string"}},
		{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
		{"name":"nts","type":["null",{"type":"long","logicalType":"timestamp-millis"}]}]}`, ""},
	{`{"type":"record","name":"R","fields":[
		{"name":"i","type":"int"},{"name":"j","type":"int"},{"name":"ns","type":["null","string"]},
		{"name":"sn","type":["string","null"]},{"name":"bs","type":"bytes"},{"name":"ni","type":["null","int"]},
		{"name":"skip","type":"string"},{"name":"ts","type":"int"}]}`,
		`{"type":"record","name":"R","fields":[
		{"name":"i","type":"long"},{"name":"j","type":"double"},{"name":"ns","type":["string","null"]},
		{"name":"sn","type":["null","string"],"default":null},{"name":"bs","type":"string"},
		{"name":"ni","type":["null","long"],"default":null},
		{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
		{"name":"added","type":"string","default":"x"}]}`},
}

// TestFastFieldsAgree: a record's fields read inline give what the
// general decoder gives, for well-formed, truncated and corrupted data,
// with and without schema evolution.
func TestFastFieldsAgree(t *testing.T) {
	d := dataConfig{connectMetaData: true}
	for _, p := range fastPairs {
		w, err := hamba.Parse(p[0])
		require.NoError(t, err)
		r := w
		if p[1] != "" {
			r, err = hamba.Parse(p[1])
			require.NoError(t, err)
		}
		cs, err := d.toConnectSchema(r, 0)
		require.NoError(t, err)
		fast, err := compile(w, r, cs)
		require.NoError(t, err)
		inline := 0
		for _, f := range fast.fields {
			if f.fast != fastNone {
				inline++
			}
		}
		require.GreaterOrEqual(t, inline, 6, "fields read inline")
		slow := withoutFast(fast)
		for _, v := range fastValues(t, w) {
			for _, m := range mutations(v) {
				sameDecode(t, fast, slow, m)
			}
		}
	}
}

// fastValues returns encodings of records of writer schema w: zero values,
// typical ones, nulls and the extremes of each type.
func fastValues(t *testing.T, w hamba.Schema) [][]byte {
	var out [][]byte
	for _, pick := range []int{0, 1, 2} {
		rec := map[string]any{}
		for _, f := range w.(*hamba.RecordSchema).Fields() {
			rec[f.Name()] = sampleOf(f.Type(), pick)
		}
		b, err := hamba.Marshal(w, rec)
		require.NoError(t, err)
		out = append(out, b)
	}
	return out
}

func sampleOf(s hamba.Schema, pick int) any {
	if l, ok := s.(hamba.LogicalTypeSchema); ok && l.Logical() != nil {
		return time.UnixMilli([]int64{0, 1700000000123, -62135596800000}[pick]).UTC()
	}
	switch s.Type() {
	case hamba.Int:
		return []int{0, -1, 2147483647}[pick]
	case hamba.Long:
		return []int64{0, 1700000000123, -9223372036854775808}[pick]
	case hamba.Float:
		return []float32{0, 1.5, -3e38}[pick]
	case hamba.Double:
		return []float64{0, 199.99, -1e300}[pick]
	case hamba.Boolean:
		return pick == 1
	case hamba.String:
		return []string{"", "Ada", "hé€"}[pick]
	case hamba.Bytes:
		return [][]byte{{}, {1}, {0, 255}}[pick]
	case hamba.Array:
		return [][]any{{}, {"a", "b"}, {"", "x", "yz", "d", "e", "f"}}[pick]
	case hamba.Union:
		if pick == 0 {
			return nil
		}
		for _, b := range s.(*hamba.UnionSchema).Types() {
			if b.Type() != hamba.Null {
				return map[string]any{branchName(b): sampleOf(b, pick)}
			}
		}
	}
	return nil
}

// branchName is the name hamba's generic encoder knows a union branch by.
func branchName(s hamba.Schema) string {
	if l, ok := s.(hamba.LogicalTypeSchema); ok && l.Logical() != nil {
		return string(s.Type()) + "." + string(l.Logical().Type())
	}
	return string(s.Type())
}

// TestBenchRecordFieldsInline: every field of the benchmark's record is
// read inline.
func TestBenchRecordFieldsInline(t *testing.T) {
	s, _ := benchRecord()
	d := dataConfig{connectMetaData: true}
	text, err := d.avroSchemaJSON(s)
	require.NoError(t, err)
	w, err := hamba.Parse(string(text))
	require.NoError(t, err)
	cs, err := d.toConnectSchema(w, 0)
	require.NoError(t, err)
	dec, err := compile(w, w, cs)
	require.NoError(t, err)
	for _, f := range dec.fields {
		require.NotEqual(t, fastNone, f.fast, "field %s", f.name)
	}
}

// FuzzFastFields: whatever the bytes, a record's fields read inline give
// what the general decoder gives.
func FuzzFastFields(f *testing.F) {
	d := dataConfig{connectMetaData: true}
	type pair struct{ fast, slow *decoder }
	var decs []pair
	for _, p := range fastPairs {
		w, err := hamba.Parse(p[0])
		if err != nil {
			f.Fatal(err)
		}
		r := w
		if p[1] != "" {
			if r, err = hamba.Parse(p[1]); err != nil {
				f.Fatal(err)
			}
		}
		cs, err := d.toConnectSchema(r, 0)
		if err != nil {
			f.Fatal(err)
		}
		dec, err := compile(w, r, cs)
		if err != nil {
			f.Fatal(err)
		}
		decs = append(decs, pair{dec, withoutFast(dec)})
		for _, pick := range []int{0, 1, 2} {
			rec := map[string]any{}
			for _, fl := range w.(*hamba.RecordSchema).Fields() {
				rec[fl.Name()] = sampleOf(fl.Type(), pick)
			}
			b, err := hamba.Marshal(w, rec)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range decs {
			sameDecode(t, p.fast, p.slow, data)
		}
	})
}

// TestFastStringsSurviveGC: the arrays of strings read inline, whose
// elements point into one allocation, keep their contents through
// collections while only the array is referenced.
func TestFastStringsSurviveGC(t *testing.T) {
	w := hamba.MustParse(`{"type":"array","items":"string"}`)
	rec := hamba.MustParse(`{"type":"record","name":"R","fields":[{"name":"a","type":` + w.String() + `}]}`)
	cs, err := dataConfig{connectMetaData: true}.toConnectSchema(rec, 0)
	require.NoError(t, err)
	dec, err := compile(rec, rec, cs)
	require.NoError(t, err)
	var kept [][]any
	var want [][]any
	for i := range 2000 {
		arr := []any{}
		for j := range i % 7 {
			arr = append(arr, strings.Repeat(string(rune('a'+j)), i%5+1))
		}
		data, err := hamba.Marshal(rec, map[string]any{"a": arr})
		require.NoError(t, err)
		v, err := dec.decode(&reader{b: data, alias: true})
		require.NoError(t, err)
		kept = append(kept, v.Any().(*connect.Struct).Get("a").([]any))
		want = append(want, arr)
		if i%100 == 0 {
			runtime.GC()
		}
	}
	runtime.GC()
	runtime.GC()
	require.Equal(t, want, kept)
}
