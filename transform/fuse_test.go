package transform

import (
	"fmt"
	"maps"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

// applySteps applies steps one after another through Apply, as a Chain did
// before its in-place and fused paths: the reference those must match.
func applySteps(steps []Step, r connect.Record) (connect.Record, bool, error) {
	for i := range steps {
		s := &steps[i]
		if s.When != nil && s.When.Test(&r) == s.Negate {
			continue
		}
		next, ok, err := s.Transform.Apply(r)
		if err != nil {
			return r, false, stepError(s.name(i), err)
		}
		if !ok {
			return r, false, nil
		}
		r = next
	}
	return r, true, nil
}

var (
	fuseInner  = connect.StructOf(connect.F("x", connect.Int32Schema)).WithName("Inner").AsOptional()
	fuseSchema = connect.StructOf(
		connect.F("f0", connect.Int64Schema),
		connect.F("f1", connect.StringSchema),
		connect.F("f2", connect.Int32Schema),
		connect.F("f3", connect.Float64Schema),
		connect.F("f4", connect.BooleanSchema),
		connect.F("f5", connect.OptionalStringSchema),
		connect.F("f6", (&connect.Schema{Type: connect.Int64Type, Optional: true, Default: int64(5)})),
		connect.F("f7", connect.StringSchema.WithDefault("dflt")),
		connect.F("f8", connect.Float32Schema),
		connect.F("f9", connect.TimestampSchema),
		connect.F("nested", fuseInner),
		connect.F("tags", connect.ArrayOf(connect.StringSchema).AsOptional()),
		connect.F("dec", connect.DecimalSchema(2).AsOptional()),
		connect.F("raw", connect.OptionalBytesSchema),
	).WithName("com.example.Fuse")
)

// How fuseStruct fills a struct.
const (
	fillAll      = iota
	fillSparse   // the optional fields null
	fillDefaults // f7 (required, with a default) null too
	fillUnset    // f1 (required, no default) null too
)

// fuseStruct builds a record value of fuseSchema.
func fuseStruct(t testing.TB, fill int) *connect.Struct {
	st := connect.NewStruct(fuseSchema)
	put := func(name string, v any) { require.NoError(t, st.Put(name, v)) }
	put("f0", int64(12345))
	if fill < fillUnset {
		put("f1", "customer-42")
	}
	if fill < fillDefaults {
		put("f7", "EUR")
	}
	put("f2", int32(7))
	put("f3", 99.5)
	put("f4", true)
	put("f8", float32(1.25))
	put("f9", time.UnixMilli(1700000000123).UTC())
	if fill == fillAll {
		put("f5", "note")
		put("f6", int64(1))
		in := connect.NewStruct(fuseInner)
		require.NoError(t, in.Put("x", int32(3)))
		put("nested", in)
		put("tags", []any{"a", "b"})
		put("dec", connect.Decimal{Unscaled: big.NewInt(12345), Scale: 2})
		put("raw", []byte("hi"))
	}
	return st
}

func fuseMap() map[string]any {
	return map[string]any{
		"f0": int64(12345), "f1": "customer-42", "f2": int64(7), "f3": 99.5, "f4": true,
		"f5": "note", "f6": nil, "f7": "EUR", "f8": 1.25, "f9": int64(1700000000123), "n": 12,
	}
}

// fuseRecords returns the records the differential test runs, built afresh
// at each call so that a test can check its input was left untouched.
func fuseRecords(t testing.TB) map[string]connect.Record {
	ts := time.UnixMilli(1700000000999)
	withMeta := func(r connect.Record) connect.Record {
		r.Topic, r.Timestamp = "orders", ts
		r.SetPartition(3)
		r.SetOrigin(connect.KafkaPosition{Topic: "orders", Partition: 3, Offset: 77})
		return r
	}
	anyMap := map[any]any{}
	for k, v := range fuseMap() {
		anyMap[k] = v
	}
	equalSchema := connect.StructOf(fuseSchema.Fields...).WithName(fuseSchema.Name)
	// A container changed after it was set, against the rules: copying it
	// into another struct fails.
	changed := fuseStruct(t, fillAll)
	changed.Get("tags").([]any)[1] = 5
	keyed := withMeta(connect.Record{KeySchema: fuseSchema, Key: fuseStruct(t, fillAll),
		ValueSchema: fuseSchema, Value: fuseStruct(t, fillSparse)})
	return map[string]connect.Record{
		"struct":                withMeta(connect.Record{ValueSchema: fuseSchema, Value: fuseStruct(t, fillAll)}),
		"struct sparse":         withMeta(connect.Record{ValueSchema: fuseSchema, Value: fuseStruct(t, fillSparse)}),
		"struct defaults":       withMeta(connect.Record{ValueSchema: fuseSchema, Value: fuseStruct(t, fillDefaults)}),
		"struct unset required": withMeta(connect.Record{ValueSchema: fuseSchema, Value: fuseStruct(t, fillUnset)}),
		"struct no metadata":    {Topic: "orders", ValueSchema: fuseSchema, Value: fuseStruct(t, fillAll)},
		"struct other schema":   withMeta(connect.Record{ValueSchema: equalSchema, Value: fuseStruct(t, fillAll)}),
		"struct bad container":  withMeta(connect.Record{ValueSchema: fuseSchema, Value: changed}),
		"struct and key":        keyed,
		"map":                   withMeta(connect.Record{Value: fuseMap()}),
		"map no metadata":       {Topic: "orders", Value: fuseMap()},
		"map any keys":          withMeta(connect.Record{Value: anyMap}),
		"map and key":           withMeta(connect.Record{Key: fuseMap(), Value: fuseMap()}),
		"tombstone":             withMeta(connect.Record{ValueSchema: fuseSchema}),
		"primitive":             withMeta(connect.Record{ValueSchema: connect.Int32Schema, Value: int32(4)}),
	}
}

// fuseChains are connector configurations whose chains the differential
// test runs: the benchmark's, and variations reaching every fast path and
// every way a step can fail.
var fuseChains = map[string]string{
	"benchmark": `transforms=rename,insert,cast,route
		transforms.rename.type=ReplaceField$Value
		transforms.rename.renames=f0:id,f1:customer
		transforms.insert.type=InsertField$Value
		transforms.insert.static.field=source
		transforms.insert.static.value=kconnect
		transforms.insert.timestamp.field=ingested_at
		transforms.cast.type=Cast$Value
		transforms.cast.spec=f2:int64,f8:float64
		transforms.route.type=RegexRouter
		transforms.route.regex=orders
		transforms.route.replacement=orders-v2`,
	"every insert, cast inserted": `transforms=drop,insert,cast
		transforms.drop.type=ReplaceField$Value
		transforms.drop.exclude=f3,nested
		transforms.insert.type=InsertField$Value
		transforms.insert.topic.field=t
		transforms.insert.partition.field=p!
		transforms.insert.offset.field=o
		transforms.insert.timestamp.field=ts!
		transforms.insert.static.field=s
		transforms.insert.static.value=v
		transforms.cast.type=Cast$Value
		transforms.cast.spec=p:string,ts:int64,o:int8,f4:int32`,
	"inserted then dropped": `transforms=insert,drop,cast
		transforms.insert.type=InsertField$Value
		transforms.insert.offset.field=o
		transforms.insert.partition.field=p!
		transforms.insert.topic.field=t
		transforms.drop.type=ReplaceField$Value
		transforms.drop.exclude=o,p,f1
		transforms.cast.type=Cast$Value
		transforms.cast.spec=f2:int64`,
	"keep nulls": `transforms=rename,insert,cast
		transforms.rename.type=ReplaceField$Value
		transforms.rename.renames=f6:six
		transforms.rename.replace.null.with.default=false
		transforms.insert.type=InsertField$Value
		transforms.insert.topic.field=t
		transforms.insert.replace.null.with.default=false
		transforms.cast.type=Cast$Value
		transforms.cast.spec=six:string,f7:string
		transforms.cast.replace.null.with.default=false`,
	"defaults cast": `transforms=cast,rename
		transforms.cast.type=Cast$Value
		transforms.cast.spec=f6:string,f7:string,f5:boolean
		transforms.rename.type=ReplaceField$Value
		transforms.rename.include=f5,f6,f7,f0
		transforms.rename.renames=f6:f0,f0:f6`,
	"cast fails": `transforms=rename,cast,insert
		transforms.rename.type=ReplaceField$Value
		transforms.rename.renames=f0:id
		transforms.cast.type=Cast$Value
		transforms.cast.spec=f2:int64,f1:int32
		transforms.insert.type=InsertField$Value
		transforms.insert.topic.field=t`,
	"cast container fails": `transforms=insert,cast
		transforms.insert.type=InsertField$Value
		transforms.insert.topic.field=t
		transforms.cast.type=Cast$Value
		transforms.cast.spec=tags:string`,
	"insert clash": `transforms=rename,insert
		transforms.rename.type=ReplaceField$Value
		transforms.rename.renames=f0:t
		transforms.insert.type=InsertField$Value
		transforms.insert.topic.field=t`,
	"rename swap": `transforms=rename,cast
		transforms.rename.type=ReplaceField$Value
		transforms.rename.renames=f0:f1,f1:f0,f9:f9
		transforms.cast.type=Cast$Value
		transforms.cast.spec=f1:string`,
	"rename onto kept": `transforms=insert,rename
		transforms.insert.type=InsertField$Value
		transforms.insert.topic.field=t
		transforms.rename.type=ReplaceField$Value
		transforms.rename.renames=f0:f2`,
	"rename onto excluded": `transforms=insert,rename,cast
		transforms.insert.type=InsertField$Value
		transforms.insert.topic.field=t
		transforms.rename.type=ReplaceField$Value
		transforms.rename.exclude=f2,f7
		transforms.rename.renames=f0:f2,f7:seven
		transforms.cast.type=Cast$Value
		transforms.cast.spec=f2:string`,
	"two renames clash": `transforms=insert,rename
		transforms.insert.type=InsertField$Value
		transforms.insert.topic.field=t
		transforms.rename.type=ReplaceField$Value
		transforms.rename.renames=f0:x,f1:x`,
	"include": `transforms=insert,rename,cast
		transforms.insert.type=InsertField$Value
		transforms.insert.timestamp.field=ts
		transforms.rename.type=ReplaceField$Value
		transforms.rename.include=f0,f2,ts,zz
		transforms.rename.renames=f0:id
		transforms.cast.type=Cast$Value
		transforms.cast.spec=ts:string`,
	"key side": `transforms=rename,insert,cast
		transforms.rename.type=ReplaceField$Key
		transforms.rename.renames=f0:id
		transforms.insert.type=InsertField$Key
		transforms.insert.topic.field=t
		transforms.cast.type=Cast$Key
		transforms.cast.spec=id:string`,
	"sides alternate": `transforms=rv,ck,iv,rk,cv
		transforms.rv.type=ReplaceField$Value
		transforms.rv.renames=f0:id
		transforms.ck.type=Cast$Key
		transforms.ck.spec=f2:string
		transforms.iv.type=InsertField$Value
		transforms.iv.topic.field=t
		transforms.rk.type=ReplaceField$Key
		transforms.rk.exclude=f3
		transforms.cv.type=Cast$Value
		transforms.cv.spec=t:boolean,id:float32`,
	"interrupted": `transforms=rename,mask,insert,route,cast
		transforms.rename.type=ReplaceField$Value
		transforms.rename.renames=f0:id
		transforms.mask.type=MaskField$Value
		transforms.mask.fields=f1
		transforms.insert.type=InsertField$Value
		transforms.insert.topic.field=t
		transforms.route.type=RegexRouter
		transforms.route.regex=(.*)
		transforms.route.replacement=$1-x
		transforms.cast.type=Cast$Value
		transforms.cast.spec=t:string,f2:int8`,
	"whole cast": `transforms=extract,cast
		transforms.extract.type=ExtractField$Value
		transforms.extract.field=f2
		transforms.cast.type=Cast$Value
		transforms.cast.spec=string`,
	"predicates": `transforms=rename,insert,cast
		transforms.rename.type=ReplaceField$Value
		transforms.rename.renames=f0:id
		transforms.insert.type=InsertField$Value
		transforms.insert.topic.field=t
		transforms.insert.predicate=isOrders
		transforms.cast.type=Cast$Value
		transforms.cast.spec=f2:int64
		transforms.cast.predicate=isOrders
		transforms.cast.negate=true
		predicates=isOrders
		predicates.isOrders.type=TopicNameMatches
		predicates.isOrders.pattern=orders`,
}

func parseChainText(t testing.TB, text string) *Chain {
	t.Helper()
	cfg := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		require.True(t, ok, line)
		if strings.HasSuffix(k, ".type") && !strings.Contains(v, ".") && v != "RegexRouter" && v != "TopicNameMatches" {
			v = transformsPackage + v
		}
		cfg[k] = v
	}
	c, err := ParseChain(cfg)
	require.NoError(t, err)
	return c
}

