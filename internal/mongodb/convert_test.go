package mongodb_test

import (
	"errors"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/mongodb"
)

func dec(t *testing.T, s string) bson.Decimal128 {
	t.Helper()
	d, err := bson.ParseDecimal128(s)
	require.NoError(t, err)
	return d
}

func TestToDocumentStruct(t *testing.T) {
	inner := connect.StructOf(connect.F("x", connect.Int32Schema))
	schema := connect.StructOf(
		connect.F("i8", connect.Int8Schema), connect.F("i16", connect.Int16Schema),
		connect.F("i32", connect.Int32Schema), connect.F("i64", connect.Int64Schema),
		connect.F("f32", connect.Float32Schema), connect.F("f64", connect.Float64Schema),
		connect.F("b", connect.BooleanSchema), connect.F("s", connect.StringSchema),
		connect.F("bytes", connect.BytesSchema),
		connect.F("dec", connect.DecimalSchema(2)),
		connect.F("date", connect.DateSchema), connect.F("time", connect.TimeSchema),
		connect.F("ts", connect.TimestampSchema),
		connect.F("inner", inner),
		connect.F("list", connect.ArrayOf(connect.OptionalStringSchema)),
		connect.F("map", connect.MapOf(connect.StringSchema, connect.Int64Schema)),
		connect.F("opt", connect.OptionalStringSchema),
		connect.F("def", connect.OptionalInt32Schema.WithDefault(int32(7))),
	)
	ts := time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.UTC)
	in := connect.NewStruct(inner)
	require.NoError(t, in.Put("x", int32(1)))
	s := connect.NewStruct(schema)
	for k, v := range map[string]any{
		"i8": int8(-8), "i16": int16(16), "i32": int32(32), "i64": int64(64), "f32": float32(1.5), "f64": 2.25,
		"b": true, "s": "str", "bytes": []byte{1, 2}, "dec": connect.NewDecimal(-12345, 2),
		"date": time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC), "time": time.UnixMilli(3600_000).UTC(), "ts": ts,
		"inner": in, "list": []any{"a", nil}, "map": []connect.MapEntry{{Key: "k", Value: int64(9)}},
	} {
		require.NoError(t, s.Put(k, v), k)
	}
	got, err := mongodb.ToDocument(schema, s)
	require.NoError(t, err)
	want := bson.D{
		{Key: "i8", Value: int32(-8)}, {Key: "i16", Value: int32(16)}, {Key: "i32", Value: int32(32)}, {Key: "i64", Value: int64(64)},
		{Key: "f32", Value: 1.5}, {Key: "f64", Value: 2.25}, {Key: "b", Value: true}, {Key: "s", Value: "str"},
		{Key: "bytes", Value: bson.Binary{Data: []byte{1, 2}}},
		{Key: "dec", Value: dec(t, "-123.45")},
		{Key: "date", Value: bson.DateTime(time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC).UnixMilli())},
		{Key: "time", Value: bson.DateTime(3600_000)},
		{Key: "ts", Value: bson.DateTime(ts.UnixMilli())},
		{Key: "inner", Value: bson.D{{Key: "x", Value: int32(1)}}},
		{Key: "list", Value: bson.A{"a", nil}},
		{Key: "map", Value: bson.D{{Key: "k", Value: int64(9)}}},
		{Key: "opt", Value: nil},
		{Key: "def", Value: int32(7)},
	}
	require.Equal(t, want, got)
	// The driver writes it.
	_, err = bson.Marshal(got)
	require.NoError(t, err)
}

