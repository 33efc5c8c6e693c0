package transform

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

func sinkRecord(r connect.Record) connect.Record {
	r.SetOrigin(connect.KafkaPosition{Topic: "orig", Partition: 3, Offset: 42})
	r.SetPartition(3)
	return r
}

func TestInsertFieldSchema(t *testing.T) {
	in := connect.StructOf(
		connect.F("id", connect.Int64Schema),
		connect.F("opt", (&connect.Schema{Type: connect.StringType, Optional: true, Default: "dflt"})),
	).WithName("Row").WithDoc("doc")
	in.Optional = true
	st := connect.NewStruct(in)
	require.NoError(t, st.Put("id", int64(1)))

	tr, err := newInsertFieldFromConfig(false, map[string]string{
		"topic.field": "topic!", "partition.field": "part?", "offset.field": "off",
		"timestamp.field": "ts!", "static.field": "src", "static.value": "kconnect",
	})
	require.NoError(t, err)
	ts := time.Date(2024, 1, 2, 3, 4, 5, 6_789_000, time.UTC)
	out, ok, err := tr.Apply(sinkRecord(connect.Record{Topic: "orders", ValueSchema: in, Value: st, Timestamp: ts}))
	require.NoError(t, err)
	require.True(t, ok)

	os := out.ValueSchema
	require.NoError(t, os.Validate())
	require.Equal(t, "Row", os.Name)
	require.Equal(t, "doc", os.Doc)
	require.False(t, os.Optional, "Kafka's derived schema is required")
	want := []struct {
		name   string
		schema *connect.Schema
	}{
		{"id", connect.Int64Schema}, {"opt", in.Fields[1].Schema},
		{"topic", connect.StringSchema}, {"part", connect.OptionalInt32Schema},
		{"off", connect.OptionalInt64Schema}, {"ts", connect.TimestampSchema},
		{"src", connect.OptionalStringSchema},
	}
	require.Len(t, os.Fields, len(want))
	for i, w := range want {
		require.Equal(t, w.name, os.Fields[i].Name)
		require.True(t, w.schema.Equal(os.Fields[i].Schema), w.name)
	}
	got := out.Value.(*connect.Struct)
	require.Equal(t, int64(1), got.Get("id"))
	require.Equal(t, "dflt", got.GetWithoutDefault("opt"), "null replaced by the default")
	require.Equal(t, "orders", got.Get("topic"))
	require.Equal(t, int32(3), got.Get("part"))
	require.Equal(t, int64(42), got.Get("off"))
	require.Equal(t, ts.Truncate(time.Millisecond), got.Get("ts"))
	require.Equal(t, "kconnect", got.Get("src"))
	require.NoError(t, got.Validate())

	out2, _, err := tr.Apply(sinkRecord(connect.Record{Topic: "orders", ValueSchema: in, Value: st, Timestamp: ts}))
	require.NoError(t, err)
	require.Same(t, os, out2.ValueSchema, "cached")

	keep, err := NewInsertField(InsertFieldConfig{Static: InsertedField{Name: "src"}, StaticValue: "x", KeepNulls: true})
	require.NoError(t, err)
	out, _, err = keep.Apply(connect.Record{ValueSchema: in, Value: st})
	require.NoError(t, err)
	require.Nil(t, out.Value.(*connect.Struct).GetWithoutDefault("opt"))
}

func TestInsertFieldMissingMetadata(t *testing.T) {
	in := connect.StructOf(connect.F("id", connect.Int64Schema))
	st := connect.NewStruct(in)
	require.NoError(t, st.Put("id", int64(1)))
	tr, err := NewInsertField(InsertFieldConfig{Partition: InsertedField{Name: "p"}, Timestamp: InsertedField{Name: "ts"}})
	require.NoError(t, err)
	out, _, err := tr.Apply(connect.Record{ValueSchema: in, Value: st})
	require.NoError(t, err)
	require.Nil(t, out.Value.(*connect.Struct).Get("p"))
	require.Nil(t, out.Value.(*connect.Struct).Get("ts"))

	out, _, err = tr.Apply(connect.Record{Value: map[string]any{"id": 1}})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"id": 1}, out.Value, "absent metadata is not inserted")

	// offset.field needs a sink record.
	off, err := NewInsertField(InsertFieldConfig{Key: true, Offset: InsertedField{Name: "o"}})
	require.NoError(t, err)
	for _, r := range []connect.Record{{KeySchema: in, Key: st}, {Key: map[string]any{}}} {
		_, _, err = off.Apply(r)
		require.ErrorContains(t, err, "Only SinkRecord supported")
		require.ErrorContains(t, err, "InsertField$Key")
		var de *connect.DataError
		require.ErrorAs(t, err, &de)
		require.Equal(t, "o", de.Path)
	}
}

func TestInsertFieldSchemaless(t *testing.T) {
	tr, err := NewInsertField(InsertFieldConfig{
		Key:   true,
		Topic: InsertedField{Name: "t"}, Partition: InsertedField{Name: "p"}, Offset: InsertedField{Name: "o"},
		Timestamp: InsertedField{Name: "ts"}, Static: InsertedField{Name: "s"}, StaticValue: "v",
	})
	require.NoError(t, err)
	in := map[string]any{"id": int64(1)}
	ts := time.UnixMilli(1700000000123)
	out, ok, err := tr.Apply(sinkRecord(connect.Record{Topic: "orders", Key: in, Value: "value", Timestamp: ts}))
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, map[string]any{"id": int64(1), "t": "orders", "p": int32(3), "o": int64(42),
		"ts": int64(1700000000123), "s": "v"}, out.Key)
	require.Len(t, in, 1, "input untouched")
	require.Equal(t, "value", out.Value)
}

