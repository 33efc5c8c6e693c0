package protobuf

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/kconnect-go/kconnect/connect"
)

type corpusCase struct {
	name   string
	config dataConfig
	schema *connect.Schema
	values map[string]any
}

func corpus() []corpusCase {
	item := connect.StructOf(connect.F("sku", connect.StringSchema), connect.F("n", connect.Int32Schema)).WithName("Item")
	optItem := item.AsOptional()
	typed := func(t string, s *connect.Schema) *connect.Schema { return s.WithParameter(typeParam, t) }
	enum := connect.StringSchema.WithName("Color").WithParameter(enumParam, "Color").
		WithParameter(enumParam+".RED", "0").WithParameter(enumParam+".GREEN", "1").WithParameter(enumParam+".BLUE", "-2")
	union := connect.StructOf(connect.F("card", connect.OptionalStringSchema), connect.F("account", connect.OptionalInt64Schema)).
		WithName(unionName + ".method").AsOptional()
	all := connect.StructOf(
		connect.F("i32", connect.Int32Schema), connect.F("neg", connect.Int64Schema),
		connect.F("s32", typed("sint32", connect.Int32Schema)), connect.F("s64", typed("sint64", connect.Int64Schema)),
		connect.F("f32", typed("fixed32", connect.Int64Schema)), connect.F("sf64", typed("sfixed64", connect.Int64Schema)),
		connect.F("u64", typed("uint64", connect.Int64Schema)), connect.F("sf32", typed("sfixed32", connect.Int32Schema)),
		connect.F("fl", connect.Float32Schema), connect.F("db", connect.Float64Schema),
		connect.F("ok", connect.BooleanSchema), connect.F("raw", connect.BytesSchema),
		connect.F("b", connect.Int8Schema), connect.F("h", connect.Int16Schema),
		connect.F("color", enum), connect.F("zero", enum),
		connect.F("ints", connect.ArrayOf(connect.Int64Schema)), connect.F("flags", connect.ArrayOf(connect.BooleanSchema)),
		connect.F("items", connect.ArrayOf(item)), connect.F("byid", connect.MapOf(connect.Int32Schema, item)),
		connect.F("names", connect.MapOf(connect.StringSchema, connect.StringSchema)),
		connect.F("item", optItem), connect.F("method", union),
		connect.F("when", connect.TimestampSchema), connect.F("day", connect.DateSchema), connect.F("at", connect.TimeSchema),
		connect.F("amount", connect.DecimalSchema(3)), connect.F("empty", connect.StringSchema),
	).WithName("com.example.All")
	mk := func(sku string, n int32) *connect.Struct {
		s := connect.NewStruct(item)
		_ = s.Put("sku", sku)
		_ = s.Put("n", n)
		return s
	}
	u := connect.NewStruct(union)
	_ = u.Put("account", int64(-9))
	nullable := connect.StructOf(connect.F("a", connect.OptionalInt32Schema), connect.F("s", connect.OptionalStringSchema),
		connect.F("d", connect.OptionalFloat64Schema), connect.F("x", connect.OptionalBytesSchema)).WithName("Nullable")
	return []corpusCase{
		{"all", dataConfig{}, all, map[string]any{
			"i32": int32(-1), "neg": int64(math.MinInt64), "s32": int32(-5), "s64": int64(-300), "f32": int64(4000000000),
			"sf64": int64(-7), "u64": int64(-1), "sf32": int32(-3), "fl": float32(1.5), "db": math.Copysign(0, -1),
			"ok": true, "raw": []byte{0, 1, 2}, "b": int8(-128), "h": int16(32767), "color": "BLUE", "zero": "RED",
			"ints": []any{int64(1), int64(-1), int64(300)}, "flags": []any{true, false},
			"items": []any{mk("a", 1), mk("", 0)}, "byid": map[any]any{int32(3): mk("c", 3), int32(-1): mk("z", 0)},
			"names": map[string]any{"b": "2", "a": "1", "": ""}, "item": func() *connect.Struct {
				s := connect.NewStruct(optItem)
				_ = s.Put("sku", "i")
				_ = s.Put("n", int32(7))
				return s
			}(), "method": u,
			"when": time.UnixMilli(-1500).UTC(), "day": time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC),
			"at": time.UnixMilli(86399999).UTC(), "amount": connect.NewDecimal(-1234567, 3), "empty": "",
		}},
		{"wrappers", dataConfig{wrapperForNullables: true}, nullable, map[string]any{"a": int32(0), "s": "", "d": 2.5}},
		{"optional", dataConfig{optionalForNullables: true}, nullable, map[string]any{"a": int32(0), "s": "", "x": []byte{}}},
		{"plain", dataConfig{}, nullable, map[string]any{"a": int32(0), "s": "x"}},
		{"scrub", dataConfig{scrubNames: true}, connect.StructOf(connect.F("a-b", connect.Int32Schema), connect.F("1c", connect.StringSchema)).WithName("my-rec"),
			map[string]any{"a-b": int32(5), "1c": "q"}},
	}
}

// TestEncodeMatchesProtobuf: for every case of the corpora the converter's
// bytes are those google.golang.org/protobuf writes for the same values set
// on a dynamicpb message of the same descriptor, and they read back as
// they went and as google.golang.org/protobuf reads them.
func TestEncodeMatchesProtobuf(t *testing.T) {
	for _, tc := range derivedCorpus() {
		t.Run(tc.name, func(t *testing.T) {
			v := connect.NewStruct(tc.schema)
			for k, x := range tc.values {
				require.NoError(t, v.Put(k, x), k)
			}
			text, _, _, err := tc.config.protoText(tc.schema)
			require.NoError(t, err)
			fd, err := compile(text, nil)
			require.NoError(t, err, text)
			md := fd.Messages().Get(0)
			p, err := tc.config.newPlan(md, tc.schema)
			require.NoError(t, err)
			got, err := tc.config.appendMessage(nil, p, v)
			require.NoError(t, err)

			ref := dynamicpb.NewMessage(md)
			require.NoError(t, tc.config.fromConnect(ref, tc.schema, v))
			want, err := proto.MarshalOptions{Deterministic: true}.Marshal(ref)
			require.NoError(t, err)
			require.Equal(t, want, got, text)

			back := dynamicpb.NewMessage(md)
			require.NoError(t, proto.Unmarshal(got, back))
			rs := tc.config.connectSchema(md, false)
			refSt, err := tc.config.toConnect(rs, back)
			require.NoError(t, err)
			st, err := tc.config.read(tc.config.newRPlan(md, rs), got)
			require.NoError(t, err)
			require.True(t, st.Equal(refSt), "read:      %v\nreference: %v", st, refSt)
			for k, x := range tc.values {
				name := k
				if tc.config.scrubNames {
					name = tc.config.scrub(k)
				}
				if k == "method" {
					name = "method"
					if tc.config.indexForUnions {
						name += "_0"
					}
				}
				got := st.Get(name)
				switch want := x.(type) {
				case connect.Decimal:
					require.True(t, want.Equal(got.(connect.Decimal)), k)
				case *connect.Struct, []any, map[any]any:
					require.NotNil(t, got, k)
				case float64:
					require.Equal(t, math.Float64bits(want), math.Float64bits(got.(float64)), k)
				default:
					require.EqualValues(t, x, got, k)
				}
			}
		})
	}
}
