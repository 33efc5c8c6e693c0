package connect

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var orderSchema = StructOf(
	F("id", Int64Schema),
	F("customer", StringSchema),
	F("email", OptionalStringSchema),
	F("amount", Float64Schema),
	F("quantity", Int32Schema),
	F("active", BooleanSchema),
	F("created", TimestampSchema),
	F("score", Float32Schema),
	F("note", OptionalStringSchema),
	F("region", StringSchema.WithDefault("eu")),
).WithName("com.example.Order")

var created = time.UnixMilli(1700000000123).UTC()

func buildOrder(id int64) (*Struct, error) {
	s := NewStruct(orderSchema)
	err := errors.Join(
		s.PutInt64("id", id),
		s.PutString("customer", "Ada Lovelace"),
		s.PutString("email", "ada@example.com"),
		s.PutFloat64("amount", 199.99),
		s.PutInt32("quantity", 3),
		s.PutBool("active", true),
		s.PutTime("created", created),
		s.PutFloat32("score", 4.5),
		s.Set("note", Value{}),
		s.PutString("region", "us"),
	)
	return s, err
}

func TestStructPutGet(t *testing.T) {
	s, err := buildOrder(1234567890123)
	require.NoError(t, err)
	require.NoError(t, s.Validate())

	id, err := s.Int64("id")
	require.NoError(t, err)
	require.Equal(t, int64(1234567890123), id)
	require.Equal(t, int64(1234567890123), s.Get("id"))
	require.Equal(t, "Ada Lovelace", s.Get("customer"))
	require.Nil(t, s.Get("note"))
	require.True(t, created.Equal(s.Get("created").(time.Time)))
	f, err := s.Float32("score")
	require.NoError(t, err)
	require.Equal(t, float32(4.5), f)

	// A Go int is accepted for any integer field it fits.
	require.NoError(t, s.Put("quantity", 7))
	require.Equal(t, int32(7), s.Get("quantity"))
	err = s.Put("quantity", 1<<40)
	require.Error(t, err)

	// Type mismatches name the field and the schema.
	err = s.Put("quantity", "seven")
	var de *DataError
	require.ErrorAs(t, err, &de)
	require.Equal(t, "quantity", de.Path)
	require.Contains(t, err.Error(), "INT32")

	_, err = s.String("quantity")
	require.ErrorContains(t, err, "quantity")

	require.ErrorContains(t, s.Put("nope", 1), "nope is not a field")
	require.ErrorContains(t, s.Put("customer", nil), "null used for required field customer")

	// Defaults: Get falls back, GetWithoutDefault does not.
	s2 := NewStruct(orderSchema)
	require.Equal(t, "eu", s2.Get("region"))
	require.Nil(t, s2.GetWithoutDefault("region"))
	r, err := s2.String("region")
	require.NoError(t, err)
	require.Equal(t, "eu", r)
	err = s2.Validate()
	require.ErrorContains(t, err, "required field id is not set")
}

func TestStructNestedValidation(t *testing.T) {
	inner := StructOf(F("zip", StringSchema))
	outer := StructOf(F("address", inner), F("tags", ArrayOf(StringSchema)), F("m", MapOf(StringSchema, Int32Schema)))
	s := NewStruct(outer)
	in := NewStruct(inner)
	require.NoError(t, s.Put("address", in))
	require.NoError(t, s.Put("tags", []any{"a", "b"}))
	err := s.Validate()
	require.ErrorContains(t, err, "address.zip")

	err = s.Put("tags", []any{"a", 3})
	require.ErrorContains(t, err, "tags[1]")
	err = s.Put("m", map[string]any{"k": int64(3)})
	require.ErrorContains(t, err, "m[k]")
	require.NoError(t, s.Put("m", map[string]any{"k": int32(3)}))

	other := NewStruct(StructOf(F("zip", Int32Schema)))
	require.ErrorContains(t, s.Put("address", other), "does not match")
}

func TestStructFormatAndEqual(t *testing.T) {
	a, _ := buildOrder(1)
	b, _ := buildOrder(1)
	c, _ := buildOrder(2)
	require.True(t, a.Equal(b))
	require.False(t, a.Equal(c))
	require.Equal(t, "Struct{id=1,customer=Ada Lovelace,email=ada@example.com,amount=199.99,quantity=3,active=true,created=2023-11-14 22:13:20.123 +0000 UTC,score=4.5,region=us}", fmt.Sprint(a))
}

// The storage decision: a Struct keeps its fields as inline Values, so
// building one costs the Struct and its value slice and nothing per field.
func TestStructBuildAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := buildOrder(1234567890123); err != nil {
			panic(err)
		}
	})
	require.LessOrEqual(t, allocs, 2.0)
}

func BenchmarkStructBuild10Fields(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := buildOrder(int64(i)); err != nil {
			b.Fatal(err)
		}
	}
}

// The alternative measured against: fields set through Put(name, any),
// which boxes each value into an interface at the call site.
func BenchmarkStructBuild10FieldsBoxed(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s := NewStruct(orderSchema)
		err := errors.Join(
			s.Put("id", int64(i)+1000),
			s.Put("customer", "Ada Lovelace"),
			s.Put("email", "ada@example.com"),
			s.Put("amount", 199.99+float64(i)),
			s.Put("quantity", int32(i)+300),
			s.Put("active", true),
			s.Put("created", created),
			s.Put("score", float32(4.5)),
			s.Put("note", nil),
			s.Put("region", "us"),
		)
		if err != nil {
			b.Fatal(err)
		}
	}
}

func TestValueRoundTrip(t *testing.T) {
	for _, v := range []any{int8(-3), int16(300), int32(-70000), int64(1 << 40), float32(1.5), 2.25, true, "s",
		[]byte{1}, created, NewDecimal(-12345, 2), []any{int64(1)}, map[string]any{"a": "b"}} {
		require.True(t, ValuesEqual(v, AnyValue(v).Any()), "%T %v", v, v)
	}
	require.Equal(t, int64(5), AnyValue(5).Any())
	require.True(t, AnyValue(nil).IsNull())
	require.True(t, AnyValue([]byte(nil)).IsNull())
}
