package connect

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStructCopyAt(t *testing.T) {
	src, err := buildOrder(42)
	require.NoError(t, err)
	items := ArrayOf(Int32Schema)
	srcSchema := StructOf(F("tags", items), F("note", OptionalStringSchema), F("req", StringSchema))
	withTags := NewStruct(srcSchema)
	require.NoError(t, withTags.Put("tags", []any{int32(1)}))

	// A schema sharing some field schemas with orderSchema, renamed.
	dst := StructOf(
		F("ident", orderSchema.Fields[0].Schema),           // same *Schema as "id"
		F("amount", &Schema{Type: Float64Type}),            // equal, not the same pointer
		F("qty", Int64Schema),                              // another type than "quantity"
		F("note", OptionalStringSchema),                    // same *Schema as "note"
		F("tags", items),                                   // same container schema
		F("req", orderSchema.Fields[1].Schema),             // required STRING
		F("created", orderSchema.Fields[6].Schema),         // Timestamp
		F("region", orderSchema.Fields[9].Schema),          // STRING with a default
		F("opt", OptionalStringSchema.WithDefault("none")), // optional with a default
	)
	for _, tc := range []struct {
		name    string
		i       int
		from    *Struct
		j       int
		want    any
		wantErr string
	}{
		{name: "same schema, copied", i: 0, from: src, j: 0, want: int64(42)},
		{name: "equal schema, checked and copied", i: 1, from: src, j: 3, want: 199.99},
		{name: "other type, rejected", i: 2, from: src, j: 4, wantErr: "int32 value does not match schema INT64"},
		{name: "null into optional", i: 3, from: src, j: 8, want: nil},
		{name: "null into required, rejected", i: 5, from: withTags, j: 2, wantErr: "null used for required field req"},
		{name: "container, checked", i: 4, from: withTags, j: 0, want: []any{int32(1)}},
		{name: "time", i: 6, from: src, j: 6, want: created},
		{name: "default not applied", i: 8, from: withTags, j: 1, want: nil},
		{name: "i out of range", i: 9, from: src, j: 0, wantErr: "field index 9 out of range"},
		{name: "negative i", i: -1, from: src, j: 0, wantErr: "field index -1 out of range"},
		{name: "j out of range", i: 0, from: src, j: 10, wantErr: "field index 10 out of range"},
		{name: "nil source", i: 0, from: nil, j: 0, wantErr: "CopyAt from a nil Struct"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewStruct(dst)
			err := s.CopyAt(tc.i, tc.from, tc.j)
			if tc.wantErr != "" {
				var de *DataError
				require.ErrorAs(t, err, &de)
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			got := s.At(tc.i).Any()
			require.True(t, ValuesEqual(tc.want, got), "got %#v", got)
		})
	}
}

// CopyAt agrees with SetAt(i, src.At(j)) on every outcome.
func TestStructCopyAtMatchesSetAt(t *testing.T) {
	src, err := buildOrder(7)
	require.NoError(t, err)
	unset := NewStruct(orderSchema) // required fields left null
	for _, from := range []*Struct{src, unset} {
		for j := range orderSchema.Fields {
			for i := range orderSchema.Fields {
				a, b := NewStruct(orderSchema), NewStruct(orderSchema)
				errA := a.CopyAt(i, from, j)
				errB := b.SetAt(i, from.At(j))
				require.Equal(t, errB == nil, errA == nil, "field %d from %d", i, j)
				if errB != nil {
					require.Equal(t, errB.Error(), errA.Error())
				}
				require.True(t, a.Equal(b))
			}
		}
	}
}

func TestNewStructOneAllocation(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 8, 9, 10, 12, 16, 17, 20, 21, 24, 25, 32, 33, 40} {
		fields := make([]Field, n)
		for i := range fields {
			fields[i] = F(fmt.Sprintf("f%d", i), Int64Schema)
		}
		schema := StructOf(fields...)
		s := NewStruct(schema)
		require.Equal(t, n, s.Len())
		require.Equal(t, n, len(s.vals))
		require.Equal(t, n, cap(s.vals), "no room to grow into")
		for i := range n {
			require.True(t, s.At(i).IsNull())
			require.NoError(t, s.SetAt(i, Int64Value(int64(i))))
		}
		for i := range n {
			require.Equal(t, int64(i), s.At(i).Int64())
		}
		want := 1.0
		if n > 32 {
			want = 2
		}
		allocs := testing.AllocsPerRun(100, func() { _ = NewStruct(schema) })
		require.Equal(t, want, allocs, "%d fields", n)
	}
}

func BenchmarkStructCopy10Fields(b *testing.B) {
	src, err := buildOrder(1)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("SetAt", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dst := NewStruct(orderSchema)
			for i := range orderSchema.Fields {
				if err := dst.SetAt(i, src.At(i)); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("CopyAt", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dst := NewStruct(orderSchema)
			for i := range orderSchema.Fields {
				if err := dst.CopyAt(i, src, i); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// NewStructs makes Structs as NewStruct does, which do not share their
// values, in three allocations.
func TestNewStructs(t *testing.T) {
	s := StructOf(F("id", Int64Schema), F("name", OptionalStringSchema))
	structs := NewStructs(s, 3)
	require.Len(t, structs, 3)
	for i, st := range structs {
		require.Equal(t, NewStruct(s), st)
		require.NoError(t, st.PutInt64("id", int64(i)))
		require.NoError(t, st.PutString("name", fmt.Sprint("n", i)))
	}
	for i, st := range structs {
		require.Equal(t, int64(i), st.Get("id"))
		require.Equal(t, fmt.Sprint("n", i), st.Get("name"))
	}
	require.Nil(t, NewStructs(s, 0))
	require.Equal(t, 3.0, testing.AllocsPerRun(100, func() { _ = NewStructs(s, 64) }))
	require.Panics(t, func() { NewStructs(Int64Schema, 1) })
	empty := NewStructs(StructOf(), 2)
	require.Equal(t, 0, empty[0].Len())
}
