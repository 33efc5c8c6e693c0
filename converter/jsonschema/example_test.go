package jsonschema_test

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/jsonschema"
)

// A value converter writes a record in Confluent's wire format, registering
// its JSON Schema under <topic>-value, and reads it back.
func Example() {
	reg := srfake.New() // a schema registry over HTTP on 127.0.0.1
	defer reg.Close()
	c, err := jsonschema.Configure(map[string]string{"schema.registry.url": reg.URL()}, false)
	if err != nil {
		panic(err)
	}
	defer c.Close()

	schema := connect.StructOf(connect.F("id", connect.Int64Schema), connect.F("name", connect.OptionalStringSchema)).
		WithName("com.example.User")
	user := connect.NewStruct(schema)
	_ = user.Put("id", int64(1))
	_ = user.Put("name", "Ada")

	data, err := c.FromConnect(nil, "users", connect.Headers{}, schema, user)
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x %s\n", data[:5], data[5:])
	ss, _ := reg.GetSchema("users-value", 1)
	fmt.Println(ss.Schema.Schema)

	s, v, err := c.ToConnect("users", connect.Headers{}, data)
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Name, v.(*connect.Struct).Get("name"))
	// Output:
	// 00 00 00 00 01 {"id":1,"name":"Ada"}
	// {"type":"object","title":"com.example.User","properties":{"id":{"type":"integer","connect.index":0,"connect.type":"int64"},"name":{"oneOf":[{"type":"null"},{"type":"string"}],"connect.index":1}}}
	// com.example.User Ada
}
