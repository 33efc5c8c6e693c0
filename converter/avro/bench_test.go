package avro

import (
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/jsonconv"
	"github.com/kconnect-go/kconnect/internal/procstat"
)

// benchRecord is jsonconv's bench10 record: 10 fields, a struct named
// com.example.Order.
func benchRecord() (*connect.Schema, *connect.Struct) {
	s := connect.StructOf(
		connect.F("id", connect.Int64Schema), connect.F("customer", connect.StringSchema),
		connect.F("email", connect.OptionalStringSchema), connect.F("amount", connect.Float64Schema),
		connect.F("quantity", connect.Int32Schema), connect.F("active", connect.BooleanSchema),
		connect.F("created", connect.TimestampSchema), connect.F("tags", connect.ArrayOf(connect.StringSchema)),
		connect.F("note", connect.OptionalStringSchema), connect.F("score", connect.Float32Schema),
	).WithName("com.example.Order")
	v := connect.NewStruct(s)
	for k, x := range map[string]any{"id": int64(1234567890123), "customer": "Ada Lovelace", "email": "ada@example.com",
		"amount": 199.99, "quantity": int32(3), "active": true, "created": connect.MillisToTimestamp(1700000000123),
		"tags": []any{"a", "b"}, "score": float32(4.5)} {
		if err := v.Put(k, x); err != nil {
			panic(err)
		}
	}
	return s, v
}

type conv interface {
	FromConnect(dst []byte, topic string, headers connect.Headers, schema *connect.Schema, value any) ([]byte, error)
	ToConnect(topic string, headers connect.Headers, data []byte) (*connect.Schema, any, error)
}

func benchConverters(b *testing.B) map[string]conv {
	reg := newRegistryB(b)
	c, err := Configure(map[string]string{SchemaRegistryURLConfig: reg}, false)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	return map[string]conv{"Avro": c, "JSONSchemas": jsonconv.New()}
}

// BenchmarkEncode: FromConnect into a reused buffer, the schema's id cached.
func BenchmarkEncode(b *testing.B) {
	for _, name := range []string{"Avro", "JSONSchemas"} {
		b.Run(name, func(b *testing.B) {
			c := benchConverters(b)[name]
			s, v := benchRecord()
			buf, err := c.FromConnect(nil, "t", connect.Headers{}, s, v)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if buf, err = c.FromConnect(buf[:0], "t", connect.Headers{}, s, v); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

// BenchmarkDecode: ToConnect of the same record, the schema cached.
func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"Avro", "JSONSchemas"} {
		b.Run(name, func(b *testing.B) {
			c := benchConverters(b)[name]
			s, v := benchRecord()
			data, err := c.FromConnect(nil, "t", connect.Headers{}, s, v)
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := c.ToConnect("t", connect.Headers{}, data); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			cpu0 := procstat.CPU() // steadier than wall time on a busy machine
			for b.Loop() {
				if _, _, err := c.ToConnect("t", connect.Headers{}, data); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((procstat.CPU()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkStructBuilding is the part of decoding neither converter can
// avoid: a Struct of the record's schema built with SetAt from values
// already in hand, with the tags array's []any and its boxed strings.
func BenchmarkStructBuilding(b *testing.B) {
	s, v := benchRecord()
	vals := make([]connect.Value, len(s.Fields))
	for i := range vals {
		vals[i] = v.At(i)
	}
	b.ReportAllocs()
	for b.Loop() {
		st := connect.NewStruct(s)
		for i, x := range vals {
			if i == 7 {
				x = connect.AnyValue([]any{"a", "b"})
			}
			if err := st.SetAt(i, x); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkStructBuildingUnchecked is BenchmarkStructBuilding with
// SetAtUnchecked, as the decoders set the values they made for the schema.
func BenchmarkStructBuildingUnchecked(b *testing.B) {
	s, v := benchRecord()
	vals := make([]connect.Value, len(s.Fields))
	for i := range vals {
		vals[i] = v.At(i)
	}
	b.ReportAllocs()
	for b.Loop() {
		st := connect.NewStruct(s)
		for i, x := range vals {
			if i == 7 {
				x = connect.AnyValue([]any{"a", "b"})
			}
			st.SetAtUnchecked(i, x)
		}
	}
}
