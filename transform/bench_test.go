package transform

import (
	"fmt"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// The benchmark chain the issue asks for: ReplaceField (renames) ->
// InsertField (a static field and the timestamp) -> Cast -> RegexRouter,
// on a record whose value is a 10-field struct, with a schema and without.

var benchSchema = connect.StructOf(
	connect.F("f0", connect.Int64Schema),
	connect.F("f1", connect.StringSchema),
	connect.F("f2", connect.Int32Schema),
	connect.F("f3", connect.Float64Schema),
	connect.F("f4", connect.BooleanSchema),
	connect.F("f5", connect.OptionalStringSchema),
	connect.F("f6", connect.Int64Schema),
	connect.F("f7", connect.StringSchema),
	connect.F("f8", connect.Float32Schema),
	connect.F("f9", connect.TimestampSchema),
).WithName("com.example.Order")

func benchStructRecord() (connect.Record, *connect.Struct) {
	st := connect.NewStruct(benchSchema)
	_ = st.PutInt64("f0", 12345)
	_ = st.PutString("f1", "customer-42")
	_ = st.PutInt32("f2", 7)
	_ = st.PutFloat64("f3", 99.5)
	_ = st.PutBool("f4", true)
	_ = st.PutString("f5", "note")
	_ = st.PutInt64("f6", 1)
	_ = st.PutString("f7", "EUR")
	_ = st.PutFloat32("f8", 1.25)
	_ = st.PutTime("f9", time.UnixMilli(1700000000123).UTC())
	r := connect.Record{Topic: "orders", ValueSchema: benchSchema, Value: st, Timestamp: time.UnixMilli(1700000000999)}
	r.SetPartition(0)
	return r, st
}

func benchMapRecord() connect.Record {
	return connect.Record{Topic: "orders", Timestamp: time.UnixMilli(1700000000999), Value: map[string]any{
		"f0": int64(12345), "f1": "customer-42", "f2": int64(7), "f3": 99.5, "f4": true,
		"f5": "note", "f6": int64(1), "f7": "EUR", "f8": 1.25, "f9": int64(1700000000123),
	}}
}

// benchEntriesRecord is benchMapRecord as JsonConverter reads it without a
// schema: entries in java.util.HashMap order.
func benchEntriesRecord() connect.Record {
	r := benchMapRecord()
	m := r.Value.(map[string]any)
	entries := make([]connect.MapEntry, 0, len(m))
	for i := range len(m) {
		k := fmt.Sprintf("f%d", i)
		entries = append(entries, connect.MapEntry{Key: k, Value: m[k]})
	}
	r.Value = connect.JavaHashMapEntries(entries)
	return r
}

// benchChain builds the chain from Kafka-style string configs, as a runtime
// would.
func benchChain(tb testing.TB) *Chain {
	tb.Helper()
	mk := func(p Plugin, cfg map[string]string) Transformation {
		tr, err := p.New(cfg)
		if err != nil {
			tb.Fatal(err)
		}
		return tr
	}
	router, err := NewRegexRouter("orders", "orders-v2")
	if err != nil {
		tb.Fatal(err)
	}
	c, err := NewChain(
		Step{Name: "rename", Transform: mk(replaceFieldPlugins()[1], map[string]string{"renames": "f0:id,f1:customer"})},
		Step{Name: "insert", Transform: mk(insertFieldPlugins()[1], map[string]string{
			"static.field": "source", "static.value": "kconnect", "timestamp.field": "ingested_at"})},
		Step{Name: "cast", Transform: mk(castPlugins()[1], map[string]string{"spec": "f2:int64,f8:float64"})},
		Step{Name: "route", Transform: router},
	)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestBenchChain(t *testing.T) {
	c := benchChain(t)
	r, _ := benchStructRecord()
	out, ok, err := c.Apply(r)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	st := out.Value.(*connect.Struct)
	if out.Topic != "orders-v2" || st.Get("id") != int64(12345) || st.Get("f2") != int64(7) ||
		st.Get("source") != "kconnect" || st.Get("ingested_at") != time.UnixMilli(1700000000999).UTC() || st.Get("f8") != 1.25 {
		t.Fatalf("unexpected %v %v", out.Topic, st)
	}
	out, _, err = c.Apply(benchMapRecord())
	if err != nil {
		t.Fatal(err)
	}
	m := out.Value.(map[string]any)
	if m["id"] != int64(12345) || m["ingested_at"] != int64(1700000000999) || m["f2"] != int64(7) || out.Topic != "orders-v2" {
		t.Fatalf("unexpected %v", m)
	}
}

func BenchmarkChain(b *testing.B) {
	c := benchChain(b)
	sr, _ := benchStructRecord()
	for _, bc := range []struct {
		name string
		r    connect.Record
	}{{"schema", sr}, {"schemaless", benchMapRecord()}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.Apply(bc.r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSMT measures each SMT of this part alone on the 10-field struct,
// the same fields in a Go map, and as entries (what JsonConverter reads
// without a schema).
func BenchmarkSMT(b *testing.B) {
	sr, _ := benchStructRecord()
	for _, bc := range []struct {
		p   Plugin
		cfg map[string]string
	}{
		{replaceFieldPlugins()[1], map[string]string{"renames": "f0:id"}},
		{insertFieldPlugins()[1], map[string]string{"topic.field": "topic"}},
		{maskFieldPlugins()[1], map[string]string{"fields": "f1"}},
		{castPlugins()[1], map[string]string{"spec": "f2:int64"}},
		{timestampConverterPlugins()[1], map[string]string{"field": "f9", "target.type": "unix"}},
		{flattenPlugins()[1], map[string]string{}},
	} {
		tr, err := bc.p.New(bc.cfg)
		if err != nil {
			b.Fatal(err)
		}
		for _, mode := range []string{"schema", "schemaless", "entries"} {
			r := sr
			switch mode {
			case "schemaless":
				r = benchMapRecord()
			case "entries":
				r = benchEntriesRecord()
			}
			b.Run(fmt.Sprintf("%s/%s", bc.p.Class[len(transformsPackage):], mode), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := tr.Apply(r); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkChainStepByStep runs the chain of BenchmarkChain through each
// step's Apply in turn, without the Chain's in-place and fused paths: what
// those save.
func BenchmarkChainStepByStep(b *testing.B) {
	steps := benchChain(b).Steps()
	sr, _ := benchStructRecord()
	for _, bc := range []struct {
		name string
		r    connect.Record
	}{{"schema", sr}, {"schemaless", benchMapRecord()}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := applySteps(steps, bc.r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
