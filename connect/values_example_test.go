package connect_test

import (
	"fmt"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

func ExampleParseString() {
	for _, s := range []string{"42", "1.5", "true", "2024-03-15", `[1,2,300]`, `{"a":1}`, "hello", "12,34"} {
		schema, v, _ := connect.ParseString(s)
		fmt.Printf("%-12s %-40v %v\n", s, schema, v)
	}
	// Output:
	// 42           INT8                                     42
	// 1.5          FLOAT32                                  1.5
	// true         BOOLEAN                                  true
	// 2024-03-15   INT32(org.apache.kafka.connect.data.Date) 2024-03-15 00:00:00 +0000 UTC
	// [1,2,300]    ARRAY                                    [1 2 300]
	// {"a":1}      MAP                                      [{a 1}]
	// hello        STRING                                   hello
	// 12,34        INT8                                     12
}

func ExampleConvertToString() {
	s := connect.NewStruct(connect.StructOf(
		connect.F("id", connect.Int32Schema),
		connect.F("tags", connect.ArrayOf(connect.StringSchema)),
		connect.F("at", connect.TimestampSchema),
	))
	_ = s.Put("id", int32(7))
	_ = s.Put("tags", []any{"a", `b"c`})
	_ = s.Put("at", time.Date(2024, 3, 15, 12, 0, 0, 0, time.UTC))
	out, _ := connect.ConvertToString(s.Schema(), s)
	fmt.Println(out)
	out, _ = connect.ConvertToString(nil, connect.NewDecimal(1, -3))
	fmt.Println(out)
	// Output:
	// {"id":7,"tags":["a","b\"c"],"at":2024-03-15T12:00:00.000Z}
	// 1E+3
}

func ExampleConvertToInt32() {
	for _, v := range []any{"12.7", int64(1) << 32, 3.9, "x"} {
		n, err := connect.ConvertToInt32(nil, v)
		fmt.Println(n, err)
	}
	// Output:
	// 12 <nil>
	// 0 <nil>
	// 3 <nil>
	// 0 connect: cannot convert "x" (string) to a number
}

func ExampleConvertToTimestamp() {
	t, _ := connect.ConvertToTimestamp(nil, "2024-03-15T12:34:56.789Z")
	fmt.Println(t)
	t, _ = connect.ConvertToTimestamp(connect.DateSchema, time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC))
	fmt.Println(t.UnixMilli())
	// Output:
	// 2024-03-15 12:34:56.789 +0000 UTC
	// 1710460800000
}
