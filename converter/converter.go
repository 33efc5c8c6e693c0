// Package converter defines how kconnect turns record keys, values and
// headers into bytes and back: Kafka Connect's Converter and HeaderConverter.
//
// The implementations live in subpackages whose names do not shadow the
// standard library: jsonconv (JsonConverter), stringconv (StringConverter),
// bytesconv (ByteArrayConverter), numconv (the Short, Integer, Long, Float,
// Double and Boolean converters), and avro (Confluent's AvroConverter).
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
// # Headers
//
// Every converter is handed the record's headers in Connect form
// (connect.Headers): FromConnect those of the record being written, as the
// connector and transforms left them; ToConnect those of the record being
// read, as the header converter read them. Headers are copy-on-write, so a
// converter may keep them.
//
// A converter that needs the headers as they are in Kafka, such as a
// schema-registry converter that puts the schema id in a header rather
// than in the payload, implements HeadersFromConnect, HeadersToConnect or
// both, which the runtime finds by type assertion (as database/sql finds a
// driver's optional capabilities) and calls in place of FromConnect and
// ToConnect. Those receive the record's Kafka headers, in order, as bytes
// (KafkaHeader), and HeadersFromConnect may add to them: what it adds is
// in the record written to Kafka, as with Kafka Connect's
// Converter.fromConnectData(topic, headers, schema, value). A converter
// without them costs the runtime nothing more.
//
// Writing a record, the runtime converts its Connect headers with the
// header converter first, then calls the key converter and then the value
// converter with the result, as Kafka Connect's WorkerSourceTask does: the
// value converter sees the headers the key converter added, and headers a
// converter adds are written as they are, not through the header
// converter. Reading one, it converts the headers first too, so that
// ToConnect has them.
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
// after returning. The same holds for HeadersFromConnect and
// HeadersToConnect; the headers a call is given belong to that call's
// record alone.
package converter

import (
	"github.com/kconnect-go/kconnect/connect"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Converter converts record keys or values between connect values and bytes.
// The runtime builds one for keys and another for values per task.
type Converter interface {
	// FromConnect appends the serialized form of value (described by
	// schema, which is nil for schemaless values) to dst. It returns nil,
	// nil for a Kafka null. An error is a *connect.DataError naming the
	// offending element where there is one. headers are the record's
	// Connect headers (see Headers).
	FromConnect(dst []byte, topic string, headers connect.Headers, schema *connect.Schema, value any) ([]byte, error)
	// ToConnect deserializes data, which is nil for a Kafka null, into a
	// schema and value. The value may alias data, which the caller must
	// not modify afterwards (see Buffers). headers are the record's
	// headers as the header converter read them (see Headers).
	ToConnect(topic string, headers connect.Headers, data []byte) (*connect.Schema, any, error)
}

// KafkaHeader is one header of a Kafka record as it is in Kafka: a key and
// the value's bytes, nil for a null value. It is franz-go's record header,
// so the runtime hands a consumed record's headers to a converter, and
// takes a produced record's from it, without copying them.
type KafkaHeader = kgo.RecordHeader

// HeadersToConnect is implemented by a Converter that reads the Kafka
// headers of the record it deserializes: the runtime calls
// ToConnectWithHeaders in place of ToConnect.
type HeadersToConnect interface {
	// ToConnectWithHeaders is ToConnect given the consumed record's
	// headers, in order, as they are in Kafka. The converter must not
	// modify headers or the values in it (the runtime keeps the consumed
	// record as it was, for a dead-letter queue), nor keep the slice after
	// returning; like data, a header value may be aliased by the result.
	ToConnectWithHeaders(topic string, headers []KafkaHeader, data []byte) (*connect.Schema, any, error)
}

// HeadersFromConnect is implemented by a Converter that writes Kafka
// headers of the record it serializes: the runtime calls
// FromConnectWithHeaders in place of FromConnect.
type HeadersFromConnect interface {
	// FromConnectWithHeaders is FromConnect given the headers of the Kafka
	// record being written: the record's Connect headers as the header
	// converter wrote them, in order, followed by those the key converter
	// added when this is the value converter. It may add headers to
	// *headers, and change or remove those there: the record is written
	// with *headers as the value converter leaves it. A value it adds must
	// be memory it does not change afterwards (not dst, which holds the key
	// and value and is reused once the record is written). It must not
	// keep headers after returning.
	FromConnectWithHeaders(dst []byte, topic string, headers *[]KafkaHeader, schema *connect.Schema, value any) ([]byte, error)
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
