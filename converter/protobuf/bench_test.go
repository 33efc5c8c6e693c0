package protobuf

import (
	"testing"

	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/jsonconv"
)

// benchRecord is jsonconv's bench10 record, as converter/avro's benchmark
// uses it: 10 fields, a struct named com.example.Order.
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

func benchConverter(b *testing.B, name string) conv {
	if name == "JSONSchemas" {
		return jsonconv.New()
	}
	reg := srfake.New()
	b.Cleanup(reg.Close)
	c, err := Configure(map[string]string{"schema.registry.url": reg.URL()}, false)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	return c
}

// BenchmarkEncode: FromConnect into a reused buffer, the schema's id and
// descriptor cached.
func BenchmarkEncode(b *testing.B) {
	for _, name := range []string{"Protobuf", "JSONSchemas"} {
		b.Run(name, func(b *testing.B) {
			c := benchConverter(b, name)
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
	for _, name := range []string{"Protobuf", "JSONSchemas"} {
		b.Run(name, func(b *testing.B) {
			c := benchConverter(b, name)
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
			for b.Loop() {
				if _, _, err := c.ToConnect("t", connect.Headers{}, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
