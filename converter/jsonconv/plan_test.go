package jsonconv

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/stretchr/testify/require"
)

// TestCompiledMatchesGeneral writes every schema in a table with every value
// in a pool, matching or not, through a converter that compiles schemas
// (plan.go) and one that does not (schemas.cache.size=0), and requires the
// same bytes or the same error from both, in both envelope and plain mode.
func TestCompiledMatchesGeneral(t *testing.T) {
	inner := connect.StructOf(
		connect.F("n", connect.Int32Schema),
		connect.F("s", connect.OptionalStringSchema),
	).WithName("Inner")
	innerTwin := connect.StructOf( // equal to inner, another pointer
		connect.F("n", connect.Int32Schema),
		connect.F("s", connect.OptionalStringSchema),
	).WithName("Inner")
	other := connect.StructOf(connect.F("x", connect.BooleanSchema))
	// A flat row of every plain type, which compileStruct writes in its
	// own loop, and an equal schema, another pointer.
	flatOf := func() *connect.Schema {
		return connect.StructOf(connect.F("i8", connect.Int8Schema), connect.F("i16", connect.Int16Schema),
			connect.F("i32", connect.Int32Schema), connect.F("i64", connect.Int64Schema),
			connect.F("f32", connect.Float32Schema), connect.F("f64", connect.Float64Schema),
			connect.F("b", connect.BooleanSchema), connect.F("s", connect.StringSchema),
			connect.F("oi", connect.OptionalInt64Schema), connect.F("of", connect.OptionalFloat64Schema),
			connect.F("os", connect.OptionalStringSchema), connect.F("ts", connect.TimestampSchema),
			connect.F("d", withDefaultOf(connect.Int32Schema, int32(7))))
	}
	flat, flatTwin := flatOf(), flatOf()

	withDefault := withDefaultOf
	schemas := []*connect.Schema{
		connect.Int8Schema, connect.Int16Schema, connect.Int32Schema, connect.Int64Schema,
		connect.Float32Schema, connect.Float64Schema, connect.BooleanSchema, connect.StringSchema,
		connect.BytesSchema, connect.OptionalInt32Schema, connect.OptionalStringSchema,
		withDefault(connect.Int32Schema, int32(7)), withDefault(connect.StringSchema, "d"),
		connect.TimestampSchema, connect.DateSchema, connect.TimeSchema, connect.DecimalSchema(2),
		connect.ArrayOf(connect.Int32Schema), connect.ArrayOf(connect.OptionalStringSchema),
		connect.ArrayOf(inner), connect.MapOf(connect.StringSchema, connect.Int64Schema),
		inner, other,
		connect.StructOf(connect.F("in", inner), connect.F("list", connect.ArrayOf(connect.Float64Schema)),
			connect.F("ts", connect.TimestampSchema), connect.F("def", withDefault(connect.Int64Schema, int64(-1)))),
		connect.StructOf(), flat,
	}

	mk := func(s *connect.Schema, kv ...any) *connect.Struct {
		st := connect.NewStruct(s)
		for i := 0; i < len(kv); i += 2 {
			require.NoError(t, st.Put(kv[i].(string), kv[i+1]))
		}
		return st
	}
	values := []any{
		nil, int8(-3), int16(300), int32(70000), int64(math.MaxInt64), int64(5),
		float32(4.5), float32(1e10), 199.99, math.NaN(), math.Inf(-1), 1e-5, math.Copysign(0, -1), 0.001, 1e7,
		true, false, "", "plain", "quote\" back\\ nl\n tab\t ctl\x01 é 😀 bad\xff",
		[]byte{0, 1, 2}, time.UnixMilli(1700000000123).UTC(), time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
		connect.NewDecimal(12345, 2), connect.NewDecimal(1, 3),
		[]any{int32(1), int32(2)}, []any{int32(1), "x"}, []any{nil, "a"}, []any{},
		[]any{mk(inner, "n", int32(1)), mk(innerTwin, "n", int32(2), "s", "two"), nil},
		map[string]any{"a": int64(1), "b": "no"}, map[string]any{"k": int64(2)},
		mk(inner, "n", int32(9), "s", "nine"), mk(inner), mk(innerTwin, "n", int32(3)),
		mk(other, "x", true),
		mk(schemas[len(schemas)-3], "in", mk(inner, "n", int32(4)), "list", []any{1.5, math.Inf(1)},
			"ts", time.UnixMilli(-1).UTC()),
		mk(schemas[len(schemas)-3], "in", mk(innerTwin, "n", int32(4)), "list", []any{2.5}, "def", int64(8)),
		mk(schemas[len(schemas)-2]),
		mk(flat, "i8", int8(-128), "i16", int16(32767), "i32", int32(-7), "i64", int64(math.MinInt64),
			"f32", float32(0.1), "f64", 199.99, "b", true, "s", "row \"one\"\n", "oi", int64(3), "of", math.Copysign(0, -1),
			"os", "é", "ts", time.UnixMilli(1700000000123).UTC(), "d", int32(1)),
		mk(flatTwin, "i8", int8(1), "i16", int16(2), "i32", int32(3), "i64", int64(4),
			"f32", float32(1e10), "f64", math.NaN(), "b", false, "s", "", "f64", 1e7, "ts", time.UnixMilli(-1).UTC()),
		mk(flat, "i8", int8(0), "i16", int16(0), "i32", int32(0), "i64", int64(0), "f32", float32(0), "f64", 0.001,
			"b", false, "s", "x", "ts", time.UnixMilli(0).UTC()),
		mk(flat),
	}

	for _, opts := range [][]Opt{nil, {SchemasEnable(false)}, {ReplaceNullWithDefault(false)}} {
		compiled := New(opts...)
		general := New(append(opts, SchemasCacheSize(0))...)
		for si, s := range schemas {
			for vi, v := range values {
				name := fmt.Sprintf("opts%d/schema%d(%s)/value%d(%T)", len(opts), si, s, vi, v)
				want, wantErr := general.FromConnect(nil, "t", connect.Headers{}, s, v)
				// twice: the first call compiles, the second uses the cache
				for range 2 {
					got, err := compiled.FromConnect(nil, "t", connect.Headers{}, s, v)
					if wantErr != nil {
						require.EqualError(t, err, wantErr.Error(), name)
						continue
					}
					require.NoError(t, err, name)
					require.Equal(t, string(want), string(got), name)
				}
			}
		}
	}
}

// withDefaultOf returns s, optional, with the default d.
func withDefaultOf(s *connect.Schema, d any) *connect.Schema {
	c := *s
	c.Optional = true
	c.Default = d
	return &c
}