func TestInsertFieldTombstonesAndBadValues(t *testing.T) {
	tr, err := NewInsertField(InsertFieldConfig{Topic: InsertedField{Name: "t"}})
	require.NoError(t, err)
	in := connect.StructOf(connect.F("t", connect.StringSchema))
	r := connect.Record{Topic: "x", ValueSchema: in.AsOptional()}
	out, ok, err := tr.Apply(r)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, r, out)

	st := connect.NewStruct(in)
	require.NoError(t, st.Put("t", "a"))
	_, _, err = tr.Apply(connect.Record{ValueSchema: in, Value: st})
	require.ErrorContains(t, err, "field name duplication t")

	_, _, err = tr.Apply(connect.Record{ValueSchema: connect.StringSchema, Value: "s"})
	require.ErrorContains(t, err, "only Struct objects supported")
	_, _, err = tr.Apply(connect.Record{Value: []any{1}})
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
}

func TestInsertFieldConfigErrors(t *testing.T) {
	_, err := newInsertFieldFromConfig(false, map[string]string{})
	require.ErrorContains(t, err, "InsertField$Value: No field insertion configured")
	_, err = newInsertFieldFromConfig(false, map[string]string{"static.field": "s"})
	require.ErrorContains(t, err, "No value specified for static field: s")
	var ce *connect.ConfigError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, []string{"static.value"}, ce.Keys())
	_, err = newInsertFieldFromConfig(true, map[string]string{"topic.field": "t", "replace.null.with.default": "maybe"})
	require.ErrorContains(t, err, "replace.null.with.default")
	require.ErrorContains(t, err, "InsertField$Key")
	_, err = NewInsertField(InsertFieldConfig{})
	require.Error(t, err)
}

func TestInsertedFieldSpec(t *testing.T) {
	require.Equal(t, InsertedField{Name: "a"}, parseInsertedField("a"))
	require.Equal(t, InsertedField{Name: "a"}, parseInsertedField("a?"))
	require.Equal(t, InsertedField{Name: "a", Required: true}, parseInsertedField("a!"))
	require.Equal(t, InsertedField{Name: "a!"}, parseInsertedField("a!?"))
}

func ExampleNewInsertField() {
	ins, err := NewInsertField(InsertFieldConfig{
		Topic:       InsertedField{Name: "source_topic"},
		Static:      InsertedField{Name: "pipeline", Required: true},
		StaticValue: "billing",
	})
	if err != nil {
		panic(err)
	}
	r, _, err := ins.Apply(connect.Record{Topic: "invoices", Value: map[string]any{"id": int64(1)}})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Value)
	// Output: map[id:1 pipeline:billing source_topic:invoices]
}

func TestPart2Plugins(t *testing.T) {
	groups := map[string][]Plugin{
		"InsertField": insertFieldPlugins(), "ReplaceField": replaceFieldPlugins(), "MaskField": maskFieldPlugins(),
		"Cast": castPlugins(), "TimestampConverter": timestampConverterPlugins(), "Flatten": flattenPlugins(),
	}
	minimal := map[string]map[string]string{
		"InsertField": {"topic.field": "t"}, "ReplaceField": {}, "MaskField": {"fields": "a"},
		"Cast": {"spec": "int32"}, "TimestampConverter": {"target.type": "unix"}, "Flatten": {},
	}
	for base, ps := range groups {
		require.Len(t, ps, 2, base)
		for i, side := range []string{"$Key", "$Value"} {
			p := ps[i]
			require.Equal(t, "org.apache.kafka.connect.transforms."+base+side, p.Info().Class)
			require.Equal(t, connect.TransformationPlugin, p.Kind)
			require.NotNil(t, p.Config)
			require.Contains(t, p.Doc, base+"$Key</code>")
			tr, err := p.New(minimal[base])
			require.NoError(t, err, base+side)
			require.NotNil(t, tr)
		}
	}
	// Kafka's keys and defaults, as the REST API lists them.
	k, ok := replaceFieldConfigDef.Key(replaceNullKey)
	require.True(t, ok)
	require.Equal(t, true, k.Default)
	k, _ = flattenConfigDef.Key("delimiter")
	require.Equal(t, ".", k.Default)
	k, _ = timestampConverterConfigDef.Key("unix.precision")
	require.Equal(t, "milliseconds", k.Default)
	k, _ = castConfigDef.Key("spec")
	require.True(t, k.Required)
}

// TestPart2Concurrent applies every SMT from many goroutines (run with -race).
func TestPart2Concurrent(t *testing.T) {
	r, in := benchStructRecord()
	trs := []Transformation{}
	for _, p := range []Plugin{replaceFieldPlugins()[1], insertFieldPlugins()[1], maskFieldPlugins()[1],
		castPlugins()[1], timestampConverterPlugins()[1], flattenPlugins()[1]} {
		cfg := map[string]string{
			"renames": "f0:g0", "topic.field": "topic", "fields": "f1", "spec": "f2:string",
			"target.type": "unix", "field": "f9",
		}
		tr, err := p.New(cfg)
		require.NoError(t, err, p.Class)
		trs = append(trs, tr)
	}
	_ = in
	done := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			for i := 0; i < 200; i++ {
				for _, tr := range trs {
					if _, _, err := tr.Apply(r); err != nil {
						done <- err
						return
					}
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		require.NoError(t, <-done)
	}
}
