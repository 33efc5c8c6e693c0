package worker

import (
	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/bytesconv"
	"github.com/kconnect-go/kconnect/converter/jsonconv"
	"github.com/kconnect-go/kconnect/converter/numconv"
	"github.com/kconnect-go/kconnect/converter/simpleheader"
	"github.com/kconnect-go/kconnect/converter/stringconv"
	"github.com/kconnect-go/kconnect/transform"
)

// defaultHeaderConverter is Kafka Connect's default header.converter.
const defaultHeaderConverter = simpleheader.Class

// builtinPlugins returns the plugins every worker knows before the ones it
// is given: Kafka Connect's converters and header converters (JSON,
// String, ByteArray, the number converters, SimpleHeaderConverter) and
// every built-in transformation and predicate. It is the one list of
// them; each call returns new values.
func builtinPlugins() connect.Plugins {
	ps := connect.Plugins{
		jsonconv.Plugin(), jsonconv.HeaderPlugin(),
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
