package protobuf_test

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/protobuf"
)

// A value converter writes a struct in Confluent's wire format, registering
// its .proto schema under <topic>-value, and reads it back.
func Example() {
	reg := srfake.New() // a schema registry over HTTP on 127.0.0.1
	defer reg.Close()
	c, err := protobuf.Configure(map[string]string{"schema.registry.url": reg.URL()}, false)
	if err != nil {
		panic(err)
	}
	defer c.Close()

	schema := connect.StructOf(connect.F("id", connect.Int64Schema), connect.F("name", connect.StringSchema)).
		WithName("com.example.User")
	user := connect.NewStruct(schema)
	_ = user.Put("id", int64(1))
	_ = user.Put("name", "Ada")

	data, err := c.FromConnect(nil, "users", connect.Headers{}, schema, user)
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", data)

	s, v, err := c.ToConnect("users", connect.Headers{}, data)
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Name, v.(*connect.Struct).Get("name"))
	// Output:
	// 00 00 00 00 01 00 08 01 12 03 41 64 61
	// User Ada
}
