package worker

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/converter/simpleheader"
	"github.com/stretchr/testify/require"
)

// Headers repeated from one record to the next are written as the header
// converter writes each of them, whatever changes between records: a
// value, its schema, the sign of a zero, a NaN, the number of headers.
func TestPrepareAllRepeatedHeadersWrittenAsConverted(t *testing.T) {
	mod := time.UnixMilli(1_700_000_000_123).UTC()
	base := connect.NewHeaders().AddString("file.name", "a.csv").
		Add("file.length", connect.Int64Schema, int64(74)).
		Add("file.last.modified", connect.TimestampSchema, mod)
	var headers []connect.Headers
	for i := range 5 {
		headers = append(headers, base.Add("file.offset", connect.Int64Schema, int64(i)))
	}
	headers = append(headers,
		base.Set("file.name", connect.StringSchema, "b.csv"),
		base.Set("file.length", connect.Int32Schema, int32(74)),
		base.Set("file.last.modified", connect.TimestampSchema, mod.Add(time.Millisecond)),
		base.Set("file.last.modified", connect.Int64Schema, mod.UnixMilli()),
		base.Add("z", connect.Float64Schema, 0.0),
		base.Add("z", connect.Float64Schema, math.Copysign(0, -1)),
		base.Add("z", connect.Float64Schema, math.NaN()),
		base.Add("z", connect.Float64Schema, math.NaN()),
		base.Add("z", connect.BytesSchema, []byte("x")),
		base.Add("z", connect.BytesSchema, []byte("y")),
		base.Add("z", nil, nil),
		connect.NewHeaders(),
		base.Remove("file.name"),
		base,
		base,
	)
	records := make([]connect.Record, len(headers))
	for i, h := range headers {
		records[i] = connect.Record{Topic: "t", ValueSchema: connect.StringSchema, Value: "v", Headers: h}
	}
	st, prep, infs := headerTask(len(records))
	st.prepareAll(prep, records, time.Now())
	hc := simpleheader.New()
	for i, r := range records {
		require.True(t, prep[i].keep, "record %d: %v", i, prep[i].err)
		var want []converter.KafkaHeader
		for h := range r.Headers.All() {
			v, err := hc.FromConnectHeader(nil, "t", h.Key, h.Schema, h.Value)
			require.NoError(t, err)
			want = append(want, converter.KafkaHeader{Key: h.Key, Value: v})
		}
		require.Equal(t, want, infs[i].kr.Headers, "record %d", i)
	}
}

// The headers a record shares with the one before it are not converted
// again: converting a row's seven spooldir headers, six of them the same
// for every row of a file, allocates for the one that changes only.
func TestPrepareAllConvertsRepeatedHeadersOnce(t *testing.T) {
	h := connect.NewHeaders().
		AddString("file.name", "customers.csv").
		AddString("file.name.without.extension", "customers").
		AddString("file.path", "/data/in/customers.csv").
		AddString("file.parent.dir.name", "in").
		Add("file.length", connect.Int64Schema, int64(74_000_000)).
		Add("file.last.modified", connect.TimestampSchema, time.UnixMilli(1_700_000_000_123).UTC())
	const n = 100
	records := make([]connect.Record, n)
	for i := range records {
		records[i] = connect.Record{Topic: "t", ValueSchema: connect.StringSchema, Value: "v",
			Headers: h.Add("file.offset", connect.Int64Schema, int64(1000+i))}
	}
	st, prep, infs := headerTask(n)
	allocs := testing.AllocsPerRun(10, func() {
		for i := range infs {
			st.releaseBuf(&infs[i])
		}
		st.prepareAll(prep, records, time.Now())
	})
	// Per record: its Kafka header list and file.offset's value (a little
	// more under -race); converting all seven headers made 10.
	require.LessOrEqual(t, allocs/n, 3.0, "allocations per record")
}

