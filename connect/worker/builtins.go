package worker

import (
	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/bytesconv"
	"github.com/kconnect-go/kconnect/converter/numconv"
	"github.com/kconnect-go/kconnect/converter/simpleheader"
	"github.com/kconnect-go/kconnect/converter/stringconv"
	"github.com/kconnect-go/kconnect/transform"
)

// defaultHeaderConverter is Kafka Connect's default header.converter.
const defaultHeaderConverter = simpleheader.Class

// extraBuiltins lists the built-in plugins beyond JsonConverter: the other
// converters and every transform and predicate.
func extraBuiltins() connect.Plugins {
	ps := connect.Plugins{
		stringconv.Plugin(), stringconv.HeaderPlugin(),
		bytesconv.Plugin(), bytesconv.HeaderPlugin(),
		simpleheader.HeaderPlugin(),
	}
	for _, p := range numconv.Plugins() {
		ps = append(ps, p)
	}
	for _, p := range numconv.HeaderPlugins() {
		ps = append(ps, p)
	}
	return append(ps, transform.Plugins()...)
}