// TestChainFastPathsMatchSteps checks that a Chain, with its in-place and
// fused paths, gives exactly the records and errors of its steps applied
// one after another, and never modifies its input.
func TestChainFastPathsMatchSteps(t *testing.T) {
	for chainName, text := range fuseChains {
		c := parseChainText(t, text)
		for recName := range fuseRecords(t) {
			t.Run(chainName+"/"+recName, func(t *testing.T) {
				for round := range 2 { // the second round runs on cached plans
					in := fuseRecords(t)[recName]
					wantOut, wantOK, wantErr := applySteps(c.Steps(), fuseRecords(t)[recName])
					out, ok, err := c.Apply(in)
					if wantErr != nil {
						require.Error(t, err, "round %d", round)
						require.Equal(t, wantErr.Error(), err.Error())
						var wde, de *connect.DataError
						require.Equal(t, errorAs(wantErr, &wde), errorAs(err, &de))
						if wde != nil {
							require.Equal(t, wde.Path, de.Path)
						}
					} else {
						require.NoError(t, err, "round %d", round)
					}
					require.Equal(t, wantOK, ok)
					require.Equal(t, wantOut, out, "round %d", round)
					require.Equal(t, fuseRecords(t)[recName], in, "the input is untouched")
				}
			})
		}
	}
}

