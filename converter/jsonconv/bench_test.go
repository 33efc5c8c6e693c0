package jsonconv

import (
	"encoding/json"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
)

// The benchmark record: bench10 of testdata/CASES.md, a 10-field struct.
func benchRecord() (*connect.Schema, *connect.Struct) {
	c := goldenCases()["bench10"]
	return c.schema, c.value.(*connect.Struct)
}

// benchMap is the same data as a map, for encoding/json.
func benchMap() map[string]any {
	return map[string]any{
		"id": int64(1234567890123), "customer": "Ada Lovelace", "email": "ada@example.com", "amount": 199.99,
		"quantity": int32(3), "active": true, "created": int64(1700000000123), "tags": []any{"a", "b"},
		"note": nil, "score": float32(4.5),
	}
}

func benchEncode(b *testing.B, conv *Converter, reuse bool) {
	schema, value := benchRecord()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var dst []byte
		if reuse {
			dst = buf[:0]
		}
		out, err := conv.FromConnect(dst, "t", connect.Headers{}, schema, value)
		if err != nil {
			b.Fatal(err)
		}
		buf = out
	}
	b.SetBytes(int64(len(buf)))
}

// FromConnect into a fresh buffer each time, and into a reused one (what the
// runtime does with its buffer pool).
func BenchmarkEncodeSchemasDisabled(b *testing.B) { benchEncode(b, New(SchemasEnable(false)), false) }
func BenchmarkEncodeSchemasDisabledReuse(b *testing.B) {
	benchEncode(b, New(SchemasEnable(false)), true)
}
func BenchmarkEncodeSchemasEnabled(b *testing.B)      { benchEncode(b, New(), false) }
func BenchmarkEncodeSchemasEnabledReuse(b *testing.B) { benchEncode(b, New(), true) }
func BenchmarkEncodeStdlibJSONMap(b *testing.B)       { benchStdlibEncode(b) }
func BenchmarkDecodeSchemasDisabled(b *testing.B)     { benchDecode(b, New(SchemasEnable(false))) }
func BenchmarkDecodeSchemasEnabled(b *testing.B)      { benchDecode(b, New()) }
func BenchmarkDecodeStdlibJSONMap(b *testing.B)       { benchStdlibDecode(b) }

func benchStdlibEncode(b *testing.B) {
	m := benchMap()
	b.ReportAllocs()
	var n int
	for b.Loop() {
		out, err := json.Marshal(m)
		if err != nil {
			b.Fatal(err)
		}
		n = len(out)
	}
	b.SetBytes(int64(n))
}

func benchDecode(b *testing.B, conv *Converter) {
	schema, value := benchRecord()
	data, err := conv.FromConnect(nil, "t", connect.Headers{}, schema, value)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := conv.ToConnect("t", connect.Headers{}, data); err != nil {
			b.Fatal(err)
		}
	}
}

func benchStdlibDecode(b *testing.B) {
	data, err := json.Marshal(benchMap())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			b.Fatal(err)
		}
	}
}
