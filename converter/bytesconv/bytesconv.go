// Package bytesconv is Kafka Connect's ByteArrayConverter
// (org.apache.kafka.connect.converters.ByteArrayConverter): keys, values and
// header values passed through as raw bytes.
package bytesconv

import (
	"fmt"
	"reflect"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/internal/version"
)

// Class is ByteArrayConverter's Kafka Connect class name.
const Class = "org.apache.kafka.connect.converters.ByteArrayConverter"

// Converter is ByteArrayConverter. It has no configuration and is safe for
// concurrent use.
type Converter struct{}

// New returns a Converter.
func New() *Converter { return &Converter{} }

// ConfigDef defines ByteArrayConverter's configuration keys: none.
func ConfigDef() *connect.ConfigDef { return connect.NewConfigDef() }

func info(kind connect.PluginKind) connect.PluginInfo {
	return connect.PluginInfo{Class: Class, Aliases: []string{"ByteArrayConverter"}, Kind: kind, Version: version.Kconnect(),
		Doc: "Raw bytes, passed through unchanged.", Config: ConfigDef()}
}

// Plugin describes the Converter to a runtime. Configuration keys are
// ignored, as in Kafka Connect.
func Plugin() converter.Plugin {
	return converter.Plugin{PluginInfo: info(connect.ConverterPlugin),
		New: func(map[string]string, bool) (converter.Converter, error) { return New(), nil }}
}

// HeaderPlugin describes the Converter as a header converter to a runtime.
func HeaderPlugin() converter.HeaderPlugin {
	return converter.HeaderPlugin{PluginInfo: info(connect.HeaderConverterPlugin),
		New: func(map[string]string) (converter.HeaderConverter, error) { return New(), nil }}
}

// FromConnect appends value, which must be a []byte (or a connect.Value
// holding one), to dst; a nil value is a Kafka null and an empty slice an
// empty, non-null result. A schema that is not BYTES (a Decimal schema is
// BYTES but its values are not []byte) or a value of another type is a
// *connect.DataError, as in Kafka Connect.
func (c *Converter) FromConnect(dst []byte, _ string, _ connect.Headers, schema *connect.Schema, value any) ([]byte, error) {
	if schema != nil && schema.Type != connect.BytesType {
		return nil, &connect.DataError{Err: fmt.Errorf("bytesconv: invalid schema type for ByteArrayConverter: %s", schema.Type)}
	}
	if v, ok := value.(connect.Value); ok {
		if v.IsNull() {
			return nil, nil
		}
		if v.Kind() == connect.KindBytes {
			value = v.Bytes()
		}
	}
	switch b := value.(type) {
	case nil:
		return nil, nil
	case []byte:
		if b == nil {
			return nil, nil
		}
		return converter.NonNil(append(dst, b...)), nil
	}
	return nil, &connect.DataError{Err: fmt.Errorf("bytesconv: ByteArrayConverter is not compatible with values of type %s", reflect.TypeOf(value))}
}

// ToConnect returns data itself with the optional BYTES schema, as Kafka's
// ByteArrayConverter does (no copy: see the converter package's Buffers);
// nil data is a null value.
func (c *Converter) ToConnect(_ string, _ connect.Headers, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return connect.OptionalBytesSchema, nil, nil
	}
	return connect.OptionalBytesSchema, data, nil
}

// FromConnectHeader converts a header value as FromConnect converts a value.
func (c *Converter) FromConnectHeader(dst []byte, topic, _ string, s *connect.Schema, v any) ([]byte, error) {
	return c.FromConnect(dst, topic, connect.Headers{}, s, v)
}

// ToConnectHeader converts a header value as ToConnect converts a value.
func (c *Converter) ToConnectHeader(topic, _ string, data []byte) (*connect.Schema, any, error) {
	return c.ToConnect(topic, connect.Headers{}, data)
}