func errorAs(err error, de **connect.DataError) bool {
	x, ok := err.(*connect.DataError)
	*de = x
	return ok
}

// The fused path is taken, not given up for the steps, wherever the steps
// succeed on a struct of the run's input schema (except where a step fails
// and the steps must report it).
func TestFusedPathTaken(t *testing.T) {
	for _, tc := range []struct {
		chain, record string
		fused         bool
	}{
		{"benchmark", "struct", true},
		{"benchmark", "struct sparse", true},
		{"benchmark", "struct defaults", true},
		{"benchmark", "struct no metadata", true},
		{"benchmark", "struct and key", true},
		{"benchmark", "struct unset required", false},
		{"benchmark", "struct other schema", false},
		{"benchmark", "struct bad container", false},
		{"benchmark", "map", false},
		{"every insert, cast inserted", "struct", true},
		{"every insert, cast inserted", "struct sparse", true},
		{"every insert, cast inserted", "struct no metadata", false},
		{"inserted then dropped", "struct sparse", true},
		{"inserted then dropped", "struct no metadata", false},
		{"keep nulls", "struct sparse", true},
		{"keep nulls", "struct defaults", false}, // f7 stays null in a required field
		{"defaults cast", "struct defaults", true},
		{"defaults cast", "struct unset required", false},
		{"cast fails", "struct", false},
		{"rename swap", "struct", true},
		{"include", "struct", true},
		{"key side", "struct and key", true},
	} {
		c := parseChainText(t, fuseChains[tc.chain])
		r := fuseRecords(t)[tc.record]
		require.Equal(t, tc.fused, c.runs[0].apply(&r), "%s on %s", tc.chain, tc.record)
	}
}

