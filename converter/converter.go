// Package converter defines how kconnect turns record keys, values and
// headers into bytes and back: Kafka Connect's Converter and HeaderConverter.
//
// The implementations live in subpackages whose names do not shadow the
// standard library: jsonconv (JsonConverter), stringconv (StringConverter),
// bytesconv (ByteArrayConverter) and numconv (the Short, Integer, Long, Float,
// Double and Boolean converters).
//
// # Buffers
//
// FromConnect appends to a caller's buffer, as strconv.AppendInt does, so the
// runtime can reuse buffers from a pool and convert a record without
// allocating. It returns nil exactly when the result is a Kafka null (a
// tombstone), and a non-nil slice otherwise, even when it is empty. The
// returned slice may alias dst's array; the caller owns it.
//
// ToConnect takes data over, as a Java converter takes its byte array: the
// value it returns may alias data (ByteArrayConverter returns data itself,
// as Kafka's does), so the caller must not modify data afterwards. The
// runtime passes the bytes it consumed, which nothing else writes to.
//
// # Closing
//
// A Converter or HeaderConverter that holds resources (a schema registry
// client, a cache to flush) implements io.Closer. The runtime builds
// converters for each task and closes each one it built once: when
// the task has stopped, whatever stopped it (a stop, restart, pause,
// reconfiguration, update or delete of its connector, the worker closing,
// or the task failing, its Start included), or, for converters built only
// to check a connector's configuration, right after. A task abandoned for
// ignoring its context may still be converting in its stuck goroutine, so
// its converters are closed only when that goroutine returns, and never if
// it never does. Close is not called concurrently with any other method of
// the converter. (Kafka Connect's HeaderConverter is Closeable and closed
// with its task; its Converter interface has no close method.)
//
// # Concurrency
//
// A Converter is configured once and then used by many goroutines at once:
// implementations must be safe for concurrent use, and must not keep dst
// after returning.
package converter

import "github.com/kconnect-go/kconnect/connect"

// Converter converts record keys or values between connect values and bytes.
// The runtime builds one for keys and another for values per task.
type Converter interface {
	// FromConnect appends the serialized form of value (described by
	// schema, which is nil for schemaless values) to dst. It returns nil,
	// nil for a Kafka null. An error is a *connect.DataError naming the
	// offending element where there is one.
	FromConnect(dst []byte, topic string, headers connect.Headers, schema *connect.Schema, value any) ([]byte, error)
	// ToConnect deserializes data, which is nil for a Kafka null, into a
	// schema and value. The value may alias data, which the caller must
	// not modify afterwards (see Buffers).
	ToConnect(topic string, headers connect.Headers, data []byte) (*connect.Schema, any, error)
}

// HeaderConverter converts record header values between connect values and
// bytes.
type HeaderConverter interface {
	// FromConnectHeader appends the serialized header value to dst,
	// returning nil for a null header value.
	FromConnectHeader(dst []byte, topic, key string, schema *connect.Schema, value any) ([]byte, error)
	// ToConnectHeader deserializes a header value; data is nil for null.
	// As with ToConnect, the value may alias data.
	ToConnectHeader(topic, key string, data []byte) (*connect.Schema, any, error)
}

// Plugin describes a Converter implementation to a runtime: its Kafka Connect
// class name and aliases, its configuration, and a constructor taking the
// connector's string configuration (the key.converter.* or value.converter.*
// keys with the prefix removed) and whether it converts keys.
type Plugin struct {
	connect.PluginInfo
	New func(config map[string]string, isKey bool) (Converter, error)
}

// HeaderPlugin describes a HeaderConverter implementation to a runtime.
type HeaderPlugin struct {
	connect.PluginInfo
	New func(config map[string]string) (HeaderConverter, error)
}

// Info returns the plugin's description.
func (p Plugin) Info() connect.PluginInfo { return p.PluginInfo }

// Info returns the plugin's description.
func (p HeaderPlugin) Info() connect.PluginInfo { return p.PluginInfo }

// Funcs adapts two functions to a Converter, for converters too small to
// deserve a type.
type Funcs struct {
	From func(dst []byte, topic string, headers connect.Headers, schema *connect.Schema, value any) ([]byte, error)
	To   func(topic string, headers connect.Headers, data []byte) (*connect.Schema, any, error)
}

// FromConnect calls f.From.
func (f Funcs) FromConnect(dst []byte, topic string, h connect.Headers, s *connect.Schema, v any) ([]byte, error) {
	return f.From(dst, topic, h, s, v)
}

// ToConnect calls f.To.
func (f Funcs) ToConnect(topic string, h connect.Headers, data []byte) (*connect.Schema, any, error) {
	return f.To(topic, h, data)
}

// NonNil returns dst as a non-nil slice, for converters whose output is
// empty but not null.
func NonNil(dst []byte) []byte {
	if dst == nil {
		return []byte{}
	}
	return dst
}