func headerTask(n int) (*sourceTask, []prepared, []inflight) {
	conv := converter.Funcs{
		From: func(dst []byte, _ string, _ connect.Headers, _ *connect.Schema, v any) ([]byte, error) {
			if v == nil {
				return nil, nil
			}
			return append(dst, v.(string)...), nil
		},
	}
	st := &sourceTask{taskPlugins: &taskPlugins{keys: newRecordConverter(conv), values: newRecordConverter(conv), headers: simpleheader.New()}}
	infs := make([]inflight, n)
	prep := make([]prepared, n)
	for i := range prep {
		prep[i].inf = &infs[i]
	}
	return st, prep, infs
}

// A pooled inflight keeps its Kafka header array from record to record:
// converting the headers of a record that reuses it allocates nothing but
// the values that change, and each record is written with its own headers
// whatever the record before it in the array had.
func TestPrepareAllReusesPooledHeaderArrays(t *testing.T) {
	base := connect.NewHeaders().AddString("file.name", "a.csv").
		AddString("file.path", "/in/a.csv").
		Add("file.length", connect.Int64Schema, int64(74))
	const n = 64
	rounds := []func(i int) connect.Headers{
		func(i int) connect.Headers { return base.Add("file.offset", connect.Int64Schema, int64(1000+i)) },
		func(i int) connect.Headers { return connect.NewHeaders().AddString("only", "x") },
		func(i int) connect.Headers {
			return base.AddString("a", "b").AddString("c", "d").Add("file.offset", connect.Int64Schema, int64(2000+i))
		},
		func(i int) connect.Headers { return connect.Headers{} },
		func(i int) connect.Headers { return base.Add("file.offset", connect.Int64Schema, int64(3000+i)) },
	}
	st, prep, _ := headerTask(n)
	d := &atLeastOnce{st: st}
	hc := simpleheader.New()
	for round, headers := range rounds {
		records := make([]connect.Record, n)
		for i := range records {
			records[i] = connect.Record{Topic: "t", ValueSchema: connect.StringSchema, Value: "v", Headers: headers(i)}
		}
		d.newInflights(prep)
		st.prepareAll(prep, records, time.Now())
		for i, r := range records {
			var want []converter.KafkaHeader
			for h := range r.Headers.All() {
				v, err := hc.FromConnectHeader(nil, "t", h.Key, h.Schema, h.Value)
				require.NoError(t, err)
				want = append(want, converter.KafkaHeader{Key: h.Key, Value: v})
			}
			require.Equal(t, want, prep[i].inf.kr.Headers, "round %d record %d", round, i)
		}
		for i := range prep {
			d.releaseInflight(prep[i].inf)
		}
	}
	records := make([]connect.Record, n)
	var offsets [n]any // boxed beforehand: the records' own allocations
	for i := range records {
		offsets[i] = int64(5000 + i)
		records[i] = connect.Record{Topic: "t", ValueSchema: connect.StringSchema, Value: "v",
			Headers: base.Add("file.offset", connect.Int64Schema, offsets[i])}
	}
	d.newInflights(prep)
	batch := prep[0].inf.batch
	allocs := testing.AllocsPerRun(10, func() {
		// The same array again, not one from the pool, which -race empties
		// at random.
		batch.pending.Store(n)
		st.prepareAll(prep, records, time.Now())
		for i := range prep {
			d.releaseInflight(prep[i].inf)
		}
	})
	// Per record: nothing (a little under -race), file.offset's value
	// being written to an array shared with the others; a new Kafka header
	// list for each record made 2, an array for each value 1.
	require.LessOrEqual(t, allocs/n, 0.5, "allocations per record")
}