// Which chains fuse: runs of two or more of ReplaceField, InsertField and
// field Casts on one side.
func TestFindRuns(t *testing.T) {
	for _, tc := range []struct {
		chain string
		runs  map[int]int // start -> end
	}{
		{"benchmark", map[int]int{0: 3}},
		{"every insert, cast inserted", map[int]int{0: 3}},
		{"key side", map[int]int{0: 3}},
		{"sides alternate", nil},
		{"interrupted", nil},
		{"whole cast", nil},
		{"cast fails", map[int]int{0: 3}},
	} {
		c := parseChainText(t, fuseChains[tc.chain])
		got := map[int]int{}
		for i, r := range c.runs {
			if r != nil {
				got[i] = r.end
			}
		}
		if tc.runs == nil {
			tc.runs = map[int]int{}
		}
		require.Equal(t, tc.runs, got, tc.chain)
	}
}

// The benchmark chain takes the fused path for a struct and the in-place
// path for a map, at one allocation per struct record.
func TestChainFastPathAllocs(t *testing.T) {
	c := benchChain(t)
	sr, _ := benchStructRecord()
	mr := benchMapRecord()
	_, _, err := c.Apply(sr)
	require.NoError(t, err)
	require.True(t, c.runs[0].plan(benchSchema).ok)
	require.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _, _, _ = c.Apply(sr) }))
	// The new map (4 allocations for a table of more than 8 entries) and
	// the boxed timestamp.
	require.LessOrEqual(t, testing.AllocsPerRun(100, func() { _, _, _ = c.Apply(mr) }), 6.0)
}

