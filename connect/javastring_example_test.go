package connect_test

import (
	"fmt"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

func ExampleAppendJavaString() {
	s := connect.NewStruct(connect.StructOf(
		connect.F("id", connect.Int32Schema),
		connect.F("tags", connect.ArrayOf(connect.StringSchema)),
		connect.F("note", connect.OptionalStringSchema),
	))
	_ = s.Put("id", int32(7))
	_ = s.Put("tags", []any{"a", "b"})
	// Bytes as they are; anything outside the data model is an error.
	raw := func(dst []byte, v any) ([]byte, error) {
		if b, ok := v.([]byte); ok {
			return append(dst, b...), nil
		}
		return dst, fmt.Errorf("%T has no text form", v)
	}
	for _, v := range []any{s, 1e10, time.Date(1500, 6, 1, 0, 0, 0, 0, time.UTC), map[string]any{"k": []byte("raw")}, uint(1)} {
		out, err := connect.AppendJavaString(nil, v, raw)
		fmt.Println(string(out), err)
	}
	// Output:
	// Struct{id=7,tags=[a, b]} <nil>
	// 1.0E10 <nil>
	// Fri May 22 00:00:00 UTC 1500 <nil>
	// {k=raw} <nil>
	//  connect: uint has no text form
}