func TestToDocumentSchemaless(t *testing.T) {
	ts := time.UnixMilli(1_700_000_000_000).UTC()
	got, err := mongodb.ToDocument(nil, map[string]any{
		"name": "a", "n": int64(1), "f": 0.5, "nested": map[string]any{"x": []any{int64(1), "y"}}, "t": ts,
		"d": connect.NewDecimal(15, 1), "nil": nil,
	})
	require.NoError(t, err)
	// Fields come in java.util.HashMap order, as the official connector
	// writes a schemaless value's.
	keys := []string{"name", "n", "f", "nested", "t", "d", "nil"}
	slices.Sort(keys)
	connect.JavaHashMapOrder(keys)
	require.Len(t, got, len(keys))
	for i, k := range keys {
		require.Equal(t, k, got[i].Key)
	}
	m := map[string]any{}
	for _, e := range got {
		m[e.Key] = e.Value
	}
	require.Equal(t, map[string]any{
		"name": "a", "n": int64(1), "f": 0.5, "nested": bson.D{{Key: "x", Value: bson.A{int64(1), "y"}}},
		"t": bson.DateTime(ts.UnixMilli()), "d": dec(t, "1.5"), "nil": nil,
	}, m)

	// A MapEntry slice (what JsonConverter reads) keeps its order.
	got, err = mongodb.ToDocument(nil, []connect.MapEntry{{Key: "b", Value: int64(1)}, {Key: "a", Value: "x"}})
	require.NoError(t, err)
	require.Equal(t, bson.D{{Key: "b", Value: int64(1)}, {Key: "a", Value: "x"}}, got)

	_, err = mongodb.ToDocument(nil, []connect.MapEntry{{Key: int64(1), Value: "x"}})
	require.ErrorContains(t, err, "map key of type int64")
}

func TestToDocumentJSONAndBSON(t *testing.T) {
	got, err := mongodb.ToDocument(connect.StringSchema, `{"_id": {"$oid": "5f1e4b2a9d3e2a0001a1b2c3"}, "n": 1, "big": {"$numberLong": "5"}}`)
	require.NoError(t, err)
	oid, _ := bson.ObjectIDFromHex("5f1e4b2a9d3e2a0001a1b2c3")
	require.Equal(t, bson.D{{Key: "_id", Value: oid}, {Key: "n", Value: int32(1)}, {Key: "big", Value: int64(5)}}, got)

	raw, err := bson.Marshal(bson.D{{Key: "a", Value: "b"}})
	require.NoError(t, err)
	got, err = mongodb.ToDocument(nil, raw)
	require.NoError(t, err)
	require.Equal(t, bson.D{{Key: "a", Value: "b"}}, got)
}

func TestToDocumentNotADocument(t *testing.T) {
	for name, v := range map[string]any{
		"int":        int64(5),
		"json array": `[1, 2]`,
		"not json":   `hello`,
		"bad bson":   []byte{1, 2, 3},
		"list":       []any{"a"},
	} {
		_, err := mongodb.ToDocument(nil, v)
		require.Error(t, err, name)
		require.True(t, errors.Is(err, mongodb.ErrNotDocument), "%s: %v", name, err)
	}
}

func TestDecimal128(t *testing.T) {
	got, err := mongodb.Decimal128(connect.Decimal{Unscaled: big.NewInt(-5), Scale: -3})
	require.NoError(t, err)
	require.Equal(t, dec(t, "-5E+3"), got)
	huge, _ := new(big.Int).SetString("12345678901234567890123456789012345678", 10)
	_, err = mongodb.Decimal128(connect.Decimal{Unscaled: huge, Scale: 0})
	require.ErrorContains(t, err, "does not fit in a decimal128")
}

func TestDocumentHelpers(t *testing.T) {
	d := bson.D{{Key: "a", Value: bson.D{{Key: "b", Value: "x"}}}, {Key: "c", Value: bson.A{bson.D{{Key: "z", Value: 1}}}}}
	v, ok := mongodb.Lookup(d, "a.b")
	require.True(t, ok)
	require.Equal(t, "x", v)
	_, ok = mongodb.Lookup(d, "a.b.c")
	require.False(t, ok)
	c := mongodb.Clone(d)
	c[0].Value.(bson.D)[0].Value = "changed"
	c[1].Value.(bson.A)[0].(bson.D)[0].Value = 2
	require.Equal(t, "x", d[0].Value.(bson.D)[0].Value)
	require.Equal(t, 1, d[1].Value.(bson.A)[0].(bson.D)[0].Value)
	d = mongodb.Set(d, "n", 1)
	d = mongodb.Remove(d, "a")
	require.Equal(t, []string{"c", "n"}, []string{d[0].Key, d[1].Key})
}
