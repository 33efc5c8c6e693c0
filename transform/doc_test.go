package transform_test

import (
	"fmt"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/transform"
)

// A chain configured exactly as in a Kafka Connect connector config:
// rename "<name>-raw" topics, and drop tombstones.
func ExampleParseChain() {
	chain, err := transform.ParseChain(map[string]string{
		"transforms":                          "route,dropTombstones",
		"transforms.route.type":               "org.apache.kafka.connect.transforms.RegexRouter",
		"transforms.route.regex":              "(.*)-raw",
		"transforms.route.replacement":        "$1",
		"transforms.dropTombstones.type":      "Filter",
		"transforms.dropTombstones.predicate": "isTombstone",
		"predicates":                          "isTombstone",
		"predicates.isTombstone.type":         "RecordIsTombstone",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer chain.Close()

	for _, r := range []connect.Record{
		{Topic: "orders-raw", Value: "an order"},
		{Topic: "orders-raw", Value: nil},
		{Topic: "audit", Value: "an event"},
	} {
		out, keep, err := chain.Apply(r)
		fmt.Println(out.Topic, keep, err)
	}
	// Output:
	// orders true <nil>
	// orders false <nil>
	// audit true <nil>
}

// Errors name the transform's alias and the configuration key.
func ExampleParseChain_error() {
	_, err := transform.ParseChain(map[string]string{
		"transforms":             "route",
		"transforms.route.type":  "RegexRouter",
		"transforms.route.regex": "(.*)-raw",
	})
	fmt.Println(err)
	// Output:
	// transforms.route: Missing required configuration "replacement" which has no default value.
}

// The same kind of chain from Go values, without configuration strings.
func ExampleNewChain() {
	route, err := transform.NewRegexRouter(`(.*)-raw`, "$1")
	if err != nil {
		fmt.Println(err)
		return
	}
	chain, err := transform.NewChain(
		transform.Step{Name: "route", Transform: route},
		transform.Step{Name: "tag", Transform: transform.InsertHeader{Header: "source", Schema: connect.StringSchema, Value: "raw"}},
		transform.Step{Name: "keepTombstones", Transform: transform.Filter{}, When: transform.RecordIsTombstone{}, Negate: true},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, keep, _ := chain.Apply(connect.Record{Topic: "orders-raw", Value: nil})
	h, _ := out.Headers.Last("source")
	fmt.Println(out.Topic, keep, h.Value)
	_, keep, _ = chain.Apply(connect.Record{Topic: "orders-raw", Value: "not a tombstone"})
	fmt.Println(keep)
	// Output:
	// orders true raw
	// false
}

// ExtractField with field.syntax.version=V2 reads a nested field.
func ExampleNewExtractField() {
	address := connect.StructOf(connect.F("city", connect.StringSchema)).AsOptional()
	user := connect.StructOf(connect.F("id", connect.Int64Schema), connect.F("address", address))
	addr := connect.NewStruct(address)
	_ = addr.PutString("city", "Lisbon")
	value := connect.NewStruct(user)
	_ = value.PutInt64("id", 7)
	_ = value.Put("address", addr)

	extract, err := transform.NewExtractField(transform.ExtractFieldConfig{Field: "address.city", Syntax: transform.FieldSyntaxV2})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _, err := extract.Apply(connect.Record{ValueSchema: user, Value: value})
	fmt.Println(out.ValueSchema, out.Value, err)
	// Output:
	// STRING Lisbon <nil>
}

// ValueToKey builds the key from value fields; without a schema the key is
// a map.
func ExampleNewValueToKey() {
	v2k, err := transform.NewValueToKey(transform.ValueToKeyConfig{Fields: []string{"id"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _, _ := v2k.Apply(connect.Record{Value: map[string]any{"id": int64(42), "name": "ann"}})
	fmt.Println(out.Key)
	// Output:
	// map[id:42]
}

// TimestampRouter appends the record's day (UTC) to its topic.
func ExampleNewTimestampRouter() {
	router, err := transform.NewTimestampRouter("${topic}-${timestamp}", "yyyy.MM.dd")
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _, _ := router.Apply(connect.Record{Topic: "logs", Timestamp: time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)})
	fmt.Println(out.Topic)
	// Output:
	// logs-2024.03.05
}

// EnrichConfigDef gives the per-alias keys for validating a connector
// config, as the REST validate endpoint does.
func ExampleEnrichConfigDef() {
	config := map[string]string{
		"transforms":             "route",
		"transforms.route.type":  "RegexRouter",
		"transforms.route.regex": "(.*)-raw",
	}
	def := transform.ChainConfigDef().With(transform.EnrichConfigDef(config))
	for _, v := range def.Validate(config) {
		for _, e := range v.Errors {
			fmt.Println(v.Name+":", e)
		}
	}
	// Output:
	// transforms.route.replacement: Missing required configuration "transforms.route.replacement" which has no default value.
}