// A plan is not built for a schema a step rejects; the steps then report
// the error.
func TestFusedPlanUnfusable(t *testing.T) {
	c := parseChainText(t, fuseChains["insert clash"])
	r := fuseRecords(t)["struct"]
	_, _, err := c.Apply(r)
	require.ErrorContains(t, err, "transform insert: ")
	require.ErrorContains(t, err, "duplication t")
	require.False(t, c.runs[0].plan(fuseSchema).ok)
}

// A fresh map a later step fails on is returned as the failing step's
// input, unchanged by that step.
func TestChainFreshMapUntouchedOnError(t *testing.T) {
	c := parseChainText(t, `transforms=rename,cast
		transforms.rename.type=ReplaceField$Value
		transforms.rename.renames=f0:id
		transforms.cast.type=Cast$Value
		transforms.cast.spec=id:string,f1:int32,f2:string,f3:string,f4:string,f5:string,f7:string,f8:string,f9:string,n:string`)
	out, ok, err := c.Apply(connect.Record{Value: fuseMap()})
	require.False(t, ok)
	require.ErrorContains(t, err, "transform cast: ")
	want := fuseMap()
	want["id"] = want["f0"]
	delete(want, "f0")
	require.Equal(t, want, out.Value)
}

func TestReplaceFieldMapRenames(t *testing.T) {
	base := map[string]any{"a": 1, "b": 2, "c": 3}
	for _, tc := range []struct {
		name    string
		cfg     ReplaceFieldConfig
		want    map[string]any
		wantErr string
	}{
		{name: "swap", cfg: ReplaceFieldConfig{Renames: map[string]string{"a": "b", "b": "a"}},
			want: map[string]any{"a": 2, "b": 1, "c": 3}},
		{name: "chain", cfg: ReplaceFieldConfig{Renames: map[string]string{"a": "b", "b": "z"}},
			want: map[string]any{"b": 1, "z": 2, "c": 3}},
		{name: "onto itself", cfg: ReplaceFieldConfig{Renames: map[string]string{"a": "a"}},
			want: map[string]any{"a": 1, "b": 2, "c": 3}},
		{name: "onto a kept field", cfg: ReplaceFieldConfig{Renames: map[string]string{"a": "c"}},
			wantErr: "two fields would be called c after renaming"},
		{name: "two onto one", cfg: ReplaceFieldConfig{Renames: map[string]string{"a": "x", "b": "x"}},
			wantErr: "two fields would be called x after renaming"},
		{name: "onto an excluded field", cfg: ReplaceFieldConfig{Exclude: []string{"c"}, Renames: map[string]string{"a": "c"}},
			want: map[string]any{"c": 1, "b": 2}},
		{name: "excluded rename", cfg: ReplaceFieldConfig{Exclude: []string{"a"}, Renames: map[string]string{"a": "c"}},
			want: map[string]any{"b": 2, "c": 3}},
		{name: "missing rename", cfg: ReplaceFieldConfig{Renames: map[string]string{"zz": "a"}},
			want: map[string]any{"a": 1, "b": 2, "c": 3}},
		{name: "include", cfg: ReplaceFieldConfig{Include: []string{"a", "b"}, Renames: map[string]string{"a": "b", "b": "a"}},
			want: map[string]any{"a": 2, "b": 1}},
		{name: "include clash", cfg: ReplaceFieldConfig{Include: []string{"a", "b"}, Renames: map[string]string{"a": "b"}},
			wantErr: "two fields would be called b after renaming"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := NewReplaceField(tc.cfg)
			require.NoError(t, err)
			for _, owned := range []bool{false, true} {
				in := maps.Clone(base)
				var out connect.Record
				var ok bool
				if owned {
					r := connect.Record{Value: in}
					ok, _, err = tr.applyTo(&r, freshValue)
					out = r
				} else {
					out, ok, err = tr.Apply(connect.Record{Value: in})
				}
				if tc.wantErr != "" {
					require.ErrorContains(t, err, tc.wantErr)
					require.Equal(t, base, in, "untouched on error")
					continue
				}
				require.NoError(t, err)
				require.True(t, ok)
				require.Equal(t, tc.want, out.Value)
				if !owned {
					require.Equal(t, base, in)
				}
			}
		})
	}
}