// The values converted into a cache's shared array are each the bytes
// converted, with no room after them: appending to one, or converting
// more, leaves the others as they were.
func TestHeaderCacheConvertedValuesStayApart(t *testing.T) {
	hc := &headerCache{}
	conv := simpleheader.New()
	var got [][]byte
	for i := range 2000 { // past several arrays
		v, err := hc.convert(conv, "t", connect.Header{Key: "file.offset", Schema: connect.Int64Schema, Value: int64(i)})
		require.NoError(t, err)
		require.Equal(t, len(v), cap(v), "value %d", i)
		got = append(got, v)
	}
	long := strings.Repeat("x", 10_000) // longer than any array
	v, err := hc.convert(conv, "t", connect.Header{Key: "s", Schema: connect.StringSchema, Value: long})
	require.NoError(t, err)
	require.Equal(t, long, string(v))
	empty, err := hc.convert(conv, "t", connect.Header{Key: "s", Schema: connect.StringSchema, Value: ""})
	require.NoError(t, err)
	require.NotNil(t, empty, "an empty value, not a null one")
	null, err := hc.convert(conv, "t", connect.Header{Key: "s", Schema: connect.OptionalStringSchema, Value: nil})
	require.NoError(t, err)
	require.Nil(t, null)
	_ = append(got[0], "garbage"...)
	for i, v := range got {
		require.Equal(t, strconv.Itoa(i), string(v), "value %d", i)
	}
}

// Records built on shared header lists (connect.Headers.Shared, as
// spooldir's rows on their file's headers) are written with their own
// headers, as converted one by one, whichever list the record before them
// was built on: another list of the same keys, the same headers not
// shared, or none.
func TestPrepareAllSharedHeadersWrittenAsConverted(t *testing.T) {
	file := func(name string, length int64) connect.Headers {
		return connect.NewHeaders().AddString("file.name", name).Add("file.length", connect.Int64Schema, length)
	}
	a, b := file("a.csv", 74).Shared(), file("b.csv", 75).Shared()
	aAgain := file("a.csv", 74).Shared()
	var headers []connect.Headers
	for i, base := range []connect.Headers{a, a, b, a, aAgain, file("a.csv", 74), a, connect.Headers{}, b, b.Shared(), b, a.Remove("file.offset"), a} {
		headers = append(headers, base.Add("file.offset", connect.Int64Schema, int64(i)))
	}
	headers = append(headers, a, b, a.AddString("x", "y").Shared().AddString("z", "w"), a)
	records := make([]connect.Record, len(headers))
	for i, h := range headers {
		records[i] = connect.Record{Topic: "t", ValueSchema: connect.StringSchema, Value: "v", Headers: h}
	}
	st, prep, infs := headerTask(len(records))
	st.prepareAll(prep, records, time.Now())
	hc := simpleheader.New()
	for i, r := range records {
		require.True(t, prep[i].keep, "record %d: %v", i, prep[i].err)
		var want []converter.KafkaHeader
		for h := range r.Headers.All() {
			v, err := hc.FromConnectHeader(nil, "t", h.Key, h.Schema, h.Value)
			require.NoError(t, err)
			want = append(want, converter.KafkaHeader{Key: h.Key, Value: v})
		}
		require.Equal(t, want, infs[i].kr.Headers, "record %d", i)
	}
}

// Releasing a settled record's inflight lets go of the polled record and
// of every array that is not the inflight's own, and leaves its header
// array alone: the next record's conversion writes over it, so a second
// pass over an array long out of cache, on every record, is saved.
func TestReleaseInflightLeavesHeaderArray(t *testing.T) {
	const n = 4
	st, prep, infs := headerTask(n)
	d := &atLeastOnce{st: st}
	records := make([]connect.Record, n)
	for i := range records {
		records[i] = connect.Record{Topic: "t", ValueSchema: connect.StringSchema, Value: "v",
			Headers: connect.NewHeaders().AddString("a", "b").Add("file.offset", connect.Int64Schema, int64(i))}
	}
	d.newInflights(prep)
	st.prepareAll(prep, records, time.Now())
	for i := range prep {
		d.releaseInflight(prep[i].inf)
	}
	for i := range infs {
		inf := prep[i].inf
		require.Nil(t, inf.r, "the polled record")
		require.Nil(t, inf.kr.Key)
		require.Nil(t, inf.kr.Value)
		require.Nil(t, inf.kr.Headers)
		require.Equal(t, submission{}, inf.sub)
		require.Equal(t, "file.offset", inf.hdrs[:2][1].Key, "the header array is left for the next record")
	}
}