// Many renames take the allocated path of replaceMap.
func TestReplaceFieldManyRenames(t *testing.T) {
	renames := map[string]string{}
	in := map[string]any{}
	want := map[string]any{}
	for i := range 20 {
		renames[fmt.Sprint("k", i)] = fmt.Sprint("v", i)
		in[fmt.Sprint("k", i)] = i
		want[fmt.Sprint("v", i)] = i
	}
	tr, err := NewReplaceField(ReplaceFieldConfig{Renames: renames})
	require.NoError(t, err)
	out, _, err := tr.Apply(connect.Record{Value: in})
	require.NoError(t, err)
	require.Equal(t, want, out.Value)
}

// Cast of a schemaless value gives back the caller's boxed value when the
// cast leaves it as it is, except a Go int, which becomes an int64.
func TestCastAnySameValue(t *testing.T) {
	for _, tc := range []struct {
		in   any
		to   connect.Type
		want any
	}{
		{1.25, connect.Float64Type, 1.25},
		{int64(7), connect.Int64Type, int64(7)},
		{7, connect.Int64Type, int64(7)},
		{"x", connect.StringType, "x"},
		{float32(2), connect.Float32Type, float32(2)},
		{int32(7), connect.Int64Type, int64(7)},
	} {
		got, err := castAny(nil, tc.in, tc.to)
		require.NoError(t, err)
		require.Equal(t, tc.want, got)
	}
}
